//! The local review web page: a small axum server over the project store.
//!
//! Reviewers accept, reject and recode machine codings, turn theme
//! suggestions into codes, code the audit sample blind (the Audit tab), and
//! watch agreement and the estimates narrow. Every decision is committed
//! to the store (one transaction: review row + human coding) before the
//! response says it is saved; the page and its assets are embedded in the
//! binary, so it works offline.

mod audit;
mod auth;
mod progress;
mod queue;
mod themes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// Machine candidates below this calibrated probability stay out of the
/// queue unless the classifier assigned them: below it a "reject" teaches
/// the classifier little and costs a reviewer's time.
pub const CANDIDATE_FLOOR: f64 = 0.2;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The project store (a file, or a folder holding `autocode.db`).
    pub store: PathBuf,
    pub listen: SocketAddr,
    /// Every request must carry it (see [`generate_token`]).
    pub token: String,
    /// Reviewer name the page starts with.
    pub reviewer: Option<String>,
    /// Blind double coding: reviewers see and version only their own decisions.
    pub blind: bool,
    /// What the retrain button runs, in this process (the `autocode` binary
    /// passes the pipeline's code stage); `None` records the request and
    /// shows [`ServeConfig::retrain_hint`] instead.
    pub retrain: Option<Retrainer>,
    /// The command line shown for retraining by hand.
    pub retrain_hint: String,
    /// Open the page on the Audit tab (`autocode review --audit`).
    pub audit: bool,
    /// How the report's figures read the project, for the Progress tab's
    /// interval narrowing: applied after `report::ProjectData::load` (the
    /// `autocode` binary drops machine codings on minimal responses, as
    /// `autocode report` does); `None` uses the loaded data as it is.
    pub report_data: Option<ReportDataAdjust>,
}

/// A change to the report's view of the project, made after loading it.
pub type AdjustReportData = dyn Fn(&mut report::ProjectData) -> anyhow::Result<()> + Send + Sync;

/// Adjusts the report's view of the project the way `autocode report` does.
#[derive(Clone)]
pub struct ReportDataAdjust(pub Arc<AdjustReportData>);

impl std::fmt::Debug for ReportDataAdjust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportDataAdjust(..)")
    }
}

/// Retrains and re-codes the project in-process; returns a one-line summary
/// for the page. Called on a background thread, one call at a time.
#[derive(Clone)]
pub struct Retrainer(pub Arc<dyn Fn() -> anyhow::Result<String> + Send + Sync>);

impl std::fmt::Debug for Retrainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Retrainer(..)")
    }
}

/// A random 128-bit token from the operating system, hex-encoded.
pub fn generate_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

pub(crate) struct AppState {
    pub store: Mutex<store::Store>,
    pub cfg: ServeConfig,
    /// The address actually bound (port 0 resolved).
    pub addr: SocketAddr,
    /// A retrain is running.
    pub retraining: std::sync::atomic::AtomicBool,
}

pub(crate) type Shared = Arc<AppState>;

/// A started server.
pub struct Running {
    addr: SocketAddr,
    token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to open: it carries the token (percent-encoded) once; the
    /// page then keeps it in a SameSite cookie.
    pub fn url(&self) -> String {
        let host = if self.addr.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            self.addr.ip()
        };
        format!(
            "http://{}/?token={}",
            SocketAddr::new(host, self.addr.port()),
            auth::percent_encode(&self.token)
        )
    }

    /// Blocks until the server stops (Ctrl-C).
    pub fn wait(mut self) -> anyhow::Result<()> {
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| anyhow::anyhow!("server thread panicked"))?,
            None => Ok(()),
        }
    }

    /// Stops the server and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| anyhow::anyhow!("server thread panicked"))?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Opens the store, binds the address and serves on a background thread.
