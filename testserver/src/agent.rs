//! The demo "agent": a fixed, prompt-derived sequence of thought, text and done events.
//! Fixed so that a resumed stream (`Last-Event-ID`) can be compared byte for byte with a whole one.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::script::{play, resume_from, sse_event, sse_response, Step};
use crate::state::AppState;

const DEFAULT_PROMPT: &str = "hello";
const DEMO_TOKEN: &str = "Bearer demo-token";

/// Query parameters of `GET|POST /agent`.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct AgentParams {
    prompt: Option<String>,
    delay_ms: u64,
    drop_after: Option<u64>,
    drop_once: u8,
    retry: Option<u64>,
    require_auth: u8,
    /// `ids=0` sends no `id:` fields, so a dropped stream cannot be resumed.
    ids: u8,
    key: String,
}

impl Default for AgentParams {
    fn default() -> Self {
        AgentParams {
            prompt: None,
            delay_ms: 20,
            drop_after: None,
            drop_once: 0,
            retry: None,
            require_auth: 0,
            ids: 1,
            key: String::new(),
        }
    }
}

/// The answer, one token per `text` event; `{prompt}` is replaced by the prompt.
/// Multi-byte characters and a token padded on both sides test that clients keep bytes exactly.
#[rustfmt::skip]
const ANSWER_TEMPLATE: [&str; 40] = [
    "You", " asked", " about", " “{prompt}”.", " Here", " is", " a", " streamed", " answer", " —",
    " one", " token", " per", " event,", " so", " the", " page", " can", " render", " it",
    " as", " it", " arrives.", " Café", " naïve", " résumé", "  spaced  ", " déjà", " vu", " 🙂",
    " and", " 日本語", " too.", " Every", " token", " keeps", " its", " whitespace", " exactly", " ✓",
];

/// The answer's text tokens: words with their leading space, the first without one.
pub fn answer_tokens(prompt: &str) -> Vec<String> {
    ANSWER_TEMPLATE.iter().map(|token| token.replace("{prompt}", prompt)).collect()
}

fn thoughts(prompt: &str) -> [String; 3] {
    [
        format!("Reading the prompt: {prompt}"),
        "Planning a short answer…".to_owned(),
        "Writing the answer".to_owned(),
    ]
}

/// Every event of one answer, ids 0, 1, 2, … over thoughts, text tokens and the final done.
fn agent_events(prompt: &str, with_ids: bool) -> Vec<Bytes> {
    let thoughts = thoughts(prompt).into_iter().map(|t| ("thought", json!({ "content": t })));
    let texts = answer_tokens(prompt).into_iter().map(|t| ("text", json!({ "content": t })));
    let done = std::iter::once(("done", json!({ "status": "complete" })));
    thoughts
        .chain(texts)
        .chain(done)
        .enumerate()
        .map(|(id, (name, data))| sse_event(with_ids.then_some(id as u64), Some(name), &data.to_string()))
        .collect()
}

/// The prompt: a POST's JSON `message` or `prompt`, else the `prompt` query parameter.
fn prompt_of(params: &AgentParams, body: &[u8]) -> String {
    let from_body = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|value| {
        ["message", "prompt"].iter().find_map(|field| value.get(field)?.as_str().map(str::to_owned))
    });
    from_body.or_else(|| params.prompt.clone()).unwrap_or_else(|| DEFAULT_PROMPT.to_owned())
}

/// `GET|POST /agent`: thoughts, one `text` event per token, then `done`.
pub async fn stream(
    State(state): State<AppState>,
    Query(params): Query<AgentParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if params.require_auth == 1
        && headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(DEMO_TOKEN)
    {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "unauthorized" }))).into_response();
    }
    let first_connection = state.hit(&params.key, "agent") == 1;
    let drop_after = params.drop_after.filter(|_| params.drop_once == 0 || first_connection);

    let events = agent_events(&prompt_of(&params, &body), params.ids != 0);
    let start = resume_from(&headers).unwrap_or(0).min(events.len() as u64) as usize;
    let mut steps = Vec::new();
    if let Some(retry) = params.retry {
        steps.push(Step::send(format!("retry: {retry}\n\n")));
    }
    for (sent, event) in events[start..].iter().enumerate() {
        if sent > 0 {
            steps.push(Step::pause_ms(params.delay_ms));
        }
        steps.push(Step::Send(event.clone()));
        let more_to_send = start + sent + 1 < events.len();
        if drop_after == Some(sent as u64 + 1) && more_to_send {
            steps.push(Step::Cut);
            break;
        }
    }
    sse_response(play(steps, state.open_stream(&params.key)))
}

/// Query parameters of `GET /agent/answer`.
#[derive(Debug, Deserialize)]
pub struct AnswerParams {
    prompt: Option<String>,
}

/// `GET /agent/answer`: the concatenated text tokens, for tests to compare against.
pub async fn answer(Query(params): Query<AnswerParams>) -> String {
    answer_tokens(params.prompt.as_deref().unwrap_or(DEFAULT_PROMPT)).concat()
}
