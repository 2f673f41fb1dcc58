//! Before: which steps the operator may make (the Graph token's permissions; ARM's own answer to
//! "what may I do at this scope"). Then: the writes, in order, stopping at the first failure, with
//! the id of what each made (for its undo) and a new secret written to its file and nowhere else.

use super::permissions::{self, ACTS_AS_USER};
use super::{held_permissions, Operator, RepairPlan, Service, StepKind};
use crate::http::{Chain, Http, Req};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Marks each automatic step the operator cannot make (`blocked`) or whose permission cannot be
/// told from the token (`unverified`).
pub async fn precheck(plan: &mut RepairPlan, op: &Operator, http: &Http, arm_base: &str) {
    let graph_held = op.graph.as_ref().ok().map(held_permissions);
    for s in plan.steps.iter_mut() {
        if s.kind != StepKind::Automatic || s.blocked.is_some() {
            continue;
        }
        let (Some(req), Some(need)) = (&s.request, s.need) else {
            continue;
        };
        match req.service {
            Service::Graph => match (&op.graph, &graph_held) {
                (Err(why), _) => s.blocked = Some(format!("Graph: {why}")),
                (Ok(_), Some((roles, scp))) => {
                    if need.met_by(roles) {
                        continue;
                    }
                    // A delegated token acts with the signed-in user's directory roles as well
                    // as its scopes: only Graph can say whether they allow the write.
                    if need.met_by(scp) || scp.iter().any(|h| h == ACTS_AS_USER) {
                        s.unverified = Some(format!(
                            "the operator's Graph token is delegated: it needs {} and a directory role that allows the change, which Graph decides",
                            need.named
                        ));
                    } else {
                        s.blocked = Some(format!("the operator lacks {}", need.named));
                    }
                }
                (Ok(_), None) => {}
            },
            Service::Purview | Service::PowerPlatform => super::dataplane::precheck(s, op),
            Service::Arm => {
                let token = match &op.arm {
                    Ok(t) => t,
                    Err(why) => {
                        s.blocked = Some(format!("ARM: {why}"));
                        continue;
                    }
                };
                let scope = s.arm_scope.clone().unwrap_or_default();
                let action = need.arm_action.unwrap_or("");
                match arm_allows(http, arm_base, token.expose(), &scope, action).await {
                    Ok(true) => {}
                    Ok(false) => {
                        s.blocked = Some(format!("the operator lacks {} (at {scope})", need.named))
                    }
                    Err(e) => {
                        s.blocked = Some(format!(
                            "could not read the operator's permissions at {scope}: {e}"
                        ))
                    }
                }
            }
        }
    }
}

