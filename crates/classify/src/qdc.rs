//! REFI-QDA codebook exchange (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`),
//! so codebooks move to and from NVivo, ATLAS.ti, MAXQDA and QualCoder.
//!
//! A QDC code has a guid, a name, a colour and one free-text `Description`;
//! autocode's criteria and examples travel inside that description as
//! prefixed lines (`Include:`, `Exclude:`, `Example:`, `Counter-example:`,
//! and `Id:` when the id differs from the name), so an export re-imports to
//! the same codebook. GUIDs derive from the code id ([`code_guid`], shared
//! with the `.qdpx` export), so export is byte-stable.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use uuid::Uuid;

use crate::codebook::{Code, Codebook, CodebookError, Problem};

pub const QDC_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// Namespace of every GUID autocode writes: UUID v5 of `autocode.qdpx` in
/// the OID namespace (the name predates the `.qdc` writer sharing it).
fn guid_namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, b"autocode.qdpx")
}

/// The GUID autocode gives a thing of `kind` (`code`, `source`, `case`,
/// `user`, …) identified by `key`: UUID v5 of `<kind>:<key>`, upper-case as
/// in the REFI-QDA examples. The one GUID function of both exchange files,
/// so the same thing has the same GUID in a `.qdc` and a `.qdpx`.
pub fn guid(kind: &str, key: &str) -> String {
    Uuid::new_v5(&guid_namespace(), format!("{kind}:{key}").as_bytes())
        .hyphenated()
        .encode_upper(&mut Uuid::encode_buffer())
        .to_string()
}

/// The GUID of the code with id `code_id` (name, definition and colour may
/// change without changing it): `guid("code", code_id)`.
pub fn code_guid(code_id: &str) -> String {
    guid("code", code_id)
}

/// Escapes text for XML content and double-quoted attributes; drops
/// characters XML 1.0 cannot carry, and writes line breaks and tabs as
/// character references so attribute values keep them too.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A code's colour as REFI-QDA allows it (`#RRGGBB`, upper-case), else none.
fn qda_color(color: Option<&str>) -> Option<String> {
    color
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|h| h.is_ascii_hexdigit())
        })
        .map(str::to_ascii_uppercase)
}

fn description_of(c: &Code) -> String {
    let mut lines = Vec::new();
    if c.id != c.name {
        lines.push(format!("Id: {}", c.id));
    }
    // A definition line that reads as a field ("Example: …", "Id: …") or
    // starts with the escape is written behind a backslash, which
    // `apply_description` takes off: before, such a line came back as an
    // example, or as the code's id, renaming it.
    for line in c.definition.lines() {
        if line.trim_start().starts_with('\\') || field_of(line.trim()).is_some() {
            lines.push(format!("\\{line}"));
        } else {
            lines.push(line.to_string());
        }
    }
    for (prefix, items) in [
        ("Include", &c.inclusion),
        ("Exclude", &c.exclusion),
        ("Example", &c.examples),
        ("Counter-example", &c.counter_examples),
    ] {
        for it in items {
            lines.push(format!("{prefix}: {it}"));
        }
    }
    // Whether the code is a catch-all, where the codebook says: lost on the
    // way through a .qdc before, so an "Other" kept out of the catch-all
    // rule (`residual: false`, as interviews want) came back as one.
    if let Some(residual) = c.residual {
        lines.push(format!("Residual: {residual}"));
    }
    lines.join("\n")
}

/// The description line prefixes that carry a code's fields.
const FIELD_PREFIXES: [&str; 6] = [
    "Id: ",
    "Include: ",
    "Exclude: ",
    "Example: ",
    "Counter-example: ",
    "Residual: ",
];

/// The field prefix a (trimmed) description line starts with, if any.
fn field_of(line: &str) -> Option<&'static str> {
    FIELD_PREFIXES.into_iter().find(|p| line.starts_with(p))
}

