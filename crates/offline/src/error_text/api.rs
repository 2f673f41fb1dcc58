//! The API side: the call (method, URL, status), the service's error code and message as CLIs and
//! SDKs print them, ARM's denial phrase, `WWW-Authenticate` challenges, `Retry-After`, request ids,
//! and what a Purview or Power Platform URL says about the data-plane operation.

use super::json_body::is_api_code;
use super::util::{self, captures_if, clean_id, has_ci, is_guid, is_oauth_error, re};
use super::Ctx;
use authcheck_model::evidence::Evidence;
use authcheck_model::knowledge::apis;

/// ARM, Graph and data-plane codes that name an authentication or authorization failure wherever
/// they appear.
const KNOWN_CODES: &str = r"\b(LinkedAuthorizationFailed|AuthorizationFailed|InvalidAuthenticationTokenAudience|InvalidAuthenticationTokenTenant|InvalidAuthenticationToken|ExpiredAuthenticationToken|AuthenticationFailed|Authorization_RequestDenied|Authorization_IdentityNotFound|InsufficientAccessError|InvalidTokenError|AuthorizationPermissionMismatch|AuthorizationFailure|NoAuthenticationInformation)\b";

pub fn scan(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    call_lines(t, ev);
    codes(t, ev, cx);
    arm_phrases(t, ev);
    challenge(t, ev, cx);
    headers(t, ev);
    status(t, ev);
    dataplane(t, ev, cx);
    if ev.api_call.code.is_some() || ev.api_call.challenge.is_some() {
        ev.api_call.made = true;
    }
}

fn is_token_url(u: &str) -> bool {
    let l = u.to_ascii_lowercase();
    l.contains("/oauth2/") || l.contains("/.well-known/") || l.contains("/discovery/")
}

