//! A sentence-transformers model folder as an [`Encoder`].

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use candle_core::Device;
use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::bert::{Bert, PackedBatch};
use crate::config::{ModelFolder, Pooling};
use crate::{Embeddings, Encoder, Precision};

/// How inputs are grouped for the forward pass. Inputs are sorted by length
/// and packed without padding; a batch closes at `max_sentences` inputs or
/// `max_tokens` word pieces, whichever comes first (a single longer input
/// still forms a batch of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    pub max_sentences: usize,
    pub max_tokens: usize,
    /// Forward passes run side by side, each on one thread. Above 1, the
    /// process must keep candle's own matrix products single-threaded
    /// (`RAYON_NUM_THREADS=1` before anything starts rayon), as `autocode`
    /// does: on 2 cores two independent passes scale far better than one
    /// pass split over both (1.25× measured), because every op of a pass
    /// ends in a thread join.
    pub workers: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_sentences: 256,
            max_tokens: 1024,
            workers: 1,
        }
    }
}

/// Where the time of [`SentenceTransformer::encode`] calls went, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub tokenize_s: f64,
    pub forward_s: f64,
    pub sentences: u64,
    pub tokens: u64,
}

#[derive(Default)]
struct Counters {
    tokenize_ns: AtomicU64,
    forward_ns: AtomicU64,
    sentences: AtomicU64,
    tokens: AtomicU64,
}

/// A loaded sentence-transformers model (BERT family), run on the CPU or a GPU.
pub struct SentenceTransformer {
    folder: ModelFolder,
    tokenizer: Tokenizer,
    bert: Bert,
    model_key: String,
    batch: BatchOptions,
    counters: Counters,
    reading: Option<Reading>,
}

/// A stage before tokenising (as a tokenizers normaliser is): what of each
/// text the model reads. Its name joins the model key (`…+bf16+NAME`), so
/// vectors read one way never mix in a store with vectors read another. The
/// default reads every text as it is, as sentence-transformers does.
#[derive(Clone, Copy)]
pub struct Reading {
    pub name: &'static str,
    pub read: for<'a> fn(&'a str) -> std::borrow::Cow<'a, str>,
}

impl std::fmt::Debug for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reading").field("name", &self.name).finish()
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

impl SentenceTransformer {
    /// Loads a local sentence-transformers folder onto the CPU. Nothing is downloaded.
    pub fn load(dir: &Path) -> Result<SentenceTransformer> {
        Self::load_on(dir, &Device::Cpu)
    }

    /// Loads a local sentence-transformers folder onto `device` (see
    /// [`crate::DeviceSpec::open`]). Vectors agree across devices to float32
    /// rounding, so the model key does not name the device.
    pub fn load_on(dir: &Path, device: &Device) -> Result<SentenceTransformer> {
        Self::load_with(dir, device, Precision::F32)
    }

    /// Loads onto `device` with the projections in `precision` (where the
    /// CPU has the instructions; else f32: see [`SentenceTransformer::precision`]).
    /// The model key gets a `+bf16` / `+int8` suffix for those precisions,
    /// so that vectors of different precisions are never mixed in a store;
    /// f32 keys are as before.
    pub fn load_with(
        dir: &Path,
        device: &Device,
        precision: Precision,
    ) -> Result<SentenceTransformer> {
        let folder = ModelFolder::read(dir)?;
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            bail!(
                "{} is missing (only safetensors weights are read)",
                weights.display()
            );
        }
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| anyhow!("reading {}: {e}", tokenizer_path.display()))?;
        // Do as sentence-transformers does, not as tokenizer.json says (the
        // default model's file pads and truncates everything to 128): no
        // padding (batches are packed), truncation at max_seq_length.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: folder.max_seq_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| anyhow!("{}: {e}", tokenizer_path.display()))?;
        let bert = Bert::load(&weights, &folder.bert, device, precision)?;
        let name = dir
            .canonicalize()
            .unwrap_or_else(|_| dir.to_path_buf())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        let mut model_key = format!("{name}@{}", &sha256_file(&weights)?[..12]);
        if bert.precision() != Precision::F32 {
            model_key = format!("{model_key}+{}", bert.precision());
        }
        Ok(SentenceTransformer {
            folder,
            tokenizer,
            bert,
            model_key,
            batch: BatchOptions::default(),
            counters: Counters::default(),
            reading: None,
        })
    }

    /// Reads each text through `reading` before tokenising; the model key
    /// gets `+{reading.name}`.
    pub fn with_reading(mut self, reading: Reading) -> Self {
        if let Some(old) = self.reading {
            let suffix = format!("+{}", old.name);
            if let Some(base) = self.model_key.strip_suffix(&suffix) {
                self.model_key = base.to_string();
            }
        }
        self.model_key = format!("{}+{}", self.model_key, reading.name);
        self.reading = Some(reading);
        self
    }

    pub fn with_batch_options(mut self, batch: BatchOptions) -> Self {
        self.batch = BatchOptions {
            max_sentences: batch.max_sentences.max(1),
            max_tokens: batch.max_tokens.max(1),
            // Side-by-side passes only pay on CPU cores; a GPU takes one stream.
            workers: if self.bert.device().is_cpu() {
                batch.workers.max(1)
            } else {
                1
            },
        };
        self
    }

    /// The format the projections run in (f32 where the requested one is
    /// not available on this device).
    pub fn precision(&self) -> Precision {
        self.bert.precision()
    }

    pub fn folder(&self) -> &ModelFolder {
        &self.folder
    }

    pub fn max_seq_length(&self) -> usize {
        self.folder.max_seq_length
    }

    /// Time spent in `encode` so far (tokenising, forward passes).
    pub fn timings(&self) -> Timings {
        let c = &self.counters;
        Timings {
            tokenize_s: c.tokenize_ns.load(Ordering::Relaxed) as f64 * 1e-9,
            forward_s: c.forward_ns.load(Ordering::Relaxed) as f64 * 1e-9,
            sentences: c.sentences.load(Ordering::Relaxed),
            tokens: c.tokens.load(Ordering::Relaxed),
        }
    }

    /// Word-piece ids of each text (with [CLS]/[SEP], truncated) and whether it was cut.
    fn tokenize(&self, texts: &[&str]) -> Result<Vec<(Vec<u32>, bool)>> {
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| {
                let read = match self.reading {
                    Some(r) => (r.read)(t),
                    None => std::borrow::Cow::Borrowed(*t),
                };
                if self.folder.do_lower_case {
                    read.to_lowercase()
                } else {
                    read.into_owned()
                }
            })
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| anyhow!("tokenising: {e}"))?;
        Ok(encodings
            .into_iter()
            .map(|e| (e.get_ids().to_vec(), !e.get_overflowing().is_empty()))
            .collect())
    }

    /// Pools the token states of each packed sentence into one vector.
    fn pool(&self, states: &[f32], offsets: &[usize]) -> Vec<Vec<f32>> {
        let h = self.bert.hidden_size();
        offsets
            .windows(2)
            .map(|w| {
                let rows = &states[w[0] * h..w[1] * h];
                let mut v = match self.folder.pooling {
                    Pooling::Cls => rows[..h].to_vec(),
                    Pooling::Mean => {
                        let mut acc = vec![0f32; h];
                        for r in rows.chunks_exact(h) {
                            for (a, x) in acc.iter_mut().zip(r) {
                                *a += x;
                            }
                        }
                        let n = (w[1] - w[0]).max(1) as f32;
                        acc.iter_mut().for_each(|a| *a /= n);
                        acc
                    }
                    Pooling::Max => {
                        let mut acc = vec![f32::NEG_INFINITY; h];
                        for r in rows.chunks_exact(h) {
                            for (a, x) in acc.iter_mut().zip(r) {
                                *a = a.max(*x);
                            }
                        }
                        acc
                    }
                };
                if self.folder.normalize {
                    // torch.nn.functional.normalize clamps the norm at 1e-12.
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
                    v.iter_mut().for_each(|x| *x /= norm);
                }
                v
            })
            .collect()
    }
}

