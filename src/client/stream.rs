//! The Rust API: a builder and a `futures::Stream` of typed events. Dropping the stream
//! cancels the request, the reader and any pending reconnect timer.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use js_sys::Function;
use wasm_bindgen::JsValue;

use super::{Driver, Item, Request, Shared, Stats, Status};
use crate::config::{check_header, Format};
use crate::error::StreamError;
use crate::event::StreamEvent;
use crate::retry::RetryConfig;
use crate::sse::DEFAULT_MAX_EVENT_BYTES;

/// Drives a [`Driver`] and hands out what it queued, in order. Stopping (through [`Shared`])
/// or dropping it drops the driver, which aborts whatever it was waiting on.
pub(crate) struct Items {
    driver: Option<Pin<Box<dyn Future<Output = ()>>>>,
    shared: Rc<Shared>,
}

impl std::fmt::Debug for Items {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").field("running", &self.driver.is_some()).finish()
    }
}

impl Items {
    pub(crate) fn new(req: Request, shared: Rc<Shared>) -> Self {
        let driver = Driver::new(req, Rc::clone(&shared));
        Self { driver: Some(Box::pin(driver.run())), shared }
    }

    pub(crate) fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        if self.shared.stopped.get() {
            self.driver = None;
            return Poll::Ready(None);
        }
        if let Some(item) = self.shared.queue.borrow_mut().pop_front() {
            return Poll::Ready(Some(item));
        }
        let Some(driver) = self.driver.as_mut() else { return Poll::Ready(None) };
        *self.shared.waker.borrow_mut() = Some(cx.waker().clone());
        if driver.as_mut().poll(cx).is_ready() {
            self.driver = None;
        }
        match self.shared.queue.borrow_mut().pop_front() {
            Some(item) => Poll::Ready(Some(item)),
            None if self.driver.is_none() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// A stream of typed events from one URL, for Rust front-ends (Leptos, Yew, Dioxus).
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
///     .build()?;
/// // With futures::StreamExt: while let Some(item) = stream.next().await { … }
/// # Ok(()) }
/// ```
pub struct EventStream {
    items: Items,
    shared: Rc<Shared>,
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
                retry: RetryConfig::default(),
                max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
                last_event_id: String::new(),
                fetch: None,
            },
            error: None,
        }
    }

    /// Where the stream is: connecting, open, retrying or closed.
    pub fn status(&self) -> Status {
        self.shared.status.get()
    }

    /// The last event ID (sent as `Last-Event-ID` when reconnecting).
    pub fn last_event_id(&self) -> String {
        self.shared.last_event_id.borrow().clone()
    }

    /// Counters: bytes, events, reconnects, attempt, time open, last event ID.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}

impl Drop for EventStream {
    /// Stops as `stop()` does in the JS API, before the driver and its guards go: the
    /// request is aborted while the body pump is still awaited.
    fn drop(&mut self) {
        self.shared.stop();
    }
}

impl Stream for EventStream {
    type Item = Result<StreamEvent, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.poll_item(cx)
    }
}

/// Options of an [`EventStream`]. Header names and values are checked in
/// [`build`](Self::build), before anything is sent.
#[derive(Debug)]
#[must_use]
pub struct EventStreamBuilder {
    req: Request,
    error: Option<StreamError>,
}

impl EventStreamBuilder {
    /// The HTTP method (default GET, or POST when a body is set).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.req.method = method.into();
        self
    }

    /// Adds a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        if let Err(err) = check_header(&name, &value) {
            self.error.get_or_insert(err);
        }
        self.req.headers.push((name, value));
        self
    }

    /// A text body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.req.body = Some(JsValue::from_str(&body.into()));
        self
    }

    /// A JSON body (already serialized), sent with `Content-Type: application/json`.
    pub fn json_body(self, json: impl Into<String>) -> Self {
        self.header("content-type", "application/json").body(json)
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

    /// Checks the options and returns the stream. Nothing is sent until it is polled.
    pub fn build(self) -> Result<EventStream, StreamError> {
        let req = self.finish()?;
        let shared = Rc::new(Shared::new(&req.last_event_id));
        Ok(EventStream { items: Items::new(req, Rc::clone(&shared)), shared })
    }

    /// The validated request, with the method defaulted.
    pub(crate) fn finish(mut self) -> Result<Request, StreamError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if self.req.url.is_empty() {
            return Err(StreamError::InvalidOption("url is empty; pass the stream's URL".into()));
        }
        if self.req.max_event_bytes == 0 {
            return Err(StreamError::InvalidOption("maxEventBytes must be at least 1".into()));
        }
        if self.req.method.is_empty() {
            self.req.method = if self.req.body.is_some() { "POST" } else { "GET" }.into();
        }
        Ok(self.req)
    }
}
