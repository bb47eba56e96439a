//! Ingest: read transcripts and participants files into the store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use corpus::{DocumentCases, Participants, TableColumns};
use serde::Serialize;
use store::IngestOutcome;

use crate::run::Shard;
use crate::{ExitStatus, Project, EXIT_PARTIAL};

/// What to ingest. Unset columns take the defaults below.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Transcript files or folders (walked recursively; a folder's
    /// `participants.csv` is read as the participants file).
    pub paths: Vec<PathBuf>,
    /// Replaces any `participants.csv` found in the folders.
    pub participants: Option<PathBuf>,
    /// Speakers named in the transcripts who are the interviewer or
    /// moderator in every document they speak in, as a participants file
    /// with role `interviewer` says (and over what it says of them).
    pub interviewers: Vec<String>,
    /// Documents file (`document` + attribute columns); replaces any
    /// `documents.csv` found in the folders.
    pub documents: Option<PathBuf>,
    /// CSV/JSONL column holding the utterance.
    pub text_column: String,
    /// Column holding the speaker; `None`: `speaker`, optional.
    pub speaker_column: Option<String>,
    /// Column naming the document a row belongs to; `None`: `doc`, optional.
    pub doc_column: Option<String>,
    pub start_column: String,
    pub end_column: String,
    /// A wide survey export: these columns are its open questions, one
    /// respondent per row ([`corpus::TableColumns::questions`]).
    pub question_columns: Vec<String>,
    /// Columns holding the speaker's attributes
    /// ([`corpus::TableColumns::attributes`]).
    pub attribute_columns: Vec<String>,
    /// Store only the documents of this shard.
    pub shard: Option<Shard>,
    /// The paths are the whole corpus (a `run`'s configured inputs): stored
    /// documents that none of them holds any more are listed
    /// ([`IngestSummary::stored_not_in_inputs`]). A plain `ingest FILE`
    /// adds to the corpus, so it lists none.
    pub whole_corpus: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            paths: Vec::new(),
            participants: None,
            interviewers: Vec::new(),
            documents: None,
            text_column: "text".into(),
            speaker_column: None,
            doc_column: None,
            start_column: "start".into(),
            end_column: "end".into(),
            question_columns: Vec::new(),
            attribute_columns: Vec::new(),
            shard: None,
            whole_corpus: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    /// ok | unchanged | error
    pub status: &'static str,
    pub documents: Vec<DocumentReport>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    pub name: String,
    pub format: &'static str,
    pub outcome: IngestOutcome,
    pub turns: usize,
    pub segments: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    pub files: Vec<FileReport>,
    pub skipped: Vec<BTreeMap<&'static str, String>>,
    pub participants_files: Vec<String>,
    /// People this run's participants files list.
    pub registered_participants: usize,
    /// People the project listed before (an earlier run's participants
    /// file, `--interviewer`), read from the store because this run was
    /// given no participants file: its speakers resolve to them.
    pub participants_from_project: usize,
    pub inserted: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub succeeded: usize,
    pub failed: usize,
    /// Speaker → documents, for named speakers the participants file does
    /// not list (kept with their names as participant ids).
    pub unregistered_speakers: BTreeMap<String, BTreeSet<String>>,
    /// Generic label (`Interviewee`, `Respondent`…) → documents where it
    /// became that document's own participant (`<document>/<label>`).
    pub per_document_speakers: BTreeMap<String, BTreeSet<String>>,
    pub documents_files: Vec<String>,
    /// Documents given attributes by the documents file.
    pub described_documents: usize,
    /// Named speakers taken as the interviewer ([`detect_interviewers`]).
    pub detected_interviewers: Vec<DetectedInterviewer>,
    /// Stored documents this run replaced with another file of the same
    /// name, the earlier file still there: a second wave's `Sheet_1.csv`
    /// given on its own replaces the first's.
    pub replaced_from_other_files: Vec<ReplacedFromOtherFile>,
    /// Stored documents whose file is gone and whose text a new name of
    /// this run holds word for word: moved or renamed, stored under the new
    /// name with their reviews and people's codings ([`moved_document`]).
    pub moved_documents: Vec<MovedDocument>,
    /// Files the project holds under another name, read in this run
    /// through another folder: each keeps its stored name
    /// ([`keep_stored_names`]).
    pub kept_names: Vec<KeptName>,
    /// `--interviewer` names no speaker of a document read in this run says
    /// (a typo, `Moderater`, would leave the real moderator coded).
    pub interviewers_not_speaking: Vec<String>,
    /// Stored documents the run's inputs no longer hold (a transcript
    /// deleted or moved out of the input folder), with `whole_corpus`:
    /// they stay in the store and in every count, so the run says so.
    pub stored_not_in_inputs: Vec<String>,
    /// Documents a run's documents file describes that no input holds yet
    /// (with `whole_corpus`; a plain `ingest` refuses them).
    pub documents_not_ingested: Vec<String>,
    /// Participants-file rows whose `document` names no document read or
    /// stored: they match no speaker until such a transcript comes.
    pub participants_unknown_documents: Vec<UnknownParticipantDocument>,
    /// Participants-file rows (not moderators) that no speaker of any
    /// stored document resolves to, by id, and the file's rows: a file
    /// whose ids are not the export's (`R0001` for `R_0001`) matches no one
    /// and its attributes reach no crosstab.
    pub participants_not_speaking: Vec<String>,
    pub participants_rows: usize,
    /// Documents read in this run with sentences no speaker label names
    /// (a transcript without `Name:` labels): each such document's are one
    /// unnamed participant's, the interviewer's questions included.
    pub unlabelled_documents: Vec<String>,
    /// Participant sentences of five words or more read in this run, and
    /// of those the ones `whatlang` reads (confidence ≥ 0.4) as another language than
    /// English, by language: the default model was trained on English and
    /// codes them unreliably (a German answer "I feel lonely" got another
    /// code than its English original, or none).
    pub language_checked: usize,
    pub other_languages: BTreeMap<String, usize>,
    /// Documents replaced in this run whose new text left people's work
    /// behind: reviews detached and people's codings dropped because their
    /// sentences are gone (a respondent deleted from a survey export, a
    /// corrected transcript), with the participants who left it.
    pub replaced_losses: Vec<(String, store::ReplacedLosses)>,
    /// Survey tables whose rows share respondent ids within a question (a
    /// wrong `--speaker-column`, such as a department column, pools the
    /// respondents of a wide export into a few "participants").
    pub pooled_respondents: Vec<PooledRespondents>,
    /// A wide survey export's respondent ids that answer one question more
    /// than once, where few do (a double submission, a copied row): their
    /// answers are pooled as one participant's. (document, ids)
    pub duplicate_respondents: Vec<(String, Vec<String>)>,
    /// Survey tables read in this run whose respondents answer the same
    /// questions in another stored document: a survey downloaded again
    /// under another file name (Qualtrics names each download by its date)
    /// is a second document, and every answer is counted twice.
    pub survey_reexports: Vec<(String, store::SharedAnswers)>,
    /// Respondent ids two survey documents give different values of one
    /// attribute: separate exports numbering their respondents 1, 2, …
    /// merge different people into one participant.
    pub respondents_across_exports: Vec<RespondentAcrossExports>,
    /// Participants files that are a survey tool's export, with the tool's
    /// own columns (an IP address, GPS coordinates, timestamps) that held
    /// values and were left out of the attributes.
    pub participants_columns_left_out: Vec<corpus::SurveyColumnsLeftOut>,
    /// Survey exports read in this run whose previews, test responses and
    /// spam (Qualtrics' `Status`) were left out, counted by the main read
    /// only (interviewer detection reads the files first, and says nothing).
    pub responses_left_out: Vec<corpus::ResponsesLeftOut>,
}

/// A respondent id whose attribute two survey documents disagree on.
#[derive(Debug, Clone, Serialize)]
pub struct RespondentAcrossExports {
    pub id: String,
    pub attribute: String,
    /// The value stored before, and a document the id speaks in there.
    pub earlier_value: String,
    pub earlier_document: String,
    /// The value this document gives.
    pub value: String,
    pub document: String,
}

/// A survey table whose answers to one question share respondent ids.
#[derive(Debug, Clone, Serialize)]
pub struct PooledRespondents {
    pub document: String,
    /// Answers, and answers by an id that already answered that question.
    pub answers: usize,
    pub repeated: usize,
    /// The ids answering most often, with how many answers to one question.
    pub most: Vec<(String, usize)>,
}

/// Whether a survey table's answers repeat respondent ids within a
/// question, at least half of them: in a wide export one row is one
/// respondent, so a column that repeats (`Dept`) is not the id column. A
/// question's answers are the participant turns after its question (a
/// moderator turn).
fn pooled_respondents(doc: &corpus::Document) -> Option<PooledRespondents> {
    let answered = answers_by_respondent(doc);
    let answers = answered.len();
    let repeated = answered.iter().filter(|(_, n)| *n > 1).count();
    let mut most: HashMap<&str, usize> = HashMap::new();
    for &(who, n) in &answered {
        let m = most.entry(who).or_default();
        *m = (*m).max(n);
    }
    if answers < 4 || repeated * 2 < answers {
        return None;
    }
    let mut most: Vec<(String, usize)> = most
        .into_iter()
        .filter(|&(_, n)| n > 1)
        .map(|(w, n)| (w.to_string(), n))
        .collect();
    most.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    most.truncate(3);
    Some(PooledRespondents {
        document: doc.name.clone(),
        answers,
        repeated,
        most,
    })
}

/// The respondent ids of a survey table that answer one question more than
/// once (see [`pooled_respondents`] for a question's answers), sorted.
fn duplicate_respondents(doc: &corpus::Document) -> Vec<String> {
    let twice: BTreeSet<&str> = answers_by_respondent(doc)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(who, _)| who)
        .collect();
    twice.into_iter().map(String::from).collect()
}

/// Each answer of a survey table, in order, as (respondent id, its how
/// many-th answer to the question it answers): a question's answers are
/// the participant turns after its question turn.
fn answers_by_respondent(doc: &corpus::Document) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut in_block: HashMap<&str, usize> = HashMap::new();
    for t in &doc.turns {
        if t.is_moderator {
            in_block.clear();
            continue;
        }
        let Some(who) = t.speaker.as_deref() else {
            continue;
        };
        let n = in_block.entry(who).or_default();
        *n += 1;
        out.push((who, *n));
    }
    out
}

/// A participants-file row naming a document no input holds
/// ([`IngestSummary::participants_unknown_documents`]), one per such
/// document of its `document` cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownParticipantDocument {
    pub id: String,
    /// The one file name of the cell that no input holds.
    pub document: String,
    /// The known document whose name is nearest, when one is close (a typo).
    pub nearest: Option<String>,
}

/// A document replaced by a different file of its name
/// ([`IngestSummary::replaced_from_other_files`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplacedFromOtherFile {
    pub document: String,
    /// The file it was read from before, as given then.
    pub earlier_file: String,
    pub file: String,
}

