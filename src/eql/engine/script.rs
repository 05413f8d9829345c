//! Script semantics: the value of an expression on one document, as Elasticsearch's Painless
//! fallback computes it. A field reads its first doc value; `null` propagates through
//! operators and functions; `and`/`or`/`not` use three-valued logic. Where Elasticsearch would
//! fail the whole search (division by zero, a string that is not a number), the value is
//! `null` here; `docs/eql-semantics.md` lists each case.

use std::cmp::Ordering;

use super::Ctx;
use crate::document::value::Value;
use crate::document::{datetime, ip};
use crate::eql::ast::*;

#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    Ip([u8; 16]),
    Date(i64),
}

impl Scalar {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn from_value(v: &Value) -> Scalar {
        match v {
            Value::Boolean(b) => Scalar::Bool(*b),
            Value::Integer(i) => Scalar::Int(i64::from(*i)),
            Value::Long(i) => Scalar::Int(*i),
            Value::UnsignedLong(u) => {
                i64::try_from(*u).map_or(Scalar::Double(*u as f64), Scalar::Int)
            }
            Value::Double(d) => Scalar::Double(*d),
            Value::String(s) | Value::Version(s) => Scalar::Str(s.to_string()),
            Value::Datetime(ms) => Scalar::Date(*ms),
            Value::DateNanos(ns) => Scalar::Date(crate::document::date_nanos::to_millis(*ns)),
            Value::Ip(b) => Scalar::Ip(*b),
            Value::Period { .. }
            | Value::Duration(_)
            | Value::GeoPoint { .. }
            | Value::DateRange { .. }
            | Value::DoubleRange { .. } => Scalar::Null,
        }
    }

    fn from_literal(l: &Literal) -> Scalar {
        match l {
            Literal::Null => Scalar::Null,
            Literal::Bool(b) => Scalar::Bool(*b),
            Literal::Integer(i) => Scalar::Int(*i),
            Literal::Decimal(d) => Scalar::Double(*d),
            Literal::String(s) => Scalar::Str(s.clone()),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Double(d) => Some(*d),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text `string()` and `concat()` make of a value.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Scalar::Null => return None,
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Double(d) => crate::document::value::java_double(*d),
            Scalar::Str(s) => s.clone(),
            Scalar::Ip(b) => ip::format(b),
            Scalar::Date(ms) => datetime::format_iso(*ms),
        })
    }
}

fn bool3(b: Option<bool>) -> Scalar {
    b.map_or(Scalar::Null, Scalar::Bool)
}