/// Bind and store errors are returned here, before anything is served.
pub fn start(cfg: ServeConfig) -> anyhow::Result<Running> {
    if cfg.token.len() < 8 {
        anyhow::bail!("the review token must be at least 8 characters");
    }
    let store = store::Store::open(&cfg.store)?;
    // A retrain runs on this server's own thread: one a stopped server left
    // `running` will never finish (hs/01: the page said "running" forever).
    let interrupted = store::interrupt_unfinished_retrains(store.conn())
        .context("ending the retrain requests a stopped server left unfinished")?;
    if interrupted > 0 {
        tracing::warn!("{interrupted} retrain request(s) left unfinished by a stopped review server marked failed");
    }
    // WAL with synchronous=NORMAL can drop the last commits on power loss;
    // review decisions are the project's most valuable data, so the review
    // server's connection syncs every commit.
    store
        .sync_every_commit()
        .context("setting synchronous=FULL")?;
    let listener = std::net::TcpListener::bind(cfg.listen)
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let token = cfg.token.clone();
    let state = Arc::new(AppState {
        store: Mutex::new(store),
        cfg,
        addr,
        retraining: std::sync::atomic::AtomicBool::new(false),
    });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    // The caller announces the server once `start` returns, so the stop
    // signals must be registered by then: a SIGTERM right after the
    // announcement would otherwise kill the process instead of stopping it.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("review-server".into())
        .spawn(move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let stop = stop_signals().context("registering SIGTERM/SIGINT handlers")?;
                let _ = ready_tx.send(());
                let app = router(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        tokio::select! {
                            _ = rx => {}
                            _ = stop => {}
                        }
                    })
                    .await?;
                Ok(())
            })
        })?;
    if ready_rx.recv().is_err() {
        // The thread ended before it could serve: report why.
        return Err(match thread.join() {
            Ok(Err(e)) => e,
            Ok(Ok(())) => anyhow::anyhow!("the review server stopped before it started"),
            Err(_) => anyhow::anyhow!("the review server thread panicked while starting"),
        });
    }
    Ok(Running {
        addr,
        token,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// A future that resolves on SIGTERM (how service managers stop a server),
/// SIGINT (Ctrl-C) or SIGHUP (the terminal closed), with the handlers
/// registered before it returns.
fn stop_signals() -> std::io::Result<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>
{
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        // The terminal window closed, or the SSH session to the team's
        // server dropped: stop as cleanly, so the write-ahead log is folded
        // into autocode.db. Before, SIGHUP killed the server and a copy of
        // autocode.db alone held none of the decisions it had saved (hs/02).
        let mut hup = signal(SignalKind::hangup())?;
        Ok(Box::pin(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
        }))
    }
    #[cfg(not(unix))]
    Ok(Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    }))
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/app.js", get(app_js))
        .route("/app.css", get(app_css))
        // No icon: an empty answer, not a 404 the browser logs as an error.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .route("/api/meta", get(queue::meta))
        .route("/api/queue", get(queue::queue))
        .route("/api/item/{segment_id}", get(queue::item))
        .route("/api/decision", post(queue::decide))
        .route("/api/themes", get(themes::list))
        .route("/api/themes/{id}/{action}", post(themes::act))
        .route("/api/progress", get(progress::progress))
        .route("/api/audit", get(audit::overview))
        .route("/api/audit/unit/{position}", get(audit::unit))
        .route("/api/audit/code", post(audit::submit))
        .route("/api/audit/narrowing", get(audit::narrowing))
        .route(
            "/api/retrain",
            get(progress::retrain_status).post(progress::retrain),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .with_state(state)
}

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

async fn index(axum::extract::State(st): axum::extract::State<Shared>) -> Response {
    let html = INDEX_HTML
        .replace("{{TOKEN}}", &report::html::escape(&st.cfg.token))
        .replace(
            "{{REVIEWER}}",
            &report::html::escape(st.cfg.reviewer.as_deref().unwrap_or("")),
        )
        .replace("{{BLIND}}", if st.cfg.blind { "1" } else { "0" })
        .replace("{{AUDIT}}", if st.cfg.audit { "1" } else { "0" });
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn app_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
        .into_response()
}

async fn app_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS).into_response()
}

/// An API failure, answered as JSON `{"error": ...}` (plus details for 409).
#[derive(Debug)]
pub(crate) enum ApiError {
    BadRequest(String),
    NotFound(String),
    /// Stale version: the body tells the page what happened meanwhile.
    Conflict(serde_json::Value),
    Internal(anyhow::Error),
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Invalid(m) => ApiError::BadRequest(m),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, Json(json!({ "error": m }))),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, Json(json!({ "error": m }))),
            ApiError::Conflict(v) => (StatusCode::CONFLICT, Json(v)),
            // The detail (paths, SQL errors) goes to the server log only.
            ApiError::Internal(e) => {
                tracing::error!("review server: {e:#}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "internal error; the server log has the details" })),
                )
            }
        }
        .into_response()
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// Runs store work off the async threads, holding the store's lock.
pub(crate) async fn with_store<T: Send + 'static>(
    st: &Shared,
    f: impl FnOnce(&mut store::Store, &ServeConfig) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let st = st.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = st
            .store
            .lock()
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("store lock poisoned")))?;
        f(&mut guard, &st.cfg)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
}

