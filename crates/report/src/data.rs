//! Everything a report reads from the store, resolved into one view: which
//! codes each sentence has, with what probability, and whether a human
//! settled it.

use std::collections::{BTreeMap, BTreeSet};

use classify::{Code, Codebook};
use serde::{Deserialize, Serialize};
use store::{Store, StoredSegment};

use crate::Error;

/// Meta key of the per-code calibration record the code stage writes.
pub const CALIBRATION_META: &str = "code_calibration";

/// Which codes of the current classifier have uncalibrated probabilities
/// (the zero-shot prior, no labels to calibrate on).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct CalibrationRecord {
    pub classifier: String,
    pub uncalibrated: Vec<String>,
}

/// The audit sample in use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditSampleView {
    pub unit: crate::ppi::AuditUnit,
    /// `draw` or `import`.
    pub origin: String,
    pub seed: Option<i64>,
    pub units: Vec<String>,
    /// Units there were to draw from when it was drawn.
    pub population: i64,
}

/// Where a coding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Machine,
    Human,
    Gold,
}

impl Source {
    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "machine" => Source::Machine,
            "human" => Source::Human,
            "gold" => Source::Gold,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Machine => "machine",
            Source::Human => "human",
            Source::Gold => "gold",
        }
    }
}

/// One row of `codings`.
#[derive(Debug, Clone, PartialEq)]
pub struct CodingRow {
    pub id: i64,
    pub segment_id: i64,
    pub code_id: String,
    pub codebook_version: Option<i64>,
    pub source: Source,
    pub coder: String,
    pub confidence: f64,
    pub assigned: bool,
    pub classifier: Option<String>,
    /// When it was made, as stored (see `store::CodingRecord::created_at`).
    pub created_at: Option<String>,
    /// A person's coding made under another codebook version: what it says
    /// of the codes that version put above its code and the codebook in
    /// use does not ([`CodebookHistory::coding_above`]).
    pub above_then: AboveThen,
}

/// One row of `reviews`, attached to a current segment.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub id: i64,
    pub segment_id: i64,
    pub code_id: Option<String>,
    pub decision: String,
    pub new_code_id: Option<String>,
    pub reviewer: String,
    /// Made in blind double coding ([`store::ReviewRecord::blind`]).
    pub blind: bool,
    /// Codes first in a codebook after this decision was made
    /// (`Store::code_first_seen`): a "no code" did not judge them, so it
    /// is not their "absent" (a theme accepted as a code later).
    pub codes_after: BTreeSet<String>,
    /// The codes below a rejected (or recoded-from) code: absent with it
    /// ([`CodebookHistory::absent_below`]: below it when the decision was
    /// made, or added below it since).
    pub absent_below: BTreeSet<String>,
}

/// What a person's coding made under an earlier codebook version says of
/// the codes above its code there that the codebook in use does not put
/// above it ([`CodebookHistory::coding_above`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AboveThen {
    /// Codes it gives as well: where the codebook in use no longer has the
    /// code (dropped, split, merged or renamed since), the codes above it
    /// then that it still has, with the codes above those now. A coding of
    /// `isolation` under a codebook that had it below `challenges` said
    /// the sentence is a challenge, whatever became of `isolation`.
    pub given: BTreeSet<String>,
    /// Codes it now says nothing of: those above the code then that the
    /// codebook in use moved it away from (the code kept, its parent
    /// changed). The coder gave them through the code, which the codebook
    /// in use no longer counts as theirs: the coding neither gives them
    /// nor, a gold standard's, leaves them judged absent.
    pub unjudged: BTreeSet<String>,
}

/// A codebook's hierarchy, as [`CodebookHistory`] reads people's
/// judgements through it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Hierarchy {
    ids: BTreeSet<String>,
    /// Each code's ancestors, nearest first.
    above: BTreeMap<String, Vec<String>>,
    /// Each code's descendants.
    below: BTreeMap<String, BTreeSet<String>>,
}

impl Hierarchy {
    fn of(codebook: &Codebook) -> Hierarchy {
        Hierarchy::of_codes(
            codebook
                .codes
                .iter()
                .map(|c| (c.id.clone(), c.parent.clone())),
        )
    }

    /// A stored version's hierarchy, from its body's codes' ids and
    /// parents alone: a body stored by another build (a key since renamed)
    /// still says where its codes were. `None` for a body that is no
    /// codebook at all.
    fn of_body(body: &str) -> Option<Hierarchy> {
        let body: serde_json::Value = serde_json::from_str(body).ok()?;
        let codes = body.get("codes")?.as_array()?;
        let text = |c: &serde_json::Value, key: &str| {
            c.get(key)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        Some(Hierarchy::of_codes(
            codes
                .iter()
                .filter_map(|c| Some((text(c, "id")?, text(c, "parent")))),
        ))
    }

    /// From (id, parent) pairs; a parent chain that comes back on itself
    /// ends there.
    fn of_codes(codes: impl IntoIterator<Item = (String, Option<String>)>) -> Hierarchy {
        let parent: BTreeMap<String, Option<String>> = codes.into_iter().collect();
        let mut out = Hierarchy::default();
        for id in parent.keys() {
            let mut ups: Vec<String> = Vec::new();
            let mut at = id;
            while let Some(Some(up)) = parent.get(at) {
                if up == id || ups.contains(up) || !parent.contains_key(up) {
                    break;
                }
                ups.push(up.clone());
                at = up;
            }
            for up in &ups {
                out.below.entry(up.clone()).or_default().insert(id.clone());
            }
            out.ids.insert(id.clone());
            out.above.insert(id.clone(), ups);
        }
        out
    }

    fn above(&self, code: &str) -> &[String] {
        self.above.get(code).map_or(&[], Vec::as_slice)
    }

    fn below(&self, code: &str) -> BTreeSet<String> {
        self.below.get(code).cloned().unwrap_or_default()
    }
}

/// A person's judgement means what it meant under the codebook version it
/// was made under: the stored versions, each with when it was stored, and
/// the codebook in use. A coding records its version
/// (`codings.codebook_version`; a gold sentence's is its coverage's), and
/// so does a review decision since migration 018
/// (`reviews.codebook_version`: the version the page checked it against).
/// A decision saved before records only its time, and was made under the
/// version in use then: the newest stored before it (every version is in
/// use from when it is stored: a codebook file approved, a code added on
/// the review page; going back to an older file is not told apart). Such a
/// decision made in the same second as a version was stored may have been
/// made under either, and judges only what both say.
///
/// The report (`ProjectData::load`) and training (`pipeline::code`'s
/// `stored_labels` and `memo_reasons`) read people's judgements through
/// it, so the two agree. Before, both read every judgement with the
/// codebook in use: a gold coding of a code split since was its old
/// parent's negative (h12/01), and a "no" to a code judged absent a code
/// moved below it since, overruling a reviewer's accept of it (h12/02).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodebookHistory {
    /// Version → (when it was stored, its hierarchy).
    versions: BTreeMap<i64, (String, Hierarchy)>,
    current: Hierarchy,
}

impl CodebookHistory {
    /// `current`'s hierarchy alone: every judgement read with it.
    pub fn new(current: &Codebook) -> CodebookHistory {
        CodebookHistory {
            versions: BTreeMap::new(),
            current: Hierarchy::of(current),
        }
    }

    /// Every version `store` holds, and `current`, the codebook in use.
    pub fn load(store: &Store, current: &Codebook) -> Result<CodebookHistory, Error> {
        let mut history = CodebookHistory::new(current);
        for v in store.codebook_versions()? {
            // A body that is no codebook says nothing of its version's
            // hierarchy: judgements made under it are read with the
            // codebook in use, as all were before.
            if let Some(h) = Hierarchy::of_body(&v.body) {
                history.versions.insert(v.version, (v.created_at, h));
            }
        }
        Ok(history)
    }