/// `GET https://…`, `Request URL: …`, `Request method: 'GET'` (azure-core logs, browser dev tools).
fn call_lines(t: &str, ev: &mut Evidence) {
    let a = &mut ev.api_call;
    for c in
        re!(r#"\b(GET|POST|PUT|PATCH|DELETE|HEAD)\s+['"]?(https?://[^\s"'<>]+)"#).captures_iter(t)
    {
        if is_token_url(&c[2]) {
            continue;
        }
        if a.url.is_none() {
            a.method = Some(c[1].to_string());
            a.url = Some(c[2].to_string());
        }
        break;
    }
    // Python's urllib3 at debug level (`az --debug`, azure-core): `https://HOST:443 "PUT /path
    // HTTP/1.1" 403 None` — host, method, path and status on one line.
    if a.url.is_none() {
        for c in re!(r#"\b(https?://[A-Za-z0-9.-]+)(?::\d{1,5})?\s+"(GET|POST|PUT|PATCH|DELETE|HEAD)\s+(/[^\s"]*)\s+HTTP/[0-9.]+"\s+(\d{3})\b"#)
            .captures_iter(t)
        {
            let url = format!("{}{}", &c[1], &c[3]);
            if is_token_url(&url) {
                continue;
            }
            let status: i64 = c[4].parse().unwrap_or(0);
            // The failing request when there is one, else the first.
            if a.url.is_none() || status >= 400 {
                a.method = Some(c[2].to_string());
                a.url = Some(url);
                if status >= 400 {
                    a.status = Some(status);
                    a.made = true;
                    break;
                }
            }
        }
    }
    if a.url.is_none() {
        if let Some(c) = re!(
            r#"(?i)\b(?:request\s*url|requesturi|request uri)\s*[:=]\s*['"]?(https?://[^\s"'<>]+)"#
        )
        .captures(t)
        {
            if !is_token_url(&c[1]) {
                a.url = Some(c[1].to_string());
            }
        }
    }
    if a.url.is_some() && a.method.is_none() {
        if let Some(c) =
            re!(r#"(?i)\brequest\s*method\s*[:=]\s*['"]?(GET|POST|PUT|PATCH|DELETE|HEAD)\b"#)
                .captures(t)
        {
            a.method = Some(c[1].to_ascii_uppercase());
        }
    }
    // A data-plane URL anywhere in the text tells the API even without a method.
    if a.url.is_none() {
        let found = re!(r#"(?i)https://[a-z0-9.-]+\.(?:purview\.azure\.com|api\.powerplatform\.com|api\.(?:gov|high)\.powerplatform\.microsoft\.us|api\.appsplatform\.us|api\.powerplatform\.partner\.microsoftonline\.cn|crm\d*\.dynamics\.com)(?:/[^\s"'<>]*)?|https://api\.(?:loganalytics\.io|loganalytics\.azure\.com|applicationinsights\.io|powerplatform\.com)/[^\s"'<>]+"#)
            .find_iter(t)
            .map(|m| m.as_str().trim_end_matches(['.', ',', ')']))
            // A scope (`https://api.powerplatform.com/.default`) is not a call.
            .find(|u| {
                let path = util::url_path(u);
                path.len() > 1 && !path.contains("/.default")
            });
        if let Some(u) = found {
            a.url = Some(u.to_string());
        }
    }
    if let Some(u) = &a.url {
        if a.host.is_none() {
            a.host = util::url_host(u);
        }
    }
}

fn set_code(ev: &mut Evidence, code: &str) {
    let a = &mut ev.api_call;
    if a.code.is_none() {
        a.code = Some(code.to_string());
    } else {
        super::json_body::push_inner(a, code);
    }
}

/// Codes and messages as az CLI, azure-core, Azure.Core (.NET) and PowerShell print them.
fn codes(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    // az CLI / azure-core: `(AuthorizationFailed) The client …` then `Code: …` / `Message: …`.
    for c in re!(r"(?m)^\s*(?:ERROR:\s*)?\(([A-Z][A-Za-z0-9_]{2,79})\)\s*(.+)$")
        .captures_iter(t)
        .take(8)
    {
        set_code(ev, &c[1]);
        if ev.api_call.message.is_none() {
            ev.api_call.message = Some(util::strip_trailer(&c[2]));
        }
        cx.message(&c[2]);
    }
    for c in re!(r"(?m)^\s*Code:\s*([A-Za-z][A-Za-z0-9_]{2,79})\s*$")
        .captures_iter(t)
        .take(8)
    {
        if is_api_code(&c[1]) && !is_oauth_error(&c[1]) {
            set_code(ev, &c[1]);
        }
    }
    if ev.api_call.code.is_some() && ev.api_call.message.is_none() {
        if let Some(c) = re!(r"(?m)^\s*Message:\s*(.+)$").captures(t) {
            ev.api_call.message = Some(util::strip_trailer(&c[1]));
            cx.message(&c[1]);
        }
    }
    // Azure.Core / Graph PowerShell: `ErrorCode: Authorization_RequestDenied`.
    for c in re!(r"(?i)\bErrorCode\s*[:=]\s*['\x22]?([A-Za-z][A-Za-z0-9_]{2,79})")
        .captures_iter(t)
        .take(8)
    {
        if is_api_code(&c[1]) && !is_oauth_error(&c[1]) {
            set_code(ev, &c[1]);
        }
    }
    // PowerShell: `FullyQualifiedErrorId : Authorization_RequestDenied,Microsoft.Graph.PowerShell…`.
    if let Some(c) =
        re!(r"(?i)FullyQualifiedErrorId\s*:\s*([A-Z][A-Za-z0-9]+_[A-Za-z0-9_]+),").captures(t)
    {
        set_code(ev, &c[1]);
    }
    // XML error bodies: the classic Service Management API (ASM, `Microsoft.WindowsAzure.*` SDKs)
    // and the storage data planes answer `<Error><Code>…</Code><Message>…</Message></Error>`.
    if let Some(c) = captures_if!(
        t,
        t.contains("<Code>"),
        r"(?s)<Code>\s*([A-Za-z][A-Za-z0-9_]{2,79})\s*</Code>\s*<Message>([^<]{1,2000})</Message>"
    ) {
        set_code(ev, &c[1]);
        if ev.api_call.message.is_none() {
            ev.api_call.message = Some(util::strip_trailer(c[2].trim()));
        }
        cx.message(c[2].trim());
    }
    // ASM's audience refusal, also quoted without its XML by older SDKs and PowerShell modules.
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "wrong audience or resource"),
        r"(?i)(The access token has been obtained from wrong audience or resource[^\n<]{0,600})"
    ) {
        if ev.api_call.message.is_none() {
            ev.api_call.message = Some(util::strip_trailer(c[1].trim()));
        }
        if ev.api_call.code.is_none() {
            ev.api_call.code = Some("AuthenticationFailed".into());
        }
        cx.message(c[1].trim());
    }
    // Known codes wherever they stand.
    if ev.api_call.code.is_none() {
        if let Some(c) = re!(KNOWN_CODES).captures(t) {
            set_code(ev, &c[1]);
            // `Code - message` or `Code: message` on one line (a report title, a log line): the
            // words after the code are the service's message, read like any other.
            let after = c.get(1).map_or("", |m| &t[m.end()..]);
            let line = after.lines().next().unwrap_or("");
            if let Some(m) = re!(r"^\s*(?:[-:\u{2013}\u{2014}]\s*)(\S.{14,})$").captures(line) {
                if ev.api_call.message.is_none() {
                    ev.api_call.message = Some(util::strip_trailer(&m[1]));
                }
                cx.message(&m[1]);
            }
        }
    }
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// ARM's denial: `The client 'X' with object id 'Y' does not have authorization to perform action
/// 'A' over scope 'S'`, and the linked-scope variant.
fn arm_phrases(t: &str, ev: &mut Evidence) {
    let a = &mut ev.api_call;
    let client = |a: &mut authcheck_model::evidence::ApiCall, who: &str, oid: &str| {
        let who = strip_ws(who);
        if a.client_id.is_none() && is_guid(&who) {
            a.client_id = clean_id(&who);
        }
        if a.principal_id.is_none() {
            a.principal_id = clean_id(&strip_ws(oid));
        }
    };
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "object") && has_ci(t, "however,") && has_ci(t, "linked"),
        r"(?i)The\s+client\s+'([^']{1,300})'\s+with\s+object\s+id\s+'([^']{1,100})'\s+has\s+permission\s+to\s+perform\s+action\s+'([^']{1,300})'\s+on\s+scope\s+'([^']{1,1000})';\s*however,\s+it\s+does\s+not\s+have\s+permission\s+to\s+perform\s+action(?:\(s\))?\s+'([^']{1,300})'\s+on\s+the\s+linked\s+scope(?:\(s\))?\s+'([^']{1,1000})'"
    ) {
        client(a, &c[1], &c[2]);
        a.action.get_or_insert_with(|| strip_ws(&c[5]));
        a.scope.get_or_insert_with(|| strip_ws(&c[6]));
        if a.code.is_none() {
            a.code = Some("LinkedAuthorizationFailed".into());
        }
        a.made = true;
    }
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "object") && has_ci(t, "authorization"),
        r"(?i)The\s+client\s+'([^']{1,300})'\s+with\s+object\s+id\s+'([^']{1,100})'\s+does\s+not\s+have\s+authorization\s+to\s+perform\s+action\s+'([^']{1,300})'\s+over\s+scope\s+'([^']{1,1000})'"
    ) {
        client(a, &c[1], &c[2]);
        a.action.get_or_insert_with(|| strip_ws(&c[3]));
        a.scope.get_or_insert_with(|| strip_ws(&c[4]));
        if a.code.is_none() {
            a.code = Some("AuthorizationFailed".into());
        }
        // Pasted without its `(AuthorizationFailed)` prefix or JSON, the sentence is still ARM's
        // message: keep it from "The client" to the end of its paragraph, so what follows it ("If
        // access was recently granted, please refresh your credentials.") is read too.
        if a.message.is_none() {
            let start = c.get(0).map_or(0, |m| m.start());
            let rest = &t[start..];
            let end = rest.find("\n\n").unwrap_or(rest.len()).min(2000);
            let end = (0..=end)
                .rev()
                .find(|&i| rest.is_char_boundary(i))
                .unwrap_or(0);
            a.message = Some(util::strip_trailer(rest[..end].trim()));
        }
        a.made = true;
    }
    // Azure Monitor / storage data planes: `principal '…' does not have …` is too loose; only the
    // fixed ARM phrases above are read.
}

