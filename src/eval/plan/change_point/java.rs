//! The few Java and commons-math library behaviours the change-point detector's results depend
//! on: `Arrays.binarySearch` (which equal element it finds), `java.util.Random` (the fixed-seed
//! sample of long series), `Math.ulp`, `HashSet<Integer>` iteration order, and commons-math's
//! `StatUtils.variance` and two-sample Kolmogorov–Smirnov test.

/// `Arrays.binarySearch(double[], key)`: the index of an element equal to `key` (by
/// `Double.compare`), else `-(insertion point) - 1`.
pub fn binary_search(xs: &[f64], key: f64) -> isize {
    let (mut low, mut high) = (0isize, xs.len() as isize - 1);
    while low <= high {
        let mid = ((low + high) as usize >> 1) as isize;
        let v = xs[mid as usize];
        if v < key {
            low = mid + 1;
        } else if v > key {
            high = mid - 1;
        } else {
            // Equal or NaN: Java orders by the bits (-0.0 < 0.0, NaN last).
            let (mb, kb) = (java_bits(v), java_bits(key));
            match mb.cmp(&kb) {
                std::cmp::Ordering::Equal => return mid,
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid - 1,
            }
        }
    }
    -(low + 1)
}

/// `Double.doubleToLongBits`: every NaN as the canonical one.
fn java_bits(v: f64) -> i64 {
    if v.is_nan() {
        0x7ff8_0000_0000_0000
    } else {
        v.to_bits() as i64
    }
}

/// `Arrays.binarySearch(int[], from, to, key)`.
pub fn binary_search_int(xs: &[i64], key: i64) -> isize {
    match xs.binary_search(&key) {
        Ok(i) => i as isize,
        Err(i) => -(i as isize) - 1,
    }
}

/// The insertion point (or position) `binarySearch` reports: `lowerBound` in the Java source.
pub fn lower_bound(xs: &[f64], key: f64) -> usize {
    let r = binary_search(xs, key);
    if r < 0 {
        (-1 - r) as usize
    } else {
        r as usize
    }
}

/// `Math.ulp(x)`: the distance from `|x|` to the next larger double.
pub fn ulp(x: f64) -> f64 {
    let a = x.abs();
    if !a.is_finite() {
        return a;
    }
    if a == f64::MAX {
        return 2f64.powi(971);
    }
    f64::from_bits(a.to_bits() + 1) - a
}

/// `java.util.Random`: the 48-bit linear congruential generator.
pub struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    pub fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> u64 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        self.seed >> (48 - bits)
    }

    /// `Random.nextDouble`: 53 random bits as a fraction in `[0, 1)`.
    pub fn next_double(&mut self) -> f64 {
        let high = self.next(26);
        let low = self.next(27);
        ((high << 27) + low) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The order a `HashSet<Integer>` sized for 4 (a table of 8 buckets) iterates `values`
/// (distinct, in insertion order): by bucket, then insertion order within a bucket.
pub fn hash_set_order(values: &[i64]) -> Vec<i64> {
    let bucket = |v: i64| {
        let h = v as i32 as u32;
        (h ^ (h >> 16)) & 7
    };
    let mut ordered = values.to_vec();
    ordered.sort_by_key(|&v| bucket(v));
    ordered
}

/// commons-math `StatUtils.variance`: the bias-corrected sample variance by the corrected
/// two-pass algorithm (`NaN` for no values, 0 for one).
pub fn sample_variance(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    match values.len() {
        0 => f64::NAN,
        1 => 0.0,
        _ => {
            let mean = mean(values);
            let (mut accum, mut dev_sum) = (0.0, 0.0);
            for &v in values {
                let dev = v - mean;
                accum += dev * dev;
                dev_sum += dev;
            }
            (accum - (dev_sum * dev_sum / n)) / (n - 1.0)
        }
    }
}

/// commons-math `Mean.evaluate`: the sum over `n`, corrected by the mean deviation.
fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let xbar = sum / n;
    let correction: f64 = values.iter().map(|v| v - xbar).sum();
    xbar + correction / n
}

