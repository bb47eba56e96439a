use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no autocode project at {0} (run `autocode init` first)")]
    NotFound(PathBuf),
    #[error("a project already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("{0} is not an autocode project (an SQLite file without autocode's tables, or an empty file); nothing was written to it. Give the project's autocode.db or its folder, or create one with `autocode init`")]
    NotAStore(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("opening {0}: {1}")]
    Sqlite(PathBuf, #[source] rusqlite::Error),
    #[error("store {path} has schema version {found}, newer than this autocode knows ({known}); upgrade autocode")]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("store: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("store: {0}")]
    Json(#[from] serde_json::Error),
    #[error("store: {0}")]
    Invalid(String),
    /// A changed codebook file would drop codes the review page added.
    #[error(
        "codebook \"{name}\" lacks {} that the review page added in codebook version {descendant} \
         (made from version {root}, the previously approved file); nothing was approved. \
         Export that version with `autocode codebook export --version {descendant} -o FILE`, \
         merge your changes into FILE and approve it again",
        plural_codes(missing)
    )]
    CodebookLacksReviewCodes {
        name: String,
        missing: Vec<String>,
        root: i64,
        descendant: i64,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

fn plural_codes(ids: &[String]) -> String {
    let list = ids.join(", ");
    if ids.len() == 1 {
        format!("code {list}")
    } else {
        format!("codes {list}")
    }
}

impl Error {
    /// Whether SQLite refused a write because the store's file, or its
    /// folder, is read-only: the CLI names the store then (hs/03).
    pub fn is_read_only(&self) -> bool {
        let sqlite = match self {
            Error::Db(e) | Error::Sqlite(_, e) => e,
            _ => return false,
        };
        sqlite.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly)
    }
}
