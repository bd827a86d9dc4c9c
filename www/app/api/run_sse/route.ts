// A streaming proxy from the page to the backend: the browser talks to its own origin, the
// backend URL and its credentials stay on the server. Three kinds of upstream request:
// - `protocol` agent or auto (the default): the request is forwarded to BACKEND_URL as it is.
// - a provider protocol (openai, anthropic, …) with the bundled test server: that provider's
//   stream shape from the server's `/provider/{name}` (`error=1`: the shape with an in-band error).
// - BACKEND_URL an OpenAI-compatible chat-completions endpoint (its path ends in
//   `/chat/completions`: OpenAI, Ollama's `/v1`, vLLM, llama.cpp, LM Studio, OpenRouter…):
//   the prompt becomes a chat-completions request, with BACKEND_MODEL and BACKEND_API_KEY.
import type { NextRequest } from 'next/server';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** The backend's full endpoint URL, e.g. `http://127.0.0.1:8000/api/run_sse` for the FastAPI seed. */
const BACKEND_URL = process.env.BACKEND_URL ?? 'http://127.0.0.1:8787/agent';

/** Whether BACKEND_URL takes OpenAI chat-completions requests rather than the agent's. */
const OPENAI_COMPATIBLE = new URL(BACKEND_URL).pathname.endsWith('/chat/completions');

/** The `model` of chat-completions requests (Ollama: a model it has pulled, e.g. `llama3.2`). */
const BACKEND_MODEL = process.env.BACKEND_MODEL ?? 'gpt-4o-mini';

/** The stream shapes of the bundled test server's `/provider/{name}`: one per provider protocol. */
const PROVIDER_SHAPES = ['openai', 'openai-responses', 'anthropic', 'gemini', 'ollama', 'ai-sdk'];

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

/** The upstream request for the page's request: where it goes, and with what. */
interface Upstream {
  target: URL;
  init: RequestInit;
}

/** The page's request, forwarded to BACKEND_URL (agent) or to the provider shape `shape`. */
function forwarded(request: NextRequest, body: ArrayBuffer | null, shape: string | null): Upstream {
  const target = shape ? new URL(`/provider/${shape}`, BACKEND_URL) : new URL(BACKEND_URL);
  for (const name of PASSED_PARAMS) {
    const value = request.nextUrl.searchParams.get(name);
    if (value !== null) target.searchParams.set(name, value);
  }
  const message = body ? messageOf(body) : null;
  if (message !== null) target.searchParams.set('message', message);

  const headers = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return { target, init: { method: request.method, headers, body } };
}

/** The page's prompt as an OpenAI chat-completions request to BACKEND_URL. */
function chatCompletion(body: ArrayBuffer | null): Upstream {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'text/event-stream' });
  if (process.env.BACKEND_API_KEY) headers.set('authorization', `Bearer ${process.env.BACKEND_API_KEY}`);
  const request = {
    model: BACKEND_MODEL,
    messages: [{ role: 'user', content: (body && messageOf(body)) ?? '' }],
    stream: true,
    // The last chunk then carries the token counts (the demo shows them).
    stream_options: { include_usage: true },
  };
  return { target: new URL(BACKEND_URL), init: { method: 'POST', headers, body: JSON.stringify(request) } };
}

async function proxy(request: NextRequest): Promise<Response> {
  const protocol = request.nextUrl.searchParams.get('protocol') ?? 'auto';
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
  let upstreamRequest: Upstream;
  if (OPENAI_COMPATIBLE) {
    if (protocol !== 'openai' && protocol !== 'auto') {
      const error = `BACKEND_URL (${BACKEND_URL}) is an OpenAI-compatible endpoint: choose the protocol openai or auto`;
      return Response.json({ error }, { status: 400 });
    }
    upstreamRequest = chatCompletion(body);
  } else if (PROVIDER_SHAPES.includes(protocol)) {
    const error = request.nextUrl.searchParams.get('error') === '1';
    upstreamRequest = forwarded(request, body, error ? `${protocol}-error` : protocol);
  } else {
    upstreamRequest = forwarded(request, body, null);
  }
  const { target, init } = upstreamRequest;

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      ...init,
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
  // Passed on as sent (or absent): the client checks the content type and honours Retry-After;
  // protocol 'auto' recognises the AI SDK's stream by its header.
  for (const name of ['content-type', 'retry-after', 'x-vercel-ai-ui-message-stream']) {
    const value = upstream.headers.get(name);
    if (value !== null) responseHeaders.set(name, value);
  }
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

export const GET = proxy;
export const POST = proxy;
