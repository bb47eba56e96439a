mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};

use common::*;
use report::data::Source;
use report::qdpx::{export_qdpx, import_qdpx, qdpx_bytes, ExportOptions, ImportOptions};
use report::ProjectData;
use store::Store;

type Row = (String, i64, i64, String, String);

/// (document, start, end, code, coder) of every coding from `source`.
fn codings(store: &Store, source: &str) -> BTreeSet<Row> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT d.name, s.start_char, s.end_char, c.code_id, c.coder FROM codings c
             JOIN segments s ON s.id = c.segment_id JOIN documents d ON d.id = s.document_id
             WHERE c.source = ?1",
        )
        .unwrap();
    stmt.query_map([source], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn export_opts() -> ExportOptions {
    ExportOptions {
        project: "Safety study".into(),
        accepted_only: false,
    }
}

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().unwrap().to_string(), s)
        })
        .collect()
}

/// The text a `PlainTextSelection` cuts out of its source's file.
fn selection_text(files: &[(String, String)], sel: roxmltree::Node) -> String {
    let path = sel
        .parent()
        .unwrap()
        .attribute("plainTextPath")
        .unwrap()
        .strip_prefix("internal://")
        .unwrap();
    let body = &files
        .iter()
        .find(|(f, _)| f == &format!("sources/{path}"))
        .unwrap()
        .1;
    let position = |a: &str| -> usize { sel.attribute(a).unwrap().parse().unwrap() };
    body.chars()
        .skip(position("startPosition"))
        .take(position("endPosition") - position("startPosition"))
        .collect()
}

#[test]
fn export_then_import_keeps_codings_and_offsets_with_crlf_and_non_ascii() {
    let a_dir = tempfile::tempdir().unwrap();
    let a = project(a_dir.path(), "\r\n");
    human(&a, CAI_PARK, "parks", "human", "Zoë");
    human(&a, BEN_LIGHTS, "lighting", "gold", "study");
    let data = ProjectData::load(&a).unwrap();
    let file = a_dir.path().join("a.qdpx");
    let summary = export_qdpx(&a, &data, &export_opts(), &file).unwrap();
    assert_eq!(summary.sources, 2);

    let b_dir = tempfile::tempdir().unwrap();
    let mut b = empty_project(b_dir.path(), "\r\n");
    let s = import_qdpx(
        &mut b,
        &file,
        &ImportOptions {
            source: Source::Human,
            coder: None,
        },
    )
    .unwrap();
    assert_eq!(s.matched_sources, 2);
    assert!(!s.partial(), "{s:?}");
    // Machine codings no human settled: Ana's park and the moderator's question
    // (Ben's lights and Cai's park have gold/human codings).
    assert_eq!(s.skipped_machine, 2);

    let mut expected = codings(&a, "human");
    expected.extend(codings(&a, "gold"));
    assert_eq!(expected.len(), 3);
    assert_eq!(codings(&b, "human"), expected);
    // The non-ASCII sentence keeps its code-point offsets across \r\n lines.
    let cai: Vec<_> = codings(&b, "human")
        .into_iter()
        .filter(|r| r.4 == "Zoë")
        .collect();
    let text_b = b.document_text("group2.txt").unwrap().unwrap();
    let chars: Vec<char> = text_b.chars().collect();
    let got: String = chars[cai[0].1 as usize..cai[0].2 as usize].iter().collect();
    assert_eq!(got, CAI_PARK);

    // Importing again adds nothing.
    let again = import_qdpx(
        &mut b,
        &file,
        &ImportOptions {
            source: Source::Human,
            coder: None,
        },
    )
    .unwrap();
    assert_eq!((again.codings_added, again.already_present), (0, 3));
}

