//! REFI-QDA project exchange (`.qdpx`): a zip holding `project.qde` (XML,
//! namespace `urn:QDA-XML:project:1.0`) and the plain text of each source
//! under `sources/`.
//!
//! Export writes every document as a `TextSource`, every coded sentence as a
//! `PlainTextSelection` (0-based code-point offsets, end exclusive) with one
//! `Coding`, participants as `Case`s, and the machine as its own `User`.
//! GUIDs come from `classify::qdc::guid` (UUID v5 of the thing's id, shared
//! with the `.qdc` writer), so the same store exports the same bytes and a
//! code has the same GUID in both files. Import reads human codings made in NVivo, ATLAS.ti, MAXQDA or
//! QualCoder back in as `human` or `gold` codings.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::io::{Cursor, Write};
use std::path::Path;

use classify::qdc::{code_guid, guid, xml_escape as xml, MAX_HIERARCHY_DEPTH};
use similar::algorithms::{diff_slices, DiffHook};
use similar::Algorithm;
use store::{Store, StoredSegment};

use crate::data::{GivenCoding, ProjectData, Source};
use crate::Error;

/// The GUID of the machine coder's `User`.
pub fn machine_user_guid() -> String {
    guid("user", "machine")
}

const MACHINE_USER_NAME: &str = "autocode (machine)";

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub project: String,
    /// Only codings a human gave or confirmed (no unreviewed machine codings).
    pub accepted_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub sources: usize,
    pub selections: usize,
    /// Reviewers' memos written as `<Note>`s, each referred to from a
    /// selection of its sentence.
    pub notes: usize,
    pub codes: usize,
    pub cases: usize,
    pub users: usize,
}

/// Writes `<path>` (a .qdpx file).
pub fn export_qdpx(
    store: &Store,
    data: &ProjectData,
    opts: &ExportOptions,
    path: &Path,
) -> Result<ExportSummary, Error> {
    let (bytes, summary) = qdpx_bytes(store, data, opts)?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))?;
    Ok(summary)
}

