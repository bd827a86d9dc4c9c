//! One stream's decoding and reconnection state, with no I/O: the parser a response gets,
//! the typed events of each chunk, the last event ID, and what to do when a connection
//! ends. The Rust client (`src/client`) and the npm package's wasm (`src/js`) each move
//! the bytes their way and hand them to a [`Session`].

use crate::config::{body_format_of, BodyFormat, Format};
use crate::error::ParseError;
use crate::event::{EventRef, Kind};
use crate::ndjson::NdjsonParser;
use crate::protocol::{Decoder, Protocol};
use crate::retry::{Context, Decision, Outcome, ReconnectPolicy, RetryConfig};
use crate::sse::{EventStreamParser, Sink, SseRef};
use core::mem::MaybeUninit;

/// Where a session's events and parse errors go, in stream order.
pub(crate) trait Output {
    /// A decoded event (its fields borrow the parser's buffers).
    fn event(&mut self, event: &EventRef<'_>);
    /// A line or event that was skipped; the stream goes on.
    fn error(&mut self, error: ParseError);

    /// A token event of the agent vocabulary (`data` is `{"content":"…"}` with nothing to
    /// unescape, `content` the inside of that string): what [`event`](Self::event) gets for
    /// it otherwise, which is what this does unless an output writes tokens its own way.
    fn token(&mut self, kind: Kind, event_type: &str, data: &str, content: &str, last_event_id: &str) {
        self.event(&EventRef::token(kind, content, event_type, data, last_event_id));
    }
}

/// The owned output of the Rust client (and the tests): events as [`StreamEvent`]s, parse
/// errors as [`StreamError`]s, in order.
#[cfg(any(test, feature = "client"))]
impl Output for Vec<Result<crate::event::StreamEvent, crate::error::StreamError>> {
    fn event(&mut self, event: &EventRef<'_>) {
        self.push(Ok(event.to_owned()));
    }

    fn error(&mut self, error: ParseError) {
        self.push(Err(error.into()));
    }
}

/// One stream's decoding and reconnection state. Survives reconnections.
#[derive(Debug)]
pub(crate) struct Session<O> {
    requested: Format,
    format: BodyFormat,
    sse: EventStreamParser,
    ndjson: NdjsonParser,
    /// The wire format's decoder (the agent vocabulary, or a provider's).
    decoder: Decoder,
    max_event_bytes: usize,
    policy: ReconnectPolicy,
    /// GET or HEAD: sending it again is harmless.
    safe_method: bool,
    server_retry_ms: Option<u64>,
    /// An event arrived in this attempt (the backoff starts over).
    got_events: bool,
    /// `done` (or a provider's in-band error) arrived: nothing after it is delivered.
    done: bool,
    /// A provider's in-band error ended the stream: its message.
    failed: Option<String>,
    /// Comment lines seen (keep-alives), for stall detection.
    comments: u64,
    /// Where the decoded events and parse errors go, in order.
    pub(crate) out: O,
    /// The body's bytes to parse, kept from chunk to chunk ([`receive`](Self::receive)).
    chunk: Vec<u8>,
}

/// How an attempt ended, as the shell saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// `fetch` rejected (`opened: false`), or the body errored after the response came.
    Network { opened: bool },
    /// A status other than 2xx, or 204.
    Http { status: u16, retry_after_ms: Option<u64> },
    /// [`Session::open`] refused the content type.
    ContentType,
    /// The body ended.
    BodyEnded,
    /// The shell stopped reading because [`Session::feed`] returned true.
    Stopped,
}

/// What the shell does next: [`Decision`] with the close reasons the JS API names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Wait, then connect again; `failures` is the number of failed attempts in a row.
    Reconnect { delay_ms: u64, failures: u32 },
    /// Close: `done` arrived.
    Done,
    /// Close: the server ended the stream (204, or the body ended with retries off).
    Ended,
    /// Close with the attempt's own error (HTTP status, content type).
    Fail,
    /// Close with the attempt's own error, which reconnection (off) would have retried.
    RetryOff,
    /// Close: a request that is not GET or HEAD may have started its work (500, 502, 504…).
    MaybeProcessed,
    /// Close: a dropped non-GET request cannot be resumed.
    NotResumable,
    /// Close: too many failed attempts in a row; wraps the attempt's error.
    RetriesExhausted { failures: u32 },
    /// Close: the provider reported an error in the stream (its message).
    Server(String),
}

