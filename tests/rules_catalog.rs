//! Walks `rules/`: every `[[match]]` alternative of every rule must be proven by a fixture that
//! fires it, and every rule must have a near miss that must not fire it, under
//! `fixtures/rules/<rule>/`.
//!
//! File names say what each fixture expects (as clippy's UI tests say what each case expects):
//!
//! - `fire-<match-id>.<ext>` or `fire-<match-id>--<what>.<ext>` must make the rule fire through
//!   its `[[match]]` whose `id` is `<match-id>` (the `"match"` of the finding), and lead the
//!   findings. `<what>` tells fixtures of one alternative apart (`fire-aadsts--msal-python.txt`).
//!   A rule file's match without an id is named `#N` (1-based), which no file name can spell:
//!   built-in matches all have ids.
//! - `pass-<what>.<ext>` is a near miss: it must be read (a near miss that triage refuses proves
//!   nothing) and must not fire the rule.
//!
//! The walk fails for a fixture whose rule fires through another alternative, for an alternative
//! no fixture fires, for a near miss that cannot be read, and for any CEL condition that fails at
//! run time on any fixture (the engine returns those as notes instead of dropping them).
//!
//! The kind is detected as `triage` would, except `*.jwt` (a token) and `*.evidence.json` (an
//! evidence document). A sidecar `<fixture>.toml` may set `api = "purview"` (the target API),
//! `now = "RFC 3339"`, `kind = "text"` and `first = false` (the rule must fire but need not lead).
//! Times are judged at [`NOW`].
//!
//! `every_firing_fixture_renders` keeps what a user sees for each firing fixture — the text
//! report with `--show-evidence` — as an insta snapshot in `tests/snapshots/fixtures/`.

use authcheck::cli::build_evidence;
use authcheck_offline::Kind;
use authcheck_rules::RuleSet;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The fixed instant every fixture is judged at.
pub const NOW: &str = "2026-11-24T12:00:00Z";

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Sidecar {
    api: Option<String>,
    now: Option<String>,
    first: Option<bool>,
    kind: Option<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().to_string()
}

fn fixtures_of(rule: &str) -> Vec<PathBuf> {
    let dir = root().join("fixtures/rules").join(rule);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        let n = file_name(p);
        (n.starts_with("fire") || n.starts_with("pass"))
            && !(n.ends_with(".toml") && n.matches('.').count() >= 2)
    });
    v.sort();
    v
}

/// The match id a `fire-<id>[--<what>].<ext>` file name names, or None when it names none.
fn expected_match(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("fire-")?;
    let end = rest
        .find("--")
        .into_iter()
        .chain(rest.find('.'))
        .min()
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|id| !id.is_empty())
}

fn sidecar(path: &Path) -> Result<Sidecar, String> {
    let side_path = PathBuf::from(format!("{}.toml", path.display()));
    match std::fs::read_to_string(&side_path) {
        Ok(s) => toml::from_str(&s).map_err(|e| format!("{}: {e}", side_path.display())),
        Err(_) => Ok(Sidecar::default()),
    }
}

/// What one fixture fired: each finding's rule and match id, best first. Fails on unreadable
/// input and on any condition that failed at run time.
fn run_fixture(rules: &RuleSet, path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let side = sidecar(path)?;
    let name = file_name(path);
    let kind = match side.kind.as_deref() {
        Some("text") => Some(Kind::Text),
        Some("json") => Some(Kind::Json),
        Some("jwt") => Some(Kind::Jwt),
        Some(other) => return Err(format!("unknown kind {other}")),
        None if name.ends_with(".jwt") => Some(Kind::Jwt),
        None if name.ends_with(".evidence.json") => Some(Kind::Evidence),
        None => None,
    };
    let now = authcheck::cli::parse_time(side.now.as_deref().unwrap_or(NOW)).unwrap();
    let ev = build_evidence(&text, &name, kind, side.api.as_deref(), None, now)
        .map_err(|e| format!("not read: {e}"))?;
    let (findings, notes) = rules.evaluate(&ev);
    if !notes.is_empty() {
        return Err(notes
            .iter()
            .map(|n| format!("rule {}: {}", n.rule, n.message))
            .collect::<Vec<_>>()
            .join("; "));
    }
    Ok(findings
        .into_iter()
        .map(|f| (f.rule, f.match_id.unwrap_or_default()))
        .collect())
}

