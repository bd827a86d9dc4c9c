// Turns a benchmark result (bench/results/latest.json) into the markdown report, the
// throughput chart (SVG written by hand: no plotting dependency) and the target checks.

const KIB = 1024;
// scripts/size.sh's budget for the shipped wasm + JS.
const SIZE_BUDGET = 40 * KIB;
const FLAT_BYTES = 64 * KIB;

export function chunkLabel(bytes) {
  return bytes >= KIB ? `${bytes / KIB} KiB` : `${bytes} B`;
}

function sig(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

function rate(perSecond) {
  if (perSecond >= 1e6) return `${sig(perSecond / 1e6)} M`;
  if (perSecond >= 1e3) return `${sig(perSecond / 1e3)} k`;
  return sig(perSecond);
}

function bytes(n) {
  if (n === null || n === undefined) return '–';
  const sign = n < 0 ? '−' : '';
  const abs = Math.abs(n);
  if (abs >= 1 << 20) return `${sign}${sig(abs / (1 << 20))} MiB`;
  if (abs >= KIB) return `${sign}${sig(abs / KIB)} KiB`;
  return `${sign}${abs} B`;
}

function ms(x) {
  return x >= 1 ? `${sig(x)} ms` : `${sig(x * 1e3)} µs`;
}

// A percentile at the timer's resolution can be 0: its ratio is not a number.
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

function row(result, workload, chunk, competitor) {
  return result.throughput.find((r) => r.workload === workload && r.chunk === chunk && r.competitor === competitor);
}

function ratio(result, workload, chunk, over) {
  const wasm = row(result, workload, chunk, 'wasm-sse');
  const other = row(result, workload, chunk, over);
  return wasm && other ? wasm.mbps.median / other.mbps.median : null;
}

/**
 * The same ratio, paired: the median over rounds of wasm-sse's MB/s ÷ the other row's in
 * that round (each round runs every row once, in a new order). The machine's speed drifts
 * between rounds; a pair from one round shares it. Null without per-run times.
 */
function pairedRatio(result, workload, chunk, over) {
  const wasm = row(result, workload, chunk, 'wasm-sse');
  const other = row(result, workload, chunk, over);
  if (result.config.alone || !wasm?.times || !other?.times || wasm.times.length !== other.times.length) return null;
  // (A run under the timer's resolution can read 0 ms: no ratio. The median as bench.js's
  // summary takes it: the upper middle of an even count.)
  const ratios = wasm.times.map((t, i) => other.times[i] / t).filter(Number.isFinite).sort((a, b) => a - b);
  return ratios.length ? ratios[ratios.length >> 1] : null;
}

function workloadsOf(result) {
  return [...new Set(result.throughput.map((r) => r.workload))];
}

function delta(readings, from, to) {
  const a = readings.find((r) => r.at === from);
  const b = readings.find((r) => r.at === to);
  return a && b ? { wasm: b.wasmBytes - a.wasmBytes, heap: b.jsHeapBytes - a.jsHeapBytes } : null;
}

/** A memory entry's name in reports: the old package's carry its label. */
function memoryWorkload(entry) {
  return entry.competitor === 'wasm-sse' ? entry.workload : `${entry.label}, ${entry.workload}`;
}

function memoryDelta(entry) {
  return entry.workload.includes('cycles')
    ? delta(entry.readings, 'after warm-up', 'after cycles')
    : delta(entry.readings, 'after warm-up', 'at the end (open)');
}

/** The issue's targets, each with the measured value and whether it is met. */
export function checkTargets(result) {
  const targets = [];
  // LLM tokens in the agent vocabulary, and OpenAI chunks read with protocol 'openai' (the
  // JS rows then read choices[0].delta.content).
  for (const [workload, chunk, goal] of [['LLM tokens', 65536, 2.5], ['LLM tokens', 64, 1], ['OpenAI chat tokens', 65536, 2], ['OpenAI chat tokens', 64, 1]]) {
    const stream = ratio(result, workload, chunk, 'espjson-stream');
    const sync = ratio(result, workload, chunk, 'espjson-sync');
    const paired = pairedRatio(result, workload, chunk, 'espjson-stream');
    if (stream === null && workload !== 'LLM tokens') continue; // not in this run's workloads
    targets.push({
      target: `wasm-sse ≥ ${goal.toFixed(1)}× eventsource-parser + JSON.parse, ${workload}, ${chunkLabel(chunk)} chunks`,
      value: stream === null ? 'not measured' : `${times(stream)} (both fed from a stream${paired === null ? '' : `; paired ${times(paired)}`}); ${times(sync ?? NaN)} against its synchronous loop`,
      ok: stream !== null && stream >= goal,
    });
  }
  // Issue 18: ahead of eventsource-parser + JSON.parse in every workload × chunk size, and
  // of eventsource-parser alone on LLM tokens at 64 KiB.
  // (The one large event is 1 MB in a full run, smaller in quick and smoke runs.)
  const large = workloadsOf(result).find((w) => w.startsWith('one ')) ?? 'one 1 MB event';
  const cells = [];
  const missing = [];
  for (const workload of ['LLM tokens', '1 KB JSON events', large]) {
    for (const chunk of [64, 1024, 65536]) {
      const r = ratio(result, workload, chunk, 'espjson-stream');
      const where = `${workload}, ${chunkLabel(chunk)}`;
      if (r === null) missing.push(where);
      else cells.push({ r, paired: pairedRatio(result, workload, chunk, 'espjson-stream'), where });
    }
  }
  const under = cells.filter((c) => c.r < 1);
  const both = (c) => `${times(c.r)}${c.paired === null ? '' : ` (paired ${times(c.paired)})`}`;
  const lowest = cells.length ? `lowest ${both(cells.reduce((a, b) => (b.r < a.r ? b : a)))}` : '';
  targets.push({
    target: 'wasm-sse ≥ 1.0× eventsource-parser + JSON.parse (stream-fed), LLM tokens, 1 KB JSON events and one large event, 64 B, 1 KiB and 64 KiB chunks',
    value: [
      `${cells.length - under.length} of ${cells.length + missing.length} cells ≥ 1.0×`,
      under.length ? `under: ${under.map((c) => `${c.where} ${both(c)}`).join(', ')}` : lowest,
      missing.length ? `not measured: ${missing.join(', ')}` : '',
    ].filter(Boolean).join('; '),
    ok: missing.length === 0 && under.length === 0,
  });
  const alone = ratio(result, 'LLM tokens', 65536, 'esp-stream');
  const alonePaired = pairedRatio(result, 'LLM tokens', 65536, 'esp-stream');
  targets.push({
    target: 'wasm-sse ≥ 1.0× eventsource-parser alone (no JSON.parse, stream-fed), LLM tokens, 64 KiB chunks',
    value: alone === null ? 'not measured' : both({ r: alone, paired: alonePaired }),
    ok: alone !== null && alone >= 1,
  });
  const fes = [];
  for (const workload of workloadsOf(result)) {
    for (const chunk of result.config.chunkSizes) {
      const r = ratio(result, workload, chunk, 'fes-stream');
      if (r !== null) fes.push({ r, where: `${workload}, ${chunkLabel(chunk)}` });
    }
  }
  fes.sort((a, b) => a.r - b.r);
  targets.push({
    target: 'wasm-sse ≥ 3× fetch-event-source (stream-fed), every workload and chunk size',
    value: fes.length ? `lowest ${times(fes[0].r)} (${fes[0].where}), highest ${times(fes.at(-1).r)}; ${fes.filter((f) => f.r >= 3).length} of ${fes.length} cases ≥ 3×` : 'not measured',
    ok: fes.length > 0 && fes[0].r >= 3,
  });
  const lat = result.latency.filter((l) => l.competitor === 'wasm-sse');
  targets.push({
    target: 'wasm-sse p99 latency per chunk < 1 ms (enqueue → first onEvent)',
    value: lat.length ? lat.map((l) => `${l.shape}: p99 ${ms(l.ms.p99)}`).join('; ') : 'not measured',
    ok: lat.length > 0 && lat.every((l) => l.ms.p99 < 1),
  });
  const total = result.size.find((s) => s.id === 'wasm-sse');
  targets.push({
    target: `wasm + JS glue ≤ ${SIZE_BUDGET / KIB} KiB min+gzip`,
    value: `${bytes(total.gzipBytes)} (${total.gzipBytes} B: wasm ${result.size.find((s) => s.id === 'wasm-sse-wasm').gzipBytes} B + JS ${result.size.find((s) => s.id === 'wasm-sse-glue').gzipBytes} B)`,
    ok: total.gzipBytes <= SIZE_BUDGET,
  });
  for (const entry of result.memory) {
    const d = memoryDelta(entry);
    targets.push({
      target: `memory flat within 64 KiB after warm-up: ${memoryWorkload(entry)}`,
      value: d ? `wasm memory ${d.wasm >= 0 ? '+' : ''}${bytes(d.wasm)}, JS heap ${d.heap >= 0 ? '+' : ''}${bytes(d.heap)}` : 'not measured',
      ok: !!d && d.wasm <= FLAT_BYTES && d.heap <= FLAT_BYTES,
    });
  }
  return targets;
}

/**
 * The package under test against the old one (--old-pkg), from the same run: MB/s medians
 * per throughput case (above 1× is faster) and latency per percentile (below 1× is faster).
 */
export function versusOld(result) {
  const throughput = [];
  for (const workload of workloadsOf(result)) {
    for (const chunk of result.config.chunkSizes) {
      const [now, old] = ['wasm-sse', 'wasm-sse-old'].map((id) => row(result, workload, chunk, id));
      if (now && old) throughput.push({ workload, chunk, newMbps: now.mbps.median, oldMbps: old.mbps.median, ratio: now.mbps.median / old.mbps.median });
    }
  }
  const latency = [];
  for (const shape of new Set(result.latency.map((l) => l.shape))) {
    const [now, old] = ['wasm-sse', 'wasm-sse-old'].map((id) => result.latency.find((l) => l.shape === shape && l.competitor === id));
    if (!now || !old) continue;
    const at = (q) => ({ newMs: now.ms[q], oldMs: old.ms[q], ratio: now.ms[q] / old.ms[q] });
    latency.push({ shape, p50: at('p50'), p99: at('p99'), max: at('max') });
  }
  return { old: result.env.oldPkg.label, throughput, latency };
}

/** versusOld as console lines (none without an old package). */
export function versusOldLines(result) {
  if (!result.versusOld) return [];
  const { throughput, latency } = result.versusOld;
  return [
    ...throughput.map((t) => `throughput ${t.workload} @ ${chunkLabel(t.chunk)}: ${times(t.ratio)} (${sig(t.newMbps)} vs ${sig(t.oldMbps)} MB/s)`),
    ...latency.map((l) => `latency ${l.shape}: ${['p50', 'p99', 'max'].map((q) => `${q} ${times(l[q].ratio)} (${ms(l[q].newMs)} vs ${ms(l[q].oldMs)})`).join(', ')}`),
  ];
}

// ---------------------------------------------------------------------------------------

function table(header, rows, align) {
  const lines = [`| ${header.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function cell(r) {
  if (!r) return '–';
  return `${sig(r.mbps.median)} MB/s (${sig(r.mbps.min)}–${sig(r.mbps.max)}) · ${rate(r.eventsPerSec.median)} ev/s`;
}

export function markdown(result) {
  const { env, config } = result;
  const out = [];
  out.push('# wasm-sse in-browser benchmark', '');
  out.push(
    `${env.date.slice(0, 10)} · Chromium ${env.chromium} (headless) · ${env.cpu}, ${env.cores} cores · Node ${env.node} · ` +
      `package \`${env.pkg}\`${env.oldPkg ? ` beside ${env.oldPkg.label} (\`${env.oldPkg.dir}\`)` : ''} · ${env.mode} run: median of ${config.runs} timed run${config.runs > 1 ? 's' : ''} after a warm-up${config.alone ? ', each row\'s runs back to back (--alone)' : ''}, (min–max) · ` +
      `performance.now() resolution ${env.crossOriginIsolated ? '5 µs (cross-origin isolated)' : '100 µs'}.`,
    '',
    'Every parser gets the same pre-made `Uint8Array` chunks in the same page. *stream* = read from a `Response` body ' +
      '(one reader promise per chunk, the path wasm-sse takes with a custom `fetch`); *sync* = a plain loop over the chunks. ' +
      'JS rows with JSON.parse take `content` from each payload; wasm-sse rows read `event.content`. Regenerate with `node bench/run.mjs`.',
    '',
  );
  out.push('## Targets', '');
  out.push(table(['target', 'measured', 'met'], result.targets.map((t) => [t.target, t.value, t.ok ? 'yes' : '**no**']), ['l', 'l', 'l']), '');

  out.push('## Throughput', '');
  for (const workload of workloadsOf(result)) {
    const rows = result.throughput.filter((r) => r.workload === workload);
    const first = rows[0];
    out.push(`### ${workload} (${sig(first.bytes / 1e6)} MB, ${first.events.toLocaleString('en-US')} events)`, '');
    const ids = [...new Set(rows.map((r) => r.competitor))];
    const body = ids.map((id) => {
      const any = rows.find((r) => r.competitor === id);
      return [any.label, any.feed, ...config.chunkSizes.map((c) => cell(row(result, workload, c, id)))];
    });
    const versus = result.versusOld?.throughput.filter((t) => t.workload === workload);
    if (versus?.length) {
      const cellOf = (c) => versus.find((t) => t.chunk === c);
      body.push(['**wasm-sse ÷ old** (MB/s medians)', '', ...config.chunkSizes.map((c) => (cellOf(c) ? `**${times(cellOf(c).ratio)}**` : '–'))]);
    }
    out.push(table(['library', 'feed', ...config.chunkSizes.map(chunkLabel)], body, ['l', 'l', ...config.chunkSizes.map(() => 'r')]), '');
  }
  out.push(
    'The ceiling rows count line ends, not events; their ev/s use the workload\'s event count. The ceiling scans bytes in a JS loop, ' +
      'so a parser that finds line ends with the (vectorized) String indexOf can pass it where lines are long, as eventsource-parser does on the 1 MB event.',
    '',
  );

  out.push('## Ratios: wasm-sse MB/s ÷ other MB/s (medians)', '');
  const ratioRows = [];
  for (const workload of workloadsOf(result)) {
    for (const chunk of config.chunkSizes) {
      const r = (id) => {
        const x = ratio(result, workload, chunk, id);
        return x === null ? '–' : times(x);
      };
      const p = (id) => {
        const x = pairedRatio(result, workload, chunk, id);
        return x === null ? '–' : times(x);
      };
      ratioRows.push([workload, chunkLabel(chunk), r('espjson-stream'), p('espjson-stream'), r('espjson-sync'), r('esp-stream'), p('esp-stream'), r('fes-stream'), r('fes-sync'), r('ceiling-sync'), r('ceiling-stream')]);
    }
  }
  out.push(
    table(
      ['workload', 'chunk', '÷ eventsource-parser + JSON (stream)', '(paired)', '(sync)', '÷ eventsource-parser, no JSON (stream)', '(paired)', '÷ fetch-event-source (stream)', '(sync)', '÷ ceiling (sync)', '÷ ceiling (stream)'],
      ratioRows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Each ratio divides the two rows\' medians. "Paired": the median over rounds of the ratio within a round (every round runs each row once, in a new order), which the machine\'s drift between rounds does not move.',
    '',
  );

  out.push('## Latency: chunk enqueued → first `onEvent` it completes', '');
  out.push(`LLM tokens, one chunk per macrotask; ${config.latencyRuns} runs pooled after a warm-up run. "stream delivery only" is the reader receiving the chunk, no parsing: the floor the others add to.`, '');
  const stream = (shape) => result.latency.find((l) => l.shape === shape && l.competitor === 'stream-only');
  const versus = (shape) => result.versusOld?.latency.find((v) => v.shape === shape);
  const latencyRows = result.latency.flatMap((l) => {
    const rows = [[
      `${l.shape} (${l.chunks})`,
      l.label,
      String(l.ms.samples),
      ms(l.ms.p50),
      ms(l.ms.p99),
      ms(l.ms.max),
      // Rounded to the nanosecond: equal percentiles can differ by float noise (4.66e-10 ms).
      l.competitor === 'stream-only' || !stream(l.shape) ? '' : ms(Math.max(0, Math.round((l.ms.p99 - stream(l.shape).ms.p99) * 1e6) / 1e6)),
    ]];
    const v = l.competitor === 'wasm-sse-old' && versus(l.shape);
    if (v) rows.push([`${l.shape} (${l.chunks})`, '**wasm-sse ÷ old** (times)', '', `**${times(v.p50.ratio)}**`, `**${times(v.p99.ratio)}**`, `**${times(v.max.ratio)}**`, '']);
    return rows;
  });
  out.push(table(['chunks', 'library', 'samples', 'p50', 'p99', 'max', 'p99 over delivery'], latencyRows, ['l', 'l', 'r', 'r', 'r', 'r', 'r']), '');
  if (result.versusOld) out.push('The "wasm-sse ÷ old" rows divide the package under test by the old one, measured beside it: MB/s above 1× and times below 1× are faster.', '');

  out.push('## Memory', '');
  out.push('After `gc()` and a turn of the event loop (FinalizationRegistry callbacks run). WebAssembly memory grows in 64 KiB pages and never shrinks; ' +
    'each package has its own, while the JS heap is the whole page\'s.', '');
  const memRows = [];
  for (const entry of result.memory) {
    for (const r of entry.readings) {
      memRows.push([entry.label, entry.workload, r.at + (r.cycles !== undefined ? ` (${r.cycles} cycles)` : r.bytes ? ` (${sig(r.bytes / 1e6)} MB)` : ''), bytes(r.wasmBytes), bytes(r.jsHeapBytes)]);
    }
    const d = memoryDelta(entry);
    if (d) memRows.push([entry.label, entry.workload, '**growth after warm-up**', `**${bytes(d.wasm)}**`, `**${bytes(d.heap)}**`]);
  }
  out.push(table(['library', 'workload', 'reading', 'WebAssembly.Memory', 'JS heap (usedJSHeapSize)'], memRows, ['l', 'l', 'l', 'r', 'r']), '');

  out.push('## End to end: loopback test server', '');
  if (result.e2e.length) {
    out.push(
      table(
        ['library', 'request', 'events/s', 'MB/s', 'time'],
        result.e2e.map((r) => [r.label, `GET ${r.url}`, `${rate(r.eventsPerSec.median)} (${rate(r.eventsPerSec.min)}–${rate(r.eventsPerSec.max)})`, sig(r.mbps.median), ms(r.ms.median)]),
        ['l', 'l', 'r', 'r', 'r'],
      ),
      '',
    );
    const [native, wasm, old] = ['eventsource', 'wasm-sse', 'wasm-sse-old'].map((id) => result.e2e.find((r) => r.competitor === id));
    if (native && wasm) out.push(`wasm-sse ÷ EventSource: ${times(wasm.eventsPerSec.median / native.eventsPerSec.median)} (events/s, medians). The server flushes every event as its own HTTP chunk.`, '');
    if (wasm && old) out.push(`wasm-sse ÷ old: ${times(wasm.eventsPerSec.median / old.eventsPerSec.median)} (events/s, medians).`, '');
  } else {
    out.push('Not measured (see correctness).', '');
  }

  out.push('## Bundle size: terser (compress + mangle) then gzip -9, each file on its own, summed', '');
  out.push(
    table(
      ['code', 'minified', 'min+gzip'],
      result.size.map((s) => [s.label + (s.note ? ` (${s.note})` : ''), s.minBytes === null ? '–' : `${s.minBytes.toLocaleString('en-US')} B`, s.gzipBytes === null ? '–' : `${s.gzipBytes.toLocaleString('en-US')} B`]),
      ['l', 'r', 'r'],
    ),
    '',
    'The .wasm row is the wasm-opt output as shipped (not minified further). eventsource-parser leaves the UTF-8 decoding and the stream plumbing to the caller; fetch-event-source includes its fetch wrapper.',
    '',
  );

  const wrong = result.correctness.filter((c) => !c.ok);
  out.push('## Correctness', '');
  out.push(
    `${result.correctness.length - wrong.length} of ${result.correctness.length} checks passed: every library's event count and decoded content ` +
      '(concatenated `content`, or total `data` length for the rows without JSON.parse) compared with what the generator wrote.',
    '',
  );
  if (result.versusOld) out.push(packageChecks(result).map((p) => `${p.label}: ${p.passed} of ${p.checks} passed.`).join(' '), '');
  if (wrong.length) {
    out.push(table(['check', 'workload', 'chunk', 'library', 'problem'], wrong.map((c) => [c.what, c.workload, c.chunk ? chunkLabel(c.chunk) : '', c.competitor, c.detail.replaceAll('|', '\\|').replaceAll('\n', ' ')]), ['l', 'l', 'r', 'l', 'l']), '');
  }
  if (result.consoleErrors.length) out.push(`Console errors during the run: ${result.consoleErrors.length} (first: \`${result.consoleErrors[0].slice(0, 200)}\`).`, '');
  out.push(`Run took ${sig(result.seconds)} s.`, '');
  return out.join('\n');
}

/** Correctness per wasm-sse package (the checks whose competitor is that package). */
export function packageChecks(result) {
  const labels = [['wasm-sse', 'wasm-sse'], ...(result.env.oldPkg ? [['wasm-sse-old', result.env.oldPkg.label]] : [])];
  return labels.map(([id, label]) => {
    const own = result.correctness.filter((c) => c.competitor === id);
    return { id, label, checks: own.length, passed: own.filter((c) => c.ok).length };
  });
}

// ---------------------------------------------------------------------------------------

const SERIES = [
  ['ceiling-sync', 'ceiling: TextDecoder + LF scan (sync)', '#b8b8b8'],
  ['esp-stream', 'eventsource-parser, no JSON (stream)', '#9ecae1'],
  ['espjson-stream', 'eventsource-parser + JSON.parse (stream)', '#3182bd'],
  ['espjson-sync', 'eventsource-parser + JSON.parse (sync loop)', '#08519c'],
  ['fes-stream', 'fetch-event-source + JSON.parse (stream)', '#fd8d3c'],
  ['wasm-sse', 'wasm-sse startStream (stream)', '#31a354'],
  // Labelled by the run (--old-pkg names its version and commit).
  ['wasm-sse-old', null, '#a1d99b'],
];

function niceStep(max, ticks) {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Grouped bars: MB/s of each library by chunk size, LLM-token workload, min–max whiskers. */
export function throughputSvg(result, workload = 'LLM tokens') {
  const chunks = result.config.chunkSizes;
  const series = SERIES.filter(([id]) => result.throughput.some((r) => r.workload === workload && r.competitor === id))
    .map(([id, label, color]) => [id, label ?? `${result.env.oldPkg.label} startStream (stream)`, color]);
  const W = 960;
  const H = 500;
  // The legend takes two series a line.
  const m = { left: 70, right: 20, top: 60, bottom: 50 + 22 * Math.ceil(series.length / 2) };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const values = chunks.flatMap((c) => series.map(([id]) => row(result, workload, c, id)?.mbps.max ?? 0));
  const step = niceStep(Math.max(1, ...values), 6);
  const top = Math.ceil(Math.max(1, ...values) / step) * step;
  const y = (v) => m.top + plotH - (v / top) * plotH;
  const groupW = plotW / chunks.length;
  const barW = Math.min(48, (groupW * 0.84) / series.length);
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="18" font-weight="bold">SSE parsing throughput in Chromium, ${esc(workload)} workload (MB/s, median of ${result.config.runs})</text>`);
  parts.push(`<text x="${W / 2}" y="46" text-anchor="middle" font-size="12" fill="#555">${esc(`${result.env.date.slice(0, 10)} · Chromium ${result.env.chromium} · ${result.env.cpu}, ${result.env.cores} cores · whiskers: min–max`)}</text>`);
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="12" fill="#333">${sig(v)}</text>`);
  }
  parts.push(`<text transform="translate(18 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="13">MB/s</text>`);
  chunks.forEach((chunk, g) => {
    const x0 = m.left + g * groupW + (groupW - barW * series.length) / 2;
    series.forEach(([id, , color], s) => {
      const r = row(result, workload, chunk, id);
      if (!r) return;
      const x = x0 + s * barW;
      const { median, min, max } = r.mbps;
      parts.push(`<rect x="${(x + 2).toFixed(1)}" y="${y(median).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(y(0) - y(median)).toFixed(1)}" fill="${color}"><title>${esc(`${id} ${chunkLabel(chunk)}: ${sig(median)} MB/s (${sig(min)}–${sig(max)})`)}</title></rect>`);
      const cx = (x + barW / 2).toFixed(1);
      parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(min).toFixed(1)}" y2="${y(max).toFixed(1)}" stroke="#222" stroke-width="1"/>`);
      parts.push(`<text x="${cx}" y="${(y(max) - 5).toFixed(1)}" text-anchor="middle" font-size="11" fill="#222">${sig(median)}</text>`);
    });
    parts.push(`<text x="${(m.left + g * groupW + groupW / 2).toFixed(1)}" y="${y(0) + 22}" text-anchor="middle" font-size="14" font-weight="bold">${chunkLabel(chunk)} chunks</text>`);
  });
  parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  series.forEach(([, label, color], s) => {
    const col = s % 2;
    const line = Math.floor(s / 2);
    const lx = m.left + col * (plotW / 2);
    const ly = H - m.bottom + 52 + line * 22;
    parts.push(`<rect x="${lx}" y="${ly - 11}" width="14" height="14" fill="${color}"/>`);
    parts.push(`<text x="${lx + 20}" y="${ly}" font-size="13">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
