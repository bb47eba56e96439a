mod common;

use common::*;
use report::{build, AgreementUnit, ReportOptions};

fn code<'a>(r: &'a report::Report, id: &str) -> &'a report::CodeFrequency {
    r.codes.iter().find(|c| c.code_id == id).unwrap()
}

#[test]
fn counts_participants_sentences_and_levels() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(r.totals.participants, 3, "moderator excluded");
    assert_eq!(r.totals.sentences, 5);
    assert_eq!(r.totals.documents, 2);
    let order: Vec<&str> = r.codes.iter().map(|c| c.code_id.as_str()).collect();
    assert_eq!(order, ["safety", "police", "lighting", "parks"]);

    let police = code(&r, "police");
    assert_eq!(
        (police.participants, police.sentences, police.documents),
        (1, 1, 1)
    );
    assert_eq!(
        (police.reviewed, police.unreviewed, police.rejected),
        (1, 0, 1)
    );
    assert!((police.mean_confidence.unwrap() - 0.725).abs() < 1e-12);
    // Ana certain (accepted); Ben 0.3; Cai 0.2 (her 0.55 sentence was rejected).
    assert!((police.expected.unwrap().mean - 1.5).abs() < 1e-12);
    assert_eq!(
        (police.expected.unwrap().low, police.expected.unwrap().high),
        (1, 3)
    );

    let safety = code(&r, "safety");
    assert_eq!(
        (safety.participants, safety.sentences),
        (2, 2),
        "a parent counts its children"
    );
    // Ana 1; Ben 1 − 0.3·0.7 = 0.79; Cai 0.2.
    assert!((safety.expected.unwrap().mean - 1.99).abs() < 1e-12);
    assert_eq!(safety.depth, 0);
    assert_eq!(police.depth, 1);

    let parks = code(&r, "parks");
    assert_eq!((parks.participants, parks.documents), (2, 2));
    assert_eq!(parks.by_attribute["group"]["A"], 1);
    assert_eq!(parks.by_attribute["group"]["B"], 1);
    assert_eq!(parks.by_attribute["role"]["resident"], 2);
    assert_eq!(parks.by_attribute["role"]["police"], 0);
    assert_eq!(r.totals.participants_by["group"]["A"], 2);
    // Examples carry speaker and document, best first.
    assert_eq!(parks.examples[0].text, ANA_PARK);
    assert_eq!(parks.examples[0].speaker.as_deref(), Some("Ana"));
    assert_eq!(parks.examples[0].document, "group1.txt");

    // The code-document table: per document, sentences and participants.
    use report::freq::DocumentCount;
    let count = |sentences, participants| DocumentCount {
        sentences,
        participants,
    };
    assert_eq!(
        r.totals.by_document["group1.txt"],
        count(3, 2),
        "moderator excluded"
    );
    assert_eq!(r.totals.by_document["group2.txt"], count(2, 1));
    assert_eq!(parks.by_document["group1.txt"], count(1, 1));
    assert_eq!(parks.by_document["group2.txt"], count(1, 1));
    assert_eq!(
        police.by_document.keys().collect::<Vec<_>>(),
        ["group1.txt"],
        "Cai's police coding was rejected"
    );
    assert_eq!(safety.by_document["group1.txt"], count(2, 2));

    let co = &r.cooccurrence;
    let i = |id: &str| co.codes.iter().position(|c| c == id).unwrap();
    assert_eq!(co.sentence[i("police")][i("parks")], 0);
    assert_eq!(co.participant[i("police")][i("parks")], 1, "Ana has both");
    assert_eq!(co.turn[i("police")][i("parks")], 1, "in one turn of Ana's");
    assert_eq!(co.sentence[i("parks")][i("parks")], 2);
}

