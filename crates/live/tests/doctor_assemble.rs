//! Evidence assembly driven with recorded responses: Entra's error bodies, Graph's and ARM's JSON
//! (the `fixtures/az` cases, as the services return them), a data plane's 403, tokens signed by a
//! key whose JWKS is published — no server, no clock. And one no-credential run of the real chains
//! against a closed loopback port, whose check list must account for every check.

use authcheck_live::credential::{self, Credential, Secret};
use authcheck_live::doctor::{
    self, assemble, ArmChainFacts, ArmRead, CallRecord, DataPlaneFacts, DoctorOptions, Facts,
    GraphChainFacts, MapEnv, Plan, TenantFacts, TokenFacts, CHECK_ORDER,
};
use authcheck_live::graph;
use authcheck_live::http::{ReadError, Reply};
use authcheck_live::token_endpoint::{self, Outcome};
use authcheck_model::report::{Check, CheckStatus};
use authcheck_offline::arm_facts::ArmFacts;
use authcheck_offline::graph_facts::{list, GraphFacts};
use authcheck_sim::keys::CertKey;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// 2026-11-24T12:00:00Z, the time the `fixtures/az` cases were recorded against.
const NOW: i64 = 1_795_521_600;
const TENANT: &str = "3c5e7a90-1b2d-4f6a-9c8e-0d1f2a3b4c5d";
const CLIENT: &str = "6f1d2c3b-4a59-4e68-9d7c-8b9a0f1e2d3c";
const SP_OID: &str = "5b4a3928-1706-4f5e-8d4c-3b2a19087f6e";
const SCOPE: &str = "/subscriptions/8d7c6b5a-4938-4271-a6b5-c4d3e2f1a0b9/resourceGroups/rg-reports";
const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";

fn fixture(path: &str) -> Value {
    let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn first(v: Value) -> Value {
    match v {
        Value::Array(mut a) => a.remove(0),
        o => o,
    }
}

fn items(v: Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

/// `az role assignment list` prints ARM's objects flattened; the REST API the doctor reads nests
/// all but `id`, `name` and `type` under `properties`.
fn arm_rest(flat: Value) -> Vec<Value> {
    items(flat)
        .into_iter()
        .map(|mut a| {
            let o = a.as_object_mut().expect("an object");
            let mut out = serde_json::Map::new();
            for k in ["id", "name", "type"] {
                if let Some(v) = o.remove(k) {
                    out.insert(k.into(), v);
                }
            }
            out.insert("properties".into(), Value::Object(o.clone()));
            Value::Object(out)
        })
        .collect()
}

fn plan_with(o: DoctorOptions) -> Plan {
    DoctorOptions {
        tenant: Some(TENANT.into()),
        client_id: Some(CLIENT.into()),
        ..o
    }
    .plan(&MapEnv(BTreeMap::new()))
    .expect("a plan")
}

/// An ARM call, with role assignments read at the resource group.
fn arm_plan() -> Plan {
    plan_with(DoctorOptions {
        api: Some("arm".into()),
        scope_arm: Some(SCOPE.into()),
        call: Some(format!(
            "https://management.azure.com{SCOPE}?api-version=2022-09-01"
        )),
        ..DoctorOptions::default()
    })
}

/// The tenant's signing key, and its JWKS as discovery publishes it.
struct Tenant {
    key: CertKey,
}

impl Tenant {
    fn new() -> Self {
        Tenant {
            key: CertKey::generate("tenant-signing", NOW - 86_400, NOW + 86_400 * 365)
                .expect("a key"),
        }
    }

    fn facts(&self) -> TenantFacts {
        TenantFacts {
            jwks: Some(json!({ "keys": [self.key.jwk(None)] }).to_string()),
            ..TenantFacts::default()
        }
    }

    /// A v1 app-only token for ARM, issued `age` seconds before NOW.
    fn arm_token(&self, age: i64) -> Secret {
        let iat = NOW - age;
        Secret::new(self.key.sign(&json!({
            "aud": "https://management.azure.com/",
            "iss": format!("https://sts.windows.net/{TENANT}/"),
            "iat": iat, "nbf": iat, "exp": iat + 3600,
            "appid": CLIENT, "appidacr": "1", "idtyp": "app",
            "oid": SP_OID, "sub": SP_OID, "tid": TENANT, "ver": "1.0",
        })))
    }
}

fn secret() -> Credential {
    Credential::Secret {
        value: Secret::new("Qx8~recorded.client.secret.value"),
        origin: "AZURE_CLIENT_SECRET".into(),
    }
}

fn issued(token: Secret) -> TokenFacts {
    TokenFacts {
        outcome: Outcome::Issued {
            access_token: token.clone(),
            refresh_token: None,
            attempts: 1,
        },
        token: Some(token),
        ..TokenFacts::default()
    }
}

/// Entra's error body for `code`, as the token endpoint returns it.
fn refused(status: u16, error: &str, code: i64, text: &str) -> TokenFacts {
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text} Trace ID: 0d6e1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b Correlation ID: 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a Timestamp: 2026-11-24 12:00:00Z"),
        "error_codes": [code],
        "timestamp": "2026-11-24 12:00:00Z",
        "trace_id": "0d6e1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b",
        "correlation_id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    TokenFacts {
        outcome: Outcome::Refused {
            response: Box::new(token_endpoint::parse_error(status, &body)),
        },
        ..TokenFacts::default()
    }
}

