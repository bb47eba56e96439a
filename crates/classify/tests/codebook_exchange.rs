//! Codebook exchange with QDA tools (findings hw/01–05 of 2026-12-07): a
//! category's `isCodable="false"`, colour case, the `Set`'s `MemberCode`,
//! a REFI-QDA project given as the codebook, code order, and control
//! characters. Each round trip must give back the same codebook, and so
//! the same version (content hash).

use std::path::Path;

use classify::qdc::{code_guid, to_qdc};
use classify::{parse_codebook, Codebook, CodebookFormat};

fn yaml(src: &str) -> Codebook {
    parse_codebook(src, "cb.yaml", CodebookFormat::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn qdc(src: &str) -> Codebook {
    parse_codebook(src, "cb.qdc", CodebookFormat::Qdc).unwrap_or_else(|e| panic!("{e}"))
}

fn json(src: &str) -> Codebook {
    parse_codebook(src, "cb.json", CodebookFormat::Json).unwrap_or_else(|e| panic!("{e}"))
}

/// The codebook read back from its export in `format`.
fn round_trip(cb: &Codebook, format: CodebookFormat) -> Codebook {
    parse_codebook(&cb.to_format(format), "export", format).unwrap_or_else(|e| panic!("{e}"))
}

/// A MAXQDA 24 codebook of two category folders (hw/01).
const MAXQDA: &str = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 24 (Release 24.4.0)">
<Codes>
<Code guid="8A1F3C2E-7B4D-4E5F-9A0B-1C2D3E4F5A01" name="Working remotely" isCodable="false" color="#0000FF">
<Description>Category folder: working away from an office.</Description>
<Code guid="8A1F3C2E-7B4D-4E5F-9A0B-1C2D3E4F5A02" name="Isolation" isCodable="true" color="#FF0000">
<Description>Feeling alone or cut off.</Description>
</Code>
<Code guid="8A1F3C2E-7B4D-4E5F-9A0B-1C2D3E4F5A03" name="Work-life boundaries" isCodable="true"/>
</Code>
<Code guid="8A1F3C2E-7B4D-4E5F-9A0B-1C2D3E4F5A04" name="Business" isCodable="0">
<Code guid="8A1F3C2E-7B4D-4E5F-9A0B-1C2D3E4F5A05" name="Clients" isCodable="true">
<Description>Winning and keeping customers.</Description>
</Code>
</Code>
</Codes>
</CodeBook>"##;

/// hw/01: `isCodable="false"` (and xsd:boolean's `0`) is read as
/// `codable: false`, and written back so by the `.qdc`, YAML and JSON.
#[test]
fn a_category_stays_a_category_through_every_format() {
    let cb = qdc(MAXQDA);
    let codable: Vec<(&str, bool)> = cb
        .codes
        .iter()
        .map(|c| (c.id.as_str(), c.codable))
        .collect();
    assert_eq!(
        codable,
        [
            ("Working remotely", false),
            ("Isolation", true),
            ("Work-life boundaries", true),
            ("Business", false),
            ("Clients", true),
        ]
    );
    let xml = to_qdc(&cb);
    assert!(
        xml.contains(&format!(
            "<Code guid=\"{}\" name=\"Working remotely\" isCodable=\"false\" color=\"#0000FF\">",
            code_guid("Working remotely")
        )),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"Business\" isCodable=\"false\">"),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"Clients\" isCodable=\"true\">"),
        "{xml}"
    );
    let y = cb.to_yaml();
    assert_eq!(y.matches("codable: false").count(), 2, "{y}");
    assert!(!y.contains("codable: true"), "{y}");
    assert!(cb
        .to_json()
        .contains(r#"{"id":"Business","name":"Business","definition":"","codable":false}"#));
    for format in [
        CodebookFormat::Qdc,
        CodebookFormat::Yaml,
        CodebookFormat::Json,
    ] {
        let back = round_trip(&cb, format);
        assert_eq!(back, cb, "{format:?}");
        assert_eq!(back.content_hash(), cb.content_hash(), "{format:?}");
    }
    // A category is never coded: not a catch-all, not a code coded by its
    // name alone ("Business" has no description).
    assert_eq!(cb.residual_codes(), [false; 5]);
    assert_eq!(cb.name_only(), ["Work-life boundaries"]);
    // `residual: true` on a category is a contradiction, refused by line.
    let err = parse_codebook(
        "codes:\n- id: other\n  codable: false\n  residual: true\n",
        "c.yaml",
        CodebookFormat::Yaml,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("c.yaml:4: codes[0].residual: code \"other\" is not codable"),
        "{err}"
    );
    // A misspelling is named with it.
    let err = parse_codebook(
        "codes:\n- id: a\n  codabel: false\n",
        "t.yaml",
        CodebookFormat::Yaml,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("(did you mean `codable`?)"), "{err}");
}

/// hw/01: a codebook whose codes are all codable has the body and hash it
/// had before the field existed, whether `codable: true` is written or
/// not; a body stored before loads with every code codable.
#[test]
fn codable_codes_keep_their_hash_and_old_bodies_load() {
    // The canonical JSON as autocode has always written it, and its sha256
    // (computed outside autocode, with Python's hashlib).
    const BODY: &str = r##"{"name":"Remote work","codes":[{"id":"isolation","name":"Isolation","definition":"Being alone."},{"id":"coping","name":"Coping","parent":"isolation","definition":"Ways of coping."},{"id":"costs","name":"Costs","definition":"Money.","color":"#e74c3c"}]}"##;
    const HASH: &str = "acb4779937c410fe770f7f0461f7dd1b425783aec5c5b01bd3a4065a3ae06efc";
    let plain = yaml(
        "name: Remote work\ncodes:\n- id: isolation\n  name: Isolation\n  definition: Being alone.\n- id: coping\n  name: Coping\n  parent: isolation\n  definition: Ways of coping.\n- id: costs\n  name: Costs\n  definition: Money.\n  color: '#e74c3c'\n",
    );
    assert_eq!(plain.to_json(), BODY);
    assert_eq!(plain.content_hash(), HASH);
    let said = yaml(
        "name: Remote work\ncodes:\n- id: isolation\n  name: Isolation\n  definition: Being alone.\n  codable: true\n- id: coping\n  name: Coping\n  parent: isolation\n  definition: Ways of coping.\n  codable: true\n- id: costs\n  name: Costs\n  definition: Money.\n  color: '#e74c3c'\n",
    );
    assert_eq!(said, plain);
    assert_eq!(said.content_hash(), HASH);
    let stored = Codebook::from_stored_json(BODY, "codebook version 1").unwrap();
    assert!(stored.codes.iter().all(|c| c.codable));
    assert_eq!(stored, plain);
}

/// An NVivo 14 codebook: lower-case GUIDs and colours, a two-line
/// description, "Other" under two parents, a `Set` (hw/02).
const NVIVO: &str = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14.23.2 (5)">
  <Codes>
    <Code guid="3f2a0c1e-0000-4000-8000-000000000001" name="Barriers to care" isCodable="true" color="#e74c3c">
      <Description>Anything that makes care harder to get.&#xD;
Includes cost.</Description>
      <Code guid="3f2a0c1e-0000-4000-8000-000000000002" name="Cost" isCodable="true" color="#e67e22"/>
      <Code guid="3f2a0c1e-0000-4000-8000-000000000003" name="Other" isCodable="true"/>
    </Code>
    <Code guid="3f2a0c1e-0000-4000-8000-000000000004" name="Facilitators" isCodable="true" color="#2ECC71">
      <Code guid="3f2a0c1e-0000-4000-8000-000000000005" name="Other" isCodable="true" color="#abc"/>
    </Code>
  </Codes>
  <Sets>
    <Set guid="3f2a0c1e-0000-4000-8000-000000000006" name="Access">
      <MemberCode guid="3f2a0c1e-0000-4000-8000-000000000002"/>
    </Set>
  </Sets>
</CodeBook>"##;

/// hw/02: a colour's letter case comes back as the tool wrote it, so the
/// `.qdc` export of an NVivo codebook is the same version.
#[test]
fn an_nvivo_codebooks_qdc_export_is_the_same_version() {
    let cb = qdc(NVIVO);
    let colours: Vec<Option<&str>> = cb.codes.iter().map(|c| c.color.as_deref()).collect();
    assert_eq!(
        colours,
        [
            Some("#e74c3c"),
            Some("#e67e22"),
            None,
            Some("#2ECC71"),
            Some("#abc")
        ]
    );
    let xml = to_qdc(&cb);
    assert!(xml.contains("color=\"#e74c3c\""), "{xml}");
    assert!(xml.contains("color=\"#2ECC71\""), "{xml}");
    // `#RGB` is REFI-QDA's RGBType too.
    assert!(xml.contains("color=\"#abc\""), "{xml}");
    let back = qdc(&xml);
    assert_eq!(back, cb);
    assert_eq!(back.content_hash(), cb.content_hash());
    assert_eq!(to_qdc(&back), xml, "byte-stable");
    // Colours REFI-QDA cannot carry are still left out.
    let named = yaml("codes:\n- id: a\n  definition: x\n  color: red\n");
    assert!(!to_qdc(&named).contains("color="));
}

/// hw/03: a set's member is `<MemberCode guid="…"/>`, as Codebook.xsd's
/// `MemberCodeType` requires, one per code, each a code's GUID; a file
/// written before with `targetGUID` still reads.
#[test]
fn set_members_carry_the_schemas_guid_attribute() {
    let cb = yaml(
        "name: Two codes\ncodes:\n- id: trust\n  definition: Trusting.\n- id: costs\n  definition: Money.\n",
    );
    let xml = to_qdc(&cb);
    assert!(!xml.contains("targetGUID"), "{xml}");
    let members: Vec<&str> = xml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<MemberCode guid=\""))
        .map(|l| l.trim_end_matches("\"/>"))
        .collect();
    assert_eq!(members, [code_guid("trust"), code_guid("costs")]);
    for guid in &members {
        assert!(xml.contains(&format!("<Code guid=\"{guid}\"")), "{xml}");
    }
    let old = xml.replace("<MemberCode guid=", "<MemberCode targetGUID=");
    let back = qdc(&old);
    assert_eq!(back, cb);
    assert_eq!(back.name, "Two codes");
}

