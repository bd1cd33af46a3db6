//! The virtual clock: nanoseconds since the start of the run.
//!
//! The clock only moves when the driver moves it. It never goes backwards and
//! never wraps: both are reported as a [`ClockError`], never a panic.

use std::fmt;

/// Virtual time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VirtualClock {
    now: u64,
}

/// Why the clock refused to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockError {
    /// `advance_to(to)` with `to < now`.
    Backwards { now: u64, to: u64 },
    /// `advance_by(by)` would pass `u64::MAX` nanoseconds.
    Overflow { now: u64, by: u64 },
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::Backwards { now, to } => {
                write!(f, "virtual clock cannot go back from {now} ns to {to} ns")
            }
            ClockError::Overflow { now, by } => {
                write!(f, "virtual clock overflow: {now} ns + {by} ns")
            }
        }
    }
}

impl std::error::Error for ClockError {}

impl VirtualClock {
    /// A clock at time 0.
    pub fn new() -> Self {
        VirtualClock { now: 0 }
    }

    /// A clock at `now` ns (for resuming a replay, or tests).
    pub fn starting_at(now: u64) -> Self {
        VirtualClock { now }
    }

    /// The current virtual time in nanoseconds.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Moves the clock to `t`. Moving to the current time is a no-op;
    /// moving backwards is an error and leaves the clock unchanged.
    pub fn advance_to(&mut self, t: u64) -> Result<(), ClockError> {
        if t < self.now {
            return Err(ClockError::Backwards {
                now: self.now,
                to: t,
            });
        }
        self.now = t;
        Ok(())
    }

    /// Moves the clock forward by `d` ns and returns the new time. On
    /// overflow the clock is unchanged and an error is returned.
    pub fn advance_by(&mut self, d: u64) -> Result<u64, ClockError> {
        let t = self.now.checked_add(d).ok_or(ClockError::Overflow {
            now: self.now,
            by: d,
        })?;
        self.now = t;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_zero_and_moves_forward() {
        let mut c = VirtualClock::new();
        assert_eq!(c.now(), 0);
        c.advance_to(100).unwrap();
        assert_eq!(c.now(), 100);
        c.advance_to(100).unwrap();
        assert_eq!(c.now(), 100);
        assert_eq!(c.advance_by(50), Ok(150));
        assert_eq!(c.advance_by(0), Ok(150));
        assert_eq!(c.now(), 150);
    }

    #[test]
    fn never_goes_backwards() {
        let mut c = VirtualClock::starting_at(10);
        let e = c.advance_to(9).unwrap_err();
        assert_eq!(e, ClockError::Backwards { now: 10, to: 9 });
        assert_eq!(c.now(), 10);
        assert_eq!(
            e.to_string(),
            "virtual clock cannot go back from 10 ns to 9 ns"
        );
    }

    #[test]
    fn overflow_is_an_error() {
        let mut c = VirtualClock::starting_at(u64::MAX - 1);
        assert_eq!(c.advance_by(1), Ok(u64::MAX));
        let e = c.advance_by(1).unwrap_err();
        assert_eq!(
            e,
            ClockError::Overflow {
                now: u64::MAX,
                by: 1
            }
        );
        assert_eq!(c.now(), u64::MAX);
        c.advance_to(u64::MAX).unwrap();
    }
}