#[test]
fn every_alternative_fires_on_its_fixtures_and_no_near_miss_fires_its_rule() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let mut failures = Vec::new();
    let mut alternatives = 0;
    for rule in &rules.rules {
        let name = rule.name();
        let ids: Vec<String> = rule
            .def
            .matches
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m.id.as_deref()
                    .map_or_else(|| format!("#{}", i + 1), str::to_string)
            })
            .collect();
        alternatives += ids.len();
        let files = fixtures_of(name);
        let fires: Vec<_> = files
            .iter()
            .filter(|p| file_name(p).starts_with("fire"))
            .collect();
        let passes: Vec<_> = files
            .iter()
            .filter(|p| file_name(p).starts_with("pass"))
            .collect();
        if passes.is_empty() {
            failures.push(format!(
                "{name}: no pass* (near miss) fixture in fixtures/rules/{name}/"
            ));
        }
        let mut proven = BTreeSet::new();
        for f in fires {
            let fname = file_name(f);
            let Some(want) = expected_match(&fname) else {
                failures.push(format!(
                    "{}: name it fire-<match-id>[--<what>].<ext> (ids: {})",
                    f.display(),
                    ids.join(", ")
                ));
                continue;
            };
            if !ids.iter().any(|i| i == want) {
                failures.push(format!(
                    "{}: `{name}` has no match `{want}` (ids: {})",
                    f.display(),
                    ids.join(", ")
                ));
                continue;
            }
            let first = match sidecar(f) {
                Ok(s) => s.first.unwrap_or(true),
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            match run_fixture(&rules, f) {
                Err(e) => failures.push(format!("{}: {e}", f.display())),
                Ok(found) => match found.iter().position(|(r, _)| r == name) {
                    None => failures.push(format!(
                        "{}: `{name}` did not fire (got {found:?})",
                        f.display()
                    )),
                    Some(i) if found[i].1 != want => failures.push(format!(
                        "{}: `{name}` fired through `{}`, not `{want}`",
                        f.display(),
                        found[i].1
                    )),
                    Some(i) if first && i != 0 => failures.push(format!(
                        "{}: `{name}#{want}` fired but {:?} came first",
                        f.display(),
                        found[0]
                    )),
                    Some(_) => {
                        proven.insert(want.to_string());
                    }
                },
            }
        }
        for id in &ids {
            if !proven.contains(id) {
                failures.push(format!(
                    "{name}#{id}: no fixture proves this alternative (add fixtures/rules/{name}/fire-{id}.<ext>)"
                ));
            }
        }
        for p in passes {
            match run_fixture(&rules, p) {
                Err(e) => failures.push(format!("{}: near miss {e}", p.display())),
                Ok(found) if found.iter().any(|(r, _)| r == name) => failures.push(format!(
                    "{}: near miss fired `{name}` (got {found:?})",
                    p.display()
                )),
                Ok(_) => {}
            }
        }
    }
    assert!(alternatives > 0);
    assert!(
        failures.is_empty(),
        "{} rule fixture problems:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn a_fire_file_name_names_its_alternative() {
    assert_eq!(expected_match("fire-aadsts.txt"), Some("aadsts"));
    assert_eq!(
        expected_match("fire-invalid-client--msal-python.txt"),
        Some("invalid-client")
    );
    assert_eq!(expected_match("fire-graph.evidence.json"), Some("graph"));
    assert_eq!(expected_match("fire.txt"), None);
    assert_eq!(expected_match("pass-aadsts.txt"), None);
}

