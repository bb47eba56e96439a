//! Codebook versions and their lineage (the `codebooks` table, owned by the
//! classify stage).
//!
//! Every distinct codebook content is one version, keyed by its content
//! hash: storing the same content again returns its version. A version is
//! either a root, approved from a codebook file (origin `file`), or a child
//! made on the review page from the version it extended (origin `review`).
//!
//! The rule that makes a file-configured run and review-made versions agree
//! (see [`approve_codebook_file`]): the file's content is the root; a run
//! codes with the newest version descending from it. A file whose content
//! changed while the review page extended the previous file version is
//! accepted only when it keeps the codes the review page added, so a run
//! never silently drops a reviewer's code.
//!
//! The free functions take a [`Connection`] so they run inside a caller's
//! transaction (a [`rusqlite::Transaction`] derefs to one); the [`Store`]
//! methods wrap them in their own.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::{now, Error, Result, Store};

/// Where a codebook version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodebookOrigin {
    /// Approved from a codebook file or an import.
    File,
    /// Made on the review page (a theme accepted as a code, or merged into one).
    Review,
}

impl CodebookOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            CodebookOrigin::File => "file",
            CodebookOrigin::Review => "review",
        }
    }

    fn parse(s: &str) -> Option<CodebookOrigin> {
        match s {
            "file" => Some(CodebookOrigin::File),
            "review" => Some(CodebookOrigin::Review),
            _ => None,
        }
    }
}

/// One stored codebook version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodebookVersion {
    pub version: i64,
    pub name: String,
    pub content_hash: String,
    pub body: String,
    pub created_at: String,
    /// The version this one extended; `None` for a root.
    pub parent_version: Option<i64>,
    pub origin: CodebookOrigin,
}

/// The codebook a run configured with a codebook file codes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookChoice {
    /// The file content's own version.
    pub root_version: i64,
    /// The newest version descending from `root_version` (itself when none).
    pub version: i64,
    /// The body JSON of `version`.
    pub body: String,
    /// Whether the file's content was stored just now.
    pub newly_stored: bool,
    /// Set when `version` is not the file's own version, to tell the user why.
    pub note: Option<String>,
}

const CODEBOOK_COLUMNS: &str =
    "version, name, content_hash, body, created_at, parent_version, origin";

fn codebook_from_row(r: &rusqlite::Row) -> rusqlite::Result<CodebookVersion> {
    let origin: String = r.get(6)?;
    Ok(CodebookVersion {
        version: r.get(0)?,
        name: r.get(1)?,
        content_hash: r.get(2)?,
        body: r.get(3)?,
        created_at: r.get(4)?,
        parent_version: r.get(5)?,
        // The column's CHECK constraint admits only the two values.
        origin: CodebookOrigin::parse(&origin).unwrap_or(CodebookOrigin::File),
    })
}

/// The newest codebook version overall: (version, body JSON).
pub fn latest_codebook(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT version, body FROM codebooks ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The meta key holding the root version of the codebook file approved
/// last ([`approve_codebook_file`]: `codebook approve`, or a run's
/// `code --codebook FILE`).
pub const CODEBOOK_IN_USE_META: &str = "codebook_in_use";

/// The codebook in use and the newest version stored, at one moment
/// ([`Store::codebook_approval`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookApproval {
    in_use: Option<String>,
    newest_version: Option<i64>,
}

