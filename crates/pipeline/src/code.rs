//! Code: participant sentences against the codebook, with a classifier
//! trained on what humans said (gold, human codings, review decisions).
//! Incremental: a sentence already coded by the same codebook version,
//! model and classifier fingerprint is not coded again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use classify::{Codebook, Label, Mode};
use embed::Encoder;
use serde::Serialize;
use store::{Store, StoredSegment};

use crate::{ExitStatus, Project, EXIT_PARTIAL};
use report::data::{CalibrationRecord, CALIBRATION_META};
use report::ppi::AuditUnit;

/// Sentences per store transaction while coding.
const CHUNK: usize = 5000;

/// Options of the code stage; `Default` is what `autocode code` does with
/// no flags (and what the review page's Retrain runs).
#[derive(Debug, Clone)]
pub struct CodeOptions {
    /// Model folder; `None`: see [`crate::model_dir`].
    pub model: Option<PathBuf>,
    /// Codebook file to approve and use; `None`: the latest approved codebook.
    pub codebook: Option<PathBuf>,
    pub mode: Mode,
    /// A code needs this many human-coded positives (and negatives) to be supervised.
    pub min_positives: usize,
    /// First import gold codings (JSONL: doc, text, labels), matched by document and text.
    pub import_gold: Option<PathBuf>,
    /// CSV `code,expected` (see [`report::read_compare`]): figures shown beside the counts.
    pub expected: Option<PathBuf>,
    /// The imported gold is a random sample of these units (`--random-sample`):
    /// the units it covers completely become the audit sample.
    pub random_sample: Option<AuditUnit>,
    /// Import gold only for the units of the drawn audit sample (`--audit-only`):
    /// the people coded the drawn units in another tool, or the demo plays them.
    pub audit_only: bool,
    /// Which sentences are minimal responses ("Yeah.", "Okay."), not coded.
    pub spoken: themes::SpokenParams,
}

impl Default for CodeOptions {
    fn default() -> Self {
        let params = classify::ClassifierParams::default();
        CodeOptions {
            model: None,
            codebook: None,
            mode: params.mode,
            min_positives: params.min_positives,
            import_gold: None,
            expected: None,
            random_sample: None,
            audit_only: false,
            spoken: themes::SpokenParams::default(),
        }
    }
}

/// One code's row of the result table.
#[derive(Debug, Clone, Serialize)]
pub struct CodeRow {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    /// supervised | zero-shot | zero-shot (pseudo-labels) | category (codes
    /// below it: a category has no model, its figures roll up theirs)
    pub model: &'static str,
    /// Whether its probabilities were calibrated on labelled sentences
    /// (otherwise they are the zero-shot prior, not probabilities to trust).
    pub calibrated: bool,
    /// Participant sentences with the code assigned by the machine.
    pub sentences: usize,
    /// Distinct participants among those sentences.
    pub participants: usize,
    /// The `expected` figure, when given (integers print as integers).
    #[serde(serialize_with = "number")]
    pub expected: Option<f64>,
}

fn number<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => s.serialize_some(&(*x as i64)),
        Some(x) => s.serialize_some(x),
        None => s.serialize_none(),
    }
}

/// How the classifier models one code.
#[derive(Debug, Clone, Serialize)]
pub struct CodeModelNote {
    pub code_id: String,
    pub note: String,
    pub threshold: f64,
}

/// Cross-fitting: each labelled unit is predicted by a model trained without it.
#[derive(Debug, Clone, Serialize)]
pub struct CrossFit {
    pub unit: AuditUnit,
    pub units: usize,
    pub folds: usize,
}

/// What the store's classifier cache holds: the classifier and, with an
/// audit sample, its cross-fitted fold models.
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedFit {
    classifier: classify::Classifier,
    folds: Vec<classify::Classifier>,
}

/// Folds for cross-fitting (fewer when fewer units carry labels).
pub const CROSSFIT_FOLDS: usize = 5;
/// Seed of the cross-fitting fold assignment.
const CROSSFIT_SEED: u64 = 0x5EED_C0DE;

/// Gold codings imported before coding.
#[derive(Debug, Clone, Serialize)]
pub struct GoldImport {
    pub path: PathBuf,
    pub sentences: usize,
    pub codings: usize,
    /// Gold items that match no stored sentence or turn (document + text),
    /// or, without a document, match them in more than one document.
    pub unmatched: usize,
    /// The first few of them (the item's id, `FILE:LINE` when it has none,
    /// and why), so that they can be found and mended.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmatched_items: Vec<String>,
}

/// How many unmatched gold items [`GoldImport::unmatched_items`] names.
pub const UNMATCHED_SHOWN: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct CodeSummary {
    pub codebook_version: i64,
    /// Why this codebook version was chosen, when that needs saying.
    pub codebook_note: Option<String>,
    pub model_key: String,
    pub classifier: String,
    /// Sentences coded now.
    pub coded: usize,
    /// Sentences this classifier had coded before.
    pub already_coded: usize,
    /// Participant sentences without a vector for the model (not coded).
    pub missing_embeddings: usize,
    /// Participant sentences left out as minimal responses (not coded, not
    /// counted in `codes`).
    pub skipped_minimal: usize,
    /// Participant sentences coded with the question their turn answers
    /// (`segment_questions`; read by supervised codes).
    pub with_question: usize,
    /// Reviewers' memos trained on as their decisions' reasons
    /// ([`memo_reasons`]).
    pub memo_reasons: usize,
    /// Participant sentences with a memo alone, held out of the corpus's
    /// pseudo-labels ([`memo_held_texts`]).
    pub memo_held: usize,
    /// The corpus sample of the zero-shot fallback is the last run's
    /// ([`zero_shot_sample`]); false when drawn now or not used.
    pub sample_kept: bool,
    /// The classifier was loaded from the store's cache (the last fit had
    /// the same training data, sample and parameters), not fitted.
    pub classifier_loaded: bool,
    pub gold: Option<GoldImport>,
    /// The audit sample declared by this import (`--random-sample`).
    pub audit: Option<crate::audit::AuditSummary>,
    /// Units whose predictions come from cross-fitted models that did not see
    /// their labels (only when an audit sample exists), and how many folds.
    pub crossfit: Option<CrossFit>,
    /// Whether expected figures were given (their column is shown).
    pub expected_given: bool,
    pub models: Vec<CodeModelNote>,
    pub codes: Vec<CodeRow>,
}

impl ExitStatus for CodeSummary {
    /// 2 when imported gold lines matched no sentence, else 0.
    fn exit_code(&self) -> u8 {
        match &self.gold {
            Some(g) if g.unmatched > 0 => EXIT_PARTIAL,
            _ => 0,
        }
    }
}

/// The codebook the code stage uses: the file, approved (the same content
/// keeps its version), or else the project's latest approved codebook.
/// Returns (version, codebook, a note on the choice). The one place that
/// decides which codebook version is coded.
pub fn choose_codebook(
    store: &mut Store,
    file: Option<&Path>,
) -> anyhow::Result<(i64, Codebook, Option<String>)> {
    match file {
        Some(path) => {
            // The file is the root of a lineage: a run codes with the newest
            // version made in review from the file's version (docs/classify.md),
            // so file-configured runs and the review page agree.
            let file_cb = crate::load_codebook(path)?;
            let ids: Vec<String> = file_cb.codes.iter().map(|c| c.id.clone()).collect();
            let choice = store
                .approve_codebook_file(
                    &file_cb.name,
                    &file_cb.to_json(),
                    &file_cb.content_hash(),
                    &ids,
                )
                .with_context(|| format!("approving codebook {}", path.display()))?;
            let cb = if choice.version == choice.root_version {
                file_cb
            } else {
                Codebook::from_stored_json(
                    &choice.body,
                    &format!("codebook version {}", choice.version),
                )?
            };
            Ok((choice.version, cb, choice.note))
        }
        None => {
            let (v, body) = store.codebook_in_use()?.context(
                "no codebook: pass --codebook FILE or run `autocode codebook approve FILE`",
            )?;
            let cb = serde_json::from_str::<Codebook>(&body)
                .with_context(|| format!("codebook version {v} in the store"))?;
            Ok((v, cb, None))
        }
    }
}

/// Labelled items the classifier trains on, owned.
#[derive(Debug, Clone, Default)]
pub struct TrainingData {
    pub embeddings: Vec<Vec<f32>>,
    pub texts: Vec<String>,
    /// items × codes (codebook order).
    pub labels: Vec<Vec<Label>>,
    pub groups: Vec<String>,
    /// The stored sentence of each item (`None`: a codebook example).
    pub segment_ids: Vec<Option<i64>>,
    /// The embeddings of the sentences before and after each item in its
    /// turn and of the question the turn answers ([`classify::Context`];
    /// `None` for a codebook example).
    pub context: Vec<[Option<Vec<f32>>; 3]>,
    /// What identifies the training data (texts or text hashes with their labels).
    pub identity: String,
    /// Reviewers' memos among the written rows ([`memo_reasons`]).
    pub memo_reasons: usize,
    /// Texts of sentences with a memo alone ([`memo_held_texts`]): not
    /// for the zero-shot corpus.
    pub memo_held: BTreeSet<String>,
}

impl TrainingData {
    pub fn as_set(&self) -> classify::TrainingSet<'_> {
        self.subset(|_| true)
    }

    /// The items for which `keep` holds, as a training set.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> classify::TrainingSet<'_> {
        let idx: Vec<usize> = (0..self.labels.len()).filter(|&i| keep(i)).collect();
        classify::TrainingSet {
            embeddings: idx.iter().map(|&i| self.embeddings[i].as_slice()).collect(),
            texts: idx.iter().map(|&i| self.texts[i].as_str()).collect(),
            labels: idx.iter().map(|&i| self.labels[i].clone()).collect(),
            groups: idx.iter().map(|&i| self.groups[i].clone()).collect(),
            context: idx.iter().map(|&i| self.context_of(i)).collect(),
        }
    }

    fn context_of(&self, i: usize) -> classify::Context<'_> {
        let [before, after, question] =
            self.context.get(i).map_or([None, None, None], |[b, a, q]| {
                [b.as_deref(), a.as_deref(), q.as_deref()]
            });
        classify::Context {
            before,
            after,
            question,
        }
    }

    /// Hash of codebook, model and training data: with the parameters, the
    /// classifier's fingerprint.
    pub fn hash(&self, codebook: &Codebook, model_key: &str) -> String {
        classify::text_hash(&format!(
            "{}\n{model_key}\n{}",
            codebook.content_hash(),
            self.identity
        ))
    }
}

