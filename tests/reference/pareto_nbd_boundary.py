#!/usr/bin/env python3
"""Pareto/NBD reference values at 50 digits (mpmath), for tests/btyd/pareto_boundary.rs.

    python3 tests/reference/pareto_nbd_boundary.py [NAME ...] > /tmp/pnbd_reference.txt

(all parameter sets, or only those named; about 15 minutes for all).

An implementation independent of the crate's, from the papers' formulas:

* Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related
  Expressions": the individual likelihood given (lambda, mu), integrated over
  lambda ~ Gamma(r, alpha) in closed form, leaves

      L = Gamma(r+x) alpha^r / Gamma(r) * [ (alpha+T)^-(r+x) E[e^{-mu T}]
            + E[ mu int_{t_x}^T (alpha+tau)^-(r+x) e^{-mu tau} dtau ] ]

  with mu ~ Gamma(s, beta).  The "died" term is computed twice: (a) as the integral over
  the dropout time tau of its Lomax density s beta^s (beta+tau)^-(s+1) (their eq. before
  the 2F1 form), and (b) by integrating over mu the exponential-dropout closed form
  mu^(r+x) e^{mu alpha} Gamma(1-r-x, mu(alpha+t_x), mu(alpha+T)) (generalised incomplete
  gamma).  The two must agree to 1e-30 relative; for ordinary parameters the note's 2F1
  expression of A_0 (their eqs. 22-23) is a third check.
* P(alive) = alive term / L; P(alive at T+t) = P(alive) ((beta+T)/(beta+T+t))^s
  (posterior mu | alive ~ Gamma(s, beta+T)).
* E[X(T, T+t) | x, t_x, T] = P(alive) (r+x)/(alpha+T) E[(1 - e^{-mu t})/mu], mu ~
  Gamma(s, beta+T), by integration over mu, checked against the closed form
  (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]; E[X(t)] for a new
  customer is the same with x = 0, T = 0, P(alive) = 1.
* DERT (Fader, Hardie & Lee 2005, JMR 42(4)) = P(alive) (r+x)/(alpha+T) E[1/(delta+mu)],
  mu ~ Gamma(s, beta+T), by integration over mu; for ordinary s also as
  (beta+T)^s delta^(s-1) U(s, s, delta(beta+T)) (their Psi).

Prints one Rust array literal per parameter set: rows
(x, t_x, T, ll, p_alive, p_alive_at(365), e(30), e(365), dert) and the new-customer
expectations.
"""

import sys

from mpmath import mp, mpf, quad, gammainc, loggamma, log, log1p, exp, expm1, hyp2f1, hyperu

mp.dps = 60

PARAMS = [
    ("boundary", (mpf("2.0"), mpf("1.5"), mpf("4.6e8"), mpf("1.6e11"))),
    ("moderate", (mpf("0.5534"), mpf("10.58"), mpf("1e4"), mpf("2e5"))),
    ("moderate_1e8", (mpf("0.5534"), mpf("10.58"), mpf("1e8"), mpf("3e10"))),
    ("limit_1e15", (mpf(1), mpf(1), mpf("1e15"), mpf("3e16"))),
    ("cdnow", (mpf("0.5534"), mpf("10.5802"), mpf("0.6061"), mpf("11.6562"))),
    # Either side of the crate's switch (s = 5) from the 2F1 form to the quadrature.
    ("below_switch", (mpf("0.5534"), mpf("10.58"), mpf("4.99"), mpf("1497"))),
    ("above_switch", (mpf("0.5534"), mpf("10.58"), mpf("5.01"), mpf("1503"))),
]
AGES = [mpf(1), mpf(100), mpf(1460)]
FREQS = [0, 1, 5, 1400]
HORIZONS = [mpf(30), mpf(365)]
ALIVE_AT = mpf(365)
NEW_HORIZONS = [mpf(1), mpf(30), mpf(365), mpf(1460)]
# DiscountRate::new(0.15, TimeUnit::from_days(365.0)) per day.
DELTA = log1p(mpf("0.15")) / 365


def customers():
    for t in AGES:
        for x in FREQS:
            for tx in ([mpf(0)] if x == 0 else [mpf(0), t / 2, t]):
                yield x, tx, t


def gamma_pdf_log(mu, s, b):
    return s * log(b) + (s - 1) * log(mu) - b * mu - loggamma(s)


def mu_expect(f, s, b):
    """E[f(mu)] for mu ~ Gamma(s, b), integrating over the bulk of the density."""
    mean = s / b
    if s > 1000:
        sd = mp.sqrt(s) / b
        pts = [mean + k * sd for k in range(-40, 41, 4)]
    else:
        pts = [mpf(0)] + [mean * mpf(2) ** k for k in range(-30, 8)] + [mp.inf]
    # mpmath's quad judges its error in absolute terms: integrands are scaled to O(1).
    f0 = f(mean)
    return f0 * checked_quad(lambda mu: exp(gamma_pdf_log(mu, s, b)) * (f(mu) / f0), pts)


