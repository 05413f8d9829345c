//! EQL's functions over script values. Positions count characters; `null` in gives `null`
//! out (Elasticsearch's processors return null for a null source).

use super::script::{arith, str_arg, Scalar};
use crate::document::ip;
use crate::eql::ast::{ArithOp, Function};

pub fn call(f: Function, insensitive: bool, args: &[Scalar]) -> Scalar {
    // The parser checks arity; a tree built by hand with too few arguments reads nulls.
    let (least, _) = f.arity();
    if args.len() < least {
        return Scalar::Null;
    }
    let fold = |s: &str| {
        if insensitive {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let two_str = || Some((fold(str_arg(args, 0)?), fold(str_arg(args, 1)?)));
    match f {
        Function::Add => arith(ArithOp::Add, &args[0], &args[1]),
        Function::Subtract => arith(ArithOp::Sub, &args[0], &args[1]),
        Function::Multiply => arith(ArithOp::Mul, &args[0], &args[1]),
        Function::Divide => arith(ArithOp::Div, &args[0], &args[1]),
        Function::Modulo => arith(ArithOp::Mod, &args[0], &args[1]),
        Function::StartsWith => bool_of(two_str().map(|(s, p)| s.starts_with(&p))),
        Function::EndsWith => bool_of(two_str().map(|(s, p)| s.ends_with(&p))),
        Function::StringContains => bool_of(two_str().map(|(s, p)| s.contains(&p))),
        Function::Length => str_arg(args, 0).map_or(Scalar::Null, |s| {
            Scalar::Int(s.encode_utf16().count() as i64)
        }),
        Function::String => args[0].to_text().map_or(Scalar::Null, Scalar::Str),
        Function::Concat => {
            let parts: Option<Vec<String>> = args.iter().map(Scalar::to_text).collect();
            parts.map_or(Scalar::Null, |p| Scalar::Str(p.concat()))
        }
        Function::CidrMatch => match &args[0] {
            Scalar::Ip(b) => cidr(b, &args[1..]),
            Scalar::Str(s) => ip::parse(s).map_or(Scalar::Null, |b| cidr(&b, &args[1..])),
            _ => Scalar::Null,
        },
        Function::IndexOf => index_of(args, insensitive),
        Function::Substring => substring(args),
        Function::Between => between(args, insensitive),
        Function::Number => number(args),
    }
}

fn bool_of(b: Option<bool>) -> Scalar {
    b.map_or(Scalar::Null, Scalar::Bool)
}

fn cidr(bytes: &[u8; 16], cidrs: &[Scalar]) -> Scalar {
    Scalar::Bool(cidrs.iter().any(|c| {
        c.to_text()
            .is_some_and(|c| ip::cidr_contains(bytes, &c) == Some(true))
    }))
}

fn int_arg(args: &[Scalar], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(Scalar::Int(n)) => Some(*n),
        Some(Scalar::Double(d)) if d.fract() == 0.0 => Some(*d as i64),
        _ => None,
    }
}

/// `indexOf(s, sub[, start])`: the first position at or after `start`, or `null` if none.
fn index_of(args: &[Scalar], insensitive: bool) -> Scalar {
    let (Some(s), Some(sub)) = (str_arg(args, 0), str_arg(args, 1)) else {
        return Scalar::Null;
    };
    let fold = |t: &str| {
        if insensitive {
            t.to_lowercase()
        } else {
            t.to_string()
        }
    };
    let chars: Vec<char> = fold(s).chars().collect();
    let needle: Vec<char> = fold(sub).chars().collect();
    let start = int_arg(args, 2).unwrap_or(0).clamp(0, chars.len() as i64) as usize;
    (start..=chars.len().saturating_sub(needle.len()))
        .find(|&i| chars.get(i..i + needle.len()) == Some(&needle[..]))
        .map_or(Scalar::Null, |i| Scalar::Int(i as i64))
}

/// `substring(s, start[, end])` with Python-style negative positions, clamped to the string.
fn substring(args: &[Scalar]) -> Scalar {
    let Some(s) = str_arg(args, 0) else {
        return Scalar::Null;
    };
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let norm = |i: i64| if i < 0 { (n + i).max(0) } else { i.min(n) };
    let Some(start) = int_arg(args, 1) else {
        return Scalar::Null;
    };
    let start = norm(start);
    let end = int_arg(args, 2).map_or(n, norm);
    if start >= end {
        return Scalar::Str(String::new());
    }
    Scalar::Str(chars[start as usize..end as usize].iter().collect())
}

/// `between(s, left, right[, greedy])`: the text after the first `left` and before the next
/// `right` (the last `right` when greedy); empty when either is absent.
fn between(args: &[Scalar], insensitive: bool) -> Scalar {
    let (Some(s), Some(left), Some(right)) = (str_arg(args, 0), str_arg(args, 1), str_arg(args, 2))
    else {
        return Scalar::Null;
    };
    let greedy = args.get(3).and_then(Scalar::as_bool).unwrap_or(false);
    let fold = |t: &str| {
        if insensitive {
            t.to_lowercase()
        } else {
            t.to_string()
        }
    };
    let (hay, l, r) = (fold(s), fold(left), fold(right));
    let Some(at) = hay.find(&l) else {
        return Scalar::Str(String::new());
    };
    let from = at + l.len();
    let rest = &hay[from..];
    let end = if greedy {
        rest.rfind(&r)
    } else {
        rest.find(&r)
    };
    match end {
        // Lower-casing can change byte lengths; cut the original only when it is safe.
        Some(e) if hay.len() == s.len() => Scalar::Str(s[from..from + e].to_string()),
        Some(e) => Scalar::Str(rest[..e].to_string()),
        None => Scalar::Str(String::new()),
    }
}

/// `number(s[, base])`: a whole number in `base` (16 allows `0x`), or a decimal in base 10.
fn number(args: &[Scalar]) -> Scalar {
    let Some(s) = str_arg(args, 0) else {
        return match &args[0] {
            Scalar::Int(_) | Scalar::Double(_) => args[0].clone(),
            _ => Scalar::Null,
        };
    };
    let base = int_arg(args, 1).unwrap_or(10);
    let t = s.trim();
    if base == 10 {
        if let Ok(i) = t.parse::<i64>() {
            return Scalar::Int(i);
        }
        return t.parse::<f64>().map_or(Scalar::Null, Scalar::Double);
    }
    let digits = if base == 16 {
        t.trim_start_matches("0x").trim_start_matches("0X")
    } else {
        t
    };
    match u32::try_from(base) {
        Ok(b) if (2..=36).contains(&b) => {
            i64::from_str_radix(digits, b).map_or(Scalar::Null, Scalar::Int)
        }
        _ => Scalar::Null,
    }
}
