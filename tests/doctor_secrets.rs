//! The secret, password, assertion and every token a doctor run handles appear in no output: each
//! report format, with and without the evidence document, and the check details.

use authcheck::cli::doctor::{self, DoctorWords, MapEnv};
use authcheck::report::{render, Format, RenderOptions};
use clap::Parser;

#[test]
fn nothing_secret_in_any_format() {
    let rt = doctor::runtime().unwrap();
    for name in [
        "healthy",
        "client-secret-invalid",
        "federated-credential-mismatch",
        "public-client-with-credential",
        "certificate-credential-invalid",
        // Its operator's reader tokens come in the env (AUTHCHECK_ARM_TOKEN, AUTHCHECK_GRAPH_TOKEN).
        "rbac-propagation-pending",
    ] {
        rt.block_on(async {
            let scenario = authcheck_sim::Scenario::builtin(name).unwrap();
            let handle = authcheck_sim::start(scenario, Default::default())
                .await
                .unwrap();
            let h = handle.info.clone();
            let mut args = h.doctor_args.clone();
            args.extend(["--no-prompt".into(), "--show-evidence".into()]);
            let w = DoctorWords::try_parse_from(&args).unwrap();
            let mut d = doctor::run_async(&w.args, &MapEnv(h.env.clone()), false)
                .await
                .unwrap();
            let mut secrets = d.secrets.clone();
            for k in ["AZURE_CLIENT_SECRET", "AZURE_PASSWORD"] {
                if let Some(v) = h.env.get(k) {
                    secrets.push(v.clone());
                }
            }
            // The operator's reader tokens, whole and by their signatures.
            for k in ["AUTHCHECK_ARM_TOKEN", "AUTHCHECK_GRAPH_TOKEN"] {
                if let Some(v) = h.env.get(k) {
                    secrets.push(v.clone());
                    secrets.push(v.rsplit('.').next().unwrap_or_default().to_string());
                }
            }
            if name == "rbac-propagation-pending" {
                assert!(
                    h.env.contains_key("AUTHCHECK_ARM_TOKEN")
                        && h.env.contains_key("AUTHCHECK_GRAPH_TOKEN"),
                    "{name}: the operator's tokens are in the env"
                );
            }
            if let Some(f) = &h.federated_token_file {
                secrets.push(std::fs::read_to_string(f).unwrap().trim().to_string());
            }
            if let Some(f) = &h.client_certificate {
                let pem = std::fs::read_to_string(f).unwrap();
                // The private key's body lines.
                secrets.extend(
                    pem.lines()
                        .filter(|l| !l.starts_with("-----") && l.len() > 40)
                        .map(str::to_string),
                );
            }
            // The simulator removes its state folder (certificate, federated token) at shutdown.
            handle.shutdown().await;
            secrets.retain(|s| s.len() >= 8);
            assert!(!secrets.is_empty(), "{name}: nothing to look for");
            d.report.evidence = serde_json::to_value(&d.evidence).ok();
            d.report.tally();
            for format in [
                Format::Text,
                Format::Json,
                Format::Sarif,
                Format::Junit,
                Format::Github,
            ] {
                for color in [false, true] {
                    let out = render(&d.report, format, RenderOptions { color });
                    for s in &secrets {
                        assert!(
                            !out.contains(s.as_str()),
                            "{name} {format:?}: a secret appears"
                        );
                    }
                }
            }
            let debug = format!("{:?}", d.report);
            for s in &secrets {
                assert!(
                    !debug.contains(s.as_str()),
                    "{name}: a secret appears in the report's Debug"
                );
            }
        });
    }
}
