//! The covariate log-likelihood and its analytic gradient: per group of customers sharing
//! a covariate row, the model's own likelihood at the group's parameters, chained to the
//! baseline parameters (log scale) and the coefficients.

use super::base::Prepared;
use super::base::private::Base;
use super::data::CovariateGroup;
use super::options::Layout;
use crate::special::Objective;

/// Distinct rows from which the groups are evaluated in parallel (feature `parallel`).
#[cfg(feature = "parallel")]
const PARALLEL_MIN_ROWS: usize = 20_000;

/// The groups with their model-specific precomputation, and the layout.
#[derive(Debug)]
pub(super) struct CovariateLikelihood<M: Base> {
    pub(super) model: std::marker::PhantomData<M>,
    pub(super) groups: Vec<(CovariateGroup, Prepared)>,
    pub(super) layout: Layout,
    /// Σ weights.
    pub(super) n: f64,
}

impl<M: Base> CovariateLikelihood<M> {
    pub(super) fn new(groups: Vec<CovariateGroup>, layout: Layout) -> Self {
        let n = groups.iter().map(|g| g.data.total_weight()).sum();
        let groups = groups
            .into_iter()
            .map(|g| {
                let p = M::prepare(&g.data);
                (g, p)
            })
            .collect();
        CovariateLikelihood {
            model: std::marker::PhantomData,
            groups,
            layout,
            n,
        }
    }

    /// Distinct `(x, t_x, T, covariates)` rows.
    pub(super) fn distinct_rows(&self) -> usize {
        self.groups.iter().map(|(g, _)| g.data.len()).sum()
    }

