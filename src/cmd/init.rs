use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Folder for the project (created if missing); default: the `--project` path.
    pub dir: Option<PathBuf>,
}

pub fn run(g: &Global, a: InitArgs) -> Outcome {
    let target = match a.dir {
        Some(dir) => {
            if dir.exists() && !dir.is_dir() {
                anyhow::bail!(
                    "{} exists and is not a folder: `autocode init DIR` makes DIR/autocode.db",
                    dir.display()
                );
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
            dir
        }
        None => g.project.clone(),
    };
    let store = store::Store::create(&target)?;
    if !g.quiet {
        println!("created project {}", store.path().display());
    }
    Ok(ExitCode::SUCCESS)
}
