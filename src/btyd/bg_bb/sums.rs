//! The BG/BB quantities as ratios to the "alive" term, so that the large common factors
//! cancel analytically.
//!
//! With A(x, n) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ) (x transactions in n
//! opportunities and alive through n) and D_i = B(α+x, β+t_x−x+i)/B(α, β) ·
//! B(γ+1, δ+t_x+i)/B(γ, δ) (dead after opportunity t_x + i), FHS10 eq. 5 is
//! L = A + Σ_{i<n−t_x} D_i, and
//!
//! * ln A = −Δ₂(α, β, x) − Δ₂(β, α+x, n−x) − Δ₂(δ, γ, n), Δ₂ the mixed second difference
//!   of ln Γ ([`ln_gamma_diff2`]): three terms of one sign, no cancellation;
//! * D_i / A = γ/(γ+δ+n) · exp[Δ₂(β+t_x−x+i, α+x, j) + Δ₂(δ+t_x+i, γ+1, j)], j = n−t_x−i,
//!   each Δ₂ computed directly, never as a difference of huge log-gammas;
//! * P(alive at n + m) = e^{−Δ₂(δ+n, γ, m)} / (1 + Σ D_i/A): the common factor A is gone,
//!   and 1 − P = Σ/(1 + Σ) keeps its digits;
//! * ln L adds ln A and ln Σ D_i each on its own scale (A can be e^{−10¹¹} next to a death
//!   term near 1), with ln D_i, like ln A, a sum of terms of one sign.
//!
//! The sums over i (and over the death time in P(X(n) = x)) go through
//! [`ln_sum_unimodal`], sublinear in the number of terms. The expectation while alive
//! telescopes (Σ_{k≤t} Γ(δ'+k)/Γ(γ+δ'+k) has a closed form), so it costs O(1) in the
//! horizon.

use super::BgBb;
use crate::error::{Error, Result};
use crate::special::{LogTerms, ln_gamma_diff2, ln_gamma_diff2_per_s, ln_sum_unimodal, log_add_exp};

/// ln(1 + e^l) without overflow; 0 for l = −∞.
fn softplus(l: f64) -> f64 {
    if l > 0.0 {
        l + (-l).exp().ln_1p()
    } else {
        l.exp().ln_1p()
    }
}

/// The death terms D_i / A, i = 0 … J − 1 (J = n − t_x), as a function of u = i.
struct DeathTerms {
    /// β + t_x − x.
    b: f64,
    /// α + x.
    a: f64,
    /// δ + t_x.
    d: f64,
    /// γ + 1.
    g: f64,
    /// J = n − t_x.
    span: f64,
    /// ln[γ/(γ + δ + n)].
    lead: f64,
}

impl DeathTerms {
    fn new(m: &BgBb, x: u32, t_x: u32, n: u32) -> Self {
        let (xf, txf, nf) = (f64::from(x), f64::from(t_x), f64::from(n));
        DeathTerms {
            b: m.beta + (txf - xf),
            a: m.alpha + xf,
            d: m.delta + txf,
            g: m.gamma + 1.0,
            span: nf - txf,
            lead: -((m.delta + nf) / m.gamma).ln_1p(),
        }
    }

    /// ln(D_u / A).
    fn ln_term_over_alive(&self, u: f64) -> f64 {
        let j = self.span - u;
        self.lead + ln_gamma_diff2(self.b + u, self.a, j) + ln_gamma_diff2(self.d + u, self.g, j)
    }
}

impl LogTerms for DeathTerms {
    fn ratio(&self, u: f64) -> f64 {
        (self.b + u) / (self.b + self.a + u) * ((self.d + u) / (self.d + self.g + u))
    }
    fn ln_ratio(&self, u: f64) -> f64 {
        -(self.a / (self.b + u)).ln_1p() - (self.g / (self.d + u)).ln_1p()
    }
    fn ln_quotient(&self, u: f64, v: f64) -> f64 {
        -ln_gamma_diff2(self.b + v, self.a, u - v) - ln_gamma_diff2(self.d + v, self.g, u - v)
    }
}

