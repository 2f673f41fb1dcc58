//! Workload identity federation: the exact subject a CI job presents — a GitHub Actions job (from
//! the `GITHUB_*` context or flags) or an Azure Pipelines service connection (from the pipeline's
//! predefined `SYSTEM_*` variables and the connection's name) — and the claims of a federated token
//! file, as the assertion facts the federated-credential rules compare (case-sensitively) with the
//! app's federated credentials.
//!
//! Azure Pipelines: a workload identity federation service connection that uses the Azure DevOps
//! issuer presents issuer `https://vstoken.dev.azure.com/{organization-id}` and subject
//! `sc://{organization}/{project}/{service-connection}`; both are worked out here. Connections
//! created (or converted) with the Microsoft Entra issuer present issuer
//! `https://login.microsoftonline.com/{tenant}/v2.0` and an opaque `/eid1/…/sc/…` subject built from
//! ids no pipeline variable gives, so those are recognised on the app but not predicted.

use authcheck_model::evidence::{Assertion, Evidence, FederatedCredential};

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

/// Records the assertion a CI job will present, when no real one was read.
pub fn fill_expected(expected: &ExpectedSubject, ev: &mut Evidence) {
    if ev
        .request
        .assertion
        .as_ref()
        .is_some_and(|a| a.sub.is_some())
    {
        return;
    }
    ev.request.assertion = Some(Assertion {
        iss: expected.issuer.clone(),
        sub: Some(expected.subject.clone()),
        aud: vec![EXCHANGE_AUDIENCE.into()],
        ..Assertion::default()
    });
    let source = if expected.platform == AZURE_PIPELINES {
        "azure-pipelines-context"
    } else {
        "github-context"
    };
    ev.note_source("request", source);
}

/// Records the claims of a federated token (never its signature or the token itself).
pub fn fill_from_token(raw: &str, ev: &mut Evidence) -> Result<(), String> {
    let d = authcheck_offline::jwt::decode(raw.trim()).map_err(|e| e.to_string())?;
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

/// The subject (and issuer) a CI platform's token will carry, to compare with the app's
/// federated credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedSubject {
    /// `GitHub` or `Azure Pipelines`, for the check line.
    pub platform: &'static str,
    /// The exact issuer, when known.
    pub issuer: Option<String>,
    /// Every issuer of this platform starts with it (used when the exact one is unknown).
    pub issuer_prefix: &'static str,
    /// How to write the issuer when the exact one is unknown (`…/{organization-id}`).
    pub issuer_hint: String,
    pub subject: String,
}

impl ExpectedSubject {
    fn trusts(&self, c: &FederatedCredential) -> bool {
        let Some(i) = c.issuer.as_deref().map(|i| i.trim_end_matches('/')) else {
            return false;
        };
        match &self.issuer {
            Some(want) => i == want.trim_end_matches('/'),
            None => i.starts_with(self.issuer_prefix),
        }
    }

    fn issuer_to_add(&self) -> &str {
        self.issuer.as_deref().unwrap_or(&self.issuer_hint)
    }
}

/// A GitHub Actions job's subject as an [`ExpectedSubject`].
pub fn github_expected(ctx: &GithubContext) -> Option<ExpectedSubject> {
    Some(ExpectedSubject {
        platform: "GitHub",
        issuer: Some(GITHUB_ISSUER.into()),
        issuer_prefix: GITHUB_ISSUER,
        issuer_hint: GITHUB_ISSUER.into(),
        subject: ctx.subject()?,
    })
}

