// In the browser (jsdom) a store starts loading the wasm module when it is created, so that
// a hook's first `start()` gets bad options as a synchronous throw; with an injected
// `start` (tests, other clients) it loads nothing.
import { afterEach, expect, it, vi } from 'vitest';
import { createStreamStore } from '../src/store.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Records what the package entry fetches: the .wasm file, when it loads the module. */
function recordFetches() {
  const urls: string[] = [];
  vi.stubGlobal('fetch', (url: URL | string) => {
    urls.push(String(url));
    return Promise.reject(new Error('no network in the React tests'));
  });
  return urls;
}

it('a store created in the browser starts loading the wasm module', async () => {
  const fetched = recordFetches();
  createStreamStore({ url: '/api/run_sse' });
  await vi.waitFor(() => expect(fetched).toHaveLength(1));
  expect(fetched[0]).toMatch(/wasm_sse_bg\.wasm$/);
});

it('a store with an injected start loads nothing', async () => {
  const fetched = recordFetches();
  createStreamStore({ url: '/api/run_sse', start: () => { throw new Error('not started'); } });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(fetched).toHaveLength(0);
});
