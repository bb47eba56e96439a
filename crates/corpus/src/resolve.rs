//! Who a speaker label stands for: the one rule that turns the labels of a
//! document into participants.
//!
//! In order, for each label of a document:
//! 1. **Participants file.** A label the participants file lists (by name,
//!    scoped to the document first, else by id) is that participant, and a
//!    moderator when the file's `role` says so. This always wins, so a file
//!    can make `Interviewee` one person across documents or mark `Speaker 1`
//!    of one interview as the interviewer. A bracketed listed id wins over
//!    the name (`Maria (P12):`), and where the file gives the document one
//!    participant, the document's only unlisted generic interviewee label
//!    (`R`, `Respondent`, `Participant 4`) is them (one interviewee per file);
//!    so is a document with no label at all, a diary entry or a written
//!    account ([`DocumentSpeakers::unlabelled_participant`]).
//! 2. **Group labels** (`All`, `Unknown`, `Crosstalk`, …) belong to no participant.
//! 3. **Moderator labels** (`Moderator`, `Interviewer`, `Interviewer 1`,
//!    `Interviewer2`, `Int1`, `INT`, `I`, `I1`, `Q`, `Moderator 2`,
//!    `Facilitator`, `Host`; see [`crate::speaker::is_moderator_name`]) and
//!    labels with an inline moderator role (`Tom (Moderator):`) are
//!    moderators, with the label as their id (moderators are not counted, so
//!    one id per label is enough).
//!    **Interpreters** (`Interpreter`, `Translator`, `Interp`, numbered
//!    too; [`crate::speaker::is_interpreter_name`]) of interpreter-mediated
//!    interviews are a member of the research encounter, not a participant:
//!    each document's own (`<document>/Interpreter`), counted as no one,
//!    on the interviewer's side. A turn of theirs that renders a
//!    participant's answer (after that participant's turn, or one after
//!    the interviewer's that asks nothing, "She says …") is that
//!    participant's (`crate::assemble`), the speaker label kept. Where no
//!    other speaker of the document is a participant, the interpreter is
//!    the interviewee's voice: the document's generic interviewee (rule 4).
//! 4. **Generic interviewee labels** (`Interviewee`, `Respondent`,
//!    `Participant`, `Speaker`, `Guest`, `Informant`, `IE`, each also
//!    numbered: `Speaker 1`, `Respondent2`) name a role, not a person: they
//!    are a different participant in each document, with the id
//!    `<document>/<label>` (`interview-03.txt/Interviewee`). Case and spacing
//!    variants of a label in one document are one participant (the first
//!    spelling names it). `Speaker 1`/`Speaker 2` with nothing else to go on
//!    are both per-document participants: which one asks the questions is
//!    not reliably visible in the text, so a participants file says so
//!    (`Speaker 1,interviewer,<document>`) where it matters.
//! 5. **Single letters** `A`, `B`, `R`, `P` are generic interviewees in a
//!    document that also labels a speaker `Q` or `I` (the Q/A, I/B, I/R and
//!    I/P transcription conventions), or with an interviewer's word
//!    (`Interviewer`, `Int`, `IV`, …) where one such letter is its only
//!    interviewee (Interviewer/R), or where the letter is the one speaker
//!    beside those the participants file, `--interviewer` or interviewer
//!    detection names as the interviewers (Spanish and Portuguese `E:`
//!    entrevistador/a with `P:`); elsewhere (beside a focus group's
//!    `Moderator`, or several letters) they are read as initials, i.e. names.
//!    `I` is the interviewer (rule 3) unless every other speaker of the
//!    document is an interviewer (by the participants file,
//!    `--interviewer`, interviewer detection or their label): then it is
//!    the document's interviewee, the informant of Spanish PRESEEA
//!    transcripts (`E:` entrevistador, `I:` informante).
//! 6. **Names** (`Anna`, `Dr. Smith`) are the same person wherever they are
//!    written: the label is the participant id (as before this rule existed).

use std::collections::HashMap;

use serde::Serialize;

use crate::speaker::{is_group_name, is_interpreter_name, is_moderator_name, is_moderator_role};
use crate::ParticipantIndex;

/// What a label alone says about its speaker (rules 2–6 above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerRole {
    /// Several or unknown people: no participant.
    Group,
    /// The interviewer or moderator.
    Moderator,
    /// A generic interviewee label: a different person in each document.
    Interviewee,
    /// A name: the same person in every document.
    Named,
    /// The interpreter of an interpreter-mediated interview (`Interpreter:`,
    /// `Translator:`): each document's own, counted as no participant; the
    /// turns in which they render a participant's words are that
    /// participant's (`crate::assemble`), the others the interviewer's
    /// side (rule 3).
    Interpreter,
}

/// Generic interviewee labels (rule 4), lower case, without a number.
const GENERIC_INTERVIEWEE_NAMES: &[&str] = &[
    "interviewee",
    "respondent",
    "resp",
    "participant",
    "speaker",
    "guest",
    "informant",
    "ie",
    // German (IP: Interviewpartner:in, B: Befragte:r), French, Spanish
    // and Italian transcripts' interviewee.
    "ip",
    "interviewpartner",
    "interviewpartnerin",
    "befragte",
    "befragter",
    "enquêté",
    "enquêtée",
    "entrevistado",
    "entrevistada",
    "intervistato",
    "intervistata",
    // Health and social research's interviewees, named by their role:
    // each interview's own person, as `Respondent` is.
    "patient",
    "service user",
    "family member",
    "carer",
    "caregiver",
    "client",
    "relative",
    // Their abbreviations as health-research transcribers type them
    // (`Int:`/`Pt:`), and the clinician a study interviews (`GP:`, `HCP:`,
    // a healthcare professional). Not `Pat`, a person's name as often.
    // Before, each was one person across every interview.
    "pt",
    "gp",
    "hcp",
    // `INT:`/`RES:`, the UK Data Service's common pair.
    "res",
    // Family and dyadic interviews' members, named by their place in the
    // family (`Mother:`/`Father:` in each of a study's family interviews
    // were two people across all of them).
    "mother",
    "father",
    "mum",
    "mom",
    "dad",
    "parent",
    "husband",
    "wife",
    "partner",
    "son",
    "daughter",
    "grandmother",
    "grandfather",
    "grandparent",
    "child",
    // A focus group's unnamed members by gender and number (`Female 1`,
    // `Male 2`), as transcription services label them: each group's own.
    "female",
    "male",
    // Roles a study's interviewees are named by, each interview's own.
    "young person",
    "student",
    "pupil",
    "teacher",
    "head teacher",
    "headteacher",
    "nurse",
    "social worker",
    "support worker",
    "key worker",
    "care worker",
    "volunteer",
    "employee",
    "staff member",
    // More of them (h25/03, h25/04): the NHS staff a ward's or practice's
    // group interview labels by post, in sentence case too (`Staff
    // nurse:`), and the clinicians and relatives a study interviews. Each
    // was one person across every interview (or, in sentence case, no
    // label at all). Not `Sister` alone as a nurse's title only: a
    // sibling dyad's `Sister:`/`Brother:` are each family's own too.
    "hca",
    "healthcare assistant",
    "health care assistant",
    "staff nurse",
    "charge nurse",
    "ward manager",
    "practice manager",
    "practice nurse",
    "health visitor",
    "district nurse",
    "doctor",
    "midwife",
    "pharmacist",
    "physio",
    "physiotherapist",
    "ot",
    "occupational therapist",
    "receptionist",
    "consultant",
    "caseworker",
    "case worker",
    "sister",
    "brother",
    "sibling",
    "aunt",
    "uncle",
    "cousin",
    "niece",
    "nephew",
    "grandson",
    "granddaughter",
    "grandchild",
    "stepfather",
    "stepmother",
    "friend",
    "neighbour",
    "neighbor",
];

/// Interviewee letters of the Q/A, I/B, I/R and I/P conventions (rule 5).
const PAIRED_INTERVIEWEE_LETTERS: &[&str] = &["a", "b", "r", "p"];

