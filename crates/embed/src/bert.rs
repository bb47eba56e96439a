//! An inference-only BERT encoder on candle tensors.
//!
//! Why not `candle-transformers`' BERT: it pads every batch to its longest
//! input and runs attention as one tiny matrix product per (sentence, head)
//! (25×32 by 32×25 on typical sentences), which on this CPU costs more in
//! call overhead than the arithmetic. Here the sentences of a batch are
//! *packed*: all their tokens form one (tokens × hidden) matrix, so every
//! projection is one large matrix product with no padding rows at all, and
//! attention (about 1% of the arithmetic) is a small hand-written kernel that
//! reads the fused Q|K|V matrix in place, one sentence per rayon task.
//!
//! That fast path reads CPU memory directly (the attention kernel, the fused
//! bias + GELU pass, rayon loops over slices). On any other candle device
//! (CUDA, with the `cuda` feature) the same model runs through
//! [`Bert::forward_generic`]: device-generic candle ops only, attention
//! batched over the packed sentences re-padded to the batch's longest one.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use candle_core::{DType, Device, Storage, Tensor};
use rayon::prelude::*;

use crate::config::BertConfig;
use crate::lowp::{Bf16Weights, Int8Weights, Precision};

/// A linear layer with its weight stored transposed, (in × out), so the
/// forward pass is one row-major matrix product; in bf16 or int8 mode also
/// packed once for that kernel (the f32 weight stays for the generic path).
struct Linear {
    weight_t: Tensor,
    bias: Tensor,
    packed: Option<Packed>,
}

enum Packed {
    Bf16(Bf16Weights),
    Int8(Int8Weights),
}

/// The four projections of a layer, for choosing their number format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Projection {
    Qkv,
    AttentionOutput,
    FfnUp,
    FfnDown,
}

/// The number format each projection runs in under `precision`. int8 keeps
/// the fused Q|K|V projection in bf16: its errors go through the softmax's
/// exponential, and it was the one projection whose int8 error the parity
/// bar could not absorb. Measured min cosine to f32 on the 211 parity
/// sentences with only that projection in int8 (the rest bf16): Q|K|V
/// 0.9963, attention output 0.9999, FFN up 0.9983, FFN down 0.9971; all
/// four int8 0.9922 (fails 0.995), all but Q|K|V 0.9954 (this plan); on the
/// 3,000 benchmark sentences 0.9978 and 0.9989. Speed cost of keeping Q|K|V
/// in bf16: within run-to-run noise (docs/embed.md, "Reduced precision").
fn format_of(precision: Precision, projection: Projection) -> Precision {
    match (precision, projection) {
        (Precision::Int8, Projection::Qkv) => Precision::Bf16,
        (p, _) => p,
    }
}

impl Linear {
    /// Plain f32 product through candle (any device).
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.weight_t)?.broadcast_add(&self.bias)?)
    }

    /// x · W + bias on the CPU fast path: the packed reduced-precision
    /// kernel when there is one, else candle's f32 product.
    fn forward_cpu(&self, x: &Tensor, serial: bool) -> Result<Tensor> {
        match self.packed_product(x, serial)? {
            None => self.forward(x),
            Some((rows, n, out)) => Ok(Tensor::from_vec(out, (rows, n), x.device())?),
        }
    }

    /// x · W + bias as row-major values (the packed kernel's own output, or
    /// a copy of candle's f32 product).
    fn product_cpu(&self, x: &Tensor, serial: bool) -> Result<Vec<f32>> {
        match self.packed_product(x, serial)? {
            Some((_, _, out)) => Ok(out),
            None => with_f32_slice(&self.forward(x)?, |p| p.to_vec()),
        }
    }

    /// x · W + bias by the packed kernel, as (rows, columns, row-major
    /// values); None when the weight is not packed (f32).
    fn packed_product(&self, x: &Tensor, serial: bool) -> Result<Option<(usize, usize, Vec<f32>)>> {
        let Some(packed) = &self.packed else {
            return Ok(None);
        };
        Ok(Some(with_f32_slice(x, |x| match packed {
            Packed::Bf16(w) => (x.len() / w.k().max(1), w.n(), w.matmul(x, serial)),
            Packed::Int8(w) => (x.len() / w.k().max(1), w.n(), w.matmul(x, serial)),
        })?))
    }

    /// Packs the weight for `format`'s kernel (nothing for f32).
    fn pack(mut self, format: Precision) -> Result<Linear> {
        let (k, n) = self.weight_t.dims2()?;
        let w = self.weight_t.flatten_all()?.to_vec1::<f32>()?;
        let bias = self.bias.to_vec1::<f32>()?;
        self.packed = match format {
            Precision::F32 => None,
            Precision::Bf16 => Some(Packed::Bf16(Bf16Weights::pack(&w, k, n, &bias))),
            Precision::Int8 => Some(Packed::Int8(Int8Weights::pack(&w, k, n, &bias))),
        };
        Ok(self)
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    /// The same weights as plain slices, for [`LayerNorm::add_forward_cpu`].
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::layer_norm(
            x,
            &self.weight,
            &self.bias,
            self.eps,
        )?)
    }

    /// layer_norm(y + residual) in one pass over y's rows, in place (the
    /// CPU fast path): candle's add and layer norm took two passes, two new
    /// buffers and a zero-fill, 5–6% of an int8 encode.
    fn add_forward_cpu(&self, mut y: Vec<f32>, residual: &Tensor, serial: bool) -> Result<Tensor> {
        let hidden = self.gamma.len();
        let simd = Simd::detect();
        with_f32_slice(residual, |res| {
            if y.len() != res.len() {
                bail!(
                    "residual of {} values for a product of {}",
                    res.len(),
                    y.len()
                );
            }
            if serial {
                simd.add_norm(&mut y, res, &self.gamma, &self.beta, self.eps);
            } else {
                y.par_chunks_mut(hidden * 16)
                    .zip(res.par_chunks(hidden * 16))
                    .for_each(|(y, r)| simd.add_norm(y, r, &self.gamma, &self.beta, self.eps));
            }
            Ok(())
        })??;
        Ok(Tensor::from_vec(y, residual.dims2()?, residual.device())?)
    }
}

