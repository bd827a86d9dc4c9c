//! One stream's life: connect, read, decode, and reconnect when the policy says so.
//! Guards abort the fetch and cancel the reader whenever the future is dropped.

use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Date, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, EventTarget, Headers, ReadableStreamDefaultReader, RequestInit, Response};

use super::listener::{race, EventFuture};
use super::{CloseReason, Notice, Shared, Status};
use crate::config::{body_format, retry_after_ms, BodyFormat, Format};
use crate::error::StreamError;
use crate::event::{decode_sse, StreamEvent};
use crate::ndjson::NdjsonParser;
use crate::retry::{self, Context, Decision, GiveUpReason, Outcome, ReconnectPolicy, RetryConfig};
use crate::sse::{EventStreamParser, SseItem};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up when called: works in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Promise;
}

/// Everything needed to (re)send the request. Validated before the first attempt.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<JsValue>,
    pub(crate) credentials: Option<web_sys::RequestCredentials>,
    pub(crate) format: Format,
    pub(crate) retry: RetryConfig,
    pub(crate) max_event_bytes: usize,
    pub(crate) last_event_id: String,
    pub(crate) fetch: Option<Function>,
}

/// The attempt loop and its parsers. Owned by the stream's future; dropping it cancels.
pub(crate) struct Driver {
    req: Request,
    shared: Rc<Shared>,
    policy: ReconnectPolicy,
    sse: EventStreamParser,
    ndjson: NdjsonParser,
    server_retry_ms: Option<u64>,
    chunk: Vec<u8>,
}

/// How one attempt ended, and the error to report if it failed.
type AttemptEnd = (Outcome, Option<StreamError>);

