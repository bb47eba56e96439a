//! Reduced-precision matrix products for the encoder's projections:
//! bf16 (AVX512-BF16 `vdpbf16ps`) and int8 (AVX512-VNNI `vpdpbusd`).
//!
//! Why our own kernels: candle 0.11's CPU matmul widens bf16 to f32 (no
//! speed-up), and its int8 VNNI path needs k % 256 = 0, which MiniLM's
//! k = 384 products are not (docs/embed.md, "Reduced precision"). Both
//! instructions do 2× (bf16) and 4× (int8) the multiply-adds of an f32 FMA
//! per instruction, so a register-tiled kernel that keeps them fed is what
//! turns the hardware's rate into throughput.
//!
//! Shape of both kernels: `out (m × n) = x (m × k) · W (k × n) + bias`.
//! - The weights are packed once at load into panels of [`NR`] = 64 columns
//!   (four 16-lane vectors), each panel laid out k-group by k-group in the
//!   order the instruction reads them: pairs along k for bf16, quads for int8,
//!   so one 64-byte load gives 16 columns × one k-group. n is padded to a
//!   multiple of 64 with zero columns, k to a multiple of the group with zeros.
//! - The activations are converted per call (per row: bf16 by rounding,
//!   int8 by per-token asymmetric quantisation), into rows whose k-groups are
//!   one 32-bit word each, so one broadcast feeds a whole row of the tile.
//! - The micro-kernel holds an [`MR`] × 64 tile of accumulators (24 of the 32
//!   vector registers) across the whole of k: per k-group 4 weight loads and
//!   6 broadcasts feed 24 multiply-adds, so it is bound by arithmetic, not loads.
//! - Rows are processed in blocks of [`MC`]; a block's converted activations
//!   stay in L1/L2 while it sweeps every weight panel.
//!
//! Every kernel is checked against a naive f64 reference in the tests below,
//! with tolerances derived from the number format.

use std::fmt;
use std::mem::MaybeUninit;
use std::str::FromStr;

use rayon::prelude::*;

/// Rows of the register tile.
const MR: usize = 6;
/// Columns of the register tile: four 16-lane f32/i32 vectors.
const NR: usize = 64;
/// Rows converted and multiplied together (a multiple of MR): small enough
/// that their converted activations (48 × 1536 × 2 bytes = 147 KB at most
/// for MiniLM) stay in L2 while every weight panel streams past them.
const MC: usize = 48;

/// Number format of the encoder's projection matrix products. Attention,
/// softmax, layer norm and pooling stay f32 in every mode.
///
/// The default is bf16, chosen by measurement (issue #18, docs/embed.md):
/// the fastest precision whose vectors keep cosine ≥ 0.999 to float32 on
/// every benchmark and parity sentence (min 0.99998) and whose coding κ and
/// theme ARI/NMI stay within noise. A CPU without AVX512-BF16 runs f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// float32 throughout (candle's gemm): the reference.
    F32,
    /// bf16 weights and activations, f32 accumulation.
    #[default]
    Bf16,
    /// int8 weights (per output column) and activations (per token), i32
    /// accumulation; see [`Precision::Int8`]'s per-projection plan in `bert.rs`.
    Int8,
}

impl Precision {
    pub const CHOICES: &'static str = "f32, bf16, int8";

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }

    /// Whether this CPU has the instructions the mode's kernels need. Where
    /// it does not, the encoder runs (and labels its vectors) as f32.
    pub fn supported(self) -> bool {
        match self {
            Precision::F32 => true,
            Precision::Bf16 => Kernels::detect().bf16,
            Precision::Int8 => Kernels::detect().int8,
        }
    }

    /// The precision a model key was made with: the key's `+bf16` / `+int8`
    /// suffix, none for f32 (see `SentenceTransformer::model_key`).
    pub fn of_model_key(key: &str) -> Precision {
        [Precision::Bf16, Precision::Int8]
            .into_iter()
            .find(|p| key.split('+').skip(1).any(|part| part == p.as_str()))
            .unwrap_or(Precision::F32)
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Precision {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Precision> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "float32" => Ok(Precision::F32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "int8" | "i8" => Ok(Precision::Int8),
            _ => anyhow::bail!(
                "unknown precision {s:?}: expected one of {}",
                Precision::CHOICES
            ),
        }
    }
}

