//! `autocode ingest`: arguments and printing; the stage is `pipeline::ingest`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use pipeline::ingest::IngestOptions;
use pipeline::{ExitStatus, IngestSummary, Project};
use store::IngestOutcome;

use super::{printable, Global, Outcome};

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Transcript files or folders (walked recursively; a folder's
    /// `participants.csv` or `.xlsx` is read as the participants file, its
    /// `documents.csv` or `.xlsx` as the documents file).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Participants CSV or spreadsheet (`id`, `name`, optional `document`,
    /// attribute columns); replaces any participants file found in the folders.
    #[arg(long)]
    pub participants: Option<PathBuf>,
    /// Documents CSV or spreadsheet (`document` + attribute columns such as
    /// site, date): case attributes the report's crosstabs use; replaces any
    /// documents file found in the folders.
    #[arg(long)]
    pub documents: Option<PathBuf>,
    /// CSV/JSONL column holding the utterance [default: text].
    #[arg(long)]
    pub text_column: Option<String>,
    /// CSV/JSONL column holding the speaker [default: speaker, optional].
    #[arg(long)]
    pub speaker_column: Option<String>,
    /// CSV/JSONL column naming the document a row belongs to [default: doc,
    /// optional; without it a row belongs to its file's document].
    #[arg(long)]
    pub doc_column: Option<String>,
    /// CSV/JSONL column with the start time (seconds or hh:mm:ss.mmm) [default: start].
    #[arg(long)]
    pub start_column: Option<String>,
    /// CSV/JSONL column with the end time [default: end].
    #[arg(long)]
    pub end_column: Option<String>,
    /// A wide survey export (one row per respondent, `--speaker-column`
    /// naming the respondent): this column is an open question, each cell
    /// an answer read after the question (its header). Repeat for each
    /// question; the text column is then not read.
    #[arg(long = "question-column", value_name = "COLUMN")]
    pub question_columns: Vec<String>,
    /// A speaker named in the transcripts who is the interviewer or
    /// moderator wherever they speak (the host of every interview): their
    /// sentences are not coded or counted, and the answers after them are
    /// read with their questions. Repeat for each; the same as a
    /// participants file row with role `interviewer`.
    #[arg(long = "interviewer", value_name = "NAME")]
    pub interviewers: Vec<String>,
    /// CSV/JSONL column holding an attribute of the speaker (a survey's age
    /// band, team size): stored as the participant's attribute, for the
    /// report's crosstabs, as a participants file's columns are. Repeat for
    /// each; a participants file listing the speaker wins.
    #[arg(long = "attribute-column", value_name = "COLUMN")]
    pub attribute_columns: Vec<String>,
    /// Store only the documents of shard I of N (by a stable hash of the
    /// document name); see docs/scale-out.md.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(g: &Global, a: IngestArgs) -> Outcome {
    let _lock = super::lock_project(g)?;
    let d = IngestOptions::default();
    let opts = IngestOptions {
        paths: a.paths,
        participants: a.participants,
        interviewers: a.interviewers,
        documents: a.documents,
        text_column: a.text_column.unwrap_or(d.text_column),
        speaker_column: a.speaker_column,
        doc_column: a.doc_column,
        start_column: a.start_column.unwrap_or(d.start_column),
        end_column: a.end_column.unwrap_or(d.end_column),
        question_columns: a.question_columns,
        attribute_columns: a.attribute_columns,
        shard: a.shard.as_deref().map(pipeline::Shard::parse).transpose()?,
        whole_corpus: false,
    };
    let mut project = Project::open(&g.project)?;
    let summary = pipeline::ingest(&mut project, &opts)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print(g, &summary, &mut std::io::stdout().lock())?;
    }
    Ok(ExitCode::from(summary.exit_code()))
}

fn outcome_name(outcome: IngestOutcome) -> &'static str {
    match outcome {
        IngestOutcome::Inserted => "inserted",
        IngestOutcome::Replaced => "replaced",
        IngestOutcome::Unchanged => "unchanged",
    }
}

/// The first five of `items` joined by `sep`, and how many more there are
/// (" and 3 more"): a warning names some, not thousands.
fn shown_list(items: impl ExactSizeIterator<Item = String>, sep: &str) -> String {
    const SHOWN: usize = 5;
    let n = items.len();
    let mut list = items.take(SHOWN).collect::<Vec<_>>().join(sep);
    if n > SHOWN {
        list.push_str(&format!(" and {} more", n - SHOWN));
    }
    list
}

