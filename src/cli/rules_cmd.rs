//! `authcheck rules`: list the rules, show one, or list the evidence fields rules can read.

use super::explain::ExplainFormat;
use super::{emit, load_rules, CliError};
use authcheck_model::evidence::fields::FIELDS;
use authcheck_model::evidence::vocab;
use clap::Args;
use colored::Colorize;
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Show this rule's page (and its file with `--source`).
    pub name: Option<String>,
    /// Print the rule file as written.
    #[arg(long, requires = "name")]
    pub source: bool,
    /// List every evidence field a rule condition can read, with its meaning
    // (and, for a field of fixed vocabulary, the values it can hold).
    #[arg(long, conflicts_with = "name")]
    pub fields: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Extra rule folders (`*.toml`), loaded after the built-in rules.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
}

pub fn run(args: &RulesArgs, _color: bool) -> Result<i32, CliError> {
    let json_out = args.format == ExplainFormat::Json;
    if args.fields {
        if json_out {
            let rows: Vec<_> = FIELDS
                .iter()
                .map(|(p, t, d)| match vocab::allowed(p) {
                    Some(values) => json!({"path": p, "type": t, "doc": d, "values": values}),
                    None => json!({"path": p, "type": t, "doc": d}),
                })
                .collect();
            emit(&serde_json::to_string_pretty(&rows).unwrap_or_default());
        } else {
            let mut out = String::new();
            for (p, t, d) in FIELDS {
                out.push_str(&format!("{}  {}\n    {}\n", p.bold(), t.dimmed(), d));
                if let Some(values) = vocab::allowed(p) {
                    let values: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                    out.push_str(&format!(
                        "    {} {}\n",
                        "values:".dimmed(),
                        values.join(", ")
                    ));
                }
            }
            emit(&out);
        }
        return Ok(0);
    }
    let rules = load_rules(&args.rules_dirs)?;
    if let Some(name) = &args.name {
        let r = rules.get(name).ok_or_else(|| {
            CliError::Input(format!(
                "no rule named `{name}`; `authcheck rules` lists them"
            ))
        })?;
        if args.source {
            emit(&r.source);
        } else if json_out {
            emit(
                &serde_json::to_string_pretty(&json!({
                    "rule": r.def.name, "title": r.def.title, "severity": r.def.severity,
                    "confidence": r.def.confidence, "summary": r.def.summary, "file": r.file,
                    "codes": r.def.codes, "docs": r.def.docs,
                }))
                .unwrap_or_default(),
            );
        } else {
            emit(&super::explain::rule_text(&r.def));
        }
        return Ok(0);
    }
    if json_out {
        let rows: Vec<_> = rules
            .rules
            .iter()
            .map(|r| json!({"rule": r.def.name, "severity": r.def.severity, "title": r.def.title, "file": r.file}))
            .collect();
        emit(&serde_json::to_string_pretty(&rows).unwrap_or_default());
    } else {
        let width = rules
            .rules
            .iter()
            .map(|r| r.def.name.len())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for r in &rules.rules {
            out.push_str(&format!(
                "{:width$}  {:7}  {}\n",
                r.def.name,
                r.def.severity.as_str(),
                r.def.title
            ));
        }
        out.push_str(&format!("\n{} rules; `authcheck rules NAME` shows one, `authcheck explain CODE` maps a code to its rule.\n", rules.rules.len()));
        emit(&out);
    }
    Ok(0)
}
