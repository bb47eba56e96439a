//! The project store: one SQLite file (WAL, bundled SQLite) that every stage
//! reads and writes. The schema is versioned; each stage owns its migration
//! file under `migrations/`, applied in order by [`Store::open`].
//!
//! Every write that changes more than one row goes through one transaction,
//! so a killed process leaves the store as it was before the write.

mod audit;
mod classifier_cache;
mod codebooks;
mod coding;
mod corpus_tables;
mod document_attributes;
mod embeddings;
mod error;
mod merge;
mod review_queries;
mod reviews;
mod runs;
mod text_vectors;
mod themes;

use std::path::{Path, PathBuf};

use rusqlite::{OpenFlags, Transaction};

pub use corpus_tables::{
    CorpusStats, DocumentSummary, IngestOutcome, ReplacedLosses, StoredSegment,
    PARTICIPANTS_FILE_COLUMNS_META,
};
pub use document_attributes::{DocumentAttributes, SharedAnswers, SpeakerResolution};
pub use embeddings::{blob_to_vector, vector_to_blob, EmbeddingRow, ModelRecord};
pub use error::{Error, Result};
pub use merge::{MergeStats, ShardIdentity};
/// The connection type the free query functions take: a caller's
/// transaction (from [`Store::write`]) derefs to one.
pub use rusqlite::Connection;
#[allow(unused_imports)]
pub use {audit::*, codebooks::*, coding::*, review_queries::*, reviews::*, runs::*, themes::*};

/// File name of the store inside a project folder.
pub const STORE_FILE: &str = "autocode.db";

/// Migrations in order; the schema version is the number applied.
const MIGRATIONS: &[(&str, &str)] = &[
    ("001_corpus", include_str!("migrations/001_corpus.sql")),
    (
        "002_embeddings",
        include_str!("migrations/002_embeddings.sql"),
    ),
    ("003_coding", include_str!("migrations/003_coding.sql")),
    ("004_themes", include_str!("migrations/004_themes.sql")),
    ("005_reviews", include_str!("migrations/005_reviews.sql")),
    (
        "006_theme_inputs",
        include_str!("migrations/006_theme_inputs.sql"),
    ),
    (
        "007_codebook_lineage",
        include_str!("migrations/007_codebook_lineage.sql"),
    ),
    (
        "008_document_attributes",
        include_str!("migrations/008_document_attributes.sql"),
    ),
    ("009_audit", include_str!("migrations/009_audit.sql")),
    (
        "010_ingest_write_path",
        include_str!("migrations/010_ingest_write_path.sql"),
    ),
    (
        "011_document_speakers",
        include_str!("migrations/011_document_speakers.sql"),
    ),
    (
        "012_classifier_cache",
        include_str!("migrations/012_classifier_cache.sql"),
    ),
    (
        "013_text_vectors",
        include_str!("migrations/013_text_vectors.sql"),
    ),
    (
        "014_theme_members_kept",
        include_str!("migrations/014_theme_members_kept.sql"),
    ),
    (
        "015_gold_coverage_codebook",
        include_str!("migrations/015_gold_coverage_codebook.sql"),
    ),
    (
        "016_review_detached_voice",
        include_str!("migrations/016_review_detached_voice.sql"),
    ),
    (
        "017_review_blind",
        include_str!("migrations/017_review_blind.sql"),
    ),
    (
        "018_review_codebook_version",
        include_str!("migrations/018_review_codebook_version.sql"),
    ),
    (
        "019_gold_coverage_coders",
        include_str!("migrations/019_gold_coverage_coders.sql"),
    ),
];

/// The page size of a new store, in bytes (see `Store::open_with`).
pub const STORE_PAGE_SIZE: i64 = 16384;

