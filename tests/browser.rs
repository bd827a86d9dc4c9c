//! Browser tests (`wasm-pack test --headless --chrome`): the Rust API against the real test
//! server (`scripts/with-testserver.sh` starts it and sets WASM_SSE_TEST_SERVER). The JS API
//! (the npm package) has its own end-to-end tests in e2e/api.test.mjs.
#![cfg(target_arch = "wasm32")]

use std::pin::Pin;

use futures_core::Stream;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_sse::client::{EventStream, EventStreamBuilder, Status};
use wasm_sse::{EventKind, Format, RetryConfig, StreamError, StreamEvent};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::*;

#[wasm_bindgen(inline_js = r#"
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
export async function getText(url) { return (await fetch(url)).text(); }
export function memoryBytes(memory) { return memory.buffer.byteLength; }
// The browser's connectivity, as the client sees it: navigator.onLine and the online event.
export function setOnLine(value) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value });
}
export function fireOnline() { globalThis.dispatchEvent(new Event('online')); }
"#)]
extern "C" {
    fn sleep(ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = getText)]
    fn get_text(url: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = setOnLine)]
    fn set_on_line(value: bool);
    #[wasm_bindgen(js_name = fireOnline)]
    fn fire_online();
    #[wasm_bindgen(js_name = memoryBytes)]
    fn memory_bytes(memory: &JsValue) -> f64;
}

// ---- helpers -------------------------------------------------------------------------

async fn wait(ms: u32) {
    JsFuture::from(sleep(ms)).await.unwrap();
}

/// How many of `key`'s clients the server saw go away, polled until one did (10 s at most).
/// A cancelled fetch does not always close its socket at once: when no read is pending at
/// that moment, Chromium drains the rest of the body for up to 5 s (to reuse the
/// connection) before it closes it, and only then does the server see the client go.
async fn disconnects(key: &str) -> f64 {
    for _ in 0..200 {
        let n = num(&server_stats(key).await, "disconnected");
        if n >= 1.0 {
            return n;
        }
        wait(50).await;
    }
    num(&server_stats(key).await, "disconnected")
}

async fn answer(prompt: &str) -> String {
    JsFuture::from(get_text(&url(&format!("/agent/answer?prompt={prompt}"))))
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

struct Collected {
    events: Vec<StreamEvent>,
    errors: Vec<StreamError>,
    stream: EventStream,
}

async fn next(stream: &mut EventStream) -> Option<Result<StreamEvent, StreamError>> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Runs the Rust API to the end of the stream.
async fn collect(builder: EventStreamBuilder) -> Collected {
    let mut stream = builder.build().expect("valid options");
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = next(&mut stream).await {
        match item {
            Ok(event) => events.push(event),
            Err(err) => errors.push(err),
        }
    }
    Collected { events, errors, stream }
}

/// A trap while the stream opens (a Rust `on_open` that panics: a panic aborts, which traps
/// the wasm) ends the stream with an internal error; it does not leave it open.
#[wasm_bindgen_test]
async fn a_trap_while_opening_ends_the_stream_with_an_internal_error() {
    let builder =
        EventStream::builder(url("/counter?n=3")).on_open(|_| panic!("on_open panicked on purpose"));
    let got = collect(builder).await;
    assert!(got.events.is_empty(), "{:?}", got.events);
    assert!(matches!(got.errors.as_slice(), [StreamError::Internal { .. }]), "{:?}", got.errors);
}

fn text_of(events: &[StreamEvent]) -> String {
    events.iter().filter(|e| e.event_type == "text").filter_map(|e| e.content()).collect()
}

fn fast_retry(max_retries: u32) -> RetryConfig {
    RetryConfig { max_retries, initial_delay_ms: 10, max_delay_ms: 50, jitter: false }
}

// ---- the agent stream ----------------------------------------------------------------

#[wasm_bindgen_test]
async fn rust_agent_stream_typed_events_in_order() {
    let got = collect(EventStream::builder(url("/agent?prompt=rust&delay_ms=1"))).await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let kinds: Vec<&str> = got.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds[..3], ["thought"; 3]);
    assert_eq!(kinds.iter().filter(|k| **k == "text").count(), 40);
    assert_eq!(kinds.last(), Some(&"done"));
    assert_eq!(text_of(&got.events), answer("rust").await);
    let ids: Vec<String> = got.events.iter().map(|e| e.last_event_id.clone()).collect();
    assert_eq!(ids, (0..44).map(|i| i.to_string()).collect::<Vec<_>>());
    assert!(matches!(got.events[43].kind, EventKind::Done { status: Some(ref s), .. } if s == "complete"));
    assert_eq!(got.stream.status(), Status::Closed);
    let stats = got.stream.stats();
    assert_eq!((stats.events, stats.reconnects, stats.attempt), (44, 0, 1));
    assert!(stats.bytes > 2_000, "{stats:?}");
    assert_eq!(stats.last_event_id, "43");
}

