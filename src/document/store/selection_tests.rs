//! `LoadOptions::for_selection`: a loader given the mapping cut to its selection reads every
//! document as with the whole mapping (the streamed query makes one such loader per batch).

use super::{Documents, FieldSelection, LoadOptions};
use crate::document::Mapping;

const MAPPING: &str = r#"{"properties":{"period":{"type":"date_range"},"n":{"type":"long"},
    "resource":{"properties":{"attributes":{"type":"flattened"}}},
    "absent":{"type":"keyword"},
    "place":{"properties":{"lat":{"type":"keyword"}}}}}"#;

fn options() -> LoadOptions {
    let mut options = LoadOptions::default();
    options
        .mapping
        .overlay(Mapping::from_json(MAPPING).unwrap());
    options
        .mapping
        .fields
        .insert("place".into(), crate::document::Type::GeoPoint);
    options
}

fn documents() -> String {
    let mut text = String::new();
    for i in 0..40 {
        text += &format!(
            r#"{{"_id":"d{i}","data_stream":{{"type":"logs","dataset":"ds{}","namespace":"default"}},"n":{i},"user":{{"name":"u{}"}},"period":{{"gte":{},"lt":{}}},"resource":{{"attributes":{{"host.name":"h{}","k":[{i},"x"]}}}},"source":{{"geo":{{"location":{{"lat":{}.5,"lon":-{}.25}}}}}},"place":{{"lat":1.5,"lon":2}},"dynamic":{{"count":{}}}}}"#,
            i % 2,
            i % 7,
            i * 1000,
            i * 1000 + 500,
            i % 3,
            i % 80,
            i % 170,
            i % 11
        );
        text.push('\n');
    }
    text
}

#[test]
fn a_mapping_cut_to_the_selection_loads_as_the_whole_one() {
    let names = [
        "n",
        "period",
        "resource.attributes",
        "resource.attributes.host.name",
        "source.geo.location",
        "place",
        "user.name",
        "dynamic.count",
        "absent",
        "_id",
        "data_stream.dataset",
    ];
    let mut selections: Vec<FieldSelection> =
        names.iter().map(|n| FieldSelection::names([*n])).collect();
    selections.push(FieldSelection::names(names));
    selections.push(FieldSelection {
        all: true,
        names: Default::default(),
    });
    let (options, text) = (options(), documents());
    for selection in &selections {
        let cut = options.for_selection(selection);
        assert!(
            selection.all || cut.mapping.fields.len() < options.mapping.fields.len() / 4,
            "{selection:?}"
        );
        let whole = Documents::from_ndjson_text(text.as_bytes(), selection, options.clone());
        let with_cut = Documents::from_ndjson_text(text.as_bytes(), selection, cut);
        assert_eq!(
            format!("{whole:?}"),
            format!("{with_cut:?}"),
            "{selection:?}"
        );
    }
}

#[test]
fn the_cut_keeps_names_their_prefixes_and_what_lies_below() {
    let options = options();
    let cut = options.for_selection(&FieldSelection::names([
        "resource.attributes.host.name",
        "place",
    ]));
    let mut kept: Vec<&str> = cut.mapping.fields.keys().map(String::as_str).collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            "data_stream.dataset",
            "data_stream.namespace",
            "data_stream.type",
            "place",
            "place.lat",
            "resource.attributes",
        ]
    );
}
