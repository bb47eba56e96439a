//! Evaluation against gold codings: classification (`eval code`) and
//! clustering (`eval themes`). One gold reader and one embedding cache (a
//! store file) serve both.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use classify::eval::{EvalOptions, EvalReport, GoldItem, Predictor};
use classify::{Codebook, Mode};
use embed::Encoder;
use serde::Serialize;
use store::Store;
use themes::metrics::{adjusted_rand_index, normalized_mutual_info};
use themes::{Dataset, ThemeParams};

/// Reads gold JSONL: one [`GoldItem`] per line (`text`, `labels`, optional
/// `id`, `doc`, `annotator_labels`); blank lines are skipped and an item
/// without an id gets `FILE:LINE`. Errors name the file and line. A table
/// (`.csv`, `.xlsx`, `.xls`, `.ods`, a `.docx` table) is read by [`read_gold_table`].
pub fn read_gold(path: &Path, cb: Option<&Codebook>) -> anyhow::Result<Vec<GoldItem>> {
    let items = match corpus::formats::read_table_where(path, &names_gold_text) {
        Some(table) => read_gold_table(path, &below_its_title(table?), cb)?,
        None => merge_repeated_items(path, read_gold_lines(path)?, false)?,
    };
    // Every use of a gold file needs items to read; an empty file, or one of
    // a header alone, used to fail later without naming it.
    if !items.iter().any(|it| !it.text.trim().is_empty()) {
        bail!(
            "{}: no gold item with a text ({} rows, all empty)",
            path.display(),
            items.len()
        );
    }
    Ok(items)
}

/// One item per coded text where a file gives an item on several rows, one
/// code each, as QDA tools export coded segments (MAXQDA's one row per
/// coding, NVivo's per node): rows of one id are one item with all their
/// codes, and so, in a table without ids, are rows of one text in one
/// document by one speaker that carry different codes (`by_text`; rows
/// without codes, a respondent's "Nothing." twice, stay two items).
/// Before, each row was an item of
/// its own and the negative of the others' codes. Rows of one id with
/// different texts are an error naming both.
fn merge_repeated_items(
    path: &Path,
    items: Vec<GoldItem>,
    by_text: bool,
) -> anyhow::Result<Vec<GoldItem>> {
    type Key = (String, Option<String>, Option<String>, Option<String>);
    let mut first: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<GoldItem> = Vec::with_capacity(items.len());
    for item in items {
        let key = if by_text {
            (
                item.text.trim().to_string(),
                item.doc.clone(),
                item.speaker.clone(),
                item.question.clone(),
            )
        } else {
            (item.id.clone(), None, None, None)
        };
        // By text, only rows that each carry codes, other ones: one row
        // per coding. A respondent's "Nothing." twice is two items.
        let repeat = first.get(&key).copied().filter(|&k| {
            !by_text
                || (!item.labels.is_empty()
                    && !out[k].labels.is_empty()
                    && out[k].labels != item.labels)
        });
        match repeat {
            Some(k) => {
                let kept = &mut out[k];
                if kept.text.trim() != item.text.trim() {
                    bail!(
                        "{}: item {:?} is given twice with different texts ({:?} and {:?}); an id names one item",
                        path.display(),
                        item.id,
                        kept.text,
                        item.text
                    );
                }
                kept.labels.extend(item.labels);
            }
            None => {
                first.entry(key).or_insert(out.len());
                out.push(item);
            }
        }
    }
    Ok(out)
}

/// [`read_gold`] of a JSONL file.
fn read_gold_lines(path: &Path) -> anyhow::Result<Vec<GoldItem>> {
    let bytes = corpus::read_input(path)?;
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: invalid UTF-8 at byte {} of the line; save the file as UTF-8",
                    path.display(),
                    i + 1,
                    e.valid_up_to()
                )
            })?
            .trim_end_matches('\r');
        // A byte-order mark, as Notepad saves UTF-8.
        let line = if i == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        if line.trim().is_empty() {
            continue;
        }
        // One JSON array of items (Label Studio's export, `json.dump(items)`)
        // is no JSON Lines file: serde said "EOF while parsing a list" of
        // its `[` line, or "invalid type: map" of a one-line array (hg/05).
        if out.is_empty() && line.trim_start().starts_with('[') {
            bail!(
                "{}:{}: the file is one JSON array; a gold file is JSON Lines, one object per \
                 line ({{\"text\": …, \"labels\": [\"code_id\", …]}}), no `[` around them \
                 (`jq -c '.[]' FILE` writes one from an array)",
                path.display(),
                i + 1
            );
        }
        let mut item: GoldItem = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not a gold item (id, text, labels, doc)",
                path.display(),
                i + 1
            )
        })?;
        if item.id.is_empty() {
            item.id = format!("{}:{}", path.display(), i + 1);
        }
        out.push(item);
    }
    Ok(out)
}

/// Marks that code a row in a code's column of a gold table, and those
/// that leave it uncoded (with the empty cell), lower case.
const CODED_MARKS: [&str; 7] = ["1", "x", "yes", "y", "true", "✓", "✔"];
const UNCODED_MARKS: [&str; 5] = ["0", "no", "n", "false", "-"];

/// The coded text's column under the names QDA tools and survey sheets
/// give it, in order of preference: MAXQDA's `Segment`, ATLAS.ti's
/// `Quotation Content`, NVivo's `Coded Text`, Dedoose's `Excerpt Copy`, a
/// survey's `Response` or `Answer` (a `Comment` last: MAXQDA's is a memo
/// beside its `Segment`). Lower case, as a table's headers are compared.
const GOLD_TEXT_COLUMNS: &[&str] = &[
    "text",
    "segment",
    "quotation content",
    "coded text",
    "excerpt copy",
    "quotation",
    "excerpt",
    "utterance",
    "sentence",
    "response",
    "answer",
    "verbatim",
    "open-ended response",
    "content",
    "comment",
];

/// A coder's sheet with a title or a note above its column names (`Q3
/// open-ended coding — coder JM`): the first of its first ten rows that
/// names a text column is the header, as a codebook table's is. A table
/// whose header names one already is returned as it is.
/// Whether cells name a gold text column (`text`, `segment`, …).
fn names_text(cells: &[String]) -> bool {
    cells
        .iter()
        .any(|c| GOLD_TEXT_COLUMNS.contains(&c.trim().to_lowercase().as_str()))
}

/// Whether a sheet reads as gold: its column names, or one of its first
/// ten rows (below a title), name a text column. A workbook's first such
/// sheet is its gold, past a sheet of instructions.
fn names_gold_text(table: &corpus::formats::Table) -> bool {
    names_text(&table.headers) || table.rows.iter().take(10).any(|(_, c)| names_text(c))
}

fn below_its_title(table: corpus::formats::Table) -> corpus::formats::Table {
    if names_text(&table.headers) {
        return table;
    }
    match table
        .rows
        .iter()
        .take(10)
        .position(|(_, cells)| names_text(cells))
    {
        Some(at) => corpus::formats::Table {
            headers: table.rows[at]
                .1
                .iter()
                .map(|c| c.trim().to_lowercase())
                .collect(),
            rows: table.rows[at + 1..].to_vec(),
        },
        None => table,
    }
}

/// Gold coded in a spreadsheet, as survey answers are coded by hand: one
/// row per item, its `text` column, optionally `id`, `doc`, `speaker` (or
/// `respondent`, `participant`, `ResponseId`, …) and `question`, and its codes either in a `labels` (or `codes`) column,
/// separated by `;`, or as one column per code, named by the code's id or
/// name (with `cb`; case aside), a row coded where the cell holds a mark
/// (`1`, `x`, `yes`, `true`, `✓`) and not where it is empty or `0`/`no`.
/// Errors name the file, the row and the column.
fn read_gold_table(
    path: &Path,
    table: &corpus::formats::Table,
    cb: Option<&Codebook>,
) -> anyhow::Result<Vec<GoldItem>> {
    // A role's names in order of preference (a `speaker` column before a
    // `participant` one); one name heading two columns is an error, not the
    // first column's: which one the coder meant is theirs to say.
    let mut twice: Option<String> = None;
    let mut column = |names: &[&str]| {
        names.iter().find_map(|name| {
            let hits: Vec<usize> = table
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| h.as_str() == *name)
                .map(|(i, _)| i)
                .collect();
            if hits.len() > 1 && twice.is_none() {
                twice = Some(
                    hits.iter()
                        .map(|&i| format!("column {}", i + 1))
                        .collect::<Vec<_>>()
                        .join(" and "),
                )
                .map(|cols| format!("`{name}` heads {cols}"));
            }
            hits.first().copied()
        })
    };
    let text = column(GOLD_TEXT_COLUMNS).with_context(|| {
        format!(
            "{}: a gold table needs a `text` column (or `segment`, `response`, `answer`, …); its columns are {}",
            path.display(),
            table.headers.join(", ")
        )
    })?;
    let (id, doc, speaker, question) = (
        column(&["id"]),
        column(&["doc", "document", "document name", "file", "source"]),
        // A coder's sheet names its respondents so, as survey tools do.
        column(&[
            "speaker",
            "respondent",
            "respondent_id",
            "respondent id",
            "participant",
            "participant_id",
            "participant id",
            "responseid",
            "response id",
        ]),
        column(&["question"]),
    );
    let labels = column(&[
        "labels",
        "codes",
        "code",
        "themes",
        "theme",
        "categories",
        "category",
    ]);
    if let Some(both) = twice {
        bail!("{}: {both}; keep one of them", path.display());
    }
    let known = [Some(text), id, doc, speaker, question, labels];
    let code_columns: Vec<(usize, String)> = match cb {
        Some(cb) => table
            .headers
            .iter()
            .enumerate()
            .filter(|(i, _)| !known.contains(&Some(*i)))
            .filter_map(|(i, h)| {
                let header = code_column_name(h);
                cb.codes
                    .iter()
                    .find(|c| {
                        c.id.to_lowercase() == *h
                            || c.name.trim().to_lowercase() == *h
                            || letters_and_digits(&c.id) == header
                            || letters_and_digits(&c.name) == header
                    })
                    .map(|c| (i, c.id.clone()))
            })
            .collect(),
        None => Vec::new(),
    };
    if let (Some(l), Some((first, _))) = (labels, code_columns.first()) {
        bail!(
            "{}: both a `{}` column (column {}) and columns named after codes (`{}`, column {}); \
             give the codes one way",
            path.display(),
            table.headers[l],
            l + 1,
            table.headers[*first],
            first + 1
        );
    }
    for (k, (i, code)) in code_columns.iter().enumerate() {
        if let Some((j, _)) = code_columns[..k].iter().find(|(_, c)| c == code) {
            bail!(
                "{}: columns {} (`{}`) and {} (`{}`) both name the code {code:?}; keep one of them",
                path.display(),
                j + 1,
                table.headers[*j],
                i + 1,
                table.headers[*i]
            );
        }
    }
    if labels.is_none() && code_columns.is_empty() {
        bail!(
            "{}: a gold table needs a `labels` column (codes separated by ;) or {}; its columns are {}",
            path.display(),
            if cb.is_some() {
                "columns named after the codebook's codes"
            } else {
                "--codebook, whose codes name its code columns"
            },
            table.headers.join(", ")
        );
    }
    let cell = |row: &[String], i: Option<usize>| -> Option<String> {
        let v = row.get(i?)?.trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    let mut out = Vec::new();
    for (n, (location, row)) in table.rows.iter().enumerate() {
        let Some(text) = cell(row, Some(text)) else {
            continue;
        };
        // A survey tool's header rows below the column names (Qualtrics'
        // question texts, whose respondent cell is its column's label, and
        // its `{"ImportId":…}` row) are no items.
        let import_ids = corpus::formats::is_import_id_row(row.iter().map(String::as_str));
        let labels_row = n == 0
            && speaker.is_some_and(|i| {
                cell(row, Some(i))
                    .is_some_and(|c| corpus::formats::is_column_label(&c, &table.headers[i]))
            });
        if import_ids || labels_row {
            continue;
        }
        let mut item = GoldItem {
            id: cell(row, id).unwrap_or_else(|| format!("{}: {location}", path.display())),
            doc: cell(row, doc),
            speaker: cell(row, speaker),
            question: cell(row, question),
            text,
            ..Default::default()
        };
        if let Some(l) = cell(row, labels) {
            item.labels.extend(split_labels(&l, cb));
        }
        for (i, code) in &code_columns {
            let mut mark = cell(row, Some(*i)).unwrap_or_default().to_lowercase();
            // `1.0` and `0.0`, as a number column saved to CSV writes them.
            if let Ok(v) = mark.parse::<f64>() {
                if v == 1.0 || v == 0.0 {
                    mark = if v == 1.0 { "1" } else { "0" }.to_string();
                }
            }
            if CODED_MARKS.contains(&mark.as_str()) {
                item.labels.insert(code.clone());
            } else if !mark.is_empty() && !UNCODED_MARKS.contains(&mark.as_str()) {
                bail!(
                    "{}: {location}: column {:?}: {mark:?} is no mark; a code's column holds 1, x or yes where the row has the code, and is empty or 0 where not",
                    path.display(),
                    table.headers[*i]
                );
            }
        }
        out.push(item);
    }
    if let (Some(cb), false) = (cb, code_columns.is_empty()) {
        // One column per code: a code without a column would count every
        // item a negative, and a column of marks naming no code be dropped.
        let missing: Vec<&str> = cb
            .codes
            .iter()
            .filter(|c| {
                !cb.codes
                    .iter()
                    .any(|d| d.parent.as_deref() == Some(c.id.as_str()))
            })
            .filter(|c| !code_columns.iter().any(|(_, id)| *id == c.id))
            .map(|c| c.id.as_str())
            .collect();
        let marked: Vec<&str> = table
            .headers
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !known.contains(&Some(*i)) && !code_columns.iter().any(|(j, _)| j == i)
            })
            .filter(|(i, _)| {
                let marks: Vec<String> = table
                    .rows
                    .iter()
                    .filter_map(|(_, r)| r.get(*i).map(|v| v.trim().to_lowercase()))
                    .filter(|v| !v.is_empty())
                    .collect();
                !marks.is_empty()
                    && marks.iter().all(|m| {
                        CODED_MARKS.contains(&m.as_str()) || UNCODED_MARKS.contains(&m.as_str())
                    })
                    && marks.iter().any(|m| CODED_MARKS.contains(&m.as_str()))
            })
            .map(|(_, h)| h.as_str())
            .collect();
        if !missing.is_empty() {
            bail!(
                "{}: the codebook's {} has no column here, so every item would count as without it; \
                 name a column after each code (by id or name){}",
                path.display(),
                missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                if marked.is_empty() {
                    String::new()
                } else {
                    format!(
                        " — columns of marks that name no code: {}",
                        marked.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    )
                }
            );
        }
        if !marked.is_empty() {
            bail!(
                "{}: {} hold(s) marks like a code's column but name(s) no code of the codebook; \
                 rename to a code's id or name, or remove",
                path.display(),
                marked
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    // One row per coding (a QDA export's coded segments): one item per id,
    // or per text where the table has no ids and its codes are in a column.
    merge_repeated_items(path, out, id.is_none() && labels.is_some())
}

/// A code column's header as the code it names: without a number before
/// it (`3. Isolation`), a path to it (NVivo's `Challenges\\Isolation`) or
/// Dedoose's `Code: Isolation Applied`, in [`letters_and_digits`].
fn code_column_name(header: &str) -> String {
    let h = header.trim();
    let h = h.rsplit('\\').next().unwrap_or(h).trim();
    let lower = h.to_lowercase();
    let h = match (lower.strip_prefix("code:"), lower.ends_with(" applied")) {
        (Some(_), true) => &h[5..h.len() - " applied".len()],
        _ => h,
    };
    let h =
        h.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | ' ' | '-'));
    letters_and_digits(h)
}

