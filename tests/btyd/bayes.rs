//! NUTS fits (`btyd::bayes`, feature `bayes`) on CDNOW: flat-prior posteriors against the
//! maximum-likelihood fit, default-prior posteriors, reproducibility, MAP.

use customer_value::btyd::bayes::{
    BayesOptions, PosteriorWarning, Priors, fit_bayes, map_estimate, posterior_predictions,
};
use customer_value::btyd::uncertainty::{
    CustomerRows, Estimable, IntervalLevel, LogCovariance, ProbabilityAlive,
};
use customer_value::btyd::{BgNbd, FitOptions, ParetoNbd, WeightedSummaries};
use rand::SeedableRng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};

fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        x.push(f[1]);
        tx.push(f[2]);
        t.push(f[3]);
    }
    (x, tx, t)
}

fn data() -> WeightedSummaries {
    let (x, tx, t) = cdnow();
    WeightedSummaries::from_rows(&x, &tx, &t).unwrap()
}

/// The flat-prior posterior is the normalised likelihood: where the likelihood is close to
/// normal its mean is the MLE up to MC error and a small skewness term, its sd the
/// Hessian SE to 10 %. `normal` lists those parameters (BG/NBD's `a, b` are not: see
/// `bg_nbd_flat_prior_posterior_matches_importance_sampling`).
fn check_against_mle(
    names: &[&str],
    mle: &[f64],
    se: &[f64],
    post: &customer_value::btyd::bayes::Posterior,
    normal: &[usize],
) {
    assert!(post.warnings.is_empty(), "{:?}", post.warnings);
    eprintln!(
        "gradient evaluations {}, step sizes {:?}",
        post.gradient_evaluations, post.step_sizes
    );
    for (i, s) in post.summary.iter().enumerate() {
        assert!(s.r_hat < 1.01 && s.ess_bulk > 400.0);
        if !normal.contains(&i) {
            continue;
        }
        eprintln!(
            "{}: mean {:.6} (MLE {:.6}, mcse {:.6}), sd {:.6} (SE {:.6}), r_hat {:.4}, ess_bulk {:.0}, ess_tail {:.0}",
            names[i], s.mean, mle[i], s.mcse_mean, s.sd, se[i], s.r_hat, s.ess_bulk, s.ess_tail
        );
        // Mean within 4 MC standard errors plus 0.15 SE of skewness bias.
        assert!(
            (s.mean - mle[i]).abs() < 4.0 * s.mcse_mean + 0.15 * se[i],
            "{}",
            names[i]
        );
        assert!(
            (s.sd / se[i] - 1.0).abs() < 0.10,
            "{}: sd {} vs SE {}",
            names[i],
            s.sd,
            se[i]
        );
    }
}

#[test]
fn bg_nbd_flat_prior_posterior_matches_the_mle() {
    let d = data();
    let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
    let post = fit_bayes::<BgNbd>(&d, &Priors::flat(4), &BayesOptions::default()).unwrap();
    check_against_mle(
        &["r", "alpha", "a", "b"],
        &fit.estimates,
        fit.standard_errors.as_ref().unwrap(),
        &post.posterior,
        &[0, 1],
    );
    assert_eq!(post.posterior.draws.len(), 4);
    assert_eq!(post.posterior.draws[0].len(), 1000);
    assert!((post.model.r() - post.posterior.summary[0].mean).abs() < 1e-15);
    // An independent sampler of the same posterior: self-normalised importance sampling
    // from a multivariate t (5 degrees of freedom, 1.5 × the Hessian's scale) on ln θ.
    let cov = LogCovariance::of_fit(&fit, &d, &FitOptions::default()).unwrap();
    let (is_mean, is_sd, is_ess) = importance_sampling::<BgNbd>(&d, &cov, 40_000);
    for (i, s) in post.posterior.summary.iter().enumerate() {
        let se = (s.mcse_mean.powi(2) + (is_sd[i] * is_sd[i] / is_ess)).sqrt();
        eprintln!(
            "{}: NUTS mean {:.5} sd {:.5}; importance sampling mean {:.5} sd {:.5} (ESS {:.0})",
            s.name, s.mean, s.sd, is_mean[i], is_sd[i], is_ess
        );
        assert!((s.mean - is_mean[i]).abs() < 4.0 * se, "{}", s.name);
        assert!((s.sd / is_sd[i] - 1.0).abs() < 0.1, "{}", s.name);
    }
}

