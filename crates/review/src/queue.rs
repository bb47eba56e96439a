//! The coding queue: machine codings waiting for a human decision.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    check_len, latest_codebook, refuse_category, reviewer_name, with_store, ApiError, ApiResult,
    Shared, MAX_NAME_CHARS, MAX_TEXT_CHARS,
};

/// One machine suggestion: a code on a sentence, with its calibrated probability.
pub(crate) type MachineItem = store::MachineSuggestion;

/// The machine codings of the newest codebook version the classifier used:
/// assigned ones, plus candidates at or above [`crate::CANDIDATE_FLOOR`];
/// only those of `segment` when given.
pub(crate) fn machine_items(
    conn: &store::Connection,
    segment: Option<i64>,
) -> ApiResult<Vec<MachineItem>> {
    Ok(store::machine_suggestions(
        conn,
        crate::CANDIDATE_FLOOR,
        segment,
    )?)
}

/// What the reviewers in scope have judged: (segment, code) pairs, and
/// segments marked "no code".
#[derive(Default)]
pub(crate) struct Judged {
    pub pairs: BTreeSet<(i64, String)>,
    pub no_code: BTreeSet<i64>,
}

impl Judged {
    pub fn covers(&self, segment_id: i64, code_id: &str) -> bool {
        self.no_code.contains(&segment_id)
            || self.pairs.contains(&(segment_id, code_id.to_string()))
    }
}

pub(crate) fn judged(store: &store::Store, scope: Option<&str>) -> ApiResult<Judged> {
    let mut out = Judged::default();
    for l in store.review_labels()? {
        if scope.is_some_and(|r| r != l.reviewer) {
            continue;
        }
        match l.code_id {
            Some(c) => {
                out.pairs.insert((l.segment_id, c));
            }
            None => {
                out.no_code.insert(l.segment_id);
            }
        }
    }
    Ok(out)
}

/// In blind mode each reviewer sees and versions only their own decisions.
pub(crate) fn scope(blind: bool, reviewer: Option<&str>) -> ApiResult<Option<String>> {
    if blind {
        Ok(Some(reviewer_name(reviewer)?))
    } else {
        Ok(None)
    }
}

