use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct ReportArgs {}

pub fn run(_g: &Global, _a: ReportArgs) -> Outcome {
    anyhow::bail!("`autocode report` is not built yet")
}
