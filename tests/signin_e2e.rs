//! Delegated sign-in end to end: the real binary's `doctor --credential device-code|browser`
//! against the real binary's `sim`, over HTTP on loopback, while a test "person" completes the
//! simulator's HTML sign-in pages with plain form posts (reqwest, no browser). The scenarios are
//! `fixtures/scenarios/signin/*.toml`.
//!
//! Also the simulator's side alone: the device-code endpoints (v2 and v1 shapes, every polling
//! answer) and the authorization code with PKCE (a wrong verifier, a reused code).
//!
//! No test asserts a duration; a guard only kills a run that hangs far past the sign-in's own
//! limits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[path = "support/doctor_run.rs"]
mod doctor_run;
mod sim_common;
use doctor_run::start_doctor;
use sim_common::SimProc as Sim;

const UPN: &str = "alice@contoso.onmicrosoft.com";
const PASSWORD: &str = "Sim-Fixture-Passw0rd!";
const MFA_CODE: &str = "246810";

fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios/signin")
        .join(format!("{name}.toml"))
        .display()
        .to_string()
}

/// A form on a sign-in page: where it posts, its hidden fields, its inputs and buttons.
struct Form {
    action: String,
    hidden: Vec<(String, String)>,
    names: Vec<String>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let i = tag.find(&key)? + key.len();
    let end = tag[i..].find('"')? + i;
    Some(
        tag[i..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn read_form(page: &str) -> Option<Form> {
    let start = page.find("<form")?;
    let end = page[start..].find("</form>")? + start;
    let html = &page[start..end];
    let action = attr(&html[..html.find('>')?], "action")?;
    let mut hidden = vec![];
    let mut names = vec![];
    for piece in html.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap_or("");
        if !(tag.starts_with("input") || tag.starts_with("button")) {
            continue;
        }
        let Some(n) = attr(tag, "name") else { continue };
        if attr(tag, "type").as_deref() == Some("hidden") {
            hidden.push((n, attr(tag, "value").unwrap_or_default()));
        } else {
            names.push(n);
        }
    }
    Some(Form {
        action,
        hidden,
        names,
    })
}

/// What the person does at each page.
#[derive(Clone, Copy, PartialEq)]
enum Person {
    SignIn,
    Cancel,
    DeclineConsent,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Runs one future to completion (the tests themselves stay synchronous: they wait on processes).
fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Completes the pages from `url` (answering `user_code` first when given). Returns the redirect
/// an authorize flow ends with, and the last page's text.
fn complete(
    base: &str,
    url: &str,
    user_code: Option<&str>,
    person: Person,
) -> (Option<String>, String) {
    block(complete_async(base, url, user_code, person))
}

async fn complete_async(
    base: &str,
    url: &str,
    user_code: Option<&str>,
    person: Person,
) -> (Option<String>, String) {
    let c = client();
    let mut resp = c.get(url).send().await.unwrap();
    if let Some(code) = user_code {
        let page = resp.text().await.unwrap();
        let f = read_form(&page).expect("the verification page has a form");
        assert!(f.names.contains(&"otc".to_string()), "{page}");
        resp = c
            .post(format!("{base}{}", f.action))
            .form(&[("otc", code)])
            .send()
            .await
            .unwrap();
    }
    for _ in 0..10 {
        if let Some(l) = resp.headers().get("location") {
            return (Some(l.to_str().unwrap().to_string()), String::new());
        }
        let page = resp.text().await.unwrap();
        let Some(f) = read_form(&page) else {
            return (None, page);
        };
        let mut data = f.hidden.clone();
        let has = |n: &str| f.names.iter().any(|x| x == n);
        if has("continue") {
            data.push((
                "continue".into(),
                if person == Person::Cancel {
                    "no"
                } else {
                    "yes"
                }
                .into(),
            ));
        } else if has("login") {
            data.push(("login".into(), UPN.into()));
        } else if has("passwd") {
            data.push(("passwd".into(), PASSWORD.into()));
        } else if has("otc") {
            data.push(("otc".into(), MFA_CODE.into()));
        } else if has("consent") {
            let v = if person == Person::DeclineConsent {
                "decline"
            } else {
                "accept"
            };
            data.push(("consent".into(), v.into()));
        } else {
            return (None, page);
        }
        resp = c
            .post(format!("{base}{}", f.action))
            .form(&data)
            .send()
            .await
            .unwrap();
    }
    panic!("the sign-in pages did not end");
}

fn check<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {}", r["checks"]))
}

fn first_rule(r: &Value) -> Option<&str> {
    r["findings"][0]["rule"].as_str()
}

/// Runs a device-code scenario with the person doing `person` (None: nobody comes).
fn device_code_run(name: &str, person: Option<Person>) -> (i32, Value, String, String) {
    device_code_run_with(name, person, &[])
}

fn device_code_run_with(
    name: &str,
    person: Option<Person>,
    extra: &[&str],
) -> (i32, Value, String, String) {
    let sim = Sim::start(&scenario(name), &[]);
    let base = sim.s("authority");
    let mut d = start_doctor(&sim.info, extra, &[]);
    let line = d.line_with("enter the code");
    let url = line
        .split("open the page ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let code = line
        .split("enter the code ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let mut last = String::new();
    if let Some(p) = person {
        let (_, page) = complete(&base, &url, Some(&code), p);
        last = page;
    }
    let (code_, r, stderr) = d.finish();
    (code_, r, stderr, last)
}

fn assert_no_secrets(r: &Value, stderr: &str) {
    let text = format!("{r}\n{stderr}");
    for canary in [
        PASSWORD,
        MFA_CODE,
        "DAQABAAEAAA",
        "eyJ0eXAi",
        "code_verifier",
    ] {
        assert!(!text.contains(canary), "{canary} printed:\n{text}");
    }
}

#[test]
fn device_code_pending_then_signed_in() {
    let (code, r, stderr, last) = device_code_run("device-code-signin", Some(Person::SignIn));
    assert_signed_in(code, &r, &stderr, &last);
    assert_eq!(
        check(&r, "dataplane.call")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert_eq!(first_rule(&r), None, "{}", r["findings"]);
    // Entra's message, with the user code meant for the person, and nothing secret.
    assert!(stderr.contains("To sign in, use a web browser"), "{stderr}");
    assert_no_secrets(&r, &stderr);
}

/// The person finished the sign-in page, the doctor's token request worked and the run passed.
fn assert_signed_in(code: i32, r: &Value, stderr: &str, last: &str) {
    assert!(last.contains("You have signed in"), "{last}");
    assert_eq!(check(r, "token.request")["status"], "ok", "{}", r["checks"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn device_code_on_the_v1_endpoint() {
    // v1: `resource`, `verification_url`, numbers as strings, the device code polled as `code`.
    let (code, r, stderr, last) = device_code_run_with(
        "device-code-signin",
        Some(Person::SignIn),
        &["--endpoint-version", "v1"],
    );
    assert_signed_in(code, &r, &stderr, &last);
}

#[test]
fn device_code_declined() {
    let (code, r, stderr, last) = device_code_run("device-code-declined", Some(Person::Cancel));
    assert!(last.contains("declined"), "{last}");
    let t = check(&r, "token.request");
    assert_eq!(t["status"], "failed");
    assert!(
        t["detail"]
            .as_str()
            .unwrap()
            .contains("authorization_declined"),
        "{t}"
    );
    assert_eq!(first_rule(&r), Some("device-code-sign-in-not-completed"));
    assert_eq!(code, 1);
    assert_no_secrets(&r, &stderr);
}

#[test]
fn device_code_expired_when_nobody_comes() {
    let (code, r, stderr, _) = device_code_run("device-code-expired", None);
    let t = check(&r, "token.request");
    assert!(t["detail"].as_str().unwrap().contains("70019"), "{t}");
    assert_eq!(first_rule(&r), Some("device-code-sign-in-not-completed"));
    assert_eq!(code, 1);
    assert_no_secrets(&r, &stderr);
}

#[test]
fn device_code_with_mfa_works_where_ropc_cannot() {
    let (code, r, stderr, last) = device_code_run("device-code-mfa", Some(Person::SignIn));
    assert_signed_in(code, &r, &stderr, &last);
}

#[test]
fn device_code_consent_screen_accepted() {
    let (code, r, stderr, last) = device_code_run("device-code-consent", Some(Person::SignIn));
    assert_signed_in(code, &r, &stderr, &last);
}

/// Runs a browser scenario: the doctor cannot open a browser (`BROWSER=false`), prints the URL,
/// and the person completes the pages and follows the final redirect to the doctor's loopback.
fn browser_run(name: &str, person: Person) -> (i32, Value, String) {
    let sim = Sim::start(&scenario(name), &[]);
    let base = sim.s("authority");
    let mut d = start_doctor(&sim.info, &[], &[("BROWSER", "false")]);
    // A redirect URI Entra refuses is found before any browser would open: no prompt then.
    if name != "browser-redirect-uri-mismatch" {
        let line = d.line_with("Open this URL");
        let url = line.rsplit(' ').next().unwrap().to_string();
        assert!(url.contains("code_challenge_method=S256"), "{url}");
        let (back, page) = complete(&base, &url, None, person);
        let back = back.unwrap_or_else(|| panic!("no redirect; last page {page}"));
        assert!(back.starts_with("http://localhost:"), "{back}");
        let loopback = back.replacen("http://localhost:", "http://127.0.0.1:", 1);
        let done = block(async {
            client()
                .get(loopback)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        });
        assert!(done.contains("Sign-in finished"), "{done}");
    }
    let (code, r, stderr) = d.finish();
    assert_no_secrets(&r, &stderr);
    (code, r, stderr)
}

#[test]
fn browser_sign_in_consent_required() {
    let (code, r, _) = browser_run("browser-consent-required", Person::SignIn);
    assert_eq!(
        first_rule(&r),
        Some("admin-consent-missing"),
        "{}",
        r["checks"]
    );
    assert!(check(&r, "token.request")["detail"]
        .as_str()
        .unwrap()
        .contains("65001"));
    assert_eq!(code, 1);
}

#[test]
fn browser_sign_in_user_not_assigned() {
    let (code, r, _) = browser_run("browser-user-not-assigned", Person::SignIn);
    assert_eq!(
        first_rule(&r),
        Some("user-assignment-required"),
        "{}",
        r["checks"]
    );
    assert_eq!(code, 1);
}

#[test]
fn browser_sign_in_blocked_by_conditional_access() {
    let (code, r, _) = browser_run("browser-conditional-access-blocked", Person::SignIn);
    assert_eq!(
        first_rule(&r),
        Some("conditional-access-blocked"),
        "{}",
        r["checks"]
    );
    assert_eq!(code, 1);
}

#[test]
fn browser_sign_in_without_a_registered_mfa_method() {
    let (code, r, _) = browser_run("browser-mfa-registration-required", Person::SignIn);
    assert_eq!(first_rule(&r), Some("mfa-required"), "{}", r["checks"]);
    assert!(check(&r, "token.request")["detail"]
        .as_str()
        .unwrap()
        .contains("50079"));
    assert_eq!(code, 1);
}

#[test]
fn browser_redirect_mismatch_found_before_any_browser_opens() {
    let (code, r, stderr) = browser_run("browser-redirect-uri-mismatch", Person::SignIn);
    assert_eq!(
        first_rule(&r),
        Some("redirect-uri-mismatch"),
        "{}",
        r["checks"]
    );
    assert!(!stderr.contains("Open this URL"), "{stderr}");
    assert_eq!(code, 1);
}

#[test]
fn browser_sign_in_succeeds_and_a_declined_consent_comes_back_as_65004() {
    let (code, r, stderr) = browser_run("browser-signin", Person::SignIn);
    assert_eq!(
        check(&r, "token.request")["status"],
        "ok",
        "{}\n{stderr}",
        r["checks"]
    );
    assert_eq!(
        check(&r, "dataplane.call")["status"],
        "ok",
        "{}",
        r["checks"]
    );
    assert_eq!(code, 0);
    let (_, r, _) = browser_run("browser-signin", Person::DeclineConsent);
    assert!(
        check(&r, "token.request")["detail"]
            .as_str()
            .unwrap()
            .contains("65004"),
        "{}",
        r["checks"]
    );
}

// The simulator alone.

fn post(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    block(async {
        let r = client().post(url).form(form).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    })
}

#[test]
fn device_code_endpoints_answer_in_entras_shapes() {
    let sim = Sim::start(&scenario("device-code-signin"), &[]);
    let base = sim.s("authority");
    let tid = sim.s("tenant_id");
    let cid = sim.s("client_id");
    let (s, v2) = post(
        &format!("{base}/{tid}/oauth2/v2.0/devicecode"),
        &[
            ("client_id", &cid),
            ("scope", "https://api.powerplatform.com/.default openid"),
        ],
    );
    assert_eq!(s, 200, "{v2}");
    for k in ["user_code", "device_code", "verification_uri", "message"] {
        assert!(v2[k].is_string(), "{k}: {v2}");
    }
    assert!(v2["expires_in"].is_u64() && v2["interval"].is_u64(), "{v2}");
    let (s, v1) = post(
        &format!("{base}/{tid}/oauth2/devicecode"),
        &[
            ("client_id", &cid),
            ("resource", "https://api.powerplatform.com"),
        ],
    );
    assert_eq!(s, 200, "{v1}");
    assert!(
        v1["verification_url"].is_string() && v1["expires_in"].is_string(),
        "{v1}"
    );
    // Polls: slow_down first (the scenario's busy service), then pending, then an unknown code.
    let token = format!("{base}/{tid}/oauth2/v2.0/token");
    let dc = v2["device_code"].as_str().unwrap();
    let grant = "urn:ietf:params:oauth:grant-type:device_code";
    let poll = |code: &str| {
        post(
            &token,
            &[
                ("grant_type", grant),
                ("client_id", &cid),
                ("device_code", code),
            ],
        )
    };
    let (s, a) = poll(dc);
    assert_eq!((s, a["error"].as_str()), (400, Some("slow_down")), "{a}");
    std::thread::sleep(Duration::from_millis(6_100));
    let (_, b) = poll(dc);
    assert_eq!(b["error"], "authorization_pending", "{b}");
    assert_eq!(b["error_codes"][0], 70016);
    let (_, c) = poll("not-a-device-code");
    assert_eq!(c["error"], "bad_verification_code", "{c}");
    // A missing scope is Entra's missing-parameter refusal.
    let (s, m) = post(
        &format!("{base}/{tid}/oauth2/v2.0/devicecode"),
        &[("client_id", &cid)],
    );
    assert_eq!(
        (s, m["error_codes"][0].as_i64()),
        (400, Some(900144)),
        "{m}"
    );
}

/// The authorize endpoint's sign-in for a code, done by hand, with PKCE.
fn code_by_hand(sim: &Sim, challenge: &str) -> String {
    let base = sim.s("authority");
    let url = format!(
        "{base}/{}/oauth2/v2.0/authorize?client_id={}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A5999&scope=https%3A%2F%2Fapi.powerplatform.com%2F.default%20openid&state=s1&code_challenge={challenge}&code_challenge_method=S256",
        sim.s("tenant_id"),
        sim.s("client_id")
    );
    let (back, page) = complete(&base, &url, None, Person::SignIn);
    let back = back.unwrap_or_else(|| panic!("{page}"));
    let u = reqwest::Url::parse(&back).unwrap();
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("s1"));
    q["code"].clone()
}

#[test]
fn pkce_is_verified_and_codes_work_once() {
    use sha2::Digest;
    let sim = Sim::start(&scenario("device-code-signin"), &[]);
    let token = format!(
        "{}/{}/oauth2/v2.0/token",
        sim.s("authority"),
        sim.s("tenant_id")
    );
    let cid = sim.s("client_id");
    let verifier = "a-verifier-of-enough-length-0123456789-abcdefghij";
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redeem = |code: &str, v: &str| {
        post(
            &token,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &cid),
                ("code", code),
                ("redirect_uri", "http://localhost:5999"),
                ("code_verifier", v),
                ("scope", "https://api.powerplatform.com/.default openid"),
            ],
        )
    };
    let code = code_by_hand(&sim, &challenge);
    let (s, bad) = redeem(&code, "another-verifier-entirely-0123456789-abcdefghijk");
    assert_eq!(
        (s, bad["error_codes"][0].as_i64()),
        (400, Some(501481)),
        "{bad}"
    );
    let code = code_by_hand(&sim, &challenge);
    let (s, ok) = redeem(&code, verifier);
    assert_eq!(s, 200, "{ok}");
    assert!(ok["access_token"].is_string() && ok["id_token"].is_string());
    let (_, again) = redeem(&code, verifier);
    assert_eq!(again["error_codes"][0], 54005, "{again}");
}
