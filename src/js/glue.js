// Builds event objects from one batch (one string + offsets) and hands them to onEvent:
// one crossing of the wasm boundary per chunk instead of one per field. See src/js/mod.rs.

const KIND = ['thought', 'text', 'message', 'error', 'done', 'other'];
// TextDecoder has a fixed cost per call that dominates short texts; ASCII ones (most chunks
// of token streams) are built with String.fromCharCode instead.
const utf8 = new TextDecoder();
const UNPARSED = Symbol('unparsed');

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

/** Calls a user callback; an exception is reported like a listener's, and the stream goes on. */
export function invoke(callback, arg) {
  try {
    callback(arg);
  } catch (error) {
    if (typeof reportError === 'function') reportError(error);
    else setTimeout(() => { throw error; });
  }
}

/**
 * `bytes` is the UTF-8 of one text holding the events' strings (`ascii`: it is all ASCII).
 * meta holds six numbers per event: kind, flags, then the UTF-16 end offsets in `text` of
 * its type, data and last event ID, and a last number for the typed field (content, error
 * message or done status). Each string starts where the previous one ends.
 * flags: 1 data is JSON; 2 has a typed field; 8 the type is the previous event's (and takes
 * no room in `text`); 4 the typed field is a slice of the data: it starts at the last
 * number (an offset into the data) and is flags >>> 5 long; otherwise it is in `text` and
 * the last number is its end.
 */
export function deliverBatch(bytes, ascii, meta, onEvent, control) {
  // Both are views into wasm memory, which a callback calling back in may grow: decode and
  // copy before the first callback.
  const text = ascii && bytes.length <= 512 ? String.fromCharCode.apply(null, bytes) : utf8.decode(bytes);
  // One event (most chunks of a token stream) is read before its callback runs: no copy.
  if (meta.length > 6) meta = meta.slice();
  let at = 0;
  let type = '';
  for (let i = 0; i < meta.length && !control.stopped; i += 6) {
    const kind = meta[i];
    const flags = meta[i + 1];
    if (!(flags & 8)) type = text.slice(at, meta[i + 2]);
    const data = text.slice(meta[i + 2], meta[i + 3]);
    const id = meta[i + 3] === meta[i + 4] ? '' : text.slice(meta[i + 3], meta[i + 4]);
    let field;
    if (flags & 4) {
      field = data.slice(meta[i + 5], meta[i + 5] + (flags >>> 5));
      at = meta[i + 4];
    } else {
      if (flags & 2) field = text.slice(meta[i + 4], meta[i + 5]);
      at = meta[i + 5];
    }
    invoke(onEvent, new WasmSseEvent(kind, type, data, id, (flags & 1) !== 0, field));
  }
}
