//! `autocode embed` (the project's segments) and `autocode encode` (any text
//! lines): arguments and printing; the work is in `pipeline::embed`.
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use embed::{BatchOptions, DeviceSpec};
use pipeline::embed::ModelOptions;
use pipeline::{EmbedOptions, EmbedSummary, Project};

use super::{Global, Outcome};

#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// sentence-transformers model folder [default: the one the project last
    /// embedded with, else $AUTOCODE_MODEL, else models/all-MiniLM-L6-v2].
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
    fn options(&self) -> ModelOptions {
        ModelOptions {
            model: self.model.clone(),
            batch_size: self.batch_size,
            batch_tokens: self.batch_tokens,
            threads: self.threads,
            device: self.device,
        }
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
    let _lock = super::lock_project(g)?;
    let mut project = Project::open(&g.project)?;
    let opts = EmbedOptions {
        model: a.model.options(),
        export: a.export,
        progress: !g.quiet,
    };
    let summary = pipeline::embed(&mut project, &opts)?;
    print(g, &summary, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// The human summary to `out` (the count to embed to stderr).
pub fn print(g: &Global, s: &EmbedSummary, out: &mut dyn Write) -> std::io::Result<()> {
    if g.quiet {
        return Ok(());
    }
    let key = &s.model_key;
    eprintln!("model {key}: {} to embed", s.embedded);
    let rate = if s.embedded == 0 || s.seconds == 0.0 {
        String::new()
    } else {
        format!(
            " in {:.1} s ({:.0} sentences/s)",
            s.seconds,
            s.embedded as f64 / s.seconds
        )
    };
    writeln!(
        out,
        "embedded {} distinct texts{rate}; {} truncated at {} word pieces",
        s.embedded, s.truncated, s.max_seq_length
    )?;
    writeln!(
        out,
        "{} segments have vectors for {key} ({} truncated in all)",
        s.segments_with_vectors, s.truncated_in_all
    )?;
    if let Some(e) = &s.export {
        writeln!(out, "wrote {} ({} × {})", e.path.display(), e.rows, e.dim)?;
    }
    Ok(())
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
        anyhow::bail!("--output {}: expected a .npy file name", a.output.display());
    }
    let lines = read_lines(a.input.as_deref())?;
    let s = pipeline::embed::encode(&a.model.options(), &lines, &a.output, !g.quiet)?;
    if a.timings {
        eprintln!(
            "timings: {} sentences, {} word pieces, model load {:.2} s, encode {:.2} s (tokenise {:.2} s, forward {:.2} s), {:.1} sentences/s",
            s.rows,
            s.tokens,
            s.load_seconds,
            s.encode_seconds,
            s.tokenize_seconds,
            s.forward_seconds,
            s.rows as f64 / s.encode_seconds.max(1e-9)
        );
    }
    if !g.quiet {
        println!(
            "wrote {} ({} × {}); {} inputs truncated at {} word pieces",
            s.output.display(),
            s.rows,
            s.dim,
            s.truncated,
            s.max_seq_length
        );
    }
    Ok(ExitCode::SUCCESS)
}
