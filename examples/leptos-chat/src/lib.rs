//! A Leptos chat page on wasm-sse's Rust API: the prompt goes to an agent endpoint, and its
//! thoughts, answer, status and reconnects are shown as they stream in.

use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_sse::client::{EventStream, Status};
use wasm_sse::{EventKind, StreamError, StreamEvent};
use web_sys::{AbortController, AbortSignal, UrlSearchParams};

/// Runs when the module is instantiated (`init()` in index.html).
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(Chat);
}

/// What the page shows of one answer. Every Send starts from an empty one.
#[derive(Clone, Copy)]
struct Answer {
    thoughts: RwSignal<Vec<String>>,
    text: RwSignal<String>,
    /// `None` until the first Send.
    status: RwSignal<Option<Status>>,
    reconnects: RwSignal<u32>,
    error: RwSignal<Option<String>>,
}

impl Answer {
    fn new() -> Self {
        Self {
            thoughts: RwSignal::new(Vec::new()),
            text: RwSignal::new(String::new()),
            status: RwSignal::new(None),
            reconnects: RwSignal::new(0),
            error: RwSignal::new(None),
        }
    }

    fn clear(&self) {
        self.thoughts.set(Vec::new());
        self.text.set(String::new());
        self.status.set(Some(Status::Connecting));
        self.reconnects.set(0);
        self.error.set(None);
    }

    fn streaming(&self) -> bool {
        matches!(self.status.get(), Some(status) if status != Status::Closed)
    }

    fn show(&self, item: Result<StreamEvent, StreamError>) {
        match item {
            Ok(event) => match event.kind {
                EventKind::Thought { content } => self.thoughts.update(|thoughts| thoughts.push(content)),
                // Tokens carry their own spacing (" Café", "  spaced  "): appended as they are.
                EventKind::Text { content } => self.text.update(|text| text.push_str(&content)),
                EventKind::Error { message } => self.error.set(Some(message)),
                _ => {}
            },
            // A problem the stream survived, or (last) the one it failed with: the newest wins.
            Err(error) => self.error.set(Some(error.to_string())),
        }
    }
}

/// The whole page. It owns no stream: each Send spawns a task that owns one until it closes.
#[component]
fn Chat() -> impl IntoView {
    let prompt = RwSignal::new(String::from("hello"));
    let answer = Answer::new();
    // The stream belongs to the task reading it, so Stop reaches it through the
    // AbortSignal it was built with; the stream then reports `closed` itself.
    let stopper = StoredValue::new_local(None::<AbortController>);
    let stop = move || stopper.with_value(|controller| controller.as_ref().map(AbortController::abort));
    on_cleanup(move || {
        stop();
    });

    let send = move || {
        // One stream at a time: Send is disabled meanwhile, but Enter submits the form too.
        if untrack(|| answer.streaming()) {
            return;
        }
        answer.clear();
        let controller = AbortController::new().expect("every browser with fetch has AbortController");
        let signal = controller.signal();
        stopper.set_value(Some(controller));
        match agent_url() {
            Ok(url) => spawn_local(ask(url, prompt.get_untracked(), signal, answer)),
            Err(message) => {
                answer.error.set(Some(message));
                answer.status.set(Some(Status::Closed));
            }
        }
    };

    view! {
        <main>
            <h1>"wasm-sse × Leptos"</h1>
            <form on:submit=move |ev| {
                ev.prevent_default();
                send();
            }>
                <input
                    data-testid="prompt"
                    aria-label="Prompt"
                    prop:value=move || prompt.get()
                    on:input=move |ev| prompt.set(event_target_value(&ev))
                />
                <button type="submit" data-testid="send" disabled=move || answer.streaming()>
                    "Send"
                </button>
                <button
                    type="button"
                    data-testid="stop"
                    disabled=move || !answer.streaming()
                    on:click=move |_| {
                        stop();
                    }
                >
                    "Stop"
                </button>
            </form>
            <p>
                "Status: "
                <span data-testid="status">
                    {move || answer.status.get().map_or("idle", Status::as_str)}
                </span>
                " · reconnects: "
                <span data-testid="reconnects">{move || answer.reconnects.get()}</span>
            </p>
            <ol data-testid="thoughts" class="thoughts">
                {move || {
                    answer.thoughts.get().into_iter().map(|thought| view! { <li>{thought}</li> }).collect_view()
                }}
            </ol>
            <p data-testid="answer" class="answer">
                {move || answer.text.get()}
            </p>
            <p data-testid="error" class="error" role="alert">
                {move || answer.error.get()}
            </p>
        </main>
    }
}

/// Streams one answer into `answer` until it is done, fails, or `stop` aborts.
async fn ask(url: String, prompt: String, stop: AbortSignal, answer: Answer) {
    // JSON.stringify escapes exactly as JSON wants; Rust's `{:?}` does not (control characters).
    let body = js_sys::JSON::stringify(&JsValue::from_str(&prompt)).map(String::from).unwrap_or_default();
    let built = EventStream::builder(url).json_body(format!(r#"{{"prompt":{body}}}"#)).signal(stop).build();
    let mut stream = match built {
        Ok(stream) => stream,
        Err(error) => {
            answer.error.set(Some(error.to_string()));
            answer.status.set(Some(Status::Closed));
            return;
        }
    };
    while let Some(item) = next_showing_status(&mut stream, answer).await {
        answer.show(item);
    }
}

/// The next item, with the status and reconnect count shown after every poll. The stream
/// changes them only while it is polled (or, when stopped, wakes to be polled), so this
/// also catches `retrying` during a backoff wait, when no item arrives to look at them.
async fn next_showing_status(
    stream: &mut EventStream,
    answer: Answer,
) -> Option<Result<StreamEvent, StreamError>> {
    std::future::poll_fn(|cx| {
        let polled = stream.poll_next_unpin(cx);
        answer.status.set(Some(stream.status()));
        answer.reconnects.set(stream.stats().reconnects);
        polled
    })
    .await
}

/// `/agent` on the server named by the page's `?backend=`. The page's other query parameters
/// are passed on, so the test server's `delay_ms`, `drop_after`, `key`… slow the stream,
/// drop it or tag it without a rebuild.
fn agent_url() -> Result<String, String> {
    let search = window().location().search().unwrap_or_default();
    let params =
        UrlSearchParams::new_with_str(&search).map_err(|_| "the page's query string is unreadable")?;
    let backend = params.get("backend").filter(|backend| !backend.is_empty()).ok_or(
        "no backend: open this page as index.html?backend=http://127.0.0.1:PORT, \
         the address the test server printed",
    )?;
    params.delete("backend");
    Ok(format!("{}/agent?{}", backend.trim_end_matches('/'), String::from(params.to_string())))
}
