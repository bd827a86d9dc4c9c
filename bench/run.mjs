#!/usr/bin/env node
// Runs the in-browser benchmark: starts the test server, opens bench/page in headless
// Chromium on a fake origin served from local files, and writes bench/results/latest.*.
//
//   node bench/run.mjs [--smoke|--quick [--full-inputs]] [--pkg DIR] [--old-pkg DIR [--old-rev REV]] [--out DIR]
//
// --smoke: tiny workloads, one run each, every path exercised (part of `make test`);
//          written to bench/results/smoke/ unless --out says otherwise.
// --quick: throughput of the stream-fed rows on 1 MB inputs, for optimisation loops;
//          written to bench/results/quick/.
// --full-inputs: with --quick or --profile, the full run's input sizes (4 MB of tokens, ...)
//          instead of 1 MB: longer timed runs, steadier ratios (bench/ab.mjs uses it).
// --profile: a --quick run under Chrome's CPU profiler (CDP); writes profile.cpuprofile
//          and the functions with the most self time to profile.txt. Build the package
//          with names kept for readable wasm frames: `bash scripts/make-pkg.sh --profiling`.
// --alone: each row's timed runs back to back instead of one of each row per round (a
//          diagnostic: every row then pays for its own garbage; docs/performance.md, session 20).
// --only IDS: measure only these comma-separated rows (see page/competitors.js).
// --chunks SIZES: only these chunk sizes, e.g. --chunks 65536.
// --runs N: timed runs per row (default 9; rows on this shared VM move by ±30 % run to run).
// --workloads NAMES: only these of llm, openai, kb, one, mixed.
// --old-pkg DIR: a second built package (the old layout, index.js + wasm.js, or the current
//          one), measured in the same page beside --pkg: its own throughput, latency,
//          memory and end-to-end rows and correctness checks, and new ÷ old ratios in the
//          report. `make bench` passes the last release of the old layout (target/old-pkg).
// --old-rev REV: the commit the old package was built from, for its label.
// Exits 1 when any library decoded a wrong number of events or wrong content.

import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { markdown, throughputSvg, checkTargets, packageChecks, versusOld, versusOldLines } from './report.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const ORIGIN = 'http://bench.test';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
  // Exact heap figures and a callable gc(), for the memory readings.
  '--enable-precise-memory-info', '--js-flags=--expose-gc',
  // A secure context can be cross-origin isolated, which gives performance.now() 5 µs
  // resolution instead of 100 µs: latency is measured in tens of microseconds.
  `--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`,
];

const FULL = {
  runs: 9,
  sizes: { llm: 4 << 20, kb: 4 << 20, one: 1_000_000, mixed: 10_000_000, warmUp: 1 << 20 },
  warmUpRounds: 3,
  chunkSizes: [64, 1024, 65536],
  latencyChunks: 2000,
  latencyRuns: 3,
  warmCycles: 1000,
  cycles: 10_000,
  streamBytes: 100_000_000,
  e2eEvents: 20_000,
};

const SMOKE = {
  ...FULL,
  runs: 1,
  sizes: { llm: 32 << 10, kb: 32 << 10, one: 100_000, mixed: 256 << 10, warmUp: 64 << 10 },
  warmUpRounds: 1,
  latencyChunks: 100,
  latencyRuns: 1,
  warmCycles: 50,
  cycles: 200,
  streamBytes: 2_000_000,
  e2eEvents: 200,
};

// --quick: throughput only, smaller inputs and the stream-fed rows, for profiling loops.
const QUICK = {
  ...FULL,
  sizes: { llm: 1 << 20, kb: 1 << 20, one: 200_000, mixed: 1 << 20, warmUp: 256 << 10 },
  phases: ['warm-up', 'throughput'],
  competitors: ['ceiling-stream', 'esp-stream', 'espjson-stream', 'fes-stream', 'wasm-sse', 'wasm-sse-old'],
};

