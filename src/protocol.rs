//! The wire formats LLM providers stream, decoded into the same typed events as the agent
//! vocabulary of [`event`](crate::event): `text`, `thought`, `tool-call`, `error` and one
//! `done` with the finish reason and token usage.
//!
//! A [`Decoder`] holds what a stream needs between events (tool calls by index or item ID,
//! the last finish reason, the usage reported so far). It does no I/O: framing (SSE or
//! NDJSON) is the parsers' job, and a decoder takes each dispatched event or NDJSON value.
//! The field reads use the crate's JSON scanner ([`json`]), so no JSON tree is
//! built and nothing is copied unless a string has escapes.
//!
//! The shapes follow each provider's public streaming reference; the test tables in
//! `src/protocol/tests.rs` and `tests/fixtures/protocols` cite them.

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use crate::prelude::*;

use crate::error::{decimal, join, StreamError};
use crate::event::{decode_ndjson_ref, decode_sse_ref, EventRef, Kind, StreamEvent, Usage};
use crate::json::{self, as_count, as_string, elements, fields, first, Path, TopLevel};

/// Which wire format a stream's events are in. Framing ([`Format`](crate::Format): SSE or
/// NDJSON) is chosen apart from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// Recognised from the response headers and the first event; [`Agent`](Self::Agent)
    /// when nothing else matches.
    #[default]
    Auto,
    /// `event: thought/text/message/error/done` with `{"content": …}`, and `data: [DONE]`.
    /// An in-band error does not end the stream.
    Agent,
    /// OpenAI Chat Completions chunks (`choices[0].delta`), ending `data: [DONE]`; also
    /// vLLM, llama.cpp, LM Studio, Groq, DeepSeek, OpenRouter and other compatible servers.
    OpenAi,
    /// OpenAI Responses API events (`response.output_text.delta`, …).
    OpenAiResponses,
    /// Anthropic Messages streaming (`message_start`, `content_block_delta`, …).
    Anthropic,
    /// Gemini `streamGenerateContent?alt=sse` (`candidates[0].content.parts`).
    Gemini,
    /// Ollama `/api/chat` NDJSON (`message.content`, `done`).
    Ollama,
    /// Vercel AI SDK UI message stream v1 (`text-delta`, `tool-input-delta`, `finish`).
    AiSdk,
}

impl Protocol {
    /// Parses the names the JS API takes: `auto`, `agent`, `openai`, `openai-responses`,
    /// `anthropic`, `gemini`, `ollama` or `ai-sdk`.
    pub fn parse(name: &str) -> Result<Self, StreamError> {
        Ok(match name {
            "auto" => Protocol::Auto,
            "agent" => Protocol::Agent,
            "openai" => Protocol::OpenAi,
            "openai-responses" => Protocol::OpenAiResponses,
            "anthropic" => Protocol::Anthropic,
            "gemini" => Protocol::Gemini,
            "ollama" => Protocol::Ollama,
            "ai-sdk" => Protocol::AiSdk,
            other => {
                return Err(StreamError::InvalidOption(join(&[
                    "protocol must be 'auto', 'agent', 'openai', 'openai-responses', 'anthropic', 'gemini', \
                     'ollama' or 'ai-sdk', not '",
                    other,
                    "'",
                ])))
            }
        })
    }

    /// The name [`parse`](Self::parse) takes.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Auto => "auto",
            Protocol::Agent => "agent",
            Protocol::OpenAi => "openai",
            Protocol::OpenAiResponses => "openai-responses",
            Protocol::Anthropic => "anthropic",
            Protocol::Gemini => "gemini",
            Protocol::Ollama => "ollama",
            Protocol::AiSdk => "ai-sdk",
        }
    }
}

/// One tool call of the stream.
#[derive(Debug)]
struct Call {
    /// What later pieces name it by: OpenAI's `index`, a Responses item ID, an Anthropic
    /// block index, an AI SDK call ID.
    key: String,
    id: String,
    name: String,
    /// A piece of its arguments has been delivered.
    pieces: bool,
}

