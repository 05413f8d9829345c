//! `geo_point` values: parsing them from WKT, `"lat,lon"` strings, `{lat, lon}` objects and
//! `[lon, lat]` arrays as Elasticsearch does, printing them as WKT, and Lucene's quantization.

use super::value::{java_double, Value};
use super::walk::Scalar;

/// `GeoEncodingUtils.LAT_DECODE` and `LON_DECODE`: one step of Lucene's 32-bit encoding.
const LAT_DECODE: f64 = 180.0 / 4_294_967_296.0;
const LON_DECODE: f64 = 360.0 / 4_294_967_296.0;

/// `GeoEncodingUtils.encodeLatitude` then `decodeLatitude`: the latitude Lucene indexes.
pub fn quantize_lat(lat: f64) -> f64 {
    let lat = if lat == 90.0 { next_down(lat) } else { lat };
    (lat / LAT_DECODE).floor() as i32 as f64 * LAT_DECODE
}

/// `GeoEncodingUtils.encodeLongitude` then `decodeLongitude`.
pub fn quantize_lon(lon: f64) -> f64 {
    let lon = if lon == 180.0 { next_down(lon) } else { lon };
    (lon / LON_DECODE).floor() as i32 as f64 * LON_DECODE
}

/// Java's `Math.nextDown` for the positive finite values it is called with here.
fn next_down(v: f64) -> f64 {
    f64::from_bits(v.to_bits() - 1)
}

/// A point as `WellKnownText` prints it: `POINT (x y)`, each coordinate as Java prints a double.
pub fn format(x: f64, y: f64) -> String {
    format!("POINT ({} {})", java_double(x), java_double(y))
}

/// `GeographyValidator` (z ignored): latitude and longitude within range.
pub fn validate(x: f64, y: f64) -> Result<Value, String> {
    if !(-90.0..=90.0).contains(&y) {
        return Err(format!(
            "invalid latitude {}; must be between -90.0 and 90.0",
            java_double(y)
        ));
    }
    if !(-180.0..=180.0).contains(&x) {
        return Err(format!(
            "invalid longitude {}; must be between -180.0 and 180.0",
            java_double(x)
        ));
    }
    Ok(Value::GeoPoint { x, y })
}

/// Tokens of WKT, as Java's `StreamTokenizer` splits them for `WellKnownText`.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Word(&'a str),
    Number(f64),
    Char(char),
    End,
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) => w.to_string(),
        Token::Number(n) => java_double(*n),
        Token::Char(c) => c.to_string(),
        Token::End => "END-OF-STREAM".into(),
    }
}

struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Token<'a> {
        self.rest = self.rest.trim_start();
        let Some(c) = self.rest.chars().next() else {
            return Token::End;
        };
        let len = if c.is_ascii_alphabetic() {
            self.rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(self.rest.len())
        } else if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' {
            self.rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
                .unwrap_or(self.rest.len())
        } else {
            c.len_utf8()
        };
        let (token, rest) = self.rest.split_at(len);
        self.rest = rest;
        if c.is_ascii_alphabetic() {
            Token::Word(token)
        } else if len == c.len_utf8() && !c.is_ascii_digit() {
            Token::Char(c)
        } else {
            token
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map_or(Token::Word(token), Token::Number)
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        match self.next() {
            Token::Number(n) => Ok(n),
            other => Err(format!("expected number but found: {}", describe(&other))),
        }
    }

    fn expect(&mut self, want: char) -> Result<(), String> {
        match self.next() {
            Token::Char(c) if c == want => Ok(()),
            other => Err(format!("expected {want} but found: {}", describe(&other))),
        }
    }
}

