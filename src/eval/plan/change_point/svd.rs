//! commons-math 3.6's `SingularValueDecomposition` (the JAMA algorithm: Householder
//! bidiagonalisation, then implicit-shift QR on the bidiagonal) and its pseudo-inverse solver,
//! for the square moment systems of `LeastSquaresOnlineRegression`: ported operation by
//! operation, so a fit's R² rounds as Elasticsearch's does.

/// `SingularValueDecomposition.EPS` and `TINY`.
const EPS: f64 = f64::EPSILON;
const TINY: f64 = f64::from_bits(57 << 52); // 0x1.0p-966
/// QR sweeps allowed before giving up (commons-math has no cap; a NaN ends its loop too).
const MAX_SWEEPS: u32 = 10_000;

/// `Math.getExponent`: the unbiased binary exponent (-1023 for zero and subnormals).
fn exponent(x: f64) -> i32 {
    (((x.to_bits() >> 52) & 0x7ff) as i32) - 1023
}

/// `FastMath.hypot`: `sqrt(x² + y²)` scaled to avoid overflow, or the larger magnitude when the
/// other is below its 27th bit.
pub fn hypot(x: f64, y: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    let (ex, ey) = (exponent(x), exponent(y));
    if ex > ey + 27 {
        return x.abs();
    }
    if ey > ex + 27 {
        return y.abs();
    }
    let middle = (ex + ey) / 2;
    let (sx, sy) = (x * 2f64.powi(-middle), y * 2f64.powi(-middle));
    (sx * sx + sy * sy).sqrt() * 2f64.powi(middle)
}

/// A square matrix's singular values (descending) and its `U`, `V` factors.
pub struct Svd {
    pub singular: Vec<f64>,
    u: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
}

impl Svd {
    /// Decomposes the `n × n` matrix `a`; `None` if the QR iteration does not settle.
    pub fn new(mut a: Vec<Vec<f64>>) -> Option<Svd> {
        let n = a.len();
        let mut s = vec![0.0; n];
        let mut e = vec![0.0; n];
        let mut u = vec![vec![0.0; n]; n];
        let mut v = vec![vec![0.0; n]; n];
        bidiagonalize(&mut a, &mut s, &mut e, &mut u, &mut v);
        let nct = n.saturating_sub(1).min(n);
        let nrt = n.saturating_sub(2);
        if nct < n {
            s[nct] = a[nct][nct];
        }
        if nrt + 1 < n {
            e[nrt] = a[nrt][n - 1];
        }
        e[n - 1] = 0.0;
        generate_u(&mut u, &s, nct);
        generate_v(&mut v, &e, nrt);
        let mut svd = Svd { singular: s, u, v };
        svd.iterate(&mut e)?;
        Some(svd)
    }

    /// The main loop: deflate, split, or take a QR step until every `e` is negligible.
    fn iterate(&mut self, e: &mut [f64]) -> Option<()> {
        let n = self.singular.len();
        let mut p = n;
        let mut sweeps = 0;
        while p > 0 {
            sweeps += 1;
            if sweeps > MAX_SWEEPS {
                return None;
            }
            let s = &mut self.singular;
            let mut k = p as isize - 2;
            while k >= 0 {
                let ku = k as usize;
                let threshold = TINY + EPS * (s[ku].abs() + s[ku + 1].abs());
                // Written so that a NaN ends the search (MATH-947).
                let significant = e[ku].abs() > threshold;
                if !significant {
                    e[ku] = 0.0;
                    break;
                }
                k -= 1;
            }
            let kase;
            if k == p as isize - 2 {
                kase = 4;
            } else {
                let mut ks = p as isize - 1;
                while ks >= k {
                    if ks == k {
                        break;
                    }
                    let ksu = ks as usize;
                    let t = if ksu != p { e[ksu].abs() } else { 0.0 }
                        + if ks != k + 1 { e[ksu - 1].abs() } else { 0.0 };
                    if s[ksu].abs() <= TINY + EPS * t {
                        s[ksu] = 0.0;
                        break;
                    }
                    ks -= 1;
                }
                if ks == k {
                    kase = 3;
                } else if ks == p as isize - 1 {
                    kase = 1;
                } else {
                    kase = 2;
                    k = ks;
                }
            }
            let k = (k + 1) as usize;
            match kase {
                1 => self.deflate(e, k, p),
                2 => self.split(e, k, p),
                3 => self.qr_step(e, k, p),
                _ => {
                    self.converge(k);
                    p -= 1;
                }
            }
        }
        Some(())
    }