#[wasm_bindgen_test]
async fn post_sends_method_headers_and_json_body() {
    let k = key("echo");
    let got = collect(
        EventStream::builder(url(&format!("/echo?key={k}")))
            .header("x-test-header", "yes")
            .header("authorization", "Bearer secret-token")
            .json_body(r#"{"message":"hi","n":1}"#),
    )
    .await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.events[0].event_type, "echo");
    let echo = js_sys::JSON::parse(&got.events[0].data).unwrap();
    assert_eq!(text(&echo, "method"), "POST");
    assert_eq!(text(&echo, "body"), r#"{"message":"hi","n":1}"#);
    assert_eq!(text(&echo, "headers.content-type"), "application/json");
    assert_eq!(text(&echo, "headers.x-test-header"), "yes");
    assert_eq!(text(&echo, "headers.cache-control"), "no-cache");
    assert!(text(&echo, "headers.accept").starts_with("text/event-stream"));
    assert!(get(&echo, "headers.last-event-id").is_undefined());
    // No token leaks into stats.
    assert!(!format!("{:?}", got.stream.stats()).contains("secret-token"));
    assert_eq!(num(&server_stats(&k).await, "posts"), 1.0);
}

#[wasm_bindgen_test]
async fn rust_post_with_text_body_and_last_event_id() {
    let got = collect(
        EventStream::builder(url("/echo"))
            .method("PUT")
            .header("x-test-header", "rust")
            .body("plain body")
            .last_event_id("41")
            .retry(fast_retry(0)),
    )
    .await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let echo: &StreamEvent = &got.events[0];
    assert!(echo.data.contains(r#""method":"PUT""#), "{}", echo.data);
    assert!(echo.data.contains(r#""body":"plain body""#), "{}", echo.data);
    assert!(echo.data.contains(r#""lastEventId":"41""#), "{}", echo.data);
    assert!(echo.data.contains(r#""x-test-header":"rust""#), "{}", echo.data);
}

/// The README's Rust example, verbatim but for the URL and the `futures` re-export.
async fn readme_ask(url: &str, prompt: &str) -> Result<String, StreamError> {
    use futures_util::StreamExt;
    let mut stream = EventStream::builder(url)
        .json_body(format!(r#"{{"message":{prompt:?}}}"#))
        .header("authorization", "Bearer demo-token")
        .build()?;
    let mut answer = String::new();
    while let Some(item) = stream.next().await {
        match item?.kind {
            EventKind::Text { content } => answer.push_str(&content),
            EventKind::Done { .. } => break,
            _ => {}
        }
    }
    Ok(answer)
}

#[wasm_bindgen_test]
async fn readme_rust_example_runs() {
    let answer = readme_ask(&url("/agent?delay_ms=1&require_auth=1"), "readme").await.unwrap();
    assert_eq!(answer, self::answer("readme").await);
    let refused = readme_ask(&url("/status/401"), "readme").await.unwrap_err();
    assert_eq!(refused.status(), Some(401));
}

// ---- statuses and the retry policy ---------------------------------------------------

#[wasm_bindgen_test]
async fn http_401_is_fatal_without_retry() {
    let k = key("401");
    let got = collect(EventStream::builder(url(&format!("/status/401?key={k}")))).await;
    assert_eq!(got.errors, [StreamError::Http { status: 401 }]);
    assert!(got.errors[0].to_string().contains("token"));
    assert_eq!((got.stream.status(), got.stream.stats().reconnects), (Status::Closed, 0));
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0);

    let got = collect(EventStream::builder(url("/status/404"))).await;
    assert_eq!(got.errors, [StreamError::Http { status: 404 }]);
}

#[wasm_bindgen_test]
async fn http_503_retried_then_fatal_after_max_retries() {
    let k = key("503");
    let got = collect(EventStream::builder(url(&format!("/status/503?key={k}"))).retry(fast_retry(2))).await;
    assert_eq!(got.errors.len(), 1);
    assert!(matches!(&got.errors[0], StreamError::RetriesExhausted { failures: 3, .. }), "{:?}", got.errors);
    assert_eq!((got.errors[0].kind(), got.errors[0].status()), ("http", Some(503)));
    assert!(got.errors[0].to_string().contains("gave up after 3"));
    assert_eq!((got.stream.stats().reconnects, got.stream.stats().attempt), (2, 3));
    assert_eq!(num(&server_stats(&k).await, "requests"), 3.0);
}

#[wasm_bindgen_test]
async fn retry_after_is_honoured_then_the_stream_recovers() {
    let k = key("flaky");
    let start = js_sys::Date::now();
    let got = collect(
        EventStream::builder(url(&format!("/flaky?key={k}&fail=1&status=429&retry_after=1")))
            .retry(RetryConfig { max_delay_ms: 2_000, ..fast_retry(3) }),
    )
    .await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert!(js_sys::Date::now() - start >= 1000.0, "Retry-After: 1 waited for");
    assert_eq!(got.events[0].data, "ok");
    assert_eq!(got.stream.stats().reconnects, 1);
    assert_eq!(num(&server_stats(&k).await, "requests"), 2.0);

    // A day is capped by max_delay_ms (50 ms here).
    let k = key("flaky-day");
    let start = js_sys::Date::now();
    let got = collect(
        EventStream::builder(url(&format!("/flaky?key={k}&fail=1&status=503&retry_after=86400")))
            .retry(fast_retry(3)),
    )
    .await;
    assert_eq!(got.events[0].data, "ok");
    assert!(js_sys::Date::now() - start < 5_000.0, "waited for Retry-After: 86400");
}

#[wasm_bindgen_test]
async fn status_204_closes_without_retry() {
    let k = key("204");
    let got = collect(EventStream::builder(url(&format!("/status/204?key={k}")))).await;
    assert_eq!((got.events.len(), got.errors.len()), (0, 0));
    assert_eq!((got.stream.status(), got.stream.stats().reconnects), (Status::Closed, 0));
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0);
}

#[wasm_bindgen_test]
async fn server_retry_hint_sets_the_backoff_base() {
    let k = key("hint");
    let start = js_sys::Date::now();
    let retry = RetryConfig { jitter: false, ..RetryConfig::default() };
    let got = collect(EventStream::builder(url(&format!("/retry-hint?key={k}&ms=300"))).retry(retry)).await;
    let data: Vec<&str> = got.events.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(data[..2], ["first", "second"]);
    // retry: 300 replaced the 1000 ms initial delay.
    assert!(js_sys::Date::now() - start < 1000.0, "waited the default backoff, not the server's");
    let stats = server_stats(&k).await;
    assert_eq!(text(&stats, "lastEventIds.0"), "1", "reconnected with Last-Event-ID");
    assert_eq!(len(&stats, "lastEventIds"), 1);
}

// ---- content types and formats -------------------------------------------------------

#[wasm_bindgen_test]
async fn content_types() {
    for (ct, ok) in [
        ("text/event-stream", true),
        ("text/event-stream%3B%20charset%3Dutf-8", true),
        ("text/event-stream%3B", true),
        ("TEXT/EVENT-STREAM", true),
        ("text/plain", false),
        ("application/json", false),
    ] {
        let got = collect(EventStream::builder(url(&format!("/content-type?ct={ct}")))).await;
        if ok {
            assert_eq!(got.events[0].data, "hello", "{ct}");
            assert!(got.errors.is_empty(), "{ct}: {:?}", got.errors);
        } else {
            assert_eq!(got.errors.len(), 1, "{ct}");
            assert_eq!(got.errors[0].kind(), "content-type", "{ct}");
            assert_eq!((got.events.len(), got.stream.stats().reconnects), (0, 0), "{ct}");
        }
    }
    let got = collect(EventStream::builder(url("/content-type"))).await;
    assert_eq!(got.errors[0].kind(), "content-type", "no content type at all");
    let ndjson = url("/content-type?ct=application/x-ndjson");
    let got = collect(EventStream::builder(&ndjson).format(Format::Sse)).await;
    assert_eq!(got.errors[0].kind(), "content-type", "NDJSON refused when format is sse");
    let got = collect(EventStream::builder(&ndjson)).await;
    assert_eq!(got.events[0].content(), Some("hello"), "NDJSON chosen from the content type");
}

#[wasm_bindgen_test]
async fn ndjson_stream() {
    let got = collect(EventStream::builder(url("/ndjson?count=4&delay_ms=1"))).await;
    let types: Vec<&str> = got.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["thought", "text", "text", "text", "text", "done"]);
    assert!(matches!(got.errors.as_slice(), [StreamError::Parse(_)]), "{:?}", got.errors);
}

#[wasm_bindgen_test]
async fn utf8_split_across_writes_and_crlf_split() {
    let got = collect(EventStream::builder(url("/utf8-split"))).await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let data: Vec<&str> = got.events.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(data[0], "é€😀");
    assert_eq!(got.events[1].content(), Some("🙂 ok"));
    assert!(got.events.last().unwrap().is_done());
}

#[wasm_bindgen_test]
async fn huge_event_intact_and_limit_is_a_skip_not_a_failure() {
    let got = collect(EventStream::builder(url("/huge?bytes=1048576"))).await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.events[0].data.len(), 1_048_576);

    let got = collect(EventStream::builder(url("/huge?bytes=1048576")).max_event_bytes(65_536)).await;
    assert_eq!(got.errors.len(), 1);
    assert_eq!(got.errors[0].kind(), "limit");
    assert!(got.events[0].is_done(), "the stream went on after the skipped event");
}

#[wasm_bindgen_test]
async fn keep_alive_comments_fire_no_events() {
    let got = collect(EventStream::builder(url("/keepalive?count=5"))).await;
    let data: Vec<&str> = got.events.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(data, ["1", "2", "3", "4", "5", "{}"]);
}

// ---- resume -------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn resume_500_events_dropped_every_17_exactly_once_in_order() {
    let k = key("counter");
    let start = js_sys::Date::now();
    let got = collect(
        EventStream::builder(url(&format!("/counter?n=500&drop_every=17&key={k}"))).retry(fast_retry(3)),
    )
    .await;
    if !got.errors.is_empty() {
        let server = js_sys::JSON::stringify(&server_stats(&k).await).unwrap();
        panic!("{:?}; server saw {server:?}", got.errors.iter().map(ToString::to_string).collect::<Vec<_>>());
    }
    let data: Vec<String> = got.events.iter().map(|e| e.data.clone()).collect();
    let mut expected: Vec<String> = (1..=500).map(|i| i.to_string()).collect();
    expected.push("{}".into());
    assert_eq!(data, expected);
    assert!(got.events.last().unwrap().is_done());
    let ids: Vec<&str> = got.events[..500].iter().map(|e| e.last_event_id.as_str()).collect();
    assert_eq!(ids, (1..=500).map(|i| i.to_string()).collect::<Vec<_>>());
    let stats = got.stream.stats();
    assert_eq!(stats.reconnects, 29);
    let server = server_stats(&k).await;
    assert_eq!(num(&server, "requests"), 30.0);
    console_log!(
        "resume: 500 events, {} reconnects, {} server requests, {} events delivered, {:.0} ms",
        stats.reconnects,
        num(&server, "requests"),
        got.events.len(),
        js_sys::Date::now() - start
    );
}

#[wasm_bindgen_test]
async fn agent_drop_resumes_without_duplicated_tokens() {
    let k = key("agent-drop");
    let got = collect(
        EventStream::builder(url(&format!("/agent?delay_ms=1&drop_after=10&drop_once=1&key={k}")))
            .json_body(r#"{"message":"resume"}"#)
            .retry(fast_retry(3)),
    )
    .await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(text_of(&got.events), answer("resume").await);
    assert_eq!((got.events.len(), got.stream.stats().reconnects), (44, 1));
    assert_eq!(text(&server_stats(&k).await, "lastEventIds.0"), "9");
}

#[wasm_bindgen_test]
async fn post_without_ids_dropped_is_not_resumable_and_not_resent() {
    let k = key("not-resumable");
    let got = collect(
        EventStream::builder(url(&format!("/agent?delay_ms=1&ids=0&drop_after=5&key={k}")))
            .json_body(r#"{"message":"once"}"#)
            .retry(fast_retry(3)),
    )
    .await;
    assert_eq!(got.events.len(), 5);
    match &got.errors[..] {
        [err @ StreamError::NotResumable { cause }] => {
            assert!(matches!(**cause, StreamError::Network { .. }), "{cause:?}");
            assert!(err.to_string().contains("no event ID to resume from"), "{err}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(got.stream.stats().reconnects, 0);
    wait(200).await;
    let stats = server_stats(&k).await;
    assert_eq!((num(&stats, "requests"), num(&stats, "posts")), (1.0, 1.0), "the server saw one POST only");
}

// ---- stopping ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn dropping_during_backoff_cancels_the_timer() {
    let k = key("backoff");
    let retry = RetryConfig { max_retries: 3, initial_delay_ms: 300, max_delay_ms: 300, jitter: false };
    let mut stream = EventStream::builder(url(&format!("/status/503?key={k}"))).retry(retry).build().unwrap();
    // Polled for 150 ms: the 503 came back and the 300 ms backoff started.
    let ended_early =
        match futures_util::future::select(Box::pin(next(&mut stream)), Box::pin(wait(150))).await {
            futures_util::future::Either::Left(_) => true,
            futures_util::future::Either::Right(_) => false,
        };
    assert!(!ended_early, "the stream ended early");
    assert_eq!(stream.status(), Status::Retrying);
    drop(stream);
    wait(600).await;
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0, "no request after the drop");
}

#[wasm_bindgen_test]
async fn online_event_cuts_the_backoff_short() {
    let k = key("online");
    let start = js_sys::Date::now();
    let mut stream = EventStream::builder(url(&format!("/flaky?key={k}&fail=1&status=503")))
        .retry(RetryConfig { max_retries: 3, initial_delay_ms: 30_000, max_delay_ms: 30_000, jitter: false })
        .build()
        .unwrap();
    let first = next(&mut stream);
    let fire = async {
        wait(300).await; // the 503 came back and a 30 s backoff started
        assert_eq!(num(&server_stats(&k).await, "requests"), 1.0);
        fire_online();
    };
    let (event, ()) = futures_util::future::join(first, fire).await;
    assert_eq!(event.unwrap().unwrap().data, "ok");
    assert!(js_sys::Date::now() - start < 5_000.0, "waited out the 30 s backoff");
}

#[wasm_bindgen_test]
async fn offline_waits_for_online_before_reconnecting() {
    let k = key("offline");
    set_on_line(false);
    let mut stream = EventStream::builder(url(&format!("/flaky?key={k}&fail=1&status=503")))
        .retry(fast_retry(3))
        .build()
        .unwrap();
    let first = next(&mut stream);
    let watch = async {
        wait(500).await; // the backoff (10 ms) is long over, but the browser is offline
        let while_offline = num(&server_stats(&k).await, "requests");
        set_on_line(true);
        fire_online();
        while_offline
    };
    let (event, while_offline) = futures_util::future::join(first, watch).await;
    assert_eq!(while_offline, 1.0, "reconnected while offline");
    assert_eq!(event.unwrap().unwrap().data, "ok");
    assert_eq!(num(&server_stats(&k).await, "requests"), 2.0);
}

#[wasm_bindgen_test]
async fn done_stops_the_read_and_aborts_a_request_the_server_holds_open() {
    // The server keeps the connection for 30 s after `done` (`hold_ms`). The client stops
    // reading at `done` and must abort the request; only a body read to its end is left
    // unaborted (driver.rs), and this one has not ended.
    let k = key("done-held");
    let got = collect(EventStream::builder(url(&format!("/slow?count=1&hold_ms=30000&key={k}")))).await;
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.events.len(), 2, "the tick, then done");
    assert!(matches!(got.events[1].kind, EventKind::Done { .. }));
    let seen = disconnects(&k).await;
    let record = js_sys::JSON::stringify(&server_stats(&k).await).unwrap();
    assert_eq!(seen, 1.0, "the server saw the client go: {record:?}");
}

#[wasm_bindgen_test]
async fn dropping_the_rust_stream_cancels_it() {
    let k = key("rust-drop");
    let mut stream = EventStream::builder(url(&format!("/slow?interval_ms=20&key={k}"))).build().unwrap();
    for _ in 0..2 {
        assert!(next(&mut stream).await.unwrap().is_ok());
    }
    assert_eq!(stream.status(), Status::Open);
    drop(stream);
    let seen = disconnects(&k).await;
    let record = js_sys::JSON::stringify(&server_stats(&k).await).unwrap();
    assert_eq!(seen, 1.0, "the server's record: {record:?}");
}

// ---- options and custom fetch -------------------------------------------------------------------------

#[wasm_bindgen_test]
fn bad_options_fail_the_build() {
    let err = EventStream::builder("http://127.0.0.1:9/").header("x", "a\nb").build().unwrap_err();
    assert_eq!(err.kind(), "invalid-option");
    let err = EventStream::builder("http://127.0.0.1:9/").header("bad name", "v").build().unwrap_err();
    assert_eq!(err.kind(), "invalid-option");
    assert_eq!(EventStream::builder("").build().unwrap_err().kind(), "invalid-option");
    let err = EventStream::builder("http://127.0.0.1:9/").max_event_bytes(0).build().unwrap_err();
    assert!(err.to_string().contains("maxEventBytes"), "{err}");
}

#[wasm_bindgen_test]
async fn custom_fetch_is_used() {
    let fetch = Function::new_with_args(
        "u, init",
        "init.headers.set('x-test-header', 'custom'); return fetch(u, init);",
    );
    let got = collect(EventStream::builder(url("/echo")).fetch(fetch)).await;
    let echo = js_sys::JSON::parse(&got.events[0].data).unwrap();
    assert_eq!(text(&echo, "headers.x-test-header"), "custom");
    let not_a_response = Function::new_with_args("u, init", "return Promise.resolve(42);");
    let got = collect(EventStream::builder(url("/echo")).fetch(not_a_response).retry(fast_retry(0))).await;
    assert_eq!(got.errors[0].kind(), "network");
    assert!(got.errors[0].to_string().contains("did not resolve to a Response"), "{}", got.errors[0]);
}

// ---- memory --------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn thousand_start_drop_cycles_keep_memory_flat() {
    let memory = wasm_bindgen::memory();
    let slow = url("/slow?interval_ms=5&count=100000");
    let mut sizes = Vec::new();
    for cycle in 0..1000u32 {
        let mut stream = EventStream::builder(&slow).build().unwrap();
        // Drop in different phases: before the response, and after the first event.
        if cycle % 2 == 1 {
            assert!(next(&mut stream).await.unwrap().is_ok());
        }
        drop(stream);
        if cycle % 100 == 99 {
            wait(20).await;
            sizes.push(memory_bytes(&memory));
        }
    }
    console_log!("memory after each 100 of 1000 start/drop cycles (bytes): {sizes:?}");
    let warm = sizes[1];
    let last = *sizes.last().unwrap();
    assert!(last - warm <= 65_536.0, "memory grew from {warm} to {last} bytes after warm-up");
}

// ---- what the Rust API shares with the JS API (one client) -----------------------------

#[wasm_bindgen_test]
async fn rust_method_is_upper_cased() {
    // `fetch` upper-cases only the six standard methods; `patch` went out as is before.
    let got = collect(EventStream::builder(url("/echo")).method("patch").body("x")).await;
    let echo = js_sys::JSON::parse(&got.events[0].data).unwrap();
    assert_eq!(text(&echo, "method"), "PATCH");
}

#[wasm_bindgen_test]
fn rust_header_outside_latin1_is_refused() {
    // `Headers.set` throws for it; the Rust client used to drop the header silently.
    let err = EventStream::builder(url("/echo")).header("x-name", "€").build().unwrap_err();
    assert_eq!(err.kind(), "invalid-option");
    assert!(err.to_string().contains("ISO-8859-1"), "{err}");
    assert!(EventStream::builder(url("/echo")).header("x-name", "café").build().is_ok());
}

#[wasm_bindgen_test]
async fn rust_open_and_retry_notices() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let opens = Rc::new(RefCell::new(Vec::new()));
    let retries = Rc::new(RefCell::new(Vec::new()));
    let (o, r) = (Rc::clone(&opens), Rc::clone(&retries));
    let builder = EventStream::builder(url("/counter?n=30&drop_every=20"))
        .retry(fast_retry(3))
        .on_open(move |info| {
            let content_type = info.headers.get("content-type").ok().flatten().unwrap_or_default();
            o.borrow_mut().push((info.status, info.attempt, content_type));
        })
        .on_retry(move |info| r.borrow_mut().push((info.attempt, info.delay_ms, info.error.kind())));
    let got = collect(builder).await;
    assert_eq!(got.events.len(), 31, "30 numbers and done");
    let opens = opens.borrow();
    assert_eq!(opens.len(), 2, "{opens:?}");
    assert_eq!((opens[0].0, opens[0].1, opens[1].1), (200, 1, 2));
    assert!(opens[0].2.starts_with("text/event-stream"), "{opens:?}");
    let retries = retries.borrow();
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(retries[0].2, "network");
}

#[wasm_bindgen_test]
async fn rust_abort_signal_stops_the_stream() {
    let k = key("rust-signal");
    let controller = web_sys::AbortController::new().unwrap();
    let mut stream = EventStream::builder(url(&format!("/slow?interval_ms=20&key={k}")))
        .signal(controller.signal())
        .build()
        .unwrap();
    assert!(next(&mut stream).await.unwrap().is_ok());
    controller.abort();
    assert_eq!(stream.status(), Status::Closed);
    assert!(next(&mut stream).await.is_none(), "nothing after the signal");
    assert_eq!(disconnects(&k).await, 1.0);

    let aborted = web_sys::AbortController::new().unwrap();
    aborted.abort();
    let k = key("rust-signal-before");
    let got = collect(EventStream::builder(url(&format!("/slow?key={k}"))).signal(aborted.signal())).await;
    assert!(got.events.is_empty() && got.errors.is_empty());
    assert_eq!(num(&server_stats(&k).await, "requests"), 0.0, "an aborted signal sends nothing");
}

// ---- a POST is sent again only when the server cannot have started it ---------------------

#[wasm_bindgen_test]
async fn post_after_502_is_not_sent_again_after_503_it_is() {
    let k = key("post-502");
    let post = |status: u16, k: &str| {
        EventStream::builder(url(&format!("/status/{status}?key={k}"))).json_body("{}").retry(fast_retry(2))
    };
    let got = collect(post(502, &k)).await;
    let err = got.errors.last().expect("a fatal error");
    assert_eq!((err.kind(), err.status()), ("http", Some(502)));
    assert!(err.to_string().contains("not sent again"), "{err}");
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0, "a 502 may come after the work started");

    let k = key("post-503");
    let got = collect(post(503, &k)).await;
    assert_eq!(got.errors.last().map(StreamError::kind), Some("http"));
    assert_eq!(num(&server_stats(&k).await, "requests"), 3.0, "a 503 says the work was not started");

    let k = key("get-502");
    collect(EventStream::builder(url(&format!("/status/502?key={k}"))).retry(fast_retry(1))).await;
    assert_eq!(num(&server_stats(&k).await, "requests"), 2.0, "a GET is sent again");
}

#[wasm_bindgen_test]
async fn with_retries_off_a_503_says_it_was_not_retried() {
    let got = collect(EventStream::builder(url("/status/503")).retry(RetryConfig::DISABLED)).await;
    let err = got.errors.last().expect("a fatal error");
    assert_eq!((err.kind(), err.status()), ("http", Some(503)));
    let message = err.to_string();
    assert!(
        message.contains("reconnection is off") && !message.contains("retried with backoff"),
        "{message}"
    );
}

// ---- reconnection under abuse ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_server_that_answers_and_closes_at_once_gets_at_most_max_retries_plus_one_requests() {
    // 200, `retry: 0`, no event, end: each attempt is a failure even though it was answered.
    let k = key("empty");
    let got =
        collect(EventStream::builder(url(&format!("/empty?retry_ms=0&key={k}"))).retry(fast_retry(3))).await;
    assert!(got.events.is_empty());
    let err = got.errors.last().expect("gave up");
    assert!(err.to_string().contains("gave up after 4 failed attempts"), "{err}");
    assert_eq!(num(&server_stats(&k).await, "requests"), 4.0);
}

#[wasm_bindgen_test]
async fn one_event_per_connection_with_retry_0_is_followed_to_the_end() {
    for end in ["clean", "cut"] {
        let k = key(&format!("one-per-{end}"));
        let path = format!("/counter?n=30&drop_every=1&retry_ms=0&end={end}&key={k}");
        let got = collect(EventStream::builder(url(&path)).retry(fast_retry(2))).await;
        assert!(got.errors.is_empty(), "{end}: {:?}", got.errors);
        let numbers: Vec<String> =
            got.events.iter().filter(|e| e.event_type == "message").map(|e| e.data.clone()).collect();
        assert_eq!(
            numbers,
            (1..=30).map(|n| n.to_string()).collect::<Vec<_>>(),
            "{end}: each event once, in order"
        );
        assert!(got.events.last().unwrap().is_done());
        assert_eq!(num(&server_stats(&k).await, "requests"), 31.0, "{end}");
    }
}
