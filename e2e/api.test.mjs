// The JS API (`init`, `startStream`, `stopStream`) of the built npm package (pkg/, from
// `make pkg`), driven in headless Chromium against the bundled test server. Pages import
// only the package entry, `/pkg/index.js`: whatever implements it behind that entry is
// what these tests check. Every process started here is stopped by PID in `after`, also
// when a test fails.
//
// The test server's binary: $TESTSERVER_BIN, else target/debug/wasm-sse-testserver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchChromium, startStatic, startTestServer, stopAll, testServerBinary, waitFor } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// A test that hangs fails after this, and `after` still stops everything.
const limit = { timeout: 60_000 };

let backend;
let files;
let browser;
let context;

before(async () => {
  backend = await startTestServer(testServerBinary(root));
  files = await startStatic();
  files.serve('pkg', path.join(root, 'pkg'));
  // gc() for the memory check of the start/stop cycles.
  browser = await launchChromium(['--js-flags=--expose-gc', '--enable-precise-memory-info']);
  context = await browser.newContext();
  await context.addInitScript(pageHelpers);
});

after(async () => {
  await browser?.close();
  files?.server.close();
  await stopAll();
});

// ---- what runs in the page ------------------------------------------------------------

/**
 * Installed in every page before its own scripts (`addInitScript`): `wasmSse.run` starts
 * one stream through the package's `startStream` and records every callback, in order,
 * as plain data (so it survives the trip back to Node whatever classes the package uses).
 */
function pageHelpers() {
  let rejections = 0;
  addEventListener('unhandledrejection', () => { rejections += 1; });

  // Whatever WebAssembly memories the page's modules export, if the package instantiates
  // any (for the memory check of the start/stop cycles; no module is named or imported).
  const memories = [];
  const keepMemories = (result) => {
    for (const value of Object.values((result.instance ?? result).exports ?? {})) {
      if (value instanceof WebAssembly.Memory) memories.push(value);
    }
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) { return original.apply(this, args).then(keepMemories); };
  }

  const plainError = (e) =>
    e === undefined || e === null
      ? e
      : { isError: e instanceof Error, name: e.name, message: e.message, kind: e.kind, status: e.status, fatal: e.fatal };
  const plainEvent = (e) => {
    const out = { kind: e.kind, type: e.type, data: e.data, lastEventId: e.lastEventId, json: e.json };
    for (const field of ['content', 'status', 'error']) if (field in e) out[field] = e[field];
    return out;
  };
  const plainOpen = (o) => ({
    status: o.status,
    attempt: o.attempt,
    headersAreHeaders: o.headers instanceof Headers,
    contentType: o.headers?.get?.('content-type'),
  });
  const plainRetry = (r) => ({ attempt: r.attempt, delayMs: r.delayMs, error: plainError(r.error) });
  const plainClose = (c) => ({ reason: c.reason, error: plainError(c.error), hasError: 'error' in c });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  let api;
  globalThis.wasmSse = {
    sleep,
    rejections: () => rejections,
    /** Bytes of every exported WebAssembly memory, or null when the page instantiated none. */
    wasmMemoryBytes: () => (memories.length ? memories.reduce((sum, m) => sum + m.buffer.byteLength, 0) : null),
    /** The package, loaded through its entry only, `init()` done. */
    async load() {
      api ??= import('/pkg/index.js').then(async (m) => { await m.default(); return m; });
      return api;
    },
    async serverStats(server, key) {
      return (await fetch(`${server}/stats?key=${key}`)).json();
    },
    setOnLine(value) {
      Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value });
    },
    fireOnline() { dispatchEvent(new Event('online')); },
    /**
     * Runs one stream and records every callback. `hook(what, raw, rec, handle)` sees each
     * callback after it is recorded; returning true stops the stream there.
     */
    async run(options, hook) {
      const { startStream } = await this.load();
      const rec = { events: [], errors: [], retries: [], opens: [], closes: [], order: [] };
      let handle;
      const note = (what, list, plain) => (x) => {
        rec.order.push(what);
        list.push(plain(x));
        if (hook && hook(what, x, rec, handle)) handle.stop();
      };
      const started = performance.now();
      handle = startStream({
        onOpen: note('open', rec.opens, plainOpen),
        onEvent: note('event', rec.events, plainEvent),
        onRetry: note('retry', rec.retries, plainRetry),
        onError: note('error', rec.errors, plainError),
        onClose: note('close', rec.closes, plainClose),
        ...options,
      });
      rec.statusAtStart = handle.status;
      let timer;
      const tooLong = new Promise((resolve) => { timer = setTimeout(resolve, 15_000, 'timeout'); });
      const closed = await Promise.race([handle.closed, tooLong]);
      clearTimeout(timer);
      if (closed === 'timeout') {
        handle.stop();
        throw new Error(`the stream did not close within 15 s; ${rec.order.length} callbacks, the last: ${rec.order.slice(-8).join(' ')}`);
      }
      rec.info = plainClose(closed);
      rec.elapsedMs = performance.now() - started;
      rec.stats = { ...handle.stats() };
      rec.status = handle.status;
      rec.lastEventId = handle.lastEventId;
      rec.text = rec.events.filter((e) => e.type === 'text').map((e) => e.content).join('');
      rec.ids = rec.events.map((e) => e.lastEventId);
      rec.types = rec.events.map((e) => e.type);
      await sleep(50);
      rec.callbacksAfterClose = rec.order.length - 1 - rec.order.lastIndexOf('close');
      rec.rejections = rejections;
      return rec;
    },
  };
}

// ---- helpers in Node ------------------------------------------------------------------

/**
 * The test's page on the static origin, with the helpers and the package loaded (so that
 * `startStream` throws for bad options, and streams start at once); closed when the test ends.
 */
const pages = new WeakMap();
async function openPage(t) {
  if (pages.has(t)) return pages.get(t);
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(e.message));
  await page.goto(`${files.url}/`);
  await page.evaluate(() => wasmSse.load().then(() => undefined));
  t.after(() => page.close());
  pages.set(t, page);
  return page;
}

/** The test server's URL for `path`. */
const url = (p) => `${backend.url}${p}`;

/** A key the server files one test's requests under. */
const key = (name) => `${name}-${Math.floor(Math.random() * 1e9)}`;

/** The server's record for `key`: requests, gets, posts, lastEventIds, opened, disconnected, … */
const serverStats = async (k) => (await fetch(url(`/stats?key=${k}`))).json();

