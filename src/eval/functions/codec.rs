//! Encodings of strings as Java does them: `URL_ENCODE` (`java.net.URLEncoder`),
//! `URL_ENCODE_COMPONENT`, `URL_DECODE` (`java.net.URLDecoder`), `TO_BASE64`/`FROM_BASE64`
//! (`java.util.Base64`), and the digests of `MD5`, `SHA1`, `SHA256` and `HASH`.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256};

/// `URL_ENCODE`: `URLEncoder.encode(s, UTF_8)`: letters, digits and `.-*_` stay, a space is
/// `+`, every other byte of the UTF-8 form is `%XX` (upper-case hex).
pub fn url_encode(s: &str) -> String {
    percent_encode(
        s,
        |b| b.is_ascii_alphanumeric() || b".-*_".contains(&b),
        Some('+'),
    )
}

/// `URL_ENCODE_COMPONENT`: everything but letters, digits and `.-_~` is `%XX`; a space is `%20`.
pub fn url_encode_component(s: &str) -> String {
    percent_encode(
        s,
        |b| b.is_ascii_alphanumeric() || b".-_~".contains(&b),
        None,
    )
}

fn percent_encode(s: &str, keep: impl Fn(u8) -> bool, space: Option<char>) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match (b, space) {
            (b' ', Some(c)) => out.push(c),
            _ if keep(b) => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `URL_DECODE`: `URLDecoder.decode(s, UTF_8)`: `+` is a space, `%XX` a byte; bytes that are
/// not UTF-8 become U+FFFD as Java's decoder replaces them. A bad escape is Java's
/// `IllegalArgumentException` (a warning and null).
pub fn url_decode(s: &str) -> Result<String, String> {
    let bad = |m: String| {
        Err(format!(
            "java.lang.IllegalArgumentException: URLDecoder: {m}"
        ))
    };
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                if i + 2 >= bytes.len() {
                    return bad("Incomplete trailing escape (%) pattern".into());
                }
                out.push(java_hex_byte(&bytes[i + 1..i + 3]).map_err(|m| {
                    format!("java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern - {m}")
                })?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `Integer.parseInt(two chars, 16)` as `URLDecoder` uses it: a leading `+` is allowed, a
/// leading `-` parses but is refused as a negative value.
fn java_hex_byte(pair: &[u8]) -> Result<u8, String> {
    let text = String::from_utf8_lossy(pair);
    let (negative, digits) = match pair[0] {
        b'+' => (false, &pair[1..]),
        b'-' => (true, &pair[1..]),
        _ => (false, pair),
    };
    let offset = pair.len() - digits.len();
    if let Some(at) = digits.iter().position(|b| !b.is_ascii_hexdigit()) {
        return Err(format!("Error at index {} in: \"{text}\"", at + offset));
    }
    let v = digits.iter().fold(0u8, |acc, b| {
        acc * 16 + (*b as char).to_digit(16).unwrap_or(0) as u8
    });
    if negative && v != 0 {
        return Err("negative value".into());
    }
    Ok(v)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `TO_BASE64`: the standard alphabet with `=` padding, over the UTF-8 bytes.
pub fn to_base64(s: &str) -> String {
    let mut out = String::with_capacity(s.len().div_ceil(3) * 4);
    for chunk in s.as_bytes().chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= n {
                out.push(BASE64[(v >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `FROM_BASE64`: `Base64.getDecoder()`: the standard alphabet, padding optional at the end;
/// anything else is Java's `IllegalArgumentException`. Decoded bytes that are not UTF-8 become
/// U+FFFD.
pub fn from_base64(s: &str) -> Result<String, String> {
    let bad = |m: String| Err(format!("java.lang.IllegalArgumentException: {m}"));
    let body = s.trim_end_matches('=');
    let padding = s.len() - body.len();
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in body.bytes() {
        let Some(v) = BASE64.iter().position(|&a| a == c) else {
            return bad(format!("Illegal base64 character {c:x}"));
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    let rem = body.len() % 4;
    if rem == 1 {
        return bad("Last unit does not have enough valid bits".into());
    }
    if padding > 0 && (padding > 2 || (rem + padding) % 4 != 0) {
        return bad("Input byte array has wrong 4-byte ending unit".into());
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The lower-case hex digest of `s` by a Java `MessageDigest` algorithm name (case-insensitive:
/// `MD5`, `SHA-1`/`SHA1`/`SHA`, `SHA-224`, `SHA-256`, `SHA-384`, `SHA-512`, `SHA-512/224`,
/// `SHA-512/256`). Any other name is Java's `NoSuchAlgorithmException`.
pub fn digest(algorithm: &str, s: &str) -> Result<String, String> {
    fn hex<D: Digest>(s: &str) -> String {
        D::digest(s.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
    Ok(match algorithm.to_ascii_uppercase().as_str() {
        "MD5" => hex::<Md5>(s),
        "SHA-1" | "SHA1" | "SHA" => hex::<Sha1>(s),
        "SHA-224" | "SHA224" => hex::<Sha224>(s),
        "SHA-256" | "SHA256" => hex::<Sha256>(s),
        "SHA-384" | "SHA384" => hex::<Sha384>(s),
        "SHA-512" | "SHA512" => hex::<Sha512>(s),
        "SHA-512/224" | "SHA512/224" => hex::<Sha512_224>(s),
        "SHA-512/256" | "SHA512/256" => hex::<Sha512_256>(s),
        _ => {
            return Err(format!(
                "java.security.NoSuchAlgorithmException: {algorithm} MessageDigest not available"
            ))
        }
    })
}
