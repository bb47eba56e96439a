//! `autocode embed` (the project's segments) and `autocode encode` (any text lines).
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use embed::npy::NpyWriter;
use embed::progress::Progress;
use embed::{BatchOptions, DeviceSpec, Encoder, SentenceTransformer};
use store::{EmbeddingRow, ModelRecord};

use super::{open_store, Global, Outcome};

/// Texts per store transaction: a killed run loses at most one chunk and the
/// next run resumes after the last committed one; also bounds the memory held
/// by tokenised inputs.
const CHUNK: usize = 1024;

#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// sentence-transformers model folder [default: $AUTOCODE_MODEL, else models/all-MiniLM-L6-v2].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Most inputs per forward pass (inputs are sorted by length and packed
    /// without padding; see also --batch-tokens).
    #[arg(long, default_value_t = BatchOptions::default().max_sentences)]
    pub batch_size: usize,
    /// Most word pieces per forward pass.
    #[arg(long, default_value_t = BatchOptions::default().max_tokens)]
    pub batch_tokens: usize,
    /// Threads [default: $RAYON_NUM_THREADS, else the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where the model runs: cpu, or cuda / cuda:N (needs a build with the
    /// `cuda` feature; raise --batch-tokens there).
    #[arg(long, default_value_t = DeviceSpec::Cpu)]
    pub device: DeviceSpec,
}

impl ModelArgs {
    fn load(&self) -> anyhow::Result<(SentenceTransformer, PathBuf, f64)> {
        let threads = self
            .threads
            .or_else(|| std::env::var("RAYON_NUM_THREADS").ok()?.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        // One single-threaded forward pass per thread, side by side (see
        // BatchOptions::workers): candle and rayon read this variable when
        // they first start their thread pools, which has not happened yet.
        // The rest of the process (themes, classify in `autocode run`) still
        // wants every core from rayon: fix its global pool before the
        // variable below would shrink it to one thread.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .build_global();
        std::env::set_var("RAYON_NUM_THREADS", "1");
        let dir = self.model.clone().unwrap_or_else(embed::default_model_dir);
        let device = self.device.open()?;
        let t = Instant::now();
        let model = SentenceTransformer::load_on(&dir, &device)
            .with_context(|| format!("loading model {}", dir.display()))?
            .with_batch_options(BatchOptions {
                max_sentences: self.batch_size,
                max_tokens: self.batch_tokens,
                workers: threads,
            });
        Ok((model, dir, t.elapsed().as_secs_f64()))
    }
}

#[derive(Args, Debug)]
pub struct EmbedArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Also write every segment's vector to FILE.npy: float32, one row per
    /// segment in segment id order (the order of `segments` in the store).
    #[arg(long, value_name = "FILE.npy")]
    pub export: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EncodeArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Text file, one input per line [default: standard input].
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Output matrix: float32 .npy, one row per input line, in input order.
    #[arg(long, value_name = "FILE.npy")]
    pub output: PathBuf,
    /// Print the encoder's own timing (model load excluded) to stderr.
    #[arg(long)]
    pub timings: bool,
}

pub fn run(g: &Global, a: EmbedArgs) -> Outcome {
    let mut store = open_store(g)?;
    let (model, dir, _) = a.model.load()?;
    let key = model.model_key().to_string();
    let path = dir.canonicalize().unwrap_or(dir).display().to_string();
    store.register_model(&ModelRecord {
        model_key: key.clone(),
        path: path.clone(),
        dim: model.dim(),
    })?;

    let missing = store.texts_missing_embedding(&key)?;
    if !g.quiet {
        eprintln!("model {key}: {} to embed", missing.len());
    }
    let progress = Progress::new(missing.len() as u64, g.quiet);
    let started = Instant::now();
    let mut truncated = 0usize;
    for chunk in missing.chunks(CHUNK) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
        let emb = model.encode(&texts)?;
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

    let secs = started.elapsed().as_secs_f64();
    let vectors = store.segment_embeddings(&key, false)?;
    if !g.quiet {
        let rate = if missing.is_empty() || secs == 0.0 {
            String::new()
        } else {
            format!(
                " in {secs:.1} s ({:.0} sentences/s)",
                missing.len() as f64 / secs
            )
        };
        println!(
            "embedded {} distinct texts{rate}; {truncated} truncated at {} word pieces",
            missing.len(),
            model.max_seq_length()
        );
        println!(
            "{} segments have vectors for {key} ({} truncated in all)",
            vectors.len(),
            store.truncated_segments(&key)?.len()
        );
    }
    if let Some(out) = &a.export {
        let mut w = NpyWriter::create(out, vectors.len(), model.dim())?;
        for (_, v) in &vectors {
            w.write_row(v)?;
        }
        w.finish()?;
        if !g.quiet {
            println!(
                "wrote {} ({} × {})",
                out.display(),
                vectors.len(),
                model.dim()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_lines(input: Option<&Path>) -> anyhow::Result<Vec<String>> {
    let reader: Box<dyn BufRead> = match input {
        Some(p) => Box::new(BufReader::new(
            std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
        )),
        None => Box::new(BufReader::new(std::io::stdin())),
    };
    let name = input
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard input".into());
    let mut lines = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let mut line = line.with_context(|| format!("{name}: line {}: not UTF-8 text", i + 1))?;
        if line.ends_with('\r') {
            line.pop();
        }
        lines.push(line);
    }
    Ok(lines)
}

pub fn encode(g: &Global, a: EncodeArgs) -> Outcome {
    if a.output.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!("--output {}: expected a .npy file name", a.output.display());
    }
    let lines = read_lines(a.input.as_deref())?;
    let (model, _, load_s) = a.model.load()?;
    let progress = Progress::new(lines.len() as u64, g.quiet);
    let started = Instant::now();
    let mut w = NpyWriter::create(&a.output, lines.len(), model.dim())?;
    let mut truncated = 0usize;
    for chunk in lines.chunks(CHUNK * 4) {
        let texts: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let emb = model.encode(&texts)?;
        truncated += emb.truncated.iter().filter(|t| **t).count();
        for v in &emb.vectors {
            w.write_row(v)?;
        }
        progress.inc(chunk.len() as u64);
    }
    w.finish()?;
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    if a.timings {
        let t = model.timings();
        eprintln!(
            "timings: {} sentences, {} word pieces, model load {load_s:.2} s, encode {secs:.2} s (tokenise {:.2} s, forward {:.2} s), {:.1} sentences/s",
            lines.len(),
            t.tokens,
            t.tokenize_s,
            t.forward_s,
            lines.len() as f64 / secs.max(1e-9)
        );
    }
    if !g.quiet {
        println!(
            "wrote {} ({} × {}); {truncated} inputs truncated at {} word pieces",
            a.output.display(),
            lines.len(),
            model.dim(),
            model.max_seq_length()
        );
    }
    Ok(ExitCode::SUCCESS)
}
