//! REFI-QDA codebook exchange (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`),
//! so codebooks move to and from NVivo, ATLAS.ti, MAXQDA and QualCoder.
//!
//! A QDC code has a guid, a name, a colour and one free-text `Description`;
//! autocode's id, criteria and examples travel inside that description as
//! prefixed lines (`Id:`, `Include:`, `Exclude:`, `Example:`,
//! `Counter-example:`), one line per value with its line breaks escaped
//! (`\n`), so an export re-imports to the same codebook, and a code
//! renamed in a QDA tool keeps its id. GUIDs derive from the code id
//! ([`code_guid`], shared with the `.qdpx` export), so export is
//! byte-stable.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use uuid::Uuid;

/// The most levels a codebook's codes nest, here for the readers of
/// REFI-QDA files outside this crate (`report`'s `.qdpx` import).
pub use crate::codebook::MAX_HIERARCHY_DEPTH;
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

/// A code's colour where REFI-QDA's `RGBType` allows it (`#RRGGBB` or
/// `#RGB`, either case), as the codebook has it, else none. The letter case
/// is kept: NVivo writes `#e74c3c`, and the colour is part of a version's
/// content, so upper-casing it (as before 2026-12-07) made the `.qdc`
/// export of an NVivo codebook another version, every sentence re-coded.
fn qda_color(color: Option<&str>) -> Option<String> {
    color
        .filter(|c| {
            (c.len() == 7 || c.len() == 4)
                && c.starts_with('#')
                && c[1..].chars().all(|h| h.is_ascii_hexdigit())
        })
        .map(str::to_string)
}

fn description_of(c: &Code) -> String {
    let mut lines = Vec::new();
    // The id is written for every code, its name's too: NVivo and ATLAS.ti
    // keep a code's GUID and description when the team renames it, but the
    // GUID (`code_guid(id)`, a hash) cannot be read back to the id, and a
    // code read without an `Id:` line takes its id from its name. Before,
    // a code whose id was its name (a table's codes, all of them) came back
    // from a rename with a new id, and every coding and review on it was
    // left under the old one (hr/02).
    lines.push(format!("Id: {}", escape_field(&c.id)));
    // A definition line that reads as a field ("Example: …", "Id: …") or
    // starts with the escape is written behind a backslash, which
    // `apply_description` takes off: before, such a line came back as an
    // example, or as the code's id, renaming it. So is a line that the
    // reader would trim (trailing spaces, a carriage return) and a blank
    // first or last line, which the reader drops from a tool's
    // description: a YAML block definition (`definition: |`) ends in a
    // line break, and without it came back as other content, a new
    // version (ho/02).
    if !c.definition.is_empty() {
        let definition: Vec<&str> = c.definition.split('\n').collect();
        let last = definition.len() - 1;
        for (k, line) in definition.iter().enumerate() {
            let protect = line.trim_start().starts_with('\\')
                || field_of(line.trim_start()).is_some()
                || line.ends_with(char::is_whitespace)
                || (line.is_empty() && (k == 0 || k == last));
            if protect {
                lines.push(format!("\\{line}"));
            } else {
                lines.push(line.to_string());
            }
        }
    }
    for (prefix, items) in [
        ("Include", &c.inclusion),
        ("Exclude", &c.exclusion),
        ("Example", &c.examples),
        ("Counter-example", &c.counter_examples),
    ] {
        for it in items {
            lines.push(format!("{prefix}: {}", escape_field(it)));
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

/// The escapes of a field line's value: the letter after a backslash and
/// the character it stands for.
const FIELD_ESCAPES: [(char, char); 5] = [
    ('n', '\n'),
    ('r', '\r'),
    ('t', '\t'),
    ('s', ' '),
    ('\\', '\\'),
];

/// A field's value as one description line (`Example: …`): a line break
/// is `\n` and a carriage return `\r`, since the line ends the field
/// (before, an example's second line came back as a line of the
/// definition, ho/02); a space or tab ending the value is `\s` or `\t`,
/// which the reader would trim. A backslash is doubled only where it
/// would read as one of these escapes, so a quote's `\` reads as written
/// in NVivo and ATLAS.ti, and in exports made before escapes existed.
fn escape_field(value: &str) -> String {
    let kept_end = value.trim_end_matches([' ', '\t']).len();
    let escaped = |i: usize, c: char| -> Option<&'static str> {
        match c {
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            ' ' if i >= kept_end => Some("\\s"),
            '\t' if i >= kept_end => Some("\\t"),
            _ => None,
        }
    };
    let mut out = String::with_capacity(value.len());
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(e) = escaped(i, c) {
            out.push_str(e);
            continue;
        }
        out.push(c);
        if c == '\\' {
            let reads_as_escape = chars.peek().is_some_and(|&(j, next)| {
                escaped(j, next).is_some() || FIELD_ESCAPES.iter().any(|(e, _)| *e == next)
            });
            if reads_as_escape {
                out.push('\\');
            }
        }
    }
    out
}

/// The value [`escape_field`] wrote; a backslash before any other
/// character is itself.
fn unescape_field(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let unescaped = (c == '\\')
            .then(|| chars.peek())
            .flatten()
            .and_then(|next| FIELD_ESCAPES.iter().find(|(e, _)| e == next));
        match unescaped {
            Some(&(_, ch)) => {
                out.push(ch);
                chars.next();
            }
            None => out.push(c),
        }
    }
    out
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

/// The field prefix a (start-trimmed) description line starts with, if any.
fn field_of(line: &str) -> Option<&'static str> {
    FIELD_PREFIXES.into_iter().find(|p| line.starts_with(p))
}

