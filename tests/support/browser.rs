//! A small WebDriver client for tests: drives Debian's headless Chromium through `chromedriver`
//! with the W3C WebDriver protocol over reqwest (the HTTP client the project already has), plus
//! chromedriver's `goog/cdp/execute` for the few things WebDriver lacks (print and dark-mode
//! emulation, full-page screenshots, a hook installed before the page's own scripts).
//!
//! Use: `let b = Browser::start();` (fails the test with the install command when Chromium or
//! chromedriver is missing — never skips), `b.open(&path)`, `b.js("return …")`, `b.errors()`,
//! `b.screenshot(&path)`. Chromedriver is killed when the `Browser` is dropped.
//!
//! Console errors are caught two ways: the browser log (`goog:loggingPrefs`, read through
//! chromedriver's `se/log`), and a `window.onerror` / `unhandledrejection` hook added through the
//! DevTools protocol before any page script runs (test-only: the page under test has none).

#![allow(dead_code)]

use base64::Engine as _;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The element key of W3C WebDriver.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Records uncaught errors and rejected promises in `window.__testErrors`.
const ERROR_HOOK: &str = "window.__testErrors = [];\
 window.addEventListener('error', function (e) { window.__testErrors.push('error: ' + (e.message || (e.target && e.target.outerHTML) || 'unknown')); }, true);\
 window.addEventListener('unhandledrejection', function (e) { window.__testErrors.push('unhandled rejection: ' + e.reason); });\
 var __origError = console.error; console.error = function () { window.__testErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' ')); return __origError.apply(console, arguments); };";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

/// Where a program is: the variable `var`, else the first of `names` found on PATH or in /usr/bin.
fn find(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push("/usr/bin".into());
    dirs.push("/usr/lib/chromium".into());
    for n in names {
        for d in &dirs {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn missing(what: &str, var: &str) -> ! {
    panic!(
        "{what} not found: the HTML report tests need a real browser. Install Debian's with \
         `apt-get install -y chromium chromium-driver` (.ci/run does), or point {var} at it."
    )
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    pub fn start() -> Browser {
        let chromium = find(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        )
        .unwrap_or_else(|| missing("Chromium", "CHROME_BIN"));
        let chromedriver = find("CHROMEDRIVER", &["chromedriver"])
            .unwrap_or_else(|| missing("chromedriver", "CHROMEDRIVER"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start: {e}", chromedriver.display()));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let mut b = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            rt,
            http,
        };
        b.wait_ready();
        let caps = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium.display().to_string(),
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--window-size=1280,900",
                             "--no-first-run", "--disable-extensions"]
                },
                "goog:loggingPrefs": {"browser": "ALL"}
            }}
        });
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver gave no session: {v}"))
            .to_string();
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": ERROR_HOOK}),
        );
        b
    }

    /// Waits until chromedriver answers `/status` (bounded: it is a readiness poll, not a timing).
    fn wait_ready(&mut self) {
        for _ in 0..200 {
            if let Some(status) = self.driver.try_wait().expect("chromedriver status") {
                panic!("chromedriver exited before it was ready ({status})");
            }
            let ready = self.rt.block_on(async {
                match self.http.get(format!("{}/status", self.base)).send().await {
                    Ok(r) => r
                        .json::<Value>()
                        .await
                        .map(|v| v["value"]["ready"] == true)
                        .unwrap_or(false),
                    Err(_) => false,
                }
            });
            if ready {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("chromedriver did not become ready on {}", self.base);
    }

    /// One WebDriver command; returns its `value`, failing the test on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let v: Value = self.rt.block_on(async {
            let req = match method {
                "GET" => self.http.get(&url),
                "DELETE" => self.http.delete(&url),
                _ => self
                    .http
                    .post(&url)
                    .json(&body.unwrap_or_else(|| json!({}))),
            };
            let resp = req
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
            resp.json()
                .await
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"))
        });
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if let Some(err) = value.get("error").and_then(Value::as_str) {
            panic!(
                "WebDriver {method} {path}: {err}: {}",
                value["message"].as_str().unwrap_or("")
            );
        }
        value
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// A DevTools protocol command through chromedriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            &self.s("/goog/cdp/execute"),
            Some(json!({"cmd": cmd, "params": params})),
        )
    }

    /// Loads a file (`file://`) and waits for it to load (WebDriver's default page-load strategy).
    pub fn open(&self, file: &Path) {
        let abs = std::fs::canonicalize(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        self.call(
            "POST",
            &self.s("/url"),
            Some(json!({"url": format!("file://{}", abs.display())})),
        );
    }

    /// Loads `url` (an `http://` page, such as the simulator's) and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({"url": url})));
    }

    /// The address of the page now shown.
    pub fn url(&self) -> String {
        self.call("GET", &self.s("/url"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Types `text` into the first element matching `css`, key by key as a user would
    /// (WebDriver element send keys).
    pub fn fill(&self, css: &str, text: &str) {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string();
        self.call(
            "POST",
            &self.s(&format!("/element/{id}/value")),
            Some(json!({"text": text})),
        );
    }

    /// Runs `script` (a function body: use `return`) in the page.
    pub fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Runs `script` asynchronously: it ends by calling `arguments[arguments.length - 1](value)`
    /// (WebDriver's script timeout, 30 s by default, bounds it).
    pub fn js_async(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/async"),
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Clicks the first element matching `css`, as a user would (WebDriver element click).
    pub fn click(&self, css: &str) {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string();
        self.call("POST", &self.s(&format!("/element/{id}/click")), None);
    }

    /// The window's size in CSS pixels.
    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            &self.s("/window/rect"),
            Some(json!({"width": width, "height": height})),
        );
    }

    /// Emulates a media type (`print`, or `` for the screen) and a colour scheme (`dark`, `light`).
    pub fn emulate(&self, media: &str, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({"media": media, "features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// Every console error and uncaught exception since the last call: the browser log's SEVERE
    /// entries and what the test hook recorded on the current page.
    pub fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let log = self.call("POST", &self.s("/se/log"), Some(json!({"type": "browser"})));
        for e in log.as_array().into_iter().flatten() {
            if e["level"] == "SEVERE" {
                out.push(format!("log: {}", e["message"].as_str().unwrap_or("")));
            }
        }
        let hooked = self.js("return window.__testErrors === undefined ? ['the test hook is missing'] : window.__testErrors;");
        for e in hooked.as_array().into_iter().flatten() {
            out.push(format!("hook: {}", e.as_str().unwrap_or("")));
        }
        out
    }

    /// Saves a full-page PNG screenshot (the parent folder is created).
    pub fn screenshot(&self, path: &Path) {
        let v = self.cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let data = v["data"].as_str().expect("screenshot data");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64 PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = self
                .rt
                .block_on(async { self.http.delete(&url).send().await });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
