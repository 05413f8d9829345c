//! The `geo_point` functions a detection rule uses: `ST_X`, `ST_Y` and `ST_DISTANCE` (with
//! `TO_GEOPOINT`, a conversion); the other spatial functions stay refused (`E303`).

use crate::document::geo;
use crate::document::value::{Cell, Value};

/// `ST_X` (`x`) or `ST_Y`: each point's coordinate, as Lucene indexes it (`StX.quantizeFromWKB`
/// encodes and decodes, so `ST_Y(TO_GEOPOINT("POINT(1 2)"))` is 1.9999999990686774); a
/// multivalue gives a multivalue, as a conversion does.
pub fn coordinate(cell: Cell, x: bool) -> Cell {
    let out = (cell.into_values().into_iter())
        .filter_map(|v| match v {
            Value::GeoPoint { x: lon, .. } if x => Some(Value::Double(geo::quantize_lon(lon))),
            Value::GeoPoint { y: lat, .. } => Some(Value::Double(geo::quantize_lat(lat))),
            _ => None,
        })
        .collect();
    Cell::from_values(out)
}

/// `ST_DISTANCE(a, b)` in meters: null when either side is; over multivalues, the least
/// distance of any pair (`distanceSourceAndSource`).
pub fn distance(a: &Cell, b: &Cell) -> Cell {
    let points = |c: &Cell| -> Vec<(f64, f64)> {
        (c.values().iter())
            .filter_map(|v| match v {
                Value::GeoPoint { x, y } => Some((*x, *y)),
                _ => None,
            })
            .collect()
    };
    let (left, right) = (points(a), points(b));
    let best = (left.iter())
        .flat_map(|p| right.iter().map(|q| geo::distance_meters(*p, *q)))
        .fold(None, |best: Option<f64>, d| {
            Some(best.map_or(d, |b| b.min(d)))
        });
    best.map_or(Cell::Null, |d| Cell::One(Value::Double(d)))
}
