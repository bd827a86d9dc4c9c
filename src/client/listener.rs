//! Event listeners and timers as futures that unregister themselves on drop, and a
//! two-way race.
//! No `Closure` is ever forgotten: the guard that registers one removes it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

#[derive(Default)]
struct Fired {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// Resolves the first time `name` fires on `target`. Dropping it removes the listener.
pub(crate) struct EventFuture {
    target: EventTarget,
    name: &'static str,
    state: Rc<Fired>,
    closure: Closure<dyn FnMut(Event)>,
}

impl core::fmt::Debug for EventFuture {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventFuture").field("name", &self.name).finish()
    }
}

impl EventFuture {
    pub(crate) fn new(target: &EventTarget, name: &'static str) -> Self {
        let state = Rc::new(Fired::default());
        let seen = Rc::clone(&state);
        let closure = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            seen.fired.set(true);
            if let Some(waker) = seen.waker.borrow_mut().take() {
                waker.wake();
            }
        });
        // Registration only fails on a non-EventTarget, which the type rules out.
        let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        Self { target: target.clone(), name, state, closure }
    }
}

impl Future for EventFuture {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.fired.get() {
            return Poll::Ready(());
        }
        *self.state.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for EventFuture {
    fn drop(&mut self) {
        let _ =
            self.target.remove_event_listener_with_callback(self.name, self.closure.as_ref().unchecked_ref());
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `setTimeout` (windows and workers); returns the timer's handle.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> wasm_bindgen::JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &wasm_bindgen::JsValue);
}

/// Resolves after `ms` milliseconds. Dropping it clears the timer.
pub(crate) struct Timeout {
    handle: wasm_bindgen::JsValue,
    state: Rc<Fired>,
    _closure: Closure<dyn FnMut()>,
}

impl Timeout {
    pub(crate) fn new(ms: u32) -> Self {
        let state = Rc::new(Fired::default());
        let seen = Rc::clone(&state);
        let closure = Closure::<dyn FnMut()>::new(move || {
            seen.fired.set(true);
            if let Some(waker) = seen.waker.borrow_mut().take() {
                waker.wake();
            }
        });
        // Browsers treat delays above 2^31 - 1 ms as 0: clamp, never wrap.
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let handle = set_timeout(closure.as_ref().unchecked_ref(), ms);
        Self { handle, state, _closure: closure }
    }
}

impl Future for Timeout {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.fired.get() {
            return Poll::Ready(());
        }
        *self.state.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.handle);
    }
}

/// Which side of a [`race`] finished first.
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Polls both futures; the first to finish wins and the other is dropped (cancelled).
pub(crate) async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        b.as_mut().poll(cx).map(Either::Right)
    })
    .await
}
