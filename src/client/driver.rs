//! One stream's life: connect, read, decode, and reconnect when the policy says so. The
//! Rust API and the JS API both run this. Guards abort the fetch, cancel the reader and
//! remove listeners whenever the future is dropped.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::{Date, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, EventTarget, RequestCredentials, Response};

use super::listener::{race, Either, EventFuture};
use super::{CloseReason, Control, OpenInfo, RetryInfo, Shared, Sink, Status};
use crate::config::{retry_after_ms, Format};
use crate::error::{NotRetried, StreamError};
use crate::retry::RetryConfig;
use crate::session::{End, Next, Session};
use crate::stall::{IdleTimeout, StallWatch};

#[wasm_bindgen(module = "/src/client/pump.js")]
extern "C" {
    /// Whether the fetch's result is a Response, its status and AI SDK header (in `out`),
    /// and its content type; see pump.js.
    fn inspect(value: &JsValue, out: &mut [u32]) -> Option<String>;
    /// One attempt in JS: the request sent, `feed` given what the fetch resolved to, then,
    /// if it said so, the body read with `feed`; see pump.js.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = attempt)]
    fn run_attempt(
        custom: Option<&Function>,
        url: &str,
        method: &str,
        accept: &str,
        headers: &str,
        last_event_id: &str,
        body: Option<&JsValue>,
        credentials: Option<RequestCredentials>,
        controller: &AbortController,
        feed: &Function,
        state: &Object,
    ) -> Promise;
    /// No chunk reaches `feed` after this; with `cancel`, the reader is cancelled.
    fn release(state: &Object, cancel: bool);
}

/// The longest wait `setTimeout` honours (2^31 - 1 ms); longer delays are clamped to it,
/// and `onRetry` reports the wait that happens.
const MAX_TIMEOUT_MS: u64 = i32::MAX as u64;

/// Everything needed to (re)send the request. Validated before the first attempt.
#[derive(Clone)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<JsValue>,
    pub(crate) credentials: Option<web_sys::RequestCredentials>,
    pub(crate) format: Format,
    pub(crate) protocol: crate::Protocol,
    pub(crate) retry: RetryConfig,
    pub(crate) max_event_bytes: usize,
    pub(crate) last_event_id: String,
    pub(crate) fetch: Option<Function>,
    pub(crate) signal: Option<AbortSignal>,
    pub(crate) idle_timeout: IdleTimeout,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never header values, the body or the last event ID: they may hold tokens.
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

/// The attempt loop. Owned by the stream's task; dropping it cancels.
pub(crate) struct Driver<S: Sink> {
    req: Request,
    control: Rc<Control<S>>,
    /// Shared with the body pump's `feed` callback while an attempt reads.
    decoder: Rc<RefCell<Decoder<S>>>,
}

/// The stream's [`Session`] and where its output goes. Survives reconnections.
struct Decoder<S: Sink> {
    control: Rc<Control<S>>,
    session: Session<S::Out>,
    /// When a silent connection counts as dropped.
    watch: StallWatch,
    /// The session's comment count when the last chunk was read.
    comments: u64,
    /// The stall watch's task while no silence counts as a stall yet (before the open, or
    /// `auto` before two keep-alives): woken by the open or a keep-alive, which may give it
    /// a limit.
    stall_waker: Option<Waker>,
    /// The attempt in progress (1 for the first connection) and what its fetch's result
    /// made of it.
    attempt: u32,
    outcome: Outcome,
}

/// How one attempt ended.
enum Attempt {
    /// As the session sees it, with the error to report if it failed.
    Ended(End, Option<StreamError>),
    /// The stream was stopped meanwhile.
    Stopped,
    /// The wasm module trapped while decoding (a bug, or memory ran out). The decoder's
    /// state is unknown after a trap, so nothing touches it again.
    Trapped(String),
}

impl<S: Sink> Driver<S> {
    pub(crate) fn new(req: Request, control: Rc<Control<S>>) -> Self {
        let session = Session::new(
            req.format,
            req.protocol,
            req.max_event_bytes,
            req.retry,
            matches!(req.method.as_str(), "GET" | "HEAD"),
            &req.last_event_id,
            S::Out::default(),
        );
        let watch = StallWatch::new(req.idle_timeout);
        let decoder = Decoder {
            control: Rc::clone(&control),
            session,
            watch,
            comments: 0,
            stall_waker: None,
            attempt: 0,
            outcome: Outcome::Waiting,
        };
        Self { req, control, decoder: Rc::new(RefCell::new(decoder)) }
    }

