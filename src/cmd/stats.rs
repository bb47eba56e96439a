use std::process::ExitCode;

use clap::Args;

use super::{open_store, Global, Outcome};

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(g: &Global, a: StatsArgs) -> Outcome {
    let store = open_store(g)?;
    let stats = store.corpus_stats()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
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
    for (attr, values) in &stats.participants_by {
        println!("participants by {attr}:");
        for (value, n) in values {
            println!("  {value:<30} {n:>5}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
