//! What the reference EQL engine makes of the requests of a generated scenario: whether a
//! request matches a query, and the alerts a set of timed requests gives in one execution
//! (events one alert each; a sequence its shell alert plus one building block per event).

use serde_json::Value;

use super::request::Request;
use crate::document::store::{Documents, FieldSelection, LoadOptions};
use crate::eql::ast::{EventFilter, Query};
use crate::eql::engine::{fields_to_load, Engine, Outcome, Settings};

pub struct Oracle<'a> {
    pub query: &'a Query,
    pub settings: Settings,
}

/// The alerts of one execution window over the scenario's requests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub alerts: u64,
    /// Alerts per request (building blocks and events), by request index.
    pub per_request: Vec<u64>,
    pub sequences: u64,
}

impl Oracle<'_> {
    fn load(&self, docs: &[Value]) -> Option<(Engine, Documents)> {
        let selection = FieldSelection::names(fields_to_load(self.query, &self.settings));
        let store = Documents::from_values(docs, &selection, LoadOptions::default()).ok()?;
        let engine = Engine::compile(self.query, self.settings.clone(), &store.columns).ok()?;
        Some((engine, store))
    }

    /// Whether the request, alone, matches the filter (its category and condition).
    pub fn matches(&self, filter: &EventFilter, request: &Request) -> bool {
        self.load(&[request.document(0)])
            .is_some_and(|(engine, store)| engine.matches_filter(&store, 0, filter))
    }

    /// The alerts an execution reading all these requests creates.
    pub fn verdict(&self, requests: &[(i64, &Request)]) -> Option<Verdict> {
        let docs: Vec<Value> = requests.iter().map(|(t, r)| r.document(*t)).collect();
        let (engine, store) = self.load(&docs)?;
        let all: Vec<usize> = (0..store.len()).collect();
        let mut verdict = Verdict {
            per_request: vec![0; requests.len()],
            ..Verdict::default()
        };
        match engine.run(&store, &all).ok()? {
            Outcome::Events(events) => {
                for doc in events {
                    verdict.per_request[doc] += 1;
                    verdict.alerts += 1;
                }
            }
            Outcome::Sequences(sequences) => {
                for sequence in sequences {
                    verdict.sequences += 1;
                    verdict.alerts += 1 + sequence.docs.len() as u64;
                    for doc in sequence.docs {
                        verdict.per_request[doc] += 1;
                    }
                }
            }
            Outcome::Samples(_) => return None,
        }
        Some(verdict)
    }
}
