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

fn redact_stdout(input: &[u8], extra: &[&str]) -> Output {
    use std::io::Write as _;
    let mut child = authcheck()
        .args(["redact", "-"])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run authcheck redact");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

/// Every JSON document in `text`, one after the other (whitespace between them).
fn documents(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("not a sequence of JSON documents: {e}\n{text}"))
}

#[test]
fn a_har_after_a_line_of_text_stays_structural() {
    let har = std::fs::read_to_string("fixtures/har/canaries.har").unwrap();
    let input = format!("Here is the HAR you asked for (client_secret=CANARY-prefix):\n{har}");
    let o = redact_stdout(input.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert_clean(&out);
    let (first, rest) = out.split_once('\n').unwrap();
    assert!(first.starts_with("Here is the HAR"), "{first}");
    let docs = documents(rest);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["log"]["entries"].as_array().unwrap().len(), 6);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("in 6 HAR entries"), "{err}");
    assert!(err.contains("text around the documents"), "{err}");
}

#[test]
fn two_hars_in_one_file_are_both_walked_and_nothing_is_dropped() {
    let har = std::fs::read_to_string("fixtures/har/canaries.har").unwrap();
    // Large enough that the second document lies beyond the first read of the input.
    let mut big: Value = serde_json::from_str(&har).unwrap();
    big["log"]["comment"] = Value::String("x".repeat(300 * 1024));
    let input = format!("{}\n{har}", serde_json::to_string_pretty(&big).unwrap());
    let o = redact_stdout(input.as_bytes(), &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert_clean(&out);
    let docs = documents(&out);
    assert_eq!(docs.len(), 2, "the second HAR was dropped");
    for d in &docs {
        assert_eq!(d["log"]["entries"].as_array().unwrap().len(), 6);
    }
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("12 HAR entries") && err.contains("2 documents"),
        "{err}"
    );
}

#[test]
fn entries_that_are_not_objects_are_counted_and_still_redacted() {
    let har: Value =
        serde_json::from_str(&std::fs::read_to_string("fixtures/har/canaries.har").unwrap())
            .unwrap();
    let entries = har["log"]["entries"].as_array().unwrap().clone();
    let mut wrapped = har.clone();
    // A number, a string with a secret, and every entry wrapped in an array of its own.
    let mut odd = vec![
        Value::from(0),
        Value::String("client_secret=CANARY-odd-string".into()),
    ];
    odd.extend(entries.iter().map(|e| Value::Array(vec![e.clone()])));
    wrapped["log"]["entries"] = Value::Array(odd);
    let mut keyed = har.clone();
    keyed["log"]["entries"] = serde_json::json!({"first": entries[0], "all": entries});
    for doc in [wrapped, keyed] {
        let input = serde_json::to_string_pretty(&doc).unwrap();
        let o = redact_stdout(input.as_bytes(), &[]);
        assert_eq!(o.status.code(), Some(0));
        let out = String::from_utf8(o.stdout).unwrap();
        assert_clean(&out);
        assert_eq!(documents(&out).len(), 1);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("were not HAR entries"), "{err}");
    }
}

