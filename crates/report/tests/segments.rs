//! report_segments.csv: every coded segment the report counts, with its
//! source, coders and the machine's probability and classifier.

mod common;

use std::collections::BTreeMap;

use common::*;
use report::data::CALIBRATION_META;
use report::output::{write_segments_csv, SEGMENTS_COLUMNS};
use report::{build, ProjectData, ReportOptions};

fn rows(
    dir: &std::path::Path,
    data: &ProjectData,
    moderators: bool,
) -> Vec<BTreeMap<String, String>> {
    let out = dir.join(if moderators { "with" } else { "without" });
    std::fs::create_dir_all(&out).unwrap();
    let path = write_segments_csv(data, moderators, &out).unwrap();
    assert_eq!(path, out.join("report_segments.csv"));
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, SEGMENTS_COLUMNS);
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn find<'a>(
    rows: &'a [BTreeMap<String, String>],
    code: &str,
    text: &str,
) -> Option<&'a BTreeMap<String, String>> {
    rows.iter()
        .find(|r| r["code_id"] == code && r["text"] == text)
}

#[test]
fn coded_segments_are_the_counted_codings_with_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    // Ben's lights: a gold coder and a reviewer both give lighting.
    human(&store, BEN_LIGHTS, "lighting", "gold", "Dana");
    human(&store, BEN_LIGHTS, "lighting", "human", "rev");
    store
        .set_meta(
            CALIBRATION_META,
            r#"{"classifier": "knn:abc", "uncalibrated": ["parks"]}"#,
        )
        .unwrap();
    let data = ProjectData::load(&store).unwrap();
    let all = rows(dir.path(), &data, false);

    // Accepted by a reviewer: the reviewer's, with the machine's trace.
    let p = find(&all, "police", ANA_POLICE).expect("accepted police");
    assert_eq!(p["source"], "human");
    assert_eq!(p["coders"], "rev");
    assert_eq!(p["machine_probability"], "0.9000");
    assert_eq!(p["calibrated"], "true");
    assert_eq!(p["classifier"], "knn:abc");
    assert_eq!(p["code_name"], "Police presence");
    assert_eq!(p["parent_id"], "safety");
    assert_eq!(p["participant"], "P1");
    assert_eq!(p["speaker"], "Ana");
    assert_eq!(p["document"], "group1.txt");
    assert_eq!((p["turn"].as_str(), p["sentence"].as_str()), ("1", "0"));
    // Rejected, below threshold, or a moderator's: not listed.
    assert!(find(&all, "police", CAI_PARK).is_none(), "rejected");
    assert!(find(&all, "lighting", ANA_POLICE).is_none(), "not assigned");
    assert!(find(&all, "police", MOD_Q).is_none(), "moderator");
    // Unreviewed machine codings, marked uncalibrated where they are.
    let park = find(&all, "parks", ANA_PARK).unwrap();
    assert_eq!(
        (
            park["source"].as_str(),
            park["coders"].as_str(),
            park["calibrated"].as_str()
        ),
        ("machine", "", "false")
    );
    assert_eq!(park["machine_probability"], "0.8000");
    // One row per sentence and code: the strongest source, every coder.
    let lights: Vec<_> = all
        .iter()
        .filter(|r| r["code_id"] == "lighting" && r["text"] == BEN_LIGHTS)
        .collect();
    assert_eq!(lights.len(), 1);
    assert_eq!(lights[0]["source"], "gold");
    assert_eq!(lights[0]["coders"], "Dana; rev");
    assert_eq!(lights[0]["machine_probability"], "0.7000");
    // Code by code in codebook order, then document order.
    let order: Vec<(&str, &str)> = all
        .iter()
        .map(|r| (r["code_id"].as_str(), r["text"].as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("police", ANA_POLICE),
            ("lighting", BEN_LIGHTS),
            ("parks", ANA_PARK),
            ("parks", CAI_PARK),
        ]
    );
    // The rows are what the report counts: per code given directly (no
    // children here but safety's), its sentences.
    let report = build(&store, &ReportOptions::default()).unwrap();
    for c in report.codes.iter().filter(|c| c.code_id != "safety") {
        let n = all.iter().filter(|r| r["code_id"] == c.code_id).count();
        assert_eq!(n as u64, c.sentences, "{}", c.code_id);
    }

    // With moderators, the moderator's machine coding too.
    let with = rows(dir.path(), &data, true);
    let q = find(&with, "police", MOD_Q).expect("moderator's coding");
    assert_eq!(
        (q["participant"].as_str(), q["source"].as_str()),
        ("M", "machine")
    );
    assert_eq!(with.len(), all.len() + 1);

    // Same store, same bytes.
    let again = dir.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let p2 = write_segments_csv(&data, false, &again).unwrap();
    assert_eq!(
        std::fs::read(p2).unwrap(),
        std::fs::read(dir.path().join("without/report_segments.csv")).unwrap()
    );
}

