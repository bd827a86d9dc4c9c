//! Browser tests of the provider protocols through both APIs (one client): each provider's
//! stream from the test server (`/provider/{name}`, the fixtures of
//! tests/fixtures/protocols in small frames) gives the fixture's typed events, with the
//! protocol named and with `auto`; an in-band error closes the stream with a `server`
//! error and no reconnect.
#![cfg(target_arch = "wasm32")]

use std::pin::Pin;

use futures_core::Stream;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_sse::client::EventStream;
use wasm_sse::js::start_stream;
use wasm_sse::{EventKind, Protocol, StreamError, StreamEvent};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{get, key, num, server_stats, text, url};

const PROVIDERS: [(&str, Protocol, &str, &str); 6] = [
    (
        "openai",
        Protocol::OpenAi,
        include_str!("fixtures/protocols/openai.expected.jsonl"),
        include_str!("fixtures/protocols/openai-error.expected.jsonl"),
    ),
    (
        "openai-responses",
        Protocol::OpenAiResponses,
        include_str!("fixtures/protocols/openai-responses.expected.jsonl"),
        include_str!("fixtures/protocols/openai-responses-error.expected.jsonl"),
    ),
    (
        "anthropic",
        Protocol::Anthropic,
        include_str!("fixtures/protocols/anthropic.expected.jsonl"),
        include_str!("fixtures/protocols/anthropic-error.expected.jsonl"),
    ),
    (
        "gemini",
        Protocol::Gemini,
        include_str!("fixtures/protocols/gemini.expected.jsonl"),
        include_str!("fixtures/protocols/gemini-error.expected.jsonl"),
    ),
    (
        "ollama",
        Protocol::Ollama,
        include_str!("fixtures/protocols/ollama.expected.jsonl"),
        include_str!("fixtures/protocols/ollama-error.expected.jsonl"),
    ),
    (
        "ai-sdk",
        Protocol::AiSdk,
        include_str!("fixtures/protocols/ai-sdk.expected.jsonl"),
        include_str!("fixtures/protocols/ai-sdk-error.expected.jsonl"),
    ),
];

#[wasm_bindgen(inline_js = r#"
// An event as the fixtures write it.
function shape(e) {
  switch (e.kind) {
    case 'text': case 'thought': return { kind: e.kind, content: e.content };
    case 'tool-call': return { kind: e.kind, toolCallId: e.toolCallId, toolName: e.toolName, argsDelta: e.argsDelta };
    case 'error': return { kind: e.kind, error: e.error };
    case 'done': {
      const done = { kind: 'done' };
      if (e.status !== undefined) done.status = e.status;
      if (e.usage !== undefined) done.usage = { inputTokens: e.usage.inputTokens, outputTokens: e.usage.outputTokens };
      return done;
    }
    default: return { kind: 'other', type: e.type };
  }
}
// Options that record the events (in the fixtures' shape, one JSON text each) and errors.
export function recording(url, protocol) {
  const rec = { events: [], errors: [], retries: 0 };
  const options = {
    url, protocol, retry: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 20 },
    onEvent: (e) => rec.events.push(JSON.stringify(shape(e))),
    onError: (err) => rec.errors.push(err),
    onRetry: () => { rec.retries += 1; },
  };
  return { options, rec };
}
export function normalise(line) { return JSON.stringify(JSON.parse(line)); }
"#)]
extern "C" {
    fn recording(url: &str, protocol: &str) -> JsValue;
    fn normalise(line: &str) -> String;
}

fn expected(jsonl: &str) -> Vec<String> {
    jsonl.lines().map(normalise).collect()
}

fn strings(value: &JsValue) -> Vec<String> {
    value.unchecked_ref::<Array>().iter().filter_map(|v| v.as_string()).collect()
}

/// Runs `/provider/{name}` through the JS API; the close info and the record.
async fn js_run(name: &str, protocol: &str, key: &str) -> (JsValue, JsValue) {
    let made = recording(&url(&format!("/provider/{name}?chunk=23&key={key}")), protocol);
    let handle = start_stream(&get(&made, "options")).expect("valid options");
    let info = JsFuture::from(handle.closed()).await.unwrap();
    (info, get(&made, "rec"))
}

#[wasm_bindgen_test]
async fn js_api_decodes_each_provider_named_and_auto() {
    for (name, protocol, want, _) in PROVIDERS {
        for protocol in [protocol.name(), "auto"] {
            let (info, rec) = js_run(name, protocol, &key(name)).await;
            assert_eq!(text(&info, "reason"), "done", "{name} {protocol}");
            assert_eq!(strings(&get(&rec, "events")), expected(want), "{name} {protocol}");
            assert_eq!(Array::from(&get(&rec, "errors")).length(), 0, "{name} {protocol}");
        }
    }
}

