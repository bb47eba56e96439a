//! ODT (OpenDocument text, LibreOffice's and Google Docs' export): the
//! paragraphs and headings of `content.xml`, joined by `\n`, then the same
//! speaker rules as plain text, as a DOCX is read ([`super::docx`]: the
//! zip, the size cap, the errors and a table row's `[time] Speaker: text`
//! line are shared). Comments (`office:annotation`), footnotes
//! (`text:note`), tracked deletions (`text:tracked-changes`) and frames
//! (images, text boxes) are not the transcript's text.

use quick_xml::events::Event;

use super::docx::{end_paragraph, package_text, reference_char, Package, TableRows};
use super::text::extracted_text_document;
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
        extracted_text_document(file, package_text(file, &ODT, paragraphs)?)
    }
}

/// Elements whose whole content is not the document's running text.
fn skipped(name: &str) -> bool {
    matches!(
        name,
        "office:annotation"
            | "office:annotation-end"
            | "text:note"
            | "text:tracked-changes"
            | "draw:frame"
            | "text:sequence-decls"
    )
}

/// The document's paragraphs and headings joined by `\n` (a table row as
/// one line); on error the byte offset in the XML.
pub fn paragraphs(xml: &str) -> std::result::Result<String, (u64, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut lines: Vec<String> = Vec::new();
    let mut paragraph = String::new();
    // Paragraphs open (a heading or paragraph inside another's frame or
    // note is skipped with it; nesting counts so the outer one ends right).
    let mut open = 0usize;
    // Inside an element whose content is skipped, how deep.
    let mut skipping = 0usize;
    let mut row: Option<Vec<String>> = None;
    let mut cell: Option<Vec<String>> = None;
    let mut rows = TableRows::default();
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
                    skipping += 1;
                    continue;
                }
                match name.as_ref() {
                    "text:p" | "text:h" => open += 1,
                    "table:table" => rows.start_table(&lines),
                    "table:table-row" => row = Some(Vec::new()),
                    "table:table-cell" => cell = Some(Vec::new()),
                    _ => {}
                }
            }
            Event::Empty(e) => {
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
                    "table:table-cell" => {
                        if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                            r.push(c.join(" ").trim().to_string());
                        }
                    }
                    "table:table-row" => {
                        if let Some(r) = row.take() {
                            lines.push(rows.line(&r));
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
    Ok(lines.join("\n"))
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
