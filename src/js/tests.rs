//! The batch layout, read back the way events.js reads it, against the events the
//! parsers produce on their own.

use proptest::prelude::*;

#[path = "../../benches/llm/mod.rs"]
mod llm;

use super::*;
use crate::config::Format;
use crate::event::decode_sse;
use crate::retry::RetryConfig;
use crate::session::Session;
use crate::sse::{EventStreamParser, SseItem};

/// What `deliver` in src/js/events.js builds from a batch: per entry, `Ok((kind, type,
/// data, id, is_json, field))` or `Err((is_limit, message))`.
type Entry = Result<(u32, String, String, String, bool, Option<String>), (bool, String)>;

/// What follows an entry: a tool call's ID and name, or a done's token counts (+1).
#[derive(Debug, Clone, PartialEq)]
enum Extra {
    None,
    Call(String, String),
    Usage(u32, u32),
}

fn read_batch(batch: &Batch) -> Vec<Entry> {
    read_batch_with_extras(batch).into_iter().map(|(entry, _)| entry).collect()
}

fn read_batch_with_extras(batch: &Batch) -> Vec<(Entry, Extra)> {
    let text: Vec<u16> = batch.text.encode_utf16().collect();
    let slice = |from: u32, to: u32| String::from_utf16(&text[from as usize..to as usize]).unwrap();
    let (mut at, mut event_type, mut out) = (0, String::new(), Vec::new());
    let mut own = batch.own.iter();
    let mut i = 0;
    while i < batch.meta.len() {
        let m = &batch.meta[i..];
        i += 6;
        let (kind, flags) = (m[0], m[1]);
        if kind == Batch::PARSE_ERROR {
            out.push((Err((flags == 1, slice(at, m[2]))), Extra::None));
            at = m[2];
            continue;
        }
        if flags & 8 == 0 {
            event_type = slice(at, m[2]);
        }
        let (data, own_field) = match flags & 36 {
            36 => {
                let field = own.next().unwrap().clone();
                ([slice(m[2], m[5]), field.clone(), slice(m[5], m[3])].concat(), Some(field))
            }
            32 => (own.next().unwrap().clone(), None),
            _ => (slice(m[2], m[3]), None),
        };
        let id = slice(m[3], m[4]);
        let field = if flags & 4 != 0 {
            at = m[4];
            own_field.or_else(|| {
                let units: Vec<u16> = data.encode_utf16().collect();
                let (from, n) = (m[5] as usize, (flags >> 6) as usize);
                Some(String::from_utf16(&units[from..from + n]).unwrap())
            })
        } else {
            at = m[5];
            match flags & 66 {
                66 => Some(own.next().unwrap().clone()),
                2 => Some(slice(m[4], m[5])),
                _ => None,
            }
        };
        let extra = if kind == 6 {
            let call = Extra::Call(slice(at, m[6]), slice(m[6], m[7]));
            at = m[7];
            i += 2;
            call
        } else if flags & 16 != 0 {
            i += 2;
            Extra::Usage(m[6], m[7])
        } else {
            Extra::None
        };
        out.push((Ok((kind, event_type.clone(), data, id, flags & 1 != 0, field)), extra));
    }
    out
}

/// The same stream through the parser alone, as entries.
fn expected(stream: &[u8]) -> Vec<Entry> {
    expected_with_limit(stream, 64)
}

