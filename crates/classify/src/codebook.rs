//! The codebook: its data model, loading (YAML, JSON, the shared eval
//! `codebook.json` form, REFI-QDA `.qdc`), validation with file/line/field
//! errors, and a content hash that names a version.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Deepest code hierarchy accepted: a chain of this many codes (a root and
/// its descendants) is the limit. Real codebooks have two to four levels; the
/// limit keeps a runaway or hostile file from costing time in every stage
/// that walks parents.
pub const MAX_HIERARCHY_DEPTH: usize = 64;

/// Deepest YAML nesting (flow `[`/`{` plus block `- ` on one line) accepted
/// before parsing. A codebook nests four levels; the YAML parser spends time
/// quadratic in the nesting depth, so deeper input is refused unread.
pub const MAX_YAML_NESTING: usize = 64;

/// Keys of a codebook file's top level and of each code (serde's field
/// names), for naming the nearest one to an unknown key.
const CODEBOOK_KEYS: &[&str] = &["name", "codes"];
const CODE_KEYS: &[&str] = &[
    "id",
    "name",
    "parent",
    "definition",
    "inclusion",
    "exclusion",
    "examples",
    "counter_examples",
    "color",
    "residual",
    "codable",
];

/// The approved list of codes, a hierarchy (via `parent`) of at most
/// [`MAX_HIERARCHY_DEPTH`] levels. Unknown keys are errors: a misspelled
/// `parnet:` would otherwise drop the hierarchy silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    #[serde(default, deserialize_with = "text_or_null")]
    pub name: String,
    #[serde(default)]
    pub codes: Vec<Code>,
}

/// One code: what it means and sentences that are (and are not) in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// A YAML null (`id: ~`, `id:`) is an empty id, which `validate` refuses
    /// by line; read as a string it was a code called "~".
    #[serde(deserialize_with = "text_or_null")]
    pub id: String,
    #[serde(default, deserialize_with = "text_or_null")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// `description:` is read as the definition too (NVivo's and REFI-QDA's
    /// word for it); it is written as `definition`.
    #[serde(default, alias = "description", deserialize_with = "text_or_null")]
    pub definition: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "texts_or_null"
    )]
    pub inclusion: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "texts_or_null"
    )]
    pub exclusion: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "texts_or_null"
    )]
    pub examples: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "texts_or_null"
    )]
    pub counter_examples: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// A catch-all code ("Other"): assigned to a unit that none of its
    /// sibling codes fits, while it has too few human examples to learn from
    /// (see [`Codebook::residual_codes`]). Unset: decided from the name and
    /// definition ([`Code::looks_residual`]); `false` turns that off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<bool>,
    /// Whether the code may be applied to data (REFI-QDA's `isCodable`).
    /// `false` (`codable: false`) is a category, as MAXQDA's, NVivo's and
    /// QualCoder's folders are: the classifier gives it no model and never
    /// assigns it, and reports count it through the codes below it. Written
    /// only when `false`, so a codebook whose codes are all codable has the
    /// body, and so the content hash, it had before the field existed.
    #[serde(default = "codable_default", skip_serializing_if = "is_codable")]
    pub codable: bool,
}

fn codable_default() -> bool {
    true
}

fn is_codable(codable: &bool) -> bool {
    *codable
}

impl Default for Code {
    /// An empty code, codable.
    fn default() -> Code {
        Code {
            id: String::new(),
            name: String::new(),
            parent: None,
            definition: String::new(),
            inclusion: Vec::new(),
            exclusion: Vec::new(),
            examples: Vec::new(),
            counter_examples: Vec::new(),
            color: None,
            residual: None,
            codable: true,
        }
    }
}

/// Names of catch-all codes (lower case, words joined by one space).
const RESIDUAL_NAMES: &[&str] = &[
    "other",
    "others",
    "other topics",
    "other issues",
    "other themes",
    "misc",
    "miscellaneous",
    "none of the above",
    "anything else",
];

/// Phrases of a catch-all code's definition (lower case).
const RESIDUAL_DEFINITIONS: &[&str] = &[
    "not covered in the other",
    "not covered by the other",
    "not covered by any other",
    "not covered in any other",
    "not captured by the other",
    "not captured by any other",
    "does not fit any other",
    "does not fit into any other",
    "doesn't fit any other",
    "none of the other codes",
    "none of the other categories",
];

impl Code {
    /// Whether the code reads as a catch-all: its name is "Other",
    /// "Miscellaneous", "None of the above" and the like, or its definition
    /// says it covers what the other codes do not ("not covered in the other
    /// categories"). Such a code names no topic, so neither its prototype nor
    /// pseudo-labels can find it; what defines it is the other codes' absence.
    pub fn looks_residual(&self) -> bool {
        let words = |t: &str| {
            t.to_lowercase()
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let name = words(if self.name.trim().is_empty() {
            &self.id
        } else {
            &self.name
        });
        let definition = words(&self.definition);
        RESIDUAL_NAMES.contains(&name.as_str())
            || RESIDUAL_DEFINITIONS.iter().any(|p| definition.contains(p))
    }
}

/// One thing wrong with a codebook file, located as precisely as the source allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    /// 1-based line in the source, when known.
    pub line: Option<usize>,
    /// The code and field at fault, e.g. `codes[3].parent` (`id` "x").
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}: {}", self.file, l, self.field, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CodebookError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// The file is not well-formed YAML/JSON/XML or does not have the codebook's shape.
    #[error("{}", .0)]
    Parse(Problem),
    /// Well-formed but invalid: every problem found.
    #[error("{} problem(s) in the codebook:\n{}", .0.len(), shown_problems(.0))]
    Invalid(Vec<Problem>),
}

/// File formats a codebook is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodebookFormat {
    Yaml,
    /// autocode's JSON (`name`, `codes`) or the shared eval form (`labels`: [{label, definition}]).
    Json,
    /// REFI-QDA codebook exchange (`.qdc`).
    Qdc,
}

impl CodebookFormat {
    pub fn from_path(path: &Path) -> CodebookFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("json") => CodebookFormat::Json,
            // A REFI-QDA project's XML (`project.qde`, unzipped from a
            // `.qdpx`) holds the same `<CodeBook>` as a `.qdc`; read as
            // YAML, its error quoted the whole project, transcripts and all.
            Some("qdc") | Some("xml") | Some("qde") => CodebookFormat::Qdc,
            _ => CodebookFormat::Yaml,
        }
    }
}

/// Why the file `path`, which starts with the bytes `start`, is no
/// codebook file, and what to give instead: a REFI-QDA project (`.qdpx`,
/// a zip holding `project.qde`), a QDA tool's own project file (NVivo's
/// `.nvp`/`.nvpx`, MAXQDA's `.mx24`, …, ATLAS.ti's `.atlproj`/`.hpr7`), or
/// another zip archive. `None` for anything else. Before, each was read as
/// YAML text and refused as "binary file (NUL byte at byte 5)".
pub fn not_a_codebook_file(path: &Path, start: &[u8]) -> Option<CodebookError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let maxqda = ext == "mex"
        || ext
            .strip_prefix("mx")
            .is_some_and(|v| v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()));
    let tool = match ext.as_str() {
        "nvp" | "nvpx" => Some("NVivo"),
        "atlproj" | "hpr7" => Some("ATLAS.ti"),
        _ if maxqda => Some("MAXQDA"),
        _ => None,
    };
    let message = if ext == "qdpx" {
        "a .qdpx is a REFI-QDA project (a zip archive), not a codebook: export the codebook \
         from the QDA tool as a REFI-QDA codebook (.qdc), or unzip the .qdpx and give its \
         project.qde, whose codebook autocode reads; `autocode report --import-qdpx FILE` \
         imports the project's codings"
            .to_string()
    } else if let Some(tool) = tool {
        format!(
            "a {tool} project file, not a codebook: export the codebook from {tool} as a \
             REFI-QDA codebook (.qdc) or as a table (.xlsx, .csv), and give that file"
        )
    } else if start.starts_with(b"PK\x03\x04")
        && !ext.starts_with("xls")
        && ext != "docx"
        && ext != "ods"
    {
        "a zip archive, not a codebook file (YAML, JSON, REFI-QDA .qdc or a table of codes); \
         a REFI-QDA project (.qdpx) is one: export its codebook as a .qdc, or give the \
         project.qde inside it"
            .to_string()
    } else {
        return None;
    };
    Some(CodebookError::Parse(Problem {
        file: path.display().to_string(),
        line: None,
        field: "codebook".into(),
        message,
    }))
}

