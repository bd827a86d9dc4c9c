//! Typed events: the vocabulary of agent backends (`thought`, `text`, `message`, `error`,
//! `done`) decoded from raw SSE events and NDJSON values. Nothing is trimmed or dropped.
//!
//! Payloads follow the seed backend: `{"content": …}` for tokens, `{"error": …}` for
//! errors, `{"status": …}` for done. Plain (non-JSON) data is taken as it is. The
//! providers' wire formats (OpenAI, Anthropic, …) decode into the same kinds in
//! [`protocol`](crate::protocol).

use crate::prelude::*;

use crate::json::{self, Key, TopLevel};
use crate::sse::RawEvent;

/// What an event means, by its type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// Model reasoning to show apart from the answer (`event: thought`).
    Thought {
        /// The `content` field of a JSON object, or the whole data when it is not one.
        content: String,
    },
    /// A piece of the answer (`event: text`).
    Text {
        /// The `content` field of a JSON object, or the whole data when it is not one.
        content: String,
    },
    /// A message (`event: message`, and any event with no `event:` field).
    Message {
        /// The `content` field of a JSON object, or the whole data when it is not one.
        content: String,
    },
    /// The server reports a failure in-band (`event: error`). The stream goes on.
    Error {
        /// `{"error": "…"}`, `{"error": {"message": "…"}}`, `{"message": "…"}`, or the raw data.
        message: String,
    },
    /// A provider's tool call, or a piece of its arguments (provider protocols only). Every
    /// event of a call carries its ID and name; the `args_delta`s of a call, concatenated,
    /// are its arguments as JSON text.
    ToolCall {
        /// The provider's call ID, or `call_N` (N: the call's 0-based position among the
        /// stream's tool calls) when it sends none.
        id: String,
        /// The tool's name.
        name: String,
        /// The next piece of the arguments' JSON text (empty on the event that starts a call
        /// when the provider streams the arguments after it).
        args_delta: String,
    },
    /// The server finished (`event: done`, or `data: [DONE]` on a `message` event). A client
    /// closes the stream and does not reconnect.
    Done {
        /// The `status` field, when the data is an object that has one; a provider's finish
        /// or stop reason.
        status: Option<String>,
        /// The token counts the provider reported, if it did.
        usage: Option<Usage>,
    },
    /// Any other event type; its name is [`StreamEvent::event_type`].
    Other,
}

/// Token counts as the provider reported them (`None`: that count was not reported).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Tokens of the prompt (OpenAI `prompt_tokens`, Anthropic and Responses
    /// `input_tokens`, Gemini `promptTokenCount`, Ollama `prompt_eval_count`).
    pub input_tokens: Option<u64>,
    /// Tokens generated (OpenAI `completion_tokens`, Anthropic and Responses
    /// `output_tokens`, Gemini `candidatesTokenCount`, Ollama `eval_count`).
    pub output_tokens: Option<u64>,
}

/// A decoded event, with the raw fields it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEvent {
    /// What the event means.
    pub kind: EventKind,
    /// The raw event type (`message` when the server gave none).
    pub event_type: String,
    /// The raw data, exactly as sent.
    pub data: String,
    /// The last event ID at dispatch (empty when the server never sent one).
    pub last_event_id: String,
    /// Whether `data` is one valid JSON value.
    pub is_json: bool,
}

impl StreamEvent {
    /// The text content of a `thought`, `text` or `message` event.
    pub fn content(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Thought { content } | EventKind::Text { content } | EventKind::Message { content } => {
                Some(content)
            }
            _ => None,
        }
    }

    /// Whether this event ends the stream.
    pub fn is_done(&self) -> bool {
        matches!(self.kind, EventKind::Done { .. })
    }

    /// The data parsed as JSON, when it is JSON.
    #[cfg(feature = "serde_json")]
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.is_json {
            serde_json::from_str(&self.data).ok()
        } else {
            None
        }
    }
}

impl From<RawEvent> for StreamEvent {
    fn from(raw: RawEvent) -> Self {
        decode_sse(raw)
    }
}

/// The kinds of [`EventKind`] without their payload; the JS API sends this as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Thought = 0,
    Text = 1,
    Message = 2,
    Error = 3,
    Done = 4,
    Other = 5,
    ToolCall = 6,
}

