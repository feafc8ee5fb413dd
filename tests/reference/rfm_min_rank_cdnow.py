"""Independent recomputation of CDNOW RFM scores under the minimum-rank tie rule and
the standard segment map's counts (asserted in tests/economics/segment_published.rs).

Score = floor(bins * L / N) + 1 with L the number of customers strictly below (recency is
scored on -days since last purchase). Calibration end 1997-09-30, daily periods,
frequency = distinct purchase days, monetary = total spend. Plain Python, no crate code.
"""
import csv, datetime as dt, sys
from collections import defaultdict
from bisect import bisect_left

path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/cdnow_sample_transactions.csv"
end = dt.date(1997, 9, 30)
days = defaultdict(set); spend = defaultdict(float)
for row in csv.DictReader(open(path)):
    d = dt.date.fromisoformat(row["date"])
    if d > end:
        continue
    c = row["customer_id"]; days[c].add(d); spend[c] += float(row["amount"])
cust = sorted(days)
rec = [-(end - max(days[c])).days for c in cust]
freq = [len(days[c]) for c in cust]
mon = [spend[c] for c in cust]

def scores(v, bins=5):
    s = sorted(v); n = len(v)
    return [bins * bisect_left(s, x) // n + 1 for x in v]

R, F, M = scores(rec), scores(freq), scores(mon)
def cnt(v): return [v.count(k) for k in range(1, 6)]
print("customers", len(cust)); print("R", cnt(R)); print("F", cnt(F)); print("M", cnt(M))
rules = [("Champions", (5, 5), (4, 5)), ("Loyal", (3, 4), (4, 5)), ("Potential loyalist", (4, 5), (2, 3)),
         ("New", (5, 5), (1, 1)), ("Promising", (4, 4), (1, 1)), ("Need attention", (3, 3), (3, 3)),
         ("About to sleep", (3, 3), (1, 2)), ("At risk", (1, 2), (3, 4)), ("Can't lose", (1, 2), (5, 5)),
         ("Hibernating", (2, 2), (1, 2)), ("Lost", (1, 1), (1, 2))]
counts = {name: 0 for name, _, _ in rules}
for r, f in zip(R, F):
    for name, (rl, rh), (fl, fh) in rules:
        if rl <= r <= rh and fl <= f <= fh:
            counts[name] += 1; break
print(counts)
