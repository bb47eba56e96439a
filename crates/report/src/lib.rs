//! Reports: frequencies with calibrated intervals, crosstabs, co-occurrence,
//! agreement, and exports (terminal table, CSV, JSON, HTML, REFI-QDA).
//!
//! [`build`] reads the store into a [`Report`]; the `write_*` and `render_*`
//! functions turn a report into files. [`qdpx`] exports and imports REFI-QDA
//! projects.

pub mod agreement;
pub mod data;
pub mod estimates;
pub mod freq;
pub mod html;
pub mod output;
pub mod ppi;
pub mod prob;
pub mod qdpx;
pub mod stats;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use store::Store;

pub use agreement::{Agreement, AgreementUnit};
pub use data::{ProjectData, ThemeView};
pub use freq::{CodeFrequency, Cooccurrence, Quote, Totals};
pub use prob::{CountInterval, PoissonBinomial};

/// Version of the JSON schema documented in docs/formats.md.
pub const SCHEMA: &str = "autocode-report/2";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Project name shown in titles and used for the `.qdpx` file.
    pub project: String,
    /// Count moderator sentences too (off: participants only).
    pub include_moderators: bool,
    pub agreement_unit: AgreementUnit,
    /// Figures to show beside the counts: code id or name → expected participants.
    pub compare: BTreeMap<String, f64>,
    /// Coverage of the expected-count interval.
    pub level: f64,
    pub examples_per_code: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            project: "autocode".into(),
            include_moderators: false,
            agreement_unit: AgreementUnit::Sentence,
            compare: BTreeMap::new(),
            level: 0.95,
            examples_per_code: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodebookInfo {
    pub name: String,
    pub version: Option<i64>,
}

/// Everything a report shows; serialised as report.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub project: String,
    pub codebook: CodebookInfo,
    pub include_moderators: bool,
    pub interval_level: f64,
    pub totals: Totals,
    pub codes: Vec<CodeFrequency>,
    pub cooccurrence: Cooccurrence,
    pub agreement: Agreement,
    pub themes: Vec<ThemeView>,
    /// `--compare` rows that name no code.
    pub compare_unmatched: Vec<String>,
}

/// Reads the store and computes the whole report.
pub fn build(store: &Store, opts: &ReportOptions) -> Result<Report, Error> {
    let data = ProjectData::load(store)?;
    Ok(build_from(&data, opts))
}

pub fn build_from(data: &ProjectData, opts: &ReportOptions) -> Report {
    let f = freq::frequencies(
        data,
        opts.include_moderators,
        opts.level,
        opts.examples_per_code,
    );
    let mut codes = f.codes;
    let mut matched: Vec<&String> = Vec::new();
    for c in &mut codes {
        let hit = opts
            .compare
            .iter()
            .find(|(k, _)| **k == c.code_id)
            .or_else(|| {
                opts.compare
                    .iter()
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case(c.name.trim()))
            });
        if let Some((k, v)) = hit {
            c.compare = Some(*v);
            matched.push(k);
        }
    }
    let compare_unmatched = opts
        .compare
        .keys()
        .filter(|k| !matched.contains(k))
        .cloned()
        .collect();
    Report {
        schema: SCHEMA,
        project: opts.project.clone(),
        codebook: CodebookInfo {
            name: data.codebook_name.clone(),
            version: data.codebook_version,
        },
        include_moderators: opts.include_moderators,
        interval_level: opts.level,
        totals: f.totals,
        codes,
        cooccurrence: f.cooccurrence,
        agreement: agreement::agreement(data, opts.agreement_unit, opts.include_moderators),
        themes: data.themes.clone(),
        compare_unmatched,
    }
}

/// Reads a `code,expected` table (header required; `code` is a code id or
/// name): a CSV or TSV, or a workbook's first sheet with those columns.
pub fn read_compare(path: &Path) -> Result<BTreeMap<String, f64>, Error> {
    let bad = |msg: String| Error::Invalid(format!("{}: {msg}", path.display()));
    let named = |headers: &[String], name: &str| headers.iter().position(|h| h == name);
    let wanted =
        |t: &corpus::formats::Table| named(&t.headers, "code").and(named(&t.headers, "expected"));
    // Read as every other table autocode reads (participants, documents,
    // codebook tables): decoded (a BOM, UTF-16, Excel's "Unicode Text",
    // Windows-1252) and split on the delimiter sniffed from its rows (`,`,
    // European Excel's `;`, tabs). Before 2026-12-07 only the decoding was
    // shared and every file was split on commas, so a `;` file's one
    // column was "code;expected" (hg/03).
    let (table, named_a_table) =
        match corpus::formats::read_table_where(path, &|t| wanted(t).is_some()) {
            Some(table) => (table.map_err(|e| Error::Invalid(e.to_string()))?, true),
            // Not named as a table (a `.txt`): comma-separated, as before.
            None => (comma_table(path)?, false),
        };
    let (Some(code_col), Some(value_col)) = (
        named(&table.headers, "code"),
        named(&table.headers, "expected"),
    ) else {
        let hint = if !named_a_table && table.headers.iter().any(|h| h.contains([';', '\t'])) {
            " (a `;`- or tab-separated table is read as one when its name ends in .csv or .tsv)"
        } else {
            ""
        };
        return Err(bad(format!(
            "line 1: needs columns `code` and `expected`, found {:?}{hint}",
            table.headers
        )));
    };
    let mut out = BTreeMap::new();
    for (location, cells) in &table.rows {
        let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
        let code = cell(code_col).to_string();
        let raw = cell(value_col);
        if code.is_empty() && raw.is_empty() {
            // A blank row (a spreadsheet's trailing one) lists nothing.
            continue;
        }
        if code.is_empty() {
            return Err(bad(format!("{location}: empty `code`")));
        }
        let value: f64 = raw
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                bad(format!(
                    "{location}: `expected` is {raw:?}, not a count (a number, at least 0)"
                ))
            })?;
        if out.insert(code.clone(), value).is_some() {
            return Err(bad(format!("{location}: code {code:?} listed twice")));
        }
    }
    Ok(out)
}

/// A file whose name says no table format, read as a comma-separated table
/// in [`corpus::formats::Table`]'s shape (column names trimmed, lower case;
/// rows located by line).
fn comma_table(path: &Path) -> Result<corpus::formats::Table, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = corpus::decode_structured_text(path, &bytes)
        .map_err(|e| Error::Invalid(e.to_string()))?
        .text;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let bad = |msg: String| Error::Invalid(format!("{}: {msg}", path.display()));
    let headers = rdr
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(format!("line {line}: {e}")))?;
        rows.push((
            format!("line {line}"),
            rec.iter().map(str::to_string).collect(),
        ));
    }
    Ok(corpus::formats::Table { headers, rows })
}