/// Reads a `<Description>` into the code's fields; the definition keeps
/// its lines as written (blank lines between paragraphs, an indented
/// line), trailing spaces and blank lines at either end aside, so that an
/// exported codebook imports back to the same codebook (before, blank
/// lines and indentation were dropped, and re-approving an export made a
/// new version). A line behind the `\` escape is the definition's as it
/// stands, its end's spaces and a blank line at either end included.
/// Returns whether the description gave the code's id.
fn apply_description(c: &mut Code, text: &str) -> bool {
    // (line, written behind the escape): only a bare line is trimmed.
    let mut definition: Vec<(String, bool)> = Vec::new();
    let mut gave_id = false;
    for line in text.split('\n') {
        let start = line.trim_start();
        if let Some(escaped) = start.strip_prefix('\\') {
            let indent = &line[..line.len() - start.len()];
            definition.push((format!("{indent}{escaped}"), true));
            continue;
        }
        match field_of(start) {
            Some(prefix) => {
                // A tool may leave spaces after a line; the writer escapes
                // the value's own.
                let raw = start[prefix.len()..].trim_end_matches([' ', '\t']);
                let v = unescape_field(raw);
                match prefix {
                    "Id: " => {
                        c.id = unescape_field(raw.trim());
                        gave_id = true;
                    }
                    "Include: " => c.inclusion.push(v),
                    "Exclude: " => c.exclusion.push(v),
                    "Example: " => c.examples.push(v),
                    "Residual: " => match v.trim().to_lowercase().as_str() {
                        "true" | "yes" => c.residual = Some(true),
                        "false" | "no" => c.residual = Some(false),
                        _ => definition.push((line.trim_end().to_string(), false)),
                    },
                    _ => c.counter_examples.push(v),
                }
            }
            None => definition.push((line.trim_end().to_string(), false)),
        }
    }
    let blank = |(l, escaped): &(String, bool)| l.is_empty() && !escaped;
    while definition.last().is_some_and(blank) {
        definition.pop();
    }
    let first = definition
        .iter()
        .position(|l| !blank(l))
        .unwrap_or(definition.len());
    c.definition = definition[first..]
        .iter()
        .map(|(l, _)| l.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    gave_id
}

/// Writes the `<Codes>` element of a REFI-QDA codebook, `indent` steps of
/// two spaces deep: one `<Code>` per code (GUID from [`code_guid`], name,
/// `isCodable` as [`Code::codable`] says, colour when `#RRGGBB` or `#RGB`,
/// the `Description` above), children nested under their parents, in
/// [`Codebook::canonical_order`]. The `.qdc` file and the `.qdpx` project's
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
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"{}\"",
            code_guid(&c.id),
            xml_escape(&c.name),
            c.codable
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
/// codebooks by set keep the import together. A set's member is
/// `<MemberCode guid="…"/>`, as Codebook.xsd's `MemberCodeType` has it
/// (before 2026-12-07 autocode wrote the project schema's `targetGUID`,
/// and every `.qdc` failed the schema: QualCoder's validating import
/// refused it).
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
                "      <MemberCode guid=\"{}\"/>\n",
                code_guid(&c.id)
            ));
        }
        out.push_str("    </Set>\n  </Sets>\n");
    }
    out.push_str("</CodeBook>\n");
    out
}

