//! A compact No-U-Turn sampler: multinomial sampling along the trajectory with the
//! generalised U-turn criterion (Betancourt 2017, including Stan's extra checks across
//! merged subtrees), biased progressive sampling at the top level, a dense or diagonal
//! mass matrix adapted in Stan's expanding windows and the step size by dual averaging
//! (Hoffman & Gelman 2014). Owns nothing model-specific: it samples any smooth log
//! density on ℝᵏ.
//!
//! The metric is kept as the inverse mass matrix `Σ` (the posterior covariance estimate)
//! and its Cholesky factor `L` (`Σ = L Lᵀ`): velocities are `Σ p`, momenta are drawn as
//! `p = L⁻ᵀ z` so that `Cov p = Σ⁻¹`.

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;

/// A log density on ℝᵏ with its gradient; non-finite outside the support.
pub(crate) trait LogDensity: Sync {
    fn logp_grad(&self, q: &[f64], grad: &mut [f64]) -> f64;
}

/// Settings of one chain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainSettings {
    pub tune: usize,
    pub draws: usize,
    pub target_accept: f64,
    pub max_depth: usize,
    pub seed: u64,
    /// Adapt a dense mass matrix (else diagonal).
    pub dense: bool,
}

/// What one chain returns.
#[derive(Debug, Clone)]
pub(crate) struct ChainOutput {
    /// Draws after tuning, each a position on ℝᵏ.
    pub draws: Vec<Vec<f64>>,
    /// Divergent transitions after tuning.
    pub divergences: usize,
    /// Transitions that hit the maximum tree depth after tuning.
    pub max_depth_hits: usize,
    /// The adapted step size.
    pub step_size: f64,
    /// Leapfrog steps in all (tuning included): gradient evaluations.
    pub leapfrog_steps: usize,
    /// Leapfrog steps after tuning.
    pub draw_leapfrog_steps: usize,
    /// Sum of the tree depths after tuning.
    pub depth_sum: usize,
}

/// The inverse mass matrix `Σ`: diagonal, or dense with its Cholesky factor.
#[derive(Debug, Clone)]
enum Metric {
    Diagonal(Vec<f64>),
    Dense {
        /// Row-major `k × k`.
        sigma: Vec<f64>,
        /// Lower Cholesky factor of `sigma`, row-major.
        chol: Vec<f64>,
    },
}

impl Metric {
    /// `Σ p`.
    fn velocity(&self, p: &[f64], out: &mut [f64]) {
        match self {
            Metric::Diagonal(d) => {
                for ((o, p), m) in out.iter_mut().zip(p).zip(d) {
                    *o = p * m;
                }
            }
            Metric::Dense { sigma, .. } => {
                let k = p.len();
                for (o, row) in out.iter_mut().zip(sigma.chunks_exact(k)) {
                    *o = row.iter().zip(p).map(|(a, b)| a * b).sum();
                }
            }
        }
    }

    /// A momentum with covariance `Σ⁻¹` from standard normals `z` (overwritten).
    fn momentum(&self, z: &mut [f64]) {
        match self {
            Metric::Diagonal(d) => {
                for (z, m) in z.iter_mut().zip(d) {
                    *z /= m.sqrt();
                }
            }
            Metric::Dense { chol, .. } => {
                // Solve Lᵀ p = z by back substitution.
                let k = z.len();
                for i in (0..k).rev() {
                    let mut v = z.get(i).copied().unwrap_or(0.0);
                    for j in i + 1..k {
                        v -= chol.get(j * k + i).copied().unwrap_or(0.0) * z.get(j).copied().unwrap_or(0.0);
                    }
                    if let Some(zi) = z.get_mut(i) {
                        *zi = v / chol.get(i * k + i).copied().unwrap_or(1.0);
                    }
                }
            }
        }
    }

