//! ODT (OpenDocument text, LibreOffice's and Google Docs' export): the
//! paragraphs and headings of `content.xml`, joined by `\n`, then the same
//! speaker rules as plain text, as a DOCX is read ([`super::docx`]: the
//! zip, the size cap, the errors and a table row's `[time] Speaker: text`
//! line are shared). Comments (`office:annotation`), footnotes
//! (`text:note`), tracked deletions (`text:tracked-changes`) and frames
//! (images, text boxes) are not the transcript's text.

use quick_xml::events::Event;

use super::docx::{
    end_paragraph, is_merged_heading, joined_with_heading_lines, package_text, reference_char,
    Package, TableRows,
};
use super::text::extracted_text_with_headings;
use super::{RawDocument, Reader, SourceFile};
use crate::error::Result;
use crate::SourceFormat;

pub struct OdtReader;

const ODT: Package = Package {
    kind: "an ODT",
    entry: "content.xml",
    writer: "OpenDocument",
};

impl Reader for OdtReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Odt
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let (text, headings) = package_text(file, &ODT, paragraphs_and_headings)?;
        extracted_text_with_headings(file, text, &headings)
    }
}

/// Elements whose whole content is not the document's running text. A
/// covered cell's is hidden under the cell merged over it.
fn skipped(name: &str) -> bool {
    matches!(
        name,
        "office:annotation"
            | "office:annotation-end"
            | "text:note"
            | "text:tracked-changes"
            | "draw:frame"
            | "text:sequence-decls"
            | "table:covered-table-cell"
    )
}

/// ODF's count attribute `name` of a table element
/// (`table:number-columns-spanned`, `table:number-columns-repeated`); 1 when
/// absent or unreadable, at most `max`.
fn column_count(e: &quick_xml::events::BytesStart<'_>, name: &str, max: usize) -> usize {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| a.value.trim().parse::<usize>().ok())
        .map_or(1, |n| n.clamp(1, max))
}

/// Most columns a cell merges (`table:number-columns-spanned`) or covered
/// cells repeat, as a DOCX's `w:gridSpan` is capped: a transcript's table
/// has a few columns, and a huge count is no transcript's.
const MAX_SPANNED_COLUMNS: usize = 64;

/// The document's paragraphs and headings joined by `\n` (a table row as
/// one line); on error the byte offset in the XML.
#[cfg(test)]
pub fn paragraphs(xml: &str) -> std::result::Result<String, (u64, String)> {
    paragraphs_and_headings(xml).map(|(text, _)| text)
}

