//! The `#[wasm_bindgen]` exports: `startStream`, `stopStream` and the `StreamHandle`
//! class, and the sink that turns the client's notices into calls of the JS callbacks.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::options::{parse, Callbacks};
use super::Batch;
use crate::client::{CloseReason, Control, OpenInfo, Request, RetryInfo, Shared, Sink, Task};
use crate::error::StreamError;

#[wasm_bindgen(module = "/src/js/events.js")]
extern "C" {
    /// Builds the event objects of one batch and hands them to the callbacks.
    fn deliver(
        bytes: &[u8],
        ascii: bool,
        meta: &[u32],
        own: &JsValue,
        control: &Object,
        on_event: &JsValue,
        on_error: &JsValue,
    ) -> u32;
    /// A string decoded from a view of wasm memory (the batch's large data or field).
    #[wasm_bindgen(js_name = text)]
    pub(super) fn decode(bytes: &[u8]) -> JsValue;
    /// A `WasmSseError`: an `Error` with `kind`, `fatal` and `status`.
    #[wasm_bindgen(js_name = streamError)]
    fn stream_error(kind: &str, message: &str, fatal: bool, status: Option<u16>) -> JsValue;
    /// Calls a user callback; what it throws is reported, never propagated.
    fn invoke(callback: &Function, arg: &JsValue);
    /// Closes a stream: the control's flag, `onError`, `onClose` and `closed`; see events.js.
    #[wasm_bindgen(js_name = close)]
    fn close_stream(
        control: &Object,
        reason: &str,
        error: &JsValue,
        on_error: Option<&Function>,
        on_close: Option<&Function>,
        resolve: &Function,
    );
}

/// The JS error for `err`. `fatal`: the stream ended because of it.
pub(crate) fn js_error(err: &StreamError, fatal: bool) -> JsValue {
    stream_error(err.kind(), &err.message(), fatal, err.status())
}

/// The JS API's sink: the user's callbacks, dropped at close (they may hold the handle,
/// which holds this: no cycle outlives the stream).
struct JsSink {
    callbacks: RefCell<Option<Callbacks>>,
    /// What `deliver` checks between events; `stopped` is set at close.
    control: Object,
    /// Resolves the handle's `closed`.
    resolve: Function,
}

impl JsSink {
    fn call(&self, pick: impl FnOnce(&Callbacks) -> &Option<Function>, arg: impl FnOnce() -> JsValue) {
        // Cloned out so that a callback may stop the stream (which takes the callbacks).
        let callback = self.callbacks.borrow().as_ref().and_then(|callbacks| pick(callbacks).clone());
        if let Some(callback) = callback {
            invoke(&callback, &arg());
        }
    }
}

