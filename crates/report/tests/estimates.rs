//! The report's estimates from a document audit sample where a participant
//! speaks in several documents (a panel's repeat interviews).

mod common;

use common::*;
use report::ppi::Method;
use report::{build, ReportOptions};

/// Ana speaks in group1.txt and in a second interview, group3.txt; people
/// coded every sentence of the three documents, the audit sample. She
/// mentions parks in both: the census counts her once (Ana and Cai, 2),
/// not once per document (3). With one document left out of the sample,
/// the participants' figure is the machine's, with no interval claimed
/// (the sentences' estimate keeps its interval: sentences nest in
/// documents).
#[test]
fn a_document_sample_counts_a_participant_in_two_documents_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    store
        .put_document(&document(
            "group3.txt",
            &[SpeakerTurn {
                speaker: "Ana",
                participant: Some("P1"),
                moderator: false,
                sentences: &["We walk in the park on Sundays."],
            }],
            "\n",
        ))
        .unwrap();
    for text in [
        ANA_POLICE,
        ANA_PARK,
        BEN_LIGHTS,
        CAI_SCRIPT,
        CAI_PARK,
        "We walk in the park on Sundays.",
    ] {
        machine(&store, text, "parks", 0.5, true);
    }
    human(&store, ANA_PARK, "parks", "gold", "g");
    human(&store, CAI_PARK, "parks", "gold", "g");
    human(
        &store,
        "We walk in the park on Sundays.",
        "parks",
        "gold",
        "g",
    );
    for text in [ANA_POLICE, BEN_LIGHTS, CAI_SCRIPT] {
        human(&store, text, "police", "gold", "g");
    }
    let all: Vec<String> = ["group1.txt", "group2.txt", "group3.txt"]
        .map(String::from)
        .to_vec();
    store
        .put_audit_sample("document", "draw", Some(1), 3, &all)
        .unwrap();
    let parks = |store: &store::Store| {
        let report = build(store, &ReportOptions::default()).unwrap();
        let c = report
            .codes
            .iter()
            .find(|c| c.code_id == "parks")
            .unwrap()
            .clone();
        c
    };
    let census = parks(&store).estimates;
    assert_eq!(census.participants.method, Method::Census);
    assert_eq!(census.participants.estimate, 2.0);
    assert_eq!(census.sentences.estimate, 3.0);

    store
        .put_audit_sample("document", "draw", Some(2), 3, &all[..2])
        .unwrap();
    let partial = parks(&store).estimates;
    assert_eq!(partial.participants.method, Method::ModelOnly);
    assert_eq!(partial.participants.low, None);
    assert_ne!(partial.sentences.method, Method::ModelOnly);
}

/// People coded some sentences, no classifier ever ran and no sample was
/// audited: the figure is the count people coded, a lower bound named as
/// such, not a "model-only" 0 beside a participant people coded.
#[test]
fn without_a_machine_or_an_audit_the_figure_is_what_people_coded() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    human(&store, ANA_PARK, "parks", "gold", "g");
    human(&store, CAI_PARK, "parks", "gold", "g");
    human(&store, "The park is lovely.", "police", "human", "rev");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let parks = report.codes.iter().find(|c| c.code_id == "parks").unwrap();
    let e = &parks.estimates;
    assert_eq!(e.participants.method, Method::PeopleCoded);
    assert_eq!((e.participants.estimate, e.participants.low), (2.0, None));
    assert_eq!(e.sentences.estimate, 2.0);
    assert!(!e.calibrated);
    let legend = report::output::estimate_legend(&report);
    assert!(
        legend.contains("people-coded: no classifier codes the code (none has coded the corpus"),
        "{legend}"
    );
}

/// A code people coded that the codebook in use no longer has (renamed or
/// dropped in a revision) is coded by no machine: its figure is what
/// people coded, named so, beside the machine's codes. Before, a
/// calibrated "model-only" 0 stood beside its 2 participants.
#[test]
fn a_code_the_codebook_dropped_is_what_people_coded() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    machine(&store, ANA_PARK, "parks", 0.8, true);
    human(&store, ANA_PARK, "tools", "human", "rev");
    human(&store, CAI_PARK, "tools", "human", "rev");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let tools = report.codes.iter().find(|c| c.code_id == "tools").unwrap();
    assert!(!tools.in_codebook);
    let e = &tools.estimates;
    assert_eq!(e.participants.method, Method::PeopleCoded);
    assert_eq!((e.participants.estimate, e.participants.low), (2.0, None));
    assert!(!e.calibrated);
    let parks = report.codes.iter().find(|c| c.code_id == "parks").unwrap();
    assert_eq!(parks.estimates.participants.method, Method::ModelOnly);
}

