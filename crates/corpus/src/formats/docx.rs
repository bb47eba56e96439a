//! DOCX: the paragraphs of `word/document.xml` (read with `zip` and
//! `quick-xml`), joined by `\n`, then the same speaker rules as plain text.
//! Table rows (transcription services often export `time | speaker | text`
//! or `speaker | time | text` tables) become one line: `[time] Speaker:
//! text` when a cell holds a name.
//! Deleted revisions (`w:delText`) and field codes are not text.

use quick_xml::events::Event;

use super::text::extracted_text_with_headings;
use super::{RawDocument, Reader, SourceFile};
use crate::archive::{read_entry_capped, CappedReadError};
use crate::error::{IngestError, Result};
use crate::speaker::{is_header_entry, is_name_like, parse_clock, parse_speaker_line};
use crate::SourceFormat;

/// Refuse to inflate a document.xml beyond this (a zip bomb, not a
/// transcript). Reaching it is an error: a document cut here would ingest
/// with its end silently missing.
pub const MAX_XML_BYTES: u64 = 256 << 20;

pub struct DocxReader;

impl Reader for DocxReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Docx
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let (text, headings) = package_text(file, &DOCX, paragraphs_and_headings)?;
        extracted_text_with_headings(file, text, &headings)
    }
}

/// A zipped XML document format: what its files are called in messages,
/// and the part that holds the text.
pub(super) struct Package {
    /// "a DOCX", "an ODT", as messages say it.
    pub kind: &'static str,
    /// The part inside the zip: "word/document.xml", "content.xml".
    pub entry: &'static str,
    /// Who writes it, for the message about a part that is not UTF-8.
    pub writer: &'static str,
}

const DOCX: Package = Package {
    kind: "a DOCX",
    entry: "word/document.xml",
    writer: "Word",
};

/// The text of a zipped XML document: its `package.entry` inflated (capped
/// at [`MAX_XML_BYTES`]), checked to be UTF-8 and read by `text_of`, which
/// gives a byte offset in the XML with its error. Errors name the file and
/// the part.
pub(super) fn package_text<T>(
    file: SourceFile<'_>,
    package: &Package,
    text_of: impl Fn(&str) -> std::result::Result<T, (u64, String)>,
) -> Result<T> {
    if file.bytes.is_empty() {
        return Err(IngestError::Empty {
            file: file.path.into(),
        });
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(file.bytes)).map_err(|e| {
        if is_encrypted_office_file(file.bytes) {
            return password_protected(file.path);
        }
        IngestError::NotZip {
            file: file.path.into(),
            kind: package.kind,
            message: e.to_string(),
        }
    })?;
    if is_encrypted_open_document(&mut zip) {
        return Err(password_protected(file.path));
    }
    let entry = zip
        .by_name(package.entry)
        .map_err(|_| IngestError::NoDocumentXml {
            file: file.path.into(),
            kind: package.kind,
            entry: package.entry,
        })?;
    let xml_error = |message: String| IngestError::DocumentXml {
        file: file.path.into(),
        entry: package.entry,
        message,
    };
    // The declared size can lie, so the read is capped as well.
    let declared = entry.size();
    let bytes = read_entry_capped(entry, declared, MAX_XML_BYTES).map_err(|e| match e {
        CappedReadError::TooLarge { .. } => xml_error(format!(
            "larger than the limit of {} MiB when inflated; refused (a zip bomb, or not a transcript)",
            MAX_XML_BYTES >> 20
        )),
        CappedReadError::Io(e) => xml_error(format!("cannot inflate: {e}")),
    })?;
    let short = package.entry.rsplit('/').next().unwrap_or(package.entry);
    let xml = String::from_utf8(bytes).map_err(|e| IngestError::BadXml {
        file: file.path.into(),
        entry: package.entry,
        offset: e.utf8_error().valid_up_to() as u64,
        message: format!(
            "not valid UTF-8 (the file is a zip, but its {short} is not the UTF-8 {} writes)",
            package.writer
        ),
    })?;
    text_of(&xml).map_err(|(offset, message)| IngestError::BadXml {
        file: file.path.into(),
        entry: package.entry,
        offset,
        message,
    })
}

/// The first bytes of an OLE compound file: a Word 97-2003 `.doc`, an
/// `.xls`, and the container a password-protected Office document is saved
/// in.
const COMPOUND_FILE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether `bytes` are a .docx, .xlsx or .pptx that Office encrypted with a
/// password ("Protect Document → Encrypt with Password"; ethics boards and
/// transcription services often deliver files so): [MS-OFFCRYPTO] §2.3.4
/// keeps the encrypted zip package in an OLE compound file's
/// `EncryptedPackage` stream and its keys in `EncryptionInfo`, so the file
/// is no zip at all, and was refused as "not a zip archive" or "Cannot
/// detect file format", which sent people re-exporting a file that opens
/// fine in Word. The compound file is opened only when the first bytes say
/// it is one.
pub(super) fn is_encrypted_office_file(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&COMPOUND_FILE_MAGIC) {
        return false;
    }
    cfb::CompoundFile::open(std::io::Cursor::new(bytes)).is_ok_and(|compound| {
        compound.is_stream("/EncryptedPackage") || compound.is_stream("/EncryptionInfo")
    })
}

/// Whether the zip package is an OpenDocument file saved with a password
/// (LibreOffice's "Save with password"): its `META-INF/manifest.xml` gives
/// an encrypted entry's `<manifest:encryption-data>` (ODF 1.2 §3.8), and
/// the entry itself holds ciphertext, which read as "not valid UTF-8".
/// A package without a manifest (a DOCX) is not.
pub(super) fn is_encrypted_open_document<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> bool {
    let Ok(manifest) = zip.by_name("META-INF/manifest.xml") else {
        return false;
    };
    let declared = manifest.size();
    let Ok(xml) = read_entry_capped(manifest, declared, MAX_XML_BYTES) else {
        return false;
    };
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().into_inner() == "encryption-data" =>
            {
                return true
            }
            Ok(Event::Eof) | Err(_) => return false,
            _ => {}
        }
        buf.clear();
    }
}

/// The error for a file saved with a password: said as the encrypted `.doc`
/// and PDF are (docs/corpus.md), with what to do about it.
pub(super) fn password_protected(path: &std::path::Path) -> IngestError {
    IngestError::Io {
        file: path.into(),
        source: std::io::Error::other(
            "the file is encrypted (password-protected); open it with its password \
             and save an unprotected copy",
        ),
    }
}

/// An OLE compound file holding `streams`, each a few bytes: with
/// `EncryptionInfo` and `EncryptedPackage`, the shape of a .docx or .xlsx
/// Office saved with a password.
#[cfg(test)]
pub(super) fn compound_file(streams: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut compound = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    for name in streams {
        let mut stream = compound.create_stream(format!("/{name}")).unwrap();
        stream.write_all(&[0x04, 0x00, 0x04, 0x00, 0x40]).unwrap();
    }
    compound.flush().unwrap();
    compound.into_inner().into_inner()
}

