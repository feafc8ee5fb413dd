//! Amount fields: `[-+]digits[.digits]` read directly or by rust_decimal, exactly as
//! written, never rounded.

use rust_decimal::Decimal;

/// A decimal amount `[-+]digits[.digits]`, exactly: read directly into the same `Decimal`
/// that `Decimal::from_str` gives (mantissa and scale as written) when it has at most 18
/// digits, else by `Decimal::from_str_exact`, which refuses what would be rounded. The
/// error says why, after the amount's text.
pub(super) fn parse_amount(s: &[u8]) -> std::result::Result<Decimal, &'static str> {
    if let Some(amount) = plain_amount(s) {
        return Ok(amount);
    }
    if s.is_empty() {
        // Shopify writes an order's total on its first line item only: say so.
        return Err(
            "is empty: every row needs an amount (an export with one row per line item \
             leaves it empty on the order's later lines: drop or merge those rows)",
        );
    }
    let body = match s {
        [b'-' | b'+', rest @ ..] => rest,
        _ => s,
    };
    let (whole, fraction) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (body.get(..dot).unwrap_or_default(), body.get(dot + 1..)),
        None => (body, None),
    };
    let digits = |d: &[u8]| !d.is_empty() && d.iter().all(u8::is_ascii_digit);
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(
            "is not a decimal number: expected [-+]digits[.digits] (no exponent, thousands separator or currency symbol)",
        );
    }
    let text = std::str::from_utf8(s).map_err(|_| "is not a decimal number")?;
    Decimal::from_str_exact(text)
        .map_err(|_| "has more digits than a Decimal holds exactly (28 or 29 significant digits)")
}

/// `[-]digits[.digits]` with at most 18 digits, read directly; `None` for anything else,
/// and for a negative zero (whose sign `Decimal::from_str` keeps).
pub(super) fn plain_amount(s: &[u8]) -> Option<Decimal> {
    let (negative, body) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (whole, fraction) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (body.get(..dot)?, body.get(dot + 1..)?),
        None => (body, &[][..]),
    };
    if whole.is_empty()
        || (fraction.is_empty() && whole.len() < body.len())
        || whole.len() + fraction.len() > 18
    {
        return None;
    }
    let mantissa = whole.iter().chain(fraction).try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })?;
    if negative && mantissa == 0 {
        return None;
    }
    let scale = u32::try_from(fraction.len()).ok()?;
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}
