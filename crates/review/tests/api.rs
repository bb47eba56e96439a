//! The review API against the real server (in this process) and a real
//! store file, over plain HTTP: what `/api/decision` and the theme actions
//! accept. The page itself is driven in Chromium by `browser.rs`.

mod fixture;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

const TOKEN: &str = "api-test-token-0123";

fn serve(path: &std::path::Path) -> review::Running {
    review::start(review::ServeConfig {
        store: path.to_path_buf(),
        listen: "127.0.0.1:0".parse().unwrap(),
        token: TOKEN.into(),
        reviewer: Some("rita".into()),
        blind: false,
        retrain: None,
        retrain_hint: "autocode code".into(),
    })
    .unwrap()
}

/// One POST with the token header on a fresh connection: (status, JSON body).
fn post(addr: &str, path: &str, body: &Value) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.to_string();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nX-Autocode-Token: {TOKEN}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let json = serde_json::from_str(body).unwrap_or(Value::String(body.to_string()));
    (status, json)
}

fn error_of(r: &(u16, Value)) -> String {
    r.1["error"].as_str().unwrap_or_default().to_string()
}

/// Issue #17 item 4: any `code_id` was stored as a human coding (an SQL
/// string became a row of report.csv, a 1.9 MB id inflated the reports).
#[test]
fn decisions_take_only_codes_of_the_codebook_and_capped_fields() {
    let fx = fixture::build();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let seg = fx.seg["xss"];
    let decide = |extra: Value| {
        let mut b =
            json!({"segment_id": seg, "decision": "accept", "reviewer": "rita", "version": 0});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        post(&addr, "/api/decision", &b)
    };

    let junk = "x'); DROP TABLE reviews;--";
    let r = decide(json!({"code_id": junk}));
    assert_eq!(r.0, 400, "{:?}", r.1);
    assert_eq!(
        error_of(&r),
        format!("code_id {junk:?} is not in the latest codebook (version 1) nor suggested for sentence {seg}")
    );
    let r = decide(json!({"code_id": "x".repeat(1_900_000)}));
    assert_eq!(r.0, 400);
    assert_eq!(
        error_of(&r),
        "code_id is 1900000 characters long; at most 200 are accepted"
    );
    let r = decide(json!({"decision": "recode", "code_id": "access", "new_code_id": "nope"}));
    assert_eq!(r.0, 400);
    assert_eq!(
        error_of(&r),
        "code \"nope\" is not in the latest codebook (version 1)"
    );
    let r = decide(json!({"decision": "add", "new_code_id": "é".repeat(201)}));
    assert_eq!(r.0, 400);
    assert_eq!(
        error_of(&r),
        "new_code_id is 201 characters long; at most 200 are accepted"
    );
    let r = decide(json!({"decision": "memo", "memo": "m".repeat(10_001)}));
    assert_eq!(r.0, 400);
    assert_eq!(
        error_of(&r),
        "memo is 10001 characters long; at most 10000 are accepted"
    );
    let r = decide(json!({"decision": "accept".repeat(1000), "code_id": "access"}));
    assert_eq!(r.0, 400);
    assert!(
        error_of(&r).starts_with("decision is 6000 characters long"),
        "{r:?}"
    );
    assert!(fixture::reviews(&fx.path).is_empty());
    assert!(fixture::human_codings(&fx.path).is_empty());

    // Codes of the codebook (suggested here or not) are still taken.
    let r = decide(json!({"code_id": "access"}));
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = decide(json!({"decision": "add", "new_code_id": "delay", "version": 1}));
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(
        fixture::human_codings(&fx.path),
        vec![
            (seg, "access".to_string(), "rita".to_string()),
            (seg, "delay".to_string(), "rita".to_string())
        ]
    );

    // Theme actions cap their names and texts the same way.
    let act = |action: &str, body: Value| {
        let mut b = json!({"reviewer": "rita", "version": 0});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        post(&addr, &format!("/api/themes/{}/{action}", fx.theme_id), &b)
    };
    for (action, field, len, max) in [
        ("accept", "name", 201, 200),
        ("accept", "code_id", 5000, 200),
        ("accept", "parent", 300, 200),
        ("accept", "definition", 10_001, 10_000),
        ("rename", "name", 1_000_000, 200),
    ] {
        let r = act(action, json!({ field: "a".repeat(len) }));
        assert_eq!(r.0, 400, "{action} {field}: {:?}", r.1);
        assert_eq!(
            error_of(&r),
            format!("{field} is {len} characters long; at most {max} are accepted")
        );
    }
    let r = act("accept", json!({"name": "Parking"}));
    assert_eq!(r.0, 200, "{:?}", r.1);
    server.stop().unwrap();
}
