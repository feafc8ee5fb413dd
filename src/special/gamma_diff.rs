//! Differences of log-gammas without the cancellation of two large `ln Γ`.
//!
//! * [`ln_gamma_diff`]`(z, s)` = ln Γ(z + s) − ln Γ(z), the log of the Pochhammer symbol
//!   (z)ₛ: one shift.
//! * [`ln_gamma_diff2`]`(z, s, t)` = ln Γ(z+s+t) − ln Γ(z+s) − ln Γ(z+t) + ln Γ(z), the mixed
//!   second difference: what a ratio of beta functions with shifted arguments leaves,
//!   `ln[B(a, b + t)/B(a, b)] = −Δ₂(b, a, t)`. Written as two first differences it would
//!   subtract numbers of size `s ln z` or `t ln z` to get one that may be tiny (a beta ratio
//!   with one argument fixed, over 10⁹ opportunities: brackets of 2·10¹⁰, result 14), so it
//!   is computed directly.
//! * [`ln_gamma_diff2_per_s`]`(z, s, t)` = Δ₂ / s, continuous at `s = 0` where it is
//!   ψ(z + t) − ψ(z): for closed forms of the type `(1 − e^{−(γ−1)Q})/(γ − 1)`.
//!
//! # Method
//!
//! From `Z0 = 20` up, Stirling's series ln Γ(w) = (w − ½) ln w − w + ½ ln 2π + μ(w),
//! μ(w) = 1/(12w) − 1/(360w³) + 1/(1260w⁵) − 1/(1680w⁷) + 1/(1188w⁹) (fewer terms from
//! w = 100 and w = 1000; truncation below 10⁻¹⁷), with both the main part and μ differenced
//! analytically: `ln_1p` of small ratios for the main part, and for the powers the
//! telescoping `(w+s)^{−j} − w^{−j} = −s Σₖ (w+s)^{−k} w^{−(j+1−k)}`, applied twice for
//! the second difference, so every sum is of terms of one sign. Below 20 the argument is
//! raised by the recurrence Γ(w + 1) = w Γ(w) (at most 20 steps, each an exact `ln_1p`
//! term of one sign); for a whole shift `s ≤ 16` below 20 the first difference is the
//! exact product ln Π (z + k).
//!
//! # Accuracy
//!
//! Checked against mpmath (80 digits) on z, s, t from 10⁻³ to 10¹⁵, with `s ≫ z` and
//! `z ≫ s` (unit tests in `gamma_diff/tests.rs`): worst relative error 2·10⁻¹⁵ for the
//! first difference and 3·10⁻¹⁵ for the second (asserted at 2·10⁻¹⁴), except that the
//! first difference, whose value passes through 0 (ψ(z) = 0 at z ≈ 1.4616, or
//! Γ(z + s) = Γ(z)), is accurate there to an absolute 10⁻¹⁵·(1 + |s ln(z + s)|). The
//! second difference has no such zero (it is > 0 for s, t > 0) and keeps its relative
//! accuracy for any s, t, including `s → 0` (through [`ln_gamma_diff2_per_s`]).
//! The same holds down to subnormal z (checked at 10⁻³⁰⁰, 10⁻³¹⁰, 10⁻³²⁰ and 5·10⁻³²⁴):
//! ratios `s/z` that overflow become `ln(z + s) − ln z`, a subnormal `z` is kept out of
//! the exact product, and below z = 10⁻²⁹⁰ the second difference takes its first
//! recurrence step undivided by `s` (Δ₂/s ~ 1/z would overflow).
//! Arguments whose sums overflow `f64` give non-finite values, which the callers turn into
//! errors.

/// From here up Stirling's series is used directly.
const Z0: f64 = 20.0;

/// Stirling coefficients of μ(w) = Σ c_m w^{−m}, m = 1, 3, 5, 7, 9.
const STIRLING: [f64; 5] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
];

/// Number of Stirling terms needed at `w ≥ Z0` for a truncation error below 10⁻¹⁷.
fn stirling_terms(w: f64) -> usize {
    if w >= 1000.0 {
        2
    } else if w >= 100.0 {
        3
    } else {
        5
    }
}

/// `ln(1 + x) / x` for `x > −1`, 1 at 0.
fn ln_1p_over(x: f64) -> f64 {
    if x.abs() < 1e-4 {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - x * 0.25))
    } else {
        x.ln_1p() / x
    }
}

/// `ln(1 + s/w)` for `w > 0`, `s ≥ 0`, also where `s/w` overflows (`w` near the
/// smallest subnormal): then `ln(w + s) − ln w`, two logs of very different size.
fn ln_1p_ratio(s: f64, w: f64) -> f64 {
    let ratio = s / w;
    if ratio.is_finite() {
        ratio.ln_1p()
    } else {
        (w + s).ln() - w.ln()
    }
}

