use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct EvalArgs {}

pub fn run(_g: &Global, _a: EvalArgs) -> Outcome {
    anyhow::bail!("`autocode eval` is not built yet")
}
