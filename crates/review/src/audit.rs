//! The Audit tab: blind coding of the audit sample (`autocode audit draw`).
//!
//! A reviewer codes each drawn unit (a participant, a sentence or a
//! document) by ticking the codebook's codes on its sentences, without the
//! machine's suggestions: nothing this module answers carries a machine
//! code, score or probability, so the page cannot show one. A submission
//! stores gold codings for every sentence of the unit in one transaction
//! (a sentence with no code ticked is "no code applies"), exactly as
//! `code --import-gold --random-sample` stores an imported random sample:
//! the report counts a unit as audited once its every sentence is gold, so
//! a unit is audited only after it is submitted. Review-queue decisions are
//! reviews, not gold, and never make a unit audited. Submitted again
//! without `--blind`, a unit's gold is replaced whoever gave it (a
//! correction, made seeing it); with `--blind` each reviewer's coding is
//! kept beside the others' (double coding: the report gives a code where
//! either gave it and pairs the coders), and each sees only their own.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use report::ppi::{AuditUnit, CountEstimate};
use store::StoredSegment;

use crate::queue::slice;
use crate::{
    check_len, latest_codebook, reviewer_name, with_store, ApiError, ApiResult, ServeConfig,
    Shared, MAX_NAME_CHARS,
};

/// What the tab says when the project has no audit sample.
pub const NO_SAMPLE_HINT: &str =
    "No audit sample yet: run `autocode audit draw --size N` (N units drawn at random), then reload this page.";

/// Longest unit key a submission may carry: a participant id, a document
/// name, or a document name and a sentence hash.
pub const MAX_KEY_CHARS: usize = 1_000;

/// Most sentences one submission may carry: a unit is a participant, a
/// sentence or a document, and no real one comes near this.
pub const MAX_UNIT_SENTENCES: usize = 100_000;

/// Audited units between two points of the narrowing view, for samples up
/// to [`NARROWING_MAX_POINTS`] × this many audited units.
pub const NARROWING_STEP: usize = 5;

/// Most points per code in the narrowing view (the step grows beyond).
pub const NARROWING_MAX_POINTS: usize = 20;

/// The sample in use, parsed, with the sentences of each of its units.
struct SampleUnits {
    sample: store::AuditSample,
    unit: AuditUnit,
    /// Unit key → its participant sentences, in transcript order.
    sentences: BTreeMap<String, Vec<StoredSegment>>,
}

fn sample_units(store: &store::Store) -> ApiResult<Option<SampleUnits>> {
    let Some(sample) = store.audit_sample()? else {
        return Ok(None);
    };
    let unit = AuditUnit::parse(&sample.unit).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "audit sample {}: unknown unit {:?}",
            sample.id,
            sample.unit
        ))
    })?;
    let wanted: BTreeSet<&str> = sample.units.iter().map(String::as_str).collect();
    let mut sentences: BTreeMap<String, Vec<StoredSegment>> = BTreeMap::new();
    // Moderators are not coded, as the report and `audit draw` count them.
    for s in store.segments(false)? {
        if s.is_moderator {
            continue;
        }
        let key = unit.key(&s);
        if wanted.contains(key.as_str()) {
            sentences.entry(key).or_default().push(s);
        }
    }
    Ok(Some(SampleUnits {
        sample,
        unit,
        sentences,
    }))
}

/// A unit as a reviewer reads it: a participant's id, a document's name, or
/// the sentence's document (the sentence itself is shown when opened).
fn unit_label(unit: AuditUnit, key: &str, sentences: &[StoredSegment]) -> String {
    match unit {
        AuditUnit::Sentence => match sentences.first() {
            Some(s) => format!(
                "{} · {}",
                s.document,
                s.speaker.as_deref().unwrap_or("unnamed speaker")
            ),
            None => key.split('\t').next().unwrap_or(key).to_string(),
        },
        _ => key.to_string(),
    }
}

