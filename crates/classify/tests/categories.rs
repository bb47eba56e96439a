//! A category (`codable: false`, REFI-QDA's `isCodable="false"`, a MAXQDA
//! or NVivo folder) in the classifier (hw/01): no model, no pseudo-labels,
//! never assigned, probability 0; the codes below it are coded exactly as
//! they are without it, and a code above it is assigned through them.

use classify::zeroshot::{fit_with_corpus, pseudo_labelled, PseudoLabelParams};
use classify::{parse_codebook, ClassifierParams, Codebook, CodebookFormat, Label, TrainingSet};

fn yaml(src: &str) -> Codebook {
    parse_codebook(src, "cb.yaml", CodebookFormat::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// MAXQDA's two folders and their codes.
const FOLDERS: &str = "name: Founders\ncodes:\n\
- id: remote\n  name: Working remotely\n  codable: false\n  definition: Working away from an office.\n\
- id: isolation\n  parent: remote\n  definition: Feeling alone.\n\
- id: boundaries\n  parent: remote\n  definition: Work spilling into home life.\n\
- id: business\n  codable: false\n  definition: Money, premises, clients.\n\
- id: costs\n  parent: business\n  definition: Rent and offices.\n\
- id: clients\n  parent: business\n  definition: Customers.\n";

/// The same codes without the folders.
const FLAT: &str = "name: Founders\ncodes:\n\
- id: isolation\n  definition: Feeling alone.\n\
- id: boundaries\n  definition: Work spilling into home life.\n\
- id: costs\n  definition: Rent and offices.\n\
- id: clients\n  definition: Customers.\n";

/// Deterministic points in four dimensions (splitmix64), unit length.
fn points(seed: u64, n: usize) -> Vec<Vec<f32>> {
    let mut s = seed;
    let mut u = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f32 / (1u64 << 53) as f32
    };
    (0..n)
        .map(|_| {
            let mut v: Vec<f32> = (0..4).map(|_| u() + 0.05).collect();
            // One axis dominant: the sentence's topic.
            let k = (u() * 4.0) as usize % 4;
            v[k] += 1.5;
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}

fn axis(k: usize) -> Vec<f32> {
    let mut v = [0.05f32; 4];
    v[k] = 1.0;
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

/// Each code's prototype along its own axis; a folder's along the
/// diagonal, close to every sentence, as a folder's broad description is:
/// had it a model, it would take sentences from its codes.
fn prototypes(cb: &Codebook) -> Vec<Vec<Vec<f32>>> {
    let mut next = 0;
    cb.codes
        .iter()
        .map(|c| {
            if c.codable {
                next += 1;
                vec![axis(next - 1)]
            } else {
                vec![vec![0.5f32; 4]]
            }
        })
        .collect()
}

/// Human labels of the codable codes (Yes where the sentence's topic is
/// the code's axis), in `cb`'s columns; a folder's column unknown.
fn labels(cb: &Codebook, emb: &[Vec<f32>]) -> Vec<Vec<Label>> {
    emb.iter()
        .map(|v| {
            let top = (0..4).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
            let mut next = 0;
            cb.codes
                .iter()
                .map(|c| {
                    if !c.codable {
                        return Label::Unknown;
                    }
                    next += 1;
                    if next - 1 == top {
                        Label::Yes
                    } else {
                        Label::No
                    }
                })
                .collect()
        })
        .collect()
}

fn set<'a>(
    cb: &Codebook,
    emb: &'a [Vec<f32>],
    texts: &'a [String],
    labelled: bool,
) -> TrainingSet<'a> {
    TrainingSet {
        embeddings: emb.iter().map(Vec::as_slice).collect(),
        texts: texts.iter().map(String::as_str).collect(),
        labels: if labelled {
            labels(cb, emb)
        } else {
            vec![vec![Label::Unknown; cb.codes.len()]; emb.len()]
        },
        groups: (0..emb.len()).map(|i| format!("doc{}", i % 6)).collect(),
        context: Vec::new(),
    }
}

#[test]
fn a_category_has_no_model_and_leaves_its_codes_as_they_are_without_it() {
    let folders = yaml(FOLDERS);
    let flat = yaml(FLAT);
    let codable = [1, 2, 4, 5];
    let emb = points(7, 120);
    let texts: Vec<String> = (0..emb.len()).map(|i| format!("sentence {i}")).collect();
    let pp = PseudoLabelParams::default();
    let corpus_of = |cb: &Codebook| {
        let refs: Vec<&[f32]> = emb.iter().map(Vec::as_slice).collect();
        let t: Vec<&str> = texts.iter().map(String::as_str).collect();
        let groups: Vec<String> = (0..emb.len()).map(|i| format!("doc{}", i % 6)).collect();
        pseudo_labelled(cb, &prototypes(cb), &refs, &t, &groups, &[], &pp)
    };
    // Pseudo-labels: none for a folder, the codes' as without folders.
    let (with, without) = (corpus_of(&folders), corpus_of(&flat));
    for (a, b) in with.labels.iter().zip(&without.labels) {
        assert_eq!((a[0], a[3]), (Label::Unknown, Label::Unknown));
        let kept: Vec<Label> = codable.iter().map(|&c| a[c]).collect();
        assert_eq!(&kept, b);
    }
    assert!(without.labels.iter().any(|r| r.contains(&Label::Yes)));
    let params = ClassifierParams {
        tfidf: None,
        ..ClassifierParams::default()
    }
    .check()
    .unwrap();
    let probe = points(99, 40);
    let probe: Vec<&[f32]> = probe.iter().map(Vec::as_slice).collect();
    // From the corpus alone (no review yet), then with human labels.
    for labelled in [false, true] {
        let fit = |cb: &Codebook, corpus: &TrainingSet<'_>| {
            let human = if labelled {
                set(cb, &emb, &texts, true)
            } else {
                TrainingSet::default()
            };
            fit_with_corpus(&params, cb, &prototypes(cb), &human, corpus).unwrap()
        };
        let (a, b) = (fit(&folders, &with), fit(&flat, &without));
        assert_eq!(a.codes.len(), 6);
        for c in [0, 3] {
            let m = &a.codes[c];
            assert!(m.is_category() && !m.is_supervised() && !m.is_calibrated());
            assert_eq!((m.positives, m.negatives), (0, 0));
            assert!(m.note.starts_with("not codable (a category): no model"));
        }
        for (k, &c) in codable.iter().enumerate() {
            assert_eq!(a.codes[c], b.codes[k], "labelled: {labelled}");
        }
        // Learnt from human labels, or else from the corpus's pseudo-labels.
        assert!(b.codes.iter().all(|m| if labelled {
            m.is_supervised() && !m.pseudo_labelled
        } else {
            m.pseudo_labelled
        }));
        let (pa, pb) = (
            a.predict(&probe, None).unwrap(),
            b.predict(&probe, None).unwrap(),
        );
        let mut coded = 0;
        for i in 0..probe.len() {
            for c in [0, 3] {
                assert_eq!(pa.probabilities[i][c], 0.0);
                assert!(!pa.assigned[i][c]);
            }
            for (k, &c) in codable.iter().enumerate() {
                assert_eq!(pa.probabilities[i][c], pb.probabilities[i][k]);
                assert_eq!(pa.assigned[i][c], pb.assigned[i][k]);
                coded += usize::from(pa.assigned[i][c]);
            }
        }
        assert!(coded > 0, "labelled: {labelled}");
    }
}

/// A category between two codes: the code above it is coded through the
/// codes below it, the category never.
#[test]
fn a_code_above_a_category_is_coded_through_the_codes_below_it() {
    let cb = yaml(
        "codes:\n- id: work\n  definition: Work.\n- id: remote\n  parent: work\n  codable: false\n  definition: Remote work.\n- id: isolation\n  parent: remote\n  definition: Feeling alone.\n- id: costs\n  definition: Money.\n",
    );
    let emb = points(11, 80);
    let texts: Vec<String> = (0..emb.len()).map(|i| format!("s{i}")).collect();
    // Isolation on axis 0; work on axis 0 too; costs on axis 1.
    let protos = vec![
        vec![axis(0)],
        vec![vec![0.5f32; 4]],
        vec![axis(0)],
        vec![axis(1)],
    ];
    let clf = ClassifierParams {
        tfidf: None,
        ..ClassifierParams::default()
    }
    .check()
    .unwrap()
    .fit(&cb, &protos, &set(&cb, &emb, &texts, false))
    .unwrap();
    assert!(clf.codes[1].is_category());
    let probe: Vec<&[f32]> = emb.iter().map(Vec::as_slice).collect();
    let p = clf.predict(&probe, None).unwrap();
    let mut isolation = 0;
    for (probs, assigned) in p.probabilities.iter().zip(&p.assigned) {
        assert_eq!((probs[1], assigned[1]), (0.0, false));
        assert!(probs[0] >= probs[2]);
        if assigned[2] {
            isolation += 1;
            assert!(assigned[0], "a code above the category is assigned");
        }
    }
    assert!(isolation > 0);
}

/// A catch-all below a category: the rule codes it where its parent is
/// coded and none of its siblings is, and a category is never coded, so
/// it waits for human codings to learn from, and says so.
#[test]
fn a_catch_all_below_a_category_waits_for_human_codings() {
    let cb = yaml(
        "codes:\n- id: business\n  codable: false\n  definition: Business.\n- id: costs\n  parent: business\n  definition: Money.\n- id: other\n  name: Other\n  parent: business\n  definition: Other business.\n- id: people\n  definition: People.\n",
    );
    assert_eq!(cb.residual_codes(), [false, false, true, false]);
    let emb = points(5, 60);
    let texts: Vec<String> = (0..emb.len()).map(|i| format!("s{i}")).collect();
    let protos = vec![
        vec![vec![0.5f32; 4]],
        vec![axis(0)],
        vec![axis(2)],
        vec![axis(1)],
    ];
    let clf = ClassifierParams {
        tfidf: None,
        ..ClassifierParams::default()
    }
    .check()
    .unwrap()
    .fit(&cb, &protos, &set(&cb, &emb, &texts, false))
    .unwrap();
    assert!(
        clf.codes[2].note.ends_with(
            "; catch-all below a category: not assigned until it has human codings to learn from (the rule needs its parent coded, and a category never is)"
        ),
        "{}",
        clf.codes[2].note
    );
    assert!(
        !clf.codes[2].note.contains("; catch-all: assigned when"),
        "{}",
        clf.codes[2].note
    );
    let probe: Vec<&[f32]> = emb.iter().map(Vec::as_slice).collect();
    let p = clf.predict(&probe, None).unwrap();
    assert!(p.assigned.iter().all(|a| !a[0] && !a[2]));
    assert!(p.assigned.iter().any(|a| a[1]) && p.assigned.iter().any(|a| a[3]));
}
