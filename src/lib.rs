//! # wasm-sse
//!
//! Server-Sent Events and newline-delimited JSON for the browser, decoded into typed agent
//! events (`thought`, `text`, `message`, `error`, `done`, and any other name).
//!
//! The protocol lives in pure modules that do no I/O and read no clock: [`sse`] (the WHATWG
//! event-stream rules, exactly), [`ndjson`], [`event`] (typed decoding) and [`retry`] (when
//! and how long to wait before reconnecting). They build and test on any target; the
//! browser shell that moves the bytes is compiled only for `wasm32`.
//!
//! ```
//! use wasm_sse::event::{decode_sse, EventKind};
//! use wasm_sse::sse::{EventStreamParser, SseItem};
//!
//! let mut parser = EventStreamParser::new();
//! // Chunks can be cut anywhere, even inside a line or a UTF-8 character.
//! parser.feed(b"id: 1\nevent: text\ndata: {\"content\": \" Hel");
//! parser.feed(b"lo\"}\n\n: keep-alive\n\nevent: done\ndata: {}\n\n");
//!
//! let mut text = String::new();
//! while let Some(item) = parser.poll() {
//!     if let Ok(SseItem::Event(raw)) = item {
//!         let event = decode_sse(raw);
//!         match &event.kind {
//!             EventKind::Text { content } => text.push_str(content),
//!             EventKind::Done { .. } => break,
//!             _ => {}
//!         }
//!     }
//! }
//! assert_eq!(text, " Hello"); // the leading space of the token is kept
//! assert_eq!(parser.last_event_id(), "1");
//! ```
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

extern crate alloc;

#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub mod client;
pub mod config;
pub mod error;
pub mod event;
#[cfg(any(all(test, not(target_arch = "wasm32")), all(target_arch = "wasm32", feature = "client")))]
pub mod js;
pub mod json;
mod lines;
pub mod ndjson;
pub mod protocol;
pub mod retry;
#[cfg(any(all(test, not(target_arch = "wasm32")), all(target_arch = "wasm32", feature = "client")))]
mod session;
pub mod sse;
pub mod stall;

pub use config::Format;
pub use error::{NotRetried, ParseError, StreamError};
pub use event::{EventKind, StreamEvent, Usage};
pub use ndjson::NdjsonParser;
pub use protocol::Protocol;
pub use retry::{ReconnectPolicy, RetryConfig};
pub use sse::{EventStreamParser, RawEvent, SseItem};
pub use stall::IdleTimeout;

// The crate's own wasm tests (the SIMD scans) run in the browser, as the npm build does.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// `alloc`'s types under the names the `std` prelude gives them, for the modules that
/// build without `std`.
mod prelude {
    pub(crate) use alloc::borrow::{Cow, ToOwned};
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::collections::VecDeque;
    pub(crate) use alloc::string::String;
    pub(crate) use alloc::vec::Vec;
}
