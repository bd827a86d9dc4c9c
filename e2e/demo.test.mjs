// End-to-end tests of the Next.js demo (`next build` + `next start`, and `next dev` for
// StrictMode) in headless Chromium, against the bundled test server: the agent, each
// provider's stream shape, and the server as an OpenAI-compatible BACKEND_URL. Run by
// `make e2e`. Every process started here is stopped by PID in `after`, also when a test fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  freePort, launchChromium, start, startRecorder, startTestServer, stop, stopAll, testServerBinary, waitFor,
} from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const www = path.join(root, 'www');
const serverBin = testServerBinary(root);
const fixtures = path.join(root, 'tests/fixtures/protocols');
const PROVIDERS = ['openai', 'openai-responses', 'anthropic', 'gemini', 'ollama', 'ai-sdk'];
const screenshot = process.env.DEMO_SCREENSHOT ?? path.join(root, 'target/demo.png');
// Chromium logs these itself for the responses the 401, drop and backend-down scenarios
// cause on purpose; no page code can prevent them. Every other console error fails a test.
const expectedNetworkNoise = /^Failed to load resource: (net::ERR_INCOMPLETE_CHUNKED_ENCODING|the server responded with a status of (401|503) )/;

const problems = []; // console errors and uncaught exceptions, from every page
let backendPort;
let backend;
let app;
let browser;
const recorders = [];

async function startBackend() {
  return (await startTestServer(serverBin, backendPort)).child;
}