/// Lower-case letters and digits alone: `Work-life boundaries` →
/// `worklifeboundaries`.
fn letters_and_digits(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The codes of a gold table's labels cell: separated by `;`, `|` or line
/// breaks (Excel's Alt+Enter, ATLAS.ti's export), or by commas where each
/// piece names a code of the codebook (a code's name may hold a comma:
/// "User Access, Edit and Deletion"). A `Parent\Child` path (NVivo's and
/// MAXQDA's hierarchy) names its last part.
fn split_labels(cell: &str, cb: Option<&Codebook>) -> Vec<String> {
    let is_code = |l: &str| {
        cb.is_some_and(|cb| {
            let l = l.trim().to_lowercase();
            cb.codes
                .iter()
                .any(|c| c.id.to_lowercase() == l || c.name.trim().to_lowercase() == l)
        })
    };
    let mut out = Vec::new();
    for piece in cell.split([';', '|', '\n']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let commas: Vec<&str> = piece
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if !is_code(piece) && commas.len() > 1 && commas.iter().all(|p| is_code(p)) {
            out.extend(commas.into_iter().map(str::to_string));
        } else {
            out.push(piece.to_string());
        }
    }
    out
}

/// Whether a gold row was said by an interviewer or moderator (a speaker
/// label `autocode ingest` reads as a moderator's: `Interviewer`, `I`,
/// `Q`, `Moderator 2`, …). `autocode code` never codes such sentences, so
/// `eval code` does not score or train on them: they are the questions
/// of the turns after them ([`row_questions`]).
pub fn is_moderator_row(item: &GoldItem) -> bool {
    item.speaker
        .as_deref()
        .is_some_and(corpus::speaker::is_moderator_name)
}

/// A gold file's rows (the first `limit`) and, of them, the items to
/// score and train on: every row not said by a moderator
/// ([`is_moderator_row`]). Each keeps its document whatever the folds are
/// grouped by (`--group-by id` reaches them through
/// [`EvalOptions::by_item`]): the learner reads an item's neighbours and
/// question from it (h15/03).
fn read_gold_rows(
    path: &Path,
    cb: Option<&Codebook>,
    limit: Option<usize>,
) -> anyhow::Result<(Vec<GoldItem>, Vec<GoldItem>)> {
    let mut rows = read_gold(path, cb)?;
    if let Some(n) = limit {
        rows.truncate(n);
    }
    // Turns in the file's order, counted over every row: an interviewer's
    // rows, which are not items, end the answer before them.
    let refs: Vec<&GoldItem> = rows.iter().collect();
    let turns = classify::context::speaker_runs(&refs);
    for (it, turn) in rows.iter_mut().zip(turns) {
        it.turn = turn;
    }
    let coded_moderators = rows
        .iter()
        .filter(|it| is_moderator_row(it) && !it.labels.is_empty())
        .count();
    if coded_moderators > 0 {
        tracing::warn!(
            "{}: {coded_moderators} rows said by an interviewer or moderator carry codes; \
             they are read as questions, not scored (autocode does not code a moderator's words)",
            path.display()
        );
    }
    let items = rows
        .iter()
        .filter(|it| !is_moderator_row(it))
        .cloned()
        .collect();
    Ok((rows, items))
}

/// The question each row of a gold file answers, from the file's own
/// moderator rows ([`is_moderator_row`]): turns and sentences by
/// autocode's ids (`<doc>:<turn>:<sentence>`) where every row has one,
/// else the file's order, a turn being a run of rows of one speaker in a
/// document. Embedded through the cache. `None` for moderators' rows, rows
/// without a speaker or a document, and rows before the first question.
pub fn row_questions(
    rows: &[GoldItem],
    cache: &mut Store,
    enc: &dyn Encoder,
    spoken: &themes::SpokenParams,
) -> anyhow::Result<Vec<Option<Vec<f32>>>> {
    if !rows.iter().any(is_moderator_row) {
        return Ok(vec![None; rows.len()]);
    }
    let asked = row_question_sentences(rows, spoken);
    let needed: BTreeSet<usize> = asked.iter().flatten().copied().collect();
    let texts: Vec<&str> = needed.iter().map(|&j| rows[j].text.as_str()).collect();
    let vectors = if texts.is_empty() {
        Vec::new()
    } else {
        cached_embeddings(cache, enc, &texts)?
    };
    let vector_of: BTreeMap<usize, &[f32]> = needed
        .iter()
        .copied()
        .zip(vectors.iter().map(Vec::as_slice))
        .collect();
    let questions = classify::context::Questions::new(&asked, |j| vector_of.get(&j).copied());
    Ok((0..rows.len())
        .map(|i| questions.get(i).map(<[f32]>::to_vec))
        .collect())
}

/// [`row_questions`] as row indices: the moderator rows each row's turn
/// answers.
fn row_question_sentences(rows: &[GoldItem], spoken: &themes::SpokenParams) -> Vec<Vec<usize>> {
    let ids: Vec<Option<(u64, u64)>> = rows
        .iter()
        .map(classify::context::turn_and_sentence)
        .collect();
    let by_id = ids.iter().all(Option::is_some);
    let units: Vec<classify::context::Spoken<&str>> = rows
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, (it, id))| {
            let doc = it.doc.as_deref().filter(|_| it.speaker.is_some());
            // Without autocode's ids: the reader's turns ([`read_gold_rows`]).
            let (turn, sentence) = match (by_id, id) {
                (true, Some((turn, sentence))) => (*turn as i64, *sentence as i64),
                _ => (it.turn.unwrap_or(0) as i64, i as i64),
            };
            classify::context::Spoken {
                doc,
                turn,
                sentence,
                moderator: is_moderator_row(it),
                substantive: !spoken.is_minimal(&it.text),
            }
        })
        .collect();
    classify::context::questions(&units)
}

/// The question each gold item's turn answers
/// ([`classify::context::questions`]), read from the item's transcript as
/// `autocode code` reads it from the store: `dir` joined with the item's
/// `doc`, read as `autocode ingest` reads it, where that file exists and
/// the item's id is autocode's `<doc>:<turn>:<sentence>` naming a sentence
/// of the same text. The questions' sentences are embedded through the
/// cache; whether a moderator's sentence says something is `spoken`'s
/// minimal-response rule. `None` where no question is known.
pub fn gold_questions(
    gold: &[GoldItem],
    dir: &Path,
    cache: &mut Store,
    enc: &dyn Encoder,
    spoken: &themes::SpokenParams,
) -> anyhow::Result<Vec<Option<Vec<f32>>>> {
    // Items that name their question ([`field_questions`]) need no
    // transcript: a survey export's gold gives it, and its wide table is
    // no transcript the default columns read.
    let docs: BTreeSet<&str> = gold
        .iter()
        .filter(|it| it.speaker.is_some() && it.question.is_none())
        .filter_map(|it| it.doc.as_deref())
        .collect();
    let none = corpus::Participants::default();
    let participants = none.index();
    // Per document: its transcript's sentences by (turn, sentence) and each one's question.
    let mut read: BTreeMap<&str, (Vec<corpus::Segment>, Vec<Vec<usize>>)> = BTreeMap::new();
    for doc in docs {
        let path = dir.join(doc);
        if !path.is_file() {
            continue;
        }
        let mut documents =
            match corpus::read_file(&path, doc, &corpus::TableColumns::default(), &participants) {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!("{}: not read for its questions: {e}", path.display());
                    continue;
                }
            };
        // A table of several documents is not one transcript.
        if documents.len() != 1 {
            continue;
        }
        let Some(document) = documents.pop() else {
            continue;
        };
        let units: Vec<classify::context::Spoken<u8>> = document
            .segments
            .iter()
            .map(|s| classify::context::Spoken {
                doc: s.speaker.as_ref().map(|_| 0),
                turn: s.turn_index as i64,
                sentence: s.sentence_index as i64,
                moderator: s.is_moderator,
                substantive: !spoken.is_minimal(&s.text),
            })
            .collect();
        let q = classify::context::questions(&units);
        read.insert(doc, (document.segments, q));
    }
    let read = &read;
    // Each item's question, as indices into its document's sentences.
    let asked: Vec<Option<(&str, &[usize])>> = gold
        .iter()
        .map(|it| {
            let doc = it.doc.as_deref().filter(|_| it.speaker.is_some())?;
            let (segments, q) = read.get(doc)?;
            let (turn, sentence) = classify::context::turn_and_sentence(it)?;
            let (turn, sentence) = (turn as usize, sentence as usize);
            let j = segments
                .iter()
                .position(|s| s.turn_index == turn && s.sentence_index == sentence)?;
            (segments[j].text.trim() == it.text.trim() && !q[j].is_empty())
                .then(|| (doc, q[j].as_slice()))
        })
        .collect();
    let sentences: Vec<Vec<&str>> = asked
        .iter()
        .map(|a| match *a {
            Some((doc, q)) => q.iter().map(|&j| read[doc].0[j].text.as_str()).collect(),
            None => Vec::new(),
        })
        .collect();
    question_means(&sentences, cache, enc)
}

