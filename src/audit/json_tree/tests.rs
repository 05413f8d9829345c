//! The tree's parser and writer against `serde_json`.

use super::*;

#[test]
fn strings_are_escaped_as_serde_json_escapes_them() {
    let mut all: String = (0u32..0x100).filter_map(char::from_u32).collect();
    all.push_str("\u{2028}😀é\"\\/");
    for s in [all.as_str(), "", "plain", "\u{0}", "a\"b"] {
        let mut out = Vec::new();
        write_str(s, &mut out);
        assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
    }
}

#[test]
fn the_word_scan_finds_the_first_stop_byte_as_a_byte_loop_does() {
    let naive = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
    // Every stop (and near-stop) at every place of every length up to three words, over
    // fillers that sit just above and below the bit tricks' thresholds.
    for filler in [b'a', 0x21, 0x23, 0x5d, 0x7f, 0x80, 0xa0, 0xff] {
        for len in 0..24 {
            let mut bytes = vec![filler; len];
            assert_eq!(
                super::super::json_text::find_stop(&bytes),
                None,
                "{bytes:?}"
            );
            for at in 0..len {
                for stop in [b'"', b'\\', 0, 0x1f, 0x01, 0x20, b'#', b']'] {
                    bytes[at] = stop;
                    for second in at + 1..len {
                        let keep = bytes[second];
                        bytes[second] = 0;
                        let found = super::super::json_text::find_stop(&bytes);
                        assert_eq!(found, naive(&bytes), "{bytes:?}");
                        bytes[second] = keep;
                    }
                    assert_eq!(
                        super::super::json_text::find_stop(&bytes),
                        naive(&bytes),
                        "{bytes:?}"
                    );
                    bytes[at] = filler;
                }
            }
        }
    }
}

#[test]
fn values_are_written_as_serde_json_writes_the_value_it_reads() {
    let mut tree = Tree::default();
    for text in [
        r#"{"b":1,"a":[null,"",{},[],{"x":""}],"c":"\u00e9\ud83d\ude00\/\n","d":-0}"#,
        "[1e3,1.5,-0.0,18446744073709551615,18446744073709551616,-9223372036854775809,2.5e-324]",
        r#"{"z":{"y":{"x":[0.1,true,false]}},"a":"<>&"}"#,
    ] {
        written_as_serde_json(&mut tree, text);
    }
}

/// `text` written by `tree` as `serde_json` writes its value after the cleanup.
fn written_as_serde_json(tree: &mut Tree, text: &str) {
    let root = tree.parse(text).unwrap();
    let mut out = Vec::new();
    tree.write_clean(text, root, &mut out).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
    crate::audit::ecs::remove_empty_value(&mut value);
    assert_eq!(String::from_utf8(out).unwrap(), value.to_string(), "{text}");
}

#[test]
fn one_tree_writes_object_after_object_of_recurring_shapes_in_sorted_order() {
    let wide: Vec<String> = (0..40).rev().map(|i| format!("\"k{i:02}\":{i}")).collect();
    let wide = format!("{{{}}}", wide.join(","));
    let shapes = [
        r#"{"b":1,"a":2,"c":{"z":1,"y":2}}"#,
        r#"{"b":3,"a":4,"c":{"z":5,"y":6}}"#,
        r#"{"a":1,"b":2,"c":{"y":1,"z":2}}"#,
        r#"{"responseStatus":1,"responseObject":{"b":1,"a":1},"requestURI":2}"#,
        r#"{"responseObject":{"a":1,"b":1},"responseStatus":1,"requestURI":2}"#,
        r#"{"responseStatus":1,"responseObject":{"b":1,"a":1},"requestURI":2}"#,
        r#"{"abcdefghZ":1,"abcdefghA":2,"abcdefgh":3}"#,
        r#"{"abcdefghA":1,"abcdefghZ":2,"abcdefgh":3}"#,
        r#"{"b":"x\"y\n\t\r\b\f\\z","a":"\/\u00e9\n"}"#,
        wide.as_str(),
        wide.as_str(),
    ];
    let mut tree = Tree::default();
    for _ in 0..3 {
        for text in shapes {
            written_as_serde_json(&mut tree, text);
        }
    }
}

#[test]
fn a_remembered_order_is_used_only_when_the_keys_it_gives_rise() {
    let mut tree = Tree::default();
    let text = r#"{"c":1,"b":2,"a":3}"#;
    written_as_serde_json(&mut tree, text);
    assert!(
        tree.orders.slots.iter().any(|slot| slot.len == 3),
        "the order was remembered"
    );
    // Every remembered order wrong (as a hash collision of two shapes would make it):
    // the sort must notice and sort again.
    for slot in &mut tree.orders.slots {
        slot.from = std::array::from_fn(|i| i as u8);
    }
    written_as_serde_json(&mut tree, text);
    written_as_serde_json(&mut tree, r#"{"c":{"b":1,"a":2},"b":2,"a":3}"#);
}

#[test]
fn escapes_serde_json_writes_alike_are_written_as_they_are_read() {
    let mut tree = Tree::default();
    let text = r#"{"a":"q\"b\\n\nt\tr\rb\bf\f","b":"\/","c":"\u0041","d":"\u001f\n"}"#;
    let root = tree.parse(text).unwrap();
    let same = |name| {
        let id = tree.get(text, root, name).unwrap();
        tree.node(id).same_escapes
    };
    assert!(same("a"));
    assert!(!same("b") && !same("c") && !same("d"));
    written_as_serde_json(&mut tree, text);
}

#[test]
fn get_finds_the_last_member_of_a_name() {
    let mut tree = Tree::default();
    let text = r#"{"a":1,"b":{"a":5},"a":2,"c":3}"#;
    let root = tree.parse(text).unwrap();
    let value = |id: Option<Id>| id.map(|id| tree.text(text, id).to_string());
    assert_eq!(value(tree.get(text, root, "a")), Some("2".into()));
    assert_eq!(value(tree.get(text, root, "c")), Some("3".into()));
    assert_eq!(tree.get(text, root, "z"), None);
    let inner = tree.get(text, root, "b").unwrap();
    assert_eq!(value(tree.get(text, inner, "a")), Some("5".into()));
    // Not an object: no members.
    assert_eq!(
        tree.get(text, tree.get(text, root, "c").unwrap(), "a"),
        None
    );
}

#[test]
fn what_serde_json_refuses_or_reads_otherwise_is_a_bail() {
    let mut tree = Tree::default();
    for text in [
        r#"{"a":1,"a":2}"#,
        r#"{"\u0061":1}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\udc00\ud800"}"#,
        r#"{"a":1e309}"#,
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":"tab	inside"}"#,
        r#"{"a":tru}"#,
        r#"{"a":1}{"b":2}"#,
        r#"{"a":1"#,
        r#"{"a":"\x"}"#,
    ] {
        let parsed = tree.parse(text).and_then(|root| {
            let mut out = Vec::new();
            tree.write_clean(text, root, &mut out)
        });
        assert_eq!(parsed, Err(Bail), "{text}");
    }
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert_eq!(tree.parse(&deep), Err(Bail));
}
