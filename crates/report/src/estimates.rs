//! Per-code estimates of the counts the report shows, from the audit sample
//! and the machine's predictions ([`crate::ppi`]); model-only when nobody
//! audited a random sample.
//!
//! The machine's prediction for a unit uses the machine's probabilities
//! only, never human decisions: the correction measured on audited units must
//! apply to unaudited units built the same way. Human decisions outside the
//! audit (the review queue, which is ordered by uncertainty, not drawn at
//! random) reach the estimate through the next run's better predictions,
//! and as a floor: a unit people coded with the code has it, so the count
//! and its interval are at least those units (h1/03).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use store::StoredSegment;

use crate::data::{Cell, CodeNode, ProjectData};
use crate::freq::Counted;
use crate::ppi::{self, AuditUnit, Audited, CountEstimate, UnitRange};

/// Half-width (as a share of all units) the audit advice aims at.
pub const ADVICE_HALF_WIDTH: f64 = 0.1;

/// The estimates of one code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeEstimates {
    /// Participants mentioning the code.
    pub participants: CountEstimate,
    /// Sentences with the code.
    pub sentences: CountEstimate,
    /// attribute → value → participants mentioning the code (participant
    /// audit samples only; empty otherwise).
    pub by_attribute: BTreeMap<String, BTreeMap<String, CountEstimate>>,
    /// Whether every code under it has calibrated probabilities.
    pub calibrated: bool,
    /// Without an audit sample: units to audit for a ±10% interval.
    pub audit_advice: Option<u64>,
    /// This code and those below it that people coded the audit sample
    /// without (added to the codebook since): the sample says nothing
    /// about them, and where any is, this code's figures are the machine's
    /// until the audited units are coded again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_predates: Vec<String>,
}

/// What the audit sample says about the corpus, computed once per report.
pub struct AuditView<'a> {
    pub unit: AuditUnit,
    /// Unit key → its sentences: the counted ones in the audit's frame,
    /// participants' sentences (`pipeline::audit::population`).
    pub units: BTreeMap<String, Vec<&'a StoredSegment>>,
    /// Units of the sample whose every sentence people coded.
    pub audited: BTreeSet<String>,
    /// Counted sentences outside the frame: moderators', counted with
    /// `--include-moderators`. The sample could not draw them and the
    /// machine does not code them, so the sample says nothing about them;
    /// what people coded of them is added to the estimates as known.
    /// Before, each moderator was an unaudited unit of the participants'
    /// sample and got their audited prevalence: "Access to care" 16.0 of
    /// 16 people with the moderator and the interviewer, neither with a
    /// coded sentence (h1/01).
    pub outside: Vec<&'a StoredSegment>,
}

