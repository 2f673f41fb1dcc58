//! What release archives carry besides the binary (dist/): the completion scripts and the manual
//! pages must be what this binary prints, or the packages would install stale ones. After changing
//! a command or a flag: `cargo build && bash .ci/shell-files.sh`.

use std::path::Path;

mod cli_common;
use cli_common::authcheck;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stale(what: &str) -> String {
    format!("{what} is stale: run `cargo build && bash .ci/shell-files.sh` and commit dist/")
}

#[test]
fn shipped_completions_are_what_the_binary_prints() {
    for (shell, file) in [
        ("bash", "authcheck.bash"),
        ("zsh", "_authcheck"),
        ("fish", "authcheck.fish"),
        ("powershell", "_authcheck.ps1"),
        ("elvish", "authcheck.elv"),
    ] {
        let out = authcheck().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "completions {shell}");
        let shipped = std::fs::read(root().join("dist/completions").join(file))
            .unwrap_or_else(|e| panic!("dist/completions/{file}: {e}"));
        assert!(
            out.stdout == shipped,
            "{}",
            stale(&format!("dist/completions/{file}"))
        );
    }
}

#[test]
fn shipped_manual_pages_are_one_per_command_and_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = authcheck()
        .arg("man")
        .arg("--out-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let fresh = names(dir.path());
    for page in [
        "authcheck.1",
        "authcheck-triage.1",
        "authcheck-doctor.1",
        "authcheck-decode.1",
    ] {
        assert!(
            fresh.iter().any(|n| n == page),
            "{page} missing from {fresh:?}"
        );
    }
    let shipped_dir = root().join("dist/man");
    assert_eq!(names(&shipped_dir), fresh, "{}", stale("dist/man"));
    for page in &fresh {
        let a = std::fs::read(dir.path().join(page)).unwrap();
        let b = std::fs::read(shipped_dir.join(page)).unwrap();
        assert!(a == b, "{}", stale(&format!("dist/man/{page}")));
    }
}

#[test]
fn man_out_dir_that_is_not_a_folder_is_one_line_exit_2() {
    let out = authcheck()
        .args(["man", "--out-dir", "no/such/folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("no/such/folder") && err.contains("not a folder"),
        "{err}"
    );
}
