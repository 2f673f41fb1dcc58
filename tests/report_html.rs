//! The HTML report in a real browser: Debian's headless Chromium, driven through chromedriver
//! (`tests/support/browser.rs`). For a pasted error, a HAR, a sign-in export, a doctor run against
//! the simulator, a doctor run that could not diagnose and the demo, the same input is reported as
//! JSON and as HTML; each page is loaded from a file (`file://`) and must show no console error, and
//! its findings, fix commands, checks, chart buckets and exchanges must be those of the JSON.
//! Attacker-controlled text in a paste must appear as text and never run. Screenshots (wide, phone
//! width, print, dark) are kept under `target/test-artifacts/report_html/`.
//!
//! Without Chromium and chromedriver these tests fail and say how to install them.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

#[path = "support/browser.rs"]
mod browser;
mod sim_common;

use browser::Browser;

/// Fixed judging time, as the other report tests use.
const NOW: &str = "2026-11-24T12:00:00Z";

/// One browser at a time: the machines that run these have two cores.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artifacts() -> PathBuf {
    let d = root().join("target/test-artifacts/report_html");
    std::fs::create_dir_all(&d).expect("artifact folder");
    d
}

/// Runs authcheck with `args` (and `stdin`), returning stdout and the exit code.
fn run(args: &[&str], stdin: Option<&str>, env: &[(String, String)], clear: bool) -> (String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    cmd.args(args).current_dir(root());
    if clear {
        cmd.env_clear();
    }
    if args.first() == Some(&"triage") {
        // Pastes are judged at a fixed time; the doctor judges the simulator's fresh tokens
        // at the clock, as a live run does.
        cmd.env("AUTHCHECK_NOW", NOW);
    }
    cmd.env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("authcheck runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("internal error"),
        "authcheck {args:?} panicked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (stdout, out.status.code().unwrap_or(-1))
}

/// The same input as JSON and as an HTML file (written under the artifacts folder).
struct Pair {
    json: Value,
    html: PathBuf,
}

fn report_pair(
    name: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(String, String)],
    clear: bool,
) -> Pair {
    let mut j = args.to_vec();
    j.extend(["--format", "json"]);
    let (json, code_json) = run(&j, stdin, env, clear);
    let mut h = args.to_vec();
    h.extend(["--format", "html"]);
    let (html, code_html) = run(&h, stdin, env, clear);
    assert_eq!(
        code_json, code_html,
        "{name}: the format changes the exit code"
    );
    let json: Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("{name}: JSON report does not parse: {e}"));
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{name}: not an HTML page"
    );
    let path = artifacts().join(format!("{name}.html"));
    std::fs::write(&path, &html).unwrap();
    Pair { json, html: path }
}

/// What the page shows of every finding, read from the DOM.
const DOM_FINDINGS: &str = r#"
return Array.from(document.querySelectorAll('#findings article.finding')).map(a => ({
  rule: a.dataset.rule,
  severity: a.dataset.severity,
  confidence: a.dataset.confidence,
  title: a.querySelector('.title').textContent,
  message: a.querySelector('.message').textContent,
  evidence: Array.from(a.querySelectorAll('dl.evidence dt')).map(d => d.textContent),
  fix: Array.from(a.querySelectorAll('ol.fix > li')).map(li => ({
    text: li.querySelector('.step').textContent,
    command: li.querySelector('code.command') ? li.querySelector('code.command').textContent : null,
    copy: !!li.querySelector('button.copy:not([hidden])'),
  })),
}));
"#;

