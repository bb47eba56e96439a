//! One reader per input format, each a stage behind [`Reader`]: bytes in,
//! [`RawDocument`]s (text plus speaker turns, byte offsets) out. Moderator
//! marking, participant mapping and sentence splitting happen afterwards, the
//! same for every format (see `crate::assemble`).

mod captions;
mod doc;
mod docx;
mod odt;
mod pdf;
mod rtf;
mod sheet;
mod table;
mod text;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{IngestError, Result};
use crate::SourceFormat;

pub use captions::{SrtReader, VttReader};
pub use doc::DocReader;
pub use docx::DocxReader;
pub use odt::OdtReader;
pub use pdf::PdfReader;
pub use rtf::{rtf_text, RtfReader};
pub use sheet::SheetReader;
pub use table::{
    is_column_label, is_import_id_row, CsvReader, JsonlReader, QUESTION_SPEAKER, RESPONDENT_ROLE,
};
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
    /// Rows of a survey export left out as no respondent's, by the
    /// Qualtrics `Status` that says so (`Survey Preview` → 1): on a file's
    /// first document only, so that a file of several documents counts
    /// each row once ([`crate::ResponsesLeftOut`], for ingest to say).
    pub left_out_responses: BTreeMap<String, usize>,
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
            "odt" => SourceFormat::Odt,
            "doc" => SourceFormat::Doc,
            "pdf" => SourceFormat::Pdf,
            "rtf" => SourceFormat::Rtf,
            "csv" | "tsv" => SourceFormat::Csv,
            "jsonl" | "ndjson" => SourceFormat::Jsonl,
            "xlsx" | "xlsm" | "xls" | "ods" => SourceFormat::Sheet,
            _ => return None,
        })
    }
}

/// A row of a participants or documents file: its cells, where it is
/// (`row 3 (line 4)`, `sheet Sheet1, row 4`) and its number in the
/// messages that point back to it ("already listed in row 3").
pub(crate) struct CaseRow {
    pub record: csv::StringRecord,
    pub location: String,
    pub number: u64,
}

/// Line numbers of CSV records from their byte offsets. The csv crate's
/// own line count misses the `\r` of a CRLF line end, so every row of an
/// Excel-saved CSV was reported a line too high. Records come in order, so
/// each count goes on from the last one.
pub(crate) struct CsvLines<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> CsvLines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        CsvLines {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line (from 1) of the record whose position is byte `byte` of the
    /// text. After a CRLF the csv crate puts the next record at the `\n`
    /// (it ended the last one at the `\r`), so line ends there are skipped.
    pub(crate) fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.text.len());
        while matches!(self.text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte < self.byte {
            (self.byte, self.line) = (0, 1);
        }
        self.line += self.text[self.byte..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.byte = byte;
        self.line
    }

    /// What is wrong with a record, without the csv crate's own position
    /// (whose line is the miscounted one).
    pub(crate) fn message(e: &csv::Error) -> String {
        match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields where the rows above have {expected_len}"),
            csv::ErrorKind::Utf8 { err, .. } => {
                format!("invalid UTF-8 in field {}", err.field() + 1)
            }
            _ => e.to_string(),
        }
    }

    /// "row 3 (line 4)" for a record at `pos`.
    pub(crate) fn location(&mut self, pos: &csv::Position) -> String {
        format!("row {} (line {})", pos.record(), self.line_at(pos.byte()))
    }
}

/// A participants or documents file's column names (trimmed, lower case)
/// and rows: a CSV (`,`, `;` or tab separated), or a spreadsheet workbook's
/// first sheet with cells (NVivo's classification sheets are often Excel).
/// `bad` makes the file's error from a location and a message.
pub(crate) fn case_table(
    path: &Path,
    bytes: &[u8],
    bad: &dyn Fn(String, String) -> IngestError,
) -> Result<(Vec<String>, Vec<CaseRow>)> {
    case_table_where(path, bytes, bad, &|_, _| true)
}