/// Parses `POINT (x y)` (or `POINT (x y z)`, z ignored), case-insensitively, as
/// `SpatialCoordinateTypes.GEO.wktToWkb` does for `TO_GEOPOINT`; the error is the message of
/// its `IllegalArgumentException`. Other geometries are refused: a `geo_point` holds a point.
pub fn parse_wkt(text: &str) -> Result<Value, String> {
    let fail = |m: String| Err(format!("Failed to parse WKT: {m}"));
    let mut tokens = Tokens { rest: text };
    match tokens.next() {
        Token::Word(w) if w.eq_ignore_ascii_case("point") => {}
        Token::Word(w) => {
            let known = [
                "multipoint",
                "linestring",
                "multilinestring",
                "polygon",
                "multipolygon",
                "geometrycollection",
                "bbox",
                "circle",
            ];
            return if known.iter().any(|k| w.eq_ignore_ascii_case(k)) {
                fail(format!(
                    "a geo_point holds a point, found [{}]",
                    w.to_ascii_uppercase()
                ))
            } else {
                fail(format!("Unknown geometry type: {}", w.to_ascii_lowercase()))
            };
        }
        other => return fail(format!("expected word but found: {}", describe(&other))),
    }
    let point = (|| {
        tokens.expect('(')?;
        let x = tokens.number()?;
        let y = tokens.number()?;
        match tokens.next() {
            Token::Number(_) => tokens.expect(')')?,
            Token::Char(')') => {}
            other => return Err(format!("expected ) but found: {}", describe(&other))),
        }
        match tokens.next() {
            Token::End => validate(x, y),
            other => Err(format!(
                "expected end of stream but found: {}",
                describe(&other)
            )),
        }
    })();
    point.or_else(fail)
}

/// A `geo_point` from a document string, as `GeoUtils.parseGeoPoint` reads one: WKT when it
/// starts with a letter, else `"lat,lon"` (geohashes are refused: rulegate does not decode them).
pub fn parse_source_string(text: &str) -> Result<Value, String> {
    let trimmed = text.trim();
    if trimmed.starts_with(|c: char| c.is_ascii_alphabetic()) {
        if trimmed.contains('(') || trimmed.to_ascii_lowercase().starts_with("point") {
            return parse_wkt(trimmed).map_err(|m| m.replace("Failed to parse WKT: ", ""));
        }
        return Err(format!(
            "[{trimmed}] looks like a geohash, which rulegate does not decode; give the point as \"lat,lon\", WKT or {{\"lat\":…,\"lon\":…}}"
        ));
    }
    let Some((lat, lon)) = trimmed.split_once(',') else {
        return Err(format!("failed to parse [{trimmed}] as a geo_point"));
    };
    if lon.contains(',') {
        return Err("expected 2 or 3 coordinates but found: 3".into());
    }
    let number = |s: &str| {
        s.trim().parse::<f64>().map_err(|_| {
            format!(
                "latitude and longitude must be numbers, found [{}]",
                s.trim()
            )
        })
    };
    validate(number(lon)?, number(lat)?)
}

/// A coordinate of a document's `geo_point` (`lat`, `lon`, or an array element): a number, or a
/// string holding one (Elasticsearch coerces those too).
pub(super) fn coordinate(leaf: &Scalar) -> Option<Value> {
    let v = match leaf {
        Scalar::I64(i) => *i as f64,
        Scalar::U64(u) => *u as f64,
        Scalar::F64(f) => *f,
        Scalar::Str(t) => t.trim().parse::<f64>().ok()?,
        Scalar::Bool(_) | Scalar::Object => return None,
    };
    Some(Value::Double(v))
}

/// `SloppyMath.haversinMeters` over the quantized coordinates, as `ST_DISTANCE` on geo points:
/// Lucene's table-based cosine and arcsine, so results match Elasticsearch's to the bit (the
/// tables come from Rust's `sin`/`cos`/`asin`, within an ulp of Java's `StrictMath`).
pub fn distance_meters(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (quantize_lat(a.1), quantize_lon(a.0));
    let (lat2, lon2) = (quantize_lat(b.1), quantize_lon(b.0));
    sloppy::haversin_meters(lat1, lon1, lat2, lon2)
}

mod sloppy {
    //! Lucene's `SloppyMath`: haversine with tabulated cosine and arcsine.

    use std::sync::OnceLock;

    const TO_METERS: f64 = 6_371_008.771_4;
    const ONE_DIV_F2: f64 = 1.0 / 2.0;
    const ONE_DIV_F3: f64 = 1.0 / 6.0;
    const ONE_DIV_F4: f64 = 1.0 / 24.0;
    const SIN_COS_TABS_SIZE: usize = (1 << 11) + 1;
    const ASIN_TABS_SIZE: usize = (1 << 13) + 1;