/// The `codebook.json` form of the shared eval data: ids are the label text.
/// Its other keys (counts, provenance) are someone else's format and ignored.
#[derive(Deserialize)]
struct SharedCodebook {
    #[serde(default)]
    dataset: Option<String>,
    labels: Vec<SharedLabel>,
}

/// One entry of `labels`. Beyond `label` and `definition`, an entry may
/// carry what a codebook has (a parent, criteria, examples), under the
/// names codebooks give them (`description`, `inclusion_criteria`, `when to
/// use`, …), each a string or a list of strings: an eval set's codebook
/// with examples is read with its examples rather than as names and
/// definitions alone.
#[derive(Deserialize)]
struct SharedLabel {
    /// The code's text (`name` or `code` in some exports).
    #[serde(alias = "name", alias = "code", deserialize_with = "text_or_null")]
    label: String,
    /// An id other than the label text (the label is then the name).
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default, alias = "description", deserialize_with = "text_or_null")]
    definition: String,
    #[serde(
        default,
        alias = "include",
        alias = "inclusion_criteria",
        alias = "when_to_use",
        deserialize_with = "one_or_many"
    )]
    inclusion: Vec<String>,
    #[serde(
        default,
        alias = "exclude",
        alias = "exclusion_criteria",
        alias = "when_not_to_use",
        deserialize_with = "one_or_many"
    )]
    exclusion: Vec<String>,
    #[serde(default, alias = "example", deserialize_with = "one_or_many")]
    examples: Vec<String>,
    #[serde(
        default,
        alias = "counter_example",
        alias = "counterexamples",
        alias = "negative_examples",
        alias = "non_examples",
        deserialize_with = "one_or_many"
    )]
    counter_examples: Vec<String>,
}

/// A text field whose YAML or JSON null (`name: ~`, `definition:`) means
/// no text. serde reads a YAML null into a `String` as the text "~".
fn text_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A list of texts (`examples:`) where a null list or a null entry
/// (`- ~`, an empty `-`) is no text, rather than the text "~".
fn texts_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let texts = Option::<Vec<Option<String>>>::deserialize(d)?.unwrap_or_default();
    Ok(texts.into_iter().flatten().collect())
}

/// A field given as one string or as a list of strings; blank ones dropped.
/// Anything else is an error saying what was expected.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct OneOrMany;
    impl<'de> serde::de::Visitor<'de> for OneOrMany {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or a list of strings")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut texts = Vec::new();
            // A null entry is no text (YAML reads `~` into a String as "~").
            while let Some(t) = seq.next_element::<Option<String>>()? {
                texts.extend(t);
            }
            Ok(texts)
        }
    }
    let texts = d.deserialize_any(OneOrMany)?;
    Ok(texts.into_iter().filter(|t| !t.trim().is_empty()).collect())
}

/// The most problems an error lists: a generated codebook of 200,000
/// nested codes printed 399,998 lines (26 MB).
const PROBLEMS_SHOWN: usize = 50;

/// The problems as the error lists them, one per line, the first
/// [`PROBLEMS_SHOWN`] and how many more.
fn shown_problems(problems: &[Problem]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(|p| format!("  {p}"))
        .collect();
    if problems.len() > PROBLEMS_SHOWN {
        lines.push(format!(
            "  … and {} more of the same kinds",
            problems.len() - PROBLEMS_SHOWN
        ));
    }
    lines.join("\n")
}

/// Reads and validates a codebook file (format from its extension).
pub fn load_codebook(path: &Path) -> Result<Codebook, CodebookError> {
    let file = path.display().to_string();
    // A FIFO or a device would block or feed the read forever.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Err(CodebookError::Io(
            file,
            std::io::Error::other("not a regular file (a FIFO, socket or device)"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| CodebookError::Io(file.clone(), e))?;
    if let Some(e) = not_a_codebook_file(path, &bytes) {
        return Err(e);
    }
    let src = String::from_utf8(bytes).map_err(|_| {
        CodebookError::Io(
            file.clone(),
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ),
        )
    })?;
    codebook_of_file_text(path, &src)
}

/// Ids for codes that share one (a name under two parents, NVivo's
/// "Other"): each such code not `fixed` takes as many of its `paths`' last
/// names as make it unique (`Barriers/Other`, `Barriers/Other/Misc`);
/// others keep theirs. The `.qdc` reader and the table reader both name
/// such codes so.
pub(crate) fn ids_by_path(ids: &[String], paths: &[Vec<String>], fixed: &[bool]) -> Vec<String> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for id in ids {
        *count.entry(id.as_str()).or_default() += 1;
    }
    let suffix = |p: &[String], n: usize| p[p.len() - n..].join("/");
    (0..ids.len())
        .map(|k| {
            let path = &paths[k];
            if fixed[k] || count[ids[k].as_str()] < 2 || path.len() < 2 {
                return ids[k].clone();
            }
            let mut n = 2;
            while n < path.len()
                && (0..ids.len()).any(|j| {
                    j != k
                        && !fixed[j]
                        && ids[j] == ids[k]
                        && paths[j].len() >= n
                        && suffix(&paths[j], n) == suffix(path, n)
                })
            {
                n += 1;
            }
            suffix(path, n)
        })
        .collect()
}

/// Parses and validates `src`, the decoded text of the codebook file
/// `path` (format from its extension); a codebook without a name takes the
/// file's stem. The caller decodes: `pipeline::load_codebook` reads
/// UTF-16 and Windows-1252 files as transcripts are read.
pub fn codebook_of_file_text(path: &Path, src: &str) -> Result<Codebook, CodebookError> {
    let file = path.display().to_string();
    let fallback_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut cb = parse_codebook(src, &file, CodebookFormat::from_path(path))?;
    if cb.name.is_empty() {
        cb.name = fallback_name;
    }
    Ok(cb)
}

/// Parses and validates a codebook held in memory; `file` names it in errors.
pub fn parse_codebook(
    src: &str,
    file: &str,
    format: CodebookFormat,
) -> Result<Codebook, CodebookError> {
    // Notepad and Excel save UTF-8 with a byte-order mark; YAML read it as a
    // second document and JSON as a stray character.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut cb = match format {
        CodebookFormat::Yaml => {
            check_yaml_nesting(src, file)?;
            serde_yaml_ng::from_str::<Codebook>(src).map_err(|e| {
                // Parsed again only on this error path, to name its shape.
                if serde_yaml_ng::from_str::<serde_yaml_ng::Value>(src)
                    .is_ok_and(|v| v.is_sequence())
                {
                    return bare_list(file, src, CodebookFormat::Yaml);
                }
                let line = e.location().map(|l| l.line());
                // XML (a REFI-QDA project's `.qde` or a codebook under
                // another extension) is one YAML string: serde's "invalid
                // type: string …" quoted the whole file.
                if src.trim_start().starts_with('<') {
                    return CodebookError::Parse(Problem {
                        file: file.to_string(),
                        line,
                        field: "codebook".into(),
                        message: "the file is XML, not YAML (the format is read from the \
                                  extension): a REFI-QDA codebook is read from a .qdc or \
                                  .xml file, a REFI-QDA project's from its .qde; rename it so"
                            .into(),
                    });
                }
                let mut message = shorten_quoted(&e.to_string());
                // Excel's "Unicode Text" is a tab-separated table saved as
                // `.txt`, read here as YAML by its extension.
                if src
                    .lines()
                    .next()
                    .is_some_and(|l| l.matches('\t').count() >= 1)
                {
                    message.push_str(
                        "; its first line is tab-separated, as a table is: a table of codes \
                         is read from a `.tsv`, `.csv` or workbook, so save or rename it so",
                    );
                }
                CodebookError::Parse(parse_problem(file, line, &message))
            })?
        }
        CodebookFormat::Json => parse_json(src, file)?,
        CodebookFormat::Qdc => crate::qdc::from_qdc(src, file)?,
    };
    cb.normalise_texts();
    for c in &mut cb.codes {
        if c.name.trim().is_empty() {
            c.name = c.id.clone();
        }
    }
    cb.validate(file, Some(src))
        .map_err(CodebookError::Invalid)?;
    // After validation, whose problems name codes by their place in the file.
    cb.put_in_canonical_order();
    Ok(cb)
}

