//! IP addresses as Lucene stores them (16 bytes, IPv4 mapped into IPv6): parsing, RFC 5952
//! printing with IPv4-mapped addresses as IPv4, and CIDR matching.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Parses an IP string literal. Leading zeros in IPv4 parts are rejected, as Elasticsearch does
/// by default (`InetAddresses.forString`).
pub fn parse(text: &str) -> Option<[u8; 16]> {
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(v4.to_ipv6_mapped().octets()),
        IpAddr::V6(v6) => Some(v6.octets()),
    }
}

/// Parses IPv4 with leading zeros read as decimal (`{"leading_zeros":"decimal"}`) or octal.
pub fn parse_leading_zeros(text: &str, octal: bool) -> Option<[u8; 16]> {
    if text.contains(':') {
        return parse(text);
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (slot, part) in octets.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value = if octal && part.len() > 1 && part.starts_with('0') {
            u32::from_str_radix(part, 8).ok()?
        } else {
            part.parse::<u32>().ok()?
        };
        *slot = u8::try_from(value).ok()?;
    }
    Some(Ipv4Addr::from(octets).to_ipv6_mapped().octets())
}

/// RFC 5952 text; IPv4-mapped addresses print as dotted IPv4 (`InetAddress.getByAddress`).
pub fn format(bytes: &[u8; 16]) -> String {
    let v6 = Ipv6Addr::from(*bytes);
    match v6.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => v6.to_string(),
    }
}

/// Whether `ip` lies in `cidr` (`10.0.0.0/8`, `fe80::/10`, or a bare address).
pub fn cidr_contains(ip: &[u8; 16], cidr: &str) -> Option<bool> {
    let (addr, prefix) = match cidr.split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
        None => (cidr, None),
    };
    let is_v4 = !addr.contains(':');
    let net = parse(addr)?;
    let bits = match prefix {
        Some(p) if is_v4 && p <= 32 => p + 96,
        Some(p) if !is_v4 && p <= 128 => p,
        None => 128,
        _ => return None,
    };
    let a = u128::from_be_bytes(*ip);
    let b = u128::from_be_bytes(net);
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    Some(a & mask == b & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv4_prints_as_ipv4() {
        assert_eq!(format(&parse("::ffff:1.2.3.4").unwrap()), "1.2.3.4");
        assert_eq!(parse("::ffff:127.0.0.1"), parse("127.0.0.1"));
        assert_eq!(
            format(&parse("FE80:0:0:0:cae2:65ff:fece:feb9").unwrap()),
            "fe80::cae2:65ff:fece:feb9"
        );
        assert_eq!(format(&parse("::1").unwrap()), "::1");
    }

    #[test]
    fn leading_zeros_rejected_by_default() {
        assert_eq!(parse("1.1.010.1"), None);
        assert_eq!(parse_leading_zeros("1.1.010.1", false), parse("1.1.10.1"));
        assert_eq!(parse_leading_zeros("1.1.010.1", true), parse("1.1.8.1"));
    }

    #[test]
    fn cidr() {
        let ip = parse("10.1.2.3").unwrap();
        assert_eq!(cidr_contains(&ip, "10.0.0.0/8"), Some(true));
        assert_eq!(cidr_contains(&ip, "11.0.0.0/8"), Some(false));
        assert_eq!(
            cidr_contains(&parse("fe80::1").unwrap(), "fe80::/10"),
            Some(true)
        );
    }
}
