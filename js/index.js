// The package entry. The client is Rust (src/client), exported by wasm-bindgen in
// ./wasm_sse.js; this file only loads it lazily and forwards to it. Importing it touches
// no browser global (safe in server rendering); the module loads on `init()` or on the
// first `startStream`. Nothing about a stream is decided here.

let glue; // ./wasm_sse.js once its wasm is instantiated
let loading;

/**
 * Loads the wasm module once (later calls return the same promise; after a failure, the
 * next call tries again). Optional: the first `startStream` loads it. `source`: URL or
 * path of the .wasm file, a Response, bytes or a compiled module.
 */
export default function init(source) {
  loading ??= load(source).then(
    (loaded) => {
      glue = loaded;
    },
    (error) => {
      loading = undefined; // a later call tries again
      throw error;
    },
  );
  return loading;
}

async function load(source) {
  const loaded = await import('./wasm_sse.js');
  source = await (source ?? new URL('./wasm_sse_bg.wasm', import.meta.url));
  if (typeof source === 'string' || source instanceof URL || source instanceof Request) source = await fetch(source);
  if (source instanceof Response && !source.ok) {
    throw new Error(`fetching the wasm module failed: HTTP ${source.status} from ${source.url}`);
  }
  await loaded.default({ module_or_path: source });
  return loaded;
}

/** Whether `init()` has finished. */
export function isLoaded() {
  return glue !== undefined;
}

/**
 * Starts a stream. Once the module has loaded, bad options throw an `invalid-option`
 * error; before, the stream waits for the module and bad options close it with that error.
 */
export function startStream(options) {
  return new StreamHandle(options);
}

/** Stops a stream (the same as `handle.stop()`). */
export function stopStream(handle) {
  handle.stop();
}

/** A running stream: the Rust handle, or the promise of one while the module loads. */
class StreamHandle {
  /** Resolves once, when the stream closes, with `{ reason, error? }`. Never rejects. */
  closed;
  #inner;
  #stopped = false;
  #closeNow = null;
  #lastEventId;

  constructor(options) {
    if (glue) {
      this.#inner = glue.startStream(options);
      this.closed = this.#inner.closed;
      return;
    }
    this.#lastEventId = typeof options?.lastEventId === 'string' ? options.lastEventId : '';
    let stopped;
    this.#closeNow = () => stopped({ reason: 'stopped' });
    this.closed = new Promise((resolve) => {
      stopped = (info) => {
        // Stopped before the module loaded: closed at once, and nothing is started.
        notify(options?.onClose, info);
        resolve(info);
      };
      init().then(
        () => {
          if (this.#stopped) return;
          this.#inner = glue.startStreamLater(options);
          resolve(this.#inner.closed);
        },
        (error) => {
          if (this.#stopped) return;
          this.#stopped = true; // closed: `status` reads 'closed', `stop()` does nothing
          resolve(notLoaded(options, error));
        },
      );
    });
  }

  /** `'connecting' | 'open' | 'retrying' | 'closed'`. */
  get status() {
    return this.#inner?.status ?? (this.#stopped ? 'closed' : 'connecting');
  }

  /** The last event ID (sent as `Last-Event-ID` on reconnection). */
  get lastEventId() {
    return this.#inner?.lastEventId ?? this.#lastEventId;
  }

  /** Counters: bytes, events, reconnects, attempt, timeOpenMs, lastEventId. */
  stats() {
    const none = { bytes: 0, events: 0, reconnects: 0, attempt: 0, timeOpenMs: 0, lastEventId: this.#lastEventId };
    return this.#inner?.stats() ?? none;
  }

  /** Stops the stream: aborts the request, cancels the reader and any reconnect timer. */
  stop() {
    if (this.#inner) return this.#inner.stop();
    if (this.#stopped) return undefined;
    this.#stopped = true;
    return this.#closeNow();
  }
}

/** Closes a stream whose module failed to load (the only close not made in Rust). */
function notLoaded(options, cause) {
  const error = new Error(`wasm-sse could not load its wasm module (${cause?.message ?? cause}); serve the ` +
    "package's wasm_sse_bg.wasm with the app, or pass its URL to init()");
  Object.assign(error, { name: 'WasmSseError', kind: 'network', fatal: true });
  const info = { reason: 'error', error };
  notify(options?.onError, error);
  notify(options?.onClose, info);
  return info;
}

/**
 * Calls a user callback; what it throws is reported like a listener's, and the close goes
 * on. The module's `invoke` (src/js/events.js) does the same once it has loaded.
 */
function notify(callback, arg) {
  try {
    if (typeof callback === 'function') callback(arg);
  } catch (thrown) {
    if (typeof reportError === 'function') reportError(thrown);
    else setTimeout(() => { throw thrown; });
  }
}
