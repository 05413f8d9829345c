//! Timestamps as ECS text (`"YYYY-MM-DDTHH:MM:SS[.fraction]Z"`), the text of the last second and
//! day written kept in the templates.

use super::Templates;
use crate::audit::time::{civil_from_days, Nanos, NANOS_PER_SECOND};

/// `"YYYY-MM-DDT`: the opening quote and a day.
pub(super) const DAY_TEXT: usize = 12;

/// Writes `n` (below `10^digits.len()`) in decimal, zero-padded to fill `digits`.
fn fill_digits(digits: &mut [u8], mut n: u64) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn day_text(days: i64) -> [u8; DAY_TEXT] {
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"\"0000-00-00T";
    // Times are nanoseconds in an i64 (years 1677 to 2262): always four digits.
    fill_digits(&mut text[1..5], year.rem_euclid(10_000) as u64);
    fill_digits(&mut text[6..8], month as u64);
    fill_digits(&mut text[9..11], day as u64);
    text
}

/// `"YYYY-MM-DDTHH:MM:SS`: the opening quote, a day and a time of day.
pub(super) const SECOND_TEXT: usize = 20;

/// No second written yet (no `Nanos` is this many seconds).
pub(super) const NO_SECOND: i64 = i64::MIN;

/// `"YYYY-MM-DDTHH:MM:SS` + fraction + `Z"` with `digits` fraction digits (0: none). The text
/// of the last second written is kept per number of digits (a document's times of one kind
/// follow each other, most often within a second), and that of the last day for a new second
/// (a document's four times, and its neighbours', fall on one day), so the calendar runs once a
/// day of generated time and the time of day once a second; the whole text is put together on
/// the stack and appended at once.
#[inline]
pub(super) fn push_time(t: &Templates, out: &mut Vec<u8>, nanos: Nanos, digits: u32) {
    let digits = digits.min(9) as usize;
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let kept = &t.seconds[digits / 3];
    let mut text = *b"\"0000-00-00T00:00:00.000000000Z\"";
    match kept.get() {
        (second, second_text) if second == seconds => {
            text[..SECOND_TEXT].copy_from_slice(&second_text);
        }
        _ => {
            let second_text = second_text(t, seconds);
            kept.set((seconds, second_text));
            text[..SECOND_TEXT].copy_from_slice(&second_text);
        }
    }
    let mut len = SECOND_TEXT;
    if digits > 0 {
        let fraction = nanos.rem_euclid(NANOS_PER_SECOND) as u64 / FRACTION_DIVISOR[digits];
        fill_digits(&mut text[21..21 + digits], fraction);
        len += 1 + digits;
    }
    text[len..len + 2].copy_from_slice(b"Z\"");
    out.extend_from_slice(&text[..len + 2]);
}

/// What divides a second's nanoseconds down to `i` fraction digits.
const FRACTION_DIVISOR: [u64; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// `"YYYY-MM-DDTHH:MM:SS` of a second since the epoch; its day is kept for the next call.
fn second_text(t: &Templates, seconds: i64) -> [u8; SECOND_TEXT] {
    let days = seconds.div_euclid(86_400);
    let day = match t.day.get() {
        Some((cached, text)) if cached == days => text,
        _ => {
            let text = day_text(days);
            t.day.set(Some((days, text)));
            text
        }
    };
    let of_day = seconds.rem_euclid(86_400) as u64;
    let mut text = *b"\"0000-00-00T00:00:00";
    text[..DAY_TEXT].copy_from_slice(&day);
    fill_digits(&mut text[12..14], of_day / 3600);
    fill_digits(&mut text[15..17], of_day / 60 % 60);
    fill_digits(&mut text[18..20], of_day % 60);
    text
}
