//! WebVTT and SRT captions. The speaker of a cue comes from a `<v Name>` voice
//! tag or a `Name:` label; a cue without one continues the previous speaker.
//! A cue where two people speak (a second voice, a second labelled line) is
//! split there, each part its speaker's, over the cue's times.
//!
//! Consecutive cues of one speaker are merged into one turn, the way NVivo
//! and ATLAS.ti users read a transcript (a turn is what one person says until
//! someone else speaks; caption cues are display chunks of a few seconds that
//! often cut sentences in half). Each sentence still keeps the times of the
//! cues it spans: start of the first, end of the last.
//!
//! The document text is one line per turn, `Name: cue text cue text`, so the
//! stored text reads as a transcript; offsets point into it.

use std::collections::{HashMap, HashSet};

use super::{Cue, RawDocument, RawTurn, Reader, SourceFile};
use crate::decode::decode_text;
use crate::error::{IngestError, Result};
use crate::speaker::{parse_clock, parse_speaker_line};
use crate::SourceFormat;

pub struct VttReader;
pub struct SrtReader;

impl Reader for VttReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Vtt
    }
    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let text = decode_text(file.path, file.bytes)?.text;
        let cues = parse_cues(file, &text, true)?;
        Ok(vec![assemble(file.name, cues)])
    }
}

impl Reader for SrtReader {
    fn format(&self) -> SourceFormat {
        SourceFormat::Srt
    }
    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let text = decode_text(file.path, file.bytes)?.text;
        let cues = parse_cues(file, &text, false)?;
        Ok(vec![assemble(file.name, cues)])
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ParsedCue {
    speaker: Option<String>,
    role: Option<String>,
    start_ms: u64,
    end_ms: u64,
    text: String,
}

fn bad(file: SourceFile<'_>, line: usize, message: impl Into<String>) -> IngestError {
    IngestError::BadCaption {
        file: file.path.into(),
        line,
        message: message.into(),
    }
}

fn parse_cues(file: SourceFile<'_>, text: &str, vtt: bool) -> Result<Vec<ParsedCue>> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    if vtt {
        let first = lines.first().copied().unwrap_or("");
        if !(first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t")) {
            return Err(bad(file, 1, "missing the `WEBVTT` header line"));
        }
    }
    // Blocks of non-blank lines, with the 1-based number of their first line.
    // In WebVTT only an empty line ends a cue: YouTube's automatic captions
    // hold a line of one space inside each cue, which was read as the
    // cue's end and the file refused. SRT has no such rule; a line of
    // white space ends its block.
    let blank = |line: &str| {
        if vtt {
            line.is_empty()
        } else {
            line.trim().is_empty()
        }
    };
    let mut blocks: Vec<(usize, Vec<&str>)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if blank(line) {
            continue;
        }
        match blocks.last_mut() {
            Some((start, b)) if *start + b.len() == i + 1 => b.push(line),
            _ => blocks.push((i + 1, vec![line])),
        }
    }
    let display_names = display_name_labels(&blocks, vtt);
    // Each cue's times and its pieces' speakers and lines, before rolling
    // repeats go.
    let mut bodies: Vec<CueLines> = Vec::new();
    let mut current_speaker: Option<Speaker> = None;
    for (block_no, (first_line, block)) in blocks.iter().enumerate() {
        if vtt && block_no == 0 {
            continue; // the header block
        }
        let head = block[0].trim_start();
        if vtt
            && (head.starts_with("NOTE") || head.starts_with("STYLE") || head.starts_with("REGION"))
        {
            continue;
        }
        let timing_at = match block.iter().take(2).position(|l| l.contains("-->")) {
            Some(i) => i,
            None => {
                // The line meant as the timing: the first of the two that
                // holds a clock (a cue id comes before it), else the first.
                let meant = block
                    .iter()
                    .take(2)
                    .position(|l| l.contains(':') && l.chars().any(|c| c.is_ascii_digit()))
                    .unwrap_or(0);
                let expected = if vtt {
                    "expected a cue timing line `00:00:01.000 --> 00:00:04.000`"
                } else {
                    "expected a subtitle timing line `00:00:01,000 --> 00:00:04,000`"
                };
                return Err(bad(
                    file,
                    first_line + meant,
                    format!("{expected}, found `{}`", block[meant].trim()),
                ));
            }
        };
        let timing_line = first_line + timing_at;
        let (start_ms, end_ms) = parse_timing(block[timing_at]).ok_or_else(|| {
            bad(
                file,
                timing_line,
                format!("bad cue timing `{}`", block[timing_at].trim()),
            )
        })?;
        let raw = block[timing_at + 1..].join("\n");
        let mut pieces: Vec<Piece> = Vec::new();
        for (voice, cleaned) in strip_tags(&raw) {
            let lines = cleaned
                .split('\n')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty());
            if let Some(voice) = voice {
                current_speaker = Some(voice_speaker(&voice));
                pieces.push((current_speaker.clone(), lines.collect()));
                continue;
            }
            // A cue without a voice: each line headed by a label starts
            // that speaker's piece, as a line of a text transcript does;
            // lines without one continue the speaker before them.
            let mut piece: Vec<String> = Vec::new();
            for line in lines {
                match line_label(&line, &display_names) {
                    Some((speaker, rest)) => {
                        if !piece.is_empty() {
                            pieces.push((current_speaker.clone(), std::mem::take(&mut piece)));
                        }
                        current_speaker = Some(speaker);
                        if !rest.is_empty() {
                            piece.push(rest);
                        }
                    }
                    None => piece.push(line),
                }
            }
            if !piece.is_empty() {
                pieces.push((current_speaker.clone(), piece));
            }
        }
        pieces.retain(|(_, lines)| !lines.is_empty());
        bodies.push((start_ms, end_ms, pieces));
    }
    let rolling = rolling_captions(&bodies);
    let mut cues = Vec::new();
    let mut previous_last: Option<String> = None;
    for (start_ms, end_ms, mut pieces) in bodies {
        let last = pieces.last().and_then(|(_, lines)| lines.last()).cloned();
        if rolling {
            // The line the last cue ended with, shown again on top.
            if let (Some(prev), Some((_, first))) = (&previous_last, pieces.first_mut()) {
                if first.first() == Some(prev) {
                    first.remove(0);
                }
            }
        }
        if last.is_some() {
            previous_last = last;
        }
        // Each piece is a cue of its own speaker over the cue's times:
        // where in the cue the voice changes is not known.
        for (who, lines) in pieces {
            let text = lines.join(" ");
            if text.is_empty() {
                continue;
            }
            let (speaker, role) = match who {
                Some((s, r)) => (Some(s), r),
                None => (None, None),
            };
            cues.push(ParsedCue {
                speaker,
                role,
                start_ms,
                end_ms,
                text,
            });
        }
    }
    Ok(cues)
}

