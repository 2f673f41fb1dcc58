//! The report model: findings, checks and a summary — what every stage after the rules produces and
//! every renderer consumes. Renderers (in the binary) know nothing of where the evidence came from.

use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "authcheck.report/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Possible,
    Likely,
    Certain,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Possible => "possible",
            Confidence::Likely => "likely",
            Confidence::Certain => "certain",
        }
    }
}

/// One fact that made a rule fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRef {
    /// Which source produced it (`token-endpoint`, `pasted-text`, `jwt`, `graph`, `arm`, …).
    pub source: String,
    /// Its path in the evidence document (`response.codes`).
    pub path: String,
    pub value: serde_json::Value,
}

/// One step of a fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixStep {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub portal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub title: String,
    pub message: String,
    pub evidence: Vec<EvidenceRef>,
    pub fix: Vec<FixStep>,
    pub docs: Vec<String>,
    /// The id of the rule's `[[match]]` alternative that fired (`aadsts`, `text`, `graph`); for a
    /// rule file whose match has no id, `#N` (its 1-based position).
    #[serde(rename = "match", skip_serializing_if = "Option::is_none", default)]
    pub match_id: Option<String>,
    /// The observed failure this finding explains (`client-secret-rejected`), shared by the
    /// rules that are alternative causes of one failure: the summary counts such findings once
    /// and the text report shows them under one heading.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fault: Option<String>,
    /// The ranking score (higher first); not part of the contract.
    #[serde(skip)]
    pub score: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Failed,
    Skipped,
    /// It works, with a caveat worth acting on (a secret that ends soon, a token that came only
    /// after the endpoint throttled).
    Warning,
}

impl CheckStatus {
    /// The mark a person reads, as `flutter doctor` draws it: ✓ works, ✗ broken (a refused
    /// request, a 401/403 from the API, a bad signature), – skipped, ! works with a caveat.
    pub fn mark(self) -> &'static str {
        match self {
            CheckStatus::Ok => "✓",
            CheckStatus::Failed => "✗",
            CheckStatus::Skipped => "–",
            CheckStatus::Warning => "!",
        }
    }

    /// The word a machine-readable format uses (`ok`, `failed`, `skipped`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Failed => "failed",
            CheckStatus::Skipped => "skipped",
            CheckStatus::Warning => "warning",
        }
    }
}

/// One probe or read and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Set when the checks could not run far enough to diagnose anything (no credential, the
    /// network down, nothing could be read): why, in one line. A run without findings is then not
    /// a clean bill of health.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_not_diagnose: Option<String>,
    /// Set when the input was read but nothing authcheck knows was found in it: what was read, so
    /// an empty report is not mistaken for a clean one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// What was read, for the reader of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A token claim explained, for `decode`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimLine {
    pub claim: String,
    pub value: serde_json::Value,
    pub meaning: String,
}

/// The decoded token part of a `decode` report. Never the signature, never the raw token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenView {
    pub header: Vec<ClaimLine>,
    pub claims: Vec<ClaimLine>,
    pub signature: String,
    pub signature_detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub command: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub input: Option<InputInfo>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub token: Option<TokenView>,
    pub findings: Vec<Finding>,
    pub checks: Vec<Check>,
    pub summary: Summary,
    /// Failures over time and a HAR's exchanges, for sign-in exports and HARs (see
    /// [`crate::timeline`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeline: Option<crate::timeline::Timeline>,
    /// The whole evidence document, when asked for (`--show-evidence`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<serde_json::Value>,
}

impl Report {
    pub fn new(command: &str) -> Self {
        Report {
            schema: SCHEMA.to_string(),
            tool: Tool {
                name: "authcheck".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            command: command.to_string(),
            input: None,
            token: None,
            findings: Vec::new(),
            checks: Vec::new(),
            summary: Summary::default(),
            timeline: None,
            evidence: None,
        }
    }

    /// Recounts the summary from the findings (keeping `could_not_diagnose`).
    pub fn tally(&mut self) {
        let mut s = Summary {
            could_not_diagnose: self.summary.could_not_diagnose.take(),
            note: self.summary.note.take(),
            ..Summary::default()
        };
        // One fault is counted once, at the worst severity of the findings that explain it.
        for (i, f) in self.findings.iter().enumerate() {
            let group: Vec<&Finding> = match &f.fault {
                Some(fault) => {
                    if self.findings[..i]
                        .iter()
                        .any(|e| e.fault.as_ref() == Some(fault))
                    {
                        continue;
                    }
                    self.findings
                        .iter()
                        .filter(|e| e.fault.as_ref() == Some(fault))
                        .collect()
                }
                None => vec![f],
            };
            match group.iter().map(|g| g.severity).max().unwrap_or(f.severity) {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        self.summary = s;
    }

    /// The findings grouped by fault, in report order: each group starts where its best finding
    /// stands, and holds every finding that shares its `fault` (a finding without one is alone).
    pub fn fault_groups(&self) -> Vec<Vec<&Finding>> {
        let mut groups: Vec<Vec<&Finding>> = Vec::new();
        for (i, f) in self.findings.iter().enumerate() {
            match &f.fault {
                Some(fault) => {
                    if self.findings[..i]
                        .iter()
                        .any(|e| e.fault.as_ref() == Some(fault))
                    {
                        continue;
                    }
                    groups.push(
                        self.findings
                            .iter()
                            .filter(|e| e.fault.as_ref() == Some(fault))
                            .collect(),
                    );
                }
                None => groups.push(vec![f]),
            }
        }
        groups
    }

    /// Marks the run as unable to diagnose when it has no findings: the reason is the first check
    /// that failed (`credential: none found: …`), else `fallback`.
    pub fn mark_undiagnosed(&mut self, fallback: &str) {
        if !self.findings.is_empty() {
            return;
        }
        let reason = self
            .checks
            .iter()
            .find(|c| c.status == CheckStatus::Failed)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .unwrap_or_else(|| fallback.to_string());
        self.summary.could_not_diagnose = Some(reason);
    }

    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, severity: Severity, fault: Option<&str>) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            confidence: Confidence::Likely,
            title: String::new(),
            message: String::new(),
            evidence: Vec::new(),
            fix: Vec::new(),
            docs: Vec::new(),
            match_id: Some("aadsts".into()),
            fault: fault.map(str::to_string),
            score: 0,
        }
    }

    #[test]
    fn alternative_causes_of_one_failure_count_once_at_their_worst_severity() {
        let mut r = Report::new("triage");
        r.findings = vec![
            finding("a", Severity::Warning, Some("secret-rejected")),
            finding("b", Severity::Error, None),
            finding("c", Severity::Error, Some("secret-rejected")),
            finding("d", Severity::Info, Some("other")),
        ];
        r.tally();
        assert_eq!(
            (r.summary.errors, r.summary.warnings, r.summary.infos),
            (2, 0, 1)
        );
        let groups: Vec<Vec<&str>> = r
            .fault_groups()
            .iter()
            .map(|g| g.iter().map(|f| f.rule.as_str()).collect())
            .collect();
        assert_eq!(groups, [vec!["a", "c"], vec!["b"], vec!["d"]]);
    }

    #[test]
    fn the_match_is_in_the_json_as_match() {
        let v = serde_json::to_value(finding("a", Severity::Error, None)).unwrap();
        assert_eq!(v["match"], "aadsts");
        assert!(v.get("fault").is_none());
    }
}
