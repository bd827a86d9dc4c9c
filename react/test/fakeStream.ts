// A stand-in for `startStream`: records every start and hands the test the options, so the
// test fires the callbacks by hand the way the wasm client would.
import type { StreamEvent, StreamHandle, StreamOptions, StreamStats, StreamStatus, CloseInfo } from 'wasm-sse';

/** One stream the fake started. */
export interface FakeStream {
  /** The options the store passed to the client (its wrapped callbacks). */
  readonly options: StreamOptions;
  readonly handle: StreamHandle;
  /** How often `stop()` was called. */
  stopCalls: number;
  /** How often the handle was read (`stats()`, `status`, `lastEventId`). */
  reads: number;
  /** Whether onClose was delivered. */
  closed: boolean;
  /** What `stats()` reports. */
  stats: StreamStats;
  /** Fires onClose once, like the client. */
  close(info: CloseInfo): void;
}

/** A fake `start`. `stopClosesSync: false` models a client that reports the close later. */
export function fakeClient({ stopClosesSync = true } = {}) {
  const streams: FakeStream[] = [];
  const log: string[] = [];
  const start = (options: StreamOptions): StreamHandle => {
    let status: StreamStatus = 'connecting';
    const stream: FakeStream = {
      options,
      stopCalls: 0,
      reads: 0,
      closed: false,
      stats: { bytes: 0, events: 0, reconnects: 0, attempt: 1, timeOpenMs: 0, lastEventId: '' },
      close(info) {
        if (stream.closed) return;
        stream.closed = true;
        status = 'closed';
        options.onClose?.(info);
      },
      handle: {
        get status() {
          stream.reads++;
          return status;
        },
        get lastEventId() {
          stream.reads++;
          return stream.stats.lastEventId;
        },
        closed: new Promise<CloseInfo>(() => {}),
        stats() {
          stream.reads++;
          return stream.stats;
        },
        stop() {
          stream.stopCalls++;
          log.push(`stop ${streams.indexOf(stream)}`);
          if (stopClosesSync) stream.close({ reason: 'stopped' });
        },
      },
    };
    log.push(`start ${streams.length}`);
    streams.push(stream);
    return stream.handle;
  };
  return { start, streams, log };
}

const fields = (data: string, lastEventId: string) => ({ data, lastEventId, json: JSON.parse(data) as unknown });

/** A `text` event, as the client decodes `event: text` + `data: {"content": …}`. */
export function textEvent(content: string, lastEventId = ''): StreamEvent {
  return { kind: 'text', type: 'text', content, ...fields(JSON.stringify({ content }), lastEventId) };
}

/** A `thought` event. */
export function thoughtEvent(content: string, lastEventId = ''): StreamEvent {
  return { kind: 'thought', type: 'thought', content, ...fields(JSON.stringify({ content }), lastEventId) };
}

/** An in-band `error` event: the server reports a problem and the stream goes on. */
export function errorEvent(error: string): StreamEvent {
  return { kind: 'error', type: 'error', error, ...fields(JSON.stringify({ error }), '') };
}

/** A `StreamError` like the client's. */
export function streamError(message: string, fatal: boolean): Parameters<NonNullable<StreamOptions['onError']>>[0] {
  return Object.assign(new Error(message), { name: 'WasmSseError' as const, kind: 'network' as const, fatal });
}

/** Replaces requestAnimationFrame with a queue the test runs by hand. */
export function manualFrames() {
  let queue: FrameRequestCallback[] = [];
  let next = 1;
  const ids = new Map<number, FrameRequestCallback>();
  const raf = (cb: FrameRequestCallback) => {
    const id = next++;
    ids.set(id, cb);
    queue.push(cb);
    return id;
  };
  const caf = (id: number) => {
    const cb = ids.get(id);
    queue = queue.filter((c) => c !== cb);
  };
  return {
    raf,
    caf,
    /** How many frame callbacks are waiting. */
    get pending() {
      return queue.length;
    },
    /** Runs the callbacks requested so far, as the browser does at the next frame. */
    run() {
      const now = queue;
      queue = [];
      for (const cb of now) cb(performance.now());
    },
  };
}
