//! `authcheck decode` end to end: claims explained, signature states, audience checks, malformed
//! tokens, and that no output ever carries the token or its signature. Tokens come from
//! `fixtures/tokens/` (see `tests/support/tokens.rs`) and are judged at NOW = 2026-11-24T12:00:00Z.

#[path = "support/tokens.rs"]
mod tokens;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const NOW: &str = "2026-11-24T12:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tok(name: &str) -> PathBuf {
    root().join("fixtures/tokens").join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(tok(name))
        .unwrap()
        .trim()
        .to_string()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&str>) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    cmd.args(args)
        .env("AUTHCHECK_NOW", NOW)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run authcheck");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn decode_json(file: &str, extra: &[&str]) -> Value {
    let f = path(&tok(file));
    let mut args = vec![
        "decode",
        f.as_str(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend_from_slice(extra);
    let o = run(&args, None);
    assert_eq!(o.code, 0, "{file}: {}", o.stderr);
    serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("{file}: not JSON ({e}): {}", o.stdout))
}

fn claim<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["token"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["token"]["header"].as_array().unwrap().iter())
        .find(|c| c["claim"] == name)
        .unwrap_or_else(|| panic!("no claim {name} in {report}"))
}

fn meaning(report: &Value, name: &str) -> String {
    claim(report, name)["meaning"].as_str().unwrap().to_string()
}

