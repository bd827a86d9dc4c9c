//! The LLM-token stream of the native benchmarks, shared by benches/throughput.rs and the
//! npm decoding path's profiling target (`js::tests::profile_llm_tokens`). The browser
//! benchmark's generator (bench/page/workloads.js) writes the same bytes.

/// LLM tokens: `event: text` with 3–20-byte contents, as agent backends send them.
pub fn llm_tokens(total: usize) -> Vec<u8> {
    let words = [
        "the",
        " quick",
        " brown",
        " fox",
        " jumps over",
        " the lazy dog",
        ",",
        " and then",
        " streams",
        " tokens.\\n", // a JSON-escaped newline, as the browser workload has
    ];
    let mut out = Vec::with_capacity(total + 64);
    let mut i = 0usize;
    while out.len() < total {
        let w = words[i % words.len()];
        let extra = "xyz".repeat(i % 4);
        out.extend_from_slice(
            format!("event: text\nid: {i}\ndata: {{\"content\":\"{w}{extra}\"}}\n\n").as_bytes(),
        );
        i += 1;
    }
    out
}