/// Reads QDC XML, or a REFI-QDA project's (`project.qde`) `<CodeBook>`,
/// the codebook then named as the project. Code ids are the `Id:`
/// description line when present (autocode writes one for every code, so a
/// code renamed in NVivo or ATLAS.ti keeps its id), else the code's name;
/// nesting becomes `parent`; `isCodable="false"` becomes `codable: false`.
/// Sets are not represented in autocode's codebook and are skipped (a
/// member written `guid=`, as the schema has it, or `targetGUID=`, as
/// autocode wrote it before 2026-12-07, alike).
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
    // A REFI-QDA project (`project.qde`): its name names the codebook.
    let mut project: Option<String> = None;
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
                // xsd:boolean: `false` or `0` is a category (MAXQDA's,
                // NVivo's and QualCoder's folders); dropped before, and
                // the folder was coded as a code.
                b"isCodable" => c.codable = !matches!(v.trim(), "false" | "0"),
                _ => {}
            }
        }
        if c.name.is_empty() {
            return Err(err(pos, "<Code> without a name attribute".into()));
        }
        c.id = c.name.clone();
        Ok(c)
    };
    // A code under `enclosing` open codes, refused past the depth limit as
    // it is read, as YAML's nesting is before parsing: every code's path of
    // names is as long as its level, so a file nested 10,000 deep built
    // 5·10⁷ names (2.8 GB) and aborted before validation refused it.
    let too_deep = |c: &Code, enclosing: usize, pos: u64| -> Result<(), CodebookError> {
        if enclosing < MAX_HIERARCHY_DEPTH {
            return Ok(());
        }
        Err(err(
            pos,
            format!(
                "<Code> \"{}\" is nested {} levels deep; a codebook may nest at most \
                 {MAX_HIERARCHY_DEPTH} levels (a top-level code is level 1)",
                c.name,
                enclosing + 1
            ),
        ))
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
                b"Project" if !saw_root && project.is_none() => {
                    project = Some(match e.try_get_attribute("name") {
                        Ok(Some(a)) => a
                            .unescape_value()
                            .map_err(|x| err(pos, x.to_string()))?
                            .into_owned(),
                        _ => String::new(),
                    });
                }
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
                    too_deep(&c, stack.len(), pos)?;
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
                too_deep(&c, stack.len(), pos)?;
                parent_of.push(stack.last().copied());
                given_id.push(false);
                cb.codes.push(c);
            }
            Event::Text(t) if in_description => {
                let s = t.decode().map_err(|x| err(pos, x.to_string()))?;
                // XML's end-of-line handling: a line end written as such
                // (a Windows tool's CRLF) is a line feed; a carriage return
                // the writer wrote as `&#13;` (a GeneralRef) is the text's.
                let s = s.replace("\r\n", "\n").replace('\r', "\n");
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
                desc.push_str(
                    &String::from_utf8_lossy(&t)
                        .replace("\r\n", "\n")
                        .replace('\r', "\n"),
                );
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"CodeBook" => root_closed = true,
                b"Sets" => in_sets = false,
                b"Description" if in_description => {
                    in_description = false;
                    let i = *stack.last().expect("description inside a code");
                    given_id[i] |= apply_description(&mut cb.codes[i], &desc);
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
        let message = if project.is_some() {
            "the REFI-QDA project has no <CodeBook> element: no codes to read"
        } else {
            "no <CodeBook> element"
        };
        return Err(err(0, message.into()));
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
    // A path is at most the depth limit long: deeper codes were refused
    // as they were read.
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
    if cb.name.is_empty() {
        cb.name = project.unwrap_or_default();
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

    /// Every field's text comes back as it was (ho/02): a line break in an
    /// example, a criterion or a counter-example, a carriage return,
    /// spaces at a value's end, backslashes, and a definition's final line
    /// break (a YAML block, `definition: |`) and blank first line. Before,
    /// the example's second line came back as a line of the definition and
    /// the final line break was dropped: other content, a new version.
    #[test]
    fn multi_line_fields_and_a_final_line_break_round_trip() {
        let cb = parse_codebook(
            "name: Families\ncodes:\n  - id: costs\n    name: Childcare costs\n    definition: |\n      The cost of childcare.\n      Fees, too.\n    examples:\n      - \"Honestly the fees\\nare too high for us\"\n      - \"ends in spaces  \"\n    inclusion: [\"Prices,\\r\\nfees\"]\n    exclusion: [\"C:\\\\new and \\\\\\\\ and \\\\s and a last \\\\\"]\n    counter_examples: [\"two\\n\\nparagraphs\\n\"]\n  - id: voice\n    name: Parents' voice\n    definition: \"\\n  indented after a blank line \\nExample: prose\\n\"\n",
            "cb.yaml",
            CodebookFormat::Yaml,
        )
        .unwrap();
        let costs = &cb.codes[0];
        assert_eq!(costs.definition, "The cost of childcare.\nFees, too.\n");
        assert_eq!(costs.examples[0], "Honestly the fees\nare too high for us");
        assert_eq!(costs.exclusion[0], r"C:\new and \\ and \s and a last \");
        let xml = to_qdc(&cb);
        // One line per value, its line break escaped: NVivo shows
        // `Example: Honestly the fees\nare too high for us`.
        assert!(
            xml.contains("Example: Honestly the fees\\nare too high for us&#10;"),
            "{xml}"
        );
        assert!(xml.contains("Example: ends in spaces\\s\\s&#10;"), "{xml}");
        assert!(xml.contains("Include: Prices,\\r\\nfees&#10;"), "{xml}");
        // A backslash is doubled only where it would read as an escape.
        assert!(
            xml.contains(r"Exclude: C:\\new and \\\ and \\s and a last \&#10;"),
            "{xml}"
        );
        let back = parse_codebook(&xml, "cb.qdc", CodebookFormat::Qdc).unwrap();
        assert_eq!(
            back.codes[0].examples,
            ["Honestly the fees\nare too high for us", "ends in spaces  "]
        );
        assert_eq!(back.codes[0].inclusion, ["Prices,\r\nfees"]);
        assert_eq!(back.codes[0].counter_examples, ["two\n\nparagraphs\n"]);
        assert_eq!(
            back.codes[0].definition,
            "The cost of childcare.\nFees, too.\n"
        );
        assert_eq!(
            back.codes[1].definition,
            "\n  indented after a blank line \nExample: prose\n"
        );
        assert_eq!(back, cb);
        // The same content, so the same version.
        assert_eq!(back.content_hash(), cb.content_hash());
        assert_eq!(to_qdc(&back), xml);
    }

    /// Exports made before the escapes and other tools' descriptions read
    /// as before: a backslash before another letter is a backslash, a
    /// Windows tool's line ends (CRLF) are line ends, and a value's spaces
    /// at the end of its line are trimmed.
    #[test]
    fn older_exports_and_windows_line_ends_read_as_before() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"autocode\"><Codes>\r\n  <Code guid=\"A0000000-0000-4000-8000-000000000001\" name=\"Paths\" isCodable=\"true\">\r\n    <Description>Id: paths\r\nFolders named\r\n\\Example: in prose   \r\nExample: C:\\Users\\me   \r\nInclude: a share \\\\server\r\n</Description>\r\n  </Code>\r\n</Codes></CodeBook>";
        let cb = from_qdc(xml, "old.qdc").unwrap();
        let paths = &cb.codes[0];
        assert_eq!(paths.id, "paths");
        assert_eq!(paths.definition, "Folders named\nExample: in prose   ");
        assert_eq!(paths.examples, [r"C:\Users\me"]);
        assert_eq!(paths.inclusion, [r"a share \server"]);
    }

    /// A code renamed in NVivo or ATLAS.ti keeps its GUID and description,
    /// and so its id (hr/02): the `Id:` line is written for every code, its
    /// name's too. Before, a code whose id was its name came back with its
    /// new name as id, and its codings and reviews were left on the old.
    #[test]
    fn a_code_renamed_in_a_qda_tool_keeps_its_id() {
        let cb = parse_codebook(
            "codes:\n  - id: Support\n  - id: Managment support\n    parent: Support\n    definition: Managers' help.\n  - id: Peer support\n    parent: Managment support\n",
            "cb.yaml",
            CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(cb.codes[1].name, "Managment support");
        let xml = to_qdc(&cb);
        let guid = code_guid("Managment support");
        let renamed = xml.replace("name=\"Managment support\"", "name=\"Management support\"");
        assert!(renamed.contains(&format!(
            "<Code guid=\"{guid}\" name=\"Management support\""
        )));
        let back = parse_codebook(&renamed, "cb.qdc", CodebookFormat::Qdc).unwrap();
        let view: Vec<(&str, &str, Option<&str>)> = back
            .codes
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.parent.as_deref()))
            .collect();
        assert_eq!(
            view,
            [
                ("Support", "Support", None),
                ("Managment support", "Management support", Some("Support")),
                ("Peer support", "Peer support", Some("Managment support")),
            ]
        );
        assert_eq!(back.codes[1].definition, "Managers' help.");
        // Exported again, the code keeps its GUID: it is the same code.
        assert!(to_qdc(&back).contains(&format!(
            "<Code guid=\"{guid}\" name=\"Management support\""
        )));
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

    /// `<Code>` elements nested `depth` deep, one per line, each the only
    /// child of the one above, the innermost written empty when `leaf`.
    fn nested_qdc(depth: usize, leaf: bool) -> String {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\" origin=\"NVivo\"><Codes>\n",
        );
        for i in 0..depth {
            let end = if leaf && i + 1 == depth { "/" } else { "" };
            xml.push_str(&format!(
                "<Code guid=\"{i:08}-0000-4000-8000-000000000000\" name=\"Other\" isCodable=\"true\"{end}>\n"
            ));
        }
        let open = if leaf { depth - 1 } else { depth };
        xml.push_str(&"</Code>".repeat(open));
        xml.push_str("</Codes></CodeBook>\n");
        xml
    }

    /// A file nested 10,000 deep built every code's path of names (5·10⁷
    /// names, 2.8 GB) before validation refused it; it is refused as its
    /// 65th level is read, with that line, in memory of 64 levels.
    #[test]
    fn codes_nested_past_the_limit_are_refused_as_read() {
        let refused = |depth: usize, leaf: bool| {
            parse_codebook(&nested_qdc(depth, leaf), "deep.qdc", CodebookFormat::Qdc)
                .unwrap_err()
                .to_string()
        };
        let message =
            "deep.qdc:67: CodeBook: <Code> \"Other\" is nested 65 levels deep; a codebook \
                       may nest at most 64 levels (a top-level code is level 1)";
        assert_eq!(refused(10_000, false), message);
        assert_eq!(refused(65, true), message);
        // At the limit: read, the shared name made unique by its path.
        let cb = parse_codebook(&nested_qdc(64, true), "deep.qdc", CodebookFormat::Qdc).unwrap();
        assert_eq!(cb.codes.len(), 64);
        assert_eq!(cb.codes[0].id, "Other");
        assert_eq!(cb.codes[63].id, vec!["Other"; 64].join("/"));
        assert_eq!(
            cb.codes[63].parent.as_deref(),
            Some(cb.codes[62].id.as_str())
        );
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