const answer = async (prompt) => (await fetch(url(`/agent/answer?prompt=${prompt}`))).text();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `{ url: target, ...options }` through `wasmSse.run` in the test's page. */
async function runIn(t, target, options = {}) {
  const page = await openPage(t);
  return page.evaluate(([u, o]) => wasmSse.run({ url: u, ...o }), [target, options]);
}

/** What holds for every stream: closed once, through onClose and `closed` alike, and nothing after. */
function closedCleanly(rec, what = '') {
  assert.equal(rec.closes.length, 1, `${what}: onClose fires exactly once`);
  assert.deepEqual(rec.closes[0], rec.info, `${what}: onClose and closed agree`);
  assert.equal(rec.order.at(-1), 'close', `${what}: onClose comes last`);
  assert.equal(rec.callbacksAfterClose, 0, `${what}: a callback fired after close`);
  assert.equal(rec.status, 'closed', what);
  assert.equal(rec.rejections, 0, `${what}: unhandled rejection`);
}

/**
 * How many of `k`'s clients the server saw go away, polled until one did (10 s at most). A
 * cancelled fetch with no read pending has its body drained by Chromium for up to 5 s (to
 * reuse the connection) before the socket closes and the server sees the client go.
 */
async function disconnects(k) {
  await waitFor(async () => (await serverStats(k)).disconnected >= 1, `a disconnect for ${k}`, 10_000).catch(() => {});
  return (await serverStats(k)).disconnected;
}

// ---- the agent stream -----------------------------------------------------------------

test('agent stream: typed events and lifecycle', limit, async (t) => {
  const rec = await runIn(t, url('/agent?prompt=js&delay_ms=1'));
  assert.equal(rec.statusAtStart, 'connecting');
  assert.equal(rec.text, await answer('js'));
  assert.equal(rec.events.length, 44);
  assert.deepEqual(rec.types, [...Array(3).fill('thought'), ...Array(40).fill('text'), 'done']);
  assert.deepEqual(rec.ids, Array.from({ length: 44 }, (_, i) => String(i)));
  const [first, last] = [rec.events[0], rec.events[43]];
  assert.equal(first.type, 'thought');
  assert.equal(first.kind, 'thought');
  assert.equal(first.content, 'Reading the prompt: js');
  assert.equal(first.data, '{"content":"Reading the prompt: js"}');
  assert.equal(first.json.content, 'Reading the prompt: js');
  assert.equal(first.lastEventId, '0');
  assert.equal(last.type, 'done');
  assert.equal(last.kind, 'done');
  assert.equal(last.status, 'complete');
  assert.equal(rec.opens.length, 1);
  assert.equal(rec.opens[0].status, 200);
  assert.equal(rec.opens[0].attempt, 1);
  assert.equal(rec.opens[0].headersAreHeaders, true);
  assert.equal(rec.opens[0].contentType, 'text/event-stream');
  assert.deepEqual(rec.order, ['open', ...Array(44).fill('event'), 'close']);
  assert.equal(rec.info.reason, 'done');
  assert.equal(rec.info.hasError, false);
  assert.equal(rec.lastEventId, '43');
  assert.equal(rec.stats.events, 44);
  assert.equal(rec.stats.reconnects, 0);
  assert.equal(rec.stats.attempt, 1);
  assert.ok(rec.stats.bytes > 2_000, JSON.stringify(rec.stats));
  assert.equal(rec.stats.lastEventId, '43');
  assert.equal(typeof rec.stats.timeOpenMs, 'number');
  assert.equal(rec.errors.length, 0);
  closedCleanly(rec);
  // The padded token keeps its spaces; the multi-byte ones arrive whole.
  assert.ok(rec.text.includes('  spaced  ') && rec.text.includes('日本語'), rec.text);
});

test('POST sends method, headers and a JSON body', limit, async (t) => {
  const k = key('echo');
  const rec = await runIn(t, url(`/echo?key=${k}`), {
    headers: { 'x-test-header': 'yes', authorization: 'Bearer secret-token' },
    body: { message: 'hi', n: 1 },
  });
  assert.equal(rec.events[0].type, 'echo');
  const echo = rec.events[0].json;
  assert.equal(echo.method, 'POST');
  assert.equal(echo.body, '{"message":"hi","n":1}');
  assert.equal(echo.headers['content-type'], 'application/json');
  assert.equal(echo.headers['x-test-header'], 'yes');
  assert.equal(echo.headers['cache-control'], 'no-cache');
  assert.ok(echo.headers.accept.startsWith('text/event-stream'), echo.headers.accept);
  assert.equal(echo.headers['last-event-id'], undefined);
  // No token leaks into stats.
  assert.ok(!JSON.stringify(rec.stats).includes('secret-token'), JSON.stringify(rec.stats));
  assert.equal((await serverStats(k)).posts, 1);
  assert.equal(rec.info.reason, 'done');
  closedCleanly(rec);
});

// The JS side of two Rust-API tests (rust_post_with_text_body_and_last_event_id, readme_rust_example_runs).
test('options made in another realm (an iframe) work: plain object body, Headers, URL, AbortSignal', limit, async (t) => {
  // Found in Firefox, whose WebDriver hands a script's arguments over as objects of another
  // realm: a plain object body was sent as "[object Object]" with a text/plain type
  // (`instanceof` and this realm's Object.prototype do not match other realms' objects).
  const page = await openPage(t);
  const got = await page.evaluate(async (u) => {
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const realm = frame.contentWindow;
    const body = new realm.Object();
    body.message = 'from a frame';
    const controller = new realm.AbortController();
    const rec = await wasmSse.run({
      url: new realm.URL(u), body, headers: new realm.Headers({ 'x-test-header': 'frame' }), signal: controller.signal,
    });
    const stopped = await wasmSse.run({ url: u, signal: controller.signal, onOpen: () => controller.abort() });
    // A custom fetch that answers with the frame's Response.
    const stream = 'data: framed\n\nevent: done\ndata: {}\n\n';
    const fetched = await wasmSse.run({
      url: u, fetch: () => Promise.resolve(new realm.Response(stream, { headers: { 'content-type': 'text/event-stream' } })),
    });
    frame.remove();
    return { echo: rec.events[0].json, reason: stopped.info.reason, framed: fetched.events.map((e) => e.data), fetchedReason: fetched.info.reason };
  }, url('/echo'));
  const { echo } = got;
  assert.deepEqual([echo.method, echo.body, echo.headers['content-type'], echo.headers['x-test-header']],
    ['POST', '{"message":"from a frame"}', 'application/json', 'frame']);
  assert.equal(got.reason, 'stopped');
  assert.deepEqual([got.framed, got.fetchedReason], [['framed', '{}'], 'done']);
});