/// Decodes one stream's events in one [`Protocol`]. Keep one per stream: it carries the
/// tool calls, the finish reason and the usage from event to event (and across reconnects).
#[derive(Debug, Default)]
pub struct Decoder {
    protocol: Protocol,
    calls: Vec<Call>,
    finish: Option<String>,
    usage: Option<Usage>,
    /// The last Chat Completions chunk's shape: the next one is read by comparison.
    shape: json::Shape,
    /// A token's content unescaped (`event::token`), reused from event to event.
    scratch: String,
}

impl Decoder {
    /// A decoder for `protocol` ([`Protocol::Auto`] decides at the first event).
    pub fn new(protocol: Protocol) -> Self {
        Decoder { protocol, ..Decoder::default() }
    }

    /// The protocol in use: still [`Protocol::Auto`] until the first event decided it.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// A response arrived: `x-vercel-ai-ui-message-stream: v1` (`ai_sdk_header`) settles
    /// [`Protocol::Auto`] as [`Protocol::AiSdk`].
    pub fn open(&mut self, ai_sdk_header: bool) {
        if self.protocol == Protocol::Auto && ai_sdk_header {
            self.protocol = Protocol::AiSdk;
        }
    }

    /// Decodes a dispatched SSE event into zero or more typed events.
    pub fn decode_sse(&mut self, raw: &crate::RawEvent, mut each: impl FnMut(StreamEvent)) {
        self.sse(&raw.event_type, &raw.data, &raw.last_event_id, 0..0, &mut |ev| each(ev.to_owned()));
    }

    /// Decodes one NDJSON line into zero or more typed events; `None` when it is not JSON.
    pub fn decode_ndjson(&mut self, line: &str, mut each: impl FnMut(StreamEvent)) -> Option<()> {
        let top = json::parse_top(line)?;
        self.ndjson(line, &top, &mut |ev| each(ev.to_owned()));
        Some(())
    }

    /// The protocol of an event with this type and data: [`Protocol::Auto`] settles at the
    /// first.
    #[inline]
    fn settle(&mut self, event_type: &str, data: &str) -> Protocol {
        if self.protocol == Protocol::Auto {
            self.protocol = detect(event_type, data);
        }
        self.protocol
    }

    /// [`decode_sse`](Self::decode_sse) without copying, for the session.
    pub(crate) fn sse<'a>(
        &mut self,
        event_type: &'a str,
        data: &'a str,
        last_event_id: &'a str,
        plain: core::ops::Range<usize>,
        out: &mut impl FnMut(EventRef<'_>),
    ) {
        if self.protocol == Protocol::Auto {
            // The agent vocabulary's token settles it without `detect`'s scan of the object:
            // a large first event (a document, a tool result) had its content scanned twice.
            // (Any other first event tries the shortcut once more in `decode_sse_ref`.)
            if let Some((kind, content)) =
                crate::event::token(event_type, data, plain.clone(), &mut self.scratch)
            {
                self.protocol = Protocol::Agent;
                return out(EventRef::token(kind, content, event_type, data, last_event_id));
            }
        }
        if self.settle(event_type, data) == Protocol::Agent {
            return out(decode_sse_ref(event_type, data, last_event_id, plain, &mut self.scratch));
        }
        self.decode(&mut Emit { event_type, data, last_event_id, is_json: false, sent: false, out });
    }

    /// An NDJSON value (`top` is its scan) without copying, for the session. A provider
    /// shape reads it as an SSE event whose data is the line, named by its `type` field.
    pub(crate) fn ndjson<'a>(
        &mut self,
        line: &'a str,
        top: &TopLevel<'a>,
        out: &mut dyn FnMut(EventRef<'_>),
    ) {
        let event_type = crate::event::ndjson_type(top);
        if self.protocol == Protocol::Auto {
            self.protocol = detect(&event_type, line);
        }
        if self.protocol == Protocol::Agent {
            return out(decode_ndjson_ref(line, &event_type, top));
        }
        self.decode(&mut Emit {
            event_type: &event_type,
            data: line,
            last_event_id: "",
            is_json: true,
            sent: false,
            out,
        });
    }

