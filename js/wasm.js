// The wasm half of the package: loading it, and the calls into it (src/js/exports.rs).
// The module imports nothing; chunks and strings go in through its input buffer, and each
// call leaves its results in the stream's `out` words (eight u32 at the stream's address).

const KIND = ['thought', 'text', 'message', 'error', 'done', 'other'];
const FORMATS = ['auto', 'sse', 'ndjson'];
const ERROR_KIND = ['http', 'content-type', 'network', 'not-resumable'];
// An entry of this kind in a batch is a parse error, not an event (src/js/mod.rs).
const PARSE_ERROR = 7;
const UNPARSED = Symbol('unparsed');
const encoder = new TextEncoder();
// TextDecoder has a fixed cost per call that dominates short texts; ASCII ones (most
// chunks of token streams) are built with String.fromCharCode instead.
// ignoreBOM: a batch that starts with U+FEFF (an event type can) keeps it, or every
// offset after it would be one off.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

let wasm;
let bytes = new Uint8Array(0);
let words = new Uint32Array(0);

/** Loads and instantiates the module once; `source` as `init()` takes it. */
export async function load(source) {
  source = await (source ?? new URL('./wasm/wasm_sse.wasm', import.meta.url));
  if (typeof source === 'string' || source instanceof URL || source instanceof Request) source = await fetch(source);
  if (source instanceof Response) {
    if (!source.ok) throw new Error(`fetching the wasm module failed: HTTP ${source.status} from ${source.url}`);
    source = await source.arrayBuffer();
  }
  const result = await WebAssembly.instantiate(source, {});
  wasm = (result.instance ?? result).exports;
}

/** The module's memory once loaded (the benchmark reads its size). */
export const memory = () => wasm?.memory;

// Views of wasm memory; a call that allocates may grow it, which detaches the old ones.
function views() {
  if (bytes.buffer !== wasm.memory.buffer) {
    bytes = new Uint8Array(wasm.memory.buffer);
    words = new Uint32Array(wasm.memory.buffer);
  }
}

// The module's input buffer: where it is and how large, so that a chunk that fits needs
// no call to ask (it moves only when wsse_input grows it).
let inputAt = 0;
let inputSize = 0;

/** Copies `data` (bytes) into the module's input; returns its length. */
function input(data) {
  if (data.length > inputSize) {
    inputAt = wasm.wsse_input(data.length) >>> 0;
    inputSize = data.length;
  }
  views();
  bytes.set(data, inputAt);
  return data.length;
}

/** A string into the input; -1 for null/undefined ("none"). */
const inputString = (s) => (s == null ? -1 : input(encoder.encode(s)));

function text(at, length, ascii) {
  const view = bytes.subarray(at, at + length);
  return ascii && length <= 512 ? String.fromCharCode.apply(null, view) : utf8.decode(view);
}

/** An `Error` with `kind`, `fatal` and, for HTTP errors, `status` (a StreamError). */
export function streamError(kind, message, fatal, status) {
  const error = new Error(message);
  error.name = 'WasmSseError';
  error.kind = kind;
  error.fatal = fatal;
  if (status !== undefined) error.status = status;
  return error;
}

/**
 * The StreamError for what ended an attempt: `cause` is `{ code, status, arg }` (code
 * as ERROR_KIND indexes it); `failures > 0` wraps it in "gave up after N attempts".
 */
export function causeError({ code, status, arg }, fatal, failures = 0) {
  const at = (wasm.wsse_message(code, status ?? 0, failures, inputString(arg)) >>> 0) / 4;
  views();
  return streamError(ERROR_KIND[code], text(words[at], words[at + 1], false), fatal, code === 0 ? status : undefined);
}

/** Calls a user callback; an exception is reported like a listener's, and the stream goes on. */
export function invoke(callback, arg) {
  if (!callback) return;
  try {
    callback(arg);
  } catch (error) {
    if (typeof reportError === 'function') reportError(error);
    else setTimeout(() => { throw error; });
  }
}