/// How the subject a CI job presents compares, case-sensitively, with the app's federated
/// credentials, in words for the check line. None when the credentials were not read.
pub fn compare(expected: &ExpectedSubject, app: &authcheck_model::evidence::App) -> Option<String> {
    if !app.known {
        return None;
    }
    let subject = expected.subject.as_str();
    let creds: Vec<_> = app
        .federated_credentials
        .iter()
        .filter(|c| expected.trusts(c))
        .collect();
    let name = |c: &FederatedCredential| c.name.clone().unwrap_or_else(|| "(unnamed)".into());
    if let Some(c) = creds.iter().find(|c| c.subject.as_deref() == Some(subject)) {
        let audience_ok = c.audiences.iter().any(|a| a == EXCHANGE_AUDIENCE);
        return Some(format!(
            "matches federated credential {}{}",
            name(c),
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
            "federated credential {} has `{}`, which differs only in case; subjects are compared exactly: change it to `{subject}`",
            name(c),
            c.subject.as_deref().unwrap_or_default()
        ));
    }
    // The right subject under another issuer of the same platform (another organization's id).
    if let Some(c) = app.federated_credentials.iter().find(|c| {
        c.subject.as_deref() == Some(subject)
            && c.issuer
                .as_deref()
                .is_some_and(|i| i.starts_with(expected.issuer_prefix))
    }) {
        return Some(format!(
            "federated credential {} has this subject but issuer {}; the {} issuer is {}",
            name(c),
            c.issuer.as_deref().unwrap_or_default(),
            expected.platform,
            expected.issuer_to_add()
        ));
    }
    let mut out = format!(
        "no federated credential has this subject; add one with issuer {}, subject {subject}, audience {EXCHANGE_AUDIENCE}",
        expected.issuer_to_add()
    );
    if expected.platform == AZURE_PIPELINES {
        let entra: Vec<String> = app
            .federated_credentials
            .iter()
            .filter(|c| is_entra_issued_service_connection(c))
            .map(name)
            .collect();
        if !entra.is_empty() {
            out.push_str(&format!(
                " — unless the service connection uses the Microsoft Entra issuer: {} trust(s) such a connection ({}), whose subject only the connection's details in Azure DevOps show",
                entra.len(),
                entra.join(", ")
            ));
        }
    }
    Some(out)
}

/// A federated credential for an Azure Pipelines service connection that uses the Microsoft Entra
/// issuer (`https://login.microsoftonline.com/{tenant}/v2.0`, subject `/eid1/c/pub/t/…/sc/…`).
pub fn is_entra_issued_service_connection(c: &FederatedCredential) -> bool {
    c.issuer
        .as_deref()
        .is_some_and(|i| i.starts_with("https://login.microsoftonline.com/"))
        && c.subject
            .as_deref()
            .is_some_and(|s| s.starts_with("/eid1/") && s.contains("/sc/"))
}

pub const AZURE_PIPELINES: &str = "Azure Pipelines";
/// The Azure DevOps issuer of workload identity federation service connections, before the
/// organization's id.
pub const ADO_ISSUER_PREFIX: &str = "https://vstoken.dev.azure.com/";

/// An Azure Pipelines job's context, for a workload identity federation service connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzurePipelinesContext {
    /// The organization's name, from `SYSTEM_COLLECTIONURI` (`https://dev.azure.com/{org}/` or
    /// `https://{org}.visualstudio.com/`).
    pub organization: Option<String>,
    /// The organization's id (`SYSTEM_COLLECTIONID`), the last segment of the issuer.
    pub organization_id: Option<String>,
    /// The project's name (`SYSTEM_TEAMPROJECT`).
    pub project: Option<String>,
    /// The service connection's name: not a predefined variable, so `--ado-service-connection`
    /// (or `AUTHCHECK_ADO_SERVICE_CONNECTION`).
    pub service_connection: Option<String>,
}

