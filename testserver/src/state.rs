//! What the server remembers per test key: requests, `Last-Event-ID`s and how each stream ended.
//! Browser tests read it back through `GET /stats` to check what their client did on the wire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

/// Shared state of one server: a record per `key=` query value (the empty key when absent).
#[derive(Clone, Debug, Default)]
pub struct AppState {
    keys: Arc<Mutex<HashMap<String, KeyRecord>>>,
}

/// Everything seen for one key. Serialized as the body of `GET /stats`.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRecord {
    /// Requests of any method except CORS preflights.
    pub requests: u64,
    /// `GET` requests.
    pub gets: u64,
    /// `POST` requests.
    pub posts: u64,
    /// Every `Last-Event-ID` request header value, in arrival order.
    pub last_event_ids: Vec<String>,
    /// Streaming bodies started.
    pub opened: u64,
    /// Streams whose client went away before the server finished.
    pub disconnected: u64,
    /// Streams the server ended on purpose with a network error (`drop_after`, `drop_every`).
    pub dropped: u64,
    /// Streams sent to the end.
    pub completed: u64,
    /// Requests per endpoint, for endpoints whose answer depends on "is this the first time".
    #[serde(skip)]
    endpoint_hits: HashMap<&'static str, u64>,
}

impl AppState {
    fn keys(&self) -> MutexGuard<'_, HashMap<String, KeyRecord>> {
        // A panicking handler cannot leave a counter half-updated, so a poisoned lock is still usable.
        self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update<T>(&self, key: &str, change: impl FnOnce(&mut KeyRecord) -> T) -> T {
        change(self.keys().entry(key.to_owned()).or_default())
    }

    /// A copy of the record for `key`; all zeros for a key never seen.
    pub fn stats(&self, key: &str) -> KeyRecord {
        self.keys().get(key).cloned().unwrap_or_default()
    }

    /// Counts one request (not a preflight) and its `Last-Event-ID`, if it carried one.
    pub fn record_request(&self, key: &str, method: &axum::http::Method, last_event_id: Option<String>) {
        self.update(key, |r| {
            r.requests += 1;
            match *method {
                axum::http::Method::GET => r.gets += 1,
                axum::http::Method::POST => r.posts += 1,
                _ => {}
            }
            r.last_event_ids.extend(last_event_id);
        });
    }

    /// Counts a request to `endpoint` for `key` and returns the count, 1 for the first.
    pub fn hit(&self, key: &str, endpoint: &'static str) -> u64 {
        self.update(key, |r| {
            let hits = r.endpoint_hits.entry(endpoint).or_default();
            *hits += 1;
            *hits
        })
    }

    /// Starts tracking one streaming body; see [`StreamRecord`].
    pub fn open_stream(&self, key: &str) -> StreamRecord {
        self.update(key, |r| r.opened += 1);
        StreamRecord { state: self.clone(), key: key.to_owned(), ended: false }
    }
}

/// How the server ended a stream on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// Everything was sent.
    Completed,
    /// The script cut the connection on purpose.
    Dropped,
}

/// Lives inside a streaming body. hyper drops the body when the client goes away, so a
/// record dropped before [`StreamRecord::end`] was called is a client disconnect.
#[derive(Debug)]
pub struct StreamRecord {
    state: AppState,
    key: String,
    ended: bool,
}

impl StreamRecord {
    /// Records that the server ended the stream itself.
    pub fn end(&mut self, how: StreamEnd) {
        if !std::mem::replace(&mut self.ended, true) {
            self.state.update(&self.key, |r| match how {
                StreamEnd::Completed => r.completed += 1,
                StreamEnd::Dropped => r.dropped += 1,
            });
        }
    }
}

impl Drop for StreamRecord {
    fn drop(&mut self) {
        if !self.ended {
            self.state.update(&self.key, |r| r.disconnected += 1);
        }
    }
}
