// The packed package's JS API (pkg/, from `make pkg`) in the three engines users run:
// Chromium, Firefox (Debian's firefox-esr, through geckodriver) and WebKit (WebKitGTK's
// MiniBrowser, through WebKitWebDriver: Safari's engine), driven over W3C WebDriver from Node
// with selenium-webdriver, against the bundled test server. Each engine runs the same
// scenarios; e2e/api.test.mjs has the long list in Chromium.
//
// Every driver, browser and server started here is stopped by PID in `after`, also when a
// test fails. An engine whose driver is not installed fails its tests (make test installs
// all three); WASM_SSE_ENGINES=chromium,firefox picks engines.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Builder } from 'selenium-webdriver';
import { freePort, start, startStatic, startTestServer, stop, stopAll, testServerBinary, waitFor } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const limit = { timeout: 60_000 };

const HEADLESS_CHROMIUM = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** How to start each engine's WebDriver server on `port`, and the session it is asked for. */
const ENGINES = {
  chromium: {
    driver: (port) => ['/usr/bin/chromedriver', [`--port=${port}`]],
    capabilities: { browserName: 'chrome', 'goog:chromeOptions': { binary: '/usr/bin/chromium', args: HEADLESS_CHROMIUM } },
  },
  firefox: {
    driver: (port) => [process.env.GECKODRIVER ?? 'geckodriver', ['--port', String(port), '--host', '127.0.0.1']],
    capabilities: { browserName: 'firefox', 'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'] } },
  },
  // This MiniBrowser has no headless mode ("cannot open display"): it runs in a virtual X
  // server, which xvfb-run starts and stops with the driver's process group.
  webkit: {
    driver: (port) => ['xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`]],
    capabilities: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } },
  },
};
const chosen = (process.env.WASM_SSE_ENGINES ?? 'chromium,firefox,webkit').split(',');

let backend;
let files;

before(async () => {
  backend = await startTestServer(testServerBinary(root));
  files = await startStatic();
  files.serve('pkg', path.join(root, 'pkg'));
  files.serve('engines', path.join(root, 'e2e/engines'));
});

after(async () => {
  files?.server.close();
  await stopAll();
});

const url = (p) => `${backend.url}${p}`;
const key = (name) => `${name}-${Math.floor(Math.random() * 1e9)}`;
const serverStats = async (k) => (await fetch(url(`/stats?key=${k}`))).json();
const answer = async (prompt) => (await fetch(url(`/agent/answer?prompt=${prompt}`))).text();

/** Runs one stream in the engine's page (`wasmSse.run` of e2e/engines/page.js). */
async function run(session, target, options = {}, stopWhen = {}) {
  const rec = await session.executeAsyncScript(
    `const done = arguments[arguments.length - 1];
     wasmSse.run(arguments[0], arguments[1]).then(done, (e) => done({ thrown: String(e && e.stack || e) }));`,
    { url: target, ...options },
    stopWhen,
  );
  assert.equal(rec.thrown, undefined, rec.thrown);
  return rec;
}

/** What holds for every stream: closed once, nothing after it. */
function closedCleanly(rec, what = '') {
  assert.equal(rec.order.filter((c) => c === 'close').length, 1, `${what}: onClose once`);
  assert.equal(rec.order.at(-1), 'close', `${what}: onClose last`);
  assert.equal(rec.callbacksAfterClose, 0, `${what}: a callback after close`);
  assert.equal(rec.status, 'closed', what);
}

