//! Certificate credentials from a PFX (PKCS#12) file and from an encrypted PEM key: the real
//! binary's `doctor` against the real binary's `sim` (healthy scenario), over loopback.
//!
//! The PFX is made at test time from the simulator's issued client certificate and key, with the
//! `p12-keystore` writer (PBES2: PBKDF2-SHA256 and AES-256-CBC, as OpenSSL 3 writes by default);
//! the encrypted PEM key is that PFX's shrouded key bag (a PKCS#8 `EncryptedPrivateKeyInfo`).
//! When `openssl` is on the PATH, files it writes (AES, and the legacy 3DES of old exports) are
//! read too. The password never appears in any output.

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod sim_common;
use sim_common::SimProc as Sim;

fn start_sim(scenario: &str) -> Sim {
    Sim::start(scenario, &[])
}

const PASSWORD: &str = "pfx-Test-Pa55word-7f3a";
const WRONG: &str = "not-the-Pa55word-91c2";

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_authcheck"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The doctor with the simulator's env and args, `--credential certificate`, the certificate at
/// `cert` and `extra` variables.
fn doctor(sim: &Sim, cert: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut words: Vec<String> = sim.info["doctor_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    if let Some(i) = words.iter().position(|a| a == "--credential") {
        words[i + 1] = "certificate".into();
    }
    let mut cmd = Command::new(bin());
    cmd.arg("doctor").args(&words).args(args).env_clear();
    for (k, v) in sim.info["env"].as_object().unwrap() {
        cmd.env(k, v.as_str().unwrap());
    }
    cmd.env("NO_COLOR", "1")
        .env("AZURE_CLIENT_CERTIFICATE_PATH", cert);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn report(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor JSON: {e}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        )
    })
}

fn check<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {}", r["checks"]))
}

