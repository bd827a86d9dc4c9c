//! Errors the pure parsers report. None of them ends a stream: the parser skips the bad
//! line or event and goes on, so the caller decides whether to continue.

use std::fmt;

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

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::LimitExceeded { limit } => write!(
                f,
                "an event or line was larger than the {limit}-byte limit and was skipped; \
                 raise maxEventBytes if the server really sends events this large"
            ),
            ParseError::InvalidJson { line, excerpt } => write!(
                f,
                "line {line} of the NDJSON stream is not valid JSON and was skipped \
                 (it starts with {excerpt:?}); check what the server writes on that line"
            ),
        }
    }
}

impl std::error::Error for ParseError {}
