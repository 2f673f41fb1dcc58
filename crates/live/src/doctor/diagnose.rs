//! One run: the four chains of dependent requests at once, their facts assembled into one evidence
//! document, judged by the rules.

use super::assemble::{assemble, credential_check, Facts};
use super::chains::{arm_chain, dataplane_chain, graph_chain, tenant_chain, token_chain};
use super::plan::Plan;
use super::progress::Tracker;
use super::DoctorError;
use crate::credential::{Credential, Env};
use crate::http::{Chain, Http, Track};
use crate::token_endpoint::Outcome;
use authcheck_model::evidence::Evidence;
use authcheck_model::report::{InputInfo, Report};
use std::sync::Arc;
use std::time::Duration;

/// What a run produced.
pub struct Diagnosis {
    pub report: Report,
    pub evidence: Evidence,
    /// The checks could not run at all (exit 3 unless findings say otherwise).
    pub unavailable: bool,
    /// An expectation from `--config` failed.
    pub expectation_failed: bool,
    /// Values that must never be printed (the credential, issued tokens), for tests.
    pub secrets: Vec<String>,
    /// Every request sent, with its latency and its chain's (for the benchmark).
    pub requests: Vec<crate::http::Sent>,
    /// The latency of the longest chain of dependent requests.
    pub longest_chain: Duration,
}

/// Runs the live checks and the rules.
pub async fn diagnose(
    plan: &Plan,
    env: &dyn Env,
    cred: &Credential,
    tracker: Arc<Tracker>,
    now: i64,
    judge: super::Judge<'_>,
) -> Result<Diagnosis, DoctorError> {
    let ca = match &plan.ca_file {
        Some(p) => Some(
            std::fs::read(p)
                .map_err(|e| DoctorError::Input(format!("--ca-file {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let http = Http::new(plan.limits, ca.as_deref())
        .map_err(|e| DoctorError::Input(format!("--ca-file: {e}")))?;
    let track: &dyn Track = tracker.as_ref();
    let (status, detail) = credential_check(cred, plan, now);
    track.done("credential", status, detail);
    let start = Chain::default();
    // The principal's object id, and the chain it took to learn it: from the user's token, else Graph.
    let (oid_tx, oid_rx) = tokio::sync::oneshot::channel::<(Option<String>, Chain)>();
    let (sp_tx, sp_rx) = tokio::sync::oneshot::channel::<(Option<String>, Chain)>();
    let principal = async {
        match oid_rx.await {
            Ok((Some(o), known)) => (Some(o), known),
            _ => sp_rx.await.unwrap_or((None, start)),
        }
    };

    let readers = dataplane_readers(plan, env).await;
    let tenant = tenant_chain(&http, plan, track, start);
    let token_then_dataplane = async {
        let (t, c) = token_chain(&http, plan, cred, track, start).await;
        let oid = t.object_id();
        let _ = oid_tx.send((oid.clone(), c));
        let (d, c) = dataplane_chain(
            &http,
            plan,
            t.token.as_ref(),
            oid.as_deref(),
            &readers,
            track,
            c,
        )
        .await;
        (t, d, c)
    };
    let graph = async {
        let (g, c) = graph_chain(&http, plan, env, cred, track, start).await;
        let _ = sp_tx.send((g.service_principal_id(), c));
        (g, c)
    };
    let arm = arm_chain(&http, plan, env, cred, principal, track, start);
    let ((tenant, c1), (token, dataplane, c2), (graph, c3), (arm, c4)) =
        tokio::join!(tenant, token_then_dataplane, graph, arm);
    let longest = c1.max(c2).max(c3).max(c4);

    let mut secrets = cred.secrets();
    for t in [&token.token, &graph.token, &arm.token]
        .into_iter()
        .flatten()
    {
        secrets.push(t.expose().to_string());
    }
    if let Outcome::Issued {
        refresh_token: Some(rt),
        ..
    } = &token.outcome
    {
        secrets.push(rt.expose().to_string());
    }
    if let Some(Outcome::Issued { access_token, .. }) = &token.refreshed {
        secrets.push(access_token.expose().to_string());
    }

    let facts = Facts {
        tenant,
        token,
        dataplane,
        graph,
        arm,
        non_interactive: env.var("CI").is_some()
            || env.var("GITHUB_ACTIONS").is_some()
            || env.var("TF_BUILD").is_some(),
    };
    let assembled = assemble(plan, cred, &facts, now);
    for c in &assembled.decided {
        track.done(&c.name, c.status, c.detail.clone());
    }
    let mut report = Report::new("doctor");
    report.input = Some(InputInfo {
        name: Some("doctor".into()),
        kind: Some("live".into()),
    });
    report.findings = judge(&assembled.evidence);
    report.checks = assembled.checks;
    let sent = http.sent();
    warn_retried_reads(&mut report.checks, &sent);
    if assembled.unavailable {
        report.mark_undiagnosed("no check could run");
    }
    Ok(Diagnosis {
        report,
        evidence: assembled.evidence,
        unavailable: assembled.unavailable,
        expectation_failed: assembled.expectation_failed,
        secrets,
        requests: sent,
        longest_chain: longest.0,
    })
}

/// A read that worked only after the service throttled or failed first: it works, but a busier
/// hour may not wait — `!` like a token issued on a second try, never a plain ✓.
fn warn_retried_reads(checks: &mut [authcheck_model::report::Check], sent: &[crate::http::Sent]) {
    use authcheck_model::report::CheckStatus;
    for c in checks.iter_mut() {
        if c.status != CheckStatus::Ok {
            continue;
        }
        let tries = sent
            .iter()
            .filter(|s| s.label == c.name && s.status.is_some_and(|st| st < 400))
            .map(|s| s.attempts)
            .max()
            .unwrap_or(1);
        if tries > 1 {
            c.status = CheckStatus::Warning;
            c.detail = format!(
                "{}, but only on try {tries}: the service throttled or failed first",
                c.detail
            );
        }
    }
}

/// The operator's data-plane tokens from the environment (none with `--graph-auth none`); with
/// `--graph-auth az` and none set, Purview's from the Azure CLI when the API is Purview, as `fix`
/// takes it. The Power Platform admin API's comes from the environment only (`az` has none).
async fn dataplane_readers(plan: &Plan, env: &dyn Env) -> super::chains::DataPlaneReaders {
    let token = |var: &str| {
        env.var(var)
            .filter(|v| !v.trim().is_empty() && plan.reader != super::ReaderAuth::None)
            .map(|v| crate::credential::Secret::new(authcheck_offline::jwt::strip_wrapping(&v)))
    };
    let mut purview = token("AUTHCHECK_PURVIEW_TOKEN");
    if purview.is_none()
        && plan.reader == super::ReaderAuth::Az
        && plan.api.is_some_and(|a| a.key == "purview")
    {
        purview = super::chains::reader::az_token(
            crate::fix::dataplane::PURVIEW_RESOURCE,
            &plan.tenant,
            plan.limits.timeout,
        )
        .await
        .ok();
    }
    super::chains::DataPlaneReaders {
        purview,
        powerplatform: token("AUTHCHECK_POWERPLATFORM_TOKEN"),
        bap_base: env
            .var("AUTHCHECK_BAP_ENDPOINT")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| crate::fix::dataplane::BAP.to_string()),
    }
}
