//! `autocode code` (code participant sentences against the approved codebook)
//! and `autocode eval code` (quality against gold codings).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use classify::eval::{EvalOptions, EvalReport, GoldItem, Predictor};
use classify::{Codebook, Label, Mode};
use embed::Encoder;

use super::{Global, Outcome};

#[derive(Args, Debug)]
pub struct CodeArgs {
    /// Model folder (default: the one the last `autocode embed` used, else the default model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Codebook file to approve and use (default: the project's latest approved codebook).
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    /// auto: supervised where a code has enough human codings, else zero-shot.
    #[arg(long, default_value = "auto")]
    pub mode: String,
    /// A code needs this many human-coded positives (and negatives) to be supervised.
    #[arg(long, default_value_t = 8)]
    pub min_positives: usize,
    /// First import gold codings (JSONL: doc, text, labels) as source='gold', matched by document and text.
    #[arg(long)]
    pub import_gold: Option<PathBuf>,
    /// CSV `code,expected`: print the expected participant counts beside ours.
    #[arg(long)]
    pub expected: Option<PathBuf>,
    /// Print the per-code table as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EvalCodeArgs {
    /// Gold codings, JSONL with id, text, labels (and doc, annotator_labels).
    #[arg(long)]
    pub gold: PathBuf,
    /// Train on this file and test on --gold (default: grouped k-fold CV on --gold).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Codebook (autocode YAML/JSON, the shared codebook.json, or .qdc); default: the labels seen.
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Fold groups: doc (no document in both train and test) or id.
    #[arg(long, default_value = "doc")]
    pub group_by: String,
    /// Use only the first N gold items.
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long)]
    pub json: bool,
    /// Probabilities in [lo, hi) count as needing review.
    #[arg(long, default_value = "0.35,0.75")]
    pub review_band: String,
    /// auto | supervised | zero-shot | keyword (baseline).
    #[arg(long, default_value = "auto")]
    pub mode: String,
    /// Features of supervised codes: both (embedding + TF-IDF), embedding, tfidf.
    #[arg(long, default_value = "both")]
    pub features: String,
    /// Learning curve: train on at most N positives per code.
    #[arg(long)]
    pub per_code: Option<usize>,
    #[arg(long, default_value_t = 8)]
    pub min_positives: usize,
    /// Inverse regularisation strength of the logistic regressions.
    #[arg(long, default_value_t = 4.0)]
    pub c: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Embedding cache folder (default: <system temp>/autocode-eval-cache).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Also write the item embeddings (gold order) and fold ids here, as JSON, for baselines.
    #[arg(long)]
    pub dump: Option<PathBuf>,
}

fn parse_mode(s: &str) -> anyhow::Result<Mode> {
    s.parse::<Mode>().map_err(anyhow::Error::msg)
}

fn load_encoder(
    dir: Option<&Path>,
    store: Option<&store::Store>,
) -> anyhow::Result<embed::SentenceTransformer> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => match store.map(|s| s.meta("model_path")).transpose()?.flatten() {
            Some(p) if Path::new(&p).is_dir() => PathBuf::from(p),
            _ => embed::default_model_dir(),
        },
    };
    embed::SentenceTransformer::load(&dir)
        .with_context(|| format!("loading the model in {}", dir.display()))
}

/// Embeds the prototype texts of every code (definition, criteria, examples).
fn prototypes(enc: &dyn Encoder, cb: &Codebook) -> anyhow::Result<Vec<Vec<Vec<f32>>>> {
    classify::prototype_texts(cb)
        .iter()
        .map(|texts| {
            let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
            Ok(enc.encode(&refs)?.vectors)
        })
        .collect()
}

// ---------------------------------------------------------------- code

