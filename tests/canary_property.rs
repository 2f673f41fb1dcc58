//! The canary property, across every command × format × input kind: distinct canaries planted in
//! every secret-bearing field of every kind of input (pasted text, a token-endpoint JSON body, a
//! HAR alone and two after a line of text, sign-in exports as CSV and JSON, `az` output, an SDK
//! debug log, a JWT, an MSAL cache) and in a request to the simulator never appear in anything
//! the real binary writes: stdout, stderr or the files it writes, for `triage` in every format
//! with and without `--show-evidence`, `decode`, `redact`, `explain` and `sim --log`.
//!
//! Inputs are mutated from a fixed seed with the offline crate's mutation helpers, in ways that
//! keep every planted field intact (the lines and values around them change: salted, cut,
//! spliced, reordered, CRLF, compact or pretty JSON), so a surviving canary is always a leak.
//! `AUTHCHECK_FUZZ_CASES=N` runs N/3 rounds instead of 3 (and `AUTHCHECK_FUZZ_SEED` another seed).

mod cli_common;
#[path = "../crates/offline/tests/mutate/mod.rs"]
mod mutate;
mod sim_common;

use base64::Engine as _;
use cli_common::authcheck;
use mutate::{mutate, seed, Rng};
use serde_json::{json, Value};
use std::io::Write as _;
use std::process::{Output, Stdio};

/// What a planted secret carries: the marker itself, a token signature made of the bytes
/// `SIGCANARY` (base64url `U0lHQ0FOQVJZ`), and base64 of `CANARY` (a base64 HAR body).
const MARKERS: &[&str] = &["CANARY", "U0lHQ0FOQVJZ", "Q0FOQVJZ"];

const FORMATS: &[&str] = &["text", "json", "sarif", "junit", "github"];

const TENANT: &str = "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f";
const CLIENT: &str = "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40";

