//! Trial: sonic-rs's lazy access to the seed rule's thirteen fields, line by line, over one file
//! (one thread): `many` = `get_many_unchecked` (skipped values not validated), `getmany` =
//! `get_many` (validating what it crosses), `get` = one `get` per field, `validate` = a full
//! parse into `IgnoredAny`, `show` = `get_many` per line with its result on stderr.
use std::io::Read;

const PATHS: &[&[&str]] = &[
    &["event", "dataset"],
    &["event", "action"],
    &["kubernetes", "audit", "objectRef", "resource"],
    &["source", "ip"],
    &["user", "name"],
    &["kubernetes", "audit", "objectRef", "name"],
    &["kubernetes", "audit", "objectRef", "namespace"],
    &["kubernetes", "audit", "user", "username"],
    &[
        "kubernetes",
        "audit",
        "annotations",
        "authorization_k8s_io/decision",
    ],
    &["user_agent", "original"],
    &["data_stream", "type"],
    &["data_stream", "dataset"],
    &["data_stream", "namespace"],
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].as_str();
    let mut file = std::fs::File::open(&args[2]).unwrap();
    let mut buf = vec![0u8; 4 << 20];
    let mut pending: Vec<u8> = Vec::new();
    let (mut lines, mut found, mut errors, mut gets) = (0u64, 0u64, 0u64, 0u64);
    let mut tree = sonic_rs::PointerTree::new();
    for p in PATHS {
        tree.add_path(p.iter());
    }
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buf[..n]);
        let Some(last) = memchr::memrchr(b'\n', &pending) else {
            continue;
        };
        for line in pending[..last].split(|&b| b == b'\n') {
            lines += 1;
            match mode {
                "many" => match unsafe { sonic_rs::get_many_unchecked(line, &tree) } {
                    Ok(values) => found += values.iter().filter(|v| v.is_some()).count() as u64,
                    Err(_) => errors += 1,
                },
                "get" => {
                    for p in PATHS {
                        gets += 1;
                        match sonic_rs::get(line, p.iter()) {
                            Ok(_) => found += 1,
                            Err(_) => errors += 1,
                        }
                    }
                }
                "show" => eprintln!(
                    "{:?} -> {:?}",
                    String::from_utf8_lossy(line),
                    sonic_rs::get_many(line, &tree)
                        .map(|v| v.iter().filter(|v| v.is_some()).count())
                ),
                "getmany" => match sonic_rs::get_many(line, &tree) {
                    Ok(values) => found += values.iter().filter(|v| v.is_some()).count() as u64,
                    Err(_) => errors += 1,
                },
                "validate" => {
                    if sonic_rs::from_slice::<serde::de::IgnoredAny>(line).is_err() {
                        errors += 1;
                    }
                }
                _ => panic!("mode"),
            }
        }
        pending.drain(..=last);
    }
    println!("{mode}: {lines} lines, {found} found, {errors} errors, {gets} gets");
}
