//! The request-side rules that need no browser: option checks, header validation,
//! content-type classification and `Retry-After`. The wasm shell calls these; they are
//! tested natively.

use crate::error::StreamError;
use crate::prelude::*;
use crate::retry::digits;

/// Which body format to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Decide from the response's content type: event stream or NDJSON.
    #[default]
    Auto,
    /// Require `text/event-stream`.
    Sse,
    /// Require newline-delimited JSON (`application/x-ndjson`, `application/jsonl`, or
    /// `application/json` for servers that label it so).
    Ndjson,
}

impl Format {
    /// Parses `auto`, `sse` or `ndjson`.
    pub fn parse(name: &str) -> Result<Self, StreamError> {
        match name {
            "auto" => Ok(Format::Auto),
            "sse" => Ok(Format::Sse),
            "ndjson" => Ok(Format::Ndjson),
            other => Err(StreamError::InvalidOption(
                ["format must be 'auto', 'sse' or 'ndjson', not '", other, "'"].concat(),
            )),
        }
    }

    /// The `Accept` header for this format.
    pub fn accept(self) -> &'static str {
        match self {
            Format::Auto => "text/event-stream, application/x-ndjson;q=0.9",
            Format::Sse => "text/event-stream",
            Format::Ndjson => "application/x-ndjson, application/jsonl;q=0.9",
        }
    }
}

/// The format a response body will be parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `text/event-stream`.
    Sse,
    /// Newline-delimited JSON.
    Ndjson,
}

/// Chooses the parser for a 2xx response, or says why the content type is wrong.
/// Parameters (`; charset=utf-8`, a trailing `;`) and letter case do not matter.
pub fn body_format(content_type: Option<&str>, requested: Format) -> Result<BodyFormat, StreamError> {
    body_format_of(content_type, requested)
        .ok_or_else(|| StreamError::ContentType { content_type: content_type.map(str::to_owned) })
}

/// [`body_format`] without the error (which the npm wasm builds only when asked).
pub(crate) fn body_format_of(content_type: Option<&str>, requested: Format) -> Option<BodyFormat> {
    // The media type before any parameters, compared ASCII-case-insensitively (byte-wise:
    // no Unicode case or whitespace tables in the wasm).
    let essence = content_type.map_or(&[][..], |ct| {
        let bytes = ct.as_bytes();
        bytes[..bytes.iter().position(|&b| b == b';').unwrap_or(bytes.len())].trim_ascii()
    });
    let is = |name: &str| essence.eq_ignore_ascii_case(name.as_bytes());
    let ndjson = ["application/x-ndjson", "application/jsonl", "application/json-lines"];
    let found = if is("text/event-stream") {
        Some(BodyFormat::Sse)
    } else if ndjson.into_iter().any(is) || (is("application/json") && requested == Format::Ndjson) {
        Some(BodyFormat::Ndjson)
    } else {
        None
    };
    match (requested, found) {
        (Format::Auto, found) => found,
        (Format::Sse, Some(BodyFormat::Sse)) => Some(BodyFormat::Sse),
        (Format::Ndjson, Some(BodyFormat::Ndjson)) => Some(BodyFormat::Ndjson),
        _ => None,
    }
}

/// Whether `s` is an HTTP token (a header name, a method).
fn is_token(s: &str) -> bool {
    let token_byte = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    !s.is_empty() && s.bytes().all(token_byte)
}

/// The method to send: `GET` (or `POST` with a body) when none is given, upper-cased
/// (`fetch` upper-cases only the six standard methods, so `patch` would go out as is).
pub fn check_method(method: &str, has_body: bool) -> Result<String, StreamError> {
    if method.is_empty() {
        return Ok(if has_body { "POST" } else { "GET" }.into());
    }
    if !is_token(method) {
        return Err(StreamError::InvalidOption(
            ["method '", method, "' is not a valid HTTP method; use e.g. 'GET' or 'POST'"].concat(),
        ));
    }
    let method = method.to_ascii_uppercase();
    // `fetch` throws for these, which would read as a network error and be retried.
    if has_body && (method == "GET" || method == "HEAD") {
        return Err(StreamError::InvalidOption(
            ["a ", &method, " request cannot have a body; use 'POST' (the default with a body)"].concat(),
        ));
    }
    Ok(method)
}

