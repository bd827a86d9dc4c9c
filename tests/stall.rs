//! Stall detection in the browser (`wasm-pack test --headless --chrome`), against the test
//! server's `/silent`: a connection that stays open but sends nothing ends the attempt as a
//! network error and is resumed with `Last-Event-ID` (a POST without IDs is not: it closes
//! saying why). A stream that only sends keep-alives is alive and never cut.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use futures_core::Stream;
use wasm_bindgen_test::*;
use wasm_sse::client::{EventStream, EventStreamBuilder};
use wasm_sse::{IdleTimeout, RetryConfig};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{get, key, num, server_stats, url};

/// What a run saw: the event data, the retries (attempt, delay, error message) and the time.
struct Run {
    data: Vec<String>,
    retries: Vec<(u32, String)>,
    errors: Vec<String>,
    elapsed_ms: f64,
}

async fn run(path: &str, timeout: IdleTimeout) -> Run {
    run_request(EventStream::builder(url(path)), timeout).await
}

async fn run_request(builder: EventStreamBuilder, timeout: IdleTimeout) -> Run {
    let retries = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&retries);
    let mut stream = builder
        .idle_timeout(timeout)
        .retry(RetryConfig { max_retries: 3, initial_delay_ms: 10, max_delay_ms: 50, jitter: false })
        .on_retry(move |info| seen.borrow_mut().push((info.attempt, info.error.to_string())))
        .build()
        .unwrap();
    let started = js_sys::Date::now();
    let (mut data, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        match item {
            Ok(event) if event.event_type == "message" => data.push(event.data),
            Ok(_) => {}
            Err(err) => errors.push(err.to_string()),
        }
    }
    let retries = retries.borrow().clone();
    Run { data, retries, errors, elapsed_ms: js_sys::Date::now() - started }
}

async fn last_event_ids(key: &str) -> Vec<String> {
    let ids = get(&server_stats(key).await, "lastEventIds");
    js_sys::Array::from(&ids).iter().filter_map(|id| id.as_string()).collect()
}

#[wasm_bindgen_test]
async fn a_silent_connection_is_cut_after_idle_timeout_and_resumed() {
    let k = key("silent");
    let got = run(&format!("/silent?n=4&after=2&silent_ms=30000&key={k}"), IdleTimeout::Ms(500)).await;
    assert_eq!(got.data, ["1", "2", "3", "4"], "each event once, in order");
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.retries.len(), 1, "{:?}", got.retries);
    assert!(got.retries[0].1.contains("silent for 500 ms"), "{}", got.retries[0].1);
    assert_eq!(last_event_ids(&k).await, ["2"]);
    assert!(got.elapsed_ms < 10_000.0, "{} ms", got.elapsed_ms);
}

#[wasm_bindgen_test]
async fn auto_learns_the_keepalive_interval_and_detects_a_long_silence() {
    // Keep-alives every 300 ms, then 8 s of silence: under `Auto` that is a stall after
    // 5 s (three intervals are 900 ms, under the 5 s minimum).
    let k = key("auto");
    let path = format!("/silent?n=2&after=1&keepalives=4&keepalive_ms=300&silent_ms=8000&key={k}");
    let got = run(&path, IdleTimeout::Auto).await;
    assert_eq!(got.data, ["1", "2"]);
    assert_eq!(got.retries.len(), 1, "{:?}", got.retries);
    assert!(got.retries[0].1.contains("silent for 5000 ms"), "{}", got.retries[0].1);
    assert_eq!(last_event_ids(&k).await, ["1"]);
    // ~1.2 s of keep-alives + 5 s + the resumed connection's 1.2 s; the server's own end
    // would have come after 9.2 s.
    assert!((6_000.0..9_000.0).contains(&got.elapsed_ms), "{} ms", got.elapsed_ms);
}