/// A gold coding a reviewer rejected later is counted absent by the
/// report: the segments table (and the REFI-QDA export, which lists the
/// same codings) leaves it out, as it does a rejected human one.
#[test]
fn a_gold_coding_a_reviewer_rejected_is_not_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    human(&store, ANA_PARK, "lighting", "gold", "Dana");
    human(&store, BEN_LIGHTS, "lighting", "gold", "Dana");
    review(&store, BEN_LIGHTS, "lighting", "reject", "rev");
    let data = ProjectData::load(&store).unwrap();
    let all = rows(dir.path(), &data, false);
    assert!(find(&all, "lighting", ANA_PARK).is_some(), "gold kept");
    assert!(
        find(&all, "lighting", BEN_LIGHTS).is_none(),
        "rejected gold"
    );
    let report = build(&store, &ReportOptions::default()).unwrap();
    let lighting = report
        .codes
        .iter()
        .find(|c| c.code_id == "lighting")
        .unwrap();
    assert_eq!(lighting.sentences, 1);
    assert_eq!(
        data.given_codings(false)
            .iter()
            .filter(|g| g.code_id == "lighting")
            .count(),
        1
    );
}

/// A person's coding of a child code (an accepted suggestion) settles its
/// parent as given; the machine's parent coding of that sentence is no row
/// of its own in the segments table and the REFI-QDA export: the person's
/// child row holds it, as report.csv's `codings` counts it and as a
/// project coded by people alone has it (hf/02; until 2026-12-06 the
/// machine's row stayed, an unreviewed machine coding the report said did
/// not exist).
#[test]
fn a_parent_a_persons_child_coding_gives_has_no_machine_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    machine(&store, BEN_LIGHTS, "safety", 0.8, true);
    machine(&store, BEN_LIGHTS, "lighting", 0.7, true);
    human(&store, BEN_LIGHTS, "lighting", "human", "rev");
    let data = ProjectData::load(&store).unwrap();
    let all = rows(dir.path(), &data, false);
    assert!(find(&all, "safety", BEN_LIGHTS).is_none(), "no parent row");
    assert!(find(&all, "lighting", BEN_LIGHTS).is_some(), "child kept");
    for accepted_only in [false, true] {
        let safety: Vec<_> = data
            .given_codings(accepted_only)
            .into_iter()
            .filter(|g| g.code_id == "safety" && g.segment.text == BEN_LIGHTS)
            .map(|g| g.source)
            .collect();
        assert!(safety.is_empty(), "accepted_only {accepted_only}");
    }
    // A person who coded the parent too: their row, not the machine's.
    human(&store, BEN_LIGHTS, "safety", "human", "rev");
    let data = ProjectData::load(&store).unwrap();
    let safety: Vec<_> = data
        .given_codings(false)
        .into_iter()
        .filter(|g| g.code_id == "safety" && g.segment.text == BEN_LIGHTS)
        .map(|g| g.source)
        .collect();
    assert_eq!(safety, vec![report::data::Source::Human]);
}
