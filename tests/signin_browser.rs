//! The simulator's sign-in pages completed in a real browser: headless Chromium driven through
//! chromedriver (`tests/support/browser.rs`) while the real binary's `doctor` waits for the
//! sign-in, against the real binary's `sim` on loopback.
//!
//! (a) Device code: the doctor polls `/token` while the browser opens the verification page,
//!     enters the user code, then the account, password and MFA pages.
//! (b) Browser sign-in: the doctor's `$BROWSER` is a tiny script that only writes the authorize
//!     URL to a file; Chromium then opens that URL and goes through account → password → MFA →
//!     consent, and the simulator's redirect brings it back to the doctor's loopback listener.
//!
//! On every page: no console error and no uncaught exception. Screenshots of each page are kept
//! under `target/test-artifacts/signin_browser/`. No test asserts a duration; loops are bounded
//! hang guards. Without Chromium and chromedriver these tests fail and say how to install them.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/doctor_run.rs"]
mod doctor_run;
mod sim_common;
use doctor_run::start_doctor;

use browser::Browser;
use serde_json::Value;
use sim_common::SimProc as Sim;
use std::path::{Path, PathBuf};
use std::time::Duration;

const UPN: &str = "alice@contoso.onmicrosoft.com";
const PASSWORD: &str = "Sim-Fixture-Passw0rd!";
const MFA_CODE: &str = "246810";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artifacts() -> PathBuf {
    let d = root().join("target/test-artifacts/signin_browser");
    std::fs::create_dir_all(&d).expect("artifact folder");
    d
}

fn scenario(name: &str) -> PathBuf {
    root().join(format!("fixtures/scenarios/signin/{name}.toml"))
}

fn check<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {}", r["checks"]))
}

