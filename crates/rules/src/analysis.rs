//! What a parsed CEL condition reads and compares: the evidence paths it reads (which decide
//! whether it can fire on a given evidence document), and the string literals it compares with
//! fixed-vocabulary fields. Shared by the build script (built-in rules) and the run-time loader
//! (`--rules DIR`), so both make the same checks.

use authcheck_model::evidence::{vocab, NAMESPACES};
use cel::common::ast::{EntryExpr, Expr, LiteralValue};
use cel::IdedExpr;

/// A string literal compared with a field whose values are a fixed set, and not in that set.
#[derive(Debug, Clone, PartialEq)]
pub struct VocabMismatch {
    pub path: String,
    pub literal: String,
    pub allowed: &'static [&'static str],
}

/// A comprehension variable in scope: what it ranges over, when that is an evidence path.
struct Binding<'e> {
    name: &'e str,
    /// `app.secrets[]`: the elements of a list path; None when it ranges over anything else.
    path: Option<String>,
}

/// The dotted evidence paths the condition reads, in order of appearance, without repeats
/// (`request.client_id`, `app.secrets`, `request.assertion.iss`). Paths through comprehension
/// variables are not listed: the list they range over is.
pub fn read_paths(expr: &IdedExpr) -> Vec<String> {
    let mut out = Vec::new();
    let mut scope = Vec::new();
    walk(expr, &mut scope, &mut |e, scope| match path_of(e, scope) {
        Some((p, false)) => {
            if !out.contains(&p) {
                out.push(p);
            }
            true
        }
        Some((_, true)) => true,
        None => false,
    });
    out
}

/// The bit of a namespace in a [`NAMESPACES`]-ordered mask (0 for a name that is none).
pub fn namespace_bit(ns: &str) -> u32 {
    NAMESPACES
        .iter()
        .position(|n| *n == ns)
        .map_or(0, |i| 1 << i)
}

/// The mask of the namespaces `paths` start with, and whether a condition reading them needs
/// data: it reads something, and nothing of `input` or `env` (which every run has).
pub fn namespace_mask<S: AsRef<str>>(paths: &[S]) -> (u32, bool) {
    let mut mask = 0;
    let mut needs_data = !paths.is_empty();
    for p in paths {
        let ns = p.as_ref().split('.').next().unwrap_or("");
        mask |= namespace_bit(ns);
        if ns == "input" || ns == "env" {
            needs_data = false;
        }
    }
    (mask, needs_data)
}

/// The namespaces (`request`, `token`) of the conditions' read paths, in first-seen order.
pub fn namespaces<'e>(conditions: impl IntoIterator<Item = &'e IdedExpr>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in conditions {
        for p in read_paths(c) {
            let ns = p.split('.').next().unwrap_or("").to_string();
            if !out.contains(&ns) {
                out.push(ns);
            }
        }
    }
    out
}

/// The comparisons (`==`, `!=`, `in [...]`) of a fixed-vocabulary field with a string literal
/// outside its vocabulary.
pub fn vocab_mismatches(expr: &IdedExpr) -> Vec<VocabMismatch> {
    let mut out = Vec::new();
    let mut scope = Vec::new();
    walk(expr, &mut scope, &mut |e, scope| {
        let Expr::Call(call) = &e.expr else {
            return false;
        };
        let (field, literals): (&IdedExpr, Vec<&str>) =
            match (call.func_name.as_str(), &call.args[..]) {
                ("_==_" | "_!=_", [a, b]) => match (string_literal(a), string_literal(b)) {
                    (None, Some(s)) => (a, vec![s]),
                    (Some(s), None) => (b, vec![s]),
                    _ => return false,
                },
                ("@in", [a, b]) => match &b.expr {
                    Expr::List(list) => {
                        (a, list.elements.iter().filter_map(string_literal).collect())
                    }
                    _ => return false,
                },
                _ => return false,
            };
        let Some((path, _)) = path_of(field, scope) else {
            return false;
        };
        let Some(allowed) = vocab::allowed(&path) else {
            return false;
        };
        for lit in literals {
            if !allowed.contains(&lit) {
                out.push(VocabMismatch {
                    path: path.clone(),
                    literal: lit.to_string(),
                    allowed,
                });
            }
        }
        false
    });
    out
}