fn rules_fired(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Writes fresh token fixtures (new keys each time). Not part of the normal run.
#[test]
#[ignore]
fn generate_token_fixtures() {
    tokens::write_all(&root());
}

#[test]
fn claims_are_explained_in_words() {
    let r = decode_json("arm-user-v1.jwt", &[]);
    assert_eq!(r["command"], "decode");
    assert!(
        meaning(&r, "aud").contains("Azure Resource Manager"),
        "{}",
        meaning(&r, "aud")
    );
    assert_eq!(
        meaning(&r, "exp"),
        "expires at 2026-11-24 12:42:00 UTC (in 42 minutes); lifetime 60 minutes"
    );
    assert_eq!(
        meaning(&r, "iat"),
        "issued at 2026-11-24 11:42:00 UTC (18 minutes ago)"
    );
    assert!(meaning(&r, "appid").contains("Azure CLI"));
    assert!(meaning(&r, "appidacr").contains("public client"));
    let wids = meaning(&r, "wids");
    assert!(
        wids.contains("Global Reader") && wids.contains("member user"),
        "{wids}"
    );
    assert!(meaning(&r, "scp").contains("user_impersonation"));
    assert!(meaning(&r, "iss").contains("v1.0"));
    assert!(
        meaning(&r, "xms_tcdt").contains("2020-01-26"),
        "{}",
        meaning(&r, "xms_tcdt")
    );
    assert!(meaning(&r, "amr").contains("multifactor"));
    // Unknown claims are listed as they are.
    assert_eq!(claim(&r, "contoso_tier")["value"], "gold");
    assert!(meaning(&r, "contoso_tier").contains("not commonly issued"));
    assert!(meaning(&r, "kid").contains("key id"));
    assert_eq!(r["token"]["signature"], "not-checked");
    assert!(r["token"]["signature_detail"]
        .as_str()
        .unwrap()
        .contains(&format!(
            "login.microsoftonline.com/{}/discovery/v2.0/keys",
            tokens::TENANT
        )));
}

#[test]
fn app_only_v2_and_id_tokens() {
    let r = decode_json("powerplatform-app-v2.jwt", &["--show-evidence"]);
    assert!(meaning(&r, "aud").contains("Power Platform API"));
    assert!(meaning(&r, "idtyp").contains("app-only"));
    assert!(meaning(&r, "iss").contains("v2.0"));
    assert_eq!(r["evidence"]["token"]["app_only"], true);
    assert_eq!(r["evidence"]["token"]["client_id"], tokens::CLIENT);
    assert_eq!(r["evidence"]["input"]["sources"]["token"], "jwt");
    assert_eq!(rules_fired(&r)[0], "delegated-only-api-app-token");

    let r = decode_json("id-token-v2.jwt", &["--show-evidence"]);
    assert_eq!(r["evidence"]["token"]["kind"], "id");
    assert_eq!(r["evidence"]["token"]["app_only"], false);
    assert!(
        meaning(&r, "aud").contains("client app"),
        "{}",
        meaning(&r, "aud")
    );
    assert!(meaning(&r, "nonce").contains("replay"));

    let r = decode_json("powerplatform-user-v2.jwt", &["--show-evidence"]);
    assert_eq!(r["evidence"]["token"]["delegated"], true);
    assert_eq!(
        r["evidence"]["token"]["scp"],
        serde_json::json!([
            "AppManagement.ApplicationPackages.Install",
            "AppManagement.ApplicationPackages.Read"
        ])
    );
    assert_eq!(r["evidence"]["token"]["user"], "megan@contoso.example");
    assert!(!rules_fired(&r).contains(&"delegated-only-api-app-token".to_string()));
}

#[test]
fn signature_states_against_a_key_set() {
    let jwks = path(&tok("jwks.json"));
    let cases = [
        ("purview-app-v1.jwt", "valid", "verifies"),
        ("arm-user-v1.jwt", "valid", "verifies"),
        (
            "tampered-purview-app-v1.jwt",
            "invalid",
            "changed after it was signed",
        ),
        (
            "other-key-purview-app-v1.jwt",
            "unknown-kid",
            "no key in the key set",
        ),
        ("alg-none-arm-app-v1.jwt", "unsigned", "alg: none"),
        (
            "graph-app-nonce-v1.jwt",
            "not-verifiable-by-design",
            "only Graph",
        ),
    ];
    for (file, state, words) in cases {
        let r = decode_json(file, &["--jwks", &jwks]);
        assert_eq!(r["token"]["signature"], state, "{file}");
        let detail = r["token"]["signature_detail"].as_str().unwrap();
        assert!(detail.contains(words), "{file}: {detail}");
        let fired = rules_fired(&r);
        let expect_rule = matches!(state, "invalid" | "unknown-kid" | "unsigned");
        assert_eq!(
            fired.contains(&"token-signature-invalid".to_string()),
            expect_rule,
            "{file}: {fired:?}"
        );
    }
    // A key published with its certificate only.
    let x5c = path(&tok("jwks-x5c-only.json"));
    let r = decode_json("purview-app-v1.jwt", &["--jwks", &x5c]);
    assert_eq!(r["token"]["signature"], "valid");
    // Another tenant's key set.
    let other = path(&tok("jwks-other-tenant.json"));
    let r = decode_json("purview-app-v1.jwt", &["--jwks", &other]);
    assert_eq!(r["token"]["signature"], "unknown-kid");
    // Without --jwks: unsigned and Graph are still known.
    assert_eq!(
        decode_json("alg-none-arm-app-v1.jwt", &[])["token"]["signature"],
        "unsigned"
    );
    assert_eq!(
        decode_json("graph-app-nonce-v1.jwt", &[])["token"]["signature"],
        "not-verifiable-by-design"
    );
}

#[test]
fn unusable_key_sets_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("garbage.json", "{not json", "not JSON"),
        ("nokeys.json", "{\"foo\": 1}", "no `keys` list"),
        (
            "oidc.json",
            "{\"jwks_uri\": \"https://login.microsoftonline.com/common/discovery/v2.0/keys\"}",
            "OpenID configuration",
        ),
    ];
    let t = path(&tok("purview-app-v1.jwt"));
    for (name, body, words) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let o = run(&["decode", &t, "--jwks", &path(&p)], None);
        assert_eq!(o.code, 2, "{name}: {}", o.stdout);
        assert_eq!(o.stderr.trim().lines().count(), 1, "{name}: {}", o.stderr);
        assert!(o.stderr.contains(words), "{name}: {}", o.stderr);
    }
}

