//! `authcheck doctor --config`: the CI example parses, unknown keys are refused with the line, and
//! expectations become checks that fail the run.

use authcheck::cli::doctor::{DoctorWords, MapEnv};
use clap::Parser;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn words(extra: &[&str]) -> DoctorWords {
    DoctorWords::try_parse_from(extra).unwrap()
}

#[test]
fn the_ci_example_config_is_valid() {
    let cfg = root().join("examples/ci/authcheck.toml");
    let w = words(&["--config", cfg.to_str().unwrap()]);
    let plan = w.args.opts.plan(&MapEnv(BTreeMap::new())).unwrap();
    assert_eq!(plan.tenant, "contoso.onmicrosoft.com");
    assert_eq!(plan.api.unwrap().key, "loganalytics");
    assert_eq!(plan.expect.roles.len(), 1);
    assert_eq!(plan.expect.secrets_valid_days, Some(30));
    assert!(plan
        .call
        .as_deref()
        .unwrap()
        .starts_with("https://api.loganalytics.azure.com/v1/workspaces/"));
    assert_eq!(plan.github.environment.as_deref(), Some("production"));
}

#[test]
fn flags_and_environment_win_over_the_config() {
    let cfg = root().join("examples/ci/authcheck.toml");
    let w = words(&["--config", cfg.to_str().unwrap(), "--api", "purview"]);
    let env = MapEnv(BTreeMap::from([(
        "AZURE_TENANT_ID".to_string(),
        "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f".to_string(),
    )]));
    let plan = w.args.opts.plan(&env).unwrap();
    assert_eq!(plan.tenant, "8f2b4c1d-6e3a-4b5c-9d7e-0a1b2c3d4e5f");
    assert_eq!(plan.api.unwrap().key, "purview");
    assert_eq!(
        plan.request.scope.as_deref(),
        Some("https://purview.azure.net/.default")
    );
}

#[test]
fn an_unknown_key_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("authcheck.toml");
    std::fs::write(
        &p,
        "tenant = \"t\"\nclient_id = \"c\"\nclient_secret = \"no\"\n",
    )
    .unwrap();
    let w = words(&["--config", p.to_str().unwrap()]);
    let e = w.args.opts.plan(&MapEnv(BTreeMap::new())).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(":3:") && msg.contains("client_secret"),
        "{msg}"
    );
    assert!(
        matches!(e, authcheck_live::doctor::DoctorError::Input(_)),
        "{e:?}"
    );
}

#[test]
fn what_the_user_code_sends_is_kept_as_written() {
    let w = words(&[
        "--tenant",
        "t",
        "--client-id",
        "c",
        "--api",
        "purview",
        "--endpoint",
        "v1",
        "--resource",
        "purview.azure.net",
    ]);
    let plan = w.args.opts.plan(&MapEnv(BTreeMap::new())).unwrap();
    assert_eq!(plan.request.resource.as_deref(), Some("purview.azure.net"));
    assert!(plan.request.url().ends_with("/t/oauth2/token"));
}