    /// `Σ` from a window's sample covariance `cov` (row-major) of `n` draws, shrunk
    /// towards `10⁻³ I` as Stan does; diagonal keeps only the variances. Falls back to
    /// the diagonal when the Cholesky factorisation fails.
    fn from_window(cov: &[f64], k: usize, n: f64, dense: bool) -> Metric {
        let reg = 5.0 / (n + 5.0);
        let shrunk = |i: usize, j: usize| {
            let c = cov.get(i * k + j).copied().unwrap_or(0.0);
            (1.0 - reg) * c + if i == j { reg * 1e-3 } else { 0.0 }
        };
        let diag: Vec<f64> = (0..k).map(|i| shrunk(i, i)).collect();
        if dense {
            let sigma: Vec<f64> = (0..k * k).map(|ij| shrunk(ij / k, ij % k)).collect();
            if let Some(chol) = cholesky(&sigma, k) {
                return Metric::Dense { sigma, chol };
            }
        }
        Metric::Diagonal(diag)
    }
}

/// The lower Cholesky factor of a symmetric `k × k` matrix (row-major); `None` unless
/// positive definite.
fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = *a.get(i * k + j)?;
            for m in 0..j {
                s -= l.get(i * k + m)? * l.get(j * k + m)?;
            }
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                *l.get_mut(i * k + i)? = s.sqrt();
            } else {
                *l.get_mut(i * k + j)? = s / l.get(j * k + j)?;
            }
        }
    }
    Some(l)
}

#[derive(Debug, Clone)]
struct Point {
    q: Vec<f64>,
    p: Vec<f64>,
    g: Vec<f64>,
    logp: f64,
}

#[derive(Debug)]
struct Tree {
    minus: Point,
    plus: Point,
    proposal: Point,
    log_w: f64,
    rho: Vec<f64>,
    sum_accept: f64,
    leapfrogs: usize,
    divergent: bool,
    turning: bool,
}

struct Sampler<'a, T: LogDensity> {
    target: &'a T,
    metric: Metric,
    eps: f64,
    max_depth: usize,
    rng: Pcg64Mcg,
    leapfrogs: usize,
}

/// Largest energy error before a transition counts as divergent (Stan's value).
const MAX_ENERGY_ERROR: f64 = 1000.0;

