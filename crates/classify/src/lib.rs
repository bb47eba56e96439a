//! Codebooks and multi-label classification with calibrated confidence.

mod codebook;

pub use codebook::{Code, Codebook};