test('PUT with a text body and lastEventId; bearer token accepted, 401 refused', limit, async (t) => {
  const rec = await runIn(t, url('/echo'), {
    method: 'PUT', headers: { 'x-test-header': 'js' }, body: 'plain body', lastEventId: '41', retry: false,
  });
  assert.equal(rec.errors.length, 0);
  const echo = rec.events[0].json;
  assert.equal(echo.method, 'PUT');
  assert.equal(echo.body, 'plain body');
  assert.equal(echo.lastEventId, '41');
  assert.equal(echo.headers['x-test-header'], 'js');
  closedCleanly(rec, 'PUT');

  const auth = { headers: { authorization: 'Bearer demo-token' }, body: { message: 'readme' } };
  const ok = await runIn(t, url('/agent?delay_ms=1&require_auth=1'), auth);
  assert.equal(ok.text, await answer('readme'));
  assert.equal(ok.info.reason, 'done');
  const refused = await runIn(t, url('/agent?delay_ms=1&require_auth=1'), { body: { message: 'readme' } });
  assert.equal(refused.info.reason, 'error');
  assert.equal(refused.info.error.kind, 'http');
  assert.equal(refused.info.error.status, 401);
});

// ---- statuses and the retry policy ------------------------------------------------------

test('401 is fatal without retry', limit, async (t) => {
  const k = key('401');
  const rec = await runIn(t, url(`/status/401?key=${k}`));
  assert.equal(rec.retries.length, 0);
  assert.equal(rec.errors.length, 1);
  const [error] = rec.errors;
  assert.equal(error.kind, 'http');
  assert.equal(error.status, 401);
  assert.equal(error.fatal, true);
  assert.equal(error.name, 'WasmSseError');
  assert.equal(error.isError, true);
  assert.ok(error.message.includes('token'), error.message);
  assert.equal(rec.opens.length, 0);
  assert.equal(rec.info.reason, 'error');
  assert.equal(rec.info.error.kind, 'http');
  assert.deepEqual(rec.info.error, error);
  assert.deepEqual(rec.order, ['error', 'close']);
  assert.equal((await serverStats(k)).requests, 1);
  closedCleanly(rec);

  // The JS side of the Rust half: a 404 is fatal at once too.
  const k404 = key('404');
  const notFound = await runIn(t, url(`/status/404?key=${k404}`));
  assert.equal(notFound.retries.length, 0);
  assert.deepEqual(notFound.errors.map((e) => [e.kind, e.status, e.fatal]), [['http', 404, true]]);
  assert.equal((await serverStats(k404)).requests, 1);
});

test('503 is retried, then fatal after maxRetries', limit, async (t) => {
  const k = key('503');
  const rec = await runIn(t, url(`/status/503?key=${k}`), {
    retry: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 20, jitter: false },
  });
  assert.equal(rec.retries.length, 2);
  assert.equal(rec.retries[0].attempt, 1);
  assert.equal(rec.retries[0].delayMs, 10);
  assert.equal(rec.retries[1].delayMs, 20);
  assert.equal(rec.retries[0].error.kind, 'http');
  assert.equal(rec.retries[0].error.fatal, false);
  assert.equal(rec.info.reason, 'error');
  assert.equal(rec.info.error.kind, 'http');
  assert.equal(rec.info.error.status, 503);
  assert.equal(rec.info.error.fatal, true);
  assert.ok(rec.info.error.message.includes('gave up after 3'), rec.info.error.message);
  assert.equal(rec.stats.reconnects, 2);
  assert.deepEqual(rec.order, ['retry', 'retry', 'error', 'close']);
  assert.equal((await serverStats(k)).requests, 3);
  closedCleanly(rec);

  // The JS side of the Rust half: one retry allowed, two failures, then the 500 is fatal.
  const k500 = key('500');
  const five = await runIn(t, url(`/status/500?key=${k500}`), {
    retry: { maxRetries: 1, initialDelayMs: 10, maxDelayMs: 50, jitter: false },
  });
  assert.equal(five.errors.length, 1);
  assert.equal(five.retries.length, 1);
  assert.equal(five.info.error.status, 500);
  assert.ok(five.info.error.message.includes('gave up after 2'), five.info.error.message);
  assert.equal((await serverStats(k500)).requests, 2);
});

test('Retry-After is honoured, then the stream recovers', limit, async (t) => {
  const k = key('flaky');
  const rec = await runIn(t, url(`/flaky?key=${k}&fail=1&status=429&retry_after=1`), {
    retry: { initialDelayMs: 10, jitter: false },
  });
  assert.equal(rec.retries.length, 1);
  assert.equal(rec.retries[0].delayMs, 1000);
  assert.equal(rec.retries[0].error.status, 429);
  assert.ok(rec.elapsedMs >= 1000, `reconnected after ${rec.elapsedMs} ms`);
  assert.deepEqual(rec.events.map((e) => e.data), ['ok', '{}']);
  assert.equal(rec.info.reason, 'done');
  assert.equal(rec.errors.length, 0);
  assert.equal((await serverStats(k)).requests, 2);
  closedCleanly(rec);

  // A day is capped by maxDelayMs, and onRetry reports the capped wait.
  const day = await runIn(t, url(`/flaky?key=${key('flaky-day')}&fail=1&status=503&retry_after=86400`), {
    retry: { initialDelayMs: 10, maxDelayMs: 50, jitter: false },
  });
  assert.deepEqual(day.retries.map((r) => r.delayMs), [50]);
  assert.equal(day.info.reason, 'done');
});

test('a silent connection is cut after idleTimeoutMs and resumed with Last-Event-ID', limit, async (t) => {
  const k = key('silent');
  const rec = await runIn(t, url(`/silent?n=4&after=2&silent_ms=30000&key=${k}`), {
    idleTimeoutMs: 400, retry: { initialDelayMs: 5, jitter: false },
  });
  assert.deepEqual(rec.events.map((e) => e.data), ['1', '2', '3', '4', '{}']);
  assert.equal(rec.retries.length, 1);
  assert.equal(rec.retries[0].error.kind, 'network');
  assert.match(rec.retries[0].error.message, /silent for 400 ms/);
  assert.deepEqual((await serverStats(k)).lastEventIds, ['2']);
  assert.equal(rec.info.reason, 'done');
  closedCleanly(rec);
  const page = await openPage(t);
  const thrown = await page.evaluate(async () => {
    const { startStream } = await wasmSse.load();
    return ['soon', -1, 1.5].map((idleTimeoutMs) => {
      try {
        startStream({ url: '/x', idleTimeoutMs }).stop();
        return null;
      } catch (e) {
        return e.message;
      }
    });
  });
  for (const message of thrown) assert.match(message ?? '', /idleTimeoutMs must be 'auto' or a whole number/);
});

