//! The CEL context conditions run in: the evidence namespaces as variables and authcheck's own
//! `matches`. Shared by the engine and the build script, which evaluates each built-in condition
//! over an empty evidence document to learn whether it can hold without its inputs.

use std::sync::OnceLock;

/// A context whose variables are the namespaces of `doc` (the evidence as JSON).
pub fn for_document(doc: &serde_json::Value) -> cel::Context<'static, 'static> {
    for_namespaces(doc, |_| true)
}

/// A context with only the namespaces `wanted` picks as variables: converting a namespace to CEL
/// values costs, and a run reads few of them.
pub fn for_namespaces(
    doc: &serde_json::Value,
    wanted: impl Fn(&str) -> bool,
) -> cel::Context<'static, 'static> {
    let mut ctx = cel::Context::default();
    // The standard `matches` compiles its pattern on every call; rules call it often.
    let _ = ctx.add_function("matches", cached_matches);
    for ns in authcheck_model::evidence::NAMESPACES {
        if wanted(ns) {
            let v = doc.get(*ns).unwrap_or(&serde_json::Value::Null);
            let _ = ctx.add_variable(*ns, json_to_cel(v));
        }
    }
    ctx
}

/// Converts JSON to a CEL value: integers stay `int`, objects become maps with string keys.
pub fn json_to_cel(v: &serde_json::Value) -> cel::Value {
    use serde_json::Value as J;
    match v {
        J::Null => cel::Value::Null,
        J::Bool(b) => cel::Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => cel::Value::Int(i),
            None => cel::Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => cel::Value::String(std::sync::Arc::new(s.clone())),
        J::Array(a) => cel::Value::List(std::sync::Arc::new(a.iter().map(json_to_cel).collect())),
        J::Object(o) => {
            let m: std::collections::HashMap<String, cel::Value> =
                o.iter().map(|(k, v)| (k.clone(), json_to_cel(v))).collect();
            cel::Value::Map(m.into())
        }
    }
}

/// CEL `text.matches(pattern)` / `matches(text, pattern)` with each pattern compiled once per
/// process (RE2 syntax, as CEL specifies; `regex-lite` implements it without Unicode tables, so
/// `(?i)` folds ASCII letters only — rule phrases are English).
fn cached_matches(
    cel::extractors::This(text): cel::extractors::This<std::sync::Arc<String>>,
    pattern: std::sync::Arc<String>,
) -> cel::ResolveResult {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex_lite::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let re = {
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(pattern.as_str().to_string())
            .or_insert_with(|| regex_lite::Regex::new(&pattern).ok())
            .clone()
    };
    match re {
        Some(re) => Ok(cel::Value::Bool(re.is_match(&text))),
        None => Err(cel::ExecutionError::function_error(
            "matches",
            format!("'{pattern}' is not a valid regular expression"),
        )),
    }
}

/// Where a path leads in the evidence JSON: how many of its segments exist, and the value there
/// (or, when the walk stops early, the value it stopped at). Two documents that agree on this
/// for every path a condition reads give that condition the same result.
pub fn reach<'a>(doc: &'a serde_json::Value, path: &str) -> (usize, &'a serde_json::Value) {
    let mut cur = doc;
    let mut depth = 0;
    for seg in path.split('.') {
        match cur.get(seg) {
            Some(next) if cur.is_object() => {
                cur = next;
                depth += 1;
            }
            _ => break,
        }
    }
    (depth, cur)
}