/// hh/04: co-occurrence counts codes as given, not rolled up to their
/// parents (docs/formats.md). Gold gives `police` on Ana's police sentence
/// and `lighting` on Ben's; it gives the parent `safety` itself only on
/// Cai's park sentence, beside `parks`. Rolled up, `safety` was on three
/// sentences and "co-occurred" with each of its own children.
#[test]
fn cooccurrence_counts_codes_as_given_not_their_parents() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    human(&store, ANA_POLICE, "police", "gold", "g");
    human(&store, BEN_LIGHTS, "lighting", "gold", "g");
    human(&store, CAI_PARK, "safety", "gold", "g");
    human(&store, CAI_PARK, "parks", "gold", "g");
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(code(&r, "safety").sentences, 3, "frequencies still roll up");
    let co = &r.cooccurrence;
    assert_eq!(co.codes, ["safety", "police", "lighting", "parks"]);
    let i = |id: &str| co.codes.iter().position(|c| c == id).unwrap();
    assert_eq!(co.sentence[i("safety")][i("safety")], 1, "given on one");
    assert_eq!(co.sentence[i("safety")][i("police")], 0);
    assert_eq!(co.sentence[i("safety")][i("lighting")], 0);
    assert_eq!(co.sentence[i("safety")][i("parks")], 1);
    assert_eq!(co.turn[i("safety")][i("police")], 0);
    assert_eq!(co.participant[i("safety")][i("police")], 0, "Ana");
    assert_eq!(co.participant[i("safety")][i("parks")], 1, "Cai");

    // A parent only a child's coding settles is not in the matrix at all.
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    human(&store, ANA_POLICE, "police", "gold", "g");
    human(&store, ANA_PARK, "parks", "gold", "g");
    let co = build(&store, &ReportOptions::default())
        .unwrap()
        .cooccurrence;
    assert_eq!(co.codes, ["police", "parks"]);
    assert_eq!(co.participant, [[1, 1], [1, 1]]);
}

#[test]
fn moderators_count_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    let opts = ReportOptions {
        include_moderators: true,
        ..Default::default()
    };
    let r = build(&store, &opts).unwrap();
    assert_eq!(r.totals.participants, 4);
    assert_eq!(code(&r, "police").participants, 2);
}

#[test]
fn agreement_between_reviewer_and_machine() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(r.agreement.pairs.len(), 1);
    let p = &r.agreement.pairs[0];
    assert_eq!(
        (p.coder_a.as_str(), p.coder_b.as_str()),
        ("machine", "human:rev")
    );
    assert_eq!(p.units, 2);
    let police = p.codes.iter().find(|c| c.code_id == "police").unwrap();
    assert_eq!((police.figures.both, police.figures.only_a), (1, 1));
    assert_eq!(police.figures.percent_agreement, Some(0.5));
    // The reviewer judged police on both sentences (and safety with the
    // police they accepted on Ana's); the machine's parks and its safety
    // on Cai's sentence were never judged by the reviewer, so they are no
    // disagreement: 3 (unit, code) pairs, not 2 units × 3 codes.
    assert_eq!(p.overall.n, 3, "police on both, safety on Ana's");
    assert!(
        p.codes.iter().all(|c| c.code_id != "parks"),
        "{:?}",
        p.codes
    );

    let by_person = build(
        &store,
        &ReportOptions {
            agreement_unit: AgreementUnit::Participant,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(by_person.agreement.pairs[0].units, 2, "Ana and Cai");
}

/// Two reviewers who judged different suggestions of one sentence do not
/// disagree: each code's table takes the units where both judged it.
#[test]
fn reviewers_agree_or_disagree_only_on_codes_both_judged() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    // "rev" accepted police on Ana's sentence; "bob" rejects parks there,
    // then both judge lighting on Ben's: rev accepts, bob rejects.
    review(&store, ANA_POLICE, "parks", "reject", "bob");
    review(&store, BEN_LIGHTS, "lighting", "accept", "rev");
    review(&store, BEN_LIGHTS, "lighting", "reject", "bob");
    let r = build(&store, &ReportOptions::default()).unwrap();
    let pair = r
        .agreement
        .pairs
        .iter()
        .find(|p| p.coder_a == "human:bob" && p.coder_b == "human:rev")
        .unwrap();
    let codes: Vec<&str> = pair.codes.iter().map(|c| c.code_id.as_str()).collect();
    assert_eq!(
        codes,
        ["lighting"],
        "police and parks were judged by one of them each"
    );
    let lighting = &pair.codes[0].figures;
    assert_eq!((lighting.n, lighting.only_b), (1, 1));
    assert_eq!(pair.overall.n, 1);
}