def died_tau(r, alpha, s, beta, x, tx, t):
    """E[mu int ...] through the Lomax density of the dropout time."""
    if tx >= t:
        return mpf(0)
    p = r + x
    ln_f = lambda tau: -p * log(alpha + tau) + log(s / beta) - (s + 1) * log1p(tau / beta)
    # mpmath's quad judges its error in absolute terms: the integrand is scaled to O(1).
    ln_f0 = ln_f(tx)
    f = lambda tau: exp(ln_f(tau) - ln_f0)
    # The integrand falls by e per (alpha+t_x)/(r+x) at first: short pieces there, growing
    # geometrically (mpmath's quad misjudges its error on pieces spanning many e-folds).
    scale = (alpha + tx) / p
    if s > 1000:
        scale = min(scale, beta / s)
    pts = [tx] + [tx + scale * mpf("1.25") ** k for k in range(-20, 400) if tx + scale * mpf("1.25") ** k < t] + [t]
    return exp(ln_f0) * checked_quad(f, pts)


def checked_quad(f, pts):
    v, err = quad(f, pts, error=True, maxdegree=10)
    assert err <= mpf("1e-45") * abs(v), (v, err)
    return v


def died_mu(r, alpha, s, beta, x, tx, t):
    """The same through the exponential-dropout closed form, integrated over mu."""
    if tx >= t:
        return mpf(0)
    p = r + x
    inner = lambda mu: mu**p * exp(mu * alpha) * gammainc(1 - p, mu * (alpha + tx), mu * (alpha + t))
    return mu_expect(inner, s, beta)


def a0_hyp2f1(r, alpha, s, beta, x, tx, t):
    """The note's s/(r+s+x) A_0 times beta^s, for alpha >= beta (eq. 22) or < (eq. 23)."""
    c = r + s + x
    if alpha >= beta:
        g = lambda tau: hyp2f1(c, s + 1, c + 1, (alpha - beta) / (alpha + tau)) / (alpha + tau) ** c
    else:
        g = lambda tau: hyp2f1(c, r + x, c + 1, (beta - alpha) / (beta + tau)) / (beta + tau) ** c
    return s / c * beta**s * (g(tx) - g(t))


def alive_term(r, alpha, s, beta, x, t):
    return (alpha + t) ** (-(r + x)) * exp(-s * log1p(t / beta))


def rel(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def main():
    print(f"// mp.dps = {mp.dps}; delta = ln(1.15)/365 per day; P(alive at T+{ALIVE_AT}); E over {HORIZONS}")
    wanted = sys.argv[1:]
    for name, (r, alpha, s, beta) in PARAMS:
        if wanted and name not in wanted:
            continue
        rows = []
        for x, tx, t in customers():
            d1 = died_tau(r, alpha, s, beta, x, tx, t)
            if s > 1000:
                d2 = died_mu(r, alpha, s, beta, x, tx, t)
                assert d1 == d2 == 0 or rel(d1, d2) < mpf("1e-30"), (name, x, tx, t, d1, d2)
            if s < 100 and d1 != 0:
                d3 = a0_hyp2f1(r, alpha, s, beta, x, tx, t)
                assert rel(d1, d3) < mpf("1e-30"), (name, x, tx, t, d1, d3)
            a = alive_term(r, alpha, s, beta, x, t)
            common = loggamma(r + x) - loggamma(r) + r * log(alpha)
            ll = common + log(a + d1)
            p = a / (a + d1)
            b = beta + t
            p_at = p * exp(-s * log1p(ALIVE_AT / b))
            cond = []
            for h in HORIZONS:
                e_int = mu_expect(lambda mu: -expm1(-mu * h) / mu, s, b)
                e_closed = b / (s - 1) * -expm1((s - 1) * -log1p(h / b))
                assert rel(e_int, e_closed) < mpf("1e-30"), (name, h, e_int, e_closed)
                cond.append(p * (r + x) / (alpha + t) * e_closed)
            inv = mu_expect(lambda mu: 1 / (DELTA + mu), s, b)
            if s < 100:
                psi = b**s * DELTA ** (s - 1) * hyperu(s, s, DELTA * b)
                assert rel(inv, psi) < mpf("1e-30"), (name, inv, psi)
            dert = p * (r + x) / (alpha + t) * inv
            rows.append((x, tx, t, ll, p, p_at, cond[0], cond[1], dert))
        new = []
        for h in NEW_HORIZONS:
            new.append(r * beta / (alpha * (s - 1)) * -expm1((s - 1) * -log1p(h / beta)))
        print(f"// {name}: r = {mp.nstr(r, 10)}, alpha = {mp.nstr(alpha, 10)}, s = {mp.nstr(s, 10)}, beta = {mp.nstr(beta, 10)}")
        print(f"const {name.upper()}: [Row; {len(rows)}] = [")
        for row in rows:
            x, tx, t = row[:3]
            vals = ", ".join(fmt(v) for v in row[3:])
            print(f"    ({x}.0, {fmt(tx)}, {fmt(t)}, [{vals}]),")
        print("];")
        print(f"const {name.upper()}_NEW: [f64; {len(new)}] = [{', '.join(fmt(v) for v in new)}];")


def fmt(v):
    v = mpf(v)
    if v == 0:
        return "0.0"
    if abs(v) < mpf("1e-300"):
        # Below f64's range: the test expects an underflow to (nearly) zero.
        return "0.0"
    return mp.nstr(v, 20, min_fixed=-1, max_fixed=-1).replace("e+", "e")


if __name__ == "__main__":
    main()
