// The competitors, each wrapped as `run(chunks, tally) → Promise`: feed the chunks, report
// every event to the tally. Wrappers do the same per-event work (count + content length),
// so only the parsing differs between rows.

import { createParser } from 'eventsource-parser';
import { getLines, getMessages } from '@microsoft/fetch-event-source/lib/esm/parse.js';

const SSE_INIT = { headers: { 'content-type': 'text/event-stream' } };

/**
 * Counts events and content characters; in `keep` mode also keeps the content itself, for
 * the correctness check (kept out of timed runs: building a 10 MB string is not parsing).
 */
export class Tally {
  events = 0;
  chars = 0;
  parts = null;
  constructor(keep = false) {
    if (keep) this.parts = [];
  }
  add(content) {
    this.events += 1;
    this.chars += content.length;
    if (this.parts !== null && content) this.parts.push(content);
  }
  get content() {
    return this.parts === null ? null : this.parts.join('');
  }
}

/** What an application would read from a JSON payload: its string `content`, or nothing. */
function contentOf(data) {
  const content = JSON.parse(data).content;
  return typeof content === 'string' ? content : '';
}

/** The same for OpenAI chunks: `choices[0].delta.content`, skipping `[DONE]`. */
function openaiContentOf(data) {
  if (data === '[DONE]') return '';
  const content = JSON.parse(data).choices?.[0]?.delta?.content;
  return typeof content === 'string' ? content : '';
}

/** The payload reader for a workload: by its protocol. */
const reader = (workload) => (workload?.protocol === 'openai' ? openaiContentOf : contentOf);

/**
 * Hands out the chunks one per pull, so a reader pays one promise per chunk, as it does on
 * a network body. The chunks are not copied: Chromium passes the same objects through.
 */
export function streamOf(chunks) {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]);
      else controller.close();
    },
  });
}

/**
 * The JS parsers' "stream" feed: the same Response body wasm-sse reads, so both sides pay
 * the same reader promise per chunk. `source` is a ReadableStream (paced in latency runs).
 */
async function readBody(source, onChunk) {
  const reader = new Response(source, SSE_INIT).body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onChunk(value);
  }
}

function feedSync(chunks, onChunk) {
  for (let i = 0; i < chunks.length; i++) onChunk(chunks[i]);
}

// Each factory returns { onChunk, finish } over a fresh parser, shared by both feeds.

/** No parser at all: UTF-8 decoding plus a scan for LF, the floor any JS parser pays. */
function ceiling(tally) {
  const decoder = new TextDecoder();
  let lineEnds = 0;
  return {
    onChunk(chunk) {
      tally.chars += decoder.decode(chunk, { stream: true }).length;
      // A local counter: a captured variable updated in the loop runs several times slower.
      let found = 0;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) found++;
      lineEnds += found;
    },
    finish() {
      tally.chars += decoder.decode().length;
      tally.events = lineEnds;
    },
  };
}

/** eventsource-parser fed decoded text, as its EventSourceParserStream does. */
function eventsourceParser(tally, json, workload) {
  const decoder = new TextDecoder();
  const read = reader(workload);
  const parser = createParser({
    onEvent: json ? (event) => tally.add(read(event.data)) : (event) => tally.add(event.data),
  });
  return {
    onChunk(chunk) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    },
    finish() {
      const rest = decoder.decode();
      if (rest) parser.feed(rest);
    },
  };
}

/** fetch-event-source's byte-level line splitter and message builder (what fetchEventSource runs). */
function fetchEventSource(tally, workload) {
  const read = reader(workload);
  const onMessage = (message) => {
    // It hands over data-less blocks (e.g. a lone keep-alive comment) that the spec, and
    // the other parsers, do not dispatch; an application has to skip them the same way.
    if (message.data === '') return;
    tally.add(read(message.data));
  };
  const onChunk = getLines(getMessages(() => {}, () => {}, onMessage));
  return { onChunk, finish() {} };
}

function syncRow(make) {
  return async (chunks, tally, _source, workload) => {
    const p = make(tally, workload);
    feedSync(chunks, p.onChunk);
    p.finish();
  };
}

