// The hook in a rendered component (jsdom), with the fake client: what the user sees and
// how many streams their clicks and StrictMode open.
import { StrictMode, useRef, type ReactNode } from 'react';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { StreamEvent } from 'wasm-sse';
import { useStream, type UseStreamOptions } from '../src/index.js';
import { fakeClient, manualFrames, textEvent, thoughtEvent } from './fakeStream.js';

let frames: ReturnType<typeof manualFrames>;
let client: ReturnType<typeof fakeClient>;
beforeEach(() => {
  frames = manualFrames();
  vi.stubGlobal('requestAnimationFrame', frames.raf);
  vi.stubGlobal('cancelAnimationFrame', frames.caf);
  client = fakeClient();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function Chat(props: Partial<UseStreamOptions> & { onRender?: () => void }) {
  const { onRender, ...options } = props;
  const stream = useStream({ url: '/api/run_sse', start: client.start, ...options });
  const renders = useRef(0);
  renders.current++;
  onRender?.();
  return (
    <div>
      <button onClick={() => stream.startStream({ body: { message: 'hello' } })}>Send</button>
      <button onClick={stream.stopStream}>Stop</button>
      <p data-testid="status">{stream.status}</p>
      <p data-testid="streaming">{String(stream.isStreaming)}</p>
      <pre data-testid="text">{stream.text}</pre>
      <ul>{stream.thoughts.map((t, i) => <li key={i}>{t}</li>)}</ul>
    </div>
  );
}

const strict = (node: ReactNode) => <StrictMode>{node}</StrictMode>;
const text = () => screen.getByTestId('text').textContent;
const status = () => screen.getByTestId('status').textContent;
const send = (event: StreamEvent) => act(() => {
  client.streams.at(-1)!.options.onEvent!(event);
});
const nextFrame = () => act(() => frames.run());

it('starts one stream on Send and renders its text and thoughts', () => {
  render(<Chat />);
  expect(status()).toBe('idle');
  expect(client.streams).toHaveLength(0);
  fireEvent.click(screen.getByText('Send'));
  expect(client.streams).toHaveLength(1);
  expect(client.streams[0]!.options).toMatchObject({ url: '/api/run_sse', body: { message: 'hello' } });
  expect(status()).toBe('connecting');
  act(() => client.streams[0]!.options.onOpen!({ status: 200, headers: new Headers(), attempt: 1 }));
  expect(status()).toBe('open');
  send(thoughtEvent('Greeting the user.'));
  send(textEvent(' Hello'));
  send(textEvent(', world '));
  nextFrame();
  expect(text()).toBe(' Hello, world ');
  expect(screen.getByText('Greeting the user.')).toBeTruthy();
  act(() => client.streams[0]!.close({ reason: 'done' }));
  expect(status()).toBe('closed');
  expect(screen.getByTestId('streaming').textContent).toBe('false');
});

it('renders once per frame however many tokens arrive', () => {
  let renders = 0;
  render(<Chat onRender={() => renders++} />);
  fireEvent.click(screen.getByText('Send'));
  const before = renders;
  act(() => {
    for (let i = 0; i < 1000; i++) client.streams[0]!.options.onEvent!(textEvent('t'));
  });
  expect(renders).toBe(before);
  nextFrame();
  expect(renders).toBe(before + 1);
  expect(text()).toHaveLength(1000);
});

it('stops the stream on unmount', () => {
  const { unmount } = render(<Chat />);
  fireEvent.click(screen.getByText('Send'));
  unmount();
  expect(client.streams[0]!.stopCalls).toBe(1);
});

it('stops the stream with Stop', () => {
  render(<Chat />);
  fireEvent.click(screen.getByText('Send'));
  send(textEvent('partial'));
  fireEvent.click(screen.getByText('Stop'));
  expect(client.streams[0]!.stopCalls).toBe(1);
  expect(status()).toBe('closed');
  expect(text()).toBe('partial');
});

it('opens exactly one stream with autoStart under StrictMode, and stops it on unmount', async () => {
  const { unmount } = render(strict(<Chat autoStart />));
  await act(async () => {});
  expect(client.streams).toHaveLength(1);
  expect(client.streams[0]!.stopCalls).toBe(0);
  expect(status()).toBe('connecting');
  send(textEvent('auto'));
  nextFrame();
  expect(text()).toBe('auto');
  unmount();
  expect(client.streams[0]!.stopCalls).toBe(1);
});

it('opens exactly one stream per Send click under StrictMode', async () => {
  render(strict(<Chat />));
  await act(async () => {});
  expect(client.streams).toHaveLength(0);
  fireEvent.click(screen.getByText('Send'));
  await act(async () => {});
  expect(client.streams).toHaveLength(1);
  expect(client.streams[0]!.stopCalls).toBe(0);
  send(textEvent('one'));
  nextFrame();
  expect(text()).toBe('one');
});

it('calls the callback of the latest render', () => {
  const first = vi.fn();
  const second = vi.fn();
  const { rerender } = render(<Chat onEvent={first} />);
  fireEvent.click(screen.getByText('Send'));
  rerender(<Chat onEvent={second} />);
  send(textEvent('x'));
  expect(first).not.toHaveBeenCalled();
  expect(second).toHaveBeenCalledWith(expect.objectContaining({ kind: 'text', content: 'x' }));
});

it('stops the running stream when Send is clicked again, and shows only the new one', () => {
  render(<Chat />);
  fireEvent.click(screen.getByText('Send'));
  send(textEvent('first answer'));
  nextFrame();
  fireEvent.click(screen.getByText('Send'));
  expect(client.streams).toHaveLength(2);
  expect(client.streams[0]!.stopCalls).toBe(1);
  expect(text()).toBe('');
  send(textEvent('second answer'));
  nextFrame();
  expect(text()).toBe('second answer');
  expect(status()).toBe('connecting');
});

it('keeps startStream and stopStream stable across renders, with the latest options', () => {
  const starts = new Set<() => void>();
  const stops = new Set<() => void>();
  function Probe({ n }: { n: number }) {
    const { startStream, stopStream } = useStream({ url: `/api/${n}`, start: client.start });
    starts.add(startStream);
    stops.add(stopStream);
    return null;
  }
  const { rerender } = render(<Probe n={1} />);
  rerender(<Probe n={2} />);
  rerender(<Probe n={3} />);
  expect(starts.size).toBe(1);
  expect(stops.size).toBe(1);
  act(() => [...starts][0]!());
  expect(client.streams[0]!.options.url).toBe('/api/3');
});

it('renders the idle state on the server and starts nothing there', async () => {
  const { renderToString } = await import('react-dom/server');
  const html = renderToString(<Chat autoStart />);
  expect(html).toContain('idle');
  await Promise.resolve();
  expect(client.streams).toHaveLength(0);
});
