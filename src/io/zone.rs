//! [`CalendarZone`]: whose calendar the days of a log are in, parsed from `UTC`, fixed
//! offsets or (feature `tz`) IANA names, and the conversion of instants and wall-clock
//! times to that calendar's day.

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::date::{offset_seconds, two};

/// Whose calendar the days of a log are in (see the [module docs](crate::io) for the rule).
///
/// Parses from text: `UTC` or `Z`; a fixed offset `+05:30`, `-0800`, `+05` (or `+05:30:15`,
/// as an offset with seconds prints); or, with the
/// crate feature `tz`, an IANA zone name such as `America/New_York`. It serialises as that
/// text.
///
/// # Examples
///
/// ```
/// use customer_value::io::CalendarZone;
///
/// assert_eq!("UTC".parse::<CalendarZone>()?, CalendarZone::Utc);
/// let india: CalendarZone = "+05:30".parse()?;
/// assert_eq!(india, CalendarZone::Fixed(chrono::FixedOffset::east_opt(19_800).unwrap()));
/// assert_eq!(india.to_string(), "+05:30");
/// assert!("+25:00".parse::<CalendarZone>().is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum CalendarZone {
    /// Coordinated Universal Time (the default).
    #[default]
    Utc,
    /// A fixed offset from UTC, e.g. `+05:30`.
    Fixed(FixedOffset),
    /// An IANA time zone, with its daylight-saving rules (feature `tz`).
    #[cfg(feature = "tz")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tz")))]
    Iana(chrono_tz::Tz),
}

impl fmt::Display for CalendarZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarZone::Utc => f.write_str("UTC"),
            CalendarZone::Fixed(offset) => write!(f, "{offset}"),
            #[cfg(feature = "tz")]
            CalendarZone::Iana(tz) => f.write_str(tz.name()),
        }
    }
}

impl FromStr for CalendarZone {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let text = s.trim();
        if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("z") {
            return Ok(CalendarZone::Utc);
        }
        if text.starts_with(['+', '-']) {
            // `±HH:MM:SS` too, as `FixedOffset` prints an offset with seconds (so every
            // zone's text parses back).
            let seconds = match *text.as_bytes() {
                [ref hh_mm @ .., b':', s0, s1] if hh_mm.len() == 6 => {
                    let s = two(s0, s1)
                        .filter(|&s| s < 60)
                        .and_then(|s| i32::try_from(s).ok());
                    offset_seconds(hh_mm)
                        .zip(s)
                        .map(|(hm, s)| if text.starts_with('-') { hm - s } else { hm + s })
                }
                _ => offset_seconds(text.as_bytes()),
            };
            return seconds
                .and_then(FixedOffset::east_opt)
                .map(CalendarZone::Fixed)
                .ok_or_else(|| {
                    Error::param(
                        "zone",
                        text,
                        "not an offset: expected ±HH, ±HH:MM or ±HHMM, at most 23:59",
                    )
                });
        }
        #[cfg(feature = "tz")]
        {
            text.parse::<chrono_tz::Tz>()
                .map(CalendarZone::Iana)
                .map_err(|_| {
                    Error::param(
                        "zone",
                        text,
                        "not UTC, an offset (±HH:MM) or an IANA time zone name",
                    )
                })
        }
        #[cfg(not(feature = "tz"))]
        {
            Err(Error::param(
                "zone",
                text,
                "IANA time zone names need the crate feature `tz`: build with feature `tz`, or give a fixed offset such as -05:00",
            ))
        }
    }
}

impl TryFrom<String> for CalendarZone {
    type Error = Error;

    fn try_from(text: String) -> Result<Self> {
        text.parse()
    }
}

impl From<CalendarZone> for String {
    fn from(zone: CalendarZone) -> String {
        zone.to_string()
    }
}

impl CalendarZone {
    /// The zone's offset from UTC at the instant `utc` (only an IANA zone's depends on it).
    #[cfg_attr(not(feature = "tz"), allow(unused_variables))]
    pub(super) fn offset_at(self, utc: &NaiveDateTime) -> FixedOffset {
        match self {
            CalendarZone::Utc => chrono::Offset::fix(&chrono::Utc),
            CalendarZone::Fixed(offset) => offset,
            #[cfg(feature = "tz")]
            CalendarZone::Iana(tz) => {
                use chrono::{Offset, TimeZone};
                tz.offset_from_utc_datetime(utc).fix()
            }
        }
    }

    /// The calendar day of the instant `utc` in this zone.
    pub(super) fn day_of(self, utc: &NaiveDateTime) -> Option<NaiveDate> {
        match self {
            CalendarZone::Utc => Some(utc.date()),
            _ => utc.checked_add_offset(self.offset_at(utc)).map(|t| t.date()),
        }
    }

    /// The instant (as UTC) of the wall-clock time `local` in this zone: the earlier one of
    /// an ambiguous time, the earliest valid one after a skipped time.
    pub(super) fn instant_of(self, local: &NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            CalendarZone::Utc => Some(*local),
            CalendarZone::Fixed(offset) => local.checked_sub_offset(offset),
            #[cfg(feature = "tz")]
            CalendarZone::Iana(tz) => {
                use chrono::{LocalResult, TimeZone};
                match tz.from_local_datetime(local) {
                    LocalResult::Single(t) => Some(t.naive_utc()),
                    LocalResult::Ambiguous(a, b) => Some(a.naive_utc().min(b.naive_utc())),
                    LocalResult::None => self.first_instant_not_before(local),
                }
            }
        }
    }

    /// The earliest instant whose wall-clock time in this zone is at or after `local` (a
    /// time a daylight-saving change skips): a binary search over the two days around it,
    /// to the second (transitions fall on whole seconds).
    #[cfg(feature = "tz")]
    pub(super) fn first_instant_not_before(self, local: &NaiveDateTime) -> Option<NaiveDateTime> {
        let wall = |u: i64| {
            let utc = chrono::DateTime::from_timestamp(u, 0)?.naive_utc();
            utc.checked_add_offset(self.offset_at(&utc))
        };
        let at = local.and_utc().timestamp();
        let (mut lo, mut hi) = (at.checked_sub(2 * 86_400)?, at.checked_add(2 * 86_400)?);
        if wall(hi)? < *local {
            return None;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if wall(mid)? >= *local {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        chrono::DateTime::from_timestamp(hi, 0).map(|t| t.naive_utc())
    }
}
