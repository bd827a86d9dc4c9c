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
    // Reads so far, for stall detection: its timer looks at the count (driver.rs,
    // `stalled`); a clock read per chunk cost more.
    state.reads = (state.reads || 0) + 1;
    if (done) return 1;
    if (feed(value, value.length)) return 2;
  }
}
