import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'wasm-sse demo',
  description: 'An agent answer streamed over Server-Sent Events by wasm-sse, a Rust/WebAssembly client.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
