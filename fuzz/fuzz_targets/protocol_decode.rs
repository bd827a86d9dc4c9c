//! The provider decoders (`wasm_sse::protocol`): any bytes, read as an SSE body or NDJSON
//! lines in any protocol, decode without panicking; the same events come out however the
//! body is cut; each event keeps its raw type and data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sse::protocol::{Decoder, Protocol};
use wasm_sse::sse::{EventStreamParser, SseItem};
use wasm_sse::StreamEvent;

const PROTOCOLS: [Protocol; 8] = [
    Protocol::Auto,
    Protocol::Agent,
    Protocol::OpenAi,
    Protocol::OpenAiResponses,
    Protocol::Anthropic,
    Protocol::Gemini,
    Protocol::Ollama,
    Protocol::AiSdk,
];

/// The body as SSE, cut at `cut`, through one decoder.
fn sse(protocol: Protocol, body: &[u8], cut: usize) -> Vec<StreamEvent> {
    let mut parser = EventStreamParser::new();
    let mut decoder = Decoder::new(protocol);
    let mut out = Vec::new();
    for chunk in [&body[..cut], &body[cut..]] {
        parser.feed(chunk);
        while let Some(item) = parser.poll() {
            if let Ok(SseItem::Event(raw)) = item {
                let before = out.len();
                decoder.decode_sse(&raw, |event| out.push(event));
                assert!(out.len() > before, "every event gives at least one typed event");
                for event in &out[before..] {
                    assert_eq!((event.event_type.as_str(), event.data.as_str()), (raw.event_type.as_str(), raw.data.as_str()));
                }
            }
        }
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&which, body)) = input.split_first() else { return };
    let protocol = PROTOCOLS[usize::from(which) % PROTOCOLS.len()];
    let cut = usize::from(which) % (body.len() + 1);
    let whole = sse(protocol, body, body.len());
    assert_eq!(sse(protocol, body, cut), whole, "cut at {cut}");
    // NDJSON: each line, JSON or not.
    let mut decoder = Decoder::new(protocol);
    for line in String::from_utf8_lossy(body).split('\n') {
        let mut n = 0;
        if decoder.decode_ndjson(line, |event| {
            assert_eq!(event.data, line);
            n += 1;
        }).is_some() {
            assert!(n > 0, "a JSON line gives at least one typed event");
        }
    }
});
