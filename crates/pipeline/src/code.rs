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
    /// supervised | zero-shot
    pub model: &'static str,
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

/// Gold codings imported before coding.
#[derive(Debug, Clone, Serialize)]
pub struct GoldImport {
    pub path: PathBuf,
    pub sentences: usize,
    pub codings: usize,
    /// Gold lines that match no stored sentence (document + text).
    pub unmatched: usize,
}

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
    pub gold: Option<GoldImport>,
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
            let file_cb = classify::load_codebook(path)?;
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
            let (v, body) = store.latest_codebook()?.context(
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
    /// What identifies the training data (texts or text hashes with their labels).
    pub identity: String,
}

impl TrainingData {
    pub fn as_set(&self) -> classify::TrainingSet<'_> {
        classify::TrainingSet {
            embeddings: self.embeddings.iter().map(Vec::as_slice).collect(),
            texts: self.texts.iter().map(String::as_str).collect(),
            labels: self.labels.clone(),
            groups: self.groups.clone(),
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
/// - a sentence with gold codings is gold-covered: every code not given is No;
/// - a human or gold coding makes its code Yes;
/// - a review decision on a code sets Yes/No (a No never overrides a coded Yes
///   unless the decision is a No), a "no code applies" decision makes every
///   still-unknown code No.
///
/// Codes outside the codebook are ignored.
pub fn stored_labels(
    store: &Store,
    codebook: &Codebook,
) -> anyhow::Result<BTreeMap<i64, Vec<Label>>> {
    let k = codebook.codes.len();
    let index: BTreeMap<&str, usize> = codebook
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut labels: BTreeMap<i64, Vec<Label>> = BTreeMap::new();
    for s in &store.gold_segments()? {
        labels.insert(*s, vec![Label::No; k]);
    }
    for h in store.human_codings()? {
        if let Some(&c) = index.get(h.code_id.as_str()) {
            labels
                .entry(h.segment_id)
                .or_insert_with(|| vec![Label::Unknown; k])[c] = Label::Yes;
        }
    }
    for r in store.review_labels()? {
        let row = labels
            .entry(r.segment_id)
            .or_insert_with(|| vec![Label::Unknown; k]);
        match (&r.code_id, r.applies) {
            (Some(code), applies) => {
                if let Some(&c) = index.get(code.as_str()) {
                    if !applies || row[c] != Label::Yes {
                        row[c] = if applies { Label::Yes } else { Label::No };
                    }
                }
            }
            (None, _) => {
                for l in row.iter_mut().filter(|l| **l == Label::Unknown) {
                    *l = Label::No;
                }
            }
        }
    }
    Ok(labels)
}

/// The training set: the codebook's examples (Yes) and counter-examples
/// (No) for their code, then every stored sentence with labels
/// ([`stored_labels`]) that has a vector, grouped by document.
pub fn training_set(
    store: &Store,
    codebook: &Codebook,
    encoder: &dyn Encoder,
    segments: &HashMap<i64, &StoredSegment>,
    embeddings: &HashMap<i64, Vec<f32>>,
) -> anyhow::Result<TrainingData> {
    let k = codebook.codes.len();
    let labels = stored_labels(store, codebook)?;
    let mut ex_texts: Vec<String> = Vec::new();
    let mut ex_labels: Vec<Vec<Label>> = Vec::new();
    for (c, code) in codebook.codes.iter().enumerate() {
        for (texts, l) in [
            (&code.examples, Label::Yes),
            (&code.counter_examples, Label::No),
        ] {
            for t in texts {
                let mut row = vec![Label::Unknown; k];
                row[c] = l;
                ex_texts.push(t.clone());
                ex_labels.push(row);
            }
        }
    }
    let ex_refs: Vec<&str> = ex_texts.iter().map(|s| s.as_str()).collect();
    let ex_emb = if ex_refs.is_empty() {
        Vec::new()
    } else {
        encoder.encode(&ex_refs)?.vectors
    };
    let mut out = TrainingData::default();
    for ((t, row), e) in ex_texts.into_iter().zip(ex_labels).zip(ex_emb) {
        out.identity.push_str(&format!("ex\t{t}\t{row:?}\n"));
        out.embeddings.push(e);
        out.texts.push(t);
        out.labels.push(row);
        out.groups.push("codebook".into());
    }
    for (sid, row) in labels {
        let (Some(seg), Some(e)) = (segments.get(&sid), embeddings.get(&sid)) else {
            continue;
        };
        out.identity
            .push_str(&format!("{}\t{:?}\n", seg.text_hash, row));
        out.embeddings.push(e.clone());
        out.texts.push(seg.text.clone());
        out.labels.push(row);
        out.groups.push(seg.document.clone());
    }
    Ok(out)
}

/// Embeds the prototype texts of every code (definition, criteria, examples).
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
/// a transaction per chunk, and counts what the machine assigned.
pub fn code(project: &mut Project, opts: &CodeOptions) -> anyhow::Result<CodeSummary> {
    let store = project.store_mut();
    let (cb_version, cb, codebook_note) = choose_codebook(store, opts.codebook.as_deref())?;
    let gold = match &opts.import_gold {
        Some(path) => Some(import_gold(store, &cb, cb_version, path)?),
        None => None,
    };
    let enc = crate::load_model(&crate::model_dir(opts.model.as_deref(), Some(store))?)?;
    let model_key = enc.model_key().to_string();
    let seg_emb: HashMap<i64, Vec<f32>> = store
        .segment_embeddings(&model_key, false)?
        .into_iter()
        .collect();
    opts.spoken.check()?;
    let segments = store.segments(false)?;
    // Minimal responses are decided from the text, as the themes stage does.
    let participant_all = segments.iter().filter(|s| !s.is_moderator).count();
    let participant_segments: Vec<&StoredSegment> = segments
        .iter()
        .filter(|s| !s.is_moderator && !opts.spoken.skips(&s.text))
        .collect();
    let skipped_minimal = participant_all - participant_segments.len();
    if participant_segments
        .iter()
        .all(|s| !seg_emb.contains_key(&s.id))
        && !participant_segments.is_empty()
    {
        bail!("no sentence has an embedding from model {model_key}: run `autocode embed` first");
    }
    let seg_by_id: HashMap<i64, &StoredSegment> = segments.iter().map(|s| (s.id, s)).collect();

    let train = training_set(store, &cb, &enc, &seg_by_id, &seg_emb)?;
    let params = classify::ClassifierParams {
        mode: opts.mode,
        min_positives: opts.min_positives,
        ..Default::default()
    };
    let protos = prototypes(&enc, &cb)?;
    let fingerprint = params.fingerprint(&train.hash(&cb, &model_key));
    let clf = params.clone().check()?.fit(&cb, &protos, &train.as_set())?;
    if opts.mode == Mode::Supervised && !clf.codes.iter().any(|c| c.is_supervised()) {
        bail!(
            "--mode supervised: no code has {} human-coded positives and negatives",
            opts.min_positives
        );
    }
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
    let todo: Vec<&StoredSegment> = participant_segments
        .iter()
        .copied()
        .filter(|s| !done.contains(&s.id) && seg_emb.contains_key(&s.id))
        .collect();
    let mut coded = 0usize;
    for chunk in todo.chunks(CHUNK) {
        let emb: Vec<&[f32]> = chunk.iter().map(|s| seg_emb[&s.id].as_slice()).collect();
        let texts: Vec<&str> = chunk.iter().map(|s| s.text.as_str()).collect();
        let pred = clf.predict(&emb, Some(&texts))?;
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
        .filter(|s| !seg_emb.contains_key(&s.id))
        .count();

    // Per code: sentences and participants with the code assigned by the machine.
    let expected = match &opts.expected {
        Some(p) => report::read_compare(p)?,
        None => BTreeMap::new(),
    };
    let mut sentences: BTreeMap<&str, usize> = BTreeMap::new();
    let mut people: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
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
        if let Some(p) = seg_by_id.get(sid).and_then(|s| s.participant_id.as_deref()) {
            people.entry(id).or_default().insert(p);
        }
    }
    let codes = cb
        .codes
        .iter()
        .zip(&clf.codes)
        .map(|(code, m)| CodeRow {
            code: code.id.clone(),
            name: code.name.clone(),
            parent: code.parent.clone(),
            model: if m.is_supervised() {
                "supervised"
            } else {
                "zero-shot"
            },
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
        gold,
        expected_given: !expected.is_empty(),
        models,
        codes,
    })
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
) -> anyhow::Result<GoldImport> {
    let items = crate::eval::read_gold(path)?;
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
    let mut by_text: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for s in store.segments(false)? {
        by_text
            .entry((s.document.clone(), s.text.clone()))
            .or_default()
            .push(s.id);
    }
    let mut labels: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut unmatched = 0;
    for it in &items {
        let key = (it.doc.clone().unwrap_or_default(), it.text.clone());
        match by_text.get(&key) {
            Some(segs) => {
                for s in segs {
                    labels
                        .entry(*s)
                        .or_default()
                        .extend(it.labels.iter().cloned());
                }
            }
            None => unmatched += 1,
        }
    }
    let n = store.put_gold_codings("gold", Some(version), &labels)?;
    Ok(GoldImport {
        path: path.to_path_buf(),
        sentences: labels.len(),
        codings: n,
        unmatched,
    })
}