/// Per item, the normalised mean of its question's sentences' embeddings
/// ([`classify::context::Questions`]), each distinct sentence embedded once
/// through the cache; `None` for an item with no sentence.
fn question_means(
    sentences: &[Vec<&str>],
    cache: &mut Store,
    enc: &dyn Encoder,
) -> anyhow::Result<Vec<Option<Vec<f32>>>> {
    let texts: Vec<&str> = sentences
        .iter()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if texts.is_empty() {
        return Ok(vec![None; sentences.len()]);
    }
    let vectors = cached_embeddings(cache, enc, &texts)?;
    let by_text: BTreeMap<&str, &[f32]> = texts
        .iter()
        .copied()
        .zip(vectors.iter().map(Vec::as_slice))
        .collect();
    Ok(sentences
        .iter()
        .map(|q| {
            let parts: Vec<&[f32]> = q.iter().filter_map(|t| by_text.get(t).copied()).collect();
            let questions = classify::context::Questions::new(&[(0..parts.len()).collect()], |j| {
                parts.get(j).copied()
            });
            questions.get(0).map(<[f32]>::to_vec)
        })
        .collect())
}

/// The question each gold item names itself (its `question` field, as a
/// survey's rows give it): read as an interviewer's turn before the item's,
/// its sentences split as `ingest` splits a turn, those that say nothing
/// (`spoken`'s minimal-response rule) left out, the others embedded through
/// the cache and averaged as [`classify::context::Questions`] averages a
/// moderator's sentences. `None` for an item without one.
pub fn field_questions(
    gold: &[GoldItem],
    cache: &mut Store,
    enc: &dyn Encoder,
    spoken: &themes::SpokenParams,
) -> anyhow::Result<Vec<Option<Vec<f32>>>> {
    let sentences: Vec<Vec<&str>> = gold
        .iter()
        .map(|it| {
            let q = it.question.as_deref().unwrap_or("");
            corpus::sentences::split_sentences(q)
                .into_iter()
                .map(|(a, b)| &q[a..b])
                .filter(|t| !spoken.is_minimal(t))
                .collect()
        })
        .collect();
    question_means(&sentences, cache, enc)
}

/// The evaluation embedding cache: a store file. `explicit` when given;
/// else the project store when it exists; else `$XDG_CACHE_HOME` (or
/// `~/.cache`)`/autocode/eval.db`.
pub fn cache_path(explicit: Option<&Path>, project: &Path) -> PathBuf {
    match explicit {
        Some(p) => p.to_path_buf(),
        None if store::resolve(project).exists() => project.to_path_buf(),
        None => {
            let home = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(|| PathBuf::from("."));
            home.join("autocode").join("eval.db")
        }
    }
}

pub fn open_cache(path: &Path) -> anyhow::Result<Store> {
    Store::open_or_create(path)
        .with_context(|| format!("opening the embedding cache {}", path.display()))
}

/// Vectors of `texts` (in order) from the cache, embedding and storing the
/// ones it lacks a transaction per batch, so a killed run keeps what it stored.
pub fn cached_embeddings(
    cache: &mut Store,
    encoder: &dyn Encoder,
    texts: &[&str],
) -> anyhow::Result<Vec<Vec<f32>>> {
    let hashes: Vec<String> = texts
        .iter()
        .map(|t| corpus::content_hash(t.as_bytes()))
        .collect();
    let mut have = cache.embeddings_by_hash(encoder.model_key(), &hashes)?;
    let mut missing: Vec<(String, &str)> = Vec::new();
    let mut queued = BTreeSet::new();
    for (h, t) in hashes.iter().zip(texts) {
        if !have.contains_key(h) && queued.insert(h.clone()) {
            missing.push((h.clone(), t));
        }
    }
    let t0 = std::time::Instant::now();
    let mut done = 0;
    for chunk in missing.chunks(256) {
        let batch: Vec<&str> = chunk.iter().map(|(_, t)| *t).collect();
        let emb = encoder.encode(&batch)?;
        let rows: Vec<store::EmbeddingRow> = chunk
            .iter()
            .zip(emb.vectors.iter().zip(&emb.truncated))
            .map(|((h, _), (v, &tr))| store::EmbeddingRow {
                text_hash: h,
                vector: v,
                truncated: tr,
            })
            .collect();
        cache.put_embeddings(encoder.model_key(), &rows)?;
        for ((h, _), v) in chunk.iter().zip(emb.vectors) {
            have.insert(h.clone(), v);
        }
        done += chunk.len();
        tracing::info!(
            "embedded {done}/{} texts ({:.0} s)",
            missing.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(hashes.iter().map(|h| have[h].clone()).collect())
}

/// What is scored in `eval code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvalMode {
    #[default]
    Auto,
    Supervised,
    ZeroShot,
    /// Baseline: a code's name words in the text.
    Keyword,
}

pub use classify::Features;

/// Fold groups of the cross-validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupBy {
    /// No document in both train and test.
    #[default]
    Doc,
    /// Each item its own group.
    Id,
}

#[derive(Debug, Clone)]
pub struct EvalCodeOptions {
    /// Gold JSONL ([`read_gold`]).
    pub gold: PathBuf,
    /// Train on this file and test on `gold`; `None`: grouped k-fold CV on `gold`.
    pub train: Option<PathBuf>,
    /// Codebook file; `None`: one code per label seen.
    pub codebook: Option<PathBuf>,
    pub folds: usize,
    pub group_by: GroupBy,
    /// Use only the first N gold items.
    pub limit: Option<usize>,
    /// Probabilities in [lo, hi) count as needing review.
    pub review_band: (f64, f64),
    pub mode: EvalMode,
    pub features: Features,
    /// Learning curve: train on at most N positives per code.
    pub per_code: Option<usize>,
    pub min_positives: usize,
    /// `ClassifierParams::context_weight`.
    pub context_weight: f32,
    /// `ClassifierParams::question_weight`.
    pub question_weight: f32,
    /// Where the gold's (and `train`'s) `doc` paths are read from for the
    /// question each turn answers ([`gold_questions`]); `None`: each gold
    /// file's own folder.
    pub transcripts: Option<PathBuf>,
    /// Inverse regularisation strength of the logistic regressions.
    pub c: f64,
    /// `ClassifierParams::best_code_floor`.
    pub best_code_floor: f64,
    pub seed: u64,
    pub model: Option<PathBuf>,
    /// Number format of the model's projections (part of the cache's key).
    pub precision: embed::Precision,
    /// Embedding cache store; `None`: see [`cache_path`].
    pub cache: Option<PathBuf>,
    /// Also write the item embeddings (gold order) and fold ids here, as JSON.
    pub dump: Option<PathBuf>,
    /// Also write each item's out-of-fold probabilities here, as JSONL
    /// (`id`, `doc`, `speaker`, `labels`, `probabilities` by code id): the
    /// input of `eval audit`.
    pub predictions: Option<PathBuf>,
    /// Instead of the cross-validation: the simulated reviewer
    /// (`classify::simulate`), queue order against random review.
    pub simulate_review: Option<classify::simulate::SimulationOptions>,
}

impl Default for EvalCodeOptions {
    fn default() -> Self {
        let eval = EvalOptions::default();
        let params = classify::ClassifierParams::default();
        EvalCodeOptions {
            gold: PathBuf::new(),
            train: None,
            codebook: None,
            folds: eval.folds,
            group_by: GroupBy::default(),
            limit: None,
            review_band: eval.review_band,
            mode: EvalMode::default(),
            features: Features::default(),
            per_code: None,
            min_positives: params.min_positives,
            context_weight: params.context_weight,
            question_weight: params.question_weight,
            transcripts: None,
            c: params.logistic.c,
            best_code_floor: params.best_code_floor,
            seed: eval.seed,
            model: None,
            precision: embed::Precision::default(),
            cache: None,
            dump: None,
            predictions: None,
            simulate_review: None,
        }
    }
}

impl EvalCodeOptions {
    /// Refuses values the evaluation cannot use, naming the flag.
    /// Refuses bad values before any model is loaded. The rules live with the
    /// types they guard (`classify::eval::EvalOptions::check`,
    /// `ClassifierParams::check`); this adds the one option only the
    /// pipeline has (`limit`) and names the flag a CLI user typed.
    pub fn check(&self) -> anyhow::Result<()> {
        let flag = |e: classify::ClassifyError| match &e {
            classify::ClassifyError::Param { field, .. } => {
                let (name, value) = match *field {
                    "folds" => ("--folds", self.folds.to_string()),
                    "review_band" => (
                        "--review-band",
                        format!("{},{}", self.review_band.0, self.review_band.1),
                    ),
                    "per_code_limit" => (
                        "--per-code",
                        self.per_code.map(|n| n.to_string()).unwrap_or_default(),
                    ),
                    "logistic.c" => ("--c", self.c.to_string()),
                    "min_positives" => ("--min-positives", self.min_positives.to_string()),
                    "context_weight" => ("--context-weight", self.context_weight.to_string()),
                    "question_weight" => ("--question-weight", self.question_weight.to_string()),
                    "best_code_floor" => ("--best-code-floor", self.best_code_floor.to_string()),
                    other => (other, String::new()),
                };
                anyhow::anyhow!("{name} {value}: {e}")
            }
            _ => anyhow::Error::new(e),
        };
        self.eval_options().check().map_err(flag)?;
        if let Predictor::Classifier(params) = self.predictor() {
            params.check().map_err(flag)?;
        }
        if self.limit == Some(0) {
            bail!("--limit 0: use at least one gold item");
        }
        Ok(())
    }

