//! `make bench`: time to code N embedded sentences against a K-code codebook
//! (classification only; embeddings given). Synthetic unit vectors: K
//! cluster directions in 384-d plus noise; half the codes supervised, half
//! zero-shot (too few examples), as in a codebook that is partly coded.
//!
//! cargo run --release -p classify --example speed -- [N] [K] [CONTEXT]
//!
//! CONTEXT 1: every sentence is spoken, its neighbours the sentences
//! before and after it in runs of 20 (a transcript) and its question the
//! vector before its run (a moderator's), so supervised codes read the
//! context blocks (`ClassifierParams::context_weight`, `question_weight`).

use std::time::Instant;

use classify::model::SplitMix;
use classify::{ClassifierParams, Code, Codebook, Context, Label, TrainingSet};

/// Item i's neighbours in runs of 20 and the vector before its run as its
/// question (none when `on` is false).
fn runs_of_20<'a>(vectors: &'a [Vec<f32>], on: bool) -> Vec<Context<'a>> {
    if !on {
        return Vec::new();
    }
    (0..vectors.len())
        .map(|i| Context {
            before: (i % 20 > 0).then(|| vectors[i - 1].as_slice()),
            after: (i % 20 < 19 && i + 1 < vectors.len()).then(|| vectors[i + 1].as_slice()),
            question: (i >= 20).then(|| vectors[i - i % 20 - 1].as_slice()),
        })
        .collect()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100_000);
    let k = args.get(1).copied().unwrap_or(25);
    let spoken = args.get(2).copied().unwrap_or(0) == 1;
    let dim = 384;
    let mut rng = SplitMix(7);
    let mut gauss = move || {
        // Sum of uniforms: close enough to normal for synthetic directions.
        (0..4)
            .map(|_| (rng.next_u64() >> 11) as f32 / (1u64 << 53) as f32)
            .sum::<f32>()
            - 2.0
    };
    let unit = |v: &mut Vec<f32>| {
        let s = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= s);
    };
    let centers: Vec<Vec<f32>> = (0..k)
        .map(|_| {
            let mut v: Vec<f32> = (0..dim).map(|_| gauss()).collect();
            unit(&mut v);
            v
        })
        .collect();
    let mut sample = |c: usize| {
        let mut v: Vec<f32> = centers[c].iter().map(|x| x + 0.08 * gauss()).collect();
        unit(&mut v);
        v
    };
    let cb = Codebook {
        name: "synthetic".into(),
        codes: (0..k)
            .map(|c| Code {
                id: format!("c{c}"),
                name: format!("code {c}"),
                definition: "synthetic".into(),
                ..Default::default()
            })
            .collect(),
    };
    let protos: Vec<Vec<Vec<f32>>> = (0..k).map(|c| vec![sample(c)]).collect();
    // 2,000 labelled sentences; codes k/2.. get only 3 positives (zero-shot fallback).
    let mut train_emb = Vec::new();
    let mut labels = Vec::new();
    let half = (k / 2).max(1);
    for i in 0..2000 {
        let c = if i < 3 * (k - half) {
            half + i % (k - half)
        } else {
            i % half
        };
        train_emb.push(sample(c));
        let mut row = vec![Label::No; k];
        row[c] = Label::Yes;
        labels.push(row);
    }
    let set = TrainingSet {
        embeddings: train_emb.iter().map(|v| v.as_slice()).collect(),
        texts: vec![""; 2000],
        labels,
        groups: (0..2000).map(|i| format!("d{}", i % 40)).collect(),
        context: runs_of_20(&train_emb, spoken),
    };
    let params = ClassifierParams {
        tfidf: None,
        ..Default::default()
    };
    let t = Instant::now();
    let mut clf = params.check().unwrap().fit(&cb, &protos, &set).unwrap();
    let fit_s = t.elapsed().as_secs_f64();
    // What `autocode code` adds to a fit: thresholds drawn towards what a
    // 5,000-sentence corpus sample expects.
    let corpus_emb: Vec<Vec<f32>> = (0..5000).map(|i| sample((i * 7) % k)).collect();
    let corpus = TrainingSet {
        embeddings: corpus_emb.iter().map(|v| v.as_slice()).collect(),
        texts: vec![""; 5000],
        labels: vec![vec![Label::Unknown; k]; 5000],
        groups: vec!["corpus".into(); 5000],
        context: runs_of_20(&corpus_emb, spoken),
    };
    let t = Instant::now();
    clf.fit_thresholds_to_corpus(&corpus).unwrap();
    let thresholds_s = t.elapsed().as_secs_f64();
    let supervised = clf.codes.iter().filter(|c| c.is_supervised()).count();
    let items: Vec<Vec<f32>> = (0..n).map(|i| sample(i % k)).collect();
    let refs: Vec<&[f32]> = items.iter().map(|v| v.as_slice()).collect();
    let context = runs_of_20(&items, spoken);
    let t = Instant::now();
    let p = clf.predict_in_context(&refs, None, &context).unwrap();
    let predict_s = t.elapsed().as_secs_f64();
    let stored = p
        .probabilities
        .iter()
        .flatten()
        .filter(|&&x| x >= 0.05)
        .count();
    println!(
        "{{\"n\": {n}, \"codes\": {k}, \"spoken\": {spoken}, \"supervised\": {supervised}, \"fit_s\": {fit_s:.3}, \"thresholds_s\": {thresholds_s:.3}, \"predict_s\": {predict_s:.3}, \"rows_p_ge_0.05\": {stored}, \"threads\": {}}}",
        rayon::current_num_threads()
    );
}