/// Posterior means, sds and the ESS of flat-prior importance sampling.
fn importance_sampling<M: Estimable>(
    data: &M::Data,
    cov: &LogCovariance,
    n: usize,
) -> (Vec<f64>, Vec<f64>, f64) {
    let k = cov.len();
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = cov.at(i, j) * 2.25;
            for m in 0..j {
                s -= l[i * k + m] * l[j * k + m];
            }
            l[i * k + j] = if i == j { s.sqrt() } else { s / l[j * k + j] };
        }
    }
    let lik = M::log_likelihood(data);
    let nu = 5.0;
    let chi = ChiSquared::new(nu).unwrap();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(77);
    let (mut logw, mut draws) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut g = vec![0.0; k];
    for _ in 0..n {
        let z: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
        let w: f64 = chi.sample(&mut rng);
        let scale = (nu / w).sqrt();
        let u: Vec<f64> = (0..k)
            .map(|i| cov.log_estimates()[i] + scale * (0..=i).map(|j| l[i * k + j] * z[j]).sum::<f64>())
            .collect();
        let delta: f64 = z.iter().map(|v| v * v).sum::<f64>() * nu / w;
        let log_q = -(nu + k as f64) / 2.0 * (1.0 + delta / nu).ln();
        let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        let lp = lik.value_gradient(&theta, &mut g) + u.iter().sum::<f64>();
        if lp.is_finite() {
            logw.push(lp - log_q);
            draws.push(theta);
        }
    }
    let max = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logw.iter().map(|v| (v - max).exp()).collect();
    let sw: f64 = w.iter().sum();
    let ess = sw * sw / w.iter().map(|v| v * v).sum::<f64>();
    let mean: Vec<f64> = (0..k)
        .map(|i| w.iter().zip(&draws).map(|(w, d)| w * d[i]).sum::<f64>() / sw)
        .collect();
    let sd: Vec<f64> = (0..k)
        .map(|i| {
            (w.iter()
                .zip(&draws)
                .map(|(w, d)| w * (d[i] - mean[i]).powi(2))
                .sum::<f64>()
                / sw)
                .sqrt()
        })
        .collect();
    (mean, sd, ess)
}

/// Pareto/NBD on CDNOW is nearly flat along s, β → ∞ (s/β fixed): a flat prior leaves the
/// posterior improper in that direction, so it is sampled with pymc-marketing's default
/// priors (Weibull(2, 10) on β keeps it proper); r and α are pinned by the data.
#[test]
fn pareto_nbd_default_prior_posterior_is_near_the_mle() {
    let d = data();
    let fit = ParetoNbd::fit(&d, &FitOptions::default()).unwrap();
    let opts = BayesOptions::default().with_draws(500, 500).unwrap().with_seed(1);
    let post = fit_bayes::<ParetoNbd>(&d, &Priors::pareto_nbd(), &opts).unwrap();
    let se = fit.standard_errors.as_ref().unwrap();
    assert!(
        post.posterior.warnings.is_empty(),
        "{:?}",
        post.posterior.warnings
    );
    for (i, s) in post.posterior.summary.iter().enumerate().take(2) {
        eprintln!(
            "pnbd {}: mean {:.5} sd {:.5} (MLE {:.5} SE {:.5})",
            s.name, s.mean, s.sd, fit.estimates[i], se[i]
        );
        assert!((s.mean - fit.estimates[i]).abs() < 0.5 * se[i]);
        assert!((s.sd / se[i] - 1.0).abs() < 0.15);
    }
}

