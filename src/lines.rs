//! Splits a byte stream into lines across chunk boundaries, with a bound on buffered bytes.
//! Shared by the SSE and NDJSON parsers; it knows neither format.
//!
//! Lines are split on bytes before any decoding: CR and LF never occur inside a UTF-8
//! sequence, so a character cut across two chunks is reassembled with its line.

use crate::prelude::*;
use core::mem::MaybeUninit;

/// Which bytes end a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnds {
    /// CRLF, LF or CR, as in the event-stream grammar.
    Any,
    /// LF only (a CR before it stays in the line), as in newline-delimited JSON.
    Lf,
}

/// A complete line, without its line end (and without a leading BOM on the first line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub(crate) bytes: &'a [u8],
    /// The same line as text, when the splitter already knows it is valid UTF-8: a line
    /// that lies inside the valid prefix of one chunk, checked once per chunk rather than
    /// once per line (per-line checks were the parser's largest single cost).
    pub(crate) text: Option<&'a str>,
    /// The line is all of a buffer the splitter assembled across chunks, which the caller
    /// may take instead of copying it (see [`LineSplitter::take_line`]).
    pub(crate) held: bool,
    /// Bytes of the line known to hold no `"`, `\\` or control character (the scan for a
    /// held line's end saw to it, from its second piece on): a JSON string there needs no
    /// scan of its own. Empty when nothing is known.
    pub(crate) plain: core::ops::Range<usize>,
}

impl<'a> Line<'a> {
    /// A line whose bytes have not been checked.
    pub(crate) fn unchecked(bytes: &'a [u8]) -> Self {
        Self { bytes, text: None, held: false, plain: 0..0 }
    }

    /// The line from byte `at` on as text, invalid UTF-8 replaced by U+FFFD.
    pub(crate) fn text_from(&self, at: usize) -> Cow<'a, str> {
        match self.text.and_then(|text| text.get(at..)) {
            Some(text) => Cow::Borrowed(text),
            None => utf8_lossy(&self.bytes[at..]),
        }
    }
}

/// `&s[range]` without the panic for a bound inside a character: that panic's message
/// formats the character, which links core's Unicode tables (~3 KB) into the wasm.
/// Callers pass bounds next to ASCII delimiters, so a bad range is a bug: it fails debug
/// builds (tests, fuzzing) and gives `""` in release.
pub(crate) fn sub<R: core::slice::SliceIndex<str, Output = str>>(s: &str, range: R) -> &str {
    match s.get(range) {
        Some(part) => part,
        None => {
            debug_assert!(false, "a str range outside the string or inside a character");
            ""
        }
    }
}

/// `out.push_str(add)`, for the short strings of each event (a token's data, its ID): in
/// wasm, a copy of unknown length is a `memory.copy`, which cost V8 about 5 ns a call
/// whatever the length (Chromium 156: 5.5 ns for 20 bytes, where a byte loop took 7.4),
/// and an event made several. Up to 32 bytes are copied as overlapping words instead.
/// Returns whether `add` is ASCII, read from the same words (the batch's UTF-16 offsets
/// took a second pass over each string for it).
/// (Called, not inlined: a call costs little beside `memory.copy`, and each inlined copy
/// was 350 bytes of wasm.)
#[inline(never)]
pub(crate) fn push_short(out: &mut String, add: &str) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = add.len();
    if n > 32 {
        out.push_str(add);
        return ascii_len(add.as_bytes()) == n;
    }
    out.reserve(n);
    // SAFETY: `reserve` made room for `n` more bytes after `out`'s end. Every read is within
    // `add` and every write within those `n` bytes: each word starts at or after 0 and ends
    // at or before `n` (the pairs overlap for lengths between their sizes). `add` is a
    // whole string, so `out` stays valid UTF-8. `out` and `add` cannot overlap (one is
    // borrowed mutably).
    unsafe {
        let bytes = out.as_mut_vec();
        let (src, dst) = (add.as_ptr(), bytes.as_mut_ptr().add(bytes.len()));
        let copy8 = |at: usize| {
            let word = src.add(at).cast::<u64>().read_unaligned();
            dst.add(at).cast::<u64>().write_unaligned(word);
            word
        };
        let copy4 = |at: usize| {
            let word = src.add(at).cast::<u32>().read_unaligned();
            dst.add(at).cast::<u32>().write_unaligned(word);
            u64::from(word)
        };
        let copy1 = |at: usize| {
            let byte = *src.add(at);
            *dst.add(at) = byte;
            u64::from(byte)
        };
        // Every byte of `add` is in at least one word: their high bits together.
        let high = match n {
            16.. => copy8(0) | copy8(8) | copy8(n - 16) | copy8(n - 8),
            8.. => copy8(0) | copy8(n - 8),
            4.. => copy4(0) | copy4(n - 4),
            1.. => copy1(0) | copy1(n / 2) | copy1(n - 1),
            0 => 0,
        };
        bytes.set_len(bytes.len() + n);
        high & HIGH == 0
    }
}

/// The valid UTF-8 prefix of a chunk from byte `at` of the chunk on: empty once `at` is
/// past the prefix (that part of the chunk takes the checked path). Inside the prefix `at`
/// is a line start, so a character boundary.
pub(crate) fn valid_from(valid: &str, at: usize) -> &str {
    valid.get(at..).unwrap_or_default()
}

