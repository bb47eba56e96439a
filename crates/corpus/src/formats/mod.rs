//! One reader per input format, each a stage behind [`Reader`]: bytes in,
//! [`RawDocument`]s (text plus speaker turns, byte offsets) out. Moderator
//! marking, participant mapping and sentence splitting happen afterwards, the
//! same for every format (see `crate::assemble`).

mod captions;
mod docx;
mod sheet;
mod table;
mod text;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{IngestError, Result};
use crate::SourceFormat;

pub use captions::{SrtReader, VttReader};
pub use docx::DocxReader;
pub use sheet::SheetReader;
pub use table::{CsvReader, JsonlReader, QUESTION_SPEAKER};
pub use text::{turns_from_text, TextReader};

/// One input file.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    pub path: &'a Path,
    /// Document name for the file (its path relative to the ingested folder).
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Column names for CSV/JSONL input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableColumns {
    pub text: String,
    pub speaker: String,
    pub doc: String,
    pub start: String,
    pub end: String,
    /// Columns the user named explicitly must exist; defaults may be absent
    /// (except `text`).
    pub speaker_required: bool,
    pub doc_required: bool,
    /// A wide survey export (one row per respondent): these columns are
    /// the open questions, each cell an answer read after its question
    /// (the column's header), question by question; `text` is then not
    /// read. Empty: one utterance per row in `text`.
    pub questions: Vec<String>,
    /// Columns holding the speaker's attributes (a survey's age band,
    /// team size): one value per speaker, given to the participant.
    pub attributes: Vec<String>,
}

impl Default for TableColumns {
    fn default() -> Self {
        TableColumns {
            text: "text".into(),
            speaker: "speaker".into(),
            doc: "doc".into(),
            start: "start".into(),
            end: "end".into(),
            speaker_required: false,
            doc_required: false,
            questions: Vec::new(),
            attributes: Vec::new(),
        }
    }
}

/// A speaker turn before participants and sentences: byte offsets into
/// [`RawDocument::text`], covering the utterance without its speaker label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTurn {
    pub speaker: Option<String>,
    pub role: Option<String>,
    pub start: usize,
    pub end: usize,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

/// A timed stretch of text (a caption cue), so that each sentence gets the
/// times of the cues it spans rather than of its whole turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub start: usize,
    pub end: usize,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// What a reader makes of (part of) a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocument {
    pub name: String,
    pub text: String,
    pub turns: Vec<RawTurn>,
    pub cues: Vec<Cue>,
    /// Attributes by speaker label, from a table's attribute columns.
    pub speaker_attributes: BTreeMap<String, BTreeMap<String, String>>,
}

/// A format reader: a stage of the ingestion pipeline.
pub trait Reader {
    fn format(&self) -> SourceFormat;
    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>>;
}

impl SourceFormat {
    /// The format a file name's extension says, if any.
    pub fn from_path(path: &Path) -> Option<SourceFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" => SourceFormat::Text,
            "md" | "markdown" => SourceFormat::Markdown,
            "vtt" => SourceFormat::Vtt,
            "srt" => SourceFormat::Srt,
            "docx" => SourceFormat::Docx,
            "csv" => SourceFormat::Csv,
            "jsonl" | "ndjson" => SourceFormat::Jsonl,
            "xlsx" | "xlsm" | "xls" | "ods" => SourceFormat::Sheet,
            _ => return None,
        })
    }
}

/// The reader for a file, by its extension.
pub fn reader_for(path: &Path, columns: &TableColumns) -> Result<Box<dyn Reader>> {
    let format = SourceFormat::from_path(path).ok_or_else(|| IngestError::UnknownExtension {
        file: path.into(),
        ext: path.extension().map(|e| e.to_string_lossy().into_owned()),
    })?;
    Ok(match format {
        SourceFormat::Text | SourceFormat::Markdown => Box::new(TextReader { format }),
        SourceFormat::Vtt => Box::new(VttReader),
        SourceFormat::Srt => Box::new(SrtReader),
        SourceFormat::Docx => Box::new(DocxReader),
        SourceFormat::Csv => Box::new(CsvReader {
            columns: columns.clone(),
        }),
        SourceFormat::Jsonl => Box::new(JsonlReader {
            columns: columns.clone(),
        }),
        SourceFormat::Sheet => Box::new(SheetReader {
            columns: columns.clone(),
        }),
    })
}