/// [`case_table`] of the first sheet `wanted` takes (a workbook's; a CSV
/// has one table), else of the first sheet with cells.
pub(crate) fn case_table_where(
    path: &Path,
    bytes: &[u8],
    bad: &dyn Fn(String, String) -> IngestError,
    wanted: &dyn Fn(&[String], &[CaseRow]) -> bool,
) -> Result<(Vec<String>, Vec<CaseRow>)> {
    let (headers, rows) = if SourceFormat::from_path(path) == Some(SourceFormat::Sheet) {
        sheet::workbook_table_where(path, bytes, wanted)?
    } else {
        let text = crate::decode::decode_text(path, bytes)?.text;
        let delimiter = table::sniff_delimiter(&text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let csv_err = |e: csv::Error| {
            let location = e
                .position()
                .map(|p| CsvLines::new(&text).location(p))
                .unwrap_or_else(|| "header".into());
            bad(location, CsvLines::message(&e))
        };
        let mut lines = CsvLines::new(&text);
        let headers: Vec<String> = reader
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|record| {
                let record = record.map_err(csv_err)?;
                let pos = record.position().expect("records have positions");
                Ok(CaseRow {
                    location: lines.location(pos),
                    number: pos.record(),
                    record,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        (headers, rows)
    };
    let headers = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    Ok((headers, rows))
}

/// The first of `names` (in their order of preference) that a column of
/// `headers` is called, written as people head a spreadsheet's column:
/// `Participant ID`, `participant_id` and `participant-id` are all
/// `participant id` (headers are trimmed and lower case already).
pub(crate) fn find_column(headers: &[String], names: &[&str]) -> Option<usize> {
    let spelled = |h: &str| {
        h.split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let headers: Vec<String> = headers.iter().map(|h| spelled(h)).collect();
    names
        .iter()
        .find_map(|name| headers.iter().position(|h| h == name))
}

/// The names a case table's document column goes by besides `document`,
/// preferred first ([`find_document_column`]).
pub(crate) const DOCUMENT_COLUMNS: &[&str] = &[
    "document name",
    "file",
    "file name",
    "filename",
    "transcript",
    "transcript file",
    "doc",
];

/// A case table's document column: `document`, else a column of another
/// name in [`DOCUMENT_COLUMNS`] whose filled cells, half of them at least,
/// name a transcript file (`P01_interview.docx`). A tracker's `File` may
/// hold the audio's name (`Recording_0412.m4a`), its `Transcript` a status
/// (`Done`) and its `Doc` a yes or no: read as documents, they scoped every
/// row to a document that does not exist, and no speaker matched.
pub(crate) fn find_document_column(headers: &[String], rows: &[CaseRow]) -> Option<usize> {
    if let Some(i) = find_column(headers, &["document"]) {
        return Some(i);
    }
    let names_transcripts = |i: usize| {
        let filled: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.record.get(i))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let transcripts = filled
            .iter()
            .filter(|c| SourceFormat::from_path(Path::new(c)).is_some())
            .count();
        !filled.is_empty() && transcripts * 2 >= filled.len()
    };
    DOCUMENT_COLUMNS
        .iter()
        .find_map(|name| find_column(headers, &[name]).filter(|&i| names_transcripts(i)))
}

/// For a table every column of which is read (a participants or documents
/// file: the columns past the id are attributes), a name heading two
/// columns is ambiguous, not the last one's. Tables that read some columns
/// by name and pass over the rest (gold, codebooks) check only the names
/// they read.
pub(crate) fn unique_headers(
    headers: &[String],
    bad: &dyn Fn(String, String) -> IngestError,
) -> Result<()> {
    for (j, h) in headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        if let Some(i) = headers[..j].iter().position(|g| g == h) {
            return Err(bad(
                "header".into(),
                format!(
                    "column `{h}` appears twice (columns {} and {})",
                    i + 1,
                    j + 1
                ),
            ));
        }
    }
    Ok(())
}

/// A table that is not a corpus (a codebook kept in a spreadsheet): its
/// column names (trimmed, lower case) and each row's location (`row 3 (line
/// 4)`, `sheet Codes, row 4`) and cells, read as participants and documents
/// files are ([`case_table`]), or a Word document's table (`table 2, row
/// 3`). `None` when the extension names no table (`.csv`, a workbook:
/// `.xlsx`, `.xlsm`, `.xls`, `.ods`, or `.docx`).
pub fn read_table(path: &Path) -> Option<Result<Table>> {
    read_table_where(path, &|_| true)
}

/// [`read_table`] of a workbook's first sheet whose first rows `wanted`
/// takes (given the sheet's column names as written and at most its first
/// ten rows, which may hold the column names below a title), else of its
/// first sheet with cells: a coding sheet behind a sheet of instructions is
/// read, and a workbook without one fails on its first sheet as before.
pub fn read_table_where(path: &Path, wanted: &dyn Fn(&Table) -> bool) -> Option<Result<Table>> {
    let format = SourceFormat::from_path(path)?;
    if format == SourceFormat::Docx {
        return Some(docx_table_where(path, wanted));
    }
    if !matches!(format, SourceFormat::Csv | SourceFormat::Sheet) {
        return None;
    }
    let read = || -> Result<Table> {
        let bytes = crate::read_input(path)?;
        let bad = |location: String, message: String| IngestError::BadTable {
            file: path.into(),
            location,
            message,
        };
        let first_rows = |headers: &[String], rows: &[CaseRow]| Table {
            headers: headers.to_vec(),
            rows: rows
                .iter()
                .take(10)
                .map(|r| {
                    (
                        r.location.clone(),
                        r.record.iter().map(str::to_string).collect(),
                    )
                })
                .collect(),
        };
        let (headers, rows) = case_table_where(path, &bytes, &bad, &|headers, rows| {
            wanted(&first_rows(headers, rows))
        })?;
        let rows = rows
            .into_iter()
            .map(|r| (r.location, r.record.iter().map(str::to_string).collect()))
            .collect();
        Ok(Table { headers, rows })
    };
    Some(read())
}

/// A Word document's table, as teams keep a codebook (one code per row, a
/// heading row naming the columns): the first table whose first rows
/// `wanted` takes, else the first table. Rows are located as `table 2, row
/// 3`, counting the heading row as row 1; a cell's paragraphs are its lines.
/// A document without a table is an error that says what is read.
fn docx_table_where(path: &Path, wanted: &dyn Fn(&Table) -> bool) -> Result<Table> {
    let bytes = crate::read_input(path)?;
    let name = path.display().to_string();
    let file = SourceFile {
        path,
        name: &name,
        bytes: &bytes,
    };
    let tables = docx::docx_tables(file)?;
    let as_table = |(t, rows): (usize, &Vec<Vec<String>>)| {
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let padded = |r: &Vec<String>| {
            let mut r = r.clone();
            r.resize(width, String::new());
            r
        };
        Table {
            headers: rows.first().map(padded).unwrap_or_default(),
            rows: rows
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, r)| (format!("table {}, row {}", t + 1, i + 1), padded(r)))
                .collect(),
        }
    };
    let mut all = tables.iter().enumerate().map(as_table);
    let first = all.clone().next().ok_or_else(|| IngestError::BadTable {
        file: path.into(),
        location: "document".into(),
        message: "no table in it; a codebook in Word is read from a table, one code per row, \
                  under a heading row naming its columns (Code, Definition, Inclusion, \
                  Exclusion, Example, …)"
            .into(),
    })?;
    let chosen = tables
        .iter()
        .enumerate()
        .map(as_table)
        .position(|t| wanted(&t));
    let mut table = all.find(|t| wanted(t)).unwrap_or(first);
    // A codebook split over several tables (a page or section each), each
    // under the same heading row: the later ones' rows are the codebook's
    // too. Before, all but the first table's codes were dropped.
    if let Some(at) = chosen {
        for (t, rows) in tables.iter().enumerate().skip(at + 1) {
            let more = as_table((t, rows));
            let same = more.headers.len() == table.headers.len()
                && more
                    .headers
                    .iter()
                    .zip(&table.headers)
                    .all(|(a, b)| a.trim().eq_ignore_ascii_case(b.trim()));
            if same {
                table.rows.extend(more.rows);
            }
        }
    }
    table.headers = table
        .headers
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    Ok(table)
}

/// What [`read_table`] reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    /// (where the row is, its cells in column order).
    pub rows: Vec<(String, Vec<String>)>,
}

/// The reader for a file, by its extension.
pub fn reader_for(path: &Path, columns: &TableColumns) -> Result<Box<dyn Reader>> {
    let format = SourceFormat::from_path(path).ok_or_else(|| IngestError::UnknownExtension {
        file: path.into(),
        ext: path.extension().map(|e| e.to_string_lossy().into_owned()),
    })?;
    Ok(match format {
        SourceFormat::Text | SourceFormat::Markdown => Box::new(TextReader {
            format,
            columns: columns.clone(),
        }),
        SourceFormat::Vtt => Box::new(VttReader),
        SourceFormat::Srt => Box::new(SrtReader),
        SourceFormat::Docx => Box::new(DocxReader),
        SourceFormat::Odt => Box::new(OdtReader),
        SourceFormat::Doc => Box::new(DocReader),
        SourceFormat::Pdf => Box::new(PdfReader),
        SourceFormat::Rtf => Box::new(RtfReader),
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
