//! The binary end to end: exit codes, one-line errors for bad input (never a panic or a backtrace),
//! every output format, `explain` and `rules`, user rule folders, a closed pipe, and `--help` of
//! every command as snapshots so the CLI never changes by accident.
//!
//! Every run has a fixed `AUTHCHECK_NOW`, `NO_COLOR=1`, a fixed help width and no `AZURE_*`
//! variables, and runs in the crate's folder so paths in the output are relative.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;

mod cli_common;
use cli_common::authcheck;

const CONSENT: &str = "fixtures/reports/consent-error.txt";
const MARKER: &str = "fixtures/reports/marker-error.txt";
const GARBAGE: &str = "fixtures/reports/garbage.txt";
const WARNING_RULE: &str = "fixtures/reports/warning-rule";

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn finish(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Run {
    finish(authcheck().args(args).output().expect("run authcheck"))
}

fn run_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = authcheck()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn authcheck");
    let mut stdin = child.stdin.take().unwrap();
    // The child may refuse before reading it all; a closed pipe here is not this test's business.
    let _ = stdin.write_all(input);
    drop(stdin);
    finish(child.wait_with_output().expect("wait"))
}

fn assert_no_panic(r: &Run) {
    for bad in [
        "panicked",
        "backtrace",
        "RUST_BACKTRACE",
        "internal error",
        "stack",
    ] {
        assert!(!r.stderr.contains(bad), "`{bad}` on stderr: {}", r.stderr);
    }
}