function parseArgs(argv) {
  const args = { smoke: false, quick: false, profile: false, only: null, pkg: path.join(root, 'pkg'), oldPkg: null, oldRev: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--smoke') args.smoke = true;
    else if (flag === '--quick') args.quick = true;
    else if (flag === '--profile') args.profile = args.quick = true;
    else if (flag === '--full-inputs') args.fullInputs = true;
    else if (flag === '--only') args.only = value().split(',');
    else if (flag === '--chunks') args.chunks = value().split(',').map(Number);
    else if (flag === '--runs') args.runs = Number(value());
    else if (flag === '--alone') args.alone = true;
    else if (flag === '--workloads') args.workloads = value().split(',');
    else if (flag === '--pkg') args.pkg = path.resolve(value());
    else if (flag === '--old-pkg') args.oldPkg = path.resolve(value());
    else if (flag === '--old-rev') args.oldRev = value();
    else if (flag === '--out') args.out = path.resolve(value());
    else fail(`unknown argument ${flag}\nusage: node bench/run.mjs [--smoke|--quick|--profile] [--full-inputs] [--alone] [--only IDS] [--chunks SIZES] [--runs N] [--workloads llm,openai,kb,one,mixed] [--pkg DIR] [--old-pkg DIR [--old-rev REV]] [--out DIR]`);
  }
  if (args.fullInputs && !args.quick) fail('--full-inputs goes with --quick or --profile');
  // Smoke figures mean nothing: keep them away from the full run's committed results.
  args.out ??= path.join(benchDir, args.smoke ? 'results/smoke' : args.quick ? 'results/quick' : 'results');
  return args;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

/**
 * The files an application ships from a built package, by its layout: the current one
 * (index.js loads wasm-bindgen's glue wasm_sse.js, which imports the crate's snippets) or
 * the old one (index.js and its loader wasm.js). Null when the directory is neither.
 */
function layoutOf(pkgDir) {
  const at = (file) => path.join(pkgDir, file);
  if (!existsSync(at('index.js'))) return null;
  if (existsSync(at('wasm_sse.js')) && existsSync(at('wasm_sse_bg.wasm'))) {
    return { js: [at('index.js'), at('wasm_sse.js'), ...jsFilesUnder(at('snippets'))], wasm: at('wasm_sse_bg.wasm') };
  }
  if (existsSync(at('wasm.js')) && existsSync(at('wasm/wasm_sse.wasm'))) {
    return { js: [at('index.js'), at('wasm.js')], wasm: at('wasm/wasm_sse.wasm') };
  }
  return null;
}

/**
 * The packages under test, each served under its own mount and loaded through its entry:
 * --pkg as `wasm-sse` (the rows the targets and ratios are about), --old-pkg beside it.
 */
function packagesOf(args) {
  const packages = [{ id: 'wasm-sse', label: 'wasm-sse', dir: args.pkg, mount: '/pkg/' }];
  if (args.oldPkg) {
    const { version } = JSON.parse(readFileSync(path.join(args.oldPkg, 'package.json'), 'utf8'));
    const label = `wasm-sse ${version} (old${args.oldRev ? `, ${args.oldRev}` : ''})`;
    packages.push({ id: 'wasm-sse-old', label, dir: args.oldPkg, mount: '/old-pkg/' });
  }
  return packages;
}

function checkInputs(args) {
  for (const [flag, dir, build] of [['--pkg', args.pkg, 'make pkg'], ['--old-pkg', args.oldPkg, 'make bench-old-pkg']]) {
    if (dir === null || layoutOf(dir)) continue;
    fail(`${flag} ${dir} is not a built wasm-sse package (index.js with wasm_sse.js and wasm_sse_bg.wasm, ` +
      `or with wasm.js and wasm/wasm_sse.wasm).\nBuild it with \`${build}\`.`);
  }
  for (const dep of ['eventsource-parser', '@microsoft/fetch-event-source', 'terser']) {
    if (!existsSync(path.join(benchDir, 'node_modules', dep))) {
      fail(`bench/node_modules/${dep} is missing: run \`npm ci --prefix bench\` first.`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Processes: the test server and the browser, stopped in `finally` and on SIGINT/SIGTERM.

const cleanups = [];
async function cleanUp() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch { /* already gone */ }
  }
}
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    console.error(`bench: ${signal}, stopping`);
    cleanUp().finally(() => process.exit(130));
  });
}

async function startTestServer() {
  const build = spawnSync('cargo', ['build', '--quiet', '-p', 'wasm-sse-testserver'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('cargo build -p wasm-sse-testserver failed');
  const bin = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug/wasm-sse-testserver');
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
  });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`test server did not start within 10 s:\n${output}`)), 10_000);
    child.stdout.on('data', (d) => {
      output += d;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ origin: match[1], pid: child.pid });
      }
    });
    exited.then((code) => reject(new Error(`test server exited (${code}):\n${output}`)));
  });
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Maps the fake origin onto local directories; nothing outside them is ever served. */
function resolveRequest(url, packages) {
  const { pathname } = new URL(url);
  const mounts = [...packages.map((p) => [p.mount, p.dir]), ['/node_modules/', path.join(benchDir, 'node_modules')], ['/', path.join(benchDir, 'page')]];
  for (const [prefix, dir] of mounts) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.resolve(dir, decodeURIComponent(pathname.slice(prefix.length)));
    return file.startsWith(dir + path.sep) ? file : null;
  }
  return null;
}

