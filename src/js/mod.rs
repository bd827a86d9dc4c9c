//! The JS API: `startStream(options)` / `stopStream(handle)`, the option parsing, the
//! conversion of errors to JS `Error`s with a `kind`, and the TypeScript declarations.
//! The only module that knows JS object shapes.

mod types;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, RequestCredentials};

use crate::client::{
    race, CloseReason, Either, EventFuture, EventStream, Notice, NoticeStream, Shared, Sink,
};
use crate::config::{check_header, Format};
use crate::error::StreamError;
use crate::event::EventRef;
use crate::retry::RetryConfig;

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = deliverBatch)]
    fn deliver_batch(text: &[u8], ascii: bool, meta: &[u32], on_event: &Function, control: &Object);
    fn invoke(callback: &Function, arg: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    /// The options object (typed in the TypeScript section).
    #[wasm_bindgen(typescript_type = "StreamOptions")]
    pub type StreamOptions;
}

/// Every key `startStream` accepts; anything else is a typo reported as `invalid-option`.
const OPTION_KEYS: &[&str] = &[
    "url",
    "method",
    "headers",
    "body",
    "credentials",
    "signal",
    "lastEventId",
    "format",
    "retry",
    "fetch",
    "maxEventBytes",
    "onOpen",
    "onEvent",
    "onRetry",
    "onError",
    "onClose",
];
const RETRY_KEYS: &[&str] = &["maxRetries", "initialDelayMs", "maxDelayMs", "jitter"];

#[derive(Debug, Default)]
struct Callbacks {
    on_open: Option<Function>,
    on_event: Option<Function>,
    on_retry: Option<Function>,
    on_error: Option<Function>,
    on_close: Option<Function>,
}

/// The JS side of one stream: callbacks, the `closed` promise, and the once-only close.
#[derive(Debug)]
struct Session {
    shared: Rc<Shared>,
    callbacks: Callbacks,
    /// `{ stopped }`, read by the glue between the events of a batch.
    control: Object,
    resolve_closed: RefCell<Option<Function>>,
    close_reported: Cell<bool>,
    /// Events decoded from the current chunk, encoded for `deliverBatch`.
    batch: RefCell<Batch>,
}

/// A running stream. `stop()` (or `stopStream(handle)`, or the `signal`) ends it; no
/// callback but `onClose` fires after that.
#[wasm_bindgen]
#[derive(Debug)]
pub struct StreamHandle {
    session: Rc<Session>,
    closed: Promise,
}

#[wasm_bindgen]
impl StreamHandle {
    /// `'connecting' | 'open' | 'retrying' | 'closed'`.
    #[wasm_bindgen(getter, unchecked_return_type = "StreamStatus")]
    pub fn status(&self) -> String {
        self.session.shared.status.get().as_str().into()
    }

    /// The last event ID (sent as `Last-Event-ID` on reconnection).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.session.shared.last_event_id.borrow().clone()
    }

    /// Resolves once, when the stream closes, with `{ reason, error? }`. Never rejects.
    #[wasm_bindgen(getter, unchecked_return_type = "Promise<CloseInfo>")]
    pub fn closed(&self) -> Promise {
        self.closed.clone()
    }

    /// Counters: bytes, events, reconnects, attempt, timeOpenMs, lastEventId.
    #[wasm_bindgen(unchecked_return_type = "StreamStats")]
    pub fn stats(&self) -> JsValue {
        let stats = self.session.shared.stats();
        let obj = Object::new();
        set(&obj, "bytes", stats.bytes as f64);
        set(&obj, "events", stats.events as f64);
        set(&obj, "reconnects", stats.reconnects);
        set(&obj, "attempt", stats.attempt);
        set(&obj, "timeOpenMs", stats.time_open_ms);
        set(&obj, "lastEventId", stats.last_event_id);
        obj.into()
    }

    /// Stops the stream: aborts the request, cancels the reader and any reconnect timer.
    pub fn stop(&self) {
        self.session.stop();
    }
}

