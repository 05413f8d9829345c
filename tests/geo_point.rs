//! `geo_point` values and the spatial functions rules call (`TO_GEOPOINT`, `ST_X`, `ST_Y`,
//! `ST_DISTANCE`): Elasticsearch's documented examples (`spatial.csv-spec`, the function
//! definitions), null, multivalued and out-of-range input, and points in documents in each
//! form Elasticsearch indexes (`{lat, lon}`, `"lat,lon"`, WKT, `[lon, lat]`).

use rstest::rstest;
use rulegate::document::LoadOptions;
use rulegate::eval::{Plan, Table};

use crate::support::row_cells as row;

#[rstest]
// spatial.csv-spec `convertFromString` (tag `to_geopoint-str`): printed as WKT with a space.
#[case(
    r#"ROW wkt = "POINT(42.97109630194 14.7552534413725)" | EVAL pt = TO_GEOPOINT(wkt) | KEEP pt"#,
    &["pt=POINT (42.97109630194 14.7552534413725)"]
)]
// `convertFromStringArray`: a multivalue converts value by value.
#[case(
    r#"ROW wkt = ["POINT(42.97109630194 14.7552534413725)", "POINT(75.8092915005895 22.727749187571)"] | EVAL pt = TO_GEOPOINT(wkt) | KEEP pt"#,
    &["pt=[POINT (42.97109630194 14.7552534413725), POINT (75.8092915005895 22.727749187571)]"]
)]
// `stXFromString` (tag `st_x_y`).
#[case(
    r#"ROW point = TO_GEOPOINT("POINT(42.97109629958868 14.7552534006536)") | EVAL x = ST_X(point), y = ST_Y(point) | KEEP x, y"#,
    &["x=42.97109629958868", "y=14.7552534006536"]
)]
// `ST_X`/`ST_Y` return the coordinate Lucene indexes (`StX.quantizeFromWKB`): the largest
// multiple of 360/2^32 (x) or 180/2^32 (y) not above it, computed independently with Python's
// `math.floor(v / step) * step`.
#[case(
    r#"ROW p = TO_GEOPOINT("POINT(1 2)") | EVAL x = ST_X(p), y = ST_Y(p) | KEEP x, y"#,
    &["x=0.9999999403953552", "y=1.9999999646097422"]
)]
// `st_distance-airports`: CPH to Copenhagen, 7339.573896618216 m.
#[case(
    r#"ROW a = TO_GEOPOINT("POINT(12.6493508684508 55.6285017221528)"), b = TO_GEOPOINT("POINT(12.5683 55.6761)") | EVAL d = ST_DISTANCE(a, b) | KEEP d"#,
    &["d=7339.573896618216"]
)]
// Multivalued: each value's coordinate; the least distance over every pair.
#[case(
    r#"ROW p = TO_GEOPOINT(["POINT(0 0)", "POINT(10 0)"]) | EVAL x = ST_X(p), d = ST_DISTANCE(p, TO_GEOPOINT("POINT(10 0)")) | KEEP x, d"#,
    &["x=[0.0, 9.999999990686774]", "d=0.0"]
)]
// `::geo_point` is the same conversion; case and spacing of WKT are free.
#[case(
    r#"ROW p = "point ( -71.34  41.12 )"::geo_point"#,
    &["p=POINT (-71.34 41.12)"]
)]
fn documented_examples(#[case] query: &str, #[case] want: &[&str]) {
    assert_eq!(row(query), want, "{query}");
}

#[rstest]
#[case("ROW x = TO_GEOPOINT(null)")]
#[case("ROW x = ST_X(null)")]
#[case("ROW x = ST_Y(TO_GEOPOINT(null::string))")]
#[case(r#"ROW x = ST_DISTANCE(TO_GEOPOINT("POINT(1 2)"), null)"#)]
fn null_in_null_out(#[case] query: &str) {
    assert_eq!(row(query), ["x=null"], "{query}");
}

/// Strings that are not a point: null with `ToGeoPoint`'s warning.
#[rstest]
#[case(
    "POINT(1 91)",
    "Failed to parse WKT: invalid latitude 91.0; must be between -90.0 and 90.0"
)]
#[case(
    "POINT(181 1)",
    "Failed to parse WKT: invalid longitude 181.0; must be between -180.0 and 180.0"
)]
#[case("POINT(1)", "Failed to parse WKT: expected number but found: )")]
#[case("nonsense", "Failed to parse WKT: Unknown geometry type: nonsense")]
#[case(
    "LINESTRING(1 2, 3 4)",
    "Failed to parse WKT: a geo_point holds a point, found [LINESTRING]"
)]
fn bad_points_are_null_with_a_warning(#[case] wkt: &str, #[case] warning: &str) {
    let got = row(&format!(r#"ROW x = TO_GEOPOINT("{wkt}")"#));
    assert_eq!(got[0], "x=null", "{got:?}");
    let want = format!("java.lang.IllegalArgumentException: {warning}");
    assert!(got.iter().any(|w| w.ends_with(&want)), "{got:?}");
}

#[rstest]
#[case(
    "ROW x = ST_X(1)",
    "argument 1 of [ST_X(1)] must be [geo_point], found value of type [integer]"
)]
#[case(
    r#"ROW x = ST_DISTANCE("a", "b")"#,
    "must be [geo_point], found value of type [keyword]"
)]
#[case(
    "ROW x = TO_GEOPOINT(1)",
    "must be convertible to [geo_point], found value of type [integer]"
)]
fn wrong_types_are_compile_errors(#[case] query: &str, #[case] message: &str) {
    let parsed = rulegate::esql::parse(query).unwrap();
    let err = Plan::compile(&parsed, query, &[]).unwrap_err();
    assert_eq!(err.code, "E302");
    assert!(err.message.contains(message), "{}", err.message);
}