    /// A provider's event (the protocol is settled and not the agent vocabulary).
    fn decode(&mut self, e: &mut Emit<'_, '_>) {
        match self.protocol {
            Protocol::Auto | Protocol::Agent => {}
            Protocol::OpenAi => self.openai(e),
            Protocol::OpenAiResponses => self.responses(e),
            Protocol::Anthropic => self.anthropic(e),
            Protocol::Gemini => self.gemini(e),
            Protocol::Ollama => self.ollama(e),
            Protocol::AiSdk => self.ai_sdk(e),
        }
        if !e.sent {
            e.send(EventRef::new(Kind::Other, None, e.event_type, e.data, e.last_event_id, e.is_json));
        }
    }

    /// The call that pieces name `key` (the latest, should a key come back).
    fn find(&self, key: &str) -> Option<usize> {
        self.calls.iter().rposition(|call| call.key == key)
    }

    /// Starts a call; without a provider ID it is `call_N`, N its position in the stream.
    fn start(&mut self, key: &str, id: Option<Cow<'_, str>>, name: Option<Cow<'_, str>>) -> usize {
        let id = match id {
            Some(id) => id.into_owned(),
            None => join(&["call_", &decimal(self.calls.len() as u64)]),
        };
        let name = name.map(Cow::into_owned).unwrap_or_default();
        self.calls.push(Call { key: key.to_owned(), id, name, pieces: false });
        self.calls.len() - 1
    }

