use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct ReviewArgs {}

pub fn run(_g: &Global, _a: ReviewArgs) -> Outcome {
    anyhow::bail!("`autocode review` is not built yet")
}
