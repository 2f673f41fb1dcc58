//! Build script: parses and checks every `rules/*.toml` with the same code the run-time loader
//! uses (a bad built-in rule fails the build, naming file and line), works out what each
//! condition reads and whether it can hold while all of that is empty, and generates the catalog
//! as Rust statics plus one function per condition that builds its parsed tree. Start-up then
//! parses neither TOML nor CEL.

#[allow(dead_code)]
#[path = "src/analysis.rs"]
mod analysis;
#[allow(dead_code)]
#[path = "src/context.rs"]
mod context;
#[allow(dead_code)]
#[path = "src/def.rs"]
mod def;
#[allow(dead_code)]
#[path = "src/rule.rs"]
mod rule;
#[allow(dead_code)]
#[path = "src/template.rs"]
mod template;

use authcheck_model::evidence::Evidence;
use cel::common::ast::{EntryExpr, Expr, LiteralValue};
use cel::IdedExpr;
use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    println!("cargo:rerun-if-changed=../../rules");
    for f in ["analysis", "context", "def", "rule", "template"] {
        println!("cargo:rerun-if-changed=src/{f}.rs");
    }

    // Sorted by file name so the order is stable.
    let mut files: Vec<String> = fs::read_dir("../../rules")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();

    // The document a condition sees when nothing at all is known.
    let empty = serde_json::to_value(Evidence::default()).unwrap();
    let empty_ctx = context::for_document(&empty);

    let mut defs = String::from("pub static BUILTIN_RULES: &[RuleDef] = &[\n");
    let mut sources = String::from("pub static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    let mut conds = String::from(
        "pub static BUILTIN_CONDITIONS: &[(&[fn() -> IdedExpr], &[Option<fn() -> IdedExpr>])] = &[\n",
    );
    let mut fns = String::new();
    for (r, file) in files.iter().enumerate() {
        println!("cargo:rerun-if-changed=../../rules/{file}");
        let path = format!("../../rules/{file}");
        let src = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let shown = format!("rules/{file}");
        let checked = rule::parse_checked(&shown, &src).unwrap_or_else(|e| panic!("{e}"));
        let spec = &checked.spec;

        let _ = writeln!(
            sources,
            "    ({shown:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../rules/{file}\"))),"
        );

        let mut match_fns = Vec::new();
        let mut matches = String::new();
        for (i, (m, expr)) in spec.matches.iter().zip(&checked.conditions).enumerate() {
            let name = format!("m{r}_{i}");
            let _ = writeln!(fns, "fn {name}() -> IdedExpr {{ {} }}", emit(expr));
            match_fns.push(name);
            let reads = analysis::read_paths(expr);
            let (mask, needs_data) = analysis::namespace_mask(&reads);
            let defaults: Vec<Option<(usize, def::Empty)>> = reads
                .iter()
                .map(|p| {
                    let (depth, v) = context::reach(&empty, p);
                    def::Empty::of(v).map(|e| (depth, e))
                })
                .collect();
            // Not true over the empty document: then it is not true over any document that
            // agrees with the empty one on everything the condition reads.
            let idle = defaults.iter().all(Option::is_some)
                && !matches!(
                    cel::Value::resolve(expr, &empty_ctx),
                    Ok(cel::Value::Bool(true)) | Err(_)
                );
            let defaults: Vec<String> = defaults
                .iter()
                .map(|d| match d {
                    Some((depth, e)) => format!("({depth}, Empty::{e:?})"),
                    None => "(0, Empty::Null)".into(),
                })
                .collect();
            let _ = writeln!(
                matches,
                "MatchDef {{ id: {}, when: Borrowed({:?}), confidence: {}, severity: {}, boost: {}, message: Borrowed({:?}), evidence: Borrowed(&[{}]), fault: {}, wrapper: {}, reads: Borrowed(&[{}]), read_namespaces: {mask:#x}, needs_data: {needs_data}, read_defaults: Borrowed(&[{}]), idle_without_reads: {idle} }},",
                opt_text(m.id.as_ref().map(|i| i.get_ref().as_str())),
                m.when.get_ref(),
                opt_debug("Confidence", m.confidence),
                opt_debug("Severity", m.severity),
                m.boost,
                m.message.get_ref(),
                texts(m.evidence.iter().map(|e| e.get_ref().as_str())),
                opt_text(m.fault.as_deref()),
                m.wrapper,
                texts(reads.iter().map(String::as_str)),
                defaults.join(", "),
            );
        }
        let mut fix_fns = Vec::new();
        let mut fixes = String::new();
        for (j, (f, expr)) in spec.fix.iter().zip(&checked.fix_conditions).enumerate() {
            match expr {
                Some(expr) => {
                    let name = format!("f{r}_{j}");
                    let _ = writeln!(fns, "fn {name}() -> IdedExpr {{ {} }}", emit(expr));
                    fix_fns.push(format!("Some({name})"));
                }
                None => fix_fns.push("None".into()),
            }
            let _ = writeln!(
                fixes,
                "FixDef {{ text: Borrowed({:?}), portal: {}, command: {}, when: {} }},",
                f.text.get_ref(),
                opt_text(f.portal.as_ref().map(|p| p.get_ref().as_str())),
                opt_text(f.command.as_ref().map(|p| p.get_ref().as_str())),
                opt_text(f.when.as_ref().map(|p| p.get_ref().as_str())),
            );
        }
        let _ = writeln!(
            conds,
            "    (&[{}], &[{}]),",
            match_fns.join(", "),
            fix_fns.join(", ")
        );
        let namespaces = analysis::namespaces(
            checked
                .conditions
                .iter()
                .chain(checked.fix_conditions.iter().flatten()),
        );
        let _ = writeln!(
            defs,
            "RuleDef {{ name: Borrowed({:?}), title: Borrowed({:?}), severity: Severity::{:?}, confidence: Confidence::{:?}, priority: {}, category: {}, fault: {}, summary: Borrowed({:?}), why: Borrowed({:?}), codes: Borrowed(&{:?}), matches: Borrowed(&[\n{matches}]), fix: Borrowed(&[\n{fixes}]), docs: Borrowed(&[{}]), namespaces: Borrowed(&[{}]) }},",
            spec.name,
            spec.title,
            spec.severity,
            spec.confidence,
            spec.priority,
            opt_text(spec.category.as_deref()),
            opt_text(spec.fault.as_deref()),
            spec.summary,
            spec.why,
            spec.codes,
            texts(spec.docs.iter().map(String::as_str)),
            texts(namespaces.iter().map(String::as_str)),
        );
    }
    defs.push_str("];\n");
    sources.push_str("];\n");
    conds.push_str("];\n");
    let code = format!("{defs}\n{sources}\n{conds}\n{fns}");
    fs::write(Path::new(&out).join("builtin_rules.rs"), code).unwrap();
}

