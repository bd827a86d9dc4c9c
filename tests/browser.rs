//! Browser tests (`wasm-pack test --headless --chrome`): the Rust and JS APIs against the
//! real test server (`scripts/with-testserver.sh` starts it and sets WASM_SSE_TEST_SERVER).
#![cfg(target_arch = "wasm32")]

use std::pin::Pin;

use futures_core::Stream;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_sse::client::{EventStream, EventStreamBuilder, Status};
use wasm_sse::{EventKind, RetryConfig, StreamError, StreamEvent};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("WASM_SSE_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:9",
};

#[wasm_bindgen(inline_js = r#"
let rejections = 0;
let tracking = false;
export function trackRejections() {
  if (!tracking) {
    tracking = true;
    globalThis.addEventListener('unhandledrejection', () => { rejections += 1; });
  }
  return rejections;
}
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
export async function getJson(url) { return (await fetch(url)).json(); }
export async function getText(url) { return (await fetch(url)).text(); }
export function memoryBytes(memory) { return memory.buffer.byteLength; }
// The browser's connectivity, as the client sees it: navigator.onLine and the online event.
export function setOnLine(value) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => value });
}
export function fireOnline() { globalThis.dispatchEvent(new Event('online')); }
// The package is built with --weak-refs, where the GC frees a dropped handle; the test
// runner cannot enable that, so the test frees it as the finalizer would.
export function stopAndFree(handle) { handle.stop(); handle.free(); }

// Runs one stream through the JS API and records every callback, in order.
export async function run(startStream, options, stopWhen) {
  const rec = { events: [], errors: [], retries: [], opens: [], closes: [], order: [] };
  let handle;
  const note = (what, list) => (x) => {
    rec.order.push(what);
    list.push(x);
    if (stopWhen && stopWhen(what, x, rec)) handle.stop();
  };
  handle = startStream({
    onOpen: note('open', rec.opens),
    onEvent: note('event', rec.events),
    onRetry: note('retry', rec.retries),
    onError: note('error', rec.errors),
    onClose: note('close', rec.closes),
    ...options,
  });
  rec.statusAtStart = handle.status;
  rec.info = await handle.closed;
  rec.stats = handle.stats();
  rec.status = handle.status;
  rec.lastEventId = handle.lastEventId;
  rec.text = rec.events.filter((e) => e.type === 'text').map((e) => e.content).join('');
  rec.ids = rec.events.map((e) => e.lastEventId);
  rec.types = rec.events.map((e) => e.type);
  await new Promise((r) => setTimeout(r, 50));
  rec.callbacksAfterClose = rec.order.length - 1 - rec.order.lastIndexOf('close');
  return rec;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = trackRejections)]
    fn track_rejections() -> u32;
    fn sleep(ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = getJson)]
    fn get_json(url: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = getText)]
    fn get_text(url: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = setOnLine)]
    fn set_on_line(value: bool);
    #[wasm_bindgen(js_name = fireOnline)]
    fn fire_online();
    #[wasm_bindgen(js_name = stopAndFree)]
    fn stop_and_free(handle: &JsValue);
    #[wasm_bindgen(js_name = memoryBytes)]
    fn memory_bytes(memory: &JsValue) -> f64;
    fn run(start_stream: &Function, options: &JsValue, stop_when: &JsValue) -> js_sys::Promise;
}

// ---- helpers -------------------------------------------------------------------------

fn url(path: &str) -> String {
    format!("{SERVER}{path}")
}

/// A key the server files this test's requests under.
fn key(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e9) as u64)
}

async fn wait(ms: u32) {
    JsFuture::from(sleep(ms)).await.unwrap();
}

/// The server's record for `key`: requests, gets, posts, opened, disconnected, …
async fn server_stats(key: &str) -> JsValue {
    JsFuture::from(get_json(&url(&format!("/stats?key={key}")))).await.unwrap()
}

/// How many of `key`'s clients the server saw go away, polled until one did (2 s at most):
/// the server notices a closed connection a little after the client closed it.
async fn disconnects(key: &str) -> f64 {
    for _ in 0..40 {
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

fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| Reflect::get(&v, &key.into()).unwrap_or(JsValue::UNDEFINED))
}

