//! Terminal table, CSV and JSON renderings of a [`Report`].

use std::path::Path;

use std::collections::BTreeMap;

use crate::data::{GivenCoding, ProjectData, Source};
use crate::freq::speaker_key;
use crate::ppi::{CountEstimate, Method};
use crate::{Error, Report};

/// Shortens `s` to at most `max` characters, marking the cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

/// `n` of `total` as a share; 0 of nobody.
fn share_of(n: u64, total: u64) -> f64 {
    if total > 0 {
        n as f64 / total as f64
    } else {
        0.0
    }
}

/// Participant count with share, e.g. `12 (26%)`.
fn count_share(n: u64, share: f64) -> String {
    format!("{n} ({:.0}%)", share * 100.0)
}

/// The compact table the study printed, with interval and review columns.
pub fn render_table(r: &Report) -> String {
    let with_compare = r.codes.iter().any(|c| c.compare.is_some());
    let mut header = vec![
        "Theme".to_string(),
        "Subtheme".to_string(),
        "Example".to_string(),
        format!("Participants (N = {})", r.totals.participants),
        format!("Estimate [{:.0}%]", r.interval_level * 100.0),
        "Method".to_string(),
        "Audited".to_string(),
        "Sentences".to_string(),
        "Reviewed".to_string(),
        "Unreviewed".to_string(),
    ];
    if with_compare {
        header.push("Study".to_string());
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in &r.codes {
        let (theme, sub) = if c.depth == 0 {
            (c.name.clone(), String::new())
        } else {
            (
                String::new(),
                format!("{}{}", "  ".repeat(c.depth - 1), c.name),
            )
        };
        let example = c
            .examples
            .first()
            .map(|q| format!("\"{}\"", truncate_chars(&q.text, 44)))
            .unwrap_or_default();
        let mut row = vec![
            truncate_chars(&theme, 28),
            truncate_chars(&sub, 32),
            example,
            count_share(c.participants, c.participant_share),
            estimate_text(&c.estimate),
            c.estimate.method.as_str().to_string(),
            audited_text(&c.estimate),
            c.sentences.to_string(),
            c.reviewed.to_string(),
            c.unreviewed.to_string(),
        ];
        if with_compare {
            row.push(c.compare.map(fmt_number).unwrap_or_default());
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let numeric_from = 3;
    let line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i > 0 {
                out.push_str("  ");
            }
            if i >= numeric_from {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = format!(
        "{} — codebook {}{} — {} participants, {} sentences, {} documents{}\n\n",
        r.project,
        if r.codebook.name.is_empty() {
            "(none)"
        } else {
            &r.codebook.name
        },
        r.codebook
            .version
            .map(|v| format!(" v{v}"))
            .unwrap_or_default(),
        r.totals.participants,
        r.totals.sentences,
        r.totals.documents,
        if r.include_moderators {
            " (moderators included)"
        } else {
            ""
        },
    );
    out.push_str(&line(&header));
    out.push_str(&line(
        &widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>(),
    ));
    for row in &rows {
        out.push_str(&line(row));
    }
    if r.codes.is_empty() {
        out.push_str("(no codes: approve a codebook and run `autocode code`)\n");
    }
    out.push_str(&estimate_legend(r));
    for pair in &r.agreement.pairs {
        out.push_str(&format!(
            "Agreement {} vs {} ({} {}s): {} agreement, kappa {}, alpha {}\n",
            pair.coder_a,
            pair.coder_b,
            pair.units,
            match r.agreement.unit {
                crate::AgreementUnit::Sentence => "sentence",
                crate::AgreementUnit::Participant => "participant",
            },
            pair.overall
                .percent_agreement
                .map(|p| format!("{:.1}%", p * 100.0))
                .unwrap_or_else(|| "n/a".into()),
            opt_or_na(pair.overall.cohen_kappa),
            opt_or_na(pair.overall.krippendorff_alpha),
        ));
    }
    if !r.compare_unmatched.is_empty() {
        out.push_str(&format!(
            "Compare rows naming no code: {}\n",
            r.compare_unmatched.join(", ")
        ));
    }
    out
}

fn opt_or_na(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "n/a".into())
}

fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// Columns of report.csv, in order (documented in docs/formats.md).
pub const CSV_COLUMNS: &[&str] = &[
    "code_id",
    "code_name",
    "parent_id",
    "depth",
    "participants",
    "participants_total",
    "participant_share",
    "sentences",
    "documents",
    "codings",
    "reviewed",
    "unreviewed",
    "rejected",
    "mean_confidence",
    "expected_participants",
    "expected_low",
    "expected_high",
    "estimate",
    "estimate_low",
    "estimate_high",
    "estimate_method",
    "audited_units",
    "units",
    "calibrated",
    "compare",
    "example",
    "example_speaker",
    "example_document",
];

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::Invalid(format!("{}: {e}", path.display()))
}

/// An estimate as the table and the HTML show it: the figure and, when
/// there is one, its interval; no interval for model-only figures.
pub fn estimate_text(e: &CountEstimate) -> String {
    match (e.low, e.high) {
        (Some(lo), Some(hi)) if e.method == Method::Census => {
            format!("{:.0} [{lo:.0}–{hi:.0}]", e.estimate)
        }
        (Some(lo), Some(hi)) => format!("{:.1} [{lo:.1}–{hi:.1}]", e.estimate),
        _ => format!("{:.1} (no interval)", e.estimate),
    }
}

/// The estimate columns of a crosstab cell (empty without a participant
/// audit sample).
fn crosstab_estimate(c: &crate::CodeFrequency, attr: &str, value: &str) -> [String; 4] {
    match c
        .estimates
        .by_attribute
        .get(attr)
        .and_then(|v| v.get(value))
    {
        Some(e) => [
            format!("{:.4}", e.estimate),
            opt(e.low, 4),
            opt(e.high, 4),
            e.method.as_str().to_string(),
        ],
        None => Default::default(),
    }
}

/// Audited units of all units, e.g. `12/47`.
pub fn audited_text(e: &CountEstimate) -> String {
    format!("{}/{}", e.audited, e.units)
}

/// What the estimate column means, for this report's methods.
pub fn estimate_legend(r: &Report) -> String {
    let level = r.interval_level * 100.0;
    let mut out = format!(
        "\nEstimate: participants mentioning the code, with a {level:.0}% interval when people coded a random audit sample.\n"
    );
    let has = |m: Method| r.codes.iter().any(|c| c.estimate.method == m);
    if has(Method::PredictionPowered) {
        out.push_str("  prediction-powered: the audited participants' count (known) plus the machine's figure for the rest, corrected by its error on the audit sample (docs/report.md).\n");
    }
    if has(Method::SampleOnly) {
        out.push_str("  sample-only: no classifier has coded the corpus; the audited participants' count (known) plus the rest estimated from the audit sample alone (docs/report.md).\n");
    }
    if has(Method::Census) {
        out.push_str("  census: people coded every participant's sentences (an audit of all of them, or a gold coding of the whole corpus); the count is exact.\n");
    }
    if has(Method::ModelOnly) {
        out.push_str("  model-only: the machine's expected count from calibrated probabilities; no interval without an audit sample.\n");
    }
    if has(Method::PeopleCoded) {
        out.push_str("  people-coded: no classifier codes the code (none has coded the corpus, or the code is not in the codebook in use) and no random sample estimates the figure (none was audited, or it is a sentence sample's participants or a crosstab group the sample missed); the participants people coded with it, a lower bound, not an estimate.\n");
    }
    if has(Method::ModelOnlyUncalibrated) {
        out.push_str("  model-only (uncalibrated): no labels calibrated these probabilities (zero-shot prior); the figure is a rough guide, not an estimate.\n");
    }
    if let Some(n) = r
        .codes
        .iter()
        .filter_map(|c| c.estimates.audit_advice)
        .max()
    {
        out.push_str(&format!(
            "  For {level:.0}% intervals: `autocode audit draw --size {n}` and code the drawn participants (review --audit), or import gold coded for a random sample (`code --import-gold FILE --random-sample`).\n"
        ));
    }
    out
}

/// A text cell as a spreadsheet will read it: a cell that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice
/// and Google Sheets (a code name `=HYPERLINK(...)` would run), so it gets a
/// leading `'`, as OWASP's CSV-injection advice says. Applied to every cell
/// that holds user text (names, ids, quotes, attributes, coders); the figures
/// we format ourselves are left as numbers.
pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// report_by_document.csv's columns (docs/formats.md).
pub const BY_DOCUMENT_COLUMNS: [&str; 7] = [
    "code_id",
    "document",
    "sentences",
    "sentences_in_document",
    "participants",
    "participants_in_document",
    "participant_share",
];

/// report_segments.csv's columns (docs/formats.md).
pub const SEGMENTS_COLUMNS: [&str; 16] = [
    "code_id",
    "code_name",
    "parent_id",
    "document",
    "segment_id",
    "turn",
    "sentence",
    "time",
    "participant",
    "speaker",
    "text",
    "source",
    "coders",
    "machine_probability",
    "calibrated",
    "classifier",
];

/// A sentence's start as `H:MM:SS`, as transcripts write it.
fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Writes report_segments.csv into `dir`: every coded segment, one row per
/// (sentence, code) the report counts as given, code by code in codebook
/// order, then by document and position — the coded-segments export of
/// MAXQDA, ATLAS.ti's quotation list, NVivo's node references. A row names
/// its strongest source (gold, then human, then machine), the people who
/// gave it, and the machine's probability and classifier where the machine
/// scored the sentence, so every machine decision can be traced. Moderators'
/// sentences only with `include_moderators`, as the counts.
pub fn write_segments_csv(
    data: &ProjectData,
    include_moderators: bool,
    dir: &Path,
) -> Result<std::path::PathBuf, Error> {
    struct Row<'a> {
        given: GivenCoding<'a>,
        coders: Vec<String>,
    }
    let mut rows: BTreeMap<(i64, String), Row> = BTreeMap::new();
    for g in data.given_codings(false) {
        if g.segment.is_moderator && !include_moderators {
            continue;
        }
        let coder = (g.source != Source::Machine).then(|| g.coder.clone());
        let row = rows
            .entry((g.segment.id, g.code_id.clone()))
            .or_insert_with(|| Row {
                given: g.clone(),
                coders: Vec::new(),
            });
        if g.source > row.given.source {
            row.given = g;
        }
        row.coders.extend(coder);
    }
    // The classifier of the newest machine row on each (sentence, code),
    // accepted ones included.
    let mut classifier: BTreeMap<(i64, &str), (Option<i64>, &str)> = BTreeMap::new();
    for c in data.codings.iter().filter(|c| c.source == Source::Machine) {
        if let Some(name) = c.classifier.as_deref() {
            let e = classifier
                .entry((c.segment_id, c.code_id.as_str()))
                .or_insert((c.codebook_version, name));
            if c.codebook_version >= e.0 {
                *e = (c.codebook_version, name);
            }
        }
    }
    let order = data.code_order();
    let mut rows: Vec<Row> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        let key = |r: &Row| {
            (
                order.get(r.given.code_id.as_str()).copied(),
                r.given.segment.document.clone(),
                r.given.segment.start_char,
                r.given.segment.id,
            )
        };
        key(a).cmp(&key(b))
    });
    let path = dir.join("report_segments.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| csv_err(&path, e))?;
    w.write_record(SEGMENTS_COLUMNS)
        .map_err(|e| csv_err(&path, e))?;
    for mut r in rows {
        let g = &r.given;
        let s = g.segment;
        let node = data.code(&g.code_id);
        let cell = data.cells.get(&(s.id, g.code_id.clone()));
        let scored = cell.is_some_and(|c| c.machine_p > 0.0 || c.machine_assigned);
        r.coders.sort();
        r.coders.dedup();
        let calibrated = match (&data.uncalibrated, scored) {
            (Some(set), true) => (!set.contains(&g.code_id)).to_string(),
            _ => String::new(),
        };
        w.write_record([
            csv_text(&g.code_id),
            csv_text(node.map_or(g.code_id.as_str(), |n| n.name.as_str())),
            csv_text(node.and_then(|n| n.parent.as_deref()).unwrap_or_default()),
            csv_text(&s.document),
            s.id.to_string(),
            s.turn_index.to_string(),
            s.sentence_index.to_string(),
            s.start_ms.map(clock).unwrap_or_default(),
            csv_text(&speaker_key(s)),
            csv_text(s.speaker.as_deref().unwrap_or_default()),
            // As the report quotes it: a hard-wrapped line break is a space.
            csv_text(&crate::freq::quote_text(&s.text)),
            g.source.as_str().to_string(),
            csv_text(&r.coders.join("; ")),
            if scored {
                format!("{:.4}", cell.map_or(0.0, |c| c.machine_p))
            } else {
                String::new()
            },
            calibrated,
            csv_text(
                classifier
                    .get(&(s.id, g.code_id.as_str()))
                    .map_or("", |(_, name)| name),
            ),
        ])
        .map_err(|e| csv_err(&path, e))?;
    }
    w.flush().map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Writes report.csv (one row per code), report_crosstab.csv,
/// report_agreement.csv, report_by_document.csv and, for a survey's questions,
/// report_by_question.csv into `dir`.
pub fn write_csv(r: &Report, dir: &Path) -> Result<Vec<std::path::PathBuf>, Error> {
    let main = dir.join("report.csv");
    let mut w = csv::Writer::from_path(&main).map_err(|e| csv_err(&main, e))?;
    w.write_record(CSV_COLUMNS).map_err(|e| csv_err(&main, e))?;
    for c in &r.codes {
        let ex = c.examples.first();
        w.write_record([
            csv_text(&c.code_id),
            csv_text(&c.name),
            csv_text(c.parent_id.as_deref().unwrap_or_default()),
            c.depth.to_string(),
            c.participants.to_string(),
            r.totals.participants.to_string(),
            format!("{:.4}", c.participant_share),
            c.sentences.to_string(),
            c.documents.to_string(),
            c.codings.to_string(),
            c.reviewed.to_string(),
            c.unreviewed.to_string(),
            c.rejected.to_string(),
            opt(c.mean_confidence, 4),
            c.expected
                .map(|e| format!("{:.4}", e.mean))
                .unwrap_or_default(),
            c.expected.map(|e| e.low.to_string()).unwrap_or_default(),
            c.expected.map(|e| e.high.to_string()).unwrap_or_default(),
            format!("{:.4}", c.estimate.estimate),
            opt(c.estimate.low, 4),
            opt(c.estimate.high, 4),
            c.estimate.method.as_str().to_string(),
            c.estimate.audited.to_string(),
            c.estimate.units.to_string(),
            c.estimates.calibrated.to_string(),
            c.compare.map(fmt_number).unwrap_or_default(),
            csv_text(ex.map(|q| q.text.as_str()).unwrap_or_default()),
            csv_text(ex.and_then(|q| q.speaker.as_deref()).unwrap_or_default()),
            csv_text(ex.map(|q| q.document.as_str()).unwrap_or_default()),
        ])
        .map_err(|e| csv_err(&main, e))?;
    }
    w.flush().map_err(|e| Error::io(&main, e))?;

    let cross = dir.join("report_crosstab.csv");
    let mut w = csv::Writer::from_path(&cross).map_err(|e| csv_err(&cross, e))?;
    w.write_record([
        "code_id",
        "attribute",
        "value",
        "participants",
        "participants_in_value",
        "share",
        "estimate",
        "estimate_low",
        "estimate_high",
        "estimate_method",
    ])
    .map_err(|e| csv_err(&cross, e))?;
    for c in &r.codes {
        for (attr, values) in &c.by_attribute {
            for (value, n) in values {
                let total = r.totals.participants_by[attr]
                    .get(value)
                    .copied()
                    .unwrap_or(0);
                let share = share_of(*n, total);
                w.write_record(
                    [
                        csv_text(&c.code_id),
                        csv_text(attr),
                        csv_text(value),
                        n.to_string(),
                        total.to_string(),
                        format!("{share:.4}"),
                    ]
                    .into_iter()
                    .chain(crosstab_estimate(c, attr, value))
                    .collect::<Vec<_>>(),
                )
                .map_err(|e| csv_err(&cross, e))?;
            }
        }
    }
    w.flush().map_err(|e| Error::io(&cross, e))?;

    let mut written = Vec::new();
    // The code-document table: every code in every document with counted
    // sentences, zeros included, so it pivots into a full matrix.
    let by_doc = dir.join("report_by_document.csv");
    let mut w = csv::Writer::from_path(&by_doc).map_err(|e| csv_err(&by_doc, e))?;
    w.write_record(BY_DOCUMENT_COLUMNS)
        .map_err(|e| csv_err(&by_doc, e))?;
    for c in &r.codes {
        for (document, all) in &r.totals.by_document {
            let coded = c.by_document.get(document).copied().unwrap_or_default();
            let share = share_of(coded.participants, all.participants);
            w.write_record([
                csv_text(&c.code_id),
                csv_text(document),
                coded.sentences.to_string(),
                all.sentences.to_string(),
                coded.participants.to_string(),
                all.participants.to_string(),
                format!("{share:.4}"),
            ])
            .map_err(|e| csv_err(&by_doc, e))?;
        }
    }
    w.flush().map_err(|e| Error::io(&by_doc, e))?;
    written.push(by_doc);
    if !r.totals.participants_by_question.is_empty() {
        let by_q = dir.join("report_by_question.csv");
        let mut w = csv::Writer::from_path(&by_q).map_err(|e| csv_err(&by_q, e))?;
        w.write_record([
            "code_id",
            "question",
            "participants",
            "participants_answering",
            "share",
        ])
        .map_err(|e| csv_err(&by_q, e))?;
        for c in &r.codes {
            for (q, total) in c.by_question.iter().zip(&r.totals.participants_by_question) {
                let share = share_of(q.participants, total.participants);
                w.write_record([
                    csv_text(&c.code_id),
                    csv_text(&q.question),
                    q.participants.to_string(),
                    total.participants.to_string(),
                    format!("{share:.4}"),
                ])
                .map_err(|e| csv_err(&by_q, e))?;
            }
        }
        w.flush().map_err(|e| Error::io(&by_q, e))?;
        written.push(by_q);
    }

    let agr = dir.join("report_agreement.csv");
    let mut w = csv::Writer::from_path(&agr).map_err(|e| csv_err(&agr, e))?;
    w.write_record([
        "coder_a",
        "coder_b",
        "unit",
        "code_id",
        "n",
        "both",
        "only_a",
        "only_b",
        "neither",
        "percent_agreement",
        "cohen_kappa",
        "krippendorff_alpha",
    ])
    .map_err(|e| csv_err(&agr, e))?;
    let unit = match r.agreement.unit {
        crate::AgreementUnit::Sentence => "sentence",
        crate::AgreementUnit::Participant => "participant",
    };
    for p in &r.agreement.pairs {
        let rows = std::iter::once(("(all)".to_string(), &p.overall))
            .chain(p.codes.iter().map(|c| (c.code_id.clone(), &c.figures)));
        for (code, f) in rows {
            w.write_record([
                csv_text(&p.coder_a),
                csv_text(&p.coder_b),
                unit.to_string(),
                csv_text(&code),
                f.n.to_string(),
                f.both.to_string(),
                f.only_a.to_string(),
                f.only_b.to_string(),
                f.neither.to_string(),
                opt(f.percent_agreement, 4),
                opt(f.cohen_kappa, 4),
                opt(f.krippendorff_alpha, 4),
            ])
            .map_err(|e| csv_err(&agr, e))?;
        }
    }
    w.flush().map_err(|e| Error::io(&agr, e))?;
    let mut files = vec![main, cross, agr];
    files.extend(written);
    Ok(files)
}

pub fn render_json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("report serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_text("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"x\")"] {
            assert!(csv_text(lead).starts_with('\''), "{lead:?}");
        }
        assert_eq!(csv_text("trust"), "trust");
        assert_eq!(csv_text(""), "");
        assert_eq!(csv_text("a=b"), "a=b");
    }
}
