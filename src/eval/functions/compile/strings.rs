//! Compiling the string functions: case, slices, search, codecs, hashes and formatting.

use crate::diagnostic::Diagnostic;

use super::super::checks::{arity, every_arg, expect, numeric_ty, string_ty, type_mismatch};
use super::super::{eval, Func};
use super::{type_error_text, Args, Found};
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{error, Kind};

/// `TO_LOWER` to `REPLACE`: case, concatenation, length, slices, trimming.
pub(super) fn case_and_slices(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "to_lower" | "to_upper" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            let f = if name == "to_lower" {
                Func::ToLower
            } else {
                Func::ToUpper
            };
            (f, Type::Keyword)
        }
        "concat" => {
            arity(name, n, 2, usize::MAX, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::Concat, Type::Keyword)
        }
        "length" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            (Func::Length, Type::Integer)
        }
        "substring" => {
            arity(name, n, 2, 3, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            (Func::Substring, Type::Keyword)
        }
        "starts_with" | "ends_with" => {
            arity(name, n, 2, 2, span)?;
            let f = if name == "starts_with" {
                Func::StartsWith
            } else {
                Func::EndsWith
            };
            (f, Type::Boolean)
        }
        "trim" | "ltrim" | "rtrim" => {
            arity(name, n, 1, 1, span)?;
            let f = match name {
                "trim" => Func::Trim,
                "ltrim" => Func::Ltrim,
                _ => Func::Rtrim,
            };
            (f, Type::Keyword)
        }
        "replace" => {
            arity(name, n, 3, 3, span)?;
            // A constant pattern compiles once, with Java's look-around and back-references
            // (`eval::java_regex`).
            let compiled = match &args[1].kind {
                Kind::Literal(Cell::One(Value::String(p))) => {
                    Some(Box::new(eval::java_regex(p).map_err(|e| {
                        error(
                            "E305",
                            call.args[1].span,
                            format!("invalid regex [{p}]: {e}"),
                        )
                    })?))
                }
                _ => None,
            };
            (Func::Replace(compiled), Type::Keyword)
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}

/// `SPLIT` to `REPEAT`, the URL and base64 codecs, the hashes, `SPACE`, the bit and byte lengths.
pub(super) fn search_and_codecs(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "split" => {
            arity(name, n, 2, 2, span)?;
            (Func::Split, Type::Keyword)
        }
        "locate" => {
            arity(name, n, 2, 3, span)?;
            (Func::Locate, Type::Integer)
        }
        "left" | "right" => {
            arity(name, n, 2, 2, span)?;
            (
                if name == "left" {
                    Func::Left
                } else {
                    Func::Right
                },
                Type::Keyword,
            )
        }
        "reverse" => (Func::Reverse, Type::Keyword),
        "repeat" => (Func::Repeat, Type::Keyword),
        "url_encode"
        | "url_encode_component"
        | "url_decode"
        | "to_base64"
        | "from_base64"
        | "md5"
        | "sha1"
        | "sha256" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            let f = match name {
                "url_encode" => Func::UrlEncode,
                "url_encode_component" => Func::UrlEncodeComponent,
                "url_decode" => Func::UrlDecode,
                "to_base64" => Func::ToBase64,
                "from_base64" => Func::FromBase64,
                "md5" => Func::Digest("MD5"),
                "sha1" => Func::Digest("SHA-1"),
                _ => Func::Digest("SHA-256"),
            };
            (f, Type::Keyword)
        }
        "hash" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::Hash, Type::Keyword)
        }
        "space" => {
            arity(name, n, 1, 1, span)?;
            expect(matches!(t(0), Type::Integer | Type::Null), span, || {
                type_error(0, "integer")
            })?;
            (Func::Space, Type::Keyword)
        }
        "bit_length" | "byte_length" => {
            arity(name, n, 1, 1, span)?;
            expect(string_ty(t(0)), span, || type_error(0, "string"))?;
            let f = if name == "bit_length" {
                Func::BitLength
            } else {
                Func::ByteLength
            };
            (f, Type::Integer)
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}

/// `FMT_*`, `CONTAINS`, `ASCII` and `TO_ASCII`.
pub(super) fn formats_and_ascii(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (c, call, span, text) = (&mut *cx.c, cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "fmt_bytes" | "fmt_bytes_si" | "fmt_duration" => {
            arity(name, n, 1, 2, span)?;
            expect(
                matches!(t(0), Type::Integer | Type::Long | Type::Null),
                span,
                || type_error(0, "integer or long"),
            )?;
            if n == 2 {
                expect(matches!(t(1), Type::Keyword | Type::Null), span, || {
                    type_error(1, "keyword")
                })?;
            }
            let f = match name {
                "fmt_bytes" => Func::FmtBytes,
                "fmt_bytes_si" => Func::FmtBytesSi,
                _ => Func::FmtDuration,
            };
            (f, Type::Keyword)
        }
        "fmt_percent" => {
            arity(name, n, 1, 1, span)?;
            expect(numeric_ty(t(0)), span, || type_error(0, "numeric"))?;
            (Func::FmtPercent, Type::Keyword)
        }
        "contains" => {
            arity(name, n, 2, 2, span)?;
            every_arg(n, |i| string_ty(t(i)), span, |i| type_error(i, "string"))?;
            (Func::Contains, Type::Boolean)
        }
        "ascii" | "to_ascii" => {
            arity(name, n, 1, 1, span)?;
            if !string_ty(t(0)) {
                let arg = call.args[0].span;
                return Err(type_mismatch(c.text, span, "", arg, t(0), "string"));
            }
            let f = if name == "ascii" {
                Func::Ascii
            } else {
                Func::ToAscii
            };
            (f, Type::Keyword)
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}