/// `WWW-Authenticate: Bearer authorization_uri="…", error="invalid_token", …`: the header found
/// in the text (or a bare `Bearer key=…` line), read by the one challenge parser.
fn challenge(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    let found = re!(r#"(?i)www-authenticate['"]?\s*[:=]\s*['"\[]*\s*((?:Bearer|PoP|Basic)\b[^\r\n]*)"#)
        .captures(t)
        .map(|c| c.get(1).map(|m| m.as_str()).unwrap_or(""))
        .or_else(|| {
            re!(r"(?i)\b((?:Bearer|PoP)\s+(?:authorization_uri|realm|error|resource_id|client_id|claims|trusted_issuers)\s*=[^\r\n]*)")
                .captures(t)
                .map(|c| c.get(1).map(|m| m.as_str()).unwrap_or(""))
        });
    let Some(h) = found else { return };
    let ch = crate::challenge::parse(h);
    if let Some(d) = &ch.error_description {
        cx.message(d);
    }
    ev.api_call.made = true;
    ev.api_call.challenge = Some(ch);
}

fn headers(t: &str, ev: &mut Evidence) {
    let a = &mut ev.api_call;
    if a.retry_after.is_none() {
        if let Some(c) = re!(r#"(?i)\bretry-after['"]?\s*[:=]\s*['"]?(\d{1,7})\b"#).captures(t) {
            a.retry_after = c[1].parse().ok();
        }
    }
    if a.request_id.is_none() {
        if let Some(c) = re!(r#"(?i)\b(?:x-ms-request-id|request-id|x-ms-correlation-request-id|client-request-id)['"]?\s*[:=]\s*['"]?([0-9A-Za-z*<>-]{8,64})"#).captures(t) {
            a.request_id = clean_id(&c[1]);
        }
    }
}

fn status_of(word: &str) -> Option<i64> {
    Some(match word.to_ascii_lowercase().replace(' ', "").as_str() {
        "badrequest" => 400,
        "unauthorized" => 401,
        "forbidden" => 403,
        "notfound" => 404,
        "toomanyrequests" => 429,
        "internalservererror" => 500,
        "badgateway" => 502,
        "serviceunavailable" => 503,
        "gatewaytimeout" => 504,
        _ => return None,
    })
}

/// HTTP statuses, each given to the token response or the API call by what stands near it.
fn status(t: &str, ev: &mut Evidence) {
    let mut found: Vec<(usize, i64)> = Vec::new();
    let pats = [
        re!(r"\bHTTP/\d(?:\.\d)?\s+(\d{3})\b"),
        re!(r"\b(\d{3}) (?:Client|Server) Error\b"),
        re!(r"(?i)\bstatus(?:\s*code)?['\x22]?\s*[:=]?\s*['\x22]?(\d{3})\b"),
        re!(r"(?i)\bstatuscode\s*[:=]\s*(\d{3})\b"),
        re!(r"(?i)\bresponse status\s*[:=]\s*'?(\d{3})\b"),
        re!(
            r"(?i)\b(\d{3})\s+\(?(?:Bad Request|Unauthorized|Forbidden|Not Found|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b"
        ),
    ];
    for p in pats {
        for c in p.captures_iter(t).take(16) {
            if let (Some(m), Ok(n)) = (c.get(1), c[1].parse::<i64>()) {
                if (100..600).contains(&n) {
                    found.push((m.start(), n));
                }
            }
        }
    }
    if let Some(c) = re!(r"(?i)invalid status(?: code)? '(\w+)'").captures(t) {
        if let (Some(m), Some(n)) = (c.get(1), status_of(&c[1])) {
            found.push((m.start(), n));
        }
    }
    found.sort();
    let api_side = ev.api_call.made || ev.api_call.code.is_some() || ev.api_call.url.is_some();
    let token_side = ev.response.error.is_some() || !ev.response.codes.is_empty();
    for (pos, n) in found {
        let near = format!("{}{}", util::before(t, pos, 400), util::after(t, pos, 400));
        let token_near = near.contains("AADSTS") || near.contains("/oauth2/") || re!(r"\b(?:invalid_client|invalid_grant|invalid_request|unauthorized_client|invalid_scope|interaction_required|temporarily_unavailable|ResponseBody)\b").is_match(&near);
        let to_token = if api_side && token_side {
            token_near
        } else {
            !api_side && (token_side || token_near)
        };
        if to_token {
            ev.response.status.get_or_insert(n);
        } else {
            ev.api_call.status.get_or_insert(n);
            if !token_side || !token_near {
                ev.api_call.made = ev.api_call.made || ev.api_call.url.is_some() || n >= 400;
            }
        }
    }
}

/// Purview and Power Platform: which service, which operation family, which collection or environment.
fn dataplane(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    let url = ev.api_call.url.clone();
    let host = ev.api_call.host.clone().unwrap_or_default();
    let d = &mut ev.dataplane;
    if let Some(u) = url.as_deref() {
        let path = util::url_path(u);
        if host.ends_with("purview.azure.com") {
            d.service.get_or_insert_with(|| "purview".into());
            let first = host.split('.').next().unwrap_or("");
            if let Some(op) = apis::purview_operation(&host, path) {
                if d.operation.is_none() {
                    d.operation = authcheck_model::evidence::PurviewOperation::parse(op);
                }
            }
            if !first.is_empty() && first != "api" {
                d.environment.get_or_insert_with(|| first.to_string());
            }
            // The collection: in this URL, or in another Purview URL or parameter of the paste.
            let coll = re!(r"(?i)/collections/([^/?#\s'\x22]+)")
                .captures(path)
                .or_else(|| re!(r"(?i)[?&]collectionName=([^&#\s'\x22]+)").captures(path))
                .or_else(|| {
                    re!(r"(?i)purview\.azure\.com/(?:account/)?collections/([^/?#\s'\x22]+)")
                        .captures(t)
                })
                .or_else(|| re!(r"(?i)\bcollectionName=([^&#\s'\x22]+)").captures(t));
            if let Some(c) = coll {
                d.collection.get_or_insert_with(|| util::url_decode(&c[1]));
            }
        } else if apis::by_host(&host).is_some_and(|a| a.key == "powerplatform")
            || host.contains(".dynamics.com")
        {
            d.service.get_or_insert_with(|| "powerplatform".into());
            if let Some(c) = re!(r"(?i)/environments/([^/?#\s]+)").captures(path) {
                d.environment.get_or_insert_with(|| c[1].to_string());
            } else if let Some(env) = host.strip_suffix(".environment.api.powerplatform.com") {
                d.environment.get_or_insert_with(|| env.to_string());
            } else if host.contains(".dynamics.com") {
                d.environment
                    .get_or_insert_with(|| host.split('.').next().unwrap_or("").to_string());
            }
        } else if let Some(api) = apis::by_host(&host) {
            if matches!(api.key, "loganalytics" | "appinsights") {
                d.service.get_or_insert_with(|| api.key.into());
            }
        }
    }
    // Purview's own denial wording.
    if d.service.is_none()
        && re!(r"(?i)not authorized to access account|purview").is_match(t)
        && ev.api_call.made
    {
        d.service = Some("purview".into());
    }
    // Known phrases without codes mark the text as recognised and join the messages.
    // Only a text holding one of the phrases can match (the pattern is large: skip compiling it).
    let known = [
        "Not authorized to access account",
        "Insufficient privileges to complete the operation",
        "The provided credentials have insufficient access",
        "The provided authentication is not valid for this resource",
        "Access token validation failure",
        "The access token is from the wrong issuer",
        "The access token has been obtained for wrong audience",
        "The user is not a member of the organization",
        "does not have permission to perform",
        "is not authorized to perform",
    ];
    let may = known.iter().any(|k| has_ci(t, k))
        || (has_ci(t, "The principal ") && has_ci(t, " does not have"));
    let phrases = if may {
        re!(r"(?im)^.*(?:Not authorized to access account|Insufficient privileges to complete the operation|The provided credentials have insufficient access|The provided authentication is not valid for this resource|Access token validation failure|The access token is from the wrong issuer|The access token has been obtained for wrong audience|The user is not a member of the organization|does not have permission to perform|is not authorized to perform|The principal .{1,200} does not have).*$").find_iter(t).take(16).collect()
    } else {
        Vec::new()
    };
    for m in phrases {
        cx.phrase = true;
        if looks_like_json_line(m.as_str()) {
            continue;
        }
        cx.message(m.as_str().trim());
        if ev.api_call.message.is_none() && ev.api_call.code.is_some() {
            // Drop a `Get-MgUser_List:` / `ERROR:` prefix.
            let line = re!(r"^(?:[A-Za-z][\w.-]*\s*:\s*)+").replace(m.as_str().trim(), "");
            ev.api_call.message = Some(util::strip_trailer(&line));
        }
    }
}

/// A line of a JSON body or a header: its message is read by the JSON or header scanner, not as a
/// whole line.
pub(crate) fn looks_like_json_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('{')
        || t.starts_with('"')
        || t.starts_with('[')
        || t.starts_with('\'')
        || t.to_ascii_lowercase().starts_with("www-authenticate")
}

