//! Endpoints about bytes on the wire: content types, awkward chunk boundaries, big and sparse bodies.
//! The client must give the same events however the body is cut, so these cut it badly on purpose.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::script::{done_event, play, sse_event, sse_response, Step};
use crate::state::AppState;

/// The `key` parameter alone, for endpoints that take nothing else.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyParam {
    /// The test's id for what this request does.
    pub key: String,
}

/// Query parameters of `GET /content-type`.
#[derive(Debug, Deserialize)]
pub struct ContentTypeParams {
    ct: Option<String>,
}

/// `GET /content-type`: a fixed body under exactly the `ct` given, or no `Content-Type` at all.
/// NDJSON types (`ct` containing `ndjson` or `jsonl`) get an NDJSON body, others an SSE one.
pub async fn content_type(Query(params): Query<ContentTypeParams>) -> Response {
    let ct = params.ct.unwrap_or_default();
    let body = if ct.contains("ndjson") || ct.contains("jsonl") {
        "{\"type\":\"text\",\"content\":\"hello\"}\n{\"type\":\"done\"}\n"
    } else {
        "data: hello\n\nevent: done\ndata: {}\n\n"
    };
    let mut response = Response::new(Body::from(body));
    if !ct.is_empty() {
        let Ok(value) = HeaderValue::from_str(&ct) else {
            return (StatusCode::BAD_REQUEST, "ct is not a valid header value").into_response();
        };
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// `GET|POST /echo`: one `event: echo` describing the request, then done.
pub async fn echo(
    State(state): State<AppState>,
    Query(params): Query<KeyParam>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut names = serde_json::Map::new();
    for name in headers.keys() {
        // Repeated headers are joined the way fetch's `Headers.get` joins them.
        let values: Vec<_> =
            headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes())).collect();
        names.insert(name.as_str().to_owned(), values.join(", ").into());
    }
    let last_event_id = headers.get("last-event-id").map(|v| String::from_utf8_lossy(v.as_bytes()));
    let echo = json!({
        "method": method.as_str(),
        "headers": names,
        "body": String::from_utf8_lossy(&body),
        "lastEventId": last_event_id,
    });
    let steps = [Step::Send(sse_event(None, Some("echo"), &echo.to_string())), done_event()];
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET|POST /ndjson`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct NdjsonParams {
    count: usize,
    delay_ms: u64,
    key: String,
}

impl Default for NdjsonParams {
    fn default() -> Self {
        NdjsonParams { count: 5, delay_ms: 10, key: String::new() }
    }
}

/// `GET|POST /ndjson`: a thought line, `count` text lines (the first one split across two
/// frames), a line that is not JSON, and a done line, each line its own frame.
pub async fn ndjson(State(state): State<AppState>, Query(params): Query<NdjsonParams>) -> Response {
    const TOKENS: [&str; 5] = ["Streaming", " NDJSON", " works", " — ", "fine 🙂"];
    let mut lines = vec![json!({ "type": "thought", "content": "Thinking in lines" }).to_string()];
    lines.extend(
        TOKENS.iter().cycle().take(params.count).map(|t| json!({ "type": "text", "content": t }).to_string()),
    );
    lines.push("not json at all".to_owned());
    lines.push(json!({ "type": "done", "status": "complete" }).to_string());

    let mut steps = Vec::new();
    for (index, line) in lines.into_iter().enumerate() {
        if index > 0 {
            steps.push(Step::pause_ms(params.delay_ms));
        }
        let line = Bytes::from(line + "\n");
        if index == 1 && params.count > 0 {
            // The byte midpoint may fall inside "é"-like characters; the client must not care.
            let half = line.len() / 2;
            steps.extend([Step::Send(line.slice(..half)), Step::pause_ms(5), Step::Send(line.slice(half..))]);
        } else {
            steps.push(Step::Send(line));
        }
    }
    let mut response = Response::new(play(steps, state.open_stream(&params.key)));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The whole body of `GET /utf8-split`. A correct client sees exactly three events:
///
/// 1. type `message`, data `é€😀`
/// 2. type `text`, data `{"content":"🙂 ok"}` (its lines end in CRLF)
/// 3. type `done`, data `{}`
pub const UTF8_SPLIT_BODY: &str =
    "data: é€😀\n\nevent: text\r\ndata: {\"content\":\"🙂 ok\"}\r\n\r\nevent: done\ndata: {}\n\n";

/// Byte offsets where `/utf8-split` starts a new frame: inside each multi-byte character,
/// and between the `\r` and `\n` of a CRLF.
pub fn utf8_split_cuts() -> Vec<usize> {
    let at = |needle: &str| UTF8_SPLIT_BODY.find(needle).expect("needle is in the body");
    vec![at("é") + 1, at("€") + 2, at("😀") + 1, at("😀") + 3, at("text\r\n") + "text\r".len(), at("🙂") + 2]
}

/// `GET /utf8-split`: [`UTF8_SPLIT_BODY`] cut at [`utf8_split_cuts`], 5 ms between frames.
pub async fn utf8_split(State(state): State<AppState>, Query(params): Query<KeyParam>) -> Response {
    let body = Bytes::from_static(UTF8_SPLIT_BODY.as_bytes());
    let mut bounds = vec![0];
    bounds.extend(utf8_split_cuts());
    bounds.push(body.len());
    let steps: Vec<_> = bounds
        .windows(2)
        .flat_map(|w| [Step::pause_ms(5), Step::Send(body.slice(w[0]..w[1]))])
        .skip(1) // no pause before the first frame
        .collect();
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET /huge`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct HugeParams {
    bytes: usize,
    /// What the data repeats (whole, so `bytes` is rounded down to a multiple of it): `x`,
    /// or multi-byte text for checks of characters cut between reads.
    unit: String,
    /// The data is a token, `{"content":"…"}` around the repeated unit (which must then be
    /// the inside of a JSON string: escapes such as `\n` are sent as they are).
    json: bool,
    key: String,
}

impl Default for HugeParams {
    fn default() -> Self {
        HugeParams { bytes: 1 << 20, unit: "x".into(), json: false, key: String::new() }
    }
}

const HUGE_FRAME: usize = 64 << 10;
/// Past this a typo, not a test, is asking: refuse rather than stream for minutes.
const HUGE_MAX: usize = 256 << 20;

/// `GET /huge`: one event whose data is `unit` (default `x`) repeated to `bytes` (or a token
/// of it, with `json`), in frames of about 64 KiB, then done.
pub async fn huge(State(state): State<AppState>, Query(params): Query<HugeParams>) -> Response {
    if params.bytes > HUGE_MAX {
        return (StatusCode::BAD_REQUEST, format!("bytes must be at most {HUGE_MAX}")).into_response();
    }
    if params.unit.is_empty() || params.unit.len() > 64 || params.unit.contains(['\r', '\n']) {
        return (StatusCode::BAD_REQUEST, "unit must be 1 to 64 bytes without CR or LF").into_response();
    }
    if params.json && serde_json::from_str::<String>(&format!("\"{}\"", params.unit)).is_err() {
        return (StatusCode::BAD_REQUEST, "a json unit must be the inside of a JSON string").into_response();
    }
    // Every frame is a view of one shared buffer, so a big event costs one 64 KiB allocation;
    // its length is a whole number of units, so the frames join into the repeated unit.
    let unit = params.unit.as_bytes();
    let frame_len = HUGE_FRAME / unit.len() * unit.len();
    let frame = Bytes::from(unit.iter().copied().cycle().take(frame_len).collect::<Vec<u8>>());
    let total = params.bytes / unit.len() * unit.len();
    let frames = (0..total.div_ceil(frame_len))
        .map(move |i| Step::Send(frame.slice(..frame_len.min(total - i * frame_len))));
    let (head, tail) = if params.json { ("data: {\"content\":\"", "\"}\n\n") } else { ("data: ", "\n\n") };
    let steps = std::iter::once(Step::send(head)).chain(frames).chain([Step::send(tail), done_event()]);
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET /keepalive`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct KeepaliveParams {
    count: u64,
    key: String,
}

impl Default for KeepaliveParams {
    fn default() -> Self {
        KeepaliveParams { count: 5, key: String::new() }
    }
}

/// `GET /keepalive`: before each `data: N` event, a `: keep-alive` comment and a blank line,
/// neither of which may reach the application as an event; then done.
pub async fn keepalive(State(state): State<AppState>, Query(params): Query<KeepaliveParams>) -> Response {
    let steps = (1..=params.count).flat_map(|n| {
        [
            Step::send(": keep-alive\n\n"),
            Step::pause_ms(10),
            Step::send("\n"),
            Step::Send(sse_event(None, None, &n.to_string())),
        ]
    });
    let steps: Vec<_> = steps.chain([done_event()]).collect();
    sse_response(play(steps, state.open_stream(&params.key)))
}
