use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Transcript files or folders.
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_g: &Global, _a: IngestArgs) -> Outcome {
    anyhow::bail!("`autocode ingest` is not built yet")
}
