//! Stable alert ids: FNV-1a 64 over canonical JSON, the same bytes on every platform and run.
//!
//! Kibana hashes with the npm `object-hash` package (SHA-1 over its own serialisation); we do not
//! reproduce those bytes, only the inputs and therefore the equalities that matter: which alerts
//! get the same id (and so are deduplicated) and which do not.
//!
//! Canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace, strings escaped as
//! `serde_json` escapes them, numbers as `serde_json` prints them (integers without a fraction).

use std::fmt::Write as _;

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bits.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// The id of a JSON value: 16 lowercase hex digits of FNV-1a 64 over its canonical JSON.
pub fn hash_id(value: &serde_json::Value) -> String {
    format!("{:016x}", fnv1a64(canonical_json(value).as_bytes()))
}

/// Serialises `value` with sorted object keys, independent of how `serde_json::Map` is built.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        serde_json::Value::Object(object) => {
            let mut entries: Vec<_> = object.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (position, (key, item)) in entries.into_iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", serde_json::Value::String(key.clone()));
                write_canonical(item, out);
            }
            out.push('}');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = json!({"b": [1, {"z": null, "a": "x\"y"}], "a": 1.5});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":1.5,"b":[1,{"a":"x\"y","z":null}]}"#
        );
    }

    #[test]
    fn equal_values_hash_equal_and_order_of_arrays_matters() {
        assert_eq!(
            hash_id(&json!({"a": 1, "b": 2})),
            hash_id(&json!({"b": 2, "a": 1}))
        );
        assert_ne!(hash_id(&json!([1, 2])), hash_id(&json!([2, 1])));
        assert_eq!(hash_id(&json!(null)).len(), 16);
    }
}
