//! Sentence embeddings for the `embed` stage: a local sentence-transformers
//! folder of the BERT family (`config.json`, `model.safetensors`,
//! `tokenizer.json`, `sentence_bert_config.json`, `1_Pooling/config.json`,
//! `modules.json`) run with candle on the CPU (or a CUDA GPU with the `cuda`
//! feature), with the same tokenisation,
//! pooling and normalisation as sentence-transformers.

mod bert;
mod config;
mod device;
mod lowp;
pub mod npy;
pub mod progress;
mod sentence_transformer;

use std::path::PathBuf;

pub use config::{ModelFolder, Pooling};
pub use device::{DeviceSpec, CUDA_BUILT};
pub use lowp::Precision;
pub use sentence_transformer::{BatchOptions, Reading, SentenceTransformer, Timings};

/// A text encoder; other back-ends (ONNX Runtime, GPU) implement the same trait.
pub trait Encoder {
    /// Length of every vector.
    fn dim(&self) -> usize;
    /// "<model folder name>@<first 12 hex digits of sha256(model.safetensors)>",
    /// plus "+bf16" / "+int8" when the projections run in that precision,
    /// plus "+NAME" of a [`Reading`] the texts go through: the cache key of
    /// the vectors this encoder produces.
    fn model_key(&self) -> &str;
    /// One vector per text, in input order.
    fn encode(&self, texts: &[&str]) -> anyhow::Result<Embeddings>;
}

/// Vectors in input order (L2-normalised when the model says so, as the
/// default model does), and whether each input was cut at the model's
/// `max_seq_length`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub truncated: Vec<bool>,
}

/// Folder name of the default model.
pub const DEFAULT_MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// `$AUTOCODE_MODEL` when set; else `<workspace>/models/all-MiniLM-L6-v2`
/// when it exists (where `make models` puts it); else `./models/all-MiniLM-L6-v2`.
pub fn default_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AUTOCODE_MODEL").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let workspace = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../models"))
        .join(DEFAULT_MODEL_NAME);
    if workspace.is_dir() {
        return workspace;
    }
    PathBuf::from("models").join(DEFAULT_MODEL_NAME)
}