/// A REFI-QDA project (`project.qde`) as NVivo writes it: users, the
/// codebook, a source with a coded selection (hw/04).
const PROJECT: &str = r##"<?xml version="1.0" encoding="utf-8"?>
<Project name="Access study" origin="NVivo 14" xmlns="urn:QDA-XML:project:1.0">
  <Users><User guid="5a000000-0000-4000-8000-000000000001" name="Ann"/></Users>
  <CodeBook>
    <Codes>
      <Code guid="5a000000-0000-4000-8000-000000000002" name="Barriers" isCodable="true">
        <Description>What stands in the way.</Description>
        <Code guid="5a000000-0000-4000-8000-000000000003" name="Cost" isCodable="true"/>
      </Code>
    </Codes>
  </CodeBook>
  <Sources>
    <TextSource guid="5a000000-0000-4000-8000-000000000004" name="Interview 1">
      <Description>Not a code's.</Description>
      <PlainTextContent>I: How do you get there? P: Two buses, and the fare is too dear.</PlainTextContent>
      <PlainTextSelection guid="5a000000-0000-4000-8000-000000000005" startPosition="0" endPosition="10">
        <Coding guid="5a000000-0000-4000-8000-000000000006"><CodeRef targetGUID="5a000000-0000-4000-8000-000000000003"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"##;

