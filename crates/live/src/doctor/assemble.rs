//! Evidence assembly: the facts every chain returned, turned into one evidence document and the
//! run's full list of check lines. No I/O and no clock: `now` is a parameter, so tests drive it with
//! recorded responses. The doctor's policy that is not a request lives here: which answer leads,
//! which federated subject is judged, what a verified signature means for its check, which
//! conditional access policies cover the app, which roles the API needs, the `--config`
//! expectations, and when a run could not diagnose at all.

use super::chains::{
    user_request, ArmChainFacts, DataPlaneFacts, GraphChainFacts, TenantFacts, TokenFacts,
};
use super::expect::check_expectations;
use super::plan::Plan;
use super::progress::Tracker;
use crate::credential::Credential;
use crate::dataplane;
use crate::http::Track;
use crate::token_endpoint::{self, Outcome};
use crate::workload_oidc;
use authcheck_model::evidence::{derive, Evidence};
use authcheck_model::knowledge::apis;
use authcheck_model::report::{Check, CheckStatus};
use authcheck_offline::{arm_facts, graph_facts, jwt};

/// Everything the chains learned in one run, and the one fact of the environment assembly needs.
#[derive(Debug, Default)]
pub struct Facts {
    pub tenant: TenantFacts,
    pub token: TokenFacts,
    pub dataplane: DataPlaneFacts,
    pub graph: GraphChainFacts,
    pub arm: ArmChainFacts,
    /// A CI system runs this (`CI`, `GITHUB_ACTIONS`, `TF_BUILD` set): no one can answer a prompt.
    pub non_interactive: bool,
}

/// What assembly made of the facts.
#[derive(Debug)]
pub struct Assembled {
    pub evidence: Evidence,
    /// Every check line of the run, in the report's order.
    pub checks: Vec<Check>,
    /// The lines assembly itself decided (token decode and signature, workload subjects,
    /// conditional access, expectations), for the live display.
    pub decided: Vec<Check>,
    /// An expectation from `--config` failed.
    pub expectation_failed: bool,
    /// The checks could not run at all: the token endpoint did not answer, or nothing but the
    /// credential worked.
    pub unavailable: bool,
}

/// The credential's check line: what was found and where, never its value.
pub fn credential_check(cred: &Credential, plan: &Plan, now: i64) -> (CheckStatus, String) {
    let status = if matches!(cred, Credential::None) {
        CheckStatus::Failed
    } else {
        CheckStatus::Ok
    };
    let detail = match cred {
        Credential::Secret { origin, .. } => format!("a client secret from {origin}"),
        Credential::Certificate { cert, origin } => format!(
            "certificate SHA-256 {} (SHA-1 {}) from {origin}{}",
            cert.thumbprint_sha256,
            cert.thumbprint,
            match cert
                .not_after
                .filter(|t| *t < now)
                .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            {
                Some(t) => format!(" (expired {})", t.format("%Y-%m-%d")),
                None => String::new(),
            }
        ),
        Credential::Federated { origin, .. } => format!("a federated token from {origin}"),
        Credential::Password {
            username,
            client_secret,
            ..
        } => format!(
            "user {username}, password from AZURE_PASSWORD{}",
            if client_secret.is_some() {
                ", and a client secret"
            } else {
                ""
            }
        ),
        Credential::AccessToken { origin, .. } => format!("an access token from {origin}"),
        Credential::ManagedIdentity { client_id } => match client_id {
            Some(c) => format!(
                "the user-assigned managed identity {c}, through {}",
                plan.imds
            ),
            None => format!("the system-assigned managed identity, through {}", plan.imds),
        },
        Credential::Interactive { redirect_uri } => format!(
            "an interactive sign-in{}",
            redirect_uri
                .as_deref()
                .map(|r| format!(" returning to {r}"))
                .unwrap_or_default()
        ),
        Credential::DeviceCode => "a device-code sign-in (the user signs in on another device)".into(),
        Credential::Browser { redirect_uri, .. } => format!(
            "a browser sign-in (authorization code with PKCE) returning to {}",
            redirect_uri.as_deref().unwrap_or("http://localhost on a free port")
        ),
        Credential::None => "none found: AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE are unset".into(),
    };
    (status, detail)
}

