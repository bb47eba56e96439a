//! Store accessors for the `themes` tables (owned by that stage; see migrations/).

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::{blob_to_vector, Result, Store};

/// A theme run to store: what was clustered and how.
#[derive(Debug, Clone)]
pub struct NewThemeRun<'a> {
    pub model_key: &'a str,
    pub params_json: &'a str,
    pub outlier_share: f64,
    pub n_segments: usize,
    /// Share of sentences the clustering left out, before any reassignment.
    pub outlier_share_clustered: f64,
    /// The run this one carried forward, if it was an incremental update.
    pub updated_from: Option<i64>,
}

/// One sentence a theme run clustered, with its leaf theme (an index into
/// the run's theme slice; `None` = outlier).
#[derive(Debug, Clone)]
pub struct ThemeInput<'a> {
    pub segment_id: i64,
    pub text_hash: &'a str,
    pub leaf: Option<usize>,
}

/// A stored [`ThemeInput`], with the leaf as a theme id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredThemeInput {
    pub segment_id: i64,
    pub text_hash: String,
    pub leaf_theme_id: Option<i64>,
}

/// One suggestion to store. `parent` indexes the same slice and must come
/// after the theme itself (children first), so ids are known when bodies
/// that list children are written. Its members are not given: they are the
/// run's inputs whose leaf is the theme or a theme below it
/// ([`theme_members`]).
#[derive(Debug, Clone)]
pub struct NewTheme<'a> {
    pub label: &'a str,
    pub level: usize,
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThemeRunRecord {
    pub id: i64,
    pub model_key: String,
    pub params_json: String,
    pub outlier_share: f64,
    pub n_segments: i64,
    pub created_at: String,
    pub updated_from: Option<i64>,
    /// `None` for runs stored before this was recorded.
    pub outlier_share_clustered: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredTheme {
    pub id: i64,
    pub theme_run_id: i64,
    pub parent_id: Option<i64>,
    pub level: i64,
    pub label: String,
    pub body_json: String,
    pub status: String,
}

const THEME_COLUMNS: &str = "id, theme_run_id, parent_id, level, label, body, status";

fn theme_from_row(r: &rusqlite::Row) -> rusqlite::Result<StoredTheme> {
    Ok(StoredTheme {
        id: r.get(0)?,
        theme_run_id: r.get(1)?,
        parent_id: r.get(2)?,
        level: r.get(3)?,
        label: r.get(4)?,
        body_json: r.get(5)?,
        status: r.get(6)?,
    })
}

/// Suggestions of the newest theme run, in id order (none before a run).
pub fn latest_run_theme_suggestions(conn: &Connection) -> Result<Vec<StoredTheme>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {THEME_COLUMNS} FROM theme_suggestions
         WHERE theme_run_id = (SELECT MAX(id) FROM theme_runs) ORDER BY id"
    ))?;
    let rows = stmt.query_map([], theme_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One suggestion of any run, if it exists.
pub fn theme_suggestion(conn: &Connection, theme_id: i64) -> Result<Option<StoredTheme>> {
    Ok(conn
        .query_row(
            &format!("SELECT {THEME_COLUMNS} FROM theme_suggestions WHERE id = ?1"),
            [theme_id],
            theme_from_row,
        )
        .optional()?)
}

/// Whether a suggestion exists with status `open`.
pub fn theme_is_open(conn: &Connection, theme_id: i64) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM theme_suggestions WHERE id = ?1 AND status = 'open'",
        [theme_id],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The sentences of a theme the latest run's inputs give it: those whose
/// leaf is the theme or one below it (a parent holds its children's
/// members). Empty for a theme of an earlier run, whose inputs are gone.
const DERIVED_MEMBERS: &str = "WITH RECURSIVE below(id) AS (
         SELECT ?1
         UNION ALL
         SELECT s.id FROM theme_suggestions s JOIN below ON s.parent_id = below.id
     )
     SELECT segment_id FROM theme_run_inputs
     WHERE leaf_theme_id IN (SELECT id FROM below)";