    /// Delivers a piece of call `at`'s arguments (the call's first event when `start`).
    fn piece<'a>(&mut self, e: &mut Emit<'a, '_>, at: usize, args: Option<Cow<'a, str>>, start: bool) {
        let args = args.unwrap_or(Cow::Borrowed(""));
        if !start && args.is_empty() {
            return;
        }
        let call = &mut self.calls[at];
        call.pieces |= !args.is_empty();
        let call = &self.calls[at];
        e.send(EventRef {
            call: Some((Cow::Borrowed(&call.id), Cow::Borrowed(&call.name))),
            ..EventRef::new(Kind::ToolCall, Some(args), e.event_type, e.data, e.last_event_id, e.is_json)
        });
    }

    /// A whole call in one event (Gemini, Ollama, AI SDK's `tool-input-available`).
    fn whole_call<'a>(
        &mut self,
        e: &mut Emit<'a, '_>,
        id: Option<Cow<'_, str>>,
        name: Option<Cow<'_, str>>,
        args: Option<&'a str>,
    ) {
        let at = self.start("", id, name);
        self.piece(e, at, Some(Cow::Borrowed(args.unwrap_or("{}"))), true);
    }

    fn done(&mut self, e: &mut Emit<'_, '_>, status: Option<String>) {
        e.send(EventRef {
            usage: self.usage,
            ..EventRef::new(
                Kind::Done,
                status.map(Cow::Owned),
                e.event_type,
                e.data,
                e.last_event_id,
                e.is_json,
            )
        });
    }

    /// Chat Completions: <https://platform.openai.com/docs/api-reference/chat-streaming>.
    fn openai(&mut self, e: &mut Emit<'_, '_>) {
        if e.data == "[DONE]" {
            let status = self.finish.take();
            return self.done(e, status);
        }
        let mut at = [None; 9];
        if !e.capture(&mut self.shape, OPENAI_CHUNK, &mut at) {
            return;
        }
        let [_, _, content, reasoning_content, reasoning, tool_calls, finish, usage, error] = at;
        if let Some(error) = present(error) {
            return e.error(message_of(error));
        }
        if let Some(thought) = nonempty(reasoning_content).or_else(|| nonempty(reasoning)) {
            e.typed(Kind::Thought, thought);
        }
        if let Some(text) = nonempty(content) {
            e.typed(Kind::Text, text);
        }
        if let Some(calls) = tool_calls {
            let _ = elements(calls, &mut |call| self.openai_tool(e, call));
        }
        if let Some(finish) = string(finish) {
            self.finish = Some(finish.into_owned());
        }
        if let Some([input, output]) =
            present(usage).and_then(|u| fields(u, ["prompt_tokens", "completion_tokens"]))
        {
            self.usage = Some(Usage {
                input_tokens: input.and_then(as_count),
                output_tokens: output.and_then(as_count),
            });
        }
    }

    /// One entry of `delta.tool_calls`: the first piece of a call has its `id` and name,
    /// the later ones only its `index`.
    fn openai_tool<'a>(&mut self, e: &mut Emit<'a, '_>, raw: &'a str) {
        let Some([index, id, function]) = fields(raw, ["index", "id", "function"]) else { return };
        let [name, args] = function.and_then(|f| fields(f, ["name", "arguments"])).unwrap_or_default();
        let key = index.unwrap_or("");
        let id = string(id);
        match self.find(key) {
            Some(at) if id.as_deref().map_or(true, |id| id == self.calls[at].id) => {
                self.piece(e, at, string(args), false)
            }
            _ => {
                let at = self.start(key, id, string(name));
                self.piece(e, at, string(args), true);
            }
        }
    }

    /// Responses: <https://platform.openai.com/docs/api-reference/responses-streaming>.
    fn responses(&mut self, e: &mut Emit<'_, '_>) {
        let Some([kind, delta, item, item_id, response, message, error]) =
            e.fields(["type", "delta", "item", "item_id", "response", "message", "error"])
        else {
            return;
        };
        match string(kind).as_deref().unwrap_or(e.event_type) {
            "response.output_text.delta" => e.typed_nonempty(Kind::Text, delta),
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                e.typed_nonempty(Kind::Thought, delta)
            }
            "response.output_item.added" => {
                let Some([kind, id, call_id, name]) =
                    item.and_then(|i| fields(i, ["type", "id", "call_id", "name"]))
                else {
                    return;
                };
                if string(kind).as_deref() == Some("function_call") {
                    let at = self.start(&string(id).unwrap_or_default(), string(call_id), string(name));
                    self.piece(e, at, None, true);
                }
            }
            "response.function_call_arguments.delta" => {
                let key = string(item_id).unwrap_or_default();
                match self.find(&key) {
                    Some(at) => self.piece(e, at, string(delta), false),
                    None => {
                        let at = self.start(&key, None, None);
                        self.piece(e, at, string(delta), true);
                    }
                }
            }
            status @ ("response.completed" | "response.incomplete") => {
                let usage = response.and_then(|r| fields(r, ["usage"])).and_then(|[u]| present(u));
                if let Some([input, output]) =
                    usage.and_then(|u| fields(u, ["input_tokens", "output_tokens"]))
                {
                    self.usage = Some(Usage {
                        input_tokens: input.and_then(as_count),
                        output_tokens: output.and_then(as_count),
                    });
                }
                let status = sub_after(status, "response.").to_owned();
                self.done(e, Some(status));
            }
            "response.failed" => {
                let error = response.and_then(|r| fields(r, ["error"])).and_then(|[e]| present(e));
                e.error(error.map_or(Cow::Borrowed("the response failed"), message_of));
            }
            "error" => e.error(match string(message) {
                Some(message) => message,
                None => present(error).map_or(Cow::Borrowed(e.data), message_of),
            }),
            _ => {}
        }
    }

    /// Messages streaming: <https://docs.anthropic.com/en/docs/build-with-claude/streaming>.
    fn anthropic(&mut self, e: &mut Emit<'_, '_>) {
        let Some([kind, index, block, delta, message, usage, error]) =
            e.fields(["type", "index", "content_block", "delta", "message", "usage", "error"])
        else {
            return;
        };
        let key = index.unwrap_or("");
        match string(kind).as_deref().unwrap_or(e.event_type) {
            "message_start" => {
                let usage = message.and_then(|m| fields(m, ["usage"])).and_then(|[u]| present(u));
                if let Some([input]) = usage.and_then(|u| fields(u, ["input_tokens"])) {
                    self.usage.get_or_insert_with(Usage::default).input_tokens = input.and_then(as_count);
                }
            }
            "content_block_start" => {
                let Some([kind, id, name]) = block.and_then(|b| fields(b, ["type", "id", "name"])) else {
                    return;
                };
                if string(kind).as_deref() == Some("tool_use") {
                    let at = self.start(key, string(id), string(name));
                    self.piece(e, at, None, true);
                }
            }
            "content_block_delta" => {
                let Some([kind, text, thinking, json]) =
                    delta.and_then(|d| fields(d, ["type", "text", "thinking", "partial_json"]))
                else {
                    return;
                };
                match string(kind).as_deref() {
                    Some("text_delta") => e.typed_nonempty(Kind::Text, text),
                    Some("thinking_delta") => e.typed_nonempty(Kind::Thought, thinking),
                    Some("input_json_delta") => match self.find(key) {
                        Some(at) => self.piece(e, at, string(json), false),
                        None => {
                            let at = self.start(key, None, None);
                            self.piece(e, at, string(json), true);
                        }
                    },
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = delta.and_then(|d| fields(d, ["stop_reason"])).and_then(|[r]| string(r))
                {
                    self.finish = Some(reason.into_owned());
                }
                if let Some(output) =
                    present(usage).and_then(|u| fields(u, ["output_tokens"])).and_then(|[o]| o)
                {
                    self.usage.get_or_insert_with(Usage::default).output_tokens = as_count(output);
                }
            }
            "message_stop" => {
                let status = self.finish.take();
                self.done(e, status);
            }
            "error" => e.error(present(error).map_or(Cow::Borrowed(e.data), message_of)),
            _ => {}
        }
    }

    /// `streamGenerateContent?alt=sse`:
    /// <https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent>.
    fn gemini(&mut self, e: &mut Emit<'_, '_>) {
        let Some([candidates, usage, error]) = e.fields(["candidates", "usageMetadata", "error"]) else {
            return;
        };
        if let Some(error) = present(error) {
            return e.error(message_of(error));
        }
        if let Some([input, output]) =
            present(usage).and_then(|u| fields(u, ["promptTokenCount", "candidatesTokenCount"]))
        {
            self.usage = Some(Usage {
                input_tokens: input.and_then(as_count),
                output_tokens: output.and_then(as_count),
            });
        }
        let Some([content, finish]) =
            candidates.and_then(first).and_then(|c| fields(c, ["content", "finishReason"]))
        else {
            return;
        };
        if let Some(parts) = content.and_then(|c| fields(c, ["parts"])).and_then(|[p]| p) {
            let _ = elements(parts, &mut |part| {
                let Some([text, thought, call]) = fields(part, ["text", "thought", "functionCall"]) else {
                    return;
                };
                if let Some([name, args, id]) = present(call).and_then(|c| fields(c, ["name", "args", "id"]))
                {
                    self.whole_call(e, string(id), string(name), args);
                } else if thought == Some("true") {
                    e.typed_nonempty(Kind::Thought, text);
                } else {
                    e.typed_nonempty(Kind::Text, text);
                }
            });
        }
        if let Some(finish) = string(finish) {
            self.done(e, Some(finish.into_owned()));
        }
    }

    /// `/api/chat`: <https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion>.
    fn ollama(&mut self, e: &mut Emit<'_, '_>) {
        let Some([message, done, reason, input, output, error]) =
            e.fields(["message", "done", "done_reason", "prompt_eval_count", "eval_count", "error"])
        else {
            return;
        };
        if let Some(error) = present(error) {
            return e.error(message_of(error));
        }
        if let Some([content, thinking, calls]) =
            message.and_then(|m| fields(m, ["content", "thinking", "tool_calls"]))
        {
            e.typed_nonempty(Kind::Thought, thinking);
            e.typed_nonempty(Kind::Text, content);
            if let Some(calls) = calls {
                let _ = elements(calls, &mut |call| {
                    let Some([function, id]) = fields(call, ["function", "id"]) else { return };
                    let [name, args] =
                        function.and_then(|f| fields(f, ["name", "arguments"])).unwrap_or_default();
                    self.whole_call(e, string(id), string(name), args);
                });
            }
        }
        if done == Some("true") {
            if input.is_some() || output.is_some() {
                self.usage = Some(Usage {
                    input_tokens: input.and_then(as_count),
                    output_tokens: output.and_then(as_count),
                });
            }
            self.done(e, string(reason).map(Cow::into_owned));
        }
    }

    /// UI message stream v1: <https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol>.
    fn ai_sdk(&mut self, e: &mut Emit<'_, '_>) {
        if e.data == "[DONE]" {
            return self.done(e, None);
        }
        let Some([kind, delta, call_id, name, input_delta, input, error, finish]) = e.fields([
            "type",
            "delta",
            "toolCallId",
            "toolName",
            "inputTextDelta",
            "input",
            "errorText",
            "finishReason",
        ]) else {
            return;
        };
        let key = string(call_id).unwrap_or_default();
        match string(kind).as_deref().unwrap_or("") {
            "text-delta" => e.typed_nonempty(Kind::Text, delta),
            "reasoning-delta" => e.typed_nonempty(Kind::Thought, delta),
            "tool-input-start" => {
                let at = self.start(&key, Some(Cow::Borrowed(&key)), string(name));
                self.piece(e, at, None, true);
            }
            "tool-input-delta" => match self.find(&key) {
                Some(at) => self.piece(e, at, string(input_delta), false),
                None => {
                    let at = self.start(&key, Some(Cow::Borrowed(&key)), string(name));
                    self.piece(e, at, string(input_delta), true);
                }
            },
            "tool-input-available" => match self.find(&key) {
                Some(at) if self.calls[at].pieces => {}
                Some(at) => self.piece(e, at, input.map(Cow::Borrowed), false),
                None => self.whole_call(e, Some(Cow::Borrowed(&key)), string(name), input),
            },
            "error" => e.error(string(error).unwrap_or(Cow::Borrowed(e.data))),
            "finish" => self.done(e, string(finish).map(Cow::into_owned)),
            _ => {}
        }
    }
}

