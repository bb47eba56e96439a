//! `autocode embed` (the project's segments) and `autocode encode` (any text
//! lines): arguments and printing; the work is in `pipeline::embed`.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use embed::{BatchOptions, DeviceSpec, Precision};
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
    /// Number format of the encoder's matrix products: f32, bf16 or int8
    /// (bf16/int8 need a CPU with AVX-512 BF16/VNNI, else f32 runs). Vectors
    /// are stored under a model key that names a non-f32 precision.
    #[arg(long, default_value_t = Precision::default())]
    pub precision: Precision,
}

impl ModelArgs {
    fn options(&self) -> ModelOptions {
        ModelOptions {
            model: self.model.clone(),
            batch_size: self.batch_size,
            batch_tokens: self.batch_tokens,
            threads: self.threads,
            device: self.device,
            precision: self.precision,
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
    // Before the corpus is embedded: the export is written only after it.
    if let Some(export) = &a.export {
        embed::npy::check_output_path(export)
            .with_context(|| format!("--export {}", export.display()))?;
    }
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
    let mut bytes = Vec::new();
    match input {
        Some(p) => {
            bytes = std::fs::read(p).with_context(|| format!("opening {}", p.display()))?;
        }
        None => {
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
        }
    }
    let name = input
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "standard input".into());
    input_lines(&name, &bytes)
}

/// The lines of an `encode` input: UTF-8, or UTF-16 with a byte-order mark.
/// UTF-16 without one is refused by name, as ingest refuses it: read as
/// UTF-8 it split into NUL-riddled rows (3 lines became 4 rows), and guessing
/// the byte order from NUL patterns misreads short or non-Latin text.
/// Lines end at `\n` or `\r\n`; one more trailing `\r` is dropped.
fn input_lines(name: &str, bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16, label: &str| {
        if !rest.len().is_multiple_of(2) {
            anyhow::bail!("{name}: {label} text with an odd number of bytes");
        }
        let units = rest.chunks_exact(2).map(|c| from([c[0], c[1]]));
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| anyhow::anyhow!("{name}: not valid {label} ({e})"))
    };
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(rest, u16::from_le_bytes, "UTF-16LE")?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(rest, u16::from_be_bytes, "UTF-16BE")?
    } else if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        let zeros = bytes.iter().filter(|&&b| b == 0).count();
        let hint = if zeros * 3 >= bytes.len() {
            "; it looks like UTF-16 without a byte-order mark: save it as UTF-8 (or UTF-16 with a BOM)"
        } else {
            "; not a text file"
        };
        anyhow::bail!("{name}: line {line}: NUL byte at byte {offset}{hint}");
    } else {
        match std::str::from_utf8(bytes) {
            Ok(t) => t.to_string(),
            Err(e) => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                anyhow::bail!("{name}: line {}: not UTF-8 text", line + 1);
            }
        }
    };
    let body = text.strip_suffix('\n').unwrap_or(&text);
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let pieces: Vec<&str> = body.split('\n').collect();
    let last = pieces.len() - 1;
    let ended = text.ends_with('\n');
    Ok(pieces
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            // A line ended by `\n` may have had `\r\n`; any line loses one `\r` more.
            let mut line = line;
            if i < last || ended {
                line = line.strip_suffix('\r').unwrap_or(line);
            }
            line.strip_suffix('\r').unwrap_or(line).to_string()
        })
        .collect())
}

pub fn encode(g: &Global, a: EncodeArgs) -> Outcome {
    // Before the input is read and the model loaded, which come before the
    // file is created.
    embed::npy::check_output_path(&a.output)
        .with_context(|| format!("--output {}", a.output.display()))?;
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

#[cfg(test)]
mod tests {
    use super::input_lines;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    /// Issue #17 item 20: UTF-16 without a BOM was read as 4 NUL-riddled
    /// rows from 3 lines.
    #[test]
    fn utf16_without_a_bom_is_refused_with_a_reason() {
        let e = input_lines("in.txt", &utf16le("one\ntwo\nthree\n", false))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "in.txt: line 1: NUL byte at byte 1; it looks like UTF-16 without a byte-order mark: save it as UTF-8 (or UTF-16 with a BOM)");
        let be: Vec<u8> = "a\nb".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let e = input_lines("be.txt", &be).unwrap_err().to_string();
        assert!(
            e.starts_with("be.txt: line 1: NUL byte at byte 0; it looks like UTF-16"),
            "{e}"
        );
        let e = input_lines("bin", b"ab\ncd\0efghijkl")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "bin: line 2: NUL byte at byte 5; not a text file");
    }

    #[test]
    fn lines_split_as_before_and_utf16_with_a_bom_decodes() {
        let want = vec!["one".to_string(), "two".into(), "three".into()];
        assert_eq!(
            input_lines("x", &utf16le("one\r\ntwo\nthree\n", true)).unwrap(),
            want
        );
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("one\ntwo\nthree".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(input_lines("x", &be).unwrap(), want);
        // What BufRead::lines plus one popped `\r` gave.
        assert_eq!(input_lines("x", b"").unwrap(), Vec::<String>::new());
        assert_eq!(input_lines("x", b"\n").unwrap(), vec![""]);
        assert_eq!(input_lines("x", b"a\r\r\nb\r").unwrap(), vec!["a", "b"]);
        assert_eq!(input_lines("x", b"a\n\nb\n").unwrap(), vec!["a", "", "b"]);
        let e = input_lines("x", b"ok\nbad \xff\n").unwrap_err().to_string();
        assert_eq!(e, "x: line 2: not UTF-8 text");
    }
}
