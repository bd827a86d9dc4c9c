// The body read loop, in JS: one `await reader.read()` per chunk costs a promise, where the
// same loop in Rust also costs two wasm closures and a task wake-up. See client/driver.rs.

/**
 * Reads `reader` to its end, handing each chunk and its length to `feed` (wasm; the length
 * saves it a call back to JS), which returns true to
 * stop reading. Resolves with 1 when the body ended, 2 when feed stopped it, 0 when the
 * Rust side went away (`state.dropped`); rejects when the body errors.
 */
export async function pump(reader, feed, state) {
  for (;;) {
    const { done, value } = await reader.read();
    if (state.dropped) return 0;
    // When bytes last came, for stall detection (read only when its timer fires), on the
    // monotonic clock the Rust side reads too.
    state.at = performance.now();
    if (done) return 1;
    if (feed(value, value.length)) return 2;
  }
}