/// [`expected`] with another limit on an event's bytes.
fn expected_with_limit(stream: &[u8], max_event_bytes: usize) -> Vec<Entry> {
    let mut parser = EventStreamParser::with_max_event_bytes(max_event_bytes);
    parser.feed(stream);
    let mut out = Vec::new();
    while let Some(item) = parser.poll() {
        match item {
            Ok(SseItem::Event(raw)) => {
                let event = decode_sse(raw);
                let kind = match &event.kind {
                    crate::EventKind::Thought { .. } => 0,
                    crate::EventKind::Text { .. } => 1,
                    crate::EventKind::Message { .. } => 2,
                    crate::EventKind::Error { .. } => 3,
                    crate::EventKind::Done { .. } => 4,
                    _ => 5,
                };
                let field = match &event.kind {
                    crate::EventKind::Error { message } => Some(message.clone()),
                    crate::EventKind::Done { status, .. } => status.clone(),
                    crate::EventKind::Other => None,
                    _ => event.content().map(str::to_owned),
                };
                let done = kind == 4;
                out.push(Ok((kind, event.event_type, event.data, event.last_event_id, event.is_json, field)));
                if done {
                    break;
                }
            }
            Ok(_) => {}
            Err(err) => out.push(Err((matches!(err, ParseError::LimitExceeded { .. }), err.message()))),
        }
    }
    out
}

/// A session of the JS API's batch over an open SSE response, with `max_event_bytes`.
fn sse_session(max_event_bytes: usize) -> Session<Batch> {
    let mut session = Session::new(
        Format::Sse,
        crate::protocol::Protocol::Auto,
        max_event_bytes,
        RetryConfig::default(),
        true,
        "",
        Batch::default(),
    );
    assert!(session.open(Some("text/event-stream"), false));
    session
}

fn through_session(stream: &[u8], cuts: &[usize]) -> Vec<Entry> {
    through_session_with_limit(stream, cuts, 64)
}

fn through_session_with_limit(stream: &[u8], cuts: &[usize], max_event_bytes: usize) -> Vec<Entry> {
    let mut got = Vec::new();
    in_pieces(&mut sse_session(max_event_bytes), stream, cuts, |session| {
        got.extend(read_batch(&session.out))
    });
    got
}

/// Feeds `stream` to `session` in the pieces `cuts` (sorted) make, each into an empty batch,
/// and calls `after` with the session after each piece.
fn in_pieces(
    session: &mut Session<Batch>,
    stream: &[u8],
    cuts: &[usize],
    mut after: impl FnMut(&mut Session<Batch>),
) {
    let mut from = 0;
    for &to in cuts.iter().chain([stream.len()].iter()) {
        let to = to.clamp(from, stream.len());
        session.out.clear();
        session.feed(&stream[from..to]);
        after(session);
        from = to;
    }
}

#[test]
fn typed_fields_repeated_types_errors_and_unicode() {
    let stream = "event: text\ndata: {\"content\":\" Hi\"}\n\nevent: text\ndata: {\"content\":\"é\\n😀\"}\n\n\
                  id: 9\nevent: error\ndata: {\"error\":{\"message\":\"bad\"}}\n\ndata: plain ✓\n\n\
                  event: custom\ndata: [1,2]\n\n"
        .to_owned()
        + "data: "
        + &"x".repeat(80)
        + "\n\nevent: done\ndata: {\"status\":\"ok\"}\n\nevent: text\ndata: late\n\n";
    let got = through_session(stream.as_bytes(), &[]);
    assert_eq!(got, expected(stream.as_bytes()));
    let kinds: Vec<_> = got.iter().map(|e| e.as_ref().map(|e| e.0).map_err(|e| e.0)).collect();
    assert_eq!(kinds, [Ok(1), Ok(1), Ok(3), Ok(2), Ok(5), Err(true), Ok(4)]);
}

fn arb_stream() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("\n".to_owned()),
        "[a-z]{0,6}".prop_map(|t| ["event: ", &t, "\n"].concat()),
        "[ -~é😀]{0,30}".prop_map(|d| ["data: ", &d, "\n"].concat()),
        // Escapes and stray quotes too: a token assembled across chunks is scanned for them
        // with its line end.
        r#"([a-zé "]|\\n|\\"|\\u00e9){0,12}"#.prop_map(|c| ["data: {\"content\":\"", &c, "\"}\n"].concat()),
        "[0-9]{0,3}".prop_map(|i| ["id: ", &i, "\n"].concat()),
        Just(": keep-alive\n".to_owned()),
        Just("event: done\n".to_owned()),
    ];
    prop::collection::vec(line, 0..40).prop_map(|lines| lines.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any stream, cut anywhere: the batches read back as the parser's own events.
    #[test]
    fn batches_read_back_as_the_parsers_events(
        stream in arb_stream(),
        cuts in prop::collection::vec(0usize..2000, 0..6),
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        prop_assert_eq!(through_session(stream.as_bytes(), &cuts), expected(stream.as_bytes()));
    }
}

