//! ES|QL syntax: tokens, the parser, the syntax tree and the canonical printer.

pub mod ast;