/// Without an audit sample, the machine's figure counts what people
/// confirmed as known: two participants a reviewer coded with a code the
/// machine gave them little chance of make the estimate at least 2, the
/// sentences at least theirs (hk/02: 1.46 beside 3 counted).
#[test]
fn a_model_only_figure_counts_what_people_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    machine(&store, ANA_PARK, "parks", 0.1, false);
    machine(&store, CAI_PARK, "parks", 0.1, false);
    machine(&store, BEN_LIGHTS, "parks", 0.3, false);
    human(&store, ANA_PARK, "parks", "human", "rev");
    human(&store, CAI_PARK, "parks", "human", "rev");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let parks = report.codes.iter().find(|c| c.code_id == "parks").unwrap();
    let e = &parks.estimates;
    assert_eq!(e.participants.method, Method::ModelOnly);
    assert!(
        (e.participants.estimate - 2.3).abs() < 1e-9,
        "{:?}",
        e.participants
    );
    assert!(
        (e.sentences.estimate - 2.3).abs() < 1e-9,
        "{:?}",
        e.sentences
    );
}

/// Without an audit sample, what people rejected is known too: a
/// reviewer who rejects every machine coding of Ana's takes her out of the
/// figure, as out of `expected_participants` (hn/01: she still counted
/// 0.78, the estimate 2.76 beside 1.98).
#[test]
fn a_model_only_figure_counts_what_people_rejected_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    machine(&store, ANA_PARK, "parks", 0.6, true);
    machine(&store, ANA_POLICE, "parks", 0.5, true);
    machine(&store, CAI_PARK, "parks", 0.7, true);
    machine(&store, BEN_LIGHTS, "parks", 0.2, false);
    let parks = |store: &store::Store| {
        let report = build(store, &ReportOptions::default()).unwrap();
        let c = report
            .codes
            .iter()
            .find(|c| c.code_id == "parks")
            .unwrap()
            .clone();
        c
    };
    // Ana 1 − 0.4 × 0.5 = 0.8, Cai 0.7, Ben 0.2.
    let before = parks(&store).estimates;
    assert!(
        (before.participants.estimate - 1.7).abs() < 1e-9,
        "{before:?}"
    );
    assert!((before.sentences.estimate - 2.0).abs() < 1e-9, "{before:?}");
    review(&store, ANA_PARK, "parks", "reject", "rev");
    review(&store, ANA_POLICE, "parks", "reject", "rev");
    let after = parks(&store);
    assert_eq!(after.estimates.participants.method, Method::ModelOnly);
    assert!(
        (after.estimates.participants.estimate - 0.9).abs() < 1e-9,
        "{:?}",
        after.estimates
    );
    assert!(
        (after.estimates.sentences.estimate - 0.9).abs() < 1e-9,
        "{:?}",
        after.estimates
    );
}

/// A participant sample that missed a whole group (Cai, group B): the
/// sample says nothing about B, so its figure is the machine's, named
/// model-only with no interval; the audited group A is the sample's
/// (hq/02: B read "prediction-powered 0 [0–3]" beside members the machine
/// counted).
#[test]
fn a_group_the_audit_sample_missed_is_the_machines_figure() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path(), "\n");
    machine(&store, ANA_PARK, "parks", 0.8, true);
    machine(&store, ANA_POLICE, "parks", 0.1, false);
    machine(&store, BEN_LIGHTS, "parks", 0.1, false);
    machine(&store, CAI_PARK, "parks", 0.9, true);
    machine(&store, CAI_SCRIPT, "parks", 0.1, false);
    human(&store, ANA_PARK, "parks", "gold", "g");
    human(&store, ANA_POLICE, "police", "gold", "g");
    human(&store, BEN_LIGHTS, "police", "gold", "g");
    let audited: Vec<String> = ["P1", "P2"].map(String::from).to_vec();
    store
        .put_audit_sample("participant", "draw", Some(1), 3, &audited)
        .unwrap();
    let report = build(&store, &ReportOptions::default()).unwrap();
    let parks = report.codes.iter().find(|c| c.code_id == "parks").unwrap();
    let groups = &parks.estimates.by_attribute["group"];
    let b = &groups["B"];
    assert_eq!(b.method, Method::ModelOnly, "{b:?}");
    assert!((b.estimate - (1.0 - 0.1 * 0.9)).abs() < 1e-6, "{b:?}");
    assert_eq!((b.low, b.high, b.audited), (None, None, 0));
    // Group A, every member audited: the sample's count, exact.
    let a = &groups["A"];
    assert_eq!(
        (a.estimate, a.low, a.high),
        (1.0, Some(1.0), Some(1.0)),
        "{a:?}"
    );
}