/// The codebook version the project codes with now, and its body: the
/// newest version in the lineage of the codebook file approved last (a
/// code added in review extends it: [`codebook_descendant`]); in a store
/// from before that was recorded, the lineage of the newest machine
/// codings' version; else the newest version. The review page checks
/// decisions against it and extends it, and `code` without `--codebook`
/// codes with it. The newest version by number is not it when a run went
/// back to an earlier codebook file (`code --codebook A.yaml` after
/// approving B): the page then refused recodes to the codes the queue's
/// suggestions were made with, and a theme accepted as a code extended B,
/// which the next run of A never coded.
pub fn codebook_in_use(conn: &Connection) -> Result<Option<(i64, String)>> {
    let approved: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [CODEBOOK_IN_USE_META],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok());
    let root = match approved {
        Some(v) => Some(v),
        None => conn
            .query_row(
                "SELECT codebook_version FROM codings
                 WHERE source = 'machine' AND codebook_version IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?,
    };
    let Some(root) = root else {
        return latest_codebook(conn);
    };
    let Ok(version) = codebook_descendant(conn, root) else {
        return latest_codebook(conn);
    };
    Ok(conn
        .query_row(
            "SELECT version, body FROM codebooks WHERE version = ?1",
            [version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// One stored version, if it exists.
pub fn codebook_version(conn: &Connection, version: i64) -> Result<Option<CodebookVersion>> {
    Ok(conn
        .query_row(
            &format!("SELECT {CODEBOOK_COLUMNS} FROM codebooks WHERE version = ?1"),
            [version],
            codebook_from_row,
        )
        .optional()?)
}

fn version_with_hash(conn: &Connection, hash: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT version FROM codebooks WHERE content_hash = ?1",
            [hash],
            |r| r.get(0),
        )
        .optional()?)
}

/// The newest version whose parent chain reaches `root` (`root` itself when
/// nothing descends from it). A child is always stored after its parent, so
/// the newest is the highest version number.
pub fn codebook_descendant(conn: &Connection, root: i64) -> Result<i64> {
    let newest: Option<i64> = conn.query_row(
        "WITH RECURSIVE line(version) AS (
             SELECT version FROM codebooks WHERE version = ?1
             UNION SELECT c.version FROM codebooks c JOIN line ON c.parent_version = line.version)
         SELECT MAX(version) FROM line",
        [root],
        |r| r.get(0),
    )?;
    newest.ok_or_else(|| Error::Invalid(format!("no codebook version {root} in the project")))
}

fn insert_codebook(
    conn: &Connection,
    parent_version: Option<i64>,
    origin: CodebookOrigin,
    name: &str,
    body_json: &str,
    hash: &str,
) -> Result<(i64, bool)> {
    if let Some(v) = version_with_hash(conn, hash)? {
        return Ok((v, false));
    }
    conn.execute(
        "INSERT INTO codebooks(name, content_hash, body, created_at, parent_version, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            name,
            hash,
            body_json,
            now(),
            parent_version,
            origin.as_str()
        ],
    )?;
    Ok((conn.last_insert_rowid(), true))
}

/// Stores `body_json` as a root version of the given origin (a version made
/// on the review page with nothing to extend is a root too); the same
/// content keeps its version. Returns (version, newly stored).
pub fn put_codebook_root(
    conn: &Connection,
    name: &str,
    body_json: &str,
    hash: &str,
    origin: CodebookOrigin,
) -> Result<(i64, bool)> {
    insert_codebook(conn, None, origin, name, body_json, hash)
}

/// Stores `body_json` as a review-made child of `parent_version`; content
/// that is stored already returns that version unchanged, like
/// [`Store::put_codebook`]. Returns (version, newly stored).
pub fn put_codebook_child(
    conn: &Connection,
    parent_version: i64,
    name: &str,
    body_json: &str,
    hash: &str,
) -> Result<(i64, bool)> {
    if codebook_version(conn, parent_version)?.is_none() {
        return Err(Error::Invalid(format!(
            "codebook version {parent_version} does not exist, so nothing can extend it"
        )));
    }
    insert_codebook(
        conn,
        Some(parent_version),
        CodebookOrigin::Review,
        name,
        body_json,
        hash,
    )
}

/// The code ids of a stored body (`classify::Codebook` as JSON).
fn body_code_ids(version: i64, body: &str) -> Result<BTreeSet<String>> {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        codes: Vec<CodeId>,
    }
    #[derive(Deserialize)]
    struct CodeId {
        id: String,
    }
    let b: Body = serde_json::from_str(body).map_err(|e| {
        Error::Invalid(format!(
            "codebook version {version} in the store: body is not a codebook: {e}"
        ))
    })?;
    Ok(b.codes.into_iter().map(|c| c.id).collect())
}

fn stored_body(conn: &Connection, version: i64) -> Result<String> {
    codebook_version(conn, version)?
        .map(|c| c.body)
        .ok_or_else(|| Error::Invalid(format!("no codebook version {version} in the project")))
}

