// What the end-to-end tests share: child processes stopped by PID (their whole process
// group), polling, and Debian's Chromium launched the way this machine needs it.
import { spawn } from 'node:child_process';
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

/** Starts the bundled test server on `port` (0: a free one); resolves with its URL. */
export async function startTestServer(binary, port = 0) {
  const child = start(binary, ['--host', '127.0.0.1', '--port', String(port)]);
  const url = await waitFor(() => child.output.match(/listening on (\S+)/)?.[1], 'the test server');
  return { child, url };
}

/** Headless Debian Chromium; the flags keep it off the network (this machine has none). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}