/// Per stored sentence, what humans said about each code:
/// - a sentence with gold codings is gold-covered: every code not given is
///   No, of the codes the codebook people coded it under had (a code added
///   since was not judged there: Unknown, as the report reads it);
/// - a human or gold coding makes its code Yes, and, read under the
///   codebook version it was made under
///   ([`report::data::CodebookHistory::coding_above`]), the codes above it
///   then where its code is gone (a code split or dropped since: its old
///   parent is still a Yes); a gold coding of a code moved since leaves
///   the codes it was moved from Unknown;
/// - a review decision on a code sets Yes/No (a No never overrides a coded Yes
///   unless the decision is a No), a No judging the codes below the code as
///   the codebook of its day had them
///   ([`report::data::CodebookHistory::absent_below`]); a "no code
///   applies" decision makes every still-unknown code No.
///
/// The report reads people's judgements the same way (`report::data`).
/// Before, every judgement was read with the codebook being coded: the
/// sentences coded with a code split since were learnt as not its old
/// parent (h12/01), and a "no" to a code as a "no" to a code moved under
/// it since, over a reviewer's accept of it (h12/02).
///
/// Codes outside the codebook are ignored.
pub fn stored_labels(
    store: &Store,
    codebook: &Codebook,
) -> anyhow::Result<BTreeMap<i64, Vec<Label>>> {
    let history = report::data::CodebookHistory::load(store, codebook)?;
    let k = codebook.codes.len();
    let index: BTreeMap<&str, usize> = codebook
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut labels: BTreeMap<i64, Vec<Label>> = BTreeMap::new();
    let coverage = store.gold_coverage_segments()?;
    let mut judged_by_version = BTreeMap::new();
    for (v, codes) in store.gold_coverage_codebooks(&coverage)? {
        let row: Vec<Label> = codebook
            .codes
            .iter()
            .map(|c| {
                if codes.contains(&c.id) {
                    Label::No
                } else {
                    Label::Unknown
                }
            })
            .collect();
        judged_by_version.insert(v, row);
    }
    for s in &store.gold_segments()? {
        let row = coverage
            .get(s)
            .copied()
            .flatten()
            .and_then(|v| judged_by_version.get(&v))
            .cloned()
            .unwrap_or_else(|| vec![Label::No; k]);
        labels.insert(*s, row);
    }
    let people_codings: Vec<(store::CodingRecord, report::data::AboveThen)> = store
        .codings()?
        .into_iter()
        .filter(|c| matches!(c.source.as_str(), "human" | "gold"))
        .map(|c| {
            let above = history.coding_above(&c.code_id, c.codebook_version);
            (c, above)
        })
        .collect();
    // What a gold coding no longer says: its coverage's No is not the
    // gold's word on a code it gave then (Unknown), before any Yes.
    for (h, above) in people_codings.iter().filter(|(h, _)| h.source == "gold") {
        if let Some(row) = labels.get_mut(&h.segment_id) {
            for c in above.unjudged.iter().filter_map(|u| index.get(u.as_str())) {
                if row[*c] == Label::No {
                    row[*c] = Label::Unknown;
                }
            }
        }
    }
    for (h, above) in &people_codings {
        let given = std::iter::once(&h.code_id).chain(&above.given);
        for &c in given.filter_map(|code| index.get(code.as_str())) {
            labels
                .entry(h.segment_id)
                .or_insert_with(|| vec![Label::Unknown; k])[c] = Label::Yes;
        }
    }
    // Every reviewer's current judgements in decision order: the latest
    // judgement of a code on a sentence stands, whoever made it, as the
    // report counts it (`report::data`, `apply_review`). Before, one
    // reviewer's No beat another's later Yes and a Yes beat a later "no
    // code", so what `code` learnt from two reviewers depended on how their
    // names sorted.
    let mut judged = store.review_labels()?;
    // Within one decision (a recode), its "absent" before its "given": a
    // recode from a parent to its child judges the parent's children
    // absent and then gives the child.
    judged.sort_by_key(|r| (r.decided_by, r.applies));
    // A "no code" judged the codes of its day: one first in a codebook
    // after it (a theme accepted as a code) is no label of it.
    let first_seen = store.code_first_seen()?;
    let decided_at: BTreeMap<i64, (String, Option<i64>)> = store
        .reviews()?
        .into_iter()
        .map(|r| (r.id, (r.created_at, r.codebook_version)))
        .collect();
    let decided = |review: i64| {
        decided_at
            .get(&review)
            .map(|(at, version)| report::data::Decided::new(at, *version))
    };
    // Blind reviewers' judgements stand side by side, their union given
    // (`store::BlindUnion`, as the report counts them).
    let mut votes: BTreeMap<(i64, usize), store::BlindUnion> = BTreeMap::new();
    for r in judged {
        let row = labels
            .entry(r.segment_id)
            .or_insert_with(|| vec![Label::Unknown; k]);
        let mut judge = |c: usize, applies: bool| {
            let v = votes.entry((r.segment_id, c)).or_default();
            v.judge(&r.reviewer, applies, r.blind);
            if v.given().unwrap_or(applies) {
                Label::Yes
            } else {
                Label::No
            }
        };
        match &r.code_id {
            Some(code) => {
                if let Some(&c) = index.get(code.as_str()) {
                    row[c] = judge(c, r.applies);
                    // A code judged absent is absent below it too: a
                    // child is its parent's code. Before, a rejected
                    // parent's children (a code split into two since)
                    // stayed unlabelled and the machine gave them back
                    // (hr/04). Below it as the codebook of the decision's
                    // day had it (h12/02).
                    if !r.applies {
                        let at =
                            decided(r.decided_by).unwrap_or(report::data::Decided::new("", None));
                        for d in history.absent_below(code, at) {
                            if let Some(&d) = index.get(d.as_str()) {
                                row[d] = judge(d, false);
                            }
                        }
                    }
                }
            }
            // "No code": every code the sentence has is absent, until a
            // later judgement gives one; a code added since is not judged
            // by it, unless a code above it was there to judge (a child
            // is its parent's code, and the parent was judged absent).
            // Before 2026-12-07 the codes above a new code were unjudged
            // too, so one sub-code added anywhere reopened its parent on
            // every "no code" sentence (hr/01).
            None => {
                let added = decided(r.decided_by)
                    .map(|at| history.codes_after(at, &first_seen))
                    .unwrap_or_default();
                let later = report::data::unjudged_by_no_code(codebook, added);
                for (c, (l, code)) in row.iter_mut().zip(&codebook.codes).enumerate() {
                    if !later.contains(&code.id) {
                        *l = judge(c, false);
                    }
                }
            }
        }
    }
    Ok(labels)
}

/// Words a memo needs to count as a reviewer's reason ([`memo_reasons`]):
/// "ok" or "not sure" names nothing the code is about.
pub const MIN_REASON_WORDS: usize = 3;

/// Memos as evidence, not labels (issue #15). A memo written with a
/// decision is the reviewer's reason for it ("she means the cameras on her
/// street"), and it says what the decided code is about as a codebook's
/// examples and exclusion criteria do: it becomes a written training row of
/// that code, Yes for an accept, an add and a recode's new code, No for a
/// reject, a recode's old code and the suggestion a "no code" turns down.
/// Like the codebook's own rows ([`classify::CODEBOOK_GROUP`]) it trains in
/// every inner fold, is never scored for calibration and counts towards no
/// floor, so a memo never makes a code supervised and never moves a
/// threshold. Rationales as evidence follow Zaidan, Eisner & Piatko (2007),
/// "Using annotator rationales to improve machine learning for text
/// categorization".
///
/// A reason counts only while its decision stands: the reviewer's current
/// judgement (`current`, [`Store::review_labels`]) of that code on that
/// sentence must still say the same, so a decision taken back takes its
/// reason with it, and no later decision may have overruled it
/// ([`store::StandingJudgements`] over `reviews`, folded as training folds
/// them: another reviewer's correction made seeing it, without `--blind`,
/// or a "no" to a code above it when that "no" was said, `history`'s
/// [`report::data::CodebookHistory::absent_below`]). Before, another reviewer's correction
/// left the reason training its code against the sentence's own label
/// (h2/03). Memos under [`MIN_REASON_WORDS`] words, codes outside
/// the codebook and repeated (text, labels) rows are left out. A memo
/// alone (decision `memo`) judges nothing: it trains nothing, and its
/// sentence is held out of the corpus's pseudo-labels ([`memo_held_texts`]).
/// Rows in review order, codebook order within one.
pub fn memo_reasons(
    reviews: &[store::ReviewRecord],
    current: &[store::ReviewLabel],
    codebook: &Codebook,
    history: &report::data::CodebookHistory,
) -> Vec<(String, Vec<Label>)> {
    let index: BTreeMap<&str, usize> = codebook
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let judged: BTreeMap<(&str, i64, Option<&str>), bool> = current
        .iter()
        .map(|l| {
            (
                (l.reviewer.as_str(), l.segment_id, l.code_id.as_deref()),
                l.applies,
            )
        })
        .collect();
    // Decision → the codes below the code it says no to, as its day's
    // codebook had them: a "no" to a code is a "no" to them.
    let below: BTreeMap<i64, BTreeSet<String>> = reviews
        .iter()
        .filter(|r| matches!(r.decision.as_str(), "reject" | "recode"))
        .filter_map(|r| {
            let code = r.code_id.as_deref()?;
            let decided = report::data::Decided::new(&r.created_at, r.codebook_version);
            Some((r.id, history.absent_below(code, decided)))
        })
        .collect();
    let standing = store::StandingJudgements::new(reviews).with_absent_below(below);
    // Does the reviewer still judge `code` on the sentence as `applies`,
    // and does that judgement still stand? A "no code" judgement answers
    // No for every code it has not since been given.
    let stands = |r: &store::ReviewRecord, seg: i64, code: &str, applies: bool| {
        let own = match judged.get(&(r.reviewer.as_str(), seg, Some(code))) {
            Some(&a) => a == applies,
            None => !applies && judged.get(&(r.reviewer.as_str(), seg, None)) == Some(&false),
        };
        own && standing.standing(&r.reviewer, seg, code) == Some(applies)
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for r in reviews {
        let (Some(seg), Some(memo)) = (r.segment_id, r.memo.as_deref()) else {
            continue;
        };
        let memo = memo.trim();
        if memo.split_whitespace().count() < MIN_REASON_WORDS {
            continue;
        }
        let said: Vec<(Option<&str>, bool)> = match store::Decision::parse(&r.decision) {
            Some(store::Decision::Accept) => vec![(r.code_id.as_deref(), true)],
            Some(store::Decision::Reject) | Some(store::Decision::None) => {
                vec![(r.code_id.as_deref(), false)]
            }
            Some(store::Decision::Recode) => vec![
                (r.code_id.as_deref(), false),
                (r.new_code_id.as_deref(), true),
            ],
            Some(store::Decision::Add) => vec![(r.new_code_id.as_deref(), true)],
            Some(store::Decision::Memo) | None => continue,
        };
        let mut row = vec![Label::Unknown; codebook.codes.len()];
        for (code, applies) in said {
            let Some(code) = code else { continue };
            if let Some(&c) = index.get(code) {
                if stands(r, seg, code, applies) {
                    row[c] = if applies { Label::Yes } else { Label::No };
                }
            }
        }
        if row.iter().any(|l| *l != Label::Unknown)
            && seen.insert((memo.to_string(), format!("{row:?}")))
        {
            out.push((memo.to_string(), row));
        }
    }
    out
}

/// The text hashes of sentences a reviewer wrote a memo alone on (decision
/// `memo`): a person stopped at them without deciding, so they are no sure
/// example for the machine to label itself, and the zero-shot corpus
/// ([`zero_shot_corpus`]) leaves them out. What is decided on them trains as
/// any review does.
pub fn memo_held_texts(reviews: &[store::ReviewRecord]) -> BTreeSet<String> {
    reviews
        .iter()
        .filter(|r| store::Decision::parse(&r.decision) == Some(store::Decision::Memo))
        .map(|r| r.text_hash.clone())
        .collect()
}

/// Each spoken participant sentence's [`classify::Context`]: the
/// sentences just before and after it in its turn (minimal responses
/// among them, as in a gold file of every participant sentence, which
/// `eval code` reads the same way, `classify::context::gold_neighbours`).
/// Moderators' sentences and sentences without a speaker (written text)
/// have none. A neighbour without a vector counts as none. `questions`
/// ([`segment_questions`] of the same `segments`) gives each its question.
pub fn segment_contexts<'a>(
    segments: &[StoredSegment],
    embeddings: &'a HashMap<i64, Vec<f32>>,
    questions: &'a classify::context::Questions,
) -> HashMap<i64, classify::Context<'a>> {
    let (participant, question): (Vec<&StoredSegment>, Vec<Option<&[f32]>>) = segments
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_moderator && s.speaker.is_some())
        .map(|(i, s)| (s, questions.get(i)))
        .unzip();
    let keys: Vec<(Option<(&str, i64)>, i64)> = participant
        .iter()
        .map(|s| (Some((s.document.as_str(), s.turn_index)), s.sentence_index))
        .collect();
    let vector =
        |j: Option<usize>| j.and_then(|j| embeddings.get(&participant[j].id).map(Vec::as_slice));
    classify::context::neighbours(&keys)
        .into_iter()
        .zip(participant.iter().zip(question))
        .map(|((before, after), (s, question))| {
            (
                s.id,
                classify::Context {
                    before: vector(before),
                    after: vector(after),
                    question,
                },
            )
        })
        .collect()
}

