// The benchmark itself, run by bench/run.mjs through `window.runBench(config)` in one page:
// throughput, per-chunk latency, memory over many streams and one long one, end to end.
// Timings are only compared with each other (ratios), never against fixed numbers.

import { llmTokens, openaiTokens, kbEvents, oneEvent, mixed, chunksOf, chunksPerEvent, counterBytes } from './workloads.js';
import { competitors, latencyCompetitors, wasmSse, Tally } from './competitors.js';

const SSE_INIT = { headers: { 'content-type': 'text/event-stream' } };

function log(message) {
  console.log(`[bench] ${message}`);
}

// A MessageChannel message is a macrotask without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();
function macrotask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Every WebAssembly.Memory that a module instantiated in this page exports, in order. The
// packages are loaded through their entries only, so that any layout works (wasm-bindgen's
// glue, or the hand-written loader of the old package): the memory that appears while a
// package's init() runs is that package's.
const exportedMemories = [];
for (const name of ['instantiate', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (...args) {
    return original.apply(this, args).then((result) => {
      for (const value of Object.values((result.instance ?? result).exports)) {
        if (value instanceof WebAssembly.Memory) exportedMemories.push(value);
      }
      return result;
    });
  };
}

/**
 * Imports each package under test (`config.packages`: { id, label, entry }) through its
 * entry, runs its init() and finds its memory. One at a time, so no memory is ambiguous.
 */
async function loadPackages(config) {
  const packages = [];
  for (const { id, label, entry } of config.packages) {
    const api = await import(entry);
    const before = exportedMemories.length;
    await api.default();
    const memories = exportedMemories.slice(before);
    if (memories.length !== 1) throw new Error(`${entry}: init() instantiated ${memories.length} exported WebAssembly memories, expected 1`);
    // Whether it takes `protocol` (provider workloads run only on packages that do).
    let protocols = true;
    try {
      api.startStream({ url: 'http://bench.test/x', protocol: 'agent', fetch: () => new Promise(() => {}) }).stop();
    } catch {
      protocols = false;
    }
    packages.push({ id, label, api, memory: memories[0], protocols });
  }
  return packages;
}

/**
 * Collects garbage and lets FinalizationRegistry callbacks run (they come as tasks after a
 * GC), so that wasm objects whose JS handles died are really freed before a reading.
 */
async function settle(rounds = 1) {
  for (let i = 0; i < rounds; i++) {
    globalThis.gc();
    await sleep(0);
  }
}

/** A repeatable random number generator (mulberry32): numbers in [0, 1). */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A copy of `items` in random order (Fisher-Yates). */
function shuffled(items, random) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), min: sorted[0], max: sorted[sorted.length - 1] };
}

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** What a competitor's tally must equal on a workload, by the kind of check it supports. */
function expected(workload, check) {
  if (check === 'content') return { events: workload.events, chars: workload.content.length, content: workload.content };
  if (check === 'data') return { events: workload.events, chars: workload.dataChars };
  workload.lines ??= workload.bytes.reduce((n, byte) => n + (byte === 10), 0);
  workload.decodedChars ??= new TextDecoder().decode(workload.bytes).length;
  return { events: workload.lines, chars: workload.decodedChars };
}

