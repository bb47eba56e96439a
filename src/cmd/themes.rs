use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct ThemesArgs {}

#[derive(Args, Debug)]
pub struct EvalThemesArgs {}

pub fn run(_g: &Global, _a: ThemesArgs) -> Outcome {
    anyhow::bail!("`autocode themes` is not built yet")
}

pub fn eval(_g: &Global, _a: EvalThemesArgs) -> Outcome {
    anyhow::bail!("`autocode eval themes` is not built yet")
}
