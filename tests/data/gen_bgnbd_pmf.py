# Reference values of BG/NBD P(X(t) = x) for src/plot/btyd.rs (bgnbd_pmf_matches_numerical_integration).
# Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install mpmath && /tmp/v/bin/python tests/data/gen_bgnbd_pmf.py
# (x = 0 at t = 38.86 was taken at mp.dps = 30; the others at 15, about 1e-5 relative.)
# BG/NBD P(X(t)=x) by integrating the individual-level model (FHL 2005 §2) over the
# gamma(r, alpha) transaction rates and beta(a, b) dropout probabilities.
from mpmath import mp, mpf, quad, gamma, beta, exp, factorial, inf
mp.dps = 15
r, alpha, a, b = mpf('0.243'), mpf('4.414'), mpf('0.793'), mpf('2.426')
def indiv(x, t, lam, p):
    pois = lambda j: (lam*t)**j*exp(-lam*t)/factorial(j)
    v = (1-p)**x*pois(x)
    if x > 0:
        v += p*(1-p)**(x-1)*(1-sum(pois(j) for j in range(x)))
    return v
def g(lam): return alpha**r*lam**(r-1)*exp(-alpha*lam)/gamma(r)
def f(p): return p**(a-1)*(1-p)**(b-1)/beta(a,b)
for t in [mpf('38.86'), mpf('10')]:
    for x in [0, 1, 3]:
        inner = lambda lam: g(lam)*quad(lambda p: f(p)*indiv(x, t, lam, p), [0, 0.5, 1])
        print(float(t), x, mp.nstr(quad(inner, [0, 0.01, 0.1, 1, 10, inf]), 15))
