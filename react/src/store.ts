// The framework-free state of one stream for UI code: wraps `startStream`, folds its events
// into immutable snapshots and publishes at most one snapshot per animation frame.
import init, { startStream } from 'wasm-sse';
import type {
  CloseInfo, CloseReason, StreamError, StreamEvent, StreamHandle, StreamOptions, StreamStats, StreamStatus, Usage,
} from 'wasm-sse';

/** A provider's tool call, assembled from its `tool-call` events. */
export interface ToolCall {
  /** The provider's call ID (or `call_N`). */
  readonly id: string;
  readonly name: string;
  /** The arguments' JSON text so far: the call's `argsDelta`s, concatenated. */
  readonly args: string;
  /** `args` parsed, once it parses (the arguments are complete). */
  readonly input?: unknown;
}

/** What a UI renders. Immutable: a change publishes a new object, so `===` tells "changed". */
export interface StreamState {
  /** `idle` before the first `start`, then the status of the latest stream. */
  readonly status: 'idle' | StreamStatus;
  /** Whether the stream is connecting, open or waiting to reconnect. */
  readonly isStreaming: boolean;
  /** The `content` of every `text` event, concatenated exactly (never trimmed). */
  readonly text: string;
  /** The `content` of each `thought` event, in order. */
  readonly thoughts: readonly string[];
  /** The last `maxEvents` events, oldest first. In-band `error` events are only reported here. */
  readonly events: readonly StreamEvent[];
  /** The last error passed to `onError`, fatal or not; `null` until one comes. */
  readonly error: StreamError | null;
  /** The last event ID seen (what a resumed stream would send as `Last-Event-ID`). */
  readonly lastEventId: string;
  /** The stream's counters as of the last published snapshot; `null` before the first. */
  readonly stats: StreamStats | null;
  /** `[text]`, or `[]` while there is no text: the shape of the old `useSSE` hook. */
  readonly messages: readonly string[];
  /** Why the stream closed, once it has. */
  readonly closeReason: CloseReason | null;
  /** The tool calls of the stream, in the order they started (provider protocols). */
  readonly toolCalls: readonly ToolCall[];
  /** The token counts of the `done` event, when the provider reported them; else `null`. */
  readonly usage: Usage | null;
}

/** The options of {@link createStreamStore}: those of `startStream`, plus two of the store's. */
export type StreamStoreOptions = StreamOptions & {
  /** Starts a stream; defaults to `startStream` of wasm-sse. Inject a fake in tests. */
  start?: (options: StreamOptions) => StreamHandle;
  /** How many events `events` keeps, the newest ones (default 1000). Text and thoughts are kept whole. */
  maxEvents?: number;
};

/** The state of one stream at a time, for `useSyncExternalStore` or another UI library. */
export interface StreamStore {
  /** The current snapshot: the same object until something changed. Never reads the stream. */
  getSnapshot(): StreamState;
  /** The idle snapshot, for server rendering and hydration: always the same object. */
  getServerSnapshot(): StreamState;
  /** Calls `listener` after each new snapshot; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Stops the running stream (if one runs), clears text, thoughts, events and error, and starts a new one with `overrides` over the options. */
  start(overrides?: Partial<StreamOptions>): void;
  /** Stops the running stream; the snapshot turns `closed` (reason `stopped`) at once. */
  stop(): void;
  /** Replaces the options the next `start` uses; callbacks take effect at once, also on a running stream. */
  setOptions(options: StreamStoreOptions): void;
  /** Drops every listener and stops the stream. */
  destroy(): void;
}

type Callbacks = Pick<StreamOptions, 'onOpen' | 'onEvent' | 'onRetry' | 'onError' | 'onClose'>;

const IDLE: StreamState = Object.freeze({
  status: 'idle', isStreaming: false, text: '', thoughts: Object.freeze([]), events: Object.freeze([]),
  error: null, lastEventId: '', stats: null, messages: Object.freeze([]), closeReason: null,
  toolCalls: Object.freeze([]), usage: null,
});

// `calls` with the argument pieces of `pending` added: a new object for each call that
// changed (with `input` once its arguments parse), the others kept.
function withCalls(calls: readonly ToolCall[], pending: Map<string, { name: string; args: string }>): readonly ToolCall[] {
  const next = [...calls];
  for (const [id, piece] of pending) {
    const at = next.findIndex((call) => call.id === id);
    const name = at >= 0 ? next[at].name : piece.name;
    const args = (at >= 0 ? next[at].args : '') + piece.args;
    let call: ToolCall = { id, name, args };
    try {
      if (args) call = { id, name, args, input: JSON.parse(args) };
    } catch {
      // Not complete yet.
    }
    if (at >= 0) next[at] = Object.freeze(call);
    else next.push(Object.freeze(call));
  }
  return Object.freeze(next);
}

// One started stream. Callbacks of a run that is no longer current change nothing.
interface Run { handle: StreamHandle | null; callbacks: Partial<StreamOptions> }

/**
 * Creates the store of one stream. Nothing starts until `start()`; in the browser the wasm
 * module starts loading, so that `start()` with bad options throws at once (before the
 * module has loaded, `startStream` reports them through `onError` and `onClose` instead).
 * During server rendering nothing loads.
 */
