//! Microsoft Graph, read live: the app registration, its service principal and what it was granted,
//! who is assigned, its federated credentials, the target API's service principal, the names of the
//! permissions it requests, and its recent sign-ins. Reads that depend on one another run in
//! chains; independent chains run at once.
//!
//! The Graph token goes to the Graph host only.

use super::http::{Chain, Http, ReadError, Track};
use authcheck_model::report::CheckStatus;
use authcheck_offline::graph_facts::{list, quote, str_of, GraphFacts};
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads Graph for one client id.
pub struct GraphReader<'a> {
    pub http: &'a Http,
    /// `https://graph.microsoft.com` (no trailing slash) or a loopback simulator.
    pub base: String,
    pub token: &'a str,
    pub track: &'a dyn Track,
}

/// Why a Graph read could not run, in the words a user can act on.
pub fn why(e: &ReadError, permission: &str) -> (CheckStatus, String) {
    match e {
        // 401: Graph refused the token itself (expired, bad signature, wrong audience), which
        // says nothing about permissions.
        ReadError::Status { status: 401, code, .. } => (
            CheckStatus::Skipped,
            format!(
                "Graph refused the reading token ({}); run with --graph-auth az or give a valid Graph token",
                code.as_deref().unwrap_or("unauthorized")
            ),
        ),
        ReadError::Status { status: 403, code, .. } => (
            CheckStatus::Skipped,
            format!(
                "the identity reading Graph lacks {permission} ({}); run with --graph-auth az or give a token that has it",
                code.as_deref().unwrap_or("forbidden")
            ),
        ),
        other => (CheckStatus::Failed, other.short()),
    }
}

