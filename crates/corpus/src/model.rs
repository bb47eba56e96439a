use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The input format a document was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Text,
    Markdown,
    Vtt,
    Srt,
    Docx,
    /// OpenDocument text: the paragraphs of `content.xml`, as a DOCX's.
    Odt,
    /// Word 97-2003: the main document's text through its piece table,
    /// then as a DOCX's paragraphs.
    Doc,
    /// A PDF's text layer, read as plain text once page furniture (page
    /// numbers, running headers) is dropped and wrapped lines are joined.
    Pdf,
    /// Rich Text Format: the body text, then the plain-text speaker rules.
    Rtf,
    Csv,
    Jsonl,
    /// A spreadsheet workbook (.xlsx, .xlsm, .xls, .ods): its first sheet
    /// with cells, read as a CSV table.
    Sheet,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Text => "text",
            SourceFormat::Markdown => "markdown",
            SourceFormat::Vtt => "vtt",
            SourceFormat::Srt => "srt",
            SourceFormat::Docx => "docx",
            SourceFormat::Odt => "odt",
            SourceFormat::Doc => "doc",
            SourceFormat::Pdf => "pdf",
            SourceFormat::Rtf => "rtf",
            SourceFormat::Csv => "csv",
            SourceFormat::Jsonl => "jsonl",
            SourceFormat::Sheet => "sheet",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => SourceFormat::Text,
            "markdown" => SourceFormat::Markdown,
            "vtt" => SourceFormat::Vtt,
            "srt" => SourceFormat::Srt,
            "docx" => SourceFormat::Docx,
            "odt" => SourceFormat::Odt,
            "doc" => SourceFormat::Doc,
            "pdf" => SourceFormat::Pdf,
            "rtf" => SourceFormat::Rtf,
            "csv" => SourceFormat::Csv,
            "jsonl" => SourceFormat::Jsonl,
            "sheet" => SourceFormat::Sheet,
            _ => return None,
        })
    }
}

/// One transcript, as ingested.
///
/// `text` is the document's plain text (decoded to UTF-8; for DOCX the
/// paragraphs joined by `\n`; for CSV/JSONL the utterances joined by `\n`).
/// Every offset in `turns` and `segments` indexes it in code points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Stable name: the path relative to the ingested folder, or the `doc`
    /// column of a CSV/JSONL row.
    pub name: String,
    /// Path of the file it came from.
    pub source_path: String,
    pub format: SourceFormat,
    /// sha256 of everything stored for the document (format, text, turns,
    /// segments with their participant ids): re-ingesting is a no-op exactly
    /// when nothing stored would change, and one changed group of a CSV does
    /// not replace its unchanged siblings.
    pub content_hash: String,
    pub text: String,
    pub turns: Vec<Turn>,
    pub segments: Vec<Segment>,
    /// A survey table's respondent attributes (`--attribute-column`), by
    /// speaker label: given to the participants the document's labels
    /// make ([`crate::unregistered_speakers`]). Not part of the content
    /// hash: attributes are stored on every ingest, unchanged text or not.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub speaker_attributes: BTreeMap<String, BTreeMap<String, String>>,
}

/// One speaker turn: everything a speaker says until the next speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub index: usize,
    /// Speaker as written in the transcript (`None` where the source names none).
    pub speaker: Option<String>,
    /// Role given inline, e.g. `Anna (Police):`.
    pub role: Option<String>,
    pub is_moderator: bool,
    pub start_char: usize,
    pub end_char: usize,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

/// One sentence of one turn: the unit that is embedded, coded and counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub speaker: Option<String>,
    /// Participant id, once the speaker is mapped through a participants file
    /// (or the speaker name itself when the file does not list them).
    pub participant_id: Option<String>,
    pub is_moderator: bool,
    pub turn_index: usize,
    pub sentence_index: usize,
    pub start_char: usize,
    pub end_char: usize,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    pub text: String,
}

/// A study participant with attributes such as group, role, age band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    /// Name as it appears in transcripts.
    pub name: String,
    /// Restricts the name to the document (or documents) it names, when
    /// names repeat across groups: the participants file's `document`
    /// cell as written, which may list several file names separated by `;`
    /// or line breaks (one person's sessions); read them with
    /// [`Participant::documents`].
    pub document: Option<String>,
    pub is_moderator: bool,
    /// Whether the participants file lists this person (otherwise the speaker
    /// was found only in a transcript).
    pub registered: bool,
    pub attributes: BTreeMap<String, String>,
}

/// The participants of a study, looked up by the names used in transcripts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Participants {
    pub list: Vec<Participant>,
    /// The attribute columns of the participants files read (lower case):
    /// the attributes these files own, which a file read again replaces,
    /// leaving those a survey sheet gave.
    #[serde(default)]
    pub columns: Vec<String>,
}