pub fn run(g: &Global, a: CodeArgs) -> Outcome {
    let mode = parse_mode(&a.mode)?;
    let mut store = super::open_store(g)?;
    let (cb_version, cb) = match &a.codebook {
        Some(path) => {
            let cb = classify::load_codebook(path)?;
            let (v, _) = store.put_codebook(&cb.name, &cb.to_json(), &cb.content_hash())?;
            (v, cb)
        }
        None => {
            let (v, body) = store.latest_codebook()?.context(
                "no codebook: pass --codebook FILE or run `autocode codebook approve FILE`",
            )?;
            (v, serde_json::from_str::<Codebook>(&body)?)
        }
    };
    let mut exit = ExitCode::SUCCESS;
    if let Some(gold) = &a.import_gold {
        let (n_seg, n_codes, unmatched) = import_gold(&mut store, &cb, cb_version, gold)?;
        if !g.quiet {
            eprintln!(
                "gold: {n_seg} sentences, {n_codes} codings imported from {}",
                gold.display()
            );
        }
        if unmatched > 0 {
            eprintln!(
                "gold: {unmatched} lines of {} match no stored sentence (document + text)",
                gold.display()
            );
            exit = ExitCode::from(super::EXIT_PARTIAL);
        }
    }
    let enc = load_encoder(a.model.as_deref(), Some(&store))?;
    let model_key = enc.model_key().to_string();
    let seg_emb: HashMap<i64, Vec<f32>> = store
        .segment_embeddings(&model_key, false)?
        .into_iter()
        .collect();
    let segments = store.segments(false)?;
    let participant_segments: Vec<&store::StoredSegment> =
        segments.iter().filter(|s| !s.is_moderator).collect();
    if participant_segments
        .iter()
        .all(|s| !seg_emb.contains_key(&s.id))
        && !participant_segments.is_empty()
    {
        bail!("no sentence has an embedding from model {model_key}: run `autocode embed` first");
    }

    // Training data: codebook examples, human/gold codings, review decisions.
    let k = cb.codes.len();
    let index: BTreeMap<&str, usize> = cb
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut labels: BTreeMap<i64, Vec<Label>> = BTreeMap::new();
    let gold_segments = store.gold_segments()?;
    for s in &gold_segments {
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
    let seg_by_id: HashMap<i64, &store::StoredSegment> =
        segments.iter().map(|s| (s.id, s)).collect();
    let mut ex_texts: Vec<String> = Vec::new();
    let mut ex_labels: Vec<Vec<Label>> = Vec::new();
    for (c, code) in cb.codes.iter().enumerate() {
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
        enc.encode(&ex_refs)?.vectors
    };
    let mut train = classify::TrainingSet::default();
    let mut hasher_input = String::new();
    for (i, t) in ex_texts.iter().enumerate() {
        train.embeddings.push(&ex_emb[i]);
        train.texts.push(t);
        train.labels.push(ex_labels[i].clone());
        train.groups.push("codebook".into());
        hasher_input.push_str(&format!("ex\t{t}\t{:?}\n", ex_labels[i]));
    }
    for (sid, row) in &labels {
        let (Some(seg), Some(e)) = (seg_by_id.get(sid), seg_emb.get(sid)) else {
            continue;
        };
        train.embeddings.push(e);
        train.texts.push(&seg.text);
        train.labels.push(row.clone());
        train.groups.push(seg.document.clone());
        hasher_input.push_str(&format!("{}\t{:?}\n", seg.text_hash, row));
    }
    let params = classify::ClassifierParams {
        mode,
        min_positives: a.min_positives,
        ..Default::default()
    };
    let protos = prototypes(&enc, &cb)?;
    let training_hash = classify::text_hash(&format!(
        "{}\n{model_key}\n{hasher_input}",
        cb.content_hash()
    ));
    let fingerprint = params.fingerprint(&training_hash);
    let clf = params.clone().check()?.fit(&cb, &protos, &train)?;
    if mode == Mode::Supervised && !clf.codes.iter().any(|c| c.is_supervised()) {
        bail!(
            "--mode supervised: no code has {} human-coded positives and negatives",
            a.min_positives
        );
    }
    if !g.quiet {
        for c in &clf.codes {
            eprintln!(
                "  {:<28} {} (threshold {:.2})",
                c.code_id, c.note, c.threshold
            );
        }
    }

    // Code what this classifier has not coded yet, a transaction per batch.
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
    let todo: Vec<&store::StoredSegment> = participant_segments
        .iter()
        .copied()
        .filter(|s| !done.contains(&s.id) && seg_emb.contains_key(&s.id))
        .collect();
    let mut coded = 0usize;
    for chunk in todo.chunks(5000) {
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
    let missing = participant_segments
        .iter()
        .filter(|s| !seg_emb.contains_key(&s.id))
        .count();
    if missing > 0 {
        eprintln!("{missing} participant sentences have no embedding yet and were not coded (run `autocode embed`)");
    }

    // Per code: sentences and participants with the code assigned (machine rows of this classifier).
    let expected = match &a.expected {
        Some(p) => read_expected(p)?,
        None => BTreeMap::new(),
    };
    let mut sentences: BTreeMap<&str, usize> = BTreeMap::new();
    let mut people: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    {
        let mut stmt = store.conn().prepare(
            "SELECT c.segment_id, c.code_id FROM codings c JOIN segments s ON s.id = c.segment_id
             WHERE c.source = 'machine' AND c.assigned = 1 AND s.is_moderator = 0",
        )?;
        let rows: Vec<(i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (sid, code) in &rows {
            let Some(&c) = index.get(code.as_str()) else {
                continue;
            };
            let id = cb.codes[c].id.as_str();
            *sentences.entry(id).or_default() += 1;
            if let Some(p) = seg_by_id.get(sid).and_then(|s| s.participant_id.as_deref()) {
                people.entry(id).or_default().insert(p);
            }
        }
    }
    let table: Vec<serde_json::Value> = cb
        .codes
        .iter()
        .zip(&clf.codes)
        .map(|(code, m)| {
            serde_json::json!({
                "code": code.id,
                "name": code.name,
                "parent": code.parent,
                "model": if m.is_supervised() { "supervised" } else { "zero-shot" },
                "sentences": sentences.get(code.id.as_str()).copied().unwrap_or(0),
                "participants": people.get(code.id.as_str()).map_or(0, |s| s.len()),
                "expected": expected.get(&code.id),
            })
        })
        .collect();
    if a.json {
        let out = serde_json::json!({
            "codebook_version": cb_version,
            "model_key": model_key,
            "classifier": fingerprint,
            "coded": coded,
            "codes": table,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if !g.quiet {
        println!(
            "coded {coded} sentences (codebook v{cb_version}, {fingerprint}); {} already coded",
            done.len()
        );
        let show_expected = !expected.is_empty();
        println!(
            "{:<28} {:>10} {:>12}{}  model",
            "code",
            "sentences",
            "participants",
            if show_expected { "     study" } else { "" }
        );
        for row in &table {
            let exp = if show_expected {
                format!(
                    "{:>10}",
                    row["expected"]
                        .as_i64()
                        .map_or("-".to_string(), |v| v.to_string())
                )
            } else {
                String::new()
            };
            let depth = row["parent"].is_string() as usize;
            println!(
                "{:<28} {:>10} {:>12}{exp}  {}",
                format!(
                    "{}{}",
                    "  ".repeat(depth),
                    row["code"].as_str().unwrap_or("")
                ),
                row["sentences"],
                row["participants"],
                row["model"].as_str().unwrap_or("")
            );
        }
    }
    Ok(exit)
}

fn read_expected(path: &Path) -> anyhow::Result<BTreeMap<String, i64>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let header = i == 0
            && line
                .split(',')
                .nth(1)
                .is_none_or(|v| v.trim().parse::<i64>().is_err());
        if line.is_empty() || header {
            continue;
        }
        let (code, n) = line
            .split_once(',')
            .with_context(|| format!("{}:{}: expected `code,count`", path.display(), i + 1))?;
        let n: i64 = n.trim().parse().with_context(|| {
            format!(
                "{}:{}: count {:?} is not a number",
                path.display(),
                i + 1,
                n.trim()
            )
        })?;
        out.insert(code.trim().to_string(), n);
    }
    Ok(out)
}

fn read_gold(path: &Path) -> anyhow::Result<Vec<GoldItem>> {
    let f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut item: GoldItem = serde_json::from_str(&line).with_context(|| {
            format!(
                "{}:{}: not a gold item (id, text, labels, doc)",
                path.display(),
                i + 1
            )
        })?;
        if item.id.is_empty() {
            item.id = format!("{}:{}", path.display(), i + 1);
        }
        out.push(item);
    }
    Ok(out)
}

/// Imports gold codings, matched by (document, text). Returns (sentences, codings, unmatched lines).
fn import_gold(
    store: &mut store::Store,
    cb: &Codebook,
    version: i64,
    path: &Path,
) -> anyhow::Result<(usize, usize, usize)> {
    let items = read_gold(path)?;
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
    Ok((labels.len(), n, unmatched))
}

// ---------------------------------------------------------------- eval code

/// Embeddings of texts through a file cache keyed by model and text hash, so
/// repeated evaluations skip the model. Records: 64 hex bytes, then dim f32 LE.
fn cached_embeddings(
    enc: &dyn Encoder,
    texts: &[&str],
    dir: &Path,
    quiet: bool,
) -> anyhow::Result<Vec<Vec<f32>>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key: String = enc
        .model_key()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    let file = dir.join(format!("{key}.f32cache"));
    let dim = enc.dim();
    let mut cache: HashMap<String, Vec<f32>> = HashMap::new();
    if let Ok(bytes) = std::fs::read(&file) {
        let rec = 64 + 4 * dim;
        for r in bytes.chunks_exact(rec) {
            let h = String::from_utf8_lossy(&r[..64]).into_owned();
            cache.insert(h, store::blob_to_vector(&r[64..]));
        }
    }
    let hashes: Vec<String> = texts.iter().map(|t| classify::text_hash(t)).collect();
    let mut missing: Vec<usize> = (0..texts.len())
        .filter(|&i| !cache.contains_key(&hashes[i]))
        .collect();
    missing.dedup_by(|a, b| hashes[*a] == hashes[*b]);
    if !missing.is_empty() {
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)?;
        let t0 = std::time::Instant::now();
        for (b, batch) in missing.chunks(256).enumerate() {
            let refs: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
            let e = enc.encode(&refs)?;
            for (&i, v) in batch.iter().zip(e.vectors) {
                out.write_all(hashes[i].as_bytes())?;
                out.write_all(&store::vector_to_blob(&v))?;
                cache.insert(hashes[i].clone(), v);
            }
            if !quiet {
                eprintln!(
                    "embedded {}/{} texts ({:.0} s)",
                    ((b + 1) * 256).min(missing.len()),
                    missing.len(),
                    t0.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(hashes.iter().map(|h| cache[h].clone()).collect())
}

fn codebook_from_labels(items: &[GoldItem]) -> Codebook {
    let labels: BTreeSet<&String> = items.iter().flat_map(|i| i.labels.iter()).collect();
    Codebook {
        name: "labels".into(),
        codes: labels
            .into_iter()
            .map(|l| classify::Code {
                id: l.clone(),
                name: l.clone(),
                definition: l.clone(),
                ..Default::default()
            })
            .collect(),
    }
}

pub fn eval(g: &Global, a: EvalCodeArgs) -> Outcome {
    let mut gold = read_gold(&a.gold)?;
    if let Some(n) = a.limit {
        gold.truncate(n);
    }
    match a.group_by.as_str() {
        "doc" => {}
        "id" => gold.iter_mut().for_each(|it| it.doc = None),
        other => bail!("--group-by {other:?}: use doc or id"),
    }
    let mut train_items = match &a.train {
        Some(p) => Some(read_gold(p)?),
        None => None,
    };
    let cb = match &a.codebook {
        Some(p) => classify::load_codebook(p)?,
        None => codebook_from_labels(&gold),
    };
    let ids: BTreeSet<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
    for it in gold.iter().chain(train_items.iter().flatten()) {
        if let Some(bad) = it.labels.iter().find(|l| !ids.contains(l.as_str())) {
            bail!(
                "gold item {}: label {bad:?} is not a code of the codebook",
                it.id
            );
        }
    }
    // A child code implies its parent, in the gold as in the predictions.
    for it in gold.iter_mut().chain(train_items.iter_mut().flatten()) {
        let mut extra = Vec::new();
        for l in &it.labels {
            if let Some(i) = cb.index_of(l) {
                extra.extend(cb.ancestors(i).into_iter().map(|j| cb.codes[j].id.clone()));
            }
        }
        it.labels.extend(extra);
    }
    let (lo, hi) = a
        .review_band
        .split_once(',')
        .and_then(|(l, h)| Some((l.trim().parse::<f64>().ok()?, h.trim().parse::<f64>().ok()?)))
        .filter(|(l, h)| l < h)
        .with_context(|| {
            format!(
                "--review-band {:?}: expected LO,HI with LO < HI",
                a.review_band
            )
        })?;
    let predictor = if a.mode == "keyword" {
        Predictor::Keyword
    } else {
        let mut params = classify::ClassifierParams {
            mode: parse_mode(&a.mode)?,
            min_positives: a.min_positives,
            seed: a.seed,
            ..Default::default()
        };
        params.logistic.c = a.c;
        match a.features.as_str() {
            "both" => {}
            "embedding" => params.tfidf = None,
            "tfidf" => params.embedding_weight = 0.0,
            other => bail!("--features {other:?}: use both, embedding or tfidf"),
        }
        Predictor::Classifier(params)
    };
    let opts = EvalOptions {
        folds: a.folds,
        seed: a.seed,
        review_band: (lo, hi),
        per_code_limit: a.per_code,
    };
    let cache = a
        .cache
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("autocode-eval-cache"));
    let needs_model = !matches!(predictor, Predictor::Keyword) || a.dump.is_some();
    let (protos, gold_emb, train_emb) = if needs_model {
        let enc = load_encoder(a.model.as_deref(), None)?;
        let texts: Vec<&str> = gold.iter().map(|i| i.text.as_str()).collect();
        let ge = cached_embeddings(&enc, &texts, &cache, g.quiet)?;
        let te = match &train_items {
            Some(t) => {
                let texts: Vec<&str> = t.iter().map(|i| i.text.as_str()).collect();
                cached_embeddings(&enc, &texts, &cache, g.quiet)?
            }
            None => Vec::new(),
        };
        (prototypes(&enc, &cb)?, ge, te)
    } else {
        (
            vec![Vec::new(); cb.codes.len()],
            vec![Vec::new(); gold.len()],
            Vec::new(),
        )
    };
    let gold_refs: Vec<&GoldItem> = gold.iter().collect();
    let gold_emb_refs: Vec<&[f32]> = gold_emb.iter().map(|v| v.as_slice()).collect();
    if let Some(path) = &a.dump {
        let groups: Vec<String> = gold
            .iter()
            .map(|i| i.doc.clone().unwrap_or_else(|| i.id.clone()))
            .collect();
        let folds = classify::model::group_folds(&groups, a.folds, a.seed);
        let dump = serde_json::json!({
            "codes": cb.codes.iter().map(|c| &c.id).collect::<Vec<_>>(),
            "folds": folds,
            "labels": gold.iter().map(|i| &i.labels).collect::<Vec<_>>(),
            "texts": gold.iter().map(|i| &i.text).collect::<Vec<_>>(),
            "embeddings": gold_emb,
        });
        std::fs::write(path, serde_json::to_vec(&dump)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let t0 = std::time::Instant::now();
    let report = match &train_items {
        None => classify::eval::cross_validate(
            &cb,
            &protos,
            &gold_refs,
            &gold_emb_refs,
            &predictor,
            &opts,
        )?,
        Some(train) => {
            let train_refs: Vec<&GoldItem> = train.iter().collect();
            let te: Vec<&[f32]> = train_emb.iter().map(|v| v.as_slice()).collect();
            classify::eval::train_test(
                &cb,
                &protos,
                &train_refs,
                &te,
                &gold_refs,
                &gold_emb_refs,
                &predictor,
                &opts,
            )?
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    if a.json {
        let mut v = serde_json::to_value(&report)?;
        v["seconds"] = serde_json::json!(secs);
        println!("{}", serde_json::to_string(&v)?);
    } else {
        print_report(&report, secs);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &EvalReport, secs: f64) {
    let fold_note = if r.folds > 1 {
        format!("{}-fold grouped CV", r.folds)
    } else {
        "train/test".into()
    };
    println!(
        "{} items, {fold_note}, predictor {} ({secs:.1} s)",
        r.items, r.predictor
    );
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>6} {:>7} {:>7} {:>7}  model",
        "code", "P", "R", "F1", "kappa", "human", "support", "pred"
    );
    for (code, c) in &r.per_code {
        let models: Vec<String> = c.models.iter().map(|(k, n)| format!("{k}×{n}")).collect();
        println!(
            "{:<40} {:>6.3} {:>6.3} {:>6.3} {:>6} {:>7} {:>7} {:>7}  {}",
            code,
            c.precision,
            c.recall,
            c.f1,
            c.kappa.map_or("–".into(), |k| format!("{k:.3}")),
            c.human_kappa.map_or("-".into(), |k| format!("{k:.3}")),
            c.support,
            c.predicted,
            models.join(" ")
        );
    }
    println!(
        "macro-F1 {:.3}  mean kappa {}{}{}  micro-F1 {:.3}",
        r.macro_f1,
        r.mean_kappa.map_or("–".into(), |k| format!("{k:.3}")),
        match r.kappa_undefined {
            0 => String::new(),
            n => format!(" ({n} code(s) without a kappa left out)"),
        },
        r.human_mean_kappa
            .map_or(String::new(), |h| format!(" (humans {h:.3})")),
        r.micro_f1
    );
    println!(
        "ECE (10 bins) {:.4} over all (item, code) pairs; {:.4} over pairs with p >= 0.05",
        r.ece, r.ece_stored
    );
    println!(
        "review band [{:.2}, {:.2}): {} (item, code) pairs",
        r.review_band.0, r.review_band.1, r.in_review_band
    );
    println!("reliability:   bin        n   mean p   observed");
    for b in &r.reliability {
        println!(
            "           {:.1}-{:.1} {:>8} {:>8.3} {:>10.3}",
            b.lower, b.upper, b.count, b.confidence, b.frequency
        );
    }
}
