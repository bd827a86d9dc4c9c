// The byte streams every competitor is fed, with what a correct parser must get out of them.
// The LLM-token and 1 KB generators follow benches/throughput.rs so browser and native figures compare.

const encoder = new TextEncoder();

/**
 * Encodes event blocks into one buffer while recording the answer key: event count, the
 * concatenated `content` of JSON payloads, the total `data` length, and where each event
 * ends (latency runs need to know which chunk completes which event).
 */
class StreamBuilder {
  #buf = new Uint8Array(1 << 16);
  length = 0;
  events = 0;
  dataChars = 0;
  #content = [];
  eventEnds = [];

  /** An event block: `content` is what JSON.parse(data).content yields ('' when absent). */
  event(block, data, content) {
    this.#write(block);
    this.events += 1;
    this.dataChars += data.length;
    if (content) this.#content.push(content);
    this.eventEnds.push(this.length);
  }

  /** Bytes that dispatch nothing (comments). */
  raw(text) {
    this.#write(text);
  }

  #write(text) {
    // UTF-8 never needs more than 3 bytes per UTF-16 unit.
    const need = this.length + text.length * 3;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.length));
      this.#buf = grown;
    }
    this.length += encoder.encodeInto(text, this.#buf.subarray(this.length)).written;
  }

  finish(name) {
    return {
      name,
      bytes: this.#buf.slice(0, this.length),
      events: this.events,
      dataChars: this.dataChars,
      content: this.#content.join(''),
      eventEnds: this.eventEnds,
    };
  }
}

// The native bench's word list (benches/throughput.rs). The last word's newline is
// JSON-escaped, as a server would send it (so every payload parses and one in ten takes the
// unescaping path).
const WORDS = ['the', ' quick', ' brown', ' fox', ' jumps over', ' the lazy dog', ',', ' and then', ' streams', ' tokens.\n'];

function token(i) {
  return WORDS[i % WORDS.length] + 'xyz'.repeat(i % 4);
}

/** LLM tokens: `event: text`, an id, and a 3–20-byte content, about 50 bytes an event. */
export function llmTokens(total) {
  const b = new StreamBuilder();
  for (let i = 0; b.length < total; i++) {
    const content = token(i);
    const data = JSON.stringify({ content });
    b.event(`event: text\nid: ${i}\ndata: ${data}\n\n`, data, content);
  }
  return b.finish('LLM tokens');
}

/**
 * OpenAI Chat Completions chunks carrying the LLM tokens above (`choices[0].delta.content`,
 * with the id, model and fingerprint fields a real chunk has, about 230 bytes an event),
 * ending `data: [DONE]`. wasm-sse reads it with `protocol: 'openai'`; the JS rows read
 * `choices[0].delta.content` as apps do.
 */
export function openaiTokens(total) {
  const b = new StreamBuilder();
  const head = '{"id":"chatcmpl-B9x7kQe2VwRt5LmN0pZs3YcH","object":"chat.completion.chunk","created":1735689600,' +
    '"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":';
  for (let i = 0; b.length < total; i++) {
    const content = token(i);
    const data = `${head}${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]}`;
    b.event(`data: ${data}\n\n`, data, content);
  }
  b.event('data: [DONE]\n\n', '[DONE]', '');
  const workload = b.finish('OpenAI chat tokens');
  workload.protocol = 'openai';
  return workload;
}

const FILLER = 'lorem ipsum dolor sit amet '.repeat(40).slice(0, 990);

function kbEvent(b, seq) {
  const data = `{"seq":${seq},"content":"${FILLER}"}`;
  b.event(`event: message\ndata: ${data}\n\n`, data, FILLER);
}

/** 1 KB JSON events, as in the native bench. */
export function kbEvents(total) {
  const b = new StreamBuilder();
  for (let i = 0; b.length < total; i++) kbEvent(b, i);
  return b.finish('1 KB JSON events');
}

/**
 * One event of `size` bytes of content. JSON rather than the native bench's bare 'a's, so
 * the +JSON.parse rows and the content check apply to it like to every other workload.
 */
export function oneEvent(size) {
  const b = new StreamBuilder();
  const content = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(size / 27)).slice(0, size);
  const data = JSON.stringify({ content });
  b.event(`event: message\ndata: ${data}\n\n`, data, content);
  return b.finish(`one ${size >= 1e6 ? size / 1e6 + ' MB' : size / 1e3 + ' KB'} event`);
}

// Tokens that make decoders work: escapes, 2-, 3- and 4-byte UTF-8 (a character cut across
// two chunks must come out whole), and a \u escape that only a real JSON decoder resolves.
const HARD_TOKENS = [' café', ' 世界', ' 🚀 launch', ' "quoted"', ' back\\slash', ' tab\there', ' naïve — façade'];

/**
 * What an agent backend sends, shuffled by a fixed rule: text and thought tokens, 1 KB and
 * 64 KB messages, multi-line data, CRLF line ends, ids, keep-alive comments and an event
 * type with no content. Every dispatched payload is JSON.
 */
export function mixed(total) {
  const b = new StreamBuilder();
  const big = 'lorem ipsum dolor sit amet '.repeat(2500).slice(0, 64_000);
  for (let i = 0; b.length < total; i++) {
    // A comment block alone dispatches nothing (the spec skips events with no data).
    if (i % 97 === 0) b.raw(': keep-alive\n\n');
    if (i % 1000 === 999) {
      const data = JSON.stringify({ content: big });
      b.event(`event: message\nid: m${i}\ndata: ${data}\n\n`, data, big);
    } else if (i % 50 === 0) {
      kbEvent(b, i);
    } else if (i % 211 === 0) {
      const data = `{"usage":{"tokens":${i}}}`;
      b.event(`event: usage\ndata: ${data}\n\n`, data, '');
    } else if (i % 41 === 0) {
      // Two data lines, joined with "\n" by the parser: still one JSON document.
      b.event(`event: text\ndata: {"content":\ndata: "two lines"}\n\n`, '{"content":\n"two lines"}', 'two lines');
    } else if (i % 31 === 0) {
      b.event(`event: text\ndata: {"content":"caf\\u00e9"}\n\n`, '{"content":"caf\\u00e9"}', 'café');
    } else if (i % 13 === 0) {
      const content = token(i);
      const data = JSON.stringify({ content });
      b.event(`event: text\r\nid: ${i}\r\ndata: ${data}\r\n\r\n`, data, content);
    } else {
      const kind = i % 7 === 0 ? 'thought' : 'text';
      const content = i % 17 === 0 ? HARD_TOKENS[(i / 17) % HARD_TOKENS.length] : token(i);
      const data = JSON.stringify({ content });
      b.event(`event: ${kind}\nid: ${i}\ndata: ${data}\n\n`, data, content);
    }
  }
  return b.finish('mixed stream');
}

/** `size`-byte views of one buffer: every competitor gets the very same chunk objects. */
export function chunksOf(bytes, size) {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/** One chunk per event, the way a server that flushes every token delivers them. */
export function chunksPerEvent(workload) {
  const chunks = [];
  let at = 0;
  for (const end of workload.eventEnds) {
    chunks.push(workload.bytes.subarray(at, end));
    at = end;
  }
  if (at < workload.bytes.length) chunks.push(workload.bytes.subarray(at));
  return chunks;
}

/** The bytes `/counter?n=N` sends, for end-to-end MB/s. */
export function counterBytes(n) {
  let bytes = 'event: done\ndata: {}\n\n'.length;
  for (let i = 1; i <= n; i++) bytes += 2 * String(i).length + 'id: \ndata: \n\n'.length;
  return bytes;
}
