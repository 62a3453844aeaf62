//! The scan's progress bar on standard error.

/// Scan progress on standard error through every phase (reading, configs, pairing,
/// verifying, sorting), shown only for scans longer than about half a second; `cfg.progress`
/// is set only for a terminal and without `--quiet`.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
}

impl Progress {
    pub(super) fn new(enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
            bar.set_style(Progress::style("{spinner} reading: {pos} files {elapsed}"));
            bar
        });
        Progress { bar, start: std::time::Instant::now() }
    }
    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    }
    /// Show the bar once the scan has run for half a second; from then on it ticks by
    /// itself, so phases that count nothing still show that keymatch is working.
    fn show_when_due(&self, b: &indicatif::ProgressBar) {
        if b.is_hidden() && self.start.elapsed().as_millis() > 500 {
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }
    pub(super) fn inc(&self) {
        if let Some(b) = &self.bar {
            self.show_when_due(b);
            b.inc(1);
        }
    }
    /// A new phase: `what`, and `of` items to count (or none).
    pub(super) fn phase(&self, what: &str, of: Option<usize>) {
        if let Some(b) = &self.bar {
            let template = match of {
                Some(_) => format!("{{spinner}} {what}: {{pos}}/{{len}} {{elapsed}}"),
                None => format!("{{spinner}} {what} {{elapsed}}"),
            };
            b.set_style(Progress::style(&template));
            b.set_position(0);
            if let Some(n) = of {
                b.set_length(n as u64);
            }
            self.show_when_due(b);
        }
    }
    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
