//! Evaluating scalar function calls on their argument cells.

use super::*;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn kw(s: impl AsRef<str>) -> Cell {
    Cell::One(Value::str(s.as_ref()))
}

fn int(i: i64) -> Cell {
    Cell::One(Value::Integer(i as i32))
}

/// Elasticsearch's `ScalarFunction.MAX_BYTES_REF_RESULT_SIZE`: string functions refuse to build
/// a result longer than this many bytes (`REPEAT`, `REPLACE`: a warning and null; `CONCAT`: the
/// query fails).
pub const MAX_BYTES_REF_RESULT_SIZE: usize = 1_048_576;

/// rulegate's cap on what `MV_APPEND`, `MV_ZIP` and `MV_CONCAT` build, where Elasticsearch has only
/// its memory circuit breaker: values in one multivalue, and bytes of text in one result.
pub const MAX_MV_VALUES: usize = 1_000_000;
pub const MAX_MV_BYTES: usize = 16 * MAX_BYTES_REF_RESULT_SIZE;

/// Fails the query (`E014`) when a multivalue function's result would pass the caps above.
fn mv_too_large(ctx: &mut Ctx, name: &str, values: usize, bytes: usize) -> bool {
    if values <= MAX_MV_VALUES && bytes <= MAX_MV_BYTES {
        return false;
    }
    ctx.fail(
        "E014",
        format!(
            "{name} would make a result of {values} values and {bytes} bytes, more than rulegate's cap of {MAX_MV_VALUES} values and {MAX_MV_BYTES} bytes"
        ),
        Some("Elasticsearch would run out of memory (its circuit breaker) long before; the cap is fixed".into()),
    );
    true
}

fn text_bytes<'a>(values: impl IntoIterator<Item = &'a Value>) -> usize {
    values
        .into_iter()
        .map(|v| v.as_str().map_or(8, str::len))
        .sum()
}

