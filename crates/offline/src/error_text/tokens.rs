//! Bearer tokens inside the paste: decoded with the JWT source, never kept.

use super::util::{self, re};
use crate::jwt;
use authcheck_model::evidence::Evidence;

/// Decodes the first access token found (one after `Bearer` or `access_token` first), and fills
/// `token.*` from it. Client assertions and refresh tokens are skipped: they are not the caller's
/// token. A token the decoder refuses is ignored.
pub fn scan(flat: &str, jwks: Option<&str>, ev: &mut Evidence) {
    let mut best: Option<(u8, jwt::DecodedJwt)> = None;
    for (n, m) in re!(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
        .find_iter(flat)
        .enumerate()
    {
        if n >= 20 {
            break;
        }
        let before = util::before(flat, m.start(), 48).to_ascii_lowercase();
        if before.contains("assertion") || before.contains("refresh_token") {
            continue;
        }
        let rank = if before.contains("bearer")
            || before.contains("access_token")
            || before.contains("accesstoken")
        {
            0
        } else if before.contains("id_token") {
            2
        } else {
            1
        };
        if best.as_ref().is_some_and(|(r, _)| *r <= rank) {
            continue;
        }
        if let Ok(d) = jwt::decode(m.as_str()) {
            best = Some((rank, d));
        }
    }
    if let Some((_, d)) = best {
        jwt::fill_evidence(&d, ev);
        if let Some(keys) = jwks {
            // A JWKS that cannot be read leaves the signature unchecked; it is not this text's fault.
            let _ = jwt::check_signature(&d, keys, ev);
        }
    }
}