/// Reads a `<Description>` into the code's fields; the definition keeps
/// its lines as written (blank lines between paragraphs, an indented
/// line), trailing spaces and blank lines at either end aside, so that an
/// exported codebook imports back to the same codebook (before, blank
/// lines and indentation were dropped, and re-approving an export made a
/// new version).
fn apply_description(c: &mut Code, text: &str) {
    let mut definition: Vec<String> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(escaped) = line.trim_start().strip_prefix('\\') {
            let indent = &line[..line.len() - line.trim_start().len()];
            definition.push(format!("{indent}{}", escaped.trim_end()));
            continue;
        }
        match field_of(t) {
            Some(prefix) => {
                let v = t[prefix.len()..].to_string();
                match prefix {
                    "Id: " => c.id = v.trim().to_string(),
                    "Include: " => c.inclusion.push(v),
                    "Exclude: " => c.exclusion.push(v),
                    "Example: " => c.examples.push(v),
                    "Residual: " => match v.trim().to_lowercase().as_str() {
                        "true" | "yes" => c.residual = Some(true),
                        "false" | "no" => c.residual = Some(false),
                        _ => definition.push(line.trim_end().to_string()),
                    },
                    _ => c.counter_examples.push(v),
                }
            }
            None => definition.push(line.trim_end().to_string()),
        }
    }
    while definition.last().is_some_and(|l| l.is_empty()) {
        definition.pop();
    }
    let first = definition.iter().position(|l| !l.is_empty()).unwrap_or(0);
    c.definition = definition[first..].join("\n");
}

/// Writes the `<Codes>` element of a REFI-QDA codebook, `indent` steps of
/// two spaces deep: one `<Code>` per code (GUID from [`code_guid`], name,
/// `isCodable`, colour when `#RRGGBB`, the `Description` above), children
/// nested under their parents. The `.qdc` file and the `.qdpx` project's
/// `CodeBook` are both written by this.
pub fn write_codes(out: &mut String, cb: &Codebook, indent: usize) {
    let parents = cb.parent_indices();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); cb.codes.len()];
    for (i, p) in parents.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    fn write_code(
        out: &mut String,
        cb: &Codebook,
        children: &[Vec<usize>],
        i: usize,
        depth: usize,
    ) {
        let c = &cb.codes[i];
        let pad = "  ".repeat(depth);
        out.push_str(&format!(
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\"",
            code_guid(&c.id),
            xml_escape(&c.name)
        ));
        if let Some(color) = qda_color(c.color.as_deref()) {
            out.push_str(&format!(" color=\"{color}\""));
        }
        let desc = description_of(c);
        // A parent cycle cannot pass validation; the depth bound keeps an
        // unvalidated one from recursing forever.
        let kids: &[usize] = if depth < cb.codes.len() + 8 {
            &children[i]
        } else {
            &[]
        };
        if desc.is_empty() && kids.is_empty() {
            out.push_str("/>\n");
            return;
        }
        out.push_str(">\n");
        if !desc.is_empty() {
            out.push_str(&format!(
                "{pad}  <Description>{}</Description>\n",
                xml_escape(&desc)
            ));
        }
        for &k in kids {
            write_code(out, cb, children, k, depth + 1);
        }
        out.push_str(&format!("{pad}</Code>\n"));
    }
    let pad = "  ".repeat(indent);
    out.push_str(&format!("{pad}<Codes>\n"));
    for (i, parent) in parents.iter().enumerate() {
        if parent.is_none() {
            write_code(out, cb, &children, i, indent + 1);
        }
    }
    out.push_str(&format!("{pad}</Codes>\n"));
}

/// Writes the codebook as a `.qdc` file: its codes (see [`write_codes`]) and
/// one set holding every code, named after the codebook, so tools that group
/// codebooks by set keep the import together.
pub fn to_qdc(cb: &Codebook) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<CodeBook xmlns=\"{QDC_NAMESPACE}\" origin=\"autocode\">\n"
    ));
    write_codes(&mut out, cb, 1);
    if !cb.codes.is_empty() {
        out.push_str("  <Sets>\n");
        out.push_str(&format!(
            "    <Set guid=\"{}\" name=\"{}\">\n",
            guid("set", &cb.name),
            xml_escape(&cb.name)
        ));
        for c in &cb.codes {
            out.push_str(&format!(
                "      <MemberCode targetGUID=\"{}\"/>\n",
                code_guid(&c.id)
            ));
        }
        out.push_str("    </Set>\n  </Sets>\n");
    }
    out.push_str("</CodeBook>\n");
    out
}