/// Sentences that are a respondent's whole answer to a survey question:
/// the one sentence of a participant's only turn after a turn by
/// [`corpus::formats::QUESTION_SPEAKER`] (a survey's question as ingest
/// writes it, answered by several; or a transcript's `Q:` that asks, with
/// a question mark, `?` or another script's) and before the next
/// moderator's turn, unless it declines to answer
/// ([`corpus::non_answer::is_non_answer`]). Such an answer is deliberate, never a
/// backchannel: "Yes, a lot." to "Has working from home been lonely?" has
/// no content word, and as a minimal response it was neither coded nor
/// counted (a code's 21 respondents reported as 17). `code`, `report` and
/// the review page skip minimal responses but these.
pub fn whole_answers(segments: &[StoredSegment]) -> std::collections::HashSet<i64> {
    let mut order: Vec<&StoredSegment> = segments.iter().collect();
    order.sort_by(|a, b| {
        (&a.document, a.turn_index, a.sentence_index).cmp(&(
            &b.document,
            b.turn_index,
            b.sentence_index,
        ))
    });
    let turns: Vec<&[&StoredSegment]> = order
        .chunk_by(|a, b| a.document == b.document && a.turn_index == b.turn_index)
        .collect();
    let mut out = std::collections::HashSet::new();
    // Each stretch of participant turns after a moderator's turn, in its
    // document: a `Q` turn's stretch holds its answers (a wide survey's
    // every respondent, one turn each).
    let mut k = 0;
    while k < turns.len() {
        let asker = turns[k][0];
        let mut end = k + 1;
        while end < turns.len()
            && turns[end][0].document == asker.document
            && !turns[end][0].is_moderator
        {
            end += 1;
        }
        let asked = asker.is_moderator
            && asker.speaker.as_deref() == Some(corpus::formats::QUESTION_SPEAKER);
        if asked {
            let stretch = &turns[k + 1..end];
            let mut by_speaker: HashMap<Option<&str>, usize> = HashMap::new();
            for t in stretch {
                *by_speaker.entry(t[0].speaker.as_deref()).or_default() += 1;
            }
            // A survey's question is answered by its respondents, several;
            // a Q/A transcript's `Q:` by one, and then only where it asks
            // ("Q: So you had a routine." "A: Mm-hm." is a backchannel).
            let asks = turns[k]
                .iter()
                .any(|q| corpus::sentences::holds_question_mark(&q.text));
            if by_speaker.len() < 2 && !asks {
                k = end;
                continue;
            }
            for t in stretch {
                let [answer] = t else { continue };
                if by_speaker[&answer.speaker.as_deref()] == 1
                    && !corpus::non_answer::is_non_answer(&answer.text)
                {
                    out.insert(answer.id);
                }
            }
        }
        k = end.max(k + 1);
    }
    out
}

/// The words of the interviewers' names (moderators labelled by a name,
/// `Adam Stacoviak`, not by a role, `Interviewer`), lower case: what the
/// minimal-response rule does not count as content
/// ([`themes::SpokenParams::beside`]), so a participant's "Thanks so much,
/// Adam." is not coded. `code`, `themes`, `report` and the review page
/// read the same words from the same segments.
pub fn interviewer_names(segments: &[StoredSegment]) -> BTreeSet<String> {
    names_of_interviewers(
        segments
            .iter()
            .filter(|s| s.is_moderator)
            .filter_map(|s| s.speaker.as_deref()),
    )
}

/// The names a corpus's speakers go by, none of them a content word
/// ([`themes::SpokenParams::beside`]): the interviewers' ([`names_of_interviewers`]
/// of `moderator_labels`) and the participants' (the same words of their
/// speaker labels), but a participant's name word the participants also
/// say in lower case ("hope", "will", "grace" said as words, not names),
/// which stays a word. In a focus group "I agree with Chloe." and "Same as
/// Chloe really." were content, clustered into a theme labelled with the
/// group's names, while "Yeah, I agree." was a minimal response (hZ/01).
pub fn speaker_names<'a>(
    moderator_labels: impl IntoIterator<Item = &'a str>,
    participants: &[&StoredSegment],
) -> BTreeSet<String> {
    let mut names = names_of_interviewers(moderator_labels);
    let labels: BTreeSet<&str> = participants
        .iter()
        .filter_map(|s| s.speaker.as_deref())
        .collect();
    let mut candidates = names_of_interviewers(labels);
    candidates.retain(|w| !names.contains(w));
    // Only the candidates are looked for: a name word said in lower case
    // stays a word. No participant name (generic labels): nothing to read.
    let mut said_lower: BTreeSet<String> = BTreeSet::new();
    if !candidates.is_empty() {
        for s in participants {
            for t in themes::spoken::tokens(&s.text) {
                if t.chars().next().is_some_and(char::is_lowercase) {
                    let w = themes::spoken::word(t);
                    if candidates.contains(&w) {
                        said_lower.insert(w);
                    }
                }
            }
        }
    }
    names.extend(candidates.into_iter().filter(|w| !said_lower.contains(w)));
    names
}

/// [`speaker_names`] of `segments` (moderators' and participants').
pub fn names_in(segments: &[StoredSegment]) -> BTreeSet<String> {
    let participants: Vec<&StoredSegment> = segments.iter().filter(|s| !s.is_moderator).collect();
    speaker_names(
        segments
            .iter()
            .filter(|s| s.is_moderator)
            .filter_map(|s| s.speaker.as_deref()),
        &participants,
    )
}

/// [`interviewer_names`] of the moderators' speaker labels `labels`.
pub fn names_of_interviewers<'a>(labels: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let labels: BTreeSet<&str> = labels.into_iter().collect();
    labels
        .into_iter()
        .filter(|l| {
            corpus::resolve::label_role(l, false) == corpus::resolve::SpeakerRole::Named
                && l.chars().next().is_some_and(char::is_uppercase)
        })
        .flat_map(|l| themes::spoken::words(l).collect::<Vec<_>>())
        .filter(|w| w.chars().count() >= 2 && !w.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// The question each stored sentence's turn answers
/// ([`classify::context::questions`], in `segments`' order): the
/// moderator's last turn before it in its document that says something
/// (`spoken`'s minimal-response rule), as the normalised mean of that
/// turn's substantive sentences' vectors. Written text (no speaker) has none.
pub fn segment_questions(
    segments: &[StoredSegment],
    embeddings: &HashMap<i64, Vec<f32>>,
    spoken: &themes::SpokenParams,
) -> classify::context::Questions {
    let units: Vec<classify::context::Spoken<&str>> = segments
        .iter()
        .map(|s| classify::context::Spoken {
            doc: s.speaker.as_ref().map(|_| s.document.as_str()),
            turn: s.turn_index,
            sentence: s.sentence_index,
            moderator: s.is_moderator,
            substantive: !spoken.is_minimal(&s.text),
        })
        .collect();
    classify::context::Questions::new(&classify::context::questions(&units), |j| {
        embeddings.get(&segments[j].id).map(Vec::as_slice)
    })
}

/// The training set: the codebook's examples (Yes) and counter-examples
/// (No) for their code and the reviewers' reasons ([`memo_reasons`]), all
/// written rows, then every stored sentence with labels
/// ([`stored_labels`]) that has a vector, grouped by document, each with
/// its context (`contexts`, [`segment_contexts`]).
pub fn training_set(
    store: &Store,
    codebook: &Codebook,
    encoder: &dyn Encoder,
    segments: &HashMap<i64, &StoredSegment>,
    embeddings: &HashMap<i64, Vec<f32>>,
    contexts: &HashMap<i64, classify::Context<'_>>,
) -> anyhow::Result<TrainingData> {
    let labels = stored_labels(store, codebook)?;
    let reviews = store.reviews()?;
    let history = report::data::CodebookHistory::load(store, codebook)?;
    let reasons = memo_reasons(&reviews, &store.review_labels()?, codebook, &history);
    let memo_reasons = reasons.len();
    let (ex_texts, ex_labels): (Vec<String>, Vec<Vec<Label>>) = classify::codebook_rows(codebook)
        .into_iter()
        .chain(reasons)
        .unzip();
    let ex_refs: Vec<&str> = ex_texts.iter().map(|s| s.as_str()).collect();
    let ex_emb = if ex_refs.is_empty() {
        Vec::new()
    } else {
        encoder.encode(&ex_refs)?.vectors
    };
    let mut out = TrainingData {
        memo_reasons,
        memo_held: memo_held_texts(&reviews),
        ..Default::default()
    };
    for ((t, row), e) in ex_texts.into_iter().zip(ex_labels).zip(ex_emb) {
        out.identity.push_str(&format!("ex\t{t}\t{row:?}\n"));
        out.embeddings.push(e);
        out.texts.push(t);
        out.labels.push(row);
        out.groups.push(classify::CODEBOOK_GROUP.into());
        out.segment_ids.push(None);
        out.context.push([None, None, None]);
    }
    // In transcript order (document, turn, sentence), not by row id: ids
    // depend on the order documents were stored in, and four shards merged
    // number them otherwise than one run. The fit and its fingerprint are
    // then the same for the same sentences and labels (before, a merged
    // project's codings named another classifier than an unsharded run's).
    let mut labels: Vec<(i64, Vec<Label>)> = labels.into_iter().collect();
    labels.sort_by_cached_key(|(sid, _)| {
        segments
            .get(sid)
            .map(|s| (s.document.clone(), s.turn_index, s.sentence_index))
    });
    for (sid, row) in labels {
        let (Some(seg), Some(e)) = (segments.get(&sid), embeddings.get(&sid)) else {
            continue;
        };
        let ctx = contexts.get(&sid).copied().unwrap_or_default();
        // A sentence's neighbours and question are part of what the model
        // learns from it.
        let around = [ctx.before, ctx.after, ctx.question].map(|v| {
            v.map_or(String::new(), |v| {
                classify::text_hash(&format!("{v:?}"))[..16].to_string()
            })
        });
        if ctx == classify::Context::default() {
            out.identity
                .push_str(&format!("{}\t{:?}\n", seg.text_hash, row));
        } else if ctx.question.is_none() {
            out.identity.push_str(&format!(
                "{}\t{:?}\t{}\t{}\n",
                seg.text_hash, row, around[0], around[1]
            ));
        } else {
            out.identity.push_str(&format!(
                "{}\t{:?}\t{}\t{}\t{}\n",
                seg.text_hash, row, around[0], around[1], around[2]
            ));
        }
        out.context.push([
            ctx.before.map(<[f32]>::to_vec),
            ctx.after.map(<[f32]>::to_vec),
            ctx.question.map(<[f32]>::to_vec),
        ]);
        out.embeddings.push(e.clone());
        out.texts.push(seg.text.clone());
        out.labels.push(row);
        out.groups.push(seg.document.clone());
        out.segment_ids.push(Some(sid));
    }
    Ok(out)
}

/// Embeds the prototype texts of every code (definition, criteria, examples).
/// Sentences at most in the zero-shot corpus: the pseudo-labels were tuned
/// on OPP-115 dev's training folds (about 2,400 sentences), and every code
/// model trains on the whole corpus, so a project of 100k sentences would
/// otherwise make `code` train on all of them, for each cross-fitting fold.
pub const ZERO_SHOT_CORPUS_MAX: usize = 5000;

/// The unlabelled sentences the zero-shot fallback draws pseudo-labels from.
pub struct ZeroShotCorpus<'a> {
    pub set: classify::TrainingSet<'a>,
    /// Hash of the sentences and their pseudo-labels (part of the
    /// classifier's fingerprint).
    pub identity: String,
}

