//! Convergence diagnostics of several chains of one scalar: rank-normalised split R-hat,
//! bulk and tail effective sample sizes (Vehtari, Gelman, Simpson, Carpenter & Bürkner
//! 2021, "Rank-normalization, folding, and localization", *Bayesian Analysis*), as ArviZ
//! and Stan compute them.

/// Each chain cut into halves.
fn split(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let half = c.len() / 2;
        // An odd draw in the middle is dropped (as ArviZ does).
        if let (Some(a), Some(b)) = (c.get(..half), c.get(c.len() - half..)) {
            out.push(a.to_vec());
            out.push(b.to_vec());
        }
    }
    out
}

/// Normal scores of the pooled ranks (average ranks for ties), `Φ⁻¹((r − 3/8)/(S + 1/4))`.
fn rank_normalise(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut all: Vec<(f64, usize, usize)> = Vec::new();
    for (c, chain) in chains.iter().enumerate() {
        for (i, &v) in chain.iter().enumerate() {
            all.push((v, c, i));
        }
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let s = all.len() as f64;
    let mut out: Vec<Vec<f64>> = chains.iter().map(|c| vec![0.0; c.len()]).collect();
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while all
            .get(j + 1)
            .is_some_and(|n| n.0.total_cmp(&all.get(i).map_or(0.0, |x| x.0)).is_eq())
        {
            j += 1;
        }
        let rank = 0.5 * ((i + 1) + (j + 1)) as f64;
        let z = std::f64::consts::SQRT_2
            * statrs::function::erf::erf_inv(2.0 * (rank - 0.375) / (s + 0.25) - 1.0);
        for &(_, c, k) in all.get(i..=j).unwrap_or(&[]) {
            if let Some(slot) = out.get_mut(c).and_then(|ch| ch.get_mut(k)) {
                *slot = z;
            }
        }
        i = j + 1;
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn variance(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64
}

/// Classic R-hat of (already split) chains: `√(var⁺ / W)`.
fn rhat_basic(chains: &[Vec<f64>]) -> f64 {
    let n = chains.iter().map(Vec::len).min().unwrap_or(0) as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let w = mean(&chains.iter().map(|c| variance(c)).collect::<Vec<_>>());
    let b = n * variance(&means);
    let var_plus = (n - 1.0) / n * w + b / n;
    if w > 0.0 { (var_plus / w).sqrt() } else { f64::NAN }
}

/// Multi-chain effective sample size with Geyer's initial monotone sequence.
fn ess_basic(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains.iter().map(Vec::len).min().unwrap_or(0);
    if m == 0 || n < 4 {
        return f64::NAN;
    }
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let vars: Vec<f64> = chains.iter().map(|c| variance(c)).collect();
    let w = mean(&vars);
    let nf = n as f64;
    let var_plus = (nf - 1.0) / nf * w + if m > 1 { variance(&means) } else { 0.0 };
    if var_plus.is_nan() || var_plus <= 0.0 {
        return f64::NAN;
    }
    // Autocovariance at lag t, averaged over chains (biased estimator, as Stan).
    let acov = |t: usize| -> f64 {
        chains
            .iter()
            .zip(&means)
            .map(|(c, mu)| {
                let a = c.iter().take(n - t).zip(c.iter().skip(t));
                a.map(|(x, y)| (x - mu) * (y - mu)).sum::<f64>() / nf
            })
            .sum::<f64>()
            / m as f64
    };
    let rho = |t: usize| 1.0 - (w - acov(t)) / var_plus;
    let mut tau = -1.0;
    let mut prev_pair = f64::INFINITY;
    let mut t = 0;
    while t + 1 < n {
        let pair = rho(t) + rho(t + 1);
        if pair < 0.0 {
            break;
        }
        let pair = pair.min(prev_pair);
        tau += 2.0 * pair;
        prev_pair = pair;
        t += 2;
    }
    let s = (m * n) as f64;
    // Antithetic chains can give τ < 1; Stan caps the ESS at S log10 S.
    (s / tau.max(1.0 / s.log10())).min(s * s.log10())
}

/// Rank-normalised split R-hat: the larger of the bulk and the folded (tail) value.
pub(crate) fn rhat(chains: &[Vec<f64>]) -> f64 {
    let sp = split(chains);
    let bulk = rhat_basic(&rank_normalise(&sp));
    let pooled: Vec<f64> = sp.iter().flatten().copied().collect();
    let med = quantile(&pooled, 0.5);
    let folded: Vec<Vec<f64>> = sp
        .iter()
        .map(|c| c.iter().map(|x| (x - med).abs()).collect())
        .collect();
    let tail = rhat_basic(&rank_normalise(&folded));
    bulk.max(tail)
}

/// Bulk ESS: of the rank-normalised split chains.
pub(crate) fn ess_bulk(chains: &[Vec<f64>]) -> f64 {
    ess_basic(&rank_normalise(&split(chains)))
}

/// Tail ESS: the smaller ESS of the indicators of the 5 % and 95 % quantiles.
pub(crate) fn ess_tail(chains: &[Vec<f64>]) -> f64 {
    let sp = split(chains);
    let pooled: Vec<f64> = sp.iter().flatten().copied().collect();
    [0.05, 0.95]
        .iter()
        .map(|&p| {
            let q = quantile(&pooled, p);
            let ind: Vec<Vec<f64>> = sp
                .iter()
                .map(|c| c.iter().map(|x| if *x <= q { 1.0 } else { 0.0 }).collect())
                .collect();
            ess_basic(&ind)
        })
        .fold(f64::INFINITY, f64::min)
}

/// ESS of the mean (split chains, not rank-normalised): for the MC standard error.
pub(crate) fn ess_mean(chains: &[Vec<f64>]) -> f64 {
    ess_basic(&split(chains))
}

/// Type-7 quantile of unsorted values.
pub(crate) fn quantile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let k = (h.floor() as usize).min(n - 1);
    let lo = s.get(k).copied().unwrap_or(f64::NAN);
    let hi = s.get(k + 1).copied().unwrap_or(lo);
    lo + (h - k as f64) * (hi - lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    fn ar1(seed: u64, phi: f64, n: usize, shift: f64) -> Vec<f64> {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let mut x = 0.0;
        (0..n)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                x = phi * x + e;
                x + shift
            })
            .collect()
    }

    #[test]
    fn ess_of_an_ar1_process_matches_its_integrated_autocorrelation() {
        // AR(1) with φ: τ = (1 + φ)/(1 − φ); φ = 0.5 gives τ = 3, ESS ≈ S/3.
        let chains: Vec<Vec<f64>> = (0..4).map(|c| ar1(c, 0.5, 5000, 0.0)).collect();
        let ess = ess_bulk(&chains);
        assert!((ess / (20000.0 / 3.0) - 1.0).abs() < 0.1, "{ess}");
        let iid: Vec<Vec<f64>> = (0..4).map(|c| ar1(10 + c, 0.0, 1000, 0.0)).collect();
        assert!((ess_mean(&iid) / 4000.0 - 1.0).abs() < 0.1);
        assert!(ess_tail(&iid) > 2500.0);
        assert!(rhat(&iid) < 1.01);
    }

    #[test]
    fn rhat_flags_a_chain_elsewhere() {
        let mut chains: Vec<Vec<f64>> = (0..3).map(|c| ar1(c, 0.0, 1000, 0.0)).collect();
        chains.push(ar1(9, 0.0, 1000, 1.0));
        assert!(rhat(&chains) > 1.05);
    }
}