/// What a user sees for each firing fixture: `triage --show-evidence` in text, run as a user
/// would run it, with the sidecar's `api`, `kind` and `now` as flags.
#[test]
fn every_firing_fixture_renders() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots/fixtures"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let _guard = settings.bind_to_scope();
    for rule in &rules.rules {
        for f in fixtures_of(rule.name()) {
            let fname = file_name(&f);
            if !fname.starts_with("fire") {
                continue;
            }
            let side = sidecar(&f).unwrap();
            let rel = f.strip_prefix(root()).unwrap();
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_authcheck"));
            cmd.current_dir(root())
                .env_remove("NO_COLOR")
                .args(["triage", "--show-evidence", "--color", "never"])
                .args(["--fail-on", "never", "--now"])
                .arg(side.now.as_deref().unwrap_or(NOW));
            if let Some(api) = &side.api {
                cmd.args(["--api", api]);
            }
            match side.kind.as_deref() {
                Some(k) => {
                    cmd.args(["--kind", k]);
                }
                None if fname.ends_with(".jwt") => {
                    cmd.args(["--kind", "jwt"]);
                }
                None if fname.ends_with(".evidence.json") => {
                    cmd.args(["--kind", "evidence"]);
                }
                None => {}
            }
            let out = cmd.arg(rel).output().expect("authcheck runs");
            let mut shown = String::from_utf8_lossy(&out.stdout).into_owned();
            if !out.stderr.is_empty() {
                shown.push_str("--- stderr ---\n");
                shown.push_str(&String::from_utf8_lossy(&out.stderr));
            }
            shown.push_str(&format!(
                "--- exit {} ---\n",
                out.status.code().unwrap_or(-1)
            ));
            let stem = fname.replace('.', "_");
            insta::assert_snapshot!(format!("{}__{stem}", rule.name()), shown);
        }
    }
}

#[test]
fn every_builtin_rule_passes_the_load_time_checks() {
    // Built-in rules skip these checks at start-up; this is where they are made.
    for r in &RuleSet::builtin().expect("built-in rules load").rules {
        authcheck_rules::rule::parse(&r.file, &r.source).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn every_builtin_condition_compiles() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    for r in &rules.rules {
        r.compile_all()
            .unwrap_or_else(|(line, e)| panic!("{}:{line}: {e}", r.file));
    }
}

/// Prints which alternative each fire* fixture fires (to name a new fixture): run with
/// `cargo test --test rules_catalog -- --ignored --nocapture which_alternatives`.
#[test]
#[ignore]
fn which_alternatives() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    for rule in &rules.rules {
        for f in fixtures_of(rule.name()) {
            let r = run_fixture(&rules, &f);
            let got = match &r {
                Ok(found) => found
                    .iter()
                    .position(|(n, _)| n == rule.name())
                    .map(|i| format!("{} @{i}", found[i].1))
                    .unwrap_or_else(|| format!("NONE {found:?}")),
                Err(e) => format!("ERR {e}"),
            };
            println!("MAP\t{}\t{}\t{got}", rule.name(), file_name(&f));
        }
    }
}