/// ARM's list of the caller's actions at a scope (`…/providers/Microsoft.Authorization/permissions`),
/// tested against one action.
async fn arm_allows(
    http: &Http,
    arm_base: &str,
    token: &str,
    scope: &str,
    action: &str,
) -> Result<bool, String> {
    let url = format!(
        "{}{scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01",
        arm_base.trim_end_matches('/')
    );
    let (r, _) = http
        .send(
            &Req::get(url, "fix.precheck.arm").bearer(token),
            Chain::default(),
        )
        .await;
    let r = r.map_err(|e| e.short())?;
    if !r.is_success() {
        return Err(failure(r.status, &r.body));
    }
    let v = r.json().ok_or("the answer is not JSON")?;
    let list = |p: &serde_json::Value, k: &str| -> Vec<String> {
        p[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(v["value"].as_array().into_iter().flatten().any(|p| {
        list(p, "actions")
            .iter()
            .any(|a| permissions::action_matches(a, action))
            && !list(p, "notActions")
                .iter()
                .any(|a| permissions::action_matches(a, action))
    }))
}

/// "HTTP 403 Authorization_RequestDenied: Insufficient privileges…": the service's code and
/// message (they carry no secret), never the body whole.
fn failure(status: u16, body: &str) -> String {
    let (code, msg) = serde_json::from_str::<serde_json::Value>(body)
        .map(|j| crate::http::service_error(&j))
        .unwrap_or((None, None));
    let mut s = format!("HTTP {status}");
    if let Some(c) = code {
        s.push(' ');
        s.push_str(&c);
    }
    if let Some(m) = msg {
        s.push_str(": ");
        s.push_str(&m);
    }
    s
}

/// Where a new client secret goes: a file created for it, mode 0600, never an existing one.
pub struct SecretSink {
    path: PathBuf,
}

impl SecretSink {
    /// Refuses a path that exists already (a file, a link, a device): nothing is overwritten.
    pub fn new(path: &Path) -> Result<SecretSink, String> {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(format!(
                "--secret-out {}: exists already; give a new path (the secret is never written over a file)",
                path.display()
            ));
        }
        match path.parent() {
            Some(d) if !d.as_os_str().is_empty() && !d.is_dir() => Err(format!(
                "--secret-out {}: the folder does not exist",
                path.display()
            )),
            _ => Ok(SecretSink {
                path: path.to_path_buf(),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, secret: &str) -> Result<(), String> {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o
            .open(&self.path)
            .map_err(|e| format!("--secret-out {}: {e}", self.path.display()))?;
        f.write_all(secret.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
            .map_err(|e| format!("--secret-out {}: {e}", self.path.display()))
    }
}

/// One step made.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The step's index in the plan (0-based).
    pub step: usize,
    pub status: u16,
    /// The id of what was made (a grant, an assignment, a key id), for its undo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A step the service refused.
#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub step: usize,
    /// The status with the service's code and message (never the body whole).
    pub reason: String,
}

/// What applying did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub applied: Vec<Applied>,
    /// The step that failed, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<Failed>,
    /// Automatic steps not made (after a failure).
    pub not_applied: Vec<usize>,
}

/// Makes the automatic steps in order with the operator's tokens, stopping at the first failure.
pub async fn apply(
    plan: &RepairPlan,
    op: &Operator,
    http: &Http,
    sink: Option<&SecretSink>,
) -> Outcome {
    let mut out = Outcome::default();
    let autos: Vec<usize> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == StepKind::Automatic)
        .map(|(i, _)| i)
        .collect();
    for (k, &i) in autos.iter().enumerate() {
        let s = &plan.steps[i];
        let result = one(s, op, http, sink).await;
        match result {
            Ok(a) => out.applied.push(Applied { step: i, ..a }),
            Err(why) => {
                out.failed = Some(Failed {
                    step: i,
                    reason: why,
                });
                out.not_applied = autos[k + 1..].to_vec();
                break;
            }
        }
    }
    out
}

async fn one(
    s: &super::Step,
    op: &Operator,
    http: &Http,
    sink: Option<&SecretSink>,
) -> Result<Applied, String> {
    let req = s.request.as_ref().ok_or("no request")?;
    let token = op.token(req.service).map_err(str::to_string)?;
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
    let r = Req::write_json(method, req.url.clone(), req.body.clone(), "fix.apply")
        .bearer(token.expose());
    let (reply, _) = http.send(&r, Chain::default()).await;
    let reply = reply.map_err(|e| e.short())?;
    if !reply.is_success() {
        return Err(failure(reply.status, &reply.body));
    }
    let v = reply.json().unwrap_or(serde_json::Value::Null);
    let id = ["id", "keyId"]
        .iter()
        .find_map(|k| v[*k].as_str().map(String::from))
        .or_else(|| v["name"].as_str().map(String::from));
    if s.returns_secret {
        let secret = v["secretText"]
            .as_str()
            .ok_or("the answer carries no secretText")?;
        let sink = sink.ok_or("no --secret-out file for the new secret")?;
        sink.write(secret)?;
    }
    Ok(Applied {
        step: 0,
        status: reply.status,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::Secret;
    use crate::fix::{Request, Step};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    /// A token with these claims and a meaningless signature: the pre-check reads claims only.
    fn token(claims: serde_json::Value) -> Secret {
        let enc = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        Secret::new(format!(
            "{}.{}.{}",
            enc(serde_json::json!({"alg": "RS256", "typ": "JWT"})),
            enc(claims),
            URL_SAFE_NO_PAD.encode([7u8; 256])
        ))
    }

    fn grant_step() -> RepairPlan {
        RepairPlan {
            steps: vec![Step::automatic(
                "admin-consent-missing",
                "grant".into(),
                Request {
                    service: Service::Graph,
                    method: "POST".into(),
                    url: "http://127.0.0.1:1/v1.0/oauth2PermissionGrants".into(),
                    body: serde_json::Value::Null,
                },
                permissions::GRANT_DELEGATED,
                "undo".into(),
            )],
        }
    }

    async fn check(claims: serde_json::Value) -> super::super::Step {
        let op = Operator {
            graph: Ok(token(claims)),
            arm: Err("none".into()),
            purview: Err("none".into()),
            powerplatform: Err("none".into()),
            bap_base: String::new(),
        };
        let http = Http::new(Default::default(), None).unwrap();
        let mut plan = grant_step();
        precheck(&mut plan, &op, &http, "http://127.0.0.1:1").await;
        plan.steps.remove(0)
    }

    #[tokio::test]
    async fn app_only_tokens_are_judged_by_their_roles_delegated_ones_left_to_graph() {
        let s =
            check(serde_json::json!({"roles": ["DelegatedPermissionGrant.ReadWrite.All"]})).await;
        assert!(s.blocked.is_none() && s.unverified.is_none());
        let s = check(serde_json::json!({"roles": ["Application.Read.All"]})).await;
        assert!(s
            .blocked
            .unwrap()
            .contains("DelegatedPermissionGrant.ReadWrite.All"));
        let s =
            check(serde_json::json!({"scp": "DelegatedPermissionGrant.ReadWrite.All User.Read"}))
                .await;
        assert!(s.blocked.is_none() && s.unverified.is_some());
        let s = check(serde_json::json!({"scp": "User.Read"})).await;
        assert!(s.blocked.is_some());
    }
}
