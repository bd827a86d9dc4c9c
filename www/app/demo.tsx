'use client';
// The demo's interactive part: a prompt, a protocol, a failure scenario, and the stream's
// state as `useStream` reports it (status, thoughts, answer, tool calls, usage, counters,
// typed errors).

import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Protocol, StreamError } from 'wasm-sse';
import { useStream, type ToolCall, type UseStreamOptions } from 'wasm-sse/react';

/**
 * The protocols to decode with. With the bundled backend, a provider's streams that
 * provider's shape (the route asks the test server for it); agent and auto stream the agent.
 */
const PROTOCOLS: ReadonlyArray<{ value: Protocol; label: string }> = [
  { value: 'auto', label: 'Auto (recognised from the stream)' },
  { value: 'agent', label: 'Agent (event: thought/text/done)' },
  { value: 'openai', label: 'OpenAI Chat Completions' },
  { value: 'openai-responses', label: 'OpenAI Responses' },
  { value: 'anthropic', label: 'Anthropic Messages' },
  { value: 'gemini', label: 'Gemini' },
  { value: 'ollama', label: 'Ollama /api/chat' },
  { value: 'ai-sdk', label: 'Vercel AI SDK UI stream' },
];

const isProvider = (protocol: Protocol) => protocol !== 'agent' && protocol !== 'auto';

type Scenario = 'normal' | 'drop' | 'unauthorized' | 'provider-error';

/**
 * What each scenario asks the bundled test backend to do (other backends ignore the params),
 * and whether it is one for the agent's stream or a provider's.
 */
const SCENARIOS: ReadonlyArray<{ value: Scenario; label: string; params: Record<string, string>; provider?: boolean }> = [
  { value: 'normal', label: 'Normal', params: {} },
  { value: 'drop', label: 'Drop the connection mid-answer', params: { drop_after: '15', drop_once: '1' }, provider: false },
  { value: 'unauthorized', label: 'Backend rejects the token (401)', params: { require_auth: '1' }, provider: false },
  { value: 'provider-error', label: 'The provider reports an error mid-answer', params: { error: '1' }, provider: true },
];

const scenariosFor = (protocol: Protocol) =>
  SCENARIOS.filter((s) => s.provider === undefined || s.provider === isProvider(protocol));

/** A provider shape's frame pause, so that its few kilobytes visibly stream in. */
const PROVIDER_DELAY_MS = '10';

// Quick retries so a reconnect is visible without a long wait.
const STREAM_OPTIONS: UseStreamOptions = {
  url: '/api/run_sse',
  retry: { initialDelayMs: 500, maxDelayMs: 5000 },
};

const RATE_SAMPLE_MS = 250;
const RATE_WINDOW_MS = 1000;

