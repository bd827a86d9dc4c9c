// The public types of wasm-sse: the declarations wasm-bindgen generates for the API, minus
// its raw `InitOutput` (which is typed with `any`).
export type {
  StreamStatus, CloseReason, StreamErrorKind, StreamError, StreamEvent, ThoughtEvent, TextEvent,
  MessageStreamEvent, ErrorStreamEvent, DoneEvent, OtherEvent, RetryOptions, JsonBody, StreamOptions,
  OpenInfo, RetryInfo, CloseInfo, StreamStats,
} from './wasm/wasm_sse.js';
import type { StreamOptions, StreamStatus, StreamStats, CloseInfo } from './wasm/wasm_sse.js';

/** A running stream. */
export interface StreamHandle {
  readonly status: StreamStatus;
  readonly lastEventId: string;
  /** Resolves once, when the stream closes. Never rejects. */
  readonly closed: Promise<CloseInfo>;
  stats(): StreamStats;
  /** Aborts the request, cancels the reader and any reconnect timer; only onClose fires after. */
  stop(): void;
}

/** What `init` accepts: a URL or path of the .wasm file, a Response, bytes or a compiled module. */
export type WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** Loads the wasm module once. Optional: `startStream` loads it itself. */
export default function init(moduleOrPath?: WasmSource | Promise<WasmSource>): Promise<void>;
/** Whether `init()` has finished. */
export function isLoaded(): boolean;
/**
 * Starts a stream. Once the module is loaded, bad options throw an `invalid-option`
 * StreamError; before that they are reported through `onError` and `onClose`.
 */
export function startStream(options: StreamOptions): StreamHandle;
/** Stops a stream (the same as `handle.stop()`). */
export function stopStream(handle: StreamHandle): void;
