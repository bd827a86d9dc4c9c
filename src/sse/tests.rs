//! The event-stream rules as a table. Every case is also run cut at every byte offset and
//! fed one byte at a time; proptests check arbitrary chunkings and generated streams.

use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    E(String, String, String),
    R(u64),
    C(String),
    Limit,
}

fn ev(t: &str, d: &str, id: &str) -> Out {
    Out::E(t.into(), d.into(), id.into())
}
fn msg(d: &str) -> Out {
    ev("message", d, "")
}
fn c(text: &str) -> Out {
    Out::C(text.into())
}

/// Feeds the chunks, finishes the stream, returns what came out and the last event ID.
fn run(max: usize, chunks: &[&[u8]]) -> (Vec<Out>, String) {
    let mut p = EventStreamParser::with_max_event_bytes(max);
    let mut out = Vec::new();
    for chunk in chunks {
        p.feed(chunk);
        while let Some(item) = p.poll() {
            out.push(match item {
                Ok(SseItem::Event(e)) => Out::E(e.event_type, e.data, e.last_event_id),
                Ok(SseItem::Retry(ms)) => Out::R(ms),
                Ok(SseItem::Comment(t)) => Out::C(t),
                Err(ParseError::LimitExceeded { .. }) => Out::Limit,
                Err(other) => panic!("unexpected {other:?}"),
            });
        }
    }
    p.finish();
    assert!(p.poll().is_none(), "finish produces nothing");
    (out, p.last_event_id().to_owned())
}

struct Case {
    name: &'static str,
    input: &'static [u8],
    expect: Vec<Out>,
    last_id: &'static str,
    max: usize,
}

fn case(name: &'static str, input: &'static [u8], expect: Vec<Out>) -> Case {
    Case { name, input, expect, last_id: "", max: 1 << 20 }
}