test('a POST answered 502 is not sent again; 503 is; with retries off a 503 says so', limit, async (t) => {
  const k = key('post-502');
  const rec = await runIn(t, url(`/status/502?key=${k}`), { body: { message: 'hi' }, retry: { initialDelayMs: 5 } });
  assert.deepEqual([rec.info.reason, rec.info.error.kind, rec.info.error.status], ['error', 'http', 502]);
  assert.match(rec.info.error.message, /not sent again/);
  assert.equal(rec.retries.length, 0);
  assert.equal((await serverStats(k)).requests, 1);
  closedCleanly(rec);

  const k503 = key('post-503');
  const again = await runIn(t, url(`/status/503?key=${k503}`), { body: { message: 'hi' }, retry: { maxRetries: 2, initialDelayMs: 5 } });
  assert.equal(again.retries.length, 2);
  assert.equal((await serverStats(k503)).requests, 3);

  const off = await runIn(t, url('/status/503'), { retry: false });
  assert.equal(off.info.error.status, 503);
  assert.match(off.info.error.message, /reconnection is off/);
  assert.doesNotMatch(off.info.error.message, /retried with backoff/);
});

test('204 closes without retry', limit, async (t) => {
  const k = key('204');
  const rec = await runIn(t, url(`/status/204?key=${k}`));
  assert.equal(rec.info.reason, 'ended');
  assert.equal(rec.info.error, undefined);
  assert.equal(rec.errors.length, 0);
  assert.equal(rec.retries.length, 0);
  assert.equal((await serverStats(k)).requests, 1);
  closedCleanly(rec);
});

test('the server retry hint sets the backoff base', limit, async (t) => {
  const k = key('hint');
  const rec = await runIn(t, url(`/retry-hint?key=${k}&ms=300`), { retry: { jitter: false } });
  assert.equal(rec.retries.length, 1);
  assert.equal(rec.retries[0].delayMs, 300);
  assert.deepEqual(rec.events.map((e) => e.data), ['first', 'second', '{}']);
  assert.deepEqual(rec.ids, ['1', '2', '2']);
  assert.equal(rec.info.reason, 'done');
  const stats = await serverStats(k);
  assert.deepEqual(stats.lastEventIds, ['1'], 'reconnected once, with Last-Event-ID');
  closedCleanly(rec);
});

test('a server retry beyond what setTimeout can wait is reported as the wait that happens', limit, async (t) => {
  const k = key('hint-huge');
  const page = await openPage(t);
  const rec = await page.evaluate(
    (u) => wasmSse.run({ url: u, retry: { jitter: false } }, (what) => what === 'retry'),
    url(`/retry-hint?key=${k}&ms=99999999999`),
  );
  assert.equal(rec.retries.length, 1);
  assert.equal(rec.retries[0].delayMs, 2 ** 31 - 1, 'setTimeout clamps longer delays');
  assert.equal(rec.info.reason, 'stopped');
  closedCleanly(rec);
});

test('a handle\'s status is read-only and its internals are not properties', limit, async (t) => {
  const page = await openPage(t);
  const got = await page.evaluate(async (u) => {
    'use strict';
    const { startStream } = await wasmSse.load();
    const handle = startStream({ url: u });
    let threw = '';
    try {
      handle.status = 'open';
    } catch (e) {
      threw = e.constructor.name;
    }
    const status = handle.status;
    handle.stop();
    await handle.closed;
    return { threw, status, after: handle.status, keys: Object.keys(handle) };
  }, url('/slow?interval_ms=50'));
  assert.deepEqual(got, { threw: 'TypeError', status: 'connecting', after: 'closed', keys: ['closed'] });
});

test('a 1 MB non-ASCII last event ID is sent whole, as UTF-8 bytes', limit, async (t) => {
  const page = await openPage(t);
  const got = await page.evaluate(async () => {
    const { startStream } = await wasmSse.load();
    const id = 'é'.repeat(500_000); // 1,000,000 bytes
    let sent = null;
    const handle = startStream({
      url: '/never-fetched',
      lastEventId: id,
      retry: false,
      fetch: (u, init) => {
        sent = init.headers.get('last-event-id');
        return Promise.reject(new Error('recorded'));
      },
    });
    const info = await handle.closed;
    const bytes = new TextEncoder().encode(id);
    const same = sent !== null && sent.length === bytes.length && [...bytes].every((b, i) => sent.charCodeAt(i) === b);
    return { same, length: sent?.length, reason: info.reason, kind: info.error?.kind, cause: info.error?.message.includes('recorded') };
  });
  assert.deepEqual(got, { same: true, length: 1_000_000, reason: 'error', kind: 'network', cause: true });
});

// ---- content types and formats --------------------------------------------------------

test('content types', limit, async (t) => {
  for (const [ct, ok] of [
    ['text/event-stream', true],
    ['text/event-stream%3B%20charset%3Dutf-8', true],
    ['text/event-stream%3B', true],
    ['TEXT/EVENT-STREAM', true],
    ['text/plain', false],
    ['application/json', false],
  ]) {
    const rec = await runIn(t, url(`/content-type?ct=${ct}`));
    if (ok) {
      assert.equal(rec.events[0].data, 'hello', ct);
      assert.equal(rec.info.reason, 'done', ct);
    } else {
      assert.equal(rec.info.reason, 'error', ct);
      assert.equal(rec.info.error.kind, 'content-type', ct);
      assert.equal(rec.info.error.fatal, true, ct);
      assert.equal(rec.retries.length, 0, ct);
      assert.equal(rec.events.length, 0, ct);
    }
    closedCleanly(rec, ct);
  }
  const none = await runIn(t, url('/content-type'));
  assert.equal(none.info.error.kind, 'content-type', 'no content type at all');
  const sseOnly = await runIn(t, url('/content-type?ct=application/x-ndjson'), { format: 'sse' });
  assert.equal(sseOnly.info.error.kind, 'content-type', 'NDJSON refused when format is sse');
});

