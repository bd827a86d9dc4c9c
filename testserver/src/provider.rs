//! `GET|POST /provider/{name}`: an LLM provider's stream, as that provider frames it. The
//! bodies are the fixtures the crate's decoders are tested against
//! (`tests/fixtures/protocols/{name}.txt`, written from each provider's public streaming
//! reference), so the browser tests and the demo see the same bytes as the native tests.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::script::{play, Step};
use crate::state::AppState;

/// The provider shapes served, with their bodies.
pub const PROVIDERS: [(&str, &str); 12] = [
    ("openai", include_str!("../../tests/fixtures/protocols/openai.txt")),
    ("openai-error", include_str!("../../tests/fixtures/protocols/openai-error.txt")),
    ("openai-responses", include_str!("../../tests/fixtures/protocols/openai-responses.txt")),
    ("openai-responses-error", include_str!("../../tests/fixtures/protocols/openai-responses-error.txt")),
    ("anthropic", include_str!("../../tests/fixtures/protocols/anthropic.txt")),
    ("anthropic-error", include_str!("../../tests/fixtures/protocols/anthropic-error.txt")),
    ("gemini", include_str!("../../tests/fixtures/protocols/gemini.txt")),
    ("gemini-error", include_str!("../../tests/fixtures/protocols/gemini-error.txt")),
    ("ollama", include_str!("../../tests/fixtures/protocols/ollama.txt")),
    ("ollama-error", include_str!("../../tests/fixtures/protocols/ollama-error.txt")),
    ("ai-sdk", include_str!("../../tests/fixtures/protocols/ai-sdk.txt")),
    ("ai-sdk-error", include_str!("../../tests/fixtures/protocols/ai-sdk-error.txt")),
];

/// Query parameters of `/provider/{name}`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct ProviderParams {
    /// Bytes per body frame (each flushed on its own): small values cut events, lines and
    /// UTF-8 characters apart. 0 sends the body in one frame.
    chunk: usize,
    /// Pause between frames.
    delay_ms: u64,
    /// The test's id for what this request does.
    key: String,
}

impl Default for ProviderParams {
    fn default() -> Self {
        Self { chunk: 61, delay_ms: 0, key: String::new() }
    }
}

/// The providers' own endpoint paths, answered with their shape's stream, so that a proxy or
/// a client configured with a provider's base URL can be pointed at this server:
/// `POST /v1/chat/completions` (openai), `/v1/responses` (openai-responses), `/v1/messages`
/// (anthropic), `/v1beta/models/{model}:streamGenerateContent` (gemini), `/api/chat`
/// (ollama). The request body is not read; `?error=1` sends the shape's error stream.
pub async fn at_provider_path(
    state: State<AppState>,
    uri: axum::http::Uri,
    Query(error): Query<ErrorParam>,
    params: Query<ProviderParams>,
) -> Response {
    let path = uri.path();
    let name = match path {
        "/v1/chat/completions" => "openai",
        "/v1/responses" => "openai-responses",
        "/v1/messages" => "anthropic",
        "/api/chat" => "ollama",
        _ if path.starts_with("/v1beta/models/") && path.ends_with(":streamGenerateContent") => "gemini",
        _ => return (StatusCode::NOT_FOUND, "not a provider path").into_response(),
    };
    let name = if error.error.is_some() { format!("{name}-error") } else { name.to_owned() };
    stream(state, Path(name), params).await
}

/// `?error=` of the provider paths.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorParam {
    error: Option<String>,
}

/// `GET|POST /provider/{name}`: the body of provider shape `name` (see [`PROVIDERS`]) in
/// frames of `chunk` bytes, under the provider's content type (`application/x-ndjson` for
/// Ollama, `text/event-stream` otherwise; the AI SDK's also with
/// `x-vercel-ai-ui-message-stream: v1`). 404 for an unknown name.
pub async fn stream(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(params): Query<ProviderParams>,
) -> Response {
    let Some((_, body)) = PROVIDERS.iter().find(|(known, _)| *known == name) else {
        let names: Vec<&str> = PROVIDERS.iter().map(|(name, _)| *name).collect();
        return (StatusCode::NOT_FOUND, format!("no provider shape '{name}'; one of {}", names.join(", ")))
            .into_response();
    };
    let bytes = body.as_bytes();
    let size = if params.chunk == 0 { bytes.len().max(1) } else { params.chunk };
    let delay = std::time::Duration::from_millis(params.delay_ms);
    let steps: Vec<Step> =
        bytes.chunks(size).flat_map(|frame| [Step::send(frame.to_vec()), Step::Pause(delay)]).collect();
    let content_type = if name.starts_with("ollama") { "application/x-ndjson" } else { "text/event-stream" };
    let mut response = play(steps, state.open_stream(&params.key)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type.parse().expect("a valid content type"));
    headers.insert(header::CACHE_CONTROL, "no-cache".parse().expect("a valid header value"));
    if name.starts_with("ai-sdk") {
        headers.insert("x-vercel-ai-ui-message-stream", "v1".parse().expect("a valid header value"));
    }
    response
}