fn num(value: &JsValue, path: &str) -> f64 {
    get(value, path).as_f64().unwrap_or_else(|| panic!("{path} is not a number: {:?}", get(value, path)))
}

fn text(value: &JsValue, path: &str) -> String {
    get(value, path).as_string().unwrap_or_else(|| panic!("{path} is not a string: {:?}", get(value, path)))
}

fn len(value: &JsValue, path: &str) -> u32 {
    get(value, path).unchecked_into::<Array>().length()
}

/// Parses a JS object literal, e.g. `{ retry: { maxRetries: 2 } }`.
fn js(source: &str) -> JsValue {
    Function::new_no_args(&format!("return ({source});")).call0(&JsValue::NULL).unwrap()
}

/// The exported `startStream`, as a plain JS function, exactly as a package user calls it.
fn start_stream_fn() -> Function {
    let f =
        Closure::<dyn Fn(JsValue) -> Result<wasm_sse::js::StreamHandle, JsValue>>::new(|options: JsValue| {
            wasm_sse::js::start_stream(options.unchecked_into())
        });
    // Leaked on purpose in tests only: one closure per test, the page is thrown away after.
    f.into_js_value().unchecked_into()
}

/// Runs the JS API with `options` (a JS literal, `url` included) and returns the record.
async fn run_js(options: &str) -> JsValue {
    run_js_until(options, JsValue::UNDEFINED).await
}

async fn run_js_until(options: &str, stop_when: JsValue) -> JsValue {
    JsFuture::from(run(&start_stream_fn(), &js(options), &stop_when)).await.unwrap()
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
    assert!(matches!(got.events[43].kind, EventKind::Done { status: Some(ref s) } if s == "complete"));
    assert_eq!(got.stream.status(), Status::Closed);
    let stats = got.stream.stats();
    assert_eq!((stats.events, stats.reconnects, stats.attempt), (44, 0, 1));
    assert!(stats.bytes > 2_000, "{stats:?}");
    assert_eq!(stats.last_event_id, "43");
}

