// A/B of built wasm-sse packages below the public API, in headless Chromium: `Core.feed`
// alone and with `deliver` over the 4 MiB LLM-token stream, each package in turn, in
// interleaved rounds in one page (the first three dropped). For optimisation loops:
//   node bench/core-ab.mjs pkg /tmp/other-pkg        (CHUNK=64 ROUNDS=40 to change them)
// Prints min / first quartile / median milliseconds per package.
// Only packages of the old layout have a `Core` (wasm.js, up to the Makefile's OLD_RELEASE):
// the current package decodes inside Rust, with no JS-callable core to time on its own.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const { chromium } = require('playwright-core');
const pkgs = process.argv.slice(2).map((p) => path.resolve(p));
for (const pkg of pkgs) {
  if (!existsSync(path.join(pkg, 'wasm.js'))) {
    console.error(`core-ab: ${pkg} has no wasm.js: only packages of the old layout (index.js + wasm.js + wasm/wasm_sse.wasm, ` +
      'built up to the Makefile\'s OLD_RELEASE, e.g. target/old-pkg) export the `Core` this A/B times. ' +
      'For the current package, compare whole packages with `node bench/run.mjs --old-pkg DIR`.');
    process.exit(2);
  }
}
const ORIGIN = 'http://core-ab.test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(m.text()));
  page.on('pageerror', (e) => console.log('pageerror', e));
  await page.route(`${ORIGIN}/**`, async (route) => {
    const p = new URL(route.request().url()).pathname;
    let file = null;
    const m = p.match(/^\/p(\d+)\/(.*)$/);
    if (m) file = path.join(pkgs[Number(m[1])], m[2]);
    else if (p === '/workloads.js') file = path.join(root, 'bench/page/workloads.js');
    else if (p === '/') return route.fulfill({ body: '<html></html>', contentType: 'text/html' });
    if (!file) return route.fulfill({ status: 404 });
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.wasm') ? 'application/wasm' : 'text/plain';
    route.fulfill({ body: await readFile(file), contentType: type });
  });
  await page.goto(`${ORIGIN}/`);
  const rounds = Number(process.env.ROUNDS ?? 30);
  const out = await page.evaluate(async ({ n, rounds, chunk }) => {
    const { llmTokens } = await import('/workloads.js');
    const { bytes } = llmTokens(4 << 20);
    const chunks = [];
    for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.slice(i, i + chunk));
    const mods = [];
    for (let k = 0; k < n; k++) {
      const m = await import(`/p${k}/wasm.js`);
      await m.load(`/p${k}/wasm/wasm_sse.wasm`);
      mods.push(m);
    }
    const opts = { format: 'sse', maxEventBytes: 1 << 24, retry: { maxRetries: 0, initialDelayMs: 0, maxDelayMs: 0, jitter: false }, method: 'GET', lastEventId: undefined };
    const times = mods.map(() => ({ feed: [], all: [] }));
    const no = () => false;
    let sink = 0;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < n; k++) {
        for (const deliver of [false, true]) {
          const core = new mods[k].Core(opts);
          core.open('text/event-stream');
          const t = performance.now();
          for (const c of chunks) {
            core.feed(c);
            if (deliver) sink += core.deliver(no, (e) => { sink += e.content.length; }, null);
          }
          const dt = performance.now() - t;
          core.free();
          if (round >= 3) times[k][deliver ? 'all' : 'feed'].push(dt);
        }
      }
    }
    const quartiles = (a) => { a.sort((x, y) => x - y); return [0, 0.25, 0.5].map((f) => a[Math.floor(f * a.length)].toFixed(1)).join('/'); };
    return times.map((t) => `feed min/q1/med ${quartiles(t.feed)} ms, feed+deliver ${quartiles(t.all)} ms`);
  }, { n: pkgs.length, rounds, chunk: Number(process.env.CHUNK ?? 65536) });
  out.forEach((line, k) => console.log(`${pkgs[k]}: ${line}`));
} finally {
  await browser.close();
}
