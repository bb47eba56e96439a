//! CSV and JSONL with one utterance per row. Rows are grouped into documents
//! by the `doc` column (in order of first appearance; a row without one
//! belongs to the file's own document). Each row is one turn; the document
//! text is the utterances joined by `\n`. Times: a number is seconds, a
//! string is a clock (`00:01:02.5`) or a number of seconds; every format
//! refuses negative, non-finite, out-of-range and reversed times alike.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{RawDocument, RawTurn, Reader, SourceFile, TableColumns};
use crate::decode::decode_text;
use crate::error::{IngestError, Result};
use crate::participants::{is_unset_value, SurveyTool, MICROSOFT_FORMS, SURVEYMONKEY};
use crate::speaker::parse_clock;
use crate::SourceFormat;

/// The largest time accepted, in milliseconds (about 285,000 years): up to
/// 2^53 a number of seconds converts to whole milliseconds exactly, and the
/// store keeps times as i64 (`1e300` used to saturate and be stored as −1).
pub const MAX_TIME_MS: u64 = (1 << 53) - 1;

pub struct CsvReader {
    pub columns: TableColumns,
}

pub struct JsonlReader {
    pub columns: TableColumns,
}

pub(super) struct Row {
    doc: Option<String>,
    speaker: Option<String>,
    role: Option<String>,
    /// The question the row answers (a survey's): read as an
    /// interviewer's turn before it ([`group`]).
    question: Option<String>,
    text: String,
    start_ms: Option<u64>,
    end_ms: Option<u64>,
    /// The speaker's attributes from the attribute columns (non-empty cells).
    attributes: BTreeMap<String, String>,
}

/// A table's rows as utterances ([`table_rows`]), and the rows it left out
/// as no respondent's, by the Qualtrics `Status` that says so: [`group`]
/// hands the count to the file's first document, for ingest to say.
pub(super) struct TableRows {
    rows: Vec<Row>,
    left_out_responses: BTreeMap<String, usize>,
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
        Ok(group(
            file.name,
            TableRows {
                rows,
                left_out_responses: BTreeMap::new(),
            },
        ))
    }
}

/// The delimiter of a CSV: spreadsheet exports in many locales use `;`,
/// some tools use tabs. The one that splits the first rows into as many
/// fields as the header, more than one, wins; among those (or if none
/// does) the one with most occurrences in the header line. Counting alone
/// read Excel's `;` export of a survey whose question headers hold commas
/// (`Thinking about the last month, what, if anything, …`) by commas.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let in_header = |d: u8| header.bytes().filter(|&b| b == d).count();
    let consistent = |d: u8| {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut widths = reader.records().take(21).map(|r| r.map(|r| r.len()));
        match widths.next() {
            Some(Ok(n)) if n > 1 => widths.all(|w| matches!(w, Ok(w) if w == n)),
            _ => false,
        }
    };
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| (consistent(d), in_header(d), d == b','))
        .unwrap_or(b',')
}

