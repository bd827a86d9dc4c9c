//! Stall detection: when a connection that is open but silent counts as dropped. A proxy
//! or a mobile network can lose a connection without a FIN; without this the stream would
//! wait forever. Pure: times (milliseconds on one clock) are passed in.

/// How long an open connection may go without a byte (data or comments) before it counts
/// as dropped: the attempt then ends with a retriable network error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdleTimeout {
    /// Learn it from the server: once it has sent two keep-alive comments, a silence of
    /// three times their interval (at least [`IdleTimeout::AUTO_MIN_MS`]) is a stall.
    /// Before that, no silence is.
    #[default]
    Auto,
    /// Never: wait as long as the connection stays open.
    Off,
    /// This many milliseconds of silence.
    Ms(u64),
}

impl IdleTimeout {
    /// The shortest silence `Auto` takes as a stall, whatever the keep-alive interval.
    pub const AUTO_MIN_MS: u64 = 5_000;

    /// `0` turns detection off, as the JS option `idleTimeoutMs: 0` does.
    pub fn from_ms(ms: u64) -> Self {
        if ms == 0 {
            IdleTimeout::Off
        } else {
            IdleTimeout::Ms(ms)
        }
    }
}

/// The keep-alive rhythm a stream has shown, and the silence it allows.
#[derive(Debug, Clone)]
pub struct StallWatch {
    timeout: IdleTimeout,
    /// When the last keep-alive comment arrived.
    last_keepalive: Option<f64>,
    /// The time between the last two keep-alives.
    interval_ms: Option<f64>,
}

impl StallWatch {
    /// A watch with no keep-alives seen yet.
    pub fn new(timeout: IdleTimeout) -> Self {
        Self { timeout, last_keepalive: None, interval_ms: None }
    }

    /// A keep-alive comment arrived at `now`. Kept across reconnections: the rhythm is the
    /// server's.
    pub fn on_keepalive(&mut self, now: f64) {
        if let Some(previous) = self.last_keepalive.replace(now) {
            self.interval_ms = Some((now - previous).max(0.0));
        }
    }

    /// A connection opened: the next one must show its own keep-alive to count from it.
    pub fn on_open(&mut self) {
        self.last_keepalive = None;
    }

    /// Whether no silence will ever count as a stall (`Off`).
    pub fn never(&self) -> bool {
        self.timeout == IdleTimeout::Off
    }

    /// The silence that counts as a stall now, in milliseconds; `None` while none does.
    pub fn limit_ms(&self) -> Option<u64> {
        match self.timeout {
            IdleTimeout::Off => None,
            IdleTimeout::Ms(ms) => Some(ms),
            // Truncation is intended: whole milliseconds.
            IdleTimeout::Auto => {
                self.interval_ms.map(|interval| ((interval * 3.0) as u64).max(IdleTimeout::AUTO_MIN_MS))
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn explicit_and_off() {
        assert_eq!(StallWatch::new(IdleTimeout::Ms(500)).limit_ms(), Some(500));
        assert_eq!(StallWatch::new(IdleTimeout::Off).limit_ms(), None);
        assert_eq!(IdleTimeout::from_ms(0), IdleTimeout::Off);
        assert_eq!(IdleTimeout::from_ms(250), IdleTimeout::Ms(250));
        // Keep-alives change nothing when the limit is given.
        let mut watch = StallWatch::new(IdleTimeout::Ms(500));
        watch.on_keepalive(0.0);
        watch.on_keepalive(10_000.0);
        assert_eq!(watch.limit_ms(), Some(500));
    }

    #[test]
    fn auto_waits_for_two_keepalives_then_allows_three_intervals_at_least_five_seconds() {
        let mut watch = StallWatch::new(IdleTimeout::Auto);
        assert_eq!(watch.limit_ms(), None, "no keep-alive: no silence is a stall");
        watch.on_keepalive(1_000.0);
        assert_eq!(watch.limit_ms(), None, "one keep-alive shows no interval");
        watch.on_keepalive(1_300.0);
        assert_eq!(watch.limit_ms(), Some(5_000), "3 × 300 ms is under the minimum");
        watch.on_keepalive(16_300.0);
        assert_eq!(watch.limit_ms(), Some(45_000), "the latest interval, 15 s, × 3");
        watch.on_keepalive(18_300.0);
        assert_eq!(watch.limit_ms(), Some(6_000));
    }

    #[test]
    fn a_new_connection_keeps_the_rhythm_but_not_the_last_keepalive() {
        let mut watch = StallWatch::new(IdleTimeout::Auto);
        watch.on_keepalive(0.0);
        watch.on_keepalive(2_000.0);
        watch.on_open();
        assert_eq!(watch.limit_ms(), Some(6_000), "the server's rhythm is known");
        // The first keep-alive of the new connection is not measured against the old one.
        watch.on_keepalive(60_000.0);
        assert_eq!(watch.limit_ms(), Some(6_000));
        watch.on_keepalive(61_000.0);
        assert_eq!(watch.limit_ms(), Some(5_000));
    }

    #[test]
    fn clock_going_backwards_is_no_interval_below_zero() {
        let mut watch = StallWatch::new(IdleTimeout::Auto);
        watch.on_keepalive(5_000.0);
        watch.on_keepalive(4_000.0);
        assert_eq!(watch.limit_ms(), Some(5_000));
    }
}
