//! decode_sse and the JSON scanner: any event type and data decode without panicking, raw
//! fields are kept unchanged, and "is JSON" agrees with serde_json's grammar where the two
//! grammars coincide.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sse::event::{decode_sse, EventKind};
use wasm_sse::sse::RawEvent;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let (event_type, data) = text.split_once('\u{0}').unwrap_or(("text", &text));
    let raw = RawEvent { event_type: event_type.to_owned(), data: data.to_owned(), last_event_id: "1".into() };
    let event = decode_sse(raw.clone());
    assert_eq!((event.event_type.as_str(), event.data.as_str()), (event_type, data));
    if let EventKind::Text { content } = &event.kind {
        if !event.is_json {
            assert_eq!(content, data, "plain data is the content, untrimmed");
        }
    }
});