fn csv_rows(file: SourceFile<'_>, text: &str, cols: &TableColumns) -> Result<TableRows> {
    let delimiter = sniff_delimiter(text);
    if let Some(line) = unterminated_quote_line(text, delimiter) {
        return Err(IngestError::BadCsv {
            file: file.path.into(),
            location: format!("line {line}"),
            message: "a quoted field opens here and is never closed (a `\"` is missing), \
                      so every row below it would be read as this one field"
                .into(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| {
        let location = match e.position() {
            Some(p) => super::CsvLines::new(text).location(p),
            None => "header".to_string(),
        };
        IngestError::BadCsv {
            file: file.path.into(),
            location,
            message: super::CsvLines::message(&e),
        }
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut lines = super::CsvLines::new(text);
    let records = reader.into_records().map(move |record| {
        let record = record.map_err(csv_err)?;
        let pos = record
            .position()
            .expect("records from a reader have positions");
        let location = lines.location(pos);
        Ok((record, location))
    });
    table_rows(file, headers, records, cols)
}

/// A table's rows (a record and where it is, for errors: "row 3 (line
/// 4)", "sheet Answers, row 4") as utterances, by the columns `cols` names,
/// with the responses left out by their Qualtrics `Status`.
pub(super) fn table_rows(
    file: SourceFile<'_>,
    headers: Vec<String>,
    records: impl Iterator<Item = Result<(csv::StringRecord, String)>>,
    cols: &TableColumns,
) -> Result<TableRows> {
    let find = |name: &str, role: &'static str, required: bool| -> Result<Option<usize>> {
        let mut hits = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| same_header(h, name))
            .map(|(i, _)| i);
        let first = hits.next();
        if let (Some(i), Some(j)) = (first, hits.next()) {
            // Which of the two the file meant is its author's to say.
            return Err(IngestError::BadCsv {
                file: file.path.into(),
                location: "header".into(),
                message: format!(
                    "`{name}` heads columns {} and {}, so the {role} is ambiguous; keep one of them",
                    i + 1,
                    j + 1
                ),
            });
        }
        match first {
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
    let text_i = find(
        &cols.text,
        "utterance text (--text-column)",
        cols.questions.is_empty(),
    )?;
    // One row per answer with the question in a column of its own (a long
    // export: respondent, item, answer): the one question column named is
    // that column, not an open question of a wide export, when the file
    // has the text column too.
    let long_question = match (&cols.questions[..], text_i) {
        ([q], Some(_)) => Some(q.as_str()),
        _ => None,
    };
    let wide = !cols.questions.is_empty() && long_question.is_none();
    // Each question named, with the columns it heads: every one of them,
    // for a survey tool repeats a follow-up's header ("Please explain your
    // answer." under two questions: two questions, not an ambiguity).
    let by_header = |name: &str| -> Vec<usize> {
        headers
            .iter()
            .enumerate()
            .filter(|(_, h)| same_header(h, name))
            .map(|(i, _)| i)
            .collect()
    };
    let mut question_hits: Vec<Vec<usize>> = if wide {
        cols.questions.iter().map(|n| by_header(n)).collect()
    } else {
        Vec::new()
    };
    let speaker_i = find(
        &cols.speaker,
        "speaker (--speaker-column)",
        cols.speaker_required,
    )?;
    // A wide export is read by the columns named and no others: its other
    // columns are closed questions and the survey tool's metadata, and a
    // closed question headed `Role`, `Doc` or `Start` (Kobo's start time)
    // is no transcript's role, document or time.
    let doc_i = if wide && !cols.doc_required {
        None
    } else {
        find(&cols.doc, "document (--doc-column)", cols.doc_required)?
    };
    let (start_i, end_i, role_i) = if wide {
        (None, None, None)
    } else {
        (
            find(&cols.start, "start time", false)?,
            find(&cols.end, "end time", false)?,
            find("role", "role", false)?,
        )
    };
    let question_i = match long_question {
        Some(q) => find(q, "survey question (--question-column)", true)?,
        None if wide => None,
        None => find("question", "question", false)?,
    };
    // Attribute columns by header; in a wide export one may also be named
    // by its question text where the export names its columns by id
    // (Qualtrics' `Q4` over "What is your age group?"): resolved once the
    // header rows are read, below.
    let attribute_by_header: Vec<Option<usize>> = cols
        .attributes
        .iter()
        .map(|n| find(n, "participant attribute (--attribute-column)", !wide))
        .collect::<Result<_>>()?;
    // A wide export's rows are its respondents (`Respondent 12` without an
    // id column, as Google Forms exports): each row's attributes are its
    // own. A long table needs the speaker column its attributes belong to.
    if !cols.attributes.is_empty() && speaker_i.is_none() && !wide {
        find(
            &cols.speaker,
            "speaker, whose attributes the attribute columns hold (--speaker-column)",
            true,
        )?;
    }
    let mut attributes_seen = AttributesSeen::default();
    let mut rows = Vec::new();
    let mut records = records;
    // A survey tool's extra header rows come first: read them apart.
    // A survey's one open question read row by row (`--text-column`, the
    // per-row form) has them too: Qualtrics' texts and ImportId rows were
    // two respondents, SurveyMonkey's `Open-Ended Response` an answer.
    let mut head: Vec<(csv::StringRecord, String)> = Vec::new();
    if wide || (text_i.is_some() && speaker_i.is_some()) {
        for record in records.by_ref().take(2) {
            head.push(record?);
        }
    }
    let head_records: Vec<&csv::StringRecord> = head.iter().map(|(r, _)| r).collect();
    let speaker_header = speaker_i.map(|i| headers[i].as_str());
    // Microsoft Forms' `ID` (beside its `Start time` and `Completion
    // time`) numbers the form's responses 1, 2, 3…: no person's id. Read
    // as one, response 1 of a staff form and response 1 of a student form
    // were one participant (7 respondents counted as 4); each is the
    // form's own `Respondent <ID>`, as a row without an id is.
    let response_numbers = wide
        && speaker_header.is_some_and(|h| h.trim().eq_ignore_ascii_case("id"))
        && MICROSOFT_FORMS.exported(&headers);
    let found: Vec<(usize, &str)> = if wide {
        question_hits
            .iter()
            .flatten()
            .map(|&i| (i, headers[i].as_str()))
            .collect()
    } else {
        text_i
            .map(|i| (i, headers[i].as_str()))
            .into_iter()
            .collect()
    };
    let (skip, texts_row) =
        survey_header_rows(&headers, &head_records, &found, speaker_i, speaker_header);
    // Qualtrics' `Status` column (`Response Type` on its row of texts,
    // `status` in its ImportId row), whose non-responses are left out
    // ([`QUALTRICS_NON_RESPONSES`]); another table's `Status` is an answer.
    let qualtrics_status = headers
        .iter()
        .position(|h| SurveyTool::heads(h, "Status"))
        .filter(|&i| {
            head_records.iter().take(skip).any(|r| {
                r.get(i).is_some_and(|c| {
                    let compact: String = c.split_whitespace().collect();
                    SurveyTool::heads(c, "Response Type")
                        || compact.starts_with("{\"ImportId\":\"status\"")
                })
            })
        });
    // A question named by its text where the export names its columns by
    // id (Qualtrics' `Q4`, its text on the row below): that column.
    if let Some(r) = texts_row {
        for (hits, name) in question_hits.iter_mut().zip(&cols.questions) {
            if hits.is_empty() {
                *hits = head[r]
                    .0
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.trim().eq_ignore_ascii_case(name.trim()))
                    .map(|(i, _)| i)
                    .collect();
            }
        }
    }
    // One column named twice, by its id and by its text (`Q6` and the
    // question Qualtrics writes below it): each of its answers was read
    // twice.
    for (k, hits) in question_hits.iter().enumerate() {
        if let Some((j, _)) = question_hits[..k]
            .iter()
            .enumerate()
            .find(|(_, earlier)| earlier.iter().any(|i| hits.contains(i)))
        {
            return Err(IngestError::BadCsv {
                file: file.path.into(),
                location: "header".into(),
                message: format!(
                    "--question-column {:?} and --question-column {:?} name the same column (by its name and by its question text): each column is read once, name it once",
                    cols.questions[j], cols.questions[k]
                ),
            });
        }
    }
    if let Some(missing) = question_hits
        .iter()
        .zip(&cols.questions)
        .find(|(hits, _)| hits.is_empty())
    {
        // The error names the columns the file has.
        find(missing.1, "survey question (--question-column)", true)?;
    }
    // SurveyMonkey's second header row: each column's kind of answer
    // (`Response`, `Open-Ended Response`) or the box, option or matrix
    // row it holds (`Idea 1`, `Email`, `Pay`).
    let kind_row = skip == 1
        && texts_row.is_none()
        && head
            .first()
            .is_some_and(|(r, _)| !is_import_id_row(r.iter()));
    let kinds: Vec<String> = match head.first() {
        Some((r, _)) if kind_row => r.iter().map(|c| c.trim().to_string()).collect(),
        _ => Vec::new(),
    };
    let kind = |j: usize| kinds.get(j).map_or("", String::as_str);
    // A SurveyMonkey question spread over columns: its first column alone
    // headed, the next ones unheaded, each named on the row of kinds (a
    // "select all that apply"'s options, a matrix's rows, a "multiple
    // textboxes" question's boxes), an "Other (please specify)" box last.
    // The columns after the first but the other box, and the other box.
    // Not a single choice (`Response`) with its other box.
    let spread = |i: usize| -> Option<(Vec<usize>, Option<usize>)> {
        if headers[i].trim().is_empty() {
            return None;
        }
        let span: Vec<usize> = (i + 1..headers.len())
            .take_while(|&j| headers[j].trim().is_empty() && !kind(j).is_empty())
            .collect();
        let is_other = |j: usize| kind(j).to_lowercase().starts_with("other");
        let options: Vec<usize> = span.iter().copied().filter(|&j| !is_other(j)).collect();
        if options.is_empty() || is_other(i) || kind(i).eq_ignore_ascii_case("response") {
            return None;
        }
        Some((options, span.into_iter().find(|&j| is_other(j))))
    };
    // Each attribute column with its name: the header, or the question
    // text the user named it by (its crosstab is labelled as they wrote it),
    // and whether it is one row of a spread question named alone.
    let mut attribute_cols: Vec<(usize, String, bool)> = Vec::new();
    // Every spread question's columns, each named `<question> [<row>]`.
    let spread_rows: Vec<(usize, String)> = (0..headers.len())
        .filter_map(|i| spread(i).map(|(options, other)| (i, options, other)))
        .flat_map(|(i, options, other)| {
            let question = headers[i].trim();
            std::iter::once(i)
                .chain(options)
                .chain(other)
                .map(move |j| (j, format!("{question} [{}]", kind(j))))
        })
        .collect();
    for (name, hit) in cols.attributes.iter().zip(&attribute_by_header) {
        let by_text = || {
            let r = texts_row?;
            let hits: Vec<usize> = head[r]
                .0
                .iter()
                .enumerate()
                .filter(|(_, t)| t.trim().eq_ignore_ascii_case(name.trim()))
                .map(|(i, _)| i)
                .collect();
            (hits.len() == 1).then(|| hits[0])
        };
        match (hit, by_text()) {
            // Named by its header (ingest gives one spelling to the
            // spellings of one attribute across exports).
            (Some(i), _) => attribute_cols.push((*i, headers[*i].trim().to_string(), false)),
            (None, Some(i)) => attribute_cols.push((i, name.clone(), false)),
            // One row of a SurveyMonkey matrix (a box, an option), named by
            // its label on the row of kinds (`Workload`) or as NVivo's
            // survey import names it (`<question> [Workload]`): that
            // column, named the latter way.
            (None, None) => {
                let rows: Vec<&(usize, String)> = spread_rows
                    .iter()
                    .filter(|(j, full)| same_header(kind(*j), name) || same_header(full, name))
                    .collect();
                match &rows[..] {
                    // The error names the columns the file has, a spread
                    // question's unheaded ones as `<question> [<row>]`.
                    [] if !spread_rows.is_empty() => {
                        return Err(IngestError::MissingColumn {
                            file: file.path.into(),
                            column: name.to_string(),
                            role: "participant attribute (--attribute-column)",
                            found: headers
                                .iter()
                                .enumerate()
                                .map(|(c, h)| match spread_rows.iter().find(|(j, _)| *j == c) {
                                    Some((_, full)) if h.trim().is_empty() => format!("`{full}`"),
                                    _ => format!("`{h}`"),
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                    [] => {
                        find(name, "participant attribute (--attribute-column)", true)?;
                    }
                    [(j, full)] => attribute_cols.push((*j, full.clone(), true)),
                    _ => {
                        return Err(IngestError::BadCsv {
                            file: file.path.into(),
                            location: "header".into(),
                            message: format!(
                                "--attribute-column {name:?} names a row of several questions: {}; name one as `<question> [<row>]`",
                                rows.iter()
                                    .map(|(_, full)| format!("`{full}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })
                    }
                }
            }
        }
    }
    // One attribute column named by its id and by its text: two
    // identical crosstabs. (A matrix row is named one way however it was
    // named, its matrix's name too: one crosstab.)
    for (k, (i, _, row)) in attribute_cols.iter().enumerate() {
        if let Some(j) = attribute_cols[..k]
            .iter()
            .position(|(earlier, _, earlier_row)| earlier == i && !row && !earlier_row)
        {
            return Err(IngestError::BadCsv {
                file: file.path.into(),
                location: "header".into(),
                message: format!(
                    "--attribute-column {:?} and --attribute-column {:?} name the same column (by its name and by its question text): each column is read once, name it once",
                    cols.attributes[j], cols.attributes[k]
                ),
            });
        }
    }
    let question_cols: Vec<(usize, &str)> = question_hits
        .iter()
        .flatten()
        .map(|&i| (i, headers[i].as_str()))
        .collect();
    // SurveyMonkey heads a question of several boxes (`Idea 1`, `Idea 2`,
    // …, named on its row of answer kinds) or with an "Other (please
    // specify)" box by its first column alone, the next ones blank: those
    // are more of the question's answer, read with it, a blank line apart
    // (so each box is a sentence of its own).
    let boxes: Vec<Vec<usize>> = question_cols
        .iter()
        .map(|&(i, _)| {
            if !kind_row {
                return Vec::new();
            }
            (i + 1..headers.len())
                .take_while(|&j| {
                    headers[j].trim().is_empty()
                        && head[0].0.get(j).is_some_and(|c| !c.trim().is_empty())
                })
                .collect()
        })
        .collect();
    // A choice read as an attribute with SurveyMonkey's "Other (please
    // specify)" box beside it, unheaded: a respondent who chose Other left
    // the choice blank and typed their own (before, `(missing)` in every
    // crosstab). Their value is `Other: <typed>`.
    // So do LimeSurvey's `Q3[other]` beside `Q3` (which then holds
    // `-oth-`) and Qualtrics' `Q6_TEXT` / `Q6_4_TEXT` beside `Q6` (which
    // holds `Other`); LimeSurvey's full question texts, `What is your
    // role? [Other]` beside `What is your role?`, and its code-and-text
    // headings, `ROLE[other]. What is your role? [Other]` beside `ROLE.
    // What is your role?`; Alchemer's `Other - Write In:What is your
    // role?`, or a bare `Other - Write In` right beside the choice (h17/04:
    // before, only the code headings were read, and the typed other was
    // lost).
    let other_boxes: Vec<Option<usize>> = attribute_cols
        .iter()
        .map(|&(i, _, row)| {
            if row {
                return None;
            }
            let j = i + 1;
            let monkey = kind_row
                && headers.get(j).is_some_and(|h| h.trim().is_empty())
                && head[0]
                    .0
                    .get(j)
                    .is_some_and(|c| c.trim().to_lowercase().starts_with("other"));
            let id = headers[i].trim();
            let named_box = |k: usize| {
                let h = headers[k].trim();
                let own = h.strip_prefix(id).is_some_and(|rest| {
                    is_bracketed_other(rest.trim_start())
                        || rest.strip_suffix("_TEXT").is_some_and(|n| {
                            n.is_empty()
                                || n.strip_prefix('_').is_some_and(|d| {
                                    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
                                })
                        })
                });
                own || is_limesurvey_code_text_other(h, id) || is_alchemer_write_in(h, id, k == j)
            };
            if monkey {
                Some(j)
            } else if id.is_empty() {
                None
            } else {
                (0..headers.len()).find(|&k| k != i && named_box(k))
            }
        })
        .collect();
    // The label of the choice whose box each other box is, where Qualtrics
    // writes it on its row of texts: the box's text is `<question> -
    // <label> - Text` beside the choice's `<question> - Selected Choice`.
    let other_labels: Vec<Option<String>> = attribute_cols
        .iter()
        .zip(&other_boxes)
        .map(|(&(i, _, _), other)| {
            let texts = &head[texts_row?].0;
            let question = texts.get(i)?.trim().strip_suffix(" - Selected Choice")?;
            let label = texts
                .get((*other)?)?
                .trim()
                .strip_prefix(question)?
                .strip_prefix(" - ")?
                .strip_suffix(" - Text")?
                .trim();
            (!label.is_empty()).then(|| label.to_string())
        })
        .collect();
    let spreads: Vec<Option<(Vec<usize>, Option<usize>)>> = attribute_cols
        .iter()
        .map(|&(i, _, row)| if row { None } else { spread(i) })
        .collect();
    // A wide export's answers, question by question (then respondent by
    // respondent), so that a question is asked once before its answers.
    let mut answers: Vec<Vec<Row>> = (0..question_cols.len()).map(|_| Vec::new()).collect();
    let mut question_texts: Vec<String> = question_cols
        .iter()
        .map(|&(i, header)| {
            texts_row
                .and_then(|r| head[r].0.get(i))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(header)
                .to_string()
        })
        .collect();
    // Two questions of one text ("Please explain your answer.") are two
    // questions: each is read with its column's name, or its answers would
    // read as more answers to the first.
    let texts_before = question_texts.clone();
    let same = |all: &[&str], x: &str| all.iter().filter(|t| **t == x).count() > 1;
    let texts: Vec<&str> = texts_before.iter().map(String::as_str).collect();
    let column_headers: Vec<&str> = question_cols.iter().map(|&(_, h)| h).collect();
    for (k, &(i, header)) in question_cols.iter().enumerate() {
        if same(&texts, &texts_before[k]) {
            question_texts[k] = if same(&column_headers, header) {
                format!("{} (column {})", texts_before[k], i + 1)
            } else {
                format!("{} ({header})", texts_before[k])
            };
        }
    }
    // The data rows, read before the attributes: whether a spread
    // question holds its options' labels is the answers' to say. Up to
    // the first bad record, which the loop below reports in its turn.
    let mut data: Vec<Result<(csv::StringRecord, String)>> = Vec::new();
    for record in head.into_iter().skip(skip).map(Ok).chain(records) {
        let bad = record.is_err();
        data.push(record);
        if bad {
            break;
        }
    }
    // SurveyMonkey's "select all that apply" read as an attribute: each
    // option's column holds the option's own label (its name on the row of
    // kinds) where ticked. The value is every option ticked, `; `-joined,
    // the typed other as `Other: <typed>` (before, the first option's
    // column alone was read: those who ticked only others were `(missing)`
    // in every crosstab).
    // A matrix's cells hold scale points (`Satisfied` under `Pay`), a
    // "multiple textboxes" question's what was typed (`Leeds` under
    // `City`): joined, "Satisfied; Dissatisfied; Neutral" said nothing
    // of which row was which. Each row (box) is an attribute of its own,
    // `<question> [<row>]`, as NVivo's survey import makes one.
    let readings: Vec<AttributeReading> = attribute_cols
        .iter()
        .zip(other_boxes.iter().zip(other_labels))
        .zip(spreads)
        .map(|((&(i, ref name, _), (&other, label)), spread)| {
            let Some((options, typed)) = spread else {
                return AttributeReading::Choice { other, label };
            };
            let ticked = data
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .all(|(record, _)| {
                    std::iter::once(i).chain(options.iter().copied()).all(|j| {
                        record.get(j).is_none_or(|c| {
                            c.trim().is_empty() || c.trim().eq_ignore_ascii_case(kind(j))
                        })
                    })
                });
            if ticked {
                AttributeReading::Ticked { options, typed }
            } else {
                AttributeReading::Rows(
                    std::iter::once(i)
                        .chain(options)
                        .chain(typed)
                        .map(|j| (j, format!("{name} [{}]", kind(j))))
                        .collect(),
                )
            }
        })
        .collect();
    let mut whole_number_times = true;
    let mut durations_ms: Vec<u64> = Vec::new();
    // Rows read, and those left out by their Qualtrics `Status`, by status.
    let mut responses = 0;
    let mut non_responses: BTreeMap<String, usize> = BTreeMap::new();
    for (data_row, record) in data.into_iter().enumerate() {
        let (record, location) = record?;
        // A response the researcher previewed, one Qualtrics generated as
        // a test or flagged as spam is no respondent's: its test answers
        // ("Testing the survey, ignore this.") were coded and counted, one
        // more in every share's denominator (h11/03). Its number in the
        // file stays its own (`Respondent N` of a row without an id).
        if let Some(status) = qualtrics_status
            .and_then(|i| record.get(i))
            .and_then(qualtrics_non_response)
        {
            *non_responses.entry(status.to_string()).or_default() += 1;
            continue;
        }
        responses += 1;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let bad_field = |field: &str, message: String| IngestError::BadField {
            file: file.path.into(),
            location: location.clone(),
            field: field.to_string(),
            message,
        };
        let time = |i: Option<usize>, name: &str| -> Result<Option<u64>> {
            cell(i)
                .map(|s| parse_time_str(&s).map_err(|message| bad_field(name, message)))
                .transpose()
        };
        let start_ms = time(start_i, &cols.start)?;
        let end_ms = time(end_i, &cols.end)?;
        check_order(start_ms, end_ms).map_err(|message| bad_field(&cols.end, message))?;
        for i in [start_i, end_i] {
            if let Some(c) = cell(i) {
                whole_number_times &= c.chars().all(|c| c.is_ascii_digit());
            }
        }
        if let (Some(s), Some(e)) = (start_ms, end_ms) {
            durations_ms.push(e - s);
        }
        let mut attributes: BTreeMap<String, String> = BTreeMap::new();
        // An attribute's cell, none where it marks a missing value as the
        // participants file reads them (R's `NA`, Excel's `#N/A`, a typed
        // `N/A` or `-`): before, each was a crosstab group of its own
        // beside the participants file's `(missing)` (h6/04).
        let attribute = |i: Option<usize>| cell(i).filter(|v| !is_unset_value(v));
        for ((i, header, _), reading) in attribute_cols.iter().zip(&readings) {
            match reading {
                AttributeReading::Ticked { options, typed } => {
                    let mut ticked: Vec<String> = std::iter::once(*i)
                        .chain(options.iter().copied())
                        .filter_map(|j| attribute(Some(j)))
                        .collect();
                    ticked.extend(attribute(*typed).map(|t| format!("Other: {t}")));
                    if !ticked.is_empty() {
                        attributes.insert(header.clone(), ticked.join("; "));
                    }
                }
                AttributeReading::Rows(rows) => {
                    for (j, name) in rows {
                        if let Some(value) = attribute(Some(*j)) {
                            attributes.insert(name.clone(), value);
                        }
                    }
                }
                AttributeReading::Choice { other, label } => {
                    let chosen = attribute(Some(*i));
                    let typed = attribute(*other);
                    let value = match (chosen, typed) {
                        // SurveyMonkey leaves the choice blank for Other.
                        (None, Some(typed)) => Some(format!("Other: {typed}")),
                        (Some(chosen), Some(typed)) => {
                            Some(with_typed_other(&chosen, label.as_deref(), &typed))
                        }
                        (Some(chosen), None) if chosen == "-oth-" => Some("Other".to_string()),
                        (chosen, None) => chosen,
                    };
                    if let Some(value) = value {
                        attributes.insert(header.clone(), value);
                    }
                }
            }
        }
        // An anonymous respondent of a wide export is a respondent of
        // their own (below): no other row's attributes are theirs.
        let checked_speaker = cell(speaker_i).filter(|id| !(wide && is_anonymous(id)));
        attributes_seen.check(
            cell(doc_i),
            checked_speaker,
            &attributes,
            &location,
            |f, m| bad_field(f, m),
        )?;
        if wide {
            // A row is a respondent: one without an id (no respondent
            // column, or a blank cell in it, as an optional e-mail column
            // leaves it) is a respondent of its own, as NVivo's survey
            // import makes a case of each row, not one pooled speaker.
            // Microsoft Forms writes `anonymous` in the e-mail and name
            // columns of an anonymous form's every response: no id either.
            let given = cell(speaker_i).filter(|id| !is_anonymous(id));
            // A form's response number: the form's own respondent, as a row
            // without an id is (no respondent role: not one id everywhere).
            let (given, number) = if response_numbers {
                (None, given)
            } else {
                (given, None)
            };
            let role = cell(role_i).or_else(|| given.as_deref().and_then(respondent_role));
            let speaker = given.unwrap_or_else(|| {
                format!(
                    "{UNNAMED_RESPONDENT} {}",
                    number.unwrap_or_else(|| (data_row + 1).to_string())
                )
            });
            for (((&(i, _), question), out), more) in question_cols
                .iter()
                .zip(&question_texts)
                .zip(answers.iter_mut())
                .zip(&boxes)
            {
                let text = std::iter::once(i)
                    .chain(more.iter().copied())
                    .filter_map(|j| record.get(j))
                    .filter(|t| !is_blank(t))
                    .collect::<Vec<_>>()
                    .join("\n\n");
                out.push(Row {
                    doc: cell(doc_i),
                    speaker: Some(speaker.clone()),
                    role: role.clone(),
                    question: Some(question.clone()),
                    text,
                    start_ms: None,
                    end_ms: None,
                    attributes: attributes.clone(),
                });
            }
            continue;
        }
        // A long export's rows (respondent, item, answer) are respondents'
        // answers, as a wide export's are: `Q01` and `I04` were taken as
        // interviewers there too.
        let role = cell(role_i).or_else(|| {
            long_question
                .and_then(|_| cell(speaker_i))
                .and_then(|id| respondent_role(&id))
        });
        rows.push(Row {
            doc: cell(doc_i),
            speaker: cell(speaker_i),
            role,
            question: cell(question_i),
            text: text_i.and_then(|i| record.get(i)).unwrap_or("").to_string(),
            start_ms,
            end_ms,
            attributes,
        });
    }
    if let (0, Some(i)) = (
        responses,
        qualtrics_status.filter(|_| !non_responses.is_empty()),
    ) {
        return Err(IngestError::BadCsv {
            file: file.path.into(),
            location: format!("column `{}`", headers[i].trim()),
            message: format!(
                "every response is a Qualtrics {}: previews, test responses and spam are no respondents' and are left out, which leaves nothing to read; export the survey's recorded responses",
                non_responses
                    .iter()
                    .map(|(status, n)| format!("`{status}` ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if whole_number_times && in_milliseconds(&mut durations_ms) {
        for row in &mut rows {
            row.start_ms = row.start_ms.map(|t| t / 1000);
            row.end_ms = row.end_ms.map(|t| t / 1000);
        }
    }
    if let ([(q, header)], [given], Some(speaker)) = (&question_cols[..], &answers[..], speaker_i) {
        long_export_without_text_column(file, &headers, *q, header, speaker, given)?;
    }
    if long_question.is_some() {
        by_question(&mut rows);
    }
    rows.extend(answers.into_iter().flatten());
    Ok(TableRows {
        rows,
        left_out_responses: non_responses,
    })
}

/// A long export's rows question by question (in the order each question
/// first comes), then as the file has them, as a wide export's are: the
/// same answers make the same document whichever way the file is sorted.
/// Sorted by respondent, each answer came after a question turn of its own
/// (hundreds of repeated questions), and coding the same answers gave
/// other counts than the same file sorted by question.
/// Only a survey's: where a speaker answers a question once (in each
/// document), not a transcript table's topic column, under which one
/// speaker takes many turns in the file's order, nor a diary's question
/// answered day after day.
fn by_question(rows: &mut [Row]) {
    let mut pairs: std::collections::HashSet<(&Option<String>, &Option<String>, &Option<String>)> =
        std::collections::HashSet::new();
    let repeated = rows
        .iter()
        .filter(|r| !pairs.insert((&r.doc, &r.speaker, &r.question)))
        .count();
    if repeated * 20 > rows.len() {
        return;
    }
    let mut first: HashMap<Option<String>, usize> = HashMap::new();
    for r in rows.iter() {
        let n = first.len();
        first.entry(r.question.clone()).or_insert(n);
    }
    rows.sort_by_key(|r| first[&r.question]);
}

/// A long export (respondent, item, answer: one row per answer) read with
/// its item column as `--question-column` and no `--text-column` reads as a
/// wide export of one question whose "answers" are the item labels, the
/// real answers dropped. Its signs: respondents on several rows each (a
/// wide export has one row per respondent) and few distinct values in the
/// question column, each given by several respondents. An error naming
/// the columns nothing reads; before, the ingest stored the labels and
/// said nothing.
fn long_export_without_text_column(
    file: SourceFile<'_>,
    headers: &[String],
    question: usize,
    header: &str,
    speaker: usize,
    given: &[Row],
) -> Result<()> {
    let filled: Vec<&Row> = given.iter().filter(|r| !r.text.trim().is_empty()).collect();
    let speakers: std::collections::BTreeSet<&str> =
        filled.iter().filter_map(|r| r.speaker.as_deref()).collect();
    let mut values: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for r in &filled {
        values
            .entry(r.text.trim())
            .or_default()
            .insert(r.speaker.as_deref().unwrap_or(""));
    }
    let n = filled.len();
    let repeated_respondents = n >= 4 && speakers.len() * 3 <= n * 2;
    let few_values = values.len() * 2 <= n && values.values().all(|who| who.len() >= 2);
    if !(repeated_respondents && few_values) {
        return Ok(());
    }
    let unread: Vec<String> = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| *i != question && *i != speaker && !h.trim().is_empty())
        .map(|(_, h)| format!("`{h}`"))
        .collect();
    let shown: Vec<String> = values.keys().take(3).map(|v| format!("`{v}`")).collect();
    Err(IngestError::BadTable {
        file: file.path.into(),
        location: format!("column `{header}`"),
        message: format!(
            "each respondent has several rows and this question column repeats {} values ({}{}) across them: \
             a long export (one row per answer) whose item column this is; name the answers' column with \
             --text-column (columns not read: {})",
            values.len(),
            shown.join(", "),
            if values.len() > 3 { ", …" } else { "" },
            if unread.is_empty() { "none".to_string() } else { unread.join(", ") }
        ),
    })
}

/// The header rows survey tools write below a wide export's column names,
/// as (rows to skip, the row holding each question's text): Qualtrics
/// writes the question texts, then a row of `{"ImportId":…}` cells (its
/// column names are ids such as `Q4`); SurveyMonkey a row naming each
/// column's kind of answer (`Open-Ended Response`) under the question
/// texts it uses as column names. (0, None) for any other sheet.
/// Whether a row is Qualtrics' `{"ImportId":…}` row, below its column
/// names: no respondent's answers.
pub fn is_import_id_row<'a>(mut cells: impl Iterator<Item = &'a str>) -> bool {
    cells.any(|c| c.trim_start().starts_with("{\"ImportId\""))
}

/// Whether a cell is its column's name written as a label (`Response ID`
/// under `ResponseId`): the letters and digits alike, case aside. On a
/// respondent column, the mark of a survey tool's row of question texts.
pub fn is_column_label(cell: &str, header: &str) -> bool {
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    !letters(cell).is_empty() && letters(cell) == letters(header)
}

fn survey_header_rows(
    headers: &[String],
    head: &[&csv::StringRecord],
    question_cols: &[(usize, &str)],
    speaker_i: Option<usize>,
    speaker_header: Option<&str>,
) -> (usize, Option<usize>) {
    let import_ids = |r: Option<&&csv::StringRecord>| r.is_some_and(|r| is_import_id_row(r.iter()));
    if import_ids(head.get(1)) {
        return (2, Some(0));
    }
    // The same export with one of its two extra rows deleted (an older
    // Qualtrics export, or a tidy-up in Excel): the ImportId row alone, or
    // the question texts alone, whose respondent cell is its column's
    // label (`Response ID` under `ResponseId`).
    if import_ids(head.first()) {
        return (1, None);
    }
    // Or two of its columns' cells are their labels written apart
    // (`Start Date` under `StartDate`, `Response ID` under `ResponseId`),
    // whichever column names the respondent (`ExternalReference`, labelled
    // `External Data Reference`) or none: no respondent writes two headers
    // back spelt another way (a consent box's "I agree" under "I agree" is
    // an answer).
    let labels_row = head.first().is_some_and(|r| {
        let speaker_labelled = match (speaker_i.and_then(|i| r.get(i)), speaker_header) {
            (Some(cell), Some(header)) => {
                is_column_label(cell, header) || names_an_id_column(cell, header)
            }
            _ => false,
        };
        speaker_labelled
            || r.iter()
                .zip(headers)
                .filter(|(cell, header)| {
                    cell.trim() != header.trim() && is_column_label(cell, header)
                })
                .count()
                >= 2
    });
    if labels_row {
        return (1, Some(0));
    }
    // Its respondent id column is blank on that row, and every named
    // question's cell names its kind of answer (`Open-Ended Response`); or,
    // in an export with SurveyMonkey's `Respondent ID` or `Collector ID`
    // column, some cell does (`Response`) while others hold a box's or an
    // option's label (`Idea 1`, `Yes`). A respondent who answered so has
    // an id, and a form's first respondent who chose "Other (please
    // specify)" is a respondent.
    let monkey = headers
        .iter()
        .any(|h| SURVEYMONKEY.signs.iter().any(|m| SurveyTool::heads(h, m)));
    let kind_row = head.first().is_some_and(|r| {
        speaker_i.is_none_or(|i| r.get(i).unwrap_or("").trim().is_empty())
            && !question_cols.is_empty()
            && (question_cols
                .iter()
                .all(|&(i, _)| is_answer_kind_label(r.get(i).unwrap_or("")))
                || (monkey && r.iter().any(is_answer_kind_label)))
    });
    if kind_row {
        (1, None)
    } else {
        (0, None)
    }
}

/// Whether a respondent column's cell is the label a survey tool gives
/// such a column, not an id: Qualtrics' `External Data Reference` under
/// `ExternalReference`, or its legacy export's `ResponseID` under `V1`
/// (columns `V1`…`V10`, the names on the row below). No respondent's id
/// is `ResponseID`; that row was read as one, with the question texts as
/// their answers.
fn names_an_id_column(cell: &str, header: &str) -> bool {
    let letters = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    const ID_LABELS: &[&str] = &[
        "responseid",
        "respondentid",
        "externalreference",
        "externaldatareference",
        "recordid",
        "participantid",
    ];
    let (cell, header) = (letters(cell), letters(header));
    ID_LABELS.contains(&cell.as_str())
        && (ID_LABELS.contains(&header.as_str())
            || (header.starts_with('v') && header[1..].chars().all(|c| c.is_ascii_digit())))
}

/// A SurveyMonkey header cell naming a column's kind of answer.
fn is_answer_kind_label(cell: &str) -> bool {
    ["Open-Ended Response", "Response"]
        .iter()
        .any(|k| cell.trim().eq_ignore_ascii_case(k))
}

fn jsonl_rows(file: SourceFile<'_>, text: &str, cols: &TableColumns) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut attributes_seen = AttributesSeen::default();
    // A wide export's answers, question by question (see `csv_rows`).
    let mut answers: Vec<Vec<Row>> = (0..cols.questions.len()).map(|_| Vec::new()).collect();
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
                    .find(|(k, _)| same_header(k, name))
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
                Some(Value::Number(n)) => match n.as_f64() {
                    Some(secs) => seconds_to_ms(secs, &n.to_string())
                        .map(Some)
                        .map_err(|message| bad_field(name, message)),
                    None => Err(bad_field(name, format!("`{n}` is not a time in seconds"))),
                },
                Some(Value::String(s)) => parse_time_str(s)
                    .map(Some)
                    .map_err(|message| bad_field(name, message)),
                Some(other) => Err(bad_field(
                    name,
                    format!("expected a time, found {}", json_kind(other)),
                )),
            }
        };
        let doc = string(&cols.doc, cols.doc_required)?.filter(|s| !s.trim().is_empty());
        let speaker = string(
            &cols.speaker,
            cols.speaker_required || !cols.attributes.is_empty(),
        )?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
        let attributes: BTreeMap<String, String> = cols
            .attributes
            .iter()
            .map(|a| Ok(string(a, true)?.map(|v| (a.clone(), v.trim().to_string()))))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_empty() && !is_unset_value(v))
            .collect();
        attributes_seen.check(
            doc.clone(),
            speaker
                .clone()
                .filter(|id| cols.questions.is_empty() || !is_anonymous(id)),
            &attributes,
            &format!("line {line_no}"),
            |f, m| bad_field(f, m),
        )?;
        if !cols.questions.is_empty() {
            // As a wide CSV is (`table_rows`): the keys named and no
            // others, and a respondent without an id one of their own.
            let doc = doc.filter(|_| cols.doc_required);
            let speaker = speaker
                .filter(|id| !is_anonymous(id))
                .unwrap_or_else(|| format!("{UNNAMED_RESPONDENT} {line_no}"));
            for (q, out) in cols.questions.iter().zip(answers.iter_mut()) {
                out.push(Row {
                    doc: doc.clone(),
                    speaker: Some(speaker.clone()),
                    role: None,
                    question: Some(q.clone()),
                    text: string(q, true)?.unwrap_or_default(),
                    start_ms: None,
                    end_ms: None,
                    attributes: attributes.clone(),
                });
            }
            continue;
        }
        let text = string(&cols.text, true)?.unwrap_or_default();
        let start_ms = time(&cols.start)?;
        let end_ms = time(&cols.end)?;
        check_order(start_ms, end_ms).map_err(|message| bad_field(&cols.end, message))?;
        rows.push(Row {
            doc,
            speaker,
            role: string("role", false)?.filter(|s| !s.trim().is_empty()),
            question: string("question", false)?
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            text,
            start_ms,
            end_ms,
            attributes,
        });
    }
    rows.extend(answers.into_iter().flatten());
    Ok(rows)
}

/// How [`table_rows`] reads an attribute column.
enum AttributeReading {
    /// The cell, its Other as `Other: <typed>` from the other box beside
    /// the choice ([`with_typed_other`]), whose choice's label Qualtrics'
    /// row of texts may give.
    Choice {
        other: Option<usize>,
        label: Option<String>,
    },
    /// A "select all that apply": the options ticked, `; `-joined.
    Ticked {
        options: Vec<usize>,
        typed: Option<usize>,
    },
    /// A matrix's rows, a "multiple textboxes" question's boxes: one
    /// attribute per column, `<question> [<row>]`.
    Rows(Vec<(usize, String)>),
}

/// A choice's cell with what the respondent typed in its other box: the
/// choice the box belongs to (`label`, from Qualtrics' row of texts; else
/// one that reads as Other, [`is_other_choice`]) becomes `Other: <typed>`
/// (`<label>: <typed>` for a box of another choice, `Prefer to
/// self-describe`), in a single choice's cell or in a multiple answer's,
/// whose choices Qualtrics joins with `,` (`Email,Other`, `Email,Other:
/// WhatsApp group`). A cell without that choice is kept as it is: the
/// typed text is of a choice the respondent did not keep. Before, only a
/// whole cell `Other` or `Other (…` took the box, and the typed text of a
/// multiple answer, or of a choice labelled `Other, please specify`, was
/// lost from every crosstab (h11/01).
fn with_typed_other(chosen: &str, label: Option<&str>, typed: &str) -> String {
    let typed_as = |label: &str| {
        if is_other_choice(label) {
            format!("Other: {typed}")
        } else {
            format!("{label}: {typed}")
        }
    };
    // The label as a whole choice of the cell, `,` or its ends around it.
    if let Some(label) = label {
        let mut at = 0;
        while let Some(found) = chosen[at..].find(label).map(|k| at + k) {
            let end = found + label.len();
            if (found == 0 || chosen[..found].ends_with(','))
                && (end == chosen.len() || chosen[end..].starts_with(','))
            {
                return format!("{}{}{}", &chosen[..found], typed_as(label), &chosen[end..]);
            }
            at = found + label.chars().next().map_or(1, char::len_utf8);
        }
    }
    // Without the label: the choices split where Qualtrics joins them, at
    // a `,` without a space after it (a label's own comma has one: `Other,
    // please specify`), and the first that reads as Other (a single
    // choice's cell is one).
    let mut choices: Vec<&str> = Vec::new();
    let mut start = 0;
    for (k, _) in chosen.match_indices(',') {
        if !chosen[k + 1..].starts_with(char::is_whitespace) {
            choices.push(&chosen[start..k]);
            start = k + 1;
        }
    }
    choices.push(&chosen[start..]);
    let Some(other) = choices.iter().position(|c| is_other_choice(c)) else {
        return chosen.to_string();
    };
    let typed_other = format!("Other: {typed}");
    choices[other] = &typed_other;
    choices.join(",")
}

/// Whether `s` is an Other choice's label in brackets, as LimeSurvey
/// heads a list question's Other box after the question: `[other]` after
/// its code, `[Other]` (or the survey's own label, `[Other (please
/// specify)]`) after its text.
fn is_bracketed_other(s: &str) -> bool {
    s.strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .is_some_and(is_other_choice)
}

/// Whether `header` is LimeSurvey's "Question code & question text"
/// heading of the Other box of the choice headed `choice`: `ROLE[other].
/// What is your role? [Other]` beside `ROLE. What is your role?` (the code,
/// `[other]`, the separator and text the choice has, the label in
/// brackets).
fn is_limesurvey_code_text_other(header: &str, choice: &str) -> bool {
    let Some(at) = header.to_ascii_lowercase().find("[other]") else {
        return false;
    };
    let (code, tail) = (&header[..at], &header[at + "[other]".len()..]);
    let Some(separator_and_text) = choice.strip_prefix(code).filter(|t| !t.is_empty()) else {
        return false;
    };
    !code.trim().is_empty()
        && tail.rfind('[').is_some_and(|b| {
            is_bracketed_other(&tail[b..]) && tail[..b].trim_end() == separator_and_text
        })
}

/// Whether `header` is Alchemer's box for a typed Other of the choice
/// headed `choice`: `Other - Write In:<choice>` (`Other - Write In
/// (Required):…` where an answer is required), or a bare `Other - Write
/// In` where it stands right beside the choice (`beside`).
fn is_alchemer_write_in(header: &str, choice: &str, beside: bool) -> bool {
    let write_in = |label: &str| label.trim().to_lowercase().starts_with("other - write in");
    match header.split_once(':') {
        Some((label, question)) => write_in(label) && question.trim() == choice,
        None => beside && write_in(header),
    }
}

/// Whether a choice's label is the Other of a choice question: `Other`,
/// `Others`, or either before a note (`Other (please specify)`, `Other,
/// please specify`, `Other - please specify`, `Other:`, `Other please
/// specify`), and LimeSurvey's `-oth-`; not a choice of other things
/// (`Other family members`).
fn is_other_choice(label: &str) -> bool {
    let label = label.trim().to_lowercase();
    if label == "-oth-" {
        return true;
    }
    let Some(rest) = label
        .strip_prefix("others")
        .or_else(|| label.strip_prefix("other"))
    else {
        return false;
    };
    let rest = rest.trim_start();
    rest.is_empty()
        || rest.starts_with(|c: char| !c.is_alphanumeric())
        || rest.starts_with("please")
        || rest.starts_with("specify")
}

/// The kinds of response in Qualtrics' `Status` column ("Response Type")
/// that no respondent gave, as its exports write them: the choice text, or
/// its number where the export has numeric values (0 is `IP Address`, an
/// ordinary response; 4 `Imported`, 16 `Offline`; both kept).
const QUALTRICS_NON_RESPONSES: &[(&str, &str)] = &[
    ("Survey Preview", "1"),
    ("Survey Test", "2"),
    ("Spam", "8"),
    ("Survey Preview Spam", "9"),
    ("Imported Spam", "12"),
    ("Offline Survey Preview", "17"),
    ("EX Spam", "40"),
];

/// The kind of non-response a Qualtrics `Status` cell names
/// ([`QUALTRICS_NON_RESPONSES`]), by its text.
fn qualtrics_non_response(status: &str) -> Option<&'static str> {
    let status = status.trim();
    QUALTRICS_NON_RESPONSES
        .iter()
        .find(|(text, code)| SurveyTool::heads(status, text) || status == *code)
        .map(|(text, _)| *text)
}

/// Microsoft Forms writes `anonymous` in the e-mail and name columns of an
/// anonymous form's every response: in a wide export, no id.
fn is_anonymous(id: &str) -> bool {
    id.eq_ignore_ascii_case("anonymous")
}

/// Each speaker's attributes as first given, to refuse a later row that
/// gives another value (a respondent is one person, with one age band).
#[derive(Default)]
struct AttributesSeen {
    /// (document, speaker) → attribute → (value, where it was given).
    given: HashMap<(Option<String>, String), BTreeMap<String, GivenAt>>,
}

/// An attribute's value and the row (or line) that gave it.
type GivenAt = (String, String);

impl AttributesSeen {
    fn check(
        &mut self,
        doc: Option<String>,
        speaker: Option<String>,
        attributes: &BTreeMap<String, String>,
        location: &str,
        bad_field: impl Fn(&str, String) -> IngestError,
    ) -> Result<()> {
        let Some(speaker) = speaker else {
            return Ok(());
        };
        let given = self.given.entry((doc, speaker.clone())).or_default();
        for (key, value) in attributes {
            match given.get(key) {
                Some((first, at)) if first != value => {
                    return Err(bad_field(
                        key,
                        format!("`{value}` for speaker `{speaker}`, who has `{first}` in {at}"),
                    ))
                }
                Some(_) => {}
                None => {
                    given.insert(key.clone(), (value.clone(), location.to_string()));
                }
            }
        }
        Ok(())
    }
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

/// A time cell: seconds (`12.5`) or a clock (`00:01:02.5`), in milliseconds;
/// on error the message for the field.
/// Whether a table's whole-number times (read as seconds, `durations_ms`
/// their rows' end minus start) are milliseconds: OpenAI Whisper's and
/// WhisperX's `--output_format tsv` (`start`, `end`, `text`) write whole
/// milliseconds, and every time was stored 1000 times too late (an answer
/// at 0:00:17 at 4:56:40). An utterance lasts seconds: a median of 250
/// "seconds" or more is milliseconds.
fn in_milliseconds(durations_ms: &mut [u64]) -> bool {
    if durations_ms.is_empty() {
        return false;
    }
    durations_ms.sort_unstable();
    durations_ms[durations_ms.len() / 2] >= 250_000
}

fn parse_time_str(s: &str) -> std::result::Result<u64, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return seconds_to_ms(secs, s);
    }
    parse_clock(s).ok_or_else(|| format!("`{s}` is not a time (seconds or hh:mm:ss)"))
}

/// Seconds as milliseconds, refusing what no recording has: NaN and
/// infinities, negative times, and times beyond [`MAX_TIME_MS`].
fn seconds_to_ms(secs: f64, shown: &str) -> std::result::Result<u64, String> {
    if !secs.is_finite() {
        return Err(format!("`{shown}` is not a time (seconds or hh:mm:ss)"));
    }
    if secs < 0.0 {
        return Err(format!(
            "`{shown}` is negative; times count from the start of the recording"
        ));
    }
    let ms = (secs * 1000.0).round();
    if ms > MAX_TIME_MS as f64 {
        return Err(format!(
            "`{shown}` is out of range (at most {} seconds)",
            MAX_TIME_MS / 1000
        ));
    }
    Ok(ms as u64)
}

/// A row's end may not come before its start (as in WebVTT/SRT cues).
fn check_order(start_ms: Option<u64>, end_ms: Option<u64>) -> std::result::Result<(), String> {
    match (start_ms, end_ms) {
        (Some(start), Some(end)) if end < start => Err(format!(
            "ends at {} s, before its start at {} s",
            seconds(end),
            seconds(start)
        )),
        _ => Ok(()),
    }
}

fn seconds(ms: u64) -> String {
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The line (1-based) where a quoted field opens that the file never closes,
/// following the `csv` crate's quoting (RFC 4180: a `"` opens a quoted field
/// only as a field's first byte; `""` inside is a literal quote). The crate
/// itself reads such a field to the end of the file, which silently merged
/// every row below into one utterance. A quoted field that spans lines and
/// is closed is fine.
fn unterminated_quote_line(text: &str, delimiter: u8) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut line = 1;
    let mut opened_at = 0;
    for &b in text.as_bytes() {
        let ends_field = b == delimiter || b == b'\n' || b == b'\r';
        state = match (state, b) {
            (State::FieldStart, b'"') => {
                opened_at = line;
                State::Quoted
            }
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, _) if ends_field => State::FieldStart,
            (_, _) => State::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (state == State::Quoted).then_some(opened_at)
}

/// The speaker of the turn a row's `question` becomes: a label
/// `ingest` reads as a moderator's, as in the long form of a survey
/// (docs/corpus.md).
pub const QUESTION_SPEAKER: &str = "Q";

/// The label of a wide export's respondent whose row gives no id, with
/// the row's number among the answers' rows: `Respondent 12`, a generic
/// label, so a participant of its document alone
/// ([`crate::resolve`], rule 4).
pub const UNNAMED_RESPONDENT: &str = "Respondent";

/// The role of a wide export's respondent whose id reads as another kind
/// of label: a row of a wide export is a respondent, and its id cell is
/// their id in every export, whatever it looks like. Questionnaire numbers
/// and interview codes (`Q01`, `I04`, `INT06`) were read as interviewers'
/// labels and their answers neither coded nor counted; `Participant 1`
/// was a person of one export alone (two waves, twice the respondents).
/// Given only to such ids, so that other exports' turns stay as they were.
pub const RESPONDENT_ROLE: &str = "respondent";

/// [`RESPONDENT_ROLE`] for a wide export's respondent id that the
/// resolver would not keep as written: one it would not read as a name,
/// and one a transcript's rule would read again by its document (a
/// couple's `R1:`/`R2:`, a focus group's `F1`, Krueger's `M`/`AM`). Before,
/// a panel's `R1`–`R4` in two waves were each wave's own people (hv/01).
fn respondent_role(id: &str) -> Option<String> {
    (!crate::resolve::resolves_as_written(id)).then(|| RESPONDENT_ROLE.to_string())
}

/// The rows as documents, one turn per row. A row with a `question`
/// different from the last one asked in its document gets that question as
/// a turn of its own before it, by [`QUESTION_SPEAKER`] in the role of
/// interviewer: a survey's answers are read with their question as an
/// interview's are (docs/classify.md, "The question a turn answers").
/// Whether a column's header is the name a flag gives: case aside, and
/// white space too, one space or a line break alike (Microsoft Forms breaks
/// a long question's header over lines; typed on the command line it is
/// one line).
fn same_header(header: &str, name: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    header.eq_ignore_ascii_case(name) || words(header) == words(name)
}

/// A cell with nothing to read: white space, or only the invisible
/// characters a pasted answer keeps (zero-width space and joiners, a
/// byte-order mark, a word joiner), which `trim` leaves. Before, such a
/// cell was an answer, and its author a participant.
fn is_blank(cell: &str) -> bool {
    cell.chars().all(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
            )
    })
}

pub(super) fn group(file_name: &str, table: TableRows) -> Vec<RawDocument> {
    let TableRows {
        rows,
        left_out_responses,
    } = table;
    let mut docs: Vec<RawDocument> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Per document, the last question asked.
    let mut asked: HashMap<usize, String> = HashMap::new();
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
                speaker_attributes: BTreeMap::new(),
                left_out_responses: BTreeMap::new(),
            });
            docs.len() - 1
        });
        let doc = &mut docs[at];
        if let Some(speaker) = row.speaker.as_ref().filter(|_| !row.attributes.is_empty()) {
            doc.speaker_attributes
                .entry(speaker.clone())
                .or_default()
                .extend(row.attributes);
        }
        let body = row.text.trim();
        if is_blank(body) {
            continue;
        }
        if let Some(q) = row.question.filter(|q| asked.get(&at) != Some(q)) {
            if !doc.text.is_empty() {
                doc.text.push('\n');
            }
            let start = doc.text.len();
            doc.text.push_str(&q);
            doc.turns.push(RawTurn {
                speaker: Some(QUESTION_SPEAKER.into()),
                role: Some("interviewer".into()),
                start,
                end: doc.text.len(),
                start_ms: None,
                end_ms: None,
            });
            asked.insert(at, q);
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
    if let Some(first) = docs.first_mut() {
        first.left_out_responses = left_out_responses;
    }
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

    /// One open question read row by row (`--text-column`): the survey
    /// tool's header rows are no answers, as in the wide form.
    #[test]
    fn a_one_question_export_read_by_its_text_column_skips_the_tools_rows() {
        let read_one = |csv: &str, speaker: &str, text: &str| {
            let columns = TableColumns {
                speaker: speaker.into(),
                speaker_required: true,
                text: text.into(),
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            turns(&docs[0])
                .into_iter()
                .map(|(who, text, _, _)| (who.unwrap_or("").to_string(), text.to_string()))
                .collect::<Vec<_>>()
        };
        let pair = |w: &str, t: &str| (w.to_string(), t.to_string());
        let qualtrics = "ResponseId,Q6\nResponse ID,What was hardest?\n\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID6_TEXT\"\"}\"\nR_1,The wifi.\n";
        assert_eq!(
            read_one(qualtrics, "ResponseId", "Q6"),
            vec![pair("R_1", "The wifi.")]
        );
        let monkey = "Respondent ID,What was hardest?\n,Open-Ended Response\n118,The wifi.\n";
        assert_eq!(
            read_one(monkey, "Respondent ID", "What was hardest?"),
            vec![pair("118", "The wifi.")]
        );
        // A transcript table's first row is a turn.
        let talk = "Speaker,Utterance\nAnna,Hello.\nBob,Response\n";
        assert_eq!(
            read_one(talk, "Speaker", "Utterance"),
            vec![pair("Anna", "Hello."), pair("Bob", "Response")]
        );
    }

    /// A question named by its column's id and by its text is one column,
    /// refused as naming it twice would be (each answer was read twice).
    #[test]
    fn one_column_named_by_id_and_by_text_is_refused() {
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            speaker_required: true,
            questions: vec!["Q6".into(), "What was hardest?".into()],
            ..TableColumns::default()
        };
        let csv = "ResponseId,Q6\nResponse ID,What was hardest?\nR_1,The wifi.\n";
        let e = read(&CsvReader { columns }, "s.csv", csv)
            .unwrap_err()
            .to_string();
        assert!(e.contains("name the same column"), "{e}");
    }

    /// An attribute column named by its id and by its text is refused.
    #[test]
    fn one_attribute_column_named_by_id_and_by_text_is_refused() {
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            speaker_required: true,
            questions: vec!["Q6".into()],
            attributes: vec!["Q7".into(), "How satisfied are you?".into()],
            ..TableColumns::default()
        };
        let csv = "ResponseId,Q6,Q7\nResponse ID,Why?,How satisfied are you?\nR_1,Rent.,Very\n";
        let e = read(&CsvReader { columns }, "s.csv", csv)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--attribute-column \"Q7\" and --attribute-column"),
            "{e}"
        );
    }

    /// An attribute is named by its header, without the spaces around it
    /// (ingest gives one spelling to an attribute's spellings across
    /// exports, whatever the flag's).
    #[test]
    fn an_attribute_is_named_by_its_header() {
        for header in ["Age band", " Age band  "] {
            let columns = TableColumns {
                speaker: "id".into(),
                speaker_required: true,
                questions: vec!["Why?".into()],
                attributes: vec!["age band".into()],
                ..TableColumns::default()
            };
            let csv = format!("id,Why?,{header}\nR1,Rent.,18-20\n");
            let docs = read(&CsvReader { columns }, "s.csv", &csv).unwrap();
            let keys: Vec<&String> = docs[0].speaker_attributes["R1"].keys().collect();
            assert_eq!(keys, vec!["Age band"], "{header:?}");
        }
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
    fn a_rows_question_is_an_interviewers_turn_before_it_when_it_changes() {
        let csv = "doc,speaker,question,text\n\
                   s,R1,Is it lonely?,Some weeks.\n\
                   s,R2,Is it lonely?,Not at all.\n\
                   s,R3,Is it lonely?,\n\
                   s,R1,Which tools?,A shared board.\n\
                   t,R4,Which tools?,Email.\n";
        let jsonl = "{\"doc\": \"s\", \"speaker\": \"R1\", \"question\": \"Is it lonely?\", \"text\": \"Some weeks.\"}\n\
                     {\"doc\": \"s\", \"speaker\": \"R2\", \"question\": \" Is it lonely? \", \"text\": \"Not at all.\"}\n\
                     {\"doc\": \"s\", \"speaker\": \"R3\", \"question\": \"Is it lonely?\", \"text\": \"\"}\n\
                     {\"doc\": \"s\", \"speaker\": \"R1\", \"question\": \"Which tools?\", \"text\": \"A shared board.\"}\n\
                     {\"doc\": \"t\", \"speaker\": \"R4\", \"question\": \"Which tools?\", \"text\": \"Email.\"}\n";
        let columns = TableColumns::default;
        for docs in [
            read(&CsvReader { columns: columns() }, "a.csv", csv).unwrap(),
            read(&JsonlReader { columns: columns() }, "a.jsonl", jsonl).unwrap(),
        ] {
            assert_eq!(docs.len(), 2);
            assert_eq!(
                turns(&docs[0]),
                vec![
                    (Some("Q"), "Is it lonely?", None, None),
                    (Some("R1"), "Some weeks.", None, None),
                    (Some("R2"), "Not at all.", None, None),
                    (Some("Q"), "Which tools?", None, None),
                    (Some("R1"), "A shared board.", None, None),
                ]
            );
            // Each document is asked its own questions.
            assert_eq!(
                turns(&docs[1]),
                vec![
                    (Some("Q"), "Which tools?", None, None),
                    (Some("R4"), "Email.", None, None),
                ]
            );
            let roles: Vec<Option<&str>> =
                docs[0].turns.iter().map(|t| t.role.as_deref()).collect();
            assert_eq!(
                roles,
                vec![Some("interviewer"), None, None, Some("interviewer"), None]
            );
        }
    }

    #[test]
    fn a_header_broken_over_lines_is_the_question_typed_on_one() {
        let columns = CsvReader {
            columns: TableColumns {
                speaker: "id".into(),
                questions: vec!["What could we improve?".into()],
                ..TableColumns::default()
            },
        };
        let csv = "id,\"What could we\nimprove?\"\nR1,Lunch.\n";
        let docs = read(&columns, "s.csv", csv).unwrap();
        assert_eq!(turns(&docs[0])[1], (Some("R1"), "Lunch.", None, None));
    }

    #[test]
    fn a_cell_of_invisible_characters_is_no_answer() {
        let columns = CsvReader {
            columns: TableColumns {
                speaker: "id".into(),
                questions: vec!["Why?".into()],
                ..TableColumns::default()
            },
        };
        let csv = "id,Why?\nR1,Because.\nR2,\u{200B}\nR3,\u{FEFF} \u{00A0}\n";
        let docs = read(&columns, "s.csv", csv).unwrap();
        assert_eq!(
            turns(&docs[0]),
            vec![
                (Some("Q"), "Why?", None, None),
                (Some("R1"), "Because.", None, None)
            ]
        );
    }

    #[test]
    fn a_long_export_makes_one_document_whichever_way_it_is_sorted() {
        let columns = || CsvReader {
            columns: TableColumns {
                speaker: "respondent".into(),
                text: "answer".into(),
                questions: vec!["item".into()],
                ..TableColumns::default()
            },
        };
        let by_respondent =
            "respondent,item,answer\nR1,What is hard?,Lunch.\nR1,What helps?,A monitor.\n\
                             R2,What is hard?,VPN.\nR2,What helps?,Fix it.\n";
        let by_question =
            "respondent,item,answer\nR1,What is hard?,Lunch.\nR2,What is hard?,VPN.\n\
                           R1,What helps?,A monitor.\nR2,What helps?,Fix it.\n";
        let a = read(&columns(), "s.csv", by_respondent).unwrap();
        let b = read(&columns(), "s.csv", by_question).unwrap();
        assert_eq!(a, b);
        // A transcript table's topic column: one speaker speaks many times
        // under a topic, and the interviewer returns to an earlier one; the
        // file's order stands.
        let dialogue =
            "respondent,item,answer\nI,Work,How is work?\nAnna,Work,Busy.\nI,Home,And home?\n\
                        Anna,Home,Quiet.\nI,Work,Back to work: hours?\nAnna,Work,Long.\n";
        let d = read(&columns(), "d.csv", dialogue).unwrap();
        let said: Vec<&str> = turns(&d[0])
            .into_iter()
            .filter(|t| t.0 != Some("Q"))
            .map(|t| t.1)
            .collect();
        assert_eq!(
            said,
            [
                "How is work?",
                "Busy.",
                "And home?",
                "Quiet.",
                "Back to work: hours?",
                "Long."
            ]
        );
        assert_eq!(
            turns(&a[0]),
            vec![
                (Some("Q"), "What is hard?", None, None),
                (Some("R1"), "Lunch.", None, None),
                (Some("R2"), "VPN.", None, None),
                (Some("Q"), "What helps?", None, None),
                (Some("R1"), "A monitor.", None, None),
                (Some("R2"), "Fix it.", None, None),
            ]
        );
    }

    #[test]
    fn a_long_export_read_without_its_text_column_is_an_error_naming_it() {
        let columns = || CsvReader {
            columns: TableColumns {
                speaker: "respondent".into(),
                questions: vec!["item".into()],
                ..TableColumns::default()
            },
        };
        let long = "respondent,item,answer\nR1,What is hard?,Lunch.\nR1,What helps?,A monitor.\n\
                    R2,What is hard?,VPN.\nR2,What helps?,Fix it.\nR3,What is hard?,Meetings.\nR3,What helps?,Fewer.\n";
        let e = read(&columns(), "long.csv", long).unwrap_err().to_string();
        assert_eq!(
            e,
            "long.csv: column `item`: each respondent has several rows and this question column repeats 2 values \
             (`What helps?`, `What is hard?`) across them: a long export (one row per answer) whose item column \
             this is; name the answers' column with --text-column (columns not read: `answer`)"
        );
        // A wide export of one closed-looking question (one row each, many
        // alike answers), and one with a double submission, are read.
        let wide = "respondent,item\nR1,Yes.\nR2,Yes.\nR3,No.\nR4,Yes.\nR5,No.\nR5,No.\n";
        assert!(read(&columns(), "wide.csv", wide).is_ok());
    }

    #[test]
    fn a_wide_surveys_answers_come_question_by_question_after_their_question() {
        let columns = || TableColumns {
            speaker: "respondent".into(),
            questions: vec!["Is it lonely?".into(), "Which tools?".into()],
            ..TableColumns::default()
        };
        let csv = "respondent,age,Is it lonely?,Which tools?\n\
                   R1,30,Some weeks.,A shared board.\n\
                   R2,41,,Email.\n";
        let jsonl = "{\"respondent\": \"R1\", \"age\": 30, \"Is it lonely?\": \"Some weeks.\", \"Which tools?\": \"A shared board.\"}\n\
                     {\"respondent\": \"R2\", \"age\": 41, \"Is it lonely?\": null, \"Which tools?\": \"Email.\"}\n";
        for (docs, name) in [
            (
                read(&CsvReader { columns: columns() }, "s.csv", csv).unwrap(),
                "s.csv",
            ),
            (
                read(&JsonlReader { columns: columns() }, "s.jsonl", jsonl).unwrap(),
                "s.jsonl",
            ),
        ] {
            assert_eq!(docs.len(), 1);
            assert_eq!(docs[0].name, name);
            // R2 left the first question blank: no answer, no turn.
            assert_eq!(
                turns(&docs[0]),
                vec![
                    (Some("Q"), "Is it lonely?", None, None),
                    (Some("R1"), "Some weeks.", None, None),
                    (Some("Q"), "Which tools?", None, None),
                    (Some("R1"), "A shared board.", None, None),
                    (Some("R2"), "Email.", None, None),
                ]
            );
        }
        // A question column the file lacks is named, with what it has.
        let missing = TableColumns {
            questions: vec!["Why?".into()],
            ..columns()
        };
        let err = read(&CsvReader { columns: missing }, "s.csv", csv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("s.csv") && err.contains("Why?"), "{err}");
        assert!(err.contains("Which tools?"), "{err}");
    }

    #[test]
    fn survey_tools_extra_header_rows_are_questions_not_answers() {
        // (speaker, text, start, end) of each turn of a wide sheet's one document.
        type Said = Vec<(String, String, Option<u64>, Option<u64>)>;
        fn wide(csv: &str, speaker: &str, questions: &[&str]) -> Said {
            let columns = TableColumns {
                speaker: speaker.into(),
                questions: questions.iter().map(|q| q.to_string()).collect(),
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            turns(&docs[0])
                .into_iter()
                .map(|(who, text, start, end)| {
                    (who.unwrap_or("").to_string(), text.to_string(), start, end)
                })
                .collect()
        }
        // Answers of a wide sheet have no times.
        let said = |pairs: &[(&str, &str)]| -> Said {
            pairs
                .iter()
                .map(|(w, t)| (w.to_string(), t.to_string(), None, None))
                .collect()
        };
        // Qualtrics: ids as column names, the question texts below them,
        // then a row of ImportIds.
        let qualtrics = "ResponseId,Q1,Q2\n\
            Response ID,Has working from home been lonely?,Which tools do you use?\n\
            \"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1_TEXT\"\"}\",\"{\"\"ImportId\"\":\"\"QID2_TEXT\"\"}\"\n\
            R_1,Some weeks.,A shared board.\n\
            R_2,,Email.\n";
        assert_eq!(
            wide(qualtrics, "ResponseId", &["Q1", "Q2"]),
            said(&[
                ("Q", "Has working from home been lonely?"),
                ("R_1", "Some weeks."),
                ("Q", "Which tools do you use?"),
                ("R_1", "A shared board."),
                ("R_2", "Email."),
            ])
        );
        // SurveyMonkey: question texts as column names, then a row naming
        // each column's kind of answer.
        let monkey = "Respondent ID,Has it been lonely?,Anything else?\n\
            ,Open-Ended Response,Open-Ended Response\n\
            101,Nobody to talk to.,No.\n";
        assert_eq!(
            wide(
                monkey,
                "Respondent ID",
                &["Has it been lonely?", "Anything else?"]
            ),
            said(&[
                ("Q", "Has it been lonely?"),
                ("101", "Nobody to talk to."),
                ("Q", "Anything else?"),
                ("101", "No."),
            ])
        );
        // A plain sheet's first respondents are answers, whatever they say.
        let plain = "id,Why?\nP1,Open-Ended Response\nP2,Because.\n";
        assert_eq!(wide(plain, "id", &["Why?"]).len(), 3);
        // A form's first respondent, without an id, who chose "Other
        // (please specify)" or answered "Response": a respondent.
        let form = "Timestamp,What is your role?,What could we improve?\n\
            2024-03-01,Other (please specify),The rota.\n2024-03-02,Nurse,Pay.\n";
        assert_eq!(wide(form, "", &["What could we improve?"]).len(), 3);
        let form = "Timestamp,Kind?,What could we improve?\n2024-03-01,Response,The rota.\n";
        assert_eq!(wide(form, "", &["What could we improve?"]).len(), 2);
        // A question of three boxes, headed by its first column alone, and
        // its kinds row naming the boxes: the row is no respondent's, and
        // the boxes are one answer, a blank line apart. Before, "Idea 1"
        // kept the row as a respondent's answers.
        let boxes = "Respondent ID,Collector ID,Hardest part?,Three things that would help.,,\n\
            ,,Open-Ended Response,Idea 1,Idea 2,Idea 3\n\
            101,43,Short staffing.,More nurses,Better rota,\n\
            102,43,The rota.,,,Earlier rota\n";
        assert_eq!(
            wide(
                boxes,
                "Respondent ID",
                &["Hardest part?", "Three things that would help."]
            ),
            said(&[
                ("Q", "Hardest part?"),
                ("101", "Short staffing."),
                ("102", "The rota."),
                ("Q", "Three things that would help."),
                ("101", "More nurses\n\nBetter rota"),
                ("102", "Earlier rota"),
            ])
        );
    }

    #[test]
    fn a_surveymonkey_choice_read_as_an_attribute_takes_its_other_box() {
        let csv = "Respondent ID,Which department?,,What would help?\n\
            ,Response,Other (please specify),Open-Ended Response\n\
            101,Sales,,More parking.\n102,,Warehouse,A bigger canteen.\n";
        let columns = TableColumns {
            speaker: "Respondent ID".into(),
            speaker_required: true,
            questions: vec!["What would help?".into()],
            attributes: vec!["Which department?".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        let department = |who: &str| docs[0].speaker_attributes[who]["Which department?"].clone();
        assert_eq!(department("101"), "Sales");
        assert_eq!(department("102"), "Other: Warehouse");
        // LimeSurvey's `Q3[other]` beside `Q3` holding `-oth-`, Qualtrics'
        // `Q6_TEXT` beside `Q6` holding `Other`.
        for (csv, choice) in [
            ("id,Q3,Q3[other],Q1\n1,A2,,More parking.\n2,-oth-,Contractor,A canteen.\n3,-oth-,,Less noise.\n", "Q3"),
            ("ResponseId,Q6,Q6_TEXT,Q1\nR_1,Nurse,,More parking.\nR_2,Other,Contractor,A canteen.\nR_3,Other,,Less noise.\n", "Q6"),
        ] {
            let speaker = csv.split(',').next().unwrap().to_string();
            let columns = TableColumns {
                speaker,
                speaker_required: true,
                questions: vec!["Q1".into()],
                attributes: vec![choice.into()],
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            let values: Vec<&str> = docs[0]
                .speaker_attributes
                .values()
                .map(|a| a[choice].as_str())
                .collect();
            assert_eq!(values[1], "Other: Contractor", "{values:?}");
            assert_ne!(values[0], "Other: Contractor");
            assert!(values[2] == "Other", "{values:?}");
        }
    }

    /// h17/04: LimeSurvey's Other box headed by the question's full text
    /// (`What is your role? [Other]`, a space before the bracket) or by its
    /// code and text, and Alchemer's `Other - Write In` box, beside a
    /// choice read as an attribute: the value is `Other: <typed>`. A
    /// `[Other]` row of another question, or a write-in of another
    /// question, is no box of this one.
    #[test]
    fn limesurvey_text_headings_and_alchemer_write_ins_are_other_boxes() {
        for (csv, speaker, choice) in [
            (
                "Response ID,What is your role?,What is your role? [Other],Q1\n\
                 1,Nurse,,More parking.\n2,Other,Porter,A canteen.\n3,Other,,Less noise.\n",
                "Response ID",
                "What is your role?",
            ),
            (
                "Response ID,What is your role?,What is your role? [Other (please specify)],Q1\n\
                 1,Nurse,,More parking.\n2,Other (please specify),Porter,A canteen.\n3,Other (please specify),,Less noise.\n",
                "Response ID",
                "What is your role?",
            ),
            (
                "id. Response ID,ROLE. What is your role?,ROLE[other]. What is your role? [Other],Q1\n\
                 1,Nurse,,More parking.\n2,Other,Porter,A canteen.\n3,Other,,Less noise.\n",
                "id. Response ID",
                "ROLE. What is your role?",
            ),
            (
                "Response ID,What is your role?,Other - Write In:What is your role?,Q1\n\
                 1,Nurse,,More parking.\n2,Other - Write In,Porter,A canteen.\n3,Other - Write In,,Less noise.\n",
                "Response ID",
                "What is your role?",
            ),
            (
                "Response ID,What is your role?,Other - Write In,Q1\n\
                 1,Nurse,,More parking.\n2,Other - Write In,Porter,A canteen.\n3,Other - Write In,,Less noise.\n",
                "Response ID",
                "What is your role?",
            ),
        ] {
            let columns = TableColumns {
                speaker: speaker.into(),
                speaker_required: true,
                questions: vec!["Q1".into()],
                attributes: vec![choice.into()],
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            let value = |who: &str| docs[0].speaker_attributes[who][choice].clone();
            assert_eq!(value("1"), "Nurse", "{csv}");
            assert_eq!(value("2"), "Other: Porter", "{csv}");
            assert!(value("3").starts_with("Other"), "{csv}");
        }
        // Another question's box: a bare `Other - Write In` not beside the
        // choice, a write-in of another question, an `[Other]` of another.
        for csv in [
            "Response ID,What is your role?,Q1,Other - Write In\n1,Nurse,Parking.,\n2,Other,Canteen.,Porter\n",
            "Response ID,What is your role?,Other - Write In:Which site?,Q1\n1,Nurse,,Parking.\n2,Other,Porter,Canteen.\n",
            "Response ID,What is your role?,Which site? [Other],Q1\n1,Nurse,,Parking.\n2,Other,Porter,Canteen.\n",
            "Response ID,What is your role?,What is your role? [Other family members],Q1\n1,Nurse,,Parking.\n2,Other,Porter,Canteen.\n",
        ] {
            let columns = TableColumns {
                speaker: "Response ID".into(),
                speaker_required: true,
                questions: vec!["Q1".into()],
                attributes: vec!["What is your role?".into()],
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            assert_eq!(
                docs[0].speaker_attributes["2"]["What is your role?"],
                "Other",
                "{csv}"
            );
        }
    }

    /// h11/01: Qualtrics' typed other is kept where its choice is one of
    /// a multiple answer's (`Email,Other`) or labelled `Other, please
    /// specify` and the like, and a box's own choice is found by its label
    /// on the row of texts (`Prefer to self-describe`).
    #[test]
    fn a_qualtrics_choice_keeps_its_typed_other_in_a_list_and_under_any_label() {
        let csv = "ResponseId,Q1,Q1_5_TEXT,Q6,Q6_4_TEXT,Q2,Q2_3_TEXT,Q4\n\
            Response ID,What is your role? - Selected Choice,What is your role? - Other (please specify) - Text,\
            Which tools? - Selected Choice,Which tools? - Other - Text,\
            Gender - Selected Choice,\"Gender - Prefer to self-describe, if you wish - Text\",What is hardest?\n\
            \"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\"{\"\"ImportId\"\":\"\"QID1_5_TEXT\"\"}\",\
            \"{\"\"ImportId\"\":\"\"QID6\"\"}\",\"{\"\"ImportId\"\":\"\"QID6_4_TEXT\"\"}\",\"{\"\"ImportId\"\":\"\"QID2\"\"}\",\
            \"{\"\"ImportId\"\":\"\"QID2_3_TEXT\"\"}\",\"{\"\"ImportId\"\":\"\"QID4_TEXT\"\"}\"\n\
            R_1,Manager,,\"Email,Microsoft Teams\",,Woman,,Lunch.\n\
            R_2,Other (please specify),Contractor,\"Email,Other\",WhatsApp group,\"Prefer to self-describe, if you wish\",Non-binary,VPN.\n\
            R_3,\"Other, please specify\",Intern,\"Other,Microsoft Teams\",Signal,Man,,Chair.\n\
            R_4,Other - please specify,Agency,Email,,Woman,,Stopping.\n\
            R_5,Other:,Volunteer,\"Microsoft Teams,Other\",,Man,,Noise.\n\
            R_6,Manager,Leftover,Other,Zoom,Woman,,Meetings.\n";
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            speaker_required: true,
            questions: vec!["Q4".into()],
            attributes: vec!["Q1".into(), "Q6".into(), "Q2".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "q.csv", csv).unwrap();
        let value = |who: &str, q: &str| {
            docs[0].speaker_attributes[who]
                .get(q)
                .cloned()
                .unwrap_or_default()
        };
        // Single choices: the box's own label, and labels that read as
        // Other without it (R_3's differs from the row of texts).
        assert_eq!(value("R_1", "Q1"), "Manager");
        assert_eq!(value("R_2", "Q1"), "Other: Contractor");
        assert_eq!(value("R_3", "Q1"), "Other: Intern");
        assert_eq!(value("R_4", "Q1"), "Other: Agency");
        assert_eq!(value("R_5", "Q1"), "Other: Volunteer");
        // A box typed in but its choice not kept: the choice.
        assert_eq!(value("R_6", "Q1"), "Manager");
        // Multiple answers, joined by `,` as Qualtrics joins them.
        assert_eq!(value("R_1", "Q6"), "Email,Microsoft Teams");
        assert_eq!(value("R_2", "Q6"), "Email,Other: WhatsApp group");
        assert_eq!(value("R_3", "Q6"), "Other: Signal,Microsoft Teams");
        assert_eq!(value("R_4", "Q6"), "Email");
        // Ticked, nothing typed: as Qualtrics wrote it.
        assert_eq!(value("R_5", "Q6"), "Microsoft Teams,Other");
        assert_eq!(value("R_6", "Q6"), "Other: Zoom");
        // Another choice's box, its label holding a comma.
        assert_eq!(
            value("R_2", "Q2"),
            "Prefer to self-describe, if you wish: Non-binary"
        );
        assert_eq!(value("R_3", "Q2"), "Man");
    }

    /// Which labels are a choice question's Other, and the typed text put
    /// in a cell without Qualtrics' row of texts.
    #[test]
    fn other_choices_are_known_by_their_label() {
        for label in [
            "Other",
            "other",
            "Others",
            "Other (please specify)",
            "Other, please specify",
            "Other - please specify",
            "Other – please specify",
            "Other:",
            "Other please specify",
            "Other (e.g. Zoom, Meet)",
            "-oth-",
        ] {
            assert!(is_other_choice(label), "{label}");
        }
        for label in ["Other family members", "Otherwise", "Mother", "Email", ""] {
            assert!(!is_other_choice(label), "{label}");
        }
        assert_eq!(
            with_typed_other("Email,Other, please specify", None, "Signal"),
            "Email,Other: Signal"
        );
        assert_eq!(
            with_typed_other("Other, please specify,Email", None, "Signal"),
            "Other: Signal,Email"
        );
        assert_eq!(
            with_typed_other("Email,Other family members", None, "Signal"),
            "Email,Other family members"
        );
        // The label found as a whole choice only (`Other app` is not `Other`).
        assert_eq!(
            with_typed_other("Other app,Other", Some("Other"), "Signal"),
            "Other app,Other: Signal"
        );
    }

    /// hY/01: a "select all that apply" read as an attribute takes every
    /// option ticked, and its typed other.
    #[test]
    fn a_surveymonkey_multiple_choice_read_as_an_attribute_takes_every_option() {
        let csv = "Respondent ID,Which tools? (select all that apply),,,,What would help?\n\
            ,Email,Microsoft Teams,Slack,Other (please specify),Open-Ended Response\n\
            101,Email,Microsoft Teams,,,More parking.\n\
            102,,Microsoft Teams,Slack,,A bigger canteen.\n\
            103,,,,WhatsApp group,Less noise.\n\
            104,,,,,Nothing.\n";
        let columns = TableColumns {
            speaker: "Respondent ID".into(),
            speaker_required: true,
            questions: vec!["What would help?".into()],
            attributes: vec!["Which tools? (select all that apply)".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        let tools = |who: &str| {
            docs[0]
                .speaker_attributes
                .get(who)
                .and_then(|a| a.get("Which tools? (select all that apply)"))
                .cloned()
        };
        assert_eq!(tools("101").as_deref(), Some("Email; Microsoft Teams"));
        assert_eq!(tools("102").as_deref(), Some("Microsoft Teams; Slack"));
        assert_eq!(tools("103").as_deref(), Some("Other: WhatsApp group"));
        assert_eq!(tools("104"), None);
    }

    /// hv/02: a SurveyMonkey matrix read as an attribute is one attribute
    /// per row, `<question> [<row>]`, as NVivo's survey import makes them
    /// (its cells are scale points, not their column's label: joined, they
    /// said nothing of which row was which); so are a "multiple textboxes"
    /// question's boxes. One row may be named alone, by its label or as
    /// `<question> [<row>]`.
    #[test]
    fn a_surveymonkey_matrix_read_as_an_attribute_is_one_attribute_per_row() {
        let csv = "Respondent ID,What is your department?,How satisfied are you with the following?,,,Where do you live?,,What should we improve?\n\
            ,Response,Pay,Workload,Management,City,Postcode,Open-Ended Response\n\
            118001,Finance,Satisfied,Dissatisfied,Neutral,Leeds,LS1 4AP,The intranet search.\n\
            118002,Sales,Very dissatisfied,Satisfied,,York,,Pay is below market rate.\n";
        let read_with = |attributes: &[&str]| {
            let columns = TableColumns {
                speaker: "Respondent ID".into(),
                speaker_required: true,
                questions: vec!["What should we improve?".into()],
                attributes: attributes.iter().map(|a| a.to_string()).collect(),
                ..TableColumns::default()
            };
            read(&CsvReader { columns }, "sm.csv", csv)
        };
        let docs = read_with(&[
            "What is your department?",
            "How satisfied are you with the following?",
            "Where do you live?",
        ])
        .unwrap();
        let of = |who: &str| -> Vec<(&str, &str)> {
            docs[0].speaker_attributes[who]
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect()
        };
        assert_eq!(
            of("118001"),
            [
                (
                    "How satisfied are you with the following? [Management]",
                    "Neutral"
                ),
                (
                    "How satisfied are you with the following? [Pay]",
                    "Satisfied"
                ),
                (
                    "How satisfied are you with the following? [Workload]",
                    "Dissatisfied"
                ),
                ("What is your department?", "Finance"),
                ("Where do you live? [City]", "Leeds"),
                ("Where do you live? [Postcode]", "LS1 4AP"),
            ]
        );
        assert_eq!(
            of("118002"),
            [
                (
                    "How satisfied are you with the following? [Pay]",
                    "Very dissatisfied"
                ),
                (
                    "How satisfied are you with the following? [Workload]",
                    "Satisfied"
                ),
                ("What is your department?", "Sales"),
                ("Where do you live? [City]", "York"),
            ]
        );
        // One row named alone, by its label or in full.
        for name in [
            "Workload",
            "how satisfied are you with the following?  [Workload]",
        ] {
            let docs = read_with(&[name]).unwrap();
            let values: Vec<Vec<(&str, &str)>> = docs[0]
                .speaker_attributes
                .values()
                .map(|a| a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .collect();
            let key = "How satisfied are you with the following? [Workload]";
            assert_eq!(
                values,
                [[(key, "Dissatisfied")], [(key, "Satisfied")]],
                "{name}"
            );
        }
        // A row named twice over, and with its matrix: one attribute.
        let docs = read_with(&[
            "Pay",
            "How satisfied are you with the following? [Pay]",
            "How satisfied are you with the following?",
        ])
        .unwrap();
        assert_eq!(docs[0].speaker_attributes["118002"].len(), 2);
        // A name no column or row has: the error names the rows.
        let e = read_with(&["Wrkload"]).unwrap_err().to_string();
        assert!(
            e.contains("no column `Wrkload`")
                && e.contains(
                    "`How satisfied are you with the following?`, `How satisfied are you with the following? [Workload]`, `How satisfied are you with the following? [Management]`, `Where do you live?`, `Where do you live? [Postcode]`"
                ),
            "{e}"
        );
        // A label two matrices share names neither alone.
        let two = "Respondent ID,Rate your manager,,Rate your team,,What would help?\n\
            ,Support,Feedback,Support,Feedback,Open-Ended Response\n\
            1,Good,Poor,Good,Good,More staff.\n";
        let columns = TableColumns {
            speaker: "Respondent ID".into(),
            speaker_required: true,
            questions: vec!["What would help?".into()],
            attributes: vec!["Support".into()],
            ..TableColumns::default()
        };
        let e = read(&CsvReader { columns }, "two.csv", two)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`Rate your manager [Support]`, `Rate your team [Support]`"),
            "{e}"
        );
    }

    /// h11/03: Qualtrics' previews, test responses and spam (its `Status`,
    /// as text or numbers) are no respondents; another table's `Status`
    /// column is read as before.
    #[test]
    fn qualtrics_previews_tests_and_spam_are_no_respondents() {
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            speaker_required: true,
            questions: vec!["Q4".into()],
            attributes: vec!["Q1".into()],
            ..TableColumns::default()
        };
        let speakers = |csv: &str| -> Vec<String> {
            let docs = read(
                &CsvReader {
                    columns: columns.clone(),
                },
                "q.csv",
                csv,
            )
            .unwrap();
            let mut who: Vec<String> = docs[0]
                .turns
                .iter()
                .filter_map(|t| t.speaker.clone())
                .filter(|s| s != QUESTION_SPEAKER)
                .collect();
            who.dedup();
            who
        };
        let texts =
            "Status,ResponseId,Q1,Q4\nResponse Type,Response ID,Your role?,What is hardest?\n";
        let import_ids = "\"{\"\"ImportId\"\":\"\"status\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\"{\"\"ImportId\"\":\"\"QID4_TEXT\"\"}\"\n";
        let rows = "Survey Preview,R_0,Manager,\"Testing the survey, ignore this.\"\n\
            IP Address,R_1,Nurse,Lunch.\n\
            Survey Test,R_2,Nurse,Lorem ipsum.\n\
            Spam,R_3,Nurse,Buy now.\n\
            Imported,R_4,Nurse,The VPN.\n\
            Offline,R_5,Nurse,My chair.\n";
        let numeric = "1,R_0,Manager,Testing.\n0,R_1,Nurse,Lunch.\n2,R_2,Nurse,Lorem ipsum.\n\
            8,R_3,Nurse,Buy now.\n4,R_4,Nurse,The VPN.\n16,R_5,Nurse,My chair.\n17,R_6,Nurse,Offline test.\n";
        let kept = ["R_1", "R_4", "R_5"];
        // The current export (texts and ImportId rows), with either row alone.
        assert_eq!(speakers(&format!("{texts}{import_ids}{rows}")), kept);
        assert_eq!(speakers(&format!("{texts}{rows}")), kept);
        let header = texts.lines().next().unwrap();
        assert_eq!(speakers(&format!("{header}\n{import_ids}{rows}")), kept);
        assert_eq!(speakers(&format!("{texts}{import_ids}{numeric}")), kept);
        // A `Status` column of another table (no Qualtrics rows) is no
        // response type: every row is a respondent.
        assert_eq!(
            speakers(&format!("{header}\n{rows}")),
            ["R_0", "R_1", "R_2", "R_3", "R_4", "R_5"]
        );
        // An export of nothing but previews: an error naming the rule.
        let e = read(
            &CsvReader {
                columns: columns.clone(),
            },
            "q.csv",
            &format!("{texts}{import_ids}Survey Preview,R_0,Manager,Testing.\n1,R_9,Nurse,Test.\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with(
                "q.csv: column `Status`: every response is a Qualtrics `Survey Preview` (2)"
            ),
            "{e}"
        );
    }

    /// h11/03: the responses a Qualtrics `Status` leaves out are counted,
    /// by status, on the file's first document (once, however many
    /// documents a `doc` column makes), for ingest to say; a file without
    /// them, or a `Status` of another table, counts none.
    #[test]
    fn the_responses_a_qualtrics_status_leaves_out_are_counted_once_per_file() {
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            speaker_required: true,
            questions: vec!["Q4".into()],
            ..TableColumns::default()
        };
        let left_out = |columns: &TableColumns, csv: &str| -> Vec<BTreeMap<String, usize>> {
            read(
                &CsvReader {
                    columns: columns.clone(),
                },
                "q.csv",
                csv,
            )
            .unwrap()
            .into_iter()
            .map(|d| d.left_out_responses)
            .collect()
        };
        let texts = "Status,ResponseId,doc,Q4\nResponse Type,Response ID,Site,What is hardest?\n";
        let rows = "Survey Preview,R_0,North,\"Testing the survey, ignore this.\"\n\
            IP Address,R_1,North,Lunch.\n\
            Spam,R_2,South,Buy now.\n\
            IP Address,R_3,South,The VPN.\n\
            Survey Preview,R_4,South,test test\n";
        let counted = BTreeMap::from([("Spam".to_string(), 1), ("Survey Preview".to_string(), 2)]);
        // Two documents (a `doc` column): the first holds the count.
        let by_site = TableColumns {
            doc_required: true,
            ..columns.clone()
        };
        assert_eq!(
            left_out(&by_site, &format!("{texts}{rows}")),
            [counted.clone(), BTreeMap::new()]
        );
        // One document (a wide export's `doc` column not named): it does.
        assert_eq!(left_out(&columns, &format!("{texts}{rows}")), [counted]);
        // Nothing left out: nothing counted; nor under another table's `Status`.
        assert_eq!(
            left_out(&columns, &format!("{texts}IP Address,R_1,North,Lunch.\n")),
            [BTreeMap::new()]
        );
        let header = texts.lines().next().unwrap();
        assert_eq!(
            left_out(&columns, &format!("{header}\n{rows}")),
            [BTreeMap::new()]
        );
    }

    #[test]
    fn a_qualtrics_export_with_one_of_its_extra_rows_deleted_has_no_header_answers() {
        let read_q = |csv: &str| {
            let columns = TableColumns {
                speaker: "ResponseId".into(),
                speaker_required: true,
                questions: vec!["Q1".into()],
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            turns(&docs[0])
                .into_iter()
                .map(|(who, text, _, _)| (who.unwrap_or("").to_string(), text.to_string()))
                .collect::<Vec<_>>()
        };
        let pair = |w: &str, t: &str| (w.to_string(), t.to_string());
        // The question texts kept, the ImportId row deleted: the texts row's
        // respondent cell is its column's label.
        let texts_only = "ResponseId,Q1\nResponse ID,Has it been lonely?\nR_1,Some weeks.\n";
        assert_eq!(
            read_q(texts_only),
            vec![pair("Q", "Has it been lonely?"), pair("R_1", "Some weeks.")]
        );
        // The ImportId row kept, the texts deleted.
        let ids_only = "ResponseId,Q1\n\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1_TEXT\"\"}\"\nR_1,Some weeks.\n";
        assert_eq!(
            read_q(ids_only),
            vec![pair("Q", "Q1"), pair("R_1", "Some weeks.")]
        );
        // The texts kept, read by another respondent column (labelled
        // `External Data Reference`) or none: two other columns' cells are
        // their labels. Before, the texts were a respondent's answers.
        let csv = "StartDate,ResponseId,ExternalReference,Q1\n\
                   Start Date,Response ID,External Data Reference,Has it been lonely?\n\
                   2024-03-01,R_1,EMP001,Some weeks.\n";
        // A consent box whose answer is its header, and a form of
        // questions whose first answers repeat them: answers.
        let consent = "Email,I agree,Why?\nann@x.org,I agree,Why not.\n";
        let columns = TableColumns {
            speaker: "Email".into(),
            questions: vec!["Why?".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", consent).unwrap();
        let got: Vec<&str> = turns(&docs[0]).into_iter().map(|t| t.1).collect();
        assert_eq!(got, vec!["Why?", "Why not."]);
        for speaker in ["ExternalReference", ""] {
            let columns = TableColumns {
                speaker: speaker.into(),
                questions: vec!["Q1".into()],
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            let got: Vec<&str> = turns(&docs[0]).into_iter().map(|t| t.1).collect();
            assert_eq!(
                got,
                vec!["Has it been lonely?", "Some weeks."],
                "{speaker:?}"
            );
        }
        // Its ImportId row deleted, read by `ExternalReference` alone (its
        // label `External Data Reference`), and Qualtrics' legacy export
        // (columns `V1`…, the names below them): before, the names row was
        // a respondent `ResponseID` whose answers were the question texts.
        for (csv, speaker) in [
            (
                "ExternalReference,Q1\nExternal Data Reference,Has it been lonely?\nEMP001,Some weeks.\n",
                "ExternalReference",
            ),
            (
                "V1,V2,Q1\nResponseID,ResponseSet,Has it been lonely?\nR_1,Default Response Set,Some weeks.\n",
                "V1",
            ),
        ] {
            let columns = TableColumns {
                speaker: speaker.into(),
                speaker_required: true,
                questions: vec!["Q1".into()],
                ..TableColumns::default()
            };
            let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
            let got: Vec<(Option<&str>, &str)> =
                turns(&docs[0]).into_iter().map(|t| (t.0, t.1)).collect();
            assert_eq!(
                got,
                vec![(Some("Q"), "Has it been lonely?"), (got[1].0, "Some weeks.")],
                "{speaker}"
            );
            assert_ne!(got[1].0, Some("ResponseID"));
        }
    }

    #[test]
    fn a_wide_export_reads_the_columns_named_and_no_others() {
        // A closed question headed `role` and Kobo's `start`/`end` times are
        // no transcript's role and times, a closed `doc` no document.
        let csv = "start,end,doc,role,id,Why?,Anything else?\n\
            2024-03-05T09:00:00.000+00:00,later,yes,Facilitator,a1,Too quiet.,Please explain your answer.\n\
            2024-03-05T10:00:00.000+00:00,later,no,Interviewer,,Long days.,\n\
            ,,no,Interviewer,a3,,No.\n\
            ,,no,Interviewer,Anonymous,Nothing to add.,\n";
        let columns = TableColumns {
            speaker: "id".into(),
            speaker_required: true,
            questions: vec!["Why?".into(), "Anything else?".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        assert_eq!(docs.len(), 1, "one document, not one per `doc` value");
        let who: Vec<(Option<&str>, Option<&str>)> = docs[0]
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), t.role.as_deref()))
            .collect();
        // The second row has no id: a respondent of its own, by its row.
        // `a1` and `a3` are respondents in every export, not a transcript's
        // numbered letters read again by their document.
        assert_eq!(
            who,
            vec![
                (Some("Q"), Some("interviewer")),
                (Some("a1"), Some(RESPONDENT_ROLE)),
                (Some("Respondent 2"), None),
                (Some("Respondent 4"), None),
                (Some("Q"), Some("interviewer")),
                (Some("a1"), Some(RESPONDENT_ROLE)),
                (Some("a3"), Some(RESPONDENT_ROLE)),
            ]
        );
        // No respondent column at all: each row is a respondent.
        let columns = TableColumns {
            questions: vec!["Why?".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        let speakers: Vec<&str> = docs[0]
            .turns
            .iter()
            .filter_map(|t| t.speaker.as_deref())
            .collect();
        assert_eq!(
            speakers,
            vec!["Q", "Respondent 1", "Respondent 2", "Respondent 4"]
        );
    }

    /// hY/02: Microsoft Forms' `ID` numbers a form's responses; read as
    /// the respondent column, each is that form's `Respondent <ID>`. An
    /// `ID` column of another export is an id, as before.
    #[test]
    fn microsoft_forms_response_numbers_are_no_ids() {
        let csv = "ID,Start time,Completion time,Email,Name,Why?\n\
            1,3/4/25 9:00,3/4/25 9:05,anonymous,,The rota is late.\n\
            2,3/4/25 9:10,3/4/25 9:12,anonymous,,Short staffing.\n";
        let columns = TableColumns {
            speaker: "ID".into(),
            speaker_required: true,
            questions: vec!["Why?".into()],
            ..TableColumns::default()
        };
        let read_as = |name: &str, csv: &str| {
            read(
                &CsvReader {
                    columns: columns.clone(),
                },
                name,
                csv,
            )
            .unwrap()
        };
        let respondents = |docs: &[RawDocument]| -> Vec<String> {
            turns(&docs[0])
                .into_iter()
                .filter_map(|(w, _, _, _)| w.map(str::to_string))
                .filter(|w| w != "Q")
                .collect()
        };
        let docs = read_as("staff.csv", csv);
        assert_eq!(respondents(&docs), ["Respondent 1", "Respondent 2"]);
        // The form's own respondents: no respondent role (which makes an
        // id one person in every export), a participant of this document.
        assert!(docs[0]
            .turns
            .iter()
            .filter(|t| t
                .speaker
                .as_deref()
                .is_some_and(|w| w.starts_with("Respondent")))
            .all(|t| t.role.is_none()));
        let plain = "ID,Why?\n1,The rota is late.\n2,Short staffing.\n";
        assert_eq!(respondents(&read_as("ids.csv", plain)), ["1", "2"]);
    }

    /// An anonymous Microsoft Forms export: `anonymous` in every row's
    /// e-mail column is no id, so two rows' departments do not conflict.
    /// Before, the attribute check ran before that rule and refused the
    /// file ("`Nursing` for speaker `anonymous`, who has `Pharmacy`").
    #[test]
    fn anonymous_respondents_each_keep_their_own_attributes() {
        let csv = "ID,Email,Department,Why?\n1,anonymous,Pharmacy,The rota is late.\n\
                   2,anonymous,Nursing,Short staffing.\n3,ann@x.org,Nursing,Hoists.\n\
                   4,ann@x.org,Pharmacy,Nothing.\n";
        let columns = TableColumns {
            speaker: "Email".into(),
            questions: vec!["Why?".into()],
            attributes: vec!["Department".into()],
            ..TableColumns::default()
        };
        let err = read(
            &CsvReader {
                columns: columns.clone(),
            },
            "f.csv",
            csv,
        )
        .unwrap_err();
        // A named respondent is still one person with one department.
        assert!(
            err.to_string()
                .contains("`Pharmacy` for speaker `ann@x.org`, who has `Nursing`"),
            "{err}"
        );
        let csv = csv.replace("4,ann@x.org,Pharmacy", "4,ann@x.org,Nursing");
        let docs = read(&CsvReader { columns }, "f.csv", &csv).unwrap();
        let speakers: Vec<&str> = docs[0]
            .turns
            .iter()
            .filter_map(|t| t.speaker.as_deref())
            .collect();
        assert_eq!(
            speakers,
            vec![
                "Q",
                "Respondent 1",
                "Respondent 2",
                "ann@x.org",
                "ann@x.org"
            ]
        );
        assert_eq!(
            docs[0].speaker_attributes["Respondent 2"]["Department"],
            "Nursing"
        );
    }

    /// Google Forms exports no respondent id: a wide export's rows are its
    /// respondents, each with its own attributes (before, the attribute
    /// column was refused, naming a `speaker` column nobody typed).
    /// Qualtrics names its columns by id, the question texts on the row
    /// below: an attribute column may be named by its text, as a question
    /// column may, and is labelled as named.
    #[test]
    fn a_qualtrics_attribute_column_may_be_named_by_its_question_text() {
        let csv = "ResponseId,Q4,Q1\n\
                   Response ID,What is your age group?,What is the biggest problem?\n\
                   {\"ImportId\":\"_recordId\"},{\"ImportId\":\"QID4\"},{\"ImportId\":\"QID1\"}\n\
                   R_1,18-24,Late buses.\nR_2,25-34,Fares.\n";
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            questions: vec!["What is the biggest problem?".into()],
            attributes: vec!["What is your age group?".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "f.csv", csv).unwrap();
        assert_eq!(
            docs[0].speaker_attributes["R_2"]["What is your age group?"],
            "25-34"
        );
        // By its id, as before.
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            questions: vec!["Q1".into()],
            attributes: vec!["Q4".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "f.csv", csv).unwrap();
        assert_eq!(docs[0].speaker_attributes["R_1"]["Q4"], "18-24");
        // Neither: the error names the columns the file has.
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            questions: vec!["Q1".into()],
            attributes: vec!["Your age?".into()],
            ..TableColumns::default()
        };
        let err = read(&CsvReader { columns }, "f.csv", csv).unwrap_err();
        assert!(err.to_string().contains("Your age?"), "{err}");
    }

    #[test]
    fn a_wide_export_without_an_id_column_gives_each_row_its_attributes() {
        let csv =
            "Timestamp,Age group,Why?\n2025-03-01,18-24,Late buses.\n2025-03-01,25-34,Fares.\n";
        let columns = TableColumns {
            questions: vec!["Why?".into()],
            attributes: vec!["Age group".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "f.csv", csv).unwrap();
        assert_eq!(
            docs[0].speaker_attributes["Respondent 1"]["Age group"],
            "18-24"
        );
        assert_eq!(
            docs[0].speaker_attributes["Respondent 2"]["Age group"],
            "25-34"
        );
    }

    #[test]
    fn two_questions_of_one_text_stay_two_questions() {
        let csv = "ResponseId,Q6,Q8\nResponse ID,Please explain your answer.,Please explain your answer.\nR_1,Too far.,Too loud.\n";
        let columns = TableColumns {
            speaker: "ResponseId".into(),
            questions: vec!["Q6".into(), "Q8".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        let texts: Vec<&str> = turns(&docs[0]).into_iter().map(|t| t.1).collect();
        assert_eq!(
            texts,
            vec![
                "Please explain your answer. (Q6)",
                "Too far.",
                "Please explain your answer. (Q8)",
                "Too loud."
            ]
        );
    }

    #[test]
    fn a_header_two_columns_share_names_two_questions() {
        // SurveyMonkey repeats a follow-up's header under two questions.
        let csv =
            "Respondent ID,Why?,Please explain your answer.,How?,Please explain your answer.\n\
                   101,Too far.,It takes an hour.,By bus.,The train is dear.\n";
        let columns = TableColumns {
            speaker: "Respondent ID".into(),
            questions: vec!["Please explain your answer.".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        let texts: Vec<&str> = turns(&docs[0]).into_iter().map(|t| t.1).collect();
        assert_eq!(
            texts,
            vec![
                "Please explain your answer. (column 3)",
                "It takes an hour.",
                "Please explain your answer. (column 5)",
                "The train is dear.",
            ]
        );
    }

    #[test]
    fn a_qualtrics_question_may_be_named_by_its_text() {
        let csv = "ResponseId,Q1,Q2\n\
            Response ID,Has working from home been lonely?,Which tools do you use?\n\
            \"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"QID1_TEXT\"\"}\",\"{\"\"ImportId\"\":\"\"QID2_TEXT\"\"}\"\n\
            R_1,Some weeks.,A shared board.\n";
        let columns = |q: &str| TableColumns {
            speaker: "ResponseId".into(),
            questions: vec![q.into()],
            ..TableColumns::default()
        };
        let docs = read(
            &CsvReader {
                columns: columns("Which tools do you use?"),
            },
            "s.csv",
            csv,
        )
        .unwrap();
        let texts: Vec<&str> = turns(&docs[0]).into_iter().map(|t| t.1).collect();
        assert_eq!(texts, vec!["Which tools do you use?", "A shared board."]);
        // Neither a column nor a question text: named, with the columns.
        let err = read(
            &CsvReader {
                columns: columns("Why?"),
            },
            "s.csv",
            csv,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("Why?") && err.contains("`Q2`"), "{err}");
    }

    #[test]
    fn a_long_export_names_its_question_column() {
        // respondent;item;answer: one question column named beside the
        // text column is the question of each row.
        let csv = "respondent;item;answer\nP1;Is it lonely?;Some weeks.\nP2;Is it lonely?;No.\nP1;Which tools?;Email.\n";
        let columns = TableColumns {
            speaker: "respondent".into(),
            text: "answer".into(),
            questions: vec!["item".into()],
            ..TableColumns::default()
        };
        let docs = read(&CsvReader { columns }, "s.csv", csv).unwrap();
        let said: Vec<(Option<&str>, &str)> =
            turns(&docs[0]).into_iter().map(|t| (t.0, t.1)).collect();
        assert_eq!(
            said,
            vec![
                (Some("Q"), "Is it lonely?"),
                (Some("P1"), "Some weeks."),
                (Some("P2"), "No."),
                (Some("Q"), "Which tools?"),
                (Some("P1"), "Email."),
            ]
        );
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_the_rows_evenly() {
        // Excel's `;` CSV does not quote the commas in a question header.
        let text = "id;age;Thinking about the last month, what, if anything, was hard?;Any ideas, big or small, to share?\n\
                    R1;30;Nobody to talk to, really.;More days out, fewer calls.\n";
        assert_eq!(sniff_delimiter(text), b';');
        assert_eq!(sniff_delimiter("a,b;c\n1,2;3\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        // Nothing splits evenly: the header's most frequent one, as before.
        assert_eq!(sniff_delimiter("a;b;c\n1\n"), b';');
    }

    /// An attribute cell holding a mark of a missing value (R's `NA`,
    /// Excel's `#N/A`, a typed `N/A` or `-`) is no value, as in the
    /// participants file: before, `NA` and `N/A` were groups of their own
    /// (h6/04).
    #[test]
    fn attribute_columns_read_missing_value_marks_as_no_value() {
        let columns = TableColumns {
            speaker: "respondent".into(),
            questions: vec!["Is it lonely?".into()],
            attributes: vec!["Age band".into(), "Site".into()],
            ..TableColumns::default()
        };
        let csv = "respondent,Age band,Site,Is it lonely?\n\
                   R1,30-39,Leeds,Some weeks.\n\
                   R2,NA,#N/A,Never.\n\
                   R3,N/A,-,Often.\n";
        let jsonl = "{\"respondent\": \"R1\", \"Age band\": \"30-39\", \"Site\": \"Leeds\", \"Is it lonely?\": \"Some weeks.\"}\n\
                     {\"respondent\": \"R2\", \"Age band\": \"NA\", \"Site\": \"#N/A\", \"Is it lonely?\": \"Never.\"}\n\
                     {\"respondent\": \"R3\", \"Age band\": \"N/A\", \"Site\": \"-\", \"Is it lonely?\": \"Often.\"}\n";
        let csv_docs = read(
            &CsvReader {
                columns: columns.clone(),
            },
            "s.csv",
            csv,
        )
        .unwrap();
        let jsonl_docs = read(&JsonlReader { columns }, "s.jsonl", jsonl).unwrap();
        for docs in [csv_docs, jsonl_docs] {
            let attributes = &docs[0].speaker_attributes;
            let r1: Vec<&str> = attributes["R1"].values().map(String::as_str).collect();
            assert_eq!(r1, ["30-39", "Leeds"]);
            for r in ["R2", "R3"] {
                assert!(
                    attributes.get(r).is_none_or(BTreeMap::is_empty),
                    "{r}: {attributes:?}"
                );
            }
        }
    }

    #[test]
    fn attribute_columns_give_each_respondent_their_attributes_once() {
        let columns = |attributes: &[&str]| TableColumns {
            speaker: "respondent".into(),
            questions: vec!["Is it lonely?".into()],
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
            ..TableColumns::default()
        };
        let csv = "respondent,age,team,Is it lonely?\n\
                   R1,30,4,Some weeks.\n\
                   R2,41,,Never.\n";
        let jsonl = "{\"respondent\": \"R1\", \"age\": 30, \"team\": \"4\", \"Is it lonely?\": \"Some weeks.\"}\n\
                     {\"respondent\": \"R2\", \"age\": 41, \"team\": null, \"Is it lonely?\": \"Never.\"}\n";
        let expected = BTreeMap::from([
            (
                "R1".to_string(),
                BTreeMap::from([("age".into(), "30".into()), ("team".into(), "4".into())]),
            ),
            // R2 left `team` blank: no value, not an empty one.
            (
                "R2".to_string(),
                BTreeMap::from([("age".into(), "41".into())]),
            ),
        ]);
        let csv_docs = read(
            &CsvReader {
                columns: columns(&["age", "team"]),
            },
            "s.csv",
            csv,
        );
        let jsonl_docs = read(
            &JsonlReader {
                columns: columns(&["age", "team"]),
            },
            "s.jsonl",
            jsonl,
        );
        for docs in [csv_docs.unwrap(), jsonl_docs.unwrap()] {
            assert_eq!(docs[0].speaker_attributes, expected);
            // Attribute columns are not answers.
            assert_eq!(docs[0].turns.len(), 3);
        }
        // A long table may repeat a speaker's attributes, not change them.
        let long = "speaker,age,text\nR1,30,Hi.\nR1,30,Yes.\nR1,31,No.\n";
        let long_columns = TableColumns {
            attributes: vec!["age".into()],
            ..TableColumns::default()
        };
        let err = read(
            &CsvReader {
                columns: long_columns.clone(),
            },
            "l.csv",
            long,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("l.csv") && err.contains("row 3") && err.contains("`age`"),
            "{err}"
        );
        assert!(
            err.contains("`31`") && err.contains("`30`") && err.contains("row 1"),
            "{err}"
        );
        // A missing attribute column, and attributes with no speaker column,
        // are errors naming the file and the column.
        let err = read(
            &CsvReader {
                columns: columns(&["gender"]),
            },
            "s.csv",
            csv,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("s.csv") && err.contains("gender") && err.contains("respondent"),
            "{err}"
        );
        let err = read(
            &CsvReader {
                columns: long_columns,
            },
            "n.csv",
            "age,text\n30,Hi.\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("n.csv") && err.contains("speaker"), "{err}");
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
        // Saved by Excel (CRLF): the same lines, not one too high as the
        // csv crate counts them, and without its miscounted position.
        let e = read(
            &cols(),
            "u.csv",
            "speaker,text\r\nAnna,Hi\r\nBob,Hi,extra\r\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "u.csv: row 2 (line 3): 3 fields where the rows above have 2"
        );
        let e = read(&cols(), "u.csv", "text,start\r\nHi,1\r\n\r\nHo,soon\r\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.csv: row 2 (line 4): field `start`"), "{e}");
        let e = read(&cols(), "u.csv", "speaker,text,Text\nAnna,Hi,Ho\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "u.csv: header: `text` heads columns 2 and 3, so the utterance text (--text-column) is ambiguous; keep one of them"
        );
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

    /// An unterminated quote used to swallow every row below it into one
    /// utterance, with exit 0.
    #[test]
    fn csv_unterminated_quote_names_the_line_it_opens() {
        let cols = || CsvReader {
            columns: TableColumns::default(),
        };
        let src = "speaker,text\nAnna,\"never closed\nBen,I disagree.\nCara,Me too.\n";
        let e = read(&cols(), "u.csv", src).unwrap_err().to_string();
        assert_eq!(
            e,
            "u.csv: line 2: a quoted field opens here and is never closed (a `\"` is missing), \
             so every row below it would be read as this one field"
        );
        let e = read(
            &cols(),
            "u.csv",
            "speaker;text\nAnna;ok\nBen;\"a \"\"b\"\" c\nCara;x\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("u.csv: line 3: a quoted field opens here"),
            "{e}"
        );
        // Closed quotes are fine: across lines, with doubled quotes, and a
        // quote inside an unquoted field is a literal character.
        let src = "speaker,text\nAnna,\"Two\nlines, \"\"quoted\"\".\"\nBen,5\" tall\nCara,\"\"\n";
        let docs = read(&cols(), "u.csv", src).unwrap();
        assert_eq!(
            turns(&docs[0]),
            vec![
                (Some("Anna"), "Two\nlines, \"quoted\".", None, None),
                (Some("Ben"), "5\" tall", None, None)
            ]
        );
    }

    /// `1e300` used to become u64::MAX (stored as −1) and end < start was
    /// accepted; now one rule for CSV and JSONL, as for captions.
    #[test]
    fn whisper_tsv_times_are_milliseconds() {
        let csv = CsvReader {
            columns: TableColumns::default(),
        };
        let src = "start\tend\ttext\n0\t4520\tSo, what do you do?\n5120\t14200\tI am a nurse.\n14900\t17300\tAnd the hardest part?\n";
        let docs = read(&csv, "w.tsv", src).unwrap();
        assert_eq!(
            turns(&docs[0]),
            vec![
                (None, "So, what do you do?", Some(0), Some(4_520)),
                (None, "I am a nurse.", Some(5_120), Some(14_200)),
                (None, "And the hardest part?", Some(14_900), Some(17_300)),
            ]
        );
        // Whole seconds stay seconds.
        let src = "start,end,text\n0,4,Hi.\n5,14,Hello.\n";
        let docs = read(&csv, "s.csv", src).unwrap();
        assert_eq!(
            turns(&docs[0])[1],
            (None, "Hello.", Some(5_000), Some(14_000))
        );
    }

    #[test]
    fn times_out_of_range_negative_or_reversed_are_errors() {
        let csv = || CsvReader {
            columns: TableColumns::default(),
        };
        let jsonl = || JsonlReader {
            columns: TableColumns::default(),
        };
        let cases = [
            (
                "1e300,",
                "start",
                "`1e300` is out of range (at most 9007199254740 seconds)",
            ),
            (
                ",1e16",
                "end",
                "`1e16` is out of range (at most 9007199254740 seconds)",
            ),
            (
                "-2,",
                "start",
                "`-2` is negative; times count from the start of the recording",
            ),
            ("NaN,", "start", "`NaN` is not a time (seconds or hh:mm:ss)"),
            ("inf,", "start", "`inf` is not a time (seconds or hh:mm:ss)"),
            ("5,2.5", "end", "ends at 2.5 s, before its start at 5 s"),
            (
                "00:01:00,00:00:59.5",
                "end",
                "ends at 59.5 s, before its start at 60 s",
            ),
        ];
        for (times, field, message) in cases {
            let src = format!("text,start,end\nfine,1,2\nHi,{times}\n");
            let e = read(&csv(), "u.csv", &src).unwrap_err().to_string();
            assert_eq!(
                e,
                format!("u.csv: row 2 (line 3): field `{field}`: {message}")
            );
        }
        let src = "{\"text\": \"a\", \"start\": 1e300}\n";
        let e = read(&jsonl(), "t.jsonl", src).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.jsonl: line 1: field `start`: `1e+300` is out of range (at most 9007199254740 seconds)"
        );
        let src = "{\"text\": \"a\", \"start\": -0.5}\n";
        let e = read(&jsonl(), "t.jsonl", src).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "field `start`: `-0.5` is negative; times count from the start of the recording"
            ),
            "{e}"
        );
        let src = "{\"text\": \"a\"}\n{\"text\": \"b\", \"start\": \"00:00:03\", \"end\": 2}\n";
        let e = read(&jsonl(), "t.jsonl", src).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.jsonl: line 2: field `end`: ends at 2 s, before its start at 3 s"
        );
        // Equal times, a large but real time and a zero-length row are fine.
        let src = "text,start,end\nHi,3,3\nYo,1700000000.25,\n";
        let docs = read(&csv(), "u.csv", src).unwrap();
        assert_eq!(
            turns(&docs[0]),
            vec![
                (None, "Hi", Some(3_000), Some(3_000)),
                (None, "Yo", Some(1_700_000_000_250), None)
            ]
        );
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
