//! The reconnection policy as tables: every outcome × request kind × resumability.

use super::*;

const NO_JITTER: RetryConfig =
    RetryConfig { max_retries: 3, initial_delay_ms: 100, max_delay_ms: 1_000, jitter: false };

fn cx(safe_method: bool, has_id: bool) -> Context {
    Context { safe_method, has_last_event_id: has_id, server_retry_ms: None, random: 0.5 }
}

fn reconnect(delay_ms: u64, attempt: u32) -> Decision {
    Decision::Reconnect { delay_ms, attempt }
}

#[test]
fn first_decision_for_each_outcome() {
    use Outcome::*;
    let http = |status| Http { status, retry_after_ms: None };
    // (outcome, GET, GET+id, POST, POST+id)
    let give_up = |r: GiveUpReason| Decision::GiveUp(r);
    let not_resumable = || give_up(GiveUpReason::NotResumable);
    let maybe_processed = |status| give_up(GiveUpReason::MaybeProcessed { status });
    let table: Vec<(Outcome, [Decision; 4])> = vec![
        (Done, [(); 4].map(|_| Decision::Close(CloseReason::Done))),
        (Aborted, [(); 4].map(|_| Decision::Close(CloseReason::Stopped))),
        (http(204), [(); 4].map(|_| Decision::Close(CloseReason::NoContent))),
        (ContentType, [(); 4].map(|_| give_up(GiveUpReason::ContentType))),
        (Network { opened: false }, [(); 4].map(|_| reconnect(100, 1))),
        (
            Network { opened: true },
            [reconnect(100, 1), reconnect(100, 1), not_resumable(), reconnect(100, 1)],
        ),
        (Ended, [reconnect(100, 1), reconnect(100, 1), not_resumable(), reconnect(100, 1)]),
        // A POST without an event ID is re-sent only after statuses that say it was not
        // processed (408, 429, 503); 500, 502, 504 can come after the work started.
        (http(500), [reconnect(100, 1), reconnect(100, 1), maybe_processed(500), reconnect(100, 1)]),
        (http(502), [reconnect(100, 1), reconnect(100, 1), maybe_processed(502), reconnect(100, 1)]),
        (http(504), [reconnect(100, 1), reconnect(100, 1), maybe_processed(504), reconnect(100, 1)]),
        (http(501), [reconnect(100, 1), reconnect(100, 1), maybe_processed(501), reconnect(100, 1)]),
        (http(503), [(); 4].map(|_| reconnect(100, 1))),
        (http(408), [(); 4].map(|_| reconnect(100, 1))),
        (http(429), [(); 4].map(|_| reconnect(100, 1))),
        (http(400), [(); 4].map(|_| give_up(GiveUpReason::Http { status: 400 }))),
        (http(401), [(); 4].map(|_| give_up(GiveUpReason::Http { status: 401 }))),
        (http(403), [(); 4].map(|_| give_up(GiveUpReason::Http { status: 403 }))),
        (http(404), [(); 4].map(|_| give_up(GiveUpReason::Http { status: 404 }))),
        (http(301), [(); 4].map(|_| give_up(GiveUpReason::Http { status: 301 }))),
    ];
    let contexts = [cx(true, false), cx(true, true), cx(false, false), cx(false, true)];
    for (outcome, expected) in table {
        for (context, want) in contexts.iter().zip(expected) {
            let got = ReconnectPolicy::new(NO_JITTER).decide(outcome, context);
            assert_eq!(got, want, "{outcome:?} with {context:?}");
        }
    }
}

#[test]
fn exponential_backoff_capped_then_gives_up() {
    let mut policy = ReconnectPolicy::new(RetryConfig { max_retries: 6, ..NO_JITTER });
    let delays: Vec<Decision> =
        (0..7).map(|_| policy.decide(Outcome::Network { opened: false }, &cx(true, false))).collect();
    assert_eq!(
        delays,
        [
            reconnect(100, 1),
            reconnect(200, 2),
            reconnect(400, 3),
            reconnect(800, 4),
            reconnect(1_000, 5),
            reconnect(1_000, 6),
            Decision::GiveUp(GiveUpReason::RetriesExhausted { failures: 7 }),
        ]
    );
}

#[test]
fn counter_resets_after_a_connection_delivered_an_event() {
    let mut policy = ReconnectPolicy::new(NO_JITTER);
    let get = cx(true, false);
    assert_eq!(policy.decide(Outcome::Ended, &get), reconnect(100, 1));
    assert_eq!(policy.decide(Outcome::Ended, &get), reconnect(200, 2));
    policy.record_event();
    assert_eq!(policy.failures(), 0);
    assert_eq!(policy.decide(Outcome::Ended, &get), reconnect(100, 1));
}