    /// Case 1: deflate a negligible `s[p-1]`.
    fn deflate(&mut self, e: &mut [f64], k: usize, p: usize) {
        let n = self.singular.len();
        let mut f = e[p - 2];
        e[p - 2] = 0.0;
        for j in (k..=p - 2).rev() {
            let t = hypot(self.singular[j], f);
            let (cs, sn) = (self.singular[j] / t, f / t);
            self.singular[j] = t;
            if j != k {
                f = -sn * e[j - 1];
                e[j - 1] *= cs;
            }
            for i in 0..n {
                let t = cs * self.v[i][j] + sn * self.v[i][p - 1];
                self.v[i][p - 1] = -sn * self.v[i][j] + cs * self.v[i][p - 1];
                self.v[i][j] = t;
            }
        }
    }

    /// Case 2: split at a negligible `s[k-1]`.
    #[allow(clippy::needless_range_loop)] // indices as in the Java, over three arrays
    fn split(&mut self, e: &mut [f64], k: usize, p: usize) {
        let m = self.singular.len();
        let mut f = e[k - 1];
        e[k - 1] = 0.0;
        for j in k..p {
            let t = hypot(self.singular[j], f);
            let (cs, sn) = (self.singular[j] / t, f / t);
            self.singular[j] = t;
            f = -sn * e[j];
            e[j] *= cs;
            for i in 0..m {
                let t = cs * self.u[i][j] + sn * self.u[i][k - 1];
                self.u[i][k - 1] = -sn * self.u[i][j] + cs * self.u[i][k - 1];
                self.u[i][j] = t;
            }
        }
    }

    /// Case 3: one implicit-shift QR step on rows and columns `k..p`.
    fn qr_step(&mut self, e: &mut [f64], k: usize, p: usize) {
        let n = self.singular.len();
        let s = &self.singular;
        let max_pm1_pm2 = s[p - 1].abs().max(s[p - 2].abs());
        let scale = max_pm1_pm2
            .max(e[p - 2].abs())
            .max(s[k].abs())
            .max(e[k].abs());
        let sp = s[p - 1] / scale;
        let spm1 = s[p - 2] / scale;
        let epm1 = e[p - 2] / scale;
        let sk = s[k] / scale;
        let ek = e[k] / scale;
        let b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2.0;
        let c = (sp * epm1) * (sp * epm1);
        let mut shift = 0.0;
        if b != 0.0 || c != 0.0 {
            shift = (b * b + c).sqrt();
            if b < 0.0 {
                shift = -shift;
            }
            shift = c / (b + shift);
        }
        let mut f = (sk + sp) * (sk - sp) + shift;
        let mut g = sk * ek;
        for j in k..p - 1 {
            let t = hypot(f, g);
            let (cs, sn) = (f / t, g / t);
            if j != k {
                e[j - 1] = t;
            }
            let s = &mut self.singular;
            f = cs * s[j] + sn * e[j];
            e[j] = cs * e[j] - sn * s[j];
            g = sn * s[j + 1];
            s[j + 1] *= cs;
            rotate_columns(&mut self.v, j, cs, sn);
            let t = hypot(f, g);
            let (cs, sn) = (f / t, g / t);
            let s = &mut self.singular;
            s[j] = t;
            f = cs * e[j] + sn * s[j + 1];
            s[j + 1] = -sn * e[j] + cs * s[j + 1];
            g = sn * e[j + 1];
            e[j + 1] *= cs;
            if j < n - 1 {
                rotate_columns(&mut self.u, j, cs, sn);
            }
        }
        e[p - 2] = f;
    }