pub async fn meta(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    with_store(&st, |store, cfg| {
        let conn = store.conn();
        let codebook = latest_codebook(conn)?.map(|(version, cb)| {
            // Number keys go to the codes sentences get: in a hierarchy the
            // leaves, in codebook order; parents stay reachable in the menus.
            // A category (`codable: false`) is a folder of codes, never
            // applied to a sentence: no number, and `codable` tells the page
            // to list it as a heading, not a choice (h2/02).
            let parents: BTreeSet<&str> = cb
                .codes
                .iter()
                .filter_map(|c| c.parent.as_deref())
                .collect();
            let mut number = 0;
            let codes: Vec<Value> = cb
                .codes
                .iter()
                .map(|c| {
                    let n = (c.codable && !parents.contains(c.id.as_str())).then(|| {
                        number += 1;
                        number
                    });
                    let path = match &c.parent {
                        Some(p) => format!(
                            "{} › {}",
                            cb.codes
                                .iter()
                                .find(|x| &x.id == p)
                                .map_or(p.as_str(), |x| x.name.as_str()),
                            c.name
                        ),
                        None => c.name.clone(),
                    };
                    json!({"id": c.id, "name": c.name, "parent": c.parent, "path": path,
                           "definition": c.definition, "number": n, "codable": c.codable})
                })
                .collect();
            json!({"version": version, "name": cb.name, "codes": codes})
        });
        let documents: Vec<String> = store.documents()?.into_iter().map(|d| d.name).collect();
        let mut attributes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for attrs in store.participant_attributes()?.into_values() {
            for (k, v) in attrs {
                attributes.entry(k).or_default().insert(v);
            }
        }
        Ok(Json(json!({
            "codebook": codebook,
            "documents": documents,
            "attributes": attributes,
            "reviewer": cfg.reviewer,
            "blind": cfg.blind,
            "candidate_floor": crate::CANDIDATE_FLOOR,
            "retrain": if cfg.retrain.is_some() { "in-process" } else { "record" },
            "retrain_hint": cfg.retrain_hint,
        })))
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct QueueParams {
    code: Option<String>,
    document: Option<String>,
    /// `key=value` of a participant attribute.
    attr: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    /// open (default) | reviewed | all
    status: Option<String>,
    /// review (default: the order `eval code --simulate-review` measured
    /// best, `classify::active`) | uncertain | balanced | balanced-uncertain | low | high
    order: Option<String>,
    reviewer: Option<String>,
    limit: Option<usize>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// The page's participant filter `key=value` as (key, value). An
/// attribute's name may hold `=` itself (a Likert question's header,
/// `Satisfaction (1 = very low, 5 = very high)`), so the split is at the
/// first `=` whose left side names a stored attribute, else the first.
/// Before, the key was cut at the first `=` and the filter found nothing
/// (ho/01).
fn attribute_filter<'a>(
    filter: &'a str,
    attrs: &BTreeMap<String, BTreeMap<String, String>>,
) -> Option<(&'a str, &'a str)> {
    let known = |k: &str| attrs.values().any(|a| a.contains_key(k));
    filter
        .match_indices('=')
        .map(|(i, _)| (&filter[..i], &filter[i + 1..]))
        .find(|(k, _)| known(k))
        .or_else(|| filter.split_once('='))
}

pub async fn queue(
    State(st): State<Shared>,
    Query(q): Query<QueueParams>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let scope = scope(cfg.blind, q.reviewer.as_deref())?;
        let scope = scope.as_deref();
        let attrs = store.participant_attributes()?;
        let attr = match nonempty(&q.attr) {
            Some(a) => Some(attribute_filter(a, &attrs).ok_or_else(|| {
                ApiError::BadRequest(format!("attr filter {a:?} is not key=value"))
            })?),
            None => None,
        };
        let uncalibrated = uncalibrated_codes(store)?;
        let judged = judged(store, scope)?;
        let versions = store::review_versions(store.conn(), scope)?;
        let status = nonempty(&q.status).unwrap_or("open");
        if !["open", "reviewed", "all"].contains(&status) {
            return Err(ApiError::BadRequest(format!(
                "status {status:?}: use open, reviewed or all"
            )));
        }
        let mut items: Vec<(MachineItem, bool)> = machine_items(store.conn(), None)?
            .into_iter()
            .filter(|m| nonempty(&q.code).is_none_or(|c| c == m.code_id))
            .filter(|m| nonempty(&q.document).is_none_or(|d| d == m.document))
            .filter(|m| q.min.is_none_or(|x| m.confidence >= x))
            .filter(|m| q.max.is_none_or(|x| m.confidence <= x))
            .filter(|m| {
                attr.is_none_or(|(k, v)| {
                    m.participant_id
                        .as_ref()
                        .and_then(|p| attrs.get(p))
                        .and_then(|a| a.get(k))
                        .is_some_and(|x| x == v)
                })
            })
            .map(|m| {
                let reviewed = judged.covers(m.segment_id, &m.code_id);
                (m, reviewed)
            })
            .filter(|(_, reviewed)| match status {
                "open" => !reviewed,
                "reviewed" => *reviewed,
                _ => true,
            })
            .collect();
        // The default is the order `eval code --simulate-review` measured
        // (docs/benchmarks.md, issue #15); the page's select starts on it.
        let order = nonempty(&q.order).unwrap_or("review");
        if order == "low" || order == "high" {
            let key = |m: &MachineItem| {
                if order == "low" {
                    m.confidence
                } else {
                    -m.confidence
                }
            };
            items.sort_by(|(a, _), (b, _)| {
                key(a)
                    .total_cmp(&key(b))
                    .then(a.segment_id.cmp(&b.segment_id))
                    .then(a.code_id.cmp(&b.code_id))
            });
        } else {
            // The order `eval code --simulate-review` measures (one function,
            // classify::active::queue_order); `uncertain`: nearest 0.5 first.
            let strategy = match order {
                "review" => classify::active::QueueStrategy::default(),
                other => other.parse().map_err(|_: String| {
                    ApiError::BadRequest(format!(
                        "order {other:?}: use review (the default), low, high, representative, balanced, balanced-uncertain or uncertain"
                    ))
                })?,
            };
            let mut positives: BTreeMap<String, usize> = BTreeMap::new();
            let mut reviewed: BTreeSet<i64> = BTreeSet::new();
            for l in store.review_labels()? {
                if scope.is_none_or(|r| r == l.reviewer) {
                    reviewed.insert(l.segment_id);
                    if l.applies {
                        if let Some(c) = l.code_id {
                            *positives.entry(c).or_default() += 1;
                        }
                    }
                }
            }
            let entries: Vec<classify::active::QueueEntry> = items
                .iter()
                .map(|(m, _)| classify::active::QueueEntry {
                    item: m.segment_id,
                    code: m.code_id.clone(),
                    probability: m.confidence,
                })
                .collect();
            // The page lists the first `limit`: no need to weigh more.
            let params = classify::active::QueueParams {
                strategy,
                lead: Some(q.limit.unwrap_or(500).min(5000)),
                ..Default::default()
            };
            // The representative order compares sentence vectors (unit
            // length, as it assumes): the queue's and the reviewed ones.
            let vectors: BTreeMap<i64, Vec<f32>> =
                if strategy == classify::active::QueueStrategy::Representative {
                    // Only the suggestions the order weighs (at most
                    // `sample` per code): the same order as with all loaded.
                    let mut ids = classify::active::weighed_items(&entries, &params);
                    ids.extend(&reviewed);
                    let ids: Vec<i64> = ids.into_iter().collect();
                    store::machine_segment_vectors(store.conn(), &ids)?
                        .into_iter()
                        .map(|(id, mut v)| {
                            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                            if norm > 0.0 {
                                v.iter_mut().for_each(|x| *x /= norm);
                            }
                            (id, v)
                        })
                        .collect()
                } else {
                    BTreeMap::new()
                };
            let queue_vectors = classify::active::QueueVectors {
                items: entries
                    .iter()
                    .filter_map(|e| vectors.get(&e.item).map(|v| (e.item, v.as_slice())))
                    .collect(),
                reviewed: reviewed
                    .iter()
                    .filter_map(|i| vectors.get(i).map(|v| v.as_slice()))
                    .collect(),
            };
            let ranked =
                classify::active::queue_order(&entries, &positives, Some(&queue_vectors), &params);
            let mut slots: Vec<Option<(MachineItem, bool)>> = items.into_iter().map(Some).collect();
            items = ranked.into_iter().filter_map(|i| slots[i].take()).collect();
        }
        let total = items.len();
        let limit = q.limit.unwrap_or(500).min(5000);
        let out: Vec<Value> = items
            .into_iter()
            .take(limit)
            .map(|(m, reviewed)| {
                let version = versions.get(&m.segment_id).copied().unwrap_or(0);
                json!({"segment_id": m.segment_id, "code_id": m.code_id,
                       "confidence": m.confidence, "assigned": m.assigned,
                       "calibrated": !uncalibrated.contains(&m.code_id),
                       "document": m.document, "speaker": m.speaker,
                       "participant_id": m.participant_id, "text": m.text,
                       "reviewed": reviewed, "version": version})
            })
            .collect();
        Ok(Json(json!({"items": out, "total": total})))
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
pub struct ItemParams {
    reviewer: Option<String>,
}

/// Code-point slice of `chars`, clamped to its bounds.
pub(crate) fn slice(chars: &[char], start: i64, end: i64) -> String {
    let n = chars.len() as i64;
    let (s, e) = (start.clamp(0, n), end.clamp(0, n));
    chars[s as usize..e.max(s) as usize].iter().collect()
}

pub(crate) fn item_json(
    store: &store::Store,
    segment_id: i64,
    scope: Option<&str>,
) -> ApiResult<Value> {
    let conn = store.conn();
    let Some(seg) = store::segment_in_document(conn, segment_id)? else {
        return Err(ApiError::NotFound(format!(
            "no segment with id {segment_id}"
        )));
    };
    let (turn_index, start, end) = (seg.turn_index, seg.start_char, seg.end_char);
    let attrs = store.participant_attributes()?;
    let chars: Vec<char> = seg.document_text.chars().collect();
    let mut turns = store::document_turns(conn, seg.document_id, turn_index - 2, turn_index + 2)?;
    // The question the turn answers, where it is further back than the
    // turns shown: a survey's answers follow their question by all the
    // answers before theirs.
    let asked_nearby = turns
        .iter()
        .any(|t| t.is_moderator && t.turn_index < turn_index);
    if !asked_nearby {
        if let Some(q) = store::moderator_turn_before(conn, seg.document_id, turn_index - 2)? {
            turns.insert(0, q);
        }
    }
    let mut context = Vec::new();
    for t in turns {
        let ti = t.turn_index;
        let is_moderator = t.is_moderator;
        let pid = t.participant_id;
        let role = t
            .role
            .or_else(|| {
                pid.as_ref()
                    .and_then(|p| attrs.get(p))
                    .and_then(|a| a.get("role").cloned())
            })
            .or_else(|| is_moderator.then(|| "moderator".to_string()));
        let mut turn = json!({"turn_index": ti, "speaker": t.speaker, "role": role,
                              "is_moderator": is_moderator, "participant_id": pid});
        if ti == turn_index {
            turn["before"] = json!(slice(&chars, t.start_char, start));
            turn["sentence"] = json!(slice(&chars, start, end));
            turn["after"] = json!(slice(&chars, end, t.end_char));
        } else {
            turn["text"] = json!(slice(&chars, t.start_char, t.end_char));
        }
        context.push(turn);
    }
    let codebook = latest_codebook(conn)?;
    // What the reviewer decides against: the code's definition and its
    // criteria (when to use it, when not), as a codebook gives them.
    let code_of = |id: &str| {
        codebook
            .as_ref()
            .and_then(|(_, cb)| cb.codes.iter().find(|c| c.id == id))
    };
    let uncalibrated = uncalibrated_codes(store)?;
    let no_criteria: &[String] = &[];
    let suggestions: Vec<Value> = machine_items(conn, Some(segment_id))?
        .into_iter()
        .map(|m| {
            let code = code_of(&m.code_id);
            json!({"code_id": m.code_id,
                   "name": code.map_or(m.code_id.as_str(), |c| c.name.as_str()),
                   "definition": code.map_or("", |c| c.definition.as_str()),
                   "inclusion": code.map_or(no_criteria, |c| c.inclusion.as_slice()),
                   "exclusion": code.map_or(no_criteria, |c| c.exclusion.as_slice()),
                   "confidence": m.confidence, "assigned": m.assigned,
                   "calibrated": !uncalibrated.contains(&m.code_id)})
        })
        .collect();
    let decisions = store.segment_reviews(segment_id, scope)?;
    let version = store.review_version(segment_id, scope)?;
    let participant_attributes = seg
        .participant_id
        .as_ref()
        .and_then(|p| attrs.get(p))
        .cloned();
    Ok(json!({
        "segment": {"id": segment_id, "document": seg.document, "speaker": seg.speaker,
                    "participant_id": seg.participant_id, "attributes": participant_attributes,
                    "turn_index": turn_index, "text": seg.text},
        "context": context,
        "suggestions": suggestions,
        "decisions": decisions,
        "version": version,
    }))
}

pub async fn item(
    State(st): State<Shared>,
    Path(segment_id): Path<i64>,
    Query(q): Query<ItemParams>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let scope = scope(cfg.blind, q.reviewer.as_deref())?;
        Ok(Json(item_json(store, segment_id, scope.as_deref())?))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct DecisionBody {
    segment_id: i64,
    code_id: Option<String>,
    decision: String,
    new_code_id: Option<String>,
    memo: Option<String>,
    reviewer: Option<String>,
    /// The segment's review version the page showed.
    version: i64,
    /// The sentence's text as the page showed it. A re-ingest gives a
    /// document's new sentences ids its old ones had, so an id alone could
    /// name another sentence to a page opened before it: a decision whose
    /// text is not the stored one is refused (409), not saved elsewhere.
    text: Option<String>,
}

pub async fn decide(
    State(st): State<Shared>,
    Json(b): Json<DecisionBody>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let reviewer = reviewer_name(b.reviewer.as_deref())?;
        check_len("decision", Some(&b.decision), 20)?;
        check_len("code_id", b.code_id.as_deref(), MAX_NAME_CHARS)?;
        check_len("new_code_id", b.new_code_id.as_deref(), MAX_NAME_CHARS)?;
        check_len("memo", b.memo.as_deref(), MAX_TEXT_CHARS)?;
        let decision = store::Decision::parse(&b.decision).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "decision {:?}: use accept, reject, recode, add, none or memo",
                b.decision
            ))
        })?;
        let conn = store.conn();
        // No such sentence: a mistyped id, or one a re-ingest removed.
        // Before, it was refused as "changed since the page showed it" (409).
        let Some(stored) = store::segment_in_document(conn, b.segment_id)? else {
            return Err(ApiError::NotFound(format!(
                "no sentence with id {} (if the page showed it, its document was ingested again: reload the queue); nothing was saved",
                b.segment_id
            )));
        };
        if let Some(shown) = &b.text {
            if *shown != stored.text {
                let scope = cfg.blind.then_some(reviewer.as_str());
                return Err(ApiError::Conflict(json!({
                    "status": "changed",
                    "error": "this sentence changed since the page showed it (its document was ingested again); reload the queue, nothing was saved",
                    "version": store.review_version(b.segment_id, scope)?,
                    "decisions": store.segment_reviews(b.segment_id, scope)?,
                })));
            }
        }
        let latest = latest_codebook(conn)?;
        let in_latest = |id: &str| {
            latest
                .as_ref()
                .is_some_and(|(_, cb)| cb.codes.iter().any(|c| c.id == id))
        };
        let version_name = || match &latest {
            Some((v, _)) => format!("the codebook in use (version {v})"),
            None => "the project's codebook (none is approved yet)".to_string(),
        };
        // The code a decision is about: a code of the codebook the sentence
        // is reviewed under, or one the machine suggested for it (suggestions
        // come from the version the classifier last used).
        if let Some(code) = b.code_id.as_deref().filter(|s| !s.is_empty()) {
            if !in_latest(code)
                && !machine_items(conn, Some(b.segment_id))?
                    .iter()
                    .any(|m| m.code_id == code)
            {
                return Err(ApiError::BadRequest(format!(
                    "code_id {code:?} is not in {} nor suggested for sentence {}",
                    version_name(),
                    b.segment_id
                )));
            }
        }
        // A code the reviewer gives must be in the approved codebook.
        if let Some(new) = b.new_code_id.as_deref().filter(|s| !s.is_empty()) {
            if !in_latest(new) {
                return Err(ApiError::BadRequest(format!(
                    "code {new:?} is not in {}",
                    version_name()
                )));
            }
        }
        // ... and a code, not a category (`codable: false`): a folder of
        // codes that cannot be applied to data (docs/classify.md,
        // "Categories"). Before, a recode or an add to one was saved, and
        // the .qdpx coded a code it declared isCodable="false" (h2/02).
        let given = match decision {
            store::Decision::Accept => b.code_id.as_deref(),
            store::Decision::Recode | store::Decision::Add => b.new_code_id.as_deref(),
            _ => None,
        };
        if let (Some(code), Some((_, cb))) = (given, &latest) {
            let field = if decision == store::Decision::Accept {
                "code_id"
            } else {
                "new_code_id"
            };
            refuse_category(
                cb,
                field,
                code,
                &version_name(),
                "a category cannot be applied to a sentence; choose a code below it",
            )?;
        }
        let input = store::ReviewInput {
            segment_id: b.segment_id,
            code_id: b.code_id.filter(|s| !s.is_empty()),
            decision,
            new_code_id: b.new_code_id.filter(|s| !s.is_empty()),
            reviewer: reviewer.clone(),
            memo: b.memo.filter(|s| !s.trim().is_empty()),
        };
        let scope = cfg.blind.then_some(reviewer.as_str());
        match store.record_review(&input, b.version, scope)? {
            store::ReviewOutcome::Saved { review_id, version } => Ok(Json(
                json!({"status": "saved", "review_id": review_id, "version": version}),
            )),
            store::ReviewOutcome::Stale { version } => {
                let decisions = store.segment_reviews(b.segment_id, scope)?;
                Err(ApiError::Conflict(json!({
                    "status": "stale",
                    "error": "this sentence was decided meanwhile (another tab or reviewer); its latest decisions are shown, nothing was saved",
                    "version": version,
                    "decisions": decisions,
                })))
            }
        }
    })
    .await
}