fn no_password(run: &Run) {
    for pw in [PASSWORD, WRONG] {
        assert!(
            !run.stdout.contains(pw) && !run.stderr.contains(pw),
            "the password was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// A token was issued with this certificate file.
fn gets_a_token(sim: &Sim, cert: &Path, password: &str) {
    let run = doctor(
        sim,
        cert,
        &[("AZURE_CLIENT_CERTIFICATE_PASSWORD", password)],
        &["--format", "json"],
    );
    no_password(&run);
    let r = report(&run);
    assert_eq!(
        check(&r, "token.request")["detail"],
        "a token was issued",
        "{}: {}",
        cert.display(),
        r["checks"]
    );
    assert_eq!(run.code, 0, "{}: {}", cert.display(), r["findings"]);
    let d = check(&r, "credential")["detail"].as_str().unwrap();
    assert!(
        d.starts_with("certificate ") && d.contains(&cert.display().to_string()),
        "{d}"
    );
}

/// Exit 2 with one line naming the file and saying `want`.
fn refused(sim: &Sim, cert: &Path, password: Option<&str>, want: &str) {
    let env: Vec<(&str, &str)> = password
        .map(|p| ("AZURE_CLIENT_CERTIFICATE_PASSWORD", p))
        .into_iter()
        .collect();
    let run = doctor(sim, cert, &env, &["--format", "json"]);
    no_password(&run);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&cert.display().to_string()) && run.stderr.contains(want),
        "{}",
        run.stderr
    );
}

/// The DER bodies of a PEM text's blocks with this label.
fn pem_der(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    text.split(&begin)
        .skip(1)
        .filter_map(|b| b.split(&end).next())
        .map(|b| {
            let b64: String = b.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap()
        })
        .collect()
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The simulator's client certificate and key as a PFX, AES-256 (PBES2) with an HMAC-SHA256 MAC.
fn pfx_of(client_pem: &str, password: &str) -> Vec<u8> {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let key = pem_der(client_pem, "PRIVATE KEY").remove(0);
    let cert = pem_der(client_pem, "CERTIFICATE").remove(0);
    let chain = PrivateKeyChain::new(
        vec![0x01u8, 0x02],
        PrivateKey::from_der(&key).unwrap(),
        [Certificate::from_der(&cert).unwrap()],
    );
    let mut ks = KeyStore::new();
    ks.add_entry("authcheck-test", KeyStoreEntry::PrivateKeyChain(chain));
    ks.writer(password).write().unwrap()
}

/// One DER element: tag, content, rest.
fn der_next(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (l0 as usize, rest)
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        (
            rest[..n].iter().fold(0usize, |a, &x| a << 8 | x as usize),
            &rest[n..],
        )
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The `EncryptedPrivateKeyInfo` inside a PFX's pkcs8ShroudedKeyBag.
fn shrouded_key(b: &[u8]) -> Option<Vec<u8>> {
    const BAG: [u8; 11] = [
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    let mut rest = b;
    while let Some((tag, content, next)) = der_next(rest) {
        if tag == 0x30 {
            if let Some((0x06, oid, after)) = der_next(content) {
                if oid == BAG {
                    return der_next(after).map(|(_, v, _)| v.to_vec());
                }
            }
        }
        if matches!(tag, 0x30 | 0xa0 | 0x04) {
            if let Some(found) = shrouded_key(content) {
                return Some(found);
            }
        }
        rest = next;
    }
    None
}

struct Files {
    _dir: tempfile::TempDir,
    pfx: PathBuf,
    encrypted_pem: PathBuf,
}

fn files(sim: &Sim) -> Files {
    let client_pem = std::fs::read_to_string(sim.info["client_certificate"].as_str().unwrap())
        .expect("the simulator's client certificate");
    let dir = tempfile::tempdir().unwrap();
    let pfx = dir.path().join("client.pfx");
    let bytes = pfx_of(&client_pem, PASSWORD);
    std::fs::write(&pfx, &bytes).unwrap();
    let encrypted_pem = dir.path().join("client-encrypted.pem");
    let epki = shrouded_key(&bytes).expect("a shrouded key bag");
    let cert = pem_der(&client_pem, "CERTIFICATE").remove(0);
    std::fs::write(
        &encrypted_pem,
        pem("ENCRYPTED PRIVATE KEY", &epki) + &pem("CERTIFICATE", &cert),
    )
    .unwrap();
    Files {
        _dir: dir,
        pfx,
        encrypted_pem,
    }
}

#[test]
fn a_pfx_and_an_encrypted_pem_key_get_tokens() {
    let sim = start_sim("healthy");
    let f = files(&sim);
    gets_a_token(&sim, &f.pfx, PASSWORD);
    gets_a_token(&sim, &f.encrypted_pem, PASSWORD);
    // The chain in the assertion header (subject name and issuer authentication) changes nothing here.
    let run = doctor(
        &sim,
        &f.pfx,
        &[
            ("AZURE_CLIENT_CERTIFICATE_PASSWORD", PASSWORD),
            ("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "true"),
        ],
        &["--format", "json"],
    );
    no_password(&run);
    assert_eq!(
        check(&report(&run), "token.request")["detail"],
        "a token was issued"
    );
}

#[test]
fn a_wrong_or_missing_password_is_one_line_and_exit_2() {
    let sim = start_sim("healthy");
    let f = files(&sim);
    let wrong = "wrong password (AZURE_CLIENT_CERTIFICATE_PASSWORD)";
    refused(&sim, &f.pfx, Some(WRONG), wrong);
    refused(&sim, &f.encrypted_pem, Some(WRONG), wrong);
    refused(&sim, &f.pfx, None, "AZURE_CLIENT_CERTIFICATE_PASSWORD");
    refused(
        &sim,
        &f.encrypted_pem,
        None,
        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    );
    // A password is never a flag.
    let run = doctor(&sim, &f.pfx, &[], &["--certificate-password", PASSWORD]);
    assert_eq!(run.code, 2);
    // A PFX exported without its private key.
    let dir = tempfile::tempdir().unwrap();
    let client_pem =
        std::fs::read_to_string(sim.info["client_certificate"].as_str().unwrap()).unwrap();
    let cert_only = dir.path().join("cert-only.pem");
    std::fs::write(
        &cert_only,
        pem("CERTIFICATE", &pem_der(&client_pem, "CERTIFICATE")[0]),
    )
    .unwrap();
    refused(&sim, &cert_only, Some(PASSWORD), "no private key");
}

#[test]
fn the_password_never_appears_in_any_format() {
    let sim = start_sim("healthy");
    let f = files(&sim);
    for format in ["text", "json", "sarif", "junit", "github"] {
        for cert in [&f.pfx, &f.encrypted_pem] {
            let run = doctor(
                &sim,
                cert,
                &[("AZURE_CLIENT_CERTIFICATE_PASSWORD", PASSWORD)],
                &["--format", format, "--show-evidence"],
            );
            no_password(&run);
            assert_eq!(run.code, 0, "{format}: {}\n{}", run.stdout, run.stderr);
        }
    }
}

#[test]
fn an_expired_certificate_is_noted_and_still_presented() {
    let sim = start_sim("healthy");
    let f = files(&sim);
    let run = doctor(
        &sim,
        &f.pfx,
        &[
            ("AZURE_CLIENT_CERTIFICATE_PASSWORD", PASSWORD),
            ("AUTHCHECK_NOW", "2099-01-01T00:00:00Z"),
        ],
        &["--format", "json"],
    );
    no_password(&run);
    let r = report(&run);
    let d = check(&r, "credential")["detail"].as_str().unwrap();
    assert!(d.contains("(expired "), "{d}");
    // The simulator judges by its own clock: the assertion was still sent and answered.
    assert_eq!(check(&r, "token.request")["detail"], "a token was issued");
}

/// Files OpenSSL writes: its default (AES-256), the 3DES of old exports, an AES PKCS#8 key.
#[test]
fn files_made_by_openssl_are_read() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("openssl is not installed: skipping the OpenSSL interoperability files");
        return;
    }
    let sim = start_sim("healthy");
    let client = sim.info["client_certificate"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pass = format!("pass:{PASSWORD}");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let p = |name: &str| dir.path().join(name).display().to_string();
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        client,
        "-out",
        &p("aes.pfx"),
        "-passout",
        &pass,
    ]);
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        client,
        "-out",
        &p("3des.pfx"),
        "-passout",
        &pass,
        "-keypbe",
        "PBE-SHA1-3DES",
        "-certpbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
    ]);
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        client,
        "-v2",
        "aes-256-cbc",
        "-passout",
        &pass,
        "-out",
        &p("key.pem"),
    ]);
    let key = std::fs::read_to_string(p("key.pem")).unwrap();
    let cert = std::fs::read_to_string(client).unwrap();
    let cert = &cert[cert.find("-----BEGIN CERTIFICATE-----").unwrap()..];
    std::fs::write(p("aes-key.pem"), format!("{key}{cert}")).unwrap();
    for name in ["aes.pfx", "3des.pfx", "aes-key.pem"] {
        gets_a_token(&sim, Path::new(&p(name)), PASSWORD);
    }
    refused(
        &sim,
        Path::new(&p("3des.pfx")),
        Some(WRONG),
        "wrong password",
    );
    // A PKCS#8 key under PBES2 with 3DES: named, with the way out.
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        client,
        "-v2",
        "des3",
        "-passout",
        &pass,
        "-out",
        &p("des3-key.pem"),
    ]);
    let key = std::fs::read_to_string(p("des3-key.pem")).unwrap();
    std::fs::write(p("des3.pem"), format!("{key}{cert}")).unwrap();
    refused(
        &sim,
        Path::new(&p("des3.pem")),
        Some(PASSWORD),
        "encrypted with 3DES",
    );
}
