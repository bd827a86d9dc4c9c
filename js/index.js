// The package entry: the JS API of wasm-sse. This shell does the I/O (fetch, the body
// reader, timers, AbortController); the wasm module decodes every chunk and decides every
// reconnection (js/wasm.js, src/js). Importing it touches no browser global (safe in
// server rendering); the wasm loads on `init()` or on the first `startStream`.
import { Core, causeError, invoke, load, streamError } from './wasm.js';

const OPTION_KEYS = ['url', 'method', 'headers', 'body', 'credentials', 'signal', 'lastEventId', 'format', 'retry',
  'fetch', 'maxEventBytes', 'onOpen', 'onEvent', 'onRetry', 'onError', 'onClose'];
const RETRY_KEYS = ['maxRetries', 'initialDelayMs', 'maxDelayMs', 'jitter'];
const RETRY_DEFAULTS = { maxRetries: 8, initialDelayMs: 1000, maxDelayMs: 30000, jitter: true };
const RETRY_OFF = { maxRetries: 0, initialDelayMs: 0, maxDelayMs: 0, jitter: false };
const ACCEPT = {
  auto: 'text/event-stream, application/x-ndjson;q=0.9',
  sse: 'text/event-stream',
  ndjson: 'application/x-ndjson, application/jsonl;q=0.9',
};
// What `reader` calls each type in its messages.
const EXPECTED = { string: 'a string', whole: 'a whole number ≥ 0', function: 'a function', boolean: 'true or false' };
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// wsse_end's `how` (src/js/exports.rs).
const FETCH_FAILED = 0;
const BODY_FAILED = 1;
const HTTP = 2;
const CONTENT_TYPE = 3;
const BODY_ENDED = 4;
const STOPPED_AFTER_DONE = 5;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

let loading;
let loaded = false;

/**
 * Loads the wasm module once (later calls return the same promise; after a failure, the
 * next call tries again). Optional: the first `startStream` loads it. `source`: URL or path of the .wasm file, a Response, bytes or a
 * compiled module.
 */
export default function init(source) {
  loading ??= load(source).then(
    () => {
      loaded = true;
    },
    (error) => {
      loading = undefined; // a later call tries again
      throw error;
    },
  );
  return loading;
}

/** Whether `init()` has finished. */
export function isLoaded() {
  return loaded;
}

/** Starts a stream; bad options throw an `invalid-option` StreamError. See the README. */
export function startStream(options) {
  return new StreamHandle(parse(options));
}

/** Stops a stream (the same as `handle.stop()`). */
export function stopStream(handle) {
  handle.stop();
}

/** A running stream. `stop()` (or `stopStream`, or the `signal`) ends it; only onClose fires after. */
class StreamHandle {
  /** Resolves once, when the stream closes, with `{ reason, error? }`. Never rejects. */
  closed;
  #status = 'connecting';
  #stopped = false;
  // Asked by Core.deliver between the events of a chunk (a callback may stop the stream).
  #isStopped = () => this.#stopped;
  #o;
  #resolve;
  #core = null;
  #controller = null;
  #reader = null;
  #wake = null;
  #counts = { bytes: 0, events: 0, reconnects: 0, attempt: 0, timeOpenMs: 0 };
  #openSince = 0;
  // The last event ID, and whether the wasm holds a newer one: read when asked for, not
  // per chunk (at 64 B chunks that decode was a fixed cost per event).
  #lastEventId;
  #idChanged = false;
  #onAbort = () => this.stop();

