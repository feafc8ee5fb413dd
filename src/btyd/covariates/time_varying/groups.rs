//! The parameter-free preparation of the time-varying likelihood: each customer's
//! observation period `[0, T]` cut into runs of consecutive periods with equal covariate
//! rows (a season flag that changes a few times a year gives a few runs, not one per
//! week), and customers with the same path and history (the same runs, rows, `x`, `t_x`,
//! `T` and purchase runs) grouped with a weight, so one evaluation serves all of them.

use std::collections::HashMap;

use super::data::{TimeVaryingData, last_period};

/// Customers sharing one likelihood term.
#[derive(Debug, Clone)]
pub(super) struct Group {
    /// How many customers.
    pub(super) weight: f64,
    /// `x`, `t_x`, `T`.
    pub(super) x: f64,
    pub(super) tx: f64,
    pub(super) t: f64,
    /// Run bounds in customer time, covering `[0, T]`.
    pub(super) runs: Vec<(f64, f64)>,
    /// Purchase rows, `runs × purchase columns`.
    pub(super) xp: Vec<f64>,
    /// Dropout rows, `runs × dropout columns`.
    pub(super) xd: Vec<f64>,
    /// The run of each repeat purchase, in time order.
    pub(super) purchases: Vec<usize>,
    /// `Σ_j x_p(t_j)` over the repeat purchases.
    pub(super) sxp: Vec<f64>,
}

/// All groups of a data set.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub(super) np: usize,
    pub(super) nd: usize,
    pub(super) groups: Vec<Group>,
}

impl Prepared {
    /// Builds the groups (rows the data cannot provide are read as empty, which
    /// [`TimeVaryingData::new`]'s coverage check rules out).
    pub(super) fn new(data: &TimeVaryingData) -> Self {
        let (np, nd) = (data.purchase.columns(), data.dropout.columns());
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<Vec<u64>, usize> = HashMap::new();
        for (i, c) in data.customers.iter().enumerate() {
            let (b, t) = (c.birth(), c.age());
            let first = b.floor().max(0.0) as usize;
            let last = last_period(b, t);
            let mut runs: Vec<(f64, f64)> = Vec::new();
            let (mut xp, mut xd): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
            // The run of each period from `first` to `last`.
            let mut run_of: Vec<usize> = Vec::with_capacity(last + 1 - first.min(last));
            let mut at = 0.0;
            let mut k = first;
            while at < t {
                let t1 = ((k + 1) as f64 - b).min(t);
                let rp = data.purchase.row(i, k).unwrap_or(&[]);
                let rd = data.dropout.row(i, k).unwrap_or(&[]);
                let n = runs.len();
                let same = n > 0
                    && xp.get((n - 1) * np..n * np) == Some(rp)
                    && xd.get((n - 1) * nd..n * nd) == Some(rd);
                if same {
                    if let Some(r) = runs.last_mut() {
                        r.1 = t1;
                    }
                } else {
                    runs.push((at, t1));
                    xp.extend_from_slice(rp);
                    xd.extend_from_slice(rd);
                }
                run_of.push(runs.len() - 1);
                at = t1;
                k += 1;
            }
            if runs.is_empty() {
                continue;
            }
            let purchases: Vec<usize> = c
                .purchases()
                .iter()
                .map(|&tj| {
                    let k = ((b + tj).floor().max(0.0) as usize).min(last);
                    run_of
                        .get(k.saturating_sub(first))
                        .or(run_of.last())
                        .copied()
                        .unwrap_or(0)
                })
                .collect();
            let mut key: Vec<u64> = vec![c.frequency().to_bits(), c.recency().to_bits(), t.to_bits()];
            key.extend(runs.iter().flat_map(|r| [r.0.to_bits(), r.1.to_bits()]));
            key.extend(xp.iter().chain(&xd).map(|v| v.to_bits()));
            key.extend(purchases.iter().map(|&r| r as u64));
            if let Some(g) = index.get(&key).and_then(|&j| groups.get_mut(j)) {
                g.weight += 1.0;
                continue;
            }
            let mut sxp = vec![0.0; np];
            for &r in &purchases {
                for (s, v) in sxp.iter_mut().zip(xp.get(r * np..(r + 1) * np).unwrap_or(&[])) {
                    *s += v;
                }
            }
            index.insert(key, groups.len());
            groups.push(Group {
                weight: 1.0,
                x: c.frequency(),
                tx: c.recency(),
                t,
                runs,
                xp,
                xd,
                purchases,
                sxp,
            });
        }
        Prepared { np, nd, groups }
    }
}
