//! Exact `Decimal` arithmetic for finishing summaries: the difference of two totals, and
//! the mean of a total over a count — the same bits `Decimal`'s own operators give, in
//! cheaper integer arithmetic when the mantissa fits 63 bits (the usual case).
//!
//! Owns: the exact difference and mean ([`Means`], with one reciprocal per count) used when
//! summaries are finished. Relies on: nothing but `Decimal`'s representation (mantissa and
//! scale). Must not: give one bit different from `Decimal`'s own `checked_sub` /
//! `checked_div` (the tests compare bit for bit), or round where `Decimal` would not: where
//! the integer steps do not apply it calls `Decimal`'s operator.
//!
//! Finishing a million summaries takes two means each, and `Decimal` division spends most
//! of its time in hardware divisions by the count (one per nine digits of the quotient):
//! measured at a quarter of the finish. [`Means`] follows the same steps — scale the
//! quotient up by as many digits as fit (nine at most) until the remainder vanishes or no
//! digit fits, round half to even, strip trailing zeros by the same steps — but divides by
//! multiplying with the count's reciprocal, computed once per count. The tests compare it
//! with `Decimal::checked_div` bit for bit on 300,000 random quotients, every scale with
//! limit totals and counts, and proptests (a review ran 180 million more, and every count
//! below 2³² against its hardest numerators: no difference).

use rust_decimal::Decimal;

/// `a − b`: in `i64` when both mantissas fit at one scale (the usual case; the same value
/// and scale as `Decimal` subtraction), else by `Decimal` subtraction.
pub(super) fn difference(a: Decimal, b: Decimal) -> Option<Decimal> {
    if a.scale() == b.scale() {
        if let (Ok(x), Ok(y)) = (i64::try_from(a.mantissa()), i64::try_from(b.mantissa())) {
            if let Some(d) = x.checked_sub(y) {
                return Some(Decimal::new(d, a.scale()));
            }
        }
    }
    a.checked_sub(b)
}

/// Means of totals over counts, with the reciprocals of the counts met so far.
#[derive(Debug, Default)]
pub(super) struct Means {
    /// Reciprocals of small counts, by count (computed when first needed).
    small: Vec<Option<Reciprocal>>,
}

/// Counts up to which reciprocals are kept (a count is a number of purchase periods).
const KEPT_RECIPROCALS: u32 = 1 << 12;

impl Means {
    /// `total / n` (`n > 0`), as `Decimal` division gives it (28 significant digits at
    /// most, rounded half to even), except that a mean that divides exactly keeps the
    /// total's scale (so a zero total gives zero at its scale).
    pub(super) fn mean(&mut self, total: Decimal, n: u32) -> Option<Decimal> {
        if let Ok(m) = i64::try_from(total.mantissa()) {
            if n != 0 && m != i64::MIN {
                let reciprocal = self.reciprocal(n);
                if let Some(q) = mean_of_mantissa(m, total.scale(), &reciprocal) {
                    return Some(q);
                }
            }
        }
        total.checked_div(Decimal::from(n))
    }

    #[inline]
    fn reciprocal(&mut self, n: u32) -> Reciprocal {
        if n >= KEPT_RECIPROCALS {
            return Reciprocal::of(n);
        }
        let i = n as usize;
        if self.small.len() <= i {
            self.small.resize(i + 1, None);
        }
        match self.small.get_mut(i) {
            Some(Some(r)) => *r,
            Some(slot) => *slot.insert(Reciprocal::of(n)),
            None => Reciprocal::of(n),
        }
    }
}

/// Division by `n` as a multiplication, exact for numerators below 2⁶³ (Granlund and
/// Montgomery, "Division by invariant integers using multiplication", 1994, theorem 4.2:
/// with `ℓ = ⌈log₂ n⌉` and `m = ⌈2^(63+ℓ) / n⌉`, `⌊x / n⌋ = ⌊m·x / 2^(63+ℓ)⌋` for every
/// `x < 2⁶³`; for `n < 2³²`, `m < 2⁶⁴`).
#[derive(Debug, Clone, Copy)]
struct Reciprocal {
    n: u64,
    m: u64,
    shift: u32,
}

impl Reciprocal {
    fn of(n: u32) -> Self {
        let n = u64::from(n.max(1));
        let l = u64::BITS - (n - 1).leading_zeros();
        let shift = 63 + l;
        let m = (1u128 << shift).div_ceil(u128::from(n));
        Reciprocal {
            n,
            m: m as u64,
            shift,
        }
    }