#[cfg(test)]
mod tests {
    use authcheck_model::evidence::Evidence;

    /// Fact: the Power Platform API of GCC High (and GCC, DoD, China) is the Power Platform API.
    #[test]
    fn power_platform_calls_in_other_clouds() {
        let mut ev = Evidence::new(0);
        crate::error_text::parse(
            "GET https://api.high.powerplatform.microsoft.us/environmentmanagement/environments?api-version=2022-03-01-preview\nHTTP/1.1 403 Forbidden\n",
            &mut ev,
        );
        assert_eq!(ev.dataplane.service.as_deref(), Some("powerplatform"));
        assert_eq!(
            ev.api_call.host.as_deref(),
            Some("api.high.powerplatform.microsoft.us")
        );
    }

    /// The classic Service Management API's XML refusal.
    #[test]
    fn classic_service_management_audience_refusal() {
        let mut ev = Evidence::new(0);
        assert!(crate::error_text::parse(
            "<Error><Code>AuthenticationFailed</Code><Message>The access token has been obtained from wrong audience or resource 'https://vault.azure.net'.</Message></Error>",
            &mut ev,
        ));
        assert_eq!(ev.api_call.code.as_deref(), Some("AuthenticationFailed"));
        assert!(ev
            .api_call
            .message
            .as_deref()
            .is_some_and(|m| m.contains("wrong audience or resource")));
    }
}
