//! A raw HTTP/1.1 client for the server tests: it keeps chunk boundaries and notices truncation,
//! which is exactly what a higher-level client would hide.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves a fresh app on a free loopback port for the rest of the test.
pub async fn start_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, wasm_sse_testserver::app()).await.unwrap() });
    addr
}

/// One response as it arrived.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body's HTTP chunks (one element for a non-chunked body).
    pub chunks: Vec<Vec<u8>>,
    /// False when a chunked body ended without its final empty chunk: a cut connection.
    pub complete: bool,
}

/// One SSE event as a WHATWG parser would dispatch it (enough of the rules for these tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Option<String>,
    pub name: String,
    pub data: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body()).expect("body is UTF-8")
    }

    pub fn events(&self) -> Vec<Event> {
        let text = self.text().replace("\r\n", "\n");
        let mut events = Vec::new();
        for block in text.split("\n\n") {
            let (mut id, mut name, mut data) = (None, "message".to_owned(), Vec::new());
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
                match field {
                    "id" => id = Some(value),
                    "event" => name = value,
                    "data" => data.push(value),
                    _ => {}
                }
            }
            if !data.is_empty() {
                events.push(Event { id, name, data: data.join("\n") });
            }
        }
        events
    }
}

/// Sends one request with `Connection: close` and reads the response to the end.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut stream = send_head(addr, method, path, headers, body).await;
    let mut raw = Vec::new();
    let read_all = async {
        // A cut connection may end in a reset rather than EOF; either way the response is over.
        while let Ok(n) = stream.read_buf(&mut raw).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read_all).await.expect("response ended in time");
    parse(&raw)
}

pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], "").await
}

/// Opens a connection and sends a request, leaving the response unread.
pub async fn send_head(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    head += &format!("Content-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    stream.write_all(format!("{head}\r\n{body}").as_bytes()).await.unwrap();
    stream
}

/// Reads from `stream` until `needle` has arrived.
pub async fn read_until(stream: &mut TcpStream, needle: &str) {
    let mut seen = Vec::new();
    let wait = async {
        while !String::from_utf8_lossy(&seen).contains(needle) {
            assert_ne!(stream.read_buf(&mut seen).await.unwrap(), 0, "connection closed before {needle:?}");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.expect("needle arrived in time");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(raw: &[u8]) -> Reply {
    let end = find(raw, b"\r\n\r\n").expect("a complete response head");
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<_> = lines
        .map(|l| l.split_once(':').unwrap())
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut reply = Reply { status, headers, chunks: Vec::new(), complete: true };
    let mut rest = &raw[end + 4..];
    if reply.header("transfer-encoding") != Some("chunked") {
        reply.chunks.push(rest.to_vec());
        return reply;
    }
    reply.complete = loop {
        let Some(eol) = find(rest, b"\r\n") else { break false };
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16).unwrap();
        rest = &rest[eol + 2..];
        if size == 0 {
            break true;
        }
        if rest.len() < size + 2 {
            reply.chunks.push(rest.to_vec());
            break false;
        }
        reply.chunks.push(rest[..size].to_vec());
        rest = &rest[size + 2..];
    };
    reply
}

/// The `/stats` record for `key`.
pub async fn stats(addr: SocketAddr, key: &str) -> serde_json::Value {
    serde_json::from_slice(&get(addr, &format!("/stats?key={key}")).await.body()).unwrap()
}