#[wasm_bindgen_test]
async fn js_agent_stream_typed_events_and_lifecycle() {
    let rec = run_js(&format!("{{ url: '{}' }}", url("/agent?prompt=js&delay_ms=1"))).await;
    assert_eq!(text(&rec, "statusAtStart"), "connecting");
    assert_eq!(text(&rec, "text"), answer("js").await);
    assert_eq!(len(&rec, "events"), 44);
    assert_eq!(text(&rec, "events.0.type"), "thought");
    assert_eq!(text(&rec, "events.0.content"), "Reading the prompt: js");
    assert_eq!(text(&rec, "events.0.data"), r#"{"content":"Reading the prompt: js"}"#);
    assert_eq!(text(&rec, "events.0.json.content"), "Reading the prompt: js");
    assert_eq!(text(&rec, "events.0.lastEventId"), "0");
    assert_eq!(text(&rec, "events.43.type"), "done");
    assert_eq!(text(&rec, "events.43.status"), "complete");
    assert_eq!(num(&rec, "opens.0.status"), 200.0);
    assert_eq!(num(&rec, "opens.0.attempt"), 1.0);
    assert_eq!(len(&rec, "closes"), 1);
    assert_eq!(text(&rec, "info.reason"), "done");
    assert_eq!(text(&rec, "status"), "closed");
    assert_eq!(text(&rec, "lastEventId"), "43");
    assert_eq!(num(&rec, "stats.events"), 44.0);
    assert_eq!(len(&rec, "errors"), 0);
    assert_eq!(num(&rec, "callbacksAfterClose"), 0.0);
    // The padded token keeps its spaces; the multi-byte ones arrive whole.
    assert!(text(&rec, "text").contains("  spaced  ") && text(&rec, "text").contains("日本語"));
}

#[wasm_bindgen_test]
async fn post_sends_method_headers_and_json_body() {
    let k = key("echo");
    let rec = run_js(&format!(
        "{{ url: '{}', headers: {{ 'x-test-header': 'yes', authorization: 'Bearer secret-token' }}, body: {{ message: 'hi', n: 1 }} }}",
        url(&format!("/echo?key={k}"))
    ))
    .await;
    assert_eq!(text(&rec, "events.0.type"), "echo");
    let echo = get(&rec, "events.0.json");
    assert_eq!(text(&echo, "method"), "POST");
    assert_eq!(text(&echo, "body"), r#"{"message":"hi","n":1}"#);
    assert_eq!(text(&echo, "headers.content-type"), "application/json");
    assert_eq!(text(&echo, "headers.x-test-header"), "yes");
    assert_eq!(text(&echo, "headers.cache-control"), "no-cache");
    assert!(text(&echo, "headers.accept").starts_with("text/event-stream"));
    assert!(get(&echo, "headers.last-event-id").is_undefined());
    // No token leaks into stats.
    let stats = js_sys::JSON::stringify(&get(&rec, "stats")).unwrap().as_string().unwrap();
    assert!(!stats.contains("secret-token"), "{stats}");
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
    let rec = run_js(&format!("{{ url: '{}' }}", url(&format!("/status/401?key={k}")))).await;
    assert_eq!(len(&rec, "retries"), 0);
    assert_eq!(len(&rec, "errors"), 1);
    assert_eq!(text(&rec, "errors.0.kind"), "http");
    assert_eq!(num(&rec, "errors.0.status"), 401.0);
    assert_eq!(get(&rec, "errors.0.fatal"), JsValue::TRUE);
    assert!(text(&rec, "errors.0.message").contains("token"));
    assert_eq!(text(&rec, "info.reason"), "error");
    assert_eq!(text(&rec, "info.error.kind"), "http");
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0);

    let got = collect(EventStream::builder(url("/status/404"))).await;
    assert_eq!(got.errors, [StreamError::Http { status: 404 }]);
}

#[wasm_bindgen_test]
async fn http_503_retried_then_fatal_after_max_retries() {
    let k = key("503");
    let rec = run_js(&format!(
        "{{ url: '{}', retry: {{ maxRetries: 2, initialDelayMs: 10, maxDelayMs: 20, jitter: false }} }}",
        url(&format!("/status/503?key={k}"))
    ))
    .await;
    assert_eq!(len(&rec, "retries"), 2);
    assert_eq!(num(&rec, "retries.0.attempt"), 1.0);
    assert_eq!(num(&rec, "retries.0.delayMs"), 10.0);
    assert_eq!(num(&rec, "retries.1.delayMs"), 20.0);
    assert_eq!(text(&rec, "retries.0.error.kind"), "http");
    assert_eq!(get(&rec, "retries.0.error.fatal"), JsValue::FALSE);
    assert_eq!(text(&rec, "info.reason"), "error");
    assert_eq!(text(&rec, "info.error.kind"), "http");
    assert_eq!(num(&rec, "info.error.status"), 503.0);
    assert!(text(&rec, "info.error.message").contains("gave up after 3"));
    assert_eq!(num(&rec, "stats.reconnects"), 2.0);
    assert_eq!(num(&server_stats(&k).await, "requests"), 3.0);

    let got = collect(EventStream::builder(url("/status/500")).retry(fast_retry(1))).await;
    assert_eq!(got.errors.len(), 1);
    assert!(matches!(&got.errors[0], StreamError::RetriesExhausted { failures: 2, .. }));
    assert_eq!(got.errors[0].status(), Some(500));
}

#[wasm_bindgen_test]
async fn retry_after_is_honoured_then_the_stream_recovers() {
    let k = key("flaky");
    let start = js_sys::Date::now();
    let rec = run_js(&format!(
        "{{ url: '{}', retry: {{ initialDelayMs: 10, jitter: false }} }}",
        url(&format!("/flaky?key={k}&fail=1&status=429&retry_after=1"))
    ))
    .await;
    assert_eq!(len(&rec, "retries"), 1);
    assert_eq!(num(&rec, "retries.0.delayMs"), 1000.0);
    assert!(js_sys::Date::now() - start >= 1000.0);
    assert_eq!(text(&rec, "events.0.data"), "ok");
    assert_eq!(text(&rec, "info.reason"), "done");
    assert_eq!(num(&server_stats(&k).await, "requests"), 2.0);
}

#[wasm_bindgen_test]
async fn status_204_closes_without_retry() {
    let k = key("204");
    let rec = run_js(&format!("{{ url: '{}' }}", url(&format!("/status/204?key={k}")))).await;
    assert_eq!(text(&rec, "info.reason"), "ended");
    assert!(get(&rec, "info.error").is_undefined());
    assert_eq!((len(&rec, "errors"), len(&rec, "retries")), (0, 0));
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0);
}

