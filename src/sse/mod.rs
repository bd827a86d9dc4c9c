//! The WHATWG event-stream parser ("interpreting an event stream", HTML §9.2.6).
//! Bytes in, events out: no I/O, no clock, so every rule is tested natively.
//!
//! Feed chunks as they arrive with [`EventStreamParser::feed`], then drain what they
//! produced with [`EventStreamParser::poll`]. Chunk boundaries never change the result.

use crate::prelude::*;
use core::ops::Range;

use crate::error::ParseError;
use crate::lines::{find_eol, sub, Checked, Line, LineEnds, LineSplitter, Piece};
use crate::retry::digits;

/// Default bound on the bytes buffered for one line or one event: 16 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// An event as dispatched by the event-stream rules, before any typed decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    /// The event type: the last `event:` field, or `message` when there was none or it was empty.
    pub event_type: String,
    /// The `data:` lines joined with `\n`, exactly as sent (never trimmed).
    pub data: String,
    /// The last event ID string at dispatch (it persists across events).
    pub last_event_id: String,
}

/// What the parser produces besides errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SseItem {
    /// A dispatched event.
    Event(RawEvent),
    /// A valid `retry:` field: the server's reconnection time in milliseconds.
    Retry(u64),
    /// A comment line (`:` and what follows it). Servers send these as keep-alives; they
    /// are never events.
    Comment(String),
}

/// What [`EventStreamParser::feed_with`] hands out: the items of [`SseItem`], borrowing
/// the parser's buffers instead of copying them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SseRef<'a> {
    /// `plain`: bytes of `data` known to hold no `"`, `\\` or control character (see
    /// [`Line::plain`]); empty when nothing is known.
    Event {
        event_type: &'a str,
        data: &'a str,
        last_event_id: &'a str,
        plain: Range<usize>,
    },
    Retry(u64),
    Comment(&'a [u8]),
    Error(ParseError),
}

impl SseRef<'_> {
    fn to_owned(&self) -> Result<SseItem, ParseError> {
        Ok(match self {
            SseRef::Event { event_type, data, last_event_id, .. } => SseItem::Event(RawEvent {
                event_type: (*event_type).to_owned(),
                data: (*data).to_owned(),
                last_event_id: (*last_event_id).to_owned(),
            }),
            SseRef::Retry(ms) => SseItem::Retry(*ms),
            SseRef::Comment(text) => SseItem::Comment(String::from_utf8_lossy(text).into_owned()),
            SseRef::Error(err) => return Err(err.clone()),
        })
    }
}