#[test]
fn peoples_codings_keep_their_dates_through_export_and_import() {
    let a_dir = tempfile::tempdir().unwrap();
    let a = project(a_dir.path(), "\n");
    // `human` dates its rows 2026-01-01T00:00:00Z; a review's coding its own.
    human(&a, CAI_PARK, "parks", "human", "Zoë");
    human(&a, BEN_LIGHTS, "lighting", "gold", "study");
    a.conn()
        .execute(
            "UPDATE codings SET created_at = '2025-07-09T13:14:15Z' WHERE coder = 'study'",
            [],
        )
        .unwrap();
    let (bytes, _) = qdpx_bytes(&a, &ProjectData::load(&a).unwrap(), &export_opts()).unwrap();
    let files = unzip(&bytes);
    let doc = roxmltree::Document::parse(&files[0].1).unwrap();
    let machine = doc
        .descendants()
        .find(|n| n.has_tag_name(("urn:QDA-XML:project:1.0", "User")))
        .unwrap()
        .attribute("guid")
        .unwrap();
    let mut dated: Vec<(String, Option<&str>, Option<&str>)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "PlainTextSelection")
        .filter_map(|sel| {
            let coding = sel.children().find(|c| c.tag_name().name() == "Coding")?;
            Some((
                format!(
                    "{}:{}",
                    sel.attribute("creatingUser") == Some(machine),
                    selection_text(&files, sel)
                ),
                sel.attribute("creationDateTime"),
                coding.attribute("creationDateTime"),
            ))
        })
        .collect();
    dated.sort();
    // People's codings carry the date they were made, on the selection and
    // its coding; the machine's none (its time is the run's).
    let people: Vec<_> = dated.iter().filter(|d| d.0.starts_with("false:")).collect();
    assert_eq!(people.len(), 3, "{people:?}");
    assert!(people.iter().all(|d| d.1.is_some() && d.1 == d.2));
    for (text, date) in [
        (BEN_LIGHTS, "2025-07-09T13:14:15Z"),
        (CAI_PARK, "2026-01-01T00:00:00Z"),
    ] {
        let row = people
            .iter()
            .find(|d| d.0 == format!("false:{text}"))
            .unwrap();
        assert_eq!(row.1, Some(date), "{text}");
    }
    let machine_rows: Vec<_> = dated.iter().filter(|d| d.0.starts_with("true:")).collect();
    assert!(!machine_rows.is_empty());
    assert!(machine_rows.iter().all(|d| d.1.is_none() && d.2.is_none()));

    // Read back, the codings keep the file's dates, not the day of import.
    let file = a_dir.path().join("a.qdpx");
    std::fs::write(&file, &bytes).unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let mut b = empty_project(b_dir.path(), "\n");
    import_qdpx(
        &mut b,
        &file,
        &ImportOptions {
            source: Source::Human,
            coder: None,
        },
    )
    .unwrap();
    let dates = |store: &Store, sources: &str| -> BTreeSet<(String, String)> {
        store
            .conn()
            .prepare(&format!(
                "SELECT s.text, c.created_at FROM codings c JOIN segments s ON s.id = c.segment_id
                 WHERE c.source IN ({sources})"
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let read_back = dates(&b, "'human'");
    assert_eq!(read_back, dates(&a, "'human', 'gold'"));
    assert!(read_back.contains(&(BEN_LIGHTS.to_string(), "2025-07-09T13:14:15Z".to_string())));
}

#[test]
fn xs_date_times_are_told_from_other_text() {
    use report::qdpx::is_xs_date_time;
    for ok in [
        "2026-01-01T00:00:00Z",
        "2021-03-04T10:22:33",
        "2021-03-04T10:22:33.123+01:00",
        "2021-03-04T10:22:33-05:00",
    ] {
        assert!(is_xs_date_time(ok), "{ok}");
    }
    for bad in [
        "then",
        "2021-03-04",
        "2021-03-04 10:22:33",
        "2021-03-04T10:22:33.Z",
        "2021-03-04T10:22:33+0100",
        "2021-03-04T10:22:33Zx",
        "",
    ] {
        assert!(!is_xs_date_time(bad), "{bad}");
    }
}

/// The `<CodeBook>` describes each code as the `.qdc` writer does:
/// definition, inclusion and exclusion criteria, examples and
/// counter-examples (ha/01: only the definition was written, so a team's
/// coding rules were gone in the QDA program the project was opened in).
#[test]
fn the_exported_codebook_keeps_criteria_and_examples() {
    let d = tempfile::tempdir().unwrap();
    let s = project(d.path(), "\n");
    let mut cb: classify::Codebook = serde_json::from_str(CODEBOOK).unwrap();
    let parks = cb.codes.iter_mut().find(|c| c.id == "parks").unwrap();
    parks.inclusion = vec!["Playgrounds and commons".into()];
    parks.exclusion = vec!["Private gardens".into()];
    parks.examples = vec!["The park is lovely.".into()];
    parks.counter_examples = vec!["My garden is small.".into()];
    s.conn()
        .execute(
            "UPDATE codebooks SET body = ?1 WHERE version = 1",
            [serde_json::to_string(&cb).unwrap()],
        )
        .unwrap();
    let (bytes, _) = qdpx_bytes(&s, &ProjectData::load(&s).unwrap(), &export_opts()).unwrap();
    let xml = &unzip(&bytes)[0].1;
    let doc = roxmltree::Document::parse(xml).unwrap();
    let code = doc
        .descendants()
        .find(|n| n.tag_name().name() == "Code" && n.attribute("name") == Some("Parks"))
        .unwrap();
    let description = code
        .children()
        .find(|n| n.tag_name().name() == "Description")
        .and_then(|n| n.text())
        .unwrap();
    let mut qdc = String::new();
    classify::qdc::write_codes(&mut qdc, &cb, 0);
    let wrapped = format!("<Codes>{qdc}</Codes>");
    let written = roxmltree::Document::parse(&wrapped).unwrap();
    let expected = written
        .descendants()
        .find(|n| n.tag_name().name() == "Code" && n.attribute("name") == Some("Parks"))
        .and_then(|n| n.children().find(|n| n.tag_name().name() == "Description"))
        .and_then(|n| n.text())
        .unwrap()
        .to_string();
    assert_eq!(description, expected);
    for line in [
        "Include: Playgrounds and commons",
        "Exclude: Private gardens",
        "Example: The park is lovely.",
        "Counter-example: My garden is small.",
    ] {
        assert!(description.contains(line), "{description}");
    }
}

#[test]
fn export_is_byte_stable_and_follows_the_schema() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let s1 = project(d1.path(), "\n");
    let s2 = project(d2.path(), "\n");
    let (b1, _) = qdpx_bytes(&s1, &ProjectData::load(&s1).unwrap(), &export_opts()).unwrap();
    let (b2, sum) = qdpx_bytes(&s2, &ProjectData::load(&s2).unwrap(), &export_opts()).unwrap();
    assert_eq!(b1, b2, "same store content, same bytes");

    let files = unzip(&b1);
    assert_eq!(files[0].0, "project.qde");
    assert!(files[1..]
        .iter()
        .all(|(n, _)| n.starts_with("sources/") && n.ends_with(".txt")));
    let xml = &files[0].1;
    let doc = roxmltree::Document::parse(xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some("urn:QDA-XML:project:1.0"));
    let order: Vec<&str> = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        order,
        ["Users", "CodeBook", "Variables", "Cases", "Sources"]
    );
    let users: Vec<&str> = root
        .descendants()
        .filter(|n| n.has_tag_name(("urn:QDA-XML:project:1.0", "User")))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(users, ["autocode (machine)", "rev"]);
    // Safety nests its two children.
    let safety = root
        .descendants()
        .find(|n| n.tag_name().name() == "Code" && n.attribute("name") == Some("Safety"))
        .unwrap();
    assert_eq!(
        safety
            .children()
            .filter(|n| n.tag_name().name() == "Code")
            .count(),
        2
    );
    // One Case per participant: the moderator, who speaks in both documents
    // and is in the participants file, is none.
    let cases: Vec<&str> = root
        .descendants()
        .filter(|n| n.tag_name().name() == "Case")
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(cases, ["P1", "P2", "P3"]);
    assert_eq!(sum.cases, 3);
    // Ana and Ben share group1.txt: their Cases hold their turns there, not
    // the whole document (which would give each the other's words); Cai
    // alone in group2.txt has it whole.
    let case = |name: &str| {
        root.descendants()
            .find(|n| n.tag_name().name() == "Case" && n.attribute("name") == Some(name))
            .unwrap()
    };
    let refs = |name: &str, tag: &str| -> Vec<String> {
        case(name)
            .children()
            .filter(|c| c.tag_name().name() == tag)
            .map(|c| c.attribute("targetGUID").unwrap().to_string())
            .collect()
    };
    assert!(refs("P1", "SourceRef").is_empty());
    assert_eq!(refs("P3", "SourceRef").len(), 1);
    assert!(refs("P3", "SelectionRef").is_empty());
    let anas: Vec<String> = refs("P1", "SelectionRef")
        .iter()
        .map(|g| {
            let sel = root
                .descendants()
                .find(|n| {
                    n.tag_name().name() == "PlainTextSelection" && n.attribute("guid") == Some(g)
                })
                .expect("a Case's selection is in its source");
            assert!(!sel.children().any(|c| c.tag_name().name() == "Coding"));
            selection_text(&files, sel)
        })
        .collect();
    assert_eq!(anas, [format!("{ANA_POLICE} {ANA_PARK}")]);
    // Cases carry attributes as variable values.
    let p2 = root
        .descendants()
        .find(|n| n.tag_name().name() == "Case" && n.attribute("name") == Some("P2"))
        .unwrap();
    let values: Vec<&str> = p2
        .descendants()
        .filter(|n| n.tag_name().name() == "TextValue")
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(values, ["A", "police"]);
    // Every selection's positions cut its sentence out of the source text.
    let mut n = 0;
    for src in root
        .descendants()
        .filter(|n| n.tag_name().name() == "TextSource")
    {
        let path = src
            .attribute("plainTextPath")
            .unwrap()
            .strip_prefix("internal://")
            .unwrap();
        let text = &files
            .iter()
            .find(|(f, _)| f == &format!("sources/{path}"))
            .unwrap()
            .1;
        let chars: Vec<char> = text.chars().collect();
        for sel in src.children().filter(|n| {
            n.tag_name().name() == "PlainTextSelection"
                && n.children().any(|c| c.tag_name().name() == "Coding")
        }) {
            let s: usize = sel.attribute("startPosition").unwrap().parse().unwrap();
            let e: usize = sel.attribute("endPosition").unwrap().parse().unwrap();
            let cut: String = chars[s..e].iter().collect();
            let desc = sel
                .children()
                .find(|n| n.tag_name().name() == "Description")
                .unwrap()
                .text()
                .unwrap();
            assert!(desc.contains("confidence="), "{desc}");
            assert!(!cut.is_empty() && text.contains(&cut));
            n += 1;
        }
    }
    // Rejected police on Cai's park is gone; Ana's accepted police is the reviewer's.
    assert_eq!(n, sum.selections);
    assert_eq!(n, 5);

    let accepted = qdpx_bytes(
        &s1,
        &ProjectData::load(&s1).unwrap(),
        &ExportOptions {
            accepted_only: true,
            ..export_opts()
        },
    )
    .unwrap()
    .1;
    assert_eq!(accepted.selections, 1);
}

