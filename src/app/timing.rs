//! Phase timing for benchmarks (`KEYMATCH_PHASE_TIMES=1`).

/// `KEYMATCH_PHASE_TIMES=1`: print the time since the scan started at the end
/// of each pipeline phase on standard error, for benchmarking (benches/README.md).
pub(super) struct PhaseTimes(Option<std::time::Instant>);

/// When the first phase timer was made: every mark of a run counts from there.
static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

impl PhaseTimes {
    pub(super) fn from_env() -> PhaseTimes {
        PhaseTimes(std::env::var_os("KEYMATCH_PHASE_TIMES").map(|_| *START.get_or_init(std::time::Instant::now)))
    }
    pub(super) fn mark(&self, phase: &str) {
        if let Some(start) = self.0 {
            let (rss, peak) = process_rss_mib();
            eprintln!(
                "keymatch: {phase} done at {:.1} ms (process CPU {:.1} ms, RSS {rss:.1} MiB, peak {peak:.1} MiB)",
                start.elapsed().as_secs_f64() * 1000.0,
                process_cpu_ms()
            );
        }
    }
}

/// Resident memory now and its peak so far, in MiB (`/proc/self/status` VmRSS, VmHWM).
fn process_rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |v| v / 1024.0)
    };
    (kib("VmRSS:"), kib("VmHWM:"))
}

/// User + system CPU time of the whole process so far, in milliseconds
/// (`/proc/self/stat`, clock ticks of 10 ms).
fn process_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (tick(11) + tick(12)) * 10.0
}