    fn shared(&self) -> &Shared {
        &self.control.shared
    }

    pub(crate) async fn run(self) {
        // The caller's AbortSignal stops the stream as `stop()` does.
        let _signal = match &self.req.signal {
            Some(signal) if signal.aborted() => return self.control.stop(),
            Some(signal) => Some(AbortListener::new(signal, &self.control)),
            None => None,
        };
        let mut attempt = 1;
        loop {
            self.shared().stats.borrow_mut().attempt = attempt;
            let (end, error) = match self.attempt(attempt).await {
                Attempt::Ended(end, error) => (end, error),
                Attempt::Stopped => return,
                Attempt::Trapped(message) => {
                    return self.control.finish(CloseReason::Error, Some(StreamError::Internal { message }));
                }
            };
            self.shared().close_open_time();
            let next = {
                let mut decoder = self.decoder.borrow_mut();
                let next = decoder.session.end(end, js_sys::Math::random());
                decoder.deliver(); // an NDJSON line the body ended without a newline
                next
            };
            if self.shared().closed() {
                return; // a callback stopped the stream
            }
            let cause = || error.unwrap_or(StreamError::Network { message: "the stream ended".into() });
            let (reason, error) = match next {
                Next::Reconnect { delay_ms, failures } => {
                    let delay_ms = delay_ms.min(MAX_TIMEOUT_MS);
                    self.shared().status.set(Status::Retrying);
                    self.shared().stats.borrow_mut().reconnects += 1;
                    self.control.sink.retry(&RetryInfo { attempt: failures, delay_ms, error: cause() });
                    if self.shared().closed() {
                        return;
                    }
                    wait_to_reconnect(delay_ms as u32).await;
                    attempt += 1;
                    continue;
                }
                Next::Done => (CloseReason::Done, None),
                Next::Ended => (CloseReason::Ended, None),
                Next::Fail => (CloseReason::Error, Some(cause())),
                Next::RetryOff => (CloseReason::Error, Some(not_retried(cause(), NotRetried::RetryOff))),
                Next::MaybeProcessed => {
                    (CloseReason::Error, Some(not_retried(cause(), NotRetried::MaybeProcessed)))
                }
                Next::NotResumable => {
                    (CloseReason::Error, Some(StreamError::NotResumable { cause: Box::new(cause()) }))
                }
                Next::Server(message) => (CloseReason::Error, Some(StreamError::Server { message })),
                Next::RetriesExhausted { failures } => (
                    CloseReason::Error,
                    Some(StreamError::RetriesExhausted { failures, last: Box::new(cause()) }),
                ),
            };
            return self.control.finish(reason, error);
        }
    }

