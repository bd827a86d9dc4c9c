//! Newline-delimited JSON ("JSON fragment") streams, one value per line, decoded into the
//! same typed events as SSE. A line split across chunks is held until its newline arrives.
//!
//! Lines end at LF; a CR before it is JSON whitespace and so accepted. Blank lines are
//! skipped. An invalid line is reported with its line number and the stream goes on.

use crate::prelude::*;

use crate::error::ParseError;
use crate::event::{decode_ndjson_ref, ndjson_type, StreamEvent};
use crate::json::{self, TopLevel};
use crate::lines::{Line, LineEnds, LineSplitter, Piece};
use crate::sse::DEFAULT_MAX_EVENT_BYTES;

/// Incremental parser for an `application/x-ndjson` body.
#[derive(Debug)]
pub struct NdjsonParser {
    lines: LineSplitter,
    state: LineDecoder,
    out: VecDeque<Result<StreamEvent, ParseError>>,
}

#[derive(Debug)]
struct LineDecoder {
    line_no: u64,
    max_bytes: usize,
}

/// Where [`NdjsonParser::feed_with`] hands each value (the line and its scan) or error,
/// borrowing the parser's buffers.
pub(crate) type OnItem<'f> = dyn for<'l> FnMut(Result<(&'l str, &TopLevel<'l>), ParseError>) + 'f;

/// The agent vocabulary's event of a value, for the parser's own queue.
fn agent_event(item: Result<(&str, &TopLevel<'_>), ParseError>) -> Result<StreamEvent, ParseError> {
    item.map(|(line, top)| decode_ndjson_ref(line, &ndjson_type(top), top).to_owned())
}

impl Default for NdjsonParser {
    fn default() -> Self {
        Self::new()
    }
}

impl NdjsonParser {
    /// A parser with the default limit of [`DEFAULT_MAX_EVENT_BYTES`] per line.
    pub fn new() -> Self {
        Self::with_max_line_bytes(DEFAULT_MAX_EVENT_BYTES)
    }

    /// A parser that skips lines longer than `max_bytes` with [`ParseError::LimitExceeded`].
    pub fn with_max_line_bytes(max_bytes: usize) -> Self {
        Self {
            lines: LineSplitter::new(LineEnds::Lf, max_bytes),
            state: LineDecoder { line_no: 0, max_bytes },
            out: VecDeque::new(),
        }
    }

    /// Parses the next chunk of the body. Results wait in [`poll`](Self::poll).
    pub fn feed(&mut self, chunk: &[u8]) {
        let Self { lines, state, out } = self;
        let mut on = |item: Result<(&str, &TopLevel<'_>), ParseError>| out.push_back(agent_event(item));
        lines.feed(chunk, |piece| state.on_piece(piece, &mut on));
    }

    /// Parses the next chunk and hands each value (its line and top-level scan) or error to
    /// `on` as soon as its line is complete, without copying the line. Nothing goes to [`poll`](Self::poll).
    // The browser client (wasm32) is the caller; native builds test it only.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    // The session's path (the browser client); unused in the pure core alone.
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn feed_with(&mut self, chunk: &[u8], on: &mut OnItem<'_>) {
        let Self { lines, state, .. } = self;
        lines.feed(chunk, |piece| state.on_piece(piece, on));
    }

    /// The line splitter, for the session's `receive`.
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "client")), allow(dead_code))]
    pub(crate) fn lines(&mut self) -> &mut LineSplitter {
        &mut self.lines
    }

    /// The next decoded value or per-line error.
    #[must_use]
    pub fn poll(&mut self) -> Option<Result<StreamEvent, ParseError>> {
        self.out.pop_front()
    }

    /// The body ended: a last line without a newline is still a value (many producers omit
    /// the final newline). The next [`feed`](Self::feed) starts a new stream.
    pub fn finish(&mut self) {
        let mut out = core::mem::take(&mut self.out);
        self.finish_with(&mut |item| out.push_back(agent_event(item)));
        self.out = out;
    }

    /// [`finish`](Self::finish), handing the last value to `on`.
    pub(crate) fn finish_with(&mut self, on: &mut OnItem<'_>) {
        if let Some(last) = self.lines.finish() {
            self.state.on_piece(Piece::Line(Line::unchecked(&last)), on);
        }
        self.state.line_no = 0;
    }
}