/// Exit 2, nothing on stdout, exactly one line on stderr, naming `what`.
#[track_caller]
fn assert_input_error(r: &Run, what: &str) {
    assert_eq!(r.code, 2, "{r:#?}");
    assert_no_panic(r);
    assert_eq!(r.stdout, "", "{r:#?}");
    assert_eq!(r.stderr.lines().count(), 1, "one line: {r:#?}");
    assert!(r.stderr.ends_with('\n'));
    assert!(r.stderr.contains(what), "`{what}` not named: {}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn a_finding_at_the_threshold_exits_1() {
    let r = run(&["triage", CONSENT]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_no_panic(&r);
    assert_eq!(r.stderr, "");
    assert!(
        r.stdout.contains("error[admin-consent-missing]"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("most likely cause"));
    assert!(r.stdout.contains(&format!("in {CONSENT}")));
}

#[test]
fn fail_on_never_exits_0_with_the_same_report() {
    let strict = run(&["triage", CONSENT]);
    let r = run(&["triage", CONSENT, "--fail-on", "never"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.stdout, strict.stdout);
}

#[test]
fn fail_on_warning_counts_warnings() {
    // The test rule makes a warning and nothing else out of a code only the tests use.
    let args = ["triage", MARKER, "--rules", WARNING_RULE];
    let r = run(&args);
    assert_eq!(
        r.code, 0,
        "a warning is below the default threshold: {r:#?}"
    );
    assert!(
        r.stdout.contains("warning[reports-test-warning]"),
        "{}",
        r.stdout
    );
    let r = run(&[&args[..], &["--fail-on", "warning"]].concat());
    assert_eq!(r.code, 1, "{r:#?}");
    let r = run(&[&args[..], &["--fail-on", "error"]].concat());
    assert_eq!(r.code, 0, "{r:#?}");
    let r = run(&[&args[..], &["--fail-on", "never"]].concat());
    assert_eq!(r.code, 0, "{r:#?}");
}

#[test]
fn nothing_wrong_exits_0() {
    let r = run(&["triage", MARKER]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.stderr, "");
    assert!(!r.stdout.contains("error["), "{}", r.stdout);
    assert!(!r.stdout.contains("warning["), "{}", r.stdout);
}

#[test]
fn standard_input_works_like_a_file() {
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(CONSENT)).unwrap();
    let r = run_stdin(&["triage", "-"], &text);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(r.stdout.contains("error[admin-consent-missing]"));
    assert!(r.stdout.contains("in standard input"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// Every format, end to end

#[test]
fn every_format_reports_the_same_finding() {
    let json = run(&["triage", CONSENT, "--format", "json"]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["schema"], "authcheck.report/v1");
    assert_eq!(v["command"], "triage");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"admin-consent-missing"), "{rules:?}");
    assert!(v["summary"]["errors"].as_u64().unwrap() >= 1);

    let sarif = run(&["triage", CONSENT, "--format", "sarif"]);
    assert_eq!(sarif.code, 1);
    let s: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    assert_eq!(s["version"], "2.1.0");
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), rules.len());
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "admin-consent-missing"));
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        CONSENT
    );

    let junit = run(&["triage", CONSENT, "--format", "junit"]);
    assert_eq!(junit.code, 1);
    assert!(junit.stdout.starts_with("<?xml"));
    assert!(junit
        .stdout
        .contains(r#"<testcase classname="authcheck.triage" name="admin-consent-missing">"#));
    assert!(junit.stdout.trim_end().ends_with("</testsuites>"));

    let github = run(&["triage", CONSENT, "--format", "github"]);
    assert_eq!(github.code, 1);
    assert!(github.stdout.lines().any(|l| l.starts_with(&format!(
        "::error file={CONSENT},title=admin-consent-missing%3A"
    ))));
    assert!(github.stdout.contains("::endgroup::"));

    for r in [&json, &sarif, &junit, &github] {
        assert_eq!(r.stderr, "");
        assert!(!r.stdout.contains('\x1b'));
    }
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let plain = run(&["triage", CONSENT]);
    assert!(
        !plain.stdout.contains('\x1b'),
        "NO_COLOR and a pipe: no ANSI"
    );
    let forced = run(&["--color", "always", "triage", CONSENT]);
    assert!(forced.stdout.contains("\x1b["), "--color always colours");
    let never = run(&["--color", "never", "triage", CONSENT]);
    assert_eq!(never.stdout, plain.stdout);
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2, one line naming the input, never a panic

/// Readable text in which nothing known is found is not bad input: an honest empty report that
/// says what was read, in every format, exit 0.
#[test]
fn readable_text_with_nothing_known_gets_an_honest_empty_report() {
    let first = "Hello team, the weekly report is attached.";
    for format in ["text", "json", "sarif", "junit", "github"] {
        let r = run(&["triage", GARBAGE, "--format", format]);
        assert_eq!(r.code, 0, "{format}: {r:#?}");
        assert_no_panic(&r);
        assert!(
            !r.stdout.contains("no known problem"),
            "{format}: {}",
            r.stdout
        );
        assert!(
            r.stdout.contains("nothing authcheck knows was found"),
            "{format}: {}",
            r.stdout
        );
        assert!(r.stdout.contains(first), "{format}: {}", r.stdout);
    }
    let r = run(&["triage", GARBAGE, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    assert!(v["summary"]["note"]
        .as_str()
        .is_some_and(|n| n.contains("2 lines")));
}

/// Entra's own message without its `AADSTSnnnn:` prefix (as SDK wrappers, portals and chats carry
/// it) still reaches the rules.
#[test]
fn a_message_without_its_code_reaches_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("paste.txt");
    std::fs::write(
        &p,
        "The user or administrator has not consented to use the application with ID '5e2c8a51-0f9c-4a7e-b1d2-7c3f6a9e1b24' named 'contoso-reporting'.\n",
    )
    .unwrap();
    let r = run(&["triage", p.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["findings"][0]["rule"], "admin-consent-missing",
        "{}",
        r.stdout
    );
}

#[test]
fn empty_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.txt");
    std::fs::write(&p, "").unwrap();
    let r = run(&["triage", p.to_str().unwrap()]);
    assert_input_error(&r, "empty.txt");
    assert!(r.stderr.contains("empty"));
    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "  \n\t\n").unwrap();
    assert_input_error(&run(&["triage", blank.to_str().unwrap()]), "blank.txt");
}

#[test]
fn empty_standard_input_is_refused() {
    assert_input_error(&run_stdin(&["triage", "-"], b""), "standard input");
}

#[test]
fn binary_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("capture.bin");
    let mut bytes = b"\x7fELF\x02\x01\x01\x00AADSTS65001".to_vec();
    bytes.extend((0u8..=255).cycle().take(4096));
    std::fs::write(&p, bytes).unwrap();
    let r = run(&["triage", p.to_str().unwrap()]);
    assert_input_error(&r, "capture.bin");
    assert!(r.stderr.contains("binary"), "{}", r.stderr);
}

#[test]
fn huge_file_is_refused_by_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.har");
    // Sparse: costs no disk, and the reader must stop at its limit rather than read 100 MB.
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(100 * 1024 * 1024).unwrap();
    drop(f);
    let r = run(&["triage", p.to_str().unwrap()]);
    assert_input_error(&r, "huge.har");
    assert!(r.stderr.contains("larger than"), "{}", r.stderr);
}