/// Runs `triage --format json` on `text` and returns the report.
fn triage_json(text: &str, api: Option<&str>) -> serde_json::Value {
    use std::io::Write as _;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_authcheck"));
    cmd.args([
        "triage",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--now",
        NOW,
    ]);
    if let Some(api) = api {
        cmd.args(["--api", api]);
    }
    let mut child = cmd
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("authcheck runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// Ambiguous inputs: every plausible cause is in the top 3, the likeliest first, and the
/// alternatives of one observed failure count as one fault.
#[test]
fn ambiguous_inputs_hold_every_plausible_cause_in_the_top_3() {
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        (
            "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            None,
            &["public-client-flows-disabled", "spa-cross-origin-redemption", "client-credential-missing"],
        ),
        (
            "AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
            None,
            &["tenant-not-found", "tenant-in-another-cloud"],
        ),
        (
            "AADSTS90002: Tenant '9188040d-6c67-4c5b-b112-36a304b66dad' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
            None,
            &["well-known-tenant-unavailable"],
        ),
        (
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '00000000-0000-0000-0000-000000000001'.",
            None,
            &["client-secret-invalid", "client-secret-id-used", "client-secret-stale"],
        ),
        (
            "Response status code does not indicate success: 403 (Forbidden).",
            Some("purview"),
            &["data-plane-role-missing", "rbac-propagation-pending", "purview-role-on-other-collection"],
        ),
        (
            "Azure.RequestFailedException: Caller is not authorized to perform action on resource.\nStatus: 403 (Forbidden)\nErrorCode: Forbidden",
            Some("keyvault"),
            &["rbac-role-missing", "rbac-propagation-pending"],
        ),
    ];
    let mut failures = Vec::new();
    for (text, api, want) in cases {
        let report = triage_json(text, *api);
        let got: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        let top3: BTreeSet<&str> = got.iter().take(3).copied().collect();
        let head = &text[..40.min(text.len())];
        if got.first() != want.first() {
            failures.push(format!(
                "{head}…: first {:?}, want {:?}",
                got.first(),
                want[0]
            ));
        }
        if !want.iter().all(|w| top3.contains(w)) {
            failures.push(format!("{head}…: top 3 {top3:?}, want {want:?}"));
        }
        let s = &report["summary"];
        let counted = s["errors"].as_u64().unwrap() + s["warnings"].as_u64().unwrap();
        if counted != 1 {
            failures.push(format!("{head}…: one fault counted as {counted} ({s})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same codes with a clue: the cause the clue points at comes first.
#[test]
fn a_clue_puts_its_cause_first() {
    let s7000218 = "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.";
    let s7000215 = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '00000000-0000-0000-0000-000000000001'.";
    let cases = [
        (
            format!("POST https://login.microsoftonline.com/8f2d4c6a-1b3e-4a5c-9d7f-0e1a2b3c4d5e/oauth2/v2.0/token\nOrigin: https://orders.contoso.com\n{s7000218}"),
            "spa-cross-origin-redemption",
        ),
        (
            format!("grant_type=password&username=alex@contoso.com&password=***\n{s7000218}"),
            "public-client-flows-disabled",
        ),
        (
            format!("client_secret=0b7c3a1e-5d2f-4e8a-9c6b-1f0e2d3c4b5a\n{s7000215}"),
            "client-secret-id-used",
        ),
    ];
    for (text, want) in cases {
        let report = triage_json(&text, None);
        assert_eq!(report["findings"][0]["rule"], want, "{text}");
        assert_eq!(report["summary"]["errors"], 1, "{text}");
    }
}

/// A fault groups alternative causes across rules: a fault name only one rule uses groups nothing
/// and is most likely a typo of another.
#[test]
fn every_fault_is_shared_by_two_rules_or_more() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let mut by_fault: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for r in &rules.rules {
        let faults = r
            .def
            .fault
            .iter()
            .chain(r.def.matches.iter().filter_map(|m| m.fault.as_ref()));
        for f in faults {
            by_fault
                .entry(f.to_string())
                .or_default()
                .insert(r.name().to_string());
        }
    }
    let lonely: Vec<_> = by_fault.iter().filter(|(_, r)| r.len() < 2).collect();
    assert!(
        lonely.is_empty(),
        "faults used by one rule only: {lonely:?}"
    );
}

/// Entra's canonical message for every rule with `codes = [...]`, as the token endpoint sends it,
/// one of the rule's codes in front. Names, IDs and times are placeholders; the wording is the
/// service's: the AADSTS7000218 troubleshooting article quotes that message whole,
/// https://learn.microsoft.com/troubleshoot/entra/entra-id/app-integration/confidential-client-application-authentication-error-aadsts7000218;
/// the others follow the rules' fixtures (fixtures/rules/) and the error-code reference,
/// https://learn.microsoft.com/entra/identity-platform/reference-error-codes. A rule sharing its
/// code's message with another (7000215, 700016, 7000218, 90002) is listed with that message.
const CANONICAL: &[(&str, &str)] = &[
    ("account-locked", "AADSTS50053: The account is locked, you've tried to sign in too many times with an incorrect user ID or password."),
    ("admin-consent-missing", "AADSTS65001: The user or administrator has not consented to use the application with ID '5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24' named 'Contoso Reports'. Send an interactive authorization request for this user and resource."),
    ("app-not-found-in-tenant", "AADSTS700016: Application with identifier '8f3b2c1d-0000-4000-8000-1234567890ab' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
    ("multi-tenant-app-not-provisioned", "AADSTS700016: Application with identifier '8f3b2c1d-0000-4000-8000-1234567890ab' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
    ("application-disabled", "AADSTS7000112: Application '8f3b2c1d-0000-4000-8000-1234567890ab'(Contoso Reports) is disabled."),
    ("authorization-code-invalid", "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."),
    ("certificate-credential-invalid", "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '0A1B2C3D4E5F60718293A4B5C6D7E8F901234567', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '8f3b2c1d-0000-4000-8000-1234567890ab'.]"),
    ("client-credential-missing", "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."),
    ("client-secret-expired", "AADSTS7000222: The provided client secret keys for app '8f3b2c1d-0000-4000-8000-1234567890ab' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."),
    ("client-secret-invalid", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '8f3b2c1d-0000-4000-8000-1234567890ab'."),
    ("client-secret-id-used", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '8f3b2c1d-0000-4000-8000-1234567890ab'."),
    ("client-secret-stale", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '8f3b2c1d-0000-4000-8000-1234567890ab'."),
    ("clock-skew", "AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-11-24T12:00:00.0000000Z, assertion valid from 2026-11-24T12:30:00.0000000Z, expiry time of assertion 2026-11-24T13:30:00.0000000Z."),
    ("conditional-access-blocked", "AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."),
    ("device-code-sign-in-not-completed", "AADSTS70019: Verification code expired."),
    ("external-user-not-in-tenant", "AADSTS50020: User account 'someone@live.com' from identity provider 'live.com' does not exist in tenant 'Contoso' and cannot access the application '8f3b2c1d-0000-4000-8000-1234567890ab'(Contoso Reports) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account."),
    ("federated-credential-mismatch", "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:contoso/app:ref:refs/heads/main'. Assertion Audience: 'api://AzureADTokenExchange'."),
    ("interaction-required", "AADSTS50058: A silent sign-in request was sent but no user is signed in."),
    ("invalid-scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://graph.microsoft.com/User.Read offline_access is not valid."),
    ("mfa-required", "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'."),
    ("password-expired", "AADSTS50055: The password is expired."),
    ("pkce-verifier-invalid", "AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE."),
    ("public-client-flows-disabled", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
    ("public-client-with-credential", "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
    ("redirect-uri-mismatch", "AADSTS50011: The redirect URI 'http://localhost:3000' specified in the request does not match the redirect URIs configured for the application '8f3b2c1d-0000-4000-8000-1234567890ab'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."),
    ("refresh-token-expired", "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2026-08-01T10:00:00.0000000Z and was inactive for 90.00:00:00."),
    ("request-parameter-missing", "AADSTS900144: The request body must contain the following parameter: 'grant_type'."),
    ("request-throttled", "AADSTS50196: The server terminated an operation because it encountered a client request loop. Please contact your app vendor."),
    ("resource-principal-missing", "AADSTS500011: The resource principal named https://contoso.azurewebsites.net was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."),
    ("service-principal-missing", "AADSTS7000229: The client application 8f3b2c1d-0000-4000-8000-1234567890ab is missing service principal in the tenant 99999999-0000-4000-8000-dddddddddddd. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119"),
    ("service-unavailable", "AADSTS50000: There was an error issuing a token or an issue with our sign-in service."),
    ("single-tenant-app-on-common-endpoint", "AADSTS50194: Application '8f3b2c1d-0000-4000-8000-1234567890ab'(Contoso Reports) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant."),
    ("spa-cross-origin-redemption", "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'http://localhost:3000'."),
    ("tenant-not-found", "AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
    ("tenant-in-another-cloud", "AADSTS90002: Tenant 'contoso.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
    ("well-known-tenant-unavailable", "AADSTS90002: Tenant '9188040d-6c67-4c5b-b112-36a304b66dad' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
    ("token-expired", "AADSTS500133: Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: 2026-11-24T12:00:00.0000000Z, expiry time of assertion 2026-11-24T11:00:00.0000000Z."),
    ("user-account-disabled", "AADSTS50057: The user account is disabled."),
    ("user-assignment-required", "AADSTS50105: Your administrator has configured the application Contoso Reports ('8f3b2c1d-0000-4000-8000-1234567890ab') to block users unless they are specifically granted ('assigned') access to the application. The signed in user 'someone@contoso.com' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application."),
    ("user-credentials-invalid", "AADSTS50126: Error validating credentials due to invalid username or password."),
    ("user-not-found", "AADSTS50034: The user account someone@contoso.com does not exist in the contoso.onmicrosoft.com directory. To sign into this application, the account must be added to the directory."),
];

/// How SDKs wrap a message whose code they dropped: azure-identity (Python) and MSAL.NET.
const WRAPPERS: &[&str] = &[
    "azure.identity._exceptions.ClientAuthenticationError: Authentication failed: {}",
    "Microsoft.Identity.Client.MsalServiceException: {}",
];

/// Every rule with `codes = [...]` is among the top 3 causes for its canonical message with the
/// code, for the same message with the `AADSTSnnnn: ` prefix stripped (how portals, screenshots and
/// chat pastes often carry it) and for that stripped message in each of [`WRAPPERS`]; the stripped
/// message counts as many faults as the coded one.
#[test]
fn every_coded_rule_is_in_the_top_3_for_its_canonical_message_with_and_without_its_code() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let strip = regex::Regex::new(r"(?i)AADSTS *(\d+) *: *").unwrap();
    let mut failures = Vec::new();
    for rule in &rules.rules {
        if !rule.def.codes.is_empty() && !CANONICAL.iter().any(|(r, _)| *r == rule.name()) {
            failures.push(format!(
                "{}: has codes but no canonical message in CANONICAL",
                rule.name()
            ));
        }
    }
    let top = |text: &str| {
        let report = triage_json(text, None);
        let rules: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        let s = &report["summary"];
        let counted = s["errors"].as_u64().unwrap() + s["warnings"].as_u64().unwrap();
        (rules, counted)
    };
    for (name, coded) in CANONICAL {
        let Some(rule) = rules.rules.iter().find(|r| r.name() == *name) else {
            failures.push(format!("{name}: no such rule"));
            continue;
        };
        let Some(code) = strip.captures(coded).map(|c| c[1].parse::<i64>().unwrap()) else {
            failures.push(format!("{name}: canonical message has no AADSTS code"));
            continue;
        };
        if !rule.def.codes.contains(&code) {
            failures.push(format!("{name}: {code} is not one of its codes"));
        }
        let bare = strip.replace_all(coded, "").into_owned();
        let (with_code, n_coded) = top(coded);
        let (without, n_bare) = top(&bare);
        if !with_code.iter().any(|r| r == name) {
            failures.push(format!(
                "{name}: not in the top 3 with its code: {with_code:?}"
            ));
        }
        if !without.iter().any(|r| r == name) {
            failures.push(format!(
                "{name}: not in the top 3 without its code: {without:?} for {bare:?}"
            ));
        }
        for w in WRAPPERS {
            let wrapped = w.replace("{}", &bare);
            let (got, _) = top(&wrapped);
            if !got.iter().any(|r| r == name) {
                failures.push(format!("{name}: not in the top 3 for {wrapped:?}: {got:?}"));
            }
        }
        if n_coded != n_bare {
            failures.push(format!(
                "{name}: {n_coded} fault(s) with the code, {n_bare} without"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