/// A stored document moved or renamed ([`IngestSummary::moved_documents`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovedDocument {
    pub from: String,
    pub to: String,
    pub file: String,
}

/// A file read under another name than the one it is stored by
/// ([`IngestSummary::kept_names`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeptName {
    pub file: String,
    /// Its name from the folder given in this run.
    pub read_as: String,
    /// The stored document's name, which it keeps.
    pub document: String,
}

/// A file the project already holds, read in this run through another
/// folder (`ingest study` one night and `ingest study/transcripts` the
/// next, or `[inputs] paths` changed from `.` to `transcripts`), keeps
/// its stored name. A document's name is its path from the folder given,
/// so the same file was stored a second time under the shorter name, its
/// interviewees counted twice, and the audit sample, drawn by name,
/// changed with the folder typed (hj/03, hj/05). Files are compared by
/// their canonical paths (the store keeps each document's, see
/// `corpus::read_file`); a stored name that this run also reads is left
/// to its own file. A table split into several documents (`--doc-column`)
/// names each part after the file and is left as read.
fn keep_stored_names(
    store: &store::Store,
    files: &mut [corpus::InputFile],
) -> store::Result<Vec<KeptName>> {
    let stored: BTreeSet<String> = store.documents()?.into_iter().map(|d| d.name).collect();
    if files.iter().all(|f| stored.contains(&f.name)) {
        return Ok(Vec::new());
    }
    let read: BTreeSet<String> = files.iter().map(|f| f.name.clone()).collect();
    let mut by_file: HashMap<PathBuf, Vec<String>> = HashMap::new();
    for name in stored.iter().filter(|n| !read.contains(*n)) {
        if let Some(file) = store
            .document_source(name)?
            .and_then(|src| std::fs::canonicalize(src).ok())
        {
            by_file.entry(file).or_default().push(name.clone());
        }
    }
    let mut kept = Vec::new();
    for f in files.iter_mut().filter(|f| !stored.contains(&f.name)) {
        let Ok(file) = std::fs::canonicalize(&f.path) else {
            continue;
        };
        if let Some([name]) = by_file.get(&file).map(Vec::as_slice) {
            kept.push(KeptName {
                file: f.path.display().to_string(),
                read_as: std::mem::replace(&mut f.name, name.clone()),
                document: name.clone(),
            });
        }
    }
    Ok(kept)
}

/// The stored document `doc` (a name the store does not hold) is, moved
/// or renamed, with `doc`'s content hash: one with the same text whose
/// file no longer exists and that this run has not read. A transcript
/// filed into `anonymised/` or renamed `_final` after a first run was
/// stored again as a second document, its interviewee counted twice, and
/// no command removed the first.
fn moved_document(
    store: &store::Store,
    doc: &corpus::Document,
    read_names: &BTreeSet<String>,
    gone: &mut Option<Vec<String>>,
) -> store::Result<Option<(String, String)>> {
    // The stored documents whose file is gone, found once per run at its
    // first new name (a stat per stored document), not once per new name.
    let gone = match gone {
        Some(g) => g,
        None => {
            let mut names = Vec::new();
            for d in store.documents()? {
                let missing = store
                    .document_source(&d.name)?
                    .is_some_and(|src| !std::path::Path::new(&src).exists());
                if missing {
                    names.push(d.name);
                }
            }
            gone.insert(names)
        }
    };
    // The content hash covers the name (and the ids it gives generic
    // speakers), so the texts are compared.
    for k in 0..gone.len() {
        let name = &gone[k];
        if *name == doc.name || read_names.contains(name) {
            continue;
        }
        if store.document_text(name)?.as_deref() == Some(doc.text.as_str()) {
            return Ok(Some((gone.swap_remove(k), corpus::document_hash(doc))));
        }
    }
    Ok(None)
}

/// Whether `earlier` (a stored document's source path) names a file that
/// still exists and is not `now`: relative paths given from another
/// folder, or a file moved since, are no cause for a warning.
fn another_existing_file(earlier: &str, now: &std::path::Path) -> bool {
    match (std::fs::canonicalize(earlier), std::fs::canonicalize(now)) {
        (Ok(a), Ok(b)) => a != b,
        _ => false,
    }
}

/// Names the parts of a table split by `--doc-column` (every document of
/// `docs` not named `file_name`, the file's own name) so that two files'
/// parts never share a name. A part is named by its `doc` cell
/// (`baseline_arm_1`) unless that name is another file's document, stored
/// or read earlier in this run: then it is `<file's name>: <cell>`
/// (`siteB/redcap_export.csv: baseline_arm_1`). A part keeps the name its
/// own file's part was stored by, bare or qualified, whatever the folder
/// given, so a single export keeps its documents' names and two sites'
/// exports of the same events are both kept (before, the second site's
/// file replaced the first's documents, in one run or the next).
fn name_doc_column_parts(
    store: &store::Store,
    file_name: &str,
    file: &std::path::Path,
    path: &str,
    docs: &mut [corpus::Document],
    seen: &HashMap<String, String>,
    stored_by_file: &mut Option<HashMap<String, Vec<String>>>,
) -> store::Result<()> {
    if docs.iter().all(|d| d.name == file_name) {
        return Ok(());
    }
    let by_file = match stored_by_file {
        Some(m) => m,
        None => {
            let mut m: HashMap<String, Vec<String>> = HashMap::new();
            for d in store.documents()? {
                if let Some(src) = store.document_source(&d.name)? {
                    let key = std::fs::canonicalize(&src)
                        .map(|p| p.display().to_string())
                        .unwrap_or(src);
                    m.entry(key).or_default().push(d.name);
                }
            }
            stored_by_file.insert(m)
        }
    };
    let own: &[String] = by_file
        .get(&docs[0].source_path)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for doc in docs.iter_mut().filter(|d| d.name != file_name) {
        let suffix = format!(": {}", doc.name);
        if own.contains(&doc.name) {
            continue;
        }
        let name = if let Some(stored) = own.iter().find(|n| n.ends_with(&suffix)) {
            stored.clone()
        } else {
            let in_run = seen.get(&doc.name).is_some_and(|other| other != path);
            let stored_elsewhere = store
                .document_source(&doc.name)?
                .is_some_and(|earlier| another_existing_file(&earlier, file));
            if !in_run && !stored_elsewhere {
                continue;
            }
            format!("{file_name}{suffix}")
        };
        rename_document(doc, name);
    }
    Ok(())
}

/// Renames `doc`, with the ids of its generic speakers
/// (`<document>/<label>`), which name it.
fn rename_document(doc: &mut corpus::Document, name: String) {
    let old = format!("{}/", doc.name);
    for id in doc
        .segments
        .iter_mut()
        .filter_map(|s| s.participant_id.as_mut())
    {
        if let Some(label) = id.strip_prefix(&old) {
            *id = format!("{name}/{label}");
        }
    }
    doc.name = name;
}

/// A named speaker taken as the interviewer without being told
/// ([`detect_interviewers`]), with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectedInterviewer {
    pub name: String,
    /// Documents of the run they speak in, of `documents`.
    pub documents: usize,
    pub of: usize,
    /// Share of their turns that ask something (hold a question mark: `?`,
    /// `？`, `؟`, …), and of the other speakers' turns in the same documents.
    pub question_share: f64,
    pub others_question_share: f64,
    /// Taken from an earlier run's detection (the store remembers it)
    /// rather than from this run's documents.
    pub remembered: bool,
}

/// The store's meta key of the names taken as interviewers by detection.
pub const DETECTED_INTERVIEWERS_META: &str = "detected_interviewers";

/// Store meta key: per stored document, its named speakers'
/// [`SpeakerTurns`] and whether a moderator speaks in it, as the ingest
/// that stored it counted them. Interviewer detection reads them for the
/// documents a run does not read, so interviews ingested one per command
/// (as fieldwork brings them) are weighed together as a folder ingested at
/// once is (hp/04, hW/05).
pub const SPEAKER_TURNS_META: &str = "speaker_turns_by_document";

/// [`SPEAKER_TURNS_META`]'s value: document name → (speakers' turns,
/// whether a moderator speaks there).
type SpeakerTurnsByDocument = BTreeMap<String, (BTreeMap<String, SpeakerTurns>, bool)>;

/// Store meta key: the attribute columns of every participants file read
/// (lower case, as [`corpus::Participants::columns`]): the attributes a
/// file gave, as against those a survey sheet gave the same people. The
/// store reads it too, so it is the store's constant.
pub const PARTICIPANTS_COLUMNS_META: &str = store::PARTICIPANTS_FILE_COLUMNS_META;

/// The participants the project lists already, for an ingest given no
/// participants file: a longitudinal study's second wave, ingested months
/// after the first with its file, resolves `Maria:` to the listed `P01`
/// and her attributes. Before, she became a second participant `Maria`
/// (counted twice, `(missing)` in every crosstab), though the first
/// ingest said a listed person waits for "a transcript still to come".
///
/// Each keeps of their attributes those a participants file gave (the
/// file wins over a survey sheet's, as when it is given again; a store
/// from before [`PARTICIPANTS_COLUMNS_META`] counts all as the file's).
/// Interviewers found by detection are left to detection, which finds
/// them again or remembers them.
fn listed_by_project(store: &store::Store) -> anyhow::Result<Participants> {
    let file_columns: Option<BTreeSet<String>> = store
        .meta(PARTICIPANTS_COLUMNS_META)?
        .and_then(|json| serde_json::from_str(&json).ok());
    let detected: BTreeSet<String> = store
        .meta(DETECTED_INTERVIEWERS_META)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let mut list = store.registered_participants()?;
    list.retain(|p| !(p.is_moderator && detected.contains(&p.id)));
    if let Some(columns) = file_columns {
        for p in &mut list {
            p.attributes
                .retain(|k, _| k == "role" || columns.contains(&k.to_lowercase()));
        }
    }
    // No columns: storing them again replaces only `role` (as with
    // `--interviewer` alone), and a survey sheet's attributes stay.
    Ok(Participants {
        list,
        columns: Vec::new(),
    })
}

/// Records `columns` (a participants file's, this run) beside those of
/// the files read before ([`PARTICIPANTS_COLUMNS_META`]).
fn remember_participants_columns(store: &store::Store, columns: &[String]) -> anyhow::Result<()> {
    let stored = store.meta(PARTICIPANTS_COLUMNS_META)?;
    let mut known: BTreeSet<String> = stored
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    let len = known.len();
    known.extend(columns.iter().cloned());
    // Written even with no columns: a file that gave no attributes gave
    // none of those a survey sheet gives later.
    if stored.is_none() || known.len() != len {
        store.set_meta(PARTICIPANTS_COLUMNS_META, &serde_json::to_string(&known)?)?;
    }
    Ok(())
}