/// The .qdpx file's bytes.
pub fn qdpx_bytes(
    store: &Store,
    data: &ProjectData,
    opts: &ExportOptions,
) -> Result<(Vec<u8>, ExportSummary), Error> {
    let segments: BTreeMap<i64, &StoredSegment> = data.segments.iter().map(|s| (s.id, s)).collect();
    let selections = data.given_codings(opts.accepted_only);

    let user_guid = |source: Source, coder: &str| match source {
        Source::Machine => machine_user_guid(),
        Source::Human => guid("user", &format!("human:{coder}")),
        Source::Gold => guid("user", &format!("gold:{coder}")),
    };
    let mut users: BTreeMap<String, String> = BTreeMap::new();
    users.insert(machine_user_guid(), MACHINE_USER_NAME.to_string());
    for s in &selections {
        if s.source != Source::Machine {
            users.insert(user_guid(s.source, &s.coder), s.coder.clone());
        }
    }
    // Reviewers' memos on sentences still stored, as REFI-QDA notes: what
    // NVivo and ATLAS.ti show as a memo or comment on the passage. Each is
    // referred to from a selection of its sentence that codes nothing.
    let mut memos: Vec<(&StoredSegment, store::ReviewRecord)> = store
        .reviews()?
        .into_iter()
        .filter(|r| r.memo.as_deref().is_some_and(|m| !m.trim().is_empty()))
        .filter_map(|r| Some((*segments.get(&r.segment_id?)?, r)))
        .collect();
    memos.sort_by(|(a, ra), (b, rb)| {
        (&a.document, a.start_char, a.end_char, ra.id).cmp(&(
            &b.document,
            b.start_char,
            b.end_char,
            rb.id,
        ))
    });
    for (_, r) in &memos {
        users.insert(user_guid(Source::Human, &r.reviewer), r.reviewer.clone());
    }
    let note_guid =
        |r: &store::ReviewRecord| guid("note", &format!("review:{}:{}", r.id, r.created_at));

    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd\" \
         name=\"{}\" origin=\"autocode {}\" creatingUserGUID=\"{}\">\n",
        xml(&opts.project),
        env!("CARGO_PKG_VERSION"),
        machine_user_guid()
    ));

    // Users: the machine first, then people by name.
    x.push_str("  <Users>\n");
    let mut user_list: Vec<(&String, &String)> = users.iter().collect();
    user_list.sort_by_key(|(g, name)| (**g != machine_user_guid(), (*name).clone(), (*g).clone()));
    for (g, name) in &user_list {
        x.push_str(&format!(
            "    <User guid=\"{g}\" name=\"{}\"/>\n",
            xml(name)
        ));
    }
    x.push_str("  </Users>\n");

    // CodeBook: the codes as the `.qdc` writer writes them (same GUIDs,
    // same descriptions), codes found only in codings included.
    let codebook = classify::Codebook {
        name: data.codebook_name.clone(),
        codes: data
            .codes
            .iter()
            .map(|c| classify::Code {
                id: c.id.clone(),
                name: c.name.clone(),
                parent: c.parent.clone(),
                definition: c.definition.clone(),
                color: c.color.clone(),
                // Criteria, examples and the catch-all mark as the codebook
                // has them, so the `.qdc` and this `<CodeBook>` are the same
                // (before, only the definition was written here: a team's
                // coding rules were gone in NVivo / ATLAS.ti / MAXQDA).
                ..data.written_codes.get(&c.id).cloned().unwrap_or_default()
            })
            .collect(),
    };
    x.push_str("  <CodeBook>\n");
    classify::qdc::write_codes(&mut x, &codebook, 2);
    x.push_str("  </CodeBook>\n");

    // Variables and Cases: participants and their attributes.
    let keys: BTreeSet<&String> = data.attributes.values().flat_map(|a| a.keys()).collect();
    let kinds: BTreeMap<&String, VariableKind> = keys
        .iter()
        .map(|k| {
            let values = data.attributes.values().filter_map(|a| a.get(*k));
            (*k, VariableKind::of(values))
        })
        .collect();
    if !keys.is_empty() {
        x.push_str("  <Variables>\n");
        for k in &keys {
            x.push_str(&format!(
                "    <Variable guid=\"{}\" name=\"{}\" typeOfVariable=\"{}\"/>\n",
                guid("variable", k),
                xml(k),
                kinds[k].type_name()
            ));
        }
        x.push_str("  </Variables>\n");
    }
    // A Case is a participant, as in the report's counts: a speaker who only
    // moderates (an interviewer, a survey's question turns) is none, even when
    // the participants file gives it attributes. Their sentences are still
    // sources' text and keep their codings.
    let mut cases: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut moderating: BTreeSet<&str> = BTreeSet::new();
    for s in &data.segments {
        if let Some(p) = &s.participant_id {
            if s.is_moderator {
                moderating.insert(p);
            } else {
                cases.entry(p).or_default().insert(&s.document);
            }
        }
    }
    for p in data.attributes.keys() {
        if !moderating.contains(p.as_str()) {
            cases.entry(p).or_default();
        }
    }
    // In a document several participants speak in (a focus group, a
    // survey export's respondents), a Case holds its participant's turns,
    // each a selection, as NVivo's auto-coding by speaker makes them: a
    // Case referring to the whole document gave each respondent every
    // answer. A document with one participant is their Case whole.
    let mut speakers_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (p, docs) in &cases {
        for d in docs {
            speakers_of.entry(d).or_default().insert(p);
        }
    }
    // (document, turn) → (participant, first start, last end, first
    // sentence), in order.
    let mut turns: BTreeMap<(&str, i64), (&str, i64, i64, &str)> = BTreeMap::new();
    for s in &data.segments {
        let Some(p) = s.participant_id.as_deref() else {
            continue;
        };
        if s.is_moderator
            || speakers_of
                .get(s.document.as_str())
                .is_none_or(|ps| ps.len() < 2)
        {
            continue;
        }
        let t = turns.entry((s.document.as_str(), s.turn_index)).or_insert((
            p,
            s.start_char,
            s.end_char,
            s.text.as_str(),
        ));
        t.1 = t.1.min(s.start_char);
        t.2 = t.2.max(s.end_char);
    }
    let turn_guid = |doc: &str, turn: i64| guid("turn", &format!("{doc}:{turn}"));
    let mut turns_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((doc, turn), (p, _, _, _)) in &turns {
        turns_of.entry(p).or_default().push(turn_guid(doc, *turn));
    }
    if !cases.is_empty() {
        x.push_str("  <Cases>\n");
        for (p, docs) in &cases {
            x.push_str(&format!(
                "    <Case guid=\"{}\" name=\"{}\">\n",
                guid("case", p),
                xml(p)
            ));
            if let Some(attrs) = data.attributes.get(*p) {
                for (k, v) in attrs {
                    let tag = kinds
                        .get(k)
                        .map_or("TextValue", |kind| kind.value_element());
                    x.push_str(&format!(
                        "      <VariableValue>\n        <VariableRef targetGUID=\"{}\"/>\n        <{tag}>{}</{tag}>\n      </VariableValue>\n",
                        guid("variable", k),
                        xml(v.trim())
                    ));
                }
            }
            for d in docs {
                if speakers_of.get(d).is_some_and(|ps| ps.len() < 2) {
                    x.push_str(&format!(
                        "      <SourceRef targetGUID=\"{}\"/>\n",
                        guid("source", d)
                    ));
                }
            }
            for g in turns_of.get(*p).map(Vec::as_slice).unwrap_or(&[]) {
                x.push_str(&format!("      <SelectionRef targetGUID=\"{g}\"/>\n"));
            }
            x.push_str("    </Case>\n");
        }
        x.push_str("  </Cases>\n");
    }

    // Sources with their selections.
    let documents = store.documents()?;
    let mut by_doc: BTreeMap<&str, Vec<&GivenCoding>> = BTreeMap::new();
    for s in &selections {
        by_doc.entry(&s.segment.document).or_default().push(s);
    }
    // Document → sentence → its memos, in sentence order.
    type SentenceMemos<'a> = (&'a StoredSegment, Vec<&'a store::ReviewRecord>);
    let mut memos_by_doc: BTreeMap<&str, BTreeMap<(i64, i64), SentenceMemos>> = BTreeMap::new();
    for (seg, r) in &memos {
        memos_by_doc
            .entry(&seg.document)
            .or_default()
            .entry((seg.start_char, seg.end_char))
            .or_insert_with(|| (seg, Vec::new()))
            .1
            .push(r);
    }
    let mut files: Vec<(String, String)> = Vec::new();
    x.push_str("  <Sources>\n");
    for d in &documents {
        let text = store.document_text(&d.name)?.unwrap_or_default();
        let g = guid("source", &d.name);
        x.push_str(&format!(
            "    <TextSource guid=\"{g}\" name=\"{}\" plainTextPath=\"internal://{g}.txt\">\n",
            xml(&d.name)
        ));
        for s in by_doc
            .get(d.name.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let seg = s.segment;
            let user = user_guid(s.source, &s.coder);
            let key = format!(
                "{}:{}:{}:{}:{}:{}",
                seg.document,
                seg.start_char,
                seg.end_char,
                s.code_id,
                s.source.as_str(),
                s.coder
            );
            let desc = match s.source {
                Source::Machine => format!(
                    "autocode machine coding; code={}; confidence={:.4}; classifier={}",
                    s.code_id, s.confidence, s.coder
                ),
                other => format!(
                    "autocode {} coding; code={}; coder={}; confidence=1",
                    other.as_str(),
                    s.code_id,
                    s.coder
                ),
            };
            // A person's coding carries when it was made (NVivo and
            // ATLAS.ti show it; without it every coding of a study read
            // as made on the day of import). Not the machine's: its time
            // is the run's, and two exports of the same codings would differ.
            let made = s
                .created_at
                .filter(|t| is_xs_date_time(t))
                .map(|t| format!(" creationDateTime=\"{}\"", xml(t)))
                .unwrap_or_default();
            x.push_str(&format!(
                "      <PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{}\" endPosition=\"{}\" creatingUser=\"{user}\"{made}>\n\
                 \x20       <Description>{}</Description>\n\
                 \x20       <Coding guid=\"{}\" creatingUser=\"{user}\"{made}>\n\
                 \x20         <CodeRef targetGUID=\"{}\"/>\n\
                 \x20       </Coding>\n\
                 \x20     </PlainTextSelection>\n",
                guid("selection", &key),
                xml(&crate::output::truncate_chars(&seg.text, 60)),
                seg.start_char,
                seg.end_char,
                xml(&desc),
                guid("coding", &key),
                code_guid(&s.code_id),
            ));
        }
        for ((start, end), (seg, notes)) in memos_by_doc.get(d.name.as_str()).into_iter().flatten()
        {
            let key = format!("{}:{start}:{end}", d.name);
            let text = seg.text.as_str();
            x.push_str(&format!(
                "      <PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\">\n\
                 \x20       <Description>autocode reviewers' memos on this sentence</Description>\n",
                guid("memo-selection", &key),
                xml(&crate::output::truncate_chars(text, 60)),
            ));
            for r in notes {
                x.push_str(&format!(
                    "        <NoteRef targetGUID=\"{}\"/>\n",
                    note_guid(r)
                ));
            }
            x.push_str("      </PlainTextSelection>\n");
        }
        // Each participant's turn in a document several speak in: what
        // their Case holds (no coding).
        for ((_, turn), (p, start, end, first)) in
            turns.range((d.name.as_str(), i64::MIN)..=(d.name.as_str(), i64::MAX))
        {
            x.push_str(&format!(
                "      <PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{start}\" endPosition=\"{end}\">\n\
                 \x20       <Description>autocode: a turn of participant {}</Description>\n\
                 \x20     </PlainTextSelection>\n",
                turn_guid(&d.name, *turn),
                xml(&crate::output::truncate_chars(&format!("{p}: {first}"), 60)),
                xml(p),
            ));
        }
        x.push_str("    </TextSource>\n");
        files.push((format!("sources/{g}.txt"), text));
    }
    x.push_str("  </Sources>\n");
    if !memos.is_empty() {
        x.push_str("  <Notes>\n");
        for (_, r) in &memos {
            let what = match (r.decision.as_str(), &r.code_id, &r.new_code_id) {
                ("memo", Some(code), _) => format!("memo on {code}"),
                (decision, Some(code), Some(new)) => format!("{decision} {code} → {new}"),
                (decision, _, Some(new)) => format!("{decision} {new}"),
                (decision, Some(code), None) => format!("{decision} {code}"),
                (decision, None, None) => decision.to_string(),
            };
            x.push_str(&format!(
                "    <Note guid=\"{}\" name=\"{}\" creatingUser=\"{}\" creationDateTime=\"{}\">\n\
                 \x20     <PlainTextContent>{}</PlainTextContent>\n\
                 \x20   </Note>\n",
                note_guid(r),
                xml(&format!("{}: {what}", r.reviewer)),
                user_guid(Source::Human, &r.reviewer),
                xml(&r.created_at),
                xml(r.memo.as_deref().unwrap_or_default()),
            ));
        }
        x.push_str("  </Notes>\n");
    }
    x.push_str("</Project>\n");

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // Deflate level 3, not the default 6: on the pipeline bench's 100k
    // sentences the export is 13.2 MB instead of 12.6 MB and the report
    // takes 2.1 s instead of 2.4 s (measured 2026-12-05; level 1: 18.7 MB).
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(3))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let zerr = |e: zip::result::ZipError| Error::Invalid(format!("writing .qdpx: {e}"));
    zip.start_file("project.qde", options).map_err(zerr)?;
    zip.write_all(x.as_bytes())
        .map_err(|e| Error::Invalid(format!("writing .qdpx: {e}")))?;
    for (name, text) in &files {
        zip.start_file(name.as_str(), options).map_err(zerr)?;
        zip.write_all(text.as_bytes())
            .map_err(|e| Error::Invalid(format!("writing .qdpx: {e}")))?;
    }
    let bytes = zip.finish().map_err(zerr)?.into_inner();
    Ok((
        bytes,
        ExportSummary {
            sources: documents.len(),
            selections: selections.len(),
            notes: memos.len(),
            codes: data.codes.len(),
            cases: cases.len(),
            users: users.len(),
        },
    ))
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `Human` or `Gold`.
    pub source: Source,
    /// Coder name for every coding; default: the QDPX user who made it.
    pub coder: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub sources: usize,
    pub matched_sources: usize,
    /// New `codings` rows.
    pub codings_added: usize,
    /// Rows that were already in the store.
    pub already_present: usize,
    /// Codings by autocode's machine user (an autocode export read back): not human.
    pub skipped_machine: usize,
    /// Selections covering no stored sentence (a title or header line
    /// ingest keeps no sentence for), each named: one per selection, however
    /// many codes it gives. Before, a bare count of their codings said
    /// neither where nor what (h24/02).
    pub unplaced_selections: Vec<UnplacedSelection>,
    /// Codings of a whole source (a `<Coding>` on the `<TextSource>`
    /// itself, as the schema allows): not imported, since autocode codes
    /// sentences, and said so. Before, they were skipped without a word
    /// (he/04).
    pub whole_source_codings: usize,
    /// Codings an earlier import put on a document, by a coder this file
    /// holds codings of that document by, that it no longer gives: taken
    /// back. A coder without a coding of a document in the file keeps
    /// theirs.
    pub codings_removed: usize,
    /// Code names not in the codebook → codings skipped.
    pub unknown_codes: BTreeMap<String, usize>,
    /// Sources left out, whole or in part, each with why: no stored
    /// document has its text, the file does not hold its text (a linked
    /// document), its codings are on a PDF's regions, a picture or a
    /// recording rather than on text, or some are on words its copy of the
    /// stored document changed.
    pub unmatched_sources: Vec<String>,
    /// Matched sources no person coded anything in (a QDA project holds
    /// every transcript, coded or not) and no earlier gold import covers:
    /// imported as gold, they are not marked as coded by people, so their
    /// sentences keep the machine's codes rather than reading as "no code
    /// applies". A document an earlier import covered keeps that import's
    /// codings and marks (a colleague's copy of the project holds every
    /// transcript, coded by them or not).
    pub uncoded_sources: Vec<String>,
    /// Sources matched by name whose text differs from the stored
    /// document's (a typo corrected in the QDA program) and every coding of
    /// which was placed through the differences, each with where they
    /// differ. One with codings on the changed text is in
    /// `unmatched_sources` instead.
    pub edited_sources: Vec<String>,
}