/// Interviewer labels that make [`PAIRED_INTERVIEWEE_LETTERS`] interviewees:
/// the letters and the interviewer's own words (`Interviewer:`/`R:`,
/// `Int:`/`R:`, `IV:`/`P:` are as common as `I:`/`R:` in one-to-one
/// interviews; before, their `R` was a name, one person across every
/// interview). Not a focus group's `Moderator` or `Facilitator`, beside
/// which letters are participants' initials.
const PAIRED_INTERVIEWER_LABELS: &[&str] = &[
    "q",
    "i",
    "int",
    "iv",
    "interviewer",
    "question",
    "interviewerin",
    "interviewende",
    "enquêteur",
    "enquêtrice",
    "entrevistador",
    "entrevistadora",
    "intervistatore",
    "intervistatrice",
];

/// Whether a label is one of [`PAIRED_INTERVIEWER_LABELS`] (numbered, with
/// an abbreviation's full stop or German's gender ending too).
fn is_paired_interviewer_label(label: &str) -> bool {
    let label = crate::speaker::without_gender_suffix(label.trim());
    PAIRED_INTERVIEWER_LABELS.contains(&label_base(label.trim_end_matches('.')).as_str())
}

/// `"Interviewer2"` → `"interviewer"`, `"Speaker 1"` → `"speaker"`: the label
/// lower-cased without a trailing number (and the space, `_` or `-` before it).
pub fn label_base(label: &str) -> String {
    let lower = label.trim().to_lowercase();
    let without_number = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    if without_number.len() == lower.len() {
        return lower;
    }
    let base = without_number.trim_end_matches([' ', '_', '-', '#']);
    if base.is_empty() {
        lower
    } else {
        base.to_string()
    }
}

/// Whether the label is a generic interviewee label of rule 4.
pub fn is_generic_interviewee_name(label: &str) -> bool {
    // `Resp.`: an abbreviation's full stop.
    let label = crate::speaker::without_gender_suffix(label.trim());
    let generic =
        |l: &str| GENERIC_INTERVIEWEE_NAMES.contains(&label_base(l.trim_end_matches('.')).as_str());
    // `Respondent A`, `Speaker B`: lettered as others number them (before,
    // each group's `Respondent A` was one person across the series).
    let lettered = label.rsplit_once(' ').is_some_and(|(base, letter)| {
        letter.chars().count() == 1
            && letter.chars().all(|c| c.is_ascii_uppercase())
            && generic(base)
    });
    generic(label) || lettered
}

/// Whether a document's speaker labels are `I` and one other single
/// letter that no convention above reads (`E`; not `Q`, nor `A`, `B`, `R`,
/// `P`), group labels aside. Which of the two asks the questions is not
/// in the letters: German expert interviews write `I:` (Interviewer) with
/// `E:` (Experte), Spanish PRESEEA transcripts `E:` (entrevistador) with
/// `I:` (informante). Interviewer detection (pipeline's ingest) counts the
/// `I` of such a document with the other speakers, so an `E` who asks
/// across a series is found as the interviewer, and `I` is then the
/// interviewee ([`DocumentSpeakers::new`]).
pub fn is_letter_beside_i<'a>(labels: impl IntoIterator<Item = &'a str>) -> bool {
    let mut others = std::collections::BTreeSet::new();
    let mut has_i = false;
    for label in labels {
        let key = label_key(label);
        if key == "i" {
            has_i = true;
        } else if !is_group_name(label) {
            others.insert(key);
        }
    }
    let Some(other) = others.iter().next().filter(|_| others.len() == 1) else {
        return false;
    };
    has_i
        && other.chars().count() == 1
        && other.chars().all(char::is_alphabetic)
        && other != "q"
        && !PAIRED_INTERVIEWEE_LETTERS.contains(&other.as_str())
}

/// Interviewee letters numbered within an interview: a couple's `R1` and
/// `R2`, f4's `B1` and `B2`. Not `P`: `P07` is as often a study's id.
const NUMBERED_INTERVIEWEE_LETTERS: &[&str] = &["a", "b", "r", "s", "f", "m"];

/// Whether `label` is one of [`NUMBERED_INTERVIEWEE_LETTERS`] with a number.
fn numbered_letter(label: &str) -> Option<String> {
    let base = label_base(label);
    let key = label_key(label);
    // One digit: `R12` and `R13` are a study's ids, not a couple's 1 and 2.
    // `R1`, `R 1`; not a survey's `R_1`.
    let number = key.strip_prefix(base.as_str())?;
    let number = number.strip_prefix(' ').unwrap_or(number);
    (NUMBERED_INTERVIEWEE_LETTERS.contains(&base.as_str())
        && number.len() == 1
        && number.chars().all(|c| c.is_ascii_digit()))
    .then_some(base)
}

/// The role of `label` in a document that does (`paired_letters`) or does
/// not label a speaker `Q` or `I`.
pub fn label_role(label: &str, paired_letters: bool) -> SpeakerRole {
    if is_group_name(label) {
        SpeakerRole::Group
    } else if is_interpreter_name(label) {
        SpeakerRole::Interpreter
    } else if is_moderator_name(label) {
        SpeakerRole::Moderator
    } else if is_generic_interviewee_name(label)
        || (paired_letters && PAIRED_INTERVIEWEE_LETTERS.contains(&label_key(label).as_str()))
        // f4's numbered interviewee, `B1` (Befragte/r) beside `I1`: the
        // first interviewee of this interview, not one person across
        // every interview (all of a study's `B1` were one participant).
        || (paired_letters && label_base(label) == "b" && label_key(label) != "b")
    {
        SpeakerRole::Interviewee
    } else {
        SpeakerRole::Named
    }
}

/// Whether `label` is the same person in every document whatever the
/// document's other labels say: a name by [`label_role`] (with `Q` or `I`
/// beside it) that no rule of [`role_in_document`] reads otherwise (a
/// couple's `R1`/`R2` and a focus group's `F1`/`M1`, Krueger's `M`/`AM`,
/// an agency's `UF`/`UM`). A table's respondent id that is not (`R1`,
/// `Q01`, `Participant 1`) needs [`crate::formats::RESPONDENT_ROLE`] to
/// resolve as written: before, the `R1`…`R4` of a panel's two waves were
/// each wave's own people, N 8 for 4.
pub fn resolves_as_written(label: &str) -> bool {
    let key = label_key(label);
    label_role(label, true) == SpeakerRole::Named
        && numbered_letter(label).is_none()
        && !["m", "am", "uf", "um", "ufs", "ums"].contains(&key.as_str())
}

/// [`label_role`] with what the rest of the document says: its numbered
/// interviewee letters and whether `M` moderates.
fn role_in_document(
    label: &str,
    paired_letters: bool,
    numbered_letters: &[String],
    m_moderates: bool,
    unknown_voices: bool,
    i_answers: bool,
    interpreter_answers: bool,
) -> SpeakerRole {
    let key = label_key(label);
    if m_moderates && (key == "m" || key == "am") {
        return SpeakerRole::Moderator;
    }
    if i_answers && key == "i" {
        return SpeakerRole::Interviewee;
    }
    if unknown_voices && ["uf", "um", "ufs", "ums"].contains(&key.as_str()) {
        return SpeakerRole::Group;
    }
    let role = label_role(label, paired_letters);
    if interpreter_answers && role == SpeakerRole::Interpreter {
        return SpeakerRole::Interviewee;
    }
    if role == SpeakerRole::Named
        && numbered_letter(label).is_some_and(|b| numbered_letters.contains(&b))
    {
        return SpeakerRole::Interviewee;
    }
    role
}

/// Where a speaker's participant id came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    /// The participants file lists the speaker (rule 1).
    Registered,
    /// The label is the id, the same person in every document (rules 3, 6).
    Label,
    /// `<document>/<label>`: a generic label, a person of this document only (rules 4, 5).
    PerDocument,
    /// No participant (rule 2).
    None,
}

/// The participant a label stands for in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub participant_id: Option<String>,
    pub is_moderator: bool,
    pub source: IdSource,
    pub role: SpeakerRole,
}