/// Codes whose machine probabilities no label calibrated (the zero-shot
/// prior): the page shows their figure as an uncalibrated score.
fn uncalibrated_codes(
    store: &store::Store,
) -> Result<std::collections::BTreeSet<String>, ApiError> {
    let Some(json) = store.meta(report::data::CALIBRATION_META)? else {
        return Ok(Default::default());
    };
    let rec: report::data::CalibrationRecord = serde_json::from_str(&json).map_err(|e| {
        ApiError::Internal(anyhow::anyhow!(
            "meta {}: {e}",
            report::data::CALIBRATION_META
        ))
    })?;
    Ok(rec.uncalibrated.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ho/01: a Likert header holding `=` is the key, and a value may hold
    /// `=` too; a filter naming no stored attribute splits at its first.
    #[test]
    fn an_attribute_filter_splits_where_its_key_is_an_attribute() {
        let likert = "Satisfaction (1 = very low, 5 = very high)";
        let attrs = BTreeMap::from([(
            "R_001".to_string(),
            BTreeMap::from([
                (likert.to_string(), "4".to_string()),
                ("group".to_string(), "a=b".to_string()),
            ]),
        )]);
        let filter = format!("{likert}=4");
        assert_eq!(attribute_filter(&filter, &attrs), Some((likert, "4")));
        assert_eq!(
            attribute_filter("group=a=b", &attrs),
            Some(("group", "a=b"))
        );
        assert_eq!(attribute_filter("site=x=y", &attrs), Some(("site", "x=y")));
        assert_eq!(attribute_filter("group", &attrs), None);
    }
}