impl<'a> AuditView<'a> {
    /// The stored audit sample's view; without one, a census of
    /// participants when people coded every counted sentence of the
    /// frame (an imported gold coding of the whole corpus): every count is
    /// then known, and a model-only figure beside it would contradict it.
    pub fn new(data: &ProjectData, segments: &[&'a StoredSegment]) -> Option<AuditView<'a>> {
        let (frame, outside): (Vec<&StoredSegment>, Vec<&StoredSegment>) =
            segments.iter().copied().partition(|s| !s.is_moderator);
        let census;
        let (unit, listed) = match data.audit.as_ref() {
            Some(sample) => (sample.unit, &sample.units),
            None => {
                let all_coded =
                    !frame.is_empty() && frame.iter().all(|s| data.human_coded.contains(&s.id));
                if !all_coded {
                    return None;
                }
                let unit = AuditUnit::Participant;
                census = frame
                    .iter()
                    .map(|s| unit.key(s))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>();
                (unit, &census)
            }
        };
        let mut units: BTreeMap<String, Vec<&StoredSegment>> = BTreeMap::new();
        for s in frame {
            units.entry(unit.key(s)).or_default().push(s);
        }
        let audited = listed
            .iter()
            .filter(|k| {
                units
                    .get(*k)
                    .is_some_and(|ss| ss.iter().all(|s| data.human_coded.contains(&s.id)))
            })
            .cloned()
            .collect();
        Some(AuditView {
            unit,
            units,
            audited,
            outside,
        })
    }
}

/// A sum that does not depend on the order of its terms (sorted first):
/// sentence ids, and so their order, differ between a sharded-and-merged
/// store and an unsharded one, and the report must be byte-identical.
fn stable_sum(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.iter().sum()
}

/// The probability that a sentence has a code or one below it, from the
/// code's own (`own`, where it has a cell) and those of the code and below
/// it (`all`). A parent's own probability already covers its children (its
/// model learns their positives as its own, and the classifier raises it to
/// theirs), so it is the largest of them: combined as independent (1 −
/// Π(1 − p)) a child counted twice, and a survey's parent code came out
/// 21% above the parent's own figure. Without a cell of its own (a parent
/// no classifier coded), its children's are combined as independent.
pub(crate) fn code_or_below(own: Option<f64>, all: impl IntoIterator<Item = f64>) -> f64 {
    let all = all.into_iter().map(|p| p.clamp(0.0, 1.0));
    match own {
        Some(p) => all.fold(p.clamp(0.0, 1.0), f64::max),
        None => crate::prob::any_of(all),
    }
}

/// The probability that a sentence has the code or one below it, each
/// cell's probability read by `p` (`mask`: [`Counted::mask`], `own`:
/// [`Counted::own`]).
fn code_or_below_by(
    cells: &[(usize, Cell)],
    mask: &[bool],
    own: Option<usize>,
    p: impl Fn(&Cell) -> f64,
) -> f64 {
    let own_p = own
        .and_then(|o| cells.iter().find(|(c, _)| *c == o))
        .map(|(_, cell)| p(cell));
    code_or_below(
        own_p,
        cells
            .iter()
            .filter(|(c, _)| mask[*c])
            .map(|(_, cell)| p(cell)),
    )
}

/// The machine's probability that a sentence has the code or one below it.
fn machine_p(cells: &[(usize, Cell)], mask: &[bool], own: Option<usize>) -> f64 {
    code_or_below_by(cells, mask, own, |cell| cell.machine_p)
}

/// The probability that a sentence has the code or one below it, people's
/// decisions included ([`Cell::probability`]: 1 where a person gave it, 0
/// where one rejected it): what `expected_participants` sums
/// (`freq::frequencies` reads it too).
pub(crate) fn known_p(cells: &[(usize, Cell)], mask: &[bool], own: Option<usize>) -> f64 {
    code_or_below_by(cells, mask, own, Cell::probability)
}

/// Whether people said the sentence has the code or one below it.
fn human_present(cells: &[(usize, Cell)], mask: &[bool]) -> bool {
    cells
        .iter()
        .any(|(c, cell)| mask[*c] && cell.settled == Some(true))
}

/// Whether people said the code applies to an audited sentence: the gold
/// standard's word where it covers the sentence (`gold_covered`), what any
/// person decided elsewhere (an audit coded by a `--import-as human`
/// project). A review decision on a gold-covered sentence is no audit: it
/// was made with the machine's suggestion in view, and it moved a blind
/// audit's estimate 2 → 4.
fn audit_present(cells: &[(usize, Cell)], mask: &[bool], gold_covered: bool) -> bool {
    if gold_covered {
        cells
            .iter()
            .any(|(c, cell)| mask[*c] && cell.gold == Some(true))
    } else {
        human_present(cells, mask)
    }
}

/// The codes of `node` and below it that people did not judge on every
/// sentence of the audited units: they coded them under a codebook that
/// did not have the code ([`crate::data::GoldCoverage`]). A code added since was never judged
/// there, and an audit read as people's "no" for it claimed the code nearly
/// absent with an interval to match.
fn audit_unjudged(data: &ProjectData, audit: &AuditView, node: &CodeNode) -> Vec<String> {
    let Some(coverage) = &data.gold_coverage else {
        return Vec::new();
    };
    node.descendants
        .iter()
        .filter(|code| {
            !audit.audited.iter().all(|unit| {
                audit.units.get(unit).into_iter().flatten().all(|s| {
                    !coverage.covers(s.id)
                        || coverage
                            .judged_codes(s.id)
                            .is_none_or(|codes| codes.contains(*code))
                })
            })
        })
        .cloned()
        .collect()
}

/// The count people coded over `units` units, a lower bound with no
/// interval: the figure where neither a machine's predictions nor the
/// audit sample estimate the count.
fn people_coded(count: f64, units: usize) -> CountEstimate {
    CountEstimate {
        method: ppi::Method::PeopleCoded,
        estimate: count,
        low: None,
        high: None,
        units: units as u64,
        audited: 0,
        audited_count: 0.0,
        lambda: None,
    }
}

/// One unit's value of one quantity (its participants or its sentences
/// with the code).
#[derive(Clone, Copy)]
struct UnitValue {
    /// What the audit says (audited units; 0 otherwise).
    human: f64,
    /// The machine's expectation, from its probabilities alone.
    machine: f64,
    /// What people coded, wherever they did (a reviewer, a second coder):
    /// at least this many, certain; the floor of an unaudited unit.
    known: f64,
}

impl UnitValue {
    const NONE: UnitValue = UnitValue {
        human: 0.0,
        machine: 0.0,
        known: 0.0,
    };
}

/// One unit's values, for the participants and the sentences quantities.
struct UnitValues {
    key: String,
    audited: bool,
    participants: UnitValue,
    sentences: UnitValue,
    /// The unit's participants' probabilities with people's decisions
    /// ([`known_p`]) summed: a model-only figure's share of it.
    participants_known_p: f64,
    max_participants: f64,
    max_sentences: f64,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn estimate(
    data: &ProjectData,
    node: &CodeNode,
    counted: &Counted,
    mask: &[bool],
    audit: Option<&AuditView>,
    attribute_of: &dyn Fn(&str, &str) -> String,
    attribute_keys: &BTreeSet<&String>,
    level: f64,
) -> CodeEstimates {
    let calibrated = match &data.uncalibrated {
        Some(set) => !node.descendants.iter().any(|c| set.contains(c)),
        None => true,
    };
    // Per participant (index into `counted.persons`, every counted
    // sentence's speaker): the machine's P(mentions the code).
    let own = counted.own(node);
    let mut person_none: Vec<f64> = vec![1.0; counted.persons.len()];
    for (cells, &person) in counted.cells.iter().zip(&counted.person) {
        let p = machine_p(cells, mask, own);
        person_none[person] *= 1.0 - p;
    }
    let sentences_counted = counted.cells.len();
    let person_p: Vec<f64> = person_none.iter().map(|none| 1.0 - none).collect();

    // Without any machine coding (the audit answered before `code` ran, or
    // never), the estimate is the sample's alone and says so: "prediction-
    // powered" with λ = 0 named a machine that had not run.
    // A classifier's calibration record says one ran, even where a
    // re-ingest took its codings (they come back with the next `code`).
    let machine_ran = data.machine_coded.is_some()
        || data.uncalibrated.is_some()
        || data
            .codings
            .iter()
            .any(|c| c.source == crate::data::Source::Machine);
    // A code the codebook in use no longer has (renamed, dropped), kept
    // for people's codings of it: no machine codes it now. Before, its
    // estimate was a "model-only" 0, calibrated, beside 2 people.
    let machine_codes_it = node.in_codebook
        || data.codings.iter().any(|c| {
            c.source == crate::data::Source::Machine && node.descendants.contains(&c.code_id)
        });
    // Whether a machine's predictions of this code can power the audit's
    // estimate: a code the codebook in use dropped or renamed has none, and
    // its audit figure is the sample's alone ("sample-only"), not a
    // "prediction-powered" one with λ = 0 crediting no classifier (h9/01).
    let machine_predicts_it = machine_ran && machine_codes_it;
    let audit = audit.filter(|a| !a.audited.is_empty());
    let audit_predates = audit.map_or_else(Vec::new, |a| audit_unjudged(data, a, node));
    let Some(audit) = audit.filter(|_| audit_predates.is_empty()) else {
        if !machine_ran || !machine_codes_it {
            // Neither a machine nor a random sample: what people coded is
            // all there is, a lower bound. A "model-only" 0 beside a
            // participant people coded named a machine that never ran.
            let mut people = BTreeSet::new();
            let mut sentences_coded = 0u64;
            for (cells, &person) in counted.cells.iter().zip(&counted.person) {
                if human_present(cells, mask) {
                    people.insert(person);
                    sentences_coded += 1;
                }
            }
            return CodeEstimates {
                participants: people_coded(people.len() as f64, person_p.len()),
                sentences: people_coded(sentences_coded as f64, sentences_counted),
                by_attribute: BTreeMap::new(),
                calibrated: false,
                audit_advice: None,
                audit_predates,
            };
        }
        // Without a random sample nothing corrects the machine, so what
        // people decided is known: a sentence a person coded with the code
        // has it (p = 1), one where people rejected it has not (p = 0),
        // and a participant mentions it with 1 − Π(1 − p) over their
        // sentences, as `expected_participants` counts. Before, two
        // participants a reviewer coded beside a machine that missed them
        // gave a "model-only" estimate of 1.46 (hk/02), and a participant
        // whose every machine coding a reviewer rejected still counted
        // 0.78 (hn/01: 2.76 beside expected_participants' 1.98).
        let mut person_none_known: Vec<f64> = vec![1.0; counted.persons.len()];
        let mut sentence_ps_known = Vec::with_capacity(sentences_counted);
        for (cells, &person) in counted.cells.iter().zip(&counted.person) {
            let p = known_p(cells, mask, own);
            person_none_known[person] *= 1.0 - p;
            sentence_ps_known.push(p);
        }
        let person_known: Vec<f64> = person_none_known.iter().map(|none| 1.0 - none).collect();
        let participants = ppi::model_only(&person_known, calibrated);
        let mut sentences = ppi::model_only(&[], calibrated);
        sentences.estimate = stable_sum(sentence_ps_known);
        sentences.units = sentences_counted as u64;
        let units = person_p.len() as u64;
        let prevalence = if units > 0 {
            participants.estimate / units as f64
        } else {
            0.0
        };
        return CodeEstimates {
            participants,
            sentences,
            by_attribute: BTreeMap::new(),
            calibrated,
            audit_advice: Some(ppi::audit_size_for(units, prevalence, ADVICE_HALF_WIDTH)),
            audit_predates,
        };
    };

    // Per participant: the probability that they mention the code with
    // people's decisions in (1 where a person coded it): the model-only
    // figures below are the no-audit branch's, and never under the people
    // coded (h1/03).
    let mut person_none_known: Vec<f64> = vec![1.0; counted.persons.len()];
    // Per participant: whether people coded them with the code, wherever.
    let mut person_coded: Vec<bool> = vec![false; counted.persons.len()];
    for (cells, &person) in counted.cells.iter().zip(&counted.person) {
        person_none_known[person] *= 1.0 - known_p(cells, mask, own);
        person_coded[person] |= human_present(cells, mask);
    }
    let mut person_known: Vec<f64> = person_none_known.iter().map(|none| 1.0 - none).collect();
    // A figure the sample does not estimate (participants from a sentence
    // sample, a group the sample missed) is the machine's where one
    // predicts the code, and otherwise what people coded, a lower bound,
    // as without an audit. Before, an audit answered before any `code`
    // gave those figures as a calibrated "model-only" count: 9.0 of Key
    // elements' 39 participants, 0.0 for a group of whose members 5
    // mention it (h19/02). Without a machine no probability is calibrated.
    let calibrated = calibrated && machine_predicts_it;
    let unestimated = |known_ps: &[f64], coded: usize| {
        if machine_predicts_it {
            ppi::model_only(known_ps, calibrated)
        } else {
            people_coded(coded as f64, known_ps.len())
        }
    };
    let people_coded_count = person_coded.iter().filter(|c| **c).count();

    let mut values: Vec<UnitValues> = Vec::with_capacity(audit.units.len());
    // Per participant: how many units they speak in, and whether people
    // said they mention the code (in an audited unit).
    let mut person_units: Vec<u32> = vec![0; counted.persons.len()];
    let mut person_human: Vec<bool> = vec![false; counted.persons.len()];
    for (key, sentences) in &audit.units {
        let audited = audit.audited.contains(key);
        // Per participant: (the audit says they mention it, people coded it).
        let mut people: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
        let mut sent_y = 0.0;
        let mut sent_known = 0.0;
        let mut sent_ps = Vec::with_capacity(sentences.len());
        for s in sentences {
            let pos = counted.position[&s.id];
            let cells = &counted.cells[pos];
            let covered = data.gold_coverage.as_ref().is_some_and(|g| g.covers(s.id));
            let present = audited && audit_present(cells, mask, covered);
            let coded = human_present(cells, mask);
            let person = people.entry(counted.person[pos]).or_default();
            person.0 |= present;
            person.1 |= coded;
            sent_y += present as u8 as f64;
            sent_known += coded as u8 as f64;
            sent_ps.push(machine_p(cells, mask, own));
        }
        let sent_f = stable_sum(sent_ps);
        for (&p, &(present, _)) in &people {
            person_units[p] += 1;
            person_human[p] |= present;
        }
        values.push(UnitValues {
            key: key.clone(),
            audited,
            participants: UnitValue {
                human: people.values().filter(|v| v.0).count() as f64,
                machine: people.keys().map(|&p| person_p[p]).sum(),
                known: people.values().filter(|v| v.1).count() as f64,
            },
            sentences: UnitValue {
                human: sent_y,
                machine: sent_f,
                known: sent_known,
            },
            participants_known_p: people.keys().map(|&p| person_known[p]).sum(),
            max_participants: people.len() as f64,
            max_sentences: sentences.len() as f64,
        });
    }
    // Outside the audit's frame (moderators, with `--include-moderators`):
    // what people coded of them, per sentence and per person who speaks
    // only there. A person in the frame is the frame's unit.
    let mut outside_sentences_known = 0.0;
    let mut outside_people: BTreeMap<usize, bool> = BTreeMap::new();
    for s in &audit.outside {
        let pos = counted.position[&s.id];
        let coded = human_present(&counted.cells[pos], mask);
        outside_sentences_known += coded as u8 as f64;
        let person = counted.person[pos];
        if person_units[person] == 0 {
            *outside_people.entry(person).or_default() |= coded;
        }
    }
    // Outside the frame only people's codings count, in the model-only
    // figures too (a machine's coding there, which `code` does not make,
    // was never measured against anyone).
    for (&person, &coded) in &outside_people {
        person_known[person] = f64::from(u8::from(coded));
    }
    let outside_people_known = outside_people.values().filter(|v| **v).count() as f64;
    let outside_sentences = audit.outside.len() as u64;
    let outside_persons = outside_people.len() as u64;

    // The audited units as the estimator takes them, the unaudited units'
    // machine predictions, and what people coded on those.
    let split = |pick: &dyn Fn(&UnitValues) -> UnitValue| {
        let mut audited = Vec::new();
        let mut rest = Vec::new();
        let mut known_rest = 0.0;
        for v in &values {
            let value = pick(v);
            if v.audited {
                audited.push(Audited {
                    human: value.human,
                    machine: value.machine,
                });
            } else {
                rest.push(value.machine);
                known_rest += value.known;
            }
        }
        (audited, rest, known_rest)
    };
    let count = |pick: &dyn Fn(&UnitValues) -> UnitValue, max: f64| -> CountEstimate {
        let (audited, rest, known_rest) = split(pick);
        ppi::estimate_count_at_least(
            &audited,
            &rest,
            known_rest,
            level,
            UnitRange { max },
            machine_predicts_it,
        )
    };
    let max_s = values.iter().map(|v| v.max_sentences).fold(0.0, f64::max);
    let sentences =
        count(&|v| v.sentences, max_s).plus_known(outside_sentences_known, outside_sentences);
    // A participant who speaks in several documents (a panel's repeat
    // interviews) is in several units of a document sample: summed per
    // document, they counted once per document, and a census of two
    // interviews of the same three people said 3 of 3 where 2 mentioned
    // the code. Their mention is not a sum over documents, so a document
    // sample gives an interval for participants only where each speaks in
    // one document; else the exact count when every document is audited,
    // and the machine's figure otherwise (an audit by participant gives
    // the interval).
    let spans_documents = person_units.iter().any(|&n| n > 1);
    let participants = match audit.unit {
        AuditUnit::Sentence => {
            // A sample of sentences says nothing direct about how many people
            // mention a code: the machine's figure (without one, what people
            // coded), no interval.
            unestimated(&person_known, people_coded_count)
        }
        AuditUnit::Document if spans_documents => {
            if values.iter().all(|v| v.audited) {
                let people: Vec<Audited> = person_human
                    .iter()
                    .zip(&person_units)
                    .filter(|(_, &n)| n > 0)
                    .map(|(&h, _)| Audited {
                        human: f64::from(u8::from(h)),
                        machine: 0.0,
                    })
                    .collect();
                ppi::estimate_count(
                    &people,
                    &[],
                    level,
                    UnitRange { max: 1.0 },
                    machine_predicts_it,
                )
                .plus_known(outside_people_known, outside_persons)
            } else {
                unestimated(&person_known, people_coded_count)
            }
        }
        _ => {
            let max_p = values
                .iter()
                .map(|v| v.max_participants)
                .fold(0.0, f64::max);
            count(&|v| v.participants, max_p).plus_known(outside_people_known, outside_persons)
        }
    };
    let mut by_attribute: BTreeMap<String, BTreeMap<String, CountEstimate>> = BTreeMap::new();
    if audit.unit == AuditUnit::Participant {
        for key in attribute_keys {
            let mut values_of: BTreeSet<String> = BTreeSet::new();
            for v in &values {
                values_of.insert(attribute_of(&v.key, key));
            }
            for &p in outside_people.keys() {
                values_of.insert(attribute_of(counted.persons[p], key));
            }
            let row = by_attribute.entry((*key).clone()).or_default();
            for value in values_of {
                let in_group = |v: &UnitValues| attribute_of(&v.key, key) == value;
                // The group's members outside the frame, and whether people
                // coded each with the code.
                let outside_members: Vec<(usize, bool)> = outside_people
                    .iter()
                    .filter(|(&p, _)| attribute_of(counted.persons[p], key) == value)
                    .map(|(&p, &coded)| (p, coded))
                    .collect();
                let outside_known = outside_members.iter().filter(|m| m.1).count() as f64;
                // The group's unaudited members: at most each of them.
                let members = values.iter().filter(|v| !v.audited && in_group(v)).count();
                // A group the random sample missed (a small department,
                // "Prefer not to say"): the sample says nothing about it,
                // so its figure is the machine's (without one, what people
                // coded), named so and with no interval. Before, the domain estimator's λ fitted on no
                // member was 0 and the group read "prediction-powered 0
                // [0–3]" beside 3 of 3 members the machine counted, the
                // groups summing to 4 of the code's 9.7 (hq/02).
                let audited_members = values.iter().filter(|v| v.audited && in_group(v)).count();
                if audited_members == 0 {
                    let ps: Vec<f64> = values
                        .iter()
                        .filter(|v| in_group(v))
                        .map(|v| v.participants_known_p)
                        .chain(outside_members.iter().map(|&(p, _)| person_known[p]))
                        .collect();
                    let coded = values
                        .iter()
                        .filter(|v| in_group(v))
                        .map(|v| v.participants.known)
                        .sum::<f64>()
                        + outside_known;
                    row.insert(value, unestimated(&ps, coded as usize));
                    continue;
                }
                let (audited, rest, known_rest) = split(&|v| {
                    if in_group(v) {
                        v.participants
                    } else {
                        UnitValue::NONE
                    }
                });
                let est = ppi::estimate_domain_count_at_least(
                    &audited,
                    &rest,
                    known_rest,
                    level,
                    UnitRange { max: 1.0 },
                    machine_predicts_it,
                    members as f64,
                )
                .plus_known(outside_known, outside_members.len() as u64);
                row.insert(value, est);
            }
        }
    }
    CodeEstimates {
        participants,
        sentences,
        by_attribute,
        calibrated,
        audit_advice: None,
        audit_predates: Vec::new(),
    }
}

/// The report crate's small focus-group project (tests/common), for the
/// tests below.
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod common;

#[cfg(test)]
mod tests {
    use super::common::*;

    use crate::ppi::{CountEstimate, Method};
    use crate::{build, ReportOptions};

    fn parks(store: &store::Store, include_moderators: bool) -> crate::freq::CodeFrequency {
        let opts = ReportOptions {
            include_moderators,
            ..ReportOptions::default()
        };
        let report = build(store, &opts).unwrap();
        report
            .codes
            .into_iter()
            .find(|c| c.code_id == "parks")
            .unwrap()
    }

    /// Ana, Ben and Cai, parks as the machine sees it, and an audit of Ana
    /// (parks) and Ben (no parks) coded blind.
    fn audited_ana_and_ben(dir: &std::path::Path) -> store::Store {
        let mut store = empty_project(dir, "\n");
        machine(&store, ANA_PARK, "parks", 0.8, true);
        machine(&store, ANA_POLICE, "parks", 0.1, false);
        machine(&store, BEN_LIGHTS, "parks", 0.1, false);
        machine(&store, CAI_PARK, "parks", 0.9, true);
        machine(&store, CAI_SCRIPT, "parks", 0.1, false);
        human(&store, ANA_PARK, "parks", "gold", "g");
        human(&store, ANA_POLICE, "police", "gold", "g");
        human(&store, BEN_LIGHTS, "police", "gold", "g");
        let audited: Vec<String> = ["P1", "P2"].map(String::from).to_vec();
        store
            .put_audit_sample("participant", "draw", Some(1), 3, &audited)
            .unwrap();
        store
    }

    fn figures(e: &CountEstimate) -> (f64, Option<f64>, Option<f64>) {
        (e.estimate, e.low, e.high)
    }

    /// h1/01: the sample was drawn from the participants; the moderator
    /// was not in its frame and the machine does not code them. With
    /// `--include-moderators` the moderator adds what people coded of
    /// them, exactly, and nothing of the participants' prevalence. Before,
    /// the moderator was an unaudited unit of the sample with f = 0, and
    /// the estimate rose by the audited participants' share.
    #[test]
    fn moderators_outside_the_audit_frame_add_what_people_coded_of_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = audited_ana_and_ben(dir.path());
        let without = parks(&store, false);
        let with = parks(&store, true);
        assert_eq!(without.estimate.method, Method::PredictionPowered);
        assert_eq!(with.estimate.method, Method::PredictionPowered);
        // Nobody coded the moderator with parks: the same figures, over
        // one more person, none of them audited.
        assert_eq!(figures(&with.estimate), figures(&without.estimate));
        assert_eq!(
            (with.estimate.units, with.estimate.audited),
            (without.estimate.units + 1, 2)
        );
        // The sentences: the moderator's three add none.
        assert_eq!(
            figures(&with.estimates.sentences),
            figures(&without.estimates.sentences)
        );
        assert_eq!(
            with.estimates.sentences.units,
            without.estimates.sentences.units + 3
        );
        // Group A's crosstab estimate is the participants' alone.
        assert_eq!(
            figures(&with.estimates.by_attribute["group"]["A"]),
            figures(&without.estimates.by_attribute["group"]["A"])
        );

        // A person coded a moderator's sentence with parks: exactly one more.
        human(&store, "Welcome everyone.", "parks", "human", "maria");
        let without = parks(&store, false);
        let with = parks(&store, true);
        let plus_one = |v: Option<f64>| v.map(|x| x + 1.0);
        assert_eq!(
            figures(&with.estimate),
            (
                without.estimate.estimate + 1.0,
                plus_one(without.estimate.low),
                plus_one(without.estimate.high)
            )
        );
        assert_eq!(
            with.estimates.sentences.estimate,
            without.estimates.sentences.estimate + 1.0
        );
        // The moderator has no group: the "(missing)" group is them alone,
        // and holds what people coded of them.
        let missing = &with.estimates.by_attribute["group"]["(missing)"];
        assert_eq!((missing.estimate, missing.units), (1.0, 1), "{missing:?}");
    }

    /// h9/01: a code the codebook in use no longer has (its id renamed
    /// after the audit), kept for the audit's gold codings of it. No
    /// machine predicts it, so its audit figure is the sample's alone:
    /// "sample-only", not "prediction-powered" with λ = 0, as before.
    #[test]
    fn an_audited_code_no_machine_predicts_is_sample_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = audited_ana_and_ben(dir.path());
        human(&store, ANA_PARK, "green", "gold", "g");
        let opts = ReportOptions::default();
        let report = build(&store, &opts).unwrap();
        let green = report
            .codes
            .iter()
            .find(|c| c.code_id == "green")
            .expect("people's codings of a code the codebook dropped are reported");
        assert_eq!(
            green.estimate.method,
            Method::SampleOnly,
            "{:?}",
            green.estimate
        );
        assert_eq!(green.estimate.lambda, None, "{:?}", green.estimate);
        assert_eq!(
            (green.estimate.audited, green.estimate.audited_count),
            (2, 1.0)
        );
        assert_eq!(green.estimates.sentences.method, Method::SampleOnly);
        // A code the machine predicts keeps its prediction-powered figure.
        let parks = parks(&store, false);
        assert_eq!(parks.estimate.method, Method::PredictionPowered);
    }

    /// h19/02: an audit answered before any classifier ran (gold for the
    /// sampled units, no machine coding), and a colleague's coding of Cai
    /// outside it. The figures the sample does not estimate (participants
    /// from a sentence sample; group B, which a participant sample of Ana
    /// and Ben missed) are what people coded, `people-coded`, as without
    /// an audit, and nothing is calibrated. Before, they read as a
    /// calibrated "model-only" count, naming a machine that never ran.
    #[test]
    fn without_a_machine_what_the_audit_cannot_estimate_is_what_people_coded() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = empty_project(dir.path(), "\n");
        human(&store, ANA_PARK, "parks", "gold", "g");
        human(&store, ANA_POLICE, "police", "gold", "g");
        human(&store, BEN_LIGHTS, "police", "gold", "g");
        human(&store, CAI_PARK, "parks", "human", "maria");

        let audited: Vec<String> = ["P1", "P2"].map(String::from).to_vec();
        store
            .put_audit_sample("participant", "draw", Some(1), 3, &audited)
            .unwrap();
        let by_participant = parks(&store, false);
        assert_eq!(by_participant.estimate.method, Method::SampleOnly);
        assert!(!by_participant.estimates.calibrated);
        let b = &by_participant.estimates.by_attribute["group"]["B"];
        assert_eq!(
            (b.method, b.estimate, b.low, b.units),
            (Method::PeopleCoded, 1.0, None, 1),
            "{b:?}"
        );
        // Group A, which the sample holds, keeps its estimate.
        let a = &by_participant.estimates.by_attribute["group"]["A"];
        assert_eq!((a.method, a.low), (Method::SampleOnly, Some(1.0)), "{a:?}");

        let sentence_key = |text: &str| -> String {
            store
                .conn()
                .query_row(
                    "SELECT d.name || char(9) || s.text_hash FROM segments s
                     JOIN documents d ON d.id = s.document_id WHERE s.text = ?1",
                    [text],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let sentences = vec![sentence_key(ANA_PARK), sentence_key(BEN_LIGHTS)];
        store
            .put_audit_sample("sentence", "draw", Some(2), 5, &sentences)
            .unwrap();
        let by_sentence = parks(&store, false);
        let e = &by_sentence.estimates;
        assert_eq!(e.sentences.method, Method::SampleOnly, "{e:?}");
        assert_eq!(
            (
                e.participants.method,
                e.participants.estimate,
                e.participants.low
            ),
            (Method::PeopleCoded, 2.0, None),
            "{e:?}"
        );
        assert_eq!(e.participants.units, 3);
        assert!(!e.calibrated);
    }

    /// h1/03: a colleague's coding of Cai, outside the sample, makes Cai a
    /// participant who mentions parks, certain: neither the estimate nor
    /// its interval goes below the audited positive (Ana) plus Cai, and
    /// group B's figure, which the sample missed, counts Cai as 1. Before,
    /// the machine's low probabilities for Cai put the estimate at 1.23
    /// [1.0–2.0] and group B at the machine's 0.19.
    #[test]
    fn participants_people_coded_outside_the_sample_floor_the_estimate() {
        let dir = tempfile::tempdir().unwrap();
        let store = audited_ana_and_ben(dir.path());
        store
            .conn()
            .execute(
                "UPDATE codings SET confidence = 0.1, assigned = 0
                 WHERE source = 'machine' AND code_id = 'parks'
                   AND segment_id = ?1",
                [seg(&store, CAI_PARK)],
            )
            .unwrap();
        let before = parks(&store, false);
        assert!(
            before.estimate.low.unwrap() < 2.0,
            "the fixture must put the machine's figure under Ana and Cai: {:?}",
            before.estimate
        );
        human(&store, CAI_PARK, "parks", "human", "maria");
        let after = parks(&store, false);
        let e = after.estimate;
        assert_eq!(e.method, Method::PredictionPowered);
        assert!(e.estimate >= 2.0 && e.low == Some(2.0), "{e:?}");
        assert!(e.high.unwrap() >= e.estimate, "{e:?}");
        // The audit is still Ana's and Ben's: one audited positive.
        assert_eq!((e.audited, e.audited_count), (2, 1.0));
        let b = &after.estimates.by_attribute["group"]["B"];
        assert_eq!((b.method, b.estimate), (Method::ModelOnly, 1.0), "{b:?}");
        let s = after.estimates.sentences;
        assert!(s.estimate >= 2.0 && s.low == Some(2.0), "{s:?}");
    }
}
