//! The detector's running statistics: ml's `ChangeDetector.RunningStats` (weighted sums for a
//! mean and variance that values can join and leave) and `LeastSquaresOnlineRegression` (a
//! weighted polynomial fit kept as running moments, asked for its R²).
//!
//! Elasticsearch solves the fit's normal equations with commons-math's
//! `SingularValueDecomposition` and refuses a system whose condition number exceeds 1e15; so does
//! this port, with that decomposition ported in `svd`.

use super::svd::Svd;

/// Weighted running sums: `count` is the total weight.
#[derive(Clone, Debug, Default)]
pub struct RunningStats {
    sum_of_squares: f64,
    sum: f64,
    count: f64,
}

impl RunningStats {
    pub fn of(values: &[f64], weights: &[f64], start: usize, end: usize) -> RunningStats {
        let mut stats = RunningStats::default();
        stats.add_range(values, weights, start, end);
        stats
    }

    pub fn count(&self) -> f64 {
        self.count
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.count
    }

    pub fn variance(&self) -> f64 {
        ((self.sum_of_squares - ((self.sum * self.sum) / self.count)) / self.count).max(0.0)
    }

    pub fn std(&self) -> f64 {
        self.variance().sqrt()
    }

    pub fn add(&mut self, value: f64, weight: f64) {
        self.sum_of_squares += value * value * weight;
        self.count += weight;
        self.sum += value * weight;
    }

    pub fn remove(&mut self, value: f64, weight: f64) {
        self.sum_of_squares = (self.sum_of_squares - value * value * weight).max(0.0);
        self.count = (self.count - weight).max(0.0);
        self.sum -= value * weight;
    }

    pub fn add_range(&mut self, values: &[f64], weights: &[f64], start: usize, end: usize) {
        for i in start..end.min(values.len()) {
            self.add(values[i], weights[i]);
        }
    }

    pub fn remove_range(&mut self, values: &[f64], weights: &[f64], start: usize, end: usize) {
        for i in start..end.min(values.len()) {
            self.remove(values[i], weights[i]);
        }
    }
}

/// The degree of every fit the detector makes (`new LeastSquaresOnlineRegression(2)`).
const N: usize = 3;
/// The moments: `E[x^0..x^4]` at 0..=4, `E[y], E[xy], E[x²y]` at 5..=7, `E[y²]` at 8.
const MOMENTS: usize = 3 * N;
/// `SINGLE_VALUE_DECOMPOSITION_EPS`: the largest condition number a fit accepts.
const MAX_CONDITION: f64 = 1e15;

/// A weighted quadratic least-squares fit kept as running means of its moments.
#[derive(Clone, Debug)]
pub struct OnlineRegression {
    count: f64,
    stats: [f64; MOMENTS],
}

impl Default for OnlineRegression {
    fn default() -> Self {
        OnlineRegression {
            count: 0.0,
            stats: [0.0; MOMENTS],
        }
    }
}

/// `statisticAdj(x, y)`: the moments one point contributes.
fn moments(x: f64, y: f64) -> [f64; MOMENTS] {
    let mut d = [0.0; MOMENTS];
    let mut xi = 1.0;
    for i in 0..N {
        d[i] = xi;
        d[i + 2 * N - 1] = xi * y;
        xi *= x;
    }
    for item in d.iter_mut().take(2 * N - 1).skip(3) {
        *item = xi;
        xi *= x;
    }
    d[3 * N - 1] = y * y;
    d
}

impl OnlineRegression {
    pub fn add(&mut self, x: f64, y: f64, weight: f64) {
        let d = moments(x, y);
        self.count += weight;
        let alpha = weight / self.count;
        let beta = 1.0 - alpha;
        for (s, v) in self.stats.iter_mut().zip(d) {
            *s = *s * beta + alpha * v;
        }
    }

    pub fn remove(&mut self, x: f64, y: f64, weight: f64) {
        let d = moments(x, y);
        self.count = (self.count - weight).max(0.0);
        if self.count == 0.0 {
            self.stats = [0.0; MOMENTS];
            return;
        }
        let alpha = weight / self.count;
        let beta = 1.0 + alpha;
        for (s, v) in self.stats.iter_mut().zip(d) {
            *s = *s * beta - alpha * v;
        }
    }

    /// `rSquared()`: the share of the variance of y the quadratic fit explains, in [0, 1]; 0
    /// when the moment system is too ill-conditioned (Elasticsearch's fallback to a lower degree
    /// re-tests the full system, so it never succeeds where the full one failed).
    pub fn r_squared(&self) -> f64 {
        if self.count <= 0.0 {
            return 0.0;
        }
        let s = &self.stats;
        let var = s[3 * N - 1] - s[2 * N - 1] * s[2 * N - 1];
        match self.residual_variance() {
            Some(residual) => (1.0 - residual / var).clamp(0.0, 1.0),
            None => 0.0,
        }
    }

    fn residual_variance(&self) -> Option<f64> {
        let s = &self.stats;
        let mut x = [[0.0; N]; N];
        let mut y = [0.0; N];
        let mut z = [0.0; N];
        for i in 0..N {
            y[i] = s[i + 2 * N - 1];
            z[i] = s[i];
            x[i].copy_from_slice(&s[i..i + N]);
        }
        let r = solve_symmetric(x, y)?;
        let yr: f64 = (0..N).map(|i| y[i] * r[i]).sum();
        let zr: f64 = (0..N).map(|i| z[i] * r[i]).sum();
        let t = s[2 * N - 1] - zr;
        Some((s[3 * N - 1] - yr) - (t * t))
    }
}

/// Solves `a·r = y` as Elasticsearch does: commons-math's SVD, refused (`None`) when the
/// largest singular value exceeds [`MAX_CONDITION`] times the smallest.
fn solve_symmetric(a: [[f64; N]; N], y: [f64; N]) -> Option<[f64; N]> {
    let svd = Svd::new(a.iter().map(|row| row.to_vec()).collect())?;
    if svd.singular[0] > MAX_CONDITION * svd.singular[N - 1] {
        return None;
    }
    let r = svd.solve(&y);
    Some([r[0], r[1], r[2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_quadratic_is_fully_explained_and_noise_is_not() {
        let mut fit = OnlineRegression::default();
        for i in 0..20 {
            let x = i as f64;
            fit.add(x, 3.0 + 2.0 * x - 0.5 * x * x, 1.0);
        }
        assert!((fit.r_squared() - 1.0).abs() < 1e-9, "{}", fit.r_squared());
        let mut flat = OnlineRegression::default();
        for i in 0..20 {
            flat.add(i as f64, if i % 2 == 0 { 1.0 } else { -1.0 }, 1.0);
        }
        assert!(flat.r_squared() < 0.05, "{}", flat.r_squared());
    }

    #[test]
    fn removing_a_point_undoes_adding_it() {
        let mut fit = OnlineRegression::default();
        let mut stats = RunningStats::default();
        for i in 0..10 {
            fit.add(i as f64, (i * i) as f64, 1.0);
            stats.add((i * i) as f64, 1.0);
        }
        let (r2, var) = (fit.r_squared(), stats.variance());
        fit.add(10.0, -50.0, 1.0);
        stats.add(-50.0, 1.0);
        fit.remove(10.0, -50.0, 1.0);
        stats.remove(-50.0, 1.0);
        assert!((fit.r_squared() - r2).abs() < 1e-9);
        assert!((stats.variance() - var).abs() < 1e-9);
        // The mean of 0, 1, 4, …, 81 is 28.5.
        assert_eq!(stats.mean(), 28.5);
    }
}
