//! Does reduced precision make BERT-sized matrix products faster with candle
//! on this CPU? Times x·Wᵀ for MiniLM's projection shapes at one packed
//! batch (1,024 tokens) in f32, bf16, f16 and candle's quantized Q8_0 / Q4K
//! `QMatMul`, on one thread (the encoder runs one single-threaded pass per
//! core), and reports GFLOP/s and the relative error against f32.
//!
//! Run: `RAYON_NUM_THREADS=1 cargo run --release -p embed --example precision_microbench`
//! (a measurement, not a test; figures are recorded in docs/embed.md).

use std::time::Instant;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Result, Tensor};

fn median_secs(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?; // warm-up (also builds any repacked weight cache)
    let mut t = Vec::with_capacity(reps);
    for _ in 0..reps {
        let s = Instant::now();
        f()?;
        t.push(s.elapsed().as_secs_f64());
    }
    t.sort_by(f64::total_cmp);
    Ok(t[reps / 2])
}

fn rel_err(got: &Tensor, want: &Tensor) -> Result<f32> {
    let got = got.to_dtype(DType::F32)?;
    let diff = (got - want)?.sqr()?.sum_all()?.to_scalar::<f32>()?;
    let norm = want.sqr()?.sum_all()?.to_scalar::<f32>()?;
    Ok((diff / norm).sqrt())
}

fn main() -> Result<()> {
    let dev = Device::Cpu;
    let m: usize = std::env::var("MICROBENCH_TOKENS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let reps = 5;
    println!("m = {m} tokens, one thread per RAYON_NUM_THREADS, median of {reps}");
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "shape (k -> n)", "f32", "bf16", "f16", "q8_0", "q4k"
    );
    // (in, out): fused QKV, attention output, FFN up, FFN down; and the
    // FFN-up shape with k padded to 512 (the quantized x86 kernels need k % 256 == 0).
    for (k, n) in [
        (384, 1152),
        (384, 384),
        (384, 1536),
        (1536, 384),
        (512, 1536),
    ] {
        let x = Tensor::randn(0f32, 1.0, (m, k), &dev)?;
        let w = (Tensor::randn(0f32, 1.0, (n, k), &dev)? * 0.05)?;
        let w_t = w.t()?.contiguous()?;
        let flops = 2.0 * (m * k * n) as f64;
        let want = x.matmul(&w_t)?;

        let f32_s = median_secs(reps, || x.matmul(&w_t).map(drop))?;
        let mut cells = vec![format!("{:.0}", flops / f32_s * 1e-9)];
        let mut errs = vec!["0".to_string()];
        for dt in [DType::BF16, DType::F16] {
            let (xl, wl) = (x.to_dtype(dt)?, w_t.to_dtype(dt)?);
            let s = median_secs(reps, || xl.matmul(&wl).map(drop))?;
            cells.push(format!("{:.0}", flops / s * 1e-9));
            errs.push(format!("{:.1e}", rel_err(&xl.matmul(&wl)?, &want)?));
        }
        for q in [GgmlDType::Q8_0, GgmlDType::Q4K] {
            if k % q.block_size() != 0 {
                cells.push("n/a".into());
                errs.push("n/a".into());
                continue;
            }
            let qmm = QMatMul::from_qtensor(QTensor::quantize(&w, q)?)?;
            let s = median_secs(reps, || qmm.forward(&x).map(drop))?;
            cells.push(format!("{:.0}", flops / s * 1e-9));
            errs.push(format!("{:.1e}", rel_err(&qmm.forward(&x)?, &want)?));
        }
        let label = format!("{k} -> {n}");
        println!(
            "{:<26} {:>10} {:>10} {:>10} {:>10} {:>10}",
            format!("{label} GFLOP/s"),
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4]
        );
        println!(
            "{:<26} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "  rel. error vs f32", errs[0], errs[1], errs[2], errs[3], errs[4]
        );
    }
    layer_projections(m, reps)
}

/// The four projections of one MiniLM layer, as the encoder would run them:
/// f32 against Q8_0 with the k = 384 products padded to k = 512 (zero columns
/// in activations and weights) so that all four reach the VNNI kernel; the
/// padding copy is included in the time.
fn layer_projections(m: usize, reps: usize) -> Result<()> {
    let dev = Device::Cpu;
    let shapes = [(384usize, 1152usize), (384, 384), (384, 1536), (1536, 384)];
    let xs = shapes
        .iter()
        .map(|&(k, _)| Tensor::randn(0f32, 1.0, (m, k), &dev))
        .collect::<Result<Vec<_>>>()?;
    let ws = shapes
        .iter()
        .map(|&(k, n)| Tensor::randn(0f32, 0.05, (n, k), &dev))
        .collect::<Result<Vec<_>>>()?;
    let w_ts = ws
        .iter()
        .map(|w| w.t()?.contiguous())
        .collect::<Result<Vec<_>>>()?;
    let pad = |t: &Tensor| -> Result<Tensor> {
        let k = t.dim(1)?;
        t.pad_with_zeros(1, 0, k.next_multiple_of(256) - k)
    };
    let qs = ws
        .iter()
        .map(|w| QMatMul::from_qtensor(QTensor::quantize(&pad(w)?, GgmlDType::Q8_0)?))
        .collect::<Result<Vec<_>>>()?;
    let f32_s = median_secs(reps, || {
        for (x, w) in xs.iter().zip(&w_ts) {
            x.matmul(w)?;
        }
        Ok(())
    })?;
    let q8_s = median_secs(reps, || {
        for (x, q) in xs.iter().zip(&qs) {
            q.forward(&pad(x)?)?;
        }
        Ok(())
    })?;
    println!(
        "one layer's 4 projections, {m} tokens: f32 {:.2} ms, q8_0 (k padded to 512) {:.2} ms, speed-up {:.2}x",
        f32_s * 1e3,
        q8_s * 1e3,
        f32_s / q8_s
    );
    Ok(())
}