/// A rejection is a judgement: two reviewers who both turn a suggestion
/// down agree on it. Before, a code neither of them gave was left out of
/// their table, so two blind reviewers who made the same decisions had κ
/// undefined, n counting only their accepts.
#[test]
fn reviewers_who_both_reject_a_suggestion_agree() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    // "rev" accepted police on Ana's sentence and rejected it on Cai's;
    // "bob" does the same.
    review(&store, ANA_POLICE, "police", "accept", "bob");
    review(&store, CAI_PARK, "police", "reject", "bob");
    // And both turn down lighting on Ana's park sentence, a code neither
    // gives anywhere.
    review(&store, ANA_PARK, "lighting", "reject", "rev");
    review(&store, ANA_PARK, "lighting", "reject", "bob");
    let r = build(&store, &ReportOptions::default()).unwrap();
    let pair = r
        .agreement
        .pairs
        .iter()
        .find(|p| p.coder_a == "human:bob" && p.coder_b == "human:rev")
        .unwrap();
    let police = pair.codes.iter().find(|c| c.code_id == "police").unwrap();
    let f = &police.figures;
    assert_eq!(
        (f.n, f.both, f.only_a, f.only_b, f.neither),
        (2, 1, 0, 0, 1)
    );
    assert_eq!(f.cohen_kappa, Some(1.0));
    let lighting = pair.codes.iter().find(|c| c.code_id == "lighting");
    let f = &lighting
        .expect("lighting, rejected by both, is listed")
        .figures;
    assert_eq!((f.n, f.neither), (1, 1));
    // Police on two sentences, lighting on one, and safety, the parent
    // both gave through police on Ana's sentence.
    assert_eq!(pair.overall.n, 4, "{:?}", pair.codes);
    assert_eq!(pair.overall.cohen_kappa, Some(1.0));
}

/// Blind double coders see only their own decisions, so neither
/// overrules the other: a code one of them gives counts, whoever saved
/// last (their union, as two imported coders are counted). Before, the
/// later decision stood, so the count depended on who clicked last.
#[test]
fn blind_reviewers_count_as_their_union_in_either_order() {
    let count = |first: (&str, &str), second: (&str, &str)| {
        let dir = tempfile::tempdir().unwrap();
        let store = project(dir.path(), "\n");
        for (decision, who) in [first, second] {
            review_as(&store, BEN_LIGHTS, "lighting", decision, who, true);
        }
        let r = build(&store, &ReportOptions::default()).unwrap();
        let lighting = code(&r, "lighting");
        (lighting.participants, lighting.reviewed)
    };
    let ana_first = count(("accept", "ana"), ("reject", "ben"));
    let ben_first = count(("reject", "ben"), ("accept", "ana"));
    assert_eq!(ana_first, ben_first);
    // Ben, whose sentence Ana confirmed.
    assert_eq!(ana_first, (1, 1));
    // A decision made seeing both (no --blind) stands over them.
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    review_as(&store, BEN_LIGHTS, "lighting", "accept", "ana", true);
    review_as(&store, BEN_LIGHTS, "lighting", "reject", "rita", false);
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(code(&r, "lighting").participants, 0);
}

/// The agreement of the machine with the gold coder "study".
fn machine_and_study(r: &report::Report) -> &report::agreement::PairAgreement {
    r.agreement
        .pairs
        .iter()
        .find(|p| p.coder_a == "machine" && p.coder_b == "gold:study")
        .unwrap()
}

#[test]
fn gold_coder_agreement_covers_whole_documents() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    human(&store, ANA_POLICE, "police", "gold", "study");
    human(&store, ANA_PARK, "parks", "gold", "study");
    human(&store, BEN_LIGHTS, "lighting", "gold", "study");
    let r = build(&store, &ReportOptions::default()).unwrap();
    let p = machine_and_study(&r);
    // group1.txt has three participant sentences; the machine agrees on all.
    assert_eq!(p.units, 3);
    assert_eq!(p.overall.percent_agreement, Some(1.0));
    assert_eq!(p.overall.cohen_kappa, Some(1.0));
}