export function Demo() {
  const { startStream, stopStream, isStreaming, status, text, thoughts, error, lastEventId, stats, toolCalls, usage } =
    useStream(STREAM_OPTIONS);
  const [prompt, setPrompt] = useState('Explain server-sent events');
  const [protocol, setProtocol] = useState<Protocol>('auto');
  const [scenario, setScenario] = useState<Scenario>('normal');
  const [streamKey, setStreamKey] = useState('');
  const [thoughtsOpen, setThoughtsOpen] = useState(true);
  const rate = useEventRate(stats?.events ?? 0, isStreaming);

  function send() {
    // A fresh key per stream: the test backend keeps its per-stream counters under it.
    const key = newStreamKey();
    const params = new URLSearchParams({
      key,
      protocol,
      ...(isProvider(protocol) && { delay_ms: PROVIDER_DELAY_MS }),
      ...SCENARIOS.find((s) => s.value === scenario)?.params,
    });
    setStreamKey(key);
    setThoughtsOpen(true);
    startStream({ url: `/api/run_sse?${params}`, body: { message: prompt }, protocol });
  }

  function chooseProtocol(next: Protocol) {
    setProtocol(next);
    if (!scenariosFor(next).some((s) => s.value === scenario)) setScenario('normal');
  }

  function sendOnCtrlEnter(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  }

  return (
    <>
      <section className="card composer">
        <label htmlFor="prompt">Prompt</label>
        <textarea
          id="prompt"
          data-testid="prompt"
          rows={3}
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={sendOnCtrlEnter}
        />
        <div className="controls">
          <label className="scenario">
            Protocol
            <select data-testid="protocol" value={protocol} onChange={(e) => chooseProtocol(e.target.value as Protocol)}>
              {PROTOCOLS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <label className="scenario">
            Scenario
            <select data-testid="scenario" value={scenario} onChange={(e) => setScenario(e.target.value as Scenario)}>
              {scenariosFor(protocol).map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" data-testid="stop" onClick={stopStream} disabled={!isStreaming}>
            Stop
          </button>
          <button type="button" data-testid="send" className="primary" onClick={send}>
            Send
          </button>
        </div>
      </section>

      <section className="card output">
        <div className="output-head">
          <span data-testid="status" className={`status status-${status}`}>
            {status}
          </span>
          {streamKey && (
            <span className="muted small">
              stream key <code data-testid="stream-key">{streamKey}</code>
            </span>
          )}
        </div>

        {error && <ErrorNotice error={error} />}

        <details data-testid="thoughts" open={thoughtsOpen} onToggle={(e) => setThoughtsOpen(e.currentTarget.open)}>
          <summary>Thinking ({thoughts.length})</summary>
          {thoughts.length > 0 ? (
            <ol className="thoughts">
              {thoughts.map((thought, i) => (
                <li key={i} data-testid="thought">
                  {thought}
                </li>
              ))}
            </ol>
          ) : (
            <p className="muted small">The agent&apos;s reasoning shows up here.</p>
          )}
        </details>

        <h2>Answer</h2>
        {/* Exactly the streamed text: no trimming; the placeholder is CSS, outside textContent. */}
        <div data-testid="answer" className="answer">
          {text}
        </div>
        {toolCalls.length > 0 && <ToolCalls calls={toolCalls} />}
        {usage && (
          <p data-testid="usage" className="muted small">
            Tokens: <span data-testid="usage-input">{usage.inputTokens ?? '?'}</span> in,{' '}
            <span data-testid="usage-output">{usage.outputTokens ?? '?'}</span> out
          </p>
        )}
        <p className="muted small">
          With “Drop the connection mid-answer”, the client reconnects with Last-Event-ID and the server resumes —
          no word is lost or repeated.
        </p>
      </section>

      <dl className="stats">
        <Stat label="events" testId="stat-events" value={stats?.events ?? 0} />
        <Stat label="events/s" testId="stat-rate" value={Math.round(rate)} />
        <Stat label="bytes" testId="stat-bytes" value={stats?.bytes ?? 0} />
        <Stat label="reconnects" testId="stat-reconnects" value={stats?.reconnects ?? 0} />
        <Stat label="last event id" testId="stat-last-id" value={lastEventId} />
      </dl>
    </>
  );
}

function Stat({ label, testId, value }: { label: string; testId: string; value: number | string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function ToolCalls({ calls }: { calls: readonly ToolCall[] }) {
  return (
    <>
      <h2>Tool calls</h2>
      <ol className="tool-calls">
        {calls.map((call) => (
          <li key={call.id} data-testid="tool-call">
            <code data-testid="tool-call-name">{call.name}</code> <span data-testid="tool-call-id" className="muted small">{call.id}</span>
            <pre data-testid="tool-call-args">{call.args}</pre>
            {/* The parsed input only once the arguments are complete JSON. */}
            {'input' in call ? (
              <pre data-testid="tool-call-input">{JSON.stringify(call.input)}</pre>
            ) : (
              <p className="muted small">arguments streaming…</p>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

function ErrorNotice({ error }: { error: StreamError }) {
  // Dropped connections and 5xx are retried without an error; what arrives here either ended
  // the stream (fatal) or cost one event (a parse or size error) while the stream went on.
  return (
    <p role="alert" data-testid="error" className={error.fatal ? 'error' : 'error recovered'}>
      <strong>{errorTitle(error)}</strong> {error.message}
      {!error.fatal && <span className="outcome"> The event was skipped; the stream goes on.</span>}
    </p>
  );
}

/** A one-line explanation of each kind of {@link StreamError}. */
function errorTitle(error: StreamError): string {
  switch (error.kind) {
    case 'http':
      return httpErrorTitle(error.status);
    case 'content-type':
      return 'The backend did not answer with an event stream';
    case 'network':
      return 'The connection to the backend was lost';
    case 'parse':
      return 'The stream could not be decoded';
    case 'limit':
      return 'An event was larger than the size limit';
    case 'not-resumable':
      return 'The connection dropped and the stream cannot be resumed';
    case 'invalid-option':
      return 'The stream was started with an invalid option';
    case 'server':
      return 'The provider reported an error';
    default:
      return 'The stream failed';
  }
}

function httpErrorTitle(status: number | undefined): string {
  const code = `(HTTP ${status ?? '?'})`;
  if (status === 401) return `The backend refused the credentials ${code}`;
  if (status === 403) return `The backend denied access ${code}`;
  if (status === 404) return `The stream endpoint was not found ${code}`;
  if (status === 429) return `The backend is rate limiting requests ${code}`;
  if (status === 503) return `The backend cannot be reached ${code}`;
  if (status !== undefined && status >= 500) return `The backend failed ${code}`;
  return `The backend refused the request ${code}`;
}

/** A random stream key; `crypto.randomUUID` exists only in secure contexts (https, localhost). */
function newStreamKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Events per second over the last second, from the event count sampled 4× a second while
 * `active`; 0 otherwise.
 */
function useEventRate(events: number, active: boolean): number {
  const latest = useRef(events);
  const [rate, setRate] = useState(0);
  useEffect(() => {
    latest.current = events;
  }, [events]);
  useEffect(() => {
    if (!active) return;
    const samples = [{ at: performance.now(), events: latest.current }];
    const timer = setInterval(() => {
      const now = { at: performance.now(), events: latest.current };
      samples.push(now);
      // Keep one sample at least a window old, as the window's start.
      while (samples.length > 2 && now.at - samples[1].at >= RATE_WINDOW_MS) samples.shift();
      const first = samples[0];
      setRate(now.at > first.at ? ((now.events - first.events) * 1000) / (now.at - first.at) : 0);
    }, RATE_SAMPLE_MS);
    return () => {
      clearInterval(timer);
      setRate(0);
    };
  }, [active]);
  return active ? rate : 0;
}
