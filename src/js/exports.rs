//! The raw ABI of the npm package's wasm, called by `js/wasm.js`. No wasm-bindgen: numbers
//! in and out, strings and chunks through linear memory. Single-threaded, like the page.
//!
//! A stream is a pointer to a [`Slot`], whose first eight `u32`s ([`Slot::out`]) say where
//! the last call left its results.

use core::cell::UnsafeCell;

use super::Batch;
use crate::config::{retry_after_ms, Format};
use crate::error::StreamError;
use crate::prelude::*;
use crate::retry::RetryConfig;
use crate::session::{End, Next, Session};

// With `std` (a build that also enables `client` or `serde_json`), std brings both.
#[cfg(not(feature = "std"))]
#[global_allocator]
static ALLOCATOR: super::alloc::Allocator = super::alloc::Allocator::new();

/// A panic is a bug; it traps (the shell closes the stream with an `internal` error)
/// instead of linking the formatting machinery that a message would need.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// A buffer shared by all streams. Sound because wasm here has one thread and the
/// shell never holds a view across calls.
struct Shared<T>(UnsafeCell<T>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has a single thread.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    #[allow(clippy::mut_from_ref)]
    fn get(&self) -> &mut T {
        // SAFETY: single thread, and no caller keeps the reference across an export call.
        unsafe { &mut *self.0.get() }
    }
}

/// Where the shell writes a chunk or a string before the call that reads it.
static INPUT: Shared<Vec<u8>> = Shared(UnsafeCell::new(Vec::new()));
/// The last message [`wsse_message`] built, and its `[pointer, length]`.
static MESSAGE: Shared<(String, [u32; 2])> = Shared(UnsafeCell::new((String::new(), [0; 2])));

/// One stream. `#[repr(C)]` so that `out` is at the slot's address.
#[repr(C)]
pub(crate) struct Slot {
    /// Results of the last call: batch text pointer and byte length, meta pointer and
    /// length (in `u32`s), last event ID pointer and byte length, failures in a row, and
    /// 1 when the batch text is all ASCII.
    out: [u32; 8],
    core: Session<Batch>,
    /// The last event ID the shell was told about.
    reported_id: String,
}

impl Slot {
    fn fill_out(&mut self) {
        let batch = &self.core.out;
        let id = self.core.last_event_id();
        self.out[..6].copy_from_slice(&[
            batch.text.as_ptr() as u32,
            batch.text.len() as u32,
            batch.meta.as_ptr() as u32,
            batch.meta.len() as u32,
            id.as_ptr() as u32,
            id.len() as u32,
        ]);
        self.out[7] = u32::from(batch.is_ascii());
    }

    /// Fills `out`; returns 2 when the last event ID changed since the last report.
    fn report(&mut self) -> u32 {
        self.fill_out();
        let id = self.core.last_event_id();
        if self.reported_id == id {
            return 0;
        }
        self.reported_id.clear();
        self.reported_id.push_str(id);
        2
    }
}

/// The input bytes the shell wrote; a negative length means "none".
fn input_str(len: i32) -> Option<&'static str> {
    let len = usize::try_from(len).ok()?;
    // Invalid UTF-8 cannot come from the shell (it writes with TextEncoder); lossy anyway.
    Some(core::str::from_utf8(&INPUT.get()[..len]).unwrap_or("\u{FFFD}"))
}

/// A buffer of at least `len` bytes for the next call's input (a chunk or a string).
#[no_mangle]
pub extern "C" fn wsse_input(len: usize) -> *mut u8 {
    let input = INPUT.get();
    if input.len() < len {
        input.resize(len, 0);
    }
    input.as_mut_ptr()
}

/// A new stream. `format`: 0 auto, 1 sse, 2 ndjson. The initial last event ID is in the
/// input (`id_len` bytes). Numbers above what fits saturate.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn wsse_new(
    format: u32,
    max_event_bytes: f64,
    max_retries: f64,
    initial_delay_ms: f64,
    max_delay_ms: f64,
    jitter: u32,
    is_get: u32,
    id_len: i32,
) -> *mut Slot {
    let format = match format {
        1 => Format::Sse,
        2 => Format::Ndjson,
        _ => Format::Auto,
    };
    let retry = RetryConfig {
        max_retries: max_retries as u32,
        initial_delay_ms: initial_delay_ms as u64,
        max_delay_ms: max_delay_ms as u64,
        jitter: jitter != 0,
    };
    let id = input_str(id_len).unwrap_or("");
    let core = Session::new(format, max_event_bytes as usize, retry, is_get != 0, id, Batch::default());
    let mut slot = Box::new(Slot { out: [0; 8], core, reported_id: id.into() });
    slot.fill_out();
    Box::into_raw(slot)
}