/// A speaker's name and role.
type Speaker = (String, Option<String>);

/// The part of a cue one speaker says: who (none before any label) and
/// the lines.
type Piece = (Option<Speaker>, Vec<String>);

/// A cue's start and end (ms) and its pieces, in order: one, or one per
/// voice or labelled line where two people speak in one cue.
type CueLines = (u64, u64, Vec<Piece>);

/// The speaker of a `<v Name>` voice. A voice's bracket is its role, as a
/// text label's is (`<v Maria Lopez (Guest)>` was the participant `Maria
/// Lopez (Guest)`, and a text export's `Maria Lopez (Guest)  0:20`
/// another, `Maria Lopez`); pronouns are no role.
fn voice_speaker(voice: &str) -> Speaker {
    let (name, role) = crate::speaker::name_and_bracket(voice);
    if crate::speaker::is_name_like(name) || crate::speaker::is_surname_given(name) {
        (name.to_string(), role)
    } else {
        (voice.to_string(), None)
    }
}

/// The speaker a line of a cue without a voice starts with, and the words
/// after the label: a `Name:` label as a text transcript reads it, or one
/// of the document's own display names ([`display_name_labels`]: `karen
/// doyle: …`, `[SPEAKER_00]: …`). Every line is read so, not only a cue's
/// first: a cue of two people's lines (`ANNA: About ten years.` /
/// `INTERVIEWER: And before that?`, a dual-speaker subtitle) gave the
/// second line, label and all, to the first speaker (h3/02).
fn line_label(line: &str, display_names: &HashSet<String>) -> Option<(Speaker, String)> {
    if let Some(label) = parse_speaker_line(line) {
        let rest = line[label.text_start..].trim().to_string();
        return Some(((label.name, label.role), rest));
    }
    if let Some((name, rest)) =
        display_name_prefix(line).filter(|(name, _)| display_names.contains(name.as_str()))
    {
        return Some(((name, None), rest.to_string()));
    }
    crate::speaker::relaxed_label(line)
        .filter(|l| display_names.contains(l.name.as_str()))
        .map(|l| {
            let rest = line[l.text_start..].trim().to_string();
            ((l.name, l.role), rest)
        })
}

/// Whether cues roll up, as YouTube's automatic captions (and live
/// captioning in "roll-up" mode) write them: each cue shows the line the
/// cue before it ended with, then its new words, so every line of speech
/// is written two or three times (a 29-word answer was stored as 87
/// words). Decided for the file: at least three cues, and at least half of
/// those after the first begin with the previous cue's last line. A
/// speaker who says the same line in two cues of an ordinary file keeps
/// both.
fn rolling_captions(bodies: &[CueLines]) -> bool {
    // A cue's first and last lines, over its pieces.
    let with_text: Vec<(&String, &String)> = bodies
        .iter()
        .filter_map(|(_, _, pieces)| {
            let first = pieces.first()?.1.first()?;
            let last = pieces.last()?.1.last()?;
            Some((first, last))
        })
        .collect();
    if with_text.len() < 3 {
        return false;
    }
    let repeated = with_text.windows(2).filter(|w| w[0].1 == w[1].0).count();
    2 * repeated >= with_text.len() - 1
}

/// A cue's `Name: words` as a meeting tool writes it with the display
/// name as the user set it: `karen doyle: …`, `Karen's iPhone: …`, `Helen
/// Ward (she/her): …` (Zoom's transcript). The name (pronouns left out)
/// and the words, where the prefix is short and holds no sentence
/// punctuation; [`display_name_labels`] decides whether a document is
/// labelled so.
fn display_name_prefix(line: &str) -> Option<(String, &str)> {
    let (prefix, rest) = line.split_once(": ")?;
    let mut name = prefix.trim();
    if let Some(open) = name.rfind(" (") {
        if name.ends_with(')') && crate::speaker::is_pronouns(&name[open + 2..name.len() - 1]) {
            name = name[..open].trim_end();
        }
    }
    (crate::speaker::is_display_name(name) || crate::speaker::is_surname_given(name))
        .then(|| (name.to_string(), rest.trim()))
}