test('NDJSON streams', limit, async (t) => {
  const rec = await runIn(t, url('/ndjson?count=4&delay_ms=1'));
  assert.deepEqual(rec.types, ['thought', 'text', 'text', 'text', 'text', 'done']);
  assert.equal(rec.errors.length, 1);
  assert.equal(rec.errors[0].kind, 'parse');
  assert.equal(rec.errors[0].fatal, false);
  assert.equal(rec.info.reason, 'done');
  assert.equal(rec.text, 'Streaming NDJSON works — ');
  closedCleanly(rec);

  // The JS side of the Rust half.
  const two = await runIn(t, url('/ndjson?count=2&delay_ms=1'));
  assert.equal(two.events.length, 4);
  assert.deepEqual(two.errors.map((e) => e.kind), ['parse']);

  const viaType = await runIn(t, url('/content-type?ct=application/x-ndjson'));
  assert.equal(viaType.events[0].content, 'hello');
});

// Rust-API only in tests/browser.rs; the same server script through the JS API.
test('UTF-8 split across writes, and a CRLF split', limit, async (t) => {
  const rec = await runIn(t, url('/utf8-split'));
  assert.equal(rec.errors.length, 0);
  assert.equal(rec.events.length, 3);
  assert.equal(rec.events[0].data, 'é€😀');
  assert.equal(rec.events[0].type, 'message');
  assert.equal(rec.events[1].type, 'text');
  assert.equal(rec.events[1].content, '🙂 ok');
  assert.equal(rec.events[2].kind, 'done');
  assert.equal(rec.info.reason, 'done');
  closedCleanly(rec);
});

test('a huge event arrives intact, and the limit is a skip, not a failure', limit, async (t) => {
  const page = await openPage(t);
  const whole = await page.evaluate(async (u) => {
    const rec = await wasmSse.run({ url: u });
    // 1 MiB is checked here rather than sent back to Node.
    const data = rec.events[0].data;
    rec.events[0].data = { length: data.length, allX: /^x*$/.test(data) };
    return rec;
  }, url('/huge?bytes=1048576'));
  assert.deepEqual(whole.events[0].data, { length: 1_048_576, allX: true });
  assert.equal(whole.events.length, 2);
  assert.equal(whole.info.reason, 'done');
  closedCleanly(whole, 'whole');

  const limited = await runIn(t, url('/huge?bytes=1048576'), { maxEventBytes: 65536 });
  assert.equal(limited.errors.length, 1);
  assert.equal(limited.errors[0].kind, 'limit');
  assert.equal(limited.errors[0].fatal, false);
  assert.deepEqual(limited.types, ['done'], 'the stream went on after the skipped event');
  assert.equal(limited.info.reason, 'done');
  closedCleanly(limited, 'limited');
});

// Rust-API only in tests/browser.rs; the same server script through the JS API.
test('keep-alive comments fire no events', limit, async (t) => {
  const rec = await runIn(t, url('/keepalive?count=5'));
  assert.deepEqual(rec.events.map((e) => e.data), ['1', '2', '3', '4', '5', '{}']);
  assert.equal(rec.errors.length, 0);
  assert.equal(rec.info.reason, 'done');
  closedCleanly(rec);
});

// ---- resume --------------------------------------------------------------------------

test('resume: 500 events dropped every 17 arrive exactly once, in order', limit, async (t) => {
  // Rust-API only in tests/browser.rs (the same counts, through the JS API).
  const k = key('counter');
  const rec = await runIn(t, url(`/counter?n=500&drop_every=17&key=${k}`), {
    retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 50, jitter: false },
  });
  const server = await serverStats(k);
  assert.deepEqual(rec.errors, [], `server saw ${JSON.stringify(server)}`);
  assert.deepEqual(rec.events.map((e) => e.data), [...Array.from({ length: 500 }, (_, i) => String(i + 1)), '{}']);
  assert.equal(rec.events.at(-1).kind, 'done');
  assert.deepEqual(rec.ids.slice(0, 500), Array.from({ length: 500 }, (_, i) => String(i + 1)));
  assert.equal(rec.stats.reconnects, 29);
  assert.equal(rec.retries.length, 29);
  assert.equal(server.requests, 30);
  assert.equal(rec.info.reason, 'done');
  closedCleanly(rec, '500');

  const hundred = await runIn(t, url('/counter?n=100&drop_every=7'), { retry: { initialDelayMs: 5, jitter: false } });
  assert.equal(hundred.events.length, 101);
  assert.equal(hundred.stats.reconnects, 14);
  assert.equal(hundred.events[99].data, '100');
  assert.equal(hundred.info.reason, 'done');
  closedCleanly(hundred, '100');
});

test('an agent stream dropped mid-answer resumes without duplicated tokens', limit, async (t) => {
  const k = key('agent-drop');
  const rec = await runIn(t, url(`/agent?delay_ms=1&drop_after=10&drop_once=1&key=${k}`), {
    body: { message: 'resume' },
    retry: { initialDelayMs: 5 },
  });
  assert.equal(rec.text, await answer('resume'));
  assert.equal(rec.retries.length, 1);
  assert.equal(rec.events.length, 44);
  assert.deepEqual(rec.ids, Array.from({ length: 44 }, (_, i) => String(i)));
  const stats = await serverStats(k);
  assert.equal(stats.lastEventIds[0], '9');
  assert.equal(rec.info.reason, 'done');
  closedCleanly(rec);
});

test('a POST without ids, dropped, is not resumable and not sent again', limit, async (t) => {
  const k = key('not-resumable');
  const page = await openPage(t);
  const rec = await page.evaluate(async (u) => {
    const rec = await wasmSse.run({ url: u, body: { message: 'once' }, retry: { initialDelayMs: 5 } });
    await wasmSse.sleep(200); // long after a (wrong) 5 ms backoff would have sent it again
    return rec;
  }, url(`/agent?delay_ms=1&ids=0&drop_after=5&key=${k}`));
  assert.equal(rec.events.length, 5);
  assert.equal(rec.retries.length, 0);
  assert.equal(rec.info.error.kind, 'not-resumable');
  assert.equal(rec.info.error.fatal, true);
  assert.equal(rec.info.reason, 'error');
  const stats = await serverStats(k);
  assert.deepEqual([stats.requests, stats.posts], [1, 1], 'the server saw one POST only');
  closedCleanly(rec);
});

// ---- stopping ------------------------------------------------------------------------

/**
 * Stops a stream in some phase: `stopWhen` is the source of a hook (see `wasmSse.run`), or
 * absent to stop through the `signal`, aborted once the server has the request. Checks
 * that nothing fires after the stop, the server saw the disconnect, and no rejection went
 * unhandled.
 */