/// `P_j(w, s) = Σ_{k=1}^{j} (w+s)^{−k} w^{−(j+1−k)}` for `j = 0 … 9` (`P_0 = 0`), so that
/// `(w + s)^{−j} − w^{−j} = −s P_j(w, s)`, a sum of positive terms for `w, s > 0`.
fn telescoped_powers(w: f64, s: f64) -> [f64; 10] {
    let (a, b) = ((w + s).recip(), w.recip());
    let mut p = [0.0; 10];
    let mut a_pow = 1.0;
    let mut prev = 0.0;
    for slot in p.iter_mut().skip(1) {
        a_pow *= a;
        prev = b * (prev + a_pow);
        *slot = prev;
    }
    p
}

/// `ln Γ(z + s) − ln Γ(z)` for `z > 0`, `z + s > 0`.
///
/// Non-finite for non-finite or out-of-domain input (no panic). No model calls it at
/// present (the sBG tail is a second difference); kept, tested, for the next caller.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn ln_gamma_diff(z: f64, s: f64) -> f64 {
    if s < 0.0 {
        return -ln_gamma_diff(z + s, -s);
    }
    if s == 0.0 {
        return 0.0;
    }
    if z.is_nan() || z <= 0.0 {
        return f64::NAN;
    }
    if z >= Z0 {
        return stirling_diff(z, s);
    }
    if s <= 16.0 && s.fract() == 0.0 {
        // Exact: Γ(z + s)/Γ(z) = z (z + 1) … (z + s − 1), at most 36¹⁶ here.
        // The factor z apart: a subnormal z times the rest would round to few digits.
        let mut product = 1.0;
        let mut k = 1.0;
        while k < s {
            product *= z + k;
            k += 1.0;
        }
        return z.ln() + product.ln();
    }
    // ln Γ(w) = ln Γ(w + K) − Σ_{k<K} ln(w + k), for w = z and w = z + s.
    let steps = (Z0 - z).ceil();
    let mut shift = 0.0;
    let mut k = 0.0;
    while k < steps {
        shift += ln_1p_ratio(s, z + k);
        k += 1.0;
    }
    stirling_diff(z + steps, s) - shift
}

/// Stirling's first difference for `z ≥ Z0`, `s > 0`:
/// `(z − ½) ln(1 + s/z) + s (ln(z + s) − 1) + μ(z + s) − μ(z)`, all terms positive except
/// the small μ difference.
fn stirling_diff(z: f64, s: f64) -> f64 {
    let main = (z - 0.5) * (s / z).ln_1p() + s * ((z + s).ln() - 1.0);
    let p = telescoped_powers(z, s);
    let mu: f64 = STIRLING
        .iter()
        .take(stirling_terms(z))
        .zip(p.iter().skip(1).step_by(2))
        .map(|(c, pj)| c * pj)
        .sum();
    main - s * mu
}

/// The mixed second difference
/// `Δ₂(z, s, t) = ln Γ(z+s+t) − ln Γ(z+s) − ln Γ(z+t) + ln Γ(z)` for `z`, `z + s`, `z + t`,
/// `z + s + t` all > 0 (s and t may be negative). Symmetric in `s` and `t`; > 0 when
/// `s` and `t` have the same sign.
pub(crate) fn ln_gamma_diff2(z: f64, s: f64, t: f64) -> f64 {
    if s == 0.0 || t == 0.0 {
        return 0.0;
    }
    if z > 0.0 && z < TINY_Z && s > 0.0 && t > 0.0 {
        // Δ₂/s is of size 1/z and may overflow: take the step z → z + 1 on Δ₂ itself.
        return neg_ln_one_minus_y(z, s, t) + ln_gamma_diff2(z + 1.0, s, t);
    }
    // Divide by the smaller shift, so that Δ₂/s stays far from underflow.
    if s.abs() <= t.abs() {
        s * ln_gamma_diff2_per_s(z, s, t)
    } else {
        t * ln_gamma_diff2_per_s(z, t, s)
    }
}