/// A decoded event that borrows the parser's buffers: what the JS API encodes straight
/// into its batch, with no allocation unless the typed field has JSON escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventRef<'a> {
    pub(crate) kind: Kind,
    /// `content`, the error `message` or the done `status`, as [`EventKind`] has them.
    pub(crate) field: Option<Cow<'a, str>>,
    pub(crate) event_type: &'a str,
    pub(crate) data: &'a str,
    pub(crate) last_event_id: &'a str,
    pub(crate) is_json: bool,
    /// A tool call's ID and name (its `field` is the arguments' piece).
    pub(crate) call: Option<(Cow<'a, str>, Cow<'a, str>)>,
    /// A `done` event's token counts.
    pub(crate) usage: Option<Usage>,
    /// A provider's in-band error: the stream ends with it.
    pub(crate) fatal: bool,
}

impl<'a> EventRef<'a> {
    /// An event of `kind` with typed field `field` and nothing else typed.
    pub(crate) fn new(
        kind: Kind,
        field: Option<Cow<'a, str>>,
        event_type: &'a str,
        data: &'a str,
        last_event_id: &'a str,
        is_json: bool,
    ) -> Self {
        EventRef {
            kind,
            field,
            event_type,
            data,
            last_event_id,
            is_json,
            call: None,
            usage: None,
            fatal: false,
        }
    }

    /// A token of the agent vocabulary: `content` (a slice of the JSON `data`, or its
    /// unescaped copy) is its typed field.
    pub(crate) fn token(
        kind: Kind,
        content: &'a str,
        event_type: &'a str,
        data: &'a str,
        last_event_id: &'a str,
    ) -> Self {
        Self::new(kind, Some(Cow::Borrowed(content)), event_type, data, last_event_id, true)
    }

    pub(crate) fn to_owned(&self) -> StreamEvent {
        let field = || self.field.as_deref().unwrap_or_default().to_owned();
        let kind = match self.kind {
            Kind::Thought => EventKind::Thought { content: field() },
            Kind::Text => EventKind::Text { content: field() },
            Kind::Message => EventKind::Message { content: field() },
            Kind::Error => EventKind::Error { message: field() },
            Kind::Done => {
                EventKind::Done { status: self.field.as_deref().map(str::to_owned), usage: self.usage }
            }
            Kind::Other => EventKind::Other,
            Kind::ToolCall => {
                let (id, name) = self.call.as_ref().map_or(("", ""), |(id, name)| (id, name));
                EventKind::ToolCall { id: id.to_owned(), name: name.to_owned(), args_delta: field() }
            }
        };
        StreamEvent {
            kind,
            event_type: self.event_type.to_owned(),
            data: self.data.to_owned(),
            last_event_id: self.last_event_id.to_owned(),
            is_json: self.is_json,
        }
    }
}

/// Decodes a dispatched SSE event: the event type chooses the kind.
pub fn decode_sse(raw: RawEvent) -> StreamEvent {
    decode_sse_ref(&raw.event_type, &raw.data, &raw.last_event_id, 0..0, &mut String::new()).to_owned()
}

/// [`decode_sse`] without copying: the event's fields stay where the parser has them.
/// `scratch` holds a token's content when it has escapes, `plain` bytes of the data known to
/// need no JSON unescaping (see [`token`]).
pub(crate) fn decode_sse_ref<'a>(
    event_type: &'a str,
    data: &'a str,
    last_event_id: &'a str,
    plain: core::ops::Range<usize>,
    scratch: &'a mut String,
) -> EventRef<'a> {
    // The event is built here, once: a token handed back as a whole event was one more
    // copy of it (a `memory.copy` in wasm) per event.
    let (kind, field, is_json) = match token(event_type, data, plain, scratch) {
        Some((kind, content)) => (kind, Some(Cow::Borrowed(content)), true),
        None => {
            let top = json::parse_top(data);
            let (kind, field) = if event_type == "message" && data == "[DONE]" {
                (Kind::Done, None)
            } else {
                kind_for(event_type, data, top.as_ref())
            };
            (kind, field, top.is_some())
        }
    };
    EventRef::new(kind, field, event_type, data, last_event_id, is_json)
}

