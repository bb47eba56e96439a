//! The documents file (`documents.csv`): case attributes per document, the
//! way NVivo cases and ATLAS.ti document groups describe an interview (site,
//! date, role of the interviewee). A column `document` names the transcript
//! (its document name, e.g. `interviews/03.txt`, or its file stem, `03`, as
//! in the participants file); every other column is an attribute. Empty
//! cells, and the marks of a missing value the participants file reads as
//! none (`NA`, `N/A`, `#N/A`, `-`, NVivo's `Unassigned`), are no attribute.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{IngestError, Result};
use crate::participants::{document_key, is_unset_value};

/// One row of the documents file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCase {
    /// As written in the file.
    pub document: String,
    pub attributes: BTreeMap<String, String>,
    /// `row N (line M)`, for errors found later (an unknown document).
    pub location: String,
}

/// A parsed documents file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentCases {
    pub file: PathBuf,
    pub list: Vec<DocumentCase>,
}

/// Document name → attribute → value.
pub type DocumentAttributes = BTreeMap<String, BTreeMap<String, String>>;

impl DocumentCases {
    /// Reads a documents CSV file.
    pub fn from_csv_path(path: &Path) -> Result<DocumentCases> {
        let bytes = crate::read_input(path)?;
        Self::from_csv_bytes(path, &bytes)
    }