    async fn attempt(&self, attempt: u32) -> Attempt {
        let Ok(controller) = AbortController::new() else {
            return network("this environment has fetch but no AbortController".into(), false);
        };
        let mut abort = AbortOnDrop(Some(controller.clone()));
        *self.shared().controller.borrow_mut() = Some(controller.clone());

        {
            let mut decoder = self.decoder.borrow_mut();
            decoder.attempt = attempt;
            decoder.outcome = Outcome::Waiting;
        }
        let decoder = Rc::clone(&self.decoder);
        let feed = Closure::<dyn FnMut(JsValue, u32) -> bool>::new(move |value: JsValue, len: u32| {
            if len == RESPONSE {
                return !open(&decoder, &value);
            }
            decoder.borrow_mut().feed(&value, len)
        });
        let mut pumping = Pumping { state: Object::new(), cancel: true, _feed: feed };
        let running = JsFuture::from(self.start(&controller, &pumping));
        let ended = match race(running, stalled(&self.decoder, &pumping.state)).await {
            Either::Left(ended) => ended,
            Either::Right(silent_ms) => {
                let message = [
                    "the connection was silent for ",
                    &silent_ms.to_string(),
                    " ms (no data, no keep-alive), so it was taken as dropped; idleTimeoutMs (idle_timeout in Rust) \
                     sets how long to wait",
                ];
                return network(message.concat(), true);
            }
        };
        // A trap first: the decoder may have been borrowed when it happened (a trap runs no
        // destructors), so nothing here reads it after one.
        if let Err(err) = &ended {
            if err.is_instance_of::<js_sys::WebAssembly::RuntimeError>() {
                return Attempt::Trapped(describe(err));
            }
        }
        if self.shared().closed() {
            return Attempt::Stopped;
        }
        let was_opened = matches!(self.decoder.borrow().outcome, Outcome::Open(_));
        // pump.js resolves with 3 when `feed` said not to read the response's body, 2 when it
        // asked to stop reading it.
        match ended.map(|how| how.as_f64()) {
            Ok(Some(3.0)) => match core::mem::take(&mut self.decoder.borrow_mut().outcome) {
                Outcome::Ended(ended) => ended,
                _ => Attempt::Ended(End::BodyEnded, None),
            },
            Ok(Some(2.0)) => Attempt::Ended(End::Stopped, None),
            Ok(Some(1.0)) => {
                // The body was read to its end: the request is complete and the reader
                // closed. An abort now would only raise an `AbortError` on a finished
                // request (Chromium builds it with a stack: 3 % of a 1 MB event's stream),
                // and a cancel a no-op.
                abort.0 = None;
                self.shared().controller.borrow_mut().take();
                pumping.cancel = false;
                Attempt::Ended(End::BodyEnded, None)
            }
            // (0: the Rust side went away, which cannot happen while this awaits.)
            Ok(_) => Attempt::Ended(End::BodyEnded, None),
            Err(err) => network(describe(&err), was_opened),
        }
    }

    /// Starts the attempt in pump.js: the request, then `pumping`'s callbacks.
    fn start(&self, controller: &AbortController, pumping: &Pumping) -> Promise {
        let req = &self.req;
        // Names and values were checked when the stream was built (config::check_header):
        // neither holds a line feed, which ends each in the string pump.js splits.
        let accept = match req.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("accept")) {
            true => "",
            false => req.format.accept(),
        };
        let mut headers = String::new();
        for (name, value) in &req.headers {
            for part in [name, value] {
                headers.push_str(part);
                headers.push('\n');
            }
        }
        // As EventSource sends it: UTF-8 bytes (a header value is a byte string).
        let last_id: String = self.decoder.borrow().session.last_event_id().bytes().map(char::from).collect();
        run_attempt(
            req.fetch.as_ref(),
            &req.url,
            &req.method,
            accept,
            &headers,
            &last_id,
            req.body.as_ref(),
            req.credentials,
            controller,
            pumping._feed.as_ref().unchecked_ref(),
            &pumping.state,
        )
    }
}

impl<S: Sink> Decoder<S> {
    /// Parses one chunk of the body and delivers what it produced. Returns whether to stop
    /// reading: `done` arrived or the stream was stopped.
    fn feed(&mut self, value: &JsValue, len: u32) -> bool {
        let bytes = value.unchecked_ref::<Uint8Array>();
        self.control.shared.stats.borrow_mut().bytes += u64::from(len);
        let done = self.session.receive(len as usize, |room| bytes.copy_to_uninit(room));
        if self.session.comments() != self.comments {
            // Rare (keep-alives): the clock is read only then.
            self.comments = self.session.comments();
            self.watch.on_keepalive(super::now_ms());
            if let Some(waker) = self.stall_waker.take() {
                waker.wake();
            }
        }
        self.deliver();
        done || self.control.shared.closed()
    }