async function launchPage(packages, smoke) {
  const require = createRequire(path.join(root, 'package.json'));
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, handleSIGINT: false, handleSIGTERM: false });
  cleanups.push(() => browser.close());
  const context = await browser.newContext();
  // The page (a public-looking origin) reads the loopback test server: Chromium's Local
  // Network Access asks the user first, so grant it up front.
  await context.grantPermissions(['local-network-access'], { origin: ORIGIN });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error') errors.push(text);
    if (text.startsWith('[bench]') || message.type() === 'error') console.log(`  ${text}`);
  });
  page.on('pageerror', (error) => {
    errors.push(String(error));
    console.log(`  page error: ${error}`);
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const file = resolveRequest(route.request().url(), packages);
    if (!file || !existsSync(file) || !statSync(file).isFile()) return route.fulfill({ status: 404, body: 'not found' });
    await route.fulfill({
      status: 200,
      contentType: TYPES[path.extname(file)] ?? 'application/octet-stream',
      // Cross-origin isolation (see CHROMIUM_ARGS); the test server answers CORS requests.
      headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' },
      body: await readFile(file),
    });
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: smoke ? 20_000 : 60_000 });
  return { browser, page, errors };
}

// ---------------------------------------------------------------------------------------
// CPU profile (--profile)

async function startProfiler(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  return cdp;
}

/** Self time per function over the whole run, most first. */
async function writeProfile(cdp, out) {
  const { profile } = await cdp.send('Profiler.stop');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'profile.cpuprofile'), JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 60);
  const text = rows.map(([k, us]) => `${(100 * us / total).toFixed(1).padStart(5)} %  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${k}`).join('\n');
  await writeFile(path.join(out, 'profile.txt'), `${text}\n`);
  console.log(`bench: CPU profile in ${path.relative(process.cwd(), out)}/profile.{cpuprofile,txt}`);
}

// ---------------------------------------------------------------------------------------
// Bundle size: what an application ships, minified by terser and gzipped at level 9.

/** Each file minified and gzipped on its own (they are separate modules), summed: as scripts/size.sh. */
async function minGzip(files) {
  const { minify } = await import('terser');
  let minBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const { code } = await minify(readFileSync(file, 'utf8'), { module: true, compress: true, mangle: true });
    minBytes += Buffer.byteLength(code);
    gzipBytes += gzipSync(code, { level: 9 }).length;
  }
  return { files: files.map((f) => path.relative(root, f)), minBytes, gzipBytes };
}

function jsFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f)).sort();
}