/// Where [`EventStreamParser::feed_with`] hands what it parses: every item, and, while
/// [`takes_whole`](Sink::takes_whole) says so, whole events offered before they are
/// dispatched (see [`Block::fast_events`]). A closure over [`SseRef`] is a sink that takes no
/// whole events.
pub(crate) trait Sink {
    /// An item, in stream order.
    fn item(&mut self, item: SseRef<'_>);

    /// Whether [`whole`](Sink::whole) may be offered events now.
    fn takes_whole(&self) -> bool {
        false
    }

    /// An event read whole from the chunk, with the type and last event ID it is
    /// dispatched with (its data has no `plain` range: nothing is known of it). Returns
    /// whether the sink took it; if not, nothing happened, and it goes on as an
    /// [`SseRef::Event`].
    fn whole(&mut self, _event_type: &str, _data: &str, _last_event_id: &str) -> bool {
        false
    }
}

impl<F: FnMut(SseRef<'_>)> Sink for F {
    fn item(&mut self, item: SseRef<'_>) {
        self(item);
    }
}

/// Above this, the data buffer is released after an event rather than kept for the next.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Incremental parser for one `text/event-stream`, across reconnections.
#[derive(Debug)]
pub struct EventStreamParser {
    lines: LineSplitter,
    block: Block,
    out: VecDeque<Result<SseItem, ParseError>>,
}

/// The per-event buffers of the spec, plus the last event ID, which outlives events.
#[derive(Debug, Default)]
struct Block {
    /// The data buffer is `data[data_from..]`: a data line assembled across chunks becomes
    /// the buffer whole, its `data:` in front (see [`take_line`](Self::take_line)).
    data: String,
    data_from: usize,
    /// Bytes of `data[data_from..]` known to hold no JSON special byte ([`Line::plain`]).
    data_plain: Range<usize>,
    /// The line just read is a data line assembled across chunks, and its value (from this
    /// byte on) is the event's first: take the line as the data buffer. With the line's
    /// [`Line::plain`].
    take_from: Option<(usize, Range<usize>)>,
    event_type: String,
    /// The last event ID buffer, when an `id:` line read by the line rules set it since the
    /// last dispatch; otherwise the buffer holds the last event ID string (`id_buffered` is
    /// false). An `id:` the fast path reads is the buffer until [`parse`](Self::parse) copies
    /// it into `last_event_id`.
    last_event_id_buffer: String,
    id_buffered: bool,
    last_event_id: String,
    /// The current event went over the limit: ignore its lines up to the blank line.
    skipping: bool,
    /// The current event left the fast path: its lines go through the line splitter up to
    /// the blank line that ends it.
    slow: bool,
    max_bytes: usize,
    /// Tests turn the fast path off to check it against the line-by-line rules.
    #[cfg(test)]
    no_fast_path: bool,
    /// Tests turn the lane off to check it against the fast path, and count the events it
    /// handed over.
    #[cfg(test)]
    no_lane: bool,
    #[cfg(test)]
    lane_events: usize,
}

impl Default for EventStreamParser {
    fn default() -> Self {
        Self::new()
    }
}

impl EventStreamParser {
    /// A parser with the default limit of [`DEFAULT_MAX_EVENT_BYTES`].
    pub fn new() -> Self {
        Self::with_max_event_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A parser that buffers at most `max_bytes` for one line and for one event's data.
    /// Beyond it the line or event is skipped with [`ParseError::LimitExceeded`].
    pub fn with_max_event_bytes(max_bytes: usize) -> Self {
        Self {
            lines: LineSplitter::new(LineEnds::Any, max_bytes),
            block: Block { max_bytes, ..Block::default() },
            out: VecDeque::new(),
        }
    }

    /// Starts from a known last event ID, as when resuming a stream saved elsewhere.
    #[must_use]
    pub fn resuming_from(mut self, last_event_id: &str) -> Self {
        self.block.last_event_id = last_event_id.to_owned();
        self
    }

    /// Parses the next chunk of the body. Results wait in [`poll`](Self::poll).
    pub fn feed(&mut self, chunk: &[u8]) {
        let Self { lines, block, out } = self;
        block.parse(lines, chunk, &mut |item: SseRef<'_>| out.push_back(item.to_owned()));
    }

    /// Parses the next chunk and hands each item to `on` as it is complete, borrowing the
    /// parser's buffers or the chunk: no copy of an event's fields. Nothing goes to
    /// [`poll`](Self::poll).
    // The browser client (wasm32) is the caller; native builds test it only.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    // The session's path (the browser client); unused in the pure core alone.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn feed_with(&mut self, chunk: &[u8], sink: &mut impl Sink) {
        let Self { lines, block, .. } = self;
        block.parse(lines, chunk, sink);
    }

    /// Turns the lane off (or on again), for tests that check it against the fast path.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn set_lane(&mut self, on: bool) {
        self.block.no_lane = !on;
    }

    /// The events the lane handed to a sink so far.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn lane_events(&self) -> usize {
        self.block.lane_events
    }

