// The public types of wasm-sse's entry (index.js, which loads the Rust client that
// wasm-bindgen exports in wasm_sse.js, and forwards to it). No `any`: JSON values are `unknown`. Events are a union discriminated on `kind` (closed:
// precise narrowing) and on `type` (the raw name; an open string for other events, so
// TypeScript narrows it less precisely).
/** Where a stream is in its life. */
export type StreamStatus = 'connecting' | 'open' | 'retrying' | 'closed';

/** Why a stream closed: `done` event, `stop()`/signal, server ended it (204, or end with retry off), fatal error. */
export type CloseReason = 'done' | 'stopped' | 'ended' | 'error';

/** The class of a {@link StreamError}. */
export type StreamErrorKind =
  | 'http' | 'content-type' | 'network' | 'parse' | 'limit' | 'not-resumable' | 'invalid-option'
  /** A provider reported an error in the stream (see {@link Protocol}); the stream is closed, not retried. */
  | 'server'
  /** The wasm module trapped (a bug, or memory ran out); the stream is closed. */
  | 'internal';

/** Errors passed to `onError`, `onRetry` and `closed`; `startStream` throws one for bad options. */
export interface StreamError extends Error {
  readonly name: 'WasmSseError';
  readonly kind: StreamErrorKind;
  /** The HTTP status, for `http` errors. */
  readonly status?: number;
  /** Whether the stream ended because of it. */
  readonly fatal: boolean;
}

interface EventFields {
  /** The raw data, exactly as sent (`data:` lines joined with `\n`). */
  readonly data: string;
  /** The last event ID at dispatch (empty if the server never sent one). */
  readonly lastEventId: string;
  /** `data` parsed as JSON when it is JSON, else `undefined`. Parsed on first access. */
  readonly json: unknown;
}

/** Model reasoning (`event: thought`, or a provider's reasoning delta; `type` is the event's raw name). */
export interface ThoughtEvent extends EventFields { readonly kind: 'thought'; readonly type: string; readonly content: string; }
/** A piece of the answer (`event: text`, or a provider's text delta; `type` is the event's raw name). Tokens are never trimmed. */
export interface TextEvent extends EventFields { readonly kind: 'text'; readonly type: string; readonly content: string; }
/** A message (`event: message`, or no `event:` field). */
export interface MessageStreamEvent extends EventFields { readonly kind: 'message'; readonly type: 'message'; readonly content: string; }
/**
 * An error the server reports in-band (`event: error`): with the `agent` protocol the stream
 * goes on; with a provider protocol it is the provider's message, and the stream then closes
 * with a `server` {@link StreamError} (no reconnect).
 */
export interface ErrorStreamEvent extends EventFields { readonly kind: 'error'; readonly type: string; readonly error: string; }
/**
 * A provider's tool call (provider protocols): one event when a call starts (`argsDelta` may
 * be empty) and one per streamed piece of its arguments. `JSON.parse` of a call's `argsDelta`s,
 * concatenated, is its arguments.
 */
export interface ToolCallEvent extends EventFields {
  readonly kind: 'tool-call';
  readonly type: string;
  /** The provider's call ID, or `call_N` (N: the call's 0-based position in the stream) when it sends none. */
  readonly toolCallId: string;
  readonly toolName: string;
  readonly argsDelta: string;
}
/** Token counts as the provider reported them; a count it did not report is absent. */
export interface Usage { readonly inputTokens?: number; readonly outputTokens?: number; }
/**
 * The end of the answer (`event: done`, or `data: [DONE]` on a message, whose `type` then
 * stays `'message'`). The stream closes after it.
 */
export interface DoneEvent extends EventFields {
  readonly kind: 'done';
  readonly type: string;
  /** The `status` field (agent), or the provider's finish or stop reason. */
  readonly status?: string;
  /** The token counts, when the provider reported them. */
  readonly usage?: Usage;
}
/** Any other event name, in `type`. */
export interface OtherEvent extends EventFields {
  readonly kind: 'other';
  readonly type: string;
}
/**
 * Every event `onEvent` receives. Switch on `kind` for exact types; `type` is the name the
 * server sent (`message` when it sent none).
 */
export type StreamEvent =
  | ThoughtEvent | TextEvent | MessageStreamEvent | ErrorStreamEvent | ToolCallEvent | DoneEvent | OtherEvent;