    /// Adds version `version` of `codebook`, stored at `stored_at`
    /// (`YYYY-MM-DDThh:mm:ssZ`).
    pub fn insert(&mut self, version: i64, stored_at: &str, codebook: &Codebook) {
        self.versions
            .insert(version, (stored_at.to_string(), Hierarchy::of(codebook)));
    }

    /// The versions `decided` may have been made under: its recorded
    /// version where that is stored; else the newest stored before its
    /// second, and those stored in it.
    fn in_use_at(&self, decided: Decided<'_>) -> Vec<&Hierarchy> {
        if let Some((_, h)) = decided.version.and_then(|v| self.versions.get(&v)) {
            return vec![h];
        }
        let at = decided.at;
        let before = self
            .versions
            .iter()
            .filter(|(_, (stored, _))| stored.as_str() < at)
            .map(|(v, _)| *v)
            .max();
        self.versions
            .iter()
            .filter(|(v, (stored, _))| Some(**v) == before || stored.as_str() == at)
            .map(|(_, (_, h))| h)
            .collect()
    }

    /// The codes a "no" to `code` (a reject, a recode from it, a "no code"
    /// that took back its coding) `decided` judges absent with it, a child
    /// being its parent's code: those below it in the codebook in use then,
    /// and those the codebook in use has added below it since (a code split
    /// into two since, hr/04). A code that was in that codebook but not
    /// below `code`, and was moved below it since, keeps its own
    /// judgements: the reviewer who said no to `code` did not say no to it
    /// (h12/02). A decision no stored version that has `code` was in use
    /// for is read with the codebook in use.
    pub fn absent_below(&self, code: &str, decided: Decided<'_>) -> BTreeSet<String> {
        let now = self.current.below(code);
        let then: Vec<&Hierarchy> = self
            .in_use_at(decided)
            .into_iter()
            .filter(|h| h.ids.contains(code))
            .collect();
        if then.is_empty() {
            return now;
        }
        let mut judged: Option<BTreeSet<String>> = None;
        for h in then {
            let mut said = h.below(code);
            said.extend(now.iter().filter(|d| !h.ids.contains(*d)).cloned());
            judged = Some(match judged {
                None => said,
                Some(both) => both.intersection(&said).cloned().collect(),
            });
        }
        judged.unwrap_or_default()
    }

    /// The codes of the codebook in use that a "no code" `decided` did not
    /// judge, because its codebook did not have them (a theme accepted as
    /// a code since, a code added by a later file): where its version is
    /// recorded and stored, those that version lacks; else those first in
    /// a codebook after its time (`first_seen`, `Store::code_first_seen`).
    /// What [`unjudged_by_no_code`] reads.
    pub fn codes_after<'a>(
        &'a self,
        decided: Decided<'a>,
        first_seen: &'a BTreeMap<String, String>,
    ) -> BTreeSet<&'a str> {
        match decided.version.and_then(|v| self.versions.get(&v)) {
            Some((_, then)) => self
                .current
                .ids
                .iter()
                .filter(|c| !then.ids.contains(*c))
                .map(String::as_str)
                .collect(),
            None => first_seen
                .iter()
                .filter(|(_, first)| first.as_str() > decided.at)
                .map(|(code, _)| code.as_str())
                .collect(),
        }
    }

    /// What a person's coding of `code` made under `version` says of the
    /// codes above it then that the codebook in use does not put above it
    /// ([`AboveThen`]); nothing for a version not stored, or not known
    /// (`None`). Codes the codebook in use does not have are left out.
    pub fn coding_above(&self, code: &str, version: Option<i64>) -> AboveThen {
        let Some((_, then)) = version.and_then(|v| self.versions.get(&v)) else {
            return AboveThen::default();
        };
        let now = &self.current;
        let kept = then.above(code).iter().filter(|a| now.ids.contains(*a));
        if now.ids.contains(code) {
            let above_now = now.above(code);
            AboveThen {
                given: BTreeSet::new(),
                unjudged: kept.filter(|a| !above_now.contains(a)).cloned().collect(),
            }
        } else {
            AboveThen {
                given: kept
                    .flat_map(|a| std::iter::once(a).chain(now.above(a)))
                    .cloned()
                    .collect(),
                unjudged: BTreeSet::new(),
            }
        }
    }
}

/// When a review decision was made and, where recorded, the codebook
/// version it was made under (`store::ReviewRecord::codebook_version`):
/// what [`CodebookHistory`] reads it through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided<'a> {
    /// `YYYY-MM-DDThh:mm:ssZ`, as stored.
    pub at: &'a str,
    pub version: Option<i64>,
}

impl<'a> Decided<'a> {
    /// A decision made at `at` under `version` (`None`: not recorded).
    pub fn new(at: &'a str, version: Option<i64>) -> Decided<'a> {
        Decided { at, version }
    }
}

/// A code with its place in the hierarchy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeNode {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub depth: usize,
    pub color: Option<String>,
    pub definition: String,
    /// Itself and every code below it.
    #[serde(skip)]
    pub descendants: BTreeSet<String>,
    /// Whether the codebook lists it (otherwise it was found only in codings).
    pub in_codebook: bool,
}

/// A suggested theme, from `theme_suggestions.body`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ThemeView {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub participants: u64,
    #[serde(default)]
    pub keywords: Vec<(String, f64)>,
    /// The theme's phrase label (themes' KeyBERT-style phrase), if stored.
    #[serde(default)]
    pub phrase: Option<String>,
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub level: i64,
    #[serde(default)]
    pub quotes: Vec<ThemeQuote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ThemeQuote {
    #[serde(default)]
    pub segment_id: i64,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub speaker: Option<String>,
    #[serde(default)]
    pub participant_id: Option<String>,
    #[serde(default)]
    pub document: String,
}

/// The store's contents as the report sees them.
pub struct ProjectData {
    pub codebook_name: String,
    pub codebook_version: Option<i64>,
    /// Codes in hierarchy pre-order (parents before children, codebook order).
    pub codes: Vec<CodeNode>,
    /// The codebook in use's codes as written (criteria, examples and all),
    /// by id: what an export's codebook describes them with.
    pub written_codes: BTreeMap<String, classify::Code>,
    /// All segments, moderators included, in id order.
    pub segments: Vec<StoredSegment>,
    /// Participant id → attribute → value (the participants file).
    pub attributes: BTreeMap<String, BTreeMap<String, String>>,
    /// Document name → attribute → value (the documents file).
    pub document_attributes: BTreeMap<String, BTreeMap<String, String>>,
    pub codings: Vec<CodingRow>,
    pub reviews: Vec<ReviewRow>,
    pub themes: Vec<ThemeView>,
    /// Resolved state of every (segment, code) anyone touched.
    pub cells: BTreeMap<(i64, String), Cell>,
    /// Sentences the current classifier has coded (`coding_marks`), when recorded.
    pub machine_coded: Option<BTreeSet<i64>>,
    /// Sentences an imported gold standard covers (`gold_coverage`), when recorded:
    /// there, a code without a gold coding is absent, where people judged it.
    pub gold_coverage: Option<GoldCoverage>,
    /// Sentences people coded completely (gold): what makes an audited unit.
    pub human_coded: BTreeSet<i64>,
    /// The audit sample in use, if any.
    pub audit: Option<AuditSampleView>,
    /// Codes whose probabilities are uncalibrated, when the code stage recorded it.
    pub uncalibrated: Option<BTreeSet<String>>,
}