/// A project as another tool writes it: `Sources/` in capitals, its own
/// GUIDs, codes matched by name, Windows line endings over a store text
/// with `\n`, and a selection a little wider than the sentence.
#[test]
fn imports_another_tools_project_with_crlf_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let text = store
        .document_text("group2.txt")
        .unwrap()
        .unwrap()
        .replace('\n', "\r\n");
    let chars: Vec<char> = text.chars().collect();
    let start = text[..text.find(CAI_PARK).unwrap()].chars().count();
    let end = start + CAI_PARK.chars().count();
    // Ben's sentence in group1 sits after two \r\n line ends.
    let text1 = store
        .document_text("group1.txt")
        .unwrap()
        .unwrap()
        .replace('\n', "\r\n");
    let b_start = text1[..text1.find(BEN_LIGHTS).unwrap()].chars().count();
    let b_end = b_start + BEN_LIGHTS.chars().count();
    assert_eq!(chars.len(), text.chars().count());
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nvivo">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="parks" isCodable="true"/>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000002" name="Street Lighting" isCodable="true"/>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000003" name="Not in our codebook" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000002" name="Group 2" plainTextPath="internal://two.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000003" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000003"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="group1.txt" plainTextPath="internal://one.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000002" startPosition="{b_start}" endPosition="{b_end}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000002"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000002"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>"#,
        start.saturating_sub(2),
        end + 1,
    );
    let file = dir.path().join("nvivo.qdpx");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&file).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("project.qde", o).unwrap();
    z.write_all(qde.as_bytes()).unwrap();
    z.start_file("Sources/two.txt", o).unwrap();
    z.write_all(text.as_bytes()).unwrap();
    z.start_file("Sources/one.txt", o).unwrap();
    z.write_all(text1.as_bytes()).unwrap();
    z.finish().unwrap();

    let s = import_qdpx(
        &mut store,
        &file,
        &ImportOptions {
            source: Source::Gold,
            coder: None,
        },
    )
    .unwrap();
    assert_eq!(s.matched_sources, 2, "{s:?}");
    assert_eq!(s.unknown_codes.get("Not in our codebook"), Some(&1));
    assert!(s.partial());
    let got = codings(&store, "gold");
    let want: BTreeSet<Row> = [
        (
            "group1.txt".to_string(),
            seg_span(&store, BEN_LIGHTS).0,
            seg_span(&store, BEN_LIGHTS).1,
            "lighting".to_string(),
            "Maria".to_string(),
        ),
        (
            "group2.txt".to_string(),
            seg_span(&store, CAI_PARK).0,
            seg_span(&store, CAI_PARK).1,
            "parks".to_string(),
            "Maria".to_string(),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);

    // The gold project covers both documents: its silence on Ana's park
    // sentence overrules the machine there.
    let covered: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM gold_coverage", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        covered, 5,
        "every participant sentence of the two documents"
    );
    machine(&store, ANA_PARK, "parks", 0.9, true);
    let r = report::build(&store, &report::ReportOptions::default()).unwrap();
    let parks = r.codes.iter().find(|c| c.code_id == "parks").unwrap();
    assert_eq!(
        (parks.participants, parks.reviewed, parks.rejected),
        (1, 1, 1)
    );
    assert_eq!(parks.expected.unwrap().mean, 1.0);
}

/// A QDA project holds every transcript, coded or not: imported as gold,
/// a source no person coded in is not covered (its sentences keep the
/// machine's codes) and is named. Before, it was covered whole, and the
/// report called an estimate over a half-coded project a census.
#[test]
fn a_source_no_person_coded_is_not_covered_as_gold() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let two = store.document_text("group2.txt").unwrap().unwrap();
    let one = store.document_text("group1.txt").unwrap().unwrap();
    let start = two[..two.find(CAI_PARK).unwrap()].chars().count();
    let end = start + CAI_PARK.chars().count();
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nvivo">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes><Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="parks" isCodable="true"/></Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000002" name="group2.txt" plainTextPath="internal://two.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{start}" endPosition="{end}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="group1.txt" plainTextPath="internal://one.txt"/>
 </Sources>
</Project>"#
    );
    let file = dir.path().join("half.qdpx");
    write_zip(
        &file,
        &[
            ("project.qde", &qde),
            ("sources/two.txt", &two),
            ("sources/one.txt", &one),
        ],
    );
    let s = import_qdpx(
        &mut store,
        &file,
        &ImportOptions {
            source: Source::Gold,
            coder: None,
        },
    )
    .unwrap();
    assert_eq!(s.matched_sources, 2, "{s:?}");
    assert_eq!(s.uncoded_sources, ["group1.txt"]);
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    let group2 = count(
        "SELECT COUNT(*) FROM segments s JOIN documents d ON d.id = s.document_id
         WHERE d.name = 'group2.txt' AND s.is_moderator = 0",
    );
    assert!(group2 > 0);
    assert_eq!(count("SELECT COUNT(*) FROM gold_coverage"), group2);
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM gold_coverage g JOIN segments s ON s.id = g.segment_id
             JOIN documents d ON d.id = s.document_id WHERE d.name = 'group1.txt'"
        ),
        0
    );
}

/// A coder's corrected export read again replaces their earlier import
/// on its documents (he/02: a coding moved from one code to another kept
/// both); a source whose text differs only in its final white space is
/// the document (he/03); a selection across a sentence break covering less
/// than half of each goes to the sentence it overlaps most (he/01); a
/// coding of the whole source is counted as not imported (he/04).
#[test]
fn a_corrected_export_replaces_the_coders_earlier_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let one = store.document_text("group1.txt").unwrap().unwrap();
    let pos = |t: &str| one[..one.find(t).unwrap()].chars().count();
    let across = (
        pos(ANA_POLICE) + ANA_POLICE.chars().count() - 10,
        pos(ANA_PARK) + 8,
    );
    let ben = (
        pos(BEN_LIGHTS),
        pos(BEN_LIGHTS) + BEN_LIGHTS.chars().count(),
    );
    // The tool's copy of the text ends in other white space.
    let source_text = format!("{}\n\n\n", one.trim_end());
    assert_ne!(source_text, one);
    let qde = |ben_code: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="maxqda">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Priya"/></Users>
 <CodeBook><Codes>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="parks" isCodable="true"/>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000002" name="Street Lighting" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="Group one" plainTextPath="internal://one.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000002" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000002"><CodeRef targetGUID="{ben_code}"/></Coding>
   </PlainTextSelection>
   <Coding guid="FFFFFFFF-0000-0000-0000-000000000003" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
  </TextSource>
 </Sources>
