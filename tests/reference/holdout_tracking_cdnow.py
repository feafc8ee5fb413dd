"""Independent reference for the recency table of the holdout evaluation and the
per-week tracking increments, BG/NBD on the CDNOW sample (weeks, calibration 39 weeks,
holdout 39 weeks), parameters of Fader, Hardie & Lee (2005).

Written from the papers, not from the crate: the conditional expectation is FHL05 eq. (10)
and the new-customer expectation eq. (9), both with mpmath's 2F1. The recency bins follow
BTYD's bgnbd.PlotRecVsConditionalExpectedFrequency (BTYD 2.4.3, R): ceil(max t_x) bins of
one week, [k, k+1) and the last one open, on t_x rounded to 3 decimals. The script prints
both BTYD's bin means (the mean of the means of each distinct t_x) and the customer-weighted
means the crate reports, with the bin sizes (the same in both).

Run: python3 tests/reference/holdout_tracking_cdnow.py  (needs mpmath only)
"""
import csv, math, os
import mpmath as mp

mp.mp.dps = 30
R, ALPHA, A, B = 0.2425945, 4.4136019, 0.7929199, 2.4258881
HERE = os.path.dirname(os.path.abspath(__file__))
rows = list(csv.DictReader(open(os.path.join(HERE, "..", "data", "cdnow_sample_summary.csv"))))
x = [float(r["frequency"]) for r in rows]
tx = [float(r["recency"]) for r in rows]
T = [float(r["T"]) for r in rows]
xh = [float(r["frequency_holdout"]) for r in rows]


def cond_exp(t, x, tx, T):
    r, al, a, b = map(mp.mpf, (R, ALPHA, A, B))
    x, tx, T, t = map(mp.mpf, (x, tx, T, t))
    z = t / (al + T + t)
    front = (a + b + x - 1) / (a - 1)
    bracket = 1 - ((al + T) / (al + T + t)) ** (r + x) * mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
    delta = 1 if x > 0 else 0
    denom = 1 + delta * (a / (b + x - 1)) * ((al + T) / (al + tx)) ** (r + x)
    return float(front * bracket / denom)


def new_exp(t):
    r, al, a, b = map(mp.mpf, (R, ALPHA, A, B))
    t = mp.mpf(t)
    if t <= 0:
        return 0.0
    return float((a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * mp.hyp2f1(r, b, a + b - 1, t / (al + t))))


cache = {}
pred = []
for i in range(len(rows)):
    key = (x[i], tx[i], T[i])
    if key not in cache:
        cache[key] = cond_exp(39.0, *key)
    pred.append(cache[key])

# Recency bins, BTYD's rule.
n_bins = max(1, math.ceil(max(tx)))
rounded = [round(v, 3) for v in tx]
print(f"recency bins: {n_bins}")
print("bin,customers,mean_predicted,mean_actual,btyd_mean_predicted,btyd_mean_actual")
for k in range(n_bins):
    inbin = [i for i in range(len(rows)) if (rounded[i] >= k and (rounded[i] < k + 1 or k == n_bins - 1))]
    if not inbin:
        print(f"{k},0,0,0,nan,nan")
        continue
    mp_ = sum(pred[i] for i in inbin) / len(inbin)
    ma = sum(xh[i] for i in inbin) / len(inbin)
    distinct = sorted(set(rounded[i] for i in inbin))
    per = [[i for i in inbin if rounded[i] == d] for d in distinct]
    bp = sum(sum(pred[i] for i in g) / len(g) for g in per) / len(per)
    ba = sum(sum(xh[i] for i in g) / len(g) for g in per) / len(per)
    print(f"{k},{len(inbin)},{mp_:.10f},{ma:.10f},{bp:.10f},{ba:.10f}")

# Tracking: births max(T) - T, expected cumulative at weeks 1..78, then per-week increments.
births = [max(T) - t for t in T]
cohorts = {}
for b in births:
    cohorts[b] = cohorts.get(b, 0) + 1
cum = []
for w in range(1, 79):
    cum.append(sum(n * new_exp(w - b) for b, n in cohorts.items() if b < w))
inc = [cum[0]] + [cum[k] - cum[k - 1] for k in range(1, len(cum))]
print("week,expected_cumulative,expected_increment")
for w, (c, d) in enumerate(zip(cum, inc), start=1):
    print(f"{w},{c:.10f},{d:.10f}")