/// A selection that covers no stored sentence: its codings are not imported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnplacedSelection {
    /// The source's name in the file.
    pub source: String,
    /// The stored document it matched.
    pub document: String,
    /// The selection's GUID, where it has one.
    pub guid: Option<String>,
    /// Its positions in the file's text (code points, end exclusive).
    pub start: usize,
    pub end: usize,
    /// Its text's beginning, on one line.
    pub text: String,
    /// The codes its codings give, as the file names them.
    pub codes: Vec<String>,
}

impl ImportSummary {
    /// Whether anything was left out.
    pub fn partial(&self) -> bool {
        !self.unknown_codes.is_empty()
            || !self.unmatched_sources.is_empty()
            || !self.unplaced_selections.is_empty()
            || self.whole_source_codings > 0
    }
}

/// Code-point index → index in the text as ingest stores it: `\r\n` (and
/// lone `\r`) as `\n`, and without the invisible marks ingest drops
/// ([`corpus::is_invisible_mark`]: direction marks, zero-width spaces, a
/// byte-order mark inside the text). Another tool's copy of a transcript
/// keeps those marks; before, such a copy never matched its stored text
/// and every coding of it was dropped (h8/01).
struct Normalized {
    chars: Vec<char>,
    /// `to_norm[i]`: normalized index of original index i (len = original + 1).
    to_norm: Vec<usize>,
    /// `from_norm[j]`: original index of normalized index j (len = normalized + 1).
    from_norm: Vec<usize>,
}

fn normalize(text: &str) -> Normalized {
    let orig: Vec<char> = text.chars().collect();
    let mut chars = Vec::with_capacity(orig.len());
    let mut to_norm = Vec::with_capacity(orig.len() + 1);
    let mut from_norm = Vec::with_capacity(orig.len() + 1);
    for (i, &c) in orig.iter().enumerate() {
        // A dropped character's position is that of the next one kept.
        to_norm.push(chars.len());
        if (c == '\r' && orig.get(i + 1) == Some(&'\n')) || corpus::is_invisible_mark(c) {
            continue;
        }
        from_norm.push(i);
        chars.push(if c == '\r' { '\n' } else { c });
    }
    to_norm.push(chars.len());
    from_norm.push(orig.len());
    Normalized {
        chars,
        to_norm,
        from_norm,
    }
}

fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

fn stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map(|(s, _)| s).unwrap_or(base)
}

/// A stretch of text two copies share: (start in the file's copy, start in
/// the stored text, length), in normalized positions.
type Run = (usize, usize, usize);

/// How a source's text lines up with its stored document's.
enum Alignment {
    /// The same text, but for what [`normalize`] reads alike and the white
    /// space ending either.
    Same,
    /// The same document with words changed on one side (a typo corrected
    /// in the QDA program after the transcript was ingested): the stretches
    /// both share, in order, none adjacent to the next on both sides.
    Edited(Vec<Run>),
}

impl Alignment {
    /// The stored document's (start, end) of the file's selection
    /// `start..end` (code points of the file's text): `None` when its text
    /// is not unchanged in the stored one (it lies on changed words), so
    /// no coding of it is placed on a sentence it was not in.
    fn place(
        &self,
        src: &Normalized,
        dst: &Normalized,
        start: usize,
        end: usize,
    ) -> Option<(i64, i64)> {
        let (from, to) = (src.to_norm[start], src.to_norm[end]);
        match self {
            // Positions in the final white space one text has and the
            // other lacks fall at the other's end.
            Alignment::Same => {
                let last = dst.from_norm.len() - 1;
                let at = |i: usize| dst.from_norm[i.min(last)] as i64;
                Some((at(from), at(to)))
            }
            Alignment::Edited(runs) => {
                let run = runs[..runs.partition_point(|r| r.0 <= from)].last()?;
                if to > run.0 + run.2 {
                    return None;
                }
                let (from, to) = (run.1 + from - run.0, run.1 + to - run.0);
                // The end just after the selection's last character, not
                // after a `\r` or a mark the store dropped there.
                let end = match to > from {
                    true => dst.from_norm[to - 1] + 1,
                    false => dst.from_norm[to],
                };
                Some((dst.from_norm[from] as i64, end as i64))
            }
        }
    }

    /// Whether the stored text `start..end` (code points) is in the file's
    /// copy unchanged.
    fn unchanged_in_store(&self, dst: &Normalized, start: i64, end: i64) -> bool {
        let Alignment::Edited(runs) = self else {
            return true;
        };
        let at = |i: i64| {
            usize::try_from(i)
                .ok()
                .and_then(|i| dst.to_norm.get(i).copied())
        };
        let (Some(from), Some(to)) = (at(start), at(end)) else {
            return false;
        };
        runs[..runs.partition_point(|r| r.1 <= from)]
            .last()
            .is_some_and(|r| to <= r.1 + r.2)
    }
}

/// Most lines a file's copy and the stored text may differ in for it to be
/// read as the same document edited: past it, they are two texts.
const MAX_CHANGED_LINES: usize = 1_000;

/// The stretches the file's copy `a` and the stored text `b` share, when
/// they are one document with words changed: a line diff, then a character
/// diff of each pair of changed passages. `None` when they share less than
/// half of either, or differ in more than [`MAX_CHANGED_LINES`] lines: then
/// they are different texts that happen to share a name.
fn align_texts(a: &[char], b: &[char]) -> Option<Vec<Run>> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    // Each line (its final `\n` included) as its (start, end), and as a
    // number the same line has in both texts.
    let lines = |t: &[char]| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in t.iter().enumerate() {
            if *c == '\n' {
                out.push((start, i + 1));
                start = i + 1;
            }
        }
        if start < t.len() {
            out.push((start, t.len()));
        }
        out
    };
    let (a_lines, b_lines) = (lines(a_mid), lines(b_mid));
    let mut ids: std::collections::HashMap<&[char], usize> = std::collections::HashMap::new();
    let (mut a_ids, mut b_ids) = (Vec::new(), Vec::new());
    for (text, lines, out) in [(a_mid, &a_lines, &mut a_ids), (b_mid, &b_lines, &mut b_ids)] {
        for &(s, e) in lines {
            let next = ids.len();
            out.push(*ids.entry(&text[s..e]).or_insert(next));
        }
    }
    let line_runs = shared_runs(&a_ids, &b_ids, MAX_CHANGED_LINES)?;

    let mut runs: Vec<Run> = vec![(0, 0, prefix)];
    let (mut i, mut j) = (0, 0);
    let ends = std::iter::once((a_lines.len(), b_lines.len(), 0));
    for (li, lj, len) in line_runs.into_iter().chain(ends) {
        // The changed lines before this run: the characters they share,
        // where they are mostly the same (a word corrected, not a passage
        // rewritten, whose few common letters place nothing).
        if li > i && lj > j {
            let (a0, a1) = (a_lines[i].0, a_lines[li - 1].1);
            let (b0, b1) = (b_lines[j].0, b_lines[lj - 1].1);
            let (pa, pb) = (&a_mid[a0..a1], &b_mid[b0..b1]);
            // Time is (length × edits): a long passage may differ in few.
            let max_edits = (20_000_000 / (pa.len() + pb.len())).clamp(16, 1_000);
            if let Some(shared) = shared_runs(pa, pb, max_edits) {
                let same: usize = shared.iter().map(|r| r.2).sum();
                if same * 2 >= pa.len().max(pb.len()) {
                    runs.extend(
                        shared
                            .into_iter()
                            .map(|(x, y, n)| (prefix + a0 + x, prefix + b0 + y, n)),
                    );
                }
            }
        }
        if len > 0 {
            let (a0, b0) = (a_lines[li].0, b_lines[lj].0);
            runs.push((prefix + a0, prefix + b0, a_lines[li + len - 1].1 - a0));
        }
        (i, j) = (li + len, lj + len);
    }
    runs.push((a.len() - suffix, b.len() - suffix, suffix));
    // Runs that follow on in both texts are one stretch.
    let mut merged: Vec<Run> = Vec::with_capacity(runs.len());
    for r in runs.into_iter().filter(|r| r.2 > 0) {
        match merged.last_mut() {
            Some(m) if m.0 + m.2 == r.0 && m.1 + m.2 == r.1 => m.2 += r.2,
            _ => merged.push(r),
        }
    }
    let shared: usize = merged.iter().map(|r| r.2).sum();
    (shared * 2 >= a.len().max(b.len())).then_some(merged)
}

