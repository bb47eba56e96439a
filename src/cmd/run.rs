use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct RunArgs {}

#[derive(Args, Debug)]
pub struct RunsArgs {}

#[derive(Args, Debug)]
pub struct MergeArgs {}

pub fn run(_g: &Global, _a: RunArgs) -> Outcome {
    anyhow::bail!("`autocode run` is not built yet")
}

pub fn runs(_g: &Global, _a: RunsArgs) -> Outcome {
    anyhow::bail!("`autocode runs` is not built yet")
}

pub fn merge(_g: &Global, _a: MergeArgs) -> Outcome {
    anyhow::bail!("`autocode merge` is not built yet")
}