</Project>"#,
            across.0, across.1, ben.0, ben.1
        )
    };
    let import = |store: &mut Store, name: &str, ben_code: &str| {
        let file = dir.path().join(name);
        write_zip(
            &file,
            &[
                ("project.qde", &qde(ben_code)),
                ("sources/one.txt", &source_text),
            ],
        );
        import_qdpx(
            store,
            &file,
            &ImportOptions {
                source: Source::Gold,
                coder: None,
            },
        )
        .unwrap()
    };
    let gold = |store: &Store| -> Vec<(String, String)> {
        let spans: Vec<(i64, &str)> = [ANA_POLICE, ANA_PARK, BEN_LIGHTS]
            .iter()
            .map(|t| (seg_span(store, t).0, *t))
            .collect();
        codings(store, "gold")
            .into_iter()
            .map(|(_, start, _, code, coder)| {
                assert_eq!(coder, "Priya");
                let text = spans.iter().find(|(s, _)| *s == start).unwrap().1;
                (text.to_string(), code)
            })
            .collect()
    };
    let s = import(
        &mut store,
        "v1.qdpx",
        "CCCCCCCC-0000-0000-0000-000000000002",
    );
    assert_eq!(s.matched_sources, 1, "{s:?}");
    assert_eq!(s.whole_source_codings, 1);
    assert!(s.partial());
    let mut want = vec![
        (ANA_POLICE.to_string(), "parks".to_string()),
        (BEN_LIGHTS.to_string(), "lighting".to_string()),
    ];
    want.sort();
    assert_eq!(gold(&store), want);
    // The same file again: nothing added, nothing taken back.
    let again = import(
        &mut store,
        "v1.qdpx",
        "CCCCCCCC-0000-0000-0000-000000000002",
    );
    assert_eq!((again.codings_added, again.codings_removed), (0, 0));
    assert_eq!(again.already_present, 2);
    // After the coding meeting Ben's sentence is parks, not lighting.
    let v2 = import(
        &mut store,
        "v2.qdpx",
        "CCCCCCCC-0000-0000-0000-000000000001",
    );
    assert_eq!((v2.codings_added, v2.codings_removed), (1, 1), "{v2:?}");
    let mut want = vec![
        (ANA_POLICE.to_string(), "parks".to_string()),
        (BEN_LIGHTS.to_string(), "parks".to_string()),
    ];
    want.sort();
    assert_eq!(gold(&store), want);
}

/// A zip of `entries` (name, text) at `path`, as a tool's `.qdpx` is./// A zip of `entries` (name, text) at `path`, as a tool's `.qdpx` is.
fn write_zip(path: &std::path::Path, entries: &[(&str, &str)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    for (name, body) in entries {
        z.start_file(*name, o).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

fn seg_span(store: &Store, text: &str) -> (i64, i64) {
    store
        .conn()
        .query_row(
            "SELECT start_char, end_char FROM segments WHERE text = ?1",
            [text],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn import_names_the_file_when_it_is_not_a_qdpx() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let file = dir.path().join("broken.qdpx");
    std::fs::write(&file, b"not a zip").unwrap();
    let err = import_qdpx(
        &mut store,
        &file,
        &ImportOptions {
            source: Source::Human,
            coder: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("broken.qdpx"), "{err}");
    assert!(codings(&store, "human").is_empty());
}

/// Issue #13 bug 2: the `.qdc` writer and the `.qdpx` export had two GUID
/// functions, so a code imported from both into NVivo or ATLAS.ti appeared
/// twice. A codebook's `.qdc` and a project export with that codebook give
/// every code the same GUID, and the selections point at it.
#[test]
fn qdc_and_qdpx_give_each_code_the_same_guid() {
    let dir = tempfile::tempdir().unwrap();
    let store = project(dir.path(), "\n");
    // Only APIs old main had, so this test shows the bug there.
    let cb: classify::Codebook = serde_json::from_str(CODEBOOK).unwrap();
    assert!(cb.codes.len() >= 3);

    let guids = |xml: &str| -> std::collections::BTreeMap<String, String> {
        let doc = roxmltree::Document::parse(xml).unwrap();
        doc.descendants()
            .filter(|n| n.tag_name().name() == "Code")
            .map(|n| {
                (
                    n.attribute("name").unwrap().to_string(),
                    n.attribute("guid").unwrap().to_string(),
                )
            })
            .collect()
    };
    let qdc = guids(&classify::qdc::to_qdc(&cb));
    let (bytes, _) =
        qdpx_bytes(&store, &ProjectData::load(&store).unwrap(), &export_opts()).unwrap();
    let files = unzip(&bytes);
    let project_xml = &files.iter().find(|(f, _)| f == "project.qde").unwrap().1;
    let qdpx = guids(project_xml);
    for c in &cb.codes {
        let g = &qdc[&c.name];
        assert_eq!(qdpx.get(&c.name), Some(g), "code {}", c.id);
    }
    // Every selection's CodeRef names one of those GUIDs.
    let doc = roxmltree::Document::parse(project_xml).unwrap();
    let known: BTreeSet<&String> = qdpx.values().collect();
    let refs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "CodeRef")
        .map(|n| n.attribute("targetGUID").unwrap())
        .collect();
    assert!(!refs.is_empty());
    for r in refs {
        assert!(known.contains(&r.to_string()), "{r}");
    }
}

/// Issue #17 item 18: a selection whose start is after its end is called
/// reversed (it was "outside its text").
#[test]
fn reversed_positions_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let text = store.document_text("group1.txt").unwrap().unwrap();
    let qde = r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="parks" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="group1.txt" plainTextPath="internal://one.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="20" endPosition="10" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>"#;
    let file = dir.path().join("reversed.qdpx");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&file).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("project.qde", o).unwrap();
    z.write_all(qde.as_bytes()).unwrap();
    z.start_file("Sources/one.txt", o).unwrap();
    z.write_all(text.as_bytes()).unwrap();
    z.finish().unwrap();
    let err = import_qdpx(
        &mut store,
        &file,
        &ImportOptions {
            source: Source::Gold,
            coder: None,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("20..10 are reversed"), "{err}");
}

/// Issue #17 item 8: the import inflated entries without a limit (a 1.2 MB
/// file whose project.qde inflated to 1.2 GB reached 2.47 GB of memory).
/// Every entry read is capped, and the error names the entry and the limit.
#[test]
fn an_entry_inflating_past_the_cap_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let limit = report::qdpx::MAX_QDPX_ENTRY_BYTES;
    let bomb = |entry: &str| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        if entry != "project.qde" {
            let qde = r#"<?xml version="1.0" encoding="utf-8"?><Project name="p"><Sources><TextSource guid="a" name="t" plainTextPath="internal://t.txt"/></Sources></Project>"#;
            zip.start_file("project.qde", options).unwrap();
            zip.write_all(qde.as_bytes()).unwrap();
        }
        // Zeros compress about 1000:1: a few hundred KB of archive.
        zip.start_file(entry, options.large_file(true)).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..=(limit >> 20) {
            zip.write_all(&chunk).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let opts = ImportOptions {
        source: Source::Human,
        coder: None,
    };
    for entry in ["project.qde", "sources/t.txt"] {
        let file = dir.path().join("bomb.qdpx");
        let bytes = bomb(entry);
        assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
        std::fs::write(&file, bytes).unwrap();
        let err = import_qdpx(&mut store, &file, &opts)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "{}: {entry}: larger than the limit of 256 MiB when inflated; refused (a zip bomb, or not a REFI-QDA project)",
                file.display()
            )
        );
    }
    assert!(codings(&store, "human").is_empty());
}

/// Reviewers' memos travel as REFI-QDA notes: one `<Note>` per memo after
/// the sources, each referred to from a selection of its sentence that
/// codes nothing, its reviewer a user; the same store gives the same
/// bytes, and importing the file stores the same codings as without them.
#[test]
fn reviewers_memos_are_exported_as_notes_on_their_sentences() {
    let memo = |store: &Store, text: &str, code: &str, decision: &str, memo: &str| {
        let s = seg(store, text);
        store
            .conn()
            .execute(
                "INSERT INTO reviews(segment_id, document, text_hash, code_id, decision, reviewer, memo, created_at)
                 SELECT s.id, d.name, s.text_hash, ?2, ?3, 'mo', ?4, '2026-02-03T04:05:06Z'
                 FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id = ?1",
                (s, code, decision, memo),
            )
            .unwrap();
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let stores: Vec<Store> = dirs
        .iter()
        .map(|d| {
            let s = project(d.path(), "\n");
            memo(
                &s,
                ANA_PARK,
                "parks",
                "memo",
                "she means the new park, <not> the old one",
            );
            memo(
                &s,
                CAI_PARK,
                "police",
                "reject",
                "about the café, not the police",
            );
            s
        })
        .collect();
    let export = |s: &Store| qdpx_bytes(s, &ProjectData::load(s).unwrap(), &export_opts()).unwrap();
    let (bytes, summary) = export(&stores[0]);
    assert_eq!(
        bytes,
        export(&stores[1]).0,
        "same store content, same bytes"
    );
    assert_eq!((summary.notes, summary.selections), (2, 5));

    let files = unzip(&bytes);
    let doc = roxmltree::Document::parse(&files[0].1).unwrap();
    let root = doc.root_element();
    let order: Vec<&str> = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        order,
        [
            "Users",
            "CodeBook",
            "Variables",
            "Cases",
            "Sources",
            "Notes"
        ]
    );
    let mo = root
        .descendants()
        .find(|n| n.tag_name().name() == "User" && n.attribute("name") == Some("mo"))
        .unwrap()
        .attribute("guid")
        .unwrap();
    let notes: Vec<(&str, &str, &str)> = root
        .descendants()
        .filter(|n| n.tag_name().name() == "Note")
        .map(|n| {
            assert_eq!(n.attribute("creatingUser"), Some(mo));
            assert_eq!(
                n.attribute("creationDateTime"),
                Some("2026-02-03T04:05:06Z")
            );
            let text = n
                .children()
                .find(|c| c.tag_name().name() == "PlainTextContent")
                .unwrap()
                .text()
                .unwrap();
            (
                n.attribute("guid").unwrap(),
                n.attribute("name").unwrap(),
                text,
            )
        })
        .collect();
    assert_eq!(notes.len(), 2);
    // Each note is referred to from a selection of its sentence.
    for (guid, name, text) in &notes {
        let sel = root
            .descendants()
            .find(|n| {
                n.tag_name().name() == "PlainTextSelection"
                    && n.children().any(|c| {
                        c.tag_name().name() == "NoteRef" && c.attribute("targetGUID") == Some(guid)
                    })
            })
            .unwrap();
        assert!(!sel.children().any(|c| c.tag_name().name() == "Coding"));
        let sentence = selection_text(&files, sel);
        match *text {
            "she means the new park, <not> the old one" => {
                assert_eq!((sentence.as_str(), *name), (ANA_PARK, "mo: memo on parks"))
            }
            "about the café, not the police" => {
                assert_eq!((sentence.as_str(), *name), (CAI_PARK, "mo: reject police"))
            }
            other => panic!("unexpected note {other:?}"),
        }
    }

    // Importing the file stores the codings, as without the notes.
    let file = dirs[0].path().join("memos.qdpx");
    std::fs::write(&file, &bytes).unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let mut b = empty_project(b_dir.path(), "\n");
    let s = import_qdpx(
        &mut b,
        &file,
        &ImportOptions {
            source: Source::Human,
            coder: None,
        },
    )
    .unwrap();
    assert!(!s.partial(), "{s:?}");
    assert_eq!(codings(&b, "human"), codings(&stores[0], "human"));
}

/// "Other" under two parents, in the codebook and in another tool's
/// project: a coding goes to the code of its path of names. Before, every
/// coding of either "Other" went to the last code of that name; a name the
/// path does not settle is now left out and named.
#[test]
fn codes_sharing_a_name_are_told_apart_by_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    store
        .conn()
        .execute(
            "INSERT INTO codebooks(version, name, content_hash, body, created_at) VALUES (2, 'two others', 'h2', ?1, '2026-01-02T00:00:00Z')",
            [r#"{"name": "two others", "codes": [
              {"id": "safety", "name": "Safety"},
              {"id": "safety/other", "name": "Other", "parent": "safety"},
              {"id": "parks", "name": "Parks"},
              {"id": "parks/other", "name": "Other", "parent": "parks"}]}"#],
        )
        .unwrap();
    let two = store.document_text("group2.txt").unwrap().unwrap();
    let start = two[..two.find(CAI_PARK).unwrap()].chars().count();
    let end = start + CAI_PARK.chars().count();
    let coded = |guid: &str| {
        format!(
            r#"<PlainTextSelection guid="EEEEEEEE-0000-0000-0000-00000000000{g}" startPosition="{start}" endPosition="{end}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"><Coding guid="FFFFFFFF-0000-0000-0000-00000000000{g}"><CodeRef targetGUID="{guid}"/></Coding></PlainTextSelection>"#,
            g = &guid[guid.len() - 1..]
        )
    };
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nvivo">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="Safety" isCodable="true">
   <Code guid="CCCCCCCC-0000-0000-0000-000000000002" name="Other" isCodable="true"/>
  </Code>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000003" name="Parks" isCodable="true">
   <Code guid="CCCCCCCC-0000-0000-0000-000000000004" name="Other" isCodable="true"/>
  </Code>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000005" name="Other" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000002" name="group2.txt" plainTextPath="internal://two.txt">
   {}{}
  </TextSource>
 </Sources>