/// The stretches of equal items of an edit script from `a` to `b`, in
/// order; `None` past `max_edits` insertions and deletions. The script is
/// `similar`'s Myers diff: a shortest one, but where the search grows
/// costly, a good one (as Git's diff settles for). It is abandoned at the
/// first edit past the cap, so two texts that are not one cost little.
fn shared_runs<T: Hash + Eq>(a: &[T], b: &[T], max_edits: usize) -> Option<Vec<Run>> {
    /// The equal stretches reported so far, each as long as it goes on.
    struct Runs {
        runs: Vec<Run>,
        edits: usize,
        max_edits: usize,
    }
    /// More edits than the cap: the diff is abandoned.
    struct TooManyEdits;
    impl Runs {
        fn edit(&mut self, n: usize) -> Result<(), TooManyEdits> {
            self.edits += n;
            match self.edits > self.max_edits {
                true => Err(TooManyEdits),
                false => Ok(()),
            }
        }
    }
    impl DiffHook for Runs {
        type Error = TooManyEdits;
        fn equal(
            &mut self,
            old_index: usize,
            new_index: usize,
            len: usize,
        ) -> Result<(), Self::Error> {
            match self.runs.last_mut() {
                Some(r) if r.0 + r.2 == old_index && r.1 + r.2 == new_index => r.2 += len,
                _ if len > 0 => self.runs.push((old_index, new_index, len)),
                _ => {}
            }
            Ok(())
        }
        fn delete(&mut self, _: usize, old_len: usize, _: usize) -> Result<(), Self::Error> {
            self.edit(old_len)
        }
        fn insert(&mut self, _: usize, _: usize, new_len: usize) -> Result<(), Self::Error> {
            self.edit(new_len)
        }
    }
    let mut runs = Runs {
        runs: Vec::new(),
        edits: 0,
        max_edits,
    };
    diff_slices(Algorithm::Myers, &mut runs, a, b).ok()?;
    Some(runs.runs)
}

/// Where the file's copy `a` differs from the stored text `b` (aligned by
/// `runs`): (how many places, the first's stored line, its stored words,
/// the file's words). Changes within a word or in words next to each
/// other are one place ("teh" read as "the" is two edits); the words are
/// cut at 40 characters.
fn first_difference(a: &[char], b: &[char], runs: &[Run]) -> (usize, usize, String, String) {
    let widen = |t: &[char], mut s: usize, mut e: usize| -> (usize, usize) {
        while s > 0 && !t[s - 1].is_whitespace() {
            s -= 1;
        }
        while e < t.len() && !t[e].is_whitespace() {
            e += 1;
        }
        (s, e)
    };
    // Each place: its words' (start, end) in the file's copy and the store.
    let mut places: Vec<((usize, usize), (usize, usize))> = Vec::new();
    let (mut i, mut j) = (0, 0);
    for &(x, y, n) in runs.iter().chain([(a.len(), b.len(), 0)].iter()) {
        if x > i || y > j {
            let (wa, wb) = (widen(a, i, x), widen(b, j, y));
            match places.last_mut() {
                Some((pa, pb)) if wa.0 <= pa.1 || wb.0 <= pb.1 => {
                    pa.1 = pa.1.max(wa.1);
                    pb.1 = pb.1.max(wb.1);
                }
                _ => places.push((wa, wb)),
            }
        }
        (i, j) = (x + n, y + n);
    }
    let Some(&((a0, a1), (b0, b1))) = places.first() else {
        return (0, 0, String::new(), String::new());
    };
    let words = |t: &[char], s: usize, e: usize| {
        crate::output::truncate_chars(&t[s..e].iter().collect::<String>(), 40)
    };
    let line = b[..b0].iter().filter(|c| **c == '\n').count() + 1;
    (places.len(), line, words(b, b0, b1), words(a, a0, a1))
}

/// Largest inflated size of any one `.qdpx` entry (`project.qde`, each
/// `sources/` text) the import reads: a few megabytes of deflate can inflate
/// to gigabytes. The same limit as a DOCX's document.xml.
pub const MAX_QDPX_ENTRY_BYTES: u64 = 256 << 20;

/// The project XML (`project.qde`) of the `.qdpx` at `path`, capped at
/// [`MAX_QDPX_ENTRY_BYTES`] inflated: its `<CodeBook>` is the project's
/// codebook, which `autocode code --codebook project.qdpx` reads.
pub fn project_xml(path: &Path) -> Result<String, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| Error::Invalid(format!("{}: not a .qdpx (zip) file: {e}", path.display())))?;
    let names = entry_names(&zip);
    let (_, text) = read_project_entry(&mut zip, &names, path)?;
    Ok(text)
}

/// The archive's entry names.
fn entry_names(zip: &zip::ZipArchive<std::fs::File>) -> Vec<String> {
    zip.file_names()
        .filter_map(|n| n.ok())
        .map(|n| n.to_string())
        .collect()
}

/// The name and text of the archive's project XML: `project.qde`, else the
/// one `.qde` at its top level.
fn read_project_entry(
    zip: &mut zip::ZipArchive<std::fs::File>,
    names: &[String],
    path: &Path,
) -> Result<(String, String), Error> {
    let shown = path.display().to_string();
    let bad = |msg: String| Error::Invalid(format!("{shown}: {msg}"));
    let qde = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("project.qde"))
        .or_else(|| {
            names
                .iter()
                .find(|n| n.to_ascii_lowercase().ends_with(".qde") && !n.contains('/'))
        })
        .cloned()
        .ok_or_else(|| bad("no project.qde inside".into()))?;
    let text = read_capped_entry(zip, &qde, path)?;
    Ok((qde, text))
}

/// One archive entry as UTF-8 text without its byte-order mark, capped at
/// [`MAX_QDPX_ENTRY_BYTES`] inflated.
fn read_capped_entry(
    zip: &mut zip::ZipArchive<std::fs::File>,
    name: &str,
    path: &Path,
) -> Result<String, Error> {
    let shown = path.display().to_string();
    let bad = |msg: String| Error::Invalid(format!("{shown}: {msg}"));
    let f = zip.by_name(name).map_err(|e| bad(format!("{name}: {e}")))?;
    let declared = f.size();
    let bytes = corpus::archive::read_entry_capped(f, declared, MAX_QDPX_ENTRY_BYTES).map_err(
        |e| match e {
            corpus::archive::CappedReadError::TooLarge { .. } => bad(format!(
                "{name}: {e}; refused (a zip bomb, or not a REFI-QDA project)"
            )),
            corpus::archive::CappedReadError::Io(_) => bad(format!("{name}: {e}")),
        },
    )?;
    let text = String::from_utf8(bytes).map_err(|e| bad(format!("{name}: not UTF-8 ({e})")))?;
    Ok(strip_bom(&text).to_string())
}

/// The REFI-QDA source elements whose codings are not on a text's
/// positions (a PDF's text codings are: its `<Representation>` is read as a
/// text source).
const NON_TEXT_SOURCES: [&str; 4] = ["PDFSource", "PictureSource", "AudioSource", "VideoSource"];

/// Each `<Code>`'s path of names (trimmed, lower case) from the top of the
/// codebook under `root`, by its GUID (lower case); a code nested deeper
/// than a codebook may nest has none (its path is none of ours). Made
/// top-down in one pass, a code's path its enclosing code's and its own
/// name: copying every ancestor's name for each code took 2.8 GB for a
/// project whose codes nest 10,000 deep, and walking up from each, time
/// quadratic in the depth.
fn code_paths_by_guid(root: roxmltree::Node) -> BTreeMap<String, Vec<String>> {
    let is_code = |n: &roxmltree::Node| n.is_element() && n.tag_name().name() == "Code";
    let mut by_guid = BTreeMap::new();
    // Each code's path, `None` past the limit, in document order; and, by
    // node index, the innermost code a node is or is inside (an index into
    // `paths`): a node's parent comes before it in document order.
    let mut paths: Vec<Option<Vec<String>>> = Vec::new();
    let mut innermost_code: Vec<Option<usize>> = Vec::new();
    for n in root.descendants() {
        let enclosing = n
            .parent()
            .and_then(|p| innermost_code.get(p.id().get_usize()).copied().flatten());
        let mut innermost = enclosing;
        if is_code(&n) {
            let path = match enclosing {
                None => Some(Vec::new()),
                Some(k) => paths[k].clone(),
            }
            .filter(|p| p.len() < MAX_HIERARCHY_DEPTH)
            .map(|mut p| {
                p.push(n.attribute("name").unwrap_or("").trim().to_lowercase());
                p
            });
            if let (Some(g), Some(path)) = (n.attribute("guid"), &path) {
                by_guid.insert(g.to_ascii_lowercase(), path.clone());
            }
            paths.push(path);
            innermost = Some(paths.len() - 1);
        }
        let at = n.id().get_usize();
        if innermost_code.len() <= at {
            innermost_code.resize(at + 1, None);
        }
        innermost_code[at] = innermost;
    }
    by_guid
}

