//! The expectations of `--config` (roles held, permissions consented, secrets valid for so many
//! days) checked against the assembled evidence, each as a check line.

use super::config::Expectations;
use crate::http::Track;
use authcheck_model::evidence::Evidence;
use authcheck_model::report::CheckStatus;

/// Checks `--config` expectations against the evidence; each becomes a check line.
pub(super) fn check_expectations(x: &Expectations, ev: &Evidence, track: &dyn Track) -> bool {
    let mut failed = false;
    for r in &x.roles {
        let name = format!("expect.role {} at {}", r.role, r.scope);
        if !ev.rbac.checked {
            track.done(
                &name,
                CheckStatus::Skipped,
                "role assignments were not read (give --scope-arm)".into(),
            );
            continue;
        }
        let scope = r.scope.trim_end_matches('/').to_ascii_lowercase();
        let held = ev.rbac.assignments.iter().any(|a| {
            let s = a
                .scope
                .as_deref()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_ascii_lowercase();
            a.role_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&r.role))
                && (s == scope || scope.starts_with(&format!("{s}/")))
        });
        if held {
            track.done(&name, CheckStatus::Ok, "held".into());
        } else {
            failed = true;
            track.done(
                &name,
                CheckStatus::Failed,
                format!(
                    "the principal does not hold {} at or above {}",
                    r.role, r.scope
                ),
            );
        }
    }
    for p in &x.permissions {
        let name = format!("expect.permission {p}");
        if !ev.app.known || !ev.sp.known {
            track.done(
                &name,
                CheckStatus::Skipped,
                "the app's permissions and grants were not read".into(),
            );
            continue;
        }
        let want = p.to_ascii_lowercase();
        let perm = ev.app.required_permissions.iter().find(|q| {
            let v = q.value.clone().unwrap_or_default().to_ascii_lowercase();
            let full = format!("{} {}", q.resource_name.clone().unwrap_or_default(), v)
                .to_ascii_lowercase();
            want == v || want == full
        });
        match perm {
            Some(q) if q.granted == Some(true) => {
                track.done(&name, CheckStatus::Ok, "requested and consented".into())
            }
            Some(_) => {
                failed = true;
                track.done(
                    &name,
                    CheckStatus::Failed,
                    "requested but not consented".into(),
                );
            }
            None => {
                failed = true;
                track.done(
                    &name,
                    CheckStatus::Failed,
                    "not among the app's requested permissions".into(),
                );
            }
        }
    }
    if let Some(days) = x.secrets_valid_days {
        let name = format!("expect.secrets valid {days} days");
        if !ev.app.known {
            track.done(
                &name,
                CheckStatus::Skipped,
                "the app registration was not read".into(),
            );
        } else {
            let short: Vec<String> = ev
                .app
                .secrets
                .iter()
                .filter(|s| s.days_to_expiry.is_some_and(|d| d < days))
                .map(|s| {
                    format!(
                        "{} ({} days)",
                        s.display_name
                            .clone()
                            .or(s.key_id.clone())
                            .unwrap_or_default(),
                        s.days_to_expiry.unwrap_or(0)
                    )
                })
                .collect();
            if short.is_empty() {
                track.done(
                    &name,
                    CheckStatus::Ok,
                    format!(
                        "{} secrets, none ending within {days} days",
                        ev.app.secrets.len()
                    ),
                );
            } else {
                // The gate fails either way (the pipeline asked for so many days); the mark says
                // whether the secret still works: ! while it does, ✗ once one has ended.
                failed = true;
                let ended = ev
                    .app
                    .secrets
                    .iter()
                    .any(|s| s.days_to_expiry.is_some_and(|d| d < 0));
                track.done(
                    &name,
                    if ended {
                        CheckStatus::Failed
                    } else {
                        CheckStatus::Warning
                    },
                    format!("ending soon: {}", short.join(", ")),
                );
            }
        }
    }
    failed
}
