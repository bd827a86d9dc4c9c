// The 4 MiB LLM-token stream (bench/page/workloads.js) through a built package in Node, at
// 64 KiB chunks, beside eventsource-parser alone: for Linux `perf`, which can see the wasm's
// machine code in Node and not in the headless browser. Node's V8 is not Chromium's, so
// compare within a run here and take the ratios that count from `make bench`.
//
//   node bench/node-profile.mjs [PKG] [RUNS]       # PKG: a built package (default pkg/)
//   ROW=wasm perf record -k 1 -F 4000 -o p.data node --perf-prof bench/node-profile.mjs pkg 60
//   perf inject --jit -i p.data -o pj.data && perf report -i pj.data --no-children --sort symbol
//
// ROW=wasm or ROW=esp times one of the two. Wasm functions show as `wasm-function[N]`;
// docs/performance.md (session 18) says how to name them. Prints the median milliseconds
// a stream.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = path.resolve(process.argv[2] ?? path.join(root, 'pkg'));
const runs = Number(process.argv[3] ?? 40);
const row = process.env.ROW ?? 'both';

const api = await import(path.join(pkg, 'index.js'));
await api.default(await readFile(path.join(pkg, 'wasm_sse_bg.wasm')));
const { llmTokens } = await import(path.join(root, 'bench/page/workloads.js'));
const { createParser } = await import(path.join(root, 'bench/node_modules/eventsource-parser/dist/index.js'));

const workload = llmTokens(4 << 20);
const chunks = [];
for (let at = 0; at < workload.bytes.length; at += 1 << 16) chunks.push(workload.bytes.slice(at, at + (1 << 16)));
const body = () => {
  let next = 0;
  return new ReadableStream({ pull: (c) => (next < chunks.length ? c.enqueue(chunks[next++]) : c.close()) });
};
const SSE = { headers: { 'content-type': 'text/event-stream' } };

async function wasmSse() {
  let content = 0;
  const handle = api.startStream({
    url: 'http://node-profile.test/',
    retry: false,
    fetch: () => Promise.resolve(new Response(body(), SSE)),
    onEvent: (event) => { content += event.content.length; },
  });
  const { reason } = await handle.closed;
  if (reason !== 'ended' || content !== workload.content.length) throw new Error(`wasm-sse: ${reason}, ${content} content characters`);
}

async function eventsourceParser() {
  let events = 0;
  const reader = new Response(body(), SSE).body.getReader();
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: () => { events += 1; } });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  if (events !== workload.events) throw new Error(`eventsource-parser: ${events} events`);
}

const times = { 'wasm-sse': [], 'eventsource-parser': [] };
for (let i = 0; i < runs; i++) {
  for (const [name, run, id] of [['wasm-sse', wasmSse, 'wasm'], ['eventsource-parser', eventsourceParser, 'esp']]) {
    if (row !== 'both' && row !== id) continue;
    const start = performance.now();
    await run();
    times[name].push(performance.now() - start);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [name, t] of Object.entries(times)) if (t.length) console.log(`${name}: ${median(t).toFixed(2)} ms a stream (median of ${t.length})`);