/// The display names of a caption file whose cues each start with one
/// (Zoom's transcript `.vtt`), where the strict label rules miss them
/// (lower case, `Karen's iPhone`), or with a label a text transcript
/// reads where its document repeats it ([`crate::speaker::relaxed_label`]:
/// WhisperX's and pyannote's `[SPEAKER_00]: words`; before, such a file
/// was one speakerless sentence holding the whole interview, labels and
/// all): the names that head at least two cues, in a file where at least
/// half of three or more cues start with such a prefix. Empty elsewhere,
/// so a cue's "he said: no" is speech.
///
/// A name heading one cue is a label too where the file leaves no doubt
/// (hy/01: a focus group member who says "Yeah, same." once was the
/// moderator's turn before, label and all, and not counted): another of
/// its family (`SPEAKER_03` beside `SPEAKER_00`'s cues, `Speaker 4`
/// beside `Speaker 1`'s), or, where nine in ten cues or more are headed
/// by such names and some name heads two, a name of a person's shape
/// ([`is_person_display_name`]: `karen doyle`, `Sam's Galaxy S21`). In a
/// file half of whose cues run on unlabelled, a cue's "so then he
/// said: no" stays speech, and so does a sentence's opening anywhere
/// ("Well:", "my point:").
fn display_name_labels(blocks: &[(usize, Vec<&str>)], vtt: bool) -> HashSet<String> {
    let firsts: Vec<&str> = blocks
        .iter()
        .skip(usize::from(vtt))
        .filter_map(|(_, b)| {
            let at = b.iter().take(2).position(|l| l.contains("-->"))?;
            b.get(at + 1).map(|l| l.trim())
        })
        .filter(|l| !l.starts_with('<'))
        .collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut prefixed = 0;
    for first in &firsts {
        let name = display_name_prefix(first)
            .map(|(name, _)| name)
            .or_else(|| crate::speaker::relaxed_label(first).map(|l| l.name));
        if let Some(name) = name {
            prefixed += 1;
            *counts.entry(name).or_default() += 1;
        }
    }
    if firsts.len() < 3 || prefixed * 2 < firsts.len() {
        return HashSet::new();
    }
    let repeated: HashSet<String> = counts
        .iter()
        .filter(|&(_, &n)| n >= 2)
        .map(|(name, _)| name.clone())
        .collect();
    // Nine in ten cues or more headed by a name said twice or of a
    // person's shape: the file is labelled cue by cue, as Zoom writes it.
    let labelled: usize = counts
        .iter()
        .filter(|&(name, &n)| n >= 2 || is_person_display_name(name))
        .map(|(_, &n)| n)
        .sum();
    let established = !repeated.is_empty() && labelled * 10 >= firsts.len() * 9;
    let families: HashSet<&str> = repeated.iter().filter_map(|n| numbered_family(n)).collect();
    let once: Vec<String> = counts
        .into_keys()
        .filter(|name| {
            !repeated.contains(name)
                && (numbered_family(name).is_some_and(|f| families.contains(f))
                    || (established && is_person_display_name(name)))
        })
        .collect();
    repeated.into_iter().chain(once).collect()
}

/// The family of a numbered label: `SPEAKER_` of `SPEAKER_03`, `Speaker`
/// of `Speaker 4`. None for a name without a number at its end.
fn numbered_family(name: &str) -> Option<&str> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    (base.len() < name.len() && base.chars().any(char::is_alphabetic))
        .then(|| base.trim_end_matches([' ', '_', '-']))
}

/// Whether a display name heading one cue reads as a person's or their
/// device's, as a meeting tool shows one: a name of two or three words as
/// its user typed it (`karen doyle`, `Anna van Dijk`), or a possessive and
/// a device (`Karen's iPhone`, `Sam's Galaxy S21`, `tom's laptop`). Not a
/// sentence's opening said before a colon (`Well`, `Note`, `my answer`,
/// `so then he said`, `the thing is`).
fn is_person_display_name(name: &str) -> bool {
    const NOT_NAME_WORDS: &[&str] = &[
        "i", "me", "you", "he", "him", "she", "her", "we", "us", "they", "them", "it", "my",
        "your", "his", "our", "their", "its", "the", "a", "an", "this", "that", "these", "those",
        "and", "but", "or", "so", "then", "said", "says", "say", "asked", "told", "thought",
        "think", "replied", "goes", "went", "was", "is", "are", "were", "be", "been", "had", "has",
        "have", "did", "do", "does", "what", "which", "who", "when", "where", "why", "how",
        "there", "here", "not", "no", "yes", "of", "to", "in", "on", "at", "for", "with", "about",
        "like", "just", "one", "thing", "point", "answer", "question", "reason", "problem", "note",
        "well", "okay", "ok", "yeah", "oh", "um", "uh", "because", "if", "all", "some", "very",
        "really", "also", "only", "now", "first", "last",
    ];
    const DEVICES: &[&str] = &[
        "iphone",
        "ipad",
        "phone",
        "android",
        "galaxy",
        "pixel",
        "laptop",
        "pc",
        "computer",
        "tablet",
        "mac",
        "macbook",
        "imac",
        "surface",
        "chromebook",
        "desktop",
        "mobile",
    ];
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 {
        return false;
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let letters = |w: &str| {
        w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’'))
    };
    // `Karen's iPhone`: an owner's possessive, then the device.
    if let Some(owner) = lower[0]
        .strip_suffix("'s")
        .or_else(|| lower[0].strip_suffix("’s"))
    {
        let device = words[1..].iter().zip(&lower[1..]).all(|(w, l)| {
            DEVICES.contains(&l.as_str())
                || w.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
                || w.chars().nth(1).is_some_and(char::is_uppercase)
        }) && lower[1..].iter().any(|l| DEVICES.contains(&l.as_str()));
        return words.len() >= 2
            && owner.chars().count() >= 2
            && letters(owner)
            && !NOT_NAME_WORDS.contains(&owner)
            && device;
    }
    // `karen doyle`: a given name and a surname, as typed.
    let capitalised: Vec<String> = words
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f)
                    if ![
                        "van", "von", "der", "de", "da", "di", "du", "del", "la", "le", "bin", "al",
                    ]
                    .contains(w) =>
                {
                    f.to_uppercase().chain(c).collect()
                }
                _ => w.to_string(),
            }
        })
        .collect();
    (2..=3).contains(&words.len())
        && words.iter().all(|w| letters(w) && w.chars().count() >= 2)
        && !lower.iter().any(|l| NOT_NAME_WORDS.contains(&l.as_str()))
        && crate::speaker::is_name_like(&capitalised.join(" "))
}