    /// Parses a documents file, a CSV or a spreadsheet workbook
    /// (`formats::case_table`); `path` names the file in errors.
    pub fn from_csv_bytes(path: &Path, bytes: &[u8]) -> Result<DocumentCases> {
        let bad = |location: String, message: String| IngestError::BadDocuments {
            file: path.into(),
            location,
            message,
        };
        let (headers, records) = crate::formats::case_table(path, bytes, &bad)?;
        crate::formats::unique_headers(&headers, &bad)?;
        let doc_i = crate::formats::find_document_column(&headers, &records).ok_or_else(|| {
            IngestError::MissingColumn {
                file: path.into(),
                column: "document".into(),
                role: "documents file",
                found: headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?;
        let mut list = Vec::new();
        let mut rows: HashMap<String, u64> = HashMap::new();
        for row in records {
            let (record, location) = (&row.record, row.location);
            let get = |i: usize| record.get(i).unwrap_or("").trim().to_string();
            let document = get(doc_i);
            if document.is_empty() {
                return Err(bad(location, "field `document` is empty".into()));
            }
            if let Some(prev) = rows.insert(document_key(&document), row.number) {
                return Err(bad(
                    location,
                    format!("field `document`: `{document}` is already listed in row {prev}"),
                ));
            }
            let attributes = headers
                .iter()
                .enumerate()
                .filter(|(i, h)| *i != doc_i && !h.is_empty())
                .map(|(i, h)| (h.clone(), get(i)))
                // As the participants file reads them: R's `NA` and Excel's
                // `#N/A` were crosstab groups of their own beside the
                // participants' `(missing)` (h6/04).
                .filter(|(_, v)| !v.is_empty() && !is_unset_value(v))
                .collect();
            list.push(DocumentCase {
                document,
                attributes,
                location,
            });
        }
        Ok(DocumentCases {
            file: path.into(),
            list,
        })
    }

    /// Attributes by stored document name. Each row must name exactly one of
    /// `known` (by name, else by file stem); a row naming none, or a stem
    /// that two documents share, is an error naming the file, row and field.
    pub fn match_documents<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Result<DocumentAttributes> {
        self.match_documents_allowing_unknown(known, false)
            .map(|(matched, _)| matched)
    }

    /// [`Self::match_documents`], but with `allow_unknown` the rows that
    /// name no known document are returned (their names) instead of
    /// refused: a nightly run's documents file lists interviews whose
    /// transcripts have not arrived yet, and the run goes on with the rest.
    pub fn match_documents_allowing_unknown<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str>,
        allow_unknown: bool,
    ) -> Result<(DocumentAttributes, Vec<String>)> {
        let known: Vec<&str> = known.into_iter().collect();
        let mut by_key: HashMap<String, Vec<&str>> = HashMap::new();
        for name in &known {
            by_key.entry(document_key(name)).or_default().push(name);
        }
        let mut out = BTreeMap::new();
        let mut unknown = Vec::new();
        for case in &self.list {
            let name = if known.contains(&case.document.as_str()) {
                case.document.as_str()
            } else {
                match by_key.get(&document_key(&case.document)).map(Vec::as_slice) {
                    Some([one]) => one,
                    Some(several) => {
                        return Err(IngestError::BadDocuments {
                            file: self.file.clone(),
                            location: case.location.clone(),
                            message: format!(
                            "field `document`: `{}` could be any of {}; write the document name",
                            case.document,
                            several.join(", ")
                        ),
                        })
                    }
                    None => {
                        unknown.push(case);
                        continue;
                    }
                }
            };
            out.insert(name.to_string(), case.attributes.clone());
        }
        if allow_unknown {
            let names = unknown.iter().map(|c| c.document.clone()).collect();
            return Ok((out, names));
        }
        if let Some(first) = unknown.first() {
            let names = unknown
                .iter()
                .map(|c| format!("`{}`", c.document))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(IngestError::BadDocuments {
                file: self.file.clone(),
                location: first.location.clone(),
                message: format!(
                    "field `document`: no ingested document is called {names} ({} unknown)",
                    unknown.len()
                ),
            });
        }
        Ok((out, Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<DocumentCases> {
        DocumentCases::from_csv_bytes(Path::new("documents.csv"), src.as_bytes())
    }

    #[test]
    fn the_document_column_as_people_head_it() {
        for csv in [
            "File Name,Site\na.txt,Leeds\n",
            "transcript,site\na.txt,Leeds\n",
        ] {
            let m = parse(csv).unwrap().match_documents(["a.txt"]).unwrap();
            assert_eq!(m["a.txt"]["site"], "Leeds", "{csv}");
        }
        // Another name's column is the documents' only where it names
        // transcript files: a tracker's `File` of audio names, a
        // `Transcript` status, a `Doc` of yes and no are not.
        for csv in [
            "File,Site\nRecording_0412.m4a,Leeds\n",
            "Transcript,Site\nDone,Leeds\n",
            "Doc,Site\nyes,Leeds\n",
        ] {
            let e = parse(csv).unwrap_err().to_string();
            assert!(e.contains("no column `document`"), "{csv}: {e}");
        }
    }

    #[test]
    fn attributes_by_name_or_stem() {
        let cases =
            parse("Document,Site,date,empty\ninterviews/a.txt,Leeds,2024-03-01,\nb,Bristol,,\n")
                .unwrap();
        let m = cases
            .match_documents(["interviews/a.txt", "sub/b.vtt", "c.txt"])
            .unwrap();
        assert_eq!(
            m,
            BTreeMap::from([
                (
                    "interviews/a.txt".to_string(),
                    BTreeMap::from([
                        ("date".to_string(), "2024-03-01".to_string()),
                        ("site".to_string(), "Leeds".to_string())
                    ])
                ),
                (
                    "sub/b.vtt".to_string(),
                    BTreeMap::from([("site".to_string(), "Bristol".to_string())])
                ),
            ])
        );
    }

    /// R's, pandas', Excel's and people's marks of a missing cell are no
    /// attribute, as in the participants file (h6/04).
    #[test]
    fn missing_value_marks_are_no_attribute() {
        let cases = parse(
            "document,Mode,Interviewer gender\nP01,Zoom,F\nP02,NA,F\nP03,N/A,M\nP04,#N/A,-\nP05,Unassigned,n/a\n",
        )
        .unwrap();
        let m = cases
            .match_documents(["P01.txt", "P02.txt", "P03.txt", "P04.txt", "P05.txt"])
            .unwrap();
        let attrs = |d: &str| {
            m[d].iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(attrs("P01.txt"), ["interviewer gender=F", "mode=Zoom"]);
        assert_eq!(attrs("P02.txt"), ["interviewer gender=F"]);
        assert_eq!(attrs("P03.txt"), ["interviewer gender=M"]);
        assert!(attrs("P04.txt").is_empty(), "{:?}", attrs("P04.txt"));
        assert!(attrs("P05.txt").is_empty(), "{:?}", attrs("P05.txt"));
    }

    #[test]
    fn errors_name_file_row_and_field() {
        let e = parse("interview,site\na,x\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "documents.csv: no column `document` for the documents file; columns found: `interview`, `site`"
        );
        let e = parse("document,site\na,x\nA.txt,y\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "documents.csv: row 2 (line 3): field `document`: `A.txt` is already listed in row 1"
        );
        let e = parse("document,site\n,x\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "documents.csv: row 1 (line 2): field `document` is empty"
        );
        let e = parse("document,site,site\na,x,y\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "documents.csv: header: column `site` appears twice (columns 2 and 3)"
        );
        let cases = parse("document,site\na,x\nzz,y\nyy,z\n").unwrap();
        let e = cases.match_documents(["a.txt"]).unwrap_err().to_string();
        assert_eq!(
            e,
            "documents.csv: row 2 (line 3): field `document`: no ingested document is called `zz`, `yy` (2 unknown)"
        );
        let e = cases
            .match_documents(["a.txt", "x/a.vtt", "zz.txt", "yy.txt"])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("documents.csv: row 1 (line 2): field `document`: `a` could be any of a.txt, x/a.vtt"), "{e}");
    }
}