/// Token streams as agent backends send them, among the events the lane must leave to the
/// fast path or the line rules: escapes to unescape, other kinds, comments, `retry:`, an
/// ID-only event, an ID with NUL, two data lines, `data:` with no space, an ignored field, a
/// line over the 64-byte limit, data that is not exactly the token shape, CRLF endings.
fn arb_token_stream() -> impl Strategy<Value = String> {
    let token = (
        prop::option::of(prop::sample::select(vec!["text", "thought", "message", ""])),
        prop::option::of("[0-9]{1,4}"),
        "[a-z é😀]{0,10}",
        any::<bool>(),
    )
        .prop_map(|(event_type, id, content, crlf)| {
            let mut lines = Vec::new();
            if let Some(t) = event_type {
                lines.push(["event: ", t].concat());
            }
            if let Some(id) = id {
                lines.push(["id: ", &id].concat());
            }
            lines.push(["data: {\"content\":\"", &content, "\"}"].concat());
            let end = if crlf { "\r\n" } else { "\n" };
            lines.iter().map(|line| [line.as_str(), end].concat()).collect::<String>() + end
        });
    let other = prop_oneof![
        r#"([a-z]|\\n|\\"|\\u00e9){0,8}"#
            .prop_map(|c| ["event: text\ndata: {\"content\":\"", &c, "\"}\n\n"].concat()),
        "[a-z]{60,70}".prop_map(|c| ["event: text\ndata: {\"content\":\"", &c, "\"}\n\n"].concat()),
        prop::sample::select(vec![
            "event: done\ndata: {\"status\":\"ok\"}\n\n",
            "event: error\ndata: {\"error\":{\"message\":\"no\"}}\n\n",
            "event: custom\ndata: {\"content\":\"c\"}\n\n",
            ": keep-alive\n",
            "retry: 250\n",
            "id: 77\n\n",
            "id: a\0b\ndata: {\"content\":\"nul\"}\n\n",
            "data: {\"content\":\"a\"}\ndata: more\n\n",
            "data:{\"content\":\"no space\"}\n\n",
            "event: text\nfoo: bar\ndata: {\"content\":\"ignored field\"}\n\n",
            "event: text\ndata: {\"content\":\"x\"} \n\n",
            "event: text\ndata: {\"content\": \"x\"}\n\n",
            "event: text\n: inside\ndata: {\"content\":\"x\"}\n\n",
            "event: text\nid: 9\ndata: {\"content\":\"a\\nb\"}\n\n",
            "data: {\"content\":\"bare cr\"}\r",
        ])
        .prop_map(str::to_owned),
    ];
    let event = prop_oneof![4 => token, 1 => other];
    prop::collection::vec(event, 0..30).prop_map(|events| events.concat())
}

/// Each piece's batch as it crosses (text, numbers, own strings) and the last event ID
/// after it, through a session with the lane on or off; and the events the lane took.
type Crossed = (String, Vec<u32>, Vec<String>, String);

fn crossings(stream: &[u8], cuts: &[usize], lane: bool) -> (Vec<Crossed>, usize) {
    let mut session = sse_session(64);
    session.sse_parser().set_lane(lane);
    let mut got = Vec::new();
    in_pieces(&mut session, stream, cuts, |session| {
        let out = &session.out;
        got.push((out.text.clone(), out.meta.clone(), out.own.clone(), session.last_event_id().to_owned()));
    });
    let taken = session.sse_parser().lane_events();
    (got, taken)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The lane writes the batch the fast path and the decoder write, byte for byte, with
    /// the same last event ID, cut anywhere; and reads back as the parser's own events.
    #[test]
    fn the_lane_writes_what_the_decoder_does(
        stream in arb_token_stream(),
        cuts in prop::collection::vec(0usize..3000, 0..6),
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let (with_lane, _) = crossings(stream.as_bytes(), &cuts, true);
        let (without, none) = crossings(stream.as_bytes(), &cuts, false);
        prop_assert_eq!(none, 0);
        prop_assert_eq!(with_lane, without);
        prop_assert_eq!(through_session(stream.as_bytes(), &cuts), expected(stream.as_bytes()));
    }
}