/// What the splitter hands to its caller.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// A complete line.
    Line(Line<'a>),
    /// A line longer than the limit. Reported once, as soon as it is known; the rest of the
    /// line is discarded and splitting resumes after its line end.
    TooLong,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How long a held line must be before [`LineSplitter::receive`] continues it in place.
// (`receive` and its helpers serve the session, which the browser client has: lib.rs.)
#[cfg_attr(not(all(target_arch = "wasm32", feature = "client")), allow(dead_code))]
pub(crate) const IN_PLACE: usize = 16 << 10;

/// The `len` bytes after `buffer`'s end, filled by `fill` (without zeroing them first) but
/// not yet part of it: the caller sets the length.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "client")), allow(dead_code))]
fn fill_spare(
    buffer: &mut Vec<u8>,
    len: usize,
    fill: impl FnOnce(&mut [MaybeUninit<u8>]) -> &mut [u8],
) -> &mut [u8] {
    buffer.reserve(len);
    let room = &mut buffer.spare_capacity_mut()[..len];
    let start = room.as_ptr().cast::<u8>();
    let bytes = fill(room);
    // What makes the callers' `set_len` sound: `fill` initialised all of the room.
    assert!(core::ptr::eq(bytes.as_ptr(), start) && bytes.len() == len);
    bytes
}

/// Scans `bytes`, which continue a held line of `held` bytes, for the line's end
/// ([`find_eol_ascii`]): returns it and whether the bytes before it are ASCII. Until it is
/// known, looks in the same pass for the line's first byte a JSON string cannot hold as it
/// is, and records it in `plain_to` (a line end is such a byte). For `feed_line` and
/// `receive` alike.
fn scan_held(
    ends: LineEnds,
    plain_to: &mut Option<usize>,
    bytes: &[u8],
    held: usize,
) -> (Option<usize>, bool) {
    let (end, ascii, plain) = find_eol_ascii(bytes, ends == LineEnds::Any, plain_to.is_none());
    if plain_to.is_none() && plain < bytes.len() {
        *plain_to = Some(held + plain);
    }
    (end, ascii)
}

/// Incremental line splitter. Work is linear in the bytes fed: each byte is scanned once
/// and a partial line is appended to, never rescanned.
#[derive(Debug)]
pub(crate) struct LineSplitter {
    ends: LineEnds,
    max_line: usize,
    /// Bytes of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The last line assembled in `partial`, once complete, until the next call: a caller
    /// may take it ([`take_line`](Self::take_line)). Then the larger of the two buffers is
    /// kept for the next line and the other freed, so one buffer is held, as before.
    assembled: Vec<u8>,
    /// Each piece of `partial` was valid UTF-8 on its own (the first one checked with its
    /// chunk, the later ones ASCII, seen by the scan for the line end), so `partial` is:
    /// the line needs no check of its own when it ends.
    partial_valid: bool,
    /// Where `partial`'s bytes after its first piece start, and the first byte among them
    /// that a JSON string cannot hold as it is, once seen ([`Line::plain`]).
    plain_from: usize,
    plain_to: Option<usize>,
    /// The previous chunk ended in CR: an LF at the start of the next one belongs to it.
    after_cr: bool,
    /// No line has been completed yet, so a BOM at the front of the next line is the
    /// stream's leading BOM.
    at_stream_start: bool,
    /// Discarding the remainder of a line that went over the limit.
    discarding: bool,
}

impl LineSplitter {
    pub(crate) fn new(ends: LineEnds, max_line: usize) -> Self {
        Self {
            ends,
            max_line,
            partial: Vec::new(),
            assembled: Vec::new(),
            partial_valid: false,
            plain_from: 0,
            plain_to: None,
            after_cr: false,
            at_stream_start: true,
            discarding: false,
        }
    }

    /// Forget any partial line and start a new stream (a BOM is stripped again).
    pub(crate) fn reset(&mut self) {
        self.partial.clear();
        self.assembled = Vec::new();
        self.after_cr = false;
        self.at_stream_start = true;
        self.discarding = false;
    }

    /// Bytes currently held for an incomplete line.
    pub(crate) fn buffered(&self) -> usize {
        self.partial.len()
    }

    /// Splits `chunk`, calling `on_piece` for every complete line and every over-long one.
    pub(crate) fn feed(&mut self, chunk: &[u8], mut on_piece: impl FnMut(Piece<'_>)) {
        let mut checked = Checked::new(self, chunk);
        let mut pos = 0;
        while pos < chunk.len() {
            pos += self.feed_line(&chunk[pos..], checked.valid_from(pos), &mut on_piece);
        }
    }

    /// Whether the next chunk starts in the middle of a line: one held from earlier chunks,
    /// or one being discarded over the limit (see [`Checked`]).
    pub(crate) fn is_mid_line(&self) -> bool {
        !self.partial.is_empty() || self.discarding
    }

    /// Whether nothing is held between lines: no partial line, no CR waiting for its LF, not
    /// discarding, and past the first line (whose BOM is stripped). A caller may then take
    /// the next lines straight from its chunk.
    pub(crate) fn is_clean(&self) -> bool {
        self.partial.is_empty() && !self.after_cr && !self.at_stream_start && !self.discarding
    }

    /// Splits off at most one line from the front of `chunk` (not empty), or holds all of it
    /// as the start of a line. Returns the bytes used. `valid` is the valid UTF-8 prefix of
    /// `chunk`: a line inside it needs no other check.
    pub(crate) fn feed_line(
        &mut self,
        mut chunk: &[u8],
        mut valid: &str,
        on_piece: &mut impl FnMut(Piece<'_>),
    ) -> usize {
        if self.assembled.capacity() != 0 {
            self.release_assembled();
        }
        let mut used = 0;
        if core::mem::replace(&mut self.after_cr, false) && chunk[0] == b'\n' {
            chunk = &chunk[1..];
            valid = valid_from(valid, 1);
            used = 1;
        }
        // A chunk that continues a held line (a large event's data) is not in any checked
        // prefix: the scan for its line end also tells whether the bytes before it are ASCII.
        let (end, ascii) = if self.partial.is_empty() {
            (self.find_line_end(chunk), false)
        } else {
            scan_held(self.ends, &mut self.plain_to, chunk, self.partial.len())
        };
        let Some(at) = end else {
            let valid_piece = ascii || valid.len() == chunk.len();
            self.hold_partial(chunk, valid_piece, on_piece);
            return used + chunk.len();
        };
        // Line ends are ASCII, so `at` is a character boundary of `valid` when inside it.
        self.complete_line(&chunk[..at], valid.get(..at), ascii, on_piece);
        used += at + 1;
        if chunk[at] == b'\r' {
            match chunk.get(at + 1) {
                Some(b'\n') => used += 1,
                Some(_) => {}
                // CR at the end of the chunk: bare CR, or the first half of a CRLF.
                None => self.after_cr = true,
            }
        }
        used
    }

    /// Takes the next chunk of the body, `len` bytes that `fill` copies into the room it is
    /// given and returns as initialised (`Uint8Array::copy_to_uninit` in the browser).
    /// Returns whether `chunk` now holds bytes to [`feed`](Self::feed): all of them, or,
    /// when they continue a long held line (a large event's data), only those from the
    /// line's end on. The bytes before it are written straight after the held line and held
    /// as `feed` would hold them, which saves copying each chunk of a large payload twice
    /// (into `chunk`, then onto the line). A line is long when it holds at least
    /// [`IN_PLACE`] bytes and a chunk's worth: shorter ones (a token stream's partial line)
    /// end early in the next chunk, whose rest would then be copied again.
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "client")), allow(dead_code))]
    pub(crate) fn receive(
        &mut self,
        len: usize,
        chunk: &mut Vec<u8>,
        fill: impl FnOnce(&mut [MaybeUninit<u8>]) -> &mut [u8],
    ) -> bool {
        chunk.clear();
        let held = self.partial.len();
        // (After a CR, or when discarding, nothing is held: the first test covers both.)
        if held < IN_PLACE.max(len) || held + len > self.max_line {
            fill_spare(chunk, len, fill);
            // SAFETY: `fill_spare` initialised the `len` bytes after the empty chunk's start.
            unsafe { chunk.set_len(len) };
            return true;
        }
        if self.assembled.capacity() != 0 {
            self.release_assembled();
        }
        let bytes = fill_spare(&mut self.partial, len, fill);
        let (end, ascii) = scan_held(self.ends, &mut self.plain_to, bytes, held);
        let kept = end.unwrap_or(len);
        self.partial_valid &= ascii;
        chunk.extend_from_slice(&bytes[kept..]);
        // SAFETY: `fill_spare` initialised the `len` bytes after the held line, of which these
        // `kept` are its next bytes.
        unsafe { self.partial.set_len(held + kept) };
        end.is_some()
    }

    /// Ends the stream and returns the bytes of an unterminated last line, if any.
    pub(crate) fn finish(&mut self) -> Option<Vec<u8>> {
        let discarding = self.discarding;
        let mut rest = core::mem::take(&mut self.partial);
        let first_line = self.at_stream_start;
        self.reset();
        if discarding || rest.is_empty() {
            return None;
        }
        if first_line && rest.starts_with(BOM) {
            rest.drain(..BOM.len());
        }
        Some(rest)
    }

    fn find_line_end(&self, bytes: &[u8]) -> Option<usize> {
        match self.ends {
            LineEnds::Any => find_eol(bytes, true),
            LineEnds::Lf => find_eol(bytes, false),
        }
    }

    /// `text` is `head` as text when it is known to be valid UTF-8; `ascii`: `head` is ASCII
    /// (known only for a head that ends a held line).
    fn complete_line(
        &mut self,
        head: &[u8],
        text: Option<&str>,
        ascii: bool,
        on_piece: &mut impl FnMut(Piece<'_>),
    ) {
        let first_line = core::mem::replace(&mut self.at_stream_start, false);
        if core::mem::replace(&mut self.discarding, false) {
            return; // TooLong was already reported for this line.
        }
        // The limit is checked on the whole line's length so that the outcome does not
        // depend on where the chunks happened to be cut.
        if self.partial.len() + head.len() > self.max_line {
            self.partial.clear();
            on_piece(Piece::TooLong);
            return;
        }
        let mut line = if self.partial.is_empty() {
            Line { bytes: head, text, held: false, plain: 0..0 }
        } else {
            // Room for a data line's LF after it, once taken as the data buffer.
            self.partial.reserve(head.len() + 1);
            self.partial.extend_from_slice(head);
            // The line moves to `assembled`, where the caller may take it; `partial` gets
            // the previous line's buffer back.
            core::mem::swap(&mut self.partial, &mut self.assembled);
            self.partial.clear();
            let text = (self.partial_valid && ascii).then(|| {
                // SAFETY: every piece of the line but `head` was valid UTF-8 on its own
                // (`partial_valid`), and `head` is ASCII; valid UTF-8 strings joined are
                // valid UTF-8.
                unsafe { core::str::from_utf8_unchecked(&self.assembled) }
            });
            // (A line end is such a byte: the scan that found it set `plain_to`.)
            let plain = self.plain_from..self.plain_to.unwrap_or(self.plain_from);
            Line { bytes: &self.assembled, text, held: true, plain }
        };
        // "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any."
        if first_line {
            if let Some(rest) = line.bytes.strip_prefix(BOM) {
                let text = line.text.and_then(|t| t.strip_prefix('\u{FEFF}'));
                line = Line { bytes: rest, text, held: false, plain: 0..0 };
            }
        }
        on_piece(Piece::Line(line));
        self.partial.clear();
    }

    /// The last line assembled across chunks (a piece with `held`), in place of copying it:
    /// a large event's data line becomes the data buffer. `spare` (an empty buffer) may be
    /// kept for the next line. The line has room for one more byte (a data line's LF).
    pub(crate) fn take_line(&mut self, spare: Vec<u8>) -> Vec<u8> {
        core::mem::replace(&mut self.assembled, spare)
    }

    /// The assembled line was not taken (or a spare was left): keep the larger buffer for
    /// the next line (when none is being held), free the other.
    #[cold]
    fn release_assembled(&mut self) {
        let mut other = core::mem::take(&mut self.assembled);
        if self.partial.is_empty() && other.capacity() > self.partial.capacity() {
            other.clear();
            core::mem::swap(&mut self.partial, &mut other);
        }
    }

    /// Holds `rest`, the front of a line; `valid`: `rest` is valid UTF-8 on its own.
    fn hold_partial(&mut self, rest: &[u8], valid: bool, on_piece: &mut impl FnMut(Piece<'_>)) {
        if rest.is_empty() || self.discarding {
            return;
        }
        if self.partial.len() + rest.len() > self.max_line {
            // Report now instead of buffering up to the line end: the line may never end.
            self.partial = Vec::new();
            self.discarding = true;
            on_piece(Piece::TooLong);
            return;
        }
        if self.partial.is_empty() {
            self.partial_valid = valid;
            self.plain_from = rest.len();
            self.plain_to = None;
        } else {
            self.partial_valid &= valid;
        }
        self.partial.extend_from_slice(rest);
    }
}

/// The valid UTF-8 prefix of a chunk, for [`LineSplitter::feed`] and the SSE parser: from
/// the chunk's start, or, when the chunk starts in the middle of a line (held from earlier
/// chunks, or being discarded over the limit), from that line's end on. The front that
/// continues such a line is not checked here: a held line is checked whole when it ends
/// (unless the scans for its end found it ASCII), a discarded one never, so a chunk in the
/// middle of a long line (a large event's data) is scanned for its line end only, not for
/// UTF-8 twice.
pub(crate) struct Checked<'a> {
    chunk: &'a [u8],
    /// Where `valid` starts in the chunk; `None` until the line the chunk continues ends.
    start: Option<usize>,
    valid: &'a str,
}

