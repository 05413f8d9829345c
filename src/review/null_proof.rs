//! What a condition can evaluate to when one column is null, in ES|QL's three-valued logic: the
//! proof behind "equivalent" mutants (dropping `x IS NOT NULL` changes nothing when another
//! conjunct is never true for a null `x`).
//!
//! For each expression the analysis keeps the set of outcomes (true, false, null) it can have
//! for a null column and *any* values of every other column. The set is an over-approximation:
//! an outcome left out is impossible, an outcome kept may or may not happen. So "never true"
//! (no `true` in the set) is a proof, and "may be true" only a failure to prove. Subexpressions
//! are treated as independent, which only adds outcomes, never removes a real one.
//!
//! | expression | outcomes when the column is null |
//! |---|---|
//! | `true`, `false`, `null` | itself |
//! | the column; an expression null whenever it is (see [`null_when_null`]) | null |
//! | `NOT e` | `e`'s, true and false swapped (`NOT false` is true: the reason this module exists) |
//! | `a AND b`, `a OR b` | Kleene's tables over every pair of `a`'s and `b`'s outcomes |
//! | `v IS NULL` / `v IS NOT NULL` | true / false when `v` is null, else either (never null) |
//! | comparisons, `IN`, `LIKE`, `RLIKE` (negated or not) | null when the value is null, else any |
//! | `v LIKE "*"`, `v RLIKE ".*"` (and negated) | false (true) when `v` is null: the optimizer makes them `v IS NOT NULL` |
//! | `starts_with`, `ends_with` of a null first argument | null |
//! | anything else (other functions, other columns, casts to boolean) | any |

use crate::esql::ast::{Expr, ExprKind, LikePatterns, Literal, PatternKind};

/// The outcomes a boolean expression can have: a subset of {true, false, null}.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcomes {
    pub can_be_true: bool,
    pub can_be_false: bool,
    pub can_be_null: bool,
}

impl Outcomes {
    pub const ANY: Outcomes = Outcomes::new(true, true, true);
    pub const NULL: Outcomes = Outcomes::new(false, false, true);
    pub const TRUE: Outcomes = Outcomes::new(true, false, false);
    pub const FALSE: Outcomes = Outcomes::new(false, true, false);

    const fn new(can_be_true: bool, can_be_false: bool, can_be_null: bool) -> Outcomes {
        Outcomes {
            can_be_true,
            can_be_false,
            can_be_null,
        }
    }

    /// Whether `value` (`None` for null) is one of the outcomes.
    pub fn contains(self, value: Option<bool>) -> bool {
        match value {
            Some(true) => self.can_be_true,
            Some(false) => self.can_be_false,
            None => self.can_be_null,
        }
    }

    fn each(self) -> impl Iterator<Item = Option<bool>> {
        [Some(true), Some(false), None]
            .into_iter()
            .filter(move |v| self.contains(*v))
    }

    fn from_values(values: impl Iterator<Item = Option<bool>>) -> Outcomes {
        let mut out = Outcomes::new(false, false, false);
        for value in values {
            match value {
                Some(true) => out.can_be_true = true,
                Some(false) => out.can_be_false = true,
                None => out.can_be_null = true,
            }
        }
        out
    }

    fn not(self) -> Outcomes {
        Outcomes::new(self.can_be_false, self.can_be_true, self.can_be_null)
    }

    /// Every outcome of `op` over a pair of outcomes of `self` and `other`.
    fn combine(
        self,
        other: Outcomes,
        op: fn(Option<bool>, Option<bool>) -> Option<bool>,
    ) -> Outcomes {
        Outcomes::from_values(
            self.each()
                .flat_map(|a| other.each().map(move |b| op(a, b))),
        )
    }
}

/// Kleene's AND: false wins, then null.
fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Kleene's OR: true wins, then null.
fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Whether `expr` (a condition) is never true when column `field` is null: null or false on
/// every such row, so a `WHERE` with it as a conjunct already drops the row.
pub fn never_true_when_null(expr: &Expr, field: &str) -> bool {
    !outcomes_when_null(expr, field).can_be_true
}

