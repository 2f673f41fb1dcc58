//! Findings with more than one repair: the user or a group assigned, or "Assignment required"
//! turned off; an SPA redirect URI, or server code that stops sending `Origin`. The operator's
//! `--choose FINDING=OPTION` decides first, then the evidence when it can, then a default when one
//! repair is plainly the narrowest; otherwise the step waits: on a terminal `fix` asks, without one
//! the plan lists the options and that step changes nothing.

use super::{RepairPlan, Step};
use authcheck_model::report::Finding;
use serde::Serialize;

/// The findings that offer a choice, and the options `--choose` accepts for each. An option
/// ending in `:` takes a name after it (`assign-group:Sales`, `assign-app-role:Orders.Read`).
pub const CHOICES: &[(&str, &[&str])] = &[
    (
        "user-assignment-required",
        &[
            "assign-user",
            "assign-group",
            "assign-group:",
            "assign-app-role",
            "assign-app-role:",
            "assignment-off",
        ],
    ),
    ("spa-cross-origin-redemption", &["spa", "drop-origin"]),
];

/// `FINDING=OPTION` from `--choose`, checked against [`CHOICES`].
pub fn parse_choice(arg: &str) -> Result<(String, String), String> {
    let Some((key, opt)) = arg.split_once('=') else {
        return Err(format!(
            "--choose {arg}: expected FINDING=OPTION (for example user-assignment-required=assignment-off)"
        ));
    };
    let (key, opt) = (key.trim(), opt.trim());
    let Some((_, options)) = CHOICES.iter().find(|(k, _)| *k == key) else {
        let keys: Vec<&str> = CHOICES.iter().map(|(k, _)| *k).collect();
        return Err(format!(
            "--choose {arg}: {key} offers no choice (these do: {})",
            keys.join(", ")
        ));
    };
    let ok = options.iter().any(|o| match o.strip_suffix(':') {
        Some(prefix) => opt
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(':'))
            .is_some_and(|name| !name.is_empty()),
        None => *o == opt,
    });
    if !ok {
        let shown: Vec<String> = options
            .iter()
            .map(|o| match o.strip_suffix(':') {
                Some(p) => format!("{p}:NAME"),
                None => o.to_string(),
            })
            .collect();
        return Err(format!(
            "--choose {arg}: {opt:?} is not an option of {key} (options: {})",
            shown.join(", ")
        ));
    }
    Ok((key.to_string(), opt.to_string()))
}

/// A finding's repairs and which was taken.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// The `--choose` key: the finding's rule.
    pub key: String,
    /// The option taken; null while nobody has decided (the step then changes nothing).
    pub chosen: Option<String>,
    /// Who decided: `operator` (`--choose` or the terminal), `evidence`, `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Why this option, or why nothing was decided.
    pub why: String,
    pub options: Vec<ChoiceOption>,
}

/// One way to repair the finding: its steps as they would be planned.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceOption {
    pub id: String,
    pub summary: String,
    pub steps: Vec<Step>,
}

/// How the plan decides when the operator did not.
pub(crate) enum Decision {
    /// The evidence settles it: the option, and why.
    Evidence(String, String),
    /// One option is the narrowest change: taken unless the operator picks another.
    Default(String, String),
    /// Nothing settles it: the operator must choose.
    Ask(String),
}

/// The steps for a finding with options: the operator's pick, else the decision.
pub(crate) fn decide(
    f: &Finding,
    picked: Option<&str>,
    options: Vec<ChoiceOption>,
    decision: Decision,
) -> Vec<Step> {
    let key = f.rule.clone();
    let take = |id: &str, by: &str, why: String| -> Option<Vec<Step>> {
        let o = options.iter().find(|o| o.id == id)?;
        Some(with_choice(
            o.steps.clone(),
            Choice {
                key: key.clone(),
                chosen: Some(id.to_string()),
                decided_by: Some(by.to_string()),
                why,
                options: options.clone(),
            },
        ))
    };
    let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
    if let Some(p) = picked {
        if let Some(s) = take(p, "operator", format!("--choose {key}={p}")) {
            return s;
        }
        return vec![ask(
            f,
            &options,
            format!(
                "--choose {key}={p} is not one of this finding's options ({})",
                ids.join(", ")
            ),
        )];
    }
    let (steps, why) = match decision {
        Decision::Evidence(id, why) => (take(&id, "evidence", why.clone()), why),
        Decision::Default(id, why) => (take(&id, "default", why.clone()), why),
        Decision::Ask(why) => (None, why),
    };
    steps.unwrap_or_else(|| vec![ask(f, &options, why)])
}

/// The first step of the chosen option carries the choice.
fn with_choice(mut steps: Vec<Step>, c: Choice) -> Vec<Step> {
    if let Some(s) = steps.first_mut() {
        s.choice = Some(c);
    }
    steps
}

/// The undecided step: a manual step listing the options; it changes nothing.
fn ask(f: &Finding, options: &[ChoiceOption], why: String) -> Step {
    let mut instructions: Vec<String> = options
        .iter()
        .map(|o| format!("{}: {}", o.id, o.summary))
        .collect();
    instructions.push(format!(
        "Pick one with --choose {}=OPTION (on a terminal, fix asks); until then this step changes nothing.",
        f.rule
    ));
    let mut s = Step::manual(
        &f.rule,
        format!("{}: choose a repair ({why})", f.title),
        instructions,
        options
            .first()
            .map(|o| format!("authcheck fix … --choose {}={}", f.rule, o.id)),
    );
    s.choice = Some(Choice {
        key: f.rule.clone(),
        chosen: None,
        decided_by: None,
        why,
        options: options.to_vec(),
    });
    s
}

/// Takes option `id` for the undecided step at `index` (answered on the terminal): the step is
/// replaced by that option's steps. False when the step has no such option.
pub fn resolve(plan: &mut RepairPlan, index: usize, id: &str) -> bool {
    let Some(c) = plan.steps.get(index).and_then(|s| s.choice.clone()) else {
        return false;
    };
    let Some(o) = c.options.iter().find(|o| o.id == id) else {
        return false;
    };
    let steps = with_choice(
        o.steps.clone(),
        Choice {
            chosen: Some(id.to_string()),
            decided_by: Some("operator".into()),
            why: "chosen on the terminal".into(),
            ..c.clone()
        },
    );
    plan.steps.splice(index..=index, steps);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_arguments_are_checked() {
        assert_eq!(
            parse_choice("user-assignment-required=assignment-off").unwrap(),
            (
                "user-assignment-required".to_string(),
                "assignment-off".to_string()
            )
        );
        assert!(parse_choice("user-assignment-required=assign-group:Sales").is_ok());
        assert!(parse_choice("user-assignment-required=assign-group:").is_err());
        assert!(parse_choice("spa-cross-origin-redemption=spa").is_ok());
        assert!(parse_choice("spa-cross-origin-redemption=web")
            .unwrap_err()
            .contains("spa, drop-origin"));
        assert!(parse_choice("rbac-role-missing=x")
            .unwrap_err()
            .contains("offers no choice"));
        assert!(parse_choice("nothing")
            .unwrap_err()
            .contains("FINDING=OPTION"));
    }
}