/// Reads `path` and stores its codings on the matching sentences. Every
/// archive entry read is capped at [`MAX_QDPX_ENTRY_BYTES`] inflated.
pub fn import_qdpx(
    store: &mut Store,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, Error> {
    if opts.source == Source::Machine {
        return Err(Error::Invalid(
            "QDPX import stores human or gold codings, not machine".into(),
        ));
    }
    let shown = path.display().to_string();
    let bad = |msg: String| Error::Invalid(format!("{shown}: {msg}"));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| bad(format!("not a .qdpx (zip) file: {e}")))?;
    let names = entry_names(&zip);
    let (qde, project_xml) = read_project_entry(&mut zip, &names, path)?;
    let read_entry =
        |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| read_capped_entry(zip, name, path);
    let doc = roxmltree::Document::parse(&project_xml)
        .map_err(|e| bad(format!("{qde}: not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Project" {
        return Err(bad(format!(
            "{qde}: root element is <{}>, not <Project>",
            root.tag_name().name()
        )));
    }
    let named = |n: &roxmltree::Node, name: &str| n.is_element() && n.tag_name().name() == name;

    let mut users: BTreeMap<String, String> = BTreeMap::new();
    let mut code_names: BTreeMap<String, String> = BTreeMap::new();
    // Each of the project's codes' names from its root (`Barriers`,
    // `Other`): "Other" under two parents is two codes.
    let code_paths = code_paths_by_guid(root);
    for n in root.descendants() {
        if named(&n, "User") {
            if let Some(g) = n.attribute("guid") {
                users.insert(
                    g.to_ascii_lowercase(),
                    n.attribute("name").unwrap_or(g).to_string(),
                );
            }
        } else if named(&n, "Code") {
            if let Some(g) = n.attribute("guid") {
                code_names.insert(
                    g.to_ascii_lowercase(),
                    n.attribute("name").unwrap_or("").to_string(),
                );
            }
        }
    }

    // Our codebook: GUID, id or name → code id.
    let data = ProjectData::load(store)?;
    let mut code_by_guid: BTreeMap<String, String> = BTreeMap::new();
    let mut code_by_name: BTreeMap<String, String> = BTreeMap::new();
    for c in data.codes.iter().filter(|c| c.in_codebook) {
        code_by_guid.insert(code_guid(&c.id).to_ascii_lowercase(), c.id.clone());
        code_by_name.insert(c.name.trim().to_lowercase(), c.id.clone());
    }
    for c in data.codes.iter().filter(|c| c.in_codebook) {
        code_by_name.insert(c.id.trim().to_lowercase(), c.id.clone());
    }
    // A name two codes share names neither: matched by its path of names
    // instead (before, the last code of that name took every coding).
    let mut name_count: BTreeMap<String, usize> = BTreeMap::new();
    for c in data.codes.iter().filter(|c| c.in_codebook) {
        *name_count.entry(c.name.trim().to_lowercase()).or_default() += 1;
    }
    let by_id: BTreeMap<&str, &crate::data::CodeNode> =
        data.codes.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut code_by_path: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for c in data.codes.iter().filter(|c| c.in_codebook) {
        let mut path = vec![c.name.trim().to_lowercase()];
        let mut at = c.parent.as_deref();
        let mut hops = 0;
        while let Some(p) = at.and_then(|p| by_id.get(p)) {
            path.push(p.name.trim().to_lowercase());
            at = p.parent.as_deref();
            hops += 1;
            if hops > data.codes.len() {
                break;
            }
        }
        path.reverse();
        code_by_path.insert(path, c.id.clone());
    }
    let documents = store.documents()?;
    let mut segs_by_doc: BTreeMap<&str, Vec<&StoredSegment>> = BTreeMap::new();
    for s in &data.segments {
        segs_by_doc.entry(&s.document).or_default().push(s);
    }

    let mut summary = ImportSummary::default();
    let mut rows: BTreeSet<(i64, String, String)> = BTreeSet::new();
    // When each row was coded, where the file says (its earliest date).
    let mut dates: BTreeMap<(i64, String, String), String> = BTreeMap::new();
    let mut covered_docs: BTreeSet<String> = BTreeSet::new();
    // Each matched document's coders in this file: whose earlier imports
    // of it this one replaces.
    let mut coders_by_doc: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Stored sentences a source's copy changed the words of.
    let mut changed_segments: BTreeSet<i64> = BTreeSet::new();
    // A coding a person made: not by autocode's machine user (the coding's
    // own `creatingUser`, else its selection's).
    let machine = machine_user_guid().to_ascii_lowercase();
    let by_person = |coding: &roxmltree::Node| {
        let user = coding
            .attribute("creatingUser")
            .or_else(|| coding.parent().and_then(|p| p.attribute("creatingUser")))
            .map(|u| u.to_ascii_lowercase());
        user.as_deref() != Some(machine.as_str())
    };
    // The sources with a plain text to place selections in: each
    // `<TextSource>`, and each PDF's `<Representation>` (a
    // `TextSourceType`: the PDF's text, holding its text codings), named
    // as its PDF is. Before, a PDF's text codings were not read (h8/02).
    let text_sources: Vec<(roxmltree::Node, String)> = root
        .descendants()
        .filter_map(|n| {
            let outer = if named(&n, "TextSource") {
                n
            } else if named(&n, "Representation") {
                n.parent().filter(|p| named(p, "PDFSource"))?
            } else {
                return None;
            };
            let name = [outer, n]
                .iter()
                .find_map(|e| e.attribute("name"))
                .or(outer.attribute("guid"))
                .unwrap_or("?");
            Some((n, name.to_string()))
        })
        .collect();
    for (source, sname) in text_sources {
        summary.sources += 1;
        let inline = source
            .children()
            .find(|c| named(c, "PlainTextContent"))
            .map(|c| c.text().unwrap_or("").to_string());
        let text_path = source.attribute("plainTextPath");
        let entry = text_path
            .and_then(|p| p.strip_prefix("internal://"))
            .and_then(|file| {
                names.iter().find(|n| {
                    n.split_once('/').is_some_and(|(dir, rest)| {
                        dir.eq_ignore_ascii_case("sources") && rest == file
                    })
                })
            });
        let text = match (entry, inline) {
            (Some(entry), _) => read_entry(&mut zip, entry)?,
            (None, Some(inline)) => inline,
            // A source whose text this file does not hold (a document the
            // QDA program links rather than embeds, `relative://` or a
            // path; an export missing a file) is left out as an unmatched
            // one is, and the rest imported. Before, it failed the whole
            // import (h8/03).
            (None, None) => {
                let why = match text_path {
                    Some(p) if p.starts_with("internal://") => {
                        format!("its text {p} is not in the archive")
                    }
                    Some(p) => format!(
                        "its text is not in the archive (plainTextPath {p:?} links a file outside it)"
                    ),
                    None => "it has no text (no plainTextPath, no PlainTextContent)".to_string(),
                };
                let codings = source
                    .descendants()
                    .filter(|c| named(c, "Coding") && by_person(c))
                    .count();
                let left_out = match codings {
                    0 => "skipped (no person coded in it)".to_string(),
                    1 => "skipped with its 1 coding; export the project with its sources embedded to import it".to_string(),
                    n => format!("skipped with its {n} codings; export the project with its sources embedded to import them"),
                };
                summary
                    .unmatched_sources
                    .push(format!("{sname}: {why}: {left_out}"));
                continue;
            }
        };
        let src = normalize(&text);
        // The stored document: same name, same name without extension, or same text.
        let candidates: Vec<&store::DocumentSummary> = documents
            .iter()
            .filter(|d| d.name == sname)
            .chain(
                documents
                    .iter()
                    .filter(|d| d.name != sname && stem(&d.name) == stem(&sname)),
            )
            .collect();
        // The same text, but for the white space ending it: a tool that
        // adds or drops a final line break keeps every position before it
        // (he/03: a whole interview's codings were dropped over one "\n").
        let trimmed = |c: &[char]| -> usize {
            c.len() - c.iter().rev().take_while(|ch| ch.is_whitespace()).count()
        };
        let same = |a: &Normalized, b: &Normalized| {
            a.chars[..trimmed(&a.chars)] == b.chars[..trimmed(&b.chars)]
        };
        let mut matched: Option<(String, Normalized, Alignment)> = None;
        // Documents of the source's name whose text differs from the file's.
        let mut named_other: Vec<(String, Normalized)> = Vec::new();
        for d in candidates {
            let stored = store.document_text(&d.name)?.unwrap_or_default();
            let n = normalize(&stored);
            if same(&n, &src) {
                matched = Some((d.name.clone(), n, Alignment::Same));
                break;
            }
            named_other.push((d.name.clone(), n));
        }
        if matched.is_none() {
            for d in &documents {
                let stored = store.document_text(&d.name)?.unwrap_or_default();
                let n = normalize(&stored);
                if same(&n, &src) {
                    matched = Some((d.name.clone(), n, Alignment::Same));
                    break;
                }
            }
        }
        // No stored document has the file's text, one has its name: the
        // document with words changed in the QDA program since it was
        // ingested (a typo corrected), when the two mostly agree. Its
        // selections are placed through the differences. Before, one
        // corrected letter dropped every coding of the document, with a
        // warning that no document had its text (h24/01).
        let other_name = named_other.first().map(|(name, _)| name.clone());
        if matched.is_none() {
            matched = named_other.into_iter().find_map(|(name, n)| {
                align_texts(&src.chars, &n.chars).map(|runs| (name, n, Alignment::Edited(runs)))
            });
        }
        let Some((doc_name, dst, alignment)) = matched else {
            let why = match other_name {
                Some(name) => format!(
                    "the stored document `{name}` of this name has another text, and no stored document has this text"
                ),
                None => "no stored document has this text".to_string(),
            };
            let codings = source
                .descendants()
                .filter(|c| named(c, "Coding") && by_person(c))
                .count();
            summary.unmatched_sources.push(format!(
                "{sname}: {why}: skipped with its {codings} coding{}",
                if codings == 1 { "" } else { "s" }
            ));
            continue;
        };
        summary.matched_sources += 1;
        let rows_before = rows.len();
        let segments = segs_by_doc
            .get(doc_name.as_str())
            .cloned()
            .unwrap_or_default();
        summary.whole_source_codings += source
            .children()
            .filter(|c| named(c, "Coding"))
            .filter(|c| {
                c.attribute("creatingUser").map(str::to_ascii_lowercase)
                    != Some(machine_user_guid().to_ascii_lowercase())
            })
            .count();
        let src_len = src.to_norm.len() - 1;
        // Codings whose selection lies on words the file's copy changed.
        let mut on_changed_text = 0usize;
        for sel in source.children().filter(|c| named(c, "PlainTextSelection")) {
            let pos = |attr: &str| -> Result<usize, Error> {
                let raw = sel.attribute(attr).unwrap_or("");
                raw.trim().parse::<usize>().map_err(|_| {
                    bad(format!(
                        "source {sname:?}, selection {}: {attr} {raw:?} is not a position",
                        sel.attribute("guid").unwrap_or("?")
                    ))
                })
            };
            let (start, end) = (pos("startPosition")?, pos("endPosition")?);
            if start > end {
                return Err(bad(format!(
                    "source {sname:?}, selection {}: positions {start}..{end} are reversed (the start is after the end)",
                    sel.attribute("guid").unwrap_or("?")
                )));
            }
            if end > src_len {
                return Err(bad(format!(
                    "source {sname:?}, selection {}: positions {start}..{end} outside its text of {src_len} characters",
                    sel.attribute("guid").unwrap_or("?")
                )));
            }
            let placed = alignment.place(&src, &dst, start, end);
            let (s, e) = placed.unwrap_or((0, 0));
            let overlap =
                |seg: &StoredSegment| (e.min(seg.end_char) - s.max(seg.start_char)).max(0);
            let mut covered: Vec<i64> = segments
                .iter()
                .filter(|seg| {
                    let len = seg.end_char - seg.start_char;
                    (len > 0 && overlap(seg) * 2 >= len)
                        || (s >= seg.start_char && e <= seg.end_char && e > s)
                })
                .map(|seg| seg.id)
                .collect();
            // A selection across a sentence break that covers less than
            // half of each ("an hour each way. I waited three weeks"): the
            // sentence it overlaps most (the first of equals). Before, it
            // was dropped as covering no sentence (he/01).
            if covered.is_empty() {
                if let Some(best) = segments
                    .iter()
                    .filter(|seg| overlap(seg) > 0)
                    .max_by(|a, b| {
                        overlap(a)
                            .cmp(&overlap(b))
                            .then(b.start_char.cmp(&a.start_char))
                    })
                {
                    covered.push(best.id);
                }
            }
            let sel_user = sel
                .attribute("creatingUser")
                .map(|u| u.to_ascii_lowercase());
            // The codes of this selection's codings no sentence takes.
            let mut unplaced_codes: Vec<String> = Vec::new();
            for coding in sel.children().filter(|c| named(c, "Coding")) {
                let user = coding
                    .attribute("creatingUser")
                    .map(|u| u.to_ascii_lowercase())
                    .or(sel_user.clone());
                if user.as_deref() == Some(machine_user_guid().to_ascii_lowercase().as_str()) {
                    summary.skipped_machine += 1;
                    continue;
                }
                let coder = opts
                    .coder
                    .clone()
                    .or_else(|| user.as_ref().and_then(|u| users.get(u).cloned()))
                    .unwrap_or_else(|| "qdpx".to_string());
                // This coder's work on the document is in this file: it
                // replaces what an earlier import of theirs put there.
                coders_by_doc
                    .entry(doc_name.clone())
                    .or_default()
                    .insert(coder.clone());
                let Some(target) = coding
                    .children()
                    .find(|c| named(c, "CodeRef"))
                    .and_then(|c| c.attribute("targetGUID"))
                    .map(|g| g.to_ascii_lowercase())
                else {
                    continue;
                };
                let code = code_by_guid
                    .get(&target)
                    .cloned()
                    .or_else(|| {
                        code_paths
                            .get(&target)
                            .and_then(|p| code_by_path.get(p))
                            .cloned()
                    })
                    .or_else(|| {
                        code_names.get(&target).and_then(|n| {
                            let n = n.trim().to_lowercase();
                            (name_count.get(&n).copied().unwrap_or(0) <= 1)
                                .then(|| code_by_name.get(&n).cloned())
                                .flatten()
                        })
                    });
                let Some(code) = code else {
                    let shared = code_paths.get(&target).and_then(|path| {
                        let n = path.last()?;
                        let count = name_count.get(n).copied().unwrap_or(0);
                        (count > 1).then(|| (path.join("\\"), count))
                    });
                    let name = code_names.get(&target).cloned().unwrap_or(target);
                    let label = match shared {
                        Some((path, count)) => format!(
                            "{name} (a name {count} codes share; its path {path} is none of theirs)"
                        ),
                        None => name,
                    };
                    *summary.unknown_codes.entry(label).or_default() += 1;
                    continue;
                };
                if placed.is_none() {
                    on_changed_text += 1;
                    continue;
                }
                if covered.is_empty() {
                    let name = code_names
                        .get(&target)
                        .map(|n| n.trim())
                        .filter(|n| !n.is_empty())
                        .map_or(code, str::to_string);
                    if !unplaced_codes.contains(&name) {
                        unplaced_codes.push(name);
                    }
                    continue;
                }
                // The coding's own date, else its selection's: kept, so an
                // export read back says when people coded, not when it was read.
                let made = coding
                    .attribute("creationDateTime")
                    .or(sel.attribute("creationDateTime"))
                    .map(str::trim)
                    .filter(|t| is_xs_date_time(t));
                for seg in &covered {
                    let key = (*seg, code.clone(), coder.clone());
                    if let Some(t) = made {
                        let earliest = dates.entry(key.clone()).or_insert_with(|| t.to_string());
                        if t < earliest.as_str() {
                            *earliest = t.to_string();
                        }
                    }
                    rows.insert(key);
                }
            }
            if !unplaced_codes.is_empty() {
                summary.unplaced_selections.push(UnplacedSelection {
                    source: sname.clone(),
                    document: doc_name.clone(),
                    guid: sel.attribute("guid").map(str::to_string),
                    start,
                    end,
                    text: crate::output::truncate_chars(
                        &text
                            .chars()
                            .skip(start)
                            .take(end - start)
                            .collect::<String>(),
                        60,
                    ),
                    codes: unplaced_codes,
                });
            }
        }
        if let Alignment::Edited(runs) = &alignment {
            let (places, line, stored_words, file_words) =
                first_difference(&src.chars, &dst.chars, runs);
            // The stored sentences on changed text: what the file says of
            // them is not known, so an earlier import's codings of them
            // stay, and as gold they are not marked as coded by people.
            let changed = segments
                .iter()
                .filter(|seg| !alignment.unchanged_in_store(&dst, seg.start_char, seg.end_char))
                .map(|seg| changed_segments.insert(seg.id))
                .count();
            let left = match changed {
                0 => String::new(),
                n => format!(
                    "; the {n} stored sentence{} on changed words {} left as {} ({})",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" },
                    if n == 1 { "it was" } else { "they were" },
                    if opts.source == Source::Gold {
                        "no earlier coding taken back, not marked as coded by people"
                    } else {
                        "no earlier coding taken back"
                    },
                ),
            };
            let differs = format!(
                "its text differs from the stored document `{doc_name}` in {places} place{} \
                 ({}on line {line}: {stored_words:?} there, {file_words:?} in the file){left}",
                if places == 1 { "" } else { "s" },
                if places == 1 { "" } else { "the first " },
            );
            if on_changed_text > 0 {
                summary.unmatched_sources.push(format!(
                    "{sname}: {differs}; {on_changed_text} coding{} on changed words not imported, \
                     the rest placed through the differences",
                    if on_changed_text == 1 { "" } else { "s" }
                ));
            } else {
                summary.edited_sources.push(format!(
                    "{sname}: {differs}; every coding placed through the differences"
                ));
            }
        }
        // Only a source a person coded in was read by one (see
        // `uncoded_sources`); the rows are a set, so a coding it repeats
        // from another source's text still counts as its own here.
        let coded_here = rows.len() > rows_before
            || source
                .children()
                .filter(|c| named(c, "PlainTextSelection"))
                .flat_map(|sel| sel.children().filter(|c| named(c, "Coding")))
                .any(|coding| by_person(&coding));
        // A document an earlier gold import covered keeps it (and its
        // codings) when this file holds no coding of it: not "uncoded".
        let covered_before = data
            .gold_coverage
            .as_ref()
            .is_some_and(|c| segments.iter().any(|seg| c.covers(seg.id)));
        if coded_here {
            covered_docs.insert(doc_name.clone());
        } else if !covered_before {
            summary.uncoded_sources.push(sname.clone());
        }
    }
    // Codings autocode cannot place, since it codes a text's sentences: a
    // PDF's regions (`<PDFSelection>`), a picture's, a recording's
    // stretches and its transcript's (`<TranscriptSelection>`, placed by
    // time, not text positions), and such a source coded whole. Each
    // source holding any is named with their count. Before, these sources
    // were not read at all, and the import said nothing (h8/02).
    for source in root
        .descendants()
        .filter(|n| NON_TEXT_SOURCES.iter().any(|kind| named(n, kind)))
    {
        let kind = source.tag_name().name();
        let mut held: BTreeMap<String, usize> = BTreeMap::new();
        for coding in source
            .descendants()
            .filter(|c| named(c, "Coding") && by_person(c))
            // A PDF's text codings were read with its text above.
            .filter(|c| !c.ancestors().any(|a| named(&a, "Representation")))
        {
            let holder = match coding.parent() {
                Some(p) if p != source => format!("<{}>", p.tag_name().name()),
                _ => format!("on the <{kind}> itself"),
            };
            *held.entry(holder).or_default() += 1;
        }
        if held.is_empty() {
            continue;
        }
        let total: usize = held.values().sum();
        let sname = source
            .attribute("name")
            .or(source.attribute("guid"))
            .unwrap_or("?");
        let detail = held
            .iter()
            .map(|(holder, n)| format!("{n} {holder}"))
            .collect::<Vec<_>>()
            .join(", ");
        summary.unmatched_sources.push(format!(
            "{sname} (<{kind}>): {total} coding{} not imported ({detail}): autocode codes text, \
             not a PDF's regions, a picture or a recording; code the passage in the source's text in the QDA program",
            if total == 1 { "" } else { "s" }
        ));
    }

    let version = data.codebook_version;
    let source = opts.source.as_str();
    let classifier = format!(
        "qdpx:{}",
        path.file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default()
    );
    // A gold project coded whole documents: mark the sentences of those a
    // person coded in as covered, so a sentence without a gold coding
    // reads as "no code applies".
    let coverage: Vec<i64> =
        if opts.source == Source::Gold && crate::data::table_exists(store, "gold_coverage")? {
            data.segments
                .iter()
                .filter(|s| {
                    covered_docs.contains(&s.document)
                        && !s.is_moderator
                        && !changed_segments.contains(&s.id)
                })
                .map(|s| s.id)
                .collect()
        } else {
            Vec::new()
        };
    // A coder's work on a document replaces what an earlier import of
    // theirs put there: a corrected export (a coding moved from one code
    // to another after a coding meeting) read again takes back what it no
    // longer gives (he/02; before, imports only added, so the sentence kept
    // both codes). Only the coders the file holds codings of the document
    // by: a colleague's copy of the project lists every user, and it took
    // back every other coder's earlier import while their documents stayed
    // covered, each sentence a "no" for every code (h24/03). Sentences on
    // words the file's copy changed keep theirs.
    let replaced: Vec<(&String, Vec<i64>)> = coders_by_doc
        .iter()
        .flat_map(|(doc, coders)| {
            let held: Vec<i64> = segs_by_doc
                .get(doc.as_str())
                .into_iter()
                .flatten()
                .filter(|s| !changed_segments.contains(&s.id))
                .map(|s| s.id)
                .collect();
            coders.iter().map(move |coder| (coder, held.clone()))
        })
        .collect();
    let (added, present, removed) = store.write(|tx| -> Result<(usize, usize, usize), Error> {
        let (mut added, mut present) = (0, 0);
        // What was there, and when it was coded: a coding the file gives
        // again keeps its date unless the file says one.
        let mut before: BTreeMap<(i64, String, String), String> = BTreeMap::new();
        for (coder, held) in &replaced {
            for (seg, code, at) in store::remove_imported_codings(tx, held, source, coder)? {
                before.insert((seg, code, (*coder).clone()), at);
            }
        }
        for seg in &coverage {
            store::add_gold_coverage(tx, *seg)?;
        }
        let now = store::now();
        for row in &rows {
            let (seg, code, coder) = row;
            let coding = store::SettledCoding {
                segment_id: *seg,
                code_id: code,
                codebook_version: version,
                source,
                coder,
                classifier: Some(&classifier),
                created_at: dates.get(row).or(before.get(row)).unwrap_or(&now),
            };
            let written = store::add_settled_coding(tx, &coding)?;
            if written && !before.contains_key(row) {
                added += 1;
            } else {
                present += 1;
            }
        }
        let removed = before.keys().filter(|r| !rows.contains(*r)).count();
        Ok((added, present, removed))
    })?;
    summary.codings_added = added;
    summary.already_present = present;
    summary.codings_removed = removed;
    Ok(summary)
}

/// A participant attribute's REFI-QDA variable type, from its values: an
/// attribute whose every value is a whole number (`Age`: `72`) is
/// `Integer`, a number `Float`, an ISO date (`2024-03-14`, as spreadsheet
/// dates are read) `Date`, anything else `Text`. Before, every variable
/// was `Text`, and NVivo's and ATLAS.ti's numeric filters (age over 65)
/// could not read an age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VariableKind {
    Text,
    Integer,
    Float,
    Date,
}

impl VariableKind {
    fn of<'a>(values: impl Iterator<Item = &'a String>) -> VariableKind {
        let numeric = |v: &str| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
                && v.chars().any(|c| c.is_ascii_digit())
        };
        // A leading zero (`007`, an id) is text, not the number 7.
        let integer = |v: &str| {
            let digits = v.trim_start_matches(['-', '+']);
            numeric(v) && v.parse::<i64>().is_ok() && !(digits.len() > 1 && digits.starts_with('0'))
        };
        let float = |v: &str| {
            let digits = v.trim_start_matches(['-', '+']);
            numeric(v)
                && v.parse::<f64>().is_ok_and(f64::is_finite)
                && !(digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0."))
        };
        let date = |v: &str| {
            let b = v.as_bytes();
            b.len() == 10
                && b[4] == b'-'
                && b[7] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
                && {
                    // A day the month has (`2023-02-29`, `2024-04-31` are
                    // no xsd:date, and other tools may refuse the project).
                    let year = v[0..4].parse::<u32>().unwrap_or(0);
                    let month = v[5..7].parse::<u32>().unwrap_or(0);
                    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
                    let days = match month {
                        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                        4 | 6 | 9 | 11 => 30,
                        2 if leap => 29,
                        2 => 28,
                        _ => 0,
                    };
                    (1..=days).contains(&v[8..10].parse::<u32>().unwrap_or(0))
                }
        };
        let values: Vec<&str> = values.map(|v| v.trim()).collect();
        if values.is_empty() {
            VariableKind::Text
        } else if values.iter().all(|v| integer(v)) {
            VariableKind::Integer
        } else if values.iter().all(|v| float(v)) {
            VariableKind::Float
        } else if values.iter().all(|v| date(v)) {
            VariableKind::Date
        } else {
            VariableKind::Text
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            VariableKind::Text => "Text",
            VariableKind::Integer => "Integer",
            VariableKind::Float => "Float",
            VariableKind::Date => "Date",
        }
    }

    /// The schema's element for one value of this type.
    fn value_element(self) -> &'static str {
        match self {
            VariableKind::Text => "TextValue",
            VariableKind::Integer => "IntegerValue",
            VariableKind::Float => "FloatValue",
            VariableKind::Date => "DateValue",
        }
    }
}