/// Rejects a header that would let a value smuggle extra header lines (CR or LF), names
/// that are not HTTP tokens, and values `Headers` cannot send (outside ISO-8859-1), before
/// any request is made.
pub fn check_header(name: &str, value: &str) -> Result<(), StreamError> {
    if !is_token(name) {
        return Err(StreamError::InvalidOption(
            ["header name '", name, "' is not a valid HTTP header name; use letters, digits and '-'"]
                .concat(),
        ));
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err(StreamError::InvalidOption(
            [
                "the value of header '",
                name,
                "' contains a line break or NUL; remove it (it could inject headers)",
            ]
            .concat(),
        ));
    }
    if value.chars().any(|c| c > '\u{FF}') {
        return Err(StreamError::InvalidOption(
            [
                "the value of header '",
                name,
                "' has characters outside ISO-8859-1, which a header cannot carry; encode it (e.g. \
                 encodeURIComponent)",
            ]
            .concat(),
        ));
    }
    Ok(())
}

/// Rejects a starting last event ID that could not be sent: a header value cannot hold CR,
/// LF or NUL (and an SSE `id:` never does), and without the header a resumed POST would
/// start its work again.
pub fn check_last_event_id(id: &str) -> Result<(), StreamError> {
    if id.contains(['\r', '\n', '\0']) {
        return Err(StreamError::InvalidOption(
            "lastEventId contains a line break or NUL, which no event ID can; pass the ID the server sent"
                .into(),
        ));
    }
    Ok(())
}