  constructor(o) {
    this.#o = o;
    this.#lastEventId = o.lastEventId;
    this.closed = new Promise((resolve) => { this.#resolve = resolve; });
    o.signal?.addEventListener('abort', this.#onAbort);
    this.#run();
  }

  /** `'connecting' | 'open' | 'retrying' | 'closed'`. */
  get status() {
    return this.#status;
  }

  /** The last event ID (sent as `Last-Event-ID` on reconnection). */
  get lastEventId() {
    return this.#readId();
  }

  /** Counters: bytes, events, reconnects, attempt, timeOpenMs, lastEventId. */
  stats() {
    const open = this.#openSince ? Date.now() - this.#openSince : 0;
    return { ...this.#counts, timeOpenMs: this.#counts.timeOpenMs + open, lastEventId: this.lastEventId };
  }

  /** Stops the stream: aborts the request, cancels the reader and any reconnect timer. */
  stop() {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#controller?.abort();
    this.#reader?.cancel().catch(() => {});
    this.#wake?.();
    this.#close('stopped');
  }

  async #run() {
    const o = this.#o;
    try {
      await init();
    } catch (error) {
      const message = `wasm-sse could not load its wasm module (${error?.message ?? error}); serve the package's ` +
        'wasm/wasm_sse.wasm with the app, or pass its URL to init()';
      return this.#close('error', streamError('network', message, true));
    }
    if (o.signal?.aborted) return this.stop();
    try {
      await this.#attempts();
    } catch (error) {
      // Only a trap in the wasm module (a bug, or memory ran out) gets here.
      const message = `wasm-sse failed inside its wasm module (${error?.message ?? error}); please report it`;
      this.#close('error', streamError('internal', message, true));
    }
  }

  async #attempts() {
    const o = this.#o;
    if (this.#stopped) return;
    this.#core = new Core(o);
    for (let attempt = 1; ; attempt++) {
      this.#counts.attempt = attempt;
      const [how, cause, status, retryAfter] = await this.#connect(attempt);
      this.#closeOpenTime();
      if (this.#stopped) return;
      const next = this.#core.end(how, status, retryAfter);
      this.#deliver(); // an NDJSON line the body ended without a newline
      if (this.#stopped) return;
      const failures = this.#core.failures();
      const error = () => causeError(cause ?? { code: 2, arg: 'the stream ended' }, next < 0, next === -5 ? failures : 0);
      if (next >= 0) {
        // setTimeout's longest delay; onRetry reports the wait that happens.
        const delayMs = Math.min(next, MAX_TIMEOUT_MS);
        this.#status = 'retrying';
        this.#counts.reconnects += 1;
        invoke(o.onRetry, { attempt: failures, delayMs, error: error() });
        if (this.#stopped || !(await this.#wait(delayMs))) return;
      } else if (next === -1) {
        return this.#close('done');
      } else if (next === -2) {
        return this.#close('ended');
      } else {
        return this.#close('error', next === -4 ? causeError({ code: 3 }, true) : error());
      }
    }
  }

  /** One attempt: resolves with how it ended (wsse_end's `how`) and its cause. */
  async #connect(attempt) {
    const o = this.#o;
    const controller = new AbortController();
    this.#controller = controller;
    let response;
    try {
      response = await (o.fetch ?? fetch)(o.url, this.#request(controller.signal));
      if (!(response instanceof Response)) throw new Error('the custom fetch did not resolve to a Response');
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw error;
      return [FETCH_FAILED, { code: 2, arg: describe(error) }];
    }
    if (this.#stopped) return [];
    const { status, headers } = response;
    // 204 is a 2xx, but it means "do not reconnect" rather than "here is a stream".
    if (status === 204 || status < 200 || status > 299) {
      controller.abort();
      return [HTTP, { code: 0, status }, status, headers.get('retry-after')];
    }
    const contentType = headers.get('content-type');
    if (!this.#core.open(contentType)) {
      controller.abort();
      return [CONTENT_TYPE, { code: 1, arg: contentType }];
    }
    this.#status = 'open';
    this.#openSince = Date.now();
    invoke(o.onOpen, { status, headers, attempt });
    if (this.#stopped) return [];
    if (!response.body) return [BODY_ENDED];
    const reader = response.body.getReader();
    this.#reader = reader;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (this.#stopped) return [];
        if (done) return [BODY_ENDED];
        this.#counts.bytes += value.length;
        const flags = this.#core.feed(value);
        if (flags & 2) this.#idChanged = true;
        this.#deliver();
        if (flags & 1) return [STOPPED_AFTER_DONE];
      }
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw error;
      return [BODY_FAILED, { code: 2, arg: describe(error) }];
    } finally {
      this.#reader = null;
      reader.cancel().catch(() => {});
      controller.abort();
    }
  }

  #deliver() {
    if (this.#stopped) return;
    this.#counts.events += this.#core.deliver(this.#isStopped, this.#o.onEvent, this.#o.onError);
  }

  #request(signal) {
    const o = this.#o;
    const headers = new Headers();
    if (!o.headers.some(([name]) => name.toLowerCase() === 'accept')) headers.set('accept', ACCEPT[o.format]);
    headers.set('cache-control', 'no-cache');
    for (const [name, value] of o.headers) headers.set(name, value);
    // As EventSource sends it: UTF-8 bytes (a header value is a byte string).
    const id = this.lastEventId;
    if (id) headers.set('last-event-id', byteString(id));
    const request = { method: o.method, headers, signal };
    if (o.body !== undefined) request.body = o.body;
    if (o.credentials) request.credentials = o.credentials;
    return request;
  }

  /**
   * Waits out the backoff; the browser coming back online cuts it short, and while it is
   * offline only `online` ends the wait. Resolves false when the stream was stopped.
   */
  #wait(ms) {
    return new Promise((resolve) => {
      const timer = globalThis.navigator?.onLine === false ? 0 : setTimeout(() => this.#wake(true), ms);
      const online = () => this.#wake(true);
      globalThis.addEventListener?.('online', online);
      this.#wake = (go = false) => {
        this.#wake = null;
        clearTimeout(timer);
        globalThis.removeEventListener?.('online', online);
        resolve(go);
      };
    });
  }

  #readId() {
    if (this.#idChanged) {
      this.#idChanged = false;
      this.#lastEventId = this.#core.lastEventId();
    }
    return this.#lastEventId;
  }

  #closeOpenTime() {
    if (this.#openSince) this.#counts.timeOpenMs += Date.now() - this.#openSince;
    this.#openSince = 0;
  }

  /** Fires `onError` (for a fatal error) and `onClose`, and resolves `closed`, exactly once. */
  #close(reason, error) {
    if (this.#status === 'closed') return;
    this.#stopped = true;
    this.#closeOpenTime();
    this.#status = 'closed';
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    this.#readId(); // while the wasm side is alive
    this.#core?.free();
    this.#core = null;
    if (error) invoke(this.#o.onError, error);
    const info = error ? { reason, error } : { reason };
    invoke(this.#o.onClose, info);
    this.#resolve(info);
  }
}

/** `s` as UTF-8 bytes, one char each: what `Headers` takes for a non-ASCII value. */
function byteString(s) {
  const bytes = new TextEncoder().encode(s);
  let out = '';
  // In slices: spreading a long ID into one call would overflow the stack.
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/** The message of a rejection. */
const describe = (error) => (error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error');

const invalid = (message) => streamError('invalid-option', `invalid option: ${message}`, true);

/** Checks the options and returns them normalised; throws an `invalid-option` StreamError. */
function parse(options) {
  if (options === null || typeof options !== 'object') {
    throw invalid('startStream expects an options object, e.g. startStream({ url, onEvent })');
  }
  const read = reader(options, OPTION_KEYS, '');
  const url = read('url', 'string');
  if (url === undefined) throw invalid("url is required: the stream's URL");
  if (url === '') throw invalid("url is empty; pass the stream's URL");
  const format = read('format', 'string') ?? 'auto';
  if (!Object.hasOwn(ACCEPT, format)) throw invalid(`format must be 'auto', 'sse' or 'ndjson', not '${format}'`);
  const credentials = read('credentials', 'string');
  if (credentials !== undefined && !['omit', 'same-origin', 'include'].includes(credentials)) {
    throw invalid("credentials must be 'omit', 'same-origin' or 'include'");
  }
  const maxEventBytes = read('maxEventBytes', 'whole') ?? 16 * 1024 * 1024;
  if (maxEventBytes === 0) throw invalid('maxEventBytes must be at least 1');
  const signal = given(options.signal);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('signal must be an AbortSignal');
  const o = {
    url,
    format,
    credentials,
    maxEventBytes,
    signal,
    headers: parseHeaders(given(options.headers)),
    lastEventId: read('lastEventId', 'string') ?? '',
    retry: parseRetry(given(options.retry)),
  };
  for (const key of ['fetch', 'onOpen', 'onEvent', 'onRetry', 'onError', 'onClose']) o[key] = read(key, 'function');
  o.body = parseBody(given(options.body), o.headers);
  o.method = read('method', 'string')?.toUpperCase() || (o.body === undefined ? 'GET' : 'POST');
  return o;
}

/** `undefined` and `null` mean "not given". */
const given = (value) => value ?? undefined;

/**
 * Typed reads (EXPECTED's types) of an options object, after refusing unknown keys;
 * `prefix` names the object in messages.
 */
function reader(object, known, prefix) {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw invalid(`unknown option ${prefix}${key}; known options are ${known.join(', ')}`);
    }
  }
  return (key, type) => {
    const value = given(object[key]);
    const ok = type === 'whole' ? Number.isSafeInteger(value) && value >= 0 : typeof value === type;
    if (value !== undefined && !ok) throw invalid(`${prefix}${key} must be ${EXPECTED[type]}`);
    return value;
  };
}

/** `[name, value]` pairs, checked: they must not inject headers. */
function parseHeaders(headers) {
  if (headers === undefined) return [];
  if (typeof headers !== 'object') throw invalid('headers must be a plain object or a Headers instance');
  const entries = headers instanceof Headers ? [...headers] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw invalid(`header ${name} must have a string value`);
    if (!HEADER_NAME.test(name)) {
      throw invalid(`header name '${name}' is not a valid HTTP header name; use letters, digits and '-'`);
    }
    if (/[\r\n\0]/.test(value)) {
      throw invalid(`the value of header '${name}' contains a line break or NUL; remove it (it could inject headers)`);
    }
    if (/[^\0-\xff]/.test(value)) {
      throw invalid(`the value of header '${name}' has characters outside ISO-8859-1; encode it (e.g. encodeURIComponent)`);
    }
  }
  return entries;
}

function parseRetry(retry) {
  if (retry === undefined || retry === true) return RETRY_DEFAULTS;
  if (retry === false) return RETRY_OFF;
  if (typeof retry !== 'object') throw invalid('retry must be false or { maxRetries, initialDelayMs, maxDelayMs, jitter }');
  const read = reader(retry, RETRY_KEYS, 'retry.');
  const limits = {};
  for (const key of RETRY_KEYS) limits[key] = read(key, key === 'jitter' ? 'boolean' : 'whole') ?? RETRY_DEFAULTS[key];
  return limits;
}

/**
 * A string is sent as is; a plain object as JSON (with a JSON content type unless one is
 * set); anything else the browser accepts as a body (Blob, FormData, …) is passed through.
 */
function parseBody(body, headers) {
  if (body === undefined || typeof body === 'string') return body;
  const proto = Object.getPrototypeOf(body);
  if (typeof body !== 'object' || (proto !== null && proto !== Object.prototype)) return body;
  let json;
  try {
    json = JSON.stringify(body);
  } catch {
    throw invalid('body could not be serialized as JSON');
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  return json;
}
