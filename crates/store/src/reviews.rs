//! Human review decisions (the `reviews`, `theme_decisions` and
//! `retrain_requests` tables, owned by the review stage).
//!
//! A decision is one appended `reviews` row plus the human `codings` rows it
//! implies, written in one transaction after an optimistic version check, so
//! a decision is either fully stored or not at all, and a stale browser tab
//! cannot silently overwrite a newer decision.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::{add_settled_coding, now, Error, Result, SettledCoding, Store};

/// What a reviewer decided about a machine suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The suggested code applies.
    Accept,
    /// The suggested code does not apply.
    Reject,
    /// The suggested code does not apply; `new_code_id` does instead.
    Recode,
    /// `new_code_id` applies as well.
    Add,
    /// No code applies to the sentence.
    None,
    /// A note only; changes no coding.
    Memo,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject => "reject",
            Decision::Recode => "recode",
            Decision::Add => "add",
            Decision::None => "none",
            Decision::Memo => "memo",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Some(match s {
            "accept" => Decision::Accept,
            "reject" => Decision::Reject,
            "recode" => Decision::Recode,
            "add" => Decision::Add,
            "none" => Decision::None,
            "memo" => Decision::Memo,
            _ => return None,
        })
    }
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewInput {
    pub segment_id: i64,
    /// The machine-suggested code the decision is about.
    pub code_id: Option<String>,
    pub decision: Decision,
    /// Recode/add: the code the reviewer gives.
    pub new_code_id: Option<String>,
    pub reviewer: String,
    pub memo: Option<String>,
}

/// A stored `reviews` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRecord {
    pub id: i64,
    pub segment_id: Option<i64>,
    pub document: String,
    pub text_hash: String,
    pub code_id: Option<String>,
    pub decision: String,
    pub new_code_id: Option<String>,
    pub reviewer: String,
    pub memo: Option<String>,
    pub created_at: String,
    /// Made in blind double coding (`review --blind`): the reviewer saw
    /// only their own decisions on the sentence, so it overrules no one
    /// else's ([`BlindUnion`]).
    pub blind: bool,
    /// The codebook version in use when it was made
    /// ([`crate::codebooks::codebook_in_use`], migration 018); `None` for a
    /// decision saved before that was recorded, whose version is inferred
    /// from its time.
    pub codebook_version: Option<i64>,
}

/// The result of [`Store::record_review`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ReviewOutcome {
    /// Committed: the review row id and the segment's new version.
    Saved { review_id: i64, version: i64 },
    /// Nothing written: the segment's version is no longer the one the
    /// reviewer saw (someone decided in between).
    Stale { version: i64 },
}

/// A reviewer's current judgement of one code on one sentence, derived from
/// the latest of their decisions. `code_id: None` (with `applies: false`)
/// means the reviewer marked the sentence "no code": every code without a
/// judgement of its own is absent; a code given after the mark has one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReviewLabel {
    pub reviewer: String,
    pub segment_id: i64,
    pub code_id: Option<String>,
    pub applies: bool,
    pub document: String,
    pub text_hash: String,
    /// The id of the review row that made this judgement (reviews are
    /// only appended, so ids are decision order): across reviewers, the
    /// latest judgement of a code on a sentence is the one that stands, as
    /// the report counts it.
    pub decided_by: i64,
    /// Whether that decision was made blind ([`ReviewRecord::blind`]).
    pub blind: bool,
}

/// How people's judgements of one code on one sentence combine, in
/// decision order. A decision made seeing the others' (the review page
/// without `--blind`) stands over every earlier one, whoever made it: the
/// judgements it contradicts no longer stand (those that say the same
/// stand beside it); a blind decision ([`ReviewRecord::blind`]) stands
/// over its reviewer's own only, beside the others', and the code is given
/// when any standing judgement gives it: blind double coders are counted
/// as their union, as two coders imported from a QDA project are. Before,
/// the latest decision stood whoever made it, so which of two blind
/// reviewers saved last decided the count. The report (`report::data`),
/// training (`pipeline::code`), the human codings a decision writes
/// ([`record_review_tx`]) and the memos trained as reasons
/// ([`StandingJudgements`]) all fold decisions through this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlindUnion {
    judgements: BTreeMap<String, bool>,
}

impl BlindUnion {
    /// Adds `reviewer`'s judgement (`applies`), made `blind` or not.
    pub fn judge(&mut self, reviewer: &str, applies: bool, blind: bool) {
        if !blind {
            // Seen and contradicted: overruled. Seen and confirmed: it
            // still stands (a second reviewer's agreeing accept leaves the
            // first's coding and reason in place).
            self.judgements.retain(|_, a| *a == applies);
        }
        self.judgements.insert(reviewer.to_string(), applies);
    }

    /// Whether the code stands as given: some standing judgement gives it.
    /// `None` before any judgement.
    pub fn given(&self) -> Option<bool> {
        (!self.judgements.is_empty()).then(|| self.judgements.values().any(|&a| a))
    }

    /// `reviewer`'s judgement where it still stands: `None` where they
    /// judged nothing, or a later decision made seeing theirs (their own
    /// or another reviewer's) contradicted it.
    pub fn standing(&self, reviewer: &str) -> Option<bool> {
        self.judgements.get(reviewer).copied()
    }
}