fn table() -> Vec<Case> {
    vec![
        case("one event", b"data: hello\n\n", vec![msg("hello")]),
        case("invalid utf-8 becomes U+FFFD", b"data: a\xFFb\xE2\x82\n\n", vec![msg("a\u{FFFD}b\u{FFFD}")]),
        case("multi-byte characters", "data: é€😀\n\n".as_bytes(), vec![msg("é€😀")]),
        case("leading BOM stripped", b"\xEF\xBB\xBFdata: x\n\n", vec![msg("x")]),
        case("only one BOM stripped", b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n", vec![]),
        case("BOM later is not stripped", b"data: x\n\n\xEF\xBB\xBFdata: y\n\n", vec![msg("x")]),
        case("BOM then blank line", b"\xEF\xBB\xBF\ndata: x\n\n", vec![msg("x")]),
        case("CRLF", b"data: a\r\n\r\n", vec![msg("a")]),
        case("CR", b"data: a\r\r", vec![msg("a")]),
        case("mixed line ends", b"data: a\r\ndata: b\rdata: c\n\n", vec![msg("a\nb\nc")]),
        case("LF CR is two line ends", b"data: a\n\rdata: b\n\n", vec![msg("a"), msg("b")]),
        case("comment", b": ping\n\n", vec![c(" ping")]),
        case("bare colon is an empty comment", b":\n", vec![c("")]),
        case("comment inside an event", b"data: x\n: c\ndata: y\n\n", vec![c(" c"), msg("x\ny")]),
        case("field with no colon has empty value", b"data\n\n", vec![msg("")]),
        case("event with no colon is message", b"event\ndata: x\n\n", vec![msg("x")]),
        case("one space removed", b"data:  two\n\n", vec![msg(" two")]),
        case("no space", b"data:none\n\n", vec![msg("none")]),
        case("tab is not removed", b"data:\tx\n\n", vec![msg("\tx")]),
        case("trailing spaces kept", b"data: x  \n\n", vec![msg("x  ")]),
        case("colon in value", b"data: a:b: c\n\n", vec![msg("a:b: c")]),
        case("data lines joined", b"data: a\ndata: b\n\n", vec![msg("a\nb")]),
        case("empty data line adds LF", b"data: a\ndata:\n\n", vec![msg("a\n")]),
        case("two empty data lines", b"data\ndata\n\n", vec![msg("\n")]),
        case("empty data buffer not dispatched", b"event: x\n\n", vec![]),
        case("event type", b"event: thought\ndata: x\n\n", vec![ev("thought", "x", "")]),
        case("empty event is message", b"event: \ndata: x\n\n", vec![msg("x")]),
        case("last event field wins", b"event: a\nevent: b\ndata: x\n\n", vec![ev("b", "x", "")]),
        case(
            "type resets after dispatch",
            b"event: a\ndata: 1\n\ndata: 2\n\n",
            vec![ev("a", "1", ""), msg("2")],
        ),
        case("type resets after empty block", b"event: a\n\ndata: 2\n\n", vec![msg("2")]),
        Case {
            last_id: "1",
            ..case(
                "id persists",
                b"id: 1\ndata: x\n\ndata: y\n\n",
                vec![ev("message", "x", "1"), ev("message", "y", "1")],
            )
        },
        Case {
            last_id: "1",
            ..case("id with NUL ignored", b"id: 1\n\nid: a\0b\ndata: x\n\n", vec![ev("message", "x", "1")])
        },
        Case { last_id: "5", ..case("id-only block updates without dispatch", b"id: 5\n\n", vec![]) },
        Case {
            last_id: "3",
            ..case("id then later event", b"id: 3\n\ndata: x\n\n", vec![ev("message", "x", "3")])
        },
        case(
            "empty id resets",
            b"id: 1\ndata: a\n\nid\ndata: b\n\n",
            vec![ev("message", "a", "1"), msg("b")],
        ),
        case(
            "empty id with colon resets",
            b"id: 1\ndata: a\n\nid:\ndata: b\n\n",
            vec![ev("message", "a", "1"), msg("b")],
        ),
        Case {
            last_id: "x y",
            ..case("id keeps inner spaces", b"id: x y\ndata: d\n\n", vec![ev("message", "d", "x y")])
        },
        case("unterminated id is not the last event ID", b"id: 9\ndata: x\n", vec![]),
        case("retry with leading zeros", b"retry: 02000\n", vec![Out::R(2000)]),
        case("retry zero", b"retry: 0\n", vec![Out::R(0)]),
        case("retry with letters ignored", b"retry: 1000x\n", vec![]),
        case("retry with sign ignored", b"retry: +5\n", vec![]),
        case("retry empty ignored", b"retry:\nretry: \n", vec![]),
        case("retry with space inside ignored", b"retry: 1 0\n", vec![]),
        case("retry with two spaces ignored", b"retry:  10\n", vec![]),
        case("retry saturates", b"retry: 99999999999999999999999\n", vec![Out::R(u64::MAX)]),
        case("retry does not dispatch", b"retry: 5\ndata: x\n\n", vec![Out::R(5), msg("x")]),
        case("unknown field ignored", b"foo: bar\ndata: x\n\n", vec![msg("x")]),
        case("field names are case-sensitive", b"Data: x\nEVENT: y\n\n", vec![]),
        case("unterminated block dropped", b"data: x\n", vec![]),
        case("unterminated line dropped", b"data: x", vec![]),
        case("CR at end of stream ends the line only", b"data: x\r", vec![]),
        case("many blank lines, one event", b"data: x\n\n\n\n", vec![msg("x")]),
        case("NUL in data kept", b"data: a\0b\n\n", vec![msg("a\0b")]),
        case("empty stream", b"", vec![]),
        Case {
            max: 16,
            ..case(
                "line over limit skipped",
                b"data: 0123456789abcdefghij\n\ndata: ok\n\n",
                vec![Out::Limit, msg("ok")],
            )
        },
        Case {
            max: 16,
            ..case(
                "event over limit skipped",
                b"data: 0123456789\ndata: 0123456789\ndata: z\n\ndata: ok\n\n",
                vec![Out::Limit, msg("ok")],
            )
        },
        Case {
            max: 16,
            ..case(
                "over-long comment is skipped too",
                b": 0123456789abcdefghij\ndata: ok\n\n",
                vec![Out::Limit],
            )
        },
        Case {
            max: 16,
            ..case(
                "limit per event, not per stream",
                b"data: 0123456789\n\ndata: 0123456789\n\n",
                vec![msg("0123456789"), msg("0123456789")],
            )
        },
    ]
}

#[test]
fn spec_table_whole() {
    for case in table() {
        let (out, id) = run(case.max, &[case.input]);
        assert_eq!(out, case.expect, "{}", case.name);
        assert_eq!(id, case.last_id, "{}: last event id", case.name);
    }
}

#[test]
fn spec_table_split_at_every_offset() {
    for case in table() {
        for cut in 0..=case.input.len() {
            let (a, b) = case.input.split_at(cut);
            let (out, id) = run(case.max, &[a, b]);
            assert_eq!(out, case.expect, "{} cut at {cut}", case.name);
            assert_eq!(id, case.last_id, "{} cut at {cut}", case.name);
        }
        let bytes: Vec<&[u8]> = case.input.chunks(1).collect();
        assert_eq!(run(case.max, &bytes).0, case.expect, "{} byte by byte", case.name);
    }
}

#[test]
fn resuming_from_an_id_keeps_it_until_changed() {
    let mut p = EventStreamParser::new().resuming_from("41");
    p.feed(b"data: a\n\n");
    let Some(Ok(SseItem::Event(e))) = p.poll() else { panic!("no event") };
    assert_eq!(e.last_event_id, "41");
}

#[test]
fn new_stream_after_finish_strips_bom_again_and_keeps_id() {
    let mut p = EventStreamParser::new();
    p.feed(b"id: 7\ndata: a\n\ndata: partial");
    let _ = p.poll();
    assert!(p.finish(), "the partial event was discarded");
    p.feed(b"\xEF\xBB\xBFdata: b\n\n");
    let Some(Ok(SseItem::Event(e))) = p.poll() else { panic!("no event") };
    assert_eq!((e.data.as_str(), e.last_event_id.as_str()), ("b", "7"));
}

#[test]
fn buffered_bytes_can_reach_but_not_pass_twice_the_limit() {
    // An event's data just under the limit, and the next line read almost to it: both are
    // held at once. The docs said "bounded by the limit"; the bound is twice that.
    let mut p = EventStreamParser::with_max_event_bytes(100);
    p.feed(&[b"data: ".as_slice(), &[b'x'; 93], b"\n"].concat());
    p.feed(&[b"data: ".as_slice(), &[b'y'; 88]].concat());
    assert_eq!(p.buffered_bytes(), 94 + 94);
    p.feed(b"yyyyyyy"); // the line passes the limit: dropped, not held
    assert!(p.buffered_bytes() <= 200, "{}", p.buffered_bytes());
}

#[test]
fn buffered_bytes_stay_within_the_limit() {
    let mut p = EventStreamParser::with_max_event_bytes(1000);
    for _ in 0..10_000 {
        p.feed(b"data: 0123456789012345678901234567890123456789\n");
        assert!(p.buffered_bytes() <= 1000);
    }
    p.feed(b"\ndata: ok\n\n");
    let items: Vec<_> = std::iter::from_fn(|| p.poll()).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0], Err(ParseError::LimitExceeded { limit: 1000 }));
}