#[test]
fn default_priors_sample_cleanly_and_are_reproducible() {
    let d = data();
    let opts = BayesOptions::default().with_draws(500, 500).unwrap().with_seed(9);
    let a = fit_bayes::<BgNbd>(&d, &Priors::bg_nbd(), &opts).unwrap();
    let b = fit_bayes::<BgNbd>(&d, &Priors::bg_nbd(), &opts).unwrap();
    assert_eq!(a, b);
    for s in &a.posterior.summary {
        eprintln!(
            "default prior {}: mean {:.6} sd {:.6} q05 {:.6} q95 {:.6} r_hat {:.4} ess {:.0}",
            s.name, s.mean, s.sd, s.q05, s.q95, s.r_hat, s.ess_bulk
        );
    }
    assert!(a.posterior.divergences == 0, "{:?}", a.posterior.warnings);
    // 2,357 customers dominate these weak priors: posterior means within 1.5 SE of the MLE.
    let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
    let se = fit.standard_errors.unwrap();
    for ((s, m), se) in a.posterior.summary.iter().zip(&fit.estimates).zip(&se) {
        assert!((s.mean - m).abs() < 1.5 * se, "{}", s.name);
    }
    let (x, tx, t) = cdnow();
    let rows = CustomerRows::new(&x[..100], &tx[..100], &t[..100]).unwrap();
    let models = a.draw_models().unwrap();
    assert_eq!(models.len(), 2000);
    let p = posterior_predictions(
        &models,
        &ProbabilityAlive::new(&rows),
        IntervalLevel::new(0.9).unwrap(),
    )
    .unwrap();
    assert_eq!(p.mean.len(), 100);
    assert!(
        p.lower
            .iter()
            .zip(&p.mean)
            .zip(&p.upper)
            .all(|((l, m), u)| l <= m && m <= u)
    );
}

#[test]
fn map_with_flat_priors_is_the_mle() {
    let d = data();
    let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
    let start = BgNbd::new(1.0, 10.0, 1.0, 1.0).unwrap();
    let map = map_estimate(&start, &d, &Priors::flat(4)).unwrap();
    for (m, e) in [map.r(), map.alpha(), map.a(), map.b()]
        .iter()
        .zip(&fit.estimates)
    {
        assert!((m - e).abs() < 1e-4 * e, "{m} vs {e}");
    }
    let with_prior = map_estimate(&start, &d, &Priors::bg_nbd()).unwrap();
    assert!((with_prior.r() - fit.estimates[0]).abs() < 0.05);
}

/// Sample kurtosis `m₄ / m₂²` of the pooled draws of parameter `j`.
fn kurtosis(post: &customer_value::btyd::bayes::Posterior, j: usize) -> f64 {
    let v: Vec<f64> = post.pooled().map(|d| d[j]).collect();
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let m2 = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let m4 = v.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
    m4 / (m2 * m2)
}

/// pymc-marketing 1.3's `BetaGeoModel` with its default priors, NUTS 4 × (1,000 + 1,000)
/// on CDNOW (`tests/reference/pymc_bgnbd_cdnow.py`, output in `pymc_bgnbd_cdnow.json`),
/// against ours with the same priors and settings.
///
/// Means: within 3 combined MC standard errors, `√(mcse_ours² + mcse_pymc²)`, ours from
/// our ESS, theirs from the JSON. Standard deviations: the MC standard error of a sample
/// sd of `n_eff` effective draws is `sd·√((κ − 1) / (4 n_eff))` (κ the kurtosis, 3 for a
/// normal: `sd/√(2 n_eff)`); the two sds agree within 3 combined such errors, κ from our
/// draws (the same posterior), n_eff the bulk ESS of each. At most 0.1 % divergent draws
/// and no R-hat warning.
///
/// Open discrepancy (`default_prior_posterior_matches_pymc_marketing_seeds`, which fails
/// at seed 3): in seeds 0–3 our a and b means sit 1.6–2.8 and 2.1–3.1 combined SEs above
/// pymc's (b: 2.409, 2.418, 2.405, 2.424; pymc 2.366 ± 0.014) and our sd of b is larger in
/// every seed. Our seeds agree with one another, so this is not our MC noise: pymc's single
/// run (seed 42) under-samples b's heavy tail (kurtosis 6–24) or the tails differ (the κ
/// prior's parametrisation is to be checked). Seed 0 passes; no seed was picked for it.
#[test]
fn default_prior_posterior_matches_pymc_marketing() {
    pymc_comparison(0);
}

/// The same comparison for seeds 0–4 (each a separate 4-chain fit); run with
/// `cargo test --release --features bayes,parallel --test btyd pymc_marketing_seeds -- --ignored --nocapture`.
#[test]
#[ignore = "five NUTS fits: run on demand"]
fn default_prior_posterior_matches_pymc_marketing_seeds() {
    for seed in 0..5 {
        eprintln!("seed {seed}");
        pymc_comparison(seed);
    }
}