/// The sentences a gold standard covers (people coded them completely:
/// `code --import-gold`, the audit page) and the codes each was judged
/// for: those of the codebook version people coded it under. A code added
/// since (a theme accepted as a code, an edited codebook) was never judged
/// there, and a covered sentence without it is not its "absent": before,
/// the machine's codings of such a code on audited sentences counted as
/// rejected and the audit as people's "no", so an interval claimed the code
/// was nearly absent where the machine found it in nine of ten people.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoldCoverage {
    /// Sentence → the codebook version people coded it under (`None`: not
    /// recorded, every code judged, as before migration 015).
    pub segments: BTreeMap<i64, Option<i64>>,
    /// Each such version's code ids.
    pub version_codes: BTreeMap<i64, BTreeSet<String>>,
    /// Gold coder → the covered sentences they coded themselves, "no code
    /// applies" included (`gold_coverage_coders`, migration 019: the audit
    /// page, `code --import-gold`). A coder's units in the agreement table
    /// are these where their document has any: two audit coders of one
    /// focus group are compared on the units both coded. Coverage written
    /// before that migration, or by a `.qdpx` import (whole documents),
    /// names no coder and is read by document, as before.
    pub by_coder: BTreeMap<String, BTreeSet<i64>>,
}

impl GoldCoverage {
    pub fn covers(&self, segment: i64) -> bool {
        self.segments.contains_key(&segment)
    }

    /// The codes people judged on a covered sentence: `None` for every
    /// code (or a sentence not covered: nothing judged, `Some` of none).
    pub fn judged_codes(&self, segment: i64) -> Option<&BTreeSet<String>> {
        static NOTHING: BTreeSet<String> = BTreeSet::new();
        match self.segments.get(&segment) {
            None => Some(&NOTHING),
            Some(None) => None,
            Some(Some(v)) => self.version_codes.get(v),
        }
    }

    /// Whether people judged `code` on `segment` (coded it completely,
    /// under a codebook that had the code).
    pub fn judges(&self, segment: i64, code: &str) -> bool {
        self.covers(segment) && self.judged_codes(segment).is_none_or(|c| c.contains(code))
    }

    fn load(store: &Store) -> Result<Option<GoldCoverage>, Error> {
        let segments = store.gold_coverage_segments()?;
        if segments.is_empty() {
            return Ok(None);
        }
        let version_codes = store.gold_coverage_codebooks(&segments)?;
        // A version no longer stored: what it held is not known.
        let segments = segments
            .into_iter()
            .map(|(seg, v)| (seg, v.filter(|v| version_codes.contains_key(v))))
            .collect();
        let by_coder = store.gold_coverage_coders()?;
        Ok(Some(GoldCoverage {
            segments,
            version_codes,
            by_coder,
        }))
    }
}

/// What is known about one code on one sentence.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cell {
    /// The machine's calibrated probability (0 when it kept no row).
    pub machine_p: f64,
    /// The machine assigned the code (p ≥ the code's threshold).
    pub machine_assigned: bool,
    /// A human decided: Some(true) present, Some(false) absent.
    pub settled: Option<bool>,
    /// What the gold standard (the blind audit, a gold import) says where
    /// it covers the sentence: Some(true) a gold coding gives the code (or
    /// one below it), Some(false) it judged the code absent. Review
    /// decisions never change it: the audit's estimate reads it, and a
    /// decision made later in the review queue, with the machine's
    /// suggestion in view, rewrote an audited participant's value
    /// (docs/report.md, "Estimate").
    pub gold: Option<bool>,
    /// A person's coding or a review names this code itself, not only a
    /// code below it (whose coding settles it present too): what the
    /// `codings` count counts as a pair given.
    pub given: bool,
}

impl Cell {
    /// Whether the code counts as given on this sentence.
    pub fn present(&self) -> bool {
        self.settled.unwrap_or(self.machine_assigned)
    }

    /// Whether the code itself was given on this sentence, not only through
    /// a code below it: a person's coding or review names it, or the
    /// machine assigned it and no one decided. What `codings` counts and
    /// report_segments.csv lists; co-occurrence counts these too, as NVivo
    /// and ATLAS.ti count codes as applied (a parent settled by its child's
    /// coding would "co-occur" with every child it has).
    pub fn applied(&self) -> bool {
        self.present() && (self.given || (self.machine_assigned && self.settled.is_none()))
    }

    /// Probability that the code applies: certain once a human decided.
    pub fn probability(&self) -> f64 {
        match self.settled {
            Some(true) => 1.0,
            Some(false) => 0.0,
            None => self.machine_p,
        }
    }
}

impl ProjectData {
    pub fn load(store: &Store) -> Result<ProjectData, Error> {
        let (codebook_version, codebook) = match store.codebook_in_use()? {
            Some((v, body)) => {
                let cb: Codebook = serde_json::from_str(&body).map_err(|e| {
                    Error::Invalid(format!(
                        "codebooks version {v}: body is not a codebook: {e}"
                    ))
                })?;
                (Some(v), cb)
            }
            None => (None, Codebook::default()),
        };
        let segments = store.segments(false)?;
        let attributes = store.participant_attributes()?;
        let document_attributes = store.document_attributes()?;
        let history = CodebookHistory::load(store, &codebook)?;
        let mut codings = load_codings(store)?;
        for c in codings.iter_mut().filter(|c| c.source != Source::Machine) {
            c.above_then = history.coding_above(&c.code_id, c.codebook_version);
        }
        // Only the machine codings of the codebook in use's line describe
        // the project: it and the versions it descends from (the review
        // page's extensions keep their parent's codings). After a changed
        // codebook file is approved, the last run's codings belong to
        // another line until `code` runs: they count for nothing and the
        // sentences read as not coded yet, with the report's warning.
        // Before, the report named the new codebook and counted the old
        // one's codings (a dropped id `isolaton` at its old count beside
        // its corrected `isolation` at 0, "model-only"; hf/01).
        let lineage = match codebook_version {
            Some(v) => store.codebook_lineage(v)?,
            None => BTreeSet::new(),
        };
        let current = |version: Option<i64>| {
            lineage.is_empty() || version.is_none_or(|v| lineage.contains(&v))
        };
        codings.retain(|c| c.source != Source::Machine || current(c.codebook_version));
        let reviews = load_reviews(store, &segments, &codebook, &history)?;
        let themes = load_themes(store)?;

        let mut extra: BTreeSet<String> = BTreeSet::new();
        for c in &codings {
            extra.insert(c.code_id.clone());
        }
        for r in &reviews {
            extra.extend(r.code_id.iter().cloned());
            extra.extend(r.new_code_id.iter().cloned());
        }
        let codes = hierarchy(&codebook, &extra);
        let machine_coded = nonempty(
            store
                .coding_marks_by_version()?
                .into_iter()
                .filter(|(_, v)| current(Some(*v)))
                .map(|(s, _)| s)
                .collect(),
        );
        let gold_coverage = GoldCoverage::load(store)?;
        let cells = resolve_cells(&codes, &codings, &reviews, gold_coverage.as_ref());
        let human_coded = store.gold_segments()?;
        let audit = match store.audit_sample()? {
            Some(s) => Some(AuditSampleView {
                unit: crate::ppi::AuditUnit::parse(&s.unit).ok_or_else(|| {
                    Error::Invalid(format!("audit sample {}: unknown unit {:?}", s.id, s.unit))
                })?,
                origin: s.origin,
                seed: s.seed,
                units: s.units,
                population: s.population,
            }),
            None => None,
        };
        let uncalibrated = match store.meta(CALIBRATION_META)? {
            Some(json) => {
                let rec: CalibrationRecord = serde_json::from_str(&json).map_err(|e| {
                    Error::Invalid(format!(
                        "meta {CALIBRATION_META}: not a calibration record: {e}"
                    ))
                })?;
                Some(rec.uncalibrated.into_iter().collect())
            }
            None => None,
        };
        let written_codes = codebook
            .codes
            .iter()
            .map(|c| (c.id.clone(), c.clone()))
            .collect();
        Ok(ProjectData {
            codebook_name: codebook.name,
            codebook_version,
            codes,
            written_codes,
            segments,
            attributes,
            document_attributes,
            codings,
            reviews,
            themes,
            cells,
            machine_coded,
            gold_coverage,
            human_coded,
            audit,
            uncalibrated,
        })
    }