/// The question each of `sentences` answers, by segment id: the text of the
/// last moderator turn before the sentence's turn, as the queue's item view
/// finds it (`store::moderator_turn_before`), where that turn is a
/// question as ingest writes a survey's (speaker
/// [`corpus::formats::QUESTION_SPEAKER`], and `Q:` in a transcript).
/// Without it a respondent's "The pay." reads as praise or complaint alike
/// (hq/03). Other moderator turns ("Mm-hmm.", a focus group's follow-ups)
/// are not questions, as the report reads them, so interview units show
/// none.
fn questions_answered(
    store: &store::Store,
    sentences: &[StoredSegment],
) -> ApiResult<BTreeMap<i64, String>> {
    let conn = store.conn();
    // Per document of the unit, its id and text, read once.
    let mut documents: BTreeMap<&str, (i64, Vec<char>)> = BTreeMap::new();
    let mut asked: BTreeMap<(&str, i64), Option<String>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for s in sentences {
        let question = match asked.entry((s.document.as_str(), s.turn_index)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let (document_id, chars) = match documents.entry(s.document.as_str()) {
                    Entry::Occupied(d) => d.into_mut(),
                    Entry::Vacant(d) => {
                        // Gone since the unit was read: shown without.
                        let Some(found) = store::segment_in_document(conn, s.id)? else {
                            continue;
                        };
                        d.insert((found.document_id, found.document_text.chars().collect()))
                    }
                };
                let question = store::moderator_turn_before(conn, *document_id, s.turn_index)?
                    .filter(|t| t.speaker.as_deref() == Some(corpus::formats::QUESTION_SPEAKER))
                    .map(|t| slice(chars, t.start_char, t.end_char).trim().to_string())
                    .filter(|q| !q.is_empty());
                e.insert(question)
            }
        };
        if let Some(q) = question {
            out.insert(s.id, q.clone());
        }
    }
    Ok(out)
}

/// Whether people coded every sentence of the unit (the report's rule).
fn audited(sentences: &[StoredSegment], gold: &BTreeSet<i64>) -> bool {
    !sentences.is_empty() && sentences.iter().all(|s| gold.contains(&s.id))
}

/// Whether `reviewer`, coding blind, has coded the unit: it is covered
/// and they coded a sentence of it, "no code applies" included (the
/// store's `gold_coverage_coders` names them: `GoldCodes::by_coder`). A
/// unit only a colleague coded is not coded yet for this reviewer: before,
/// the tab showed it coded and opened the next unit, so blind double
/// coding of the sample never happened (h18/01), and a colleague's "no
/// code applies" read as coded to everyone (before migration 019 the
/// store did not record by whom). Coverage that names no coder at all
/// (written before that migration) reads as coded to everyone, as it did.
fn coded_blind_by(
    reviewer: &str,
    sentences: &[StoredSegment],
    gold: &BTreeMap<i64, store::GoldCodes>,
) -> bool {
    let covered = !sentences.is_empty() && sentences.iter().all(|s| gold.contains_key(&s.id));
    let given = |s: &StoredSegment| gold.get(&s.id).map(|g| &g.by_coder);
    covered
        && (sentences
            .iter()
            .any(|s| given(s).is_some_and(|c| c.contains_key(reviewer)))
            || sentences
                .iter()
                .all(|s| given(s).is_none_or(|c| c.is_empty())))
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditParams {
    reviewer: Option<String>,
}

/// The sample: its units in draw order (the seeded order), each with whether
/// it is audited (in blind mode: coded by the reviewer asking,
/// [`coded_blind_by`]). No machine figure of any kind.
pub async fn overview(
    State(st): State<Shared>,
    Query(q): Query<AuditParams>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let reviewer = if cfg.blind {
            Some(reviewer_name(q.reviewer.as_deref())?)
        } else {
            None
        };
        let Some(su) = sample_units(store)? else {
            return Ok(Json(json!({"sample": null, "hint": NO_SAMPLE_HINT})));
        };
        let gold = store.gold_segments()?;
        let empty = Vec::new();
        let mut units: Vec<Value> = Vec::with_capacity(su.sample.units.len());
        for (i, key) in su.sample.units.iter().enumerate() {
            let ss = su.sentences.get(key).unwrap_or(&empty);
            let done = match &reviewer {
                Some(r) => {
                    let ids: Vec<i64> = ss.iter().map(|s| s.id).collect();
                    coded_blind_by(r, ss, &store.gold_codings_of(&ids)?)
                }
                None => audited(ss, &gold),
            };
            units.push(
                json!({"position": i, "key": key, "label": unit_label(su.unit, key, ss),
                              "sentences": ss.len(), "audited": done}),
            );
        }
        let done = units.iter().filter(|u| u["audited"] == true).count();
        Ok(Json(json!({
            "sample": {"id": su.sample.id, "unit": su.sample.unit, "origin": su.sample.origin,
                       "seed": su.sample.seed, "population": su.sample.population,
                       "size": su.sample.units.len(), "audited": done,
                       "created_at": su.sample.created_at},
            "units": units,
        })))
    })
    .await
}