/// The newest root approved from a file, if any.
fn newest_file_root(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT version FROM codebooks WHERE origin = 'file' AND parent_version IS NULL
             ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// A codebook file's content becomes (or is found as) a root version; the
/// run codes with the newest version descending from it. See
/// [`Store::approve_codebook_file`].
pub fn approve_codebook_file(
    conn: &Connection,
    name: &str,
    body_json: &str,
    hash: &str,
    code_ids: &[String],
) -> Result<CodebookChoice> {
    let (root_version, newly_stored) = match version_with_hash(conn, hash)? {
        Some(v) => (v, false),
        None => {
            // New content: the review page may have extended the previous
            // file version. Its codes must survive, or the next run would
            // drop what reviewers added (and flip back on the next retrain).
            if let Some(previous) = newest_file_root(conn)? {
                let newest = codebook_descendant(conn, previous)?;
                if newest != previous {
                    let from_file = body_code_ids(previous, &stored_body(conn, previous)?)?;
                    let kept: BTreeSet<&str> = code_ids.iter().map(String::as_str).collect();
                    let missing: Vec<String> = body_code_ids(newest, &stored_body(conn, newest)?)?
                        .into_iter()
                        .filter(|id| !from_file.contains(id) && !kept.contains(id.as_str()))
                        .collect();
                    if !missing.is_empty() {
                        return Err(Error::CodebookLacksReviewCodes {
                            name: name.to_string(),
                            missing,
                            root: previous,
                            descendant: newest,
                        });
                    }
                }
            }
            put_codebook_root(conn, name, body_json, hash, CodebookOrigin::File)?
        }
    };
    let version = codebook_descendant(conn, root_version)?;
    let chosen = codebook_version(conn, version)?
        .ok_or_else(|| Error::Invalid(format!("no codebook version {version} in the project")))?;
    // The file approved last is the one in use: `codebook approve B`, or a
    // run's `code --codebook A` going back to A.
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![CODEBOOK_IN_USE_META, root_version.to_string()],
    )?;
    let note = (version != root_version).then(|| match chosen.parent_version {
        Some(p) if p != root_version => format!(
            "codebook v{version} (made in review from v{p}, which descends from v{root_version}, the file's version)"
        ),
        _ => format!("codebook v{version} (made in review from v{root_version}, the file's version)"),
    });
    Ok(CodebookChoice {
        root_version,
        version,
        body: chosen.body,
        newly_stored,
        note,
    })
}

impl Store {
    /// Stores a codebook body approved from a file as a root version; the
    /// same content keeps its version. Returns (version, newly stored).
    pub fn put_codebook(&mut self, name: &str, body_json: &str, hash: &str) -> Result<(i64, bool)> {
        self.write(|tx| put_codebook_root(tx, name, body_json, hash, CodebookOrigin::File))
    }

    /// A codebook file's content becomes (or is found as) a root version;
    /// returns the version a run codes with: the newest version descending
    /// from that root (itself when none), with a note when it is not the
    /// file's own version.
    ///
    /// New content while the newest file-approved root has review-made
    /// descendants is accepted only when it keeps every code the review
    /// page added (then it is stored as a new root and used); otherwise
    /// [`Error::CodebookLacksReviewCodes`] names the missing code ids and
    /// the fix, and nothing is stored.
    pub fn approve_codebook_file(
        &mut self,
        name: &str,
        body_json: &str,
        hash: &str,
        code_ids: &[String],
    ) -> Result<CodebookChoice> {
        self.write(|tx| approve_codebook_file(tx, name, body_json, hash, code_ids))
    }

    /// What approving a codebook file changes ([`Store::approve_codebook_file`]),
    /// as it stands now: for [`Store::restore_codebook_approval`].
    pub fn codebook_approval(&self) -> Result<CodebookApproval> {
        let in_use = self.meta(CODEBOOK_IN_USE_META)?;
        let newest_version =
            self.conn()
                .query_row("SELECT MAX(version) FROM codebooks", [], |r| r.get(0))?;
        Ok(CodebookApproval {
            in_use,
            newest_version,
        })
    }

