//! The redaction layer sits where output is written, not in each parser or renderer: secrets that
//! reach a report by a path no parser redacts (a file's name, tokens glued together, a request the
//! simulator logs) never leave the process, in any format; and the simulator answers clients that
//! half-close their connection.

mod cli_common;
mod sim_common;

use cli_common::authcheck;
use std::io::{Read, Write};
use std::process::Output;

const FORMATS: &[&str] = &["text", "json", "sarif", "junit", "github"];

fn assert_no_canary(what: &str, o: &Output) {
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for c in ["CANARY", "U0lHQ0FOQVJZ"] {
            assert!(
                !text.contains(c),
                "{what}: {c} in {stream}:\n{}",
                text.lines()
                    .filter(|l| l.contains(c))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

/// A token whose RS256 signature is the bytes `SIGCANARY…` (base64url `U0lHQ0FOQVJZ…`).
fn canary_jwt(aud: &str) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = b.encode(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    let p = b.encode(format!(
        r#"{{"aud":"{aud}","iss":"https://sts.windows.net/8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f/","appid":"3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40","exp":1795521600}}"#
    ));
    let s = b.encode(format!("SIGCANARY-{aud}-{}", "s".repeat(250)));
    format!("{h}.{p}.{s}")
}

#[test]
fn a_file_name_shaped_like_a_secret_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir
        .path()
        .join("ticket client_secret=CANARY-name-1&code=CANARY-name-2.txt");
    std::fs::write(
        &name,
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\n",
    )
    .unwrap();
    let path = name.to_str().unwrap();
    for f in FORMATS {
        for evidence in [false, true] {
            let mut c = authcheck();
            c.args(["triage", path, "--format", f]);
            if evidence {
                c.arg("--show-evidence");
            }
            let o = c.output().unwrap();
            assert_eq!(o.status.code(), Some(1), "{f}");
            assert_no_canary(&format!("triage --format {f}"), &o);
        }
    }
    // And in the one-line errors.
    let missing = format!("{path}.missing");
    for args in [
        vec!["triage", missing.as_str()],
        vec!["decode", missing.as_str()],
        vec!["redact", missing.as_str()],
    ] {
        let o = authcheck().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_no_canary(&format!("{args:?}"), &o);
        assert!(String::from_utf8_lossy(&o.stderr).contains("[redacted]"));
    }
}

#[test]
fn glued_tokens_in_a_paste_leave_no_signature_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        canary_jwt("https://management.azure.com"),
        canary_jwt("https://graph.microsoft.com"),
    );
    let p = dir.path().join("paste.txt");
    std::fs::write(
        &p,
        format!(
            "Request failed: 401 Unauthorized\nAuthorization: Bearer {a}{b}\ntokens: {a}.{b}\nInvalidAuthenticationToken: The access token is invalid.\n"
        ),
    )
    .unwrap();
    let path = p.to_str().unwrap();
    for f in FORMATS {
        for evidence in [false, true] {
            let mut c = authcheck();
            c.args(["triage", path, "--format", f]);
            if evidence {
                c.arg("--show-evidence");
            }
            let o = c.output().unwrap();
            assert_no_canary(&format!("triage --format {f} (evidence {evidence})"), &o);
        }
    }
    for f in FORMATS {
        let o = authcheck()
            .args(["decode", path, "--format", f, "--show-evidence"])
            .output()
            .unwrap();
        assert_no_canary(&format!("decode --format {f}"), &o);
    }
}

#[test]
fn the_simulator_log_passes_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sim.log");
    let sim = sim_common::SimProc::start("healthy", &["--log", log.to_str().unwrap()]);
    let authority = sim.s("authority");
    let tenant = sim.env("AZURE_TENANT_ID").unwrap();
    let glued = format!("{}{}", canary_jwt("a"), canary_jwt("b"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = sim_common::http();
        // A SAS signature and a glued token in the query, secrets in the headers the log keeps,
        // a JSON body sent as a form.
        let _ = c
            .post(format!(
                "{authority}/{tenant}/oauth2/v2.0/token?sig=CANARY-log-1&x={glued}"
            ))
            .header("User-Agent", "probe client_secret=CANARY-log-2")
            .header("Origin", "https://u:CANARY-log-3@app.contoso.com")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(r#"{"client_secret": "CANARY-log-4"}"#)
            .send()
            .await
            .expect("request");
        let _ = c
            .get(format!("{authority}/graph/v1.0/me?code=CANARY-log-5"))
            .header("client-request-id", glued.clone())
            .send()
            .await
            .expect("request");
    });
    drop(sim);
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line stays JSON");
    }
    assert!(
        !text.contains("CANARY") && !text.contains("U0lHQ0FOQVJZ"),
        "{text}"
    );
}

#[test]
fn the_simulator_answers_clients_that_half_close() {
    let sim = sim_common::SimProc::start("healthy", &[]);
    let authority = sim.s("authority");
    let tenant = sim.env("AZURE_TENANT_ID").unwrap();
    let addr = authority
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let path = format!("/{tenant}/v2.0/.well-known/openid-configuration");
    for i in 0..40 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "request {i} after a half-close got {answer:?}"
        );
    }
}