/// Segment ids of a theme, ascending: the members kept when someone
/// decided on it ([`keep_theme_members`]), else those the latest run's
/// inputs give it. A theme of an earlier run no one decided on has none
/// left: its members were the sentences of a clustering since replaced,
/// and keeping every night's (320k rows a run at 100k sentences, never
/// read) grew the store without bound.
pub fn theme_members(conn: &Connection, theme_id: i64) -> Result<Vec<i64>> {
    let mut kept = conn
        .prepare("SELECT segment_id FROM theme_members WHERE theme_id = ?1 ORDER BY segment_id")?;
    let ids: Vec<i64> = kept
        .query_map([theme_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !ids.is_empty() {
        return Ok(ids);
    }
    let mut derived = conn.prepare(&format!("{DERIVED_MEMBERS} ORDER BY segment_id"))?;
    let ids = derived
        .query_map([theme_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Copies a theme's members from the latest run's inputs into
/// `theme_members`, so that they outlive the run: what someone accepted,
/// merged or dismissed stays traceable to its sentences. Returns the rows
/// written (0 when they were kept already or the run is not the latest).
pub fn keep_theme_members(conn: &Connection, theme_id: i64) -> Result<usize> {
    Ok(conn.execute(
        &format!("INSERT OR IGNORE INTO theme_members(theme_id, segment_id) SELECT ?1, segment_id FROM ({DERIVED_MEMBERS})"),
        [theme_id],
    )?)
}

/// Sets a suggestion's review status (open | accepted | merged | dismissed).
pub fn set_theme_status(conn: &Connection, theme_id: i64, status: &str) -> Result<()> {
    conn.execute(
        "UPDATE theme_suggestions SET status = ?1 WHERE id = ?2",
        params![status, theme_id],
    )?;
    Ok(())
}

/// Renames a suggestion.
pub fn set_theme_label(conn: &Connection, theme_id: i64, label: &str) -> Result<()> {
    conn.execute(
        "UPDATE theme_suggestions SET label = ?2 WHERE id = ?1",
        params![theme_id, label],
    )?;
    Ok(())
}

/// A run carried forward from run `from` (its themes in the same order,
/// `ids` the new ones: `themes::ValidThemeParams::update` keeps them) takes
/// over what reviewers decided on them: each theme's decisions are copied
/// to its successor (their reviewer and time kept, so its history and the
/// page's version continue), with its status, and its label where a
/// reviewer renamed it (the latest rename). Before, a nightly run that
/// carried the themes forward showed a renamed theme under its machine
/// label again and a dismissed or accepted one as open (accepting it again
/// was refused: the code existed). A theme no one decided on takes this
/// run's label.
fn carry_theme_decisions_tx(tx: &Transaction, from: i64, ids: &[i64]) -> Result<usize> {
    let prior: Vec<(i64, String)> = {
        let mut stmt = tx.prepare(
            "SELECT id, status FROM theme_suggestions WHERE theme_run_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut carried = 0;
    for ((old, status), &new) in prior.iter().zip(ids) {
        let copied = tx.execute(
            "INSERT INTO theme_decisions(theme_id, action, code_id, label, codebook_version, reviewer, created_at)
             SELECT ?2, action, code_id, label, codebook_version, reviewer, created_at
             FROM theme_decisions WHERE theme_id = ?1 ORDER BY id",
            params![old, new],
        )?;
        if copied == 0 {
            continue;
        }
        carried += 1;
        tx.execute(
            "UPDATE theme_suggestions SET status = ?1 WHERE id = ?2",
            params![status, new],
        )?;
        let renamed: Option<String> = tx
            .query_row(
                "SELECT label FROM theme_decisions WHERE theme_id = ?1 AND action = 'rename'
                 AND label IS NOT NULL ORDER BY id DESC LIMIT 1",
                [new],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(label) = renamed {
            tx.execute(
                "UPDATE theme_suggestions SET label = ?1 WHERE id = ?2",
                params![label, new],
            )?;
        }
    }
    Ok(carried)
}

impl Store {
    /// Writes a run, its suggestions and the run's inputs (which give the
    /// suggestions' members, [`theme_members`]) in one transaction,
    /// dropping earlier runs' inputs. `body(i, ids)` makes
    /// theme `i`'s body JSON given the ids of themes `0..i` already written.
    /// Returns (run id, theme ids in slice order).
    pub fn put_theme_run(
        &mut self,
        run: &NewThemeRun<'_>,
        themes: &[NewTheme<'_>],
        inputs: &[ThemeInput<'_>],
        body: impl Fn(usize, &[i64]) -> String,
    ) -> Result<(i64, Vec<i64>)> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO theme_runs(model_key, params, outlier_share, n_segments, created_at,
                                        updated_from, outlier_share_clustered)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run.model_key,
                    run.params_json,
                    run.outlier_share,
                    run.n_segments as i64,
                    crate::now(),
                    run.updated_from,
                    run.outlier_share_clustered
                ],
            )?;
            let run_id = tx.last_insert_rowid();
            let mut ids: Vec<i64> = Vec::with_capacity(themes.len());
            {
                let mut theme_stmt = tx.prepare(
                    "INSERT INTO theme_suggestions(theme_run_id, level, label, body) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for (i, t) in themes.iter().enumerate() {
                    theme_stmt.execute(params![run_id, t.level as i64, t.label, body(i, &ids)])?;
                    ids.push(tx.last_insert_rowid());
                }
                let mut parent_stmt = tx.prepare("UPDATE theme_suggestions SET parent_id = ?1 WHERE id = ?2")?;
                for (i, t) in themes.iter().enumerate() {
                    if let Some(p) = t.parent {
                        parent_stmt.execute(params![ids[p], ids[i]])?;
                    }
                }
            }
            if let Some(from) = run.updated_from {
                carry_theme_decisions_tx(tx, from, &ids)?;
            }
            tx.execute("DELETE FROM theme_run_inputs WHERE theme_run_id <> ?1", [run_id])?;
            {
                let mut input_stmt = tx.prepare(
                    "INSERT INTO theme_run_inputs(theme_run_id, segment_id, text_hash, leaf_theme_id)
                     VALUES (?1, ?2, ?3, ?4)",
                )?;
                for i in inputs {
                    input_stmt.execute(params![
                        run_id,
                        i.segment_id,
                        i.text_hash,
                        i.leaf.map(|l| ids[l])
                    ])?;
                }
            }
            Ok::<_, crate::Error>((run_id, ids))
        })
    }

    /// The sentences a run clustered (kept for the latest run only), by segment id.
    pub fn theme_run_inputs(&self, run_id: i64) -> Result<Vec<StoredThemeInput>> {
        let mut stmt = self.conn().prepare(
            "SELECT segment_id, text_hash, leaf_theme_id FROM theme_run_inputs
             WHERE theme_run_id = ?1 ORDER BY segment_id",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(StoredThemeInput {
                segment_id: r.get(0)?,
                text_hash: r.get(1)?,
                leaf_theme_id: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The most recent theme run, if any.
    pub fn latest_theme_run(&self) -> Result<Option<ThemeRunRecord>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, model_key, params, outlier_share, n_segments, created_at,
                        updated_from, outlier_share_clustered
                 FROM theme_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(ThemeRunRecord {
                        id: r.get(0)?,
                        model_key: r.get(1)?,
                        params_json: r.get(2)?,
                        outlier_share: r.get(3)?,
                        n_segments: r.get(4)?,
                        created_at: r.get(5)?,
                        updated_from: r.get(6)?,
                        outlier_share_clustered: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    /// Suggestions of a run, in id order (finest level first).
    pub fn theme_suggestions(&self, run_id: i64) -> Result<Vec<StoredTheme>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {THEME_COLUMNS} FROM theme_suggestions WHERE theme_run_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([run_id], theme_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Segment ids of a theme, ascending (see [`theme_members`]).
    pub fn theme_members(&self, theme_id: i64) -> Result<Vec<i64>> {
        theme_members(self.conn(), theme_id)
    }

    /// Sets a suggestion's review status (see [`set_theme_status`]).
    pub fn set_theme_status(&self, theme_id: i64, status: &str) -> Result<()> {
        set_theme_status(self.conn(), theme_id, status)
    }

    /// Cached vectors of `model_key` for the given text hashes (those present).
    /// `autocode eval themes` caches gold texts this way.
    pub fn embeddings_by_hash(
        &self,
        model_key: &str,
        hashes: &[String],
    ) -> Result<BTreeMap<String, Vec<f32>>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT vector FROM embeddings WHERE model_key = ?1 AND text_hash = ?2")?;
        let mut out = BTreeMap::new();
        for h in hashes {
            if let Some(blob) = stmt
                .query_row(params![model_key, h], |r| r.get::<_, Vec<u8>>(0))
                .optional()?
            {
                out.insert(h.clone(), blob_to_vector(&blob));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_with_tree_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        let themes = [
            NewTheme {
                label: "a",
                level: 0,
                parent: Some(2),
            },
            NewTheme {
                label: "b",
                level: 0,
                parent: Some(2),
            },
            NewTheme {
                label: "ab",
                level: 1,
                parent: None,
            },
        ];
        let run = NewThemeRun {
            model_key: "m",
            params_json: "{}",
            outlier_share: 0.25,
            n_segments: 4,
            outlier_share_clustered: 0.25,
            updated_from: None,
        };
        let input = |segment_id, leaf| ThemeInput {
            segment_id,
            text_hash: "h",
            leaf,
        };
        let inputs = [
            input(1, Some(0)),
            input(2, Some(0)),
            input(3, Some(1)),
            input(4, None),
        ];
        let (run_id, ids) = store
            .put_theme_run(&run, &themes, &inputs, |i, done| {
                format!("{{\"i\":{i},\"before\":{:?}}}", done)
            })
            .unwrap();
        let stored_inputs = store.theme_run_inputs(run_id).unwrap();
        let leaves: Vec<(i64, Option<i64>)> = stored_inputs
            .iter()
            .map(|i| (i.segment_id, i.leaf_theme_id))
            .collect();
        assert_eq!(
            leaves,
            vec![
                (1, Some(ids[0])),
                (2, Some(ids[0])),
                (3, Some(ids[1])),
                (4, None)
            ]
        );
        let latest = store.latest_theme_run().unwrap().unwrap();
        assert_eq!(
            (latest.id, latest.outlier_share, latest.n_segments),
            (run_id, 0.25, 4)
        );
        let stored = store.theme_suggestions(run_id).unwrap();
        assert_eq!(stored.len(), 3);
        assert_eq!(stored[0].parent_id, Some(ids[2]));
        assert_eq!(stored[2].parent_id, None);
        assert_eq!(
            stored[2].body_json,
            format!("{{\"i\":2,\"before\":[{}, {}]}}", ids[0], ids[1])
        );
        // Members come from the inputs: a leaf's own, a parent's its leaves'.
        assert_eq!(store.theme_members(ids[0]).unwrap(), vec![1, 2]);
        assert_eq!(store.theme_members(ids[1]).unwrap(), vec![3]);
        assert_eq!(store.theme_members(ids[2]).unwrap(), vec![1, 2, 3]);
        let kept_rows = |store: &Store| -> i64 {
            store
                .conn()
                .query_row("SELECT COUNT(*) FROM theme_members", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(kept_rows(&store), 0, "a run writes no member rows");
        store.set_theme_status(ids[1], "dismissed").unwrap();
        crate::record_theme_decision(
            store.conn(),
            &crate::NewThemeDecision {
                theme_id: ids[1],
                action: "dismiss",
                code_id: None,
                label: None,
                codebook_version: None,
                reviewer: "ana",
            },
        )
        .unwrap();
        assert_eq!(kept_rows(&store), 1, "a decision keeps its theme's members");
        assert_eq!(
            store.theme_suggestions(run_id).unwrap()[1].status,
            "dismissed"
        );

        crate::set_theme_label(store.conn(), ids[0], "Night-time parks").unwrap();
        crate::record_theme_decision(
            store.conn(),
            &crate::NewThemeDecision {
                theme_id: ids[0],
                action: "rename",
                code_id: None,
                label: Some("Night-time parks"),
                codebook_version: None,
                reviewer: "ben",
            },
        )
        .unwrap();

        // A later run keeps only its own inputs and records what it updated.
        let later = NewThemeRun {
            updated_from: Some(run_id),
            ..run
        };
        let (run2, _) = store
            .put_theme_run(&later, &themes, &inputs[..2], |_, _| "{}".into())
            .unwrap();
        assert!(store.theme_run_inputs(run_id).unwrap().is_empty());
        assert_eq!(store.theme_run_inputs(run2).unwrap().len(), 2);
        // The earlier run: the theme decided on keeps its members, the
        // others' went with the run's inputs.
        assert_eq!(store.theme_members(ids[1]).unwrap(), vec![3]);
        assert_eq!(store.theme_members(ids[0]).unwrap(), vec![1, 2], "renamed");
        assert!(store.theme_members(ids[2]).unwrap().is_empty());
        let ids2: Vec<i64> = store
            .theme_suggestions(run2)
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect();
        // It carries the decisions forward: the rename, the dismissal, the
        // history (the page's version) with them; the undecided parent
        // takes the run's label.
        let run2_themes = store.theme_suggestions(run2).unwrap();
        let seen: Vec<(&str, &str)> = run2_themes
            .iter()
            .map(|t| (t.label.as_str(), t.status.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("Night-time parks", "open"),
                ("b", "dismissed"),
                ("ab", "open")
            ]
        );
        let history: Vec<i64> = ids2
            .iter()
            .map(|&t| crate::theme_decision_count(store.conn(), t).unwrap())
            .collect();
        assert_eq!(history, [1, 1, 0]);
        assert_eq!(
            crate::theme_decisions(store.conn(), ids2[0]).unwrap()[0].reviewer,
            "ben"
        );
        assert_eq!(store.theme_members(ids2[0]).unwrap(), vec![1, 2]);
        assert_eq!(store.theme_members(ids2[2]).unwrap(), vec![1, 2]);
        assert!(store.theme_members(ids2[1]).unwrap().is_empty());
        // Deciding twice keeps the rows once.
        assert_eq!(crate::keep_theme_members(store.conn(), ids2[2]).unwrap(), 2);
        assert_eq!(crate::keep_theme_members(store.conn(), ids2[2]).unwrap(), 0);
        let latest = store.latest_theme_run().unwrap().unwrap();
        assert_eq!((latest.id, latest.updated_from), (run2, Some(run_id)));
        assert_eq!(latest.outlier_share_clustered, Some(0.25));
    }
}
