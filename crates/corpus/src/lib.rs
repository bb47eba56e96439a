//! Transcript ingestion: reads transcripts in the formats researchers have
//! (plain text with speaker turns, WebVTT/SRT, DOCX, CSV/JSONL), maps speakers
//! to participants, and splits turns into sentence [`Segment`]s whose
//! character offsets point back into the document's text.
//!
//! Offsets are Unicode code points into [`Document::text`], because REFI-QDA
//! selections count code points, not bytes.
//!
//! The pipeline, tokenizers-style: a format [`formats::Reader`] turns bytes
//! into [`formats::RawDocument`]s (text + turns); [`assemble`] marks
//! moderators, maps speakers to participants and splits sentences.

pub mod archive;
mod decode;
mod documents;
mod error;
pub mod formats;
mod inputs;
mod model;
pub mod non_answer;
pub mod notes;
mod participants;
pub mod resolve;
pub mod sentences;
pub mod speaker;

pub use decode::{decode_structured_text, decode_text, is_invisible_mark, Decoded, MAX_LINE_BYTES};
pub use documents::{DocumentCase, DocumentCases};
pub use error::{IngestError, Result};
pub use formats::{RawDocument, RawTurn, TableColumns};
pub use inputs::{collect_inputs, InputFile, Inputs, Skipped};
pub use model::{Document, Participant, Participants, Segment, SourceFormat, Turn};
pub use participants::{document_key, id_key, ParticipantIndex, SurveyColumnsLeftOut};

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Hex sha256 of bytes; the store keys documents and embeddings by it.
pub fn content_hash(bytes: &[u8]) -> String {
    hex_digest(&Sha256::digest(bytes))
}

/// Lower-case hex of a SHA-256 digest. `hex::encode` goes through a char
/// iterator and a growing `String`; a fixed buffer is a third of the cost,
/// which shows at a million sentences hashed per ingest (issue #17 item 6).
fn hex_digest(digest: &[u8]) -> String {
    let mut buf = [0u8; 64];
    hex::encode_to_slice(digest, &mut buf).expect("a SHA-256 digest is 32 bytes");
    String::from_utf8(buf.to_vec()).expect("hex digits are ASCII")
}

/// The most bytes one input file is read with: 4 GiB, far beyond any
/// transcript or table (a million survey answers are a few hundred MB).
pub const MAX_INPUT_BYTES: u64 = 4 << 30;

/// An input file's bytes: a regular file (through links), not a FIFO or a
/// device, which would block on or feed reading forever, of at most
/// [`MAX_INPUT_BYTES`]. Every reader of user files in this crate reads
/// through it.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::NotFound => IngestError::NotFound { file: path.into() },
        _ => IngestError::Io {
            file: path.into(),
            source,
        },
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            IngestError::Io {
                file: path.into(),
                source: std::io::Error::other("a folder, not a file"),
            }
        } else {
            IngestError::NotRegular { file: path.into() }
        });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(IngestError::TooLarge {
            file: path.into(),
            bytes: meta.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    std::fs::read(path).map_err(io)
}

/// Reads one file into its documents (one, or one per `doc` value of a
/// CSV/JSONL file). `name` is the document name for single-document formats.
pub fn read_file(
    path: &Path,
    name: &str,
    columns: &TableColumns,
    participants: &ParticipantIndex<'_>,
) -> Result<Vec<Document>> {
    let mut docs = read_file_unhashed(path, name, columns, participants)?;
    for doc in &mut docs {
        doc.content_hash = document_hash(doc);
    }
    Ok(docs)
}

/// [`read_file`] without the documents' content hashes: `content_hash` is
/// empty until the caller sets it from [`document_hash`]. Ingest does so
/// while the store writes a new document's rows (the hash is needed only
/// once they are written), which takes the hash, a tenth of a large
/// document's ingest, off the critical path (issue #17 item 6).
pub fn read_file_unhashed(
    path: &Path,
    name: &str,
    columns: &TableColumns,
    participants: &ParticipantIndex<'_>,
) -> Result<Vec<Document>> {
    read_file_unhashed_with_left_out(path, name, columns, participants).map(|(docs, _)| docs)
}

/// A survey export's rows left out as no respondent's: Qualtrics'
/// previews, test responses and spam (its `Status` column), by status.
/// Said once per file, by ingest's reading of it; not stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResponsesLeftOut {
    /// The file, as it was given.
    pub file: String,
    /// Rows left out, by the status that left each out (`Survey Preview`).
    pub by_status: BTreeMap<String, usize>,
}

