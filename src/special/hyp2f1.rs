//! The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real `z < 1`.
//!
//! No pure-Rust crate evaluates 2F1 dependably for the arguments the BTYD models produce
//! (parameters up to 10⁴, `z` within 10⁻⁸ of 1), so it is written here:
//!
//! * `z < 0`: Pfaff's transformation maps to `z/(z − 1) ∈ (0, 1)`;
//! * Euler's transformation `(1 − z)^{c−a−b} F(c−a, c−b; c; z)` when it shrinks the
//!   parameters (large repeat counts `x` make `a`, `b`, `c` large but `c − a`, `c − b`
//!   small);
//! * `z ≤ 0.9`: the Gauss series, summed with a running scale so huge terms do not
//!   overflow;
//! * `z > 0.9`: the `1 − z` connection formula (DLMF 15.8.4), or, when `c − a − b` is
//!   within 10⁻⁸ of an integer, its logarithmic limit (Abramowitz & Stegun 15.3.10–12),
//!   falling back to the Gauss series (capped) if either loses precision.
//!
//! Results are [`SignedLog`]s so that values beyond `f64` stay representable. A series that
//! has not converged after the iteration cap, or that lost its precision to cancellation, is
//! [`Error::NonConvergence`]; the function never returns NaN.
//! Checked against mpmath in `tests/data/hyp2f1.csv` (`tests/data/gen_hyp2f1.py`).

use super::{SignedLog, digamma, ln_gamma, ln_gamma_signed};
use crate::error::{Error, Result};

/// Terms summed at most by one series.
const MAX_TERMS: usize = 200_000;
/// Relative size of the last term at which a series stops.
const TOL: f64 = 1e-17;
/// Largest cancellation (largest term / |sum|) accepted before the result is refused.
const MAX_CANCELLATION: f64 = 1e7;
/// Largest cancellation accepted between the two parts of a connection formula. The parts'
/// own series carry ~1e-12 relative error, so at most ~4 of the remaining digits may go.
const MAX_PART_CANCELLATION: f64 = 1e4;
/// Distance of `c − a − b` to an integer below which the logarithmic formulas are used.
const INTEGER_GAP: f64 = 1e-8;
/// Rescaling step for running sums.
const BIG: f64 = 1e200;

/// ₂F₁(a, b; c; z) as an `f64` (the models use the signed log; tests use this).
#[cfg(test)]
///
/// # Errors
///
/// As [`ln_hyp2f1`]; also [`Error::Undefined`] if the value overflows `f64`.
pub(crate) fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let v = ln_hyp2f1(a, b, c, z)?.value();
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Undefined {
            what: "hyp2f1",
            reason: format!("2F1({a}, {b}; {c}; {z}) overflows f64"),
        })
    }
}

/// ₂F₁(a, b; c; z) as a signed logarithm.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for non-finite input; [`Error::Undefined`] for `z ≥ 1` or `c`
/// a non-positive integer; [`Error::NonConvergence`] when no method reaches full precision
/// within the iteration cap.
pub(crate) fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLog> {
    for (name, v) in [("a", a), ("b", b), ("c", c), ("z", z)] {
        if !v.is_finite() {
            return Err(Error::param(name, v, "hyp2f1 arguments must be finite"));
        }
    }
    if z >= 1.0 {
        return Err(Error::Undefined {
            what: "hyp2f1",
            reason: format!("z = {z} ≥ 1 is outside the real domain of the series"),
        });
    }
    if is_non_positive_integer(c) {
        return Err(Error::Undefined {
            what: "hyp2f1",
            reason: format!("c = {c} is a non-positive integer"),
        });
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return Ok(SignedLog { ln: 0.0, sign: 1.0 });
    }
    if is_non_positive_integer(a) || is_non_positive_integer(b) {
        // A polynomial: the series terminates for every z.
        return gauss_series(a, b, c, z);
    }
    if z < 0.0 {
        // Pfaff: F(a,b;c;z) = (1 − z)^{−a} F(a, c − b; c; z/(z − 1)).
        let inner = ln_hyp2f1(a, c - b, c, z / (z - 1.0))?;
        return Ok(SignedLog {
            ln: inner.ln - a * (-z).ln_1p(),
            sign: inner.sign,
        });
    }
    // Euler's form has the same value; prefer the one whose series has positive terms
    // (no cancellation), then the one with smaller parameters.
    let euler = |z: f64| -> Result<SignedLog> {
        let inner = unit_interval(c - a, c - b, c, z)?;
        Ok(SignedLog {
            ln: inner.ln + (c - a - b) * (-z).ln_1p(),
            sign: inner.sign,
        })
    };
    let direct_positive = a > 0.0 && b > 0.0 && c > 0.0;
    let euler_positive = c - a > 0.0 && c - b > 0.0 && c > 0.0;
    let euler_smaller = (c - a).abs() + (c - b).abs() < a.abs() + b.abs();
    if euler_positive && (euler_smaller || !direct_positive) {
        return euler(z).or_else(|_| unit_interval(a, b, c, z));
    }
    if direct_positive || !euler_smaller {
        return unit_interval(a, b, c, z).or_else(|_| euler(z));
    }
    euler(z).or_else(|_| unit_interval(a, b, c, z))
}

