"""Independent GGom/NBD-with-static-covariates log-likelihood on CLVTools' apparel data, for
tests/btyd/covariates_ggom.rs.

CLVTools' `ggomnbd` static covariates (src/ggomnbd.cpp, ggomnbd_staticcov_alpha_i/_beta_i):
  alpha_i = alpha0 * exp(-x_trans . gamma_trans),  beta_i = beta0 * exp(-x_life . gamma_life);
r, b, s shared. Per customer (Bemmaor & Glady 2012):
  L = Γ(r+x) α_i^r / Γ(r) · [ (α_i+T)^-(r+x) S(T) + ∫_{t_x}^T (α_i+y)^-(r+x) f(y) dy ],
  S(t) = (β_i/(β_i + e^{bt} − 1))^s,  f = −S'.
The integral by scipy.integrate.quad (adaptive Gauss–Kronrod, split in 8 pieces), independent
of the crate's Gauss–Legendre panels in ln(α+y).

Data: weeks, purchases collapsed by day, estimation end 2006-12-31 (T = 104 for all),
covariates Gender and Channel in both processes, the coefficient order of the crate
(purchase.Gender, purchase.Channel, dropout.Gender, dropout.Channel).
Run: python3 tests/reference/ggom_nbd_covariates_apparel.py  (numpy, scipy)
"""
import csv
import math
import os
from collections import defaultdict
from datetime import date

from scipy.integrate import quad
from scipy.special import gammaln

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "apparel")
END = date(2006, 12, 31)

days = defaultdict(set)
with open(os.path.join(DATA, "apparelTrans.csv")) as f:
    for row in csv.DictReader(f):
        days[int(row["Id"])].add(date.fromisoformat(row["Date"]))
cov = {}
with open(os.path.join(DATA, "apparelStaticCov.csv")) as f:
    for row in csv.DictReader(f):
        cov[int(row["Id"])] = (float(row["Gender"]), float(row["Channel"]))

customers = []
for cid in sorted(days):
    d = sorted(days[cid])
    first = d[0]
    cal = [v for v in d if v <= END]
    x = len(cal) - 1
    tx = (cal[-1] - first).days / 7.0
    T = (END - first).days / 7.0
    customers.append((x, tx, T) + cov[cid])


def ll_customer(r, alpha, b, s, beta, x, tx, T):
    lc = gammaln(r + x) - gammaln(r) + r * math.log(alpha)
    ln_s_T = s * (math.log(beta) - math.log(beta + math.expm1(b * T)))
    alive = lc - (r + x) * math.log(alpha + T) + ln_s_T
    if tx >= T:
        return alive

    def integrand(y):
        return (alpha + y) ** (-(r + x)) * s * b * math.exp(b * y) * beta ** s * (beta + math.expm1(b * y)) ** (-(s + 1))

    edges = [tx + (T - tx) * k / 8 for k in range(9)]
    died = sum(quad(integrand, lo, hi, epsabs=0, epsrel=1e-13, limit=200)[0] for lo, hi in zip(edges, edges[1:]))
    died = lc + math.log(died)
    m = max(alive, died)
    return m + math.log(math.exp(alive - m) + math.exp(died - m))


def total(p):
    r, alpha, b, s, beta, gp_g, gp_c, gd_g, gd_c = p
    out = 0.0
    for x, tx, T, g, c in customers:
        a_i = alpha * math.exp(-(g * gp_g + c * gp_c))
        b_i = beta * math.exp(-(g * gd_g + c * gd_c))
        out += ll_customer(r, a_i, b, s, b_i, x, tx, T)
    return out


if __name__ == "__main__":
    point = [1.8, 90.0, 0.05, 0.6, 2.5, 0.3, 0.6, -0.6, 0.8]
    print("customers", len(customers), "sum x", sum(c[0] for c in customers))
    print("LL at", point, "=", repr(total(point)))
    # Without covariates (coefficients 0) at a second point.
    zero = [0.7, 10.0, 0.02, 1.2, 3.0, 0.0, 0.0, 0.0, 0.0]
    print("LL at", zero, "=", repr(total(zero)))
