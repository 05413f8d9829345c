//! Scalar functions whose every argument is a single non-null value: value in, value (or error
//! text) out, one submodule per family of functions.

use super::*;
use crate::document::date_nanos;

mod dates;
mod encoded;
mod numeric;
mod text;

/// Functions whose every argument is a single non-null value; null for a function none of the
/// families evaluates.
pub(super) fn single_valued(
    func: &Func,
    a: &[&Value],
    ty: Type,
    _now: i64,
) -> Result<Cell, String> {
    text::eval(func, a)
        .or_else(|| numeric::eval(func, a, ty))
        .or_else(|| dates::eval(func, a))
        .or_else(|| encoded::eval(func, a))
        .unwrap_or(Ok(Cell::Null))
}