/** Compares a tally with the answer key; returns a description of the first difference. */
function mismatch(tally, want) {
  if (tally.events !== want.events) return `${tally.events} events, expected ${want.events}`;
  if (tally.chars !== want.chars) return `${tally.chars} content characters, expected ${want.chars}`;
  const content = tally.content;
  if (want.content !== undefined && content !== null && content !== want.content) {
    let at = 0;
    while (content[at] === want.content[at]) at++;
    return `content differs at character ${at}: got ${JSON.stringify(content.slice(at, at + 24))}, expected ${JSON.stringify(want.content.slice(at, at + 24))}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Throughput

/** The throughput rows this run measures (all unless the config names some). */
function selected(config, packages) {
  const all = competitors(packages);
  return config.competitors ? all.filter((c) => config.competitors.includes(c.id)) : all;
}

async function throughput(config, packages, report) {
  const all = { llm: () => llmTokens(config.sizes.llm), openai: () => openaiTokens(config.sizes.llm), kb: () => kbEvents(config.sizes.kb), one: () => oneEvent(config.sizes.one), mixed: () => mixed(config.sizes.mixed) };
  const workloads = (config.workloads ?? Object.keys(all)).map((name) => all[name]());
  for (const workload of workloads) {
    for (const chunkSize of config.chunkSizes) {
      const chunks = chunksOf(workload.bytes, chunkSize);
      const live = [];
      // Drop the previous case's garbage once. Not before every timed run: a forced full GC
      // also shrinks V8's young generation, which then slows allocation-heavy JS (every JS
      // parser here) by up to 3× for the next run, and would flatter wasm-sse.
      globalThis.gc();
      // The warm-up run of each competitor is also its correctness run: it keeps the content.
      // A package without the `protocol` option (the old one) sits out provider workloads.
      for (const competitor of selected(config, packages).filter((c) => !(workload.protocol && c.protocols === false))) {
        const tally = new Tally(competitor.check === 'content');
        let problem;
        try {
          await competitor.run(chunks, tally, undefined, workload);
          problem = mismatch(tally, expected(workload, competitor.check));
        } catch (error) {
          problem = `threw ${error}`;
        }
        report.correctness.push({ what: 'throughput', workload: workload.name, chunk: chunkSize, competitor: competitor.id, ok: !problem, detail: problem ?? '' });
        if (problem) log(`WRONG: ${competitor.id} on ${workload.name} @ ${chunkSize} B: ${problem}`);
        else live.push({ competitor, times: [] });
      }
      // Every row once per round, so that drift (other work on the machine) spreads over every
      // row; in a new order each round, so that no row always runs right after the same one
      // and pays for its garbage. Seeded by the case, so a run's orders are repeatable.
      // With `alone` (run.mjs --alone, a diagnostic): each row's runs back to back instead,
      // so that each row pays for its own garbage and finds the caches as it left them.
      const random = seeded(chunkSize + workload.bytes.length);
      const rounds = config.alone ? shuffled(live, random).map((row) => Array(config.runs).fill(row)) : Array.from({ length: config.runs }, () => shuffled(live, random));
      for (const round of rounds) {
        for (const row of round) {
          await macrotask();
          const tally = new Tally();
          const start = performance.now();
          await row.competitor.run(chunks, tally, undefined, workload);
          row.times.push(performance.now() - start);
          const problem = mismatch(tally, expected(workload, row.competitor.check));
          if (problem) {
            report.correctness.push({ what: 'throughput (timed run)', workload: workload.name, chunk: chunkSize, competitor: row.competitor.id, ok: false, detail: problem });
          }
        }
      }
      for (const { competitor, times } of live) {
        const seconds = times.map((t) => t / 1e3);
        report.throughput.push({
          workload: workload.name,
          chunk: chunkSize,
          competitor: competitor.id,
          label: competitor.label,
          feed: competitor.feed,
          bytes: workload.bytes.length,
          events: workload.events,
          ms: summary(times),
          // Every timed run, in round order: runs of one round are the rows' pairs.
          times: times.map((t) => Math.round(t * 1e3) / 1e3),
          mbps: summary(seconds.map((s) => workload.bytes.length / 1e6 / s)),
          eventsPerSec: summary(seconds.map((s) => workload.events / s)),
        });
      }
      const mbps = (id) => report.throughput.find((r) => r.workload === workload.name && r.chunk === chunkSize && r.competitor === id)?.mbps.median.toFixed(1) ?? '?';
      log(`${workload.name} @ ${chunkSize} B: ${packages.map((pkg) => `${pkg.id} ${mbps(pkg.id)} MB/s`).join(', ')}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Latency: chunk enqueued → first onEvent that chunk completes.

/**
 * A body that a producer fills one chunk per macrotask, stamping each enqueue: like a
 * network body, it does not wait for the reader, so a slow parser shows up as queueing.
 */
function pacedStream(chunks, stamps) {
  return new ReadableStream({
    start(controller) {
      (async () => {
        for (let i = 0; i < chunks.length; i++) {
          await macrotask();
          stamps[i] = performance.now();
          controller.enqueue(chunks[i]);
        }
        await macrotask();
        controller.close();
      })();
    },
  });
}

/** For each event, the chunk it is the first to complete in (or -1). */
function firstEventChunks(workload, chunks) {
  const chunkOfEvent = new Int32Array(workload.events).fill(-1);
  let end = 0;
  let event = 0;
  chunks.forEach((chunk, j) => {
    end += chunk.length;
    if (event < workload.events && workload.eventEnds[event] <= end) chunkOfEvent[event] = j;
    while (event < workload.events && workload.eventEnds[event] <= end) event++;
  });
  return chunkOfEvent;
}

/** A tally that stamps the events that are first in their chunk. */
class LatencyTally extends Tally {
  constructor(chunkOf, stamps, samples) {
    super();
    this.chunkOf = chunkOf;
    this.stamps = stamps;
    this.samples = samples;
  }
  add(content) {
    const j = this.chunkOf[this.events];
    // Chunk 0 also pays for opening the stream: not a per-chunk cost.
    if (j > 0) this.samples.push(performance.now() - this.stamps[j]);
    super.add(content);
  }
}

/** The first `events` events of a workload (latency runs need a given number of chunks). */
function firstEvents(workload, events) {
  const end = workload.eventEnds[events - 1];
  return { ...workload, bytes: workload.bytes.subarray(0, end), events, eventEnds: workload.eventEnds.slice(0, events) };
}

async function latency(config, packages, report) {
  // About config.latencyChunks chunks in each shape, so that p99 is not just the maximum.
  const tokens = llmTokens(config.latencyChunks * 1024);
  const perEvent = firstEvents(tokens, config.latencyChunks);
  const shapes = [
    ['one event per chunk', perEvent, chunksPerEvent(perEvent)],
    ['1 KiB chunks', tokens, chunksOf(tokens.bytes, 1024)],
  ];
  for (const [shape, workload, chunks] of shapes) {
    const chunkOfEvent = firstEventChunks(workload, chunks);
    // The no-parser row is tallied per chunk, so its "events" are the chunks that complete one.
    const chunkOfChunk = new Int32Array(chunks.length).fill(-1);
    for (const j of chunkOfEvent) if (j >= 0) chunkOfChunk[j] = j;
    for (const competitor of latencyCompetitors(packages)) {
      const chunkOf = competitor.perChunk ? chunkOfChunk : chunkOfEvent;
      const samples = [];
      for (let run = 0; run <= config.latencyRuns; run++) {
        const stamps = new Float64Array(chunks.length);
        // Run 0 is the warm-up: its samples are dropped.
        const tally = new LatencyTally(chunkOf, stamps, run === 0 ? [] : samples);
        await macrotask();
        try {
          await competitor.run(chunks, tally, pacedStream(chunks, stamps));
        } catch (error) {
          report.correctness.push({ what: 'latency', workload: shape, competitor: competitor.id, ok: false, detail: `threw ${error}` });
          break;
        }
        const wantEvents = competitor.perChunk ? chunks.length : workload.events;
        if (tally.events !== wantEvents) {
          report.correctness.push({ what: 'latency', workload: shape, competitor: competitor.id, ok: false, detail: `${tally.events} events, expected ${wantEvents}` });
        }
      }
      report.latency.push({ shape, competitor: competitor.id, label: competitor.label, chunks: chunks.length, ms: percentiles(samples) });
    }
    log(`latency (${shape}) done`);
  }
}

// ---------------------------------------------------------------------------------------
// Memory: WebAssembly.Memory size and the JS heap, after GC, as streams come and go.

async function memoryReading(memory) {
  await settle(3);
  return { wasmBytes: memory.buffer.byteLength, jsHeapBytes: performance.memory.usedJSHeapSize };
}

/**
 * One start/stop cycle on a body that never ends (a live stream the user stops). Even
 * cycles stop after the first event, odd ones before the response even arrived.
 * A stopped stream's Rust state is freed only when its JS handle is collected (the glue's
 * FinalizationRegistry, which runs as a task after a GC), so the loop yields a task after
 * every cycle and collects every 100 cycles, as an application's event loop would: what
 * stays after that is a leak, not garbage waiting for the collector.
 */
async function startStopCycle(pkg, i, chunk) {
  let firstEvent;
  const gotEvent = new Promise((resolve) => { firstEvent = resolve; });
  const handle = pkg.api.startStream({
    url: 'http://bench.test/live',
    retry: false,
    fetch: () => Promise.resolve(new Response(new ReadableStream({ start: (c) => c.enqueue(chunk) }), SSE_INIT)),
    onEvent: () => firstEvent(),
  });
  if (i % 2 === 0) await gotEvent;
  handle.stop();
  const { reason } = await handle.closed;
  if (reason !== 'stopped') throw new Error(`${pkg.id}: cycle ${i} closed with '${reason}', expected 'stopped'`);
}

async function memoryCycles(config, pkg, report) {
  const chunk = llmTokens(200).bytes;
  const readings = [{ at: 'before', cycles: 0, ...(await memoryReading(pkg.memory)) }];
  let done = 0;
  for (const [at, count] of [['after warm-up', config.warmCycles], ['after cycles', config.cycles]]) {
    for (let i = 0; i < count; i++, done++) {
      await startStopCycle(pkg, done, chunk);
      await macrotask();
      if (done % 100 === 99) globalThis.gc();
    }
    readings.push({ at, cycles: done, ...(await memoryReading(pkg.memory)) });
  }
  report.memory.push({ competitor: pkg.id, label: pkg.label, workload: `${config.cycles} start/stop cycles`, readings });
  log(`memory: ${pkg.id}: ${done} start/stop cycles done`);
}

/** One stream carrying `config.streamBytes` of LLM tokens in 64 KiB chunks, read at marks. */
async function memoryLongStream(config, pkg, report) {
  // A few MB of tokens sent over and over: whole repetitions keep the answer key exact.
  const workload = llmTokens(Math.min(4 << 20, Math.ceil(config.streamBytes / 8)));
  const chunks = chunksOf(workload.bytes, 64 << 10);
  const reps = Math.max(2, Math.ceil(config.streamBytes / workload.bytes.length));
  const marks = [
    ['after warm-up', Math.max(1, Math.round(reps / 10))],
    ['half-way', Math.round(reps / 2)],
    ['at the end (open)', reps],
  ];
  const readings = [{ at: 'before', bytes: 0, ...(await memoryReading(pkg.memory)) }];
  let rep = 0;
  let next = 0;
  const source = new ReadableStream(
    {
      async pull(controller) {
        if (next === chunks.length) {
          next = 0;
          rep += 1;
          const mark = marks.find(([, r]) => r === rep);
          if (mark) readings.push({ at: mark[0], bytes: rep * workload.bytes.length, ...(await memoryReading(pkg.memory)) });
          if (rep === reps) return controller.close();
        }
        controller.enqueue(chunks[next++]);
      },
    },
    { highWaterMark: 0 },
  );
  const tally = new Tally();
  let problem;
  try {
    await wasmSse(pkg)(chunks, tally, source);
    problem = mismatch(tally, { events: reps * workload.events, chars: reps * workload.content.length });
  } catch (error) {
    problem = `threw ${error}`;
  }
  readings.push({ at: 'after close', bytes: reps * workload.bytes.length, ...(await memoryReading(pkg.memory)) });
  report.correctness.push({ what: 'memory', workload: 'one long stream', competitor: pkg.id, ok: !problem, detail: problem ?? '' });
  report.memory.push({ competitor: pkg.id, label: pkg.label, workload: `${((reps * workload.bytes.length) / 1e6).toFixed(0)} MB through one stream`, readings });
  log(`memory: ${pkg.id}: long stream done`);
}

// ---------------------------------------------------------------------------------------
// End to end: the loopback test server, native EventSource against each wasm-sse package.

function viaEventSource(url) {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    let events = 0;
    let wrong = 0;
    source.onmessage = (event) => {
      if (event.data !== String(++events)) wrong++;
    };
    source.addEventListener('done', () => {
      source.close();
      resolve({ events, wrong });
    });
    source.onerror = () => {
      source.close();
      reject(new Error(`EventSource failed after ${events} events`));
    };
  });
}

