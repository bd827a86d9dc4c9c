//! A small validating JSON scanner: is this text JSON, and what are its top-level fields?
//! It exists so typed decoding needs no JSON tree and no large dependency in the wasm.
//!
//! The grammar is RFC 8259's. Everything accepted here is also accepted by the browser's
//! `JSON.parse` (lone surrogate escapes included, as ECMAScript allows them), so a `true`
//! from [`is_json`] is always safe to hand to `JSON.parse`. Nesting deeper than
//! [`MAX_DEPTH`] is rejected rather than risking the stack.

use crate::lines::sub;
use crate::prelude::*;
use core::ops::Range;

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 128;

/// The top-level members typed decoding looks at. Others are validated and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    Content,
    Error,
    Message,
    Status,
    Type,
}

const KEYS: usize = 5;

impl Key {
    fn of(name: &str) -> Option<Key> {
        Some(match name {
            "content" => Key::Content,
            "error" => Key::Error,
            "message" => Key::Message,
            "status" => Key::Status,
            "type" => Key::Type,
            _ => return None,
        })
    }
}

/// The top level of a JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TopLevel<'a> {
    /// An object: the raw value text of each [`Key`] it has (the last duplicate, as
    /// `JSON.parse` keeps it), and a bit per key whose value is a string without escapes.
    /// Fixed size, so decoding an event allocates nothing here.
    Object([Option<&'a str>; KEYS], u8),
    /// Any other JSON value (array, string, number, literal).
    Other,
}

impl<'a> TopLevel<'a> {
    /// The raw text of member `key`.
    pub(crate) fn get(&self, key: Key) -> Option<&'a str> {
        match self {
            TopLevel::Object(values, _) => values[key as usize],
            TopLevel::Other => None,
        }
    }

    /// The text of member `key`: a string unescaped, any other value as written.
    pub(crate) fn text(&self, key: Key) -> Option<Cow<'a, str>> {
        let raw = self.get(key)?;
        Some(match self {
            // Known to have no escapes: the text between the quotes, without a second scan.
            TopLevel::Object(_, plain) if plain & 1 << key as u8 != 0 => {
                Cow::Borrowed(sub(raw, 1..raw.len() - 1))
            }
            _ => text_of(raw),
        })
    }
}

/// The text of a raw JSON value: a string unescaped, any other value as written.
pub(crate) fn text_of(raw: &str) -> Cow<'_, str> {
    as_string(raw).unwrap_or(Cow::Borrowed(raw))
}

/// Whether `text` is one complete JSON value (surrounding whitespace allowed).
pub fn is_json(text: &str) -> bool {
    parse_top(text).is_some()
}

/// The text of `{"content":"text"}` when the data is exactly that, without whitespace:
/// the shape of nearly every token an agent streams. A slice of `text` when the string has
/// no escapes; with escapes (a newline in a token, one in ten of the benchmark's) it is
/// checked and unescaped into `scratch` in one pass, a buffer the caller keeps from event
/// to event (a new string for each cost an allocation and its free, and the pass three).
/// `known`: bytes of `text` already known to hold no `"`, `\\` or control character (a
/// large token's, seen by the scan for its line's end), which are not scanned again.
pub(crate) fn content<'a>(text: &'a str, known: Range<usize>, scratch: &'a mut String) -> Option<&'a str> {
    let inner = content_string(text)?;
    // `known` in `inner`.
    let known = known.start.saturating_sub(CONTENT_PREFIX.len())
        ..known.end.saturating_sub(CONTENT_PREFIX.len()).min(inner.len());
    let plain = plain_len_known(inner.as_bytes(), known);
    if plain == inner.len() {
        return Some(inner);
    }
    // A large escaped token's buffer is not kept for the small ones after it (a stream
    // with no escaped token after it keeps it, as far as the event limit).
    if scratch.capacity() > 1 << 16 {
        *scratch = String::new();
    }
    scratch.clear();
    scratch.reserve(inner.len());
    unescape_checked(inner, plain, scratch)?;
    Some(scratch)
}

/// The prefix of [`content`]'s shape: the content string starts this many bytes (and
/// UTF-16 units) into the data.
pub(crate) const CONTENT_PREFIX: &str = "{\"content\":\"";

/// The inside of the string of `{"content":"…"}` (not checked).
fn content_string(text: &str) -> Option<&str> {
    text.strip_prefix(CONTENT_PREFIX)?.strip_suffix("\"}")
}

/// [`content`] when the string has nothing to unescape (and is one valid JSON string):
/// the content, or `None`.
#[cfg_attr(not(any(test, all(target_arch = "wasm32", feature = "client"))), allow(dead_code))]
pub(crate) fn plain_content(text: &str) -> Option<&str> {
    let inner = content_string(text)?;
    (plain_len(inner.as_bytes()) == inner.len()).then_some(inner)
}

/// [`plain_len`] of `bytes`, of which `known` holds no byte it stops at: skipped. (One call
/// of the inlined scan: each is a few hundred bytes of wasm.)
fn plain_len_known(bytes: &[u8], known: Range<usize>) -> usize {
    let (stop, resume) =
        if known.is_empty() || known.end > bytes.len() { (bytes.len(), 0) } else { (known.start, known.end) };
    let (mut at, mut end) = (0, stop);
    loop {
        let found = at + plain_len(&bytes[at..end]);
        if found < end || end == bytes.len() {
            return found;
        }
        (at, end) = (resume, bytes.len());
    }
}

