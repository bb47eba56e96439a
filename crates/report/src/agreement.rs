//! Agreement between coders on the sentences (or participants) both coded.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::data::{ProjectData, Source};
use crate::freq::speaker_key;
use crate::stats::Table2x2;

/// What one agreement unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AgreementUnit {
    /// One sentence: does it have the code?
    #[default]
    Sentence,
    /// One participant: did they mention the code in any sentence both coded?
    Participant,
}

impl AgreementUnit {
    pub fn parse(s: &str) -> Option<AgreementUnit> {
        match s {
            "sentence" => Some(AgreementUnit::Sentence),
            "participant" => Some(AgreementUnit::Participant),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figures {
    /// Units in the table (for the overall figure: units × codes).
    pub n: u64,
    pub both: u64,
    pub only_a: u64,
    pub only_b: u64,
    pub neither: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
}

impl Figures {
    fn from_table(t: &Table2x2) -> Figures {
        Figures {
            n: t.n(),
            both: t.both,
            only_a: t.only_a,
            only_b: t.only_b,
            neither: t.neither,
            percent_agreement: t.percent_agreement(),
            cohen_kappa: t.cohen_kappa(),
            krippendorff_alpha: t.krippendorff_alpha(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeAgreement {
    pub code_id: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub coder_a: String,
    pub coder_b: String,
    /// Units both coded.
    pub units: u64,
    /// Every (unit, code) pair pooled into one table.
    pub overall: Figures,
    pub codes: Vec<CodeAgreement>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub unit: AgreementUnit,
    pub pairs: Vec<PairAgreement>,
}

/// One coder's decisions: the units they coded and the codes they gave.
struct CoderView {
    label: String,
    units: BTreeSet<i64>,
    codes: BTreeMap<i64, BTreeSet<String>>,
    /// The codes a reviewer judged on each sentence (`None` in the map: a
    /// "no code", every code judged). `None`: a coder who judged every code
    /// of every unit (the machine, gold, an imported coder). A reviewer
    /// decides one suggestion at a time: a code they never judged on a
    /// sentence is not their "absent", and counted so it made a reviewer
    /// who accepted one code disagree with another who rejected a second.
    judged: Option<BTreeMap<i64, Option<BTreeSet<String>>>>,
}

pub fn agreement(data: &ProjectData, unit: AgreementUnit, include_moderators: bool) -> Agreement {
    let included: BTreeMap<i64, &store::StoredSegment> = data
        .segments
        .iter()
        .filter(|s| include_moderators || !s.is_moderator)
        .map(|s| (s.id, s))
        .collect();
    let doc_of = |seg: i64| included.get(&seg).map(|s| s.document.as_str());
    let segments_in = |docs: &BTreeSet<&str>| -> BTreeSet<i64> {
        included
            .values()
            .filter(|s| docs.contains(s.document.as_str()))
            .map(|s| s.id)
            .collect()
    };

    let mut views: Vec<CoderView> = Vec::new();

    // The machine, as it decided before any review.
    let mut machine_version: BTreeMap<i64, Option<i64>> = BTreeMap::new();
    for c in data.codings.iter().filter(|c| c.source == Source::Machine) {
        let e = machine_version
            .entry(c.segment_id)
            .or_insert(c.codebook_version);
        *e = (*e).max(c.codebook_version);
    }
    let machine_docs: BTreeSet<&str> = machine_version.keys().filter_map(|s| doc_of(*s)).collect();
    if !machine_docs.is_empty() {
        let mut codes: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for c in data
            .codings
            .iter()
            .filter(|c| c.source == Source::Machine && c.assigned)
        {
            if machine_version.get(&c.segment_id) == Some(&c.codebook_version) {
                codes
                    .entry(c.segment_id)
                    .or_default()
                    .insert(c.code_id.clone());
            }
        }
        // `coding_marks` says which sentences the classifier finished; without
        // it, every sentence of a document it coded counts.
        let units = match &data.machine_coded {
            Some(marked) => marked
                .iter()
                .filter(|s| included.contains_key(s))
                .copied()
                .collect(),
            None => segments_in(&machine_docs),
        };
        views.push(CoderView {
            label: "machine".into(),
            units,
            codes,
            judged: None,
        });
    }

    // Humans and gold coders.
    let mut people: BTreeSet<(Source, String)> = BTreeSet::new();
    for c in data.codings.iter().filter(|c| c.source != Source::Machine) {
        people.insert((c.source, c.coder.clone()));
    }
    for r in &data.reviews {
        people.insert((Source::Human, r.reviewer.clone()));
    }
    // A gold coder who judged "no code applies" wherever they coded gave
    // no coding: the coverage names them (migration 019).
    if let Some(covered) = &data.gold_coverage {
        for coder in covered.by_coder.keys() {
            people.insert((Source::Gold, coder.clone()));
        }
    }
    for (source, coder) in people {
        let mut codes: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut touched: BTreeSet<i64> = BTreeSet::new();
        for c in data
            .codings
            .iter()
            .filter(|c| c.source == source && c.coder == coder)
        {
            touched.insert(c.segment_id);
            codes
                .entry(c.segment_id)
                .or_default()
                .insert(c.code_id.clone());
        }
        let reviews: Vec<_> = if source == Source::Human {
            data.reviews
                .iter()
                .filter(|r| r.reviewer == coder)
                .collect()
        } else {
            Vec::new()
        };
        let mut judged: BTreeMap<i64, Option<BTreeSet<String>>> = BTreeMap::new();
        for (seg, given) in &codes {
            judged.insert(*seg, Some(given.clone()));
        }
        for r in &reviews {
            // A memo is a note, not a coding decision.
            if r.decision == "memo" {
                continue;
            }
            touched.insert(r.segment_id);
            let judged_here = judged
                .entry(r.segment_id)
                .or_insert_with(|| Some(BTreeSet::new()));
            match r.decision.as_str() {
                // Every code, but those added to the codebook since.
                "none" if r.codes_after.is_empty() => *judged_here = None,
                "none" => {
                    *judged_here = Some(
                        data.codes
                            .iter()
                            .map(|c| c.id.clone())
                            .filter(|c| !r.codes_after.contains(c))
                            .collect(),
                    )
                }
                _ => {
                    if let Some(set) = judged_here {
                        set.extend(r.code_id.iter().chain(r.new_code_id.iter()).cloned());
                        // A rejected code's children are judged absent
                        // with it (`ReviewRow::absent_below`).
                        set.extend(r.absent_below.iter().cloned());
                    }
                }
            }
            let set = codes.entry(r.segment_id).or_default();
            match r.decision.as_str() {
                "accept" => set.extend(r.code_id.iter().cloned()),
                "reject" => {
                    if let Some(c) = &r.code_id {
                        set.remove(c);
                    }
                    for below in &r.absent_below {
                        set.remove(below);
                    }
                }
                "recode" => {
                    if let Some(c) = &r.code_id {
                        set.remove(c);
                    }
                    for below in &r.absent_below {
                        set.remove(below);
                    }
                    set.extend(r.new_code_id.iter().cloned());
                }
                "add" => set.extend(
                    r.new_code_id
                        .iter()
                        .chain(r.code_id.iter())
                        .take(1)
                        .cloned(),
                ),
                "none" => set.clear(),
                _ => {}
            }
        }
        // A reviewer judged the sentences they touched; an imported coder
        // (no reviews) coded whole documents, so their silence means
        // "absent". A gold coder the coverage names (migration 019: the
        // audit page, `code --import-gold`) coded the sentences it names
        // them for, in the documents it names them in: two audit coders of
        // one focus group, one of whom coded more of its units, are
        // compared on the units both coded. Before, every covered sentence
        // of the documents a gold coder touched was theirs, so a
        // colleague's further units counted as their "absent" and the
        // agreement between audit coders was understated.
        let units = if reviews.is_empty() {
            let named: Option<&BTreeSet<i64>> = match (&data.gold_coverage, source) {
                (Some(covered), Source::Gold) => covered.by_coder.get(&coder),
                _ => None,
            };
            let named_docs: BTreeSet<&str> = named
                .into_iter()
                .flatten()
                .filter_map(|s| doc_of(*s))
                .collect();
            let mut docs: BTreeSet<&str> = touched.iter().filter_map(|s| doc_of(*s)).collect();
            docs.extend(named_docs.iter().copied());
            let whole = segments_in(&docs);
            let theirs = |s: &i64| {
                touched.contains(s)
                    || named.is_some_and(|n| n.contains(s))
                    || doc_of(*s).is_some_and(|d| !named_docs.contains(d))
            };
            match (&data.gold_coverage, source) {
                (Some(covered), Source::Gold) => whole
                    .into_iter()
                    .filter(|s| covered.covers(*s) && theirs(s))
                    .collect(),
                _ => whole,
            }
        } else {
            touched
                .into_iter()
                .filter(|s| included.contains_key(s))
                .collect()
        };
        // A gold coder judged, on a covered sentence, the codes of the
        // codebook they coded under (`GoldCoverage`): a code added since
        // is not their "absent".
        let judged = match (&data.gold_coverage, source) {
            (Some(covered), Source::Gold) if reviews.is_empty() => {
                let versioned = units.iter().any(|s| covered.judged_codes(*s).is_some());
                versioned.then(|| {
                    units
                        .iter()
                        .map(|&s| {
                            let given = codes.get(&s).cloned().unwrap_or_default();
                            let judged = covered
                                .judged_codes(s)
                                .map(|c| c.union(&given).cloned().collect());
                            (s, judged)
                        })
                        .collect()
                })
            }
            _ => (!reviews.is_empty()).then_some(judged),
        };
        views.push(CoderView {
            label: format!("{}:{coder}", source.as_str()),
            units,
            codes,
            judged,
        });
    }

    let order = data.code_order();
    let ancestors = crate::data::ancestors_of(&data.codes);
    // What two coders who each judged every code (the machine, a coder
    // imported from a .qdpx or a gold file without its codebook version)
    // both judged: the codebook in use's codes.
    let every_code: Vec<String> = data
        .codes
        .iter()
        .filter(|c| c.in_codebook)
        .map(|c| c.id.clone())
        .collect();
    let mut pairs = Vec::new();
    for i in 0..views.len() {
        for j in (i + 1)..views.len() {
            let (a, b) = (&views[i], &views[j]);
            let common: Vec<i64> = a.units.intersection(&b.units).copied().collect();
            if common.is_empty() {
                continue;
            }
            // Units as sets of sentences: one sentence, or a participant's sentences.
            let grouped: BTreeMap<String, Vec<i64>> = match unit {
                AgreementUnit::Sentence => common
                    .iter()
                    .map(|s| (format!("{s:012}"), vec![*s]))
                    .collect(),
                AgreementUnit::Participant => {
                    let mut m: BTreeMap<String, Vec<i64>> = BTreeMap::new();
                    for s in &common {
                        m.entry(speaker_key(included[s])).or_default().push(*s);
                    }
                    m
                }
            };
            // Closed upward: a child is its parents' code too, as every
            // count of the report has it (gold lists the child alone, the
            // machine stores both).
            let given = |v: &CoderView, sentences: &[i64]| -> BTreeSet<String> {
                sentences
                    .iter()
                    .filter_map(|s| v.codes.get(s))
                    .flatten()
                    .flat_map(|c| std::iter::once(c).chain(ancestors.get(c).into_iter().flatten()))
                    .cloned()
                    .collect()
            };
            // What a coder judged on a unit: every code (`None`), or the
            // codes a reviewer decided on its sentences and those they
            // give (closed upward as `given` is).
            let judged = |v: &CoderView, sentences: &[i64], given: &BTreeSet<String>| {
                let per_sentence = v.judged.as_ref()?;
                let mut out = given.clone();
                for s in sentences {
                    match per_sentence.get(s) {
                        Some(None) => return None,
                        Some(Some(codes)) => out.extend(codes.iter().cloned()),
                        None => {}
                    }
                }
                Some(out)
            };
            type Judged = Option<BTreeSet<String>>;
            let decided: Vec<(BTreeSet<String>, BTreeSet<String>, Judged, Judged)> = grouped
                .values()
                .map(|sents| {
                    let (x, y) = (given(a, sents), given(b, sents));
                    let (jx, jy) = (judged(a, sents, &x), judged(b, sents, &y));
                    (x, y, jx, jy)
                })
                .collect();
            let both_judged = |jx: &Judged, jy: &Judged, code: &String| {
                jx.as_ref().is_none_or(|j| j.contains(code))
                    && jy.as_ref().is_none_or(|j| j.contains(code))
            };
            // The codes either gave, and those both reviewers judged and
            // neither kept: a rejection is a judgement, so two reviewers
            // who both rejected a suggestion agree on it. Before, only
            // codes someone gave were listed, and two blind reviewers
            // who made the same four decisions (two accepts, two
            // rejections) had κ undefined on n = 2 in the report while
            // the Progress tab, over the pairs both judged, gave κ 1.
            let mut used: Vec<String> = decided
                .iter()
                .flat_map(|(x, y, jx, jy)| {
                    let judged_by_both: Vec<&String> = match (jx, jy) {
                        (Some(a), Some(b)) => a.intersection(b).collect(),
                        (Some(a), None) | (None, Some(a)) => a.iter().collect(),
                        // Both judged every code: those neither gave are
                        // agreed on too, as where one coder's judged codes
                        // are listed. Before 2026-12-07 they were left out
                        // here alone, so the same two codings pooled 6
                        // codes imported from a .qdpx and 7 from a gold
                        // file (hn/03).
                        (None, None) => every_code.iter().collect(),
                    };
                    x.iter()
                        .chain(y.iter())
                        .filter(move |c| both_judged(jx, jy, c))
                        .chain(judged_by_both)
                })
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            used.sort_by_key(|c| {
                (
                    order.get(c.as_str()).copied().unwrap_or(usize::MAX),
                    c.clone(),
                )
            });
            let mut pooled = Table2x2::default();
            let mut codes = Vec::new();
            for code in used {
                let mut t = Table2x2::default();
                for (x, y, jx, jy) in &decided {
                    if both_judged(jx, jy, &code) {
                        t.add(x.contains(&code), y.contains(&code));
                    }
                }
                pooled.merge(&t);
                codes.push(CodeAgreement {
                    code_id: code,
                    figures: Figures::from_table(&t),
                });
            }
            // Machine first so "A" is the machine in every human-vs-machine pair.
            pairs.push(PairAgreement {
                coder_a: a.label.clone(),
                coder_b: b.label.clone(),
                units: grouped.len() as u64,
                overall: Figures::from_table(&pooled),
                codes,
            });
        }
    }
    Agreement { unit, pairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A focus group's audit, coded blind by two people: ana coded four
    /// of its sentences, ben the first two. The pair is compared on the
    /// two both coded (n = 2 sentences × 2 codes), not on ana's other two
    /// as ben's "absent" (before migration 019: n = 8). A coder of no
    /// code is paired too; coverage naming no coder (written before the
    /// migration) is read by document, as it was.
    #[test]
    fn audit_coders_are_compared_on_the_units_both_coded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("group.txt");
        std::fs::write(
            &path,
            "Ann: Rent is high. Buses are late.\nBob: Rent went up. Trains too.\n",
        )
        .unwrap();
        let people = corpus::Participants::default();
        let docs =
            corpus::read_file(&path, "group.txt", &Default::default(), &people.index()).unwrap();
        let mut store = store::Store::create(dir.path()).unwrap();
        store.put_document(&docs[0]).unwrap();
        let codebook = classify::Codebook {
            name: "t".into(),
            codes: ["costs", "transport"]
                .iter()
                .map(|id| classify::Code {
                    id: id.to_string(),
                    name: id.to_string(),
                    ..classify::Code::default()
                })
                .collect(),
        };
        store
            .conn()
            .execute(
                "INSERT INTO codebooks(version, name, content_hash, body, created_at)
                 VALUES (1, 't', 'h1', ?1, '2000-01-01T00:00:00Z')",
                [codebook.to_json()],
            )
            .unwrap();
        store
            .conn()
            .execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, '1')",
                [store::CODEBOOK_IN_USE_META],
            )
            .unwrap();
        let segs: Vec<i64> = store
            .segments(false)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(segs.len(), 4);
        let codes = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>();
        let ana = BTreeMap::from([
            (segs[0], codes(&["costs"])),
            (segs[1], codes(&["transport"])),
            (segs[2], codes(&["costs"])),
            (segs[3], codes(&["transport"])),
        ]);
        let ben = BTreeMap::from([(segs[0], codes(&["costs"])), (segs[1], codes(&[]))]);
        store.put_coder_gold_codings("ana", Some(1), &ana).unwrap();
        store.put_coder_gold_codings("ben", Some(1), &ben).unwrap();
        let pair_of = |store: &store::Store| {
            let data = ProjectData::load(store).unwrap();
            let table = agreement(&data, AgreementUnit::Sentence, false);
            let pair = table
                .pairs
                .iter()
                .find(|p| (p.coder_a.as_str(), p.coder_b.as_str()) == ("gold:ana", "gold:ben"))
                .expect("the two audit coders are paired")
                .clone();
            let o = pair.overall;
            (pair.units, o.n, o.both, o.only_a, o.only_b, o.neither)
        };
        // Both gave costs on the first; ana alone transport on the second.
        assert_eq!(pair_of(&store), (2, 4, 1, 1, 0, 2));

        // Coverage written before migration 019 names no coder: ben's
        // units are the document's covered sentences, as they were.
        store
            .conn()
            .execute("DELETE FROM gold_coverage_coders", [])
            .unwrap();
        assert_eq!(pair_of(&store), (4, 8, 1, 3, 0, 4));
    }
}
