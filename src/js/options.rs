//! The options object of `startStream`, read into the Rust client's request. Its values
//! are read in one call to events.js by their names (unknown keys are refused with the list
//! of known ones); each value is kept as a JS value and checked here, so a wrong type names
//! the key and says what to pass. Every check the Rust builder makes (URL, headers, method, limits) is the
//! builder's own: the request is built through it.

use js_sys::{Function, Object};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Headers, RequestCredentials, Url};

use crate::client::{is_a, EventStream, Request};
use crate::config::Format;
use crate::error::StreamError;
use crate::retry::RetryConfig;
use crate::stall::IdleTimeout;

/// The user's callbacks.
#[derive(Default)]
pub(crate) struct Callbacks {
    pub(crate) on_open: Option<Function>,
    pub(crate) on_event: Option<Function>,
    pub(crate) on_retry: Option<Function>,
    pub(crate) on_error: Option<Function>,
    pub(crate) on_close: Option<Function>,
}

impl Callbacks {
    /// `onError` and `onClose` of options that did not pass the checks, where they are
    /// functions: how a stream started before the module loaded reports them.
    pub(crate) fn on_close_only(options: &JsValue) -> Self {
        let get = |key: &str| js_sys::Reflect::get(options, &key.into()).ok().and_then(|v| v.dyn_into().ok());
        Self { on_error: get("onError"), on_close: get("onClose"), ..Self::default() }
    }
}

/// An enum of an object's options and the array of their names in the same order, from one
/// list: the names go to events.js's `readKeys` as one string, which reads every option in
/// one call (a name crossing from wasm on its own cost ~0.5 µs to decode; a stream read 18,
/// and Object.keys' keys came back one by one).
macro_rules! names {
    ($(#[$doc:meta])* $enum:ident, $names:ident: $($variant:ident = $name:literal),* $(,)?) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        enum $enum {
            $($variant),*
        }
        const $names: &[&str] = &[$($name),*];
        // They cross to JS joined with commas: none may hold one, be empty or repeat; and
        // which were given comes back as one bit each of a JS bitwise number, which is
        // signed: bit 31 would make it negative (and read as 0 here), so 31 names at most.
        const _: () = assert!(names_can_be_joined($names) && $names.len() <= 31);
    };
}

