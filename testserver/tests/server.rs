//! The test server over real loopback TCP: the bytes, chunking, cuts and stats that the browser
//! tests rely on. A wrong answer here would show up there as a baffling client failure.

mod common;

use std::time::{Duration, Instant};

use common::{get, read_until, request, send_head, start_server, stats, Event};
use serde_json::{json, Value};

fn content(event: &Event) -> String {
    let data: Value = serde_json::from_str(&event.data).unwrap();
    data["content"].as_str().unwrap().to_owned()
}

fn ids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.id.clone().unwrap()).collect()
}

#[tokio::test]
async fn agent_streams_thoughts_then_one_event_per_token_then_done() {
    let addr = start_server().await;
    let reply = get(addr, "/agent?prompt=rust%20wasm&delay_ms=0").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    assert_eq!(reply.header("x-accel-buffering"), Some("no"));
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(reply.complete);

    let events = reply.events();
    assert_eq!(reply.chunks.len(), events.len(), "each event is its own chunk");
    let names: Vec<_> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names[..3], ["thought"; 3]);
    assert!(names[3..names.len() - 1].iter().all(|n| *n == "text"));
    assert_eq!(
        events.last().unwrap(),
        &Event {
            id: Some((events.len() - 1).to_string()),
            name: "done".into(),
            data: r#"{"status":"complete"}"#.into(),
        }
    );
    assert_eq!(ids(&events), (0..events.len()).map(|i| i.to_string()).collect::<Vec<_>>());

    let tokens: Vec<_> = events[3..events.len() - 1].iter().map(content).collect();
    assert!(tokens.len() >= 30);
    assert!(!tokens[0].starts_with(' ') && tokens[1].starts_with(' '));
    assert!(tokens.contains(&"  spaced  ".to_owned()), "padding on both sides is kept");
    let answer = tokens.concat();
    assert!(answer.contains("“rust wasm”") && answer.contains('🙂') && answer.contains('é'));
    assert_eq!(get(addr, "/agent/answer?prompt=rust%20wasm").await.text(), answer);
}