impl GraphReader<'_> {
    async fn get(
        &self,
        check: &str,
        path: &str,
        chain: Chain,
    ) -> (Result<Value, ReadError>, Chain) {
        let url = format!("{}{}", self.base, path);
        self.http.get_json(&url, self.token, check, chain).await
    }

    /// The first object a `$filter` lookup returns; `Ok(None)` when there is none.
    async fn lookup(
        &self,
        check: &str,
        what: &str,
        path: &str,
        permission: &str,
        chain: Chain,
    ) -> (Option<Option<Value>>, Chain) {
        self.track.start(check);
        let (r, chain) = self.get(check, path, chain).await;
        let out = match r {
            Ok(v) => {
                let first = list(&v).into_iter().next();
                let detail = match &first {
                    Some(o) => format!(
                        "{what} found: {}",
                        str_of(o, "displayName").unwrap_or("(no name)")
                    ),
                    None => format!("no {what} with that app id in the tenant"),
                };
                self.track.done(check, CheckStatus::Ok, detail);
                Some(first)
            }
            Err(ReadError::Status { status: 404, .. }) => {
                self.track.done(
                    check,
                    CheckStatus::Ok,
                    format!("no {what} with that app id in the tenant"),
                );
                Some(None)
            }
            Err(e) => {
                let (s, d) = why(&e, permission);
                self.track.done(check, s, d);
                None
            }
        };
        (out, chain)
    }

    async fn collection(
        &self,
        check: &str,
        what: &str,
        path: &str,
        permission: &str,
        chain: Chain,
    ) -> (Option<Vec<Value>>, Chain) {
        self.track.start(check);
        let (r, mut chain) = self.get(check, path, chain).await;
        let out = match r {
            Ok(v) => {
                let mut items = list(&v);
                // Follow `@odata.nextLink` a bounded number of times, on the Graph host only.
                let mut next = v
                    .get("@odata.nextLink")
                    .and_then(|n| n.as_str())
                    .map(str::to_string);
                let mut pages = 1;
                while let Some(url) = next.take() {
                    if pages >= 10 || !url.starts_with(&self.base) {
                        break;
                    }
                    let (r, c) = self.http.get_json(&url, self.token, check, chain).await;
                    chain = c;
                    pages += 1;
                    match r {
                        Ok(v) => {
                            items.extend(list(&v));
                            next = v
                                .get("@odata.nextLink")
                                .and_then(|n| n.as_str())
                                .map(str::to_string);
                        }
                        Err(_) => break,
                    }
                }
                self.track
                    .done(check, CheckStatus::Ok, format!("{} {what}", items.len()));
                Some(items)
            }
            Err(e) => {
                let (s, d) = why(&e, permission);
                self.track.done(check, s, d);
                None
            }
        };
        (out, chain)
    }

    /// Reads everything about `client_id`; `target_app_id` is the API's app id, when known.
    pub async fn read_all(
        &self,
        client_id: &str,
        target_app_id: Option<&str>,
        signins: bool,
        chain: Chain,
    ) -> (GraphFacts, Chain) {
        let cid = quote(client_id);
        let app_chain = async {
            let (app, c1) = self
                .lookup(
                    "graph.application",
                    "app registration",
                    &format!("/v1.0/applications?$filter=appId eq '{cid}'"),
                    "Application.Read.All",
                    chain,
                )
                .await;
            let Some(Some(a)) = &app else {
                for c in ["graph.federated_credentials", "graph.permission_names"] {
                    self.track.done(
                        c,
                        CheckStatus::Skipped,
                        "the app registration was not read".into(),
                    );
                }
                return (app, None, BTreeMap::new(), c1);
            };
            let oid = str_of(a, "id").unwrap_or_default().to_string();
            let mut resource_ids: Vec<String> = a
                .get("requiredResourceAccess")
                .and_then(|r| r.as_array())
                .map(|r| {
                    r.iter()
                        .filter_map(|x| str_of(x, "resourceAppId").map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            resource_ids.sort();
            resource_ids.dedup();
            let fic_path = format!("/v1.0/applications/{oid}/federatedIdentityCredentials");
            let fic = self.collection(
                "graph.federated_credentials",
                "federated credentials",
                &fic_path,
                "Application.Read.All",
                c1,
            );
            let names = self.resource_principals(&resource_ids, c1);
            let ((fic, c2), (names, c3)) = tokio::join!(fic, names);
            (app, fic, names, c2.max(c3))
        };
        let sp_chain = async {
            let (sp, c1) = self
                .lookup(
                    "graph.service_principal",
                    "service principal",
                    &format!("/v1.0/servicePrincipals?$filter=appId eq '{cid}'"),
                    "Application.Read.All",
                    chain,
                )
                .await;
            let Some(Some(s)) = &sp else {
                for c in [
                    "graph.app_role_assignments",
                    "graph.delegated_grants",
                    "graph.assignees",
                ] {
                    self.track.done(
                        c,
                        CheckStatus::Skipped,
                        "no service principal to read".into(),
                    );
                }
                return (sp, None, None, None, c1);
            };
            let id = str_of(s, "id").unwrap_or_default().to_string();
            let p1 = format!("/v1.0/servicePrincipals/{id}/appRoleAssignments");
            let p2 = format!("/v1.0/servicePrincipals/{id}/oauth2PermissionGrants");
            let p3 = format!("/v1.0/servicePrincipals/{id}/appRoleAssignedTo");
            let roles = self.collection(
                "graph.app_role_assignments",
                "app roles granted",
                &p1,
                "Application.Read.All",
                c1,
            );
            let grants = self.collection(
                "graph.delegated_grants",
                "delegated grants",
                &p2,
                "Directory.Read.All",
                c1,
            );
            let assigned = self.collection(
                "graph.assignees",
                "users, groups or apps assigned",
                &p3,
                "Application.Read.All",
                c1,
            );
            let ((r, c2), (g, c3), (a, c4)) = tokio::join!(roles, grants, assigned);
            (sp, r, g, a, c2.max(c3).max(c4))
        };
        let target_chain = async {
            match target_app_id {
                Some(t) => {
                    self.lookup(
                        "graph.target_principal",
                        "API service principal",
                        &format!("/v1.0/servicePrincipals?$filter=appId eq '{}'", quote(t)),
                        "Application.Read.All",
                        chain,
                    )
                    .await
                }
                None => {
                    self.track.done(
                        "graph.target_principal",
                        CheckStatus::Skipped,
                        "the target API has no well-known app id".into(),
                    );
                    (None, chain)
                }
            }
        };
        let signin_chain = async {
            if !signins {
                return (None, chain);
            }
            self.collection(
                "graph.signins",
                "recent sign-ins",
                &format!("/v1.0/auditLogs/signIns?$filter=appId eq '{cid}'&$top=100"),
                "AuditLog.Read.All",
                chain,
            )
            .await
        };
        let ca_chain = async {
            if !signins {
                return (None, chain);
            }
            self.collection(
                "graph.conditional_access",
                "conditional access policies",
                "/v1.0/identity/conditionalAccess/policies",
                "Policy.Read.All",
                chain,
            )
            .await
        };
        let (
            (app, fic, names, c1),
            (sp, roles, grants, assignees, c2),
            (target, c3),
            (si, c4),
            (ca, c5),
        ) = tokio::join!(app_chain, sp_chain, target_chain, signin_chain, ca_chain);
        (
            GraphFacts {
                application: app,
                service_principal: sp,
                target_principal: target,
                app_role_assignments: roles,
                delegated_grants: grants,
                assignees,
                federated_credentials: fic,
                resource_principals: names,
                signins: si,
                conditional_access: ca,
            },
            c1.max(c2).max(c3).max(c4).max(c5),
        )
    }

    /// The service principals of the APIs the app asks permissions of (to name the permissions).
    async fn resource_principals(
        &self,
        app_ids: &[String],
        chain: Chain,
    ) -> (BTreeMap<String, Value>, Chain) {
        let check = "graph.permission_names";
        self.track.start(check);
        let mut set = tokio::task::JoinSet::new();
        for id in app_ids {
            let url = format!(
                "{}/v1.0/servicePrincipals?$filter=appId eq '{}'",
                self.base,
                quote(id)
            );
            let http = self.http.clone();
            let token = self.token.to_string();
            let id = id.clone();
            set.spawn(async move {
                let (r, c) = http
                    .get_json(&url, &token, "graph.permission_names", chain)
                    .await;
                (id, r, c)
            });
        }
        let mut out = BTreeMap::new();
        let mut longest = chain;
        let mut failed = 0;
        while let Some(Ok((id, r, c))) = set.join_next().await {
            longest = longest.max(c);
            match r {
                Ok(v) => {
                    if let Some(sp) = list(&v).into_iter().next() {
                        out.insert(id, sp);
                    }
                }
                Err(_) => failed += 1,
            }
        }
        let (status, detail) = if failed == 0 {
            (
                CheckStatus::Ok,
                match out.len() {
                    1 => "the permission names of 1 API read".to_string(),
                    n => format!("the permission names of {n} APIs read"),
                },
            )
        } else {
            (
                CheckStatus::Failed,
                format!(
                    "{failed} of {} APIs could not be read; permissions shown by id",
                    app_ids.len()
                ),
            )
        };
        self.track.done(check, status, detail);
        (out, longest)
    }
}