    /// Total log-likelihood at `z = (ln θ₀, γ)`, with its gradient in `z` into `grad`;
    /// NaN outside the domain.
    pub(super) fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (Some(ln0), Some(gamma)) = (z.first_chunk::<4>(), z.get(4..)) else {
            return f64::NAN;
        };
        if grad.len() != z.len() {
            return f64::NAN;
        }
        let theta0 = ln0.map(f64::exp);
        #[cfg(feature = "parallel")]
        if self.groups.len() > 1 && self.distinct_rows() >= PARALLEL_MIN_ROWS {
            use rayon::prelude::*;
            // Per-group terms in parallel, summed in group order (the same bits every run).
            let terms: Vec<(f64, Vec<f64>)> = self
                .groups
                .par_iter()
                .map(|(group, prep)| {
                    let mut g = vec![0.0; z.len()];
                    let l = self.group_term(&theta0, gamma, group, prep, &mut g);
                    (l, g)
                })
                .collect();
            let mut ll = 0.0;
            for (l, g) in terms {
                if !l.is_finite() {
                    return f64::NAN;
                }
                ll += l;
                for (a, b) in grad.iter_mut().zip(g) {
                    *a += b;
                }
            }
            return ll;
        }
        let mut ll = 0.0;
        for (group, prep) in &self.groups {
            let l = self.group_term(&theta0, gamma, group, prep, grad);
            if !l.is_finite() {
                return f64::NAN;
            }
            ll += l;
        }
        ll
    }

    /// One group's log-likelihood, its gradient in `z` added to `grad`.
    fn group_term(
        &self,
        theta0: &[f64; 4],
        gamma: &[f64],
        group: &CovariateGroup,
        prep: &Prepared,
        grad: &mut [f64],
    ) -> f64 {
        let mut g4 = [0.0; 4];
        let theta = self
            .layout
            .customer_theta(theta0, gamma, &group.purchase, &group.dropout);
        let l = M::ll_grad(prep, &group.data, &theta, &mut g4);
        if !l.is_finite() {
            return f64::NAN;
        }
        // ∂/∂ ln θ₀ₖ = θₖ ∂/∂θₖ, since θₖ is θ₀ₖ times a factor free of θ₀ₖ.
        let mut d = [0.0; 4];
        for ((dk, gk), tk) in d.iter_mut().zip(g4).zip(theta) {
            *dk = gk * tk;
        }
        for (gz, dk) in grad.iter_mut().zip(d) {
            *gz += dk;
        }
        for s in &self.layout.slots {
            let x = match s.process {
                super::base::Process::Purchase => group.purchase.get(s.column),
                super::base::Process::Dropout => group.dropout.get(s.column),
            };
            if let (Some(x), Some(dk), Some(gz)) = (x, d.get(s.base), grad.get_mut(4 + s.free)) {
                *gz += dk * s.sign * x;
            }
        }
        l
    }

    /// The Hessian of `−LL` in the natural-scale `u = (θ₀, γ)`, row-major, assembled from
    /// each group's 4 × 4 Hessian in its own parameters `θ_g` (central differences of the
    /// model's analytic gradient, 8 gradients a group whatever the number of
    /// coefficients) by the chain rule: with `θ_gk = θ₀ₖ exp(Σⱼ Cₖⱼ γⱼ)` (`Cₖⱼ` the sum of
    /// `sign · x` over the links of coefficient `j` to parameter `k`),
    /// `H = Σ_g Jᵀ H_θ J + Σₖ ∂ℓ/∂θ_gk ∂²θ_gk/∂u²`. `None` if a group's likelihood is not
    /// finite there.
    pub(super) fn neg_hessian(&self, u: &[f64]) -> Option<Vec<f64>> {
        let (Some(theta0), Some(gamma)) = (u.first_chunk::<4>(), u.get(4..)) else {
            return None;
        };
        let k = u.len();
        let kc = gamma.len();
        let mut h = vec![0.0; k * k];
        let mut c = vec![[0.0; 4]; kc];
        let mut jac = vec![[0.0; 4]; k];
        for (group, prep) in &self.groups {
            let theta = self
                .layout
                .customer_theta(theta0, gamma, &group.purchase, &group.dropout);
            let mut g = [0.0; 4];
            if !M::ll_grad(prep, &group.data, &theta, &mut g).is_finite() {
                return None;
            }
            // H_θ by central differences of the analytic gradient.
            let mut ht = [[0.0; 4]; 4];
            let (mut gp, mut gm) = ([0.0; 4], [0.0; 4]);
            for b in 0..4 {
                let tb = *theta.get(b)?;
                let step = 1e-4 * tb;
                let (mut tp, mut tm) = (theta, theta);
                *tp.get_mut(b)? = tb + step;
                *tm.get_mut(b)? = tb - step;
                let ok = M::ll_grad(prep, &group.data, &tp, &mut gp).is_finite()
                    && M::ll_grad(prep, &group.data, &tm, &mut gm).is_finite();
                if !ok {
                    return None;
                }
                for (row, (p, m)) in ht.iter_mut().zip(gp.iter().zip(&gm)) {
                    *row.get_mut(b)? = (p - m) / (2.0 * step);
                }
            }
            // C (coefficient × parameter) of this group.
            c.iter_mut().for_each(|r| *r = [0.0; 4]);
            for s in &self.layout.slots {
                let x = match s.process {
                    super::base::Process::Purchase => group.purchase.get(s.column),
                    super::base::Process::Dropout => group.dropout.get(s.column),
                };
                if let (Some(x), Some(cj)) = (x, c.get_mut(s.free)) {
                    *cj.get_mut(s.base)? += s.sign * x;
                }
            }
            // J: ∂θ_gk/∂u_i, one row per u_i.
            for (i, row) in jac.iter_mut().enumerate() {
                *row = [0.0; 4];
                if i < 4 {
                    *row.get_mut(i)? = theta.get(i)? / theta0.get(i)?;
                } else {
                    let cj = c.get(i - 4)?;
                    for ((r, t), cc) in row.iter_mut().zip(theta).zip(cj) {
                        *r = t * cc;
                    }
                }
            }
            for i in 0..k {
                let ji = jac.get(i)?;
                // (H_θ J)ᵀ row i: Σ_b H_θ[a][b] J[i][b].
                let hj: [f64; 4] = std::array::from_fn(|a| {
                    ht.get(a)
                        .map(|r| r.iter().zip(ji).map(|(x, y)| x * y).sum())
                        .unwrap_or(0.0)
                });
                for j in 0..k {
                    let jj = jac.get(j)?;
                    let mut v: f64 = hj.iter().zip(jj).map(|(x, y)| x * y).sum();
                    // Σₖ gₖ ∂²θₖ/∂uᵢ∂uⱼ (θ is linear in θ₀ₖ, exponential in γ).
                    for kk in 0..4 {
                        let (gk, tk, t0k) = (*g.get(kk)?, *theta.get(kk)?, *theta0.get(kk)?);
                        let ci = if i >= 4 {
                            c.get(i - 4)?.get(kk).copied()?
                        } else {
                            0.0
                        };
                        let cj = if j >= 4 {
                            c.get(j - 4)?.get(kk).copied()?
                        } else {
                            0.0
                        };
                        v += gk
                            * match (i < 4, j < 4) {
                                (true, true) => 0.0,
                                (true, false) if i == kk => tk / t0k * cj,
                                (false, true) if j == kk => tk / t0k * ci,
                                (false, false) => tk * ci * cj,
                                _ => 0.0,
                            };
                    }
                    *h.get_mut(i * k + j)? -= v;
                }
            }
        }
        Some(h)
    }

    /// The L2 term `Σ λⱼ γⱼ²` at `z`.
    pub(super) fn penalty(&self, z: &[f64]) -> f64 {
        let gamma = z.get(4..).unwrap_or(&[]);
        gamma
            .iter()
            .zip(&self.layout.lambda)
            .map(|(g, l)| l * g * g)
            .sum()
    }
}