/// The human summary to `out`; warnings and the failure count to stderr.
pub fn print(g: &Global, s: &IngestSummary, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &s.files {
        match &f.error {
            Some(message) => writeln!(out, "  error      {}", printable(message))?,
            None if !g.quiet => {
                let detail = f
                    .documents
                    .iter()
                    .map(|d| {
                        format!(
                            "{} ({}, {} turns, {} sentences)",
                            printable(&d.name),
                            outcome_name(d.outcome),
                            d.turns,
                            d.segments
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                writeln!(out, "  {:<10} {}: {detail}", f.status, printable(&f.path))?;
            }
            None => {}
        }
    }
    if !g.quiet {
        for skipped in &s.skipped {
            writeln!(
                out,
                "  skipped    {} ({})",
                printable(skipped.get("path").map(String::as_str).unwrap_or("")),
                printable(skipped.get("reason").map(String::as_str).unwrap_or(""))
            )?;
        }
    }
    writeln!(
        out,
        "{} files: {} read, {} failed; documents: {} inserted, {} replaced, {} unchanged; {} participants listed",
        s.files.len(),
        s.succeeded,
        s.failed,
        s.inserted,
        s.replaced,
        s.unchanged,
        s.registered_participants
    )?;
    if s.participants_from_project > 0 {
        // A later ingest without the file resolves speakers against the
        // list an earlier one stored; "0 participants listed" alone read as
        // if the list had been lost.
        writeln!(
            out,
            "{} participants listed by the project (an earlier participants file)",
            s.participants_from_project
        )?;
    }
    // Said whatever --quiet says, as the other warnings are: what a
    // survey tool's export leaves out changes what is counted.
    for left_out in &s.participants_columns_left_out {
        eprintln!("warning: {}", printable(&left_out.to_string()));
    }
    for left_out in &s.responses_left_out {
        eprintln!("warning: {}", printable(&left_out.to_string()));
    }
    if !s.unregistered_speakers.is_empty() && !g.quiet {
        let list = s
            .unregistered_speakers
            .iter()
            .map(|(speaker, docs)| {
                format!(
                    "{} ({})",
                    printable(speaker),
                    printable(&docs.iter().cloned().collect::<Vec<_>>().join(", "))
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let why = if s.participants_from_project > 0 {
            "not in the project's participants list"
        } else if s.participants_files.is_empty() {
            "no participants file was given"
        } else {
            "not in the participants file"
        };
        eprintln!(
            "warning: {} speakers kept with their names as participant ids ({why}): {list}",
            s.unregistered_speakers.len()
        );
    }
    if !s.interviewers_not_speaking.is_empty() && s.succeeded > 0 {
        eprintln!(
            "warning: --interviewer {} names no speaker of the documents read (a typo? the names are the transcripts' labels)",
            s.interviewers_not_speaking
                .iter()
                .map(|n| format!("{:?}", printable(n)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !s.participants_not_speaking.is_empty() && s.succeeded > 0 {
        let list = shown_list(
            s.participants_not_speaking
                .iter()
                .map(|n| format!("`{}`", printable(n))),
            ", ",
        );
        let how_many = if s.participants_not_speaking.len() == s.participants_rows {
            format!("the participants file's {} people", s.participants_rows)
        } else {
            format!(
                "{} of the participants file's {} people",
                s.participants_not_speaking.len(),
                s.participants_rows
            )
        };
        eprintln!(
            "warning: {how_many} speak in no document ({list}): their attributes reach no count \
             until a speaker's name or id matches theirs (a transcript still to come, or ids \
             other than the transcripts' or the export's: `Resp-1` for the export's `R_0001`?)"
        );
    }
    let other: usize = s.other_languages.values().sum();
    // A few misread sentences (a name-heavy line, a quoted phrase) are no
    // corpus in another language.
    if other >= 3 && other * 50 >= s.language_checked {
        let mut by: Vec<(&String, &usize)> = s.other_languages.iter().collect();
        by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let list = by
            .iter()
            .take(4)
            .map(|(lang, n)| format!("{lang} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!(
            "warning: {other} of {} participant sentences read as another language than English ({list}): \
             the default model (all-MiniLM-L6-v2) was trained on English and codes them unreliably, often not \
             at all; code them by hand, or translate them and ingest the translation",
            s.language_checked
        );
    }
    if !s.unlabelled_documents.is_empty() {
        let list = shown_list(
            s.unlabelled_documents
                .iter()
                .map(|n| format!("`{}`", printable(n))),
            ", ",
        );
        eprintln!(
            "warning: {} document(s) have sentences no speaker label names ({list}): each document's \
             are counted as one unnamed participant's, an interviewer's questions among them; label \
             the turns (`Interviewer:`, `Participant:`), or name a table's --speaker-column",
            s.unlabelled_documents.len()
        );
    }
    if !s.participants_unknown_documents.is_empty() {
        let list = shown_list(
            s.participants_unknown_documents
                .iter()
                .map(|u| match &u.nearest {
                    Some(n) => format!(
                        "`{}` (row {}; did you mean `{}`?)",
                        printable(&u.document),
                        printable(&u.id),
                        printable(n)
                    ),
                    None => format!("`{}` (row {})", printable(&u.document), printable(&u.id)),
                }),
            "; ",
        );
        eprintln!(
            "warning: the participants file names {} document(s) no input holds: {list}; \
             those rows match no speaker (nor give their attributes) until such a transcript is ingested",
            s.participants_unknown_documents.len()
        );
    }
    if !s.documents_not_ingested.is_empty() {
        eprintln!(
            "warning: the documents file describes {} document(s) no input holds yet ({}); their attributes wait for their transcripts",
            s.documents_not_ingested.len(),
            s.documents_not_ingested
                .iter()
                .take(5)
                .map(|n| format!("`{}`", printable(n)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !s.stored_not_in_inputs.is_empty() {
        let list = shown_list(
            s.stored_not_in_inputs
                .iter()
                .map(|n| format!("`{}`", printable(n))),
            ", ",
        );
        eprintln!(
            "warning: {} stored documents are no longer in the inputs ({list}); they stay in the project and in every count (nothing stored is deleted by a run)",
            s.stored_not_in_inputs.len()
        );
    }
    for (document, other) in &s.survey_reexports {
        // An export without respondent ids shares words, not respondents.
        let shared =
            if other.shared_respondents >= 3 && other.shared_respondents * 2 >= other.respondents {
                format!(
                    "{} of its {} respondents answering",
                    other.shared_respondents, other.respondents
                )
            } else {
                format!(
                    "{} of its {} answers, word for word, to",
                    other.shared_answers, other.answers
                )
            };
        eprintln!(
            "warning: `{}` holds {shared} the same questions as `{}`, a document \
             stored already (another download of the same survey?): both are counted, so their answers \
             count twice; ingest a survey's new export under the file name of the earlier one, which it \
             then replaces (reviews and people's codings reattach); a panel's later wave is counted as meant",
            printable(document),
            printable(&other.document)
        );
    }
    for p in &s.pooled_respondents {
        eprintln!(
            "warning: `{}`: {} of its {} answers are by a respondent id that already answered the same \
             question ({}): in a wide survey export each row is one respondent, so the --speaker-column \
             repeats where an id column would not: is it the respondent id column (ResponseId, \
             Respondent ID)? As it is, each id's answers are counted as one participant's",
            printable(&p.document),
            p.repeated,
            p.answers,
            p.most
                .iter()
                .map(|(w, n)| format!("`{}` {n} times", printable(w)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (document, ids) in &s.duplicate_respondents {
        const SHOWN: usize = 5;
        let mut list = ids
            .iter()
            .take(SHOWN)
            .map(|w| format!("`{}`", printable(w)))
            .collect::<Vec<_>>()
            .join(", ");
        if ids.len() > SHOWN {
            list.push_str(&format!(", … ({} more)", ids.len() - SHOWN));
        }
        eprintln!(
            "warning: `{}`: {} respondent id(s) answer a question more than once ({list}): a double submission or a copied row? Each id's answers are counted as one participant's",
            printable(document),
            ids.len()
        );
    }
    if let Some(first) = s.respondents_across_exports.first() {
        let n = s.respondents_across_exports.len();
        let more = if n > 1 {
            format!(" (and {} more respondent id(s) like it)", n - 1)
        } else {
            String::new()
        };
        eprintln!(
            "warning: respondent `{}` has {} `{}` in `{}` and `{}` in `{}`{more}: one participant in both. \
             Separate exports that number their respondents 1, 2, … merge different people so; \
             give each export ids of its own (a prefix in its id column), or, for one panel's waves, \
             check the attribute",
            printable(&first.id),
            printable(&first.attribute),
            printable(&first.earlier_value),
            printable(&first.earlier_document),
            printable(&first.value),
            printable(&first.document),
        );
    }
    for (document, lost) in &s.replaced_losses {
        let mut what = Vec::new();
        if lost.detached_reviews > 0 {
            what.push(format!(
                "{} review(s) kept detached (they return if their sentences do)",
                lost.detached_reviews
            ));
        }
        if lost.dropped_people_codings > 0 {
            what.push(format!(
                "{} of people's codings (gold, human) dropped",
                lost.dropped_people_codings
            ));
        }
        if !lost.speakers_gone.is_empty() {
            what.push(format!(
                "participants no longer in it: {}",
                shown_list(
                    lost.speakers_gone
                        .iter()
                        .map(|n| format!("`{}`", printable(n))),
                    ", "
                )
            ));
        }
        eprintln!(
            "warning: `{}` changed and sentences people decided are gone: {}",
            printable(document),
            what.join("; ")
        );
    }
    for m in &s.moved_documents {
        eprintln!(
            "moved: document `{}` is now `{}` ({}: the same text, its earlier file gone): stored under the new name, its reviews and people's codings kept",
            printable(&m.from),
            printable(&m.to),
            printable(&m.file)
        );
    }
    // One line, not one per file: a changed `[inputs] paths` would
    // otherwise repeat every transcript each night.
    if let Some(k) = s.kept_names.first() {
        let others = match s.kept_names.len() - 1 {
            0 => String::new(),
            1 => " and 1 other file".to_string(),
            n => format!(" and {n} other files"),
        };
        eprintln!(
            "note: {}{others} keep the names the project stored them by, from the folder read before (`{}`, not `{}`)",
            printable(&k.file),
            printable(&k.document),
            printable(&k.read_as)
        );
    }
    for r in &s.replaced_from_other_files {
        eprintln!(
            "warning: {} replaced document `{}`, which was read from {} (a document is known by its name; \
             to keep both, ingest their folders together, so each is named by its folder, or rename one)",
            printable(&r.file),
            printable(&r.document),
            printable(&r.earlier_file)
        );
    }
    if !g.quiet {
        for d in &s.detected_interviewers {
            if d.remembered {
                eprintln!(
                    "interviewer: {} (found by an earlier run): not coded or counted",
                    printable(&d.name)
                );
            } else {
                eprintln!(
                    "interviewer: {} speaks in {} of {} documents and asks in {:.0}% of their turns \
                     (the others {:.0}%): taken as the interviewer, not coded or counted; a \
                     participants file that lists them decides instead (docs/corpus.md, \
                     \"Speaker resolution\")",
                    printable(&d.name),
                    d.documents,
                    d.of,
                    100.0 * d.question_share,
                    100.0 * d.others_question_share
                );
            }
        }
    }
    let everywhere = s.likely_interviewers();
    if !everywhere.is_empty() && !g.quiet {
        let documents = s.inserted + s.replaced + s.unchanged;
        let list = everywhere
            .iter()
            .map(|(speaker, n)| format!("{} ({n} of {documents})", printable(speaker)))
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!(
            "hint: speaking in nearly every document: {list}. If one is the interviewer or \
             moderator, ingest again with `--interviewer \"NAME\"` (or list them in a \
             participants file with role `interviewer`): their sentences are then not coded \
             or counted, and the answers are read with their questions (docs/corpus.md, \
             \"Speaker resolution\")"
        );
    }
    if s.described_documents > 0 && !g.quiet {
        writeln!(
            out,
            "{} documents described by {}",
            s.described_documents,
            printable(&s.documents_files.join(", "))
        )?;
    }
    if !s.per_document_speakers.is_empty() && !g.quiet {
        let list = s
            .per_document_speakers
            .iter()
            .map(|(label, docs)| {
                let n = docs.len();
                let noun = if n == 1 { "document" } else { "documents" };
                format!("'{}' in {n} {noun}", printable(label))
            })
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            out,
            "generic speaker labels, one participant per document (<document>/<label>): {list}"
        )?;
    }
    if s.failed > 0 {
        eprintln!("error: {} of {} files failed", s.failed, s.files.len());
    }
    Ok(())
}
