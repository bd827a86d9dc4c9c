//! The Rust API: a builder and a `futures::Stream` of typed events. Dropping the stream
//! cancels the request, the reader and any pending reconnect timer.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use js_sys::Function;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use super::{CloseReason, Control, Item, OpenInfo, Request, RetryInfo, Shared, Sink, Stats, Status, Task};
use crate::config::{check_header, check_last_event_id, check_method, Format};
use crate::error::StreamError;
use crate::event::StreamEvent;
use crate::retry::RetryConfig;
use crate::sse::DEFAULT_MAX_EVENT_BYTES;
use crate::stall::IdleTimeout;

/// A notice callback of the Rust API.
type Notice<T> = Option<Box<dyn Fn(&T)>>;

/// The Rust API's sink: items queued for [`EventStream::poll_next`], and the optional
/// open and retry notices.
struct Queue {
    items: RefCell<VecDeque<Item>>,
    on_open: Notice<OpenInfo>,
    on_retry: Notice<RetryInfo>,
}

impl Sink for Queue {
    type Out = Vec<Item>;

    fn open(&self, info: &OpenInfo) {
        if let Some(on_open) = &self.on_open {
            on_open(info);
        }
    }

    fn deliver(&self, out: &mut Vec<Item>, shared: &Shared) -> u64 {
        let events = out.iter().filter(|item| item.is_ok()).count() as u64;
        self.items.borrow_mut().extend(out.drain(..));
        // Events arrive from the body pump's callback, outside any poll of the stream:
        // wake whoever waits for them.
        shared.wake();
        events
    }

    fn retry(&self, info: &RetryInfo) {
        if let Some(on_retry) = &self.on_retry {
            on_retry(info);
        }
    }

    fn close(&self, reason: CloseReason, error: Option<StreamError>) {
        if reason == CloseReason::Stopped {
            self.items.borrow_mut().clear(); // nothing after a stop
        }
        self.items.borrow_mut().extend(error.map(Err));
    }
}

/// A stream of typed events from one URL, for Rust front-ends (Leptos, Yew, Dioxus). The
/// JS API's `startStream` runs the same client.
///
/// Yields `Ok(event)` for every event, `Err(error)` for a problem the stream survives (a
/// bad line, a limit), and a last `Err` when it fails for good; it ends after `done`.
/// Reconnection, `Last-Event-ID` and backoff happen inside. Dropping it cancels.
///
/// ```no_run
/// # async fn demo() -> Result<(), wasm_sse::StreamError> {
/// use futures_core::Stream;
/// use wasm_sse::{EventKind, client::EventStream};
///
/// let mut stream = EventStream::builder("/api/run_sse")
///     .json_body(r#"{"message":"hello"}"#)
///     .on_open(|info| web_sys::console::log_1(&info.status.into()))
///     .build()?;
/// // With futures::StreamExt: while let Some(item) = stream.next().await { … }
/// # Ok(()) }
/// ```
pub struct EventStream {
    task: Task,
    control: Rc<Control<Queue>>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("status", &self.status()).finish()
    }
}

impl EventStream {
    /// Starts describing a stream from `url` (GET unless a body is given).
    pub fn builder(url: impl Into<String>) -> EventStreamBuilder {
        EventStreamBuilder {
            req: Request {
                url: url.into(),
                method: String::new(),
                headers: Vec::new(),
                body: None,
                credentials: None,
                format: Format::Auto,
                protocol: crate::Protocol::Auto,
                retry: RetryConfig::default(),
                max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
                last_event_id: String::new(),
                fetch: None,
                signal: None,
                idle_timeout: IdleTimeout::Auto,
            },
            on_open: None,
            on_retry: None,
            error: None,
        }
    }

    /// Where the stream is: connecting, open, retrying or closed.
    pub fn status(&self) -> Status {
        self.control.shared.status()
    }

    /// The last event ID (sent as `Last-Event-ID` when reconnecting).
    pub fn last_event_id(&self) -> String {
        self.control.shared.last_event_id()
    }

    /// Counters: bytes, events, reconnects, attempt, time open, last event ID.
    pub fn stats(&self) -> Stats {
        self.control.shared.stats()
    }

    /// Stops the stream (as dropping it does): the request is aborted, and the stream
    /// yields nothing more.
    pub fn stop(&self) {
        self.control.stop();
    }
}

impl Drop for EventStream {
    /// Stops as `stop()` does in the JS API, before the driver and its guards go: the
    /// request is aborted while the body pump is still awaited.
    fn drop(&mut self) {
        self.control.stop();
    }
}

impl Stream for EventStream {
    type Item = Result<StreamEvent, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(item) = this.control.sink.items.borrow_mut().pop_front() {
            return Poll::Ready(Some(item));
        }
        let finished = this.task.poll(&this.control.shared, cx).is_ready();
        match this.control.sink.items.borrow_mut().pop_front() {
            Some(item) => Poll::Ready(Some(item)),
            None if finished => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// Options of an [`EventStream`]. Header names and values are checked in
/// [`build`](Self::build), before anything is sent.
#[must_use]
pub struct EventStreamBuilder {
    req: Request,
    on_open: Notice<OpenInfo>,
    on_retry: Notice<RetryInfo>,
    error: Option<StreamError>,
}

impl std::fmt::Debug for EventStreamBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the headers or the body: they may hold tokens.
        f.debug_struct("EventStreamBuilder").field("method", &self.req.method).finish_non_exhaustive()
    }
}

