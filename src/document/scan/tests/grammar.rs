//! Hand-written documents: invalid ones fall back, odd ones are left to serde, dotted and
//! nested keys meet, numbers take serde's types, nesting and separators are checked.

use super::*;

#[test]
fn invalid_documents_fall_back() {
    let names = ["a", "b.c"];
    let deep = format!("{}1{}", "{\"a\":".repeat(21), "}".repeat(21));
    let invalid = [
        r#"{"a":tru}"#,
        r#"{"a":nul}"#,
        r#"{"z":falsy}"#,
        r#"{"a":01}"#,
        r#"{"z":01}"#,
        r#"{"a":1.}"#,
        r#"{"z":-}"#,
        r#"{"a":1e}"#,
        r#"{"z":+1}"#,
        r#"{"z":.5}"#,
        r#"{"a":"\x"}"#,
        r#"{"z":"\u12G4"}"#,
        r#"{"z":"\u12"}"#,
        r#"{"a":1}x"#,
        r#"{"a":1}}"#,
        r#"{"a" 1}"#,
        r#"{"a":1,}"#,
        r#"{"z":[1,]}"#,
        r#"{"z":[1 2]}"#,
        r#"{"b":{"c":1}"#,
        r#"{a:1}"#,
        "{\"z\":\"a\u{1}b\"}",
        "{\"a\":\"a\tb\"}",
        r#"{"a":1e400}"#,
        r#"{"b":[-1e400]}"#,
        r#"{"a":"\ud800"}"#,
        r#"{"b":{"\ud800":1}}"#,
        "[1]",
        "\"a\"",
        "1",
        "null",
        "",
        "{",
        &deep,
    ];
    for text in invalid {
        assert!(serde_reads(text, &names).is_err(), "serde reads {text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
}

#[test]
fn serde_reads_some_odd_documents_the_scanner_leaves_to_it() {
    // Valid, but with escapes in a walked key, whitespace other than spaces, or a lone
    // surrogate where serde only skips the string.
    let names = ["a", "b.c"];
    for (text, read) in [
        (r#"{"\u0061":1}"#, Read::Fallback),
        ("{\"a\":\t1}", Read::Fallback),
        (r#"{"z":"\ud800","a":2}"#, Read::Fast),
        (r#"{"z":{"\ud800":1},"a":2}"#, Read::Fast),
        (r#"{"z":1e400,"a":-0}"#, Read::Fast),
    ] {
        let read_by_serde = serde_reads(text, &names);
        assert!(read_by_serde.is_ok(), "{text}: {read_by_serde:?}");
        assert_eq!(compare(text, &names), read, "{text}");
    }
}

#[test]
fn dotted_nested_and_mixed_keys_are_one_path() {
    let names = ["a.b.c"];
    for text in [
        r#"{"a.b.c":1}"#,
        r#"{"a":{"b":{"c":1}}}"#,
        r#"{"a.b":{"c":1}}"#,
        r#"{"a":{"b.c":1}}"#,
        r#"{"a":[{"b":[{"c":[1]}]}]}"#,
    ] {
        assert_eq!(compare(text, &names), Read::Fast, "{text}");
    }
    // Empty segments lead nowhere unless a name has one, and then serde reads everything.
    assert_eq!(
        compare(r#"{"a.":{"b.c":1},"":{"a":2}}"#, &names),
        Read::Fast
    );
    assert!(Paths::new([(0, "a..b")]).is_none());
    assert!(Paths::new([(0, ".a")]).is_none());
    assert!(Paths::new([(0, "")]).is_none());
}

#[test]
fn numbers_take_serde_types() {
    let (mut fields, paths) = {
        let fields = Fields::new(["n".to_string()], false);
        let paths = Paths::new([(0, "n")]).unwrap();
        (fields, paths)
    };
    let text = r#"{"n":[0,-0,5,-5,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,1.5,1e2,-0.0]}"#;
    let mut leaves = Vec::new();
    scan(text, Wanted::Paths(&paths), &mut leaves).unwrap();
    let mut slow = Vec::new();
    walk(text.as_bytes(), &mut fields, &mut String::new(), &mut slow).unwrap();
    assert_eq!(format!("{leaves:?}"), format!("{slow:?}"));
    let kinds: Vec<&str> = leaves
        .iter()
        .map(|(_, s)| match s {
            Scalar::U64(_) => "u",
            Scalar::I64(_) => "i",
            Scalar::F64(_) => "f",
            _ => "?",
        })
        .collect();
    assert_eq!(
        kinds,
        ["u", "f", "u", "i", "u", "f", "i", "f", "f", "f", "f"]
    );
}

/// `levels` containers, arrays and objects in turn, around `true`.
fn nested(levels: usize) -> String {
    let mut text = String::new();
    for i in 0..levels {
        text.push_str(if i % 2 == 0 { "[0, " } else { "{\"k\": " });
    }
    text.push_str("true");
    for i in (0..levels).rev() {
        text.push(if i % 2 == 0 { ']' } else { '}' });
    }
    text
}

#[test]
fn unwanted_values_nest_up_to_the_limit_and_fall_back_past_it() {
    for levels in 0..=MAX_OBJECT_DEPTH + 2 {
        let inner = nested(levels);
        for text in [
            format!(r#"{{"z": {inner}, "a": 1}}"#),
            format!(r#"{{"b": {{"y": [{inner}], "c": 2}}}}"#),
        ] {
            // The document's own object, and `b`'s and the array's in the second.
            let depth = 1 + levels + if text.starts_with(r#"{"b""#) { 2 } else { 0 };
            let expected = if depth <= MAX_OBJECT_DEPTH {
                Read::Fast
            } else {
                Read::Fallback
            };
            assert_eq!(compare(&text, &["a", "b.c"]), expected, "{text}");
        }
    }
}

#[test]
fn unwanted_values_with_every_separator_error_fall_back() {
    let names = ["a"];
    for text in [
        r#"{"z":[1,{"k":2}}],"a":1}"#,
        r#"{"z":{"k":[1}],"a":1}"#,
        r#"{"z":{"k":1,},"a":1}"#,
        r#"{"z":{"k" 1},"a":1}"#,
        r#"{"z":{k:1},"a":1}"#,
        r#"{"z":[true false],"a":1}"#,
        r#"{"z":[nul],"a":1}"#,
        r#"{"z":{"k":01},"a":1}"#,
        r#"{"z":[[[]],"a":1}"#,
        r#"{"z":["\q"],"a":1}"#,
    ] {
        assert!(serde_reads(text, &names).is_err(), "serde reads {text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
    for text in [
        r#"{"z":[ ],"a":1}"#,
        r#"{"z":{ },"a":1}"#,
        r#"{"z":[[], {}, [{}], {"k": [ ]}],"a":1}"#,
        r#"{"z":[-0.5e+3, "s", null, false],"a":1}"#,
    ] {
        assert_eq!(compare(text, &names), Read::Fast, "{text}");
    }
}

#[test]
fn word_compares_equal_byte_compares() {
    let base: Vec<u8> = (0u8..40).map(|i| b'a' + i % 26).collect();
    for n in 0..=24 {
        let a = &base[..n];
        assert!(same(a, a), "{n}");
        for i in 0..n {
            let mut b = a.to_vec();
            b[i] ^= 0x20;
            assert!(!same(a, &b), "length {n}, byte {i}");
        }
    }
}

#[test]
fn colons_and_commas_with_and_without_spaces() {
    // Spaces on either side of each separator, none, and at the text's end; wanted and
    // unwanted members, objects and arrays alike.
    let names = ["a", "b", "o.k"];
    for text in [
        r#"{"a":1}"#,
        r#"{"a" :1}"#,
        r#"{"a": 1}"#,
        r#"{"a" : 1 }"#,
        r#"{"a":1,"b":"x"}"#,
        r#"{"a":1 ,"b":"x"}"#,
        r#"{"a":1, "b":"x"}"#,
        r#"{"a":1 , "b":"x" }"#,
        r#"{"z":{"y":1,"x":[1,2]},"o":{"k":[1 ,2 ],"j":{}},"a":[ 3,4]}"#,
        r#"{"a":[],"b":{},"z":[[],{}]}"#,
        r#"{"a":1} "#,
    ] {
        assert_eq!(compare(text, &names), Read::Fast, "{text}");
    }
    for text in [
        r#"{"a"::1}"#,
        r#"{"a":1,,"b":2}"#,
        r#"{"a":1,}"#,
        r#"{"a":1 ,}"#,
        r#"{"a":[1,]}"#,
        r#"{"z":[1,],"a":1}"#,
        r#"{"a":1]"#,
        r#"{"a":[1}"#,
        r#"{"a":1}}"#,
        r#"{"a":1,"#,
        r#"{"a":1"#,
        r#"{"a":"#,
        r#"{"a""#,
        r#"{"a":1;"b":2}"#,
    ] {
        assert!(serde_reads(text, &names).is_err(), "serde reads {text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
    // Whitespace other than spaces beside a separator: serde's to read.
    for text in ["{\"a\":1,\n\"b\":2}", "{\"a\":\t1}", "{\"a\"\r:1}"] {
        assert_eq!(serde_reads(text, &names), Ok(()), "{text}");
        assert_eq!(compare(text, &names), Read::Fallback, "{text}");
    }
}
