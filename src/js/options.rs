//! The options object of `startStream`, read into the Rust client's request. Its keys are
//! read with serde (unknown keys are refused with the list of known ones); each value is
//! kept as a JS value and checked here, so a wrong type names the key and says what to
//! pass. Every check the Rust builder makes (URL, headers, method, limits) is the
//! builder's own: the request is built through it.

use js_sys::{Function, Object};
use serde::Deserialize;
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

/// The keys of the options object. Each field says where its value is in [`Read::values`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    url: Js,
    method: Js,
    headers: Js,
    body: Js,
    credentials: Js,
    signal: Js,
    last_event_id: Js,
    format: Js,
    protocol: Js,
    retry: Js,
    fetch: Js,
    max_event_bytes: Js,
    idle_timeout_ms: Js,
    on_open: Js,
    on_event: Js,
    on_retry: Js,
    on_error: Js,
    on_close: Js,
}

/// The keys of `retry` when it is an object.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetryKeys {
    max_retries: Js,
    initial_delay_ms: Js,
    max_delay_ms: Js,
    jitter: Js,
}

#[inline(never)]
fn invalid(parts: &[&str]) -> StreamError {
    StreamError::InvalidOption(parts.concat())
}

/// An object read into `T`: which field is where, and the values under the field names.
struct Read<T> {
    keys: T,
    values: Vec<JsValue>,
}

impl<T> Read<T> {
    /// The value of a field; `None` when it is `undefined` or `null` ("not given").
    fn get(&self, field: Js) -> Option<&JsValue> {
        self.values.get(field.0).and_then(given)
    }
}

/// Reads `object` into `T` by `T`'s field names, after refusing keys `T` does not have;
/// `prefix` names the object in messages (`retry.`).
fn read<T: for<'de> Deserialize<'de>>(object: &JsValue, prefix: &str) -> Result<Read<T>, StreamError> {
    let known = field_names::<T>();
    let keys = object_keys(object).map_err(|_| unreadable(prefix))?;
    for key in keys.iter().filter_map(|key| key.as_string()) {
        if !known.contains(&key.as_str()) {
            return Err(invalid(&[
                "unknown option ",
                prefix,
                &key,
                "; known options are ",
                &known.join(", "),
            ]));
        }
    }
    let mut values = Vec::with_capacity(known.len());
    let keys = T::deserialize(ObjectDeserializer { object: object.unchecked_ref(), values: &mut values })
        .map_err(|_| unreadable(prefix))?;
    Ok(Read { keys, values })
}

/// The options (or `retry.` ones) threw when read: a Proxy's trap or a getter.
fn unreadable(prefix: &str) -> StreamError {
    invalid(&[prefix, "options could not be read (reading them threw); pass a plain object"])
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    // `Object.keys` and `Object.entries` that return what they throw (a Proxy's `ownKeys`
    // or a getter can), instead of unwinding through the wasm.
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(object: &JsValue) -> Result<js_sys::Array, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = entries, catch)]
    fn object_entries(object: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// Where a field's value is in [`Read::values`]: an index, so that serde's derive holds no
/// JS values of its own (and none is handed through it as a raw table index).
#[derive(Clone, Copy)]
struct Js(usize);

impl<'de> Deserialize<'de> for Js {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Index;
        impl serde::de::Visitor<'_> for Index {
            type Value = Js;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("the index of a JS value")
            }
            fn visit_u64<E>(self, at: u64) -> Result<Js, E> {
                Ok(Js(at as usize))
            }
        }
        deserializer.deserialize_u64(Index)
    }
}

/// The field names a derived `Deserialize` struct expects, as its derive hands them to
/// `deserialize_struct` (after renaming).
fn field_names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::Visitor;
    struct Names(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut Names {
        type Error = Unread;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Unread> {
            Err(Unread)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Unread> {
            self.0 = fields;
            Err(Unread)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut names = Names(&[]);
    let _ = T::deserialize(&mut names);
    names.0
}

/// Reads a JS object into a struct of [`Js`] fields, by the names serde's derive lists,
/// collecting the values.
///
/// Written here, not taken from serde-wasm-bindgen (which hands stats and notices back):
/// its deserializer reports a wrong type with serde's `Unexpected`, whose message formats
/// floats, and that alone linked ~18 KB of float formatting into the wasm (11 KB gzipped
/// in all). The values are checked in this module with messages of their own; all a
/// deserializer has to do here is hand over the values in the order of the field names.
/// It hands them over as a sequence: the derive's code for a sequence is a fraction of its
/// code for a map (no key matching, no duplicate checks), and unknown keys were refused
/// before.
struct ObjectDeserializer<'a> {
    object: &'a Object,
    values: &'a mut Vec<JsValue>,
}

impl<'de> serde::Deserializer<'de> for ObjectDeserializer<'_> {
    type Error = Unread;
    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(Unread)
    }
    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_seq(Fields { object: self.object, values: self.values, fields })
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// The struct's fields in order; each value is pushed to `values`, its index handed on.
struct Fields<'a> {
    object: &'a Object,
    values: &'a mut Vec<JsValue>,
    fields: &'static [&'static str],
}

