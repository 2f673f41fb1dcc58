//! Benchmark (not a test): authcheck's hand-written sign-in CSV reader against the `csv` crate, on
//! the same files, side by side: a portal-shaped export (1,000,000 rows by default) and a damaged
//! one whose quoted field never closes (300 MB). Each reader runs in a child process of its own so
//! that its peak memory (VmHWM) is its own.
//!
//! `cargo run --release --example bench_csv -- [ROWS]`
//!
//! Both readers do the same work per record: split it into fields, read each as text and add up
//! their lengths.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Reads `path` with one reader; prints `records bytes seconds peak_mb`.
fn child(reader: &str, path: &Path) {
    let file = std::fs::File::open(path).expect("open");
    let mut input = BufReader::with_capacity(1 << 16, file);
    let start = Instant::now();
    let (mut records, mut bytes) = (0u64, 0u64);
    match reader {
        "authcheck" => {
            let mut csv = authcheck_offline::signin_log::Csv::new(&mut input, b',');
            let mut rec = authcheck_offline::signin_log::Record::default();
            while let Ok(Some(_)) = csv.next(&mut rec) {
                records += 1;
                bytes += (0..rec.len())
                    .map(|i| rec.get(Some(i)).len() as u64)
                    .sum::<u64>();
            }
        }
        "csv-crate" => {
            let mut csv = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(input);
            let mut rec = csv::ByteRecord::new();
            while let Ok(true) = csv.read_byte_record(&mut rec) {
                records += 1;
                bytes += rec
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).len() as u64)
                    .sum::<u64>();
            }
        }
        other => panic!("unknown reader {other}"),
    }
    println!(
        "{records} {bytes} {:.6} {:.1}",
        start.elapsed().as_secs_f64(),
        peak_rss_mb()
    );
}

fn write_export(path: &Path, rows: usize) -> u64 {
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(w, "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Application,Application ID,Resource,Resource ID,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Conditional Access,Client credential type").unwrap();
    for i in 0..rows {
        let code = if i % 7 == 0 { "0" } else { "50105" };
        let status = if code == "0" { "Success" } else { "Failure" };
        writeln!(
            w,
            "2026-11-{:02}T{:02}:{:02}:{:02}Z,{:08x}-aaaa-4bbb-8ccc-{:012x},\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)\",{:08x}-1111-4222-8333-444455556666,0b7c5a2e-1d3f-4e5a-9b8c-7d6e5f4a3b2c,Adele Vance,adele@contoso.com,Member,Contoso Portal,3c9a7f2e-1b4d-4e8a-9f6c-2d5e8a1b7c40,Microsoft Graph,00000003-0000-0000-c000-000000000000,203.0.113.{},\"Redmond, Washington, US\",{status},{code},\"The signed in user is not assigned to a role for the application, \"\"Contoso Portal\"\".\",Browser,Not Applied,",
            1 + i % 28,
            i % 24,
            i % 60,
            (i * 7) % 60,
            i,
            i,
            i,
            i % 250
        )
        .unwrap();
    }
    w.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn write_runaway(path: &Path, mb: usize) -> u64 {
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(w, "Date (UTC),Status,Sign-in error code,Failure reason").unwrap();
    write!(w, "2026-11-24T10:00:00Z,Failure,50105,\"").unwrap();
    let line =
        "a reason that goes on, with commas and\nnewlines, because its closing quote was lost\n";
    let mut written = 0;
    while written < mb << 20 {
        w.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    w.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn run(reader: &str, path: &Path) -> (u64, f64, f64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--child", reader, path.to_str().unwrap()])
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = text.split_whitespace().collect();
    assert!(f.len() == 4, "child {reader} printed {text:?}");
    (
        f[0].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--child" {
        child(&args[2], Path::new(&args[3]));
        return;
    }
    let rows: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir: PathBuf = std::env::temp_dir().join("authcheck-bench-csv");
    std::fs::create_dir_all(&dir).unwrap();
    let export = dir.join("signins.csv");
    let runaway = dir.join("runaway.csv");
    let sizes = [
        ("export", export.clone(), write_export(&export, rows)),
        (
            "runaway quote",
            runaway.clone(),
            write_runaway(&runaway, 300),
        ),
    ];
    println!(
        "{:<15} {:<10} {:>10} {:>9} {:>9} {:>8}",
        "file", "reader", "records", "MB/s", "peak MB", "÷ ours"
    );
    for (name, path, size) in &sizes {
        let ours = run("authcheck", path);
        let lib = run("csv-crate", path);
        for (reader, (records, secs, peak)) in [("authcheck", ours), ("csv-crate", lib)] {
            println!(
                "{:<15} {:<10} {:>10} {:>9.0} {:>9.1} {:>8.2}",
                name,
                reader,
                records,
                *size as f64 / 1e6 / secs,
                peak,
                secs / ours.1
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