    /// The line splitter, for the session's `receive`.
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "client")), allow(dead_code))]
    pub(crate) fn lines(&mut self) -> &mut LineSplitter {
        &mut self.lines
    }

    /// The next event, `retry:` value, comment or error produced by what was fed.
    #[must_use]
    pub fn poll(&mut self) -> Option<Result<SseItem, ParseError>> {
        self.out.pop_front()
    }

    /// The body ended. "If the file ends in the middle of an event, before the final empty
    /// line, the incomplete event is not dispatched": pending data is discarded. The last
    /// event ID is kept, and the next [`feed`](Self::feed) starts a new stream (a new
    /// connection), where a leading BOM is stripped again.
    ///
    /// Returns whether anything was discarded (an unterminated line or event).
    pub fn finish(&mut self) -> bool {
        let partial = self.lines.finish().is_some();
        let block = &mut self.block;
        let pending = !block.data.is_empty() || !block.event_type.is_empty();
        block.data.clear();
        block.data_from = 0;
        block.data_plain = 0..0;
        block.event_type.clear();
        block.skipping = false;
        block.slow = false;
        // An `id:` without its blank line never reached the last event ID string. The next
        // stream's buffer starts from the string, as Chromium and Firefox do on reconnect
        // (the spec's "initialized to the empty string" would forget the ID on every drop).
        block.id_buffered = false;
        partial || pending
    }

    /// The last event ID string: what a reconnecting client sends as `Last-Event-ID`.
    pub fn last_event_id(&self) -> &str {
        &self.block.last_event_id
    }

    /// Bytes held for an incomplete line and event: at most twice the limit (the line
    /// being read, and the event's data so far, are each bounded by it).
    pub fn buffered_bytes(&self) -> usize {
        self.lines.buffered() + self.block.data.len()
    }
}

/// `to = id`, for the last event ID string. Copied without comparing first: most streams
/// that send IDs send a new one each event.
fn copy_id(to: &mut String, id: &str) {
    to.clear();
    crate::lines::push_short(to, id);
}

impl Block {
    /// Parses `chunk`. An event that lies whole inside the chunk, with one `data:` line and
    /// LF or CRLF line ends (what agent backends send), is read in place by
    /// [`fast_events`](Self::fast_events): its fields are slices of the chunk. Any other line
    /// goes through the splitter and [`process_line`](Self::process_line), up to the end
    /// of its event; both paths give the same items.
    fn parse(&mut self, lines: &mut LineSplitter, chunk: &[u8], sink: &mut impl Sink) {
        let mut checked = Checked::new(lines, chunk);
        let mut pos = 0;
        // The last `id:` value the fast path read, a slice of the chunk: copied into the last
        // event ID string once, before the slow path or at the chunk's end, not per event
        // (a token stream that numbers its events sends a new ID with every one).
        let mut fast_id = None;
        while pos < chunk.len() {
            if self.may_take_fast_path() && lines.is_clean() {
                match self.fast_events(&chunk[pos..], checked.valid_from(pos), &mut fast_id, sink) {
                    (used, false) => {
                        pos += used;
                        continue;
                    }
                    (used, true) => {
                        pos += used;
                        self.slow = true;
                    }
                }
            }
            if let Some(id) = fast_id.take() {
                self.set_last_event_id(id);
            }
            let on = &mut |item: SseRef<'_>| sink.item(item);
            pos += lines.feed_line(&chunk[pos..], checked.valid_from(pos), &mut |piece| match piece {
                Piece::Line(line) => self.process_line(line, on),
                Piece::TooLong => self.over_limit(on),
            });
            if let Some((from, plain)) = self.take_from.take() {
                self.take_line(lines, from, plain);
            }
        }
        if let Some(id) = fast_id {
            self.set_last_event_id(id);
        }
    }

