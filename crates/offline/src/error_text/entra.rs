//! Entra (AADSTS) errors in free text: the codes, their messages, the Trace/Correlation/Timestamp
//! trailer, the OAuth `error` as each SDK prints it, and the IDs the messages name in their fixed
//! phrases ("Application with identifier 'X' was not found in the directory 'Y'").

use super::util::{self, captures_if, clean_id, clean_tenant, has_ci, is_oauth_error, re};
use super::Ctx;
use authcheck_model::evidence::{Assertion, Evidence};

/// No paste holds more distinct codes than this; the cap keeps the de-duplication linear.
pub const MAX_CODES: usize = 64;

pub fn scan(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    codes_and_messages(t, ev, cx);
    trailer(t, ev);
    oauth_error(t, ev);
    phrases(t, ev);
}

/// Lines that start something new: a wrapped message never continues into them.
fn starts_section(line: &str) -> bool {
    re!(r"(?i)^(?:trace\s*id|correlation\s*id|timestamp|at\s|file\s|traceback|errorcode|error\s*code|statuscode|status\s*code|status:|responsebody|headers|hresult|classname|exception|inner\s*exception|-{2,}|\+\s|at line|categoryinfo|fullyqualifiederrorid|error:|warning:|code:|message:|date:|\[|\{|\}|<|#)")
        .is_match(line.trim_start())
}

fn codes_and_messages(t: &str, ev: &mut Evidence, cx: &mut Ctx) {
    for c in re!(r"AADSTS(\d{4,9})\b").captures_iter(t) {
        if let Ok(n) = c[1].parse::<i64>() {
            if !ev.response.codes.contains(&n) && ev.response.codes.len() < MAX_CODES {
                ev.response.codes.push(n);
            }
        }
    }
    let mut count = 0;
    for m in re!(r"AADSTS\d{4,9}\s*:").find_iter(t) {
        count += 1;
        if count > 32 {
            break;
        }
        let msg = message_from(t, m.start());
        if ev.response.error_description.is_none() {
            ev.response.error_description = Some(util::strip_trailer(&msg));
        }
        cx.message(&msg);
    }
}

/// The message starting at `start`: to the end of its line, joined with terminal-wrapped
/// continuation lines, stopped by a closing quote of the string it sat in or by the trailer.
fn message_from(t: &str, start: usize) -> String {
    let rest = util::after(t, start, 4000);
    let mut out = String::new();
    for (n, line) in rest.split('\n').enumerate() {
        if n > 0 {
            let prev_len = out.rsplit('\n').next().map(|l| l.len()).unwrap_or(0);
            if line.trim().is_empty()
                || line.starts_with(char::is_whitespace)
                || starts_section(line)
                || prev_len < 60
            {
                break;
            }
            out.push('\n');
        }
        // A closing quote followed by a field separator ends a string value.
        if let Some(m) = re!(r#"["'`]\s*(?:[,}\]]|$)"#).find(line) {
            let inner = &line[..m.start()];
            // Keep quotes that are part of the text ('Single-Page Application' client-type).
            let q = &line[m.start()..m.start() + 1];
            if inner.matches(q).count() % 2 == 0 {
                out.push_str(inner);
                break;
            }
        }
        out.push_str(line);
        if n >= 12 {
            break;
        }
    }
    out
}

fn trailer(t: &str, ev: &mut Evidence) {
    let r = &mut ev.response;
    const ID: &str = r"([0-9A-Za-z*<>{}_.-]{4,64})";
    if r.trace_id.is_none() {
        if let Some(c) = re!(&format!(
            r"(?i)\btrace[\s_-]*id\b['\x22]?\s*[:=]\s*['\x22]?{ID}"
        ))
        .captures(t)
        {
            r.trace_id = clean_id(&c[1]).filter(|s| s.len() >= 8);
        }
    }
    if r.trace_id.is_none() && !r.codes.is_empty() {
        // Entra's sign-in error page calls the trace id "Request Id".
        if let Some(c) = re!(r"(?i)\brequest\s+id\s*:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})").captures(t) {
            r.trace_id = clean_id(&c[1]);
        }
    }
    if r.correlation_id.is_none() {
        if let Some(c) = re!(&format!(
            r"(?i)\bcorrelation[\s_-]*id\b['\x22]?\s*[:=]\s*['\x22]?{ID}"
        ))
        .captures(t)
        {
            r.correlation_id = clean_id(&c[1]).filter(|s| s.len() >= 8);
        }
    }
    if r.timestamp.is_none() {
        if let Some(c) = re!(r"(?i)\btimestamp\b['\x22]?\s*[:=]\s*['\x22\[]?(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)").captures(t)
            .or_else(|| re!(r"\b\d{4,9} - \[(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)\]").captures(t))
        {
            r.timestamp = Some(c[1].to_string());
            r.timestamp_at = util::parse_timestamp(&c[1]);
        }
    }
    if r.error_uri.is_none() {
        if let Some(m) = re!(r"https://login\.[a-z.]+/error\?code=\d+").find(t) {
            r.error_uri = Some(m.as_str().to_string());
        }
    }
}

