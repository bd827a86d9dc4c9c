//! The browser shell: `fetch`, the body reader loop, AbortController, timers and the
//! `online` event. The only code that awaits the network; every decision is the core's.
//!
//! [`EventStream`] is the Rust API (a `futures::Stream`); `src/js` wraps the same driver
//! for JavaScript. Dropping either cancels everything: fetch, reader, timer, listeners.

mod driver;
mod listener;
mod stream;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Weak;
use std::task::Waker;

use web_sys::AbortController;

use crate::error::StreamError;
use crate::event::{EventRef, StreamEvent};

pub use stream::{EventStream, EventStreamBuilder};

pub(crate) use driver::{Driver, Request};
pub(crate) use listener::{race, Either, EventFuture};
pub(crate) use stream::NoticeStream;

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
    /// The user stopped it.
    Stopped,
    /// The server ended it: HTTP 204, or the body ended with reconnection disabled.
    Ended,
    /// A fatal error.
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

/// Counters of a stream. Never holds request headers or body.
#[derive(Debug, Clone, Default, PartialEq)]
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

/// What the driver reports, in order.
#[derive(Debug)]
pub(crate) enum Notice {
    Open { status: u16, headers: web_sys::Headers, attempt: u32 },
    Events(Vec<StreamEvent>),
    Error(StreamError),
    Retry { attempt: u32, delay_ms: u64, error: StreamError },
    Closed { reason: CloseReason, error: Option<StreamError> },
}

/// Where notices go when they are not queued for a `futures::Stream`: the JS API hands
/// them to callbacks as they happen, and takes events without an owned copy.
pub(crate) trait Sink {
    /// One decoded event, delivered at the next [`flush`](Self::flush) at the latest.
    fn event(&self, event: &EventRef<'_>);
    /// Delivers the events gathered since the last flush (called at the end of a chunk).
    fn flush(&self);
    /// Any other notice; events before it were flushed.
    fn notice(&self, notice: Notice);
}

/// State the driver shares with whoever holds the stream.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) status: Cell<Status>,
    pub(crate) stopped: Cell<bool>,
    pub(crate) last_event_id: RefCell<String>,
    stats: RefCell<Stats>,
    open_since: Cell<Option<f64>>,
    /// The current attempt's controller, so that a stop aborts the fetch at once.
    controller: RefCell<Option<AbortController>>,
    queue: RefCell<VecDeque<Notice>>,
    waker: RefCell<Option<Waker>>,
    /// Set by the JS API; weak, since the sink owns the `Rc<Shared>`.
    sink: Option<Weak<dyn Sink>>,
}

impl Shared {
    pub(crate) fn new(last_event_id: &str, sink: Option<Weak<dyn Sink>>) -> Self {
        Self {
            status: Cell::new(Status::Connecting),
            stopped: Cell::new(false),
            last_event_id: RefCell::new(last_event_id.to_owned()),
            stats: RefCell::new(Stats::default()),
            open_since: Cell::new(None),
            controller: RefCell::new(None),
            queue: RefCell::new(VecDeque::new()),
            waker: RefCell::new(None),
            sink,
        }
    }

    /// The sink, while its owner lives.
    fn sink(&self) -> Option<std::rc::Rc<dyn Sink>> {
        self.sink.as_ref().and_then(Weak::upgrade)
    }

    pub(crate) fn stats(&self) -> Stats {
        let mut stats = self.stats.borrow().clone();
        if let Some(since) = self.open_since.get() {
            stats.time_open_ms += js_sys::Date::now() - since;
        }
        stats.last_event_id.clone_from(&self.last_event_id.borrow());
        stats
    }

    /// Stops at once: aborts the request in flight, drops queued notices, and wakes the
    /// task so that it drops the driver (which cancels the reader and any timer).
    pub(crate) fn stop(&self) {
        if self.stopped.replace(true) {
            return;
        }
        self.set_closed();
        if let Some(controller) = self.controller.borrow_mut().take() {
            controller.abort();
        }
        self.queue.borrow_mut().clear();
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    pub(crate) fn set_closed(&self) {
        self.close_open_time();
        self.status.set(Status::Closed);
    }

    fn push(&self, notice: Notice) {
        match &self.sink {
            Some(sink) => {
                if let Some(sink) = sink.upgrade() {
                    sink.notice(notice);
                }
            }
            None => {
                self.queue.borrow_mut().push_back(notice);
                // Events arrive from the body pump's callback, outside any poll of the
                // stream: wake whoever waits for them.
                if let Some(waker) = self.waker.borrow().as_ref() {
                    waker.wake_by_ref();
                }
            }
        }
    }

    fn close_open_time(&self) {
        if let Some(since) = self.open_since.take() {
            self.stats.borrow_mut().time_open_ms += js_sys::Date::now() - since;
        }
    }
}