/// A token: data that is `{"content":"…"}` exactly, of a kind whose field is its content:
/// its kind and content, what [`decode_sse_ref`]'s parse_top and kind_for would find,
/// without building the object's fields. No provider's event has that shape, so it also
/// tells an `auto` stream that it carries the agent vocabulary. A content with escapes is
/// unescaped into `scratch`, which the caller keeps for the next event. `plain`: bytes of
/// the data already known to hold no `"`, `\\` or control character (not scanned again).
pub(crate) fn token<'a>(
    event_type: &str,
    data: &'a str,
    plain: core::ops::Range<usize>,
    scratch: &'a mut String,
) -> Option<(Kind, &'a str)> {
    let kind = content_kind(event_type)?;
    Some((kind, json::content(data, plain, scratch)?))
}

/// [`token`] when the content has nothing to unescape: the kind and the content, a slice
/// of `data`. For the SSE lane, whose tokens skip the decoder (src/session.rs).
#[cfg_attr(not(any(test, all(target_arch = "wasm32", feature = "client"))), allow(dead_code))]
pub(crate) fn plain_token<'a>(event_type: &str, data: &'a str) -> Option<(Kind, &'a str)> {
    let kind = content_kind(event_type)?;
    Some((kind, json::plain_content(data)?))
}

/// Decodes one NDJSON value (already known to be JSON): its `type` field chooses the kind,
/// `message` when it has none. The type is `Cow` since a JSON string may hold escapes.
pub(crate) fn decode_ndjson_ref<'a>(line: &'a str, event_type: &'a str, top: &TopLevel<'a>) -> EventRef<'a> {
    let (kind, field) = kind_for(event_type, line, Some(top));
    EventRef::new(kind, field, event_type, line, "", true)
}

/// The `type` of an NDJSON value, `message` when it has none (or it is not a string).
pub(crate) fn ndjson_type<'a>(top: &TopLevel<'a>) -> Cow<'a, str> {
    top.get(Key::Type).and_then(json::as_string).unwrap_or(Cow::Borrowed("message"))
}

fn kind_for<'a>(event_type: &str, data: &'a str, top: Option<&TopLevel<'a>>) -> (Kind, Option<Cow<'a, str>>) {
    // A field's text: a JSON string unescaped, any other JSON value as written.
    let text = |key: Key| top.and_then(|t| t.text(key));
    // Content (or an error's message) is the data itself when the payload has none.
    let or_data = |field: Option<Cow<'a, str>>| Some(field.unwrap_or(Cow::Borrowed(data)));
    if let Some(kind) = content_kind(event_type) {
        return (kind, or_data(text(Key::Content)));
    }
    match event_type {
        "done" => (Kind::Done, text(Key::Status)),
        "error" => match top.and_then(|t| t.get(Key::Error)) {
            Some(err) => {
                let message = json::parse_top(err).and_then(|inner| inner.text(Key::Message));
                (Kind::Error, Some(message.unwrap_or_else(|| json::text_of(err))))
            }
            None => (Kind::Error, or_data(text(Key::Message))),
        },
        _ => (Kind::Other, None),
    }
}

