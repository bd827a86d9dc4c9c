//! Browser tests (`wasm-pack test --headless --chrome`) of the JS API, `startStream` as the
//! npm package exports it, against the real test server (`scripts/with-testserver.sh`).
//! It runs the same client as the Rust API in tests/browser.rs; these check what only the
//! JS side has: the options object, the callbacks and the handle. The packed package is
//! tested end to end in e2e/api.test.mjs.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_sse::js::{start_stream, start_stream_later, JsStreamHandle};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{get, len, text, url};

#[wasm_bindgen(inline_js = r#"
// Options whose callbacks record every call, in order, in `rec`.
export function recorded(extra) {
  const rec = { events: [], errors: [], opens: [], retries: [], closes: [], order: [] };
  const note = (what, list) => (x) => { rec.order.push(what); list.push(x); };
  const options = {
    onOpen: note('open', rec.opens), onEvent: note('event', rec.events), onRetry: note('retry', rec.retries),
    onError: note('error', rec.errors), onClose: note('close', rec.closes), ...extra,
  };
  return { options, rec };
}
export function urlObject(href) { return new URL(href); }
export function textOf(events) { return events.filter((e) => e.kind === 'text').map((e) => e.content).join(''); }
// Options that throw when read, in each way a Proxy or a getter can, at `where`.
export function throwing(url, where) {
  const trap = () => { throw new Error('read refused'); };
  switch (where) {
    case 'keys': return new Proxy({ url }, { ownKeys: trap });
    case 'get': return new Proxy({ url }, { get: trap });
    case 'getter': return { url, get onEvent() { return trap(); } };
    case 'headers': return { url, headers: new Proxy({}, { ownKeys: trap }) };
    default: return { url, retry: { get maxRetries() { return trap(); } } };
  }
}
// Options whose `url` is inherited, not an own key.
export function inheriting(url) { return Object.create({ url }); }
// A plain object that says it is a `name` (Symbol.toStringTag) and has `props`.
export function fake(name, props) { return { [Symbol.toStringTag]: name, ...props }; }
// A custom fetch that resolves to an object tagged Response with a real stream's fields.
export function fakeResponseFetch() {
  return async () => fake('Response', {
    status: 200, ok: true, headers: new Headers({ 'content-type': 'text/event-stream' }),
    body: new Response('data: x\n\n').body,
  });
}
// A custom fetch that resolves to a Response whose body something else is already reading.
export function lockedBodyFetch() {
  return async () => {
    const response = new Response('data: x\n\n', { headers: { 'content-type': 'text/event-stream' } });
    response.body.getReader();
    return response;
  };
}
// A custom fetch whose response is an AI SDK in-band error and says
// `x-vercel-ai-ui-message-stream: value`.
export function aiSdkHeaderFetch(value) {
  return async () => new Response('data: {"type":"error","errorText":"boom"}\n\n', {
    headers: { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': value },
  });
}
// `options` with an AbortSignal that their `onOpen` aborts, after recording the open.
export function abortingOnOpen(options) {
  const controller = new AbortController();
  const onOpen = options.onOpen;
  options.signal = controller.signal;
  options.onOpen = (info) => { onOpen(info); controller.abort(); };
  return options;
}
// A custom fetch whose body is `chunks` (strings), each read as one chunk.
export function chunkedFetch(chunks) {
  const bytes = chunks.map((c) => new TextEncoder().encode(c));
  return async () => new Response(new ReadableStream({
    pull(controller) { if (bytes.length) controller.enqueue(bytes.shift()); else controller.close(); },
  }), { headers: { 'content-type': 'text/event-stream' } });
}
"#)]
extern "C" {
    fn recorded(extra: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = chunkedFetch)]
    fn chunked_fetch(chunks: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = urlObject)]
    fn url_object(href: &str) -> JsValue;
    #[wasm_bindgen(js_name = textOf)]
    fn text_of(events: &JsValue) -> String;
    fn fake(name: &str, props: &JsValue) -> JsValue;
    fn inheriting(url: &str) -> JsValue;
    fn throwing(url: &str, place: &str) -> JsValue;
    #[wasm_bindgen(js_name = fakeResponseFetch)]
    fn fake_response_fetch() -> JsValue;
    #[wasm_bindgen(js_name = abortingOnOpen)]
    fn aborting_on_open(options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = lockedBodyFetch)]
    fn locked_body_fetch() -> JsValue;
    #[wasm_bindgen(js_name = aiSdkHeaderFetch)]
    fn ai_sdk_header_fetch(value: &str) -> JsValue;
}