/// Which reduced-precision kernels this CPU can run, detected once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kernels {
    pub bf16: bool,
    pub int8: bool,
}

impl Kernels {
    pub fn detect() -> Kernels {
        static DETECTED: std::sync::OnceLock<Kernels> = std::sync::OnceLock::new();
        *DETECTED.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                let base = is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512bw")
                    && is_x86_feature_detected!("avx512vl");
                Kernels {
                    bf16: base && is_x86_feature_detected!("avx512bf16"),
                    int8: base && is_x86_feature_detected!("avx512vnni"),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            Kernels {
                bf16: false,
                int8: false,
            }
        })
    }
}

/// f32 → bf16 with round-to-nearest-even (what `vcvtneps2bf16` does for
/// finite inputs), as the bit pattern.
#[inline(always)]
pub(crate) fn bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) as u16
}

#[cfg(test)]
fn bf16_value(bits: u16) -> f32 {
    f32::from_bits((bits as u32) << 16)
}

/// A weight matrix (k × n, given transposed as candle stores it: row-major
/// k × n) packed for the bf16 kernel.
pub(crate) struct Bf16Weights {
    k: usize,
    n: usize,
    /// k rounded up to even.
    k_pad: usize,
    /// Panels of NR columns; within a panel, k-pair p holds NR lanes × 2 bf16.
    packed: Vec<u16>,
    /// Bias padded to the panel width.
    bias: Vec<f32>,
}

impl Bf16Weights {
    /// `w` is (k × n) row-major, `bias` has n entries.
    pub fn pack(w: &[f32], k: usize, n: usize, bias: &[f32]) -> Bf16Weights {
        assert_eq!(w.len(), k * n);
        assert_eq!(bias.len(), n);
        let k_pad = k.next_multiple_of(2);
        let n_pad = n.next_multiple_of(NR);
        let mut packed = vec![0u16; k_pad * n_pad];
        for panel in 0..n_pad / NR {
            let base = panel * k_pad * NR;
            for kk in 0..k {
                let (pair, half) = (kk / 2, kk % 2);
                for lane in 0..NR {
                    let j = panel * NR + lane;
                    if j < n {
                        packed[base + pair * 2 * NR + lane * 2 + half] = bf16_bits(w[kk * n + j]);
                    }
                }
            }
        }
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_pad, 0.0);
        Bf16Weights {
            k,
            n,
            k_pad,
            packed,
            bias: padded_bias,
        }
    }

    pub fn k(&self) -> usize {
        self.k
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// `x` (m × k) row-major → (m × n) + bias. `serial`: on the calling
    /// thread only; otherwise row blocks are spread over rayon.
    /// The caller has checked [`Kernels::bf16`].
    pub fn matmul(&self, x: &[f32], serial: bool) -> Vec<f32> {
        assert_eq!(x.len() % self.k.max(1), 0);
        let m = x.len().checked_div(self.k).unwrap_or(0);
        let mut out = Vec::with_capacity(m * self.n);
        let block = |(b, dst): (usize, &mut [MaybeUninit<f32>])| {
            let rows = dst.len() / self.n;
            let src = &x[b * MC * self.k..][..rows * self.k];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: callers construct the bf16 path only when
            // `Kernels::detect().bf16` (avx512f/bw/vl + avx512bf16).
            unsafe {
                x86::bf16_block(self, src, rows, dst)
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = (src, dst);
                unreachable!("bf16 kernels exist on x86-64 only")
            }
        };
        if self.n == 0 {
            return out;
        }
        let blocks = out.spare_capacity_mut()[..m * self.n]
            .chunks_mut(MC * self.n)
            .enumerate();
        if serial {
            blocks.for_each(block);
        } else {
            blocks.collect::<Vec<_>>().into_par_iter().for_each(block);
        }
        // SAFETY: the kernel stored every element of every block: each row
        // tile writes all columns of each 64-column panel (the last panel
        // with a masked store), and the blocks cover all m rows.
        unsafe { out.set_len(m * self.n) };
        out
    }
}