/// `Δ₂(z, s, t) / s`, continued to `s = 0` by ψ(z + t) − ψ(z). Domain as
/// [`ln_gamma_diff2`].
pub(crate) fn ln_gamma_diff2_per_s(z: f64, s: f64, t: f64) -> f64 {
    if t < 0.0 {
        // Δ₂(z, s, t) = −Δ₂(z + t, s, −t).
        return -ln_gamma_diff2_per_s(z + t, s, -t);
    }
    if s < 0.0 {
        // Δ₂(z, s, t) = −Δ₂(z + s, −s, t), so Δ₂/s = Δ₂(z + s, −s, t)/(−s).
        return ln_gamma_diff2_per_s(z + s, -s, t);
    }
    if t == 0.0 {
        return 0.0;
    }
    if z.is_nan() || z <= 0.0 {
        return f64::NAN;
    }
    if z >= Z0 {
        return stirling_diff2_per_s(z, s, t);
    }
    // Raise z by the recurrence: each step adds −ln(1 − y_k)/s > 0 with
    // y_k = s t / ((z + s + k)(z + t + k)) < 1.
    let steps = (Z0 - z).ceil();
    let mut shift = 0.0;
    let mut k = 0.0;
    while k < steps {
        shift += neg_ln_one_minus_y_per_s(z + k, s, t);
        k += 1.0;
    }
    stirling_diff2_per_s(z + steps, s, t) + shift
}

/// Below this base [`ln_gamma_diff2`] takes its first recurrence step undivided by `s`.
const TINY_Z: f64 = 1e-290;

/// `−ln(1 − y)` with `y = s t / ((w + s)(w + t))`, i.e.
/// `ln(w+s) + ln(w+t) − ln w − ln(w+s+t)`, for `w > 0`, `s, t > 0`.
fn neg_ln_one_minus_y(w: f64, s: f64, t: f64) -> f64 {
    let y = (s / (w + s)) * (t / (w + t));
    if y < 0.5 {
        -(-y).ln_1p()
    } else {
        ln_1p_ratio(s, w) - ln_1p_ratio(s, w + t)
    }
}

/// `−ln(1 − y)/s` with `y = s t / ((w + s)(w + t))`, i.e.
/// `[ln(w+s) + ln(w+t) − ln w − ln(w+s+t)]/s`, for `w > 0`, `s, t ≥ 0`.
fn neg_ln_one_minus_y_per_s(w: f64, s: f64, t: f64) -> f64 {
    let y = (s / (w + s)) * (t / (w + t));
    if y < 0.5 {
        // −ln(1 − y)/s = t/((w+s)(w+t)) · ln(1 − y)/(−y).
        (t / (w + t)) / (w + s) * ln_1p_over(-y)
    } else {
        // 1 − y = w (w + s + t)/((w + s)(w + t)); here s is not small.
        (ln_1p_ratio(s, w) - ln_1p_ratio(s, w + t)) / s
    }
}

/// Stirling's `Δ₂/s` for `z ≥ Z0`, `s ≥ 0`, `t > 0`. The main part
/// `(w − ½) ln w` differences to
/// `s ln(1 + t/(z+s)) + t ln(1 + s/(z+t)) + (z − ½) ln(1 − y)`, `y = st/((z+s)(z+t))`
/// (terms of size `st/z` each when s, t ≪ z, and no worse than that otherwise); μ through
/// the doubly telescoped powers.
fn stirling_diff2_per_s(z: f64, s: f64, t: f64) -> f64 {
    let y = (s / (z + s)) * (t / (z + t));
    // (z − ½) ln(1 − y)/s, the factors ordered so that nothing underflows for huge z.
    let third = if y < 0.5 {
        -((z - 0.5) / (z + s)) * (t / (z + t)) * ln_1p_over(-y)
    } else {
        (z - 0.5) * ((s / (z + t)).ln_1p() - (s / z).ln_1p()) / s
    };
    let main = (t / (z + s)).ln_1p() + (t / (z + t)) * ln_1p_over(s / (z + t)) + third;
    // Δ₂[w^{−m}] = s t Σ_{l=1}^{m} [(z+s+t)^{−l} P_{m+1−l}(z, s) + z^{−(m+1−l)} P_l(z+t, s)].
    let p_z = telescoped_powers(z, s);
    let p_zt = telescoped_powers(z + t, s);
    let (a, b) = ((z + s + t).recip(), z.recip());
    let (a_pow, b_pow) = (powers(a), powers(b));
    let mut mu = 0.0;
    for (i, c) in STIRLING.iter().take(stirling_terms(z)).enumerate() {
        let m = 2 * i + 1;
        let mut inner = 0.0;
        for l in 1..=m {
            let j = m + 1 - l;
            let first = a_pow.get(l).zip(p_z.get(j)).map_or(0.0, |(x, y)| x * y);
            let second = b_pow.get(j).zip(p_zt.get(l)).map_or(0.0, |(x, y)| x * y);
            inner += first + second;
        }
        mu += c * inner;
    }
    main + t * mu
}

/// `[1, x, x², …, x⁹]`.
fn powers(x: f64) -> [f64; 10] {
    let mut out = [1.0; 10];
    let mut acc = 1.0;
    for slot in out.iter_mut().skip(1) {
        acc *= x;
        *slot = acc;
    }
    out
}

#[cfg(test)]
mod tests;