/// The other spatial functions stay refused with the category that excludes them.
#[test]
fn other_spatial_functions_stay_refused() {
    let query = r#"ROW x = ST_GEOHASH(TO_GEOPOINT("POINT(1 2)"), 5)"#;
    let parsed = rulegate::esql::parse(query).unwrap();
    let err = Plan::compile(&parsed, query, &[]).unwrap_err();
    assert_eq!(err.code, "E303");
    assert!(
        err.message.contains("[ST_GEOHASH] is a spatial function"),
        "{}",
        err.message
    );
}

fn load(docs: &str, query: &str) -> Result<Table, String> {
    crate::support::esql_on_docs(query, docs, LoadOptions::default().mapping)
}

/// `source.geo.location` is a `geo_point` (ECS): every form Elasticsearch indexes reads as the
/// same point, in the fast scanner and the serde walk alike.
#[test]
fn documents_give_points_in_every_indexed_form() {
    let docs = r#"{"n":1,"source":{"geo":{"location":{"lat":41.12,"lon":-71.34}}}}
{"n":2,"source.geo.location":"41.12,-71.34"}
{"n":3,"source":{"geo":{"location":"POINT (-71.34 41.12)"}}}
{"n":4,"source":{"geo":{"location":[-71.34,41.12]}}}
{"n":5,"source":{"geo":{"location":[{"lat":1,"lon":2},{"lat":3,"lon":4}]}}}
{"n":6,"source":{"geo":{"location":{"lon":"-71.34","lat":"41.12"}}}}
{"n":7}
"#;
    let t = load(
        docs,
        "FROM logs-* | EVAL p = source.geo.location, y = ST_Y(p) | SORT n | KEEP n, p, y",
    )
    .unwrap();
    let rows = crate::support::table_rows(&t);
    let point = "POINT (-71.34 41.12)";
    let y = "41.1199999647215";
    assert_eq!(
        rows,
        [
            format!("1 | {point} | {y}"),
            format!("2 | {point} | {y}"),
            format!("3 | {point} | {y}"),
            format!("4 | {point} | {y}"),
            "5 | [POINT (2.0 1.0), POINT (4.0 3.0)] | [0.9999999823048711, 2.999999988824129]"
                .to_string(),
            format!("6 | {point} | {y}"),
            "7 | null | null".to_string(),
        ]
    );
}

/// A point Elasticsearch would not index fails the document, with the field named.
#[rstest]
#[case(
    r#"{"source":{"geo":{"location":{"lat":91,"lon":0}}}}"#,
    "invalid latitude 91.0"
)]
#[case(
    r#"{"source":{"geo":{"location":{"lat":1}}}}"#,
    "needs both [lat] and [lon]"
)]
#[case(
    r#"{"source":{"geo":{"location":[1,2,3]}}}"#,
    "a [lon, lat] array needs two numbers"
)]
#[case(
    r#"{"source":{"geo":{"location":"drm3btev3e86"}}}"#,
    "looks like a geohash"
)]
#[case(
    r#"{"source":{"geo":{"location":true}}}"#,
    "cannot index a boolean as [geo_point]"
)]
fn bad_points_in_documents_are_input_errors(#[case] doc: &str, #[case] message: &str) {
    let err = load(doc, "FROM logs-* | KEEP source.geo.location").unwrap_err();
    assert!(
        err.contains("source.geo.location") && err.contains(message),
        "{err}"
    );
}

/// The two impossible-travel rules of the corpus (`st_y`/`st_x` on `source.geo.location`,
/// `to_geopoint` of a WKT `concat`, `st_distance`) run over documents: two logins 1,000 km apart
/// within ten minutes are flagged.
#[test]
fn the_impossible_travel_shape_runs() {
    let docs = r#"{"@timestamp":"2025-01-01T00:00:00Z","user":{"email":"a@x"},"source":{"geo":{"location":{"lat":48.85,"lon":2.35},"region_name":"IDF"}}}
{"@timestamp":"2025-01-01T00:10:00Z","user":{"email":"a@x"},"source":{"geo":{"location":{"lat":52.52,"lon":13.40},"region_name":"BE"}}}
"#;
    let query = r#"FROM logs-*
| EVAL lat = st_y(source.geo.location), lon = st_x(source.geo.location)
| STATS lat = avg(lat), lon = avg(lon), first_seen = min(@timestamp) BY user.email, source.geo.region_name
| STATS min_lat = min(lat), max_lat = max(lat), min_lon = min(lon), max_lon = max(lon), regions = count_distinct(source.geo.region_name) BY user.email
| EVAL p1 = to_geopoint(concat("POINT(", to_string(min_lon), " ", to_string(min_lat), ")")),
       p2 = to_geopoint(concat("POINT(", to_string(max_lon), " ", to_string(max_lat), ")"))
| EVAL km = round(st_distance(p1, p2) / 1000.0, 0)
| KEEP user.email, regions, km"#;
    let t = load(docs, query).unwrap();
    let rows = crate::support::table_rows(&t);
    // Paris to Berlin across the bounding box corners (2.35 48.85)–(13.4 52.52): 878 km.
    assert_eq!(rows, ["a@x | 2 | 878.0"], "{:?}", t.warnings);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}