/// One named speaker's turns in one document: (turns, turns asking
/// something), and the same for the document's other speakers who are
/// not moderators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct SpeakerTurns {
    pub turns: usize,
    pub questions: usize,
    pub others_turns: usize,
    pub others_questions: usize,
    /// A generic label's (`Teacher`, `R1`), counted under the label in
    /// every document that has it.
    pub per_document: bool,
}

/// Per named speaker that no participants file lists (not a per-document
/// label, not a moderator label), their [`SpeakerTurns`] in `doc`. A turn
/// asks something when one of its sentences holds a question mark of any
/// script (`?`, `？`, `؟`: [`corpus::sentences::QUESTION_MARKS`]).
pub fn speaker_turns(
    doc: &corpus::Document,
    index: &corpus::ParticipantIndex<'_>,
) -> BTreeMap<String, SpeakerTurns> {
    // By [`id_spelling_key`]: the segments' ids are ingest's one spelling.
    // A generic label's speaker (`<document>/Teacher`) is counted under
    // the label: a role word or a researcher's `R1` that asks in every
    // interview is the interviewer, as a name is (before, `Teacher:`
    // interviewing pupils was an interviewee of each document, and their
    // questions were coded).
    // Id key → the label of a generic one (`None`: a name).
    // Not beside a labelled interviewer: a `Mother:` asking her child, a
    // partner's `R1:` with tag questions, are family beside the
    // `Interviewer:` (whose questions the others' share leaves out).
    let moderated = doc.segments.iter().any(|s| s.is_moderator);
    let speakers: BTreeMap<String, Option<String>> = corpus::unregistered_speakers(doc, index)
        .into_iter()
        .filter(|p| !(p.is_moderator || (moderated && p.document.is_some())))
        .map(|p| {
            let label = p.document.is_some().then_some(p.name);
            (id_spelling_key(&p.id), label)
        })
        .collect();
    // `I:` beside one other letter (`E:`) is the interviewer by the I/B
    // convention, the informant by Spanish PRESEEA's E/I: who asks decides,
    // so `I`'s turns are the others' beside the letter's
    // ([`corpus::resolve::is_letter_beside_i`]). Before, they were left
    // out as a moderator's, the letter had no one to be weighed against,
    // and an `E:` asking in every turn was never found (hunt h4/06).
    let i_weighed =
        corpus::resolve::is_letter_beside_i(doc.turns.iter().filter_map(|t| t.speaker.as_deref()))
            && index.resolve("I", &doc.name).is_none();
    let weighed = |s: &&corpus::Segment| {
        !s.is_moderator
            || (i_weighed
                && s.speaker
                    .as_deref()
                    .is_some_and(|l| l.trim().eq_ignore_ascii_case("i")))
    };
    // turn → (participant id, asks); turn → (holds no sentence
    // punctuation, says an asking phrase)
    let mut turns: BTreeMap<usize, (Option<&str>, bool)> = BTreeMap::new();
    let mut unpunctuated: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
    for s in doc.segments.iter().filter(weighed) {
        let t = turns
            .entry(s.turn_index)
            .or_insert((s.participant_id.as_deref(), false));
        let asks = corpus::sentences::holds_question_mark(&s.text);
        t.1 |= asks;
        let u = unpunctuated.entry(s.turn_index).or_insert((true, false));
        let bare = !asks && !s.text.contains(['.', '!']);
        u.0 &= bare;
        // Read only where it can count: most sentences are punctuated.
        u.1 |= bare && !u.1 && asks_unpunctuated(&s.text);
    }
    for (turn, (bare, asks)) in unpunctuated {
        if bare && asks {
            if let Some(t) = turns.get_mut(&turn) {
                t.1 = true;
            }
        }
    }
    // One pass over the turns (a survey table is one document of many
    // named respondents): each speaker's own counts, the others' are the
    // document's less them.
    let (mut all_turns, mut all_questions) = (0, 0);
    let mut own: BTreeMap<(&str, bool), (usize, usize)> = BTreeMap::new();
    for (who, asks) in turns.values() {
        all_turns += 1;
        all_questions += usize::from(*asks);
        let Some(who) = *who else { continue };
        let Some(label) = speakers.get(&id_spelling_key(who)) else {
            continue;
        };
        // A name by the segments' id (ingest's one spelling), a generic
        // label's speaker by the label.
        let key = match label {
            Some(label) => (label.as_str(), true),
            None => (who, false),
        };
        let e = own.entry(key).or_default();
        e.0 += 1;
        e.1 += usize::from(*asks);
    }
    own.into_iter()
        .map(|((name, per_document), (turns, questions))| {
            (
                name.to_string(),
                SpeakerTurns {
                    turns,
                    questions,
                    others_turns: all_turns - turns,
                    others_questions: all_questions - questions,
                    per_document,
                },
            )
        })
        .collect()
}

/// Words that ask, said anywhere in a turn: automatic transcripts write
/// no "?" ("how long have you been doing that"), and their interviewer,
/// asking every question, was never found (hi/07). Read only in a turn
/// with no sentence punctuation at all ([`speaker_turns`]).
const ASKING_PHRASES: &[&str] = &[
    "can you",
    "could you",
    "would you",
    "do you",
    "did you",
    "have you",
    "are you",
    "were you",
    "is there",
    "are there",
    "how long",
    "how many",
    "how much",
    "how often",
    "how do",
    "how did",
    "how does",
    "how was",
    "how is",
    "how are",
    "what do",
    "what did",
    "what does",
    "what is",
    "what's",
    "what was",
    "what are",
    "what were",
    "what would",
    "what made",
    "why do",
    "why did",
    "why is",
    "why was",
    "where do",
    "where did",
    "when did",
    "when do",
    "tell me",
    "walk me",
];

/// Whether an unpunctuated sentence asks something ([`ASKING_PHRASES`]).
fn asks_unpunctuated(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .collect();
    ASKING_PHRASES
        .iter()
        .any(|phrase| match phrase.split_once(' ') {
            Some((a, b)) => words.windows(2).any(|w| w[0] == a && w[1] == b),
            None => words.iter().any(|w| w == phrase),
        })
}

/// Named speakers to take as the interviewer in a series of interviews or
/// focus groups: in at least 3 documents, one speaks in at least 80% of
/// them (as `IngestSummary::likely_interviewers` hints) and asks: the share
/// of their turns with a question is at least 1.5 times the other
/// speakers' in the same documents, and at least 20%. An interviewee
/// interviewed again and again (a panel) is in every document too, but
/// answers more than they ask. ../shared's founderstalk host speaks in 50
/// of 50 episodes and asks in 42% of his turns, the founders in 22%.
///
/// A team of interviewers who share the documents (two researchers, each
/// interviewing half the participants) is found the same way: speakers
/// who each speak in at least 2 documents and a tenth of them, and ask as
/// above, are taken together where the documents they speak in are at
/// least 80% of the run's, no one is in 80% of them alone, and each speaks
/// in more documents than every speaker beside them who does not ask.
/// Before, neither of two such interviewers was in 80% of the documents,
/// and both were counted and coded as participants (N 6 for 4
/// interviewees).
pub fn detect_interviewers(docs: &[BTreeMap<String, SpeakerTurns>]) -> Vec<DetectedInterviewer> {
    detect_interviewers_beside(docs, &vec![false; docs.len()])
}

/// [`detect_interviewers`] where `moderated[i]` says that document `i`
/// already has its interviewer (a labelled `Interviewer:`, a moderator the
/// participants file names): a speaker alone is weighed against the
/// documents that lack one and those they speak in. A study's in-person
/// interview typed by a transcription service with `Interviewer:` beside
/// three video calls where the researcher is `Sarah Khan` left her in 3
/// of 4 documents, under 80%, and she was counted and coded as a
/// participant.
pub fn detect_interviewers_beside(
    docs: &[BTreeMap<String, SpeakerTurns>],
    moderated: &[bool],
) -> Vec<DetectedInterviewer> {
    let n = docs.len();
    if n < 3 {
        return Vec::new();
    }
    let mut total: BTreeMap<&str, (usize, SpeakerTurns)> = BTreeMap::new();
    let mut documents_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        for (name, c) in doc {
            let e = total.entry(name.as_str()).or_default();
            e.0 += 1;
            e.1.turns += c.turns;
            e.1.questions += c.questions;
            e.1.others_turns += c.others_turns;
            e.1.others_questions += c.others_questions;
            documents_of.entry(name.as_str()).or_default().push(i);
        }
    }
    let askers: Vec<DetectedInterviewer> = total
        .iter()
        .filter(|(_, (d, c))| *d >= 2 && d * 10 >= n && c.others_turns > 0)
        .map(|(name, (d, c))| DetectedInterviewer {
            name: name.to_string(),
            documents: *d,
            of: n,
            question_share: c.questions as f64 / c.turns as f64,
            others_question_share: c.others_questions as f64 / c.others_turns as f64,
            remembered: false,
        })
        .filter(|x| x.question_share >= 0.2 && x.question_share >= 1.5 * x.others_question_share)
        .collect();
    // The documents a speaker could be the interviewer of: those without
    // one, and those they speak in.
    let open_to = |x: &DetectedInterviewer| {
        (0..n)
            .filter(|&i| {
                !moderated.get(i).copied().unwrap_or(false) || docs[i].contains_key(x.name.as_str())
            })
            .count()
    };
    let alone: Vec<DetectedInterviewer> = askers
        .iter()
        .filter(|x| {
            let of = open_to(x);
            of >= 3 && x.documents * 5 >= of * 4
        })
        .map(|x| DetectedInterviewer {
            of: open_to(x),
            ..x.clone()
        })
        .collect();
    if !alone.is_empty() {
        return alone;
    }
    // A team only where no one is in 80% of the documents alone (a
    // participant who asks the group in two of ten focus groups beside
    // the moderator of all ten is no co-moderator by these counts), and
    // each member speaks in more documents than every speaker beside them
    // who does not ask: an interviewer meets many interviewees, while a
    // panel's interviewee, interviewed by one researcher a wave, meets
    // fewer people than the researchers (in such a panel whose
    // interviewees asked rhetorical questions, each was taken as an
    // interviewer).
    let asking: BTreeSet<&str> = askers.iter().map(|x| x.name.as_str()).collect();
    let meets_more = |x: &DetectedInterviewer| {
        let mine = &documents_of[x.name.as_str()];
        // Beside them in every document they speak in and hardly asking
        // (a quarter of their share at most): the one they interview, a
        // role label no list knows (`Pat:`, `Dr:`) or a one-person panel
        // interviewed by the team. Before, two researchers sharing four
        // interviews whose patients were all `Pt:` met fewer people than
        // `Pt`, and both were counted and coded as participants; a
        // panel's rhetorical asker still meets a researcher who asks half
        // as often, or another in each wave.
        let interviewed = |other: &str| {
            let (_, c) = &total[other];
            mine.iter().all(|&i| docs[i].contains_key(other))
                && c.turns > 0
                && (c.questions as f64 / c.turns as f64) * 4.0 <= x.question_share
        };
        mine.iter().all(|&i| {
            // A generic label's speakers are each document's own: no one
            // meets them in other documents.
            docs[i]
                .iter()
                .filter(|(other, c)| !asking.contains(other.as_str()) && !c.per_document)
                .all(|(other, _)| total[other.as_str()].0 < x.documents || interviewed(other))
        })
    };
    let team: Vec<DetectedInterviewer> = askers.iter().filter(|x| meets_more(x)).cloned().collect();
    let covered: BTreeSet<usize> = team
        .iter()
        .flat_map(|x| documents_of[x.name.as_str()].iter().copied())
        .collect();
    if covered.len() * 5 >= n * 4 {
        team
    } else {
        Vec::new()
    }
}

