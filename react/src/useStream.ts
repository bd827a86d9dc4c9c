// The React binding of the stream store: one store per component, read through
// useSyncExternalStore; the stream stops when the component unmounts.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { StreamOptions } from 'wasm-sse';
import { createStreamStore, type StreamState, type StreamStoreOptions } from './store.js';

/** The options of {@link useStream}: those of `startStream`, `maxEvents`, `autoStart` and an injectable `start`. */
export type UseStreamOptions = Omit<StreamStoreOptions, 'start'> & {
  /** Start a stream when the component mounts (once, also under StrictMode). Default false. */
  autoStart?: boolean;
  /** Starts a stream; defaults to `startStream` of wasm-sse. Inject a fake in tests. */
  start?: StreamStoreOptions['start'];
};

/** The stream's state, and the two actions of the old `useSSE` hook. Both actions are stable functions. */
export interface UseStreamResult extends StreamState {
  /** Stops the running stream (if one runs) and starts a new one with `overrides` over the options. */
  startStream(overrides?: Partial<StreamOptions>): void;
  /** Stops the running stream. */
  stopStream(): void;
}

/**
 * Streams with wasm-sse and renders its state: text, thoughts and events, at most one render
 * per animation frame. Options are read again on every render (fresh callbacks are used even
 * by a running stream); URL and body take effect on the next `startStream`.
 */
export function useStream(options: UseStreamOptions): UseStreamResult {
  const { autoStart = false, ...storeOptions } = options;
  // Creating a store has no side effects, so StrictMode's second initializer call is harmless.
  const [store] = useState(() => createStreamStore(storeOptions));
  useEffect(() => store.setOptions(storeOptions));
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);

  useEffect(() => () => store.stop(), [store]);
  useEffect(() => {
    if (!autoStart) return;
    // StrictMode mounts, unmounts and mounts again at once: the cleanup cancels the first start.
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) store.start();
    });
    return () => {
      cancelled = true;
    };
  }, [store, autoStart]);

  return useMemo(() => ({ ...state, startStream: store.start, stopStream: store.stop }), [state, store]);
}
