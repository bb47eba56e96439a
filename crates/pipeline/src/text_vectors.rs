//! The model a stage embeds its own texts with (the codebook's texts in
//! `code` and `themes`, theme phrase candidates in `themes`), behind the
//! store's kept vectors of such texts (`text_vectors`): a text embedded
//! once is read back, and the model is loaded only when some text has no
//! kept vector, at most once per stage.
//!
//! At the nightly's scale the two stages loaded the model on every run to
//! embed texts that had not changed, a quarter of a second each
//! (docs/benchmarks.md, "The nightly case"). `autocode encode` gives the
//! same bits for a text whatever else is in its batch, so a kept vector is
//! the one a load would give, and the outputs do not change.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail};
use embed::{Embeddings, Encoder, Precision, SentenceTransformer};
use store::Store;

/// Rows of `text_vectors` a stage keeps: `code`'s and `themes`' codebook
/// texts (never pruned: a codebook is small), and the phrase candidates of
/// the latest theme run (the ones before it are pruned).
pub const CODEBOOK_KIND: &str = "codebook";
pub const PHRASE_KIND: &str = "phrase";

/// The project's model for one stage's own texts.
pub struct StageEncoder {
    dir: PathBuf,
    precision: Precision,
    /// The key the vectors must have: the one the project's sentences were
    /// embedded with.
    model_key: String,
    kind: &'static str,
    model: OnceCell<anyhow::Result<Arc<SentenceTransformer>>>,
    /// A model this process already loaded ([`crate::Project::loaded_model`]),
    /// used instead of loading one.
    ready: Option<Arc<SentenceTransformer>>,
    /// Vectors embedded by this stage, not kept yet ([`StageEncoder::keep`]).
    new: RefCell<Vec<(String, Vec<f32>)>>,
}

impl StageEncoder {
    /// The model in `dir`, whose vectors must carry `model_key`; loaded on
    /// first need.
    pub fn lazy(dir: PathBuf, model_key: String, kind: &'static str) -> Self {
        StageEncoder {
            dir,
            precision: Precision::of_model_key(&model_key),
            model_key,
            kind,
            model: OnceCell::new(),
            ready: None,
            new: RefCell::new(Vec::new()),
        }
    }

    /// Uses `model`, when given, rather than loading one (if its key is
    /// the one asked for: checked on first need).
    pub fn with_ready(mut self, model: Option<Arc<SentenceTransformer>>) -> Self {
        if self.model.get().is_none() {
            self.ready = model;
        }
        self
    }

    /// The project's model as `code` resolves it ([`crate::model_dir`]):
    /// when that is the folder the project's sentences were embedded from
    /// (store meta `model_path`, with `model_key`), their key, and the
    /// model is loaded on first need; otherwise (another `--model`, or
    /// nothing embedded yet) the model is loaded now, for its key.
    pub fn for_project(
        store: &Store,
        explicit: Option<&Path>,
        kind: &'static str,
    ) -> anyhow::Result<Self> {
        let dir = crate::model_dir(explicit, Some(store))?;
        let same = |p: &str| {
            let canon = |q: &Path| q.canonicalize().unwrap_or_else(|_| q.to_path_buf());
            canon(Path::new(p)) == canon(&dir)
        };
        if let (Some(key), Some(path)) = (store.meta("model_key")?, store.meta("model_path")?) {
            if same(&path) {
                return Ok(Self::lazy(dir, key, kind));
            }
        }
        let model = crate::load_model(&dir, crate::store_precision(store)?)?;
        let enc = StageEncoder {
            dir,
            precision: crate::store_precision(store)?,
            model_key: model.model_key().to_string(),
            kind,
            model: OnceCell::new(),
            ready: None,
            new: RefCell::new(Vec::new()),
        };
        let _ = enc.model.set(Ok(Arc::new(model)));
        Ok(enc)
    }

    pub fn model_key(&self) -> &str {
        &self.model_key
    }

    /// Whether the model was loaded (some text had no kept vector).
    pub fn loaded(&self) -> bool {
        self.model.get().is_some_and(|m| m.is_ok())
    }

    /// The model, loaded now if it was not; an error when it cannot be, or
    /// when its vectors would not be the sentences' (another model, or a
    /// precision this CPU lacks).
    fn model(&self) -> anyhow::Result<&SentenceTransformer> {
        let loaded = self.model.get_or_init(|| match &self.ready {
            Some(m) if m.model_key() == self.model_key => Ok(m.clone()),
            _ => crate::load_model(&self.dir, self.precision).map(Arc::new),
        });
        let model = loaded.as_ref().map_err(|e| anyhow!("{e:#}"))?;
        if model.model_key() != self.model_key {
            bail!(
                "the model at {} ({}) is not the one the sentences were embedded with ({}); pass --model",
                self.dir.display(),
                model.model_key(),
                self.model_key
            );
        }
        Ok(model)
    }

