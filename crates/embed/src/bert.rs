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

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use candle_core::{DType, Device, Storage, Tensor};
use rayon::prelude::*;

use crate::config::BertConfig;

/// A linear layer with its weight stored transposed, (in × out), so the
/// forward pass is one row-major matrix product.
struct Linear {
    weight_t: Tensor,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.weight_t)?.broadcast_add(&self.bias)?)
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
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
        Ok(Linear { weight_t, bias })
    }

    fn layer_norm(&self, name: &str, eps: f64) -> Result<LayerNorm> {
        Ok(LayerNorm {
            weight: self.get(&format!("{name}.weight"))?,
            bias: self.get(&format!("{name}.bias"))?,
            eps: eps as f32,
        })
    }
}

impl Bert {
    pub fn load(path: &Path, cfg: &BertConfig) -> Result<Bert> {
        let device = Device::Cpu;
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
                    qkv: w.fused_qkv(&format!("{p}.attention.self"))?,
                    attn_out: w.linear(&format!("{p}.attention.output.dense"))?,
                    attn_norm: w.layer_norm(&format!("{p}.attention.output.LayerNorm"), eps)?,
                    intermediate: w.linear(&format!("{p}.intermediate.dense"))?,
                    output: w.linear(&format!("{p}.output.dense"))?,
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
        })
    }

    pub fn hidden_size(&self) -> usize {
        self.hidden
    }

    /// Last hidden states of every token, (total tokens × hidden), row-major.
    pub fn forward(&self, batch: &PackedBatch) -> Result<Vec<f32>> {
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
        let mut x = self.emb_norm.forward(&x)?;
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x)?;
            let context = with_f32_slice(&qkv, |qkv| {
                attention(qkv, &batch.offsets, self.hidden, self.heads)
            })?;
            let context = Tensor::from_vec(context, (total, self.hidden), &self.device)?;
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
        with_f32_slice(&x, |s| s.to_vec())
    }
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
fn attention(qkv: &[f32], offsets: &[usize], hidden: usize, heads: usize) -> Vec<f32> {
    let head_dim = hidden / heads;
    let scale = 1.0 / (head_dim as f32).sqrt();
    let row = 3 * hidden;
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

    parts.into_par_iter().for_each(|(start, len, dst)| {
        // K of one head transposed (head_dim × len), so that every inner loop
        // below is an axpy over contiguous memory, which the compiler
        // vectorises (a dot-product reduction it would not reorder).
        let mut k_t = vec![0f32; head_dim * len];
        let mut scores = vec![0f32; len];
        for h in 0..heads {
            let q_col = h * head_dim;
            let k_col = hidden + h * head_dim;
            let v_col = 2 * hidden + h * head_dim;
            for j in 0..len {
                let k = &qkv[(start + j) * row + k_col..][..head_dim];
                for (d, kd) in k.iter().enumerate() {
                    k_t[d * len + j] = *kd;
                }
            }
            for i in 0..len {
                let q = &qkv[(start + i) * row + q_col..][..head_dim];
                scores.fill(0.0);
                for (d, qd) in q.iter().enumerate() {
                    let qd = qd * scale;
                    for (s, k) in scores.iter_mut().zip(&k_t[d * len..(d + 1) * len]) {
                        *s += qd * k;
                    }
                }
                let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0f32;
                for s in scores.iter_mut() {
                    *s = (*s - max).exp();
                    sum += *s;
                }
                let inv = 1.0 / sum;
                let o = &mut dst[i * hidden + q_col..][..head_dim];
                for (j, p) in scores.iter().enumerate() {
                    let p = p * inv;
                    let v = &qkv[(start + j) * row + v_col..][..head_dim];
                    for (od, vd) in o.iter_mut().zip(v) {
                        *od += p * vd;
                    }
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
