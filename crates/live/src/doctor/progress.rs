//! The checks of a run: recorded as they start and end, listed in a stable order in the report,
//! and drawn live on a terminal (a spinner, then ✓ / ✗ / –) when the output is one.

use crate::http::Track;
use authcheck_model::report::{Check, CheckStatus};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The order checks are listed in, whatever order they finished in.
pub const CHECK_ORDER: &[&str] = &[
    "credential",
    "tenant.discovery",
    "tenant.jwks",
    "tenant.cloud",
    "token.request",
    "token.refresh",
    "token.decode",
    "token.signature",
    "github.subject",
    "ado.subject",
    "graph.token",
    "graph.application",
    "graph.service_principal",
    "graph.target_principal",
    "graph.app_role_assignments",
    "graph.delegated_grants",
    "graph.assignees",
    "graph.federated_credentials",
    "graph.permission_names",
    "graph.signins",
    "graph.conditional_access",
    "arm.token",
    "arm.role_assignments",
    "arm.role_definitions",
    "dataplane.purview_roles",
    "dataplane.call",
];

#[derive(Debug, Clone)]
struct Line {
    name: String,
    status: Option<CheckStatus>,
    detail: String,
}

/// Collects checks as they start and end, and draws them on a terminal when asked.
pub struct Tracker {
    lines: Mutex<Vec<Line>>,
    live: bool,
    /// Words for the person not yet printed above the live display.
    notes: Mutex<Vec<String>>,
}

impl Tracker {
    pub fn new(live: bool) -> Arc<Tracker> {
        Arc::new(Tracker {
            lines: Mutex::new(Vec::new()),
            live,
            notes: Mutex::new(Vec::new()),
        })
    }

    fn upsert(&self, name: &str, status: Option<CheckStatus>, detail: String) {
        if let Ok(mut l) = self.lines.lock() {
            match l.iter_mut().find(|x| x.name == name) {
                Some(x) => {
                    // A start after an end changes nothing; a later end refines the earlier one.
                    if status.is_some() {
                        x.status = status;
                        x.detail = detail;
                    }
                }
                None => l.push(Line {
                    name: name.to_string(),
                    status,
                    detail,
                }),
            }
        }
    }

    /// The checks, in a stable order; a check that never ended counts as failed.
    pub fn checks(&self) -> Vec<Check> {
        let lines = self.lines.lock().map(|l| l.clone()).unwrap_or_default();
        let mut out: Vec<Check> = lines
            .into_iter()
            .map(|l| Check {
                name: l.name,
                status: l.status.unwrap_or(CheckStatus::Failed),
                detail: if l.status.is_none() {
                    "did not finish".into()
                } else {
                    l.detail
                },
            })
            .collect();
        let rank = |n: &str| {
            CHECK_ORDER
                .iter()
                .position(|x| *x == n)
                .unwrap_or(usize::MAX)
        };
        out.sort_by(|a, b| rank(&a.name).cmp(&rank(&b.name)).then(a.name.cmp(&b.name)));
        out
    }

    /// Draws the lines on stderr (a terminal); returns how many lines were drawn.
    fn draw(&self, frame: usize, previous: usize) -> usize {
        use std::io::Write;
        const SPIN: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        let lines = self.lines.lock().map(|l| l.clone()).unwrap_or_default();
        let mut s = String::new();
        if previous > 0 {
            s.push_str(&format!("\x1b[{previous}A"));
        }
        // A note is printed once, above the block the next frames redraw, so it stays.
        let notes = self
            .notes
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default();
        if !notes.is_empty() {
            s.push_str("\x1b[J");
            for n in notes {
                s.push_str(&format!("authcheck: {n}\n"));
            }
        }
        for l in &lines {
            let (mark, detail) = match l.status {
                None => (SPIN[frame % SPIN.len()].to_string(), String::new()),
                Some(CheckStatus::Ok) => ("\x1b[32m✓\x1b[0m".into(), l.detail.clone()),
                Some(CheckStatus::Failed) => ("\x1b[31m✗\x1b[0m".into(), l.detail.clone()),
                Some(CheckStatus::Skipped) => ("\x1b[2m–\x1b[0m".into(), l.detail.clone()),
                Some(CheckStatus::Warning) => ("\x1b[33m!\x1b[0m".into(), l.detail.clone()),
            };
            // Through the redaction layer before it is cut short: a cut token is no longer
            // recognisable as one.
            let d: String = authcheck_offline::redact::scrub(&detail)
                .chars()
                .take(90)
                .collect();
            s.push_str(&format!("\x1b[2K{mark} {:<28} {d}\n", l.name));
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(s.as_bytes());
        let _ = err.flush();
        lines.len()
    }

    /// Redraws until `stop` fires, then once more.
    pub async fn animate(self: Arc<Self>, mut stop: tokio::sync::oneshot::Receiver<()>) {
        if !self.live {
            return;
        }
        let mut frame = 0;
        let mut drawn = 0;
        loop {
            drawn = self.draw(frame, drawn);
            frame += 1;
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(Duration::from_millis(90)) => {}
            }
        }
        self.draw(frame, drawn);
        eprintln!();
    }
}

/// What one chain reports: each line goes to the live display at once and is kept, so the chain's
/// facts carry the check lines its sources decided and assembly can list them without a tracker.
pub struct Recorder<'a> {
    live: &'a dyn Track,
    kept: Arc<Tracker>,
}

impl<'a> Recorder<'a> {
    pub fn new(live: &'a dyn Track) -> Self {
        Recorder {
            live,
            kept: Tracker::new(false),
        }
    }

    /// The lines kept so far; a check that never ended counts as failed.
    pub fn checks(&self) -> Vec<Check> {
        self.kept.checks()
    }
}

impl Track for Recorder<'_> {
    fn start(&self, name: &str) {
        self.live.start(name);
        self.kept.start(name);
    }
    fn done(&self, name: &str, status: CheckStatus, detail: String) {
        self.live.done(name, status, detail.clone());
        self.kept.done(name, status, detail);
    }
    fn say(&self, text: &str) {
        self.live.say(text);
    }
}

impl Track for Tracker {
    fn start(&self, name: &str) {
        self.upsert(name, None, String::new());
    }
    fn done(&self, name: &str, status: CheckStatus, detail: String) {
        self.upsert(name, Some(status), detail);
    }
    fn say(&self, text: &str) {
        match self.notes.lock() {
            Ok(mut n) if self.live => n.push(text.to_string()),
            _ => eprintln!("authcheck: {text}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_in_a_stable_order_and_unfinished_ones_fail() {
        let t = Tracker::new(false);
        t.start("dataplane.call");
        t.done("graph.application", CheckStatus::Ok, "found".into());
        t.done("credential", CheckStatus::Ok, "a secret".into());
        t.start("expect.role Reader at /x");
        t.done(
            "expect.role Reader at /x",
            CheckStatus::Failed,
            "missing".into(),
        );
        let c = t.checks();
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "credential",
                "graph.application",
                "dataplane.call",
                "expect.role Reader at /x"
            ]
        );
        assert_eq!(c[2].status, CheckStatus::Failed);
        assert_eq!(c[2].detail, "did not finish");
    }
}