/// `Retry-After` as milliseconds: delta-seconds, or an HTTP date measured from `now_ms`
/// with the caller's date parser (the browser's `Date.parse`). Invalid values are `None`.
pub fn retry_after_ms(
    value: &str,
    now_ms: f64,
    parse_date_ms: impl FnOnce(&str) -> Option<f64>,
) -> Option<u64> {
    let value = value.trim_ascii();
    if let Some(seconds) = digits(value.as_bytes()) {
        return Some(seconds.saturating_mul(1000));
    }
    let at = parse_date_ms(value)?;
    // Truncation is intended; a date in the past means "now".
    at.is_finite().then(|| (at - now_ms).max(0.0) as u64)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        use BodyFormat::*;
        let cases: &[(Option<&str>, Format, Option<BodyFormat>)] = &[
            (Some("text/event-stream"), Format::Auto, Some(Sse)),
            (Some("text/event-stream; charset=utf-8"), Format::Auto, Some(Sse)),
            (Some("text/event-stream;"), Format::Sse, Some(Sse)),
            (Some("Text/Event-Stream"), Format::Sse, Some(Sse)),
            (Some(" text/event-stream ;x=y"), Format::Auto, Some(Sse)),
            (Some("application/x-ndjson"), Format::Auto, Some(Ndjson)),
            (Some("application/jsonl; charset=utf-8"), Format::Auto, Some(Ndjson)),
            (Some("application/x-ndjson"), Format::Sse, None),
            (Some("text/event-stream"), Format::Ndjson, None),
            (Some("application/json"), Format::Ndjson, Some(Ndjson)),
            (Some("application/json"), Format::Auto, None),
            (Some("text/plain"), Format::Auto, None),
            (Some("text/event-streams"), Format::Auto, None),
            (None, Format::Auto, None),
        ];
        for (ct, format, want) in cases {
            let got = body_format(*ct, *format).ok();
            assert_eq!(got, *want, "{ct:?} {format:?}");
        }
        let err = body_format(Some("text/html"), Format::Auto).unwrap_err();
        assert_eq!(err.kind(), "content-type");
        assert!(err.to_string().contains("text/html"));
    }

    #[test]
    fn headers() {
        assert!(check_header("Authorization", "Bearer a.b-c").is_ok());
        assert!(check_header("x-test", "").is_ok());
        for (name, value) in [("x", "a\r\nInjected: 1"), ("x", "a\nb"), ("x", "a\rb"), ("x", "a\0")] {
            assert_eq!(check_header(name, value).unwrap_err().kind(), "invalid-option");
        }
        for name in ["", "bad name", "x\r\ny", "a:b", "é"] {
            assert_eq!(check_header(name, "v").unwrap_err().kind(), "invalid-option", "{name:?}");
        }
        // `Headers.set` throws for these; the Rust client used to drop the header silently.
        assert!(check_header("x-name", "café ÿ").is_ok());
        for value in ["€", "a\u{100}", "😀"] {
            let err = check_header("x-name", value).unwrap_err();
            assert!(err.to_string().contains("ISO-8859-1"), "{err}");
        }
    }

    #[test]
    fn last_event_ids() {
        assert!(check_last_event_id("").is_ok());
        assert!(check_last_event_id("42 é€").is_ok());
        for id in ["a\nb", "a\rb", "a\0"] {
            // Headers.set threw for these and the error was ignored: the request went out
            // without Last-Event-ID while the policy counted on it to resume a POST.
            let err = check_last_event_id(id).unwrap_err();
            assert!(err.to_string().contains("lastEventId"), "{err}");
        }
    }

    #[test]
    fn methods() {
        assert_eq!(check_method("", false).unwrap(), "GET");
        assert_eq!(check_method("", true).unwrap(), "POST");
        // The Rust client used to send `patch` as is; the JS one upper-cased it.
        assert_eq!(check_method("patch", false).unwrap(), "PATCH");
        assert_eq!(check_method("Post", true).unwrap(), "POST");
        for (method, name) in [("get", "GET"), ("HEAD", "HEAD")] {
            let err = check_method(method, true).unwrap_err();
            assert_eq!(err.kind(), "invalid-option");
            assert!(err.message().contains(name) && err.message().contains("'POST'"), "{}", err.message());
        }
        assert_eq!(check_method("GET", false).unwrap(), "GET");
        for bad in ["GET /", "P\r\nX", "é"] {
            assert_eq!(check_method(bad, false).unwrap_err().kind(), "invalid-option", "{bad:?}");
        }
    }

    #[test]
    fn retry_after() {
        let no_date = |_: &str| None;
        assert_eq!(retry_after_ms("3", 0.0, no_date), Some(3_000));
        assert_eq!(retry_after_ms(" 0 ", 0.0, no_date), Some(0));
        assert_eq!(retry_after_ms("99999999999999999999999", 0.0, no_date), Some(u64::MAX));
        assert_eq!(retry_after_ms("-1", 0.0, no_date), None);
        assert_eq!(retry_after_ms("1.5", 0.0, no_date), None);
        assert_eq!(retry_after_ms("", 0.0, no_date), None);
        let date = |s: &str| (s == "Wed, 21 Oct 2026 07:28:00 GMT").then_some(10_000.0);
        assert_eq!(retry_after_ms("Wed, 21 Oct 2026 07:28:00 GMT", 4_000.0, date), Some(6_000));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2026 07:28:00 GMT", 50_000.0, date), Some(0));
        assert_eq!(retry_after_ms("garbage", 0.0, |_| Some(f64::NAN)), None);
    }

    #[test]
    fn formats() {
        assert_eq!(Format::parse("ndjson").unwrap(), Format::Ndjson);
        assert_eq!(Format::parse("SSE").unwrap_err().kind(), "invalid-option");
    }

    #[test]
    fn error_kinds_and_messages() {
        use crate::error::ParseError;
        let cases: Vec<(StreamError, &str, Option<u16>)> = vec![
            (
                StreamError::InvalidOption("url is empty; pass the stream's URL".into()),
                "invalid-option",
                None,
            ),
            (StreamError::Http { status: 401 }, "http", Some(401)),
            (StreamError::ContentType { content_type: None }, "content-type", None),
            (StreamError::Network { message: "Failed to fetch".into() }, "network", None),
            (ParseError::LimitExceeded { limit: 9 }.into(), "limit", None),
            (ParseError::InvalidJson { line: 2, excerpt: "x".into() }.into(), "parse", None),
            (
                StreamError::NotResumable {
                    cause: Box::new(StreamError::Network { message: "reset".into() }),
                },
                "not-resumable",
                None,
            ),
            (
                StreamError::RetriesExhausted {
                    failures: 4,
                    last: Box::new(StreamError::Http { status: 503 }),
                },
                "http",
                Some(503),
            ),
        ];
        for (err, kind, status) in cases {
            assert_eq!((err.kind(), err.status()), (kind, status), "{err:?}");
            assert!(err.to_string().len() > 20, "{err}");
        }
        assert!(StreamError::Http { status: 401 }.to_string().contains("token"));
        // With retries off a 503 said "it is retried with backoff"; it is not.
        let off = StreamError::HttpNotRetried { status: 503, reason: crate::error::NotRetried::RetryOff };
        assert_eq!((off.kind(), off.status()), ("http", Some(503)));
        assert!(off.to_string().contains("reconnection is off"), "{off}");
        assert!(!StreamError::Http { status: 503 }.to_string().contains("retried"));
        let post =
            StreamError::HttpNotRetried { status: 502, reason: crate::error::NotRetried::MaybeProcessed };
        assert_eq!((post.kind(), post.status()), ("http", Some(502)));
        assert!(post.to_string().contains("not sent again"), "{post}");
        assert!(StreamError::Http { status: 404 }.to_string().contains("will not help"));
    }
}
