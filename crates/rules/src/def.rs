//! A rule as the engine holds it: the built-in rules as statics generated at build time, rules
//! from `--rules DIR` converted from their parsed TOML. Text is borrowed from the binary for the
//! former and owned for the latter.

use crate::rule::RuleSpec;
use authcheck_model::report::{Confidence, Severity};
use std::borrow::Cow;

/// Text that is either in the binary or loaded at run time.
pub type Text = Cow<'static, str>;

/// A rule: what `rules/<name>.toml` says, with each condition's inputs worked out.
#[derive(Debug, Clone)]
pub struct RuleDef {
    pub name: Text,
    pub title: Text,
    pub severity: Severity,
    pub confidence: Confidence,
    pub priority: i64,
    pub category: Option<Text>,
    /// The observed failure this rule is one cause of, shared with its alternatives.
    pub fault: Option<Text>,
    pub summary: Text,
    pub why: Text,
    pub codes: Cow<'static, [i64]>,
    pub matches: Cow<'static, [MatchDef]>,
    pub fix: Cow<'static, [FixDef]>,
    pub docs: Cow<'static, [Text]>,
    /// The evidence namespaces any of the rule's conditions (matches and fixes) reads: the
    /// variables its evaluation needs.
    pub namespaces: Cow<'static, [Text]>,
}

/// One `[[match]]`.
#[derive(Debug, Clone)]
pub struct MatchDef {
    pub id: Option<Text>,
    /// The CEL condition as written.
    pub when: Text,
    pub confidence: Option<Confidence>,
    pub severity: Option<Severity>,
    pub boost: i64,
    pub message: Text,
    pub evidence: Cow<'static, [Text]>,
    /// The observed failure this alternative explains, over the rule's `fault`.
    pub fault: Option<Text>,
    /// Restates a wrapper's words: joins the fault of the best finding that names a cause.
    pub wrapper: bool,
    /// The evidence paths the condition reads.
    pub reads: Cow<'static, [Text]>,
    /// The namespaces of `reads`, as bits in `NAMESPACES` order.
    pub read_namespaces: u32,
    /// `reads` is not empty and names neither `input` nor `env`: the condition is about data a
    /// source found, and cannot hold when none of its namespaces holds anything.
    pub needs_data: bool,
    /// What each of `reads` reaches in the empty evidence document (see [`crate::context::reach`]).
    pub read_defaults: Cow<'static, [(usize, Empty)]>,
    /// The condition does not hold on an evidence document where every path in `reads` reaches
    /// what it reaches in the empty document, so it need not run then (decided at build time for
    /// the built-in rules).
    pub idle_without_reads: bool,
}

/// An empty JSON value: what the fields of `Evidence::default()` serialize to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    Null,
    False,
    Zero,
    Text,
    List,
    Object,
}

impl Empty {
    /// The kind of empty value `v` is, if it is one.
    pub fn of(v: &serde_json::Value) -> Option<Empty> {
        use serde_json::Value as J;
        match v {
            J::Null => Some(Empty::Null),
            J::Bool(false) => Some(Empty::False),
            J::Number(n) if n.as_i64() == Some(0) => Some(Empty::Zero),
            J::String(s) if s.is_empty() => Some(Empty::Text),
            J::Array(a) if a.is_empty() => Some(Empty::List),
            J::Object(o) if o.is_empty() => Some(Empty::Object),
            _ => None,
        }
    }
}

/// One `[[fix]]` step.
#[derive(Debug, Clone)]
pub struct FixDef {
    pub text: Text,
    pub portal: Option<Text>,
    pub command: Option<Text>,
    pub when: Option<Text>,
}

impl RuleDef {
    /// A rule loaded at run time. `reads` holds each match's read paths, in order; `namespaces`
    /// those every condition reads.
    pub fn from_spec(spec: RuleSpec, reads: Vec<Vec<String>>, namespaces: Vec<String>) -> RuleDef {
        let owned = |s: String| -> Text { Cow::Owned(s) };
        let matches: Vec<MatchDef> = spec
            .matches
            .into_iter()
            .zip(reads.into_iter().chain(std::iter::repeat_with(Vec::new)))
            .map(|(m, reads)| {
                let (read_namespaces, needs_data) = crate::analysis::namespace_mask(&reads);
                MatchDef {
                    id: m.id.map(|i| owned(i.into_inner())),
                    when: owned(m.when.into_inner()),
                    confidence: m.confidence,
                    severity: m.severity,
                    boost: m.boost,
                    message: owned(m.message.into_inner()),
                    evidence: m
                        .evidence
                        .into_iter()
                        .map(|e| owned(e.into_inner()))
                        .collect(),
                    fault: m.fault.map(owned),
                    wrapper: m.wrapper,
                    reads: reads.into_iter().map(owned).collect(),
                    read_namespaces,
                    needs_data,
                    read_defaults: Cow::Borrowed(&[]),
                    idle_without_reads: false,
                }
            })
            .collect();
        let fix: Vec<FixDef> = spec
            .fix
            .into_iter()
            .map(|f| FixDef {
                text: owned(f.text.into_inner()),
                portal: f.portal.map(|p| owned(p.into_inner())),
                command: f.command.map(|c| owned(c.into_inner())),
                when: f.when.map(|w| owned(w.into_inner())),
            })
            .collect();
        RuleDef {
            name: owned(spec.name),
            title: owned(spec.title),
            severity: spec.severity,
            confidence: spec.confidence,
            priority: spec.priority,
            category: spec.category.map(owned),
            fault: spec.fault.map(owned),
            summary: owned(spec.summary),
            why: owned(spec.why),
            codes: spec.codes.into(),
            matches: matches.into(),
            fix: fix.into(),
            docs: spec.docs.into_iter().map(owned).collect(),
            namespaces: namespaces.into_iter().map(owned).collect(),
        }
    }
}
