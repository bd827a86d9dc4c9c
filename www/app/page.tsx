import { Demo } from './demo';

export default function Page() {
  return (
    <main>
      <header>
        <h1>wasm-sse demo</h1>
        <p className="lead">
          Type a prompt and press Send: the agent&apos;s thoughts and answer stream in over Server-Sent
          Events, decoded in your browser by <code>wasm-sse</code> (Rust compiled to WebAssembly).
        </p>
      </header>
      <Demo />
    </main>
  );
}
