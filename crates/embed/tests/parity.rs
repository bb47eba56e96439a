//! Parity with sentence-transformers on the 211 reference sentences, with the
//! real default model (fetched by `make models`).

use std::path::PathBuf;

use candle_core::Device;
use embed::{Encoder, Precision, SentenceTransformer};

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn reference() -> Vec<(String, Vec<f32>)> {
    let path = workspace().join("tests/fixtures/embed/reference.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let e = v["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect();
            (v["text"].as_str().unwrap().to_string(), e)
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn matches_sentence_transformers_on_reference_sentences() {
    let model = SentenceTransformer::load(&workspace().join("models/all-MiniLM-L6-v2")).unwrap();
    assert_eq!(model.dim(), 384);
    assert!(
        model
            .model_key()
            .starts_with("all-MiniLM-L6-v2@53aa51172d14"),
        "{}",
        model.model_key()
    );
    let reference = reference();
    assert_eq!(reference.len(), 211);
    let texts: Vec<&str> = reference.iter().map(|(t, _)| t.as_str()).collect();
    let got = model.encode(&texts).unwrap();
    assert_eq!(got.vectors.len(), 211);

    let mut worst = (1.0f32, 0usize);
    for (i, ((text, want), v)) in reference.iter().zip(&got.vectors).enumerate() {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "row {i} not normalised: {norm}");
        let c = cosine(v, want);
        if c < worst.0 {
            worst = (c, i);
        }
        assert!(c >= 0.9999, "row {i} cosine {c} for {text:?}");
    }
    eprintln!("min cosine {} (row {})", worst.0, worst.1);

    // Exactly one reference input is longer than 256 word pieces.
    let truncated: Vec<usize> = (0..211).filter(|&i| got.truncated[i]).collect();
    assert_eq!(truncated.len(), 1, "truncated rows: {truncated:?}");
    assert!(texts[truncated[0]].split_whitespace().count() > 150);

    // Batch composition must not change the result: one at a time agrees.
    for &i in &[0usize, 205, truncated[0]] {
        let alone = model.encode(&[texts[i]]).unwrap();
        let c = cosine(&alone.vectors[0], &got.vectors[i]);
        assert!(c > 0.99999, "row {i} alone vs in batch: {c}");
        assert_eq!(alone.truncated[0], got.truncated[i]);
    }
}

#[test]
fn empty_input_gives_no_rows() {
    let model = SentenceTransformer::load(&workspace().join("models/all-MiniLM-L6-v2")).unwrap();
    let got = model.encode(&[]).unwrap();
    assert!(got.vectors.is_empty() && got.truncated.is_empty());
}

#[test]
fn missing_model_folder_is_a_clear_error() {
    let err = SentenceTransformer::load(&workspace().join("models/no-such-model"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("no-such-model") && err.contains("make models"),
        "{err}"
    );
}

/// Min and mean cosine of `precision`'s vectors to the f32 engine's and to
/// sentence-transformers' on the 211 reference sentences, and the key.
fn reduced_precision_cosines(precision: Precision) -> Option<(f32, f32, f32, String)> {
    if !precision.supported() {
        eprintln!("skipped: this CPU has no {precision} instructions");
        return None;
    }
    let dir = workspace().join("models/all-MiniLM-L6-v2");
    let f32_model = SentenceTransformer::load(&dir).unwrap();
    let model = SentenceTransformer::load_with(&dir, &Device::Cpu, precision).unwrap();
    assert_eq!(model.precision(), precision);
    let reference = reference();
    let texts: Vec<&str> = reference.iter().map(|(t, _)| t.as_str()).collect();
    let base = f32_model.encode(&texts).unwrap();
    let got = model.encode(&texts).unwrap();
    let (mut min_f32, mut min_st, mut sum) = (1f32, 1f32, 0f32);
    for ((v, b), (_, st)) in got.vectors.iter().zip(&base.vectors).zip(&reference) {
        let c = cosine(v, b);
        min_f32 = min_f32.min(c);
        sum += c;
        min_st = min_st.min(cosine(v, st));
    }
    let mean = sum / texts.len() as f32;
    eprintln!(
        "{precision}: cosine to f32 min {min_f32:.5} mean {mean:.5}; to sentence-transformers min {min_st:.5}"
    );
    Some((min_f32, mean, min_st, model.model_key().to_string()))
}

#[test]
fn bf16_parity() {
    let Some((min_f32, _, min_st, key)) = reduced_precision_cosines(Precision::Bf16) else {
        return;
    };
    assert!(
        key.starts_with("all-MiniLM-L6-v2@53aa51172d14") && key.ends_with("+bf16"),
        "{key}"
    );
    assert!(min_f32 >= 0.999, "bf16 min cosine to f32 {min_f32}");
    assert!(
        min_st >= 0.999,
        "bf16 min cosine to sentence-transformers {min_st}"
    );
}

#[test]
fn int8_parity() {
    let Some((min_f32, _, min_st, key)) = reduced_precision_cosines(Precision::Int8) else {
        return;
    };
    assert!(key.ends_with("+int8"), "{key}");
    assert!(min_f32 >= 0.995, "int8 min cosine to f32 {min_f32}");
    assert!(
        min_st >= 0.995,
        "int8 min cosine to sentence-transformers {min_st}"
    );
}

#[test]
fn f32_key_is_unchanged_by_the_precision_option() {
    let dir = workspace().join("models/all-MiniLM-L6-v2");
    let model = SentenceTransformer::load_with(&dir, &Device::Cpu, Precision::F32).unwrap();
    assert_eq!(model.precision(), Precision::F32);
    assert!(!model.model_key().contains('+'), "{}", model.model_key());
}
