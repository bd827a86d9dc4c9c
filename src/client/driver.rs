//! One stream's life: connect, read, decode, and reconnect when the policy says so.
//! Guards abort the fetch and cancel the reader whenever the future is dropped.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Date, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, EventTarget, Headers, ReadableStreamDefaultReader, RequestInit, Response};

use super::listener::{race, EventFuture, Timeout};
use super::{CloseReason, Notice, Shared, Sink, Status};
use crate::config::{body_format, retry_after_ms, BodyFormat, Format};
use crate::error::ParseError;
use crate::error::StreamError;
use crate::event::{decode_sse_ref, EventRef, Kind, StreamEvent};
use crate::ndjson::NdjsonParser;
use crate::retry::{self, Context, Decision, GiveUpReason, Outcome, ReconnectPolicy, RetryConfig};
use crate::sse::{EventStreamParser, SseRef};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up when called: works in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Promise;
}

#[wasm_bindgen(module = "/src/client/pump.js")]
extern "C" {
    /// Reads the body in JS and calls `feed` with each chunk; see pump.js.
    fn pump(reader: &ReadableStreamDefaultReader, feed: &Function, state: &Object) -> Promise;
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
    /// Shared with the body pump's `feed` callback while an attempt reads.
    decoder: Rc<RefCell<Decoder>>,
}

/// The parsers of one stream and where their output goes. Survives reconnections.
struct Decoder {
    shared: Rc<Shared>,
    format: BodyFormat,
    sse: EventStreamParser,
    ndjson: NdjsonParser,
    max_event_bytes: usize,
    server_retry_ms: Option<u64>,
    /// An event arrived in this attempt (the backoff starts over).
    got_events: bool,
    /// `done` arrived: nothing after it is delivered.
    done: bool,
    chunk: Vec<u8>,
    /// Events for the queue (the Rust API); the JS API's sink takes them one by one.
    batch: Vec<StreamEvent>,
}

/// How one attempt ended, and the error to report if it failed.
type AttemptEnd = (Outcome, Option<StreamError>);

impl Driver {
    pub(crate) fn new(req: Request, shared: Rc<Shared>) -> Self {
        let sse =
            EventStreamParser::with_max_event_bytes(req.max_event_bytes).resuming_from(&req.last_event_id);
        let decoder = Decoder {
            shared: Rc::clone(&shared),
            format: BodyFormat::Sse,
            sse,
            ndjson: NdjsonParser::with_max_line_bytes(req.max_event_bytes),
            max_event_bytes: req.max_event_bytes,
            server_retry_ms: None,
            got_events: false,
            done: false,
            chunk: Vec::new(),
            batch: Vec::new(),
        };
        Self { policy: ReconnectPolicy::new(req.retry), req, shared, decoder: Rc::new(RefCell::new(decoder)) }
    }

