// The Leptos example (examples/leptos-chat, built into its dist/ by
// scripts/build-leptos-example.sh): the crate's Rust API in a Rust front-end, used through
// its page the way a person would, against the bundled test server. Every process started
// here is stopped by PID in `after`, also when a test fails.
//
// The test server's binary: $TESTSERVER_BIN, else target/debug/wasm-sse-testserver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchChromium, startStatic, startTestServer, stopAll, testServerBinary, waitFor } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'examples/leptos-chat/dist');

// A test that hangs fails after this, and `after` still stops everything.
const limit = { timeout: 60_000 };

let backend;
let files;
let browser;

before(async () => {
  assert.ok(existsSync(path.join(dist, 'pkg/leptos_chat_bg.wasm')),
    `${dist} has no build: run bash scripts/build-leptos-example.sh first`);
  backend = await startTestServer(testServerBinary(root));
  files = await startStatic();
  files.serve('leptos', dist);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  files?.server.close();
  await stopAll();
});

/**
 * Every status text the page showed, in order, without repeats. A status that lasts
 * until the next task (a network response, a timer) is seen, so the list is the stream's
 * life as the user saw it.
 */
function recordStatuses() {
  window.statusesSeen = [];
  new MutationObserver(() => {
    const text = document.querySelector('[data-testid="status"]')?.textContent;
    if (text !== undefined && text !== window.statusesSeen.at(-1)) window.statusesSeen.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/** The chat page with `?backend=` and `query` (passed on to /agent), once it is mounted. */
async function openChat(query = '') {
  const page = await browser.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(m.text()); });
  await page.addInitScript(recordStatuses);
  await page.goto(`${files.url}/leptos/index.html?backend=${encodeURIComponent(backend.url)}${query}`);
  await page.getByTestId('send').waitFor();
  return page;
}

async function send(page, prompt) {
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('send').click();
}

async function waitForStatus(page, status, timeout = 20_000) {
  try {
    await page.waitForFunction((s) => document.querySelector('[data-testid="status"]').textContent === s,
      status, { timeout });
  } catch (error) {
    const shown = await page.getByTestId('status').textContent();
    throw new Error(`${error.message}; status "${shown}", page errors: ${JSON.stringify(page.problems)}`);
  }
}

const text = (page, id) => page.getByTestId(id).textContent();
const statusesSeen = (page) => page.evaluate(() => window.statusesSeen);
const answerFor = async (prompt) =>
  (await fetch(`${backend.url}/agent/answer?prompt=${encodeURIComponent(prompt)}`)).text();
const serverStats = async (key) => (await fetch(`${backend.url}/stats?key=${key}`)).json();

test('Send streams the thoughts and the exact answer, then the status is closed', limit, async () => {
  const page = await openChat('&key=leptos-whole');
  const prompt = 'Leptos — ünïcode & "quotes"';
  await send(page, prompt);
  await waitForStatus(page, 'closed');

  assert.equal(await text(page, 'answer'), await answerFor(prompt));
  const thoughts = await page.getByTestId('thoughts').locator('li').allTextContents();
  assert.deepEqual(thoughts, [`Reading the prompt: ${prompt}`, 'Planning a short answer…', 'Writing the answer']);
  assert.equal(await text(page, 'reconnects'), '0');
  assert.equal(await text(page, 'error'), '');
  assert.deepEqual(await statusesSeen(page), ['idle', 'connecting', 'open', 'closed']);
  // The prompt went in the JSON body of one POST.
  assert.equal((await serverStats('leptos-whole')).posts, 1);
  assert.equal(await page.getByTestId('send').isEnabled(), true);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Stop mid-stream: the answer stops growing, the request is aborted, status closed', limit, async () => {
  // 200 ms between events: the whole answer would take about 9 s.
  const page = await openChat('&delay_ms=200&key=leptos-stop');
  const prompt = 'stop me';
  await send(page, prompt);
  await waitFor(async () => (await text(page, 'answer')).length > 0, 'the first tokens', 20_000);
  assert.equal(await text(page, 'status'), 'open');
  await page.getByTestId('stop').click();
  await waitForStatus(page, 'closed', 5_000);

  const stopped = await text(page, 'answer');
  await page.waitForTimeout(1_000); // five more events' worth, had the stream gone on
  assert.equal(await text(page, 'answer'), stopped);
  const whole = await answerFor(prompt);
  assert.ok(stopped.length < whole.length && whole.startsWith(stopped), `"${stopped}" is a cut of "${whole}"`);
  assert.equal(await text(page, 'error'), '');
  assert.deepEqual(await statusesSeen(page), ['idle', 'connecting', 'open', 'closed']);
  // The server saw its client go away: the fetch was aborted, not just no longer read.
  const stats = await waitFor(async () => {
    const s = await serverStats('leptos-stop');
    return s.disconnected === 1 && s;
  }, 'the server to see the disconnect', 10_000);
  assert.equal(stats.completed, 0);
  assert.equal(stats.posts, 1);
  assert.equal(await page.getByTestId('send').isEnabled(), true);
  assert.equal(await page.getByTestId('stop').isEnabled(), false);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a dropped stream is shown retrying, resumes, and counts one reconnect', limit, async () => {
  // The server cuts the first connection after 10 events; the client resumes from the
  // last event ID after its backoff (up to 1 s).
  const page = await openChat('&drop_after=10&drop_once=1&key=leptos-drop');
  const prompt = 'resume';
  await send(page, prompt);
  await waitForStatus(page, 'closed');

  assert.equal(await text(page, 'answer'), await answerFor(prompt)); // nothing lost, nothing twice
  assert.equal(await text(page, 'reconnects'), '1');
  assert.equal(await page.getByTestId('thoughts').locator('li').count(), 3);
  assert.deepEqual(await statusesSeen(page), ['idle', 'connecting', 'open', 'retrying', 'open', 'closed']);
  const stats = await serverStats('leptos-drop');
  assert.equal(stats.posts, 2);
  assert.deepEqual(stats.lastEventIds, ['9']);
  // Chromium reports the cut on its own; nothing else may go wrong.
  assert.deepEqual(page.problems, ['Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING']);
  await page.close();
});

test('without ?backend= the page says how to open it', limit, async () => {
  const page = await browser.newPage();
  await page.goto(`${files.url}/leptos/index.html`);
  await page.getByTestId('send').click();
  await waitFor(async () => (await text(page, 'error')).includes('?backend='), 'the error', 5_000);
  assert.equal(await text(page, 'status'), 'closed');
  await page.close();
});
