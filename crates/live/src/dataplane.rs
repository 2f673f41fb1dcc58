//! The call to the target API with the issued token (`--call URL`), and what its answer says: the
//! status, the service's error code and message, the `WWW-Authenticate` challenge, ARM's denied
//! action and scope. For Purview, which API family and collection the URL names.
//!
//! The token goes only to a host of the API the user named (or to loopback, for the simulator).

use super::http::{self, Chain, Http, HttpError, Reply, Req};
use authcheck_model::evidence::{ApiCall, CollectionRoleHeld, Evidence};
use authcheck_model::knowledge::apis::{self, Api};

/// Whether the token for `api` may be sent to `url`.
pub fn host_allowed(
    url: &str,
    api: Option<&Api>,
    resource_uri: Option<&str>,
) -> Result<(), String> {
    let u = http::check_url(url).map_err(|e| e.to_string())?;
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    if http::is_loopback(&host) {
        return Ok(());
    }
    let of_api = api.is_some_and(|a| {
        a.hosts
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
    });
    let of_uri = resource_uri
        .map(|r| http::host_of(r).to_ascii_lowercase())
        .is_some_and(|h| host == h || host.ends_with(&format!(".{h}")));
    if of_api || of_uri {
        Ok(())
    } else {
        Err(format!(
            "--call {host}: not a host of {}; the token is sent only to the API it is for",
            api.map(|a| a.display_name)
                .or(resource_uri)
                .unwrap_or("the target API")
        ))
    }
}

/// Whether the call to `api` is an ingestion, which only takes POST: custom metrics (`POST
/// {resourceId}/metrics`, sent a metric with no data points) or the Logs Ingestion API (`POST
/// …/dataCollectionRules/{id}/streams/{stream}`, sent an empty batch).
pub fn posts_probe(api: Option<&Api>) -> bool {
    probe_body(api).is_some()
}

/// The body of an ingestion probe, one that stores nothing: a probe must not write into the
/// user's metrics or tables.
///
/// For the Logs Ingestion API that is an empty JSON array: the body is an array of records
/// (https://learn.microsoft.com/azure/azure-monitor/logs/logs-ingestion-api-overview#request-body)
/// and one record would land in the rule's table. Whether the service accepts an empty batch or
/// refuses it (and whether it checks the role first) Microsoft does not document; a refusal of
/// the body is reported as such, never as a working setup.
pub fn probe_body(api: Option<&Api>) -> Option<serde_json::Value> {
    match api.map(|a| a.key) {
        Some("monitor") => Some(metrics_probe()),
        Some("logsingestion") => Some(serde_json::json!([])),
        _ => None,
    }
}

/// The body posted to a custom metrics URL: a metric with no data points, so the probe stores
/// nothing.
fn metrics_probe() -> serde_json::Value {
    serde_json::json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": {"baseData": {
            "metric": "authcheck.probe",
            "namespace": "authcheck",
            "dimNames": [],
            "series": [],
        }},
    })
}

/// Calls `url` with the token (GET; with a `probe` body, a POST of it: see [`probe_body`]) and
/// keeps the answer as it came, or why none came.
pub async fn call(
    http: &Http,
    url: &str,
    token: &str,
    probe: Option<serde_json::Value>,
    chain: Chain,
) -> (Result<Reply, HttpError>, Chain) {
    let req = match probe {
        Some(body) => Req::write_json(reqwest::Method::POST, url, body, "dataplane.call"),
        None => Req::get(url, "dataplane.call"),
    }
    .bearer(token);
    http.send(&req, chain).await
}

/// What the API's answer to the call of `url` says, as `api_call` facts: the status, the service's
/// error code and message, the `WWW-Authenticate` challenge, ARM's denied action and scope.
/// `post`: the call was an ingestion probe (a POST).
pub fn api_call_of(url: &str, post: bool, answer: &Result<Reply, HttpError>) -> ApiCall {
    let mut a = ApiCall {
        method: Some(if post { "POST" } else { "GET" }.into()),
        // The URL without its query: a query may carry names the user did not mean to publish.
        url: Some(url.split('?').next().unwrap_or(url).to_string()),
        ..ApiCall::default()
    };
    let Ok(reply) = answer else {
        return a;
    };
    a.made = true;
    a.status = Some(reply.status as i64);
    a.request_id = reply
        .header("x-ms-request-id")
        .or(reply.header("request-id"))
        .map(str::to_string);
    a.retry_after = reply.retry_after().map(|s| s as i64);
    if let Some(h) = reply.header("www-authenticate") {
        a.challenge = Some(authcheck_offline::challenge::parse(h));
    }
    if !reply.is_success() {
        if let Some(j) = reply.json() {
            let (code, message) = http::service_error(&j);
            a.code = code;
            a.message = message;
            let mut inner = Vec::new();
            let mut cur = j
                .pointer("/error/innererror")
                .or_else(|| j.pointer("/error/innerError"));
            while let Some(i) = cur {
                if let Some(c) = i.get("code").and_then(|c| c.as_str()) {
                    inner.push(c.to_string());
                }
                cur = i.get("innererror").or_else(|| i.get("innerError"));
            }
            a.inner_codes = inner;
            if let Some(m) = a.message.clone() {
                read_arm_denial(&m, &mut a);
            }
        } else {
            a.message = Some(http::describe_non_json(reply));
        }
    }
    a
}

