//! `authcheck redact`: canaries planted in every kind of secret field (client secret, password,
//! client assertion, cookies and Set-Cookie, authorization codes in query, fragment and form,
//! refresh tokens, access/id token signatures, `Authorization` and API-key headers, base64 bodies)
//! must all be gone, the output must stay valid HAR/JSON, and every other field must keep its value.

use serde_json::Value;
use std::process::Output;

mod cli_common;
use cli_common::authcheck;

fn redact_to(input: &str, out: &std::path::Path) -> Output {
    authcheck()
        .args(["redact", input, "-o", out.to_str().unwrap()])
        .output()
        .expect("run authcheck redact")
}

/// Every secret planted in the fixtures carries one of these markers; token signatures start with
/// the bytes `SIGCANARY` (base64url `U0lHQ0FOQVJZ`).
const CANARIES: &[&str] = &[
    "CANARY",
    "U0lHQ0FOQVJZ",
    "Q0FOQVJZ",
    "Xy7Q~",
    "Qw8Q~",
    "hunter2",
];

fn assert_clean(text: &str) {
    for c in CANARIES {
        assert!(
            !text.contains(c),
            "canary {c} survived:\n{}",
            excerpt(text, c)
        );
    }
}

fn excerpt(text: &str, needle: &str) -> String {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}

/// Pairs of (JSON pointer, value) for every leaf.
fn leaves(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                leaves(c, format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                leaves(c, format!("{path}/{i}"), out);
            }
        }
        other => out.push((path, other.clone())),
    }
}

#[test]
fn no_canary_survives_in_a_har_and_it_stays_valid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("safe.har");
    let input = "fixtures/har/canaries.har";
    let raw = std::fs::read_to_string(input).unwrap();
    for c in [
        "CANARY-COOKIE-ESTS",
        "CANARY-SETCOOKIE-FPC",
        "CANARY-PASSWORD-hunter2",
        "CANARY-SECRET-TEXT",
        "CANARY-QUERY-CODE",
        "U0lHQ0FOQVJZ",
        "CANARY-B64-REFRESH",
    ] {
        assert!(
            raw.contains(c) || c == "CANARY-B64-REFRESH",
            "the fixture plants {c}"
        );
    }
    let o = redact_to(input, &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_clean(&text);
    // Base64 bodies are decoded, redacted and encoded again.
    use base64::Engine as _;
    let red: Value = serde_json::from_str(&text).expect("still valid JSON");
    for e in red["log"]["entries"].as_array().unwrap() {
        if e["response"]["content"]["encoding"] == "base64" {
            let b = base64::engine::general_purpose::STANDARD
                .decode(e["response"]["content"]["text"].as_str().unwrap())
                .unwrap();
            assert_clean(&String::from_utf8_lossy(&b));
        }
    }
    // Tokens are shown as their claims.
    assert!(
        text.contains("[redacted JWT: aud=https://management.azure.com/"),
        "claims kept"
    );
    // The stderr summary never echoes a secret.
    assert_clean(&String::from_utf8_lossy(&o.stderr));
}

#[test]
fn non_secret_fields_keep_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("safe.har");
    for input in [
        "fixtures/har/canaries.har",
        "fixtures/har/edge-arm-authorization-failed.har",
        "fixtures/har/chrome-spa-cross-origin.har",
    ] {
        let o = redact_to(input, &out);
        assert_eq!(o.status.code(), Some(0));
        let before: Value = serde_json::from_str(&std::fs::read_to_string(input).unwrap()).unwrap();
        let after: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let (mut a, mut b) = (vec![], vec![]);
        leaves(&before, String::new(), &mut a);
        leaves(&after, String::new(), &mut b);
        assert_eq!(a.len(), b.len(), "{input}: same shape");
        let mut changed = 0;
        for ((pa, va), (pb, vb)) in a.iter().zip(b.iter()) {
            assert_eq!(pa, pb, "{input}: same fields in the same order");
            if va == vb {
                continue;
            }
            changed += 1;
            // Only strings that held a secret may change, and only into a redaction marker.
            let (Value::String(x), Value::String(y)) = (va, vb) else {
                panic!("{input}: {pa} changed type");
            };
            let had_secret = CANARIES.iter().any(|c| x.contains(c))
                || x.contains("eyJ")
                || x.contains("code=")
                || x.contains("=");
            assert!(
                had_secret,
                "{input}: {pa} changed but held no secret: {x:?} -> {y:?}"
            );
            assert!(
                y.contains("[redacted")
                    || y.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c)),
                "{input}: {pa} -> {y:?}"
            );
        }
        assert!(changed > 0, "{input}: something was redacted");
        // Byte for byte: the same lines, and only lines holding a secret differ.
        let (raw_in, raw_out) = (
            std::fs::read_to_string(input).unwrap(),
            std::fs::read_to_string(&out).unwrap(),
        );
        assert_eq!(
            raw_in.lines().count(),
            raw_out.lines().count(),
            "{input}: same lines"
        );
        for (a, b) in raw_in.lines().zip(raw_out.lines()) {
            if a != b {
                let base64_body = a.trim_start().starts_with("\"text\": \"ey") && !a.contains('.');
                assert!(
                    b.contains("[redacted") || base64_body,
                    "{input}: a line changed without a redaction:\n{a}\n{b}"
                );
            }
        }
        // Fields that never hold secrets are identical.
        for p in [
            "/log/version",
            "/log/creator/name",
            "/log/entries/0/request/method",
            "/log/entries/0/response/status",
            "/log/entries/0/startedDateTime",
            "/log/entries/0/timings/wait",
        ] {
            assert_eq!(before.pointer(p), after.pointer(p), "{input}: {p}");
        }
    }
}