/// A weight matrix packed for the int8 kernel: symmetric per output column,
/// `W[k][j] ≈ scale[j] · q[k][j]` with q in [-127, 127].
pub(crate) struct Int8Weights {
    k: usize,
    n: usize,
    /// k rounded up to a multiple of 4.
    k_pad: usize,
    /// Panels of NR columns; within a panel, k-quad g holds NR lanes × 4 i8.
    packed: Vec<i8>,
    /// Per column: scale, Σ_k q (to remove the activations' zero point), bias;
    /// all padded to the panel width.
    scale: Vec<f32>,
    col_sum: Vec<i32>,
    bias: Vec<f32>,
}

impl Int8Weights {
    pub fn pack(w: &[f32], k: usize, n: usize, bias: &[f32]) -> Int8Weights {
        assert_eq!(w.len(), k * n);
        assert_eq!(bias.len(), n);
        let k_pad = k.next_multiple_of(4);
        let n_pad = n.next_multiple_of(NR);
        let mut scale = vec![0f32; n_pad];
        for (j, s) in scale.iter_mut().enumerate().take(n) {
            let max = (0..k).map(|kk| w[kk * n + j].abs()).fold(0f32, f32::max);
            *s = if max > 0.0 { max / 127.0 } else { 1.0 };
        }
        let mut packed = vec![0i8; k_pad * n_pad];
        let mut col_sum = vec![0i32; n_pad];
        for panel in 0..n_pad / NR {
            let base = panel * k_pad * NR;
            for kk in 0..k {
                let (quad, t) = (kk / 4, kk % 4);
                for lane in 0..NR {
                    let j = panel * NR + lane;
                    if j < n {
                        let q = quantize_weight(w[kk * n + j], scale[j]);
                        packed[base + quad * 4 * NR + lane * 4 + t] = q;
                        col_sum[j] += q as i32;
                    }
                }
            }
        }
        let mut padded_bias = bias.to_vec();
        padded_bias.resize(n_pad, 0.0);
        Int8Weights {
            k,
            n,
            k_pad,
            packed,
            scale,
            col_sum,
            bias: padded_bias,
        }
    }

