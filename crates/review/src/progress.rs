//! Progress per code, agreement (machine vs reviewer, reviewer vs
//! reviewer), and the retrain button.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::queue::{judged, machine_items, scope};
use crate::{latest_codebook, reviewer_name, with_store, ApiError, ApiResult, Shared};

/// Cohen's kappa for two binary raters, with the raw agreement; `kappa` is
/// [`classify::metrics::cohen_kappa`], `None` when there are no pairs or
/// both raters are constant (kappa undefined).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kappa {
    pub n: usize,
    pub agreement: Option<f64>,
    pub kappa: Option<f64>,
}

pub fn cohen_kappa(pairs: &[(bool, bool)]) -> Kappa {
    let count = |want: (bool, bool)| pairs.iter().filter(|&&p| p == want).count() as f64;
    let (both, first, second, neither) = (
        count((true, true)),
        count((true, false)),
        count((false, true)),
        count((false, false)),
    );
    let n = pairs.len();
    Kappa {
        n,
        agreement: (n > 0).then(|| (both + neither) / n as f64),
        kappa: classify::metrics::cohen_kappa(both, first, second, neither),
    }
}

/// reviewer → segment → (code → applies, marked "no code")
type Judgements = BTreeMap<String, BTreeMap<i64, (BTreeMap<String, bool>, bool)>>;

fn judgements(store: &store::Store) -> ApiResult<Judgements> {
    let mut out: Judgements = BTreeMap::new();
    for l in store.review_labels()? {
        let seg = out
            .entry(l.reviewer)
            .or_default()
            .entry(l.segment_id)
            .or_default();
        match l.code_id {
            Some(c) => {
                seg.0.insert(c, l.applies);
            }
            None => seg.1 = true,
        }
    }
    Ok(out)
}

/// A reviewer's judgement of `code` on `segment`: explicit, or "no" when
/// they marked the sentence as having no code; `None` when not judged.
fn judgement(j: &Judgements, reviewer: &str, segment: i64, code: &str) -> Option<bool> {
    let (codes, none) = j.get(reviewer)?.get(&segment)?;
    codes.get(code).copied().or(none.then_some(false))
}

#[derive(Debug, Deserialize, Default)]
pub struct ProgressParams {
    reviewer: Option<String>,
}

pub async fn progress(
    State(st): State<Shared>,
    Query(q): Query<ProgressParams>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, cfg| {
        let scope = scope(cfg.blind, q.reviewer.as_deref())?;
        let scope = scope.as_deref();
        let items = machine_items(store.conn(), None)?;
        let judged = judged(store, scope)?;
        let j = judgements(store)?;
        let reviewers: Vec<String> = j
            .keys()
            .filter(|r| scope.is_none_or(|s| s == r.as_str()))
            .cloned()
            .collect();
        let names: BTreeMap<String, String> = latest_codebook(store.conn())?
            .map(|(_, cb)| cb.codes.into_iter().map(|c| (c.id, c.name)).collect())
            .unwrap_or_default();

        #[derive(Default)]
        struct Row {
            items: usize,
            reviewed: usize,
            pairs: Vec<(bool, bool)>,
        }
        let mut rows: BTreeMap<String, Row> = names.keys().map(|k| (k.clone(), Row::default())).collect();
        let mut all_pairs = Vec::new();
        for m in &items {
            let row = rows.entry(m.code_id.clone()).or_default();
            row.items += 1;
            if judged.covers(m.segment_id, &m.code_id) {
                row.reviewed += 1;
            }
            for r in &reviewers {
                if let Some(h) = judgement(&j, r, m.segment_id, &m.code_id) {
                    row.pairs.push((m.assigned, h));
                    all_pairs.push((m.assigned, h));
                }
            }
        }
        // Codebook order first (as reviewers know it), then codes only the
        // machine codings still name.
        let codebook_order: Vec<String> = latest_codebook(store.conn())?
            .map(|(_, cb)| cb.codes.into_iter().map(|c| c.id).collect())
            .unwrap_or_default();
        let mut ordered: Vec<(&String, &Row)> = codebook_order
            .iter()
            .filter_map(|c| rows.get_key_value(c))
            .collect();
        ordered.extend(rows.iter().filter(|(c, _)| !names.contains_key(*c)));
        let per_code: Vec<Value> = ordered
            .into_iter()
            .map(|(code, r)| {
                json!({"code_id": code, "name": names.get(code).cloned().unwrap_or_else(|| code.clone()),
                       "items": r.items, "reviewed": r.reviewed, "remaining": r.items - r.reviewed,
                       "machine_vs_reviewer": cohen_kappa(&r.pairs)})
            })
            .collect();
        let total: usize = rows.values().map(|r| r.items).sum();
        let reviewed: usize = rows.values().map(|r| r.reviewed).sum();

        // Reviewer pairs: every (sentence, code) both judged, for blind
        // double coding. Only counts are shown, never the other's decisions.
        let all_reviewers: Vec<&String> = j.keys().collect();
        let mut between = Vec::new();
        for (i, a) in all_reviewers.iter().enumerate() {
            for b in &all_reviewers[i + 1..] {
                let mut keys: BTreeSet<(i64, String)> = BTreeSet::new();
                for r in [a, b] {
                    for (seg, (codes, _)) in &j[r.as_str()] {
                        keys.extend(codes.keys().map(|c| (*seg, c.clone())));
                    }
                }
                for m in &items {
                    keys.insert((m.segment_id, m.code_id.clone()));
                }
                let pairs: Vec<(bool, bool)> = keys
                    .iter()
                    .filter_map(|(s, c)| Some((judgement(&j, a, *s, c)?, judgement(&j, b, *s, c)?)))
                    .collect();
                if !pairs.is_empty() {
                    between.push(json!({"a": a, "b": b, "agreement": cohen_kappa(&pairs)}));
                }
            }
        }
        Ok(Json(json!({
            "items": total, "reviewed": reviewed, "remaining": total - reviewed,
            "per_code": per_code,
            "machine_vs_reviewer": cohen_kappa(&all_pairs),
            "between_reviewers": between,
            "reviews": store.review_count()?,
        })))
    })
    .await
}