/// A classifier ran (its calibration record is there) but a re-ingest took
/// its codings (a survey export replaced whole): not "people-coded", which
/// says no classifier ran; the machine's figure until `code` runs again.
#[test]
fn a_classifier_whose_codings_a_reingest_took_is_not_called_absent() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    human(&store, ANA_PARK, "parks", "gold", "g");
    store
        .set_meta(
            report::data::CALIBRATION_META,
            r#"{"classifier": "auto:abc", "uncalibrated": []}"#,
        )
        .unwrap();
    let report = build(&store, &ReportOptions::default()).unwrap();
    let parks = report.codes.iter().find(|c| c.code_id == "parks").unwrap();
    assert_eq!(parks.estimates.participants.method, Method::ModelOnly);
}

/// People coded the audit sample (every document, a census) under
/// codebook version 1, which had no "lighting"; version 2 added it, and
/// the machine codes it on Ben's sentence. The audit judged every other
/// code but never "lighting", nor "safety" above it: those fall back to
/// the machine's figure (no interval), the machine's "lighting" is not
/// counted as rejected, and the gold coder's agreement leaves it out.
/// Coded again under version 2, the census judges it.
#[test]
fn an_audit_coded_before_a_code_existed_does_not_judge_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, labels_v2) = audited_before_lighting(dir.path());
    let report = build(&store, &ReportOptions::default()).unwrap();
    let code =
        |r: &report::Report, id: &str| r.codes.iter().find(|c| c.code_id == id).unwrap().clone();
    let lighting = code(&report, "lighting");
    assert_eq!(lighting.rejected, 0);
    assert_eq!(lighting.estimates.audit_predates, ["lighting"]);
    assert_eq!(lighting.estimates.participants.method, Method::ModelOnly);
    assert_eq!(lighting.estimates.participants.low, None);
    // Safety's figure counts lighting's mentions: the machine's too.
    let safety = code(&report, "safety");
    assert_eq!(safety.estimates.audit_predates, ["lighting"]);
    assert_eq!(safety.estimates.participants.method, Method::ModelOnly);
    let parks = code(&report, "parks");
    assert!(parks.estimates.audit_predates.is_empty());
    assert_eq!(parks.estimates.participants.method, Method::Census);
    assert_eq!(parks.estimates.participants.estimate, 2.0);
    let gold_pair = report
        .agreement
        .pairs
        .iter()
        .find(|p| p.coder_a == "gold:g" || p.coder_b == "gold:g")
        .expect("machine vs gold:g");
    assert!(
        gold_pair.codes.iter().all(|c| c.code_id != "lighting"),
        "{:?}",
        gold_pair
            .codes
            .iter()
            .map(|c| &c.code_id)
            .collect::<Vec<_>>()
    );
    assert!(gold_pair.codes.iter().any(|c| c.code_id == "parks"));

    // Coded again under version 2: Ben's broken lights are lighting.
    store.put_gold_codings("g", Some(2), &labels_v2).unwrap();
    let report = build(&store, &ReportOptions::default()).unwrap();
    let lighting = code(&report, "lighting");
    assert!(lighting.estimates.audit_predates.is_empty());
    assert_eq!(lighting.estimates.participants.method, Method::Census);
    assert_eq!(lighting.estimates.participants.estimate, 1.0);
}

/// Rev marked Ben's sentence "no code" on 2026-01-01, under version 1;
/// "lighting" came with version 2 a day later, under "safety", and the
/// machine gives it there. The "no code" judged safety absent, and a child
/// is its parent's code: lighting is absent with it, the machine's coding
/// rejected (hr/01: a sub-code added under a parent reopened the parent
/// on every "no code" sentence). The police suggestion it judged is
/// rejected too. Moved to the top of the codebook (version 3), lighting is
/// a code the decision never judged: the machine's coding counts.
#[test]
fn a_no_code_decision_judges_codes_added_below_a_code_it_judged() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    add_lighting_later(&store);
    machine(&store, BEN_LIGHTS, "lighting", 0.7, true);
    machine(&store, BEN_LIGHTS, "police", 0.6, true);
    review(&store, BEN_LIGHTS, "police", "none", "rev");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let code = |id: &str| {
        report
            .codes
            .iter()
            .find(|c| c.code_id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (code("lighting").participants, code("lighting").rejected),
        (0, 1)
    );
    assert_eq!(
        (code("police").participants, code("police").rejected),
        (0, 1)
    );
    assert_eq!(code("safety").participants, 0);

    let top_level = CODEBOOK.replace(
        r#"{"id": "lighting", "name": "Street lighting", "parent": "safety"}"#,
        r#"{"id": "lighting", "name": "Street lighting"}"#,
    );
    assert_ne!(top_level, CODEBOOK);
    put_version_in_use(&store, 3, &top_level, Some(2), "2026-01-03T00:00:00Z");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let lighting = report
        .codes
        .iter()
        .find(|c| c.code_id == "lighting")
        .unwrap();
    assert_eq!((lighting.participants, lighting.rejected), (1, 0));
}