#[test]
fn audience_is_checked_against_the_target_api() {
    let r = decode_json("purview-app-v1.jwt", &["--api", "arm", "--show-evidence"]);
    assert_eq!(r["evidence"]["token"]["audience_matches_target"], false);
    assert_eq!(rules_fired(&r)[0], "wrong-audience");
    assert!(meaning(&r, "aud").contains("NOT the target"));
    let fix = serde_json::to_string(&r["findings"][0]["fix"]).unwrap();
    assert!(fix.contains("https://management.azure.com/"), "{fix}");

    let r = decode_json(
        "purview-app-v1.jwt",
        &["--api", "purview", "--show-evidence"],
    );
    assert_eq!(r["evidence"]["token"]["audience_matches_target"], true);
    assert!(!rules_fired(&r).contains(&"wrong-audience".to_string()));
    assert!(meaning(&r, "aud").contains("matches the target"));

    // A resource URI works as well as a name; an unknown URI is compared as written.
    let r = decode_json(
        "loganalytics-app-v1.jwt",
        &["--api", "https://api.loganalytics.io/"],
    );
    assert!(!rules_fired(&r).contains(&"wrong-audience".to_string()));
    let r = decode_json(
        "loganalytics-app-v1.jwt",
        &["--api", "api://contoso-orders"],
    );
    assert_eq!(rules_fired(&r)[0], "wrong-audience");
}

#[test]
fn time_rules_fire_on_time_facts() {
    let r = decode_json("expired-arm-app-v1.jwt", &[]);
    assert_eq!(rules_fired(&r)[0], "token-expired");
    assert!(meaning(&r, "exp").contains("3 hours ago") && meaning(&r, "exp").contains("EXPIRED"));
    let r = decode_json("expires-soon-arm-app-v1.jwt", &[]);
    assert!(!rules_fired(&r).contains(&"token-expired".to_string()));
    assert!(meaning(&r, "exp").contains("in 5 minutes"));
    let r = decode_json("nbf-future-arm-app-v1.jwt", &[]);
    assert_eq!(rules_fired(&r)[0], "clock-skew");
    assert!(meaning(&r, "nbf").contains("NOT YET VALID"));
}

#[test]
fn exit_code_follows_findings() {
    let f = path(&tok("expired-arm-app-v1.jwt"));
    assert_eq!(run(&["decode", &f, "--format", "json"], None).code, 1);
    let f = path(&tok("purview-app-v1.jwt"));
    assert_eq!(run(&["decode", &f, "--format", "json"], None).code, 0);
}

#[test]
fn token_from_stdin_argument_and_header() {
    let t = read("purview-app-v1.jwt");
    let o = run(
        &["decode", "-", "--format", "json"],
        Some(&format!("Authorization: Bearer {t}\n")),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o2 = run(&["decode", &t, "--format", "json"], None);
    assert_eq!(o2.code, 0, "{}", o2.stderr);
    let a: Value = serde_json::from_str(&o.stdout).unwrap();
    let b: Value = serde_json::from_str(&o2.stdout).unwrap();
    assert_eq!(a["token"], b["token"]);
    let o3 = run(&["decode", "--format", "json"], Some(&format!("\"{t}\"")));
    assert_eq!(o3.code, 0, "{}", o3.stderr);
}

#[test]
fn malformed_tokens_get_one_precise_line() {
    let cases = [
        (
            "malformed-bad-base64.jwt",
            "payload segment is not base64url: character",
        ),
        (
            "malformed-two-segments.jwt",
            "found 2 segments separated by `.`, a JWT has 3",
        ),
        ("malformed-truncated.jwt", "cut short"),
        (
            "malformed-cut-in-payload.jwt",
            "payload segment decodes but its JSON ends early",
        ),
        (
            "malformed-whitespace.jwt",
            "whitespace inside the token at character 77",
        ),
        (
            "malformed-not-json.jwt",
            "payload segment decodes but is not JSON",
        ),
        ("malformed-jwe.jwt", "encrypted token (JWE, 5 segments)"),
        ("malformed-msa-opaque.txt", "Microsoft account (MSA)"),
        ("malformed-shortened.jwt", "shortened copy"),
    ];
    for (file, words) in cases {
        let f = path(&tok(file));
        let o = run(&["decode", &f], None);
        assert_eq!(o.code, 2, "{file}: {}{}", o.stdout, o.stderr);
        assert!(o.stdout.is_empty(), "{file}: {}", o.stdout);
        let err = o.stderr.trim();
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(err.contains(words), "{file}: {err}");
        assert!(err.contains(file), "{file}: the input is named: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{file}: {err}"
        );
        // The damaged token itself is never echoed.
        let raw = std::fs::read_to_string(tok(file)).unwrap();
        for piece in raw.split(['.', '\n']).filter(|p| p.len() > 12) {
            assert!(
                !err.contains(piece),
                "{file}: error echoes the token: {err}"
            );
        }
    }
    // The same for a token given on the command line or stdin: the message names the input.
    let o = run(&["decode", "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0"], None);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("the token argument: not a JWT: found 2 segments"),
        "{}",
        o.stderr
    );
    let o = run(
        &["decode", "-"],
        Some("0.AXkAKgwePw2LbEyaHysjTV5vcDUtsH_M2BJ1oAAAAAAAAAAAAAAA.AgABAAEAAAD"),
    );
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("refresh token"), "{}", o.stderr);
}

