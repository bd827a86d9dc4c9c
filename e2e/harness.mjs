// What the end-to-end tests share: child processes stopped by PID (their whole process
// group), polling, a static loopback file server, and Debian's Chromium launched the way
// this machine needs it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const children = new Set();

/** Starts a command in its own process group, collecting its output in `child.output`. */
export function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  children.add(child);
  child.output = '';
  child.stdout.on('data', (d) => { child.output += d; });
  child.stderr.on('data', (d) => { child.output += d; });
  child.on('exit', () => children.delete(child));
  return child;
}

/** Stops a started process group: SIGTERM, then SIGKILL after 5 s. */
export function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
  });
}

/** Stops every process still running; call it from `after`. */
export const stopAll = () => Promise.all([...children].map(stop));

/** A loopback port that was free a moment ago (for servers that must be given one). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Polls `check` until it returns something truthy; throws after `timeoutMs`. */
export async function waitFor(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve().then(check).catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The test server's binary: $TESTSERVER_BIN, else the repository's target/debug build. */
export const testServerBinary = (root) => process.env.TESTSERVER_BIN ?? path.join(root, 'target/debug/wasm-sse-testserver');

/** Starts the bundled test server on `port` (0: a free one); resolves with its URL. */
export async function startTestServer(binary, port = 0) {
  const child = start(binary, ['--host', '127.0.0.1', '--port', String(port)]);
  const url = await waitFor(() => child.output.match(/listening on (\S+)/)?.[1], 'the test server');
  return { child, url };
}

/**
 * Headless Debian Chromium; the flags keep it off the network (this machine has none).
 * `extraArgs` are added to them (e.g. `--js-flags=--expose-gc`).
 */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', ...extraArgs],
  });
}

const contentType = (file) =>
  ({ '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html',
    '.css': 'text/css', '.json': 'application/json' })[path.extname(file)] ?? 'application/octet-stream';

/**
 * A static file server on a free loopback port, in this process: `/<prefix>/…` maps to
 * the directory registered for it with `serve(prefix, dir)`, and `/` is an empty HTML page
 * (an origin to open when a test only needs one). A real loopback origin, because Chromium
 * lets only those reach the loopback test server (Local Network Access). Close it with
 * `server.close()`.
 */
export async function startStatic() {
  const dirs = new Map();
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (pathname === '/favicon.ico') return res.writeHead(204).end(); // the browser asks on its own
    if (pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>e2e</title>');
    const [, prefix, ...rest] = pathname.split('/');
    const dir = dirs.get(prefix);
    const file = dir && path.join(dir, rest.join('/') || 'index.html');
    if (!file || !file.startsWith(dir)) return res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': contentType(file) }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    serve(prefix, dir) { dirs.set(prefix, dir); },
  };
}

/**
 * A recording reverse proxy on a free loopback port, in this process: each request is kept
 * in `requests` (`{ method, url, headers, body }`, headers lower-cased) and forwarded to the
 * same path and query at `upstream`, whose answer is passed back as it comes (status,
 * content type, body). It shows what a proxy under test sent upstream, when the upstream
 * itself does not record it. Close it with `close()`.
 */
export async function startRecorder(upstream) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: body.toString() });
    try {
      const headers = req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {};
      const answer = await fetch(upstream + req.url, { method: req.method, headers, body: body.length ? body : undefined });
      const passed = {};
      for (const name of ['content-type', 'x-vercel-ai-ui-message-stream']) {
        if (answer.headers.has(name)) passed[name] = answer.headers.get(name);
      }
      res.writeHead(answer.status, passed);
      if (answer.body) for await (const chunk of answer.body) res.write(chunk);
      res.end();
    } catch (error) {
      res.destroy(error);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