function streamRow(make) {
  return async (chunks, tally, source = streamOf(chunks), workload = undefined) => {
    const p = make(tally, workload);
    await readBody(source, p.onChunk);
    p.finish();
  };
}

/**
 * wasm-sse through its public API, with a fetch that answers with the chunks. `pkg`: a
 * package under test as bench.js loaded it ({ id, api: its entry's exports }).
 */
export function wasmSse(pkg) {
  return async (chunks, tally, source = streamOf(chunks), workload = undefined) => {
    const errors = [];
    const handle = pkg.api.startStream({
      url: 'http://bench.test/x',
      retry: false,
      ...(workload?.protocol ? { protocol: workload.protocol } : {}),
      fetch: () => Promise.resolve(new Response(source, SSE_INIT)),
      onEvent(event) {
        tally.add(typeof event.content === 'string' ? event.content : '');
      },
      onError(error) {
        errors.push(`${error.kind}: ${error.message}`);
      },
    });
    const { reason } = await handle.closed;
    // A body that ends without `done`, with retry off, closes as 'ended'; OpenAI's with
    // `[DONE]`, as 'done'.
    if (reason !== (workload?.protocol ? 'done' : 'ended') || errors.length) {
      throw new Error(`${pkg.id} closed with '${reason}'${errors.length ? `, errors: ${errors.join('; ')}` : ''}`);
    }
  };
}

/**
 * The JS throughput rows. `check` says what the tally must equal: 'content' (JSON content),
 * 'data' (raw data length) or 'lines' (the ceiling counts line ends, not events).
 */
const JS_COMPETITORS = [
  { id: 'ceiling-sync', label: 'reference ceiling (TextDecoder + LF scan)', feed: 'sync', check: 'lines', run: syncRow(ceiling) },
  { id: 'ceiling-stream', label: 'reference ceiling (TextDecoder + LF scan)', feed: 'stream', check: 'lines', run: streamRow(ceiling) },
  { id: 'esp-sync', label: 'eventsource-parser', feed: 'sync', check: 'data', run: syncRow((t, w) => eventsourceParser(t, false, w)) },
  { id: 'esp-stream', label: 'eventsource-parser', feed: 'stream', check: 'data', run: streamRow((t, w) => eventsourceParser(t, false, w)) },
  { id: 'espjson-sync', label: 'eventsource-parser + JSON.parse', feed: 'sync', check: 'content', run: syncRow((t, w) => eventsourceParser(t, true, w)) },
  { id: 'espjson-stream', label: 'eventsource-parser + JSON.parse', feed: 'stream', check: 'content', run: streamRow((t, w) => eventsourceParser(t, true, w)) },
  { id: 'fes-sync', label: 'fetch-event-source + JSON.parse', feed: 'sync', check: 'content', run: syncRow(fetchEventSource) },
  { id: 'fes-stream', label: 'fetch-event-source + JSON.parse', feed: 'stream', check: 'content', run: streamRow(fetchEventSource) },
];

/** Every throughput row: the JS ones, then one per wasm-sse package under test. */
export function competitors(packages) {
  return [
    ...JS_COMPETITORS,
    ...packages.map((pkg) => ({ id: pkg.id, label: `${pkg.label} (startStream, custom fetch)`, feed: 'stream', check: 'content', run: wasmSse(pkg), protocols: pkg.protocols })),
  ];
}

/** Latency rows: the stream-fed ones; `stream-only` is the delivery floor with no parsing. */
export function latencyCompetitors(packages) {
  return [
    { id: 'stream-only', label: 'stream delivery only (no parser)', run: streamRow((tally) => ({ onChunk: () => tally.add(''), finish() {} })), perChunk: true },
    { id: 'espjson-stream', label: 'eventsource-parser + JSON.parse', run: streamRow((t, w) => eventsourceParser(t, true, w)) },
    { id: 'fes-stream', label: 'fetch-event-source + JSON.parse', run: streamRow(fetchEventSource) },
    ...packages.map((pkg) => ({ id: pkg.id, label: pkg.label, run: wasmSse(pkg) })),
  ];
}