    /// `(x / n, x % n)` for `x < 2⁶³`.
    #[inline]
    fn div_rem(&self, x: u64) -> (u64, u64) {
        let q = ((u128::from(self.m) * u128::from(x)) >> self.shift) as u64;
        (q, x - q * self.n)
    }
}

/// The largest scale of a `Decimal`.
const MAX_SCALE: u32 = 28;

/// One past the largest `Decimal` mantissa: 2⁹⁶.
const MANTISSA_LIMIT: u128 = 1 << 96;

/// `m / n` at scale `scale` (`|m| < 2⁶³`), following `Decimal` division step by step, or
/// `None` where a rare limit case is left to it (a quotient overflowing 96 bits as a digit
/// is added or as it is rounded up, a scale past 28).
#[inline]
fn mean_of_mantissa(m: i64, scale: u32, n: &Reciprocal) -> Option<Decimal> {
    let (q, mut r) = n.div_rem(m.unsigned_abs());
    if r == 0 {
        // Exact: `m / n` at the total's scale (a zero total too).
        return Some(Decimal::new(m / i64::try_from(n.n).ok()?, scale));
    }
    if scale > MAX_SCALE {
        return None;
    }
    let (mut quotient, mut scale) = (u128::from(q), scale);
    // Scale up while the remainder is not zero and a digit fits.
    let p = loop {
        let p = digits_that_fit(quotient, scale);
        if p == 0 {
            break p;
        }
        let power = POWERS_OF_TEN.get(p as usize).copied().unwrap_or(1);
        quotient *= u128::from(power);
        scale += p;
        // `r < n < 2³²` and `power <= 10⁹`: below 2⁶³.
        let (digits, rest) = n.div_rem(r * power);
        quotient += u128::from(digits);
        r = rest;
        if quotient >= MANTISSA_LIMIT {
            return None;
        }
        if r == 0 {
            break p;
        }
    };
    if r != 0 {
        debug_assert_eq!(p, 0);
        // No digit fits: round half to even.
        let twice = r * 2;
        if twice > n.n || twice == n.n && quotient & 1 == 1 {
            quotient += 1;
            if quotient == MANTISSA_LIMIT {
                return None;
            }
        }
    }
    let (quotient, scale) = unscale(quotient, scale);
    let (lo, mid, hi) = (quotient as u32, (quotient >> 32) as u32, (quotient >> 64) as u32);
    Some(Decimal::from_parts(lo, mid, hi, m < 0, scale))
}