/// Reads QDC XML. Code ids are the `Id:` description line when present,
/// else the code's name; nesting becomes `parent`. Sets are not represented
/// in autocode's codebook and are skipped.
pub fn from_qdc(src: &str, file: &str) -> Result<Codebook, CodebookError> {
    let mut reader = Reader::from_str(src);
    let err = |pos: u64, message: String| {
        let line = src[..(pos as usize).min(src.len())].matches('\n').count() + 1;
        CodebookError::Parse(Problem {
            file: file.to_string(),
            line: Some(line),
            field: "CodeBook".into(),
            message,
        })
    };
    let mut cb = Codebook::default();
    // Each code's parent, by position: ids are settled at the end, when a
    // name two codes share (NVivo's "Other" under two parents) is known.
    let mut parent_of: Vec<Option<usize>> = Vec::new();
    // Codes whose description gave their id (`Id: …`).
    let mut given_id: Vec<bool> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut in_description = false;
    let mut in_sets = false;
    let mut desc = String::new();
    let mut saw_root = false;
    let mut written_by_autocode = false;
    let mut root_closed = false;
    let attrs = |e: &BytesStart, pos: u64| -> Result<Code, CodebookError> {
        let mut c = Code::default();
        for a in e.attributes() {
            let a = a.map_err(|x| err(pos, x.to_string()))?;
            let v = a
                .unescape_value()
                .map_err(|x| err(pos, x.to_string()))?
                .into_owned();
            match a.key.local_name().as_ref() {
                b"name" => c.name = v,
                b"color" => c.color = Some(v),
                _ => {}
            }
        }
        if c.name.is_empty() {
            return Err(err(pos, "<Code> without a name attribute".into()));
        }
        c.id = c.name.clone();
        Ok(c)
    };
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event()
            .map_err(|e| err(reader.error_position(), e.to_string()))?;
        match ev {
            // autocode writes one set of all codes, named as the codebook:
            // its name comes back (it became the file's name before).
            // Other tools' sets group codes and name no codebook.
            Event::Start(e) | Event::Empty(e) if in_sets => {
                let names_codebook =
                    written_by_autocode && cb.name.is_empty() && e.local_name().as_ref() == b"Set";
                let name = if names_codebook {
                    e.try_get_attribute("name")
                        .map_err(|x| err(pos, x.to_string()))?
                } else {
                    None
                };
                if let Some(name) = name {
                    cb.name = name
                        .unescape_value()
                        .map_err(|x| err(pos, x.to_string()))?
                        .into_owned();
                }
            }
            Event::Start(e) => match e.local_name().as_ref() {
                b"CodeBook" => {
                    saw_root = true;
                    written_by_autocode = e
                        .try_get_attribute("origin")
                        .ok()
                        .flatten()
                        .is_some_and(|a| a.value.as_ref() == b"autocode");
                }
                b"Sets" => in_sets = true,
                b"Code" => {
                    let c = attrs(&e, pos)?;
                    parent_of.push(stack.last().copied());
                    given_id.push(false);
                    cb.codes.push(c);
                    stack.push(cb.codes.len() - 1);
                }
                b"Description" if !stack.is_empty() => {
                    in_description = true;
                    desc.clear();
                }
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"Code" => {
                let c = attrs(&e, pos)?;
                parent_of.push(stack.last().copied());
                given_id.push(false);
                cb.codes.push(c);
            }
            Event::Text(t) if in_description => {
                let s = t.decode().map_err(|x| err(pos, x.to_string()))?;
                desc.push_str(
                    &quick_xml::escape::unescape(&s).map_err(|x| err(pos, x.to_string()))?,
                );
            }
            Event::GeneralRef(r) if in_description => {
                let name = r.decode().map_err(|x| err(pos, x.to_string()))?;
                let s = format!("&{name};");
                desc.push_str(
                    &quick_xml::escape::unescape(&s).map_err(|x| err(pos, x.to_string()))?,
                );
            }
            Event::CData(t) if in_description => {
                desc.push_str(&String::from_utf8_lossy(&t));
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"CodeBook" => root_closed = true,
                b"Sets" => in_sets = false,
                b"Description" if in_description => {
                    in_description = false;
                    let i = *stack.last().expect("description inside a code");
                    let old_id = cb.codes[i].id.clone();
                    apply_description(&mut cb.codes[i], &desc);
                    given_id[i] |= cb.codes[i].id != old_id;
                }
                b"Code" if !in_sets => {
                    stack.pop();
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(err(0, "no <CodeBook> element".into()));
    }
    // A file cut short (a copy interrupted, an attachment truncated) parses
    // up to its end: its codes so far would be approved as the codebook.
    if !root_closed {
        return Err(err(
            src.len() as u64,
            format!(
                "the file ends inside <CodeBook>{}; it was cut short",
                if stack.is_empty() {
                    String::new()
                } else {
                    format!(" and {} <Code> element(s)", stack.len())
                }
            ),
        ));
    }
    // A name two codes share, without an id of its own, takes as many of
    // its path's last names as make it unique (`Barriers/Other`), as a
    // table of paths does; before, the second was refused as a duplicate.
    let path = |mut i: usize| -> Vec<String> {
        let mut names = vec![cb.codes[i].name.clone()];
        while let Some(p) = parent_of[i] {
            names.push(cb.codes[p].name.clone());
            i = p;
        }
        names.reverse();
        names
    };
    let paths: Vec<Vec<String>> = (0..cb.codes.len()).map(path).collect();
    let current: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
    let ids = crate::codebook::ids_by_path(&current, &paths, &given_id);
    for (k, id) in ids.iter().enumerate() {
        cb.codes[k].parent = parent_of[k].map(|p| ids[p].clone());
        cb.codes[k].id = id.clone();
    }
    Ok(cb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{parse_codebook, CodebookFormat};

    fn sample() -> Codebook {
        parse_codebook(
            "name: demo & co\ncodes:\n  - id: safety\n    name: Safety <feeling>\n    definition: \"Feeling safe\\nor not\"\n    inclusion: [\"mentions fear\"]\n    examples: [\"I feel safe at night & day\"]\n    color: \"#FF0000\"\n  - id: lighting\n    name: lighting\n    parent: safety\n    definition: Street lights\n    counter_examples: [\"the light of dawn\"]\n  - id: trust\n    name: Trust\n    examples: [\"I trust them\"]\n  - id: other\n    name: Other\n    residual: false\n",
            "s.yaml",
            CodebookFormat::Yaml,
        )
        .unwrap()
    }

    #[test]
    fn round_trip_is_lossless_and_byte_stable() {
        let cb = sample();
        let xml = to_qdc(&cb);
        assert!(xml.contains("xmlns=\"urn:QDA-XML:codebook:1.0\""));
        let back = parse_codebook(&xml, "x.qdc", CodebookFormat::Qdc).unwrap();
        // The codebook's name and a code's `residual` come back too.
        assert_eq!(back.name, "demo & co");
        assert_eq!(back.codes[3].residual, Some(false));
        assert_eq!(back, cb);
        assert_eq!(
            to_qdc(&Codebook {
                name: cb.name.clone(),
                ..back
            }),
            xml
        );
    }

    #[test]
    fn guid_is_deterministic_uuid_shaped() {
        let g = code_guid("safety");
        assert_eq!(g, code_guid("safety"));
        assert_ne!(g, code_guid("trust"));
        assert_eq!(g.len(), 36);
        // Version 5 (name-based, SHA-1), upper-case hex.
        assert_eq!(&g[14..15], "5");
        assert_eq!(g, g.to_ascii_uppercase());
        // Pinned: exported files keep their GUIDs from release to release;
        // this is the value the `.qdpx` export has always given code "trust"
        // (issue #13), upper-cased.
        assert_eq!(code_guid("trust"), "AE0E6201-CF25-56D0-8461-B546BEF28ED2");
    }

    /// Definition lines that read as fields come back as definition lines:
    /// before, "Id: …" renamed the code and "Example: …" became an example.
    #[test]
    fn definition_lines_that_read_as_fields_round_trip() {
        let cb = parse_codebook(
            "codes:\n- id: privacy\n  name: Privacy\n  definition: \"Personal data.\\nId: cost and privacy overlap; code both\\nExample: a line of prose\\n\\\\ a backslash\"\n  examples: [\"They read my messages.\"]\n",
            "cb.yaml",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let back = parse_codebook(&to_qdc(&cb), "cb.qdc", CodebookFormat::Qdc).unwrap();
        assert_eq!(back.codes[0].id, "privacy");
        assert_eq!(back.codes[0].definition, cb.codes[0].definition);
        assert_eq!(back.codes[0].examples, cb.codes[0].examples);
    }

    /// A `.qdc` cut short is an error naming the file and its last line,
    /// not the codes read so far approved as the codebook.
    #[test]
    fn a_codebook_cut_short_is_refused() {
        let xml = to_qdc(&sample());
        // Cut at a line end, between elements (a cut inside a tag is a
        // syntax error already).
        let cut = &xml[..=xml[..xml.len() / 2].rfind('\n').unwrap()];
        let err = parse_codebook(cut, "cut.qdc", CodebookFormat::Qdc)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cut.qdc:"), "{err}");
        assert!(err.contains("the file ends inside <CodeBook>"), "{err}");
    }

    /// NVivo and MAXQDA allow one name under two parents: two codes, their
    /// ids their paths' last names. A definition's paragraphs and indented
    /// lines come back as written.
    #[test]
    fn a_name_under_two_parents_and_a_definitions_paragraphs_come_through() {
        let xml = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
  <Code guid="a0000000-0000-4000-8000-000000000001" name="Barriers" isCodable="true">
    <Code guid="a0000000-0000-4000-8000-000000000002" name="Other" isCodable="true"/>
  </Code>
  <Code guid="a0000000-0000-4000-8000-000000000003" name="Facilitators" isCodable="true">
    <Code guid="a0000000-0000-4000-8000-000000000004" name="Other" isCodable="true">
      <Description>Other help.

Second paragraph:
  - an indented line</Description>
    </Code>
  </Code>
</Codes></CodeBook>"##;
        let cb = parse_codebook(xml, "n.qdc", CodebookFormat::Qdc).unwrap();
        let view: Vec<(&str, Option<&str>)> = cb
            .codes
            .iter()
            .map(|c| (c.id.as_str(), c.parent.as_deref()))
            .collect();
        assert_eq!(
            view,
            [
                ("Barriers", None),
                ("Barriers/Other", Some("Barriers")),
                ("Facilitators", None),
                ("Facilitators/Other", Some("Facilitators"))
            ]
        );
        let definition = "Other help.\n\nSecond paragraph:\n  - an indented line";
        assert_eq!(cb.codes[3].definition, definition);
        let back = from_qdc(&to_qdc(&cb), "n.qdc").unwrap();
        assert_eq!(back, cb, "an export imports back to the same codebook");
    }

    #[test]
    fn imports_foreign_nested_codes() {
        let xml = r##"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="d1b3c0a2-0000-4000-8000-000000000001" name="Places" isCodable="false">
      <Code guid="d1b3c0a2-0000-4000-8000-000000000002" name="Parks" isCodable="true" color="#00FF00">
        <Description>Green &amp; open spaces</Description>
      </Code>
    </Code>
  </Codes>
  <Sets><Set guid="d1b3c0a2-0000-4000-8000-000000000003" name="s"><MemberCode targetGUID="d1b3c0a2-0000-4000-8000-000000000002"/></Set></Sets>
</CodeBook>"##;
        let cb = from_qdc(xml, "f.qdc").unwrap();
        assert_eq!(cb.codes.len(), 2);
        assert_eq!(cb.codes[1].parent.as_deref(), Some("Places"));
        assert_eq!(cb.codes[1].definition, "Green & open spaces");
        // "Places" has no definition or examples, as a grouping parent in
        // NVivo seldom has: valid, its positives come from its child, so no
        // code is listed as coded by its name alone.
        let cb = parse_codebook(xml, "f.qdc", CodebookFormat::Qdc).unwrap();
        assert!(cb.name_only().is_empty(), "{:?}", cb.name_only());
    }

    #[test]
    fn malformed_xml_names_file_and_line() {
        let err = from_qdc(
            "<CodeBook>\n<Codes>\n<Code name=\"a\">\n</Codes>",
            "bad.qdc",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("bad.qdc:"), "{err}");
    }
}