#[wasm_bindgen_test]
async fn a_slow_stream_of_keepalives_is_never_cut() {
    // 3 s of keep-alives only, with a 1 s limit: alive all along.
    let got =
        run("/silent?n=1&after=1&keepalives=10&keepalive_ms=300&silent_ms=0", IdleTimeout::Ms(1_000)).await;
    assert_eq!(got.data, ["1"]);
    assert!(got.retries.is_empty(), "{:?}", got.retries);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
}

#[wasm_bindgen_test]
async fn off_waits_for_the_server() {
    // Keep-alives, then 6 s of silence: `Auto` would cut it after 5 s; `Off` waits.
    let path = "/silent?n=2&after=1&keepalives=3&keepalive_ms=300&silent_ms=6000";
    let got = run(path, IdleTimeout::Off).await;
    assert_eq!(got.data, ["1", "2"]);
    assert_eq!(got.retries.len(), 1, "the server's own clean end, after 6 s of silence");
    assert!(!got.retries[0].1.contains("silent for"), "{}", got.retries[0].1);
}

#[wasm_bindgen_test]
async fn a_silent_post_without_ids_closes_saying_it_was_cut_and_not_resent() {
    let k = key("silent-post");
    let builder =
        EventStream::builder(url(&format!("/silent?n=4&after=2&ids=false&silent_ms=30000&key={k}")))
            .json_body(r#"{"message":"once"}"#);
    let got = run_request(builder, IdleTimeout::Ms(500)).await;
    assert_eq!(got.data, ["1", "2"]);
    assert!(got.retries.is_empty(), "{:?}", got.retries);
    // The error names both: the client cut a silent connection, and why it was not re-sent.
    assert_eq!(got.errors.len(), 1, "{:?}", got.errors);
    assert!(got.errors[0].contains("silent for 500 ms"), "{}", got.errors[0]);
    assert!(got.errors[0].contains("no event ID to resume from"), "{}", got.errors[0]);
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0, "one POST");
    assert!(got.elapsed_ms < 10_000.0, "{} ms", got.elapsed_ms);
}

/// `setTimeout` calls while `body` runs, counted by wrapping the global (gloo-timers looks
/// it up at each call).
async fn timers_set_during<F: std::future::Future<Output = ()>>(body: F) -> f64 {
    let wrap = js_sys::Function::new_no_args(
        "const real = globalThis.setTimeout; globalThis.__timersSet = 0; \
         globalThis.setTimeout = function (...args) { globalThis.__timersSet += 1; return real.apply(this, args); }; \
         return () => { globalThis.setTimeout = real; return globalThis.__timersSet; };",
    );
    let unwrap: js_sys::Function = wrap.call0(&wasm_bindgen::JsValue::NULL).unwrap().into();
    body.await;
    unwrap.call0(&wasm_bindgen::JsValue::NULL).unwrap().as_f64().unwrap()
}

/// The `setTimeout` calls of a stream of `path` read to its end (`run`): two events, no
/// error, no retry.
async fn timers_of(path: &str, timeout: IdleTimeout) -> f64 {
    timers_set_during(async {
        let got = run(path, timeout).await;
        assert_eq!(got.data, ["1", "2"]);
        assert!(got.errors.is_empty() && got.retries.is_empty(), "{:?} {:?}", got.errors, got.retries);
    })
    .await
}

#[wasm_bindgen_test]
async fn auto_sets_no_timer_until_keepalives_give_it_a_limit() {
    // Two events, 50 ms and a keep-alive (which wakes the watch and gives it no limit
    // yet), then `done`: nothing can stall under `Auto`, so the watch waits for keep-alives
    // instead of looking every 1.25 s.
    let path = "/silent?n=2&after=2&keepalives=1&keepalive_ms=50";
    assert_eq!(timers_of(path, IdleTimeout::Auto).await, 0.0);
    // With a limit, the watch looks on a timer (and the count sees it).
    assert!(timers_of(path, IdleTimeout::Ms(60_000)).await >= 1.0);
}
