//! `autocode report`: frequencies with intervals, agreement, and the
//! table/CSV/JSON/HTML/REFI-QDA outputs; `--import-qdpx` reads human codings
//! from another QDA tool. Arguments and printing; the stage is `pipeline::report`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use pipeline::{Project, ReportOptions, ReportSummary};
use report::data::Source;
use report::qdpx::{ImportOptions, UnplacedSelection};
use report::AgreementUnit;

use super::{Global, Outcome, EXIT_PARTIAL};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Print the table only.
    Table,
    /// report.csv, its crosstab, agreement and by-question tables, and report_segments.csv (every coded segment).
    Csv,
    Json,
    Html,
    Qdpx,
    /// Every file, and print the table.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Unit {
    Sentence,
    Participant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportAs {
    Human,
    Gold,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Folder for report.html, report.csv (and the other CSVs), report.json and <project>.qdpx (default: the project folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "all")]
    pub format: Format,
    /// QDPX: only codings a human gave or confirmed.
    #[arg(long)]
    pub accepted_only: bool,
    /// Agreement on sentences, or on presence per participant.
    #[arg(long, value_enum, default_value = "sentence")]
    pub agreement_unit: Unit,
    /// CSV with columns `code,expected` (code id or name): figures shown beside the counts.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Count moderator sentences too.
    #[arg(long)]
    pub include_moderators: bool,
    /// Project name in titles and the .qdpx file name (default: the project folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Count machine codings on minimal responses too, as `code --keep-minimal` makes them (docs/themes.md).
    #[arg(long)]
    pub keep_minimal: bool,
    /// Import the human codings of a REFI-QDA project (.qdpx) instead of reporting.
    #[arg(long, value_name = "FILE")]
    pub import_qdpx: Option<PathBuf>,
    /// Store imported codings as `human` (training data) or `gold` (evaluation standard).
    #[arg(long, value_enum, default_value = "human", requires = "import_qdpx")]
    pub import_as: ImportAs,
    /// Coder name for imported codings (default: the QDPX user who made each).
    #[arg(long, requires = "import_qdpx")]
    pub coder: Option<String>,
}

impl From<Format> for pipeline::report::Format {
    fn from(f: Format) -> Self {
        use pipeline::report::Format as F;
        match f {
            Format::Table => F::Table,
            Format::Csv => F::Csv,
            Format::Json => F::Json,
            Format::Html => F::Html,
            Format::Qdpx => F::Qdpx,
            Format::All => F::All,
        }
    }
}