export function createStreamStore(initialOptions: StreamStoreOptions): StreamStore {
  if (typeof window !== 'undefined' && !initialOptions.start) {
    // A failed load is reported by the stream that needs the module.
    init().catch(() => {});
  }
  let options = initialOptions;
  let state = IDLE;
  let run: Run | null = null;
  const listeners = new Set<() => void>();
  // Events received since the last published snapshot.
  let pendingText = '';
  let pendingThoughts: string[] = [];
  let pendingEvents: StreamEvent[] = [];
  let pendingLastEventId: string | null = null;
  // Argument pieces per call ID since the last snapshot (a new call: its name too).
  let pendingCalls = new Map<string, { name: string; args: string }>();
  let pendingUsage: Usage | null = null;
  let cancelFrame: (() => void) | null = null;

  const maxEvents = () => Math.max(0, options.maxEvents ?? 1000);
  const keepLast = <T>(items: T[], n: number) => (items.length > n ? items.slice(items.length - n) : items);

  // Publishes the pending events and `patch` as one new snapshot, then notifies.
  function publish(patch: Partial<StreamState> = {}) {
    cancelFrame?.();
    cancelFrame = null;
    const text = state.text + pendingText;
    let stats = state.stats;
    try {
      // The only read of the handle: once per published snapshot, never in getSnapshot.
      if (run?.handle) stats = run.handle.stats();
    } catch {
      // A freed handle keeps its last counters.
    }
    state = Object.freeze({
      ...state,
      toolCalls: pendingCalls.size ? withCalls(state.toolCalls, pendingCalls) : state.toolCalls,
      usage: pendingUsage ?? state.usage,
      text,
      messages: text === state.text ? state.messages : Object.freeze([text]),
      thoughts: pendingThoughts.length ? Object.freeze([...state.thoughts, ...pendingThoughts]) : state.thoughts,
      events: pendingEvents.length ? Object.freeze(keepLast([...state.events, ...pendingEvents], maxEvents())) : state.events,
      lastEventId: stats?.lastEventId ?? pendingLastEventId ?? state.lastEventId,
      stats,
      ...patch,
    });
    pendingText = '';
    pendingThoughts = [];
    pendingEvents = [];
    pendingLastEventId = null;
    pendingCalls = new Map();
    pendingUsage = null;
    for (const listener of [...listeners]) listener();
  }

  // At most one publish per animation frame (16 ms timer where there are no frames).
  function schedulePublish() {
    if (cancelFrame) return;
    if (typeof requestAnimationFrame === 'function') {
      const id = requestAnimationFrame(() => publish());
      cancelFrame = () => cancelAnimationFrame(id);
    } else {
      const id = setTimeout(() => publish(), 16);
      cancelFrame = () => clearTimeout(id);
    }
  }

  // The user's callback: the one given to `start`, else the latest from `setOptions`.
  const userCallback = <K extends keyof Callbacks>(own: Run, name: K): Callbacks[K] => own.callbacks[name] ?? options[name];

  function close(own: Run, info: CloseInfo) {
    if (own !== run) return;
    publish({
      status: 'closed', isStreaming: false, closeReason: info.reason, error: info.error ?? state.error,
    });
    run = null;
  }

  function start(overrides: Partial<StreamOptions> = {}) {
    const previous = run;
    run = null; // the old stream's late callbacks must not touch the new state
    previous?.handle?.stop();
    // `start` and `maxEvents` are the store's; the client gets the rest.
    const { start: startFn = startStream, maxEvents: _ownOption, ...base } = options;
    const merged: StreamOptions = { ...base, ...overrides };
    const own: Run = { handle: null, callbacks: overrides };
    run = own;
    pendingText = '';
    pendingThoughts = [];
    pendingEvents = [];
    pendingCalls = new Map();
    pendingUsage = null;
    publish({ ...IDLE, status: 'connecting', isStreaming: true, lastEventId: merged.lastEventId ?? '' });
    const wrapped: StreamOptions = {
      ...merged,
      onOpen(info) {
        if (own !== run) return;
        publish({ status: 'open', isStreaming: true });
        userCallback(own, 'onOpen')?.(info);
      },
      onEvent(event) {
        if (own !== run) return;
        // Bounded between frames too: a burst of events keeps at most 2 × maxEvents.
        if (pendingEvents.length >= 2 * maxEvents()) pendingEvents = keepLast(pendingEvents, maxEvents());
        pendingEvents.push(event);
        if (event.kind === 'text') pendingText += event.content;
        else if (event.kind === 'thought') pendingThoughts.push(event.content);
        else if (event.kind === 'tool-call') {
          const call = pendingCalls.get(event.toolCallId);
          if (call) call.args += event.argsDelta;
          else pendingCalls.set(event.toolCallId, { name: event.toolName, args: event.argsDelta });
        } else if (event.kind === 'done' && event.usage) pendingUsage = Object.freeze({ ...event.usage });
        pendingLastEventId = event.lastEventId;
        schedulePublish();
        userCallback(own, 'onEvent')?.(event);
      },
      onRetry(info) {
        if (own !== run) return;
        publish({ status: 'retrying', isStreaming: true });
        userCallback(own, 'onRetry')?.(info);
      },
      onError(error) {
        if (own !== run) return;
        publish({ error });
        userCallback(own, 'onError')?.(error);
      },
      onClose(info) {
        // onClose comes once per stream: the user gets it even for a replaced stream.
        close(own, info);
        userCallback(own, 'onClose')?.(info);
      },
    };
    try {
      own.handle = startFn(wrapped);
    } catch (error) {
      // Bad options throw once the module is loaded; report them as an unloaded one does.
      if (!(error instanceof Error) || error.name !== 'WasmSseError') throw error;
      wrapped.onError?.(error as StreamError);
      wrapped.onClose?.({ reason: 'error', error: error as StreamError });
    }
  }

  function stop() {
    const own = run;
    if (!own) return;
    own.handle?.stop();
    // The client reports the close itself, maybe later: the UI shows it closed now.
    close(own, { reason: 'stopped' });
  }

  return {
    getSnapshot: () => state,
    getServerSnapshot: () => IDLE,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    start,
    stop,
    setOptions(next) {
      options = next;
    },
    destroy() {
      listeners.clear();
      stop();
    },
  };
}
