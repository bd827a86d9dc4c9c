//! The JS API: `startStream`, `stopStream` and the stream handle, exported with
//! wasm-bindgen over the one client in `src/client` (the Rust `EventStream` runs the same
//! driver). The only code that knows JS object shapes: the options object (`options.rs`),
//! the notices handed to the callbacks, and the batch each chunk's events cross in.
//!
//! The batch is plain Rust, tested natively; `events.js` (a wasm-bindgen snippet) turns a
//! batch into event objects. The exports are public for Rust code that holds JS values
//! (and for the wasm-pack tests of the JS API); Rust front-ends use
//! [`EventStream`](crate::client::EventStream).

#[cfg(all(target_arch = "wasm32", feature = "client"))]
mod api;
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub use api::{start_stream, start_stream_later, stop_stream, JsStreamHandle};
#[cfg(all(target_arch = "wasm32", feature = "client"))]
mod options;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use crate::error::ParseError;
use crate::event::{EventRef, Kind};
use crate::lines::sub;
use crate::prelude::*;
use crate::session::Output;

/// The events of one call, for the shell: one string and six (or eight) numbers per entry,
/// and large data, or a large typed field, as strings of their own (`own`). Kept between
/// calls so that its buffers are reused. The layout (read by `events.js`):
///
/// `meta` holds, per entry: kind, flags, then the UTF-16 end offsets in `text` of its
/// type, data and last event ID, and a last number for the typed field (content, error
/// message or done status). Each string starts where the previous one ends.
/// flags: 1 data is JSON; 2 has a typed field; 8 the type is the previous event's (and
/// takes no room in `text`); 4 (without 32) the typed field is a slice of the data: it
/// starts at the last number (an offset into the data) and is `flags >>> 6` long;
/// otherwise it is in `text` and the last number is its end. 32: the data is large and
/// crosses in `own`: as the next string of `own` (it takes no room in `text`), or with 4,
/// the typed field (a slice of at least half of the data) is the next string of `own` and
/// the data is that field with `text`'s data slot split around it: the text before the
/// field ends at the last number (an offset into `text`). 64 (without 4): the typed field is
/// large too, and not a slice of the data (a token with escapes), and crosses as the next
/// string of `own`, after the data (it takes no room in `text`; the last number is the
/// ID's end).
/// A parse error is an entry of kind [`Batch::PARSE_ERROR`]: its message ends at the
/// third number, flags is 1 for a size limit, and the last number is that end too.
/// Two more numbers follow an entry of a tool call (kind 6: the ends in `text` of its ID
/// and name, which follow the event's other strings; its typed field is `argsDelta`) and
/// of a `done` with usage (flags 16: input and output token counts, each plus one, 0 when
/// not reported).
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) text: String,
    pub(crate) meta: Vec<u32>,
    /// Data of [`OWN_STRING`] bytes or more (or its typed field, when that is most of
    /// it), each its own string, decoded as it is dispatched, straight from the parser's
    /// buffer: not copied into `text` first.
    pub(crate) own: Vec<OwnText>,
    /// UTF-16 length of `text`.
    at: u32,
    /// Where the previous event's type is in `text`, to send a repeated type only once.
    prev_type: Option<(usize, usize)>,
}

/// Data this long or longer leaves wasm as a string of its own (see [`Batch::own`]).
pub(crate) const OWN_STRING: usize = 1 << 16;

/// A string decoded from wasm memory as it is dispatched: a JS string in the npm build.
#[cfg(all(target_arch = "wasm32", feature = "client"))]
pub(crate) type OwnText = wasm_bindgen::JsValue;
/// A string decoded from wasm memory as it is dispatched (natively, for the tests: a copy).
#[cfg(not(all(target_arch = "wasm32", feature = "client")))]
pub(crate) type OwnText = String;

#[cfg(all(target_arch = "wasm32", feature = "client"))]
fn own_text(text: &str) -> OwnText {
    api::decode(text.as_bytes())
}

#[cfg(not(all(target_arch = "wasm32", feature = "client")))]
fn own_text(text: &str) -> OwnText {
    text.to_owned()
}