    /// Leaves out the machine's codings (and coding marks) on `segments`, as
    /// if no classifier had coded them: the code stage skips them now
    /// (minimal responses under the current rule), so codings a run under
    /// an older rule stored there do not count. Human and gold codings and
    /// review decisions on them stay.
    pub fn drop_machine_codings(&mut self, segments: &BTreeSet<i64>) {
        if segments.is_empty() {
            return;
        }
        self.codings
            .retain(|c| c.source != Source::Machine || !segments.contains(&c.segment_id));
        if let Some(marked) = self.machine_coded.as_mut() {
            marked.retain(|s| !segments.contains(s));
        }
        self.cells = resolve_cells(
            &self.codes,
            &self.codings,
            &self.reviews,
            self.gold_coverage.as_ref(),
        );
    }

    /// Each code id's place in the hierarchy order (`codes`), for sorting.
    pub fn code_order(&self) -> BTreeMap<&str, usize> {
        self.codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect()
    }

    pub fn code(&self, id: &str) -> Option<&CodeNode> {
        self.codes.iter().find(|c| c.id == id)
    }

    /// The attributes crosstabs count participants by: speaker (as
    /// [`crate::freq::speaker_key`] names them) → attribute → value.
    ///
    /// Participant attributes as given; a document attribute becomes an
    /// attribute of everyone who speaks in that document, so an interview's
    /// site or date counts its interviewee (NVivo cases, ATLAS.ti document
    /// groups). Someone who speaks in documents with different values gets
    /// [`SEVERAL`]. A name used by both files means the participant
    /// attribute: the document attribute of that name is not used.
    pub fn crosstab_attributes(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out = self.attributes.clone();
        if self.document_attributes.is_empty() {
            return out;
        }
        let participant_keys: BTreeSet<&String> =
            self.attributes.values().flat_map(|a| a.keys()).collect();
        let document_keys: BTreeSet<&String> = self
            .document_attributes
            .values()
            .flat_map(|a| a.keys())
            .filter(|k| !participant_keys.contains(k))
            .collect();
        let mut documents_of: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for s in &self.segments {
            documents_of
                .entry(crate::freq::speaker_key(s))
                .or_default()
                .insert(&s.document);
        }
        for (person, documents) in documents_of {
            for key in &document_keys {
                let values: BTreeSet<Option<&String>> = documents
                    .iter()
                    .map(|d| self.document_attributes.get(*d).and_then(|a| a.get(*key)))
                    .collect();
                let value = match values.iter().collect::<Vec<_>>().as_slice() {
                    [None] => continue,
                    [Some(v)] => (*v).clone(),
                    _ => SEVERAL.to_string(),
                };
                out.entry(person.clone())
                    .or_default()
                    .insert((*key).clone(), value);
            }
        }
        out
    }
}

/// A coding the report counts as given, from one source and coder
/// ([`ProjectData::given_codings`]).
#[derive(Debug, Clone, PartialEq)]
pub struct GivenCoding<'a> {
    pub segment: &'a StoredSegment,
    pub code_id: String,
    pub source: Source,
    pub coder: String,
    /// The machine's calibrated probability for a machine coding; 1 for
    /// human and gold ones.
    pub confidence: f64,
    /// The classifier that made a machine coding.
    pub classifier: Option<&'a str>,
    /// When a person's coding was made (a review's time, or the date an
    /// imported coding carried); `None` for the machine's, whose time is
    /// the run's and would make two exports of the same codings differ.
    pub created_at: Option<&'a str>,
}

impl ProjectData {
    /// The codings a reader of the project sees as given, one per (sentence,
    /// code, source, coder), in document order (start, end, codebook order,
    /// source, coder): human and gold codings as given (unless a later review
    /// rejected them: the report counts such a code absent, so the segments
    /// table and the REFI-QDA export leave it out too), the machine's assigned codings no one has
    /// decided on, unless `accepted_only`, and the machine's parent codings
    /// that a person's coding of a child settles. What the REFI-QDA export writes
    /// and the coded-segments table lists.
    pub fn given_codings(&self, accepted_only: bool) -> Vec<GivenCoding<'_>> {
        let segments: BTreeMap<i64, &StoredSegment> =
            self.segments.iter().map(|s| (s.id, s)).collect();
        let code_order = self.code_order();
        // A sentence's machine rows of older codebook versions say nothing
        // now (as in `resolve_cells`); the newest names the classifier.
        let mut newest: BTreeMap<i64, Option<i64>> = BTreeMap::new();
        for c in self.codings.iter().filter(|c| c.source == Source::Machine) {
            let e = newest.entry(c.segment_id).or_insert(c.codebook_version);
            *e = (*e).max(c.codebook_version);
        }
        let mut seen: BTreeSet<(i64, &str, Source, &str)> = BTreeSet::new();
        let mut out: Vec<GivenCoding> = Vec::new();
        for c in &self.codings {
            let Some(seg) = segments.get(&c.segment_id) else {
                continue;
            };
            if c.source == Source::Machine && newest.get(&c.segment_id) != Some(&c.codebook_version)
            {
                continue;
            }
            let cell = self.cells.get(&(c.segment_id, c.code_id.clone()));
            let keep = match c.source {
                Source::Gold | Source::Human => cell.and_then(|x| x.settled) != Some(false),
                // A parent the machine gave, settled by a person's coding
                // of its child (an accepted child gives its parents too):
                // the person's child row holds it, as in a project coded
                // by people alone, where no parent row exists, and as
                // report.csv's `codings` counts it (hb/03). Until
                // 2026-12-06 the machine's row stayed here as the parent's
                // reference: a census showed machine rows report.csv said
                // did not exist (hf/02).
                Source::Machine => {
                    c.assigned
                        && !accepted_only
                        && cell.is_some_and(|x| x.machine_assigned && x.settled.is_none())
                }
            };
            if !keep || !seen.insert((c.segment_id, &c.code_id, c.source, &c.coder)) {
                continue;
            }
            out.push(GivenCoding {
                segment: seg,
                code_id: c.code_id.clone(),
                source: c.source,
                coder: c.coder.clone(),
                confidence: if c.source == Source::Machine {
                    cell.map(|x| x.machine_p).unwrap_or(c.confidence)
                } else {
                    1.0
                },
                classifier: (c.source == Source::Machine)
                    .then_some(c.classifier.as_deref())
                    .flatten(),
                created_at: (c.source != Source::Machine)
                    .then_some(c.created_at.as_deref())
                    .flatten(),
            });
        }
        out.sort_by(|a, b| {
            (
                &a.segment.document,
                a.segment.start_char,
                a.segment.end_char,
            )
                .cmp(&(
                    &b.segment.document,
                    b.segment.start_char,
                    b.segment.end_char,
                ))
                .then(
                    code_order
                        .get(a.code_id.as_str())
                        .cmp(&code_order.get(b.code_id.as_str())),
                )
                .then(a.source.cmp(&b.source))
                .then(a.coder.cmp(&b.coder))
        });
        out
    }
}

/// Document attribute value of someone who speaks in documents that differ in it.
pub const SEVERAL: &str = "(several)";

/// Whether the store's schema has `table` (stages add tables as they land).
pub fn table_exists(store: &Store, table: &str) -> Result<bool, Error> {
    Ok(store.has_table(table)?)
}

/// `None` stands for "not recorded": no sentence is in the set.
fn nonempty(set: BTreeSet<i64>) -> Option<BTreeSet<i64>> {
    (!set.is_empty()).then_some(set)
}

