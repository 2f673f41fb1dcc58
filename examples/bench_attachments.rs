//! Benchmark (not a test): how fast, and in how much memory, `authcheck triage` reads big
//! attachments, next to what a person or a programmer would reach for instead.
//!
//! It writes into a temporary folder a browser-shaped HAR (1 GB by default: Graph and ARM JSON
//! responses of 20–400 KB escaped into `text` strings as browsers export them, scripts, base64
//! images, API calls with bearer tokens, one successful and, in the middle, one failing token
//! request) and an Entra portal sign-in CSV (1,000,000 rows by default), then runs
//!   - `authcheck triage HAR`;
//!   - `rg AADSTS9002326 HAR`: searching the file for the failing code, the floor for reading it
//!     (and `rg --no-mmap`, which reads the file into a buffer as authcheck does);
//!   - `jq '.log.entries[] | select(.response.status >= 400)' HAR`;
//!   - the library way, serde_json over the whole HAR into typed entries (method, URL, status,
//!     headers) with every body ignored (`IgnoredAny`), streamed (`from_reader`, one entry at a
//!     time) and from memory (`from_slice` over the file read whole). This example runs itself
//!     for those, so each is measured as its own process;
//!   - optionally `--baseline BIN triage HAR` (an older build, for before/after);
//!   - `authcheck redact HAR -o OUT` and `authcheck triage CSV`,
//!
//! and prints wall time, throughput (MB/s) and peak memory (`VmHWM` of the child, from
//! `/usr/bin/time -v` when present, else by polling `/proc/PID/status`), and the ratios of each
//! to `authcheck triage`.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_attachments -- [--har-mb 1024] [--rows 1000000] [--bin target/release/authcheck] [--baseline OLD-BIN] [--keep]
//! ```

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Measure {
    wall: Duration,
    peak_kib: Option<u64>,
    code: Option<i32>,
    /// The first bytes of what it printed.
    out: String,
}

/// The failing code the HAR's failing token request carries.
const FAILING_CODE: &str = "AADSTS9002326";
/// The rule that code leads to.
const FAILING_RULE: &str = "spa-cross-origin-redemption";

