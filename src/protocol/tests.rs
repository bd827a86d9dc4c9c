//! The provider decoders against streams written from each provider's public streaming
//! reference (`tests/fixtures/protocols`, whose README cites the pages): each stream whole,
//! cut at every byte, and byte by byte, through the session that both APIs run; with the
//! protocol named and with `auto`. Then tables for the rules a stream shows only once.

use super::*;
use crate::config::Format;
use crate::error::StreamError;
use crate::event::EventKind;
use crate::retry::RetryConfig;
use crate::session::{End, Next, Session};
use serde_json::{json, Value};

type Items = Vec<Result<StreamEvent, StreamError>>;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/protocols/");

const PROVIDERS: [(&str, Protocol); 6] = [
    ("openai", Protocol::OpenAi),
    ("openai-responses", Protocol::OpenAiResponses),
    ("anthropic", Protocol::Anthropic),
    ("gemini", Protocol::Gemini),
    ("ollama", Protocol::Ollama),
    ("ai-sdk", Protocol::AiSdk),
];

fn fixture(name: &str) -> (Vec<u8>, Vec<Value>) {
    let body = std::fs::read([FIXTURES, name, ".txt"].concat()).unwrap();
    let expected = std::fs::read_to_string([FIXTURES, name, ".expected.jsonl"].concat()).unwrap();
    (body, expected.lines().map(|line| serde_json::from_str(line).unwrap()).collect())
}