/// The character an entity or character reference in the text stands for:
/// the five XML predefines and numeric references. Neither Word nor
/// LibreOffice declares other entities; an undefined one (or a DTD's, never
/// expanded) is an error rather than text dropped silently. `Ok(None)`: a
/// bad reference outside text, ignored.
pub(super) fn reference_char(
    r: &quick_xml::events::BytesRef<'_>,
    position: u64,
    in_text: bool,
) -> std::result::Result<Option<char>, (u64, String)> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(Some(c)),
        Ok(None) => Ok(Some(match r.xml10_content().as_ref() {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            name => {
                return Err((
                    position,
                    format!(
                        "undefined entity `&{name};` (only &amp; &lt; &gt; &quot; &apos; and character references are allowed)"
                    ),
                ))
            }
        })),
        Err(e) if in_text => Err((position, e.to_string())),
        Err(_) => Ok(None),
    }
}

/// Counts the elements open after `event`; at the end of the XML, an
/// error when some are still open. quick-xml reads a part cut off after a
/// whole tag to its end without complaint, and a truncated document.xml
/// was reported as an empty file.
pub(super) fn track_open(
    event: &Event<'_>,
    open: &mut usize,
    position: u64,
) -> std::result::Result<(), (u64, String)> {
    match event {
        Event::Start(_) => *open += 1,
        Event::End(_) => *open = open.saturating_sub(1),
        Event::Eof if *open > 0 => {
            return Err((
                position,
                format!(
                    "the XML ends with {open} element(s) still open (a cut-off or damaged file?)"
                ),
            ))
        }
        _ => {}
    }
    Ok(())
}

/// Whether `event` is in (or opens or closes) a markup-compatibility
/// `mc:Fallback`: Word saves a text box as `mc:AlternateContent`, its text
/// once in the DrawingML `mc:Choice` and again in the VML `mc:Fallback`
/// copy, and both were read (a text box's sentence stored twice for its
/// speaker). `depth` counts the open fallbacks.
fn in_fallback(event: &Event<'_>, depth: &mut usize) -> bool {
    let is_fallback = |name: &str| name == "mc:Fallback" || name.ends_with(":Fallback");
    match event {
        Event::Start(e) if is_fallback(e.name().as_ref()) => {
            *depth += 1;
            true
        }
        Event::End(e) if is_fallback(e.name().as_ref()) => {
            *depth = depth.saturating_sub(1);
            true
        }
        Event::Empty(e) if is_fallback(e.name().as_ref()) => true,
        _ => *depth > 0,
    }
}

/// The grid columns a `w:gridSpan` (a cell merged across columns) or
/// `w:gridBefore` (cells a row leaves out before its first) counts, from
/// its `w:val`; 1 when absent or unreadable, at most 64 (Word's own limit
/// is 63 columns). A merged cell's text is its first column's and the
/// columns it covers are empty, as a spreadsheet reader gives a merged
/// range: before, every later cell of the row moved one column left (a
/// codebook's example read as its exclusion criterion).
fn grid_span(e: &quick_xml::events::BytesStart<'_>) -> usize {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == "w:val")
        .and_then(|a| a.value.trim().parse::<usize>().ok())
        .map_or(1, |n| n.clamp(1, 64))
}

/// The document's paragraphs joined by `\n`; on error the byte offset in the XML.
#[cfg(test)]
fn paragraphs(xml: &str) -> std::result::Result<String, (u64, String)> {
    paragraphs_and_headings(xml).map(|(text, _)| text)
}

/// Whether the text of a table row merged across the whole table (one
/// cell, `w:gridSpan` over every grid column) is a heading: a topic
/// guide's section (`Experiences of the Service`, `Part 2 – Barriers to
/// access`) or a transcriber's note (`Recording paused at 00:14:10 and
/// resumed`). A few words and no sentence, unless bracketed, nor a
/// speaker's label: a merged row of sentences is read as any line. The
/// ODT reader uses the same rule, so an ODT reads as the DOCX it was saved
/// from (`odt::tests::a_row_merged_across_the_table_reads_as_the_same_docx`).
pub(super) fn is_merged_heading(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.split_whitespace().count() <= 12
        && (!text.ends_with(['.', '?', '!']) || text.starts_with(['[', '(']))
        && parse_speaker_line(text).is_none()
}

