//! The data-plane chain, after the token: the call to the target API with the token, and at the
//! same time, for Purview, the principal's collection roles from the account's metadata policies.

use crate::credential::Secret;
use crate::dataplane;
use crate::doctor::plan::Plan;
use crate::doctor::progress::Recorder;
use crate::http::{Chain, Http, HttpError, Reply, Track};
use authcheck_model::report::{Check, CheckStatus};

/// The call made with the token: the URL and the answer as it came (or why none came).
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub url: String,
    pub answer: Result<Reply, HttpError>,
}

/// What the data-plane chain learned.
#[derive(Debug, Clone, Default)]
pub struct DataPlaneFacts {
    pub call: Option<CallRecord>,
    /// The principal's Purview collection roles at the collection or above, and those held on
    /// collections that do not cover it, when read.
    pub purview_roles: Option<dataplane::PurviewRoles>,
    /// Power Platform: the app is among the registered management applications, when read.
    pub management_app: Option<bool>,
    pub checks: Vec<Check>,
}

/// The operator's own tokens for the data planes (`AUTHCHECK_PURVIEW_TOKEN`,
/// `AUTHCHECK_POWERPLATFORM_TOKEN`), which read what the app's token may not: the collections'
/// metadata policies, the registered management applications.
#[derive(Debug, Clone, Default)]
pub struct DataPlaneReaders {
    pub purview: Option<Secret>,
    pub powerplatform: Option<Secret>,
    /// The Power Platform admin API's base URL (`AUTHCHECK_BAP_ENDPOINT`, else Microsoft's).
    pub bap_base: String,
}

/// The data-plane reads with the user's token; `principal` is the token's object id.
pub async fn dataplane_chain(
    http: &Http,
    plan: &Plan,
    token: Option<&Secret>,
    principal: Option<&str>,
    readers: &DataPlaneReaders,
    live: &dyn Track,
    start: Chain,
) -> (DataPlaneFacts, Chain) {
    let track = Recorder::new(live);
    // The operator's Purview token when there is one (it may read the policies), else the app's.
    let roles = purview_roles(
        http,
        plan,
        readers.purview.as_ref().or(token),
        principal,
        &track,
        start,
    );
    let call = call_api(http, plan, token, &track, start);
    let apps = management_app(http, plan, readers, &track, start);
    let ((purview_roles, c_roles), (call, c_call), (management_app, c_apps)) =
        tokio::join!(roles, call, apps);
    let facts = DataPlaneFacts {
        call,
        purview_roles,
        management_app,
        checks: track.checks(),
    };
    (facts, c_call.max(c_roles).max(c_apps))
}

/// Power Platform: whether the app is a registered management application, from the admin API's
/// list (`GET {bap}/providers/Microsoft.BusinessAppPlatform/adminApplications?api-version=2020-10-01`,
/// <https://learn.microsoft.com/en-us/power-platform/admin/powerplatform-api-create-service-principal>),
/// read with the operator's token: the app's own token cannot tell (the API refuses it either way).
async fn management_app(
    http: &Http,
    plan: &Plan,
    readers: &DataPlaneReaders,
    track: &dyn Track,
    c: Chain,
) -> (Option<bool>, Chain) {
    if plan.api.is_none_or(|a| a.key != "powerplatform") {
        return (None, c);
    }
    let Some(t) = &readers.powerplatform else {
        track.done(
            "dataplane.management_apps",
            CheckStatus::Skipped,
            "set AUTHCHECK_POWERPLATFORM_TOKEN to an administrator's token for the Power Platform admin API to read the registered management applications".into(),
        );
        return (None, c);
    };
    let url = format!(
        "{}/providers/Microsoft.BusinessAppPlatform/adminApplications?api-version=2020-10-01",
        readers.bap_base.trim_end_matches('/')
    );
    track.start("dataplane.management_apps");
    let (r, c2) = http
        .get_json(&url, t.expose(), "dataplane.management_apps", c)
        .await;
    match r {
        Ok(v) => {
            let ids: Vec<String> = v
                .get("value")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    a.get("applicationId")
                        .or_else(|| a.pointer("/properties/applicationId"))
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                })
                .collect();
            let registered = ids.iter().any(|i| i.eq_ignore_ascii_case(&plan.client_id));
            track.done(
                "dataplane.management_apps",
                CheckStatus::Ok,
                format!(
                    "{} management application{} registered; app {} {}",
                    ids.len(),
                    if ids.len() == 1 { "" } else { "s" },
                    plan.client_id,
                    if registered { "is one" } else { "is not one" }
                ),
            );
            (Some(registered), c2)
        }
        Err(e) => {
            let status = match e.status() {
                Some(401 | 403) => CheckStatus::Skipped,
                _ => CheckStatus::Failed,
            };
            track.done(
                "dataplane.management_apps",
                status,
                format!("the admin API did not list them: {}", e.short()),
            );
            (None, c2)
        }
    }
}

