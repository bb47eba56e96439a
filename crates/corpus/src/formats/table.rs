//! CSV and JSONL with one utterance per row. Rows are grouped into documents
//! by the `doc` column (in order of first appearance; a row without one
//! belongs to the file's own document). Each row is one turn; the document
//! text is the utterances joined by `\n`. Times: a number is seconds, a
//! string is a clock (`00:01:02.5`) or a number of seconds.

use std::collections::HashMap;

use serde_json::Value;

use super::{RawDocument, RawTurn, Reader, SourceFile, TableColumns};
use crate::decode::decode_text;
use crate::error::{IngestError, Result};
use crate::speaker::parse_clock;
use crate::SourceFormat;

pub struct CsvReader {
    pub columns: TableColumns,
}

pub struct JsonlReader {
    pub columns: TableColumns,
}

struct Row {
    doc: Option<String>,
    speaker: Option<String>,
    role: Option<String>,
    text: String,
    start_ms: Option<u64>,
    end_ms: Option<u64>,
}

impl Reader for CsvReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Csv
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let text = decode_text(file.path, file.bytes)?.text;
        let rows = csv_rows(file, &text, &self.columns)?;
        Ok(group(file.name, rows))
    }
}

impl Reader for JsonlReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Jsonl
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let text = decode_text(file.path, file.bytes)?.text;
        let rows = jsonl_rows(file, &text, &self.columns)?;
        Ok(group(file.name, rows))
    }
}

/// The delimiter with most occurrences in the header line: spreadsheet
/// exports in many locales use `;`, some tools use tabs.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (header.bytes().filter(|&b| b == d).count(), d == b','))
        .unwrap_or(b',')
}

fn csv_rows(file: SourceFile<'_>, text: &str, cols: &TableColumns) -> Result<Vec<Row>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .flexible(false)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| {
        let location = match e.position() {
            Some(p) => format!("row {} (line {})", p.record(), p.line()),
            None => "header".to_string(),
        };
        IngestError::BadCsv {
            file: file.path.into(),
            location,
            message: e.to_string(),
        }
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str, role: &'static str, required: bool| -> Result<Option<usize>> {
        match headers.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            Some(i) => Ok(Some(i)),
            None if required => Err(IngestError::MissingColumn {
                file: file.path.into(),
                column: name.to_string(),
                role,
                found: headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            None => Ok(None),
        }
    };
    let text_i = find(&cols.text, "utterance text (--text-column)", true)?.expect("required");
    let speaker_i = find(
        &cols.speaker,
        "speaker (--speaker-column)",
        cols.speaker_required,
    )?;
    let doc_i = find(&cols.doc, "document (--doc-column)", cols.doc_required)?;
    let start_i = find(&cols.start, "start time", false)?;
    let end_i = find(&cols.end, "end time", false)?;
    let role_i = find("role", "role", false)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let pos = record
            .position()
            .expect("records from a reader have positions");
        let location = format!("row {} (line {})", pos.record(), pos.line());
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let time = |i: Option<usize>, name: &str| -> Result<Option<u64>> {
            match cell(i) {
                None => Ok(None),
                Some(s) => parse_time_str(&s)
                    .map(Some)
                    .ok_or_else(|| IngestError::BadField {
                        file: file.path.into(),
                        location: location.clone(),
                        field: name.to_string(),
                        message: format!("`{s}` is not a time (seconds or hh:mm:ss)"),
                    }),
            }
        };
        rows.push(Row {
            doc: cell(doc_i),
            speaker: cell(speaker_i),
            role: cell(role_i),
            text: record.get(text_i).unwrap_or("").to_string(),
            start_ms: time(start_i, &cols.start)?,
            end_ms: time(end_i, &cols.end)?,
        });
    }
    Ok(rows)
}

fn jsonl_rows(file: SourceFile<'_>, text: &str, cols: &TableColumns) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| IngestError::BadJson {
            file: file.path.into(),
            line: line_no,
            message: e.to_string(),
        })?;
        let Value::Object(obj) = value else {
            return Err(IngestError::BadJson {
                file: file.path.into(),
                line: line_no,
                message: "expected one JSON object per line".into(),
            });
        };
        let bad_field = |field: &str, message: String| IngestError::BadField {
            file: file.path.into(),
            location: format!("line {line_no}"),
            field: field.to_string(),
            message,
        };
        let get = |name: &str| {
            obj.get(name).or_else(|| {
                obj.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
        };
        let string = |name: &str, required: bool| -> Result<Option<String>> {
            match get(name) {
                None if required => Err(bad_field(
                    name,
                    format!(
                        "missing (keys found: {})",
                        obj.keys()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(other) => Err(bad_field(
                    name,
                    format!("expected a string, found {}", json_kind(other)),
                )),
            }
        };
        let time = |name: &str| -> Result<Option<u64>> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_f64()
                    .filter(|s| *s >= 0.0 && s.is_finite())
                    .map(|s| Some((s * 1000.0).round() as u64))
                    .ok_or_else(|| bad_field(name, format!("`{n}` is not a time in seconds"))),
                Some(Value::String(s)) => parse_time_str(s).map(Some).ok_or_else(|| {
                    bad_field(name, format!("`{s}` is not a time (seconds or hh:mm:ss)"))
                }),
                Some(other) => Err(bad_field(
                    name,
                    format!("expected a time, found {}", json_kind(other)),
                )),
            }
        };
        let text = string(&cols.text, true)?.unwrap_or_default();
        rows.push(Row {
            doc: string(&cols.doc, cols.doc_required)?.filter(|s| !s.trim().is_empty()),
            speaker: string(&cols.speaker, cols.speaker_required)?
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            role: string("role", false)?.filter(|s| !s.trim().is_empty()),
            text,
            start_ms: time(&cols.start)?,
            end_ms: time(&cols.end)?,
        });
    }
    Ok(rows)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn parse_time_str(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| (secs * 1000.0).round() as u64);
    }
    parse_clock(s)
}