async function stopInPhase(t, target, stopWhen) {
  const k = key('stop');
  const full = url(`${target}${target.includes('?') ? '&' : '?'}key=${k}`);
  const page = await openPage(t);
  const rec = await page.evaluate(async ([u, stopWhen, server, k]) => {
    if (stopWhen) {
      // eslint-disable-next-line no-new-func
      return wasmSse.run({ url: u }, new Function(`return (${stopWhen});`)());
    }
    // Not a fixed timeout: on a busy machine the request may not have left by then.
    const controller = new AbortController();
    const running = wasmSse.run({ url: u, signal: controller.signal });
    const deadline = performance.now() + 10_000;
    while ((await wasmSse.serverStats(server, k)).opened < 1) {
      if (performance.now() > deadline) throw new Error('the request never reached the server');
      await wasmSse.sleep(10);
    }
    controller.abort();
    return running;
  }, [full, stopWhen, backend.url, k]);
  assert.equal(rec.info.reason, 'stopped', target);
  assert.equal(rec.info.hasError, false, target);
  assert.equal(rec.errors.length, 0, target);
  closedCleanly(rec, target);
  const server = await serverStats(k);
  assert.equal(await disconnects(k), 1, `${target}: the server saw the disconnect: ${JSON.stringify(server)}`);
  assert.equal(server.requests, 1, target);
  await sleep(100);
  assert.equal(await page.evaluate(() => wasmSse.rejections()), 0, `${target}: unhandled rejection`);
  return rec;
}

test('stop before the response, through the signal', limit, async (t) => {
  // The server holds the headers for 3 s; the signal aborts as soon as it has the request.
  const rec = await stopInPhase(t, '/slow?header_delay_ms=3000');
  assert.equal(rec.opens.length, 0);
  assert.equal(rec.events.length, 0);
  assert.deepEqual(rec.order, ['close']);
});

test('stop mid-body', limit, async (t) => {
  const rec = await stopInPhase(t, '/slow?interval_ms=20', "(what, x, rec) => what === 'event' && rec.events.length === 3");
  assert.equal(rec.events.length, 3);
  assert.deepEqual(rec.order, ['open', 'event', 'event', 'event', 'close']);
});

test('stop during the backoff cancels the timer', limit, async (t) => {
  const k = key('backoff');
  const page = await openPage(t);
  const rec = await page.evaluate(async (u) => {
    const rec = await wasmSse.run({ url: u, retry: { initialDelayMs: 300, jitter: false } }, (what) => what === 'retry');
    await wasmSse.sleep(600); // twice the backoff: a timer left running would have fired
    return rec;
  }, url(`/status/503?key=${k}`));
  assert.equal(rec.info.reason, 'stopped');
  assert.equal(rec.retries.length, 1);
  assert.deepEqual(rec.order, ['retry', 'close']);
  closedCleanly(rec);
  assert.equal((await serverStats(k)).requests, 1, 'no request after the stop');
});

// Rust-API only in tests/browser.rs: the connectivity events, through the JS API.
test('an online event cuts the backoff short', limit, async (t) => {
  const k = key('online');
  const page = await openPage(t);
  const rec = await page.evaluate(async ([u, server, k]) => {
    let fired;
    const rec = await wasmSse.run(
      { url: u, retry: { maxRetries: 3, initialDelayMs: 30_000, maxDelayMs: 30_000, jitter: false } },
      (what, x, rec, handle) => {
        if (what !== 'retry') return false;
        // The 503 came back and a 30 s backoff started.
        fired = (async () => {
          const before = (await wasmSse.serverStats(server, k)).requests;
          const status = handle.status;
          wasmSse.fireOnline();
          return { before, status };
        })();
        return false;
      },
    );
    return { ...rec, atOnline: await fired };
  }, [url(`/flaky?key=${k}&fail=1&status=503`), backend.url, k]);
  assert.deepEqual(rec.atOnline, { before: 1, status: 'retrying' });
  assert.equal(rec.retries.length, 1);
  assert.equal(rec.retries[0].delayMs, 30_000);
  assert.equal(rec.events[0].data, 'ok');
  assert.equal(rec.info.reason, 'done');
  assert.ok(rec.elapsedMs < 5_000, `waited out the 30 s backoff (${rec.elapsedMs} ms)`);
  assert.equal((await serverStats(k)).requests, 2);
  closedCleanly(rec);
});

test('offline, the stream waits for the online event before reconnecting', limit, async (t) => {
  const k = key('offline');
  const page = await openPage(t);
  const rec = await page.evaluate(async ([u, server, k]) => {
    wasmSse.setOnLine(false);
    let watched;
    const rec = await wasmSse.run(
      { url: u, retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 50, jitter: false } },
      (what, x, rec, handle) => {
        if (what !== 'retry') return false;
        watched = (async () => {
          await wasmSse.sleep(500); // the 10 ms backoff is long over, but the browser is offline
          const whileOffline = (await wasmSse.serverStats(server, k)).requests;
          const status = handle.status;
          wasmSse.setOnLine(true);
          wasmSse.fireOnline();
          return { whileOffline, status };
        })();
        return false;
      },
    );
    return { ...rec, watched: await watched };
  }, [url(`/flaky?key=${k}&fail=1&status=503`), backend.url, k]);
  assert.equal(rec.watched.whileOffline, 1, 'reconnected while offline');
  assert.equal(rec.watched.status, 'retrying');
  assert.equal(rec.events[0].data, 'ok');
  assert.equal(rec.info.reason, 'done');
  assert.equal((await serverStats(k)).requests, 2);
  closedCleanly(rec);
});

test('a signal already aborted sends nothing', limit, async (t) => {
  const k = key('pre-aborted');
  const page = await openPage(t);
  const rec = await page.evaluate(async (u) => {
    const rec = await wasmSse.run({ url: u, signal: AbortSignal.abort() });
    await wasmSse.sleep(100);
    return rec;
  }, url(`/slow?key=${k}`));
  assert.equal(rec.info.reason, 'stopped');
  assert.deepEqual(rec.order, ['close']);
  closedCleanly(rec);
  assert.equal((await serverStats(k)).requests, 0);
});

// ---- options -------------------------------------------------------------------------

