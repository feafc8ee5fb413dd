"""pymc-marketing 1.3.0 BG/NBD with its default priors on the CDNOW sample (2,357 customers),
NUTS 4 chains x (1,000 tune + 1,000 draws): posterior mean, sd and MC standard error of
r, alpha, a, b, and the wall time, written as JSON to tests/reference/pymc_bgnbd_cdnow.json.

Run (venv from ../shared/bench/run.sh setup-pymc):
  $BENCH_HOME/venv-pymc/bin/python tests/reference/pymc_bgnbd_cdnow.py
"""
import json
import os
import sys
import time

import arviz_stats
import pandas as pd
import pymc_marketing
from pymc_marketing.clv import BetaGeoModel

HERE = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(HERE, "..", "data", "cdnow_sample_summary.csv"))
data = df[["customer_id", "frequency", "recency", "T"]]
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
t0 = time.perf_counter()
model = BetaGeoModel()
model.fit(data, method="mcmc", chains=4, draws=1000, tune=1000, random_seed=seed, progressbar=False)
wall = time.perf_counter() - t0
s = arviz_stats.summary(model.idata, var_names=["r", "alpha", "a", "b"], round_to="none")
print(s)
out = {
    "tool": "pymc-marketing",
    "version": pymc_marketing.__version__,
    "data": "tests/data/cdnow_sample_summary.csv",
    "priors": "BetaGeoModel defaults: alpha ~ Weibull(2, 10), r ~ Weibull(2, 1), "
    "a = phi*kappa, b = (1-phi)*kappa, phi ~ Uniform(0, 1), kappa ~ Pareto(1, 1)",
    "sampler": "pm.sample NUTS, 4 chains x (1000 tune + 1000 draws), cores=2",
    "seed": seed,
    "wall_seconds_fit": wall,
    "parameters": {
        name: {
            "mean": float(s.loc[name, "mean"]),
            "sd": float(s.loc[name, "sd"]),
            "mcse_mean": float(s.loc[name, "mcse_mean"]),
            "ess_bulk": float(s.loc[name, "ess_bulk"]),
            "r_hat": float(s.loc[name, "r_hat"]),
        }
        for name in ["r", "alpha", "a", "b"]
    },
}
with open(os.path.join(HERE, "pymc_bgnbd_cdnow.json"), "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps(out, indent=2))