/// One unit to code: its sentences with their turn's speaker and the
/// question each answers (a survey's; null where none), and the gold codes
/// already given (shown to their coder only in blind mode).
pub async fn unit(
    State(st): State<Shared>,
    Path(position): Path<usize>,
    Query(q): Query<AuditParams>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let reviewer = if cfg.blind {
            Some(reviewer_name(q.reviewer.as_deref())?)
        } else {
            None
        };
        let Some(su) = sample_units(store)? else {
            return Err(ApiError::NotFound(NO_SAMPLE_HINT.into()));
        };
        let Some(key) = su.sample.units.get(position) else {
            return Err(ApiError::NotFound(format!(
                "the audit sample has {} units; there is no unit {position}",
                su.sample.units.len()
            )));
        };
        let empty = Vec::new();
        let ss = su.sentences.get(key).unwrap_or(&empty);
        let ids: Vec<i64> = ss.iter().map(|s| s.id).collect();
        let gold = store.gold_codings_of(&ids)?;
        // In blind double coding a reviewer sees only codes they gave, and
        // a unit as coded once they coded it; the others' stay beside
        // theirs unseen (`Store::put_coder_gold_codings`).
        let is_audited = match &reviewer {
            Some(r) => coded_blind_by(r, ss, &gold),
            None => !ss.is_empty() && ss.iter().all(|s| gold.contains_key(&s.id)),
        };
        let codes_shown = |s: &StoredSegment| -> Option<Vec<String>> {
            let g = gold.get(&s.id)?;
            let codes = match &reviewer {
                // Their sentence without a code of theirs: their "no code".
                Some(r) if is_audited => g.by_coder.get(r).cloned().unwrap_or_default(),
                Some(_) => return None,
                None => g.codes.clone(),
            };
            Some(codes.into_iter().collect())
        };
        let questions = questions_answered(store, ss)?;
        let sentences: Vec<Value> = ss
            .iter()
            .map(|s| {
                json!({"segment_id": s.id, "document": s.document, "speaker": s.speaker,
                       "participant_id": s.participant_id, "turn_index": s.turn_index,
                       "question": questions.get(&s.id), "text": s.text,
                       "codes": codes_shown(s)})
            })
            .collect();
        let coders: BTreeSet<&String> = gold.values().flat_map(|g| g.coders.iter()).collect();
        Ok(Json(json!({
            "position": position, "key": key, "unit": su.sample.unit,
            "label": unit_label(su.unit, key, ss),
            "size": su.sample.units.len(),
            "audited": is_audited,
            "coders": if cfg.blind { Vec::new() } else { coders.into_iter().collect::<Vec<_>>() },
            "sentences": sentences,
        })))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct SentenceCodes {
    segment_id: i64,
    /// Codes that apply; empty: no code applies.
    codes: Vec<String>,
    /// The sentence's text as the page showed it (the page sends it): a
    /// submission whose sentence now reads otherwise is refused (409), as
    /// `/api/decision` refuses one, since a re-ingest can give another
    /// sentence the id the coder saw.
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AuditSubmission {
    /// The unit's place in the sample and its key, as the page showed them:
    /// a sample redrawn meanwhile is refused, not coded by position.
    position: usize,
    key: String,
    reviewer: Option<String>,
    /// The codebook version whose codes the page offered. A unit coded from
    /// an older version (a theme accepted as a code, or a codebook approved,
    /// since the page loaded) is refused: saved, it would be recorded under
    /// the new version and "judge" codes the coder had no box for.
    #[serde(default)]
    codebook_version: Option<i64>,
    /// Every sentence of the unit, each with the codes that apply.
    sentences: Vec<SentenceCodes>,
}

/// Stores the blind coding of one unit as gold (see the module comment).
pub async fn submit(
    State(st): State<Shared>,
    Json(b): Json<AuditSubmission>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let blind = cfg.blind;
        let reviewer = reviewer_name(b.reviewer.as_deref())?;
        check_len("key", Some(&b.key), MAX_KEY_CHARS)?;
        if b.sentences.len() > MAX_UNIT_SENTENCES {
            return Err(ApiError::BadRequest(format!(
                "sentences has {} entries; at most {MAX_UNIT_SENTENCES} are accepted",
                b.sentences.len()
            )));
        }
        let Some((version, codebook)) = latest_codebook(store.conn())? else {
            return Err(ApiError::BadRequest(
                "the project has no approved codebook to code with (run `autocode codebook`)"
                    .into(),
            ));
        };
        if let Some(shown) = b.codebook_version.filter(|v| *v != version) {
            return Err(ApiError::Conflict(json!({
                "error": format!(
                    "the codebook changed since this page loaded (version {shown}, now {version}): \
                     the unit is shown again with the codes of version {version}; check them and save again. Nothing was saved"
                ),
                "codebook_version": version,
            })));
        }
        let known: BTreeSet<&str> = codebook.codes.iter().map(|c| c.id.as_str()).collect();
        let categories: BTreeSet<&str> = codebook
            .codes
            .iter()
            .filter(|c| !c.codable)
            .map(|c| c.id.as_str())
            .collect();
        let Some(su) = sample_units(store)? else {
            return Err(ApiError::BadRequest(NO_SAMPLE_HINT.into()));
        };
        match su.sample.units.get(b.position) {
            Some(k) if *k == b.key => {}
            _ => {
                return Err(ApiError::Conflict(json!({
                    "error": "the audit sample changed meanwhile (drawn again?): reload the Audit tab; nothing was saved"
                })))
            }
        }
        let unit_texts: BTreeMap<i64, &str> = su
            .sentences
            .get(&b.key)
            .map(|ss| ss.iter().map(|s| (s.id, s.text.as_str())).collect())
            .unwrap_or_default();
        let unit_ids: BTreeSet<i64> = unit_texts.keys().copied().collect();
        // hc/01: a transcript corrected and ingested again while the unit
        // was open gave its sentences' ids to other sentences; the codes
        // were stored on sentences the coder never saw.
        if let Some(s) = b.sentences.iter().find(|s| {
            s.text
                .as_deref()
                .is_some_and(|shown| unit_texts.get(&s.segment_id).is_some_and(|now| *now != shown))
        }) {
            return Err(ApiError::Conflict(json!({
                "error": format!(
                    "sentence {} of unit {:?} changed since the page showed it (its document was ingested again): \
                     reload the Audit tab and code the unit again; nothing was saved",
                    s.segment_id, b.key
                ),
            })));
        }
        if unit_ids.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "unit {:?} has no participant sentences in the project any more",
                b.key
            )));
        }
        let mut labels: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for (i, s) in b.sentences.iter().enumerate() {
            if !unit_ids.contains(&s.segment_id) {
                return Err(ApiError::BadRequest(format!(
                    "sentences[{i}]: sentence {} is not part of unit {:?}",
                    s.segment_id, b.key
                )));
            }
            if s.codes.len() > known.len() {
                return Err(ApiError::BadRequest(format!(
                    "sentences[{i}].codes has {} entries; the codebook has {} codes",
                    s.codes.len(),
                    known.len()
                )));
            }
            let mut codes = BTreeSet::new();
            for (j, c) in s.codes.iter().enumerate() {
                check_len(&format!("sentences[{i}].codes[{j}]"), Some(c), MAX_NAME_CHARS)?;
                if !known.contains(c.as_str()) {
                    return Err(ApiError::BadRequest(format!(
                        "sentences[{i}].codes[{j}]: code {c:?} is not in the codebook in use (version {version})"
                    )));
                }
                // A category is a folder of codes, never applied to data
                // (h2/02): its children's codings give it.
                if categories.contains(c.as_str()) {
                    return Err(ApiError::BadRequest(format!(
                        "sentences[{i}].codes[{j}]: code {c:?} is a category (codable: false) in the codebook in use (version {version}): a category cannot be applied to a sentence; tick a code below it"
                    )));
                }
                codes.insert(c.clone());
            }
            if labels.insert(s.segment_id, codes).is_some() {
                return Err(ApiError::BadRequest(format!(
                    "sentences[{i}]: sentence {} is listed twice",
                    s.segment_id
                )));
            }
        }
        // Partly coded units would count as not audited yet look done.
        if let Some(missing) = unit_ids.iter().find(|id| !labels.contains_key(id)) {
            return Err(ApiError::BadRequest(format!(
                "sentence {missing} of unit {:?} is missing: a unit is coded whole (an empty list says no code applies)",
                b.key
            )));
        }
        // Blind: a colleague's coding of the unit stays beside this one (the
        // report counts their union and pairs them); seeing every coder's,
        // the submission corrects them and replaces theirs.
        let codings = if blind {
            store.put_coder_gold_codings(&reviewer, Some(version), &labels)?
        } else {
            store.put_gold_codings(&reviewer, Some(version), &labels)?
        };
        Ok(Json(json!({
            "status": "saved", "position": b.position, "key": b.key,
            "sentences": labels.len(), "codings": codings,
        })))
    })
    .await
}