/// `text` as a codebook keeps it: a vertical tab or a form feed (Word's
/// manual line break and page break, pasted into a YAML or a spreadsheet
/// cell, or written `\v` in a YAML string) is a line break, and the other
/// characters XML 1.0 cannot carry (the C0 controls but tab, line feed and
/// carriage return; U+FFFE, U+FFFF) are dropped. The `.qdc` writer drops
/// them, so a codebook holding one came back from its `.qdc` export as
/// other content, a new version, and every sentence was re-coded.
pub(crate) fn normalise_text(text: &mut String) {
    let odd = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}'
    };
    if !text.contains(odd) {
        return;
    }
    *text = text
        .chars()
        .filter_map(|c| match c {
            '\u{b}' | '\u{c}' => Some('\n'),
            c if odd(c) => None,
            c => Some(c),
        })
        .collect();
}

/// The longest quoted text an error message keeps of the file's.
const QUOTED_SHOWN: usize = 60;

/// `message` with each text serde quotes (`invalid type: string "…"`, the
/// text escaped as Rust's `{:?}` writes it) cut to its first
/// [`QUOTED_SHOWN`] characters and `…`: a file read as one YAML string
/// was quoted whole, a project's transcripts and all.
fn shorten_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(at) = rest.find("string \"") {
        let open = at + "string \"".len();
        out.push_str(&rest[..open]);
        let body = &rest[open..];
        // The closing quote: the first not behind a backslash.
        let mut end = body.len();
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let quoted = &body[..end];
        if quoted.chars().count() > QUOTED_SHOWN {
            out.extend(quoted.chars().take(QUOTED_SHOWN));
            out.push('…');
        } else {
            out.push_str(quoted);
        }
        rest = &body[end..];
    }
    out.push_str(rest);
    out
}

/// Writes the codebook to `path` in the format its extension names (pretty
/// JSON, YAML, or REFI-QDA `.qdc`).
pub fn save_codebook(cb: &Codebook, path: &Path) -> Result<(), CodebookError> {
    std::fs::write(path, cb.to_format(CodebookFormat::from_path(path)))
        .map_err(|e| CodebookError::Io(path.display().to_string(), e))
}

fn parse_json(src: &str, file: &str) -> Result<Codebook, CodebookError> {
    let parse_err = |e: serde_json::Error| {
        CodebookError::Parse(parse_problem(file, Some(e.line()), &e.to_string()))
    };
    let value: serde_json::Value = serde_json::from_str(src).map_err(parse_err)?;
    if value.is_array() {
        return Err(bare_list(file, src, CodebookFormat::Json));
    }
    if value.get("labels").is_some() && value.get("codes").is_none() {
        let shared: SharedCodebook = serde_json::from_str(src).map_err(parse_err)?;
        return Ok(Codebook {
            name: shared.dataset.unwrap_or_default(),
            codes: shared
                .labels
                .into_iter()
                .map(|l| Code {
                    id: l.id.unwrap_or_else(|| l.label.clone()),
                    name: l.label,
                    parent: l.parent.filter(|p| !p.trim().is_empty()),
                    definition: l.definition,
                    inclusion: l.inclusion,
                    exclusion: l.exclusion,
                    examples: l.examples,
                    counter_examples: l.counter_examples,
                    ..Code::default()
                })
                .collect(),
        });
    }
    serde_json::from_str(src).map_err(parse_err)
}

/// A codebook file that is a bare list of codes (`json.dump(codes)`, a
/// hand-written `[{"id": …}, …]` or YAML `- id: …`): serde reads a list as
/// the codebook's fields by position, and said "invalid type: map, expected
/// a string" (hg/05). Says what a codebook is, at the list's first line.
fn bare_list(file: &str, src: &str, format: CodebookFormat) -> CodebookError {
    let line = src
        .lines()
        .position(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#') && l != "---"
        })
        .map(|i| i + 1);
    let shape = match format {
        CodebookFormat::Json => r#"{"name": "…", "codes": [{"id": "…", "name": "…"}, …]}"#,
        _ => "`name: …` and `codes:` with the list of codes under it",
    };
    CodebookError::Parse(Problem {
        file: file.to_string(),
        line,
        field: "codebook".into(),
        message: format!(
            "the file is a bare list; a codebook is an object with a `codes` list ({shape}): \
             put the list under `codes`"
        ),
    })
}

/// A YAML/JSON parse error as a [`Problem`]. An unknown key (serde's
/// `unknown field`) is named with the nearest known key, so a misspelled
/// `parnet:` says what was meant; other errors keep the parser's words.
fn parse_problem(file: &str, line: Option<usize>, message: &str) -> Problem {
    let unknown = message.find("unknown field `").and_then(|at| {
        let rest = &message[at + "unknown field `".len()..];
        let key = &rest[..rest.find('`')?];
        Some((at, key))
    });
    let Some((at, key)) = unknown else {
        return Problem {
            file: file.to_string(),
            line,
            field: "codebook".into(),
            message: message.to_string(),
        };
    };
    // serde_yaml_ng puts the path first ("codes[1]: unknown field ...").
    let path = message[..at].trim_end().trim_end_matches(':').trim();
    let known = if message[at..].contains("`codes`") {
        CODEBOOK_KEYS
    } else {
        CODE_KEYS
    };
    let what = if known == CODEBOOK_KEYS {
        "a codebook's keys are"
    } else {
        "a code's keys are"
    };
    let hint = nearest_key(key, known)
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    Problem {
        file: file.to_string(),
        line,
        field: if path.is_empty() {
            "codebook".into()
        } else {
            path.to_string()
        },
        message: format!("unknown key `{key}`{hint}; {what} {}", known.join(", ")),
    }
}

/// The known key nearest to `key` by edit distance, when near enough to be
/// a misspelling of it (at most 2 edits, or a third of its length).
fn nearest_key(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let limit = 2.max(key.chars().count() / 3);
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars (insert, delete, substitute).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Refuses YAML nested deeper than [`MAX_YAML_NESTING`] before the parser
/// sees it (it takes time quadratic in the depth: 100,000 `[` took 22 s).
fn check_yaml_nesting(src: &str, file: &str) -> Result<(), CodebookError> {
    match yaml_nesting_over(src, MAX_YAML_NESTING) {
        None => Ok(()),
        Some(line) => Err(CodebookError::Parse(Problem {
            file: file.to_string(),
            line: Some(line),
            field: "codebook".into(),
            message: format!(
                "nested more than {MAX_YAML_NESTING} levels deep; refused (a codebook nests about four)"
            ),
        })),
    }
}

/// The 1-based line where YAML nesting first exceeds `limit`, counting flow
/// collections (`[`, `{`) and block indicators (`- `, `? `) that open one
/// line. A lexer for just that much of YAML: quoted scalars (which may span
/// lines) and block scalars (`|`, `>`) are skipped, a plain scalar in block
/// context cannot open a collection, and in a flow collection every `[` or
/// `{` outside quotes opens one. One pass, linear in the input.
fn yaml_nesting_over(src: &str, limit: usize) -> Option<usize> {
    let mut flow = 0usize;
    let mut quote: Option<u8> = None;
    // Indentation of the line that opened a block scalar.
    let mut block_scalar: Option<usize> = None;
    for (n, line) in src.lines().enumerate() {
        let b = line.as_bytes();
        let indent = b.iter().take_while(|&&c| c == b' ').count();
        if let Some(ind) = block_scalar {
            if line.trim().is_empty() || indent > ind {
                continue;
            }
            block_scalar = None;
        }
        let mut i = 0;
        // In block context the line's value starts after its indicators and key.
        let mut at_value = false;
        if quote.is_none() && flow == 0 {
            let mut indicators = 0;
            i = indent;
            loop {
                while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                    i += 1;
                }
                let lone = |k: usize| k >= b.len() || b[k] == b' ' || b[k] == b'\t';
                if i < b.len() && (b[i] == b'-' || b[i] == b'?') && lone(i + 1) {
                    indicators += 1;
                    i += 1;
                } else {
                    break;
                }
            }
            if indicators > limit {
                return Some(n + 1);
            }
            at_value = true;
        }
        // In flow context: whether the next char starts a token (a quote there opens a scalar).
        let mut token_start = true;
        while i < b.len() {
            let c = b[i];
            if let Some(q) = quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    token_start = false;
                    if flow == 0 {
                        // A quoted key: its value follows the `:`.
                        let mut k = i + 1;
                        while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                            k += 1;
                        }
                        if k < b.len() && b[k] == b':' {
                            i = k + 1;
                            at_value = true;
                            continue;
                        }
                        break;
                    }
                }
                i += 1;
                continue;
            }
            if flow == 0 {
                if !at_value {
                    break;
                }
                match c {
                    b' ' | b'\t' => i += 1,
                    b'[' | b'{' => {
                        flow = 1;
                        token_start = true;
                        i += 1;
                    }
                    b'"' | b'\'' => {
                        quote = Some(c);
                        i += 1;
                    }
                    b'|' | b'>' => {
                        block_scalar = Some(indent);
                        break;
                    }
                    // A tag or an anchor before the value.
                    b'!' | b'&' => {
                        while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
                            i += 1;
                        }
                    }
                    b'#' => break,
                    _ => {
                        // A plain key or scalar: a value may follow its `: `.
                        let rest = &line[i..];
                        match rest
                            .find(": ")
                            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))
                        {
                            Some(k) if !rest[..k].contains(" #") => i += k + 1,
                            _ => break,
                        }
                    }
                }
                continue;
            }
            match c {
                b'[' | b'{' => {
                    flow += 1;
                    if flow > limit {
                        return Some(n + 1);
                    }
                    token_start = true;
                }
                b']' | b'}' => {
                    flow -= 1;
                    token_start = false;
                    if flow == 0 {
                        at_value = false;
                    }
                }
                b'"' | b'\'' if token_start => quote = Some(c),
                b'#' if token_start => break,
                b' ' | b'\t' | b',' | b':' => token_start = true,
                _ => token_start = false,
            }
            i += 1;
        }
    }
    None
}