/// `0 < z < 1`, after the parameter reductions.
fn unit_interval(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLog> {
    if is_non_positive_integer(a) || is_non_positive_integer(b) {
        return gauss_series(a, b, c, z);
    }
    if z <= 0.9 {
        return gauss_series(a, b, c, z);
    }
    let m = c - a - b;
    let k = m.round();
    let near = if (m - k).abs() < INTEGER_GAP {
        integer_gap(a, b, c, k, 1.0 - z)
    } else {
        connection(a, b, c, m, 1.0 - z)
    };
    // The parts' own errors (~1e-12 when a denominator of their series passes near zero)
    // are amplified by their cancellation; beyond MAX_PART_CANCELLATION the direct series
    // is preferred when it converges within the cap.
    match near {
        Ok((v, cancel)) if cancel <= MAX_PART_CANCELLATION.ln() => Ok(v),
        Ok((v, _)) => gauss_series(a, b, c, z).or(Ok(v)),
        Err(_) => gauss_series(a, b, c, z),
    }
}

fn is_non_positive_integer(x: f64) -> bool {
    x <= 0.0 && x.fract() == 0.0
}

/// The Gauss series Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ.
fn gauss_series(a: f64, b: f64, c: f64, z: f64) -> Result<SignedLog> {
    sum_series(
        |n| (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z,
        |_| 1.0,
        settled(&[a, b, c]),
        "hyp2f1 series",
    )
}

/// The first index from which every Pochhammer factor `x + n` is positive, so that the
/// term ratio no longer changes sign or jumps (a series may not stop before it).
fn settled(params: &[f64]) -> usize {
    let worst = params.iter().fold(0.0_f64, |m, p| m.max(-p));
    // Bounded by the caller's iteration cap anyway.
    worst.ceil().min(MAX_TERMS as f64) as usize + 1
}

/// Σ tₙ gₙ with t₀ = 1, tₙ₊₁ = tₙ · ratio(n), summed with a running scale. `weight(n)` is
/// a slowly varying factor (1 for the Gauss series, a digamma combination for the
/// logarithmic cases).
fn sum_series(
    mut ratio: impl FnMut(f64) -> f64,
    mut weight: impl FnMut(usize) -> f64,
    min_terms: usize,
    what: &'static str,
) -> Result<SignedLog> {
    // The term and the sum carry separate log-scales: a term may shrink below f64's range
    // and grow back (a negative `c` makes the ratio explode near n = −c), and must not be
    // mistaken for a terminated series when it underflows.
    let mut term = 1.0_f64;
    let mut term_ln = 0.0;
    let mut sum = weight(0);
    let mut sum_ln = 0.0;
    // The largest |term · weight| so far is kept as `biggest · e^{term_ln}` (its log only
    // when a scale changes, and at the end), and `e^{term_ln − sum_ln}` only when one of the
    // two scales moves: no `ln` or `exp` per term.
    let mut biggest = sum.abs();
    let mut biggest_scale = 0.0;
    let mut ratio_of_scales = 1.0;
    for n in 0..MAX_TERMS {
        let r = ratio(n as f64);
        if r == 0.0 {
            // A Pochhammer factor hit zero: the series terminates exactly.
            return finish(sum, sum_ln, biggest.ln() + biggest_scale, what, n);
        }
        if !r.is_finite() {
            break;
        }
        term *= r;
        if term.abs() > BIG || term.abs() < 1.0 / BIG {
            term_ln += term.abs().ln();
            term = term.signum();
            ratio_of_scales = (term_ln - sum_ln).exp();
        }
        let wt = weight(n + 1);
        let add = term * wt * ratio_of_scales;
        if wt != 0.0 {
            let size = (term * wt).abs();
            if biggest_scale.to_bits() == term_ln.to_bits() {
                biggest = biggest.max(size);
            } else if size.ln() + term_ln > biggest.ln() + biggest_scale {
                (biggest, biggest_scale) = (size, term_ln);
            }
        }
        sum += add;
        if sum.abs() > BIG {
            sum /= BIG;
            sum_ln += BIG.ln();
            ratio_of_scales = (term_ln - sum_ln).exp();
        }
        let rabs = r.abs();
        // Past the last sign change the terms shrink geometrically; the tail is then below
        // |last| r/(1 − r).
        if rabs < 1.0 && n > 2 && n >= min_terms && add.abs() * rabs / (1.0 - rabs) <= TOL * sum.abs() {
            return finish(sum, sum_ln, biggest.ln() + biggest_scale, what, n);
        }
    }
    Err(Error::NonConvergence {
        what,
        iterations: MAX_TERMS,
        detail: format!("last term {term:e} × e^{term_ln}, partial sum {sum:e} × e^{sum_ln}"),
    })
}

fn finish(sum: f64, sum_ln: f64, biggest_ln: f64, what: &'static str, n: usize) -> Result<SignedLog> {
    if !sum.is_finite() {
        return Err(Error::NonConvergence {
            what,
            iterations: n,
            detail: format!("sum {sum:e} is not finite"),
        });
    }
    if sum == 0.0 {
        return Ok(SignedLog::ZERO);
    }
    let ln = sum.abs().ln() + sum_ln;
    if biggest_ln - ln > MAX_CANCELLATION.ln() {
        return Err(Error::NonConvergence {
            what,
            iterations: n,
            detail: format!("cancellation: largest term e^{biggest_ln}, sum e^{ln}"),
        });
    }
    Ok(SignedLog {
        ln,
        sign: sum.signum(),
    })
}

/// DLMF 15.8.4 with w = 1 − z, for non-integer m = c − a − b:
/// F = Γ(c)Γ(m)/(Γ(c−a)Γ(c−b)) F(a,b;1−m;w) + w^m Γ(c)Γ(−m)/(Γ(a)Γ(b)) F(c−a,c−b;1+m;w).
fn connection(a: f64, b: f64, c: f64, m: f64, w: f64) -> Result<(SignedLog, f64)> {
    let g = |x: f64| ln_gamma_signed(x);
    let (lc, sc) = g(c);
    let first = {
        let (lm, sm) = g(m);
        let (lca, sca) = g(c - a);
        let (lcb, scb) = g(c - b);
        if sca == 0.0 || scb == 0.0 {
            SignedLog::ZERO
        } else {
            let f = gauss_series(a, b, 1.0 - m, w)?;
            SignedLog {
                ln: lc + lm - lca - lcb + f.ln,
                sign: sc * sm * sca * scb * f.sign,
            }
        }
    };
    let second = {
        let (lm, sm) = g(-m);
        let (la, sa) = g(a);
        let (lb, sb) = g(b);
        if sa == 0.0 || sb == 0.0 {
            SignedLog::ZERO
        } else {
            let f = gauss_series(c - a, c - b, 1.0 + m, w)?;
            SignedLog {
                ln: m * w.ln() + lc + lm - la - lb + f.ln,
                sign: sc * sm * sa * sb * f.sign,
            }
        }
    };
    combine(first, second)
}

/// The sum of two parts with the cancellation it suffered (ln of largest part / |sum|);
/// refused beyond [`MAX_CANCELLATION`].
fn combine(p: SignedLog, q: SignedLog) -> Result<(SignedLog, f64)> {
    let s = p.add(q);
    let big = p.ln.max(q.ln);
    if s.sign == 0.0 || (big - s.ln) > MAX_CANCELLATION.ln() {
        return Err(Error::NonConvergence {
            what: "hyp2f1 connection formula",
            iterations: 0,
            detail: "the two parts cancel".to_owned(),
        });
    }
    Ok((s, big - s.ln))
}

/// Abramowitz & Stegun 15.3.10–12: c − a − b = k, an integer; w = 1 − z.
fn integer_gap(a: f64, b: f64, c: f64, k: f64, w: f64) -> Result<(SignedLog, f64)> {
    let (lc, sc) = ln_gamma_signed(c);
    let lw = w.ln();
    if k >= 0.0 {
        // F = Γ(k)Γ(c)/(Γ(a+k)Γ(b+k)) Σ_{n<k} (a)ₙ(b)ₙ/(n!(1−k)ₙ) wⁿ
        //   − (−1)^k w^k Γ(c)/(Γ(a)Γ(b)) Σₙ (a+k)ₙ(b+k)ₙ/(n!(n+k)!) wⁿ
        //       [ln w − ψ(n+1) − ψ(n+k+1) + ψ(a+n+k) + ψ(b+n+k)].
        let finite = finite_part(a, b, k, w, ln_gamma(k.max(1.0)), a + k, b + k, lc, sc)?;
        let (la, sa) = ln_gamma_signed(a);
        let (lb, sb) = ln_gamma_signed(b);
        let log_part = log_series(a + k, b + k, k, w, lw)?;
        let parity = if (k as i64) % 2 == 0 { 1.0 } else { -1.0 };
        let second = SignedLog {
            ln: k * lw + lc - la - lb - ln_gamma(k + 1.0) + log_part.ln,
            sign: -parity * sc * sa * sb * log_part.sign,
        };
        combine(finite, second)
    } else {
        // m = −k: F = Γ(m)Γ(c)/(Γ(a)Γ(b)) w^{−m} Σ_{n<m} (a−m)ₙ(b−m)ₙ/(n!(1−m)ₙ) wⁿ
        //   − (−1)^m Γ(c)/(Γ(a−m)Γ(b−m)) Σₙ (a)ₙ(b)ₙ/(n!(n+m)!) wⁿ
        //       [ln w − ψ(n+1) − ψ(n+m+1) + ψ(a+n) + ψ(b+n)].
        let m = -k;
        let mut finite = finite_part(a - m, b - m, m, w, ln_gamma(m), a, b, lc, sc)?;
        finite.ln -= m * lw;
        let (la, sa) = ln_gamma_signed(a - m);
        let (lb, sb) = ln_gamma_signed(b - m);
        let second = if sa == 0.0 || sb == 0.0 {
            SignedLog::ZERO
        } else {
            let log_part = log_series(a, b, m, w, lw)?;
            let parity = if (m as i64) % 2 == 0 { 1.0 } else { -1.0 };
            SignedLog {
                ln: lc - la - lb - ln_gamma(m + 1.0) + log_part.ln,
                sign: -parity * sc * sa * sb * log_part.sign,
            }
        };
        combine(finite, second)
    }
}

/// Γ(k)Γ(c)/(Γ(g1)Γ(g2)) Σ_{n<k} (p)ₙ(q)ₙ/(n!(1−k)ₙ) wⁿ; zero for k = 0.
#[allow(clippy::too_many_arguments)]
fn finite_part(
    p: f64,
    q: f64,
    k: f64,
    w: f64,
    ln_gamma_k: f64,
    g1: f64,
    g2: f64,
    lc: f64,
    sc: f64,
) -> Result<SignedLog> {
    if k < 1.0 {
        return Ok(SignedLog::ZERO);
    }
    // A gap c − a − b that is a huge whole number (1e95 is one in f64) would otherwise
    // make this loop run for ever: the work is capped like every series here.
    if k > MAX_TERMS as f64 {
        return Err(Error::NonConvergence {
            what: "hyp2f1 integer case",
            iterations: 0,
            detail: format!("finite sum of {k:e} terms exceeds the cap of {MAX_TERMS}"),
        });
    }
    let (l1, s1) = ln_gamma_signed(g1);
    let (l2, s2) = ln_gamma_signed(g2);
    if s1 == 0.0 || s2 == 0.0 {
        return Ok(SignedLog::ZERO);
    }
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut n = 0.0;
    while n + 1.0 < k {
        term *= (p + n) * (q + n) / ((n + 1.0) * (1.0 - k + n)) * w;
        sum += term;
        n += 1.0;
    }
    if !sum.is_finite() {
        return Err(Error::NonConvergence {
            what: "hyp2f1 integer case",
            iterations: n as usize,
            detail: "finite sum overflowed".to_owned(),
        });
    }
    Ok(SignedLog {
        ln: ln_gamma_k + lc - l1 - l2 + sum.abs().ln(),
        sign: sc * s1 * s2 * sum.signum(),
    })
}

/// k! Σₙ (p)ₙ(q)ₙ/(n!(n+k)!) wⁿ [ln w − ψ(n+1) − ψ(n+k+1) + ψ(p+n) + ψ(q+n)].
fn log_series(p: f64, q: f64, k: f64, w: f64, lw: f64) -> Result<SignedLog> {
    // The digamma values advance by ψ(x + 1) = ψ(x) + 1/x.
    let mut psi = [digamma(1.0), digamma(k + 1.0), digamma(p), digamma(q)];
    let mut at = 0usize;
    let weight = move |n: usize| {
        while at < n {
            let x = at as f64;
            psi[0] += 1.0 / (x + 1.0);
            psi[1] += 1.0 / (x + k + 1.0);
            psi[2] += 1.0 / (p + x);
            psi[3] += 1.0 / (q + x);
            at += 1;
        }
        lw - psi[0] - psi[1] + psi[2] + psi[3]
    };
    sum_series(
        |n| (p + n) * (q + n) / ((n + 1.0) * (n + k + 1.0)) * w,
        weight,
        settled(&[p, q]),
        "hyp2f1 logarithmic series",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn elementary_closed_forms() {
        // 2F1(1,1;2;z) = −ln(1−z)/z.
        for z in [0.1_f64, 0.5, 0.95, 0.999_999, -0.5, -20.0] {
            let exact = -(-z).ln_1p() / z;
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), exact, 1e-12), "z = {z}");
        }
        // 2F1(a,b;b;z) = (1−z)^{−a}.
        for z in [0.3, 0.97] {
            assert!(close(
                hyp2f1(2.5, 1.7, 1.7, z).unwrap(),
                (1.0 - z).powf(-2.5),
                1e-12
            ));
        }
        // Terminating: 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let (b, c, z) = (3.0, 5.0, 0.99);
        let exact = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!(close(hyp2f1(-2.0, b, c, z).unwrap(), exact, 1e-13));
    }

    #[test]
    fn matches_mpmath_table() {
        let table = include_str!("../../tests/data/hyp2f1.csv");
        let mut worst = (0.0_f64, String::new());
        let mut failures = Vec::new();
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            let v: Vec<f64> = fields[..4].iter().map(|s| s.parse().unwrap()).collect();
            let (a, b, c, z) = (v[0], v[1], v[2], v[3]);
            // Values may exceed f64 (e.g. 1.7e+2007): read mantissa and exponent apart.
            let (mantissa, exponent) = match fields[4].split_once(['e', 'E']) {
                Some((m, e)) => (m.parse::<f64>().unwrap(), e.parse::<f64>().unwrap()),
                None => (fields[4].parse::<f64>().unwrap(), 0.0),
            };
            let exact_ln = mantissa.abs().ln() + exponent * std::f64::consts::LN_10;
            let exact = mantissa;
            match ln_hyp2f1(a, b, c, z) {
                Ok(got) => {
                    // Compare in log space: values span 1e-300..1e300.
                    let err = (got.ln - exact_ln).abs();
                    if err > worst.0 {
                        worst = (err, line.to_owned());
                    }
                    // Within 1e-8 of an integer c − a − b the logarithmic limit is used,
                    // whose error is of the order of that distance.
                    let m = c - a - b;
                    let tol = if (m - m.round()).abs() < 1e-8 { 1e-8 } else { 1e-9 };
                    if err > tol || (got.sign > 0.0) != (exact > 0.0) {
                        failures.push(format!("{line}: got {:e}", got.value()));
                    }
                }
                Err(e) => failures.push(format!("{line}: {e}")),
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(worst.0 < 1e-8, "{worst:?}");
    }

    #[test]
    fn bad_arguments_are_errors_not_nan() {
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_err());
        assert!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5).is_err());
        assert!(hyp2f1(1.0, 1.0, 2.0, f64::INFINITY).is_err());
    }
}
