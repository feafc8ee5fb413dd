//! What BG/NBD and MBG/NBD share: the beta-geometric/NBD likelihood over weighted rows
//! with its analytic gradient, the fit from the two starts, and the limiting models of
//! their parameters `r, α, a, b`.
//!
//! The two models differ in one place: MBG/NBD lets a customer drop out right after the
//! first purchase too, which shifts the dropout beta by one (`b + x + 1` for `b + x`) and
//! keeps the "dropped out after the last purchase" term at `x = 0`. The likelihood takes
//! that as a const parameter (`MODIFIED`), so each model gets its own monomorphised loop
//! computing exactly the expressions it computed before the two were merged.
//!
//! Must not: hold predictions (each model's own file does) or anything of the covariate
//! models beyond the likelihood they reuse.

use super::data::WeightedSummaries;
use super::fit::{FitOptions, FitReport, Likelihood, Limit, fit_with_fallback, paired_limit};
use crate::error::Result;
use crate::special::{digamma, ln_beta, ln_gamma, log_add_exp};

/// The beta-geometric/NBD likelihood over weighted rows sorted by `x`: the `x`-only terms
/// (gammas, betas, digammas) are computed once per distinct `x`. `MODIFIED = false` is
/// BG/NBD (Fader, Hardie & Lee 2005, eq. 6), `true` MBG/NBD (Batislam, Denizel &
/// Filiztekin 2007, eq. 6).
pub(super) struct BetaGeometricLikelihood<'a, const MODIFIED: bool> {
    pub(super) data: &'a WeightedSummaries,
}

impl<const MODIFIED: bool> Likelihood for BetaGeometricLikelihood<'_, MODIFIED> {
    fn limiting_model(moves: &[(usize, Limit)]) -> Option<&'static str> {
        beta_geometric_limit(moves)
    }

    // MBG/NBD's names are BG/NBD's.
    const NAMES: &'static [&'static str] = &super::BgNbd::PARAMETER_NAMES;

    fn total_weight(&self) -> f64 {
        self.data.total_weight()
    }

    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let &[r, alpha, a, b] = theta else {
            return f64::NAN;
        };
        grad.iter_mut().for_each(|g| *g = 0.0);
        if !theta.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let ln_alpha = alpha.ln();
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let (lb_ab, psi_ab, psi_b) = (ln_beta(a, b), digamma(a + b), digamma(b));
        let ln_a = a.ln();
        let (mut ll, mut gr, mut gal, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut cur_x = f64::NAN;
        // `bx1` is the `b + x − 1` of BG/NBD's P(dropout) ratio a/(b + x − 1), `b + x` for
        // MBG/NBD.
        let (mut common, mut dc, mut ln_ratio, mut bx1) = (0.0, [0.0; 4], 0.0, 0.0);
        for (x, tx, t, w) in self.data.rows() {
            if x.to_bits() != cur_x.to_bits() {
                cur_x = x;
                // The posterior dropout beta's second parameter: b + x, or b + x + 1.
                let b_post = if MODIFIED { b + x + 1.0 } else { b + x };
                let psi_abx = digamma(if MODIFIED { a + b + x + 1.0 } else { a + b + x });
                common = ln_gamma(r + x) - lg_r + r * ln_alpha + ln_beta(a, b_post) - lb_ab;
                dc = [
                    digamma(r + x) - psi_r + ln_alpha,
                    r / alpha,
                    psi_ab - psi_abx,
                    digamma(b_post) - psi_abx - psi_b + psi_ab,
                ];
                bx1 = if MODIFIED { b + x } else { b + x - 1.0 };
                ln_ratio = ln_a - bx1.ln();
            }
            let rx = r + x;
            // BG/NBD has no drop-out term before the first repeat purchase.
            let dropout_term = MODIFIED || x > 0.0;
            let (l_t, l_tx) = if dropout_term {
                ((alpha + t).ln(), (alpha + tx).ln())
            } else {
                ((alpha + t).ln(), 0.0)
            };
            let d1 = -rx * l_t;
            let (u, w2) = if dropout_term {
                let d2 = ln_ratio - rx * l_tx;
                let u = log_add_exp(d1, d2);
                (u, (d2 - u).exp())
            } else {
                (d1, 0.0)
            };
            let w1 = 1.0 - w2;
            ll += w * (common + u);
            gr += w * (dc[0] - w1 * l_t - w2 * l_tx);
            gal += w * (dc[1] - rx * (w1 / (alpha + t) + w2 / (alpha + tx)));
            ga += w * (dc[2] + w2 / a);
            if dropout_term {
                gb += w * (dc[3] - w2 / bx1);
            } else {
                gb += w * dc[3];
            }
        }
        grad.copy_from_slice(&[gr, gal, ga, gb]);
        ll
    }
}