/// The terms of P(X(n) = x) for death after opportunity i = x + u (u = 0 … n − x − 1):
/// C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ), up to a constant factor.
///
/// The binomial coefficient and the transaction beta grow and shrink together; they are
/// paired so that the shifts differenced are α + β − 1 and β − 1 (moderate parameters) or
/// x and α + x (huge ones), whichever are smaller.
struct DeathTimeTerms {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
    x: f64,
    /// Pair by α + β − 1 and β − 1 (else by x and α + x).
    by_parameters: bool,
}

/// Whether to pair by the parameter shifts α + β − 1 and β − 1 (the smaller shifts for
/// moderate parameters) rather than by x and α + x.
fn pair_by_parameters(alpha: f64, beta: f64, x: f64) -> bool {
    (alpha + beta - 1.0).abs() + (beta - 1.0).abs() <= 2.0 * x + alpha
}

/// Δ₂(w + 1, c − 1, t) for a parameter c > 0 (β or α + β). For c < 1 through the
/// reflection −Δ₂(w + c, 1 − c, t), so that the base w + c is formed directly: as
/// (w + 1) + (c − 1) it loses c when c ≪ 1 and w is small.
fn diff2_shifted_by_one(w: f64, c: f64, t: f64) -> f64 {
    if c < 1.0 {
        -ln_gamma_diff2(w + c, 1.0 - c, t)
    } else {
        ln_gamma_diff2(w + 1.0, c - 1.0, t)
    }
}

/// ln[(w + c)/(w + 1)] for w ≥ 0 and a parameter c > 0, with w + c formed directly.
fn ln_shifted_ratio(w: f64, c: f64) -> f64 {
    if c < 1.0 {
        -((1.0 - c) / (w + c)).ln_1p()
    } else {
        ((c - 1.0) / (w + 1.0)).ln_1p()
    }
}

impl DeathTimeTerms {
    fn new(m: &BgBb, x: u32) -> Self {
        let xf = f64::from(x);
        DeathTimeTerms {
            alpha: m.alpha,
            beta: m.beta,
            gamma: m.gamma,
            delta: m.delta,
            x: xf,
            by_parameters: pair_by_parameters(m.alpha, m.beta, xf),
        }
    }

    /// ln[C(i, x) B(α+x, β+i−x)] − ln[C(i', x) B(α+x, β+i'−x)] for i = x + u, i' = x + v.
    fn transactions_quotient(&self, u: f64, v: f64) -> f64 {
        let (i_v, step) = (self.x + v, u - v);
        if self.by_parameters {
            diff2_shifted_by_one(v, self.beta, step) - diff2_shifted_by_one(i_v, self.alpha + self.beta, step)
        } else {
            ln_gamma_diff2(v + 1.0, self.x, step) - ln_gamma_diff2(self.beta + v, self.alpha + self.x, step)
        }
    }
}

impl LogTerms for DeathTimeTerms {
    fn ratio(&self, u: f64) -> f64 {
        let i = self.x + u;
        // Factors paired so that each is at most x + 1 (no overflow for subnormal α + β).
        (i + 1.0) / (u + 1.0)
            * ((self.beta + u) / (self.alpha + self.beta + i))
            * ((self.delta + i) / (self.gamma + self.delta + i + 1.0))
    }
    fn ln_ratio(&self, u: f64) -> f64 {
        let i = self.x + u;
        let transactions = if self.by_parameters {
            ln_shifted_ratio(u, self.beta) - ln_shifted_ratio(i, self.alpha + self.beta)
        } else {
            (self.x / (u + 1.0)).ln_1p() - ((self.alpha + self.x) / (self.beta + u)).ln_1p()
        };
        transactions - ((self.gamma + 1.0) / (self.delta + i)).ln_1p()
    }
    fn ln_quotient(&self, u: f64, v: f64) -> f64 {
        self.transactions_quotient(u, v) - ln_gamma_diff2(self.delta + self.x + v, self.gamma + 1.0, u - v)
    }
}

