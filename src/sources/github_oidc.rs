//! Workload identity federation: the exact subject a GitHub Actions job presents (from the
//! `GITHUB_*` context or flags), and the claims of a federated token file, as the assertion facts the
//! federated-credential rules compare (case-sensitively) with the app's federated credentials.

use crate::evidence::{Assertion, Evidence};

pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
pub const EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// A GitHub Actions job's context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubContext {
    /// `ORG/REPO`.
    pub repository: Option<String>,
    /// `refs/heads/main`, `refs/tags/v1`, `refs/pull/7/merge`.
    pub git_ref: Option<String>,
    /// The deployment environment the job names.
    pub environment: Option<String>,
    /// `push`, `pull_request`, `workflow_dispatch`, …
    pub event: Option<String>,
}

impl GithubContext {
    /// Reads `GITHUB_REPOSITORY`, `GITHUB_REF`, `GITHUB_EVENT_NAME` (GitHub sets them in every job);
    /// flags given override them. The environment name is not in GitHub's variables: it comes from
    /// `--github-environment` (or `AUTHCHECK_GITHUB_ENVIRONMENT`).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Self {
        GithubContext {
            repository: var("GITHUB_REPOSITORY"),
            git_ref: var("GITHUB_REF"),
            environment: var("AUTHCHECK_GITHUB_ENVIRONMENT"),
            event: var("GITHUB_EVENT_NAME"),
        }
    }

    /// The subject GitHub's token will carry, in GitHub's default format:
    /// `repo:ORG/REPO:environment:NAME`, `repo:ORG/REPO:pull_request`, or `repo:ORG/REPO:ref:REF`.
    pub fn subject(&self) -> Option<String> {
        let repo = self.repository.as_deref().filter(|r| !r.is_empty())?;
        if let Some(env) = self.environment.as_deref().filter(|e| !e.is_empty()) {
            return Some(format!("repo:{repo}:environment:{env}"));
        }
        if matches!(
            self.event.as_deref(),
            Some("pull_request") | Some("pull_request_target")
        ) {
            return Some(format!("repo:{repo}:pull_request"));
        }
        let r = self.git_ref.as_deref().filter(|r| !r.is_empty())?;
        Some(format!("repo:{repo}:ref:{r}"))
    }
}

/// Records the assertion GitHub will present, when no real one was read.
pub fn fill_expected(ctx: &GithubContext, ev: &mut Evidence) -> Option<String> {
    let sub = ctx.subject()?;
    if ev
        .request
        .assertion
        .as_ref()
        .is_some_and(|a| a.sub.is_some())
    {
        return Some(sub);
    }
    ev.request.assertion = Some(Assertion {
        iss: Some(GITHUB_ISSUER.into()),
        sub: Some(sub.clone()),
        aud: vec![EXCHANGE_AUDIENCE.into()],
        ..Assertion::default()
    });
    ev.note_source("request", "github-context");
    Some(sub)
}

/// Records the claims of a federated token (never its signature or the token itself).
pub fn fill_from_token(raw: &str, ev: &mut Evidence) -> Result<(), String> {
    let d = crate::sources::jwt::decode(raw.trim()).map_err(|e| e.to_string())?;
    let c = &d.claims;
    let s = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let i = |k: &str| c.get(k).and_then(|v| v.as_i64());
    let aud = match c.get("aud") {
        Some(serde_json::Value::String(a)) => vec![a.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    ev.request.assertion = Some(Assertion {
        iss: s("iss"),
        sub: s("sub"),
        aud,
        exp: i("exp"),
        nbf: i("nbf"),
        iat: i("iat"),
        ..Assertion::default()
    });
    Ok(())
}

/// How the subject GitHub presents compares, case-sensitively, with the app's federated
/// credentials, in words for the check line. None when the credentials were not read.
pub fn compare(subject: &str, app: &crate::evidence::App) -> Option<String> {
    if !app.known {
        return None;
    }
    let github = |c: &&crate::evidence::FederatedCredential| {
        c.issuer
            .as_deref()
            .is_some_and(|i| i.trim_end_matches('/') == GITHUB_ISSUER)
    };
    let creds: Vec<_> = app.federated_credentials.iter().filter(github).collect();
    if let Some(c) = creds.iter().find(|c| c.subject.as_deref() == Some(subject)) {
        let audience_ok = c.audiences.iter().any(|a| a == EXCHANGE_AUDIENCE);
        return Some(format!(
            "matches federated credential {}{}",
            c.name.as_deref().unwrap_or("(unnamed)"),
            if audience_ok {
                String::new()
            } else {
                format!(", but its audience is not {EXCHANGE_AUDIENCE}")
            }
        ));
    }
    if let Some(c) = creds.iter().find(|c| {
        c.subject
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(subject))
    }) {
        return Some(format!(
            "federated credential {} has `{}`, which differs only in case; subjects are compared exactly",
            c.name.as_deref().unwrap_or("(unnamed)"),
            c.subject.as_deref().unwrap_or_default()
        ));
    }
    Some(format!(
        "no federated credential has this subject; add one with issuer {GITHUB_ISSUER}, subject {subject}, audience {EXCHANGE_AUDIENCE}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(env: Option<&str>, event: &str, r: &str) -> GithubContext {
        GithubContext {
            repository: Some("contoso/deploy".into()),
            git_ref: Some(r.into()),
            environment: env.map(str::to_string),
            event: Some(event.into()),
        }
    }

    #[test]
    fn compares_exactly() {
        let app = crate::evidence::App {
            known: true,
            federated_credentials: vec![crate::evidence::FederatedCredential {
                name: Some("main".into()),
                issuer: Some(format!("{GITHUB_ISSUER}/")),
                subject: Some("repo:Contoso/deploy:ref:refs/heads/main".into()),
                audiences: vec![EXCHANGE_AUDIENCE.into()],
            }],
            ..Default::default()
        };
        assert!(compare("repo:Contoso/deploy:ref:refs/heads/main", &app)
            .unwrap()
            .starts_with("matches"));
        assert!(compare("repo:contoso/deploy:ref:refs/heads/main", &app)
            .unwrap()
            .contains("only in case"));
        assert!(compare("repo:Contoso/deploy:environment:prod", &app)
            .unwrap()
            .contains("add one"));
        assert_eq!(compare("x", &crate::evidence::App::default()), None);
    }

    #[test]
    fn subjects() {
        assert_eq!(
            ctx(Some("production"), "push", "refs/heads/main")
                .subject()
                .unwrap(),
            "repo:contoso/deploy:environment:production"
        );
        assert_eq!(
            ctx(None, "pull_request", "refs/pull/7/merge")
                .subject()
                .unwrap(),
            "repo:contoso/deploy:pull_request"
        );
        assert_eq!(
            ctx(None, "push", "refs/heads/main").subject().unwrap(),
            "repo:contoso/deploy:ref:refs/heads/main"
        );
        assert_eq!(GithubContext::default().subject(), None);
    }
}