/// The benchmark's token stream in 64 KiB chunks: the lane takes nine events in ten (the
/// others: each chunk's first, whose line began in the chunk before, and the escaped
/// tokens) and writes the same batches as without it.
#[test]
fn the_lane_takes_a_token_streams_events() {
    let stream = llm::llm_tokens(1 << 20);
    let cuts: Vec<usize> = (1..=stream.len() / 65536).map(|k| k * 65536).collect();
    let (with_lane, taken) = crossings(&stream, &cuts, true);
    let (without, _) = crossings(&stream, &cuts, false);
    let events: usize = with_lane.iter().map(|(_, meta, ..)| meta.len() / 6).sum();
    assert_eq!(with_lane, without);
    assert!(taken * 100 >= events * 85, "{taken} of {events} events in the lane");
    // Events with no `event:` line are `message`s, which go in the lane too.
    let untyped = "data: {\"content\":\"a\"}\n\n".repeat(4);
    let (with_lane, taken) = crossings(untyped.as_bytes(), &[], true);
    assert_eq!((with_lane, taken), (crossings(untyped.as_bytes(), &[], false).0, 3));
}

/// The lane only once the stream is the agent vocabulary: with a provider protocol, named or
/// found by `auto` in the first event, token-shaped events go through the decoder; with
/// `agent` named, from the first event. The same batches either way, also when resuming
/// from an event ID, and for a long token with non-ASCII content (UTF-16 units).
#[test]
fn the_lane_runs_for_the_agent_vocabulary_only() {
    use crate::protocol::Protocol;
    // (After a comment: a stream's first line goes through the line rules, for its BOM.)
    let tokens =
        ": hi\nevent: text\ndata: {\"content\":\"a\"}\n\nevent: text\nid: 4\ndata: {\"content\":\"b\"}\n\n";
    let openai_first = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
    let long = ["event: thought\ndata: {\"content\":\"", &"é😀ab".repeat(30), "\"}\n\n"].concat();
    let run = |protocol: Protocol, last_event_id: &str, stream: &str, lane: bool| {
        let mut session = Session::new(
            Format::Sse,
            protocol,
            4096,
            RetryConfig::default(),
            true,
            last_event_id,
            Batch::default(),
        );
        assert!(session.open(Some("text/event-stream"), false));
        session.sse_parser().set_lane(lane);
        session.feed(stream.as_bytes());
        let out = &session.out;
        let crossed =
            (out.text.clone(), out.meta.clone(), out.own.clone(), session.last_event_id().to_owned());
        (crossed, session.sse_parser().lane_events())
    };
    let cases = [
        (Protocol::OpenAi, "", tokens.to_owned(), 0),
        (Protocol::Auto, "", [": hi\n", openai_first, tokens].concat(), 0),
        (Protocol::Agent, "", tokens.to_owned(), 2),
        (Protocol::Auto, "", tokens.to_owned(), 1),
        (Protocol::Auto, "7", [tokens, "data: {\"content\":\"c\"}\n\n"].concat(), 2),
        (Protocol::Agent, "", [tokens, &long].concat(), 3),
    ];
    for (protocol, last_event_id, stream, taken) in cases {
        let (with_lane, got) = run(protocol, last_event_id, &stream, true);
        let (without, _) = run(protocol, last_event_id, &stream, false);
        assert_eq!((&with_lane, got), (&without, taken), "{protocol:?} {stream:?}");
    }
}