fn reply(status: u16, headers: &[(&'static str, &str)], body: Value) -> Reply {
    let mut h = reqwest::header::HeaderMap::new();
    for (k, v) in headers {
        h.insert(*k, v.parse().expect("a header value"));
    }
    Reply {
        status,
        headers: h,
        body: body.to_string(),
        attempts: 1,
    }
}

fn called(plan: &Plan, answer: Reply) -> DataPlaneFacts {
    DataPlaneFacts {
        call: Some(CallRecord {
            url: plan.call.clone().expect("a call URL"),
            answer: Ok(answer),
        }),
        ..DataPlaneFacts::default()
    }
}

/// Graph's objects for the `consent` case: Mail.Send and User.Read requested, User.Read granted.
fn consent_graph() -> GraphFacts {
    let mut names = BTreeMap::new();
    names.insert(GRAPH_APP.to_string(), fixture("az/consent/graph-sp.json"));
    GraphFacts {
        application: Some(Some(fixture("az/consent/app.json"))),
        service_principal: Some(Some(first(fixture("az/consent/sp-list.json")))),
        app_role_assignments: Some(Vec::new()),
        delegated_grants: Some(items(fixture("az/consent/grants.json"))),
        assignees: Some(Vec::new()),
        federated_credentials: Some(Vec::new()),
        resource_principals: names,
        ..GraphFacts::default()
    }
}

fn graph_read(facts: GraphFacts) -> GraphChainFacts {
    GraphChainFacts {
        facts: Some(facts),
        token: Some(Secret::new("a-graph-reader-token")),
        checks: vec![ok("graph.token", "a token for reading Graph")],
    }
}

fn arm_read(assignments: Vec<Value>) -> ArmChainFacts {
    ArmChainFacts {
        read: Some(ArmRead {
            facts: ArmFacts {
                assignments: Some(assignments),
                role_names: BTreeMap::from([(
                    "acdd72a7-3385-48ef-bd42-f606fba81ae7".to_string(),
                    "Reader".to_string(),
                )]),
            },
            scope: SCOPE.into(),
            principal: SP_OID.into(),
        }),
        token: Some(Secret::new("an-arm-reader-token")),
        checks: vec![ok("arm.token", "a token for reading ARM")],
    }
}

fn ok(name: &str, detail: &str) -> Check {
    Check {
        name: name.into(),
        status: CheckStatus::Ok,
        detail: detail.into(),
    }
}

fn check<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks:?}"))
}

