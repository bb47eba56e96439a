//! `autocode review` as a process: token and cross-site refusals, the
//! version check, and no acknowledged decision lost to SIGKILL. The page
//! itself is driven in Chromium by crates/review/tests/browser.rs.

#[path = "../crates/review/tests/fixture/mod.rs"]
mod fixture;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "binary-test-token-42";

struct Server {
    child: Child,
    /// host:port
    addr: String,
    stdout_lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(project: &std::path::Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_autocode"))
        .arg("--project")
        .arg(project)
        .arg("review")
        .args(extra)
        .env_remove("AUTOCODE_REVIEW_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "server exited early: {lines:?}"
        );
        let done = line.starts_with("press Ctrl-C");
        lines.push(line.trim_end().to_string());
        if done {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink);
    });
    let url = lines[0]
        .strip_prefix("review page: http://")
        .unwrap_or_else(|| panic!("first line names the URL: {lines:?}"));
    let addr = url.split('/').next().unwrap().to_string();
    Server {
        child,
        addr,
        stdout_lines: lines,
    }
}

struct Resp {
    status: u16,
    head: String,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection; `Host` defaults to the server address.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Resp {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn decision(seg: i64, code: &str, decision: &str, version: i64, extra: Value) -> Value {
    let mut b = json!({"segment_id": seg, "code_id": code, "decision": decision,
                       "reviewer": "rita", "version": version});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

const AUTH: (&str, &str) = ("X-Autocode-Token", TOKEN);

#[test]
fn requests_without_token_or_from_other_sites_are_refused() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN, "--reviewer", "<b>\"rita"]);
    let a = srv.addr.as_str();
    assert!(
        srv.stdout_lines[0].ends_with(&format!("/?token={TOKEN}")),
        "{:?}",
        srv.stdout_lines
    );

    assert_eq!(http(a, "GET", "/", &[], None).status, 401);
    assert_eq!(http(a, "GET", "/api/queue", &[], None).status, 401);
    assert_eq!(http(a, "GET", "/app.js", &[], None).status, 401);
    assert_eq!(
        http(
            a,
            "GET",
            "/api/queue",
            &[("X-Autocode-Token", "wrong-token-123")],
            None
        )
        .status,
        401
    );
    assert_eq!(
        http(a, "GET", "/?token=wrong-token-123", &[], None).status,
        401
    );
    let body = decision(fx.seg["xss"], "access", "accept", 0, json!({}));
    assert_eq!(
        http(a, "POST", "/api/decision", &[], Some(&body)).status,
        401
    );

    // First load with the token: a redirect that sets an HttpOnly SameSite cookie.
    let first = http(a, "GET", &format!("/?token={TOKEN}"), &[], None);
    assert_eq!(first.status, 303, "{}", first.head);
    let cookie_line = first
        .head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(
        cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Strict"),
        "{cookie_line}"
    );
    let cookie = cookie_line
        .split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let with_cookie = ("Cookie", cookie.as_str());

    let page = http(a, "GET", "/", &[with_cookie], None);
    assert_eq!(page.status, 200);
    assert!(page
        .head
        .to_ascii_lowercase()
        .contains("content-security-policy: default-src 'none'; script-src 'self'"));
    // Server-rendered values are escaped.
    assert!(page.body.contains("&lt;b&gt;&quot;rita") && !page.body.contains("<b>\"rita"));
    let queue = http(a, "GET", "/api/queue?order=uncertain", &[with_cookie], None);
    assert_eq!(queue.status, 200);
    let items = queue.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(items[0]["segment_id"], json!(fx.seg["xss"]));
    assert_eq!(items[0]["text"], json!(fixture::XSS));

    // The cookie alone cannot change state: a cross-site form would carry it.
    assert_eq!(
        http(a, "POST", "/api/decision", &[with_cookie], Some(&body)).status,
        403
    );
    let evil = [AUTH, ("Origin", "http://evil.example")];
    assert_eq!(
        http(a, "POST", "/api/decision", &evil, Some(&body)).status,
        403
    );
    let cross = [AUTH, ("Sec-Fetch-Site", "cross-site")];
    assert_eq!(
        http(a, "POST", "/api/decision", &cross, Some(&body)).status,
        403
    );
    // DNS rebinding: a foreign Host on the loopback server.
    let port = a.rsplit(':').next().unwrap();
    let rebound = format!("evil.example:{port}");
    assert_eq!(
        http(
            a,
            "GET",
            "/api/queue",
            &[AUTH, ("Host", rebound.as_str())],
            None
        )
        .status,
        403
    );
    assert!(fixture::reviews(&fx.path).is_empty());

    let origin = format!("http://{a}");
    let ok = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH, ("Origin", origin.as_str())],
        Some(&body),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["status"], json!("saved"));
    assert_eq!(fixture::reviews(&fx.path).len(), 1);
}

#[test]
fn stale_version_gets_409_with_the_first_decision() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let seg = fx.seg["late"];
    let first = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(seg, "delay", "accept", 0, json!({}))),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["version"], json!(1));
    let mut second = decision(seg, "delay", "reject", 0, json!({}));
    second["reviewer"] = json!("sam");
    let stale = http(a, "POST", "/api/decision", &[AUTH], Some(&second));
    assert_eq!(stale.status, 409, "{}", stale.body);
    let v = stale.json();
    assert_eq!(v["version"], json!(1));
    assert_eq!(v["decisions"][0]["decision"], json!("accept"));
    assert_eq!(v["decisions"][0]["reviewer"], json!("rita"));
    // Unknown codes and bad decisions are refused with a reason, not stored.
    let bad = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(
            seg,
            "delay",
            "recode",
            1,
            json!({"new_code_id": "nope"}),
        )),
    );
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("nope"));
    assert_eq!(fixture::reviews(&fx.path).len(), 1);
}

