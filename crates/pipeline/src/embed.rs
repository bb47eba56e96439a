//! Embed: the project's segments (resumable, a transaction per chunk), and
//! any list of texts to a `.npy` matrix.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use embed::npy::NpyWriter;
use embed::progress::Progress;
use embed::{BatchOptions, DeviceSpec, Embeddings, Encoder, Precision, SentenceTransformer};
use serde::Serialize;
use store::{EmbeddingRow, ModelRecord, Store};

use crate::Project;

/// Texts per store transaction: a killed run loses at most one chunk and the
/// next run resumes after the last committed one; also bounds the memory held
/// by tokenised inputs.
const CHUNK: usize = 1024;

/// Which model, and how it runs.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Model folder; `None`: see [`crate::model_dir`].
    pub model: Option<PathBuf>,
    /// Most inputs per forward pass.
    pub batch_size: usize,
    /// Most word pieces per forward pass.
    pub batch_tokens: usize,
    /// Forward passes side by side; `None`: the threads of rayon's global
    /// pool (`$RAYON_NUM_THREADS` as the process started, else the cores).
    pub threads: Option<usize>,
    pub device: DeviceSpec,
    /// Number format of the projections; a non-f32 one is part of the
    /// model key, so its vectors never mix with f32 ones in the store.
    pub precision: Precision,
}

impl Default for ModelOptions {
    fn default() -> Self {
        let batch = BatchOptions::default();
        ModelOptions {
            model: None,
            batch_size: batch.max_sentences,
            batch_tokens: batch.max_tokens,
            threads: None,
            device: DeviceSpec::Cpu,
            precision: Precision::default(),
        }
    }
}

/// A loaded model.
pub struct LoadedModel {
    pub model: SentenceTransformer,
    /// The folder it was loaded from.
    pub dir: PathBuf,
    pub load_seconds: f64,
}

impl ModelOptions {
    /// Loads the model (found as [`crate::model_dir`] says) to run `threads`
    /// forward passes side by side (see [`crate::load_model`] for what the
    /// process must do for each pass to stay on one thread).
    pub fn load(&self, store: Option<&Store>) -> anyhow::Result<LoadedModel> {
        if self.batch_size == 0 || self.batch_tokens == 0 {
            bail!("--batch-size and --batch-tokens must be at least 1");
        }
        let threads = self
            .threads
            .filter(|n| *n > 0)
            .unwrap_or_else(rayon::current_num_threads);
        let dir = crate::model_dir(self.model.as_deref(), store)?;
        let device = self.device.open()?;
        let t = Instant::now();
        let model = SentenceTransformer::load_with(&dir, &device, self.precision)
            .with_context(|| format!("loading the model in {}", dir.display()))?
            .with_batch_options(BatchOptions {
                max_sentences: self.batch_size,
                max_tokens: self.batch_tokens,
                workers: threads,
            })
            .with_reading(crate::READING);
        if model.precision() != self.precision {
            // Asked for, it deserves a warning; the default falling back
            // on an older CPU (or a GPU) is the expected case.
            let msg = format!(
                "precision {} needs AVX-512 BF16/VNNI on the CPU; running in {} (model key {})",
                self.precision,
                model.precision(),
                model.model_key()
            );
            if self.precision == Precision::default() {
                tracing::info!("{msg}");
            } else {
                tracing::warn!("{msg}");
            }
        }
        Ok(LoadedModel {
            model,
            dir,
            load_seconds: t.elapsed().as_secs_f64(),
        })
    }
}

impl LoadedModel {
    pub fn encode(&self, texts: &[&str]) -> anyhow::Result<Embeddings> {
        self.model.encode(texts)
    }
}