#[test]
fn healthy_run_verifies_the_token_and_reads_every_source() {
    let tenant = Tenant::new();
    let plan = arm_plan();
    let mut old = items(fixture("az/rbac-pending/role-assignments.json"));
    old[0]["createdOn"] = json!("2026-06-10T08:00:00.000000+00:00");
    let mut graph = consent_graph();
    // Graph's answer (`{"value": [...]}`), with the enabled block policy aimed at this app.
    let mut policies = list(&fixture("az/conditional-access/ca-policies.json"));
    policies[0]["conditions"]["clientApplications"]["includeServicePrincipals"] = json!([SP_OID]);
    graph.conditional_access = Some(policies);
    let facts = Facts {
        tenant: tenant.facts(),
        token: issued(tenant.arm_token(600)),
        dataplane: called(
            &plan,
            reply(
                200,
                &[("x-ms-request-id", "r-1")],
                json!({"name": "rg-reports"}),
            ),
        ),
        graph: graph_read(graph),
        arm: arm_read(arm_rest(Value::Array(old))),
        non_interactive: true,
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    let ev = &a.evidence;
    assert!(ev.response.token_issued);
    assert_eq!(ev.token.signature.map(|v| v.as_str()), Some("valid"));
    assert_eq!(ev.token.oid.as_deref(), Some(SP_OID));
    assert!(ev.env.non_interactive);
    assert_eq!(ev.api_call.status, Some(200));
    assert_eq!(ev.api_call.request_id.as_deref(), Some("r-1"));
    assert!(ev.rbac.checked);
    assert_eq!(ev.rbac.assignments[0].role_name.as_deref(), Some("Reader"));
    assert!(!ev.rbac.sufficient_newer_than_token);
    assert_eq!(ev.request.credential.map(|v| v.as_str()), Some("secret"));
    assert_eq!(ev.request.secret_prefix.as_deref(), Some("Qx8"));
    assert_eq!(check(&a.checks, "token.decode").status, CheckStatus::Ok);
    let sig = check(&a.checks, "token.signature");
    assert_eq!(sig.status, CheckStatus::Ok);
    assert!(sig.detail.starts_with("valid"), "{}", sig.detail);
    // The read's count is replaced by the policies that cover this app, the doctor's judgement.
    let ca = check(&a.checks, "graph.conditional_access");
    assert_eq!(
        ca.detail,
        "covering the app: Block workload identities outside Contoso networks (block); Require MFA for all users (mfa)"
    );
    assert!(
        a.checks.iter().all(|c| c.status != CheckStatus::Failed),
        "{:?}",
        a.checks
    );
    assert!(!a.unavailable && !a.expectation_failed);
    // The credential's line names where the secret came from, never the secret.
    let cred = check(&a.checks, "credential");
    assert_eq!(cred.detail, "a client secret from AZURE_CLIENT_SECRET");
    let all = serde_json::to_string(&(&a.evidence, &a.checks)).unwrap();
    assert!(!all.contains("recorded.client.secret"));
}

#[test]
fn consent_missing_shows_the_ungranted_permission_and_fails_the_expectation() {
    let mut plan = plan_with(DoctorOptions {
        api: Some("graph".into()),
        ..DoctorOptions::default()
    });
    plan.expect.permissions = vec!["Mail.Send".into(), "User.Read".into()];
    let facts = Facts {
        token: refused(
            400,
            "invalid_grant",
            65001,
            "The user or administrator has not consented to use the application with ID '6f1d2c3b-4a59-4e68-9d7c-8b9a0f1e2d3c' named 'Contoso Reports'.",
        ),
        graph: graph_read(consent_graph()),
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    let ev = &a.evidence;
    assert_eq!(ev.response.codes, vec![65001]);
    let perm = |v: &str| {
        ev.app
            .required_permissions
            .iter()
            .find(|p| p.value.as_deref() == Some(v))
            .unwrap_or_else(|| panic!("{v} not among {:?}", ev.app.required_permissions))
    };
    assert_eq!(perm("Mail.Send").granted, Some(false));
    assert_eq!(perm("User.Read").granted, Some(true));
    let mail = check(&a.checks, "expect.permission Mail.Send");
    assert_eq!(mail.status, CheckStatus::Failed);
    assert_eq!(mail.detail, "requested but not consented");
    assert_eq!(
        check(&a.checks, "expect.permission User.Read").status,
        CheckStatus::Ok
    );
    assert!(a.expectation_failed);
    let req = check(&a.checks, "token.decode");
    assert_eq!(
        (req.status, req.detail.as_str()),
        (CheckStatus::Skipped, "no token was issued")
    );
}

#[test]
fn a_role_assignment_younger_than_the_token_is_pending_propagation() {
    let tenant = Tenant::new();
    let plan = arm_plan();
    // The token was issued at 11:40; Reader on rg-reports was created at 11:50.
    let facts = Facts {
        tenant: tenant.facts(),
        token: issued(tenant.arm_token(20 * 60)),
        dataplane: called(
            &plan,
            reply(403, &[], fixture("az/rbac-pending/arm-error.json")),
        ),
        arm: arm_read(arm_rest(fixture("az/rbac-pending/role-assignments.json"))),
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    let r = &a.evidence.rbac;
    assert!(r.checked);
    let readers: Vec<String> = plan
        .api
        .unwrap()
        .reader_roles
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(r.required_roles, readers);
    // Only the assignment at the scope counts; the one on another resource group does not.
    assert_eq!(r.assignments.len(), 1, "{:?}", r.assignments);
    assert_eq!(r.assignments[0].age_minutes, Some(10));
    assert!(r.assignments[0].newer_than_token);
    assert!(r.sufficient_newer_than_token);
    assert_eq!(r.youngest_sufficient_minutes, Some(10));
    assert_eq!(
        a.evidence.api_call.code.as_deref(),
        Some("AuthorizationFailed")
    );
}

#[test]
fn graph_403_leaves_the_app_unknown_and_skips_what_needs_it() {
    let plan = {
        let mut p = arm_plan();
        p.expect.permissions = vec!["User.Read".into()];
        p.expect.secrets_valid_days = Some(30);
        p
    };
    let denied = ReadError::Status {
        status: 403,
        code: Some("Authorization_RequestDenied".into()),
        message: Some("Insufficient privileges to complete the operation.".into()),
        body: None,
    };
    // What the Graph reader reports for each read Graph refused.
    let mut checks = vec![ok("graph.token", "a token for reading Graph")];
    for (name, permission) in [
        ("graph.application", "Application.Read.All"),
        ("graph.service_principal", "Application.Read.All"),
        ("graph.signins", "AuditLog.Read.All"),
        ("graph.conditional_access", "Policy.Read.All"),
    ] {
        let (status, detail) = graph::why(&denied, permission);
        checks.push(Check {
            name: name.into(),
            status,
            detail,
        });
    }
    let facts = Facts {
        graph: GraphChainFacts {
            facts: Some(GraphFacts::default()),
            token: Some(Secret::new("a-graph-reader-token")),
            checks,
        },
        token: refused(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
        ),
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    assert!(!a.evidence.app.known && !a.evidence.sp.known);
    let app = check(&a.checks, "graph.application");
    assert_eq!(app.status, CheckStatus::Skipped);
    assert!(
        app.detail
            .contains("lacks Application.Read.All (Authorization_RequestDenied)"),
        "{}",
        app.detail
    );
    // A conditional access read that was refused keeps its reason: nothing to judge.
    assert_eq!(
        check(&a.checks, "graph.conditional_access").status,
        CheckStatus::Skipped
    );
    let p = check(&a.checks, "expect.permission User.Read");
    assert_eq!(
        (p.status, p.detail.as_str()),
        (
            CheckStatus::Skipped,
            "the app's permissions and grants were not read"
        )
    );
    let s = check(&a.checks, "expect.secrets valid 30 days");
    assert_eq!(s.status, CheckStatus::Skipped);
    assert!(
        !a.expectation_failed,
        "skipped expectations do not fail the run"
    );
}

#[test]
fn token_refused_with_an_aadsts_body_is_the_answer() {
    let plan = arm_plan();
    let mut t = refused(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '6f1d2c3b-4a59-4e68-9d7c-8b9a0f1e2d3c'.");
    t.checks = vec![ok("token.request", "refused: AADSTS7000215")];
    let facts = Facts {
        token: t,
        tenant: TenantFacts {
            // A refused discovery does not displace the token endpoint's own answer.
            refused: Some(token_endpoint::parse_error(
                400,
                &json!({"error": "invalid_tenant", "error_codes": [90002]}),
            )),
            ..TenantFacts::default()
        },
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    let ev = &a.evidence;
    assert_eq!(ev.response.status, Some(401));
    assert_eq!(ev.response.codes, vec![7000215]);
    assert_eq!(ev.response.error.as_deref(), Some("invalid_client"));
    assert_eq!(
        ev.response.trace_id.as_deref(),
        Some("0d6e1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b")
    );
    assert_eq!(
        ev.input.sources.get("response").map(String::as_str),
        Some("token-endpoint")
    );
    assert_eq!(ev.request.endpoint.map(|v| v.as_str()), Some("v2"));
    assert_eq!(
        ev.request.scopes,
        vec!["https://management.azure.com/.default".to_string()]
    );
    assert_eq!(ev.request.grant_type.as_deref(), Some("client_credentials"));
    assert!(!ev.token.present);
    assert_eq!(
        check(&a.checks, "token.request").detail,
        "refused: AADSTS7000215"
    );
    // Entra answered: the run diagnosed something even though nothing else worked.
    assert!(!a.unavailable);
}

#[test]
fn an_unknown_tenant_refused_at_discovery_leads_when_the_token_endpoint_said_nothing() {
    let plan = arm_plan();
    let facts = Facts {
        tenant: TenantFacts {
            refused: Some(token_endpoint::parse_error(
                400,
                &json!({"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant not found.", "error_codes": [90002]}),
            )),
            ..TenantFacts::default()
        },
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    assert_eq!(a.evidence.response.codes, vec![90002]);
    assert_eq!(
        a.evidence.input.sources.get("response").map(String::as_str),
        Some("tenant-discovery")
    );
}

#[test]
fn data_plane_403_is_recorded_with_its_code_and_challenge() {
    let tenant = Tenant::new();
    let plan = plan_with(DoctorOptions {
        api: Some("loganalytics".into()),
        workspace: Some("7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098".into()),
        ..DoctorOptions::default()
    });
    let body = json!({"error": {
        "message": "The provided credentials have insufficient access to perform the requested operation",
        "code": "InsufficientAccessError",
        "correlationId": "2b3c4d5e-6f70-4819-a2b3-c4d5e6f70819",
        "innererror": {"code": "WorkspaceAccessDenied", "message": "no role"}
    }});
    let answer = reply(
        403,
        &[
            ("x-ms-request-id", "req-403"),
            ("www-authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/3c5e7a90-1b2d-4f6a-9c8e-0d1f2a3b4c5d\", error=\"insufficient_claims\""),
        ],
        body,
    );
    let facts = Facts {
        tenant: tenant.facts(),
        token: issued(tenant.arm_token(60)),
        dataplane: called(&plan, answer),
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    let c = &a.evidence.api_call;
    assert!(c.made);
    assert_eq!(c.status, Some(403));
    assert_eq!(c.code.as_deref(), Some("InsufficientAccessError"));
    assert_eq!(c.inner_codes, vec!["WorkspaceAccessDenied".to_string()]);
    assert_eq!(c.request_id.as_deref(), Some("req-403"));
    assert!(c.challenge.is_some());
    // The query (which may name things the user did not mean to publish) is not kept.
    assert!(!c.url.as_deref().unwrap_or_default().contains('?'));
    assert_eq!(
        a.evidence.input.sources.get("api_call").map(String::as_str),
        Some("dataplane")
    );
}

#[test]
fn federated_subject_differing_in_case_is_named_in_the_subject_check() {
    let github = CertKey::generate("github-oidc", NOW - 86_400, NOW + 86_400).expect("a key");
    let assertion = github.sign(&json!({
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:contoso-eng/orders-service:environment:Production",
        "aud": "api://AzureADTokenExchange",
        "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 240,
    }));
    let cred = Credential::Federated {
        assertion: Secret::new(assertion),
        origin: "AZURE_FEDERATED_TOKEN_FILE".into(),
    };
    let plan = plan_with(DoctorOptions {
        api: Some("arm".into()),
        github_repo: Some("contoso-eng/orders-service".into()),
        github_environment: Some("Production".into()),
        ..DoctorOptions::default()
    });
    let graph = GraphFacts {
        application: Some(Some(first(fixture("az/federated/app-list.json")))),
        federated_credentials: Some(items(fixture("az/federated/federated-credentials.json"))),
        ..GraphFacts::default()
    };
    let facts = Facts {
        token: refused(
            400,
            "invalid_client",
            700213,
            "No matching federated identity record found for presented assertion subject 'repo:contoso-eng/orders-service:environment:Production'.",
        ),
        graph: graph_read(graph),
        ..Facts::default()
    };
    let a = assemble(&plan, &cred, &facts, NOW);
    let ev = &a.evidence;
    let sent = ev
        .request
        .assertion
        .as_ref()
        .expect("the assertion's claims");
    assert_eq!(
        sent.sub.as_deref(),
        Some("repo:contoso-eng/orders-service:environment:Production")
    );
    assert_eq!(ev.request.credential.map(|v| v.as_str()), Some("federated"));
    assert_eq!(ev.app.federated_credentials.len(), 1);
    let s = check(&a.checks, "github.subject");
    assert_eq!(s.status, CheckStatus::Ok);
    assert!(s.detail.contains("differs only in case"), "{}", s.detail);
    assert!(s.detail.contains("github-production"), "{}", s.detail);
    // The assertion itself is never part of the evidence.
    let all = serde_json::to_string(&a.evidence).unwrap();
    assert!(!all.contains(cred.secrets()[0].as_str()));
}

#[test]
fn a_secret_credential_is_not_judged_against_federated_credentials() {
    let plan = plan_with(DoctorOptions {
        api: Some("arm".into()),
        github_repo: Some("contoso-eng/orders-service".into()),
        github_ref: Some("refs/heads/main".into()),
        ..DoctorOptions::default()
    });
    let a = assemble(&plan, &secret(), &Facts::default(), NOW);
    assert!(a.evidence.request.assertion.is_none());
    // The subject line is still shown: what the job would present.
    assert_eq!(check(&a.checks, "github.subject").status, CheckStatus::Ok);
}

#[test]
fn an_expired_certificate_is_named_in_the_credential_check() {
    let dir = tempfile::tempdir().unwrap();
    let k = CertKey::generate("contoso-reports", NOW - 400 * 86_400, NOW - 3 * 86_400)
        .expect("a certificate");
    let path = dir.path().join("client.pem");
    std::fs::write(&path, format!("{}{}", k.key_pem, k.cert_pem)).unwrap();
    let cert = credential::load_certificate(&path, None).expect("a certificate credential");
    let cred = Credential::Certificate {
        cert,
        origin: path.display().to_string(),
    };
    let plan = arm_plan();
    let facts = Facts {
        token: refused(
            401,
            "invalid_client",
            700027,
            "The certificate with identifier used to sign the client assertion is expired on application.",
        ),
        ..Facts::default()
    };
    let a = assemble(&plan, &cred, &facts, NOW);
    let c = check(&a.checks, "credential");
    assert_eq!(c.status, CheckStatus::Ok);
    assert!(
        c.detail.starts_with("certificate SHA-256 ")
            && c.detail.contains(&format!("(SHA-1 {})", k.thumbprint_hex)),
        "{}",
        c.detail
    );
    assert!(c.detail.ends_with(" (expired 2026-11-21)"), "{}", c.detail);
    let ev = &a.evidence;
    assert_eq!(
        ev.request.credential.map(|v| v.as_str()),
        Some("certificate")
    );
    assert!(ev.request.assertion_sent);
    assert_eq!(ev.response.codes, vec![700027]);
}

/// The real chains with no credential, every host a closed loopback port: each check in the
/// report's order is present, ended, and says why when it did not run — except the two CI subject
/// checks, which appear only in a CI job.
#[test]
fn a_no_credential_run_accounts_for_every_check() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let opts = DoctorOptions {
        tenant: Some(TENANT.into()),
        client_id: Some(CLIENT.into()),
        api: Some("purview".into()),
        purview_account: Some("contoso-purview".into()),
        api_endpoint: Some(closed.clone()),
        scope_arm: Some(SCOPE.into()),
        authority_host: Some(closed.clone()),
        graph_endpoint: Some(closed.clone()),
        arm_endpoint: Some(closed),
        retries: Some(0),
        timeout: Some(5),
        no_prompt: true,
        ..DoctorOptions::default()
    };
    let judge = |_: &authcheck_model::evidence::Evidence| Vec::new();
    let rt = doctor::runtime().unwrap();
    let d = rt
        .block_on(doctor::run(
            &opts,
            &MapEnv(BTreeMap::new()),
            false,
            NOW,
            &judge,
        ))
        .expect("a diagnosis");
    let names: Vec<&str> = d.report.checks.iter().map(|c| c.name.as_str()).collect();
    let expected: Vec<&str> = CHECK_ORDER
        .iter()
        .copied()
        // tenant.cloud runs only when the authority refuses the tenant.
        .filter(|n| !matches!(*n, "github.subject" | "ado.subject" | "tenant.cloud"))
        .collect();
    assert_eq!(names, expected);
    for c in &d.report.checks {
        assert_ne!(c.detail, "did not finish", "{c:?}");
        assert!(!c.detail.is_empty(), "{c:?}");
        assert_ne!(c.status, CheckStatus::Ok, "{c:?}");
    }
    let cred = &d.report.checks[0];
    assert_eq!(cred.status, CheckStatus::Failed);
    assert!(cred.detail.starts_with("none found"), "{}", cred.detail);
    assert_eq!(
        check(&d.report.checks, "graph.application").detail,
        "no Graph token (see graph.token)"
    );
    assert!(d.unavailable);
    assert_eq!(
        d.evidence.request.credential.map(|v| v.as_str()),
        Some("none")
    );
}

#[test]
fn a_refused_refresh_leads_over_the_issued_token() {
    let tenant = Tenant::new();
    let plan = arm_plan();
    let refresh = refused(
        400,
        "invalid_grant",
        700082,
        "The refresh token has expired due to inactivity.",
    );
    let mut t = issued(tenant.arm_token(60));
    t.refreshed = Some(refresh.outcome);
    let facts = Facts {
        tenant: tenant.facts(),
        token: t,
        ..Facts::default()
    };
    let a = assemble(&plan, &secret(), &facts, NOW);
    assert!(a.evidence.request.refresh_token_sent);
    assert_eq!(a.evidence.response.codes, vec![700082]);
    // The token that was issued is still decoded and verified.
    assert_eq!(check(&a.checks, "token.decode").status, CheckStatus::Ok);
}
