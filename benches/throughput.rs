//! Native throughput of the pure core (`make bench-native`): bytes → typed events, for the
//! workloads users stream, at three chunk sizes; and the linear-time check (one 10 MB event
//! in 16-byte chunks against one 1 MB event). Median of 7 (single-event: 9) timed runs after one warm-up.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wasm_sse::event::decode_sse;
use wasm_sse::sse::{EventStreamParser, SseItem};

/// LLM tokens: `event: text` with 3–20-byte contents, as agent backends send them.
fn llm_tokens(total: usize) -> Vec<u8> {
    let words = [
        "the",
        " quick",
        " brown",
        " fox",
        " jumps over",
        " the lazy dog",
        ",",
        " and then",
        " streams",
        " tokens.",
    ];
    let mut out = Vec::with_capacity(total + 64);
    let mut i = 0usize;
    while out.len() < total {
        let w = words[i % words.len()];
        let extra = "xyz".repeat(i % 4);
        out.extend_from_slice(
            format!("event: text\nid: {i}\ndata: {{\"content\":\"{w}{extra}\"}}\n\n").as_bytes(),
        );
        i += 1;
    }
    out
}

/// 1 KB JSON events.
fn kb_events(total: usize) -> Vec<u8> {
    let filler = "lorem ipsum dolor sit amet ".repeat(40);
    let mut out = Vec::with_capacity(total + 2048);
    let mut i = 0usize;
    while out.len() < total {
        let data = format!("{{\"seq\":{i},\"content\":\"{}\"}}", &filler[..990]);
        out.extend_from_slice(format!("event: message\ndata: {data}\n\n").as_bytes());
        i += 1;
    }
    out
}

fn single_event(bytes: usize) -> Vec<u8> {
    let mut out = b"data: ".to_vec();
    out.resize(bytes + 6, b'a');
    out.extend_from_slice(b"\n\n");
    out
}

/// Parses and decodes the stream in `chunk`-byte pieces; returns the number of events.
fn parse(stream: &[u8], chunk: usize) -> usize {
    parse_with(stream, chunk, true)
}

/// As [`parse`]; `decode` false stops at raw events (the parser alone).
fn parse_with(stream: &[u8], chunk: usize, decode: bool) -> usize {
    let mut parser = EventStreamParser::new();
    let mut events = 0;
    for piece in stream.chunks(chunk) {
        parser.feed(piece);
        while let Some(item) = parser.poll() {
            if let Ok(SseItem::Event(raw)) = item {
                if decode {
                    black_box(decode_sse(raw));
                } else {
                    black_box(raw);
                }
                events += 1;
            }
        }
    }
    events
}

/// Sorted timings of `runs` runs after one warm-up, and the warm-up's event count.
fn timings(runs: usize, mut f: impl FnMut() -> usize) -> (Vec<Duration>, usize) {
    let events = f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times, events)
}

fn median_time(runs: usize, f: impl FnMut() -> usize) -> (Duration, usize) {
    let (times, events) = timings(runs, f);
    (times[runs / 2], events)
}

fn main() {
    // `--smoke` (make test): tiny workloads, so the benchmark cannot rot between runs.
    let smoke = std::env::args().any(|a| a == "--smoke");
    let (size, runs, big) = if smoke { (64 << 10, 1, 100_000) } else { (8 << 20, 7, 1_000_000) };
    let workloads = [("LLM tokens", llm_tokens(size)), ("1 KB JSON events", kb_events(size))];
    println!("| workload | chunk | MB/s | events/s |");
    println!("|---|---:|---:|---:|");
    for (name, stream) in &workloads {
        for chunk in [64, 1024, 65536] {
            let (t, events) = median_time(runs, || parse(stream, chunk));
            let secs = t.as_secs_f64();
            let mbps = stream.len() as f64 / 1e6 / secs;
            println!("| {name} | {chunk} B | {mbps:.0} | {:.2} M |", events as f64 / secs / 1e6);
        }
    }
    let one = single_event(big);
    let ten = single_event(10 * big);
    println!();
    // Runs alternate between the two sizes, so that both see the same machine; the fastest
    // of 15 is the cost of the work itself. The 10× event no longer fits in cache, so a
    // little above 10× is expected; a parser that rescans its buffer would be near 100×.
    for (what, decode) in [("parser alone", false), ("parser + typed decoding", true)] {
        let (mut t1, mut t10) = (Duration::MAX, Duration::MAX);
        for _ in 0..runs.max(15) {
            for (stream, best) in [(&one, &mut t1), (&ten, &mut t10)] {
                let start = Instant::now();
                assert_eq!(parse_with(stream, 16, decode), 1, "each stream holds one event");
                *best = (*best).min(start.elapsed());
            }
        }
        println!(
            "one event in 16-byte chunks, {what}: {:.1} MB {:.1} ms, {:.1} MB {:.1} ms, ratio {:.1}× (linear is 10×)",
            big as f64 / 1e6,
            t1.as_secs_f64() * 1e3,
            10.0 * big as f64 / 1e6,
            t10.as_secs_f64() * 1e3,
            t10.as_secs_f64() / t1.as_secs_f64()
        );
    }
}
