//! The browser shell: `fetch`, the body reader loop, AbortController, timers and the
//! `online` event. The only code that awaits the network; every decision is the core's.
//!
//! [`EventStream`] is the Rust API (a `futures::Stream`). Dropping it cancels everything:
//! fetch, reader, timer, listeners. (The npm package has its own shell in JS, `js/`.)

mod driver;
mod listener;
mod stream;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::task::Waker;

use web_sys::AbortController;

use crate::error::StreamError;
use crate::event::StreamEvent;

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

/// What the stream yields: an event, or an error (the last one, if the stream failed).
pub(crate) type Item = Result<StreamEvent, StreamError>;

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
    queue: RefCell<VecDeque<Item>>,
    waker: RefCell<Option<Waker>>,
}

impl Shared {
    pub(crate) fn new(last_event_id: &str) -> Self {
        Self {
            status: Cell::new(Status::Connecting),
            stopped: Cell::new(false),
            last_event_id: RefCell::new(last_event_id.to_owned()),
            stats: RefCell::new(Stats::default()),
            open_since: Cell::new(None),
            controller: RefCell::new(None),
            queue: RefCell::new(VecDeque::new()),
            waker: RefCell::new(None),
        }
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

    fn push(&self, items: impl IntoIterator<Item = Item>) {
        self.queue.borrow_mut().extend(items);
        // Events arrive from the body pump's callback, outside any poll of the stream:
        // wake whoever waits for them.
        if let Some(waker) = self.waker.borrow().as_ref() {
            waker.wake_by_ref();
        }
    }

    fn close_open_time(&self) {
        if let Some(since) = self.open_since.take() {
            self.stats.borrow_mut().time_open_ms += js_sys::Date::now() - since;
        }
    }
}