/// The codebook version the project codes with now and its body, if any
/// (`store::codebook_in_use`: the lineage of the newest machine codings'
/// version, not the newest version by number).
pub(crate) fn latest_codebook(
    conn: &store::Connection,
) -> ApiResult<Option<(i64, classify::Codebook)>> {
    match store::codebook_in_use(conn)? {
        None => Ok(None),
        Some((v, body)) => {
            let cb: classify::Codebook = serde_json::from_str(&body).map_err(|e| {
                ApiError::Internal(anyhow::anyhow!("codebook version {v} in the store: {e}"))
            })?;
            Ok(Some((v, cb)))
        }
    }
}

/// Refuses a code a request gives (`field`: `code_id`, `new_code_id`)
/// where `codebook` makes it a category (`codable: false`): a folder of
/// codes that cannot be applied to data and gets no model, no
/// pseudo-labels and no suggestions (docs/classify.md, "Categories").
/// One rule for every place the page gives a code: a decision's accept,
/// recode or add (h2/02) and a theme merged into a code (h16/01).
/// `in_codebook` names the version ("the codebook in use (version 3)");
/// `cannot` says what a category cannot take and what to choose instead.
/// A code not in `codebook` passes: the caller refuses that its own way.
pub(crate) fn refuse_category(
    codebook: &classify::Codebook,
    field: &str,
    code_id: &str,
    in_codebook: &str,
    cannot: &str,
) -> ApiResult<()> {
    match codebook
        .codes
        .iter()
        .find(|c| c.id == code_id && !c.codable)
    {
        Some(category) => Err(ApiError::BadRequest(format!(
            "{field} {:?} ({}) is a category (codable: false) in {in_codebook}: {cannot}",
            category.id, category.name
        ))),
        None => Ok(()),
    }
}

/// Longest code id, code name or theme label a request may carry, in
/// characters. Code ids are short slugs; without a cap a 1.9 MB id became a
/// row of every report.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest memo or code definition a request may carry, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Refuses a request field longer than `max` characters, naming it.
pub(crate) fn check_len(field: &str, value: Option<&str>, max: usize) -> ApiResult<()> {
    let n = value.map_or(0, |v| v.chars().count());
    if n > max {
        return Err(ApiError::BadRequest(format!(
            "{field} is {n} characters long; at most {max} are accepted"
        )));
    }
    Ok(())
}

/// Longest reviewer name a request may carry, in characters.
pub const MAX_REVIEWER_CHARS: usize = 100;