/// The OAuth `error` as the SDKs print it.
fn oauth_error(t: &str, ev: &mut Evidence) {
    let pats = [
        // MSAL.js: `ServerError: invalid_request: 9002326 - [..]: AADSTS…`
        re!(r"\b([a-z_]{5,40}):\s*\d{4,9}\s*-\s*\["),
        // azure-identity Python: `(invalid_grant) AADSTS…`; JS: `invalid_client Status code: 401`
        re!(r"\(([a-z_]{5,40})\)\s*AADSTS"),
        re!(r"(?i)\b([a-z_]{5,40})\s*\(?status code:?\s*\d{3}"),
        // MSAL .NET / az PowerShell: `ErrorCode: invalid_client`; Java: `errorCode: invalid_grant`
        re!(r"(?i)\berror_?code\s*[:=]\s*['\x22]?([a-z_]{5,40})\b"),
        // a redirect: `?error=access_denied&error_description=…`
        re!(r"[?&#]error=([a-z_]{5,40})\b"),
        // `error: invalid_client` / `Error: invalid_grant` / `'error': 'invalid_grant'`
        re!(r"(?i)\berror['\x22]?\s*[:=]\s*['\x22]?([a-z_]{5,40})\b"),
        // `InteractionRequiredAuthError: interaction_required: AADSTS50076…`
        re!(r"\b([a-z_]{5,40}):\s*AADSTS\d"),
    ];
    if ev.response.error.is_none() {
        'outer: for p in pats {
            for c in p.captures_iter(t) {
                let e = c[1].to_ascii_lowercase();
                if is_oauth_error(&e) {
                    ev.response.error = Some(e);
                    break 'outer;
                }
            }
        }
    }
    // A redirect's URL-encoded description.
    if ev.response.error_description.is_none() {
        if let Some(c) = re!(r"[?&#]error_description=([^&\s\x22'<>]+)").captures(t) {
            ev.response.error_description = Some(util::strip_trailer(&util::url_decode(&c[1])));
        }
    }
    if ev.response.suberror.is_none() {
        if let Some(c) = re!(r#"(?i)\bsub_?error['"]?\s*[:=]\s*['"]?([a-z_]{3,40})"#).captures(t) {
            ev.response.suberror = Some(c[1].to_string());
        }
    }
}