/// The findings and fixes on the page are those of the JSON report, in the same order.
fn assert_findings_match(b: &Browser, name: &str, json: &Value) {
    let dom = b.js(DOM_FINDINGS);
    let want = json["findings"].as_array().expect("findings");
    let got = dom.as_array().expect("DOM findings");
    assert_eq!(got.len(), want.len(), "{name}: number of findings");
    for (g, w) in got.iter().zip(want) {
        let rule = w["rule"].as_str().unwrap();
        for k in ["rule", "severity", "confidence", "title", "message"] {
            assert_eq!(g[k], w[k], "{name}: finding {rule}: {k}");
        }
        let paths: Vec<&Value> = w["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["path"])
            .collect();
        let shown: Vec<&Value> = g["evidence"].as_array().unwrap().iter().collect();
        assert_eq!(shown, paths, "{name}: finding {rule}: evidence");
        let fix_w = w["fix"].as_array().unwrap();
        let fix_g = g["fix"].as_array().unwrap();
        assert_eq!(
            fix_g.len(),
            fix_w.len(),
            "{name}: finding {rule}: fix steps"
        );
        for (fg, fw) in fix_g.iter().zip(fix_w) {
            assert_eq!(fg["text"], fw["text"], "{name}: {rule}: fix text");
            let cmd = fw.get("command").cloned().unwrap_or(Value::Null);
            assert_eq!(fg["command"], cmd, "{name}: {rule}: fix command");
            assert_eq!(
                fg["copy"],
                Value::Bool(!cmd.is_null()),
                "{name}: {rule}: a copy button for each command, and only there"
            );
        }
    }
}

/// The checks list: one line per check with its mark.
fn assert_checks_match(b: &Browser, name: &str, json: &Value) {
    let dom = b.js(
        "return Array.from(document.querySelectorAll('ul.checks li')).map(li => [li.dataset.status, li.querySelector('.mark').textContent, li.querySelector('.name').textContent, li.querySelector('.detail').textContent]);",
    );
    let want = json["checks"].as_array().unwrap();
    let got = dom.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{name}: number of checks");
    for (g, w) in got.iter().zip(want) {
        let mark = match w["status"].as_str().unwrap() {
            "ok" => "✓",
            "failed" => "✗",
            _ => "–",
        };
        assert_eq!(g[0], w["status"], "{name}: check status");
        assert_eq!(g[1], mark, "{name}: check mark");
        assert_eq!(g[2], w["name"], "{name}: check name");
        assert_eq!(g[3], w["detail"], "{name}: check detail");
    }
}

/// One mark per time bucket, each with the JSON bucket's total, and the bars drawn.
fn assert_chart_matches(b: &Browser, name: &str, json: &Value) -> usize {
    let series = &json["timeline"]["failures"];
    let buckets = series["buckets"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: the JSON report has no timeline.failures"));
    let dom = b.js(
        "return Array.from(document.querySelectorAll('#over-time svg.chart g.bucket')).map(g => ({total: Number(g.dataset.total), start: Number(g.dataset.start), height: g.getBBox().height, width: g.getBBox().width}));",
    );
    let got = dom.as_array().unwrap();
    assert_eq!(got.len(), buckets.len(), "{name}: one mark per time bucket");
    for (g, w) in got.iter().zip(buckets) {
        let total: i64 = w["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_i64().unwrap())
            .sum();
        assert_eq!(g["total"].as_i64(), Some(total), "{name}: bucket total");
        assert_eq!(g["start"], w["start"], "{name}: bucket start");
        assert!(
            g["height"].as_f64().unwrap() > 0.0 && g["width"].as_f64().unwrap() > 0.0,
            "{name}: every bucket's mark is drawn: {g}"
        );
    }
    let legend = b.js("return document.querySelectorAll('#over-time ul.legend li').length;");
    assert_eq!(
        legend.as_u64(),
        Some(series["codes"].as_array().unwrap().len() as u64),
        "{name}: one legend entry per code"
    );
    buckets.len()
}

/// Loads the page, checks it has no console error, and keeps screenshots: wide, phone, print, dark.
fn load_and_shoot(b: &Browser, name: &str, html: &Path) {
    b.emulate("", "light");
    b.resize(1280, 900);
    b.open(html);
    let errors = b.errors();
    assert!(errors.is_empty(), "{name}: console errors: {errors:?}");
    let scripts = b.js("return document.scripts.length;");
    assert_eq!(
        scripts.as_u64(),
        Some(1),
        "{name}: only the report's own script"
    );
    let external = b.js(
        "return Array.from(document.querySelectorAll('[src],link[href]')).map(e => e.outerHTML);",
    );
    assert_eq!(external, Value::Array(vec![]), "{name}: loads nothing");
    let dup_ids = b.js(
        "const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id); return ids.filter((x, i) => ids.indexOf(x) !== i);",
    );
    assert_eq!(
        dup_ids,
        Value::Array(vec![]),
        "{name}: element ids are unique"
    );
    let dead_links = b.js(
        "return Array.from(document.querySelectorAll('a[href^=\"#\"]')).map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1)));",
    );
    assert_eq!(
        dead_links,
        Value::Array(vec![]),
        "{name}: links within the page lead somewhere"
    );
    let dir = artifacts();
    b.screenshot(&dir.join(format!("{name}-wide.png")));
    // Phone width: nothing wider than the screen.
    b.resize(390, 844);
    let overflow =
        b.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "{name}: the page scrolls sideways at phone width by {overflow} px"
    );
    b.screenshot(&dir.join(format!("{name}-phone.png")));
    b.resize(1280, 900);
    b.emulate("print", "light");
    let hidden = b.js(
        "return Array.from(document.querySelectorAll('button.copy')).every(x => getComputedStyle(x).display === 'none');",
    );
    assert_eq!(
        hidden,
        Value::Bool(true),
        "{name}: copy buttons are not printed"
    );
    b.screenshot(&dir.join(format!("{name}-print.png")));
    b.emulate("", "dark");
    let bg = b.js("return getComputedStyle(document.body).backgroundColor;");
    assert_eq!(
        bg.as_str(),
        Some("rgb(13, 17, 23)"),
        "{name}: dark mode follows the system"
    );
    b.screenshot(&dir.join(format!("{name}-dark.png")));
    b.emulate("", "light");
    let errors = b.errors();
    assert!(errors.is_empty(), "{name}: console errors: {errors:?}");
}

fn verdict(b: &Browser) -> String {
    b.js("return document.querySelector('#verdict').textContent;")
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The verdict comes before anything else in the report.
fn assert_verdict_first(b: &Browser, name: &str) {
    let first = b.js("return document.querySelector('header').nextElementSibling.id;");
    assert_eq!(first.as_str(), Some("verdict"), "{name}: the verdict first");
}

#[test]
fn a_pasted_error() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let text =
        std::fs::read_to_string(root().join("fixtures/text/az-cli-app-not-found.txt")).unwrap();
    let p = report_pair("paste", &["triage", "-"], Some(&text), &[], false);
    assert!(!p.json["findings"].as_array().unwrap().is_empty());
    let b = Browser::start();
    load_and_shoot(&b, "paste", &p.html);
    assert_verdict_first(&b, "paste");
    assert_findings_match(&b, "paste", &p.json);
    let top = p.json["findings"][0]["title"].as_str().unwrap();
    assert!(
        verdict(&b).contains(top),
        "the verdict names the top finding"
    );
    // A copy button does its work without an error (the clipboard, or the fallback).
    b.js("window.__copyAnswer = new Promise(done => { const btn = document.querySelector('button.copy'); new MutationObserver(() => done(btn.textContent)).observe(btn, {childList: true, characterData: true, subtree: true}); });");
    b.click("button.copy");
    // The clipboard answers asynchronously: wait for the button's label to change.
    let label = b.js_async("window.__copyAnswer.then(arguments[arguments.length - 1]);");
    assert!(
        matches!(label.as_str(), Some("Copied") | Some("Select and copy")),
        "the copy button answered: {label}"
    );
    eprintln!("copy button: {label}");
    let errors = b.errors();
    assert!(
        errors.is_empty(),
        "console errors after copying: {errors:?}"
    );
}

#[test]
fn a_har() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let p = report_pair(
        "har",
        &["triage", "fixtures/har/edge-arm-authorization-failed.har"],
        None,
        &[],
        false,
    );
    let b = Browser::start();
    load_and_shoot(&b, "har", &p.html);
    assert_verdict_first(&b, "har");
    assert_findings_match(&b, "har", &p.json);
    assert_checks_match(&b, "har", &p.json);
    assert_chart_matches(&b, "har", &p.json);
    let exchanges = p.json["timeline"]["exchanges"].as_array().unwrap();
    let dom = b.js("return Array.from(document.querySelectorAll('ol.exchanges li')).map(li => [Number(li.dataset.entry), li.classList.contains('failed'), li.classList.contains('diagnosed')]);");
    let dom = dom.as_array().unwrap();
    assert_eq!(
        dom.len(),
        exchanges.len(),
        "one timeline entry per exchange"
    );
    assert!(exchanges.len() >= 2, "token endpoint and API calls");
    for (g, w) in dom.iter().zip(exchanges) {
        assert_eq!(g[0], w["entry"]);
        assert_eq!(g[1], w["failed"]);
        assert_eq!(g[2], w["diagnosed"]);
    }
    assert_eq!(
        dom.iter().filter(|g| g[2] == true).count(),
        1,
        "exactly one exchange is marked as the failing one"
    );
    let kinds = b.js("return Array.from(document.querySelectorAll('ol.exchanges li .kind')).map(k => k.textContent);");
    let kinds: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        kinds.contains(&"token endpoint") && kinds.contains(&"API"),
        "{kinds:?}"
    );
}