    /// The questions of `gold`'s items (the rows of `rows`, `file`'s,
    /// that are not moderators'): an item's own `question` field
    /// ([`field_questions`]), else read from `file`'s transcripts
    /// ([`gold_questions`]), else from the file's own moderator rows
    /// ([`row_questions`]); none when the question block is off.
    fn questions(
        &self,
        gold: &[GoldItem],
        rows: &[GoldItem],
        file: &Path,
        cache: &mut Store,
        enc: &dyn Encoder,
    ) -> anyhow::Result<Vec<Option<Vec<f32>>>> {
        if self.question_weight == 0.0 {
            return Ok(Vec::new());
        }
        let dir = match &self.transcripts {
            Some(d) if !d.is_dir() => bail!(
                "--transcripts {}: no such folder (the transcripts the gold's documents name)",
                d.display()
            ),
            Some(d) => d.clone(),
            None => file.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let spoken = themes::SpokenParams::default();
        let from_fields = field_questions(gold, cache, enc, &spoken)?;
        let from_transcripts = gold_questions(gold, &dir, cache, enc, &spoken)?;
        let from_rows = row_questions(rows, cache, enc, &spoken)?;
        let from_rows = rows
            .iter()
            .zip(from_rows)
            .filter(|(it, _)| !is_moderator_row(it))
            .map(|(_, q)| q);
        let q: Vec<Option<Vec<f32>>> = from_fields
            .into_iter()
            .zip(from_transcripts)
            .zip(from_rows)
            .map(|((f, t), r)| f.or(t).or(r))
            .collect();
        tracing::info!(
            "{}: {} of {} items read with the question their turn answers (transcripts in {}; {} moderator rows)",
            file.display(),
            q.iter().filter(|q| q.is_some()).count(),
            gold.len(),
            dir.display(),
            rows.len() - gold.len()
        );
        Ok(q)
    }

    /// The `--codebook` file's codebook, where one is given (the gold's
    /// tables name their code columns after it).
    fn codebook_file(&self) -> anyhow::Result<Option<Codebook>> {
        self.codebook
            .as_deref()
            .map(crate::load_codebook)
            .transpose()
    }

    fn eval_options(&self) -> EvalOptions {
        EvalOptions {
            folds: self.folds,
            seed: self.seed,
            review_band: self.review_band,
            per_code_limit: self.per_code,
            by_item: self.group_by == GroupBy::Id,
        }
    }

    fn predictor(&self) -> Predictor {
        let mode = match self.mode {
            EvalMode::Keyword => return Predictor::Keyword,
            EvalMode::Auto => Mode::Auto,
            EvalMode::Supervised => Mode::Supervised,
            EvalMode::ZeroShot => Mode::ZeroShot,
        };
        let mut params = classify::ClassifierParams {
            mode,
            min_positives: self.min_positives,
            context_weight: self.context_weight,
            question_weight: self.question_weight,
            best_code_floor: self.best_code_floor,
            seed: self.seed,
            ..Default::default()
        };
        params.logistic.c = self.c;
        Predictor::Classifier(params.with_features(self.features))
    }
}

/// Each gold label as the id of the code it names: an id, or else the name
/// of exactly one code (a codebook whose entries have an `id` beside their
/// label, with gold written in labels). Any other label is an error naming
/// the item.
fn labels_as_code_ids<'a>(
    cb: &Codebook,
    file: &Path,
    items: impl Iterator<Item = &'a mut GoldItem>,
) -> anyhow::Result<()> {
    for it in items {
        let mut ids = BTreeSet::new();
        for l in &it.labels {
            ids.extend(label_as_code_id(cb, file, &it.id, None, l)?);
        }
        it.labels = ids;
    }
    Ok(())
}

/// Each annotator's labels (`annotator_labels`) as code ids, read as
/// [`labels_as_code_ids`] reads the gold's: by id or name, a coder's
/// "no code" dropped. Before, they were compared with the code ids as
/// written, so annotators who wrote code names had no human kappa at all,
/// and a typo went unseen (h15/05). A label that names no code is an
/// error naming the file, the item and the annotator where the codebook
/// is a file (`strict`); without one (one code per gold label) it names
/// none of the codes scored, and is counted in a warning.
fn annotator_labels_as_code_ids<'a>(
    cb: &Codebook,
    file: &Path,
    items: impl Iterator<Item = &'a mut GoldItem>,
    strict: bool,
) -> anyhow::Result<()> {
    let mut unknown: Vec<(String, String, String)> = Vec::new();
    for it in items {
        let Some(annotators) = it.annotator_labels.as_mut() else {
            continue;
        };
        for (annotator, labels) in annotators.iter_mut() {
            let mut ids = BTreeSet::new();
            for l in labels.iter() {
                match label_as_code_id(cb, file, &it.id, Some(annotator), l) {
                    Ok(id) => ids.extend(id),
                    Err(e) if strict => return Err(e),
                    Err(_) => {
                        unknown.push((it.id.clone(), annotator.clone(), l.clone()));
                        ids.insert(l.clone());
                    }
                }
            }
            *labels = ids;
        }
    }
    if let Some((item, annotator, label)) = unknown.first() {
        tracing::warn!(
            "{}: {} annotator labels name none of the gold's labels (the first: item {item}, \
             annotator {annotator:?}, {label:?}); they count for no code's human kappa",
            file.display(),
            unknown.len()
        );
    }
    Ok(())
}

/// One gold label as the id of the code it names ([`code_of_label`]);
/// `None` for a coder's word for "no code". The error names the file, the
/// item, the annotator whose label it is (`None`: the gold's own) and the
/// code a typo most likely meant.
fn label_as_code_id(
    cb: &Codebook,
    file: &Path,
    item: &str,
    annotator: Option<&str>,
    label: &str,
) -> anyhow::Result<Option<String>> {
    match code_of_label(cb, label) {
        Ok(id) => Ok(Some(id)),
        // A coder's word for "no code", where no code is called so.
        Err(_) if NO_CODE_LABELS.contains(&label.trim().to_lowercase().as_str()) => Ok(None),
        Err(why) => bail!(
            "{}: gold item {item}: {}label {label:?} {why}{}",
            file.display(),
            annotator
                .map(|a| format!("annotator {a:?}'s "))
                .unwrap_or_default(),
            nearest_code(cb, label)
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default()
        ),
    }
}

/// The code id or name nearest a label that names none, within two edits
/// (or a third of the label): a typo's likely meaning.
fn nearest_code<'c>(cb: &'c Codebook, label: &str) -> Option<&'c str> {
    let label = label.trim().to_lowercase();
    let limit = 2.max(label.chars().count() / 3);
    cb.codes
        .iter()
        .flat_map(|c| [c.id.as_str(), c.name.as_str()])
        .map(|n| (classify::edit_distance(&label, &n.to_lowercase()), n))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

/// Labels a coder writes for an item with no code, lower case.
const NO_CODE_LABELS: &[&str] = &["none", "no code", "uncoded", "n/a", "na", "-", "—"];