/// The latest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// An open project store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Creates a new store at `path` (a file, or a folder to hold `autocode.db`).
    /// Fails if one exists there already.
    pub fn create(path: &Path) -> Result<Store> {
        let path = resolve(path);
        if path.exists() && !is_unfinished_store(&path) {
            return Err(Error::AlreadyExists(path));
        }
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e))?;
            }
        }
        Self::open_with(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
    }

    /// Opens an existing store, applying any pending migrations.
    pub fn open(path: &Path) -> Result<Store> {
        let path = resolve(path);
        if !path.exists() {
            return Err(Error::NotFound(path));
        }
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Opens the store, creating it when missing.
    pub fn open_or_create(path: &Path) -> Result<Store> {
        let resolved = resolve(path);
        if resolved.exists() && !is_unfinished_store(&resolved) {
            Self::open(&resolved)
        } else {
            Self::create(&resolved)
        }
    }

    fn open_with(path: PathBuf, flags: OpenFlags) -> Result<Store> {
        let conn = Connection::open_with_flags(&path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| Error::Sqlite(path.clone(), e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| Error::Sqlite(path.clone(), e))?;
        // Before anything writes (journal mode is stored in the file): an
        // existing file is a store only if a migration ran on it. Someone
        // else's SQLite file, or an empty one, would otherwise get the whole
        // schema written into it, by a read-only command too.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| Error::Sqlite(path.clone(), e))?;
        if version == 0 && !flags.contains(OpenFlags::SQLITE_OPEN_CREATE) {
            return Err(Error::NotAStore(path));
        }
        // Another program's SQLite file may keep its own `user_version`
        // (3, or a negative one): it is a store only if it holds the
        // tables the first migration wrote, and a new store only if it
        // holds no table at all. Before, a version of 3 made `stats` run
        // migrations 4–6 on the file before failing.
        let tables: Vec<String> = {
            let mut stmt = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
                .map_err(|e| Error::Sqlite(path.clone(), e))?;
            let names = stmt
                .query_map([], |r| r.get(0))
                .map_err(|e| Error::Sqlite(path.clone(), e))?;
            names
                .collect::<rusqlite::Result<_>>()
                .map_err(|e| Error::Sqlite(path.clone(), e))?
        };
        let ours = ["meta", "documents", "segments"]
            .iter()
            .all(|t| tables.iter().any(|n| n == t));
        if version < 0 || (version > 0 && !ours) || (version == 0 && !tables.is_empty()) {
            return Err(Error::NotAStore(path));
        }
        if flags.contains(OpenFlags::SQLITE_OPEN_CREATE) {
            // 16 KiB pages instead of SQLite's 4 KiB, set before the first
            // write (an existing store keeps its size: changing it needs a
            // VACUUM). Sentence rows are ~170 bytes and a large ingest writes
            // millions of them: fewer, fuller pages mean fewer B-tree splits
            // and WAL frames. Measured on 1M turns (alternating rounds,
            // docs/benchmarks.md): 4 KiB median 13.3 s, 16 KiB 11.5 s,
            // 64 KiB 11.7 s; 16 KiB keeps a point read of one row small.
            conn.pragma_update(None, "page_size", STORE_PAGE_SIZE)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Up to 64 MiB of page cache (SQLite's default is 2 MiB): a large
        // ingest's transaction then keeps its index pages in memory instead
        // of spilling them to the WAL and reading them back (issue #17 item 6).
        conn.pragma_update(None, "cache_size", -65536)?;
        let mut store = Store { conn, path };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > schema_version() {
            return Err(Error::NewerSchema {
                path: self.path.clone(),
                found: current,
                known: schema_version(),
            });
        }
        for (i, (_name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying connection, for stage crates that read their own tables.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one transaction: all of its writes land, or none do.
    pub fn write<T, E>(
        &mut self,
        f: impl FnOnce(&Transaction) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<Error>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(Error::from)?;
        let out = f(&tx)?;
        tx.commit().map_err(Error::from)?;
        Ok(out)
    }

    /// Whether the store's schema has `table`.
    pub fn has_table(&self, table: &str) -> Result<bool> {
        table_exists(&self.conn, table)
    }

    /// Makes every commit of this connection durable on power loss
    /// (`synchronous=FULL`; WAL with the default NORMAL can drop the last
    /// commits). For connections whose writes are people's work, like the
    /// review server's.
    pub fn sync_every_commit(&self) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    }

    /// A value from the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// Whether the schema has `table`.
pub fn table_exists(conn: &Connection, table: &str) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// A folder means the `autocode.db` inside it.
pub fn resolve(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(STORE_FILE)
    } else {
        path.to_path_buf()
    }
}

/// Whether `path` is a store an `init` or `run` killed while creating it
/// left behind: an empty file, or an SQLite file with no table and
/// `user_version` 0 (the first migration never committed). Nothing is in
/// it to lose, and before, every later `run` refused it as "not an autocode
/// project" and `init` as "a project already exists": only deleting it by
/// hand got the project going again. Anything else (another program's
/// file, a file SQLite cannot read) is not one, and stays refused.
fn is_unfinished_store(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == 0 => return true,
        Ok(m) if m.is_file() => {}
        _ => return false,
    }
    // Read-write, so that SQLite rolls back a hot journal the kill left.
    let Ok(conn) = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return false;
    };
    let version = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
    let tables = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    matches!((version, tables), (Ok(0), Ok(0)))
}

/// Current UTC time as RFC 3339, for `*_at` columns.
pub fn now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_unix(d.as_secs())
}

fn format_unix(secs: u64) -> String {
    // Civil-from-days (Howard Hinnant's algorithm); avoids a date crate for one format.
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_time() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn create_then_open_migrates_to_latest() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::create(dir.path()).unwrap();
        let v: i64 = s
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        drop(s);
        assert!(matches!(
            Store::create(dir.path()),
            Err(Error::AlreadyExists(_))
        ));
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.path(), dir.path().join(STORE_FILE));
    }

    #[test]
    fn a_new_store_has_16_kib_pages_and_an_old_one_keeps_its_own() {
        let page_size = |s: &Store| -> i64 {
            s.conn()
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        let new = Store::create(&dir.path().join("new")).unwrap();
        assert_eq!(page_size(&new), STORE_PAGE_SIZE);
        assert_eq!(STORE_PAGE_SIZE, 16384);
        // A store made by an older build (SQLite's default 4 KiB pages, its
        // first migration run) opens, migrates and keeps its page size.
        let old_path = dir.path().join("old.db");
        {
            let conn = Connection::open(&old_path).unwrap();
            conn.execute_batch(MIGRATIONS[0].1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let old = Store::open(&old_path).unwrap();
        assert_eq!(page_size(&old), 4096);
        let journal: String = old
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
    }

    #[test]
    fn a_file_no_migration_ran_on_is_not_opened_as_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let foreign = dir.path().join("other.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE foo(x); INSERT INTO foo VALUES (1);")
            .unwrap();
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        // Another program's file that keeps a schema version of its own,
        // or a negative one: not migrated, not written.
        let versioned = dir.path().join("versioned.db");
        Connection::open(&versioned)
            .unwrap()
            .execute_batch("CREATE TABLE foo(x); PRAGMA user_version = 3;")
            .unwrap();
        let negative = dir.path().join("negative.db");
        Connection::open(&negative)
            .unwrap()
            .execute_batch("CREATE TABLE foo(x); PRAGMA user_version = -2;")
            .unwrap();
        for path in [&foreign, &empty, &versioned, &negative] {
            let before = std::fs::read(path).unwrap();
            match Store::open(path) {
                Err(Error::NotAStore(p)) => assert_eq!(&p, path),
                other => panic!("{path:?} opened: {:?}", other.map(|s| s.path)),
            }
            assert_eq!(std::fs::read(path).unwrap(), before, "{path:?} written");
        }
        // A text file: named, as SQLite's "not a database".
        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "not a database at all, but long enough to be read as a header .....",
        )
        .unwrap();
        let e = Store::open(&text).err().unwrap().to_string();
        assert!(e.contains("notes.txt"), "{e}");
    }

    /// A store a kill left before its first migration committed (an empty
    /// file, or an SQLite file with its page size and journal mode set but
    /// no table) is set up by `run` and `init`; `open` (a command that
    /// reads) still refuses it, and another program's file stays refused.
    #[test]
    fn a_store_killed_while_created_is_set_up_again() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        let bare = dir.path().join("bare.db");
        Connection::open(&bare)
            .unwrap()
            .execute_batch("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;")
            .unwrap();
        for path in [&empty, &bare] {
            assert!(matches!(Store::open(path), Err(Error::NotAStore(_))));
        }
        let s = Store::open_or_create(&empty).unwrap();
        assert_eq!(s.segments(false).unwrap().len(), 0);
        drop(s);
        let s = Store::create(&bare).unwrap();
        drop(s);
        Store::open(&bare).unwrap();
        assert!(matches!(Store::create(&bare), Err(Error::AlreadyExists(_))));
        let foreign = dir.path().join("other.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE foo(x);")
            .unwrap();
        assert!(matches!(
            Store::open_or_create(&foreign),
            Err(Error::NotAStore(_))
        ));
        assert!(matches!(
            Store::create(&foreign),
            Err(Error::AlreadyExists(_))
        ));
    }

    #[test]
    fn migration_010_keeps_turns_and_keys_them_without_rowid() {
        // A store at schema 9 with a document and a turn, as the previous
        // release wrote it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            for (_, sql) in &MIGRATIONS[..9] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO documents(id, name, source_path, format, content_hash, text, ingested_at)
                 VALUES (1, 'a.txt', 'a.txt', 'text', 'h', 'Ann: Hi.', 'now');
                 INSERT INTO turns VALUES (1, 0, 'Ann', NULL, 0, 0, 8, NULL, 250);
                 PRAGMA user_version = 9;",
            )
            .unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let turn: (i64, i64, String, Option<i64>) = s
            .conn()
            .query_row(
                "SELECT document_id, turn_index, speaker, end_ms FROM turns",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(turn, (1, 0, "Ann".into(), Some(250)));
        let sql: String = s
            .conn()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'turns'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.ends_with("WITHOUT ROWID"), "{sql}");
        let indexes: i64 = s
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'segments_text_hash'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 0);
        // Deleting the document still cascades to its turns.
        s.conn()
            .execute_batch("PRAGMA foreign_keys = ON; DELETE FROM documents;")
            .unwrap();
        let left: i64 = s
            .conn()
            .query_row("SELECT COUNT(*) FROM turns", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn migration_014_keeps_the_members_of_themes_decided_on_and_drops_the_rest() {
        // A store at schema 13 whose two theme runs each wrote every
        // member: run 1's theme 1 was dismissed, theme 2 left open; run 2's
        // theme 3 is open (its members come back from its inputs).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            for (_, sql) in &MIGRATIONS[..13] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO theme_runs(id, model_key, params, outlier_share, created_at)
                 VALUES (1, 'm', '{}', 0, 'now'), (2, 'm', '{}', 0, 'now');
                 INSERT INTO theme_suggestions(id, theme_run_id, label, body, status)
                 VALUES (1, 1, 'a', '{}', 'dismissed'), (2, 1, 'b', '{}', 'open'),
                        (3, 2, 'c', '{}', 'open');
                 INSERT INTO theme_members VALUES (1, 10), (1, 11), (2, 12), (3, 10), (3, 13);
                 INSERT INTO theme_decisions(theme_id, action, reviewer, created_at)
                 VALUES (1, 'dismiss', 'ana', 'now');
                 INSERT INTO theme_run_inputs VALUES (2, 10, 'h', 3), (2, 13, 'h', 3);
                 PRAGMA user_version = 13;",
            )
            .unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let rows: Vec<(i64, i64)> = s
            .conn()
            .prepare("SELECT theme_id, segment_id FROM theme_members ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows, [(1, 10), (1, 11)]);
        assert_eq!(s.theme_members(1).unwrap(), [10, 11]);
        assert!(s.theme_members(2).unwrap().is_empty());
        assert_eq!(s.theme_members(3).unwrap(), [10, 13]);
    }

    #[test]
    fn migration_011_lists_each_documents_speakers_and_drops_the_participant_index() {
        // A store at schema 10 whose documents have sentences by two
        // participants and one sentence without a participant.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            for (_, sql) in &MIGRATIONS[..10] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO documents(id, name, source_path, format, content_hash, text, ingested_at)
                 VALUES (1, 'a.txt', 'a.txt', 'text', 'h', 'x', 'now'),
                        (2, 'b.txt', 'b.txt', 'text', 'h', 'x', 'now');
                 INSERT INTO segments(document_id, speaker, participant_id, is_moderator, turn_index,
                                      sentence_index, start_char, end_char, text, text_hash)
                 VALUES (1, 'Ann', 'ann', 0, 0, 0, 0, 1, 'a', 'h1'),
                        (1, 'Ann', 'ann', 0, 0, 1, 0, 1, 'b', 'h2'),
                        (1, 'Bo', 'bo', 0, 1, 0, 0, 1, 'c', 'h3'),
                        (2, 'All', NULL, 0, 0, 0, 0, 1, 'd', 'h4'),
                        (2, 'Bo', 'bo', 0, 1, 0, 0, 1, 'e', 'h5');
                 PRAGMA user_version = 10;",
            )
            .unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let speakers: Vec<(i64, String)> = s
            .conn()
            .prepare("SELECT document_id, participant_id FROM document_speakers ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            speakers,
            [(1, "ann".into()), (1, "bo".into()), (2, "bo".into())]
        );
        let indexes: i64 = s
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'segments_participant'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 0);
        // A deleted document takes its speakers with it.
        s.conn()
            .execute_batch("PRAGMA foreign_keys = ON; DELETE FROM documents WHERE id = 1;")
            .unwrap();
        let left: i64 = s
            .conn()
            .query_row("SELECT COUNT(*) FROM document_speakers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1);
    }

    #[test]
    fn open_missing_store_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(&dir.path().join("nope.db")).err().unwrap();
        assert!(err.to_string().contains("nope.db"), "{err}");
    }
}