/// `KolmogorovSmirnovTest.kolmogorovSmirnovStatistic(x, y)` as `n·m·D` (its integral form).
/// Both samples must hold at least one value.
pub fn ks_integral_statistic(x: &[f64], y: &[f64]) -> i64 {
    let mut sx = x.to_vec();
    let mut sy = y.to_vec();
    sx.sort_by(f64::total_cmp);
    sy.sort_by(f64::total_cmp);
    let (n, m) = (sx.len(), sy.len());
    let (mut rank_x, mut rank_y) = (0, 0);
    let (mut cur, mut sup) = (0i64, 0i64);
    loop {
        let z = if sx[rank_x].total_cmp(&sy[rank_y]).is_le() {
            sx[rank_x]
        } else {
            sy[rank_y]
        };
        while rank_x < n && sx[rank_x].total_cmp(&z).is_eq() {
            rank_x += 1;
            cur += m as i64;
        }
        while rank_y < m && sy[rank_y].total_cmp(&z).is_eq() {
            rank_y += 1;
            cur -= n as i64;
        }
        if cur > sup {
            sup = cur;
        } else if -cur > sup {
            sup = -cur;
        }
        if rank_x >= n || rank_y >= m {
            return sup;
        }
    }
}

/// `calculateIntegralD`: `d` as a whole `n·m·D`, rounded as the test's tolerance says.
fn integral_d(d: f64, n: usize, m: usize, strict: bool) -> i64 {
    const TOL: f64 = 1e-12;
    let nm = (n * m) as f64;
    let upper = ((d - TOL) * nm).ceil() as i64;
    let lower = ((d + TOL) * nm).floor() as i64;
    if strict && lower == upper {
        upper + 1
    } else {
        upper
    }
}

/// `KolmogorovSmirnovTest.exactP(d, n, m, strict)` (commons-math 3.6): one minus the share of
/// lattice paths from (0, 0) to (m, n) that stay within `d`, counted as doubles.
pub fn ks_exact_p(d: f64, n: usize, m: usize, strict: bool) -> f64 {
    let cnm = integral_d(d, m, n, strict);
    1.0 - lattice_paths(m, n, m, n, cnm, strict) / binomial_double(n + m, m)
}

/// The `c` of the lattice-path count: whether (i, j) lies within the bound.
fn within(i: usize, j: usize, m: usize, n: usize, cnm: i64, strict: bool) -> f64 {
    let gap = (i as i64 * n as i64 - j as i64 * m as i64).abs();
    let inside = if strict { gap <= cnm } else { gap < cnm };
    if inside {
        1.0
    } else {
        0.0
    }
}

/// The `n(i, j, m, n, cnm, strict)` of the 3.6 source: the recursion unwound one row at a time.
fn lattice_paths(i: usize, j: usize, m: usize, n: usize, cnm: i64, strict: bool) -> f64 {
    let mut lag: Vec<f64> = (0..n)
        .map(|k| within(0, k + 1, m, n, cnm, strict))
        .collect();
    let mut last = 0.0;
    for k in 1..=i {
        last = within(k, 0, m, n, cnm, strict);
        for l in 1..=j {
            lag[l - 1] = within(k, l, m, n, cnm, strict) * (last + lag[l - 1]);
            last = lag[l - 1];
        }
    }
    last
}

/// `CombinatoricsUtils.binomialCoefficientDouble(n, k)`.
fn binomial_double(n: usize, k: usize) -> f64 {
    if n == k || k == 0 {
        return 1.0;
    }
    if k == 1 || k == n - 1 {
        return n as f64;
    }
    if k > n / 2 {
        return binomial_double(n, n - k);
    }
    if n < 67 {
        // Exact (as `binomialCoefficient`'s long), each partial product a binomial itself.
        let mut result: u128 = 1;
        for i in 1..=k as u128 {
            result = result * (n as u128 - k as u128 + i) / i;
        }
        return result as f64;
    }
    let mut result = 1.0;
    for i in 1..=k {
        result *= (n - k + i) as f64 / i as f64;
    }
    (result + 0.5).floor()
}
