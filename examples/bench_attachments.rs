//! Benchmark (not a test): how fast, and in how much memory, `authcheck triage` reads big
//! attachments, next to `jq` doing the least a person would do by hand.
//!
//! It writes into a temporary folder a realistic HAR (~200 MB by default: page loads, scripts,
//! API calls with bearer tokens, one failing token request in the middle) and an Entra portal
//! sign-in CSV (1,000,000 rows by default), then runs
//!   - `authcheck triage HAR`, and `jq '.log.entries[] | select(.response.status >= 400)' HAR`,
//!   - `authcheck triage CSV`,
//!   - `authcheck redact HAR -o OUT`,
//!
//! and prints wall time, throughput (MB/s) and peak memory (`VmHWM` of the child, from
//! `/usr/bin/time -v` when present, else by polling `/proc/PID/status`), and the ratios.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_attachments -- [--har-mb 200] [--rows 1000000] [--bin target/release/authcheck]
//! ```

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Measure {
    wall: Duration,
    peak_kib: Option<u64>,
    code: Option<i32>,
}

fn main() {
    let mut har_mb: u64 = 200;
    let mut rows: u64 = 1_000_000;
    let mut bin = PathBuf::from(
        std::env::var("AUTHCHECK_BIN").unwrap_or_else(|_| "target/release/authcheck".into()),
    );
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--har-mb" => har_mb = args.next().and_then(|v| v.parse().ok()).unwrap_or(har_mb),
            "--rows" => rows = args.next().and_then(|v| v.parse().ok()).unwrap_or(rows),
            "--bin" => bin = args.next().map(PathBuf::from).unwrap_or(bin),
            other => {
                eprintln!("unknown argument {other}; use --har-mb N, --rows N, --bin PATH");
                std::process::exit(2);
            }
        }
    }
    if !bin.exists() {
        eprintln!(
            "{} not found: build it first (cargo build --release)",
            bin.display()
        );
        std::process::exit(2);
    }
    let dir = std::env::temp_dir().join(format!("authcheck-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let har = dir.join("big.har");
    let csv = dir.join("signins.csv");
    let t = Instant::now();
    let har_bytes = write_har(&har, har_mb * 1024 * 1024).expect("write HAR");
    let csv_bytes = write_csv(&csv, rows).expect("write CSV");
    println!(
        "generated {:.1} MB HAR and {:.1} MB CSV ({rows} rows) in {:.1}s under {}",
        mb(har_bytes),
        mb(csv_bytes),
        t.elapsed().as_secs_f64(),
        dir.display()
    );

    let b = bin.to_str().unwrap_or("authcheck");
    let env = [("AUTHCHECK_NOW", "2026-11-24T12:00:00Z"), ("NO_COLOR", "1")];
    let triage_har = measure(
        &[b, "triage", har.to_str().unwrap(), "--format", "json"],
        &env,
    );
    report("authcheck triage HAR", &triage_har, har_bytes);
    let jq = if which("jq") {
        let m = measure(
            &[
                "jq",
                ".log.entries[] | select(.response.status >= 400)",
                har.to_str().unwrap(),
            ],
            &[],
        );
        report("jq select failing entries", &m, har_bytes);
        Some(m)
    } else {
        println!("jq not found: skipped");
        None
    };
    let out = dir.join("redacted.har");
    let redact = measure(
        &[
            b,
            "redact",
            har.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    report("authcheck redact HAR", &redact, har_bytes);
    let triage_csv = measure(
        &[b, "triage", csv.to_str().unwrap(), "--format", "json"],
        &env,
    );
    report("authcheck triage sign-in CSV", &triage_csv, csv_bytes);

    if let Some(j) = jq {
        println!();
        println!(
            "ratios (jq / authcheck triage): time {:.2}x, peak memory {}",
            j.wall.as_secs_f64() / triage_har.wall.as_secs_f64().max(1e-9),
            match (j.peak_kib, triage_har.peak_kib) {
                (Some(a), Some(b)) if b > 0 => format!("{:.1}x", a as f64 / b as f64),
                _ => "unknown".into(),
            }
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn mb(b: u64) -> f64 {
    b as f64 / 1024.0 / 1024.0
}

fn report(what: &str, m: &Measure, bytes: u64) {
    println!(
        "{what:<32} {:>7.2}s {:>8.1} MB/s  peak {:>8}  exit {}",
        m.wall.as_secs_f64(),
        mb(bytes) / m.wall.as_secs_f64().max(1e-9),
        m.peak_kib
            .map(|k| format!("{:.1} MB", k as f64 / 1024.0))
            .unwrap_or_else(|| "?".into()),
        m.code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "signal".into())
    );
}

fn which(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Runs `argv` with stdout discarded; peak memory from `/usr/bin/time -v`, else `/proc` polling.
fn measure(argv: &[&str], env: &[(&str, &str)]) -> Measure {
    let time = Path::new("/usr/bin/time");
    let use_time = time.exists();
    let mut cmd = if use_time {
        let mut c = Command::new(time);
        c.arg("-v").args(argv);
        c
    } else {
        let mut c = Command::new(argv[0]);
        c.args(&argv[1..]);
        c
    };
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id();
    let mut polled: Option<u64> = None;
    let mut stderr = String::new();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s;
        }
        if !use_time {
            if let Some(k) = vm_hwm(pid) {
                polled = Some(polled.map_or(k, |p| p.max(k)));
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = start.elapsed();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    let peak_kib = if use_time {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok())
    } else {
        polled
    };
    Measure {
        wall,
        peak_kib,
        code: status.code(),
    }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A Chrome-shaped HAR of about `target` bytes; the failing token request sits in the middle.
fn write_har(path: &Path, target: u64) -> std::io::Result<u64> {
    let f = std::fs::File::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut written: u64 = 0;
    fn put(w: &mut BufWriter<std::fs::File>, written: &mut u64, s: &str) -> std::io::Result<()> {
        *written += s.len() as u64;
        w.write_all(s.as_bytes())
    }
    put(&mut w, &mut written, "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": {\"name\": \"WebInspector\", \"version\": \"537.36\"},\n    \"pages\": [],\n    \"entries\": [\n")?;
    // A script body of ~12 KB, the bulk of real HARs.
    let script: String = (0..300)
        .map(|i| {
            format!(
                "function f{i}(a,b){{return a+b*{i};}}var s{i}=\\\"lorem ipsum dolor sit amet\\\";"
            )
        })
        .collect();
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tLyIsImV4cCI6MTc5NTUyNTIwMCwiYXBwaWQiOiIzZjFhMmIzYy00ZDVlLTRmNjAtOGE3Yi05YzBkMWUyZjNhNGIifQ.c2ln";
    let mut i: u64 = 0;
    let mut failing_written = false;
    while written < target {
        let sep = if i == 0 { "" } else { ",\n" };
        let entry = if !failing_written && written >= target / 2 {
            failing_written = true;
            format!(
                r#"{sep}      {{"_resourceType": "fetch", "request": {{"method": "POST", "url": "https://login.microsoftonline.com/8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/oauth2/v2.0/token", "httpVersion": "http/2.0", "headers": [{{"name": "origin", "value": "https://hr.contoso.com"}}, {{"name": "content-type", "value": "application/x-www-form-urlencoded"}}], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 200, "postData": {{"mimeType": "application/x-www-form-urlencoded", "text": "client_id=3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b&grant_type=authorization_code&code=0.AVYA-bench&code_verifier=bench-verifier&redirect_uri=https%3A%2F%2Fhr.contoso.com%2F&scope=openid"}}}}, "response": {{"status": 400, "statusText": "", "httpVersion": "http/2.0", "headers": [{{"name": "content-type", "value": "application/json"}}], "cookies": [], "content": {{"size": 300, "mimeType": "application/json", "text": "{{\"error\":\"invalid_request\",\"error_description\":\"AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'https://hr.contoso.com'.\",\"error_codes\":[9002326]}}"}}, "redirectURL": "", "headersSize": -1, "bodySize": -1}}, "cache": {{}}, "timings": {{"send": 0, "wait": 120, "receive": 1}}, "startedDateTime": "2026-11-24T10:15:02.123Z", "time": 121}}"#
            )
        } else if i.is_multiple_of(5) {
            format!(
                r#"{sep}      {{"_resourceType": "fetch", "request": {{"method": "GET", "url": "https://management.azure.com/subscriptions/6c1f4a2b-0000-4000-8000-00000000aaaa/resourceGroups/rg{i}?api-version=2021-04-01", "httpVersion": "http/2.0", "headers": [{{"name": "authorization", "value": "Bearer {token}"}}, {{"name": "accept", "value": "application/json"}}], "queryString": [{{"name": "api-version", "value": "2021-04-01"}}], "cookies": [], "headersSize": -1, "bodySize": 0}}, "response": {{"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": [{{"name": "content-type", "value": "application/json"}}], "cookies": [], "content": {{"size": 120, "mimeType": "application/json", "text": "{{\"id\":\"/subscriptions/6c1f4a2b/resourceGroups/rg{i}\",\"location\":\"westeurope\"}}"}}, "redirectURL": "", "headersSize": -1, "bodySize": -1}}, "cache": {{}}, "timings": {{"send": 0, "wait": 80, "receive": 1}}, "startedDateTime": "2026-11-24T10:15:02.123Z", "time": 81}}"#
            )
        } else {
            format!(
                r#"{sep}      {{"_resourceType": "script", "request": {{"method": "GET", "url": "https://hr.contoso.com/static/js/chunk.{i}.js", "httpVersion": "http/2.0", "headers": [{{"name": "accept", "value": "*/*"}}, {{"name": "cookie", "value": "session=abc{i}"}}], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0}}, "response": {{"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": [{{"name": "content-type", "value": "application/javascript"}}], "cookies": [], "content": {{"size": {len}, "mimeType": "application/javascript", "text": "{script}"}}, "redirectURL": "", "headersSize": -1, "bodySize": -1}}, "cache": {{}}, "timings": {{"send": 0, "wait": 20, "receive": 3}}, "startedDateTime": "2026-11-24T10:15:02.123Z", "time": 23}}"#,
                len = script.len()
            )
        };
        put(&mut w, &mut written, &entry)?;
        i += 1;
    }
    put(&mut w, &mut written, "\n    ]\n  }\n}\n")?;
    w.flush()?;
    Ok(written)
}

/// An Entra portal sign-in CSV with `rows` rows, mostly AADSTS50105 failures.
fn write_csv(path: &Path, rows: u64) -> std::io::Result<u64> {
    let f = std::fs::File::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let header = "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Cross tenant access type,Incoming token type,Authentication Protocol,Unique token identifier,Original transfer method,Client credential type,Token Protection - Sign In Session,Application,Application ID,Resource,Resource ID,Resource tenant ID,Home tenant ID,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Device ID,Browser,Operating System,Compliant,Managed,Join Type,Multifactor authentication result,Multifactor authentication auth method,Multifactor authentication auth detail,Authentication requirement,Sign-in identifier,Session ID,IP address (seen by resource),Through Global Secure Access,Global Secure Access IP address,Autonomous system  number,Flagged for review,Token issuer type,Token issuer name,Latency,Conditional Access,Managed Identity type,Associated Resource Id,Federated Token Id,Federated Token Issuer\n";
    let mut written = header.len() as u64;
    w.write_all(header.as_bytes())?;
    for i in 0..rows {
        let (status, code, reason, ca) = match i % 10 {
            0..=5 => ("Failure", 50105, "\"The signed in user '{EmailHidden}' is not assigned to a role for the application '3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b'(Contoso HR, Portal).\"", "Not Applied"),
            6 => ("Failure", 50126, "Error validating credentials due to invalid username or password.", "Not Applied"),
            _ => ("Success", 0, "Other.", "Success"),
        };
        let sec = 1_795_132_800 + i as i64 * 3;
        let t = chrono::DateTime::from_timestamp(sec, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ");
        let line = format!(
            "{t},{i:08x}-1111-4222-8333-444455556666,\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0\",c0{i:06x}-aaaa-4bbb-8ccc-dddddddddddd,{u:08}-0000-4000-8000-000000000000,User {u},user{u}@contoso.com,Member,None,None,None,,,,,\"Contoso HR, Portal\",3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b,\"Contoso HR, Portal\",3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b,8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d,8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d,203.0.113.7,\"Seattle, Washington, US\",{status},{code},{reason},Browser,,Chrome 131.0.0,Windows10,False,False,,,,,Single-factor authentication,user{u}@contoso.com,,,,,,No,AzureAD,,120,{ca},,,,\n",
            u = i % 5000
        );
        written += line.len() as u64;
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    Ok(written)
}