/// hw/04: a project's `.qde` is read for its codebook, named as the
/// project; a `.qdpx` (a zip), a QDA tool's own project file or another
/// zip is refused in a short error naming the file and what to give; XML
/// or a long text read as YAML is not quoted whole.
#[test]
fn a_refi_qda_project_given_as_the_codebook() {
    let dir = std::env::temp_dir().join(format!("autocode-hw04-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let qde = dir.join("project.qde");
    std::fs::write(&qde, PROJECT).unwrap();
    assert_eq!(CodebookFormat::from_path(&qde), CodebookFormat::Qdc);
    let cb = classify::load_codebook(&qde).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cb.name, "Access study");
    let view: Vec<(&str, Option<&str>, &str)> = cb
        .codes
        .iter()
        .map(|c| (c.id.as_str(), c.parent.as_deref(), c.definition.as_str()))
        .collect();
    assert_eq!(
        view,
        [
            ("Barriers", None, "What stands in the way."),
            ("Cost", Some("Barriers"), "")
        ]
    );
    // The zip's own bytes: a local file header, then a name.
    let zip: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x08\x00project.qde\x00\x00\x00";
    let qdpx = dir.join("project-nvivo.qdpx");
    std::fs::write(&qdpx, zip).unwrap();
    let err = classify::load_codebook(&qdpx).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "{}: codebook: a .qdpx is a REFI-QDA project (a zip archive), not a codebook: export the codebook",
            qdpx.display()
        )),
        "{err}"
    );
    assert!(err.contains("give its project.qde"), "{err}");
    assert!(err.len() < 400, "{} chars: {err}", err.len());
    let err = classify::not_a_codebook_file(Path::new("study.nvpx"), b"")
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("study.nvpx: codebook: a NVivo project file, not a codebook: export the codebook from NVivo as a REFI-QDA codebook (.qdc)"),
        "{err}"
    );
    assert!(classify::not_a_codebook_file(Path::new("s.mx24"), b"")
        .unwrap()
        .to_string()
        .contains("a MAXQDA project file"));
    let err = classify::not_a_codebook_file(Path::new("export.zip"), zip)
        .unwrap()
        .to_string();
    assert!(err.starts_with("export.zip: codebook: a zip archive, not a codebook file"));
    for fine in ["codebook.yaml", "codes.xlsx", "codebook.qdc"] {
        assert!(classify::not_a_codebook_file(Path::new(fine), b"codes:").is_none());
    }
    // The project under an extension read as YAML: said to be XML, not
    // quoted (3 kB here; a project with its transcripts inline is more).
    let err = parse_codebook(PROJECT, "project.txt", CodebookFormat::Yaml)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("project.txt:1: codebook: the file is XML, not YAML"),
        "{err}"
    );
    assert!(!err.contains("Two buses"), "{err}");
    // Any text serde quotes is cut.
    let long = format!("\"{}\"\n", "word ".repeat(400));
    let err = parse_codebook(&long, "notes.yaml", CodebookFormat::Yaml)
        .unwrap_err()
        .to_string();
    assert!(err.len() < 200, "{} chars: {err}", err.len());
    assert!(err.contains("invalid type: string \"word word"), "{err}");
    assert!(err.contains("…\""), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// hw/05: a sub-code appended at the end of a YAML file (a second coding
/// round's) is read in the order a `.qdc` nests it, right after its
/// parent; the version's hash does not depend on where a child is
/// listed, and a codebook in that order already hashes as before.
#[test]
fn where_a_child_is_listed_is_no_new_version() {
    let appended = yaml(
        "name: Remote work\ncodes:\n- id: isolation\n  name: Isolation\n  definition: Being alone.\n- id: costs\n  name: Costs\n  definition: Money.\n  color: '#e74c3c'\n- id: coping\n  name: Coping\n  parent: isolation\n  definition: Ways of coping.\n",
    );
    let ids: Vec<&str> = appended.codes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["isolation", "coping", "costs"]);
    // The hash of the canonical body (`codable_codes_keep_their_hash…`).
    let hash = "acb4779937c410fe770f7f0461f7dd1b425783aec5c5b01bd3a4065a3ae06efc";
    assert_eq!(appended.content_hash(), hash);
    let back = round_trip(&appended, CodebookFormat::Qdc);
    assert_eq!(back, appended);
    assert_eq!(back.content_hash(), hash);
    // A body stored in another order (a version made on the review page,
    // a child added at the end) hashes as the same codebook.
    let mut stored = appended.clone();
    stored.codes.swap(1, 2);
    assert_eq!(stored.canonical_order(), [0, 2, 1]);
    assert_eq!(stored.content_hash(), hash);
    // The order among siblings is the codebook's: another order is
    // another version.
    let mut swapped = appended.clone();
    swapped.codes.rotate_left(2);
    assert_ne!(swapped.content_hash(), hash);
    // Errors still name the file's lines and places.
    let err = parse_codebook(
        "codes:\n- id: a\n  definition: x\n- id: b\n  definition: y\n- id: c\n  parent: zz\n  definition: z\n",
        "o.yaml",
        CodebookFormat::Yaml,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("o.yaml:7: codes[2].parent: code \"c\" has unknown parent \"zz\""),
        "{err}"
    );
}