/// The BG/NBD (`MODIFIED = false`) or MBG/NBD fit: checks that the data can identify four
/// parameters, then fits from `r = 1`, `α` = Σ T / Σ x, `a = b = 1`, falling back to
/// `(0.5, α, 0.5, 2)`; `build` makes the model from the estimates (the data's unit set).
pub(super) fn fit_beta_geometric<const MODIFIED: bool, M>(
    data: &WeightedSummaries,
    options: &FitOptions,
    label: &'static str,
    build: impl Fn(&[f64]) -> Result<M>,
) -> Result<FitReport<M>> {
    data.check_identifiable(label, BetaGeometricLikelihood::<MODIFIED>::NAMES.len())?;
    let lik = BetaGeometricLikelihood::<MODIFIED> { data };
    let alpha0 = data.pooled_alpha_start();
    fit_with_fallback(
        &lik,
        &[1.0, alpha0, 1.0, 1.0],
        &[0.5, alpha0, 0.5, 2.0],
        options,
        data.len(),
        build,
    )
}

/// The limiting models of the beta-geometric family's parameters `r, α, a, b` (BG/NBD and
/// MBG/NBD share them).
pub(super) fn beta_geometric_limit(moves: &[(usize, Limit)]) -> Option<&'static str> {
    paired_limit(
        moves,
        "Poisson purchasing at one rate for all (lambda = r / alpha)",
        "one dropout probability for all (p = a / (a + b))",
        "no dropout: the NBD model",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient_matches_finite_differences<const MODIFIED: bool>(theta: [f64; 4]) {
        let data = WeightedSummaries::from_rows(
            &[0.0, 1.0, 3.0, 0.0, 2.0, 26.0, 1.0],
            &[0.0, 10.0, 30.0, 0.0, 12.0, 30.857, 2.0],
            &[40.0, 40.0, 40.0, 38.0, 39.0, 31.0, 41.0],
        )
        .unwrap();
        let lik = BetaGeometricLikelihood::<MODIFIED> { data: &data };
        let mut g = [0.0; 4];
        lik.ll_grad(&theta, &mut g);
        for j in 0..4 {
            let h = 1e-6 * theta[j];
            let (mut tp, mut tm) = (theta, theta);
            tp[j] += h;
            tm[j] -= h;
            let mut scratch = [0.0; 4];
            let fd = (lik.ll_grad(&tp, &mut scratch) - lik.ll_grad(&tm, &mut scratch)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-6 * fd.abs().max(1.0),
                "MODIFIED = {MODIFIED}, param {j}: fd {fd}, analytic {}",
                g[j]
            );
        }
    }

    #[test]
    fn bg_nbd_gradient_matches_finite_differences() {
        gradient_matches_finite_differences::<false>([0.3, 4.2, 0.8, 2.6]);
    }

    #[test]
    fn mbg_nbd_gradient_matches_finite_differences() {
        gradient_matches_finite_differences::<true>([0.5, 6.2, 0.9, 1.6]);
    }
}