impl IngestSummary {
    /// Named speakers the participants file does not list who speak in at
    /// least 80% of this run's documents (at least 3), with how many: in a
    /// series of interviews or focus groups, the one person in every
    /// document is usually the interviewer or moderator (a podcast's host
    /// in ../shared's founderstalk interviews: 50 of 50). One who asks is
    /// taken as the interviewer ([`detect_interviewers`]) and is no longer
    /// here; one who does not is counted as a participant, and ingest says
    /// so: a participants file with their role makes them moderators, whose
    /// questions are then read with the answers (docs/classify.md).
    pub fn likely_interviewers(&self) -> Vec<(&str, usize)> {
        let documents = self.inserted + self.replaced + self.unchanged;
        if documents < 3 {
            return Vec::new();
        }
        self.unregistered_speakers
            .iter()
            .map(|(speaker, docs)| (speaker.as_str(), docs.len()))
            .filter(|&(_, n)| n * 5 >= documents * 4)
            .collect()
    }
}

impl ExitStatus for IngestSummary {
    /// 0 when every file was read, 2 when some failed, 1 when all did.
    fn exit_code(&self) -> u8 {
        if self.failed == 0 {
            0
        } else if self.succeeded > 0 {
            EXIT_PARTIAL
        } else {
            1
        }
    }
}

fn columns_of(opts: &IngestOptions) -> TableColumns {
    TableColumns {
        text: opts.text_column.clone(),
        speaker: opts
            .speaker_column
            .clone()
            .unwrap_or_else(|| "speaker".into()),
        doc: opts.doc_column.clone().unwrap_or_else(|| "doc".into()),
        start: opts.start_column.clone(),
        end: opts.end_column.clone(),
        speaker_required: opts.speaker_column.is_some(),
        doc_required: opts.doc_column.is_some(),
        questions: opts.question_columns.clone(),
        attributes: opts.attribute_columns.clone(),
    }
}

/// The interviewers [`detect_interviewers`] finds in every document of the
/// run (all shards' documents, so that each shard decides the same), and
/// those an earlier run found (the store remembers them, so a nightly run
/// of one new interview treats its host as the first run did). A name a
/// participants file or `--interviewer` lists is never detected: the file
/// decides. The store's list is updated with this run's finds.
///
/// The documents the store holds that this run does not read count too,
/// from what the ingest that stored them counted ([`SPEAKER_TURNS_META`]);
/// where a speaker is found an interviewer for the first time, the stored
/// documents they speak in whose files are still there are returned, to be
/// read again with that speaker as the interviewer.
fn interviewers_by_detection(
    store: &store::Store,
    inputs: &corpus::Inputs,
    columns: &TableColumns,
    participants: &Participants,
) -> anyhow::Result<(Vec<DetectedInterviewer>, Vec<corpus::InputFile>)> {
    let index = participants.index();
    let mut per_doc = Vec::new();
    let mut moderated = Vec::new();
    let mut counted: SpeakerTurnsByDocument = match store.meta(SPEAKER_TURNS_META)? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let stored: BTreeSet<String> = store.documents()?.into_iter().map(|d| d.name).collect();
    counted.retain(|name, _| stored.contains(name));
    let mut read_now: BTreeSet<String> = BTreeSet::new();
    // Ids of one spelling, as ingest stores them (`one_spelling_per_id`).
    let mut id_spellings: HashMap<String, String> = store
        .participant_ids()?
        .into_iter()
        .map(|id| (id_spelling_key(&id), id))
        .collect();
    for input in &inputs.files {
        // A file that cannot be read fails in the main pass, with its error.
        if let Ok(mut docs) = corpus::read_file_unhashed(&input.path, &input.name, columns, &index)
        {
            for d in &mut docs {
                one_spelling_per_id(d, &mut id_spellings);
            }
            // A survey export's questions are its columns' (`Q` turns): no
            // respondent interviews the others, and a panel's respondent
            // who answers with questions ("Why are we paying full fees?")
            // in every wave was taken as the interviewer, their answers
            // dropped.
            let is_survey = |d: &corpus::Document| {
                use corpus::SourceFormat::{Csv, Jsonl, Sheet};
                matches!(d.format, Csv | Jsonl | Sheet)
                    && d.turns
                        .iter()
                        .any(|t| t.speaker.as_deref() == Some(corpus::formats::QUESTION_SPEAKER))
            };
            for d in &docs {
                read_now.insert(d.name.clone());
            }
            for d in docs.iter().filter(|d| !is_survey(d)) {
                if !has_labelled_speaker(d) {
                    // Counted so by an earlier version: counted no more.
                    counted.remove(&d.name);
                    continue;
                }
                let turns = speaker_turns(d, &index);
                let has_moderator = d.segments.iter().any(|s| s.is_moderator);
                counted.insert(d.name.clone(), (turns.clone(), has_moderator));
                per_doc.push(turns);
                moderated.push(has_moderator);
            }
        }
    }
    // The stored documents this run does not read, as they were counted.
    let elsewhere: Vec<&String> = counted
        .keys()
        .filter(|name| !read_now.contains(*name))
        .collect();
    for name in &elsewhere {
        let (turns, has_moderator) = &counted[*name];
        per_doc.push(turns.clone());
        moderated.push(*has_moderator);
    }
    let mut found: Vec<DetectedInterviewer> = detect_interviewers_beside(&per_doc, &moderated)
        .into_iter()
        .filter(|d| !participants.lists(&d.name))
        .collect();
    let mut remembered: BTreeSet<String> = match store.meta(DETECTED_INTERVIEWERS_META)? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => BTreeSet::new(),
    };
    // Found again over the stored documents: said as found before.
    for d in found.iter_mut() {
        d.remembered = remembered.contains(&d.name);
    }
    for name in &remembered {
        if !participants.lists(name) && found.iter().all(|d| &d.name != name) {
            found.push(DetectedInterviewer {
                name: name.clone(),
                documents: 0,
                of: per_doc.len(),
                question_share: 0.0,
                others_question_share: 0.0,
                remembered: true,
            });
        }
    }
    // Stored documents a newly found interviewer speaks in, stored with
    // them as a participant: read again, so their questions leave the
    // counts there too.
    let new_names: Vec<&str> = found
        .iter()
        .filter(|d| !remembered.contains(&d.name))
        .map(|d| d.name.as_str())
        .collect();
    let mut again = Vec::new();
    for name in &elsewhere {
        let (turns, _) = &counted[*name];
        if !new_names.iter().any(|n| turns.contains_key(*n)) {
            continue;
        }
        let file = store
            .document_source(name)?
            .map(std::path::PathBuf::from)
            .filter(|f| f.is_file());
        if let Some(path) = file {
            again.push(corpus::InputFile {
                path,
                name: (*name).clone(),
            });
        }
    }
    let before = remembered.len();
    remembered.extend(found.iter().map(|d| d.name.clone()));
    if remembered.len() != before {
        store.set_meta(
            DETECTED_INTERVIEWERS_META,
            &serde_json::to_string(&remembered)?,
        )?;
    }
    store.set_meta(SPEAKER_TURNS_META, &serde_json::to_string(&counted)?)?;
    Ok((found, again))
}

/// About how many words `text` has, for the language check: its words
/// between spaces, where a script written without spaces between words
/// (Chinese, Japanese, Thai, Lao, Khmer, Burmese) counts a word per two of
/// its letters. Before, a Chinese sentence was one "word" and never read:
/// a corpus of Chinese interviews was checked not once and got no warning
/// (hunt h4/02). Text in other scripts is counted as before.
fn words_to_identify(text: &str) -> usize {
    let unspaced = |c: char| {
        matches!(c,
            '\u{3040}'..='\u{30FF}'     // Hiragana, Katakana
            | '\u{3400}'..='\u{4DBF}'   // CJK Extension A
            | '\u{4E00}'..='\u{9FFF}'   // CJK Unified Ideographs
            | '\u{F900}'..='\u{FAFF}'   // CJK Compatibility Ideographs
            | '\u{20000}'..='\u{2FFFF}' // CJK Extensions B–F
            | '\u{0E00}'..='\u{0EFF}'   // Thai, Lao
            | '\u{1000}'..='\u{109F}'   // Myanmar
            | '\u{1780}'..='\u{17FF}'   // Khmer
        ) && c.is_alphabetic()
    };
    let mut letters = 0;
    let mut words = 0;
    for word in text.split_whitespace() {
        let here = word.chars().filter(|&c| unspaced(c)).count();
        if here == 0 {
            words += 1;
        }
        letters += here;
    }
    words + letters / 2
}

/// Whether any turn of `doc` has a speaker label. One without (an
/// interview schedule, a study's notes beside its transcripts) names no
/// one, so it can show no one absent: interviewer detection leaves it out
/// of the documents it weighs a speaker against, as it leaves out those
/// with their own interviewer. Before 2026-12-07 the study's `Interview
/// schedule.docx` beside three interviews left their interviewer in 3 of
/// 4 documents, under 80%, counted and coded as a participant (hu/05).
fn has_labelled_speaker(doc: &corpus::Document) -> bool {
    doc.turns.iter().any(|t| t.speaker.is_some())
}

/// A participant id compared case-insensitively, its whitespace collapsed;
/// but initials in capitals (`MO`, `AL`) keep their case: `Mo` and `Al`
/// are names, other people ([`corpus::id_key`]).
fn id_spelling_key(id: &str) -> String {
    corpus::id_key(id)
}

/// Gives `doc`'s participant ids the spelling `spellings` holds for them,
/// recording the first spelling of each new one. A generic label's id
/// (`<document>/<label>`) is the document's own and already one spelling.
fn one_spelling_per_id(doc: &mut corpus::Document, spellings: &mut HashMap<String, String>) {
    let own = format!("{}/", doc.name);
    for id in doc
        .segments
        .iter_mut()
        .filter_map(|s| s.participant_id.as_mut())
    {
        if !id.starts_with(&own) {
            spell(id, spellings);
        }
    }
}

/// `id` in the spelling `spellings` holds for it (recorded if new).
fn spell(id: &mut String, spellings: &mut HashMap<String, String>) {
    let first = spellings
        .entry(id_spelling_key(id))
        .or_insert_with(|| id.clone());
    if first != id {
        id.clone_from(first);
    }
}