/// Starts streaming. Bad options throw an `Error` with `kind: 'invalid-option'` at once.
#[wasm_bindgen(js_name = startStream)]
pub fn start_stream(options: StreamOptions) -> Result<StreamHandle, JsValue> {
    let (builder, callbacks, signal) =
        parse_options(options.into()).map_err(|err| to_js_error(&err, true))?;
    let req = builder.finish().map_err(|err| to_js_error(&err, true))?;
    let mut resolve = None;
    let closed = Promise::new(&mut |res, _rej| resolve = Some(res));
    let control = Object::new();
    set(&control, "stopped", false);
    let session = Rc::new_cyclic(|session: &Weak<Session>| {
        let sink: Weak<dyn Sink> = session.clone();
        Session {
            shared: Rc::new(Shared::new(&req.last_event_id, Some(sink))),
            callbacks,
            control,
            resolve_closed: RefCell::new(resolve),
            close_reported: Cell::new(false),
            batch: RefCell::new(Batch::default()),
        }
    });
    let shared = Rc::clone(&session.shared);
    let task_session = Rc::clone(&session);
    wasm_bindgen_futures::spawn_local(async move {
        if signal.as_ref().is_some_and(AbortSignal::aborted) {
            return task_session.stop();
        }
        // The listener is removed when the task ends, whatever ends it.
        let mut aborted = signal.map(|signal| EventFuture::new(&signal, "abort"));
        let mut notices = NoticeStream::new(req, shared);
        loop {
            let next = match aborted.as_mut() {
                None => notices.next().await,
                Some(abort) => match race(notices.next(), abort).await {
                    Either::Left(next) => next,
                    Either::Right(()) => return task_session.stop(),
                },
            };
            match next {
                Some(notice) => task_session.deliver(notice),
                None => return,
            }
        }
    });
    Ok(StreamHandle { session, closed })
}

/// Stops a stream started with `startStream` (the same as `handle.stop()`).
#[wasm_bindgen(js_name = stopStream)]
pub fn stop_stream(handle: &StreamHandle) {
    handle.stop();
}

impl Session {
    fn deliver(&self, notice: Notice) {
        if self.close_reported.get() {
            return;
        }
        let cb = &self.callbacks;
        match notice {
            Notice::Open { status, headers, attempt } => {
                if let Some(f) = &cb.on_open {
                    let info = Object::new();
                    set(&info, "status", status);
                    set(&info, "headers", headers);
                    set(&info, "attempt", attempt);
                    invoke(f, &info);
                }
            }
            // With a sink, events come one by one through `Sink::event`, never as a notice.
            Notice::Events(_) => {}
            Notice::Error(err) => {
                if let Some(f) = &cb.on_error {
                    invoke(f, &to_js_error(&err, false));
                }
            }
            Notice::Retry { attempt, delay_ms, error } => {
                if let Some(f) = &cb.on_retry {
                    let info = Object::new();
                    set(&info, "attempt", attempt);
                    set(&info, "delayMs", delay_ms as f64);
                    set(&info, "error", to_js_error(&error, false));
                    invoke(f, &info);
                }
            }
            Notice::Closed { reason, error } => {
                let error = error.map(|err| to_js_error(&err, true));
                if let (Some(f), Some(err)) = (&cb.on_error, &error) {
                    invoke(f, err);
                }
                self.report_close(reason, error);
            }
        }
    }

    fn stop(&self) {
        if self.close_reported.get() {
            return;
        }
        self.shared.stop();
        self.report_close(CloseReason::Stopped, None);
    }

