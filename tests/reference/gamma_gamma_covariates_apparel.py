# Independent check of the Gamma-Gamma-with-covariates MLE (scipy, Nelder-Mead then BFGS).
import json, sys, numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln
d = json.load(open(sys.argv[1]))
cov = {}
for line in open(sys.argv[2]).read().splitlines()[1:]:
    f = line.split(','); cov[int(f[0])] = (float(f[1]), float(f[2]))
x, m, X = [], [], []
for c in d['customers']:
    if c['frequency'] > 0 and c['monetary_value'] > 0:
        x.append(c['frequency']); m.append(c['monetary_value']); X.append(cov[c['customer_id']])
x, m, X = np.array(x, float), np.array(m), np.array(X)
def nll(z):
    p, q, g0 = np.exp(z[:3]); gi = g0 * np.exp(X @ z[3:])
    px = p * x
    return -np.sum(gammaln(px + q) - gammaln(px) - gammaln(q) + q*np.log(gi) + (px-1)*np.log(m) + px*np.log(x) - (px+q)*np.log(gi + x*m))
r = minimize(nll, np.array([0., 0., 0., 0., 0.]), method='Nelder-Mead', options={'maxiter': 20000, 'xatol':1e-10, 'fatol':1e-12})
r = minimize(nll, r.x, method='BFGS', options={'gtol':1e-9})
print(json.dumps({'p': float(np.exp(r.x[0])), 'q': float(np.exp(r.x[1])), 'gamma': float(np.exp(r.x[2])), 'spend.Gender': float(r.x[3]), 'spend.Channel': float(r.x[4]), 'll': float(-r.fun), 'n': len(x)}))