/// Evaluates a call on its already evaluated argument cells.
pub fn eval(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
        Func::FullText(f) => Cell::boolean(Some(f.matches(&args, ctx.now))),
        Func::Coalesce => args.into_iter().find(|c| !c.is_null()).unwrap_or_default(),
        Func::Greatest | Func::Least => {
            let mut best: Option<Value> = None;
            for c in &args {
                if c.is_null() {
                    return Cell::Null;
                }
                for v in c.values() {
                    let better = match &best {
                        None => true,
                        Some(b) => {
                            let o = v.compare(b);
                            if matches!(func, Func::Greatest) {
                                o.is_gt()
                            } else {
                                o.is_lt()
                            }
                        }
                    };
                    if better {
                        best = Some(v.clone());
                    }
                }
            }
            best.map_or(Cell::Null, Cell::One)
        }
        Func::ToType(ty) => {
            let c = args.into_iter().next().unwrap_or_default();
            convert_cell(c, *ty, ctx, site)
        }
        Func::ToIpWithOptions { octal } => {
            let mut out = Vec::new();
            for v in args.into_iter().next().unwrap_or_default().into_values() {
                match ip::parse_leading_zeros(s(&v), *octal) {
                    Some(b) => out.push(Value::Ip(b)),
                    None => ctx.warn(
                        site,
                        &format!(
                            "java.lang.IllegalArgumentException: '{}' is not an IP string literal.",
                            s(&v)
                        ),
                    ),
                }
            }
            Cell::from_values(out)
        }
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
        Func::MvIntersects => {
            if args[0].is_null() || args[1].is_null() {
                return Cell::Null;
            }
            let (a, b) = (args[0].values(), args[1].values());
            Cell::boolean(Some(
                a.iter().any(|v| b.iter().any(|x| x.compare(v).is_eq())),
            ))
        }
        Func::Now => Cell::One(Value::Datetime(ctx.now)),
        Func::Constant(v) => Cell::One(Value::Double(*v)),
        Func::CidrMatch => {
            let Some(ipv) = single(&args[0], ctx, site) else {
                return Cell::Null;
            };
            let Value::Ip(bytes) = ipv else {
                return Cell::Null;
            };
            for c in &args[1..] {
                for block in c.values() {
                    if ip::cidr_contains(bytes, s(block)) == Some(true) {
                        return Cell::boolean(Some(true));
                    }
                }
            }
            Cell::boolean(Some(false))
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
        Func::Concat => {
            let Some(vs) = singles(&args, ctx, site) else {
                return Cell::Null;
            };
            // Elasticsearch checks before it builds, and fails the query (an EsqlClientException).
            if vs.iter().map(|v| s(v).len()).sum::<usize>() > MAX_BYTES_REF_RESULT_SIZE {
                return ctx.fail(
                    "E014",
                    format!("concatenating more than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"),
                    None,
                );
            }
            let result = single_valued(func, &vs, e.ty, ctx.now);
            ctx.or_warn(site, result)
        }
        // Conversion functions: each value of a multivalue converts on its own.
        Func::Math(f @ (Unary::ToDegrees | Unary::ToRadians)) => {
            let mut out = Vec::new();
            for v in args.into_iter().next().unwrap_or_default().into_values() {
                match f.apply(v.as_f64().unwrap_or(0.0)) {
                    Ok(d) => out.push(Value::Double(d)),
                    Err(m) => ctx.warn(site, &m),
                }
            }
            Cell::from_values(out)
        }
        Func::StCoordinate(x) => {
            spatial::coordinate(args.into_iter().next().unwrap_or_default(), *x)
        }
        Func::StDistance => match &args[..] {
            [a, b] => spatial::distance(a, b),
            _ => Cell::Null,
        },
        Func::MvPercentile | Func::MvPseriesWeightedSum | Func::MvMedianAbsoluteDeviation => {
            mv_numeric(func, args, e.ty, ctx, site)
        }
        _ => {
            let Some(vs) = singles(&args, ctx, site) else {
                return Cell::Null;
            };
            let result = single_valued(func, &vs, e.ty, ctx.now);
            ctx.or_warn(site, result)
        }
    }
}

/// Backtracking steps one match of a `REPLACE` regex may take. `java.util.regex` has no such
/// limit (it runs, or overflows its stack); fancy-regex backtracks only for look-around and
/// back-references, so this bounds exactly the patterns the linear `regex` crate cannot run.
pub const REGEX_BACKTRACK_LIMIT: usize = 1_000_000;