/// [`paragraphs`], and the lines of it (0-based, rising) that are
/// headings: a table row merged across the whole table holding a few
/// words ([`is_merged_heading`]), as a DOCX's. A cell merged across
/// columns (`table:number-columns-spanned`) is followed by one
/// `table:covered-table-cell` per column it covers, and a cell merged down
/// rows leaves one in each row below: each is an empty cell of its row, so
/// the cells after it stay in their columns; so does an empty cell written
/// `<table:table-cell/>`. Before, covered cells were not
/// counted: a section heading merged across a `Speaker | Transcript` table
/// was read as text continuing the turn above and stored as the
/// participant's sentence (h3/04), and the cells of a row after a merged
/// cell moved one column left.
fn paragraphs_and_headings(xml: &str) -> std::result::Result<(String, Vec<usize>), (u64, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut lines: Vec<String> = Vec::new();
    // Indices into `lines` of merged rows' headings.
    let mut heading_lines: Vec<usize> = Vec::new();
    let mut paragraph = String::new();
    // Paragraphs open (a heading or paragraph inside another's frame or
    // note is skipped with it; nesting counts so the outer one ends right).
    let mut open = 0usize;
    // Inside an element whose content is skipped, how deep.
    let mut skipping = 0usize;
    let mut row: Option<Vec<String>> = None;
    let mut cell: Option<Vec<String>> = None;
    let mut rows = TableRows::default();
    // Columns (`table:table-column`) of each table open, the innermost last.
    let mut table_columns: Vec<usize> = Vec::new();
    // `table:table-cell`s of the row being read (covered cells not
    // counted), the columns the last one spans, and how many covered cells
    // after it its span has already put in the row as empty cells.
    let mut row_cells = 0usize;
    let mut span = 1usize;
    let mut covered_by_span = 0usize;
    let mut depth = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        super::docx::track_open(&event, &mut depth, reader.buffer_position())?;
        match event {
            Event::Start(e) => {
                let name = e.name();
                if skipping > 0 || skipped(name.as_ref()) {
                    if skipping == 0 && name.as_ref() == "table:covered-table-cell" {
                        covered_cell(&e, &mut row, &mut covered_by_span);
                    }
                    skipping += 1;
                    continue;
                }
                match name.as_ref() {
                    "text:p" | "text:h" => open += 1,
                    "table:table" => {
                        rows.start_table(&lines);
                        table_columns.push(0);
                    }
                    "table:table-column" => count_columns(&e, &mut table_columns),
                    "table:table-row" => {
                        row = Some(Vec::new());
                        row_cells = 0;
                        span = 1;
                        covered_by_span = 0;
                    }
                    "table:table-cell" => start_cell(
                        &e,
                        &mut cell,
                        &mut row_cells,
                        &mut span,
                        &mut covered_by_span,
                    ),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skipping == 0 {
                    match e.name().as_ref() {
                        "table:table-column" => {
                            count_columns(&e, &mut table_columns);
                            continue;
                        }
                        "table:covered-table-cell" => {
                            covered_cell(&e, &mut row, &mut covered_by_span);
                            continue;
                        }
                        // An empty cell: a cell of the row all the same.
                        "table:table-cell" => {
                            start_cell(
                                &e,
                                &mut cell,
                                &mut row_cells,
                                &mut span,
                                &mut covered_by_span,
                            );
                            end_cell(&mut cell, &mut row, span);
                            continue;
                        }
                        _ => {}
                    }
                }
                if skipping > 0 || open == 0 {
                    if matches!(e.name().as_ref(), "text:p" | "text:h") && skipping == 0 {
                        end_paragraph(&mut paragraph, &mut cell, &mut lines);
                    }
                    continue;
                }
                match e.name().as_ref() {
                    "text:tab" => paragraph.push('\t'),
                    "text:line-break" => paragraph.push('\n'),
                    // `text:c` spaces (one when absent): ODF collapses runs
                    // of spaces in the XML and writes them this way.
                    "text:s" => {
                        let n = e
                            .try_get_attribute("text:c")
                            .ok()
                            .flatten()
                            .and_then(|a| a.value.trim().parse::<usize>().ok())
                            .unwrap_or(1)
                            // A count is a few spaces; a huge one is no transcript's.
                            .min(1000);
                        paragraph.push_str(&" ".repeat(n));
                    }
                    "text:soft-hyphen" => {}
                    _ => {}
                }
            }
            Event::End(e) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                match e.name().as_ref() {
                    "text:p" | "text:h" => {
                        open = open.saturating_sub(1);
                        if open == 0 {
                            end_paragraph(&mut paragraph, &mut cell, &mut lines);
                        }
                    }
                    "table:table" => {
                        table_columns.pop();
                    }
                    "table:table-cell" => end_cell(&mut cell, &mut row, span),
                    "table:table-row" => {
                        let Some(r) = row.take() else { continue };
                        // One cell over every column (a table without
                        // its columns: over two or more), as a DOCX's.
                        let whole_width = row_cells == 1
                            && span >= 2
                            && r.len() >= table_columns.last().copied().unwrap_or(0);
                        match whole_width.then(|| r.concat()) {
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
                }
            }
            Event::Text(t) if skipping == 0 && open > 0 => paragraph.push_str(&t.xml10_content()),
            Event::CData(t) if skipping == 0 && open > 0 => paragraph.push_str(&t),
            Event::GeneralRef(r) => {
                let in_text = skipping == 0 && open > 0;
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
    Ok(joined_with_heading_lines(&lines, &heading_lines))
}

/// A `table:table-column` adds its `table:number-columns-repeated`
/// columns to the innermost table's count.
fn count_columns(e: &quick_xml::events::BytesStart<'_>, table_columns: &mut [usize]) {
    if let Some(n) = table_columns.last_mut() {
        *n = n.saturating_add(column_count(e, "table:number-columns-repeated", usize::MAX));
    }
}

/// A `table:covered-table-cell` (or as many as its
/// `table:number-columns-repeated` says): an empty cell of its row, unless
/// the span of the cell before it already counted it (a writer may leave
/// covered cells out). Its content, if any, is hidden by the merge and
/// not read.
fn covered_cell(
    e: &quick_xml::events::BytesStart<'_>,
    row: &mut Option<Vec<String>>,
    covered_by_span: &mut usize,
) {
    let Some(r) = row.as_mut() else { return };
    for _ in 0..column_count(e, "table:number-columns-repeated", MAX_SPANNED_COLUMNS) {
        if *covered_by_span > 0 {
            *covered_by_span -= 1;
        } else {
            r.push(String::new());
        }
    }
}

/// A `table:table-cell` begins: a new cell of the row, spanning its
/// `table:number-columns-spanned` columns, the covered cells after it
/// not yet seen.
fn start_cell(
    e: &quick_xml::events::BytesStart<'_>,
    cell: &mut Option<Vec<String>>,
    row_cells: &mut usize,
    span: &mut usize,
    covered_by_span: &mut usize,
) {
    *cell = Some(Vec::new());
    *row_cells += 1;
    *span = column_count(e, "table:number-columns-spanned", MAX_SPANNED_COLUMNS);
    *covered_by_span = *span - 1;
}

/// A `table:table-cell` ends: its paragraphs are one cell of the row,
/// the columns it spans beyond its first empty, as a DOCX's merged cell
/// (the covered cells after it count those columns once, not again).
fn end_cell(cell: &mut Option<Vec<String>>, row: &mut Option<Vec<String>>, span: usize) {
    if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
        r.push(c.join(" ").trim().to_string());
        r.extend(std::iter::repeat_n(String::new(), span - 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;

    const START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:body><office:text>"#;

    fn odt(body: &str) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            zip.start_file("mimetype", opts).unwrap();
            zip.write_all(b"application/vnd.oasis.opendocument.text")
                .unwrap();
            zip.start_file("content.xml", opts).unwrap();
            zip.write_all(
                format!("{START}{body}</office:text></office:body></office:document-content>")
                    .as_bytes(),
            )
            .unwrap();
            zip.finish().unwrap();
        }
        buf.into_inner()
    }

    fn read(bytes: &[u8]) -> Result<RawDocument> {
        OdtReader
            .read(SourceFile {
                path: Path::new("talk.odt"),
                name: "talk.odt",
                bytes,
            })
            .map(|mut v| v.remove(0))
    }

    #[test]
    fn paragraphs_spans_spaces_and_speakers() {
        let body = concat!(
            r#"<text:sequence-decls><text:sequence-decl text:name="Table"/></text:sequence-decls>"#,
            r#"<text:h text:outline-level="1">Group 2</text:h><text:p/>"#,
            r#"<text:p><text:span text:style-name="T1">Moderator: </text:span>Safe &amp; smart?</text:p>"#,
            r#"<text:p>Anna (Police): We<text:s text:c="2"/>try.<text:tab/>Really&#x21;"#,
            r#"<office:annotation><dc:creator>Coder</dc:creator><text:p>check this</text:p></office:annotation>"#,
            r#"<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>A footnote.</text:p></text:note-body></text:note>"#,
            r#"</text:p>"#,
            r#"<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>Deleted words.</text:p></text:deletion></text:changed-region></text:tracked-changes>"#,
            r#"<table:table><table:table-row><table:table-cell><text:p>00:01:05</text:p></table:table-cell><table:table-cell><text:p>Bob</text:p></table:table-cell><table:table-cell><text:p>Yes, <text:span>exactly</text:span>.</text:p></table:table-cell></table:table-row></table:table>"#,
            r#"<text:list><text:list-item><text:p>Bob: And one<text:line-break/>more.</text:p></text:list-item></text:list>"#,
        );
        let doc = read(&odt(body)).unwrap();
        assert_eq!(
            doc.text,
            "Group 2\n\nModerator: Safe & smart?\nAnna (Police): We  try.\tReally!\n[00:01:05] Bob: Yes, exactly.\nBob: And one\nmore."
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
                ("Anna", "We  try.\tReally!", None),
                ("Bob", "Yes, exactly.", Some(65_000)),
                ("Bob", "And one\nmore.", None),
            ]
        );
    }

    /// A cell of one paragraph of `text`, with these attributes
    /// (`table:number-columns-spanned="2"`).
    fn cell(attributes: &str, text: &str) -> String {
        format!("<table:table-cell {attributes} office:value-type=\"string\"><text:p>{text}</text:p></table:table-cell>")
    }

    /// A table of `columns` columns (one `table:table-column` repeated, as
    /// LibreOffice writes them) and these rows of cells.
    fn table(columns: usize, rows: &[Vec<String>]) -> String {
        let rows: String = rows
            .iter()
            .map(|r| format!("<table:table-row>{}</table:table-row>", r.concat()))
            .collect();
        format!("<table:table table:name=\"Table1\"><table:table-column table:number-columns-repeated=\"{columns}\"/>{rows}</table:table>")
    }

    /// A row merged across two columns, as LibreOffice writes it: the
    /// spanned cell and the cell it covers.
    fn merged(text: &str) -> Vec<String> {
        vec![
            cell(r#"table:number-columns-spanned="2""#, text),
            "<table:covered-table-cell/>".to_string(),
        ]
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| cell("", c)).collect()
    }

    /// The sentences a document reads as: speaker, moderator, text.
    fn sentences(
        doc: RawDocument,
        name: &str,
        format: SourceFormat,
    ) -> Vec<(Option<String>, bool, String)> {
        let people = crate::Participants::default();
        crate::assemble(doc, name, format, &people.index())
            .segments
            .iter()
            .map(|s| (s.speaker.clone(), s.is_moderator, s.text.clone()))
            .collect()
    }

    /// The sentences of the same table written as a DOCX: one `w:tc` per
    /// cell, a merged one with `w:gridSpan`, a covered one left out.
    fn docx_sentences(columns: usize, rows: &[Vec<String>]) -> Vec<(Option<String>, bool, String)> {
        let tc = |cell: &str| {
            if cell.starts_with("<table:covered-table-cell") {
                return String::new();
            }
            let text = cell
                .split("<text:p>")
                .nth(1)
                .and_then(|t| t.split("</text:p>").next())
                .unwrap_or_default();
            let span = if cell.contains("number-columns-spanned=\"2\"") {
                "<w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>"
            } else {
                ""
            };
            format!(
                "<w:tc>{span}<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p></w:tc>"
            )
        };
        let grid = "<w:gridCol w:w=\"2000\"/>".repeat(columns);
        let rows: String = rows
            .iter()
            .map(|r| {
                format!(
                    "<w:tr>{}</w:tr>",
                    r.iter().map(|c| tc(c)).collect::<String>()
                )
            })
            .collect();
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl></w:body></w:document>"#
        );
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            zip.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(xml.as_bytes()).unwrap();
            zip.finish().unwrap();
        }
        let doc = super::super::docx::DocxReader
            .read(SourceFile {
                path: Path::new("talk.docx"),
                name: "talk.docx",
                bytes: &buf.into_inner(),
            })
            .unwrap()
            .remove(0);
        sentences(doc, "talk.docx", SourceFormat::Docx)
    }

    fn said(speaker: &str, moderator: bool, text: &str) -> (Option<String>, bool, String) {
        (Some(speaker.to_string()), moderator, text.to_string())
    }

    /// A row merged across the table (`table:number-columns-spanned` and
    /// the `table:covered-table-cell` after it, as LibreOffice writes it)
    /// is a heading, no one's words, as in the same DOCX (h3/04: `Part 2 –
    /// Barriers to access` was the participant's sentence); a merged row of
    /// sentences or with a label is read as any line.
    #[test]
    fn a_row_merged_across_the_table_reads_as_the_same_docx() {
        let rows_with = |heading_row: bool, merged_text: &str| {
            let mut rows = Vec::new();
            if heading_row {
                rows.push(row(&["Speaker", "Transcript"]));
            }
            rows.extend([
                row(&["Interviewer", "How did you hear of it?"]),
                row(&["P07", "A neighbour told me."]),
                merged(merged_text),
                row(&["Interviewer", "And the first visit?"]),
                row(&["P07", "They were kind."]),
            ]);
            rows
        };
        let odt_sentences = |rows: &[Vec<String>]| {
            sentences(
                read(&odt(&table(2, rows))).unwrap(),
                "talk.odt",
                SourceFormat::Odt,
            )
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
            for heading_row in [true, false] {
                let rows = rows_with(heading_row, heading);
                assert_eq!(odt_sentences(&rows), spoken, "{heading}");
                assert_eq!(docx_sentences(2, &rows), spoken, "{heading}");
            }
        }
        // The heading stays in the document's text, a line of its own.
        let xml = format!(
            "{START}{}</office:text></office:body></office:document-content>",
            table(
                2,
                &[
                    row(&["Speaker", "Transcript"]),
                    merged("Experiences of the Service"),
                    row(&["P07", "Yes."]),
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
        let rows = rows_with(true, "It was a long walk.");
        assert_eq!(odt_sentences(&rows), expected);
        assert_eq!(docx_sentences(2, &rows), expected);
        let mut expected = spoken.clone();
        expected.insert(2, said("Interviewer", true, "Did you go back?"));
        let rows = rows_with(true, "Interviewer: Did you go back?");
        assert_eq!(odt_sentences(&rows), expected);
        assert_eq!(docx_sentences(2, &rows), expected);
    }

    /// A merged cell's covered cells keep the cells after it in their
    /// columns, as a DOCX's `w:gridSpan` does; a cell merged over two of
    /// three columns is no heading; a covered cell's hidden text is not
    /// read; a cell merged down leaves an empty cell in the rows below.
    #[test]
    fn covered_cells_keep_the_rest_of_the_row_in_its_columns() {
        let spanned = r#"table:number-columns-spanned="2""#;
        let xml = format!(
            "{START}{}</office:text></office:body></office:document-content>",
            table(
                3,
                &[
                    vec![
                        cell(spanned, "00:01:05"),
                        "<table:covered-table-cell><text:p>hidden</text:p></table:covered-table-cell>".to_string(),
                        cell("", "Fine."),
                    ],
                    merged("Totals"),
                    vec![
                        cell(r#"table:number-rows-spanned="2""#, "Anna"),
                        cell("", "Yes."),
                        cell("", "No."),
                    ],
                    vec![
                        "<table:covered-table-cell/>".to_string(),
                        "<table:table-cell/>".to_string(),
                        cell("", "Maybe."),
                    ],
                ]
            )
        );
        assert_eq!(
            paragraphs_and_headings(&xml).unwrap(),
            (
                "00:01:05\t\tFine.\nTotals: \nAnna: Yes. No.\n\t\tMaybe.".to_string(),
                Vec::<usize>::new()
            )
        );
    }

    /// LibreOffice's "Save with password" keeps a zip whose content.xml is
    /// ciphertext, named in the manifest: it read as "not valid UTF-8".
    /// Office's encrypted package given as .odt is refused the same way.
    #[test]
    fn a_password_protected_odt_is_named_so() {
        let protected = "talk.odt: cannot read: the file is encrypted (password-protected); \
                         open it with its password and save an unprotected copy";
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            zip.start_file("mimetype", opts).unwrap();
            zip.write_all(b"application/vnd.oasis.opendocument.text")
                .unwrap();
            zip.start_file("content.xml", opts).unwrap();
            zip.write_all(&[0x9c, 0xff, 0x13, 0x80, 0x42]).unwrap();
            zip.start_file("META-INF/manifest.xml", opts).unwrap();
            zip.write_all(
                br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1204">
  <manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA">
   <manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"#,
            )
            .unwrap();
            zip.finish().unwrap();
        }
        assert_eq!(read(&buf.into_inner()).unwrap_err().to_string(), protected);
        let office = crate::formats::docx::compound_file(&["EncryptionInfo", "EncryptedPackage"]);
        assert_eq!(read(&office).unwrap_err().to_string(), protected);
    }

    #[test]
    fn bad_packages_and_xml_are_named() {
        let e = read(b"Anna: plain text").unwrap_err().to_string();
        assert!(
            e.starts_with("talk.odt: not an ODT file (not a zip archive"),
            "{e}"
        );
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            zip.start_file("styles.xml", zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(b"<x/>").unwrap();
            zip.finish().unwrap();
        }
        let e = read(&buf.into_inner()).unwrap_err().to_string();
        assert_eq!(e, "talk.odt: not an ODT file: no content.xml inside");
        let e = read(&odt("<text:p>Hi</text:span></text:p>"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("talk.odt: content.xml at byte "), "{e}");
        let e = read(&odt("<text:p>Anna: &nbsp;so</text:p>"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("undefined entity `&nbsp;`"), "{e}");
        let e = read(&odt("<text:p/>")).unwrap_err().to_string();
        assert_eq!(e, "talk.odt: file is empty");
        // A huge space count is capped, not allocated.
        let doc = read(&odt(
            r#"<text:p>Anna: a<text:s text:c="99999999999"/>b</text:p>"#,
        ))
        .unwrap();
        assert_eq!(doc.text.len(), "Anna: ab".len() + 1000);
    }
}