fn b64url(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A token with an RS256-sized signature of canary bytes; `extra` claims are added.
fn jwt(aud: &str, extra: &str) -> String {
    let h = b64url(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    let p = b64url(&format!(
        r#"{{"aud":"{aud}","iss":"https://sts.windows.net/{TENANT}/","appid":"{CLIENT}","tid":"{TENANT}","exp":1795521600{extra}}}"#
    ));
    let s = b64url(&format!("SIGCANARY-{aud}-{}", "s".repeat(250)));
    format!("{h}.{p}.{s}")
}

/// An input kind: a name, the bytes, and how it may be mutated.
struct Input {
    name: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    json: bool,
}

fn inputs() -> Vec<Input> {
    let arm = jwt("https://management.azure.com", "");
    let nested = jwt(
        "https://graph.microsoft.com",
        &format!(r#","access_token":"{}""#, jwt("inner", "")),
    );
    let glued = format!("{}{}", jwt("a", ""), jwt("b", ""));
    let mut shapes = std::fs::read_to_string("fixtures/redact/secret-shapes.txt").unwrap();
    shapes.push_str(&format!(
        "AADSTS7000215: Invalid client secret provided.\nAuthorization: Bearer {arm}\ntokens: {glued}\nrefresh: 0.AXEA{}CANARYrt\n",
        "r".repeat(120)
    ));
    let body = json!({
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40'.",
        "error_codes": [7000215],
        "client_secret": "CANARY-body-1",
        "refresh_token": "CANARY-body-2",
        "access_token": arm,
        "id_token": nested,
    });
    let har = std::fs::read_to_string("fixtures/har/canaries.har").unwrap();
    let csv = std::fs::read_to_string("fixtures/signins/portal-user-assignment-required.csv")
        .unwrap()
        .replacen(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "Mozilla/5.0 client_secret=CANARY-csv-1",
            1,
        );
    let mut signins: Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/signins/graph-service-principal-signins.json").unwrap(),
    )
    .unwrap();
    signins["value"][0]["appDisplayName"] = json!("nightly password=CANARY-sj-1");
    signins["value"][0]["userAgent"] = json!(format!("probe Bearer {arm}"));
    let az = json!({
        "appId": CLIENT,
        "displayName": "contoso-ci",
        "password": "CANARY-az-1",
        "tenant": TENANT,
    });
    let mut sdk =
        std::fs::read_to_string("fixtures/sdk-logs/az-debug-client-secret-invalid.log").unwrap();
    sdk.push_str(&format!(
        "DEBUG:msal.token_cache:Cache add: {{\"refresh_token\": \"CANARY-sdk-1\", \"access_token\": \"{arm}\"}}\n"
    ));
    let msal = json!({
        "AccessToken": {"k": {"credential_type": "AccessToken", "secret": arm, "home_account_id": "u.t"}},
        "RefreshToken": {"r": {"credential_type": "RefreshToken", "secret": "CANARY-msal-r"}},
        "IdToken": {"i": {"credential_type": "IdToken", "secret": nested}},
        "Account": {"u.t": {"username": "user@contoso.com"}},
    });
    let pretty = |v: &Value| serde_json::to_vec_pretty(v).unwrap();
    vec![
        Input {
            name: "text",
            file: "paste.txt",
            bytes: shapes.into_bytes(),
            json: false,
        },
        Input {
            name: "json-body",
            file: "body.json",
            bytes: pretty(&body),
            json: true,
        },
        Input {
            name: "har",
            file: "session.har",
            bytes: har.clone().into_bytes(),
            json: true,
        },
        // A line of text, then two HARs one after the other: what a ticket's attachment may be.
        Input {
            name: "hars-after-text",
            file: "attached.har",
            bytes: har.into_bytes(),
            json: true,
        },
        Input {
            name: "signins-csv",
            file: "signins.csv",
            bytes: csv.into_bytes(),
            json: false,
        },
        Input {
            name: "signins-json",
            file: "signins.json",
            bytes: pretty(&signins),
            json: true,
        },
        Input {
            name: "az",
            file: "az.json",
            bytes: pretty(&az),
            json: true,
        },
        Input {
            name: "sdk-log",
            file: "sdk.log",
            bytes: sdk.into_bytes(),
            json: false,
        },
        Input {
            name: "jwt",
            file: "token.jwt",
            bytes: format!("{nested}\n").into_bytes(),
            json: false,
        },
        Input {
            name: "msal-cache",
            file: "msal_cache.json",
            bytes: pretty(&msal),
            json: true,
        },
    ]
}

fn carries_secret(s: &str) -> bool {
    s.contains("eyJ") || MARKERS.iter().any(|m| s.contains(m))
}

/// JSON: string values that carry no planted secret, and are not what says how to read one (a
/// header's or cookie's `name`, a body's `encoding`), are mutated; keys and structure stay.
fn mutate_json(rng: &mut Rng, v: &mut Value, key: Option<&str>) {
    match v {
        Value::String(s) => {
            let structural = matches!(
                key,
                Some("name" | "encoding" | "mimeType" | "credential_type")
            );
            if !structural && !carries_secret(s) && rng.below(4) == 0 {
                let m = mutate(rng, s.as_bytes(), b"client_secret=&eyJ%22");
                *s = String::from_utf8_lossy(&m).into_owned();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mutate_json(rng, x, key)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                mutate_json(rng, x, Some(k));
            }
        }
        _ => {}
    }
}

/// Text: lines that carry a planted secret stay whole (a PEM block with its lines); the others
/// are mutated, noise is added, and the line ends change.
fn mutate_text(rng: &mut Rng, text: &str, shuffle: bool) -> Vec<u8> {
    let mut units: Vec<Vec<u8>> = Vec::new();
    let mut in_pem = false;
    for line in text.lines() {
        if in_pem {
            units
                .last_mut()
                .unwrap()
                .extend_from_slice(format!("\n{line}").as_bytes());
            in_pem = !line.starts_with("-----END");
            continue;
        }
        in_pem = line.starts_with("-----BEGIN");
        if carries_secret(line) || in_pem {
            units.push(line.as_bytes().to_vec());
        } else {
            units.push(mutate(rng, line.as_bytes(), b"AADSTS50011 Bearer x%22"));
        }
        // Noise between units, never inside a PEM block (that would cut the key from its
        // BEGIN line: a bare line of text, which no redactor can know for a key).
        if !in_pem && rng.below(5) == 0 {
            units.push(mutate(rng, b"2026-11-24 10:00:00 INFO noise", b"=:;\"'"));
        }
    }
    if shuffle {
        for k in (1..units.len()).rev() {
            units.swap(k, rng.below(k + 1));
        }
    }
    let eol: &[u8] = if rng.below(2) == 0 { b"\n" } else { b"\r\n" };
    let mut out = Vec::new();
    for u in units {
        // Keep every unit on a line of its own: a mutation may have added line breaks, never
        // removed the one before a planted secret.
        out.extend_from_slice(&u);
        out.extend_from_slice(eol);
    }
    out
}

fn mutant(rng: &mut Rng, input: &Input, round: usize) -> Vec<u8> {
    if input.name == "hars-after-text" {
        let har: Value = serde_json::from_slice(&input.bytes).unwrap();
        let mut out = b"Here is the HAR you asked for:".to_vec();
        if round > 0 {
            out = mutate(rng, &out, b"=:\"");
            out.retain(|b| *b != b'\n' && *b != b'\r');
        }
        out.push(b'\n');
        for _ in 0..2 {
            let mut v = har.clone();
            if round > 0 {
                mutate_json(rng, &mut v, None);
            }
            out.extend(serde_json::to_vec_pretty(&v).unwrap());
            out.push(b'\n');
        }
        return out;
    }
    if round == 0 {
        return input.bytes.clone();
    }
    let text = String::from_utf8_lossy(&input.bytes).into_owned();
    if input.json {
        let mut v: Value = serde_json::from_str(&text).unwrap();
        mutate_json(rng, &mut v, None);
        if rng.below(2) == 0 {
            serde_json::to_vec(&v).unwrap()
        } else {
            serde_json::to_vec_pretty(&v).unwrap()
        }
    } else if input.name == "jwt" {
        let t = text.trim();
        let wrapped = match rng.below(4) {
            0 => format!("Bearer {t}"),
            1 => format!("\"{t}\""),
            2 => format!("{t}{t}"),
            _ => format!("token: {t}."),
        };
        wrapped.into_bytes()
    } else {
        mutate_text(rng, &text, input.name != "signins-csv")
    }
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = authcheck();
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().expect("run authcheck");
    if let Some(bytes) = stdin {
        let mut w = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&bytes);
        });
    }
    child.wait_with_output().unwrap()
}

