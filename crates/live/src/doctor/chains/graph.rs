//! The Graph chain: a token for reading Graph, then everything Graph knows of the app (its
//! registration, service principal, grants, assignees, federated credentials, the target API's
//! service principal, permission names, sign-ins and conditional access policies).

use super::reader::reader_token;
use crate::credential::{Credential, Env, Secret};
use crate::doctor::plan::Plan;
use crate::doctor::progress::{Recorder, CHECK_ORDER};
use crate::graph;
use crate::http::{Chain, Http, Track};
use authcheck_model::report::{Check, CheckStatus};
use authcheck_offline::graph_facts::GraphFacts;

/// What the Graph chain learned.
#[derive(Debug, Default)]
pub struct GraphChainFacts {
    /// What Graph returned, as JSON objects; `None` when no reader token was had.
    pub facts: Option<GraphFacts>,
    /// The reader token (kept only so that it is never printed).
    pub token: Option<Secret>,
    pub checks: Vec<Check>,
}

impl GraphChainFacts {
    /// The object id of the app's service principal, when Graph returned it.
    pub fn service_principal_id(&self) -> Option<String> {
        self.facts
            .as_ref()?
            .service_principal
            .as_ref()?
            .as_ref()?
            .get("id")?
            .as_str()
            .map(str::to_string)
    }
}

/// A reader token, then the app's objects.
pub async fn graph_chain(
    http: &Http,
    plan: &Plan,
    env: &dyn Env,
    cred: &Credential,
    live: &dyn Track,
    start: Chain,
) -> (GraphChainFacts, Chain) {
    let track = Recorder::new(live);
    let graph_resource = format!("https://{}", plan.cloud.graph_host);
    track.start("graph.token");
    let (t, c) = reader_token(plan, env, cred, http, "graph", &graph_resource, start).await;
    let (facts, token, chain) = match t {
        Ok(token) => {
            track.done(
                "graph.token",
                CheckStatus::Ok,
                "a token for reading Graph".into(),
            );
            let reader = graph::GraphReader {
                http,
                base: plan.graph.clone(),
                token: token.expose(),
                track: &track,
            };
            let target_app = plan.api.and_then(|a| a.app_id);
            let (facts, c2) = reader.read_all(&plan.client_id, target_app, true, c).await;
            (Some(facts), Some(token), c2)
        }
        Err((s, d)) => {
            track.done("graph.token", s, d);
            for n in CHECK_ORDER
                .iter()
                .filter(|n| n.starts_with("graph.") && **n != "graph.token")
            {
                track.done(
                    n,
                    CheckStatus::Skipped,
                    "no Graph token (see graph.token)".into(),
                );
            }
            (None, None, c)
        }
    };
    let facts = GraphChainFacts {
        facts,
        token,
        checks: track.checks(),
    };
    (facts, chain)
}