/// The reviewer a request acts for, as stored: composed (NFC), without
/// invisible marks (`corpus::is_invisible_mark`: a zero-width space
/// pasted from a chat, a direction mark), trimmed; non-empty, on one line,
/// at most [`MAX_REVIEWER_CHARS`]. The same name typed on two machines is
/// one reviewer, as corpus compares speaker names: before, "José" typed
/// composed and decomposed (as macOS input gives it), or "ana" and "ana"
/// with a zero-width space, were two coders, and the report's agreement
/// table paired a person with herself under one name shown twice (h18/04).
/// Letter case is kept as typed: "Ana" and "ana" are two reviewers.
pub(crate) fn reviewer_name(name: Option<&str>) -> ApiResult<String> {
    use unicode_normalization::UnicodeNormalization;
    let raw = name.unwrap_or("");
    // A line break or tab would split the name's cell in every CSV and
    // the lines of the page; refused, not silently mended.
    if let Some((at, c)) = raw
        .trim()
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        let what = if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            "a line break"
        } else {
            "a control character"
        };
        return Err(ApiError::BadRequest(format!(
            "reviewer name contains {what} (U+{:04X}, character {}): type the name on one line",
            c as u32,
            at + 1
        )));
    }
    let name: String = raw
        .chars()
        .filter(|&c| !corpus::is_invisible_mark(c))
        .nfc()
        .collect();
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::BadRequest(
            "enter your reviewer name first (it is stored with each decision)".into(),
        ));
    }
    if name.chars().count() > MAX_REVIEWER_CHARS {
        return Err(ApiError::BadRequest(format!(
            "reviewer name longer than {MAX_REVIEWER_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}

/// Opens `url` with the desktop's opener. A crate for this would be one
/// more dependency for three platform commands.
pub fn open_in_browser(url: &str) -> anyhow::Result<()> {
    let (cmd, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    std::process::Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("running {cmd}"))?;
    Ok(())
}

/// The review tests' project store (`tests/fixture`), for the unit tests.
#[cfg(test)]
#[path = "../tests/fixture/mod.rs"]
pub(crate) mod fixture;

/// Calls the API's handlers directly, on the state a server builds.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The state `start` serves, over the store at `path`, without a listener.
    pub fn state(path: &std::path::Path, blind: bool) -> Shared {
        Arc::new(AppState {
            store: Mutex::new(store::Store::open(path).unwrap()),
            cfg: ServeConfig {
                store: path.to_path_buf(),
                listen: "127.0.0.1:0".parse().unwrap(),
                token: "unit-test-token".into(),
                reviewer: None,
                blind,
                retrain: None,
                retrain_hint: "autocode code".into(),
                audit: false,
                report_data: None,
            },
            addr: "127.0.0.1:0".parse().unwrap(),
            retraining: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Runs a handler to its answer: the JSON body, or the error's status
    /// and body.
    pub fn call<F>(f: F) -> Result<serde_json::Value, (u16, serde_json::Value)>
    where
        F: std::future::Future<Output = ApiResult<Json<serde_json::Value>>>,
    {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        match rt.block_on(f) {
            Ok(Json(v)) => Ok(v),
            Err(e) => {
                let status = match &e {
                    ApiError::BadRequest(_) => 400,
                    ApiError::NotFound(_) => 404,
                    ApiError::Conflict(_) => 409,
                    ApiError::Internal(_) => 500,
                };
                let body = match e {
                    ApiError::BadRequest(m) | ApiError::NotFound(m) => json!({ "error": m }),
                    ApiError::Conflict(v) => v,
                    ApiError::Internal(e) => json!({ "error": format!("{e:#}") }),
                };
                Err((status, body))
            }
        }
    }

    /// A review decision through `/api/decision`'s handler, at the version
    /// the reviewer's page shows (in blind mode, their own decisions).
    pub fn decide(st: &Shared, reviewer: &str, segment_id: i64, code_id: &str, decision: &str) {
        let item = call(crate::queue::item(
            axum::extract::State(st.clone()),
            axum::extract::Path(segment_id),
            axum::extract::Query(serde_json::from_value(json!({ "reviewer": reviewer })).unwrap()),
        ))
        .unwrap();
        let body = json!({"segment_id": segment_id, "code_id": code_id, "decision": decision,
                          "reviewer": reviewer, "version": item["version"]});
        call(crate::queue::decide(
            axum::extract::State(st.clone()),
            Json(serde_json::from_value(body).unwrap()),
        ))
        .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// h18/04: the same name typed on two machines is one reviewer; a name
    /// that would split a CSV cell or a line of the page is refused.
    #[test]
    fn reviewer_names_compare_composed_without_invisible_marks() {
        let composed = "Jos\u{e9}";
        let decomposed = "Jose\u{301}";
        assert_eq!(reviewer_name(Some(decomposed)).unwrap(), composed);
        assert_eq!(reviewer_name(Some(composed)).unwrap(), composed);
        assert_eq!(reviewer_name(Some("ana\u{200b}")).unwrap(), "ana");
        assert_eq!(reviewer_name(Some("\u{feff} ana \u{2060}")).unwrap(), "ana");
        // Case is kept as typed (docs/review.md): two reviewers.
        assert_eq!(reviewer_name(Some("Ana")).unwrap(), "Ana");
        let refused = |name: &str| match reviewer_name(Some(name)) {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("{name:?} was not refused: {other:?}"),
        };
        assert_eq!(
            refused("ana\nben"),
            "reviewer name contains a line break (U+000A, character 4): type the name on one line"
        );
        assert_eq!(
            refused("ana\tben"),
            "reviewer name contains a control character (U+0009, character 4): type the name on one line"
        );
        assert!(refused("ana\u{2028}ben").contains("a line break (U+2028"));
        assert_eq!(
            refused("\u{200b}"),
            "enter your reviewer name first (it is stored with each decision)"
        );
        assert_eq!(
            refused(&"a".repeat(101)),
            "reviewer name longer than 100 characters"
        );
    }

    #[test]
    fn tokens_are_random_hex() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