/// The Rust client's output (owned events, through `Output::token`'s default) and last
/// event ID, with the lane as without it.
fn owned_events(
    stream: &[u8],
    lane: bool,
) -> (Vec<Result<crate::event::StreamEvent, crate::error::StreamError>>, String) {
    let mut session = Session::new(
        Format::Sse,
        crate::protocol::Protocol::Auto,
        64,
        RetryConfig::default(),
        true,
        "",
        Vec::new(),
    );
    assert!(session.open(Some("text/event-stream"), false));
    session.sse_parser().set_lane(lane);
    for piece in stream.chunks(700) {
        session.feed(piece);
    }
    let id = session.last_event_id().to_owned();
    (session.out, id)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_lane_gives_the_rust_output_the_same_events(stream in arb_token_stream()) {
        prop_assert_eq!(owned_events(stream.as_bytes(), true), owned_events(stream.as_bytes(), false));
    }
}

#[test]
fn large_data_crosses_as_its_own_string_or_around_its_field() {
    // Tokens and plain data of OWN_STRING bytes and more, with non-ASCII text at both ends
    // of the content and around it, beside small events; whole, and cut inside the large
    // lines (they are then assembled across chunks and taken as the data buffer).
    let big = "é".to_owned() + &"lorem ipsum ".repeat(OWN_STRING / 12 + 1) + "😀";
    // All ASCII: a line assembled from it is known valid from its scans and taken unchecked.
    let ascii = "lorem ipsum ".repeat(OWN_STRING / 12 + 1);
    let stream = [
        "event: text\ndata: {\"content\":\" Hi\"}\n\n",
        &["event: text\ndata: {\"content\":\"", &big, "\"}\n\n"].concat(),
        &["data: ", &big, "\n\n"].concat(),
        &["event: text\nid: ü\ndata: {\"content\":\"", &big, "\", \"é\":1}\n\n"].concat(),
        &["data: first\ndata: ", &big, "\n\n"].concat(),
        &["event: text\ndata: {\"content\":\"", &ascii, "\"}\n\n"].concat(),
        // A small content inside large data: the data crosses whole, the content in `text`.
        &["event: text\ndata: {\"content\":\"é\",\"pad\":\"", &big, "\"}\n\n"].concat(),
        // An escape, and a raw tab (not a JSON string), far into a large token's content:
        // past the scan of its line's first piece.
        &["event: text\ndata: {\"content\":\"", &ascii, "\\n", &ascii, "\"}\n\n"].concat(),
        &["event: text\ndata: {\"content\":\"", &ascii, "\t", &ascii, "\"}\n\n"].concat(),
        "event: text\ndata: {\"content\":\"after\"}\n\n",
    ]
    .concat();
    let want = expected_with_limit(stream.as_bytes(), 1 << 20);
    assert_eq!(want.len(), 10);
    // As a network would cut it too: every 64 KiB.
    let every: Vec<usize> = (1..stream.len() / 65_536 + 1).map(|k| k * 65_536).collect();
    for cuts in [
        &[][..],
        &[40, 100, 70_000, 70_010, 140_000, 200_000, 250_000, 280_000, 470_000, 600_000],
        &[30_000, 60_000, 90_000],
        &every,
    ] {
        let mut session = sse_session(1 << 20);
        let mut got = Vec::new();
        let (mut own, mut around) = (0, 0);
        let mut from = 0;
        for &to in cuts.iter().chain([stream.len()].iter()) {
            session.out.clear();
            session.feed(&stream.as_bytes()[from..to]);
            own += session.out.own.len();
            // (No tool call or usage here: six numbers an entry.)
            around += session.out.meta.chunks(6).filter(|m| m[1] & 36 == 36).count();
            got.extend(read_batch(&session.out));
            from = to;
        }
        assert_eq!(got, want, "cut at {cuts:?}");
        assert_eq!(own, 9, "the eight large data and the unescaped large content crossed on their own");
        // Six as their typed field (the content, or the data itself where it is no JSON
        // string: a message, the raw tab), the data joined around it; not the small content
        // in large data, nor the escaped content (unescaped, it is no slice of the data).
        assert_eq!(around, 6, "the large fields crossed on their own");
        // Nor did the batch's text make room for them.
        assert!(session.out.text.capacity() < OWN_STRING, "{}", session.out.text.capacity());
    }
}

