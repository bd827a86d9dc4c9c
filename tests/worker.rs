//! The client inside a dedicated Web Worker: no `window`, only the worker's global scope.
//! Also where a test may move the worker's own `Date.now`: in the page it would move
//! ChromeDriver's injected scripts too, which wait on it (a clock set back hung them).
#![cfg(target_arch = "wasm32")]

use std::pin::Pin;

use futures_core::Stream;
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_sse::client::EventStream;
use wasm_sse::{EventKind, IdleTimeout, RetryConfig};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod common;
use common::{key, SERVER};

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
// Sets this worker's Date.now back by `ms` for `forMs`, as a system clock change would.
export function setClockBack(ms, forMs) {
  const real = Date.now;
  Date.now = () => real() - ms;
  setTimeout(() => { Date.now = real; }, forMs);
}
export function monotonic() { return performance.now(); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = setClockBack)]
    fn set_clock_back(ms: f64, for_ms: u32);
    fn monotonic() -> f64;
}

#[wasm_bindgen_test]
async fn rust_api_streams_in_a_worker() {
    assert!(js_sys::global().dyn_into::<web_sys::WorkerGlobalScope>().is_ok(), "not in a worker");
    assert!(Reflect::get(&js_sys::global(), &"window".into()).unwrap().is_undefined());
    let mut stream =
        EventStream::builder(format!("{SERVER}/agent?prompt=worker&delay_ms=1")).build().unwrap();
    let mut text = String::new();
    let mut done = false;
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        let event = item.unwrap();
        match &event.kind {
            EventKind::Text { content } => text.push_str(content),
            EventKind::Done { .. } => done = true,
            _ => {}
        }
    }
    assert!(done);
    assert!(text.starts_with("You asked about “worker”."), "{text}");
}

#[wasm_bindgen_test]
async fn a_clock_set_back_does_not_hide_a_silent_connection() {
    // After the first two events the wall clock goes back an hour (for 3 s). On `Date.now()`
    // the silence looked negative and the stall timer slept for the hour; the server's own
    // end, 30 s later, was what reconnected.
    let k = key("clock");
    let mut stream = EventStream::builder(format!("{SERVER}/silent?n=4&after=2&silent_ms=30000&key={k}"))
        .idle_timeout(IdleTimeout::Ms(500))
        .retry(RetryConfig { max_retries: 3, initial_delay_ms: 10, max_delay_ms: 50, jitter: false })
        .build()
        .unwrap();
    let started = monotonic();
    let mut data = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        if let Ok(event) = item.as_ref() {
            if event.event_type == "message" {
                data.push(event.data.clone());
                if data.len() == 2 {
                    set_clock_back(3_600_000.0, 3_000);
                }
            }
        }
    }
    assert_eq!(data, ["1", "2", "3", "4"]);
    assert_eq!(stream.stats().reconnects, 1);
    // Measured on the monotonic clock: Date.now() is the one being moved.
    let elapsed = monotonic() - started;
    assert!(elapsed < 10_000.0, "the stall was found after {elapsed} ms, not at once");
}