impl<T: LogDensity> Sampler<'_, T> {
    fn kinetic(&self, p: &[f64]) -> f64 {
        0.5 * self.sharp_dot(p, p)
    }

    /// `(Σ p) · ρ`.
    fn sharp_dot(&self, p: &[f64], rho: &[f64]) -> f64 {
        let mut v = [0.0; 16];
        match v.get_mut(..p.len()) {
            Some(v) => {
                self.metric.velocity(p, v);
                v.iter().zip(rho).map(|(a, b)| a * b).sum()
            }
            None => {
                let mut v = vec![0.0; p.len()];
                self.metric.velocity(p, &mut v);
                v.iter().zip(rho).map(|(a, b)| a * b).sum()
            }
        }
    }

    fn leapfrog(&mut self, z: &Point, eps: f64) -> Point {
        self.leapfrogs += 1;
        let p_half: Vec<f64> = z.p.iter().zip(&z.g).map(|(p, g)| p + 0.5 * eps * g).collect();
        let mut v = vec![0.0; p_half.len()];
        self.metric.velocity(&p_half, &mut v);
        let q: Vec<f64> = z.q.iter().zip(&v).map(|(q, v)| q + eps * v).collect();
        let mut g = vec![0.0; q.len()];
        let logp = self.target.logp_grad(&q, &mut g);
        let p = p_half.iter().zip(&g).map(|(p, g)| p + 0.5 * eps * g).collect();
        Point { q, p, g, logp }
    }

    fn fresh_momentum(&mut self, z: &mut Point) {
        for p in z.p.iter_mut() {
            *p = self.rng.sample(StandardNormal);
        }
        self.metric.momentum(&mut z.p);
    }

    fn energy(&self, z: &Point) -> f64 {
        -z.logp + self.kinetic(&z.p)
    }

    /// The generalised criterion: no U-turn while both ends' velocities point along ρ.
    fn no_turn(&self, minus: &[f64], plus: &[f64], rho: &[f64]) -> bool {
        self.sharp_dot(minus, rho) > 0.0 && self.sharp_dot(plus, rho) > 0.0
    }

    /// Merges `new` (built in direction `dir` from `old`'s edge) into `old`. `biased`:
    /// the top level's progressive sampling, which favours the new subtree.
    fn merge(&mut self, old: Tree, new: Tree, dir: f64, biased: bool) -> Tree {
        let leapfrogs = old.leapfrogs + new.leapfrogs;
        let sum_accept = old.sum_accept + new.sum_accept;
        if new.divergent || new.turning {
            return Tree {
                leapfrogs,
                sum_accept,
                divergent: new.divergent,
                turning: new.turning,
                ..old
            };
        }
        let log_w = log_add_exp(old.log_w, new.log_w);
        let take_new = if biased {
            new.log_w - old.log_w
        } else {
            new.log_w - log_w
        };
        let u: f64 = self.rng.random();
        let rho: Vec<f64> = old.rho.iter().zip(&new.rho).map(|(a, b)| a + b).collect();
        let (left, right) = if dir > 0.0 { (&old, &new) } else { (&new, &old) };
        let mut turning = !self.no_turn(&left.minus.p, &right.plus.p, &rho);
        let ext_left: Vec<f64> = left.rho.iter().zip(&right.minus.p).map(|(a, b)| a + b).collect();
        turning |= !self.no_turn(&left.minus.p, &right.minus.p, &ext_left);
        let ext_right: Vec<f64> = right.rho.iter().zip(&left.plus.p).map(|(a, b)| a + b).collect();
        turning |= !self.no_turn(&left.plus.p, &right.plus.p, &ext_right);
        let (minus, plus) = if dir > 0.0 {
            (old.minus, new.plus)
        } else {
            (new.minus, old.plus)
        };
        Tree {
            minus,
            plus,
            proposal: if u.ln() < take_new {
                new.proposal
            } else {
                old.proposal
            },
            log_w,
            rho,
            sum_accept,
            leapfrogs,
            divergent: false,
            turning,
        }
    }

    fn build(&mut self, z: &Point, dir: f64, depth: usize, h0: f64) -> Tree {
        if depth == 0 {
            let z1 = self.leapfrog(z, dir * self.eps);
            let delta = self.energy(&z1) - h0;
            let divergent = !delta.is_finite() || delta > MAX_ENERGY_ERROR;
            let accept = if divergent { 0.0 } else { (-delta).exp().min(1.0) };
            return Tree {
                minus: z1.clone(),
                plus: z1.clone(),
                rho: z1.p.clone(),
                proposal: z1,
                log_w: -delta,
                sum_accept: accept,
                leapfrogs: 1,
                divergent,
                turning: false,
            };
        }
        let first = self.build(z, dir, depth - 1, h0);
        if first.divergent || first.turning {
            return first;
        }
        let edge = if dir > 0.0 {
            first.plus.clone()
        } else {
            first.minus.clone()
        };
        let second = self.build(&edge, dir, depth - 1, h0);
        self.merge(first, second, dir, false)
    }

    /// One NUTS transition from `z0`: (next point, mean acceptance statistic, divergent,
    /// hit the maximum depth, tree depth).
    fn transition(&mut self, z0: &Point) -> (Point, f64, bool, bool, usize) {
        let mut z = z0.clone();
        self.fresh_momentum(&mut z);
        let h0 = self.energy(&z);
        let mut tree = Tree {
            minus: z.clone(),
            plus: z.clone(),
            rho: z.p.clone(),
            proposal: z,
            log_w: 0.0,
            sum_accept: 0.0,
            leapfrogs: 0,
            divergent: false,
            turning: false,
        };
        let mut depth = 0;
        while depth < self.max_depth {
            let dir = if self.rng.random::<bool>() { 1.0 } else { -1.0 };
            let edge = if dir > 0.0 {
                tree.plus.clone()
            } else {
                tree.minus.clone()
            };
            let sub = self.build(&edge, dir, depth, h0);
            tree = self.merge(tree, sub, dir, true);
            depth += 1;
            if tree.divergent || tree.turning {
                break;
            }
        }
        let accept = tree.sum_accept / tree.leapfrogs.max(1) as f64;
        let hit = depth >= self.max_depth && !tree.turning && !tree.divergent;
        (tree.proposal, accept, tree.divergent, hit, depth)
    }

    /// Stan's heuristic: double or halve ε until one leapfrog step's acceptance crosses 0.8.
    fn init_step_size(&mut self, z0: &Point) {
        let mut z = z0.clone();
        self.fresh_momentum(&mut z);
        let h0 = self.energy(&z);
        let z1 = self.leapfrog(&z, self.eps);
        let d0 = h0 - self.energy(&z1);
        let up = d0.is_finite() && d0 > 0.8_f64.ln();
        for _ in 0..100 {
            self.eps = if up { 2.0 * self.eps } else { 0.5 * self.eps };
            let mut z = z0.clone();
            self.fresh_momentum(&mut z);
            let h0 = self.energy(&z);
            let z1 = self.leapfrog(&z, self.eps);
            let d = h0 - self.energy(&z1);
            let above = d.is_finite() && d > 0.8_f64.ln();
            if up != above || !(1e-8..=1e7).contains(&self.eps) {
                break;
            }
        }
    }
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Dual averaging of ln ε towards a target acceptance (Hoffman & Gelman 2014, §3.2).
struct DualAveraging {
    mu: f64,
    target: f64,
    t: f64,
    h_bar: f64,
    log_eps_bar: f64,
}

