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
        // A wide survey without a respondent column has a label per row
        // (`Respondent 1` … `Respondent 192`): the first few and a count.
        const SHOWN: usize = 8;
        let mut labels = s
            .per_document_labels
            .keys()
            .take(SHOWN)
            .map(|l| format!("'{}'", printable(l)))
            .collect::<Vec<_>>()
            .join(", ");
        if s.per_document_labels.len() > SHOWN {
            labels.push_str(&format!(
                ", … ({} more)",
                s.per_document_labels.len() - SHOWN
            ));
        }
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
    const SHOWN_MODERATORS: usize = 8;
    let mut moderators = s
        .moderator_labels
        .iter()
        .take(SHOWN_MODERATORS)
        .map(|l| printable(l).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    if s.moderator_labels.len() > SHOWN_MODERATORS {
        moderators.push_str(&format!(
            ", … ({} more)",
            s.moderator_labels.len() - SHOWN_MODERATORS
        ));
    }
    parts.push(format!(
        "{} moderator labels ({moderators})",
        s.moderator_labels.len()
    ));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A survey without a respondent column labels each row: the line
    /// shows the first few labels and a count, not 192 of them.
    #[test]
    fn the_speaker_line_names_a_few_labels_and_counts_the_rest() {
        let labels: BTreeMap<String, i64> = (1..=192)
            .map(|i| (format!("Respondent {i:03}"), 1))
            .collect();
        let line = speaker_line(&SpeakerResolution {
            registered_participants: 0,
            named_participants: 0,
            per_document_participants: 192,
            per_document_labels: labels,
            moderator_labels: vec!["Q".into()],
        });
        assert_eq!(
            line,
            "0 named participants, 192 per-document interviewees (labels 'Respondent 001', \
             'Respondent 002', 'Respondent 003', 'Respondent 004', 'Respondent 005', \
             'Respondent 006', 'Respondent 007', 'Respondent 008', … (184 more)), \
             1 moderator labels (Q)"
        );
    }
}
