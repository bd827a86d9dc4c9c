// Stands in for js/wasm/wasm_sse.d.ts (which js/index.d.ts imports): the declarations
// wasm-pack writes to pkg/wasm/. "Cannot find module" here: run `make pkg` first.
export * from '../../../pkg/wasm/wasm_sse.js';
