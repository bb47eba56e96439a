//! Clusters a .npy matrix of sentence vectors (benchmarks and tuning; not part
//! of the CLI). Prints one JSON line: timings, themes, outlier share, and ARI/
//! NMI when a labels file (one label per row) is given.
//!
//! cargo run --release -p themes --example cluster_npy -- VECTORS.npy
//!     [--labels FILE] [--texts FILE] [--seed N] [--min-size N] [--max-themes N]
//!     [--reassign T] [--sample-cap N] [--stability-runs N] [--epochs N]
//!     [--n-components N] [--dump-suggestions FILE.json]

use std::time::Instant;

use themes::metrics::{adjusted_rand_index, normalized_mutual_info};
use themes::{Dataset, SegmentInfo, ThemeParams};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: cluster_npy VECTORS.npy [options]"))?;
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let mut params = ThemeParams::new();
    if let Some(v) = opt("--seed") {
        params = params.seed(v.parse()?);
    }
    if let Some(v) = opt("--min-size") {
        params = params.min_size(v.parse()?);
    }
    if let Some(v) = opt("--max-themes") {
        params = params.max_themes(v.parse()?);
    }
    if let Some(v) = opt("--reassign") {
        params = params.reassign_outliers(Some(v.parse()?));
    }
    if let Some(v) = opt("--sample-cap") {
        params = params.sample_cap(v.parse()?);
    }
    if let Some(v) = opt("--stability-runs") {
        params = params.stability_runs(v.parse()?);
    }
    if let Some(v) = opt("--n-components") {
        params = params.n_components(v.parse()?);
    }
    if let Some(v) = opt("--epochs") {
        params = params.epochs(Some(v.parse()?));
    }
    let t0 = Instant::now();
    let (rows, dim, data) = embed::npy::read_f32_matrix(std::path::Path::new(path))?;
    let load_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let ds = Dataset::new((0..rows).collect(), data, dim)?;
    let fit = params.fit(&ds)?;
    let fit_s = t1.elapsed().as_secs_f64();
    let mut describe_s = 0.0;
    if let Some(texts) = opt("--texts") {
        let t2 = Instant::now();
        let infos: Vec<SegmentInfo> = std::fs::read_to_string(texts)?
            .lines()
            .take(rows)
            .enumerate()
            .map(|(i, t)| SegmentInfo {
                segment_id: i as i64,
                text: t.to_string(),
                ..Default::default()
            })
            .collect();
        anyhow::ensure!(infos.len() == rows, "fewer texts than vectors");
        let s = themes::describe(
            &fit,
            &ds,
            &infos,
            &Default::default(),
            &[],
            0.5,
            &Default::default(),
        );
        describe_s = t2.elapsed().as_secs_f64();
        if let Some(path) = opt("--dump-suggestions") {
            std::fs::write(path, serde_json::to_string_pretty(&s)?)?;
        }
        if std::env::var_os("SHOW_LABELS").is_some() {
            for x in s.iter().take(fit.n_leaves) {
                eprintln!("{:>7} {}", x.size, x.label);
            }
        }
    }
    let mut out = serde_json::json!({
        "n": rows, "dim": dim, "load_s": load_s, "fit_s": fit_s, "describe_s": describe_s,
        "themes": fit.n_leaves, "all_nodes": fit.themes.len(), "sample": fit.sample_size,
        "outlier_share": fit.outlier_share, "outlier_share_clustered": fit.outlier_share_clustered,
        "mean_stability": fit.themes[..fit.n_leaves].iter().map(|t| t.stability).sum::<f64>() / fit.n_leaves.max(1) as f64,
    });
    if let Some(labels) = opt("--labels") {
        let gold: Vec<String> = std::fs::read_to_string(labels)?
            .lines()
            .map(str::to_string)
            .collect();
        anyhow::ensure!(
            gold.len() == rows,
            "labels: {} lines for {rows} rows",
            gold.len()
        );
        let pred: Vec<i64> = fit
            .labels
            .iter()
            .map(|l| l.map_or(-1, |t| t as i64))
            .collect();
        out["ari"] = adjusted_rand_index(&gold, &pred).into();
        out["nmi"] = normalized_mutual_info(&gold, &pred).into();
    }
    println!("{out}");
    Ok(())
}
