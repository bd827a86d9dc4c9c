#!/usr/bin/env node
// Interleaved A/B of two built packages: how docs/performance.md measures a change.
//
//   node bench/ab.mjs NEW_PKG BASE_PKG [--loads N] [--workloads NAMES] [--chunks SIZES] [--runs N]
//
// Each load is one page of `run.mjs --quick --full-inputs` with three rows: the two
// packages (one as --pkg, the other as --old-pkg) and eventsource-parser alone, stream-fed.
// The packages swap places on every other load: on this machine a package measured against
// itself read 0.97–1.08×, and a change could read 0.93–1.00× one way round and 1.06–1.14×
// the other. Prints, per load and cell, NEW ÷ BASE and each ÷ eventsource-parser, then per
// cell the loads in NEW's favour. Defaults: 4 loads (an even number), LLM tokens, 64 KiB
// chunks, 21 runs; `--workloads llm,openai,kb --chunks 64,1024,65536` is the grid of
// docs/performance.md's tables.
// Run nothing else heavy beside it (2 cores).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const usage = 'usage: node bench/ab.mjs NEW_PKG BASE_PKG [--loads N] [--workloads NAMES] [--chunks SIZES] [--runs N]';
const run = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.mjs');
const [newPkg, basePkg, ...rest] = process.argv.slice(2);
if (!newPkg || !basePkg || newPkg.startsWith('--') || basePkg.startsWith('--')) {
  console.error(usage);
  process.exit(2);
}
const opts = { loads: '4', workloads: 'llm', chunks: '65536', runs: '21' };
for (let i = 0; i < rest.length; i++) {
  const [flag, inline] = rest[i].split(/=(.*)/s, 2);
  const key = flag.replace(/^--/, '');
  const value = inline ?? rest[++i];
  if (!flag.startsWith('--') || !(key in opts) || value === undefined) {
    console.error(usage);
    process.exit(2);
  }
  opts[key] = value;
}
// An even number of loads: each package takes each place equally often.
if (!/^[1-9][0-9]*$/.test(opts.loads) || Number(opts.loads) % 2 || !/^[1-9][0-9]*$/.test(opts.runs)) {
  console.error(`--loads must be a positive even number and --runs a positive number\n${usage}`);
  process.exit(2);
}

const out = mkdtempSync(path.join(os.tmpdir(), 'wasm-sse-ab-'));
// Interrupted: run.mjs stops its own server and browser; remove the results directory.
process.on('SIGINT', () => {
  rmSync(out, { recursive: true, force: true });
  process.exit(130);
});
const favour = new Map(); // cell → NEW ÷ BASE of each load
try {
  for (let load = 0; load < Number(opts.loads); load++) {
    // Odd loads put BASE in the --pkg place (the row named wasm-sse).
    const swapped = load % 2 === 1;
    const [pkg, oldPkg] = swapped ? [basePkg, newPkg] : [newPkg, basePkg];
    const args = [run, '--quick', '--full-inputs', '--runs', opts.runs, '--chunks', opts.chunks, '--workloads', opts.workloads,
      '--only', 'wasm-sse,wasm-sse-old,esp-stream', '--pkg', pkg, '--old-pkg', oldPkg, '--old-rev', 'ab', '--out', out];
    const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`load ${load + 1}: run.mjs exited ${child.status}\n${child.stdout}${child.stderr}`);
    const cells = new Map();
    for (const row of JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8')).throughput) {
      const key = `${row.workload} @ ${row.chunk} B`;
      if (!cells.has(key)) cells.set(key, {});
      cells.get(key)[row.competitor] = row.mbps.median;
    }
    const line = [];
    for (const [key, mbps] of cells) {
      const fresh = swapped ? mbps['wasm-sse-old'] : mbps['wasm-sse'];
      const base = swapped ? mbps['wasm-sse'] : mbps['wasm-sse-old'];
      if (!favour.has(key)) favour.set(key, []);
      favour.get(key).push(fresh / base);
      const esp = mbps['esp-stream'];
      line.push(`${key}: new ÷ base ${(fresh / base).toFixed(3)}, new ÷ esp ${(fresh / esp).toFixed(3)}, base ÷ esp ${(base / esp).toFixed(3)}`);
    }
    console.log(`load ${load + 1}${swapped ? ' (base as --pkg)' : ''}: ${line.join('; ')}`);
  }
  for (const [key, ratios] of favour) {
    const won = ratios.filter((r) => r > 1).length;
    console.log(`${key}: new ÷ base ${ratios.map((r) => r.toFixed(3)).join(', ')} (${won} of ${ratios.length} in favour)`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