/// A decision on a sentence id the store does not have is a 404 that
/// says so (before, a 409 "changed since the page showed it").
#[test]
fn a_decision_on_no_sentence_is_not_found() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let missing = http(
        srv.addr.as_str(),
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(
            999_999,
            "delay",
            "accept",
            0,
            json!({"text": "Hello."}),
        )),
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert!(
        missing.body.contains("no sentence with id 999999"),
        "{}",
        missing.body
    );
    assert!(fixture::reviews(&fx.path).is_empty());
}

/// A decision carries the sentence's text as the page showed it: after a
/// re-ingest an id can name another sentence, and a decision whose text is
/// not the stored one is refused (409), not saved on that other sentence.
#[test]
fn a_decision_on_a_sentence_that_changed_is_refused() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let seg = fx.seg["late"];
    let item = http(a, "GET", &format!("/api/item/{seg}"), &[AUTH], None);
    assert_eq!(item.status, 200, "{}", item.body);
    let text = item.json()["segment"]["text"].as_str().unwrap().to_string();
    let changed = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(
            seg,
            "delay",
            "accept",
            0,
            json!({"text": "I feel lonely at home."}),
        )),
    );
    assert_eq!(changed.status, 409, "{}", changed.body);
    assert_eq!(changed.json()["status"], json!("changed"));
    assert!(fixture::reviews(&fx.path).is_empty());
    let shown = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(
            seg,
            "delay",
            "accept",
            0,
            json!({ "text": text }),
        )),
    );
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(fixture::reviews(&fx.path).len(), 1);
}

#[test]
fn acknowledged_decisions_survive_sigkill() {
    let fx = fixture::build();
    let mut srv = start(&fx.path, &["--token", TOKEN]);
    let addr = srv.addr.clone();
    // Four real decisions, then memos as fast as the server takes them,
    // until the process is killed mid-stream.
    let script = vec![
        decision(fx.seg["xss"], "access", "accept", 0, json!({})),
        decision(fx.seg["late"], "delay", "reject", 0, json!({})),
        decision(
            fx.seg["costs"],
            "cost",
            "recode",
            0,
            json!({"new_code_id": "delay"}),
        ),
        decision(fx.seg["parking"], "access", "none", 0, json!({})),
    ];
    // How many decisions the writer has had acknowledged: the kill waits
    // for 30 of them (a stored review is not yet an acknowledged one: the
    // writer may still be reading the answer).
    let acks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writer_acks = acks.clone();
    let writer = std::thread::spawn(move || {
        let mut acked: Vec<(i64, Value)> = Vec::new();
        let ack = |acked: &Vec<(i64, Value)>| {
            writer_acks.store(acked.len(), std::sync::atomic::Ordering::SeqCst)
        };
        for body in script {
            let r = http(&addr, "POST", "/api/decision", &[AUTH], Some(&body));
            assert_eq!(r.status, 200, "{}", r.body);
            acked.push((r.json()["review_id"].as_i64().unwrap(), body));
            ack(&acked);
        }
        let seg = acked[0].1["segment_id"].as_i64().unwrap();
        let mut version = 1;
        let deadline = Instant::now() + Duration::from_secs(60);
        for i in 0.. {
            let body = decision(
                seg,
                "access",
                "memo",
                version,
                json!({"memo": format!("memo {i}")}),
            );
            let Ok(mut s) = TcpStream::connect(&addr) else {
                break;
            };
            let payload = body.to_string();
            let req = format!(
                "POST /api/decision HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Autocode-Token: {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
                payload.len()
            );
            if s.write_all(req.as_bytes()).is_err() {
                break;
            }
            let mut raw = String::new();
            if s.read_to_string(&mut raw).is_err() || !raw.starts_with("HTTP/1.1 200") {
                break; // killed: this one was never acknowledged
            }
            let v: Value = serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap();
            acked.push((v["review_id"].as_i64().unwrap(), body));
            ack(&acked);
            version = v["version"].as_i64().unwrap();
            if Instant::now() > deadline {
                break;
            }
        }
        acked
    });
    // Let some memos land, then SIGKILL (Child::kill is SIGKILL on Unix).
    let start = Instant::now();
    while acks.load(std::sync::atomic::Ordering::SeqCst) < 30
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    let acked = writer.join().unwrap();
    assert!(
        acked.len() >= 30,
        "only {} decisions acknowledged before the kill",
        acked.len()
    );

    let stored = store::Store::open(&fx.path).unwrap().reviews().unwrap();
    for (id, body) in &acked {
        let r = stored
            .iter()
            .find(|r| r.id == *id)
            .unwrap_or_else(|| panic!("acknowledged review {id} lost: {body}"));
        assert_eq!(r.segment_id, body["segment_id"].as_i64());
        assert_eq!(r.decision, body["decision"].as_str().unwrap());
        assert_eq!(r.memo.as_deref(), body.get("memo").and_then(Value::as_str));
    }
    let human = fixture::human_codings(&fx.path);
    assert_eq!(human, {
        let mut v = vec![
            (fx.seg["xss"], "access".to_string(), "rita".to_string()),
            (fx.seg["costs"], "delay".to_string(), "rita".to_string()),
        ];
        v.sort();
        v
    });
}