impl BgBb {
    /// Refuses parameters whose sums with the counts overflow `f64` (the formulas add
    /// α + β + n and γ + δ + n).
    pub(super) fn check_scale(&self, n: u32) -> Result<()> {
        let nf = f64::from(n) + 1.0;
        if (self.alpha + self.beta + nf).is_finite() && (self.gamma + self.delta + nf).is_finite() {
            Ok(())
        } else {
            Err(Error::Undefined {
                what: "BG/BB prediction",
                reason: "α + β or γ + δ overflows f64".into(),
            })
        }
    }

    /// ln A(x, n) with survival through `n + m`: ln P(x transactions in the first n
    /// opportunities, alive at opportunity n + m).
    pub(super) fn ln_alive_joint(&self, x: u32, n: u32, m: u32) -> f64 {
        let (xf, nf) = (f64::from(x), f64::from(n));
        -ln_gamma_diff2(self.alpha, self.beta, xf)
            - ln_gamma_diff2(self.beta, self.alpha + xf, nf - xf)
            - ln_gamma_diff2(self.delta, self.gamma, nf + f64::from(m))
    }

    /// ln Σ_{i<n−t_x} D_i / A (−∞ when t_x = n).
    fn ln_deaths_over_alive(&self, x: u32, t_x: u32, n: u32) -> Result<f64> {
        if t_x >= n {
            return Ok(f64::NEG_INFINITY);
        }
        let terms = DeathTerms::new(self, x, t_x, n);
        let (peak, ln_sum) = ln_sum_unimodal(&terms, u64::from(n - t_x))?;
        Ok(terms.ln_term_over_alive(peak as f64) + ln_sum)
    }

    /// ln D at death time `k` (dead after opportunity k, x transactions by then):
    /// ln[B(α+x, β+k−x)/B(α, β)] + ln[γ/(γ+δ)] − Δ₂(δ, γ+1, k), every term ≤ 0.
    fn ln_death_term(&self, x: f64, k: f64) -> f64 {
        -ln_gamma_diff2(self.alpha, self.beta, x)
            - ln_gamma_diff2(self.beta, self.alpha + x, k - x)
            - (self.delta / self.gamma).ln_1p()
            - ln_gamma_diff2(self.delta, self.gamma + 1.0, k)
    }

    /// ln L(x, t_x, n), FHS10 eq. 5. Needs a valid pattern. The two parts are added in
    /// logs each on its own scale (A may be e^{−10¹¹} next to a death term near 1).
    pub(super) fn ln_likelihood_row(&self, x: u32, t_x: u32, n: u32) -> Result<f64> {
        let ln_alive = self.ln_alive_joint(x, n, 0);
        if t_x >= n {
            return Ok(ln_alive);
        }
        let terms = DeathTerms::new(self, x, t_x, n);
        let (peak, ln_sum) = ln_sum_unimodal(&terms, u64::from(n - t_x))?;
        let ln_dead = self.ln_death_term(f64::from(x), f64::from(t_x) + peak as f64) + ln_sum;
        Ok(log_add_exp(ln_alive, ln_dead))
    }

    /// P(alive at n + m | x, t_x, n) = e^{−Δ₂(δ+n, γ, m)} / (1 + Σ D_i/A), unchecked.
    pub(super) fn alive_probability(&self, m: u32, x: u32, t_x: u32, n: u32) -> Result<f64> {
        let later = ln_gamma_diff2(self.delta + f64::from(n), self.gamma, f64::from(m));
        Ok((-later - softplus(self.ln_deaths_over_alive(x, t_x, n)?)).exp())
    }