    fn pio2_hi() -> f64 {
        f64::from_bits(0x3FF9_21FB_5440_0000)
    }
    fn pio2_lo() -> f64 {
        f64::from_bits(0x3DD0_B461_1A62_6331)
    }
    fn delta_hi() -> f64 {
        4.0 * pio2_hi() / (SIN_COS_TABS_SIZE - 1) as f64
    }
    fn delta_lo() -> f64 {
        4.0 * pio2_lo() / (SIN_COS_TABS_SIZE - 1) as f64
    }
    fn indexer() -> f64 {
        1.0 / (delta_hi() + delta_lo())
    }
    fn asin_max() -> f64 {
        73.0f64.to_radians().sin()
    }
    fn asin_delta() -> f64 {
        asin_max() / (ASIN_TABS_SIZE - 1) as f64
    }

    struct Tables {
        sin: Vec<f64>,
        cos: Vec<f64>,
        asin: [Vec<f64>; 5],
    }

    fn tables() -> &'static Tables {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| {
            let pi_index = (SIN_COS_TABS_SIZE - 1) / 2;
            let (mut sin, mut cos) = (Vec::new(), Vec::new());
            for i in 0..SIN_COS_TABS_SIZE {
                let angle = i as f64 * delta_hi() + i as f64 * delta_lo();
                let (mut s, mut c) = (angle.sin(), angle.cos());
                // Exact zeros where Lucene puts them.
                if i == pi_index || i == 2 * pi_index {
                    s = 0.0;
                } else if i == pi_index / 2 || i == 3 * pi_index / 2 {
                    c = 0.0;
                }
                sin.push(s);
                cos.push(c);
            }
            let mut asin: [Vec<f64>; 5] = Default::default();
            for i in 0..ASIN_TABS_SIZE {
                let x = i as f64 * asin_delta();
                let inv = 1.0 / (1.0 - x * x);
                let inv0_5 = inv.sqrt();
                let inv1_5 = inv0_5 * inv;
                let inv2_5 = inv1_5 * inv;
                let inv3_5 = inv2_5 * inv;
                asin[0].push(x.asin());
                asin[1].push(inv0_5);
                asin[2].push((x * inv1_5) * ONE_DIV_F2);
                asin[3].push(((1.0 + 2.0 * x * x) * inv2_5) * ONE_DIV_F3);
                asin[4].push(((5.0 + 2.0 * x * (2.0 + x * (5.0 - 2.0 * x))) * inv3_5) * ONE_DIV_F4);
            }
            Tables { sin, cos, asin }
        })
    }

    fn cos(a: f64) -> f64 {
        let a = a.abs();
        let max_for_int_modulo = ((i32::MAX >> 9) as f64 / indexer()) * 0.99;
        if a > max_for_int_modulo || a.is_nan() {
            return a.cos();
        }
        let t = tables();
        let index = (a * indexer() + 0.5) as i32;
        let delta = (a - index as f64 * delta_hi()) - index as f64 * delta_lo();
        let index = (index as usize) & (SIN_COS_TABS_SIZE - 2);
        let (c, s) = (t.cos[index], t.sin[index]);
        c + delta
            * (-s + delta * (-c * ONE_DIV_F2 + delta * (s * ONE_DIV_F3 + delta * c * ONE_DIV_F4)))
    }

    fn asin(a: f64) -> f64 {
        let negate = a < 0.0;
        let a = a.abs();
        let result = if a <= asin_max() {
            let t = tables();
            let index = (a / asin_delta() + 0.5) as usize;
            let delta = a - index as f64 * asin_delta();
            let d = |k: usize| t.asin[k][index];
            d(0) + delta * (d(1) + delta * (d(2) + delta * (d(3) + delta * d(4))))
        } else if a < 1.0 {
            // fdlibm's e_asin.c near 1, as Lucene.
            let ps = [
                0x3fc5_5555_5555_5555u64,
                0xbfd4_d612_03eb_6f7d,
                0x3fc9_c155_0e88_4455,
                0xbfa4_8228_b568_8f3b,
                0x3f49_efe0_7501_b288,
                0x3f02_3de1_0dfd_f709,
            ]
            .map(f64::from_bits);
            let qs = [
                0xc003_3a27_1c8a_2d4bu64,
                0x4000_2ae5_9c59_8ac8,
                0xbfe6_066c_1b8d_0159,
                0x3fb3_b8c5_b12e_9282,
            ]
            .map(f64::from_bits);
            let t = (1.0 - a) * 0.5;
            let p = t * (ps[0] + t * (ps[1] + t * (ps[2] + t * (ps[3] + t * (ps[4] + t * ps[5])))));
            let q = 1.0 + t * (qs[0] + t * (qs[1] + t * (qs[2] + t * qs[3])));
            let s = t.sqrt();
            let z = s + s * (p / q);
            f64::from_bits(0x3FF9_21FB_5444_2D18)
                - ((z + z) - f64::from_bits(0x3C91_A626_3314_5C07))
        } else if a == 1.0 {
            std::f64::consts::FRAC_PI_2
        } else {
            f64::NAN
        };
        if negate {
            -result
        } else {
            result
        }
    }

    /// `SloppyMath.haversinMeters(lat1, lon1, lat2, lon2)`.
    pub fn haversin_meters(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
        let x1 = lat1.to_radians();
        let x2 = lat2.to_radians();
        let h1 = 1.0 - cos(x1 - x2);
        let h2 = 1.0 - cos((lon1 - lon2).to_radians());
        let h = h1 + cos(x1) * cos(x2) * h2;
        // Lucene clears the low bits so rounding makes no ties.
        let sort_key = f64::from_bits(h.to_bits() & 0xFFFF_FFFF_FFFF_FFF8);
        TO_METERS * 2.0 * asin((sort_key * 0.5).sqrt().min(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_points_parse_and_print_as_elasticsearch() {
        let p = parse_wkt("POINT(42.97109630194 14.7552534413725)").unwrap();
        assert_eq!(p.to_text(), "POINT (42.97109630194 14.7552534413725)");
        assert_eq!(
            parse_wkt("point ( 1 2 )").unwrap().to_text(),
            "POINT (1.0 2.0)"
        );
        assert_eq!(
            parse_wkt("POINT (1 2 3)").unwrap().to_text(),
            "POINT (1.0 2.0)"
        );
        assert_eq!(
            parse_wkt("POINT (1 91)").unwrap_err(),
            "Failed to parse WKT: invalid latitude 91.0; must be between -90.0 and 90.0"
        );
        assert_eq!(
            parse_wkt("POINT (1)").unwrap_err(),
            "Failed to parse WKT: expected number but found: )"
        );
        assert_eq!(
            parse_wkt("POINT (1 2) x").unwrap_err(),
            "Failed to parse WKT: expected end of stream but found: x"
        );
        assert_eq!(
            parse_wkt("blah").unwrap_err(),
            "Failed to parse WKT: Unknown geometry type: blah"
        );
        assert!(parse_wkt("LINESTRING (1 2, 3 4)").is_err());
    }

    #[test]
    fn source_strings_are_lat_comma_lon_or_wkt() {
        assert_eq!(
            parse_source_string("41.12,-71.34").unwrap().to_text(),
            "POINT (-71.34 41.12)"
        );
        assert_eq!(
            parse_source_string("POINT (-71.34 41.12)")
                .unwrap()
                .to_text(),
            "POINT (-71.34 41.12)"
        );
        assert!(parse_source_string("drm3btev3e86").is_err());
        assert!(parse_source_string("91,0").is_err());
    }

    #[test]
    fn quantization_is_lucenes() {
        // Lucene's encoding steps are 180/2^32 and 360/2^32 degrees, rounding down.
        assert_eq!(quantize_lat(0.0), 0.0);
        assert_eq!(quantize_lat(90.0), 90.0 - LAT_DECODE);
        assert_eq!(quantize_lon(-180.0), -180.0);
        assert!((quantize_lat(14.7552534413725) - 14.7552534413725).abs() < LAT_DECODE);
        assert!(quantize_lat(14.7552534413725) <= 14.7552534413725);
    }

    #[test]
    fn distance_matches_elasticsearchs_documented_example() {
        // spatial.csv-spec `st_distance-airports`: Copenhagen airport (POINT(12.6493508684508
        // 55.6285017221528)) to the city location (POINT(12.5683 55.6761)): 7339.573896618216 m.
        let d = distance_meters((12.6493508684508, 55.6285017221528), (12.5683, 55.6761));
        assert_eq!(d, 7339.573896618216);
        assert_eq!(distance_meters((1.0, 2.0), (1.0, 2.0)), 0.0);
    }
}
