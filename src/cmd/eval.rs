use clap::{Args, Subcommand};

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
}

pub fn run(g: &Global, a: EvalArgs) -> Outcome {
    match a.what {
        EvalWhat::Code(a) => super::code::eval(g, a),
        EvalWhat::Themes(a) => super::themes::eval(g, a),
    }
}