impl std::fmt::Display for ResponsesLeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n: usize = self.by_status.values().sum();
        write!(
            f,
            "`{}`: {n} {} left out by its Qualtrics `Status` ({}): previews, test responses and spam are not respondents",
            self.file,
            if n == 1 { "response" } else { "responses" },
            self.by_status
                .iter()
                .map(|(status, n)| format!("`{status}` {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// [`read_file_unhashed`], with the rows of a survey export it left out as
/// no respondent's ([`ResponsesLeftOut`]), for ingest to say: the readers
/// leave them out without a word, and a read for another purpose (ingest's
/// interviewer detection reads every file first) would say it twice.
pub fn read_file_unhashed_with_left_out(
    path: &Path,
    name: &str,
    columns: &TableColumns,
    participants: &ParticipantIndex<'_>,
) -> Result<(Vec<Document>, Option<ResponsesLeftOut>)> {
    // Before the extension check, so that `/nonexistent` is reported as
    // missing rather than as an unknown file type.
    if let Err(source) = std::fs::metadata(path) {
        return Err(match source.kind() {
            std::io::ErrorKind::NotFound => IngestError::NotFound { file: path.into() },
            _ => IngestError::Io {
                file: path.into(),
                source,
            },
        });
    }
    let reader = formats::reader_for(path, columns)?;
    let bytes = read_input(path)?;
    let raw = reader.read(formats::SourceFile {
        path,
        name,
        bytes: &bytes,
    })?;
    if raw.is_empty() {
        return Err(IngestError::Empty { file: path.into() });
    }
    // The file's canonical path, so that a later run given another folder
    // or started in another working folder knows it for the same file
    // (`pipeline::ingest`'s moved-document and stored-name checks).
    let source_path = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for r in &raw {
        for (status, n) in &r.left_out_responses {
            *by_status.entry(status.clone()).or_default() += n;
        }
    }
    let left_out = (!by_status.is_empty()).then(|| ResponsesLeftOut {
        file: path.display().to_string(),
        by_status,
    });
    let docs = raw
        .into_iter()
        .map(|r| assemble_unhashed(r, &source_path, reader.format(), participants))
        .collect();
    Ok((docs, left_out))
}

/// Turns a reader's output into a [`Document`]: moderators marked, speakers
/// mapped to participants, turns split into sentences, offsets in code points.
pub fn assemble(
    raw: RawDocument,
    source_path: &str,
    format: SourceFormat,
    participants: &ParticipantIndex<'_>,
) -> Document {
    let mut doc = assemble_unhashed(raw, source_path, format, participants);
    doc.content_hash = document_hash(&doc);
    doc
}

/// [`assemble`] with `content_hash` left empty (see [`read_file_unhashed`]).
fn assemble_unhashed(
    mut raw: RawDocument,
    source_path: &str,
    format: SourceFormat,
    participants: &ParticipantIndex<'_>,
) -> Document {
    // Speaker labels in composed form (NFC): "Zoé" written with a
    // combining accent in one transcript and as one character in another
    // is one speaker. The text keeps its form, so offsets stay exact.
    for t in &mut raw.turns {
        if let Some(s) = t.speaker.as_mut() {
            if !unicode_normalization::is_nfc(s) {
                use unicode_normalization::UnicodeNormalization;
                *s = s.nfc().collect();
            }
        }
    }
    // A table's attributes are keyed by the same labels.
    if raw
        .speaker_attributes
        .keys()
        .any(|k| !unicode_normalization::is_nfc(k))
    {
        use unicode_normalization::UnicodeNormalization;
        raw.speaker_attributes = std::mem::take(&mut raw.speaker_attributes)
            .into_iter()
            .map(|(k, v)| (k.nfc().collect(), v))
            .collect();
    }
    let mut chars = CharIndex::new(&raw.text);
    let mut turns = Vec::with_capacity(raw.turns.len());
    let mut segments = Vec::new();
    let speakers = resolve::DocumentSpeakers::new(
        &raw.name,
        raw.turns.iter().filter_map(|t| t.speaker.as_deref()),
        participants,
    )
    .with_header(&raw.text);
    // Splitting is per turn and independent, so it runs on every core; the
    // rest is one cheap forward pass (at a million turns splitting was a
    // fifth of ingest's time, issue #17 item 6).
    let splits: Vec<Vec<(usize, usize)>> = raw
        .turns
        .par_iter()
        .map(|t| {
            let turn = &raw.text[t.start..t.end];
            // Where the turn's caption cues start: an unpunctuated run of
            // automatic captions is cut there (`sentences::split_long`).
            let first = raw.cues.partition_point(|c| c.start <= t.start);
            let breaks: Vec<usize> = raw.cues[first..]
                .iter()
                .take_while(|c| c.start < t.end)
                .map(|c| c.start - t.start)
                .collect();
            sentences::split_sentences_at(turn, &breaks)
                .into_iter()
                .filter_map(|(s, e)| without_leading_time_stamps(turn, s, e))
                .collect()
        })
        .collect();
    // A label resolves the same way on every turn: once per (label, role),
    // to (participant id, is moderator, an interpreter on the interviewer's
    // side).
    type LabelRole<'a> = (&'a str, Option<&'a str>);
    let mut resolved: HashMap<LabelRole, (Option<String>, bool, bool)> = HashMap::new();
    let mut voices: Vec<(Option<String>, bool, bool)> = raw
        .turns
        .iter()
        .map(|t| {
            let s = t
                .speaker
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())?;
            let voice = resolved.entry((s, t.role.as_deref())).or_insert_with(|| {
                let r = speakers.resolve(s, t.role.as_deref());
                let interpreter = r.role == resolve::SpeakerRole::Interpreter && r.is_moderator;
                (r.participant_id, r.is_moderator, interpreter)
            });
            Some(voice.clone())
        })
        .map(|v| v.unwrap_or((None, false, false)))
        .collect();
    interpreters_render_participants(&raw, &mut voices);
    for ((index, t), split) in raw.turns.iter().enumerate().zip(splits) {
        let speaker = t
            .speaker
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let (participant_id, is_moderator) = match speaker {
            Some(_) => {
                let (id, moderator, _) = std::mem::take(&mut voices[index]);
                (id, moderator)
            }
            None => {
                let is_moderator = t.role.as_deref().is_some_and(speaker::is_moderator_role);
                // A document without labels the participants file gives
                // one person (a diary entry) is theirs.
                let participant = speakers
                    .unlabelled_participant()
                    .filter(|_| !is_moderator)
                    .map(|p| p.id.clone());
                (participant, is_moderator)
            }
        };
        // Offsets are taken in text order (turn start, its sentences, turn
        // end) so that the cursor only moves forward.
        let start_char = chars.at(t.start);
        for (sentence_index, (s, e)) in split.into_iter().enumerate() {
            let (start, end) = (t.start + s, t.start + e);
            let (start_ms, end_ms) = times(&raw.cues, start, end).unwrap_or((t.start_ms, t.end_ms));
            segments.push(Segment {
                speaker: speaker.map(str::to_string),
                participant_id: participant_id.clone(),
                is_moderator,
                turn_index: index,
                sentence_index,
                start_char: chars.at(start),
                end_char: chars.at(end),
                start_ms,
                end_ms,
                text: raw.text[start..end].to_string(),
            });
        }
        turns.push(Turn {
            index,
            speaker: speaker.map(str::to_string),
            role: t.role.clone(),
            is_moderator,
            start_char,
            end_char: chars.at(t.end),
            start_ms: t.start_ms,
            end_ms: t.end_ms,
        });
    }
    Document {
        name: raw.name,
        source_path: source_path.to_string(),
        format,
        content_hash: String::new(),
        text: raw.text,
        turns,
        segments,
        speaker_attributes: raw.speaker_attributes,
    }
}

/// A sentence's range without the time stamps a transcript writes before a
/// paragraph (`\[08:05\] Then I started …`): they are when, not what, was
/// said. `None` when nothing but stamps is left, nothing but a bare
/// clock (`00:05:00` on a line of its own, as meeting transcripts write
/// one every few minutes), or nothing but a cue's time range (`0:0:5.0 -->
/// 0:0:9.500`, Teams' older transcripts; before, each was a sentence of
/// the speaker before it, embedded, coded and counted).
fn without_leading_time_stamps(turn: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let (_, skipped) = speaker::skip_time_stamps(&turn[start..end], 0);
    let rest = turn[start + skipped..end].trim();
    let end = start + skipped + speaker::end_before_f4_stamp(&turn[start + skipped..end]);
    (start + skipped < end && speaker::parse_clock(rest).is_none() && !speaker::is_cue_timing(rest))
        .then_some((start + skipped, end))
}

/// Hash of everything stored for a document (text, turns, segments with
/// their participant ids), so re-ingesting is a no-op exactly when nothing
/// would change — including when a new participants file re-maps speakers.
pub fn document_hash(doc: &Document) -> String {
    let Document {
        format,
        text,
        turns,
        segments,
        ..
    } = doc;
    // The bytes hashed are exactly `serde_json::to_vec(&(format, text, turns,
    // segments))`, so stored hashes still match, but they are streamed into
    // the hash rather than built first (a copy the size of the document), and
    // the turns and segments are serialised on every core, a window at a
    // time; only SHA-256 itself is sequential. At a million turns the
    // serialisation was a tenth of ingest's time (issue #17 item 6).
    struct HashWriter<'a>(&'a mut Sha256);
    impl std::io::Write for HashWriter<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = Sha256::new();
    hasher.update(b"[");
    serde_json::to_writer(HashWriter(&mut hasher), format).expect("formats serialise to JSON");
    hasher.update(b",");
    serde_json::to_writer(HashWriter(&mut hasher), text).expect("text serialises to JSON");
    hasher.update(b",");
    hash_json_array(&mut hasher, turns, JSON_CHUNK);
    hasher.update(b",");
    hash_json_array(&mut hasher, segments, JSON_CHUNK);
    hasher.update(b"]");
    hex_digest(&hasher.finalize())
}

/// Turns or segments per parallel serialisation task.
const JSON_CHUNK: usize = 2048;

/// Chunks serialised before their bytes are hashed: enough to keep both
/// cores busy, few enough to hold ~8 MB (64 held ~30 MB, and at a million
/// turns ingest's peak RSS fell 930 → 902 MB with 16, time unchanged).
const JSON_WINDOW_CHUNKS: usize = 16;

/// Feeds `serde_json`'s compact JSON array of `items` into `hasher`: the
/// elements serialised in parallel chunks of `chunk`, hashed in order,
/// [`JSON_WINDOW_CHUNKS`] chunks' bytes held at a time.
fn hash_json_array<T: serde::Serialize + Sync>(hasher: &mut Sha256, items: &[T], chunk: usize) {
    hasher.update(b"[");
    for (w, window) in items.chunks(JSON_WINDOW_CHUNKS * chunk).enumerate() {
        let parts: Vec<Vec<u8>> = window
            .par_chunks(chunk)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 64);
                for (i, item) in chunk.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut out, item).expect("documents serialise to JSON");
                }
                out
            })
            .collect();
        for (i, part) in parts.iter().enumerate() {
            if w > 0 || i > 0 {
                hasher.update(b",");
            }
            hasher.update(part);
        }
    }
    hasher.update(b"]");
}

