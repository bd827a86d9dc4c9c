//! The client inside a dedicated Web Worker: no `window`, only the worker's global scope.
#![cfg(target_arch = "wasm32")]

use std::pin::Pin;

use futures_core::Stream;
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use wasm_sse::client::EventStream;
use wasm_sse::EventKind;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

mod common;
use common::SERVER;

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
