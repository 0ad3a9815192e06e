//! Helpers shared by the benches.

/// A memory figure of this process from /proc/self/status (`VmHWM`, `VmRSS`) in MiB, or 0 where
/// /proc is absent.
fn status_mib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The process's peak resident memory in MiB.
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

/// The process's current resident memory in MiB.
#[allow(dead_code)] // each bench uses part of this module
pub fn current_rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// `--precision P` from the bench's arguments, else `auto` (as `stance analyze` and `score`).
pub fn precision_arg() -> stance::model::Precision {
    use clap::ValueEnum;
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--precision")
        .and_then(|i| args.get(i + 1))
        .map(|p| stance::model::Precision::from_str(p, true).expect("--precision auto|fp32|bf16|int8"))
        .unwrap_or(stance::model::Precision::Auto)
}