/// How the report reads the store: `ProjectData::load`, then the server's
/// adjustment (the binary drops machine codings on minimal responses, as
/// `autocode report` does). The narrowing view's estimates and the
/// Progress tab's reviewer pairs are the report's figures on it.
pub(crate) fn report_data(
    store: &store::Store,
    cfg: &ServeConfig,
) -> ApiResult<report::ProjectData> {
    let mut data = report::ProjectData::load(store).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!("reading the project for estimates: {e}"))
    })?;
    if let Some(adjust) = &cfg.report_data {
        (adjust.0)(&mut data).map_err(ApiError::Internal)?;
    }
    Ok(data)
}

/// Numbers of audited units the narrowing view shows: 0 (model only), then
/// every `step`, and the last.
pub fn narrowing_points(audited: usize) -> Vec<usize> {
    let step = NARROWING_STEP.max(audited.div_ceil(NARROWING_MAX_POINTS));
    let mut out: Vec<usize> = (0..=audited).step_by(step).collect();
    if out.last() != Some(&audited) {
        out.push(audited);
    }
    out
}

fn estimate_json(e: &CountEstimate) -> Value {
    json!({"audited": e.audited, "estimate": e.estimate, "low": e.low, "high": e.high,
           "method": e.method})
}

/// Per code, the report's estimate and interval as audited units are added
/// in sample order: the report's own estimator (`report::freq`) run on the
/// project with only the first k audited units of the sample counted.
pub async fn narrowing(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let mut data = report_data(store, cfg)?;
        let Some(view) = data.audit.clone() else {
            return Ok(Json(json!({"sample": null, "hint": NO_SAMPLE_HINT})));
        };
        // The report's unit rule: every sentence of the unit is gold.
        let mut by_unit: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for s in data.segments.iter().filter(|s| !s.is_moderator) {
            by_unit.entry(view.unit.key(s)).or_default().push(s.id);
        }
        let audited_at: Vec<usize> = view
            .units
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                by_unit
                    .get(*k)
                    .is_some_and(|ids| ids.iter().all(|id| data.human_coded.contains(id)))
            })
            .map(|(i, _)| i)
            .collect();
        // The quantity the unit estimates: participants, except for a
        // sentence sample, which estimates sentence counts only.
        let quantity = if view.unit == AuditUnit::Sentence {
            "sentences"
        } else {
            "participants"
        };
        let level = report::ReportOptions::default().level;
        let mut per_code: BTreeMap<String, (String, Vec<Value>)> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let points = narrowing_points(audited_at.len());
        for &k in &points {
            // The sample's first units up to its k-th audited one: the
            // estimator sees exactly k audited units, in sample order.
            let prefix = match k {
                0 => 0,
                k => audited_at[k - 1] + 1,
            };
            let mut sample = view.clone();
            sample.units.truncate(prefix);
            data.audit = Some(sample);
            let f = report::freq::frequencies(&data, false, level, 0);
            for c in f.codes {
                let e = if quantity == "sentences" {
                    &c.estimates.sentences
                } else {
                    &c.estimate
                };
                let row = per_code.entry(c.code_id.clone()).or_insert_with(|| {
                    order.push(c.code_id.clone());
                    (c.name.clone(), Vec::new())
                });
                row.1.push(estimate_json(e));
            }
        }
        let codes: Vec<Value> = order
            .iter()
            .map(|id| {
                let (name, pts) = &per_code[id];
                json!({"code_id": id, "name": name, "points": pts})
            })
            .collect();
        Ok(Json(json!({
            "sample": {"unit": view.unit.as_str(), "size": view.units.len(),
                       "audited": audited_at.len()},
            "quantity": quantity,
            "level": level,
            "points": points,
            "codes": codes,
        })))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{call, state};

    /// The audit fixture's sample: P5 (two sentences) first.
    fn audit_fixture() -> crate::fixture::Fixture {
        let fx = crate::fixture::build_audit();
        let mut store = store::Store::open(&fx.path).unwrap();
        let units: Vec<String> = ["P5", "P1", "P7", "P2", "P3", "P4", "P6", "P8"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        store
            .put_audit_sample("participant", "draw", Some(3), 8, &units)
            .unwrap();
        fx
    }

    fn params(reviewer: &str) -> Query<AuditParams> {
        Query(AuditParams {
            reviewer: Some(reviewer.into()),
        })
    }

    fn unit_of(st: &Shared, reviewer: &str, position: usize) -> Value {
        call(unit(State(st.clone()), Path(position), params(reviewer))).unwrap()
    }

    fn audited_of(st: &Shared, reviewer: &str) -> (Value, Vec<bool>) {
        let o = call(overview(State(st.clone()), params(reviewer))).unwrap();
        let each = o["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["audited"].as_bool().unwrap())
            .collect();
        (o["sample"]["audited"].clone(), each)
    }

    /// Codes each sentence of unit `position` as `codes` (in order), as the
    /// page submits it.
    fn submit_unit(st: &Shared, reviewer: &str, position: usize, codes: &[&[&str]]) {
        let u = unit_of(st, reviewer, position);
        let sentences: Vec<Value> = u["sentences"]
            .as_array()
            .unwrap()
            .iter()
            .zip(codes)
            .map(|(s, c)| json!({"segment_id": s["segment_id"], "codes": c, "text": s["text"]}))
            .collect();
        let body = json!({"position": position, "key": u["key"], "reviewer": reviewer,
                          "codebook_version": 1, "sentences": sentences});
        call(submit(
            State(st.clone()),
            Json(serde_json::from_value(body).unwrap()),
        ))
        .unwrap();
    }

    fn codes_seen(st: &Shared, reviewer: &str, position: usize) -> Vec<Value> {
        unit_of(st, reviewer, position)["sentences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["codes"].clone())
            .collect()
    }

    /// h18/01: blind double coding of the audit sample. A second coder
    /// sees a unit a colleague coded as not coded yet, with no codes, and
    /// their submission keeps the colleague's codings; each sees their
    /// own; the report gives a code where either coder gave it and pairs
    /// them in its agreement table. Without `--blind` a submission
    /// corrects the unit: it replaces every coder's codings.
    #[test]
    fn blind_double_coding_of_a_unit_keeps_both_coders() {
        let fx = audit_fixture();
        let st = state(&fx.path, true);
        submit_unit(&st, "ana", 0, &[&["access"], &[]]);
        assert_eq!(audited_of(&st, "ana").0, 1);
        let (ben_done, ben_units) = audited_of(&st, "ben");
        assert_eq!((ben_done, ben_units[0]), (json!(0), false));
        let ben_sees = unit_of(&st, "ben", 0);
        assert_eq!(ben_sees["audited"], false);
        assert_eq!(codes_seen(&st, "ben", 0), [Value::Null, Value::Null]);

        submit_unit(&st, "ben", 0, &[&["delay"], &["access"]]);
        assert_eq!(codes_seen(&st, "ana", 0), [json!(["access"]), json!([])]);
        assert_eq!(
            codes_seen(&st, "ben", 0),
            [json!(["delay"]), json!(["access"])]
        );
        assert!(audited_of(&st, "ben").1[0]);

        // A unit coded "no code applies" reads as coded for its coder
        // (`blind_no_code_unit_is_coded_only_for_its_coder`).
        submit_unit(&st, "ana", 1, &[&[], &[], &[]]);
        assert_eq!(audited_of(&st, "ana").1[..2], [true, true]);

        let store = store::Store::open(&fx.path).unwrap();
        let ids: Vec<i64> = ben_sees["sentences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["segment_id"].as_i64().unwrap())
            .collect();
        let gold = store.gold_codings_of(&ids).unwrap();
        assert_eq!(
            gold[&ids[0]].coders.iter().collect::<Vec<_>>(),
            ["ana", "ben"]
        );
        let data = report::ProjectData::load(&store).unwrap();
        let gold_of = |seg: i64, code: &str| data.cells[&(seg, code.to_string())].gold;
        assert_eq!(
            (
                gold_of(ids[0], "access"),
                gold_of(ids[0], "delay"),
                gold_of(ids[1], "access")
            ),
            (Some(true), Some(true), Some(true))
        );
        let table = report::agreement::agreement(&data, report::AgreementUnit::Sentence, false);
        let pair = table
            .pairs
            .iter()
            .find(|p| (p.coder_a.as_str(), p.coder_b.as_str()) == ("gold:ana", "gold:ben"))
            .expect("the two audit coders are paired");
        // Both judged the codebook's 3 codes on P5's 2 sentences (and
        // P1's, ana's alone, are not ben's).
        let o = &pair.overall;
        assert_eq!(
            (o.n, o.both, o.only_a, o.only_b, o.neither),
            (6, 0, 1, 2, 3)
        );
        drop(store);

        // Without --blind: a correction, made seeing both, replaces both.
        let open = state(&fx.path, false);
        submit_unit(&open, "cat", 0, &[&["access"], &[]]);
        let store = store::Store::open(&fx.path).unwrap();
        let gold = store.gold_codings_of(&ids).unwrap();
        assert_eq!(gold[&ids[0]].coders.iter().collect::<Vec<_>>(), ["cat"]);
        assert!(gold[&ids[1]].coders.is_empty());
    }

    /// A unit ana submits blind as "No code applies" leaves no coding: it
    /// is coded for her, and not yet for ben, who is shown no codes and
    /// opens it as a unit to code; ben's own "no code" keeps hers, and the
    /// report pairs the two coders on it. Before migration 019 the store
    /// did not record who covered it, so it read as coded to ben too.
    #[test]
    fn blind_no_code_unit_is_coded_only_for_its_coder() {
        let fx = audit_fixture();
        let st = state(&fx.path, true);
        submit_unit(&st, "ana", 0, &[&[], &[]]);
        let (ana_done, ana_units) = audited_of(&st, "ana");
        assert_eq!((ana_done, ana_units[0]), (json!(1), true));
        assert_eq!(codes_seen(&st, "ana", 0), [json!([]), json!([])]);
        let (ben_done, ben_units) = audited_of(&st, "ben");
        assert_eq!((ben_done, ben_units[0]), (json!(0), false));
        assert_eq!(unit_of(&st, "ben", 0)["audited"], false);
        assert_eq!(codes_seen(&st, "ben", 0), [Value::Null, Value::Null]);

        submit_unit(&st, "ben", 0, &[&[], &["access"]]);
        assert!(audited_of(&st, "ben").1[0]);
        assert_eq!(codes_seen(&st, "ana", 0), [json!([]), json!([])]);
        assert_eq!(codes_seen(&st, "ben", 0), [json!([]), json!(["access"])]);
        let store = store::Store::open(&fx.path).unwrap();
        let data = report::ProjectData::load(&store).unwrap();
        let table = report::agreement::agreement(&data, report::AgreementUnit::Sentence, false);
        let pair = table
            .pairs
            .iter()
            .find(|p| (p.coder_a.as_str(), p.coder_b.as_str()) == ("gold:ana", "gold:ben"))
            .expect("ana, who gave no code, is paired with ben");
        let o = &pair.overall;
        // P5's 2 sentences × the codebook's 3 codes: ben's one "access".
        assert_eq!(
            (pair.units, o.n, o.both, o.only_a, o.only_b, o.neither),
            (2, 6, 0, 0, 1, 5)
        );
    }

    #[test]
    fn narrowing_points_step_by_five_then_grow() {
        assert_eq!(narrowing_points(0), [0]);
        assert_eq!(narrowing_points(3), [0, 3]);
        assert_eq!(narrowing_points(12), [0, 5, 10, 12]);
        let many = narrowing_points(1000);
        assert!(many.len() <= NARROWING_MAX_POINTS + 2, "{many:?}");
        assert_eq!((many[0], *many.last().unwrap()), (0, 1000));
    }
}