/// Appends the inside of a JSON string, `inner`, to `out` with its escapes resolved, where
/// `at` is its first quote, backslash or control character; `None` (with `out` partly
/// written) when it is not the inside of one JSON string, as [`Scanner::string`] would
/// find: a quote or a control character, or a bad escape.
fn unescape_checked(inner: &str, mut at: usize, out: &mut String) -> Option<()> {
    let bytes = inner.as_bytes();
    let hex = |from: usize| bytes.get(from..from + 4).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
    let mut plain_from = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            return None; // a quote inside the string, or a control character
        }
        out.push_str(sub(inner, plain_from..at));
        let (ch, used) = match *bytes.get(at + 1)? {
            // Four hex digits; a pair's second escape is checked before it is used.
            b'u' if hex(at + 2) => match decode_u_escape(sub(inner, at + 1..)) {
                (_, 11) if !hex(at + 8) => return None,
                decoded => decoded,
            },
            // The other escapes, by table.
            esc => (char::from(b"\"\\/\x08\x0c\n\r\t"[b"\"\\/bfnrt".iter().position(|&e| e == esc)?]), 1),
        };
        out.push(ch);
        at += 1 + used;
        plain_from = at;
        at += plain_len(&bytes[at..]);
    }
    out.push_str(sub(inner, plain_from..));
    Some(())
}

/// Validates `text` and returns its top level, or `None` when it is not JSON.
pub(crate) fn parse_top(text: &str) -> Option<TopLevel<'_>> {
    let mut s = Scanner { src: text, pos: 0, escaped: false };
    s.skip_ws();
    let top = if s.peek() == Some(b'{') {
        let (values, plain) = s.object_members()?;
        TopLevel::Object(values, plain)
    } else {
        s.value(0)?;
        TopLevel::Other
    };
    s.skip_ws();
    (s.pos == text.len()).then_some(top)
}

/// The raw values of the members `names` of the JSON object `text` (the last duplicate, as
/// `JSON.parse` keeps it), scanning it once. `None` when `text` is not one valid JSON object.
/// The provider protocols read nested fields with it (`choices` → `[0]` → `delta` → …); a
/// key written with escapes is compared unescaped.
pub(crate) fn fields<'a, const N: usize>(text: &'a str, names: [&str; N]) -> Option<[Option<&'a str>; N]> {
    let mut out = [None; N];
    fields_into(text, &names, &mut out).then_some(out)
}

/// [`fields`] for any number of names: one copy of the scan in the wasm, not one per N.
#[inline(never)]
fn fields_into<'a>(text: &'a str, names: &[&str], out: &mut [Option<&'a str>]) -> bool {
    let mut s = Scanner { src: text, pos: 0, escaped: false };
    s.skip_ws();
    let scanned = s.members(1, |key, escaped, value, _| {
        let key = if escaped { unescape(key) } else { Cow::Borrowed(key) };
        if let Some(at) = names.iter().position(|name| *name == key) {
            out[at] = Some(value);
        }
    });
    s.skip_ws();
    scanned.is_some() && s.pos == text.len()
}

/// A member to capture in one pass (see [`capture`]): its raw value goes to `out[slot]`,
/// and when it is an object (with `first`: an array whose first element is an object),
/// the members of `inner` are captured from it in the same pass.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path<'q> {
    pub(crate) key: &'q str,
    pub(crate) slot: usize,
    pub(crate) first: bool,
    pub(crate) inner: &'q [Path<'q>],
}

impl<'q> Path<'q> {
    /// A member whose value is only captured.
    pub(crate) const fn leaf(key: &'q str, slot: usize) -> Self {
        Path { key, slot, first: false, inner: &[] }
    }
}

/// The raw values of nested members of the JSON object `text`, validating it in one pass:
/// what [`fields`] would find level by level (`choices` → `[0]` → `delta` → `content`),
/// without scanning the inner values again at each level. False (with `out` unspecified)
/// when `text` is not one valid JSON object. Where a key repeats, the last one counts, as
/// in `JSON.parse`, inner members included.
pub(crate) fn capture<'a>(text: &'a str, paths: &[Path<'_>], out: &mut [Option<&'a str>]) -> bool {
    out.fill(None);
    let mut s = Scanner { src: text, pos: 0, escaped: false };
    s.skip_ws();
    let scanned = s.capture_object(1, paths, out);
    s.skip_ws();
    scanned.is_some() && s.pos == text.len()
}

/// [`capture`] with a memory of the last object's shape, for streams whose objects differ
/// only in their string values (a provider's chunks: the same ID, model and keys, another
/// token). It keeps the last object's text with the inside of every string value cut out.
/// A text that is those pieces, in order, with a valid JSON string inside in each cut, is
/// the same JSON as the last one but for string contents: it is valid, and every captured
/// member is where it was, shifted by the strings' new lengths, because what `capture`
/// looks at (keys, nesting, the other values) is in the pieces. So a match costs a
/// comparison of the pieces and a scan of the strings' insides instead of a full scan;
/// anything else is scanned in full, and its shape is kept for the next text.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// The pieces of the last object, one after another; piece `i` ends at `ends[i]`. Every
    /// piece but the last ends with the opening quote of a string value, and every piece
    /// but the first starts with the closing one.
    pieces: String,
    ends: Vec<u32>,
    /// Per captured slot, where its value starts and ends: (piece, offset in the piece).
    slots: Vec<Option<[(u32, u32); 2]>>,
    /// The text the shape was taken from, and where each piece starts in it.
    text: String,
    origin: Vec<u32>,
    /// Where each piece starts in the text at hand (reused between calls).
    starts: Vec<u32>,
    /// The address of the paths the shape was taken with: other paths start over.
    paths: usize,
    /// Texts scanned in full since the last match: after [`Shape::PATIENCE`] of them a
    /// shape is taken only now and then, so a stream whose objects never repeat a shape
    /// pays for the extra pass rarely.
    misses: u32,
}