/// Resolves the speaker labels of one document (the rule in the module comment).
pub struct DocumentSpeakers<'a, 'p> {
    document: &'a str,
    participants: &'a ParticipantIndex<'p>,
    paired_letters: bool,
    /// Letters the document numbers two or more labels of (`R1`, `R2`).
    numbered_letters: Vec<String>,
    /// `M` is the moderator (and `AM` the assistant moderator).
    m_moderates: bool,
    /// `UF` and `UM` are unknown voices.
    unknown_voices: bool,
    /// `I` is the interviewee: every other speaker is an interviewer.
    i_answers: bool,
    /// The interpreter is the interviewee's only voice: no other speaker
    /// of the document is a participant (rule 3).
    interpreter_answers: bool,
    /// The document's one unlisted generic interviewee label (its key).
    sole_generic: Option<String>,
    /// That label's participant as the header block names them
    /// ([`DocumentSpeakers::with_header_interviewee`]): their id, and
    /// whether the participants file lists them.
    header_link: Option<(String, bool)>,
    /// The interviewers the header block names, by label key
    /// ([`DocumentSpeakers::with_header_interviewers`]).
    header_interviewers: Vec<String>,
    /// Label key → first spelling of a generic label in this document.
    first_spelling: HashMap<String, &'a str>,
    /// The document's one generic interviewee label (its key) and the one
    /// participant the participants file scopes to the document (rule 1).
    sole_interviewee: Option<(String, &'p crate::Participant)>,
    /// The one participant the participants file scopes to a document with
    /// no speaker label ([`DocumentSpeakers::unlabelled_participant`]).
    unlabelled_participant: Option<&'p crate::Participant>,
}

impl<'a, 'p> DocumentSpeakers<'a, 'p> {
    /// `labels`: every speaker label of the document, in text order.
    pub fn new(
        document: &'a str,
        labels: impl IntoIterator<Item = &'a str>,
        participants: &'a ParticipantIndex<'p>,
    ) -> Self {
        // Each distinct label once, in order of first appearance: a long
        // document repeats a handful of labels a million times, and the
        // checks below allocate (issue #17 item 6).
        let mut seen = std::collections::HashSet::new();
        let labels: Vec<&'a str> = labels
            .into_iter()
            .map(str::trim)
            .filter(|l| !l.is_empty() && seen.insert(*l))
            .collect();
        // `Q`/`I` pair every letter (Q/A, I/B, I/R); an interviewer's word
        // pairs the one interviewee letter of an interview, not a group's
        // initials (`Interviewer:` with `A:`, `K:`, `P:` is a focus group).
        let letters: std::collections::BTreeSet<String> = labels
            .iter()
            .map(|l| label_key(l))
            .filter(|k| PAIRED_INTERVIEWEE_LETTERS.contains(&k.as_str()))
            .collect();
        // An interviewer the participants file, `--interviewer` or
        // interviewer detection names.
        let listed_interviewer = |l: &&str| {
            participants
                .resolve(l, document)
                .is_some_and(|p| p.is_moderator)
        };
        // `I` is the interviewee where every other speaker is an
        // interviewer, listed so or by their label (`I:` beside a detected
        // `E:`): a document of interviewers alone stored nothing to code,
        // and a PRESEEA transcript's informant was the moderator
        // (hunt h4/06).
        let is_i = |l: &&str| label_key(l) == "i";
        let i_answers = labels.iter().any(is_i)
            && participants.resolve("I", document).is_none()
            && labels.iter().any(|l| !is_i(l) && !is_group_name(l))
            && labels.iter().all(|l| {
                is_i(l) || is_group_name(l) || listed_interviewer(l) || is_moderator_name(l)
            });
        // A letter that is the one speaker beside the interviewers the
        // participants file, `--interviewer` or detection names is that
        // interview's interviewee: three `E:`/`P:` interviews, `E` found
        // as the interviewer, were one participant `P` (hunt h4/05).
        let beside_listed = letters.len() == 1
            && labels.iter().any(listed_interviewer)
            && labels.iter().all(|l| {
                PAIRED_INTERVIEWEE_LETTERS.contains(&label_key(l).as_str())
                    || is_group_name(l)
                    || listed_interviewer(l)
            });
        let paired_letters = (!i_answers
            && labels
                .iter()
                .any(|l| ["q", "i"].contains(&label_base(l).as_str())))
            || (letters.len() == 1 && labels.iter().any(|l| is_paired_interviewer_label(l)))
            || beside_listed;
        // `R1:` and `R2:` in one interview (a couple, a dyad, a family:
        // two to four of them) are that interview's interviewees; `R12:`
        // alone is a study's id, and a table of many `R1`…`R9` a survey's.
        let mut numbered: Vec<String> = labels.iter().filter_map(|l| numbered_letter(l)).collect();
        numbered.sort();
        let mut numbered_letters: Vec<String> = numbered
            .chunk_by(|a, b| a == b)
            .filter(|same| (2..=4).contains(&same.len()))
            .map(|same| same[0].clone())
            .collect();
        // A focus group's `F1`, `F2`, `M1` (female and male members, as
        // transcription services label them) are the group's own, counted
        // together: all of a study's `M1` were one participant (hk/01).
        let gendered = numbered.iter().filter(|b| *b == "f" || *b == "m").count();
        if (2..=12).contains(&gendered) {
            for b in ["f", "m"] {
                if !numbered_letters.iter().any(|l| l == b) {
                    numbered_letters.push(b.to_string());
                }
            }
        }
        // Krueger's focus-group convention: `M:` the moderator, `AM:` the
        // assistant moderator, where no other label moderates and no `F:`
        // makes `M` a man (a couple's `M:`/`F:`). Before, both were
        // participants and their questions coded.
        let keys: Vec<String> = labels.iter().map(|l| label_key(l)).collect();
        // Nor where the others are initials (`LB:`/`M:`, `KJ`, `AM`, `T`,
        // `M`: M is a person).
        let initials = |l: &&str| {
            !["M", "AM"].contains(l)
                && (1..=3).contains(&l.chars().count())
                && l.chars().all(|c| c.is_alphabetic() && c.is_uppercase())
        };
        let m_moderates = keys.iter().any(|k| k == "m")
            && !labels.iter().any(initials)
            && !labels.iter().any(|l| is_moderator_name(l));
        // Transcription agencies' `UF:`/`UM:` (unidentified female/male)
        // beside the people of the document: an unknown voice. Alone with
        // the interviewer they are the interviewee's initials.
        let unidentified = |k: &str| ["uf", "um", "ufs", "ums"].contains(&k);
        let people_beside = labels.iter().any(|l| {
            !unidentified(&label_key(l))
                && label_role(l, paired_letters) != SpeakerRole::Moderator
                && label_role(l, paired_letters) != SpeakerRole::Group
        });
        let unknown_voices = people_beside && keys.iter().any(|k| unidentified(k));
        // An interpreter beside the interviewers alone (`Interviewer:` and
        // `Interpreter:`, the participant's own words not transcribed):
        // their English is the interviewee's every answer, each
        // interview's own interviewee as `Participant` is. A study of
        // interpreters labels its interviewees so too.
        let interpreter_answers = labels.iter().any(|l| is_interpreter_name(l))
            && labels.iter().all(|l| {
                is_interpreter_name(l)
                    || listed_interviewer(l)
                    || matches!(
                        label_role(l, paired_letters),
                        SpeakerRole::Moderator | SpeakerRole::Group
                    )
            });
        let mut first_spelling = HashMap::new();
        for l in &labels {
            first_spelling.entry(label_key(l)).or_insert(*l);
        }
        // One interviewee per file: where the file gives a document one
        // participant and the document's only unlisted interviewee label is
        // generic (`R`, `Respondent`, `Participant 4`), that label is them.
        // Before, they were `<document>/R`, without the tracker's row.
        let listed = |l: &&str| participants.resolve(l, document);
        // The document's unlisted generic interviewee labels, by key.
        let generic: std::collections::BTreeSet<String> = labels
            .iter()
            .filter(|l| listed(l).is_none())
            .filter(|l| {
                role_in_document(
                    l,
                    paired_letters,
                    &numbered_letters,
                    m_moderates,
                    unknown_voices,
                    i_answers,
                    interpreter_answers,
                ) == SpeakerRole::Interviewee
            })
            .map(|l| label_key(l))
            .collect();
        let sole_generic = (generic.len() == 1)
            .then(|| generic.iter().next().cloned())
            .flatten();
        let sole_interviewee = participants.sole_participant_of(document).and_then(|p| {
            if labels
                .iter()
                .any(|l| listed(l).is_some_and(|q| q.id == p.id))
            {
                return None;
            }
            sole_generic.clone().map(|k| (k, p))
        });
        // One interviewee per file, a document without labels too: a
        // diary study's entries (`P07_2024-03-14.docx`, no label, the
        // diarist the only voice) that the file's `document` column gives
        // one person are theirs. Before, each entry was one more unnamed
        // participant without the file's attributes, and the person the
        // file listed for them spoke in no document (h22/01).
        let unlabelled_participant = labels
            .is_empty()
            .then(|| participants.sole_participant_of(document))
            .flatten();
        DocumentSpeakers {
            document,
            participants,
            paired_letters,
            numbered_letters,
            m_moderates,
            unknown_voices,
            i_answers,
            interpreter_answers,
            sole_generic,
            header_link: None,
            header_interviewers: Vec::new(),
            first_spelling,
            sole_interviewee,
            unlabelled_participant,
        }
    }