#[wasm_bindgen_test]
async fn server_retry_hint_sets_the_backoff_base() {
    let k = key("hint");
    let rec = run_js(&format!(
        "{{ url: '{}', retry: {{ jitter: false }} }}",
        url(&format!("/retry-hint?key={k}&ms=300"))
    ))
    .await;
    assert_eq!(len(&rec, "retries"), 1);
    assert_eq!(num(&rec, "retries.0.delayMs"), 300.0);
    assert_eq!(text(&rec, "events.0.data"), "first");
    assert_eq!(text(&rec, "events.1.data"), "second");
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
        let rec = run_js(&format!("{{ url: '{}' }}", url(&format!("/content-type?ct={ct}")))).await;
        if ok {
            assert_eq!(text(&rec, "events.0.data"), "hello", "{ct}");
            assert_eq!(text(&rec, "info.reason"), "done", "{ct}");
        } else {
            assert_eq!(text(&rec, "info.error.kind"), "content-type", "{ct}");
            assert_eq!(len(&rec, "retries"), 0, "{ct}");
            assert_eq!(len(&rec, "events"), 0, "{ct}");
        }
    }
    let rec = run_js(&format!("{{ url: '{}' }}", url("/content-type"))).await;
    assert_eq!(text(&rec, "info.error.kind"), "content-type", "no content type at all");
    let rec =
        run_js(&format!("{{ url: '{}', format: 'sse' }}", url("/content-type?ct=application/x-ndjson")))
            .await;
    assert_eq!(text(&rec, "info.error.kind"), "content-type", "NDJSON refused when format is sse");
}

#[wasm_bindgen_test]
async fn ndjson_stream_through_both_apis() {
    let rec = run_js(&format!("{{ url: '{}' }}", url("/ndjson?count=4&delay_ms=1"))).await;
    let types: Vec<String> =
        get(&rec, "types").unchecked_into::<Array>().iter().filter_map(|t| t.as_string()).collect();
    assert_eq!(types, ["thought", "text", "text", "text", "text", "done"]);
    assert_eq!(len(&rec, "errors"), 1);
    assert_eq!(text(&rec, "errors.0.kind"), "parse");
    assert_eq!(get(&rec, "errors.0.fatal"), JsValue::FALSE);
    assert_eq!(text(&rec, "info.reason"), "done");

    let got = collect(EventStream::builder(url("/ndjson?count=2&delay_ms=1"))).await;
    assert_eq!(got.events.len(), 4);
    assert!(matches!(got.errors.as_slice(), [StreamError::Parse(_)]));
    let via_type = run_js(&format!("{{ url: '{}' }}", url("/content-type?ct=application/x-ndjson"))).await;
    assert_eq!(text(&via_type, "events.0.content"), "hello");
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
    let rec = run_js(&format!("{{ url: '{}' }}", url("/huge?bytes=1048576"))).await;
    assert_eq!(text(&rec, "events.0.data").len(), 1_048_576);
    assert_eq!(text(&rec, "info.reason"), "done");

    let rec = run_js(&format!("{{ url: '{}', maxEventBytes: 65536 }}", url("/huge?bytes=1048576"))).await;
    assert_eq!(len(&rec, "errors"), 1);
    assert_eq!(text(&rec, "errors.0.kind"), "limit");
    assert_eq!(get(&rec, "errors.0.fatal"), JsValue::FALSE);
    assert_eq!(text(&rec, "events.0.type"), "done", "the stream went on after the skipped event");
    assert_eq!(text(&rec, "info.reason"), "done");
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

    let rec = run_js(&format!(
        "{{ url: '{}', retry: {{ initialDelayMs: 5, jitter: false }} }}",
        url("/counter?n=100&drop_every=7")
    ))
    .await;
    assert_eq!(len(&rec, "events"), 101);
    assert_eq!(num(&rec, "stats.reconnects"), 14.0);
    assert_eq!(text(&rec, "events.99.data"), "100");
    assert_eq!(text(&rec, "info.reason"), "done");
}