fn group(file_name: &str, rows: Vec<Row>) -> Vec<RawDocument> {
    let mut docs: Vec<RawDocument> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let name = row
            .doc
            .as_deref()
            .map(str::trim)
            .unwrap_or(file_name)
            .to_string();
        let at = *index.entry(name.clone()).or_insert_with(|| {
            docs.push(RawDocument {
                name,
                text: String::new(),
                turns: Vec::new(),
                cues: Vec::new(),
            });
            docs.len() - 1
        });
        let doc = &mut docs[at];
        let body = row.text.trim();
        if body.is_empty() {
            continue;
        }
        if !doc.text.is_empty() {
            doc.text.push('\n');
        }
        let start = doc.text.len();
        doc.text.push_str(body);
        doc.turns.push(RawTurn {
            speaker: row.speaker,
            role: row.role,
            start,
            end: doc.text.len(),
            start_ms: row.start_ms,
            end_ms: row.end_ms,
        });
    }
    docs.retain(|d| !d.turns.is_empty());
    docs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn read(reader: &dyn Reader, name: &str, src: &str) -> Result<Vec<RawDocument>> {
        reader.read(SourceFile {
            path: Path::new(name),
            name,
            bytes: src.as_bytes(),
        })
    }

    type TurnView<'a> = (Option<&'a str>, &'a str, Option<u64>, Option<u64>);

    fn turns(d: &RawDocument) -> Vec<TurnView<'_>> {
        d.turns
            .iter()
            .map(|t| {
                (
                    t.speaker.as_deref(),
                    &d.text[t.start..t.end],
                    t.start_ms,
                    t.end_ms,
                )
            })
            .collect()
    }

    #[test]
    fn csv_groups_rows_by_doc() {
        let src = "Doc,Speaker,Text,start,end\ng1,Moderator,\"Hello, all.\",0,1.5\ng2,Anna,\"Two\nlines.\",00:00:02,\ng1,Bob,Yes.,,\ng1,Bob,  ,,\n";
        let docs = read(
            &CsvReader {
                columns: TableColumns::default(),
            },
            "u.csv",
            src,
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].name, "g1");
        assert_eq!(docs[0].text, "Hello, all.\nYes.");
        assert_eq!(
            turns(&docs[0]),
            vec![
                (Some("Moderator"), "Hello, all.", Some(0), Some(1_500)),
                (Some("Bob"), "Yes.", None, None)
            ]
        );
        assert_eq!(
            turns(&docs[1]),
            vec![(Some("Anna"), "Two\nlines.", Some(2_000), None)]
        );
    }

    #[test]
    fn csv_semicolons_custom_columns_and_no_doc() {
        let src = "who;utterance\nAnna;Hi there.\n";
        let cols = TableColumns {
            text: "utterance".into(),
            speaker: "who".into(),
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns: cols }, "u.csv", src).unwrap();
        assert_eq!(docs[0].name, "u.csv");
        assert_eq!(
            turns(&docs[0]),
            vec![(Some("Anna"), "Hi there.", None, None)]
        );
    }

    #[test]
    fn csv_errors_name_file_column_and_row() {
        let cols = || CsvReader {
            columns: TableColumns::default(),
        };
        let e = read(&cols(), "u.csv", "speaker,utterance\nAnna,Hi\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "u.csv: no column `text` for the utterance text (--text-column); columns found: `speaker`, `utterance`"
        );
        let e = read(&cols(), "u.csv", "speaker,text\nAnna,Hi\nBob,Hi,extra\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.csv: row 2 (line 3): "), "{e}");
        let e = read(&cols(), "u.csv", "text,start\nHi,soon\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "u.csv: row 1 (line 2): field `start`: `soon` is not a time (seconds or hh:mm:ss)"
        );
        let strict = CsvReader {
            columns: TableColumns {
                speaker: "who".into(),
                speaker_required: true,
                ..TableColumns::default()
            },
        };
        let e = read(&strict, "u.csv", "speaker,text\nA,b\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `who` for the speaker"), "{e}");
    }

    #[test]
    fn jsonl_rows_and_errors() {
        let src = "{\"doc\": \"i1\", \"speaker\": \"Q\", \"text\": \"Why?\", \"start\": 1.25, \"end\": \"00:00:02\"}\n\n{\"doc\": \"i1\", \"speaker\": \"A\", \"text\": \"Because.\"}\n";
        let docs = read(
            &JsonlReader {
                columns: TableColumns::default(),
            },
            "t.jsonl",
            src,
        )
        .unwrap();
        assert_eq!(
            turns(&docs[0]),
            vec![
                (Some("Q"), "Why?", Some(1_250), Some(2_000)),
                (Some("A"), "Because.", None, None)
            ]
        );
        let r = || JsonlReader {
            columns: TableColumns::default(),
        };
        let e = read(&r(), "t.jsonl", "{\"text\": \"ok\"}\n{\"text\": oops}\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.jsonl: line 2: bad JSON: "), "{e}");
        let e = read(&r(), "t.jsonl", "[1, 2]\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "t.jsonl: line 1: bad JSON: expected one JSON object per line"
        );
        let e = read(&r(), "t.jsonl", "{\"utterance\": \"x\"}\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.jsonl: line 1: field `text`: missing (keys found: `utterance`)"
        );
        let e = read(&r(), "t.jsonl", "{\"text\": [\"x\"]}\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.jsonl: line 1: field `text`: expected a string, found an array"
        );
    }
}