    /// Who speaks a turn without a label, where the document has no label
    /// at all and the participants file gives it one participant (its
    /// `document` column; [`ParticipantIndex::sole_participant_of`]): that
    /// participant. A document the file does not name, or names for
    /// several people, stays one unnamed participant's.
    pub fn unlabelled_participant(&self) -> Option<&'p crate::Participant> {
        self.unlabelled_participant
    }

    /// The header block of `text` read once
    /// ([`crate::speaker::header_people`]): its interviewee
    /// ([`DocumentSpeakers::with_header_interviewee`]) and interviewers
    /// ([`DocumentSpeakers::with_header_interviewers`]).
    pub fn with_header(self, text: &str) -> Self {
        let people = crate::speaker::header_people(text);
        self.with_header_interviewers_beside(&people.interviewers, people.interviewee.as_deref())
            .with_header_interviewee(people.interviewee.as_deref())
    }

    /// Links the document's one generic interviewee label to the person its
    /// header block names (`Participant: R12`, `Interviewee: Maria Lopez
    /// (P01)`; [`crate::speaker::header_people`]): the participants
    /// file's row for them where it lists them (by id, the bracketed id or
    /// the name), else the id (or name) as written, one person across
    /// documents. Before, `A:` under such a header was `<document>/A`,
    /// without the tracker's row. Where the file already scopes a
    /// participant to the document, that wins.
    pub fn with_header_interviewee(mut self, header: Option<&str>) -> Self {
        let (Some(header), Some(_)) = (header, &self.sole_generic) else {
            return self;
        };
        if self.sole_interviewee.is_some() {
            return self;
        }
        let (base, bracket) = match header
            .trim()
            .strip_suffix(')')
            .and_then(|h| h.rsplit_once('('))
        {
            Some((b, inner)) => (b.trim(), Some(inner.trim())),
            None => (header.trim(), None),
        };
        // A role, not a person (`Interviewee: Head Teacher (School 1)`):
        // each interview's own, as the label is.
        let id_bracket = bracket.filter(|inner| crate::speaker::is_id_like(inner));
        if id_bracket.is_none()
            && (is_generic_interviewee_name(base) || is_moderator_name(base) || is_group_name(base))
        {
            return self;
        }
        let listed = bracket
            .and_then(|inner| self.participants.by_bracketed_id(inner, self.document))
            .or_else(|| self.participants.resolve(base, self.document))
            .or_else(|| bracket.and_then(|inner| self.participants.resolve(inner, self.document)));
        self.header_link = Some(match listed {
            Some(p) if !p.is_moderator => (p.id.clone(), true),
            Some(_) => return self,
            None => (id_bracket.unwrap_or(base).to_string(), false),
        });
        self
    }

    /// The labels the header block names as the interviewers (`Interviewer:
    /// SK` above `SK:` turns; [`crate::speaker::header_people`]) are
    /// moderators where the participants file does not list them. Before,
    /// SK was a participant and their questions were coded.
    pub fn with_header_interviewers(self, names: &[String]) -> Self {
        self.with_header_interviewers_beside(names, None)
    }