fn load_codings(store: &Store) -> Result<Vec<CodingRow>, Error> {
    let mut out = Vec::new();
    for row in store.codings()? {
        let store::CodingRecord {
            id,
            segment_id,
            code_id,
            codebook_version,
            source,
            coder,
            confidence,
            assigned,
            classifier,
            created_at,
        } = row;
        let source = Source::parse(&source).ok_or_else(|| {
            Error::Invalid(format!(
                "codings row {id}: source {source:?} is not machine, human or gold"
            ))
        })?;
        let confidence = confidence.unwrap_or(if source == Source::Machine { 0.0 } else { 1.0 });
        out.push(CodingRow {
            id,
            segment_id,
            code_id,
            codebook_version,
            source,
            coder,
            confidence,
            assigned,
            classifier,
            created_at,
            above_then: AboveThen::default(),
        });
    }
    Ok(out)
}

fn load_reviews(
    store: &Store,
    segments: &[StoredSegment],
    codebook: &Codebook,
    history: &CodebookHistory,
) -> Result<Vec<ReviewRow>, Error> {
    // A review whose sentence a re-ingest removed is detached (segment id
    // NULL): ingest gives it back where its sentence returns, to its own
    // speaker (store::corpus_tables::reattach_reviews_tx). Until then it
    // decides nothing here, as in training (`Store::review_labels`). Before,
    // the report gave it to the first sentence of its text, whoever said it:
    // another respondent's identical answer "mentioned" the reviewer's code.
    let live: BTreeSet<i64> = segments.iter().map(|s| s.id).collect();
    let first_seen = store.code_first_seen()?;
    let mut out = Vec::new();
    for row in store.reviews()? {
        let store::ReviewRecord {
            id,
            segment_id,
            code_id,
            decision,
            new_code_id,
            reviewer,
            created_at,
            blind,
            codebook_version,
            ..
        } = row;
        let Some(segment_id) = segment_id.filter(|s| live.contains(s)) else {
            continue;
        };
        let decided = Decided::new(&created_at, codebook_version);
        let codes_after = if decision == "none" {
            let later = history.codes_after(decided, &first_seen);
            // A child added under a code the decision judged absent was
            // judged with it (a child is its parent's code). Before
            // 2026-12-07 the codes above a new code were reopened instead,
            // so one sub-code added anywhere put its parent back on every
            // "no code" sentence the machine gave it (hr/01).
            unjudged_by_no_code(codebook, later)
        } else {
            BTreeSet::new()
        };
        // A code judged absent is absent below it too: a rejected parent's
        // children (a code split into two since) are no longer the
        // machine's to give there (hr/04). Below it as the codebook of the
        // decision's day had it: a code moved under it since was not
        // judged (h12/02).
        let absent_below = match (decision.as_str(), &code_id) {
            ("reject" | "recode", Some(code)) => history.absent_below(code, decided),
            _ => BTreeSet::new(),
        };
        out.push(ReviewRow {
            id,
            segment_id,
            code_id,
            decision,
            new_code_id,
            reviewer,
            blind,
            codes_after,
            absent_below,
        });
    }
    Ok(out)
}

/// The codes of `added` (first in a codebook after a "no code" decision)
/// that the decision did not judge: those with no ancestor it judged. A
/// child is its parent's code, so a "no code", which judged the parent
/// absent, judged every child added under it since; a new top-level code,
/// or a new code under a new parent, it did not.
pub fn unjudged_by_no_code<'a>(
    codebook: &classify::Codebook,
    added: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    let added: BTreeSet<&str> = added.into_iter().collect();
    added
        .iter()
        .filter(|code| {
            codebook
                .with_ancestors([**code])
                .iter()
                .all(|a| added.contains(a.as_str()))
        })
        .map(|code| code.to_string())
        .collect()
}

