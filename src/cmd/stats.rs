use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use store::{CorpusStats, SpeakerResolution};

use super::{open_store, printable, Global, Outcome};

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The store's counts plus how speakers became participants; the JSON keeps
/// every key of [`CorpusStats`] at the top level and adds the others.
#[derive(Serialize)]
struct Stats {
    #[serde(flatten)]
    corpus: CorpusStats,
    speakers: SpeakerResolution,
    /// attribute → value → documents (from a documents file).
    documents_by: BTreeMap<String, BTreeMap<String, i64>>,
}

pub fn run(g: &Global, a: StatsArgs) -> Outcome {
    let store = open_store(g)?;
    let stats = Stats {
        corpus: store.corpus_stats()?,
        speakers: store.speaker_resolution()?,
        documents_by: store.documents_by_attribute()?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    let Stats {
        corpus: stats,
        speakers,
        documents_by,
    } = stats;
    println!("documents     {:>7}", stats.documents);
    println!(
        "participants  {:>7}  (+{} moderators)",
        stats.participants, stats.moderators
    );
    println!("turns         {:>7}", stats.turns);
    println!(
        "sentences     {:>7}  ({} by participants)",
        stats.segments, stats.participant_segments
    );
    let mut line = speaker_line(&speakers);
    if stats.unlabelled_participants > 0 {
        line.push_str(&format!(
            ", {} unnamed (sentences without a speaker label, one per document)",
            stats.unlabelled_participants
        ));
    }
    println!("speakers      {line}");
    for (attr, values) in &stats.participants_by {
        println!("participants by {attr}:");
        for (value, n) in values {
            println!("  {value:<30} {n:>5}");
        }
    }
    for (attr, values) in &documents_by {
        println!("documents by {}:", printable(attr));
        for (value, n) in values {
            println!("  {:<30} {n:>5}", printable(value));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "24 named participants, 12 per-document interviewees (label 'Interviewee'), 3 moderator labels (Interviewer, Interviewer2, Int1)".
fn speaker_line(s: &SpeakerResolution) -> String {
    let mut parts = Vec::new();
    if s.registered_participants > 0 {
        parts.push(format!(
            "{} from the participants file",
            s.registered_participants
        ));
    }
    if s.named_participants > 0 || parts.is_empty() {
        parts.push(format!("{} named participants", s.named_participants));
    }
    if s.per_document_participants > 0 {
        let labels = s
            .per_document_labels
            .keys()
            .map(|l| format!("'{}'", printable(l)))
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if s.per_document_labels.len() == 1 {
            "label"
        } else {
            "labels"
        };
        parts.push(format!(
            "{} per-document interviewees ({noun} {labels})",
            s.per_document_participants
        ));
    }
    parts.push(format!(
        "{} moderator labels ({})",
        s.moderator_labels.len(),
        s.moderator_labels
            .iter()
            .map(|l| printable(l).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    parts.join(", ")
}