#[tokio::test]
async fn agent_takes_a_posted_json_prompt_and_writes_retry_first() {
    let addr = start_server().await;
    let reply =
        request(addr, "POST", "/agent?delay_ms=0&retry=2500", &[], r#"{"message":"from body"}"#).await;
    assert!(reply.text().starts_with("retry: 2500\n\n"));
    assert_eq!(content(&reply.events()[0]), "Reading the prompt: from body");
    let answer: String = reply.events().iter().filter(|e| e.name == "text").map(content).collect();
    assert_eq!(answer, get(addr, "/agent/answer?prompt=from%20body").await.text());
}

#[tokio::test]
async fn agent_resumes_after_last_event_id() {
    let addr = start_server().await;
    let whole = get(addr, "/agent?delay_ms=0").await.events();
    let resumed = request(addr, "GET", "/agent?delay_ms=0", &[("Last-Event-ID", "5")], "").await;
    assert_eq!(resumed.events(), whole[6..]);
}

#[tokio::test]
async fn agent_drop_once_cuts_only_the_first_connection() {
    let addr = start_server().await;
    let path = "/agent?delay_ms=0&drop_after=4&drop_once=1&key=drop";
    let first = get(addr, path).await;
    assert!(!first.complete, "the cut must look like a network error, not a clean end");
    assert_eq!(ids(&first.events()), ["0", "1", "2", "3"]);

    let second = request(addr, "GET", path, &[("Last-Event-ID", "3")], "").await;
    assert!(second.complete);
    let events = second.events();
    assert_eq!(events[0].id.as_deref(), Some("4"));
    assert_eq!(events.last().unwrap().name, "done");

    let record = stats(addr, "drop").await;
    assert_eq!(record["gets"], 2);
    assert_eq!(record["lastEventIds"], json!(["3"]));
    assert_eq!(
        (record["opened"].clone(), record["dropped"].clone(), record["completed"].clone()),
        (json!(2), json!(1), json!(1))
    );
}

#[tokio::test]
async fn agent_with_require_auth_wants_the_demo_token() {
    let addr = start_server().await;
    let path = "/agent?delay_ms=0&require_auth=1";
    for headers in [&[][..], &[("Authorization", "Bearer wrong")][..]] {
        let reply = request(addr, "GET", path, headers, "").await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.text(), r#"{"error":"unauthorized"}"#);
    }
    let reply = request(addr, "GET", path, &[("Authorization", "Bearer demo-token")], "").await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn counter_cuts_every_n_events_and_resumes_to_the_end() {
    let addr = start_server().await;
    let (mut received, mut last_id, mut connections) = (Vec::new(), None::<String>, 0);
    loop {
        connections += 1;
        assert!(connections <= 5, "the counter never finished");
        let headers: Vec<_> = last_id.iter().map(|id| ("Last-Event-ID", id.as_str())).collect();
        let reply = request(addr, "GET", "/counter?n=40&drop_every=17&key=count", &headers, "").await;
        let events = reply.events();
        let numbers: Vec<_> = events.iter().filter(|e| e.name == "message").collect();
        last_id = numbers.last().and_then(|e| e.id.clone()).or(last_id);
        received.extend(numbers.iter().map(|e| e.data.parse::<u64>().unwrap()));
        if reply.complete {
            assert_eq!(events.last().unwrap().name, "done");
            break;
        }
        assert_eq!(numbers.len(), 17, "a cut connection carries exactly drop_every events");
    }
    assert_eq!(connections, 3);
    assert_eq!(received, (1..=40).collect::<Vec<_>>());
    let record = stats(addr, "count").await;
    assert_eq!(record["lastEventIds"], json!(["17", "34"]));
    assert_eq!((record["dropped"].clone(), record["completed"].clone()), (json!(2), json!(1)));
}

#[tokio::test]
async fn status_sends_the_code_with_json_and_retry_after() {
    let addr = start_server().await;
    let reply = get(addr, "/status/503?retry_after=7&key=st").await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("7"));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.text(), r#"{"error":"status 503"}"#);

    let posted = request(addr, "POST", "/status/429?key=st", &[], "{}").await;
    assert_eq!((posted.status, posted.header("retry-after")), (429, None));
    let empty = get(addr, "/status/204?key=st").await;
    assert_eq!((empty.status, empty.body().len()), (204, 0));

    let record = stats(addr, "st").await;
    assert_eq!(
        (record["requests"].clone(), record["gets"].clone(), record["posts"].clone()),
        (json!(3), json!(2), json!(1))
    );
}

#[tokio::test]
async fn flaky_fails_the_first_requests_then_streams() {
    let addr = start_server().await;
    let path = "/flaky?key=fl&fail=2&status=429&retry_after=1";
    for _ in 0..2 {
        let reply = get(addr, path).await;
        assert_eq!((reply.status, reply.header("retry-after")), (429, Some("1")));
    }
    let reply = get(addr, path).await;
    assert_eq!(reply.status, 200);
    let names: Vec<_> = reply.events().iter().map(|e| (e.name.clone(), e.data.clone())).collect();
    assert_eq!(names, [("message".to_owned(), "ok".to_owned()), ("done".to_owned(), "{}".to_owned())]);
    assert_eq!(get(addr, "/flaky?key=other&fail=2").await.status, 503, "counts are per key");
}

async fn assert_disconnect_recorded(interval_ms: u64, key: &str) {
    let addr = start_server().await;
    let mut stream =
        send_head(addr, "GET", &format!("/slow?interval_ms={interval_ms}&key={key}"), &[], "").await;
    read_until(&mut stream, "tick 1").await;
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let record = stats(addr, key).await;
        if record["disconnected"] == 1 {
            assert_eq!((record["opened"].clone(), record["completed"].clone()), (json!(1), json!(0)));
            return;
        }
        assert!(Instant::now() < deadline, "disconnect not recorded within 2 s: {record}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn slow_holds_the_connection_after_done_for_hold_ms() {
    let addr = start_server().await;
    let mut stream = send_head(addr, "GET", "/slow?count=1&hold_ms=600&key=hold", &[], "").await;
    read_until(&mut stream, "event: done").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let record = stats(addr, "hold").await;
    assert_eq!((record["opened"].clone(), record["completed"].clone()), (json!(1), json!(0)), "{record}");
    let mut rest = Vec::new();
    let ended = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut rest);
    tokio::time::timeout(Duration::from_secs(5), ended).await.expect("the body ends after the hold").unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while stats(addr, "hold").await["completed"] != 1 {
        assert!(Instant::now() < deadline, "the held stream was not recorded as completed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn stats_record_a_client_that_leaves_mid_stream() {
    assert_disconnect_recorded(100, "gone").await;
}

#[tokio::test]
async fn stats_record_a_client_that_leaves_while_the_stream_is_idle() {
    // No write is due for 10 s, so only hyper watching the socket can notice.
    assert_disconnect_recorded(10_000, "idle").await;
}

#[tokio::test]
async fn preflight_answers_any_path_and_is_not_counted() {
    let addr = start_server().await;
    for path in ["/counter?key=pf", "/no-such-path?key=pf"] {
        let reply = request(addr, "OPTIONS", path, &[("Access-Control-Request-Method", "GET")], "").await;
        assert_eq!(reply.status, 204);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            reply.header("access-control-allow-methods"),
            Some("GET, POST, PUT, PATCH, DELETE, OPTIONS")
        );
        assert!(reply.header("access-control-allow-headers").unwrap().contains("last-event-id"));
        assert!(reply.header("access-control-allow-headers").unwrap().contains("authorization"));
        assert_eq!(reply.header("access-control-max-age"), Some("600"));
    }
    assert_eq!(stats(addr, "pf").await["requests"], 0);
    let missing = get(addr, "/no-such-path").await;
    assert_eq!((missing.status, missing.header("access-control-allow-origin")), (404, Some("*")));
}

#[tokio::test]
async fn content_type_is_sent_exactly_or_not_at_all() {
    let addr = start_server().await;
    let bare = get(addr, "/content-type").await;
    assert_eq!((bare.status, bare.header("content-type")), (200, None));
    assert!(bare.text().starts_with("data: hello\n\n"));
    let odd = get(addr, "/content-type?ct=text%2Fevent-stream%3B").await;
    assert_eq!(odd.header("content-type"), Some("text/event-stream;"));
    let ndjson = get(addr, "/content-type?ct=application%2Fx-ndjson").await;
    assert_eq!(ndjson.text(), "{\"type\":\"text\",\"content\":\"hello\"}\n{\"type\":\"done\"}\n");
}

#[tokio::test]
async fn utf8_split_cuts_characters_and_crlf_across_chunks() {
    let addr = start_server().await;
    let reply = get(addr, "/utf8-split").await;
    assert_eq!(reply.body(), wasm_sse_testserver::framing::UTF8_SPLIT_BODY.as_bytes());
    assert_eq!(reply.chunks.len(), wasm_sse_testserver::framing::utf8_split_cuts().len() + 1);
    assert!(reply.chunks.iter().any(|c| std::str::from_utf8(c).is_err()), "some chunk cuts a character");
    assert!(reply.chunks.windows(2).any(|w| w[0].ends_with(b"\r") && w[1].starts_with(b"\n")));
    let events: Vec<_> = reply.events().into_iter().map(|e| (e.name, e.data)).collect();
    assert_eq!(
        events,
        [
            ("message".to_owned(), "é€😀".to_owned()),
            ("text".to_owned(), r#"{"content":"🙂 ok"}"#.to_owned()),
            ("done".to_owned(), "{}".to_owned()),
        ]
    );
}

#[tokio::test]
async fn retry_hint_first_connection_hints_and_ends_without_done() {
    let addr = start_server().await;
    let first = get(addr, "/retry-hint?ms=1500&key=rh").await;
    assert!(first.complete && first.text().starts_with("retry: 1500\n\n"));
    assert_eq!(first.events().iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["first"]);
    let second = get(addr, "/retry-hint?ms=1500&key=rh").await;
    assert_eq!(second.events().iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["second", "{}"]);
}

#[tokio::test]
async fn echo_reflects_method_headers_body_and_last_event_id() {
    let addr = start_server().await;
    let headers = [("X-Test-Header", "yes"), ("Last-Event-ID", "9")];
    let reply = request(addr, "POST", "/echo", &headers, "hi é").await;
    let events = reply.events();
    assert_eq!((events[0].name.as_str(), events[1].name.as_str()), ("echo", "done"));
    let echo: Value = serde_json::from_str(&events[0].data).unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["headers"]["x-test-header"], "yes");
    assert_eq!(echo["body"], "hi é");
    assert_eq!(echo["lastEventId"], "9");
    let plain: Value = serde_json::from_str(&get(addr, "/echo").await.events()[0].data).unwrap();
    assert_eq!((plain["method"].clone(), plain["lastEventId"].clone()), (json!("GET"), Value::Null));
}

#[tokio::test]
async fn ndjson_sends_one_frame_per_line_plus_one_split_line() {
    let addr = start_server().await;
    let reply = get(addr, "/ndjson?count=5&delay_ms=0").await;
    assert_eq!(reply.header("content-type"), Some("application/x-ndjson"));
    let text = reply.text();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(reply.chunks.len(), lines.len() + 1, "one line arrives in two chunks");
    assert_eq!(lines[6], "not json at all");
    let parsed: Vec<Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let kinds: Vec<_> = parsed.iter().map(|v| v["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["thought", "text", "text", "text", "text", "text", "done"]);
    let answer: String =
        parsed.iter().filter(|v| v["type"] == "text").map(|v| v["content"].as_str().unwrap()).collect();
    assert_eq!(answer, "Streaming NDJSON works — fine 🙂");
}

#[tokio::test]
async fn huge_sends_one_event_of_the_requested_size() {
    let addr = start_server().await;
    let reply = get(addr, "/huge?bytes=200000").await;
    let events = reply.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].data.len(), 200_000);
    assert!(events[0].data.bytes().all(|b| b == b'x'));
    assert!(reply.chunks.iter().all(|c| c.len() <= 64 << 10));
    // A multi-byte unit: whole units only, `bytes` rounded down.
    let reply = get(addr, "/huge?bytes=200000&unit=%C3%A9%F0%9F%98%80").await;
    let events = reply.events();
    assert_eq!(events[0].data, "é😀".repeat(33_333));
    assert_eq!(get(addr, "/huge?unit=a%0Ab").await.status, 400);
    // A token of the unit.
    let reply = get(addr, "/huge?bytes=12&unit=%C3%A9%F0%9F%98%80&json=true").await;
    assert_eq!(reply.events()[0].data, r#"{"content":"é😀é😀"}"#);
    assert_eq!(get(addr, "/huge?unit=%22&json=true").await.status, 400);
    // Escapes go out as they are; a bad one is refused.
    let reply = get(addr, "/huge?bytes=6&unit=a%5Cn&json=true").await;
    assert_eq!(reply.events()[0].data, r#"{"content":"a\na\n"}"#);
    assert_eq!(get(addr, "/huge?unit=a%5Cq&json=true").await.status, 400);
}

#[tokio::test]
async fn keepalive_comments_and_blank_lines_make_no_events() {
    let addr = start_server().await;
    let reply = get(addr, "/keepalive?count=3").await;
    assert_eq!(reply.text().matches(": keep-alive\n\n").count(), 3);
    let data: Vec<_> = reply.events().into_iter().map(|e| e.data).collect();
    assert_eq!(data, ["1", "2", "3", "{}"]);
}

#[tokio::test]
async fn counter_can_hint_retry_and_end_cleanly() {
    let addr = start_server().await;
    let reply = get(addr, "/counter?n=3&drop_every=1&retry_ms=0&end=clean&key=clean").await;
    assert!(reply.text().starts_with("retry: 0\n\n"), "{}", reply.text());
    assert_eq!(reply.events().len(), 1);
    assert!(reply.complete, "end=clean ends the body without an error");
    let record = stats(addr, "clean").await;
    assert_eq!(record["dropped"], json!(0));
}

#[tokio::test]
async fn empty_ends_at_once_with_no_event() {
    let addr = start_server().await;
    let reply = get(addr, "/empty?retry_ms=0&key=e").await;
    assert_eq!((reply.status, reply.header("content-type")), (200, Some("text/event-stream")));
    assert_eq!(reply.text(), "retry: 0\n\n");
    assert!(reply.events().is_empty() && reply.complete);
}

#[tokio::test]
async fn silent_goes_quiet_after_its_events_and_resumes() {
    let addr = start_server().await;
    let started = std::time::Instant::now();
    let reply = get(addr, "/silent?n=3&after=2&keepalives=2&keepalive_ms=50&silent_ms=300").await;
    let numbers: Vec<_> = reply.events().iter().map(|e| e.data.clone()).collect();
    assert_eq!(numbers, ["1", "2"]);
    assert_eq!(reply.text().matches(": keep-alive\n\n").count(), 2);
    assert!(started.elapsed() >= std::time::Duration::from_millis(400), "{:?}", started.elapsed());
    let reply =
        request(addr, "GET", "/silent?n=3&after=2&silent_ms=300", &[("Last-Event-ID", "2")], "").await;
    let events = reply.events();
    assert_eq!((events[0].data.as_str(), events.last().unwrap().name.as_str()), ("3", "done"));
}

#[tokio::test]
async fn provider_shapes_are_served_byte_for_byte_in_small_frames() {
    let addr = start_server().await;
    for (name, body) in wasm_sse_testserver::provider::PROVIDERS {
        let reply = get(addr, &format!("/provider/{name}?chunk=50")).await;
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(reply.body(), body.as_bytes(), "{name}");
        assert_eq!(reply.chunks.len(), body.len().div_ceil(50), "{name}: one frame per 50 bytes");
        let ndjson = name.starts_with("ollama");
        assert_eq!(
            reply.header("content-type"),
            Some(if ndjson { "application/x-ndjson" } else { "text/event-stream" }),
            "{name}"
        );
        let ai_sdk = reply.header("x-vercel-ai-ui-message-stream");
        assert_eq!(ai_sdk, name.starts_with("ai-sdk").then_some("v1"), "{name}");
    }
    let unknown = get(addr, "/provider/claude").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.text().contains("anthropic"), "{}", unknown.text());
}

#[tokio::test]
async fn the_providers_own_paths_answer_with_their_shape() {
    let addr = start_server().await;
    let post = |path: &'static str| async move { request(addr, "POST", path, &[], "{}").await };
    let paths = [
        ("/v1/chat/completions", "openai"),
        ("/v1/responses", "openai-responses"),
        ("/v1/messages?error=1", "anthropic-error"),
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "gemini"),
        ("/api/chat", "ollama"),
    ];
    for (path, name) in paths {
        let reply = post(path).await;
        let body = wasm_sse_testserver::provider::PROVIDERS.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!((reply.status, reply.body()), (200, body.as_bytes().to_vec()), "{path}");
    }
    assert_eq!(post("/v1beta/models/x:generateContent").await.status, 404);
}
