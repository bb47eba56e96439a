//! Transcript ingestion: reads transcripts in the formats researchers have
//! (plain text with speaker turns, WebVTT/SRT, DOCX, CSV/JSONL), maps speakers
//! to participants, and splits turns into sentence [`Segment`]s whose
//! character offsets point back into the document's text.
//!
//! Offsets are Unicode code points into [`Document::text`], because REFI-QDA
//! selections count code points, not bytes.

mod model;

pub use model::{Document, Participant, Participants, Segment, SourceFormat, Turn};

use sha2::{Digest, Sha256};

/// Hex sha256 of bytes; the store keys documents and embeddings by it.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