/// The value of `e` on the document.
pub fn eval(e: &Expr, ctx: &Ctx) -> Scalar {
    match &e.kind {
        ExprKind::Literal(l) => Scalar::from_literal(l),
        ExprKind::Field(f) => ctx
            .cell(f)
            .values()
            .first()
            .map_or(Scalar::Null, Scalar::from_value),
        ExprKind::Not(inner) => bool3(eval(inner, ctx).as_bool().map(|b| !b)),
        ExprKind::And(a, b) => match (eval(a, ctx).as_bool(), eval(b, ctx).as_bool()) {
            (Some(false), _) | (_, Some(false)) => Scalar::Bool(false),
            (Some(true), Some(true)) => Scalar::Bool(true),
            _ => Scalar::Null,
        },
        ExprKind::Or(a, b) => match (eval(a, ctx).as_bool(), eval(b, ctx).as_bool()) {
            (Some(true), _) | (_, Some(true)) => Scalar::Bool(true),
            (Some(false), Some(false)) => Scalar::Bool(false),
            _ => Scalar::Null,
        },
        ExprKind::Compare(op, a, b) => {
            let o = compare(&eval(a, ctx), &eval(b, ctx), false);
            bool3(o.map(|o| super::condition::holds(*op, o)))
        }
        ExprKind::Arith(op, a, b) => arith(*op, &eval(a, ctx), &eval(b, ctx)),
        ExprKind::Neg(inner) => match eval(inner, ctx) {
            Scalar::Int(i) => i.checked_neg().map_or(Scalar::Null, Scalar::Int),
            Scalar::Double(d) => Scalar::Double(-d),
            _ => Scalar::Null,
        },
        ExprKind::In {
            value,
            list,
            negated,
            insensitive,
        } => {
            let v = eval(value, ctx);
            if v == Scalar::Null {
                return Scalar::Null;
            }
            let mut saw_null = false;
            let mut hit = false;
            for item in list {
                match compare(&v, &eval(item, ctx), *insensitive) {
                    Some(Ordering::Equal) => {
                        hit = true;
                        break;
                    }
                    None => saw_null = true,
                    _ => {}
                }
            }
            let result = if hit {
                Some(true)
            } else if saw_null {
                None
            } else {
                Some(false)
            };
            bool3(result.map(|r| r != *negated))
        }
        ExprKind::Match {
            value,
            op,
            insensitive,
            patterns,
        } => match eval(value, ctx) {
            Scalar::Str(s) => Scalar::Bool(
                patterns
                    .iter()
                    .any(|p| ctx.patterns.matches(*op, *insensitive, &p.text, &s)),
            ),
            _ => Scalar::Null,
        },
        ExprKind::Call(call) => {
            let args: Vec<Scalar> = call.args.iter().map(|a| eval(a, ctx)).collect();
            super::functions::call(call.function, call.insensitive, &args)
        }
    }
}

/// Orders two script values of comparable types; `None` for null or mismatched types.
pub fn compare(a: &Scalar, b: &Scalar, insensitive: bool) -> Option<Ordering> {
    match (a, b) {
        (Scalar::Null, _) | (_, Scalar::Null) => None,
        (Scalar::Str(x), Scalar::Str(y)) => Some(super::values::text_cmp(x, y, insensitive)),
        (Scalar::Bool(x), Scalar::Bool(y)) => Some(x.cmp(y)),
        (Scalar::Int(x), Scalar::Int(y)) => Some(x.cmp(y)),
        (Scalar::Date(x), Scalar::Date(y) | Scalar::Int(y)) | (Scalar::Int(x), Scalar::Date(y)) => {
            Some(x.cmp(y))
        }
        (Scalar::Date(x), Scalar::Str(s)) => datetime::parse_iso(s).map(|y| x.cmp(&y)),
        (Scalar::Str(s), Scalar::Date(y)) => datetime::parse_iso(s).map(|x| x.cmp(y)),
        (Scalar::Ip(x), Scalar::Ip(y)) => Some(x.cmp(y)),
        (Scalar::Ip(x), Scalar::Str(s)) => ip::parse(s).map(|y| x.cmp(&y)),
        (Scalar::Str(s), Scalar::Ip(y)) => ip::parse(s).map(|x| x.cmp(y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Java arithmetic: whole numbers stay whole (an overflow or a zero divisor is `null` here,
/// an error in Elasticsearch), anything with a double is a double.
pub fn arith(op: ArithOp, a: &Scalar, b: &Scalar) -> Scalar {
    if let (Scalar::Int(x), Scalar::Int(y)) = (a, b) {
        let r = match op {
            ArithOp::Add => x.checked_add(*y),
            ArithOp::Sub => x.checked_sub(*y),
            ArithOp::Mul => x.checked_mul(*y),
            ArithOp::Div => x.checked_div(*y),
            ArithOp::Mod => x.checked_rem(*y),
        };
        return r.map_or(Scalar::Null, Scalar::Int);
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
        return Scalar::Null;
    };
    Scalar::Double(match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Div => x / y,
        ArithOp::Mod => x % y,
    })
}

pub(super) fn str_arg(args: &[Scalar], i: usize) -> Option<&str> {
    args.get(i).and_then(Scalar::as_str)
}