fn load_themes(store: &Store) -> Result<Vec<ThemeView>, Error> {
    let Some(run) = store.latest_theme_run()? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for t in store.theme_suggestions(run.id)? {
        if !matches!(t.status.as_str(), "open" | "accepted") {
            continue;
        }
        let id = t.id;
        let mut theme: ThemeView = serde_json::from_str(&t.body_json).map_err(|e| {
            Error::Invalid(format!(
                "theme_suggestions row {id}: body is not a theme suggestion: {e}"
            ))
        })?;
        theme.id = id;
        // The stored label: the machine's, or a reviewer's rename (the
        // body keeps the machine's; before, the report showed it even
        // after a rename).
        if !t.label.is_empty() {
            theme.label = t.label;
        }
        theme.status = t.status;
        // Quoted as the code examples are (`freq::quote_text`): a line
        // break inside a sentence is a space.
        for q in &mut theme.quotes {
            q.text = crate::freq::quote_text(&q.text);
        }
        out.push(theme);
    }
    // The finest level is what a reviewer accepts or dismisses; broader levels
    // of the merge tree would show the same sentences again.
    let finest = out.iter().map(|t| t.level).min().unwrap_or(0);
    out.retain(|t| t.level == finest);
    // Biggest themes first, like the study's table.
    out.sort_by(|a, b| {
        b.participants
            .cmp(&a.participants)
            .then(b.size.cmp(&a.size))
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Orders codes parents-first in codebook order and records their descendants.
fn hierarchy(codebook: &Codebook, seen: &BTreeSet<String>) -> Vec<CodeNode> {
    let mut codes: Vec<Code> = codebook.codes.clone();
    let known: BTreeSet<String> = codes.iter().map(|c| c.id.clone()).collect();
    for id in seen {
        if !known.contains(id) {
            codes.push(Code {
                id: id.clone(),
                name: id.clone(),
                ..Code::default()
            });
        }
    }
    let ids: BTreeSet<&str> = codes.iter().map(|c| c.id.as_str()).collect();
    let parent_of = |c: &Code| {
        c.parent
            .clone()
            .filter(|p| ids.contains(p.as_str()) && *p != c.id)
    };
    let mut children: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for (i, c) in codes.iter().enumerate() {
        children.entry(parent_of(c)).or_default().push(i);
    }
    let mut order = Vec::new();
    let mut visited = vec![false; codes.len()];
    fn walk(
        i: usize,
        depth: usize,
        codes: &[Code],
        children: &BTreeMap<Option<String>, Vec<usize>>,
        visited: &mut [bool],
        order: &mut Vec<(usize, usize)>,
    ) {
        if visited[i] {
            return;
        }
        visited[i] = true;
        order.push((i, depth));
        if let Some(kids) = children.get(&Some(codes[i].id.clone())) {
            for &k in kids {
                walk(k, depth + 1, codes, children, visited, order);
            }
        }
    }
    for &root in children.get(&None).map(Vec::as_slice).unwrap_or(&[]) {
        walk(root, 0, &codes, &children, &mut visited, &mut order);
    }
    // A parent cycle has no root; list its members at the top level rather than drop them.
    for i in 0..codes.len() {
        walk(i, 0, &codes, &children, &mut visited, &mut order);
    }
    let mut nodes: Vec<CodeNode> = order
        .iter()
        .map(|&(i, depth)| {
            let c = &codes[i];
            CodeNode {
                id: c.id.clone(),
                name: c.name.clone(),
                parent: parent_of(c),
                depth,
                color: c.color.clone(),
                definition: c.definition.clone(),
                descendants: BTreeSet::from([c.id.clone()]),
                in_codebook: known.contains(&c.id),
            }
        })
        .collect();
    // Pre-order: every descendant follows its ancestor, so one backward pass
    // folds each code's set into its parent's.
    for i in (0..nodes.len()).rev() {
        if let Some(p) = nodes[i].parent.clone() {
            let desc = nodes[i].descendants.clone();
            if let Some(parent) = nodes.iter_mut().find(|n| n.id == p) {
                parent.descendants.extend(desc);
            }
        }
    }
    nodes
}

/// Each code's ancestors, nearest first (a code without a parent has none).
pub fn ancestors_of(codes: &[CodeNode]) -> BTreeMap<String, Vec<String>> {
    let parent: BTreeMap<&str, &str> = codes
        .iter()
        .filter_map(|c| c.parent.as_deref().map(|p| (c.id.as_str(), p)))
        .collect();
    codes
        .iter()
        .map(|c| {
            let mut up = Vec::new();
            let mut at = c.id.as_str();
            // A cycle (which `hierarchy` lists at the top level) ends the walk.
            while let Some(&p) = parent.get(at) {
                if p == c.id || up.iter().any(|u: &String| u == p) {
                    break;
                }
                up.push(p.to_string());
                at = p;
            }
            (c.id.clone(), up)
        })
        .collect()
}

/// Applies machine rows, human/gold rows and review decisions, in that order.
fn resolve_cells(
    codes: &[CodeNode],
    codings: &[CodingRow],
    reviews: &[ReviewRow],
    gold_coverage: Option<&GoldCoverage>,
) -> BTreeMap<(i64, String), Cell> {
    let mut cells: BTreeMap<(i64, String), Cell> = BTreeMap::new();
    // Only the newest codebook version's machine rows describe a sentence now.
    let mut newest: BTreeMap<i64, Option<i64>> = BTreeMap::new();
    for c in codings.iter().filter(|c| c.source == Source::Machine) {
        let e = newest.entry(c.segment_id).or_insert(c.codebook_version);
        *e = (*e).max(c.codebook_version);
    }
    for c in codings.iter().filter(|c| c.source == Source::Machine) {
        if newest.get(&c.segment_id) != Some(&c.codebook_version) {
            continue;
        }
        let cell = cells.entry((c.segment_id, c.code_id.clone())).or_default();
        cell.machine_p = c.confidence;
        cell.machine_assigned = c.assigned;
    }
    // A person's coding of a child is a coding of its parents too (gold and
    // QDA exports list the child alone, the machine stores both): else the
    // machine's parent coding on a sentence the gold gives the child would
    // count as rejected by the gold.
    // Only a coding that stands settles the codes above it: one whose own
    // code a later decision judged absent (a second reviewer correcting
    // the first, without `--blind`) settles nothing, as when its coder
    // takes it back, and the parent is the machine's again. Before, the
    // parent stayed settled by the corrected coding: report.csv counted
    // it, while the coded-segments table and the .qdpx had neither the
    // person's row nor the machine's (h2/01). The gold's own word on the
    // parent stays: review decisions never change it.
    // A coding made under another codebook version also gives the codes
    // above it then, where its code is gone from the codebook in use, and
    // says nothing of those the codebook in use moved it away from
    // (`CodingRow::above_then`): a gold standard covering the sentence
    // did not judge them absent. Before, a gold coding of a code split
    // since was its old parent's "absent" (h12/01).
    let overruled = overruled_codings(codings, reviews);
    let ancestors = ancestors_of(codes);
    let mut unjudged: BTreeSet<(i64, &str)> = BTreeSet::new();
    for c in codings.iter().filter(|c| c.source != Source::Machine) {
        let stands = !overruled.contains(&(c.segment_id, c.code_id.clone()));
        if c.source == Source::Gold {
            unjudged.extend(
                c.above_then
                    .unjudged
                    .iter()
                    .map(|u| (c.segment_id, u.as_str())),
            );
        }
        for code in std::iter::once(&c.code_id)
            .chain(ancestors.get(&c.code_id).into_iter().flatten())
            .chain(&c.above_then.given)
        {
            let own = *code == c.code_id;
            let cell = cells.entry((c.segment_id, code.clone())).or_default();
            if own || stands {
                cell.settled = Some(true);
            }
            cell.given |= own;
            if c.source == Source::Gold {
                cell.gold = Some(true);
            }
        }
    }
    // A gold standard that covers a sentence says every other code people
    // judged there is absent (not a code its own codings give).
    if let Some(covered) = gold_coverage {
        for ((seg, code), cell) in cells.iter_mut() {
            if covered.judges(*seg, code)
                && cell.gold != Some(true)
                && !unjudged.contains(&(*seg, code.as_str()))
            {
                if cell.settled.is_none() {
                    cell.settled = Some(false);
                }
                if cell.gold.is_none() {
                    cell.gold = Some(false);
                }
            }
        }
    }
    let mut judged: BTreeMap<(i64, String), store::BlindUnion> = BTreeMap::new();
    for r in reviews {
        apply_review(r, &mut cells, &mut judged);
    }
    cells
}

/// The (sentence, code) pairs of people's codings (human, gold) that the
/// review decisions, folded as [`resolve_cells`] folds them, end up
/// judging absent: codings that no longer stand.
fn overruled_codings(codings: &[CodingRow], reviews: &[ReviewRow]) -> BTreeSet<(i64, String)> {
    // Each coding's own cell, as `resolve_cells` has it before the
    // decisions: present, there before any of them (so a "no code" judges
    // it). The decisions judge a cell the same whatever other cells exist.
    let mut cells: BTreeMap<(i64, String), Cell> = codings
        .iter()
        .filter(|c| c.source != Source::Machine)
        .map(|c| {
            let cell = Cell {
                settled: Some(true),
                ..Cell::default()
            };
            ((c.segment_id, c.code_id.clone()), cell)
        })
        .collect();
    let coded: BTreeSet<(i64, String)> = cells.keys().cloned().collect();
    let mut judged = BTreeMap::new();
    for r in reviews {
        apply_review(r, &mut cells, &mut judged);
    }
    coded
        .into_iter()
        .filter(|key| cells.get(key).is_some_and(|c| c.settled == Some(false)))
        .collect()
}

/// Applies one decision; `judged` folds each (sentence, code)'s decisions
/// so far ([`store::BlindUnion`]: blind reviewers' judgements stand side by
/// side, a decision made seeing them stands over them).
fn apply_review(
    r: &ReviewRow,
    cells: &mut BTreeMap<(i64, String), Cell>,
    judged: &mut BTreeMap<(i64, String), store::BlindUnion>,
) {
    let mut set = |segment: i64, code: Option<&String>, present: bool| {
        if let Some(code) = code {
            let key = (segment, code.clone());
            let votes = judged.entry(key.clone()).or_default();
            votes.judge(&r.reviewer, present, r.blind);
            let present = votes.given().unwrap_or(present);
            let cell = cells.entry(key).or_default();
            cell.settled = Some(present);
            cell.given = present;
        }
    };
    let s = r.segment_id;
    match r.decision.as_str() {
        "accept" => set(s, r.code_id.as_ref(), true),
        "reject" => {
            set(s, r.code_id.as_ref(), false);
            for below in &r.absent_below {
                set(s, Some(below), false);
            }
        }
        "recode" => {
            set(s, r.code_id.as_ref(), false);
            for below in &r.absent_below {
                set(s, Some(below), false);
            }
            set(s, r.new_code_id.as_ref(), true);
        }
        "add" => set(s, r.new_code_id.as_ref().or(r.code_id.as_ref()), true),
        // No code applies: every code known on the sentence is settled
        // absent, but for codes added to the codebook since, never judged.
        "none" => {
            for ((seg, code), cell) in cells.range_mut((s, String::new())..) {
                if *seg != s {
                    break;
                }
                if !r.codes_after.contains(code) {
                    let votes = judged.entry((s, code.clone())).or_default();
                    votes.judge(&r.reviewer, false, r.blind);
                    cell.settled = votes.given();
                    if cell.settled == Some(false) {
                        cell.given = false;
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codebook() -> Codebook {
        classify::parse_codebook(
            "codes:\n- id: wellbeing\n  name: Wellbeing\n  definition: w\n- id: boundaries\n  name: Boundaries\n  parent: wellbeing\n  definition: b\n",
            "t",
            classify::CodebookFormat::Yaml,
        )
        .unwrap()
    }

    fn coding(id: i64, code: &str, source: Source, coder: &str) -> CodingRow {
        CodingRow {
            id,
            segment_id: 1,
            code_id: code.into(),
            codebook_version: Some(1),
            source,
            coder: coder.into(),
            confidence: if source == Source::Machine { 0.9 } else { 1.0 },
            assigned: true,
            classifier: None,
            created_at: None,
            above_then: AboveThen::default(),
        }
    }

    fn review(id: i64, reviewer: &str, decision: &str, blind: bool) -> ReviewRow {
        ReviewRow {
            id,
            segment_id: 1,
            code_id: Some("boundaries".into()),
            decision: decision.into(),
            new_code_id: None,
            reviewer: reviewer.into(),
            blind,
            codes_after: BTreeSet::new(),
            absent_below: BTreeSet::new(),
        }
    }

    fn codes(pairs: &[(&str, Option<&str>)]) -> Codebook {
        Codebook {
            name: "t".into(),
            codes: pairs
                .iter()
                .map(|(id, parent)| Code {
                    id: id.to_string(),
                    name: id.to_string(),
                    parent: parent.map(String::from),
                    ..Code::default()
                })
                .collect(),
        }
    }

    fn ids(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Stores codebook version `v`, stored at `at`, and puts it in use.
    fn put_version(store: &Store, v: i64, at: &str, cb: &Codebook) {
        store
            .conn()
            .execute(
                "INSERT INTO codebooks(version, name, content_hash, body, created_at) VALUES (?1, 't', ?1, ?2, ?3)",
                (v, cb.to_json(), at),
            )
            .unwrap();
        store
            .conn()
            .execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
                (store::CODEBOOK_IN_USE_META, v.to_string()),
            )
            .unwrap();
    }

    /// A store of Ann's sentences, with codebook `versions` (version,
    /// stored at, codebook) stored, the last in use.
    fn store_with(
        dir: &std::path::Path,
        sentences: &str,
        versions: &[(i64, &str, &Codebook)],
    ) -> (Store, Vec<i64>) {
        let path = dir.join("a.txt");
        std::fs::write(&path, format!("Ann: {sentences}\n")).unwrap();
        let people = corpus::Participants::default();
        let docs = corpus::read_file(&path, "a.txt", &Default::default(), &people.index()).unwrap();
        let mut store = Store::create(dir).unwrap();
        store.put_document(&docs[0]).unwrap();
        for (v, at, cb) in versions {
            put_version(&store, *v, at, cb);
        }
        let segs = store
            .segments(false)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        (store, segs)
    }

    /// What a "no" to a code judges below it is the hierarchy of the
    /// codebook it was said under: codes below it then, and codes added
    /// below it since (a split, hr/04), but not a code moved below it
    /// since (h12/02). Said in the second a version was stored, it judges
    /// only what both versions say.
    #[test]
    fn a_no_judges_the_codes_below_it_when_it_was_said() {
        let v1 = codes(&[
            ("challenges", None),
            ("isolation", Some("challenges")),
            ("costs", Some("challenges")),
            ("practicalities", None),
            ("tools", Some("practicalities")),
        ]);
        let v2 = codes(&[
            ("challenges", None),
            ("isolation_feel", Some("challenges")),
            ("isolation_remedy", Some("challenges")),
            ("practicalities", None),
            ("tools", Some("practicalities")),
            ("costs", Some("practicalities")),
        ]);
        let mut history = CodebookHistory::new(&v2);
        let at = |t| Decided::new(t, None);
        assert_eq!(
            history.absent_below("practicalities", at("2000-01-01T12:00:00Z")),
            ids(&["costs", "tools"]),
            "without versions, the codebook in use"
        );
        history.insert(1, "2000-01-01T00:00:00Z", &v1);
        history.insert(2, "2000-01-02T00:00:00Z", &v2);
        let under_v1 = at("2000-01-01T12:00:00Z");
        assert_eq!(
            history.absent_below("practicalities", under_v1),
            ids(&["tools"])
        );
        assert_eq!(
            history.absent_below("challenges", under_v1),
            ids(&["costs", "isolation", "isolation_feel", "isolation_remedy"])
        );
        let under_v2 = at("2000-01-03T00:00:00Z");
        assert_eq!(
            history.absent_below("practicalities", under_v2),
            ids(&["costs", "tools"])
        );
        assert_eq!(
            history.absent_below("challenges", under_v2),
            ids(&["isolation_feel", "isolation_remedy"])
        );
        // In v2's second: v1 or v2.
        assert_eq!(
            history.absent_below("practicalities", at("2000-01-02T00:00:00Z")),
            ids(&["tools"])
        );
    }

    /// A decision that records its codebook version is read under that
    /// version, whatever its time says: one made after going back to an
    /// older codebook file (v1 approved again after v2) is v1's, and one
    /// made in the second v2 was stored is v2's alone. Before migration
    /// 018 both were read by time: under v2, and under what v1 and v2 both
    /// say.
    #[test]
    fn a_recorded_version_decides_over_the_time() {
        let v1 = codes(&[
            ("challenges", None),
            ("costs", Some("challenges")),
            ("practicalities", None),
            ("tools", Some("practicalities")),
        ]);
        let v2 = codes(&[
            ("challenges", None),
            ("practicalities", None),
            ("tools", Some("practicalities")),
            ("costs", Some("practicalities")),
            ("wellbeing", None),
        ]);
        let mut history = CodebookHistory::new(&v2);
        history.insert(1, "2000-01-01T00:00:00Z", &v1);
        history.insert(2, "2000-01-02T00:00:00Z", &v2);
        let later = "2000-01-05T00:00:00Z";
        // `costs` was moved below `practicalities` by v2: a "no" said
        // under v1 did not judge it, one said under v2 did.
        assert_eq!(
            history.absent_below("practicalities", Decided::new(later, Some(1))),
            ids(&["tools"])
        );
        assert_eq!(
            history.absent_below("practicalities", Decided::new(later, None)),
            ids(&["costs", "tools"])
        );
        assert_eq!(
            history.absent_below(
                "practicalities",
                Decided::new("2000-01-02T00:00:00Z", Some(2))
            ),
            ids(&["costs", "tools"])
        );
        // A version not stored (a store from another build): by time.
        assert_eq!(
            history.absent_below(
                "practicalities",
                Decided::new("2000-01-01T12:00:00Z", Some(9))
            ),
            ids(&["tools"])
        );
        // A "no code" under v1 did not judge v2's new codes, whenever made;
        // without a version, only codes first seen after it are unjudged.
        let first_seen: BTreeMap<String, String> = [
            ("challenges", "2000-01-01T00:00:00Z"),
            ("costs", "2000-01-01T00:00:00Z"),
            ("practicalities", "2000-01-01T00:00:00Z"),
            ("tools", "2000-01-01T00:00:00Z"),
            ("wellbeing", "2000-01-02T00:00:00Z"),
        ]
        .into_iter()
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .collect();
        let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<&str>>();
        assert_eq!(
            history.codes_after(Decided::new(later, Some(1)), &first_seen),
            set(&["wellbeing"])
        );
        assert_eq!(
            history.codes_after(Decided::new(later, None), &first_seen),
            set(&[])
        );
        assert_eq!(
            history.codes_after(Decided::new("2000-01-01T12:00:00Z", None), &first_seen),
            set(&["wellbeing"])
        );
        assert_eq!(
            history.codes_after(Decided::new(later, Some(2)), &first_seen),
            set(&[])
        );
    }

    /// A coding made under v1 of a code v2 split gives v1's parent; of a
    /// code v2 moved, it no longer says its v1 parent.
    #[test]
    fn a_coding_says_what_its_codebook_put_above_it() {
        let v1 = codes(&[
            ("top", None),
            ("challenges", Some("top")),
            ("isolation", Some("challenges")),
            ("costs", Some("challenges")),
            ("practicalities", Some("top")),
        ]);
        let v2 = codes(&[
            ("top", None),
            ("challenges", Some("top")),
            ("isolation_feel", Some("challenges")),
            ("practicalities", Some("top")),
            ("costs", Some("practicalities")),
        ]);
        let mut history = CodebookHistory::new(&v2);
        history.insert(1, "2000-01-01T00:00:00Z", &v1);
        assert_eq!(
            history.coding_above("isolation", Some(1)),
            AboveThen {
                given: ids(&["challenges", "top"]),
                unjudged: BTreeSet::new(),
            }
        );
        assert_eq!(
            history.coding_above("costs", Some(1)),
            AboveThen {
                given: BTreeSet::new(),
                unjudged: ids(&["challenges"]),
            }
        );
        for unknown in [None, Some(7)] {
            assert_eq!(
                history.coding_above("isolation", unknown),
                AboveThen::default()
            );
        }
    }

    /// h12/01: gold coded under v1, where `isolation` and `costs` were
    /// below `challenges`; v2 splits `isolation` (dropping its id) and
    /// moves `costs` under `practicalities`. The isolation sentence is
    /// still a challenge by the gold (it was a gold "absent" of it), the
    /// costs sentence is the machine's (no longer the gold's either way),
    /// a sentence gold gave no challenge stays its "absent".
    #[test]
    fn gold_coded_under_an_earlier_codebook_keeps_its_parents() {
        let v1 = codes(&[
            ("challenges", None),
            ("isolation", Some("challenges")),
            ("costs", Some("challenges")),
            ("practicalities", None),
        ]);
        let v2 = codes(&[
            ("challenges", None),
            ("isolation_feel", Some("challenges")),
            ("practicalities", None),
            ("costs", Some("practicalities")),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let (mut store, segs) = store_with(
            dir.path(),
            "I am alone all day. Rent is high. We use Slack.",
            &[
                (1, "2000-01-01T00:00:00Z", &v1),
                (2, "2000-01-02T00:00:00Z", &v2),
            ],
        );
        assert_eq!(segs.len(), 3);
        let gold = BTreeMap::from([
            (segs[0], ids(&["isolation"])),
            (segs[1], ids(&["costs"])),
            (segs[2], ids(&["practicalities"])),
        ]);
        store.put_gold_codings("g", Some(1), &gold).unwrap();
        for &s in &segs {
            store
                .conn()
                .execute(
                    "INSERT INTO codings(segment_id, code_id, codebook_version, source, coder, confidence, assigned, created_at)
                     VALUES (?1, 'challenges', 2, 'machine', 'knn', 0.8, 1, '2000-01-03T00:00:00Z')",
                    [s],
                )
                .unwrap();
        }
        let data = ProjectData::load(&store).unwrap();
        let cell = |s: i64, code: &str| data.cells[&(s, code.to_string())];
        let isolation = cell(segs[0], "challenges");
        assert_eq!(
            (isolation.gold, isolation.settled),
            (Some(true), Some(true))
        );
        let costs = cell(segs[1], "challenges");
        assert_eq!((costs.gold, costs.settled), (None, None));
        assert!(costs.present(), "the machine's");
        assert_eq!(cell(segs[1], "practicalities").settled, Some(true));
        let slack = cell(segs[2], "challenges");
        assert_eq!((slack.gold, slack.settled), (Some(false), Some(false)));
    }

    /// h12/02: under v1 a reviewer accepts `costs` (then below
    /// `challenges`) and rejects `practicalities` on one sentence; v2
    /// moves `costs` under `practicalities`. The reject did not judge
    /// costs: the accept stands.
    #[test]
    fn a_code_moved_under_a_rejected_code_keeps_its_accept() {
        let v1 = codes(&[
            ("challenges", None),
            ("costs", Some("challenges")),
            ("practicalities", None),
        ]);
        let v2 = codes(&[
            ("challenges", None),
            ("practicalities", None),
            ("costs", Some("practicalities")),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let (mut store, segs) = store_with(
            dir.path(),
            "We put the rent money into payroll software.",
            &[(1, "2000-01-01T00:00:00Z", &v1)],
        );
        let decide = |store: &mut Store, decision, code: &str, version| {
            let input = store::ReviewInput {
                segment_id: segs[0],
                code_id: Some(code.into()),
                decision,
                new_code_id: None,
                reviewer: "ana".into(),
                memo: None,
            };
            store.record_review(&input, version, None).unwrap();
        };
        decide(&mut store, store::Decision::Accept, "costs", 0);
        decide(&mut store, store::Decision::Reject, "practicalities", 1);
        // Version 2 is stored after the decisions; by time alone a clock
        // set back would read them under it, by their recorded version 1
        // not (migration 018).
        put_version(&store, 2, "1999-01-01T00:00:00Z", &v2);
        let data = ProjectData::load(&store).unwrap();
        assert_eq!(data.reviews[1].absent_below, BTreeSet::new());
        let cell = |code: &str| data.cells[&(segs[0], code.to_string())];
        assert_eq!(cell("costs").settled, Some(true));
        assert!(cell("costs").applied());
        assert_eq!(cell("practicalities").settled, Some(false));
    }

    /// h2/01: ana accepts the machine's child code, ben (seeing her
    /// decision) rejects it. Her human coding, left in a store from before
    /// the fix, no longer settles the parent: the machine's parent coding
    /// counts, unreviewed, as when ana takes her accept back herself.
    /// Blind, ben's reject overrules no one: her coding stands, parent too.
    #[test]
    fn a_corrected_coding_settles_no_parent() {
        let codes = hierarchy(&codebook(), &BTreeSet::new());
        let codings = vec![
            coding(1, "wellbeing", Source::Machine, "m"),
            coding(2, "boundaries", Source::Machine, "m"),
            coding(3, "boundaries", Source::Human, "ana"),
        ];
        let key = |c: &str| (1, c.to_string());
        let seeing = [
            review(1, "ana", "accept", false),
            review(2, "ben", "reject", false),
        ];
        let cells = resolve_cells(&codes, &codings, &seeing, None);
        let parent = cells[&key("wellbeing")];
        assert_eq!(parent.settled, None);
        assert!(parent.present() && parent.applied());
        assert_eq!(cells[&key("boundaries")].settled, Some(false));
        assert_eq!(
            overruled_codings(&codings, &seeing),
            BTreeSet::from([key("boundaries")])
        );

        let blind = [
            review(1, "ana", "accept", true),
            review(2, "ben", "reject", true),
        ];
        let cells = resolve_cells(&codes, &codings, &blind, None);
        assert_eq!(cells[&key("wellbeing")].settled, Some(true));
        assert_eq!(cells[&key("boundaries")].settled, Some(true));
        assert!(overruled_codings(&codings, &blind).is_empty());
    }

    /// A gold child coding a review rejects settles no parent either, but
    /// the gold's word on the parent stays, and its coverage does not read
    /// the parent as absent.
    #[test]
    fn a_corrected_gold_coding_keeps_the_golds_parent() {
        let codes = hierarchy(&codebook(), &BTreeSet::new());
        let codings = vec![
            coding(1, "wellbeing", Source::Machine, "m"),
            coding(2, "boundaries", Source::Gold, "gina"),
        ];
        let coverage = GoldCoverage {
            segments: BTreeMap::from([(1, None)]),
            ..GoldCoverage::default()
        };
        let reviews = [review(1, "ben", "reject", false)];
        let cells = resolve_cells(&codes, &codings, &reviews, Some(&coverage));
        let parent = cells[&(1, "wellbeing".to_string())];
        assert_eq!((parent.settled, parent.gold), (None, Some(true)));
        let child = cells[&(1, "boundaries".to_string())];
        assert_eq!((child.settled, child.gold), (Some(false), Some(true)));
    }
}