    /// Case 4: `s[k]` converged: make it positive and move it into descending order.
    fn converge(&mut self, mut k: usize) {
        let n = self.singular.len();
        let pp = n - 1;
        if self.singular[k] <= 0.0 {
            self.singular[k] = if self.singular[k] < 0.0 {
                -self.singular[k]
            } else {
                0.0
            };
            for row in self.v.iter_mut().take(pp + 1) {
                row[k] = -row[k];
            }
        }
        while k < pp {
            if self.singular[k] >= self.singular[k + 1] {
                break;
            }
            self.singular.swap(k, k + 1);
            if k < n - 1 {
                self.v.iter_mut().for_each(|row| row.swap(k, k + 1));
                self.u.iter_mut().for_each(|row| row.swap(k, k + 1));
            }
            k += 1;
        }
    }

    /// `getSolver().solve(y)`: the pseudo-inverse `V·diag(1/s)·Uᵀ` (singular values at or below
    /// the tolerance dropped) times `y`, multiplied as `Array2DRowRealMatrix.multiply` does.
    pub fn solve(&self, y: &[f64]) -> Vec<f64> {
        let n = self.singular.len();
        let tol = (n as f64 * self.singular[0] * EPS).max(f64::MIN_POSITIVE.sqrt());
        // suT[i][j] = U[j][i] / s[i]
        let su_t: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let a = if self.singular[i] > tol {
                    1.0 / self.singular[i]
                } else {
                    0.0
                };
                (0..n).map(|j| self.u[j][i] * a).collect()
            })
            .collect();
        let pseudo: Vec<Vec<f64>> = (0..n)
            .map(|row| {
                (0..n)
                    .map(|col| {
                        let mut sum = 0.0;
                        for (i, su) in su_t.iter().enumerate() {
                            sum += self.v[row][i] * su[col];
                        }
                        sum
                    })
                    .collect()
            })
            .collect();
        pseudo
            .iter()
            .map(|row| {
                let mut sum = 0.0;
                for (a, b) in row.iter().zip(y) {
                    sum += a * b;
                }
                sum
            })
            .collect()
    }
}

/// A Givens rotation of columns `j` and `j + 1`.
fn rotate_columns(m: &mut [Vec<f64>], j: usize, cs: f64, sn: f64) {
    for row in m.iter_mut() {
        let t = cs * row[j] + sn * row[j + 1];
        row[j + 1] = -sn * row[j] + cs * row[j + 1];
        row[j] = t;
    }
}

/// Householder reduction of the square `a` to bidiagonal form: the diagonal in `s`, the
/// super-diagonal in `e`, the transformations in `u` and `v`.
fn bidiagonalize(
    a: &mut [Vec<f64>],
    s: &mut [f64],
    e: &mut [f64],
    u: &mut [Vec<f64>],
    v: &mut [Vec<f64>],
) {
    let (m, n) = (a.len(), a.len());
    let nct = (m - 1).min(n);
    let nrt = n.saturating_sub(2);
    let mut work = vec![0.0; m];
    for k in 0..nct.max(nrt) {
        if k < nct {
            s[k] = 0.0;
            for row in a.iter().skip(k) {
                s[k] = hypot(s[k], row[k]);
            }
            if s[k] != 0.0 {
                if a[k][k] < 0.0 {
                    s[k] = -s[k];
                }
                for row in a.iter_mut().skip(k) {
                    row[k] /= s[k];
                }
                a[k][k] += 1.0;
            }
            s[k] = -s[k];
        }
        for j in k + 1..n {
            if k < nct && s[k] != 0.0 {
                let mut t = 0.0;
                for row in a.iter().skip(k) {
                    t += row[k] * row[j];
                }
                t = -t / a[k][k];
                for row in a.iter_mut().skip(k) {
                    row[j] += t * row[k];
                }
            }
            e[j] = a[k][j];
        }
        if k < nct {
            for i in k..m {
                u[i][k] = a[i][k];
            }
        }
        if k < nrt {
            row_transformation(a, e, &mut work, v, k);
        }
    }
}

