use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct CodeArgs {}

#[derive(Args, Debug)]
pub struct EvalCodeArgs {}

pub fn run(_g: &Global, _a: CodeArgs) -> Outcome {
    anyhow::bail!("`autocode code` is not built yet")
}

pub fn eval(_g: &Global, _a: EvalCodeArgs) -> Outcome {
    anyhow::bail!("`autocode eval code` is not built yet")
}
