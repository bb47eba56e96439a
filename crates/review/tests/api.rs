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
        audit: false,
        report_data: None,
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
        format!("code_id {junk:?} is not in the codebook in use (version 1) nor suggested for sentence {seg}")
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
        "code \"nope\" is not in the codebook in use (version 1)"
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
    let kept = || -> Vec<i64> {
        let store = store::Store::open(&fx.path).unwrap();
        let mut stmt = store
            .conn()
            .prepare("SELECT segment_id FROM theme_members WHERE theme_id = ?1 ORDER BY 1")
            .unwrap();
        let rows = stmt.query_map([fx.theme_id], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    assert!(kept().is_empty(), "members are kept only once decided on");
    let r = act("accept", json!({"name": "Parking"}));
    assert_eq!(r.0, 200, "{:?}", r.1);
    // The accepted theme keeps its members past its run's inputs.
    let mut members = vec![fx.seg["parking"], fx.seg["costs"]];
    members.sort_unstable();
    assert_eq!(kept(), members);
    server.stop().unwrap();
}

/// One GET with the token header on a fresh connection: (status, JSON body).
fn get(addr: &str, path: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nX-Autocode-Token: {TOKEN}\r\n\r\n"
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

/// Every object key and every number in `v`.
fn keys_and_numbers(v: &Value, keys: &mut Vec<String>, numbers: &mut Vec<f64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                keys.push(k.clone());
                keys_and_numbers(x, keys, numbers);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys_and_numbers(x, keys, numbers)),
        Value::Number(n) => numbers.push(n.as_f64().unwrap()),
        _ => {}
    }
}