#[derive(Clone, Copy)]
enum Activation {
    GeluErf,
    GeluTanh,
    Relu,
}

struct Layer {
    qkv: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// BERT weights ready for inference.
pub struct Bert {
    word: Tensor,
    position: Tensor,
    token_type0: Tensor,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    activation: Activation,
    device: Device,
    precision: Precision,
}

/// Token ids of several sentences laid end to end; sentence `i` holds
/// `ids[offsets[i]..offsets[i + 1]]`.
pub struct PackedBatch {
    pub ids: Vec<u32>,
    pub offsets: Vec<usize>,
}

struct Weights {
    tensors: HashMap<String, Tensor>,
    prefix: &'static str,
}

impl Weights {
    fn get(&self, name: &str) -> Result<Tensor> {
        let key = format!("{}{name}", self.prefix);
        self.tensors
            .get(&key)
            .cloned()
            .ok_or_else(|| anyhow!("model.safetensors has no tensor {key:?}"))?
            .to_dtype(DType::F32)
            .map_err(Into::into)
    }

    fn linear(&self, name: &str) -> Result<Linear> {
        let w = self.get(&format!("{name}.weight"))?;
        Ok(Linear {
            weight_t: w.t()?.contiguous()?,
            bias: self.get(&format!("{name}.bias"))?,
            packed: None,
        })
    }

    /// Query, key and value projections as one (hidden × 3·hidden) product.
    fn fused_qkv(&self, name: &str) -> Result<Linear> {
        let parts = ["query", "key", "value"]
            .iter()
            .map(|p| self.linear(&format!("{name}.{p}")))
            .collect::<Result<Vec<_>>>()?;
        let weight_t = Tensor::cat(&parts.iter().map(|l| &l.weight_t).collect::<Vec<_>>(), 1)?;
        let bias = Tensor::cat(&parts.iter().map(|l| &l.bias).collect::<Vec<_>>(), 0)?;
        Ok(Linear {
            weight_t,
            bias,
            packed: None,
        })
    }