/// Times of the cues a byte range overlaps: start of the first, end of the last.
fn times(cues: &[formats::Cue], start: usize, end: usize) -> Option<(Option<u64>, Option<u64>)> {
    // Cues are in text order and do not overlap, so binary search finds both ends.
    let first = cues.get(cues.partition_point(|c| c.end <= start))?;
    let last = cues.get(cues.partition_point(|c| c.start < end).checked_sub(1)?)?;
    Some((Some(first.start_ms), Some(last.end_ms)))
}

/// Byte offset → code point offset, a cursor that counts only the code
/// points between its last position and the next one. `assemble` asks in
/// text order, so a document costs one pass over its text; a step back (a
/// reader whose turns overlap) counts the stretch backwards instead of
/// restarting from byte 0, which made ingestion quadratic in turns.
struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        CharIndex {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.chars -= self.text[byte..self.byte].chars().count();
        } else {
            self.chars += self.text[self.byte..byte].chars().count();
        }
        self.byte = byte;
        self.chars
    }
}

/// The attributes a survey sheet's attribute columns give speakers the
/// participants file lists, less those the file gives them (the file wins;
/// keys compared case-insensitively): (participant id, attributes). Before,
/// a listed respondent kept only the file's attributes, and a participants
/// file adding one column to some respondents took their sheet's
/// demographics out of every crosstab.
pub fn registered_sheet_attributes(
    doc: &Document,
    participants: &ParticipantIndex<'_>,
) -> Vec<(String, BTreeMap<String, String>)> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (speaker, attributes) in &doc.speaker_attributes {
        let Some(p) = participants.resolve(speaker, &doc.name) else {
            continue;
        };
        let given: std::collections::HashSet<String> =
            p.attributes.keys().map(|k| k.to_lowercase()).collect();
        let extra = out.entry(p.id.clone()).or_default();
        for (k, v) in attributes {
            if !given.contains(&k.to_lowercase()) {
                extra.insert(k.clone(), v.clone());
            }
        }
    }
    out.into_iter().filter(|(_, a)| !a.is_empty()).collect()
}

/// The attributes a survey sheet gives respondents who answer none of its
/// questions in this document (an event of a REDCap export whose
/// demographics sit on the baseline row, the record answering only at
/// follow-up): (participant id, attributes), for ids that name one person
/// in every document (not `Respondent N`, a row of this document alone).
/// They become no participant here, so their attributes reached no one
/// before: such a respondent was `(missing)` in every crosstab.
pub fn silent_respondent_attributes(
    doc: &Document,
    participants: &ParticipantIndex<'_>,
) -> Vec<(String, BTreeMap<String, String>)> {
    let speaking: std::collections::HashSet<&str> = doc
        .turns
        .iter()
        .filter_map(|t| t.speaker.as_deref())
        .collect();
    let speakers = resolve::DocumentSpeakers::new(
        &doc.name,
        doc.turns.iter().filter_map(|t| t.speaker.as_deref()),
        participants,
    )
    .with_header(&doc.text);
    doc.speaker_attributes
        .iter()
        .filter(|(speaker, attributes)| {
            !speaking.contains(speaker.as_str()) && !attributes.is_empty()
        })
        .filter_map(|(speaker, attributes)| {
            let r = speakers.resolve(speaker, Some(formats::RESPONDENT_ROLE));
            let id = r.participant_id?;
            (r.source != resolve::IdSource::PerDocument).then(|| (id, attributes.clone()))
        })
        .collect()
}