fn pymc_comparison(seed: u64) {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/pymc_bgnbd_cdnow.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let d = data();
    let fit = fit_bayes::<BgNbd>(&d, &Priors::bg_nbd(), &BayesOptions::default().with_seed(seed)).unwrap();
    let post = &fit.posterior;
    // No R-hat warning; divergences at most 0.1 % of the 4,000 draws: a lone divergence in
    // b's heavy tail (kurtosis 6–24 across seeds) happens by chance (seed 3: one), more
    // would mean a biased sampler.
    for w in &post.warnings {
        match w {
            PosteriorWarning::Divergences { count } if *count <= 4 => {}
            other => panic!("seed {seed}: {other:?}"),
        }
    }
    for (j, s) in post.summary.iter().enumerate() {
        let p = &reference["parameters"][s.name.as_str()];
        let f = |k: &str| p[k].as_f64().unwrap();
        let (mean, sd, mcse, ess) = (f("mean"), f("sd"), f("mcse_mean"), f("ess_bulk"));
        let mean_se = (s.mcse_mean.powi(2) + mcse.powi(2)).sqrt();
        let kappa = kurtosis(post, j);
        let sd_se = ((kappa - 1.0) / 4.0 * (s.sd.powi(2) / s.ess_bulk + sd.powi(2) / ess)).sqrt();
        eprintln!(
            "{}: ours mean {:.5} sd {:.5} (mcse {:.5}, ess {:.0}); pymc mean {:.5} sd {:.5} (mcse {:.5}, ess {:.0}); mean diff {:.2} SE, sd diff {:.2} SE (kurtosis {:.2})",
            s.name,
            s.mean,
            s.sd,
            s.mcse_mean,
            s.ess_bulk,
            mean,
            sd,
            mcse,
            ess,
            (s.mean - mean) / mean_se,
            (s.sd - sd) / sd_se,
            kappa
        );
        assert!((s.mean - mean).abs() < 3.0 * mean_se, "{} mean", s.name);
        assert!((s.sd - sd).abs() < 3.0 * sd_se, "{} sd", s.name);
    }
}

/// Fader & Hardie (2007) Table 1, years 0–7 of 1,000 customers: (regular, high end).
fn sbg_cohorts() -> [customer_value::btyd::uncertainty::SbgCohort; 2] {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sbg_retention.csv"
    ))
    .unwrap();
    let (mut regular, mut high) = (vec![], vec![]);
    for line in text.lines().skip(1).take(8) {
        let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        regular.push((f[1] * 10.0).round() as u64);
        high.push((f[2] * 10.0).round() as u64);
    }
    [regular, high].map(|s| customer_value::btyd::uncertainty::SbgCohort::from_survivors(&s).unwrap())
}

/// The flat-prior sBG posterior by brute force: its mean and sd of (α, β) from a
/// 301 × 301 grid on (ln α, ln β) over ±8 log-scale standard errors around the MLE (the
/// density `L(α, β)` times the Jacobian `αβ`). An independent reference for NUTS.
fn sbg_grid_posterior(
    cohort: &customer_value::btyd::uncertainty::SbgCohort,
    mle: [f64; 2],
    se: [f64; 2],
) -> ([f64; 2], [f64; 2]) {
    use customer_value::retention::ShiftedBetaGeometric;
    let n = 301;
    let half = [0, 1].map(|j| 8.0 * se[j] / mle[j]);
    let mut pts = Vec::with_capacity(n * n);
    for i in 0..n {
        for k in 0..n {
            let u = [
                mle[0].ln() + half[0] * (2.0 * i as f64 / (n - 1) as f64 - 1.0),
                mle[1].ln() + half[1] * (2.0 * k as f64 / (n - 1) as f64 - 1.0),
            ];
            let (a, b) = (u[0].exp(), u[1].exp());
            let ll = ShiftedBetaGeometric::new(a, b)
                .unwrap()
                .log_likelihood(cohort.lost(), cohort.still_active());
            pts.push((a, b, ll + u[0] + u[1]));
        }
    }
    let max = pts.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = pts.iter().map(|p| (p.2 - max).exp()).collect();
    let sw: f64 = w.iter().sum();
    let m = [0, 1].map(|j| {
        pts.iter()
            .zip(&w)
            .map(|(p, w)| w * if j == 0 { p.0 } else { p.1 })
            .sum::<f64>()
            / sw
    });
    let sd = [0, 1].map(|j| {
        (pts.iter()
            .zip(&w)
            .map(|(p, w)| w * ((if j == 0 { p.0 } else { p.1 }) - m[j]).powi(2))
            .sum::<f64>()
            / sw)
            .sqrt()
    });
    (m, sd)
}

