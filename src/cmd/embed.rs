use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct EmbedArgs {}

#[derive(Args, Debug)]
pub struct EncodeArgs {}

pub fn run(_g: &Global, _a: EmbedArgs) -> Outcome {
    anyhow::bail!("`autocode embed` is not built yet")
}

pub fn encode(_g: &Global, _a: EncodeArgs) -> Outcome {
    anyhow::bail!("`autocode encode` is not built yet")
}