    /// The event's data is one line assembled across chunks (a large payload): the line's
    /// buffer becomes the data buffer, from byte `from` on, instead of being copied into it.
    fn take_line(&mut self, lines: &mut LineSplitter, from: usize, plain: Range<usize>) {
        let spare = core::mem::take(&mut self.data).into_bytes();
        let line = lines.take_line(spare);
        // SAFETY: `process_line` asks for the line only when it read it as text without
        // replacing anything (the line's bytes are valid UTF-8), and `from` is next to the
        // ASCII colon or space before the value, a character boundary.
        self.data = unsafe { String::from_utf8_unchecked(line) };
        self.data_from = from;
        self.data_plain = plain.start.saturating_sub(from)..plain.end.saturating_sub(from);
        // (The splitter left room for it: no copy into a buffer twice the size.)
        self.data.push('\n');
    }

    /// Between events (nothing gathered, nothing skipped) and not sent to the slow path.
    fn may_take_fast_path(&self) -> bool {
        #[cfg(test)]
        if self.no_fast_path {
            return false;
        }
        self.data.is_empty() && self.event_type.is_empty() && !self.skipping && !self.slow
    }

    /// The fast path: reads the events at the front of `bytes` that lie whole in it, each
    /// with one `data:` line at most and LF or CRLF line ends ([`whole_event`](Self::whole_event)),
    /// and the comments and `retry:` lines between them, and dispatches them in place, as
    /// [`process_line`](Self::process_line) would. `text` is the valid UTF-8 prefix of
    /// `bytes`. Returns the bytes used, and whether it stopped at what only the line rules
    /// read (before it, untouched).
    ///
    /// The lane: while the sink [takes whole events](Sink::takes_whole), an event with data
    /// goes to [`Sink::whole`] first, with the type and last event ID it would be dispatched
    /// with, and is dispatched as an [`SseRef::Event`] only if the sink declines it. The
    /// session's sink writes a token straight into its output there, where dispatch goes
    /// through `SseRef`, the decoder and the generic event: for LLM tokens in 64 KiB chunks,
    /// 11–16 % of the stream's time in Chromium (docs/performance.md).
    fn fast_events<'c>(
        &mut self,
        bytes: &[u8],
        text: &'c str,
        last_id: &mut Option<&'c str>,
        sink: &mut impl Sink,
    ) -> (usize, bool) {
        let mut used = 0;
        while used < bytes.len() {
            match self.whole_event(bytes, text, used) {
                Read::Whole(Whole { event_type, data, id }, end) => {
                    used = end;
                    self.take_fast_id(id, last_id);
                    // No data line: nothing is dispatched.
                    let Some(data) = data else { continue };
                    let event_type = if event_type.is_empty() { "message" } else { event_type };
                    let last_event_id = last_id.unwrap_or(&self.last_event_id);
                    if self.lane_is_on() && sink.takes_whole() && sink.whole(event_type, data, last_event_id)
                    {
                        #[cfg(test)]
                        {
                            self.lane_events += 1;
                        }
                        continue;
                    }
                    sink.item(SseRef::Event { event_type, data, last_event_id, plain: 0..0 });
                }
                Read::First(Field::Comment, value, end) => {
                    used = end;
                    sink.item(SseRef::Comment(value.as_bytes()));
                }
                Read::First(_, value, end) => {
                    used = end;
                    if let Some(ms) = digits(value.as_bytes()) {
                        sink.item(SseRef::Retry(ms));
                    }
                }
                Read::Slow => return (used, true),
            }
        }
        (used, false)
    }

    /// Reads the lines from `at` up to and including the blank line that ends their event:
    /// its fields and where it ends ([`Read`]). `text` is the valid UTF-8 prefix of `bytes`.
    /// What only the line rules read: a line not ended inside `bytes`, invalid UTF-8, a
    /// bare CR, a second `data:` line, a `retry:` or comment inside an event, or a line over
    /// the limit.
    fn whole_event<'c>(&self, bytes: &[u8], text: &'c str, mut at: usize) -> Read<'c> {
        let mut event = Whole { event_type: "", data: None, id: None };
        let mut pending = false;
        loop {
            let Some(eol) = find_eol(&bytes[at..], true) else { return Read::Slow };
            let end = at + eol;
            let next = if bytes[end] == b'\n' {
                end + 1
            } else if bytes.get(end + 1) == Some(&b'\n') {
                end + 2
            } else {
                return Read::Slow;
            };
            // Past the valid prefix (invalid UTF-8 in the line), or over the limit.
            if end > text.len() || end - at > self.max_bytes {
                return Read::Slow;
            }
            if end == at {
                return Read::Whole(event, next);
            }
            // SAFETY: `end` is the first line end from the line start `at` (`find_eol`), and
            // within the valid prefix `text` (checked above).
            let (field, value) = unsafe { fast_field(bytes, text, at, end) };
            match field {
                // (The line's limit keeps one data value under the event's.)
                Field::Data if event.data.is_none() => event.data = Some(value),
                Field::Event => event.event_type = value,
                Field::Id => event.id = Some(value),
                // A second data line, or a comment or `retry:` inside an event.
                Field::Data => return Read::Slow,
                Field::Comment | Field::Retry if pending => return Read::Slow,
                Field::Comment | Field::Retry => return Read::First(field, value, next),
                // Any other field is ignored.
                Field::Other => {
                    at = next;
                    continue;
                }
            }
            pending = true;
            at = next;
        }
    }

    /// The last event ID bookkeeping of [`dispatch`](Self::dispatch) for an event read by
    /// [`fast_events`](Self::fast_events), whose ID is `id`: `last_id` is the last `id:`
    /// value the fast path read in this chunk and has not yet copied into the last event ID
    /// string (see [`parse`](Self::parse)). After it, the event's last event ID is `last_id`
    /// or else the string.
    fn take_fast_id<'c>(&mut self, id: Option<&'c str>, last_id: &mut Option<&'c str>) {
        if id.is_some() {
            // (Newer than an `id:` the line rules buffered before the fast path took over
            // the event: at the stream's start, or after a CR whose LF had not arrived.)
            self.id_buffered = false;
            *last_id = id;
        } else {
            // The slow path buffers an ID only after the fast path's were copied.
            debug_assert!(!self.id_buffered || last_id.is_none());
            self.commit_id();
        }
    }

    /// Whether the lane may offer events (tests turn it off).
    fn lane_is_on(&self) -> bool {
        #[cfg(test)]
        if self.no_lane {
            return false;
        }
        true
    }

    /// Sets the last event ID string to the buffer's value, if an `id:` line set it since
    /// the last dispatch.
    fn commit_id(&mut self) {
        if core::mem::take(&mut self.id_buffered) {
            copy_id(&mut self.last_event_id, &self.last_event_id_buffer);
        }
    }

    /// Sets the last event ID string to an `id:` value the fast path read.
    fn set_last_event_id(&mut self, id: &str) {
        copy_id(&mut self.last_event_id, id);
    }

    fn process_line(&mut self, line: Line<'_>, on: &mut impl FnMut(SseRef<'_>)) {
        // "If the line is empty (a blank line): Dispatch the event."
        if line.bytes.is_empty() {
            self.slow = false;
            if core::mem::replace(&mut self.skipping, false) {
                self.data.clear();
                self.event_type.clear();
                return;
            }
            return self.dispatch(on);
        }
        if self.skipping {
            return;
        }
        // The colon and the field names are ASCII, so splitting the decoded line is
        // splitting its bytes and decoding each part.
        let text = line.text_from(0);
        let (field, value) = split_field(&text);
        match field {
            // "If the line starts with a U+003A COLON character (:): Ignore the line."
            // (The comment is still handed out, for keep-alive detection.)
            Field::Comment => on(SseRef::Comment(value.as_bytes())),
            // "If the field name is "event": Set the event type buffer to field value."
            Field::Event => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            // "If the field name is "data": Append the field value to the data buffer, then
            // append a single U+000A LINE FEED (LF) character to the data buffer."
            Field::Data => {
                if self.data.len() - self.data_from + value.len() + 1 > self.max_bytes {
                    return self.over_limit(on);
                }
                // A first data line assembled across chunks, read without replacements:
                // taken whole once `feed_line` returns (`take_from`). The value ends the
                // line (a line with no colon has the empty value, which ends it too).
                if let (true, true, Cow::Borrowed(_)) = (line.held, self.data.is_empty(), &text) {
                    self.take_from = Some((text.len() - value.len(), line.plain));
                    return;
                }
                // Room for the LF too: a large value pushed alone would fill the buffer
                // exactly, and the LF would then copy it all into one twice the size.
                self.data.reserve(value.len() + 1);
                self.data.push_str(value);
                self.data.push('\n');
            }
            // "If the field name is "id": If the field value does not contain U+0000 NULL,
            // then set the last event ID buffer to the field value. Otherwise, ignore the field."
            // (split_field gives an ID with NUL as `Other`.)
            Field::Id => {
                self.last_event_id_buffer.clear();
                self.last_event_id_buffer.push_str(value);
                self.id_buffered = true;
            }
            // "If the field name is "retry": If the field value consists of only ASCII digits,
            // then interpret the field value as an integer in base ten, and set the event
            // stream's reconnection time to that integer. Otherwise, ignore the field."
            // An empty value is ignored, as browsers do; a value beyond u64 saturates.
            Field::Retry => {
                if let Some(ms) = digits(value.as_bytes()) {
                    on(SseRef::Retry(ms));
                }
            }
            // "Otherwise: The field is ignored." (Also an `id` with NUL.)
            Field::Other => {}
        }
    }

    fn dispatch(&mut self, on: &mut impl FnMut(SseRef<'_>)) {
        // "Set the last event ID string of the event source to the value of the last event
        // ID buffer. The buffer does not get reset."
        self.commit_id();
        // "If the data buffer is an empty string, set the data buffer and the event type
        // buffer to the empty string and return."
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        // remove the last character from the data buffer." (It always is: every data line
        // appended one.)
        self.data.truncate(self.data.len() - 1);
        // "Initialize event's type attribute to "message" ... If the event type buffer has a
        // value other than the empty string, change the type of the newly created event to
        // equal the value of the event type buffer."
        let event_type = if self.event_type.is_empty() { "message" } else { &self.event_type };
        let data = sub(&self.data, self.data_from..);
        let plain = core::mem::replace(&mut self.data_plain, 0..0);
        on(SseRef::Event { event_type, data, last_event_id: &self.last_event_id, plain });
        self.data_from = 0;
        // "Set the data buffer and the event type buffer to the empty string." The buffers
        // keep their capacity for the next event, unless an unusually large one grew them.
        self.event_type.clear();
        if self.data.capacity() > KEEP_CAPACITY {
            self.data = String::new();
        } else {
            self.data.clear();
        }
    }

    /// The current line or event went over the limit: report it once, drop what the event
    /// had gathered and ignore its remaining lines up to the blank line that ends it.
    fn over_limit(&mut self, on: &mut impl FnMut(SseRef<'_>)) {
        if !self.skipping {
            on(SseRef::Error(ParseError::LimitExceeded { limit: self.max_bytes }));
        }
        self.skipping = true;
        self.data = String::new();
        self.data_from = 0;
        self.data_plain = 0..0;
        self.event_type.clear();
    }
}

/// What [`Block::whole_event`] read at the front of the bytes.
enum Read<'c> {
    /// An event, ended by its blank line at the place given.
    Whole(Whole<'c>, usize),
    /// A comment or `retry:` line before any field: its field, its value, and the place
    /// its line ends.
    First(Field, &'c str, usize),
    /// What only the line rules read.
    Slow,
}

/// The fields of an event [`Block::whole_event`] read: the last `event:` value, the `data:`
/// value and the last `id:` value, as slices of the chunk.
struct Whole<'c> {
    event_type: &'c str,
    data: Option<&'c str>,
    id: Option<&'c str>,
}

/// The fields a line can hold, as [`split_field`] tells them apart for both paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
    /// A line starting with a colon; its value is what follows the colon.
    Comment,
    /// A field that is ignored: any other name, or an `id` whose value contains NUL.
    Other,
}