    /// E[transactions in (n, n + t] | alive at n, x in n] =
    /// (α+x)/(α+β+n) · Σ_{k=1}^{t} B(γ, δ'+k)/B(γ, δ'), δ' = δ + n, with the sum in
    /// closed form: (δ' − (δ'+t) B(γ, δ'+t)/B(γ, δ'))/(γ − 1), i.e.
    /// δ' (1 − e^Λ)/(γ − 1) with Λ = −(γ − 1) Q, Q = Δ₂(δ'+1, γ−1, t)/(γ − 1) (→ the
    /// digamma difference δ' [ψ(δ'+1+t) − ψ(δ'+1)] at γ = 1). O(1) in t.
    pub(super) fn expected_if_alive_at(&self, t: u32, x: u32, n: u32) -> f64 {
        let (xf, nf) = (f64::from(x), f64::from(n));
        let p_mean = 1.0 / (1.0 + (self.beta + (nf - xf)) / (self.alpha + xf));
        let dp = self.delta + nf;
        let tf = f64::from(t);
        let e = self.gamma - 1.0;
        let sum = if t == 0 {
            0.0
        } else if e == 0.0 {
            dp * ln_gamma_diff2_per_s(dp + 1.0, 0.0, tf)
        } else {
            // Δ₂ through its quotient by e only where e is small (0/0 at γ = 1). For e < 0
            // the reflection Δ₂(δ'+1, e, t) = −Δ₂(γ+δ', −e, t) forms the base γ + δ' from
            // the parameters: (δ'+1) + (γ−1) loses it when γ + δ' ≪ 1.
            let lambda = if e < 0.0 {
                ln_gamma_diff2(self.gamma + dp, -e, tf)
            } else if e < 1.0 {
                -e * ln_gamma_diff2_per_s(dp + 1.0, e, tf)
            } else {
                -ln_gamma_diff2(dp + 1.0, e, tf)
            };
            if lambda <= 1.0 {
                dp * -lambda.exp_m1() / e
            } else {
                // γ < 1 and (δ' + t) B(γ, δ'+t)/B(γ, δ') = δ' e^Λ ≥ e δ'.
                let grown = if lambda < 700.0 {
                    dp * lambda.exp()
                } else {
                    (dp.ln() + lambda).exp()
                };
                (grown - dp) / -e
            }
        };
        p_mean * sum
    }

    /// ln[C(x+y, x) B(α+x, β+y)/B(α, β)], the beta-binomial probability of x transactions
    /// in x + y opportunities, paired like `DeathTimeTerms`.
    fn ln_beta_binomial(&self, x: f64, y: f64) -> f64 {
        let (a, b) = (self.alpha, self.beta);
        let pairs = if pair_by_parameters(a, b, x) {
            diff2_shifted_by_one(0.0, b, y) - diff2_shifted_by_one(x, a + b, y)
        } else {
            ln_gamma_diff2(1.0, x, y) - ln_gamma_diff2(b, a + x, y)
        };
        pairs - ln_gamma_diff2(a, b, x)
    }

    /// ln P(X(n) = x) for a new customer (FHS10 eq. 8). Needs `x ≤ n`.
    pub(super) fn ln_transactions_probability(&self, n: u32, x: u32) -> Result<f64> {
        let (xf, nf) = (f64::from(x), f64::from(n));
        let ln_alive = self.ln_beta_binomial(xf, nf - xf) - ln_gamma_diff2(self.delta, self.gamma, nf);
        if n <= x {
            return Ok(ln_alive);
        }
        let terms = DeathTimeTerms::new(self, x);
        let (peak, ln_sum) = ln_sum_unimodal(&terms, u64::from(n - x))?;
        let i = xf + peak as f64;
        let ln_peak = self.ln_beta_binomial(xf, i - xf)
            - (self.delta / self.gamma).ln_1p()
            - ln_gamma_diff2(self.delta, self.gamma + 1.0, i);
        Ok(log_add_exp(ln_alive, ln_peak + ln_sum))
    }
}
