// The package entry: the JS API of wasm-sse. Importing it touches no browser global (safe
// in server rendering); the wasm loads on `init()` or on the first `startStream`.
import initWasm, { startStream as startLoaded } from './wasm/wasm_sse.js';

let loading;
let loaded = false;

/**
 * Loads the wasm module once (later calls return the same promise). Optional: `startStream`
 * loads it itself, but only a loaded module can reject bad options synchronously.
 */
export default function init(moduleOrPath) {
  loading ??= initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).then(() => {
    loaded = true;
  });
  return loading;
}

/** Whether `init()` has finished. */
export function isLoaded() {
  return loaded;
}

/** Starts a stream; see the README for the options. */
export function startStream(options) {
  return loaded ? startLoaded(options) : new PendingHandle(options);
}

/** Stops a stream (the same as `handle.stop()`). */
export function stopStream(handle) {
  handle.stop();
}

const IDLE_STATS = Object.freeze({ bytes: 0, events: 0, reconnects: 0, attempt: 0, timeOpenMs: 0 });

// Stands in for the stream until the module has loaded, then forwards to it. Bad options
// are reported through onError/onClose here, as nothing can throw synchronously any more.
class PendingHandle {
  #real = null;
  #stopped = false;
  #options;
  #resolve;
  constructor(options) {
    this.#options = options;
    this.closed = new Promise((resolve) => { this.#resolve = resolve; });
    init().then(() => this.#start(), (error) => this.#fail(error));
  }
  #start() {
    if (this.#stopped) return;
    try {
      this.#real = startLoaded(this.#options);
    } catch (error) {
      return this.#fail(error);
    }
    this.#real.closed.then(this.#resolve);
  }
  #fail(error) {
    if (this.#stopped) return;
    this.#stopped = true;
    const info = { reason: 'error', error };
    this.#options?.onError?.(error);
    this.#options?.onClose?.(info);
    this.#resolve(info);
  }
  get status() {
    return this.#real ? this.#real.status : this.#stopped ? 'closed' : 'connecting';
  }
  get lastEventId() {
    return this.#real ? this.#real.lastEventId : (this.#options?.lastEventId ?? '');
  }
  stats() {
    return this.#real ? this.#real.stats() : { ...IDLE_STATS, lastEventId: this.lastEventId };
  }
  stop() {
    if (this.#real) return this.#real.stop();
    if (this.#stopped) return;
    this.#stopped = true;
    const info = { reason: 'stopped' };
    this.#options?.onClose?.(info);
    this.#resolve(info);
  }
}