impl Encoder for SentenceTransformer {
    fn dim(&self) -> usize {
        self.bert.hidden_size()
    }

    fn model_key(&self) -> &str {
        &self.model_key
    }

    fn encode(&self, texts: &[&str]) -> Result<Embeddings> {
        let t0 = Instant::now();
        let tokens = self.tokenize(texts)?;
        let t1 = Instant::now();

        // Longest first, so that similar lengths share a batch; ties keep input order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(tokens[i].0.len()));

        let mut batches = Vec::new();
        let mut start = 0;
        while start < order.len() {
            let mut end = start;
            let mut n_tokens = 0;
            while end < order.len()
                && end - start < self.batch.max_sentences
                && (end == start || n_tokens + tokens[order[end]].0.len() <= self.batch.max_tokens)
            {
                n_tokens += tokens[order[end]].0.len();
                end += 1;
            }
            batches.push((start, end, n_tokens));
            start = end;
        }
        let run = |&(start, end, n_tokens): &(usize, usize, usize),
                   serial: bool|
         -> Result<Vec<Vec<f32>>> {
            let mut batch = PackedBatch {
                ids: Vec::with_capacity(n_tokens),
                offsets: Vec::with_capacity(end - start + 1),
            };
            batch.offsets.push(0);
            for &i in &order[start..end] {
                batch.ids.extend_from_slice(&tokens[i].0);
                batch.offsets.push(batch.ids.len());
            }
            let states = self.bert.forward(&batch, serial)?;
            Ok(self.pool(&states, &batch.offsets))
        };

        let mut vectors: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        let workers = self.batch.workers.min(batches.len()).max(1);
        if workers == 1 {
            for b in &batches {
                for (&i, v) in order[b.0..b.1].iter().zip(run(b, false)?) {
                    vectors[i] = v;
                }
            }
        } else {
            let next = std::sync::atomic::AtomicUsize::new(0);
            let results = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        scope.spawn(|| -> Result<Vec<(usize, Vec<Vec<f32>>)>> {
                            let mut done = Vec::new();
                            loop {
                                let b = next.fetch_add(1, Ordering::Relaxed);
                                let Some(batch) = batches.get(b) else {
                                    return Ok(done);
                                };
                                done.push((b, run(batch, true)?));
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("embedding worker panicked"))
                    .collect::<Vec<_>>()
            });
            for worker in results {
                for (b, vs) in worker? {
                    let (s, e, _) = batches[b];
                    for (&i, v) in order[s..e].iter().zip(vs) {
                        vectors[i] = v;
                    }
                }
            }
        }
        let t2 = Instant::now();

        let c = &self.counters;
        c.tokenize_ns
            .fetch_add((t1 - t0).as_nanos() as u64, Ordering::Relaxed);
        c.forward_ns
            .fetch_add((t2 - t1).as_nanos() as u64, Ordering::Relaxed);
        c.sentences.fetch_add(texts.len() as u64, Ordering::Relaxed);
        c.tokens.fetch_add(
            tokens.iter().map(|t| t.0.len() as u64).sum(),
            Ordering::Relaxed,
        );
        Ok(Embeddings {
            vectors,
            truncated: tokens.into_iter().map(|t| t.1).collect(),
        })
    }
}