/// What a page asks for, read from its DOM.
fn page_kind(b: &Browser) -> String {
    b.js(r#"
        const q = (s) => document.querySelector(s) !== null;
        if (q('form[action*="deviceauth"] input[name="otc"]')) return 'device-code';
        if (q('button[name="continue"]')) return 'continue';
        if (q('input[name="login"]')) return 'account';
        if (q('input[name="passwd"]')) return 'password';
        if (q('input[name="otc"]')) return 'mfa';
        if (q('button[name="consent"]')) return 'consent';
        return 'end';
    "#)
        .as_str()
        .unwrap_or("end")
        .to_string()
}

/// Clicks `css` and waits until a new document has replaced this one and finished loading (the
/// marker set on the old document is gone): a bounded hang guard, not a timing.
fn click_and_wait(b: &Browser, css: &str) {
    b.js("window.__signinStep = true; return null;");
    b.click(css);
    for _ in 0..600 {
        let v =
            b.js("return window.__signinStep === undefined && document.readyState === 'complete';");
        if v == Value::Bool(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "the page did not move on after clicking {css} (at {})",
        b.url()
    );
}

/// Console errors of the page. The simulator's pages and the doctor's loopback page declare an
/// empty icon, so the browser asks no host for a favicon that is not there.
fn page_errors(b: &Browser) -> Vec<String> {
    b.errors()
}

/// Completes the sign-in pages the browser shows, the way a person would, screenshotting each.
/// Returns the pages seen (by kind) and the text of the last one.
fn complete(b: &Browser, prefix: &str, user_code: Option<&str>) -> (Vec<String>, String) {
    let dir = artifacts();
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    for i in 0..12 {
        let kind = page_kind(b);
        b.screenshot(&dir.join(format!("{prefix}-{i:02}-{kind}.png")));
        for e in page_errors(b) {
            errors.push(format!("{kind}: {e}"));
        }
        seen.push(kind.clone());
        match kind.as_str() {
            "device-code" => {
                b.fill("input[name=\"otc\"]", user_code.expect("a user code"));
                click_and_wait(b, "input[type=\"submit\"]");
            }
            "continue" => click_and_wait(b, "button[name=\"continue\"][value=\"yes\"]"),
            "account" => {
                b.fill("input[name=\"login\"]", UPN);
                click_and_wait(b, "input[type=\"submit\"]");
            }
            "password" => {
                b.fill("input[name=\"passwd\"]", PASSWORD);
                click_and_wait(b, "input[type=\"submit\"]");
            }
            "mfa" => {
                b.fill("input[name=\"otc\"]", MFA_CODE);
                click_and_wait(b, "input[type=\"submit\"]");
            }
            "consent" => click_and_wait(b, "button[name=\"consent\"][value=\"accept\"]"),
            _ => {
                assert!(
                    errors.is_empty(),
                    "console errors on the pages: {errors:#?}"
                );
                let text = b
                    .js("return document.body ? document.body.innerText : '';")
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                return (seen, text);
            }
        }
    }
    panic!("the sign-in pages did not end; saw {seen:?} at {}", b.url());
}

/// `kinds` appear in `seen` in this order (other pages may come between).
fn in_order(seen: &[String], kinds: &[&str]) -> bool {
    let mut it = seen.iter();
    kinds.iter().all(|k| it.any(|s| s == k))
}

fn assert_no_secrets(r: &Value, stderr: &str) {
    let text = format!("{r}\n{stderr}");
    for canary in [PASSWORD, MFA_CODE, "eyJ0eXAi", "code_verifier"] {
        assert!(!text.contains(canary), "{canary} printed:\n{text}");
    }
}

/// (a) The device authorization grant: the doctor polls while the browser signs in.
#[test]
fn device_code_completed_in_chromium_while_the_doctor_polls() {
    let sim = Sim::start(scenario("device-code-mfa").to_str().unwrap(), &[]);
    let mut d = start_doctor(&sim.info, &[], &[]);
    let line = d.line_with("enter the code");
    let word_after = |marker: &str| {
        line.split(marker)
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("no {marker:?} in {line}"))
            .to_string()
    };
    let url = word_after("open the page ");
    let code = word_after("enter the code ");
    let b = Browser::start();
    b.goto(&url);
    let (seen, last) = complete(&b, "device-code", Some(&code));
    assert!(
        in_order(&seen, &["device-code", "account", "password", "mfa"]),
        "{seen:?}"
    );
    assert!(last.contains("You have signed in"), "{last}");
    let (exit, r, stderr) = d.finish();
    assert_eq!(
        check(&r, "token.request")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert_eq!(
        check(&r, "dataplane.call")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert!(
        r["findings"].as_array().unwrap().is_empty(),
        "{}",
        r["findings"]
    );
    assert_eq!(exit, 0, "{stderr}");
    assert_no_secrets(&r, &stderr);
}

/// A `$BROWSER` that opens nothing: it writes the URL it was given to `out` and succeeds.
fn url_writer(dir: &Path, out: &Path) -> PathBuf {
    let script = dir.join("write-url.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}'\n", out.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script
}

/// (b) Authorization code with PKCE: account → password → MFA → consent in Chromium, back to the
/// doctor's loopback redirect URI.
#[test]
fn browser_sign_in_with_mfa_and_consent_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    // The consent scenario, with a user who must do MFA.
    let text = std::fs::read_to_string(scenario("browser-signin")).unwrap();
    assert!(text.contains("mfa = false"), "the scenario changed");
    let text = text
        .replace("mfa = false", "mfa = true")
        .replace("name = \"browser-signin\"", "name = \"browser-signin-mfa\"");
    let file = dir.path().join("browser-signin-mfa.toml");
    std::fs::write(&file, text).unwrap();
    let url_file = dir.path().join("url.txt");
    let opener = url_writer(dir.path(), &url_file);

    let sim = Sim::start(file.to_str().unwrap(), &[]);
    let mut d = start_doctor(&sim.info, &[], &[("BROWSER", opener.to_str().unwrap())]);
    // The doctor believes a browser opened; the URL is in the file the script wrote.
    d.line_with("A web browser has been opened");
    let url = std::fs::read_to_string(&url_file)
        .expect("the $BROWSER script ran")
        .trim()
        .to_string();
    assert!(url.contains("code_challenge_method=S256"), "{url}");

    let b = Browser::start();
    b.goto(&url);
    let (seen, last) = complete(&b, "browser", None);
    assert!(
        in_order(&seen, &["account", "password", "mfa", "consent"]),
        "{seen:?}"
    );
    let at = b.url();
    assert!(
        at.starts_with("http://localhost:") || at.starts_with("http://127.0.0.1:"),
        "{at}"
    );
    assert!(last.contains("Sign-in finished"), "{last}");
    let (exit, r, stderr) = d.finish();
    assert_eq!(
        check(&r, "token.request")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert_eq!(
        check(&r, "dataplane.call")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert!(
        r["findings"].as_array().unwrap().is_empty(),
        "{}",
        r["findings"]
    );
    assert_eq!(exit, 0, "{stderr}");
    assert_no_secrets(&r, &stderr);
}
