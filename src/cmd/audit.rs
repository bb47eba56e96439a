//! `autocode audit`: draw the random sample people code blind, whose codes
//! make the report's intervals valid (docs/report.md, "Estimates").

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use pipeline::audit::{AuditOptions, AuditSize};
use pipeline::Project;
use report::ppi::AuditUnit;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Draw (or extend) a seeded simple random sample of units for blind coding.
    Draw(DrawArgs),
    /// The audit sample in use: unit, size, how many units people have coded.
    Show(ShowArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum UnitArg {
    Participant,
    Sentence,
    Document,
}

impl From<UnitArg> for AuditUnit {
    fn from(u: UnitArg) -> AuditUnit {
        match u {
            UnitArg::Participant => AuditUnit::Participant,
            UnitArg::Sentence => AuditUnit::Sentence,
            UnitArg::Document => AuditUnit::Document,
        }
    }
}

#[derive(Args, Debug)]
pub struct DrawArgs {
    /// What is drawn: the unit the report's counts are about.
    #[arg(long, value_enum, default_value_t = UnitArg::Participant)]
    pub unit: UnitArg,
    /// Units to draw.
    #[arg(long, conflicts_with = "fraction")]
    pub size: Option<usize>,
    /// Share of all units to draw, rounded up [default: 0.2].
    #[arg(long)]
    pub fraction: Option<f64>,
    /// Seed of the draw; the same seed and a bigger size extend the sample.
    #[arg(long, default_value_t = AuditOptions::default().seed)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn run(g: &Global, a: AuditArgs) -> Outcome {
    match a.command {
        AuditCommand::Draw(d) => draw(g, d),
        AuditCommand::Show(s) => show(g, s),
    }
}

fn draw(g: &Global, a: DrawArgs) -> Outcome {
    let _lock = super::lock_project(g)?;
    let size = match (a.size, a.fraction) {
        (Some(n), _) => AuditSize::Units(n),
        (None, Some(f)) => AuditSize::Fraction(f),
        (None, None) => AuditOptions::default().size,
    };
    let opts = AuditOptions {
        unit: a.unit.into(),
        size,
        seed: a.seed,
        keep_extended: false,
    };
    let mut project = Project::open(&g.project)?;
    let s = pipeline::audit::draw(project.store_mut(), &opts)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else if !g.quiet {
        println!(
            "audit sample {}: {} of {} {}s (seed {}){}; {} coded so far",
            s.sample_id,
            s.drawn,
            s.population,
            s.unit.as_str(),
            a.seed,
            if s.unchanged { ", unchanged" } else { "" },
            s.coded
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show(g: &Global, a: ShowArgs) -> Outcome {
    let project = Project::open(&g.project)?;
    let store = project.store();
    let Some(sample) = store.audit_sample()? else {
        println!("no audit sample: `autocode audit draw` draws one");
        return Ok(ExitCode::SUCCESS);
    };
    let unit = AuditUnit::parse(&sample.unit).ok_or_else(|| {
        anyhow::anyhow!("audit sample {}: unknown unit {:?}", sample.id, sample.unit)
    })?;
    let coded = pipeline::audit::coded_units(store, unit, &sample.units)?;
    if a.json {
        let v = serde_json::json!({
            "sample_id": sample.id,
            "unit": sample.unit,
            "origin": sample.origin,
            "seed": sample.seed,
            "population": sample.population,
            "drawn": sample.units.len(),
            "coded": coded,
            "units": sample.units,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "audit sample {} ({}, {}): {} of {} {}s; {} coded",
            sample.id,
            sample.origin,
            sample.created_at,
            sample.units.len(),
            sample.population,
            sample.unit,
            coded
        );
        for u in &sample.units {
            println!("  {}", super::printable(u));
        }
    }
    Ok(ExitCode::SUCCESS)
}