pub fn run(g: &Global, a: ReportArgs) -> Outcome {
    let _lock = match a.import_qdpx {
        Some(_) => Some(super::lock_project(g)?),
        None => None,
    };
    let mut project = Project::open(&g.project)?;
    if let Some(path) = &a.import_qdpx {
        let opts = ImportOptions {
            source: match a.import_as {
                ImportAs::Human => Source::Human,
                ImportAs::Gold => Source::Gold,
            },
            coder: a.coder.clone(),
        };
        let s = pipeline::report::import_qdpx(&mut project, path, &opts)?;
        println!(
            "{}: {} of {} sources matched; {} codings added, {} already present",
            path.display(),
            s.matched_sources,
            s.sources,
            s.codings_added,
            s.already_present
        );
        if s.codings_removed > 0 {
            println!(
                "{} codings an earlier import gave on documents the same coders code in this file are no longer in it: taken back",
                s.codings_removed
            );
        }
        for note in &s.edited_sources {
            println!("source {note}");
        }
        if s.skipped_machine > 0 {
            println!(
                "skipped {} codings made by autocode's machine user",
                s.skipped_machine
            );
        }
        for why in &s.unmatched_sources {
            eprintln!("warning: source {why}");
        }
        if !s.uncoded_sources.is_empty() && a.import_as == ImportAs::Gold {
            eprintln!(
                "warning: {} source(s) hold no person's coding ({}): not marked as coded by people, \
                 so their sentences keep the machine's codes; a transcript read and found to hold \
                 no code is declared with `code --import-gold` items without labels",
                s.uncoded_sources.len(),
                s.uncoded_sources
                    .iter()
                    .take(5)
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for (code, n) in &s.unknown_codes {
            eprintln!("warning: code {code:?} is not in the codebook: {n} codings skipped");
        }
        if !s.unplaced_selections.is_empty() {
            print_unplaced(&s.unplaced_selections);
        }
        if s.whole_source_codings > 0 {
            eprintln!(
                "warning: {} codings of a whole source (a <Coding> on the <TextSource> itself) not imported: autocode codes sentences; code the passages, or the respondent's answer, in the QDA program",
                s.whole_source_codings
            );
        }
        return Ok(if s.partial() {
            ExitCode::from(EXIT_PARTIAL)
        } else {
            ExitCode::SUCCESS
        });
    }

    let opts = ReportOptions {
        out: a.out,
        format: a.format.into(),
        accepted_only: a.accepted_only,
        agreement_unit: match a.agreement_unit {
            Unit::Sentence => AgreementUnit::Sentence,
            Unit::Participant => AgreementUnit::Participant,
        },
        compare: a.compare,
        include_moderators: a.include_moderators,
        name: a.name,
        spoken: themes::SpokenParams {
            skip_minimal: !a.keep_minimal,
            ..Default::default()
        },
    };
    let summary = pipeline::report(&mut project, &opts)?;
    print(g, &summary, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// The selections of an import that cover no stored sentence, each named
/// by its source, GUID, positions, text and codes, the first
/// [`UNPLACED_SHOWN`] of them: a coder fixes them in the QDA program.
fn print_unplaced(selections: &[UnplacedSelection]) {
    let n = selections.len();
    eprintln!(
        "warning: {n} selection{} cover{} no stored sentence (text autocode stores no sentence of, \
         such as a title or header line): {} not imported",
        if n == 1 { "" } else { "s" },
        if n == 1 { "s" } else { "" },
        if n == 1 { "its codings are" } else { "their codings are" },
    );
    for sel in selections.iter().take(UNPLACED_SHOWN) {
        let source = if sel.source == sel.document {
            format!("`{}`", super::printable(&sel.source))
        } else {
            format!(
                "`{}` (stored as `{}`)",
                super::printable(&sel.source),
                super::printable(&sel.document)
            )
        };
        let guid = sel
            .guid
            .as_deref()
            .map_or(String::new(), |g| format!(" {}", super::printable(g)));
        let codes: Vec<String> = sel
            .codes
            .iter()
            .map(|c| format!("`{}`", super::printable(c)))
            .collect();
        eprintln!(
            "  {source}: selection{guid} at {}..{} (\"{}\"), coded {}",
            sel.start,
            sel.end,
            super::printable(&sel.text),
            codes.join(", ")
        );
    }
    if n > UNPLACED_SHOWN {
        eprintln!("  and {} more", n - UNPLACED_SHOWN);
    }
}

/// How many unplaced selections an import names.
const UNPLACED_SHOWN: usize = 10;

/// The table and the files written, to `out`.
pub fn print(g: &Global, s: &ReportSummary, out: &mut dyn Write) -> std::io::Result<()> {
    if s.not_coded > 0 {
        eprintln!(
            "warning: {} participant sentences are not coded by the current classifier and count for no code \
             (ingested since the last `autocode code`, not embedded, or coded under a codebook file approved since): \
             run `autocode embed` and `autocode code`, \
             or `autocode run`",
            s.not_coded
        );
    }
    if let Some((document, participant, text)) = s.cut_off.first() {
        let start: String = text.chars().take(60).collect();
        let more = match s.cut_off.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        eprintln!(
            "warning: {} participant sentence(s) are longer than the model reads (256 word pieces) and were \
             coded from their beginning alone (a long answer without full stops): `{}` by {} (\"{}…\"){more}; \
             read their endings yourself",
            s.cut_off.len(),
            super::printable(document),
            participant.as_deref().map_or("no one".to_string(), |p| format!("`{}`", super::printable(p))),
            super::printable(&start),
        );
    }
    if let Some((drawn_from, now)) = s.audit_population_changed {
        eprintln!(
            "warning: the audit sample was drawn from {drawn_from} units and the project has {now} now \
             (documents or respondents added or removed since): units added since could not be drawn, so \
             the intervals describe the corpus as it was; draw again with the same seed \
             (`autocode audit draw`, or the next `autocode run` with [audit]) to extend it to today's units"
        );
    }
    if !s.audit_predates_codes.is_empty() {
        let one = s.audit_predates_codes.len() == 1;
        eprintln!(
            "warning: people coded the audit sample before {} {} in the codebook: the sample says nothing \
             about {}, so {} figures and those of the codes above {} are the machine's, with no interval; \
             code the audit units again under this codebook (the review page's Audit tab, or \
             `autocode code --import-gold`) to judge {}",
            s.audit_predates_codes.join(", "),
            if one { "was" } else { "were" },
            if one { "it" } else { "them" },
            if one { "its" } else { "their" },
            if one { "it" } else { "them" },
            if one { "it" } else { "them" },
        );
    }
    if !s.codes_not_in_codebook.is_empty() {
        let list: Vec<String> = s
            .codes_not_in_codebook
            .iter()
            .map(|(code, n)| format!("`{}` ({n} codings)", super::printable(code)))
            .collect();
        eprintln!(
            "warning: people coded {} the codebook in use does not have (dropped or renamed in a revision): {}; \
             {} figures are people's codings alone; the codes the codebook of the day put above {} \
             count them where the codebook in use still has those. \
             Recode them on the review page, or give the codebook {} again",
            if list.len() == 1 { "a code" } else { "codes" },
            list.join(", "),
            if list.len() == 1 { "its" } else { "their" },
            if list.len() == 1 { "it" } else { "them" },
            if list.len() == 1 { "it" } else { "them" },
        );
    }
    if g.quiet {
        return Ok(());
    }
    if let Some(table) = &s.table {
        write!(out, "{table}")?;
    }
    for p in &s.written {
        writeln!(out, "wrote {}", p.display())?;
    }
    Ok(())
}