async function startNext(script, port, env = { BACKEND_URL: `${origin(backendPort)}/agent` }) {
  const child = start('npm', ['run', script, '--', '-p', String(port)], {
    cwd: www,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  await waitFor(async () => (await fetch(origin(port))).ok, `next ${script} on ${port}`, 180_000);
  return { child, url: origin(port) };
}

const origin = (port) => `http://127.0.0.1:${port}`;
const backendStats = async (key) => (await fetch(`${origin(backendPort)}/stats?key=${key}`)).json();
const answerFor = async (prompt) =>
  (await fetch(`${origin(backendPort)}/agent/answer?prompt=${encodeURIComponent(prompt)}`)).text();

async function openPage(url, initScript) {
  const page = await browser.newPage();
  if (initScript) await page.addInitScript(initScript);
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expectedNetworkNoise.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'idle');
  // Record every status the badge shows, however briefly.
  await page.evaluate(() => {
    const badge = document.querySelector('[data-testid=status]');
    window.__statuses = [badge.textContent];
    new MutationObserver(() => {
      const now = badge.textContent;
      if (window.__statuses.at(-1) !== now) window.__statuses.push(now);
    }).observe(badge, { childList: true, characterData: true, subtree: true });
  });
  return page;
}

async function send(page, prompt, scenario = 'normal') {
  await page.fill('[data-testid=prompt]', prompt);
  await page.selectOption('[data-testid=scenario]', scenario);
  await page.click('[data-testid=send]');
  return waitFor(async () => (await page.textContent('[data-testid=stream-key]'))?.trim(), 'the stream key', 10_000);
}

const text = (page, id) => page.textContent(`[data-testid=${id}]`);
const closed = (page, ms = 30_000) =>
  page.waitForFunction(() => document.querySelector('[data-testid=status]').textContent === 'closed', null, { timeout: ms });

before(async () => {
  backendPort = await freePort();
  backend = await startBackend();
  app = await startNext('start', await freePort());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.all(recorders.map((r) => r.close()));
  await stopAll();
});

test('a prompt streams thoughts and text progressively, then done closes it', async () => {
  const page = await openPage(app.url);
  const prompt = 'Explain server-sent events';
  await send(page, prompt);
  const lengths = [];
  while ((await text(page, 'status')) !== 'closed') {
    const n = (await text(page, 'answer')).length;
    if (n !== lengths.at(-1)) lengths.push(n);
    await page.waitForTimeout(40);
  }
  assert.ok(lengths.filter((n) => n > 0).length >= 3, `text grew over too few observations: ${lengths}`);
  assert.equal(await text(page, 'answer'), await answerFor(prompt));
  assert.equal(await page.locator('[data-testid=thought]').count(), 3);
  const statuses = await page.evaluate(() => window.__statuses);
  assert.deepEqual(statuses.filter((s) => s !== 'idle'), ['connecting', 'open', 'closed']);
  assert.equal(await text(page, 'stat-events'), '44');
  assert.equal(await text(page, 'stat-last-id'), '43');
  assert.equal(await page.locator('[data-testid=error]').count(), 0);
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
});

test('Stop mid-stream: the text stops growing, status closed, the backend saw the disconnect', async () => {
  const page = await openPage(app.url);
  const key = await send(page, 'a long answer to stop');
  await page.waitForFunction(() => document.querySelector('[data-testid=answer]').textContent.length > 20);
  await page.click('[data-testid=stop]');
  await closed(page);
  const stoppedAt = await text(page, 'answer');
  await page.waitForTimeout(500);
  assert.equal(await text(page, 'answer'), stoppedAt, 'text kept growing after Stop');
  // 10 s: Chromium may drain a cancelled body for up to 5 s before it closes the socket.
  const stats = await waitFor(async () => {
    const s = await backendStats(key);
    return s.disconnected >= 1 && s;
  }, 'the backend to see the disconnect', 10_000);
  assert.equal(stats.completed, 0);
  await page.close();
});

test('a dropped connection resumes with Last-Event-ID: no gap, no duplicated token', async () => {
  const page = await openPage(app.url);
  const prompt = 'resume after a drop';
  const key = await send(page, prompt, 'drop');
  await closed(page);
  assert.equal(await text(page, 'answer'), await answerFor(prompt));
  assert.equal(await text(page, 'stat-reconnects'), '1');
  const stats = await backendStats(key);
  assert.deepEqual(stats.lastEventIds, ['14'], 'the reconnect carried the last event id');
  assert.equal(stats.posts, 2);
  const statuses = await page.evaluate(() => window.__statuses);
  assert.ok(statuses.includes('retrying'), `statuses: ${statuses}`);
  await page.close();
});

test('a 401 backend shows a readable fatal error and is not retried', async () => {
  const page = await openPage(app.url);
  const key = await send(page, 'no token', 'unauthorized');
  await closed(page);
  const error = await text(page, 'error');
  assert.match(error, /401/);
  assert.match(error, /credentials/i);
  assert.equal(await text(page, 'stat-reconnects'), '0');
  assert.equal((await backendStats(key)).requests, 1);
  await page.close();
});

test('backend down: the client retries, then recovers when it comes back', async () => {
  const page = await openPage(app.url);
  await stop(backend);
  const prompt = 'are you back';
  await send(page, prompt);
  await page.waitForFunction(() => document.querySelector('[data-testid=status]').textContent === 'retrying');
  backend = await startBackend();
  await closed(page);
  assert.equal(await text(page, 'answer'), await answerFor(prompt));
  assert.ok(Number(await text(page, 'stat-reconnects')) >= 1);
  assert.equal(await page.locator('[data-testid=error]').count(), 0);
  await page.close();
});

test('the StrictMode dev build opens one stream per Send', async () => {
  const dev = await startNext('dev', await freePort());
  try {
    const page = await openPage(dev.url, () => {
      // Every stream request the page makes, whatever its key: a second stream opened by a
      // double-invoked effect or updater would carry a key of its own, so the backend's
      // count for the key shown could not see it.
      window.__streamRequests = 0;
      const original = window.fetch;
      window.fetch = function (input, init) {
        if (String(input instanceof Request ? input.url : input).includes('/api/run_sse')) window.__streamRequests += 1;
        return original.call(this, input, init);
      };
    });
    const key = await send(page, 'strict mode');
    await closed(page, 60_000);
    const stats = await backendStats(key);
    assert.equal(stats.requests, 1, `requests for one Send: ${JSON.stringify(stats)}`);
    assert.equal(await page.evaluate(() => window.__streamRequests), 1, 'stream requests the page made for one Send');
    await page.close();
  } finally {
    await stop(dev.child);
  }
});

/**
 * What the demo must show for the provider fixture `name`, from the typed events the decoder
 * must produce from it (`tests/fixtures/protocols/{name}.expected.jsonl`).
 */
async function expectedFor(name) {
  const jsonl = await readFile(path.join(fixtures, `${name}.expected.jsonl`), 'utf8');
  const events = jsonl.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const calls = new Map();
  for (const event of events.filter((e) => e.kind === 'tool-call')) {
    const call = calls.get(event.toolCallId) ?? { id: event.toolCallId, name: event.toolName, args: '' };
    call.args += event.argsDelta;
    calls.set(event.toolCallId, call);
  }
  return {
    text: events.filter((e) => e.kind === 'text').map((e) => e.content).join(''),
    thoughts: events.filter((e) => e.kind === 'thought').map((e) => e.content),
    toolCalls: [...calls.values()].map((call) => ({ ...call, input: JSON.stringify(JSON.parse(call.args)) })),
    usage: events.find((e) => e.kind === 'done')?.usage ?? null,
    error: events.find((e) => e.kind === 'error')?.error ?? null,
  };
}

/** What the page shows, in the shape of {@link expectedFor} (`error`: the alert's text). */
function shown(page) {
  return page.evaluate(() => {
    const one = (selector, root = document) => root.querySelector(`[data-testid=${selector}]`)?.textContent ?? null;
    const all = (selector) => [...document.querySelectorAll(`[data-testid=${selector}]`)];
    return {
      text: one('answer'),
      thoughts: all('thought').map((li) => li.textContent),
      toolCalls: all('tool-call').map((li) => ({
        id: one('tool-call-id', li), name: one('tool-call-name', li), args: one('tool-call-args', li),
        input: one('tool-call-input', li),
      })),
      usage: one('usage') === null ? null : { inputTokens: Number(one('usage-input')), outputTokens: Number(one('usage-output')) },
      error: one('error'),
    };
  });
}

/** Sends a prompt with `protocol` chosen and waits for the stream to close. */
async function sendWith(page, protocol, scenario = 'normal') {
  await page.selectOption('[data-testid=protocol]', protocol);
  await send(page, 'What is the weather in Paris and Tokyo?', scenario);
  await closed(page);
}

for (const provider of PROVIDERS) {
  test(`protocol ${provider}: the provider's stream shows its text, thoughts, tool calls and usage`, async () => {
    const page = await openPage(app.url);
    await sendWith(page, provider);
    assert.deepEqual(await shown(page), await expectedFor(provider));
    await page.close();
  });

  test(`protocol ${provider}: an error in the provider's stream shows the provider's message`, async () => {
    const page = await openPage(app.url);
    await sendWith(page, provider, 'provider-error');
    const { error, ...rest } = await expectedFor(`${provider}-error`);
    const { error: alert, ...pageShows } = await shown(page);
    assert.deepEqual(pageShows, rest, 'the text before the error stays');
    assert.match(alert, /^The provider reported an error/);
    assert.ok(alert.includes(error), `the alert ${JSON.stringify(alert)} has the provider's message ${JSON.stringify(error)}`);
    assert.equal(await page.locator('[data-testid=error].error:not(.recovered)').count(), 1, 'shown as fatal');
    await page.close();
  });
}

test('BACKEND_URL an OpenAI-compatible endpoint: protocols openai and auto stream its answer', async () => {
  // The test server's /v1/chat/completions answers with the openai fixture but keeps no
  // record of requests, so a recorder in front of it shows what the demo's route sent.
  const recorder = await startRecorder(origin(backendPort));
  recorders.push(recorder);
  const demo = await startNext('start', await freePort(), {
    BACKEND_URL: `${recorder.url}/v1/chat/completions`,
    BACKEND_API_KEY: 'sk-e2e-secret',
    BACKEND_MODEL: 'e2e-model',
  });
  try {
    const expected = await expectedFor('openai');
    for (const protocol of ['openai', 'auto']) {
      const page = await openPage(demo.url);
      await sendWith(page, protocol);
      assert.deepEqual(await shown(page), expected, `protocol ${protocol}`);
      const html = await page.content();
      assert.ok(!html.includes('sk-e2e-secret'), 'the API key never reaches the page');
      await page.close();
    }
    assert.equal(recorder.requests.length, 2);
    for (const request of recorder.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/v1/chat/completions');
      assert.equal(request.headers.authorization, 'Bearer sk-e2e-secret');
      assert.deepEqual(JSON.parse(request.body), {
        model: 'e2e-model',
        messages: [{ role: 'user', content: 'What is the weather in Paris and Tokyo?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
    }
  } finally {
    await stop(demo.child);
  }
});

test('no console errors or uncaught exceptions on any page', () => {
  assert.deepEqual(problems, []);
});