    pub(crate) async fn run(mut self) {
        let mut attempt = 1;
        loop {
            self.shared.stats.borrow_mut().attempt = attempt;
            let (outcome, error) = self.attempt(attempt).await;
            self.shared.close_open_time();
            let cx = {
                let decoder = self.decoder.borrow();
                if decoder.got_events {
                    self.policy.record_event();
                }
                Context {
                    is_get: self.req.method.eq_ignore_ascii_case("GET"),
                    has_last_event_id: !decoder.sse.last_event_id().is_empty(),
                    server_retry_ms: decoder.server_retry_ms,
                    random: js_sys::Math::random(),
                }
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
        {
            let mut decoder = self.decoder.borrow_mut();
            decoder.format = format;
            decoder.got_events = false;
        }
        let decoder = Rc::clone(&self.decoder);
        let feed = Closure::<dyn FnMut(Uint8Array, u32) -> bool>::new(move |bytes: Uint8Array, len: u32| {
            decoder.borrow_mut().feed(&bytes, len)
        });
        let pumping = PumpGuard { state: Object::new(), _feed: feed };
        let ended =
            JsFuture::from(pump(&reader, pumping._feed.as_ref().unchecked_ref(), &pumping.state)).await;
        let mut decoder = self.decoder.borrow_mut();
        // pump.js resolves with 2 when `feed` asked it to stop.
        match ended.map(|how| how.as_f64() == Some(2.0)) {
            Ok(true) if decoder.done => (Outcome::Done, None),
            Ok(true) => (Outcome::Aborted, None),
            Ok(_) => match decoder.end_of_body(true) {
                true => (Outcome::Done, None),
                false => (Outcome::Ended, None),
            },
            Err(err) => {
                decoder.end_of_body(false);
                network(describe(&err), true)
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
        let decoder = self.decoder.borrow();
        let last_id = decoder.sse.last_event_id();
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
}

impl Decoder {
    /// Parses one chunk of the body and delivers what it produced. Returns whether to stop
    /// reading: `done` arrived or the stream was stopped.
    fn feed(&mut self, bytes: &Uint8Array, len: u32) -> bool {
        let mut chunk = std::mem::take(&mut self.chunk);
        chunk.resize(len as usize, 0);
        bytes.copy_to(&mut chunk);
        self.shared.stats.borrow_mut().bytes += chunk.len() as u64;
        self.parse(Some(&chunk));
        self.chunk = chunk;
        self.done || self.shared.stopped.get()
    }

    /// Parses a chunk (`None`: the body ended cleanly, flush the last NDJSON line) and
    /// delivers the events, errors and `retry:` values it completed.
    fn parse(&mut self, chunk: Option<&[u8]>) {
        let sink = self.shared.sink();
        let Self { shared, sse, ndjson, server_retry_ms, got_events, done, batch, .. } = self;
        let mut deliver = |item: Result<EventRef<'_>, ParseError>| {
            if *done || shared.stopped.get() {
                return; // nothing after `done`, or after a stop, is delivered
            }
            match item {
                Ok(event) => {
                    *got_events = true;
                    *done = event.kind == Kind::Done;
                    shared.stats.borrow_mut().events += 1;
                    match &sink {
                        Some(sink) => sink.event(&event),
                        None => batch.push(event.to_owned()),
                    }
                }
                Err(err) => {
                    flush(shared, sink.as_deref(), batch);
                    shared.push(Notice::Error(err.into()));
                }
            }
        };
        match (self.format, chunk) {
            (BodyFormat::Sse, Some(chunk)) => sse.feed_with(chunk, &mut |item| match item {
                SseRef::Event { event_type, data, last_event_id } => {
                    deliver(Ok(decode_sse_ref(event_type, data, last_event_id)))
                }
                SseRef::Retry(ms) => *server_retry_ms = Some(ms),
                SseRef::Comment(_) => {}
                SseRef::Error(err) => deliver(Err(err)),
            }),
            (BodyFormat::Ndjson, Some(chunk)) => ndjson.feed_with(chunk, &mut deliver),
            (BodyFormat::Ndjson, None) => ndjson.finish_with(&mut deliver),
            (BodyFormat::Sse, None) => {}
        }
        let current = self.sse.last_event_id();
        if *self.shared.last_event_id.borrow() != current {
            current.clone_into(&mut self.shared.last_event_id.borrow_mut());
        }
        flush(&self.shared, sink.as_deref(), &mut self.batch);
    }

    /// The body ended (cleanly or not): drop or flush the partial line. Returns whether
    /// `done` arrived in what was flushed.
    fn end_of_body(&mut self, clean: bool) -> bool {
        match self.format {
            BodyFormat::Sse => {
                self.sse.finish();
            }
            BodyFormat::Ndjson if clean => self.parse(None),
            BodyFormat::Ndjson => self.ndjson = NdjsonParser::with_max_line_bytes(self.max_event_bytes),
        }
        self.done
    }
}

/// Hands the gathered events on: to the sink, or as one notice for the queue.
fn flush(shared: &Shared, sink: Option<&dyn Sink>, batch: &mut Vec<StreamEvent>) {
    match sink {
        Some(sink) => sink.flush(),
        None if batch.is_empty() => {}
        None => shared.push(Notice::Events(std::mem::take(batch))),
    }
}

/// Marks the pump's state dropped before its `feed` callback is freed, so a chunk that
/// arrives after the attempt ended is never handed to a dead closure.
struct PumpGuard {
    state: Object,
    _feed: Closure<dyn FnMut(Uint8Array, u32) -> bool>,
}

impl Drop for PumpGuard {
    fn drop(&mut self) {
        let _ = Reflect::set(&self.state, &"dropped".into(), &JsValue::TRUE);
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
        race(Timeout::new(delay), online).await;
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