</Project>"#,
        coded("CCCCCCCC-0000-0000-0000-000000000004"),
        coded("CCCCCCCC-0000-0000-0000-000000000005"),
    );
    let file = dir.path().join("others.qdpx");
    write_zip(&file, &[("project.qde", &qde), ("sources/two.txt", &two)]);
    let s = import_qdpx(
        &mut store,
        &file,
        &ImportOptions {
            source: Source::Human,
            coder: None,
        },
    )
    .unwrap();
    let got: Vec<String> = codings(&store, "human").into_iter().map(|r| r.3).collect();
    assert_eq!(got, ["parks/other"]);
    let (label, n) = s.unknown_codes.iter().next().unwrap();
    assert_eq!(*n, 1);
    assert!(label.contains("a name 2 codes share"), "{label}");
}

/// A participant attribute's variable is typed by its values, as NVivo's
/// and ATLAS.ti's numeric and date filters read them: an age `Integer`, a
/// score `Float`, an interview date `Date`, a band `Text`.
#[test]
fn numbers_and_dates_are_typed_variables() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = project(dir.path(), "\n");
    let attrs = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    store
        .add_participant_attributes(&[
            (
                "P1".into(),
                attrs(&[
                    ("age", "72"),
                    ("score", "3.5"),
                    ("interviewed", "2024-03-14"),
                ]),
            ),
            (
                "P2".into(),
                attrs(&[("age", "66"), ("score", "4"), ("interviewed", "2024-04-02")]),
            ),
        ])
        .unwrap();
    let (bytes, _) =
        qdpx_bytes(&store, &ProjectData::load(&store).unwrap(), &export_opts()).unwrap();
    let files = unzip(&bytes);
    let doc = roxmltree::Document::parse(&files[0].1).unwrap();
    let types: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "Variable")
        .map(|n| {
            (
                n.attribute("name").unwrap(),
                n.attribute("typeOfVariable").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("age", "Integer"),
            ("group", "Text"),
            ("interviewed", "Date"),
            ("role", "Text"),
            ("score", "Float")
        ]
    );
    let p1 = doc
        .descendants()
        .find(|n| n.tag_name().name() == "Case" && n.attribute("name") == Some("P1"))
        .unwrap();
    let values: Vec<(&str, &str)> = p1
        .descendants()
        .filter(|n| {
            n.tag_name().name().ends_with("Value") && n.tag_name().name() != "VariableValue"
        })
        .map(|n| (n.tag_name().name(), n.text().unwrap()))
        .collect();
    assert_eq!(
        values,
        [
            ("IntegerValue", "72"),
            ("TextValue", "A"),
            ("DateValue", "2024-03-14"),
            ("TextValue", "resident"),
            ("FloatValue", "3.5")
        ]
    );
}

