//! The mutation helpers shared by the offline crate's mutation tests and the binary's canary
//! property test (`tests/canary_property.rs`, which includes this file by path): a fixed,
//! dependency-free random sequence, the budget and seed knobs, and byte-level mutations.

#![allow(dead_code)]

/// xorshift64*: a fixed, dependency-free sequence, so every run tries the same inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

pub fn cases() -> usize {
    std::env::var("AUTHCHECK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

pub fn seed() -> u64 {
    std::env::var("AUTHCHECK_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0A17_4C4E_C7ED)
}

/// Bytes the scanners branch on.
pub const SALT: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\u00",
    b"\\\"",
    b"%",
    b"%E2%82",
    b"AADSTS",
    b"eyJ",
    b".",
    b"\r\n",
    b"\n",
    b"\0",
    b"\xFF",
    "é".as_bytes(),
    "１".as_bytes(),
    b"&#",
    b"<",
    b">",
    b"=",
    b"&",
    b";",
    b",",
    b":",
    b"'",
    b"--",
    b"Bearer ",
    b"client_secret=",
];

pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 => b.truncate(at),
            1 => {
                let end = (at + rng.below(64)).min(b.len());
                b.drain(at..end);
            }
            2 => {
                let s = SALT[rng.below(SALT.len())];
                b.splice(at..at, s.iter().copied());
            }
            3 => {
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(256)).min(other.len());
                b.splice(at..at, other[from..end].iter().copied());
            }
            4 => {
                let end = (at + rng.below(32)).min(b.len());
                let dup = b[at..end].to_vec();
                b.splice(at..at, dup);
            }
            _ => {
                if at < b.len() {
                    b[at] = rng.next() as u8;
                }
            }
        }
    }
    b
}
