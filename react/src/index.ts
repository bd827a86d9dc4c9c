// wasm-sse/react: React hooks for wasm-sse, on top of a store that works without React.
export { createStreamStore } from './store.js';
export type { StreamState, StreamStore, StreamStoreOptions, ToolCall } from './store.js';
export { useStream } from './useStream.js';
export type { UseStreamOptions, UseStreamResult } from './useStream.js';