#[test]
fn missing_file_is_refused() {
    let r = run(&["triage", "fixtures/reports/no-such-file.txt"]);
    assert_input_error(&r, "fixtures/reports/no-such-file.txt");
    assert!(r.stderr.contains("no such file"), "{}", r.stderr);
}

#[test]
fn a_folder_with_no_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let name = dir.path().to_str().unwrap();
    let r = run(&["triage", name]);
    assert_input_error(&r, name);
    assert!(r.stderr.contains("folder"), "{}", r.stderr);
}

#[test]
fn invalid_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.txt");
    std::fs::write(
        &p,
        b"AADSTS65001: Die Anwendung hat keine Zustimmung \xe4\xf6\xfc erhalten.\n",
    )
    .unwrap();
    let r = run(&["triage", p.to_str().unwrap()]);
    assert_input_error(&r, "latin1.txt");
    assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);
}

#[test]
fn bad_now_is_refused() {
    let r = run(&["triage", CONSENT, "--now", "garbage"]);
    assert_input_error(&r, "--now");
    assert!(r.stderr.contains("garbage"));
    let r = finish(
        authcheck()
            .args(["triage", CONSENT])
            .env("AUTHCHECK_NOW", "yesterday")
            .output()
            .unwrap(),
    );
    assert_input_error(&r, "AUTHCHECK_NOW");
}