#[test]
fn a_har_inside_a_line_falls_back_and_says_so() {
    let har = std::fs::read_to_string("fixtures/har/canaries.har").unwrap();
    let one_line: Value = serde_json::from_str(&har).unwrap();
    let input = format!("attached: {}\n", serde_json::to_string(&one_line).unwrap());
    let o = redact_stdout(input.as_bytes(), &["--format", "json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        err.contains("warning") && err.contains("line by line"),
        "{err}"
    );
    let summary: Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert!(summary["fallback"].is_string(), "{summary}");
}

/// A token whose signature is the bytes `SIGCANARY…` (base64url `U0lHQ0FOQVJZ…`).
fn canary_jwt(aud: &str) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = b.encode(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    let p = b.encode(format!(
        r#"{{"aud":"{aud}","iss":"https://sts.windows.net/t/","appid":"a","exp":1795521600}}"#
    ));
    // RS256 signatures are 256 bytes; a shorter one reads as a cut token.
    let s = b.encode(format!("SIGCANARY-{aud}-{}", "s".repeat(250)));
    format!("{h}.{p}.{s}")
}

#[test]
fn glued_tokens_leave_no_signature() {
    let (a, b, c) = (canary_jwt("a"), canary_jwt("b"), canary_jwt("c"));
    for glued in [
        format!("{a}{b}"),
        format!("{a}.{b}"),
        format!("{a}{b}{c}"),
        format!("{a}.{b}.{c}"),
        format!("{a}..{b}"),
        format!("Authorization: Bearer {a}{b}"),
        format!("{{\"access_token\": \"{a}.{b}\"}}"),
    ] {
        let o = redact_stdout(format!("{glued}\n").as_bytes(), &[]);
        assert_eq!(o.status.code(), Some(0));
        let out = String::from_utf8(o.stdout).unwrap();
        assert_clean(&out);
        assert!(out.contains("aud=a"), "the claims should still show: {out}");
    }
}

#[test]
fn a_late_failure_leaves_nothing_on_stdout() {
    // Valid for thousands of elements, then broken: a streaming writer would have let out
    // the redacted start of it (and a reader would take it for the whole).
    let mut input = String::from("[\n");
    for i in 0..5000 {
        input.push_str(&format!(
            "{{\"id\": {i}, \"client_secret\": \"CANARY-{i}\"}},\n"
        ));
    }
    input.push_str("{\"id\": oops}\n]\n");
    let o = redact_stdout(input.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{} bytes written", o.stdout.len());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nothing was written"), "{err}");
}

#[test]
fn the_summary_names_every_kind_it_removed() {
    let shapes = std::fs::read("fixtures/redact/secret-shapes.txt").unwrap();
    let o = redact_stdout(&shapes, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_clean(&String::from_utf8_lossy(&o.stdout));
    let err = String::from_utf8_lossy(&o.stderr);
    let summary: Value = serde_json::from_str(err.trim()).expect("one JSON object");
    let kinds = &summary["redacted"]["by_kind"];
    for k in [
        "script-assignment",
        "environment-variable",
        "yaml-field",
        "form-field",
        "key-header",
        "url-password",
        "sas-signature",
        "connection-string-key",
        "private-key",
        "set-cookie",
        "client-secret",
    ] {
        assert!(kinds[k].as_u64().unwrap_or(0) > 0, "{k} missing: {kinds}");
    }
    let total: u64 = kinds
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, summary["redacted"]["total"].as_u64().unwrap());
    // The text summary says the same.
    let o = redact_stdout(&shapes, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("by kind:") && err.contains("sas-signature"),
        "{err}"
    );
}

/// A key's body pasted without its `-----BEGIN` line (copied from the middle of a PEM file, or the
/// BEGIN line lost in a chat): three or more lines of base64 wrapped at 64 columns are key
/// material wherever they stand — in `redact` (file and stdout) and in every triage format.
#[test]
fn a_key_body_without_its_begin_line_does_not_survive() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode("CANARY".repeat(200));
    let mut body = String::new();
    for chunk in b64.as_bytes().chunks(64) {
        body.push_str(std::str::from_utf8(chunk).unwrap());
        body.push('\n');
    }
    let text = format!(
        "The certificate upload fails with AADSTS700027 for client 3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40.\nHere is the key we use:\n{body}-----END PRIVATE KEY-----\nthanks\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ticket.txt");
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("safe.txt");
    let o = redact_to(input.to_str().unwrap(), &out);
    assert_eq!(o.status.code(), Some(0));
    let after = std::fs::read_to_string(&out).unwrap();
    assert_clean(&after);
    assert!(
        after.contains("[redacted key material]") && after.contains("AADSTS700027"),
        "{after}"
    );
    assert!(after.contains("thanks"), "the text after the key stays");
    let o = redact_stdout(text.as_bytes(), &[]);
    assert_clean(&String::from_utf8_lossy(&o.stdout));
    for format in ["text", "json", "sarif", "junit", "github", "html"] {
        let o = authcheck()
            .args([
                "triage",
                input.to_str().unwrap(),
                "--format",
                format,
                "--show-evidence",
            ])
            .output()
            .unwrap();
        assert_clean(&String::from_utf8_lossy(&o.stdout));
        assert_clean(&String::from_utf8_lossy(&o.stderr));
    }
}