/// Frees a stream. The pointer is dead afterwards.
///
/// # Safety
/// `slot` came from [`wsse_new`] and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn wsse_free(slot: *mut Slot) {
    // SAFETY: per the contract above.
    drop(unsafe { Box::from_raw(slot) });
}

/// A response arrived with the content type in the input (`len < 0`: no header).
/// Returns 1 when its body can be read, 0 when the content type is refused.
///
/// # Safety
/// `slot` is a live stream.
#[no_mangle]
pub unsafe extern "C" fn wsse_open(slot: *mut Slot, len: i32) -> u32 {
    // SAFETY: per the contract above.
    let slot = unsafe { &mut *slot };
    u32::from(slot.core.open(input_str(len)))
}

/// Decodes the `len` bytes of the input. Returns bit 1 when reading should stop (`done`),
/// bit 2 when the last event ID changed; the batch is described by `out`.
///
/// # Safety
/// `slot` is a live stream.
#[no_mangle]
pub unsafe extern "C" fn wsse_feed(slot: *mut Slot, len: usize) -> u32 {
    // SAFETY: per the contract above.
    let slot = unsafe { &mut *slot };
    slot.core.out.clear();
    let stop = slot.core.feed(&INPUT.get()[..len]);
    u32::from(stop) | slot.report()
}

/// The attempt ended. `how`: 0 fetch failed, 1 body failed, 2 HTTP status (`status`; a
/// `Retry-After` value in the input when `retry_after_len ≥ 0`, with `date_in_ms` =
/// `Date.parse(value) - Date.now()`), 3 content type refused, 4 body ended, 5 stopped after
/// `done`. Returns the delay before reconnecting (≥ 0, failures in a row in `out[6]`), or
/// -1 done, -2 ended, -3 fail with the attempt's error, -4 not resumable, -5 retries
/// exhausted (failures in `out[6]`). Events flushed at the end are in the batch.
///
/// # Safety
/// `slot` is a live stream.
#[no_mangle]
pub unsafe extern "C" fn wsse_end(
    slot: *mut Slot,
    how: u32,
    status: u32,
    retry_after_len: i32,
    date_in_ms: f64,
    random: f64,
) -> f64 {
    // SAFETY: per the contract above.
    let slot = unsafe { &mut *slot };
    let end = match how {
        0 => End::Network { opened: false },
        1 => End::Network { opened: true },
        2 => End::Http {
            status: status as u16,
            retry_after_ms: input_str(retry_after_len)
                .and_then(|value| retry_after_ms(value, 0.0, |_| Some(date_in_ms))),
        },
        3 => End::ContentType,
        4 => End::BodyEnded,
        _ => End::Stopped,
    };
    slot.core.out.clear();
    let next = slot.core.end(end, random);
    slot.report();
    match next {
        Next::Reconnect { delay_ms, failures } => {
            slot.out[6] = failures;
            delay_ms as f64
        }
        Next::Done => -1.0,
        Next::Ended => -2.0,
        Next::Fail => -3.0,
        Next::NotResumable => -4.0,
        Next::RetriesExhausted { failures } => {
            slot.out[6] = failures;
            -5.0
        }
    }
}

/// The message of a stream error: `code` 0 HTTP `status`, 1 content type (input, or none
/// when `len < 0`), 2 network (the browser's message in the input), 3 not resumable;
/// wrapped in "gave up after `failures`
/// attempts" when `failures > 0`. Returns the address of its `[pointer, byte length]`.
#[no_mangle]
pub extern "C" fn wsse_message(code: u32, status: u32, failures: u32, len: i32) -> *const u32 {
    let arg = || input_str(len).map(String::from);
    let err = match code {
        0 => StreamError::Http { status: status as u16 },
        1 => StreamError::ContentType { content_type: arg() },
        2 => StreamError::Network { message: arg().unwrap_or_default() },
        _ => StreamError::NotResumable,
    };
    let err = match failures {
        0 => err,
        failures => StreamError::RetriesExhausted { failures, last: Box::new(err) },
    };
    let (text, at) = MESSAGE.get();
    *text = err.message();
    *at = [text.as_ptr() as u32, text.len() as u32];
    at.as_ptr()
}