impl<O: Output> Session<O> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        requested: Format,
        protocol: Protocol,
        max_event_bytes: usize,
        retry: RetryConfig,
        safe_method: bool,
        last_event_id: &str,
        out: O,
    ) -> Self {
        Self {
            requested,
            format: BodyFormat::Sse,
            sse: EventStreamParser::with_max_event_bytes(max_event_bytes).resuming_from(last_event_id),
            ndjson: NdjsonParser::with_max_line_bytes(max_event_bytes),
            decoder: Decoder::new(protocol),
            max_event_bytes,
            policy: ReconnectPolicy::new(retry),
            safe_method,
            server_retry_ms: None,
            got_events: false,
            done: false,
            failed: None,
            comments: 0,
            out,
            chunk: Vec::new(),
        }
    }

    /// A response arrived: chooses its parser from the content type. False when the
    /// content type is not a stream format the options allow (end with
    /// [`End::ContentType`]). `ai_sdk_header`: the response says it is an AI SDK UI
    /// message stream (`x-vercel-ai-ui-message-stream: v1`).
    pub(crate) fn open(&mut self, content_type: Option<&str>, ai_sdk_header: bool) -> bool {
        match body_format_of(content_type, self.requested) {
            Some(format) => {
                self.format = format;
                self.got_events = false;
                self.decoder.open(ai_sdk_header);
                true
            }
            None => false,
        }
    }

    /// Decodes one chunk of the body into [`out`](Self::out). Returns true when the
    /// caller should stop reading: `done` arrived.
    /// (The native tests' way in; the client calls [`receive`](Self::receive).)
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> bool {
        self.receive(chunk.len(), |room| crate::lines::write_into(room, chunk))
    }

    /// [`feed`](Self::feed) for a chunk of `len` bytes that `fill` copies into the room it
    /// is given (and returns as initialised): a buffer kept from chunk to chunk or, when the
    /// chunk continues a large held line, that line's end
    /// ([`LineSplitter::receive`](crate::lines::LineSplitter::receive)).
    pub(crate) fn receive(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [MaybeUninit<u8>]) -> &mut [u8],
    ) -> bool {
        let mut chunk = core::mem::take(&mut self.chunk);
        let lines = match self.format {
            BodyFormat::Sse => self.sse.lines(),
            BodyFormat::Ndjson => self.ndjson.lines(),
        };
        if lines.receive(len, &mut chunk, fill) {
            self.parse(Some(&chunk));
        }
        self.chunk = chunk;
        self.done
    }

    /// The attempt ended: flushes or drops a partial last line (events may land in
    /// [`out`](Self::out)) and asks the policy what comes next.
    pub(crate) fn end(&mut self, end: End, random: f64) -> Next {
        let outcome = match end {
            End::Network { opened } => {
                if opened {
                    self.end_of_body(false);
                }
                Outcome::Network { opened }
            }
            End::Http { status, retry_after_ms } => Outcome::Http { status, retry_after_ms },
            End::ContentType => Outcome::ContentType,
            End::BodyEnded if self.end_of_body(true) => Outcome::Done,
            End::BodyEnded => Outcome::Ended,
            End::Stopped if self.done => Outcome::Done,
            End::Stopped => Outcome::Aborted,
        };
        // Once per attempt that had events: later attempts that fail before a response
        // (no `open`) must count as failures in a row.
        if core::mem::take(&mut self.got_events) {
            self.policy.record_event();
        }
        if let Some(message) = self.failed.take() {
            return Next::Server(message);
        }
        let cx = Context {
            safe_method: self.safe_method,
            has_last_event_id: !self.sse.last_event_id().is_empty(),
            server_retry_ms: self.server_retry_ms,
            random,
        };
        match self.policy.decide(outcome, &cx) {
            Decision::Reconnect { delay_ms, attempt } => Next::Reconnect { delay_ms, failures: attempt },
            Decision::Close(crate::retry::CloseReason::Done) => Next::Done,
            Decision::Close(_) => Next::Ended,
            Decision::GiveUp(crate::retry::GiveUpReason::NotResumable) => Next::NotResumable,
            Decision::GiveUp(crate::retry::GiveUpReason::MaybeProcessed { .. }) => Next::MaybeProcessed,
            Decision::GiveUp(crate::retry::GiveUpReason::RetriesExhausted { failures })
                if self.policy.config().max_retries > 0 =>
            {
                Next::RetriesExhausted { failures }
            }
            Decision::GiveUp(crate::retry::GiveUpReason::RetriesExhausted { .. }) => Next::RetryOff,
            Decision::GiveUp(_) => Next::Fail,
        }
    }

    /// The SSE parser, for tests that turn its lane off.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn sse_parser(&mut self) -> &mut EventStreamParser {
        &mut self.sse
    }

    /// Comment lines seen so far (keep-alives, for stall detection).
    pub(crate) fn comments(&self) -> u64 {
        self.comments
    }

    /// The last event ID (the `Last-Event-ID` of the next request).
    pub(crate) fn last_event_id(&self) -> &str {
        self.sse.last_event_id()
    }

    /// Parses a chunk (`None`: the body ended cleanly, flush the last NDJSON line).
    fn parse(&mut self, chunk: Option<&[u8]>) {
        let Self { sse, ndjson, decoder, server_retry_ms, got_events, done, failed, comments, out, .. } =
            self;
        let mut sink =
            SessionSink { decoder, server_retry_ms, comments, to: Deliver { got_events, done, failed, out } };
        match (self.format, chunk) {
            (BodyFormat::Sse, Some(chunk)) => sse.feed_with(chunk, &mut sink),
            (BodyFormat::Ndjson, Some(chunk)) => ndjson.feed_with(chunk, &mut |item| sink.value(item)),
            (BodyFormat::Ndjson, None) => ndjson.finish_with(&mut |item| sink.value(item)),
            (BodyFormat::Sse, None) => {}
        }
    }

    /// The body ended (cleanly or not): drop or flush the partial line. Returns whether
    /// `done` arrived.
    fn end_of_body(&mut self, clean: bool) -> bool {
        match self.format {
            BodyFormat::Sse => {
                self.sse.finish();
            }
            BodyFormat::Ndjson if clean => self.parse(None),
            BodyFormat::Ndjson => self.ndjson = NdjsonParser::with_max_line_bytes(self.max_event_bytes),
        }
        self.done
    }
}

