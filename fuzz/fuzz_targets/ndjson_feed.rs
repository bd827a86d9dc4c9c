//! NdjsonParser::feed: any bytes in any chunking give the same values and errors, and
//! every value it reports is JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sse::ndjson::NdjsonParser;

fn run(max: usize, chunks: &[&[u8]]) -> Vec<String> {
    let mut p = NdjsonParser::with_max_line_bytes(max);
    let mut out = Vec::new();
    let mut drain = |p: &mut NdjsonParser| {
        while let Some(item) = p.poll() {
            if let Ok(event) = &item {
                assert!(event.is_json && wasm_sse::json::is_json(&event.data));
            }
            out.push(format!("{item:?}"));
        }
    };
    for chunk in chunks {
        p.feed(chunk);
        drain(&mut p);
    }
    p.finish();
    drain(&mut p);
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&seed, body)) = input.split_first() else { return };
    let max = 16 + usize::from(seed) * 4;
    let chunks: Vec<&[u8]> = body.chunks(usize::from(seed % 13) + 1).collect();
    assert_eq!(run(max, &chunks), run(max, &[body]));
});
