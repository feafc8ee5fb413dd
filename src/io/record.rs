//! CSV records as RFC 4180 writes them: one record (quoted line breaks included) into a
//! reused buffer, and the split of a quoted record into fields.

use std::io::BufRead;
use std::ops::Range;

use crate::error::Result;

/// Reads the next record into `buffer` without its final line ending: one line, or more
/// when a quoted field holds line breaks (kept). Returns the number of lines it spans,
/// `None` at the end. An unclosed quote runs to the end of the input.
pub(super) fn next_record(reader: &mut impl BufRead, buffer: &mut Vec<u8>) -> Result<Option<u64>> {
    buffer.clear();
    if reader.read_until(b'\n', buffer)? == 0 {
        return Ok(None);
    }
    let mut lines = 1;
    if buffer.contains(&b'"') {
        let mut state = buffer.iter().fold(Scan::FieldStart, |s, &b| step(s, b));
        while state == Scan::Quoted {
            let before = buffer.len();
            if reader.read_until(b'\n', buffer)? == 0 {
                break;
            }
            lines += 1;
            state = buffer
                .get(before..)
                .unwrap_or_default()
                .iter()
                .fold(state, |s, &b| step(s, b));
        }
    }
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    }
    Ok(Some(lines))
}

/// Where a scan of CSV text is, for finding record ends (RFC 4180; a quote opens a field
/// only as its first character after whitespace, elsewhere it is text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// At the start of a field (or of a record): only whitespace so far.
    FieldStart,
    /// Inside a field without quotes.
    Unquoted,
    /// Inside quotes: commas and line ends are text.
    Quoted,
    /// Just after a quote inside quotes: a second quote is an escaped quote, anything else
    /// closes the field.
    QuoteSeen,
    /// After a field's closing quote (only whitespace may follow before the comma).
    Closed,
}

/// One byte of the scan. A line end outside quotes ends the record (back to `FieldStart`).
pub(super) fn step(state: Scan, b: u8) -> Scan {
    match (state, b) {
        (Scan::Quoted, b'"') => Scan::QuoteSeen,
        (Scan::Quoted, _) | (Scan::QuoteSeen, b'"') => Scan::Quoted,
        (_, b',' | b'\n') => Scan::FieldStart,
        (Scan::FieldStart, b'"') => Scan::Quoted,
        (Scan::FieldStart, c) if c.is_ascii_whitespace() => Scan::FieldStart,
        (Scan::FieldStart | Scan::Unquoted, _) => Scan::Unquoted,
        (Scan::QuoteSeen | Scan::Closed, _) => Scan::Closed,
    }
}

/// Splits a record holding quote characters into its fields, unescaped: their bytes go to
/// `scratch`, one range per field to `ranges`.
pub(super) fn split_quoted(
    record: &[u8],
    scratch: &mut Vec<u8>,
    ranges: &mut Vec<Range<usize>>,
) -> std::result::Result<(), String> {
    scratch.clear();
    ranges.clear();
    let (mut state, mut start) = (Scan::FieldStart, 0);
    for &b in record {
        let next = step(state, b);
        match (state, next) {
            (_, Scan::FieldStart) if b == b',' && state != Scan::Quoted => {
                ranges.push(start..scratch.len());
                start = scratch.len();
            }
            // The opening quote: leading whitespace is not part of the field.
            (Scan::FieldStart, Scan::Quoted) => scratch.truncate(start),
            (Scan::Quoted, Scan::QuoteSeen) => {}
            (Scan::QuoteSeen, Scan::Quoted) => scratch.push(b'"'),
            (Scan::QuoteSeen | Scan::Closed, Scan::Closed) => {
                if !b.is_ascii_whitespace() {
                    return Err(format!(
                        "field {} has text after its closing quote (a quote inside a quoted field is written \"\")",
                        ranges.len() + 1
                    ));
                }
            }
            _ => scratch.push(b),
        }
        state = next;
    }
    if state == Scan::Quoted {
        return Err(format!(
            "field {} opens a quote that is not closed (the record starts on this line)",
            ranges.len() + 1
        ));
    }
    ranges.push(start..scratch.len());
    Ok(())
}
