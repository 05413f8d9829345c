//! Result tables as `_query` JSON, CSV, and an aligned text table for people.

use super::Table;
use crate::document::value::Cell;

impl Table {
    /// Elasticsearch's `_query` response body: `{"columns":[…],"values":[[…]]}`.
    pub fn to_json(&self) -> serde_json::Value {
        let columns: Vec<serde_json::Value> = self
            .columns
            .iter()
            .map(|c| serde_json::json!({"name": c.name, "type": c.ty.name()}))
            .collect();
        let values: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| serde_json::Value::Array(r.iter().map(Cell::to_json).collect()))
            .collect();
        serde_json::json!({"columns": columns, "values": values})
    }

    /// CSV with a `name` header; multivalues joined by `,` inside one quoted cell, null empty.
    pub fn to_csv(&self) -> String {
        fn quote(s: &str) -> String {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| quote(&c.name)).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Null => String::new(),
                    Cell::One(v) => quote(&v.to_text()),
                    Cell::Many(vs) => {
                        let parts: Vec<String> = vs.iter().map(|v| v.to_text()).collect();
                        quote(&parts.join(","))
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// An aligned table: `name:type` headers, one row per line.
    pub fn to_text(&self) -> String {
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{}:{}", c.name, c.ty.name()))
            .collect();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::to_display).collect())
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            parts.join(" | ").trim_end().to_string()
        };
        let mut out = line(&header);
        out.push('\n');
        let sep: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&sep.join("-+-"));
        out.push('\n');
        for r in &rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}