/// Low: a vertical tab (Word's line break) or form feed is a line break,
/// other control characters XML cannot carry are dropped, on reading any
/// format, so a `.qdc` round trip gives the same codebook and version.
#[test]
fn control_characters_read_so_that_a_qdc_round_trip_is_stable() {
    let cb = yaml(
        "name: \"Study\\x01\"\ncodes:\n- id: costs\n  name: \"Costs\\x7f\"\n  definition: \"Rent\\vand wages\\fand fees\\x02.\"\n  examples: [\"one\\vtwo\\u0000\"]\n",
    );
    let costs = &cb.codes[0];
    assert_eq!(cb.name, "Study");
    // DEL (U+007F) is allowed in XML, and kept.
    assert_eq!(costs.name, "Costs\u{7f}");
    assert_eq!(costs.definition, "Rent\nand wages\nand fees.");
    assert_eq!(costs.examples, ["one\ntwo"]);
    let back = round_trip(&cb, CodebookFormat::Qdc);
    assert_eq!(back, cb);
    assert_eq!(back.content_hash(), cb.content_hash());
    let from_json = json(
        r#"{"codes": [{"id": "costs", "name": "Costs\u007f", "definition": "Rent\u000band wages\u000cand fees\u0002.", "examples": ["one\u000btwo"]}]}"#,
    );
    assert_eq!(from_json.codes, cb.codes);
    // A table's cell, as Word's table gives it.
    let table = classify::codebook_from_table(
        "codes.csv",
        "codes",
        &["Code".to_string(), "Definition".to_string()],
        &[(
            "row 1 (line 2)".to_string(),
            vec!["Costs".to_string(), "Rent\u{b}and wages".to_string()],
        )],
    )
    .unwrap();
    assert_eq!(table.codes[0].definition, "Rent\nand wages");
}