/// Every decision on each sentence, in decision order, to fold per code
/// through [`BlindUnion`]: whose judgement of a code on a sentence still
/// stands, across reviewers. A decision taken back by its reviewer, or
/// corrected by another reviewer who saw it (without `--blind`), no longer
/// stands, and neither do the human coding it wrote
/// ([`Store::restore_review_codings`]) nor the reason written with it
/// (`pipeline::code::memo_reasons`). Before, both asked only the
/// decision's own reviewer's latest judgement, so a coding and a reason
/// another reviewer had corrected stayed (h2/01, h2/03).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StandingJudgements {
    /// Sentence → its decisions that judge codes (no memos, no detached
    /// reviews), in id order.
    decisions: BTreeMap<i64, Vec<ReviewRecord>>,
    /// Decision (review id) → the codes below the code it says no to,
    /// judged absent with it ([`StandingJudgements::with_absent_below`]).
    absent_below: BTreeMap<i64, std::collections::BTreeSet<String>>,
}

impl StandingJudgements {
    /// The decisions of `reviews` (any order); detached ones (no sentence)
    /// and memos alone judge nothing.
    pub fn new(reviews: &[ReviewRecord]) -> StandingJudgements {
        let mut decisions: BTreeMap<i64, Vec<ReviewRecord>> = BTreeMap::new();
        for r in reviews {
            let judges = !matches!(Decision::parse(&r.decision), None | Some(Decision::Memo));
            if let (Some(seg), true) = (r.segment_id, judges) {
                decisions.entry(seg).or_default().push(r.clone());
            }
        }
        for d in decisions.values_mut() {
            d.sort_by_key(|r| r.id);
        }
        StandingJudgements {
            decisions,
            absent_below: BTreeMap::new(),
        }
    }

    /// Judges the codes below a rejected (or recoded-from) code absent
    /// with it, as the report and training count them (a child is its
    /// parent's code): `absent_below` maps a decision's review id to the
    /// codes below its code, in the hierarchy of the codebook it was made
    /// under (`report::data::CodebookHistory::absent_below`: a code moved
    /// below it since was not judged by it, h12/02). Without it a decision
    /// judges only the codes it names, as its human codings do
    /// ([`record_review_tx`]).
    pub fn with_absent_below(
        mut self,
        absent_below: BTreeMap<i64, std::collections::BTreeSet<String>>,
    ) -> StandingJudgements {
        self.absent_below = absent_below;
        self
    }

    /// Every judgement of `code` on `segment`, folded in decision order.
    pub fn union(&self, segment: i64, code: &str) -> BlindUnion {
        let mut union = BlindUnion::default();
        for r in self.decisions.get(&segment).into_iter().flatten() {
            if let Some(applies) = self.judgement(r, code) {
                union.judge(&r.reviewer, applies, r.blind);
            }
        }
        union
    }

    /// `reviewer`'s judgement of `code` on `segment` where it still stands
    /// ([`BlindUnion::standing`]).
    pub fn standing(&self, reviewer: &str, segment: i64, code: &str) -> Option<bool> {
        self.union(segment, code).standing(reviewer)
    }

    /// What decision `r` says of `code`, if it judges it. Within one
    /// decision its "absent" comes before its "given": a recode from a
    /// parent to its own child gives the child.
    fn judgement(&self, r: &ReviewRecord, code: &str) -> Option<bool> {
        let names = |c: &Option<String>| c.as_deref() == Some(code);
        let above = || {
            self.absent_below
                .get(&r.id)
                .is_some_and(|b| b.contains(code))
        };
        match Decision::parse(&r.decision)? {
            Decision::Accept => names(&r.code_id).then_some(true),
            Decision::Reject => (names(&r.code_id) || above()).then_some(false),
            Decision::Recode if names(&r.new_code_id) => Some(true),
            Decision::Recode => (names(&r.code_id) || above()).then_some(false),
            Decision::Add => {
                (r.new_code_id.as_deref().or(r.code_id.as_deref()) == Some(code)).then_some(true)
            }
            // "No code": every code on the sentence is absent.
            Decision::None => Some(false),
            Decision::Memo => None,
        }
    }
}

const REVIEW_COLUMNS: &str = "id, segment_id, document, text_hash, code_id, decision, new_code_id, reviewer, memo, created_at, blind, codebook_version";

fn review_from_row(r: &rusqlite::Row) -> rusqlite::Result<ReviewRecord> {
    Ok(ReviewRecord {
        id: r.get(0)?,
        segment_id: r.get(1)?,
        document: r.get(2)?,
        text_hash: r.get(3)?,
        code_id: r.get(4)?,
        decision: r.get(5)?,
        new_code_id: r.get(6)?,
        reviewer: r.get(7)?,
        memo: r.get(8)?,
        created_at: r.get(9)?,
        blind: r.get(10)?,
        codebook_version: r.get(11)?,
    })
}

