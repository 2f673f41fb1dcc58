//! Message and fix templates: `{{ request.client_id | app.app_id | '<client-id>' }}` takes the first
//! alternative that has a value; with none, a placeholder named after the last path is shown.

use serde_json::Value;

/// One alternative inside `{{ }}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Alt {
    Path(String),
    Literal(String),
}

/// The alternatives of every placeholder in a template.
pub fn slots(t: &str) -> Result<Vec<Vec<Alt>>, String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "unclosed `{{` in template".to_string())?;
        let inner = &after[..end];
        let mut alts = Vec::new();
        for a in inner.split('|') {
            let a = a.trim();
            if a.is_empty() {
                return Err(format!("empty alternative in `{{{{{inner}}}}}`"));
            }
            if (a.starts_with('\'') && a.ends_with('\'') && a.len() >= 2)
                || (a.starts_with('"') && a.ends_with('"') && a.len() >= 2)
            {
                alts.push(Alt::Literal(a[1..a.len() - 1].to_string()));
            } else if a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._[]".contains(c))
            {
                alts.push(Alt::Path(a.to_string()));
            } else {
                return Err(format!(
                    "`{a}` is neither an evidence path nor a quoted literal"
                ));
            }
        }
        out.push(alts);
        rest = &after[end + 2..];
    }
    Ok(out)
}

/// Looks a path up in the evidence JSON. `[N]` indexes lists; `a.list.field` on a list collects.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<Value> {
    let mut cur: Vec<&'a Value> = vec![doc];
    for seg in path.split('.') {
        let (name, index) = match seg.find('[') {
            Some(i) => (
                &seg[..i],
                seg[i + 1..].trim_end_matches(']').parse::<usize>().ok(),
            ),
            None => (seg, None),
        };
        let mut next = Vec::new();
        for v in cur {
            match v {
                Value::Object(m) => {
                    if let Some(x) = m.get(name) {
                        next.push(x)
                    }
                }
                Value::Array(items) => {
                    for it in items {
                        if let Some(x) = it.get(name) {
                            next.push(x)
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(i) = index {
            next = next
                .into_iter()
                .filter_map(|v| v.as_array().and_then(|a| a.get(i)))
                .collect();
        }
        cur = next;
    }
    if cur.len() == 1 {
        return Some(cur[0].clone()).filter(|v| !is_empty(v));
    }
    let vals: Vec<Value> = cur
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        })
        .filter(|v| !is_empty(v))
        .collect();
    match vals.len() {
        0 => None,
        1 => vals.into_iter().next(),
        _ => Some(Value::Array(vals)),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Renders a value for a sentence: strings bare, lists joined with commas.
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Fills a template from the evidence JSON.
pub fn fill(t: &str, doc: &Value) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let mut filled = None;
        let mut first_path = None;
        for a in inner.split('|').map(str::trim) {
            if (a.starts_with('\'') || a.starts_with('"')) && a.len() >= 2 {
                filled = Some(a[1..a.len() - 1].to_string());
                break;
            }
            first_path.get_or_insert(a);
            if let Some(v) = lookup(doc, a) {
                filled = Some(display(&v));
                break;
            }
        }
        let text = filled.unwrap_or_else(|| {
            let last = first_path
                .unwrap_or("value")
                .rsplit('.')
                .next()
                .unwrap_or("value");
            let last = last.split('[').next().unwrap_or(last);
            format!("<{}>", last.replace('_', "-"))
        });
        out.push_str(&text);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_first_present_alternative() {
        let doc = json!({"request": {"client_id": null}, "app": {"app_id": "abc"}});
        assert_eq!(
            fill("id {{request.client_id | app.app_id}}", &doc),
            "id abc"
        );
        assert_eq!(fill("id {{request.client_id}}", &doc), "id <client-id>");
        assert_eq!(fill("id {{request.client_id|'x'}}", &doc), "id x");
    }

    #[test]
    fn collects_through_lists() {
        let doc = json!({"app": {"secrets": [{"hint": "abc"}, {"hint": "def"}]}});
        assert_eq!(fill("{{app.secrets.hint}}", &doc), "abc, def");
        assert_eq!(fill("{{app.secrets[1].hint}}", &doc), "def");
    }

    #[test]
    fn rejects_bad_slots() {
        assert!(slots("{{ a b }}").is_err());
        assert!(slots("{{ a.b ").is_err());
    }
}