/// The `k`-th row transformation of [`bidiagonalize`]: the super-diagonal `e[k]`.
fn row_transformation(
    a: &mut [Vec<f64>],
    e: &mut [f64],
    work: &mut [f64],
    v: &mut [Vec<f64>],
    k: usize,
) {
    let (m, n) = (a.len(), a.len());
    e[k] = 0.0;
    for i in k + 1..n {
        e[k] = hypot(e[k], e[i]);
    }
    if e[k] != 0.0 {
        if e[k + 1] < 0.0 {
            e[k] = -e[k];
        }
        for i in k + 1..n {
            e[i] /= e[k];
        }
        e[k + 1] += 1.0;
    }
    e[k] = -e[k];
    if k + 1 < m && e[k] != 0.0 {
        for w in work.iter_mut().take(m).skip(k + 1) {
            *w = 0.0;
        }
        for j in k + 1..n {
            for i in k + 1..m {
                work[i] += e[j] * a[i][j];
            }
        }
        for j in k + 1..n {
            let t = -e[j] / e[k + 1];
            for i in k + 1..m {
                a[i][j] += t * work[i];
            }
        }
    }
    for i in k + 1..n {
        v[i][k] = e[i];
    }
}

/// Accumulates the left transformations into `u`.
fn generate_u(u: &mut [Vec<f64>], s: &[f64], nct: usize) {
    let (m, n) = (u.len(), u.len());
    for j in nct..n {
        for row in u.iter_mut() {
            row[j] = 0.0;
        }
        u[j][j] = 1.0;
    }
    for k in (0..nct).rev() {
        if s[k] != 0.0 {
            for j in k + 1..n {
                let mut t = 0.0;
                for row in u.iter().skip(k) {
                    t += row[k] * row[j];
                }
                t = -t / u[k][k];
                for row in u.iter_mut().skip(k) {
                    row[j] += t * row[k];
                }
            }
            for row in u.iter_mut().skip(k) {
                row[k] = -row[k];
            }
            u[k][k] += 1.0;
            for row in u.iter_mut().take(k.saturating_sub(1)) {
                row[k] = 0.0;
            }
        } else {
            for row in u.iter_mut().take(m) {
                row[k] = 0.0;
            }
            u[k][k] = 1.0;
        }
    }
}

/// Accumulates the right transformations into `v`.
fn generate_v(v: &mut [Vec<f64>], e: &[f64], nrt: usize) {
    let n = v.len();
    for k in (0..n).rev() {
        if k < nrt && e[k] != 0.0 {
            for j in k + 1..n {
                let mut t = 0.0;
                for row in v.iter().skip(k + 1) {
                    t += row[k] * row[j];
                }
                t = -t / v[k + 1][k];
                for row in v.iter_mut().skip(k + 1) {
                    row[j] += t * row[k];
                }
            }
        }
        for row in v.iter_mut() {
            row[k] = 0.0;
        }
        v[k][k] = 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposes_and_solves_a_symmetric_system() {
        let a = vec![
            vec![4.0, 2.0, 0.6],
            vec![2.0, 2.0, 0.5],
            vec![0.6, 0.5, 3.0],
        ];
        let svd = Svd::new(a.clone()).unwrap();
        assert!(svd.singular.windows(2).all(|w| w[0] >= w[1]));
        let x = [1.0, -2.0, 0.5];
        let y: Vec<f64> = a
            .iter()
            .map(|r| r.iter().zip(&x).map(|(p, q)| p * q).sum())
            .collect();
        let solved = svd.solve(&y);
        for (s, want) in solved.iter().zip(x) {
            assert!((s - want).abs() < 1e-12, "{solved:?}");
        }
    }

    #[test]
    fn hypot_is_the_scaled_euclidean_norm() {
        assert_eq!(hypot(3.0, 4.0), 5.0);
        assert!((hypot(1e300, 1e300) / 1e300 - std::f64::consts::SQRT_2).abs() < 1e-15);
        assert_eq!(hypot(1.0, 1e-20), 1.0);
        assert_eq!(hypot(0.0, 0.0), 0.0);
    }
}
