//! Medians, ranges and percentiles of repeated measurements.

use std::time::Duration;

use crate::setup::Server;

/// The values of one measurement over every repetition.
#[derive(Clone, Debug, Default)]
pub(crate) struct Series(Vec<f64>);

impl Series {
    pub(crate) fn push(&mut self, value: f64) {
        self.0.push(value);
    }

    pub(crate) fn values(&self) -> &[f64] {
        &self.0
    }

    pub(crate) fn median(&self) -> f64 {
        median(&self.0)
    }

    pub(crate) fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub(crate) fn max(&self) -> f64 {
        self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// The median of `values` (NaN when there are none).
pub(crate) fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        f64::midpoint(sorted[mid - 1], sorted[mid])
    }
}

/// The `p`-th percentile (0–100) of latencies, nearest rank, in
/// microseconds.
pub(crate) fn percentile_us(sorted_nanos: &[u64], p: f64) -> f64 {
    if sorted_nanos.is_empty() {
        return f64::NAN;
    }
    // Nearest rank: the smallest value with at least p % of values at or
    // below it.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rank within a vector's length"
    )]
    let rank = ((p / 100.0) * sorted_nanos.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted_nanos.len()) - 1;
    nanos_to_us(sorted_nanos[index])
}

#[expect(clippy::cast_precision_loss, reason = "latencies far below 2^52 ns")]
pub(crate) fn nanos_to_us(nanos: u64) -> f64 {
    nanos as f64 / 1_000.0
}

/// A duration in nanoseconds, saturating.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < f64::EPSILON);
        assert!((median(&[4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < f64::EPSILON);
        let sorted: Vec<u64> = (1..=100).map(|i| i * 1_000).collect();
        assert!((percentile_us(&sorted, 50.0) - 50.0).abs() < f64::EPSILON);
        assert!((percentile_us(&sorted, 99.0) - 99.0).abs() < f64::EPSILON);
        assert!((percentile_us(&sorted, 100.0) - 100.0).abs() < f64::EPSILON);
    }
}

/// CPU time of this process (the client: every thread of its runtime) and
/// of the sandbox process: a shared machine's other work does not show in
/// them, unlike in wall time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CpuClock {
    client: Duration,
    server: Duration,
}

impl CpuClock {
    pub(crate) fn now(server: &Server) -> Result<CpuClock, String> {
        Ok(CpuClock {
            client: process_cpu(),
            server: server.cpu()?,
        })
    }

    /// Since `self`: (this process's CPU, the sandbox's CPU).
    pub(crate) fn elapsed(self, server: &Server) -> Result<(Duration, Duration), String> {
        let now = CpuClock::now(server)?;
        Ok((
            now.client.saturating_sub(self.client),
            now.server.saturating_sub(self.server),
        ))
    }
}

/// The CPU time this process has used, all threads together.
pub(crate) fn process_cpu() -> Duration {
    let time = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(
        u64::try_from(time.tv_sec).unwrap_or(0),
        u32::try_from(time.tv_nsec).unwrap_or(0),
    )
}