// ---- generated streams -------------------------------------------------------------

/// One line of a generated stream.
fn arb_line() -> impl Strategy<Value = String> {
    let value = "[a-z0-9 :é€😀\u{0}\u{FEFF}]{0,12}";
    prop_oneof![
        value.prop_map(|v| format!("data:{v}")),
        value.prop_map(|v| format!("data: {v}")),
        "[a-z]{0,6}".prop_map(|v| format!("event: {v}")),
        value.prop_map(|v| format!("id: {v}")),
        "[0-9+x]{0,5}".prop_map(|v| format!("retry: {v}")),
        value.prop_map(|v| format!(":{v}")),
        Just(String::new()),
        Just(String::from("data")),
        "[a-z]{1,5}".prop_map(|v| format!("{v}: x")),
    ]
}

fn arb_stream() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec((arb_line(), 0..3usize), 0..40),
        prop::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(bom, lines, junk)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (line, end) in lines {
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice([&b"\n"[..], b"\r", b"\r\n"][end]);
            }
            out.extend(junk); // possibly invalid UTF-8 and an unterminated line
            out
        })
}

/// `stream` cut at the sorted offsets `cuts` (empty pieces included).
fn cut_at<'a>(stream: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        chunks.push(&stream[start..cut]);
        start = cut;
    }
    chunks.push(&stream[start..]);
    chunks
}

