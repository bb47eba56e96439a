//! REFI-QDA codebook exchange (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`),
//! so codebooks move to and from NVivo, ATLAS.ti, MAXQDA and QualCoder.
//!
//! A QDC code has a guid, a name, a colour and one free-text `Description`;
//! autocode's criteria and examples travel inside that description as
//! prefixed lines (`Include:`, `Exclude:`, `Example:`, `Counter-example:`,
//! and `Id:` when the id differs from the name), so an export re-imports to
//! the same codebook. Guids derive from the code id, so export is byte-stable.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use sha2::{Digest, Sha256};

use crate::codebook::{Code, Codebook, CodebookError, Problem};

pub const QDC_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// A deterministic guid for a code id: the first 16 bytes of sha256, with the
/// RFC 9562 version-8 ("custom") and variant bits set.
pub fn code_guid(id: &str) -> String {
    let h = Sha256::digest(format!("autocode-code:{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode_upper(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn description_of(c: &Code) -> String {
    let mut lines = Vec::new();
    if c.id != c.name {
        lines.push(format!("Id: {}", c.id));
    }
    if !c.definition.is_empty() {
        lines.push(c.definition.clone());
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
    lines.join("\n")
}

fn apply_description(c: &mut Code, text: &str) {
    let mut definition = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("Id: ") {
            c.id = v.trim().to_string();
        } else if let Some(v) = t.strip_prefix("Include: ") {
            c.inclusion.push(v.to_string());
        } else if let Some(v) = t.strip_prefix("Exclude: ") {
            c.exclusion.push(v.to_string());
        } else if let Some(v) = t.strip_prefix("Example: ") {
            c.examples.push(v.to_string());
        } else if let Some(v) = t.strip_prefix("Counter-example: ") {
            c.counter_examples.push(v.to_string());
        } else if !t.is_empty() {
            definition.push(t.to_string());
        }
    }
    c.definition = definition.join("\n");
}

/// Writes the codebook as QDC XML; children nest under their parents.
pub fn to_qdc(cb: &Codebook) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let io = |r: std::io::Result<()>| r.expect("writing to memory");
    io(w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None))));
    let mut root = BytesStart::new("CodeBook");
    root.push_attribute(("xmlns", QDC_NAMESPACE));
    root.push_attribute(("origin", "autocode"));
    io(w.write_event(Event::Start(root)));
    io(w.write_event(Event::Start(BytesStart::new("Codes"))));
    let parents = cb.parent_indices();
    fn write_code(
        w: &mut Writer<Vec<u8>>,
        cb: &Codebook,
        parents: &[Option<usize>],
        i: usize,
        depth: usize,
    ) {
        let io = |r: std::io::Result<()>| r.expect("writing to memory");
        let c = &cb.codes[i];
        let guid = code_guid(&c.id);
        let mut el = BytesStart::new("Code");
        el.push_attribute(("guid", guid.as_str()));
        el.push_attribute(("name", c.name.as_str()));
        el.push_attribute(("isCodable", "true"));
        if let Some(color) = &c.color {
            el.push_attribute(("color", color.as_str()));
        }
        let desc = description_of(c);
        let children: Vec<usize> = if depth < cb.codes.len() {
            (0..cb.codes.len())
                .filter(|&j| parents[j] == Some(i))
                .collect()
        } else {
            Vec::new()
        };
        if desc.is_empty() && children.is_empty() {
            io(w.write_event(Event::Empty(el)));
            return;
        }
        io(w.write_event(Event::Start(el)));
        if !desc.is_empty() {
            io(w.write_event(Event::Start(BytesStart::new("Description"))));
            io(w.write_event(Event::Text(BytesText::new(&desc))));
            io(w.write_event(Event::End(BytesEnd::new("Description"))));
        }
        for j in children {
            write_code(w, cb, parents, j, depth + 1);
        }
        io(w.write_event(Event::End(BytesEnd::new("Code"))));
    }
    for i in 0..cb.codes.len() {
        if parents[i].is_none() {
            write_code(&mut w, cb, &parents, i, 0);
        }
    }
    io(w.write_event(Event::End(BytesEnd::new("Codes"))));
    // One set holding every code, named after the codebook: tools that group
    // codebooks by set keep the import together.
    if !cb.codes.is_empty() {
        let mut set = BytesStart::new("Set");
        set.push_attribute(("guid", code_guid(&format!("set:{}", cb.name)).as_str()));
        set.push_attribute(("name", cb.name.as_str()));
        io(w.write_event(Event::Start(BytesStart::new("Sets"))));
        io(w.write_event(Event::Start(set)));
        for c in &cb.codes {
            let mut m = BytesStart::new("MemberCode");
            m.push_attribute(("targetGUID", code_guid(&c.id).as_str()));
            io(w.write_event(Event::Empty(m)));
        }
        io(w.write_event(Event::End(BytesEnd::new("Set"))));
        io(w.write_event(Event::End(BytesEnd::new("Sets"))));
    }
    io(w.write_event(Event::End(BytesEnd::new("CodeBook"))));
    let mut out = String::from_utf8(w.into_inner()).expect("utf-8 XML");
    out.push('\n');
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
    let mut stack: Vec<usize> = Vec::new();
    let mut in_description = false;
    let mut in_sets = false;
    let mut desc = String::new();
    let mut saw_root = false;
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
            Event::Start(e) | Event::Empty(e) if in_sets => {
                let _ = e;
            }
            Event::Start(e) => match e.local_name().as_ref() {
                b"CodeBook" => saw_root = true,
                b"Sets" => in_sets = true,
                b"Code" => {
                    let mut c = attrs(&e, pos)?;
                    c.parent = stack.last().map(|&p| cb.codes[p].id.clone());
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
                let mut c = attrs(&e, pos)?;
                c.parent = stack.last().map(|&p| cb.codes[p].id.clone());
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
                b"Sets" => in_sets = false,
                b"Description" if in_description => {
                    in_description = false;
                    let i = *stack.last().expect("description inside a code");
                    let old_id = cb.codes[i].id.clone();
                    apply_description(&mut cb.codes[i], &desc);
                    let new_id = cb.codes[i].id.clone();
                    if new_id != old_id {
                        // Children read before the description? Not in QDC order, but be safe.
                        for c in &mut cb.codes {
                            if c.parent.as_deref() == Some(old_id.as_str()) {
                                c.parent = Some(new_id.clone());
                            }
                        }
                    }
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
    Ok(cb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{parse_codebook, CodebookFormat};

    fn sample() -> Codebook {
        parse_codebook(
            "name: demo & co\ncodes:\n  - id: safety\n    name: Safety <feeling>\n    definition: \"Feeling safe\\nor not\"\n    inclusion: [\"mentions fear\"]\n    examples: [\"I feel safe at night & day\"]\n    color: \"#FF0000\"\n  - id: lighting\n    name: lighting\n    parent: safety\n    definition: Street lights\n    counter_examples: [\"the light of dawn\"]\n  - id: trust\n    name: Trust\n    examples: [\"I trust them\"]\n",
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
        let mut expect = cb.clone();
        expect.name = String::new(); // QDC carries no codebook name
        assert_eq!(back, expect);
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
        assert_eq!(&g[14..15], "8");
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
        // "Places" has no definition or examples: validation says so.
        let err = parse_codebook(xml, "f.qdc", CodebookFormat::Qdc).unwrap_err();
        assert!(err.to_string().contains("codes[0].definition"), "{err}");
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