impl ReviewInput {
    fn validate(&self) -> Result<()> {
        let invalid = |m: &str| Err(Error::Invalid(format!("review: {m}")));
        if self.reviewer.trim().is_empty() {
            return invalid("reviewer name is empty");
        }
        let has = |c: &Option<String>| c.as_deref().is_some_and(|s| !s.trim().is_empty());
        match self.decision {
            Decision::Accept | Decision::Reject if !has(&self.code_id) => {
                invalid("accept/reject needs code_id")
            }
            Decision::Recode if !has(&self.code_id) || !has(&self.new_code_id) => {
                invalid("recode needs code_id and new_code_id")
            }
            Decision::Recode if self.code_id == self.new_code_id => {
                invalid("recode to the same code; use accept")
            }
            Decision::Add if !has(&self.new_code_id) => invalid("add needs new_code_id"),
            Decision::Memo if !has(&self.memo) => invalid("memo is empty"),
            _ => Ok(()),
        }
    }
}

/// A segment's review version: how many review rows it has (only the given
/// reviewer's in blind mode). Reviews are append-only, so it only grows.
pub fn review_version_tx(
    conn: &rusqlite::Connection,
    segment_id: i64,
    scope: Option<&str>,
) -> Result<i64> {
    Ok(match scope {
        Some(reviewer) => conn.query_row(
            "SELECT COUNT(*) FROM reviews WHERE segment_id = ?1 AND reviewer = ?2",
            params![segment_id, reviewer],
            |r| r.get(0),
        )?,
        None => conn.query_row(
            "SELECT COUNT(*) FROM reviews WHERE segment_id = ?1",
            [segment_id],
            |r| r.get(0),
        )?,
    })
}

/// Records one decision inside `tx`; see [`Store::record_review`].
pub fn record_review_tx(
    tx: &Transaction,
    input: &ReviewInput,
    expected_version: i64,
    scope: Option<&str>,
) -> Result<ReviewOutcome> {
    input.validate()?;
    let seg: Option<(String, String)> = tx
        .query_row(
            "SELECT d.name, s.text_hash FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id = ?1",
            [input.segment_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((document, text_hash)) = seg else {
        return Err(Error::Invalid(format!(
            "review: no segment with id {}",
            input.segment_id
        )));
    };
    let version = review_version_tx(tx, input.segment_id, scope)?;
    if version != expected_version {
        return Ok(ReviewOutcome::Stale { version });
    }
    let created_at = now();
    // The decision was made against the codebook the page checks it with;
    // its human codings record the same version.
    let codebook_version: Option<i64> = crate::codebooks::codebook_in_use(tx)?.map(|(v, _)| v);
    tx.execute(
        "INSERT INTO reviews(segment_id, document, text_hash, code_id, decision, new_code_id, reviewer, memo, created_at, blind, codebook_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            input.segment_id,
            document,
            text_hash,
            input.code_id,
            input.decision.as_str(),
            input.new_code_id,
            input.reviewer,
            input.memo,
            created_at,
            scope.is_some(),
            codebook_version
        ],
    )?;
    let review_id = tx.last_insert_rowid();

    // The human codings mirror the reviewer's current judgement, so a changed
    // mind replaces rather than piles up rows.
    let give = |code: &str| -> Result<()> {
        add_settled_coding(
            tx,
            &SettledCoding {
                segment_id: input.segment_id,
                code_id: code,
                codebook_version,
                source: "human",
                coder: &input.reviewer,
                classifier: None,
                created_at: &created_at,
            },
        )?;
        Ok(())
    };
    // A decision made seeing the others' stands over those it contradicts
    // ([`BlindUnion`]): it takes back everyone's coding of the code, as
    // the report and training count it; a blind one only its reviewer's
    // own. Before, a second reviewer's correction left the first
    // reviewer's coding, which went on settling the code's parents in the
    // report (h2/01).
    let whose = scope.map(|_| input.reviewer.as_str());
    let take_back = |code: Option<&str>| -> Result<()> {
        tx.execute(
            "DELETE FROM codings WHERE segment_id = ?1 AND source = 'human'
             AND (?2 IS NULL OR coder = ?2) AND (?3 IS NULL OR code_id = ?3)",
            params![input.segment_id, whose, code],
        )?;
        Ok(())
    };
    let code = input.code_id.as_deref();
    let new_code = input.new_code_id.as_deref();
    match input.decision {
        Decision::Accept => give(code.unwrap_or_default())?,
        Decision::Reject => take_back(code)?,
        Decision::Recode => {
            take_back(code)?;
            give(new_code.unwrap_or_default())?;
        }
        Decision::Add => give(new_code.unwrap_or_default())?,
        Decision::None => take_back(None)?,
        Decision::Memo => {}
    }
    Ok(ReviewOutcome::Saved {
        review_id,
        version: version + 1,
    })
}

/// Review versions of every reviewed segment (see [`review_version_tx`]),
/// counting only `scope`'s reviews when given.
pub fn review_versions(conn: &Connection, scope: Option<&str>) -> Result<BTreeMap<i64, i64>> {
    let mut stmt = conn.prepare(
        "SELECT segment_id, COUNT(*) FROM reviews WHERE segment_id IS NOT NULL
         AND (?1 IS NULL OR reviewer = ?1) GROUP BY segment_id",
    )?;
    let rows = stmt.query_map([scope], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A stored `theme_decisions` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeDecisionRecord {
    /// accept | rename | merge | split | dismiss
    pub action: String,
    /// accept: the new code; merge: the code merged into.
    pub code_id: Option<String>,
    /// rename: the new label.
    pub label: Option<String>,
    /// The codebook version the action wrote, if any.
    pub codebook_version: Option<i64>,
    pub reviewer: String,
    pub created_at: String,
}

/// A decision on a theme suggestion to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewThemeDecision<'a> {
    pub theme_id: i64,
    pub action: &'a str,
    pub code_id: Option<&'a str>,
    pub label: Option<&'a str>,
    pub codebook_version: Option<i64>,
    pub reviewer: &'a str,
}

/// A theme suggestion's version: how many decisions it has (append-only).
pub fn theme_decision_count(conn: &Connection, theme_id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM theme_decisions WHERE theme_id = ?1",
        [theme_id],
        |r| r.get(0),
    )?)
}