#[test]
fn no_output_contains_the_token_or_its_signature() {
    let jwks = path(&tok("jwks.json"));
    let files = [
        "purview-app-v1.jwt",
        "arm-user-v1.jwt",
        "graph-app-nonce-v1.jwt",
        "tampered-purview-app-v1.jwt",
        "other-key-purview-app-v1.jwt",
        "expired-arm-app-v1.jwt",
        "id-token-v2.jwt",
        "powerplatform-app-v2.jwt",
    ];
    for file in files {
        let t = read(file);
        let sig = t.rsplit('.').next().unwrap().to_string();
        assert!(sig.len() > 100, "{file}");
        let f = path(&tok(file));
        for format in ["text", "json", "sarif", "junit", "github"] {
            for cmd in ["decode", "triage"] {
                let o = run(
                    &[
                        cmd,
                        &f,
                        "--format",
                        format,
                        "--jwks",
                        &jwks,
                        "--show-evidence",
                        "--api",
                        "arm",
                    ],
                    None,
                );
                assert!(
                    o.code == 0 || o.code == 1,
                    "{cmd} {file} {format}: {}",
                    o.stderr
                );
                for (what, out) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
                    assert!(
                        !out.contains(&sig),
                        "{cmd} {file} {format}: {what} has the signature"
                    );
                    assert!(
                        !out.contains(&t),
                        "{cmd} {file} {format}: {what} has the token"
                    );
                    // Not even a long run of the signature.
                    assert!(
                        !out.contains(&sig[..40]),
                        "{cmd} {file} {format}: {what} has part of the signature"
                    );
                }
            }
        }
        // Passed on the command line and through stdin too.
        let o = run(&["decode", &t, "--format", "json", "--show-evidence"], None);
        assert!(
            !o.stdout.contains(&sig) && !o.stderr.contains(&sig),
            "{file} as argument"
        );
        let o = run(&["decode", "-", "--format", "text"], Some(&t));
        assert!(
            !o.stdout.contains(&sig) && !o.stderr.contains(&sig),
            "{file} on stdin"
        );
    }
}

#[test]
fn triage_reads_a_token_file() {
    let f = path(&tok("expired-arm-app-v1.jwt"));
    let o = run(&["triage", &f, "--format", "json"], None);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let r: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(r["command"], "triage");
    assert_eq!(r["input"]["kind"], "jwt");
    assert_eq!(rules_fired(&r)[0], "token-expired");
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains(tokens::CLIENT), "{msg}");

    // With a key set, triage checks the signature too.
    let f = path(&tok("tampered-purview-app-v1.jwt"));
    let jwks = path(&tok("jwks.json"));
    let o = run(&["triage", &f, "--format", "json", "--jwks", &jwks], None);
    let r: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        rules_fired(&r).contains(&"token-signature-invalid".to_string()),
        "{}",
        o.stdout
    );

    // A damaged token gets the decoder's precise line from triage as well.
    let f = path(&tok("malformed-two-segments.jwt"));
    let o = run(&["triage", &f], None);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("found 2 segments"), "{}", o.stderr);
}