    fn layer_norm(&self, name: &str, eps: f64) -> Result<LayerNorm> {
        let weight = self.get(&format!("{name}.weight"))?;
        let bias = self.get(&format!("{name}.bias"))?;
        Ok(LayerNorm {
            gamma: weight.to_dtype(DType::F32)?.to_vec1()?,
            beta: bias.to_dtype(DType::F32)?.to_vec1()?,
            weight,
            bias,
            eps: eps as f32,
        })
    }
}

impl Bert {
    /// Loads the weights onto `device` (the fast path runs on the CPU only;
    /// other devices take [`Bert::forward_generic`]), with the projections
    /// in `precision` where this is a CPU with its instructions, else in f32
    /// (see [`Bert::precision`]).
    pub fn load(
        path: &Path,
        cfg: &BertConfig,
        device: &Device,
        precision: Precision,
    ) -> Result<Bert> {
        let device = device.clone();
        let precision = if device.is_cpu() && precision.supported() {
            precision
        } else {
            Precision::F32
        };
        let linear = |l: Linear, projection: Projection| l.pack(format_of(precision, projection));
        let tensors = candle_core::safetensors::load(path, &device)
            .with_context(|| format!("reading {}", path.display()))?;
        // Checkpoints saved from BertForXxx carry a "bert." prefix.
        let prefix = if tensors.contains_key("embeddings.word_embeddings.weight") {
            ""
        } else if tensors.contains_key("bert.embeddings.word_embeddings.weight") {
            "bert."
        } else {
            bail!(
                "{}: no embeddings.word_embeddings.weight — not a BERT checkpoint",
                path.display()
            );
        };
        let w = Weights { tensors, prefix };
        let eps = cfg.layer_norm_eps;
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                Ok(Layer {
                    qkv: linear(
                        w.fused_qkv(&format!("{p}.attention.self"))?,
                        Projection::Qkv,
                    )?,
                    attn_out: linear(
                        w.linear(&format!("{p}.attention.output.dense"))?,
                        Projection::AttentionOutput,
                    )?,
                    attn_norm: w.layer_norm(&format!("{p}.attention.output.LayerNorm"), eps)?,
                    intermediate: linear(
                        w.linear(&format!("{p}.intermediate.dense"))?,
                        Projection::FfnUp,
                    )?,
                    output: linear(w.linear(&format!("{p}.output.dense"))?, Projection::FfnDown)?,
                    output_norm: w.layer_norm(&format!("{p}.output.LayerNorm"), eps)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let word = w.get("embeddings.word_embeddings.weight")?;
        if word.dims() != [cfg.vocab_size, cfg.hidden_size] {
            bail!(
                "{}: word embeddings are {:?}, config.json says {}×{}",
                path.display(),
                word.dims(),
                cfg.vocab_size,
                cfg.hidden_size
            );
        }
        let activation = match cfg.hidden_act.as_str() {
            "gelu" => Activation::GeluErf,
            "gelu_new" => Activation::GeluTanh,
            _ => Activation::Relu,
        };
        Ok(Bert {
            word,
            position: w.get("embeddings.position_embeddings.weight")?,
            token_type0: w.get("embeddings.token_type_embeddings.weight")?.get(0)?,
            emb_norm: w.layer_norm("embeddings.LayerNorm", eps)?,
            layers,
            hidden: cfg.hidden_size,
            heads: cfg.num_attention_heads,
            activation,
            device,
            precision,
        })
    }

    /// The format the projections actually run in: the one asked for at
    /// load, or f32 off the CPU or on a CPU without its instructions.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The feed-forward expansion with bias and activation applied in one
    /// parallel pass over the product (instead of two full passes in candle),
    /// with a vectorisable erf: libm's scalar `erff` alone took 14% of the time.
    fn intermediate(&self, lin: &Linear, x: &Tensor, serial: bool) -> Result<Tensor> {
        // The packed kernels add the bias themselves (only the activation is
        // left) and hand over their output, so it is not copied.
        let (rows, cols, mut out, bias) = match lin.packed_product(x, serial)? {
            Some((rows, cols, out)) => (rows, cols, out, lin.bias.zeros_like()?),
            None => {
                let product = x.matmul(&lin.weight_t)?;
                let (rows, cols) = product.dims2()?;
                let out = with_f32_slice(&product, |p| p.to_vec())?;
                (rows, cols, out, lin.bias.clone())
            }
        };
        let activation = self.activation;
        let simd = Simd::detect();
        with_f32_slice(&bias, |bias| {
            if serial {
                simd.bias_activation(&mut out, bias, activation)
            } else {
                out.par_chunks_mut(cols * 16)
                    .for_each(|block| simd.bias_activation(block, bias, activation))
            }
        })?;
        Ok(Tensor::from_vec(out, (rows, cols), &self.device)?)
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn hidden_size(&self) -> usize {
        self.hidden
    }

    /// Last hidden states of every token, (total tokens × hidden), row-major.
    /// `serial`: run this pass on the calling thread only (the caller runs
    /// several passes side by side); otherwise spread the small kernels over rayon.
    pub fn forward(&self, batch: &PackedBatch, serial: bool) -> Result<Vec<f32>> {
        if !self.device.is_cpu() {
            return self.forward_generic(batch);
        }
        let total = batch.ids.len();
        let mut x = self.embeddings(batch)?;
        for layer in &self.layers {
            let qkv = layer.qkv.forward_cpu(&x, serial)?;
            let context = with_f32_slice(&qkv, |qkv| {
                attention_with(
                    Simd::detect(),
                    qkv,
                    &batch.offsets,
                    self.hidden,
                    self.heads,
                    serial,
                )
            })?;
            let context = Tensor::from_vec(context, (total, self.hidden), &self.device)?;
            let attn = layer.attn_out.product_cpu(&context, serial)?;
            x = layer.attn_norm.add_forward_cpu(attn, &x, serial)?;
            let h = self.intermediate(&layer.intermediate, &x, serial)?;
            let out = layer.output.product_cpu(&h, serial)?;
            x = layer.output_norm.add_forward_cpu(out, &x, serial)?;
        }
        with_f32_slice(&x, |s| s.to_vec())
    }

    /// Word + position + token-type-0 embeddings, layer-normed: (tokens × hidden).
    fn embeddings(&self, batch: &PackedBatch) -> Result<Tensor> {
        let total = batch.ids.len();
        let positions: Vec<u32> = batch
            .offsets
            .windows(2)
            .flat_map(|w| 0..(w[1] - w[0]) as u32)
            .collect();
        let ids = Tensor::from_slice(&batch.ids, total, &self.device)?;
        let positions = Tensor::from_vec(positions, total, &self.device)?;
        let x = (self.word.index_select(&ids, 0)? + self.position.index_select(&positions, 0)?)?
            .broadcast_add(&self.token_type0)?;
        self.emb_norm.forward(&x)
    }

    /// The same forward pass with device-generic candle ops only (no direct
    /// memory access, no rayon), for GPUs. Projections stay packed; attention
    /// gathers each sentence's Q|K|V rows into a (sentences × longest) grid
    /// — little padding, as batches hold inputs of similar length — masks
    /// the padded keys, and scatters the context back to packed rows.
    pub fn forward_generic(&self, batch: &PackedBatch) -> Result<Vec<f32>> {
        let total = batch.ids.len();
        let lens: Vec<usize> = batch.offsets.windows(2).map(|w| w[1] - w[0]).collect();
        let n = lens.len();
        let longest = lens.iter().copied().max().unwrap_or(0);
        if total == 0 {
            return Ok(Vec::new());
        }
        // Grid slot (s, p) reads packed row offsets[s] + p; padding slots
        // repeat the sentence's first row (masked out as keys, dropped as queries).
        let mut grid_rows = Vec::with_capacity(n * longest);
        let mut packed_slots = Vec::with_capacity(total);
        let mut mask = Vec::with_capacity(n * longest);
        for (s, &len) in lens.iter().enumerate() {
            let start = batch.offsets[s];
            for p in 0..longest {
                let live = p < len;
                grid_rows.push((start + if live { p } else { 0 }) as u32);
                mask.push(if live { 0f32 } else { f32::NEG_INFINITY });
            }
            packed_slots.extend((0..len).map(|p| (s * longest + p) as u32));
        }
        let grid_rows = Tensor::from_vec(grid_rows, n * longest, &self.device)?;
        let packed_slots = Tensor::from_vec(packed_slots, total, &self.device)?;
        let mask = Tensor::from_vec(mask, (n, 1, 1, longest), &self.device)?;
        let head_dim = self.hidden / self.heads;
        let scale = 1.0 / (head_dim as f64).sqrt();

        let mut x = self.embeddings(batch)?;
        for layer in &self.layers {
            let qkv = layer
                .qkv
                .forward(&x)?
                .index_select(&grid_rows, 0)?
                .reshape((n, longest, 3, self.heads, head_dim))?;
            // (n, heads, longest, head_dim) each.
            let part = |i: usize| -> Result<Tensor> {
                Ok(qkv
                    .narrow(2, i, 1)?
                    .squeeze(2)?
                    .transpose(1, 2)?
                    .contiguous()?)
            };
            let (q, k, v) = (part(0)?, part(1)?, part(2)?);
            let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(&mask)?;
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let context = probs
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((n * longest, self.hidden))?
                .index_select(&packed_slots, 0)?;
            let attn = layer.attn_out.forward(&context)?;
            x = layer.attn_norm.forward(&(attn + &x)?)?;
            let h = layer.intermediate.forward(&x)?;
            let h = match self.activation {
                Activation::GeluErf => h.gelu_erf()?,
                Activation::GeluTanh => h.gelu()?,
                Activation::Relu => h.relu()?,
            };
            let out = layer.output.forward(&h)?;
            x = layer.output_norm.forward(&(out + &x)?)?;
        }
        Ok(x.flatten_all()?.to_vec1::<f32>()?)
    }
}

/// erf for f32 as a branch-free rational function (the approximation used by
/// Eigen and XLA for float32, accurate to a few ulp), so that loops over it
/// vectorise; `f32::erf` does not exist and libm's is scalar.
#[inline(always)]
fn erf_f32(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 - 2.101_024e-6;
    p = p * x2 - 5.692_506_4e-5;
    p = p * x2 - 7.349_906_3e-4;
    p = p * x2 - 2.954_600_1e-3;
    p = p * x2 - 1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 - 2.133_740_6e-4;
    q = q * x2 - 1.682_827e-3;
    q = q * x2 - 7.373_329e-3;
    q = q * x2 - 1.426_474e-2;
    x * p / q
}

/// BERT's "gelu": x·Φ(x) with the exact (erf) normal CDF.
#[inline(always)]
fn gelu_erf(x: f32) -> f32 {
    0.5 * x * (1.0 + erf_f32(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// "gelu_new": the tanh approximation.
#[inline(always)]
fn gelu_tanh(x: f32) -> f32 {
    let c = (2.0 / std::f32::consts::PI).sqrt();
    0.5 * x * (1.0 + (c * (x + 0.044_715 * x * x * x)).tanh())
}

/// Borrows a contiguous f32 CPU tensor's data without copying it.
fn with_f32_slice<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    let Storage::Cpu(cpu) = &*storage else {
        bail!("the packed BERT forward runs on the CPU only");
    };
    let data = cpu.as_slice::<f32>()?;
    let (start, end) = layout
        .contiguous_offsets()
        .ok_or_else(|| anyhow!("tensor is not contiguous"))?;
    Ok(f(&data[start..end]))
}

/// Multi-head self-attention over packed sentences. `qkv` is (tokens × 3·hidden)
/// with each row laid out Q | K | V, heads side by side within each. Returns the
/// context vectors, (tokens × hidden). No mask is needed: each sentence attends
/// only to its own tokens.
#[cfg(test)]
fn attention(qkv: &[f32], offsets: &[usize], hidden: usize, heads: usize) -> Vec<f32> {
    attention_with(Simd::detect(), qkv, offsets, hidden, heads, false)
}

fn attention_with(
    simd: Simd,
    qkv: &[f32],
    offsets: &[usize],
    hidden: usize,
    heads: usize,
    serial: bool,
) -> Vec<f32> {
    let total = *offsets.last().unwrap_or(&0);
    let mut out = vec![0f32; total * hidden];

    let mut parts = Vec::with_capacity(offsets.len().saturating_sub(1));
    let mut rest = out.as_mut_slice();
    for w in offsets.windows(2) {
        let len = w[1] - w[0];
        let (mine, tail) = rest.split_at_mut(len * hidden);
        parts.push((w[0], len, mine));
        rest = tail;
    }
    let one = |(start, len, dst): (usize, usize, &mut [f32])| {
        let rows = &qkv[start * 3 * hidden..(start + len) * 3 * hidden];
        simd.attend(rows, len, hidden, heads, dst);
    };
    if serial {
        parts.into_iter().for_each(one);
    } else {
        parts.into_par_iter().for_each(one);
    }
    out
}

/// The widest vector instructions this CPU has. The crate is built for
/// baseline x86-64 (SSE2, no FMA), so the small hand-written loops would
/// otherwise run at a quarter of the width the matrix products use.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Simd {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Baseline,
}

impl Simd {
    fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
                return Simd::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Simd::Avx2;
            }
        }
        Simd::Baseline
    }

    fn attend(self, rows: &[f32], len: usize, hidden: usize, heads: usize, dst: &mut [f32]) {
        match self {
            // SAFETY: the features were detected at run time.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { attend_avx512(rows, len, hidden, heads, dst) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { attend_avx2(rows, len, hidden, heads, dst) },
            Simd::Baseline => attend_one::<false>(rows, len, hidden, heads, dst),
        }
    }

    fn add_norm(self, rows: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
        match self {
            // SAFETY: the features were detected at run time.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { add_norm_avx512(rows, residual, gamma, beta, eps) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { add_norm_avx2(rows, residual, gamma, beta, eps) },
            Simd::Baseline => add_norm(rows, residual, gamma, beta, eps),
        }
    }

    fn bias_activation(self, block: &mut [f32], bias: &[f32], activation: Activation) {
        match self {
            // SAFETY: the features were detected at run time.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => unsafe { bias_activation_avx512(block, bias, activation) },
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => unsafe { bias_activation_avx2(block, bias, activation) },
            Simd::Baseline => bias_activation(block, bias, activation),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn attend_avx512(rows: &[f32], len: usize, hidden: usize, heads: usize, dst: &mut [f32]) {
    attend_one::<true>(rows, len, hidden, heads, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_avx2(rows: &[f32], len: usize, hidden: usize, heads: usize, dst: &mut [f32]) {
    attend_one::<true>(rows, len, hidden, heads, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn bias_activation_avx512(block: &mut [f32], bias: &[f32], activation: Activation) {
    bias_activation(block, bias, activation)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn bias_activation_avx2(block: &mut [f32], bias: &[f32], activation: Activation) {
    bias_activation(block, bias, activation)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn add_norm_avx512(
    rows: &mut [f32],
    residual: &[f32],
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
) {
    add_norm(rows, residual, gamma, beta, eps)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn add_norm_avx2(rows: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    add_norm(rows, residual, gamma, beta, eps)
}

/// Sum of f(x) over `xs` in 16 lanes (so it vectorises; a single running
/// sum is a serial dependency the compiler may not reorder).
#[inline(always)]
fn lane_sum(xs: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0f32; 16];
    let chunks = xs.chunks_exact(16);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += f(x);
        }
    }
    acc.iter().sum::<f32>() + tail.iter().map(|&x| f(x)).sum::<f32>()
}

/// Each row of `rows` (width `gamma.len()`) becomes
/// layer_norm(row + residual row): mean, then the variance of the centred
/// values (two passes over a row in cache, steadier than E[x²] − mean²),
/// then (v − mean) / √(var + eps) · γ + β.
#[inline(always)]
fn add_norm(rows: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let h = gamma.len();
    for (row, res) in rows.chunks_exact_mut(h).zip(residual.chunks_exact(h)) {
        for (v, r) in row.iter_mut().zip(res) {
            *v += r;
        }
        let mean = lane_sum(row, |v| v) / h as f32;
        let var = lane_sum(row, |v| (v - mean) * (v - mean)) / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// Adds the bias to every row of `block` and applies the activation.
#[inline(always)]
fn bias_activation(block: &mut [f32], bias: &[f32], activation: Activation) {
    for row in block.chunks_exact_mut(bias.len()) {
        match activation {
            Activation::GeluErf => {
                for (v, b) in row.iter_mut().zip(bias) {
                    *v = gelu_erf(*v + b);
                }
            }
            Activation::GeluTanh => {
                for (v, b) in row.iter_mut().zip(bias) {
                    *v = gelu_tanh(*v + b);
                }
            }
            Activation::Relu => {
                for (v, b) in row.iter_mut().zip(bias) {
                    *v = (*v + b).max(0.0);
                }
            }
        }
    }
}

/// a·b + c: one fused instruction where the caller's target features include
/// FMA, plain arithmetic elsewhere (without FMA, `mul_add` is a slow libm call).
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Dot product with eight independent accumulators, which the compiler turns
/// into vector multiply-adds (a plain `sum()` must keep its serial order).
#[inline(always)]
fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (a8, a_rest) = a.split_at(a.len() / 8 * 8);
    let (b8, b_rest) = b.split_at(a8.len());
    for (ca, cb) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for l in 0..8 {
            acc[l] = madd::<FMA>(ca[l], cb[l], acc[l]);
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in a_rest.iter().zip(b_rest) {
        s = madd::<FMA>(*x, *y, s);
    }
    s
}

/// e^x for the softmax, as a branch-free polynomial that vectorises (libm's
/// `expf` is a scalar call). Cody–Waite reduction to r in [-ln2/2, ln2/2],
/// degree-6 Taylor polynomial: relative error below 2e-7.
#[inline(always)]
fn exp_f32<const FMA: bool>(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = madd::<FMA>(n, -0.693_145_75, x);
    let r = madd::<FMA>(n, -1.428_606_8e-6, r);
    let mut p = 1.0 / 720.0;
    p = madd::<FMA>(p, r, 1.0 / 120.0);
    p = madd::<FMA>(p, r, 1.0 / 24.0);
    p = madd::<FMA>(p, r, 1.0 / 6.0);
    p = madd::<FMA>(p, r, 0.5);
    p = madd::<FMA>(p, r, 1.0);
    p = madd::<FMA>(p, r, 1.0);
    p * f32::from_bits(((n as i32 + 127) << 23) as u32)
}

/// Attention of one sentence for a head size known at compile time (32 for
/// MiniLM, 64 for BERT-base): K is copied transposed into rows padded to a
/// multiple of 16, so the score loop runs on whole vectors, and each context
/// row is accumulated in registers.
#[inline(always)]
fn attend_fixed<const HD: usize, const FMA: bool>(
    rows: &[f32],
    len: usize,
    hidden: usize,
    heads: usize,
    dst: &mut [f32],
) {
    let scale = 1.0 / (HD as f32).sqrt();
    let row = 3 * hidden;
    let padded = len.div_ceil(16) * 16;
    let mut k_t = vec![0f32; HD * padded];
    let mut scores = vec![0f32; padded];
    for h in 0..heads {
        let q_col = h * HD;
        let k_col = hidden + h * HD;
        let v_col = 2 * hidden + h * HD;
        for j in 0..len {
            let k: &[f32; HD] = rows[j * row + k_col..][..HD].try_into().unwrap();
            for d in 0..HD {
                k_t[d * padded + j] = k[d];
            }
        }
        for i in 0..len {
            let q: &[f32; HD] = rows[i * row + q_col..][..HD].try_into().unwrap();
            // 16 scores at a time, held in one register across the head dimension.
            for (jb, out) in scores.chunks_exact_mut(16).enumerate() {
                let mut acc = [0f32; 16];
                for d in 0..HD {
                    let k: &[f32; 16] = k_t[d * padded + jb * 16..][..16].try_into().unwrap();
                    for l in 0..16 {
                        acc[l] = madd::<FMA>(q[d], k[l], acc[l]);
                    }
                }
                for l in 0..16 {
                    out[l] = acc[l] * scale;
                }
            }
            let live = &mut scores[..len];
            let max = live.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for s in live.iter_mut() {
                *s = exp_f32::<FMA>(*s - max);
            }
            let sum: f32 = live.iter().sum();
            let inv = 1.0 / sum;
            let mut acc = [0f32; HD];
            for (j, p) in live.iter().enumerate() {
                let p = p * inv;
                let v: &[f32; HD] = rows[j * row + v_col..][..HD].try_into().unwrap();
                for d in 0..HD {
                    acc[d] = madd::<FMA>(p, v[d], acc[d]);
                }
            }
            dst[i * hidden + q_col..][..HD].copy_from_slice(&acc);
        }
    }
}

/// Attention of one sentence: `rows` is its (len × 3·hidden) Q|K|V block,
/// `dst` its (len × hidden) context.
#[inline(always)]
fn attend_one<const FMA: bool>(
    rows: &[f32],
    len: usize,
    hidden: usize,
    heads: usize,
    dst: &mut [f32],
) {
    let head_dim = hidden / heads;
    match head_dim {
        32 => return attend_fixed::<32, FMA>(rows, len, hidden, heads, dst),
        64 => return attend_fixed::<64, FMA>(rows, len, hidden, heads, dst),
        _ => {}
    }
    let scale = 1.0 / (head_dim as f32).sqrt();
    let row = 3 * hidden;
    let mut scores = vec![0f32; len];
    for h in 0..heads {
        let q_col = h * head_dim;
        let k_col = hidden + h * head_dim;
        let v_col = 2 * hidden + h * head_dim;
        for i in 0..len {
            let q = &rows[i * row + q_col..][..head_dim];
            let mut max = f32::NEG_INFINITY;
            for (j, s) in scores.iter_mut().enumerate() {
                *s = dot::<FMA>(q, &rows[j * row + k_col..][..head_dim]) * scale;
                max = max.max(*s);
            }
            let mut sum = 0f32;
            for s in scores.iter_mut() {
                *s = (*s - max).exp();
                sum += *s;
            }
            let inv = 1.0 / sum;
            let o = &mut dst[i * hidden + q_col..][..head_dim];
            for (j, p) in scores.iter().enumerate() {
                let p = p * inv;
                let v = &rows[j * row + v_col..][..head_dim];
                for (od, vd) in o.iter_mut().zip(v) {
                    *od = madd::<FMA>(p, *vd, *od);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The device-generic forward (what runs on a GPU) gives the packed CPU
    /// forward's hidden states, here on the CPU with the real model.
    #[test]
    fn generic_forward_matches_packed_forward() {
        let dir = crate::default_model_dir();
        let folder = crate::config::ModelFolder::read(&dir).unwrap();
        let bert = Bert::load(
            &dir.join("model.safetensors"),
            &folder.bert,
            &Device::Cpu,
            Precision::F32,
        )
        .unwrap();
        // [CLS] … [SEP] sentences of 19, 7, 3 and 1 word pieces.
        let lens = [19usize, 7, 3, 1];
        let mut batch = PackedBatch {
            ids: Vec::new(),
            offsets: vec![0],
        };
        for (s, &len) in lens.iter().enumerate() {
            for p in 0..len {
                let id = match p {
                    0 => 101,
                    _ if p + 1 == len => 102,
                    _ => 2000 + (s * 997 + p * 131) as u32 % 20000,
                };
                batch.ids.push(id);
            }
            batch.offsets.push(batch.ids.len());
        }
        let packed = bert.forward(&batch, false).unwrap();
        let generic = bert.forward_generic(&batch).unwrap();
        assert_eq!(packed.len(), 30 * bert.hidden_size());
        assert_eq!(generic.len(), packed.len());
        let worst = packed
            .iter()
            .zip(&generic)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        eprintln!("max |packed - generic| = {worst}");
        assert!(worst < 1e-4, "max |packed - generic| = {worst}");
        // Not trivially equal: the states differ between tokens.
        assert!((packed[0] - packed[bert.hidden_size()]).abs() > 1e-3);
    }

    #[test]
    fn fast_exp_matches_std() {
        let mut worst = 0f32;
        for i in 0..=200_000 {
            let x = -(i as f32) * 4e-4;
            let want = x.exp();
            for got in [exp_f32::<true>(x), exp_f32::<false>(x)] {
                worst = worst.max(((got - want) / want).abs());
            }
        }
        assert!(worst < 5e-7, "max relative exp error {worst}");
    }

    /// The generic kernel (odd head size) agrees with the fixed-size ones.
    #[test]
    fn generic_and_fixed_head_sizes_agree() {
        let offsets = [0usize, 5, 22];
        for (hidden, heads) in [(64usize, 2usize), (128, 2), (12, 2)] {
            let qkv: Vec<f32> = (0..22 * 3 * hidden)
                .map(|i| ((i * 53 % 97) as f32 / 40.0) - 1.2)
                .collect();
            let got = attention(&qkv, &offsets, hidden, heads);
            let mut want = vec![0f32; 22 * hidden];
            for w in offsets.windows(2) {
                let rows = &qkv[w[0] * 3 * hidden..w[1] * 3 * hidden];
                let dst = &mut want[w[0] * hidden..w[1] * hidden];
                naive_attention(rows, w[1] - w[0], hidden, heads, dst);
            }
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-5, "hidden {hidden}: {a} vs {b}");
            }
        }
    }

    fn naive_attention(rows: &[f32], len: usize, hidden: usize, heads: usize, dst: &mut [f32]) {
        let hd = hidden / heads;
        for h in 0..heads {
            for i in 0..len {
                let q = &rows[i * 3 * hidden + h * hd..][..hd];
                let s: Vec<f64> = (0..len)
                    .map(|j| {
                        let k = &rows[j * 3 * hidden + hidden + h * hd..][..hd];
                        q.iter().zip(k).map(|(a, b)| (a * b) as f64).sum::<f64>()
                            / (hd as f64).sqrt()
                    })
                    .collect();
                let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = s.iter().map(|x| (x - m).exp()).collect();
                let z: f64 = e.iter().sum();
                for d in 0..hd {
                    dst[i * hidden + h * hd + d] = (0..len)
                        .map(|j| e[j] / z * rows[j * 3 * hidden + 2 * hidden + h * hd + d] as f64)
                        .sum::<f64>() as f32;
                }
            }
        }
    }

    /// The fused residual + layer norm against a naive f64 layer norm and
    /// against candle's (what it replaces), over widths with and without a
    /// tail of the 16 lanes, rows of large offset (where E[x²] − mean²
    /// loses digits) and every dispatch level.
    #[test]
    fn add_norm_matches_naive_and_candle() {
        let mut rng = 7u64;
        let mut next = || {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((rng >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        for h in [384usize, 37, 16, 1] {
            let rows = 9;
            let y: Vec<f32> = (0..rows * h)
                .map(|i| next() * 4.0 + if i / h == 3 { 300.0 } else { 0.0 })
                .collect();
            let res: Vec<f32> = (0..rows * h).map(|_| next()).collect();
            let gamma: Vec<f32> = (0..h).map(|_| 1.0 + next()).collect();
            let beta: Vec<f32> = (0..h).map(|_| next()).collect();
            let eps = 1e-12f32;
            let mut want = vec![0f64; rows * h];
            for r in 0..rows {
                let v: Vec<f64> = (0..h)
                    .map(|c| (y[r * h + c] + res[r * h + c]) as f64)
                    .collect();
                let mean = v.iter().sum::<f64>() / h as f64;
                let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / h as f64;
                for c in 0..h {
                    want[r * h + c] = (v[c] - mean) / (var + eps as f64).sqrt() * gamma[c] as f64
                        + beta[c] as f64;
                }
            }
            let mut simds = vec![Simd::Baseline, Simd::detect()];
            simds.dedup();
            for simd in simds {
                let mut got = y.clone();
                simd.add_norm(&mut got, &res, &gamma, &beta, eps);
                let worst = got
                    .iter()
                    .zip(&want)
                    .map(|(g, w)| (*g as f64 - w).abs())
                    .fold(0.0, f64::max);
                // h = 1: the normalised value is 0 exactly, leaving β.
                assert!(worst < 2e-5, "h {h} {simd:?}: max error {worst}");
            }
            if h > 1 {
                let t = |v: &[f32], shape: (usize, usize)| {
                    Tensor::from_vec(v.to_vec(), shape, &Device::Cpu).unwrap()
                };
                let sum = (t(&y, (rows, h)) + t(&res, (rows, h))).unwrap();
                let candle = candle_nn::ops::layer_norm(
                    &sum,
                    &t(&gamma, (h, 1)).flatten_all().unwrap(),
                    &t(&beta, (h, 1)).flatten_all().unwrap(),
                    eps,
                )
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
                let mut got = y.clone();
                Simd::detect().add_norm(&mut got, &res, &gamma, &beta, eps);
                // Rows other than the offset one: as candle to float rounding.
                for r in (0..rows).filter(|&r| r != 3) {
                    for c in 0..h {
                        let (g, w) = (got[r * h + c], candle[r * h + c]);
                        assert!((g - w).abs() < 1e-4, "h {h} row {r}: {g} vs candle {w}");
                    }
                }
            }
        }
    }

    #[test]
    fn fast_erf_matches_libm() {
        let mut worst = 0f64;
        for i in -60000..=60000 {
            let x = i as f32 * 1e-4;
            let want = libm_erf(x as f64);
            worst = worst.max((erf_f32(x) as f64 - want).abs());
        }
        // A few f32 ulp near |erf| = 1.
        assert!(worst < 1e-6, "max |erf error| {worst}");
    }

    /// erf in f64 by its Taylor series / continued fraction, as a reference.
    fn libm_erf(x: f64) -> f64 {
        if x.abs() > 3.0 {
            // erfc by continued fraction (Lentz) for the tails.
            let ax = x.abs();
            let mut f = 0.0;
            for k in (1..60).rev() {
                f = (k as f64 / 2.0) / (ax + f);
            }
            let erfc = (-ax * ax).exp() / (std::f64::consts::PI.sqrt() * (ax + f));
            return x.signum() * (1.0 - erfc);
        }
        let mut sum = 0.0;
        let mut term = x;
        let mut n = 0;
        while term.abs() > 1e-17 || n < 5 {
            sum += term / (2 * n + 1) as f64;
            n += 1;
            term = -term * x * x / n as f64;
        }
        2.0 / std::f64::consts::PI.sqrt() * sum
    }

    /// The packed kernel against a plain per-sentence softmax(QKᵀ/√d)V.
    #[test]
    fn attention_matches_naive() {
        let hidden = 8;
        let heads = 2;
        let offsets = [0usize, 3, 4, 9];
        let total = 9;
        let qkv: Vec<f32> = (0..total * 3 * hidden)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let got = attention(&qkv, &offsets, hidden, heads);
        assert_eq!(got.len(), total * hidden);
        let baseline = attention_with(Simd::Baseline, &qkv, &offsets, hidden, heads, true);
        for (a, b) in got.iter().zip(&baseline) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        let hd = hidden / heads;
        for w in offsets.windows(2) {
            for h in 0..heads {
                for i in w[0]..w[1] {
                    let q = &qkv[i * 3 * hidden + h * hd..][..hd];
                    let s: Vec<f32> = (w[0]..w[1])
                        .map(|j| {
                            let k = &qkv[j * 3 * hidden + hidden + h * hd..][..hd];
                            q.iter().zip(k).map(|(a, b)| a * b).sum::<f32>() / (hd as f32).sqrt()
                        })
                        .collect();
                    let m = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let e: Vec<f32> = s.iter().map(|x| (x - m).exp()).collect();
                    let z: f32 = e.iter().sum();
                    for d in 0..hd {
                        let want: f32 = (w[0]..w[1])
                            .zip(&e)
                            .map(|(j, p)| p / z * qkv[j * 3 * hidden + 2 * hidden + h * hd + d])
                            .sum();
                        let g = got[i * hidden + h * hd + d];
                        assert!(
                            (g - want).abs() < 1e-5,
                            "token {i} head {h} dim {d}: {g} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