/// The machine stores a parent's coding beside its child's; a gold coder
/// (and a QDA export) gives the child alone. The gold's child is its
/// parent's code too: the parent agrees, and the machine's parent coding
/// is confirmed, not left unreviewed (before: "safety" only the machine's,
/// κ 0, and the demo's key_elements κ 0 against 0.545 closed upward).
#[test]
fn a_gold_childs_code_is_its_parents_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    machine(&store, ANA_POLICE, "safety", 0.9, true);
    machine(&store, BEN_LIGHTS, "safety", 0.7, true);
    human(&store, ANA_POLICE, "police", "gold", "study");
    human(&store, ANA_PARK, "parks", "gold", "study");
    human(&store, BEN_LIGHTS, "lighting", "gold", "study");
    let r = build(&store, &ReportOptions::default()).unwrap();
    let p = machine_and_study(&r);
    let safety = p.codes.iter().find(|c| c.code_id == "safety").unwrap();
    assert_eq!(
        (
            safety.figures.both,
            safety.figures.only_a,
            safety.figures.only_b
        ),
        (2, 0, 0)
    );
    assert_eq!(p.overall.cohen_kappa, Some(1.0));
    let data = report::data::ProjectData::load(&store).unwrap();
    for text in [ANA_POLICE, BEN_LIGHTS] {
        let cell = &data.cells[&(seg(&store, text), "safety".to_string())];
        assert_eq!(cell.settled, Some(true), "{text}");
    }
}

#[test]
fn report_is_deterministic_and_escapes_html() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    machine(&store, CAI_SCRIPT, "lighting", 0.5, true);
    let a = build(&store, &ReportOptions::default()).unwrap();
    let b = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(
        report::output::render_json(&a),
        report::output::render_json(&b)
    );
    let html = report::html::render_html(&a);
    assert_eq!(html, report::html::render_html(&b));
    assert!(
        !html.contains("<script>alert(1)"),
        "transcript text must be escaped"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html.matches("<rect class=\"bar\"").count(), 4);
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no network resources"
    );
}

#[test]
fn compare_file_matches_ids_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    let path = dir.path().join("study.csv");
    std::fs::write(&path, "code,expected\nParks,5\npolice,2\nUnknown theme,1\n").unwrap();
    let compare = report::read_compare(&path).unwrap();
    let r = build(
        &store,
        &ReportOptions {
            compare,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(code(&r, "parks").compare, Some(5.0));
    assert_eq!(code(&r, "police").compare, Some(2.0));
    assert_eq!(r.compare_unmatched, ["Unknown theme"]);
    let table = report::output::render_table(&r);
    assert!(table.contains("Study"), "{table}");

    std::fs::write(&path, "code,expected\nParks,many\n").unwrap();
    let err = report::read_compare(&path).unwrap_err().to_string();
    assert!(err.contains("study.csv") && err.contains("line 2"), "{err}");

    // Excel's "Unicode Text" and UTF-16 CSVs: read as the other tables are.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "code,expected\r\nParks,5\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(&path, utf16).unwrap();
    let compare = report::read_compare(&path).unwrap();
    assert_eq!(compare.get("Parks"), Some(&5.0));
}

/// hg/03: a `code,expected` table is split on the delimiter sniffed from
/// it, as the other tables autocode reads are: European Excel's `;` with a
/// BOM, and Excel's "Unicode Text" (UTF-16, tabs). Before, both were one
/// column named "code;expected".
#[test]
fn compare_file_is_read_with_semicolons_or_tabs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study_counts.csv");
    std::fs::write(
        &path,
        "\u{FEFF}code;expected\r\nParks, green spaces;2,5\r\nPolice presence;1\r\n",
    )
    .unwrap();
    // `2,5` is a decimal comma, not a count: named with its line.
    let err = report::read_compare(&path).unwrap_err().to_string();
    assert!(
        err.contains("study_counts.csv") && err.contains("line 2") && err.contains("\"2,5\""),
        "{err}"
    );
    std::fs::write(
        &path,
        "\u{FEFF}code;expected\r\nParks;2\r\nPolice presence;1\r\n",
    )
    .unwrap();
    let compare = report::read_compare(&path).unwrap();
    assert_eq!(
        compare.into_iter().collect::<Vec<_>>(),
        [
            ("Parks".to_string(), 2.0),
            ("Police presence".to_string(), 1.0)
        ]
    );

    let path = dir.path().join("study_counts.tsv");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "code\texpected\r\nParks, green spaces\t5\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(&path, utf16).unwrap();
    let compare = report::read_compare(&path).unwrap();
    assert_eq!(compare.get("Parks, green spaces"), Some(&5.0));

    // Excel saves "Unicode Text" as .txt, a name that says no table: read
    // with commas as before, and the error says what to name it.
    let path = dir.path().join("study_counts.txt");
    std::fs::write(&path, "code\texpected\nParks\t5\n").unwrap();
    let err = report::read_compare(&path).unwrap_err().to_string();
    assert!(
        err.contains("study_counts.txt") && err.contains(".tsv"),
        "{err}"
    );
}

