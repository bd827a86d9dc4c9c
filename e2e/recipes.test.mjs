// The README's provider recipes, run for real: each ```ts block that exports `POST` (a
// Next.js route handler) is transpiled with esbuild and called in Node the way Next.js
// calls it, with its base-URL env var pointed at the test server, whose providers' own
// paths (/v1/chat/completions, /v1/messages, …) answer with that provider's fixture. A
// recorder in this process stands in front of the server to show what the route sent.
// The AI SDK recipe imports `ai` and `@ai-sdk/openai`, which this repository does not
// install: it is exempt from the run and only checked for its shape.
// Every process started here is stopped by PID in `after`, also when a test fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { transform } from 'esbuild';
import { startRecorder, startTestServer, stopAll, testServerBinary } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'tests/fixtures/protocols');
const KEY = 'secret-e2e-key';
const PROMPT = 'What is the weather in Paris?';

/**
 * What the test server answers on each provider's path (its fixture), and the headers the
 * provider wants the key in (`KEY` stands for the env var's value).
 */
const PROVIDER_PATHS = [
  { path: /^\/v1\/chat\/completions$/, fixture: 'openai', auth: { authorization: `Bearer ${KEY}` } },
  { path: /^\/v1\/responses$/, fixture: 'openai-responses', auth: { authorization: `Bearer ${KEY}` } },
  { path: /^\/v1\/messages$/, fixture: 'anthropic', auth: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' } },
  { path: /^\/v1beta\/models\/[\w.-]+:streamGenerateContent\?alt=sse$/, fixture: 'gemini', auth: { 'x-goog-api-key': KEY } },
  { path: /^\/api\/chat$/, fixture: 'ollama', auth: {} },
];

let backend;
let recorder;
let dir;
const called = new Set(); // the fixtures the recipes' requests got

before(async () => {
  backend = await startTestServer(testServerBinary(root));
  recorder = await startRecorder(backend.url);
  dir = await mkdtemp(path.join(tmpdir(), 'wasm-sse-recipes-'));
});

after(async () => {
  await recorder?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  await stopAll();
});

/** Every ```ts block of the README that exports a `POST` handler. */
async function recipes() {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((code) => /export (async )?function POST\b/.test(code));
}

/** The env var a recipe reads the base URL from, with the default it gives, and its key's env var. */
function settingsOf(code) {
  const base = code.match(/process\.env\.(\w+_BASE_URL) \?\? '([^']+)'/);
  assert.ok(base, `a recipe reads its base URL from an env var with a default:\n${code}`);
  return { baseVar: base[1], baseDefault: new URL(base[2]), keyVar: code.match(/process\.env\.(\w+_API_KEY)/)?.[1] };
}

const runnable = (code) => !/^import .* from '(ai|@ai-sdk\/[\w-]+)';$/m.test(code);

test('the README has a recipe per provider: the five the test server answers, and the AI SDK', async () => {
  const all = await recipes();
  const exempt = all.filter((code) => !runnable(code));
  assert.equal(exempt.length, 1, 'one AI SDK recipe');
  assert.match(exempt[0], /streamText\(/);
  assert.match(exempt[0], /return result\.toUIMessageStreamResponse\(\);/);
  assert.match(exempt[0], /process\.env\.OPENAI_BASE_URL \?\? 'https:\/\/api\.openai\.com\/v1'/);
  assert.equal(all.length - exempt.length, PROVIDER_PATHS.length);
});

// Each recipe runs in a test of its own, in README order; the recorder tells which
// provider path it called, and so which fixture must come back.
for (let index = 0; index < PROVIDER_PATHS.length; index += 1) {
  test(`README recipe ${index + 1}: the route proxies the provider's stream unchanged, the key on the server`, async () => {
    const code = (await recipes()).filter(runnable)[index];
    const { baseVar, baseDefault, keyVar } = settingsOf(code);
    // The provider's own path prefix (`/v1`, `/v1beta`, none) on the test server.
    process.env[baseVar] = recorder.url + baseDefault.pathname.replace(/\/$/, '');
    if (keyVar) process.env[keyVar] = KEY;
    try {
      const { code: js } = await transform(code, { loader: 'ts', format: 'esm' });
      const file = path.join(dir, `recipe-${index}.mjs`);
      await writeFile(file, js);
      const { POST } = await import(pathToFileURL(file).href);
      const seen = recorder.requests.length;

      const response = await POST(new Request('http://127.0.0.1/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: PROMPT }),
      }));

      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(recorder.requests.length, seen + 1, 'one upstream request');
      const upstream = recorder.requests.at(-1);
      const provider = PROVIDER_PATHS.find((p) => p.path.test(upstream.url));
      assert.ok(provider, `the recipe called a provider's path, not ${upstream.url}`);
      called.add(provider.fixture);
      assert.equal(response.status, 200);
      const type = provider.fixture === 'ollama' ? 'application/x-ndjson' : 'text/event-stream';
      assert.equal(response.headers.get('content-type'), type);
      assert.ok(body.equals(await readFile(path.join(fixtures, `${provider.fixture}.txt`))),
        `the body is ${provider.fixture}.txt byte for byte`);

      assert.equal(upstream.method, 'POST');
      for (const [name, value] of Object.entries(provider.auth)) assert.equal(upstream.headers[name], value, name);
      if (!keyVar) assert.equal(upstream.headers.authorization, undefined);
      const sent = JSON.parse(upstream.body);
      assert.ok(JSON.stringify(sent).includes(PROMPT), `the prompt is in the request: ${upstream.body}`);
      // Gemini streams because of the path (`:streamGenerateContent?alt=sse`); the others ask.
      if (provider.fixture !== 'gemini') assert.equal(sent.stream, true);
    } finally {
      delete process.env[baseVar];
      if (keyVar) delete process.env[keyVar];
    }
  });
}

test('the recipes called every provider path once', () => {
  assert.deepEqual([...called].sort(), PROVIDER_PATHS.map((p) => p.fixture).sort());
});