    /// [`DocumentSpeakers::with_header_interviewers`] where the header
    /// also names `interviewee`. A label the short way of a header
    /// interviewer's full name (`Sarah:`, `Khan:`, `Dr Khan:`, `SK:` under
    /// `Interviewer: Dr Sarah Khan`; [`short_names`]) is them too, where it
    /// can be no one else: no other person the header names is called so,
    /// no other label of the document is their name or another short way
    /// of it, and no label of the document is a moderator's own (beside
    /// `Interviewer:`, a `Sarah:` is the interviewee). Before 2026-12-07
    /// only the header's words as written matched, and `Sarah` was a
    /// participant whose questions were coded (hu/04).
    fn with_header_interviewers_beside(
        mut self,
        names: &[String],
        interviewee: Option<&str>,
    ) -> Self {
        let mut keys: Vec<String> = names.iter().flat_map(|n| written_names(n)).collect();
        let labels: Vec<&str> = self.first_spelling.values().copied().collect();
        let roles: Vec<SpeakerRole> = labels
            .iter()
            .map(|l| {
                role_in_document(
                    l,
                    self.paired_letters,
                    &self.numbered_letters,
                    self.m_moderates,
                    self.unknown_voices,
                    self.i_answers,
                    self.interpreter_answers,
                )
            })
            .collect();
        if !roles.contains(&SpeakerRole::Moderator) {
            let people: Vec<(Vec<String>, Vec<String>)> = names
                .iter()
                .map(String::as_str)
                .chain(interviewee)
                .map(|n| (written_names(n), short_names(n)))
                .collect();
            for (i, (written, short)) in people.iter().enumerate().take(names.len()) {
                let called = |k: &String| written.contains(k) || short.contains(k);
                let mut theirs = labels
                    .iter()
                    .zip(&roles)
                    .map(|(l, role)| (label_key(l), role))
                    .filter(|(k, _)| called(k));
                let (Some((key, role)), None) = (theirs.next(), theirs.next()) else {
                    continue;
                };
                let someone_else = people
                    .iter()
                    .enumerate()
                    .any(|(j, (w, s))| j != i && (w.contains(&key) || s.contains(&key)));
                if *role == SpeakerRole::Named && !someone_else && !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        self.header_interviewers = keys;
        self
    }

    /// The participant `label` (with its inline role, if any) stands for.
    pub fn resolve(&self, label: &str, inline_role: Option<&str>) -> Resolution {
        let label = label.trim();
        // A wide export's respondent: their id is theirs, whatever it reads as.
        let role = if inline_role == Some(crate::formats::RESPONDENT_ROLE) {
            SpeakerRole::Named
        } else {
            role_in_document(
                label,
                self.paired_letters,
                &self.numbered_letters,
                self.m_moderates,
                self.unknown_voices,
                self.i_answers,
                self.interpreter_answers,
            )
        };
        let inline_moderator = inline_role.is_some_and(is_moderator_role);
        // `Maria (P12):`: the brackets hold a listed id, which says who.
        let by_id = inline_role.and_then(|r| self.participants.by_bracketed_id(r, self.document));
        let sole = self
            .sole_interviewee
            .as_ref()
            .filter(|(k, _)| *k == label_key(label))
            .map(|(_, p)| *p);
        let listed_here = by_id.or_else(|| self.participants.resolve(label, self.document));
        if listed_here.is_none() && self.header_interviewers.contains(&label_key(label)) {
            return Resolution {
                participant_id: Some(label.to_string()),
                is_moderator: true,
                source: IdSource::Label,
                role: SpeakerRole::Moderator,
            };
        }
        if let (None, None, Some((id, registered))) = (listed_here, sole, &self.header_link) {
            if self.sole_generic.as_deref() == Some(label_key(label).as_str()) {
                return Resolution {
                    participant_id: Some(id.clone()),
                    is_moderator: inline_moderator,
                    source: if *registered {
                        IdSource::Registered
                    } else {
                        IdSource::Label
                    },
                    role,
                };
            }
        }
        if let Some(p) = listed_here.or(sole) {
            return Resolution {
                participant_id: Some(p.id.clone()),
                is_moderator: p.is_moderator || inline_moderator || role == SpeakerRole::Moderator,
                source: IdSource::Registered,
                role,
            };
        }
        let (participant_id, source) = match role {
            SpeakerRole::Group => (None, IdSource::None),
            SpeakerRole::Moderator | SpeakerRole::Named => {
                (Some(label.to_string()), IdSource::Label)
            }
            SpeakerRole::Interviewee | SpeakerRole::Interpreter => {
                let spelling = self
                    .first_spelling
                    .get(&label_key(label))
                    .copied()
                    .unwrap_or(label);
                (
                    Some(per_document_id(self.document, spelling)),
                    IdSource::PerDocument,
                )
            }
        };
        Resolution {
            participant_id,
            is_moderator: inline_moderator
                || role == SpeakerRole::Moderator
                || role == SpeakerRole::Interpreter,
            source,
            role,
        }
    }
}

/// The id of a generic label's speaker in one document: `<document>/<label>`.
pub fn per_document_id(document: &str, label: &str) -> String {
    format!("{document}/{}", label.trim())
}

/// The label keys a header block's person is written as: the value
/// (`Sarah Khan`, `SK`), and where it brackets an id or initials after the
/// name (`Sarah Khan (SK)`), the name and the id.
fn written_names(value: &str) -> Vec<String> {
    let mut keys = vec![label_key(value)];
    if let Some((base, inner)) = value
        .trim()
        .strip_suffix(')')
        .and_then(|v| v.rsplit_once('('))
    {
        keys.extend([label_key(base), label_key(inner)]);
    }
    keys.retain(|k| !k.is_empty());
    keys
}

/// Titles before a name (`Dr Sarah Khan`, `Ms. Khan`), lower case,
/// without a full stop.
const TITLES: &[&str] = &[
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "professor",
    "sir",
    "dame",
];

/// The short ways of writing a header block's full name as a label, by
/// label key: the first name, the last name alone and after a title, and
/// the initials (`sarah`, `khan`, `dr khan`, `ms. khan`, `sk` for `Dr
/// Sarah Khan`). None for a name of one word without a title (`SK`,
/// `P01`: an id or initials, matched as written).
fn short_names(value: &str) -> Vec<String> {
    let base = value
        .trim()
        .strip_suffix(')')
        .and_then(|v| v.rsplit_once('('))
        .map_or(value, |(base, _)| base);
    let words: Vec<&str> = base.split_whitespace().collect();
    let is_title = |w: &str| TITLES.contains(&w.trim_end_matches('.').to_lowercase().as_str());
    let titled = words.first().is_some_and(|w| is_title(w));
    let name = if titled { &words[1..] } else { &words[..] };
    let Some(last) = name.last() else {
        return Vec::new();
    };
    if name.len() < 2 && !titled {
        return Vec::new();
    }
    let last = last.to_lowercase();
    let mut keys = vec![last.clone()];
    for title in TITLES {
        keys.push(format!("{title} {last}"));
        keys.push(format!("{title}. {last}"));
    }
    if name.len() >= 2 {
        // A first name, not an initial (`J Smith`'s `J:` is anyone's).
        if name[0].chars().count() >= 2 {
            keys.push(name[0].to_lowercase());
        }
        keys.push(
            name.iter()
                .filter_map(|w| w.chars().next())
                .flat_map(char::to_lowercase)
                .collect(),
        );
    }
    keys
}

/// Labels compare case-insensitively with inner whitespace collapsed.
fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// h25/04: roles and relatives a study's interviewees are labelled by
    /// are each document's own, as `Mother` is; names stay names.
    #[test]
    fn more_roles_and_relatives_are_each_documents_own() {
        for label in [
            "HCA",
            "Sister",
            "Brother",
            "Doctor",
            "Midwife",
            "Pharmacist",
            "Aunt",
            "Uncle",
            "Friend",
            "Neighbour",
            "Grandson",
            "Granddaughter",
            "Staff nurse",
            "Healthcare assistant",
            "Ward manager",
            "Health visitor",
            "Practice manager",
        ] {
            assert_eq!(
                label_role(label, false),
                SpeakerRole::Interviewee,
                "{label}"
            );
        }
        for label in ["Anna", "Dr Smith", "Brotherton", "Sis"] {
            assert_eq!(label_role(label, false), SpeakerRole::Named, "{label}");
        }
        assert_eq!(label_role("Interpreter", false), SpeakerRole::Interpreter);
        assert_eq!(label_role("Translator 2", false), SpeakerRole::Interpreter);
    }

    #[test]
    fn the_interviewee_in_other_words_and_languages() {
        for label in [
            "Resp",
            "Resp.",
            "IP",
            "Befragte",
            "Enquêtée",
            "Entrevistada",
            "Respondent 2",
        ] {
            assert_eq!(
                label_role(label, false),
                SpeakerRole::Interviewee,
                "{label}"
            );
        }
        assert_eq!(label_role("Rosa", false), SpeakerRole::Named);
    }
    use crate::Participants;
    use std::path::Path;

    fn resolve_all(document: &str, labels: &[&str], people: &Participants) -> Vec<Resolution> {
        let index = people.index();
        let speakers = DocumentSpeakers::new(document, labels.iter().copied(), &index);
        labels.iter().map(|l| speakers.resolve(l, None)).collect()
    }

    fn ids(rs: &[Resolution]) -> Vec<(Option<&str>, bool)> {
        rs.iter()
            .map(|r| (r.participant_id.as_deref(), r.is_moderator))
            .collect()
    }

    #[test]
    fn interviewer_variants_are_moderators() {
        for label in [
            "Interviewer",
            "Interviewer 1",
            "Interviewer2",
            "interviewer3",
            "Int1",
            "INT",
            "I",
            "I1",
            "Q",
            "Moderator 2",
            "Facilitator",
            "Host",
        ] {
            assert_eq!(label_role(label, false), SpeakerRole::Moderator, "{label}");
        }
        for label in [
            "Interviewers",
            "Intern",
            "Anna",
            "Ian",
            "Q and A",
            "Modesty",
        ] {
            assert_ne!(label_role(label, false), SpeakerRole::Moderator, "{label}");
        }
    }

    #[test]
    fn generic_labels_are_one_person_per_document() {
        let none = Participants::default();
        let labels = [
            "Interviewer 1",
            "Interviewee",
            "Interviewer2",
            "interviewee",
            "Respondent",
            "Speaker 1",
            "Speaker 2",
            "IE",
            "Participant 3",
            "Anna",
        ];
        let a = resolve_all("a.txt", &labels, &none);
        assert_eq!(
            ids(&a),
            vec![
                (Some("Interviewer 1"), true),
                (Some("a.txt/Interviewee"), false),
                (Some("Interviewer2"), true),
                // A case variant in the same document is the same person.
                (Some("a.txt/Interviewee"), false),
                (Some("a.txt/Respondent"), false),
                (Some("a.txt/Speaker 1"), false),
                (Some("a.txt/Speaker 2"), false),
                (Some("a.txt/IE"), false),
                (Some("a.txt/Participant 3"), false),
                // Names stay the same person in every document.
                (Some("Anna"), false),
            ]
        );
        assert_eq!(a[1].source, IdSource::PerDocument);
        assert_eq!(a[9].source, IdSource::Label);
        let b = resolve_all("sub/b.vtt", &["Interviewee", "Anna"], &none);
        assert_eq!(
            ids(&b),
            vec![
                (Some("sub/b.vtt/Interviewee"), false),
                (Some("Anna"), false)
            ]
        );
    }

    #[test]
    fn roles_couples_and_lettered_labels_are_each_interviews_own() {
        let none = Participants::default();
        // `INT:`/`RES:`; a family's `Mother:`/`Father:`; `Young person:`;
        // a group's `Respondent A`.
        for (doc, labels) in [
            ("int01.txt", &["INT", "RES"][..]),
            ("family01.txt", &["Interviewer", "Mother", "Father"][..]),
            ("yp.txt", &["Interviewer", "Young person"][..]),
            (
                "fg1.txt",
                &["Moderator", "Respondent A", "Respondent B"][..],
            ),
        ] {
            let got = resolve_all(doc, labels, &none);
            assert!(got[0].is_moderator, "{doc}");
            for (label, r) in labels.iter().zip(&got).skip(1) {
                assert_eq!(
                    r.participant_id.as_deref(),
                    Some(format!("{doc}/{label}").as_str())
                );
                assert!(!r.is_moderator, "{doc} {label}");
            }
        }
        // A couple's `R1` and `R2` are this interview's; `R12` alone is a
        // study's id, the same person in every document.
        assert_eq!(
            ids(&resolve_all("couple.txt", &["INT", "R1", "R2"], &none)),
            vec![
                (Some("INT"), true),
                (Some("couple.txt/R1"), false),
                (Some("couple.txt/R2"), false)
            ]
        );
        // A focus group's `Female 1`/`Male 1` and `F1`/`F2`/`M1`, each
        // group's own (all of a study's `Male 1` were one participant).
        assert_eq!(
            ids(&resolve_all(
                "fg1.txt",
                &["Moderator", "Female 1", "Male 1"],
                &none
            )),
            vec![
                (Some("Moderator"), true),
                (Some("fg1.txt/Female 1"), false),
                (Some("fg1.txt/Male 1"), false)
            ]
        );
        assert_eq!(
            ids(&resolve_all(
                "fg2.txt",
                &["Moderator", "F1", "F2", "M1"],
                &none
            )),
            vec![
                (Some("Moderator"), true),
                (Some("fg2.txt/F1"), false),
                (Some("fg2.txt/F2"), false),
                (Some("fg2.txt/M1"), false)
            ]
        );
        // A transcription service's `S1` and `S2` likewise (all of a
        // study's `S2` were one participant).
        assert_eq!(
            ids(&resolve_all("scribie.txt", &["S1", "S2"], &none)),
            vec![
                (Some("scribie.txt/S1"), false),
                (Some("scribie.txt/S2"), false)
            ]
        );
        // Health research's abbreviations, `Pt` (patient) beside `Int`, and
        // the clinicians a study interviews, `GP` and `HCP` (h21/01): before,
        // each was one person across every interview.
        for (doc, label) in [
            ("hp01.txt", "Pt"),
            ("hp02.txt", "PT"),
            ("hp03.txt", "Pt."),
            ("hp04.txt", "Pt 1"),
            ("gp01.txt", "GP"),
            ("hcp01.txt", "HCP"),
        ] {
            assert_eq!(
                ids(&resolve_all(doc, &["Int", label], &none)),
                vec![
                    (Some("Int"), true),
                    (Some(format!("{doc}/{label}").as_str()), false)
                ],
                "{label}"
            );
        }
        // `Pat` is as often a person's name: the same Pat everywhere.
        assert_eq!(label_role("Pat", false), SpeakerRole::Named);
        assert_eq!(
            ids(&resolve_all("int12.txt", &["Interviewer", "R12"], &none)),
            vec![(Some("Interviewer"), true), (Some("R12"), false)]
        );
        assert_eq!(
            ids(&resolve_all("joint.txt", &["INT", "R12", "R13"], &none)),
            vec![
                (Some("INT"), true),
                (Some("R12"), false),
                (Some("R13"), false)
            ]
        );
        // `Int. 1` and `Int. 2` are two interviewers.
        assert_eq!(
            ids(&resolve_all(
                "two.txt",
                &["Int. 1", "Int. 2", "Rosa"],
                &none
            )),
            vec![
                (Some("Int. 1"), true),
                (Some("Int. 2"), true),
                (Some("Rosa"), false)
            ]
        );
    }

    #[test]
    fn m_and_am_moderate_a_focus_group_unless_m_is_a_man() {
        let none = Participants::default();
        assert_eq!(
            ids(&resolve_all("fg.txt", &["M", "P1", "AM", "P2"], &none)),
            vec![
                (Some("M"), true),
                (Some("P1"), false),
                (Some("AM"), true),
                (Some("P2"), false)
            ]
        );
        // A couple's `M:` and `F:` beside the interviewer, and `M1`/`M2`
        // (male participants) beside a moderator, are participants.
        assert_eq!(
            ids(&resolve_all("couple.txt", &["I", "M", "F"], &none)),
            vec![(Some("I"), true), (Some("M"), false), (Some("F"), false)]
        );
        // Beside initials, `M` and `AM` are people too (`LB`/`M`; a
        // mother and daughter `M`/`D`; a group's `KJ`, `AM`, `T`, `M`).
        for labels in [
            &["LB", "M"][..],
            &["Sarah", "M", "D"][..],
            &["KJ", "AM", "T", "M"][..],
        ] {
            let got = resolve_all("initials.txt", labels, &none);
            assert!(got.iter().all(|r| !r.is_moderator), "{labels:?}");
        }
        // First names beside them are no initials.
        let got = resolve_all("fg2.txt", &["M", "Tom", "Sue", "AM"], &none);
        assert_eq!(
            got.iter().map(|r| r.is_moderator).collect::<Vec<_>>(),
            vec![true, false, false, true]
        );
        assert_eq!(
            ids(&resolve_all(
                "mf.txt",
                &["Moderator", "M1", "F1", "AM"],
                &none
            )),
            // `M1` and `F1` are members, the group's own (since 2026-12-07).
            vec![
                (Some("Moderator"), true),
                (Some("mf.txt/M1"), false),
                (Some("mf.txt/F1"), false),
                (Some("AM"), false)
            ]
        );
    }

    #[test]
    fn unknown_and_several_voices_are_no_one() {
        for label in [
            "Unknown speaker",
            "Unidentified female",
            "?",
            "Multiple speakers",
            "Several participants",
            "All participants",
            "Both",
            "Many voices",
        ] {
            assert_eq!(label_role(label, false), SpeakerRole::Group, "{label}");
        }
        assert_eq!(label_role("Allison", false), SpeakerRole::Named);
        // `UM` and `UF` are unknown voices beside the document's people,
        // and an interviewee's initials alone with the interviewer.
        let none = Participants::default();
        assert_eq!(
            ids(&resolve_all(
                "fg.txt",
                &["Moderator", "Anna", "UF", "Ben"],
                &none
            )),
            vec![
                (Some("Moderator"), true),
                (Some("Anna"), false),
                (None, false),
                (Some("Ben"), false)
            ]
        );
        assert_eq!(
            ids(&resolve_all("um.txt", &["I", "UM"], &none)),
            vec![(Some("I"), true), (Some("UM"), false)]
        );
    }

    /// hv/01: a table's respondent id that a document-level rule would
    /// make a person of one export (`R1`…`R4`, as a couple's `R1`/`R2` of
    /// one interview) resolves as written with the respondent role: a
    /// panel's two waves are four people, not eight.
    #[test]
    fn a_respondent_id_resolves_as_written_in_every_wave() {
        for id in [
            "R1",
            "S2",
            "A1",
            "F1",
            "M3",
            "M",
            "AM",
            "UF",
            "Q01",
            "Participant 1",
            "B",
        ] {
            assert!(!resolves_as_written(id), "{id}");
        }
        for id in ["R12", "P1", "R_1", "Anna", "r04@x.org", "1001"] {
            assert!(resolves_as_written(id), "{id}");
        }
        let none = Participants::default();
        let index = none.index();
        let labels = ["Q", "R1", "R2", "R3", "R4"];
        for wave in ["wave1.csv", "wave2.csv"] {
            let speakers = DocumentSpeakers::new(wave, labels.iter().copied(), &index);
            let got: Vec<(Option<String>, IdSource)> = labels[1..]
                .iter()
                .map(|l| {
                    let r = speakers.resolve(l, Some(crate::formats::RESPONDENT_ROLE));
                    (r.participant_id, r.source)
                })
                .collect();
            assert_eq!(
                got,
                labels[1..]
                    .iter()
                    .map(|l| (Some(l.to_string()), IdSource::Label))
                    .collect::<Vec<_>>(),
                "{wave}"
            );
            // Without the role, an interview's `R1`/`R2` stay its own.
            assert_eq!(
                speakers.resolve("R1", None).participant_id,
                Some(format!("{wave}/R1"))
            );
        }
    }

    #[test]
    fn single_letters_are_interviewees_only_beside_an_interviewer() {
        let none = Participants::default();
        assert_eq!(
            ids(&resolve_all("qa.txt", &["Q", "A"], &none)),
            vec![(Some("Q"), true), (Some("qa.txt/A"), false)]
        );
        assert_eq!(
            ids(&resolve_all("ib.txt", &["I", "B", "I", "R"], &none)),
            vec![
                (Some("I"), true),
                (Some("ib.txt/B"), false),
                (Some("I"), true),
                (Some("ib.txt/R"), false)
            ]
        );
        // f4's numbered `B1`, `B2` beside `I1` are this interview's.
        assert_eq!(
            ids(&resolve_all("f4.txt", &["I1", "B1", "B2"], &none)),
            vec![
                (Some("I1"), true),
                (Some("f4.txt/B1"), false),
                (Some("f4.txt/B2"), false)
            ]
        );
        // The interviewer's own word pairs them too, and `P` is the
        // participant of the I/P convention.
        for interviewer in ["Interviewer", "Int", "IV", "Int.", "Interviewer 1"] {
            for letter in ["R", "P", "A"] {
                let doc = format!("{interviewer}-{letter}.txt");
                assert_eq!(
                    ids(&resolve_all(&doc, &[interviewer, letter], &none)),
                    vec![
                        (Some(interviewer), true),
                        (Some(format!("{doc}/{letter}").as_str()), false)
                    ],
                    "{interviewer}/{letter}"
                );
            }
        }
        assert_eq!(
            ids(&resolve_all("ip.txt", &["I", "P"], &none)),
            vec![(Some("I"), true), (Some("ip.txt/P"), false)]
        );
        // Beside an interviewer's word, several letters are a group's
        // initials: names.
        assert_eq!(
            ids(&resolve_all(
                "fg.txt",
                &["Interviewer", "A", "K", "P"],
                &none
            )),
            vec![
                (Some("Interviewer"), true),
                (Some("A"), false),
                (Some("K"), false),
                (Some("P"), false)
            ]
        );
        // Beside a focus group's moderator, letters are initials: names.
        assert_eq!(
            ids(&resolve_all("fg.txt", &["Moderator", "A", "B"], &none)),
            vec![
                (Some("Moderator"), true),
                (Some("A"), false),
                (Some("B"), false)
            ]
        );
    }

    /// A letter beside the interviewers the participants file,
    /// `--interviewer` or detection names is each interview's interviewee
    /// (hunt h4/05: Spanish `E:`/`P:`), and `I` beside interviewers alone
    /// is the interviewee (hunt h4/06: PRESEEA's `E:`/`I:`). Unnamed, the
    /// letters are read as before.
    #[test]
    fn letters_beside_a_named_interviewer_are_the_interviews_own() {
        let none = Participants::default();
        let mut found = Participants::default();
        found.mark_interviewers(&["E".to_string()]);
        // E/P: P was a name, one person across every interview.
        assert_eq!(
            ids(&resolve_all("e1.txt", &["E", "P", "E", "P"], &none)),
            vec![
                (Some("E"), false),
                (Some("P"), false),
                (Some("E"), false),
                (Some("P"), false)
            ]
        );
        assert_eq!(
            ids(&resolve_all("e1.txt", &["E", "P", "E", "P"], &found)),
            vec![
                (Some("E"), true),
                (Some("e1.txt/P"), false),
                (Some("E"), true),
                (Some("e1.txt/P"), false)
            ]
        );
        // Beside the found interviewer and a group's other members, the
        // letter is an initial, a name, as before.
        assert_eq!(
            ids(&resolve_all("fg.txt", &["E", "P", "Karen"], &found)),
            vec![
                (Some("E"), true),
                (Some("P"), false),
                (Some("Karen"), false)
            ]
        );
        // E/I: I is the interviewer by its letter, unless E is found.
        assert_eq!(
            ids(&resolve_all("e2.txt", &["E", "I"], &none)),
            vec![(Some("E"), false), (Some("I"), true)]
        );
        let preseea = resolve_all("e2.txt", &["E", "I"], &found);
        assert_eq!(
            ids(&preseea),
            vec![(Some("E"), true), (Some("e2.txt/I"), false)]
        );
        assert_eq!(preseea[1].role, SpeakerRole::Interviewee);
        // `I` beside an interviewer's word alone answers too.
        assert_eq!(
            ids(&resolve_all("e3.txt", &["Entrevistador", "I"], &none)),
            vec![(Some("Entrevistador"), true), (Some("e3.txt/I"), false)]
        );
        // Beside anyone else, `I` is the interviewer as before: I/B, I/R,
        // and I with a found interviewer and an interviewee (`B`).
        assert_eq!(
            ids(&resolve_all("ib.txt", &["I", "B"], &found)),
            vec![(Some("I"), true), (Some("ib.txt/B"), false)]
        );
        assert_eq!(
            ids(&resolve_all("ieb.txt", &["I", "E", "B"], &found)),
            vec![
                (Some("I"), true),
                (Some("E"), true),
                (Some("ieb.txt/B"), false)
            ]
        );
        // A participants file that lists `I` decides.
        let listed = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name,role,document\nI,I,interviewer,\nE,E,interviewer,\n",
        )
        .unwrap();
        assert_eq!(
            ids(&resolve_all("e4.txt", &["E", "I"], &listed)),
            vec![(Some("E"), true), (Some("I"), true)]
        );
        // The E/I shape whose letters do not say who asks.
        assert!(is_letter_beside_i(["E", "I", "E", "All"]));
        for labels in [
            &["I", "B"][..],
            &["I", "Q"],
            &["I", "E", "B"],
            &["I", "Eva"],
            &["E", "P"],
            &["I"],
        ] {
            assert!(!is_letter_beside_i(labels.iter().copied()), "{labels:?}");
        }
    }