#[test]
fn expectations_fail_the_run() {
    let rt = authcheck::cli::doctor::runtime().unwrap();
    rt.block_on(async {
        let scenario = authcheck_sim::Scenario::builtin("healthy").unwrap();
        let h = authcheck_sim::start(scenario, Default::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("authcheck.toml");
        // Healthy secrets end in about a year: demanding 400 days must fail; 30 must pass.
        for (days, failed) in [(400, true), (30, false)] {
            std::fs::write(&p, format!("[expect]\nsecrets_valid_days = {days}\n")).unwrap();
            let mut args = h.info.doctor_args.clone();
            args.extend([
                "--no-prompt".into(),
                "--config".into(),
                p.display().to_string(),
            ]);
            let w = DoctorWords::try_parse_from(&args).unwrap();
            let d = authcheck::cli::doctor::run_async(&w.args, &MapEnv(h.info.env.clone()), false)
                .await
                .unwrap();
            let check = d
                .report
                .checks
                .iter()
                .find(|c| c.name.starts_with("expect.secrets"))
                .expect("an expectation check");
            assert_eq!(d.expectation_failed, failed, "{check:?}");
            // Still valid, ending within the days asked for: it works, with a warning (!).
            let want = if failed {
                authcheck::report::CheckStatus::Warning
            } else {
                authcheck::report::CheckStatus::Ok
            };
            assert_eq!(check.status, want, "{check:?}");
            let code = authcheck::cli::doctor::exit_code(&d, &w.args.report.inner);
            if failed {
                assert_eq!(code, 1);
            }
        }
        h.shutdown().await;
    });
}

#[test]
fn a_national_cloud_sets_every_host() {
    let w = words(&[
        "--tenant",
        "t",
        "--client-id",
        "c",
        "--api",
        "graph",
        "--cloud",
        "usgov",
    ]);
    let plan = w.args.opts.plan(&MapEnv(BTreeMap::new())).unwrap();
    assert_eq!(plan.authority, "https://login.microsoftonline.us");
    assert_eq!(plan.graph, "https://graph.microsoft.us");
    assert_eq!(plan.arm, "https://management.usgovcloudapi.net");
    // AZURE_AUTHORITY_HOST, as azure-identity writes it (with a trailing slash), overrides.
    let env = MapEnv(BTreeMap::from([(
        "AZURE_AUTHORITY_HOST".to_string(),
        "https://login.microsoftonline.us/".to_string(),
    )]));
    let w = words(&["--tenant", "t", "--client-id", "c", "--api", "graph"]);
    let plan = w.args.opts.plan(&env).unwrap();
    assert_eq!(plan.authority, "https://login.microsoftonline.us");
    // … and names the cloud, so Graph and ARM follow it.
    assert_eq!(plan.cloud.key, "usgov");
    assert_eq!(plan.graph, "https://graph.microsoft.us");
}

/// `--api logsingestion`: the endpoint, rule and stream come from flags, the environment or the
/// config file, and build the Logs Ingestion URL; the roles are checked on the rule.
#[test]
fn logs_ingestion_inputs_from_config_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("authcheck.toml");
    std::fs::write(
        &p,
        "tenant = \"contoso.onmicrosoft.com\"\nclient_id = \"3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40\"\napi = \"logsingestion\"\ndce = \"https://my-dce-5kyl.eastus-1.ingest.monitor.azure.com\"\ndcr_immutable_id = \"dcr-000a00a000a00000a000000aa000a0aa\"\nresource_id = \"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/my-dcr\"\n",
    )
    .unwrap();
    let w = words(&["--config", p.to_str().unwrap()]);
    let env = MapEnv(BTreeMap::from([(
        "AUTHCHECK_DCR_STREAM".to_string(),
        "Custom-MyTable".to_string(),
    )]));
    let plan = w.args.opts.plan(&env).unwrap();
    assert_eq!(plan.api.unwrap().key, "logsingestion");
    assert_eq!(
        plan.request.scope.as_deref(),
        Some("https://monitor.azure.com/.default")
    );
    assert_eq!(
        plan.call.as_deref(),
        Some("https://my-dce-5kyl.eastus-1.ingest.monitor.azure.com/dataCollectionRules/dcr-000a00a000a00000a000000aa000a0aa/streams/Custom-MyTable?api-version=2023-01-01")
    );
    assert_eq!(
        plan.scope_arm.as_deref(),
        Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/my-dcr")
    );
    // The token goes only to an ingestion host.
    let w = words(&[
        "--config",
        p.to_str().unwrap(),
        "--dce",
        "https://collector.example.com",
    ]);
    let e = w.args.opts.plan(&env).unwrap_err().to_string();
    assert!(e.contains("collector.example.com"), "{e}");
}
