"""Reference values of BG/NBD's expectation while alive, E[Y(t) | alive at T], for
tests/btyd/bg_nbd_curve_reference.rs.

Run: python3 tests/reference/bgnbd_expected_if_alive.py > tests/data/bgnbd_expected_if_alive.csv
(mpmath only). The closed form of Fader, Hardie & Lee (2005, eq. 10 without P(alive)),
    c/(a-1) * [1 - ((A)/(A+t))^(r+x) * 2F1(r+x, b+x; c; t/(A+t))],  A = alpha+T, c = a+b+x-1,
evaluated by mpmath.hyp2f1 at 60 significant digits and printed with 20; independent of
the crate's series (Euler's transformation, shared coefficients, Horner sums).
Parameters: the CDNOW fit (FHL05), the fit of the issue-16 benchmark log, an a > 1 case
and large b; x, T and the horizons of a weekly one-year CLV curve.
"""
import itertools
import mpmath as mp

mp.mp.dps = 60

params = [
    (0.2425945, 4.4136019, 0.7929199, 2.4258881),  # CDNOW, FHL05
    (0.5, 6.0, 0.8, 2.5),  # the benchmark's fixed parameters
    (1.2, 3.0, 2.5, 4.0),  # a > 1
    (0.9, 12.0, 0.4, 40.0),  # large b
]
xs = [0, 1, 2, 5, 12, 40]
ages = [0.0, 0.5, 3.0, 10.0, 38.86, 80.0, 150.0]
times = [1.0, 2.0, 7.0, 13.0, 26.0, 39.0, 52.0]

print("r,alpha,a,b,x,T,t,value")
for (r, alpha, a, b), x, age, t in itertools.product(params, xs, ages, times):
    r_, al, a_, b_ = (mp.mpf(v) for v in (r, alpha, a, b))
    A = al + mp.mpf(age)
    tt = mp.mpf(t)
    c = a_ + b_ + x - 1
    v = c / (a_ - 1) * (1 - (A / (A + tt)) ** (r_ + x) * mp.hyp2f1(r_ + x, b_ + x, c, tt / (A + tt)))
    print(f"{r!r},{alpha!r},{a!r},{b!r},{x},{age!r},{t!r},{mp.nstr(v, 20, min_fixed=-30, max_fixed=30)}")