/// Turns the chains' facts into one evidence document and the run's check lines.
pub fn assemble(plan: &Plan, cred: &Credential, facts: &Facts, now: i64) -> Assembled {
    let decided = Tracker::new(false);
    let track: &dyn Track = decided.as_ref();
    let token_facts = &facts.token;

    let mut ev = Evidence::new(now);
    ev.env.command = Some(authcheck_model::evidence::Command::Doctor);
    ev.env.cloud = Some(plan.cloud.key.into());
    ev.env.non_interactive = facts.non_interactive;
    ev.input.kind = Some("live".into());
    ev.input.name = Some("doctor".into());
    fill_request(plan, cred, token_facts, &mut ev);
    ev.request.tenant_home_cloud = facts.tenant.home_cloud.map(|c| c.key.to_string());
    if !ev.response.token_issued && ev.response.codes.is_empty() {
        if let Some(r) = &facts.tenant.refused {
            ev.response = r.clone();
            ev.note_source("response", "tenant-discovery");
        }
    }
    if let Credential::Federated { assertion, .. } = cred {
        let _ = workload_oidc::fill_from_token(assertion.expose(), &mut ev);
    }
    // Only a federated credential presents the job's subject; a job signing in with a secret or a
    // certificate must not be judged against the app's federated credentials.
    let federated = matches!(cred, Credential::Federated { .. });
    let github_subject = workload_oidc::github_expected(&plan.github);
    if let (Some(e), true) = (&github_subject, federated) {
        workload_oidc::fill_expected(e, &mut ev);
    }
    let ado_subject = plan.ado.expected();
    if let (Some(e), true) = (&ado_subject, federated) {
        workload_oidc::fill_expected(e, &mut ev);
    }
    fill_token(token_facts, facts.tenant.jwks.as_deref(), track, &mut ev);
    if let Some(call) = &facts.dataplane.call {
        ev.api_call =
            dataplane::api_call_of(&call.url, dataplane::posts_probe(plan.api), &call.answer);
        ev.note_source("api_call", "dataplane");
    }
    if plan.api.is_some_and(|a| a.key == "purview") {
        if let Some(url) = &plan.call {
            dataplane::fill_purview(
                url,
                plan.collection.as_deref(),
                plan.purview_account.as_deref(),
                &mut ev,
            );
            if let Some((roles, elsewhere)) = &facts.dataplane.purview_roles {
                ev.dataplane.roles_held = roles.clone();
                ev.dataplane.roles_elsewhere = elsewhere.clone();
            }
        }
    }
    if plan.api.is_some_and(|a| a.key == "powerplatform") && ev.api_call.made {
        dataplane::fill_powerplatform(None, &mut ev);
        if let Some(registered) = facts.dataplane.management_app {
            ev.dataplane.management_app_registered = Some(registered);
        }
    }
    if let Some(f) = &facts.graph.facts {
        graph_facts::fill_evidence(f, &mut ev);
        conditional_access_check(plan, f, facts.graph.service_principal_id(), track);
    }
    for (check, expected) in [
        ("github.subject", &github_subject),
        ("ado.subject", &ado_subject),
    ] {
        if let Some(e) = expected {
            let compared = workload_oidc::compare(e, &ev.app)
                .map(|c| format!("; {c}"))
                .unwrap_or_default();
            let issuer = match (&e.issuer, e.platform) {
                (Some(i), workload_oidc::AZURE_PIPELINES) => format!(" (issuer {i})"),
                _ => String::new(),
            };
            track.done(
                check,
                CheckStatus::Ok,
                format!(
                    "{} presents subject {}{issuer}{compared}",
                    e.platform, e.subject
                ),
            );
        }
    }
    if ado_subject.is_none() && federated && plan.ado.present() {
        if let Some(missing) = plan.ado.missing() {
            track.done(
                "ado.subject",
                CheckStatus::Skipped,
                format!("the Azure Pipelines subject sc://ORG/PROJECT/CONNECTION needs {missing}"),
            );
        }
    }
    if let Some(read) = &facts.arm.read {
        arm_facts::fill_evidence(
            &read.facts,
            &read.scope,
            &read.principal,
            &required_roles(plan),
            &mut ev,
        );
    }
    let target = plan
        .api
        .map(Ok)
        .or_else(|| plan.api_uri.as_deref().map(Err));
    derive::derive(&mut ev, target);
    role_propagation(&ev, track);

    let expectation_failed = check_expectations(&plan.expect, &ev, track);

    let decided = decided.checks();
    let checks = all_checks(plan, cred, facts, &decided, now);
    // No answer to judge: the request failed on the way (network, an unreadable body) or the
    // service itself failed. A refusal is an answer, and the rules read it.
    let token_unanswered = match &facts.token.outcome {
        Outcome::Failed(_) | Outcome::Unreadable { .. } => true,
        Outcome::Refused { response } => super::chains::service_failure(response),
        Outcome::Issued { .. } | Outcome::NotMade(_) => false,
    };
    let nothing_ran = !checks.iter().any(|c| {
        matches!(c.status, CheckStatus::Ok | CheckStatus::Warning) && c.name != "credential"
    });
    Assembled {
        evidence: ev,
        checks,
        decided,
        expectation_failed,
        unavailable: token_unanswered || nothing_ran,
    }
}

