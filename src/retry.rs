//! The reconnection policy: given how an attempt ended, reconnect after a delay, close, or
//! give up. Pure: the clock and the random number are passed in, so every rule is a test.
//!
//! The rule users care most about: a request that is not a GET or HEAD (a POST that starts
//! an LLM generation) is re-sent only when the answer says it was not acted on (408, 429,
//! 503), after a network error before any response (the usual case is a connection that
//! never reached the server, though a server can fail before its first byte), or when a
//! last event ID lets the server resume it. A generation that has answered is never
//! silently run twice.

use core::fmt;

/// User-tunable limits of the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// Consecutive failed attempts tolerated before giving up (0 disables reconnection).
    pub max_retries: u32,
    /// Base delay of the exponential backoff, used until the server sends `retry:`.
    pub initial_delay_ms: u64,
    /// Cap of the backoff (the server's `retry:` raises it when larger).
    pub max_delay_ms: u64,
    /// Full jitter: wait a uniformly random part of the backoff, so that many clients
    /// dropped at once do not come back at once.
    pub jitter: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self { max_retries: 8, initial_delay_ms: 1_000, max_delay_ms: 30_000, jitter: true }
    }
}

impl RetryConfig {
    /// A policy that never reconnects.
    pub const DISABLED: Self = Self { max_retries: 0, initial_delay_ms: 0, max_delay_ms: 0, jitter: false };
}

/// How one connection attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// `fetch` rejected or reading the body failed. `opened` says whether a 2xx response
    /// had already been received (the server had started to answer).
    Network {
        /// A 2xx response had been received before the failure.
        opened: bool,
    },
    /// The response had a non-2xx status.
    Http {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header in milliseconds, when present and valid.
        retry_after_ms: Option<u64>,
    },
    /// A 2xx response whose content type is not an event stream (or NDJSON).
    ContentType,
    /// The user stopped the stream.
    Aborted,
    /// The body ended without a `done` event.
    Ended,
    /// A `done` event arrived.
    Done,
}

/// Why the stream closes normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The server sent `done`.
    Done,
    /// HTTP 204: the server asks the client not to reconnect.
    NoContent,
    /// The user stopped the stream.
    Stopped,
    /// The body ended and reconnection is disabled (`max_retries` is 0).
    Ended,
}

/// The number an ASCII-digits-only value spells (the SSE `retry:` field, an HTTP
/// `Retry-After` in seconds), saturating at `u64::MAX`; `None` when it is empty or has any
/// other byte.
pub(crate) fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

/// Why a dropped non-GET request is not sent again: what
/// [`StreamError::NotResumable`](crate::StreamError::NotResumable) says after its cause, and
/// [`GiveUpReason::NotResumable`] after "the connection dropped mid-response".
pub(crate) const NOT_RESENT: &str = "the request is not a GET and has no event ID to resume from, so it \
    was not sent again (that would start the work twice); send `id:` fields to make it resumable";

/// Why a request that may have started its work is not sent again after a 500, 502 or 504;
/// the message of [`GiveUpReason::MaybeProcessed`] and of the matching stream error.
pub(crate) const MAYBE_PROCESSED: &str =
    "the server failed after the request may have started its work, and \
    a request that is not a GET or HEAD, with no event ID to resume from, is not sent again (that could run \
    it twice); send `id:` fields to make it resumable, or start it again yourself if that is safe";

/// Why the policy gives up. Each says what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// A status that retrying cannot fix (4xx other than 408/429, or an unexpected one).
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// The response is not `text/event-stream` (nor NDJSON).
    ContentType,
    /// A non-GET request was answered and then cut off, with no last event ID to resume
    /// from: sending it again would run it twice.
    NotResumable,
    /// A request that is not GET or HEAD, with no last event ID, got an answer (500, 502,
    /// 504, …) that does not say the work was not started: sending it again could run it
    /// twice.
    MaybeProcessed {
        /// The HTTP status.
        status: u16,
    },
    /// `max_retries` consecutive attempts failed.
    RetriesExhausted {
        /// How many attempts failed in a row.
        failures: u32,
    },
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUpReason::Http { status: 401 | 403 } => f.write_str(
                "the server refused the credentials; refresh the token (a custom `fetch` can do it) and start again",
            ),
            GiveUpReason::Http { status } => {
                write!(f, "the server answered HTTP {status}, which retrying will not fix; check the URL, method and body")
            }
            GiveUpReason::ContentType => f.write_str(
                "the response is not text/event-stream; make the endpoint send that content type (or application/x-ndjson)",
            ),
            GiveUpReason::NotResumable => write!(f, "the connection dropped mid-response; {NOT_RESENT}"),
            GiveUpReason::MaybeProcessed { status } => write!(f, "HTTP {status}: {MAYBE_PROCESSED}"),
            GiveUpReason::RetriesExhausted { failures } => {
                write!(f, "gave up after {failures} failed attempts in a row; check that the server is reachable")
            }
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Decision {
    /// Connect again after `delay_ms`; this will be reconnection number `attempt` in a row.
    Reconnect {
        /// Milliseconds to wait.
        delay_ms: u64,
        /// 1 for the first reconnection after a success, then 2, 3, …
        attempt: u32,
    },
    /// Close normally.
    Close(CloseReason),
    /// Close with an error.
    GiveUp(GiveUpReason),
}