/// An interpreter's turns (`voices[i].2`: on the interviewer's side as
/// their label resolves) that render a participant's words are that
/// participant's (rule 3 of [`resolve`]): a turn after the participant's
/// own (`Participant: [speaks Arabic]`, `Interpreter: She says …`), or one
/// after the interviewer's that asks nothing and has words of its own (the
/// participant's turn not transcribed), which is then the nearest
/// participant's of the document, the one before first. A turn rendering
/// the question (after the interviewer's, asking, or a bracketed note
/// alone: `[translates]`) stays on the interviewer's side. Before
/// 2026-12-07 `Interpreter` was one participant across every interview
/// holding the refugees' accounts, and they held `[speaks Arabic]`
/// (h25/01).
fn interpreters_render_participants(
    raw: &RawDocument,
    voices: &mut [(Option<String>, bool, bool)],
) {
    if !voices.iter().any(|v| v.2) {
        return;
    }
    // The participant a turn is by: an id, not the moderator's, not an
    // interpreter's own.
    let participant = |v: &(Option<String>, bool, bool)| v.0.clone().filter(|_| !v.1 && !v.2);
    let labelled = |i: usize| {
        raw.turns[i]
            .speaker
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
    };
    let before: Vec<Option<(bool, Option<String>)>> = {
        // Per turn: whether the nearest labelled turn before it that is
        // no interpreter's is a participant's, and the nearest
        // participant before it.
        let mut out = Vec::with_capacity(voices.len());
        let (mut last_voice_participant, mut last_participant) = (None, None);
        for (i, v) in voices.iter().enumerate() {
            out.push(last_voice_participant.map(|p: bool| (p, last_participant.clone())));
            if labelled(i) && !v.2 {
                let p = participant(v);
                last_voice_participant = Some(p.is_some());
                if p.is_some() {
                    last_participant = p;
                }
            }
        }
        out
    };
    let mut next_participant: Option<String> = None;
    let mut after: Vec<Option<String>> = vec![None; voices.len()];
    for i in (0..voices.len()).rev() {
        after[i] = next_participant.clone();
        if let Some(p) = participant(&voices[i]) {
            next_participant = Some(p);
        }
    }
    for (i, voice) in voices.iter_mut().enumerate() {
        if !voice.2 {
            continue;
        }
        let t = &raw.turns[i];
        let text = raw.text.get(t.start..t.end).unwrap_or("");
        let owner = match &before[i] {
            Some((true, last)) => last.clone(),
            _ if renders_an_answer(text) => before[i]
                .as_ref()
                .and_then(|(_, last)| last.clone())
                .or_else(|| after[i].clone()),
            _ => None,
        };
        if let Some(id) = owner {
            *voice = (Some(id), false, false);
        }
    }
}

/// Whether an interpreter's turn renders an answer: words outside brackets
/// (`[translates]` alone renders the question into the participant's
/// language) and no question.
fn renders_an_answer(turn: &str) -> bool {
    let mut depth = 0usize;
    let mut words = false;
    for c in turn.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            '?' | '？' | '؟' => return false,
            c if depth == 0 && c.is_alphabetic() => words = true,
            _ => {}
        }
    }
    words
}

