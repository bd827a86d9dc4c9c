//! The binary's contract with harnesses: one flushed `listening on` line, loopback only,
//! and a clean exit on SIGTERM even while a stream is open.

mod common;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_wasm-sse-testserver");

async fn spawn(args: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("announced in time")
        .unwrap()
        .expect("a line on stdout");
    let url = line.strip_prefix("listening on http://").unwrap_or_else(|| panic!("unexpected line {line:?}"));
    (child, url.parse().expect("HOST:PORT after http://"))
}

async fn terminate(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await.expect("exited in time");
    assert!(status.unwrap().success());
}

#[tokio::test]
async fn announces_a_free_port_serves_and_exits_on_sigterm() {
    let (child, addr) = spawn(&["--port", "0"]).await;
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    assert_eq!(common::get(addr, "/health").await.text(), "ok");
    terminate(child).await;
}

#[tokio::test]
async fn exits_on_sigterm_while_a_stream_is_open() {
    let (child, addr) = spawn(&["--host=localhost"]).await;
    let mut stream = common::send_head(addr, "GET", "/slow?interval_ms=100", &[], "").await;
    common::read_until(&mut stream, "tick 1").await;
    terminate(child).await;
}

#[tokio::test]
async fn refuses_a_non_loopback_host() {
    let output = Command::new(BIN).args(["--host", "0.0.0.0"]).output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback"));
}
