//! Times written as the `time` formatters write them, straight into the output bytes.

use super::super::time::{self, Nanos};

/// `2022-08-31T08:09:57.520Z` (`millis`, as `time::format_millis`) or `2022-08-31T08:09:58Z`
/// (as `time::format_seconds`), without a formatter.
pub(in crate::audit) fn push_time(nanos: Nanos, millis: bool, out: &mut Vec<u8>) {
    fn digits(text: &mut [u8], n: i64) {
        let mut n = n;
        for slot in text.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    let seconds = nanos.div_euclid(time::NANOS_PER_SECOND);
    let (year, month, day) = time::civil_from_days(seconds.div_euclid(86_400));
    if !(0..=9999).contains(&year) {
        // Not a four-digit year: the formatter's own form.
        let text = match millis {
            true => time::format_millis(nanos),
            false => time::format_seconds(nanos),
        };
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let of_day = seconds.rem_euclid(86_400);
    let mut text = *b"0000-00-00T00:00:00.000Z";
    digits(&mut text[0..4], year);
    digits(&mut text[5..7], month);
    digits(&mut text[8..10], day);
    digits(&mut text[11..13], of_day / 3600);
    digits(&mut text[14..16], of_day / 60 % 60);
    digits(&mut text[17..19], of_day % 60);
    if millis {
        digits(
            &mut text[20..23],
            nanos.rem_euclid(time::NANOS_PER_SECOND) / 1_000_000,
        );
        out.extend_from_slice(&text);
    } else {
        text[19] = b'Z';
        out.extend_from_slice(&text[..20]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_the_formatters_write_them() {
        let mut t = time::parse_rfc3339("1677-09-21T00:12:43.145224192Z").unwrap();
        let step = 7_919_000_123_457; // odd seconds and milliseconds, across every field
        while let Some(next) = t.checked_add(step) {
            for millis in [true, false] {
                let mut out = Vec::new();
                push_time(t, millis, &mut out);
                let expected = match millis {
                    true => time::format_millis(t),
                    false => time::format_seconds(t),
                };
                assert_eq!(String::from_utf8(out).unwrap(), expected, "{t}");
            }
            t = next;
        }
    }
}