/// Reads every transcript under `opts.paths` into the store. A file that
/// fails is reported in the summary and the rest go on; only an unusable
/// request (no transcripts, a bad participants file, a store error) is an error.
pub fn ingest(project: &mut Project, opts: &IngestOptions) -> anyhow::Result<IngestSummary> {
    // A question named twice read every answer to it twice (174 sentences
    // stored as 347), and an attribute twice is a mistake of the same kind.
    for (flag, names) in [
        ("--question-column", &opts.question_columns),
        ("--attribute-column", &opts.attribute_columns),
    ] {
        if names.iter().any(|n| n.trim().is_empty()) {
            anyhow::bail!(
                "{flag} \"\" names no column: name a column by its header (a survey tool's \
                 question spread over several columns, whose later headers are blank, is read \
                 whole by naming its first column)"
            );
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = names.iter().find(|n| !seen.insert(n.trim().to_lowercase())) {
            anyhow::bail!(
                "{flag} {twice:?} is given twice: each column is read once, name it once"
            );
        }
    }
    // A question's answers are text to code; an attribute or an id column
    // is not: one column cannot be both.
    let key = |n: &str| n.trim().to_lowercase();
    for q in &opts.question_columns {
        let other = if opts.attribute_columns.iter().any(|a| key(a) == key(q)) {
            Some(("--attribute-column", "an attribute"))
        } else if opts
            .speaker_column
            .as_deref()
            .is_some_and(|c| key(c) == key(q))
        {
            Some(("--speaker-column", "an id column"))
        } else if opts.doc_column.as_deref().is_some_and(|c| key(c) == key(q)) {
            Some(("--doc-column", "an id column"))
        } else {
            None
        };
        if let Some((flag, what)) = other {
            anyhow::bail!(
                "--question-column {q:?} is also the {flag}: a question's answers are coded, {what} is not; name the column once"
            );
        }
    }
    let store = project.store_mut();
    if let Some(shard) = opts.shard {
        store.set_meta(crate::run::SHARD_META, &shard.label())?;
    }
    let mut inputs = corpus::collect_inputs(&opts.paths)?;
    let kept_names = keep_stored_names(store, &mut inputs.files)?;
    if inputs.files.is_empty() {
        anyhow::bail!(
            "no transcripts found in {}",
            opts.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let participant_files = match &opts.participants {
        Some(p) => vec![p.clone()],
        None => inputs.participants.clone(),
    };
    let mut participants = Participants::default();
    let mut participants_columns_left_out = Vec::new();
    for file in &participant_files {
        let (read, left_out) = Participants::from_csv_path_with_left_out(file)?;
        participants.merge(read, file)?;
        participants_columns_left_out.extend(left_out);
    }
    // Listed by a participants file: not the interviewers `--interviewer`
    // or detection add below (before, "1 participants listed" with no file).
    let listed_in_files = participants.list.len();
    // Without a file, the speakers resolve to the people the project lists
    // ([`listed_by_project`]); a file given again replaces them as before.
    let listed_by_files = !participant_files.is_empty();
    if listed_by_files {
        remember_participants_columns(store, &participants.columns)?;
    } else {
        participants = listed_by_project(store)?;
    }
    let participants_from_project = if listed_by_files {
        0
    } else {
        participants.list.len()
    };
    participants.mark_interviewers(&opts.interviewers);
    let (detected, read_again) =
        interviewers_by_detection(store, &inputs, &columns_of(opts), &participants)?;
    // Read again after this run's own files, under their stored names.
    inputs.files.extend(read_again);
    participants.mark_interviewers(&detected.iter().map(|d| d.name.clone()).collect::<Vec<_>>());
    // Read (and checked) before any transcript, so a bad file stores nothing.
    let documents_files = match &opts.documents {
        Some(p) => vec![p.clone()],
        None => inputs.documents.clone(),
    };
    let document_cases = documents_files
        .iter()
        .map(|f| DocumentCases::from_csv_path(f))
        .collect::<Result<Vec<_>, _>>()?;
    // Registered participants first, so every document's speakers resolve to them.
    store.put_listed_participants(&participants)?;
    let index = participants.index();
    let columns = columns_of(opts);
    // A survey sheet's attribute column named like a participants file's
    // column (`Region` and `region`: the file's names are read in lower
    // case) is that attribute: one crosstab, not two.
    // An attribute's one spelling: the participants file's column, else
    // the first spelling the project stored or this run read (`Age band`
    // and a later export's `Age Band ` were two attributes, each export's
    // respondents `(missing)` in the other's crosstab).
    let attribute_key = |k: &str| {
        k.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let mut file_keys: BTreeMap<String, String> = participants
        .list
        .iter()
        .flat_map(|p| p.attributes.keys())
        .map(|k| (attribute_key(k), k.clone()))
        .collect();
    if !opts.attribute_columns.is_empty() {
        for attrs in store.participant_attributes()?.values() {
            for k in attrs.keys() {
                file_keys
                    .entry(attribute_key(k))
                    .or_insert_with(|| k.clone());
            }
        }
    }

    let mut summary = IngestSummary {
        files: Vec::new(),
        skipped: inputs
            .skipped
            .iter()
            .map(|s| {
                BTreeMap::from([
                    ("path", s.path.display().to_string()),
                    ("reason", s.reason.to_string()),
                ])
            })
            .collect(),
        participants_files: participant_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        registered_participants: listed_in_files,
        participants_from_project,
        inserted: 0,
        replaced: 0,
        unchanged: 0,
        succeeded: 0,
        failed: 0,
        unregistered_speakers: BTreeMap::new(),
        per_document_speakers: BTreeMap::new(),
        documents_files: documents_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        described_documents: 0,
        detected_interviewers: detected,
        replaced_from_other_files: Vec::new(),
        moved_documents: Vec::new(),
        kept_names,
        interviewers_not_speaking: Vec::new(),
        stored_not_in_inputs: Vec::new(),
        documents_not_ingested: Vec::new(),
        participants_unknown_documents: Vec::new(),
        unlabelled_documents: Vec::new(),
        language_checked: 0,
        other_languages: BTreeMap::new(),
        replaced_losses: Vec::new(),
        pooled_respondents: Vec::new(),
        duplicate_respondents: Vec::new(),
        respondents_across_exports: Vec::new(),
        survey_reexports: Vec::new(),
        participants_columns_left_out,
        responses_left_out: Vec::new(),
        participants_not_speaking: Vec::new(),
        participants_rows: if listed_by_files {
            participants.list.iter().filter(|p| !p.is_moderator).count()
        } else {
            0
        },
    };
    // Every speaker label and participant id of the documents read, lower
    // case, for `interviewers_not_speaking`.
    let mut spoken: BTreeSet<String> = BTreeSet::new();
    // Every document read in this run, other shards' included: the names a
    // documents file may use besides those already stored.
    let mut read_names: BTreeSet<String> = BTreeSet::new();
    // Document name → file that provided it in this run.
    let mut seen: HashMap<String, String> = HashMap::new();
    // Stored document names by canonical source file, read at the first
    // table split by `--doc-column` (`name_doc_column_parts`).
    let mut stored_by_file: Option<HashMap<String, Vec<String>>> = None;
    // The stored participants' attributes and documents, read at the first
    // survey table with attributes and kept up to date through the run.
    type KnownRespondents = (
        BTreeMap<String, BTreeMap<String, String>>,
        BTreeMap<String, BTreeSet<String>>,
    );
    let mut known_respondents: Option<KnownRespondents> = None;
    // Respondents' attributes from documents where they answered nothing,
    // given once every document is stored (the one they answer in may
    // come later).
    let mut silent_attributes: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    // Stored documents whose file is gone (`moved_document`), once read.
    let mut gone_files: Option<Vec<String>> = None;
    // One spelling per participant id, whatever its case: Otter's `tom
    // reid` and a text export's `Tom Reid`, a survey's `r04@x.org` in one
    // wave and `R04@x.org` in the next, were two participants. The stored
    // spelling wins, then the first read.
    let mut id_spellings: HashMap<String, String> = store
        .participant_ids()?
        .into_iter()
        .map(|id| (id_spelling_key(&id), id))
        .collect();
    for input in &inputs.files {
        let path = input.path.display().to_string();
        let mut report = FileReport {
            path: path.clone(),
            status: "ok",
            documents: Vec::new(),
            error: None,
        };
        // The main read says what a survey export left out (the read for
        // interviewer detection said nothing).
        let read =
            corpus::read_file_unhashed_with_left_out(&input.path, &input.name, &columns, &index);
        let result = read
            .map_err(|e| e.to_string())
            .and_then(|(mut docs, left_out)| {
                summary.responses_left_out.extend(left_out);
                name_doc_column_parts(
                    store,
                    &input.name,
                    &input.path,
                    &path,
                    &mut docs,
                    &seen,
                    &mut stored_by_file,
                )
                .map_err(|e| format!("{path}: reading the stored documents: {e}"))?;
                for doc in &docs {
                    read_names.insert(doc.name.clone());
                    if let Some(other) = seen.get(&doc.name) {
                        return Err(format!(
                            "{path}: document name `{}` is already used by {other} in this run",
                            doc.name
                        ));
                    }
                }
                let mine = docs
                    .into_iter()
                    .filter(|d| opts.shard.is_none_or(|s| s.contains(&d.name)));
                for mut doc in mine {
                    for attrs in doc.speaker_attributes.values_mut() {
                        *attrs = std::mem::take(attrs)
                            .into_iter()
                            .map(|(k, v)| {
                                let key = file_keys.entry(attribute_key(&k)).or_insert(k);
                                (key.clone(), v)
                            })
                            .collect();
                    }
                    seen.insert(doc.name.clone(), path.clone());
                    one_spelling_per_id(&mut doc, &mut id_spellings);
                    spoken.extend(doc.segments.iter().flat_map(|seg| {
                        [seg.speaker.as_deref(), seg.participant_id.as_deref()]
                            .into_iter()
                            .flatten()
                            .map(|n| n.trim().to_lowercase())
                    }));
                    // A document with no label that the participants
                    // file gives one participant is theirs (a diary
                    // entry, h22/01): not an unnamed participant's.
                    if doc.segments.iter().any(|s| {
                        !s.is_moderator && s.speaker.is_none() && s.participant_id.is_none()
                    }) {
                        summary.unlabelled_documents.push(doc.name.clone());
                    }
                    for seg in doc.segments.iter().filter(|s| !s.is_moderator) {
                        if words_to_identify(&seg.text) < 5 {
                            continue;
                        }
                        summary.language_checked += 1;
                        // Confidence 0.4: a short Spanish answer scores 0.45
                        // (`is_reliable` missed it); 0.34% of Founders
                        // Talk's English sentences, 0.4% of the demo's,
                        // reach it (and the warning asks for 2%).
                        if let Some(info) = whatlang::detect(&seg.text)
                            .filter(|i| i.confidence() >= 0.4 && i.lang() != whatlang::Lang::Eng)
                        {
                            *summary
                                .other_languages
                                .entry(info.lang().eng_name().to_string())
                                .or_default() += 1;
                        }
                    }
                    let mut extra = corpus::unregistered_speakers(&doc, &index);
                    for p in extra.iter_mut().filter(|p| p.document.is_none()) {
                        spell(&mut p.id, &mut id_spellings);
                    }
                    // A survey table's respondents (a wide export's rows,
                    // or a table's with attribute columns) are listed by
                    // the table itself: no warning naming each of them.
                    let survey_table = !opts.question_columns.is_empty()
                        && matches!(
                            doc.format,
                            corpus::SourceFormat::Csv
                                | corpus::SourceFormat::Jsonl
                                | corpus::SourceFormat::Sheet
                        );
                    let listed = |p: &&corpus::Participant| {
                        p.is_moderator
                            || survey_table
                            || doc.speaker_attributes.contains_key(&p.name)
                    };
                    // A long table (one row per answer, its one question
                    // column beside the text column) may hold several
                    // rows per respondent and question; a wide export of
                    // two or more questions never does. (One question
                    // column names either, so it is not checked.)
                    if survey_table && opts.question_columns.len() >= 2 {
                        if let Some(pooled) = pooled_respondents(&doc) {
                            summary.pooled_respondents.push(pooled);
                        } else {
                            let twice = duplicate_respondents(&doc);
                            if !twice.is_empty() {
                                summary
                                    .duplicate_respondents
                                    .push((doc.name.clone(), twice));
                            }
                        }
                    }
                    for p in extra.iter().filter(|p| !listed(p)) {
                        // A per-document participant has its document set.
                        let list = if p.document.is_some() {
                            summary.per_document_speakers.entry(p.name.clone())
                        } else {
                            summary.unregistered_speakers.entry(p.id.clone())
                        };
                        list.or_default().insert(doc.name.clone());
                    }
                    let stored_source = store
                        .document_source(&doc.name)
                        .map_err(|e| format!("{path}: reading document `{}`: {e}", doc.name))?;
                    let is_new = stored_source.is_none();
                    let earlier =
                        stored_source.filter(|earlier| another_existing_file(earlier, &input.path));
                    let sheet = corpus::registered_sheet_attributes(&doc, &index);
                    if survey_table {
                        for (mut id, attributes) in
                            corpus::silent_respondent_attributes(&doc, &index)
                        {
                            spell(&mut id, &mut id_spellings);
                            silent_attributes.push((id, attributes));
                        }
                    }
                    if survey_table && !doc.speaker_attributes.is_empty() {
                        let known = match &mut known_respondents {
                            Some(k) => k,
                            None => known_respondents.insert(
                                store
                                    .participant_attributes()
                                    .and_then(|a| Ok((a, store.participant_documents()?)))
                                    .map_err(|e| format!("{path}: reading participants: {e}"))?,
                            ),
                        };
                        // An attribute one value for the export's every
                        // respondent (a panel's `wave`, a form's language)
                        // describes the export, not who answered.
                        let mut values_of: BTreeMap<&String, BTreeSet<&String>> = BTreeMap::new();
                        for attrs in doc.speaker_attributes.values() {
                            for (k, v) in attrs {
                                values_of.entry(k).or_default().insert(v);
                            }
                        }
                        let of_the_export = |k: &String| {
                            doc.speaker_attributes.len() >= 2
                                && values_of.get(k).is_some_and(|v| v.len() == 1)
                        };
                        let given = extra
                            .iter()
                            .filter(|p| !p.registered)
                            .map(|p| (&p.id, &p.attributes))
                            .chain(sheet.iter().map(|(id, a)| (id, a)));
                        for (id, attributes) in given {
                            let (stored, documents) = &mut *known;
                            // A listed person's attributes a participants
                            // file gave win over the sheet's and stay stored
                            // (`Store::put_participants`), and the file's
                            // `document` (their transcript) gave no sheet
                            // values: neither is another export's. Before,
                            // the warning named the transcript as the source
                            // of the file's value.
                            let listed_row = participants
                                .list
                                .iter()
                                .find(|p| p.registered && p.id == *id);
                            let from_file = |k: &String| {
                                listed_row.is_some_and(|p| {
                                    p.attributes.keys().any(|f| f.eq_ignore_ascii_case(k))
                                })
                            };
                            let own_documents: BTreeSet<String> = listed_row
                                .map(|p| p.documents().map(corpus::document_key).collect())
                                .unwrap_or_default();
                            let elsewhere = documents
                                .get(id)
                                .and_then(|d| {
                                    d.iter().find(|d| {
                                        **d != doc.name
                                            && !own_documents.contains(&corpus::document_key(d))
                                    })
                                })
                                .cloned();
                            if let (Some(earlier), Some(before)) = (elsewhere, stored.get(id)) {
                                if let Some((k, old, new)) = attributes
                                    .iter()
                                    .filter(|(k, _)| !of_the_export(k) && !from_file(k))
                                    .find_map(|(k, v)| {
                                        before.get(k).filter(|old| *old != v).map(|old| (k, old, v))
                                    })
                                {
                                    summary.respondents_across_exports.push(
                                        RespondentAcrossExports {
                                            id: id.clone(),
                                            attribute: k.clone(),
                                            earlier_value: old.clone(),
                                            earlier_document: earlier,
                                            value: new.clone(),
                                            document: doc.name.clone(),
                                        },
                                    );
                                }
                            }
                            stored.entry(id.clone()).or_default().extend(
                                attributes
                                    .iter()
                                    .filter(|(k, _)| !from_file(k))
                                    .map(|(k, v)| (k.clone(), v.clone())),
                            );
                            documents
                                .entry(id.clone())
                                .or_default()
                                .insert(doc.name.clone());
                        }
                    }
                    let moved_from = if is_new {
                        moved_document(store, &doc, &read_names, &mut gone_files)
                            .map_err(|e| format!("{path}: reading document `{}`: {e}", doc.name))?
                    } else {
                        None
                    };
                    let (outcome, losses) = store
                        .put_participants(&extra)
                        .and_then(|()| store.add_participant_attributes(&sheet))
                        .and_then(|()| match &moved_from {
                            Some((from, hash)) => store
                                .put_moved_document(&doc, from, hash)
                                .map(|()| (IngestOutcome::Inserted, Default::default())),
                            None => store.put_document_reporting_losses(&doc, || {
                                corpus::document_hash(&doc)
                            }),
                        })
                        .map_err(|e| format!("{path}: storing document `{}`: {e}", doc.name))?;
                    if let Some((from, _)) = moved_from {
                        summary.moved_documents.push(MovedDocument {
                            from,
                            to: doc.name.clone(),
                            file: path.clone(),
                        });
                    }
                    if !losses.is_empty() {
                        summary.replaced_losses.push((doc.name.clone(), losses));
                    }
                    match outcome {
                        IngestOutcome::Inserted => summary.inserted += 1,
                        IngestOutcome::Replaced => summary.replaced += 1,
                        IngestOutcome::Unchanged => summary.unchanged += 1,
                    }
                    if survey_table && outcome != IngestOutcome::Unchanged {
                        let shared = store
                            .documents_sharing_answers(&doc.name)
                            .map_err(|e| format!("{path}: reading document `{}`: {e}", doc.name))?;
                        // Most of its respondents, answering its questions;
                        // or, where the export gives no ids, most of its
                        // answers, word for word, to its questions.
                        // Not a document of the same file: a REDCap
                        // export's events split by `--doc-column` share
                        // their respondents and questions by design.
                        if let Some(other) = shared.into_iter().find(|o| {
                            seen.get(&o.document) != Some(&path)
                                && o.shared_questions * 2 > o.questions
                                && ((o.shared_respondents >= 3
                                    && o.shared_respondents * 2 >= o.respondents)
                                    || (o.shared_answers >= 5 && o.shared_answers * 2 >= o.answers))
                        }) {
                            summary.survey_reexports.push((doc.name.clone(), other));
                        }
                    }
                    if let (IngestOutcome::Replaced, Some(earlier_file)) = (outcome, earlier) {
                        summary
                            .replaced_from_other_files
                            .push(ReplacedFromOtherFile {
                                document: doc.name.clone(),
                                earlier_file,
                                file: path.clone(),
                            });
                    }
                    report.documents.push(DocumentReport {
                        name: doc.name.clone(),
                        format: doc.format.as_str(),
                        outcome,
                        turns: doc.turns.len(),
                        segments: doc.segments.len(),
                    });
                }
                Ok(())
            });
        match result {
            Ok(()) => {
                summary.succeeded += 1;
                if report
                    .documents
                    .iter()
                    .all(|d| d.outcome == IngestOutcome::Unchanged)
                {
                    report.status = "unchanged";
                }
            }
            Err(message) => {
                summary.failed += 1;
                report.status = "error";
                report.error = Some(message);
            }
        }
        summary.files.push(report);
    }

    store.fill_participant_attributes(&silent_attributes)?;

    // A shard's store holds its own documents alone: the others' speakers
    // are not silent, so only a whole ingest says who is. Said of this
    // run's participants files: the people the project listed before were
    // said of when their file was read.
    if listed_by_files && !participants.list.is_empty() && opts.shard.is_none() {
        let speaking = store.speaking_participants()?;
        summary.participants_not_speaking = participants
            .list
            .iter()
            .filter(|p| !p.is_moderator && !speaking.contains(&p.id))
            .map(|p| p.id.clone())
            .collect();
    }
    if listed_by_files && participants.list.iter().any(|p| p.document.is_some()) {
        let stored: Vec<String> = store.documents()?.into_iter().map(|d| d.name).collect();
        let known: Vec<&str> = read_names
            .iter()
            .chain(&stored)
            .map(String::as_str)
            .collect();
        let known_keys: BTreeSet<String> = known.iter().map(|k| corpus::document_key(k)).collect();
        for p in participants.with_unknown_documents(known.iter().copied()) {
            // Each of the cell's documents no input holds, by itself: a
            // cell naming two sessions, one of them read, names the other
            // (before, the whole cell was named, as if both were missing).
            let own: BTreeSet<String> = p.documents().map(corpus::document_key).collect();
            for document in p
                .documents()
                .filter(|d| !known_keys.contains(&corpus::document_key(d)))
            {
                let wanted = corpus::document_key(document);
                // Not one the cell names too: `P03_part1` is no typo of
                // its `P03_part2`.
                let nearest = known
                    .iter()
                    .filter(|k| !own.contains(&corpus::document_key(k)))
                    .map(|k| {
                        (
                            classify::edit_distance(&wanted, &corpus::document_key(k)),
                            *k,
                        )
                    })
                    .filter(|&(d, _)| d <= 2.max(wanted.chars().count() / 4))
                    .min()
                    .map(|(_, k)| k.to_string());
                summary
                    .participants_unknown_documents
                    .push(UnknownParticipantDocument {
                        id: p.id.clone(),
                        document: document.to_string(),
                        nearest,
                    });
            }
        }
    }

    if !document_cases.is_empty() {
        let stored: Vec<String> = store.documents()?.into_iter().map(|d| d.name).collect();
        let known: BTreeSet<&str> = read_names
            .iter()
            .chain(&stored)
            .map(String::as_str)
            .collect();
        for cases in &document_cases {
            // A run's documents file may list interviews not transcribed
            // yet: named in a warning, the rest described and the run goes
            // on. A plain `ingest` refuses them (a typo's attributes would
            // be lost in silence).
            let (attributes, unknown) =
                cases.match_documents_allowing_unknown(known.iter().copied(), opts.whole_corpus)?;
            summary.described_documents += attributes.len();
            summary.documents_not_ingested.extend(unknown);
            store.put_document_attributes(&attributes)?;
        }
    }

    if summary.replaced > 0 {
        // Replaced documents keep their people's codings where the text
        // survived (store: `reattach_people_codings_tx`); a review whose
        // coding was lost before that (a store from an older version)
        // gets it back here. Idempotent.
        store.restore_review_codings()?;
        // A sentence edited in an audited unit took its audit coding with
        // its old text: the unit no longer counts as audited until it is
        // coded whole, and the warning names it (h20/03).
        crate::audit::warn_of_partly_coded(&crate::audit::partly_coded_units(store)?);
    }
    // Only when every file was read: a failed file's documents are not
    // known to be gone.
    if opts.whole_corpus && summary.failed == 0 {
        summary.stored_not_in_inputs = store
            .documents()?
            .into_iter()
            .map(|d| d.name)
            .filter(|n| !read_names.contains(n))
            .collect();
    }
    summary.interviewers_not_speaking = opts
        .interviewers
        .iter()
        .filter(|n| !n.trim().is_empty() && !spoken.contains(&n.trim().to_lowercase()))
        .cloned()
        .collect();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(turns: usize, questions: usize, others: usize, others_q: usize) -> SpeakerTurns {
        SpeakerTurns {
            turns,
            questions,
            others_turns: others,
            others_questions: others_q,
            per_document: false,
        }
    }

    /// The host in every document who asks is found; a panel's interviewee
    /// in every document who answers is not, nor a questioner in too few
    /// documents, nor anyone in fewer than three documents.
    #[test]
    fn the_speaker_in_every_document_who_asks_is_the_interviewer() {
        let doc = |entries: &[(&str, SpeakerTurns)]| -> BTreeMap<String, SpeakerTurns> {
            entries.iter().map(|(n, c)| (n.to_string(), *c)).collect()
        };
        let docs = vec![
            doc(&[
                ("Host", turns(10, 4, 10, 1)),
                ("Ann", turns(10, 1, 10, 4)),
                ("Panel", turns(5, 0, 15, 5)),
            ]),
            doc(&[
                ("Host", turns(8, 3, 8, 2)),
                ("Bo", turns(8, 2, 8, 3)),
                ("Panel", turns(4, 0, 12, 5)),
            ]),
            doc(&[
                ("Host", turns(12, 5, 12, 1)),
                ("Cy", turns(12, 1, 12, 5)),
                ("Panel", turns(6, 1, 18, 5)),
            ]),
            doc(&[("Panel", turns(6, 0, 6, 6)), ("Asker", turns(6, 6, 6, 0))]),
            doc(&[
                ("Host", turns(9, 4, 9, 1)),
                ("Di", turns(9, 1, 9, 4)),
                ("Panel", turns(3, 0, 9, 5)),
            ]),
        ];
        let found = detect_interviewers(&docs);
        assert_eq!(found.len(), 1, "{found:?}");
        let host = &found[0];
        assert_eq!(
            (host.name.as_str(), host.documents, host.of),
            ("Host", 4, 5)
        );
        assert!((host.question_share - 16.0 / 39.0).abs() < 1e-12);
        assert!((host.others_question_share - 5.0 / 39.0).abs() < 1e-12);
        // The asker is in one document of five, the panel answers.
        assert!(detect_interviewers(&docs[..2]).is_empty());
    }

    /// A document with its own labelled interviewer does not count against
    /// the one who interviews in all the others (hW/01): 3 of 4 is no 80%,
    /// 3 of the 3 open to her is; one who speaks in the moderated document
    /// is weighed against it too.
    #[test]
    fn a_document_with_its_own_interviewer_is_not_counted_against_another() {
        let doc = |entries: &[(&str, SpeakerTurns)]| -> BTreeMap<String, SpeakerTurns> {
            entries.iter().map(|(n, c)| (n.to_string(), *c)).collect()
        };
        let mut docs: Vec<_> = ["Ann", "Bo", "Cy"]
            .iter()
            .map(|who| {
                doc(&[
                    ("Sarah Khan", turns(10, 6, 10, 1)),
                    (who, turns(10, 1, 10, 6)),
                ])
            })
            .collect();
        docs.push(BTreeMap::new());
        let moderated = [false, false, false, true];
        assert!(detect_interviewers(&docs).is_empty());
        let found = detect_interviewers_beside(&docs, &moderated);
        assert_eq!(
            found
                .iter()
                .map(|d| (d.name.as_str(), d.documents, d.of))
                .collect::<Vec<_>>(),
            [("Sarah Khan", 3, 3)]
        );
        // Two unmoderated documents are too few to tell.
        assert!(detect_interviewers_beside(&docs[1..], &moderated[1..]).is_empty());
        // Speaking in the moderated document, she is weighed against it: 4 of 4.
        docs[3] = doc(&[("Sarah Khan", turns(2, 1, 10, 1))]);
        let found = detect_interviewers_beside(&docs, &moderated);
        assert_eq!((found[0].documents, found[0].of), (4, 4));
    }

    /// A study's interview schedule, no speaker labelled, beside three
    /// interviews led by Sarah Khan (hu/05): it names no one, so it is no
    /// document she is absent from. Before, she was in 3 of 4 documents,
    /// under 80%, and a participant.
    #[test]
    fn a_document_without_a_speaker_label_is_not_counted_against_the_interviewer() {
        let dir = tempfile::tempdir().unwrap();
        let study = dir.path().join("study");
        std::fs::create_dir(&study).unwrap();
        for (file, who) in [("P09.txt", "Tom"), ("P10.txt", "P10"), ("P11.txt", "Priya")] {
            std::fs::write(
                study.join(file),
                format!(
                    "Sarah Khan: How long have you worked on the ward?\n{who}: Three years now.\n\
                     Sarah Khan: What was the first year like?\n{who}: Hard, mostly the nights.\n\
                     Sarah Khan: Thank you.\n{who}: You are welcome.\n"
                ),
            )
            .unwrap();
        }
        std::fs::write(
            study.join("schedule.txt"),
            "Interview schedule\n\n1. How long have you worked on the ward?\n\n\
             2. What was the first year like?\n",
        )
        .unwrap();
        let store = store::Store::create(&dir.path().join("project")).unwrap();
        let inputs = corpus::collect_inputs(std::slice::from_ref(&study)).unwrap();
        assert_eq!(inputs.files.len(), 4);
        let (found, again) = interviewers_by_detection(
            &store,
            &inputs,
            &TableColumns::default(),
            &Participants::default(),
        )
        .unwrap();
        assert_eq!(
            found
                .iter()
                .map(|d| (d.name.as_str(), d.documents, d.of))
                .collect::<Vec<_>>(),
            [("Sarah Khan", 3, 3)]
        );
        assert!(again.is_empty());
        // Nor is it remembered as a document counted for a later run.
        let counted: SpeakerTurnsByDocument =
            serde_json::from_str(&store.meta(SPEAKER_TURNS_META).unwrap().unwrap()).unwrap();
        assert_eq!(
            counted.keys().map(String::as_str).collect::<Vec<_>>(),
            ["P09.txt", "P10.txt", "P11.txt"]
        );
    }

    /// Writes `files` (name, text) into a new folder of `dir` and ingests
    /// it into a new project there: the summary, and every stored segment
    /// as (document, speaker, participant id, is moderator).
    fn ingest_folder(
        dir: &std::path::Path,
        folder: &str,
        files: &[(String, String)],
    ) -> (IngestSummary, Vec<(String, String, String, bool)>) {
        let study = dir.join(folder);
        std::fs::create_dir(&study).unwrap();
        for (name, text) in files {
            std::fs::write(study.join(name), text).unwrap();
        }
        let store = store::Store::create(&dir.join(format!("{folder}.db"))).unwrap();
        let mut project = Project::from_store(store);
        let opts = IngestOptions {
            paths: vec![study],
            ..IngestOptions::default()
        };
        let summary = ingest(&mut project, &opts).unwrap();
        let segments = project
            .store()
            .segments(false)
            .unwrap()
            .into_iter()
            .map(|s| {
                (
                    s.document,
                    s.speaker.unwrap_or_default(),
                    s.participant_id.unwrap_or_default(),
                    s.is_moderator,
                )
            })
            .collect();
        (summary, segments)
    }

    /// An interviewer who asks with a full-width `？` (Chinese, Japanese)
    /// or an Arabic `؟` is found as one who asks with `?` is (hunt h4/03):
    /// before, they asked in none of their turns and were counted and
    /// coded as a participant.
    #[test]
    fn question_marks_of_other_scripts_ask() {
        let dir = tempfile::tempdir().unwrap();
        let series = |asker: &str, question: &str, answer: &str| -> Vec<(String, String)> {
            (1..=3)
                .map(|n| {
                    (
                        format!("{n}.txt"),
                        format!(
                            "{asker}: {question}\nP{n}: {answer}\n{asker}: {question}\nP{n}: {answer}\n"
                        ),
                    )
                })
                .collect()
        };
        for (folder, asker, question, answer) in [
            (
                "zh",
                "访谈者",
                "您觉得公司给了足够的支持吗？",
                "公司给我们买了新的电脑。",
            ),
            (
                "ar",
                "سارة",
                "كيف تجد العمل من المنزل؟",
                "العمل من المنزل مريح.",
            ),
        ] {
            let (summary, segments) =
                ingest_folder(dir.path(), folder, &series(asker, question, answer));
            assert_eq!(
                summary
                    .detected_interviewers
                    .iter()
                    .map(|d| (d.name.as_str(), d.documents, d.question_share))
                    .collect::<Vec<_>>(),
                [(asker, 3, 1.0)],
                "{folder}"
            );
            assert!(segments
                .iter()
                .all(|(_, speaker, _, moderator)| *moderator == (speaker == asker)));
        }
    }

    /// Spanish E/P and PRESEEA's E/I interviews (hunt h4/05, h4/06): the
    /// `E` who asks in every interview is found, and the other letter is
    /// each interview's interviewee: three participants, not one `P`, and
    /// not the informants' answers stored as a moderator's. German expert
    /// interviews' I/E, where `I` asks, are read as before.
    #[test]
    fn the_letter_beside_an_asking_e_is_each_interviews_interviewee() {
        let dir = tempfile::tempdir().unwrap();
        let series = |asker: &str, answerer: &str, question: &str, answer: &str| {
            (1..=3)
                .map(|n| {
                    (
                        format!("entrevista{n}.txt"),
                        format!(
                            "{asker}: {question}\n{answerer}: {answer} Número {n}.\n\
                             {asker}: {question}\n{answerer}: {answer}\n"
                        ),
                    )
                })
                .collect::<Vec<_>>()
        };
        let question = "¿Cómo es su experiencia con el teletrabajo?";
        let answer = "Bueno, al principio me gustaba mucho.";
        for answerer in ["P", "I"] {
            let (summary, segments) = ingest_folder(
                dir.path(),
                answerer,
                &series("E", answerer, question, answer),
            );
            assert_eq!(
                summary
                    .detected_interviewers
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>(),
                ["E"],
                "E/{answerer}"
            );
            let mut answering: Vec<&str> = segments
                .iter()
                .filter(|(_, _, _, moderator)| !moderator)
                .map(|(_, _, id, _)| id.as_str())
                .collect();
            answering.dedup();
            assert_eq!(
                answering,
                [1, 2, 3].map(|n| format!("entrevista{n}.txt/{answerer}")),
                "E/{answerer}"
            );
            assert!(segments
                .iter()
                .all(|(_, speaker, _, moderator)| *moderator == (speaker == "E")));
        }
        // German expert interviews: `I` asks, `E` (Experte) answers.
        let (summary, segments) = ingest_folder(
            dir.path(),
            "experten",
            &series(
                "I",
                "E",
                "Wie sieht Ihr Arbeitsalltag aus?",
                "Ich arbeite im Büro.",
            ),
        );
        assert!(summary.detected_interviewers.is_empty());
        assert!(segments
            .iter()
            .all(|(_, speaker, id, moderator)| *moderator == (speaker == "I") && id == speaker));
    }

    /// A sentence in a script written without spaces between words is
    /// read for its language as one of about as many words is (hunt
    /// h4/02: a Chinese corpus was never checked).
    #[test]
    fn sentences_without_spaces_are_long_enough_to_read() {
        assert_eq!(words_to_identify("I do not know really."), 5);
        assert_eq!(words_to_identify("在家工作让我觉得很孤独。"), 5);
        assert_eq!(words_to_identify("在家工作。"), 2);
        assert_eq!(words_to_identify("テレワークは本当に大変でした。"), 7);
        assert_eq!(words_to_identify("我用 Zoom 开会"), 3);
        assert_eq!(words_to_identify("ฉันทำงานที่บ้านทุกวัน"), 9);
    }

    /// Two interviewers who share the interviews, each in half of them,
    /// are both found; one who asks in too few of the documents for the
    /// team to cover 80% of them is not.
    #[test]
    fn interviewers_who_share_the_documents_are_found_together() {
        let doc = |entries: &[(&str, SpeakerTurns)]| -> BTreeMap<String, SpeakerTurns> {
            entries.iter().map(|(n, c)| (n.to_string(), *c)).collect()
        };
        let docs = vec![
            doc(&[("Sarah", turns(10, 5, 10, 1)), ("Ann", turns(10, 1, 10, 5))]),
            doc(&[("Sarah", turns(8, 4, 8, 1)), ("Bo", turns(8, 1, 8, 4))]),
            doc(&[("Adam", turns(12, 6, 12, 2)), ("Cy", turns(12, 2, 12, 6))]),
            doc(&[("Adam", turns(9, 4, 9, 0)), ("Di", turns(9, 0, 9, 4))]),
            doc(&[("Adam", turns(9, 4, 9, 0)), ("Ed", turns(9, 0, 9, 4))]),
        ];
        let found: Vec<(String, usize)> = detect_interviewers(&docs)
            .into_iter()
            .map(|d| (d.name, d.documents))
            .collect();
        assert_eq!(
            found,
            vec![("Adam".to_string(), 3), ("Sarah".to_string(), 2)]
        );
        // Without Sarah's documents' second one, the two cover 4 of 5
        // documents only if she is found: she is in one, too few.
        let mut fewer = docs.clone();
        fewer[1] = doc(&[("Flo", turns(8, 4, 8, 1)), ("Bo", turns(8, 1, 8, 4))]);
        assert!(detect_interviewers(&fewer).is_empty());
        // A panel: each interviewee in two waves, interviewed by another
        // researcher each wave, who asks without question marks; the
        // interviewees' rhetorical questions make them no interviewers.
        let panel: Vec<_> = ["Tom", "Anna", "Lee", "Rosa"]
            .iter()
            .flat_map(|who| {
                [
                    doc(&[(who, turns(5, 2, 5, 1)), ("Sarah", turns(5, 1, 5, 2))]),
                    doc(&[(who, turns(5, 2, 5, 1)), ("Karim", turns(5, 1, 5, 2))]),
                ]
            })
            .collect();
        assert!(detect_interviewers(&panel).is_empty());
        // A participant who asks the group in two of ten focus groups
        // beside the moderator of all ten is no co-moderator.
        let mut groups: Vec<_> = (0..10)
            .map(|_| doc(&[("Helen", turns(10, 6, 20, 2)), ("Ann", turns(20, 2, 10, 6))]))
            .collect();
        for g in &mut groups[..2] {
            g.insert("Mark".into(), turns(2, 2, 30, 8));
        }
        let found: Vec<String> = detect_interviewers(&groups)
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(found, vec!["Helen".to_string()]);
    }

    /// Two researchers sharing four interviews whose interviewees are
    /// typed with a role label no list knows (`Pat:`, in every document)
    /// are found together (h21/02): the label hardly asks, so it is who
    /// they interview, not someone who meets more people than they do.
    /// Beside a podcast's host in ten more documents, he is found too. A
    /// panel's rhetorical asker beside one researcher in every wave who
    /// asks half as often is still no interviewer.
    #[test]
    fn a_label_beside_every_interview_of_a_team_who_hardly_asks_is_interviewed() {
        let doc = |entries: &[(&str, SpeakerTurns)]| -> BTreeMap<String, SpeakerTurns> {
            entries.iter().map(|(n, c)| (n.to_string(), *c)).collect()
        };
        let shared: Vec<_> = ["Sarah Khan", "Sarah Khan", "Tom Reid", "Tom Reid"]
            .iter()
            .map(|who| doc(&[(who, turns(12, 7, 12, 0)), ("Pat", turns(12, 0, 12, 7))]))
            .collect();
        let names = |docs: &[BTreeMap<String, SpeakerTurns>]| -> Vec<(String, usize)> {
            detect_interviewers(docs)
                .into_iter()
                .map(|d| (d.name, d.documents))
                .collect()
        };
        assert_eq!(
            names(&shared),
            [("Sarah Khan".to_string(), 2), ("Tom Reid".to_string(), 2)]
        );
        let mut mixed = shared.clone();
        mixed.extend((0..10).map(|i| {
            doc(&[
                ("Adam", turns(20, 8, 20, 4)),
                (["Ann", "Bo"][i % 2], turns(20, 4, 20, 8)),
            ])
        }));
        assert_eq!(
            names(&mixed),
            [
                ("Adam".to_string(), 10),
                ("Sarah Khan".to_string(), 2),
                ("Tom Reid".to_string(), 2)
            ]
        );
        // A panel: four interviewees in two waves each, one researcher
        // in all eight interviews who asks half as often as they do.
        let panel: Vec<_> = ["Tom", "Anna", "Lee", "Rosa"]
            .iter()
            .flat_map(|who| {
                [0, 1].map(|_| doc(&[(who, turns(5, 2, 5, 1)), ("Sarah", turns(5, 1, 5, 2))]))
            })
            .collect();
        assert!(detect_interviewers(&panel).is_empty());
    }

    #[test]
    fn two_exports_split_by_doc_column_keep_both_and_a_single_export_its_names() {
        let dir = tempfile::tempdir().unwrap();
        let study = dir.path().join("study");
        let export = |site: &str, first: u32| {
            let folder = study.join(site);
            std::fs::create_dir_all(&folder).unwrap();
            let mut csv = String::from("record_id,redcap_event_name,exp_open\n");
            for r in first..first + 2 {
                csv.push_str(&format!(
                    "{r},baseline_arm_1,Answer of record {r} at baseline.\n\
                     {r},followup_arm_1,Answer of record {r} at follow-up.\n"
                ));
            }
            std::fs::write(folder.join("redcap_export.csv"), csv).unwrap();
        };
        export("siteA", 1);
        export("siteB", 101);
        let mut project = Project::from_store(store::Store::create(&dir.path().join("p")).unwrap());
        let opts = |path: PathBuf| IngestOptions {
            paths: vec![path],
            speaker_column: Some("record_id".into()),
            doc_column: Some("redcap_event_name".into()),
            question_columns: vec!["exp_open".into()],
            ..IngestOptions::default()
        };
        let names = |project: &Project| -> Vec<String> {
            let store = project.store();
            store
                .documents()
                .unwrap()
                .into_iter()
                .map(|d| d.name)
                .collect()
        };
        // One export alone: its parts are named by their events, as before.
        let s = ingest(&mut project, &opts(study.join("siteA"))).unwrap();
        assert_eq!((s.inserted, s.replaced), (2, 0));
        assert_eq!(names(&project), ["baseline_arm_1", "followup_arm_1"]);
        // The other site's export of the same events replaces none of them.
        let s = ingest(&mut project, &opts(study.join("siteB"))).unwrap();
        assert_eq!((s.inserted, s.replaced), (2, 0));
        assert!(s.replaced_from_other_files.is_empty());
        let both = [
            "baseline_arm_1",
            "followup_arm_1",
            "redcap_export.csv: baseline_arm_1",
            "redcap_export.csv: followup_arm_1",
        ];
        assert_eq!(names(&project), both);
        // Both folders together: every part keeps its stored name.
        let s = ingest(&mut project, &opts(study.clone())).unwrap();
        assert_eq!((s.inserted, s.replaced, s.unchanged), (0, 0, 4));
        assert!(s.files.iter().all(|f| f.error.is_none()));
        assert_eq!(names(&project), both);
        // A new project given the study folder: the second file's parts
        // are named with it.
        let mut fresh = Project::from_store(store::Store::create(&dir.path().join("q")).unwrap());
        let s = ingest(&mut fresh, &opts(study.clone())).unwrap();
        assert_eq!((s.inserted, s.replaced), (4, 0));
        assert_eq!(
            names(&fresh),
            [
                "baseline_arm_1",
                "followup_arm_1",
                "siteB/redcap_export.csv: baseline_arm_1",
                "siteB/redcap_export.csv: followup_arm_1",
            ]
        );
        let ids: BTreeSet<String> = fresh
            .store()
            .participant_ids()
            .unwrap()
            .into_iter()
            .filter(|id| id != corpus::formats::QUESTION_SPEAKER)
            .collect();
        assert_eq!(ids, ["1", "101", "102", "2"].map(String::from).into());
    }
}
