//! What the browser test binaries share: the test server's address (set by
//! scripts/with-testserver.sh), its stats, and reading fields of JS values by path. Each
//! binary uses part of it.
#![allow(dead_code)]

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub const SERVER: &str = match option_env!("WASM_SSE_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:9",
};

// The global `fetch` (window or worker), imported as a global rather than from an
// `inline_js` snippet: each snippet is one more module the test page loads in parallel, and
// wasm-bindgen-test-runner's server (tiny_http 0.12) can leave a fifth simultaneous
// connection unserved, which hangs the page load for ChromeDriver's 300 s (docs/testing.md).
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> js_sys::Promise;
}

/// The test server's URL for `path`.
pub fn url(path: &str) -> String {
    format!("{SERVER}{path}")
}

/// A key the server files this test's requests under.
pub fn key(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e9) as u64)
}

/// The server's record for `key`: requests, gets, posts, lastEventIds, opened, disconnected, …
pub async fn server_stats(key: &str) -> JsValue {
    let response = JsFuture::from(global_fetch(&url(&format!("/stats?key={key}")))).await.unwrap();
    let response: web_sys::Response = response.dyn_into().unwrap();
    JsFuture::from(response.json().unwrap()).await.unwrap()
}

/// The value at a dotted `path` of `value` (`undefined` where it is missing).
pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| Reflect::get(&v, &key.into()).unwrap_or(JsValue::UNDEFINED))
}

pub fn num(value: &JsValue, path: &str) -> f64 {
    get(value, path).as_f64().unwrap_or_else(|| panic!("{path} is not a number: {:?}", get(value, path)))
}

pub fn text(value: &JsValue, path: &str) -> String {
    get(value, path).as_string().unwrap_or_else(|| panic!("{path} is not a string: {:?}", get(value, path)))
}

pub fn len(value: &JsValue, path: &str) -> u32 {
    get(value, path).unchecked_into::<Array>().length()
}