impl Output for Batch {
    fn event(&mut self, ev: &EventRef<'_>) {
        let field = ev.field.as_deref();
        // Large data crosses on its own (or around its field), with no pass over it here.
        let own = ev.data.len() >= OWN_STRING;
        // Where a field with no escapes starts in the data (it is a slice of it).
        let place = field.and_then(|f| {
            let start = (f.as_ptr() as usize).checked_sub(ev.data.as_ptr() as usize)?;
            (start + f.len() <= ev.data.len()).then_some(start)
        });
        let same_type = self.append_type(ev.event_type);
        let mut flags = u32::from(ev.is_json) | u32::from(field.is_some()) << 1 | u32::from(same_type) << 3;
        // One capacity check for a small event's strings (each append checks again, and
        // passes). Not for large data: neither it nor a field that is most of it goes into
        // `text`, and reserving for them kept that much capacity in the batch.
        if !own {
            self.text.reserve(ev.data.len() + ev.last_event_id.len() + field.map_or(0, str::len));
        }
        let type_end = self.at;
        let (data_end, around, data_ascii) = match (own, field, place) {
            // Large data around a field with no escapes that is most of it (a document as a
            // token's content): the field crosses as its own string and the data as the
            // text before and after it, which events.js joins around it. Slicing the field
            // out of the data's string would copy all of it again (V8 flattens a joined
            // string to slice it). A smaller field is copied into `text` (the data crosses
            // whole): the text around it would be the larger copy.
            (true, Some(f), Some(start)) if f.len() >= ev.data.len() / 2 => {
                flags |= 32 | 4;
                self.own.push(own_text(f));
                let before = self.append(sub(ev.data, ..start));
                (self.append(sub(ev.data, start + f.len()..)), Some(before), false)
            }
            (true, ..) => {
                flags |= 32;
                self.own.push(own_text(ev.data));
                (self.at, None, false)
            }
            _ => {
                let ascii = self.append_ascii(ev.data);
                (self.at, None, ascii)
            }
        };
        // In small data, a field that is a slice of it is sent as its place in the data and
        // its length (under 64 Ki units: it fits the flags). UTF-16 offsets are byte offsets
        // in ASCII data (token streams nearly always are).
        let units = |s: &str| if data_ascii { s.len() as u32 } else { utf16_len(s) };
        let within = place
            .filter(|_| !own)
            .map(|start| (units(sub(ev.data, ..start)), units(field.unwrap_or_default())));
        let id_end = self.append(ev.last_event_id);
        let last = match (around, within) {
            (Some(before), _) => before,
            (None, Some((start, len))) => {
                flags |= 4 | len << 6;
                start
            }
            // A large field that is not a slice of the data (a document with escapes, unescaped):
            // on its own too, not copied into `text` (which would keep that capacity).
            (None, None) if own && field.is_some_and(|f| f.len() >= OWN_STRING) => {
                flags |= 64;
                self.own.push(own_text(field.unwrap_or_default()));
                self.at
            }
            (None, None) => self.append(field.unwrap_or("")),
        };
        if ev.usage.is_some() {
            flags |= 16;
        }
        self.meta.extend_from_slice(&[ev.kind as u32, flags, type_end, data_end, id_end, last]);
        if let Some((id, name)) = &ev.call {
            let id_end = self.append(id);
            let name_end = self.append(name);
            self.meta.extend_from_slice(&[id_end, name_end]);
        }
        if let Some(usage) = ev.usage {
            let count = |n: Option<u64>| n.map_or(0, |n| n.saturating_add(1).min(u64::from(u32::MAX)) as u32);
            self.meta.extend_from_slice(&[count(usage.input_tokens), count(usage.output_tokens)]);
        }
    }

    /// What [`event`](Self::event) writes for a token, without its cases for large data,
    /// fields elsewhere, tool calls and usage: the content is a slice of the data, from
    /// just after `{"content":"` (ASCII: as many UTF-16 units in).
    fn token(&mut self, kind: Kind, event_type: &str, data: &str, content: &str, last_event_id: &str) {
        if data.len() >= OWN_STRING {
            return self.event(&EventRef::token(kind, content, event_type, data, last_event_id));
        }
        let same_type = self.append_type(event_type);
        self.text.reserve(data.len() + last_event_id.len());
        let type_end = self.at;
        let ascii = self.append_ascii(data);
        let data_end = self.at;
        let units = if ascii { content.len() as u32 } else { utf16_len(content) };
        let id_end = self.append(last_event_id);
        let flags = 1 | 2 | u32::from(same_type) << 3 | 4 | units << 6;
        let start = crate::json::CONTENT_PREFIX.len() as u32;
        self.meta.extend_from_slice(&[kind as u32, flags, type_end, data_end, id_end, start]);
    }

    fn error(&mut self, err: ParseError) {
        let limit = matches!(err, ParseError::LimitExceeded { .. });
        let end = self.append(&err.message());
        self.meta.extend_from_slice(&[Self::PARSE_ERROR, u32::from(limit), end, end, end, end]);
    }
}

impl Batch {
    /// The kind number of a parse error entry (event kinds are 0 to 6).
    pub(crate) const PARSE_ERROR: u32 = 7;

    /// Whether `event_type` is the previous entry's type (and takes no room in `text`);
    /// otherwise appends it and remembers it for the next entry.
    fn append_type(&mut self, event_type: &str) -> bool {
        let same = self.prev_type.is_some_and(|(from, to)| {
            self.text.as_bytes().get(from..to).is_some_and(|prev| eq_short(prev, event_type.as_bytes()))
        });
        if !same {
            let from = self.text.len();
            self.append(event_type);
            self.prev_type = Some((from, self.text.len()));
        }
        same
    }

    /// Appends `s` and returns the UTF-16 end offset of the text.
    fn append(&mut self, s: &str) -> u32 {
        self.append_ascii(s);
        self.at
    }