    /// One vector per text, in order: kept ones read from `store`, the
    /// others embedded (each distinct text once) and held for
    /// [`StageEncoder::keep`].
    pub fn vectors(&self, store: &Store, texts: &[&str]) -> anyhow::Result<Vec<Vec<f32>>> {
        let hashes: Vec<String> = texts.iter().map(|t| classify::text_hash(t)).collect();
        let refs: Vec<&str> = hashes.iter().map(String::as_str).collect();
        let mut known = store.text_vectors(&self.model_key, &refs)?;
        for (h, v) in self.new.borrow().iter() {
            known.entry(h.clone()).or_insert_with(|| v.clone());
        }
        let mut missing: Vec<(&str, &str)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (t, h) in texts.iter().zip(&hashes) {
            if !known.contains_key(h) && seen.insert(h.as_str()) {
                missing.push((h, t));
            }
        }
        if !missing.is_empty() {
            let batch: Vec<&str> = missing.iter().map(|(_, t)| *t).collect();
            let emb = self.model()?.encode(&batch)?;
            let mut new = self.new.borrow_mut();
            for ((h, _), v) in missing.iter().zip(emb.vectors) {
                known.insert(h.to_string(), v.clone());
                new.push((h.to_string(), v));
            }
        }
        Ok(hashes.iter().map(|h| known[h].clone()).collect())
    }

    /// Keeps the vectors this stage embedded; returns how many.
    pub fn keep(&self, store: &mut Store) -> anyhow::Result<usize> {
        let new = std::mem::take(&mut *self.new.borrow_mut());
        let rows: Vec<(&str, &[f32])> = new
            .iter()
            .map(|(h, v)| (h.as_str(), v.as_slice()))
            .collect();
        store.put_text_vectors(&self.model_key, self.kind, &rows)?;
        Ok(rows.len())
    }

    /// This encoder reading and holding through `store`, as an [`Encoder`].
    pub fn on<'a>(&'a self, store: &'a Store) -> OnStore<'a> {
        OnStore { enc: self, store }
    }
}

/// [`StageEncoder::vectors`] as an [`Encoder`] (what `code`'s training set
/// and prototypes take).
pub struct OnStore<'a> {
    enc: &'a StageEncoder,
    store: &'a Store,
}

impl Encoder for OnStore<'_> {
    fn dim(&self) -> usize {
        self.store
            .model(&self.enc.model_key)
            .ok()
            .flatten()
            .map(|m| m.dim)
            .or_else(|| self.enc.model().ok().map(|m| m.dim()))
            .unwrap_or(0)
    }

    fn model_key(&self) -> &str {
        &self.enc.model_key
    }

    fn encode(&self, texts: &[&str]) -> anyhow::Result<Embeddings> {
        let vectors = self.enc.vectors(self.store, texts)?;
        Ok(Embeddings {
            truncated: vec![false; vectors.len()],
            vectors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &to.join(e.file_name()));
            } else {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    /// The project's model, copied; its vectors of three texts embedded
    /// directly; then the same through a stage encoder, which loads the
    /// model once, and through a second one after the weights are gone,
    /// which reads them back without loading (and fails, naming the
    /// folder, on a text it has not seen); a third is given a loaded model.
    #[test]
    fn kept_texts_need_no_model_and_come_back_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let model_dir = dir.path().join("model");
        copy_dir(&::embed::default_model_dir(), &model_dir);
        let precision = Precision::default();
        let model = crate::load_model(&model_dir, precision).unwrap();
        let texts = [
            "Privacy matters to me.",
            "We lost trust.",
            "Privacy matters to me.",
        ];
        let direct = model.encode(&texts).unwrap().vectors;
        let mut store = Store::create(&dir.path().join("a.db")).unwrap();
        store.set_meta("model_key", model.model_key()).unwrap();
        store
            .set_meta("model_path", model_dir.to_str().unwrap())
            .unwrap();
        drop(model);

        let first = StageEncoder::for_project(&store, None, CODEBOOK_KIND).unwrap();
        assert!(
            !first.loaded(),
            "the project's own model waits until needed"
        );
        assert_eq!(first.vectors(&store, &texts).unwrap(), direct);
        assert!(first.loaded());
        // The repeated text was embedded once.
        assert_eq!(first.keep(&mut store).unwrap(), 2);

        let ready = Arc::new(crate::load_model(&model_dir, precision).unwrap());
        std::fs::remove_file(model_dir.join("model.safetensors")).unwrap();
        let second = StageEncoder::for_project(&store, None, CODEBOOK_KIND).unwrap();
        let back = second.vectors(&store, &[texts[1], texts[0]]).unwrap();
        assert_eq!(back, vec![direct[1].clone(), direct[0].clone()]);
        assert!(!second.loaded());
        let err = second.vectors(&store, &["Unseen."]).unwrap_err();
        assert!(
            format!("{err:#}").contains(model_dir.to_str().unwrap()),
            "{err:#}"
        );
        assert_eq!(second.keep(&mut store).unwrap(), 0);

        // A model this process loaded already (`embed`'s, in `autocode run`)
        // serves what is not kept.
        let third = StageEncoder::for_project(&store, None, CODEBOOK_KIND)
            .unwrap()
            .with_ready(Some(ready.clone()));
        assert_eq!(
            third.vectors(&store, &["Unseen."]).unwrap(),
            ready.encode(&["Unseen."]).unwrap().vectors
        );
        assert_eq!(third.keep(&mut store).unwrap(), 1);
    }
}