impl<'a> Checked<'a> {
    pub(crate) fn new(lines: &LineSplitter, chunk: &'a [u8]) -> Self {
        // (Mid-line means no CR is waiting for its LF: a CR ends the line it follows.)
        if lines.is_mid_line() {
            Self { chunk, start: None, valid: "" }
        } else {
            Self { chunk, start: Some(0), valid: valid_prefix(chunk) }
        }
    }

    /// The valid prefix of `chunk[pos..]`, as [`valid_from`]. `pos` 0 of a chunk that
    /// continues a line gets `""` (that line is not checked here); the next `pos` is past
    /// that line's end (the splitter's first piece of this chunk was it), and the rest of
    /// the chunk is checked then.
    pub(crate) fn valid_from(&mut self, pos: usize) -> &'a str {
        let start = match self.start {
            Some(start) => start,
            None if pos == 0 => return "",
            None => {
                self.valid = valid_prefix(&self.chunk[pos..]);
                self.start = Some(pos);
                pos
            }
        };
        valid_from(self.valid, pos - start)
    }
}

/// The longest prefix of `bytes` that is valid UTF-8, checked once per chunk: lines inside it
/// need no check of their own (per-line checks were the parser's largest single cost).
pub(crate) fn valid_prefix(bytes: &[u8]) -> &str {
    // The ASCII start (all of most chunks) sixteen bytes at a time; core's validator takes
    // four at a time in wasm32.
    let ascii = ascii_len(bytes);
    let valid = match core::str::from_utf8(&bytes[ascii..]) {
        Ok(_) => bytes.len(),
        Err(err) => ascii + err.valid_up_to(),
    };
    // SAFETY: `bytes[..ascii]` is ASCII and `bytes[ascii..valid]` was just validated; an
    // ASCII byte ends any character before it, so the two together are valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(&bytes[..valid]) }
}