async fn purview_roles(
    http: &Http,
    plan: &Plan,
    token: Option<&Secret>,
    principal: Option<&str>,
    track: &dyn Track,
    c: Chain,
) -> (Option<dataplane::PurviewRoles>, Chain) {
    let (Some(base), Some(t), Some(p)) = (&plan.purview_base, token, principal) else {
        track.done(
            "dataplane.purview_roles",
            CheckStatus::Skipped,
            match (&plan.purview_base, plan.api.map(|a| a.key)) {
                (Some(_), _) => "no token to read them with".into(),
                // A Purview call without the account: say what would make the read possible.
                (None, Some("purview")) => {
                    "give --purview-account NAME (or --api-endpoint https://NAME.purview.azure.com) to read the collection roles".into()
                }
                (None, _) => "only for Purview (--api purview)".into(),
            },
        );
        return (None, c);
    };
    let collection = plan.collection.clone().or(plan.purview_account.clone());
    let shown = collection
        .clone()
        .unwrap_or_else(|| "the root collection".into());
    track.start("dataplane.purview_roles");
    let (r, c2) =
        dataplane::read_purview_roles(http, base, t.expose(), p, collection.as_deref(), c).await;
    match r {
        Ok(Some((roles, elsewhere))) => {
            let mut detail = if roles.is_empty() {
                format!("no collection role on {shown} or above")
            } else {
                format!("{} on {shown}", roles.join(", "))
            };
            if !elsewhere.is_empty() {
                let list: Vec<String> = elsewhere
                    .iter()
                    .map(|r| format!("{} on {}", r.role, r.collection))
                    .collect();
                detail.push_str(&format!("; elsewhere: {}", list.join(", ")));
            }
            track.done("dataplane.purview_roles", CheckStatus::Ok, detail);
            (Some((roles, elsewhere)), c2)
        }
        Ok(None) => {
            track.done(
                "dataplane.purview_roles",
                CheckStatus::Skipped,
                format!("the account returned no metadata policy for {shown}"),
            );
            (None, c2)
        }
        Err(e) => {
            let (s, d) = match e.status() {
                Some(401 | 403) => (
                    CheckStatus::Skipped,
                    "reading collection roles needs Collection Admin, which the identity lacks"
                        .to_string(),
                ),
                _ => (CheckStatus::Failed, e.short()),
            };
            track.done("dataplane.purview_roles", s, d);
            (None, c2)
        }
    }
}

/// The call with the token (`--call`, or the API's harmless default read).
async fn call_api(
    http: &Http,
    plan: &Plan,
    token: Option<&Secret>,
    track: &dyn Track,
    c: Chain,
) -> (Option<CallRecord>, Chain) {
    match (&plan.call, token) {
        (Some(url), Some(t)) => {
            track.start("dataplane.call");
            let probe = dataplane::probe_body(plan.api);
            let post = probe.is_some();
            let empty_batch = plan.api.is_some_and(|a| a.key == "logsingestion");
            let (answer, c2) = dataplane::call(http, url, t.expose(), probe, c).await;
            match &answer {
                // The Logs Ingestion probe is an empty batch: a 400 refuses the body, which says
                // nothing either way of the token or the role.
                Ok(reply) if empty_batch && reply.status == 400 => {
                    let code = dataplane::api_call_of(url, post, &answer).code;
                    track.done(
                        "dataplane.call",
                        CheckStatus::Warning,
                        format!(
                            "the service refused the probe's empty batch (HTTP 400{}), so whether the role is honoured is not known; nothing was written",
                            code.map(|c| format!(" {c}")).unwrap_or_default()
                        ),
                    )
                }
                Ok(reply) => {
                    let code = dataplane::api_call_of(url, post, &answer).code;
                    track.done(
                        "dataplane.call",
                        // A 401 or 403 (or any error status) means the call does not work.
                        if reply.status >= 400 {
                            CheckStatus::Failed
                        } else {
                            CheckStatus::Ok
                        },
                        format!(
                            "HTTP {}{}",
                            reply.status,
                            code.map(|c| format!(" {c}")).unwrap_or_default()
                        ),
                    )
                }
                Err(e) => track.done("dataplane.call", CheckStatus::Failed, e.short()),
            }
            let record = CallRecord {
                url: url.clone(),
                answer,
            };
            (Some(record), c2)
        }
        (Some(_), None) => {
            track.done(
                "dataplane.call",
                CheckStatus::Skipped,
                "no token to call with".into(),
            );
            (None, c)
        }
        (None, _) => {
            // Name the input that builds the call for this API, where one does.
            let what = match plan.api.map(|a| a.key) {
                Some("appinsights") => "no --call URL or --app-id given",
                Some("loganalytics") => "no --call URL or --workspace given",
                Some("monitor") => "no --call URL, or no --resource-id and --region, given",
                Some("logsingestion") => {
                    "no --call URL, or no --dce, --dcr-immutable-id and --stream, given"
                }
                _ => "no --call URL given",
            };
            track.done("dataplane.call", CheckStatus::Skipped, what.into());
            (None, c)
        }
    }
}
