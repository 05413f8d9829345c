//! Scalar functions: type checking at compile time and evaluation on cells.

use crate::esql::ast;

use crate::document::value::{Cell, Type, Value};
use crate::document::{datetime, ip};
use crate::eval::expr::{convert_cell, single, singles, CExpr, Ctx};

mod bucket;
pub mod catalog;
pub mod categorize;
mod checks;
mod codec;
mod compile;
mod date_parts;
mod date_unit_count;
mod eval;
pub mod fulltext;
mod human;
pub mod implicit;
mod java_math;
mod math;
mod qstr;
pub mod range;
mod spatial;

pub(crate) use checks::arity;
use checks::implicit_time_span;
pub use checks::type_mismatch;
pub use compile::compile;
pub use eval::{eval, eval_single_valued, plain_single_valued};
pub use math::Unary;

#[derive(Clone, Debug)]
pub enum Func {
    Coalesce,
    Greatest,
    Least,
    ToType(Type),
    ToIpWithOptions {
        octal: bool,
    },
    ToLower,
    ToUpper,
    Concat,
    Length,
    Substring,
    StartsWith,
    EndsWith,
    Trim,
    Ltrim,
    Rtrim,
    Replace(Option<Box<fancy_regex::Regex>>),
    Split,
    Locate,
    Left,
    Right,
    Reverse,
    Repeat,
    MvCount,
    MvFirst,
    MvLast,
    MvMin,
    MvMax,
    MvSum,
    MvAvg,
    MvMedian,
    MvConcat,
    MvDedupe,
    MvSort,
    MvSlice,
    MvContains,
    DateTrunc,
    /// `BUCKET`'s date rounding picked from a count and a range that read `NOW()`.
    BucketRounding,
    DateDiff,
    DateFormat,
    DateParse,
    DateExtract,
    Now,
    Round,
    Abs,
    Ceil,
    Floor,
    Sqrt,
    Pow,
    Log10,
    Signum,
    Constant(f64),
    CidrMatch,
    IpPrefix,
    JsonExtract,
    /// `CLAMP(x, min, max)`, `CLAMP_MIN(x, min)`, `CLAMP_MAX(x, max)`.
    Clamp,
    ClampMin,
    ClampMax,
    MvZip,
    MvAppend,
    /// Trigonometric, hyperbolic, `EXP`, `CBRT`, `TO_DEGREES`, `TO_RADIANS`.
    Math(Unary),
    Atan2,
    Hypot,
    /// `LOG(value)` or `LOG(base, value)`.
    Log,
    CopySign,
    Scalb,
    UrlEncode,
    UrlEncodeComponent,
    UrlDecode,
    ToBase64,
    FromBase64,
    /// `MD5`, `SHA1`, `SHA256`: a fixed `MessageDigest` algorithm.
    Digest(&'static str),
    /// `HASH(algorithm, input)`.
    Hash,
    Space,
    /// `MATCH`, `MATCH_PHRASE`, `MULTI_MATCH`, `KQL`, `:` (arguments: the fields, or every
    /// column for `KQL`).
    FullText(Box<fulltext::FullText>),
    /// `FMT_BYTES`, `FMT_BYTES_SI`, `FMT_DURATION` (an optional unit) and `FMT_PERCENT`.
    FmtBytes,
    FmtBytesSi,
    FmtDuration,
    FmtPercent,
    BitLength,
    ByteLength,
    Contains,
    MvPercentile,
    MvPseriesWeightedSum,
    MvMedianAbsoluteDeviation,
    DayName,
    MonthName,
    DaysInMonth,
    /// `DATE_UNIT_COUNT(to_unit, from_unit, date)` with units read per row.
    DateUnitCount,
    /// `ASCII` (single-valued) and `TO_ASCII` (value by value, a conversion).
    Ascii,
    ToAscii,
    /// `MV_CONTAINS_ALL(superset, subset)`: `MV_CONTAINS`, but null when either side is.
    MvContainsAll,
    /// `ROUND_TO(value, point, …)`.
    RoundTo,
    /// `MV_INTERSECTION`, `MV_UNION`, `MV_DIFFERENCE`: set operations on two multivalues.
    MvSet(MvSetOp),
    /// `MV_INTERSECTS(a, b)`: whether the multivalues share a value.
    MvIntersects,
    /// `ST_X` (true) or `ST_Y` (false) of a `geo_point`.
    StCoordinate(bool),
    StDistance,
    /// `RANGE_MIN` (false) or `RANGE_MAX` (true) of a `date_range`.
    RangeBound(bool),
    /// `RANGE_WITHIN`, `RANGE_CONTAINS` (arguments swapped), `RANGE_INTERSECTS`, `IN_RANGE`.
    RangeRelation(range::Relation),
    /// `TO_RANGE(from, to)`: a `date_range` from two dates.
    ToRange,
    /// `FIELD_EXTRACT(flattened, key)`: one literal key of a `flattened` root, as `keyword`.
    FieldExtract,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MvSetOp {
    Intersection,
    Union,
    Difference,
}
