//! Building a document's cells from its leaves: typed values in doc-value order, and
//! `geo_point` objects paired up from their `lat` and `lon` leaves.

use super::leaves::geo_leaves;
use super::{to_value, Loader};
use crate::document::geo;
use crate::document::value::{Cell, Type, Value};
use crate::document::walk::Scalar;

impl Loader {
    /// Typed cells from a document's leaves: a field's values in document order, then as
    /// doc values (sorted, de-duplicated by type).
    pub(super) fn fill_cells(&mut self, leaves: &mut [(u32, Scalar)]) -> Result<(), String> {
        // Stable: values of one field keep their order.
        leaves.sort_by_key(|(id, _)| *id);
        for group in leaves.chunk_by(|a, b| a.0 == b.0) {
            let id = group[0].0;
            // Built in place: moving cells through locals cost more than building them.
            let cell = id as usize;
            if self.is_geo_part(id) {
                // Kept in source order for pairing: no doc-value sorting.
                let values = (group.iter())
                    .filter_map(|(_, leaf)| geo::coordinate(leaf))
                    .collect();
                self.cells[cell] = Cell::from_values(values);
                continue;
            }
            if self.fill_range_group(id, group)? {
                continue;
            }
            if self.type_of(id, &group[0].1) == Some(Type::GeoPoint) {
                let points = geo_leaves(group)
                    .map_err(|m| format!("field [{}]: {m}", self.fields.names[cell]))?;
                self.cells[cell] = Cell::from_values(points);
                continue;
            }
            if self.is_flat_root(id) {
                continue;
            }
            for (_, leaf) in group {
                if let Some(ty) = self.type_of(id, leaf) {
                    let v = to_value(leaf, ty, id, &mut self.interner)
                        .map_err(|m| format!("field [{}]: {m}", self.fields.names[cell]))?;
                    match &mut self.cells[cell] {
                        slot @ Cell::Null => *slot = Cell::One(v),
                        Cell::Many(values) => values.push(v),
                        slot => {
                            if let Cell::One(first) = std::mem::take(slot) {
                                *slot = Cell::Many(vec![first, v]);
                            }
                        }
                    }
                }
            }
            // Doc-value order only matters for several values.
            let ty = self.types.get(cell).copied().flatten();
            if let (Cell::Many(_), Some(ty)) = (&self.cells[cell], ty) {
                let values = std::mem::take(&mut self.cells[cell]);
                self.cells[cell] = values.into_doc_values(ty);
            }
        }
        self.pair_geo_objects()?;
        self.pair_range_objects()
    }

    fn is_geo_part(&self, id: u32) -> bool {
        (self.geo_parts.iter()).any(|&(_, lat, lon)| id == lat || id == lon)
    }

    /// Points from `{"lat": …, "lon": …}` objects, after the field's other forms.
    fn pair_geo_objects(&mut self) -> Result<(), String> {
        for &(point, lat, lon) in &self.geo_parts {
            let lats = std::mem::take(&mut self.cells[lat as usize]).into_values();
            let lons = std::mem::take(&mut self.cells[lon as usize]).into_values();
            if lats.is_empty() && lons.is_empty() {
                continue;
            }
            let name = &self.fields.names[point as usize];
            if lats.len() != lons.len() {
                return Err(format!(
                    "field [{name}]: a geo_point object needs both [lat] and [lon]"
                ));
            }
            let mut values = std::mem::take(&mut self.cells[point as usize]).into_values();
            for (y, x) in lats.iter().zip(&lons) {
                let (Value::Double(y), Value::Double(x)) = (y, x) else {
                    continue;
                };
                values.push(geo::validate(*x, *y).map_err(|m| format!("field [{name}]: {m}"))?);
            }
            self.cells[point as usize] = Cell::from_values(values);
        }
        Ok(())
    }
}