#[wasm_bindgen_test]
async fn agent_drop_resumes_without_duplicated_tokens() {
    let k = key("agent-drop");
    let rec = run_js(&format!(
        "{{ url: '{}', body: {{ message: 'resume' }}, retry: {{ initialDelayMs: 5 }} }}",
        url(&format!("/agent?delay_ms=1&drop_after=10&drop_once=1&key={k}"))
    ))
    .await;
    assert_eq!(text(&rec, "text"), answer("resume").await);
    assert_eq!(len(&rec, "retries"), 1);
    assert_eq!(len(&rec, "events"), 44);
    let stats = server_stats(&k).await;
    assert_eq!(text(&stats, "lastEventIds.0"), "9");
}

#[wasm_bindgen_test]
async fn post_without_ids_dropped_is_not_resumable_and_not_resent() {
    let k = key("not-resumable");
    let rec = run_js(&format!(
        "{{ url: '{}', body: {{ message: 'once' }}, retry: {{ initialDelayMs: 5 }} }}",
        url(&format!("/agent?delay_ms=1&ids=0&drop_after=5&key={k}"))
    ))
    .await;
    assert_eq!(len(&rec, "events"), 5);
    assert_eq!(len(&rec, "retries"), 0);
    assert_eq!(text(&rec, "info.error.kind"), "not-resumable");
    assert_eq!(text(&rec, "info.reason"), "error");
    wait(200).await;
    let stats = server_stats(&k).await;
    assert_eq!((num(&stats, "requests"), num(&stats, "posts")), (1.0, 1.0), "the server saw one POST only");
}

// ---- stopping ------------------------------------------------------------------------

/// Stops a JS-API stream in the given phase; checks nothing fires after it, the server saw
/// the disconnect, and no promise rejection went unhandled.
async fn stop_in_phase(path: &str, stop_when: &str) -> JsValue {
    let before = track_rejections();
    let k = key("stop");
    let sep = if path.contains('?') { '&' } else { '?' };
    let full = url(&format!("{path}{sep}key={k}"));
    // Without a stop condition, the signal stops the stream after 50 ms.
    let options = match stop_when {
        "undefined" => format!("{{ url: '{full}', signal: AbortSignal.timeout(50) }}"),
        _ => format!("{{ url: '{full}' }}"),
    };
    let rec = run_js_until(&options, js(stop_when)).await;
    assert_eq!(text(&rec, "info.reason"), "stopped", "{path}");
    assert_eq!(len(&rec, "closes"), 1);
    assert_eq!(text(&rec, "status"), "closed");
    assert_eq!(num(&rec, "callbacksAfterClose"), 0.0, "{path}: a callback fired after stop");
    assert_eq!(disconnects(&k).await, 1.0, "{path}: the server saw the disconnect");
    wait(100).await;
    assert_eq!(track_rejections(), before, "{path}: unhandled rejection");
    rec
}

#[wasm_bindgen_test]
async fn stop_before_the_response_through_the_signal() {
    // The server holds the headers for 300 ms; the signal aborts at 50 ms.
    let rec = stop_in_phase("/slow?header_delay_ms=300", "undefined").await;
    assert_eq!((len(&rec, "opens"), len(&rec, "events")), (0, 0));
}

#[wasm_bindgen_test]
async fn stop_mid_body() {
    let rec = stop_in_phase(
        "/slow?interval_ms=20",
        "(what, x, rec) => what === 'event' && rec.events.length === 3",
    )
    .await;
    assert_eq!(len(&rec, "events"), 3);
}