/// A reviewer rejects "safety" on Ben's sentence: its child "lighting",
/// which the machine gives there, is absent with it (a child is its
/// parent's code), in the counts and as a rejected machine coding. Before,
/// the machine's child brought the sentence back under the parent the
/// reviewer rejected (hr/04).
#[test]
fn a_rejected_code_is_absent_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    machine(&store, BEN_LIGHTS, "lighting", 0.7, true);
    machine(&store, BEN_LIGHTS, "safety", 0.7, true);
    let report = build(&store, &ReportOptions::default()).unwrap();
    let safety = report.codes.iter().find(|c| c.code_id == "safety").unwrap();
    assert_eq!(safety.participants, 1);
    review(&store, BEN_LIGHTS, "safety", "reject", "rev");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let code = |id: &str| report.codes.iter().find(|c| c.code_id == id).unwrap();
    assert_eq!(
        (code("safety").participants, code("lighting").participants),
        (0, 0)
    );
    assert_eq!(code("lighting").rejected, 1);
    // A later "add" of the child gives it back, and its parent with it.
    review(&store, BEN_LIGHTS, "lighting", "add", "rev");
    let report = build(&store, &ReportOptions::default()).unwrap();
    let code = |id: &str| report.codes.iter().find(|c| c.code_id == id).unwrap();
    assert_eq!(
        (code("safety").participants, code("lighting").participants),
        (1, 1)
    );
}

/// People coded every sentence blind (gold, a census): parks is Ana's and
/// Cai's. A reviewer later accepts parks on Ben's sentence in the queue,
/// and a second coder's project, imported as human, gives parks to Ana's
/// police sentence. The census stays the gold's 2 (hT/01: the review
/// moved a blind audit's estimate, and a census reported two coders
/// together); the report's given codings count the decision as before.
#[test]
fn a_review_decision_does_not_rewrite_the_blind_audit() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, labels_v2) = audited_before_lighting(dir.path());
    store.put_gold_codings("g", Some(2), &labels_v2).unwrap();
    let parks = |store: &store::Store| {
        let report = build(store, &ReportOptions::default()).unwrap();
        report
            .codes
            .iter()
            .find(|c| c.code_id == "parks")
            .unwrap()
            .clone()
    };
    let before = parks(&store);
    assert_eq!(before.estimates.participants.method, Method::Census);
    assert_eq!(before.estimates.participants.estimate, 2.0);
    assert_eq!(before.estimates.sentences.estimate, 2.0);

    review(&store, BEN_LIGHTS, "parks", "add", "rev");
    human(&store, ANA_POLICE, "parks", "human", "second");
    let after = parks(&store);
    assert_eq!(after.estimates.participants.method, Method::Census);
    assert_eq!(after.estimates.participants.estimate, 2.0);
    assert_eq!(after.estimates.sentences.estimate, 2.0);
    // The decisions are still what people gave: Ben counts among the
    // participants with a parks coding.
    assert_eq!((before.participants, after.participants), (2, 3));
}

/// A changed codebook file approved after the last `code` run starts a new
/// line of versions: the run's machine codings (of the old line) count for
/// nothing until `code` runs again, and the sentences read as not coded
/// (hf/01: a dropped id kept its old count beside its corrected id at 0).
/// People's codings stay.
#[test]
fn a_codebook_file_approved_since_the_last_run_does_not_count_its_codings() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    let before = build(&store, &ReportOptions::default()).unwrap();
    let count = |r: &report::Report, id: &str| {
        r.codes
            .iter()
            .find(|c| c.code_id == id)
            .map_or(0, |c| c.participants)
    };
    assert_eq!(count(&before, "parks"), 2, "the machine's, under version 1");
    let v2 = CODEBOOK.replace("Green & open spaces", "Green and open spaces");
    put_version_in_use(&store, 2, &v2, None, "2026-02-01T00:00:00Z");
    let after = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(count(&after, "parks"), 0);
    assert_eq!(count(&after, "police"), 1, "rev's accept stays");
    assert!(report::data::ProjectData::load(&store)
        .unwrap()
        .codings
        .iter()
        .all(|c| c.source != report::data::Source::Machine));
}