    /// Fires `onClose` and resolves `closed`, exactly once.
    fn report_close(&self, reason: CloseReason, error: Option<JsValue>) {
        if self.close_reported.replace(true) {
            return;
        }
        self.shared.set_closed();
        set(&self.control, "stopped", true);
        let info = Object::new();
        set(&info, "reason", reason.as_str());
        if let Some(err) = error {
            set(&info, "error", err);
        }
        if let Some(f) = &self.callbacks.on_close {
            invoke(f, &info);
        }
        if let Some(resolve) = self.resolve_closed.borrow_mut().take() {
            let _ = resolve.call1(&JsValue::UNDEFINED, &info);
        }
    }
}

type Parsed = (crate::client::EventStreamBuilder, Callbacks, Option<AbortSignal>);

fn invalid(message: impl Into<String>) -> StreamError {
    StreamError::InvalidOption(message.into())
}

fn parse_options(value: JsValue) -> Result<Parsed, StreamError> {
    if !value.is_object() {
        return Err(invalid("startStream expects an options object, e.g. startStream({ url, onEvent })"));
    }
    // Read by hand rather than through serde: the derive and the number formatting its
    // error messages pull in would triple the size of the shipped wasm.
    check_keys(&value, OPTION_KEYS, "")?;
    let o = Reader(&value, "");
    // An empty url and maxEventBytes 0 are refused by `EventStreamBuilder::finish`.
    let url = o.string("url")?.ok_or_else(|| invalid("url is required: the stream's URL"))?;
    let mut b = EventStream::builder(url);
    if let Some(method) = o.string("method")? {
        b = b.method(method.to_ascii_uppercase());
    }
    b = add_headers(b, &o.get("headers"))?;
    if let Some(id) = o.string("lastEventId")? {
        b = b.last_event_id(id);
    }
    if let Some(format) = o.string("format")? {
        b = b.format(Format::parse(&format)?);
    }
    if let Some(credentials) = o.string("credentials")? {
        b = b.credentials(match credentials.as_str() {
            "omit" => RequestCredentials::Omit,
            "same-origin" => RequestCredentials::SameOrigin,
            "include" => RequestCredentials::Include,
            _ => return Err(invalid("credentials must be 'omit', 'same-origin' or 'include'")),
        });
    }
    b = b.retry(parse_retry(&o.get("retry"))?);
    if let Some(limit) = o.whole_number("maxEventBytes")? {
        b = b.max_event_bytes(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    if let Some(fetch) = o.function("fetch")? {
        b = b.fetch(fetch);
    }
    b = add_body(b, o.get("body"))?;
    let signal = match given(&o.get("signal")) {
        None => None,
        Some(s) => Some(s.dyn_into::<AbortSignal>().map_err(|_| invalid("signal must be an AbortSignal"))?),
    };
    let callbacks = Callbacks {
        on_open: o.function("onOpen")?,
        on_event: o.function("onEvent")?,
        on_retry: o.function("onRetry")?,
        on_error: o.function("onError")?,
        on_close: o.function("onClose")?,
    };
    Ok((b, callbacks, signal))
}

/// Typed reads of an options object's fields; the prefix names the object in messages.
struct Reader<'a>(&'a JsValue, &'a str);

impl Reader<'_> {
    fn get(&self, key: &str) -> JsValue {
        Reflect::get(self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn wrong(&self, key: &str, what: &str) -> StreamError {
        invalid([self.1, key, " must be ", what].concat())
    }

    fn string(&self, key: &str) -> Result<Option<String>, StreamError> {
        given(&self.get(key)).map(|v| v.as_string().ok_or_else(|| self.wrong(key, "a string"))).transpose()
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, StreamError> {
        given(&self.get(key)).map(|v| v.as_bool().ok_or_else(|| self.wrong(key, "true or false"))).transpose()
    }

    /// A whole number ≥ 0 (milliseconds, bytes, counts).
    fn whole_number(&self, key: &str) -> Result<Option<u64>, StreamError> {
        let check = |v: JsValue| match v.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => Ok(n as u64),
            _ => Err(self.wrong(key, "a whole number ≥ 0")),
        };
        given(&self.get(key)).map(check).transpose()
    }

    fn function(&self, key: &str) -> Result<Option<Function>, StreamError> {
        let check = |v: JsValue| v.dyn_into::<Function>().map_err(|_| self.wrong(key, "a function"));
        given(&self.get(key)).map(check).transpose()
    }
}

fn check_keys(value: &JsValue, known: &[&str], prefix: &str) -> Result<(), StreamError> {
    let object: &Object = value.unchecked_ref();
    for key in Object::keys(object).iter().filter_map(|k| k.as_string()) {
        if !known.contains(&key.as_str()) {
            let message =
                ["unknown option ", prefix, &key, "; known options are ", &known.join(", ")].concat();
            return Err(invalid(message));
        }
    }
    Ok(())
}

/// `undefined` and `null` mean "not given".
fn given(value: &JsValue) -> Option<JsValue> {
    (!value.is_undefined() && !value.is_null()).then(|| value.clone())
}

fn add_headers(
    mut b: crate::client::EventStreamBuilder,
    headers: &JsValue,
) -> Result<crate::client::EventStreamBuilder, StreamError> {
    let Some(headers) = given(headers) else { return Ok(b) };
    let entries = match headers.dyn_ref::<web_sys::Headers>() {
        Some(h) => js_sys::Array::from(&h.entries().into()),
        None if headers.is_object() => Object::entries(headers.unchecked_ref()),
        None => return Err(invalid("headers must be a plain object or a Headers instance")),
    };
    for entry in entries.iter() {
        let pair = js_sys::Array::from(&entry);
        let name = pair.get(0).as_string().unwrap_or_default();
        let Some(value) = pair.get(1).as_string() else {
            return Err(invalid(["header ", &name, " must have a string value"].concat()));
        };
        check_header(&name, &value)?;
        b = b.header(name, value);
    }
    Ok(b)
}

/// A string is sent as is; a plain object as JSON (with a JSON content type unless one is
/// set); anything else the browser accepts as a body (Blob, FormData, …) is passed through.
fn add_body(
    mut b: crate::client::EventStreamBuilder,
    body: JsValue,
) -> Result<crate::client::EventStreamBuilder, StreamError> {
    let Some(body) = given(&body) else { return Ok(b) };
    if body.is_string() {
        b.set_body(body);
        return Ok(b);
    }
    let proto = Object::get_prototype_of(&body);
    let plain = body.is_object() && (proto.is_null() || proto == Object::get_prototype_of(&Object::new()));
    if plain {
        let json =
            js_sys::JSON::stringify(&body).map_err(|_| invalid("body could not be serialized as JSON"))?;
        if !b.has_header("content-type") {
            b = b.header("content-type", "application/json");
        }
        b.set_body(json.into());
    } else {
        b.set_body(body);
    }
    Ok(b)
}

fn parse_retry(value: &JsValue) -> Result<RetryConfig, StreamError> {
    let defaults = RetryConfig::default();
    let Some(value) = given(value) else { return Ok(defaults) };
    match value.as_bool() {
        Some(false) => return Ok(RetryConfig::DISABLED),
        Some(true) => return Ok(defaults),
        None if !value.is_object() => {
            return Err(invalid("retry must be false or { maxRetries, initialDelayMs, maxDelayMs, jitter }"))
        }
        None => {}
    }
    check_keys(&value, RETRY_KEYS, "retry.")?;
    let r = Reader(&value, "retry.");
    let max_retries = r.whole_number("maxRetries")?.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    Ok(RetryConfig {
        max_retries: max_retries.unwrap_or(defaults.max_retries),
        initial_delay_ms: r.whole_number("initialDelayMs")?.unwrap_or(defaults.initial_delay_ms),
        max_delay_ms: r.whole_number("maxDelayMs")?.unwrap_or(defaults.max_delay_ms),
        jitter: r.boolean("jitter")?.unwrap_or(defaults.jitter),
    })
}

impl Sink for Session {
    fn event(&self, event: &EventRef<'_>) {
        if self.callbacks.on_event.is_some() {
            self.batch.borrow_mut().push(event);
        }
    }

    fn flush(&self) {
        let Some(f) = &self.callbacks.on_event else { return };
        // Taken out while JS runs: a callback may start or stop streams, never this batch.
        let mut batch = std::mem::take(&mut *self.batch.borrow_mut());
        if !batch.meta.is_empty() {
            // UTF-16 length equals UTF-8 length only for ASCII text.
            let ascii = batch.at as usize == batch.text.len();
            deliver_batch(batch.text.as_bytes(), ascii, &batch.meta, f, &self.control);
            batch.clear();
        }
        *self.batch.borrow_mut() = batch;
    }

    fn notice(&self, notice: Notice) {
        self.deliver(notice);
    }
}

/// One string and six numbers per event; the layout is described in glue.js. Kept between
/// chunks so that its buffers are reused.
#[derive(Debug, Default)]
struct Batch {
    text: String,
    meta: Vec<u32>,
    /// UTF-16 length of `text`.
    at: u32,
    /// Where the previous event's type is in `text`, to send a repeated type only once.
    prev_type: Option<(usize, usize)>,
}

impl Batch {
    fn push(&mut self, ev: &EventRef<'_>) {
        let field = ev.field.as_deref();
        // A field with no escapes is a slice of the data: sent as its place in the data.
        // UTF-16 offsets are byte offsets in ASCII data (token streams nearly always are).
        let data_ascii = ev.data.is_ascii();
        let units = |s: &str| if data_ascii { s.len() as u32 } else { utf16_len(s) };
        let within = field.and_then(|f| {
            let start = (f.as_ptr() as usize).checked_sub(ev.data.as_ptr() as usize)?;
            let start = (start + f.len() <= ev.data.len()).then_some(start)?;
            let len = units(f);
            (len < 1 << 26).then(|| (units(&ev.data[..start]), len))
        });
        let same_type = self.prev_type.is_some_and(|(from, to)| &self.text[from..to] == ev.event_type);
        let mut flags = u32::from(ev.is_json) | u32::from(field.is_some()) << 1 | u32::from(same_type) << 3;
        if !same_type {
            let from = self.text.len();
            self.append(ev.event_type);
            self.prev_type = Some((from, self.text.len()));
        }
        let type_end = self.at;
        let data_end = self.append_counted(ev.data, units(ev.data));
        let id_end = self.append(ev.last_event_id);
        let last = match within {
            Some((start, len)) => {
                flags |= 4 | len << 5;
                start
            }
            None => self.append(field.unwrap_or("")),
        };
        self.meta.extend_from_slice(&[ev.kind as u32, flags, type_end, data_end, id_end, last]);
    }

    /// Appends `s` and returns the UTF-16 end offset of the text.
    fn append(&mut self, s: &str) -> u32 {
        self.append_counted(s, utf16_len(s))
    }

    /// [`append`](Self::append) of a string whose UTF-16 length (`units`) is known.
    fn append_counted(&mut self, s: &str, units: u32) -> u32 {
        self.text.push_str(s);
        self.at += units;
        self.at
    }

    fn clear(&mut self) {
        self.text.clear();
        self.meta.clear();
        self.at = 0;
        self.prev_type = None;
    }
}

fn utf16_len(s: &str) -> u32 {
    let units = if s.is_ascii() { s.len() } else { s.chars().map(char::len_utf16).sum() };
    units as u32
}

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// A JS `Error` with `kind`, `fatal` and, for HTTP errors, `status`.
fn to_js_error(err: &StreamError, fatal: bool) -> JsValue {
    let error = js_sys::Error::new(&err.to_string());
    error.set_name("WasmSseError");
    set(&error, "kind", err.kind());
    set(&error, "fatal", fatal);
    if let Some(status) = err.status() {
        set(&error, "status", status);
    }
    error.into()
}