/// How many leading bytes are ASCII, sixteen at a time with WebAssembly SIMD.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn ascii_len(bytes: &[u8]) -> usize {
    use core::arch::wasm32::{u8x16_bitmask, v128_load};
    let mut at = 0;
    while at + 16 <= bytes.len() {
        // SAFETY: the 16 bytes at `at` are within `bytes` (checked above); `v128_load` takes
        // any alignment.
        let high = u8x16_bitmask(unsafe { v128_load(bytes.as_ptr().add(at).cast()) });
        if high != 0 {
            return at + high.trailing_zeros() as usize;
        }
        at += 16;
    }
    at + bytes[at..].iter().position(|&b| !b.is_ascii()).unwrap_or(bytes.len() - at)
}

/// How many leading bytes are ASCII (core's word-at-a-time check first).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn ascii_len(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes.iter().position(|&b| !b.is_ascii()).unwrap_or(bytes.len())
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD as the spec's decoder does. Valid
/// input (nearly all of it) takes the fast check of [`valid_prefix`];
/// `String::from_utf8_lossy` walks it chunk by chunk, which cost a tenth of the parser's
/// time.
pub(crate) fn utf8_lossy(bytes: &[u8]) -> Cow<'_, str> {
    match valid_prefix(bytes) {
        text if text.len() == bytes.len() => Cow::Borrowed(text),
        _ => String::from_utf8_lossy(bytes),
    }
}

/// The first LF (or CR too, with `cr`) in `bytes`, sixteen bytes at a time with WebAssembly
/// SIMD (the npm build enables `simd128`).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn find_eol(bytes: &[u8], cr: bool) -> Option<usize> {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128_load, v128_or};
    let (lf, cr_byte) = (u8x16_splat(b'\n'), u8x16_splat(if cr { b'\r' } else { b'\n' }));
    let mut at = 0;
    while at + 16 <= bytes.len() {
        // SAFETY: the 16 bytes at `at` are within `bytes` (checked above); `v128_load` takes
        // any alignment.
        let v = unsafe { v128_load(bytes.as_ptr().add(at).cast()) };
        let mask = u8x16_bitmask(v128_or(u8x16_eq(v, lf), u8x16_eq(v, cr_byte)));
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    bytes[at..].iter().position(|&b| b == b'\n' || (cr && b == b'\r')).map(|i| at + i)
}

/// The first LF (or CR too, with `cr`) in `bytes`, eight bytes at a time: lines of agent
/// streams are short, and a byte-by-byte loop was the parser's largest cost in wasm.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn find_eol(bytes: &[u8], cr: bool) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A high bit set in each byte of `word` that equals `byte` (exact for the lowest match,
    // which is the only one used).
    let matches = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let mut found = matches(word, b'\n');
        if cr {
            found |= matches(word, b'\r');
        }
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = words.remainder();
    rest.iter().position(|&b| b == b'\n' || (cr && b == b'\r')).map(|i| at + i)
}