    /// The fetch resolved to `value`: checks that it is a stream to read and, if so, opens
    /// it (its status, the session's format, the stall watch) and returns what `onOpen` is
    /// told and when it opened; or how the attempt ended.
    fn check(&mut self, value: &JsValue) -> Result<(OpenInfo, f64), Attempt> {
        let shared = &self.control.shared;
        if shared.closed() {
            return Err(Attempt::Stopped);
        }
        // [a Response (by its brand: a custom fetch may hand over another realm's), status,
        // AI SDK header]
        let mut seen = [0; 3];
        let content_type = inspect(value, &mut seen);
        let [1, status, ai_sdk] = seen else {
            return Err(network("the custom fetch did not resolve to a Response".into(), false));
        };
        let status = status as u16;
        let headers = value.unchecked_ref::<Response>().headers();
        // 204 is a 2xx, but it means "do not reconnect" rather than "here is a stream".
        if status == 204 || !(200..300).contains(&status) {
            let retry_after = headers.get("retry-after").ok().flatten().and_then(|value| {
                retry_after_ms(&value, Date::now(), |date| Some(Date::parse(date)).filter(|t| !t.is_nan()))
            });
            let end = End::Http { status, retry_after_ms: retry_after };
            return Err(Attempt::Ended(end, Some(StreamError::Http { status })));
        }
        if !self.session.open(content_type.as_deref(), ai_sdk == 1) {
            return Err(Attempt::Ended(End::ContentType, Some(StreamError::ContentType { content_type })));
        }
        shared.status.set(Status::Open);
        let opened_at = super::now_ms();
        shared.open_since.set(Some(opened_at));
        self.watch.on_open();
        Ok((OpenInfo { status, headers, attempt: self.attempt }, opened_at))
    }

    /// Hands the session's output to the sink (nothing after a stop), and keeps the last
    /// event ID current.
    fn deliver(&mut self) {
        let shared = &self.control.shared;
        let current = self.session.last_event_id();
        if *shared.last_event_id.borrow() != current {
            current.clone_into(&mut shared.last_event_id.borrow_mut());
        }
        if shared.closed() {
            self.session.out = S::Out::default();
            return;
        }
        let events = self.control.sink.deliver(&mut self.session.out, shared);
        shared.stats.borrow_mut().events += events;
    }
}

/// What `feed` passes as a length with the fetch's result (pump.js's `RESPONSE`).
const RESPONSE: u32 = u32::MAX;

/// What an attempt's fetch's result made of it ([`open`]).
#[derive(Default)]
enum Outcome {
    /// The fetch has not resolved yet.
    #[default]
    Waiting,
    /// The stream opened at this time (ms): the body is read.
    Open(f64),
    /// The attempt ended without reading a body (an HTTP error, a wrong content type, not a
    /// Response, or stopped meanwhile).
    Ended(Attempt),
}

/// The fetch resolved to `value` ([`Decoder::check`]): opens the stream and calls `onOpen`
/// (with the decoder not borrowed: it is the user's code), and records the outcome. Returns
/// whether to read the body.
fn open<S: Sink>(decoder: &RefCell<Decoder<S>>, value: &JsValue) -> bool {
    let checked = decoder.borrow_mut().check(value);
    let outcome = match checked {
        Ok((info, opened_at)) => {
            let control = Rc::clone(&decoder.borrow().control);
            control.sink.open(&info);
            match control.shared.closed() {
                true => Outcome::Ended(Attempt::Stopped),
                false => Outcome::Open(opened_at),
            }
        }
        Err(ended) => Outcome::Ended(ended),
    };
    let mut decoder = decoder.borrow_mut();
    let read = matches!(outcome, Outcome::Open(_));
    decoder.outcome = outcome;
    // The stall watch counts from the open: `stalled` waits for it, and is woken now if the
    // watch has a limit already (otherwise by the keep-alive that may give it one: a wake
    // per stream cost a microtask and a poll).
    if read && decoder.watch.limit_ms().is_some() {
        if let Some(waker) = decoder.stall_waker.take() {
            waker.wake();
        }
    }
    read
}

/// The `feed` callback and the body pump of an attempt. Dropped, it tells pump.js that
/// `feed` is going away (so a response or a chunk that arrives after the attempt ended
/// never reaches a dead closure) and cancels the body's reader, unless the body was read
/// to its end (`cancel` false): a cancel then would only await a no-op.
struct Pumping {
    state: Object,
    cancel: bool,
    _feed: Closure<dyn FnMut(JsValue, u32) -> bool>,
}

impl Drop for Pumping {
    fn drop(&mut self) {
        release(&self.state, self.cancel);
    }
}

/// The attempt's error, saying why it was not retried when it is an HTTP status.
fn not_retried(cause: StreamError, reason: NotRetried) -> StreamError {
    match cause {
        StreamError::Http { status } => StreamError::HttpNotRetried { status, reason },
        other => other,
    }
}

fn network(message: String, opened: bool) -> Attempt {
    Attempt::Ended(End::Network { opened }, Some(StreamError::Network { message }))
}

