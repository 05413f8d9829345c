//! Multivalue functions (`MV_*`) on their argument cells: picking and reducing, sorting and
//! slicing, set tests, and building new multivalues.

use super::*;

/// `MV_COUNT`, `MV_FIRST`, `MV_LAST`, `MV_MIN`, `MV_MAX`, `MV_DEDUPE`, `MV_SUM`, `MV_AVG` and `MV_MEDIAN`.
pub(super) fn pick_and_reduce(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
        Func::MvCount => match args.first() {
            Some(c) if !c.is_null() => int(c.values().len() as i64),
            _ => Cell::Null,
        },
        Func::MvFirst | Func::MvLast | Func::MvMin | Func::MvMax => {
            let vals = args.into_iter().next().unwrap_or_default().into_values();
            let v = match func {
                Func::MvFirst => vals.into_iter().next(),
                Func::MvLast => vals.into_iter().last(),
                Func::MvMin => vals.into_iter().min_by(|a, b| a.compare(b)),
                _ => vals.into_iter().max_by(|a, b| a.compare(b)),
            };
            v.map_or(Cell::Null, Cell::One)
        }
        Func::MvDedupe => {
            let mut out: Vec<Value> = Vec::new();
            for v in args.into_iter().next().unwrap_or_default().into_values() {
                if !out.iter().any(|x| x.compare(&v).is_eq()) {
                    out.push(v);
                }
            }
            Cell::from_values(out)
        }
        Func::MvSum => {
            let vals = args.into_iter().next().unwrap_or_default().into_values();
            if vals.is_empty() {
                return Cell::Null;
            }
            let mut acc = vals[0].clone();
            for v in &vals[1..] {
                match crate::eval::expr::arith(ast::BinaryOp::Add, &acc, v, e.ty) {
                    Ok(x) => acc = x,
                    Err(m) => {
                        ctx.warn(site, &m);
                        return Cell::Null;
                    }
                }
            }
            Cell::One(acc)
        }
        Func::MvAvg | Func::MvMedian => {
            let mut vals: Vec<f64> = args
                .into_iter()
                .next()
                .unwrap_or_default()
                .values()
                .iter()
                .filter_map(Value::as_f64)
                .collect();
            if vals.is_empty() {
                return Cell::Null;
            }
            if matches!(func, Func::MvAvg) {
                return Cell::One(Value::Double(vals.iter().sum::<f64>() / vals.len() as f64));
            }
            vals.sort_by(f64::total_cmp);
            let m = vals.len() / 2;
            let median = if vals.len() % 2 == 1 {
                vals[m]
            } else {
                (vals[m - 1] + vals[m]) / 2.0
            };
            match e.ty {
                Type::Double => Cell::One(Value::Double(median)),
                Type::Integer => Cell::One(Value::Integer(median.floor() as i32)),
                _ => Cell::One(Value::Long(median.floor() as i64)),
            }
        }
        _ => Cell::Null,
    }
}

/// `MV_SORT` and `MV_SLICE`.
pub(super) fn sort_and_slice(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
        Func::MvSort => {
            let mut it = args.into_iter();
            let mut vals = it.next().unwrap_or_default().into_values();
            let desc = match it.next() {
                Some(Cell::One(v)) => s(&v).eq_ignore_ascii_case("desc"),
                _ => false,
            };
            vals.sort_by(|a, b| if desc { b.compare(a) } else { a.compare(b) });
            Cell::from_values(vals)
        }
        Func::MvSlice => {
            let mut it = args.into_iter();
            let vals = it.next().unwrap_or_default().into_values();
            let start = it.next().unwrap_or_default();
            let end = it.next();
            let Some(start) = single(&start, ctx, site).and_then(Value::as_i64) else {
                return Cell::Null;
            };
            let end = match &end {
                Some(c) => match single(c, ctx, site).and_then(Value::as_i64) {
                    Some(x) => x,
                    None => return Cell::Null,
                },
                None => start,
            };
            let len = vals.len() as i64;
            let norm = |i: i64| if i < 0 { len.saturating_add(i) } else { i };
            let (a, b) = (norm(start), norm(end));
            if a > b || b < 0 || a >= len {
                return Cell::Null;
            }
            let (a, b) = (a.max(0) as usize, b.min(len - 1) as usize);
            Cell::from_values(vals[a..=b].to_vec())
        }
        _ => Cell::Null,
    }
}

