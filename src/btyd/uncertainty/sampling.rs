//! Parameter sampling: `ln θ ~ N(ln θ̂, Σ)` with a seeded generator, and percentile
//! intervals of a prediction over the draws.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use super::engine::percentile_intervals;
use super::{IntervalLevel, IntervalMethod, Intervals, LogCovariance, Parametric, Prediction};
use crate::error::{Error, Result};

/// `draws` models with `ln θ ~ N(ln θ̂, Σ)` around `model`'s parameters, from a PCG
/// generator (`rand_pcg::Pcg64Mcg`, portable and reproducible across platforms) seeded by
/// `seed`. A draw whose parameters do not make a model (a value overflowing to ∞) is left
/// out, so the result may be shorter than `draws`.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `cov` does not have the model's parameter count;
/// [`Error::InvalidParameter`] for `draws = 0` or a covariance without a Cholesky factor.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{LogCovariance, sample_parameters};
/// use customer_value::btyd::GammaGamma;
///
/// let m = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let names = ["p", "q", "gamma"].map(String::from).to_vec();
/// let ln = vec![6.25_f64.ln(), 3.74_f64.ln(), 15.44_f64.ln()];
/// let cov = LogCovariance::from_parts(names, ln, vec![0.01, 0.0, 0.0, 0.0, 0.01, 0.0, 0.0, 0.0, 0.01])?;
/// let a = sample_parameters(&m, &cov, 100, 42)?;
/// let b = sample_parameters(&m, &cov, 100, 42)?;
/// assert_eq!(a, b); // same seed, same draws
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn sample_parameters<M: Parametric>(
    model: &M,
    cov: &LogCovariance,
    draws: usize,
    seed: u64,
) -> Result<Vec<M>> {
    let u: Vec<f64> = model.values().iter().map(|v| v.ln()).collect();
    let k = u.len();
    if cov.len() != k {
        return Err(Error::LengthMismatch {
            left: "covariance",
            left_len: cov.len(),
            right: "model parameters",
            right_len: k,
        });
    }
    if draws == 0 {
        return Err(Error::param("draws", 0, "must be at least 1"));
    }
    let l = cov.cholesky()?;
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut z = vec![0.0; k];
    let mut theta = vec![0.0; k];
    let mut out = Vec::with_capacity(draws);
    for _ in 0..draws {
        for zi in &mut z {
            *zi = StandardNormal.sample(&mut rng);
        }
        for (i, (t, ui)) in theta.iter_mut().zip(&u).enumerate() {
            let row = l.get(i * k..(i + 1) * k).unwrap_or(&[]);
            let shift: f64 = row.iter().zip(&z).map(|(a, b)| a * b).sum();
            *t = (ui + shift).exp();
        }
        if let Ok(m) = model.with_values(&theta) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Percentile intervals of `pred` over `draws` parameter draws
/// ([`sample_parameters`]), the point being the fitted `model`'s prediction. For CLV,
/// sample the pair `(purchase, spend)` with [`LogCovariance::joint`].
///
/// # Errors
///
/// As [`sample_parameters`]; [`Error::Undefined`] if the prediction fails for every draw
/// on some block of outputs; the point prediction's errors.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{
///     CustomerRows, IntervalLevel, LogCovariance, ProbabilityAlive, sampling_intervals,
/// };
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let (x, tx, t) = (
///     [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// );
/// let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
/// let options = FitOptions::default().with_penalty(0.01)?;
/// let fit = BgNbd::fit(&data, &options)?;
/// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
/// let rows = CustomerRows::new(&x, &tx, &t)?;
/// let pred = ProbabilityAlive::new(&rows);
/// let level = IntervalLevel::new(0.8)?;
/// let iv = sampling_intervals(&fit.model, &cov, &pred, level, 300, 11)?;
/// assert_eq!(iv.draws, 300);
/// assert!(iv.lower.iter().chain(&iv.upper).all(|p| (0.0..=1.0).contains(p)));
/// // The seed fixes the draws.
/// assert_eq!(iv, sampling_intervals(&fit.model, &cov, &pred, level, 300, 11)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn sampling_intervals<M: Parametric, P: Prediction<M> + ?Sized>(
    model: &M,
    cov: &LogCovariance,
    pred: &P,
    level: IntervalLevel,
    draws: usize,
    seed: u64,
) -> Result<Intervals> {
    let models = sample_parameters(model, cov, draws, seed)?;
    let excluded = draws - models.len();
    percentile_intervals(model, &models, excluded, pred, level, IntervalMethod::Sampling)
}
