//! Progress per code, agreement (machine vs reviewer, reviewer vs
//! reviewer), and the retrain button.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::audit::report_data;
use crate::queue::{judged, machine_items, scope};
use crate::{latest_codebook, reviewer_name, with_store, ApiError, ApiResult, ServeConfig, Shared};

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

        // Blind coders see nothing of each other's while coding: no pair
        // (a live figure of one's own pair moves with each decision and
        // tells what the colleague decided there) and no count but their
        // own. Before, a blind reviewer saw two colleagues' κ, every
        // reviewer's decisions counted, and their own κ with each
        // colleague change as they decided (h18/02). The report's
        // agreement table gives the pairs once coding is done.
        let (between, reviews) = match scope {
            Some(me) => (
                Vec::new(),
                store.reviews()?.iter().filter(|r| r.reviewer == me).count() as i64,
            ),
            None => (reviewer_pairs(store, cfg, &j)?, store.review_count()?),
        };
        Ok(Json(json!({
            "items": total, "reviewed": reviewed, "remaining": total - reviewed,
            "per_code": per_code,
            "machine_vs_reviewer": cohen_kappa(&all_pairs),
            "between_reviewers": between,
            "between_reviewers_shown": scope.is_none(),
            "reviews": reviews,
        })))
    })
    .await
}

/// Agreement between each pair of reviewers (those in `reviewers`: a
/// coder imported from a QDA project is no reviewer of this page), the report's own figure
/// (`report::agreement::agreement` on the project as `autocode report`
/// reads it, sentences as units, participants only), the pooled row of
/// report_agreement.csv. One statistic, one implementation: every code
/// closed upward, a rejected code's children absent with it, the codes
/// pooled those either gave and those both judged. Before, this tab
/// paired the flat (sentence, code) judgements and said κ 1.00 on n 3
/// where the report said κ 0.36 on n 7 for the same decisions (h18/03).
fn reviewer_pairs(
    store: &store::Store,
    cfg: &ServeConfig,
    reviewers: &Judgements,
) -> ApiResult<Vec<Value>> {
    let data = report_data(store, cfg)?;
    let opts = report::ReportOptions::default();
    let table = report::agreement::agreement(&data, opts.agreement_unit, opts.include_moderators);
    Ok(table
        .pairs
        .iter()
        .filter_map(|p| {
            let (a, b) = (
                reviewer_of(&p.coder_a, reviewers)?,
                reviewer_of(&p.coder_b, reviewers)?,
            );
            let pooled = Kappa {
                n: p.overall.n as usize,
                agreement: p.overall.percent_agreement,
                kappa: p.overall.cohen_kappa,
            };
            Some(json!({"a": a, "b": b, "units": p.units, "agreement": pooled}))
        })
        .collect())
}

/// How the report's agreement table labels a reviewer (`human:NAME`).
const REVIEWER_CODER: &str = "human:";

