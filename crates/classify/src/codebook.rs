//! The codebook: its data model, loading (YAML, JSON, the shared eval
//! `codebook.json` form, REFI-QDA `.qdc`), validation with file/line/field
//! errors, and a content hash that names a version.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The approved list of codes, a hierarchy of any depth (via `parent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Codebook {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub codes: Vec<Code>,
}

/// One code: what it means and sentences that are (and are not) in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Code {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub definition: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusion: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counter_examples: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
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
    #[error("{} problem(s) in the codebook:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
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
            Some("qdc") | Some("xml") => CodebookFormat::Qdc,
            _ => CodebookFormat::Yaml,
        }
    }
}

/// The `codebook.json` form of the shared eval data: ids are the label text.
#[derive(Deserialize)]
struct SharedCodebook {
    #[serde(default)]
    dataset: Option<String>,
    labels: Vec<SharedLabel>,
}

#[derive(Deserialize)]
struct SharedLabel {
    label: String,
    #[serde(default)]
    definition: String,
}

/// Reads and validates a codebook file (format from its extension).
pub fn load_codebook(path: &Path) -> Result<Codebook, CodebookError> {
    let file = path.display().to_string();
    let src = std::fs::read_to_string(path).map_err(|e| CodebookError::Io(file.clone(), e))?;
    let fallback_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut cb = parse_codebook(&src, &file, CodebookFormat::from_path(path))?;
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
    let mut cb = match format {
        CodebookFormat::Yaml => serde_yaml_ng::from_str::<Codebook>(src).map_err(|e| {
            CodebookError::Parse(Problem {
                file: file.to_string(),
                line: e.location().map(|l| l.line()),
                field: "codebook".into(),
                message: e.to_string(),
            })
        })?,
        CodebookFormat::Json => parse_json(src, file)?,
        CodebookFormat::Qdc => crate::qdc::from_qdc(src, file)?,
    };
    for c in &mut cb.codes {
        if c.name.trim().is_empty() {
            c.name = c.id.clone();
        }
    }
    cb.validate(file, Some(src))
        .map_err(CodebookError::Invalid)?;
    Ok(cb)
}

/// Writes the codebook to `path` in the format its extension names (pretty
/// JSON, YAML, or REFI-QDA `.qdc`).
pub fn save_codebook(cb: &Codebook, path: &Path) -> Result<(), CodebookError> {
    std::fs::write(path, cb.to_format(CodebookFormat::from_path(path)))
        .map_err(|e| CodebookError::Io(path.display().to_string(), e))
}

fn parse_json(src: &str, file: &str) -> Result<Codebook, CodebookError> {
    let parse_err = |e: serde_json::Error| {
        CodebookError::Parse(Problem {
            file: file.to_string(),
            line: Some(e.line()),
            field: "codebook".into(),
            message: e.to_string(),
        })
    };
    let value: serde_json::Value = serde_json::from_str(src).map_err(parse_err)?;
    if value.get("labels").is_some() && value.get("codes").is_none() {
        let shared: SharedCodebook = serde_json::from_str(src).map_err(parse_err)?;
        return Ok(Codebook {
            name: shared.dataset.unwrap_or_default(),
            codes: shared
                .labels
                .into_iter()
                .map(|l| Code {
                    id: l.label.clone(),
                    name: l.label,
                    definition: l.definition,
                    ..Code::default()
                })
                .collect(),
        });
    }
    serde_json::from_str(src).map_err(parse_err)
}

impl Codebook {
    /// Every problem: duplicate or empty id, unknown parent, cycle, a code with
    /// neither definition nor examples. `src` (the file text) locates lines.
    pub fn validate(&self, file: &str, src: Option<&str>) -> Result<(), Vec<Problem>> {
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
        let mut first_index: BTreeMap<&str, usize> = BTreeMap::new();
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
            if c.definition.trim().is_empty() && c.examples.iter().all(|e| e.trim().is_empty()) {
                push(
                    i,
                    "definition",
                    format!("code \"{}\" has neither a definition nor examples", c.id),
                );
            }
        }
        // A cycle through parents: report it once, on its first code in file order.
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for (i, c) in self.codes.iter().enumerate() {
            let mut seen = vec![c.id.as_str()];
            let mut cur = c.parent.as_deref();
            while let Some(p) = cur {
                if p == c.id {
                    if seen.iter().all(|s| !reported.contains(s)) && seen.len() > 1 {
                        reported.extend(seen.iter().copied());
                        push(
                            i,
                            "parent",
                            format!("parent cycle: {} -> {}", seen.join(" -> "), c.id),
                        );
                    }
                    break;
                }
                if seen.contains(&p) {
                    break;
                }
                seen.push(p);
                cur = first_index
                    .get(p)
                    .and_then(|&j| self.codes[j].parent.as_deref());
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// sha256 of the canonical JSON body: the identity of a codebook version.
    pub fn content_hash(&self) -> String {
        hex::encode(Sha256::digest(self.to_json().as_bytes()))
    }

    /// Canonical JSON body (field order of the structs; stable).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("codebook serialises")
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("codebook serialises")
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

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.codes.iter().position(|c| c.id == id)
    }

    /// Index of each code's parent (None for roots or unknown parents).
    pub fn parent_indices(&self) -> Vec<Option<usize>> {
        self.codes
            .iter()
            .map(|c| c.parent.as_deref().and_then(|p| self.index_of(p)))
            .collect()
    }

    /// Indices of the ancestors of code `i`, nearest first (cycle-safe).
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let parents = self.parent_indices();
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

    /// Code indices ordered children before parents (deepest first), for
    /// propagating probabilities up the hierarchy in one pass.
    pub fn bottom_up_order(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.codes.len()).collect();
        let depth: Vec<usize> = idx.iter().map(|&i| self.ancestors(i).len()).collect();
        idx.sort_by_key(|&i| (std::cmp::Reverse(depth[i]), i));
        idx
    }
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
        // XML (qdc) or unusual layouts: no per-code lines.
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "name: t\ncodes:\n  - id: a\n    name: A\n    definition: about a\n  - id: b\n    parent: a\n    examples: [\"b one\"]\n";

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
        assert!(shown.contains(&"cb.yaml:10: codes[3].definition: code \"c\" has neither a definition nor examples".to_string()), "{shown:?}");
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

    #[test]
    fn hash_is_stable_and_content_sensitive() {
        let a = parse_codebook(GOOD, "t", CodebookFormat::Yaml).unwrap();
        let mut b = a.clone();
        assert_eq!(a.content_hash(), b.content_hash());
        b.codes[0].definition.push('!');
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