/// The code a gold label names: its id, else its name, else either
/// without regard to case; a `Parent\Child` path (NVivo's and MAXQDA's
/// way of writing a code in its hierarchy) names its last part, under
/// that parent where two codes share the name. The error says why not.
fn code_of_label(cb: &Codebook, label: &str) -> Result<String, String> {
    let path: Vec<&str> = label
        .split('\\')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let (leaf, parent) = match path[..] {
        [.., parent, leaf] => (leaf, Some(parent)),
        _ => (label.trim(), None),
    };
    if cb.index_of(leaf).is_some() {
        return Ok(leaf.to_string());
    }
    let lower = leaf.to_lowercase();
    let tiers: [&dyn Fn(&classify::Code) -> bool; 2] = [&|c| c.name.trim() == leaf, &|c| {
        c.id.to_lowercase() == lower || c.name.trim().to_lowercase() == lower
    }];
    for matches in tiers {
        let mut hits: Vec<&classify::Code> = cb.codes.iter().filter(|c| matches(c)).collect();
        if hits.len() > 1 {
            if let Some(parent) = parent {
                let under = |c: &&classify::Code| {
                    c.parent.as_deref().is_some_and(|p| {
                        cb.index_of(p).is_some_and(|i| {
                            let pc = &cb.codes[i];
                            pc.id.eq_ignore_ascii_case(parent)
                                || pc.name.trim().eq_ignore_ascii_case(parent)
                        })
                    })
                };
                hits.retain(under);
            }
        }
        match hits[..] {
            [code] => return Ok(code.id.clone()),
            [] => {}
            _ => {
                return Err(format!(
                "names {} codes ({}); write a code's id, or its parent's name before a backslash",
                hits.len(),
                hits.iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            }
        }
    }
    Err("is not a code of the codebook".into())
}

/// One code per label seen, for evaluations without a codebook file.
pub fn codebook_from_labels(items: &[GoldItem]) -> Codebook {
    let labels: BTreeSet<&String> = items.iter().flat_map(|i| i.labels.iter()).collect();
    Codebook {
        name: "labels".into(),
        codes: labels
            .into_iter()
            .map(|l| classify::Code {
                id: l.clone(),
                name: l.clone(),
                definition: l.clone(),
                ..Default::default()
            })
            .collect(),
    }
}

/// `eval code --simulate-review`: the simulation's figures over seeds.
/// The codebook's own training rows (examples and counter-examples,
/// [`classify::codebook_rows`]) and their vectors: what `autocode code`
/// trains on besides the stored labels.
#[derive(Default)]
struct WrittenRows {
    rows: Vec<(String, Vec<classify::Label>)>,
    vectors: Vec<Vec<f32>>,
}

impl WrittenRows {
    /// The codebook's rows, embedded through the cache.
    fn embed(cache: &mut Store, enc: &dyn embed::Encoder, cb: &Codebook) -> anyhow::Result<Self> {
        let rows = classify::codebook_rows(cb);
        let texts: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
        let vectors = if texts.is_empty() {
            Vec::new()
        } else {
            cached_embeddings(cache, enc, &texts)?
        };
        Ok(WrittenRows { rows, vectors })
    }

    /// As a training set, group [`classify::CODEBOOK_GROUP`].
    fn set(&self) -> classify::TrainingSet<'_> {
        classify::TrainingSet {
            embeddings: self.vectors.iter().map(Vec::as_slice).collect(),
            texts: self.rows.iter().map(|(t, _)| t.as_str()).collect(),
            labels: self.rows.iter().map(|(_, l)| l.clone()).collect(),
            groups: vec![classify::CODEBOOK_GROUP.to_string(); self.rows.len()],
            context: Vec::new(),
        }
    }
}

pub fn eval_simulated_review(
    opts: &EvalCodeOptions,
    project: &Path,
) -> anyhow::Result<classify::simulate::SimulationReport> {
    let sim = opts.simulate_review.clone().unwrap_or_default();
    opts.check()?;
    sim.check().map_err(|e| match &e {
        classify::ClassifyError::Param { field, .. } => {
            let flag = match *field {
                "per_code_steps" => "--per-code-steps",
                "seeds" => "--seeds",
                "batch" => "--batch",
                "folds" => "--folds",
                other => other,
            };
            anyhow::anyhow!("{flag}: {e}")
        }
        _ => anyhow::Error::new(e),
    })?;
    let file_cb = opts.codebook_file()?;
    let (rows, mut gold) = read_gold_rows(&opts.gold, file_cb.as_ref(), opts.limit)?;
    let cb = file_cb.unwrap_or_else(|| codebook_from_labels(&gold));
    labels_as_code_ids(&cb, &opts.gold, gold.iter_mut())?;
    for it in gold.iter_mut() {
        let mut extra = Vec::new();
        for l in &it.labels {
            if let Some(i) = cb.index_of(l) {
                extra.extend(cb.ancestors(i).into_iter().map(|j| cb.codes[j].id.clone()));
            }
        }
        it.labels.extend(extra);
    }
    let Predictor::Classifier(params) = opts.predictor() else {
        bail!("--simulate-review needs a classifier, not --mode keyword");
    };
    let enc = crate::load_model(
        &crate::model_dir(opts.model.as_deref(), None)?,
        opts.precision,
    )?;
    let mut cache = open_cache(&cache_path(opts.cache.as_deref(), project))?;
    let texts: Vec<&str> = gold.iter().map(|i| i.text.as_str()).collect();
    let emb = cached_embeddings(&mut cache, &enc, &texts)?;
    let protos = crate::code::prototypes(&enc, &cb)?;
    let written = WrittenRows::embed(&mut cache, &enc, &cb)?;
    let questions = opts.questions(&gold, &rows, &opts.gold, &mut cache, &enc)?;
    let question_refs: Vec<Option<&[f32]>> = questions.iter().map(|q| q.as_deref()).collect();
    let refs: Vec<&GoldItem> = gold.iter().collect();
    let emb_refs: Vec<&[f32]> = emb.iter().map(|v| v.as_slice()).collect();
    let sim = classify::simulate::SimulationOptions {
        folds: opts.folds,
        by_item: opts.group_by == GroupBy::Id,
        seed: opts.seed,
        ..sim
    };
    Ok(classify::simulate::simulate_review(
        &cb,
        &protos,
        &written.set(),
        &refs,
        &emb_refs,
        &question_refs,
        &params.check()?,
        &sim,
    )?)
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalCodeSummary {
    #[serde(flatten)]
    pub report: EvalReport,
    /// Time of the evaluation proper (embedding excluded).
    pub seconds: f64,
    /// With `--train`: how many of the `--gold` items scored are in the
    /// training file too ([`test_items_in_train`]); their figures are not
    /// held out. Absent in a cross-validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_items_in_train: Option<usize>,
}

/// How many of `test`'s items `train` holds too: an item of the same id,
/// or of the same text in the same document (or, in files without
/// documents, by the same speaker). A train/test split is read as held
/// out; one whose test items are in its training file (the same file
/// twice, two batches that share transcripts) was scored without a word
/// (h15/02).
fn test_items_in_train(train: &[GoldItem], test: &[GoldItem]) -> usize {
    // Where an item is: its document, else (a sheet of answers) its
    // speaker; an item of neither is known by its id alone.
    fn place(it: &GoldItem) -> Option<(&'static str, &str)> {
        it.doc
            .as_deref()
            .map(|d| ("doc", d))
            .or(it.speaker.as_deref().map(|s| ("speaker", s)))
    }
    let ids: BTreeSet<&str> = train.iter().map(|it| it.id.as_str()).collect();
    let texts: BTreeSet<(&str, &str, &str)> = train
        .iter()
        .filter_map(|it| place(it).map(|(kind, name)| (kind, name, it.text.trim())))
        .collect();
    test.iter()
        .filter(|it| {
            ids.contains(it.id.as_str())
                || place(it)
                    .is_some_and(|(kind, name)| texts.contains(&(kind, name, it.text.trim())))
        })
        .count()
}

/// Warns when no item of a gold or training file carries a code: a labels
/// column misnamed, or codes that match none of the codebook's, read as a
/// file of uncoded items (each of which is a valid "no code" answer).
fn warn_if_uncoded(path: &Path, items: &[GoldItem], consequence: &str) {
    if !items.is_empty() && items.iter().all(|it| it.labels.is_empty()) {
        tracing::warn!(
            "{}: none of its {} items carries a code; {consequence}",
            path.display(),
            items.len()
        );
    }
}

/// `eval code`: per-code P/R/F1/kappa, macro-F1 and calibration of the
/// classifier (or the keyword baseline) against gold codings.
/// `project` is where the embedding cache defaults to (see [`cache_path`]).
pub fn eval_code(opts: &EvalCodeOptions, project: &Path) -> anyhow::Result<EvalCodeSummary> {
    opts.check()?;
    let file_cb = opts.codebook_file()?;
    let (rows, mut gold) = read_gold_rows(&opts.gold, file_cb.as_ref(), opts.limit)?;
    let (train_rows, mut train_items) = match &opts.train {
        Some(p) => {
            let (rows, items) = read_gold_rows(p, file_cb.as_ref(), None)?;
            (rows, Some(items))
        }
        None => (Vec::new(), None),
    };
    let codebook_given = file_cb.is_some();
    let cb = file_cb.unwrap_or_else(|| codebook_from_labels(&gold));
    labels_as_code_ids(&cb, &opts.gold, gold.iter_mut())?;
    annotator_labels_as_code_ids(&cb, &opts.gold, gold.iter_mut(), codebook_given)?;
    if let (Some(path), Some(items)) = (&opts.train, train_items.as_mut()) {
        labels_as_code_ids(&cb, path, items.iter_mut())?;
    }
    // A child code implies its parent, in the gold as in the predictions.
    for it in gold.iter_mut().chain(train_items.iter_mut().flatten()) {
        let mut extra = Vec::new();
        for l in &it.labels {
            if let Some(i) = cb.index_of(l) {
                extra.extend(cb.ancestors(i).into_iter().map(|j| cb.codes[j].id.clone()));
            }
        }
        it.labels.extend(extra);
    }
    let predictor = opts.predictor();
    warn_if_uncoded(
        &opts.gold,
        &gold,
        "nothing can be scored: every code's kappa and F1 are 0",
    );
    let test_items_in_train = match (&opts.train, &train_items) {
        (Some(path), Some(items)) => {
            let n = test_items_in_train(items, &gold);
            if n > 0 {
                tracing::warn!(
                    "{}: {n} of its {} items are also in the training file {} (the same id, or \
                     the same text in the same document); their figures are not held out",
                    opts.gold.display(),
                    gold.len(),
                    path.display()
                );
            }
            Some(n)
        }
        _ => None,
    };
    if let (Some(path), Some(items)) = (&opts.train, &train_items) {
        if !matches!(predictor, Predictor::Keyword) && !matches!(opts.mode, EvalMode::ZeroShot) {
            warn_if_uncoded(path, items, "every code falls back to zero-shot");
        }
    }
    let eval_opts = opts.eval_options();
    let needs_model = !matches!(predictor, Predictor::Keyword) || opts.dump.is_some();
    let (protos, gold_emb, train_emb, written, gold_q, train_q) = if needs_model {
        let enc = crate::load_model(
            &crate::model_dir(opts.model.as_deref(), None)?,
            opts.precision,
        )?;
        let mut cache = open_cache(&cache_path(opts.cache.as_deref(), project))?;
        let texts: Vec<&str> = gold.iter().map(|i| i.text.as_str()).collect();
        let ge = cached_embeddings(&mut cache, &enc, &texts)?;
        let te = match &train_items {
            Some(t) => {
                let texts: Vec<&str> = t.iter().map(|i| i.text.as_str()).collect();
                cached_embeddings(&mut cache, &enc, &texts)?
            }
            None => Vec::new(),
        };
        let written = WrittenRows::embed(&mut cache, &enc, &cb)?;
        let gq = opts.questions(&gold, &rows, &opts.gold, &mut cache, &enc)?;
        let tq = match (&train_items, &opts.train) {
            (Some(t), Some(file)) => opts.questions(t, &train_rows, file, &mut cache, &enc)?,
            _ => Vec::new(),
        };
        (crate::code::prototypes(&enc, &cb)?, ge, te, written, gq, tq)
    } else {
        // No vectors, one (empty) per item: the neighbours' contexts index
        // them (`--mode keyword --train` panicked on spoken rows).
        let train_len = train_items.as_ref().map_or(0, Vec::len);
        (
            vec![Vec::new(); cb.codes.len()],
            vec![Vec::new(); gold.len()],
            vec![Vec::new(); train_len],
            WrittenRows::default(),
            Vec::new(),
            Vec::new(),
        )
    };
    let written = written.set();
    let gold_refs: Vec<&GoldItem> = gold.iter().collect();
    let gold_emb_refs: Vec<&[f32]> = gold_emb.iter().map(|v| v.as_slice()).collect();
    let gold_q: Vec<Option<&[f32]>> = gold_q.iter().map(|q| q.as_deref()).collect();
    let train_q: Vec<Option<&[f32]>> = train_q.iter().map(|q| q.as_deref()).collect();
    if let Some(path) = &opts.dump {
        // The folds the cross-validation uses (by document, or by
        // respondent in a sheet of answers), not a grouping of its own.
        let (groups, _) = classify::eval::fold_groups(
            &gold.iter().collect::<Vec<_>>(),
            opts.folds,
            opts.group_by == GroupBy::Id,
        )?;
        let folds = classify::model::group_folds(&groups, opts.folds, opts.seed);
        let dump = serde_json::json!({
            "codes": cb.codes.iter().map(|c| &c.id).collect::<Vec<_>>(),
            "folds": folds,
            "labels": gold.iter().map(|i| &i.labels).collect::<Vec<_>>(),
            "texts": gold.iter().map(|i| &i.text).collect::<Vec<_>>(),
            "embeddings": gold_emb,
        });
        std::fs::write(path, serde_json::to_vec(&dump)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let t0 = std::time::Instant::now();
    let report = match &train_items {
        None => classify::eval::cross_validate(
            &cb,
            &protos,
            &written,
            &gold_refs,
            &gold_emb_refs,
            &gold_q,
            &predictor,
            &eval_opts,
        )?,
        Some(train) => {
            let train_refs: Vec<&GoldItem> = train.iter().collect();
            let te: Vec<&[f32]> = train_emb.iter().map(|v| v.as_slice()).collect();
            classify::eval::train_test(
                &cb,
                &protos,
                &written,
                &train_refs,
                &te,
                &train_q,
                &gold_refs,
                &gold_emb_refs,
                &gold_q,
                &predictor,
                &eval_opts,
            )?
        }
    };
    let seconds = t0.elapsed().as_secs_f64();
    if let Some(path) = &opts.predictions {
        let mut out = String::new();
        for (item, probs) in gold.iter().zip(&report.item_probabilities) {
            let by_code: BTreeMap<&str, f64> = cb
                .codes
                .iter()
                .zip(probs)
                .map(|(c, p)| (c.id.as_str(), (*p as f64 * 1e6).round() / 1e6))
                .collect();
            out.push_str(&serde_json::to_string(&serde_json::json!({
                "id": item.id,
                "doc": item.doc,
                "speaker": item.speaker,
                "labels": item.labels,
                "probabilities": by_code,
            }))?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(EvalCodeSummary {
        report,
        seconds,
        test_items_in_train,
    })
}

#[derive(Debug, Clone)]
pub struct EvalThemesOptions {
    /// Gold JSONL ([`read_gold`]); items with exactly one label are used.
    pub gold: PathBuf,
    pub model: Option<PathBuf>,
    /// Number format of the model's projections (part of the cache's key).
    pub precision: embed::Precision,
    /// Embedding cache store; `None`: see [`cache_path`].
    pub cache: Option<PathBuf>,
    pub params: ThemeParams,
    /// Also write the used sentences' embeddings (.npy), labels (.labels.txt)
    /// and texts with labels (.items.jsonl, for baselines) here.
    pub dump: Option<PathBuf>,
    /// Minimal responses are left out, as `autocode themes` does.
    pub spoken: themes::SpokenParams,
    /// Embed `themes::spoken::clean(text)` instead of the text: the
    /// measurement of cleaning before embedding (docs/themes.md).
    pub embed_cleaned: bool,
    /// The codebook a gold table's code columns are named after (as
    /// `eval code --codebook`); its labels are then read as code ids.
    pub codebook: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalThemesSummary {
    pub gold: String,
    pub model_key: String,
    pub sentences_in_gold: usize,
    pub single_label_used: usize,
    /// Single-label sentences left out as minimal responses (not in `single_label_used`).
    pub skipped_minimal: usize,
    pub gold_labels: usize,
    pub themes: usize,
    pub outlier_share: f64,
    pub adjusted_rand_index: f64,
    pub nmi: f64,
    pub note: &'static str,
}

/// `eval themes`: adjusted Rand index and NMI of the clustering against
/// the single-label gold items.
pub fn eval_themes(opts: &EvalThemesOptions, project: &Path) -> anyhow::Result<EvalThemesSummary> {
    let params = opts.params.clone().check()?;
    opts.spoken.check()?;
    let cb = opts
        .codebook
        .as_deref()
        .map(crate::load_codebook)
        .transpose()?;
    let mut all = read_gold(&opts.gold, cb.as_ref())?;
    if let Some(cb) = &cb {
        labels_as_code_ids(cb, &opts.gold, all.iter_mut())?;
    }
    let single: Vec<(&str, &str)> = all
        .iter()
        .filter_map(|it| match it.labels.iter().collect::<Vec<_>>().as_slice() {
            [only] => Some((it.text.as_str(), only.as_str())),
            _ => None,
        })
        .collect();
    let items: Vec<(&str, &str)> = single
        .iter()
        .filter(|(t, _)| !opts.spoken.skips_in_themes(t))
        .copied()
        .collect();
    let skipped_minimal = single.len() - items.len();
    if items.len() < 2 {
        bail!(
            "{}: fewer than 2 sentences with exactly one label",
            opts.gold.display()
        );
    }
    let encoder = crate::load_model(
        &crate::model_dir(opts.model.as_deref(), None)?,
        opts.precision,
    )?;
    let mut cache = open_cache(&cache_path(opts.cache.as_deref(), project))?;
    let cleaned: Vec<String> = if opts.embed_cleaned {
        items
            .iter()
            .map(|(t, _)| themes::spoken::clean(t))
            .collect()
    } else {
        Vec::new()
    };
    let texts: Vec<&str> = if opts.embed_cleaned {
        cleaned.iter().map(String::as_str).collect()
    } else {
        items.iter().map(|(t, _)| *t).collect()
    };
    let vectors = cached_embeddings(&mut cache, &encoder, &texts)?;
    let dim = encoder.dim();
    let flat: Vec<f32> = vectors.into_iter().flatten().collect();
    if let Some(out) = &opts.dump {
        let mut w = embed::npy::NpyWriter::create(out, items.len(), dim)?;
        for v in flat.chunks_exact(dim) {
            w.write_row(v)?;
        }
        w.finish()?;
        let labels: String = items.iter().map(|(_, l)| format!("{l}\n")).collect();
        std::fs::write(out.with_extension("labels.txt"), labels)?;
        let mut lines = String::new();
        for (text, label) in &items {
            lines.push_str(&serde_json::to_string(
                &serde_json::json!({"text": text, "label": label}),
            )?);
            lines.push('\n');
        }
        std::fs::write(out.with_extension("items.jsonl"), lines)?;
    }
    // Keys: line number, as the gold file fixes the sentences.
    let ds = Dataset::new((0..items.len()).collect(), flat, dim)?;
    let fit = params.fit(&ds)?;
    let gold: Vec<&str> = items.iter().map(|(_, l)| *l).collect();
    let pred: Vec<i64> = fit
        .labels
        .iter()
        .map(|l| l.map_or(-1, |t| t as i64))
        .collect();
    Ok(EvalThemesSummary {
        gold: opts.gold.display().to_string(),
        model_key: encoder.model_key().to_string(),
        sentences_in_gold: all.len(),
        single_label_used: items.len(),
        skipped_minimal,
        gold_labels: gold.iter().collect::<BTreeSet<_>>().len(),
        themes: fit.n_leaves,
        outlier_share: fit.outlier_share,
        adjusted_rand_index: adjusted_rand_index(&gold, &pred),
        nmi: normalized_mutual_info(&gold, &pred),
        note: "unclustered sentences count as one cluster (as BERTopic's topic -1)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_refuses_fewer_than_two_folds() {
        let opts = EvalCodeOptions {
            folds: 0,
            ..Default::default()
        };
        assert!(opts.check().unwrap_err().to_string().contains("--folds 0"));
        let opts = EvalCodeOptions {
            folds: 2,
            ..Default::default()
        };
        opts.check().unwrap();
    }

    fn row(id: &str, doc: &str, speaker: &str, text: &str) -> GoldItem {
        GoldItem {
            id: id.into(),
            doc: Some(doc.into()),
            speaker: Some(speaker.into()),
            text: text.into(),
            labels: Default::default(),
            annotator_labels: None,
            turn: None,
            question: None,
        }
    }

    /// A gold file's interviewer rows are not scored and are the questions
    /// of the turns after them, by autocode's ids or, failing those, by
    /// the file's order (a turn: a run of one speaker's rows).
    #[test]
    fn moderator_rows_are_the_questions_of_the_turns_after_them() {
        let spoken = themes::SpokenParams::default();
        let mut by_order = [
            row("1", "a", "Respondent", "Before any question."),
            row(
                "2",
                "a",
                "Interviewer",
                "How do you keep in touch with the team?",
            ),
            row("3", "a", "Respondent", "We have a call every Monday."),
            row("4", "a", "Respondent", "And a chat channel."),
            row("5", "a", "Interviewer", "Mm-hmm."),
            row("6", "a", "Respondent", "It works, mostly."),
            row("7", "b", "Respondent", "Another interview."),
            row("8", "a", "I", "And the costs of the office?"),
            row("9", "a", "Respondent", "We gave up the lease."),
        ];
        // The reader's turns (`read_gold_rows`).
        let refs: Vec<&GoldItem> = by_order.iter().collect();
        let turns = classify::context::speaker_runs(&refs);
        for (it, turn) in by_order.iter_mut().zip(turns) {
            it.turn = turn;
        }
        assert!(is_moderator_row(&by_order[1]) && is_moderator_row(&by_order[7]));
        assert!(!is_moderator_row(&by_order[0]));
        let q = row_question_sentences(&by_order, &spoken);
        let none: Vec<usize> = Vec::new();
        assert_eq!(q[0], none);
        assert_eq!(q[1], none);
        assert_eq!((&q[2], &q[3], &q[5]), (&vec![1], &vec![1], &vec![1]));
        assert_eq!(q[6], none);
        assert_eq!(q[8], vec![7]);
        // Autocode's ids order the rows, whatever the file's order.
        let by_id = [
            row("a:3:0", "a", "Respondent", "We have a call every Monday."),
            row(
                "a:2:0",
                "a",
                "Interviewer",
                "How do you keep in touch with the team?",
            ),
            row("a:1:0", "a", "Respondent", "Before any question."),
        ];
        let q = row_question_sentences(&by_id, &spoken);
        assert_eq!((&q[0], &q[1], &q[2]), (&vec![1], &none, &none));
    }

    /// Without autocode's ids, an interviewer's row ends the answer before
    /// it, though it is not an item: the answers on either side are two
    /// turns, not each other's context.
    #[test]
    fn an_interviewers_row_ends_the_turn_in_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gold.jsonl");
        let line = |speaker: &str, text: &str| {
            format!("{{\"doc\": \"d\", \"speaker\": \"{speaker}\", \"text\": \"{text}\", \"labels\": []}}\n")
        };
        let body = [
            line("Respondent", "We had an office."),
            line("Respondent", "Then we gave it up."),
            line("Interviewer", "And your clients?"),
            line("Respondent", "They did not mind."),
        ]
        .concat();
        std::fs::write(&p, body).unwrap();
        let (rows, items) = read_gold_rows(&p, None, None).unwrap();
        assert_eq!((rows.len(), items.len()), (4, 3));
        let refs: Vec<&GoldItem> = items.iter().collect();
        assert_eq!(
            classify::context::gold_neighbours(&refs),
            vec![(None, Some(1)), (Some(0), None), (None, None)]
        );
    }

    #[test]
    fn qda_exports_and_coding_sheets_read_as_their_items() {
        let dir = tempfile::tempdir().unwrap();
        let cb = classify::parse_codebook(
            concat!(
                "name: S\ncodes:\n",
                "  - id: challenges\n    name: Challenges\n    definition: hard things\n",
                "  - id: isolation\n    name: Isolation\n    parent: challenges\n    definition: alone\n",
                "  - id: tools\n    name: Tools, kit and software\n    definition: software\n",
                "  - id: costs\n    name: Costs\n    definition: money\n",
            ),
            "cb.yaml",
            classify::CodebookFormat::Yaml,
        )
        .unwrap();
        let read = |name: &str, body: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, body).unwrap();
            read_gold(&p, Some(&cb)).map_err(|e| format!("{e:#}"))
        };
        let labels = |items: &[GoldItem]| -> Vec<(String, Vec<String>)> {
            let mut items: Vec<GoldItem> = items.to_vec();
            let cbr = &cb;
            labels_as_code_ids(cbr, Path::new("g.csv"), items.iter_mut()).unwrap();
            items
                .into_iter()
                .map(|i| (i.text, i.labels.into_iter().collect()))
                .collect()
        };
        // MAXQDA's coded segments: one row per coding, `Parent\Child`.
        let maxqda = read(
            "m.csv",
            "Document name,Code,Segment,Comment\n\
             int1,Challenges\\Isolation,Nobody to talk to.,\n\
             int1,Costs,Nobody to talk to.,memo\n\
             int1,\"Tools, kit and software\",The VPN drops.,\n",
        )
        .unwrap();
        assert_eq!(
            labels(&maxqda),
            vec![
                (
                    "Nobody to talk to.".into(),
                    vec!["costs".into(), "isolation".into()]
                ),
                ("The VPN drops.".into(), vec!["tools".into()]),
            ]
        );
        // A survey sheet: `Response`, codes by `|`, commas and line breaks.
        let sheet = read(
            "s.csv",
            "id,Response,Codes\n1,Too dear.,costs|TOOLS\n2,Alone.,\"isolation\ncosts\"\n3,The kit.,\"Tools, kit and software\"\n4,Both.,\"costs, isolation\"\n",
        )
        .unwrap();
        assert_eq!(
            labels(&sheet),
            vec![
                ("Too dear.".into(), vec!["costs".into(), "tools".into()]),
                ("Alone.".into(), vec!["costs".into(), "isolation".into()]),
                ("The kit.".into(), vec!["tools".into()]),
                ("Both.".into(), vec!["costs".into(), "isolation".into()]),
            ]
        );
        // One column per code: a code without its column, and a column of
        // marks naming no code, are errors naming them.
        let err = read("c.csv", "text,Isolation,Tools\nHi,x,\n").unwrap_err();
        assert!(
            err.contains("the codebook's `costs` has no column here"),
            "{err}"
        );
        let err = read(
            "d.csv",
            "text,Isolation,Tools,Costs,Childcare\nHi,x,,,1\nHo,,x,,0\n",
        )
        .unwrap_err();
        assert!(
            err.contains("`childcare` hold(s) marks like a code's column"),
            "{err}"
        );
        // One id on two rows is one item; with two texts, an error.
        let ok = read(
            "e.jsonl",
            "{\"id\": \"a\", \"text\": \"Hi.\", \"labels\": [\"costs\"]}\n{\"id\": \"a\", \"text\": \"Hi.\", \"labels\": [\"tools\"]}\n",
        )
        .unwrap();
        assert_eq!(
            labels(&ok),
            vec![("Hi.".into(), vec!["costs".into(), "tools".into()])]
        );
        let err = read(
            "f.jsonl",
            "{\"id\": \"a\", \"text\": \"Hi.\", \"labels\": []}\n{\"id\": \"a\", \"text\": \"Ho.\", \"labels\": []}\n",
        )
        .unwrap_err();
        assert!(
            err.contains("item \"a\" is given twice with different texts"),
            "{err}"
        );
        // Headers as tools write them, marks as numbers, Qualtrics' extra
        // rows, `none`, and a respondent's "Nothing." twice: two items.
        let sheet = read(
            "g.csv",
            "ResponseId,text,1. Isolation,Challenges\\Costs,Code: Tools Applied\n\
             Response ID,Q3 - Open text,,,\n\
             R1,Alone.,1.0,0.0,0\n\
             R2,Nothing.,0,0,0\n\
             R2,Nothing.,0,0,0\n",
        )
        .unwrap();
        assert_eq!(
            labels(&sheet),
            vec![
                ("Alone.".into(), vec!["isolation".into()]),
                ("Nothing.".into(), vec![]),
                ("Nothing.".into(), vec![]),
            ]
        );
        let none = read(
            "h.csv",
            "Coding of Q3 - coder JM,\n,\ntext,codes\nHi.,none\nHo.,costs\n",
        )
        .unwrap();
        assert_eq!(
            labels(&none),
            vec![("Hi.".into(), vec![]), ("Ho.".into(), vec!["costs".into()])]
        );
    }

    #[test]
    fn a_gold_table_says_which_columns_clash() {
        let dir = tempfile::tempdir().unwrap();
        let cb = classify::parse_codebook(
            "name: S\ncodes:\n  - id: privacy\n    name: Privacy\n    definition: Data about people\n",
            "cb.yaml",
            classify::CodebookFormat::Yaml,
        )
        .unwrap();
        let read = |name: &str, body: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, body).unwrap();
            read_gold(&p, Some(&cb)).map_err(|e| format!("{e:#}"))
        };
        let err = read("a.csv", "text,text,labels\nHi,Ho,privacy\n").unwrap_err();
        assert!(
            err.ends_with("a.csv: `text` heads column 1 and column 2; keep one of them"),
            "{err}"
        );
        let err = read("b.csv", "text,labels,Privacy\nHi,privacy,x\n").unwrap_err();
        assert!(
            err.contains("b.csv: both a `labels` column (column 2) and columns named after codes (`privacy`, column 3)"),
            "{err}"
        );
        let err = read("c.csv", "text,privacy,Privacy\nHi,x,\n").unwrap_err();
        assert!(
            err.contains(
                "c.csv: columns 2 (`privacy`) and 3 (`privacy`) both name the code \"privacy\""
            ),
            "{err}"
        );
        // Names of one role in order of preference: a speaker column before
        // a participant id, not an error.
        let items = read(
            "d.csv",
            "participant_id,speaker,text,labels\nP1,Anna,Hi,privacy\n",
        )
        .unwrap();
        assert_eq!(items[0].speaker.as_deref(), Some("Anna"));
        assert_eq!(items[0].labels.iter().collect::<Vec<_>>(), ["privacy"]);
    }

    #[test]
    fn read_gold_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gold.jsonl");
        std::fs::write(&p, "{\"text\": \"a\", \"labels\": [\"x\"]}\n\nnot json\n").unwrap();
        let err = format!("{:#}", read_gold(&p, None).unwrap_err());
        assert!(err.contains("gold.jsonl:3"), "{err}");
        std::fs::write(&p, "{\"text\": \"a\", \"labels\": [\"x\"]}\n").unwrap();
        let items = read_gold(&p, None).unwrap();
        assert_eq!(items[0].id, format!("{}:1", p.display()));
        // Saved by Notepad: a byte-order mark and CRLF line ends.
        std::fs::write(
            &p,
            "\u{feff}{\"text\": \"a\", \"labels\": [\"x\"]}\r\n{\"text\": \"b\", \"labels\": []}\r\n",
        )
        .unwrap();
        let items = read_gold(&p, None).unwrap();
        assert_eq!(
            items.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        std::fs::write(
            &p,
            b"{\"text\": \"a\", \"labels\": []}\n{\"text\": \"\xff\"}\n",
        )
        .unwrap();
        let err = format!("{:#}", read_gold(&p, None).unwrap_err());
        assert!(err.contains("gold.jsonl:2: invalid UTF-8"), "{err}");
        // No item to read: said of the file, not later of the folds.
        for empty in ["", "\n\n", "{\"text\": \" \", \"labels\": []}\n"] {
            std::fs::write(&p, empty).unwrap();
            let err = format!("{:#}", read_gold(&p, None).unwrap_err());
            assert!(
                err.starts_with(&format!("{}: no gold item with a text", p.display())),
                "{err}"
            );
        }
    }

    /// The keyword baseline's `eval code` of `gold` (a codebook of
    /// P > {A, B} and C), no model needed.
    fn keyword_eval(
        dir: &Path,
        gold: &str,
        tune: impl Fn(&mut EvalCodeOptions),
    ) -> anyhow::Result<EvalCodeSummary> {
        let cb = dir.join("cb.yaml");
        std::fs::write(
            &cb,
            concat!(
                "codes:\n",
                "  - id: p\n    name: Parent code\n    definition: p\n",
                "  - id: a\n    name: Alpha\n    parent: p\n    definition: a\n",
                "  - id: b\n    name: Beta\n    parent: p\n    definition: b\n",
                "  - id: c\n    name: Gamma\n    definition: c\n",
            ),
        )
        .unwrap();
        let path = dir.join("gold.jsonl");
        std::fs::write(&path, gold).unwrap();
        let mut opts = EvalCodeOptions {
            gold: path,
            codebook: Some(cb),
            folds: 2,
            mode: EvalMode::Keyword,
            ..Default::default()
        };
        tune(&mut opts);
        eval_code(&opts, dir)
    }

    /// Four documents of two sentences and a fifth of one, each coded by
    /// two annotators who write codes by name (`one`, `two`: the first
    /// sentence's codes, the second's; the fifth's is Gamma for both); the
    /// gold is the first annotator's. The second leaves document d0 uncoded.
    fn annotated_gold(one: [&str; 2], two: [&str; 2]) -> String {
        let line = |id: &str, doc: &str, text: &str, gold: &str, ak: &str, bm: &str| {
            let list = |l: &str| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("\"{l}\"")
                }
            };
            format!(
                "{{\"id\": \"{id}\", \"doc\": \"{doc}\", \"speaker\": \"R\", \"text\": \"{text}\", \
                 \"labels\": [{}], \"annotator_labels\": {{\"AK\": [{}], \"BM\": [{}]}}}}\n",
                list(gold),
                list(ak),
                list(bm)
            )
        };
        let mut out = String::new();
        for d in 0..4 {
            for (s, text) in ["alpha talk", "beta talk"].iter().enumerate() {
                let bm = if d == 0 { "" } else { two[s] };
                out += &line(
                    &format!("d{d}:0:{s}"),
                    &format!("d{d}"),
                    text,
                    one[s],
                    one[s],
                    bm,
                );
            }
        }
        out + &line("d4:0:0", "d4", "gamma", "Gamma", "Gamma", "Gamma")
    }

    /// h15/05 and h15/04: annotators' labels are read as the gold's are
    /// (by id or name; a typo is an error naming the annotator), and
    /// closed upward: the parent p, which neither annotator names, has its
    /// human kappa (before: every human kappa null, by name or not).
    #[test]
    fn annotators_labels_are_read_and_closed_as_the_golds() {
        let dir = tempfile::tempdir().unwrap();
        let gold = annotated_gold(["Alpha", "Beta"], ["Alpha", "b"]);
        let r = keyword_eval(dir.path(), &gold, |_| {}).unwrap().report;
        let human = |code: &str| r.per_code[code].human_kappa.unwrap();
        // a: AK 4 of 9 sentences, BM 3 of them: p_o = 8/9,
        // p_e = (4·3 + 5·6)/81 = 42/81; κ = (72 − 42)/(81 − 42) = 10/13.
        assert!((human("a") - 10.0 / 13.0).abs() < 1e-12, "{}", human("a"));
        assert!((human("b") - 10.0 / 13.0).abs() < 1e-12, "{}", human("b"));
        // p (a or b): AK 8 of 9, BM 6: p_o = 7/9, p_e = (8·6 + 1·3)/81 =
        // 51/81; κ = (63 − 51)/(81 − 51) = 0.4.
        assert!((human("p") - 0.4).abs() < 1e-12, "{}", human("p"));
        assert_eq!(human("c"), 1.0);
        let mean = (2.0 * 10.0 / 13.0 + 0.4 + 1.0) / 4.0;
        assert!((r.human_mean_kappa.unwrap() - mean).abs() < 1e-12);
        // A typo in an annotator's label is an error naming it, as in the gold's.
        let typo = annotated_gold(["Alpha", "Beta"], ["Alpah", "b"]);
        let err = format!("{:#}", keyword_eval(dir.path(), &typo, |_| {}).unwrap_err());
        assert!(
            err.contains(
                "gold item d1:0:0: annotator \"BM\"'s label \"Alpah\" is not a code of the \
                 codebook (did you mean \"Alpha\"?)"
            ),
            "{err}"
        );
        // Without a codebook (one code per gold label) such a label is no
        // code scored: counted in a warning, not an error.
        let r = keyword_eval(dir.path(), &typo, |o| o.codebook = None)
            .unwrap()
            .report;
        assert_eq!(r.per_code["Gamma"].human_kappa, Some(1.0));
    }

    /// h15/03: `--group-by id` groups the folds by item and no more: the
    /// items keep their documents (before, erased, and with them the
    /// neighbours and questions the learner reads; the predictions file
    /// wrote `"doc": null`).
    #[test]
    fn group_by_id_keeps_the_items_documents() {
        let dir = tempfile::tempdir().unwrap();
        let predictions = dir.path().join("p.jsonl");
        let gold = annotated_gold(["Alpha", "Beta"], ["Alpha", "Beta"]);
        let r = keyword_eval(dir.path(), &gold, |o| {
            o.group_by = GroupBy::Id;
            o.predictions = Some(predictions.clone());
        })
        .unwrap()
        .report;
        assert_eq!(r.grouped_by, "item");
        let docs: Vec<serde_json::Value> = std::fs::read_to_string(&predictions)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["doc"].clone())
            .collect();
        assert_eq!(docs[0], "d0");
        assert_eq!(docs[7], "d3");
    }

    /// h15/02: a train/test split whose test items are in the training
    /// file (same id, or same text in the same document) says how many.
    #[test]
    fn test_items_also_in_the_training_file_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let gold = annotated_gold(["Alpha", "Beta"], ["Alpha", "Beta"]);
        let train = dir.path().join("train.jsonl");
        // d0 as it is, d1 under other ids, d2 and d3 not at all.
        let mut lines: Vec<String> = gold.lines().take(4).map(str::to_string).collect();
        lines[2] = lines[2].replace("d1:0:0", "other-0");
        lines[3] = lines[3].replace("d1:0:1", "other-1");
        lines.push(
            "{\"id\": \"x\", \"doc\": \"d2\", \"text\": \"unlike the test's\", \"labels\": [\"Alpha\"]}".into(),
        );
        std::fs::write(&train, lines.join("\n") + "\n").unwrap();
        let s = keyword_eval(dir.path(), &gold, |o| o.train = Some(train.clone())).unwrap();
        assert_eq!(s.test_items_in_train, Some(4));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["test_items_in_train"], 4);
        // A cross-validation has no such count.
        let s = keyword_eval(dir.path(), &gold, |_| {}).unwrap();
        assert_eq!(s.test_items_in_train, None);
        assert!(serde_json::to_value(&s)
            .unwrap()
            .get("test_items_in_train")
            .is_none());
    }

    /// hg/05: a gold file written as one JSON array, over many lines or
    /// one, is named as one with what JSON Lines is, not "EOF while
    /// parsing a list" or "invalid type: map".
    #[test]
    fn a_gold_file_of_one_json_array_says_it_is_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gold.jsonl");
        let item = "{\"text\": \"a\", \"labels\": [\"x\"]}";
        for (body, line) in [
            (format!("[\n  {item},\n  {item}\n]\n"), 1),
            (format!("\u{feff}\n[{item}, {item}]\n"), 2),
        ] {
            std::fs::write(&p, body).unwrap();
            let err = format!("{:#}", read_gold(&p, None).unwrap_err());
            assert!(
                err.starts_with(&format!(
                    "{}:{line}: the file is one JSON array; a gold file is JSON Lines, one object per line",
                    p.display()
                )),
                "{err}"
            );
        }
    }

    /// Predictions that give no code's probability are refused by name,
    /// not simulated into a table of NaN.
    #[test]
    fn audit_simulation_of_predictions_without_codes_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("preds.jsonl");
        let lines: String = (0..20)
            .map(|i| {
                format!(
                    "{{\"id\":\"a{i}\",\"doc\":\"d{i}\",\"labels\":[],\"probabilities\":{{}}}}\n"
                )
            })
            .collect();
        std::fs::write(&p, lines).unwrap();
        let err = eval_audit(&EvalAuditOptions {
            predictions: p.clone(),
            draws: 5,
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(&format!(
                "{}: its first line gives no code's probability",
                p.display()
            )),
            "{err}"
        );
    }

    /// A coding workbook whose first sheet is its instructions: the first
    /// sheet that names a text column is the gold (before, the instructions
    /// were read and refused for want of a text column).
    #[test]
    fn a_coding_sheet_behind_its_instructions_is_read() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/classify/gold-behind-readme.xlsx");
        let items = read_gold(&p, None).unwrap();
        let read: Vec<(&str, &str, Vec<&str>)> = items
            .iter()
            .map(|i| {
                (
                    i.id.as_str(),
                    i.text.as_str(),
                    i.labels.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "1",
                    "We walk the dog in the park every evening.",
                    vec!["parks"]
                ),
                (
                    "2",
                    "I do not believe the council would misuse the footage.",
                    vec!["trust"]
                ),
                ("3", "The bus was late again.", vec![]),
            ]
        );
    }
}