#[test]
fn themes_and_two_reviewers_appear() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    review(&store, ANA_POLICE, "police", "accept", "rev2");
    review(&store, BEN_LIGHTS, "lighting", "reject", "rev2");
    store
        .conn()
        .execute(
            "INSERT INTO theme_runs(id, model_key, params, outlier_share, created_at) VALUES (1, 'm', '{}', 0.1, 'now')",
            [],
        )
        .unwrap();
    let body = serde_json::json!({
        "label": "parks at night", "keywords": [["park", 0.9], ["night", 0.5]], "size": 2,
        "participants": 2, "by_attribute": {}, "cohesion": 0.5, "stability": 0.8,
        "nearest_code": null, "verdict": "matches parks", "level": 0, "children": [],
        "quotes": [{"segment_id": seg(&store, CAI_PARK), "text": CAI_PARK, "speaker": "Cai",
                    "participant_id": "P3", "document": "group2.txt", "turn_index": 0, "sentence_index": 1}]
    });
    // The open theme was renamed on the review page: the stored label is
    // the reviewer's, the body keeps the machine's.
    for (label, status) in [("Parks after dark", "open"), ("gone", "dismissed")] {
        store
            .conn()
            .execute(
                "INSERT INTO theme_suggestions(theme_run_id, label, body, status) VALUES (1, ?1, ?2, ?3)",
                (label, body.to_string(), status),
            )
            .unwrap();
    }
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert_eq!(r.themes.len(), 1, "dismissed themes are left out");
    assert_eq!(r.themes[0].quotes[0].speaker.as_deref(), Some("Cai"));
    let html = report::html::render_html(&r);
    assert_eq!(
        r.themes[0].label, "Parks after dark",
        "the reviewer's label"
    );
    assert!(html.contains("Parks after dark"));
    assert!(
        html.contains("Cai — group2.txt</cite>"),
        "theme quotes name speaker and document"
    );

    let pair = r
        .agreement
        .pairs
        .iter()
        .find(|p| p.coder_a == "human:rev" && p.coder_b == "human:rev2")
        .expect("the two reviewers are compared");
    // Only Ana's police sentence was reviewed by both; both accepted it.
    assert_eq!(pair.units, 1);
    assert_eq!(pair.overall.percent_agreement, Some(1.0));
    // Ben's lights: rev2 rejected the machine's coding, so it is settled absent.
    let lighting = code(&r, "lighting");
    assert_eq!((lighting.participants, lighting.rejected), (0, 1));
}

#[test]
fn empty_project_reports_without_codes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store::Store::create(dir.path()).unwrap();
    for d in documents("\n") {
        store.put_document(&d).unwrap();
    }
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert!(r.codes.is_empty());
    assert_eq!(r.totals.participants, 3);
    assert!(r.agreement.pairs.is_empty());
    assert!(report::output::render_table(&r).contains("no codes"));
    let html = report::html::render_html(&r);
    assert!(html.contains("No codes.") && html.ends_with("</html>\n"));
}