fn leaks(what: &str, bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    MARKERS.iter().find(|m| text.contains(*m)).map(|m| {
        let line = text.lines().find(|l| l.contains(m)).unwrap_or("");
        format!(
            "{what}: {m} in {:?}",
            line.chars().take(300).collect::<String>()
        )
    })
}

fn check(failures: &mut Vec<String>, what: &str, o: &Output) {
    if o.status.code().is_none_or(|c| c > 3) {
        failures.push(format!("{what}: exit {:?}", o.status.code()));
    }
    failures.extend(leaks(&format!("{what} stdout"), &o.stdout));
    failures.extend(leaks(&format!("{what} stderr"), &o.stderr));
}

/// One run: what it is, its arguments, its standard input, and a file it writes.
type Job = (
    String,
    Vec<String>,
    Option<Vec<u8>>,
    Option<std::path::PathBuf>,
);

fn rounds() -> usize {
    std::env::var("AUTHCHECK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map(|n| n.div_ceil(3).max(1))
        .unwrap_or(3)
}

#[test]
fn no_canary_leaves_by_any_command_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(seed() ^ 0xCA9A_21E5);
    let inputs = inputs();
    // (what, argv, stdin, a file the command writes)
    let mut jobs: Vec<Job> = Vec::new();
    for round in 0..rounds() {
        for input in &inputs {
            let bytes = mutant(&mut rng, input, round);
            let path = dir.path().join(format!("{round}-{}", input.file));
            std::fs::write(&path, &bytes).unwrap();
            let p = path.display().to_string();
            let tag = format!("round {round} {}", input.name);
            for f in FORMATS {
                // Each format once with the evidence and once without, alternating by round.
                let evidence = (round + f.len()) % 2 == 0;
                let mut argv = vec![
                    "triage".to_string(),
                    p.clone(),
                    "--format".into(),
                    f.to_string(),
                ];
                if evidence {
                    argv.push("--show-evidence".into());
                }
                jobs.push((
                    format!("{tag}: triage --format {f} (evidence {evidence})"),
                    argv,
                    None,
                    None,
                ));
            }
            // Standard input as well as a file (in the first round: the budget is for mutants).
            if round == 0 {
                jobs.push((
                    format!("{tag}: triage - --show-evidence"),
                    vec![
                        "triage".into(),
                        "-".into(),
                        "--format".into(),
                        "json".into(),
                        "--show-evidence".into(),
                    ],
                    Some(bytes.clone()),
                    None,
                ));
            }
            jobs.push((
                format!("{tag}: redact"),
                vec!["redact".into(), p.clone()],
                None,
                None,
            ));
            let out = dir.path().join(format!("{round}-{}.redacted", input.file));
            jobs.push((
                format!("{tag}: redact -o"),
                vec![
                    "redact".into(),
                    p.clone(),
                    "-o".into(),
                    out.display().to_string(),
                    "--format".into(),
                    "json".into(),
                ],
                None,
                Some(out),
            ));
            if matches!(input.name, "jwt" | "text" | "msal-cache" | "json-body") {
                let f = FORMATS[rng.below(FORMATS.len())];
                jobs.push((
                    format!("{tag}: decode --format {f}"),
                    vec![
                        "decode".into(),
                        p.clone(),
                        "--format".into(),
                        f.into(),
                        "--show-evidence".into(),
                    ],
                    None,
                    None,
                ));
            }
        }
    }
    for subject in [
        "client_secret=CANARY-explain-1".to_string(),
        jwt("explain", ""),
        format!("AADSTS7000215 {}", jwt("explain2", "")),
    ] {
        for f in ["text", "json"] {
            jobs.push((
                format!("explain {f}"),
                vec![
                    "explain".into(),
                    subject.clone(),
                    "--format".into(),
                    f.into(),
                ],
                None,
                None,
            ));
        }
    }
    let n = jobs.len();
    // Two workers: the machine's cores, never more.
    let jobs = std::sync::Mutex::new(jobs);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some((what, argv, stdin, written)) = jobs.lock().unwrap().pop() else {
                    break;
                };
                let args: Vec<&str> = argv.iter().map(String::as_str).collect();
                let o = run(&args, stdin.as_deref());
                let mut f = Vec::new();
                check(&mut f, &what, &o);
                if let Some(w) = written.filter(|w| w.exists()) {
                    f.extend(leaks(&format!("{what} file"), &std::fs::read(w).unwrap()));
                }
                failures.lock().unwrap().extend(f);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    if !failures.is_empty() {
        // Keep the inputs (`<round>-<file>`) to replay: the temporary folder goes with the test.
        let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/fuzz-failures/canary-property");
        let _ = std::fs::create_dir_all(&keep);
        for e in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let _ = std::fs::copy(e.path(), keep.join(e.file_name()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} runs leaked:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n >= 200, "only {n} cases");
}

#[test]
fn no_canary_reaches_the_simulator_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sim.log");
    let sim = sim_common::SimProc::start("healthy", &["--log", log.to_str().unwrap()]);
    let authority = sim.s("authority");
    let mut rng = Rng(seed() ^ 0x5113);
    let glued = format!("{}.{}", jwt("a", ""), jwt("b", ""));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut sent = 0;
    rt.block_on(async {
        let c = sim_common::http();
        for i in 0..12 {
            let noise = String::from_utf8_lossy(&mutate(&mut rng, b"probe", b"%;="))
                .replace(['\r', '\n', '\0'], "");
            let url = match i % 4 {
                0 => format!(
                    "{authority}/{TENANT}/oauth2/v2.0/token?sig=CANARY-q{i}&n={}",
                    urlenc(&noise)
                ),
                1 => format!("{authority}/graph/v1.0/me?code=CANARY-c{i}"),
                2 => format!("{authority}/{TENANT}/oauth2/authorize?x={glued}"),
                _ => format!("{authority}/arm/subscriptions?client_secret=CANARY-s{i}"),
            };
            let r = c
                .post(url)
                .header(
                    "User-Agent",
                    format!(
                        "{} password=CANARY-ua{i}",
                        noise.replace(|c: char| !c.is_ascii_graphic(), "")
                    ),
                )
                .header("Origin", format!("https://u:CANARY-o{i}@app.contoso.com"))
                .header("client-request-id", jwt("rid", ""))
                .header("Authorization", format!("Bearer {glued}"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(if i % 2 == 0 {
                    format!("client_secret=CANARY-f{i}&grant_type=client_credentials")
                } else {
                    format!("{{\"client_secret\": \"CANARY-j{i}\", \"code\": \"CANARY-k{i}\"}}")
                })
                .send()
                .await;
            if r.is_ok() {
                sent += 1;
            }
        }
    });
    drop(sim);
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), sent, "{text}");
    assert!(leaks("sim log", text.as_bytes()).is_none(), "{text}");
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