test('bad options throw synchronously with kind invalid-option', limit, async (t) => {
  const k = key('invalid');
  const target = url(`/slow?key=${k}`);
  const page = await openPage(t);
  const cases = [
    [`{ url: T, headers: { 'x-a': 'v\\r\\nInjected: 1' } }`, 'line break'],
    [`{ url: T, headers: { 'x-a': 'v\\nb' } }`, 'line break'],
    [`{ url: T, headers: { 'bad name': 'v' } }`, 'header name'],
    [`{ url: T, onevent: () => {} }`, 'onevent'],
    [`{ url: T, format: 'xml' }`, 'format'],
    [`{ url: T, retry: { maxRetries: -1 } }`, 'retry'],
    [`{ url: T, retry: { maxRetry: 3 } }`, 'retry'],
    [`{ url: T, retry: 'often' }`, 'retry'],
    [`{ url: T, onEvent: 5 }`, 'onEvent'],
    [`{ url: T, maxEventBytes: 0 }`, 'maxEventBytes'],
    [`{ url: T, credentials: 'all' }`, 'credentials'],
    [`{ url: '' }`, 'url'],
    [`{}`, 'url'],
  ];
  const results = await page.evaluate(async ([cases, target]) => {
    const { startStream } = await wasmSse.load();
    const out = [];
    for (const [source] of cases) {
      // eslint-disable-next-line no-new-func
      const options = new Function('T', `return (${source});`)(target);
      let closes = 0;
      options.onClose ??= () => { closes += 1; };
      try {
        const handle = startStream(options);
        handle.stop();
        out.push({ source, threw: false });
      } catch (e) {
        out.push({ source, threw: true, isError: e instanceof Error, name: e.name, kind: e.kind, message: e.message, closes });
      }
    }
    await wasmSse.sleep(100);
    return out;
  }, [cases, target]);
  for (const [i, [source, needle]] of cases.entries()) {
    const r = results[i];
    assert.equal(r.threw, true, `${source} did not throw`);
    assert.equal(r.kind, 'invalid-option', source);
    assert.equal(r.name, 'WasmSseError', source);
    assert.equal(r.isError, true, source);
    assert.ok(r.message.includes(needle), `${source}: ${r.message}`);
    assert.equal(r.closes, 0, `${source}: onClose fired for a stream that never started`);
  }
  assert.equal((await serverStats(k)).requests, 0, 'a rejected stream sent a request');
  assert.equal(await page.evaluate(() => wasmSse.rejections()), 0);
});

test('a custom fetch is used, and throwing callbacks do not stop the stream', limit, async (t) => {
  const page = await openPage(t);
  const rec = await page.evaluate(async (u) => {
    let fetches = 0;
    return {
      ...await wasmSse.run({
        url: u,
        fetch: (input, init) => {
          fetches += 1;
          init.headers.set('x-test-header', 'custom');
          return fetch(input, init);
        },
        onOpen: () => { throw new Error('user bug'); },
      }),
      fetches,
    };
  }, url('/echo'));
  assert.equal(rec.fetches, 1);
  assert.equal(rec.events[0].json.headers['x-test-header'], 'custom');
  assert.equal(rec.info.reason, 'done');
  assert.deepEqual(rec.order, ['event', 'event', 'close']);
  closedCleanly(rec);
  assert.ok(page.pageErrors.every((m) => m.includes('user bug')), JSON.stringify(page.pageErrors));
});

// ---- memory --------------------------------------------------------------------------

test('a thousand start/stop cycles close cleanly and keep memory flat', limit, async (t) => {
  const page = await openPage(t);
  const k = key('cycles');
  const result = await page.evaluate(async (u) => {
    const { startStream, stopStream } = await wasmSse.load();
    const reasons = {};
    let resolved = 0;
    let closes = 0;
    let lateCallbacks = 0;
    const heap = [];
    const wasm = [];
    const settle = async () => {
      await wasmSse.sleep(20);
      globalThis.gc?.();
      await wasmSse.sleep(20); // finalizers run in tasks after the collection
      globalThis.gc?.();
      await wasmSse.sleep(0);
    };
    let oddWithEvents = 0;
    for (let cycle = 0; cycle < 1000; cycle += 1) {
      let stopped = false;
      let firstEvent;
      const gotEvent = new Promise((resolve) => { firstEvent = resolve; });
      const late = () => { if (stopped) lateCallbacks += 1; };
      const handle = startStream({
        url: u, onEvent: () => { late(); firstEvent(true); }, onOpen: late, onRetry: late, onError: late,
        onClose: () => { closes += 1; },
      });
      // Stop in different phases: before the response, and after the first event (which
      // comes within milliseconds; a fresh-clone run on this 2-core machine once saw 2 of
      // 500 odd cycles wait over 1 s, so the bound is 5 s).
      if (cycle % 2 === 1 && await Promise.race([gotEvent, wasmSse.sleep(5000).then(() => false)])) oddWithEvents += 1;
      stopped = true;
      if (cycle % 4 < 2) handle.stop();
      else stopStream(handle);
      handle.closed.then(({ reason }) => { reasons[reason] = (reasons[reason] ?? 0) + 1; resolved += 1; });
      if (cycle % 100 === 99) {
        await settle();
        heap.push(performance.memory?.usedJSHeapSize ?? null);
        wasm.push(wasmSse.wasmMemoryBytes());
      }
    }
    await wasmSse.sleep(100);
    return { reasons, resolved, closes, lateCallbacks, heap, wasm, oddWithEvents, rejections: wasmSse.rejections() };
  }, url(`/slow?interval_ms=5&count=100000&key=${k}`));
  assert.equal(result.resolved, 1000, 'every closed promise resolved');
  assert.deepEqual(result.reasons, { stopped: 1000 });
  assert.equal(result.closes, 1000);
  assert.equal(result.lateCallbacks, 0, 'a callback other than onClose fired after stop');
  assert.equal(result.oddWithEvents, 500, 'every odd cycle is stopped after its first event');
  assert.equal(result.rejections, 0);
  t.diagnostic(`JS heap after each 100 of 1000 start/stop cycles (bytes): ${result.heap.join(', ')}`);
  t.diagnostic(`wasm memory after each 100 cycles (bytes): ${result.wasm.join(', ')}`);
  // gc() is exposed (see `before`), so the heap is measured after full collections.
  const [warm, last] = [result.heap[1], result.heap.at(-1)];
  assert.ok(last - warm <= 256 << 10, `the JS heap grew from ${warm} to ${last} bytes after warm-up`);
  assert.ok(result.wasm.every((bytes) => typeof bytes === 'number'), 'the wasm memory could not be read');
  const [warmWasm, lastWasm] = [result.wasm[1], result.wasm.at(-1)];
  assert.ok(lastWasm - warmWasm <= 65_536, `wasm memory grew from ${warmWasm} to ${lastWasm} bytes after warm-up`);
});

// ---- in a dedicated worker ------------------------------------------------------------