#[test]
fn server_retry_is_the_base_and_can_exceed_the_cap() {
    let mut policy = ReconnectPolicy::new(NO_JITTER);
    let with_retry = |ms| Context { server_retry_ms: Some(ms), ..cx(true, false) };
    assert_eq!(policy.decide(Outcome::Ended, &with_retry(300)), reconnect(300, 1));
    assert_eq!(policy.decide(Outcome::Ended, &with_retry(300)), reconnect(600, 2));
    assert_eq!(policy.decide(Outcome::Ended, &with_retry(5_000)), reconnect(5_000, 3));
}

#[test]
fn retry_after_is_a_minimum_within_the_cap() {
    let mut policy = ReconnectPolicy::new(NO_JITTER);
    let busy = Outcome::Http { status: 429, retry_after_ms: Some(700) };
    assert_eq!(policy.decide(busy, &cx(false, false)), reconnect(700, 1));
    let soon = Outcome::Http { status: 503, retry_after_ms: Some(10) };
    assert_eq!(policy.decide(soon, &cx(false, false)), reconnect(200, 2));
    // A day is capped by max_delay_ms (1 s here), or by the server's `retry:` when longer.
    let a_day = Outcome::Http { status: 503, retry_after_ms: Some(86_400_000) };
    assert_eq!(policy.decide(a_day, &cx(true, false)), reconnect(1_000, 3));
    let with_retry = Context { server_retry_ms: Some(5_000), ..cx(true, false) };
    assert_eq!(ReconnectPolicy::new(NO_JITTER).decide(a_day, &with_retry), reconnect(5_000, 1));
}

#[test]
fn full_jitter_scales_the_backoff_by_the_random_number() {
    let config = RetryConfig { jitter: true, ..NO_JITTER };
    for (random, want) in [(0.0, 0), (0.25, 25), (0.5, 50), (0.999, 99), (7.0, 100), (-1.0, 0)] {
        let context = Context { random, ..cx(true, false) };
        let got = ReconnectPolicy::new(config).decide(Outcome::Ended, &context);
        assert_eq!(got, reconnect(want, 1), "random {random}");
    }
}

#[test]
fn disabled_policy_closes_on_a_clean_end() {
    for context in [cx(true, false), cx(false, false), cx(false, true)] {
        let got = ReconnectPolicy::new(RetryConfig::DISABLED).decide(Outcome::Ended, &context);
        assert_eq!(got, Decision::Close(CloseReason::Ended), "{context:?}");
    }
}

#[test]
fn disabled_policy_never_reconnects() {
    let got = ReconnectPolicy::new(RetryConfig::DISABLED)
        .decide(Outcome::Network { opened: false }, &cx(true, true));
    assert_eq!(got, Decision::GiveUp(GiveUpReason::RetriesExhausted { failures: 1 }));
    // A POST answered 502 with reconnection off: not "may have started its work" (which
    // would not be retried even with it on) but "reconnection is off".
    for status in [500, 502, 504] {
        let got = ReconnectPolicy::new(RetryConfig::DISABLED)
            .decide(Outcome::Http { status, retry_after_ms: None }, &cx(false, false));
        assert_eq!(got, Decision::GiveUp(GiveUpReason::RetriesExhausted { failures: 1 }), "{status}");
    }
}

#[test]
fn huge_attempt_counts_do_not_overflow() {
    let mut policy = ReconnectPolicy::new(RetryConfig {
        max_retries: u32::MAX,
        initial_delay_ms: u64::MAX / 2,
        max_delay_ms: u64::MAX,
        jitter: false,
    });
    for _ in 0..200 {
        let Decision::Reconnect { delay_ms, .. } = policy.decide(Outcome::Ended, &cx(true, false)) else {
            panic!()
        };
        assert!(delay_ms >= u64::MAX / 2);
    }
}

#[test]
fn every_give_up_reason_says_what_to_do() {
    let reasons = [
        GiveUpReason::Http { status: 401 },
        GiveUpReason::Http { status: 404 },
        GiveUpReason::ContentType,
        GiveUpReason::NotResumable,
        GiveUpReason::MaybeProcessed { status: 502 },
        GiveUpReason::RetriesExhausted { failures: 3 },
    ];
    for reason in reasons {
        let text = reason.to_string();
        assert!(text.len() > 40 && text.contains(';'), "{reason:?}: {text}");
    }
}