/// ARM's AuthorizationFailed message names the client, the object id, the action and the scope.
fn read_arm_denial(m: &str, a: &mut ApiCall) {
    let quoted = |after: &str| -> Option<String> {
        let i = m.find(after)? + after.len();
        let rest = &m[i..];
        let s = rest.find('\'')? + 1;
        let e = rest[s..].find('\'')? + s;
        Some(rest[s..e].to_string())
    };
    if a.action.is_none() {
        a.action = quoted("perform action");
    }
    if a.scope.is_none() {
        a.scope = quoted("over scope");
    }
    if a.client_id.is_none() {
        a.client_id = quoted("client id");
    }
    if a.principal_id.is_none() {
        a.principal_id = quoted("object id");
    }
}

/// Records what the `--call` URL says about the Purview call.
pub fn fill_purview(url: &str, collection: Option<&str>, account: Option<&str>, ev: &mut Evidence) {
    let (host, path) = reqwest::Url::parse(url)
        .map(|u| {
            (
                u.host_str().unwrap_or_default().to_string(),
                u.path().to_string(),
            )
        })
        .unwrap_or_default();
    let d = &mut ev.dataplane;
    d.service = Some("purview".into());
    d.operation = apis::purview_operation(&host, &path)
        .and_then(authcheck_model::evidence::PurviewOperation::parse);
    d.collection = collection
        .map(str::to_string)
        .or_else(|| account.map(str::to_string));
    d.environment = account.map(str::to_string);
    ev.note_source("dataplane", "dataplane");
}

/// Purview's built-in collection roles as metadata-policy attribute rules name them.
const PURVIEW_ROLES: &[(&str, &str)] = &[
    ("collection-administrator", "Collection Admin"),
    ("data-source-administrator", "Data Source Administrator"),
    ("data-curator", "Data Curator"),
    ("purview-reader", "Data Reader"),
    ("data-share-contributor", "Data Share Contributor"),
    ("policy-author", "Policy Author"),
];

/// The collection roles `principal` holds on `collection` (and, inherited, on its parents), from
/// The collection tree a list of Purview metadata policies describes: each policy names its
/// collection and its parent (the root's parent is absent or empty).
struct PolicyTree {
    items: Vec<serde_json::Value>,
}

impl PolicyTree {
    fn new(policies: &serde_json::Value) -> Self {
        let items = policies
            .get("values")
            .or_else(|| policies.get("value"))
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        PolicyTree { items }
    }

    /// A policy's collection, in lower case.
    fn name_of(p: &serde_json::Value) -> Option<String> {
        p.pointer("/properties/collection/referenceName")
            .and_then(|v| v.as_str())
            .map(str::to_ascii_lowercase)
    }

    fn parent_of(&self, c: &str) -> Option<String> {
        self.items
            .iter()
            .find(|p| Self::name_of(p).as_deref() == Some(c))
            .and_then(|p| p.pointer("/properties/parentCollectionName"))
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_ascii_lowercase)
    }

    /// `collection` (None: the root) and its parents, nearest first, in lower case — the
    /// collections whose roles reach it; None when no policy is the root's.
    fn covering(&self, collection: Option<&str>) -> Option<Vec<String>> {
        let target = match collection {
            Some(c) => c.to_ascii_lowercase(),
            None => self
                .items
                .iter()
                .find(|p| {
                    p.pointer("/properties/parentCollectionName")
                        .and_then(|v| v.as_str())
                        .is_none_or(str::is_empty)
                })
                .and_then(Self::name_of)?,
        };
        // Bounded against cycles.
        let mut chain = vec![target];
        while chain.len() < 32 {
            match self.parent_of(chain.last().unwrap()) {
                Some(p) if !chain.contains(&p) => chain.push(p),
                _ => break,
            }
        }
        Some(chain)
    }
}

