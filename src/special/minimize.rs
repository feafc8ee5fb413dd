//! A small BFGS minimiser with a backtracking (Armijo) line search, for the models' 2–4
//! parameter likelihoods in log-parameter space.
//!
//! Why not `argmin`: these problems have at most four smooth parameters and an analytic
//! gradient; a dense 4×4 BFGS with a backtracking line search needs no allocation per
//! iteration and no trait plumbing, converges in 20–40 iterations on the CDNOW fits, and
//! its failure modes are ours to report as [`Error::NonConvergence`] with the last
//! gradient norm. The whole thing is ~150 lines, all of it tested through the fits.

use crate::error::{Error, Result};

/// A smooth function to minimise: value and gradient at `x` (unconstrained coordinates).
/// A non-finite value means "outside the domain"; the line search steps back from it.
pub(crate) trait Objective {
    /// Writes the gradient into `grad` (same length as `x`) and returns the value.
    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;
}

/// Where the minimiser stopped.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    /// The minimiser.
    pub x: Vec<f64>,
    /// The value there.
    pub value: f64,
    /// Largest absolute gradient component there.
    pub grad_norm: f64,
    /// BFGS iterations.
    pub iterations: usize,
}

/// Minimises `f` from `x0` until the largest gradient component is at most
/// `tol · max(1, |f|)`.
///
/// # Errors
///
/// [`Error::NonConvergence`] if the start is outside the domain, the line search cannot
/// decrease `f` while the gradient is still large, or `max_iter` is reached.
pub(crate) fn minimize(f: &dyn Objective, x0: &[f64], tol: f64, max_iter: usize) -> Result<Minimum> {
    minimize_from(f, x0, None, tol, max_iter)
}

/// [`minimize`] with `h0`, an inverse Hessian of `f` at `x0` (row-major, `n × n`), as
/// BFGS's first matrix in place of the identity scaled to the first step's curvature
/// (ignored if it has the wrong size).
pub(crate) fn minimize_from(
    f: &dyn Objective,
    x0: &[f64],
    h0: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
) -> Result<Minimum> {
    let n = x0.len();
    let h0 = h0.filter(|m| m.len() == n * n);
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = f.value_grad(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonConvergence {
            what: "maximum-likelihood fit",
            iterations: 0,
            detail: format!("the log-likelihood is not finite at the start {x0:?}"),
        });
    }
    // Inverse Hessian approximation, row-major.
    let mut h = h0.map_or_else(|| identity(n), <[f64]>::to_vec);
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut dir = vec![0.0; n];
    // Step, gradient change and H·y of the BFGS update, reused across iterations.
    let mut s = vec![0.0; n];
    let mut y = vec![0.0; n];
    let mut hy = vec![0.0; n];
    let inf_norm = |v: &[f64]| v.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
    let mut stalled = 0;
    for iter in 0..max_iter {
        let gn = inf_norm(&g);
        let target = tol * fx.abs().max(1.0);
        if gn <= target {
            return Ok(Minimum {
                x,
                value: fx,
                grad_norm: gn,
                iterations: iter,
            });
        }
        mat_vec(&h, &g, &mut dir);
        dir.iter_mut().for_each(|d| *d = -*d);
        let mut slope = dot(&dir, &g);
        if slope >= 0.0 || !slope.is_finite() {
            // Lost descent: restart from steepest descent.
            h = identity(n);
            for (d, gi) in dir.iter_mut().zip(&g) {
                *d = -gi;
            }
            slope = -g.iter().map(|v| v * v).sum::<f64>();
        }
        // Keep a first step from jumping more than a factor e^5 in any parameter.
        let longest = inf_norm(&dir);
        let mut step = if longest > 5.0 { 5.0 / longest } else { 1.0 };
        let mut f_new = f64::INFINITY;
        let mut accepted = false;
        for _ in 0..60 {
            for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&dir) {
                *xn = xi + step * di;
            }
            f_new = f.value_grad(&x_new, &mut g_new);
            if f_new.is_finite() && g_new.iter().all(|v| v.is_finite()) && f_new <= fx + 1e-4 * step * slope {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            // Rounding in f limits how far the gradient can fall; accept a near-stationary point.
            if gn <= 1e3 * target {
                return Ok(Minimum {
                    x,
                    value: fx,
                    grad_norm: gn,
                    iterations: iter,
                });
            }
            return Err(Error::NonConvergence {
                what: "maximum-likelihood fit",
                iterations: iter,
                detail: format!("line search failed; gradient norm {gn:e} at {x:?}"),
            });
        }
        difference(&x_new, &x, &mut s);
        difference(&g_new, &g, &mut y);
        let sy = dot(&s, &y);
        if sy
            > 1e-12
                * s.iter().map(|v| v * v).sum::<f64>().sqrt()
                * y.iter().map(|v| v * v).sum::<f64>().sqrt()
        {
            if iter == 0 && h0.is_none() {
                // Scale the initial inverse Hessian to the curvature seen (Nocedal & Wright 6.20).
                let yy: f64 = y.iter().map(|v| v * v).sum();
                h = identity(n);
                h.iter_mut().for_each(|v| *v *= sy / yy);
            }
            bfgs_update(&mut h, &s, &y, sy, &mut hy);
        }
        // Steps that no longer change f in the last digits: stationary to working precision.
        stalled = if fx - f_new <= 4.0 * f64::EPSILON * fx.abs() {
            stalled + 1
        } else {
            0
        };
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        fx = f_new;
        if stalled >= 3 && inf_norm(&g) <= 1e3 * target {
            return Ok(Minimum {
                grad_norm: inf_norm(&g),
                x,
                value: fx,
                iterations: iter + 1,
            });
        }
    }
    Err(Error::NonConvergence {
        what: "maximum-likelihood fit",
        iterations: max_iter,
        detail: format!("gradient norm {:e} at {x:?}", inf_norm(&g)),
    })
}