/// The message of a rejected promise's value.
fn describe(err: &JsValue) -> String {
    match err.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => err.as_string().unwrap_or_else(|| String::from("unknown error")),
    }
}

/// Resolves when the open connection has been silent (no bytes) for as long as the watch
/// allows; returns that limit in milliseconds. Never resolves while no silence counts as a
/// stall.
///
/// pump.js counts reads (`state.reads`); reading a clock per chunk cost 3–11 % at 64-byte
/// chunks with `performance.now()`, and `Date.now()` is not monotonic. So the timer looks
/// at the count: when it moved since the last look, bytes came since then, and the silence
/// is counted from this look. Looks are at most a quarter of the limit apart, so a stall is
/// found after between one and one and a quarter limits of silence.
///
/// While no silence counts as a stall (`auto` before two keep-alives, most streams from
/// start to end), it sets no timer: a keep-alive wakes it. A timer armed and cleared per
/// stream (a closure, a promise, `setTimeout`, `clearTimeout`) cost a stream of one 1 MB
/// event 0–8 % in A/B pairs (docs/performance.md, session 18).
async fn stalled<S: Sink>(decoder: &RefCell<Decoder<S>>, state: &Object) -> u64 {
    // Nothing counts before the stream opens (`opened` wakes this then if the watch has a
    // limit; a keep-alive that gives it one wakes it later; never, when the attempt ends
    // without a body).
    let opened_at = std::future::poll_fn(|cx| {
        // Borrowed: a trap in `feed` left it so; the attempt's promise rejects with it.
        let Ok(mut decoder) = decoder.try_borrow_mut() else { return Poll::Pending };
        match decoder.outcome {
            Outcome::Open(opened_at) => Poll::Ready(opened_at),
            _ => {
                decoder.stall_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await;
    let (mut reads, mut last) = (0.0, opened_at);
    loop {
        // (As above: after a trap in `feed`, wait for the attempt's rejection.)
        if decoder.try_borrow_mut().is_err() {
            return std::future::pending().await;
        }
        let Some(limit) = decoder.borrow().watch.limit_ms() else {
            if decoder.borrow().watch.never() {
                return std::future::pending().await;
            }
            std::future::poll_fn(|cx| {
                let Ok(mut decoder) = decoder.try_borrow_mut() else { return Poll::Pending };
                if decoder.watch.limit_ms().is_some() {
                    return Poll::Ready(());
                }
                decoder.stall_waker = Some(cx.waker().clone());
                Poll::Pending
            })
            .await;
            continue;
        };
        let now = super::now_ms();
        let count = Reflect::get(state, &"reads".into()).ok().and_then(|n| n.as_f64()).unwrap_or(0.0);
        if count != reads {
            (reads, last) = (count, now);
        }
        let silent = now - last;
        if silent >= limit as f64 {
            return limit;
        }
        let wait_ms = (limit as f64 - silent).min((limit as f64 / 4.0).max(1.0));
        let wait_ms = wait_ms.ceil().min(MAX_TIMEOUT_MS as f64) as u32;
        gloo_timers::future::TimeoutFuture::new(wait_ms).await;
    }
}

/// Waits out the backoff; the browser coming back online cuts it short, and while it is
/// offline only `online` ends the wait. Dropping it clears the timer and the listener.
async fn wait_to_reconnect(delay_ms: u32) {
    let global: EventTarget = js_sys::global().unchecked_into();
    let online = EventFuture::new(&global, "online");
    if is_online(&global) {
        race(gloo_timers::future::TimeoutFuture::new(delay_ms), online).await;
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

/// Stops the stream when the caller's `AbortSignal` fires. Dropping it removes the listener.
struct AbortListener {
    signal: AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl AbortListener {
    fn new<S: Sink>(signal: &AbortSignal, control: &Rc<Control<S>>) -> Self {
        let control = Rc::clone(control);
        let closure = Closure::<dyn FnMut()>::new(move || control.stop());
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        Self { signal: signal.clone(), closure }
    }
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ =
            self.signal.remove_event_listener_with_callback("abort", self.closure.as_ref().unchecked_ref());
    }
}

/// Aborts the attempt's request when dropped, unless its controller was taken out
/// (the body ended: nothing is left to abort).
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}