/// Whether `t` is an XML Schema `dateTime` as REFI-QDA's
/// `creationDateTime` needs (`2024-03-14T10:22:33`, fractions of a second
/// and a zone `Z` or `+01:00` optional): the store's times are, an
/// imported file's may not be, and a malformed one would make the export
/// invalid. Checked by hand: no date crate is a dependency, and this is
/// its shape only.
pub fn is_xs_date_time(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 19
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &t[19..];
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &f[n..];
    }
    let zone = rest.as_bytes();
    rest.is_empty()
        || rest == "Z"
        || (zone.len() == 6
            && (zone[0] == b'+' || zone[0] == b'-')
            && zone[1..3].iter().all(u8::is_ascii_digit)
            && zone[3] == b':'
            && zone[4..6].iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod code_paths_tests {
    use super::code_paths_by_guid;

    /// `<Code>` elements nested `depth` deep, named `Level 0`, `Level 1`, …
    fn nested(depth: usize) -> String {
        let mut xml = String::from("<Project><CodeBook><Codes>");
        for i in 0..depth {
            xml.push_str(&format!(r#"<Code guid="G{i}" name=" Level {i} ">"#));
            xml.push_str("<Description>d</Description>");
        }
        xml.push_str(&"</Code>".repeat(depth));
        xml.push_str("</Codes></CodeBook></Project>");
        xml
    }

    #[test]
    fn a_codes_path_is_its_names_from_the_top() {
        let xml = r#"<Project><CodeBook><Codes>
            <Code guid="A" name="Barriers"><Code guid="B" name=" Other "/></Code>
            <Code guid="C" name="Other"><Code name="No guid"><Code guid="D" name="Misc"/></Code></Code>
        </Codes></CodeBook></Project>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let paths = code_paths_by_guid(doc.root_element());
        let path = |g: &str| paths[g].join("\\");
        assert_eq!(paths.len(), 4);
        assert_eq!(path("a"), "barriers");
        assert_eq!(path("b"), "barriers\\other");
        assert_eq!(path("c"), "other");
        assert_eq!(path("d"), "other\\no guid\\misc");
    }

    /// 10,000 levels copied every ancestor's name per code (5·10⁷ names,
    /// 2.8 GB); past the 64 a codebook may nest, a code has no path.
    #[test]
    fn codes_past_the_depth_limit_have_no_path() {
        let xml = nested(10_000);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let paths = code_paths_by_guid(doc.root_element());
        assert_eq!(paths.len(), 64);
        let deepest = &paths["g63"];
        assert_eq!(deepest.len(), 64);
        assert_eq!(deepest[0], "level 0");
        assert_eq!(deepest[63], "level 63");
        assert!(!paths.contains_key("g64"));
    }
}

#[cfg(test)]
mod variable_kind_tests {
    use super::VariableKind;

    fn kind(values: &[&str]) -> VariableKind {
        let owned: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        VariableKind::of(owned.iter())
    }

    #[test]
    fn a_variables_type_follows_all_its_values() {
        assert_eq!(kind(&["72", "66", "-3"]), VariableKind::Integer);
        assert_eq!(kind(&["72", "66.5"]), VariableKind::Float);
        assert_eq!(kind(&["0.5", "12"]), VariableKind::Float);
        assert_eq!(kind(&["2024-03-14", "2023-12-01"]), VariableKind::Date);
        assert_eq!(kind(&["2024-02-29", "2000-02-29"]), VariableKind::Date);
        // No such day: text, not an invalid xsd:date.
        assert_eq!(kind(&["2024-03-14", "2023-02-29"]), VariableKind::Text);
        assert_eq!(kind(&["2024-04-31"]), VariableKind::Text);
        assert_eq!(kind(&["1900-02-29"]), VariableKind::Text);
        // Ids with leading zeros, bands, a date not in ISO form, a value
        // Rust would read as a float: text.
        for values in [
            &["007", "12"][..],
            &["30-39", "40-49"],
            &["14/03/2024"],
            &["inf"],
            &["NaN"],
            &["1e5"],
            &["2024-13-01"],
            &["72", "unknown"],
            &[],
        ] {
            assert_eq!(kind(values), VariableKind::Text, "{values:?}");
        }
    }
}

#[cfg(test)]
mod alignment_tests {
    use super::{align_texts, first_difference, normalize, shared_runs, Alignment};

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// The diff's equal stretches are whole (none follows on from the one
    /// before in both texts) and in order; past the cap there are none.
    #[test]
    fn shared_runs_are_whole_stretches_within_the_edit_cap() {
        // "ABCABBA" → "CBABAC" (Myers's example): four equal items, five
        // edits.
        let runs = shared_runs(b"ABCABBA", b"CBABAC", 100).unwrap();
        let (mut i, mut j) = (0, 0);
        for (k, &(x, y, n)) in runs.iter().enumerate() {
            assert!(x >= i && y >= j && n > 0, "{runs:?}");
            assert!(k == 0 || x > i || y > j, "{runs:?}");
            assert_eq!(b"ABCABBA"[x..x + n], b"CBABAC"[y..y + n]);
            (i, j) = (x + n, y + n);
        }
        assert_eq!(runs.iter().map(|r| r.2).sum::<usize>(), 4);
        assert_eq!(shared_runs(b"ABCABBA", b"CBABAC", 4), None);
        assert_eq!(
            shared_runs(b"the same text", b"the same text", 0),
            Some(vec![(0, 0, 13)])
        );
        assert_eq!(shared_runs(b"", b"", 0), Some(vec![]));
        // "abc" → "xyz" takes six edits.
        assert_eq!(shared_runs(b"abc", b"xyz", 5), None);
        assert_eq!(shared_runs(b"abc", b"xyz", 6), Some(vec![]));
        // Of the two shortest scripts for "teh" → "the", the one keeping "e".
        assert_eq!(
            shared_runs(b"I went to teh park", b"I went to the park", 2),
            Some(vec![(0, 0, 11), (11, 12, 1), (13, 13, 5)])
        );
    }

    /// A typo corrected in the file's copy ("teh" → "the") and a word put
    /// back ("so"): selections on unchanged text land where their text is
    /// in the stored one, positions after the added word three earlier;
    /// one on a changed word is not placed; a stored sentence with a
    /// changed word is told from one without.
    #[test]
    fn a_copy_with_words_changed_places_its_unchanged_text() {
        let stored = "A: I went to teh park.\r\nB: It is lovely.\r\nA: I go every day.\r\n";
        let file = "A: I went to the park.\nB: It is so lovely.\nA: I go every day.\n";
        let (dst, src) = (normalize(stored), normalize(file));
        let runs = align_texts(&src.chars, &dst.chars).unwrap();
        let alignment = Alignment::Edited(runs.clone());
        let span = |t: &str, part: &str| {
            let s = t[..t.find(part).unwrap()].chars().count();
            (s, s + part.chars().count())
        };
        let place = |part: &str| {
            let (s, e) = span(file, part);
            alignment.place(&src, &dst, s, e)
        };
        let stored_at = |part: &str| {
            let (s, e) = span(stored, part);
            Some((s as i64, e as i64))
        };
        assert_eq!(place("I went to"), stored_at("I went to"));
        assert_eq!(place("I go every day."), stored_at("I go every day."));
        assert_eq!(place("lovely."), stored_at("lovely."));
        assert_eq!(place("the park"), None);
        assert_eq!(place("It is so lovely."), None);
        let unchanged = |part: &str| {
            let (s, e) = span(stored, part);
            alignment.unchanged_in_store(&dst, s as i64, e as i64)
        };
        assert!(!unchanged("I went to teh park."));
        assert!(!unchanged("It is lovely."));
        assert!(unchanged("I go every day."));
        assert_eq!(
            first_difference(&src.chars, &dst.chars, &runs),
            (2, 1, "teh".to_string(), "the".to_string())
        );
    }

    /// Two texts that share a name and little else are not aligned; a long
    /// text with a few typos is, in little time.
    #[test]
    fn texts_sharing_little_are_not_one_document() {
        assert!(align_texts(
            &chars("Interviewer: How do you get to work?\nP1: By bus, mostly.\n"),
            &chars("Interviewer: Tell me about your street.\nP2: It is quiet and the bins are collected.\n"),
        )
        .is_none());
        let line = |i: usize| format!("P{i}: I think teh bus is late most days, number {i}.\n");
        let stored: String = (0..20_000).map(line).collect();
        let file = stored
            .replacen("teh", "the", 3)
            .replace("number 19999", "nr 19999");
        let runs = align_texts(&chars(&file), &chars(&stored)).unwrap();
        let (places, line_no, there, here) =
            first_difference(&chars(&file), &chars(&stored), &runs);
        assert_eq!(
            (places, line_no, there.as_str(), here.as_str()),
            (4, 1, "teh", "the")
        );
        let other: String = (0..20_000)
            .map(|i| format!("Q{i}: Something else was said here, item {}.\n", i * 7))
            .collect();
        assert!(align_texts(&chars(&other), &chars(&stored)).is_none());
    }
}
