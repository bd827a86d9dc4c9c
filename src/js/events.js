// The JS side of the JS API's hot path (a wasm-bindgen snippet of src/js/api.rs): each
// chunk's events cross from wasm in one batch, and this builds the event objects from it.
// Also the error objects, the guarded callback call and the options reader, which the Rust
// side imports.

const KIND = ['thought', 'text', 'message', 'error', 'done', 'other', 'tool-call'];
const TOOL_CALL = 6;
// An entry of this kind in a batch is a parse error, not an event (Batch in src/js/mod.rs).
const PARSE_ERROR = 7;
const UNPARSED = Symbol('unparsed');
// TextDecoder has a fixed cost per call that dominates short texts; ASCII ones (a token
// stream's chunk at 64-byte reads) are built with String.fromCharCode instead, up to where
// the two cross: about 60 bytes in Chromium 156 (200 B: 1,315 ns against 546 ns per view
// of wasm memory). Above it, apply's argument list costs more than the call.
// ignoreBOM: a batch that starts with U+FEFF (an event type can) keeps it, or every
// offset after it would be one off.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

// Text over 64 KiB (a large event's data, which crosses as its own string, or a batch of
// many events) is decoded in 64 KiB pieces, streaming (a character cut between pieces is
// decoded whole, as one call would): Chromium 156 took 0.87–0.95 ms for one 1 MiB call and
// 0.57–0.78 ms for the pieces joined and sliced (in 2026-12-06's A/B, one call: 0.72×).
const PIECE = 1 << 16;

/** `bytes` (a view of wasm memory) as a string; `ascii`: they are all ASCII. */
export function text(bytes, ascii) {
  if (ascii && bytes.length <= 64) return String.fromCharCode.apply(null, bytes);
  if (bytes.length <= PIECE) return utf8.decode(bytes);
  let all = '';
  for (let at = 0; at < bytes.length; at += PIECE) {
    all += utf8.decode(bytes.subarray(at, at + PIECE), { stream: at + PIECE < bytes.length });
  }
  return all;
}

/** An `Error` with `kind`, `fatal` and, for HTTP errors, `status`: a StreamError. */
export function streamError(kind, message, fatal, status) {
  const error = new Error(message);
  error.name = 'WasmSseError';
  error.kind = kind;
  error.fatal = fatal;
  if (status !== undefined) error.status = status;
  return error;
}

// Each list of names readKeys is given (one of two constant strings), split once.
const NAMES = new Map();

/**
 * The values of `object` under `names` (comma-separated) that are given (neither undefined
 * nor null), each read once as `object[name]`, after a number with a bit set for each name
 * given; or, when it has an own enumerable key not among them, -1 and that key. For
 * startStream's options (src/js/options.rs): one call for all of them, and only the given
 * values cross back, as one array (each value that crossed was a call from wasm). Throws
 * what a getter or a Proxy throws.
 */
export function readKeys(object, names) {
  let known = NAMES.get(names);
  if (known === undefined) NAMES.set(names, (known = names.split(',')));
  for (const key of Object.keys(object)) if (!known.includes(key)) return [-1, key];
  const values = [0];
  for (let i = 0; i < known.length; i++) {
    const value = object[known[i]];
    if (value !== undefined && value !== null) {
      values[0] |= 1 << i;
      values[values.length] = value;
    }
  }
  return values;
}

/**
 * Closes a stream (src/js/api.rs, `JsSink::close`): marks `control` stopped, which
 * `deliver` checks between events; hands `error`, when there is one, to `onError`; then
 * `{ reason, error }` to `onClose` and to `resolve`, the handle's `closed`. One call from
 * wasm for what were seven, three of them with a string decoded.
 */