#[wasm_bindgen_test]
async fn stop_during_backoff_cancels_the_timer() {
    let k = key("backoff");
    let rec = run_js_until(
        &format!(
            "{{ url: '{}', retry: {{ initialDelayMs: 300, jitter: false }} }}",
            url(&format!("/status/503?key={k}"))
        ),
        js("(what) => what === 'retry'"),
    )
    .await;
    assert_eq!(text(&rec, "info.reason"), "stopped");
    assert_eq!(len(&rec, "retries"), 1);
    wait(600).await;
    assert_eq!(num(&server_stats(&k).await, "requests"), 1.0, "no request after the stop");
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
async fn signal_already_aborted_sends_nothing() {
    let k = key("pre-aborted");
    let rec =
        run_js(&format!("{{ url: '{}', signal: AbortSignal.abort() }}", url(&format!("/slow?key={k}"))))
            .await;
    assert_eq!(text(&rec, "info.reason"), "stopped");
    wait(100).await;
    assert_eq!(num(&server_stats(&k).await, "requests"), 0.0);
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
    assert_eq!(disconnects(&k).await, 1.0);
}

// ---- options -------------------------------------------------------------------------

#[wasm_bindgen_test]
fn bad_options_throw_synchronously() {
    let start = start_stream_fn();
    for (options, needle) in [
        ("{ url: 'http://127.0.0.1:9/', headers: { 'x-a': 'v\\r\\nInjected: 1' } }", "line break"),
        ("{ url: 'http://127.0.0.1:9/', headers: { 'bad name': 'v' } }", "header name"),
        ("{ url: 'http://127.0.0.1:9/', onevent: () => {} }", "onevent"),
        ("{ url: 'http://127.0.0.1:9/', format: 'xml' }", "format"),
        ("{ url: 'http://127.0.0.1:9/', retry: { maxRetries: -1 } }", "retry"),
        ("{ url: 'http://127.0.0.1:9/', onEvent: 5 }", "onEvent"),
        ("{ url: 'http://127.0.0.1:9/', maxEventBytes: 0 }", "maxEventBytes"),
        ("{ url: 'http://127.0.0.1:9/', credentials: 'all' }", "credentials"),
        ("{ url: '' }", "url"),
        ("{}", "url"),
    ] {
        let err = start.call1(&JsValue::NULL, &js(options)).expect_err(options);
        assert_eq!(text(&err, "kind"), "invalid-option", "{options}");
        assert_eq!(text(&err, "name"), "WasmSseError");
        assert!(text(&err, "message").contains(needle), "{options}: {}", text(&err, "message"));
    }
    let err = EventStream::builder("http://127.0.0.1:9/").header("x", "a\nb").build().unwrap_err();
    assert_eq!(err.kind(), "invalid-option");
}

#[wasm_bindgen_test]
async fn custom_fetch_is_used_and_throwing_callbacks_do_not_stop_the_stream() {
    let rec = run_js(&format!(
        "{{ url: '{}', fetch: (u, init) => {{ init.headers.set('x-test-header', 'custom'); return fetch(u, init); }},
            onOpen: () => {{ throw new Error('user bug'); }} }}",
        url("/echo")
    ))
    .await;
    assert_eq!(text(&rec, "events.0.json.headers.x-test-header"), "custom");
    assert_eq!(text(&rec, "info.reason"), "done");
}

// ---- memory --------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn thousand_start_stop_cycles_keep_memory_flat() {
    let start = start_stream_fn();
    let memory = wasm_bindgen::memory();
    let slow = url("/slow?interval_ms=5&count=100000");
    let mut sizes = Vec::new();
    for cycle in 0..1000u32 {
        let options = js(&format!("{{ url: '{slow}', onEvent: () => {{}} }}"));
        let handle = start.call1(&JsValue::NULL, &options).unwrap();
        // Stop in different phases: before the response, and after some events.
        if cycle % 2 == 1 {
            wait(2).await;
        }
        stop_and_free(&handle);
        if cycle % 100 == 99 {
            wait(20).await;
            sizes.push(memory_bytes(&memory));
        }
    }
    console_log!("memory after each 100 of 1000 start/stop cycles (bytes): {sizes:?}");
    let warm = sizes[1];
    let last = *sizes.last().unwrap();
    assert!(last - warm <= 65_536.0, "memory grew from {warm} to {last} bytes after warm-up");
}