/// The selection's (start, end) in code points of `sentence` in `text`.
fn char_span(text: &str, sentence: &str) -> (usize, usize) {
    let start = text[..text.find(sentence).unwrap()].chars().count();
    (start, start + sentence.chars().count())
}

fn import_gold(store: &mut Store, file: &std::path::Path) -> report::qdpx::ImportSummary {
    import_qdpx(
        store,
        file,
        &ImportOptions {
            source: Source::Gold,
            coder: None,
        },
    )
    .unwrap()
}

/// A gold coding `(document, sentence, code)` by Maria, as stored.
fn maria(store: &Store, document: &str, sentence: &str, code: &str) -> Row {
    let (start, end) = seg_span(store, sentence);
    (
        document.to_string(),
        start,
        end,
        code.to_string(),
        "Maria".to_string(),
    )
}

/// h8/01: a colleague's copy of a transcript keeps the invisible marks
/// ingest drops (an RTL keyboard's mark after a name, a zero-width space
/// pasted from the web, a joined file's byte-order mark, a direction
/// embedding). It is the same text, and every selection lands on its
/// sentence through the characters the store lacks; before, the source
/// matched no document and all its codings were dropped.
#[test]
fn a_copy_with_the_invisible_marks_ingest_drops_matches_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\r\n");
    let stored = store.document_text("group1.txt").unwrap().unwrap();
    let park_with_mark = "The park\u{200b} is lovely.";
    let lights_embedded = "Street lights are broken on \u{202b}Elm Street\u{202c}.";
    let copy = stored
        .replace("Ana:", "Ana\u{200f}:")
        .replace(ANA_PARK, park_with_mark)
        .replace("\r\nBen:", "\r\n\u{feff}Ben:")
        .replace(BEN_LIGHTS, lights_embedded);
    assert_eq!(copy.chars().count(), stored.chars().count() + 5);
    // Ingest reads the colleague's file as the store holds it: one rule.
    assert_eq!(
        corpus::decode_text(std::path::Path::new("group1.txt"), copy.as_bytes())
            .unwrap()
            .text,
        stored
    );
    let park = char_span(&copy, park_with_mark);
    let lights = char_span(&copy, lights_embedded);
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="nvivo">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="Parks" isCodable="true"/>
  <Code guid="CCCCCCCC-0000-0000-0000-000000000002" name="Street lighting" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="Group one (NVivo)" plainTextPath="internal://one.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000002" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000002"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000002"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>"#,
        park.0, park.1, lights.0, lights.1
    );
    let file = dir.path().join("marks.qdpx");
    write_zip(&file, &[("project.qde", &qde), ("sources/one.txt", &copy)]);
    let s = import_gold(&mut store, &file);
    assert_eq!((s.sources, s.matched_sources), (1, 1), "{s:?}");
    assert!(!s.partial(), "{s:?}");
    let want: BTreeSet<Row> = [
        maria(&store, "group1.txt", ANA_PARK, "parks"),
        maria(&store, "group1.txt", BEN_LIGHTS, "lighting"),
    ]
    .into_iter()
    .collect();
    assert_eq!(codings(&store, "gold"), want);
}

/// h8/02: a PDF's text codings (its `<Representation>`, a text source)
/// are imported as a text source's are; codings autocode cannot place (a
/// PDF's regions, the PDF coded whole, a recording's and its transcript's
/// stretches) are counted and named per source, and the import is partial.
/// A non-text source with no person's coding says nothing. Before, none of
/// these sources was read, and the import said "0 of 0 sources".
#[test]
fn a_pdfs_text_codings_are_imported_and_its_region_codings_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let two = store.document_text("group2.txt").unwrap().unwrap();
    let park = char_span(&two, CAI_PARK);
    let machine = report::qdpx::machine_user_guid();
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="atlas">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes><Code guid="CCCCCCCC-0000-0000-0000-000000000001" name="parks" isCodable="true"/></Codes></CodeBook>
 <Sources>
  <PDFSource guid="DDDDDDDD-0000-0000-0000-000000000002" name="Group 2 (scan)" path="internal://two.pdf">
   <Representation guid="DDDDDDDD-0000-0000-0000-000000000003" plainTextPath="internal://two.txt">
    <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
     <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
    </PlainTextSelection>
   </Representation>
   <PDFSelection guid="EEEEEEEE-0000-0000-0000-000000000002" page="0" firstX="72" firstY="700" secondX="540" secondY="660" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000002"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </PDFSelection>
   <Coding guid="FFFFFFFF-0000-0000-0000-000000000003" creatingUser="AAAAAAAA-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
  </PDFSource>
  <AudioSource guid="DDDDDDDD-0000-0000-0000-000000000004" name="walk-along.m4a" path="internal://walk.m4a">
   <Transcript guid="DDDDDDDD-0000-0000-0000-000000000005" plainTextPath="internal://walk.txt">
    <SyncPoint guid="99999999-0000-0000-0000-000000000001" timeStamp="0" position="0"/>
    <SyncPoint guid="99999999-0000-0000-0000-000000000002" timeStamp="4000" position="20"/>
    <TranscriptSelection guid="EEEEEEEE-0000-0000-0000-000000000003" fromSyncPoint="99999999-0000-0000-0000-000000000001" toSyncPoint="99999999-0000-0000-0000-000000000002" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
     <Coding guid="FFFFFFFF-0000-0000-0000-000000000004"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
    </TranscriptSelection>
   </Transcript>
   <AudioSelection guid="EEEEEEEE-0000-0000-0000-000000000004" begin="0" end="4000" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000005"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </AudioSelection>
  </AudioSource>
  <VideoSource guid="DDDDDDDD-0000-0000-0000-000000000006" name="autocode's own" path="internal://v.mp4">
   <VideoSelection guid="EEEEEEEE-0000-0000-0000-000000000005" begin="0" end="1000" creatingUser="{machine}">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000006"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Coding>
   </VideoSelection>
  </VideoSource>
  <PictureSource guid="DDDDDDDD-0000-0000-0000-000000000007" name="map.png" path="internal://map.png"/>
 </Sources>
</Project>"#,
        park.0, park.1
    );
    let file = dir.path().join("pdf.qdpx");
    write_zip(
        &file,
        &[
            ("project.qde", &qde),
            ("sources/two.txt", &two),
            ("sources/two.pdf", "%PDF-1.4\n%%EOF\n"),
        ],
    );
    let s = import_gold(&mut store, &file);
    assert_eq!((s.sources, s.matched_sources), (1, 1), "{s:?}");
    let why = "autocode codes text, not a PDF's regions, a picture or a recording; \
               code the passage in the source's text in the QDA program";
    assert_eq!(
        s.unmatched_sources,
        [
            format!(
                "Group 2 (scan) (<PDFSource>): 2 codings not imported \
                 (1 <PDFSelection>, 1 on the <PDFSource> itself): {why}"
            ),
            format!(
                "walk-along.m4a (<AudioSource>): 2 codings not imported \
                 (1 <AudioSelection>, 1 <TranscriptSelection>): {why}"
            ),
        ]
    );
    assert!(s.partial());
    assert_eq!(
        codings(&store, "gold"),
        BTreeSet::from([maria(&store, "group2.txt", CAI_PARK, "parks")])
    );
}