/// A non-empty line's field and value. "If the line contains a U+003A COLON character:
/// collect the characters on the line before the first colon, and let field be that string;
/// ... if value starts with a U+0020 SPACE character, remove it from value." "Otherwise, the
/// string is not empty but does not contain a colon: process the field using the whole line
/// as the field name, and the empty string as the value."
#[inline(always)]
fn split_field(line: &str) -> (Field, &str) {
    let bytes = line.as_bytes();
    // Field names are short: a byte loop finds the colon sooner than memchr's setup.
    let colon = bytes.iter().position(|&b| b == b':').unwrap_or(bytes.len());
    // No colon: "the empty string as the value".
    let value = if colon < bytes.len() { sub(line, colon + 1..) } else { "" };
    let value = value.strip_prefix(' ').unwrap_or(value);
    let field = match &bytes[..colon] {
        b"data" => Field::Data,
        b"event" => Field::Event,
        // "If the field value does not contain U+0000 NULL ... Otherwise, ignore the field."
        b"id" if !value.bytes().any(|b| b == 0) => Field::Id,
        b"retry" => Field::Retry,
        b"" => return (Field::Comment, sub(line, 1..)),
        _ => Field::Other,
    };
    (field, value)
}

/// [`split_field`] of the line `text[at..end]`, which first tries the names with a space
/// that servers send (`data: `, `event: `, `id: `) as one eight-byte word: a lookup of the
/// colon and a compare of the name was a tenth of a token's parsing in wasm.
///
/// # Safety
/// `text` is the valid UTF-8 prefix of `bytes`, `end <= text.len()` is the first line end
/// (CR or LF) at or after `at`, and `at` is a line start (0, or just after a line end).
#[inline(always)]
unsafe fn fast_field<'a>(bytes: &[u8], text: &'a str, at: usize, end: usize) -> (Field, &'a str) {
    debug_assert!(
        at <= end && end <= text.len() && !bytes[at..end].iter().any(|&b| b == b'\n' || b == b'\r')
    );
    const fn word(name: &[u8]) -> (u64, u64) {
        let mut bytes = [0u8; 8];
        let mut i = 0;
        while i < name.len() {
            bytes[i] = name[i];
            i += 1;
        }
        (u64::from_le_bytes(bytes), u64::MAX >> (64 - 8 * name.len()))
    }
    const DATA: (u64, u64) = word(b"data: ");
    const EVENT: (u64, u64) = word(b"event: ");
    const ID: (u64, u64) = word(b"id: ");
    if let Some(first) = bytes.get(at..at + 8) {
        let first = u64::from_le_bytes(first.try_into().unwrap_or_default());
        // A name and space that match lie inside the line (none of their bytes ends one).
        let value = |(name, mask): (u64, u64)| {
            // SAFETY: `text[..end]` is valid UTF-8 and the value runs from just after the
            // ASCII space to `end`, just before the ASCII line end: character boundaries.
            (first & mask == name)
                .then(|| unsafe { text.get_unchecked(at + (mask.count_ones() / 8) as usize..end) })
        };
        if let Some(value) = value(DATA) {
            return (Field::Data, value);
        }
        if let Some(value) = value(EVENT) {
            return (Field::Event, value);
        }
        if let Some(value) = value(ID).filter(|v| !v.bytes().any(|b| b == 0)) {
            return (Field::Id, value);
        }
    }
    split_field(sub(text, at..end))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
