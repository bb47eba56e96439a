use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use corpus::{Participants, TableColumns};
use serde::Serialize;
use store::IngestOutcome;

use super::{open_store, Global, Outcome, EXIT_PARTIAL};

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Transcript files or folders (walked recursively; a folder's
    /// `participants.csv` is read as the participants file).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Participants CSV (`id`, `name`, optional `document`, attribute columns);
    /// replaces any `participants.csv` found in the folders.
    #[arg(long)]
    pub participants: Option<PathBuf>,
    /// CSV/JSONL column holding the utterance.
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// CSV/JSONL column holding the speaker [default: speaker, optional].
    #[arg(long)]
    pub speaker_column: Option<String>,
    /// CSV/JSONL column naming the document a row belongs to [default: doc,
    /// optional; without it a row belongs to its file's document].
    #[arg(long)]
    pub doc_column: Option<String>,
    /// CSV/JSONL column with the start time (seconds or hh:mm:ss.mmm).
    #[arg(long, default_value = "start")]
    pub start_column: String,
    /// CSV/JSONL column with the end time.
    #[arg(long, default_value = "end")]
    pub end_column: String,
    /// Store only the documents of shard I of N (by a stable hash of the
    /// document name); see docs/scale-out.md.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    /// ok | unchanged | error
    status: &'static str,
    documents: Vec<DocumentReport>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct DocumentReport {
    name: String,
    format: &'static str,
    outcome: IngestOutcome,
    turns: usize,
    segments: usize,
}

#[derive(Debug, Serialize)]
struct Summary {
    files: Vec<FileReport>,
    skipped: Vec<BTreeMap<&'static str, String>>,
    participants_files: Vec<String>,
    registered_participants: usize,
    inserted: usize,
    replaced: usize,
    unchanged: usize,
    succeeded: usize,
    failed: usize,
    /// Speaker → documents, for speakers the participants file does not list.
    unregistered_speakers: BTreeMap<String, BTreeSet<String>>,
}

pub fn run(g: &Global, a: IngestArgs) -> Outcome {
    let shard = a
        .shard
        .as_deref()
        .map(super::run::Shard::parse)
        .transpose()?;
    let mut store = open_store(g)?;
    let inputs = corpus::collect_inputs(&a.paths)?;
    if inputs.files.is_empty() {
        anyhow::bail!(
            "no transcripts found in {}",
            a.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let participant_files = match &a.participants {
        Some(p) => vec![p.clone()],
        None => inputs.participants.clone(),
    };
    let mut participants = Participants::default();
    for file in &participant_files {
        participants.merge(Participants::from_csv_path(file)?, file)?;
    }
    // Registered participants first, so every document's speakers resolve to them.
    store.put_participants(&participants.list)?;
    let index = participants.index();
    let columns = TableColumns {
        text: a.text_column.clone(),
        speaker: a.speaker_column.clone().unwrap_or_else(|| "speaker".into()),
        doc: a.doc_column.clone().unwrap_or_else(|| "doc".into()),
        start: a.start_column.clone(),
        end: a.end_column.clone(),
        speaker_required: a.speaker_column.is_some(),
        doc_required: a.doc_column.is_some(),
    };

    let mut summary = Summary {
        files: Vec::new(),
        skipped: inputs
            .skipped
            .iter()
            .map(|s| {
                BTreeMap::from([
                    ("path", s.path.display().to_string()),
                    ("reason", s.reason.to_string()),
                ])
            })
            .collect(),
        participants_files: participant_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        registered_participants: participants.list.len(),
        inserted: 0,
        replaced: 0,
        unchanged: 0,
        succeeded: 0,
        failed: 0,
        unregistered_speakers: BTreeMap::new(),
    };
    // Document name → file that provided it in this run.
    let mut seen: HashMap<String, String> = HashMap::new();
    for input in &inputs.files {
        let path = input.path.display().to_string();
        let mut report = FileReport {
            path: path.clone(),
            status: "ok",
            documents: Vec::new(),
            error: None,
        };
        let result = corpus::read_file(&input.path, &input.name, &columns, &index)
            .map_err(|e| e.to_string())
            .and_then(|docs| {
                for doc in &docs {
                    if let Some(other) = seen.get(&doc.name) {
                        return Err(format!(
                            "{path}: document name `{}` is already used by {other} in this run",
                            doc.name
                        ));
                    }
                }
                let mine = docs
                    .into_iter()
                    .filter(|d| shard.is_none_or(|s| s.contains(&d.name)));
                for doc in mine {
                    seen.insert(doc.name.clone(), path.clone());
                    let extra = corpus::unregistered_speakers(&doc, &index);
                    for p in &extra {
                        if !p.is_moderator {
                            summary
                                .unregistered_speakers
                                .entry(p.id.clone())
                                .or_default()
                                .insert(doc.name.clone());
                        }
                    }
                    let outcome = store
                        .put_participants(&extra)
                        .and_then(|()| store.put_document(&doc))
                        .map_err(|e| format!("{path}: storing document `{}`: {e}", doc.name))?;
                    match outcome {
                        IngestOutcome::Inserted => summary.inserted += 1,
                        IngestOutcome::Replaced => summary.replaced += 1,
                        IngestOutcome::Unchanged => summary.unchanged += 1,
                    }
                    report.documents.push(DocumentReport {
                        name: doc.name.clone(),
                        format: doc.format.as_str(),
                        outcome,
                        turns: doc.turns.len(),
                        segments: doc.segments.len(),
                    });
                }
                Ok(())
            });
        match result {
            Ok(()) => {
                summary.succeeded += 1;
                if report
                    .documents
                    .iter()
                    .all(|d| d.outcome == IngestOutcome::Unchanged)
                {
                    report.status = "unchanged";
                }
            }
            Err(message) => {
                summary.failed += 1;
                report.status = "error";
                report.error = Some(message);
            }
        }
        summary.files.push(report);
    }

    if summary.replaced > 0 {
        // Replaced documents lost their segments' human codings; the reviews
        // behind them survived and were reattached, so rebuild the codings.
        // Idempotent: a kill before this line is repaired by the next ingest.
        store.restore_review_codings()?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(g, &summary);
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else if summary.succeeded > 0 {
        ExitCode::from(EXIT_PARTIAL)
    } else {
        ExitCode::from(1)
    })
}

fn outcome_name(outcome: IngestOutcome) -> &'static str {
    match outcome {
        IngestOutcome::Inserted => "inserted",
        IngestOutcome::Replaced => "replaced",
        IngestOutcome::Unchanged => "unchanged",
    }
}

fn print_summary(g: &Global, s: &Summary) {
    for f in &s.files {
        match &f.error {
            Some(message) => println!("  error      {message}"),
            None if !g.quiet => {
                let detail = f
                    .documents
                    .iter()
                    .map(|d| {
                        format!(
                            "{} ({}, {} turns, {} sentences)",
                            d.name,
                            outcome_name(d.outcome),
                            d.turns,
                            d.segments
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                println!("  {:<10} {}: {detail}", f.status, f.path);
            }
            None => {}
        }
    }
    if !g.quiet {
        for skipped in &s.skipped {
            println!(
                "  skipped    {} ({})",
                skipped.get("path").map(String::as_str).unwrap_or(""),
                skipped.get("reason").map(String::as_str).unwrap_or("")
            );
        }
    }
    println!(
        "{} files: {} read, {} failed; documents: {} inserted, {} replaced, {} unchanged; {} participants listed",
        s.files.len(),
        s.succeeded,
        s.failed,
        s.inserted,
        s.replaced,
        s.unchanged,
        s.registered_participants
    );
    if !s.unregistered_speakers.is_empty() && !g.quiet {
        let list = s
            .unregistered_speakers
            .iter()
            .map(|(speaker, docs)| {
                format!(
                    "{speaker} ({})",
                    docs.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let why = if s.participants_files.is_empty() {
            "no participants file was given"
        } else {
            "not in the participants file"
        };
        eprintln!(
            "warning: {} speakers kept with their names as participant ids ({why}): {list}",
            s.unregistered_speakers.len()
        );
    }
    if s.failed > 0 {
        eprintln!("error: {} of {} files failed", s.failed, s.files.len());
    }
}