/// h8/03: a source whose text the file does not hold (a document the QDA
/// program links, `relative://`; an `internal://` file missing from the
/// zip) is skipped with a warning naming it and what it held, and the
/// other sources are imported. Before, it failed the whole import.
#[test]
fn a_source_whose_text_the_file_lacks_is_skipped_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let one = store.document_text("group1.txt").unwrap().unwrap();
    let lights = char_span(&one, BEN_LIGHTS);
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="maxqda" basePath="C:\Users\maria\Study">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Maria"/></Users>
 <CodeBook><Codes><Code guid="CCCCCCCC-0000-0000-0000-000000000002" name="Street lighting" isCodable="true"/></Codes></CodeBook>
 <Sources>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000009" name="focus-group-2" plainTextPath="relative://focus-group-2.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000009" startPosition="0" endPosition="10" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000009"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000002"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000001" name="group1.txt" plainTextPath="internal://one.txt">
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{}" endPosition="{}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="CCCCCCCC-0000-0000-0000-000000000002"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <TextSource guid="DDDDDDDD-0000-0000-0000-000000000003" name="group3.txt" plainTextPath="internal://three.txt"/>
 </Sources>
</Project>"#,
        lights.0, lights.1
    );
    let file = dir.path().join("linked.qdpx");
    write_zip(&file, &[("project.qde", &qde), ("sources/one.txt", &one)]);
    let s = import_gold(&mut store, &file);
    assert_eq!((s.sources, s.matched_sources), (3, 1), "{s:?}");
    assert_eq!(
        s.unmatched_sources,
        [
            "focus-group-2: its text is not in the archive (plainTextPath \
             \"relative://focus-group-2.txt\" links a file outside it): skipped with its 1 coding; \
             export the project with its sources embedded to import it",
            "group3.txt: its text internal://three.txt is not in the archive: \
             skipped (no person coded in it)",
        ]
    );
    assert!(s.partial());
    assert_eq!(
        codings(&store, "gold"),
        BTreeSet::from([maria(&store, "group1.txt", BEN_LIGHTS, "lighting")])
    );
}

/// The codebook's four codes as a QDA program's project names them.
const PROJECT_CODES: [(&str, &str); 4] = [
    ("CCCCCCCC-0000-0000-0000-000000000001", "Parks"),
    ("CCCCCCCC-0000-0000-0000-000000000002", "Street lighting"),
    ("CCCCCCCC-0000-0000-0000-000000000003", "Police presence"),
    ("CCCCCCCC-0000-0000-0000-000000000004", "Safety"),
];

/// One `<PlainTextSelection>`: its GUID, positions, creating user's GUID
/// and the names of the codes its codings give.
struct Selection<'a> {
    guid: &'a str,
    span: (usize, usize),
    user: &'a str,
    codes: &'a [&'a str],
}

/// A `.qdpx` at `path` whose `<Users>` are `users` (GUID, name) and whose
/// text sources are `sources` (name, text, selections).
fn write_project(
    path: &std::path::Path,
    users: &[(&str, &str)],
    sources: &[(&str, &str, Vec<Selection>)],
) {
    let mut qde = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"nvivo\">\n <Users>",
    );
    for (guid, name) in users {
        qde.push_str(&format!("<User guid=\"{guid}\" name=\"{name}\"/>"));
    }
    qde.push_str("</Users>\n <CodeBook><Codes>");
    for (guid, name) in PROJECT_CODES {
        qde.push_str(&format!(
            "<Code guid=\"{guid}\" name=\"{name}\" isCodable=\"true\"/>"
        ));
    }
    qde.push_str("</Codes></CodeBook>\n <Sources>\n");
    let mut entries: Vec<(String, String)> = Vec::new();
    for (i, (name, text, selections)) in sources.iter().enumerate() {
        qde.push_str(&format!(
            "  <TextSource guid=\"DDDDDDDD-0000-0000-0000-00000000000{i}\" name=\"{name}\" plainTextPath=\"internal://{i}.txt\">\n"
        ));
        for sel in selections {
            qde.push_str(&format!(
                "   <PlainTextSelection guid=\"{}\" startPosition=\"{}\" endPosition=\"{}\" creatingUser=\"{}\">",
                sel.guid, sel.span.0, sel.span.1, sel.user
            ));
            for code in sel.codes {
                let (guid, _) = PROJECT_CODES.iter().find(|(_, n)| n == code).unwrap();
                qde.push_str(&format!(
                    "<Coding guid=\"{}-{guid}\"><CodeRef targetGUID=\"{guid}\"/></Coding>",
                    sel.guid
                ));
            }
            qde.push_str("</PlainTextSelection>\n");
        }
        qde.push_str("  </TextSource>\n");
        entries.push((format!("sources/{i}.txt"), text.to_string()));
    }
    qde.push_str(" </Sources>\n</Project>\n");
    let mut all: Vec<(&str, &str)> = vec![("project.qde", &qde)];
    all.extend(entries.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    write_zip(path, &all);
}

const MARIA: &str = "AAAAAAAA-0000-0000-0000-000000000001";
const TOM: &str = "AAAAAAAA-0000-0000-0000-000000000002";

/// The participant sentences of `document` marked as gold-covered.
fn covered(store: &Store, document: &str) -> BTreeSet<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT s.text FROM gold_coverage g JOIN segments s ON s.id = g.segment_id
             JOIN documents d ON d.id = s.document_id WHERE d.name = ?1",
        )
        .unwrap();
    stmt.query_map([document], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// h24/01: the QDA program's copy of a transcript had a word put back
/// after it was ingested ("The park is so lovely."). It is the stored
/// document of its name: each selection whose text is unchanged is placed
/// through the difference (Ben's sentence after it, three characters on,
/// lands on his sentence; "The park" on Ana's), the coding on the changed
/// words is not imported and the warning names the document, where it
/// differs and the coding left out; the changed sentence is neither
/// covered nor has its earlier coding taken back. A source of that name
/// with another text altogether is skipped, its codings counted. Before,
/// one corrected word dropped every coding of the document, with a
/// warning that no document had its text.
#[test]
fn a_copy_with_a_word_changed_keeps_the_codings_of_unchanged_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let one = store.document_text("group1.txt").unwrap().unwrap();
    // An earlier import of the transcript as ingested: Maria's Parks on
    // Ana's park sentence.
    let first = dir.path().join("first.qdpx");
    write_project(
        &first,
        &[(MARIA, "Maria")],
        &[(
            "group1.txt",
            &one,
            vec![Selection {
                guid: "EEEEEEEE-0000-0000-0000-000000000001",
                span: char_span(&one, ANA_PARK),
                user: MARIA,
                codes: &["Parks"],
            }],
        )],
    );
    let s = import_gold(&mut store, &first);
    assert_eq!(s.codings_added, 1, "{s:?}");

    let edited_park = "The park is so lovely.";
    let copy = one.replace(ANA_PARK, edited_park);
    let file = dir.path().join("edited.qdpx");
    let sel = |guid, span, codes| Selection {
        guid,
        span,
        user: MARIA,
        codes,
    };
    let the_park = char_span(&copy, "The park");
    write_project(
        &file,
        &[(MARIA, "Maria")],
        &[(
            "group1.txt",
            &copy,
            vec![
                sel(
                    "EEEEEEEE-0000-0000-0000-000000000002",
                    char_span(&copy, ANA_POLICE),
                    &["Police presence"],
                ),
                sel(
                    "EEEEEEEE-0000-0000-0000-000000000003",
                    char_span(&copy, BEN_LIGHTS),
                    &["Street lighting"],
                ),
                sel(
                    "EEEEEEEE-0000-0000-0000-000000000004",
                    the_park,
                    &["Safety"],
                ),
                sel(
                    "EEEEEEEE-0000-0000-0000-000000000005",
                    char_span(&copy, "so lovely"),
                    &["Parks"],
                ),
            ],
        )],
    );
    let s = import_gold(&mut store, &file);
    assert_eq!((s.sources, s.matched_sources), (1, 1), "{s:?}");
    assert_eq!(
        s.unmatched_sources,
        [
            "group1.txt: its text differs from the stored document `group1.txt` in 1 place \
          (on line 2: \"lovely.\" there, \"so lovely.\" in the file); the 1 stored sentence \
          on changed words is left as it was (no earlier coding taken back, not marked as \
          coded by people); 1 coding on changed words not imported, the rest placed through \
          the differences"
        ]
    );
    assert!(s.partial());
    assert_eq!((s.codings_added, s.codings_removed), (3, 0), "{s:?}");
    let want: BTreeSet<Row> = [
        maria(&store, "group1.txt", ANA_POLICE, "police"),
        maria(&store, "group1.txt", BEN_LIGHTS, "lighting"),
        maria(&store, "group1.txt", ANA_PARK, "safety"),
        maria(&store, "group1.txt", ANA_PARK, "parks"),
    ]
    .into_iter()
    .collect();
    assert_eq!(codings(&store, "gold"), want);
    // Ana's park sentence was covered by the first import, and not by
    // this one; Ben's and Ana's police sentence are.
    assert_eq!(
        covered(&store, "group1.txt"),
        BTreeSet::from([ANA_POLICE, ANA_PARK, BEN_LIGHTS].map(str::to_string))
    );
    let fresh_dir = tempfile::tempdir().unwrap();
    let mut fresh = empty_project(fresh_dir.path(), "\n");
    let s = import_gold(&mut fresh, &file);
    assert_eq!(s.codings_added, 3, "{s:?}");
    assert_eq!(
        covered(&fresh, "group1.txt"),
        BTreeSet::from([ANA_POLICE, BEN_LIGHTS].map(str::to_string))
    );

    // Another text under the document's name: not the document.
    let other =
        "Interviewer: Tell me about your street.\nDan: It is quiet and the bins are collected.\n";
    let file = dir.path().join("other.qdpx");
    write_project(
        &file,
        &[(MARIA, "Maria")],
        &[(
            "group1.txt",
            other,
            vec![sel(
                "EEEEEEEE-0000-0000-0000-000000000006",
                char_span(other, "It is quiet"),
                &["Safety", "Parks"],
            )],
        )],
    );
    let before = codings(&store, "gold");
    let s = import_gold(&mut store, &file);
    assert_eq!(
        s.unmatched_sources,
        [
            "group1.txt: the stored document `group1.txt` of this name has another text, \
          and no stored document has this text: skipped with its 2 codings"
        ]
    );
    assert_eq!(s.matched_sources, 0);
    assert_eq!(codings(&store, "gold"), before);
}

