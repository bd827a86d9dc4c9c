// The floor of the package's design, beside the package and eventsource-parser, in one
// headless-Chromium page: what any wasm parser with this JS API pays before it parses a
// byte. Per 64 KiB chunk, the floor reads the stream, copies the chunk into wasm memory,
// decodes the batch text out of it and builds the event objects from offsets known
// beforehand (the parse is free). Its batches share the events out evenly over the
// chunks rather than cutting them where the chunks do: the same events and bytes in all,
// not the same per chunk. For one 1 MiB event, it copies the chunks in, decodes the
// event's data out in 64 KiB pieces and slices the content from it. How far the package
// is above the floor is what its wasm (parsing, the batch) and its per-stream setup cost;
// how far eventsource-parser is above it is the room left. docs/performance.md has a run.
//
//   node bench/floor.mjs [PKG]        # PKG: a built package (default pkg/)
//
// Prints medians (MB/s for tokens, ms per stream for the 1 MiB event) of 11 and 15
// interleaved rounds. The browser and the static server are stopped, also on failure.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium, startStatic } from '../e2e/harness.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = path.resolve(process.argv[2] ?? path.join(root, 'pkg'));
const st = await startStatic();
let browser;
try {
  st.serve('p', pkg);
  st.serve('b', path.join(root, 'bench/page'));
  st.serve('esp', path.join(root, 'bench/node_modules/eventsource-parser/dist'));
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${st.url}/`);
  console.log('LLM tokens, 64 KiB chunks (MB/s):', await page.evaluate(tokens));
  console.log('one 1 MiB event, 64 KiB chunks (ms per stream):', await page.evaluate(oneEvent));
} finally {
  await browser?.close();
  st.server.close();
}

async function tokens() {
  const m = await import('/p/index.js');
  await m.default();
  const w = await import('/b/workloads.js');
  const { createParser } = await import('/esp/index.js');
  const wl = w.llmTokens(4 << 20);
  const chunks = [];
  for (let i = 0; i < wl.bytes.length; i += 65536) chunks.push(wl.bytes.slice(i, i + 65536));
  const body = () => {
    let next = 0;
    return new ReadableStream({ pull(c) { if (next < chunks.length) c.enqueue(chunks[next++]); else c.close(); } });
  };
  // Each chunk's batch as the wasm writes it (the type once, then data and ID per event;
  // six numbers per event, the content as a slice of the data), made outside the timing.
  const batches = [];
  const events = new TextDecoder().decode(wl.bytes).split('\n\n').filter(Boolean).map((block) => {
    const [type, id, data] = block.split('\n');
    return { type: type.slice(7), id: id.slice(4), data: data.slice(6) };
  });
  const per = Math.ceil(events.length / chunks.length);
  for (let c = 0; c < chunks.length; c++) {
    let text = '';
    const meta = [];
    for (const e of events.slice(c * per, (c + 1) * per)) {
      const first = text.length === 0;
      if (first) text += e.type;
      const typeEnd = text.length;
      text += e.data;
      const dataEnd = text.length;
      text += e.id;
      const content = JSON.parse(e.data).content;
      const inner = e.data.indexOf(JSON.stringify(content).slice(1, -1));
      const slice = inner >= 0 && JSON.stringify(content).length === content.length + 2;
      meta.push(1, 3 | (first ? 0 : 8) | (slice ? 4 | (content.length << 6) : 0), typeEnd, dataEnd, text.length, slice ? inner : 0);
      if (!slice) text += content;
      if (!slice) meta[meta.length - 1] = text.length;
    }
    batches.push({ bytes: new TextEncoder().encode(text), meta: new Uint32Array(meta) });
  }
  const heap = new Uint8Array(new WebAssembly.Memory({ initial: 64 }).buffer);
  const utf8 = new TextDecoder();
  class FloorEvent {
    #json;
    constructor(type, data, id, field) {
      this.kind = 'text';
      this.type = type;
      this.data = data;
      this.lastEventId = id;
      this.content = field;
      this.#json = undefined;
    }
  }
  const floor = async (onEvent) => {
    const reader = new Response(body()).body.getReader();
    for (let c = 0; ; c++) {
      const { done, value } = await reader.read();
      if (done) break;
      heap.set(value, 0);
      const { bytes, meta } = batches[c];
      heap.set(bytes, 1 << 17); // where the wasm would have written the batch (not timed in the package's row either)
      const all = utf8.decode(heap.subarray(1 << 17, (1 << 17) + bytes.length));
      const mv = meta.slice();
      let type = '';
      for (let i = 0; i < mv.length; i += 6) {
        const flags = mv[i + 1];
        if (!(flags & 8)) type = all.slice(0, mv[i + 2]);
        const data = all.slice(mv[i + 2], mv[i + 3]);
        const id = all.slice(mv[i + 3], mv[i + 4]);
        const field = flags & 4 ? data.slice(mv[i + 5], mv[i + 5] + (flags >>> 6)) : all.slice(mv[i + 4], mv[i + 5]);
        try {
          onEvent(new FloorEvent(type, data, id, field));
        } catch (error) {
          reportError(error);
        }
      }
    }
  };
  const esp = (json) => async (onEvent) => {
    const reader = new Response(body()).body.getReader();
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: json ? (e) => onEvent({ content: JSON.parse(e.data).content }) : (e) => onEvent({ content: e.data }),
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  };
  const wasmSse = (onEvent) => new Promise((resolve) => {
    m.startStream({
      url: 'http://x.test/',
      fetch: () => Promise.resolve(new Response(body(), { headers: { 'content-type': 'text/event-stream' } })),
      retry: false,
      onEvent,
      onClose: resolve,
    });
  });
  const rows = { floor, 'wasm-sse': wasmSse, 'eventsource-parser': esp(false), 'eventsource-parser + JSON.parse': esp(true) };
  let chars = 0;
  const onEvent = (e) => { chars += e.content.length; };
  const times = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let round = 0; round < 11; round++) {
    for (const [name, run] of Object.entries(rows)) {
      const before = chars;
      const t = performance.now();
      for (let i = 0; i < 3; i++) await run(onEvent);
      times[name].push((wl.bytes.length * 3) / 1e6 / ((performance.now() - t) / 1000));
      if (name !== 'eventsource-parser' && chars - before !== 3 * wl.content.length) throw new Error(`${name}: wrong content`);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, Math.round(t.sort((a, b) => a - b)[5])]));
}

async function oneEvent() {
  const m = await import('/p/index.js');
  await m.default();
  const { createParser } = await import('/esp/index.js');
  const content = 'lorem ipsum dolor sit amet '.repeat(38837).slice(0, 1 << 20);
  const bytes = new TextEncoder().encode(`event: message\ndata: ${JSON.stringify({ content })}\n\n`);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.slice(i, i + 65536));
  const body = () => {
    let next = 0;
    return new ReadableStream({ pull(c) { if (next < chunks.length) c.enqueue(chunks[next++]); else c.close(); } });
  };
  const heap = new Uint8Array(new WebAssembly.Memory({ initial: 64 }).buffer);
  const utf8 = new TextDecoder();
  const floor = async () => {
    const reader = new Response(body()).body.getReader();
    let len = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      heap.set(value, len);
      len += value.length;
    }
    // The event's data (after `event: message\ndata: `, up to the blank line), then its
    // content sliced from it, as the API hands over both.
    const start = 'event: message\ndata: '.length;
    const end = len - 2;
    let data = '';
    for (let at = start; at < end; at += 65536) {
      data += utf8.decode(heap.subarray(at, Math.min(at + 65536, end)), { stream: at + 65536 < end });
    }
    return data.slice('{"content":"'.length, data.length - 2).length;
  };
  const espJson = async () => {
    const reader = new Response(body()).body.getReader();
    const decoder = new TextDecoder();
    let got = 0;
    const parser = createParser({ onEvent: (e) => { got += JSON.parse(e.data).content.length; } });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    return got;
  };
  const wasmSse = () => new Promise((resolve) => {
    let got = 0;
    m.startStream({
      url: 'http://x.test/',
      fetch: () => Promise.resolve(new Response(body(), { headers: { 'content-type': 'text/event-stream' } })),
      retry: false,
      onEvent: (e) => { got += e.content.length; },
      onClose: () => resolve(got),
    });
  });
  const rows = { floor, 'wasm-sse': wasmSse, 'eventsource-parser + JSON.parse': espJson };
  const times = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let round = 0; round < 15; round++) {
    for (const [name, run] of Object.entries(rows)) {
      const t = performance.now();
      for (let i = 0; i < 30; i++) if ((await run()) !== content.length) throw new Error(`${name}: wrong content`);
      times[name].push((performance.now() - t) / 30);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, Number(t.sort((a, b) => a - b)[7].toFixed(3))]));
}
