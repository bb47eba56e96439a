//! Throughput and accuracy of the encoder's precisions (f32, bf16, int8) on
//! the 3,000 reference sentences: sentences/s (model load excluded) as the
//! median of alternating rounds, and each precision's cosine to f32.
//!
//! Run: `RAYON_NUM_THREADS=2 cargo run --release -p embed --example lowp_throughput
//! [sentences.txt] [rounds]` (default: `../shared/reference/all-MiniLM-L6-v2/sentences.txt`
//! from the workspace, 3 rounds). Forward passes run side by side, one per
//! rayon thread, as `autocode encode` runs them. A measurement, not a test;
//! figures are recorded in docs/embed.md and docs/benchmarks.md.

use std::path::PathBuf;
use std::time::Instant;

use candle_core::Device;
use embed::{BatchOptions, Encoder, Precision, SentenceTransformer};

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

fn main() -> anyhow::Result<()> {
    let workspace = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut args = std::env::args().skip(1);
    let input = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("../shared/reference/all-MiniLM-L6-v2/sentences.txt"));
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(3);
    let text = std::fs::read_to_string(&input)?;
    let texts: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let threads = rayon::current_num_threads();
    let dir = embed::default_model_dir();
    let precisions = [Precision::F32, Precision::Bf16, Precision::Int8];
    let models = precisions
        .iter()
        .map(|&p| {
            Ok(
                SentenceTransformer::load_with(&dir, &Device::Cpu, p)?.with_batch_options(
                    BatchOptions {
                        workers: threads,
                        ..BatchOptions::default()
                    },
                ),
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!(
        "{} sentences, {threads} thread(s), {rounds} alternating rounds",
        texts.len()
    );
    let mut rates = vec![Vec::new(); models.len()];
    let mut vectors = vec![Vec::new(); models.len()];
    for round in 0..rounds {
        // Alternate the order so that drift in machine load spreads evenly.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..models.len()).collect()
        } else {
            (0..models.len()).rev().collect()
        };
        for i in order {
            let t = Instant::now();
            let got = models[i].encode(&texts)?;
            let rate = texts.len() as f64 / t.elapsed().as_secs_f64();
            rates[i].push(rate);
            vectors[i] = got.vectors;
        }
    }
    println!("| precision | key | sentences/s (median) | rounds | cosine to f32 min | mean |");
    println!("|---|---|---:|---|---:|---:|");
    for (i, model) in models.iter().enumerate() {
        let mut r = rates[i].clone();
        r.sort_by(f64::total_cmp);
        let cos: Vec<f32> = vectors[i]
            .iter()
            .zip(&vectors[0])
            .map(|(a, b)| cosine(a, b))
            .collect();
        let min = cos.iter().copied().fold(1f32, f32::min);
        let mean = cos.iter().sum::<f32>() / cos.len().max(1) as f32;
        println!(
            "| {} | {} | {:.0} | {} | {min:.5} | {mean:.5} |",
            model.precision(),
            model.model_key(),
            r[r.len() / 2],
            rates[i]
                .iter()
                .map(|x| format!("{x:.0}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    Ok(())
}