/// h24/02: a selection covering no stored sentence (a speaker's label, a
/// title line) is named by its source, GUID, positions, text and codes,
/// once however many codes it gives. Before, the import counted its
/// codings ("2 selections") and said neither where nor what.
#[test]
fn a_selection_covering_no_sentence_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let one = store.document_text("group1.txt").unwrap().unwrap();
    let ana_label = char_span(&one, "Ana:");
    let file = dir.path().join("labels.qdpx");
    write_project(
        &file,
        &[(MARIA, "Maria")],
        &[(
            "Group one",
            &one,
            vec![
                Selection {
                    guid: "EEEEEEEE-0000-0000-0000-000000000001",
                    span: ana_label,
                    user: MARIA,
                    codes: &["Parks", "Safety"],
                },
                Selection {
                    guid: "EEEEEEEE-0000-0000-0000-000000000002",
                    span: char_span(&one, BEN_LIGHTS),
                    user: MARIA,
                    codes: &["Street lighting"],
                },
            ],
        )],
    );
    let s = import_gold(&mut store, &file);
    assert_eq!(
        s.unplaced_selections,
        [report::qdpx::UnplacedSelection {
            source: "Group one".into(),
            document: "group1.txt".into(),
            guid: Some("EEEEEEEE-0000-0000-0000-000000000001".into()),
            start: ana_label.0,
            end: ana_label.1,
            text: "Ana:".into(),
            codes: vec!["Parks".into(), "Safety".into()],
        }]
    );
    assert!(s.partial());
    assert_eq!(
        codings(&store, "gold"),
        BTreeSet::from([maria(&store, "group1.txt", BEN_LIGHTS, "lighting")])
    );
}

/// h24/03: each coder codes in a copy of the master project, whose
/// `<Users>` list every coder. Tom's copy holds no coding of Maria's: her
/// earlier import stays, group1 (which Tom's copy holds uncoded) stays
/// covered and is not called uncoded, and nothing is taken back, with or
/// without `--coder`. Maria's own corrected copy still replaces her work
/// (he/02), and leaves Tom's. Before, Tom's copy took back all of Maria's
/// codings while her documents stayed covered: every sentence a "no".
#[test]
fn a_colleagues_copy_listing_every_user_keeps_the_other_coders_gold() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = empty_project(dir.path(), "\n");
    let one = store.document_text("group1.txt").unwrap().unwrap();
    let two = store.document_text("group2.txt").unwrap().unwrap();
    let users = [(MARIA, "Maria"), (TOM, "Tom")];
    let copy = |name: &str, one_codes: Vec<Selection>, two_codes: Vec<Selection>| {
        let file = dir.path().join(name);
        write_project(
            &file,
            &users,
            &[
                ("group1.txt", &one, one_codes),
                ("group2.txt", &two, two_codes),
            ],
        );
        file
    };
    let marias = |code: &'static [&'static str]| {
        vec![Selection {
            guid: "EEEEEEEE-0000-0000-0000-000000000001",
            span: char_span(&one, ANA_POLICE),
            user: MARIA,
            codes: code,
        }]
    };
    let toms = vec![Selection {
        guid: "EEEEEEEE-0000-0000-0000-000000000002",
        span: char_span(&two, CAI_PARK),
        user: TOM,
        codes: &["Parks"],
    }];
    let maria_copy = copy("maria.qdpx", marias(&["Police presence"]), vec![]);
    let s = import_gold(&mut store, &maria_copy);
    assert_eq!(s.uncoded_sources, ["group2.txt"]);
    let tom_copy = copy("tom.qdpx", vec![], toms);
    let s = import_gold(&mut store, &tom_copy);
    assert_eq!((s.codings_added, s.codings_removed), (1, 0), "{s:?}");
    assert!(s.uncoded_sources.is_empty(), "{s:?}");
    let tom_row = (
        "group2.txt".to_string(),
        seg_span(&store, CAI_PARK).0,
        seg_span(&store, CAI_PARK).1,
        "parks".to_string(),
        "Tom".to_string(),
    );
    let want = BTreeSet::from([
        maria(&store, "group1.txt", ANA_POLICE, "police"),
        tom_row.clone(),
    ]);
    assert_eq!(codings(&store, "gold"), want);
    let s = import_qdpx(
        &mut store,
        &tom_copy,
        &ImportOptions {
            source: Source::Gold,
            coder: Some("Tom".into()),
        },
    )
    .unwrap();
    assert_eq!((s.codings_added, s.codings_removed), (0, 0), "{s:?}");
    assert_eq!(codings(&store, "gold"), want);
    assert!(covered(&store, "group1.txt").contains(ANA_POLICE));
    // Maria's corrected copy: her sentence is Safety now.
    let corrected = copy("maria2.qdpx", marias(&["Safety"]), vec![]);
    let s = import_gold(&mut store, &corrected);
    assert_eq!((s.codings_added, s.codings_removed), (1, 1), "{s:?}");
    assert_eq!(
        codings(&store, "gold"),
        BTreeSet::from([maria(&store, "group1.txt", ANA_POLICE, "safety"), tom_row])
    );
}
