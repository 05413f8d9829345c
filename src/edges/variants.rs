//! Exact hits and near misses of an exclusion, each with whether the exclusion catches it (as
//! Elasticsearch would evaluate it: `LIKE` case-sensitive, `TO_STRING(ip)` in RFC 5952 form).

use super::{Exclusion, ExclusionKind};

/// A value of an exclusion's field, and whether the exclusion catches it.
pub(super) struct Variant {
    pub value: String,
    pub excluded: bool,
    pub why: String,
}

/// Exact hits and near misses for one exclusion.
pub(super) fn variants(exclusion: &Exclusion) -> Vec<Variant> {
    let mut out = Vec::new();
    let mut push = |value: String, why: &str| {
        if out.iter().any(|variant: &Variant| variant.value == value) {
            return;
        }
        let excluded = catches(exclusion, &value);
        out.push(Variant {
            value,
            excluded,
            why: why.to_string(),
        });
    };
    match exclusion.kind {
        ExclusionKind::In => {
            for value in &exclusion.values {
                push(value.clone(), "listed");
                push(one_character_variant(value), "one character changed");
            }
            if exclusion.field == "source.ip" {
                for (loopback, why) in [
                    ("::1", "IPv6 loopback"),
                    ("0:0:0:0:0:0:0:1", "IPv6 loopback, uncompressed"),
                    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
                    ("127.0.0.2", "another IPv4 loopback address"),
                ] {
                    push(loopback.to_string(), why);
                }
            }
        }
        ExclusionKind::StartsWith => {
            for prefix in &exclusion.values {
                push(format!("{prefix}edge.v1"), "starts with the prefix");
                push(prefix.clone(), "the prefix itself");
                let shorter: String = prefix
                    .chars()
                    .take(prefix.chars().count().saturating_sub(1))
                    .collect();
                push(
                    format!("{shorter}-edge.v1"),
                    "the prefix without its last character",
                );
                push(
                    format!("{}edge.v1", prefix.to_uppercase()),
                    "the prefix in other letter case",
                );
            }
        }
        ExclusionKind::Pattern => {}
    }
    out
}

/// Whether the exclusion drops a document whose field has `value` (single-valued).
fn catches(exclusion: &Exclusion, value: &str) -> bool {
    let value = match exclusion.function.as_deref() {
        Some("to_string") if exclusion.field == "source.ip" || exclusion.field.ends_with(".ip") => {
            canonical_ip(value)
        }
        Some("to_lower") => value.to_lowercase(),
        Some("to_upper") => value.to_uppercase(),
        _ => value.to_string(),
    };
    match exclusion.kind {
        ExclusionKind::In => exclusion.values.contains(&value),
        ExclusionKind::StartsWith => exclusion
            .values
            .iter()
            .any(|prefix| value.starts_with(prefix.as_str())),
        ExclusionKind::Pattern => false,
    }
}

/// `TO_STRING(ip)`: RFC 5952 text, IPv4-mapped addresses as IPv4 (Elasticsearch stores them so).
fn canonical_ip(text: &str) -> String {
    match text.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        Ok(ip) => ip.to_string(),
        Err(_) => text.to_string(),
    }
}

/// The value with its last character replaced (`a`→`b`, digits +1), so it differs by one.
pub(super) fn one_character_variant(value: &str) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    match chars.last_mut() {
        None => "x".to_string(),
        Some(last) => {
            *last = match *last {
                'z' => 'y',
                'Z' => 'Y',
                '9' => '8',
                c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
                _ => 'x',
            };
            chars.into_iter().collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_variants_follow_to_string_of_ip() {
        let exclusion = Exclusion {
            field: "source.ip".into(),
            kind: ExclusionKind::In,
            values: vec!["127.0.0.1".into(), "::1".into()],
            function: Some("to_string".into()),
            text: String::new(),
        };
        let caught: Vec<(String, bool)> = variants(&exclusion)
            .into_iter()
            .map(|v| (v.value, v.excluded))
            .collect();
        assert!(caught.contains(&("0:0:0:0:0:0:0:1".into(), true)));
        assert!(caught.contains(&("::ffff:127.0.0.1".into(), true)));
        assert!(caught.contains(&("127.0.0.2".into(), false)));
        assert!(caught.contains(&("::2".into(), false)));
    }

    #[test]
    fn prefix_variants_separate_hits_from_near_misses() {
        let exclusion = Exclusion {
            field: "kubernetes.audit.objectRef.name".into(),
            kind: ExclusionKind::StartsWith,
            values: vec!["sh.helm.release.".into()],
            function: None,
            text: String::new(),
        };
        let caught: Vec<(String, bool)> = variants(&exclusion)
            .into_iter()
            .map(|v| (v.value, v.excluded))
            .collect();
        assert_eq!(
            caught,
            [
                ("sh.helm.release.edge.v1".to_string(), true),
                ("sh.helm.release.".to_string(), true),
                ("sh.helm.release-edge.v1".to_string(), false),
                ("SH.HELM.RELEASE.edge.v1".to_string(), false),
            ]
        );
    }
}
