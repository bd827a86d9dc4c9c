//! The token streams of the native benchmarks (LLM tokens, and the same tokens as OpenAI
//! Chat Completions chunks), shared by benches/throughput.rs and the npm decoding path's
//! profiling targets (`js::tests::profile_*`). The browser benchmark's generators
//! (bench/page/workloads.js) write the same bytes.

/// The tokens' words; the last has a JSON-escaped newline, as the browser workload has.
const WORDS: [&str; 10] = [
    "the",
    " quick",
    " brown",
    " fox",
    " jumps over",
    " the lazy dog",
    ",",
    " and then",
    " streams",
    " tokens.\\n",
];

/// The `i`th token (JSON-escaped): a word and 0 to 3 times `xyz`.
fn token(i: usize) -> String {
    format!("{}{}", WORDS[i % WORDS.len()], "xyz".repeat(i % 4))
}

/// LLM tokens: `event: text` with 3–20-byte contents, as agent backends send them.
pub fn llm_tokens(total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + 64);
    let mut i = 0usize;
    while out.len() < total {
        let token = token(i);
        out.extend_from_slice(
            format!("event: text\nid: {i}\ndata: {{\"content\":\"{token}\"}}\n\n").as_bytes(),
        );
        i += 1;
    }
    out
}

/// The same tokens as OpenAI Chat Completions chunks (`choices[0].delta.content`, with the
/// id, model and fingerprint a real chunk has), ending `data: [DONE]`: the browser
/// benchmark's `openaiTokens`.
pub fn openai_tokens(total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + 64);
    let mut i = 0usize;
    while out.len() < total {
        let token = token(i);
        out.extend_from_slice(
            format!(
                "data: {{\"id\":\"chatcmpl-B9x7kQe2VwRt5LmN0pZs3YcH\",\"object\":\"chat.completion.chunk\",\
                 \"created\":1735689600,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\
                 \"fp_0ba0d124f1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{token}\"}},\
                 \"logprobs\":null,\"finish_reason\":null}}]}}\n\n"
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}