async function viaWasmSse(pkg, url) {
  let events = 0;
  let wrong = 0;
  const handle = pkg.api.startStream({
    url,
    retry: false,
    onEvent(event) {
      if (event.kind === 'done') return;
      if (event.data !== String(++events)) wrong++;
    },
  });
  const { reason, error } = await handle.closed;
  if (reason !== 'done') throw new Error(`${pkg.id} closed with '${reason}' ${error ?? ''} after ${events} events`);
  return { events, wrong };
}

async function endToEnd(config, packages, report) {
  const url = `${config.origin}/counter?n=${config.e2eEvents}&drop_every=0`;
  const bytes = counterBytes(config.e2eEvents);
  const rows = [
    { id: 'eventsource', label: 'native EventSource', run: viaEventSource, times: [] },
    ...packages.map((pkg) => ({ id: pkg.id, label: `${pkg.label} startStream (GET)`, run: (u) => viaWasmSse(pkg, u), times: [] })),
  ];
  // A stream started right after a native EventSource one took longer on this machine
  // (2026-12-07: 306–1,351 ms a run against 199–269 ms after a package's, for both packages
  // alike; in a fixed order the package after it always paid). An untimed one-event stream
  // after each EventSource run takes that wait (then 206–277 ms for either package). A new
  // (seeded) order each round, as in the throughput rounds.
  const random = seeded(config.e2eEvents);
  for (let run = 0; run <= config.runs; run++) {
    for (const row of shuffled(rows, random)) {
      await macrotask();
      const start = performance.now();
      let problem = null;
      try {
        const { events, wrong } = await row.run(url);
        if (events !== config.e2eEvents || wrong) problem = `${events} events (${wrong} with wrong data), expected ${config.e2eEvents}`;
      } catch (error) {
        problem = String(error);
      }
      const ms = performance.now() - start;
      if (row.id === 'eventsource') await (await fetch(url.replace(/n=\d+/, 'n=1'))).text();
      if (problem) report.correctness.push({ what: 'end-to-end', workload: url, competitor: row.id, ok: false, detail: problem });
      else if (run > 0) row.times.push(ms);
    }
  }
  for (const { id, label, times } of rows) {
    if (!times.length) continue;
    report.e2e.push({
      competitor: id,
      label,
      url: url.replace(config.origin, ''),
      events: config.e2eEvents,
      bytes,
      ms: summary(times),
      eventsPerSec: summary(times.map((t) => config.e2eEvents / (t / 1e3))),
      mbps: summary(times.map((t) => bytes / 1e6 / (t / 1e3))),
    });
  }
  log('end-to-end done');
}