export function close(control, reason, error, onError, onClose, resolve) {
  control.stopped = true;
  const info = { reason };
  if (error !== undefined) {
    invoke(onError, error);
    info.error = error;
  }
  invoke(onClose, info);
  resolve(info);
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
class WasmSseEvent {
  // UNPARSED until `json` is first read (JSON data), then the parsed value; undefined for
  // data that is not JSON. One private slot instead of two per event.
  #json;
  constructor(kind, type, data, lastEventId, isJson, field, extra) {
    this.kind = KIND[kind];
    this.type = type;
    this.data = data;
    this.lastEventId = lastEventId;
    // Named stores, one shape per kind (a computed key was a megamorphic store per event).
    if (kind <= 2) this.content = field;
    else if (kind === 3) this.error = field;
    else if (kind === TOOL_CALL) {
      this.toolCallId = extra[0];
      this.toolName = extra[1];
      this.argsDelta = field;
    } else if (kind === 4) {
      if (field !== undefined) this.status = field;
      if (extra !== undefined) this.usage = extra;
    }
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

// A batch's numbers, copied out of wasm memory into one array kept from batch to batch (at
// most 512 KiB): a new one per batch (30 KB for a 64 KiB chunk of tokens) cost 5–8 % of a
// token stream in Chromium 156. `copying`: the kept array is in use; a batch delivered
// inside a callback of another (no caller does that today) copies its own.
let kept = new Uint32Array(0);
let copying = false;

/**
 * Hands the events of one batch to `onEvent` and its parse errors to `onError`, in order,
 * until `control.stopped` (a callback may stop the stream). `bytes` and `meta` are views
 * of wasm memory, valid until the first callback; `own` the batch's large data or fields,
 * each already a string (or undefined). Returns the number of events delivered. The layout
 * is described at `Batch` in src/js/mod.rs.
 */
export function deliver(bytes, ascii, meta, own, control, onEvent, onError) {
  // A callback that starts another stream may grow wasm memory, which detaches both
  // views: decode and copy before the first callback. An entry of six numbers (one event,
  // most chunks of a token stream) is read before its callback runs: no copy. More are
  // copied into `kept`.
  const all = text(bytes, ascii);
  const n = meta.length;
  if (n > 6) {
    if (copying || n > 1 << 16) meta = meta.slice();
    else {
      if (kept.length < n) kept = new Uint32Array(2 * n);
      kept.set(meta);
      meta = kept;
      copying = true;
    }
  }
  let at = 0;
  let type = '';
  let events = 0;
  let owned = 0;
  try {
    for (let i = 0; i < n && !control.stopped; i += 6) {
      let extra;
      const kind = meta[i];
      const flags = meta[i + 1];
      if (kind === PARSE_ERROR) {
        invoke(onError, streamError(flags ? 'limit' : 'parse', all.slice(at, meta[i + 2]), false));
        at = meta[i + 2];
        continue;
      }
      if (!(flags & 8)) type = all.slice(at, meta[i + 2]);
      let data;
      let field;
      if ((flags & 36) === 36) {
        // Large data around its field: the field is its own string, and the data is joined
        // around it from the text before and after it (no copy: slicing the field out of a
        // joined string would flatten it).
        field = own[owned++];
        data = all.slice(meta[i + 2], meta[i + 5]) + field + all.slice(meta[i + 5], meta[i + 3]);
      } else {
        data = flags & 32 ? own[owned++] : all.slice(meta[i + 2], meta[i + 3]);
      }
      const id = meta[i + 3] === meta[i + 4] ? '' : all.slice(meta[i + 3], meta[i + 4]);
      if (flags & 4) {
        if (!(flags & 32)) field = data.slice(meta[i + 5], meta[i + 5] + (flags >>> 6));
        at = meta[i + 4];
      } else {
        // (64: a large field of its own, after its data.)
        if (flags & 2) field = flags & 64 ? own[owned++] : all.slice(meta[i + 4], meta[i + 5]);
        at = meta[i + 5];
      }
      // Two more numbers: a tool call's ID and name ends, or a done's token counts (+1).
      if (kind === TOOL_CALL) {
        extra = [all.slice(at, meta[i + 6]), all.slice(meta[i + 6], meta[i + 7])];
        at = meta[i + 7];
        i += 2;
      } else if (flags & 16) {
        extra = {};
        if (meta[i + 6]) extra.inputTokens = meta[i + 6] - 1;
        if (meta[i + 7]) extra.outputTokens = meta[i + 7] - 1;
        i += 2;
      }
      events += 1;
      if (onEvent) invoke(onEvent, new WasmSseEvent(kind, type, data, id, (flags & 1) !== 0, field, extra));
    }
  } finally {
    if (meta === kept) copying = false;
  }
  return events;
}