    /// Undoes the approvals made since `before`: the codebook in use is
    /// `before`'s again, and versions stored since that nothing refers to
    /// (no coding, mark, theme decision, gold coverage or child version) go. A
    /// command that approves a file and then fails (`code --codebook NEW`
    /// with a mistyped `--model`) had left NEW in use, and the report
    /// counted the last run's codings for nothing (hg/04).
    pub fn restore_codebook_approval(&mut self, before: &CodebookApproval) -> Result<()> {
        self.write(|tx| {
            match &before.in_use {
                Some(v) => tx.execute(
                    "INSERT INTO meta(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![CODEBOOK_IN_USE_META, v],
                )?,
                None => tx.execute("DELETE FROM meta WHERE key = ?1", [CODEBOOK_IN_USE_META])?,
            };
            tx.execute(
                "DELETE FROM codebooks AS cb WHERE cb.version > ?1
                 AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.codebook_version = cb.version)
                 AND NOT EXISTS (SELECT 1 FROM coding_marks m WHERE m.codebook_version = cb.version)
                 AND NOT EXISTS (SELECT 1 FROM theme_decisions t WHERE t.codebook_version = cb.version)
                 AND NOT EXISTS (SELECT 1 FROM gold_coverage g WHERE g.codebook_version = cb.version)
                 AND NOT EXISTS (SELECT 1 FROM codebooks k WHERE k.parent_version = cb.version)",
                [before.newest_version.unwrap_or(0)],
            )?;
            Ok(())
        })
    }

    /// The newest codebook version overall: (version, body JSON).
    pub fn latest_codebook(&self) -> Result<Option<(i64, String)>> {
        latest_codebook(self.conn())
    }

    /// The version the project codes with now ([`codebook_in_use`]).
    pub fn codebook_in_use(&self) -> Result<Option<(i64, String)>> {
        codebook_in_use(self.conn())
    }

    /// The code ids of codebook `version` (its body's `codes[].id`), or
    /// `None` when no such version is stored: what people who coded under
    /// that version judged (`gold_coverage.codebook_version`).
    pub fn codebook_code_ids(&self, version: i64) -> Result<Option<BTreeSet<String>>> {
        let exists: bool = self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM codebooks WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(None);
        }
        let mut stmt = self.conn().prepare(
            "SELECT json_extract(c.value, '$.id') FROM codebooks b, json_each(b.body, '$.codes') c
             WHERE b.version = ?1",
        )?;
        let ids = stmt.query_map([version], |r| r.get::<_, Option<String>>(0))?;
        let mut out = BTreeSet::new();
        for id in ids {
            out.extend(id?);
        }
        Ok(Some(out))
    }

    /// When each code id first appeared in a stored codebook (the earliest
    /// `created_at` of a version whose body lists it): a reviewer's "no
    /// code" made before then did not judge it.
    pub fn code_first_seen(&self) -> Result<BTreeMap<String, String>> {
        let mut stmt = self.conn().prepare(
            "SELECT json_extract(c.value, '$.id') AS code, MIN(b.created_at)
             FROM codebooks b, json_each(b.body, '$.codes') c
             WHERE code IS NOT NULL GROUP BY code",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// `version` and the versions it descends from (its parent chain): the
    /// codebooks whose machine codings still describe a project that uses
    /// `version` (a version the review page extended keeps its parent's
    /// codings; a file approved since starts a new line).
    pub fn codebook_lineage(&self, version: i64) -> Result<BTreeSet<i64>> {
        let mut stmt = self.conn().prepare(
            "WITH RECURSIVE line(version, parent) AS (
                 SELECT version, parent_version FROM codebooks WHERE version = ?1
                 UNION SELECT c.version, c.parent_version FROM codebooks c JOIN line ON c.version = line.parent)
             SELECT version FROM line",
        )?;
        let rows = stmt.query_map([version], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// [`codebook_descendant`].
    pub fn codebook_descendant(&self, root: i64) -> Result<i64> {
        codebook_descendant(self.conn(), root)
    }

    /// Every stored codebook version, oldest first.
    pub fn codebook_versions(&self) -> Result<Vec<CodebookVersion>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {CODEBOOK_COLUMNS} FROM codebooks ORDER BY version"
        ))?;
        let rows = stmt.query_map([], codebook_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(name: &str, ids: &[&str]) -> (String, String, Vec<String>) {
        let codes: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::json!({"id": id, "name": id}))
            .collect();
        let body = serde_json::json!({"name": name, "codes": codes}).to_string();
        // Any distinct string will do as a content hash here.
        let hash = format!("hash:{body}");
        (body, hash, ids.iter().map(|s| s.to_string()).collect())
    }

    fn approve(store: &mut Store, ids: &[&str]) -> Result<CodebookChoice> {
        let (b, h, ids) = body("cb", ids);
        store.approve_codebook_file("cb", &b, &h, &ids)
    }

    fn review_child(store: &mut Store, parent: i64, ids: &[&str]) -> i64 {
        let (b, h, _) = body("cb", ids);
        let (v, new) = store
            .write(|tx| put_codebook_child(tx, parent, "cb", &b, &h))
            .unwrap();
        assert!(new);
        v
    }

    #[test]
    fn codebook_versions_are_keyed_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        assert_eq!(store.latest_codebook().unwrap(), None);
        assert_eq!(store.put_codebook("cb", "{}", "h1").unwrap(), (1, true));
        assert_eq!(store.put_codebook("cb", "{}", "h1").unwrap(), (1, false));
        assert_eq!(
            store.put_codebook("cb", "{\"x\":1}", "h2").unwrap(),
            (2, true)
        );
        assert_eq!(
            store.latest_codebook().unwrap(),
            Some((2, "{\"x\":1}".into()))
        );
        let versions = store.codebook_versions().unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions
            .iter()
            .all(|v| v.parent_version.is_none() && v.origin == CodebookOrigin::File));
    }

    #[test]
    fn a_review_child_descends_from_the_version_it_extended() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        let v1 = approve(&mut store, &["a"]).unwrap();
        assert_eq!((v1.root_version, v1.version, v1.newly_stored), (1, 1, true));
        assert_eq!(v1.note, None);
        let v2 = review_child(&mut store, 1, &["a", "b"]);
        let v3 = review_child(&mut store, v2, &["a", "b", "c"]);
        let versions = store.codebook_versions().unwrap();
        assert_eq!(versions[1].parent_version, Some(1));
        assert_eq!(versions[1].origin, CodebookOrigin::Review);
        assert_eq!(versions[2].parent_version, Some(v2));
        assert_eq!(store.codebook_descendant(1).unwrap(), v3);
        assert_eq!(store.codebook_descendant(v2).unwrap(), v3);
        assert_eq!(store.codebook_descendant(v3).unwrap(), v3);
        assert!(store.codebook_descendant(99).is_err());
        // The same content again is the existing version, not a new child.
        let (b, h, _) = body("cb", &["a", "b"]);
        assert_eq!(
            store
                .write(|tx| put_codebook_child(tx, v3, "cb", &b, &h))
                .unwrap(),
            (v2, false)
        );
        assert!(store
            .write(|tx| put_codebook_child(tx, 42, "cb", "{}", "new"))
            .is_err());
        let note = approve(&mut store, &["a"]).unwrap().note.unwrap();
        assert_eq!(
            note,
            "codebook v3 (made in review from v2, which descends from v1, the file's version)"
        );
    }

    #[test]
    fn approving_the_same_file_again_uses_the_review_made_version() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        approve(&mut store, &["a"]).unwrap();
        let v2 = review_child(&mut store, 1, &["a", "b"]);
        let again = approve(&mut store, &["a"]).unwrap();
        assert_eq!(again.root_version, 1);
        assert_eq!(again.version, v2);
        assert!(!again.newly_stored);
        assert_eq!(again.body, body("cb", &["a", "b"]).0);
        assert_eq!(
            again.note.as_deref(),
            Some("codebook v2 (made in review from v1, the file's version)")
        );
        // Nothing new was stored: a second run re-codes nothing.
        assert_eq!(store.codebook_versions().unwrap().len(), 2);
    }

    #[test]
    fn a_changed_file_that_keeps_the_review_codes_is_a_new_root() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        approve(&mut store, &["a"]).unwrap();
        review_child(&mut store, 1, &["a", "b"]);
        // The file dropped its own code "a" (allowed) and kept the review's "b".
        let changed = approve(&mut store, &["b", "c"]).unwrap();
        assert_eq!(
            (changed.root_version, changed.version, changed.newly_stored),
            (3, 3, true)
        );
        assert_eq!(changed.note, None);
        let v3 = &store.codebook_versions().unwrap()[2];
        assert_eq!(v3.parent_version, None);
        assert_eq!(v3.origin, CodebookOrigin::File);
    }

    /// The codebook in use follows the newest machine codings' lineage,
    /// not the newest version by number: after approving B and coding
    /// again with A, it is A (with the codes added to A in review).
    #[test]
    fn the_codebook_in_use_is_the_lineage_the_newest_codings_used() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        assert_eq!(store.codebook_in_use().unwrap(), None);
        approve(&mut store, &["a"]).unwrap();
        approve(&mut store, &["b"]).unwrap();
        // B approved last.
        assert_eq!(store.codebook_in_use().unwrap().unwrap().0, 2);
        // A store from before the approval was recorded: the newest
        // machine codings' lineage, else the newest version.
        store
            .conn
            .execute("DELETE FROM meta WHERE key = ?1", [CODEBOOK_IN_USE_META])
            .unwrap();
        assert_eq!(store.codebook_in_use().unwrap().unwrap().0, 2);
        let code_with = |store: &Store, version: i64| {
            store
                .conn
                .execute_batch("PRAGMA foreign_keys = OFF")
                .unwrap();
            store
                .conn
                .execute(
                    "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, created_at)
                     VALUES (1, 'x', ?1, 'machine', 'm', 0.5, 'now')",
                    [version],
                )
                .unwrap();
        };
        code_with(&store, 2);
        assert_eq!(store.codebook_in_use().unwrap().unwrap().0, 2);
        code_with(&store, 1);
        let (v, body) = store.codebook_in_use().unwrap().unwrap();
        assert_eq!(v, 1);
        assert!(body.contains("\"a\""), "{body}");
        // A run going back to A approves it again: A in use.
        approve(&mut store, &["a"]).unwrap();
        assert_eq!(store.codebook_in_use().unwrap().unwrap().0, 1);
        // A code added in review extends A: in use.
        let child = review_child(&mut store, 1, &["a", "parking"]);
        assert_eq!(store.codebook_in_use().unwrap().unwrap().0, child);
        // B approved after the last coding: B in use, whatever was coded.
        approve(&mut store, &["b"]).unwrap();
        assert_eq!(store.codebook_in_use().unwrap().unwrap().0, 2);
    }

    #[test]
    fn a_changed_file_missing_a_review_made_code_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        approve(&mut store, &["a"]).unwrap();
        review_child(&mut store, 1, &["a", "parking", "noise"]);
        let err = approve(&mut store, &["a", "noise", "c"]).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(&err, Error::CodebookLacksReviewCodes { missing, descendant: 2, root: 1, .. }
                if missing == &["parking".to_string()]),
            "{msg}"
        );
        assert!(msg.contains("parking"), "{msg}");
        assert!(!msg.contains("noise"), "{msg}");
        assert!(
            msg.contains("autocode codebook export --version 2 -o FILE"),
            "{msg}"
        );
        // Nothing was stored.
        assert_eq!(store.codebook_versions().unwrap().len(), 2);
    }

    #[test]
    fn versions_from_a_v6_store_become_file_roots() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::STORE_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            for (_, sql) in &crate::MIGRATIONS[..6] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 6).unwrap();
            for (v, hash) in [(1, "h1"), (2, "h2")] {
                conn.execute(
                    "INSERT INTO codebooks(version, name, content_hash, body, created_at)
                     VALUES (?1, 'cb', ?2, '{\"name\":\"cb\",\"codes\":[]}', 'then')",
                    params![v, hash],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        let versions = store.codebook_versions().unwrap();
        assert_eq!(versions.len(), 2);
        for v in &versions {
            assert_eq!(v.parent_version, None);
            assert_eq!(v.origin, CodebookOrigin::File);
            assert_eq!(v.created_at, "then");
        }
        assert_eq!(store.codebook_descendant(1).unwrap(), 1);
        assert_eq!(store.latest_codebook().unwrap().unwrap().0, 2);
    }
}
