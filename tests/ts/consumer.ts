// A consumer of the package's typings: `tsc --noEmit -p tests/ts` must pass (make test).
// The @ts-expect-error lines are checks too: they fail the build if the error disappears.
import init, { startStream, stopStream } from '../../pkg/index.js';
import type { StreamEvent, StreamError, StreamStatus, CloseInfo, StreamStats } from '../../pkg/index.js';

export async function main(signal: AbortSignal): Promise<CloseInfo> {
  await init();
  let text = '';
  const handle = startStream({
    url: '/api/run_sse',
    body: { message: 'hello' },
    headers: { authorization: 'Bearer t' },
    signal,
    retry: { maxRetries: 3, initialDelayMs: 500, jitter: true },
    format: 'auto',
    onEvent(event: StreamEvent) {
      switch (event.kind) {
        case 'text':
          text += event.content; // narrowed to TextEvent: content is a string
          break;
        case 'thought':
          console.log(event.content.length);
          break;
        case 'error':
          console.warn(event.error.toUpperCase());
          break;
        case 'done': {
          const status: string | undefined = event.status;
          const tokens: number | undefined = event.usage?.outputTokens;
          console.log(status, tokens);
          break;
        }
        case 'message':
          console.log(event.content);
          break;
        case 'tool-call': {
          const call: [string, string, string] = [event.toolCallId, event.toolName, event.argsDelta];
          console.log(call);
          break;
        }
        default: {
          const other: 'other' = event.kind;
          const name: string = event.type;
          console.log(other);
          const payload: unknown = event.json;
          console.log(name, payload, event.data, event.lastEventId);
        }
      }
    },
    onError(error: StreamError) {
      const status: number | undefined = error.status;
      if (error.kind === 'http' && error.fatal) console.error(status, error.message);
    if (error.kind === 'server') console.error('the provider failed:', error.message);
    },
    onRetry: ({ attempt, delayMs, error }) => console.log(attempt, delayMs, error.kind),
    onOpen: ({ status, headers, attempt }) => console.log(status, headers.get('content-type'), attempt),
    onClose: ({ reason }) => console.log(reason, text),
  });
  const status: StreamStatus = handle.status;
  const stats: StreamStats = handle.stats();
  console.log(status, stats.bytes, stats.timeOpenMs, handle.lastEventId);
  // @ts-expect-error: format is a closed set
  startStream({ url: '/x', format: 'xml' });
  // A provider's wire format; the set is closed too.
  startStream({ url: '/x', protocol: 'anthropic' }).stop();
  // @ts-expect-error: protocol is a closed set
  startStream({ url: '/x', protocol: 'claude' });
  // @ts-expect-error: url is required
  startStream({ onEvent() {} });
  // A URL object, as fetch takes it.
  startStream({ url: new URL('/api/run_sse', 'http://localhost') }).stop();
  stopStream(handle);
  return handle.closed;
}

export function doneHasNoContent(event: StreamEvent): number {
  if (event.kind === 'done') {
    // @ts-expect-error: a done event has no content
    return event.content.length;
  }
  return 0;
}

// Narrowing on the raw name works too; `content` is then possibly undefined (other events).
export function byName(event: StreamEvent): string {
  return event.type === 'text' && event.kind === 'text' ? event.content : '';
}