impl Driver {
    pub(crate) fn new(req: Request, shared: Rc<Shared>) -> Self {
        let sse =
            EventStreamParser::with_max_event_bytes(req.max_event_bytes).resuming_from(&req.last_event_id);
        Self {
            policy: ReconnectPolicy::new(req.retry),
            ndjson: NdjsonParser::with_max_line_bytes(req.max_event_bytes),
            sse,
            req,
            shared,
            server_retry_ms: None,
            chunk: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self) {
        let mut attempt = 1;
        loop {
            self.shared.stats.borrow_mut().attempt = attempt;
            let (outcome, error) = self.attempt(attempt).await;
            self.shared.close_open_time();
            let cx = Context {
                is_get: self.req.method.eq_ignore_ascii_case("GET"),
                has_last_event_id: !self.sse.last_event_id().is_empty(),
                server_retry_ms: self.server_retry_ms,
                random: js_sys::Math::random(),
            };
            match self.policy.decide(outcome, &cx) {
                Decision::Reconnect { delay_ms, attempt: failures } => {
                    let error = error.unwrap_or(StreamError::Network { message: "the stream ended".into() });
                    self.shared.status.set(Status::Retrying);
                    self.shared.stats.borrow_mut().reconnects += 1;
                    self.shared.push(Notice::Retry { attempt: failures, delay_ms, error });
                    wait_to_reconnect(delay_ms).await;
                    attempt += 1;
                }
                Decision::Close(reason) => {
                    let reason = match reason {
                        retry::CloseReason::Done => CloseReason::Done,
                        retry::CloseReason::Stopped => CloseReason::Stopped,
                        _ => CloseReason::Ended,
                    };
                    return self.close(reason, None);
                }
                Decision::GiveUp(reason) => {
                    let cause = error.unwrap_or(StreamError::Network { message: "the stream ended".into() });
                    let error = match reason {
                        GiveUpReason::NotResumable => StreamError::NotResumable,
                        GiveUpReason::RetriesExhausted { failures } if self.req.retry.max_retries > 0 => {
                            StreamError::RetriesExhausted { failures, last: Box::new(cause) }
                        }
                        _ => cause,
                    };
                    return self.close(CloseReason::Error, Some(error));
                }
            }
        }
    }

    fn close(&self, reason: CloseReason, error: Option<StreamError>) {
        self.shared.set_closed();
        self.shared.push(Notice::Closed { reason, error });
    }

    async fn attempt(&mut self, attempt: u32) -> AttemptEnd {
        let controller = AbortController::new().expect("AbortController exists wherever fetch does");
        let _abort = AbortOnDrop(controller.clone());
        *self.shared.controller.borrow_mut() = Some(controller.clone());

        let response = match JsFuture::from(self.fetch(&controller)).await.map(JsCast::dyn_into::<Response>) {
            Ok(Ok(response)) => response,
            Ok(Err(_)) => return network("the custom fetch did not resolve to a Response".into(), false),
            Err(err) => return network(describe(&err), false),
        };
        let status = response.status();
        let headers = response.headers();
        // 204 is a 2xx, but it means "do not reconnect" rather than "here is a stream".
        if status == 204 || !(200..300).contains(&status) {
            let retry_after = headers.get("retry-after").ok().flatten().and_then(|value| {
                retry_after_ms(&value, Date::now(), |date| Some(Date::parse(date)).filter(|t| !t.is_nan()))
            });
            return (
                Outcome::Http { status, retry_after_ms: retry_after },
                Some(StreamError::Http { status }),
            );
        }
        let content_type = headers.get("content-type").ok().flatten();
        let format = match body_format(content_type.as_deref(), self.req.format) {
            Ok(format) => format,
            Err(err) => return (Outcome::ContentType, Some(err)),
        };
        self.shared.status.set(Status::Open);
        self.shared.open_since.set(Some(Date::now()));
        self.shared.push(Notice::Open { status, headers, attempt });
        let Some(body) = response.body() else { return (Outcome::Ended, None) };
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let _cancel = CancelOnDrop(reader.clone());
        loop {
            let result = match JsFuture::from(reader.read()).await {
                Ok(result) => result,
                Err(err) => {
                    self.end_of_body(format, false);
                    return network(describe(&err), true);
                }
            };
            if Reflect::get(&result, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
                return match self.end_of_body(format, true) {
                    true => (Outcome::Done, None),
                    false => (Outcome::Ended, None),
                };
            }
            let Ok(value) = Reflect::get(&result, &"value".into()) else { continue };
            let bytes: Uint8Array = value.unchecked_into();
            self.chunk.resize(bytes.length() as usize, 0);
            bytes.copy_to(&mut self.chunk);
            self.shared.stats.borrow_mut().bytes += self.chunk.len() as u64;
            let chunk = std::mem::take(&mut self.chunk);
            let done = self.feed(format, &chunk);
            self.chunk = chunk;
            if done {
                return (Outcome::Done, None);
            }
        }
    }

    fn fetch(&self, controller: &AbortController) -> Promise {
        let init = RequestInit::new();
        init.set_method(&self.req.method);
        init.set_signal(Some(&controller.signal()));
        let headers = Headers::new().expect("Headers exists wherever fetch does");
        let has = |name: &str| self.req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !has("accept") {
            let _ = headers.set("accept", self.req.format.accept());
        }
        let _ = headers.set("cache-control", "no-cache");
        for (name, value) in &self.req.headers {
            // Names and values were checked when the stream was built.
            let _ = headers.set(name, value);
        }
        let last_id = self.sse.last_event_id();
        if !last_id.is_empty() {
            let _ = headers.set("last-event-id", last_id);
        }
        init.set_headers(&headers);
        if let Some(body) = &self.req.body {
            init.set_body(body);
        }
        if let Some(credentials) = self.req.credentials {
            init.set_credentials(credentials);
        }
        match &self.req.fetch {
            Some(custom) => match custom.call2(&JsValue::UNDEFINED, &self.req.url.as_str().into(), &init) {
                Ok(value) => Promise::resolve(&value),
                Err(err) => Promise::reject(&err),
            },
            None => global_fetch(&self.req.url, &init),
        }
    }

    /// Parses one chunk and queues what it produced. Returns whether `done` arrived.
    fn feed(&mut self, format: BodyFormat, chunk: &[u8]) -> bool {
        match format {
            BodyFormat::Sse => self.sse.feed(chunk),
            BodyFormat::Ndjson => self.ndjson.feed(chunk),
        }
        self.drain(format)
    }

    /// The body ended (cleanly or not): drop or flush the partial line. Returns whether
    /// `done` arrived in what was flushed.
    fn end_of_body(&mut self, format: BodyFormat, clean: bool) -> bool {
        match format {
            BodyFormat::Sse => {
                self.sse.finish();
                false
            }
            BodyFormat::Ndjson if clean => {
                self.ndjson.finish();
                self.drain(format)
            }
            BodyFormat::Ndjson => {
                self.ndjson = NdjsonParser::with_max_line_bytes(self.req.max_event_bytes);
                false
            }
        }
    }

    fn drain(&mut self, format: BodyFormat) -> bool {
        let mut batch: Vec<StreamEvent> = Vec::new();
        let mut done = false;
        loop {
            let item = match format {
                BodyFormat::Sse => match self.sse.poll() {
                    None => break,
                    Some(Ok(SseItem::Event(raw))) => Ok(decode_sse(raw)),
                    Some(Ok(SseItem::Retry(ms))) => {
                        self.server_retry_ms = Some(ms);
                        continue;
                    }
                    Some(Ok(_comment)) => continue,
                    Some(Err(err)) => Err(err),
                },
                BodyFormat::Ndjson => match self.ndjson.poll() {
                    None => break,
                    Some(item) => item,
                },
            };
            if done {
                continue; // nothing after `done` is delivered
            }
            match item {
                Ok(event) => {
                    done = event.is_done();
                    batch.push(event);
                }
                Err(err) => {
                    self.flush(&mut batch);
                    self.shared.push(Notice::Error(err.into()));
                }
            }
        }
        self.last_event_id_changed();
        self.flush(&mut batch);
        done
    }

    fn flush(&mut self, batch: &mut Vec<StreamEvent>) {
        if batch.is_empty() {
            return;
        }
        self.policy.record_event();
        self.shared.stats.borrow_mut().events += batch.len() as u64;
        self.shared.push(Notice::Events(std::mem::take(batch)));
    }

    fn last_event_id_changed(&self) {
        let current = self.sse.last_event_id();
        let mut shared = self.shared.last_event_id.borrow_mut();
        if *shared != current {
            current.clone_into(&mut shared);
        }
    }
}

fn network(message: String, opened: bool) -> AttemptEnd {
    (Outcome::Network { opened }, Some(StreamError::Network { message }))
}

/// The message of a rejected promise's value.
fn describe(err: &JsValue) -> String {
    match err.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => err.as_string().unwrap_or_else(|| String::from("unknown error")),
    }
}

/// Waits out the backoff; the browser coming back online cuts it short, and while it is
/// offline only `online` ends the wait. Dropping it clears the timer and the listener.
async fn wait_to_reconnect(delay_ms: u64) {
    let global: EventTarget = js_sys::global().unchecked_into();
    let online = EventFuture::new(&global, "online");
    if is_online(&global) {
        let delay = u32::try_from(delay_ms).unwrap_or(u32::MAX);
        race(TimeoutFuture::new(delay), online).await;
    } else {
        online.await;
    }
}

fn is_online(global: &JsValue) -> bool {
    Reflect::get(global, &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"onLine".into()))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Cancels the body reader. The returned promise is awaited in the background so that a
/// rejection (the body already errored) is handled, never reported as unhandled.
struct CancelOnDrop(ReadableStreamDefaultReader);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let cancelled = self.0.cancel();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = JsFuture::from(cancelled).await;
        });
    }
}