/// Purview's metadata policies (`GET /policystore/metadataPolicies`): each policy belongs to a
/// collection and lists attribute rules `purviewmetadatarole_builtin_{role}:{collection}` whose
/// `principal.microsoft.id` condition names the members.
///
/// `collection` None means the root collection (the policy without a parent). None comes back
/// when no policy covers the collection: the roles are then unknown, not absent.
pub fn purview_roles_from_policies(
    policies: &serde_json::Value,
    principal: &str,
    collection: Option<&str>,
) -> Option<Vec<String>> {
    let tree = PolicyTree::new(policies);
    let chain = tree.covering(collection)?;
    let mut held = Vec::new();
    let mut covered = false;
    for p in &tree.items {
        if !PolicyTree::name_of(p).is_some_and(|n| chain.contains(&n)) {
            continue;
        }
        covered = true;
        let rules = p
            .pointer("/properties/attributeRules")
            .and_then(|v| v.as_array());
        for r in rules.into_iter().flatten() {
            let id = r.get("id").and_then(|v| v.as_str()).unwrap_or_default();
            let Some(role) = id
                .strip_prefix("purviewmetadatarole_builtin_")
                .and_then(|x| x.split(':').next())
            else {
                continue;
            };
            let member = r
                .get("dnfCondition")
                .and_then(|d| d.as_array())
                .into_iter()
                .flatten()
                .filter_map(|conj| conj.as_array())
                .flatten()
                .filter(|c| {
                    c.get("attributeName").and_then(|v| v.as_str())
                        == Some("principal.microsoft.id")
                })
                .filter_map(|c| c.get("attributeValueIncludedIn").and_then(|v| v.as_array()))
                .flatten()
                .any(|v| {
                    v.as_str()
                        .is_some_and(|v| v.eq_ignore_ascii_case(principal))
                });
            if member {
                let name = PURVIEW_ROLES
                    .iter()
                    .find(|(k, _)| *k == role)
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_else(|| role.to_string());
                if !held.contains(&name) {
                    held.push(name);
                }
            }
        }
    }
    covered.then_some(held)
}

/// The collection roles `principal` holds on collections that do not cover `collection` (neither
/// it nor one of its parents), from the same metadata policies: a role given on a sub-collection
/// or a sibling. `collection` None means the root, which every collection is under.
pub fn purview_roles_elsewhere(
    policies: &serde_json::Value,
    principal: &str,
    collection: Option<&str>,
) -> Vec<CollectionRoleHeld> {
    let tree = PolicyTree::new(policies);
    // The target and its parents cover the call; every other collection does not.
    let Some(chain) = tree.covering(collection) else {
        return vec![];
    };
    let mut out: Vec<CollectionRoleHeld> = vec![];
    for p in &tree.items {
        let Some(name) = p
            .pointer("/properties/collection/referenceName")
            .and_then(|v| v.as_str())
            .map(str::to_string)
        else {
            continue;
        };
        if chain.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        let one = serde_json::json!({ "values": [p] });
        for role in purview_roles_from_policies(&one, principal, Some(&name)).unwrap_or_default() {
            let held = CollectionRoleHeld {
                role,
                collection: name.clone(),
            };
            if !out.contains(&held) {
                out.push(held);
            }
        }
    }
    out
}

/// The principal's collection roles covering the collection, and those held elsewhere.
pub type PurviewRoles = (Vec<String>, Vec<CollectionRoleHeld>);

/// Reads the principal's collection roles from the Purview account at `base`: those that cover
/// `collection` (None when no policy covers it: unknown, not absent) and those held elsewhere.
pub async fn read_purview_roles(
    http: &Http,
    base: &str,
    token: &str,
    principal: &str,
    collection: Option<&str>,
    chain: Chain,
) -> (Result<Option<PurviewRoles>, http::ReadError>, Chain) {
    let url = format!(
        "{}/policystore/metadataPolicies?api-version=2021-07-01",
        base.trim_end_matches('/')
    );
    let (r, chain) = http
        .get_json(&url, token, "dataplane.purview_roles", chain)
        .await;
    (
        r.map(|v| {
            purview_roles_from_policies(&v, principal, collection)
                .map(|held| (held, purview_roles_elsewhere(&v, principal, collection)))
        }),
        chain,
    )
}

