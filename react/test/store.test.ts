// @vitest-environment node
// The store without React (and without a DOM): what a UI would show after each callback.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStreamStore, type StreamStoreOptions } from '../src/store.js';
import type { StreamEvent } from 'wasm-sse';
import { errorEvent, fakeClient, manualFrames, streamError, textEvent, thoughtEvent } from './fakeStream.js';

let frames: ReturnType<typeof manualFrames>;
beforeEach(() => {
  frames = manualFrames();
  vi.stubGlobal('requestAnimationFrame', frames.raf);
  vi.stubGlobal('cancelAnimationFrame', frames.caf);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function setup(extra: Partial<StreamStoreOptions> = {}, client = fakeClient()) {
  const store = createStreamStore({ url: '/api/run_sse', start: client.start, ...extra });
  let notified = 0;
  store.subscribe(() => notified++);
  return { store, client, notifications: () => notified };
}

it('loads no wasm during server rendering (no window), even without an injected start', async () => {
  const fetched: unknown[] = [];
  vi.stubGlobal('fetch', (url: unknown) => {
    fetched.push(url);
    return Promise.reject(new Error('no network in the React tests'));
  });
  createStreamStore({ url: '/api/run_sse' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(fetched).toHaveLength(0);
});

describe('snapshots', () => {
  it('is idle and equal to the constant server snapshot before start', () => {
    const { store, client } = setup();
    expect(store.getSnapshot()).toBe(store.getServerSnapshot());
    expect(store.getSnapshot()).toMatchObject({
      status: 'idle', isStreaming: false, text: '', thoughts: [], events: [], error: null, messages: [], closeReason: null,
    });
    expect(client.streams).toHaveLength(0); // creating a store starts nothing
  });

  it('keeps the server snapshot idle and identical while a stream runs', () => {
    const { store } = setup();
    const server = store.getServerSnapshot();
    store.start();
    expect(store.getServerSnapshot()).toBe(server);
    expect(server.status).toBe('idle');
  });

  it('returns the same object until something changed, and never reads the handle for it', () => {
    const { store, client } = setup();
    store.start();
    const first = store.getSnapshot();
    expect(store.getSnapshot()).toBe(first);
    const stream = client.streams[0]!;
    stream.options.onEvent!(textEvent('Hi'));
    // Not published before the frame: the same object, still without the token.
    expect(store.getSnapshot()).toBe(first);
    const reads = stream.reads;
    for (let i = 0; i < 100; i++) store.getSnapshot();
    expect(stream.reads).toBe(reads);
    frames.run();
    const second = store.getSnapshot();
    expect(second).not.toBe(first);
    expect(second.text).toBe('Hi');
    expect(store.getSnapshot()).toBe(second);
    expect(Object.isFrozen(second)).toBe(true);
  });

  it('publishes nothing on a frame with no new events', () => {
    const { store, client, notifications } = setup();
    store.start();
    client.streams[0]!.options.onEvent!(textEvent('a'));
    frames.run();
    const snapshot = store.getSnapshot();
    const count = notifications();
    frames.run();
    expect(frames.pending).toBe(0);
    expect(store.getSnapshot()).toBe(snapshot);
    expect(notifications()).toBe(count);
  });
});

describe('content', () => {
  it('concatenates text tokens exactly: spaces, newlines, multi-byte characters', () => {
    const { store, client } = setup();
    store.start();
    const tokens = ['  Hello', ',', ' wörld ', '\n\n', '👋🏽 ', '日本語', '  '];
    for (const t of tokens) client.streams[0]!.options.onEvent!(textEvent(t));
    frames.run();
    expect(store.getSnapshot().text).toBe('  Hello, wörld \n\n👋🏽 日本語  ');
    expect(store.getSnapshot().messages).toEqual(['  Hello, wörld \n\n👋🏽 日本語  ']);
  });

  it('lists thoughts one per event, apart from the text', () => {
    const { store, client } = setup();
    store.start();
    const { onEvent } = client.streams[0]!.options;
    onEvent!(thoughtEvent('Plan: greet.'));
    onEvent!(textEvent('Hello'));
    onEvent!(thoughtEvent(' Then stop. '));
    frames.run();
    expect(store.getSnapshot().thoughts).toEqual(['Plan: greet.', ' Then stop. ']);
    expect(store.getSnapshot().text).toBe('Hello');
    expect(store.getSnapshot().events.map((e) => e.kind)).toEqual(['thought', 'text', 'thought']);
  });

  it('keeps in-band error events in events only, not in error', () => {
    const { store, client } = setup();
    store.start();
    client.streams[0]!.options.onEvent!(errorEvent('tool failed'));
    frames.run();
    expect(store.getSnapshot().error).toBeNull();
    expect(store.getSnapshot().events).toEqual([expect.objectContaining({ kind: 'error', error: 'tool failed' })]);
    expect(store.getSnapshot().isStreaming).toBe(true);
  });

  it('keeps only the last maxEvents events, even from a burst within one frame', () => {
    const { store, client } = setup({ maxEvents: 5 });
    store.start();
    const { onEvent } = client.streams[0]!.options;
    for (let i = 0; i < 12; i++) onEvent!(textEvent(String(i % 10), `id-${i}`));
    frames.run();
    expect(store.getSnapshot().events.map((e) => e.lastEventId)).toEqual(['id-7', 'id-8', 'id-9', 'id-10', 'id-11']);
    onEvent!(textEvent('x', 'id-12'));
    frames.run();
    expect(store.getSnapshot().events.map((e) => e.lastEventId)).toEqual(['id-8', 'id-9', 'id-10', 'id-11', 'id-12']);
    expect(store.getSnapshot().text).toBe('012345678901x'); // text is kept whole
  });

  it('keeps 1000 events by default', () => {
    const { store, client } = setup();
    store.start();
    for (let i = 0; i < 1500; i++) client.streams[0]!.options.onEvent!(textEvent('.', String(i)));
    frames.run();
    const { events } = store.getSnapshot();
    expect(events).toHaveLength(1000);
    expect(events[0]!.lastEventId).toBe('500');
  });

  it('reports the last event ID, from the stats once published', () => {
    const { store, client } = setup({ lastEventId: '41' });
    store.start();
    expect(store.getSnapshot().lastEventId).toBe('41');
    const stream = client.streams[0]!;
    stream.stats = { ...stream.stats, events: 1, bytes: 30, lastEventId: '42' };
    stream.options.onEvent!(textEvent('a', '42'));
    frames.run();
    expect(store.getSnapshot().lastEventId).toBe('42');
    expect(store.getSnapshot().stats).toEqual(stream.stats);
  });
});

describe('coalescing', () => {
  it('notifies once for 1000 events within one frame, reading the stats once', () => {
    const { store, client, notifications } = setup();
    store.start();
    const stream = client.streams[0]!;
    const before = notifications();
    const reads = stream.reads;
    for (let i = 0; i < 1000; i++) stream.options.onEvent!(textEvent('tok '));
    expect(notifications()).toBe(before);
    expect(frames.pending).toBe(1);
    frames.run();
    expect(notifications()).toBe(before + 1);
    expect(stream.reads).toBe(reads + 1);
    expect(store.getSnapshot().text).toBe('tok '.repeat(1000));
    expect(store.getSnapshot().events).toHaveLength(1000);
  });

  it('uses a 16 ms timer where there is no requestAnimationFrame', () => {
    vi.unstubAllGlobals();
    vi.stubGlobal('requestAnimationFrame', undefined);
    vi.useFakeTimers();
    const { store, client, notifications } = setup();
    store.start();
    const before = notifications();
    for (let i = 0; i < 1000; i++) client.streams[0]!.options.onEvent!(textEvent('x'));
    vi.advanceTimersByTime(15);
    expect(notifications()).toBe(before);
    vi.advanceTimersByTime(1);
    expect(notifications()).toBe(before + 1);
    expect(store.getSnapshot().text).toHaveLength(1000);
  });

  it('publishes a status change at once, with the events received before it', () => {
    const { store, client, notifications } = setup();
    store.start();
    const { onEvent, onRetry } = client.streams[0]!.options;
    onEvent!(textEvent('partial '));
    const before = notifications();
    onRetry!({ attempt: 1, delayMs: 1000, error: streamError('connection reset', false) });
    expect(notifications()).toBe(before + 1);
    expect(store.getSnapshot()).toMatchObject({ status: 'retrying', isStreaming: true, text: 'partial ' });
    expect(frames.pending).toBe(0); // the scheduled frame was folded into this snapshot
  });

  it('publishes the complete text when the stream closes, without waiting for a frame', () => {
    const { store, client } = setup();
    store.start();
    const stream = client.streams[0]!;
    stream.options.onEvent!(textEvent('The end'));
    stream.options.onEvent!(textEvent('.'));
    stream.close({ reason: 'done' });
    expect(store.getSnapshot()).toMatchObject({ status: 'closed', text: 'The end.', closeReason: 'done', isStreaming: false });
  });
});

describe('lifecycle', () => {
  it('goes idle → connecting → open → closed', () => {
    const { store, client } = setup();
    const seen: string[] = [store.getSnapshot().status];
    store.subscribe(() => seen.push(store.getSnapshot().status));
    store.start();
    const stream = client.streams[0]!;
    stream.options.onOpen!({ status: 200, headers: new Headers(), attempt: 1 });
    stream.options.onEvent!(textEvent('hi'));
    frames.run();
    stream.close({ reason: 'done' });
    expect(seen).toEqual(['idle', 'connecting', 'open', 'open', 'closed']);
    expect(store.getSnapshot().isStreaming).toBe(false);
    expect(store.getSnapshot().closeReason).toBe('done');
  });

  it('merges start overrides over the options and passes none of its own options on', () => {
    const { store, client } = setup({ headers: { authorization: 'Bearer t' }, maxEvents: 10 });
    store.start({ url: '/api/other', body: { message: 'hello' } });
    const { options } = client.streams[0]!;
    expect(options).toMatchObject({ url: '/api/other', body: { message: 'hello' }, headers: { authorization: 'Bearer t' } });
    expect(options).not.toHaveProperty('start');
    expect(options).not.toHaveProperty('maxEvents');
  });

  it('stops the running stream before starting the next, and ignores its late callbacks', () => {
    const client = fakeClient({ stopClosesSync: false });
    const onEvent = vi.fn();
    const onClose = vi.fn();
    const { store } = setup({ onEvent, onClose }, client);
    store.start();
    const old = client.streams[0]!;
    old.options.onEvent!(textEvent('old answer'));
    old.options.onError!(streamError('old problem', false));
    frames.run();
    store.start();
    expect(client.log).toEqual(['start 0', 'stop 0', 'start 1']);
    // Cleared for the new stream.
    expect(store.getSnapshot()).toMatchObject({ status: 'connecting', text: '', events: [], thoughts: [], error: null });
    const fresh = client.streams[1]!;
    fresh.options.onEvent!(textEvent('new'));
    old.options.onEvent!(textEvent(' late'));
    old.options.onError!(streamError('late problem', true));
    old.close({ reason: 'stopped' });
    frames.run();
    expect(store.getSnapshot()).toMatchObject({ status: 'connecting', isStreaming: true, text: 'new', error: null, closeReason: null });
    expect(onEvent).toHaveBeenCalledTimes(2); // 'old answer' and 'new'; not the late one
    expect(onClose).toHaveBeenCalledTimes(1); // the old stream's close is still the user's to see
    expect(onClose).toHaveBeenCalledWith({ reason: 'stopped' });
  });

  it('stop() stops the handle and shows the stream closed at once', () => {
    const client = fakeClient({ stopClosesSync: false });
    const { store } = setup({}, client);
    store.start();
    client.streams[0]!.options.onEvent!(textEvent('half'));
    store.stop();
    expect(client.streams[0]!.stopCalls).toBe(1);
    expect(store.getSnapshot()).toMatchObject({ status: 'closed', isStreaming: false, closeReason: 'stopped', text: 'half' });
    store.stop(); // nothing left to stop
    expect(client.streams[0]!.stopCalls).toBe(1);
  });

  it('stop() when the client closes synchronously reports the close once', () => {
    const onClose = vi.fn();
    const { store, client, notifications } = setup({ onClose });
    store.start();
    const before = notifications();
    store.stop();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(notifications()).toBe(before + 1);
    expect(store.getSnapshot().closeReason).toBe('stopped');
    expect(client.streams[0]!.stopCalls).toBe(1);
  });

  it('shows the StreamError from onError, and keeps it when the stream fails', () => {
    const { store, client } = setup();
    store.start();
    const stream = client.streams[0]!;
    const transient = streamError('network error, retrying', false);
    stream.options.onError!(transient);
    expect(store.getSnapshot().error).toBe(transient);
    expect(store.getSnapshot().isStreaming).toBe(true);
    const fatal = Object.assign(streamError('HTTP 500', true), { kind: 'http' as const, status: 500 });
    stream.options.onError!(fatal);
    stream.close({ reason: 'error', error: fatal });
    expect(store.getSnapshot()).toMatchObject({ status: 'closed', closeReason: 'error', isStreaming: false });
    expect(store.getSnapshot().error).toBe(fatal);
    store.start();
    expect(store.getSnapshot().error).toBeNull();
  });

  it('reports bad options the client throws as an error and a close', () => {
    const invalid = Object.assign(streamError('`url` is required', true), { kind: 'invalid-option' as const });
    const onError = vi.fn();
    const onClose = vi.fn();
    const store = createStreamStore({ url: '', onError, onClose, start: () => { throw invalid; } });
    store.start();
    expect(store.getSnapshot()).toMatchObject({ status: 'closed', error: invalid, closeReason: 'error', isStreaming: false });
    expect(onError).toHaveBeenCalledWith(invalid);
    expect(onClose).toHaveBeenCalledWith({ reason: 'error', error: invalid });
    const bug = createStreamStore({ url: '/', start: () => { throw new TypeError('bug'); } });
    expect(() => bug.start()).toThrow('bug');
  });
});

describe('callbacks and listeners', () => {
  it('still calls every user callback with what the client passed', () => {
    const calls: string[] = [];
    const { store, client } = setup({
      onOpen: (info) => calls.push(`open ${info.status}`),
      onEvent: (event) => calls.push(`event ${event.kind}`),
      onRetry: (info) => calls.push(`retry ${info.attempt}`),
      onError: (error) => calls.push(`error ${error.message}`),
      onClose: (info) => calls.push(`close ${info.reason}`),
    });
    store.start();
    const s = client.streams[0]!;
    s.options.onOpen!({ status: 200, headers: new Headers(), attempt: 1 });
    s.options.onEvent!(textEvent('a'));
    s.options.onError!(streamError('reset', false));
    s.options.onRetry!({ attempt: 2, delayMs: 10, error: streamError('reset', false) });
    s.close({ reason: 'done' });
    expect(calls).toEqual(['open 200', 'event text', 'error reset', 'retry 2', 'close done']);
  });

  it('calls the latest callbacks from setOptions, also on a running stream; start overrides win', () => {
    const first = vi.fn();
    const second = vi.fn();
    const own = vi.fn();
    const client = fakeClient();
    const store = createStreamStore({ url: '/', start: client.start, onEvent: first });
    store.start();
    store.setOptions({ url: '/', start: client.start, onEvent: second });
    client.streams[0]!.options.onEvent!(textEvent('a'));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    store.start({ onEvent: own });
    client.streams[1]!.options.onEvent!(textEvent('b'));
    expect(own).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
  });

  it('uses the options from setOptions for the next start', () => {
    const client = fakeClient();
    const store = createStreamStore({ url: '/one', start: client.start });
    store.setOptions({ url: '/two', start: client.start });
    store.start();
    expect(client.streams[0]!.options.url).toBe('/two');
  });

  it('has a stable subscribe, and stops notifying after unsubscribe', () => {
    const client = fakeClient();
    const store = createStreamStore({ url: '/', start: client.start });
    expect(store.subscribe).toBe(store.subscribe);
    const listener = vi.fn();
    const unsubscribe = store.subscribe(listener);
    store.start();
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    client.streams[0]!.options.onOpen!({ status: 200, headers: new Headers(), attempt: 1 });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getSnapshot().status).toBe('open');
  });

  it('destroy() stops the stream and drops the listeners', () => {
    const { store, client } = setup();
    const listener = vi.fn();
    store.subscribe(listener);
    store.start();
    client.streams[0]!.options.onEvent!(textEvent('a'));
    listener.mockClear();
    store.destroy();
    expect(client.streams[0]!.stopCalls).toBe(1);
    frames.run();
    store.start();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('provider protocols', () => {
  const call = (toolCallId: string, toolName: string, argsDelta: string): StreamEvent => ({
    kind: 'tool-call', type: 'message', toolCallId, toolName, argsDelta, data: '{}', lastEventId: '', json: {},
  });

  it('assembles tool calls from their pieces, with input once the arguments parse', () => {
    const { store, client } = setup();
    store.start();
    const on = client.streams[0]!.options.onEvent!;
    on(call('a', 'get_weather', ''));
    on(call('b', 'search', '{"q":'));
    on(call('a', 'get_weather', '{"city":'));
    frames.run();
    const first = store.getSnapshot().toolCalls;
    expect(first).toEqual([
      { id: 'a', name: 'get_weather', args: '{"city":' },
      { id: 'b', name: 'search', args: '{"q":' },
    ]);
    expect(first[0]).not.toHaveProperty('input');
    on(call('a', 'get_weather', '"東京"}'));
    frames.run();
    const second = store.getSnapshot().toolCalls;
    expect(second[0]).toEqual({ id: 'a', name: 'get_weather', args: '{"city":"東京"}', input: { city: '東京' } });
    expect(second[1]).toBe(first[1]); // an unchanged call keeps its object
    expect(Object.isFrozen(second) && Object.isFrozen(second[0])).toBe(true);
  });

  it('keeps the usage of the done event, null when none came, and clears both on start', () => {
    const { store, client } = setup();
    store.start();
    expect(store.getSnapshot().usage).toBeNull();
    const on = client.streams[0]!.options.onEvent!;
    on(call('a', 'f', '{}'));
    on({ kind: 'done', type: 'message', status: 'stop', usage: { inputTokens: 12, outputTokens: 34 }, data: '[DONE]', lastEventId: '', json: undefined });
    frames.run();
    expect(store.getSnapshot().usage).toEqual({ inputTokens: 12, outputTokens: 34 });
    store.start();
    expect(store.getSnapshot()).toMatchObject({ usage: null, toolCalls: [] });
    client.streams[1]!.options.onEvent!({ kind: 'done', type: 'done', data: '{}', lastEventId: '', json: {} });
    frames.run();
    expect(store.getSnapshot().usage).toBeNull();
  });

  it('passes the protocol option to the client', () => {
    const { store, client } = setup({ protocol: 'anthropic' });
    store.start();
    expect(client.streams[0]!.options.protocol).toBe('anthropic');
  });
});