impl<'de> serde::de::SeqAccess<'de> for Fields<'_> {
    type Error = Unread;
    fn next_element_seed<T: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        let Some(&field) = self.fields.get(self.values.len()) else { return Ok(None) };
        // A getter or a Proxy's `get` that throws: the options cannot be read.
        let value = js_sys::Reflect::get(self.object, &JsValue::from_str(field)).map_err(|_| Unread)?;
        self.values.push(value);
        seed.deserialize(serde::de::value::U64Deserializer::new(self.values.len() as u64 - 1)).map(Some)
    }
}

/// Every failure of the deserializers above (and `field_names`' signal that it has the
/// names); [`read`] reports any of them as [`unreadable`]: with a plain object, only a
/// getter or a Proxy that throws gets here. It keeps no message: serde's own error type
/// formats one for every failure its derive can report ("invalid length 3, expected …"),
/// and that formatting linked `format!` and `core::fmt`'s integer printing into the wasm.
#[derive(Debug)]
struct Unread;

impl core::fmt::Display for Unread {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the options could not be read")
    }
}

impl std::error::Error for Unread {}

impl serde::de::Error for Unread {
    fn custom<T: core::fmt::Display>(_: T) -> Self {
        Unread
    }
}

/// `undefined` and `null` mean "not given".
fn given(value: &JsValue) -> Option<&JsValue> {
    (!value.is_undefined() && !value.is_null()).then_some(value)
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
    let read: Read<Keys> = read(options, "")?;
    let o = &read.keys;
    let url = match read.get(o.url) {
        None => return Err(invalid(&["url is required: the stream's URL"])),
        Some(url) => match url.as_string() {
            Some(url) => url,
            None if is_a(url, "URL") => url.unchecked_ref::<Url>().href(),
            None => return Err(invalid(&["url must be a string or a URL"])),
        },
    };
    let mut builder = EventStream::builder(url);
    if let Some(format) = string(read.get(o.format), "format")? {
        builder = builder.format(Format::parse(&format)?);
    }
    if let Some(protocol) = string(read.get(o.protocol), "protocol")? {
        builder = builder.protocol(crate::Protocol::parse(&protocol)?);
    }
    if let Some(credentials) = string(read.get(o.credentials), "credentials")? {
        let credentials = match credentials.as_str() {
            "omit" => RequestCredentials::Omit,
            "same-origin" => RequestCredentials::SameOrigin,
            "include" => RequestCredentials::Include,
            _ => return Err(invalid(&["credentials must be 'omit', 'same-origin' or 'include'"])),
        };
        builder = builder.credentials(credentials);
    }
    if let Some(limit) = whole(read.get(o.max_event_bytes), "maxEventBytes")? {
        builder = builder.max_event_bytes(limit as usize);
    }
    if let Some(idle) = read.get(o.idle_timeout_ms) {
        builder = builder.idle_timeout(idle_timeout(idle)?);
    }
    if let Some(signal) = read.get(o.signal) {
        if !is_a(signal, "AbortSignal") {
            return Err(invalid(&["signal must be an AbortSignal"]));
        }
        builder = builder.signal(signal.clone().unchecked_into::<AbortSignal>());
    }
    let headers = header_entries(read.get(o.headers))?;
    let has_content_type = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    if let Some(id) = string(read.get(o.last_event_id), "lastEventId")? {
        builder = builder.last_event_id(id);
    }
    builder = builder.retry(retry(read.get(o.retry))?);
    if let Some(fetch) = function(read.get(o.fetch), "fetch")? {
        builder = builder.fetch(fetch);
    }
    if let Some(body) = read.get(o.body) {
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
    if let Some(method) = string(read.get(o.method), "method")? {
        builder = builder.method(method);
    }
    let callbacks = Callbacks {
        on_open: function(read.get(o.on_open), "onOpen")?,
        on_event: function(read.get(o.on_event), "onEvent")?,
        on_retry: function(read.get(o.on_retry), "onRetry")?,
        on_error: function(read.get(o.on_error), "onError")?,
        on_close: function(read.get(o.on_close), "onClose")?,
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
    let read: Read<RetryKeys> = read(value, "retry.")?;
    let r = &read.keys;
    let defaults = RetryConfig::default();
    let jitter = match read.get(r.jitter) {
        None => defaults.jitter,
        Some(v) => v.as_bool().ok_or_else(|| invalid(&["retry.jitter must be true or false"]))?,
    };
    Ok(RetryConfig {
        // Saturating casts: a limit beyond u32 is as good as none.
        max_retries: whole(read.get(r.max_retries), "retry.maxRetries")?
            .map_or(defaults.max_retries, |n| n as u32),
        initial_delay_ms: whole(read.get(r.initial_delay_ms), "retry.initialDelayMs")?
            .map_or(defaults.initial_delay_ms, |n| n as u64),
        max_delay_ms: whole(read.get(r.max_delay_ms), "retry.maxDelayMs")?
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