/// Meta key of the corpus sample the zero-shot fallback draws its
/// pseudo-labels from ([`ZeroShotSample`]).
pub const ZERO_SHOT_SAMPLE_META: &str = "zero_shot_sample";

/// The sample is drawn again once the corpus's distinct texts outnumber
/// those it was drawn from by more than this share.
pub const ZERO_SHOT_SAMPLE_GROWTH: f64 = 0.1;

/// The corpus sample of the last draw: its members' text hashes and how
/// many distinct texts the corpus had then. Kept in the store so that a
/// nightly run that adds a few documents pseudo-labels the same sentences,
/// gets the same classifier (loaded, not fitted again: the store's
/// classifier cache) and codes only the new sentences, rather than a
/// classifier refitted on a sample 1% different that recodes every
/// sentence (docs/classify.md, "The corpus sample between runs").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZeroShotSample {
    pub distinct: usize,
    pub hashes: Vec<String>,
}

/// The participant sentences with an embedding the zero-shot fallback
/// draws pseudo-labels from, one per distinct text, at most
/// [`ZERO_SHOT_CORPUS_MAX`] of them: those with the smallest text hashes, a
/// sample that is random with respect to content and that keeps its
/// members when documents are added (bottom-k sampling). `kept`, the last
/// draw, is used instead while every member is still in the corpus and the
/// corpus has grown by at most [`ZERO_SHOT_SAMPLE_GROWTH`] since. Returns
/// the sample's sentences, the sample, and whether it is `kept`'s.
pub fn zero_shot_sample<'a>(
    segments: &[&'a StoredSegment],
    embeddings: &HashMap<i64, Vec<f32>>,
    kept: Option<&ZeroShotSample>,
) -> (Vec<&'a StoredSegment>, ZeroShotSample, bool) {
    // One copy of each text: the first by document name and place, not by
    // row id. Two people who say the same sentence have different
    // neighbours, questions and documents, so the copy kept sets its
    // pseudo-labels; by row id it was the one stored first, and a sharded
    // run merged, or the files listed in another order, coded differently
    // (3 → 4 participants for a code).
    let mut by_hash: BTreeMap<&str, &StoredSegment> = BTreeMap::new();
    fn place(s: &StoredSegment) -> (&str, i64, i64) {
        (s.document.as_str(), s.start_char, s.end_char)
    }
    for s in segments.iter().filter(|s| embeddings.contains_key(&s.id)) {
        let kept = by_hash.entry(s.text_hash.as_str()).or_insert(s);
        if place(s) < place(kept) {
            *kept = s;
        }
    }
    let distinct = by_hash.len();
    if let Some(k) = kept.filter(|k| {
        k.hashes.len() <= ZERO_SHOT_CORPUS_MAX
            && !k.hashes.is_empty()
            && distinct as f64 <= k.distinct as f64 * (1.0 + ZERO_SHOT_SAMPLE_GROWTH)
            && k.hashes.iter().all(|h| by_hash.contains_key(h.as_str()))
    }) {
        let picked = k.hashes.iter().map(|h| by_hash[h.as_str()]).collect();
        return (picked, k.clone(), true);
    }
    let picked: Vec<&StoredSegment> = by_hash.into_values().take(ZERO_SHOT_CORPUS_MAX).collect();
    let sample = ZeroShotSample {
        distinct,
        hashes: picked.iter().map(|s| s.text_hash.clone()).collect(),
    };
    (picked, sample, false)
}

/// The pseudo-labelled training set of the sample `picked`
/// ([`zero_shot_sample`]). `None` when it is empty.
pub fn zero_shot_corpus<'a>(
    cb: &Codebook,
    protos: &[Vec<Vec<f32>>],
    picked: &[&'a StoredSegment],
    embeddings: &'a HashMap<i64, Vec<f32>>,
    contexts: &HashMap<i64, classify::Context<'a>>,
) -> Option<ZeroShotCorpus<'a>> {
    if picked.is_empty() {
        return None;
    }
    let context: Vec<classify::Context<'a>> = picked
        .iter()
        .map(|s| contexts.get(&s.id).copied().unwrap_or_default())
        .collect();
    let set = classify::zeroshot::pseudo_labelled(
        cb,
        protos,
        &picked
            .iter()
            .map(|s| embeddings[&s.id].as_slice())
            .collect::<Vec<_>>(),
        &picked.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
        &picked
            .iter()
            .map(|s| s.document.clone())
            .collect::<Vec<_>>(),
        &context,
        &classify::zeroshot::PseudoLabelParams::default(),
    );
    let mut rows = String::new();
    for ((s, labels), ctx) in picked.iter().zip(&set.labels).zip(&context) {
        rows.push_str(&s.text_hash);
        rows.extend(labels.iter().map(|l| match l {
            Label::Yes => '+',
            Label::No => '-',
            Label::Unknown => '?',
        }));
        // What the sentence was read with (its neighbours and question):
        // the pseudo-labelled codes learn from it too.
        if *ctx != classify::Context::default() {
            let mut bytes = Vec::new();
            for v in [ctx.before, ctx.after, ctx.question] {
                bytes.extend(v.map_or(0u32, |v| v.len() as u32).to_le_bytes());
                bytes.extend(v.into_iter().flatten().flat_map(|x| x.to_le_bytes()));
            }
            rows.push('\t');
            rows.push_str(&corpus::content_hash(&bytes)[..16]);
        }
        rows.push('\n');
    }
    Some(ZeroShotCorpus {
        set,
        identity: classify::text_hash(&rows),
    })
}

pub fn prototypes(enc: &dyn Encoder, cb: &Codebook) -> anyhow::Result<Vec<Vec<Vec<f32>>>> {
    classify::prototype_texts(cb)
        .iter()
        .map(|texts| {
            let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            Ok(enc.encode(&refs)?.vectors)
        })
        .collect()
}

/// Codes every participant sentence the current classifier has not coded,
/// a transaction per chunk, and counts what the machine assigned. A run
/// that approves `--codebook` and then fails leaves the codebook in use
/// as it was ([`store::Store::restore_codebook_approval`]).
pub fn code(project: &mut Project, opts: &CodeOptions) -> anyhow::Result<CodeSummary> {
    let before = match &opts.codebook {
        Some(_) => Some(project.store().codebook_approval()?),
        None => None,
    };
    let out = code_with_codebook(project, opts);
    if let (Err(_), Some(before)) = (&out, &before) {
        if let Err(e) = project.store_mut().restore_codebook_approval(before) {
            tracing::warn!("could not restore the codebook in use after the failure: {e:#}");
        }
    }
    out
}