/// Σ aᵢ bᵢ, summed in index order.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `out ← a − b`, element by element.
fn difference(a: &[f64], b: &[f64], out: &mut [f64]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x - y;
    }
}

/// The rows of an `n`-column row-major matrix (none when `n = 0`, where the matrix is empty).
fn rows(m: &[f64], n: usize) -> std::slice::ChunksExact<'_, f64> {
    m.chunks_exact(n.max(1))
}

/// Mutable rows of an `n`-column row-major matrix, as [`rows`].
fn rows_mut(m: &mut [f64], n: usize) -> std::slice::ChunksExactMut<'_, f64> {
    m.chunks_exact_mut(n.max(1))
}

/// `out ← M v` for the row-major square matrix `M` of side `v.len()`.
fn mat_vec(m: &[f64], v: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(rows(m, v.len())) {
        *o = dot(row, v);
    }
}

/// Column `col` of an `n`-column row-major matrix, top to bottom.
fn column(m: &[f64], n: usize, col: usize) -> impl Iterator<Item = &f64> {
    m.iter().skip(col).step_by(n.max(1))
}

fn identity(n: usize) -> Vec<f64> {
    let mut h = vec![0.0; n * n];
    // The diagonal of an n × n row-major matrix is every (n + 1)-th entry from the first.
    h.iter_mut().step_by(n + 1).for_each(|v| *v = 1.0);
    h
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(yᵀs); `hy` is scratch of length n.
fn bfgs_update(h: &mut [f64], s: &[f64], y: &[f64], sy: f64, hy: &mut [f64]) {
    let n = s.len();
    let rho = 1.0 / sy;
    mat_vec(h, y, hy);
    let yhy = dot(y, hy);
    let ss_coef = rho * rho * yhy + rho;
    for ((row, &hy_i), &s_i) in rows_mut(h, n).zip(hy.iter()).zip(s) {
        for ((h_ij, &s_j), &hy_j) in row.iter_mut().zip(s).zip(hy.iter()) {
            *h_ij += -rho * (hy_i * s_j + s_i * hy_j) + ss_coef * s_i * s_j;
        }
    }
}

/// Inverse of a symmetric positive-definite matrix (row-major, `n × n`) by Cholesky; `None`
/// if it is not positive definite or `a` holds fewer than `n²` entries.
pub(crate) fn invert_spd(a: &[f64], n: usize) -> Option<Vec<f64>> {
    if n == 0 {
        return Some(Vec::new());
    }
    if a.len() < n * n {
        return None;
    }
    // L row by row (zeros above the diagonal), and its diagonal separately.
    let mut l: Vec<f64> = Vec::with_capacity(n * n);
    let mut diag: Vec<f64> = Vec::with_capacity(n);
    let mut row: Vec<f64> = Vec::with_capacity(n);
    for (i, a_row) in a.chunks_exact(n).take(n).enumerate() {
        // `row` holds L's row i up to column j − 1, so zipping with it sums over k < j.
        row.clear();
        for ((l_j, &l_jj), &a_ij) in l.chunks_exact(n).zip(&diag).zip(a_row) {
            let s = a_ij - dot(&row, l_j);
            row.push(s / l_jj);
        }
        let a_ii = *a_row.get(i)?;
        let s = a_ii - row.iter().map(|v| v * v).sum::<f64>();
        if s <= 0.0 || !s.is_finite() {
            return None;
        }
        let l_ii = s.sqrt();
        row.push(l_ii);
        diag.push(l_ii);
        row.resize(n, 0.0);
        l.extend_from_slice(&row);
    }
    // Solve L Lᵀ X = I column by column.
    let mut inv = vec![0.0; n * n];
    let mut y: Vec<f64> = Vec::with_capacity(n);
    // The solution column from the bottom up: `x_rev[m]` is entry n − 1 − m.
    let mut x_rev: Vec<f64> = Vec::with_capacity(n);
    for col in 0..n {
        // Forward: L y = e_col; `y` holds entries k < i, so zipping with it sums over them.
        y.clear();
        for (i, (l_i, &l_ii)) in l.chunks_exact(n).zip(&diag).enumerate() {
            let e = if i == col { 1.0 } else { 0.0 };
            let v = (e - dot(l_i, &y)) / l_ii;
            y.push(v);
        }
        // Backward: Lᵀ x = y, summing L[k][i] x[k] over k > i in increasing k.
        x_rev.clear();
        for (i, (&y_i, &l_ii)) in y.iter().zip(&diag).enumerate().rev() {
            let below = column(&l, n, i)
                .skip(i + 1)
                .zip(x_rev.iter().rev())
                .map(|(a, b)| a * b)
                .sum::<f64>();
            x_rev.push((y_i - below) / l_ii);
        }
        for (out, &v) in inv.iter_mut().skip(col).step_by(n).zip(x_rev.iter().rev()) {
            *out = v;
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rosenbrock;
    impl Objective for Rosenbrock {
        fn value_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        }
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let m = minimize(&Rosenbrock, &[-1.2, 1.0], 1e-10, 500).unwrap();
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }

    #[test]
    fn iteration_cap_is_an_error() {
        assert!(matches!(
            minimize(&Rosenbrock, &[-1.2, 1.0], 1e-12, 3),
            Err(Error::NonConvergence { .. })
        ));
    }

    #[test]
    fn spd_inverse() {
        let a = [4.0, 1.0, 1.0, 3.0];
        let inv = invert_spd(&a, 2).unwrap();
        let det = 11.0;
        let expect = [3.0 / det, -1.0 / det, -1.0 / det, 4.0 / det];
        for (x, e) in inv.iter().zip(expect) {
            assert!((x - e).abs() < 1e-14);
        }
        assert!(invert_spd(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