/// A value of a notice.
enum Value<'a> {
    Number(f64),
    Text(&'a str),
    Js(&'a JsValue),
}

/// A notice (`stats()`, the open, retry and close notices) as a plain object, its entries
/// set in order; one whose value is `undefined` is left out. js-sys's `Reflect::set` where
/// serde-wasm-bindgen's map serializer assigned `object[key] = value` (the same on a fresh
/// plain object), without the serializer: 667 B less (gzipped) for the package. `Stats`
/// keeps its serde derive for Rust users; a test checks that `stats()` has the derive's
/// keys.
fn notice(entries: &[(&str, Value<'_>)]) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        let value = match value {
            Value::Number(n) => JsValue::from_f64(*n),
            Value::Text(text) => JsValue::from_str(text),
            Value::Js(value) if value.is_undefined() => continue,
            Value::Js(value) => (*value).clone(),
        };
        // Setting a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    }
    object.into()
}

impl Sink for JsSink {
    type Out = Batch;

    fn open(&self, info: &OpenInfo) {
        self.call(
            |c| &c.on_open,
            || {
                notice(&[
                    ("status", Value::Number(info.status.into())),
                    ("headers", Value::Js(&info.headers)),
                    ("attempt", Value::Number(info.attempt.into())),
                ])
            },
        );
    }

    fn deliver(&self, batch: &mut Batch, _: &Shared) -> u64 {
        let callbacks = self.callbacks.borrow().as_ref().map(|c| (c.on_event.clone(), c.on_error.clone()));
        let events = match callbacks {
            Some((on_event, on_error)) if !batch.meta.is_empty() => {
                let js = |f: Option<Function>| f.map_or(JsValue::UNDEFINED, JsValue::from);
                let (text, meta) = (batch.text.as_bytes(), &batch.meta);
                let own = match batch.own.is_empty() {
                    true => JsValue::UNDEFINED,
                    false => batch.own.drain(..).collect::<js_sys::Array>().into(),
                };
                deliver(text, batch.is_ascii(), meta, &own, &self.control, &js(on_event), &js(on_error))
            }
            _ => 0,
        };
        batch.clear();
        u64::from(events)
    }

    fn retry(&self, info: &RetryInfo) {
        self.call(
            |c| &c.on_retry,
            || {
                notice(&[
                    ("attempt", Value::Number(info.attempt.into())),
                    ("delayMs", Value::Number(info.delay_ms as f64)),
                    ("error", Value::Js(&js_error(&info.error, false))),
                ])
            },
        );
    }

    fn close(&self, reason: CloseReason, error: Option<StreamError>) {
        let Some(callbacks) = self.callbacks.borrow_mut().take() else { return };
        let error = error.map_or(JsValue::UNDEFINED, |err| js_error(&err, true));
        let (on_error, on_close) = (callbacks.on_error.as_ref(), callbacks.on_close.as_ref());
        close_stream(&self.control, reason.as_str(), &error, on_error, on_close, &self.resolve);
    }
}

/// A running stream, as `startStream` returns it.
#[wasm_bindgen(js_name = StreamHandle)]
pub struct JsStreamHandle {
    control: Rc<Control<JsSink>>,
    closed: Promise,
}

#[wasm_bindgen(js_class = StreamHandle)]
impl JsStreamHandle {
    /// `'connecting' | 'open' | 'retrying' | 'closed'`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.control.shared.status().as_str().into()
    }

    /// The last event ID (sent as `Last-Event-ID` on reconnection).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.control.shared.last_event_id()
    }

    /// Resolves once, when the stream closes, with `{ reason, error? }`. Never rejects.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> Promise {
        self.closed.clone()
    }

    /// Counters: bytes, events, reconnects, attempt, timeOpenMs, lastEventId.
    pub fn stats(&self) -> JsValue {
        let stats = self.control.shared.stats();
        notice(&[
            ("bytes", Value::Number(stats.bytes as f64)),
            ("events", Value::Number(stats.events as f64)),
            ("reconnects", Value::Number(stats.reconnects.into())),
            ("attempt", Value::Number(stats.attempt.into())),
            ("timeOpenMs", Value::Number(stats.time_open_ms)),
            ("lastEventId", Value::Text(&stats.last_event_id)),
        ])
    }

    /// Stops the stream: aborts the request, cancels the reader and any reconnect timer;
    /// only `onClose` fires after.
    pub fn stop(&self) {
        self.control.stop();
    }
}

/// Starts a stream; bad options throw an `invalid-option` error.
#[wasm_bindgen(js_name = startStream)]
pub fn start_stream(options: &JsValue) -> Result<JsStreamHandle, JsValue> {
    let (req, callbacks) = parse(options).map_err(|err| js_error(&err, true))?;
    Ok(JsStreamHandle::spawn(req, callbacks))
}

/// [`start_stream`] for a stream started before the module loaded (the package entry calls
/// it): bad options close the handle with the error (`onError`, then `onClose`) instead
/// of throwing, since `startStream` has already returned.
#[wasm_bindgen(js_name = startStreamLater)]
pub fn start_stream_later(options: &JsValue) -> JsStreamHandle {
    match parse(options) {
        Ok((req, callbacks)) => JsStreamHandle::spawn(req, callbacks),
        Err(err) => {
            let handle = JsStreamHandle::new("", Callbacks::on_close_only(options));
            handle.control.finish(CloseReason::Error, Some(err));
            handle
        }
    }
}

/// Stops a stream (the same as `handle.stop()`).
#[wasm_bindgen(js_name = stopStream)]
pub fn stop_stream(handle: &JsStreamHandle) {
    handle.stop();
}

impl std::fmt::Debug for JsStreamHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamHandle").field("status", &self.control.shared.status()).finish()
    }
}

impl JsStreamHandle {
    /// A handle whose stream has not started.
    fn new(last_event_id: &str, callbacks: Callbacks) -> Self {
        // A Promise runs its executor at once: `resolve` is set before it is used.
        let mut resolve = JsValue::UNDEFINED.unchecked_into::<Function>();
        let closed = Promise::new(&mut |done, _| resolve = done);
        let sink = JsSink { callbacks: RefCell::new(Some(callbacks)), control: Object::new(), resolve };
        Self { control: Control::new(last_event_id, sink), closed }
    }

    /// Starts `req` through the client, its notices going to `callbacks`.
    fn spawn(req: Request, callbacks: Callbacks) -> Self {
        let handle = Self::new(&req.last_event_id, callbacks);
        let mut task = Task::new(req, &handle.control);
        let control = Rc::clone(&handle.control);
        wasm_bindgen_futures::spawn_local(std::future::poll_fn(move |cx| task.poll(&control.shared, cx)));
        handle
    }
}