/// Where a chunk's events go: the output, unless `done` came (or a provider's error).
struct Deliver<'s, O> {
    got_events: &'s mut bool,
    done: &'s mut bool,
    failed: &'s mut Option<String>,
    out: &'s mut O,
}

impl<O: Output> Deliver<'_, O> {
    fn deliver(&mut self, item: Result<EventRef<'_>, ParseError>) {
        if *self.done {
            return; // nothing after `done` (or a provider's error) is delivered
        }
        match item {
            Ok(event) => {
                *self.got_events = true;
                *self.done = event.kind == Kind::Done || event.fatal;
                if event.fatal {
                    *self.failed = Some(event.field.as_deref().unwrap_or_default().to_owned());
                }
                self.out.event(&event);
            }
            Err(err) => self.out.error(err),
        }
    }
}

/// The session as the parsers' sink: items through the decoder to the output; and, once
/// the stream is settled as the agent vocabulary, its token events straight from the
/// SSE parser's lane to the output ([`Output::token`]).
struct SessionSink<'s, O> {
    decoder: &'s mut Decoder,
    server_retry_ms: &'s mut Option<u64>,
    comments: &'s mut u64,
    to: Deliver<'s, O>,
}

impl<O: Output> SessionSink<'_, O> {
    /// An NDJSON value.
    fn value(&mut self, item: Result<(&str, &crate::json::TopLevel<'_>), ParseError>) {
        let Self { decoder, to, .. } = self;
        match item {
            Ok((line, top)) => decoder.ndjson(line, top, &mut |event| to.deliver(Ok(event))),
            Err(err) => to.deliver(Err(err)),
        }
    }
}