/// [`find_eol`], and whether the bytes before the line end (all of `bytes` when there is
/// none) are ASCII, in the same pass: for a chunk that continues a held line. With `json`,
/// also where the first byte a JSON string cannot hold as it is (`"`, `\\` or a control
/// character, so at the latest the line end) is, `bytes.len()` when there is none; 0
/// without `json`. A large token's content is a held line: this pass over it, while it is
/// in cache, spares the decoder its own pass over the whole content (see [`Line::plain`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn find_eol_ascii(bytes: &[u8], cr: bool, json: bool) -> (Option<usize>, bool, usize) {
    use core::arch::wasm32::{
        u8x16_bitmask, u8x16_eq, u8x16_lt, u8x16_splat, v128, v128_any_true, v128_load, v128_or, v128_xor,
    };
    let (lf, cr_byte) = (u8x16_splat(b'\n'), u8x16_splat(if cr { b'\r' } else { b'\n' }));
    // SAFETY: the 16 bytes at `at` are within `bytes` (checked by the loops); `v128_load`
    // takes any alignment.
    let load = |at: usize| -> v128 { unsafe { v128_load(bytes.as_ptr().add(at).cast()) } };
    let mut high = u8x16_splat(0);
    let mut at = 0;
    let mut plain = 0;
    if json {
        // A control character or `"`: flipping bit 1 maps `"` (0x22) to 0x20 and the
        // control characters onto themselves, so one comparison finds both.
        let (two, below, backslash) = (u8x16_splat(0x02), u8x16_splat(0x21), u8x16_splat(b'\\'));
        let special = |v: v128| v128_or(u8x16_lt(v128_xor(v, two), below), u8x16_eq(v, backslash));
        // Up to the block with the first such byte (a line end is one), which the line end
        // scan below reads again. (One loop for both, the special bytes looked for under a
        // flag, ran at a fifth of the speed in V8.) A large payload's chunks (this scan's
        // reason to be) have none for most of their length: past the first two blocks
        // (where a short line's end is found), four blocks a step with one test, until a
        // step has one, which the steps of one block then find. (Four blocks a step in
        // every scan cost the short lines of token streams 5–20 %; docs/performance.md,
        // session 16.)
        plain = loop {
            if at + 16 > bytes.len() {
                break at + crate::json::plain_tail_len(&bytes[at..]);
            }
            let v = load(at);
            let found = u8x16_bitmask(special(v));
            if found != 0 {
                break at + found.trailing_zeros() as usize;
            }
            high = v128_or(high, v);
            at += 16;
            if at == 32 {
                while at + 64 <= bytes.len() {
                    let (a, b, c, d) = (load(at), load(at + 16), load(at + 32), load(at + 48));
                    let found = v128_or(v128_or(special(a), special(b)), v128_or(special(c), special(d)));
                    if v128_any_true(found) {
                        break;
                    }
                    high = v128_or(high, v128_or(v128_or(a, b), v128_or(c, d)));
                    at += 64;
                }
            }
        };
    }
    while at + 16 <= bytes.len() {
        let v = load(at);
        let mask = u8x16_bitmask(v128_or(u8x16_eq(v, lf), u8x16_eq(v, cr_byte)));
        if mask != 0 {
            let end = mask.trailing_zeros();
            // The high bits of the bytes of this block before the line end.
            let before = u8x16_bitmask(v) & ((1u16 << end) - 1);
            return (Some(at + end as usize), u8x16_bitmask(high) == 0 && before == 0, plain);
        }
        high = v128_or(high, v);
        at += 16;
    }
    let end = bytes[at..].iter().position(|&b| b == b'\n' || (cr && b == b'\r')).map(|i| at + i);
    let ascii = u8x16_bitmask(high) == 0 && bytes[at..end.unwrap_or(bytes.len())].is_ascii();
    (end, ascii, plain)
}

/// [`find_eol`], whether the bytes before the line end (all of `bytes` when there is
/// none) are ASCII and, with `json`, where the first byte a JSON string cannot hold as it
/// is lies (as the SIMD build's).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn find_eol_ascii(bytes: &[u8], cr: bool, json: bool) -> (Option<usize>, bool, usize) {
    let end = find_eol(bytes, cr);
    let plain = if json { crate::json::plain_tail_len(bytes) } else { 0 };
    (end, bytes[..end.unwrap_or(bytes.len())].is_ascii(), plain)
}

/// A line of 70 bytes cut into two or three pieces anywhere, with a special byte of each
/// kind at every place (or none): `plain` starts where the second piece does and ends at
/// the first special byte from there, or at the line's end; it holds none. Natively and in
/// wasm (the SIMD scan).
#[cfg(test)]
fn check_held_lines_plain() {
    let is_special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
    let len = 70;
    for at in 0..=len {
        for special in [b'"', b'\\', 0x01] {
            let mut line = vec![b'x'; len];
            if at < len {
                line[at] = special;
            }
            let stream = [&line[..], b"\n"].concat();
            for first in 1..len {
                for second in [first, (first + len) / 2] {
                    let mut s = LineSplitter::new(LineEnds::Any, 1 << 10);
                    s.feed(b"\n", |_| {}); // past the first line (its BOM check)
                    let mut got = None;
                    for piece in [&stream[..first], &stream[first..second], &stream[second..]] {
                        s.feed(piece, |p| {
                            if let Piece::Line(l) = p {
                                got = Some((l.bytes.to_vec(), l.plain.clone()));
                            }
                        });
                    }
                    let (bytes, plain) = got.expect("the line");
                    assert_eq!(bytes, line);
                    let end =
                        first + line[first..].iter().position(|&b| is_special(b)).unwrap_or(len - first);
                    assert_eq!(plain, first..end, "special {special} at {at}, cut at {first} and {second}");
                }
            }
        }
    }
}

/// `bytes` written into `room` (as long), which is returned as initialised: the `fill` of
/// [`LineSplitter::receive`] in tests.
#[cfg(test)]
pub(crate) fn write_into<'a>(room: &'a mut [MaybeUninit<u8>], bytes: &[u8]) -> &'a mut [u8] {
    assert_eq!(room.len(), bytes.len());
    for (to, &byte) in room.iter_mut().zip(bytes) {
        to.write(byte);
    }
    // SAFETY: every byte of `room` was just written.
    unsafe { &mut *(core::ptr::from_mut(room) as *mut [u8]) }
}

