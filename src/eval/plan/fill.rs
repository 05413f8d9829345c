//! `FILLNULL`: which columns get which constant in place of null, and the warnings and errors
//! Elasticsearch's `FillNull` plan gives (see docs/esql-semantics.md, "FILLNULL").

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::esql::ast;
use crate::eval::expr::{error, Compiler, Kind};
use crate::span::Span;

use super::resolve_pattern;
use crate::document::name_matches;

/// Elasticsearch lists at most this many unfillable fields in the `ON *` warning.
const LISTED_FIELDS: usize = 10;

/// The compiled command: per filled column, its index and the constant it takes when null;
/// plus the compile-time warnings.
pub(super) struct Fill {
    pub fills: Vec<(usize, Cell)>,
    pub notes: Vec<String>,
}

impl Fill {
    /// The schema after the fill: a filled `text` column is `keyword`, the type of
    /// `COALESCE(text, keyword)` (`fillnull/fillNullThenMatchOnFilledTextField`).
    pub fn retype(&self, schema: &mut [Column]) {
        for (i, _) in &self.fills {
            if schema[*i].ty == Type::Text {
                schema[*i].ty = Type::Keyword;
            }
        }
    }
}

/// The name Elasticsearch's messages give a type (`DataType.typeName`).
fn type_name(ty: Type) -> &'static str {
    match ty {
        Type::Datetime => "datetime",
        other => other.name(),
    }
}

/// `FillNull.defaultForType`: the `DEFAULT` of a type, if it has one.
fn default_for(ty: Type) -> Option<Value> {
    Some(match ty {
        Type::Integer => Value::Integer(0),
        Type::Long => Value::Long(0),
        Type::Double => Value::Double(0.0),
        Type::Keyword | Type::Text => Value::str(""),
        Type::Boolean => Value::Boolean(false),
        _ => return None,
    })
}

fn numeric(ty: Type) -> bool {
    matches!(
        ty,
        Type::Integer | Type::Long | Type::Double | Type::UnsignedLong
    )
}

fn string(ty: Type) -> bool {
    matches!(ty, Type::Keyword | Type::Text)
}

/// Why an explicit value cannot fill a column of type `ty`: `Err(None)` when the types are not
/// compatible, `Err(Some(_))` when they are but the value does not fit.
fn fill_value(value: &Value, from: Type, ty: Type) -> Result<Value, Option<String>> {
    if from == ty || (string(from) && string(ty)) {
        return Ok(value.clone());
    }
    let cast_from_string = from == Type::Keyword && ty.takes_string_literals();
    if (numeric(from) && numeric(ty)) || cast_from_string {
        return crate::document::convert::convert(value, ty).map_err(Some);
    }
    Err(None)
}

/// Compiles `FILLNULL` against `schema`; `keyword` is the command's span (warnings point at it).
pub(super) fn compile_fill(
    c: &mut Compiler,
    fill: &ast::FillNull,
    schema: &[Column],
    keyword: Span,
) -> Result<Fill, Diagnostic> {
    let every = fill.targets.iter().any(|p| p.pattern == "*");
    let targeted = targeted_columns(fill, schema)?;
    let value = fill_constant(c, fill, schema)?;
    let mut fills = Vec::new();
    let mut unfillable = Vec::new();
    for (i, col) in schema.iter().enumerate() {
        if !every && !targeted[i] {
            continue;
        }
        if col.ty == Type::Null {
            unfillable.push(col);
            continue;
        }
        let cell = column_fill(col, &value, every)?;
        match cell {
            Some(cell) => {
                c.constants.forget(&col.name);
                fills.push((i, cell));
            }
            None => unfillable.push(col),
        }
    }
    let mut notes = Vec::new();
    // Only `DEFAULT` warns: an explicit value that does not apply is silently skipped.
    if value.is_none() && !unfillable.is_empty() {
        notes.push(unfillable_note(&c.location(keyword), every, &unfillable));
    }
    Ok(Fill { fills, notes })
}

/// Which columns the command's patterns other than `*` name; an error for a name that is no
/// column or a pattern that matches none.
fn targeted_columns(fill: &ast::FillNull, schema: &[Column]) -> Result<Vec<bool>, Diagnostic> {
    let mut targeted = vec![false; schema.len()];
    for p in &fill.targets {
        if p.pattern == "*" {
            continue;
        }
        resolve_pattern(schema, p)?;
        for (i, col) in schema.iter().enumerate() {
            targeted[i] |= name_matches(&p.pattern, &col.name);
        }
    }
    Ok(targeted)
}

/// The explicit fill value, with its type and span (`None` for `DEFAULT`); it must be a constant.
fn fill_constant(
    c: &mut Compiler,
    fill: &ast::FillNull,
    schema: &[Column],
) -> Result<Option<(Cell, Type, Span)>, Diagnostic> {
    Ok(match &fill.value {
        None => None,
        Some(e) => {
            let compiled = c.expr(e, schema)?;
            let Kind::Literal(cell) = &compiled.kind else {
                return Err(error(
                    "E302",
                    e.span,
                    "[FILLNULL] the fill value must be a constant",
                ));
            };
            Some((cell.clone(), compiled.ty, e.span))
        }
    })
}

/// What fills the nulls of `col`: its type's default, or the explicit `value` where it fits;
/// `None` where nothing applies (an unfitting value under `*` is skipped).
fn column_fill(
    col: &Column,
    value: &Option<(Cell, Type, Span)>,
    every: bool,
) -> Result<Option<Cell>, Diagnostic> {
    Ok(match value {
        None => default_for(col.ty).map(Cell::One),
        Some((Cell::Null, _, _)) => None,
        Some((Cell::Many(_), _, span)) => {
            return Err(error(
                "E302",
                *span,
                "[FILLNULL] the fill value must be a single value",
            ))
        }
        Some((Cell::One(v), from, span)) => match fill_value(v, *from, col.ty) {
            Ok(v) => Some(Cell::One(v)),
            Err(_) if every => None,
            Err(None) => {
                return Err(error(
                    "E302",
                    *span,
                    format!(
                        "[FILLNULL] fill value type [{}] is incompatible with field [{}] type [{}]",
                        type_name(*from),
                        col.name,
                        type_name(col.ty)
                    ),
                ))
            }
            Err(Some(_)) => {
                return Err(error(
                    "E302",
                    *span,
                    format!(
                        "[FILLNULL] fill value [{}] does not fit field [{}] of type [{}]",
                        v.to_text(),
                        col.name,
                        type_name(col.ty)
                    ),
                ))
            }
        },
    })
}

/// `WarnUnfillableFillNull`'s text: one field named with its type, or a list (the first ten).
fn unfillable_note(location: &str, every: bool, columns: &[&Column]) -> String {
    if let [col] = columns {
        if !every {
            return format!(
                "{location}: [FILLNULL] field [{}] of type [{}] has no default fill value and was left unchanged; provide an explicit value",
                col.name,
                type_name(col.ty)
            );
        }
    }
    let names: Vec<&str> = columns
        .iter()
        .take(LISTED_FIELDS)
        .map(|c| c.name.as_str())
        .collect();
    let mut text = format!(
        "{location}: [FILLNULL] the following fields have no default fill value for their type and were left unchanged: [{}]; provide an explicit value",
        names.join(", ")
    );
    if columns.len() > LISTED_FIELDS {
        text.push_str(&format!(
            "; only the first {LISTED_FIELDS} of {} fields are shown",
            columns.len()
        ));
    }
    text
}
