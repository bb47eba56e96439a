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
//! reviews, not gold, and never make a unit audited.

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

#[derive(Debug, Deserialize, Default)]
pub struct AuditParams {
    reviewer: Option<String>,
}

/// The sample: its units in draw order (the seeded order), each with whether
/// it is audited. No machine figure of any kind.
pub async fn overview(
    State(st): State<Shared>,
    Query(_q): Query<AuditParams>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, _| {
        let Some(su) = sample_units(store)? else {
            return Ok(Json(json!({"sample": null, "hint": NO_SAMPLE_HINT})));
        };
        let gold = store.gold_segments()?;
        let empty = Vec::new();
        let units: Vec<Value> = su
            .sample
            .units
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let ss = su.sentences.get(key).unwrap_or(&empty);
                json!({"position": i, "key": key, "label": unit_label(su.unit, key, ss),
                       "sentences": ss.len(), "audited": audited(ss, &gold)})
            })
            .collect();
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
        let is_audited = !ss.is_empty() && ss.iter().all(|s| gold.contains_key(&s.id));
        // In blind double coding a reviewer sees only codes they gave.
        let visible = |g: &store::GoldCodes| {
            reviewer
                .as_ref()
                .is_none_or(|r| g.coders.is_empty() || g.coders.iter().all(|c| c == r))
        };
        let questions = questions_answered(store, ss)?;
        let sentences: Vec<Value> = ss
            .iter()
            .map(|s| {
                let given = gold.get(&s.id).filter(|g| visible(g));
                json!({"segment_id": s.id, "document": s.document, "speaker": s.speaker,
                       "participant_id": s.participant_id, "turn_index": s.turn_index,
                       "question": questions.get(&s.id), "text": s.text,
                       "codes": given.map(|g| g.codes.iter().cloned().collect::<Vec<_>>())})
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
    with_store(&st, move |store, _| {
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
        let codings = store.put_gold_codings(&reviewer, Some(version), &labels)?;
        Ok(Json(json!({
            "status": "saved", "position": b.position, "key": b.key,
            "sentences": labels.len(), "codings": codings,
        })))
    })
    .await
}

/// How the report reads the store: `ProjectData::load`, then the server's
/// adjustment (the binary drops machine codings on minimal responses, as
/// `autocode report` does).
fn report_data(store: &store::Store, cfg: &ServeConfig) -> ApiResult<report::ProjectData> {
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