/** The scenarios every engine runs: `[name, (session) => Promise]`. */
const SCENARIOS = [
  ['typed events, statuses and the close', async (s) => {
    const rec = await run(s, url('/agent?prompt=engines&delay_ms=1'));
    assert.equal(rec.statusAtStart, 'connecting');
    assert.deepEqual(rec.events.map((e) => e.type), [...Array(3).fill('thought'), ...Array(40).fill('text'), 'done']);
    assert.equal(rec.events.filter((e) => e.kind === 'text').map((e) => e.content).join(''), await answer('engines'));
    assert.deepEqual(rec.opens, [{ status: 200, attempt: 1, contentType: 'text/event-stream' }]);
    assert.equal(rec.reason, 'done');
    assert.equal(rec.stats.events, 44);
    closedCleanly(rec);
  }],
  ['content types', async (s) => {
    const ok = await run(s, url('/content-type?ct=text/event-stream%3B%20charset%3Dutf-8'));
    assert.deepEqual([ok.events[0].data, ok.reason], ['hello', 'done']);
    const refused = await run(s, url('/content-type?ct=text/plain'));
    assert.deepEqual([refused.reason, refused.error.kind, refused.events.length], ['error', 'content-type', 0]);
    closedCleanly(refused);
  }],
  ['NDJSON', async (s) => {
    const rec = await run(s, url('/ndjson?count=4&delay_ms=1'));
    assert.deepEqual(rec.events.map((e) => e.type), ['thought', 'text', 'text', 'text', 'text', 'done']);
    assert.deepEqual(rec.errors.map((e) => [e.kind, e.fatal]), [['parse', false]]);
    assert.equal(rec.reason, 'done');
  }],
  ['UTF-8 split across writes, and a CRLF split', async (s) => {
    const rec = await run(s, url('/utf8-split'));
    assert.equal(rec.events[0].data, 'é€😀');
    assert.equal(rec.events[1].content, '🙂 ok');
    assert.equal(rec.events[2].kind, 'done');
    assert.equal(rec.errors.length, 0);
  }],
  ['a cut stream resumes with Last-Event-ID, every event once', async (s) => {
    const k = key('engine-resume');
    const rec = await run(s, url(`/counter?n=60&drop_every=20&key=${k}`), { retry: { initialDelayMs: 5 } });
    const numbers = rec.events.filter((e) => e.type === 'message').map((e) => Number(e.data));
    assert.deepEqual(numbers, Array.from({ length: 60 }, (_, i) => i + 1));
    assert.equal(rec.reason, 'done');
    // Cut after 20, 40 and 60; the fourth connection only has done to send.
    assert.equal(rec.retries.length, 3);
    assert.deepEqual((await serverStats(k)).lastEventIds, ['20', '40', '60']);
  }],
  ['POST with headers and a JSON body', async (s) => {
    const rec = await run(s, url('/echo'), { headers: { 'x-test-header': 'engine' }, body: { message: 'hi' } });
    const echo = JSON.parse(rec.events[0].data);
    assert.deepEqual([echo.method, echo.body, echo.headers['content-type'], echo.headers['x-test-header']],
      ['POST', '{"message":"hi"}', 'application/json', 'engine']);
  }],
  ['401 is fatal at once, 503 is retried then fatal', async (s) => {
    const refused = await run(s, url('/status/401'));
    assert.deepEqual([refused.reason, refused.error.kind, refused.error.status, refused.retries.length], ['error', 'http', 401, 0]);
    const k = key('engine-503');
    const busy = await run(s, url(`/status/503?key=${k}`), { retry: { maxRetries: 1, initialDelayMs: 5 } });
    assert.deepEqual([busy.reason, busy.error.status, busy.retries.length], ['error', 503, 1]);
    assert.equal((await serverStats(k)).requests, 2);
  }],
  ['stop before the response, mid-body and during the backoff', async (s) => {
    const early = key('engine-stop-early');
    const before = await run(s, url(`/slow?header_delay_ms=1000&key=${early}`), {}, { afterMs: 100 });
    assert.deepEqual([before.reason, before.events.length, before.order], ['stopped', 0, ['close']]);

    const mid = key('engine-stop-mid');
    const body = await run(s, url(`/slow?interval_ms=20&key=${mid}`), {}, { afterEvents: 3 });
    assert.deepEqual([body.reason, body.events.length], ['stopped', 3]);
    closedCleanly(body, 'mid-body');
    await waitFor(async () => (await serverStats(mid)).disconnected >= 1, 'the server to see the client go', 10_000);

    const backoff = key('engine-stop-backoff');
    const waiting = await run(s, url(`/status/503?key=${backoff}`), { retry: { initialDelayMs: 5_000, jitter: false } }, { onRetry: true });
    assert.equal(waiting.reason, 'stopped');
    assert.ok(waiting.elapsedMs < 3_000, `the 5 s backoff was not cancelled: ${waiting.elapsedMs} ms`);
    assert.equal((await serverStats(backoff)).requests, 1);
  }],
];

for (const name of chosen) {
  const engine = ENGINES[name];
  describe(name, () => {
    let driver;
    let session;
    before(async () => {
      const port = await freePort();
      const [command, args] = engine.driver(port);
      if (command.startsWith('/') && !existsSync(command)) throw new Error(`${command} is not installed (make test installs it)`);
      driver = start(command, args);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok, `${name}'s WebDriver server`, 30_000);
      session = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(engine.capabilities).build();
      await session.manage().setTimeouts({ script: 45_000 });
      await session.get(`${files.url}/engines/index.html`);
      await session.executeAsyncScript('const done = arguments[arguments.length - 1]; wasmSse.load().then(() => done(true), (e) => done(String(e)));');
    });
    after(async () => {
      await session?.quit().catch(() => {});
      await stop(driver);
    });
    for (const [scenario, check] of SCENARIOS) test(scenario, limit, () => check(session));
  });
}