/// `10^p` for `p` in `0..=9`.
const POWERS_OF_TEN: [u64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// Decimal digits by which `quotient` (< 2⁹⁶) at `scale` can be scaled up: at most nine,
/// at most to scale 28, and the result must stay below 2⁹⁶.
#[inline]
fn digits_that_fit(quotient: u128, scale: u32) -> u32 {
    let cap = 9.min(MAX_SCALE - scale);
    // Below 2⁹⁶ / 10⁹ (all but the last steps) the cap fits.
    if quotient < MANTISSA_LIMIT / 1_000_000_000 {
        return cap;
    }
    let mut p = cap;
    // `quotient · 10⁹ < 2¹²⁶`: no overflow.
    while p > 0
        && POWERS_OF_TEN
            .get(p as usize)
            .is_some_and(|&power| quotient * u128::from(power) >= MANTISSA_LIMIT)
    {
        p -= 1;
    }
    p
}

/// `Decimal` division's trailing-zero steps after a remainder: eight zeros at a time
/// while the low 32 bits are zero, then at most four, two and one, each only where the
/// low bits allow it.
#[inline]
fn unscale(mut q: u128, mut scale: u32) -> (u128, u32) {
    while q as u32 == 0 && scale >= 8 {
        match divide_exactly(q, 100_000_000) {
            Some(d) => (q, scale) = (d, scale - 8),
            None => break,
        }
    }
    for (digits, low_bits, power) in [(4, 0xF, 10_000), (2, 0x3, 100), (1, 0x1, 10)] {
        if q as u32 & low_bits == 0 && scale >= digits {
            if let Some(d) = divide_exactly(q, power) {
                (q, scale) = (d, scale - digits);
            }
        }
    }
    (q, scale)
}

/// `q / power` if it divides exactly (`q < 2⁹⁶`; 64-bit steps by a constant, cheap).
#[inline]
fn divide_exactly(q: u128, power: u64) -> Option<u128> {
    let (high, low) = ((q >> 32) as u64, q as u32);
    let (dh, rh) = (high / power, high % power);
    let rest = (rh << 32) | u64::from(low);
    let (dl, rl) = (rest / power, rest % power);
    (rl == 0).then_some((u128::from(dh) << 32) | u128::from(dl))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `mean` must give: `Decimal` division, except that an exact quotient keeps the
    /// total's scale.
    fn reference(total: Decimal, n: u32) -> Option<Decimal> {
        let n128 = i128::from(n);
        if total.mantissa() % n128 == 0 {
            let q = i64::try_from(total.mantissa() / n128).ok()?;
            return Some(Decimal::new(q, total.scale()));
        }
        total.checked_div(Decimal::from(n))
    }

    /// Compares bits (value and scale), and whether the integer path answered.
    fn check(means: &mut Means, m: i64, scale: u32, n: u32) -> bool {
        let total = Decimal::new(m, scale);
        let (got, want) = (means.mean(total, n), reference(total, n));
        assert_eq!(
            got.map(|d| d.serialize()),
            want.map(|d| d.serialize()),
            "{total} / {n}: {got:?}, Decimal gives {want:?}"
        );
        m != i64::MIN && mean_of_mantissa(m, scale, &Reciprocal::of(n)).is_some()
    }

    #[test]
    fn reciprocals_divide_exactly() {
        let xs = [
            0,
            1,
            2,
            9,
            10,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            999_999_999_999,
            (1 << 62) + 12_345,
            (1 << 63) - 1,
        ];
        for n in (1..2_000).chain([65_535, 65_536, 1 << 31, (1 << 31) + 1, u32::MAX - 1, u32::MAX]) {
            let r = Reciprocal::of(n);
            for &x in &xs {
                let n = u64::from(n);
                assert_eq!(r.div_rem(x), (x / n, x % n), "{x} / {n}");
            }
        }
    }

    #[test]
    fn limits_and_hand_picked_quotients() {
        let mut means = Means::default();
        let ms = [
            1,
            -1,
            2,
            3,
            7,
            10,
            99,
            100,
            101,
            12_345,
            999_999_999,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
            i64::MIN + 1,
            1 << 62,
            -(1 << 62),
            79_228_162_514,
            4_294_967_295,
            5_000_000_000_000_000_000,
        ];
        let ns = [
            1,
            2,
            3,
            4,
            5,
            6,
            7,
            8,
            9,
            10,
            11,
            12,
            16,
            20,
            25,
            32,
            40,
            64,
            80,
            110,
            125,
            128,
            256,
            512,
            625,
            1024,
            3125,
            4095,
            4096,
            4097,
            15_625,
            65_535,
            65_536,
            390_625,
            1 << 20,
            1 << 31,
            999_999_937,
            u32::MAX - 1,
            u32::MAX,
        ];
        for &m in &ms {
            for scale in 0..=28 {
                for &n in &ns {
                    check(&mut means, m, scale, n);
                }
            }
        }
    }

    #[test]
    fn random_quotients_match_decimal_division() {
        // SplitMix64, so the test is repeatable.
        let mut state = 0x5EED_u64;
        let mut next = move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut means = Means::default();
        let (mut direct, cases) = (0, 300_000);
        for _ in 0..cases {
            let bits = next() % 64;
            let sign = if next() & 1 == 0 { 1 } else { -1 };
            let m = (next() >> (63 - bits.min(63))) as i64 * sign;
            let scale = (next() % 29) as u32;
            let n = match next() % 4 {
                0 => (next() % 40 + 1) as u32,
                1 => (next() % 65_536 + 1) as u32,
                2 => 2u32.pow((next() % 20) as u32) * 5u32.pow((next() % 6) as u32),
                _ => next() as u32 | 1,
            };
            direct += usize::from(check(&mut means, m, scale, n));
        }
        // The comparison is with the integer path, not with `Decimal` division itself.
        assert!(direct > cases * 9 / 10, "{direct} of {cases}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn means_match_decimal_division(m in any::<i64>(), scale in 0u32..=28, n in 1u32..) {
            check(&mut Means::default(), m, scale, n);
        }

        #[test]
        fn small_means_match_decimal_division(m in -1_000_000_000i64..1_000_000_000, scale in 0u32..=6, n in 1u32..=200) {
            check(&mut Means::default(), m, scale, n);
        }
    }
}