impl DualAveraging {
    fn new(eps: f64, target: f64) -> Self {
        DualAveraging {
            mu: (10.0 * eps).ln(),
            target,
            t: 0.0,
            h_bar: 0.0,
            log_eps_bar: 0.0,
        }
    }
    fn update(&mut self, accept: f64) -> f64 {
        const GAMMA: f64 = 0.05;
        const T0: f64 = 10.0;
        const KAPPA: f64 = 0.75;
        self.t += 1.0;
        let eta = 1.0 / (self.t + T0);
        self.h_bar = (1.0 - eta) * self.h_bar + eta * (self.target - accept);
        let log_eps = self.mu - self.t.sqrt() / GAMMA * self.h_bar;
        let w = self.t.powf(-KAPPA);
        self.log_eps_bar = w * log_eps + (1.0 - w) * self.log_eps_bar;
        log_eps.exp()
    }
    fn final_step(&self) -> f64 {
        self.log_eps_bar.exp()
    }
}

/// The end of each slow adaptation window (Stan: 75 fast, windows 25, 50, 100, … to the
/// last 50; proportionally for short tuning).
fn window_ends(tune: usize) -> (usize, Vec<usize>) {
    let (mut init, mut term, mut base) = (75, 50, 25);
    if tune < init + term + base {
        init = tune * 15 / 100;
        term = tune / 10;
        base = tune - init - term;
    }
    let slow_end = tune - term;
    let mut ends = Vec::new();
    let (mut start, mut size) = (init, base);
    while start < slow_end {
        let mut end = start + size;
        // The last window takes the rest if the next one would not fit.
        if end + 2 * size > slow_end {
            end = slow_end;
        }
        ends.push(end);
        start = end;
        size *= 2;
    }
    (init, ends)
}