fn code_with_codebook(project: &mut Project, opts: &CodeOptions) -> anyhow::Result<CodeSummary> {
    let ready_model = project.loaded_model();
    let store = project.store_mut();
    let (cb_version, cb, codebook_note) = choose_codebook(store, opts.codebook.as_deref())?;
    if opts.import_gold.is_none() && (opts.random_sample.is_some() || opts.audit_only) {
        bail!("--random-sample and --audit-only describe an --import-gold file: give one");
    }
    let only_units = if opts.audit_only {
        let Some(sample) = store.audit_sample()? else {
            bail!("--audit-only: no audit sample drawn yet: run `autocode audit draw` first");
        };
        let unit = AuditUnit::parse(&sample.unit).ok_or_else(|| {
            anyhow::anyhow!("audit sample {}: unknown unit {:?}", sample.id, sample.unit)
        })?;
        Some((unit, sample.units.into_iter().collect::<BTreeSet<String>>()))
    } else {
        None
    };
    let gold = match &opts.import_gold {
        Some(path) => Some(import_gold(
            store,
            &cb,
            cb_version,
            path,
            only_units.as_ref(),
        )?),
        None => None,
    };
    let audit = match opts.random_sample {
        Some(unit) => Some(crate::audit::declare_imported(store, unit)?),
        None => None,
    };
    // The codebook's texts are embedded once and kept: a run whose
    // codebook did not change loads no model (crate::text_vectors).
    let enc = crate::text_vectors::StageEncoder::for_project(
        store,
        opts.model.as_deref(),
        crate::text_vectors::CODEBOOK_KIND,
    )?
    .with_ready(ready_model);
    let model_key = enc.model_key().to_string();
    let seg_emb: HashMap<i64, Vec<f32>> = store
        .segment_embeddings(&model_key, false)?
        .into_iter()
        .collect();
    opts.spoken.check()?;
    let segments = store.segments(false)?;
    // Minimal responses are decided from the text, as the themes stage does.
    let participant_all = segments.iter().filter(|s| !s.is_moderator).count();
    let names = names_in(&segments);
    let spoken = opts.spoken.beside(&names);
    let answers = whole_answers(&segments);
    let participant_segments: Vec<&StoredSegment> = segments
        .iter()
        .filter(|s| !s.is_moderator && (answers.contains(&s.id) || !spoken.skips(&s.text)))
        .collect();
    let skipped_minimal = participant_all - participant_segments.len();
    if participant_segments
        .iter()
        .all(|s| !seg_emb.contains_key(&s.id))
        && !participant_segments.is_empty()
    {
        // The gold is stored by then (its own transaction): say so, or the
        // analyst reads the error as nothing having happened.
        let stored = gold
            .as_ref()
            .map(|g| {
                format!(
                    "; the gold of {} is stored ({} codings on {} sentences), and a report counts it",
                    g.path.display(),
                    g.codings,
                    g.sentences
                )
            })
            .unwrap_or_default();
        bail!(
            "no sentence has an embedding from model {model_key}: run `autocode embed` first, then `autocode code`{stored}"
        );
    }
    let seg_by_id: HashMap<i64, &StoredSegment> = segments.iter().map(|s| (s.id, s)).collect();

    let questions = segment_questions(&segments, &seg_emb, &opts.spoken);
    let contexts = segment_contexts(&segments, &seg_emb, &questions);
    let with_question = participant_segments
        .iter()
        .filter(|s| contexts.get(&s.id).is_some_and(|c| c.question.is_some()))
        .count();
    let train = training_set(store, &cb, &enc.on(store), &seg_by_id, &seg_emb, &contexts)?;
    let memo_held = &train.memo_held;
    let memo_held_sentences = participant_segments
        .iter()
        .filter(|s| memo_held.contains(&s.text_hash))
        .count();
    let params = classify::ClassifierParams {
        mode: opts.mode,
        min_positives: opts.min_positives,
        ..Default::default()
    };
    let protos = prototypes(&enc.on(store), &cb)?;
    enc.keep(store)?;
    let valid = params.clone().check()?;
    // Codes short of human examples learn from the corpus's pseudo-labels
    // rather than from the prototype prior (`classify::zeroshot`; on
    // OPP-115 with no labels, κ 0.179 → 0.338, docs/classify.md).
    let mut sample_kept = false;
    let corpus = if opts.mode == Mode::Supervised {
        None
    } else {
        let unheld: Vec<&StoredSegment> = participant_segments
            .iter()
            .filter(|s| !memo_held.contains(&s.text_hash))
            .copied()
            .collect();
        let kept: Option<ZeroShotSample> = store
            .meta(ZERO_SHOT_SAMPLE_META)?
            .and_then(|v| serde_json::from_str(&v).ok());
        let (picked, sample, was_kept) = zero_shot_sample(&unheld, &seg_emb, kept.as_ref());
        sample_kept = was_kept;
        if !was_kept && !picked.is_empty() {
            store.set_meta(ZERO_SHOT_SAMPLE_META, &serde_json::to_string(&sample)?)?;
        }
        zero_shot_corpus(&cb, &protos, &picked, &seg_emb, &contexts)
    };
    let fit = |set: &classify::TrainingSet<'_>| match &corpus {
        Some(c) => classify::zeroshot::fit_with_corpus(&valid, &cb, &protos, set, &c.set),
        None => valid.fit(&cb, &protos, set),
    };

    // With an audit sample, every unit with labels is predicted by a model
    // trained without that unit (cross-fitting, Zrnic & Candès 2024), so the
    // human-minus-machine correction the report measures on audited units is
    // not flattered by the model having seen them.
    // Without one, the units with human labels (a gold import not drawn
    // at random, reviews) are still each coded by a model that did not
    // see them, so that the report's machine-vs-people agreement is
    // agreement, not the fit to its own training labels (hn/02: κ 1.000
    // against a colleague's gold the classifier learnt, 0.740 held out).
    // The unit is the participant (a survey is one document), and only
    // those units take the fold models' predictions: the rest keep the
    // full model's, as no correction is measured on them.
    let sample = store.audit_sample()?;
    let cross_predict_unlabelled = sample.is_some();
    let crossfit_unit = match &sample {
        Some(s) => AuditUnit::parse(&s.unit),
        None => Some(AuditUnit::Participant),
    };
    let mut fold_of: HashMap<i64, usize> = HashMap::new();
    let mut crossfit = None;
    let mut unit_of_item: Vec<Option<String>> = Vec::new();
    let mut fold_by_unit: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(unit) = crossfit_unit {
        unit_of_item = train
            .segment_ids
            .iter()
            .map(|sid| sid.and_then(|id| seg_by_id.get(&id)).map(|s| unit.key(s)))
            .collect();
        let labelled: Vec<String> = unit_of_item
            .iter()
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if labelled.len() >= 2 {
            let folds = CROSSFIT_FOLDS.min(labelled.len());
            fold_by_unit = crate::audit::shuffled(&labelled, CROSSFIT_SEED)
                .into_iter()
                .enumerate()
                .map(|(i, k)| (k, i % folds))
                .collect();
            for s in &participant_segments {
                if let Some(&f) = fold_by_unit.get(&unit.key(s)) {
                    fold_of.insert(s.id, f);
                }
            }
            crossfit = Some(CrossFit {
                unit,
                units: labelled.len(),
                folds,
            });
        }
    }

    // The fit is a function of the training data, the corpus sample with
    // its pseudo-labels, the cross-fitting folds and the parameters: a run
    // with all four unchanged (a nightly that adds documents and no
    // review) loads the classifier the last fit saved.
    let mut training_hash = match &crossfit {
        Some(c) => classify::text_hash(&format!(
            "{}\ncrossfit-mean {} {}",
            train.hash(&cb, &model_key),
            c.unit.as_str(),
            c.folds
        )),
        None => train.hash(&cb, &model_key),
    };
    // The build's version too: a new release may fit the same data
    // differently, and its first run fits again.
    let cache_key = params.fingerprint(&classify::text_hash(&format!(
        "autocode {}\n{training_hash}\ncorpus {}\nfolds {}",
        env!("CARGO_PKG_VERSION"),
        corpus.as_ref().map_or("", |c| c.identity.as_str()),
        fold_by_unit
            .iter()
            .map(|(k, f)| format!("{k}\t{f}"))
            .collect::<Vec<_>>()
            .join("\n")
    )));
    let cached: Option<CachedFit> = store
        .cached_classifier(&cache_key)?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|c: &CachedFit| c.folds.len() == crossfit.as_ref().map_or(0, |c| c.folds));
    let classifier_loaded = cached.is_some();
    let (clf, fold_models) = match cached {
        Some(c) => (c.classifier, c.folds),
        None => {
            let clf = fit(&train.as_set())?;
            let mut fold_models = Vec::new();
            for f in 0..crossfit.as_ref().map_or(0, |c| c.folds) {
                let subset = train.subset(|i| {
                    unit_of_item[i]
                        .as_ref()
                        .is_none_or(|k| fold_by_unit[k] != f)
                });
                fold_models.push(fit(&subset)?);
            }
            let fitted = CachedFit {
                classifier: clf,
                folds: fold_models,
            };
            store.put_cached_classifier(&cache_key, &serde_json::to_vec(&fitted)?)?;
            (fitted.classifier, fitted.folds)
        }
    };
    // A model that learnt from the corpus changes when the corpus does.
    if let Some(c) = corpus
        .as_ref()
        .filter(|_| clf.codes.iter().any(|m| m.pseudo_labelled))
    {
        training_hash = classify::text_hash(&format!("{training_hash}\ncorpus {}", c.identity));
    }
    let fingerprint = params.fingerprint(&training_hash);
    // Before the classifier's record is written: the report reads that
    // record as "a classifier ran" (a failed run wrote it, and a project
    // of people's codings then read as model-only zeros).
    if opts.mode == Mode::Supervised && !clf.codes.iter().any(|c| c.is_supervised()) {
        bail!(
            "--mode supervised: no code has {} human-coded positives and negatives",
            opts.min_positives
        );
    }
    store.set_meta(
        CALIBRATION_META,
        &serde_json::to_string(&CalibrationRecord {
            classifier: fingerprint.clone(),
            uncalibrated: clf
                .codes
                .iter()
                .filter(|c| !c.is_calibrated())
                .map(|c| c.code_id.clone())
                .collect(),
        })?,
    )?;
    let models = clf
        .codes
        .iter()
        .map(|c| CodeModelNote {
            code_id: c.code_id.clone(),
            note: c.note.clone(),
            threshold: c.threshold,
        })
        .collect();

    // Code what this classifier has not coded yet, a transaction per chunk.
    let coder = format!(
        "autocode/{}",
        fingerprint.split('-').next().unwrap_or("auto")
    );
    let run = store::CodingRun {
        codebook_version: cb_version,
        model_key: &model_key,
        classifier: &fingerprint,
        coder: &coder,
    };
    let done = store.coded_segments(&run)?;
    // What declines to answer is coded with no code, not predicted.
    let declining = uncode_non_answers(store, &run, &participant_segments)?;
    let todo: Vec<&StoredSegment> = participant_segments
        .iter()
        .copied()
        .filter(|s| {
            !done.contains(&s.id) && seg_emb.contains_key(&s.id) && !declining.contains(&s.id)
        })
        .collect();
    let mut coded = declining.iter().filter(|id| !done.contains(id)).count();
    for chunk in todo.chunks(CHUNK) {
        let emb: Vec<&[f32]> = chunk.iter().map(|s| seg_emb[&s.id].as_slice()).collect();
        let texts: Vec<&str> = chunk.iter().map(|s| s.text.as_str()).collect();
        let ctx: Vec<classify::Context> = chunk
            .iter()
            .map(|s| contexts.get(&s.id).copied().unwrap_or_default())
            .collect();
        let mut pred = clf.predict_in_context(&emb, Some(&texts), &ctx)?;
        // Cross-prediction (Zrnic & Candès 2024): a unit without labels gets
        // the mean of the fold models' probabilities, so the report's
        // correction, measured on audited units each predicted by its own
        // fold's model, is the bias of the same models it corrects. Before,
        // such units got the model trained on every label: with a dozen
        // audited participants it can differ from the fold models in kind
        // (a code supervised in the full fit, zero-shot in the folds), and
        // the "95%" intervals of the demo's rare codes held the truth 89%
        // of the time in a seeded run of the whole workflow. Whether the
        // machine codes a sentence (`assigned`) stays the full model's.
        let unlabelled: Vec<usize> = (0..chunk.len())
            .filter(|&j| !fold_of.contains_key(&chunk[j].id))
            .collect();
        if cross_predict_unlabelled && !unlabelled.is_empty() {
            let e: Vec<&[f32]> = unlabelled.iter().map(|&j| emb[j]).collect();
            let t: Vec<&str> = unlabelled.iter().map(|&j| texts[j]).collect();
            let c: Vec<classify::Context> = unlabelled.iter().map(|&j| ctx[j]).collect();
            if let Some(mean) =
                classify::Classifier::mean_probabilities(&fold_models, &e, Some(&t), &c)?
            {
                for (row, &j) in mean.into_iter().zip(&unlabelled) {
                    pred.probabilities[j] = row;
                }
            }
        }
        for (f, model) in fold_models.iter().enumerate() {
            let idx: Vec<usize> = (0..chunk.len())
                .filter(|&j| fold_of.get(&chunk[j].id) == Some(&f))
                .collect();
            if idx.is_empty() {
                continue;
            }
            let e: Vec<&[f32]> = idx.iter().map(|&j| emb[j]).collect();
            let t: Vec<&str> = idx.iter().map(|&j| texts[j]).collect();
            let c: Vec<classify::Context> = idx.iter().map(|&j| ctx[j]).collect();
            let p = model.predict_in_context(&e, Some(&t), &c)?;
            for (r, &j) in idx.iter().enumerate() {
                pred.probabilities[j] = p.probabilities[r].clone();
                pred.assigned[j] = p.assigned[r].clone();
            }
        }
        let mut rows = Vec::new();
        for (j, s) in chunk.iter().enumerate() {
            for (c, code) in cb.codes.iter().enumerate() {
                rows.push(store::MachineCoding {
                    segment_id: s.id,
                    code_id: code.id.clone(),
                    confidence: pred.probabilities[j][c] as f64,
                    assigned: pred.assigned[j][c],
                });
            }
        }
        let ids: Vec<i64> = chunk.iter().map(|s| s.id).collect();
        store.put_machine_codings(&run, &ids, &rows)?;
        coded += chunk.len();
    }
    let missing_embeddings = participant_segments
        .iter()
        .filter(|s| !seg_emb.contains_key(&s.id) && !declining.contains(&s.id))
        .count();

    // Per code: sentences and participants with the code assigned by the machine.
    let expected = match &opts.expected {
        Some(p) => report::read_compare(p)?,
        None => BTreeMap::new(),
    };
    let mut sentences: BTreeMap<&str, usize> = BTreeMap::new();
    let mut people: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // A category is never assigned itself: its row rolls up the sentences
    // of the codes below it, each once, as the report counts a parent.
    let all_ancestors = cb.all_ancestors();
    let mut category_sentences: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    let assigned = store.machine_assignments()?;
    let counted: BTreeSet<i64> = participant_segments.iter().map(|s| s.id).collect();
    for (sid, code) in &assigned {
        let Some(c) = cb.index_of(code) else {
            continue;
        };
        // Codings a run under another minimal-response rule left on a
        // sentence this rule skips are not counted.
        if !counted.contains(sid) {
            continue;
        }
        let id = cb.codes[c].id.as_str();
        *sentences.entry(id).or_default() += 1;
        let participant = seg_by_id.get(sid).and_then(|s| s.participant_id.as_deref());
        if let Some(p) = participant {
            people.entry(id).or_default().insert(p);
        }
        for &a in &all_ancestors[c] {
            let category = &cb.codes[a];
            if category.codable {
                continue;
            }
            category_sentences
                .entry(category.id.as_str())
                .or_default()
                .insert(*sid);
            if let Some(p) = participant {
                people.entry(category.id.as_str()).or_default().insert(p);
            }
        }
    }
    for (id, sids) in &category_sentences {
        sentences.insert(id, sids.len());
    }
    let codes = cb
        .codes
        .iter()
        .zip(&clf.codes)
        .map(|(code, m)| CodeRow {
            code: code.id.clone(),
            name: code.name.clone(),
            parent: code.parent.clone(),
            model: if !code.codable {
                "category (codes below it)"
            } else if m.pseudo_labelled {
                "zero-shot (pseudo-labels)"
            } else if m.is_supervised() {
                "supervised"
            } else {
                "zero-shot"
            },
            calibrated: m.is_calibrated(),
            sentences: sentences.get(code.id.as_str()).copied().unwrap_or(0),
            participants: people.get(code.id.as_str()).map_or(0, |s| s.len()),
            expected: expected_for(&expected, &code.id, &code.name),
        })
        .collect();
    Ok(CodeSummary {
        codebook_version: cb_version,
        codebook_note,
        model_key,
        classifier: fingerprint,
        coded,
        already_coded: done.len(),
        missing_embeddings,
        skipped_minimal,
        with_question,
        memo_reasons: train.memo_reasons,
        memo_held: memo_held_sentences,
        sample_kept,
        classifier_loaded,
        gold,
        audit,
        crossfit,
        expected_given: !expected.is_empty(),
        models,
        codes,
    })
}

