//! Run records: one row per batch run (`autocode run`, `merge`), so a nightly
//! job's history — what ran, with which versions, what it changed, how it
//! ended — is in the project itself.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{now, Result, Store};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub command: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// running | ok | partial | failed | interrupted
    pub status: String,
    pub versions: serde_json::Value,
    pub counts: serde_json::Value,
}

impl RunRecord {
    /// Whether the record says its run is still going.
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }

    /// Reads a `running` record whose process is known to be gone (nothing
    /// holds the project lock) as the next [`Store::start_run`] will write
    /// it: `interrupted`. The value only; the store is not written.
    pub fn read_as_interrupted(&mut self) {
        if self.is_running() {
            self.status = "interrupted".to_string();
        }
    }
}

impl Store {
    /// Records the start of a run. A row still `running` from a killed
    /// process is marked `interrupted` first: only one run holds the lock.
    pub fn start_run(&self, command: &str) -> Result<i64> {
        self.conn.execute(
            "UPDATE runs SET status = 'interrupted' WHERE status = 'running'",
            [],
        )?;
        self.conn.execute(
            "INSERT INTO runs(command, started_at, status) VALUES (?1, ?2, 'running')",
            params![command, now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_run(
        &self,
        id: i64,
        status: &str,
        versions: &serde_json::Value,
        counts: &serde_json::Value,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET ended_at = ?2, status = ?3, versions = ?4, counts = ?5 WHERE id = ?1",
            params![id, now(), status, versions.to_string(), counts.to_string()],
        )?;
        Ok(())
    }

    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, command, started_at, ended_at, status, versions, counts FROM runs ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, command, started_at, ended_at, status, versions, counts) = row?;
            out.push(RunRecord {
                id,
                command,
                started_at,
                ended_at,
                status,
                versions: serde_json::from_str(&versions)?,
                counts: serde_json::from_str(&counts)?,
            });
        }
        Ok(out)
    }

    pub fn last_run(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT MAX(id) FROM runs", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .optional()?
            .flatten())
    }

    /// Row counts of the tables a run changes, for its summary.
    /// A fingerprint of what the themes stage reads: every participant
    /// sentence (id and text hash, in id order) and the number of
    /// embeddings and codings. Equal fingerprints, equal inputs: a batch
    /// compares the one its last clustering recorded, not the counts at
    /// its own start, so a run killed after coding but before clustering
    /// is clustered by the next, and a re-ingest that keeps every count
    /// (rows reordered) is seen.
    pub fn themes_inputs_fingerprint(&self) -> Result<String> {
        let mut text = String::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, text_hash FROM segments WHERE is_moderator = 0 ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let hash: String = r.get(1)?;
            text.push_str(&format!("{id}:{hash}\n"));
        }
        for table in ["embeddings", "codings"] {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            text.push_str(&format!("{table}:{n}\n"));
        }
        Ok(corpus::content_hash(text.as_bytes()))
    }

    pub fn table_counts(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        let mut out = serde_json::Map::new();
        for table in [
            "documents",
            "segments",
            "embeddings",
            "codings",
            "theme_suggestions",
            "reviews",
        ] {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            out.insert(table.to_string(), n.into());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_run_is_marked_interrupted_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::create(dir.path()).unwrap();
        let first = s.start_run("run").unwrap();
        let second = s.start_run("run").unwrap();
        s.finish_run(
            second,
            "ok",
            &serde_json::json!({}),
            &serde_json::json!({"segments": 3}),
        )
        .unwrap();
        let runs = s.runs().unwrap();
        assert_eq!(runs[0].id, first);
        assert_eq!(runs[0].status, "interrupted");
        assert_eq!(runs[1].status, "ok");
        assert_eq!(runs[1].counts["segments"], 3);
    }

    /// h5/03: a `running` record is read as `interrupted`, a finished one
    /// keeps its status, and the store keeps what it holds.
    #[test]
    fn a_running_record_reads_as_interrupted_and_the_store_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::create(dir.path()).unwrap();
        let done = s.start_run("run").unwrap();
        s.finish_run(done, "ok", &serde_json::json!({}), &serde_json::json!({}))
            .unwrap();
        s.start_run("run --shard 0/2").unwrap();
        let mut runs = s.runs().unwrap();
        assert!(!runs[0].is_running());
        assert!(runs[1].is_running());
        for r in &mut runs {
            r.read_as_interrupted();
        }
        let statuses: Vec<_> = runs.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["ok", "interrupted"]);
        assert_eq!(runs[1].ended_at, None);
        assert_eq!(s.runs().unwrap()[1].status, "running");
    }
}