fn opt_text(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some(Borrowed({s:?}))"),
        None => "None".into(),
    }
}

fn opt_debug<T: std::fmt::Debug>(ty: &str, v: Option<T>) -> String {
    match v {
        Some(v) => format!("Some({ty}::{v:?})"),
        None => "None".into(),
    }
}

fn texts<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("Borrowed({s:?})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rust code that builds `e` again.
fn emit(e: &IdedExpr) -> String {
    format!("IdedExpr {{ id: {}, expr: {} }}", e.id, emit_expr(&e.expr))
}

fn emit_list(items: &[IdedExpr]) -> String {
    let parts: Vec<String> = items.iter().map(emit).collect();
    format!("vec![{}]", parts.join(", "))
}

fn emit_expr(e: &Expr) -> String {
    match e {
        Expr::Unspecified => "Expr::Unspecified".into(),
        Expr::Ident(s) => format!("Expr::Ident(String::from({s:?}))"),
        Expr::Call(c) => format!(
            "Expr::Call(CallExpr {{ func_name: String::from({:?}), target: {}, args: {} }})",
            c.func_name,
            match &c.target {
                Some(t) => format!("Some(Box::new({}))", emit(t)),
                None => "None".into(),
            },
            emit_list(&c.args)
        ),
        Expr::Select(s) => format!(
            "Expr::Select(SelectExpr {{ operand: Box::new({}), field: String::from({:?}), test: {} }})",
            emit(&s.operand),
            s.field,
            s.test
        ),
        Expr::List(l) => format!(
            "Expr::List(ListExpr {{ elements: {}, optional_indices: vec!{:?} }})",
            emit_list(&l.elements),
            l.optional_indices
        ),
        Expr::Map(m) => {
            let entries: Vec<String> = m
                .entries
                .iter()
                .map(|entry| match &entry.expr {
                    EntryExpr::MapEntry(me) => format!(
                        "IdedEntryExpr {{ id: {}, expr: EntryExpr::MapEntry(MapEntryExpr {{ key: {}, value: {}, optional: {} }}) }}",
                        entry.id,
                        emit(&me.key),
                        emit(&me.value),
                        me.optional
                    ),
                    EntryExpr::StructField(_) => panic!("a struct field in a map literal"),
                })
                .collect();
            format!("Expr::Map(MapExpr {{ entries: vec![{}] }})", entries.join(", "))
        }
        Expr::Comprehension(c) => format!(
            "Expr::Comprehension(Box::new(ComprehensionExpr {{ iter_range: {}, iter_var: String::from({:?}), iter_var2: {}, accu_var: String::from({:?}), accu_init: {}, loop_cond: {}, loop_step: {}, result: {} }}))",
            emit(&c.iter_range),
            c.iter_var,
            match &c.iter_var2 {
                Some(v) => format!("Some(String::from({v:?}))"),
                None => "None".into(),
            },
            c.accu_var,
            emit(&c.accu_init),
            emit(&c.loop_cond),
            emit(&c.loop_step),
            emit(&c.result)
        ),
        Expr::Literal(v) => format!(
            "Expr::Literal({})",
            match v {
                LiteralValue::Boolean(b) => format!("LiteralValue::Boolean(CelBool::from({}))", b.inner()),
                LiteralValue::Int(i) => format!("LiteralValue::Int(CelInt::from({}i64))", i.inner()),
                LiteralValue::UInt(u) => format!("LiteralValue::UInt(CelUInt::from({}u64))", u.inner()),
                LiteralValue::Double(d) => format!(
                    "LiteralValue::Double(CelDouble::from(f64::from_bits({:#x})))",
                    d.inner().to_bits()
                ),
                LiteralValue::String(s) => format!("LiteralValue::String(CelString::from({:?}))", s.inner()),
                LiteralValue::Null => "LiteralValue::Null".into(),
                LiteralValue::Bytes(_) => panic!("bytes literals are not used in rule conditions"),
            }
        ),
        Expr::Struct(_) => panic!("struct literals are not used in rule conditions"),
    }
}
