use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct ThemesArgs {}

pub fn run(_g: &Global, _a: ThemesArgs) -> Outcome {
    anyhow::bail!("`autocode themes` is not built yet")
}
