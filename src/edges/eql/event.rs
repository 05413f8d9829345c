//! The document of a request that is a generic event (a Defend for Containers process or file
//! event): its fields as the stream's template and the query's values make them, and the
//! document the generic event step writes from them.

use serde_json::{json, Value};

use super::request::{Request, Slot};
use super::streams::{Stream, VALUE_SEPARATOR};

impl Request {
    /// The fields of a generic event, in the stream's order: the value a query set, else the
    /// template's (a field set missing is left out). A process's executable and arguments
    /// follow its name and a file's name its path, unless the query sets them.
    pub fn event_fields(&self, stream: &Stream) -> Vec<(&'static str, Value)> {
        let set = |field: &str| {
            self.values.iter().find_map(|(slot, value)| match slot {
                Slot::Event(_, f) if *f == field => Some(value.clone()),
                _ => None,
            })
        };
        let derived = |field: &str| -> Option<Value> {
            let (from, make): (&str, fn(&str) -> Value) = match field {
                "process.executable" => ("process.name", |n| json!(format!("/usr/bin/{n}"))),
                "process.args" => ("process.name", |n| json!([n])),
                "file.name" => ("file.path", |p| json!(p.rsplit('/').next().unwrap_or(p))),
                _ => return None,
            };
            set(from).flatten().map(|v| make(&v))
        };
        // argv[0] is the process's name: the values a query sets follow it.
        let argv = |values: &str| -> Value {
            let name = set("process.name").flatten().or_else(|| {
                match stream.default_value("process.name") {
                    Some(Value::String(n)) => Some(n),
                    _ => None,
                }
            });
            let mut args: Vec<&str> = name.as_deref().into_iter().collect();
            for v in values.split(VALUE_SEPARATOR) {
                if !args.contains(&v) {
                    args.push(v);
                }
            }
            json!(args)
        };
        stream
            .identity
            .iter()
            .chain(stream.template)
            .filter_map(|(field, _)| {
                let value = match set(field) {
                    Some(Some(v)) if *field == "process.args" => argv(&v),
                    Some(Some(v)) => stream.typed(field, &v),
                    Some(None) => return None,
                    None => derived(field).or_else(|| stream.default_value(field))?,
                };
                Some((*field, value))
            })
            .collect()
    }

    /// The document a generic event step writes for this event at `millis`.
    pub(super) fn event_document(&self, stream: &Stream, millis: i64) -> Value {
        let mut doc = json!({
            "@timestamp": millis,
            "event": {
                "ingested": millis,
                "category": [stream.category],
                "dataset": stream.dataset,
                "kind": "event",
            },
            "data_stream": { "dataset": stream.dataset, "type": "logs", "namespace": "default" },
        });
        for (field, value) in self.event_fields(stream) {
            let mut at = &mut doc;
            let parts: Vec<&str> = field.split('.').collect();
            for part in &parts[..parts.len() - 1] {
                at = at
                    .as_object_mut()
                    .expect("built as objects")
                    .entry(part.to_string())
                    .or_insert_with(|| json!({}));
            }
            at[parts[parts.len() - 1]] = value;
        }
        doc
    }
}