fn parse_timing(line: &str) -> Option<(u64, u64)> {
    let (left, right) = line.split_once("-->")?;
    let start = parse_clock(left.trim())?;
    let end = parse_clock(right.split_whitespace().next()?)?;
    (end >= start).then_some((start, end))
}

/// The character reference at the start of `rest` (the named ones
/// captions use, and `&#39;` / `&#x27;`), as (its text, its length).
fn entity_at(rest: &str) -> Option<(String, usize)> {
    const NAMED: [(&str, &str); 8] = [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&nbsp;", " "),
        ("&quot;", "\""),
        ("&apos;", "'"),
        ("&lrm;", ""),
        ("&rlm;", ""),
    ];
    if let Some((e, r)) = NAMED.iter().find(|(e, _)| rest.starts_with(e)) {
        return Some((r.to_string(), e.len()));
    }
    let body = rest.strip_prefix("&#")?;
    let end = body.find(';').filter(|&e| e <= 8)?;
    let code = match body[..end].strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => body[..end].parse().ok()?,
    };
    Some((char::from_u32(code)?.to_string(), end + 3))
}

/// `text` with its character references decoded ([`entity_at`]).
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some((r, len)) = (c == '&').then(|| entity_at(rest)).flatten() {
            out.push_str(&r);
            rest = &rest[len..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Removes markup (`<i>`, `<c.x>`, `<00:00:01.000>`, `{\an8}`) and decodes
/// the entities captions use; returns the cue's text in pieces, one per
/// `<v Name>` voice with its name, its entities decoded too (WebVTT writes
/// `<v Mum &amp; Dad>`; before 2026-12-07 the name kept `&amp;` and
/// matched no participant, ho/03). A cue without a voice is one piece
/// without a name; text before a cue's first voice is that voice's. Each
/// later voice starts a piece, as the WebVTT spec writes two people's lines
/// in one cue (`<v Anna>About ten years.</v>` / `<v Interviewer>And before
/// that?</v>`): before, the whole cue was its first voice's, and the
/// interviewer's question counted as the participant's words (h3/01).
/// A `<` followed by a space, or by another `<` before its `>`, is text
/// (`2 < 3` in an SRT line), not a tag.
fn strip_tags(raw: &str) -> Vec<(Option<String>, String)> {
    let mut pieces: Vec<(Option<String>, String)> = Vec::new();
    let mut voice = None;
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>').filter(|&end| {
                !rest[1..end].contains('<') && !rest[1..].starts_with(char::is_whitespace)
            }) {
                let tag = &rest[1..end];
                if tag.starts_with("v ") || tag.starts_with("v.") {
                    let name = tag.split_once(' ').map(|(_, n)| n.trim()).unwrap_or("");
                    if !name.is_empty() {
                        let name = decode_entities(name);
                        match &voice {
                            None => voice = Some(name),
                            // The same voice again goes on.
                            Some(v) if *v == name => {}
                            // Another voice: what came before is the
                            // voice before's.
                            Some(_) => {
                                let said = std::mem::take(&mut out);
                                pieces.push((voice.replace(name), said));
                            }
                        }
                    }
                }
                rest = &rest[end + 1..];
                continue;
            }
        }
        if c == '{' && rest.starts_with("{\\") {
            if let Some(end) = rest.find('}') {
                rest = &rest[end + 1..];
                continue;
            }
        }
        if let Some((r, len)) = (c == '&').then(|| entity_at(rest)).flatten() {
            out.push_str(&r);
            rest = &rest[len..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    pieces.push((voice, out));
    pieces
}

fn assemble(name: &str, cues: Vec<ParsedCue>) -> RawDocument {
    let mut text = String::new();
    let mut turns: Vec<RawTurn> = Vec::new();
    let mut timed: Vec<Cue> = Vec::new();
    let mut prev: Option<(Option<String>, Option<String>)> = None;
    for cue in cues {
        let who = (cue.speaker.clone(), cue.role.clone());
        let same_turn = prev.as_ref() == Some(&who);
        if same_turn {
            text.push(' ');
        } else {
            if !turns.is_empty() {
                text.push('\n');
            }
            if let Some(s) = &cue.speaker {
                text.push_str(s);
                if let Some(r) = &cue.role {
                    text.push_str(" (");
                    text.push_str(r);
                    text.push(')');
                }
                text.push_str(": ");
            }
            turns.push(RawTurn {
                speaker: cue.speaker.clone(),
                role: cue.role.clone(),
                start: text.len(),
                end: text.len(),
                start_ms: Some(cue.start_ms),
                end_ms: Some(cue.end_ms),
            });
        }
        let start = text.len();
        text.push_str(&cue.text);
        let turn = turns.last_mut().expect("pushed above");
        turn.end = text.len();
        turn.end_ms = Some(cue.end_ms);
        timed.push(Cue {
            start,
            end: text.len(),
            start_ms: cue.start_ms,
            end_ms: cue.end_ms,
        });
        prev = Some(who);
    }
    if !turns.is_empty() {
        text.push('\n');
    }
    RawDocument {
        name: name.to_string(),
        text,
        turns,
        cues: timed,
        speaker_attributes: Default::default(),
        left_out_responses: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn read(reader: &dyn Reader, name: &str, src: &str) -> Result<RawDocument> {
        reader
            .read(SourceFile {
                path: Path::new(name),
                name,
                bytes: src.as_bytes(),
            })
            .map(|mut v| v.remove(0))
    }

    /// A voice's bracket is its role, pronouns none: the participant is
    /// the name, as a text export's header reads it.
    #[test]
    fn a_voices_bracket_is_a_role() {
        let src =
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Maria Lopez (Guest)>Yes, fine.</v>\n\n\
                   2\n00:00:03.000 --> 00:00:04.000\n<v Lopez, Maria (External)>Sure.</v>\n\n\
                   3\n00:00:04.000 --> 00:00:05.000\n<v Helen Ward (she/her)>Thanks.</v>\n";
        let doc = read(&VttReader, "t.vtt", src).unwrap();
        let who: Vec<(Option<&str>, Option<&str>)> = doc
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), t.role.as_deref()))
            .collect();
        assert_eq!(
            who,
            vec![
                (Some("Maria Lopez"), Some("Guest")),
                (Some("Lopez, Maria"), Some("External")),
                (Some("Helen Ward"), None),
            ]
        );
    }

    #[test]
    fn zoom_display_names_label_their_cues_as_set() {
        // Zoom writes each cue as `Display name: words`, the name as the
        // user set it: lower case, a device's, with pronouns.
        let src = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nHelen Ward (she/her): Could you tell me about your\n\n\
                   2\n00:00:03.000 --> 00:00:04.000\nHelen Ward (she/her): role?\n\n\
                   3\n00:00:04.000 --> 00:00:06.000\nKaren's iPhone: Yeah, sure. I'm a nurse.\n\n\
                   4\n00:00:06.000 --> 00:00:07.000\nkaren doyle: Eleven years now.\n\n\
                   5\n00:00:07.000 --> 00:00:08.000\nHelen Ward (she/her): Mm-hmm.\n\n\
                   6\n00:00:08.000 --> 00:00:09.000\nkaren doyle: And I said: no.\n\n\
                   7\n00:00:09.000 --> 00:00:10.000\nKaren's iPhone: Right.\n";
        let doc = read(&VttReader, "z.vtt", src).unwrap();
        let t: Vec<(Option<&str>, Option<&str>, &str)> = doc
            .turns
            .iter()
            .map(|t| {
                (
                    t.speaker.as_deref(),
                    t.role.as_deref(),
                    &doc.text[t.start..t.end],
                )
            })
            .collect();
        assert_eq!(
            t,
            vec![
                (
                    Some("Helen Ward"),
                    None,
                    "Could you tell me about your role?"
                ),
                (Some("Karen's iPhone"), None, "Yeah, sure. I'm a nurse."),
                (Some("karen doyle"), None, "Eleven years now."),
                (Some("Helen Ward"), None, "Mm-hmm."),
                (Some("karen doyle"), None, "And I said: no."),
                (Some("Karen's iPhone"), None, "Right."),
            ]
        );
        // A caption file of plain speech keeps "he said: no" as words.
        let plain = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nSo then he said: no.\n\n\
                     00:00:02.000 --> 00:00:03.000\nAnd that was it.\n\n\
                     00:00:03.000 --> 00:00:04.000\nWe left.\n";
        let doc = read(&VttReader, "p.vtt", plain).unwrap();
        assert_eq!(doc.turns.len(), 1);
        assert_eq!(doc.turns[0].speaker, None);
    }

    /// hy/01: a focus group member heading one cue of a Zoom transcript
    /// (every cue `Display name: words`) is that cue's speaker, as one who
    /// speaks twice is: her words were the moderator's turn, label and all.
    #[test]
    fn a_display_name_heading_one_cue_of_a_labelled_file_is_its_speaker() {
        let cue = |n: usize, line: &str| {
            format!(
                "{n}\n00:00:{:02}.000 --> 00:00:{:02}.000\n{line}\n\n",
                n * 2,
                n * 2 + 1
            )
        };
        let lines = [
            "Helen Ward: What do you think about health apps?",
            "Tom Baker: I like booking appointments online.",
            "aisha khan: I worry about the data.",
            "Helen Ward: Anyone else?",
            "karen doyle: Yeah, same, my records were leaked once.",
            "aisha khan: Me neither.",
            "Sam's Galaxy S21: I don't trust the clinics.",
            "Tom Baker: That happened to my wife too.",
            "tom's laptop: Sorry, that was me.",
            "Helen Ward: Thank you all.",
        ];
        let src: String = std::iter::once("WEBVTT\n\n".to_string())
            .chain(lines.iter().enumerate().map(|(n, l)| cue(n + 1, l)))
            .collect();
        let doc = read(&VttReader, "g4.vtt", &src).unwrap();
        let t: Vec<(Option<&str>, &str)> = doc
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), &doc.text[t.start..t.end]))
            .collect();
        assert_eq!(
            t,
            vec![
                (Some("Helen Ward"), "What do you think about health apps?"),
                (Some("Tom Baker"), "I like booking appointments online."),
                (Some("aisha khan"), "I worry about the data."),
                (Some("Helen Ward"), "Anyone else?"),
                (
                    Some("karen doyle"),
                    "Yeah, same, my records were leaked once."
                ),
                (Some("aisha khan"), "Me neither."),
                (Some("Sam's Galaxy S21"), "I don't trust the clinics."),
                (Some("Tom Baker"), "That happened to my wife too."),
                (Some("tom's laptop"), "Sorry, that was me."),
                (Some("Helen Ward"), "Thank you all."),
            ]
        );
        // WhisperX's `[SPEAKER_02]` heading one cue beside the others'.
        let src = "1\n00:00:00,000 --> 00:00:02,000\n[SPEAKER_00]: so what do you do\n\n\
                   2\n00:00:02,000 --> 00:00:04,000\n[SPEAKER_01]: i'm a nurse\n\n\
                   3\n00:00:04,000 --> 00:00:06,000\n[SPEAKER_00]: and you\n\n\
                   4\n00:00:06,000 --> 00:00:08,000\n[SPEAKER_02]: i teach\n\n\
                   5\n00:00:08,000 --> 00:00:10,000\n[SPEAKER_01]: we met at work\n";
        let doc = read(&SrtReader, "w.srt", src).unwrap();
        let who: Vec<Option<&str>> = doc.turns.iter().map(|t| t.speaker.as_deref()).collect();
        assert_eq!(
            who,
            [
                Some("SPEAKER_00"),
                Some("SPEAKER_01"),
                Some("SPEAKER_00"),
                Some("SPEAKER_02"),
                Some("SPEAKER_01"),
            ]
        );
        // Where cues run on unlabelled, a name heading one cue is not
        // taken: "so then he said: no" and "karen doyle: …" alike stay the
        // words of the turn they continue.
        let src = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhelen ward: So what happened?\n\n\
                   00:00:02.000 --> 00:00:03.000\nanna smith: I asked him and\n\n\
                   00:00:03.000 --> 00:00:04.000\nso then he said: no.\n\n\
                   00:00:04.000 --> 00:00:05.000\nand that was it.\n\n\
                   00:00:05.000 --> 00:00:06.000\nhelen ward: Right.\n\n\
                   00:00:06.000 --> 00:00:07.000\nanna smith: I mean\n\n\
                   00:00:07.000 --> 00:00:08.000\nkaren doyle: was there too.\n";
        let doc = read(&VttReader, "h.vtt", src).unwrap();
        let t: Vec<(Option<&str>, &str)> = doc
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), &doc.text[t.start..t.end]))
            .collect();
        assert_eq!(
            t,
            vec![
                (Some("helen ward"), "So what happened?"),
                (
                    Some("anna smith"),
                    "I asked him and so then he said: no. and that was it."
                ),
                (Some("helen ward"), "Right."),
                (Some("anna smith"), "I mean karen doyle: was there too."),
            ]
        );
    }

    #[test]
    fn a_persons_display_name_is_told_from_a_sentences_opening() {
        for name in [
            "karen doyle",
            "Anna van Dijk",
            "Karen's iPhone",
            "Sam's Galaxy S21",
            "tom's laptop",
            "Jo's MacBook Pro",
        ] {
            assert!(is_person_display_name(name), "{name}");
        }
        for name in [
            "well",
            "Note",
            "karen",
            "my answer",
            "so then he said",
            "the thing is",
            "good morning",
            "Karen's point",
            "my iPhone",
            "he said",
            "mum said",
        ] {
            assert!(!is_person_display_name(name), "{name}");
        }
    }

    #[test]
    fn vtt_voices_merge_into_turns() {
        let src = "WEBVTT - group 1\n\nNOTE recorded in May\n\n1\n00:00:01.000 --> 00:00:03.500 align:start\n<v Moderator>Welcome. What makes\na city safe?</v>\n\n00:00:04.000 --> 00:00:05.000\n<v Moderator>Anyone?\n\n00:00:05.000 --> 00:00:09.250\n<v.loud Anna Smith>Cameras &amp; <i>lights</i>.\n\n00:01:00.000 --> 00:01:02.000\nBob (Police): Trust, mostly.\n\n00:01:02.000 --> 00:01:03.000\nand people\n";
        let doc = read(&VttReader, "g1.vtt", src).unwrap();
        assert_eq!(
            doc.text,
            "Moderator: Welcome. What makes a city safe? Anyone?\nAnna Smith: Cameras & lights.\nBob (Police): Trust, mostly. and people\n"
        );
        let t: Vec<_> = doc
            .turns
            .iter()
            .map(|t| {
                (
                    t.speaker.as_deref(),
                    t.role.as_deref(),
                    &doc.text[t.start..t.end],
                    t.start_ms,
                    t.end_ms,
                )
            })
            .collect();
        assert_eq!(
            t,
            vec![
                (
                    Some("Moderator"),
                    None,
                    "Welcome. What makes a city safe? Anyone?",
                    Some(1_000),
                    Some(5_000)
                ),
                (
                    Some("Anna Smith"),
                    None,
                    "Cameras & lights.",
                    Some(5_000),
                    Some(9_250)
                ),
                (
                    Some("Bob"),
                    Some("Police"),
                    "Trust, mostly. and people",
                    Some(60_000),
                    Some(63_000)
                ),
            ]
        );
        assert_eq!(doc.cues.len(), 5);
        assert_eq!(&doc.text[doc.cues[1].start..doc.cues[1].end], "Anyone?");
    }

    /// A turn as read: speaker, text at the turn's offsets, start and end (ms).
    type TurnRead<'a> = (Option<&'a str>, &'a str, Option<u64>, Option<u64>);

    /// The turns of a document, as read.
    fn turns_of(doc: &RawDocument) -> Vec<TurnRead<'_>> {
        doc.turns
            .iter()
            .map(|t| {
                (
                    t.speaker.as_deref(),
                    &doc.text[t.start..t.end],
                    t.start_ms,
                    t.end_ms,
                )
            })
            .collect()
    }

    /// h3/01: a cue of two voices, one per line as the WebVTT spec writes
    /// dialogue in one cue, or one after the other on a line, gives each
    /// voice its own words over the cue's times; before, the whole cue was
    /// the first voice's and the interviewer's question the participant's.
    #[test]
    fn each_voice_of_a_cue_says_its_own_words() {
        let src = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>How long have you lived here?</v>\n\n\
                   00:00:04.500 --> 00:00:08.000\n<v Anna>About ten years.</v>\n<v Interviewer>And before that?</v>\n\n\
                   00:00:08.500 --> 00:00:12.000\n<v Anna>We were in Leeds.</v> <v.loud Bob>No, Bradford! <v Anna>Bradford.\n";
        let doc = read(&VttReader, "two.vtt", src).unwrap();
        assert_eq!(
            turns_of(&doc),
            vec![
                (
                    Some("Interviewer"),
                    "How long have you lived here?",
                    Some(1_000),
                    Some(4_000)
                ),
                (Some("Anna"), "About ten years.", Some(4_500), Some(8_000)),
                (
                    Some("Interviewer"),
                    "And before that?",
                    Some(4_500),
                    Some(8_000)
                ),
                (Some("Anna"), "We were in Leeds.", Some(8_500), Some(12_000)),
                (Some("Bob"), "No, Bradford!", Some(8_500), Some(12_000)),
                (Some("Anna"), "Bradford.", Some(8_500), Some(12_000)),
            ]
        );
        // One voice said again within its cue stays one piece; text before
        // the first voice is that voice's.
        assert_eq!(
            strip_tags("- <v Anna>Yes.</v>\n<v Anna>Quite.</v>"),
            vec![(Some("Anna".to_string()), "- Yes.\nQuite.".to_string())]
        );
    }

    /// h3/02: a cue of two labelled lines (a dual-speaker subtitle) gives
    /// the second line to its own speaker, label removed; a line without a
    /// label continues the speaker before it, in the cue or the one above.
    #[test]
    fn each_labelled_line_of_a_cue_starts_its_speakers_turn() {
        let src = "1\n00:00:01,000 --> 00:00:04,000\nINTERVIEWER: How long have you lived here?\n\n\
                   2\n00:00:04,500 --> 00:00:08,000\nANNA: About ten years.\nINTERVIEWER: And before that?\n\n\
                   3\n00:00:08,500 --> 00:00:12,000\nANNA: We were in Leeds,\nnear the station.\nINTERVIEWER:\nI see.\n\n\
                   4\n00:00:12,000 --> 00:00:13,000\nAnd now?\n";
        let doc = read(&SrtReader, "two.srt", src).unwrap();
        assert_eq!(
            turns_of(&doc),
            vec![
                (
                    Some("INTERVIEWER"),
                    "How long have you lived here?",
                    Some(1_000),
                    Some(4_000)
                ),
                (Some("ANNA"), "About ten years.", Some(4_500), Some(8_000)),
                (
                    Some("INTERVIEWER"),
                    "And before that?",
                    Some(4_500),
                    Some(8_000)
                ),
                (
                    Some("ANNA"),
                    "We were in Leeds, near the station.",
                    Some(8_500),
                    Some(12_000)
                ),
                (
                    Some("INTERVIEWER"),
                    "I see. And now?",
                    Some(8_500),
                    Some(13_000)
                ),
            ]
        );
        // A Zoom file's display names head later lines too; a line with a
        // colon that is no label of the file stays speech.
        let src = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhelen ward: So what happened?\n\n\
                   00:00:02.000 --> 00:00:03.000\nkaren doyle: I asked him\nand he said: no.\nhelen ward: Oh.\n\n\
                   00:00:03.000 --> 00:00:04.000\nkaren doyle: Yes.\n";
        let doc = read(&VttReader, "z.vtt", src).unwrap();
        let who: Vec<(Option<&str>, &str)> = turns_of(&doc)
            .into_iter()
            .map(|(speaker, text, _, _)| (speaker, text))
            .collect();
        assert_eq!(
            who,
            vec![
                (Some("helen ward"), "So what happened?"),
                (Some("karen doyle"), "I asked him and he said: no."),
                (Some("helen ward"), "Oh."),
                (Some("karen doyle"), "Yes."),
            ]
        );
    }

    #[test]
    fn srt_with_name_prefixes() {
        let src = "1\r\n00:00:01,000 --> 00:00:02,500\r\nANNA: Hello there.\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n<i>How are you?</i>\r\n\r\n3\r\n00:00:04,000 --> 00:00:05,000\r\nInterviewer: Fine.\r\n";
        let doc = read(&SrtReader, "i.srt", src).unwrap();
        assert_eq!(
            doc.text,
            "ANNA: Hello there. How are you?\nInterviewer: Fine.\n"
        );
        assert_eq!(doc.turns.len(), 2);
        assert_eq!(doc.turns[0].start_ms, Some(1_000));
        assert_eq!(doc.turns[0].end_ms, Some(4_000));
        assert_eq!(doc.turns[1].speaker.as_deref(), Some("Interviewer"));
    }

    #[test]
    fn whisperx_speaker_labels_head_their_cues() {
        let src = "1\n00:00:00,031 --> 00:00:04,512\n[SPEAKER_00]: okay so can you tell me what you do\n\n\
                   2\n00:00:05,120 --> 00:00:09,870\n[SPEAKER_01]: yeah sure so i work as a nurse and i've been\n\n\
                   3\n00:00:09,870 --> 00:00:14,200\n[SPEAKER_01]: doing it for about 11 years now\n\n\
                   4\n00:00:14,900 --> 00:00:17,300\n[SPEAKER_00]: and what's the hardest part\n";
        let doc = read(&SrtReader, "w.srt", src).unwrap();
        let turns: Vec<(Option<&str>, &str)> = doc
            .turns
            .iter()
            .map(|t| (t.speaker.as_deref(), &doc.text[t.start..t.end]))
            .collect();
        assert_eq!(
            turns,
            [
                (Some("SPEAKER_00"), "okay so can you tell me what you do"),
                (
                    Some("SPEAKER_01"),
                    "yeah sure so i work as a nurse and i've been doing it for about 11 years now"
                ),
                (Some("SPEAKER_00"), "and what's the hardest part"),
            ]
        );
    }

    #[test]
    fn rolling_captions_are_read_once() {
        // YouTube's automatic captions: a line of one space inside cues,
        // word timings, and each line shown again atop the next cue.
        let src = "WEBVTT\nKind: captions\nLanguage: en\n\n\
            00:00:00.160 --> 00:00:02.860 align:start position:0%\n \n\
            so<00:00:00.410><c> thanks</c><00:00:00.660><c> for</c><00:00:00.910><c> coming</c>\n\n\
            00:00:02.860 --> 00:00:02.870 align:start position:0%\nso thanks for coming\n \n\n\
            00:00:02.870 --> 00:00:05.570 align:start position:0%\nso thanks for coming\n\
            can<00:00:03.120><c> you</c><00:00:03.370><c> tell</c><00:00:03.620><c> me</c>\n\n\
            00:00:05.570 --> 00:00:05.580 align:start position:0%\ncan you tell me\n \n\n\
            00:00:05.580 --> 00:00:08.280 align:start position:0%\ncan you tell me\n\
            yeah<00:00:05.830><c> so</c><00:00:06.080><c> i</c><00:00:06.330><c> work</c>\n";
        let doc = read(&VttReader, "y.vtt", src).unwrap();
        assert_eq!(
            doc.text.split_whitespace().collect::<Vec<_>>().join(" "),
            "so thanks for coming can you tell me yeah so i work"
        );
        // An ordinary file keeps a line said in two cues.
        let src = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNo.\n\n\
                   00:00:02.000 --> 00:00:03.000\nNo.\n\n\
                   00:00:03.000 --> 00:00:04.000\nI said it twice.\n\n\
                   00:00:04.000 --> 00:00:05.000\nThen left.\n";
        let doc = read(&VttReader, "n.vtt", src).unwrap();
        assert_eq!(
            doc.text.split_whitespace().collect::<Vec<_>>().join(" "),
            "No. No. I said it twice. Then left."
        );
    }

    #[test]
    fn caption_errors_name_file_and_line() {
        let e = read(&VttReader, "a.vtt", "00:00:01.000 --> 00:00:02.000\nHi\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "a.vtt: line 1: missing the `WEBVTT` header line");
        let e = read(&VttReader, "a.vtt", "WEBVTT\n\n00:00:01.000 --> soon\nHi\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "a.vtt: line 3: bad cue timing `00:00:01.000 --> soon`");
        let e = read(
            &SrtReader,
            "b.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nHi\n\njust text\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "b.srt: line 5: expected a subtitle timing line `00:00:01,000 --> 00:00:04,000`, found `just text`"
        );
        // A cue id, then a timing with a broken arrow: the timing's line.
        let e = read(
            &VttReader,
            "c.vtt",
            "WEBVTT\n\n7\n00:00:05.000 -> 00:00:07.000\nHi\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "c.vtt: line 4: expected a cue timing line `00:00:01.000 --> 00:00:04.000`, found `00:00:05.000 -> 00:00:07.000`"
        );
    }

    /// ho/03: a voice's name is decoded as the cue's text is (`Mum &amp;
    /// Dad`, `O&apos;Neill`, `&#39;`); a lone `<` in an SRT line is text.
    #[test]
    fn voice_names_are_decoded_and_a_lone_angle_bracket_is_text() {
        let piece =
            |voice: Option<&str>, text: &str| vec![(voice.map(String::from), text.to_string())];
        assert_eq!(
            strip_tags("<v Mum &amp; Dad>Chaos now &amp; the kids.</v>"),
            piece(Some("Mum & Dad"), "Chaos now & the kids.")
        );
        assert_eq!(
            strip_tags("<v O&apos;Neill, Siobh&#225;n>Yes."),
            piece(Some("O'Neill, Siobhán"), "Yes.")
        );
        assert_eq!(
            strip_tags("It's a 2 < 3 situation <inaudible> really."),
            piece(None, "It's a 2 < 3 situation  really.")
        );
        assert_eq!(
            strip_tags("Cost &#x27;em &#99999999999; and &bogus; too"),
            piece(None, "Cost 'em &#99999999999; and &bogus; too")
        );
    }
}
