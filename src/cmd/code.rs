use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct CodeArgs {}

pub fn run(_g: &Global, _a: CodeArgs) -> Outcome {
    anyhow::bail!("`autocode code` is not built yet")
}