/**
 * The wire format of the events (apart from the framing, `format`): `agent` is
 * `event: thought/text/message/error/done` with `{"content": …}`; `openai` Chat Completions
 * chunks (and compatible servers: vLLM, llama.cpp, LM Studio, Groq, DeepSeek, OpenRouter);
 * `openai-responses` the Responses API; `anthropic` Messages streaming; `gemini`
 * `streamGenerateContent?alt=sse`; `ollama` `/api/chat` NDJSON; `ai-sdk` the Vercel AI SDK UI
 * message stream v1. `auto` (the default) recognises them from the response headers and the
 * first event, and is `agent` when nothing else matches.
 */
export type Protocol = 'auto' | 'agent' | 'openai' | 'openai-responses' | 'anthropic' | 'gemini' | 'ollama' | 'ai-sdk';

/** Reconnection limits. Backoff doubles from `initialDelayMs` (or the server's `retry:`) up to `maxDelayMs`. */
export interface RetryOptions {
  /** Failed attempts in a row before giving up (default 8). */
  maxRetries?: number;
  /** Default 1000. */
  initialDelayMs?: number;
  /** Default 30000. */
  maxDelayMs?: number;
  /** Full jitter (default true). */
  jitter?: boolean;
}

/** A JSON-serializable body: sent as JSON with `Content-Type: application/json`. */
export type JsonBody = { readonly [key: string]: unknown };

export interface StreamOptions {
  /** The stream's URL: a string or a `URL`, as `fetch` takes it. */
  url: string | URL;
  /** Default GET, or POST when `body` is given. */
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string | JsonBody | Blob | FormData | URLSearchParams | ArrayBuffer | ArrayBufferView;
  credentials?: RequestCredentials;
  signal?: AbortSignal;
  /** Resume after this event ID. */
  lastEventId?: string;
  /** Default 'auto': chosen from the content type. */
  format?: 'auto' | 'sse' | 'ndjson';
  /** Default 'auto': the events' wire format, an agent's or a provider's (see {@link Protocol}). */
  protocol?: Protocol;
  /** `false` turns reconnection off. */
  retry?: false | RetryOptions;
  /** Used instead of the global fetch (auth refresh, proxies, tests); called with the URL as a string. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Limit for one line or event, in bytes (default 16 MiB). Over it: a `limit` error, the event is skipped. */
  maxEventBytes?: number;
  /**
   * How long an open connection may send nothing (no data, no keep-alive comment) before it
   * counts as dropped and is reconnected under the usual rules, in milliseconds; `0` never.
   * Default `'auto'`: once the server has sent two keep-alive comments, three times their
   * interval (at least 5 s); before that, never.
   */
  idleTimeoutMs?: number | 'auto';
  onOpen?: (info: OpenInfo) => void;
  onEvent?: (event: StreamEvent) => void;
  onRetry?: (info: RetryInfo) => void;
  onError?: (error: StreamError) => void;
  /** Called exactly once. */
  onClose?: (info: CloseInfo) => void;
}

export interface OpenInfo { readonly status: number; readonly headers: Headers; readonly attempt: number; }
export interface RetryInfo { readonly attempt: number; readonly delayMs: number; readonly error: StreamError; }
export interface CloseInfo { readonly reason: CloseReason; readonly error?: StreamError; }

/** Counters of a stream. Never holds request headers or body. */
export interface StreamStats {
  readonly bytes: number;
  readonly events: number;
  readonly reconnects: number;
  readonly attempt: number;
  readonly timeOpenMs: number;
  readonly lastEventId: string;
}

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

/** Loads the wasm module once. Optional: the first `startStream` loads it. */
export default function init(source?: WasmSource | Promise<WasmSource>): Promise<void>;
/** Whether `init()` has finished. */
export function isLoaded(): boolean;
/**
 * Starts a stream. Once the module has loaded (`await init()`, or any earlier stream), bad
 * options throw an `invalid-option` StreamError at once. Before that, the stream waits for
 * the module and bad options close it: `onError`, then `onClose` with reason `'error'`.
 */
export function startStream(options: StreamOptions): StreamHandle;
/** Stops a stream (the same as `handle.stop()`). */
export function stopStream(handle: StreamHandle): void;