/// What an audit simulation draws: gold items grouped by document, by
/// speaker within a document (participants), or one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SimUnit {
    #[default]
    Doc,
    Speaker,
    Item,
}

#[derive(Debug, Clone)]
pub struct EvalAuditOptions {
    /// JSONL written by `eval code --predictions` (out-of-fold probabilities).
    pub predictions: PathBuf,
    pub unit: SimUnit,
    pub fractions: Vec<f64>,
    pub draws: usize,
    pub seed: u64,
    pub level: f64,
}

impl Default for EvalAuditOptions {
    fn default() -> Self {
        EvalAuditOptions {
            predictions: PathBuf::new(),
            unit: SimUnit::Doc,
            fractions: vec![0.1, 0.2, 0.3],
            draws: 200,
            seed: 1,
            level: 0.95,
        }
    }
}

/// One code at one audit share, over all draws.
#[derive(Debug, Clone, Serialize)]
pub struct CodeCoverage {
    pub code: String,
    pub truth: f64,
    /// Share of draws whose interval holds the true count.
    pub coverage: f64,
    pub sample_only_coverage: f64,
    pub mean_width: f64,
    pub sample_only_width: f64,
    /// Mean |estimate − truth|.
    pub mean_abs_error: f64,
    pub sample_only_abs_error: f64,
    /// |machine's expected count − truth| (no audit).
    pub model_only_abs_error: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FractionResult {
    pub fraction: f64,
    pub audited_units: usize,
    pub mean_coverage: f64,
    pub min_coverage: f64,
    pub sample_only_mean_coverage: f64,
    /// mean PPI width / mean sample-only width, over codes.
    pub width_ratio: f64,
    pub mean_abs_error: f64,
    pub sample_only_abs_error: f64,
    pub model_only_abs_error: f64,
    pub codes: Vec<CodeCoverage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalAuditSummary {
    pub unit: SimUnit,
    pub units: usize,
    pub draws: usize,
    pub level: f64,
    pub fractions: Vec<FractionResult>,
}

/// The most draws `eval audit` takes per share.
pub const MAX_AUDIT_DRAWS: usize = 100_000;

/// `eval audit`: how often the report's prediction-powered interval holds
/// the true count, over seeded random audit samples of gold-coded units,
/// with the machine's out-of-fold probabilities standing in for the
/// machine's predictions (a model that never saw the unit, as cross-fitting
/// guarantees in `code`); the sample-only interval beside it.
pub fn eval_audit(opts: &EvalAuditOptions) -> anyhow::Result<EvalAuditSummary> {
    use report::ppi::{estimate_count, Audited, UnitRange};
    if opts.draws == 0 {
        bail!("--draws 0: draw at least once");
    }
    // 100,000 draws pin a 95% coverage to ±0.0014; a typo's u64::MAX ran
    // with no progress until killed.
    if opts.draws > MAX_AUDIT_DRAWS {
        bail!("--draws {}: at most {MAX_AUDIT_DRAWS}", opts.draws);
    }
    if let Some(f) = opts.fractions.iter().find(|f| !(**f > 0.0 && **f < 1.0)) {
        bail!("--fractions: {f} is not a share in (0, 1)");
    }
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        doc: Option<String>,
        speaker: Option<String>,
        labels: BTreeSet<String>,
        probabilities: BTreeMap<String, f64>,
    }
    let text = String::from_utf8(corpus::read_input(&opts.predictions)?).map_err(|e| {
        anyhow::anyhow!(
            "{}: invalid UTF-8 at byte {}; save the file as UTF-8",
            opts.predictions.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let mut lines = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let l = if i == 0 {
            l.strip_prefix('\u{feff}').unwrap_or(l)
        } else {
            l
        };
        let line: Line = serde_json::from_str(l).with_context(|| {
            format!(
                "{}:{}: not a line of `eval code --predictions`",
                opts.predictions.display(),
                i + 1
            )
        })?;
        if let Some((code, p)) = line
            .probabilities
            .iter()
            .find(|(_, p)| !(0.0..=1.0).contains(*p))
        {
            anyhow::bail!(
                "{}:{}: the probability of {code:?} is {p}, not in [0, 1]",
                opts.predictions.display(),
                i + 1
            );
        }
        lines.push(line);
    }
    let codes: Vec<String> = lines
        .first()
        .map(|l| l.probabilities.keys().cloned().collect())
        .unwrap_or_default();
    // Without a code there is nothing to estimate: the table was rows of
    // NaN before.
    if codes.is_empty() {
        bail!(
            "{}: its first line gives no code's probability (`probabilities` is empty); \
             write the predictions with `autocode eval code --predictions FILE`",
            opts.predictions.display()
        );
    }
    // Unit → (per code: mentions?, machine P(mentions)).
    let mut units: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for l in &lines {
        let key = match opts.unit {
            SimUnit::Doc => l.doc.clone().unwrap_or_else(|| l.id.clone()),
            SimUnit::Speaker => format!(
                "{} @ {}",
                l.speaker.clone().unwrap_or_default(),
                l.doc.clone().unwrap_or_default()
            ),
            SimUnit::Item => l.id.clone(),
        };
        let row = units
            .entry(key)
            .or_insert_with(|| vec![(0.0, 1.0); codes.len()]);
        for (c, code) in codes.iter().enumerate() {
            if l.labels.contains(code) {
                row[c].0 = 1.0;
            }
            // Store P(none) while accumulating; turned into P(any) below.
            row[c].1 *= 1.0 - l.probabilities.get(code).copied().unwrap_or(0.0);
        }
    }
    let values: Vec<Vec<(f64, f64)>> = units
        .into_values()
        .map(|row| row.into_iter().map(|(y, none)| (y, 1.0 - none)).collect())
        .collect();
    let n_units = values.len();
    if n_units < 4 {
        bail!("{n_units} units: an audit simulation needs at least 4");
    }
    let keys: Vec<String> = (0..n_units).map(|i| format!("{i:08}")).collect();
    let mut fractions = Vec::new();
    for &fraction in &opts.fractions {
        let n = ((fraction * n_units as f64).round() as usize).clamp(2, n_units - 1);
        let mut per_code: Vec<CodeCoverage> = codes
            .iter()
            .enumerate()
            .map(|(c, code)| CodeCoverage {
                code: code.clone(),
                truth: values.iter().map(|v| v[c].0).sum(),
                coverage: 0.0,
                sample_only_coverage: 0.0,
                mean_width: 0.0,
                sample_only_width: 0.0,
                mean_abs_error: 0.0,
                sample_only_abs_error: 0.0,
                model_only_abs_error: (values.iter().map(|v| v[c].1).sum::<f64>()
                    - values.iter().map(|v| v[c].0).sum::<f64>())
                .abs(),
            })
            .collect();
        for d in 0..opts.draws {
            let order = crate::audit::shuffled(&keys, opts.seed.wrapping_add(d as u64));
            let picked: BTreeSet<usize> = order[..n].iter().map(|k| k.parse().unwrap()).collect();
            for (c, cov) in per_code.iter_mut().enumerate() {
                let mut audited = Vec::with_capacity(n);
                let mut rest = Vec::with_capacity(n_units - n);
                for (i, v) in values.iter().enumerate() {
                    if picked.contains(&i) {
                        audited.push(Audited {
                            human: v[c].0,
                            machine: v[c].1,
                        });
                    } else {
                        rest.push(v[c].1);
                    }
                }
                let range = UnitRange { max: 1.0 };
                for (use_machine, hit, width, err) in [
                    (
                        true,
                        &mut cov.coverage,
                        &mut cov.mean_width,
                        &mut cov.mean_abs_error,
                    ),
                    (
                        false,
                        &mut cov.sample_only_coverage,
                        &mut cov.sample_only_width,
                        &mut cov.sample_only_abs_error,
                    ),
                ] {
                    let e = estimate_count(&audited, &rest, opts.level, range, use_machine);
                    let (lo, hi) = (e.low.unwrap_or(0.0), e.high.unwrap_or(f64::INFINITY));
                    if lo - 1e-9 <= cov.truth && cov.truth <= hi + 1e-9 {
                        *hit += 1.0;
                    }
                    *width += hi - lo;
                    *err += (e.estimate - cov.truth).abs();
                }
            }
        }
        let draws = opts.draws as f64;
        for c in &mut per_code {
            c.coverage /= draws;
            c.sample_only_coverage /= draws;
            c.mean_width /= draws;
            c.sample_only_width /= draws;
            c.mean_abs_error /= draws;
            c.sample_only_abs_error /= draws;
        }
        let mean_of = |f: &dyn Fn(&CodeCoverage) -> f64| {
            per_code.iter().map(f).sum::<f64>() / per_code.len().max(1) as f64
        };
        fractions.push(FractionResult {
            fraction,
            audited_units: n,
            mean_coverage: mean_of(&|c| c.coverage),
            min_coverage: per_code.iter().map(|c| c.coverage).fold(1.0, f64::min),
            sample_only_mean_coverage: mean_of(&|c| c.sample_only_coverage),
            width_ratio: mean_of(&|c| c.mean_width) / mean_of(&|c| c.sample_only_width),
            mean_abs_error: mean_of(&|c| c.mean_abs_error),
            sample_only_abs_error: mean_of(&|c| c.sample_only_abs_error),
            model_only_abs_error: mean_of(&|c| c.model_only_abs_error),
            codes: per_code,
        });
    }
    Ok(EvalAuditSummary {
        unit: opts.unit,
        units: n_units,
        draws: opts.draws,
        level: opts.level,
        fractions,
    })
}