/// Speakers of a document that the participants file does not list, as
/// unregistered participants (id as [`resolve`] makes it: the name as
/// written, or `<document>/<label>` with `document` set for a generic
/// label; the inline role, if any, as their `role` attribute).
pub fn unregistered_speakers(
    doc: &Document,
    participants: &ParticipantIndex<'_>,
) -> Vec<Participant> {
    let speakers = resolve::DocumentSpeakers::new(
        &doc.name,
        doc.turns.iter().filter_map(|t| t.speaker.as_deref()),
        participants,
    )
    .with_header(&doc.text);
    let mut found: BTreeMap<String, Participant> = BTreeMap::new();
    // A turn adds nothing that an earlier turn with the same speaker, role
    // and moderator flag did not: skip it before resolving (a long document
    // has a million turns and a handful of such triples; issue #17 item 6).
    let mut seen: std::collections::HashSet<(&str, Option<&str>, bool)> =
        std::collections::HashSet::new();
    for t in &doc.turns {
        let Some(speaker) = &t.speaker else { continue };
        if !seen.insert((speaker, t.role.as_deref(), t.is_moderator)) {
            continue;
        }
        let r = speakers.resolve(speaker, t.role.as_deref());
        let Some(id) = r.participant_id else { continue };
        if r.source == resolve::IdSource::Registered {
            continue;
        }
        let per_document = r.source == resolve::IdSource::PerDocument;
        let p = found.entry(id.clone()).or_insert_with(|| Participant {
            id,
            name: speaker.clone(),
            document: per_document.then(|| doc.name.clone()),
            is_moderator: false,
            registered: false,
            attributes: doc
                .speaker_attributes
                .get(speaker)
                .cloned()
                .unwrap_or_default(),
        });
        // An interpreter is counted as no one, also where each of their
        // turns renders a participant's words (and is that participant's).
        p.is_moderator |=
            t.is_moderator || (r.role == resolve::SpeakerRole::Interpreter && r.is_moderator);
        if let Some(role) = t.role.as_ref().filter(|r| *r != formats::RESPONDENT_ROLE) {
            p.attributes
                .entry("role".into())
                .or_insert_with(|| role.clone());
        }
    }
    found.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn read(name: &str, bytes: &[u8], people: &Participants) -> Result<Vec<Document>> {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        read_file(&path, name, &TableColumns::default(), &people.index())
    }

    fn assert_offsets(doc: &Document) {
        for s in &doc.segments {
            let slice: String = doc
                .text
                .chars()
                .skip(s.start_char)
                .take(s.end_char - s.start_char)
                .collect();
            assert_eq!(slice, s.text);
        }
        for t in &doc.turns {
            assert!(t.start_char <= t.end_char && t.end_char <= doc.text.chars().count());
        }
    }

    #[test]
    fn offsets_are_code_points_in_every_format() {
        let none = Participants::default();
        let text = "Ünal (Polizei): Schöne Grüße 😀! Wir brauchen Licht, z.B. am Bahnhof.\r\n\
                    Zoë: 監視は怖い。でも必要です。\r\nMr. Ørsted says 3.5 is e.g. fine. Yes.";
        let docs = read("a.txt", text.as_bytes(), &none).unwrap();
        assert_offsets(&docs[0]);
        let texts: Vec<&str> = docs[0].segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Schöne Grüße 😀!",
                "Wir brauchen Licht, z.B. am Bahnhof.",
                "監視は怖い。",
                "でも必要です。",
                "Mr. Ørsted says 3.5 is e.g. fine.",
                "Yes."
            ]
        );
        assert_eq!(
            docs[0].segments[0].start_char,
            "Ünal (Polizei): ".chars().count()
        );
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Zoë>Ça va 😀? Très\n\n00:00:02.000 --> 00:00:03.000\n<v Zoë>bien.\n";
        let doc = &read("b.vtt", vtt.as_bytes(), &none).unwrap()[0];
        assert_offsets(doc);
        let last = doc.segments.last().unwrap();
        assert_eq!(
            (last.text.as_str(), last.start_ms, last.end_ms),
            ("Très bien.", Some(1_000), Some(3_000))
        );
        let csv = "doc,speaker,text\nd1,Ünal,\"Grüße 😀. Zwei.\"\nd1,Zoë,Ja.\n";
        for doc in read("c.csv", csv.as_bytes(), &none).unwrap() {
            assert_offsets(&doc);
            assert_eq!(doc.segments.len(), 3);
        }
    }

    #[test]
    fn document_hash_is_the_sha256_of_the_canonical_json() {
        // Stored hashes decide "unchanged" on re-ingest: streaming the JSON
        // into the hash must give exactly the hash of the built JSON.
        let none = Participants::default();
        let text = "Ünal: Grüße \"quoted\" 😀! Zwei.\nZoë: 監視は怖い。\tTab.\n";
        let doc = &read("h.txt", text.as_bytes(), &none).unwrap()[0];
        let canonical =
            serde_json::to_vec(&(doc.format, &doc.text, &doc.turns, &doc.segments)).unwrap();
        assert_eq!(doc.content_hash, content_hash(&canonical));
        assert_eq!(doc.content_hash.len(), 64);
        // Read without the hash (ingest hashes alongside the store's
        // writes), the same document hashes to the same value.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.txt");
        std::fs::write(&path, text).unwrap();
        let unhashed = &read_file_unhashed(&path, "h.txt", &TableColumns::default(), &none.index())
            .unwrap()[0];
        assert_eq!(unhashed.content_hash, "");
        assert_eq!(document_hash(unhashed), doc.content_hash);
    }

    #[test]
    fn json_arrays_hash_the_same_in_parallel_chunks_and_windows() {
        // Every split of an array into chunks and windows of chunks
        // (JSON_WINDOW_CHUNKS per window) must hash serde_json's own bytes:
        // lengths around each edge.
        let none = Participants::default();
        let text: String = (0..3000)
            .map(|i| format!("S{}: Das ist Zeile {i}. Hier kommt noch ein Satz.\n", i % 3))
            .collect();
        let doc = &read("long.txt", text.as_bytes(), &none).unwrap()[0];
        for chunk in [1, 2, 3] {
            for n in [
                0, 1, 2, 3, 4, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 127, 128, 129, 192,
                193, 300,
            ] {
                let turns = &doc.turns[..n.min(doc.turns.len())];
                let mut hasher = Sha256::new();
                hash_json_array(&mut hasher, turns, chunk);
                let expected = Sha256::digest(serde_json::to_vec(turns).unwrap());
                assert_eq!(hasher.finalize(), expected, "chunk {chunk}, {n} turns");
            }
        }
        assert!(
            doc.segments.len() > 2 * JSON_CHUNK,
            "several chunks of segments"
        );
        let canonical =
            serde_json::to_vec(&(doc.format, &doc.text, &doc.turns, &doc.segments)).unwrap();
        assert_eq!(doc.content_hash, content_hash(&canonical));
    }

    #[test]
    fn a_paragraphs_leading_time_stamp_is_not_part_of_its_sentence() {
        let text = "**Sam:** Yes.\n\\[08:05\\] Then I started PHP. \\[11:53\\] So I went home.\n00:05:00\n\n(12:00) [laughs] Right.\n";
        let doc = &read("t.md", text.as_bytes(), &Participants::default()).unwrap()[0];
        let sentences: Vec<&str> = doc.segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            sentences,
            [
                "Yes.",
                "Then I started PHP.",
                "So I went home.",
                "[laughs] Right."
            ]
        );
        assert_offsets(doc);
    }

    /// Teams' older transcript download: a cue's time range, the name, the
    /// words. The ranges are no sentence of anyone's, nor part of one: the
    /// first turn ends without a full stop, and the range below it was
    /// joined to it.
    #[test]
    fn a_teams_cue_timing_line_is_no_sentence() {
        let text = "0:0:0.0 --> 0:0:4.500\nHelen Ward\nSo tell me about nights\n\
                    0:0:5.0 --> 0:0:9.500\nNina Patel\nNights are long. Really long.\n\n\
                    0:0:10.0 --> 0:0:14.500\nHelen Ward\nDo you get breaks?\n\n\
                    0:0:15.0 --> 0:0:19.500\nNina Patel\nSometimes. Not often.\n";
        let doc = &read("teams.txt", text.as_bytes(), &Participants::default()).unwrap()[0];
        let said: Vec<(Option<&str>, &str)> = doc
            .segments
            .iter()
            .map(|s| (s.speaker.as_deref(), s.text.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                (Some("Helen Ward"), "So tell me about nights"),
                (Some("Nina Patel"), "Nights are long."),
                (Some("Nina Patel"), "Really long."),
                (Some("Helen Ward"), "Do you get breaks?"),
                (Some("Nina Patel"), "Sometimes."),
                (Some("Nina Patel"), "Not often."),
            ]
        );
        assert_offsets(doc);
    }

    /// The hunt h22/01: a diary study's entries, one unlabelled file each,
    /// that the participants file's `document` column gives one person
    /// (`;` between a person's entries) are that person's; an entry the
    /// file names for no one, or for two people, stays unnamed.
    #[test]
    fn an_unlabelled_document_the_file_gives_one_participant_is_theirs() {
        let people = Participants::from_csv_bytes(
            Path::new("participants.csv"),
            b"id,name,document,ward\n\
              P07,P07,P07_day1.txt;P07_day2.txt,Surgical\n\
              P12,P12,P12_day1.txt;shared.txt,ICU\n\
              P15,P15,shared.txt,ICU\n",
        )
        .unwrap();
        let entry = b"Long shift today. Nobody had time for breaks.\n\nI went home tired.\n";
        let ids = |name: &str| -> Vec<Option<String>> {
            let doc = &read(name, entry, &people).unwrap()[0];
            doc.segments
                .iter()
                .map(|s| s.participant_id.clone())
                .collect()
        };
        let p07 = Some("P07".to_string());
        assert_eq!(ids("P07_day2.txt"), [p07.clone(), p07.clone(), p07]);
        assert_eq!(ids("P12_day1.txt")[0].as_deref(), Some("P12"));
        assert_eq!(ids("unlisted.txt"), [None, None, None]);
        assert_eq!(ids("shared.txt"), [None, None, None]);
        // A labelled turn keeps the label rule; unlabelled turns of a
        // labelled document are no one's, as before.
        let labelled = b"Intro line.\nInterviewer: How was it?\nAnna: Fine.\n";
        let doc = &read("P07_day1.txt", labelled, &people).unwrap()[0];
        let said: Vec<(Option<&str>, bool)> = doc
            .segments
            .iter()
            .map(|s| (s.participant_id.as_deref(), s.is_moderator))
            .collect();
        assert_eq!(said, [(Some("Interviewer"), true), (Some("Anna"), false)]);
    }

    #[test]
    fn an_interpreters_rendering_is_the_participants_and_they_are_no_one() {
        // h25/01: the interpreter renders the question (interviewer's side),
        // and the participant's answer (the participant's, label kept).
        let people = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name,document\nR01,Participant,r1.txt\nI9,Interpreter,r2.txt\n",
        )
        .unwrap();
        let people_role = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name,role,document\nT1,Interpreter,interpreter,r1.txt\n",
        )
        .unwrap();
        let text = "Interviewer: How long has she lived here?\n\
                    Interpreter: [translates]\n\
                    Participant: [speaks Arabic]\n\
                    Interpreter: She says two years.\n\
                    Interviewer: Was an interpreter offered?\n\
                    Interpreter: She says not at first.\n";
        let view = |d: &Document| -> Vec<(String, Option<String>, bool)> {
            d.segments
                .iter()
                .map(|s| {
                    (
                        s.speaker.clone().unwrap(),
                        s.participant_id.clone(),
                        s.is_moderator,
                    )
                })
                .collect()
        };
        let s = |x: &str| Some(x.to_string());
        let r1 = &read("r1.txt", text.as_bytes(), &people).unwrap()[0];
        assert_eq!(
            view(r1),
            vec![
                ("Interviewer".into(), s("Interviewer"), true),
                ("Interpreter".into(), s("r1.txt/Interpreter"), true),
                ("Participant".into(), s("R01"), false),
                ("Interpreter".into(), s("R01"), false),
                ("Interviewer".into(), s("Interviewer"), true),
                ("Interpreter".into(), s("R01"), false),
            ]
        );
        // Each document's own, counted as no one.
        let index = people.index();
        let unlisted = unregistered_speakers(r1, &index);
        let interpreter = unlisted.iter().find(|p| p.name == "Interpreter").unwrap();
        assert_eq!(interpreter.id, "r1.txt/Interpreter");
        assert!(interpreter.is_moderator);
        // A participants file's `role = interpreter` is no participant.
        let r1 = &read("r1.txt", text.as_bytes(), &people_role).unwrap()[0];
        assert_eq!(view(r1)[1], ("Interpreter".into(), s("T1"), true));
        assert!(!view(r1)[3].2);
        // The interpreter alone beside the interviewer is the interviewee's voice.
        let alone = "Interviewer: How are you?\nInterpreter: She says fine.\n";
        let r3 = &read("r3.txt", alone.as_bytes(), &people).unwrap()[0];
        assert_eq!(
            view(r3)[1],
            ("Interpreter".into(), s("r3.txt/Interpreter"), false)
        );
        // The file wins: listed as a participant, they are one.
        let r2 = &read("r2.txt", text.as_bytes(), &people).unwrap()[0];
        assert_eq!(view(r2)[1], ("Interpreter".into(), s("I9"), false));
    }

    #[test]
    fn moderators_and_participants() {
        let people = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name,role,document\nM7,Jane,facilitator,\nP1,Anna,police,g1\nP2,Anna,business,g2\n",
        )
        .unwrap();
        let text = "Jane: Welcome.\nAnna: Hi.\nTom (Moderator): Next.\nInterviewer 2: And?\nQ: Why?\nA: Because.\nAll: Yes!\n";
        let g1 = &read("g1.txt", text.as_bytes(), &people).unwrap()[0];
        let g2 = &read("g2.txt", text.as_bytes(), &people).unwrap()[0];
        let view = |d: &Document| -> Vec<(Option<String>, bool)> {
            d.segments
                .iter()
                .map(|s| (s.participant_id.clone(), s.is_moderator))
                .collect()
        };
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            view(g1),
            vec![
                (s("M7"), true),
                (s("P1"), false),
                (s("Tom"), true),
                (s("Interviewer 2"), true),
                (s("Q"), true),
                // Issue #16: `A` beside `Q` is this document's interviewee.
                (s("g1.txt/A"), false),
                (None, false)
            ]
        );
        assert_eq!(view(g2)[1], (s("P2"), false));
        // The same text mapped to other participants is different content.
        assert_ne!(g1.content_hash, g2.content_hash);
        assert_eq!(
            g1.content_hash,
            read("g1.txt", text.as_bytes(), &people).unwrap()[0].content_hash
        );
        let extra = unregistered_speakers(g1, &people.index());
        let ids: Vec<(&str, bool, Option<&String>)> = extra
            .iter()
            .map(|p| (p.id.as_str(), p.is_moderator, p.attributes.get("role")))
            .collect();
        let a = extra.iter().find(|p| p.name == "A").unwrap();
        assert_eq!(a.document.as_deref(), Some("g1.txt"));
        assert_eq!(
            ids,
            vec![
                ("Interviewer 2", true, None),
                ("Q", true, None),
                ("Tom", true, Some(&"Moderator".to_string())),
                ("g1.txt/A", false, None),
            ]
        );
    }

    /// Random text built from the pieces transcripts are made of (labels,
    /// brackets, abbreviations, multi-byte characters, line breaks) never
    /// panics and always yields exact offsets.
    #[test]
    fn random_transcripts_keep_exact_offsets() {
        let pieces = [
            "Anna: ",
            "BOB (Police): ",
            "[00:01:02] ",
            "Q: ",
            "**Dana:** ",
            "Note: ",
            " ",
            " ",
            "word",
            "Mr. ",
            "e.g. ",
            "3.5",
            ". ",
            "? ",
            "! ",
            "…",
            "😀",
            "Zoë",
            "監視。",
            "\n",
            "\r\n",
            "\n\n",
            ":",
            "(",
            ")",
            "[",
            "]",
            "# ",
            "---",
            "\t",
            "é",
            "A. ",
            "  0:02",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let people = Participants::default();
        for round in 0..2000 {
            let len = (next() % 60) as usize;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            for (format, markdown) in [(SourceFormat::Text, false), (SourceFormat::Markdown, true)]
            {
                let raw = RawDocument {
                    name: format!("r{round}.txt"),
                    turns: formats::turns_from_text(&text, markdown),
                    text: text.clone(),
                    cues: Vec::new(),
                    speaker_attributes: Default::default(),
                    left_out_responses: Default::default(),
                };
                let doc = assemble(raw, "r.txt", format, &people.index());
                assert_offsets(&doc);
                for s in &doc.segments {
                    assert!(!s.text.is_empty() && s.text.trim() == s.text, "{text:?}");
                }
            }
        }
    }

    /// Code point offsets by brute force: count from byte 0 every time.
    fn naive_chars(text: &str, byte: usize) -> usize {
        text[..byte].chars().count()
    }

    fn multi_byte_turns(turns: usize) -> RawDocument {
        let names = ["Zoë", "Ünal", "監視", "Anna"];
        let bodies = [
            "Grüße 😀! Wir brauchen Licht.",
            "監視は怖い。でも必要です。",
            "Mr. Ørsted says 3.5 is fine. Yes… maybe.",
            "ok",
        ];
        let text: String = (0..turns)
            .map(|i| format!("{}: {}\n", names[i % 4], bodies[(i / 4) % 4]))
            .collect();
        RawDocument {
            name: "t.txt".into(),
            turns: formats::turns_from_text(&text, false),
            text,
            cues: Vec::new(),
            speaker_attributes: Default::default(),
            left_out_responses: Default::default(),
        }
    }

    #[test]
    fn offsets_match_a_naive_count_per_turn() {
        let raw = multi_byte_turns(64);
        let expected_turns: Vec<(usize, usize)> = raw
            .turns
            .iter()
            .map(|t| {
                (
                    naive_chars(&raw.text, t.start),
                    naive_chars(&raw.text, t.end),
                )
            })
            .collect();
        let text = raw.text.clone();
        let doc = assemble(
            raw,
            "t.txt",
            SourceFormat::Text,
            &Participants::default().index(),
        );
        assert_eq!(doc.turns.len(), 64);
        let turns: Vec<(usize, usize)> = doc
            .turns
            .iter()
            .map(|t| (t.start_char, t.end_char))
            .collect();
        assert_eq!(turns, expected_turns);
        assert!(doc.segments.len() > 64);
        assert_offsets(&doc);
        // A step back (overlapping turns from some reader) counts backwards.
        let mut chars = CharIndex::new(&text);
        for byte in [40, 7, 0, text.len(), 3, text.len() / 2, 12] {
            let byte = (0..=byte)
                .rev()
                .find(|b| text.is_char_boundary(*b))
                .unwrap();
            assert_eq!(chars.at(byte), naive_chars(&text, byte), "byte {byte}");
        }
    }

    /// The char index restarted from byte 0 on every turn, so 200k turns took
    /// ~20 s in release and far longer here; linear, this is well under a
    /// second in release and a few seconds in a debug build.
    #[test]
    fn assembling_is_linear_in_turns() {
        let raw = multi_byte_turns(200_000);
        let began = std::time::Instant::now();
        let doc = assemble(
            raw,
            "t.txt",
            SourceFormat::Text,
            &Participants::default().index(),
        );
        let took = began.elapsed();
        assert_eq!(doc.turns.len(), 200_000);
        let last = doc.turns.last().unwrap();
        assert_eq!(last.end_char, doc.text.chars().count() - 1);
        assert!(took.as_secs() < 30, "200k turns took {took:?}");
    }

    #[test]
    fn a_missing_path_is_missing_whatever_its_name() {
        let people = Participants::default();
        for name in ["/nonexistent", "/nonexistent/talk.txt"] {
            let e = read_file(
                Path::new(name),
                name,
                &TableColumns::default(),
                &people.index(),
            )
            .unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("{name}: cannot read: does not exist")
            );
        }
    }

    #[test]
    fn unknown_extension_names_the_file() {
        let e = read("notes.pages", b"PK", &Participants::default()).unwrap_err();
        assert!(e.to_string().ends_with(
            "notes.pages: unknown file type `.pages`; expected .txt, .md, .vtt, .srt, .doc, .docx, .odt, .pdf, .rtf, .csv, .jsonl, .xlsx, .xls or .ods"
        ));
        let e = read("Makefile", b"x", &Participants::default()).unwrap_err();
        assert!(
            e.to_string()
                .contains("Makefile: unknown file type; expected"),
            "{e}"
        );
    }

    fn read_survey(csv: &str, cols: TableColumns) -> Vec<Document> {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("survey.csv");
        std::fs::write(&path, csv).unwrap();
        read_file(&path, "survey.csv", &cols, &Participants::default().index()).unwrap()
    }

    /// A wide export's every row is a respondent, whatever their id reads
    /// as: questionnaire numbers and interview codes were interviewers,
    /// `Participant 1` a person of one export, `Smith, Jane` two people.
    #[test]
    fn a_wide_exports_ids_are_respondents_whatever_they_read_as() {
        let cols = TableColumns {
            speaker: "id".into(),
            speaker_required: true,
            questions: vec!["Why?".into()],
            ..TableColumns::default()
        };
        let csv = "id,Why?\nQ01,Because of the rent.\nI04,The buses stopped.\nINT06,No time.\nParticipant 1,Too far away.\n\"Smith, Jane\",Childcare costs.\nR7,The hours.\n";
        let docs = read_survey(csv, cols);
        let answers: Vec<(Option<&str>, bool)> = docs[0]
            .segments
            .iter()
            .filter(|s| s.speaker.as_deref() != Some(formats::QUESTION_SPEAKER))
            .map(|s| (s.participant_id.as_deref(), s.is_moderator))
            .collect();
        assert_eq!(
            answers,
            vec![
                (Some("Q01"), false),
                (Some("I04"), false),
                (Some("INT06"), false),
                (Some("Participant 1"), false),
                (Some("Smith, Jane"), false),
                (Some("R7"), false),
            ]
        );
        // Their participants carry no `role` made of that reading.
        let people = unregistered_speakers(&docs[0], &Participants::default().index());
        assert!(people
            .iter()
            .filter(|p| p.id != formats::QUESTION_SPEAKER)
            .all(|p| !p.is_moderator && !p.attributes.contains_key("role")));
    }

    /// A long export's (respondent, item, answer) rows are respondents'
    /// answers whatever the ids read as, as a wide export's are.
    #[test]
    fn a_long_exports_ids_are_respondents_whatever_they_read_as() {
        let cols = TableColumns {
            speaker: "respondent".into(),
            speaker_required: true,
            text: "answer".into(),
            questions: vec!["item".into()],
            ..TableColumns::default()
        };
        let csv = "respondent,item,answer\nQ01,Why?,The rent.\nI04,Why?,The buses.\nQ01,How?,By bike.\nI04,How?,On foot.\n";
        let docs = read_survey(csv, cols);
        let answers: Vec<(Option<&str>, bool)> = docs[0]
            .segments
            .iter()
            .filter(|s| s.speaker.as_deref() != Some(formats::QUESTION_SPEAKER))
            .map(|s| (s.participant_id.as_deref(), s.is_moderator))
            .collect();
        assert_eq!(
            answers,
            vec![
                (Some("Q01"), false),
                (Some("I04"), false),
                (Some("Q01"), false),
                (Some("I04"), false),
            ]
        );
    }

    /// A respondent who answers nothing in one event of a longitudinal
    /// export still has that event's demographics to give.
    #[test]
    fn a_silent_respondents_attributes_are_kept_for_them() {
        let cols = TableColumns {
            speaker: "record_id".into(),
            speaker_required: true,
            doc: "event".into(),
            doc_required: true,
            questions: vec!["hardest".into()],
            attributes: vec!["age_band".into()],
            ..TableColumns::default()
        };
        let csv = "record_id,event,hardest,age_band\n1,baseline,The wifi.,18-20\n3,baseline,,35+\n1,followup,Still the wifi.,\n3,followup,The noise.,\n";
        let docs = read_survey(csv, cols);
        let none = Participants::default();
        let index = none.index();
        let silent: Vec<(String, Vec<(String, String)>)> = docs
            .iter()
            .flat_map(|d| silent_respondent_attributes(d, &index))
            .map(|(id, a)| (id, a.into_iter().collect()))
            .collect();
        assert_eq!(
            silent,
            vec![(
                "3".to_string(),
                vec![("age_band".to_string(), "35+".to_string())]
            )]
        );
    }

    /// h11/03: a file read for ingest says which responses its Qualtrics
    /// `Status` left out, once for the file; a file without any says none.
    #[test]
    fn a_qualtrics_exports_left_out_responses_are_said_once_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.csv");
        std::fs::write(
            &path,
            "Status,ResponseId,doc,Q4\nResponse Type,Response ID,Site,What is hardest?\n\
             Survey Preview,R_0,North,\"Testing the survey, ignore this.\"\n\
             IP Address,R_1,North,Lunch.\n\
             Spam,R_2,South,Buy now.\n\
             IP Address,R_3,South,The VPN.\n",
        )
        .unwrap();
        let cols = TableColumns {
            speaker: "ResponseId".into(),
            speaker_required: true,
            doc_required: true,
            questions: vec!["Q4".into()],
            ..TableColumns::default()
        };
        let none = Participants::default();
        let (docs, left_out) =
            read_file_unhashed_with_left_out(&path, "q.csv", &cols, &none.index()).unwrap();
        assert_eq!(docs.len(), 2);
        let left_out = left_out.unwrap();
        assert_eq!(
            left_out.by_status,
            BTreeMap::from([("Spam".to_string(), 1), ("Survey Preview".to_string(), 1)])
        );
        assert_eq!(
            left_out.to_string(),
            format!(
                "`{}`: 2 responses left out by its Qualtrics `Status` (`Spam` 1, `Survey Preview` 1): \
                 previews, test responses and spam are not respondents",
                path.display()
            )
        );
        let one = ResponsesLeftOut {
            file: "q.csv".into(),
            by_status: BTreeMap::from([("Survey Preview".to_string(), 1)]),
        };
        assert_eq!(
            one.to_string(),
            "`q.csv`: 1 response left out by its Qualtrics `Status` (`Survey Preview` 1): \
             previews, test responses and spam are not respondents"
        );
        std::fs::write(&path, "ResponseId,Q4\nR_1,Lunch.\n").unwrap();
        let cols = TableColumns {
            doc_required: false,
            ..cols
        };
        let (_, left_out) =
            read_file_unhashed_with_left_out(&path, "q.csv", &cols, &none.index()).unwrap();
        assert_eq!(left_out, None);
    }
}