/** A decoded event. `json` is parsed on first use and cached. */
export class WasmSseEvent {
  // UNPARSED until `json` is first read (JSON data), then the parsed value; undefined for
  // data that is not JSON. One private slot instead of two per event.
  #json;
  constructor(kind, type, data, lastEventId, isJson, field) {
    this.kind = KIND[kind];
    this.type = type;
    this.data = data;
    this.lastEventId = lastEventId;
    // Named stores, one shape per kind (a computed key was a megamorphic store per event).
    if (kind <= 2) this.content = field;
    else if (kind === 3) this.error = field;
    else if (kind === 4 && field !== undefined) this.status = field;
    this.#json = isJson ? UNPARSED : undefined;
  }
  get json() {
    if (this.#json === UNPARSED) this.#json = JSON.parse(this.data);
    return this.#json;
  }
  toJSON() {
    return { ...this, json: this.json };
  }
}

/** One stream's decoder and retry policy in wasm. */
export class Core {
  constructor({ format, maxEventBytes, retry, method, lastEventId }) {
    const { maxRetries, initialDelayMs, maxDelayMs, jitter } = retry;
    const idLength = inputString(lastEventId);
    // Addresses come back as i32: `>>> 0` keeps those above 2 GiB positive.
    this.at = wasm.wsse_new(FORMATS.indexOf(format), maxEventBytes, maxRetries, initialDelayMs, maxDelayMs,
      jitter, method === 'GET', idLength) >>> 0;
  }
  free() {
    wasm.wsse_free(this.at);
  }
  /** Whether a response with this content type is read (else: a content-type error). */
  open(contentType) {
    return wasm.wsse_open(this.at, inputString(contentType)) === 1;
  }
  /** Decodes a chunk; bit 1: stop reading (`done`), bit 2: the last event ID changed. */
  feed(chunk) {
    return wasm.wsse_feed(this.at, input(chunk));
  }
  /** How the attempt ended (see wsse_end) → the delay before reconnecting, or a close code < 0. */
  end(how, status, retryAfter) {
    const date = retryAfter == null ? NaN : Date.parse(retryAfter) - Date.now();
    return wasm.wsse_end(this.at, how, status, inputString(retryAfter), date, Math.random());
  }
  /** Failed attempts in a row, after `end`. */
  failures() {
    views();
    return words[this.at / 4 + 6];
  }
  lastEventId() {
    views();
    const at = this.at / 4;
    return text(words[at + 4], words[at + 5], false);
  }
  /**
   * Hands the events of the last call to `onEvent` and its parse errors to `onError`, in
   * order, until `isStopped()`. Returns the number of events delivered. The layout is
   * described at `Batch` in src/js/mod.rs.
   */
  deliver(isStopped, onEvent, onError) {
    views();
    const out = this.at / 4;
    if (words[out + 3] === 0) return 0;
    // Both are read from wasm memory, which a callback starting another stream may grow:
    // decode and copy before the first callback. One event (most chunks of a token stream)
    // is read before its callback runs: no copy.
    const all = text(words[out], words[out + 1], words[out + 7] === 1);
    let meta = words.subarray(words[out + 2] / 4, words[out + 2] / 4 + words[out + 3]);
    if (meta.length > 6) meta = meta.slice();
    let at = 0;
    let type = '';
    let events = 0;
    for (let i = 0; i < meta.length && !isStopped(); i += 6) {
      const kind = meta[i];
      const flags = meta[i + 1];
      if (kind === PARSE_ERROR) {
        invoke(onError, streamError(flags ? 'limit' : 'parse', all.slice(at, meta[i + 2]), false));
        at = meta[i + 2];
        continue;
      }
      if (!(flags & 8)) type = all.slice(at, meta[i + 2]);
      const data = all.slice(meta[i + 2], meta[i + 3]);
      const id = meta[i + 3] === meta[i + 4] ? '' : all.slice(meta[i + 3], meta[i + 4]);
      let field;
      if (flags & 4) {
        field = data.slice(meta[i + 5], meta[i + 5] + (flags >>> 5));
        at = meta[i + 4];
      } else {
        if (flags & 2) field = all.slice(meta[i + 4], meta[i + 5]);
        at = meta[i + 5];
      }
      events += 1;
      if (onEvent) invoke(onEvent, new WasmSseEvent(kind, type, data, id, (flags & 1) !== 0, field));
    }
    return events;
  }
}