fn latest_request(conn: &store::Connection) -> ApiResult<Option<Value>> {
    Ok(store::latest_retrain_request(conn)?.map(|r| {
        json!({"id": r.id, "reviewer": r.reviewer,
               "reviews_at": r.reviews_at, "status": r.status,
               "detail": r.detail, "created_at": r.created_at})
    }))
}

pub async fn retrain_status(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    with_store(&st, |store, cfg| {
        Ok(Json(json!({
            "latest": latest_request(store.conn())?,
            "reviews": store.review_count()?,
            "mode": if cfg.retrain.is_some() { "in-process" } else { "record" },
            "command": cfg.retrain_hint,
        })))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct RetrainBody {
    reviewer: Option<String>,
}

/// Records a retrain request; when the server was given a retrainer (the
/// `autocode` binary gives the pipeline's code stage), runs it on a
/// background thread in this process and records how it ended.
pub async fn retrain(
    State(st): State<Shared>,
    Json(b): Json<RetrainBody>,
) -> ApiResult<Json<Value>> {
    let reviewer = reviewer_name(b.reviewer.as_deref())?;
    let retrainer = st.cfg.retrain.clone();
    if retrainer.is_some() && st.retraining.swap(true, Ordering::SeqCst) {
        return Err(ApiError::Conflict(
            json!({"error": "a retrain is already running"}),
        ));
    }
    let status = if retrainer.is_some() {
        "running"
    } else {
        "requested"
    };
    let id = with_store(&st, move |store, _| {
        let reviews = store.review_count()?;
        store.write(|tx| -> ApiResult<i64> {
            Ok(store::add_retrain_request(tx, &reviewer, reviews, status)?)
        })
    })
    .await;
    let id = match id {
        Ok(id) => id,
        Err(e) => {
            st.retraining.store(false, Ordering::SeqCst);
            return Err(e);
        }
    };
    if let Some(retrainer) = retrainer {
        let st2 = st.clone();
        std::thread::spawn(move || {
            // A panic in the stage must still end the request and free the button.
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (retrainer.0)()));
            let (status, detail) = match outcome {
                Ok(Ok(summary)) => ("ok", summary),
                Ok(Err(e)) => {
                    tracing::error!("retrain failed: {e:#}");
                    ("failed", format!("{e:#}"))
                }
                Err(_) => (
                    "failed",
                    "the retrain stopped unexpectedly (see the server log)".to_string(),
                ),
            };
            let tail: String = detail
                .chars()
                .rev()
                .take(2000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if let Ok(store) = st2.store.lock() {
                let _ = store::finish_retrain_request(store.conn(), id, status, &tail);
            }
            st2.retraining.store(false, Ordering::SeqCst);
        });
    }
    Ok(Json(
        json!({"id": id, "status": status, "command": st.cfg.retrain_hint}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_matches_hand_computation() {
        // 10 pairs: 4 yes/yes, 4 no/no, 1 yes/no, 1 no/yes → p_o = .8, p_e = .5, κ = .6
        let mut pairs = vec![(true, true); 4];
        pairs.extend(vec![(false, false); 4]);
        pairs.push((true, false));
        pairs.push((false, true));
        let k = cohen_kappa(&pairs);
        assert_eq!(k.n, 10);
        assert!((k.agreement.unwrap() - 0.8).abs() < 1e-12);
        assert!((k.kappa.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(cohen_kappa(&[]).kappa, None);
        assert_eq!(cohen_kappa(&[(true, true), (true, true)]).kappa, None);
    }
}