/// IDs and names the AADSTS messages give in fixed phrases.
fn phrases(t: &str, ev: &mut Evidence) {
    let r = &mut ev.request;
    let set = |slot: &mut Option<String>, v: Option<String>| {
        if slot.is_none() {
            *slot = v;
        }
    };
    // AADSTS700016
    if let Some(c) = has_ci(t, "with identifier")
        .then(|| {
            util::captures_within(
                // ADAL-era (AADSTS70001) wording leaves the directory unquoted.
                re!(r"(?i)Application with identifier\s+'([^']+)'\s+was not found in the directory\s+'?([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9])"),
                t,
                &[(1, 300), (2, 300)],
            )
        })
        .flatten() {
        set(&mut r.client_id, clean_id(&c[1]));
        set(&mut r.tenant, clean_tenant(&c[2]));
    }
    // AADSTS65001
    if let Some(c) = has_ci(t, "application with ID")
        .then(|| {
            util::captures_within(
                re!(r"(?i)the application with ID\s+'([^']+)'\s+named\s+'([^']+)'"),
                t,
                &[(1, 300), (2, 300)],
            )
        })
        .flatten()
    {
        set(&mut r.client_id, clean_id(&c[1]));
        set(&mut r.client_name, clean_id(&c[2]));
    }
    // AADSTS50105
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "configured the application"),
        r"(?i)configured the application\s+(.{1,200}?)\s+\('([^']{1,100})'\)\s+to block users"
    ) {
        set(&mut r.client_name, clean_id(&c[1]));
        set(&mut r.client_id, clean_id(&c[2]));
    }
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "is not assigned to a role for the application"),
        r"(?i)The signed in user\s+'([^']{1,200})'\s+is not assigned to a role for the application\s+'([^']{1,100})'\s*\(([^)\n]{1,200})\)"
    ) {
        set(&mut r.username, clean_id(&c[1]));
        set(&mut r.client_id, clean_id(&c[2]));
        set(&mut r.client_name, clean_id(&c[3]));
    }
    // AADSTS7000215, AADSTS7000222
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "secret added to app") || has_ci(t, "secret keys for app"),
        r"(?i)(?:for a secret added to app|client secret keys for app)\s+'([^']{1,100})'"
    ) {
        set(&mut r.client_id, clean_id(&c[1]));
    }
    // AADSTS7000229
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "is missing service principal in the tenant"),
        r"(?i)client application\s+'?([0-9A-Za-z*<>_-]{4,64})'?\s+is missing service principal in the tenant\s+'?([0-9A-Za-z.*<>_-]{2,100})'?"
    ) {
        set(&mut r.client_id, clean_id(&c[1]));
        set(&mut r.tenant, clean_tenant(&c[2]));
    }
    // AADSTS50194, AADSTS700054-like: `Application 'X'(Name) is …`
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "application") && t.contains('\'') && t.contains('('),
        r"(?i)Application\s+'([^']{1,100})'\s*\(([^)\n]{1,200})\)\s+is\s"
    ) {
        set(&mut r.client_id, clean_id(&c[1]));
        set(&mut r.client_name, clean_id(&c[2]));
    }
    // AADSTS50020 and kin: `cannot access the application 'X'(Name)`
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "access the application"),
        r"(?i)access the application\s+'([^']{1,100})'\s*\(([^)\n]{1,200})\)"
    ) {
        set(&mut r.client_id, clean_id(&c[1]));
        set(&mut r.client_name, clean_id(&c[2]));
    }
    // AADSTS650057: `Client app ID: X(Name). Resource value from request: R.`
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "client app ID:"),
        r"(?i)Client app ID:\s*([0-9A-Za-z*<>_-]{4,64})\s*\(([^)\n]{1,200})\)"
    ) {
        set(&mut r.client_id, clean_id(&c[1]));
        set(&mut r.client_name, clean_id(&c[2]));
    }
    // The user a message names: AADSTS50105 (`The signed in user 'u' is blocked …`), AADSTS50020.
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "signed in user") || has_ci(t, "user account"),
        r"(?i)(?:The signed in user|User account)\s+'([^'\s]{1,200})'"
    ) {
        set(&mut r.username, clean_id(&c[1]));
    }
    // AADSTS900023: the tenant segment as written, even when it is not a valid one.
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "specified tenant identifier"),
        r"(?i)Specified tenant identifier\s+'([^'\s]{1,200})'\s+is neither"
    ) {
        set(&mut r.tenant, clean_id(&c[1]));
    }
    // AADSTS90002
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "tenant") && has_ci(t, "not found"),
        r"(?i)Tenant\s+'([^']{1,200})'\s+not found"
    ) {
        set(&mut r.tenant, clean_tenant(&c[1]));
    }
    // AADSTS50011
    if let Some(c) = captures_if!(
        t,
        has_ci(
            t,
            "specified in the request does not match the redirect URIs"
        ),
        r"(?i)The redirect URI\s+'([^']{1,500})'\s+specified in the request does not match the redirect URIs configured for the application\s+'([^']{1,100})'"
    ) {
        set(&mut r.redirect_uri, clean_id(&c[1]));
        set(&mut r.client_id, clean_id(&c[2]));
    }
    // AADSTS9002326: `Request origin: 'http://localhost:3000'`
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "request origin:"),
        r"(?i)Request origin:\s*'([^']{1,300})'"
    ) {
        if r.origin.is_none() {
            r.origin = clean_id(&c[1]);
        }
        ev.env.browser = true;
    }
    let r = &mut ev.request;
    // AADSTS70011, AADSTS1002012: `The scope X is not valid` / `value for scope X is not valid`
    if r.scopes.is_empty() && r.resource.is_none() {
        if let Some(c) = captures_if!(
            t,
            has_ci(t, "is not valid") && (has_ci(t, "the scope") || has_ci(t, "value for scope")),
            r"(?i)(?:The scope|value for scope)\s+'?([^'\n]{1,400}?)'?\s+is not valid"
        ) {
            r.scopes = c[1].split_whitespace().filter_map(clean_id).collect();
        }
    }
    // AADSTS700211/700213/70021: the assertion's issuer, subject, audience
    // (the azure/login action prints `issuer - …` and `subject claim - …` before it signs in).
    let iss = captures_if!(
        t,
        has_ci(t, "assertion issuer"),
        r"(?i)(?:presented assertion issuer|Assertion Issuer:)\s*'([^']{1,500})'"
    )
    .or_else(|| {
        captures_if!(
            t,
            has_ci(t, "issuer - "),
            r"(?im)^\s*issuer - (\S{1,500})\s*$"
        )
    })
    .and_then(|c| clean_id(&c[1]));
    let sub = captures_if!(
        t,
        has_ci(t, "assertion subject"),
        r"(?i)(?:presented assertion subject|Assertion Subject:)\s*'([^']{1,500})'"
    )
    .or_else(|| {
        captures_if!(
            t,
            has_ci(t, "subject claim - "),
            r"(?im)^\s*subject claim - (\S{1,500})\s*$"
        )
    })
    .and_then(|c| clean_id(&c[1]));
    let aud = captures_if!(
        t,
        has_ci(t, "assertion audience"),
        r"(?i)(?:presented assertion audience|Assertion Audience:)\s*'([^']{1,500})'"
    )
    .and_then(|c| clean_id(&c[1]));
    if iss.is_some() || sub.is_some() || aud.is_some() {
        r.assertion_sent = true;
        let a = r.assertion.get_or_insert_with(Assertion::default);
        if a.iss.is_none() {
            a.iss = iss;
        }
        if a.sub.is_none() {
            a.sub = sub;
        }
        if a.aud.is_empty() {
            a.aud = aud.into_iter().collect();
        }
    }
    // The resource the error names.
    let res = &mut ev.resource;
    // AADSTS500011
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "resource principal named") && has_ci(t, "was not found in the tenant named"),
        r"(?i)The resource principal named\s+(\S{1,300}?)\s+was not found in the tenant named\s+(.{1,200}?)\.(?:\s|$)"
    ) {
        set(&mut res.named_in_error, clean_id(&c[1]));
        set(&mut ev.request.tenant, clean_tenant(&c[2]));
    }
    // AADSTS650052 (two wordings)
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "a service")
            && (has_ci(t, "is trying to access") || has_ci(t, "needs access to")),
        r#"(?i)(?:is trying to access|needs access to) a service\s*\(?\s*["']?([^"')\s]{1,300})["']?\s*\)?\s*(?:\(([^)\n]{1,200})\))?"#
    ) {
        set(&mut res.named_in_error, clean_id(&c[1]));
        if let Some(n) = c.get(2) {
            set(&mut res.display_name, clean_id(n.as_str()));
        }
    }
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "your organization"),
        r#"(?i)your organization\s+["']([^"']{1,200})["']"#
    ) {
        set(&mut ev.request.tenant, clean_tenant(&c[1]));
    }
    // AADSTS50001: `The application named X was not found in the tenant named Y`
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "application named") && has_ci(t, "was not found in the tenant named"),
        r"(?i)The application named\s+(\S{1,300}?)\s+was not found in the tenant named\s+(.{1,200}?)\.(?:\s|$)"
    ) {
        set(&mut res.named_in_error, clean_id(&c[1]));
        set(&mut ev.request.tenant, clean_tenant(&c[2]));
    }
    // AADSTS650057: the resource value the request carried.
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "resource value from request:"),
        r"(?i)Resource value from request:\s*(\S{1,300}?)\.?(?:\s|$)"
    ) {
        set(&mut res.named_in_error, clean_id(&c[1]));
    }
    // AADSTS50076/50079: `… multi-factor authentication to access 'X'`
    if let Some(c) = captures_if!(
        t,
        has_ci(t, "multi-factor authentication to access"),
        r"(?i)multi-factor authentication to access\s+'([^']{1,300})'"
    ) {
        set(&mut res.named_in_error, clean_id(&c[1]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_message_joins_until_trailer() {
        let t = "ERROR: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the\nrequest is the client secret value, not the client secret ID.\nTrace ID: 1\n";
        let m = message_from(t, 7);
        assert!(m.contains("request is the client secret value"), "{m}");
        assert!(!m.contains("Trace ID"));
        let q = r#"{"error_description": "AADSTS9002326: only for the 'Single-Page Application' client-type.", "x": 1}"#;
        let i = q.find("AADSTS").unwrap_or(0);
        assert_eq!(
            message_from(q, i),
            "AADSTS9002326: only for the 'Single-Page Application' client-type."
        );
    }

    /// Older libraries: `AADSTS70001`, the directory unquoted; codes in any case and spacing.
    #[test]
    fn legacy_and_respelled_codes() {
        let mut ev = Evidence::new(0);
        let t = "aadsts : 70001: Application with identifier '5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24' was not found in the directory contoso.onmicrosoft.com\nTrace ID: 0b9c2a1e";
        assert!(crate::error_text::parse(t, &mut ev));
        assert_eq!(ev.response.codes, vec![70001]);
        assert_eq!(
            ev.request.client_id.as_deref(),
            Some("5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24")
        );
        assert_eq!(
            ev.request.tenant.as_deref(),
            Some("contoso.onmicrosoft.com")
        );
        let mut ev = Evidence::new(0);
        crate::error_text::parse("AadSts50076 due to a configuration change", &mut ev);
        assert_eq!(ev.response.codes, vec![50076]);
    }
}
