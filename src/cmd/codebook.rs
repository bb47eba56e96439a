use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct CodebookArgs {}

pub fn run(_g: &Global, _a: CodebookArgs) -> Outcome {
    anyhow::bail!("`autocode codebook` is not built yet")
}
