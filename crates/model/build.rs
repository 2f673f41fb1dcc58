//! Build script: generates the evidence field table from the doc comments of `src/evidence/mod.rs`,
//! so rule authors' documentation and load-time path checks come from the types themselves.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    println!("cargo:rerun-if-changed=src/evidence/mod.rs");

    // Evidence fields: struct name -> [(field, type, doc)].
    let src = fs::read_to_string("src/evidence/mod.rs").unwrap();
    let mut structs: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut doc = String::new();
    for line in src.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("pub struct ") {
            current = Some(rest.trim_end_matches('{').trim().to_string());
            structs.entry(current.clone().unwrap()).or_default();
            doc.clear();
        } else if t == "}" {
            current = None;
        } else if let Some(d) = t.strip_prefix("///") {
            if !doc.is_empty() {
                doc.push(' ');
            }
            doc.push_str(d.trim());
        } else if t.starts_with("#[serde(skip)]") {
            doc.push_str("\u{0}skip");
        } else if let (Some(s), Some(rest)) = (&current, t.strip_prefix("pub ")) {
            if let Some((name, ty)) = rest.split_once(':') {
                if !doc.contains("\u{0}skip") {
                    let ty = ty.trim().trim_end_matches(',').to_string();
                    structs
                        .get_mut(s)
                        .unwrap()
                        .push((name.trim().to_string(), ty, doc.clone()));
                }
            }
            doc.clear();
        } else if !t.starts_with("#[") {
            doc.clear();
        }
    }
    let mut rows = Vec::new();
    fn walk(
        structs: &BTreeMap<String, Vec<(String, String, String)>>,
        name: &str,
        prefix: &str,
        rows: &mut Vec<(String, String, String)>,
    ) {
        for (field, ty, doc) in &structs[name] {
            let path = format!("{prefix}{field}");
            let inner = ty
                .trim_start_matches("Option<")
                .trim_start_matches("Vec<")
                .trim_end_matches('>')
                .to_string();
            let is_vec = ty.starts_with("Vec<");
            rows.push((path.clone(), ty.clone(), doc.clone()));
            if structs.contains_key(&inner) {
                let p = if is_vec {
                    format!("{path}[].")
                } else {
                    format!("{path}.")
                };
                walk(structs, &inner, &p, rows);
            }
        }
    }
    walk(&structs, "Evidence", "", &mut rows);
    let mut code = String::from("pub static FIELDS: &[(&str, &str, &str)] = &[\n");
    for (p, t, d) in rows {
        let _ = writeln!(code, "    ({p:?}, {t:?}, {d:?}),");
    }
    code.push_str("];\n");
    fs::write(Path::new(&out).join("evidence_fields.rs"), code).unwrap();
}