/// Runs one chain from `q0` (a point with finite density).
pub(crate) fn run_chain<T: LogDensity>(target: &T, q0: &[f64], settings: ChainSettings) -> ChainOutput {
    let k = q0.len();
    let mut s = Sampler {
        target,
        metric: Metric::Diagonal(vec![1.0; k]),
        eps: 0.1,
        max_depth: settings.max_depth,
        rng: Pcg64Mcg::seed_from_u64(settings.seed),
        leapfrogs: 0,
    };
    let mut g = vec![0.0; k];
    let logp = target.logp_grad(q0, &mut g);
    let mut z = Point {
        q: q0.to_vec(),
        p: vec![0.0; k],
        g,
        logp,
    };
    s.init_step_size(&z);
    let mut da = DualAveraging::new(s.eps, settings.target_accept);
    let (init, ends) = window_ends(settings.tune);
    let mut window_start = init;
    let mut ends = ends.into_iter().peekable();
    let (mut n, mut mean, mut m2) = (0.0, vec![0.0; k], vec![0.0; k * k]);
    for i in 0..settings.tune {
        let (next, accept, _, _, _) = s.transition(&z);
        z = next;
        s.eps = da.update(accept);
        if i >= window_start && ends.peek().is_some() {
            // Welford's running covariance of the positions in this window.
            n += 1.0;
            let before: Vec<f64> = z.q.iter().zip(&mean).map(|(q, m)| q - m).collect();
            for (m, d) in mean.iter_mut().zip(&before) {
                *m += d / n;
            }
            let after: Vec<f64> = z.q.iter().zip(&mean).map(|(q, m)| q - m).collect();
            for (row, d) in m2.chunks_exact_mut(k.max(1)).zip(&before) {
                for (c, e) in row.iter_mut().zip(&after) {
                    *c += d * e;
                }
            }
            if ends.peek() == Some(&(i + 1)) {
                ends.next();
                let cov: Vec<f64> = m2.iter().map(|v| v / (n - 1.0).max(1.0)).collect();
                s.metric = Metric::from_window(&cov, k, n, settings.dense);
                (n, mean, m2) = (0.0, vec![0.0; k], vec![0.0; k * k]);
                window_start = i + 1;
                s.init_step_size(&z);
                da = DualAveraging::new(s.eps, settings.target_accept);
            }
        }
    }
    if settings.tune > 0 {
        s.eps = da.final_step();
    }
    let mut out = ChainOutput {
        draws: Vec::with_capacity(settings.draws),
        divergences: 0,
        max_depth_hits: 0,
        step_size: s.eps,
        leapfrog_steps: 0,
        draw_leapfrog_steps: 0,
        depth_sum: 0,
    };
    let tuning_steps = s.leapfrogs;
    for _ in 0..settings.draws {
        let (next, _, divergent, hit, depth) = s.transition(&z);
        z = next;
        out.depth_sum += depth;
        out.divergences += usize::from(divergent);
        out.max_depth_hits += usize::from(hit);
        out.draws.push(z.q.clone());
    }
    out.leapfrog_steps = s.leapfrogs;
    out.draw_leapfrog_steps = s.leapfrogs - tuning_steps;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// N(μ, diag σ²) in 3 dimensions with very different scales.
    struct Normal3;
    const MU: [f64; 3] = [1.0, -2.0, 0.5];
    const SD: [f64; 3] = [0.01, 3.0, 1.0];
    impl LogDensity for Normal3 {
        fn logp_grad(&self, q: &[f64], g: &mut [f64]) -> f64 {
            let mut lp = 0.0;
            for i in 0..3 {
                let z = (q[i] - MU[i]) / SD[i];
                lp -= 0.5 * z * z;
                g[i] = -z / SD[i];
            }
            lp
        }
    }

    #[test]
    fn samples_a_badly_scaled_normal() {
        let settings = ChainSettings {
            tune: 1000,
            draws: 4000,
            target_accept: 0.8,
            max_depth: 10,
            seed: 3,
            dense: true,
        };
        let out = run_chain(&Normal3, &[0.0, 0.0, 0.0], settings);
        assert_eq!(out.divergences, 0);
        for i in 0..3 {
            let xs: Vec<f64> = out.draws.iter().map(|d| d[i]).collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
            // NUTS draws of a normal are nearly independent: 4000 draws, mean within 5 sd/√n.
            assert!(
                (m - MU[i]).abs() < 5.0 * SD[i] / (xs.len() as f64).sqrt(),
                "{i}: mean {m}"
            );
            assert!((v.sqrt() / SD[i] - 1.0).abs() < 0.08, "{i}: sd {}", v.sqrt());
        }
    }

    #[test]
    fn windows_follow_stan() {
        let (init, ends) = window_ends(1000);
        assert_eq!(init, 75);
        assert_eq!(ends, vec![100, 150, 250, 450, 950]);
    }
}