/// A theme suggestion's decisions in the order they were made.
pub fn theme_decisions(conn: &Connection, theme_id: i64) -> Result<Vec<ThemeDecisionRecord>> {
    let mut stmt = conn.prepare(
        "SELECT action, code_id, label, codebook_version, reviewer, created_at
         FROM theme_decisions WHERE theme_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([theme_id], |r| {
        Ok(ThemeDecisionRecord {
            action: r.get(0)?,
            code_id: r.get(1)?,
            label: r.get(2)?,
            codebook_version: r.get(3)?,
            reviewer: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Appends a theme decision and keeps the theme's members past its run
/// ([`crate::keep_theme_members`]); returns the decision's row id.
pub fn record_theme_decision(conn: &Connection, d: &NewThemeDecision<'_>) -> Result<i64> {
    conn.execute(
        "INSERT INTO theme_decisions(theme_id, action, code_id, label, codebook_version, reviewer, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.theme_id, d.action, d.code_id, d.label, d.codebook_version, d.reviewer, now()],
    )?;
    let id = conn.last_insert_rowid();
    crate::keep_theme_members(conn, d.theme_id)?;
    Ok(id)
}

/// A stored `retrain_requests` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrainRequest {
    pub id: i64,
    pub reviewer: String,
    /// Number of review rows when requested.
    pub reviews_at: i64,
    /// requested | running | ok | failed
    pub status: String,
    pub detail: Option<String>,
    pub created_at: String,
}

/// The newest retrain request, if any.
pub fn latest_retrain_request(conn: &Connection) -> Result<Option<RetrainRequest>> {
    Ok(conn
        .query_row(
            "SELECT id, reviewer, reviews_at, status, detail, created_at
             FROM retrain_requests ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(RetrainRequest {
                    id: r.get(0)?,
                    reviewer: r.get(1)?,
                    reviews_at: r.get(2)?,
                    status: r.get(3)?,
                    detail: r.get(4)?,
                    created_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Records a retrain request; returns its id.
pub fn add_retrain_request(
    conn: &Connection,
    reviewer: &str,
    reviews_at: i64,
    status: &str,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO retrain_requests(reviewer, reviews_at, status, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![reviewer, reviews_at, status, now()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Ends every retrain request still `requested` or `running` as `failed`,
/// saying the server stopped first; returns how many. A review server
/// calls it as it starts: a retrain runs on the server's own thread, so
/// one that a stopped server left unfinished will never finish, and the
/// page polled "running" forever (hs/01).
pub fn interrupt_unfinished_retrains(conn: &Connection) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE retrain_requests SET status = 'failed',
             detail = 'interrupted: the review server stopped before the retrain finished; press Retrain again'
         WHERE status IN ('requested', 'running')",
        [],
    )?)
}

/// Records how a retrain request ended.
pub fn finish_retrain_request(
    conn: &Connection,
    id: i64,
    status: &str,
    detail: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE retrain_requests SET status = ?2, detail = ?3 WHERE id = ?1",
        params![id, status, detail],
    )?;
    Ok(())
}

impl Store {
    /// Records one decision and its human codings in one transaction, if
    /// the segment's review version is still `expected_version` (counting
    /// only `scope`'s reviews when given, for blind double coding).
    pub fn record_review(
        &mut self,
        input: &ReviewInput,
        expected_version: i64,
        scope: Option<&str>,
    ) -> Result<ReviewOutcome> {
        self.write(|tx| record_review_tx(tx, input, expected_version, scope))
    }

    /// A segment's review version (see [`review_version_tx`]).
    pub fn review_version(&self, segment_id: i64, scope: Option<&str>) -> Result<i64> {
        review_version_tx(self.conn(), segment_id, scope)
    }

    /// Every review row in id order.
    pub fn reviews(&self) -> Result<Vec<ReviewRecord>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {REVIEW_COLUMNS} FROM reviews ORDER BY id"))?;
        let rows = stmt.query_map([], review_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The review rows of one segment in id order (only `scope`'s when given).
    pub fn segment_reviews(
        &self,
        segment_id: i64,
        scope: Option<&str>,
    ) -> Result<Vec<ReviewRecord>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE segment_id = ?1
             AND (?2 IS NULL OR reviewer = ?2) ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![segment_id, scope], review_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Each reviewer's current judgement per (segment, code), from the latest
    /// of their decisions, sorted. What `autocode code` trains on and what
    /// agreement is computed from. Reviews whose segment is gone are skipped.
    pub fn review_labels(&self) -> Result<Vec<ReviewLabel>> {
        // (reviewer, segment) → (document, text hash, code (None = "no code") → applies)
        type Judgement = (String, String, BTreeMap<Option<String>, (bool, i64, bool)>);
        let mut state: BTreeMap<(String, i64), Judgement> = BTreeMap::new();
        for r in self.reviews()? {
            let (Some(seg), Some(decision)) = (r.segment_id, Decision::parse(&r.decision)) else {
                continue;
            };
            let entry = state
                .entry((r.reviewer.clone(), seg))
                .or_insert_with(|| (r.document.clone(), r.text_hash.clone(), BTreeMap::new()));
            let codes = &mut entry.2;
            // A "no code" mark stays when a code is given afterwards: the
            // codes not given since are still judged absent, as the report
            // counts them (`report::data`, "none"), so the sentence's other
            // suggestions do not come back to the queue.
            let mut set = |code: &Option<String>, applies: bool| {
                codes.insert(code.clone(), (applies, r.id, r.blind));
            };
            match decision {
                Decision::Accept => set(&r.code_id, true),
                Decision::Reject => set(&r.code_id, false),
                Decision::Recode => {
                    set(&r.code_id, false);
                    set(&r.new_code_id, true);
                }
                Decision::Add => set(&r.new_code_id, true),
                Decision::None => {
                    for v in codes.values_mut() {
                        *v = (false, r.id, r.blind);
                    }
                    codes.insert(None, (false, r.id, r.blind));
                }
                Decision::Memo => {}
            }
        }
        let live: std::collections::BTreeSet<i64> = {
            let mut stmt = self.conn().prepare("SELECT id FROM segments")?;
            let ids = stmt.query_map([], |r| r.get(0))?;
            ids.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for ((reviewer, segment_id), (document, text_hash, codes)) in state {
            if !live.contains(&segment_id) {
                continue;
            }
            for (code_id, (applies, decided_by, blind)) in codes {
                out.push(ReviewLabel {
                    reviewer: reviewer.clone(),
                    segment_id,
                    code_id,
                    applies,
                    document: document.clone(),
                    text_hash: text_hash.clone(),
                    decided_by,
                    blind,
                });
            }
        }
        Ok(out)
    }

    /// Re-creates the human codings that reviews imply but `codings` lacks,
    /// e.g. after a re-ingested document's segments (and their codings) were
    /// replaced and its reviews reattached by text: a reviewer's coding of
    /// each code their judgement gives where it still stands
    /// ([`StandingJudgements`]; not where another reviewer, seeing it,
    /// took the code back). Idempotent; returns the number of rows written.
    pub fn restore_review_codings(&mut self) -> Result<usize> {
        let labels = self.review_labels()?;
        let standing = StandingJudgements::new(&self.reviews()?);
        self.write(|tx| {
            let codebook_version: Option<i64> =
                crate::codebooks::codebook_in_use(tx)?.map(|(v, _)| v);
            let mut written = 0;
            for l in labels.iter().filter(|l| l.applies) {
                let Some(code) = &l.code_id else { continue };
                if standing.standing(&l.reviewer, l.segment_id, code) != Some(true) {
                    continue;
                }
                let coding = SettledCoding {
                    segment_id: l.segment_id,
                    code_id: code,
                    codebook_version,
                    source: "human",
                    coder: &l.reviewer,
                    classifier: None,
                    created_at: &now(),
                };
                written += usize::from(add_settled_coding(tx, &coding)?);
            }
            Ok(written)
        })
    }

    /// Number of review rows (decisions of every kind).
    pub fn review_count(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM reviews", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corpus::{Document, Segment, SourceFormat, Turn};

    fn store_with_segment() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        let text = "I like it. I do not.".to_string();
        let doc = Document {
            name: "a.txt".into(),
            source_path: "a.txt".into(),
            format: SourceFormat::Text,
            content_hash: corpus::content_hash(text.as_bytes()),
            text: text.clone(),
            turns: vec![Turn {
                index: 0,
                speaker: Some("Ann".into()),
                role: None,
                is_moderator: false,
                start_char: 0,
                end_char: 20,
                start_ms: None,
                end_ms: None,
            }],
            segments: vec![Segment {
                speaker: Some("Ann".into()),
                participant_id: Some("P1".into()),
                is_moderator: false,
                turn_index: 0,
                sentence_index: 0,
                start_char: 0,
                end_char: 10,
                start_ms: None,
                end_ms: None,
                text: "I like it.".into(),
            }],
            speaker_attributes: Default::default(),
        };
        store.put_document(&doc).unwrap();
        let id = store.segments(false).unwrap()[0].id;
        (dir, store, id)
    }

    fn input(seg: i64, d: Decision, code: Option<&str>, new: Option<&str>) -> ReviewInput {
        ReviewInput {
            segment_id: seg,
            code_id: code.map(String::from),
            decision: d,
            new_code_id: new.map(String::from),
            reviewer: "rita".into(),
            memo: None,
        }
    }

    fn human_codes(store: &Store, seg: i64) -> Vec<String> {
        let mut stmt = store
            .conn()
            .prepare("SELECT code_id FROM codings WHERE segment_id = ?1 AND source = 'human' ORDER BY code_id")
            .unwrap();
        let rows = stmt.query_map([seg], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn decisions_write_review_and_human_coding_with_version_check() {
        let (_dir, mut store, seg) = store_with_segment();
        let out = store
            .record_review(&input(seg, Decision::Accept, Some("A"), None), 0, None)
            .unwrap();
        assert!(matches!(out, ReviewOutcome::Saved { version: 1, .. }));
        assert_eq!(human_codes(&store, seg), vec!["A"]);
        // A second tab that still saw version 0 is refused and writes nothing.
        let stale = store
            .record_review(&input(seg, Decision::Reject, Some("A"), None), 0, None)
            .unwrap();
        assert_eq!(stale, ReviewOutcome::Stale { version: 1 });
        assert_eq!(store.review_count().unwrap(), 1);
        // Recode A → B replaces the human coding.
        store
            .record_review(&input(seg, Decision::Recode, Some("A"), Some("B")), 1, None)
            .unwrap();
        assert_eq!(human_codes(&store, seg), vec!["B"]);
        store
            .record_review(&input(seg, Decision::Add, None, Some("C")), 2, None)
            .unwrap();
        assert_eq!(human_codes(&store, seg), vec!["B", "C"]);
        let labels = store.review_labels().unwrap();
        let got: Vec<(Option<&str>, bool)> = labels
            .iter()
            .map(|l| (l.code_id.as_deref(), l.applies))
            .collect();
        assert_eq!(
            got,
            vec![(Some("A"), false), (Some("B"), true), (Some("C"), true)]
        );
        store
            .record_review(&input(seg, Decision::None, Some("B"), None), 3, None)
            .unwrap();
        assert!(human_codes(&store, seg).is_empty());
        let labels = store.review_labels().unwrap();
        assert!(labels.iter().all(|l| !l.applies), "{labels:?}");
        assert!(labels.iter().any(|l| l.code_id.is_none()));
        // A code given after "no code" applies; the mark stays for the rest.
        store
            .record_review(&input(seg, Decision::Accept, Some("C"), None), 4, None)
            .unwrap();
        let got: Vec<(Option<String>, bool)> = store
            .review_labels()
            .unwrap()
            .into_iter()
            .map(|l| (l.code_id, l.applies))
            .collect();
        assert_eq!(
            got,
            vec![
                (None, false),
                (Some("A".into()), false),
                (Some("B".into()), false),
                (Some("C".into()), true)
            ]
        );
    }

    #[test]
    fn human_codings_are_restored_from_reviews() {
        let (_dir, mut store, seg) = store_with_segment();
        store
            .record_review(&input(seg, Decision::Recode, Some("A"), Some("B")), 0, None)
            .unwrap();
        store.conn().execute("DELETE FROM codings", []).unwrap();
        assert_eq!(store.restore_review_codings().unwrap(), 1);
        assert_eq!(human_codes(&store, seg), vec!["B"]);
        assert_eq!(store.restore_review_codings().unwrap(), 0);
    }

    #[test]
    fn blind_judgements_stand_side_by_side_and_a_seeing_one_over_them() {
        let mut u = BlindUnion::default();
        assert_eq!(u.given(), None);
        u.judge("ana", true, true);
        u.judge("ben", false, true);
        assert_eq!(u.given(), Some(true), "either order gives the union");
        u.judge("ana", false, true);
        assert_eq!(u.given(), Some(false), "ana changed her mind");
        u.judge("ben", true, true);
        u.judge("rita", false, false);
        assert_eq!(u.given(), Some(false), "rita saw ben's and overruled it");
        u.judge("ana", true, false);
        assert_eq!(u.given(), Some(true), "the latest seeing decision");
        assert_eq!(u.standing("rita"), None, "ana overruled her");
        assert_eq!(u.standing("ana"), Some(true));
        // A seeing decision that agrees leaves the judgements it confirms.
        u.judge("ben", true, false);
        assert_eq!(
            (u.standing("ana"), u.standing("ben")),
            (Some(true), Some(true))
        );
        u.judge("ben", false, true);
        assert_eq!(u.given(), Some(true), "ben's blind change overrules no one");
    }

    fn by(reviewer: &str, mut i: ReviewInput) -> ReviewInput {
        i.reviewer = reviewer.into();
        i
    }

    fn human_codings_by_coder(store: &Store, seg: i64) -> Vec<(String, String)> {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT coder, code_id FROM codings WHERE segment_id = ?1 AND source = 'human'
                 ORDER BY coder, code_id",
            )
            .unwrap();
        let rows = stmt
            .query_map([seg], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    /// h2/01: without `--blind` a second reviewer's reject corrects the
    /// first reviewer's accept, and her human coding goes with it, as when
    /// she takes it back herself; a blind reject takes back only its own.
    #[test]
    fn a_seeing_correction_takes_back_every_reviewers_coding() {
        let (_dir, mut store, seg) = store_with_segment();
        let accept = input(seg, Decision::Accept, Some("A"), None);
        let reject = input(seg, Decision::Reject, Some("A"), None);
        store
            .record_review(&by("ana", accept.clone()), 0, None)
            .unwrap();
        // An agreeing accept leaves hers: both stand.
        store
            .record_review(&by("ben", accept.clone()), 1, None)
            .unwrap();
        assert_eq!(
            human_codings_by_coder(&store, seg),
            pairs(&[("ana", "A"), ("ben", "A")])
        );
        store
            .record_review(&by("ben", reject.clone()), 2, None)
            .unwrap();
        assert!(human_codings_by_coder(&store, seg).is_empty());
        // Nothing stands to restore.
        assert_eq!(store.restore_review_codings().unwrap(), 0);

        // "No code" seen by everyone takes back every coding on the sentence.
        store
            .record_review(&by("ana", accept.clone()), 3, None)
            .unwrap();
        let add_b = input(seg, Decision::Add, None, Some("B"));
        store.record_review(&by("carl", add_b), 4, None).unwrap();
        store
            .record_review(&by("ben", input(seg, Decision::None, None, None)), 5, None)
            .unwrap();
        assert!(human_codings_by_coder(&store, seg).is_empty());

        // Blind: each reviewer takes back only their own.
        let (_dir, mut store, seg) = store_with_segment();
        store
            .record_review(&by("ana", accept.clone()), 0, Some("ana"))
            .unwrap();
        store
            .record_review(&by("ben", accept), 0, Some("ben"))
            .unwrap();
        store
            .record_review(&by("ben", reject), 1, Some("ben"))
            .unwrap();
        assert_eq!(human_codings_by_coder(&store, seg), pairs(&[("ana", "A")]));
        store.conn().execute("DELETE FROM codings", []).unwrap();
        assert_eq!(store.restore_review_codings().unwrap(), 1);
        assert_eq!(human_codings_by_coder(&store, seg), pairs(&[("ana", "A")]));
    }

    /// Before the fix, restoring gave back the coding of a reviewer whose
    /// accept another had corrected: each reviewer's own latest judgement
    /// was asked, not whether it still stood.
    #[test]
    fn restored_codings_are_those_that_stand() {
        let (_dir, mut store, seg) = store_with_segment();
        let recode = input(seg, Decision::Recode, Some("A"), Some("B"));
        store
            .record_review(
                &by("ana", input(seg, Decision::Accept, Some("A"), None)),
                0,
                None,
            )
            .unwrap();
        store.record_review(&by("ben", recode), 1, None).unwrap();
        store.conn().execute("DELETE FROM codings", []).unwrap();
        assert_eq!(store.restore_review_codings().unwrap(), 1);
        assert_eq!(human_codings_by_coder(&store, seg), pairs(&[("ben", "B")]));
    }

    #[test]
    fn standing_judgements_fold_every_reviewers_decisions() {
        let review = |id: i64,
                      reviewer: &str,
                      decision: &str,
                      code: Option<&str>,
                      new: Option<&str>,
                      blind: bool| {
            ReviewRecord {
                id,
                segment_id: Some(7),
                document: "d".into(),
                text_hash: "h".into(),
                code_id: code.map(String::from),
                decision: decision.into(),
                new_code_id: new.map(String::from),
                reviewer: reviewer.into(),
                memo: None,
                created_at: String::new(),
                blind,
                codebook_version: None,
            }
        };
        // Given out of order: decision order is by id.
        let reviews = vec![
            review(2, "ben", "reject", Some("child"), None, false),
            review(1, "ana", "accept", Some("child"), None, false),
            review(3, "ana", "accept", Some("other"), None, false),
            review(4, "ben", "memo", Some("other"), None, false),
            review(5, "carl", "reject", Some("other"), None, true),
            review(6, "dora", "recode", Some("parent"), Some("child"), false),
        ];
        let s = StandingJudgements::new(&reviews);
        // ben corrected ana, seeing her accept.
        assert_eq!(s.standing("ana", 7, "child"), None, "ben overruled her");
        assert_eq!(s.standing("dora", 7, "child"), Some(true));
        assert_eq!(
            s.union(7, "child").given(),
            Some(true),
            "dora gave it again"
        );
        let before_dora = StandingJudgements::new(&reviews[..4]);
        assert_eq!(before_dora.standing("ana", 7, "child"), None);
        assert_eq!(before_dora.standing("ben", 7, "child"), Some(false));
        assert_eq!(before_dora.union(7, "child").given(), Some(false));
        // A memo judges nothing; a blind reject overrules no one.
        assert_eq!(s.standing("ana", 7, "other"), Some(true));
        assert_eq!(s.standing("carl", 7, "other"), Some(false));
        assert_eq!(s.union(7, "other").given(), Some(true));
        assert_eq!(s.standing("ana", 7, "parent"), None);
        assert_eq!(s.standing("dora", 7, "parent"), Some(false));
        // With the hierarchy, a rejected parent is a "no" to its children:
        // those below it when each decision was made (dora's recode 6,
        // ben's reject 7). A child moved below the parent after ben's
        // reject was not judged by it: dora's "child" stands.
        let children = std::collections::BTreeSet::from(["child".to_string()]);
        let below = BTreeMap::from([(6, children.clone()), (7, children)]);
        let mut rejected = reviews.clone();
        rejected.push(review(7, "ben", "reject", Some("parent"), None, false));
        let flat = StandingJudgements::new(&rejected);
        assert_eq!(flat.standing("dora", 7, "child"), Some(true));
        let tree = StandingJudgements::new(&rejected).with_absent_below(below.clone());
        assert_eq!(tree.standing("dora", 7, "child"), None);
        assert_eq!(tree.union(7, "child").given(), Some(false));
        let moved_since = StandingJudgements::new(&rejected)
            .with_absent_below(BTreeMap::from([(7, std::collections::BTreeSet::new())]));
        assert_eq!(moved_since.standing("dora", 7, "child"), Some(true));
        // A recode from a parent to its child gives the child.
        let tree = StandingJudgements::new(&reviews).with_absent_below(below);
        assert_eq!(tree.standing("dora", 7, "child"), Some(true));
        // "No code" judges every code; a detached review nothing.
        let mut none = reviews.clone();
        none.push(review(8, "ben", "none", None, None, false));
        let mut detached = review(9, "ana", "accept", Some("child"), None, false);
        detached.segment_id = None;
        none.push(detached);
        let s = StandingJudgements::new(&none);
        assert_eq!(s.union(7, "never_named").given(), Some(false));
        assert_eq!(s.standing("ana", 7, "child"), None);
        assert_eq!(s.standing("ben", 7, "other"), Some(false));
    }

    #[test]
    fn blind_decisions_are_stored_as_blind() {
        let (_dir, mut store, seg) = store_with_segment();
        let a = input(seg, Decision::Accept, Some("A"), None);
        store.record_review(&a, 0, Some("rita")).unwrap();
        store.record_review(&a, 1, None).unwrap();
        let blind: Vec<bool> = store.reviews().unwrap().iter().map(|r| r.blind).collect();
        assert_eq!(blind, [true, false]);
        let labels = store.review_labels().unwrap();
        assert!(
            labels.iter().all(|l| !l.blind),
            "the latest decision was seen"
        );
    }

    /// A decision records the codebook version in use when it was saved:
    /// the file approved last, even an older one gone back to (what the
    /// page checked it against), not the newest version by number.
    #[test]
    fn decisions_record_the_codebook_version_in_use() {
        let (_dir, mut store, seg) = store_with_segment();
        let a = input(seg, Decision::Accept, Some("A"), None);
        store.record_review(&a, 0, None).unwrap();
        let body = |codes: &[&str]| {
            let codes: Vec<_> = codes
                .iter()
                .map(|c| serde_json::json!({"id": c, "name": c}))
                .collect();
            serde_json::json!({ "codes": codes }).to_string()
        };
        let approve = |store: &mut Store, codes: &[&str], hash: &str| {
            let ids: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
            store
                .approve_codebook_file("cb", &body(codes), hash, &ids)
                .unwrap()
                .version
        };
        let v1 = approve(&mut store, &["A"], "h1");
        store.record_review(&a, 1, None).unwrap();
        let v2 = approve(&mut store, &["A", "B"], "h2");
        store.record_review(&a, 2, None).unwrap();
        assert_eq!(approve(&mut store, &["A"], "h1"), v1, "back to v1");
        store.record_review(&a, 3, None).unwrap();
        let versions: Vec<Option<i64>> = store
            .reviews()
            .unwrap()
            .iter()
            .map(|r| r.codebook_version)
            .collect();
        assert_eq!(versions, [None, Some(v1), Some(v2), Some(v1)]);
        assert!(v2 > v1);
    }

    #[test]
    fn blind_scope_versions_each_reviewer_separately() {
        let (_dir, mut store, seg) = store_with_segment();
        let mut a = input(seg, Decision::Accept, Some("A"), None);
        store.record_review(&a, 0, Some("rita")).unwrap();
        a.reviewer = "sam".into();
        let out = store.record_review(&a, 0, Some("sam")).unwrap();
        assert!(matches!(out, ReviewOutcome::Saved { version: 1, .. }));
        assert_eq!(store.review_version(seg, None).unwrap(), 2);
    }

    #[test]
    fn invalid_decisions_are_refused_with_a_reason() {
        let (_dir, mut store, seg) = store_with_segment();
        let err = store
            .record_review(&input(seg, Decision::Recode, Some("A"), None), 0, None)
            .unwrap_err();
        assert!(err.to_string().contains("new_code_id"), "{err}");
        let err = store
            .record_review(&input(seg + 99, Decision::Accept, Some("A"), None), 0, None)
            .unwrap_err();
        assert!(err.to_string().contains("no segment"), "{err}");
        assert_eq!(store.review_count().unwrap(), 0);
    }
}
