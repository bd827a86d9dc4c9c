//! Command line of the test server: bind a loopback port, announce it on stdout, serve until signalled.
//! Harnesses start it with `--port 0` and read the one `listening on http://HOST:PORT` line.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

const USAGE: &str = "usage: wasm-sse-testserver [--host 127.0.0.1] [--port 0]";
/// Open streams may run for minutes (`/slow`); after a signal they get this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Where to listen.
#[derive(Debug)]
struct Args {
    host: IpAddr,
    port: u16,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args { host: IpAddr::V4(Ipv4Addr::LOCALHOST), port: 0 };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = inline.or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--host" => parsed.host = parse_host(&value)?,
            "--port" => {
                parsed.port = value.parse().map_err(|_| format!("--port {value}: not a port number"))?
            }
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn parse_host(host: &str) -> Result<IpAddr, String> {
    let ip = match host {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        _ => host.parse().map_err(|_| format!("--host {host}: not an IP address or `localhost`"))?,
    };
    // The server has no authentication and echoes request headers: never expose it.
    if !ip.is_loopback() {
        return Err(format!(
            "--host {host}: refusing a non-loopback address; use 127.0.0.1, ::1 or localhost"
        ));
    }
    Ok(ip)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler can be installed");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("wasm-sse-testserver: {message}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(SocketAddr::new(args.host, args.port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("wasm-sse-testserver: cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().expect("a bound listener has an address");
    {
        // Harnesses block on this line; a pipe would otherwise hold it in the buffer.
        let mut stdout = std::io::stdout().lock();
        let announced = writeln!(stdout, "listening on http://{addr}").and_then(|()| stdout.flush());
        if let Err(e) = announced {
            eprintln!("wasm-sse-testserver: cannot write to stdout: {e}");
            return ExitCode::FAILURE;
        }
    }

    let signalled = Arc::new(Notify::new());
    let notify = signalled.clone();
    let server = axum::serve(listener, wasm_sse_testserver::app()).with_graceful_shutdown(async move {
        shutdown_signal().await;
        notify.notify_one();
    });
    let served = tokio::select! {
        served = server => served,
        () = async { signalled.notified().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => Ok(()),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-sse-testserver: server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
