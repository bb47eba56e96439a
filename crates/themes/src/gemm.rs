//! A safe front for `matrixmultiply::sgemm`, which takes raw pointers and
//! strides. The two products the crate needs check their slice lengths
//! against the shapes first, so the unsafe call cannot read or write out of
//! bounds whatever the caller passes.

/// `out` (m × n, row-major, overwritten) = `alpha` · A · Bᵀ, where `a` is A
/// row-major m × k and `b` is B row-major n × k. With unit rows this is the
/// cosine similarity of every row of A with every row of B.
///
/// Panics when a slice's length does not match its shape.
pub(crate) fn matmul_abt(
    alpha: f32,
    a: &[f32],
    b: &[f32],
    m: usize,
    k: usize,
    n: usize,
    out: &mut [f32],
) {
    check_lengths(a, b, m, k, n, out);
    // Bᵀ (k × n) read from B row-major n × k: element (p, j) is b[j*k + p],
    // so its row stride is 1 and its column stride k.
    sgemm_checked(alpha, a, (k, 1), b, (1, k), m, k, n, out);
}

/// `out` (m × n, row-major, overwritten) = `alpha` · Aᵀ · B, where `a` is A
/// row-major k × m and `b` is B row-major k × n (with `a` = `b` = X, n × d
/// data, this is the scatter matrix Xᵀ X).
///
/// Panics when a slice's length does not match its shape.
pub(crate) fn matmul_atb(
    alpha: f32,
    a: &[f32],
    b: &[f32],
    m: usize,
    k: usize,
    n: usize,
    out: &mut [f32],
) {
    check_lengths(a, b, m, k, n, out);
    // Aᵀ (m × k) read from A row-major k × m: element (i, p) is a[p*m + i].
    sgemm_checked(alpha, a, (1, m), b, (n, 1), m, k, n, out);
}

fn check_lengths(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, out: &[f32]) {
    assert_eq!(a.len(), m * k, "A holds {} values, not {m} × {k}", a.len());
    assert_eq!(b.len(), k * n, "B holds {} values, not {k} × {n}", b.len());
    assert_eq!(
        out.len(),
        m * n,
        "out holds {} values, not {m} × {n}",
        out.len()
    );
}

/// The one unsafe call. `a_strides`/`b_strides` are (row, column) strides of
/// the m × k and k × n operands as the two callers above derive them from
/// slices whose lengths `check_lengths` has verified.
#[allow(clippy::too_many_arguments)]
fn sgemm_checked(
    alpha: f32,
    a: &[f32],
    a_strides: (usize, usize),
    b: &[f32],
    b_strides: (usize, usize),
    m: usize,
    k: usize,
    n: usize,
    out: &mut [f32],
) {
    // The furthest element sgemm touches in each operand is at
    // (rows − 1)·row_stride + (cols − 1)·col_stride; with the strides above
    // that is m·k − 1 (resp. k·n − 1), inside the slice. Re-checked here so
    // a future caller with other strides cannot slip past.
    let last = |rows: usize, cols: usize, (rs, cs): (usize, usize)| {
        (rows > 0 && cols > 0).then(|| (rows - 1) * rs + (cols - 1) * cs)
    };
    assert!(last(m, k, a_strides).is_none_or(|i| i < a.len()));
    assert!(last(k, n, b_strides).is_none_or(|i| i < b.len()));
    assert!(out.len() >= m * n);
    // SAFETY: every index sgemm reads from `a` and `b` and writes in `out`
    // (row-major m × n, strides (n, 1)) is in bounds by the assertions above;
    // the strides fit in isize because they are at most a slice length; `out`
    // is a unique borrow, so it aliases neither input; with beta = 0 sgemm
    // writes `out` without reading it, so its old contents do not matter.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            a_strides.0 as isize,
            a_strides.1 as isize,
            b.as_ptr(),
            b_strides.0 as isize,
            b_strides.1 as isize,
            0.0,
            out.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values with no pattern that a transposition bug could hide in.
    fn values(len: usize, salt: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| {
                ((i.wrapping_mul(2654435761).wrapping_add(salt) >> 8) % 1000) as f32 / 500.0 - 1.0
            })
            .collect()
    }

    fn close(got: &[f32], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((*g as f64 - w).abs() < 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
        }
    }

    #[test]
    fn abt_matches_naive_on_odd_shapes() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (7, 13, 5),
            (3, 1, 9),
            (17, 33, 2),
            (0, 4, 3),
            (4, 0, 3),
        ] {
            let (a, b) = (values(m * k, 1), values(n * k, 7));
            let mut out = vec![f32::NAN; m * n];
            matmul_abt(0.5, &a, &b, m, k, n, &mut out);
            let naive: Vec<f64> = (0..m * n)
                .map(|x| {
                    let (i, j) = (x / n, x % n);
                    0.5 * (0..k)
                        .map(|p| a[i * k + p] as f64 * b[j * k + p] as f64)
                        .sum::<f64>()
                })
                .collect();
            close(&out, &naive);
        }
    }

    #[test]
    fn atb_matches_naive_on_odd_shapes() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (5, 11, 5),
            (3, 1, 9),
            (2, 31, 17),
            (0, 4, 3),
            (4, 0, 3),
        ] {
            let (a, b) = (values(k * m, 3), values(k * n, 5));
            let mut out = vec![f32::NAN; m * n];
            matmul_atb(2.0, &a, &b, m, k, n, &mut out);
            let naive: Vec<f64> = (0..m * n)
                .map(|x| {
                    let (i, j) = (x / n, x % n);
                    2.0 * (0..k)
                        .map(|p| a[p * m + i] as f64 * b[p * n + j] as f64)
                        .sum::<f64>()
                })
                .collect();
            close(&out, &naive);
        }
    }

    #[test]
    #[should_panic(expected = "A holds")]
    fn short_slice_is_refused() {
        let mut out = vec![0.0; 4];
        matmul_abt(1.0, &[1.0; 3], &[1.0; 4], 2, 2, 2, &mut out);
    }
}