// ---------------------------------------------------------------------------------------

/** A few rounds of every competitor before anything is measured, so JIT tiers settle. */
async function warmUp(config, packages) {
  const workload = llmTokens(config.sizes.warmUp);
  const chunks = chunksOf(workload.bytes, 1024);
  for (let round = 0; round < config.warmUpRounds; round++) {
    for (const competitor of selected(config, packages)) await competitor.run(chunks, new Tally());
  }
  // Latency and start/stop paths too, on a small scale.
  for (const pkg of packages) await startStopCycle(pkg, 0, workload.bytes.subarray(0, workload.eventEnds[2]));
}

window.runBench = async (config) => {
  const report = { correctness: [], throughput: [], latency: [], memory: [], e2e: [], page: {} };
  const packages = await loadPackages(config);
  report.page = { userAgent: navigator.userAgent, crossOriginIsolated, timerResolutionMs: crossOriginIsolated ? 0.005 : 0.1 };
  const phases = [
    ['warm-up', () => warmUp(config, packages)],
    // Memory first: later workloads grow the wasm memory (it never shrinks), which would
    // give a leak room to hide in. Each package has its own memory.
    // A failed phase of one package counts against that package's checks.
    ...packages.map((pkg) => [`memory (start/stop cycles, ${pkg.id})`, () => memoryCycles(config, pkg, report), pkg.id]),
    ...packages.map((pkg) => [`memory (long stream, ${pkg.id})`, () => memoryLongStream(config, pkg, report), pkg.id]),
    ['throughput', () => throughput(config, packages, report)],
    ['latency', () => latency(config, packages, report)],
    ['end-to-end', () => endToEnd(config, packages, report)],
  ];
  for (const [name, phase, competitor = ''] of phases) {
    if (config.phases && !config.phases.includes(name)) continue;
    const start = performance.now();
    try {
      await phase();
    } catch (error) {
      report.correctness.push({ what: name, workload: '', competitor, ok: false, detail: `phase failed: ${error?.stack ?? error}` });
      log(`phase ${name} failed: ${error}`);
    }
    log(`${name}: ${((performance.now() - start) / 1e3).toFixed(1)} s`);
  }
  return report;
};
window.benchReady = true;