/// Whether `names` are non-empty, free of commas and distinct.
const fn names_can_be_joined(names: &[&str]) -> bool {
    const fn same(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        if name.is_empty() {
            return false;
        }
        let mut k = 0;
        while k < name.len() {
            if name[k] == b',' {
                return false;
            }
            k += 1;
        }
        let mut j = 0;
        while j < i {
            if same(names[j].as_bytes(), name) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

names! {
    /// An option of `startStream`, by its place in [`OPTIONS`].
    Opt, OPTIONS:
    Url = "url",
    Method = "method",
    Headers = "headers",
    Body = "body",
    Credentials = "credentials",
    Signal = "signal",
    LastEventId = "lastEventId",
    Format = "format",
    Protocol = "protocol",
    Retry = "retry",
    Fetch = "fetch",
    MaxEventBytes = "maxEventBytes",
    IdleTimeoutMs = "idleTimeoutMs",
    OnOpen = "onOpen",
    OnEvent = "onEvent",
    OnRetry = "onRetry",
    OnError = "onError",
    OnClose = "onClose",
}

names! {
    /// An option of `retry` when it is an object, by its place in [`RETRY_OPTIONS`].
    RetryOpt, RETRY_OPTIONS:
    MaxRetries = "maxRetries",
    InitialDelayMs = "initialDelayMs",
    MaxDelayMs = "maxDelayMs",
    Jitter = "jitter",
}

#[inline(never)]
fn invalid(parts: &[&str]) -> StreamError {
    StreamError::InvalidOption(parts.concat())
}

/// An object's given values under a list of names: a bit per name in `given`, and the
/// values of those names in their order after it (at 1, 2, ...).
struct Read {
    given: u32,
    values: Vec<JsValue>,
}

impl Read {
    /// The value at `at` in the names; `None` when it is `undefined` or `null` ("not given").
    /// (Called, not inlined at each of its 22 uses.)
    #[inline(never)]
    fn get(&self, at: usize) -> Option<&JsValue> {
        if self.given >> at & 1 == 0 {
            return None;
        }
        self.values.get(1 + (self.given & ((1 << at) - 1)).count_ones() as usize)
    }
}

/// Reads `object` under `names`, after refusing keys not among them; `prefix` names the
/// object in messages (`retry.`).
fn read(object: &JsValue, names: &[&str], prefix: &str) -> Result<Read, StreamError> {
    let values = read_keys(object, &names.join(",")).map_err(|_| unreadable(prefix))?;
    // (`given` is a JS bitwise number: -1 only for an unknown key, since 31 names at most.)
    let given = values.first().and_then(JsValue::as_f64).unwrap_or(0.0);
    if given < 0.0 {
        let key = values.get(1).and_then(JsValue::as_string).unwrap_or_default();
        return Err(invalid(&["unknown option ", prefix, &key, "; known options are ", &names.join(", ")]));
    }
    Ok(Read { given: given as u32, values })
}

/// The options (or `retry.` ones) threw when read: a Proxy's trap or a getter.
fn unreadable(prefix: &str) -> StreamError {
    invalid(&[prefix, "options could not be read (reading them threw); pass a plain object"])
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/js/events.js")]
extern "C" {
    /// `[given, ...values]`: a bit in `given` for each of the comma-separated names the
    /// object has a value under (neither `undefined` nor `null`), then those values in the
    /// names' order; or `[-1, key]`, the first own key not among the names. Returns what a
    /// getter or a Proxy's trap throws.
    #[wasm_bindgen(js_name = readKeys, catch)]
    fn read_keys(object: &JsValue, names: &str) -> Result<Vec<JsValue>, JsValue>;
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    // `Object.entries` that returns what it throws (a Proxy's `ownKeys` or a getter can),
    // instead of unwinding through the wasm.
    #[wasm_bindgen(js_namespace = Object, js_name = entries, catch)]
    fn object_entries(object: &JsValue) -> Result<js_sys::Array, JsValue>;
}

fn string(value: Option<&JsValue>, key: &str) -> Result<Option<String>, StreamError> {
    value.map(|v| v.as_string().ok_or_else(|| invalid(&[key, " must be a string"]))).transpose()
}

fn function(value: Option<&JsValue>, key: &str) -> Result<Option<Function>, StreamError> {
    value.map(|v| v.dyn_ref().cloned().ok_or_else(|| invalid(&[key, " must be a function"]))).transpose()
}

/// A whole number ≥ 0 (`Number.isSafeInteger`), as `f64`.
fn whole(value: Option<&JsValue>, key: &str) -> Result<Option<f64>, StreamError> {
    let is_whole = |n: f64| (0.0..=9_007_199_254_740_991.0).contains(&n) && n.fract() == 0.0;
    value
        .map(|v| {
            v.as_f64().filter(|&n| is_whole(n)).ok_or_else(|| invalid(&[key, " must be a whole number ≥ 0"]))
        })
        .transpose()
}

/// Reads and checks the options object: the request to run and the callbacks.
pub(crate) fn parse(options: &JsValue) -> Result<(Request, Callbacks), StreamError> {
    if !options.is_object() || options.is_function() {
        return Err(invalid(&["startStream expects an options object, e.g. startStream({ url, onEvent })"]));
    }
    let read = read(options, OPTIONS, "")?;
    let o = |opt: Opt| read.get(opt as usize);
    let url = match o(Opt::Url) {
        None => return Err(invalid(&["url is required: the stream's URL"])),
        Some(url) => match url.as_string() {
            Some(url) => url,
            None if is_a(url, "URL") => url.unchecked_ref::<Url>().href(),
            None => return Err(invalid(&["url must be a string or a URL"])),
        },
    };
    let mut builder = EventStream::builder(url);
    if let Some(format) = string(o(Opt::Format), "format")? {
        builder = builder.format(Format::parse(&format)?);
    }
    if let Some(protocol) = string(o(Opt::Protocol), "protocol")? {
        builder = builder.protocol(crate::Protocol::parse(&protocol)?);
    }
    if let Some(credentials) = string(o(Opt::Credentials), "credentials")? {
        let credentials = match credentials.as_str() {
            "omit" => RequestCredentials::Omit,
            "same-origin" => RequestCredentials::SameOrigin,
            "include" => RequestCredentials::Include,
            _ => return Err(invalid(&["credentials must be 'omit', 'same-origin' or 'include'"])),
        };
        builder = builder.credentials(credentials);
    }
    if let Some(limit) = whole(o(Opt::MaxEventBytes), "maxEventBytes")? {
        builder = builder.max_event_bytes(limit as usize);
    }
    if let Some(idle) = o(Opt::IdleTimeoutMs) {
        builder = builder.idle_timeout(idle_timeout(idle)?);
    }
    if let Some(signal) = o(Opt::Signal) {
        if !is_a(signal, "AbortSignal") {
            return Err(invalid(&["signal must be an AbortSignal"]));
        }
        builder = builder.signal(signal.clone().unchecked_into::<AbortSignal>());
    }
    let headers = header_entries(o(Opt::Headers))?;
    let has_content_type = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    if let Some(id) = string(o(Opt::LastEventId), "lastEventId")? {
        builder = builder.last_event_id(id);
    }
    builder = builder.retry(retry(o(Opt::Retry))?);
    if let Some(fetch) = function(o(Opt::Fetch), "fetch")? {
        builder = builder.fetch(fetch);
    }
    if let Some(body) = o(Opt::Body) {
        builder = match body.as_string() {
            Some(text) => builder.body(text),
            None if is_plain_object(body) => {
                let json = js_sys::JSON::stringify(body)
                    .map_err(|_| invalid(&["body could not be serialized as JSON"]))?;
                let builder = if has_content_type {
                    builder
                } else {
                    builder.header("content-type", "application/json")
                };
                builder.body_value(json.into())
            }
            // Blob, FormData, URLSearchParams, bytes, streams: as fetch takes them.
            None => builder.body_value(body.clone()),
        };
    }
    if let Some(method) = string(o(Opt::Method), "method")? {
        builder = builder.method(method);
    }
    let callbacks = Callbacks {
        on_open: function(o(Opt::OnOpen), "onOpen")?,
        on_event: function(o(Opt::OnEvent), "onEvent")?,
        on_retry: function(o(Opt::OnRetry), "onRetry")?,
        on_error: function(o(Opt::OnError), "onError")?,
        on_close: function(o(Opt::OnClose), "onClose")?,
    };
    Ok((builder.into_request()?, callbacks))
}

/// `[name, value]` pairs of a plain object or a `Headers`; the builder checks them.
fn header_entries(headers: Option<&JsValue>) -> Result<Vec<(String, String)>, StreamError> {
    let Some(headers) = headers else { return Ok(Vec::new()) };
    if !headers.is_object() {
        return Err(invalid(&["headers must be a plain object or a Headers instance"]));
    }
    let entries: Vec<JsValue> = if is_a(headers, "Headers") {
        let headers = headers.unchecked_ref::<Headers>();
        js_sys::try_iter(headers).ok().flatten().into_iter().flatten().flatten().collect()
    } else {
        object_entries(headers)
            .map_err(|_| {
                invalid(&["headers could not be read (reading them threw); pass a plain object or a Headers"])
            })?
            .to_vec()
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry: js_sys::Array = entry.unchecked_into();
        let name = entry.get(0).as_string().unwrap_or_default();
        let value = entry.get(1);
        let value = value.as_string();
        out.push((
            name.clone(),
            value.ok_or_else(|| invalid(&["header ", &name, " must have a string value"]))?,
        ));
    }
    Ok(out)
}

/// `idleTimeoutMs`: `'auto'`, or milliseconds (`0`: never).
fn idle_timeout(value: &JsValue) -> Result<IdleTimeout, StreamError> {
    if value.as_string().as_deref() == Some("auto") {
        return Ok(IdleTimeout::Auto);
    }
    let message = "idleTimeoutMs must be 'auto' or a whole number of milliseconds (0 turns it off)";
    let ms = whole(Some(value), "idleTimeoutMs").map_err(|_| invalid(&[message]))?;
    Ok(ms.map_or(IdleTimeout::Auto, |ms| IdleTimeout::from_ms(ms as u64)))
}

/// `retry`: absent or `true` for the defaults, `false` for none, or an object of limits.
fn retry(value: Option<&JsValue>) -> Result<RetryConfig, StreamError> {
    let Some(value) = value else { return Ok(RetryConfig::default()) };
    match value.as_bool() {
        Some(true) => return Ok(RetryConfig::default()),
        Some(false) => return Ok(RetryConfig::DISABLED),
        None if !value.is_object() => {
            return Err(invalid(&[
                "retry must be false or { maxRetries, initialDelayMs, maxDelayMs, jitter }",
            ]));
        }
        None => {}
    }
    let read = read(value, RETRY_OPTIONS, "retry.")?;
    let r = |opt: RetryOpt| read.get(opt as usize);
    let defaults = RetryConfig::default();
    let jitter = match r(RetryOpt::Jitter) {
        None => defaults.jitter,
        Some(v) => v.as_bool().ok_or_else(|| invalid(&["retry.jitter must be true or false"]))?,
    };
    Ok(RetryConfig {
        // Saturating casts: a limit beyond u32 is as good as none.
        max_retries: whole(r(RetryOpt::MaxRetries), "retry.maxRetries")?
            .map_or(defaults.max_retries, |n| n as u32),
        initial_delay_ms: whole(r(RetryOpt::InitialDelayMs), "retry.initialDelayMs")?
            .map_or(defaults.initial_delay_ms, |n| n as u64),
        max_delay_ms: whole(r(RetryOpt::MaxDelayMs), "retry.maxDelayMs")?
            .map_or(defaults.max_delay_ms, |n| n as u64),
        jitter,
    })
}

/// A plain object (`{…}` or `Object.create(null)`): sent as JSON. Its prototype is an
/// `Object.prototype`, the one object whose own prototype is null, of any realm: an object
/// made in an iframe, or by Firefox's WebDriver for a script's arguments, is plain too
/// (comparing with this realm's `Object.prototype` sent those as "[object Object]").
fn is_plain_object(value: &JsValue) -> bool {
    if !value.is_object() {
        return false;
    }
    let proto = Object::get_prototype_of(value);
    proto.is_null() || Object::get_prototype_of(&proto).is_null()
}