/// `{ url, ...extra }` with recording callbacks: the options and the record.
fn options(url: JsValue, extra: &str) -> (JsValue, JsValue) {
    let extra = js_sys::JSON::parse(extra).unwrap();
    Reflect::set(&extra, &"url".into(), &url).unwrap();
    let made = recorded(&extra);
    (get(&made, "options"), get(&made, "rec"))
}

/// Starts the stream and waits for it to close; returns the close info.
async fn run(handle: &JsStreamHandle) -> JsValue {
    JsFuture::from(handle.closed()).await.unwrap()
}

fn thrown_message(options: &JsValue) -> (String, String) {
    let err = start_stream(options).map(|h| h.stop()).expect_err("the options were refused");
    (text(&err, "kind"), text(&err, "message"))
}

#[wasm_bindgen_test]
async fn js_api_typed_events_callbacks_and_stats() {
    let (opts, rec) = options(url("/agent?prompt=js&delay_ms=1").into(), "{}");
    let handle = start_stream(&opts).unwrap();
    assert_eq!(handle.status(), "connecting");
    let info = run(&handle).await;
    assert_eq!(text(&info, "reason"), "done");
    assert!(text_of(&get(&rec, "events")).starts_with("You asked about “js”."));
    let order: Vec<String> =
        get(&rec, "order").unchecked_into::<Array>().iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(order.first().map(String::as_str), Some("open"));
    assert_eq!(order.last().map(String::as_str), Some("close"));
    assert_eq!(get(&rec, "opens.0.status").as_f64(), Some(200.0));
    assert!(get(&rec, "opens.0.headers").is_instance_of::<web_sys::Headers>());
    let stats = handle.stats();
    assert_eq!(get(&stats, "events").as_f64(), Some(f64::from(len(&rec, "events"))));
    assert_eq!(get(&stats, "attempt").as_f64(), Some(1.0));
    // `stats()` is written as entries (src/js/api.rs); the Rust `Stats` derives its shape:
    // the same keys, in the same order.
    let keys = |o: &JsValue| {
        Object::keys(o.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect::<Vec<_>>()
    };
    let derived = serde_wasm_bindgen::to_value(&wasm_sse::client::Stats::default()).unwrap();
    assert_eq!(keys(&stats), keys(&derived));
    assert_eq!(handle.status(), "closed");
}

#[wasm_bindgen_test]
async fn js_api_each_batch_delivers_its_own_events_after_a_larger_one() {
    // events.js copies a batch's numbers into an array it keeps: a batch after a larger
    // one must read only its own entries, not the larger one's left behind them.
    let event = |tag: &str| format!("event: text\ndata: {{\"content\":\"{tag}\"}}\n\n");
    let chunk = |tag: char, n: usize| (0..n).map(|i| event(&format!("{tag}{i}"))).collect::<String>();
    let chunks: Array = [chunk('a', 5), chunk('b', 2), chunk('c', 1), chunk('d', 3)]
        .iter()
        .map(|c| JsValue::from_str(c))
        .collect();
    let (opts, rec) = options(url("/unused").into(), r#"{"retry":false}"#);
    Reflect::set(&opts, &"fetch".into(), &chunked_fetch(&chunks)).unwrap();
    let info = run(&start_stream(&opts).unwrap()).await;
    assert_eq!(text(&info, "reason"), "ended");
    let contents: Vec<String> =
        get(&rec, "events").unchecked_into::<Array>().iter().map(|e| text(&e, "content")).collect();
    assert_eq!(contents, ["a0", "a1", "a2", "a3", "a4", "b0", "b1", "c0", "d0", "d1", "d2"]);
    assert_eq!(len(&rec, "errors"), 0);
}

#[wasm_bindgen_test]
async fn js_api_large_event_text_is_whole_across_the_decoders_pieces() {
    // Data of 64 KiB or more crosses as its own string, decoded in 64 KiB pieces
    // (events.js): with a 6-byte unit, the piece ends (every 65,536 bytes of the data)
    // fall 4, 2 and 0 bytes into a unit: the first inside its 4-byte character (the
    // token's 12-byte head keeps that phase). A token's content crosses as its own string
    // and its data is joined around it (src/js/mod.rs, `Batch`); with escapes, unescaped,
    // the data and the content each cross as their own string.
    let plain = ("é😀", "%C3%A9%F0%9F%98%80", "é😀");
    let escaped = ("é😀\\n", "%C3%A9%F0%9F%98%80%5Cn", "é😀\n");
    for (units, json, (unit, query_unit, decoded)) in [
        (25_000, false, plain),
        (40_000, false, plain),
        (25_000, true, plain),
        (40_000, true, plain),
        (25_000, true, escaped),
    ] {
        let query = format!("/huge?bytes={}&unit={query_unit}&json={json}", units * unit.len());
        let (opts, rec) = options(url(&query).into(), "{}");
        let info = run(&start_stream(&opts).unwrap()).await;
        assert_eq!(text(&info, "reason"), "done");
        let (data, content) = (text(&rec, "events.0.data"), text(&rec, "events.0.content"));
        assert_eq!(content.len(), units * decoded.len());
        assert!(content == decoded.repeat(units), "the content differs from the unit repeated");
        let raw = unit.repeat(units);
        let want = if json { format!("{{\"content\":\"{raw}\"}}") } else { raw };
        assert!(data == want, "the data differs from the unit repeated (json: {json})");
    }
}

#[wasm_bindgen_test]
async fn js_api_null_options_are_not_given() {
    // Every option but the URL and the callbacks as null, some given between them: the
    // defaults, as when absent, and the given ones each where they belong.
    let extra = r#"{"method":null,"headers":null,"body":null,"credentials":null,"signal":null,
        "lastEventId":null,"format":"sse","protocol":null,"retry":null,"fetch":null,
        "maxEventBytes":100000,"idleTimeoutMs":null}"#;
    let (opts, rec) = options(url("/counter?n=3").into(), extra);
    let info = run(&start_stream(&opts).unwrap()).await;
    assert_eq!(text(&info, "reason"), "done");
    assert_eq!(len(&rec, "events"), 4);
    // A null among given options that are wrong: the wrong one is named; a falsy value is
    // given (and checked).
    let (opts, _) = options(url("/counter?n=3").into(), r#"{"format":null,"protocol":"x","onOpen":null}"#);
    assert!(thrown_message(&opts).1.contains("protocol"));
    let (opts, _) = options(url("/counter?n=3").into(), r#"{"retry":null,"maxEventBytes":0}"#);
    assert!(thrown_message(&opts).1.contains("maxEventBytes must be at least 1"));
}

#[wasm_bindgen_test]
async fn js_api_url_takes_a_url_object() {
    // What `fetch` takes; it was refused with "url must be a string" before.
    let (opts, rec) = options(url_object(&url("/counter?n=3")), "{}");
    let info = run(&start_stream(&opts).unwrap()).await;
    assert_eq!(text(&info, "reason"), "done");
    assert_eq!(len(&rec, "events"), 4);
}

#[wasm_bindgen_test]
async fn js_api_method_is_upper_cased() {
    let (opts, rec) = options(url("/echo").into(), r#"{"method":"patch","body":"x"}"#);
    run(&start_stream(&opts).unwrap()).await;
    let echo = js_sys::JSON::parse(&text(&rec, "events.0.data")).unwrap();
    assert_eq!(text(&echo, "method"), "PATCH");
}

#[wasm_bindgen_test]
fn js_api_bad_options_throw_invalid_option_naming_the_key() {
    let cases = [
        // The whole message, with every name read in the order the options are read.
        (
            r#"{"onevent":1}"#,
            "unknown option onevent; known options are url, method, headers, body, credentials, signal, \
             lastEventId, format, protocol, retry, fetch, maxEventBytes, idleTimeoutMs, onOpen, onEvent, \
             onRetry, onError, onClose",
        ),
        (
            r#"{"retry":{"maxRetry":3}}"#,
            "unknown option retry.maxRetry; known options are maxRetries, initialDelayMs, maxDelayMs, jitter",
        ),
        // Each option's value reaches its own check (each name in the list read in turn).
        (r#"{"format":1}"#, "format must be a string"),
        (r#"{"protocol":"x"}"#, "protocol"),
        (r#"{"credentials":"x"}"#, "credentials must be"),
        (r#"{"signal":1}"#, "signal must be an AbortSignal"),
        (r#"{"fetch":1}"#, "fetch must be a function"),
        (r#"{"idleTimeoutMs":-1}"#, "idleTimeoutMs must be"),
        (r#"{"onOpen":1}"#, "onOpen must be a function"),
        (r#"{"onRetry":1}"#, "onRetry must be a function"),
        (r#"{"onError":1}"#, "onError must be a function"),
        (r#"{"onClose":1}"#, "onClose must be a function"),
        (r#"{"retry":{"initialDelayMs":-1}}"#, "retry.initialDelayMs must be"),
        (r#"{"retry":{"maxDelayMs":"x"}}"#, "retry.maxDelayMs must be"),
        (r#"{"retry":{"jitter":1}}"#, "retry.jitter must be true or false"),
        // Keys that only look like the names joined: refused whole.
        (r#"{"":1}"#, "unknown option ; known options are url,"),
        (r#"{"url,method":1}"#, "unknown option url,method; known options are url,"),
        (r#"{"retry":{"maxRetries":-1}}"#, "retry.maxRetries must be a whole number"),
        (r#"{"headers":{"x-name":"€"}}"#, "ISO-8859-1"),
        (r#"{"method":"GET /x"}"#, "method"),
        (r#"{"maxEventBytes":1.5}"#, "maxEventBytes"),
        (r#"{"onEvent":"no"}"#, "onEvent must be a function"),
        // Headers.set threw for it and the request went out without Last-Event-ID.
        (r#"{"lastEventId":"a\nb"}"#, "lastEventId contains a line break"),
        // fetch throws for it, which read as a network error and was retried.
        (r#"{"method":"get","body":"x"}"#, "a GET request cannot have a body"),
    ];
    for (extra, needle) in cases {
        let (opts, _) = options(url("/counter").into(), extra);
        let (kind, message) = thrown_message(&opts);
        assert_eq!(kind, "invalid-option", "{extra}");
        assert!(message.contains(needle), "{extra}: {message}");
    }
    let (kind, message) = thrown_message(&JsValue::from_str("/counter"));
    assert_eq!(kind, "invalid-option");
    assert!(message.contains("options object"), "{message}");
    let (_, message) = thrown_message(&Object::new().into());
    assert!(message.contains("url is required"), "{message}");
}

#[wasm_bindgen_test]
async fn js_api_started_before_load_reports_bad_options_through_the_callbacks() {
    // What the package entry calls for a stream started before the module loaded.
    let (opts, rec) = options(url("/counter").into(), r#"{"format":"xml"}"#);
    let handle = start_stream_later(&opts);
    let info = run(&handle).await;
    assert_eq!(text(&info, "reason"), "error");
    assert_eq!(text(&info, "error.kind"), "invalid-option");
    let order: Vec<String> =
        get(&rec, "order").unchecked_into::<Array>().iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(order, ["error", "close"]);
    assert_eq!(get(&rec, "errors.0.fatal").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn js_api_stop_and_abort_signal_close_once_as_stopped() {
    let (opts, rec) = options(url("/slow?interval_ms=20").into(), "{}");
    let handle = start_stream(&opts).unwrap();
    handle.stop();
    handle.stop();
    assert_eq!(handle.status(), "closed");
    assert_eq!(text(&run(&handle).await, "reason"), "stopped");
    assert_eq!(len(&rec, "closes"), 1);

    let controller = web_sys::AbortController::new().unwrap();
    let (opts, rec) = options(url("/slow?interval_ms=20").into(), "{}");
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    let handle = start_stream(&opts).unwrap();
    controller.abort();
    assert_eq!(text(&run(&handle).await, "reason"), "stopped");
    assert_eq!(len(&rec, "events"), 0);
    assert_eq!(len(&rec, "closes"), 1);
}

/// An object that only says it is a URL, an AbortSignal or a Response (`Symbol.toStringTag`)
/// is not taken for one: the URL and the signal are refused, and a custom fetch resolving to
/// a fake Response is a network error. (They were accepted: the fake URL's `href` was read,
/// the fake signal was never listened to, and the fake Response was read as a stream.)
#[wasm_bindgen_test]
async fn js_api_objects_that_only_say_they_are_platform_objects_are_refused() {
    let props = js_sys::JSON::parse(&format!(r#"{{"href":"{}","aborted":false}}"#, url("/counter"))).unwrap();
    let (opts, _) = options(fake("URL", &props), "{}");
    assert!(thrown_message(&opts).1.contains("url must be a string or a URL"));
    let (opts, _) = options(url("/counter").into(), "{}");
    Reflect::set(&opts, &"signal".into(), &fake("AbortSignal", &props)).unwrap();
    assert!(thrown_message(&opts).1.contains("signal must be an AbortSignal"));

    let (opts, rec) = options(url("/counter").into(), r#"{"retry":false}"#);
    Reflect::set(&opts, &"fetch".into(), &fake_response_fetch()).unwrap();
    let closed = run(&start_stream(&opts).unwrap()).await;
    assert_eq!(text(&closed, "reason"), "error");
    assert_eq!(len(&rec, "events"), 0);
    let error = get(&rec, "errors.0");
    assert_eq!(text(&error, "kind"), "network");
    assert!(text(&error, "message").contains("did not resolve to a Response"), "{}", text(&error, "message"));
}

/// A stream stopped from its own `onOpen` (through its AbortSignal) closes as stopped
/// without reading its body: one open, no events, one close.
#[wasm_bindgen_test]
async fn js_api_a_stream_stopped_in_on_open_reads_nothing() {
    let (opts, rec) = options(url("/counter?n=5").into(), "{}");
    let closed = run(&start_stream(&aborting_on_open(&opts)).unwrap()).await;
    assert_eq!(text(&closed, "reason"), "stopped");
    assert_eq!((len(&rec, "opens"), len(&rec, "events"), len(&rec, "closes")), (1, 0, 1));
}

/// A custom fetch may resolve to a Response whose body cannot be read (another reader has
/// it): a network error, nothing thrown.
#[wasm_bindgen_test]
async fn js_api_a_body_that_cannot_be_read_is_a_network_error() {
    let (opts, rec) = options(url("/counter").into(), r#"{"retry":false}"#);
    Reflect::set(&opts, &"fetch".into(), &locked_body_fetch()).unwrap();
    let closed = run(&start_stream(&opts).unwrap()).await;
    assert_eq!(text(&closed, "reason"), "error");
    assert_eq!((len(&rec, "opens"), len(&rec, "events"), len(&rec, "errors")), (1, 0, 1));
    assert_eq!(text(&get(&rec, "errors.0"), "kind"), "network");
}

/// The JS API cuts a connection silent for `idleTimeoutMs` and resumes it. Its events go to
/// callbacks, so nothing but the open wakes the stall watch (the Rust API's consumer polls
/// the stream with each event, which would hide a missing wake).
#[wasm_bindgen_test]
async fn js_api_a_silent_connection_is_cut_after_idle_timeout_and_resumed() {
    let k = common::key("js-silent");
    let (opts, rec) = options(
        url(&format!("/silent?n=4&after=2&silent_ms=30000&key={k}")).into(),
        r#"{"idleTimeoutMs":500,"retry":{"maxRetries":3,"initialDelayMs":10,"maxDelayMs":50,"jitter":false}}"#,
    );
    let closed = run(&start_stream(&opts).unwrap()).await;
    assert_eq!(text(&closed, "reason"), "done");
    let events = Array::from(&get(&rec, "events"));
    let data: Vec<String> =
        events.iter().filter(|e| text(e, "type") == "message").map(|e| text(&e, "data")).collect();
    assert_eq!(data, ["1", "2", "3", "4"], "each event once, in order");
    assert_eq!(len(&rec, "retries"), 1);
    let message = text(&get(&rec, "retries.0.error"), "message");
    assert!(message.contains("silent for 500 ms"), "{message}");
}

/// `x-vercel-ai-ui-message-stream: v1` settles `auto` as the AI SDK's protocol, where
/// `{"type":"error"}` is an in-band error that closes the stream; ASCII whitespace around
/// `v1` aside (a form feed is not one the Headers class strips), anything else leaves it to
/// the events, which read that one as an agent event: the body's end closes it as ended.
#[wasm_bindgen_test]
async fn js_api_the_ai_sdk_header_settles_auto() {
    for (value, reason) in [("v1", "error"), ("\u{c}v1\u{c}", "error"), ("v2", "ended"), ("v1,v1", "ended")] {
        let (opts, _) = options(url("/counter").into(), r#"{"retry":false}"#);
        Reflect::set(&opts, &"fetch".into(), &ai_sdk_header_fetch(value)).unwrap();
        let closed = run(&start_stream(&opts).unwrap()).await;
        assert_eq!(text(&closed, "reason"), reason, "{value:?}");
    }
}

/// Options that throw when read (a Proxy's traps, a getter) give an `invalid-option` error;
/// the exception used to unwind through the wasm, out of `startStream` as it was.
#[wasm_bindgen_test]
async fn js_api_options_that_throw_when_read_are_an_invalid_option() {
    for (place, needle) in [
        ("keys", "options could not be read"),
        ("get", "options could not be read"),
        ("getter", "options could not be read"),
        ("headers", "headers could not be read"),
        ("retry", "retry.options could not be read"),
    ] {
        let (kind, message) = thrown_message(&throwing(&url("/counter"), place));
        assert_eq!(kind, "invalid-option", "{place}: {message}");
        assert!(message.contains(needle), "{place}: {message}");
    }
    // Options read as `options[name]`: inherited ones too (the prototype's `url`), as before.
    let closed = run(&start_stream(&inheriting(&url("/counter?n=2"))).unwrap()).await;
    assert_eq!(text(&closed, "reason"), "done");
    // And the next stream runs.
    let (opts, rec) = options(url("/counter?n=3").into(), "{}");
    assert_eq!(text(&run(&start_stream(&opts).unwrap()).await, "reason"), "done");
    assert_eq!(len(&rec, "events"), 4, "three and done");
}