#[test]
fn a_sign_in_export() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let p = report_pair(
        "signins",
        &[
            "triage",
            "fixtures/signins/portal-user-assignment-required.csv",
        ],
        None,
        &[],
        false,
    );
    let b = Browser::start();
    load_and_shoot(&b, "signins", &p.html);
    assert_verdict_first(&b, "signins");
    assert_findings_match(&b, "signins", &p.json);
    assert_checks_match(&b, "signins", &p.json);
    let n = assert_chart_matches(&b, "signins", &p.json);
    assert!(n > 4, "a day of sign-ins makes several buckets, got {n}");
    assert!(
        n as i64 <= 48,
        "buckets are coarse enough to read at phone width, got {n}"
    );
    // Every failure of the export is in some bucket (or counted as untimed).
    let s = &p.json["timeline"]["failures"];
    let in_buckets: i64 = s["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["counts"].as_array().unwrap())
        .map(|c| c.as_i64().unwrap())
        .sum();
    let untimed = s["untimed"].as_i64().unwrap_or(0);
    let failures: i64 = {
        let out = run(
            &[
                "triage",
                "fixtures/signins/portal-user-assignment-required.csv",
                "--format",
                "json",
                "--show-evidence",
            ],
            None,
            &[],
            false,
        )
        .0;
        let v: Value = serde_json::from_str(&out).unwrap();
        v["evidence"]["signins"]["failures"].as_i64().unwrap()
    };
    assert_eq!(in_buckets + untimed, failures);
}