/// What a Chat Completions chunk is read for, in one pass (the token path): `choices[0]`'s
/// `delta` (`content`, `reasoning_content`, `reasoning`, `tool_calls`) and `finish_reason`,
/// and the top-level `usage` and `error`.
pub(crate) const OPENAI_CHUNK: &[Path<'static>] = &[
    Path {
        key: "choices",
        slot: 0,
        first: true,
        inner: &[
            Path {
                key: "delta",
                slot: 1,
                first: false,
                inner: &[
                    Path::leaf("content", 2),
                    Path::leaf("reasoning_content", 3),
                    Path::leaf("reasoning", 4),
                    Path::leaf("tool_calls", 5),
                ],
            },
            Path::leaf("finish_reason", 6),
        ],
    },
    Path::leaf("usage", 7),
    Path::leaf("error", 8),
];

/// Where a decoder's events go, for one input event.
struct Emit<'a, 'o> {
    event_type: &'a str,
    data: &'a str,
    last_event_id: &'a str,
    is_json: bool,
    /// A typed event was sent (otherwise the input becomes one `other`).
    sent: bool,
    out: &'o mut dyn FnMut(EventRef<'_>),
}

impl<'a> Emit<'a, '_> {
    /// The members `names` of the data, when it is a JSON object; records whether the data
    /// is JSON at all. Every decoder reads these before it sends anything.
    fn fields<const N: usize>(&mut self, names: [&str; N]) -> Option<[Option<&'a str>; N]> {
        let found = fields(self.data, names);
        self.is_json = found.is_some() || json::is_json(self.data);
        found
    }

    /// [`fields`](Self::fields) of nested members in one pass ([`json::capture`]), read by
    /// comparison with the last data's `shape` where they are alike.
    fn capture(&mut self, shape: &mut json::Shape, paths: &[Path<'_>], out: &mut [Option<&'a str>]) -> bool {
        let found = shape.capture(self.data, paths, out);
        self.is_json = found || json::is_json(self.data);
        found
    }

    fn send(&mut self, event: EventRef<'_>) {
        self.sent = true;
        (self.out)(event);
    }

    fn typed(&mut self, kind: Kind, field: Cow<'a, str>) {
        self.send(EventRef::new(
            kind,
            Some(field),
            self.event_type,
            self.data,
            self.last_event_id,
            self.is_json,
        ));
    }

    /// A `text` or `thought` of a string member, unless it is absent or empty.
    fn typed_nonempty(&mut self, kind: Kind, raw: Option<&'a str>) {
        if let Some(field) = nonempty(raw) {
            self.typed(kind, field);
        }
    }

    /// An in-band error: it ends the stream (the session stops at an event with `fatal`).
    fn error(&mut self, message: Cow<'_, str>) {
        self.send(EventRef {
            fatal: true,
            ..EventRef::new(
                Kind::Error,
                Some(message),
                self.event_type,
                self.data,
                self.last_event_id,
                self.is_json,
            )
        });
    }
}