/// [`paragraphs`], and the lines of it (0-based, rising) that are
/// headings: a table row merged across the whole table holding a few words
/// ([`is_merged_heading`]). In a `Speaker | Text` table such a row is no
/// turn: before 2026-12-07 it was read as a speaker's cell with nothing
/// beside it, `Experiences of the Service: `, and stored as the sentence
/// of the speaker above (ht/01).
pub(super) fn paragraphs_and_headings(
    xml: &str,
) -> std::result::Result<(String, Vec<usize>), (u64, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open = 0usize;
    let mut lines: Vec<String> = Vec::new();
    // Indices into `lines` of merged rows' headings.
    let mut heading_lines: Vec<usize> = Vec::new();
    let mut paragraph = String::new();
    let mut in_text = false;
    // Cells of the table row being read, innermost table only, and how
    // many `w:tc` it has (a merged cell is one, its columns padded).
    let mut row: Option<Vec<String>> = None;
    let mut row_cells = 0usize;
    let mut cell: Option<Vec<String>> = None;
    let mut rows = TableRows::default();
    // Grid columns (`w:gridCol`) of each table open, the innermost last.
    let mut grid_columns: Vec<usize> = Vec::new();
    // Grid columns the cell being read spans (`w:gridSpan`), and those a
    // row skips before its first cell (`w:gridBefore`): see [`grid_span`].
    let mut span = 1usize;
    let mut fallback = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        track_open(&event, &mut open, reader.buffer_position())?;
        if in_fallback(&event, &mut fallback) {
            continue;
        }
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "w:t" => in_text = true,
                "w:tbl" => {
                    rows.start_table(&lines);
                    grid_columns.push(0);
                }
                "w:tr" => {
                    row = Some(Vec::new());
                    row_cells = 0;
                }
                "w:tc" => {
                    cell = Some(Vec::new());
                    span = 1;
                    row_cells += 1;
                }
                "w:gridCol" => {
                    if let Some(n) = grid_columns.last_mut() {
                        *n += 1;
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                "w:gridCol" => {
                    if let Some(n) = grid_columns.last_mut() {
                        *n += 1;
                    }
                }
                "w:tab" => paragraph.push('\t'),
                "w:br" | "w:cr" => paragraph.push('\n'),
                "w:noBreakHyphen" => paragraph.push('-'),
                "w:p" => end_paragraph(&mut paragraph, &mut cell, &mut lines),
                "w:gridSpan" => span = grid_span(&e),
                "w:gridBefore" => {
                    if let Some(r) = row.as_mut() {
                        r.extend(std::iter::repeat_n(String::new(), grid_span(&e)));
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => end_paragraph(&mut paragraph, &mut cell, &mut lines),
                "w:tc" => {
                    if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                        r.push(c.join(" ").trim().to_string());
                        r.extend(std::iter::repeat_n(String::new(), span - 1));
                    }
                }
                "w:tbl" => {
                    grid_columns.pop();
                }
                "w:tr" => {
                    let Some(r) = row.take() else { continue };
                    // One cell over every column (a table without its
                    // grid: over two or more).
                    let whole_width = row_cells == 1
                        && span >= 2
                        && r.len() >= grid_columns.last().copied().unwrap_or(0);
                    let merged = whole_width.then(|| r.concat());
                    match merged {
                        Some(text) if is_merged_heading(&text) => {
                            heading_lines.push(lines.len());
                            lines.push(text);
                        }
                        // Sentences across the table: a line as typed,
                        // not a speaker's cell with nothing beside it.
                        Some(text) if !text.trim().is_empty() => lines.push(text),
                        _ => lines.push(rows.line(&r)),
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => paragraph.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => paragraph.push_str(&t),
            Event::GeneralRef(r) => {
                let Some(c) = reference_char(&r, reader.buffer_position(), in_text)? else {
                    continue;
                };
                if in_text {
                    paragraph.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(joined_with_heading_lines(&lines, &heading_lines))
}

/// The document's lines joined by `\n`, and the text lines of the heading
/// lines `heading_lines` (indices into `lines`, rising): a line may hold
/// line breaks (`w:br`, an ODT's `text:line-break`), each of whose lines is
/// a line of the text. Shared by the DOCX and ODT readers.
pub(super) fn joined_with_heading_lines(
    lines: &[String],
    heading_lines: &[usize],
) -> (String, Vec<usize>) {
    let mut headings = Vec::new();
    let mut at = 0usize;
    let mut next_heading = heading_lines.iter().peekable();
    for (i, line) in lines.iter().enumerate() {
        let height = 1 + line.matches('\n').count();
        if next_heading.next_if(|&&h| h == i).is_some() {
            headings.extend(at..at + height);
        }
        at += height;
    }
    (lines.join("\n"), headings)
}

/// The tables of a DOCX's `word/document.xml`, each a list of rows of cells,
/// a cell's paragraphs joined by `\n` (a codebook's cell of examples holds
/// one per paragraph). A table inside a cell is read as its cell's text.
pub(super) fn docx_tables(file: SourceFile<'_>) -> Result<Vec<Vec<Vec<String>>>> {
    package_text(file, &DOCX, tables)
}

type Tables = Vec<Vec<Vec<String>>>;

fn tables(xml: &str) -> std::result::Result<Tables, (u64, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open = 0usize;
    let mut out: Tables = Vec::new();
    // How deep in tables the reader is; only the outermost's rows and cells
    // are kept, what is nested in a cell is that cell's text.
    let mut depth = 0usize;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Vec<String> = Vec::new();
    let mut paragraph = String::new();
    let mut in_text = false;
    let mut span = 1usize;
    let mut fallback = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        track_open(&event, &mut open, reader.buffer_position())?;
        if in_fallback(&event, &mut fallback) {
            continue;
        }
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "w:t" => in_text = true,
                "w:tc" if depth == 1 => span = 1,
                "w:tbl" => {
                    depth += 1;
                    if depth == 1 {
                        out.push(Vec::new());
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                "w:tab" => paragraph.push('\t'),
                "w:br" | "w:cr" => paragraph.push('\n'),
                "w:noBreakHyphen" => paragraph.push('-'),
                "w:p" if depth > 0 => cell.push(String::new()),
                "w:gridSpan" if depth == 1 => span = grid_span(&e),
                "w:gridBefore" if depth == 1 => {
                    row.extend(std::iter::repeat_n(String::new(), grid_span(&e)))
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:tbl" => depth = depth.saturating_sub(1),
                "w:p" => {
                    let p = std::mem::take(&mut paragraph);
                    if depth > 0 {
                        cell.push(p);
                    }
                }
                "w:tc" if depth == 1 => {
                    let text = std::mem::take(&mut cell)
                        .iter()
                        .map(|p| p.trim())
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join("\n");
                    row.push(text);
                    row.extend(std::iter::repeat_n(String::new(), span - 1));
                }
                "w:tr" if depth == 1 => {
                    if let Some(table) = out.last_mut() {
                        table.push(std::mem::take(&mut row));
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => paragraph.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => paragraph.push_str(&t),
            Event::GeneralRef(r) => {
                if let Some(c) = reference_char(&r, reader.buffer_position(), in_text)? {
                    if in_text {
                        paragraph.push(c);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.retain(|t| !t.is_empty());
    Ok(out)
}

/// A finished paragraph: a line of the document, or of the table cell being read.
pub(super) fn end_paragraph(
    paragraph: &mut String,
    cell: &mut Option<Vec<String>>,
    lines: &mut Vec<String>,
) {
    let p = std::mem::take(paragraph);
    match cell {
        Some(c) => c.push(p),
        None => lines.push(p),
    }
}

/// The column names of a transcript table's heading row, lower case,
/// besides its speaker, text and time columns' ([`is_table_heading`]):
/// NVivo's numbering `#`, a role, an end, a duration, a transcriber's
/// notes. A notes column is no text column: before 2026-12-07 `Time |
/// Speaker | Transcript | Comment` was no heading row and each note
/// (`Background noise – baby crying`) a sentence of the speaker (ht/05).
const OTHER_HEADINGS: &[&str] = &[
    "role",
    "end",
    "#",
    "duration",
    "notes",
    "note",
    "comments",
    "comment",
    "observations",
    "observation",
    "transcriber notes",
    "transcriber note",
    "transcriber's notes",
    "transcriber’s notes",
    "transcriber comments",
    "transcriber comment",
    "transcriber's comments",
    "transcriber’s comments",
    "transcription notes",
    "notes/comments",
];

/// Whether a table row's cells are a transcript table's heading row
/// (`Speaker | Transcript`, `Time | Name | Text`): two cells or more
/// filled, each naming a column ([`is_table_heading`]). No one said
/// "Transcript". The same rule reads a table saved as RTF or as text, its
/// cells joined by tabs ([`super::text`]).
pub(super) fn is_table_heading_row<S: AsRef<str>>(cells: &[S]) -> bool {
    let filled = || {
        cells
            .iter()
            .map(|c| c.as_ref().trim())
            .filter(|c| !c.is_empty())
    };
    filled().count() >= 2
        && filled().all(|c| is_table_heading(c.to_lowercase().trim_end_matches(':')))
}

/// Whether a cell (lower case) names a column of a transcript table.
fn is_table_heading(key: &str) -> bool {
    [
        SPEAKER_HEADINGS,
        TEXT_HEADINGS,
        TIME_HEADINGS,
        OTHER_HEADINGS,
    ]
    .iter()
    .any(|names| names.contains(&key))
}

/// Headings of a transcript table's speaker, text and time columns.
const SPEAKER_HEADINGS: &[&str] = &[
    "speaker",
    "speakers",
    "speaker name",
    "name",
    "person",
    "who",
    "sprecher",
    "sprecherin",
    "locuteur",
    "hablante",
    "participant",
    "respondent",
    "interviewee",
];
const TEXT_HEADINGS: &[&str] = &[
    "transcript",
    "transcription",
    "text",
    "utterance",
    "content",
    "speech",
    "dialogue",
    "verbatim",
    "texte",
    "texto",
    // Before 2026-12-06 a heading row naming its words so (`Participant |
    // Dialogue`, `Speaker | Translation`, `Who | What`) was a turn of a
    // participant `Participant` or `Speaker`, one more per document.
    "utterances",
    "translation",
    "english",
    "original",
    "words",
    "words spoken",
    "what was said",
    "said",
    "what",
    "reply",
    "response",
    "answer",
    "interview text",
];
const TIME_HEADINGS: &[&str] = &[
    "time",
    "timestamp",
    "time stamp",
    "timecode",
    "time code",
    "start",
    "timespan",
    "time span",
    "zeit",
];

/// Where a transcript table's heading row puts its speaker, text and
/// time.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TableLayout {
    cells: usize,
    speaker: usize,
    text: usize,
    time: Option<usize>,
}

/// The lines of a document's table rows, each as [`row_line`] writes it,
/// except below a heading row that names a speaker column and a text
/// column: there each row is read by those columns wherever they stand
/// (NVivo's `# | Timespan | Content | Speaker`, the speaker last). Before,
/// such rows were read by their first cells, and the heading `Timespan`
/// was one speaker who said everything.
#[derive(Debug, Default)]
pub(super) struct TableRows {
    layout: Option<TableLayout>,
    /// Rows read of the table being read.
    rows: usize,
    /// The table lists people, not turns ([`is_people_heading`]).
    people: bool,
    /// The table is a transcript's details at its top ([`details_entry`]).
    details: bool,
    /// A turn or a table other than a details table came before: a
    /// details table is read at the document's top only, where a header
    /// block would stand.
    below_the_top: bool,
    /// Lines of the document above searched for a label so far.
    lines_seen: usize,
}

/// A row of a transcript's details table (`Participant ID | P07`,
/// `Interviewer | SK`, `Duration | 42 minutes`): its key and value, as a
/// header block's `Key: value` line reads ([`is_header_entry`]). Written
/// so, the table is read by the header block rule: the interviewer it
/// names moderates, the interviewee it names is theirs. Before
/// 2026-12-07 its first row (`Participant ID`) headed a table of people,
/// its rows were lines of tabs and SK a second participant (ht/04).
fn details_entry(cells: &[String]) -> Option<(&str, &str)> {
    let mut filled = cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty());
    let (key, value) = (filled.next()?, filled.next()?);
    let key = key.trim_end_matches([':', '：']).trim_end();
    (filled.next().is_none()
        && !cells[0].trim().is_empty()
        && !value.contains('\n')
        && !is_table_heading(&value.to_lowercase())
        && is_header_entry(key, value))
    .then_some((key, value))
}

/// Whether a table's first row heads a list of people, not a transcript:
/// its first cell names the people (`Participant`, `Speaker`, `Name`,
/// `Attendee`) and no cell names a text column (`Participant | Age |
/// Gender | Role`, `Speaker | Organisation` above a colon transcript).
/// Before, each row was a turn: Maria said "45 F Manager".
fn is_people_heading(cells: &[String]) -> bool {
    let keys: Vec<String> = cells
        .iter()
        .map(|c| c.trim().trim_end_matches(':').to_lowercase())
        .collect();
    let first = keys.first().map_or("", String::as_str);
    let people = SPEAKER_HEADINGS.contains(&first)
        || [
            "participant",
            "participants",
            "participant id",
            "respondent",
            "attendee",
            "attendees",
            "pseudonym",
            "interviewee",
        ]
        .contains(&first);
    // What a person says, under a heading a transcript or a coder's sheet
    // may give it.
    const SAID: &[&str] = &[
        "response",
        "responses",
        "answer",
        "answers",
        "comment",
        "comments",
        "quote",
        "quotes",
        "words",
        "statement",
        "remarks",
        "contribution",
        "said",
        "what was said",
        "discussion",
        "notes",
        "turn",
        "message",
    ];
    people
        && keys.iter().filter(|k| !k.is_empty()).count() >= 2
        && !keys
            .iter()
            .any(|k| TEXT_HEADINGS.contains(&k.as_str()) || SAID.contains(&k.as_str()))
}

impl TableRows {
    /// A new table begins below the document's `lines_above`: no heading
    /// read yet.
    pub(super) fn start_table(&mut self, lines_above: &[String]) {
        self.layout = None;
        self.rows = 0;
        self.people = false;
        self.details = false;
        // Each line once: the DOC reader starts a table at every
        // paragraph.
        let new_lines = lines_above.get(self.lines_seen..).unwrap_or_default();
        self.lines_seen = lines_above.len();
        if !self.below_the_top {
            self.below_the_top = new_lines
                .iter()
                .flat_map(|l| l.lines())
                .any(|l| parse_speaker_line(l).is_some());
        }
    }

    /// The line of one row of the table being read.
    pub(super) fn line(&mut self, cells: &[String]) -> String {
        self.rows += 1;
        if self.rows == 1 {
            self.details = !self.below_the_top && details_entry(cells).is_some();
            self.below_the_top |= !self.details;
        }
        if self.details {
            return match details_entry(cells) {
                Some((key, value)) => format!("{key}: {value}"),
                None => cells.join("\t"),
            };
        }
        if self.rows == 1 && is_people_heading(cells) {
            self.people = true;
        }
        if self.people {
            return cells.join("\t");
        }
        if let Some(layout) = heading_layout(cells) {
            self.layout = Some(layout);
            // No line: no one said "Response". A table's heading row read
            // as a line was the last turn's words where a table per
            // question (or a transcript in two tables) repeats it below
            // the turns of the one before (hY/03).
            return String::new();
        }
        match self.layout {
            Some(layout) if layout.cells == cells.len() => layout_line(&layout, cells),
            _ => {
                self.layout = None;
                row_line(cells)
            }
        }
    }
}

/// The layout a heading row names, if every filled cell is a heading and
/// one names the speaker and another the text.
fn heading_layout(cells: &[String]) -> Option<TableLayout> {
    let keys: Vec<String> = cells
        .iter()
        .map(|c| c.trim().trim_end_matches(':').to_lowercase())
        .collect();
    if !is_table_heading_row(&keys) {
        return None;
    }
    let at = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
    // Two text columns (`Speaker | Original | English`): the row keeps
    // them both ([`row_line`]), not the first alone.
    if keys
        .iter()
        .filter(|k| TEXT_HEADINGS.contains(&k.as_str()))
        .count()
        > 1
    {
        return None;
    }
    Some(TableLayout {
        cells: cells.len(),
        speaker: at(SPEAKER_HEADINGS)?,
        text: at(TEXT_HEADINGS)?,
        time: at(TIME_HEADINGS),
    })
}

/// A row read by its table's heading: `[time] Speaker: text`, or the text
/// alone where the speaker cell is empty (the turn above goes on).
fn layout_line(layout: &TableLayout, cells: &[String]) -> String {
    // A speaker typed with a colon (`Facilitator:`), as in a table
    // without a heading row: before 2026-12-07 the line read
    // `Facilitator:: Thanks…` and no label was found (ht/02).
    let (name, time_below) = speaker_and_time(&cells[layout.speaker]);
    let name = name.trim_end_matches([':', '：']).trim_end();
    let text = cells[layout.text].trim();
    if name.is_empty() {
        return text.to_string();
    }
    // A time span (`00:00:03 - 00:00:07`) starts at its first clock.
    let time = layout
        .time
        .map(|i| cells[i].trim().trim_matches(['[', ']']))
        .and_then(|t| {
            let first = t.split(['-', '–']).next().unwrap_or("").trim();
            parse_clock(first).map(|_| first)
        })
        .or(time_below);
    match time {
        Some(time) => format!("[{time}] {name}: {text}"),
        None => format!("{name}: {text}"),
    }
}

/// A speaker cell's name and the turn's time typed below it (`Interviewer`
/// / `00:00:10`, in a second paragraph of the cell, read as a space, or
/// after a soft return) or above it. The time says when the turn began:
/// before 2026-12-07 it hid the name (`Interviewer 00:00:10` was no
/// speaker) or began the turn's words (`00:00:10: Thanks…`) (ht/06). A
/// bracketed time beside the name (`Interviewer [00:00:10]`) is left to
/// the label rules, which read it so.
fn speaker_and_time(cell: &str) -> (&str, Option<&str>) {
    let trimmed = cell.trim();
    fn is_time(token: &str, on_own_line: bool) -> Option<&str> {
        let token = if on_own_line {
            token.trim_matches(['[', ']', '(', ')'])
        } else {
            token
        };
        parse_clock(token).is_some().then_some(token)
    }
    if let Some((name, time)) = trimmed.rsplit_once(char::is_whitespace) {
        let below = trimmed[name.len()..].starts_with('\n');
        if let Some(time) = is_time(time, below).filter(|_| !name.trim().is_empty()) {
            return (name.trim(), Some(time));
        }
    }
    if let Some((time, name)) = trimmed.split_once(char::is_whitespace) {
        let above = trimmed[time.len()..].starts_with('\n');
        if let Some(time) = is_time(time, above).filter(|_| !name.trim().is_empty()) {
            return (name.trim(), Some(time));
        }
    }
    (cell, None)
}

/// One line for a table row: `[time] Speaker: text` when the first or second
/// cell is a name (the other before it a time, or empty), else the cells
/// tab-separated.
pub(super) fn row_line(cells: &[String]) -> String {
    let cells: Vec<&str> = cells.iter().map(|c| c.as_str()).collect();
    // A transcript table's heading row names its columns, and reads as the
    // text reader's heading line ([`super::text`]).
    if is_table_heading_row(&cells) {
        return cells.join("\t");
    }
    for name_at in 0..cells.len().min(2) {
        let (name, time_below) = speaker_and_time(cells[name_at]);
        // A time before the name, or a time cell left empty (a turn
        // typed on without its time).
        let time = cells[0].trim().trim_matches(['[', ']']);
        let before_ok = name_at == 0 || time.is_empty() || parse_clock(time).is_some();
        if cells.len() > name_at + 1 && before_ok && is_name_like(name) {
            // Speaker | Time | Text: the time cell after the name.
            let after = cells[name_at + 1].trim().trim_matches(['[', ']']);
            let time_after = name_at == 0 && cells.len() > 2 && parse_clock(after).is_some();
            let text_from = name_at + 1 + usize::from(time_after);
            let text = cells[text_from..]
                .iter()
                .filter(|c| !c.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            return if name_at == 1 && !time.is_empty() {
                format!("[{time}] {name}: {text}")
            } else if time_after {
                format!("[{after}] {name}: {text}")
            } else if let Some(time) = time_below {
                format!("[{time}] {name}: {text}")
            } else {
                format!("{name}: {text}")
            };
        }
    }
    cells.join("\t")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;

    const BODY_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;

    fn docx(body: &str) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            zip.start_file("[Content_Types].xml", opts).unwrap();
            zip.write_all(b"<Types/>").unwrap();
            zip.start_file("word/document.xml", opts).unwrap();
            zip.write_all(format!("{BODY_START}{body}</w:body></w:document>").as_bytes())
                .unwrap();
            zip.finish().unwrap();
        }
        buf.into_inner()
    }

    /// A zip holding only `word/document.xml` with these bytes.
    fn zip_with_document_xml(xml: &[u8]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            zip.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(xml).unwrap();
            zip.finish().unwrap();
        }
        buf.into_inner()
    }

    fn read(bytes: &[u8]) -> Result<RawDocument> {
        DocxReader
            .read(SourceFile {
                path: Path::new("talk.docx"),
                name: "talk.docx",
                bytes,
            })
            .map(|mut v| v.remove(0))
    }

    /// A cell of one paragraph per item of `paragraphs`, its first run
    /// bold, with these cell properties (`<w:gridSpan w:val="2"/>`).
    fn tc(props: &str, paragraphs: &[&str]) -> String {
        let ps: String = paragraphs
            .iter()
            .map(|p| format!("<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"))
            .collect();
        format!("<w:tc><w:tcPr>{props}</w:tcPr>{ps}</w:tc>")
    }

    /// A table of `columns` grid columns and these rows of cells.
    fn tbl(columns: usize, rows: &[Vec<String>]) -> String {
        let grid = "<w:gridCol w:w=\"2000\"/>".repeat(columns);
        let rows: String = rows
            .iter()
            .map(|r| format!("<w:tr>{}</w:tr>", r.concat()))
            .collect();
        format!("<w:tbl><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>")
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| tc("", &[c])).collect()
    }

    /// The document's sentences as stored: speaker, moderator, text, each
    /// checked to be the document text at its offsets.
    fn sentences(body: &str) -> Vec<(Option<String>, bool, String)> {
        let people = crate::Participants::default();
        let doc = crate::assemble(
            read(&docx(body)).unwrap(),
            "talk.docx",
            SourceFormat::Docx,
            &people.index(),
        );
        doc.segments
            .iter()
            .map(|s| {
                let at: String = doc
                    .text
                    .chars()
                    .skip(s.start_char)
                    .take(s.end_char - s.start_char)
                    .collect();
                assert_eq!(at, s.text);
                (s.speaker.clone(), s.is_moderator, s.text.clone())
            })
            .collect()
    }

    fn said(speaker: &str, moderator: bool, text: &str) -> (Option<String>, bool, String) {
        (Some(speaker.to_string()), moderator, text.to_string())
    }

    /// A row merged across the whole table is a heading, no one's words
    /// (ht/01: `Experiences of the Service:` was P07's sentence, the
    /// colon autocode's), with or without the table's heading row; a
    /// merged row of sentences or with a label is read as any line.
    #[test]
    fn a_row_merged_across_the_table_is_a_heading_not_speech() {
        let merged = |text: &str| vec![tc("<w:gridSpan w:val=\"2\"/>", &[text])];
        let turns = |heading_row: bool, merged_text: &str| {
            let mut rows = Vec::new();
            if heading_row {
                rows.push(row(&["Speaker", "Text"]));
            }
            rows.extend([
                row(&["Interviewer", "How did you hear of it?"]),
                row(&["P07", "A neighbour told me."]),
                merged(merged_text),
                row(&["Interviewer", "And the first visit?"]),
                row(&["P07", "They were kind."]),
            ]);
            sentences(&tbl(2, &rows))
        };
        let spoken = vec![
            said("Interviewer", true, "How did you hear of it?"),
            said("P07", false, "A neighbour told me."),
            said("Interviewer", true, "And the first visit?"),
            said("P07", false, "They were kind."),
        ];
        for heading in [
            "Experiences of the Service",
            "Part 2 – Barriers to access",
            "Recording paused at 00:14:10 and resumed",
            "[Recording paused.]",
        ] {
            assert_eq!(turns(true, heading), spoken, "{heading}");
            assert_eq!(turns(false, heading), spoken, "{heading}");
        }
        // The heading stays in the document's text, a line of its own.
        let xml = format!(
            "{BODY_START}{}</w:body></w:document>",
            tbl(
                2,
                &[
                    row(&["Speaker", "Text"]),
                    merged("Experiences of the Service"),
                    row(&["P07", "Yes."])
                ]
            )
        );
        assert_eq!(
            paragraphs_and_headings(&xml).unwrap(),
            (
                "\nExperiences of the Service\nP07: Yes.".to_string(),
                vec![1]
            )
        );
        // Sentences across the table go on the turn above; a label there
        // starts a turn.
        let mut expected = spoken.clone();
        expected.insert(2, said("P07", false, "It was a long walk."));
        assert_eq!(turns(true, "It was a long walk."), expected);
        let mut expected = spoken.clone();
        expected.insert(2, said("Interviewer", true, "Did you go back?"));
        assert_eq!(turns(true, "Interviewer: Did you go back?"), expected);
        // A cell merged over two of three columns is no heading.
        let xml = format!(
            "{BODY_START}{}</w:body></w:document>",
            tbl(
                3,
                &[
                    vec![
                        tc("<w:gridSpan w:val=\"2\"/>", &["Anna"]),
                        tc("", &["Fine."])
                    ],
                    vec![tc("<w:gridSpan w:val=\"2\"/>", &["Totals"])]
                ]
            )
        );
        assert_eq!(
            paragraphs_and_headings(&xml).unwrap().1,
            Vec::<usize>::new()
        );
    }

    /// A speaker cell typed with a colon under a heading row is read as
    /// it is without one (ht/02: `Facilitator:: Thanks…`, no label).
    #[test]
    fn a_speaker_typed_with_a_colon_under_a_heading_row_is_a_label() {
        let body = |heading_row: bool| {
            let mut rows = Vec::new();
            if heading_row {
                rows.push(row(&["Speaker", "Text"]));
            }
            rows.extend([
                row(&["Facilitator:", "Thanks for coming. What do you think?"]),
                row(&["Parent A:", "It's chaos at the gate."]),
                row(&["Parent B：", "I like it."]),
            ]);
            tbl(2, &rows)
        };
        let expected = vec![
            said("Facilitator", true, "Thanks for coming."),
            said("Facilitator", true, "What do you think?"),
            said("Parent A", false, "It's chaos at the gate."),
            said("Parent B", false, "I like it."),
        ];
        assert_eq!(sentences(&body(true)), expected);
        assert_eq!(sentences(&body(false)), expected);
        let mut rows = TableRows::default();
        rows.start_table(&[]);
        let cells = |r: &[&str]| r.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(rows.line(&cells(&["Speaker", "Text"])), "");
        assert_eq!(
            rows.line(&cells(&["Facilitator:", "Thanks."])),
            "Facilitator: Thanks."
        );
    }

    /// A transcription service's details table above the transcript is
    /// read as a header block (ht/04: `Interviewer | SK` left SK a
    /// participant, the table one of people).
    #[test]
    fn a_details_table_at_the_top_is_the_header_block() {
        let details = tbl(
            2,
            &[
                row(&["Participant ID", "P07"]),
                row(&["Interviewer", "SK"]),
                row(&["Date of interview", "14/05/2024"]),
                row(&["Duration", "42 minutes"]),
                row(&["Transcribed by", "Jo Bell"]),
            ],
        );
        let transcript = tbl(
            2,
            &[
                row(&["Speaker", "Text"]),
                row(&["SK", "How did you hear of it?"]),
                row(&["P07", "A neighbour told me."]),
                row(&["SK", "And the first visit?"]),
                row(&["P07", "They were kind."]),
            ],
        );
        let body =
            format!("<w:p><w:r><w:t>Transcript</w:t></w:r></w:p>{details}<w:p/>{transcript}");
        let doc = read(&docx(&body)).unwrap();
        assert!(
            doc.text.starts_with(
                "Transcript\nParticipant ID: P07\nInterviewer: SK\nDate of interview: 14/05/2024\nDuration: 42 minutes\nTranscribed by: Jo Bell\n\n\nSK: How"
            ),
            "{:?}",
            doc.text
        );
        assert_eq!(
            crate::speaker::header_people(&doc.text).interviewers,
            vec!["SK"]
        );
        assert_eq!(
            sentences(&body),
            vec![
                said("SK", true, "How did you hear of it?"),
                said("P07", false, "A neighbour told me."),
                said("SK", true, "And the first visit?"),
                said("P07", false, "They were kind."),
            ]
        );
        // Below the transcript's first turn such a table is no header:
        // its rows are read as before.
        let cells = |r: &[&str]| r.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let mut rows = TableRows::default();
        rows.start_table(&["Anna: Hello.".to_string()]);
        assert_eq!(rows.line(&cells(&["Interviewer", "SK"])), "Interviewer: SK");
        assert_eq!(
            rows.line(&cells(&["Participant ID", "P07"])),
            "Participant ID\tP07"
        );
        // A table of people keeps its rows as they were.
        let mut rows = TableRows::default();
        rows.start_table(&[]);
        assert_eq!(
            rows.line(&cells(&["Participant", "Age"])),
            "Participant\tAge"
        );
        assert_eq!(rows.line(&cells(&["Maria", "45"])), "Maria\t45");
    }

    /// A transcriber's notes column is no text column, whatever its
    /// heading (ht/05: `Comment`'s notes were the respondent's
    /// sentences).
    #[test]
    fn a_notes_column_is_not_speech() {
        let cells = |r: &[&str]| r.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        for notes in [
            "Comment",
            "Note",
            "Notes",
            "Comments",
            "Observations",
            "Transcriber notes",
            "TRANSCRIBER COMMENTS",
            "Transcriber’s notes",
        ] {
            let mut rows = TableRows::default();
            rows.start_table(&[]);
            assert_eq!(
                rows.line(&cells(&["Time", "Speaker", "Transcript", notes])),
                "",
                "{notes}"
            );
            assert_eq!(
                rows.line(&cells(&[
                    "00:00:14",
                    "Respondent",
                    "A neighbour told me.",
                    "Background noise – baby crying"
                ])),
                "[00:00:14] Respondent: A neighbour told me.",
                "{notes}"
            );
        }
    }

    /// The turn's time typed below the name in its speaker cell is the
    /// turn's time (ht/06: in a second paragraph no speaker was found;
    /// after a soft return each turn began `00:00:10: `).
    #[test]
    fn a_time_below_the_name_in_a_speaker_cell_is_the_turns_time() {
        let soft_return = |name: &str, time: &str| {
            format!("<w:tc><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{name}</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>{time}</w:t></w:r></w:p></w:tc>")
        };
        for stacked in [
            &|name: &str, time: &str| tc("", &[name, time]) as String,
            &soft_return as &dyn Fn(&str, &str) -> String,
        ] {
            let said_at =
                |name: &str, time: &str, text: &str| vec![stacked(name, time), tc("", &[text])];
            for heading_row in [true, false] {
                let mut rows = Vec::new();
                if heading_row {
                    rows.push(row(&["Speaker", "Text"]));
                }
                rows.extend([
                    said_at(
                        "Interviewer",
                        "00:00:10",
                        "Thanks for coming. What do you think?",
                    ),
                    said_at("Parent", "00:00:18", "It's chaos."),
                    said_at("Interviewer", "00:00:31", "Why?"),
                ]);
                let body = tbl(2, &rows);
                assert_eq!(
                    sentences(&body),
                    vec![
                        said("Interviewer", true, "Thanks for coming."),
                        said("Interviewer", true, "What do you think?"),
                        said("Parent", false, "It's chaos."),
                        said("Interviewer", true, "Why?"),
                    ]
                );
                let doc = read(&docx(&body)).unwrap();
                let times: Vec<_> = doc.turns.iter().map(|t| t.start_ms).collect();
                assert_eq!(times, vec![Some(10_000), Some(18_000), Some(31_000)]);
            }
        }
        assert_eq!(
            speaker_and_time("Interviewer\n00:00:10"),
            ("Interviewer", Some("00:00:10"))
        );
        assert_eq!(
            speaker_and_time("Interviewer\n[00:00:10]"),
            ("Interviewer", Some("00:00:10"))
        );
        assert_eq!(
            speaker_and_time("00:00:10\nParent"),
            ("Parent", Some("00:00:10"))
        );
        // Beside the name in brackets, the label rules read it.
        assert_eq!(
            speaker_and_time("Interviewer [00:00:10]"),
            ("Interviewer [00:00:10]", None)
        );
        assert_eq!(speaker_and_time("Speaker 2"), ("Speaker 2", None));
    }

    #[test]
    fn a_transcript_tables_heading_row_is_no_turn() {
        let row =
            |cells: &[&str]| row_line(&cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        assert_eq!(row(&["Speaker", "Transcript"]), "Speaker\tTranscript");
        assert_eq!(row(&["Time", "Name:", "Text"]), "Time\tName:\tText");
        assert_eq!(row(&["Anna", "Text me later."]), "Anna: Text me later.");
        assert_eq!(
            row(&["00:12", "Speaker 1", "Hello."]),
            "[00:12] Speaker 1: Hello."
        );
        // Speaker | Time | Text: the time is no part of what was said.
        assert_eq!(
            row(&["Participant 2", "00:01:11", "It was a shock."]),
            "[00:01:11] Participant 2: It was a shock."
        );
        assert_eq!(row(&["Anna", "12 noon", "Fine."]), "Anna: 12 noon Fine.");
    }

    /// NVivo's transcript table names its columns `# | Timespan | Content
    /// | Speaker`: the rows are read by those columns (the heading
    /// `Timespan` was one speaker who said everything, the names and
    /// times were glued to the text).
    #[test]
    fn a_table_of_people_is_no_turns() {
        let cells = |row: &[&str]| row.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        for table in [
            &[
                &["Participant", "Age", "Gender", "Role"][..],
                &["Maria", "45", "F", "Manager"],
            ][..],
            &[&["Speaker", "Organisation"][..], &["Maria", "Day centre"]],
        ] {
            let mut rows = TableRows::default();
            rows.start_table(&[]);
            let lines: Vec<String> = table.iter().map(|r| rows.line(&cells(r))).collect();
            assert!(lines.iter().all(|l| !l.contains(':')), "{lines:?}");
        }
        // A bilingual table keeps both its columns.
        let mut rows = TableRows::default();
        rows.start_table(&[]);
        assert!(!rows
            .line(&cells(&["Speaker", "Original", "English"]))
            .contains(':'));
        assert_eq!(
            rows.line(&cells(&["Maria", "Vine en autobús.", "I came by bus."])),
            "Maria: Vine en autobús. I came by bus."
        );
        // A transcript's `Speaker | Response` table is turns, and its
        // heading row none.
        for heading in [
            ["Participant", "Dialogue"],
            ["Speaker", "Translation"],
            ["Who", "What"],
        ] {
            let mut rows = TableRows::default();
            rows.start_table(&[]);
            assert!(!rows.line(&cells(&heading)).contains(':'), "{heading:?}");
            assert_eq!(rows.line(&cells(&["Maria", "Yes."])), "Maria: Yes.");
        }
        let mut rows = TableRows::default();
        rows.start_table(&[]);
        rows.line(&cells(&["Speaker", "Response"]));
        assert_eq!(
            rows.line(&cells(&["Maria", "The rota."])),
            "Maria: The rota."
        );
    }

    #[test]
    fn a_heading_row_says_where_speaker_text_and_time_stand() {
        let mut rows = TableRows::default();
        let mut line =
            |cells: &[&str]| rows.line(&cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        // The heading row is no line of the text (hY/03: a second table's
        // heading was the turn above's words).
        assert_eq!(line(&["", "Timespan", "Content", "Speaker"]), "");
        assert_eq!(
            line(&[
                "1",
                "00:00:03 - 00:00:07",
                "Thanks for doing this.",
                "Interviewer"
            ]),
            "[00:00:03] Interviewer: Thanks for doing this."
        );
        assert_eq!(
            line(&[
                "2",
                "0:00:11.0 – 0:00:15.0",
                "Yeah, that's fine.",
                "Maria Lopez"
            ]),
            "[0:00:11.0] Maria Lopez: Yeah, that's fine."
        );
        // No speaker: the turn above goes on; no time: none given.
        assert_eq!(line(&["3", "", "And then some.", ""]), "And then some.");
        assert_eq!(
            line(&["4", "", "Right.", "Interviewer"]),
            "Interviewer: Right."
        );
        // A row of another shape is no row of that table.
        assert_eq!(line(&["Anna", "Text me later."]), "Anna: Text me later.");
        assert_eq!(line(&["5", "", "Hello.", "Bob"]), "5\t\tHello.\tBob");
        // A heading row without a speaker column sets no layout.
        let mut rows = TableRows::default();
        rows.line(&["Time".to_string(), "Text".to_string()]);
        assert_eq!(rows.layout, None);
    }

    #[test]
    fn tables_keep_rows_cells_and_a_cells_paragraphs() {
        let cell = |paragraphs: &[&str]| {
            let ps: String = paragraphs
                .iter()
                .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
                .collect();
            format!("<w:tc>{ps}</w:tc>")
        };
        let row = |cells: &[String]| format!("<w:tr>{}</w:tr>", cells.concat());
        // A table nested in a cell is that cell's text, not rows of its own.
        let nested = format!("<w:tc><w:tbl>{}</w:tbl></w:tc>", row(&[cell(&["inner"])]));
        let xml = format!(
            "{BODY_START}<w:p><w:r><w:t>Title</w:t></w:r></w:p><w:tbl>{}{}</w:tbl><w:p/><w:tbl>{}</w:tbl></w:body></w:document>",
            row(&[cell(&["Code"]), cell(&["Example"])]),
            row(&[cell(&["Trust"]), cell(&["I trust them.", "", "They never lie."])]),
            row(&[cell(&["x"]), nested]),
        );
        assert_eq!(
            tables(&xml).unwrap(),
            vec![
                vec![
                    vec!["Code".to_string(), "Example".to_string()],
                    vec![
                        "Trust".to_string(),
                        "I trust them.\nThey never lie.".to_string()
                    ],
                ],
                vec![vec!["x".to_string(), "inner".to_string()]],
            ]
        );
    }

    /// A cell merged across columns (`w:gridSpan`) keeps the next cells in
    /// their columns, and a row that starts further right (`w:gridBefore`)
    /// too (ha/03: a merged note moved a codebook's example into its
    /// exclusion column).
    #[test]
    fn merged_cells_keep_the_rest_of_the_row_in_its_columns() {
        let cell = |props: &str, text: &str| {
            format!("<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
        };
        let xml = format!(
            "{BODY_START}<w:tbl><w:tr>{}{}{}{}</w:tr><w:tr>{}{}{}</w:tr><w:tr><w:trPr><w:gridBefore w:val=\"2\"/></w:trPr>{}{}</w:tr></w:tbl></w:body></w:document>",
            cell("", "Code"),
            cell("", "Include"),
            cell("", "Exclude"),
            cell("", "Example"),
            cell("", "Distance"),
            cell("<w:gridSpan w:val=\"2\"/>", "Any travel."),
            cell("", "It is far."),
            cell("", "-"),
            cell("", "Also far."),
        );
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            tables(&xml).unwrap(),
            vec![vec![
                s(&["Code", "Include", "Exclude", "Example"]),
                s(&["Distance", "Any travel.", "", "It is far."]),
                s(&["", "", "-", "Also far."]),
            ]]
        );
        // The transcript reader keeps the columns the same way.
        let text = paragraphs(&xml).unwrap();
        assert!(text.ends_with("\n\t\t-\tAlso far."), "{text:?}");
    }

    /// A text box is read once: Word writes its text in the DrawingML
    /// choice and again in the VML fallback (hU/02: stored twice).
    #[test]
    fn a_text_box_is_read_once_not_from_its_fallback_copy() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>Amy: It broke. </w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>Shows a screenshot.</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Shows a screenshot.</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Ann</w:t></w:r><mc:AlternateContent><mc:Choice/><mc:Fallback><w:r><w:t>copy</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
        let text = paragraphs(xml).unwrap();
        assert_eq!(text.matches("Shows a screenshot.").count(), 1, "{text}");
        assert!(!text.contains("copy"), "{text}");
        assert_eq!(tables(xml).unwrap(), vec![vec![vec!["Ann".to_string()]]]);
    }

    #[test]
    fn a_cut_off_document_is_an_error_not_an_empty_one() {
        let whole = r#"<w:document><w:body><w:p><w:r><w:t>Anna: Hi.</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(paragraphs(whole).unwrap(), "Anna: Hi.");
        let cut = &whole[..whole.find("</w:p>").unwrap()];
        let (at, message) = paragraphs(cut).unwrap_err();
        assert_eq!(at, cut.len() as u64);
        assert_eq!(
            message,
            "the XML ends with 3 element(s) still open (a cut-off or damaged file?)"
        );
        let odt = r#"<office:document-content><office:body><office:text><text:p>Anna: Hi.</text:p></office:text></office:body></office:document-content>"#;
        assert_eq!(super::super::odt::paragraphs(odt).unwrap(), "Anna: Hi.");
        let cut = &odt[..odt.find("</text:p>").unwrap()];
        assert!(super::super::odt::paragraphs(cut)
            .unwrap_err()
            .1
            .contains("still open"));
    }

    #[test]
    fn paragraphs_runs_and_speakers() {
        let body = r#"<w:p><w:r><w:t>Group 2</w:t></w:r></w:p><w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Moderator: </w:t></w:r><w:r><w:t>Safe &amp; smart?</w:t></w:r></w:p><w:p><w:r><w:t>Anna (Police): We</w:t></w:r><w:r><w:delText>never</w:delText><w:t xml:space="preserve"> try.</w:t><w:tab/><w:t>Really&#x21;</w:t></w:r></w:p><w:p/><w:tbl><w:tr><w:tc><w:p><w:r><w:t>00:01:05</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Bob</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Yes, exactly.</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#;
        let doc = read(&docx(body)).unwrap();
        assert_eq!(
            doc.text,
            "Group 2\nModerator: Safe & smart?\nAnna (Police): We try.\tReally!\n\n[00:01:05] Bob: Yes, exactly."
        );
        let turns: Vec<_> = doc
            .turns
            .iter()
            .map(|t| {
                (
                    t.speaker.as_deref().unwrap(),
                    &doc.text[t.start..t.end],
                    t.start_ms,
                )
            })
            .collect();
        assert_eq!(
            turns,
            vec![
                ("Moderator", "Safe & smart?", None),
                ("Anna", "We try.\tReally!", None),
                ("Bob", "Yes, exactly.", Some(65_000)),
            ]
        );
    }

    #[test]
    fn not_a_zip_and_missing_document() {
        let e = read(b"Anna: this is plain text").unwrap_err().to_string();
        assert!(
            e.starts_with("talk.docx: not a DOCX file (not a zip archive"),
            "{e}"
        );
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            zip.start_file("other.xml", zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(b"<x/>").unwrap();
            zip.finish().unwrap();
        }
        let e = read(&buf.into_inner()).unwrap_err().to_string();
        assert_eq!(e, "talk.docx: not a DOCX file: no word/document.xml inside");
        let e = read(&docx("<w:p><w:r><w:t>Hi</w:r></w:p>"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("talk.docx: word/document.xml at byte "),
            "{e}"
        );
        let e = read(&docx("<w:p/>")).unwrap_err().to_string();
        assert_eq!(e, "talk.docx: file is empty");
    }

    /// Word's "Encrypt with Password" saves a compound file, no zip: it
    /// was refused as "not a zip archive", as if damaged or misnamed.
    #[test]
    fn a_password_protected_docx_is_named_so() {
        let e = read(&compound_file(&["EncryptionInfo", "EncryptedPackage"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "talk.docx: cannot read: the file is encrypted (password-protected); open it with \
             its password and save an unprotected copy"
        );
        // Another compound file (a .doc renamed .docx) is still no DOCX.
        let e = read(&compound_file(&["WordDocument"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("talk.docx: not a DOCX file (not a zip archive"),
            "{e}"
        );
    }

    /// Used to say "not a DOCX file (not a zip archive: …)" of a zip.
    #[test]
    fn document_xml_not_utf8_says_so() {
        let bytes = zip_with_document_xml(
            b"<w:document><w:body><w:p><w:r><w:t>caf\xe9</w:t></w:r></w:p></w:body></w:document>",
        );
        let e = read(&bytes).unwrap_err().to_string();
        assert_eq!(
            e,
            "talk.docx: word/document.xml at byte 38: not valid UTF-8 (the file is a zip, but its document.xml is not the UTF-8 Word writes)"
        );
    }

    /// Used to drop the entity's text silently (a document of them ingested
    /// as ok with 0 turns).
    #[test]
    fn undefined_entities_are_named() {
        let body = "<w:p><w:r><w:t>Anna: I think &nbsp;so.</w:t></w:r></w:p>";
        let e = read(&docx(body)).unwrap_err().to_string();
        assert!(
            e.starts_with("talk.docx: word/document.xml at byte ")
                && e.contains("undefined entity `&nbsp;`"),
            "{e}"
        );
        let dtd = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><w:document><w:body><w:p><w:r><w:t>Anna: &xxe;</w:t></w:r></w:p></w:body></w:document>"#;
        let bytes = zip_with_document_xml(dtd.as_bytes());
        let e = read(&bytes).unwrap_err().to_string();
        assert!(e.contains("undefined entity `&xxe;`"), "{e}");
        // The predefined entities and character references still work.
        let body = "<w:p><w:r><w:t>Anna: a &lt;b&gt; &quot;c&apos; &#233;&#x21;</w:t></w:r></w:p>";
        assert_eq!(read(&docx(body)).unwrap().text, "Anna: a <b> \"c' é!");
    }

    /// A document.xml over the limit used to be cut at 256 MiB and ingested
    /// without its end (or reported as a syntax error, or as empty).
    #[test]
    fn document_xml_over_the_limit_is_refused_by_name() {
        let paragraph = "<w:p><w:r><w:t>Anna: We said the same thing again.</w:t></w:r></w:p>";
        let body = paragraph.repeat(MAX_XML_BYTES as usize / paragraph.len() + 1);
        let e = read(&docx(&body)).unwrap_err().to_string();
        assert_eq!(
            e,
            "talk.docx: word/document.xml: larger than the limit of 256 MiB when inflated; refused (a zip bomb, or not a transcript)"
        );
    }
}