/// The reviewer an agreement table's coder label names, if one of `reviewers`.
fn reviewer_of<'c>(coder: &'c str, reviewers: &Judgements) -> Option<&'c str> {
    coder
        .strip_prefix(REVIEWER_CODER)
        .filter(|name| reviewers.contains_key(*name))
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
    use crate::test_support::{call, decide, state};

    fn progress_of(st: &Shared, reviewer: &str) -> Value {
        call(progress(
            State(st.clone()),
            Query(ProgressParams {
                reviewer: Some(reviewer.into()),
            }),
        ))
        .unwrap()
    }

    /// h18/02: a blind reviewer's Progress holds their own figures only:
    /// no pair of two colleagues, no count of their decisions, and no
    /// figure of their own pair that moves as they decide.
    #[test]
    fn blind_progress_shows_no_other_reviewers_figures() {
        let fx = crate::fixture::build();
        let st = state(&fx.path, true);
        let (xss, late) = (fx.seg["xss"], fx.seg["late"]);
        decide(&st, "ben", xss, "access", "accept");
        decide(&st, "ben", late, "delay", "reject");
        decide(&st, "cat", xss, "access", "reject");
        decide(&st, "cat", late, "delay", "accept");
        decide(&st, "ana", xss, "access", "accept");
        let p = progress_of(&st, "ana");
        assert_eq!(p["between_reviewers"], json!([]));
        assert_eq!(p["between_reviewers_shown"], false);
        assert_eq!(p["reviews"], 1);
        assert_eq!(p["reviewed"], 1);
        assert_eq!(p["machine_vs_reviewer"]["n"], 1);
        decide(&st, "ana", late, "delay", "accept");
        let p = progress_of(&st, "ana");
        assert_eq!(p["between_reviewers"], json!([]));
        assert_eq!(
            (p["reviews"].as_i64(), p["reviewed"].as_i64()),
            (Some(2), Some(2))
        );

        // The same store served without --blind: every pair, every decision.
        let open = state(&fx.path, false);
        let p = progress_of(&open, "ana");
        assert_eq!(p["between_reviewers_shown"], true);
        assert_eq!(p["reviews"], 6);
        let pairs: Vec<(&str, &str)> = p["between_reviewers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["a"].as_str().unwrap(), b["b"].as_str().unwrap()))
            .collect();
        assert_eq!(pairs, [("ana", "ben"), ("ana", "cat"), ("ben", "cat")]);
    }

    /// h18/03: the pair κ on Progress is report_agreement.csv's pooled row
    /// for the pair, hierarchy and all: ana's "no" to a parent is her "no"
    /// to the child ben gives, and ben's child is his parent too. The flat
    /// (sentence, code) pairing saw n 2 here.
    #[test]
    fn reviewer_pair_kappa_is_the_reports() {
        let fx = crate::fixture::build();
        // Delays and Access under a parent Service.
        let codebook = json!({
            "name": "transport",
            "codes": [
                {"id": "cost", "name": "Cost", "definition": "Money."},
                {"id": "service", "name": "Service", "definition": "How the service runs."},
                {"id": "delay", "name": "Delays", "parent": "service", "definition": "Late or slow."},
                {"id": "access", "name": "Access", "parent": "service", "definition": "Getting in."}
            ]
        })
        .to_string();
        store::Store::open(&fx.path)
            .unwrap()
            .conn()
            .execute(
                "UPDATE codebooks SET body = ?1 WHERE version = 1",
                [&codebook],
            )
            .unwrap();
        let blind = state(&fx.path, true);
        let (late, costs, parking) = (fx.seg["late"], fx.seg["costs"], fx.seg["parking"]);
        decide(&blind, "ana", parking, "access", "accept");
        decide(&blind, "ben", parking, "access", "accept");
        decide(&blind, "ana", late, "service", "reject");
        decide(&blind, "ben", late, "delay", "accept");
        decide(&blind, "ana", costs, "cost", "accept");
        decide(&blind, "ben", costs, "cost", "reject");
        drop(blind);

        let open = state(&fx.path, false);
        let p = progress_of(&open, "ana");
        let shown = &p["between_reviewers"][0];
        assert_eq!(
            (shown["a"].as_str(), shown["b"].as_str()),
            (Some("ana"), Some("ben"))
        );
        let store = store::Store::open(&fx.path).unwrap();
        let data = report::ProjectData::load(&store).unwrap();
        let table = report::agreement::agreement(&data, report::AgreementUnit::Sentence, false);
        let report = table
            .pairs
            .iter()
            .find(|p| (p.coder_a.as_str(), p.coder_b.as_str()) == ("human:ana", "human:ben"))
            .unwrap();
        let o = &report.overall;
        assert_eq!(
            shown["agreement"],
            json!({"n": o.n, "agreement": o.percent_agreement, "kappa": o.cohen_kappa})
        );
        // ana's "no" to Service on the late sentence meets ben's Delays,
        // closed upward to Service: two disagreements there.
        assert!(o.n > 2, "{o:?}");
        assert!(o.only_b >= 2, "{o:?}");
    }

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
