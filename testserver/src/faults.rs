//! Endpoints that fail on purpose: dropped connections, error statuses, slow and hinted streams.
//! They exercise the client's reconnect, `Last-Event-ID` resume, `retry:` and cancel paths.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::script::{done_event, play, resume_from, sse_event, sse_response, Step};
use crate::state::AppState;

/// Query parameters of `GET /counter`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct CounterParams {
    n: u64,
    drop_every: u64,
    /// Sent as `retry:` at the start of every connection.
    retry_ms: Option<u64>,
    /// How a connection ends after `drop_every` events: `cut` (an error) or `clean`.
    end: String,
    key: String,
}

impl Default for CounterParams {
    fn default() -> Self {
        CounterParams { n: 500, drop_every: 17, retry_ms: None, end: "cut".into(), key: String::new() }
    }
}

/// `GET /counter`: `id: i` / `data: i` for i in 1..=n, cut (or, with `end=clean`, ended
/// cleanly) after every `drop_every` events of one connection, resumed from
/// `Last-Event-ID`, then `event: done`.
pub async fn counter(
    State(state): State<AppState>,
    Query(params): Query<CounterParams>,
    headers: HeaderMap,
) -> Response {
    let start = resume_from(&headers).unwrap_or(1).max(1);
    let mut steps: Vec<Step> =
        params.retry_ms.map(|ms| Step::send(format!("retry: {ms}\n\n"))).into_iter().collect();
    let mut dropped = false;
    for (i, sent) in (start..=params.n).zip(1u64..) {
        steps.push(Step::Send(sse_event(Some(i), None, &i.to_string())));
        // `done` always follows, so a cut here never cuts a finished stream.
        if params.drop_every > 0 && sent % params.drop_every == 0 {
            if params.end != "clean" {
                steps.push(Step::Cut);
            }
            dropped = true;
            break;
        }
    }
    if !dropped {
        steps.push(done_event());
    }
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters shared by `/status/{code}` and `/flaky`'s failures.
#[derive(Debug, Deserialize)]
pub struct StatusParams {
    retry_after: Option<String>,
}

/// An error response: `{"error":"status <code>"}`, no body for 204 and 304, and `Retry-After`
/// when asked for (a number of seconds or an HTTP date, passed through as given).
fn status_response(code: u16, retry_after: Option<&str>) -> Response {
    let Some(status) = StatusCode::from_u16(code).ok().filter(|s| !s.is_informational()) else {
        let error = format!("status {code} cannot be sent: use a code from 200 to 999");
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response();
    };
    let mut response = if matches!(code, 204 | 304) {
        status.into_response()
    } else {
        (status, Json(json!({ "error": format!("status {code}") }))).into_response()
    };
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// `GET|POST /status/{code}`: that status, every time.
pub async fn status(Path(code): Path<u16>, Query(params): Query<StatusParams>) -> Response {
    status_response(code, params.retry_after.as_deref())
}

/// Query parameters of `GET /flaky`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct FlakyParams {
    fail: u64,
    status: u16,
    retry_after: Option<String>,
    key: String,
}

impl Default for FlakyParams {
    fn default() -> Self {
        FlakyParams { fail: 2, status: 503, retry_after: None, key: String::new() }
    }
}

/// `GET /flaky`: the first `fail` requests for a key get `status`, later ones a short stream.
pub async fn flaky(State(state): State<AppState>, Query(params): Query<FlakyParams>) -> Response {
    if state.hit(&params.key, "flaky") <= params.fail {
        return status_response(params.status, params.retry_after.as_deref());
    }
    let steps = [Step::Send(sse_event(Some(1), None, "ok")), done_event()];
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET|POST /slow`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct SlowParams {
    interval_ms: u64,
    count: u64,
    /// Wait this long before sending the response headers (to abort "before response").
    header_delay_ms: u64,
    /// Keep the connection open this long after `done` (a client that stops reading at
    /// `done` must still close it: it counts as disconnected).
    hold_ms: u64,
    key: String,
}

impl Default for SlowParams {
    fn default() -> Self {
        SlowParams { interval_ms: 100, count: 1000, header_delay_ms: 0, hold_ms: 0, key: String::new() }
    }
}

/// `GET|POST /slow`: `id: N` / `data: tick N` every `interval_ms`, `count` of them, then done
/// (and `hold_ms` more before the body ends).
/// The first tick goes out at once; a resumed request starts after its `Last-Event-ID`.
pub async fn slow(
    State(state): State<AppState>,
    Query(params): Query<SlowParams>,
    headers: HeaderMap,
) -> Response {
    // Opened before the header delay, so a client that leaves during it counts as disconnected.
    let guard = state.open_stream(&params.key);
    if params.header_delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(params.header_delay_ms)).await;
    }
    let start = resume_from(&headers).unwrap_or(1).max(1);
    let interval = params.interval_ms;
    let ticks = (start..=params.count).flat_map(move |n| {
        let pause = (n > start).then(|| Step::pause_ms(interval));
        pause.into_iter().chain([Step::Send(sse_event(Some(n), None, &format!("tick {n}")))])
    });
    let hold = (params.hold_ms > 0).then(|| Step::pause_ms(params.hold_ms));
    sse_response(play(ticks.chain([done_event()]).chain(hold), guard))
}

/// Query parameters of `GET /empty`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmptyParams {
    /// Sent as `retry:` before the body ends.
    retry_ms: Option<u64>,
    key: String,
}

/// `GET /empty`: 200 `text/event-stream` that ends at once with no event (only `retry:`
/// when asked for): a server a reconnecting client must not hammer.
pub async fn empty(State(state): State<AppState>, Query(params): Query<EmptyParams>) -> Response {
    let steps: Vec<Step> =
        params.retry_ms.map(|ms| Step::send(format!("retry: {ms}\n\n"))).into_iter().collect();
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET /silent`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct SilentParams {
    /// Events in all (`id: i` / `data: i`), then done.
    n: u64,
    /// Events per connection before it goes quiet.
    after: u64,
    /// `: keep-alive` comments sent after those events, `keepalive_ms` apart.
    keepalives: u64,
    keepalive_ms: u64,
    /// Then this long with the connection open and nothing sent, then a clean end.
    silent_ms: u64,
    /// Whether the events have `id:` fields (`ids=false`: a stream that cannot resume).
    ids: bool,
    key: String,
}

impl Default for SilentParams {
    fn default() -> Self {
        SilentParams {
            n: 4,
            after: 2,
            keepalives: 0,
            keepalive_ms: 300,
            silent_ms: 60_000,
            ids: true,
            key: String::new(),
        }
    }
}

/// `GET` or `POST /silent`: a connection that goes quiet without closing, as a proxy or a
/// mobile network leaves one: `after` events (resumed from `Last-Event-ID`), `keepalives`
/// comments, then no bytes for `silent_ms` before it ends. After the `n`th event: done.
pub async fn silent(
    State(state): State<AppState>,
    Query(params): Query<SilentParams>,
    headers: HeaderMap,
) -> Response {
    let start = resume_from(&headers).unwrap_or(1).max(1);
    let end = params.n.min(start.saturating_add(params.after.max(1)) - 1);
    let mut steps: Vec<Step> =
        (start..=end).map(|i| Step::Send(sse_event(params.ids.then_some(i), None, &i.to_string()))).collect();
    for _ in 0..params.keepalives {
        steps.extend([Step::pause_ms(params.keepalive_ms), Step::send(": keep-alive\n\n")]);
    }
    if end >= params.n {
        steps.push(done_event());
    } else {
        steps.push(Step::pause_ms(params.silent_ms));
    }
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET /retry-hint`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct RetryHintParams {
    ms: u64,
    key: String,
}

impl Default for RetryHintParams {
    fn default() -> Self {
        RetryHintParams { ms: 1500, key: String::new() }
    }
}

/// `GET /retry-hint`: the first connection for a key sends `retry: ms` and one event, then
/// ends cleanly without `done` (so the client must reconnect after `ms`); later ones finish.
pub async fn retry_hint(State(state): State<AppState>, Query(params): Query<RetryHintParams>) -> Response {
    let steps = if state.hit(&params.key, "retry-hint") == 1 {
        vec![Step::send(format!("retry: {}\n\n", params.ms)), Step::Send(sse_event(Some(1), None, "first"))]
    } else {
        vec![Step::Send(sse_event(Some(2), None, "second")), done_event()]
    };
    sse_response(play(steps, state.open_stream(&params.key)))
}
