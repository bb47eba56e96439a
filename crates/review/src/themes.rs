//! Theme suggestions: accept as a new code, rename, merge into a code,
//! split, dismiss. Accepting and merging write a new codebook version.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    check_len, refuse_category, reviewer_name, with_store, ApiError, ApiResult, Shared,
    MAX_NAME_CHARS, MAX_TEXT_CHARS,
};

/// Quotes copied into a code's `examples` when a theme becomes (part of) it.
const MAX_EXAMPLES_FROM_THEME: usize = 5;

struct ThemeRow {
    id: i64,
    run: i64,
    parent_id: Option<i64>,
    label: String,
    body: Value,
    status: String,
}

impl From<store::StoredTheme> for ThemeRow {
    fn from(t: store::StoredTheme) -> ThemeRow {
        ThemeRow {
            id: t.id,
            run: t.theme_run_id,
            parent_id: t.parent_id,
            label: t.label,
            // The themes stage owns the body; show what parses, never fail the list.
            body: serde_json::from_str(&t.body_json).unwrap_or(Value::Null),
            status: t.status,
        }
    }
}

fn theme_json(conn: &store::Connection, t: &ThemeRow) -> ApiResult<Value> {
    let decisions: Vec<Value> = store::theme_decisions(conn, t.id)?
        .into_iter()
        .map(|d| {
            json!({"action": d.action, "code_id": d.code_id,
                   "label": d.label,
                   "codebook_version": d.codebook_version,
                   "reviewer": d.reviewer, "created_at": d.created_at})
        })
        .collect();
    let b = &t.body;
    Ok(json!({
        "id": t.id, "run": t.run, "parent_id": t.parent_id, "label": t.label, "status": t.status,
        "keywords": b.get("keywords").cloned().unwrap_or(json!([])),
        "phrase": b.get("phrase").cloned().unwrap_or(Value::Null),
        "size": b.get("size").cloned().unwrap_or(Value::Null),
        "participants": b.get("participants").cloned().unwrap_or(Value::Null),
        "quotes": b.get("quotes").cloned().unwrap_or(json!([])),
        "nearest_code": b.get("nearest_code").cloned().unwrap_or(Value::Null),
        "verdict": b.get("verdict").cloned().unwrap_or(Value::Null),
        "children": b.get("children").cloned().unwrap_or(json!([])),
        "level": b.get("level").cloned().unwrap_or(Value::Null),
        "version": store::theme_decision_count(conn, t.id)?,
        "decisions": decisions,
    }))
}

