// The packed npm package (pkg/wasm-sse.tgz) where users load it: a fresh Vite app built
// with `vite build`, a plain <script type="module"> page, and Node (server rendering),
// where importing must touch no browser global. Run by `make e2e` after `make pkg`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launchChromium, startStatic, startTestServer, stopAll, testServerBinary } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const viteApp = path.join(root, 'e2e/vite-app');
const pkg = path.join(root, 'pkg');

let backend;
let browser;
let files;

async function openWatched() {
  const page = await browser.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(m.text()); });
  return page;
}

async function streamedAnswer(page) {
  try {
    await page.waitForFunction(() => document.getElementById('status').textContent === 'done', null, { timeout: 20_000 });
  } catch (error) {
    throw new Error(`${error.message}; page errors: ${JSON.stringify(page.problems)}`);
  }
  return page.textContent('#answer');
}

const answerFor = async (prompt) => (await fetch(`${backend.url}/agent/answer?prompt=${prompt}`)).text();

before(async () => {
  backend = await startTestServer(testServerBinary(root));
  files = await startStatic();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  files?.server.close();
  await stopAll();
});

test('a fresh Vite app installs the tarball, builds, and streams', async () => {
  const npm = (...args) => execFileSync('npm', args, { cwd: viteApp, stdio: 'pipe' });
  // No lock file: this registry lacks some of rollup's optional platform packages, so a
  // complete lock cannot be written and `npm ci` would refuse it. Vite is pinned exactly.
  npm('install', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error');
  npm('install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', path.join(pkg, 'wasm-sse.tgz'));
  npm('run', 'build');
  const page = await openWatched();
  files.serve('vite', path.join(viteApp, 'dist'));
  await page.goto(`${files.url}/vite/index.html?backend=${encodeURIComponent(backend.url)}`);
  assert.equal(await streamedAnswer(page), await answerFor('vite'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a plain <script type="module"> page loads the package and streams', async () => {
  const page = await openWatched();
  files.serve('pkg', pkg);
  const dir = await mkdtemp(path.join(tmpdir(), 'wasm-sse-plain-'));
  files.serve('plain', dir);
  await writeFile(path.join(dir, 'index.html'), `<!doctype html><pre id="answer"></pre><p id="status"></p>
        <script type="module">
          import init, { startStream } from '/pkg/index.js';
          await init();
          startStream({
            url: ${JSON.stringify(`${backend.url}/agent?prompt=plain&delay_ms=1`)},
            onEvent: (e) => { if (e.kind === 'text') document.getElementById('answer').textContent += e.content; },
            onClose: ({ reason }) => { document.getElementById('status').textContent = reason; },
          });
        </script>`);
  await page.goto(`${files.url}/plain/`);
  assert.equal(await streamedAnswer(page), await answerFor('plain'));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('importing the package on the server touches no browser global', async () => {
  // A fresh server-side app: the tarball and React installed from the registry (npm cache).
  const app = await mkdtemp(path.join(tmpdir(), 'wasm-sse-ssr-'));
  try {
    await writeFile(path.join(app, 'package.json'), '{"private":true,"type":"module"}');
    execFileSync('npm', ['install', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error',
      path.join(pkg, 'wasm-sse.tgz'), 'react@19.3.1'], { cwd: app, stdio: 'pipe' });
    // Any access to a browser global during import throws, and so fails the import.
    await writeFile(path.join(app, 'ssr.mjs'), `
      for (const name of ['window', 'document', 'navigator', 'self', 'location', 'fetch', 'Worker']) {
        Object.defineProperty(globalThis, name, { configurable: true, get() { throw new Error('touched ' + name); } });
      }
      const api = await import('wasm-sse');
      const react = await import('wasm-sse/react');
      console.log(JSON.stringify({ api: Object.keys(api).sort(), react: Object.keys(react).sort(), loaded: api.isLoaded() }));
    `);
    const { api, react, loaded } = JSON.parse(execFileSync('node', ['ssr.mjs'], { cwd: app }).toString());
    assert.deepEqual(api, ['default', 'isLoaded', 'startStream', 'stopStream']);
    assert.deepEqual(react, ['createStreamStore', 'useStream']);
    assert.equal(loaded, false);
  } finally {
    await rm(app, { recursive: true, force: true });
  }
});