/// The objective the optimiser minimises: `−LL/N + Σ λ γ²` in `z`.
pub(super) struct Penalised<'a, M: Base>(pub(super) &'a CovariateLikelihood<M>);

impl<M: Base> Objective for Penalised<'_, M> {
    fn value_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        let lik = self.0;
        let ll = lik.ll_grad(z, grad);
        if !ll.is_finite() {
            return f64::INFINITY;
        }
        for g in grad.iter_mut() {
            *g = -*g / lik.n;
        }
        let gamma = z.get(4..).unwrap_or(&[]);
        for ((g, gm), l) in grad.iter_mut().skip(4).zip(gamma).zip(&lik.layout.lambda) {
            *g += 2.0 * l * gm;
        }
        let f = -ll / lik.n + lik.penalty(z);
        if f.is_finite() { f } else { f64::INFINITY }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CovariateData, CovariateMatrix, CovariateOptions};
    use super::*;
    use crate::btyd::{BgNbd, MbgNbd, ParetoNbd};

    fn data() -> CovariateData {
        let x = [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 7.0, 2.0];
        let tx = [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 39.0, 20.5];
        let t = [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 33.0];
        let c1 = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5];
        let c2 = [0.3, -1.0, 2.0, 0.0, 1.5, 0.2, -0.7, 1.1, 0.0, 0.4];
        let p = CovariateMatrix::from_columns(10, &[("c1", &c1), ("c2", &c2)]).unwrap();
        let d = CovariateMatrix::from_columns(10, &[("c2", &c2), ("c1", &c1)]).unwrap();
        CovariateData::new(&x, &tx, &t, p, d).unwrap()
    }

    /// The test data's likelihood under `options` (no penalty).
    fn likelihood<M: Base>(options: &CovariateOptions) -> CovariateLikelihood<M> {
        let d = data();
        let layout = Layout::new(
            M::LINKS,
            d.purchase().names(),
            d.dropout().names(),
            &options.constrained,
            options.shared_dropout,
            (0.0, 0.0),
        )
        .unwrap();
        CovariateLikelihood::<M>::new(d.groups().unwrap(), layout)
    }

    fn check<M: Base>(z: &[f64], options: &CovariateOptions) {
        let lik = likelihood::<M>(options);
        assert_eq!(4 + lik.layout.names.len(), z.len(), "{:?}", lik.layout.names);
        let mut g = vec![0.0; z.len()];
        let ll = lik.ll_grad(z, &mut g);
        assert!(ll.is_finite());
        let mut scratch = vec![0.0; z.len()];
        for j in 0..z.len() {
            let h = 1e-6;
            let (mut zp, mut zm) = (z.to_vec(), z.to_vec());
            zp[j] += h;
            zm[j] -= h;
            let fd = (lik.ll_grad(&zp, &mut scratch) - lik.ll_grad(&zm, &mut scratch)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-6 * (1.0 + fd.abs()),
                "{j}: {fd} vs {}",
                g[j]
            );
        }
    }

    /// The assembled Hessian against central differences of the whole gradient in
    /// `(θ₀, γ)`.
    fn check_hessian<M: Base>(u: &[f64], options: &CovariateOptions) {
        let lik = likelihood::<M>(options);
        let k = u.len();
        let h = lik.neg_hessian(u).unwrap();
        let grad_u = |u: &[f64]| {
            let z: Vec<f64> = u
                .iter()
                .enumerate()
                .map(|(i, v)| if i < 4 { v.ln() } else { *v })
                .collect();
            let mut g = vec![0.0; k];
            lik.ll_grad(&z, &mut g);
            g.iter()
                .zip(u)
                .enumerate()
                .map(|(i, (g, v))| if i < 4 { -g / v } else { -g })
                .collect::<Vec<f64>>()
        };
        for j in 0..k {
            let step = 1e-5 * u[j].abs().max(0.1);
            let (mut up, mut um) = (u.to_vec(), u.to_vec());
            up[j] += step;
            um[j] -= step;
            let (gp, gm) = (grad_u(&up), grad_u(&um));
            for i in 0..k {
                let fd = (gp[i] - gm[i]) / (2.0 * step);
                let scale = (h[i * k + i] * h[j * k + j]).abs().sqrt().max(1e-3);
                assert!(
                    (fd - h[i * k + j]).abs() < 1e-5 * scale,
                    "({i}, {j}): {fd} vs {}",
                    h[i * k + j]
                );
            }
        }
    }

    #[test]
    fn assembled_hessian_matches_finite_differences() {
        check_hessian::<ParetoNbd>(
            &[0.6, 8.0, 0.7, 11.0, 0.3, -0.2, 0.4, 0.1],
            &CovariateOptions::default(),
        );
        let bg = [0.6, 8.0, 0.8, 2.5, 0.3, -0.2, 0.4, 0.1, -0.3, 0.25];
        check_hessian::<BgNbd>(&bg, &CovariateOptions::default());
        check_hessian::<MbgNbd>(&bg, &CovariateOptions::default());
        check_hessian::<BgNbd>(
            &[0.6, 8.0, 0.8, 2.5, 0.3, -0.2, 0.4],
            &CovariateOptions::default()
                .with_shared_dropout()
                .with_constraint("c1"),
        );
    }

    #[test]
    fn gradients_match_finite_differences() {
        let base = [0.6f64.ln(), 8.0f64.ln(), 0.7f64.ln(), 11.0f64.ln()];
        let mut z = base.to_vec();
        z.extend([0.3, -0.2, 0.4, 0.1]);
        check::<ParetoNbd>(&z, &CovariateOptions::default());
        // s past the scaled switch (s ≥ 5).
        let mut zs = vec![0.6f64.ln(), 8.0f64.ln(), 7.0f64.ln(), 90.0f64.ln()];
        zs.extend([0.3, -0.2, 0.4, 0.1]);
        check::<ParetoNbd>(&zs, &CovariateOptions::default());
        let mut z = vec![0.6f64.ln(), 8.0f64.ln(), 0.8f64.ln(), 2.5f64.ln()];
        z.extend([0.3, -0.2, 0.4, 0.1, -0.3, 0.25]);
        check::<BgNbd>(&z, &CovariateOptions::default());
        check::<MbgNbd>(&z, &CovariateOptions::default());
        // Shared dropout vector and a constraint: fewer free coefficients.
        let mut z = vec![0.6f64.ln(), 8.0f64.ln(), 0.8f64.ln(), 2.5f64.ln()];
        z.extend([0.3, -0.2, 0.4]);
        check::<BgNbd>(
            &z,
            &CovariateOptions::default()
                .with_shared_dropout()
                .with_constraint("c1"),
        );
    }
}
