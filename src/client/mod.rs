//! The browser client: `fetch`, the body reader loop, AbortController, timers and the
//! `online` event. The only code that awaits the network; every decision is the core's.
//!
//! There is one client. [`EventStream`] (the Rust API, a `futures::Stream`) and the JS API
//! (`startStream`, exported from `src/js`) run the same driver (`driver.rs`); they differ
//! only in where its notices go: a queue polled by the stream, or the JS callbacks.
//! Stopping or dropping cancels everything: fetch, reader, timer, listeners.

mod driver;
mod listener;
mod stream;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use web_sys::{AbortController, Headers};

use crate::error::StreamError;
use crate::event::StreamEvent;
use crate::session::Output;

pub use stream::{EventStream, EventStreamBuilder};

pub(crate) use driver::{Driver, Request};

/// Where a stream is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The first request is in flight.
    Connecting,
    /// A response is streaming.
    Open,
    /// Waiting to reconnect, or reconnecting.
    Retrying,
    /// Finished: done, stopped, ended or failed. Nothing more will happen.
    Closed,
}

impl Status {
    /// The name the JS API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Connecting => "connecting",
            Status::Open => "open",
            Status::Retrying => "retrying",
            Status::Closed => "closed",
        }
    }
}

/// Why a stream closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The server sent `done`.
    Done,
    /// The stream was stopped: `stop()`, the `AbortSignal`, or the Rust stream dropped.
    Stopped,
    /// The server ended the stream: HTTP 204, or the body ended with reconnection off.
    Ended,
    /// A fatal error (the last item of the Rust stream, `onError` in JS).
    Error,
}

impl CloseReason {
    /// The name the JS API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Done => "done",
            CloseReason::Stopped => "stopped",
            CloseReason::Ended => "ended",
            CloseReason::Error => "error",
        }
    }
}

/// The `talc` feature: talc instead of std's dlmalloc as the global allocator (the npm
/// package's; docs/size.md). Single-threaded only: talc's wasm allocator takes no lock.
#[cfg(feature = "talc")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(all(feature = "talc", target_feature = "atomics"))]
compile_error!("the `talc` feature is for single-threaded wasm (no `atomics`); leave it off here");

/// Counters of a stream. Never holds request headers or body.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Body bytes received, over all connections.
    pub bytes: u64,
    /// Events delivered.
    pub events: u64,
    /// Reconnections started.
    pub reconnects: u32,
    /// The current attempt (1 for the first connection).
    pub attempt: u32,
    /// Milliseconds spent with a response streaming, over all connections.
    pub time_open_ms: f64,
    /// The last event ID.
    pub last_event_id: String,
}

/// The notice that a response is streaming (JS `onOpen`).
#[derive(Debug, Clone)]
pub struct OpenInfo {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The response headers.
    pub headers: Headers,
    /// Which attempt this is (1 for the first connection).
    pub attempt: u32,
}

/// The notice that the stream will reconnect (JS `onRetry`).
#[derive(Debug, Clone)]
pub struct RetryInfo {
    /// Failed attempts in a row, this one included.
    pub attempt: u32,
    /// The wait before the next attempt, in milliseconds (what `setTimeout` is given).
    pub delay_ms: u64,
    /// What ended the attempt.
    pub error: StreamError,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds on a monotonic clock, in windows and workers. The
    /// stall timer and the open time use it: `Date.now()` jumps when the system clock is
    /// set, which could cut a live connection or miss a silent one for as long as the jump.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub(crate) fn now_ms() -> f64;
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/client/brand.js")]
extern "C" {
    #[wasm_bindgen(js_name = isA)]
    fn is_a_js(value: &wasm_bindgen::JsValue, name: &str) -> bool;
}

/// Whether `value` is a `name` (`URL`, `Headers`, `AbortSignal`, `Response`) of any realm:
/// `instanceof` is false for one made in another realm (an iframe, or Firefox's WebDriver
/// arguments), and `Symbol.toStringTag` can be set on any object, so brand.js calls one of
/// the interface's accessors on it, which throws for anything else.
pub(crate) fn is_a(value: &wasm_bindgen::JsValue, name: &str) -> bool {
    value.is_object() && is_a_js(value, name)
}

/// What the stream yields: an event, or an error (the last one, if the stream failed).
pub(crate) type Item = Result<StreamEvent, StreamError>;

/// Where a stream's notices go: the Rust stream's queue, or the JS callbacks.
pub(crate) trait Sink: 'static {
    /// What the stream's session decodes into.
    type Out: Output + Default;
    /// A response is streaming.
    fn open(&self, info: &OpenInfo);
    /// Hands on (and clears) what one chunk, or the end of a body, decoded. Called only
    /// while the stream runs. Returns how many events were delivered.
    fn deliver(&self, out: &mut Self::Out, shared: &Shared) -> u64;
    /// The stream will reconnect after `info.delay_ms`.
    fn retry(&self, info: &RetryInfo);
    /// The stream closed. Called exactly once, last.
    fn close(&self, reason: CloseReason, error: Option<StreamError>);
}