/// The organization's name in a collection URI.
pub fn organization_of(uri: &str) -> Option<String> {
    let rest = uri
        .trim()
        .strip_prefix("https://")
        .or_else(|| uri.trim().strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let org = if host == "dev.azure.com" || host == "vstoken.dev.azure.com" {
        path.split('/').next().unwrap_or("")
    } else {
        host.strip_suffix(".visualstudio.com")?
    };
    (!org.is_empty()).then(|| org.to_string())
}

impl AzurePipelinesContext {
    /// Reads the pipeline's predefined variables (`SYSTEM_COLLECTIONURI`, falling back to
    /// `SYSTEM_TEAMFOUNDATIONCOLLECTIONURI`; `SYSTEM_COLLECTIONID`; `SYSTEM_TEAMPROJECT`) and
    /// `AUTHCHECK_ADO_SERVICE_CONNECTION`.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Self {
        let nonempty = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        AzurePipelinesContext {
            organization: nonempty("SYSTEM_COLLECTIONURI")
                .or_else(|| nonempty("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"))
                .and_then(|u| organization_of(&u)),
            organization_id: nonempty("SYSTEM_COLLECTIONID").map(|v| v.trim().to_string()),
            project: nonempty("SYSTEM_TEAMPROJECT"),
            service_connection: nonempty("AUTHCHECK_ADO_SERVICE_CONNECTION"),
        }
    }

    /// `sc://{organization}/{project}/{service-connection}`, as the Azure DevOps issuer writes it.
    pub fn subject(&self) -> Option<String> {
        let org = self.organization.as_deref().filter(|s| !s.is_empty())?;
        let project = self.project.as_deref().filter(|s| !s.is_empty())?;
        let sc = self
            .service_connection
            .as_deref()
            .filter(|s| !s.is_empty())?;
        Some(format!("sc://{org}/{project}/{sc}"))
    }

    /// `https://vstoken.dev.azure.com/{organization-id}`, when the id is known.
    pub fn issuer(&self) -> Option<String> {
        let id = self.organization_id.as_deref().filter(|s| !s.is_empty())?;
        Some(format!("{ADO_ISSUER_PREFIX}{id}"))
    }

    /// The subject as an [`ExpectedSubject`].
    pub fn expected(&self) -> Option<ExpectedSubject> {
        Some(ExpectedSubject {
            platform: AZURE_PIPELINES,
            issuer: self.issuer(),
            issuer_prefix: ADO_ISSUER_PREFIX,
            issuer_hint: format!("{ADO_ISSUER_PREFIX}<organization-id>"),
            subject: self.subject()?,
        })
    }

    /// What is missing to work the subject out, in words; None when nothing is.
    pub fn missing(&self) -> Option<String> {
        let mut m = Vec::new();
        if self.organization.is_none() {
            m.push("the organization (SYSTEM_COLLECTIONURI)");
        }
        if self.project.is_none() {
            m.push("the project (SYSTEM_TEAMPROJECT)");
        }
        if self.service_connection.is_none() {
            m.push("the service connection's name (--ado-service-connection)");
        }
        (!m.is_empty()).then(|| m.join(", "))
    }

    /// True when any Azure Pipelines fact is known (the doctor runs in a pipeline, or was told).
    pub fn present(&self) -> bool {
        self != &AzurePipelinesContext::default()
    }
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

    fn gh(subject: &str) -> ExpectedSubject {
        ExpectedSubject {
            subject: subject.into(),
            ..github_expected(&ctx(None, "push", "refs/heads/main")).unwrap()
        }
    }

    #[test]
    fn compares_exactly() {
        let app = authcheck_model::evidence::App {
            known: true,
            federated_credentials: vec![authcheck_model::evidence::FederatedCredential {
                name: Some("main".into()),
                issuer: Some(format!("{GITHUB_ISSUER}/")),
                subject: Some("repo:Contoso/deploy:ref:refs/heads/main".into()),
                audiences: vec![EXCHANGE_AUDIENCE.into()],
            }],
            ..Default::default()
        };
        assert!(
            compare(&gh("repo:Contoso/deploy:ref:refs/heads/main"), &app)
                .unwrap()
                .starts_with("matches")
        );
        assert!(
            compare(&gh("repo:contoso/deploy:ref:refs/heads/main"), &app)
                .unwrap()
                .contains("only in case")
        );
        assert!(compare(&gh("repo:Contoso/deploy:environment:prod"), &app)
            .unwrap()
            .contains("add one"));
        assert_eq!(
            compare(&gh("x"), &authcheck_model::evidence::App::default()),
            None
        );
    }

    fn ado() -> AzurePipelinesContext {
        let vars = [
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/Contoso/"),
            (
                "SYSTEM_COLLECTIONID",
                "6c6f3423-1c84-4625-995a-f7f143a1e43d",
            ),
            ("SYSTEM_TEAMPROJECT", "Orders"),
            ("AUTHCHECK_ADO_SERVICE_CONNECTION", "prod-arm"),
        ];
        AzurePipelinesContext::from_env(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn azure_pipelines_subject_and_issuer() {
        let c = ado();
        assert_eq!(c.subject().unwrap(), "sc://Contoso/Orders/prod-arm");
        assert_eq!(
            c.issuer().unwrap(),
            "https://vstoken.dev.azure.com/6c6f3423-1c84-4625-995a-f7f143a1e43d"
        );
        assert_eq!(c.missing(), None);
        assert_eq!(
            organization_of("https://contoso.visualstudio.com/").as_deref(),
            Some("contoso")
        );
        assert_eq!(
            organization_of("https://dev.azure.com/fabrikam").as_deref(),
            Some("fabrikam")
        );
        assert_eq!(organization_of("https://example.com/x"), None);
        let partial = AzurePipelinesContext {
            project: Some("Orders".into()),
            ..Default::default()
        };
        assert_eq!(partial.subject(), None);
        assert!(partial
            .missing()
            .unwrap()
            .contains("--ado-service-connection"));
        assert!(!AzurePipelinesContext::default().present());
    }

    #[test]
    fn azure_pipelines_compare() {
        let e = ado().expected().unwrap();
        let cred = |issuer: &str, subject: &str| authcheck_model::evidence::FederatedCredential {
            name: Some("ado".into()),
            issuer: Some(issuer.into()),
            subject: Some(subject.into()),
            audiences: vec![EXCHANGE_AUDIENCE.into()],
        };
        let app = |c: Vec<authcheck_model::evidence::FederatedCredential>| {
            authcheck_model::evidence::App {
                known: true,
                federated_credentials: c,
                ..Default::default()
            }
        };
        let issuer = e.issuer.clone().unwrap();
        let ok = compare(
            &e,
            &app(vec![cred(&issuer, "sc://Contoso/Orders/prod-arm")]),
        )
        .unwrap();
        assert!(ok.starts_with("matches federated credential ado"), "{ok}");
        let case = compare(
            &e,
            &app(vec![cred(&issuer, "sc://contoso/orders/prod-arm")]),
        )
        .unwrap();
        assert!(case.contains("only in case"), "{case}");
        assert!(case.contains("`sc://Contoso/Orders/prod-arm`"), "{case}");
        let other_org = compare(
            &e,
            &app(vec![cred(
                "https://vstoken.dev.azure.com/00000000-0000-0000-0000-000000000001",
                "sc://Contoso/Orders/prod-arm",
            )]),
        )
        .unwrap();
        assert!(other_org.contains("but issuer"), "{other_org}");
        let entra = compare(
            &e,
            &app(vec![cred(
                "https://login.microsoftonline.com/8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f/v2.0",
                "/eid1/c/pub/t/abc/a/def/sc/6c6f3423-1c84-4625-995a-f7f143a1e43d/9b8a7c6d-0000-4000-8000-000000000001",
            )]),
        )
        .unwrap();
        assert!(
            entra.contains(&format!(
                "issuer {issuer}, subject sc://Contoso/Orders/prod-arm"
            )),
            "{entra}"
        );
        assert!(entra.contains("Microsoft Entra issuer"), "{entra}");
        // Without the organization's id the issuer is written with a placeholder.
        let no_id = AzurePipelinesContext {
            organization_id: None,
            ..ado()
        }
        .expected()
        .unwrap();
        let add = compare(&no_id, &app(vec![])).unwrap();
        assert!(
            add.contains("https://vstoken.dev.azure.com/<organization-id>"),
            "{add}"
        );
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