fn string_literal(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner()),
        _ => None,
    }
}

/// The evidence path an expression spells (`request.assertion.iss`; `app.secrets[].end` through a
/// comprehension variable, flagged `true`), or None.
fn path_of(e: &IdedExpr, scope: &[Binding<'_>]) -> Option<(String, bool)> {
    match &e.expr {
        Expr::Ident(name) => match scope.iter().rev().find(|b| b.name == name) {
            Some(b) => b.path.clone().map(|p| (p, true)),
            None if NAMESPACES.contains(&name.as_str()) => Some((name.clone(), false)),
            None => None,
        },
        Expr::Select(s) => {
            let (p, via_var) = path_of(&s.operand, scope)?;
            Some((format!("{p}.{}", s.field), via_var))
        }
        _ => None,
    }
}

/// Visits every node, outermost first; `visit` returns true when it has dealt with a node's
/// whole subtree. Comprehensions bind their variables for their body.
fn walk<'e>(
    e: &'e IdedExpr,
    scope: &mut Vec<Binding<'e>>,
    visit: &mut dyn FnMut(&'e IdedExpr, &[Binding<'e>]) -> bool,
) {
    if visit(e, scope) {
        return;
    }
    match &e.expr {
        Expr::Unspecified | Expr::Ident(_) | Expr::Literal(_) => {}
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, scope, visit);
            }
            for a in &c.args {
                walk(a, scope, visit);
            }
        }
        Expr::Select(s) => walk(&s.operand, scope, visit),
        Expr::List(l) => {
            for x in &l.elements {
                walk(x, scope, visit);
            }
        }
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    walk(&me.key, scope, visit);
                    walk(&me.value, scope, visit);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    walk(&f.value, scope, visit);
                }
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, scope, visit);
            walk(&c.accu_init, scope, visit);
            let range = path_of(&c.iter_range, scope).map(|(p, _)| format!("{p}[]"));
            let depth = scope.len();
            scope.push(Binding {
                name: &c.iter_var,
                path: range,
            });
            if let Some(v2) = &c.iter_var2 {
                scope.push(Binding {
                    name: v2,
                    path: None,
                });
            }
            scope.push(Binding {
                name: &c.accu_var,
                path: None,
            });
            walk(&c.loop_cond, scope, visit);
            walk(&c.loop_step, scope, visit);
            walk(&c.result, scope, visit);
            scope.truncate(depth);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> IdedExpr {
        cel::Program::compile(s).unwrap().expression().clone()
    }

    #[test]
    fn reads_namespace_paths_not_variables_or_literals() {
        let e = parse(
            "has(request.assertion.iss) && app.secrets.exists(s, s.expired) && \
             response.messages.exists(m, m.matches('token.kid')) && size(request.scopes) > 0",
        );
        assert_eq!(
            read_paths(&e),
            [
                "request.assertion.iss",
                "app.secrets",
                "response.messages",
                "request.scopes"
            ]
        );
    }

    #[test]
    fn a_variable_shadows_a_namespace() {
        let e = parse("response.codes.exists(token, token == 1)");
        assert_eq!(read_paths(&e), ["response.codes"]);
    }

    #[test]
    fn finds_literals_outside_a_vocabulary() {
        let e = parse(
            "request.flow == 'client_credentials' || 'ropc' == request.flow || \
             request.flow in ['refresh', 'obo'] || signins.groups.exists(g, g.conditional_access == 'failed')",
        );
        let got: Vec<_> = vocab_mismatches(&e)
            .into_iter()
            .map(|m| format!("{}={}", m.path, m.literal))
            .collect();
        assert_eq!(
            got,
            [
                "request.flow=client_credentials",
                "request.flow=obo",
                "signins.groups[].conditional_access=failed"
            ]
        );
    }
}