    /// [`append`](Self::append), returning whether `s` is ASCII.
    fn append_ascii(&mut self, s: &str) -> bool {
        let ascii = crate::lines::push_short(&mut self.text, s);
        // (Known not ASCII otherwise: counted without checking again.)
        self.at += if ascii { s.len() as u32 } else { utf16_units(s) };
        ascii
    }

    /// Whether `text` is all ASCII (its UTF-16 length is its byte length).
    pub(crate) fn is_ascii(&self) -> bool {
        self.at as usize == self.text.len()
    }

    pub(crate) fn clear(&mut self) {
        // A batch's text stays under its chunk's size, but one large field that crossed
        // through it (an escaped content just under [`OWN_STRING`]) would keep its capacity
        // for the rest of the stream.
        if self.text.capacity() > 2 * OWN_STRING {
            self.text = String::new();
        }
        self.text.clear();
        self.meta.clear();
        self.own.clear();
        self.at = 0;
        self.prev_type = None;
    }
}

/// `a == b` for the short strings of each event (an event type): as overlapping words up
/// to 16 bytes, where a slice compare is a call to a byte loop in wasm.
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word8 =
        |s: &[u8], at: usize| s.get(at..at + 8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
    let word4 =
        |s: &[u8], at: usize| s.get(at..at + 4).map(|w| u32::from_le_bytes(w.try_into().unwrap_or_default()));
    match n {
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        4..8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => a == b,
    }
}

fn utf16_len(s: &str) -> u32 {
    if is_ascii(s.as_bytes()) {
        s.len() as u32
    } else {
        utf16_units(s)
    }
}

/// The UTF-16 length of `s`, character by character.
fn utf16_units(s: &str) -> u32 {
    s.chars().map(char::len_utf16).sum::<usize>() as u32
}

/// Whether all of `bytes` is ASCII: sixteen bytes at a time with WebAssembly SIMD, the
/// last block overlapping the one before; a string of 4 to 15 bytes as two overlapping
/// words, a shorter one byte by byte. For the short strings of token events (each event's
/// data and ID), where `lines::ascii_len`'s byte-by-byte tail (it must find the first
/// non-ASCII byte) was most of its work.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn is_ascii(bytes: &[u8]) -> bool {
    use core::arch::wasm32::{u8x16_bitmask, v128, v128_load, v128_or};
    let n = bytes.len();
    if n < 16 {
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
        let u32_at =
            |at: usize| u64::from(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default()));
        let high = match n {
            8.. => u64_at(0) | u64_at(n - 8),
            4.. => u32_at(0) | u32_at(n - 4),
            _ => bytes.iter().fold(0, |w, &b| w | u64::from(b)),
        };
        return high & 0x8080_8080_8080_8080 == 0;
    }
    let load = |at: usize| -> v128 {
        debug_assert!(at + 16 <= n);
        // SAFETY: every load starts at or before `n - 16` (n ≥ 16 here), so its 16 bytes
        // end within `bytes`; `v128_load` takes any alignment.
        unsafe { v128_load(bytes.as_ptr().add(at).cast()) }
    };
    let mut any = load(n - 16);
    let mut at = 0;
    while at + 16 < n {
        any = v128_or(any, load(at));
        at += 16;
    }
    u8x16_bitmask(any) == 0
}

/// Whether all of `bytes` is ASCII.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn is_ascii(bytes: &[u8]) -> bool {
    bytes.is_ascii()
}

/// events.js's `text` over more than one 64 KiB piece, in the browser: a character cut at
/// a piece's end comes out whole, whatever the pieces after it end in.
#[cfg(all(test, target_arch = "wasm32", feature = "client"))]
mod text_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn large_text_is_whole_across_its_pieces() {
        let piece = 1 << 16;
        for cut in 0..4 {
            // A 4-byte character that the first piece's end cuts `cut` bytes in, then ASCII
            // up to the second piece's end, then 2- and 3-byte characters to the last one.
            let mut text = "a".repeat(piece - cut) + "😀";
            text += &"b".repeat(2 * piece - text.len());
            text += &"é€".repeat(piece / 5 + cut);
            let got = super::api::decode(text.as_bytes()).as_string().unwrap();
            assert!(got == text, "the text differs from its bytes (cut {cut})");
        }
    }
}

/// The SIMD `is_ascii` of the npm build against core's, in the browser (`make browser-test`
/// builds with `simd128`, as `make pkg` does).
#[cfg(all(test, target_arch = "wasm32"))]
mod simd_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn is_ascii_agrees_with_core() {
        for len in 0..70 {
            for at in 0..=len {
                for mark in [&[0x80u8][..], &[0xC3, 0xA9], &[0xFF]] {
                    let mut bytes = vec![b'x'; len];
                    if at < len {
                        bytes.splice(at..at, mark.iter().copied());
                    }
                    assert_eq!(super::is_ascii(&bytes), bytes.is_ascii(), "{bytes:?}");
                }
            }
        }
    }
}
