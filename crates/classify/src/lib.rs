//! Codebooks and multi-label classification with calibrated confidence.
//!
//! Everything here is pure: f32 vectors and texts in, probabilities out. The
//! store and the embedding model are the caller's business (`src/cmd/code.rs`).

pub mod active;
pub mod calibrate;
mod codebook;
mod codebook_table;
pub mod context;
pub mod eval;
pub mod features;
pub mod logistic;
pub mod metrics;
pub mod model;
pub mod qdc;
pub mod simulate;
pub mod threshold;
pub mod zeroshot;

pub use codebook::{
    codebook_of_file_text, edit_distance, load_codebook, not_a_codebook_file, parse_codebook,
    save_codebook, Code, Codebook, CodebookError, CodebookFormat, Problem,
};
pub use codebook_table::{codebook_from_table, table_describes_codes, table_names_codes};
pub use model::{
    codebook_rows, prototype_texts, Classifier, ClassifierParams, ClassifyError, CodeKind,
    CodeModel, Context, Features, Label, Mode, Predictions, SelfTraining, SelfTrainingPositives,
    TrainingSet, ValidClassifierParams, ZeroShotMapping, CODEBOOK_GROUP,
};
pub use qdc::code_guid;

/// sha256 of a text, hex: the key of embedding caches (same as the store's `text_hash`).
pub fn text_hash(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