/// The request as the user's code makes it and how it ended; a refused refresh leads, since it is
/// the answer the user's code meets next.
fn fill_request(plan: &Plan, cred: &Credential, t: &TokenFacts, ev: &mut Evidence) {
    if matches!(cred, Credential::AccessToken { .. }) {
        ev.request.client_id = Some(plan.client_id.clone());
        ev.request.tenant = Some(plan.tenant.clone());
        ev.request.endpoint =
            authcheck_model::evidence::Endpoint::parse(plan.request.endpoint.as_str());
        ev.request.resource = plan.request.resource.clone();
        ev.request.scopes = plan
            .request
            .scope
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        return;
    }
    token_endpoint::fill_evidence(&user_request(plan, cred), cred, &t.outcome, ev);
    if let Some(Outcome::Refused { response }) = &t.refreshed {
        ev.request.refresh_token_sent = true;
        ev.response = (**response).clone();
        ev.note_source("response", "token-endpoint");
    }
}

/// The token's claims and whether its signature verifies against the tenant's keys. A check that
/// ran but found a bad signature has failed.
fn fill_token(t: &TokenFacts, jwks: Option<&str>, track: &dyn Track, ev: &mut Evidence) {
    let Some(token) = &t.token else {
        for n in ["token.decode", "token.signature"] {
            track.done(n, CheckStatus::Skipped, "no token was issued".into());
        }
        return;
    };
    let d = match jwt::decode(token.expose()) {
        Ok(d) => d,
        Err(e) => {
            track.done("token.decode", CheckStatus::Failed, e.to_string());
            return;
        }
    };
    jwt::fill_evidence(&d, ev);
    ev.note_source("token", "token-endpoint");
    track.done(
        "token.decode",
        CheckStatus::Ok,
        "the token was decoded".into(),
    );
    let Some(keys) = jwks else {
        track.done(
            "token.signature",
            CheckStatus::Skipped,
            "the tenant's keys were not read".into(),
        );
        return;
    };
    match jwt::check_signature(&d, keys, ev) {
        Ok(()) => {
            use authcheck_model::evidence::SignatureVerdict as V;
            let verdict = ev.token.signature;
            let status = match verdict {
                Some(V::Invalid | V::UnknownKid | V::Unsigned) => CheckStatus::Failed,
                _ => CheckStatus::Ok,
            };
            let state = verdict.map(V::as_str).unwrap_or_default().to_string();
            let detail = match &ev.token.signature_detail {
                Some(d) if !d.is_empty() => format!("{state}: {d}"),
                _ => state,
            };
            track.done("token.signature", status, detail)
        }
        Err(e) => track.done("token.signature", CheckStatus::Failed, e),
    }
}

/// Which of the tenant's conditional access policies cover the app, in place of the read's count.
fn conditional_access_check(
    plan: &Plan,
    f: &graph_facts::GraphFacts,
    sp_id: Option<String>,
    track: &dyn Track,
) {
    let Some(all) = &f.conditional_access else {
        return;
    };
    let mine = graph_facts::policies_for(all, &plan.client_id, sp_id.as_deref());
    let detail = if mine.is_empty() {
        format!("{} policies, none covers the app", all.len())
    } else {
        format!("covering the app: {}", mine.join("; "))
    };
    track.done("graph.conditional_access", CheckStatus::Ok, detail);
}

/// The roles any one of which the principal needs at the scope: as given, else the API's readers.
fn required_roles(plan: &Plan) -> Vec<String> {
    if plan.roles.is_empty() {
        let host = plan
            .call
            .as_deref()
            .and_then(|u| u.split("://").nth(1))
            .and_then(|r| r.split(['/', '?']).next());
        plan.api
            .map(|a| {
                apis::reader_roles_for(a, host)
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        plan.roles.clone()
    }
}

/// Every line of the run, in the report's order: the credential's, each chain's, then the ones
/// assembly decided (a later line for the same check refines an earlier one).
fn all_checks(
    plan: &Plan,
    cred: &Credential,
    facts: &Facts,
    decided: &[Check],
    now: i64,
) -> Vec<Check> {
    let all = Tracker::new(false);
    let (status, detail) = credential_check(cred, plan, now);
    all.done("credential", status, detail);
    for lines in [
        facts.tenant.checks.as_slice(),
        facts.token.checks.as_slice(),
        facts.dataplane.checks.as_slice(),
        facts.graph.checks.as_slice(),
        facts.arm.checks.as_slice(),
        decided,
    ] {
        for c in lines {
            all.done(&c.name, c.status, c.detail.clone());
        }
    }
    all.checks()
}

/// A role that allows the call, assigned more recently than the service's documented window: it is
/// held, but may not be honoured yet — a warning (!) whatever the call answered. The line appears
/// only then: an old assignment needs no caveat.
fn role_propagation(ev: &Evidence, track: &dyn Track) {
    let r = &ev.rbac;
    let (Some(age), Some(window)) = (r.youngest_sufficient_minutes, r.propagation_window_minutes)
    else {
        return;
    };
    if !r.checked || !r.has_sufficient_role || age >= window {
        return;
    }
    track.done(
        "arm.role_propagation",
        CheckStatus::Warning,
        format!(
            "the role that allows the call was assigned {age} minutes ago; Microsoft documents up to {window} minutes before it is honoured here"
        ),
    );
}
