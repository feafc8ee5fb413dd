//! Numerical building blocks for the models: log-gamma, digamma and log-beta (from
//! `statrs`), a signed log-gamma for negative arguments, log-sum-exp (two-term and
//! signed), tanh-sinh quadrature on (0, 1), the Gauss
//! hypergeometric function 2F1, a small quasi-Newton minimiser, first and mixed second
//! differences of log-gammas without cancellation (`gamma_diff.rs`: the crate's one
//! `ln Γ(z + s) − ln Γ(z)`, and beta-function ratios), and sums of up to 2³² smooth
//! unimodal terms in sublinear time (`unimodal_sum.rs`), a memo of a pure `f64`
//! function for batch passes whose arguments repeat (`memo.rs`) and an index of the
//! distinct `(x, T)` pairs they group customers by (`pair_index.rs`).
//!
//! Everything here is `pub(crate)`: the models expose probabilities and expectations, not
//! special functions. Nothing here panics or returns NaN for finite input in its domain; a
//! series that does not converge is [`Error::NonConvergence`](crate::Error::NonConvergence).

mod gamma_diff;
mod hyp2f1;
mod memo;
mod minimize;
mod pair_index;
mod quad;
mod unimodal_sum;

pub(crate) use gamma_diff::{ln_gamma_diff2, ln_gamma_diff2_per_s};
pub(crate) use hyp2f1::ln_hyp2f1;
pub(crate) use memo::Memo;
pub(crate) use minimize::{Objective, invert_spd, minimize, minimize_from};
pub(crate) use pair_index::PairIndex;
pub(crate) use quad::integrate_unit;
pub(crate) use unimodal_sum::{LogTerms, ln_sum_unimodal};

/// `ln Γ(x)` for `x > 0` (Lanczos approximation, statrs).
#[inline]
pub(crate) fn ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

/// Digamma `ψ(x)` (statrs; reflection for negative non-integers).
#[inline]
pub(crate) fn digamma(x: f64) -> f64 {
    statrs::function::gamma::digamma(x)
}

/// `ln B(a, b)` for `a, b > 0`.
#[inline]
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `sin(π x)` with the argument reduced first, so that large `x` and integers are exact.
fn sin_pi(x: f64) -> f64 {
    let r = x.rem_euclid(2.0);
    if r.fract() == 0.0 {
        return 0.0;
    }
    (std::f64::consts::PI * r).sin()
}

/// `(ln |Γ(x)|, sign Γ(x))` for any real `x`; at the poles (0, −1, −2, …) the sign is 0 and
/// the log is +∞, so that `sign · exp(−ln)` is the correct reciprocal `1/Γ(x) = 0`.
pub(crate) fn ln_gamma_signed(x: f64) -> (f64, f64) {
    if x > 0.0 {
        return (ln_gamma(x), 1.0);
    }
    let s = sin_pi(x);
    if s == 0.0 {
        return (f64::INFINITY, 0.0);
    }
    // Reflection: Γ(x) Γ(1 − x) = π / sin(π x), with 1 − x > 1.
    let ln = std::f64::consts::PI.ln() - s.abs().ln() - ln_gamma(1.0 - x);
    (ln, s.signum())
}

/// `ln(e^a + e^b)` without overflow; `-∞` terms are neutral.
#[inline]
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// A signed number `sign · e^ln` (sign in {−1, 0, 1}) for sums whose terms overflow `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SignedLog {
    /// `ln |value|` (−∞ for zero).
    pub ln: f64,
    /// −1, 0 or 1.
    pub sign: f64,
}

impl SignedLog {
    pub(crate) const ZERO: SignedLog = SignedLog {
        ln: f64::NEG_INFINITY,
        sign: 0.0,
    };

    /// The sum of two signed logs.
    pub(crate) fn add(self, other: SignedLog) -> SignedLog {
        if self.sign == 0.0 {
            return other;
        }
        if other.sign == 0.0 {
            return self;
        }
        let (hi, lo) = if self.ln >= other.ln {
            (self, other)
        } else {
            (other, self)
        };
        let d = (lo.ln - hi.ln).exp();
        if (hi.sign > 0.0) == (lo.sign > 0.0) {
            SignedLog {
                ln: hi.ln + d.ln_1p(),
                sign: hi.sign,
            }
        } else if d >= 1.0 {
            SignedLog::ZERO
        } else {
            SignedLog {
                ln: hi.ln + (-d).ln_1p(),
                sign: hi.sign,
            }
        }
    }

    /// The value as `f64` (may overflow to ±∞ for huge values).
    #[cfg(test)]
    pub(crate) fn value(self) -> f64 {
        if self.sign == 0.0 {
            0.0
        } else {
            self.sign * self.ln.exp()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_add_exp_matches_direct_and_survives_overflow() {
        let direct = (1.0f64.exp() + 2.0f64.exp()).ln();
        assert!((log_add_exp(1.0, 2.0) - direct).abs() < 1e-14);
        assert!((log_add_exp(1000.0, 1000.0) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert!((log_add_exp(f64::NEG_INFINITY, 1.5) - 1.5).abs() < 1e-15);
        assert!(log_add_exp(f64::NEG_INFINITY, f64::NEG_INFINITY).is_infinite());
    }

    #[test]
    fn signed_gamma_matches_known_values() {
        // Γ(−0.5) = −2√π, Γ(−1.5) = 4√π/3.
        let (l, s) = ln_gamma_signed(-0.5);
        assert!((s * l.exp() + 2.0 * std::f64::consts::PI.sqrt()).abs() < 1e-12);
        let (l, s) = ln_gamma_signed(-1.5);
        assert!((s * l.exp() - 4.0 * std::f64::consts::PI.sqrt() / 3.0).abs() < 1e-12);
        assert!(ln_gamma_signed(-3.0).1.abs() < f64::EPSILON);
        assert!((ln_gamma_signed(5.0).0 - 24f64.ln()).abs() < 1e-13);
    }

    #[test]
    fn signed_log_sums() {
        let a = SignedLog {
            ln: 2f64.ln(),
            sign: 1.0,
        };
        let b = SignedLog {
            ln: 3f64.ln(),
            sign: -1.0,
        };
        assert!((a.add(b).value() + 1.0).abs() < 1e-14);
        assert!((a.add(a).value() - 4.0).abs() < 1e-14);
        assert!(a.add(SignedLog { ln: a.ln, sign: -1.0 }).value().abs() < 1e-14);
    }
}
