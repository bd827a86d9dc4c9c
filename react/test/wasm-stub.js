// Replaces the wasm-bindgen module under test: the tests inject `start`, so no test may
// load wasm.
export default function initWasm() {
  return Promise.reject(new Error('wasm is not loaded in the React tests: inject `start`'));
}
export function startStream() {
  throw new Error('wasm is not loaded in the React tests: inject `start`');
}
export const startStreamLater = startStream;
