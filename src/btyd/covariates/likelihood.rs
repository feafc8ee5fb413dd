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

    fn check<M: Base>(z: &[f64], options: &CovariateOptions) {
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
        let lik = CovariateLikelihood::<M>::new(d.groups().unwrap(), layout);
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