fn arb_cuts(len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=len, 0..12).prop_map(|mut cuts| {
        cuts.sort_unstable();
        cuts
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_chunking_gives_the_same_events(
        (stream, cuts) in arb_stream().prop_flat_map(|s| { let n = s.len(); (Just(s), arb_cuts(n)) }),
        max in prop_oneof![Just(1usize << 20), 8usize..40],
    ) {
        let whole = run(max, &[&stream]);
        prop_assert_eq!(run(max, &cut_at(&stream, &cuts)), whole);
    }

    /// Events written by a server (any data with any line breaks, any ids) come back exactly.
    #[test]
    fn serialized_events_round_trip(
        events in prop::collection::vec(("[a-z]{0,8}", "(?s).{0,40}", prop::option::of("[a-z0-9]{1,6}")), 1..20),
        end in 0..3usize,
        chunk in 1..64usize,
    ) {
        let eol = ["\n", "\r", "\r\n"][end];
        let mut wire = String::new();
        let mut expected = Vec::new();
        let mut last_id = String::new();
        for (event_type, data, id) in &events {
            if !event_type.is_empty() {
                wire += &format!("event: {event_type}{eol}");
            }
            if let Some(id) = id {
                wire += &format!("id: {id}{eol}");
                last_id.clone_from(id);
            }
            // A server must split data on every line break it contains.
            let lines: Vec<&str> = data.split("\r\n").flat_map(|l| l.split(['\n', '\r'])).collect();
            for line in &lines {
                wire += &format!("data: {line}{eol}");
            }
            wire += eol;
            let kind = if event_type.is_empty() { "message" } else { event_type.as_str() };
            expected.push(ev(kind, &lines.join("\n"), &last_id));
        }
        let chunks: Vec<&[u8]> = wire.as_bytes().chunks(chunk).collect();
        prop_assert_eq!(run(usize::MAX, &chunks).0, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The borrowed path the JS API takes hands out exactly what `feed` + `poll` queue.
    #[test]
    fn feed_with_hands_out_what_poll_returns(
        (stream, cuts) in arb_stream().prop_flat_map(|s| { let n = s.len(); (Just(s), arb_cuts(n)) }),
        max in prop_oneof![Just(1usize << 20), 8usize..40],
    ) {
        let (mut queued, mut borrowed) = (EventStreamParser::with_max_event_bytes(max), EventStreamParser::with_max_event_bytes(max));
        let (mut want, mut got) = (Vec::new(), Vec::new());
        for chunk in cut_at(&stream, &cuts) {
            queued.feed(chunk);
            want.extend(std::iter::from_fn(|| queued.poll()));
            borrowed.feed_with(chunk, &mut |item: SseRef<'_>| got.push(item.to_owned()));
        }
        prop_assert!(borrowed.poll().is_none());
        prop_assert_eq!(got, want);
        prop_assert_eq!(borrowed.last_event_id(), queued.last_event_id());
    }

    /// Events read in place from the chunk are the ones the line-by-line rules give.
    #[test]
    fn the_fast_path_gives_what_the_line_rules_give(
        (stream, cuts) in arb_stream().prop_flat_map(|s| { let n = s.len(); (Just(s), arb_cuts(n)) }),
        max in prop_oneof![Just(1usize << 20), 8usize..40],
    ) {
        let chunks = cut_at(&stream, &cuts);
        prop_assert_eq!(items_of(max, &chunks, true), items_of(max, &chunks, false));
    }
}

/// What the parser hands to `feed_with` for `chunks`, with or without the fast path.
fn items_of(max: usize, chunks: &[&[u8]], fast: bool) -> (Vec<Result<SseItem, ParseError>>, String) {
    let mut p = EventStreamParser::with_max_event_bytes(max);
    p.block.no_fast_path = !fast;
    let mut items = Vec::new();
    for chunk in chunks {
        p.feed_with(chunk, &mut |item: SseRef<'_>| items.push(item.to_owned()));
    }
    (items, p.last_event_id().to_owned())
}

#[test]
fn whole_events_in_a_chunk_are_read_in_place() {
    let chunk: &[u8] =
        b"data: first\n\n: keep-alive\nretry: 9\nx: y\nevent: text\r\nid: 3\ndata: {\"a\":1}\n\n";
    let mut p = EventStreamParser::new();
    p.feed(b"\n"); // past the first line (where a BOM would be stripped)
    let (mut in_chunk, mut items) = (Vec::new(), Vec::new());
    p.feed_with(chunk, &mut |item: SseRef<'_>| {
        if let SseRef::Event { data, .. } = &item {
            in_chunk.push(chunk.as_ptr_range().contains(&data.as_ptr()));
        }
        items.push(item.to_owned());
    });
    assert_eq!(in_chunk, [true, true], "both events' data borrowed from the chunk");
    let (slow, _) = items_of(1 << 20, &[b"\n", chunk], false);
    assert_eq!(items, slow);
    assert_eq!(p.last_event_id(), "3");
}

#[test]
fn events_the_fast_path_leaves_to_the_line_rules() {
    // A second data line, a bare CR, a comment and retry inside an event, invalid UTF-8, an
    // over-long line and data at the limit, an unterminated event: each alone and all at once.
    let cases: &[&[u8]] = &[
        b"\ndata: a\ndata: b\n\n",
        b"\ndata: a\r\rdata: b\n\n",
        b"\nevent: x\n: c\nretry: 5\ndata: a\n\n",
        b"\ndata: \xFFa\n\ndata: b\n\n",
        b"\nid: 0123456789\ndata: 0123456789\n\ndata: 012345678\n\n",
        b"\nid: 1\0\ndata: a\n\nevent: y\ndata: b",
        b"\ndata\n\ndata:\n\nevent\ndata: c\n\nid\ndata: d\n\n",
    ];
    let all: Vec<u8> = cases.concat();
    for stream in cases.iter().copied().chain([&all[..]]) {
        for max in [10, 1 << 20] {
            assert_eq!(
                items_of(max, &[stream], true),
                items_of(max, &[stream], false),
                "{stream:?} max {max}"
            );
        }
    }
}

#[test]
fn field_names_read_as_words_give_what_the_line_rules_give() {
    // The fast path reads the first eight bytes of a line as one word: names with and
    // without their space, near misses, an ID with NUL, values of every length up to past
    // the word, at the chunk's end (fewer than eight bytes left) and before other lines;
    // LF, CRLF and CR line ends.
    let names: &[&[u8]] = &[
        b"data: ",
        b"data:",
        b"data:  ",
        b"data",
        b"dat: ",
        b"datax: ",
        b"Data: ",
        b"event: ",
        b"event:",
        b"event",
        b"even: ",
        b"eventx: ",
        b"id: ",
        b"id:",
        b"id",
        b"i: ",
        b"idx: ",
        b"retry: ",
        b": ",
        b"x: ",
    ];
    for name in names {
        for len in 0..10 {
            for (value, end) in [&b"0123456789"[..len], &b"a\0bcdefghi"[..len]]
                .into_iter()
                .flat_map(|value| [&b"\n"[..], b"\r\n", b"\r"].map(|end| (value, end)))
            {
                let line = [*name, value, end].concat();
                for (before, after) in
                    [(&b"\n"[..], &b"\n"[..]), (b"\n", b"data: z\n\n"), (b"\ndata: y\n", b"\r\n")]
                {
                    let stream = [before, &line, after].concat();
                    for max in [5, 1 << 20] {
                        assert_eq!(
                            items_of(max, &[&stream], true),
                            items_of(max, &[&stream], false),
                            "{:?} max {max}",
                            String::from_utf8_lossy(&stream)
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_data_line_assembled_across_chunks_says_which_bytes_hold_no_json_special() {
    // (pieces after the first line, the data's `plain` range): from the second piece (the
    // first piece is not scanned for them) to the first quote, backslash or control byte.
    let cases: &[(&[&[u8]], core::ops::Range<usize>)] = &[
        // `{"content":"abc` is 15 bytes of data; the closing quote at 25.
        (&[b"data: {\"content\":\"abc", b"defghij", b"klm\"}\n\n"], 15..25),
        (&[b"data: {\"content\":\"abc", b"defghij", b"k\\nm\"}\n\n"], 15..23),
        (&[b"data: {\"content\":\"abc", b"\"defghij\"}\n\n"], 15..15),
        // A second data line after the taken one: the first line's bytes are unchanged.
        (&[b"data: {\"content\":\"abc", b"def\n", b"data: x\n\n"], 15..18),
        // Whole in one chunk (the fast path): nothing known.
        (&[b"data: {\"content\":\"abcdef\"}\n\n"], 0..0),
    ];
    for (pieces, want) in cases {
        let mut p = EventStreamParser::new();
        p.feed(b"\n"); // past the first line (where a BOM would be stripped)
        let mut got = Vec::new();
        for piece in *pieces {
            p.feed_with(piece, &mut |item: SseRef<'_>| {
                if let SseRef::Event { plain, .. } = item {
                    got.push(plain);
                }
            });
        }
        assert_eq!(got, core::slice::from_ref(want), "{pieces:?}");
    }
}

#[test]
fn ids_the_fast_path_reads_are_each_events_and_the_last_one_is_kept() {
    // Fast events with IDs, one without (it has the ID before it), one the line rules read
    // (a second data line), then one with an ID and the end of the chunk mid-event.
    let chunk: &[u8] =
        b"id: 1\ndata: a\n\nid: 22\ndata: b\n\ndata: c\n\ndata: d\ndata: e\n\nid: 4\ndata: f\n\nid: 5\n";
    let mut p = EventStreamParser::new();
    p.feed(b"\n");
    let mut ids = Vec::new();
    p.feed_with(chunk, &mut |item: SseRef<'_>| {
        if let SseRef::Event { last_event_id, .. } = item {
            ids.push(last_event_id.to_owned());
        }
    });
    assert_eq!(ids, ["1", "22", "22", "22", "4"]);
    assert_eq!(p.last_event_id(), "4", "the last dispatched event's ID; `id: 5` is not dispatched yet");
    p.feed_with(b"data: g\n\ndata: h\n\n", &mut |item: SseRef<'_>| {
        if let SseRef::Event { last_event_id, .. } = item {
            ids.push(last_event_id.to_owned());
        }
    });
    assert_eq!(ids[5..], ["5", "5"]);
    assert_eq!(p.last_event_id(), "5");
}

/// Each event's last event ID and the one kept after each chunk, as the line rules give
/// them (the fast path off) and with the fast path.
fn ids_per_chunk(chunks: &[&[u8]], fast: bool) -> Vec<String> {
    let mut p = EventStreamParser::new();
    p.block.no_fast_path = !fast;
    let mut seen = Vec::new();
    for chunk in chunks {
        p.feed_with(chunk, &mut |item: SseRef<'_>| {
            if let SseRef::Event { data, last_event_id, .. } = item {
                seen.push(format!("{data}:{last_event_id}"));
            }
        });
        seen.push(format!("kept:{}", p.last_event_id()));
    }
    seen
}

#[test]
fn ids_around_the_fast_path_are_the_line_rules_ids() {
    let cases: &[(&[&[u8]], &[&str])] = &[
        // `id:` lines the line rules read at the stream's start, then the fast path's own.
        (&[b"id: 1\nid: 2\ndata: a\n\ndata: b\n\n"], &["a:2", "b:2", "kept:2"]),
        (&[b"id: 1\ndata: a\n\nid: 3\ndata: b\n\n"], &["a:1", "b:3", "kept:3"]),
        // An empty ID, and an event with an ID but no data last in its chunk.
        (&[b"\nid: 7\ndata: a\n\nid:\ndata: b\n\n"], &["a:7", "b:", "kept:"]),
        (&[b"\nid: 7\ndata: a\n\nid: 8\n\n", b"data: b\n\n"], &["a:7", "kept:8", "b:8", "kept:8"]),
        // A CR whose LF comes in the next chunk, then an event after an `id:` line.
        (&[b"\ndata: a\n\r", b"\nid: 2\ndata: b\n\n"], &["a:", "kept:", "b:2", "kept:2"]),
        // The event's ID is cut off from its data by the chunk's end.
        (&[b"\nid: 1\ndata: a\n\nid: 2\n", b"data: b\n\n"], &["a:1", "kept:1", "b:2", "kept:2"]),
    ];
    for (chunks, want) in cases {
        assert_eq!(ids_per_chunk(chunks, false), *want, "line rules, {chunks:?}");
        assert_eq!(ids_per_chunk(chunks, true), *want, "fast path, {chunks:?}");
    }
}