fn main() {
    let mut har_mb: u64 = 1024;
    let mut rows: u64 = 1_000_000;
    let mut keep = false;
    let mut baseline: Option<PathBuf> = None;
    let mut bin = PathBuf::from(
        std::env::var("AUTHCHECK_BIN").unwrap_or_else(|_| "target/release/authcheck".into()),
    );
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--har-mb" => har_mb = args.next().and_then(|v| v.parse().ok()).unwrap_or(har_mb),
            "--rows" => rows = args.next().and_then(|v| v.parse().ok()).unwrap_or(rows),
            "--bin" => bin = args.next().map(PathBuf::from).unwrap_or(bin),
            "--baseline" => baseline = args.next().map(PathBuf::from),
            "--keep" => keep = true,
            // The library approach, run as a child of this benchmark.
            "--serde-reader" | "--serde-slice" => {
                let path = args.next().unwrap_or_default();
                std::process::exit(serde_triage(&path, a == "--serde-slice"));
            }
            other => {
                eprintln!("unknown argument {other}; use --har-mb N, --rows N, --bin PATH, --baseline PATH, --keep");
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
    let csv_bytes = if rows > 0 {
        write_csv(&csv, rows).expect("write CSV")
    } else {
        0
    };
    println!(
        "generated {:.1} MB HAR and {:.1} MB CSV ({rows} rows) in {:.1}s under {}",
        mb(har_bytes),
        mb(csv_bytes),
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    let har_s = har.to_str().expect("temp path is UTF-8");
    let me = std::env::current_exe().expect("own path");
    let me = me.to_str().expect("own path is UTF-8");

    // Read once so every tool starts from the page cache.
    let _ = measure(&["cat", har_s], &[], &dir);
    let b = bin.to_str().unwrap_or("authcheck");
    let env = [("AUTHCHECK_NOW", "2026-11-24T12:00:00Z"), ("NO_COLOR", "1")];
    println!();
    println!(
        "{:<44} {:>8} {:>10} {:>12}  exit",
        "HAR triage", "time", "MB/s", "peak"
    );
    let ours = measure(&[b, "triage", har_s, "--format", "json"], &env, &dir);
    report("authcheck triage", &ours, har_bytes);
    if !ours.out.contains(FAILING_RULE) {
        println!("  (warning: the report does not name {FAILING_RULE})");
    }
    let mut others: Vec<(&str, Measure)> = Vec::new();
    if let Some(old) = &baseline {
        let m = measure(
            &[
                old.to_str().unwrap_or(""),
                "triage",
                har_s,
                "--format",
                "json",
            ],
            &env,
            &dir,
        );
        report("baseline authcheck triage", &m, har_bytes);
        others.push(("baseline", m));
    }
    if which("rg") {
        let m = measure(&["rg", FAILING_CODE, har_s], &[], &dir);
        report(&format!("rg {FAILING_CODE}"), &m, har_bytes);
        others.push(("rg", m));
        // rg maps a single file into memory; reading it as authcheck does is the fairer floor.
        let m = measure(&["rg", "--no-mmap", FAILING_CODE, har_s], &[], &dir);
        report(&format!("rg --no-mmap {FAILING_CODE}"), &m, har_bytes);
        others.push(("rg --no-mmap", m));
    } else {
        println!("rg not found: skipped");
    }
    if which("jq") {
        let m = measure(
            &[
                "jq",
                ".log.entries[] | select(.response.status >= 400)",
                har_s,
            ],
            &[],
            &dir,
        );
        report("jq select failing entries", &m, har_bytes);
        others.push(("jq", m));
    } else {
        println!("jq not found: skipped");
    }
    let m = measure(&[me, "--serde-reader", har_s], &[], &dir);
    report("serde_json from_reader, bodies ignored", &m, har_bytes);
    others.push(("serde_json from_reader", m));
    let m = measure(&[me, "--serde-slice", har_s], &[], &dir);
    report("serde_json from_slice, bodies ignored", &m, har_bytes);
    others.push(("serde_json from_slice", m));

    println!();
    println!("ratios to authcheck triage (above 1: authcheck is faster / smaller)");
    for (name, m) in &others {
        println!(
            "  {name:<26} time {:>6.2}x   peak memory {}",
            m.wall.as_secs_f64() / ours.wall.as_secs_f64().max(1e-9),
            match (m.peak_kib, ours.peak_kib) {
                (Some(a), Some(b)) if b > 0 => format!("{:.2}x", a as f64 / b as f64),
                _ => "unknown".into(),
            }
        );
    }
    let rate = mb(har_bytes) / ours.wall.as_secs_f64().max(1e-9);
    let peak = ours.peak_kib.map(|k| k as f64 / 1024.0);
    println!(
        "goal: at least 1 GB/s ({rate:.0} MB/s: {}), at most 50 MB peak ({}), within 3x of rg ({})",
        if rate >= 1024.0 { "met" } else { "not met" },
        match peak {
            Some(p) if p <= 50.0 => format!("{p:.1} MB: met"),
            Some(p) => format!("{p:.1} MB: not met"),
            None => "unknown".into(),
        },
        match others.iter().find(|(n, _)| *n == "rg") {
            Some((_, r)) => {
                let x = ours.wall.as_secs_f64() / r.wall.as_secs_f64().max(1e-9);
                format!("{x:.2}x: {}", if x <= 3.0 { "met" } else { "not met" })
            }
            None => "rg not run".into(),
        }
    );

    println!();
    let out = dir.join("redacted.har");
    let redact = measure(
        &[b, "redact", har_s, "-o", out.to_str().unwrap()],
        &[],
        &dir,
    );
    report("authcheck redact HAR", &redact, har_bytes);
    let _ = std::fs::remove_file(&out);
    if rows > 0 {
        let triage_csv = measure(
            &[b, "triage", csv.to_str().unwrap(), "--format", "json"],
            &env,
            &dir,
        );
        report("authcheck triage sign-in CSV", &triage_csv, csv_bytes);
    }
    if keep {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn mb(b: u64) -> f64 {
    b as f64 / 1024.0 / 1024.0
}

fn report(what: &str, m: &Measure, bytes: u64) {
    println!(
        "{what:<44} {:>7.2}s {:>10.1} {:>12}  {}",
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

/// The library way: serde_json into typed entries, bodies and every other field ignored, each
/// entry looked at and dropped. Prints what it found; the exit code is 0 when it found the
/// failing token request.
fn serde_triage(path: &str, whole: bool) -> i32 {
    #[derive(serde::Deserialize)]
    struct Har {
        log: Log,
    }
    #[derive(serde::Deserialize)]
    struct Log {
        entries: Entries,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Entry {
        #[serde(default)]
        started_date_time: String,
        request: Request,
        response: Response,
    }
    #[derive(serde::Deserialize)]
    struct Request {
        method: String,
        url: String,
        #[serde(default)]
        headers: Vec<Header>,
    }
    #[derive(serde::Deserialize)]
    struct Response {
        status: i64,
        #[serde(default)]
        headers: Vec<Header>,
    }
    #[derive(serde::Deserialize)]
    struct Header {
        name: String,
        value: String,
    }
    /// What was found, entry by entry, without keeping the entries.
    #[derive(Default)]
    struct Entries {
        count: usize,
        bearer: usize,
        challenges: usize,
        failing_token: Option<(usize, String, String)>,
    }
    impl<'de> Deserialize<'de> for Entries {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Entries;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("HAR entries")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries, A::Error> {
                    let mut out = Entries::default();
                    while let Some(e) = seq.next_element::<Entry>()? {
                        let i = out.count;
                        out.count += 1;
                        if e.request.headers.iter().any(|h| {
                            h.name.eq_ignore_ascii_case("authorization")
                                && h.value.starts_with("Bearer ")
                        }) {
                            out.bearer += 1;
                        }
                        out.challenges += e
                            .response
                            .headers
                            .iter()
                            .filter(|h| h.name.eq_ignore_ascii_case("www-authenticate"))
                            .count();
                        let token = e.request.url.contains("/oauth2/");
                        if token && e.response.status >= 400 && out.failing_token.is_none() {
                            out.failing_token = Some((
                                i,
                                format!("{} {}", e.request.method, e.request.url),
                                e.started_date_time,
                            ));
                        }
                    }
                    Ok(out)
                }
            }
            d.deserialize_seq(V)
        }
    }
    let parsed: Result<Har, String> = if whole {
        std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    } else {
        std::fs::File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                serde_json::from_reader(std::io::BufReader::with_capacity(256 * 1024, f))
                    .map_err(|e| e.to_string())
            })
    };
    match parsed {
        Ok(h) => {
            let e = h.log.entries;
            println!(
                "{} entries, {} with a bearer token, {} challenges; failing token request: {:?}",
                e.count, e.bearer, e.challenges, e.failing_token
            );
            if e.failing_token.is_some() {
                0
            } else {
                1
            }
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

/// Runs `argv`, its output to a file in `dir`; peak memory from `/usr/bin/time -v`, else
/// `/proc` polling.
fn measure(argv: &[&str], env: &[(&str, &str)], dir: &Path) -> Measure {
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
    let out_path = dir.join("stdout.txt");
    let out_file = std::fs::File::create(&out_path).expect("output file");
    cmd.stdout(Stdio::from(out_file))
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
        std::thread::sleep(Duration::from_millis(2));
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
    let out = std::fs::read(&out_path)
        .map(|b| String::from_utf8_lossy(&b[..b.len().min(1 << 20)]).into_owned())
        .unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    Measure {
        wall,
        peak_kib,
        code: status.code(),
        out,
    }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A small deterministic generator, so every run writes the same file.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A Microsoft Graph `/users` page of about `bytes` bytes, compact JSON as the service sends it.
fn graph_users(rng: &mut Lcg, bytes: usize) -> String {
    let given = [
        "Adele",
        "José",
        "Zoë",
        "Łukasz",
        "Søren",
        "Megan",
        "Nestor",
        "Ana María",
        "Lynne",
        "Hiroshi",
        "Grady",
        "Chloé",
    ];
    let sur = [
        "Vance",
        "Müller",
        "Nowak",
        "Østergaard",
        "Bowen",
        "Wilke",
        "García",
        "Robbins",
        "田中",
        "Archie",
        "Lefèvre",
        "O'Brien",
    ];
    let mut users = Vec::new();
    let mut size = 0;
    while size < bytes {
        let g = given[rng.below(given.len() as u64) as usize];
        let s = sur[rng.below(sur.len() as u64) as usize];
        let n = rng.below(100_000);
        let u = serde_json::json!({
            "businessPhones": [format!("+1 425 555 {:04}", n % 10_000)],
            "displayName": format!("{g} {s}"),
            "givenName": g,
            "jobTitle": "Retail Manager \"EMEA\" / Sales\\Ops",
            "mail": format!("user{n}@contoso.com"),
            "mobilePhone": null,
            "officeLocation": format!("{}/{}", 18 + n % 20, 1000 + n % 1000),
            "preferredLanguage": "en-US",
            "surname": s,
            "userPrincipalName": format!("user{n}@contoso.com"),
            "id": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", n * 7919, n % 65536, n % 4096, (n * 3) % 4096, n * 104729),
            "onPremisesExtensionAttributes": {"extensionAttribute1": "<tag attr=\"x\">[1,2]</tag>", "extensionAttribute2": null},
        });
        let t = u.to_string();
        size += t.len() + 1;
        users.push(u);
    }
    serde_json::json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=RFNwdAIAAQAAAD8",
        "value": users,
    })
    .to_string()
}

/// An ARM resource list of about `bytes` bytes.
fn arm_resources(rng: &mut Lcg, bytes: usize) -> String {
    let types = [
        "Microsoft.Storage/storageAccounts",
        "Microsoft.KeyVault/vaults",
        "Microsoft.Web/sites",
        "Microsoft.Insights/components",
        "Microsoft.Purview/accounts",
    ];
    let mut list = Vec::new();
    let mut size = 0;
    while size < bytes {
        let n = rng.below(1_000_000);
        let t = types[rng.below(types.len() as u64) as usize];
        let r = serde_json::json!({
            "id": format!("/subscriptions/6c1f4a2b-0000-4000-8000-00000000aaaa/resourceGroups/rg-hr-{}/providers/{t}/res{n}", n % 50),
            "name": format!("res{n}"),
            "type": t,
            "location": "westeurope",
            "tags": {"owner": "hr-platform", "cost-center": format!("{}", 4000 + n % 100), "env": "prod"},
            "kind": "StorageV2",
            "sku": {"name": "Standard_LRS", "tier": "Standard"},
            "properties": {
                "provisioningState": "Succeeded",
                "creationTime": "2026-03-01T08:15:22.1234567Z",
                "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}]},
                "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": true}, "file": {"enabled": true}}},
            },
        });
        size += r.to_string().len() + 1;
        list.push(r);
    }
    serde_json::json!({ "value": list, "nextLink": null }).to_string()
}

/// Minified JavaScript of about `bytes` bytes: quotes, backslashes and newlines to escape.
fn script(rng: &mut Lcg, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 200);
    while s.len() < bytes {
        let i = rng.below(100_000);
        s.push_str(&format!(
            "function f{i}(a,b){{var s=\"lorem \\\"ipsum\\\" {i}\";return a.replace(/\\s+/g,'')+b*{i};}}\nvar t{i}={{\"k\":[{i},\"v\"],'re':/[\\\\\"]/}};\n"
        ));
    }
    s
}

/// A base64 image body of about `bytes` bytes.
fn image(rng: &mut Lcg, bytes: usize) -> String {
    use base64::Engine as _;
    let raw: Vec<u8> = (0..bytes * 3 / 4).map(|_| rng.next() as u8).collect();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// A JWT-shaped access token of realistic length (not signed; the signature carries the marker).
fn access_token(aud: &str) -> String {
    use base64::Engine as _;
    let b = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let header = b(
        serde_json::json!({"typ": "JWT", "alg": "RS256", "x5t": "JDNa_4i4r7FgigL3sHIlI3xV-IU", "kid": "JDNa_4i4r7FgigL3sHIlI3xV-IU"}),
    );
    let payload = b(serde_json::json!({
        "aud": aud,
        "iss": "https://sts.windows.net/8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/",
        "iat": 1795504200, "nbf": 1795504200, "exp": 1795525200,
        "acr": "1", "aio": "AVQAq/8TAAAA".repeat(8),
        "amr": ["pwd", "mfa"],
        "appid": "3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "appidacr": "0",
        "family_name": "Vance", "given_name": "Adele",
        "idtyp": "user", "ipaddr": "203.0.113.7", "name": "Adele Vance",
        "oid": "0b7c2d4e-1f3a-4b5c-8d6e-7f8091a2b3c4",
        "puid": "10032001A2B3C4D5", "rh": "0.AVYA-rh.",
        "scp": "openid profile User.Read User.ReadBasic.All Directory.Read.All",
        "sub": "Zk9rX0lTX2Zha2Vfc3ViamVjdF9pZF9mb3JfYmVuY2g",
        "tid": "8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "unique_name": "adele@contoso.com", "upn": "adele@contoso.com",
        "uti": "bench-uti", "ver": "1.0",
        "wids": ["b79fbf4d-3ef9-4689-8143-76b194e85509"],
        "xms_tcdt": 1600000000,
    }));
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode([b"SIGCANARY".as_slice(), &[0x5a; 247]].concat());
    format!("{header}.{payload}.{sig}")
}

/// One Chrome-shaped entry, pretty-printed and indented as DevTools writes it, with `body`
/// (already a JSON string literal, escaped) as the response text.
#[allow(clippy::too_many_arguments)]
fn entry(
    method: &str,
    url: &str,
    resource: &str,
    req_headers: &[(&str, &str)],
    post: Option<&str>,
    status: u16,
    mime: &str,
    body: &str,
    base64: bool,
) -> String {
    let (host, path) = url
        .strip_prefix("https://")
        .and_then(|r| r.split_once('/'))
        .map(|(h, p)| (h.to_string(), format!("/{p}")))
        .unwrap_or_default();
    let mut rh = vec![
        serde_json::json!({"name": ":authority", "value": host}),
        serde_json::json!({"name": ":method", "value": method}),
        serde_json::json!({"name": ":path", "value": path}),
        serde_json::json!({"name": ":scheme", "value": "https"}),
        serde_json::json!({"name": "accept", "value": "application/json, text/plain, */*"}),
        serde_json::json!({"name": "accept-encoding", "value": "gzip, deflate, br, zstd"}),
        serde_json::json!({"name": "accept-language", "value": "en-US,en;q=0.9"}),
    ];
    for (n, v) in req_headers {
        rh.push(serde_json::json!({"name": n, "value": v}));
    }
    rh.extend([
        serde_json::json!({"name": "referer", "value": "https://hr.contoso.com/"}),
        serde_json::json!({"name": "sec-ch-ua", "value": "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""}),
        serde_json::json!({"name": "sec-fetch-mode", "value": "cors"}),
        serde_json::json!({"name": "user-agent", "value": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}),
    ]);
    let mut request = serde_json::json!({
        "method": method,
        "url": url,
        "httpVersion": "http/2.0",
        "headers": rh,
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": post.map_or(0, str::len),
    });
    if let Some(p) = post {
        request["postData"] =
            serde_json::json!({"mimeType": "application/x-www-form-urlencoded", "text": p});
    }
    let mut content = serde_json::json!({"size": body.len(), "mimeType": mime, "text": "@BODY@"});
    if base64 {
        content["encoding"] = "base64".into();
    }
    let e = serde_json::json!({
        "_initiator": {"type": "script", "stack": {"callFrames": [
            {"functionName": "fetchJson", "scriptId": "42", "url": "https://hr.contoso.com/static/js/main.4f3a.js", "lineNumber": 1, "columnNumber": 52311},
            {"functionName": "", "scriptId": "42", "url": "https://hr.contoso.com/static/js/main.4f3a.js", "lineNumber": 1, "columnNumber": 48122},
        ]}},
        "_priority": "High",
        "_resourceType": resource,
        "cache": {},
        "connection": "443",
        "request": request,
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [
                {"name": "cache-control", "value": "no-cache"},
                {"name": "content-type", "value": mime},
                {"name": "date", "value": "Tue, 24 Nov 2026 10:15:02 GMT"},
                {"name": "request-id", "value": "5d1f3c2a-9b8e-4f7d-a6c5-b4e3d2c1f0a9"},
                {"name": "strict-transport-security", "value": "max-age=31536000"},
                {"name": "x-ms-ags-diagnostic", "value": "{\"ServerInfo\":{\"DataCenter\":\"West Europe\",\"Slice\":\"E\",\"Ring\":\"5\"}}"},
            ],
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": body.len() / 3,
            "_error": null,
        },
        "serverIPAddress": "20.190.160.1",
        "startedDateTime": "2026-11-24T10:15:02.123Z",
        "time": 121.5,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.2, "wait": 118.3, "receive": 1.8, "_blocked_queueing": 0.9},
    });
    let pretty = serde_json::to_string_pretty(&e).expect("entry");
    format!("      {}", pretty.replace('\n', "\n      ")).replacen("\"@BODY@\"", body, 1)
}

/// A Chrome-shaped HAR of about `target` bytes, most of it response bodies; a successful token
/// request first and the failing one in the middle.
fn write_har(path: &Path, target: u64) -> std::io::Result<u64> {
    let f = std::fs::File::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut written: u64 = 0;
    fn put(w: &mut BufWriter<std::fs::File>, written: &mut u64, s: &str) -> std::io::Result<()> {
        *written += s.len() as u64;
        w.write_all(s.as_bytes())
    }
    let lit = |s: &str| serde_json::to_string(s).expect("string");
    let mut rng = Lcg(2026);
    // Bodies are made once and reused: writing a gigabyte should not take longer than reading it.
    let graph: Vec<String> = (0..8)
        .map(|_| {
            let n = 20_000 + rng.below(380_000) as usize;
            lit(&graph_users(&mut rng, n))
        })
        .collect();
    let arm: Vec<String> = (0..8)
        .map(|_| {
            let n = 20_000 + rng.below(380_000) as usize;
            lit(&arm_resources(&mut rng, n))
        })
        .collect();
    let scripts: Vec<String> = (0..6)
        .map(|_| {
            let n = 30_000 + rng.below(120_000) as usize;
            lit(&script(&mut rng, n))
        })
        .collect();
    let images: Vec<String> = (0..6)
        .map(|_| {
            let n = 5_000 + rng.below(45_000) as usize;
            lit(&image(&mut rng, n))
        })
        .collect();
    let graph_token = format!("Bearer {}", access_token("https://graph.microsoft.com"));
    let arm_token = format!("Bearer {}", access_token("https://management.azure.com/"));
    let origin = ("origin", "https://hr.contoso.com");
    let token_url =
        "https://login.microsoftonline.com/8a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/oauth2/v2.0/token";
    let form = "client_id=3f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b&grant_type=authorization_code&code=0.AVYA-bench-CANARY&code_verifier=bench-verifier&redirect_uri=https%3A%2F%2Fhr.contoso.com%2F&scope=openid";

    put(&mut w, &mut written, "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": {\n      \"name\": \"WebInspector\",\n      \"version\": \"537.36\"\n    },\n    \"pages\": [],\n    \"entries\": [\n")?;
    let mut i: u64 = 0;
    let mut failing_written = false;
    while written < target {
        if i > 0 {
            put(&mut w, &mut written, ",\n")?;
        }
        let k = rng.below(64) as usize;
        let e = if i == 0 {
            let body = lit(&serde_json::json!({"token_type": "Bearer", "scope": "User.Read", "expires_in": 4503, "access_token": graph_token.trim_start_matches("Bearer ")}).to_string());
            entry(
                "POST",
                token_url,
                "fetch",
                &[origin],
                Some(form),
                200,
                "application/json",
                &body,
                false,
            )
        } else if !failing_written && written >= target / 2 {
            failing_written = true;
            let body = lit(&format!("{{\"error\":\"invalid_request\",\"error_description\":\"{FAILING_CODE}: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'https://hr.contoso.com'.\\r\\nTrace ID: 0e4d2f3c-1a2b-4c3d-9e8f-7a6b5c4d3e2f\",\"error_codes\":[9002326],\"timestamp\":\"2026-11-24 10:15:02Z\"}}"));
            entry(
                "POST",
                token_url,
                "fetch",
                &[origin],
                Some(form),
                400,
                "application/json",
                &body,
                false,
            )
        } else {
            match i % 10 {
                0..=2 => entry(
                    "GET",
                    &format!("https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken={i}"),
                    "fetch",
                    &[("authorization", &graph_token), origin],
                    None,
                    200,
                    "application/json; odata.metadata=minimal; charset=utf-8",
                    &graph[k % graph.len()],
                    false,
                ),
                3 | 4 => entry(
                    "GET",
                    &format!("https://management.azure.com/subscriptions/6c1f4a2b-0000-4000-8000-00000000aaaa/resources?api-version=2021-04-01&page={i}"),
                    "fetch",
                    &[("authorization", &arm_token), origin],
                    None,
                    200,
                    "application/json; charset=utf-8",
                    &arm[k % arm.len()],
                    false,
                ),
                5 | 6 => entry(
                    "GET",
                    &format!("https://hr.contoso.com/static/js/chunk.{i}.js"),
                    "script",
                    &[],
                    None,
                    200,
                    "application/javascript",
                    &scripts[k % scripts.len()],
                    false,
                ),
                7 | 8 => entry(
                    "GET",
                    &format!("https://hr.contoso.com/static/media/photo.{i}.png"),
                    "image",
                    &[],
                    None,
                    200,
                    "image/png",
                    &images[k % images.len()],
                    true,
                ),
                _ => entry(
                    "GET",
                    &format!("https://management.azure.com/subscriptions/6c1f4a2b-0000-4000-8000-00000000aaaa/resourceGroups/rg{i}?api-version=2021-04-01"),
                    "fetch",
                    &[("authorization", &arm_token), origin],
                    None,
                    200,
                    "application/json; charset=utf-8",
                    &lit(&format!("{{\"id\":\"/subscriptions/6c1f4a2b/resourceGroups/rg{i}\",\"location\":\"westeurope\"}}")),
                    false,
                ),
            }
        };
        put(&mut w, &mut written, &e)?;
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