/// Records what the Power Platform API's answer says of the app's standing in the environment.
/// `ApplicationUserNotFound` says the app is a management application with no application user
/// there. `AppOnlyTokenNotSupported` says only that the API refused an app-only token: it is
/// recorded as the call's code and nothing more is concluded from it.
pub fn fill_powerplatform(environment: Option<&str>, ev: &mut Evidence) {
    let code = ev.api_call.code.clone();
    let status = ev.api_call.status;
    let d = &mut ev.dataplane;
    d.service = Some("powerplatform".into());
    d.environment = environment.map(str::to_string);
    match code.as_deref() {
        Some("ApplicationUserNotFound") => {
            d.management_app_registered = Some(true);
            d.application_user = Some(false);
        }
        _ if status.is_some_and(|s| (200..300).contains(&s)) => {
            d.application_user = Some(true);
        }
        _ => {}
    }
    ev.note_source("dataplane", "dataplane");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_only_to_its_api() {
        let purview = authcheck_model::knowledge::apis::by_key("purview");
        assert!(host_allowed("https://acct.purview.azure.com/catalog/api", purview, None).is_ok());
        assert!(host_allowed("https://evil.example.com/x", purview, None).is_err());
        assert!(host_allowed("http://127.0.0.1:9/x", purview, None).is_ok());
        assert!(host_allowed("http://acct.purview.azure.com/x", purview, None).is_err());
    }

    #[test]
    fn roles_on_collections_that_do_not_cover_the_call_are_told_apart() {
        let rule = |role: &str, c: &str, who: &str| {
            serde_json::json!({"id": format!("purviewmetadatarole_builtin_{role}:{c}"),
                "dnfCondition": [[{"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": [who]}]]})
        };
        let policy = |c: &str, parent: &str, rules: Vec<serde_json::Value>| {
            serde_json::json!({"properties": {"collection": {"referenceName": c},
                "parentCollectionName": parent, "attributeRules": rules}})
        };
        let doc = serde_json::json!({"values": [
            policy("root", "", vec![rule("collection-administrator", "root", "ADMIN")]),
            policy("finance", "root", vec![rule("data-curator", "finance", "APP")]),
            policy("sales", "root", vec![rule("purview-reader", "sales", "APP")]),
        ]});
        // The call targets the root: both sub-collections' roles are elsewhere.
        assert_eq!(purview_roles_from_policies(&doc, "app", None), Some(vec![]));
        let elsewhere = purview_roles_elsewhere(&doc, "app", None);
        assert_eq!(elsewhere.len(), 2, "{elsewhere:?}");
        assert_eq!(elsewhere[0].role, "Data Curator");
        assert_eq!(elsewhere[0].collection, "finance");
        // The call targets Finance: its role covers it, Sales' does not, the root's admin is
        // someone else's.
        assert_eq!(
            purview_roles_from_policies(&doc, "APP", Some("finance")),
            Some(vec!["Data Curator".to_string()])
        );
        let elsewhere = purview_roles_elsewhere(&doc, "APP", Some("Finance"));
        assert_eq!(elsewhere.len(), 1, "{elsewhere:?}");
        assert_eq!(elsewhere[0].collection, "sales");
    }

    #[test]
    fn purview_roles_with_inheritance() {
        let doc = serde_json::json!({"values": [
            {"properties": {"collection": {"referenceName": "root"},
              "attributeRules": [
                {"id": "purviewmetadatarole_builtin_collection-administrator:root",
                 "dnfCondition": [[{"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["OID-1"]},
                                   {"attributeName": "derived.purview.role", "attributeValueIncludes": "x"}]]},
                {"id": "purviewmetadatarole_builtin_data-curator:root",
                 "dnfCondition": [[{"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["other"]}]]}
              ]}},
            {"properties": {"collection": {"referenceName": "sales"}, "parentCollectionName": "root",
              "attributeRules": [
                {"id": "purviewmetadatarole_builtin_purview-reader:sales",
                 "dnfCondition": [[{"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["oid-1"]}]]}
              ]}},
            {"properties": {"collection": {"referenceName": "hr"}, "parentCollectionName": "root",
              "attributeRules": [
                {"id": "purviewmetadatarole_builtin_data-curator:hr",
                 "dnfCondition": [[{"attributeName": "principal.microsoft.id", "attributeValueIncludedIn": ["oid-1"]}]]}
              ]}}
        ]});
        assert_eq!(
            purview_roles_from_policies(&doc, "oid-1", Some("Sales")).unwrap(),
            vec!["Collection Admin", "Data Reader"]
        );
        assert_eq!(
            purview_roles_from_policies(&doc, "oid-2", Some("sales")),
            Some(Vec::new())
        );
        assert_eq!(
            purview_roles_from_policies(&doc, "oid-1", None).unwrap(),
            vec!["Collection Admin"]
        );
        assert_eq!(
            purview_roles_from_policies(&serde_json::json!({"values": []}), "oid-1", None),
            None
        );
    }
}