impl LineDecoder {
    fn on_piece(&mut self, piece: Piece<'_>, on: &mut OnItem<'_>) {
        self.line_no += 1;
        let line = match piece {
            Piece::Line(line) => line,
            Piece::TooLong => return on(Err(ParseError::LimitExceeded { limit: self.max_bytes })),
        };
        if line.bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
            return;
        }
        let text = line.text_from(0);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        match json::parse_top(text) {
            Some(top) => on(Ok((text, &top))),
            None => on(Err(ParseError::InvalidJson {
                line: self.line_no,
                excerpt: text.chars().take(40).collect(),
            })),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::event::EventKind;

    type Outcome = Result<(String, String), ParseError>;

    fn run(max: usize, chunks: &[&[u8]]) -> Vec<Outcome> {
        let mut p = NdjsonParser::with_max_line_bytes(max);
        let mut out = Vec::new();
        let mut drain = |p: &mut NdjsonParser| {
            while let Some(item) = p.poll() {
                out.push(
                    item.map(|e| (e.content().unwrap_or_default().to_owned(), e.event_type))
                        .map(|(c, t)| (t, c)),
                );
            }
        };
        for c in chunks {
            p.feed(c);
            drain(&mut p);
        }
        p.finish();
        drain(&mut p);
        out
    }

    fn ok(t: &str, c: &str) -> Outcome {
        Ok((t.into(), c.into()))
    }

    #[test]
    fn table_every_split() {
        let stream: &[u8] = b"{\"type\":\"thought\",\"content\":\"a\"}\n\n  \r\n{\"type\":\"text\",\"content\":\" b\\u00e9\"}\r\nnot json\n{\"content\":\"\xE2\x82\xAC\"}\n{\"type\":\"done\"}";
        let expected = vec![
            ok("thought", "a"),
            ok("text", " bé"),
            Err(ParseError::InvalidJson { line: 5, excerpt: "not json".into() }),
            ok("message", "€"),
            ok("done", ""),
        ];
        assert_eq!(run(1024, &[stream]), expected);
        for cut in 0..=stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(run(1024, &[a, b]), expected, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(run(1024, &bytes), expected);
    }

    /// The borrowed path the JS API takes gives what `feed` + `poll` + `finish` queue.
    #[test]
    fn feed_with_hands_out_what_poll_returns() {
        let stream: &[u8] = b"{\"type\":\"text\",\"content\":\"a\\u00e9\"}\nbad\n\n{\"type\":\"t\\u0065xt\",\"content\":\"b\"}\r\n{\"x\":1}";
        for cut in 0..=stream.len() {
            let (a, b) = stream.split_at(cut);
            let mut queued = NdjsonParser::with_max_line_bytes(64);
            let mut borrowed = NdjsonParser::with_max_line_bytes(64);
            let mut got = Vec::new();
            for chunk in [a, b] {
                queued.feed(chunk);
                borrowed.feed_with(chunk, &mut |item| got.push(agent_event(item)));
            }
            queued.finish();
            borrowed.finish_with(&mut |item| got.push(agent_event(item)));
            let want: Vec<_> = std::iter::from_fn(|| queued.poll()).collect();
            assert_eq!(want.len(), 4, "{want:?}");
            assert_eq!(got, want, "cut at {cut}");
        }
    }

    #[test]
    fn over_limit_line_is_an_error_and_the_stream_goes_on() {
        let long = format!("{{\"content\":\"{}\"}}\n{{\"content\":\"ok\"}}\n", "x".repeat(100));
        let got = run(64, &[long.as_bytes()]);
        assert_eq!(got, vec![Err(ParseError::LimitExceeded { limit: 64 }), ok("message", "ok")]);
        let chunks: Vec<&[u8]> = long.as_bytes().chunks(7).collect();
        assert_eq!(run(64, &chunks), got);
    }

    #[test]
    fn kinds_come_from_the_type_field() {
        let mut p = NdjsonParser::new();
        p.feed(b"{\"type\":\"error\",\"message\":\"nope\"}\n");
        let ev = p.poll().unwrap().unwrap();
        assert_eq!(ev.kind, EventKind::Error { message: "nope".into() });
        assert!(p.poll().is_none());
    }
}