/// State the driver shares with whoever holds the stream.
#[derive(Debug)]
pub(crate) struct Shared {
    status: Cell<Status>,
    last_event_id: RefCell<String>,
    stats: RefCell<Stats>,
    open_since: Cell<Option<f64>>,
    /// The current attempt's controller, so that a stop aborts the fetch at once.
    controller: RefCell<Option<AbortController>>,
    /// The task running the driver, woken by a stop so that it drops the driver.
    waker: RefCell<Option<Waker>>,
}

impl Shared {
    fn new(last_event_id: &str) -> Self {
        Self {
            status: Cell::new(Status::Connecting),
            last_event_id: RefCell::new(last_event_id.to_owned()),
            stats: RefCell::new(Stats::default()),
            open_since: Cell::new(None),
            controller: RefCell::new(None),
            waker: RefCell::new(None),
        }
    }

    pub(crate) fn status(&self) -> Status {
        self.status.get()
    }

    pub(crate) fn closed(&self) -> bool {
        self.status.get() == Status::Closed
    }

    pub(crate) fn last_event_id(&self) -> String {
        self.last_event_id.borrow().clone()
    }

    pub(crate) fn stats(&self) -> Stats {
        let mut stats = self.stats.borrow().clone();
        if let Some(since) = self.open_since.get() {
            stats.time_open_ms += now_ms() - since;
        }
        stats.last_event_id.clone_from(&self.last_event_id.borrow());
        stats
    }

    /// Marks the stream closed; false when it already was. Aborts the request in flight
    /// and wakes the task, which then drops the driver (cancelling the reader and timer).
    fn close(&self) -> bool {
        if self.closed() {
            return false;
        }
        self.close_open_time();
        self.status.set(Status::Closed);
        if let Some(controller) = self.controller.borrow_mut().take() {
            controller.abort();
        }
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
        true
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow().as_ref() {
            waker.wake_by_ref();
        }
    }

    fn close_open_time(&self) {
        if let Some(since) = self.open_since.take() {
            self.stats.borrow_mut().time_open_ms += now_ms() - since;
        }
    }
}

/// A stream's shared state and its sink: what a handle holds to read and stop it.
pub(crate) struct Control<S> {
    pub(crate) shared: Shared,
    pub(crate) sink: S,
}

impl<S: Sink> Control<S> {
    pub(crate) fn new(last_event_id: &str, sink: S) -> Rc<Self> {
        Rc::new(Self { shared: Shared::new(last_event_id), sink })
    }

    /// Stops the stream: nothing but the close notice (reason `stopped`) comes after.
    pub(crate) fn stop(&self) {
        self.finish(CloseReason::Stopped, None);
    }

    /// Closes the stream once: later calls do nothing.
    pub(crate) fn finish(&self, reason: CloseReason, error: Option<StreamError>) {
        if self.shared.close() {
            self.sink.close(reason, error);
        }
    }
}

/// The driver's future, dropped (which cancels whatever it awaits) once the stream closes.
pub(crate) struct Task {
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
}

impl Task {
    /// The task that runs `req` through the client, with its notices going to `sink`.
    pub(crate) fn new<S: Sink>(req: Request, control: &Rc<Control<S>>) -> Self {
        let driver = Driver::new(req, Rc::clone(control));
        Self { future: Some(Box::pin(driver.run())) }
    }

    /// Polls the driver until it finishes or the stream is closed.
    pub(crate) fn poll(&mut self, shared: &Shared, cx: &mut Context<'_>) -> Poll<()> {
        let Some(future) = self.future.as_mut().filter(|_| !shared.closed()) else {
            self.future = None;
            return Poll::Ready(());
        };
        // No waker while the driver runs: a close during this poll (the driver's own, or a
        // stop from a callback it calls) is seen below, where a wake would only have run
        // the task once more to find it closed (a microtask and a poll per stream).
        shared.waker.borrow_mut().take();
        if future.as_mut().poll(cx).is_ready() || shared.closed() {
            self.future = None;
            return Poll::Ready(());
        }
        *shared.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}
