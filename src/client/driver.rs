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
use super::{Item, Shared, Status};
use crate::config::{retry_after_ms, Format};
use crate::error::StreamError;
use crate::retry::RetryConfig;
use crate::session::{End, Next, Session};

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

/// The attempt loop. Owned by the stream's future; dropping it cancels.
pub(crate) struct Driver {
    req: Request,
    shared: Rc<Shared>,
    /// Shared with the body pump's `feed` callback while an attempt reads.
    decoder: Rc<RefCell<Decoder>>,
}

/// The stream's [`Session`] and the queue its output goes to. Survives reconnections.
struct Decoder {
    shared: Rc<Shared>,
    session: Session<Vec<Item>>,
    chunk: Vec<u8>,
}

/// How one attempt ended, and the error to report if it failed.
type AttemptEnd = (End, Option<StreamError>);

impl Driver {
    pub(crate) fn new(req: Request, shared: Rc<Shared>) -> Self {
        let session = Session::new(
            req.format,
            req.max_event_bytes,
            req.retry,
            req.method.eq_ignore_ascii_case("GET"),
            &req.last_event_id,
            Vec::new(),
        );
        let decoder = Decoder { shared: Rc::clone(&shared), session, chunk: Vec::new() };
        Self { req, shared, decoder: Rc::new(RefCell::new(decoder)) }
    }

    pub(crate) async fn run(self) {
        let mut attempt = 1;
        loop {
            self.shared.stats.borrow_mut().attempt = attempt;
            let (end, error) = self.attempt().await;
            self.shared.close_open_time();
            let next = {
                let mut decoder = self.decoder.borrow_mut();
                let next = decoder.session.end(end, js_sys::Math::random());
                decoder.deliver();
                next
            };
            let cause = || error.unwrap_or(StreamError::Network { message: "the stream ended".into() });
            let error = match next {
                Next::Reconnect { delay_ms, .. } => {
                    self.shared.status.set(Status::Retrying);
                    self.shared.stats.borrow_mut().reconnects += 1;
                    wait_to_reconnect(delay_ms).await;
                    attempt += 1;
                    continue;
                }
                Next::Done | Next::Ended => None,
                Next::Fail => Some(cause()),
                Next::NotResumable => Some(StreamError::NotResumable),
                Next::RetriesExhausted { failures } => {
                    Some(StreamError::RetriesExhausted { failures, last: Box::new(cause()) })
                }
            };
            self.shared.set_closed();
            self.shared.push(error.map(Err));
            return;
        }
    }

    async fn attempt(&self) -> AttemptEnd {
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
            return (End::Http { status, retry_after_ms: retry_after }, Some(StreamError::Http { status }));
        }
        let content_type = headers.get("content-type").ok().flatten();
        if !self.decoder.borrow_mut().session.open(content_type.as_deref()) {
            return (End::ContentType, Some(StreamError::ContentType { content_type }));
        }
        self.shared.status.set(Status::Open);
        self.shared.open_since.set(Some(Date::now()));
        let Some(body) = response.body() else { return (End::BodyEnded, None) };
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let _cancel = CancelOnDrop(reader.clone());
        let decoder = Rc::clone(&self.decoder);
        let feed = Closure::<dyn FnMut(Uint8Array, u32) -> bool>::new(move |bytes: Uint8Array, len: u32| {
            decoder.borrow_mut().feed(&bytes, len)
        });
        let pumping = PumpGuard { state: Object::new(), _feed: feed };
        let ended =
            JsFuture::from(pump(&reader, pumping._feed.as_ref().unchecked_ref(), &pumping.state)).await;
        // pump.js resolves with 2 when `feed` asked it to stop.
        match ended.map(|how| how.as_f64() == Some(2.0)) {
            Ok(true) => (End::Stopped, None),
            Ok(false) => (End::BodyEnded, None),
            Err(err) => network(describe(&err), true),
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
        let last_id = decoder.session.last_event_id();
        if !last_id.is_empty() {
            // As EventSource sends it: UTF-8 bytes (a header value is a byte string).
            let bytes: String = last_id.bytes().map(char::from).collect();
            let _ = headers.set("last-event-id", &bytes);
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
    /// Parses one chunk of the body and queues what it produced. Returns whether to stop
    /// reading: `done` arrived or the stream was stopped.
    fn feed(&mut self, bytes: &Uint8Array, len: u32) -> bool {
        let mut chunk = std::mem::take(&mut self.chunk);
        chunk.resize(len as usize, 0);
        bytes.copy_to(&mut chunk);
        self.shared.stats.borrow_mut().bytes += chunk.len() as u64;
        let done = self.session.feed(&chunk);
        self.chunk = chunk;
        self.deliver();
        done || self.shared.stopped.get()
    }

    /// Moves the session's output to the queue (nothing after a stop), and keeps the last
    /// event ID current.
    fn deliver(&mut self) {
        let current = self.session.last_event_id();
        if *self.shared.last_event_id.borrow() != current {
            current.clone_into(&mut self.shared.last_event_id.borrow_mut());
        }
        let items = std::mem::take(&mut self.session.out);
        if self.shared.stopped.get() || items.is_empty() {
            return;
        }
        let events = items.iter().filter(|item| item.is_ok()).count();
        self.shared.stats.borrow_mut().events += events as u64;
        self.shared.push(items);
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
    (End::Network { opened }, Some(StreamError::Network { message }))
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