#[test]
fn a_doctor_run_against_the_simulator() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let sim = sim_common::SimProc::start("rbac-role-missing", &[]);
    let mut args: Vec<String> = vec!["doctor".into()];
    for a in sim.info["doctor_args"].as_array().unwrap() {
        args.push(a.as_str().unwrap().to_string());
    }
    args.extend(["--no-prompt".into(), "--no-progress".into()]);
    let env: Vec<(String, String)> = sim.info["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let p = report_pair("doctor", &argv, None, &env, true);
    assert!(!p.json["checks"].as_array().unwrap().is_empty());
    let b = Browser::start();
    load_and_shoot(&b, "doctor", &p.html);
    assert_verdict_first(&b, "doctor");
    assert_findings_match(&b, "doctor", &p.json);
    assert_checks_match(&b, "doctor", &p.json);
}

#[test]
fn a_doctor_run_that_could_not_diagnose() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    // Every endpoint a closed loopback port, and no credential.
    let args = [
        "doctor",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        "3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40",
        "--api",
        "graph",
        "--authority-host",
        "http://127.0.0.1:9",
        "--graph-endpoint",
        "http://127.0.0.1:9",
        "--arm-endpoint",
        "http://127.0.0.1:9",
        "--no-prompt",
        "--no-progress",
    ];
    let path = vec![(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    )];
    let p = report_pair("doctor-undiagnosed", &args, None, &path, true);
    let why = p.json["summary"]["could_not_diagnose"]
        .as_str()
        .expect("could not diagnose");
    let b = Browser::start();
    load_and_shoot(&b, "doctor-undiagnosed", &p.html);
    assert_verdict_first(&b, "doctor-undiagnosed");
    let v = verdict(&b);
    assert!(
        v.contains("Could not diagnose") && v.contains(why),
        "verdict: {v}"
    );
    assert_checks_match(&b, "doctor-undiagnosed", &p.json);
}

#[test]
fn attacker_text_in_a_paste_is_shown_and_never_run() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let paste =
        "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>\nnothing else\n";
    let p = report_pair("attacker-text", &["triage", "-"], Some(paste), &[], false);
    assert!(
        p.json["summary"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("<script>")),
        "the empty-report note quotes the first line: {}",
        p.json["summary"]
    );
    let raw = std::fs::read_to_string(&p.html).unwrap();
    assert!(!raw.contains("<script>window"), "escaped in the file");
    assert!(raw.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
    let b = Browser::start();
    load_and_shoot(&b, "attacker-text", &p.html);
    assert_verdict_first(&b, "attacker-text");
    assert_eq!(
        b.js("return typeof window.__pwned;").as_str(),
        Some("undefined")
    );
    assert_eq!(b.js("return document.images.length;").as_u64(), Some(0));
    let v = verdict(&b);
    assert!(
        v.contains("Note:") && v.contains("<script>window.__pwned=1</script>"),
        "the text is shown as text: {v}"
    );
}