/// The kinds whose typed field is the payload's `content`.
fn content_kind(event_type: &str) -> Option<Kind> {
    match event_type {
        "thought" => Some(Kind::Thought),
        "text" => Some(Kind::Text),
        "message" => Some(Kind::Message),
        _ => None,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn raw(event_type: &str, data: &str) -> RawEvent {
        RawEvent { event_type: event_type.into(), data: data.into(), last_event_id: "7".into() }
    }

    fn content(kind: &str, c: &str) -> EventKind {
        let c = c.to_owned();
        match kind {
            "thought" => EventKind::Thought { content: c },
            "text" => EventKind::Text { content: c },
            _ => EventKind::Message { content: c },
        }
    }

    #[test]
    fn the_token_shortcut_decodes_as_the_general_path() {
        let datas = [
            r#"{"content":"a b"}"#,
            r#"{"content":""}"#,
            r#"{"content":"a\"b"}"#,
            r#"{"content":"line\n\u00e9\ud83d\ude00"}"#,
            r#"{"content":"bad \x escape"}"#,
            r#"{"content":"a","b":"c"}"#,
            r#"{"content":"a\"}"#,
            r#"{"content":"x"} "#,
            r#"{"text":"x"}"#,
        ];
        for event_type in ["thought", "text", "message", "error", "done", "other"] {
            for data in datas {
                let top = json::parse_top(data);
                let (kind, field) = kind_for(event_type, data, top.as_ref());
                let general = EventRef::new(kind, field, event_type, data, "", top.is_some());
                assert_eq!(
                    decode_sse_ref(event_type, data, "", 0..0, &mut String::new()),
                    general,
                    "{event_type} {data}"
                );
            }
        }
        assert_eq!(json::content(datas[0], 0..0, &mut String::new()), Some("a b"), "the shortcut is taken");
    }

    #[test]
    fn sse_table() {
        let table: &[(&str, &str, EventKind, bool)] = &[
            ("thought", r#"{"content":"hmm"}"#, content("thought", "hmm"), true),
            ("text", r#"{"content":" leading space "}"#, content("text", " leading space "), true),
            ("text", " raw token ", content("text", " raw token "), false),
            ("text", r#"{"content":"a\nb\u00e9"}"#, content("text", "a\nbé"), true),
            ("text", r#"{"content":42}"#, content("text", "42"), true),
            ("text", r#"{"other":1}"#, content("text", r#"{"other":1}"#), true),
            ("text", r#""quoted""#, content("text", r#""quoted""#), true),
            ("message", "hello", content("message", "hello"), false),
            ("message", r#"{"content":"hi"}"#, content("message", "hi"), true),
            ("message", "[DONE]", EventKind::Done { status: None, usage: None }, false),
            ("text", "[DONE]", content("text", "[DONE]"), false),
            ("error", r#"{"error":"boom"}"#, EventKind::Error { message: "boom".into() }, true),
            (
                "error",
                r#"{"error":{"message":"quota","code":429}}"#,
                EventKind::Error { message: "quota".into() },
                true,
            ),
            (
                "error",
                r#"{"error":{"code":429}}"#,
                EventKind::Error { message: r#"{"code":429}"#.into() },
                true,
            ),
            ("error", r#"{"message":"bad"}"#, EventKind::Error { message: "bad".into() }, true),
            ("error", "plain failure", EventKind::Error { message: "plain failure".into() }, false),
            (
                "done",
                r#"{"status":"complete"}"#,
                EventKind::Done { status: Some("complete".into()), usage: None },
                true,
            ),
            ("done", "", EventKind::Done { status: None, usage: None }, false),
            ("done", "bye", EventKind::Done { status: None, usage: None }, false),
            ("tool_call", r#"{"name":"search"}"#, EventKind::Other, true),
            ("ping", "x", EventKind::Other, false),
        ];
        for (event_type, data, kind, is_json) in table {
            let ev = decode_sse(raw(event_type, data));
            assert_eq!(&ev.kind, kind, "{event_type} {data}");
            assert_eq!(ev.is_json, *is_json, "{event_type} {data}");
            assert_eq!((ev.event_type.as_str(), ev.data.as_str()), (*event_type, *data));
            assert_eq!(ev.last_event_id, "7");
        }
    }

    #[test]
    fn ndjson_type_field_chooses_kind() {
        let cases: &[(&str, &str, EventKind)] = &[
            (r#"{"type":"thought","content":"t"}"#, "thought", content("thought", "t")),
            (r#"{"type":"text","content":"x"}"#, "text", content("text", "x")),
            (r#"{"content":"no type"}"#, "message", content("message", "no type")),
            (
                r#"{"type":"done","status":"ok"}"#,
                "done",
                EventKind::Done { status: Some("ok".into()), usage: None },
            ),
            (r#"{"type":"error","error":"e"}"#, "error", EventKind::Error { message: "e".into() }),
            (r#"{"type":"tool","x":1}"#, "tool", EventKind::Other),
            (r#"[1,2]"#, "message", content("message", "[1,2]")),
            (r#"{"type":5}"#, "message", content("message", r#"{"type":5}"#)),
        ];
        for (line, event_type, kind) in cases {
            let top = json::parse_top(line).unwrap();
            let ev = decode_ndjson_ref(line, &ndjson_type(&top), &top).to_owned();
            assert_eq!((&ev.kind, ev.event_type.as_str()), (kind, *event_type), "{line}");
            assert!(ev.is_json);
            assert_eq!(ev.data, *line);
        }
    }

    #[test]
    fn accessors() {
        let ev = decode_sse(raw("text", r#"{"content":"a"}"#));
        assert_eq!(ev.content(), Some("a"));
        assert!(!ev.is_done());
        let done = decode_sse(raw("done", "{}"));
        assert_eq!(done.content(), None);
        assert!(done.is_done());
    }
}