#[test]
fn a_large_tool_call_crosses_as_its_own_string_with_its_id_and_name_after_it() {
    // A tool call (kind 6: two more numbers) whose chunk is OWN_STRING bytes or more, its
    // arguments plain (a slice of the data: they cross on their own, the data joined
    // around them) or escaped (in `text`).
    let plain = "lorem ipsum ".repeat(OWN_STRING / 12 + 1);
    let escaped = r#"{\"q\":\""#.to_owned() + &plain + r#"\"}"#;
    let head = r#"{"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"#;
    let first =
        [head, r#""id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}"#].concat();
    let more = |args: &str| [head, r#""function":{"arguments":""#, args, r#""}}]}}]}"#].concat();
    let (plain_chunk, escaped_chunk) = (more(&plain), more(&escaped));
    let stream =
        [&first, &plain_chunk, &escaped_chunk, "[DONE]"].map(|d| ["data: ", d, "\n\n"].concat()).concat();
    let args = [String::new(), plain.clone(), ["{\"q\":\"", &plain, "\"}"].concat()];
    for cut in [stream.len(), 1000, 40_000] {
        let mut session = sse_session(1 << 20);
        let mut calls = Vec::new();
        for chunk in stream.as_bytes().chunks(cut) {
            session.out.clear();
            session.feed(chunk);
            for (entry, extra) in read_batch_with_extras(&session.out) {
                let (kind, _, data, _, _, field) = entry.unwrap();
                if kind == 6 {
                    calls.push((data, field.unwrap(), extra));
                }
            }
        }
        let want: Vec<_> = [&first, &plain_chunk, &escaped_chunk]
            .into_iter()
            .zip(&args)
            .map(|(data, args)| (data.clone(), args.clone(), Extra::Call("call_1".into(), "f".into())))
            .collect();
        assert_eq!(calls, want, "in chunks of {cut}");
    }
}

#[test]
fn the_batch_knows_when_its_text_is_ascii() {
    let mut session = sse_session(64);
    session.feed(b"data: plain\n\n");
    assert!(session.out.is_ascii());
    session.feed("data: caf\u{e9}\n\n".as_bytes());
    assert!(!session.out.is_ascii(), "UTF-16 offsets differ from byte offsets");
}

#[test]
fn a_batch_does_not_keep_the_capacity_of_a_large_field_in_its_text() {
    // An escaped content just under OWN_STRING once unescaped is copied into the text.
    let content = "ab\\n".repeat(OWN_STRING / 3 - 1000);
    let stream = ["event: text\ndata: {\"content\":\"", &content, "\"}\n\n"].concat();
    let mut session = sse_session(1 << 20);
    session.feed(b"event: text\ndata: {\"content\":\"small\"}\n\n");
    for fed in 1..=3 {
        session.feed(stream.as_bytes());
        // The data (over OWN_STRING) crossed on its own; the field went through the text.
        assert_eq!(session.out.own.len(), fed);
    }
    assert!(session.out.text.capacity() > 2 * OWN_STRING, "three such fields in one batch");
    session.out.clear();
    session.feed(b"event: text\ndata: {\"content\":\"small\"}\n\n");
    assert!(session.out.text.capacity() < OWN_STRING, "{}", session.out.text.capacity());
}

/// Not a check but a profiling target (`#[ignore]`d): the npm wasm's decoding path, natively,
/// over the browser benchmark's LLM-token stream (75,638 events, 4 MiB) in 64 KiB chunks,
/// five times. docs/performance.md ("Where the time goes") has the callgrind command and its figures.
#[test]
#[ignore]
fn profile_llm_tokens() {
    profile(&llm::llm_tokens(4 << 20), 75_638);
}

/// As [`profile_llm_tokens`], over the browser benchmark's OpenAI Chat Completions stream
/// (15,558 chunks of the same tokens and `[DONE]`, 4 MiB), which `auto` reads as `openai`.
#[test]
#[ignore]
fn profile_openai_tokens() {
    profile(&llm::openai_tokens(4 << 20), 15_559);
}

/// Five passes of `stream` through the batch in 64 KiB chunks; it has `events` events.
fn profile(stream: &[u8], events: usize) {
    let mut n = 0;
    for _ in 0..5 {
        let mut session = sse_session(1 << 24);
        for chunk in stream.chunks(65536) {
            session.out.clear();
            session.feed(chunk);
            n += session.out.meta.len() / 6;
        }
    }
    assert_eq!(n, 5 * events, "the benchmark stream's events");
}

/// The provider fixtures (tests/fixtures/protocols) through the batch, read back as
/// events.js builds the event objects: the same events as the fixtures expect, with the
/// tool call's ID and name and the done's usage.
#[test]
fn provider_streams_cross_in_the_batch_as_the_fixtures_expect() {
    use serde_json::{json, Value};
    const KINDS: [&str; 7] = ["thought", "text", "message", "error", "done", "other", "tool-call"];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/protocols/");
    for name in ["openai", "openai-responses", "anthropic", "gemini", "ollama", "ai-sdk", "anthropic-error"] {
        let body = std::fs::read([dir, name, ".txt"].concat()).unwrap();
        let expected: Vec<Value> = std::fs::read_to_string([dir, name, ".expected.jsonl"].concat())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let content_type = if name == "ollama" { "application/x-ndjson" } else { "text/event-stream" };
        for cut in [1, 7, 100, body.len()] {
            let mut session = Session::new(
                Format::Auto,
                crate::protocol::Protocol::Auto,
                1 << 20,
                RetryConfig::default(),
                true,
                "",
                Batch::default(),
            );
            assert!(session.open(Some(content_type), name == "ai-sdk"));
            let mut got = Vec::new();
            for chunk in body.chunks(cut) {
                session.out.clear();
                let stop = session.feed(chunk);
                for (entry, extra) in read_batch_with_extras(&session.out) {
                    let (kind, event_type, _, _, _, field) = entry.unwrap();
                    let kind = KINDS[kind as usize];
                    let mut event = json!({ "kind": kind });
                    match (kind, extra) {
                        ("tool-call", Extra::Call(id, name)) => {
                            event["toolCallId"] = json!(id);
                            event["toolName"] = json!(name);
                            event["argsDelta"] = json!(field.unwrap());
                        }
                        ("done", extra) => {
                            if let Some(status) = field {
                                event["status"] = json!(status);
                            }
                            if let Extra::Usage(input, output) = extra {
                                let count = |n: u32| (n > 0).then(|| n - 1);
                                event["usage"] =
                                    json!({ "inputTokens": count(input), "outputTokens": count(output) });
                            }
                        }
                        ("text" | "thought", _) => event["content"] = json!(field.unwrap()),
                        ("error", _) => event["error"] = json!(field.unwrap()),
                        _ => event["type"] = json!(event_type),
                    }
                    got.push(event);
                }
                if stop {
                    break;
                }
            }
            assert_eq!(got, expected, "{name} in chunks of {cut}");
        }
    }
}

#[test]
fn eq_short_agrees_with_slice_equality() {
    let source = b"abcdefghijklmnopqrstuvwxyz0123456789";
    for len in 0..=source.len() {
        let a = &source[..len];
        assert!(eq_short(a, a), "{len}");
        if len > 0 {
            assert!(!eq_short(a, &source[..len - 1]), "{len}: a shorter string");
        }
        // One byte changed at each place: never equal.
        for at in 0..len {
            let mut b = a.to_vec();
            b[at] ^= 0x20;
            assert!(!eq_short(a, &b), "{len} at {at}");
        }
    }
}