    #[test]
    fn the_participants_file_wins() {
        let people = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name,role,document\nP9,Interviewee,,\nM1,Speaker 1,interviewer,two\n",
        )
        .unwrap();
        assert_eq!(
            ids(&resolve_all("one.txt", &["Interviewee"], &people)),
            vec![(Some("P9"), false)]
        );
        let two = resolve_all("two.txt", &["Speaker 1", "Speaker 2"], &people);
        assert_eq!(
            ids(&two),
            vec![(Some("M1"), true), (Some("two.txt/Speaker 2"), false)]
        );
        assert_eq!(two[0].source, IdSource::Registered);
        // Scoped to `two`: in another document Speaker 1 is per-document.
        assert_eq!(
            ids(&resolve_all("three.txt", &["Speaker 1"], &people)),
            vec![(Some("three.txt/Speaker 1"), false)]
        );
    }

    #[test]
    fn the_interviewee_a_header_names_is_the_documents_generic_label() {
        let people = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"Participant ID,Pseudonym\nP01,Maria Lopez\nP12,Rose Hill\n",
        )
        .unwrap();
        let none = Participants::default();
        let link = |doc: &str, labels: &[&str], header: &str, people: &Participants| {
            let index = people.index();
            let speakers = DocumentSpeakers::new(doc, labels.iter().copied(), &index)
                .with_header_interviewee(Some(header));
            labels
                .iter()
                .map(|l| {
                    let r = speakers.resolve(l, None);
                    (r.participant_id, r.source)
                })
                .collect::<Vec<_>>()
        };
        // Listed: by the bracketed id, or by the name.
        for header in ["Maria Lopez (P01)", "P01", "Maria Lopez"] {
            assert_eq!(
                link("int01.txt", &["Q", "A"], header, &people)[1],
                (Some("P01".to_string()), IdSource::Registered),
                "{header}"
            );
        }
        assert_eq!(
            link(
                "int12.txt",
                &["Interviewer", "Participant"],
                "Rose Hill (P12)",
                &people
            )[1],
            (Some("P12".to_string()), IdSource::Registered)
        );
        // Unlisted: the id as written, one person across documents.
        assert_eq!(
            link("int03.txt", &["Q", "A"], "R12", &none),
            vec![
                (Some("Q".to_string()), IdSource::Label),
                (Some("R12".to_string()), IdSource::Label)
            ]
        );
        // The interviewer the header names is the moderator of their turns.
        let index = none.index();
        let speakers = DocumentSpeakers::new("int.txt", ["SK", "RH"], &index)
            .with_header_interviewers(&["SK".to_string()]);
        assert!(speakers.resolve("SK", None).is_moderator);
        assert!(!speakers.resolve("RH", None).is_moderator);
        // A role is no person: each head teacher is their interview's own.
        assert_eq!(
            link("school1.txt", &["Q", "A"], "Head Teacher (School 1)", &none)[1].0,
            Some("school1.txt/A".to_string())
        );
        // Two generic interviewees: which one the header names is not known.
        assert_eq!(
            link("couple.txt", &["INT", "R1", "R2"], "R12", &none)[1].0,
            Some("couple.txt/R1".to_string())
        );
    }

    /// The header names the interviewer in full, the turns the short way
    /// (hu/04): a first name, a last name with or without a title, or
    /// initials are them where no one else can be meant.
    #[test]
    fn a_header_interviewers_first_name_or_title_and_surname_labels_their_turns() {
        let none = Participants::default();
        let index = none.index();
        let moderators = |labels: &[&'static str], header: &str, interviewee: Option<&str>| {
            let speakers = DocumentSpeakers::new("int.txt", labels.iter().copied(), &index)
                .with_header_interviewers_beside(&[header.to_string()], interviewee);
            labels
                .iter()
                .filter(|l| speakers.resolve(l, None).is_moderator)
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(moderators(&["Sarah", "P21"], "Sarah Khan", None), ["Sarah"]);
        assert_eq!(
            moderators(&["Dr Khan", "Lucy"], "Dr Sarah Khan", None),
            ["Dr Khan"]
        );
        assert_eq!(
            moderators(&["Khan", "Lucy"], "Dr. Sarah Khan", None),
            ["Khan"]
        );
        assert_eq!(
            moderators(&["Ms. Khan", "Lucy"], "Sarah Khan", None),
            ["Ms. Khan"]
        );
        assert_eq!(moderators(&["SK", "Lucy"], "Sarah Khan (SK)", None), ["SK"]);
        assert_eq!(moderators(&["SK", "LB"], "Sarah Khan", None), ["SK"]);
        assert_eq!(moderators(&["Smith", "Lucy"], "Dr. Smith", None), ["Smith"]);
        // The interviewee the header names is called so too: either Sarah.
        assert!(moderators(&["Sarah", "P21"], "Sarah Khan", Some("Sarah Jones")).is_empty());
        // Her full name labels turns too: `Sarah` is someone else.
        assert_eq!(
            moderators(&["Sarah Khan", "Sarah"], "Sarah Khan", None),
            ["Sarah Khan"]
        );
        // Two labels would be her: neither is taken.
        assert!(moderators(&["Sarah", "Dr Khan", "Lucy"], "Sarah Khan", None).is_empty());
        // Beside a moderator's own label, `Sarah` is the interviewee.
        assert_eq!(
            moderators(&["Interviewer", "Sarah"], "Sarah Khan", None),
            ["Interviewer"]
        );
        // An initial is no first name; another Khan's first name is no one's.
        assert!(moderators(&["J", "Lucy"], "J Smith", None).is_empty());
        assert!(moderators(&["Tom", "Lucy"], "Sarah Khan", None).is_empty());
        // A participants file listing the label wins.
        let people =
            Participants::from_csv_bytes(Path::new("p.csv"), b"id,name\nP05,Sarah\n").unwrap();
        let listed = people.index();
        let speakers = DocumentSpeakers::new("int.txt", ["Sarah", "Lucy"], &listed)
            .with_header_interviewers(&["Sarah Khan".to_string()]);
        let sarah = speakers.resolve("Sarah", None);
        assert_eq!(
            (sarah.participant_id.as_deref(), sarah.is_moderator),
            (Some("P05"), false)
        );
    }

    #[test]
    fn one_interviewee_per_file_and_ids_as_transcripts_write_them() {
        let people = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"Participant ID,Pseudonym,Transcript\nP01,Maria,P01_interview.docx\nP03,Aisha,P03.docx\nP04,Tom,P04.docx\nP12,Maria G,\n",
        )
        .unwrap();
        // The file gives the document one participant, whose interview
        // labels them `R` (I/R) or `Participant 4`.
        assert_eq!(
            ids(&resolve_all("P01_interview.docx", &["I", "R"], &people)),
            vec![(Some("I"), true), (Some("P01"), false)]
        );
        assert_eq!(
            ids(&resolve_all(
                "P04.docx",
                &["Interviewer", "Participant 4"],
                &people
            )),
            vec![(Some("Interviewer"), true), (Some("P04"), false)]
        );
        // A patient typed `Pt` is the file's participant of the document.
        assert_eq!(
            ids(&resolve_all("P03.docx", &["Int", "Pt"], &people)),
            vec![(Some("Int"), true), (Some("P03"), false)]
        );
        // `P3` is the file's `P03`.
        assert_eq!(
            ids(&resolve_all("P03.docx", &["Interviewer", "P3"], &people)),
            vec![(Some("Interviewer"), true), (Some("P03"), false)]
        );
        // Two generic interviewees: which is the file's one is not known.
        assert_eq!(
            ids(&resolve_all(
                "P04.docx",
                &["Speaker 1", "Speaker 2"],
                &people
            )),
            vec![
                (Some("P04.docx/Speaker 1"), false),
                (Some("P04.docx/Speaker 2"), false)
            ]
        );
        // Where the document names its participant, a generic label is
        // someone else (a carer beside her).
        assert_eq!(
            ids(&resolve_all("P04.docx", &["Tom", "Carer"], &people)),
            vec![(Some("P04"), false), (Some("P04.docx/Carer"), false)]
        );
        // A bracketed id says who: `Maria (P12):`, not the other Maria.
        let index = people.index();
        let speakers = DocumentSpeakers::new("P01_interview.docx", ["Int", "Maria"], &index);
        assert_eq!(
            speakers
                .resolve("Maria", Some("P12"))
                .participant_id
                .as_deref(),
            Some("P12")
        );
        assert_eq!(
            speakers
                .resolve("Maria", Some("police"))
                .participant_id
                .as_deref(),
            Some("P01")
        );
        // A number alone is an age, letters alone a role, though the
        // roster has such ids.
        let roster = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name\n35,Zoe\nGP,Dr Ahmed\nP1,Anna\n",
        )
        .unwrap();
        let index = roster.index();
        let speakers = DocumentSpeakers::new("x.txt", ["Anna", "Tom"], &index);
        let who = |label: &str, inner: &str| speakers.resolve(label, Some(inner)).participant_id;
        assert_eq!(who("Anna", "35").as_deref(), Some("P1"));
        assert_eq!(who("Tom", "GP").as_deref(), Some("Tom"));
    }

    #[test]
    fn groups_and_inline_roles() {
        let none = Participants::default();
        let index = none.index();
        let speakers = DocumentSpeakers::new("g.txt", ["All", "Tom", "Speaker 1"], &index);
        assert_eq!(speakers.resolve("All", None).participant_id, None);
        let tom = speakers.resolve("Tom", Some("Moderator"));
        assert_eq!(
            (tom.participant_id.as_deref(), tom.is_moderator),
            (Some("Tom"), true)
        );
        let s1 = speakers.resolve("Speaker 1", Some("Interviewer"));
        assert_eq!(
            (s1.participant_id.as_deref(), s1.is_moderator),
            (Some("g.txt/Speaker 1"), true)
        );
    }

    #[test]
    fn bases() {
        assert_eq!(label_base("Interviewer2"), "interviewer");
        assert_eq!(label_base("Speaker 12"), "speaker");
        assert_eq!(label_base("Int_1"), "int");
        assert_eq!(label_base("42"), "42");
        assert_eq!(label_base("Anna"), "anna");
    }
}