/// A `java.util.regex` pattern: fancy-regex delegates to the linear-time `regex` crate unless
/// the pattern needs look-around (`(?!…)`, `(?<=…)`) or back-references, which Java has.
pub fn java_regex(pattern: &str) -> Result<fancy_regex::Regex, String> {
    fancy_regex::RegexBuilder::new(pattern)
        .backtrack_limit(REGEX_BACKTRACK_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// `REPLACE` that stops, as Elasticsearch does, once the result would pass
/// [`MAX_BYTES_REF_RESULT_SIZE`] (checked before each replacement is appended); a match past
/// [`REGEX_BACKTRACK_LIMIT`] is an error (a warning and null), never a hang.
fn replace_bounded(
    re: &fancy_regex::Regex,
    text: &str,
    replacement: &str,
) -> Result<String, String> {
    let mut out = String::new();
    let mut last = 0;
    for captures in re.captures_iter(text) {
        let captures = captures.map_err(|e| {
            format!("java.lang.IllegalArgumentException: regex evaluation failed: {e} (more than {REGEX_BACKTRACK_LIMIT} backtracking steps)")
        })?;
        let whole = captures.get(0).expect("group 0 is the match");
        out.push_str(&text[last..whole.start()]);
        captures.expand(replacement, &mut out);
        last = whole.end();
        if out.len() + (text.len() - last) > MAX_BYTES_REF_RESULT_SIZE {
            return Err(format!(
                "java.lang.IllegalArgumentException: Creating strings with more than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
            ));
        }
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// The numeric reductions of a multivalue with a single-valued parameter.
fn mv_numeric(func: &Func, args: Vec<Cell>, ty: Type, ctx: &mut Ctx, site: u32) -> Cell {
    let mut it = args.into_iter();
    let values = it.next().unwrap_or_default().into_values();
    if values.is_empty() {
        return Cell::Null;
    }
    let param = match it.next() {
        Some(c) => match single(&c, ctx, site) {
            Some(v) => v.as_f64(),
            None => return Cell::Null,
        },
        None => None,
    };
    let result = match func {
        Func::MvPercentile => math::mv_percentile(&values, param.unwrap_or(0.0), ty)
            .map(|v| v.map_or(Cell::Null, Cell::One)),
        Func::MvPseriesWeightedSum => {
            let xs: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            math::pseries_weighted_sum(&xs, param.unwrap_or(0.0))
                .map(|d| Cell::One(Value::Double(d)))
        }
        _ => Ok(math::mv_median_absolute_deviation(&values, ty).map_or(Cell::Null, Cell::One)),
    };
    ctx.or_warn(site, result)
}

/// Functions whose every argument is a single non-null value.
pub(super) fn single_valued(
    func: &Func,
    a: &[&Value],
    ty: Type,
    _now: i64,
) -> Result<Cell, String> {
    let arg_i64 = |i: usize| a.get(i).and_then(|v| v.as_i64()).unwrap_or(0);
    Ok(match func {
        Func::ToLower => kw(s(a[0]).to_lowercase()),
        Func::BucketRounding => super::bucket::rounding_at_run(a).map_or(Cell::Null, Cell::One),
        Func::Clamp | Func::ClampMin | Func::ClampMax => {
            let mut x = a[0];
            let (min, max) = match func {
                Func::Clamp => (Some(a[1]), Some(a[2])),
                Func::ClampMin => (Some(a[1]), None),
                _ => (None, Some(a[1])),
            };
            if let Some(m) = min.filter(|m| x.compare(m).is_lt()) {
                x = m;
            }
            if let Some(m) = max.filter(|m| x.compare(m).is_gt()) {
                x = m;
            }
            // Mixed numeric arguments take the result type (`CLAMP(int, 1.5, 2)` is a double).
            Cell::One(crate::document::convert::convert(x, ty).unwrap_or_else(|_| x.clone()))
        }
        Func::ToUpper => kw(s(a[0]).to_uppercase()),
        Func::Concat => {
            let mut out = String::new();
            for v in a {
                out.push_str(s(v));
            }
            kw(out)
        }
        Func::Length => int(s(a[0]).chars().count() as i64),
        Func::Substring => {
            let chars: Vec<char> = s(a[0]).chars().collect();
            let len = chars.len() as i64;
            let start = arg_i64(1);
            // 1-based; negative counts from the end; 0 behaves like 1.
            let from = if start < 0 {
                (len + start).max(0)
            } else {
                (start - 1).max(0)
            };
            let count = if a.len() > 2 { arg_i64(2).max(0) } else { len };
            let from = from.min(len) as usize;
            let to = (from as i64 + count).min(len) as usize;
            kw(chars[from..to].iter().collect::<String>())
        }
        Func::StartsWith => Cell::boolean(Some(s(a[0]).starts_with(s(a[1])))),
        Func::EndsWith => Cell::boolean(Some(s(a[0]).ends_with(s(a[1])))),
        Func::Trim => kw(s(a[0]).trim()),
        Func::Ltrim => kw(s(a[0]).trim_start()),
        Func::Rtrim => kw(s(a[0]).trim_end()),
        Func::Replace(compiled) => {
            let re = match compiled {
                Some(re) => (**re).clone(),
                None => java_regex(s(a[1]))
                    .map_err(|e| format!("java.util.regex.PatternSyntaxException: {e}"))?,
            };
            // Java's `$1` group references read as Rust's `${1}`.
            let replacement = java_replacement(s(a[2]));
            kw(replace_bounded(&re, s(a[0]), &replacement)?)
        }
        Func::Split => {
            let delim = s(a[1]);
            if delim.is_empty() {
                return Ok(Cell::from_values(
                    s(a[0])
                        .chars()
                        .map(|c| Value::str(&c.to_string()))
                        .collect(),
                ));
            }
            Cell::from_values(s(a[0]).split(delim).map(Value::str).collect())
        }
        Func::Locate => {
            // Linear in the haystack for any needle: `str::find` is a two-way search, and the
            // character positions are counted once, not by comparing at every start.
            let (hay, needle) = (s(a[0]), s(a[1]));
            let start = if a.len() > 2 {
                arg_i64(2).saturating_sub(1).max(0) as usize
            } else {
                0
            };
            if needle.is_empty() {
                return Ok(int(start as i64 + 1));
            }
            let Some((from, _)) = hay.char_indices().nth(start) else {
                return Ok(int(0));
            };
            let found = hay[from..].find(needle).map_or(0, |at| {
                (start + hay[from..from + at].chars().count()) as i64 + 1
            });
            int(found)
        }
        Func::Left | Func::Right => {
            let chars: Vec<char> = s(a[0]).chars().collect();
            let n = (arg_i64(1).max(0) as usize).min(chars.len());
            let part: String = if matches!(func, Func::Left) {
                chars[..n].iter().collect()
            } else {
                chars[chars.len() - n..].iter().collect()
            };
            kw(part)
        }
        Func::Reverse => kw(s(a[0]).chars().rev().collect::<String>()),
        Func::Repeat => {
            let count = arg_i64(1).max(0) as u64;
            if (s(a[0]).len() as u64).saturating_mul(count) > MAX_BYTES_REF_RESULT_SIZE as u64 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Creating repeated strings with more than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
                ));
            }
            kw(s(a[0]).repeat(count as usize))
        }
        Func::Math(f) => Cell::One(Value::Double(f.apply(a[0].as_f64().unwrap_or(0.0))?)),
        Func::Atan2 => {
            let (y, x) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
            Cell::One(Value::Double(y.atan2(x)))
        }
        Func::Hypot => {
            let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
            Cell::One(Value::Double(math::hypot(x, y)?))
        }
        Func::Scalb => {
            let d = a[0].as_f64().unwrap_or(0.0);
            let n = match a[1] {
                Value::UnsignedLong(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                other => other
                    .as_i64()
                    .unwrap_or_else(|| other.as_f64().unwrap_or(0.0) as i64),
            };
            Cell::One(Value::Double(math::scalb(d, n)?))
        }
        Func::Log => {
            let (base, value) = match a {
                [v] => (None, v.as_f64().unwrap_or(0.0)),
                _ => (a[0].as_f64(), a[1].as_f64().unwrap_or(0.0)),
            };
            Cell::One(Value::Double(math::log(base, value)?))
        }
        Func::CopySign => Cell::One(math::copy_sign(a[0], a[1], ty)?),
        Func::UrlEncode => kw(codec::url_encode(s(a[0]))),
        Func::UrlEncodeComponent => kw(codec::url_encode_component(s(a[0]))),
        Func::UrlDecode => kw(codec::url_decode(s(a[0]))?),
        Func::ToBase64 => kw(codec::to_base64(s(a[0]))),
        Func::FromBase64 => kw(codec::from_base64(s(a[0]))?),
        Func::Digest(algorithm) => kw(codec::digest(algorithm, s(a[0]))?),
        Func::Hash => kw(codec::digest(s(a[0]), s(a[1]))?),
        Func::Space => {
            let n = arg_i64(0);
            if n < 0 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Number parameter cannot be negative, found [{n}]"
                ));
            }
            if n > MAX_BYTES_REF_RESULT_SIZE as i64 {
                return Err(format!(
                    "java.lang.IllegalArgumentException: Creating strings longer than [{MAX_BYTES_REF_RESULT_SIZE}] bytes is not supported"
                ));
            }
            kw(" ".repeat(n as usize))
        }
        Func::FmtBytes | Func::FmtBytesSi | Func::FmtDuration => {
            let unit = a.get(1).map(|u| s(u));
            let n = arg_i64(0);
            kw(match func {
                Func::FmtBytes => human::fmt_bytes(n, unit)?,
                Func::FmtBytesSi => human::fmt_bytes_si(n, unit)?,
                _ => human::fmt_duration(n, unit)?,
            })
        }
        Func::FmtPercent => kw(human::fmt_percent(a[0].as_f64().unwrap_or(0.0))),
        Func::BitLength => int(s(a[0]).len() as i64 * 8),
        Func::ByteLength => int(s(a[0]).len() as i64),
        Func::Contains => Cell::boolean(Some(s(a[1]).is_empty() || s(a[0]).contains(s(a[1])))),
        Func::DayName | Func::MonthName => {
            let Value::Datetime(ms) = a[0] else {
                return Ok(Cell::Null);
            };
            if matches!(func, Func::DayName) {
                kw(crate::document::datetime::day_name(*ms))
            } else {
                let (_, month, _) = crate::calendar::civil_from_days(ms.div_euclid(86_400_000));
                kw(crate::document::datetime::month_name(month as u32))
            }
        }
        Func::DaysInMonth => {
            let Value::Datetime(ms) = a[0] else {
                return Ok(Cell::Null);
            };
            let (year, month, _) = crate::calendar::civil_from_days(ms.div_euclid(86_400_000));
            Cell::One(Value::Long(crate::calendar::days_in_month(year, month)))
        }
        Func::RoundTo => {
            // The greatest point not above the value; below every point, the least point.
            let convert =
                |v: &Value| crate::document::convert::convert(v, ty).unwrap_or_else(|_| v.clone());
            let x = convert(a[0]);
            let points: Vec<Value> = a[1..].iter().map(|p| convert(p)).collect();
            let below = points
                .iter()
                .filter(|p| p.compare(&x).is_le())
                .max_by(|p, q| p.compare(q));
            let least = points.iter().min_by(|p, q| p.compare(q));
            below.or(least).map_or(Cell::Null, |p| Cell::One(p.clone()))
        }
        Func::DateTrunc => {
            let Value::Datetime(ms) = a[1] else {
                return Ok(Cell::Null);
            };
            let r = match a[0] {
                Value::Period { months, days } => datetime::trunc(*ms, *months, *days, 0),
                Value::Duration(d) => datetime::trunc(*ms, 0, 0, *d),
                _ => None,
            };
            r.map_or(Cell::Null, |v| Cell::One(Value::Datetime(v)))
        }
        Func::DateDiff => {
            let (Some(start), Some(end)) = (a[1].as_i64(), a[2].as_i64()) else {
                return Ok(Cell::Null);
            };
            let unit = s(a[0]);
            match datetime::diff(unit, start, end) {
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is required; received [{unit}]"
                    ))
                }
                Some(Err(())) => return Err("java.lang.ArithmeticException: long overflow".into()),
                Some(Ok(v)) => match i32::try_from(v) {
                    Ok(i) => Cell::One(Value::Integer(i)),
                    Err(_) => {
                        return Err(format!(
                            "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [{v}] out of [integer] range"
                        ))
                    }
                },
            }
        }
        Func::DateFormat => {
            let (pattern, date) = if a.len() == 2 {
                (s(a[0]), a[1])
            } else {
                ("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", a[0])
            };
            let ms = date.as_i64().unwrap_or(0);
            match datetime::format_pattern(pattern, ms) {
                Some(t) => kw(t),
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: Unsupported date format [{pattern}]"
                    ))
                }
            }
        }
        Func::DateParse => {
            let (pattern, text) = if a.len() == 2 {
                (Some(s(a[0])), s(a[1]))
            } else {
                (None, s(a[0]))
            };
            let parsed = match pattern {
                Some(p) => datetime::parse_pattern(p, text),
                None => datetime::parse_iso(text),
            };
            match parsed {
                Some(ms) => Cell::One(Value::Datetime(ms)),
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: failed to parse date field [{text}] with format [{}]",
                        pattern.unwrap_or("strict_date_optional_time")
                    ))
                }
            }
        }
        Func::DateExtract => {
            let ms = a[1].as_i64().unwrap_or(0);
            match datetime::extract(s(a[0]), ms) {
                Some(v) => Cell::One(Value::Long(v)),
                None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: No enum constant java.time.temporal.ChronoField.{}",
                        s(a[0])
                    ))
                }
            }
        }
        Func::Round => {
            // Beyond ±400 digits every double and long rounds the same as at ±400: clamping keeps
            // the casts below exact.
            let digits = if a.len() > 1 { arg_i64(1) } else { 0 }.clamp(-400, 400);
            match a[0] {
                Value::Double(d) => {
                    let f = 10f64.powi(digits as i32);
                    // Java's Math.round semantics: half up.
                    let r = if digits >= 0 {
                        (d * f).abs().add_half_floor() * d.signum() / f
                    } else {
                        (d / 10f64.powi(-digits as i32)).abs().add_half_floor()
                            * d.signum()
                            * 10f64.powi(-digits as i32)
                    };
                    Cell::One(Value::Double(if r == 0.0 { 0.0 } else { r }))
                }
                Value::UnsignedLong(u) if digits < 0 => {
                    // `Maths.round(BigInteger, decimals)`: half up, exact; past 2^64-1 overflows.
                    let p = 10u128.checked_pow((-digits) as u32).unwrap_or(u128::MAX);
                    let x = u128::from(*u);
                    let down = x - x % p;
                    let r = if x % p >= p.div_ceil(2) {
                        down.saturating_add(p)
                    } else {
                        down
                    };
                    let Ok(r) = u64::try_from(r) else {
                        return Err("java.lang.ArithmeticException: unsigned_long overflow".into());
                    };
                    Cell::One(Value::UnsignedLong(r))
                }
                whole if digits < 0 => {
                    let x = whole.as_i64().unwrap_or(0);
                    let p = 10i128.checked_pow((-digits) as u32).unwrap_or(i128::MAX);
                    let x128 = i128::from(x);
                    let r = (x128.abs() + p / 2) / p * p * x128.signum();
                    let Ok(r) = i64::try_from(r) else {
                        return Err(crate::document::value::LONG_OVERFLOW_MESSAGE.into());
                    };
                    Cell::One(match ty {
                        Type::Integer => Value::Integer(r as i32),
                        _ => Value::Long(r),
                    })
                }
                whole => Cell::One(whole.clone()),
            }
        }
        Func::Abs => Cell::One(match a[0] {
            Value::Integer(x) => Value::Integer(x.wrapping_abs()),
            Value::Long(x) => Value::Long(x.wrapping_abs()),
            Value::Double(x) => Value::Double(x.abs()),
            other => other.clone(),
        }),
        Func::Ceil | Func::Floor => Cell::One(match a[0] {
            Value::Double(x) => Value::Double(if matches!(func, Func::Ceil) {
                x.ceil()
            } else {
                x.floor()
            }),
            other => other.clone(),
        }),
        Func::Sqrt | Func::Log10 | Func::Signum => {
            let x = a[0].as_f64().unwrap_or(0.0);
            let r = match func {
                Func::Sqrt if x < 0.0 => {
                    return Err("java.lang.ArithmeticException: Square root of negative".into())
                }
                Func::Sqrt => x.sqrt(),
                Func::Log10 if x <= 0.0 => {
                    return Err("java.lang.ArithmeticException: Log of non-positive number".into())
                }
                Func::Log10 => x.log10(),
                _ => {
                    if x == 0.0 {
                        0.0
                    } else {
                        x.signum()
                    }
                }
            };
            Cell::One(Value::Double(r))
        }
        Func::Pow => {
            let r = a[0]
                .as_f64()
                .unwrap_or(0.0)
                .powf(a[1].as_f64().unwrap_or(0.0));
            if !r.is_finite() {
                return Err("java.lang.ArithmeticException: not a finite double number".into());
            }
            Cell::One(Value::Double(r))
        }
        Func::IpPrefix => {
            let Value::Ip(bytes) = a[0] else {
                return Ok(Cell::Null);
            };
            let v4 = ip::format(bytes).contains('.');
            // Both lengths are checked, whichever family the address is.
            for (i, max, name) in [(1, 32, "v4"), (2, 128, "v6")] {
                let bits = arg_i64(i);
                if !(0..=max).contains(&bits) {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: Prefix length {name} must be in range [0, {max}], found {bits}"
                    ));
                }
            }
            let bits = if v4 { arg_i64(1) } else { arg_i64(2) };
            let total = if v4 { bits + 96 } else { bits } as u32;
            let mask = if total == 0 {
                0
            } else {
                u128::MAX << (128 - total)
            };
            let masked = u128::from_be_bytes(*bytes) & mask;
            let mut out = masked.to_be_bytes();
            if v4 {
                out[10] = 0xff;
                out[11] = 0xff;
            }
            Cell::One(Value::Ip(out))
        }
        Func::JsonExtract => {
            let doc: serde_json::Value = serde_json::from_str(s(a[0])).map_err(|e| {
                format!("java.lang.IllegalArgumentException: invalid JSON input: {e}")
            })?;
            let path = s(a[1]);
            match json_path(&doc, path) {
                Some(serde_json::Value::String(t)) => kw(t),
                Some(serde_json::Value::Null) | None => {
                    return Err(format!(
                        "java.lang.IllegalArgumentException: path [{path}] does not exist"
                    ))
                }
                Some(other) => kw(other.to_string()),
            }
        }
        _ => Cell::Null,
    })
}