/// Recognises a provider from the first event (its type and data).
fn detect(event_type: &str, data: &str) -> Protocol {
    if event_type.starts_with("response.") {
        return Protocol::OpenAiResponses;
    }
    if event_type == "message_start" {
        return Protocol::Anthropic;
    }
    let Some([object, choices, kind, candidates, model, message, done]) =
        fields(data, ["object", "choices", "type", "candidates", "model", "message", "done"])
    else {
        return Protocol::Agent;
    };
    let kind = string(kind);
    let kind = kind.as_deref().unwrap_or("");
    if string(object).as_deref() == Some("chat.completion.chunk") || present(choices).is_some() {
        Protocol::OpenAi
    } else if kind.starts_with("response.") {
        Protocol::OpenAiResponses
    } else if kind == "message_start" {
        Protocol::Anthropic
    } else if present(candidates).is_some() {
        Protocol::Gemini
    } else if model.is_some() && present(message).is_some() && done.is_some() {
        Protocol::Ollama
    } else if event_type == "message"
        && matches!(
            kind,
            "start"
                | "start-step"
                | "text-start"
                | "text-delta"
                | "reasoning-start"
                | "reasoning-delta"
                | "tool-input-start"
                | "tool-input-delta"
        )
    {
        Protocol::AiSdk
    } else {
        Protocol::Agent
    }
}

/// A member's raw value unless it is absent or `null`.
fn present(raw: Option<&str>) -> Option<&str> {
    raw.filter(|raw| *raw != "null")
}

/// A string member's text; `None` when it is absent, `null` or not a string.
fn string(raw: Option<&str>) -> Option<Cow<'_, str>> {
    raw.and_then(as_string)
}

fn nonempty(raw: Option<&str>) -> Option<Cow<'_, str>> {
    string(raw).filter(|text| !text.is_empty())
}

/// A provider's error value: its `message` (a string, or an object's `message`), or the
/// raw JSON when it has none.
fn message_of(raw: &str) -> Cow<'_, str> {
    as_string(raw)
        .or_else(|| fields(raw, ["message"]).and_then(|[message]| string(message)))
        .unwrap_or(Cow::Borrowed(raw))
}

fn sub_after<'s>(text: &'s str, prefix: &str) -> &'s str {
    text.strip_prefix(prefix).unwrap_or(text)
}