/// sBG by NUTS on Fader & Hardie's two segments: with flat priors the posterior mean is
/// the MLE up to MC error and the posterior's own skew (measured by the grid: 0.3 SE for
/// the regular segment's α, 0.724 against the MLE 0.704; 0.7 SE for the high end's α), and
/// equals the brute-force posterior mean within 4 MC standard errors; the sd
/// equals the grid's within 3 MC standard errors of a sd (`sd·√((κ−1)/(4 ESS))`, κ ≤ 6 on
/// these posteriors). The default priors (pymc-marketing's) sample cleanly.
#[test]
fn sbg_flat_prior_posterior_matches_the_mle() {
    use customer_value::btyd::uncertainty::Estimable;
    use customer_value::retention::ShiftedBetaGeometric;
    for (name, cohort) in ["regular", "high end"].into_iter().zip(sbg_cohorts()) {
        let fit = ShiftedBetaGeometric::fit_data(&cohort, &FitOptions::default()).unwrap();
        let se = fit.standard_errors.clone().unwrap();
        let (mle, se) = ([fit.estimates[0], fit.estimates[1]], [se[0], se[1]]);
        let (grid_mean, grid_sd) = sbg_grid_posterior(&cohort, mle, se);
        let post =
            fit_bayes::<ShiftedBetaGeometric>(&cohort, &Priors::flat(2), &BayesOptions::default()).unwrap();
        assert!(
            post.posterior.warnings.is_empty(),
            "{name}: {:?}",
            post.posterior.warnings
        );
        for (j, s) in post.posterior.summary.iter().enumerate() {
            let kappa = 6.0;
            let sd_se = s.sd * ((kappa - 1.0) / (4.0 * s.ess_bulk)).sqrt();
            eprintln!(
                "sBG {name} {}: NUTS mean {:.5} sd {:.5} (mcse {:.5}, ess {:.0}); grid mean {:.5} sd {:.5}; MLE {:.5} SE {:.5}",
                s.name, s.mean, s.sd, s.mcse_mean, s.ess_bulk, grid_mean[j], grid_sd[j], mle[j], se[j]
            );
            // The skew term, measured by the grid rather than assumed (at most 0.7 SE here).
            let skew = (grid_mean[j] - mle[j]).abs();
            assert!(skew < se[j], "{name} {}: skew", s.name);
            assert!(
                (s.mean - mle[j]).abs() < 4.0 * s.mcse_mean + skew,
                "{name} {}",
                s.name
            );
            assert!(
                (s.mean - grid_mean[j]).abs() < 4.0 * s.mcse_mean,
                "{name} {}",
                s.name
            );
            assert!((s.sd - grid_sd[j]).abs() < 3.0 * sd_se, "{name} {} sd", s.name);
        }
        let map = map_estimate(
            &ShiftedBetaGeometric::new(1.0, 1.0).unwrap(),
            &cohort,
            &Priors::flat(2),
        )
        .unwrap();
        assert!((map.alpha() - mle[0]).abs() < 1e-4 * mle[0] && (map.beta() - mle[1]).abs() < 1e-4 * mle[1]);
        let default = fit_bayes::<ShiftedBetaGeometric>(
            &cohort,
            &Priors::sbg(),
            &BayesOptions::default().with_draws(500, 500).unwrap(),
        )
        .unwrap();
        assert!(
            default.posterior.warnings.is_empty(),
            "{name}: {:?}",
            default.posterior.warnings
        );
        assert!((default.model.alpha() - mle[0]).abs() < se[0]);
    }
}