impl Codebook {
    /// `codes` and every ancestor this codebook gives them.
    pub fn with_ancestors<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> std::collections::BTreeSet<String> {
        let parent: std::collections::BTreeMap<&str, &str> = self
            .codes
            .iter()
            .filter_map(|c| c.parent.as_deref().map(|p| (c.id.as_str(), p)))
            .collect();
        let mut out = std::collections::BTreeSet::new();
        for code in codes {
            let mut at = code;
            // A cycle is refused at approval; the bound keeps a stored one
            // finite. A code met before brought its ancestors with it.
            for _ in 0..=self.codes.len() {
                if !out.insert(at.to_string()) {
                    break;
                }
                match parent.get(at) {
                    Some(&up) => at = up,
                    None => break,
                }
            }
        }
        out
    }

    /// Every problem: no codes, duplicate or empty id, unknown parent, cycle,
    /// a hierarchy deeper than [`MAX_HIERARCHY_DEPTH`], a code with neither
    /// definition nor examples. `src` (the file text) locates lines. Linear
    /// in the number of codes (plus the problems' line look-ups).
    pub fn validate(&self, file: &str, src: Option<&str>) -> Result<(), Vec<Problem>> {
        if self.codes.is_empty() {
            return Err(vec![Problem {
                file: file.to_string(),
                line: None,
                field: "codes".into(),
                message: "the codebook has no codes (a codebook file has `codes:` with at least one `- id: ...`)".into(),
            }]);
        }
        let locator = src.map(|s| Locator::new(s, self.codes.len()));
        let line_of = |i: usize, field: &str| locator.as_ref().and_then(|l| l.line(i, field));
        let mut problems = Vec::new();
        let mut push = |i: usize, field: &str, message: String| {
            problems.push(Problem {
                file: file.to_string(),
                line: line_of(i, field),
                field: format!("codes[{i}].{field}"),
                message,
            })
        };
        let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(self.codes.len());
        for (i, c) in self.codes.iter().enumerate() {
            if c.id.trim().is_empty() {
                push(i, "id", "empty id".into());
                continue;
            }
            if let Some(&j) = first_index.get(c.id.as_str()) {
                push(
                    i,
                    "id",
                    format!("duplicate id \"{}\" (first used by codes[{j}])", c.id),
                );
            } else {
                first_index.insert(&c.id, i);
            }
        }
        for (i, c) in self.codes.iter().enumerate() {
            if let Some(p) = &c.parent {
                if !first_index.contains_key(p.as_str()) {
                    push(
                        i,
                        "parent",
                        format!("code \"{}\" has unknown parent \"{p}\"", c.id),
                    );
                } else if p == &c.id {
                    push(i, "parent", format!("code \"{}\" is its own parent", c.id));
                }
            }
        }
        // Cycles and depth in one linear walk over the parent links (each code
        // has at most one): a cycle is reported once, on its first code in file
        // order; a chain deeper than the limit on its first too-deep code.
        // A code that names itself is reported above, not as a cycle.
        let parent: Vec<Option<usize>> = self
            .codes
            .iter()
            .map(|c| {
                c.parent
                    .as_deref()
                    .filter(|p| *p != c.id)
                    .and_then(|p| first_index.get(p).copied())
            })
            .collect();
        let hierarchy = walk_hierarchy(&parent);
        let mut cycles = hierarchy.cycles;
        cycles.sort_by_key(|c| c[0]);
        for cycle in cycles {
            let ids: Vec<&str> = cycle.iter().map(|&j| self.codes[j].id.as_str()).collect();
            push(
                cycle[0],
                "parent",
                format!("parent cycle: {} -> {}", ids.join(" -> "), ids[0]),
            );
        }
        let too_deep = |d: usize| d > MAX_HIERARCHY_DEPTH && d != BROKEN_CHAIN;
        if let Some(i) = (0..self.codes.len()).find(|&i| too_deep(hierarchy.depth[i])) {
            let deeper = hierarchy.depth.iter().filter(|&&d| too_deep(d)).count();
            push(
                i,
                "parent",
                format!(
                    "code \"{}\" is nested {} levels deep ({deeper} code(s) are deeper than the limit); a codebook may nest at most {MAX_HIERARCHY_DEPTH} levels (a top-level code is level 1)",
                    self.codes[i].id, hierarchy.depth[i]
                ),
            );
        }
        for (i, c) in self.codes.iter().enumerate() {
            if c.residual == Some(true) && !c.codable {
                push(
                    i,
                    "residual",
                    format!(
                        "code \"{}\" is not codable (codable: false, a category), so it cannot be a catch-all (residual: true); drop one of the two",
                        c.id
                    ),
                );
            } else if c.residual == Some(true) && parent.contains(&Some(i)) {
                push(
                    i,
                    "residual",
                    format!(
                        "code \"{}\" has children, so it cannot be a catch-all (residual: true); put the catch-all beside its siblings as a code without children",
                        c.id
                    ),
                );
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// sha256 of the canonical JSON body, the codes in canonical order
    /// ([`Codebook::canonical_order`]): the identity of a codebook version.
    /// Where a child is listed is no content: a `.qdc` nests it under its
    /// parent, and the report lists it there. A codebook already in that
    /// order (every codebook read from a file since 2026-12-07) hashes as
    /// it always has.
    pub fn content_hash(&self) -> String {
        let order = self.canonical_order();
        if order.iter().enumerate().all(|(k, &i)| k == i) {
            return hex::encode(Sha256::digest(self.to_json().as_bytes()));
        }
        let canonical = Codebook {
            name: self.name.clone(),
            codes: order.iter().map(|&i| self.codes[i].clone()).collect(),
        };
        hex::encode(Sha256::digest(canonical.to_json().as_bytes()))
    }

    /// The codes' indices in canonical order: each top-level code in the
    /// order listed, followed by the codes below it, depth first, children
    /// in the order listed. It is the order the `.qdc` nests them in, reads
    /// them back in, and the report lists them in: a sub-code appended at
    /// the end of a YAML file (a second coding round's) comes right after
    /// its parent. Codes no top-level code leads to (a parent cycle, in an
    /// unvalidated codebook) follow in the order listed.
    pub fn canonical_order(&self) -> Vec<usize> {
        let parents = self.parent_indices();
        let n = self.codes.len();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p.filter(|&p| p != i) {
                children[p].push(i);
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        for root in (0..n).filter(|&i| parents[i].is_none_or(|p| p == i)) {
            stack.push(root);
            while let Some(i) = stack.pop() {
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                order.push(i);
                stack.extend(children[i].iter().rev());
            }
        }
        order.extend((0..n).filter(|&i| !seen[i]));
        order
    }

    /// Puts the codes in [`Codebook::canonical_order`]. Every codebook
    /// read from a file is (`parse_codebook`, the table reader), so that
    /// its `.qdc` export, which nests each child under its parent, reads
    /// back to the same codebook, codes in the same order: the classifier's
    /// columns and its fingerprint are the same whichever file is given.
    pub fn put_in_canonical_order(&mut self) {
        let order = self.canonical_order();
        if order.iter().enumerate().all(|(k, &i)| k == i) {
            return;
        }
        let mut codes: Vec<Option<Code>> = std::mem::take(&mut self.codes)
            .into_iter()
            .map(Some)
            .collect();
        self.codes = order.iter().filter_map(|&i| codes[i].take()).collect();
    }

    /// Every text of the codebook through [`normalise_text`]: its name and
    /// each code's id, name, parent, definition, criteria, examples and
    /// colour.
    pub fn normalise_texts(&mut self) {
        normalise_text(&mut self.name);
        for c in &mut self.codes {
            for t in [&mut c.id, &mut c.name, &mut c.definition] {
                normalise_text(t);
            }
            for t in c.parent.iter_mut().chain(c.color.iter_mut()) {
                normalise_text(t);
            }
            for list in [
                &mut c.inclusion,
                &mut c.exclusion,
                &mut c.examples,
                &mut c.counter_examples,
            ] {
                list.iter_mut().for_each(normalise_text);
            }
        }
    }

    /// The codable codes as a codebook of their own, each under its
    /// nearest codable ancestor, and their indices here; `None` where
    /// every code is codable. What the classifier trains on: a category
    /// (`codable: false`) is no column of it, and the codes below one are
    /// learnt as if it were not there.
    pub(crate) fn codable_view(&self) -> Option<(Codebook, Vec<usize>)> {
        if self.codes.iter().all(|c| c.codable) {
            return None;
        }
        let ancestors = self.all_ancestors();
        let keep: Vec<usize> = (0..self.codes.len())
            .filter(|&i| self.codes[i].codable)
            .collect();
        let codes = keep
            .iter()
            .map(|&i| Code {
                parent: ancestors[i]
                    .iter()
                    .find(|&&a| self.codes[a].codable)
                    .map(|&a| self.codes[a].id.clone()),
                ..self.codes[i].clone()
            })
            .collect();
        Some((
            Codebook {
                name: self.name.clone(),
                codes,
            },
            keep,
        ))
    }

    /// Canonical JSON body (field order of the structs; stable).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("codebook serialises")
    }

    pub fn to_yaml(&self) -> String {
        quote_yaml11_booleans(&serde_yaml_ng::to_string(self).expect("codebook serialises"))
    }

    /// The text of a codebook file of `format`: pretty JSON with a final
    /// newline, YAML, or REFI-QDA `.qdc` XML.
    pub fn to_format(&self, format: CodebookFormat) -> String {
        match format {
            CodebookFormat::Qdc => crate::qdc::to_qdc(self),
            CodebookFormat::Json => {
                serde_json::to_string_pretty(self).expect("codebook serialises") + "\n"
            }
            CodebookFormat::Yaml => self.to_yaml(),
        }
    }

    /// Reads a stored version's body (the canonical JSON of [`Codebook::to_json`]);
    /// `origin` names it in the error (e.g. "codebook version 3").
    pub fn from_stored_json(body: &str, origin: &str) -> Result<Codebook, CodebookError> {
        serde_json::from_str(body).map_err(|e| {
            CodebookError::Parse(Problem {
                file: origin.to_string(),
                line: Some(e.line()),
                field: "codebook".into(),
                message: e.to_string(),
            })
        })
    }

    /// Per code, whether it is a catch-all ([`Code::residual`], else
    /// [`Code::looks_residual`]). A code with children never is: its
    /// children's codings make it assigned, so it cannot be "none of the
    /// others" (`validate` refuses `residual: true` on one).
    pub fn residual_codes(&self) -> Vec<bool> {
        let parents = self.parent_indices();
        let mut has_children = vec![false; self.codes.len()];
        for p in parents.iter().flatten() {
            has_children[*p] = true;
        }
        self.codes
            .iter()
            .zip(has_children)
            .map(|(c, parent)| {
                !parent && c.codable && c.residual.unwrap_or_else(|| c.looks_residual())
            })
            .collect()
    }

    /// The leaf codes described by their name alone: no definition, no
    /// examples, no inclusion criteria. NVivo and ATLAS.ti codebooks often
    /// carry names only, so such a code is valid: its prototype is its name
    /// ([`crate::prototype_texts`]), a label-name-only classifier's start.
    /// It codes worse than one with a definition, which callers warn about
    /// (docs/classify.md, "Codes with a name alone"). A parent is not
    /// listed: its positives come from its children; nor is a category
    /// (`codable: false`), which is never coded.
    pub fn name_only(&self) -> Vec<&str> {
        self.codes
            .iter()
            .filter(|c| {
                c.codable
                    && c.definition.trim().is_empty()
                    && c.examples.iter().all(|e| e.trim().is_empty())
                    && c.inclusion.iter().all(|e| e.trim().is_empty())
                    && !self
                        .codes
                        .iter()
                        .any(|o| o.parent.as_deref() == Some(c.id.as_str()))
            })
            .map(|c| c.id.as_str())
            .collect()
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.codes.iter().position(|c| c.id == id)
    }

    /// Index of each code's parent (None for roots or unknown parents).
    pub fn parent_indices(&self) -> Vec<Option<usize>> {
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(self.codes.len());
        for (i, c) in self.codes.iter().enumerate() {
            first.entry(c.id.as_str()).or_insert(i);
        }
        self.codes
            .iter()
            .map(|c| c.parent.as_deref().and_then(|p| first.get(p).copied()))
            .collect()
    }

    /// Indices of the ancestors of code `i`, nearest first (cycle-safe).
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        ancestors_of(&self.parent_indices(), i)
    }

    /// [`Codebook::ancestors`] of every code, sharing one parent index.
    pub fn all_ancestors(&self) -> Vec<Vec<usize>> {
        let parents = self.parent_indices();
        (0..self.codes.len())
            .map(|i| ancestors_of(&parents, i))
            .collect()
    }

    /// Code indices ordered children before parents (deepest first), for
    /// propagating probabilities up the hierarchy in one pass.
    pub fn bottom_up_order(&self) -> Vec<usize> {
        let depth: Vec<usize> = self.all_ancestors().iter().map(Vec::len).collect();
        let mut idx: Vec<usize> = (0..self.codes.len()).collect();
        idx.sort_by_key(|&i| (std::cmp::Reverse(depth[i]), i));
        idx
    }
}

/// Ancestors of `i` through `parents`, nearest first, stopping where a chain
/// comes back on itself. Validated codebooks have at most
/// [`MAX_HIERARCHY_DEPTH`] levels, so the membership test stays small.
fn ancestors_of(parents: &[Option<usize>], i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = parents[i];
    while let Some(p) = cur {
        if p == i || out.contains(&p) {
            break;
        }
        out.push(p);
        cur = parents[p];
    }
    out
}

/// What one walk over the parent links finds.
struct Hierarchy {
    /// Each cycle once, starting at its smallest index and following parents.
    cycles: Vec<Vec<usize>>,
    /// Level of each code (1 for a top-level code); [`BROKEN_CHAIN`] for a
    /// code on a cycle or below one.
    depth: Vec<usize>,
}

const BROKEN_CHAIN: usize = usize::MAX;

/// Cycles and depths of the forest `parent` describes, in time linear in
/// its length: each code is walked up once, until a code already known.
fn walk_hierarchy(parent: &[Option<usize>]) -> Hierarchy {
    const UNKNOWN: usize = 0;
    let n = parent.len();
    let mut depth = vec![UNKNOWN; n];
    // Position of a code on the current walk's path (n when not on it).
    let mut on_path = vec![n; n];
    let mut cycles = Vec::new();
    let mut path: Vec<usize> = Vec::new();
    for start in 0..n {
        if depth[start] != UNKNOWN {
            continue;
        }
        path.clear();
        let mut cur = Some(start);
        // The level above the path's last code: 0 past a root.
        let base = loop {
            let Some(c) = cur else { break 0 };
            if depth[c] != UNKNOWN {
                break depth[c];
            }
            if on_path[c] != n {
                let mut cycle = path[on_path[c]..].to_vec();
                let first = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap_or(0);
                cycle.rotate_left(first);
                cycles.push(cycle);
                break BROKEN_CHAIN;
            }
            on_path[c] = path.len();
            path.push(c);
            cur = parent[c];
        };
        let mut level = base;
        for &c in path.iter().rev() {
            level = if level == BROKEN_CHAIN {
                BROKEN_CHAIN
            } else {
                level + 1
            };
            depth[c] = level;
            on_path[c] = n;
        }
    }
    Hierarchy { cycles, depth }
}

/// Finds the source line of the i-th code's fields. Codes appear in file order,
/// so the i-th `id` key line starts code i; a field is the first line with
/// that key inside the code's span (or the id line when the key is absent).
struct Locator<'a> {
    lines: Vec<&'a str>,
    starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(src: &'a str, n_codes: usize) -> Locator<'a> {
        let lines: Vec<&str> = src.lines().collect();
        let starts: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| key_of(l) == Some("id"))
            .map(|(i, _)| i)
            .collect();
        // A `.qdc`: each code opens a `<Code …>` element, in the order the
        // codes are read (a set's `<MemberCode>` is no code).
        let starts = if starts.is_empty() {
            lines
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    let t = l.trim_start();
                    t.starts_with("<Code ") || t.starts_with("<Code>")
                })
                .map(|(i, _)| i)
                .collect()
        } else {
            starts
        };
        // Unusual layouts: no per-code lines.
        let starts = if starts.len() == n_codes {
            starts
        } else {
            Vec::new()
        };
        Locator { lines, starts }
    }

    fn line(&self, i: usize, field: &str) -> Option<usize> {
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.lines.len());
        // A YAML list item may open with another key before `id`: start at its `-`.
        let prev = if i == 0 { 0 } else { self.starts[i - 1] + 1 };
        let lo = if self.lines[start].trim_start().starts_with('-') {
            start
        } else {
            (prev..start)
                .rev()
                .find(|&k| self.lines[k].trim_start().starts_with('-'))
                .unwrap_or(start)
        };
        (lo..end)
            .find(|&l| key_of(self.lines[l]) == Some(field))
            .or(Some(start))
            .map(|l| l + 1)
    }
}

