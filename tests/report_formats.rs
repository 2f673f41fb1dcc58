//! Every reporter over the same reports, built in code with fixed values (no clock, no input files):
//! snapshots of each format, and the structural promises each format makes (SARIF's required
//! fields, well-formed JUnit XML, GitHub's escaping, no ANSI without colour).

use authcheck::report::{
    self, Check, CheckStatus, ClaimLine, Confidence, EvidenceRef, Finding, FixStep, Format,
    InputInfo, RenderOptions, Report, Severity, TokenView,
};
use serde_json::{json, Value};

const PLAIN: RenderOptions = RenderOptions { color: false };
const FORMATS: [Format; 6] = [
    Format::Text,
    Format::Json,
    Format::Sarif,
    Format::Junit,
    Format::Github,
    Format::Html,
];

fn base(command: &str) -> Report {
    let mut r = Report::new(command);
    // Fixed, so the snapshots do not change with every release.
    r.tool.version = "0.0.0-test".into();
    r
}

fn consent_finding() -> Finding {
    Finding {
        rule: "admin-consent-missing".into(),
        severity: Severity::Error,
        confidence: Confidence::Certain,
        title: "The permissions the app asks for have not been consented".into(),
        message: "Entra refused the token because app 11111111-2222-3333-4444-555555555555 has no consent for what it asks (https://graph.microsoft.com/.default).".into(),
        evidence: vec![
            EvidenceRef {
                source: "token-endpoint".into(),
                path: "response.codes".into(),
                value: json!([65001]),
            },
            EvidenceRef {
                source: "pasted-text".into(),
                path: "request.client_id".into(),
                value: json!("11111111-2222-3333-4444-555555555555"),
            },
            EvidenceRef {
                source: "response".into(),
                path: "response.correlation_id".into(),
                value: json!("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
            },
        ],
        fix: vec![
            FixStep {
                text: "Grant admin consent for the app's requested permissions (needs Cloud Application Administrator or higher).".into(),
                command: Some("az ad app permission admin-consent --id 11111111-2222-3333-4444-555555555555".into()),
                portal: Some("Entra admin center > Entra ID > App registrations > demo-app > API permissions > Grant admin consent for your tenant".into()),
            },
            FixStep {
                text: "Or send an administrator the admin consent URL for the tenant.".into(),
                command: Some("https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=11111111-2222-3333-4444-555555555555".into()),
                portal: None,
            },
        ],
        docs: vec![
            "https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent".into(),
            "https://learn.microsoft.com/entra/identity-platform/reference-error-codes".into(),
        ],
        match_id: Some("aadsts".into()),
        fault: None,
        score: 0,
    }
}

fn expiry_warning() -> Finding {
    Finding {
        rule: "client-secret-expired".into(),
        severity: Severity::Warning,
        confidence: Confidence::Likely,
        title: "The app's last client secret expires soon".into(),
        message: "The only secret of app demo-app (hint \"abc\") ends on 2026-12-10, in 16 days; after that the token request fails with AADSTS7000222.".into(),
        evidence: vec![EvidenceRef {
            source: "graph".into(),
            path: "app.secrets".into(),
            value: json!([{"hint": "abc", "end": "2026-12-10T00:00:00Z", "days_left": 16}]),
        }],
        fix: vec![FixStep {
            text: "Add a new client secret, roll it out to the app's configuration, then delete the old one.".into(),
            command: Some("az ad app credential reset --id 11111111-2222-3333-4444-555555555555 --append --display-name rotated".into()),
            portal: Some("Entra admin center > App registrations > demo-app > Certificates & secrets > New client secret".into()),
        }],
        docs: vec!["https://learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal".into()],
        match_id: None,
        fault: None,
        score: 0,
    }
}

fn info_finding() -> Finding {
    Finding {
        rule: "service-unavailable".into(),
        severity: Severity::Info,
        confidence: Confidence::Possible,
        title: "A service-side failure was also seen".into(),
        // Text from the input is untrusted: markup, quotes, an escape sequence and a control character.
        message: "One response said <html> & \"temporarily_unavailable\" 100% of the time; retry later.\x1b[31m\u{7}".into(),
        evidence: vec![],
        fix: vec![],
        docs: vec![],
        match_id: None,
        fault: None,
        score: 0,
    }
}

fn clean_report() -> Report {
    let mut r = base("triage");
    r.input = Some(InputInfo {
        name: Some("fixtures/reports/ok.txt".into()),
        kind: Some("error-text".into()),
    });
    r.tally();
    r
}

fn findings_report() -> Report {
    let mut r = base("triage");
    r.input = Some(InputInfo {
        name: Some("tickets/case 42, part:1.txt".into()),
        kind: Some("error-text".into()),
    });
    r.findings = vec![consent_finding(), expiry_warning(), info_finding()];
    r.tally();
    r
}

fn claim(claim: &str, value: Value, meaning: &str) -> ClaimLine {
    ClaimLine {
        claim: claim.into(),
        value,
        meaning: meaning.into(),
    }
}

fn decode_report() -> Report {
    let mut r = base("decode");
    r.input = Some(InputInfo {
        name: Some("standard input".into()),
        kind: Some("jwt".into()),
    });
    r.token = Some(TokenView {
        header: vec![
            claim("typ", json!("JWT"), "token type"),
            claim("alg", json!("RS256"), "signed with RSA and SHA-256"),
            claim("kid", json!("test-key-1"), "the signing key's id in the issuer's JWKS"),
        ],
        claims: vec![
            claim("aud", json!("https://graph.microsoft.com"), "audience: Microsoft Graph"),
            claim("iss", json!("https://sts.windows.net/99999999-8888-7777-6666-555555555555/"), "issuer: Entra ID v1 endpoint of tenant 99999999-8888-7777-6666-555555555555"),
            claim("exp", json!(1795953600), "2026-11-24T08:00:00Z — expired 4 hours ago"),
            claim("roles", json!(["Application.Read.All", "Directory.Read.All", "User.Read.All"]), "application permissions (app-only token)"),
            claim("idtyp", json!("app"), "an app-only token: no user signed in"),
        ],
        signature: "not-verifiable-by-design".into(),
        signature_detail: "This is a Microsoft Graph token; Graph tokens are not meant to be verified by anyone but Graph, so authcheck does not judge its signature.".into(),
    });
    r.findings = vec![Finding {
        rule: "token-expired".into(),
        severity: Severity::Error,
        confidence: Confidence::Certain,
        title: "The token has expired".into(),
        message:
            "The token expired at 2026-11-24T08:00:00Z, 4 hours before the time it was judged at."
                .into(),
        evidence: vec![EvidenceRef {
            source: "jwt".into(),
            path: "token.seconds_to_expiry".into(),
            value: json!(-14400),
        }],
        fix: vec![FixStep {
            text: "Request a new token; do not cache tokens past their `exp`.".into(),
            command: None,
            portal: None,
        }],
        docs: vec!["https://learn.microsoft.com/entra/identity-platform/access-tokens".into()],
        match_id: None,
        fault: None,
        score: 0,
    }];
    r.tally();
    r
}

fn checks_report() -> Report {
    let mut r = base("doctor");
    r.checks = vec![
        Check {
            name: "token-endpoint".into(),
            status: CheckStatus::Ok,
            detail: "client credentials token issued for https://management.azure.com/.default".into(),
        },
        Check {
            name: "graph.application".into(),
            status: CheckStatus::Failed,
            detail: "Graph answered 403 Authorization_RequestDenied: the app cannot read its own registration, so consent and secrets were not checked".into(),
        },
        Check {
            name: "arm.role-assignments".into(),
            status: CheckStatus::Skipped,
            detail: "no --scope given".into(),
        },
        Check {
            name: "expect.secrets valid 30 days".into(),
            status: CheckStatus::Warning,
            detail: "ending soon: ci-deploy (12 days)".into(),
        },
    ];
    r.findings = vec![expiry_warning()];
    r.evidence = Some(
        json!({"request": {"tenant": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555"}, "now": 1795982400}),
    );
    r.tally();
    r
}

fn all_reports() -> Vec<(&'static str, Report)> {
    vec![
        ("clean", clean_report()),
        ("findings", findings_report()),
        ("decode", decode_report()),
        ("checks", checks_report()),
    ]
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Text => "text",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Junit => "junit",
        Format::Github => "github",
        Format::Html => "html",
    }
}

#[test]
fn snapshots_of_every_format() {
    for (name, r) in all_reports() {
        for format in FORMATS {
            let out = report::render(&r, format, PLAIN);
            insta::assert_snapshot!(format!("{name}_{}", format_name(format)), out);
        }
    }
}

#[test]
fn colour_only_when_asked() {
    for (name, r) in all_reports() {
        let plain = report::render(&r, Format::Text, PLAIN);
        assert!(!plain.contains('\x1b'), "{name}: ANSI without colour");
        let coloured = report::render(&r, Format::Text, RenderOptions { color: true });
        assert!(coloured.contains("\x1b["), "{name}: no ANSI with colour");
        // Colour changes how it looks, never what it says.
        assert_eq!(strip_ansi(&coloured), plain, "{name}");
        for format in [Format::Json, Format::Sarif, Format::Junit, Format::Github] {
            let out = report::render(&r, format, RenderOptions { color: true });
            assert!(
                !out.contains('\x1b'),
                "{name}: ANSI in {}",
                format_name(format)
            );
        }
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn text_marks_the_root_cause_and_counts() {
    let out = report::render(&findings_report(), Format::Text, PLAIN);
    let first = out.find("error[admin-consent-missing]").unwrap();
    let marker = out.find("most likely cause").unwrap();
    let second = out.find("warning[client-secret-expired]").unwrap();
    assert!(first < marker && marker < second);
    assert_eq!(out.matches("most likely cause").count(), 1);
    assert!(out.contains("--> response.codes = [65001] (token-endpoint)"));
    assert!(out.contains(
        "$ az ad app permission admin-consent --id 11111111-2222-3333-4444-555555555555"
    ));
    assert!(out.contains("summary: 1 error, 1 warning, 1 info"));
    // Untrusted control characters never reach the terminal.
    assert!(!out.contains('\u{7}'));
    let clean = report::render(&clean_report(), Format::Text, PLAIN);
    assert!(clean.contains("no known problem found"));
}

#[test]
fn text_lines_stay_narrow_except_unbreakable_words() {
    for (name, r) in all_reports() {
        let out = report::render(&r, Format::Text, PLAIN);
        for line in out.lines() {
            if line.chars().count() > 100 {
                // Only a command, a portal path, a URL or a long value may run past the width.
                let t = line.trim_start();
                assert!(
                    t.starts_with("$ ")
                        || t.starts_with("portal:")
                        || t.starts_with("-->")
                        || !t.contains(' ')
                        || t.split_whitespace().any(|w| w.chars().count() > 60),
                    "{name}: line too long: {line}"
                );
            }
        }
    }
}

#[test]
fn sarif_has_the_required_fields() {
    for (name, r) in all_reports() {
        let out = report::render(&r, Format::Sarif, PLAIN);
        let v: Value = serde_json::from_str(&out).expect("SARIF is JSON");
        assert_eq!(
            v["$schema"],
            "https://json.schemastore.org/sarif-2.1.0.json"
        );
        assert_eq!(v["version"], "2.1.0");
        let runs = v["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1, "{name}");
        let driver = &runs[0]["tool"]["driver"];
        assert_eq!(driver["name"], "authcheck");
        assert_eq!(driver["version"], "0.0.0-test");
        assert!(driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        let rules = driver["rules"].as_array().expect("rules");
        let results = runs[0]["results"].as_array().expect("results");
        assert_eq!(results.len(), r.findings.len(), "{name}");
        for rule in rules {
            assert!(rule["id"].is_string());
            assert!(rule["shortDescription"]["text"].is_string());
            let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
            assert!(["error", "warning", "note"].contains(&level));
        }
        for (res, f) in results.iter().zip(&r.findings) {
            assert_eq!(res["ruleId"], f.rule.as_str());
            let idx = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], f.rule.as_str());
            assert_eq!(
                rules[idx]["helpUri"].as_str(),
                f.docs.first().map(String::as_str)
            );
            let level = res["level"].as_str().unwrap();
            assert_eq!(
                level,
                match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                }
            );
            let text = res["message"]["text"].as_str().unwrap();
            assert!(text.starts_with(f.message.trim()));
            for step in &f.fix {
                assert!(text.contains(&step.text));
            }
            let loc = &res["locations"][0];
            assert!(
                loc["physicalLocation"]["artifactLocation"]["uri"].is_string()
                    || loc["logicalLocations"][0]["name"].is_string(),
                "{name}: a location"
            );
            assert_eq!(res["properties"]["confidence"], f.confidence.as_str());
            assert!(res["properties"]["evidence"].is_array());
            assert!(res["properties"]["fix"].is_array());
            let fp = res["partialFingerprints"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap()
                .as_str()
                .unwrap();
            assert_eq!(fp.len(), 64);
        }
    }
}

#[test]
fn sarif_file_locations_and_stable_fingerprints() {
    let r = findings_report();
    let v: Value = serde_json::from_str(&report::sarif::render(&r)).unwrap();
    let res = &v["runs"][0]["results"][0];
    // A path with a space is still a valid URI reference.
    assert_eq!(
        res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tickets/case%2042,%20part%3A1.txt"
    );
    // Same rule and message → same fingerprint, whatever else differs.
    let mut again = findings_report();
    again.input = None;
    again.findings[0].evidence.clear();
    let w: Value = serde_json::from_str(&report::sarif::render(&again)).unwrap();
    assert_eq!(
        res["partialFingerprints"],
        w["runs"][0]["results"][0]["partialFingerprints"]
    );
    assert_ne!(
        v["runs"][0]["results"][0]["partialFingerprints"],
        v["runs"][0]["results"][1]["partialFingerprints"]
    );
    // Windows paths become file URIs; a colon elsewhere is encoded so it cannot read as a scheme.
    let mut win = findings_report();
    win.input = Some(InputInfo {
        name: Some(r"C:\tickets\a b.txt".into()),
        kind: None,
    });
    assert_eq!(
        report::sarif::file_uri(&win).as_deref(),
        Some("file:///C:/tickets/a%20b.txt")
    );
    win.input = Some(InputInfo {
        name: Some("ab:c.txt".into()),
        kind: None,
    });
    assert_eq!(report::sarif::file_uri(&win).as_deref(), Some("ab%3Ac.txt"));
    // Without a file: a logical location instead.
    assert!(w["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["name"].is_string());
    let decode: Value = serde_json::from_str(&report::sarif::render(&decode_report())).unwrap();
    assert_eq!(
        decode["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["name"],
        "standard input"
    );
}

/// A small XML checker: tags balance, attributes are quoted, every `&` starts a known entity and no
/// raw `<` or control character appears in text. Enough to catch an escaping mistake.
fn assert_well_formed_xml(xml: &str) {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    for c in body.chars() {
        assert!(
            !c.is_control() || matches!(c, '\n' | '\t' | '\r'),
            "control character {c:?} in XML"
        );
    }
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt]);
        let after = &rest[lt + 1..];
        let gt = after.find('>').expect("unclosed tag");
        let tag = &after[..gt];
        assert!(!tag.contains('<'), "raw < inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else {
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = tag.split_whitespace().next().expect("tag name");
            check_attributes(&tag[name.len()..]);
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        rest = &after[gt + 1..];
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

fn check_text(t: &str) {
    assert!(
        !t.contains('>') || t.trim().is_empty(),
        "raw > in text: {t}"
    );
    check_entities(t);
}

fn check_entities(t: &str) {
    for (i, _) in t.match_indices('&') {
        let tail = &t[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
                .iter()
                .any(|e| tail.starts_with(e)),
            "bare & in {t}"
        );
    }
}

fn check_attributes(attrs: &str) {
    let mut rest = attrs.trim();
    while !rest.is_empty() {
        let eq = rest.find('=').expect("attribute without value");
        let key = rest[..eq].trim();
        assert!(
            !key.is_empty() && !key.contains(char::is_whitespace),
            "bad key {key}"
        );
        let after = &rest[eq + 1..];
        assert!(after.starts_with('"'), "unquoted attribute {key}");
        let end = after[1..].find('"').expect("unterminated attribute") + 1;
        let value = &after[1..end];
        assert!(!value.contains('\n'), "raw newline in attribute {key}");
        check_entities(value);
        rest = after[end + 1..].trim_start();
    }
}

/// A check that works with a caveat: `!` in text and HTML, "warning" in JSON, a warning-level
/// notification in SARIF (the run still succeeded), a passing JUnit case whose output says why,
/// and a `::warning` annotation on GitHub.
#[test]
fn a_warning_check_shows_in_every_format() {
    let r = checks_report();
    let text = report::render(&r, Format::Text, PLAIN);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("! expect.secrets valid 30 days")),
        "{text}"
    );
    let json: Value = serde_json::from_str(&report::render(&r, Format::Json, PLAIN)).unwrap();
    let c = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "expect.secrets valid 30 days")
        .unwrap();
    assert_eq!(c["status"], "warning");
    let sarif: Value = serde_json::from_str(&report::render(&r, Format::Sarif, PLAIN)).unwrap();
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "warning");
    assert_eq!(notes[0]["descriptor"]["id"], "check-warning");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("ending soon: ci-deploy (12 days)"));
    // A run that could not diagnose is not successful; the warning stays after its error.
    let mut failed = checks_report();
    failed.findings.clear();
    failed.summary.could_not_diagnose = Some("no credential found".into());
    let sarif: Value =
        serde_json::from_str(&report::render(&failed, Format::Sarif, PLAIN)).unwrap();
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let ids: Vec<&str> = inv["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["descriptor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["could-not-diagnose", "check-warning"]);
    let xml = report::render(&r, Format::Junit, PLAIN);
    let case = xml
        .split("<testcase")
        .find(|c| c.contains("name=\"expect.secrets valid 30 days\""))
        .unwrap();
    let case = &case[..case.find("</testcase>").unwrap_or(case.len())];
    assert!(
        !case.contains("<failure") && !case.contains("<skipped"),
        "{case}"
    );
    assert!(case.contains("<system-out>warning: ending soon"), "{case}");
    let gh = report::render(&r, Format::Github, PLAIN);
    assert!(
        gh.lines().any(|l| l
            == "::warning title=check expect.secrets valid 30 days::ending soon: ci-deploy (12 days)"),
        "{gh}"
    );
    assert!(
        gh.contains("check warning: expect.secrets valid 30 days"),
        "{gh}"
    );
    let html = report::render(&r, Format::Html, PLAIN);
    assert!(
        html.contains(r#"<li class="check warning" data-status="warning"><span class="mark" title="works, with a warning">!</span>"#),
        "{html}"
    );
}

#[test]
fn junit_is_well_formed_and_counts() {
    for (name, r) in all_reports() {
        let xml = report::render(&r, Format::Junit, PLAIN);
        assert_well_formed_xml(&xml);
        assert!(
            xml.contains(&format!("classname=\"authcheck.{}\"", r.command)),
            "{name}"
        );
    }
    let xml = report::junit::render(&findings_report());
    assert!(xml
        .contains(r#"<testsuite name="authcheck" tests="3" failures="2" errors="0" skipped="0">"#));
    assert!(xml.contains(r#"type="error""#) && xml.contains(r#"type="warning""#));
    assert!(xml.contains("&lt;html&gt; &amp; \"temporarily_unavailable\""));
    assert!(!xml.contains('\x1b') && !xml.contains('\u{7}'));
    let xml = report::junit::render(&checks_report());
    assert!(xml.contains(r#"tests="5" failures="2" errors="0" skipped="1""#));
    assert!(xml.contains("<skipped"));
    let xml = report::junit::render(&clean_report());
    assert!(xml.contains(r#"tests="1" failures="0""#));
}

#[test]
fn junit_escapes_everything_xml_cannot_hold() {
    let mut r = findings_report();
    r.findings[0].title = "a \"b\" & 'c' <d>\u{0}\u{1b}\u{FFFF}]]>".into();
    r.findings[0].message = "line one\nline two\r\n</failure><evil/>".into();
    let xml = report::junit::render(&r);
    assert_well_formed_xml(&xml);
    assert!(!xml.contains("<evil/>"));
    assert!(
        xml.contains("&#10;"),
        "newline kept in the message attribute"
    );
}

#[test]
fn github_escaping() {
    use report::github::{escape_data, escape_property};
    assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
    assert_eq!(escape_data("%0A"), "%250A");
    assert_eq!(escape_property("a: b, c%\n"), "a%3A b%2C c%25%0A");
    assert_eq!(escape_property("::error::"), "%3A%3Aerror%3A%3A");

    let out = report::github::render(&findings_report());
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(
        "::error file=tickets/case 42%2C part%3A1.txt,title=admin-consent-missing%3A The permissions"
    ));
    assert!(lines[1].starts_with("::warning file="));
    assert!(lines[2].starts_with("::notice file="));
    assert!(lines[2].contains("100%25 of the time"));
    // One line per annotation: the message's own line breaks are escaped.
    assert!(lines[0].contains("%0Afix 1: Grant admin consent"));
    assert!(lines[0].contains("%0A  $ az ad app permission admin-consent --id"));
    // Only the annotations and the group's markers are workflow commands.
    let commands: Vec<&&str> = lines.iter().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 5);
    assert_eq!(*lines.last().unwrap(), "::endgroup::");

    // Stdin and inline tokens have no file to point at.
    let decode = report::github::render(&decode_report());
    assert!(decode.starts_with("::error title=token-expired%3A The token has expired::"));
}
