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
        // `--project study init`: a path that does not exist yet and is
        // not named as a database file is the project's folder, as DIR
        // is (it used to become a SQLite file called `study`).
        None if !g.project.exists() && !names_a_database_file(&g.project) => {
            std::fs::create_dir_all(&g.project)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", g.project.display()))?;
            g.project.clone()
        }
        None => g.project.clone(),
    };
    let store = store::Store::create(&target)?;
    if !g.quiet {
        println!("created project {}", store.path().display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether a path is named as a store file (`autocode.db`, `study.sqlite`)
/// rather than a folder.
fn names_a_database_file(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "db" | "sqlite" | "sqlite3"))
}