/// Simulation-based calibration (Talts et al. 2018) of one sBG replicate: θ from the prior
/// (α ~ LogNormal(0, 0.5), β ~ LogNormal(ln 2, 0.5)), a cohort of `customers` simulated
/// over `periods` (churn probability p ~ Beta(α, β) per customer, geometric lifetimes),
/// NUTS with the same prior (2 chains × (300 + 200), every 4th draw kept: 100 draws), and
/// the rank of the true α and β among the kept draws (0–100).
fn sbc_sbg_replicate(seed: u64, customers: usize, periods: usize) -> [usize; 2] {
    use customer_value::btyd::bayes::{ParameterPrior, sample_from};
    use customer_value::btyd::uncertainty::SbgCohort;
    use customer_value::retention::ShiftedBetaGeometric;
    use rand::Rng;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let (mu, sigma) = ([0.0, 2f64.ln()], 0.5);
    let truth: [f64; 2] = [0, 1].map(|j| {
        let z: f64 = StandardNormal.sample(&mut rng);
        (mu[j] + sigma * z).exp()
    });
    let beta_dist = rand_distr::Beta::new(truth[0], truth[1]).unwrap();
    let mut lost = vec![0u64; periods];
    let mut active = 0;
    for _ in 0..customers {
        let p: f64 = beta_dist.sample(&mut rng);
        match (0..periods).find(|_| rng.random::<f64>() < p) {
            Some(t) => lost[t] += 1,
            None => active += 1,
        }
    }
    let cohort = SbgCohort::new(lost, active).unwrap();
    let priors = Priors::independent(
        mu.iter()
            .map(|&mu| ParameterPrior::LogNormal { mu, sigma })
            .collect(),
    );
    let options = BayesOptions::default()
        .with_chains(2)
        .unwrap()
        .with_draws(300, 200)
        .unwrap()
        .with_seed(seed);
    let start = ShiftedBetaGeometric::new(1.0, 2.0).unwrap();
    let fit = sample_from(&start, &cohort, &priors, &options).unwrap();
    [0, 1].map(|j| {
        fit.posterior
            .draws
            .iter()
            .flat_map(|c| c.iter().step_by(4))
            .filter(|d| d[j] < truth[j])
            .count()
    })
}

/// Pearson's chi-square statistic of ranks 0..=100 pooled into `bins` equal bins.
fn rank_chi_square(ranks: &[usize], bins: usize) -> f64 {
    let mut counts = vec![0.0; bins];
    for &r in ranks {
        counts[(r * bins / 101).min(bins - 1)] += 1.0;
    }
    // Ranks 0..=100 into `bins` bins of 101/bins values: expected counts by bin width.
    let expected: Vec<f64> = (0..bins)
        .map(|b| {
            (0..=100).filter(|&r| (r * bins / 101).min(bins - 1) == b).count() as f64 / 101.0
                * ranks.len() as f64
        })
        .collect();
    counts
        .iter()
        .zip(&expected)
        .map(|(o, e)| (o - e).powi(2) / e)
        .sum()
}

fn sbc_sbg(replicates: usize, customers: usize, periods: usize, bins: usize, critical: f64) {
    let ranks: Vec<[usize; 2]> = (0..replicates as u64)
        .map(|s| sbc_sbg_replicate(1000 + s, customers, periods))
        .collect();
    for (j, name) in ["alpha", "beta"].into_iter().enumerate() {
        let r: Vec<usize> = ranks.iter().map(|r| r[j]).collect();
        let chi = rank_chi_square(&r, bins);
        eprintln!(
            "SBC sBG {name}: {replicates} replicates, chi-square {chi:.2} on {} df (critical {critical})",
            bins - 1
        );
        assert!(chi < critical, "{name}: ranks not uniform, chi-square {chi}");
    }
}

/// Fast SBC: 100 replicates of 200 customers over 5 periods; ranks in 10 bins, uniform by
/// Pearson's chi-square at level 0.01 (9 df: critical value 21.67).
#[test]
fn sbc_sbg_ranks_are_uniform() {
    sbc_sbg(100, 200, 5, 10, 21.666);
}

/// Full SBC: 1,000 replicates of 500 customers over 8 periods; 20 bins, chi-square at level
/// 0.01 (19 df: critical value 36.19). Run with
/// `cargo test --release --features bayes,parallel --test btyd sbc_sbg_full -- --ignored --nocapture`.
#[test]
#[ignore = "1,000 NUTS fits: run on demand (see doc comment)"]
fn sbc_sbg_full() {
    sbc_sbg(1000, 500, 8, 20, 36.191);
}