impl Shape {
    const PATIENCE: u32 = 16;

    /// What [`capture`] returns for `text`, `paths` and `out`.
    pub(crate) fn capture<'a>(
        &mut self,
        text: &'a str,
        paths: &[Path<'_>],
        out: &mut [Option<&'a str>],
    ) -> bool {
        let same_paths = self.paths == paths.as_ptr() as usize && self.slots.len() == out.len();
        if same_paths && self.matches(text) {
            self.misses = 0;
            let starts = &self.starts;
            let at = |(piece, offset): (u32, u32)| (starts[piece as usize] + offset) as usize;
            for (value, place) in out.iter_mut().zip(&self.slots) {
                *value = place.map(|[from, to]| sub(text, at(from)..at(to)));
            }
            return true;
        }
        if !capture(text, paths, out) {
            return false;
        }
        self.misses = self.misses.saturating_add(1);
        if self.misses <= Self::PATIENCE || self.misses % Self::PATIENCE == 0 {
            self.learn(text, paths, out);
        }
        true
    }

    /// Whether `text` is the pieces with a valid string inside between each two; records
    /// where the pieces start in it. Up to where `text` first differs from the shape's own
    /// text, the two have the same pieces and strings: matching starts at the string where
    /// that is (in a provider's chunk, the token).
    fn matches(&mut self, text: &str) -> bool {
        let Shape { pieces, ends, starts, text: known, origin, .. } = self;
        let Some(last) = ends.len().checked_sub(1) else { return false };
        let bytes = text.as_bytes();
        let same = common_prefix(bytes, known.as_bytes());
        if same == bytes.len() && same == known.len() {
            starts.clone_from(origin);
            return true;
        }
        // The first string whose inside or closing quote is at or after the difference.
        let Some(first) = (0..last).find(|&i| origin[i + 1] as usize >= same) else { return false };
        // Just after its opening quote, the last byte of piece `first`.
        let mut at = (origin[first] + ends[first] - first.checked_sub(1).map_or(0, |i| ends[i])) as usize;
        if same < at {
            return false; // a piece differs
        }
        starts.clear();
        starts.extend_from_slice(&origin[..=first]);
        for i in first + 1..=last {
            // The string from its opening quote to its closing one, which piece `i` starts with.
            let mut s = Scanner { src: text, pos: at - 1, escaped: false };
            if s.string().is_none() {
                return false;
            }
            at = s.pos - 1;
            let piece = &pieces.as_bytes()[ends[i - 1] as usize..ends[i] as usize];
            if !bytes.get(at..).is_some_and(|rest| rest.starts_with(piece)) {
                return false;
            }
            starts.push(at as u32);
            at += piece.len();
        }
        at == bytes.len()
    }

    /// Takes the shape of `text`, a JSON object that `capture` read into `out`.
    fn learn(&mut self, text: &str, paths: &[Path<'_>], out: &[Option<&str>]) {
        self.pieces.clear();
        self.ends.clear();
        self.slots.clear();
        self.starts.clear();
        self.paths = paths.as_ptr() as usize;
        let bytes = text.as_bytes();
        let mut s = Scanner { src: text, pos: 0, escaped: false };
        let mut piece = 0;
        self.starts.push(0);
        // Outside strings a quote only starts one; the text is valid JSON.
        while let Some(quote) = bytes.get(s.pos..).and_then(|rest| rest.iter().position(|&b| b == b'"')) {
            s.pos += quote;
            let inside = s.pos + 1;
            if s.string().is_none() {
                return self.forget();
            }
            let close = s.pos - 1;
            let next = bytes[s.pos..].iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
            if next != Some(&b':') {
                self.pieces.push_str(sub(text, piece..inside));
                self.ends.push(self.pieces.len() as u32);
                self.starts.push(close as u32);
                piece = close;
            }
        }
        self.pieces.push_str(sub(text, piece..));
        self.ends.push(self.pieces.len() as u32);
        self.text.clear();
        self.text.push_str(text);
        self.origin.clone_from(&self.starts);
        let (starts, ends) = (&self.starts, &self.ends);
        // A value's ends are in pieces: it starts at its first byte (a quote opening a
        // string value is the end of a piece) and ends after its last (a closing quote
        // starts one).
        let place = |at: usize| {
            let piece = starts.iter().rposition(|&start| start as usize <= at)?;
            let len = ends[piece] - piece.checked_sub(1).map_or(0, |before| ends[before]);
            let offset = (at - starts[piece] as usize) as u32;
            (offset < len || piece == ends.len() - 1 && offset == len).then_some((piece as u32, offset))
        };
        for value in out {
            let slot = match value {
                None => None,
                Some(value) => {
                    let from = value.as_ptr() as usize - text.as_ptr() as usize;
                    match (place(from), place(from + value.len())) {
                        (Some(from), Some(to)) => Some([from, to]),
                        _ => return self.forget(),
                    }
                }
            };
            self.slots.push(slot);
        }
    }

    /// No shape: the next text is scanned in full.
    fn forget(&mut self) {
        self.ends.clear();
        self.slots.clear();
    }
}

/// How many leading bytes `a` and `b` have in common; eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let mut at = 0;
    while at + 8 <= n {
        let differ = word(a, at) ^ word(b, at);
        if differ != 0 {
            return at + (differ.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + a[at..n].iter().zip(&b[at..n]).take_while(|(x, y)| x == y).count()
}

/// Forgets what `paths` captured (a repeated key starts over).
fn clear(paths: &[Path<'_>], out: &mut [Option<&str>]) {
    for path in paths {
        out[path.slot] = None;
        clear(path.inner, out);
    }
}

/// Calls `each` with the raw text of every element of the JSON array `text`, in order.
/// `None` (after the elements before the fault) when `text` is not one valid JSON array.
#[inline(never)]
pub(crate) fn elements<'a>(text: &'a str, each: &mut dyn FnMut(&'a str)) -> Option<()> {
    let mut s = Scanner { src: text, pos: 0, escaped: false };
    s.skip_ws();
    s.eat(b'[')?;
    s.skip_ws();
    if s.eat(b']').is_none() {
        loop {
            s.skip_ws();
            let start = s.pos;
            s.value(1)?;
            each(sub(text, start..s.pos));
            s.skip_ws();
            if s.eat(b']').is_some() {
                break;
            }
            s.eat(b',')?;
        }
    }
    s.skip_ws();
    (s.pos == text.len()).then_some(())
}

/// The raw text of the first element of the JSON array `text`.
pub(crate) fn first(text: &str) -> Option<&str> {
    let mut found = None;
    let _ = elements(text, &mut |element| {
        found.get_or_insert(element);
    });
    found
}

/// A non-negative integer JSON number (a token count).
pub(crate) fn as_count(raw: &str) -> Option<u64> {
    if raw.is_empty() {
        return None;
    }
    raw.bytes().try_fold(0u64, |n, b| match b {
        b'0'..=b'9' => n.checked_mul(10)?.checked_add(u64::from(b - b'0')),
        _ => None,
    })
}

/// If `raw` is the text of a JSON string value, its contents with escapes resolved.
/// Lone surrogate escapes become U+FFFD, as a Rust string cannot hold them.
pub(crate) fn as_string(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    Some(unescape(inner))
}

/// Resolves the escapes in the inside of a string that the scanner already validated.
fn unescape(inner: &str) -> Cow<'_, str> {
    let plain = plain_len(inner.as_bytes());
    if plain == inner.len() {
        return Cow::Borrowed(inner);
    }
    // (It checks again what the scanner checked: one copy of the escape rules.)
    let mut out = String::with_capacity(inner.len());
    unescape_checked(inner, plain, &mut out);
    Cow::Owned(out)
}

/// How many leading bytes are neither `"`, `\\` nor a control character: the stretch of a
/// string that needs no attention. Sixteen bytes at a time with WebAssembly SIMD (the npm
/// build enables `simd128`: Chrome 91, Firefox 89, Safari 16.4 and later).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn plain_len(bytes: &[u8]) -> usize {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_lt, u8x16_splat, v128_load, v128_or};
    let (quote, backslash, space) = (u8x16_splat(b'"'), u8x16_splat(b'\\'), u8x16_splat(0x20));
    let mut at = 0;
    while at + 16 <= bytes.len() {
        // SAFETY: the 16 bytes at `at` are within `bytes` (checked above); `v128_load` takes
        // any alignment.
        let v = unsafe { v128_load(bytes.as_ptr().add(at).cast()) };
        let special = v128_or(v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)), u8x16_lt(v, space));
        let mask = u8x16_bitmask(special);
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += 16;
    }
    at + plain_tail_len(&bytes[at..])
}

/// How many leading bytes are neither `"`, `\\` nor a control character: the stretch of a
/// string that needs no attention. Eight bytes at a time; the strings of token streams are
/// short, but a byte loop with three tests per byte was the scanner's largest cost.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte below `n` (n <= 0x80); exact for the lowest such byte.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS;
    let special = |x: u64| {
        below(x ^ (ONES * u64::from(b'"')), 1) | below(x ^ (ONES * u64::from(b'\\')), 1) | below(x, 0x20)
    };
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let found = special(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + plain_tail_len(words.remainder())
}

/// [`plain_len`] byte by byte: for the tails of the scans here and in the line splitter's
/// held-line scan (src/lines.rs), one definition of the bytes a JSON string holds as they
/// are.
pub(crate) fn plain_tail_len(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(bytes.len())
}

/// Decodes `uXXXX` (and a following `\uXXXX` low surrogate) at the start of `esc`.
fn decode_u_escape(esc: &str) -> (char, usize) {
    // The first four hex digits were checked by the caller; a pair's second four are
    // checked by `unescape_checked` after this call (a bad digit reads as 0 here).
    let hex =
        |s: &str| s.bytes().skip(1).take(4).fold(0, |n, b| n << 4 | (b as char).to_digit(16).unwrap_or(0));
    let first = hex(esc);
    if (0xD800..0xDC00).contains(&first) && esc.len() >= 11 && sub(esc, 5..).starts_with("\\u") {
        let second = hex(sub(esc, 6..));
        if (0xDC00..0xE000).contains(&second) {
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return (char::from_u32(code).unwrap_or('\u{FFFD}'), 11);
        }
    }
    (char::from_u32(first).unwrap_or('\u{FFFD}'), 5)
}

struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    /// The last string scanned had an escape.
    escaped: bool,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(drop),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        sub(self.src, self.pos..).starts_with(word).then(|| self.pos += word.len())
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        if self.eat(b'0').is_none() && self.digits() == 0 {
            return None;
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Scans a string and returns its inside (between the quotes), escapes unresolved.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let bytes = self.src.as_bytes();
        self.escaped = false;
        loop {
            self.pos += plain_len(&bytes[self.pos..]);
            match *bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(sub(self.src, start..self.pos - 1));
                }
                b'\\' => {
                    self.escaped = true;
                    self.pos += 1;
                    match *bytes.get(self.pos)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'u' => {
                            let hex = bytes.get(self.pos + 1..self.pos + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.pos += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a control character
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        // An array with nothing to capture: the same scan.
        self.capture_first(depth, &[], &mut [])
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.members(depth, |_, _, _, _| {})
    }

    /// The values of the [`Key`]s, and a bit per key whose value is a string without escapes.
    fn object_members(&mut self) -> Option<([Option<&'a str>; KEYS], u8)> {
        let mut out = [None; KEYS];
        let mut plain = 0;
        self.members(1, |key, escaped, value, value_plain| {
            // Keys are compared unescaped, but only a key with a backslash needs the work.
            let key = if escaped { Key::of(&unescape(key)) } else { Key::of(key) };
            if let Some(key) = key {
                out[key as usize] = Some(value);
                let bit = 1 << key as u8;
                plain = if value_plain { plain | bit } else { plain & !bit };
            }
        })?;
        Some((out, plain))
    }

    /// An object (at nesting `depth`), capturing the members of `paths` (see [`capture`]).
    fn capture_object(
        &mut self,
        depth: usize,
        paths: &[Path<'_>],
        out: &mut [Option<&'a str>],
    ) -> Option<()> {
        self.each_member(depth, |s, key, escaped| {
            let key = if escaped { unescape(key) } else { Cow::Borrowed(key) };
            let start = s.pos;
            // Length and first byte before the bytes: most keys are not wanted.
            let path = paths.iter().find(|path| {
                path.key.len() == key.len()
                    && path.key.as_bytes().first() == key.as_bytes().first()
                    && path.key == key
            });
            if let Some(path) = path.filter(|path| out[path.slot].is_some()) {
                clear(path.inner, out); // a repeated key: only the last one counts
            }
            match (path, s.peek()) {
                (Some(path), Some(b'{')) if !path.inner.is_empty() && !path.first => {
                    s.capture_object(depth + 1, path.inner, out)?
                }
                (Some(path), Some(b'[')) if path.first => s.capture_first(depth + 1, path.inner, out)?,
                _ => s.value(depth)?,
            }
            if let Some(path) = path {
                out[path.slot] = Some(sub(s.src, start..s.pos));
            }
            Some(())
        })
    }

    /// An array (at nesting `depth`) whose first element, when an object, has `paths`
    /// captured; the other elements are only validated.
    fn capture_first(&mut self, depth: usize, paths: &[Path<'_>], out: &mut [Option<&'a str>]) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.skip_ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        let mut first = true;
        loop {
            self.skip_ws();
            if first && self.peek() == Some(b'{') {
                self.capture_object(depth + 1, paths, out)?;
            } else {
                self.value(depth)?;
            }
            first = false;
            self.skip_ws();
            if self.eat(b']').is_some() {
                return Some(());
            }
            self.eat(b',')?;
        }
    }

    /// Scans `{ "key": value, … }`, calling `on_member` with each raw key, whether the key
    /// has escapes, the value's text, and whether the value is a string without escapes.
    fn members(
        &mut self,
        depth: usize,
        mut on_member: impl FnMut(&'a str, bool, &'a str, bool),
    ) -> Option<()> {
        self.each_member(depth, |s, key, escaped| {
            let start = s.pos;
            s.value(depth)?;
            // `escaped` is the last string's: the value's own, when the value is a string.
            let value = sub(s.src, start..s.pos);
            on_member(key, escaped, value, value.starts_with('"') && !s.escaped);
            Some(())
        })
    }

    /// The frame of an object at nesting `depth`: for each member, its raw key and whether
    /// the key has escapes go to `member`, which scans the value (the scanner is at it).
    fn each_member(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self, &'a str, bool) -> Option<()>,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{')?;
        self.skip_ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.skip_ws();
            let key = self.string()?;
            let escaped = self.escaped;
            self.skip_ws();
            self.eat(b':')?;
            self.skip_ws();
            member(self, key, escaped)?;
            self.skip_ws();
            if self.eat(b'}').is_some() {
                return Some(());
            }
            self.eat(b',')?;
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn plain_content_is_taken_only_for_the_exact_shape() {
        let cases = [
            r#"{"content":"hello"}"#,
            r#"{"content":""}"#,
            r#"{"":""}"#,
            r#"{"other":"x"}"#,
            r#"{"content":"a\"b"}"#,
            r#"{"content":"a\\"}"#,
            r#"{"content":"a"}x"#,
            r#"{"content":"a"} "#,
            r#"{"content":"a" }"#,
            r#"{"content":"a"}}"#,
            r#"{"content":"a","content":"b"}"#,
            r#"{"content":"a\u00e9"}"#,
            r#"{"con"tent":"a"}"#,
            "{\"content\":\"a\u{1}\"}",
            "{\"content\":\"tab\there\"}",
            r#"{"content":"é€😀"}"#,
            r#"{"content"}"#,
            r#"{"content":""#,
            r#"{""#,
        ];
        // One scratch buffer for all, as a decoder keeps it.
        let mut scratch = String::new();
        let taken: Vec<String> = cases
            .into_iter()
            .filter_map(|text| content(text, 0..0, &mut scratch).map(str::to_owned))
            .collect();
        assert_eq!(taken, ["hello", "", "a\"b", "a\\", "aé", "é€😀"]);
        let plain = content(cases[0], 0..0, &mut scratch).unwrap();
        assert!(core::ptr::eq(plain.as_ptr(), cases[0][12..].as_ptr()), "no escapes: a slice of the data");
        assert_eq!(content(cases[4], 0..0, &mut scratch), Some("a\"b"));
        assert_eq!(scratch, "a\"b", "escapes: unescaped into the scratch buffer");
        for text in cases {
            if let Some(content) = content(text, 0..0, &mut scratch) {
                assert_eq!(parse_top(text).and_then(|top| top.text(Key::Content)).as_deref(), Some(content));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn content_is_the_scanners_content(value in "[a-z \"\\\\\u{0}-\u{1f}é😀]{0,12}|([a-z]|\\\\[\"\\\\/bfnrtux]|\\\\u[0-9a-fA-FgG]{4}|\\\\ud83d\\\\ude00|\\\\ud83d\\\\ud[c-g][0-9g]{2})*", tail in "(\"\\}|\"\\} |\" \\}|\"\\}\\}|\")", from in 0usize..64) {
            let text = format!("{{\"content\":\"{value}{tail}");
            let scanned = parse_top(&text).and_then(|top| top.text(Key::Content));
            // A buffer that holds an earlier content, as a decoder's does.
            let mut scratch = String::from("earlier");
            let got = content(&text, 0..0, &mut scratch).map(str::to_owned);
            match &got {
                Some(content) => proptest::prop_assert_eq!(scanned.as_deref(), Some(content.as_str()), "{}", text),
                // Only the exact shape with a valid string is taken.
                None => proptest::prop_assert!(tail != "\"}" || scanned.is_none(), "{}", text),
            }
            // Bytes known to need no scan (as a held line's scan finds them: from any place
            // up to the next quote, backslash or control character) give the same content.
            let bytes = text.as_bytes();
            let from = from % (bytes.len() + 1);
            let to = from + bytes[from..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(bytes.len() - from);
            proptest::prop_assert_eq!(content(&text, from..to, &mut scratch).map(str::to_owned), got, "{} known {}..{}", text, from, to);
        }
    }

    #[test]
    fn plain_len_agrees_with_a_byte_scan() {
        let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
        for len in 0..34 {
            for at in 0..=len {
                for mark in [b'"', b'\\', 0x00, 0x1F, b'\n'] {
                    // Neighbours of the special bytes (and UTF-8 bytes) around one mark.
                    let mut bytes: Vec<u8> =
                        (0..len).map(|k| [b'!', b'#', b'[', b']', b' ', 0x80, 0xE2, 0x7F][k % 8]).collect();
                    if at < len {
                        bytes[at] = mark;
                    }
                    let want = bytes.iter().position(|&b| special(b)).unwrap_or(len);
                    assert_eq!(plain_len(&bytes), want, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn accepts_and_rejects_like_serde_json() {
        let cases = [
            "{}",
            "[]",
            "0",
            "-0",
            "1.5e+3",
            "\"a\\u00e9\\n\"",
            " {\"a\" : [1, {\"b\": null}]} ",
            "true",
            "false",
            "null",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "'a'",
            "\"\t\"",
            "\"\\x\"",
            "\"\\u12\"",
            "",
            "   ",
            "[1] 2",
            "nul",
            "{\"a\"}",
            "\"\\ud83d\\ude00\"",
            "[[[]]]",
            "1 ",
            "{\"a\":1}}",
            "\"abc",
            "tru",
            "[1 2]",
            "-01",
        ];
        for text in cases {
            let ours = is_json(text);
            let serde = serde_json::from_str::<serde_json::Value>(text).is_ok();
            assert_eq!(ours, serde, "{text:?}");
        }
    }

    #[test]
    fn lone_surrogates_are_json_like_in_json_parse() {
        assert!(is_json("\"\\ud800\""));
        assert_eq!(as_string("\"a\\ud800b\"").unwrap(), "a\u{FFFD}b");
    }

    #[test]
    fn depth_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(is_json(&ok));
        assert!(!is_json(&deep));
        let deep_in_object = format!("{{\"a\":{}}}", deep);
        assert!(!is_json(&deep_in_object));
    }

    #[test]
    fn top_level_fields_last_duplicate_wins() {
        let top = parse_top(r#"{"content":"a","n":[1,2],"content":"b\"c","typ\u0065":1,"status":{"a":[]}}"#)
            .unwrap();
        assert_eq!(top.get(Key::Content), Some(r#""b\"c""#));
        assert_eq!(as_string(top.get(Key::Content).unwrap()).unwrap(), "b\"c");
        assert_eq!(top.get(Key::Status), Some(r#"{"a":[]}"#));
        assert_eq!(top.get(Key::Type), Some("1"), "keys are compared unescaped");
        assert_eq!(top.get(Key::Message), None);
        assert_eq!(top.get(Key::Error), None);
        assert_eq!(parse_top("[1]"), Some(TopLevel::Other));
    }

    #[test]
    fn unescape_all_escapes() {
        let raw = r#""\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00""#;
        let expected: String = serde_json::from_str(raw).unwrap();
        assert_eq!(as_string(raw).unwrap(), expected);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn arb_json() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i64>().prop_map(|n| serde_json::json!(n)),
                (-1e9f64..1e9).prop_map(|f| serde_json::json!(f)),
                ".*".prop_map(serde_json::Value::String),
            ];
            leaf.prop_recursive(4, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                    prop::collection::btree_map(".*", inner, 0..6)
                        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn serialized_values_are_json_and_strings_round_trip(v in arb_json(), s in ".*") {
                let text = serde_json::to_string(&v).unwrap();
                prop_assert!(is_json(&text));
                let pretty = serde_json::to_string_pretty(&v).unwrap();
                prop_assert!(is_json(&pretty));
                let quoted = serde_json::to_string(&s).unwrap();
                prop_assert_eq!(as_string(&quoted).unwrap(), s);
            }

            #[test]
            fn agrees_with_serde_json_on_arbitrary_text(text in "[\\[\\]{}\",:0-9.eE+\\-a-z\\\\ ]{0,24}") {
                // serde_json is stricter than JSON.parse (and us) on two points only:
                // lone surrogate escapes and numbers beyond f64. Leave those out.
                let serde = serde_json::from_str::<serde_json::Value>(&text);
                prop_assume!(!text.contains("\\u"));
                prop_assume!(!matches!(&serde, Err(e) if e.to_string().contains("out of range")));
                prop_assert_eq!(is_json(&text), serde.is_ok(), "{:?}", text);
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod capture_tests {
    use super::*;
    use proptest::prelude::*;

    const PATHS: &[Path<'static>] = &[
        Path {
            key: "choices",
            slot: 0,
            first: true,
            inner: &[
                Path {
                    key: "delta",
                    slot: 1,
                    first: false,
                    inner: &[Path::leaf("content", 2), Path::leaf("x", 3)],
                },
                Path::leaf("finish_reason", 4),
            ],
        },
        Path::leaf("usage", 5),
    ];

    /// What `fields`, level by level, finds for PATHS; `None` when the text is not an object.
    fn level_by_level(text: &str) -> Option<[Option<&str>; 6]> {
        let [choices, usage] = fields(text, ["choices", "usage"])?;
        let choice = choices.filter(|c| c.starts_with('[')).and_then(first).filter(|c| c.starts_with('{'));
        let [delta, finish] = choice.and_then(|c| fields(c, ["delta", "finish_reason"])).unwrap_or_default();
        let [content, x] = delta.and_then(|d| fields(d, ["content", "x"])).unwrap_or_default();
        Some([choices, delta, content, x, finish, usage])
    }

    fn captured(text: &str) -> Option<[Option<&str>; 6]> {
        let mut out = [None; 6];
        capture(text, PATHS, &mut out).then_some(out)
    }

    #[test]
    fn capture_finds_what_fields_finds_level_by_level() {
        let texts = [
            r#"{"choices":[{"index":0,"delta":{"content":"Hi","x":1},"finish_reason":null}],"usage":null}"#,
            r#"{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}"#,
            r#"{"choices":[],"usage":{"n":1}}"#,
            r#"{"choices":[1,{"delta":{}}]}"#,
            r#"{"choices":{"delta":{"content":"not an array"}}}"#,
            r#"{"choices":[{"delta":"text"}]}"#,
            r#"{"choices":[{"delta":{"content":"first"}}],"choices":[{"finish_reason":"stop"}]}"#,
            r#"{"choices":[{"delta":{"content":"a","content":"b"}}]}"#,
            r#" { "choices" : [ { "delta" : { "content" : "sp" } } ] } "#,
            r#"{"ch\u006fices":[{"delta":{"content":"escaped key"}}]}"#,
            r#"{"choices":[{"delta":{"content":"a"}}]"#,
            r#"{"choices":[{"delta":{"content":"a"}}]}x"#,
            r#"[{"choices":[]}]"#,
            r#""text""#,
            "",
        ];
        for text in texts {
            assert_eq!(captured(text), level_by_level(text), "{text}");
        }
        assert_eq!(captured(texts[6]).unwrap()[2], None, "a repeated key drops what the first one had");
    }

    fn arb_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            (0u32..100).prop_map(serde_json::Value::from),
            "[a-z\"\\\\é ]{0,6}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            let key = prop_oneof![
                Just("choices".to_owned()),
                Just("delta".to_owned()),
                Just("content".to_owned()),
                Just("x".to_owned()),
                Just("finish_reason".to_owned()),
                Just("usage".to_owned()),
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::vec((key, inner), 0..5)
                    .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// `text` read through `shape`, checked against [`captured`]; whether it was a match.
    fn through_shape<'a>(shape: &mut Shape, text: &'a str) -> (Option<[Option<&'a str>; 6]>, bool) {
        let mut out = [None; 6];
        let found = shape.capture(text, PATHS, &mut out).then_some(out);
        assert_eq!(found, captured(text), "{text}");
        (found, found.is_some() && shape.misses == 0)
    }

    #[test]
    fn a_shape_reads_texts_that_differ_in_string_values_by_comparison() {
        let mut shape = Shape::default();
        let first = r#"{"id":"a1","choices":[{"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}"#;
        assert!(!through_shape(&mut shape, first).1, "the first text is scanned in full");
        // Matches: other string values (escapes, quotes, multi-byte, empty), same rest.
        for text in [
            r#"{"id":"a1","choices":[{"delta":{"content":" there"},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"b22","choices":[{"delta":{"content":"say \"hi\"\n\u00e9"},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"","choices":[{"delta":{"content":"é€😀"},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"a1","choices":[{"delta":{"content":""},"finish_reason":null}],"usage":null}"#,
        ] {
            let (found, matched) = through_shape(&mut shape, text);
            assert!(matched, "{text}");
            assert_eq!(found.unwrap()[2].map(|c| c.len() >= 2), Some(true));
        }
        // Not matches, each scanned in full (and right): another value, key, space or
        // structure; a string that runs into the next piece; invalid texts.
        for text in [
            r#"{"id":"a1","choices":[{"delta":{"content":"x"},"finish_reason":"stop"}],"usage":null}"#,
            r#"{"id":"a1","choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":{"n":1}}"#,
            r#"{"id":"a1","choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":null} "#,
            r#"{"id":"a1","choices":[{"delta":{"content":"x","x":"y"},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"a1","choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":null}}"#,
            r#"{"id":"a1","choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":nul}"#,
            r#"{"id":"a1","choices":[{"delta":{"content":"x\q"},"finish_reason":null}],"usage":null}"#,
            "{\"id\":\"a1\",\"choices\":[{\"delta\":{\"content\":\"x\u{1}\"},\"finish_reason\":null}],\"usage\":null}",
            r#"{"id":"a1","choices":[{"delta":{"content":"x"#,
            r#"{"id":"a1","x":"","choices":[{"delta":{"content":"x"},"finish_reason":null}],"usage":null}"#,
        ] {
            through_shape(&mut shape, first);
            assert!(!through_shape(&mut shape, text).1, "{text}");
        }
    }

    /// `value` with each string (not key) replaced by one of `pool`, chosen by `seed`.
    fn restring(value: &serde_json::Value, pool: &[String], seed: &mut usize) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(_) => {
                *seed = seed.wrapping_mul(31).wrapping_add(7);
                Value::String(pool[*seed % pool.len()].clone())
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| restring(v, pool, seed)).collect()),
            Value::Object(members) => {
                Value::Object(members.iter().map(|(k, v)| (k.clone(), restring(v, pool, seed))).collect())
            }
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn a_shape_captures_what_capture_does(
            value in arb_value(),
            pool in prop::collection::vec("[a-z\"\\\\é😀\u{0}-\u{1f} ]{0,6}", 1..4),
            steps in prop::collection::vec((0usize..1000, 0usize..4), 1..8),
        ) {
            let mut shape = Shape::default();
            for (seed, how) in steps {
                let mut seed = seed;
                let text = restring(&value, &pool, &mut seed).to_string();
                let text = match how {
                    0 => text,                  // string values replaced
                    1 => value.to_string(),     // the original
                    2 => format!(" {text}"),    // another first piece
                    _ => {
                        // Not JSON: the first half (at a character boundary).
                        let cut = (0..=text.len() / 2).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                        text[..cut].to_owned()
                    }
                };
                through_shape(&mut shape, &text);
            }
            // A text with strings replaced, after its own shape was taken, matches.
            let text = restring(&value, &pool, &mut 3).to_string();
            if value.is_object() {
                through_shape(&mut shape, &value.to_string());
                prop_assert!(through_shape(&mut shape, &text).1, "{}", text);
            }
        }
    }

    proptest! {
        #[test]
        fn capture_is_fields_level_by_level_for_any_json(value in arb_value(), cut in 0usize..200) {
            let text = value.to_string();
            prop_assert_eq!(captured(&text), level_by_level(&text), "{}", text);
            // And on text that is not JSON: a prefix.
            let cut = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let prefix = &text[..cut];
            prop_assert_eq!(captured(prefix), level_by_level(prefix), "{}", prefix);
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod capture_speed {
    /// Not a check but a timing aid (`#[ignore]`d): `cargo test --release --lib capture_speed
    /// -- --ignored --nocapture` prints the time per OpenAI chunk read with `capture`.
    #[test]
    #[ignore]
    fn capture_speed() {
        let chunk = r#"{"id":"chatcmpl-B9x7kQe2VwRt5LmN0pZs3YcH","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":" jumps overxyz"},"logprobs":null,"finish_reason":null}]}"#;
        let paths = crate::protocol::OPENAI_CHUNK;
        let mut out = [None; 9];
        let start = std::time::Instant::now();
        let n = 2_000_000;
        let mut found = 0;
        for _ in 0..n {
            found += usize::from(super::capture(std::hint::black_box(chunk), paths, &mut out));
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
        println!("capture: {ns:.1} ns per chunk, {:.0} MB/s", chunk.len() as f64 / ns * 1e3);
        assert_eq!(found, n as usize);
        // Through a shape, the chunk alternating with one that differs in its content.
        let other = chunk.replace(" jumps overxyz", "the");
        let mut shape = super::Shape::default();
        let start = std::time::Instant::now();
        let mut found = 0;
        for i in 0..n {
            let text = if i % 2 == 0 { chunk } else { other.as_str() };
            found += usize::from(shape.capture(std::hint::black_box(text), paths, &mut out));
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(n);
        println!("Shape::capture: {ns:.1} ns per chunk");
        assert_eq!(found, n as usize);
    }
}

/// The SIMD `plain_len` of the npm build against a byte scan, in the browser (`make
/// browser-test` builds with `simd128`, as `make pkg` does).
#[cfg(all(test, target_arch = "wasm32"))]
mod simd_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn plain_len_agrees_with_a_byte_scan() {
        let special = [b'"', b'\\', 0x00, 0x1f, b'\n'];
        let plain = [b'a', b' ', 0x7f, 0x80, 0xff, 0x20];
        for len in 0..40 {
            for at in 0..=len {
                for &s in &special {
                    for &p in &plain {
                        let mut bytes = vec![p; len];
                        if at < len {
                            bytes[at] = s;
                        }
                        let want =
                            bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(len);
                        assert_eq!(super::plain_len(&bytes), want, "{bytes:?}");
                    }
                }
            }
        }
    }
}