impl EventStreamBuilder {
    /// The HTTP method (default GET, or POST when a body is set). Sent upper-cased.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.req.method = method.into();
        self
    }

    /// Adds a request header. The value must be ISO-8859-1 without line breaks.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        if let Err(err) = check_header(&name, &value) {
            self.error.get_or_insert(err);
        }
        self.req.headers.push((name, value));
        self
    }

    /// A text body.
    pub fn body(self, body: impl Into<String>) -> Self {
        self.body_value(JsValue::from_str(&body.into()))
    }

    /// Any body `fetch` accepts: a string, `Blob`, `FormData`, `URLSearchParams`, bytes.
    pub fn body_value(mut self, body: JsValue) -> Self {
        self.req.body = Some(body);
        self
    }

    /// A JSON body (already serialized), sent with `Content-Type: application/json`
    /// unless a content type is set.
    pub fn json_body(self, json: impl Into<String>) -> Self {
        let has_type = self.req.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        let with_type = if has_type { self } else { self.header("content-type", "application/json") };
        with_type.body(json)
    }

    /// Cookies and credentials: `omit`, `same-origin` (the default) or `include`.
    pub fn credentials(mut self, credentials: web_sys::RequestCredentials) -> Self {
        self.req.credentials = Some(credentials);
        self
    }

    /// Resume after this event ID (sent as `Last-Event-ID`).
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.req.last_event_id = id.into();
        self
    }

    /// Which body format to accept.
    pub fn format(mut self, format: Format) -> Self {
        self.req.format = format;
        self
    }

    /// Which wire format the events are in: the agent vocabulary or a provider's
    /// ([`Protocol::Auto`](crate::Protocol::Auto), the default, recognises it).
    pub fn protocol(mut self, protocol: crate::Protocol) -> Self {
        self.req.protocol = protocol;
        self
    }

    /// The reconnection limits ([`RetryConfig::DISABLED`] turns reconnection off).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.req.retry = retry;
        self
    }

    /// The byte limit for one line or event (default 16 MiB).
    pub fn max_event_bytes(mut self, limit: usize) -> Self {
        self.req.max_event_bytes = limit;
        self
    }

    /// A function used instead of the global `fetch`, called as `fetch(url, init)`.
    pub fn fetch(mut self, fetch: Function) -> Self {
        self.req.fetch = Some(fetch);
        self
    }

    /// Stops the stream when `signal` aborts (one already aborted sends nothing).
    pub fn signal(mut self, signal: AbortSignal) -> Self {
        self.req.signal = Some(signal);
        self
    }

    /// When an open connection that sends nothing (no data, no keep-alive comment) counts
    /// as dropped and is reconnected: [`IdleTimeout::Auto`] (the default) learns it from
    /// the server's keep-alives.
    pub fn idle_timeout(mut self, timeout: IdleTimeout) -> Self {
        self.req.idle_timeout = timeout;
        self
    }

    /// Called each time a response starts streaming, with its status, headers and attempt.
    pub fn on_open(mut self, on_open: impl Fn(&OpenInfo) + 'static) -> Self {
        self.on_open = Some(Box::new(on_open));
        self
    }

    /// Called before each reconnection, with the wait and the error that caused it.
    pub fn on_retry(mut self, on_retry: impl Fn(&RetryInfo) + 'static) -> Self {
        self.on_retry = Some(Box::new(on_retry));
        self
    }

    /// Checks the options and returns the stream. Nothing is sent until it is polled.
    pub fn build(self) -> Result<EventStream, StreamError> {
        let (on_open, on_retry) = (self.on_open, self.on_retry);
        let req = Self::finish(self.req, self.error)?;
        let queue = Queue { items: RefCell::default(), on_open, on_retry };
        let control = Control::new(&req.last_event_id, queue);
        Ok(EventStream { task: Task::new(req, &control), control })
    }

    /// The validated request, with the method defaulted and upper-cased. The JS API
    /// builds its request through here too.
    pub(crate) fn into_request(self) -> Result<Request, StreamError> {
        Self::finish(self.req, self.error)
    }

    fn finish(mut req: Request, error: Option<StreamError>) -> Result<Request, StreamError> {
        if let Some(err) = error {
            return Err(err);
        }
        if req.url.is_empty() {
            return Err(StreamError::InvalidOption("url is empty; pass the stream's URL".into()));
        }
        if req.max_event_bytes == 0 {
            return Err(StreamError::InvalidOption("maxEventBytes must be at least 1".into()));
        }
        req.method = check_method(&req.method, req.body.is_some())?;
        check_last_event_id(&req.last_event_id)?;
        Ok(req)
    }
}