/// Issue #16: a document attribute (from documents.csv) counts the people
/// who speak in that document, like a participant attribute; a name both
/// files use means the participant attribute.
#[test]
fn crosstabs_count_document_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path(), "\n");
    let attrs = |pairs: &[(&str, &str, &str)]| {
        let mut m = store::DocumentAttributes::new();
        for (d, k, v) in pairs {
            m.entry(d.to_string())
                .or_default()
                .insert(k.to_string(), v.to_string());
        }
        m
    };
    store
        .put_document_attributes(&attrs(&[
            ("group1.txt", "city", "Leeds"),
            ("group1.txt", "role", "ignored: participants say role"),
            ("group2.txt", "city", "Bristol"),
        ]))
        .unwrap();
    let r = build(&store, &ReportOptions::default()).unwrap();
    // Ana and Ben speak in group1 (Leeds), Cai in group2 (Bristol).
    assert_eq!(r.totals.participants_by["city"]["Leeds"], 2);
    assert_eq!(r.totals.participants_by["city"]["Bristol"], 1);
    let parks = code(&r, "parks");
    assert_eq!(parks.by_attribute["city"]["Leeds"], 1);
    assert_eq!(parks.by_attribute["city"]["Bristol"], 1);
    let lighting = code(&r, "lighting");
    assert_eq!(lighting.by_attribute["city"]["Leeds"], 1);
    assert_eq!(lighting.by_attribute["city"]["Bristol"], 0);
    // The participant attribute `role` wins over the document attribute of that name.
    assert_eq!(r.totals.participants_by["role"]["resident"], 2);
    assert!(!r.totals.participants_by["role"].contains_key("ignored: participants say role"));
}

/// An attribute only moderators have (a survey's question turns are by `Q`,
/// role `interviewer`) crosstabs nobody counted, so it is no crosstab;
/// counting moderators brings it back.
#[test]
fn an_attribute_only_moderators_have_is_no_crosstab() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path(), "\n");
    let mut people = participants();
    let moderator = people.iter_mut().find(|p| p.is_moderator).unwrap();
    moderator.attributes.insert("site".into(), "HQ".into());
    store.put_participants(&people).unwrap();
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert!(
        !r.totals.participants_by.contains_key("site"),
        "{:?}",
        r.totals.participants_by
    );
    assert!(!code(&r, "parks").by_attribute.contains_key("site"));
    assert_eq!(r.totals.participants_by["group"]["A"], 2);
    let with_moderators = ReportOptions {
        include_moderators: true,
        ..Default::default()
    };
    let r = build(&store, &with_moderators).unwrap();
    assert_eq!(r.totals.participants_by["site"]["HQ"], 1);
    assert_eq!(r.totals.participants_by["site"]["(missing)"], 3);
}

/// A survey's questions (turns by `Q`, as ingest writes them) break the
/// codes down: who mentions a code in their answers to each question, of
/// those who answered it. A focus group's moderator turns are no such
/// questions, and a question one person answered is not listed.
#[test]
fn a_surveys_questions_break_the_codes_down() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    // The focus groups alone: their moderator is no survey question.
    let r = build(&store, &ReportOptions::default()).unwrap();
    assert!(r.totals.participants_by_question.is_empty());
    assert!(code(&r, "parks").by_question.is_empty());

    let q = |text: &'static [&'static str]| SpeakerTurn {
        speaker: "Q",
        participant: None,
        moderator: true,
        sentences: text,
    };
    let answer = |who: &'static str, text: &'static [&'static str]| SpeakerTurn {
        speaker: who,
        participant: Some(who),
        moderator: false,
        sentences: text,
    };
    let survey = document(
        "survey.csv",
        &[
            q(&["Where do you feel safe?"]),
            answer("R1", &["In the park by day."]),
            answer("R2", &["At home."]),
            q(&["What would help?"]),
            answer("R1", &["More police.", "And the park lit at night."]),
            answer("R2", &["Nothing."]),
            q(&["Anything else?"]),
            answer("R1", &["N/A"]),
            answer("R2", &["The park again."]),
        ],
        "\n",
    );
    let mut store = store;
    store.put_document(&survey).unwrap();
    machine(&store, "In the park by day.", "parks", 0.9, true);
    machine(&store, "And the park lit at night.", "parks", 0.8, true);
    machine(&store, "And the park lit at night.", "lighting", 0.8, true);
    machine(&store, "More police.", "police", 0.9, true);
    machine(&store, "The park again.", "parks", 0.9, true);
    let r = build(&store, &ReportOptions::default()).unwrap();
    let asked: Vec<(&str, u64)> = r
        .totals
        .participants_by_question
        .iter()
        .map(|q| (q.question.as_str(), q.participants))
        .collect();
    // "Anything else?" had one answer, beside R1's "N/A": not listed.
    assert_eq!(
        asked,
        [("Where do you feel safe?", 2), ("What would help?", 2)]
    );
    let by = |id: &str| -> Vec<u64> {
        code(&r, id)
            .by_question
            .iter()
            .map(|q| q.participants)
            .collect()
    };
    assert_eq!(by("parks"), [1, 1]);
    // A parent counts its children: police and lighting are both R1's.
    assert_eq!(by("safety"), [0, 1]);
    assert_eq!(by("police"), [0, 1]);
    // The whole-survey counts are unchanged by the breakdown: R2 mentions
    // parks in answer to "Anything else?".
    assert_eq!(code(&r, "parks").participants, 2 + 2);

    let out = tempfile::tempdir().unwrap();
    let files = report::output::write_csv(&r, out.path()).unwrap();
    let by_q = out.path().join("report_by_question.csv");
    assert!(files.contains(&by_q), "{files:?}");
    let csv = std::fs::read_to_string(&by_q).unwrap();
    assert!(
        csv.starts_with("code_id,question,participants,participants_answering,share\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nparks,What would help?,1,2,0.5000\n"),
        "{csv}"
    );
}