#[test]
fn unknown_format_is_a_usage_error() {
    let r = run(&["triage", CONSENT, "--format", "xml"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert_no_panic(&r);
    assert_eq!(r.stdout, "");
    // clap's usage error: the first line names the option and the value.
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("--format") && first.contains("xml"),
        "{}",
        r.stderr
    );
}

#[test]
fn unknown_command_and_missing_argument_are_usage_errors() {
    for args in [&["frobnicate"][..], &["explain"][..], &[][..]] {
        let r = run(args);
        assert_eq!(r.code, 2, "{args:?}: {r:#?}");
        assert_no_panic(&r);
    }
}

#[test]
fn a_broken_token_is_refused() {
    let r = run(&["decode", "eyJhbGciOiJSUzI1NiJ9.not-base64!.x"]);
    assert_input_error(&r, "token");
    // The token is not echoed back whole.
    assert!(!r.stderr.contains("not-base64!"), "{}", r.stderr);
    let r = run_stdin(&["decode", "-"], b"hello world\n");
    assert_input_error(&r, "standard input");
}

// ---------------------------------------------------------------------------------------------
// explain and rules

#[test]
fn explain_takes_a_code_a_number_or_a_rule() {
    let full = run(&["explain", "AADSTS65001"]);
    assert_eq!(full.code, 0, "{full:#?}");
    assert_eq!(full.stderr, "");
    assert!(full.stdout.contains("AADSTS65001"));
    assert!(
        full.stdout.contains("admin-consent-missing"),
        "{}",
        full.stdout
    );
    let bare = run(&["explain", "65001"]);
    assert_eq!(bare.code, 0);
    assert_eq!(
        bare.stdout, full.stdout,
        "the number alone is the same code"
    );
    let lower = run(&["explain", "aadsts65001"]);
    assert_eq!(lower.code, 0);
    let rule = run(&["explain", "admin-consent-missing"]);
    assert_eq!(rule.code, 0, "{rule:#?}");
    assert!(rule.stdout.starts_with("admin-consent-missing"));
    assert!(rule.stdout.contains("az ad app permission admin-consent"));
    let json = run(&["explain", "65001", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["code"], "AADSTS65001");
    assert_eq!(v["rule"]["rule"], "admin-consent-missing");
}

#[test]
fn explain_refuses_what_it_does_not_know() {
    assert_input_error(&run(&["explain", "123"]), "AADSTS123");
    assert_input_error(&run(&["explain", "no-such-rule"]), "no-such-rule");
}

#[test]
fn rules_lists_shows_and_documents_fields() {
    let list = run(&["rules"]);
    assert_eq!(list.code, 0, "{list:#?}");
    assert!(list
        .stdout
        .lines()
        .any(|l| l.starts_with("admin-consent-missing ") && l.contains("error")));
    assert!(list.stdout.contains(" rules; "));
    let one = run(&["rules", "admin-consent-missing"]);
    assert_eq!(one.code, 0, "{one:#?}");
    assert!(one.stdout.starts_with("admin-consent-missing"));
    assert!(one.stdout.contains("fix:"));
    let source = run(&["rules", "admin-consent-missing", "--source"]);
    assert!(source
        .stdout
        .starts_with("name = \"admin-consent-missing\""));
    let fields = run(&["rules", "--fields"]);
    assert_eq!(fields.code, 0);
    assert!(fields.stdout.contains("response.codes"));
    let json = run(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "admin-consent-missing"));
    assert_input_error(&run(&["rules", "no-such-rule"]), "no-such-rule");
}

#[test]
fn user_rules_join_the_list() {
    let r = run(&["rules", "--rules", WARNING_RULE]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("reports-test-warning"));
}

// ---------------------------------------------------------------------------------------------
// Rule folders given with --rules: a bad file is refused with its file and line

#[test]
fn a_rule_with_an_unknown_key_is_refused_with_its_line() {
    let r = run(&[
        "triage",
        CONSENT,
        "--rules",
        "fixtures/reports/bad-rules-unknown-key",
    ]);
    assert_input_error(
        &r,
        "fixtures/reports/bad-rules-unknown-key/reports-bad-key.toml:4:",
    );
    assert!(r.stderr.contains("severityy"), "{}", r.stderr);
    // `rules` loads the folder the same way.
    let r = run(&["rules", "--rules", "fixtures/reports/bad-rules-unknown-key"]);
    assert_input_error(&r, "reports-bad-key.toml:4:");
}

#[test]
fn a_rule_with_bad_cel_is_refused_with_its_line() {
    let r = run(&[
        "triage",
        CONSENT,
        "--rules",
        "fixtures/reports/bad-rules-cel",
    ]);
    assert_input_error(
        &r,
        "fixtures/reports/bad-rules-cel/reports-bad-cel.toml:10:",
    );
}

#[test]
fn a_missing_rules_folder_is_refused() {
    let r = run(&[
        "triage",
        CONSENT,
        "--rules",
        "fixtures/reports/no-such-folder",
    ]);
    assert_input_error(&r, "fixtures/reports/no-such-folder");
}

// ---------------------------------------------------------------------------------------------
// A closed pipe (`authcheck … | head -c 10`) is not an error

#[test]
fn a_reader_that_stops_early_gets_no_panic() {
    let mut child = authcheck()
        .args(["rules", "--fields"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The read end is dropped here, like `head -c 10` exiting.
    let out = child.wait_with_output().unwrap();
    let r = finish(out);
    assert_no_panic(&r);
    assert_eq!(r.stderr, "");
}

#[test]
fn writing_into_a_closed_pipe_gets_no_panic() {
    // Close the reader before the child writes anything, so its write surely fails.
    let mut child = authcheck()
        .args(["triage", "-", "--show-evidence"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(CONSENT)).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&text).unwrap();
    drop(stdin);
    let r = finish(child.wait_with_output().unwrap());
    assert_no_panic(&r);
    assert_eq!(r.stderr, "", "a closed pipe is not an error");
    assert!(r.code == 0 || r.code == 1, "{r:#?}");
}

// ---------------------------------------------------------------------------------------------
// --help of every command, so the CLI never changes by accident

fn help(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}: {r:#?}");
    assert_eq!(r.stderr, "");
    assert!(!r.stdout.contains('\x1b'));
    r.stdout
}

#[test]
fn help_snapshots() {
    insta::assert_snapshot!("help", help(&["--help"]));
    for cmd in [
        "triage",
        "decode",
        "explain",
        "rules",
        "sim",
        "fix",
        "redact",
        "completions",
        "man",
    ] {
        insta::assert_snapshot!(format!("help_{cmd}"), help(&[cmd, "--help"]));
    }
}

#[test]
fn version_prints_the_package_version() {
    let r = run(&["--version"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout.trim(),
        format!("authcheck {}", env!("CARGO_PKG_VERSION"))
    );
}

/// At home in a shell: each case is the arguments, the exit code, and what stderr must hold.
#[test]
fn usage_errors_suggest_the_closest_command_or_flag() {
    let cases: &[(&[&str], i32, &[&str])] = &[
        (
            &[],
            2,
            &["Usage: authcheck", "Commands:", "triage", "doctor"],
        ),
        (
            &["traige", "x"],
            2,
            &["did you mean `triage`?", "authcheck --help"],
        ),
        (
            &["triage", "--fromat", "json", "x"],
            2,
            &["did you mean `--format`?"],
        ),
        (&["explain"], 2, &["authcheck --help"]),
    ];
    for (args, code, wanted) in cases {
        let r = run(args);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        for w in *wanted {
            assert!(r.stderr.contains(w), "{args:?}: want {w:?} in {}", r.stderr);
        }
        if !args.is_empty() {
            assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
        }
    }
}

/// Every shell's completion script is generated; bash's parses (`bash -n`).
#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("triage"), "{shell}");
    }
    let script = run(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("authcheck.bash");
    std::fs::write(&path, script).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The manual page is roff that names every command; `man -l` renders it when man is installed.
#[test]
fn manual_page_renders() {
    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH authcheck"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    for cmd in ["triage", "doctor", "decode"] {
        assert!(r.stdout.contains(cmd), "{cmd}");
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("authcheck.1");
    std::fs::write(&page, &r.stdout).unwrap();
    if let Ok(out) = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("authcheck"), "{text}");
    }
}

/// Regression (issue 11): a full disk on stdout is an error (exit 2, one line), not a silent exit 1.
#[test]
fn a_full_disk_on_stdout_is_exit_2_with_one_line() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let o = authcheck()
        .args(["explain", "65001"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
}

/// Regression (issue 11): a named pipe in a folder is skipped and named, never read (it would
/// block forever); a file name's control characters are escaped in errors, never obeyed.
#[test]
fn folders_read_regular_files_only_and_names_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "fixtures/rules/admin-consent-missing/fire-aadsts--msal-python.txt",
        dir.path().join("a.txt"),
    )
    .unwrap();
    let fifo = dir.path().join("pipe");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let r = run(&["triage", dir.path().to_str().unwrap(), "--format", "json"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("skipped \"pipe\""), "{}", r.stderr);
    }
    let r = run(&["triage", "bad\n::add-mask::x\u{1b}[31m.txt"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
}