trait HalfUp {
    fn add_half_floor(self) -> f64;
}

impl HalfUp for f64 {
    fn add_half_floor(self) -> f64 {
        (self + 0.5).floor()
    }
}

/// Follows `a.b[0].c`, `$.a.b`, `['a.b']` paths through JSON.
pub(super) fn json_path<'a>(
    doc: &'a serde_json::Value,
    path: &str,
) -> Option<&'a serde_json::Value> {
    let mut rest = path.trim();
    rest = rest.strip_prefix('$').unwrap_or(rest);
    let mut cur = doc;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            continue;
        }
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if let Some(key) = inner
                .strip_prefix('\'')
                .and_then(|k| k.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|k| k.strip_suffix('"')))
            {
                cur = cur.get(key)?;
            } else {
                cur = cur.get(inner.parse::<usize>().ok()?)?;
            }
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        cur = cur.get(&rest[..end])?;
        rest = &rest[end..];
    }
    Some(cur)
}

/// Java's `$1`/`${name}` replacement syntax in Rust's form, `\$` as a literal dollar.
pub(super) fn java_replacement(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(n);
                    }
                }
            }
            '$' if chars.peek().is_some_and(|d| d.is_ascii_digit()) => {
                let mut num = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    num.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{num}}}"));
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        let doc: serde_json::Value =
            serde_json::from_str(r#"{"a":{"b":[{"c":"x"}],"d.e":1}}"#).unwrap();
        assert_eq!(json_path(&doc, "a.b[0].c"), Some(&serde_json::json!("x")));
        assert_eq!(json_path(&doc, "$.a['d.e']"), Some(&serde_json::json!(1)));
        assert_eq!(json_path(&doc, "a.z"), None);
    }

    #[test]
    fn java_replacements() {
        assert_eq!(java_replacement("$1-x"), "${1}-x");
        assert_eq!(java_replacement("\\$"), "$$");
    }
}
