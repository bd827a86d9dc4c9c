// Loaded by e2e/engines/index.html in every engine: `wasmSse.run(options, stopWhen)` starts
// one stream through the packed package's entry and records every callback as plain data,
// so that the result survives the WebDriver trip back to Node whatever the engine.
const plainError = (e) => (e == null ? null : { name: e.name, message: e.message, kind: e.kind, status: e.status ?? null, fatal: e.fatal });
const plainEvent = (e) => ({ kind: e.kind, type: e.type, data: e.data, lastEventId: e.lastEventId, content: e.content ?? null });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let api;
async function load() {
  api ??= import('/pkg/index.js').then(async (m) => { await m.default(); return m; });
  return api;
}

/**
 * Runs `options` to its close. `stop` says when to stop it: `{ afterMs }` from the start,
 * `{ afterEvents }`, or `{ onRetry: true }`; the stream is stopped then.
 */
async function run(options, stop = {}) {
  const { startStream } = await load();
  const rec = { events: [], errors: [], retries: [], opens: [], order: [] };
  let handle;
  const note = (what, list, plain) => (x) => {
    rec.order.push(what);
    if (list) list.push(plain(x));
    if ((what === 'event' && rec.events.length === stop.afterEvents) || (what === 'retry' && stop.onRetry)) handle.stop();
  };
  const started = performance.now();
  handle = startStream({
    onOpen: note('open', rec.opens, (o) => ({ status: o.status, attempt: o.attempt, contentType: o.headers.get('content-type') })),
    onEvent: note('event', rec.events, plainEvent),
    onRetry: note('retry', rec.retries, (r) => ({ attempt: r.attempt, delayMs: r.delayMs, error: plainError(r.error) })),
    onError: note('error', rec.errors, plainError),
    onClose: note('close', null, null),
    ...options,
  });
  rec.statusAtStart = handle.status;
  if (stop.afterMs !== undefined) sleep(stop.afterMs).then(() => handle.stop());
  const info = await Promise.race([handle.closed, sleep(20_000).then(() => null)]);
  if (info === null) {
    handle.stop();
    throw new Error(`the stream did not close within 20 s: ${rec.order.slice(-8).join(' ')}`);
  }
  rec.reason = info.reason;
  rec.error = plainError(info.error);
  rec.elapsedMs = performance.now() - started;
  rec.stats = { ...handle.stats() };
  rec.status = handle.status;
  await sleep(30);
  rec.callbacksAfterClose = rec.order.length - 1 - rec.order.lastIndexOf('close');
  return rec;
}

window.wasmSse = { run, load };
