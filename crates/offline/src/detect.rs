//! Guesses what an input is from its first bytes.

use super::Kind;
use regex::Regex;
use std::sync::OnceLock;

/// How many bytes of a file [`detect_head`] needs to see.
pub const HEAD: usize = 64 * 1024;

/// A JWT, an evidence document, a HAR, a sign-in export, an SDK log, an `az` export, JSON, or text.
pub fn detect(text: &str) -> Kind {
    let head = &text.as_bytes()[..text.len().min(HEAD)];
    if let Some(k) = detect_head(head) {
        return k;
    }
    let t = text.trim();
    if super::jwt::looks_like_jwt(super::jwt::strip_wrapping(t)) {
        return Kind::Jwt;
    }
    if t.starts_with('{') {
        let head: String = t.chars().take(4096).collect();
        if head.contains("\"input\"") && head.contains("\"env\"") && head.contains("\"request\"") {
            return Kind::Evidence;
        }
        if super::az_export::looks_like(t) {
            return Kind::Az;
        }
        return Kind::Json;
    }
    if t.starts_with('[') && super::az_export::looks_like(t) {
        return Kind::Az;
    }
    Kind::Text
}

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("detect regex"))
}

/// The kinds read as a stream (HAR, sign-in export, SDK log), told from the first bytes of the
/// input (up to [`HEAD`]); `None` for everything else.
pub fn detect_head(head: &[u8]) -> Option<Kind> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // The head may end inside a UTF-8 sequence: read what is valid.
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
    };
    let t = text.trim_start();
    static HAR: OnceLock<Regex> = OnceLock::new();
    if re(&HAR, r#"^\{\s*"log"\s*:\s*\{"#).is_match(t) {
        return Some(Kind::Har);
    }
    // `[` opens a JSON array only before an object (a log line may start with `[2026-…]`).
    let array = t.starts_with('[') && t[1..].trim_start().starts_with(['{', ']']);
    if t.starts_with('{') || array {
        static SIGNIN_JSON: OnceLock<Regex> = OnceLock::new();
        let listed =
            array || re(&SIGNIN_JSON, r#"^\{(?:[^\[]|\[[^{])*?"value"\s*:\s*\["#).is_match(t);
        if listed && t.contains("\"createdDateTime\"") && t.contains("\"status\"") {
            return Some(Kind::Signins);
        }
        return None;
    }
    let first_line = t.lines().next().unwrap_or("");
    let fl = first_line.to_ascii_lowercase();
    if fl.contains("date (utc)")
        && (fl.contains("sign-in error code") || fl.contains("request id") || fl.contains("status"))
    {
        return Some(Kind::Signins);
    }
    static LOG_LINE: OnceLock<Regex> = OnceLock::new();
    let log_line = re(
        &LOG_LINE,
        r"(?x)^\s*(?:
            (?:DEBUG|INFO|WARNING|ERROR|CRITICAL):[A-Za-z_][\w.]*:            # python logging default
          | (?:DEBUG|INFO|WARNING|ERROR):\s(?:cli\.|urllib3|msal|azure|adal)   # az --debug
          | \d{4}-\d{2}-\d{2}[\sT][\d:.,]+\S*\s+(?:-\s+)?(?:[\w.]+\s+-\s+)?\[?(?:DEBUG|INFO|WARNING|WARN|ERROR|VERBOSE|TRACE)\]?\b
          | .{0,40}\[MSAL:\d{4}\]
          | .{0,40}MSAL\.(?:NetCore|Desktop|NetStandard|Xamarin|NetFx)
          | \[\d{4}-\d{2}-\d{2}[^\]]{0,40}\]\s*\[?(?:DEBUG|INFO|WARNING|WARN|ERROR|VERBOSE|TRACE)\b
        )",
    );
    let lines = t.lines().take(400).filter(|l| log_line.is_match(l)).count();
    let lower = t.to_ascii_lowercase();
    let about_auth = [
        "msal",
        "azure",
        "urllib3",
        "login.microsoftonline",
        "cli.azure",
        "oauth2",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if lines >= 3 && about_auth {
        return Some(Kind::SdkLog);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_kinds() {
        assert_eq!(
            detect_head(br#"{ "log": { "version": "1.2", "entries": []}}"#),
            Some(Kind::Har)
        );
        assert_eq!(
            detect_head(br#"{"@odata.context":"x","value":[{"createdDateTime":"2026-01-01T00:00:00Z","status":{"errorCode":0}}]}"#),
            Some(Kind::Signins)
        );
        assert_eq!(
            detect_head(b"Date (UTC),Request ID,User,Application,Status,Sign-in error code\n"),
            Some(Kind::Signins)
        );
        let log =
            "DEBUG:msal.authority:x\nDEBUG:urllib3.connectionpool:y\nDEBUG:msal.token_cache:z\n";
        assert_eq!(detect_head(log.as_bytes()), Some(Kind::SdkLog));
        let net = "[2026-11-24T10:05:11.201Z] [INFO] Azure-Identity: x\n[2026-11-24T10:05:11.202Z] [VERBOSE] [MSAL:0001] False MSAL 4.66.1.0\n[2026-11-24T10:05:11.790Z] [WARN] Azure-Core: Response status: 403\n";
        assert_eq!(detect_head(net.as_bytes()), Some(Kind::SdkLog));
        assert_eq!(
            detect_head(b"ERROR: AADSTS7000215: Invalid client secret provided."),
            None
        );
        assert_eq!(detect_head(br#"{"error":"invalid_client"}"#), None);
    }

    #[test]
    fn az_exports() {
        let app =
            r#"{"appId":"a","id":"o","signInAudience":"AzureADMyOrg","requiredResourceAccess":[]}"#;
        assert_eq!(detect(app), Kind::Az);
        let roles =
            r#"[{"principalId":"p","roleDefinitionName":"Reader","scope":"/subscriptions/s"}]"#;
        assert_eq!(detect(roles), Kind::Az);
        assert_eq!(detect("[]"), Kind::Az);
        assert_eq!(
            detect(r#"{"error":{"code":"AuthorizationFailed","message":"m"}}"#),
            Kind::Json
        );
        assert_eq!(
            detect("[2026-11-24 10:00:00] ERROR AADSTS50105"),
            Kind::Text
        );
    }
}
