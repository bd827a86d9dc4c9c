//! Errors the pure parsers report. None of them ends a stream: the parser skips the bad
//! line or event and goes on, so the caller decides whether to continue.

use crate::prelude::*;
use core::fmt;

/// A problem with one line or event of the incoming stream. The rest of the stream is
/// still parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// A line, or one event's accumulated data, went over the byte limit. That line or
    /// event was skipped; parsing resumes at the next one.
    LimitExceeded {
        /// The limit in bytes that was exceeded.
        limit: usize,
    },
    /// A newline-delimited JSON line is not valid JSON. Only that line is lost.
    InvalidJson {
        /// 1-based line number in the stream.
        line: u64,
        /// The first characters of the offending line, for the error message.
        excerpt: String,
    },
}

impl ParseError {
    /// What happened and what to do, as [`Display`](fmt::Display) prints it. Built without
    /// `core::fmt`, which the npm package's wasm does not link.
    pub fn message(&self) -> String {
        match self {
            ParseError::LimitExceeded { limit } => join(&[
                "an event or line was larger than the ",
                &decimal(*limit as u64),
                "-byte limit and was skipped; raise maxEventBytes if the server really sends events this large",
            ]),
            ParseError::InvalidJson { line, excerpt } => join(&[
                "line ",
                &decimal(*line),
                " of the NDJSON stream is not valid JSON and was skipped (it starts with \"",
                excerpt,
                "\"); check what the server writes on that line",
            ]),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for ParseError {}

/// Why a stream failed, or what went wrong in it. Every message says what happened and
/// what to do. [`kind`](StreamError::kind) is the stable name the JS API exposes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamError {
    /// The options are not usable; nothing was sent.
    InvalidOption(String),
    /// The server answered with a non-2xx status.
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// A status that retrying could fix (5xx, 408, 429), not retried.
    HttpNotRetried {
        /// The HTTP status.
        status: u16,
        /// Why it was not retried.
        reason: NotRetried,
    },
    /// A 2xx response that is not an event stream (nor NDJSON, when that is accepted).
    ContentType {
        /// The response's `Content-Type`, if it had one.
        content_type: Option<String>,
    },
    /// The request failed or the connection broke.
    Network {
        /// What the browser reported.
        message: String,
    },
    /// One line or event of the body was bad; it was skipped and the stream goes on.
    Parse(ParseError),
    /// The connection dropped mid-response (or the body ended without `done`) and the
    /// request cannot be re-sent safely: it is not a GET and has no event ID to resume from.
    NotResumable {
        /// What ended the connection: a network error, the client cutting a silent
        /// connection, or the body ending.
        cause: Box<StreamError>,
    },
    /// The provider reported an error in the stream (an in-band error of a provider
    /// [`Protocol`](crate::Protocol), such as Anthropic's `overloaded_error` sent with HTTP
    /// 200). The stream was closed and is not reconnected.
    Server {
        /// The provider's message.
        message: String,
    },
    /// The wasm module trapped (a bug, or memory ran out); the stream was closed.
    Internal {
        /// What the engine reported.
        message: String,
    },
    /// Reconnection was given up after `failures` failed attempts; `last` is the last cause.
    RetriesExhausted {
        /// Failed attempts in a row.
        failures: u32,
        /// The failure of the last attempt.
        last: Box<StreamError>,
    },
}

/// Why a status that retrying could fix was not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotRetried {
    /// Reconnection is off (`retry: false`, [`RetryConfig::DISABLED`](crate::RetryConfig::DISABLED)).
    RetryOff,
    /// The request is not a GET or HEAD, has no event ID to resume from, and the status
    /// (500, 502, 504, …) does not say the work was not started.
    MaybeProcessed,
}

impl StreamError {
    /// The stable name of the error class: `invalid-option`, `http`, `content-type`,
    /// `network`, `parse`, `limit`, `not-resumable`, `server` or `internal`. Exhausted retries report the kind
    /// of the last failure.
    pub fn kind(&self) -> &'static str {
        match self {
            StreamError::InvalidOption(_) => "invalid-option",
            StreamError::Http { .. } | StreamError::HttpNotRetried { .. } => "http",
            StreamError::ContentType { .. } => "content-type",
            StreamError::Network { .. } => "network",
            StreamError::Parse(ParseError::LimitExceeded { .. }) => "limit",
            StreamError::Parse(_) => "parse",
            StreamError::NotResumable { .. } => "not-resumable",
            StreamError::Server { .. } => "server",
            StreamError::Internal { .. } => "internal",
            StreamError::RetriesExhausted { last, .. } => last.kind(),
        }
    }

    /// The HTTP status, for `http` errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            StreamError::Http { status } | StreamError::HttpNotRetried { status, .. } => Some(*status),
            StreamError::RetriesExhausted { last, .. } => last.status(),
            _ => None,
        }
    }
}

impl StreamError {
    /// What happened and what to do, as [`Display`](fmt::Display) prints it (the JS API's
    /// `error.message`). Built without `core::fmt`.
    pub fn message(&self) -> String {
        let http = |status: u16, advice: &str| join(&["HTTP ", &decimal(status.into()), ": ", advice]);
        match self {
            StreamError::InvalidOption(message) => join(&["invalid option: ", message]),
            StreamError::Http { status: status @ (401 | 403) } => http(
                *status,
                "the server refused the credentials; refresh the token (a custom `fetch` can do it) \
                 and start the stream again",
            ),
            StreamError::Http { status } if *status >= 500 || *status == 408 || *status == 429 => {
                http(*status, "the server is failing or busy, which can pass")
            }
            StreamError::HttpNotRetried { status, reason: NotRetried::RetryOff } => http(
                *status,
                "the server is failing or busy, and reconnection is off (`retry: false`), so it was not \
                 retried; try again later, or turn reconnection on",
            ),
            StreamError::HttpNotRetried { status, reason: NotRetried::MaybeProcessed } => {
                http(*status, crate::retry::MAYBE_PROCESSED)
            }
            StreamError::Http { status } => http(
                *status,
                "the server rejected the request and retrying will not help; check the URL, method, \
                 headers and body",
            ),
            StreamError::ContentType { content_type } => join(&[
                "the response has content type ",
                content_type.as_deref().unwrap_or("(none)"),
                ", not text/event-stream; make the endpoint send text/event-stream (or \
                 application/x-ndjson with format 'auto' or 'ndjson')",
            ]),
            StreamError::Network { message } => join(&[
                "network error: ",
                message,
                "; the connection failed or broke (offline, server down, CORS, or a proxy cut it)",
            ]),
            StreamError::Parse(err) => err.message(),
            StreamError::NotResumable { cause } => join(&[&cause.message(), "; ", crate::retry::NOT_RESENT]),
            StreamError::Server { message } => join(&[
                "the server reported an error in the stream: ",
                message,
                "; the stream was closed and not retried (start it again when the provider recovers)",
            ]),
            StreamError::Internal { message } => {
                join(&["wasm-sse failed inside its wasm module (", message, "); please report it"])
            }
            StreamError::RetriesExhausted { failures, last } => join(&[
                "gave up after ",
                &decimal((*failures).into()),
                " failed attempts in a row; the last one: ",
                &last.message(),
            ]),
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// The parts one after another. `[..].concat()` does the same through a generic join
/// that costs the npm wasm ~800 bytes.
pub(crate) fn join(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// `n` in decimal digits.
pub(crate) fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().map(|&d| char::from(d)).collect()
}

impl core::error::Error for StreamError {}

impl From<ParseError> for StreamError {
    fn from(err: ParseError) -> Self {
        StreamError::Parse(err)
    }
}