/// The suggestions of the newest theme run.
pub async fn list(State(st): State<Shared>) -> ApiResult<Json<Value>> {
    with_store(&st, |store, _| {
        let conn = store.conn();
        let rows: Vec<ThemeRow> = store::latest_run_theme_suggestions(conn)?
            .into_iter()
            .map(ThemeRow::from)
            .collect();
        let themes: Vec<Value> = rows
            .iter()
            .map(|t| theme_json(conn, t))
            .collect::<ApiResult<_>>()?;
        Ok(Json(json!({ "themes": themes })))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ThemeAction {
    reviewer: Option<String>,
    /// The theme's decision count the page showed.
    version: i64,
    /// accept: id of the new code (default: from the name).
    code_id: Option<String>,
    /// accept: the new code's name; rename: the new label.
    name: Option<String>,
    definition: Option<String>,
    parent: Option<String>,
}

/// A code id from a name: its letters and digits, lower case, with one `_`
/// for each run of anything else. A codebook's id may be any non-empty text
/// unique in it (`Codebook::validate`; a table's ids are its names, `.qdc`
/// carries the id as written), so letters of every script are kept, in
/// composed form (NFC) with the combining marks they carry (Devanagari's
/// vowel signs, a decomposed `ü`). Before 2026-12-07 only ASCII letters
/// were: "Überforderung im Alltag" was `berforderung_im_alltag`, and a
/// Chinese, Russian or Greek name had no id (hg/06).
pub(crate) fn slug(name: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    let mut out = String::new();
    for c in name.nfc().flat_map(char::to_lowercase) {
        let carried = is_combining_mark(c) && !out.is_empty() && !out.ends_with('_');
        if c.is_alphanumeric() || carried {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

fn quote_texts(body: &Value) -> Vec<String> {
    body.get("quotes")
        .and_then(Value::as_array)
        .map(|qs| {
            qs.iter()
                .filter_map(|q| q.get("text").and_then(Value::as_str))
                .map(str::to_string)
                .take(MAX_EXAMPLES_FROM_THEME)
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `cb` as a new codebook version made on the review page: a child
/// of `extended` (the version the page changed), or a root when the project
/// had no codebook yet. Body and hash are classify's canonical JSON and its
/// sha256, as `autocode codebook` writes them. Returns the new version.
fn put_codebook_version(
    conn: &store::Connection,
    extended: Option<i64>,
    cb: &classify::Codebook,
) -> ApiResult<i64> {
    if let Err(problems) = cb.validate("the new codebook version", None) {
        let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(ApiError::BadRequest(all.join("; ")));
    }
    let body = cb.to_json();
    let hash = cb.content_hash();
    let (version, newly_stored) = match extended {
        Some(parent) => store::put_codebook_child(conn, parent, &cb.name, &body, &hash)?,
        None => {
            store::put_codebook_root(conn, &cb.name, &body, &hash, store::CodebookOrigin::Review)?
        }
    };
    if !newly_stored {
        return Err(ApiError::Conflict(json!({
            "error": format!("this codebook already exists as version {version}")
        })));
    }
    Ok(version)
}

/// The codebook the page extends: the newest version (and its number), or
/// an empty one when the project has none.
fn latest_codebook_tx(conn: &store::Connection) -> ApiResult<(Option<i64>, classify::Codebook)> {
    Ok(match crate::latest_codebook(conn)? {
        Some((v, cb)) => (Some(v), cb),
        None => (
            None,
            classify::Codebook {
                name: "codebook".into(),
                codes: Vec::new(),
            },
        ),
    })
}

pub async fn act(
    State(st): State<Shared>,
    Path((id, action)): Path<(i64, String)>,
    Json(a): Json<ThemeAction>,
) -> ApiResult<Json<Value>> {
    with_store(&st, move |store, _| {
        let reviewer = reviewer_name(a.reviewer.as_deref())?;
        check_len("code_id", a.code_id.as_deref(), MAX_NAME_CHARS)?;
        check_len("name", a.name.as_deref(), MAX_NAME_CHARS)?;
        check_len("parent", a.parent.as_deref(), MAX_NAME_CHARS)?;
        check_len("definition", a.definition.as_deref(), MAX_TEXT_CHARS)?;
        if !["accept", "rename", "merge", "split", "dismiss"].contains(&action.as_str()) {
            return Err(ApiError::NotFound(format!(
                "theme action {action:?}: use accept, rename, merge, split or dismiss"
            )));
        }
        let result = store.write(|tx| -> ApiResult<Value> {
            let theme: ThemeRow = store::theme_suggestion(tx, id)?
                .ok_or_else(|| ApiError::NotFound(format!("no theme suggestion {id}")))?
                .into();
            let version = store::theme_decision_count(tx, id)?;
            if version != a.version || (theme.status != "open" && action != "rename") {
                return Err(ApiError::Conflict(json!({
                    "status": "stale",
                    "error": format!("theme {id} was decided meanwhile (now {}); nothing was saved", theme.status),
                    "theme": theme_json(tx, &theme)?,
                })));
            }
            let mut code_id: Option<String> = None;
            let mut label: Option<String> = None;
            let mut codebook_version: Option<i64> = None;
            let message: String;
            match action.as_str() {
                "accept" => {
                    let name = a.name.as_deref().map(str::trim).filter(|s| !s.is_empty())
                        .unwrap_or(theme.label.as_str()).to_string();
                    let new_id = a.code_id.as_deref().map(str::trim).filter(|s| !s.is_empty())
                        .map(str::to_string).unwrap_or_else(|| slug(&name));
                    if new_id.is_empty() {
                        return Err(ApiError::BadRequest("the new code needs an id or a name with letters".into()));
                    }
                    let (extended, mut cb) = latest_codebook_tx(tx)?;
                    if cb.codes.iter().any(|c| c.id == new_id) {
                        return Err(ApiError::BadRequest(format!(
                            "code id {new_id:?} exists already; choose another id or merge into it")));
                    }
                    let parent = a.parent.clone().filter(|p| !p.is_empty());
                    if let Some(p) = &parent {
                        if !cb.codes.iter().any(|c| &c.id == p) {
                            return Err(ApiError::BadRequest(format!("parent code {p:?} is not in the codebook")));
                        }
                    }
                    cb.codes.push(classify::Code {
                        id: new_id.clone(),
                        name,
                        parent,
                        definition: a.definition.clone().unwrap_or_default().trim().to_string(),
                        examples: quote_texts(&theme.body),
                        ..Default::default()
                    });
                    let v = put_codebook_version(tx, extended, &cb)?;
                    store::set_theme_status(tx, id, "accepted")?;
                    message = format!("code {new_id} added as codebook version {v}");
                    code_id = Some(new_id);
                    codebook_version = Some(v);
                }
                "merge" => {
                    let target = a.code_id.clone().filter(|s| !s.is_empty())
                        .ok_or_else(|| ApiError::BadRequest("merge needs code_id".into()))?;
                    let (extended, mut cb) = latest_codebook_tx(tx)?;
                    // A category gets no model and no suggestions: quotes
                    // kept as its examples teach nothing, while the theme
                    // would leave the open list as if it were part of a
                    // code (h16/01). The accept's `parent` may be one: a
                    // category is a folder of codes.
                    if let Some(v) = extended {
                        refuse_category(
                            &cb,
                            "code_id",
                            &target,
                            &format!("the codebook in use (version {v})"),
                            "a category cannot take a theme's quotes as examples (nothing learns from them); merge into a code below it, or accept the theme as a new code with the category as its parent",
                        )?;
                    }
                    let code = cb.codes.iter_mut().find(|c| c.id == target).ok_or_else(|| {
                        ApiError::BadRequest(format!("code {target:?} is not in the codebook"))
                    })?;
                    let before = code.examples.len();
                    for q in quote_texts(&theme.body) {
                        if !code.examples.contains(&q) {
                            code.examples.push(q);
                        }
                    }
                    if code.examples.len() > before {
                        let v = put_codebook_version(tx, extended, &cb)?;
                        codebook_version = Some(v);
                        message = format!("quotes added to {target} as examples in codebook version {v}");
                    } else {
                        message = format!("merged into {target} (its examples already held these quotes)");
                    }
                    store::set_theme_status(tx, id, "merged")?;
                    code_id = Some(target);
                }
                "rename" => {
                    let new_label = a.name.as_deref().map(str::trim).filter(|s| !s.is_empty())
                        .ok_or_else(|| ApiError::BadRequest("rename needs a new label".into()))?;
                    store::set_theme_label(tx, id, new_label)?;
                    message = format!("renamed to {new_label}");
                    label = Some(new_label.to_string());
                }
                "split" => {
                    // Splitting honestly needs finer clusters: use the stored
                    // sub-themes when clustering kept them, otherwise only mark
                    // the theme for re-clustering.
                    let children: Vec<i64> = theme.body.get("children").and_then(Value::as_array)
                        .map(|c| c.iter().filter_map(Value::as_i64).collect()).unwrap_or_default();
                    let mut open = 0;
                    for c in &children {
                        open += i64::from(store::theme_is_open(tx, *c)?);
                    }
                    if open > 0 {
                        store::set_theme_status(tx, id, "dismissed")?;
                        message = format!("split into its {open} sub-themes (listed as their own suggestions)");
                    } else {
                        message = "no stored sub-themes: marked for re-clustering; run `autocode themes` with finer settings".into();
                    }
                }
                "dismiss" => {
                    store::set_theme_status(tx, id, "dismissed")?;
                    message = "dismissed".into();
                }
                _ => unreachable!("action checked above"),
            }
            store::record_theme_decision(
                tx,
                &store::NewThemeDecision {
                    theme_id: id,
                    action: &action,
                    code_id: code_id.as_deref(),
                    label: label.as_deref(),
                    codebook_version,
                    reviewer: &reviewer,
                },
            )?;
            Ok(json!({"status": "saved", "message": message, "code_id": code_id,
                      "codebook_version": codebook_version, "version": version + 1}))
        })?;
        Ok(Json(result))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::slug;

    /// hg/06: a name's letters are kept in every script, lower case, and
    /// the id is one a codebook takes and a `.qdc` gives back.
    #[test]
    fn slugs_keep_the_names_letters() {
        assert_eq!(slug("Cost of Living!"), "cost_of_living");
        assert_eq!(slug("  Ärger & Co "), "ärger_co");
        assert_eq!(slug("Überforderung im Alltag"), "überforderung_im_alltag");
        // Decomposed (macOS file names, some keyboards): composed first.
        assert_eq!(slug("U\u{308}berforderung"), "überforderung");
        assert_eq!(slug("Équipe soignante"), "équipe_soignante");
        assert_eq!(slug("交通 问题"), "交通_问题");
        assert_eq!(slug("Нехватка персонала"), "нехватка_персонала");
        assert_eq!(slug("Άγχος ΚΑΙ φόβος"), "άγχος_και_φόβος");
        // A virama is no letter but belongs to its syllable.
        assert_eq!(slug("हिन्दी भाषा"), "हिन्दी_भाषा");
        assert_eq!(slug("Wait-time (2h)"), "wait_time_2h");
        assert_eq!(slug("***"), "");

        let names = ["Überforderung im Alltag", "交通 问题", "Нехватка персонала"];
        let cb = classify::Codebook {
            name: "t".into(),
            codes: names
                .iter()
                .map(|n| classify::Code {
                    id: slug(n),
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
        };
        cb.validate("t", None).unwrap();
        let back = classify::parse_codebook(
            &cb.to_format(classify::CodebookFormat::Qdc),
            "t.qdc",
            classify::CodebookFormat::Qdc,
        )
        .unwrap();
        let ids: Vec<&str> = back.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["überforderung_im_alltag", "交通_问题", "нехватка_персонала"]
        );
    }
}