/// `MV_CONTAINS`, `MV_CONTAINS_ALL`, `MV_INTERSECTION`, `MV_UNION`, `MV_DIFFERENCE` and `MV_INTERSECTS`.
pub(super) fn set_tests(func: &Func, args: Vec<Cell>) -> Cell {
    match func {
        Func::MvContains => {
            let (sup, sub) = (&args[0], &args[1]);
            if sub.is_null() {
                return Cell::boolean(Some(true));
            }
            let all = sub
                .values()
                .iter()
                .all(|v| sup.values().iter().any(|x| x.compare(v).is_eq()));
            Cell::boolean(Some(all))
        }
        Func::MvContainsAll => {
            let (sup, sub) = (&args[0], &args[1]);
            if sup.is_null() || sub.is_null() {
                return Cell::Null;
            }
            let all = sub
                .values()
                .iter()
                .all(|v| sup.values().iter().any(|x| x.compare(v).is_eq()));
            Cell::boolean(Some(all))
        }
        Func::MvSet(op) => {
            let (a, b) = (args[0].values(), args[1].values());
            let has = |set: &[Value], v: &Value| set.iter().any(|x| x.compare(v).is_eq());
            let mut out: Vec<Value> = Vec::new();
            let candidates: Vec<&Value> = match op {
                MvSetOp::Union => a.iter().chain(b.iter()).collect(),
                _ => a.iter().collect(),
            };
            for v in candidates {
                let keep = match op {
                    MvSetOp::Intersection => has(b, v),
                    MvSetOp::Difference => !has(b, v),
                    MvSetOp::Union => true,
                };
                if keep && !has(&out, v) {
                    out.push(v.clone());
                }
            }
            Cell::from_values(out)
        }
        // A null side is an empty set: false, not null (`MvIntersects`' javadoc table).
        Func::MvIntersects => {
            let (a, b) = (args[0].values(), args[1].values());
            Cell::boolean(Some(
                a.iter().any(|v| b.iter().any(|x| x.compare(v).is_eq())),
            ))
        }
        _ => Cell::Null,
    }
}

/// `MV_CONCAT`, `MV_APPEND` and `MV_ZIP`: the functions that build text or a multivalue, within rulegate's caps.
pub(super) fn build(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
        Func::MvConcat => {
            let mut it = args.into_iter();
            let vals = it.next().unwrap_or_default();
            let sep = it.next().unwrap_or_default();
            let Some(sep) = single(&sep, ctx, site) else {
                return Cell::Null;
            };
            if vals.is_null() {
                return Cell::Null;
            }
            let count = vals.values().len();
            let bytes = text_bytes(vals.values()) + count * s(sep).len();
            if mv_too_large(ctx, "MV_CONCAT", 1, bytes) {
                return Cell::Null;
            }
            let parts: Vec<String> = vals.values().iter().map(Value::to_text).collect();
            kw(parts.join(s(sep)))
        }
        Func::MvAppend => {
            if args.iter().any(Cell::is_null) {
                return Cell::Null;
            }
            let values = args.iter().map(|c| c.values().len()).sum();
            let bytes = args.iter().map(|c| text_bytes(c.values())).sum();
            if mv_too_large(ctx, "MV_APPEND", values, bytes) {
                return Cell::Null;
            }
            Cell::from_values(args.into_iter().flat_map(Cell::into_values).collect())
        }
        Func::MvZip => {
            let mut it = args.into_iter();
            let left = it.next().unwrap_or_default().into_values();
            let right = it.next().unwrap_or_default().into_values();
            let delim = match it.next() {
                // A null delimiter makes the whole result null.
                Some(Cell::Null) => return Cell::Null,
                Some(d) => d
                    .into_values()
                    .first()
                    .map(|v| s(v).to_string())
                    .unwrap_or_default(),
                None => ",".to_string(),
            };
            let bytes =
                text_bytes(&left) + text_bytes(&right) + left.len().min(right.len()) * delim.len();
            if mv_too_large(ctx, "MV_ZIP", left.len().max(right.len()), bytes) {
                return Cell::Null;
            }
            // Pairs joined by the delimiter; the longer side's extra values stay alone.
            let out: Vec<Value> = (0..left.len().max(right.len()))
                .map(|i| match (left.get(i), right.get(i)) {
                    (Some(l), Some(r)) => Value::str(&format!("{}{delim}{}", s(l), s(r))),
                    (Some(v), None) | (None, Some(v)) => v.clone(),
                    (None, None) => unreachable!("i < the longer length"),
                })
                .collect();
            Cell::from_values(out)
        }
        _ => Cell::Null,
    }
}
