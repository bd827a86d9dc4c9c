// A connection attempt's JS side, for client/driver.rs: the request sent, the response's
// status and headers read, and the body read loop, in one call from wasm (`attempt`) where
// the same steps through web-sys were a call each, most with a string decoded on the way,
// and two promises awaited in Rust (docs/performance.md, session 22). What to send, and
// what a status or content type means, is decided in Rust, in the `feed` callback that is
// handed the response. The body read loop: one `await reader.read()` per chunk costs a
// promise, where the same loop in Rust also costs two wasm closures and a task wake-up.
import { isA } from './brand.js';

// The length `feed` is given with the fetch's result (driver.rs, `RESPONSE`).
const RESPONSE = 0xffffffff;

/**
 * One attempt: sends the request (`send`), hands what the fetch resolved to to `feed` (wasm:
 * it checks the response, opens the stream and returns true when its body is not to be
 * read), then reads the body with `feed` (`pump`). Resolves with `pump`'s outcome, 3 when
 * the body was not to be read, 0 when the Rust side went away (`release`) before the
 * response; rejects when the fetch or the body fails.
 */
export async function attempt(custom, url, method, accept, headers, lastEventId, body, credentials, controller, feed, state) {
  const response = await send(custom, url, method, accept, headers, lastEventId, body, credentials, controller);
  if (state.dropped) return 0;
  if (feed(response, RESPONSE)) return 3;
  return pump(response.body, feed, state);
}

/**
 * Sends the request: `custom` (a custom fetch) or, when it is undefined, the global
 * `fetch`, looked up now (windows and workers alike), with `url` and an init of `method`,
 * the headers, `body` and `credentials` when given, and `controller`'s signal. Headers, in
 * this order: `accept` when not empty, `cache-control: no-cache`, then `headers` (name and
 * value after each other, each ended by a line feed, which neither may hold), then
 * `last-event-id` when not empty. Always returns a promise: a fetch that throws rejects it.
 */
function send(custom, url, method, accept, headers, lastEventId, body, credentials, controller) {
  try {
    const sent = new Headers();
    if (accept) sent.set('accept', accept);
    sent.set('cache-control', 'no-cache');
    if (headers) {
      const parts = headers.split('\n');
      for (let i = 0; i + 1 < parts.length; i += 2) sent.set(parts[i], parts[i + 1]);
    }
    if (lastEventId) sent.set('last-event-id', lastEventId);
    const init = { method, signal: controller.signal, headers: sent };
    if (body !== undefined) init.body = body;
    if (credentials !== undefined) init.credentials = credentials;
    return Promise.resolve(custom === undefined ? fetch(url, init) : custom(url, init));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * What the driver reads of what the fetch resolved to: `out[0]` 1 when it is a Response
 * of any realm (brand.js), then `out[1]` its status and `out[2]` 1 when it says it is a
 * Vercel AI SDK UI message stream (`x-vercel-ai-ui-message-stream: v1`, ASCII whitespace
 * around it aside); returns its content type, or undefined.
 */
export function inspect(value, out) {
  out[0] = 0;
  if (!isA(value, 'Response')) return undefined;
  const headers = value.headers;
  out[0] = 1;
  out[1] = value.status;
  out[2] = /^[\t\n\f\r ]*v1[\t\n\f\r ]*$/.test(headers.get('x-vercel-ai-ui-message-stream') ?? '') ? 1 : 0;
  return headers.get('content-type') ?? undefined;
}

/**
 * Reads `body` (a Response's, or null) to its end, handing each chunk and its length to
 * `feed` (wasm; the length saves it a call back to JS), which returns true to stop
 * reading. Resolves with 1 when the body ended (at once when there is none), 2 when feed
 * stopped it, 0 when the Rust side went away (`release`); rejects when the body errors or
 * cannot be read. The reader is kept on `state` for `release`.
 */
async function pump(body, feed, state) {
  if (body === null) return 1;
  const reader = body.getReader();
  state.reader = reader;
  for (;;) {
    const { done, value } = await reader.read();
    if (state.dropped) return 0;
    // Reads so far, for stall detection: its timer looks at the count (driver.rs,
    // `stalled`); a clock read per chunk cost more.
    state.reads = (state.reads || 0) + 1;
    if (done) return 1;
    if (feed(value, value.length)) return 2;
  }
}

/**
 * The Rust side of an attempt is going away: neither the response nor a chunk reaches
 * `feed` after this. With `cancel`, the body's reader is cancelled too (a rejection, from
 * a body that already failed, is dropped here rather than reported as unhandled).
 */
export function release(state, cancel) {
  state.dropped = true;
  if (cancel && state.reader) state.reader.cancel().catch(() => {});
}
