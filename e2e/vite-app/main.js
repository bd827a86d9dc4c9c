// Streams the agent through the installed package; the URL comes from ?backend=.
import { startStream } from 'wasm-sse';

const backend = new URLSearchParams(location.search).get('backend');
const answer = document.getElementById('answer');
const status = document.getElementById('status');
startStream({
  url: `${backend}/agent?prompt=vite&delay_ms=1`,
  onEvent(event) {
    if (event.kind === 'text') answer.textContent += event.content;
  },
  onClose: ({ reason }) => { status.textContent = reason; },
});