/** The JS, the .wasm and their total for one package: rows `<id>-glue`, `<id>-wasm`, `<id>`. */
async function packageSizes(pkg) {
  const { js, wasm: wasmFile } = layoutOf(pkg.dir);
  const wasm = readFileSync(wasmFile);
  // The snippets' directory names carry a hash: shortened for the label, whole in `files`.
  const names = js.map((f) => path.relative(pkg.dir, f).replace(/^snippets\/.*\//, 'snippets/…/'));
  const glue = { id: `${pkg.id}-glue`, label: `${pkg.label} JS (${names.join(', ')})`, ...(await minGzip(js)) };
  const binary = { id: `${pkg.id}-wasm`, label: `${pkg.label} .wasm`, files: [path.relative(root, wasmFile)], minBytes: wasm.length, gzipBytes: gzipSync(wasm, { level: 9 }).length };
  const total = { id: pkg.id, label: `${pkg.label} total (wasm + JS)`, files: [], minBytes: glue.minBytes + binary.minBytes, gzipBytes: glue.gzipBytes + binary.gzipBytes };
  return [glue, binary, total];
}

async function bundleSizes(packages) {
  const nm = path.join(benchDir, 'node_modules');
  const esp = path.join(nm, 'eventsource-parser/dist');
  const fes = path.join(nm, '@microsoft/fetch-event-source/lib/esm');
  const pkgDir = packages[0].dir;
  const reactFiles = jsFilesUnder(path.join(pkgDir, 'react'));
  const sizes = [
    { id: 'eventsource-parser', label: 'eventsource-parser (dist ESM: index, parse, errors)', ...(await minGzip(['index.js', 'parse.js', 'errors.js'].map((f) => path.join(esp, f)))) },
    { id: 'fetch-event-source', label: '@microsoft/fetch-event-source (lib/esm: index, fetch, parse)', ...(await minGzip(['index.js', 'fetch.js', 'parse.js'].map((f) => path.join(fes, f)))) },
  ];
  for (const pkg of packages) sizes.push(...(await packageSizes(pkg)));
  if (reactFiles.length) sizes.push({ id: 'wasm-sse-react', label: 'wasm-sse/react entry (hooks only)', ...(await minGzip(reactFiles)) });
  else sizes.push({ id: 'wasm-sse-react', label: 'wasm-sse/react entry', files: [], minBytes: null, gzipBytes: null, note: `${path.relative(root, pkgDir)}/react/ not built` });
  return sizes;
}

// ---------------------------------------------------------------------------------------

function environment(browser, smoke, packages, page) {
  const [pkg, old] = packages;
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    mode: smoke ? 'smoke' : 'full',
    chromium: browser.version(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism?.() ?? os.cpus().length,
    node: process.version,
    pkg: path.relative(root, pkg.dir) || '.',
    ...(old ? { oldPkg: { dir: path.relative(root, old.dir) || '.', label: old.label } } : {}),
    ...page,
  };
}

async function writeAtomically(file, text) {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  checkInputs(args);
  const packages = packagesOf(args);
  const started = Date.now();
  const base = args.smoke ? SMOKE : args.quick ? QUICK : FULL;
  // What this run measures, flags applied: the report's tables and headings follow it.
  const config = { ...base, ...(args.fullInputs ? { sizes: FULL.sizes } : {}), ...(args.only ? { competitors: args.only } : {}), ...(args.chunks ? { chunkSizes: args.chunks } : {}), ...(args.runs ? { runs: args.runs } : {}), ...(args.alone ? { alone: true } : {}), ...(args.workloads ? { workloads: args.workloads } : {}) };
  // Stop a hung run rather than a CI job: the smoke run takes well under a minute.
  const deadline = setTimeout(() => {
    console.error('bench: time limit reached, stopping');
    cleanUp().finally(() => process.exit(1));
  }, args.smoke ? 120_000 : 900_000);
  try {
    const server = await startTestServer();
    console.log(`bench: test server ${server.origin} (pid ${server.pid}), ${packages.map((p) => `${p.label} ${p.dir}`).join(', ')}`);
    const { browser, page, errors } = await launchPage(packages, args.smoke);
    const entries = packages.map(({ id, label, mount }) => ({ id, label, entry: `${mount}index.js` }));
    const profiler = args.profile ? await startProfiler(page) : null;
    const report = await page.evaluate((c) => window.runBench(c), { ...config, packages: entries, origin: server.origin });
    if (profiler) await writeProfile(profiler, args.out);
    const { page: pageInfo, ...results } = report;
    const result = {
      env: environment(browser, args.smoke, packages, pageInfo),
      config,
      ...results,
      size: await bundleSizes(packages),
      consoleErrors: errors,
      seconds: (Date.now() - started) / 1e3,
    };
    result.targets = checkTargets(result);
    if (args.oldPkg) result.versusOld = versusOld(result);
    await mkdir(args.out, { recursive: true });
    await writeAtomically(path.join(args.out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    await writeAtomically(path.join(args.out, 'latest.md'), markdown(result));
    await writeAtomically(path.join(args.out, 'throughput.svg'), throughputSvg(result));
    const wrong = result.correctness.filter((c) => !c.ok);
    console.log(`bench: ${result.correctness.length - wrong.length} checks passed, ${wrong.length} failed; ${result.seconds.toFixed(1)} s; results in ${path.relative(process.cwd(), args.out) || '.'}/`);
    for (const p of packageChecks(result)) console.log(`  ${p.label}: ${p.passed} of ${p.checks} checks passed`);
    for (const c of wrong) console.log(`  WRONG ${c.what} ${c.workload} ${c.chunk ?? ''} ${c.competitor}: ${c.detail}`);
    for (const t of result.targets) console.log(`  target ${t.ok ? 'met ' : 'MISSED'} ${t.target}: ${t.value}`);
    for (const line of versusOldLines(result)) console.log(`  new ÷ old ${line}`);
    process.exitCode = wrong.length ? 1 : 0;
  } finally {
    clearTimeout(deadline);
    await cleanUp();
  }
}

main().catch(async (error) => {
  if (stopping) return; // the signal handler is already cleaning up and exiting
  console.error(`bench: ${error?.stack ?? error}`);
  await cleanUp();
  process.exit(1);
});
