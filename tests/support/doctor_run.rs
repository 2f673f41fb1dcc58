//! A doctor run under way, for the sign-in tests (tests/signin_e2e.rs, tests/signin_browser.rs):
//! started with a simulator's env and doctor_args, its stderr read line by line as it writes them
//! (the sign-in prompts arrive while it polls), its JSON report read at the end.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A doctor run under way: its stderr lines arrive on a channel as it writes them.
pub struct Doctor {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
}

pub fn start_doctor(info: &Value, extra: &[&str], env: &[(&str, &str)]) -> Doctor {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authcheck"));
    cmd.arg("doctor");
    for a in info["doctor_args"].as_array().unwrap() {
        cmd.arg(a.as_str().unwrap());
    }
    cmd.args(["--format", "json"]).args(extra);
    cmd.env_clear();
    for (k, v) in info["env"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    cmd.env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    Doctor {
        child,
        lines,
        stderr_seen: vec![],
        stdout,
    }
}

impl Doctor {
    /// The first stderr line containing `needle` (a hang guard, not a timing assertion).
    pub fn line_with(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(l) => {
                    self.stderr_seen.push(l.clone());
                    if l.contains(needle) {
                        return l;
                    }
                }
                Err(_) => panic!("no stderr line with {needle:?}; saw {:?}", self.stderr_seen),
            }
        }
    }

    pub fn finish(mut self) -> (i32, Value, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = self.child.kill();
                panic!("doctor hung; stderr so far {:?}", self.stderr_seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = self.stdout.join().unwrap();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.stderr_seen.push(l);
        }
        let stderr = self.stderr_seen.join("\n");
        let r: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("doctor JSON: {e}\n{out}\nstderr: {stderr}"));
        (status.code().unwrap_or(-1), r, stderr)
    }
}