/// Marks every sentence of `participant` that declines to answer ("No
/// comment", "Don't know", "See above", "👍":
/// [`corpus::non_answer::is_non_answer`]) coded by `run` with no code, and
/// returns their ids. Such a sentence mentions no code: predicted, the
/// best-code floor (`classify::ClassifierParams::best_code_floor`) gave
/// "No comment" its likeliest code, counted in the report and carried into
/// the .qdpx (h23/01). Every run, so that a run before this rule under the
/// same classifier leaves no coding behind. They stay in the zero-shot
/// sample, whose off-topic negatives hold them (docs/classify.md, "A
/// survey's open answers": without them real answers took their place).
fn uncode_non_answers(
    store: &mut Store,
    run: &store::CodingRun<'_>,
    participant: &[&StoredSegment],
) -> anyhow::Result<std::collections::HashSet<i64>> {
    let declining: Vec<i64> = participant
        .iter()
        .filter(|s| corpus::non_answer::is_non_answer(&s.text))
        .map(|s| s.id)
        .collect();
    if !declining.is_empty() {
        store.put_machine_codings(run, &declining, &[])?;
    }
    Ok(declining.into_iter().collect())
}

/// The expected figure of a code: by id, else by name (as the report matches).
fn expected_for(expected: &BTreeMap<String, f64>, id: &str, name: &str) -> Option<f64> {
    expected.get(id).copied().or_else(|| {
        expected
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name.trim()))
            .map(|(_, v)| *v)
    })
}

