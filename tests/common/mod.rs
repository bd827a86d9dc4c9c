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

#[wasm_bindgen(inline_js = "export async function getJson(url) { return (await fetch(url)).json(); }")]
extern "C" {
    #[wasm_bindgen(js_name = getJson)]
    fn get_json(url: &str) -> js_sys::Promise;
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
    JsFuture::from(get_json(&url(&format!("/stats?key={key}")))).await.unwrap()
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
