//! Scripted response bodies: a handler lists frames, pauses and cuts, and [`play`] streams them.
//! Every frame goes out as its own HTTP chunk, flushed before the next one is produced.

use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use bytes::Bytes;

use crate::state::{StreamEnd, StreamRecord};

/// One step of a scripted body.
#[derive(Clone, Debug)]
pub enum Step {
    /// Write these bytes as one body frame.
    Send(Bytes),
    /// Wait before the next step.
    Pause(Duration),
    /// End the body with an error: hyper closes the connection without the final empty
    /// chunk, so the client sees a network error or a truncated body, never a clean end.
    Cut,
}

/// How long a `Cut` waits after the last frame before closing the connection.
const CUT_LINGER: Duration = Duration::from_millis(50);

impl Step {
    /// A frame from anything that becomes bytes.
    pub fn send(bytes: impl Into<Bytes>) -> Self {
        Step::Send(bytes.into())
    }

    /// A pause of `ms` milliseconds.
    pub fn pause_ms(ms: u64) -> Self {
        Step::Pause(Duration::from_millis(ms))
    }
}

/// One SSE event block: optional `id:` and `event:` lines, one `data:` line per data line.
pub fn sse_event(id: Option<u64>, name: Option<&str>, data: &str) -> Bytes {
    let mut block = String::with_capacity(data.len() + 32);
    if let Some(id) = id {
        block.push_str(&format!("id: {id}\n"));
    }
    if let Some(name) = name {
        block.push_str(&format!("event: {name}\n"));
    }
    for line in data.split('\n') {
        block.push_str("data: ");
        block.push_str(line);
        block.push('\n');
    }
    block.push('\n');
    block.into()
}

/// The `event: done` block most streams end with.
pub fn done_event() -> Step {
    Step::Send(sse_event(None, Some("done"), "{}"))
}

/// Where a client resumes: one past the numeric `Last-Event-ID` it sent, if any.
pub fn resume_from(headers: &HeaderMap) -> Option<u64> {
    let last = headers.get("last-event-id")?.to_str().ok()?.trim().parse::<u64>().ok()?;
    last.checked_add(1)
}

/// A streaming body that plays `steps` and records in `record` how the stream ended.
pub fn play<S>(steps: S, record: StreamRecord) -> Body
where
    S: IntoIterator<Item = Step>,
    S::IntoIter: Send + 'static,
{
    struct Player<I> {
        steps: Option<I>,
        record: StreamRecord,
        just_sent: bool,
    }
    let player = Player { steps: Some(steps.into_iter()), record, just_sent: false };
    Body::from_stream(futures_util::stream::unfold(player, |mut player| async move {
        let mut steps = player.steps.take()?;
        if player.just_sent {
            // hyper coalesces frames that are ready at once; returning Pending makes it write
            // the previous frame to the socket first. That is what "flushed per event" means
            // here, and it also gets the last frames out before a `Cut` closes the socket.
            tokio::task::yield_now().await;
        }
        loop {
            match steps.next() {
                Some(Step::Pause(pause)) => tokio::time::sleep(pause).await,
                Some(Step::Send(bytes)) => {
                    player.just_sent = true;
                    player.steps = Some(steps);
                    return Some((Ok(bytes), player));
                }
                Some(Step::Cut) => {
                    // Let the frames already written reach the client before the connection
                    // dies. Cut in the same instant, Chromium can report the body error before
                    // handing over the bytes it had received, and those events vanish; a real
                    // drop (proxy timeout, network change) comes after the data got through.
                    tokio::time::sleep(CUT_LINGER).await;
                    player.record.end(StreamEnd::Dropped);
                    let cut = io::Error::new(io::ErrorKind::ConnectionAborted, "scripted connection drop");
                    return Some((Err(cut), player));
                }
                None => {
                    player.record.end(StreamEnd::Completed);
                    return None;
                }
            }
        }
    }))
}

/// A `text/event-stream` response with the headers that keep proxies from buffering it.
pub fn sse_response(body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