test('the package streams inside a dedicated worker (no window), across reconnections', limit, async (t) => {
  const page = await openPage(t);
  const result = await page.evaluate(async (target) => {
    // A module worker that imports the package by URL and reports back how the stream went.
    const source = `
      import { startStream } from '${location.origin}/pkg/index.js';
      let n = 0;
      const h = startStream({ url: '${target}', retry: { initialDelayMs: 5 }, onEvent: () => { n += 1; } });
      h.closed.then((info) => postMessage({ n, reason: info.reason, status: h.status,
        reconnects: h.stats().reconnects, hasWindow: typeof window !== 'undefined' }));`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
    try {
      return await new Promise((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
      });
    } finally {
      worker.terminate();
    }
  }, url('/counter?n=50&drop_every=20'));
  assert.deepEqual(result, { n: 51, reason: 'done', status: 'closed', reconnects: 2, hasWindow: false },
    '50 numbers and done, across 2 reconnections');
});

// ---- loading ----------------------------------------------------------------------------

test('init reports a wasm that cannot be fetched, and a later init loads it', limit, async (t) => {
  const page = await context.newPage();
  t.after(() => page.close());
  await page.goto(`${files.url}/`);
  const result = await page.evaluate(async (target) => {
    const m = await import('/pkg/index.js');
    const failed = await m.default('/pkg/wasm/missing.wasm').then(() => 'loaded', (e) => e.message);
    const loadedAfterFailure = m.isLoaded();
    await m.default();
    let n = 0;
    const info = await m.startStream({ url: target, onEvent: () => { n += 1; } }).closed;
    return { failed, loadedAfterFailure, loaded: m.isLoaded(), n, reason: info.reason };
  }, url('/counter?n=3'));
  assert.match(result.failed, /HTTP 404/);
  assert.deepEqual({ ...result, failed: undefined },
    { failed: undefined, loadedAfterFailure: false, loaded: true, n: 4, reason: 'done' });
});

// ---- edge cases ---------------------------------------------------------------------------

test('a BOM inside a batch, a non-ASCII event ID on reconnection, and option edge cases', limit, async (t) => {
  const page = await openPage(t);
  const result = await page.evaluate(async () => {
    const m = await import('/pkg/index.js');
    // A fetch that answers from fixed bodies and remembers what each request sent.
    const bodies = ['event: \ufeffping\ndata: x\n\nid: €1\ndata: y\n\n', 'event: done\ndata: {}\n\n'];
    const sent = [];
    const fetch = (url, init) => {
      sent.push({ method: init.method, lastEventId: init.headers.get('last-event-id') });
      const body = new TextEncoder().encode(bodies[sent.length - 1]);
      return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    };
    const events = [];
    const h = m.startStream({ url: 'http://x.test/', method: '', fetch, retry: { initialDelayMs: 0 },
      onEvent: (e) => events.push([e.type, e.data, e.lastEventId]) });
    const info = await h.closed;
    const throws = (options) => {
      try {
        m.startStream({ url: 'http://x.test/', ...options }).stop();
        return 'no throw';
      } catch (e) {
        return `${e.kind}: ${e.message}`;
      }
    };
    return {
      events, sent, reason: info.reason, lastEventId: h.lastEventId,
      toStringFormat: throws({ format: 'toString' }),
      latin1Header: throws({ headers: { 'x-name': 'café ok' } }),
      wideHeader: throws({ headers: { 'x-name': '€' } }),
    };
  });
  assert.deepEqual(result.events, [['\ufeffping', 'x', ''], ['message', 'y', '€1'], ['done', '{}', '€1']]);
  // An empty method is the default (GET); the ID goes out as its UTF-8 bytes, as EventSource sends it.
  const utf8Bytes = String.fromCharCode(...new TextEncoder().encode('€1'));
  assert.deepEqual(result.sent, [{ method: 'GET', lastEventId: null }, { method: 'GET', lastEventId: utf8Bytes }]);
  assert.equal(result.reason, 'done');
  assert.equal(result.lastEventId, '€1');
  assert.match(result.toStringFormat, /^invalid-option: .*format must be/);
  assert.equal(result.latin1Header, 'no throw');
  assert.match(result.wideHeader, /^invalid-option: .*ISO-8859-1/);
});

// ---- before the module has loaded ---------------------------------------------------------

test('startStream before init: it streams, bad options close it with the error, stop sends nothing', limit, async (t) => {
  const page = await context.newPage();
  t.after(() => page.close());
  await page.goto(`${files.url}/`);
  const k = key('before-init');
  const result = await page.evaluate(async ([counter, slow]) => {
    const m = await import('/pkg/index.js');
    const loadedAtStart = m.isLoaded();
    const order = [];
    let events = 0;
    const good = m.startStream({ url: new URL(counter), onEvent: () => { events += 1; } });
    const bad = m.startStream({
      url: counter, format: 'xml',
      onError: (e) => order.push(`error:${e.kind}:${e.fatal}`), onClose: (c) => order.push(`close:${c.reason}`),
    });
    const stopped = m.startStream({ url: slow, onClose: (c) => order.push(`stopped:${c.reason}`) });
    stopped.stop();
    const statusAfterStop = stopped.status;
    const [goodInfo, badInfo, stoppedInfo] = await Promise.all([good.closed, bad.closed, stopped.closed]);
    // Once loaded, the same bad options throw at once.
    let thrown = null;
    try {
      m.startStream({ url: counter, format: 'xml' });
    } catch (e) {
      thrown = e.kind;
    }
    return {
      loadedAtStart, events, good: goodInfo.reason, bad: [badInfo.reason, badInfo.error?.kind, /format must be/.test(badInfo.error?.message)],
      order, statusAfterStop, stopped: stoppedInfo.reason, thrown,
    };
  }, [url('/counter?n=3'), url(`/slow?key=${k}`)]);
  assert.deepEqual(result, {
    loadedAtStart: false, events: 4, good: 'done', bad: ['error', 'invalid-option', true],
    // The stream stopped before the module loaded closes at once, inside stop().
    order: ['stopped:stopped', 'error:invalid-option:true', 'close:error'], statusAfterStop: 'closed', stopped: 'stopped',
    thrown: 'invalid-option',
  });
  assert.equal((await serverStats(k)).requests, 0, 'a stream stopped before the module loaded sent a request');
});

test('url takes a URL object, as fetch does', limit, async (t) => {
  const rec = await (await openPage(t)).evaluate((u) => wasmSse.run({ url: new URL(u) }), url('/counter?n=2'));
  assert.equal(rec.info.reason, 'done');
  assert.deepEqual(rec.events.slice(0, 2).map((e) => e.data), ['1', '2']);
  assert.equal(rec.events.length, 3, 'two numbers and done');
  closedCleanly(rec);
});
