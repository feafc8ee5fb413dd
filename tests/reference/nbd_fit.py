"""Independent maximum-likelihood fit of the NBD (gamma-Poisson, no dropout) model on the
CDNOW sample, with mpmath at 30 digits, for the "new model from a likelihood" test in
src/btyd/fit_example.rs.

The likelihood of a customer's purchase times (x repeat purchases in (0, T]) under
Poisson(λ) purchasing with λ ~ Gamma(r, α) is the BG/NBD likelihood without dropout:
  L(r, α | x, T) = Γ(r+x) α^r / (Γ(r) (α+T)^(r+x)).
The estimate solves ∂LL/∂r = ∂LL/∂α = 0 (mpmath.findroot, Newton on the score); the
standard errors are √diag(H⁻¹) of the exact Hessian −∂²LL (mpmath.diff on the score).
Run: python3 tests/reference/nbd_fit.py (reads tests/data/cdnow_sample_summary.csv).
"""
import csv
import os
from collections import Counter
from mpmath import mp, mpf, digamma, loggamma, log, findroot, matrix, diff, sqrt

mp.dps = 30
here = os.path.dirname(os.path.abspath(__file__))
rows = Counter()
with open(os.path.join(here, "..", "data", "cdnow_sample_summary.csv")) as f:
    for rec in csv.DictReader(f):
        rows[(rec["frequency"], rec["T"])] += 1
rows = [(mpf(x), mpf(T), w) for (x, T), w in rows.items()]


def ll(r, a):
    return sum(w * (loggamma(r + x) - loggamma(r) + r * log(a) - (r + x) * log(a + T)) for x, T, w in rows)


def score(r, a):
    g_r = sum(w * (digamma(r + x) - digamma(r) + log(a) - log(a + T)) for x, T, w in rows)
    g_a = sum(w * (r / a - (r + x) / (a + T)) for x, T, w in rows)
    return [g_r, g_a]


r, a = findroot(score, (mpf("0.4"), mpf("10")))
h = matrix(2, 2)
for j in range(2):
    for i in range(2):
        h[i, j] = -diff(lambda rr, aa: score(rr, aa)[i], (r, a), tuple(1 if k == j else 0 for k in range(2)))
cov = h ** -1
print(f"r = {mp.nstr(r, 15)}, alpha = {mp.nstr(a, 15)}, LL = {mp.nstr(ll(r, a), 15)}")
print(f"se(r) = {mp.nstr(sqrt(cov[0, 0]), 10)}, se(alpha) = {mp.nstr(sqrt(cov[1, 1]), 10)}")