    pub fn k(&self) -> usize {
        self.k
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// `x` (m × k) row-major → (m × n) + bias. The caller has checked
    /// [`Kernels::int8`].
    pub fn matmul(&self, x: &[f32], serial: bool) -> Vec<f32> {
        assert_eq!(x.len() % self.k.max(1), 0);
        let m = x.len().checked_div(self.k).unwrap_or(0);
        let mut out = Vec::with_capacity(m * self.n);
        if self.n == 0 {
            return out;
        }
        let block = |(b, dst): (usize, &mut [MaybeUninit<f32>])| {
            let rows = dst.len() / self.n;
            let src = &x[b * MC * self.k..][..rows * self.k];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: callers construct the int8 path only when
            // `Kernels::detect().int8` (avx512f/bw/vl + avx512vnni).
            unsafe {
                x86::int8_block(self, src, rows, dst)
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = (src, dst);
                unreachable!("int8 kernels exist on x86-64 only")
            }
        };
        let blocks = out.spare_capacity_mut()[..m * self.n]
            .chunks_mut(MC * self.n)
            .enumerate();
        if serial {
            blocks.for_each(block);
        } else {
            blocks.collect::<Vec<_>>().into_par_iter().for_each(block);
        }
        // SAFETY: as in `Bf16Weights::matmul`, the kernel stored every element.
        unsafe { out.set_len(m * self.n) };
        out
    }
}

#[inline(always)]
fn quantize_weight(w: f32, scale: f32) -> i8 {
    (w / scale).round_ties_even().clamp(-127.0, 127.0) as i8
}

/// Per-token asymmetric quantisation of one activation row: the range
/// [min(x, 0), max(x, 0)] maps onto 0..=255, so `x ≈ scale · (q − zero)`.
/// Asymmetric because the FFN down projection's input (after GELU) is almost
/// all positive: a symmetric scale would waste half the codes. Returns
/// (scale, 1/scale, zero point).
#[inline(always)]
fn row_quant_params(min: f32, max: f32) -> (f32, f32, i32) {
    let (min, max) = (min.min(0.0), max.max(0.0));
    if max - min <= 0.0 || !(max - min).is_finite() {
        return (1.0, 1.0, 0);
    }
    let scale = (max - min) / 255.0;
    let inv = 255.0 / (max - min);
    let zero = (-min * inv).round_ties_even().clamp(0.0, 255.0) as i32;
    (scale, inv, zero)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{row_quant_params, Bf16Weights, Int8Weights, MaybeUninit, MR, NR};

    /// Lane mask for the first `valid` of 16 lanes.
    #[inline(always)]
    fn lanes(valid: usize) -> u16 {
        if valid >= 16 {
            u16::MAX
        } else {
            ((1u32 << valid) - 1) as u16
        }
    }

    /// One block of rows (at most MC) of the bf16 product.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16")]
    pub(super) unsafe fn bf16_block(
        w: &Bf16Weights,
        x: &[f32],
        rows: usize,
        out: &mut [MaybeUninit<f32>],
    ) {
        let (k, n) = (w.k, w.n);
        let pairs = w.k_pad / 2;
        // Activations as bf16 pairs, one u32 per k-pair (zero past k).
        let mut a = vec![0u32; rows * pairs];
        for r in 0..rows {
            let src = &x[r * k..][..k];
            let dst = a[r * pairs..].as_mut_ptr() as *mut u16;
            let mut c = 0;
            while c < k {
                let m = lanes(k - c);
                let v = _mm512_maskz_loadu_ps(m, src.as_ptr().add(c));
                let h: __m256i = std::mem::transmute(_mm512_cvtneps_pbh(v));
                _mm256_mask_storeu_epi16(dst.add(c) as *mut i16, m, h);
                c += 16;
            }
        }
        for panel in 0..w.packed.len() / (w.k_pad * NR) {
            let b = w.packed.as_ptr().add(panel * w.k_pad * NR);
            let col0 = panel * NR;
            let cols = (n - col0).min(NR);
            let bias = w.bias.as_ptr().add(col0);
            let mut r = 0;
            while r < rows {
                let ap = a.as_ptr().add(r * pairs);
                let op = (out.as_mut_ptr() as *mut f32).add(r * n + col0);
                match rows - r {
                    1 => bf16_tile::<1>(ap, pairs, b, bias, op, n, cols),
                    2 => bf16_tile::<2>(ap, pairs, b, bias, op, n, cols),
                    3 => bf16_tile::<3>(ap, pairs, b, bias, op, n, cols),
                    4 => bf16_tile::<4>(ap, pairs, b, bias, op, n, cols),
                    5 => bf16_tile::<5>(ap, pairs, b, bias, op, n, cols),
                    _ => bf16_tile::<MR>(ap, pairs, b, bias, op, n, cols),
                }
                r += MR;
            }
        }
    }

    /// R rows × 64 columns: out = a · b + bias, over all k-pairs.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn bf16_tile<const R: usize>(
        a: *const u32,
        pairs: usize,
        b: *const u16,
        bias: *const f32,
        out: *mut f32,
        n: usize,
        cols: usize,
    ) {
        let mut acc = [[_mm512_setzero_ps(); 4]; R];
        for p in 0..pairs {
            let bp = b.add(p * 2 * NR) as *const __m512i;
            let bv: [__m512bh; 4] = [
                std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(bp)),
                std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(bp.add(1))),
                std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(bp.add(2))),
                std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(bp.add(3))),
            ];
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let av: __m512bh =
                    std::mem::transmute(_mm512_set1_epi32(*a.add(r * pairs + p) as i32));
                for c in 0..4 {
                    acc_r[c] = _mm512_dpbf16_ps(acc_r[c], av, bv[c]);
                }
            }
        }
        for c in 0..4 {
            let valid = cols.saturating_sub(c * 16);
            if valid == 0 {
                break;
            }
            let m = lanes(valid);
            let bias_c = _mm512_loadu_ps(bias.add(c * 16));
            for (r, acc_r) in acc.iter().enumerate() {
                let v = _mm512_add_ps(acc_r[c], bias_c);
                _mm512_mask_storeu_ps(out.add(r * n + c * 16), m, v);
            }
        }
    }

    /// One block of rows (at most MC) of the int8 product.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    pub(super) unsafe fn int8_block(
        w: &Int8Weights,
        x: &[f32],
        rows: usize,
        out: &mut [MaybeUninit<f32>],
    ) {
        let (k, n) = (w.k, w.n);
        let quads = w.k_pad / 4;
        // Activations quantised per row to u8, one u32 per k-quad (padding:
        // 0, which meets zero weights).
        let mut a = vec![0u32; rows * quads];
        let mut row_scale = vec![0f32; rows];
        let mut row_zero = vec![0i32; rows];
        for r in 0..rows {
            let src = &x[r * k..][..k];
            let mut lo = _mm512_setzero_ps();
            let mut hi = _mm512_setzero_ps();
            let mut c = 0;
            while c < k {
                // Masked-off lanes read 0, which the range includes anyway.
                let v = _mm512_maskz_loadu_ps(lanes(k - c), src.as_ptr().add(c));
                lo = _mm512_min_ps(lo, v);
                hi = _mm512_max_ps(hi, v);
                c += 16;
            }
            let (scale, inv, zero) =
                row_quant_params(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
            row_scale[r] = scale;
            row_zero[r] = zero;
            let inv_v = _mm512_set1_ps(inv);
            let zero_v = _mm512_set1_epi32(zero);
            let dst = a[r * quads..].as_mut_ptr() as *mut u8;
            let mut c = 0;
            while c < k {
                let m = lanes(k - c);
                let v = _mm512_maskz_loadu_ps(m, src.as_ptr().add(c));
                // Round to nearest even (the default MXCSR mode), like
                // `row_quant_params` and the tests' reference.
                let q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv_v)), zero_v);
                let q = _mm512_min_epi32(
                    _mm512_max_epi32(q, _mm512_setzero_si512()),
                    _mm512_set1_epi32(255),
                );
                _mm_mask_storeu_epi8(dst.add(c) as *mut i8, m, _mm512_cvtepi32_epi8(q));
                c += 16;
            }
        }
        for panel in 0..w.packed.len() / (w.k_pad * NR) {
            let b = w.packed.as_ptr().add(panel * w.k_pad * NR);
            let col0 = panel * NR;
            let cols = (n - col0).min(NR);
            let cp = ColumnParams {
                scale: w.scale.as_ptr().add(col0),
                col_sum: w.col_sum.as_ptr().add(col0),
                bias: w.bias.as_ptr().add(col0),
            };
            let mut r = 0;
            while r < rows {
                let ap = a.as_ptr().add(r * quads);
                let rp = RowParams {
                    scale: row_scale.as_ptr().add(r),
                    zero: row_zero.as_ptr().add(r),
                };
                let op = (out.as_mut_ptr() as *mut f32).add(r * n + col0);
                match rows - r {
                    1 => int8_tile::<1>(ap, quads, b, &cp, &rp, op, n, cols),
                    2 => int8_tile::<2>(ap, quads, b, &cp, &rp, op, n, cols),
                    3 => int8_tile::<3>(ap, quads, b, &cp, &rp, op, n, cols),
                    4 => int8_tile::<4>(ap, quads, b, &cp, &rp, op, n, cols),
                    5 => int8_tile::<5>(ap, quads, b, &cp, &rp, op, n, cols),
                    _ => int8_tile::<MR>(ap, quads, b, &cp, &rp, op, n, cols),
                }
                r += MR;
            }
        }
    }

    struct ColumnParams {
        scale: *const f32,
        col_sum: *const i32,
        bias: *const f32,
    }

    struct RowParams {
        scale: *const f32,
        zero: *const i32,
    }

    /// R rows × 64 columns of the int8 product:
    /// out = s_row · s_col · (Σ q_x·q_w − zero_row · Σ q_w) + bias.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn int8_tile<const R: usize>(
        a: *const u32,
        quads: usize,
        b: *const i8,
        cp: &ColumnParams,
        rp: &RowParams,
        out: *mut f32,
        n: usize,
        cols: usize,
    ) {
        let mut acc = [[_mm512_setzero_si512(); 4]; R];
        for g in 0..quads {
            let bp = b.add(g * 4 * NR) as *const __m512i;
            let bv = [
                _mm512_loadu_si512(bp),
                _mm512_loadu_si512(bp.add(1)),
                _mm512_loadu_si512(bp.add(2)),
                _mm512_loadu_si512(bp.add(3)),
            ];
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_epi32(*a.add(r * quads + g) as i32);
                for c in 0..4 {
                    acc_r[c] = _mm512_dpbusd_epi32(acc_r[c], av, bv[c]);
                }
            }
        }
        for c in 0..4 {
            let valid = cols.saturating_sub(c * 16);
            if valid == 0 {
                break;
            }
            let m = lanes(valid);
            let scale_c = _mm512_loadu_ps(cp.scale.add(c * 16));
            let sum_c = _mm512_loadu_si512(cp.col_sum.add(c * 16) as *const __m512i);
            let bias_c = _mm512_loadu_ps(cp.bias.add(c * 16));
            for (r, acc_r) in acc.iter().enumerate() {
                let zero = _mm512_set1_epi32(*rp.zero.add(r));
                // Exact in i32: |Σ q_x·q_w| ≤ k·255·127 < 2³¹ for k < 66,000.
                let centred = _mm512_sub_epi32(acc_r[c], _mm512_mullo_epi32(zero, sum_c));
                let s = _mm512_mul_ps(scale_c, _mm512_set1_ps(*rp.scale.add(r)));
                let v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(centred), s, bias_c);
                _mm512_mask_storeu_ps(out.add(r * n + c * 16), m, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values with a spread like real activations: mostly
    /// small, a few larger, both signs.
    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let u = (s >> 40) as f32 / (1u64 << 24) as f32; // [0, 1)
                let v = 2.0 * u - 1.0;
                if s.is_multiple_of(37) {
                    v * 6.0
                } else {
                    v
                }
            })
            .collect()
    }

    /// (m × k) · (k × n) + bias in f64 over f32 inputs, and Σ|x|·|w| per
    /// output (the scale the rounding errors are relative to).
    fn naive(
        x: &[f32],
        w: &[f32],
        bias: &[f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut out = vec![0f64; m * n];
        let mut mag = vec![0f64; m * n];
        for r in 0..m {
            for j in 0..n {
                let (mut s, mut a) = (bias[j] as f64, 0f64);
                for kk in 0..k {
                    let p = x[r * k + kk] as f64 * w[kk * n + j] as f64;
                    s += p;
                    a += p.abs();
                }
                out[r * n + j] = s;
                mag[r * n + j] = a;
            }
        }
        (out, mag)
    }

    const SHAPES_M: [usize; 4] = [1, 7, 33, 130];
    const SHAPES_KN: [(usize, usize); 7] = [
        (384, 384),
        (384, 1152),
        (384, 1536),
        (1536, 384),
        (37, 384),
        (37, 70),
        (6, 17),
    ];

    /// bf16: each input is rounded to 8 significant bits (unit roundoff
    /// u = 2⁻⁸), so each product is within 2u + u² = 2⁻⁷ + 2⁻¹⁶ of exact
    /// (about 0.8%); accumulation is f32 (k·2⁻²⁴ relative, worst case). Hence
    /// |got − exact| ≤ (2⁻⁷ + 2⁻¹⁶ + k·2⁻²⁴) · Σ|x·w| + ulp of the bias.
    #[test]
    fn bf16_matches_naive_over_odd_shapes() {
        if !Kernels::detect().bf16 {
            eprintln!("skipped: no AVX512-BF16 on this CPU");
            return;
        }
        for &(k, n) in &SHAPES_KN {
            let w = values(k * n, (k * 7 + n) as u64);
            let bias = values(n, n as u64 + 3);
            let packed = Bf16Weights::pack(&w, k, n, &bias);
            for &m in &SHAPES_M {
                let x = values(m * k, (m * 31 + k) as u64);
                let (want, mag) = naive(&x, &w, &bias, m, k, n);
                for serial in [true, false] {
                    let got = packed.matmul(&x, serial);
                    assert_eq!(got.len(), m * n);
                    let rel = 2f64.powi(-7) + 2f64.powi(-16) + k as f64 * 2f64.powi(-24);
                    let mut ratio_sum = 0f64;
                    for i in 0..m * n {
                        let err = (got[i] as f64 - want[i]).abs();
                        let bound = rel * mag[i] + 1e-6 * want[i].abs().max(1.0);
                        ratio_sum += err / bound;
                        assert!(
                            err <= bound,
                            "m {m} k {k} n {n} [{}, {}]: {} vs {} (bound {bound})",
                            i / n,
                            i % n,
                            got[i],
                            want[i]
                        );
                    }
                    // Rounding errors partly cancel: on average they sit far
                    // inside the worst-case bound (a kernel that dropped or
                    // doubled a k-group would not).
                    let mean = ratio_sum / (m * n) as f64;
                    assert!(mean < 0.25, "m {m} k {k} n {n}: mean err/bound {mean}");
                }
            }
        }
    }

    /// The bf16 kernel computes exactly Σ bf16(x)·bf16(w) (each product is
    /// exact in f32), so against that emulation only f32 accumulation
    /// order remains: ≤ k·2⁻²⁴ · Σ|x·w|.
    #[test]
    fn bf16_matches_emulated_rounding() {
        if !Kernels::detect().bf16 {
            return;
        }
        let (m, k, n) = (13, 385, 130);
        let w = values(k * n, 5);
        let x = values(m * k, 6);
        let bias = vec![0f32; n];
        let round = |v: &[f32]| {
            v.iter()
                .map(|&f| bf16_value(bf16_bits(f)))
                .collect::<Vec<_>>()
        };
        let (want, mag) = naive(&round(&x), &round(&w), &bias, m, k, n);
        let got = Bf16Weights::pack(&w, k, n, &bias).matmul(&x, true);
        for i in 0..m * n {
            let bound = k as f64 * 2f64.powi(-24) * mag[i] + 1e-30;
            assert!(
                (got[i] as f64 - want[i]).abs() <= bound,
                "{i}: {} vs {}",
                got[i],
                want[i]
            );
        }
    }

    #[test]
    fn bf16_rounding_is_nearest_even() {
        assert_eq!(bf16_bits(1.0), 0x3F80);
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties to even (1.0).
        assert_eq!(bf16_bits(1.0 + 2f32.powi(-8)), 0x3F80);
        assert_eq!(bf16_bits(1.0 + 3.0 * 2f32.powi(-8)), 0x3F82);
        assert_eq!(bf16_value(bf16_bits(-2.5)), -2.5);
    }

    /// int8: with row scale s_x (range/255) and column scale s_w
    /// (max|w|/127), round-to-nearest gives |Δx| ≤ s_x/2 and |Δw| ≤ s_w/2, so
    /// |got − exact| ≤ s_x/2·Σ|w| + s_w/2·Σ|x| + k·s_x·s_w/4 (the integer sum
    /// is exact; f32 epilogue adds ~1e-6 relative).
    #[test]
    fn int8_matches_naive_over_odd_shapes() {
        if !Kernels::detect().int8 {
            eprintln!("skipped: no AVX512-VNNI on this CPU");
            return;
        }
        for &(k, n) in &SHAPES_KN {
            let w = values(k * n, (k * 11 + n) as u64);
            let bias = values(n, n as u64 + 5);
            let packed = Int8Weights::pack(&w, k, n, &bias);
            let col_abs: Vec<f64> = (0..n)
                .map(|j| (0..k).map(|kk| w[kk * n + j].abs() as f64).sum())
                .collect();
            let col_scale: Vec<f64> = (0..n)
                .map(|j| (0..k).map(|kk| w[kk * n + j].abs()).fold(0f32, f32::max) as f64 / 127.0)
                .collect();
            for &m in &SHAPES_M {
                let x = values(m * k, (m * 17 + k) as u64);
                let (want, _) = naive(&x, &w, &bias, m, k, n);
                for serial in [true, false] {
                    let got = packed.matmul(&x, serial);
                    assert_eq!(got.len(), m * n);
                    let mut ratio_sum = 0f64;
                    for r in 0..m {
                        let row = &x[r * k..][..k];
                        let lo = row.iter().copied().fold(0f32, f32::min) as f64;
                        let hi = row.iter().copied().fold(0f32, f32::max) as f64;
                        let sx = (hi - lo) / 255.0;
                        let row_abs: f64 = row.iter().map(|v| v.abs() as f64).sum();
                        for j in 0..n {
                            let i = r * n + j;
                            let bound = sx / 2.0 * col_abs[j]
                                + col_scale[j] / 2.0 * row_abs
                                + k as f64 * sx * col_scale[j] / 4.0
                                + 1e-5 * want[i].abs().max(1.0);
                            let err = (got[i] as f64 - want[i]).abs();
                            ratio_sum += err / bound;
                            assert!(
                                err <= bound,
                                "m {m} k {k} n {n} [{r}, {j}]: {} vs {} (bound {bound})",
                                got[i],
                                want[i]
                            );
                        }
                    }
                    let mean = ratio_sum / (m * n) as f64;
                    assert!(mean < 0.25, "m {m} k {k} n {n}: mean err/bound {mean}");
                }
            }
        }
    }

    /// Against an exact emulation of the quantisation (same scales, same
    /// rounding), only the f32 epilogue's rounding remains.
    #[test]
    fn int8_matches_emulated_quantisation() {
        if !Kernels::detect().int8 {
            return;
        }
        let (m, k, n) = (9, 389, 70);
        let w = values(k * n, 8);
        let x = values(m * k, 9);
        let bias = values(n, 10);
        let packed = Int8Weights::pack(&w, k, n, &bias);
        let got = packed.matmul(&x, true);
        for r in 0..m {
            let row = &x[r * k..][..k];
            let lo = row.iter().copied().fold(0f32, f32::min);
            let hi = row.iter().copied().fold(0f32, f32::max);
            let (sx, inv, zero) = row_quant_params(lo, hi);
            let qx: Vec<i64> = row
                .iter()
                .map(|v| ((v * inv).round_ties_even() as i64 + zero as i64).clamp(0, 255))
                .collect();
            for j in 0..n {
                let sw = packed.scale[j];
                let dot: i64 = (0..k)
                    .map(|kk| (qx[kk] - zero as i64) * quantize_weight(w[kk * n + j], sw) as i64)
                    .sum();
                let want = sx as f64 * sw as f64 * dot as f64 + bias[j] as f64;
                let got = got[r * n + j] as f64;
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "[{r}, {j}]: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn precision_parses_and_prints() {
        for p in [Precision::F32, Precision::Bf16, Precision::Int8] {
            assert_eq!(p.to_string().parse::<Precision>().unwrap(), p);
        }
        // The measured default (issue #18, docs/embed.md).
        assert_eq!(Precision::default(), Precision::Bf16);
        assert_eq!(" BF16 ".parse::<Precision>().unwrap(), Precision::Bf16);
        let err = "fp8".parse::<Precision>().unwrap_err().to_string();
        assert!(
            err.contains("\"fp8\"") && err.contains("f32, bf16, int8"),
            "{err}"
        );
        assert_eq!(Precision::of_model_key("m@0123+bf16"), Precision::Bf16);
        // A reading's name may follow the precision (`SentenceTransformer::with_reading`).
        assert_eq!(
            Precision::of_model_key("m@0123+int8+notes-out"),
            Precision::Int8
        );
        assert_eq!(Precision::of_model_key("m@0123+notes-out"), Precision::F32);
        assert_eq!(Precision::of_model_key("m@0123+int8"), Precision::Int8);
        assert_eq!(Precision::of_model_key("m@0123"), Precision::F32);
    }

    /// Zero rows (all-zero activations) and zero columns do not divide by zero.
    #[test]
    fn degenerate_rows_and_columns() {
        let (m, k, n) = (3, 8, 5);
        let mut w = values(k * n, 1);
        for kk in 0..k {
            w[kk * n + 2] = 0.0;
        }
        let x = vec![0f32; m * k];
        let bias = values(n, 2);
        if Kernels::detect().int8 {
            let got = Int8Weights::pack(&w, k, n, &bias).matmul(&x, true);
            for r in 0..m {
                assert_eq!(&got[r * n..][..n], &bias[..]);
            }
        }
        if Kernels::detect().bf16 {
            let got = Bf16Weights::pack(&w, k, n, &bias).matmul(&x, true);
            for r in 0..m {
                assert_eq!(&got[r * n..][..n], &bias[..]);
            }
        }
        if Kernels::detect().bf16 {
            assert!(Bf16Weights::pack(&w, k, n, &bias)
                .matmul(&[], true)
                .is_empty());
        }
    }
}