/// Facts about the request and the stream that the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    /// The request is a GET or HEAD: sending it again is harmless, as EventSource does.
    pub safe_method: bool,
    /// The stream has a non-empty last event ID, which is sent as `Last-Event-ID`.
    pub has_last_event_id: bool,
    /// The server's latest `retry:` value.
    pub server_retry_ms: Option<u64>,
    /// A uniformly random number in `[0, 1)`, for jitter.
    pub random: f64,
}

/// The policy and its one piece of state: failures in a row.
#[derive(Debug, Clone)]
pub struct ReconnectPolicy {
    config: RetryConfig,
    failures: u32,
}

impl ReconnectPolicy {
    /// A policy with the given limits and no failures yet.
    pub fn new(config: RetryConfig) -> Self {
        Self { config, failures: 0 }
    }

    /// The limits in force.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// Consecutive failed attempts so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// A connection opened and delivered an event: the next failure is the first again.
    pub fn record_event(&mut self) {
        self.failures = 0;
    }

    /// Decides what follows `outcome`.
    pub fn decide(&mut self, outcome: Outcome, cx: &Context) -> Decision {
        let retry_after = match outcome {
            Outcome::Done => return Decision::Close(CloseReason::Done),
            Outcome::Aborted => return Decision::Close(CloseReason::Stopped),
            Outcome::Http { status: 204, .. } => return Decision::Close(CloseReason::NoContent),
            Outcome::Ended if self.config.max_retries == 0 => return Decision::Close(CloseReason::Ended),
            Outcome::ContentType => return Decision::GiveUp(GiveUpReason::ContentType),
            Outcome::Http { status, retry_after_ms } => {
                if !(status >= 500 || status == 408 || status == 429) {
                    return Decision::GiveUp(GiveUpReason::Http { status });
                }
                // Only these say the request was not acted on (RFC 9110: 408 and 503 are
                // sent before processing; 429 refuses it); a 500, 502 or 504 can come from a
                // proxy after the backend started the work.
                let not_processed = matches!(status, 408 | 429 | 503);
                // With reconnection off nothing is re-sent anyway: that is the reason to give.
                let retrying = self.config.max_retries > 0;
                if retrying && !not_processed && !cx.safe_method && !cx.has_last_event_id {
                    return Decision::GiveUp(GiveUpReason::MaybeProcessed { status });
                }
                retry_after_ms
            }
            Outcome::Network { opened } => {
                if opened && !cx.safe_method && !cx.has_last_event_id {
                    return Decision::GiveUp(GiveUpReason::NotResumable);
                }
                None
            }
            // EventSource reconnects when the body ends; a non-GET only when it can resume.
            Outcome::Ended => {
                if !cx.safe_method && !cx.has_last_event_id {
                    return Decision::GiveUp(GiveUpReason::NotResumable);
                }
                None
            }
        };
        self.failures = self.failures.saturating_add(1);
        if self.failures > self.config.max_retries {
            return Decision::GiveUp(GiveUpReason::RetriesExhausted { failures: self.failures });
        }
        let backoff = self.backoff_ms(cx);
        // `Retry-After` is a minimum, but no wait exceeds the cap: a server asking for a
        // day does not park the stream for a day.
        let retry_after = retry_after.unwrap_or(0).min(self.cap_ms(cx));
        Decision::Reconnect { delay_ms: backoff.max(retry_after), attempt: self.failures }
    }

    /// The longest wait: `max_delay_ms`, or the server's `retry:` when it is longer.
    fn cap_ms(&self, cx: &Context) -> u64 {
        self.config.max_delay_ms.max(cx.server_retry_ms.unwrap_or(0))
    }

    /// Exponential backoff from the base (the server's `retry:` when given), capped, with
    /// full jitter when enabled.
    fn backoff_ms(&self, cx: &Context) -> u64 {
        let base = cx.server_retry_ms.unwrap_or(self.config.initial_delay_ms);
        let cap = self.cap_ms(cx);
        let doublings = self.failures.saturating_sub(1).min(63);
        let exp = base.saturating_mul(1u64 << doublings).min(cap);
        if self.config.jitter {
            // Truncation is intended: a delay in [0, exp).
            (exp as f64 * cx.random.clamp(0.0, 1.0)) as u64
        } else {
            exp
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