/// A parent's own probability covers its children (the classifier raises
/// it to theirs): where it has one, the sentence's chance of the parent or
/// below is the largest, not the children's and the parent's combined as
/// independent, which counted a child twice.
#[test]
fn a_parents_own_probability_is_not_combined_with_its_childrens() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    // As the classifier stores it: the parent at least its children's.
    machine(&store, BEN_LIGHTS, "safety", 0.7, true);
    let r = build(&store, &ReportOptions::default()).unwrap();
    let safety = code(&r, "safety");
    // Ana 1 (accepted); Ben max(0.7, 0.3, 0.7) = 0.7, where combined it
    // was 1 − 0.3·0.7·0.3 = 0.937; Cai 0.2 (no parent cell: her children's
    // combined, the rejected one 0).
    assert!(
        (safety.expected.unwrap().mean - 1.9).abs() < 1e-12,
        "{:?}",
        safety.expected
    );
}

/// hT/04: a person's coding of a child is a pair of the child's, counted
/// in its parent's `codings` through it, not a second time as a parent
/// pair no one gave: lighting on Ben's sentence and safety itself on
/// Ana's are safety's 2 codings, both reviewed, not 3.
#[test]
fn a_parent_implied_by_a_childs_coding_is_no_coding_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    human(&store, BEN_LIGHTS, "lighting", "human", "a");
    human(&store, ANA_POLICE, "safety", "human", "a");
    let r = build(&store, &ReportOptions::default()).unwrap();
    let safety = code(&r, "safety");
    assert_eq!(
        (safety.codings, safety.reviewed, safety.unreviewed),
        (2, 2, 0)
    );
    assert_eq!((safety.participants, safety.sentences), (2, 2));
    let lighting = code(&r, "lighting");
    assert_eq!((lighting.codings, lighting.reviewed), (1, 1));
}

/// hb/03: the same when the machine gave the parent too. The machine's
/// safety on Ben's sentence is settled by the person's lighting there, so
/// it is no second reviewed pair: before, safety had 2 codings, both
/// "reviewed", on one sentence.
#[test]
fn a_machine_parent_a_childs_coding_settles_is_no_coding_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    machine(&store, BEN_LIGHTS, "safety", 0.8, true);
    human(&store, BEN_LIGHTS, "lighting", "gold", "g");
    let r = build(&store, &ReportOptions::default()).unwrap();
    let safety = code(&r, "safety");
    assert_eq!(
        (safety.sentences, safety.codings, safety.reviewed),
        (1, 1, 1)
    );
    // Unsettled, the machine's parent pair is one of its own.
    let dir = tempfile::tempdir().unwrap();
    let store = empty_project(dir.path(), "\n");
    machine(&store, BEN_LIGHTS, "safety", 0.8, true);
    machine(&store, BEN_LIGHTS, "lighting", 0.7, true);
    let r = build(&store, &ReportOptions::default()).unwrap();
    let safety = code(&r, "safety");
    assert_eq!((safety.codings, safety.unreviewed), (2, 2));
}