#[test]
fn team_listen_without_token_generates_and_prints_one() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--listen", "0.0.0.0:0"]);
    let generated = srv
        .stdout_lines
        .iter()
        .find_map(|l| l.strip_prefix("generated token: "))
        .unwrap_or_else(|| panic!("no generated token printed: {:?}", srv.stdout_lines))
        .to_string();
    assert_eq!(generated.len(), 32);
    assert!(srv.stdout_lines[0].ends_with(&format!("?token={generated}")));
    let port = srv.addr.rsplit(':').next().unwrap();
    let local = format!("127.0.0.1:{port}");
    assert_eq!(http(&local, "GET", "/api/meta", &[], None).status, 401);
    let meta = http(
        &local,
        "GET",
        "/api/meta",
        &[("X-Autocode-Token", generated.as_str())],
        None,
    );
    assert_eq!(meta.status, 200);
    assert_eq!(meta.json()["codebook"]["codes"][0]["id"], json!("cost"));
}

#[test]
fn retrain_button_runs_autocode_code_and_records_the_outcome() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let r = http(
        a,
        "POST",
        "/api/retrain",
        &[AUTH],
        Some(&json!({"reviewer": "rita"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], json!("running"));
    assert!(r.json()["command"].as_str().unwrap().ends_with(" code"));
    let start = Instant::now();
    let latest = loop {
        let s = http(a, "GET", "/api/retrain", &[AUTH], None).json();
        if s["latest"]["status"] != json!("running") {
            break s["latest"].clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "retrain never finished: {s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // `autocode code` decides ok or failed; either way the outcome is recorded.
    assert!(
        latest["status"] == json!("ok") || latest["status"] == json!("failed"),
        "{latest}"
    );
    assert!(latest["detail"].is_string(), "{latest}");
}

#[test]
fn queue_filters_and_orders() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let segs = |q: &str| -> Vec<(i64, String)> {
        let r = http(a, "GET", &format!("/api/queue?{q}"), &[AUTH], None);
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["segment_id"].as_i64().unwrap(),
                    i["code_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let s = &fx.seg;
    let pair = |k: &str, c: &str| (s[k], c.to_string());
    // The default is the measured review order (issue #15): the
    // representative order. Codes take turns (access, cost, delay: none
    // has positives yet).
    assert_eq!(segs(""), segs("order=review"));
    assert_eq!(segs(""), segs("order=representative"));
    let codes: Vec<String> = segs("").into_iter().map(|(_, c)| c).collect();
    assert_eq!(codes, ["access", "cost", "delay", "access"]);
    // Most uncertain first; the 0.08 candidate is below the floor.
    assert_eq!(
        segs("order=uncertain"),
        vec![
            pair("xss", "access"),
            pair("late", "delay"),
            pair("costs", "cost"),
            pair("parking", "access")
        ]
    );
    assert_eq!(segs("order=low")[0], pair("costs", "cost"));
    assert_eq!(segs("order=high")[0], pair("parking", "access"));
    assert_eq!(
        segs("code=access&order=uncertain"),
        vec![pair("xss", "access"), pair("parking", "access")]
    );
    assert_eq!(segs("attr=group%3DB"), vec![pair("xss", "access")]);
    assert_eq!(
        segs("min=0.45&max=0.6&order=uncertain"),
        vec![pair("xss", "access"), pair("late", "delay")]
    );
    assert_eq!(segs("document=nope.txt"), vec![]);
    let r = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(s["late"], "delay", "accept", 0, json!({}))),
    );
    assert_eq!(r.status, 200);
    // It reads the sentence vectors: "late" (reviewed now) lies next to
    // "parking", so access's other suggestion, xss, covers more that is
    // not yet covered and comes first; `balanced` shows access's most
    // probable (parking) first.
    assert_eq!(
        segs(""),
        vec![
            pair("xss", "access"),
            pair("costs", "cost"),
            pair("parking", "access")
        ]
    );
    assert_eq!(segs("order=balanced")[0], pair("parking", "access"));
    assert_eq!(segs("status=reviewed"), vec![pair("late", "delay")]);
    assert_eq!(segs("status=open").len(), 3);
    assert_eq!(segs("status=all").len(), 4);
    assert_eq!(
        http(a, "GET", "/api/queue?attr=group", &[AUTH], None).status,
        400
    );
}

#[test]
fn theme_rename_merge_split_dismiss_with_version_checks() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let act = |id: i64, action: &str, body: Value| {
        let mut b = json!({"reviewer": "rita"});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        http(
            a,
            "POST",
            &format!("/api/themes/{id}/{action}"),
            &[AUTH],
            Some(&b),
        )
    };
    let themes = || http(a, "GET", "/api/themes", &[AUTH], None).json()["themes"].clone();
    let theme = |id: i64| {
        themes()
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == json!(id))
            .unwrap()
            .clone()
    };
    assert_eq!(themes().as_array().unwrap().len(), 3);

    let p = fx.theme_id;
    let r = act(
        p,
        "rename",
        json!({"version": 0, "name": "parking in town"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(theme(p)["label"], json!("parking in town"));
    // The page's copy is stale now.
    assert_eq!(
        act(p, "merge", json!({"version": 0, "code_id": "access"})).status,
        409
    );
    let r = act(p, "merge", json!({"version": 1, "code_id": "access"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["codebook_version"], json!(2));
    assert_eq!(theme(p)["status"], json!("merged"));
    let store = store::Store::open(&fx.path).unwrap();
    let v2 = store.codebook_versions().unwrap().remove(1);
    assert_eq!(v2.version, 2);
    // The merge extended version 1: a run configured with that codebook's
    // file codes with version 2.
    assert_eq!(v2.parent_version, Some(1));
    assert_eq!(v2.origin, store::CodebookOrigin::Review);
    assert_eq!(store.codebook_descendant(1).unwrap(), 2);
    let cb: classify::Codebook = serde_json::from_str(&v2.body).unwrap();
    let access = cb.codes.iter().find(|c| c.id == "access").unwrap();
    assert_eq!(
        access.examples,
        vec!["Parking in town is impossible.".to_string()]
    );
    drop(store);
    // A decided theme takes no second decision.
    assert_eq!(act(p, "dismiss", json!({"version": 2})).status, 409);

    // Split with stored sub-themes: the broad theme gives way to them.
    let r = act(fx.broad_theme_id, "split", json!({"version": 0}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(theme(fx.broad_theme_id)["status"], json!("dismissed"));
    assert_eq!(theme(fx.sub_theme_id)["status"], json!("open"));
    // Without sub-themes it is only marked for re-clustering.
    let r = act(fx.sub_theme_id, "split", json!({"version": 0}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("re-clustering"));
    assert_eq!(theme(fx.sub_theme_id)["status"], json!("open"));
    assert_eq!(
        theme(fx.sub_theme_id)["decisions"][0]["action"],
        json!("split")
    );

    // Accepting needs a new id and a known parent.
    let dup = act(
        fx.sub_theme_id,
        "accept",
        json!({"version": 1, "name": "x", "code_id": "access"}),
    );
    assert_eq!(dup.status, 400, "{}", dup.body);
    let orphan = act(
        fx.sub_theme_id,
        "accept",
        json!({"version": 1, "name": "Late", "parent": "nope"}),
    );
    assert_eq!(orphan.status, 400, "{}", orphan.body);
    let r = act(fx.sub_theme_id, "dismiss", json!({"version": 1}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(theme(fx.sub_theme_id)["status"], json!("dismissed"));
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let fx = fixture::build();
    let mut srv = start(&fx.path, &["--token", TOKEN]);
    let pid = srv.child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    loop {
        if let Some(code) = srv.child.try_wait().unwrap() {
            assert!(code.success(), "{code:?}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "server ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue #13, bug 1: a code accepted from a theme on the review page is kept
/// by the nightly run configured with the codebook file (the run codes with
/// the newest review-made descendant of the file's version), and the run
/// after that re-codes nothing.
#[test]
fn a_theme_accepted_in_review_is_coded_by_the_next_file_configured_run() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("corpus")).unwrap();
    for f in ["participants.csv", "codebook.yaml"] {
        std::fs::copy(root.join("data/demo").join(f), p.join("corpus").join(f)).unwrap();
    }
    let cfg = format!(
        "[project]\nstore = \"autocode.db\"\n[inputs]\npaths = [\"{t}\"]\nparticipants = \"corpus/participants.csv\"\n\
         [model]\npath = \"{m}\"\n[codebook]\npath = \"corpus/codebook.yaml\"\n[themes]\nseed = 7\n[report]\nenabled = false\n",
        t = root.join("data/demo/transcripts").display(),
        m = root.join("models/all-MiniLM-L6-v2").display()
    );
    std::fs::write(p.join("autocode.toml"), cfg).unwrap();
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
            .args(["run", "--json", "--config"])
            .arg(p.join("autocode.toml"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    run();
    let store_file = p.join("autocode.db");

    // Accept the first theme as a new code on the review page.
    {
        let srv = start(&store_file, &["--token", TOKEN]);
        let a = srv.addr.as_str();
        let themes = http(a, "GET", "/api/themes", &[AUTH], None).json()["themes"].clone();
        let id = themes[0]["id"].as_i64().expect("the demo has themes");
        let r = http(
            a,
            "POST",
            &format!("/api/themes/{id}/accept"),
            &[AUTH],
            Some(&json!({"reviewer": "rita", "version": 0,
                         "name": "Review-made code", "code_id": "review_made"})),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["codebook_version"], json!(2));
    }

    // The next run codes with version 2, the new code included.
    let second = run();
    let store = store::Store::open(&store_file).unwrap();
    let versions = store.codebook_versions().unwrap();
    assert_eq!(versions.len(), 2, "the run stored no extra version");
    let machine_v2: Vec<_> = store
        .codings()
        .unwrap()
        .into_iter()
        .filter(|c| c.source == "machine" && c.codebook_version == Some(2))
        .collect();
    assert!(
        machine_v2.iter().any(|c| c.code_id == "review_made"),
        "the review-made code was not coded"
    );
    assert!(
        second["counts"]["changed"]["codings"].as_i64().unwrap() != 0,
        "{second}"
    );
    drop(store);

    // And the run after that re-codes nothing.
    let third = run();
    assert_eq!(
        third["counts"]["changed"]["codings"],
        json!(0),
        "a second run re-coded: {third}"
    );
    let store = store::Store::open(&store_file).unwrap();
    assert!(store
        .codings()
        .unwrap()
        .iter()
        .filter(|c| c.source == "machine")
        .all(|c| c.codebook_version == Some(2)));
}

/// Issue #17 item 17: a POST with the right token in the URL but no header is
/// told that the header is required, not that the token is wrong.
#[test]
fn a_url_token_on_an_api_post_asks_for_the_header() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let r = http(
        srv.addr.as_str(),
        "POST",
        &format!("/api/decision?token={TOKEN}"),
        &[],
        Some(&decision(fx.seg["xss"], "access", "accept", 0, json!({}))),
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("X-Autocode-Token header"), "{}", r.body);
    assert!(!r.body.contains("wrong token"), "{}", r.body);
}

/// Issue #17 item 13: refusals carry the same security headers as every
/// other answer.
#[test]
fn refusals_carry_the_security_headers() {
    let fx = fixture::build();
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let no_token = http(a, "GET", "/api/queue", &[], None);
    assert_eq!(no_token.status, 401);
    let cookie_post = http(
        a,
        "POST",
        "/api/decision",
        &[("Cookie", "x=y")],
        Some(&decision(fx.seg["xss"], "access", "accept", 0, json!({}))),
    );
    assert!(cookie_post.status == 401 || cookie_post.status == 403);
    for r in [&no_token, &cookie_post] {
        let head = r.head.to_ascii_lowercase();
        assert!(head.contains("content-security-policy:"), "{}", r.head);
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{}",
            r.head
        );
    }
}

/// Issue #17 item 20: `--token 'a b&x#y'` printed a URL that was not
/// percent-encoded, and the encoded form was refused. The URL encodes the
/// token, the server decodes it, and the cookie and header carry it too.
#[test]
fn a_token_with_url_characters_is_percent_encoded_and_accepted() {
    let fx = fixture::build();
    let token = "a b&x#y;1%2";
    let srv = start(&fx.path, &["--token", token]);
    let a = srv.addr.as_str();
    let encoded = "a%20b%26x%23y%3B1%252";
    assert!(
        srv.stdout_lines[0].ends_with(&format!("/?token={encoded}")),
        "{:?}",
        srv.stdout_lines
    );
    let first = http(a, "GET", &format!("/?token={encoded}"), &[], None);
    assert_eq!(first.status, 303, "{}", first.head);
    let cookie = first
        .head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().starts_with("set-cookie:").then(|| {
                l.split_once(':')
                    .unwrap()
                    .1
                    .trim()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_string()
            })
        })
        .unwrap();
    assert!(cookie.ends_with(&format!("={encoded}")), "{cookie}");
    assert_eq!(
        http(a, "GET", "/", &[("Cookie", cookie.as_str())], None).status,
        200
    );
    let queue = http(a, "GET", "/api/queue", &[("X-Autocode-Token", token)], None);
    assert_eq!(queue.status, 200, "{}", queue.body);
    // Unencoded, its `&` cuts the token short: refused.
    assert_eq!(http(a, "GET", "/?token=a%20b&x", &[], None).status, 401);
}

mod audit_browser {
    //! Issue #14: `review --audit` in headless Chromium, then `autocode report`.
    use super::*;
    use headless_chrome::{Browser, LaunchOptions, Tab};
    use std::ffi::OsStr;

    fn chromium() -> std::path::PathBuf {
        let p = std::env::var_os("AUTOCODE_CHROMIUM")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| "/usr/bin/chromium".into());
        assert!(
            p.exists(),
            "headless Chromium not found at {} — the review tests need it \
             (Debian: apt-get install -y chromium; AUTOCODE_CHROMIUM overrides the path)",
            p.display()
        );
        p
    }

    fn eval(tab: &Tab, js: &str) -> Value {
        tab.evaluate(js, false)
            .unwrap_or_else(|e| panic!("evaluating {js}: {e}"))
            .value
            .unwrap_or(Value::Null)
    }

    fn wait_for(tab: &Tab, js: &str) {
        let start = Instant::now();
        while eval(tab, js) != Value::Bool(true) {
            if start.elapsed() > Duration::from_secs(20) {
                let status = eval(tab, "document.getElementById('status').textContent");
                panic!("timed out waiting for {js}; status line: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Headless Chromium on `url`, once the page says it is ready.
    fn open_page(url: &str, profile: &std::path::Path) -> (Browser, std::sync::Arc<Tab>) {
        let browser = Browser::new(
            LaunchOptions::default_builder()
                .path(Some(chromium()))
                .headless(true)
                .sandbox(false)
                .user_data_dir(Some(profile.to_path_buf()))
                .idle_browser_timeout(Duration::from_secs(300))
                .args(vec![
                    OsStr::new("--disable-gpu"),
                    OsStr::new("--no-first-run"),
                    OsStr::new("--disable-background-networking"),
                    OsStr::new("--disable-component-update"),
                    OsStr::new("--disable-sync"),
                ])
                .build()
                .unwrap(),
        )
        .expect("starting headless Chromium");
        let tab = browser.new_tab().unwrap();
        tab.navigate_to(url)
            .unwrap()
            .wait_until_navigated()
            .unwrap();
        wait_for(&tab, "document.body && document.body.dataset.ready === '1'");
        (browser, tab)
    }

    /// `review --audit` as reviewer rita, and the page in headless Chromium
    /// (with the profile folder it runs in).
    fn open_audit_page(
        project: &std::path::Path,
    ) -> (Server, tempfile::TempDir, Browser, std::sync::Arc<Tab>) {
        let srv = start(
            project,
            &["--audit", "--token", TOKEN, "--reviewer", "rita"],
        );
        let url = srv.stdout_lines[0]
            .strip_prefix("review page: ")
            .unwrap()
            .to_string();
        let profile = tempfile::tempdir().unwrap();
        let (browser, tab) = open_page(&url, profile.path());
        (srv, profile, browser, tab)
    }

    fn autocode(project: &std::path::Path, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_autocode"))
            .arg("--project")
            .arg(project)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "autocode {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// report.json's participant estimates: code → (method, audited, units).
    fn estimates(
        project: &std::path::Path,
        out: &std::path::Path,
    ) -> Vec<(String, String, u64, u64)> {
        autocode(
            project,
            &["report", "--format", "json", "--out", out.to_str().unwrap()],
        );
        let r: Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let e = &c["estimate"];
                (
                    c["code_id"].as_str().unwrap().to_string(),
                    e["method"].as_str().unwrap().to_string(),
                    e["audited"].as_u64().unwrap(),
                    e["units"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn review_audit_codes_units_blind_and_the_report_counts_them() {
        let fx = fixture::build_audit();
        let out = fx.dir.path().join("out");
        autocode(&fx.path, &["audit", "draw", "--size", "3", "--seed", "5"]);
        let before = estimates(&fx.path, &out);
        assert_eq!(before.len(), 3, "{before:?}");
        for (code, method, audited, units) in &before {
            assert_eq!(
                (method.as_str(), *audited, *units),
                ("model-only", 0, 8),
                "{code}"
            );
        }

        let (srv, _profile, _browser, tab) = open_audit_page(&fx.path);
        // `--audit` opens on the Audit tab, on the sample's first unit.
        assert_eq!(
            eval(&tab, "document.getElementById('view-audit').hidden === false && document.getElementById('tab-audit').classList.contains('active')"),
            Value::Bool(true)
        );
        wait_for(
            &tab,
            "document.querySelectorAll('#audit-unit .audit-sentence').length > 0",
        );
        assert_eq!(
            eval(
                &tab,
                "document.getElementById('audit-unit').dataset.position"
            ),
            "0"
        );
        // Blind: the tab shows no machine figure or suggestion.
        let shown = eval(&tab, "document.getElementById('view-audit').innerText")
            .as_str()
            .unwrap()
            .to_string();
        for machine in [
            "0.85",
            "0.80",
            "0.70",
            "0.15",
            "Suggested",
            "confidence",
            "score",
        ] {
            assert!(!shown.contains(machine), "{machine} shown: {shown}");
        }

        // Unit 1: the first sentence gets "cost"; the others no code.
        eval(
            &tab,
            "document.querySelector('#audit-unit .audit-sentence input.audit-code[value=\"cost\"]').click()",
        );
        eval(&tab, "document.getElementById('audit-save').click()");
        wait_for(
            &tab,
            "document.getElementById('status').dataset.saved === '1'",
        );
        // The page moves on to the next uncoded unit; "No code applies" there.
        wait_for(&tab, "document.getElementById('audit-unit').dataset.position === '1' && document.querySelectorAll('#audit-unit .audit-sentence').length > 0");
        eval(&tab, "document.getElementById('audit-none').click()");
        wait_for(
            &tab,
            "document.getElementById('status').dataset.saved === '2'",
        );
        wait_for(
            &tab,
            "/^2 of 3 participants coded/.test(document.getElementById('audit-count').textContent)",
        );

        // The Progress tab shows the narrowing, from the report's estimator.
        eval(&tab, "document.getElementById('tab-progress').click()");
        wait_for(&tab, "!!document.getElementById('narrowing-table')");
        assert_eq!(
            eval(
                &tab,
                "document.querySelectorAll('#narrowing-table tbody tr').length"
            ),
            json!(3)
        );
        let n = http(&srv.addr, "GET", "/api/audit/narrowing", &[AUTH], None).json();
        assert_eq!(n["points"], json!([0, 2]));
        drop(srv);

        let after = estimates(&fx.path, &out);
        for (code, method, audited, units) in &after {
            assert_eq!(
                (method.as_str(), *audited, *units),
                ("prediction-powered", 2, 8),
                "{code}"
            );
        }
        // The same figures as the Progress tab's last point.
        let report: Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        for c in n["codes"].as_array().unwrap() {
            let r = report["codes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["code_id"] == c["code_id"])
                .unwrap();
            let last = &c["points"][1];
            for k in ["estimate", "low", "high", "method"] {
                assert_eq!(last[k], r["estimate"][k], "{k} of {}", c["code_id"]);
            }
        }
        // Stored as gold by the reviewer: two participants' every sentence.
        let store = store::Store::open(&fx.path).unwrap();
        let coders: Vec<String> = store
            .conn()
            .prepare("SELECT DISTINCT coder FROM codings WHERE source = 'gold'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(coders, ["rita"]);
    }

    /// hq/03: the Audit tab showed a survey respondent's "My colleagues."
    /// and "The pay." without their questions (like most, like least). Each
    /// answer is now shown under its question, as the queue's item view
    /// shows it; still no machine figure on the tab.
    #[test]
    fn the_audit_tab_shows_each_survey_answer_under_its_question() {
        let fx = fixture::build_survey_audit();
        let (_srv, _profile, _browser, tab) = open_audit_page(&fx.path);
        wait_for(
            &tab,
            "document.querySelectorAll('#audit-unit .audit-sentence').length === 2",
        );
        let shown = eval(&tab, "document.getElementById('audit-unit').innerText")
            .as_str()
            .unwrap()
            .to_string();
        let at = |text: &str| {
            shown
                .find(text)
                .unwrap_or_else(|| panic!("{text:?} not shown: {shown}"))
        };
        let [most, least] = fixture::SURVEY_QUESTIONS;
        assert!(
            at(most) < at("My colleagues.")
                && at("My colleagues.") < at(least)
                && at(least) < at("The pay."),
            "each answer under its question: {shown}"
        );
        for machine in ["Suggested", "confidence", "score", "%"] {
            assert!(!shown.contains(machine), "{machine} shown: {shown}");
        }
    }

    /// A unit coded on a page that loaded an older codebook is refused, not
    /// saved under the new version (where it would judge a code the coder
    /// had no box for); the page shows the unit again with the new code's
    /// box and the coder's ticks, and the next save is recorded.
    #[test]
    fn a_unit_coded_under_an_older_codebook_is_shown_again_with_the_new_codes() {
        let fx = fixture::build_audit();
        autocode(&fx.path, &["audit", "draw", "--size", "3", "--seed", "5"]);
        let (srv, _profile, _browser, tab) = open_audit_page(&fx.path);
        let cost = "#audit-unit .audit-sentence input.audit-code[value=\"cost\"]";
        wait_for(&tab, &format!("!!document.querySelector('{cost}')"));
        eval(&tab, &format!("document.querySelector('{cost}').click()"));

        // Meanwhile another reviewer accepts a theme as a code.
        let themes = http(&srv.addr, "GET", "/api/themes", &[AUTH], None).json()["themes"].clone();
        let parking = themes
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["label"] == "parking town")
            .expect("the fixture's theme")["id"]
            .as_i64()
            .unwrap();
        let r = http(
            &srv.addr,
            "POST",
            &format!("/api/themes/{parking}/accept"),
            &[AUTH],
            Some(
                &json!({"reviewer": "sam", "version": 0, "name": "Parking", "code_id": "parking"}),
            ),
        );
        assert_eq!(r.json()["codebook_version"], json!(2), "{}", r.body);

        eval(&tab, "document.getElementById('audit-save').click()");
        wait_for(
            &tab,
            "!!document.querySelector('#audit-unit .audit-sentence input.audit-code[value=\"parking\"]')",
        );
        let status = eval(&tab, "document.getElementById('status').textContent");
        assert!(
            status
                .as_str()
                .unwrap()
                .contains("the codebook changed since this page loaded (version 1, now 2)"),
            "{status}"
        );
        assert_eq!(
            eval(&tab, &format!("document.querySelector('{cost}').checked")),
            json!(true),
            "the coder's tick survives"
        );
        let gold = || {
            store::Store::open(&fx.path)
                .unwrap()
                .conn()
                .query_row("SELECT COUNT(*) FROM gold_coverage", [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap()
        };
        assert_eq!(gold(), 0, "nothing saved");

        eval(&tab, "document.getElementById('audit-save').click()");
        wait_for(
            &tab,
            "document.getElementById('status').dataset.saved === '1'",
        );
        assert!(gold() > 0);
        let version: i64 = store::Store::open(&fx.path)
            .unwrap()
            .conn()
            .query_row("SELECT MIN(codebook_version) FROM gold_coverage", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(version, 2, "coded with version 2's boxes");
    }
}

/// h2/02: a category (`codable: false`, a MAXQDA/NVivo folder) is a
/// folder of codes, never applied to a sentence. `/api/meta` says which
/// codes are categories (and gives them no number key), and a decision
/// that would give one (accept, recode to, add) is refused, 400, naming it;
/// nothing is stored. Before, both were saved and the report's .qdpx coded
/// a code it declared isCodable="false".
#[test]
fn a_category_is_no_code_to_assign() {
    let fx = fixture::build();
    {
        let store = store::Store::open(&fx.path).unwrap();
        let body = json!({
            "name": "transport",
            "codes": [
                {"id": "travel", "name": "Travel", "definition": "Getting about.", "codable": false},
                {"id": "cost", "name": "Cost", "definition": "Money: fares, prices.", "parent": "travel"},
                {"id": "delay", "name": "Delays", "definition": "Services that are late.", "parent": "travel"},
                {"id": "access", "name": "Access", "definition": "Getting to or into places."}
            ]
        })
        .to_string();
        let hash = corpus::content_hash(body.as_bytes());
        store::put_codebook_child(store.conn(), 1, "transport", &body, &hash).unwrap();
    }
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let meta = http(a, "GET", "/api/meta", &[AUTH], None).json();
    assert_eq!(meta["codebook"]["version"], json!(2));
    let codes: Vec<(String, bool, Value)> = meta["codebook"]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["codable"].as_bool().unwrap(),
                c["number"].clone(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("travel".to_string(), false, Value::Null),
            ("cost".to_string(), true, json!(1)),
            ("delay".to_string(), true, json!(2)),
            ("access".to_string(), true, json!(3)),
        ]
    );
    let seg = fx.seg["late"];
    let refused = "is a category (codable: false) in the codebook in use (version 2): a category cannot be applied to a sentence; choose a code below it";
    for (body, field) in [
        (
            decision(seg, "delay", "recode", 0, json!({"new_code_id": "travel"})),
            "new_code_id",
        ),
        (
            decision(seg, "delay", "add", 0, json!({"new_code_id": "travel"})),
            "new_code_id",
        ),
        (decision(seg, "travel", "accept", 0, json!({})), "code_id"),
    ] {
        let r = http(a, "POST", "/api/decision", &[AUTH], Some(&body));
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(
            r.json()["error"],
            json!(format!("{field} \"travel\" (Travel) {refused}")),
        );
    }
    assert!(fixture::reviews(&fx.path).is_empty());
    assert!(fixture::human_codings(&fx.path).is_empty());
    // A code below it is taken, and so is a "no" to the category.
    let r = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(
            seg,
            "delay",
            "recode",
            0,
            json!({"new_code_id": "cost"}),
        )),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = http(
        a,
        "POST",
        "/api/decision",
        &[AUTH],
        Some(&decision(seg, "travel", "reject", 1, json!({}))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        fixture::human_codings(&fx.path),
        vec![(seg, "cost".to_string(), "rita".to_string())]
    );
}

/// h2/02, the Audit tab: a submission that ticks a category is refused,
/// 400, naming it; a code below it is taken.
#[test]
fn an_audit_unit_cannot_tick_a_category() {
    let fx = fixture::build_audit();
    {
        let mut store = store::Store::open(&fx.path).unwrap();
        store
            .put_audit_sample("participant", "draw", Some(3), 1, &["P5".to_string()])
            .unwrap();
        let body = json!({
            "name": "transport",
            "codes": [
                {"id": "travel", "name": "Travel", "definition": "Getting about.", "codable": false},
                {"id": "access", "name": "Access", "definition": "Getting to or into places.", "parent": "travel"},
                {"id": "cost", "name": "Cost", "definition": "Money: fares, prices."},
                {"id": "delay", "name": "Delays", "definition": "Services that are late."}
            ]
        })
        .to_string();
        let hash = corpus::content_hash(body.as_bytes());
        store::put_codebook_child(store.conn(), 1, "transport", &body, &hash).unwrap();
    }
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let unit = http(a, "GET", "/api/audit/unit/0", &[AUTH], None).json();
    let ids: Vec<i64> = unit["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment_id"].as_i64().unwrap())
        .collect();
    let submit = |code: &str| {
        let body = json!({"position": 0, "key": "P5", "reviewer": "rita",
                          "sentences": [{"segment_id": ids[0], "codes": [code]},
                                        {"segment_id": ids[1], "codes": []}]});
        http(a, "POST", "/api/audit/code", &[AUTH], Some(&body))
    };
    let r = submit("travel");
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.json()["error"],
        json!("sentences[0].codes[0]: code \"travel\" is a category (codable: false) in the codebook in use (version 2): a category cannot be applied to a sentence; tick a code below it")
    );
    let r = submit("access");
    assert_eq!(r.status, 200, "{}", r.body);
}

/// h16/01: a theme is not merged into a category (`codable: false`): a
/// folder of codes gets no model and no suggestions, so quotes kept as its
/// examples teach nothing while the theme left the open list as merged.
/// Refused, 400, naming it, as `/api/decision` refuses one; no codebook
/// version is written and the theme stays open. A code below it takes the
/// quotes, and a theme accepted as a new code may have the category as
/// its parent.
#[test]
fn a_theme_cannot_merge_into_a_category() {
    let fx = fixture::build();
    {
        let store = store::Store::open(&fx.path).unwrap();
        let body = json!({
            "name": "transport",
            "codes": [
                {"id": "travel", "name": "Travel", "definition": "Getting about.", "codable": false},
                {"id": "cost", "name": "Cost", "definition": "Money: fares, prices.", "parent": "travel"},
                {"id": "delay", "name": "Delays", "definition": "Services that are late.", "parent": "travel"},
                {"id": "access", "name": "Access", "definition": "Getting to or into places."}
            ]
        })
        .to_string();
        let hash = corpus::content_hash(body.as_bytes());
        store::put_codebook_child(store.conn(), 1, "transport", &body, &hash).unwrap();
    }
    let srv = start(&fx.path, &["--token", TOKEN]);
    let a = srv.addr.as_str();
    let act = |id: i64, action: &str, body: Value| {
        let mut b = json!({"reviewer": "rita", "version": 0});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        http(
            a,
            "POST",
            &format!("/api/themes/{id}/{action}"),
            &[AUTH],
            Some(&b),
        )
    };
    let status = |id: i64| {
        http(a, "GET", "/api/themes", &[AUTH], None).json()["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == json!(id))
            .unwrap()["status"]
            .clone()
    };
    let versions = || {
        store::Store::open(&fx.path)
            .unwrap()
            .codebook_versions()
            .unwrap()
            .len()
    };

    let r = act(fx.theme_id, "merge", json!({"code_id": "travel"}));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.json()["error"],
        json!("code_id \"travel\" (Travel) is a category (codable: false) in the codebook in use (version 2): a category cannot take a theme's quotes as examples (nothing learns from them); merge into a code below it, or accept the theme as a new code with the category as its parent")
    );
    assert_eq!(status(fx.theme_id), json!("open"));
    assert_eq!(versions(), 2, "no codebook version written");

    // A code below it takes the quotes (the theme's version is still 0).
    let r = act(fx.theme_id, "merge", json!({"code_id": "cost"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["codebook_version"], json!(3));
    assert_eq!(status(fx.theme_id), json!("merged"));

    // A new code may sit in the category.
    let r = act(
        fx.sub_theme_id,
        "accept",
        json!({"name": "Late buses", "code_id": "late_buses", "parent": "travel"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let store = store::Store::open(&fx.path).unwrap();
    let newest = store.codebook_versions().unwrap().pop().unwrap();
    assert_eq!(newest.version, 4);
    let cb: classify::Codebook = serde_json::from_str(&newest.body).unwrap();
    let cost = cb.codes.iter().find(|c| c.id == "cost").unwrap();
    assert_eq!(
        cost.examples,
        vec!["Parking in town is impossible.".to_string()]
    );
    let late = cb.codes.iter().find(|c| c.id == "late_buses").unwrap();
    assert_eq!(late.parent.as_deref(), Some("travel"));
    assert!(late.codable);
}