/// An event as the fixtures write it (the JS API's field names).
fn as_json(event: &StreamEvent) -> Value {
    match &event.kind {
        EventKind::Text { content } => json!({ "kind": "text", "content": content }),
        EventKind::Thought { content } => json!({ "kind": "thought", "content": content }),
        EventKind::Message { content } => json!({ "kind": "message", "content": content }),
        EventKind::ToolCall { id, name, args_delta } => {
            json!({ "kind": "tool-call", "toolCallId": id, "toolName": name, "argsDelta": args_delta })
        }
        EventKind::Error { message } => json!({ "kind": "error", "error": message }),
        EventKind::Done { status, usage } => {
            let mut done = json!({ "kind": "done" });
            if let Some(status) = status {
                done["status"] = json!(status);
            }
            if let Some(usage) = usage {
                done["usage"] =
                    json!({ "inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens });
            }
            done
        }
        _ => json!({ "kind": "other", "type": event.event_type }),
    }
}

/// Runs `body` cut into `chunks` through a session as the client does: it stops reading
/// when the session says so, then ends the attempt. The events, and what comes next.
fn run(name: &str, protocol: Protocol, ai_sdk_header: bool, chunks: &[&[u8]]) -> (Vec<Value>, Next) {
    let content_type = if name.starts_with("ollama") { "application/x-ndjson" } else { "text/event-stream" };
    let mut s: Session<Items> =
        Session::new(Format::Auto, protocol, 1 << 20, RetryConfig::default(), false, "", Vec::new());
    assert!(s.open(Some(content_type), ai_sdk_header));
    let mut stopped = false;
    for chunk in chunks {
        if s.feed(chunk) {
            stopped = true;
            break;
        }
    }
    let next = s.end(if stopped { End::Stopped } else { End::BodyEnded }, 0.5);
    let events = s.out.iter().map(|item| as_json(item.as_ref().expect("no parse errors"))).collect();
    (events, next)
}

/// Every way a fixture is run: named and `auto` (the AI SDK's with and without its header).
fn ways(protocol: Protocol) -> Vec<(Protocol, bool)> {
    let mut ways = vec![(protocol, false), (Protocol::Auto, false)];
    if protocol == Protocol::AiSdk {
        ways.push((Protocol::Auto, true));
    }
    ways
}

fn check(name: &str, protocol: Protocol, what_next: impl Fn(&Next) -> bool) {
    let (body, expected) = fixture(name);
    for (protocol, header) in ways(protocol) {
        let whole = run(name, protocol, header, &[&body]);
        assert_eq!(whole.0, expected, "{name} whole, {protocol:?}");
        assert!(what_next(&whole.1), "{name}: {:?}", whole.1);
        for at in 0..=body.len() {
            let split = run(name, protocol, header, &[&body[..at], &body[at..]]);
            assert_eq!(split, whole, "{name} cut at {at}, {protocol:?}");
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(run(name, protocol, header, &bytes), whole, "{name} byte by byte, {protocol:?}");
    }
}

#[test]
fn each_provider_stream_decodes_whole_at_every_split_and_byte_by_byte() {
    for (name, protocol) in PROVIDERS {
        check(name, protocol, |next| *next == Next::Done);
    }
}

#[test]
fn an_in_band_error_ends_the_stream_with_the_providers_message() {
    for (name, protocol) in PROVIDERS {
        let name = [name, "-error"].concat();
        let (_, expected) = fixture(&name);
        let message = expected.last().unwrap()["error"].as_str().unwrap().to_owned();
        check(&name, protocol, |next| *next == Next::Server(message.clone()));
        let error = StreamError::Server { message: message.clone() };
        assert_eq!(error.kind(), "server");
        assert!(error.message().contains(&message), "{}", error.message());
    }
}

#[test]
fn every_tool_call_concatenates_to_its_arguments() {
    for (name, _) in PROVIDERS {
        let (_, expected) = fixture(name);
        let mut calls: Vec<(String, String, String)> = Vec::new();
        for event in expected.iter().filter(|e| e["kind"] == "tool-call") {
            let (id, name) = (event["toolCallId"].as_str().unwrap(), event["toolName"].as_str().unwrap());
            match calls.iter_mut().find(|call| call.0 == id) {
                Some(call) => {
                    assert_eq!(call.1, name, "every event of a call carries its name");
                    call.2.push_str(event["argsDelta"].as_str().unwrap());
                }
                None => calls.push((id.into(), name.into(), event["argsDelta"].as_str().unwrap().into())),
            }
        }
        assert!(calls.len() >= 2, "{name}: parallel calls");
        for (id, _, args) in calls {
            assert!(serde_json::from_str::<Value>(&args).unwrap().is_object(), "{name} {id}: {args}");
        }
    }
}

#[test]
fn the_agent_vocabulary_is_unchanged_under_auto() {
    let body = b"event: text\ndata: {\"content\":\" Hi\"}\n\nevent: error\ndata: {\"error\":\"x\"}\n\n\
                 data: {\"choices\":1}\n\nevent: done\ndata: {}\n\n";
    let mut named =
        Session::new(Format::Auto, Protocol::Agent, 64, RetryConfig::default(), true, "", Items::new());
    let mut auto =
        Session::new(Format::Auto, Protocol::Auto, 64, RetryConfig::default(), true, "", Items::new());
    for s in [&mut named, &mut auto] {
        assert!(s.open(Some("text/event-stream"), false));
        assert!(s.feed(body), "done");
        assert_eq!(s.end(End::Stopped, 0.5), Next::Done, "an agent error does not end the stream");
    }
    assert_eq!(named.out, auto.out);
    assert_eq!(auto.out.len(), 4);
}

/// What `auto` settles on for a first event.
#[test]
fn auto_recognises_each_shape_from_its_first_event() {
    let table: &[(&str, &str, Protocol)] = &[
        ("message", r#"{"object":"chat.completion.chunk","choices":[]}"#, Protocol::OpenAi),
        ("message", r#"{"id":"x","choices":[{"delta":{"content":"a"}}]}"#, Protocol::OpenAi),
        ("response.created", r#"{"type":"response.created"}"#, Protocol::OpenAiResponses),
        ("message", r#"{"type":"response.created","response":{}}"#, Protocol::OpenAiResponses),
        ("message_start", r#"{"type":"message_start","message":{}}"#, Protocol::Anthropic),
        ("message", r#"{"type":"message_start","message":{}}"#, Protocol::Anthropic),
        ("message", r#"{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}"#, Protocol::Gemini),
        (
            "message",
            r#"{"model":"llama3","message":{"role":"assistant","content":"a"},"done":false}"#,
            Protocol::Ollama,
        ),
        ("message", r#"{"type":"start","messageId":"m"}"#, Protocol::AiSdk),
        ("message", r#"{"type":"text-delta","id":"t","delta":"a"}"#, Protocol::AiSdk),
        // The agent vocabulary, and anything unknown.
        ("text", r#"{"content":"a"}"#, Protocol::Agent),
        ("message", r#"{"content":"a"}"#, Protocol::Agent),
        ("message", "[DONE]", Protocol::Agent),
        ("message", "plain text", Protocol::Agent),
        ("ping", "", Protocol::Agent),
        ("text", r#"{"type":"text-delta"}"#, Protocol::Agent),
        ("message", r#"{"choices":null}"#, Protocol::Agent),
        ("message", r#"{"message":"hi","done":false}"#, Protocol::Agent),
    ];
    for (event_type, data, protocol) in table {
        assert_eq!(detect(event_type, data), *protocol, "{event_type} {data}");
    }
    let mut d = Decoder::new(Protocol::Auto);
    d.open(true);
    assert_eq!(d.protocol(), Protocol::AiSdk, "the AI SDK header decides");
    let mut d = Decoder::new(Protocol::OpenAi);
    d.open(true);
    assert_eq!(d.protocol(), Protocol::OpenAi, "a named protocol stays");
}

/// `auto` settles an agent token (`{"content":"…"}` of a text, thought or message event)
/// without `detect`: each such first event is one `detect` calls the agent vocabulary, and
/// decodes to the same event under `auto` as under `agent`. Contents that spell a
/// provider's keys or types are text, not keys.
#[test]
fn a_token_settles_auto_as_detect_would() {
    let contents =
        ["a", "", r#"{\"choices\":[]}"#, "response.created", "message_start", r#"\"done\":true"#, r"é\n"];
    for event_type in ["text", "thought", "message"] {
        for content in contents {
            let data = format!(r#"{{"content":"{content}"}}"#);
            assert!(crate::event::token(event_type, &data, 0..0, &mut String::new()).is_some(), "{data}");
            assert_eq!(detect(event_type, &data), Protocol::Agent, "{event_type} {data}");
            let events = [(event_type, data.as_str())];
            assert_eq!(
                decode(Protocol::Auto, &events),
                decode(Protocol::Agent, &events),
                "{event_type} {data}"
            );
        }
    }
    // Not tokens: another key, or a type whose field is not its content.
    for (event_type, data) in [("text", r#"{"content":"a","choices":[]}"#), ("done", r#"{"content":"a"}"#)] {
        assert!(
            crate::event::token(event_type, data, 0..0, &mut String::new()).is_none(),
            "{event_type} {data}"
        );
    }
}

/// Decodes SSE events (type, data) with one decoder.
fn decode(protocol: Protocol, events: &[(&str, &str)]) -> Vec<Value> {
    let mut d = Decoder::new(protocol);
    let mut out = Vec::new();
    for (event_type, data) in events {
        let raw = crate::RawEvent {
            event_type: (*event_type).into(),
            data: (*data).into(),
            last_event_id: String::new(),
        };
        d.decode_sse(&raw, |event| out.push(as_json(&event)));
    }
    out
}

#[test]
fn openai_rules() {
    let chunk = |delta: &str| ["{\"choices\":[{\"index\":0,\"delta\":", delta, "}]}"].concat();
    let events = [
        chunk(r#"{"content":null,"tool_calls":[{"index":0,"function":{"name":"a","arguments":"{"}}]}"#),
        // A server that repeats the ID on every piece: still one call.
        chunk(r#"{"tool_calls":[{"index":1,"id":"x","function":{"name":"b","arguments":""}}]}"#),
        chunk(r#"{"tool_calls":[{"index":1,"id":"x","function":{"arguments":"{}"}}]}"#),
        chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]}"#),
        chunk(r#"{"reasoning":"r","content":"c\"q\u00e9"}"#),
        r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#.into(),
        "[DONE]".into(),
    ];
    let events: Vec<(&str, &str)> = events.iter().map(|data| ("message", data.as_str())).collect();
    assert_eq!(
        decode(Protocol::OpenAi, &events),
        [
            json!({"kind":"tool-call","toolCallId":"call_0","toolName":"a","argsDelta":"{"}),
            json!({"kind":"tool-call","toolCallId":"x","toolName":"b","argsDelta":""}),
            json!({"kind":"tool-call","toolCallId":"x","toolName":"b","argsDelta":"{}"}),
            json!({"kind":"tool-call","toolCallId":"call_0","toolName":"a","argsDelta":"}"}),
            json!({"kind":"thought","content":"r"}),
            json!({"kind":"text","content":"c\"qé"}),
            json!({"kind":"other","type":"message"}),
            json!({"kind":"done","status":"stop"}),
        ]
    );
    // An error as a string or an object; data that is not JSON is `other`.
    assert_eq!(
        decode(Protocol::OpenAi, &[("message", "not json"), ("message", r#"{"error":"quota"}"#)]),
        [json!({"kind":"other","type":"message"}), json!({"kind":"error","error":"quota"})]
    );
}

#[test]
fn responses_errors_and_usage() {
    let nested = r#"{"type":"error","error":{"type":"server_error","message":"nested"}}"#;
    assert_eq!(
        decode(Protocol::OpenAiResponses, &[("error", nested)]),
        [json!({"kind":"error","error":"nested"})]
    );
    let failed = r#"{"type":"response.failed","response":{"error":{"code":"x","message":"it failed"}}}"#;
    assert_eq!(
        decode(Protocol::OpenAiResponses, &[("response.failed", failed)]),
        [json!({"kind":"error","error":"it failed"})]
    );
    let incomplete = r#"{"type":"response.incomplete","response":{"usage":null}}"#;
    assert_eq!(
        decode(Protocol::OpenAiResponses, &[("response.incomplete", incomplete)]),
        [json!({"kind":"done","status":"incomplete"})],
        "no usage when none came"
    );
}

#[test]
fn gemini_and_ollama_number_calls_without_ids_across_the_stream() {
    let gemini = r#"{"candidates":[{"content":{"parts":[{"text":"t"},{"functionCall":{"name":"f","args":{"a":1}}},{"functionCall":{"name":"g","args":{}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4}}"#;
    assert_eq!(
        decode(Protocol::Gemini, &[("message", gemini)]),
        [
            json!({"kind":"text","content":"t"}),
            json!({"kind":"tool-call","toolCallId":"call_0","toolName":"f","argsDelta":"{\"a\":1}"}),
            json!({"kind":"tool-call","toolCallId":"call_1","toolName":"g","argsDelta":"{}"}),
            json!({"kind":"done","status":"STOP","usage":{"inputTokens":3,"outputTokens":4}}),
        ]
    );
    let line = |calls: &str| {
        ["{\"model\":\"m\",\"message\":{\"content\":\"\",\"tool_calls\":", calls, "},\"done\":false}"]
            .concat()
    };
    let mut d = Decoder::new(Protocol::Ollama);
    let mut out = Vec::new();
    for data in [
        line(r#"[{"function":{"name":"a","arguments":{"x":"é"}}}]"#),
        line(r#"[{"function":{"name":"b","arguments":{}}}]"#),
    ] {
        d.decode_ndjson(&data, |event| out.push(as_json(&event))).unwrap();
    }
    assert_eq!(
        out,
        [
            json!({"kind":"tool-call","toolCallId":"call_0","toolName":"a","argsDelta":"{\"x\":\"é\"}"}),
            json!({"kind":"tool-call","toolCallId":"call_1","toolName":"b","argsDelta":"{}"}),
        ]
    );
}

#[test]
fn protocol_names_round_trip_and_a_wrong_one_says_what_to_pass() {
    for (name, protocol) in
        PROVIDERS.into_iter().chain([("auto", Protocol::Auto), ("agent", Protocol::Agent)])
    {
        assert_eq!(Protocol::parse(name).unwrap(), protocol);
        assert_eq!(protocol.name(), name);
    }
    let err = Protocol::parse("claude").unwrap_err();
    assert_eq!(err.kind(), "invalid-option");
    assert!(
        err.message().contains("'anthropic'") && err.message().contains("not 'claude'"),
        "{}",
        err.message()
    );
}

proptest::proptest! {
    /// Any bytes, any protocol, any chunking: no panic, and the events do not depend on
    /// where the chunks were cut.
    #[test]
    fn any_bytes_decode_the_same_however_cut(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        at in 0usize..300,
        which in 0usize..8,
    ) {
        let protocol = [Protocol::Auto, Protocol::Agent, Protocol::OpenAi, Protocol::OpenAiResponses,
            Protocol::Anthropic, Protocol::Gemini, Protocol::Ollama, Protocol::AiSdk][which];
        let at = at.min(body.len());
        let feed = |chunks: &[&[u8]]| {
            let mut s: Session<Items> =
                Session::new(Format::Auto, protocol, 1 << 12, RetryConfig::default(), false, "", Vec::new());
            assert!(s.open(Some("text/event-stream"), false));
            for chunk in chunks {
                if s.feed(chunk) { break; }
            }
            let next = s.end(End::BodyEnded, 0.5);
            (s.out, next)
        };
        proptest::prop_assert_eq!(feed(&[&body]), feed(&[&body[..at], &body[at..]]));
    }
}