impl<O: Output> Sink for SessionSink<'_, O> {
    fn item(&mut self, item: SseRef<'_>) {
        let Self { decoder, server_retry_ms, comments, to } = self;
        match item {
            SseRef::Event { event_type, data, last_event_id, plain } => {
                decoder.sse(event_type, data, last_event_id, plain, &mut |event| to.deliver(Ok(event)))
            }
            SseRef::Retry(ms) => **server_retry_ms = Some(ms),
            SseRef::Comment(_) => **comments += 1,
            SseRef::Error(err) => to.deliver(Err(err)),
        }
    }

    fn takes_whole(&self) -> bool {
        !*self.to.done && self.decoder.protocol() == Protocol::Agent
    }

    /// Takes a token (what [`crate::event::token`] reads without unescaping): its event is
    /// the one the decoder would make, and a token is never `done` or fatal.
    fn whole(&mut self, event_type: &str, data: &str, last_event_id: &str) -> bool {
        let Some((kind, content)) = crate::event::plain_token(event_type, data) else { return false };
        *self.to.got_events = true;
        self.to.out.token(kind, event_type, data, content, last_event_id);
        true
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::error::StreamError;
    use crate::event::StreamEvent;

    type Items = Vec<Result<StreamEvent, StreamError>>;

    const NO_JITTER: RetryConfig =
        RetryConfig { max_retries: 2, initial_delay_ms: 100, max_delay_ms: 1_000, jitter: false };

    fn session(format: Format, retry: RetryConfig, safe_method: bool) -> Session<Items> {
        Session::new(format, crate::protocol::Protocol::Auto, 1024, retry, safe_method, "", Vec::new())
    }

    fn contents(items: &Items) -> Vec<String> {
        let text = |item: &Result<StreamEvent, StreamError>| match item {
            Ok(event) => [event.event_type.as_str(), ":", event.content().unwrap_or("")].concat(),
            Err(err) => ["error:", err.kind()].concat(),
        };
        items.iter().map(text).collect()
    }

    #[test]
    fn events_split_across_chunks_and_done_stops() {
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert!(s.open(Some("text/event-stream; charset=utf-8"), false));
        assert!(!s.feed(b"id: 7\nevent: text\ndata: {\"content\":\" Hel"));
        assert!(!s.feed(b"lo\"}\n\nretry: 50\n\nevent: done\n"));
        assert_eq!(contents(&s.out), ["text: Hello"]);
        assert_eq!(s.last_event_id(), "7");
        assert!(s.feed(b"data: {}\n\nevent: text\ndata: after done\n\n"));
        assert_eq!(contents(&s.out), ["text: Hello", "done:"], "nothing after done");
        assert_eq!(s.end(End::Stopped, 0.5), Next::Done);
    }

    #[test]
    fn content_types_choose_the_parser_or_are_refused() {
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert!(!s.open(Some("text/html"), false));
        assert!(!s.open(None, false));
        assert!(s.open(Some("application/x-ndjson"), false));
        s.feed(b"{\"type\":\"text\",\"content\":\"a\"}\nnot json\n{\"type\":\"text\",\"content\":\"b\"}");
        assert_eq!(contents(&s.out), ["text:a", "error:parse"]);
        // The last line has no newline: the clean end of the body flushes it.
        assert_eq!(s.end(End::BodyEnded, 0.5), Next::Reconnect { delay_ms: 100, failures: 1 });
        assert_eq!(contents(&s.out), ["text:a", "error:parse", "text:b"]);
        let mut sse_only = session(Format::Sse, NO_JITTER, true);
        assert!(!sse_only.open(Some("application/x-ndjson"), false));
        assert_eq!(sse_only.end(End::ContentType, 0.5), Next::Fail);
    }

    #[test]
    fn a_body_that_breaks_drops_the_partial_ndjson_line() {
        let mut s = session(Format::Ndjson, NO_JITTER, true);
        assert!(s.open(Some("application/json"), false));
        s.feed(b"{\"content\":\"whole\"}\n{\"content\":\"cut");
        assert!(matches!(s.end(End::Network { opened: true }, 0.5), Next::Reconnect { .. }));
        s.feed(b"{\"content\":\"next\"}\n");
        assert_eq!(contents(&s.out), ["message:whole", "message:next"]);
    }

    #[test]
    fn the_policy_decides_what_comes_next() {
        let http = |status| End::Http { status, retry_after_ms: None };
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert_eq!(s.end(http(401), 0.5), Next::Fail);
        assert_eq!(s.end(http(204), 0.5), Next::Ended);
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert_eq!(s.end(http(503), 0.5), Next::Reconnect { delay_ms: 100, failures: 1 });
        let retry_after = End::Http { status: 503, retry_after_ms: Some(700) };
        assert_eq!(s.end(retry_after, 0.5), Next::Reconnect { delay_ms: 700, failures: 2 });
        assert_eq!(s.end(End::Network { opened: false }, 0.5), Next::RetriesExhausted { failures: 3 });

        // An event in an attempt starts the backoff over; the server's retry: sets its base.
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert_eq!(
            s.end(End::Network { opened: false }, 0.5),
            Next::Reconnect { delay_ms: 100, failures: 1 }
        );
        assert!(s.open(Some("text/event-stream"), false));
        s.feed(b"retry: 40\ndata: x\n\n");
        assert_eq!(s.end(End::BodyEnded, 0.5), Next::Reconnect { delay_ms: 40, failures: 1 });
        assert!(s.open(Some("text/event-stream"), false));
        assert_eq!(s.end(End::BodyEnded, 0.5), Next::Reconnect { delay_ms: 80, failures: 2 });

        let off = RetryConfig::DISABLED;
        assert_eq!(session(Format::Auto, off, true).end(End::BodyEnded, 0.5), Next::Ended);
        assert_eq!(session(Format::Auto, off, true).end(http(503), 0.5), Next::RetryOff);
        assert_eq!(
            session(Format::Auto, off, false).end(http(502), 0.5),
            Next::RetryOff,
            "a POST, retries off"
        );
        assert_eq!(session(Format::Auto, off, true).end(http(404), 0.5), Next::Fail);
    }

    #[test]
    fn failures_after_an_attempt_with_events_still_run_out() {
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert!(s.open(Some("text/event-stream"), false));
        s.feed(b"data: x\n\n");
        assert_eq!(s.end(End::BodyEnded, 0.5), Next::Reconnect { delay_ms: 100, failures: 1 });
        // No response (so no events) in between: the 503s are failures in a row.
        let http = End::Http { status: 503, retry_after_ms: None };
        assert_eq!(s.end(http, 0.5), Next::Reconnect { delay_ms: 200, failures: 2 });
        assert_eq!(s.end(http, 0.5), Next::RetriesExhausted { failures: 3 });
    }

    #[test]
    fn a_post_is_resent_only_with_an_event_id() {
        let mut s = session(Format::Auto, NO_JITTER, false);
        assert!(s.open(Some("text/event-stream"), false));
        s.feed(b"data: no id\n\n");
        assert_eq!(s.end(End::Network { opened: true }, 0.5), Next::NotResumable);
        // A failed fetch sent nothing the server acted on: retried.
        let mut s = session(Format::Auto, NO_JITTER, false);
        assert!(matches!(s.end(End::Network { opened: false }, 0.5), Next::Reconnect { .. }));
        let mut s = Session::new(
            Format::Auto,
            crate::protocol::Protocol::Auto,
            1024,
            NO_JITTER,
            false,
            "41",
            Vec::new(),
        );
        assert!(s.open(Some("text/event-stream"), false));
        assert!(matches!(s.end(End::BodyEnded, 0.5), Next::Reconnect { .. }));
        assert_eq!(s.last_event_id(), "41");
    }

    #[test]
    fn a_post_is_resent_after_a_server_error_only_when_it_was_not_processed() {
        let http = |status| End::Http { status, retry_after_ms: None };
        for status in [500, 502, 504] {
            let mut post = session(Format::Auto, NO_JITTER, false);
            assert_eq!(post.end(http(status), 0.5), Next::MaybeProcessed, "{status}");
            assert!(matches!(
                session(Format::Auto, NO_JITTER, true).end(http(status), 0.5),
                Next::Reconnect { .. }
            ));
        }
        for status in [408, 429, 503] {
            let mut post = session(Format::Auto, NO_JITTER, false);
            assert!(matches!(post.end(http(status), 0.5), Next::Reconnect { .. }), "{status}");
        }
        // With an event ID the server can resume it.
        let mut post = Session::new(
            Format::Auto,
            crate::protocol::Protocol::Auto,
            1024,
            NO_JITTER,
            false,
            "7",
            Vec::new(),
        );
        assert!(matches!(post.end(http(502), 0.5), Next::Reconnect { .. }));
    }

    #[test]
    fn keepalive_comments_are_counted_not_delivered() {
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert!(s.open(Some("text/event-stream"), false));
        s.feed(b": keep-alive\n\n:\n\ndata: x\n\n: ping");
        assert_eq!(s.comments(), 2, "a comment cut by the chunk is counted when its line ends");
        s.feed(b"\n\n");
        assert_eq!(s.comments(), 3);
        assert_eq!(contents(&s.out), ["message:x"]);
    }

    #[test]
    fn an_over_limit_event_is_an_error_and_the_stream_goes_on() {
        let mut s = session(Format::Auto, NO_JITTER, true);
        assert!(s.open(Some("text/event-stream"), false));
        let mut big = b"data: ".to_vec();
        big.resize(3000, b'x');
        s.feed(&big);
        s.feed(b"\n\nevent: text\ndata: ok\n\n");
        assert_eq!(contents(&s.out), ["error:limit", "text:ok"]);
    }

    #[test]
    fn large_events_decode_the_same_however_cut() {
        // Data lines far longer than the splitter's in-place threshold: their chunks go
        // straight onto the held line (`receive`). Escapes, non-ASCII text and a special
        // byte in that part; SSE and NDJSON; an event over the limit between two others; in
        // SSE a long comment, and an ID and `done` after the last large line.
        let n = 3 * crate::lines::IN_PLACE;
        let text = "lorem ipsum ".repeat(n / 24);
        // The same text as a JSON string (escapes) and as it decodes.
        let content = [&text, r#"caf\u00e9 \\ \"q\" é\n"#, &text, "— ✓"].concat();
        let decoded = [&text, "café \\ \"q\" é\n", &text, "— ✓"].concat();
        let token = ["{\"content\":\"", &content, "\"}"].concat();
        let over = "x".repeat(5 * crate::lines::IN_PLACE);
        let sse = [
            "event: text\ndata: ",
            &token,
            "\n\n: ",
            &text,
            "\ndata: ",
            &over,
            "\n\nevent: text\r\ndata: ",
            &token,
            "\r\nid: 9\r\n\r\nevent: done\ndata: {}\n\n",
        ]
        .concat();
        let ndjson = [&token, "\n", &over, "\n", &token, "\n"].concat();
        for (content_type, body, kind) in
            [("text/event-stream", sse, "text"), ("application/x-ndjson", ndjson, "message")]
        {
            let run = |pieces: &[&[u8]]| {
                let mut s: Session<Items> = Session::new(
                    Format::Auto,
                    crate::protocol::Protocol::Auto,
                    4 * crate::lines::IN_PLACE,
                    NO_JITTER,
                    true,
                    "",
                    Vec::new(),
                );
                assert!(s.open(Some(content_type), false));
                for piece in pieces {
                    s.feed(piece);
                }
                let next = s.end(End::BodyEnded, 0.5);
                let (comments, id) = (s.comments(), s.last_event_id().to_owned());
                (s.out, comments, id, next)
            };
            let bytes = body.as_bytes();
            let whole = run(&[bytes]);
            let mut want =
                vec![format!("{kind}:{decoded}"), "error:limit".into(), format!("{kind}:{decoded}")];
            if kind == "text" {
                want.push("done:".into());
                assert_eq!((whole.1, &*whole.2), (1, "9"));
            }
            // (Not assert_eq!: the events are 50 KB each.)
            assert!(
                contents(&whole.0) == want,
                "{content_type}: {:?}",
                contents(&whole.0).iter().map(String::len).collect::<Vec<_>>()
            );
            for size in [64, 1000, 16 << 10, 65536, 70001] {
                assert!(
                    run(&bytes.chunks(size).collect::<Vec<_>>()) == whole,
                    "{content_type} in chunks of {size}"
                );
            }
            // Chunks of 1,000 bytes that also end right after each CR and each line's end.
            let mut cuts: Vec<usize> = (0..bytes.len()).step_by(1000).collect();
            cuts.extend(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|(_, &b)| b == b'\r' || b == b'\n')
                    .flat_map(|(i, _)| [i, i + 1]),
            );
            cuts.push(bytes.len());
            cuts.sort_unstable();
            cuts.dedup();
            let pieces: Vec<&[u8]> = cuts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
            assert!(run(&pieces) == whole, "{content_type} cut at each line end");
        }
    }
}