/// Imports gold codings, matched by (document, text).
fn import_gold(
    store: &mut Store,
    cb: &Codebook,
    version: i64,
    path: &Path,
    only_units: Option<&(AuditUnit, BTreeSet<String>)>,
) -> anyhow::Result<GoldImport> {
    let items = crate::eval::read_gold(path, Some(cb))?;
    let ids: BTreeSet<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
    for (i, it) in items.iter().enumerate() {
        if let Some(bad) = it.labels.iter().find(|l| !ids.contains(l.as_str())) {
            bail!(
                "{}: item {} ({}): label {bad:?} is not a code of the codebook",
                path.display(),
                i + 1,
                it.id
            );
        }
    }
    // An item is matched to a stored sentence by its document and text;
    // failing that, to a turn whose sentences, joined, are its text (a
    // coder's sheet codes a survey's whole answer, not its sentences), and
    // its codes go to each of them. Texts compare with runs of white space
    // as one space. An item without a document is matched so in whichever
    // one document holds its text.
    let squeeze = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut by_text: HashMap<(String, String), Vec<i64>> = HashMap::new();
    // Per (document, turn): its sentences as (sentence index, id, text).
    type Sentences = Vec<(i64, i64, String)>;
    let mut turns: BTreeMap<(String, i64), Sentences> = BTreeMap::new();
    let mut outside: BTreeSet<i64> = BTreeSet::new();
    // Each sentence's speaker label and participant id, lower case: an
    // item that names its speaker takes that speaker's sentences of its
    // text, not the interviewer's identical "Yeah." beside them.
    let mut spoken_by: HashMap<i64, (String, String)> = HashMap::new();
    for s in store.segments(false)? {
        spoken_by.insert(
            s.id,
            (
                s.speaker
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase(),
                s.participant_id
                    .as_deref()
                    .unwrap_or_default()
                    .to_lowercase(),
            ),
        );
        if let Some((unit, keys)) = only_units {
            if !keys.contains(&unit.key(&s)) {
                outside.insert(s.id);
            }
        }
        by_text
            .entry((s.document.clone(), squeeze(&s.text)))
            .or_default()
            .push(s.id);
        turns
            .entry((s.document.clone(), s.turn_index))
            .or_default()
            .push((s.sentence_index, s.id, s.text));
    }
    let mut by_turn: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for ((doc, _), mut sentences) in turns {
        if sentences.len() < 2 {
            continue;
        }
        sentences.sort();
        let text = squeeze(
            &sentences
                .iter()
                .map(|(_, _, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        by_turn
            .entry((doc, text))
            .or_default()
            .extend(sentences.iter().map(|(_, id, _)| *id));
    }
    // Which documents hold a text, as a sentence and as a turn.
    let documents_of = |index: &HashMap<(String, String), Vec<i64>>| {
        let mut docs: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (d, t) in index.keys() {
            docs.entry(t.clone()).or_default().insert(d.clone());
        }
        docs
    };
    let (sentence_docs, turn_docs) = (documents_of(&by_text), documents_of(&by_turn));
    // A document named as NVivo and ATLAS.ti list them, without folder or
    // extension ("Interview 3" for interviews/Interview 3.docx), or with
    // another case, is the one stored document of that stem.
    let stem = |name: &str| {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
        stem.to_lowercase()
    };
    let documents: BTreeSet<&String> = by_text.keys().map(|(d, _)| d).collect();
    let mut by_stem: HashMap<String, BTreeSet<String>> = HashMap::new();
    for doc in &documents {
        by_stem.entry(stem(doc)).or_default().insert((*doc).clone());
    }
    let stored_document = |d: &str| -> Option<String> {
        if documents.contains(&d.to_string()) {
            return Some(d.to_string());
        }
        let docs = by_stem.get(&stem(d))?;
        (docs.len() == 1).then(|| docs.first().cloned()).flatten()
    };
    let mut labels: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut unmatched = 0;
    let mut unmatched_items = Vec::new();
    for it in &items {
        let text = squeeze(&it.text);
        let doc = match &it.doc {
            Some(d) => stored_document(d),
            None => sentence_docs
                .get(&text)
                .or_else(|| turn_docs.get(&text))
                .filter(|docs| docs.len() == 1)
                .and_then(|docs| docs.first().cloned()),
        };
        let key = doc.map(|d| (d, text));
        let segs = key
            .as_ref()
            .and_then(|k| by_text.get(k).or_else(|| by_turn.get(k)));
        // Of the sentences of this text, the item's speaker's, where the
        // item names one that speaks any of them.
        let segs = segs.map(|segs| -> Vec<i64> {
            let Some(speaker) = it.speaker.as_deref().map(|s| s.trim().to_lowercase()) else {
                return segs.clone();
            };
            let theirs: Vec<i64> = segs
                .iter()
                .copied()
                .filter(|id| {
                    spoken_by.get(id).is_some_and(|(label, participant)| {
                        *label == speaker
                            || *participant == speaker
                            || participant.rsplit('/').next() == Some(speaker.as_str())
                    })
                })
                .collect();
            if theirs.is_empty() {
                segs.clone()
            } else {
                theirs
            }
        });
        match segs {
            Some(segs) => {
                for s in segs.iter().filter(|s| !outside.contains(s)) {
                    labels
                        .entry(*s)
                        .or_default()
                        .extend(it.labels.iter().cloned());
                }
            }
            None => {
                unmatched += 1;
                if unmatched_items.len() < UNMATCHED_SHOWN {
                    let why = match (&it.doc, &key) {
                        (Some(d), None) => format!("no stored document {d:?}"),
                        (None, None) => "its text is in no stored document, or in several".into(),
                        _ => "its document holds no sentence or turn of this text".into(),
                    };
                    unmatched_items.push(format!(
                        "{} ({why}): {:?}",
                        it.id,
                        corpus_snippet(&it.text)
                    ));
                }
            }
        }
    }
    let n = store.import_gold_codings("gold", Some(version), &labels)?;
    Ok(GoldImport {
        path: path.to_path_buf(),
        sentences: labels.len(),
        codings: n,
        unmatched,
        unmatched_items,
    })
}

/// The first 60 characters of a text, for naming it in a message.
fn corpus_snippet(text: &str) -> String {
    let t: String = text.chars().take(60).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(id: i64, text: &str) -> StoredSegment {
        StoredSegment {
            id,
            document: format!("d{}", id % 3),
            speaker: Some("Ann".into()),
            participant_id: Some("P1".into()),
            is_moderator: false,
            turn_index: id,
            sentence_index: 0,
            start_char: 0,
            end_char: text.chars().count() as i64,
            start_ms: None,
            end_ms: None,
            text: text.into(),
            text_hash: corpus::content_hash(text.as_bytes()),
        }
    }

    /// The participants' names are no content words, like the
    /// interviewer's, but a name they also say as a word (hZ/01).
    #[test]
    fn speakers_names_are_no_content_words_unless_said_as_words() {
        let said = |id: i64, speaker: &str, moderator: bool, text: &str| StoredSegment {
            speaker: Some(speaker.into()),
            is_moderator: moderator,
            ..segment(id, text)
        };
        let segments = [
            said(1, "Sarah Khan", true, "What do you think?"),
            said(2, "Chloe", false, "The buses are late."),
            said(3, "Linda", false, "I agree with Chloe."),
            said(4, "Hope", false, "I hope the buses come."),
            said(5, "Speaker 3", false, "Same as Linda, really."),
        ];
        let names = names_in(&segments);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["chloe", "khan", "linda", "sarah"]);
        let spoken = themes::SpokenParams::default();
        let no_names = BTreeSet::new();
        let rule = spoken.beside(&no_names);
        assert!(!rule.is_minimal("I agree with Chloe."), "content before");
        let names = names_in(&segments);
        let rule = spoken.beside(&names);
        assert!(rule.is_minimal("I agree with Chloe."));
        assert!(rule.is_minimal("Same as Linda, really."));
        assert!(!rule.is_minimal("I hope the buses come."));
    }

    /// A turn's sentences are each other's neighbours in sentence order;
    /// the next turn's are not, a moderator's sentence has none, written
    /// text (no speaker) has none, and a neighbour without a vector counts
    /// as none.
    #[test]
    fn segment_contexts_follow_the_transcript_and_skip_moderators() {
        let at = |id: i64, turn: i64, sentence: i64| StoredSegment {
            document: "t.txt".into(),
            turn_index: turn,
            sentence_index: sentence,
            ..segment(id, &format!("s{id}"))
        };
        let said_by_moderator = |id: i64, turn: i64, text: &str| StoredSegment {
            is_moderator: true,
            text: text.into(),
            ..at(id, turn, 0)
        };
        let mut written = at(6, 9, 0);
        written.document = "w.txt".into();
        written.speaker = None;
        // Stored out of order on purpose.
        let segments = vec![
            at(3, 3, 0),
            at(1, 1, 0),
            said_by_moderator(4, 2, "How do you keep in touch with the team?"),
            at(2, 1, 1),
            at(5, 3, 1),
            written,
            said_by_moderator(7, 4, "Mm-hmm."),
            at(8, 5, 0),
        ];
        let vectors: HashMap<i64, Vec<f32>> = [1, 2, 3, 4, 6, 7, 8]
            .into_iter()
            .map(|id| (id, vec![id as f32, 0.0]))
            .collect();
        let questions = segment_questions(&segments, &vectors, &themes::SpokenParams::default());
        let c = segment_contexts(&segments, &vectors, &questions);
        let id_of = |v: Option<&[f32]>| v.map(|v| v[0] as i64);
        let around = |id: i64| (id_of(c[&id].before), id_of(c[&id].after));
        assert_eq!(around(1), (None, Some(2)));
        // Turn 3 is another turn (after the moderator's question).
        assert_eq!(around(2), (Some(1), None));
        // Sentence 5 has no vector: 3 has no neighbour after it.
        assert_eq!(around(3), (None, None));
        assert_eq!(around(5), (Some(3), None));
        assert!(!c.contains_key(&4) && !c.contains_key(&6) && !c.contains_key(&7));
        // The question each turn answers (normalised): none before the
        // first; "Mm-hmm." does not replace it.
        let question = |id: i64| c[&id].question.map(<[f32]>::to_vec);
        assert_eq!(question(1), None);
        assert_eq!(question(3), Some(vec![1.0, 0.0]));
        assert_eq!(question(5), Some(vec![1.0, 0.0]));
        assert_eq!(question(8), Some(vec![1.0, 0.0]));
    }

    #[test]
    fn the_zero_shot_corpus_is_one_row_per_text_in_text_hash_order() {
        let cb = classify::parse_codebook(
            "codes:\n- id: cost\n  name: Cost\n  definition: money\n- id: access\n  name: Access\n  definition: getting there\n",
            "t",
            classify::CodebookFormat::Yaml,
        )
        .unwrap();
        let protos = vec![vec![vec![1.0f32, 0.0]], vec![vec![0.0f32, 1.0]]];
        let texts = [
            "It costs too much.",
            "The bus is far.",
            "It costs too much.",
            "Cheap.",
        ];
        let segments: Vec<StoredSegment> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| segment(i as i64 + 1, t))
            .collect();
        let refs: Vec<&StoredSegment> = segments.iter().collect();
        // Sentence 4 has no embedding: it is left out.
        let embeddings: HashMap<i64, Vec<f32>> = [
            (1, vec![0.9f32, 0.1]),
            (2, vec![0.1, 0.9]),
            (3, vec![0.9, 0.1]),
        ]
        .into_iter()
        .collect();
        let (picked, sample, kept) = zero_shot_sample(&refs, &embeddings, None);
        assert!(!kept);
        assert_eq!(sample.distinct, 2);
        let corpus = zero_shot_corpus(&cb, &protos, &picked, &embeddings, &HashMap::new()).unwrap();
        let mut expected: Vec<(&str, &str)> = segments[..2]
            .iter()
            .map(|s| (s.text_hash.as_str(), s.text.as_str()))
            .collect();
        expected.sort();
        let got: Vec<&str> = corpus.set.texts.clone();
        assert_eq!(got, expected.iter().map(|e| e.1).collect::<Vec<_>>());
        assert_eq!(corpus.set.labels.len(), 2);
        assert_eq!(corpus.identity.len(), 64);
        // The same sentences give the same identity; none gives no corpus.
        let again = zero_shot_corpus(&cb, &protos, &picked, &embeddings, &HashMap::new()).unwrap();
        assert_eq!(again.identity, corpus.identity);
        assert!(zero_shot_corpus(&cb, &protos, &[], &embeddings, &HashMap::new()).is_none());
        let (none, _, _) = zero_shot_sample(&refs[3..], &embeddings, None);
        assert!(none.is_empty());
    }

    /// hW/04: a one-sentence answer to a survey question is a whole
    /// answer; two sentences, an interviewer's prompt or a mark of no
    /// answer are not.
    #[test]
    fn a_survey_respondents_one_sentence_answer_is_a_whole_answer() {
        let at = |id: i64,
                  doc: &str,
                  speaker: &str,
                  moderator: bool,
                  turn: i64,
                  sentence: i64,
                  text: &str| {
            StoredSegment {
                document: doc.into(),
                speaker: Some(speaker.into()),
                is_moderator: moderator,
                turn_index: turn,
                sentence_index: sentence,
                ..segment(id, text)
            }
        };
        let segments = vec![
            at(
                1,
                "s.csv",
                "Q",
                true,
                0,
                0,
                "Has working from home been lonely?",
            ),
            at(2, "s.csv", "R1", false, 1, 0, "Yes, a lot."),
            at(3, "s.csv", "R2", false, 2, 0, "Yes."),
            at(4, "s.csv", "Q", true, 3, 0, "Anything else?"),
            at(5, "s.csv", "R1", false, 4, 0, "N/A"),
            at(6, "s.csv", "Q", true, 5, 0, "What helps?"),
            at(7, "s.csv", "R1", false, 6, 0, "Yeah."),
            at(8, "s.csv", "R1", false, 6, 1, "Walks at lunch."),
            at(9, "i.txt", "Interviewer", true, 0, 0, "Was it lonely?"),
            at(10, "i.txt", "Ann", false, 1, 0, "Yeah."),
        ];
        let answers = whole_answers(&segments);
        let mut got: Vec<i64> = answers.into_iter().collect();
        got.sort();
        // R1's and R2's answers to the first question; not "N/A", not a
        // sentence of a longer answer, not an answer to an interviewer's
        // prompt (no `Q`).
        assert_eq!(got, [2, 3]);
        // A `Q:` that asks nothing, answered by one: a backchannel.
        let prompt = vec![
            at(21, "i.txt", "Q", true, 0, 0, "So you had a routine."),
            at(22, "i.txt", "A", false, 1, 0, "Mm-hm."),
            at(23, "i.txt", "Q", true, 2, 0, "Did it help?"),
            at(24, "i.txt", "A", false, 3, 0, "Yes, a lot."),
        ];
        let got: Vec<i64> = whole_answers(&prompt).into_iter().collect();
        assert_eq!(got, [24]);
        // A speaker with two turns after the question is in a discussion.
        let mut talk = segments[..3].to_vec();
        talk.push(at(11, "s.csv", "R1", false, 3, 0, "Yes."));
        assert!(whole_answers(&talk).contains(&3));
        assert!(!whole_answers(&talk).contains(&2));
    }

    /// h23/01: a sentence that declines to answer ("No comment.",
    /// "Don't know", "See above", "👍") is coded with no code, and a
    /// coding an earlier run of the same classifier stored on it is taken
    /// off; the answers beside it keep theirs.
    #[test]
    fn a_sentence_that_declines_to_answer_is_never_machine_coded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(
            &path,
            "Ann: No comment. The parking is awful.\nBen: Don't know.\nCat: See above.\nDan: 👍\n",
        )
        .unwrap();
        let people = corpus::Participants::default();
        let docs = corpus::read_file(&path, "a.txt", &Default::default(), &people.index()).unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        store.put_document(&docs[0]).unwrap();
        let segments = store.segments(false).unwrap();
        let texts: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "No comment.",
                "The parking is awful.",
                "Don't know.",
                "See above.",
                "👍"
            ]
        );
        let run = store::CodingRun {
            codebook_version: 1,
            model_key: "m",
            classifier: "c",
            coder: "autocode/c",
        };
        // As the best-code floor coded them before (h23/01).
        let ids: Vec<i64> = segments.iter().map(|s| s.id).collect();
        let rows: Vec<store::MachineCoding> = ids
            .iter()
            .map(|&id| store::MachineCoding {
                segment_id: id,
                code_id: "parking".into(),
                confidence: 0.4,
                assigned: true,
            })
            .collect();
        store.put_machine_codings(&run, &ids, &rows).unwrap();
        let participant: Vec<&StoredSegment> = segments.iter().collect();
        let declining = uncode_non_answers(&mut store, &run, &participant).unwrap();
        let mut got: Vec<i64> = declining.into_iter().collect();
        got.sort();
        assert_eq!(got, [ids[0], ids[2], ids[3], ids[4]]);
        assert_eq!(
            store.machine_assignments().unwrap(),
            [(ids[1], "parking".to_string())]
        );
        // Coded by this run, all of them: nothing is left to predict.
        assert_eq!(
            store.coded_segments(&run).unwrap(),
            ids.iter().copied().collect::<BTreeSet<i64>>()
        );
        // Nor are they a survey's whole answers.
        let asked =
            |id: i64, speaker: &str, moderator: bool, turn: i64, text: &str| StoredSegment {
                document: "s.csv".into(),
                speaker: Some(speaker.into()),
                is_moderator: moderator,
                turn_index: turn,
                ..segment(id, text)
            };
        let survey = vec![
            asked(1, "Q", true, 0, "What could we improve?"),
            asked(2, "R1", false, 1, "Parking."),
            asked(3, "R2", false, 2, "Don't know"),
            asked(4, "R3", false, 3, "Same as previous answer"),
            asked(5, "R4", false, 4, "xxx"),
        ];
        assert_eq!(whole_answers(&survey).into_iter().collect::<Vec<_>>(), [2]);
    }

    /// A `Q:` that asks with a full-width or an Arabic question mark asks
    /// (hunt h4/03): the one answer to it is whole, not a backchannel.
    #[test]
    fn a_q_that_asks_in_another_script_is_answered_whole() {
        let at = |id: i64, speaker: &str, moderator: bool, turn: i64, text: &str| StoredSegment {
            document: "i.txt".into(),
            speaker: Some(speaker.into()),
            is_moderator: moderator,
            turn_index: turn,
            ..segment(id, text)
        };
        let talk = vec![
            at(1, "Q", true, 0, "您觉得孤独吗？"),
            at(2, "A", false, 1, "是的。"),
            at(3, "Q", true, 2, "هل كان العمل صعبا؟"),
            at(4, "A", false, 3, "نعم."),
            at(5, "Q", true, 4, "所以你有规律。"),
            at(6, "A", false, 5, "嗯。"),
        ];
        let mut got: Vec<i64> = whole_answers(&talk).into_iter().collect();
        got.sort();
        assert_eq!(got, [2, 4]);
    }

    /// Of a sentence said twice, the sample keeps the copy first by
    /// document and place, whichever was stored first (hV/02: a sharded
    /// run merged stored them in another order and coded differently).
    #[test]
    fn a_repeated_sentence_is_sampled_by_place_not_row_id() {
        let mut early = segment(1, "That was the worst part for me.");
        early.document = "p04.txt".into();
        let mut late = segment(9, "That was the worst part for me.");
        late.document = "p01.txt".into();
        let embeddings: HashMap<i64, Vec<f32>> = [(1, vec![1.0f32, 0.0]), (9, vec![0.0, 1.0])]
            .into_iter()
            .collect();
        for order in [vec![&early, &late], vec![&late, &early]] {
            let (picked, sample, _) = zero_shot_sample(&order, &embeddings, None);
            assert_eq!(sample.distinct, 1);
            assert_eq!(picked[0].document, "p01.txt");
        }
    }

    /// The last run's sample is kept while all its members are in the corpus
    /// and the corpus has grown by at most a tenth; else it is drawn again.
    #[test]
    fn the_corpus_sample_is_kept_until_the_corpus_grows_by_a_tenth() {
        let segments: Vec<StoredSegment> = (0..40)
            .map(|i| segment(i as i64 + 1, &format!("Sentence number {i}.")))
            .collect();
        let embeddings: HashMap<i64, Vec<f32>> =
            (1..=40).map(|i| (i as i64, vec![1.0f32, 0.0])).collect();
        let refs: Vec<&StoredSegment> = segments.iter().collect();
        let (_, first, _) = zero_shot_sample(&refs[..30], &embeddings, None);
        assert_eq!(first.distinct, 30);
        // Three more (10%): the same members, though a fresh draw of 33
        // would hold the newcomers.
        let (picked, kept, was_kept) = zero_shot_sample(&refs[..33], &embeddings, Some(&first));
        assert!(was_kept);
        assert_eq!(kept, first);
        assert_eq!(picked.len(), 30);
        assert!(picked.iter().all(|s| s.id <= 30));
        // Four more (13%): drawn again, from all 34.
        let (picked, drawn, was_kept) = zero_shot_sample(&refs[..34], &embeddings, Some(&first));
        assert!(!was_kept);
        assert_eq!(drawn.distinct, 34);
        assert_eq!(picked.len(), 34);
        // A member gone (its document removed): drawn again.
        let (_, drawn, was_kept) = zero_shot_sample(&refs[1..31], &embeddings, Some(&first));
        assert!(!was_kept);
        assert!(!drawn.hashes.contains(&segments[0].text_hash));
    }

    /// A memo with a decision trains as its reason, with the decision's
    /// polarity, while the decision stands; a memo alone, a short one, a
    /// code outside the codebook and a repeat train nothing.
    #[test]
    fn memos_train_as_the_reasons_of_decisions_that_stand() {
        let cb = classify::parse_codebook(
            "codes:\n- id: cost\n  name: Cost\n  definition: money\n- id: access\n  name: Access\n  definition: getting there\n",
            "t",
            classify::CodebookFormat::Yaml,
        )
        .unwrap();
        let review = |id: i64,
                      seg: i64,
                      code: &str,
                      decision: &str,
                      new: Option<&str>,
                      memo: Option<&str>| {
            store::ReviewRecord {
                id,
                segment_id: Some(seg),
                document: "d".into(),
                text_hash: format!("h{seg}"),
                code_id: Some(code.into()),
                decision: decision.into(),
                new_code_id: new.map(String::from),
                reviewer: "rita".into(),
                memo: memo.map(String::from),
                created_at: String::new(),
                blind: false,
                codebook_version: None,
            }
        };
        let judged = |seg: i64, code: Option<&str>, applies: bool| store::ReviewLabel {
            reviewer: "rita".into(),
            segment_id: seg,
            code_id: code.map(String::from),
            applies,
            document: "d".into(),
            text_hash: format!("h{seg}"),
            decided_by: seg,
            blind: false,
        };
        let reviews = vec![
            review(
                1,
                1,
                "cost",
                "accept",
                None,
                Some("tickets are what she pays for"),
            ),
            review(
                2,
                2,
                "cost",
                "reject",
                None,
                Some("the bus being late, no money"),
            ),
            review(
                3,
                3,
                "cost",
                "recode",
                Some("access"),
                Some("about reaching the town centre"),
            ),
            review(4, 4, "cost", "accept", None, Some("fine")),
            // Accepted with a reason, then taken back: the reason goes.
            review(
                5,
                5,
                "access",
                "accept",
                None,
                Some("he cannot get to the stop"),
            ),
            review(6, 5, "access", "reject", None, None),
            // A memo alone judges nothing.
            review(
                7,
                6,
                "access",
                "memo",
                None,
                Some("check this one with the team"),
            ),
            review(
                8,
                7,
                "parking",
                "accept",
                None,
                Some("a code the codebook lost"),
            ),
            // The same reason twice is one row.
            review(
                9,
                8,
                "cost",
                "accept",
                None,
                Some("tickets are what she pays for"),
            ),
            review(
                10,
                9,
                "access",
                "none",
                None,
                Some("small talk about the weather"),
            ),
        ];
        let current = vec![
            judged(1, Some("cost"), true),
            judged(2, Some("cost"), false),
            judged(3, Some("cost"), false),
            judged(3, Some("access"), true),
            judged(4, Some("cost"), true),
            judged(5, Some("access"), false),
            judged(7, Some("parking"), true),
            judged(8, Some("cost"), true),
            judged(9, None, false),
        ];
        use Label::{No, Unknown, Yes};
        assert_eq!(
            memo_reasons(
                &reviews,
                &current,
                &cb,
                &report::data::CodebookHistory::new(&cb)
            ),
            vec![
                (
                    "tickets are what she pays for".to_string(),
                    vec![Yes, Unknown]
                ),
                (
                    "the bus being late, no money".to_string(),
                    vec![No, Unknown]
                ),
                ("about reaching the town centre".to_string(), vec![No, Yes]),
                (
                    "small talk about the weather".to_string(),
                    vec![Unknown, No]
                ),
            ]
        );
        assert_eq!(
            memo_held_texts(&reviews).into_iter().collect::<Vec<_>>(),
            vec!["h6".to_string()]
        );
    }

    /// h12/01, h12/02: people judged under v1, where `isolation` and
    /// `costs` were below `challenges`; v2 splits `isolation` (its id
    /// gone) and moves `costs` under `practicalities`. Training under v2:
    /// the gold's isolation sentence is a challenge (it was learnt as not
    /// one), the gold's costs sentence says nothing of challenges now (it
    /// was a No), and a reviewer's reject of `practicalities` under v1 is
    /// no "no" to `costs`, whose accept stands with its reason (it was
    /// overruled, its sentence a No of costs).
    #[test]
    fn judgements_are_read_under_the_codebook_they_were_made_under() {
        let cb = |pairs: &[(&str, Option<&str>)]| Codebook {
            name: "t".into(),
            codes: pairs
                .iter()
                .map(|(id, parent)| classify::Code {
                    id: id.to_string(),
                    name: id.to_string(),
                    parent: parent.map(String::from),
                    ..Default::default()
                })
                .collect(),
        };
        let v1 = cb(&[
            ("challenges", None),
            ("isolation", Some("challenges")),
            ("costs", Some("challenges")),
            ("practicalities", None),
        ]);
        let v2 = cb(&[
            ("challenges", None),
            ("isolation_feel", Some("challenges")),
            ("practicalities", None),
            ("costs", Some("practicalities")),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(
            &path,
            "Ann: I am alone all day. Rent is high. We use Slack. We put the rent money into payroll software.\n",
        )
        .unwrap();
        let people = corpus::Participants::default();
        let docs = corpus::read_file(&path, "a.txt", &Default::default(), &people.index()).unwrap();
        let mut store = Store::create(dir.path()).unwrap();
        store.put_document(&docs[0]).unwrap();
        let segs: Vec<i64> = store
            .segments(false)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(segs.len(), 4);
        let put_version = |store: &Store, v: i64, at: &str, body: &Codebook| {
            store
                .conn()
                .execute(
                    "INSERT INTO codebooks(version, name, content_hash, body, created_at) VALUES (?1, 't', ?1, ?2, ?3)",
                    (v, body.to_json(), at),
                )
                .unwrap();
        };
        // v1 before the judgements, v2 after them.
        put_version(&store, 1, "2000-01-01T00:00:00Z", &v1);
        let codes = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let gold = BTreeMap::from([
            (segs[0], codes(&["isolation"])),
            (segs[1], codes(&["costs"])),
            (segs[2], codes(&["practicalities"])),
        ]);
        store.put_gold_codings("g", Some(1), &gold).unwrap();
        let memo = "the rent money went on payroll software";
        for (version, decision, code, memo) in [
            (0, store::Decision::Accept, "costs", Some(memo)),
            (1, store::Decision::Reject, "practicalities", None),
        ] {
            let input = store::ReviewInput {
                segment_id: segs[3],
                code_id: Some(code.into()),
                decision,
                new_code_id: None,
                reviewer: "ana".into(),
                memo: memo.map(String::from),
            };
            store.record_review(&input, version, None).unwrap();
        }
        // Stored with a time before the decisions (a clock set back, a
        // store merged from elsewhere): the decisions' recorded version
        // (migration 018) says they were made under v1.
        put_version(&store, 2, "1999-01-01T00:00:00Z", &v2);
        use Label::{No, Unknown, Yes};
        let labels = stored_labels(&store, &v2).unwrap();
        // challenges, isolation_feel, practicalities, costs
        assert_eq!(labels[&segs[0]], vec![Yes, Unknown, No, No]);
        assert_eq!(labels[&segs[1]], vec![Unknown, Unknown, No, Yes]);
        assert_eq!(labels[&segs[2]], vec![No, Unknown, Yes, No]);
        assert_eq!(labels[&segs[3]], vec![Unknown, Unknown, No, Yes]);
        let history = report::data::CodebookHistory::load(&store, &v2).unwrap();
        let reviews = store.reviews().unwrap();
        let current = store.review_labels().unwrap();
        assert_eq!(
            memo_reasons(&reviews, &current, &v2, &history),
            vec![(memo.to_string(), vec![Unknown, Unknown, Unknown, Yes])]
        );
    }

    /// h2/03: ana accepts `boundaries` with a reason; ben, seeing her
    /// decision, rejects it. Her reason no longer stands, as when she takes
    /// the accept back herself; blind, ben's reject overrules no one, and a
    /// seeing accept that agrees leaves her reason. A "no" to the parent is
    /// a "no" to the child, and takes the child's reason with it.
    #[test]
    fn an_overruled_decision_trains_no_reason() {
        let cb = classify::parse_codebook(
            "codes:\n- id: wellbeing\n  name: Wellbeing\n  definition: w\n- id: boundaries\n  name: Boundaries\n  parent: wellbeing\n  definition: b\n",
            "t",
            classify::CodebookFormat::Yaml,
        )
        .unwrap();
        let memo = "working from home blurs her working day";
        let review = |id: i64, reviewer: &str, code: &str, decision: &str, blind: bool| {
            store::ReviewRecord {
                id,
                segment_id: Some(1),
                document: "d".into(),
                text_hash: "h1".into(),
                code_id: Some(code.into()),
                decision: decision.into(),
                new_code_id: None,
                reviewer: reviewer.into(),
                memo: (id == 1).then(|| memo.to_string()),
                created_at: String::new(),
                blind,
                codebook_version: None,
            }
        };
        // Each reviewer's own latest judgement, as `Store::review_labels`
        // derives it.
        let current = |reviews: &[store::ReviewRecord]| {
            let mut latest: BTreeMap<(String, String), store::ReviewLabel> = BTreeMap::new();
            for r in reviews {
                let code = r.code_id.clone().unwrap();
                latest.insert(
                    (r.reviewer.clone(), code.clone()),
                    store::ReviewLabel {
                        reviewer: r.reviewer.clone(),
                        segment_id: 1,
                        code_id: Some(code),
                        applies: r.decision == "accept",
                        document: "d".into(),
                        text_hash: "h1".into(),
                        decided_by: r.id,
                        blind: r.blind,
                    },
                );
            }
            latest.into_values().collect::<Vec<_>>()
        };
        let reasons = |reviews: &[store::ReviewRecord]| {
            memo_reasons(
                reviews,
                &current(reviews),
                &cb,
                &report::data::CodebookHistory::new(&cb),
            )
        };
        use Label::{Unknown, Yes};
        let trained = vec![(memo.to_string(), vec![Unknown, Yes])];
        let accepted = review(1, "ana", "boundaries", "accept", false);
        assert_eq!(reasons(std::slice::from_ref(&accepted)), trained);
        // ben corrects her, seeing her accept: as if she took it back.
        let overruled = [
            accepted.clone(),
            review(2, "ben", "boundaries", "reject", false),
        ];
        assert_eq!(reasons(&overruled), vec![]);
        let taken_back = [
            accepted.clone(),
            review(2, "ana", "boundaries", "reject", false),
        ];
        assert_eq!(reasons(&taken_back), vec![]);
        // Blind, ben's reject stands beside her accept.
        let blind = [
            review(1, "ana", "boundaries", "accept", true),
            review(2, "ben", "boundaries", "reject", true),
        ];
        assert_eq!(reasons(&blind), trained);
        // ben agrees: her reason still stands.
        let agreed = [
            accepted.clone(),
            review(2, "ben", "boundaries", "accept", false),
        ];
        assert_eq!(reasons(&agreed), trained);
        // A "no" to the parent is a "no" to the child.
        let parent_rejected = [accepted, review(2, "ben", "wellbeing", "reject", false)];
        assert_eq!(reasons(&parent_rejected), vec![]);
    }
}
