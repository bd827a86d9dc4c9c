// A streaming proxy from the page to the agent backend: the browser talks to its own origin,
// the backend URL (and any credentials it needs) stays on the server.
import type { NextRequest } from 'next/server';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** The backend's full endpoint URL, e.g. `http://127.0.0.1:8000/api/run_sse` for the FastAPI seed. */
const BACKEND_URL = process.env.BACKEND_URL ?? 'http://127.0.0.1:8787/agent';

/** Query parameters of the page's request that reach the backend; the bundled test server reads them. */
const PASSED_PARAMS = ['key', 'drop_after', 'drop_once', 'require_auth', 'delay_ms', 'prompt', 'message'];

/** Request headers that reach the backend: the body's type, the resume point and credentials. */
const PASSED_HEADERS = ['content-type', 'accept', 'last-event-id', 'authorization'];

/** The `message` of a JSON body, which FastAPI-style backends read from the query string. */
function messageOf(body: ArrayBuffer): string | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') {
      return value.message;
    }
  } catch {
    // Not JSON: the body is still forwarded as is.
  }
  return null;
}

async function proxy(request: NextRequest): Promise<Response> {
  const target = new URL(BACKEND_URL);
  for (const name of PASSED_PARAMS) {
    const value = request.nextUrl.searchParams.get(name);
    if (value !== null) target.searchParams.set(name, value);
  }
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
  const message = body ? messageOf(body) : null;
  if (message !== null) target.searchParams.set('message', message);

  const headers = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body,
      // A browser that goes away aborts this request, so the backend stops generating.
      signal: request.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    console.error(`run_sse proxy: backend ${BACKEND_URL} unreachable: ${reason}`);
    // 503, not 502: the request never reached the backend, so nothing was started. wasm-sse
    // re-sends a POST only after statuses that say so (408, 429, 503); it retries with
    // backoff until the backend is back.
    return Response.json({ error: `backend unreachable: ${BACKEND_URL}` }, { status: 503 });
  }

  const responseHeaders = new Headers({
    // no-transform keeps `next start`'s gzip (and any proxy's) from buffering the stream.
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  });
  // Passed on as sent (or absent): the client checks the content type and honours Retry-After.
  for (const name of ['content-type', 'retry-after']) {
    const value = upstream.headers.get(name);
    if (value !== null) responseHeaders.set(name, value);
  }
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

export const GET = proxy;
export const POST = proxy;
