//! EventStreamParser::feed: any bytes, cut at fuzzer-chosen offsets, give the same items as
//! the whole input, never panic, and never buffer more than twice the limit (one line being
//! read, one event's data).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sse::sse::EventStreamParser;

fn run(max: usize, chunks: &[&[u8]]) -> (Vec<String>, String) {
    let mut p = EventStreamParser::with_max_event_bytes(max);
    let mut out = Vec::new();
    for chunk in chunks {
        p.feed(chunk);
        // The line being read and the event's data are each bounded by the limit.
        assert!(p.buffered_bytes() <= 2 * max, "buffered {} over twice the limit {max}", p.buffered_bytes());
        while let Some(item) = p.poll() {
            out.push(format!("{item:?}"));
        }
    }
    p.finish();
    (out, p.last_event_id().to_owned())
}

fuzz_target!(|input: &[u8]| {
    let Some((&seed, body)) = input.split_first() else { return };
    let max = 16 + usize::from(seed) * 4;
    let step = usize::from(seed % 17) + 1;
    let whole = run(max, &[body]);
    let chunks: Vec<&[u8]> = body.chunks(step).collect();
    assert_eq!(run(max, &chunks), whole);
});