#[wasm_bindgen_test]
async fn js_api_in_band_error_closes_with_a_server_error_and_no_reconnect() {
    for (name, protocol, _, want) in PROVIDERS {
        let k = key(name);
        let (info, rec) = js_run(&format!("{name}-error"), protocol.name(), &k).await;
        let events = strings(&get(&rec, "events"));
        assert_eq!(events, expected(want), "{name}: nothing after the error");
        let provider_message = text(&js_sys::JSON::parse(events.last().unwrap()).unwrap(), "error");
        assert_eq!(text(&info, "reason"), "error", "{name}");
        let error = get(&info, "error");
        assert_eq!(text(&error, "kind"), "server", "{name}");
        assert_eq!(get(&error, "fatal").as_bool(), Some(true), "{name}");
        assert!(text(&error, "message").contains(&provider_message), "{name}: {}", text(&error, "message"));
        assert_eq!(Array::from(&get(&rec, "errors")).length(), 1, "{name}: onError once");
        assert_eq!(num(&rec, "retries"), 0.0, "{name}");
        assert_eq!(num(&server_stats(&k).await, "requests"), 1.0, "{name}: not re-sent");
    }
}

#[wasm_bindgen_test]
async fn js_api_refuses_an_unknown_protocol_naming_the_choices() {
    let made = recording(&url("/provider/openai"), "claude");
    let err = start_stream(&get(&made, "options")).map(|h| h.stop()).expect_err("refused");
    assert_eq!(text(&err, "kind"), "invalid-option");
    assert!(text(&err, "message").contains("'anthropic'"), "{}", text(&err, "message"));
    let wrong_type = js_sys::JSON::parse(r#"{"protocol": 5}"#).unwrap();
    Reflect::set(&wrong_type, &"url".into(), &url("/provider/openai").into()).unwrap();
    let err = start_stream(&wrong_type).map(|h| h.stop()).expect_err("refused");
    assert!(text(&err, "message").contains("protocol"), "{}", text(&err, "message"));
}

/// An event of the Rust API in the fixtures' shape, as the JS `shape` writes it.
fn rust_shape(event: &StreamEvent) -> String {
    let s = |text: &str| js_sys::JSON::stringify(&text.into()).unwrap().as_string().unwrap();
    match &event.kind {
        EventKind::Text { content } => format!(r#"{{"kind":"text","content":{}}}"#, s(content)),
        EventKind::Thought { content } => format!(r#"{{"kind":"thought","content":{}}}"#, s(content)),
        EventKind::ToolCall { id, name, args_delta } => format!(
            r#"{{"kind":"tool-call","toolCallId":{},"toolName":{},"argsDelta":{}}}"#,
            s(id),
            s(name),
            s(args_delta)
        ),
        EventKind::Error { message } => format!(r#"{{"kind":"error","error":{}}}"#, s(message)),
        EventKind::Done { status, usage } => {
            let mut done = String::from(r#"{"kind":"done""#);
            if let Some(status) = status {
                done += &format!(r#","status":{}"#, s(status));
            }
            if let Some(usage) = usage {
                let mut counts = Vec::new();
                if let Some(n) = usage.input_tokens {
                    counts.push(format!(r#""inputTokens":{n}"#));
                }
                if let Some(n) = usage.output_tokens {
                    counts.push(format!(r#""outputTokens":{n}"#));
                }
                done += &format!(r#","usage":{{{}}}"#, counts.join(","));
            }
            done + "}"
        }
        _ => format!(r#"{{"kind":"other","type":{}}}"#, s(&event.event_type)),
    }
}

async fn rust_run(name: &str, protocol: Protocol) -> (Vec<String>, Vec<StreamError>) {
    let mut stream = EventStream::builder(url(&format!("/provider/{name}?chunk=17")))
        .protocol(protocol)
        .build()
        .expect("valid options");
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        match item {
            Ok(event) => events.push(rust_shape(&event)),
            Err(err) => errors.push(err),
        }
    }
    (events, errors)
}

#[wasm_bindgen_test]
async fn rust_api_decodes_each_provider_and_ends_on_an_in_band_error() {
    for (name, protocol, want, want_error) in PROVIDERS {
        for protocol in [protocol, Protocol::Auto] {
            let (events, errors) = rust_run(name, protocol).await;
            assert_eq!(events, expected(want), "{name} {protocol:?}");
            assert!(errors.is_empty(), "{name}: {errors:?}");
        }
        let (events, errors) = rust_run(&format!("{name}-error"), protocol).await;
        assert_eq!(events, expected(want_error), "{name}-error");
        assert!(matches!(errors.as_slice(), [StreamError::Server { .. }]), "{name}: {errors:?}");
        assert_eq!(errors[0].kind(), "server");
    }
}