/// The outcomes condition `expr` can have when column `field` is null (see the module table).
pub fn outcomes_when_null(expr: &Expr, field: &str) -> Outcomes {
    let null_or_any = |value: &Expr| {
        if null_when_null(value, field) {
            Outcomes::NULL
        } else {
            Outcomes::ANY
        }
    };
    match &expr.kind {
        ExprKind::Literal(Literal::Boolean(true)) => Outcomes::TRUE,
        ExprKind::Literal(Literal::Boolean(false)) => Outcomes::FALSE,
        ExprKind::Literal(Literal::Null) => Outcomes::NULL,
        ExprKind::Not(inner) => outcomes_when_null(inner, field).not(),
        ExprKind::And(left, right) => {
            outcomes_when_null(left, field).combine(outcomes_when_null(right, field), and)
        }
        ExprKind::Or(left, right) => {
            outcomes_when_null(left, field).combine(outcomes_when_null(right, field), or)
        }
        ExprKind::IsNull { value, negated } => {
            if null_when_null(value, field) {
                if *negated {
                    Outcomes::FALSE
                } else {
                    Outcomes::TRUE
                }
            } else {
                Outcomes::new(true, true, false)
            }
        }
        // `null IN (…)` is null whatever the list holds (Elasticsearch's `In.fold`), and so is its
        // negation.
        ExprKind::In { value, .. } => null_or_any(value),
        ExprKind::Like {
            value,
            patterns,
            kind,
            negated,
        } => {
            if !null_when_null(value, field) {
                return Outcomes::ANY;
            }
            // The optimizer turns a match-everything pattern into `IS NOT NULL` (see the
            // engine's `Like` compilation), so `null NOT LIKE "*"` is true.
            let match_all = match kind {
                PatternKind::Like => "*",
                PatternKind::Rlike => ".*",
            };
            let is_not_null = if *negated {
                Outcomes::TRUE
            } else {
                Outcomes::FALSE
            };
            match patterns {
                LikePatterns::Literals(literals)
                    if literals.iter().any(|p| p.value == match_all) =>
                {
                    is_not_null
                }
                LikePatterns::Literals(_) => Outcomes::NULL,
                // Folded to its text only when compiled: it may be the match-everything one.
                LikePatterns::Expr(_) => Outcomes::new(*negated, !*negated, true),
            }
        }
        ExprKind::Binary { op, left, right } if op.is_comparison() => {
            if null_when_null(left, field) || null_when_null(right, field) {
                Outcomes::NULL
            } else {
                Outcomes::ANY
            }
        }
        ExprKind::Call(call)
            if matches!(
                call.name.to_lowercase().as_str(),
                "starts_with" | "ends_with"
            ) && call.args.first().is_some_and(|a| null_when_null(a, field)) =>
        {
            Outcomes::NULL
        }
        _ => Outcomes::ANY,
    }
}

