//! The token chain: the user's token request, made as the user's code makes it (client
//! credentials, ROPC, a managed identity through IMDS, or an interactive sign-in's authorize
//! request), then one redemption of the refresh token when one came back.

use super::token_check;
use crate::credential::{Credential, Secret};
use crate::doctor::plan::Plan;
use crate::doctor::progress::Recorder;
use crate::http::{Chain, Http, Track};
use crate::token_endpoint::{self, Endpoint, Outcome, TokenRequest};
use authcheck_model::report::{Check, CheckStatus};
use authcheck_offline::jwt;

/// What the token chain learned.
#[derive(Debug, Clone)]
pub struct TokenFacts {
    /// How the user's token request ended.
    pub outcome: Outcome,
    /// The access token to decode and call the API with: the issued one, or the one supplied.
    pub token: Option<Secret>,
    /// How redeeming the refresh token ended, when one came back.
    pub refreshed: Option<Outcome>,
    pub checks: Vec<Check>,
}

impl Default for TokenFacts {
    fn default() -> Self {
        TokenFacts {
            outcome: Outcome::NotMade("no token request was made".into()),
            token: None,
            refreshed: None,
            checks: Vec::new(),
        }
    }
}

impl TokenFacts {
    /// The token's object id: the principal ARM checks (no need to wait for Graph).
    pub fn object_id(&self) -> Option<String> {
        self.token
            .as_ref()
            .and_then(|t| jwt::decode(t.expose()).ok())
            .and_then(|d| {
                d.claims
                    .get("oid")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
    }
}

/// How long a browser sign-in may take before the doctor stops waiting for the redirect.
const SIGN_IN_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

/// The token request as the user's code makes it. Delegated flows through MSAL always ask for the
/// OpenID scopes too (and so get a refresh token).
pub fn user_request(plan: &Plan, cred: &Credential) -> TokenRequest {
    let mut r = plan.request.clone();
    if matches!(
        cred,
        Credential::Password { .. }
            | Credential::Interactive { .. }
            | Credential::DeviceCode
            | Credential::Browser { .. }
    ) && r.endpoint == Endpoint::V2
    {
        if let Some(scope) = &r.scope {
            let mut words: Vec<&str> = scope.split_whitespace().collect();
            for o in ["openid", "profile", "offline_access"] {
                if !words.contains(&o) {
                    words.push(o);
                }
            }
            r.scope = Some(words.join(" "));
        }
    }
    r
}

/// The v1-style resource a request is for (IMDS takes `resource`).
fn resource_of(r: &TokenRequest) -> String {
    r.resource.clone().unwrap_or_else(|| {
        r.scope
            .as_deref()
            .and_then(|s| s.split_whitespace().next())
            .map(|s| s.strip_suffix("/.default").unwrap_or(s).to_string())
            .unwrap_or_default()
    })
}

/// The user's token request, then the refresh of what it returned.
pub async fn token_chain(
    http: &Http,
    plan: &Plan,
    cred: &Credential,
    live: &dyn Track,
    start: Chain,
) -> (TokenFacts, Chain) {
    let track = Recorder::new(live);
    let (outcome, token, refreshed, chain) =
        request_then_refresh(http, plan, cred, &track, start).await;
    let facts = TokenFacts {
        outcome,
        token,
        refreshed,
        checks: track.checks(),
    };
    (facts, chain)
}

async fn request_then_refresh(
    http: &Http,
    plan: &Plan,
    cred: &Credential,
    track: &dyn Track,
    start: Chain,
) -> (Outcome, Option<Secret>, Option<Outcome>, Chain) {
    if let Credential::AccessToken { token, .. } = cred {
        track.done(
            "token.request",
            CheckStatus::Skipped,
            "an access token was supplied".into(),
        );
        return (
            Outcome::NotMade("an access token was supplied".into()),
            Some(token.clone()),
            None,
            start,
        );
    }
    let user_request = user_request(plan, cred);
    track.start("token.request");
    let (o, c) = match cred {
        Credential::ManagedIdentity { client_id } => {
            token_endpoint::imds(
                http,
                &plan.imds,
                &resource_of(&user_request),
                client_id.as_deref(),
                start,
            )
            .await
        }
        Credential::Interactive { redirect_uri } => {
            token_endpoint::authorize_probe(http, &user_request, redirect_uri.as_deref(), start)
                .await
        }
        Credential::DeviceCode => {
            crate::signin::device_code(http, &user_request, &|t: &str| track.say(t), start).await
        }
        Credential::Browser {
            redirect_uri,
            browser,
        } => {
            crate::signin::browser(
                http,
                &user_request,
                redirect_uri.as_deref(),
                browser.as_deref(),
                SIGN_IN_WAIT,
                &|t: &str| track.say(t),
                start,
            )
            .await
        }
        _ => token_endpoint::request(http, &user_request, cred, start, "token.request").await,
    };
    let (s, d) = token_check(&o);
    track.done("token.request", s, d);
    // A refresh token: redeem it once, as the user's code will when the token runs out.
    let (c, refreshed) = match &o {
        Outcome::Issued {
            refresh_token: Some(rt),
            ..
        } => {
            track.start("token.refresh");
            let (r, c2) = token_endpoint::refresh(http, &user_request, cred, rt, c).await;
            let (s, d) = token_check(&r);
            track.done("token.refresh", s, d);
            (c2, Some(r))
        }
        _ => {
            track.done(
                "token.refresh",
                CheckStatus::Skipped,
                "no refresh token came back".into(),
            );
            (c, None)
        }
    };
    let token = match &o {
        Outcome::Issued { access_token, .. } => Some(access_token.clone()),
        _ => None,
    };
    (o, token, refreshed, c)
}
