//! Codebooks and multi-label classification with calibrated confidence.
//!
//! Everything here is pure: f32 vectors and texts in, probabilities out. The
//! store and the embedding model are the caller's business (`src/cmd/code.rs`).

mod codebook;
pub mod qdc;

pub use codebook::{
    load_codebook, parse_codebook, Code, Codebook, CodebookError, CodebookFormat, Problem,
};