/// Streams with lines longer than [`IN_PLACE`] (a special byte, a character cut between
/// chunks, an invalid byte, each kind of line end, a leading BOM, a line just within and
/// just over the limit, an unterminated last line), cut into chunks of several sizes
/// (chunks ending at and just after a long line's end among them):
/// [`LineSplitter::receive`] and then `feed` gives the same lines (bytes, text, `held`,
/// `plain`), over-long reports and last line as `feed` alone. Natively and in wasm (the
/// SIMD scan).
#[cfg(test)]
fn check_receive_agrees_with_feed() {
    #[derive(Debug, PartialEq)]
    enum Got {
        Line(Vec<u8>, Option<String>, bool, core::ops::Range<usize>),
        TooLong,
    }
    fn record(out: &mut Vec<Got>) -> impl FnMut(Piece<'_>) + '_ {
        move |piece| match piece {
            Piece::Line(l) => {
                out.push(Got::Line(l.bytes.to_vec(), l.text.map(str::to_owned), l.held, l.plain))
            }
            Piece::TooLong => out.push(Got::TooLong),
        }
    }
    let long = |len: usize, mark: &[u8], at: usize| {
        let mut line = vec![b'a'; len];
        line.splice(at..at + mark.len(), mark.iter().copied());
        line
    };
    let n = 3 * IN_PLACE + 100;
    for (ends, end) in
        [(LineEnds::Any, &b"\n"[..]), (LineEnds::Any, b"\r\n"), (LineEnds::Any, b"\r"), (LineEnds::Lf, b"\n")]
    {
        for (mark, at) in [
            (&b"a"[..], 0),
            (b"\"", 10),
            (b"\\", 2 * IN_PLACE + 7),
            (b"\x01", n - 1),
            ("é".as_bytes(), 2 * IN_PLACE - 1),
            (b"\xFF", 2 * IN_PLACE + 1),
        ] {
            let line = long(n, mark, at);
            // Each stream with where its first long line's end is: a chunk that ends there, and
            // one that ends after its first byte (a CR that an LF may follow), go in place.
            let first =
                [&b"data: x"[..], end, &line, end, b"short", end, &line[..IN_PLACE + 3], end, &line, b"tail"];
            let bom = [BOM, &line, end, &line];
            for (stream, eol) in [(first.concat(), 7 + end.len() + n), (bom.concat(), BOM.len() + n)] {
                let mut cuts: Vec<Vec<&[u8]>> = Vec::new();
                for size in [1000, IN_PLACE + 1, 20000] {
                    for shift in [0, 1, eol % size, (eol + 1) % size] {
                        cuts.push(
                            core::iter::once(&stream[..shift]).chain(stream[shift..].chunks(size)).collect(),
                        );
                    }
                }
                // Sizes that go up and down, so that a chunk longer than the held line takes
                // the path of copies again.
                let (mut mixed, mut at) = (Vec::new(), 0);
                for size in [700, 20000, 3000, 45000].into_iter().cycle() {
                    if at == stream.len() {
                        break;
                    }
                    let to = (at + size).min(stream.len());
                    mixed.push(&stream[at..to]);
                    at = to;
                }
                cuts.push(mixed);
                for max in [1 << 20, 2 * IN_PLACE, n, n - 1] {
                    for (k, pieces) in cuts.iter().enumerate() {
                        let (mut want, mut got) = (Vec::new(), Vec::new());
                        let mut plain = LineSplitter::new(ends, max);
                        let mut split = LineSplitter::new(ends, max);
                        let mut chunk = Vec::new();
                        for piece in pieces {
                            plain.feed(piece, record(&mut want));
                            if split.receive(piece.len(), &mut chunk, |room| write_into(room, piece)) {
                                split.feed(&chunk, record(&mut got));
                            }
                        }
                        assert_eq!(
                            got, want,
                            "{ends:?} {end:?} mark {mark:?} at {at}, max {max}, chunking {k}"
                        );
                        assert_eq!(split.finish(), plain.finish());
                    }
                }
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "inside a character")]
    fn a_bad_str_range_is_loud() {
        // It returned "" silently, while the fast path relied on that for ranges past the
        // valid prefix (those now go through `valid_from`).
        let _ = sub("é", 1..);
    }

    #[test]
    fn push_short_appends_as_push_str_does() {
        let source: String = ('a'..='z').chain('A'..='Z').collect::<String>() + "é—😀";
        for before in 0..12 {
            for from in [0, 1, 3] {
                for to in from..source.len() {
                    let Some(add) = source.get(from..to) else { continue };
                    let mut got = "x".repeat(before);
                    got.shrink_to_fit(); // the push must grow it
                    let ascii = push_short(&mut got, add);
                    assert_eq!(got, "x".repeat(before) + add, "{before} + {add:?}");
                    assert_eq!(ascii, add.is_ascii(), "{add:?}");
                }
            }
        }
    }

    #[test]
    fn valid_from_is_empty_past_the_prefix() {
        assert_eq!(valid_from("ab", 1), "b");
        assert_eq!(valid_from("ab", 2), "");
        assert_eq!(valid_from("ab", 7), "");
    }

    fn split(ends: LineEnds, max: usize, chunks: &[&[u8]]) -> (Vec<String>, Option<Vec<u8>>) {
        let mut s = LineSplitter::new(ends, max);
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, |p| match p {
                Piece::Line(l) => {
                    // A line said to be text must be exactly its bytes.
                    if let Some(text) = l.text {
                        assert_eq!(text.as_bytes(), l.bytes);
                    }
                    out.push(l.text_from(0).into_owned())
                }
                Piece::TooLong => out.push("<too long>".into()),
            });
        }
        (out, s.finish())
    }

    #[test]
    fn receive_agrees_with_feed() {
        super::check_receive_agrees_with_feed();
    }

    #[test]
    fn a_held_lines_plain_bytes_run_from_its_second_piece_to_its_first_json_special() {
        super::check_held_lines_plain();
    }

    #[test]
    fn a_held_line_is_text_without_a_second_check_only_when_each_piece_was_valid() {
        // (chunks, whether the completed line comes with its text, the line as text)
        let e = "é".as_bytes();
        let cases: &[(&[&[u8]], bool, &str)] = &[
            (&[b"data: ab", b"cd", b"ef\n"], true, "data: abcdef"),
            // A valid first piece with a two-byte character, ASCII after it.
            (&[b"data: \xC3\xA9", b"cd\n"], true, "data: écd"),
            // A character cut between chunks: checked whole at the end, and valid.
            (&[b"data: \xC3", b"\xA9cd\n"], false, "data: écd"),
            (&[b"data: ", e, b"\n"], false, "data: é"),
            (&[b"data: ab", b"c", e], false, ""),
            // Invalid bytes in a later piece: replaced, as the spec's decoder does.
            (&[b"data: ab", b"c\xFFd\n"], false, "data: abc\u{FFFD}d"),
            (&[b"data: a\xFF", b"bc\n"], false, "data: a\u{FFFD}bc"),
            // A line end in the middle of the block that follows sixteen ASCII bytes.
            (&[b"x", b"0123456789abcdefghij\nrest"], true, "x0123456789abcdefghij"),
            (&[b"x", b"0123456789abcdef\xC3\xA9j\nrest"], false, "x0123456789abcdef\u{e9}j"),
        ];
        for &(chunks, text, want) in cases {
            let mut s = LineSplitter::new(LineEnds::Any, 1 << 10);
            s.feed(b"\n", |_| {}); // past the first line (its BOM check)
            let mut got = Vec::new();
            for c in chunks {
                s.feed(c, |p| {
                    let Piece::Line(l) = p else { panic!("{p:?}") };
                    if let Some(t) = l.text {
                        assert_eq!(t.as_bytes(), l.bytes);
                    }
                    // Every line here was assembled across chunks: the caller may take it.
                    assert!(l.held, "{chunks:?}");
                    got.push((l.text.is_some(), l.text_from(0).into_owned()));
                });
            }
            let want: Vec<(bool, String)> = if want.is_empty() { vec![] } else { vec![(text, want.into())] };
            assert_eq!(got, want, "{chunks:?}");
            // (Taken before the next call: bytes after the line end in its chunk release it.)
            if let ([(_, line)], Some(b'\n')) = (&want[..], chunks.last().and_then(|c| c.last())) {
                // Taken, the buffer is the line's bytes, with room for one more.
                let taken = s.take_line(Vec::new());
                assert_eq!(String::from_utf8_lossy(&taken), *line);
                assert!(taken.capacity() > taken.len());
            }
        }
    }

    #[test]
    fn lf_lines_assembled_across_chunks_keep_their_cr_and_one_buffer() {
        // NDJSON: a CR stays in the line; a line assembled from ASCII pieces comes with its
        // text unchecked; the buffer not taken is released at the next call.
        let mut s = LineSplitter::new(LineEnds::Lf, 1 << 10);
        let mut got = Vec::new();
        for c in [&b"{\"a\":"[..], b"1}\r", b"\n{\"b\":2}\n", b"{\"c\"", b":3}\n"] {
            s.feed(c, |p| {
                let Piece::Line(l) = p else { panic!("{p:?}") };
                got.push((l.held, l.text.is_some(), l.text_from(0).into_owned()));
            });
        }
        let want = [(true, true, "{\"a\":1}\r"), (false, true, "{\"b\":2}"), (true, true, "{\"c\":3}")];
        assert_eq!(got, want.map(|(h, t, l)| (h, t, l.to_owned())));
        assert_eq!(s.buffered(), 0);
        s.feed(b"x", |_| {});
        assert!(s.assembled.capacity() == 0, "the untaken line's buffer was released");
    }

    #[test]
    fn find_eol_agrees_with_a_byte_scan() {
        // Every position of one or two line ends among all byte values, in 0..40-byte inputs.
        // Fillers: high bytes only, or with controls near the line ends (tab, NUL, 0x0B, ...).
        fn high(k: usize) -> u8 {
            (k * 37 + 11) as u8 | 0x80
        }
        fn mixed(k: usize) -> u8 {
            [high(k), 0x09, 0x00, 0x0B, 0x0C, 0x0E, 0x0F][k % 7]
        }
        for (len, filler) in (0..40).flat_map(|len| [(len, high as fn(usize) -> u8), (len, mixed)]) {
            for i in 0..=len {
                for j in i..=len {
                    let mut bytes: Vec<u8> = (0..len).map(filler).collect();
                    for (at, b) in [(i, b'\r'), (j, b'\n')] {
                        if at < len {
                            bytes[at] = b;
                        }
                    }
                    for cr in [true, false] {
                        let want = bytes.iter().position(|&b| b == b'\n' || (cr && b == b'\r'));
                        assert_eq!(find_eol(&bytes, cr), want, "{bytes:?} cr={cr}");
                    }
                }
            }
        }
        // Bytes next to 0x0A/0x0D, and 0x00, must not match.
        let near: Vec<u8> = [0x00, 0x09, 0x0B, 0x0C, 0x0E, 0x8A, 0x8D, 0xFF].repeat(3);
        assert_eq!(find_eol(&near, true), None);
    }

    #[test]
    fn lines_are_text_only_inside_the_valid_prefix_of_their_chunk() {
        let mut s = LineSplitter::new(LineEnds::Any, 100);
        let mut got = Vec::new();
        // "é" cut after its first byte at the end; an invalid byte in the third line.
        s.feed(b"\xEF\xBB\xBFa\xE2\x82\xAC\nb\r\nc\xFFd\ne\n\xC3", |p| {
            if let Piece::Line(l) = p {
                got.push((l.text.is_some(), l.text_from(0).into_owned()));
            }
        });
        s.feed(b"\xA9\n", |p| {
            if let Piece::Line(l) = p {
                got.push((l.text.is_some(), l.text_from(0).into_owned()));
            }
        });
        let want = [(true, "a€"), (true, "b"), (false, "c\u{FFFD}d"), (false, "e"), (false, "é")];
        let want: Vec<(bool, String)> = want.iter().map(|(t, s)| (*t, (*s).to_owned())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn cr_at_chunk_end_then_lf_is_one_line_end() {
        let (lines, _) = split(LineEnds::Any, 100, &[b"a\r", b"\nb\n"]);
        assert_eq!(lines, ["a", "b"]);
    }

    #[test]
    fn bare_cr_at_chunk_end_followed_by_text() {
        let (lines, _) = split(LineEnds::Any, 100, &[b"a\r", b"", b"b\r\r"]);
        assert_eq!(lines, ["a", "b", ""]);
    }

    #[test]
    fn lf_mode_keeps_cr_in_line() {
        let (lines, _) = split(LineEnds::Lf, 100, &[b"a\r\nb\rc\n"]);
        assert_eq!(lines, ["a\r", "b\rc"]);
    }

    #[test]
    fn bom_split_across_chunks_is_stripped_once() {
        let (lines, _) = split(LineEnds::Any, 100, &[b"\xEF", b"\xBB", b"\xBFa\n\xEF\xBB\xBFb\n"]);
        assert_eq!(lines, ["a", "\u{FEFF}b"]);
    }

    #[test]
    fn too_long_reported_once_whatever_the_chunking() {
        let whole: &[u8] = b"ok\n0123456789\nnext\n";
        let (lines, _) = split(LineEnds::Any, 5, &[whole]);
        assert_eq!(lines, ["ok", "<too long>", "next"]);
        for cut in 0..whole.len() {
            let (a, b) = whole.split_at(cut);
            assert_eq!(split(LineEnds::Any, 5, &[a, b]).0, lines, "cut at {cut}");
        }
    }

    #[test]
    fn finish_returns_unterminated_line_unless_discarded() {
        assert_eq!(split(LineEnds::Lf, 100, &[b"a\nbc"]).1, Some(b"bc".to_vec()));
        assert_eq!(split(LineEnds::Lf, 100, &[b"a\n"]).1, None);
        assert_eq!(split(LineEnds::Lf, 3, &[b"abcdef"]).1, None);
    }
}

/// The SIMD `find_eol` of the npm build against a byte scan, in the browser (`make
/// browser-test` builds with `simd128`, as `make pkg` does).
#[cfg(all(test, target_arch = "wasm32"))]
mod simd_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn receive_agrees_with_feed() {
        super::check_receive_agrees_with_feed();
    }

    #[wasm_bindgen_test]
    fn a_held_lines_plain_bytes_run_from_its_second_piece_to_its_first_json_special() {
        super::check_held_lines_plain();
    }

    #[wasm_bindgen_test]
    fn ascii_len_and_valid_prefix_agree_with_core() {
        for len in 0..40 {
            for at in 0..=len {
                for mark in [&[0x80u8][..], &[0xC3, 0xA9], &[0xE2, 0x82, 0xAC], &[0xFF], &[0xE2, 0x82]] {
                    let mut bytes = vec![b'x'; len];
                    if at < len {
                        bytes.splice(at..at, mark.iter().copied());
                    }
                    let ascii = bytes.iter().position(|&b| !b.is_ascii()).unwrap_or(bytes.len());
                    assert_eq!(super::ascii_len(&bytes), ascii, "{bytes:?}");
                    let valid = match core::str::from_utf8(&bytes) {
                        Ok(text) => text.len(),
                        Err(err) => err.valid_up_to(),
                    };
                    assert_eq!(super::valid_prefix(&bytes).len(), valid, "{bytes:?}");
                }
            }
        }
    }

    #[wasm_bindgen_test]
    fn find_eol_agrees_with_a_byte_scan() {
        for len in 0..40 {
            for i in 0..=len {
                for j in 0..=len {
                    let mut bytes = vec![b'x'; len];
                    if i < len {
                        bytes[i] = b'\r';
                    }
                    if j < len {
                        bytes[j] = b'\n';
                    }
                    for cr in [false, true] {
                        let want = bytes.iter().position(|&b| b == b'\n' || (cr && b == b'\r'));
                        assert_eq!(super::find_eol(&bytes, cr), want, "{bytes:?} cr={cr}");
                    }
                }
            }
        }
    }

    #[wasm_bindgen_test]
    fn find_eol_ascii_finds_the_first_json_special_byte() {
        // A special byte of each kind at every place (or none), before, at or after a line
        // end at every place (or none), with a high byte after them.
        for len in 0..40 {
            for eol in 0..=len {
                for at in 0..=len {
                    for special in [b'"', b'\\', 0x00, 0x1F, b'\r'] {
                        let mut bytes = vec![b'x'; len];
                        if at < len {
                            bytes[at] = special;
                        }
                        if eol < len {
                            bytes[eol] = b'\n';
                        }
                        if len > 0 {
                            bytes[len - 1] |= 0x80;
                        }
                        for cr in [false, true] {
                            let end = super::find_eol(&bytes, cr);
                            let ascii = bytes[..end.unwrap_or(len)].is_ascii();
                            let plain = bytes
                                .iter()
                                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                                .unwrap_or(len);
                            assert_eq!(
                                super::find_eol_ascii(&bytes, cr, true),
                                (end, ascii, plain),
                                "{bytes:?} cr={cr}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[wasm_bindgen_test]
    fn find_eol_ascii_agrees_with_byte_scans_on_long_chunks() {
        // Past its first two blocks, the JSON scan reads four blocks a step where four are
        // left: lengths around its steps, a special, line-end or high byte at every place
        // (or none), a line end in the middle, at the last byte or none.
        let is_special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
        for len in [95, 96, 97, 111, 112, 113, 127, 128, 129, 159, 160, 161, 191, 192, 200, 255, 256, 300] {
            for at in 0..=len {
                for mark in [b'"', b'\\', 0x00, 0x1F, b'\n', b'\r', 0xC3] {
                    for eol in [len / 2, len - 1, len] {
                        let mut bytes = vec![b'x'; len];
                        if eol < len {
                            bytes[eol] = b'\n';
                        }
                        if at < len {
                            bytes[at] = mark;
                        }
                        for cr in [false, true] {
                            let end = super::find_eol(&bytes, cr);
                            let ascii = bytes[..end.unwrap_or(len)].is_ascii();
                            let plain = bytes.iter().position(|&b| is_special(b)).unwrap_or(len);
                            let got = (
                                super::find_eol_ascii(&bytes, cr, true),
                                super::find_eol_ascii(&bytes, cr, false),
                            );
                            assert_eq!(
                                got,
                                ((end, ascii, plain), (end, ascii, 0)),
                                "{len} {at} {mark} {eol} cr={cr}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[wasm_bindgen_test]
    fn find_eol_ascii_agrees_with_two_scans() {
        // A line end at every place (or none), a high byte at every place (or none).
        for len in 0..40 {
            for eol in 0..=len {
                for high in 0..=len {
                    let mut bytes = vec![b'x'; len];
                    if high < len {
                        bytes[high] = 0xC3;
                    }
                    if eol < len {
                        bytes[eol] = b'\n';
                    }
                    for cr in [false, true] {
                        let end = super::find_eol(&bytes, cr);
                        let ascii = bytes[..end.unwrap_or(len)].is_ascii();
                        assert_eq!(
                            super::find_eol_ascii(&bytes, cr, false),
                            (end, ascii, 0),
                            "{bytes:?} cr={cr}"
                        );
                    }
                }
            }
        }
    }
}
