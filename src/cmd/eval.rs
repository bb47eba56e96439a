use clap::{Args, Subcommand};

use pipeline::eval::{EvalAuditOptions, SimUnit};

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub what: EvalWhat,
}

#[derive(Subcommand, Debug)]
pub enum EvalWhat {
    /// Classification quality against gold codings (per code P/R/F1/kappa, macro-F1, ECE).
    Code(super::code::EvalCodeArgs),
    /// Clustering quality against single-label gold (adjusted Rand index, NMI).
    Themes(super::themes::EvalThemesArgs),
    /// Coverage and width of the report's audit-based intervals over seeded random audit samples.
    Audit(AuditSimArgs),
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SimUnitArg {
    /// One unit per document (policy, transcript).
    Doc,
    /// One unit per speaker in a document (a participant).
    Speaker,
    /// One unit per gold item (sentence, segment).
    Item,
}

#[derive(Args, Debug)]
pub struct AuditSimArgs {
    /// Out-of-fold probabilities from `eval code --predictions FILE`.
    #[arg(long)]
    pub predictions: std::path::PathBuf,
    #[arg(long, value_enum, default_value_t = SimUnitArg::Doc)]
    pub unit: SimUnitArg,
    /// Audit shares to simulate, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = EvalAuditOptions::default().fractions)]
    pub fractions: Vec<f64>,
    /// Random audit samples per share.
    #[arg(long, default_value_t = EvalAuditOptions::default().draws)]
    pub draws: usize,
    #[arg(long, default_value_t = EvalAuditOptions::default().seed)]
    pub seed: u64,
    #[arg(long)]
    pub json: bool,
    /// Also print every code's coverage.
    #[arg(long)]
    pub per_code: bool,
}

fn audit(_g: &Global, a: AuditSimArgs) -> Outcome {
    let opts = EvalAuditOptions {
        predictions: a.predictions,
        unit: match a.unit {
            SimUnitArg::Doc => SimUnit::Doc,
            SimUnitArg::Speaker => SimUnit::Speaker,
            SimUnitArg::Item => SimUnit::Item,
        },
        fractions: a.fractions,
        draws: a.draws,
        seed: a.seed,
        ..Default::default()
    };
    let s = pipeline::eval::eval_audit(&opts)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(std::process::ExitCode::SUCCESS);
    }
    println!(
        "{} units ({:?}), {} draws per share, {:.0}% intervals",
        s.units,
        s.unit,
        s.draws,
        s.level * 100.0
    );
    println!("share  audited  coverage (mean / min code)  sample-only cov.  width vs sample-only  |error| PPI / sample / model-only");
    for f in &s.fractions {
        println!(
            "{:>5.2}  {:>7}  {:>8.3} / {:.3}            {:>8.3}          {:>6.2}×               {:.2} / {:.2} / {:.2}",
            f.fraction,
            f.audited_units,
            f.mean_coverage,
            f.min_coverage,
            f.sample_only_mean_coverage,
            f.width_ratio,
            f.mean_abs_error,
            f.sample_only_abs_error,
            f.model_only_abs_error
        );
    }
    if a.per_code {
        for f in &s.fractions {
            println!("\nshare {:.2}: code, true count, coverage, sample-only coverage, width, sample-only width", f.fraction);
            for c in &f.codes {
                println!(
                    "  {:<40} {:>6} {:>6.3} {:>6.3} {:>8.2} {:>8.2}",
                    super::printable(&c.code),
                    c.truth,
                    c.coverage,
                    c.sample_only_coverage,
                    c.mean_width,
                    c.sample_only_width
                );
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

pub fn run(g: &Global, a: EvalArgs) -> Outcome {
    match a.what {
        EvalWhat::Code(a) => super::code::eval(g, a),
        EvalWhat::Themes(a) => super::themes::eval(g, a),
        EvalWhat::Audit(a) => audit(g, a),
    }
}