/// The mapping key a YAML or JSON line opens with (`- id: x`, `"id": "x"`).
fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches('-').trim_start();
    let t = t.trim_start_matches('{').trim_start();
    let (k, _) = t.split_once(':')?;
    let k = k.trim().trim_matches('"').trim_matches('\'');
    if k.is_empty() || k.contains(char::is_whitespace) {
        None
    } else {
        Some(k)
    }
}

/// YAML 1.1's booleans besides `true`/`false` (which the emitter quotes
/// already): plain in YAML 1.2, which serde_yaml_ng writes, but read as
/// true or false by PyYAML, R's yaml and Ruby's Psych, so a code with id
/// `No` or `On` came back to them as a boolean.
const YAML11_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

/// `yaml` with each plain scalar that YAML 1.1 reads as a boolean quoted:
/// a line's value after its indent, an optional `- ` and an optional
/// `key: `. The emitter writes every scalar of a codebook on its own line
/// (long texts as quoted or block scalars), so lines are enough.
fn quote_yaml11_booleans(yaml: &str) -> String {
    let mut out = String::with_capacity(yaml.len() + 16);
    // The indent of the key whose block scalar (`|-`, `>`) the lines
    // below belong to while they are indented deeper: text, left as it is.
    let mut block_of: Option<usize> = None;
    for line in yaml.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(key_indent) = block_of {
            if body.trim().is_empty() || indent > key_indent {
                out.push_str(line);
                continue;
            }
            block_of = None;
        }
        let mut rest = &body[indent..];
        let mut head = indent;
        if let Some(after) = rest.strip_prefix("- ") {
            head += 2;
            rest = after;
        }
        if let Some((key, value)) = rest.split_once(": ") {
            if !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_') {
                head += key.len() + 2;
                rest = value;
            }
        }
        if rest.starts_with('|') || rest.starts_with('>') {
            block_of = Some(indent + usize::from(body[indent..].starts_with("- ")) * 2);
        }
        if YAML11_BOOLEANS.contains(&rest) {
            out.push_str(&body[..head]);
            out.push('\'');
            out.push_str(rest);
            out.push('\'');
        } else {
            out.push_str(body);
        }
        out.push_str(newline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_codebook() {
        let yaml =
            "\u{feff}name: Study\ncodes:\n  - id: trust\n    name: Trust\n    definition: Trusting\n";
        let json = "\u{feff}{\"name\": \"Study\", \"codes\": [{\"id\": \"trust\", \"name\": \"Trust\", \"definition\": \"Trusting\"}]}";
        for (src, format) in [(yaml, CodebookFormat::Yaml), (json, CodebookFormat::Json)] {
            let cb = parse_codebook(src, "codebook", format).unwrap();
            assert_eq!(cb.name, "Study");
            assert_eq!(cb.codes[0].id, "trust");
        }
    }

    const GOOD: &str = "name: t\ncodes:\n  - id: a\n    name: A\n    definition: about a\n  - id: b\n    parent: a\n    examples: [\"b one\"]\n";

    #[test]
    fn a_null_is_no_text_not_a_tilde() {
        // `id: ~` used to be a code called "~", and `name: ~` a name "~".
        let src = "name: ~\ncodes:\n  - id: ~\n    definition: x\n  - id: b\n    name: ~\n    definition: ~\n    examples: [~, \"an example\"]\n    inclusion:\n      -\n    exclusion: ~\n";
        let CodebookError::Invalid(ps) =
            parse_codebook(src, "cb.yaml", CodebookFormat::Yaml).unwrap_err()
        else {
            panic!("expected a validation error")
        };
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!(ps[0].to_string(), "cb.yaml:3: codes[0].id: empty id");
        let fixed = src.replace("id: ~", "id: a");
        let cb = parse_codebook(&fixed, "cb.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(cb.name, "");
        let b = &cb.codes[1];
        assert_eq!((b.name.as_str(), b.definition.as_str()), ("b", ""));
        assert_eq!(b.examples, vec!["an example".to_string()]);
        assert!(b.inclusion.is_empty() && b.exclusion.is_empty());
        // JSON's null reads the same, in both forms.
        let json =
            r#"{"codes": [{"id": "a", "name": null, "definition": "x", "examples": [null]}]}"#;
        let cb = parse_codebook(json, "cb.json", CodebookFormat::Json).unwrap();
        assert_eq!(
            (cb.codes[0].name.as_str(), cb.codes[0].examples.len()),
            ("a", 0)
        );
        let shared =
            r#"{"labels": [{"label": "Costs", "definition": null, "examples": [null, "cheap"]}]}"#;
        let cb = parse_codebook(shared, "cb.json", CodebookFormat::Json).unwrap();
        assert_eq!(cb.codes[0].examples, vec!["cheap".to_string()]);
    }

    #[test]
    fn a_qdc_problem_names_its_line() {
        let src = r#"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="a0000000-0000-4000-8000-000000000001" name="Cost" isCodable="true"/>
    <Code guid="a0000000-0000-4000-8000-000000000002" name="Trust" isCodable="true"/>
    <Code guid="a0000000-0000-4000-8000-000000000003" name="Cost" isCodable="true"/>
  </Codes>
</CodeBook>"#;
        let err = parse_codebook(src, "dup.qdc", CodebookFormat::Qdc)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("dup.qdc:6: codes[2].id: duplicate id \"Cost\""),
            "{err}"
        );
    }

    #[test]
    fn a_tab_separated_table_saved_as_text_is_named_as_such() {
        let src = "Code\tParent\tDescription\nBarriers\t\tThings in the way\n";
        let err = codebook_of_file_text(Path::new("codes.txt"), src)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("codes.txt:1: ") && err.contains("its first line is tab-separated"),
            "{err}"
        );
    }

    #[test]
    fn loads_yaml_and_fills_names() {
        let cb = parse_codebook(GOOD, "t.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(cb.codes.len(), 2);
        assert_eq!(cb.codes[1].name, "b");
        assert_eq!(cb.ancestors(1), vec![0]);
        assert_eq!(cb.bottom_up_order(), vec![1, 0]);
    }

    #[test]
    fn validation_names_file_line_and_field() {
        let src = "name: t\ncodes:\n  - id: a\n    definition: x\n  - id: b\n    parent: zz\n    definition: y\n  - id: a\n    definition: z\n  - id: c\n    name: C\n";
        let err = parse_codebook(src, "cb.yaml", CodebookFormat::Yaml).unwrap_err();
        let CodebookError::Invalid(ps) = err else {
            panic!("{err}")
        };
        let shown: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
        assert!(
            shown.contains(
                &"cb.yaml:8: codes[2].id: duplicate id \"a\" (first used by codes[0])".to_string()
            ),
            "{shown:?}"
        );
        assert!(
            shown.contains(
                &"cb.yaml:6: codes[1].parent: code \"b\" has unknown parent \"zz\"".to_string()
            ),
            "{shown:?}"
        );
        // A code with a name alone is valid (NVivo codebooks often are).
        assert_eq!(shown.len(), 2, "{shown:?}");
    }

    #[test]
    fn a_long_list_of_problems_is_cut_at_fifty() {
        let src: String = std::iter::once("codes:\n".to_string())
            .chain((0..60).map(|i| format!("- id: c{i}\n  parent: nowhere\n  definition: x\n")))
            .collect();
        let err = parse_codebook(&src, "cb.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("60 problem(s) in the codebook:\n"), "{err}");
        assert_eq!(err.lines().count(), 1 + 50 + 1, "{err}");
        assert!(err.ends_with("  … and 10 more of the same kinds"), "{err}");
    }

    #[test]
    fn codes_with_a_name_alone_are_valid_and_listed() {
        let src = "codes:\n- id: challenges\n  name: Challenges\n- id: isolation\n  parent: challenges\n  name: Isolation\n- id: costs\n  name: Costs\n  definition: money spent\n- id: tools\n  examples: [We moved to a shared board.]\n- id: place\n  inclusion: [working from cafes]\n";
        let cb = parse_codebook(src, "cb.yaml", CodebookFormat::Yaml).unwrap();
        // The parent's positives come from its child; the others have a
        // definition, an example or an inclusion criterion.
        assert_eq!(cb.name_only(), vec!["isolation"]);
    }

    #[test]
    fn cycle_is_reported_once() {
        let src = "codes:\n- id: a\n  parent: c\n  definition: x\n- id: b\n  parent: a\n  definition: x\n- id: c\n  parent: b\n  definition: x\n";
        let CodebookError::Invalid(ps) =
            parse_codebook(src, "c.yaml", CodebookFormat::Yaml).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!(ps[0].line, Some(3));
        assert!(
            ps[0].message.contains("a -> c -> b -> a"),
            "{}",
            ps[0].message
        );
    }

    #[test]
    fn json_errors_have_lines() {
        let src = "{\n \"name\": \"j\",\n \"codes\": [\n  {\"id\": \"a\", \"definition\": \"x\"},\n  {\"id\": \"a\", \"definition\": \"y\"}\n ]\n}\n";
        let CodebookError::Invalid(ps) =
            parse_codebook(src, "j.json", CodebookFormat::Json).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(ps[0].line, Some(5));
        let bad = parse_codebook(
            "{\n \"codes\": [\n  {\"id\": 3}\n]}",
            "k.json",
            CodebookFormat::Json,
        )
        .unwrap_err();
        assert!(bad.to_string().starts_with("k.json:3:"), "{bad}");
    }

    #[test]
    fn shared_form_uses_labels_as_ids() {
        let src =
            r#"{"dataset": "x", "labels": [{"label": "Other", "definition": "misc", "n": 3}]}"#;
        let cb = parse_codebook(src, "codebook.json", CodebookFormat::Json).unwrap();
        assert_eq!(cb.codes[0].id, "Other");
        assert_eq!(cb.codes[0].definition, "misc");
    }

    /// An eval set's codebook may carry examples and criteria beside the
    /// label and definition, under a codebook's usual names, one string or
    /// a list: they are read, not dropped with the counts.
    #[test]
    fn shared_form_reads_criteria_and_examples_under_their_usual_names() {
        let src = r#"{"labels": [
            {"label": "Costs", "description": "money spent or saved",
             "inclusion_criteria": "rent, salaries",
             "when_not_to_use": ["prices charged to clients", " "],
             "examples": ["We dropped the lease.", "Rent doubled."],
             "counter_example": "Our prices went up.",
             "n_segments": 12},
            {"name": "Premises", "id": "premises", "parent": "Costs",
             "definition": "offices", "example": "We rent a hot desk."}
        ]}"#;
        let cb = parse_codebook(src, "codebook.json", CodebookFormat::Json).unwrap();
        let costs = &cb.codes[0];
        assert_eq!(costs.id, "Costs");
        assert_eq!(costs.definition, "money spent or saved");
        assert_eq!(costs.inclusion, vec!["rent, salaries"]);
        assert_eq!(costs.exclusion, vec!["prices charged to clients"]);
        assert_eq!(
            costs.examples,
            vec!["We dropped the lease.", "Rent doubled."]
        );
        assert_eq!(costs.counter_examples, vec!["Our prices went up."]);
        let premises = &cb.codes[1];
        assert_eq!(
            (premises.id.as_str(), premises.name.as_str()),
            ("premises", "Premises")
        );
        assert_eq!(premises.parent.as_deref(), Some("Costs"));
        assert_eq!(premises.examples, vec!["We rent a hot desk."]);
        // A wrong type is an error naming the line, not a silent drop.
        let bad = r#"{"labels": [
            {"label": "Costs", "examples": 3}
        ]}"#;
        let e = parse_codebook(bad, "codebook.json", CodebookFormat::Json)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("codebook.json:2:"), "{e}");
        assert!(e.contains("expected a string or a list of strings"), "{e}");
    }

    #[test]
    fn a_codes_description_is_its_definition() {
        let src = "codes:\n  - id: costs\n    description: money spent or saved\n";
        let cb = parse_codebook(src, "cb.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(cb.codes[0].definition, "money spent or saved");
        assert!(cb.to_yaml().contains("definition: money spent or saved"));
    }

    /// YAML 1.1 readers (PyYAML, R's yaml) took an exported `id: No` for
    /// false: such scalars are quoted, and text in a block scalar is not
    /// touched.
    #[test]
    fn yaml_quotes_what_yaml_1_1_reads_as_a_boolean() {
        let mut cb = Codebook {
            name: "Yes".into(),
            codes: vec![Code {
                id: "No".into(),
                name: "On".into(),
                definition: "Yes\nNo\noff".into(),
                examples: vec!["Off".into(), "No way.".into()],
                ..Code::default()
            }],
        };
        cb.codes.push(Code {
            id: "y".into(),
            name: "N".into(),
            parent: Some("No".into()),
            ..Code::default()
        });
        let yaml = cb.to_yaml();
        for quoted in [
            "name: 'Yes'",
            "id: 'No'",
            "name: 'On'",
            "- 'Off'",
            "id: 'y'",
            "name: 'N'",
            "parent: 'No'",
        ] {
            assert!(yaml.contains(quoted), "{quoted} in\n{yaml}");
        }
        assert!(yaml.contains("\n    Yes\n    No\n    off\n"), "{yaml}");
        assert!(yaml.contains("- No way."), "{yaml}");
        let back = parse_codebook(&yaml, "cb.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(back, cb);
    }

    /// Unknown keys used to be ignored: `parnet:` lost the hierarchy, and a
    /// transcript approved as a codebook of 0 codes.
    #[test]
    fn unknown_keys_are_named_with_the_nearest_known_one() {
        let src = "name: t\ncodes:\n  - id: a\n    definition: x\n  - id: b\n    parnet: a\n    definition: y\n";
        let e = parse_codebook(src, "cb.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cb.yaml:6: codes[1]: unknown key `parnet` (did you mean `parent`?); a code's keys are id, name, parent,"),
            "{e}"
        );
        let src = "{\n \"codes\": [\n  {\"id\": \"a\",\n   \"exmples\": [\"x\"]}\n ]\n}\n";
        let e = parse_codebook(src, "cb.json", CodebookFormat::Json)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cb.json:4: codebook: unknown key `exmples` (did you mean `examples`?)"),
            "{e}"
        );
        let e = parse_codebook("nmae: t\ncodes: []\n", "top.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("top.yaml:1: codebook: unknown key `nmae` (did you mean `name`?); a codebook's keys are name, codes"),
            "{e}"
        );
        // A transcript is not a codebook; nothing near its speakers is a key.
        let e = parse_codebook(
            "Anna: I think so.\nBen: Me too.\n",
            "talk.txt",
            CodebookFormat::Yaml,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with(
                "talk.txt:1: codebook: unknown key `Anna`; a codebook's keys are name, codes"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_codebook_without_codes_is_refused() {
        for (src, format) in [
            ("name: empty\n", CodebookFormat::Yaml),
            ("name: empty\ncodes: []\n", CodebookFormat::Yaml),
            ("{\"codes\": []}", CodebookFormat::Json),
        ] {
            let e = parse_codebook(src, "e", format).unwrap_err().to_string();
            assert!(e.contains("e: codes: the codebook has no codes"), "{e}");
        }
    }

    #[test]
    fn edit_distance_matches_hand_counts() {
        assert_eq!(edit_distance("parnet", "parent"), 2);
        assert_eq!(edit_distance("exmples", "examples"), 1);
        assert_eq!(edit_distance("", "id"), 2);
        assert_eq!(edit_distance("color", "color"), 0);
        assert_eq!(nearest_key("definiton", CODE_KEYS), Some("definition"));
        assert_eq!(nearest_key("speaker", CODE_KEYS), None);
    }

    fn chain_yaml(levels: usize) -> String {
        let mut src = String::from("codes:\n- id: c0\n  definition: d\n");
        for i in 1..levels {
            src.push_str(&format!(
                "- id: c{i}\n  parent: c{}\n  definition: d\n",
                i - 1
            ));
        }
        src
    }

    /// 4,000 levels took 24 s (the cycle check walked every chain, the order
    /// recomputed every ancestor list); 20,000 would take hours. Now one
    /// linear walk, and a depth limit.
    #[test]
    fn deep_parent_chains_are_refused_quickly() {
        let at_limit = parse_codebook(
            &chain_yaml(MAX_HIERARCHY_DEPTH),
            "ok.yaml",
            CodebookFormat::Yaml,
        )
        .unwrap();
        assert_eq!(
            at_limit.ancestors(MAX_HIERARCHY_DEPTH - 1).len(),
            MAX_HIERARCHY_DEPTH - 1
        );
        assert_eq!(at_limit.bottom_up_order()[0], MAX_HIERARCHY_DEPTH - 1);
        let CodebookError::Invalid(ps) =
            parse_codebook(&chain_yaml(20_000), "deep.yaml", CodebookFormat::Yaml).unwrap_err()
        else {
            panic!()
        };
        let shown: Vec<String> = ps.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![format!("deep.yaml:{}: codes[64].parent: code \"c64\" is nested 65 levels deep (19936 code(s) are deeper than the limit); a codebook may nest at most 64 levels (a top-level code is level 1)", 4 + 3 * 63 + 1)]
        );
        // One long cycle: reported once, from its first code.
        let mut cyc = chain_yaml(20_000);
        cyc = cyc.replacen("- id: c0\n", "- id: c0\n  parent: c19999\n", 1);
        let CodebookError::Invalid(ps) =
            parse_codebook(&cyc, "cyc.yaml", CodebookFormat::Yaml).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(ps.len(), 1, "{:?}", &ps[..ps.len().min(3)]);
        assert!(
            ps[0]
                .message
                .starts_with("parent cycle: c0 -> c19999 -> c19998"),
            "{}",
            &ps[0].message[..80]
        );
        assert!(ps[0].message.ends_with("c1 -> c0"));
    }

    /// 100,000 nested `[` took 22.5 s to be rejected by the YAML parser.
    #[test]
    fn deep_yaml_nesting_is_refused_before_parsing() {
        let flow = format!("codes: {}", "[".repeat(100_000));
        let e = parse_codebook(&flow, "nest.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "nest.yaml:1: codebook: nested more than 64 levels deep; refused (a codebook nests about four)"
        );
        let block = format!("codes:\n{}x\n", "- ".repeat(100_000));
        let e = parse_codebook(&block, "seq.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("seq.yaml:2: codebook: nested more than 64"),
            "{e}"
        );
        let hidden = format!("codes: !!seq &a\n  {}", "{\"k\": [".repeat(50_000));
        let e = parse_codebook(&hidden, "tag.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("tag.yaml:2: codebook: nested more than 64"),
            "{e}"
        );
    }

    /// Brackets inside quoted, plain and block scalars are text, not nesting.
    #[test]
    fn brackets_in_text_are_not_nesting() {
        let many = "[".repeat(200);
        let src = format!(
            "name: t\ncodes:\n  - id: a\n    definition: \"{many} it's\"\n    examples: ['{many}', \"x]\", {{k: '[['}}]\n  - id: b\n    definition: plain {many} text\n  - id: c\n    definition: |\n      {many}\n      \"open\n    inclusion: [\"{many}\"]\n"
        );
        let cb = parse_codebook(&src, "t.yaml", CodebookFormat::Yaml);
        // The `{k: ...}` example is not a string: serde names that, not nesting.
        let e = cb.unwrap_err().to_string();
        assert!(!e.contains("nested"), "{e}");
        let src = src.replace(", {k: '[['}", "");
        let cb = parse_codebook(&src, "t.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(cb.codes[2].definition, format!("{many}\n\"open\n"));
        assert_eq!(yaml_nesting_over("a: [[[]]]\nb: {c: [1, [2]]}\n", 3), None);
        assert_eq!(
            yaml_nesting_over("a: [[[]]]\nb: {c: [1, [[2]]]}\n", 3),
            Some(2)
        );
    }

    #[test]
    fn demo_codebook_loads() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo/codebook.yaml");
        let cb = load_codebook(&demo).unwrap_or_else(|e| panic!("{e}"));
        assert!(cb.codes.len() > 5);
        // The shared eval data sits beside the checkout when present.
        let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/eval/opp115-dev/codebook.json");
        if shared.exists() {
            let cb = load_codebook(&shared).unwrap_or_else(|e| panic!("{e}"));
            assert!(cb.codes.len() > 5);
        }
    }

    #[test]
    fn catch_all_codes_are_found_by_name_or_definition_and_can_be_turned_off() {
        let src = "codes:\n\
            - id: cost\n  definition: money and prices\n\
            - id: other\n  name: Other\n  definition: anything\n\
            - id: misc\n  name: ' Miscellaneous. '\n  definition: odds and ends\n\
            - id: rest\n  name: Rest\n  definition: Another aspect not covered in the other categories.\n\
            - id: others_view\n  name: Other people's views\n  definition: what others think\n\
            - id: kept\n  name: Other\n  definition: x\n  residual: false\n\
            - id: said\n  name: Said so\n  definition: x\n  residual: true\n";
        let cb = parse_codebook(src, "r.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(
            cb.residual_codes(),
            vec![false, true, true, true, false, false, true]
        );
        // The explicit value is kept through the stored body; an unset one stays unset.
        let back = Codebook::from_stored_json(&cb.to_json(), "v1").unwrap();
        assert_eq!(back.codes[5].residual, Some(false));
        assert_eq!(back.codes[1].residual, None);
        assert!(!cb.to_json().contains("\"residual\":null"));
        // The shared eval form's "Other" is one.
        let shared = r#"{"labels": [{"label": "Data Security", "definition": "how data is secured"},
            {"label": "Other", "definition": "Another aspect not covered in the other categories is discussed in the text segment."}]}"#;
        let cb = parse_codebook(shared, "c.json", CodebookFormat::Json).unwrap();
        assert_eq!(cb.residual_codes(), vec![false, true]);
    }

    #[test]
    fn a_code_with_children_is_never_a_catch_all() {
        let src =
            "codes:\n- id: other\n  definition: x\n- id: sub\n  parent: other\n  definition: y\n";
        let cb = parse_codebook(src, "p.yaml", CodebookFormat::Yaml).unwrap();
        assert_eq!(cb.residual_codes(), vec![false, false]);
        let said = "codes:\n- id: top\n  definition: x\n  residual: true\n- id: sub\n  parent: top\n  definition: y\n";
        let err = parse_codebook(said, "p.yaml", CodebookFormat::Yaml).unwrap_err();
        let CodebookError::Invalid(ps) = err else {
            panic!("{err}")
        };
        assert_eq!(ps.len(), 1, "{ps:?}");
        let shown = ps[0].to_string();
        assert!(
            shown.starts_with("p.yaml:4: codes[0].residual: code \"top\" has children"),
            "{shown}"
        );
        // A misspelled key is named with it.
        let typo = "codes:\n- id: a\n  definition: x\n  residul: true\n";
        let err = parse_codebook(typo, "t.yaml", CodebookFormat::Yaml).unwrap_err();
        assert!(err.to_string().contains("residual"), "{err}");
    }

    /// hg/05: a bare list of codes is named as one, with what a codebook is,
    /// not serde's "invalid type: map, expected a string".
    #[test]
    fn a_bare_list_of_codes_says_a_codebook_has_codes() {
        let json =
            "\n[\n  {\"id\": \"transport\", \"name\": \"Transport\"},\n  {\"id\": \"staff\"}\n]\n";
        let err = parse_codebook(json, "cb.json", CodebookFormat::Json)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cb.json:2: codebook: the file is a bare list; a codebook is an object with a `codes` list ({\"name\""),
            "{err}"
        );
        let yaml = "# codes\n- id: transport\n  name: Transport\n- id: staff\n";
        let err = parse_codebook(yaml, "cb.yaml", CodebookFormat::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cb.yaml:2: codebook: the file is a bare list; a codebook is an object with a `codes` list (`name: …` and `codes:`"),
            "{err}"
        );
        // The list under `codes` is a codebook.
        let fixed = format!("{{\"codes\": {json}}}");
        let cb = parse_codebook(&fixed, "cb.json", CodebookFormat::Json).unwrap();
        assert_eq!(cb.codes.len(), 2);
    }

    #[test]
    fn hash_is_stable_and_content_sensitive() {
        let a = parse_codebook(GOOD, "t", CodebookFormat::Yaml).unwrap();
        let mut b = a.clone();
        assert_eq!(a.content_hash(), b.content_hash());
        b.codes[0].definition.push('!');
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