#[test]
fn the_demo() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let (json, _) = run(
        &[
            "demo",
            "admin-consent-missing",
            "healthy",
            "--format",
            "json",
        ],
        None,
        &[],
        false,
    );
    let (html, _) = run(
        &[
            "demo",
            "admin-consent-missing",
            "healthy",
            "--format",
            "html",
        ],
        None,
        &[],
        false,
    );
    let json: Value = serde_json::from_str(&json).unwrap();
    let path = artifacts().join("demo.html");
    std::fs::write(&path, html).unwrap();
    let b = Browser::start();
    load_and_shoot(&b, "demo", &path);
    let rows = b.js("return Array.from(document.querySelectorAll('details.scenario')).map(d => [d.dataset.scenario, Array.from(d.querySelectorAll('article.finding')).map(a => a.dataset.rule)]);");
    let rows = rows.as_array().unwrap();
    let want = json.as_array().unwrap();
    assert_eq!(rows.len(), want.len());
    for (g, w) in rows.iter().zip(want) {
        assert_eq!(g[0], w["scenario"]);
        let rules: Vec<Value> = w["report"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].clone())
            .collect();
        assert_eq!(g[1], Value::Array(rules));
    }
}

/// The console capture is not vacuous: a page that throws and logs an error is caught.
#[test]
fn the_browser_harness_sees_console_errors() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let path = artifacts().join("harness-error.html");
    std::fs::write(
        &path,
        "<!DOCTYPE html><title>x</title><script>console.error('logged on purpose'); throw new Error('thrown on purpose');</script>",
    )
    .unwrap();
    let b = Browser::start();
    b.open(&path);
    let errors = b.errors().join("\n");
    assert!(errors.contains("logged on purpose"), "{errors}");
    assert!(errors.contains("thrown on purpose"), "{errors}");
}

/// The HTML report passes the same redaction as every other format: no planted secret, cookie,
/// code or token signature reaches the page, whether it came in a HAR or a paste.
#[test]
fn no_secret_reaches_the_page() {
    let canaries = [
        "CANARY-COOKIE-ESTS",
        "CANARY-SETCOOKIE-FPC",
        "CANARY-PASSWORD-hunter2",
        "CANARY-SECRET-TEXT",
        "CANARY-QUERY-CODE",
        "U0lHQ0FOQVJZ",
        "CANARY-B64-REFRESH",
        "CANARY-PASTED-SECRET",
    ];
    let (har, _) = run(
        &[
            "triage",
            "fixtures/har/canaries.har",
            "--format",
            "html",
            "--show-evidence",
        ],
        None,
        &[],
        false,
    );
    assert!(
        har.contains("<section id=\"exchanges\">"),
        "the HAR's timeline is drawn"
    );
    let paste = "POST https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token\n\
                 client_id=3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40&client_secret=CANARY-PASTED-SECRET&grant_type=client_credentials\n\
                 HTTP/1.1 401\n\
                 {\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\",\"error_codes\":[7000215]}\n";
    let (pasted, _) = run(
        &["triage", "-", "--format", "html", "--show-evidence"],
        Some(paste),
        &[],
        false,
    );
    assert!(pasted.contains("7000215"), "the paste was diagnosed");
    for (name, page) in [("HAR", &har), ("paste", &pasted)] {
        for c in canaries {
            assert!(!page.contains(c), "{name}: {c} reached the HTML report");
        }
    }
}

/// Defence in depth: were some text ever written unescaped, the page's Content-Security-Policy
/// would still refuse to run it (and the refusal is a console error the tests above would see).
#[test]
fn the_page_policy_refuses_scripts_it_does_not_carry() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let text =
        std::fs::read_to_string(root().join("fixtures/text/az-cli-app-not-found.txt")).unwrap();
    let (html, _) = run(
        &["triage", "-", "--format", "html"],
        Some(&text),
        &[],
        false,
    );
    let tampered = html.replacen(
        "<section id=\"findings\">",
        "<script>window.__injected = 1;</script><img src=\"data:,x\" onerror=\"window.__injected = 2\"><section id=\"findings\">",
        1,
    );
    assert_ne!(tampered, html);
    let path = artifacts().join("tampered.html");
    std::fs::write(&path, tampered).unwrap();
    let b = Browser::start();
    b.open(&path);
    assert_eq!(
        b.js("return typeof window.__injected;").as_str(),
        Some("undefined"),
        "a script the page does not carry did not run"
    );
    let errors = b.errors().join("\n");
    assert!(
        errors.contains("Content Security Policy"),
        "the refusal is reported: {errors}"
    );
    // The page's own script still ran: copy buttons are shown.
    assert_eq!(
        b.js("return document.querySelectorAll('button.copy:not([hidden])').length > 0;"),
        Value::Bool(true)
    );
}