/// Whether `expr` (any type) evaluates to null whenever column `field` is null.
pub fn null_when_null(expr: &Expr, field: &str) -> bool {
    // Scalar functions that return null for a null first argument (not COALESCE, CASE or the
    // MV_*, which look at nulls).
    const NULL_PROPAGATING: &[&str] = &[
        "to_string",
        "to_lower",
        "to_upper",
        "to_ip",
        "to_long",
        "to_integer",
        "to_double",
        "trim",
        "length",
        "substring",
        "left",
        "right",
        "starts_with",
        "ends_with",
    ];
    match &expr.kind {
        ExprKind::Literal(Literal::Null) => true,
        ExprKind::Column(name) => name.name == field,
        ExprKind::Call(call) if NULL_PROPAGATING.contains(&call.name.to_lowercase().as_str()) => {
            call.args
                .first()
                .is_some_and(|arg| null_when_null(arg, field))
        }
        ExprKind::Cast { value, .. } | ExprKind::Unary { operand: value, .. } => {
            null_when_null(value, field)
        }
        // Arithmetic and comparisons alike are null when an operand is.
        ExprKind::Binary { left, right, .. } => {
            null_when_null(left, field) || null_when_null(right, field)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    //! The proof against the engine: every outcome the engine gives for a condition, on rows
    //! where `f` is null and the other columns take every value of a small pool, must be one
    //! the proof allows.

    use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

    use super::*;
    use crate::document::{Cell, Column, Documents, Type, Value};
    use crate::esql::ast::CommandKind;
    use crate::eval::Predicate;

    /// String-valued terms; `f` is the column that is null.
    const STRINGS: &[&str] = &[
        "f",
        "g",
        "\"a\"",
        "\"b\"",
        "null",
        "to_lower(f)",
        "to_upper(g)",
        "substring(f, 1, 1)",
        "left(g, 1)",
        "trim(f)",
        "to_string(n)",
        "coalesce(f, \"a\")",
        "concat(g, f)",
        "mv_first(f)",
        "case(f == \"a\", \"a\", \"b\")",
    ];
    /// Number-valued terms.
    const NUMBERS: &[&str] = &[
        "n",
        "n + 1",
        "length(f)",
        "length(g)",
        "1",
        "3",
        "null",
        "-length(f)",
        "mv_count(f)",
        "coalesce(length(f), 1)",
        "f::long",
    ];

    /// A condition's text, built from the pools with depth bounded.
    #[derive(Clone, Debug)]
    struct Condition(String);

    fn pick(g: &mut Gen, pool: &[&str]) -> String {
        g.choose(pool).copied().unwrap_or("null").to_string()
    }

    fn comparison(g: &mut Gen) -> String {
        let op = pick(g, &["==", "!=", "<", "<=", ">", ">="]);
        if bool::arbitrary(g) {
            format!("{} {op} {}", pick(g, STRINGS), pick(g, STRINGS))
        } else {
            format!("{} {op} {}", pick(g, NUMBERS), pick(g, NUMBERS))
        }
    }

    fn leaf(g: &mut Gen) -> String {
        let s = pick(g, STRINGS);
        match u8::arbitrary(g) % 12 {
            0 => pick(g, &["true", "false", "null", "b"]),
            1 => format!("{s} IS NULL"),
            2 => format!("{s} IS NOT NULL"),
            3 | 4 => comparison(g),
            5 => {
                let items: Vec<String> = (0..1 + usize::arbitrary(g) % 3)
                    .map(|_| pick(g, STRINGS))
                    .collect();
                let not = if bool::arbitrary(g) { " NOT" } else { "" };
                format!("{s}{not} IN ({})", items.join(", "))
            }
            6 => {
                let not = if bool::arbitrary(g) { " NOT" } else { "" };
                let pattern = pick(
                    g,
                    &[
                        "\"a*\"",
                        "\"*\"",
                        "\"?\"",
                        "(\"a\", \"b*\")",
                        "(\"a\", \"*\")",
                        "concat(\"a\", \"*\")",
                        "concat(\"*\", \"\")",
                    ],
                );
                format!("{s}{not} LIKE {pattern}")
            }
            7 => {
                let not = if bool::arbitrary(g) { " NOT" } else { "" };
                let pattern = pick(g, &["\"a.*\"", "\".*\"", "(\"b\", \".*\")"]);
                format!("{s}{not} RLIKE {pattern}")
            }
            8 => format!("starts_with({s}, \"a\")"),
            9 => format!("ends_with({}, {s})", pick(g, STRINGS)),
            10 => format!("{} IN ({}, 1)", pick(g, NUMBERS), pick(g, NUMBERS)),
            _ => format!("{s} == \"a\""),
        }
    }

    fn condition(g: &mut Gen, depth: usize) -> String {
        if depth == 0 {
            return leaf(g);
        }
        match u8::arbitrary(g) % 5 {
            0 => format!("NOT ({})", condition(g, depth - 1)),
            1 => format!(
                "({}) AND ({})",
                condition(g, depth - 1),
                condition(g, depth - 1)
            ),
            2 => format!(
                "({}) OR ({})",
                condition(g, depth - 1),
                condition(g, depth - 1)
            ),
            _ => leaf(g),
        }
    }

    impl Arbitrary for Condition {
        fn arbitrary(g: &mut Gen) -> Condition {
            let depth = usize::arbitrary(g) % 4;
            Condition(condition(g, depth))
        }
    }

    fn cell(values: &[Value]) -> Cell {
        Cell::from_values(values.to_vec())
    }

    /// Rows where `f` is null and `g`, `n`, `b` take every combination of a few values,
    /// multivalued and null included.
    fn rows() -> Documents {
        let columns = vec![
            Column {
                name: "b".into(),
                ty: Type::Boolean,
            },
            Column {
                name: "f".into(),
                ty: Type::Keyword,
            },
            Column {
                name: "g".into(),
                ty: Type::Keyword,
            },
            Column {
                name: "n".into(),
                ty: Type::Long,
            },
        ];
        let gs = [
            vec![],
            vec![Value::str("a")],
            vec![Value::str("b")],
            vec![Value::str("a"), Value::str("b")],
        ];
        let ns = [vec![], vec![Value::Long(1)], vec![Value::Long(3)]];
        let bs = [
            vec![],
            vec![Value::Boolean(true)],
            vec![Value::Boolean(false)],
        ];
        let mut rows = Vec::new();
        for g in &gs {
            for n in &ns {
                for b in &bs {
                    rows.push(vec![cell(b), Cell::Null, cell(g), cell(n)]);
                }
            }
        }
        Documents::from_rows(columns, rows, "test")
    }

    /// The `WHERE` condition of `FROM test | WHERE <condition>`, with the query text.
    fn parsed(condition: &str) -> Option<(Expr, String)> {
        let text = format!("FROM test | WHERE {condition}");
        let query = crate::esql::parse(&text).ok()?;
        match &query.commands.first()?.kind {
            CommandKind::Where(e) => Some((e.clone(), text)),
            _ => None,
        }
    }

    /// `Err` names the row and outcome the proof wrongly rules out; `Ok(None)` when the
    /// condition does not compile (a type mismatch the pools can make).
    fn check(condition: &str, docs: &Documents) -> Result<Option<Outcomes>, String> {
        let Some((expr, text)) = parsed(condition) else {
            return Err(format!("`{condition}` does not parse"));
        };
        let Ok(predicate) = Predicate::compile(&expr, &text, &docs.columns) else {
            return Ok(None);
        };
        let outcomes = outcomes_when_null(&expr, "f");
        for doc in 0..docs.len() {
            let value = predicate.eval(docs, doc, 0);
            if !outcomes.contains(value) {
                return Err(format!(
                    "`{condition}` is {value:?} on row {:?}, outside {outcomes:?}",
                    docs.row(doc)
                ));
            }
        }
        Ok(Some(outcomes))
    }

    #[test]
    fn the_proof_allows_every_outcome_the_engine_gives() {
        fn property(condition: Condition) -> TestResult {
            match check(&condition.0, &rows()) {
                Ok(Some(_)) => TestResult::passed(),
                Ok(None) => TestResult::discard(),
                Err(message) => TestResult::error(message),
            }
        }
        QuickCheck::new()
            .tests(3000)
            .max_tests(30_000)
            .rng(Gen::new(32))
            .quickcheck(property as fn(Condition) -> TestResult);
    }

    /// The property is not vacuous: among generated conditions that compile, the proof shows
    /// many never true and leaves many possibly true, and both kinds occur under `NOT`.
    #[test]
    fn the_proof_decides_both_ways_on_generated_conditions() {
        let docs = rows();
        let mut g = Gen::new(32);
        let (mut never, mut maybe, mut negated_never) = (0, 0, 0);
        for _ in 0..2000 {
            let condition = Condition::arbitrary(&mut g).0;
            if let Ok(Some(outcomes)) = check(&condition, &docs) {
                if outcomes.can_be_true {
                    maybe += 1;
                } else {
                    never += 1;
                    negated_never += usize::from(condition.starts_with("NOT"));
                }
            }
        }
        assert!(never > 200 && maybe > 200, "never {never}, maybe {maybe}");
        assert!(negated_never > 10, "never true under NOT: {negated_never}");
    }

    #[test]
    fn not_of_a_condition_that_can_be_false_can_be_true() {
        let docs = rows();
        for (condition, never_true) in [
            // The example: `f == "nobody"` is null for a null f, but the AND is false
            // when the other side is, and NOT false is true.
            ("NOT (f == \"nobody\" AND g == \"list\")", false),
            ("NOT (f == \"nobody\" OR g == \"list\")", true),
            ("NOT f IN (\"a\", \"b\")", true),
            ("NOT to_string(f) IN (\"a\", null)", true),
            ("NOT (f IS NULL)", true),
            ("NOT (f IS NOT NULL)", false),
            ("NOT (NOT (f == \"a\"))", true),
            ("NOT (f LIKE \"a*\" AND b)", false),
            ("f IS NULL OR g == \"a\"", false),
            ("NOT starts_with(f, \"a\")", true),
            ("coalesce(f, \"a\") == \"a\"", false),
            ("length(f) + 1 > 0", true),
        ] {
            let outcomes = check(condition, &docs)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("`{condition}` compiles"));
            assert_eq!(
                !outcomes.can_be_true, never_true,
                "{condition}: {outcomes:?}"
            );
        }
    }
}
