// The README's JavaScript and React examples, run as they are written: the one ```js block
// and the one ```jsx block are taken from README.md, pointed at the bundled test server
// instead of `/api/run_sse`, and run in headless Chromium against the packed package
// (pkg/). The React one is bundled with esbuild and the demo's React (www/node_modules).
// Every process started here is stopped by PID in `after`, also when a test fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { build } from 'esbuild';
import { launchChromium, startStatic, startTestServer, stopAll, testServerBinary } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const limit = { timeout: 60_000 };

let backend;
let files;
let browser;
let dir;

before(async () => {
  backend = await startTestServer(testServerBinary(root));
  files = await startStatic();
  files.serve('pkg', path.join(root, 'pkg'));
  dir = await mkdtemp(path.join(tmpdir(), 'wasm-sse-readme-'));
  files.serve('readme', dir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  files?.server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  await stopAll();
});

/** The one fenced block of `lang` in the README; fails when there is not exactly one. */
async function example(lang) {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]);
  assert.equal(blocks.length, 1, `README.md has ${blocks.length} \`\`\`${lang} blocks, the test runs exactly one`);
  assert.ok(blocks[0].includes("'/api/run_sse'"), `the ${lang} example streams from '/api/run_sse'`);
  // The agent endpoint of the test server answers the `message` of the JSON body.
  return blocks[0].replaceAll("'/api/run_sse'", JSON.stringify(`${backend.url}/agent?delay_ms=1`));
}

const answer = async (prompt) => (await fetch(`${backend.url}/agent/answer?prompt=${prompt}`)).text();

/** Opens `page` and waits for `[data-testid=status]` or `#status` to read `done`. */
async function streamed(pageUrl, send) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  try {
    await page.goto(pageUrl);
    if (send) await page.click(send);
    const status = '#status, [data-testid=status]';
    await page.waitForFunction((s) => document.querySelector(s)?.textContent === 'done', status, { timeout: 20_000 })
      .catch((e) => { throw new Error(`${e.message}; page problems: ${JSON.stringify(problems)}`); });
    const text = await page.textContent('#answer, [data-testid=answer]');
    assert.deepEqual(problems, []);
    return text;
  } finally {
    await page.close();
  }
}

test('the README plain JS example streams the answer', limit, async () => {
  const code = (await example('js')).replaceAll("from 'wasm-sse'", "from '/pkg/index.js'");
  await writeFile(path.join(dir, 'plain.html'),
    `<!doctype html><pre id="answer"></pre><p id="status"></p><script type="module">${code}</script>`);
  assert.equal(await streamed(`${files.url}/readme/plain.html`), await answer('hello'));
});

test('the README React example streams the answer', limit, async () => {
  await writeFile(path.join(dir, 'chat.jsx'), await example('jsx'));
  await writeFile(path.join(dir, 'main.jsx'), `import { createRoot } from 'react-dom/client';
import { Chat } from './chat.jsx';
createRoot(document.getElementById('root')).render(<Chat />);`);
  await build({
    entryPoints: [path.join(dir, 'main.jsx')],
    bundle: true,
    format: 'esm',
    jsx: 'automatic',
    outfile: path.join(dir, 'react.js'),
    // The hooks from the package; React from the demo's dependencies.
    alias: { 'wasm-sse/react': path.join(root, 'pkg/react/index.js') },
    nodePaths: [path.join(root, 'www/node_modules')],
    // The package entry is loaded from /pkg/ as it is, so that it finds its glue and wasm
    // next to itself (a bundler would copy them; this test serves them).
    plugins: [{
      name: 'package-entry',
      setup(b) {
        b.onResolve({ filter: /^(wasm-sse|\.\.\/index\.js)$/ }, (args) =>
          args.path === 'wasm-sse' || args.importer.includes(`${path.sep}pkg${path.sep}react${path.sep}`)
            ? { path: '/pkg/index.js', external: true }
            : undefined);
      },
    }],
    logLevel: 'error',
  });
  await writeFile(path.join(dir, 'react.html'), '<!doctype html><div id="root"></div><script type="module" src="./react.js"></script>');
  assert.equal(await streamed(`${files.url}/readme/react.html`, '[data-testid=send]'), await answer('hello'));
});
