//! The HTTP server that wasm-sse's browser tests and the Next.js demo stream from.
//! Scripted SSE and NDJSON endpoints, fault injection, and per-key stats tests can read back.
//!
//! Every request but preflights, `/stats` and `/health` is counted under its `key=` query
//! value (the empty key when absent), and so is how each stream ended; `GET /stats?key=K`
//! returns the record. Each handler's docs give the exact events it sends.

#![warn(missing_docs, missing_debug_implementations)]

pub mod agent;
pub mod faults;
pub mod framing;
pub mod provider;
pub mod script;
pub mod state;

use std::collections::HashMap;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};

pub use state::{AppState, KeyRecord};

/// The server's routes, with fresh state.
pub fn app() -> Router {
    app_with_state(AppState::default())
}

/// The server's routes over `state`, for tests that want to look at the state directly.
pub fn app_with_state(state: AppState) -> Router {
    let routes = Router::new()
        .route("/agent", get(agent::stream).post(agent::stream))
        .route("/agent/answer", get(agent::answer))
        .route("/counter", get(faults::counter))
        .route("/status/{code}", get(faults::status).post(faults::status))
        .route("/flaky", get(faults::flaky))
        .route("/slow", get(faults::slow).post(faults::slow))
        .route("/retry-hint", get(faults::retry_hint))
        .route("/empty", get(faults::empty))
        .route("/silent", get(faults::silent).post(faults::silent))
        .route("/content-type", get(framing::content_type))
        .route("/echo", any(framing::echo))
        .route("/ndjson", get(framing::ndjson).post(framing::ndjson))
        .route("/utf8-split", get(framing::utf8_split))
        .route("/huge", get(framing::huge))
        .route("/keepalive", get(framing::keepalive))
        .route("/provider/{name}", get(provider::stream).post(provider::stream))
        .route("/v1/chat/completions", post(provider::at_provider_path))
        .route("/v1/responses", post(provider::at_provider_path))
        .route("/v1/messages", post(provider::at_provider_path))
        .route("/v1beta/models/{model}", post(provider::at_provider_path))
        .route("/api/chat", post(provider::at_provider_path))
        .route("/stats", get(stats))
        .route("/health", get(|| async { "ok" }))
        .with_state(state.clone());
    // Outside the router, so preflights on any path (even unknown ones or GET-only routes)
    // are answered here and never reach a handler or the request log.
    Router::new().fallback_service(routes).layer(middleware::from_fn_with_state(state, cors_and_log))
}

/// Answers CORS preflights, counts every other request under its `key`, and lets any origin
/// read any response and its headers (`Retry-After` included).
async fn cors_and_log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return preflight();
    }
    let path = request.uri().path();
    if path != "/stats" && path != "/health" {
        let query = Query::<HashMap<String, String>>::try_from_uri(request.uri()).map(|q| q.0);
        let key = query.ok().and_then(|mut q| q.remove("key")).unwrap_or_default();
        let last_event_id = request
            .headers()
            .get("last-event-id")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        state.record_request(&key, request.method(), last_event_id);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("*"));
    response
}

fn preflight() -> Response {
    // `*` in Allow-Headers does not cover `Authorization`, so the names tests send are listed too.
    let allow_headers = "*, content-type, last-event-id, cache-control, authorization, x-test-header";
    let headers = [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE, OPTIONS"),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers),
        (header::ACCESS_CONTROL_EXPOSE_HEADERS, "*"),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
    ];
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `GET /stats?key=K`: the [`KeyRecord`] for `K` as JSON; zeros for a key never seen.
async fn stats(State(state): State<AppState>, Query(params): Query<framing::KeyParam>) -> Json<KeyRecord> {
    Json(state.stats(&params.key))
}