#[test]
fn text_output_snapshot() {
    let f = path(&tok("arm-user-v1.jwt"));
    let jwks = path(&tok("jwks.json"));
    let o = run(&["decode", &f, "--jwks", &jwks, "--color", "never"], None);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let root = format!("{}/", root().display());
    let text = o.stdout.replace(&root, "");
    insta::assert_snapshot!("decode_arm_user_text", text);
}

/// What people actually have in hand: the token is found in a token-endpoint response, an MSAL
/// cache, a cURL command or an `Authorization` line, and the same claims come out.
#[test]
fn decode_finds_the_token_in_what_people_have() {
    let access = read("arm-user-v1.jwt");
    let reference = run(&["decode", "-", "--format", "json"], Some(&access));
    assert!(reference.code <= 1, "{}", reference.stderr);
    let want: Value = serde_json::from_str(&reference.stdout).unwrap();
    let other = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJjbGllbnQiLCJub25jZSI6Im4ifQ.";
    let cases = [
        (
            format!(r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{access}","id_token":"{other}"}}"#),
            "the access_token of the token response",
        ),
        (
            format!(r#"{{"IdToken":{{"k1":{{"secret":"{other}"}}}},"AccessToken":{{"k2":{{"credential_type":"AccessToken","secret":"{access}"}}}}}}"#),
            "the first access token of the MSAL cache",
        ),
        (
            format!("curl -s -H 'Accept: application/json' -H 'Authorization: Bearer {access}' https://management.azure.com/subscriptions?api-version=2022-12-01"),
            "the bearer token in the text",
        ),
        (format!("Authorization: Bearer {access}"), ""),
    ];
    for (input, place) in cases {
        let r = run(&["decode", "-", "--format", "json"], Some(&input));
        assert!(r.code <= 1, "{place}: {}", r.stderr);
        let got: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(got["token"]["claims"], want["token"]["claims"], "{place}");
        if !place.is_empty() {
            assert!(r.stderr.contains(place), "{place}: {}", r.stderr);
        }
        assert!(
            !r.stdout.contains(&access),
            "the whole token must not be printed"
        );
    }
}

/// `triage --jwks` checks a token found in pasted text as `decode --jwks` does (it was ignored).
#[test]
fn triage_checks_the_signature_of_a_pasted_token_with_jwks() {
    let token = read("arm-user-v1.jwt");
    let jwks = path(&tok("jwks.json"));
    let decoded = run(
        &["decode", "-", "--jwks", &jwks, "--format", "json"],
        Some(&token),
    );
    let d: Value = serde_json::from_str(&decoded.stdout).unwrap();
    assert_eq!(d["token"]["signature"], "valid", "{}", decoded.stdout);
    let paste = format!("GET https://management.azure.com/subscriptions?api-version=2022-12-01\nAuthorization: Bearer {token}\n");
    let r = run(
        &[
            "triage",
            "-",
            "--jwks",
            &jwks,
            "--format",
            "json",
            "--show-evidence",
        ],
        Some(&paste),
    );
    let t: Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(
        t["evidence"]["token"]["signature"], "valid",
        "{} {}",
        r.stdout, r.stderr
    );
}

/// Regression (issue 11): a token nested in a claim loses its signature too, in every format.
#[test]
fn a_token_nested_in_a_claim_is_shown_without_its_signature() {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let inner = format!(
        "{}.{}.{}",
        e.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        e.encode(r#"{"aud":"https://graph.microsoft.com","exp":1795521600}"#),
        e.encode(b"SIGCANARY-inner-signature-bytes")
    );
    let outer = format!(
        "{}.{}.{}",
        e.encode(r#"{"alg":"none","typ":"JWT"}"#),
        e.encode(format!(
            r#"{{"aud":"api://x","exp":1795521600,"access_token":"{inner}","ctx":{{"t":["see {inner}"]}}}}"#
        )),
        ""
    );
    let canary = e.encode(b"SIGCANARY-inner-signature-bytes");
    for format in ["text", "json", "sarif"] {
        let r = run(
            &["decode", "-", "--format", format, "--show-evidence"],
            Some(&outer),
        );
        assert!(r.code <= 1, "{format}: {}", r.stderr);
        assert!(!r.stdout.contains(&canary), "{format}: {}", r.stdout);
        assert!(!r.stderr.contains(&canary));
    }
}
