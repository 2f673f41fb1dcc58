//! The call to the target API with the issued token (`--call URL`), and what its answer says: the
//! status, the service's error code and message, the `WWW-Authenticate` challenge, ARM's denied
//! action and scope. For Purview, which API family and collection the URL names.
//!
//! The token goes only to a host of the API the user named (or to loopback, for the simulator).

use super::http::{self, Chain, Http, HttpError, Req};
use crate::evidence::{Challenge, Evidence};
use crate::knowledge::apis::Api;

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

/// Purview's API family from a data-plane path.
pub fn purview_operation(path: &str) -> Option<&'static str> {
    let p = path.to_ascii_lowercase();
    if p.contains("/policystore/metadatapolicies") || p.contains("/policystore/metadataroles") {
        Some("metadata-policy")
    } else if p.contains("/policystore/") || p.contains("/devopspolicies") {
        Some("devops-policy")
    } else if p.contains("/scan/") || p.starts_with("/scan") {
        Some("scanning")
    } else if p.contains("/account/") || p.starts_with("/account") {
        Some("account")
    } else if p.contains("/catalog/")
        || p.contains("/datamap/")
        || p.starts_with("/catalog")
        || p.starts_with("/datamap")
    {
        Some("catalog")
    } else {
        None
    }
}

/// Reads a `WWW-Authenticate` header (`Bearer error="invalid_token", error_description="…"`).
pub fn parse_challenge(h: &str) -> Challenge {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut c = Challenge {
        scheme: Some(scheme.to_string()),
        ..Challenge::default()
    };
    let mut rest = rest;
    while !rest.is_empty() {
        let Some((k, after)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(i) => (&q[..i], &q[i + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            }
        };
        let v = v.to_string();
        match k.as_str() {
            "error" => c.error = Some(v),
            "error_description" => c.error_description = Some(v),
            "authorization_uri" | "authorization" => c.authorization_uri = Some(v),
            "resource_id" | "resource" => c.resource = Some(v),
            "realm" => c.realm = Some(v),
            "claims" => c.claims = !v.is_empty(),
            _ => {}
        }
        rest = next.trim_start_matches(',').trim_start();
    }
    c
}

/// How the call ended, for the check line.
pub enum CallOutcome {
    Answered { status: u16 },
    Failed(HttpError),
}

/// Calls `url` with the token and records the answer in `api_call` (and Purview facts in `dataplane`).
pub async fn call(
    http: &Http,
    url: &str,
    token: &str,
    chain: Chain,
    ev: &mut Evidence,
) -> (CallOutcome, Chain) {
    let req = Req::get(url, "dataplane.call").bearer(token);
    let (reply, chain) = http.send(&req, chain).await;
    let a = &mut ev.api_call;
    a.method = Some("GET".into());
    // The URL without its query: a query may carry names the user did not mean to publish.
    a.url = Some(url.split('?').next().unwrap_or(url).to_string());
    let reply = match reply {
        Ok(r) => r,
        Err(e) => return (CallOutcome::Failed(e), chain),
    };
    a.made = true;
    a.status = Some(reply.status as i64);
    a.request_id = reply
        .header("x-ms-request-id")
        .or(reply.header("request-id"))
        .map(str::to_string);
    a.retry_after = reply.retry_after().map(|s| s as i64);
    if let Some(h) = reply.header("www-authenticate") {
        a.challenge = Some(parse_challenge(h));
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
                read_arm_denial(&m, a);
            }
        } else {
            a.message = Some(http::describe_non_json(&reply));
        }
    }
    ev.note_source("api_call", "dataplane");
    (
        CallOutcome::Answered {
            status: reply.status,
        },
        chain,
    )
}

/// ARM's AuthorizationFailed message names the client, the object id, the action and the scope.
fn read_arm_denial(m: &str, a: &mut crate::evidence::ApiCall) {
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
    let path = reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    let d = &mut ev.dataplane;
    d.service = Some("purview".into());
    d.operation = purview_operation(&path).map(str::to_string);
    d.collection = collection
        .map(str::to_string)
        .or_else(|| account.map(str::to_string));
    d.environment = account.map(str::to_string);
    ev.note_source("dataplane", "dataplane");
}

/// Records what the Power Platform API's answer says of the app's standing in the environment.
/// `ApplicationUserNotFound`: a management application with no application user there;
/// `AppOnlyTokenNotSupported`: an app-only token from an app that is not a management application.
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
        Some("AppOnlyTokenNotSupported") => d.management_app_registered = Some(false),
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
    fn challenge() {
        let c = parse_challenge(
            r#"Bearer authorization_uri="https://login.microsoftonline.com/t", error="invalid_token", error_description="The audience is invalid""#,
        );
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            c.error_description.as_deref(),
            Some("The audience is invalid")
        );
        assert_eq!(
            c.authorization_uri.as_deref(),
            Some("https://login.microsoftonline.com/t")
        );
    }

    #[test]
    fn token_only_to_its_api() {
        let purview = crate::knowledge::apis::by_key("purview");
        assert!(host_allowed("https://acct.purview.azure.com/catalog/api", purview, None).is_ok());
        assert!(host_allowed("https://evil.example.com/x", purview, None).is_err());
        assert!(host_allowed("http://127.0.0.1:9/x", purview, None).is_ok());
        assert!(host_allowed("http://acct.purview.azure.com/x", purview, None).is_err());
    }

    #[test]
    fn purview_families() {
        assert_eq!(
            purview_operation("/catalog/api/atlas/v2/entity"),
            Some("catalog")
        );
        assert_eq!(purview_operation("/scan/datasources"), Some("scanning"));
        assert_eq!(
            purview_operation("/policystore/metadataPolicies"),
            Some("metadata-policy")
        );
    }
}