/// Draws an audit sample of all eight participants, in a fixed order.
fn audit_fixture() -> fixture::Fixture {
    let fx = fixture::build_audit();
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

/// Issue #14: the Audit tab is blind. What it receives names the sentences
/// and the sample, never a machine code, score or probability.
#[test]
fn audit_items_carry_no_machine_suggestion_or_score() {
    let fx = audit_fixture();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let machine: Vec<f64> = {
        let store = store::Store::open(&fx.path).unwrap();
        let mut stmt = store
            .conn()
            .prepare("SELECT confidence FROM codings WHERE source = 'machine'")
            .unwrap();
        let v = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        v
    };
    assert!(machine.contains(&0.85) && machine.contains(&0.56));
    let overview = get(&addr, "/api/audit");
    assert_eq!(overview.0, 200, "{:?}", overview.1);
    assert_eq!(overview.1["sample"]["size"], 8);
    assert_eq!(
        overview.1["units"][0]["key"], "P5",
        "the sample's seeded order"
    );
    let mut answers = vec![overview.1];
    for position in 0..8 {
        let r = get(&addr, &format!("/api/audit/unit/{position}"));
        assert_eq!(r.0, 200, "{:?}", r.1);
        answers.push(r.1);
    }
    assert_eq!(answers[1]["key"], "P5");
    assert_eq!(answers[1]["sentences"].as_array().unwrap().len(), 2);
    assert_eq!(
        answers[1]["sentences"][0]["text"],
        "I cannot get my wheelchair onto the tram."
    );
    for a in &answers {
        let (mut keys, mut numbers) = (Vec::new(), Vec::new());
        keys_and_numbers(a, &mut keys, &mut numbers);
        for bad in [
            "confidence",
            "suggestions",
            "probability",
            "assigned",
            "score",
            "machine",
            "calibrated",
            "code_id",
        ] {
            assert!(!keys.iter().any(|k| k == bad), "{bad} in {a}");
        }
        for n in numbers {
            assert!(
                n.fract() == 0.0 && !machine.contains(&n),
                "a machine figure {n} in {a}"
            );
        }
        let text = a.to_string();
        assert!(!text.contains("test-classifier") && !text.contains("test-model"));
    }
    // Nothing is coded yet: no unit shows codes.
    assert!(answers[1]["sentences"][0]["codes"].is_null());
    assert_eq!(get(&addr, "/api/audit/unit/8").0, 404);
}

/// hq/03: a survey respondent's audit unit showed "My colleagues." and "The
/// pay." without the questions they answer (like most, like least), so the
/// coder could not tell praise from complaint. Each sentence now carries
/// the question of its turn, as the queue's item view shows it; a focus
/// group's sentences, after a moderator who asks no survey question, carry
/// none. Still nothing the machine said.
#[test]
fn audit_units_give_each_survey_answer_its_question() {
    let fx = fixture::build_survey_audit();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let r = get(&addr, "/api/audit/unit/0");
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["key"], "R_1");
    let asked: Vec<(&str, &str)> = r.1["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["text"].as_str().unwrap(), s["question"].as_str().unwrap()))
        .collect();
    assert_eq!(
        asked,
        [
            ("My colleagues.", fixture::SURVEY_QUESTIONS[0]),
            ("The pay.", fixture::SURVEY_QUESTIONS[1]),
        ]
    );
    // The item view reads the same question for the same sentence.
    let pay = r.1["sentences"][1]["segment_id"].as_i64().unwrap();
    let item = get(&addr, &format!("/api/item/{pay}")).1;
    assert!(
        item["context"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["text"] == fixture::SURVEY_QUESTIONS[1]),
        "{item}"
    );
    let mut keys = Vec::new();
    keys_and_numbers(&r.1, &mut keys, &mut Vec::new());
    for bad in ["confidence", "suggestions", "assigned", "code_id"] {
        assert!(!keys.iter().any(|k| k == bad), "{bad} in {}", r.1);
    }

    let focus_group = get(&addr, "/api/audit/unit/1").1;
    assert_eq!(focus_group["key"], "P1");
    let sentences = focus_group["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 3);
    assert!(
        sentences.iter().all(|s| s["question"].is_null()),
        "{focus_group}"
    );
}

/// Blind audit codings take only codes of the codebook, cover the whole
/// unit, and are refused when the sample changed since the page loaded.
#[test]
fn audit_codings_take_only_codebook_codes_and_whole_units() {
    let fx = audit_fixture();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let unit = get(&addr, "/api/audit/unit/0").1;
    let ids: Vec<i64> = unit["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment_id"].as_i64().unwrap())
        .collect();
    let submit = |codes0: Value, extra: Value| {
        let mut b = json!({"position": 0, "key": "P5", "reviewer": "rita",
                           "sentences": [{"segment_id": ids[0], "codes": codes0},
                                         {"segment_id": ids[1], "codes": []}]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        post(&addr, "/api/audit/code", &b)
    };
    let junk = "x'); DROP TABLE codings;--";
    let r = submit(json!([junk]), json!({}));
    assert_eq!(r.0, 400, "{:?}", r.1);
    assert_eq!(
        error_of(&r),
        format!("sentences[0].codes[0]: code {junk:?} is not in the codebook in use (version 1)")
    );
    // A code the machine suggested elsewhere but not in the codebook: refused too.
    let r = submit(json!(["x".repeat(5000)]), json!({}));
    assert_eq!(r.0, 400);
    assert_eq!(
        error_of(&r),
        "sentences[0].codes[0] is 5000 characters long; at most 200 are accepted"
    );
    let r = submit(json!(["access"]), json!({"reviewer": ""}));
    assert_eq!(r.0, 400);
    let r = submit(
        json!(["access"]),
        json!({"sentences": [{"segment_id": ids[0], "codes": ["access"]}]}),
    );
    assert_eq!(r.0, 400);
    assert!(
        error_of(&r).contains("is missing: a unit is coded whole"),
        "{r:?}"
    );
    let other = fx.seg["xss"];
    let r = submit(
        json!(["access"]),
        json!({"sentences": [{"segment_id": ids[0], "codes": ["access"]},
                             {"segment_id": ids[1], "codes": []},
                             {"segment_id": other, "codes": []}]}),
    );
    assert_eq!(r.0, 400);
    assert_eq!(
        error_of(&r),
        format!("sentences[2]: sentence {other} is not part of unit \"P5\"")
    );
    let r = submit(json!(["access"]), json!({"key": "P1"}));
    assert_eq!(r.0, 409, "{:?}", r.1);
    // A page that loaded an older codebook than the one in use: refused,
    // with the version to reload (its codes had no box for a newer code).
    let meta = get(&addr, "/api/meta").1;
    let version = meta["codebook"]["version"].as_i64().unwrap();
    let r = submit(json!(["access"]), json!({"codebook_version": version - 1}));
    assert_eq!(r.0, 409, "{:?}", r.1);
    assert_eq!(r.1["codebook_version"], version);
    assert!(
        error_of(&r).starts_with(&format!(
            "the codebook changed since this page loaded (version {}, now {version})",
            version - 1
        )),
        "{r:?}"
    );
    // A sentence that reads otherwise than the page showed it (a re-ingest
    // gave its id to another sentence): refused, naming it (hc/01).
    let shown = unit["sentences"][0]["text"].as_str().unwrap().to_string();
    let r = submit(
        json!(["access"]),
        json!({"sentences": [{"segment_id": ids[0], "codes": ["access"], "text": "Sorry, can you repeat that?"},
                             {"segment_id": ids[1], "codes": []}]}),
    );
    assert_eq!(r.0, 409, "{:?}", r.1);
    assert!(
        error_of(&r).starts_with(&format!(
            "sentence {} of unit \"P5\" changed since the page showed it",
            ids[0]
        )),
        "{r:?}"
    );
    // Nothing refused was stored.
    let store = store::Store::open(&fx.path).unwrap();
    assert!(store.gold_segments().unwrap().is_empty());
    drop(store);

    let r = submit(
        json!(["access", "delay"]),
        json!({"codebook_version": version,
               "sentences": [{"segment_id": ids[0], "codes": ["access", "delay"], "text": shown},
                             {"segment_id": ids[1], "codes": []}]}),
    );
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(
        (r.1["sentences"].as_i64(), r.1["codings"].as_i64()),
        (Some(2), Some(2))
    );
    let store = store::Store::open(&fx.path).unwrap();
    let gold = store.gold_codings_of(&ids).unwrap();
    assert_eq!(gold[&ids[0]].codes.len(), 2);
    assert!(
        gold[&ids[1]].codes.is_empty(),
        "the second: no code applies"
    );
    assert_eq!(gold[&ids[0]].coders.iter().collect::<Vec<_>>(), ["rita"]);
    drop(store);
    // Review-queue decisions are not gold: they never make a unit audited,
    // even when they decide every sentence of it (P2 has one).
    let r = post(
        &addr,
        "/api/decision",
        &json!({"segment_id": fx.seg["xss"], "code_id": "access", "decision": "accept",
                "reviewer": "rita", "version": 0}),
    );
    assert_eq!(r.0, 200, "{:?}", r.1);
    let overview = get(&addr, "/api/audit").1;
    assert_eq!(overview["sample"]["audited"], 1);
    assert_eq!(overview["units"][0]["audited"], true);
    assert_eq!(overview["units"][3]["key"], "P2");
    assert_eq!(overview["units"][3]["audited"], false);
    // The Progress tab's narrowing: the report's estimator with 0, then 1
    // audited unit.
    let n = get(&addr, "/api/audit/narrowing");
    assert_eq!(n.0, 200, "{:?}", n.1);
    assert_eq!(n.1["points"], json!([0, 1]));
    assert_eq!(n.1["quantity"], "participants");
    let codes = n.1["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 3, "{}", n.1);
    for c in codes {
        assert_eq!(c["points"][0]["method"], "model-only", "{c}");
        assert_eq!(c["points"][1]["audited"], 1, "{c}");
        assert_ne!(c["points"][1]["method"], "model-only", "{c}");
    }
    let shown = get(&addr, "/api/audit/unit/0").1;
    assert_eq!(shown["audited"], true);
    assert_eq!(shown["sentences"][0]["codes"], json!(["access", "delay"]));
    assert_eq!(shown["sentences"][1]["codes"], json!([]));
}

#[test]
fn without_an_audit_sample_the_tab_says_how_to_draw_one() {
    let fx = fixture::build();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let r = get(&addr, "/api/audit");
    assert_eq!(r.0, 200);
    assert!(r.1["sample"].is_null());
    assert!(r.1["hint"]
        .as_str()
        .unwrap()
        .contains("autocode audit draw --size N"));
    let n = get(&addr, "/api/audit/narrowing");
    assert_eq!(n.0, 200, "{:?}", n.1);
    assert!(n.1["sample"].is_null());
    let r = post(
        &addr,
        "/api/audit/code",
        &json!({"position": 0, "key": "P1", "reviewer": "rita", "sentences": []}),
    );
    assert_eq!(r.0, 400);
}

/// An item's context holds the question its turn answers even where it is
/// further back than the two turns shown around it (a survey's answers
/// follow their question by every answer before theirs); once, where it
/// is among them.
#[test]
fn an_items_context_holds_the_question_its_turn_answers() {
    let fx = fixture::build();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let turns = |key: &str| -> Vec<(i64, bool, String)> {
        let (status, item) = get(&addr, &format!("/api/item/{}", fx.seg[key]));
        assert_eq!(status, 200, "{item}");
        item["context"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let text = t["text"]
                    .as_str()
                    .or(t["sentence"].as_str())
                    .unwrap_or_default()
                    .to_string();
                (
                    t["turn_index"].as_i64().unwrap(),
                    t["is_moderator"] == json!(true),
                    text,
                )
            })
            .collect()
    };
    // "Parking in town is impossible." is turn 3; turns 1–5 are shown, and
    // the moderator's question, turn 0, before them.
    let parking = turns("parking");
    assert_eq!(
        parking.iter().map(|t| t.0).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert!(parking[0].1, "{parking:?}");
    assert_eq!(parking[0].2, "What do you think about the buses?");
    // Turn 1 has the question among its neighbours: it is shown once.
    let late = turns("late");
    assert_eq!(late.iter().map(|t| t.0).collect::<Vec<_>>(), [0, 1, 2, 3]);
}

/// "No code" on a sentence, then one of its codes accepted after all: the
/// sentence's other suggestions stay decided (absent), in the queue as in
/// the report, which counts them rejected. Before, accepting lifted the
/// "no code" mark and the queue offered them again.
#[test]
fn no_code_then_one_code_keeps_the_other_suggestions_decided() {
    let fx = fixture::build();
    let seg = fx.seg["late"];
    // Two suggestions on the sentence: "cost" raised above the page's floor.
    store::Store::open(&fx.path)
        .unwrap()
        .conn()
        .execute(
            "UPDATE codings SET confidence = 0.3 WHERE segment_id = ?1 AND code_id = 'cost'",
            [seg],
        )
        .unwrap();
    let server = serve(&fx.path);
    let addr = server.addr().to_string();
    let open_codes = || -> Vec<String> {
        let (status, v) = get(&addr, "/api/queue?status=open&limit=5000");
        assert_eq!(status, 200, "{v}");
        let mut codes: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["segment_id"].as_i64() == Some(seg))
            .map(|i| i["code_id"].as_str().unwrap().to_string())
            .collect();
        codes.sort();
        codes
    };
    assert_eq!(open_codes(), vec!["cost", "delay"]);
    let decide = |decision: &str, version: i64| {
        let r = post(
            &addr,
            "/api/decision",
            &json!({"segment_id": seg, "code_id": "delay", "decision": decision,
                    "reviewer": "rita", "version": version}),
        );
        assert_eq!(r.0, 200, "{:?}", r.1);
    };
    decide("none", 0);
    assert!(open_codes().is_empty());
    decide("accept", 1);
    assert!(open_codes().is_empty(), "{:?}", open_codes());
    let (_, reviewed) = get(&addr, "/api/queue?status=reviewed&limit=5000");
    let mut decided: Vec<&str> = reviewed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["segment_id"].as_i64() == Some(seg))
        .map(|i| i["code_id"].as_str().unwrap())
        .collect();
    decided.sort();
    assert_eq!(decided, vec!["cost", "delay"]);
    assert_eq!(fixture::human_codings(&fx.path).len(), 1);
    server.stop().unwrap();
}

/// hs/01: a retrain a stopped server left `running` (its thread died with
/// the server) is ended as failed, with why, when a server starts on the
/// store: the page polled "running" forever.
#[test]
fn a_retrain_a_stopped_server_left_running_is_ended_as_interrupted() {
    let fx = fixture::build();
    {
        let store = store::Store::open(&fx.path).unwrap();
        store::add_retrain_request(store.conn(), "rita", 0, "running").unwrap();
    }
    let server = serve(&fx.path);
    let (status, body) = get(&server.addr().to_string(), "/api/retrain");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["latest"]["status"], json!("failed"), "{body}");
    assert!(
        body["latest"]["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("interrupted: the review server stopped before the retrain finished"),
        "{body}"
    );
}
