//! Build script: embeds the workspace's `rules/*.toml` in the rules crate.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    println!("cargo:rerun-if-changed=../../rules");

    // Embedded rules, sorted by file name so the order is stable.
    let mut rules: Vec<String> = fs::read_dir("../../rules")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    rules.sort();
    let mut code = String::from("pub static EMBEDDED_RULES: &[(&str, &str)] = &[\n");
    for r in &rules {
        println!("cargo:rerun-if-changed=../../rules/{r}");
        let _ = writeln!(
            code,
            "    ({r:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../rules/{r}\"))),"
        );
    }
    code.push_str("];\n");
    fs::write(Path::new(&out).join("embedded_rules.rs"), code).unwrap();
}
