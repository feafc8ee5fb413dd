//! Date fields: the common spellings (`YYYY-MM-DD`, `YYYYMMDD`, date-times with optional
//! fractions and offsets) read directly, a `date_format` through chrono, both into a
//! [`Stamp`] (date, wall-clock time or instant).

use chrono::format::{Item, Parsed};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

/// A date field, read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Stamp {
    /// A date alone.
    Date(NaiveDate),
    /// A wall-clock date-time without an offset.
    Naive(NaiveDateTime),
    /// An instant, as UTC.
    Instant(NaiveDateTime),
}

/// Two ASCII digits as a number.
pub(super) fn two(a: u8, b: u8) -> Option<u32> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

pub(super) fn ymd(y: [u8; 4], m: [u8; 2], d: [u8; 2]) -> Option<NaiveDate> {
    let year = two(y[0], y[1])? * 100 + two(y[2], y[3])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two(m[0], m[1])?, two(d[0], d[1])?)
}

/// An offset `±HH`, `±HH:MM` or `±HHMM` (at most 23:59) in seconds east of UTC.
pub(super) fn offset_seconds(s: &[u8]) -> Option<i32> {
    let (sign, h0, h1, minutes) = match *s {
        [sign @ (b'+' | b'-'), h0, h1, ref rest @ ..] => (sign, h0, h1, rest),
        _ => return None,
    };
    let minutes = match *minutes {
        [] => 0,
        [b':', m0, m1] | [m0, m1] => two(m0, m1)?,
        _ => return None,
    };
    let hours = two(h0, h1)?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    Some(if sign == b'-' { -seconds } else { seconds })
}

/// The built-in spellings, read directly: `YYYYMMDD`, `YYYY-MM-DD`, and `YYYY-MM-DD`
/// followed by ` ` or `T`, `HH:MM:SS`, optional `.f{1,9}`, an optional offset (`Z`, `UTC`,
/// `±HH`, `±HH:MM`, `±HHMM`, optionally after a space). Impossible dates and times are
/// `None`; second 60 is a leap second, as chrono reads it.
pub(super) fn default_stamp(s: &[u8]) -> Option<Stamp> {
    let (date, rest) = match *s {
        [y0, y1, y2, y3, m0, m1, d0, d1] => {
            return ymd([y0, y1, y2, y3], [m0, m1], [d0, d1]).map(Stamp::Date);
        }
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, ref rest @ ..] => {
            (ymd([y0, y1, y2, y3], [m0, m1], [d0, d1])?, rest)
        }
        _ => return None,
    };
    let (h, mi, sec, rest) = match *rest {
        [] => return Some(Stamp::Date(date)),
        [
            b' ' | b'T' | b't',
            h0,
            h1,
            b':',
            m0,
            m1,
            b':',
            s0,
            s1,
            ref rest @ ..,
        ] => (two(h0, h1)?, two(m0, m1)?, two(s0, s1)?, rest),
        _ => return None,
    };
    let (nano, rest) = match rest {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let (digits, rest) = fraction.split_at(n);
            let value = digits.iter().fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
            (value * 10u32.pow(9 - u32::try_from(n).ok()?), rest)
        }
        _ => (0, rest),
    };
    let time = if sec == 60 {
        NaiveTime::from_hms_nano_opt(h, mi, 59, 1_000_000_000 + nano)?
    } else {
        NaiveTime::from_hms_nano_opt(h, mi, sec, nano)?
    };
    let local = date.and_time(time);
    let offset = match rest {
        [] => return Some(Stamp::Naive(local)),
        [b' ', rest @ ..] | rest => rest,
    };
    let seconds = match offset {
        b"Z" | b"z" | b"UTC" => 0,
        _ => offset_seconds(offset)?,
    };
    local
        .checked_sub_offset(FixedOffset::east_opt(seconds)?)
        .map(Stamp::Instant)
}

/// A date field in a caller's strftime format: an instant if the format gives an offset
/// or a Unix timestamp, a naive date-time if it gives an hour, else a date.
pub(super) fn formatted_stamp(text: &str, items: &[Item<'static>]) -> Option<Stamp> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    if parsed.offset().is_some() {
        return parsed.to_datetime().ok().map(|t| Stamp::Instant(t.naive_utc()));
    }
    if parsed.timestamp().is_some() {
        return parsed.to_naive_datetime_with_offset(0).ok().map(Stamp::Instant);
    }
    if parsed.hour_div_12().is_some() || parsed.hour_mod_12().is_some() {
        return parsed.to_naive_datetime_with_offset(0).ok().map(Stamp::Naive);
    }
    parsed.to_naive_date().ok().map(Stamp::Date)
}