/// Simulation-based calibration of one BG/NBD replicate: θ from the prior (independent
/// log-normals, sd 0.3 on the log scale, around r = 0.5, α = 5, a = 0.8, b = 2.5), a data
/// set of `customers` simulated from the BG/NBD process (λ ~ Gamma(r, α), p ~ Beta(a, b);
/// Poisson purchases, after each repeat purchase inactive with probability p; observed over
/// T ~ Uniform(20, 40)), NUTS with the same prior (2 chains × (300 + 200), every 4th draw
/// kept: 100 draws), and the ranks of the true r, α, a, b among the kept draws (0–100).
fn sbc_bgnbd_replicate(seed: u64, customers: usize) -> [usize; 4] {
    use customer_value::btyd::bayes::{ParameterPrior, sample_from};
    use rand::Rng;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let (mu, sigma) = ([0.5f64.ln(), 5f64.ln(), 0.8f64.ln(), 2.5f64.ln()], 0.3);
    let truth: [f64; 4] = std::array::from_fn(|j| {
        let z: f64 = StandardNormal.sample(&mut rng);
        (mu[j] + sigma * z).exp()
    });
    let rate = rand_distr::Gamma::new(truth[0], 1.0 / truth[1]).unwrap();
    let dropout = rand_distr::Beta::new(truth[2], truth[3]).unwrap();
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for _ in 0..customers {
        let (lambda, p): (f64, f64) = (rate.sample(&mut rng), dropout.sample(&mut rng));
        let age = rng.random_range(20.0..40.0);
        let (mut n, mut last, mut now) = (0.0, 0.0, 0.0);
        loop {
            now += rand_distr::Exp::new(lambda.max(1e-300)).unwrap().sample(&mut rng);
            if now > age {
                break;
            }
            n += 1.0;
            last = now;
            if rng.random::<f64>() < p {
                break;
            }
        }
        x.push(n);
        tx.push(last);
        t.push(age);
    }
    let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    let priors = Priors::independent(
        mu.iter()
            .map(|&mu| ParameterPrior::LogNormal { mu, sigma })
            .collect(),
    );
    let options = BayesOptions::default()
        .with_chains(2)
        .unwrap()
        .with_draws(300, 200)
        .unwrap()
        .with_seed(seed);
    let start = BgNbd::new(0.5, 5.0, 0.8, 2.5).unwrap();
    let fit = sample_from(&start, &data, &priors, &options).unwrap();
    std::array::from_fn(|j| {
        fit.posterior
            .draws
            .iter()
            .flat_map(|c| c.iter().step_by(4))
            .filter(|d| d[j] < truth[j])
            .count()
    })
}

fn sbc_bgnbd(replicates: usize, customers: usize, bins: usize, critical: f64) {
    let ranks: Vec<[usize; 4]> = (0..replicates as u64)
        .map(|s| sbc_bgnbd_replicate(2000 + s, customers))
        .collect();
    for (j, name) in ["r", "alpha", "a", "b"].into_iter().enumerate() {
        let r: Vec<usize> = ranks.iter().map(|r| r[j]).collect();
        let chi = rank_chi_square(&r, bins);
        eprintln!(
            "SBC BG/NBD {name}: {replicates} replicates, chi-square {chi:.2} on {} df (critical {critical})",
            bins - 1
        );
        assert!(chi < critical, "{name}: ranks not uniform, chi-square {chi}");
    }
}

/// Fast SBC of BG/NBD: 100 replicates of 200 customers; ranks in 10 bins, uniform by
/// Pearson's chi-square at level 0.01 (9 df: critical value 21.67) for each parameter.
#[test]
fn sbc_bg_nbd_ranks_are_uniform() {
    sbc_bgnbd(100, 200, 10, 21.666);
}

/// Full SBC of BG/NBD: 1,000 replicates of 500 customers; 20 bins, chi-square at level
/// 0.01 (19 df: critical value 36.19). Run with
/// `cargo test --release --features bayes,parallel --test btyd sbc_bg_nbd_full -- --ignored --nocapture`.
#[test]
#[ignore = "1,000 NUTS fits: run on demand (see doc comment)"]
fn sbc_bg_nbd_full() {
    sbc_bgnbd(1000, 500, 20, 36.191);
}
