//! An event listener as a future that unregisters itself on drop, and a two-way race
//! (the backoff timer, gloo-timers' `TimeoutFuture`, against the `online` event).
//! No `Closure` is ever forgotten: the guard that registers one removes it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

/// The state a JS callback shares with the future waiting for it.
#[derive(Default)]
struct Fired {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Fired {
    /// Called from the JS callback: marks it fired and wakes the waiting task.
    fn fire(&self) {
        self.fired.set(true);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// The waiting future's poll: ready once fired, otherwise remembers the waker.
    fn poll(&self, cx: &Context<'_>) -> Poll<()> {
        if self.fired.get() {
            return Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Resolves the first time `name` fires on `target`. Dropping it removes the listener.
pub(crate) struct EventFuture {
    target: EventTarget,
    name: &'static str,
    state: Rc<Fired>,
    closure: Closure<dyn FnMut(Event)>,
}

impl std::fmt::Debug for EventFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventFuture").field("name", &self.name).finish()
    }
}

impl EventFuture {
    pub(crate) fn new(target: &EventTarget, name: &'static str) -> Self {
        let state = Rc::new(Fired::default());
        let seen = Rc::clone(&state);
        let closure = Closure::<dyn FnMut(Event)>::new(move |_: Event| seen.fire());
        // Registration only fails on a non-EventTarget, which the type rules out.
        let _ = target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
        Self { target: target.clone(), name, state, closure }
    }
}

impl Future for EventFuture {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.state.poll(cx)
    }
}

impl Drop for EventFuture {
    fn drop(&mut self) {
        let _ =
            self.target.remove_event_listener_with_callback(self.name, self.closure.as_ref().unchecked_ref());
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