#[test]
fn a_log_is_redacted_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("safe.log");
    let input = "fixtures/sdk-logs/az-debug-client-secret-invalid.log";
    let o = redact_to(input, &out);
    assert_eq!(o.status.code(), Some(0));
    let before = std::fs::read_to_string(input).unwrap();
    let after = std::fs::read_to_string(&out).unwrap();
    assert_clean(&after);
    assert_eq!(before.lines().count(), after.lines().count());
    // Lines without secrets are byte-identical.
    let same = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a == b)
        .count();
    assert!(
        same >= before.lines().count() - 4,
        "only the secret lines change"
    );
    // The redacted log still triages to the same rule.
    let t = authcheck()
        .args(["triage", out.to_str().unwrap(), "--format", "json"])
        .env("AUTHCHECK_NOW", "2026-11-24T12:00:00Z")
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&t.stdout).unwrap();
    assert_eq!(r["findings"][0]["rule"], "client-secret-invalid");
}

#[test]
fn canaries_in_every_text_shape() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("paste.txt");
    let jwt = {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut sig = b"SIGCANARY".to_vec();
        sig.resize(256, 7);
        format!(
            "{}.{}.{}",
            e.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            e.encode(r#"{"aud":"https://graph.microsoft.com","appid":"a","exp":1795521600}"#),
            e.encode(&sig)
        )
    };
    let text = format!(
        "curl -d 'client_secret=CANARY1&grant_type=client_credentials' https://login.microsoftonline.com/t/oauth2/v2.0/token\n\
         Authorization: Bearer {jwt}\n\
         Authorization: Bearer CANARYopaque0123456789\n\
         Cookie: a=CANARY2; b=CANARY3\n\
         set-cookie: x=CANARY4; path=/\n\
         {{\"refresh_token\": \"CANARY5\", \"access_token\": \"{jwt}\", \"code\": \"AuthorizationFailed\"}}\n\
         {{'password': 'CANARY6', 'client_assertion': 'CANARY7'}}\n\
         \"ResponseBody\": \"{{\\\"id_token\\\":\\\"CANARY8\\\"}}\"\n\
         https://app/cb#code=CANARY9&state=s&id_token={jwt}\n\
         az login --service-principal -u app -p CANARY10 --tenant t\n\
         -----BEGIN PRIVATE KEY-----\nCANARY11\n-----END PRIVATE KEY-----\n\
         error_uri: https://login.microsoftonline.com/error?code=7000215\n"
    );
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("safe.txt");
    let o = redact_to(input.to_str().unwrap(), &out);
    assert_eq!(o.status.code(), Some(0));
    let after = std::fs::read_to_string(&out).unwrap();
    assert_clean(&after);
    assert!(
        after.contains("AuthorizationFailed") && after.contains("grant_type=client_credentials")
    );
    assert!(
        after.contains("error?code=7000215"),
        "error codes are not authorization codes"
    );
    assert!(
        after.contains(
            "[redacted JWT: aud=https://graph.microsoft.com, appid=a, exp=2026-11-24T12:00:00Z]"
        ),
        "{after}"
    );
}

#[test]
fn truncated_json_writes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("safe.har");
    let o = redact_to("fixtures/har/truncated-after-token.har", &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("truncated") && err.contains("nothing was written"),
        "{err}"
    );
    assert!(!out.exists());
    assert!(!dir.path().join("safe.har.partial").exists());
    assert_clean(&err);
}

#[test]
fn refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.har");
    std::fs::copy("fixtures/har/canaries.har", &p).unwrap();
    let o = redact_to(p.to_str().unwrap(), &p);
    assert_eq!(o.status.code(), Some(2));
}

/// Regression (issue 11): secret shapes `redact` and `triage --show-evidence` once kept —
/// PowerShell, environment dumps, YAML, form_post inputs, a BOM before a form body, key headers,
/// passwords in URLs, connection strings, private keys, MSAL caches.
#[test]
fn canaries_in_script_config_and_page_shapes() {
    let input = "fixtures/redact/secret-shapes.txt";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("safe.txt");
    let o = redact_to(input, &out);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = std::fs::read_to_string(&out).unwrap();
    assert_clean(&after);
    assert!(after.contains("AccountName=acct") && after.contains("grant_type=client_credentials"));
    for format in ["text", "json", "sarif", "junit", "github"] {
        let o = authcheck()
            .args(["triage", input, "--show-evidence", "--format", format])
            .output()
            .unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&String::from_utf8_lossy(&o.stdout));
        assert_clean(&String::from_utf8_lossy(&o.stderr));
    }
}

/// Regression (issue 11): `-o` writes safely: a device at OUT stays a device (as root, `-o
/// /dev/null` once replaced /dev/null with a file), a 0600 OUT stays 0600, a symbolic link at OUT
/// is refused and nothing is written through it, and no temporary file is left behind.
#[cfg(unix)]
#[test]
fn output_is_written_safely() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let input = "fixtures/redact/secret-shapes.txt";
    let o = redact_to(input, std::path::Path::new("/dev/null"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("safe.txt");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = redact_to(input, &out);
    assert_eq!(o.status.code(), Some(0));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_clean(&std::fs::read_to_string(&out).unwrap());

    let target = dir.path().join("elsewhere.txt");
    let link = dir.path().join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = redact_to(input, &link);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("symbolic link"));
    assert!(!target.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("authcheck-redact"))
        .collect();
    assert!(leftovers.is_empty());
}