#[derive(Debug, Clone, Default)]
pub struct EmbedOptions {
    pub model: ModelOptions,
    /// Also write every segment's vector to this `.npy` file (segment id order).
    pub export: Option<PathBuf>,
    /// Draw a progress bar on a terminal's stderr.
    pub progress: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmbedSummary {
    pub model_key: String,
    /// The model folder, canonical.
    pub model_path: String,
    /// Distinct texts that had no vector for this model, all now embedded.
    pub embedded: usize,
    pub seconds: f64,
    /// Of those, how many were cut at `max_seq_length` word pieces.
    pub truncated: usize,
    pub max_seq_length: usize,
    /// Segments with a vector for this model, and how many of those were truncated.
    pub segments_with_vectors: usize,
    pub truncated_in_all: usize,
    pub export: Option<ExportSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub rows: usize,
    pub dim: usize,
}

/// Embeds every stored text the model has no vector for, a transaction per
/// chunk, and records the model as the project's current one.
pub fn embed(project: &mut Project, opts: &EmbedOptions) -> anyhow::Result<EmbedSummary> {
    let loaded = opts.model.load(Some(project.store()))?;
    let store = project.store_mut();
    let model = &loaded.model;
    let key = model.model_key().to_string();
    let dir = loaded.dir.clone();
    let path = dir.canonicalize().unwrap_or(dir).display().to_string();
    store.register_model(&ModelRecord {
        model_key: key.clone(),
        path: path.clone(),
        dim: model.dim(),
    })?;

    let missing = store.texts_missing_embedding(&key)?;
    tracing::info!("model {key}: {} to embed", missing.len());
    let progress = Progress::new(missing.len() as u64, !opts.progress);
    let started = Instant::now();
    let mut truncated = 0usize;
    for chunk in missing.chunks(CHUNK) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
        let emb = loaded.encode(&texts)?;
        truncated += emb.truncated.iter().filter(|t| **t).count();
        let rows: Vec<EmbeddingRow<'_>> = chunk
            .iter()
            .zip(emb.vectors.iter().zip(&emb.truncated))
            .map(|((hash, _), (v, t))| EmbeddingRow {
                text_hash: hash,
                vector: v,
                truncated: *t,
            })
            .collect();
        store.put_embeddings(&key, &rows)?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    store.set_meta("model_key", &key)?;
    store.set_meta("model_path", &path)?;
    let seconds = started.elapsed().as_secs_f64();

    // Every vector is read only for an export; the summary's counts need
    // none (reading 100k of them was a third of a nightly's embed stage).
    let (export, segments_with_vectors) = match &opts.export {
        Some(out) => {
            let vectors = store.segment_embeddings(&key, false)?;
            let mut w = NpyWriter::create(out, vectors.len(), model.dim())?;
            for (_, v) in &vectors {
                w.write_row(v)?;
            }
            w.finish()?;
            let rows = vectors.len();
            let export = ExportSummary {
                path: out.clone(),
                rows,
                dim: model.dim(),
            };
            (Some(export), rows)
        }
        // Every text without a vector was embedded above (a failure ends
        // the stage), so every segment has one.
        None => (None, store.segment_count()?),
    };
    let summary = EmbedSummary {
        model_key: key.clone(),
        model_path: path,
        embedded: missing.len(),
        seconds,
        truncated,
        max_seq_length: model.max_seq_length(),
        segments_with_vectors,
        truncated_in_all: store.truncated_segment_count(&key)?,
        export,
    };
    // Left for the later stages of this process (`autocode run`), which
    // otherwise load it again for the codebook's texts and theme phrases.
    // On the CPU only: those stages embed on the CPU, and a GPU's vectors
    // need not match its bits.
    if opts.model.device == embed::DeviceSpec::Cpu {
        project.keep_model(std::sync::Arc::new(loaded.model));
    }
    Ok(summary)
}

#[derive(Debug, Clone, Serialize)]
pub struct EncodeSummary {
    pub output: PathBuf,
    pub rows: usize,
    pub dim: usize,
    pub truncated: usize,
    pub max_seq_length: usize,
    pub load_seconds: f64,
    pub encode_seconds: f64,
    /// Word pieces, and where the encode time went.
    pub tokens: u64,
    pub tokenize_seconds: f64,
    pub forward_seconds: f64,
}

/// Embeds `lines` to `output` (float32 `.npy`, one row per line, in order);
/// no project involved.
pub fn encode(
    opts: &ModelOptions,
    lines: &[String],
    output: &Path,
    progress: bool,
) -> anyhow::Result<EncodeSummary> {
    if output.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!("--output {}: expected a .npy file name", output.display());
    }
    let loaded = opts.load(None)?;
    let model = &loaded.model;
    let bar = Progress::new(lines.len() as u64, !progress);
    let started = Instant::now();
    let mut w = NpyWriter::create(output, lines.len(), model.dim())?;
    let mut truncated = 0usize;
    for chunk in lines.chunks(CHUNK * 4) {
        let texts: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let emb = loaded.encode(&texts)?;
        truncated += emb.truncated.iter().filter(|t| **t).count();
        for v in &emb.vectors {
            w.write_row(v)?;
        }
        bar.inc(chunk.len() as u64);
    }
    w.finish()?;
    bar.finish();
    let t = model.timings();
    Ok(EncodeSummary {
        output: output.to_path_buf(),
        rows: lines.len(),
        dim: model.dim(),
        truncated,
        max_seq_length: model.max_seq_length(),
        load_seconds: loaded.load_seconds,
        encode_seconds: started.elapsed().as_secs_f64(),
        tokens: t.tokens,
        tokenize_seconds: t.tokenize_s,
        forward_seconds: t.forward_s,
    })
}
