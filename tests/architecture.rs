//! The workspace's layering, checked from Cargo's own view of it: each crate depends only on the
//! stages before it in the pipeline, and the offline parsers never pull in an async runtime or an
//! HTTP client, even indirectly.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Each workspace member and the workspace members among its normal dependencies.
fn members() -> BTreeMap<String, BTreeSet<String>> {
    let out = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let names: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null()) // normal dependencies, not dev or build
                .map(|d| d["name"].as_str().unwrap().to_string())
                .filter(|n| names.contains(n))
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

#[test]
fn each_crate_depends_only_on_earlier_stages() {
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("authcheck-model", &[][..]),
        ("authcheck-rules", &["authcheck-model"][..]),
        ("authcheck-offline", &["authcheck-model"][..]),
        (
            "authcheck-live",
            &["authcheck-model", "authcheck-offline"][..],
        ),
        ("authcheck-sim", &["authcheck-model"][..]),
        (
            "authcheck",
            &[
                "authcheck-model",
                "authcheck-rules",
                "authcheck-offline",
                "authcheck-live",
                "authcheck-sim",
            ][..],
        ),
    ]);
    let found = members();
    assert_eq!(
        found.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        allowed.keys().copied().collect::<BTreeSet<_>>(),
        "the workspace's crates changed: update ARCHITECTURE.md and this test"
    );
    for (krate, deps) in &found {
        let ok: BTreeSet<&str> = allowed[krate.as_str()].iter().copied().collect();
        for d in deps {
            assert!(
                ok.contains(d.as_str()),
                "{krate} depends on {d}, which is not a stage before it (see ARCHITECTURE.md)"
            );
        }
    }
}

#[test]
fn offline_and_model_pull_in_no_runtime_or_http_client() {
    for krate in ["authcheck-model", "authcheck-offline", "authcheck-rules"] {
        let out = cargo()
            .args([
                "tree",
                "--offline",
                "-p",
                krate,
                "-e",
                "normal",
                "--prefix",
                "none",
                "--format",
                "{p}",
            ])
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8_lossy(&out.stdout);
        for banned in ["tokio ", "reqwest ", "hyper ", "axum "] {
            assert!(
                !tree.lines().any(|l| l.starts_with(banned)),
                "{krate} pulls in {}",
                banned.trim()
            );
        }
    }
}
