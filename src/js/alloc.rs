//! The npm wasm's allocator: power-of-two size classes with one free list each, carved
//! from memory the module grows. A general-purpose allocator (dlmalloc) costs ~2.5 KB
//! gzipped; this one a few hundred bytes. It suits the decoder's pattern: a few buffers
//! per stream that are reused, so each class's free list reaches a steady size and memory
//! stays flat (the benchmark's memory workloads check it).

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::memory_grow;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;
/// Classes 2^4 (16 bytes) to 2^31.
const MIN_CLASS: u32 = 4;
const CLASSES: usize = 32;

pub(super) struct Allocator(UnsafeCell<State>);

struct State {
    /// Heads of the free lists; a free block holds the address of the next.
    free: [*mut u8; CLASSES],
    /// The unused part of the last grown memory.
    next: usize,
    end: usize,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature has a single thread.
unsafe impl Sync for Allocator {}

impl Allocator {
    pub(super) const fn new() -> Self {
        Self(UnsafeCell::new(State { free: [null_mut(); CLASSES], next: 0, end: 0 }))
    }
}

/// The class of a layout: the smallest power of two ≥ its size and alignment; `CLASSES`
/// (refused) when that is over 2^31 or the alignment is over a page (blocks are aligned to
/// their size only up to a page; nothing in this crate asks for more).
fn class(layout: Layout) -> usize {
    if layout.align() > PAGE {
        return CLASSES;
    }
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    size.checked_next_power_of_two().map_or(CLASSES, |size| size.trailing_zeros() as usize)
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single thread; no reference to the state outlives this call.
        let state = unsafe { &mut *self.0.get() };
        let class = class(layout);
        if class >= CLASSES {
            return null_mut();
        }
        let head = state.free[class];
        if !head.is_null() {
            // SAFETY: a free block starts with the address of the next free block.
            state.free[class] = unsafe { *(head as *mut *mut u8) };
            return head;
        }
        // A new block, aligned to its size (up to a page), so any alignment ≤ size holds.
        let size = 1usize << class;
        let align = size.min(PAGE);
        // Near the top of the 4 GiB address space these sums wrap (on purpose, in any
        // profile): `start < next` and a wrapped `end` of 0 both send it to memory_grow,
        // which then fails (null).
        let start = state.next.wrapping_add(align - 1) & !(align - 1);
        if start < state.next || state.end.saturating_sub(start) < size {
            let pages = size.div_ceil(PAGE).max(16);
            let grown = memory_grow(0, pages);
            if grown == usize::MAX {
                return null_mut();
            }
            let base = grown * PAGE;
            // A fresh region; the old tail is left unused (at most one block's padding).
            state.next = base;
            state.end = base.wrapping_add(pages * PAGE);
            let start = (state.next + align - 1) & !(align - 1);
            state.next = start.wrapping_add(size);
            return start as *mut u8;
        }
        state.next = start.wrapping_add(size);
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`; `ptr` is a block of this class that is no longer used.
        let state = unsafe { &mut *self.0.get() };
        let class = class(layout);
        unsafe { *(ptr as *mut *mut u8) = state.free[class] };
        state.free[class] = ptr;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is GlobalAlloc::realloc's.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class(new_layout) == class(layout) {
            return ptr;
        }
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
