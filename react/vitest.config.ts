import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^wasm-sse$/, replacement: here('../js/index.js') },
      // js/index.js imports the wasm-pack output; the tests never start a real stream.
      { find: /^\.\/wasm_sse\.js$/, replacement: here('./test/wasm-stub.js') },
    ],
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.{ts,tsx}'],
  },
});
