//! Evaluating scalar function calls on their argument cells.

use super::*;

mod multivalue;
mod single_valued;

use single_valued::single_valued;

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

/// Functions [`eval`] evaluates only through its last arm: each argument must be a single
/// non-null value ([`singles`]), then [`single_valued`]. For them [`CExpr::eval`] checks the
/// arguments where they lie and calls [`eval_single_valued`], without gathering argument cells
/// (a vector and a reference count per argument per row). None of them has an arm of its own
/// in [`eval`]; `functions::single_valued_functions_in_place` (tests) checks values, nulls and
/// warnings.
pub fn plain_single_valued(func: &Func) -> bool {
    matches!(
        func,
        Func::ToLower
            | Func::ToUpper
            | Func::Length
            | Func::StartsWith
            | Func::EndsWith
            | Func::DateTrunc
            | Func::Trim
            | Func::Ltrim
            | Func::Rtrim
            | Func::ByteLength
            | Func::BitLength
    )
}

/// A [`plain_single_valued`] function on its arguments' single values.
pub fn eval_single_valued(func: &Func, values: &[&Value], e: &CExpr, ctx: &mut Ctx) -> Cell {
    let result = single_valued(func, values, e.ty, ctx.now);
    ctx.or_warn(e.site, result)
}

/// Evaluates a call on its already evaluated argument cells.
pub fn eval(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
        Func::FullText(f) => Cell::boolean(Some(f.matches(&args, ctx.now))),
        // Elasticsearch's `Abs` evaluates an `unsigned_long` to its field unchanged, so a
        // multivalue passes through whole (math.csv-spec `absUnsignedLong`).
        Func::Abs if e.ty == Type::UnsignedLong => args.into_iter().next().unwrap_or_default(),
        Func::Coalesce | Func::Greatest | Func::Least => choose_among(func, args),
        Func::ToType(_)
        | Func::ToIpWithOptions { .. }
        | Func::ToAscii
        | Func::Math(Unary::ToDegrees | Unary::ToRadians) => convert_each(func, args, e, ctx),
        Func::MvCount
        | Func::MvFirst
        | Func::MvLast
        | Func::MvMin
        | Func::MvMax
        | Func::MvDedupe
        | Func::MvSum
        | Func::MvAvg
        | Func::MvMedian => multivalue::pick_and_reduce(func, args, e, ctx),
        Func::MvSort | Func::MvSlice => multivalue::sort_and_slice(func, args, e, ctx),
        Func::MvContains | Func::MvContainsAll | Func::MvSet(_) | Func::MvIntersects => {
            multivalue::set_tests(func, args)
        }
        Func::MvConcat | Func::MvAppend | Func::MvZip => multivalue::build(func, args, e, ctx),
        Func::CidrMatch | Func::StCoordinate(_) | Func::StDistance => {
            ip_and_spatial(func, args, e, ctx)
        }
        Func::Now => Cell::One(Value::Datetime(ctx.now)),
        Func::Constant(v) => Cell::One(Value::Double(*v)),
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

/// `COALESCE`, `GREATEST` and `LEAST`: one value chosen among the arguments'.
fn choose_among(func: &Func, args: Vec<Cell>) -> Cell {
    match func {
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
        _ => Cell::Null,
    }
}

/// Conversions: each value of a multivalue converts on its own.
fn convert_each(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
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
        // A conversion: each value of a multivalue escaped, no warning (`@ConvertEvaluator`).
        Func::ToAscii => {
            let c = args.into_iter().next().unwrap_or_default();
            let escaped = c
                .values()
                .iter()
                .map(|v| Value::str(&date_parts::escape_ascii(s(v))));
            Cell::from_values(escaped.collect())
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
        _ => Cell::Null,
    }
}

/// `CIDR_MATCH` and the spatial functions.
fn ip_and_spatial(func: &Func, args: Vec<Cell>, e: &CExpr, ctx: &mut Ctx) -> Cell {
    let site = e.site;
    match func {
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
        Func::StCoordinate(x) => {
            spatial::coordinate(args.into_iter().next().unwrap_or_default(), *x)
        }
        Func::StDistance => match &args[..] {
            [a, b] => spatial::distance(a, b),
            _ => Cell::Null,
        },
        _ => Cell::Null,
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
