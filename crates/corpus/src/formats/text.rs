//! Plain text and Markdown transcripts: a turn starts at a line with a
//! speaker label; every other line continues the turn before it. Text before
//! the first label (a title, a date) is kept in the document but not
//! segmented. A file without any label becomes one speakerless turn per
//! paragraph. In Markdown, headings and rules end a turn and are not
//! segmented.

use super::{RawDocument, RawTurn, Reader, SourceFile};
use crate::decode::decode_text;
use crate::error::Result;
use crate::speaker::DocumentLabels;
use crate::SourceFormat;

pub struct TextReader {
    pub format: SourceFormat,
    /// The table's columns, for a `.txt` that is Excel's "Unicode Text"
    /// ([`is_unicode_text_table`]).
    pub columns: super::TableColumns,
}

/// Whether a `.txt` is Excel's "Save As > Unicode Text": UTF-16 with every
/// non-empty line split by the same number (two or more) of tabs, in three
/// lines or more. Read as a transcript, a survey saved so was one unnamed
/// speaker's rows, tabs and header row included, and the column flags were
/// silently ignored (hg/01). A transcript in UTF-16 whose every line has
/// the same tabs is a table too.
fn is_unicode_text_table(encoding: &str, text: &str) -> bool {
    if !encoding.starts_with("UTF-16") {
        return false;
    }
    let mut tabs = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.matches('\t').count());
    let Some(first) = tabs.next() else {
        return false;
    };
    let mut lines = 1;
    for n in tabs {
        if n != first {
            return false;
        }
        lines += 1;
    }
    first >= 2 && lines >= 3
}

impl Reader for TextReader {
    fn format(&self) -> SourceFormat {
        self.format
    }

    fn read(&self, file: SourceFile<'_>) -> Result<Vec<RawDocument>> {
        let decoded = decode_text(file.path, file.bytes)?;
        if self.format == SourceFormat::Text
            && is_unicode_text_table(decoded.encoding, &decoded.text)
        {
            return super::CsvReader {
                columns: self.columns.clone(),
            }
            .read(file);
        }
        let text = decoded.text;
        let text = without_page_furniture(&text).unwrap_or(text);
        let text = without_line_numbers(&text).unwrap_or(text);
        let md = self.format == SourceFormat::Markdown;
        let text = if md {
            with_entities_decoded(text)
        } else {
            text
        };
        let turns = turns_from_text(&text, md);
        Ok(vec![RawDocument {
            name: file.name.to_string(),
            text,
            turns,
            cues: Vec::new(),
            speaker_attributes: Default::default(),
            left_out_responses: Default::default(),
        }])
    }
}

/// Markdown's character references decoded, as a Markdown reader shows
/// them: `&quot;`, `&#39;`, `&amp;`, `&lt;`, `&gt;`, `&nbsp;` and numeric
/// ones (one of ../shared's Founders Talk transcripts, exported from a web
/// page, wrote 238 `&#39;` and 38 `&quot;`, which reached the stored
/// sentences, the model and the report's quotes). A line with an `&` that
/// is no reference (`AT&T is great; …`) is kept as written.
fn with_entities_decoded(text: String) -> String {
    if !text.contains('&') {
        return text;
    }
    let resolve = |entity: &str| match entity {
        "nbsp" => Some(" "),
        other => quick_xml::escape::resolve_xml_entity(other),
    };
    text.split_inclusive('\n')
        .map(|line| {
            if line.contains('&') {
                quick_xml::escape::unescape_with(line, resolve)
                    .map(|l| l.into_owned())
                    .unwrap_or_else(|_| line.to_string())
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// A document of text a reader extracted (DOCX's paragraphs, RTF's body):
/// refused when empty or with a line beyond the limit, then read for
/// speaker turns as plain text is.
pub(super) fn extracted_text_document(
    file: SourceFile<'_>,
    text: String,
) -> Result<Vec<RawDocument>> {
    extracted_text_with_headings(file, text, &[])
}

/// [`extracted_text_document`] of a text some of whose lines (0-based
/// indices into `text.split('\n')`) the reader knows are headings, not
/// speech: a Word table's row merged across the whole table (a topic
/// guide's section, `[Recording paused]`). Each ends the turn above it and
/// is not segmented, as a Markdown heading is; before, it was the last
/// speaker's sentence.
pub(super) fn extracted_text_with_headings(
    file: SourceFile<'_>,
    text: String,
    headings: &[usize],
) -> Result<Vec<RawDocument>> {
    if text.trim().is_empty() {
        return Err(crate::error::IngestError::Empty {
            file: file.path.into(),
        });
    }
    crate::decode::check_line_lengths(file.path, &text)?;
    let (text, headings) = match page_furniture_lines(&text) {
        // The lines below a dropped one move up.
        Some(dropped) => (
            without_lines(&text, &dropped),
            headings
                .iter()
                .filter(|i| !dropped.contains(i))
                .map(|&i| i - dropped.range(..i).count())
                .collect(),
        ),
        None => (text, headings.to_vec()),
    };
    // Taking line numbers off keeps every line where it is.
    let text = without_line_numbers(&text).unwrap_or(text);
    let turns = turns_from_text_with_headings(&text, false, &headings);
    Ok(vec![RawDocument {
        name: file.name.to_string(),
        text,
        turns,
        cues: Vec::new(),
        speaker_attributes: Default::default(),
        left_out_responses: Default::default(),
    }])
}

/// The number a line-numbered transcript starts each line with (ATLAS.ti's
/// and NVivo's printouts, and transcripts prepared for them: `12  I: So…`),
/// with the spaces after it: its length in bytes.
/// Thesis appendices also write `12 | I: So…`, `12: I: So…` and `[12] I:
/// So…`; before, their numbers hid every label, and the interviewer's
/// questions were coded as one unnamed speaker's words.
fn line_number_len(line: &str) -> Option<(usize, u64)> {
    let lead = line.len() - line.trim_start().len();
    let bracket = usize::from(line[lead..].starts_with('['));
    let rest = &line[lead + bracket..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 5 {
        return None;
    }
    let number = rest[..digits].parse().ok()?;
    let mut after = &rest[digits..];
    if bracket == 1 {
        after = after.strip_prefix(']')?;
    } else if let Some(a) = after
        .strip_prefix(':')
        .filter(|a| a.starts_with([' ', '\t']))
    {
        after = a;
    }
    let spaces = |a: &str| a.len() - a.trim_start_matches([' ', '\t']).len();
    let mut gap = spaces(after);
    if let Some(bar) = ['|', '│'].iter().find(|b| after[gap..].starts_with(**b)) {
        let behind = &after[gap + bar.len_utf8()..];
        if !(behind.is_empty() || behind.starts_with([' ', '\t', '\r', '\n'])) {
            return None;
        }
        gap += bar.len_utf8() + spaces(behind);
    }
    if gap == 0 && !(after.is_empty() || after.starts_with(['\r', '\n'])) {
        return None;
    }
    Some((line.len() - after.len() + gap, number))
}

/// `text` without its line numbers, when it is line-numbered: at least
/// five lines, nine in ten of its non-blank lines starting with a number
/// and a space or tab, and nine in ten of those numbers above the one
/// before. A transcript's own words rarely start so many lines with a
/// number, let alone rising ones. The numbers are layout, not speech: left
/// in, they would hide every speaker label behind them and start every
/// wrapped line's words. `None`: not line-numbered.
pub(super) fn without_line_numbers(text: &str) -> Option<String> {
    let filled: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let numbers: Vec<u64> = filled
        .iter()
        .filter_map(|l| line_number_len(l).map(|(_, n)| n))
        .collect();
    let rising = numbers.windows(2).filter(|w| w[1] > w[0]).count();
    if filled.len() < 5
        || numbers.len() * 10 < filled.len() * 9
        || rising * 10 < (numbers.len() - 1) * 9
    {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let cut = line_number_len(line).map_or(0, |(n, _)| n);
        out.push_str(&line[cut..]);
    }
    Some(out)
}

/// A page's furniture typed or pasted into a transcript's body (a Word
/// file converted from a PDF, a transcript copied from one): its page
/// lines (`Interview 7 – Page 2 of 3`, `Page 4`), where the document has
/// two or more, and the short lines that come back beside them
/// (`Confidential`, a running title). Before, each was a sentence of the
/// speaker above, and one the page cut mid-answer sat inside it. `None`:
/// nothing to take out.
pub(super) fn without_page_furniture(text: &str) -> Option<String> {
    page_furniture_lines(text).map(|dropped| without_lines(text, &dropped))
}

/// `text` without the lines (0-based) in `dropped`.
fn without_lines(text: &str, dropped: &std::collections::BTreeSet<usize>) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, l)| l)
        .collect()
}

/// The lines (0-based) of [`without_page_furniture`]'s page furniture in
/// `text`; `None`: nothing to take out.
fn page_furniture_lines(text: &str) -> Option<std::collections::BTreeSet<usize>> {
    // "page #", "page # of #", "p. #" ending a line of at most eight words.
    let shape = |line: &str| super::pdf::shape(line);
    let page_line = |line: &str| {
        let sh = shape(line);
        (1..=8).contains(&line.split_whitespace().count())
            && crate::speaker::parse_speaker_line(line).is_none()
            && ["page #", "page # of #", "p. #", "page #/#"]
                .iter()
                .any(|end| {
                    // Alone, after a separator (`Interview 7 – Page 2`,
                    // `P07 | Page 3`), or `… page 2 of 3`; not words
                    // leading to it ("Turn to page 5", read aloud).
                    sh.strip_suffix(end).is_some_and(|before| {
                        let before = before.trim_end();
                        before.is_empty()
                            || before.ends_with(|c: char| !c.is_alphanumeric())
                            || *end == "page # of #"
                    })
                })
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let filled: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].trim().is_empty())
        .collect();
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for &i in &filled {
        *counts.entry(shape(lines[i])).or_default() += 1;
    }
    // A running footer comes back in one shape, its numbers aside
    // (`Interview 7 – Page # of #`); a participant reading a leaflet out
    // ("then you turn to page 2", "the table on page 3") says each once.
    let pages: Vec<usize> = filled
        .iter()
        .copied()
        .filter(|&i| page_line(lines[i]) && counts[&shape(lines[i])] >= 2)
        .collect();
    if pages.len() < 2 {
        return None;
    }
    let mut drop: std::collections::BTreeSet<usize> = pages.iter().copied().collect();
    for (k, &i) in filled.iter().enumerate() {
        let line = lines[i].trim();
        let beside_page = [k.checked_sub(1), Some(k + 1)]
            .into_iter()
            .flatten()
            .filter_map(|j| filled.get(j))
            .any(|j| pages.contains(j));
        let furniture = beside_page
            && counts[&shape(line)] >= 2
            && line.split_whitespace().count() <= 6
            && !line.ends_with(['.', '?', '!', ':'])
            && crate::speaker::parse_speaker_line(line).is_none();
        if furniture {
            drop.insert(i);
        }
    }
    Some(drop)
}

struct OpenTurn {
    turn: RawTurn,
    has_content: bool,
}

/// Speaker turns of a transcript text (byte offsets).
pub fn turns_from_text(text: &str, markdown: bool) -> Vec<RawTurn> {
    turns_from_text_with_headings(text, markdown, &[])
}

/// [`turns_from_text`], the lines (0-based, in rising order) in `headings`
/// ending the turn above them and not segmented
/// ([`extracted_text_with_headings`]).
fn turns_from_text_with_headings(text: &str, markdown: bool, headings: &[usize]) -> Vec<RawTurn> {
    let mut turns: Vec<RawTurn> = Vec::new();
    let mut open: Option<OpenTurn> = None;
    // Speakerless paragraphs, used only when the text has no label at all.
    let mut paragraphs: Vec<RawTurn> = Vec::new();
    let mut paragraph: Option<(usize, usize)> = None;
    let mut saw_label = false;

    let close = |open: &mut Option<OpenTurn>, turns: &mut Vec<RawTurn>| {
        if let Some(t) = open.take() {
            if t.has_content {
                turns.push(t.turn);
            }
        }
    };

    // `Speaker 2 00:00:07` or `00:00:07 Speaker 2` alone on a line, and
    // `Anna<TAB>…` or `Anna - …`, are labels only where the document
    // repeats such lines.
    // A table's heading row confirms no label form either.
    let labels = DocumentLabels::of(text.lines().filter(|l| !is_table_heading_line(l)));
    // A research transcript's header block (`Participant: P01`, `Gender:
    // Female`) is read as text before the first label: kept, not segmented.
    let header_end = crate::speaker::header_block_end(text, &|line| labels.label(line).is_some());
    let mut line_start = 0usize;
    for (line_index, raw_line) in text.split('\n').enumerate() {
        let line_end = line_start + raw_line.len();
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let next_start = line_end + 1;
        let trimmed = line.trim();
        let blank = trimmed.is_empty();

        if (markdown && (trimmed.starts_with('#') || is_rule(trimmed)))
            || headings.binary_search(&line_index).is_ok()
        {
            close(&mut open, &mut turns);
            if let Some((s, e)) = paragraph.take() {
                paragraphs.push(speakerless(s, e));
            }
            line_start = next_start;
            continue;
        }

        // `END OF TRANSCRIPT`, `Transcribed by https://otter.ai`: the
        // transcriber's or the tool's line, said by no one. It ends the
        // turn before it rather than becoming its last sentence. So does a
        // cue's time range (`0:0:5.0 --> 0:0:9.500`, Teams' older
        // transcripts), which a line without final punctuation above it
        // would otherwise join into one sentence, and a transcript table's
        // heading row ([`is_table_heading_line`]).
        if is_transcript_marker(trimmed)
            || crate::speaker::is_cue_timing(trimmed)
            || is_table_heading_line(line)
        {
            close(&mut open, &mut turns);
            if let Some((s, e)) = paragraph.take() {
                paragraphs.push(speakerless(s, e));
            }
            line_start = next_start;
            continue;
        }

        // Content range of this line, from `from` (byte offset in the line).
        let content = |from: usize| -> Option<(usize, usize)> {
            let part = &line[from..];
            let lead = part.len() - part.trim_start().len();
            let body = part.trim();
            (!body.is_empty()).then(|| {
                let s = line_start + from + lead;
                (s, s + body.len())
            })
        };

        let label = if line_start < header_end {
            None
        } else {
            labels.label(line)
        };
        if let Some(label) = label {
            saw_label = true;
            let (mut speaker, mut role, mut start_ms) = (label.name, label.role, label.start_ms);
            let mut from = label.text_start;
            // A line may hold a second speaker's turn after the first's
            // (`DocumentLabels::mid_line_label`): each is a turn of its own.
            loop {
                close(&mut open, &mut turns);
                let next = labels.mid_line_label(&line[from..]);
                let to = next.as_ref().map_or(line.len(), |(at, _, _)| from + at);
                let mut turn = RawTurn {
                    speaker: Some(speaker),
                    role,
                    start: 0,
                    end: 0,
                    start_ms,
                    end_ms: None,
                };
                let has_content = match content(from).map(|(s, e)| (s, e.min(line_start + to))) {
                    Some((s, e)) if s < e => {
                        let body = text[s..e].trim_end();
                        turn.start = s;
                        turn.end = s + body.len();
                        true
                    }
                    _ => false,
                };
                open = Some(OpenTurn { turn, has_content });
                match next {
                    Some((_, words, name)) => {
                        (speaker, role, start_ms) = (name, None, None);
                        from += words;
                    }
                    None => break,
                }
            }
        } else if let Some((s, e)) = content(0) {
            if let Some(t) = open.as_mut() {
                if !t.has_content {
                    t.turn.start = s;
                    t.has_content = true;
                }
                t.turn.end = e;
            }
            paragraph = Some(match paragraph {
                Some((ps, _)) => (ps, e),
                None => (s, e),
            });
        }
        if blank {
            if let Some((s, e)) = paragraph.take() {
                paragraphs.push(speakerless(s, e));
            }
        }
        line_start = next_start;
    }
    close(&mut open, &mut turns);
    if let Some((s, e)) = paragraph.take() {
        paragraphs.push(speakerless(s, e));
    }
    if saw_label {
        turns
    } else {
        paragraphs
    }
}

/// Whether a line is a transcript table's heading row saved as text or RTF,
/// its cells joined by tabs (`Speaker<TAB>Utterance`, `Time<TAB>Speaker<TAB>
/// Text`), by the rule that reads a Word table's
/// ([`super::docx::is_table_heading_row`]). Before, `Speaker` was the first
/// turn's speaker, a participant `<document>/Speaker` who said "Utterance",
/// where the same table in a `.docx` had no such turn (h22/03).
fn is_table_heading_line(line: &str) -> bool {
    line.contains('\t') && super::docx::is_table_heading_row(&line.split('\t').collect::<Vec<_>>())
}

/// Whether a whole line is a transcript's own marker, not speech: the end
/// line (`END OF TRANSCRIPT`, `[END OF RECORDING]`, `--- END ---`, `ENDE
/// DES TRANSKRIPTS`, `FIN DE LA TRANSCRIPCIÓN`), a transcription tool's
/// credit (`Transcribed by https://otter.ai`), and a meeting tool's notice
/// (Teams' `Helen Ward started transcription`, Meet's `Meeting ended after
/// 00:47:12`).
pub(crate) fn is_transcript_marker(line: &str) -> bool {
    let decoration = |c: char| !c.is_alphanumeric() && c != '\'' && c != '’';
    let core = line.trim_matches(decoration);
    if is_tool_notice(core) {
        return true;
    }
    if core.is_empty() || core.len() > 80 {
        return false;
    }
    // Brackets, rules or stars around it, not a full stop after it.
    let marks = [
        '[', ']', '(', ')', '-', '–', '—', '*', '=', '_', '#', '<', '>', '~',
    ];
    let decorated = line.starts_with(marks) || line.ends_with(marks);
    let lower = core.to_lowercase();
    let lower = lower.as_str();
    const ENDS: &[&str] = &[
        "end of transcript",
        "end of the transcript",
        "end of transcription",
        "end of recording",
        "end of the recording",
        "end of interview",
        "end of the interview",
        "end of focus group",
        "end of the focus group",
        "end of session",
        "end of the session",
        "end of tape",
        "end of audio",
        "recording ends",
        "recording ended",
        "interview ends",
        "interview ended",
        "interview concluded",
        "transcript ends",
        "transcript ended",
        "recording stopped",
        "ende des transkripts",
        "ende des transkriptes",
        "ende der transkription",
        "ende des interviews",
        "ende der aufnahme",
        "fin de la transcription",
        "fin de l'entretien",
        "fin de l’entretien",
        "fin de l'enregistrement",
        "fin de la transcripción",
        "fin de la entrevista",
        "fin de la grabación",
    ];
    ENDS.contains(&lower)
        // `--- END ---`, `[End]`, or `END` in capitals: a marker; a
        // speaker's plain "End." continuing a turn is not.
        || (lower == "end" && (decorated || core == "END"))
        || ((lower.starts_with("transcribed by ") || lower.starts_with("transcription by "))
            && !lower.contains(',')
            && lower.split_whitespace().count() <= 5)
        || lower.starts_with("meeting ended after ")
        || lower.ends_with(" started transcription")
        || lower.ends_with(" stopped transcription")
}

/// Whether a line (its decoration trimmed) is a transcription tool's own
/// closing line or advert, word for word from its start: Google Meet's
/// `Transcription ended after 00:07:41` and the disclaimer below it (`This
/// editable transcript was computer generated and might contain errors.
/// People can also change the text after it was created.`), and Sonix's
/// free-tier promotion (`Automatically convert your audio files to text
/// with Sonix. …`, `Sonix is the world's most advanced automated
/// transcription …`). Before 2026-12-07 each was a sentence of the last
/// speaker above it (ht/03). Whole sentences of the tool's, not a
/// speaker's words about transcripts, which go on past them.
fn is_tool_notice(core: &str) -> bool {
    let lower = core.to_lowercase().replace('’', "'");
    if let Some(after) = lower.strip_prefix("transcription ended after ") {
        return crate::speaker::parse_clock(after.trim()).is_some();
    }
    const DISCLAIMER: &str =
        "this editable transcript was computer generated and might contain errors";
    const DISCLAIMER_END: &str = "people can also change the text after it was created";
    if let Some(rest) = lower
        .replace("computer-generated", "computer generated")
        .strip_prefix(DISCLAIMER)
    {
        let rest = rest.trim_start_matches('.').trim();
        return rest.is_empty() || rest.trim_end_matches('.') == DISCLAIMER_END;
    }
    [
        "automatically convert your audio files to text with sonix.",
        "sonix is the world's most advanced automated transcription",
    ]
    .iter()
    .any(|advert| lower.starts_with(advert))
}

fn speakerless(start: usize, end: usize) -> RawTurn {
    RawTurn {
        speaker: None,
        role: None,
        start,
        end,
        start_ms: None,
        end_ms: None,
    }
}

fn is_rule(line: &str) -> bool {
    line.len() >= 3
        && ["-", "*", "_"]
            .iter()
            .any(|c| line.chars().all(|x| x.to_string() == *c || x == ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TurnView<'a> = (Option<String>, Option<String>, Option<u64>, &'a str);

    /// Markdown's character references are decoded; a stray `&` keeps
    /// its line as written.
    #[test]
    fn markdown_character_references_are_decoded() {
        assert_eq!(
            with_entities_decoded(
                "Jack: I said &quot;no&quot; and it&#39;s fine &amp; done.&nbsp;Yes.\nJack: AT&T is great; R&D too.\n"
                    .to_string()
            ),
            "Jack: I said \"no\" and it's fine & done. Yes.\nJack: AT&T is great; R&D too.\n"
        );
    }

    fn turns(text: &str, md: bool) -> Vec<TurnView<'_>> {
        turns_from_text(text, md)
            .into_iter()
            .map(|t| (t.speaker, t.role, t.start_ms, &text[t.start..t.end]))
            .collect()
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    /// A research transcript's header block: the interviewee's particulars,
    /// and the participant's and interviewer's names, are no turns (each
    /// was a participant, `Gender` and `Age` shared by every interview).
    #[test]
    fn a_research_transcripts_header_block_is_no_turns() {
        let text = "Interview 01, 12 March 2023\nParticipant: P01\nGender: Female\nAge: 51\n\
                    Occupation: Staff nurse\nInterviewer: Dr. Smith\n\n\
                    I: Welcome. What has been hardest?\nR: The nights.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("I"), None, None, "Welcome. What has been hardest?"),
                (s("R"), None, None, "The nights."),
            ]
        );
        // Without a blank line: the first line of dialogue ends the block.
        let text = "Date: 12/03/2023\nParticipant: P02\nI: Welcome. Tell me.\nR: Fine.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("I"), None, None, "Welcome. Tell me."),
                (s("R"), None, None, "Fine."),
            ]
        );
        // Short turns at the top with no header key are dialogue.
        let text = "Moderator: Welcome everyone\nAnna: Hi\nBob: Hello\n\nModerator: Let's start. Who goes first?\n";
        assert_eq!(turns(text, false).len(), 4);
        // The document's other labels end the block too: `Q.`/`A.`, a tab
        // after the name, a name and a time alone on a line; so does a line
        // that starts with a time. And a role with one word (`Hello`) or a
        // bare number is a turn, not a description.
        for text in [
            "Date: 3 May\nLocation: clinic\nQ. How far is the GP?\nA. Two miles.\nQ. And the bus?\nA. Rare.\n",
            "Date: 3 May\nSite: B\nInterviewer\tHow far is the GP?\nParticipant\tTwo miles.\n\
             Interviewer\tAnd the bus?\nParticipant\tRare.\n",
            "Participant ID: 07\nGender: F\n00:00:05 - Interviewer: How far?\n00:00:09 - Participant: Two miles.\n\
             00:00:15 - Interviewer: And the bus?\n00:00:19 - Participant: Rare.\n",
            "Date: 3 May\nSite: B\nInterviewer: Hello\nParticipant: Hi\nInterviewer: How far is the GP?\n",
            "Interview ID: 14\nInterviewer: Morning\nParticipant: 1985\n",
        ] {
            let got = turns(text, false);
            assert!(
                got.len() >= 2 && got.iter().all(|t| t.0.is_some()),
                "{text:?}: {got:?}"
            );
            assert!(got.iter().any(|t| t.0.as_deref().is_some_and(|s| s.ends_with("Participant") || s == "A")), "{text:?}: {got:?}");
        }
        // A title, a blank line, then the keys; and keys as a Markdown list
        // or in bold.
        for text in [
            "Interview transcript - P09\n\nGender: F\nAge: 45\n\nI: Welcome. Ready?\nR: Yes.\n",
            "Focus group 3\n\n- Date: 4 May\n- Site: B\n\nModerator: Welcome all.\nAnna: Hi.\n",
            "**Date:** 4 May\n**Site:** Leeds\n\nModerator: Welcome all.\nAnna: Hi.\n",
        ] {
            let got: Vec<Option<String>> = turns(text, false).into_iter().map(|t| t.0).collect();
            assert_eq!(got.len(), 2, "{text:?}: {got:?}");
        }
        // A block's key is a speaker outside it: `Ward:` and `Job:` are names.
        let text = "Moderator: Who walks?\nWard: I do.\nJob: Me too.\n";
        assert_eq!(turns(text, false).len(), 3);
        // The dialogue begins at a label alone on its line, or at a label
        // followed by words that are no name: the block ends there, with no
        // blank line (a DOCX without empty paragraphs).
        let text = "Participant: P04\nGender: Female\nAge: 45\nInterviewer:\nHow are nights?\n\
                    P04:\nI work nights mostly. It is hard.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, None, "How are nights?"),
                (s("P04"), None, None, "I work nights mostly. It is hard."),
            ]
        );
        let text = "Focus group 2\nDate: 4 May 2023\nModerator: Welcome everyone, lets go round\n\
                    Anna: Anna, teacher\nBob: Bob, retired\n";
        assert_eq!(
            turns(text, false)
                .iter()
                .map(|t| t.0.clone().unwrap())
                .collect::<Vec<_>>(),
            ["Moderator", "Anna", "Bob"]
        );
    }

    #[test]
    fn speaker_turns_and_continuations() {
        let text = "Focus group 3\r\nDate: 12 May\r\n\r\nModerator: Welcome all.\r\nPlease introduce yourselves.\r\n\r\nAnna (Police): I'm Anna.\r\nThe point is: we need cameras.\r\nNote: she laughs.\r\n[00:01:02] BOB: Bob here.\r\nQ:\r\nAnd you?\r\nA: Me too.";
        assert_eq!(
            turns(text, false),
            vec![
                (
                    s("Moderator"),
                    None,
                    None,
                    "Welcome all.\r\nPlease introduce yourselves."
                ),
                (
                    s("Anna"),
                    s("Police"),
                    None,
                    "I'm Anna.\r\nThe point is: we need cameras.\r\nNote: she laughs."
                ),
                (s("BOB"), None, Some(62_000), "Bob here."),
                (s("Q"), None, None, "And you?"),
                (s("A"), None, None, "Me too."),
            ]
        );
    }

    #[test]
    fn empty_turns_are_dropped_and_markdown_headings_end_turns() {
        let text = "# Group 1\n\n**Anna:** Hi.\n\n## Question 2\n\nHeading text only.\nBob:\nCarl: Yes.\n---\n";
        assert_eq!(
            turns(text, true),
            vec![
                (s("Anna"), None, None, "Hi."),
                (s("Carl"), None, None, "Yes.")
            ]
        );
    }

    #[test]
    fn a_label_with_only_a_time_is_a_marker_unless_speech_follows_it() {
        // A podcast transcript's ad breaks and outro are labels with a time
        // and no speech: no turn, so no participant "Break". A speaker whose
        // speech starts on the line below keeps the time.
        let text = "**Adam:** Welcome.\n\n**Break:** \\[01:44\\]\n\n**Sam:** \\[03:46\\] Yeah, so.\n\n**Outro:** \\[01:53:10\\] - \\[01:54:40\\]\n\nAnna: [02:00:00]\nI was late.\n";
        assert_eq!(
            turns(text, true),
            vec![
                (s("Adam"), None, None, "Welcome."),
                (s("Sam"), None, Some(226_000), "Yeah, so."),
                (s("Anna"), None, Some(7_200_000), "I was late."),
            ]
        );
    }

    #[test]
    fn otter_style_name_and_time_lines() {
        let text = "Anna Smith  0:02\nSo the cameras are fine.\nMostly.\n\nBob  0:15\nNo.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (
                    s("Anna Smith"),
                    None,
                    Some(2_000),
                    "So the cameras are fine.\nMostly."
                ),
                (s("Bob"), None, Some(15_000), "No."),
            ]
        );
    }

    #[test]
    fn labels_read_in_research_and_focus_group_transcripts() {
        let text = "Interviewer: How are you?\nYoung person: Quite hard.\nUnknown speaker: Terrible.\n?: The wifi is awful.\nInterviewee [P07]: Work is fine.\nInterviewer [KM]: What helped?\nP3 (cont'd): And so on.\nMaria (Nursing): Shifts.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, None, "How are you?"),
                (s("Young person"), None, None, "Quite hard."),
                (s("Unknown speaker"), None, None, "Terrible."),
                (s("?"), None, None, "The wifi is awful."),
                (s("Interviewee"), s("P07"), None, "Work is fine."),
                (s("Interviewer"), s("KM"), None, "What helped?"),
                (s("P3"), None, None, "And so on."),
                (s("Maria"), s("Nursing"), None, "Shifts."),
            ]
        );
        // A joint turn after a time, as the untimed one.
        let text = "[00:00:40] Facilitator: Was she helpful?\n[00:00:50] P2/P4: Yeah, definitely.\n[00:01:00] P2: She was.\n[00:01:10] P4: Yes.\n";
        assert_eq!(
            turns(text, false)[1],
            (s("P2/P4"), None, Some(50_000), "Yeah, definitely.")
        );
    }

    #[test]
    fn a_pages_furniture_in_the_body_is_no_speech() {
        let text = "Interviewer: What about pay?\nParticipant: Just above minimum wage. I could earn more\nConfidential\nInterview 7 – Page 2 of 3\nstacking shelves.\nInterviewer: Why stay?\nParticipant: The residents.\nConfidential\nInterview 7 – Page 3 of 3\n";
        let clean = without_page_furniture(text).unwrap();
        assert_eq!(
            clean,
            "Interviewer: What about pay?\nParticipant: Just above minimum wage. I could earn more\nstacking shelves.\nInterviewer: Why stay?\nParticipant: The residents.\n"
        );
        // One page line, lines that each name a page once, or a
        // "Confidential" said as an answer away from them, stay.
        assert_eq!(
            without_page_furniture("A: See page 4\nB: Page 2 of 3\n"),
            None
        );
        let leaflet = "R: It is confusing.\nThen you turn to page 2\nMm\nAnd there's the table on page 3\nMm\nWhich nobody understands.\n";
        assert_eq!(without_page_furniture(leaflet), None);
        let reading = "I: Read this for me.\nC: The cat sat.\nTurn to page 5\nThe dog ran.\nTurn to page 6\nThe end.\n";
        assert_eq!(without_page_furniture(reading), None);
        let text = "Page 1 of 2\nI: Is it secret?\nR: Confidential\nI: Why?\nR: Confidential\nPage 2 of 2\n";
        assert!(without_page_furniture(text)
            .unwrap()
            .contains("R: Confidential\nI: Why?\nR: Confidential\n"));
    }

    #[test]
    fn line_numbers_behind_a_bar_a_colon_or_in_brackets_are_layout() {
        for (open, close) in [("", " |"), ("", ":"), ("[", "]"), ("", " │")] {
            let text: String = [
                "I: So can you tell me about the day?",
                "R: I remember it was raining.",
                "didn't take in anything.",
                "I: Was anyone with you?",
                "R: My sister came with me.",
            ]
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{open}{}{close} {l}\n", i + 12))
            .collect();
            let plain = without_line_numbers(&text).unwrap_or_else(|| panic!("{text}"));
            assert!(plain.starts_with("I: So can you"), "{plain}");
            assert!(plain.contains("\ndidn't take"), "{plain}");
        }
        // A time at a line's start is no line number.
        assert_eq!(line_number_len("12:30 we met"), None);
    }

    #[test]
    fn a_header_names_the_interviewee() {
        let header_interviewee = |t: &str| crate::speaker::header_people(t).interviewee;
        let text = "Interview 03\nInterviewer: SK\nParticipant: R12\n\nQ: Where did you grow up?\nA: In a village.\n";
        assert_eq!(header_interviewee(text).as_deref(), Some("R12"));
        assert_eq!(crate::speaker::header_people(text).interviewers, ["SK"]);
        let text = "Project: Ageing well\nDate: 3 May 2024\nInterviewee: Maria Lopez (P01)\n\nI: Hello.\nR: Hi.\n";
        assert_eq!(
            header_interviewee(text).as_deref(),
            Some("Maria Lopez (P01)")
        );
        let text = "Project: Ageing well\nParticipant ID: P07_F_34\nDuration: 47 min\n\nI: Hello.\nR: Hi.\n";
        assert_eq!(header_interviewee(text).as_deref(), Some("P07_F_34"));
        // No header, or a turn.
        assert_eq!(
            header_interviewee("I: Hello.\nParticipant: Hi there, I am fine.\n"),
            None
        );
        // Among header keys, a pseudonym names them; a blank mark or
        // particulars name no one, and neither is a turn.
        let text = "Date: 3 May 2024\nParticipant: Ana\n\nI: Hello.\nR: Hi.\n";
        assert_eq!(header_interviewee(text).as_deref(), Some("Ana"));
        for value in ["N/A", "Female, 45", "Withheld", "Anonymous"] {
            let text = format!("Date: 3 May 2024\nParticipant: {value}\n\nI: Hello.\nR: Hi.\n");
            assert_eq!(header_interviewee(&text), None, "{value}");
            let said: Vec<String> = turns(&text, false)
                .into_iter()
                .map(|t| t.3.to_string())
                .collect();
            assert_eq!(said, ["Hello.", "Hi."], "{value}");
        }
        // A reply, a greeting or a numbered participant under the keys is
        // a turn.
        for first in [
            "Participant: Yes",
            "Participant: Sure, go ahead",
            "Participant: Good morning",
            "Participant 3: Me neither",
        ] {
            let text = format!("Date: 3 May 2024\n{first}\nInterviewer: Shall we start?\n");
            assert_eq!(turns(&text, false).len(), 2, "{first}");
        }
    }

    #[test]
    fn an_agenda_or_a_rota_of_times_is_no_speakers() {
        // Lines ending in a time after two spaces, one after another, are a
        // list: before, the last of each ran was a speaker ("Break",
        // "Thursday") and the words below it theirs.
        let text = "Registration  9:00\nWelcome  9:30\nBreak  10:30\nGroup work  11:00\n\nFacilitator: What brought you here?\nPriya: My manager.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Facilitator"), None, None, "What brought you here?"),
                (s("Priya"), None, None, "My manager."),
            ]
        );
        let text = "Interviewer: Your rota?\nNadia: I read it out.\nMonday  7:00\nWednesday\t21:00\nThursday  21:00\nThat is four shifts.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, None, "Your rota?"),
                (
                    s("Nadia"),
                    None,
                    None,
                    "I read it out.\nMonday  7:00\nWednesday\t21:00\nThursday  21:00\nThat is four shifts."
                ),
            ]
        );
        // Otter's headers, each with its words below, are still read, and
        // so is a speaker's header with none (a microphone left off) beside
        // the next: its name heads words elsewhere.
        assert_eq!(turns("Anna  0:02\nYes.\nBob  0:05\nNo.\n", false).len(), 2);
        let text = "Khan, Sarah   0:02\nCan you hear me?\nLopez, Maria   0:07\nKhan, Sarah   0:09\nMaria?\nLopez, Maria   0:12\nYes, sorry.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Khan, Sarah"), None, Some(2_000), "Can you hear me?"),
                (s("Khan, Sarah"), None, Some(9_000), "Maria?"),
                (s("Lopez, Maria"), None, Some(12_000), "Yes, sorry."),
            ]
        );
    }

    #[test]
    fn participant_numbers_label_turns_where_the_document_repeats_them() {
        let text = "Interviewer: How do you get to the clinic?\n1001: I take the bus.\n1001: It is late.\nInterviewer: And the staff?\n1001: Lovely.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (
                    s("Interviewer"),
                    None,
                    None,
                    "How do you get to the clinic?"
                ),
                (s("1001"), None, None, "I take the bus."),
                (s("1001"), None, None, "It is late."),
                (s("Interviewer"), None, None, "And the staff?"),
                (s("1001"), None, None, "Lovely."),
            ]
        );
        // A numbered list is text, and so is a time.
        let text = "Interviewer: Which three?\nAnna: Mine were:\n1: the bus\n2: the rota\n3: the pay\nAnna: We met at 10:30 then.\n";
        let got = turns(text, false);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[1].3, "Mine were:\n1: the bus\n2: the rota\n3: the pay");
        assert_eq!(got[2].3, "We met at 10:30 then.");
    }

    #[test]
    fn names_alone_on_their_lines_label_a_document_labelled_so() {
        // A Word transcript's bold name paragraphs, saved as text.
        let text = "Interview 12\n\nInterviewer\nHow did you start?\n\nParticipant 4\nI was nineteen.\nI needed money.\n\nInterviewer\nAnd then?\n\nParticipant 4\nThe depot hired me.\nRight\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, None, "How did you start?"),
                (
                    s("Participant 4"),
                    None,
                    None,
                    "I was nineteen.\nI needed money."
                ),
                (s("Interviewer"), None, None, "And then?"),
                (s("Participant 4"), None, None, "The depot hired me.\nRight"),
            ]
        );
        // Headings that do not come back, and replies, are no labels: the
        // paragraphs stay speakerless.
        let text = "Introduction\nWe asked ten people.\n\nMethods\nInterviews.\n\nFindings\nMostly nights.\n\nOkay\nFine.\n";
        assert!(turns(text, false).iter().all(|t| t.0.is_none()));
        let text = "Okay\nWe start.\n\nRight\nGo on.\n\nOkay\nThen.\n\nRight\nYes.\n";
        assert!(turns(text, false).iter().all(|t| t.0.is_none()));
        // Lines a page wrapped, one word left on some: no names either.
        let text = "It was in the spring of that year and\nThe\nlast shift ended late, so\nWe\nwalked home; in the end\nThe\nbus came and\nWe\ngot on. Then Maria\nSmith\nrang and Maria\nSmith\nsaid no.\n";
        assert!(turns(text, false).iter().all(|t| t.0.is_none()));
        // Under a header block whose keys are colon lines (`Interviewer:
        // Sarah Jones`): the header describes the interview, the names
        // alone on their lines still label its turns.
        let text = "Ageing Well Study\n\nDate: 02/05/2024\nInterviewer: Sarah Jones\nParticipant ID: P10\n\nInterviewer\nHow do you book?\nP10\nI ring at eight.\nInterviewer\nAnd then?\nP10\nI ring again.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, None, "How do you book?"),
                (s("P10"), None, None, "I ring at eight."),
                (s("Interviewer"), None, None, "And then?"),
                (s("P10"), None, None, "I ring again."),
            ]
        );
        // An answer that reads like a colon label (`Distance: about ten
        // miles`) among names alone on their lines is words: before, the
        // turns above it were dropped and the rest were `Distance`'s.
        let text = "Interviewer\nHow far is it?\nAnna\nDistance: about ten miles.\nInterviewer\nBy bus?\nAnna\nYes, the 42.\nInterviewer\nEvery day?\nAnna\nMost days.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, None, "How far is it?"),
                (s("Anna"), None, None, "Distance: about ten miles."),
                (s("Interviewer"), None, None, "By bus?"),
                (s("Anna"), None, None, "Yes, the 42."),
                (s("Interviewer"), None, None, "Every day?"),
                (s("Anna"), None, None, "Most days."),
            ]
        );
        // Beside colon labels a short line is that speaker's words.
        let text = "Anna: Hello.\nBob\nHi.\nAnna: Bye.\nBob\nSee you.\nBob\nOk.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Anna"), None, None, "Hello.\nBob\nHi."),
                (s("Anna"), None, None, "Bye.\nBob\nSee you.\nBob\nOk."),
            ]
        );
    }

    #[test]
    fn a_line_numbered_transcript_reads_without_its_numbers() {
        let text = "1  Interview 7\n2\n3  I: So tell me about the\n4  night shifts.\n5  R: They got longer.\n\n6\tI: Why?\n7  R: The merger.\n";
        let clean = without_line_numbers(text).unwrap();
        assert_eq!(
            clean,
            "Interview 7\n\nI: So tell me about the\nnight shifts.\nR: They got longer.\n\nI: Why?\nR: The merger.\n"
        );
        assert_eq!(
            turns(&clean, false),
            vec![
                (s("I"), None, None, "So tell me about the\nnight shifts."),
                (s("R"), None, None, "They got longer."),
                (s("I"), None, None, "Why?"),
                (s("R"), None, None, "The merger."),
            ]
        );
        // Numbers that start some lines, or do not rise, are the words'.
        for text in [
            "Anna: We had\n3 kids then.\n12 years later\nwe moved.\nBob: Ok.\n",
            "10 people came.\n5 left.\n3 stayed.\n2 slept.\n1 spoke.\n",
        ] {
            assert_eq!(without_line_numbers(text), None, "{text}");
        }
    }

    /// The hunt h22/04: `Q.<TAB>` / `A.<TAB>` (Word's hanging indent) were
    /// tab-separated labels of speakers `Q.` and `A.`, and `A.` no generic
    /// interviewee: they read as `Q. ` / `A. ` do.
    #[test]
    fn q_and_a_with_full_stops_and_tabs_read_as_with_spaces() {
        let text =
            "Q.\tWhere were you born?\nA.\tIn St Ives.\nQ.\tAnd your father?\nA.\tA fisherman.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Q"), None, None, "Where were you born?"),
                (s("A"), None, None, "In St Ives."),
                (s("Q"), None, None, "And your father?"),
                (s("A"), None, None, "A fisherman."),
            ]
        );
        // Below a header block, as with spaces.
        let text =
            "Interviewee: Arthur Penrose\n\nQ.\tBorn where?\nA.\tSt Ives.\nQ.\tWhen?\nA.\t1921.\n";
        let speakers: Vec<Option<String>> = turns(text, false).into_iter().map(|t| t.0).collect();
        assert_eq!(speakers, [s("Q"), s("A"), s("Q"), s("A")]);
        // Other tab labels are names as before.
        let text = "Anna\tWhy nights?\nBen\tThe pay.\nAnna\tAnd?\n";
        let speakers: Vec<Option<String>> = turns(text, false).into_iter().map(|t| t.0).collect();
        assert_eq!(speakers, [s("Anna"), s("Ben"), s("Anna")]);
    }

    #[test]
    fn q_and_a_with_full_stops_label_a_document_that_has_both() {
        let text = "Q. How did you start?\nA. I was nineteen.\nQ. And then?\nA. The depot.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Q"), None, None, "How did you start?"),
                (s("A"), None, None, "I was nineteen."),
                (s("Q"), None, None, "And then?"),
                (s("A"), None, None, "The depot."),
            ]
        );
        // A list is not an interview.
        let text = "A. Costs\nB. Staff\nA. Again costs\n";
        assert!(turns(text, false).iter().all(|t| t.0.is_none()));
    }

    #[test]
    fn repeated_name_and_time_lines_with_one_space_or_time_first_are_labels() {
        // Trint / Happy Scribe: name, one space, time.
        let text = "Interviewer 00:00:01\nThanks for joining.\n\nParticipant 3 00:00:07\nSure. Nights.\n\nInterviewer 00:00:20\nWhy?\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Interviewer"), None, Some(1_000), "Thanks for joining."),
                (s("Participant 3"), None, Some(7_000), "Sure. Nights."),
                (s("Interviewer"), None, Some(20_000), "Why?"),
            ]
        );
        let text = "Speaker 1 [00:00:01]\nHello.\n\nSpeaker 2 [00:00:05]\nHi.\n\nSpeaker 1 [00:00:09]\nBye.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Speaker 1"), None, Some(1_000), "Hello."),
                (s("Speaker 2"), None, Some(5_000), "Hi."),
                (s("Speaker 1"), None, Some(9_000), "Bye."),
            ]
        );
        // Word's Transcribe: time, then name.
        let text =
            "00:00:00 Speaker 1\nHello.\n\n00:00:05 Speaker 2\nHi.\n\n[00:00:09] Speaker 1\nBye.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Speaker 1"), None, Some(0), "Hello."),
                (s("Speaker 2"), None, Some(5_000), "Hi."),
                (s("Speaker 1"), None, Some(9_000), "Bye."),
            ]
        );
        // Once, or never repeating a name, such a line is a heading.
        let text = "Meeting 10:30\nAnna: Hello.\n";
        assert_eq!(turns(text, false), vec![(s("Anna"), None, None, "Hello.")]);
        let text = "Budget 10:30\nWe spent it.\n\nPlans 11:00\nMore.\n\nRisks 11:30\nFew.\n";
        assert!(turns(text, false).iter().all(|t| t.0.is_none()));
    }

    /// The hunt h22/03: a transcript table saved as text keeps its heading
    /// row, which was a turn of a speaker `Speaker` who said "Utterance".
    #[test]
    fn a_tables_heading_row_saved_as_text_is_no_turn() {
        let text = "Speaker\tUtterance\nInterviewer\tWhat was your first job?\nDorothy\tI went into service.\n\tI was fourteen.\nInterviewer\tWere you paid?\nDorothy\tFive shillings.\n";
        let got: Vec<(Option<String>, &str)> =
            turns(text, false).into_iter().map(|t| (t.0, t.3)).collect();
        assert_eq!(
            got,
            vec![
                (s("Interviewer"), "What was your first job?"),
                (s("Dorothy"), "I went into service.\n\tI was fourteen."),
                (s("Interviewer"), "Were you paid?"),
                (s("Dorothy"), "Five shillings."),
            ]
        );
        // With a time column first, and below a title: the heading ends
        // the text above it, which is no one's.
        let text = "Interview 10\nTime\tSpeaker\tText\n00:12\tJonas\tToo dear.\n00:20\tIlse\tNo.\n00:31\tJonas\tYes.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Jonas"), None, Some(12_000), "Too dear."),
                (s("Ilse"), None, Some(20_000), "No."),
                (s("Jonas"), None, Some(31_000), "Yes."),
            ]
        );
        // A speaker's words that are no column's name stay a turn.
        let text = "Interviewer\tText?\nParticipant\tWords, yes.\nInterviewer\tSpeech\n";
        assert_eq!(turns(text, false).len(), 3);
        assert!(is_table_heading_line("Speaker:\tTranscript\t"));
        assert!(!is_table_heading_line("Speaker Transcript"));
        assert!(!is_table_heading_line("Speaker\t"));
    }

    #[test]
    fn repeated_tab_or_dash_separated_labels_are_labels() {
        for (text, asker) in [
            (
                "Interviewer\tWhy nights?\nParticipant\tThe pay.\nInterviewer\tAnd?\n",
                "Interviewer",
            ),
            ("I - Why nights?\nParticipant - The pay.\nI - And?\n", "I"),
        ] {
            let got: Vec<(Option<String>, &str)> =
                turns(text, false).into_iter().map(|t| (t.0, t.3)).collect();
            assert_eq!(
                got,
                vec![
                    (s(asker), "Why nights?"),
                    (s("Participant"), "The pay."),
                    (s(asker), "And?"),
                ],
                "{text:?}"
            );
        }
        // A table row saved as text, its time first.
        let text = "00:12\tJonas\tToo dear.\n00:20\tIlse\tNo.\n00:31\tJonas\tYes.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Jonas"), None, Some(12_000), "Too dear."),
                (s("Ilse"), None, Some(20_000), "No."),
                (s("Jonas"), None, Some(31_000), "Yes."),
            ]
        );
        // Its time second (Speaker | Time | Text): the time is the start.
        let text = "Jonas\t00:12\tToo dear.\nIlse\t00:20\tNo.\nJonas\t00:31\tYes.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (s("Jonas"), None, Some(12_000), "Too dear."),
                (s("Ilse"), None, Some(20_000), "No."),
                (s("Jonas"), None, Some(31_000), "Yes."),
            ]
        );
        // Once, a dash is punctuation: "Anna - the nurse - said so."
        let text = "Notes\nAnna - the nurse - said so.\n";
        assert!(turns(text, false).iter().all(|t| t.0.is_none()));
    }

    #[test]
    fn zooms_transcript_and_lower_case_display_names_label_turns() {
        // Zoom's .txt transcript: `[Display name] time`, the words below.
        let zoom = "[Helen Ward] 10:02:14\nCould you tell me about your role?\n\n\
                    [karen doyle] 10:02:20\nYeah, sure.\n\n\
                    [Helen Ward] 10:02:31\nAnd how long?\n\n\
                    [karen doyle] 10:02:35\nEleven years now.\n";
        let t = turns(zoom, false);
        assert_eq!(
            t.iter()
                .map(|t| (t.0.as_deref(), t.2, t.3))
                .collect::<Vec<_>>(),
            vec![
                (
                    Some("Helen Ward"),
                    Some(36_134_000),
                    "Could you tell me about your role?"
                ),
                (Some("karen doyle"), Some(36_140_000), "Yeah, sure."),
                (Some("Helen Ward"), Some(36_151_000), "And how long?"),
                (Some("karen doyle"), Some(36_155_000), "Eleven years now."),
            ]
        );
        // A time, a display name in lower case and a colon.
        let timed = "[00:00:01] Helen Ward: Your role?\n\
                     [00:00:14] karen doyle: A nurse.\n\
                     [00:00:27] Helen Ward: Mm-hmm.\n\
                     [00:00:29] karen doyle: For years.\n\
                     [00:00:40] Helen Ward: Thanks.\n\
                     [00:00:41] karen doyle: Bye.\n";
        let who: Vec<Option<String>> = turns(timed, false).into_iter().map(|t| t.0).collect();
        assert_eq!(
            who,
            vec![
                s("Helen Ward"),
                s("karen doyle"),
                s("Helen Ward"),
                s("karen doyle"),
                s("Helen Ward"),
                s("karen doyle")
            ]
        );
    }

    /// Otter's header with a lower-case display name, and roles in square
    /// brackets before the words, where the document repeats them.
    #[test]
    fn lower_case_otter_headers_and_bracketed_roles_label_turns() {
        let otter = "sarah khan  0:03\nThanks for doing this.\n\n\
                     maria lopez  0:12\nYeah, that's fine.\n\n\
                     sarah khan  0:21\nHow did you start?\n\n\
                     maria lopez  0:30\nIn retail.\n";
        let t: Vec<(Option<String>, Option<u64>, String)> = turns(otter, false)
            .into_iter()
            .map(|t| (t.0, t.2, t.3.to_string()))
            .collect();
        assert_eq!(
            t,
            vec![
                (
                    s("sarah khan"),
                    Some(3_000),
                    "Thanks for doing this.".to_string()
                ),
                (
                    s("maria lopez"),
                    Some(12_000),
                    "Yeah, that's fine.".to_string()
                ),
                (
                    s("sarah khan"),
                    Some(21_000),
                    "How did you start?".to_string()
                ),
                (s("maria lopez"), Some(30_000), "In retail.".to_string()),
            ]
        );
        let bracketed = "[Interviewer] Thanks for doing this.\n\n\
                         [Participant] Yeah, that's fine. [laughs]\n\n\
                         [Interviewer] How did you start?\n\n\
                         [Participant] In retail.\n";
        let t: Vec<(Option<String>, String)> = turns(bracketed, false)
            .into_iter()
            .map(|t| (t.0, t.3.to_string()))
            .collect();
        assert_eq!(
            t,
            vec![
                (s("Interviewer"), "Thanks for doing this.".to_string()),
                (s("Participant"), "Yeah, that's fine. [laughs]".to_string()),
                (s("Interviewer"), "How did you start?".to_string()),
                (s("Participant"), "In retail.".to_string()),
            ]
        );
        // Transcriber's notes opening lines are no labels, nor are
        // anonymised names (speech) or minutes' tags (notes).
        let notes = "[laughs] Yeah.\n[inaudible] so.\n[laughs] Right.\n[laughs] Okay.\n";
        assert!(turns(notes, false).iter().all(|t| t.0.is_none()));
        let redacted = "Interviewer: What happened?\n\
                        Participant: It was bad.\n\
                        [Manager] told me I was too slow.\n\
                        [Name] did nothing about it.\n\
                        [Manager] laughed.\n\
                        [Action] Ravi to draft a rota.\n\
                        [Action] Ellen to book a room.\n";
        let who: Vec<Option<String>> = turns(redacted, false).into_iter().map(|t| t.0).collect();
        assert_eq!(who, vec![s("Interviewer"), s("Participant")]);
    }

    #[test]
    fn a_second_speakers_label_inside_a_line_starts_their_turn() {
        let text = "Moderator: Is the bus on time?\n\
                    P3: Okay, maybe not. [laughs] P1: Fair enough.\n\
                    P1: It is late. The driver said: wait.\n";
        let t = turns(text, false);
        assert_eq!(
            t.iter().map(|t| (t.0.as_deref(), t.3)).collect::<Vec<_>>(),
            vec![
                (Some("Moderator"), "Is the bus on time?"),
                (Some("P3"), "Okay, maybe not. [laughs]"),
                (Some("P1"), "Fair enough."),
                // "said:" names no speaker of the document.
                (Some("P1"), "It is late. The driver said: wait."),
            ]
        );
    }

    #[test]
    fn two_speakers_answering_together_are_a_joint_voice() {
        let text = "Moderator: Is the bus on time?\n\
                    P2: Never.\n\
                    P5: Not once.\n\
                    P2/P5: Which is crazy.\n\
                    Priya: And the fares.\n\
                    Siobhán: Yes.\n\
                    Priya and Siobhán: Far too dear.\n\
                    Pros and cons: a line of text.\n";
        let t = turns(text, false);
        let who: Vec<Option<&str>> = t.iter().map(|t| t.0.as_deref()).collect();
        assert_eq!(
            who,
            vec![
                Some("Moderator"),
                Some("P2"),
                Some("P5"),
                Some("P2/P5"),
                Some("Priya"),
                Some("Siobhán"),
                Some("Priya and Siobhán"),
            ]
        );
        // `Pros and cons` names no speaker of the document: Priya and
        // Siobhán's turn goes on.
        assert_eq!(t[6].3, "Far too dear.\nPros and cons: a line of text.");
        assert!(crate::speaker::is_group_name("P2/P5"));
        assert!(crate::speaker::is_group_name("Priya and Siobhán"));
        assert!(!crate::speaker::is_group_name("Juan García y López"));
    }

    #[test]
    fn a_transcripts_end_line_and_a_tools_notices_are_no_ones_speech() {
        let text = "Helen Ward started transcription\n\
                    Interviewer: How long have you worked there?\n\
                    Participant: Eleven years.\n\
                    And it went by fast.\n\
                    END OF TRANSCRIPT\n\
                    Transcribed by https://otter.ai\n";
        let t = turns(text, false);
        assert_eq!(
            t.iter().map(|t| t.3).collect::<Vec<_>>(),
            vec![
                "How long have you worked there?",
                "Eleven years.\nAnd it went by fast."
            ]
        );
        for marker in [
            "[END OF RECORDING]",
            "--- END ---",
            "END",
            "*** End of interview ***",
            "ENDE DES TRANSKRIPTS",
            "FIN DE LA TRANSCRIPCIÓN",
            "Meeting ended after 00:47:12 👋",
            "Helen Ward stopped transcription",
            "[Recording stopped]",
            "[Transcript ends]",
            "[Interview concluded]",
        ] {
            assert!(is_transcript_marker(marker), "{marker}");
        }
        // A speaker's own words are not markers.
        for speech in [
            "End.",
            "That was the end of it.",
            "Transcribed by whom, I wonder",
        ] {
            assert!(!is_transcript_marker(speech), "{speech}");
        }
    }

    /// Google Meet's closing lines and Sonix's advert end the turn above
    /// them (ht/03: Meet's three were the last speaker's sentences); a
    /// speaker's words about such things are speech.
    #[test]
    fn meet_and_sonix_closing_lines_are_no_ones_speech() {
        let text = "Sarah Khan: What helped you cope with that?\n\
                    Maria Lopez: My team, mostly.\n\
                    Transcription ended after 00:07:41\n\
                    \n\
                    This editable transcript was computer generated and might contain errors. People can also change the text after it was created.\n";
        assert_eq!(
            turns(text, false),
            vec![
                (
                    s("Sarah Khan"),
                    None,
                    None,
                    "What helped you cope with that?"
                ),
                (s("Maria Lopez"), None, None, "My team, mostly."),
            ]
        );
        let sonix = "Anna: We started in May.\n\
                     Automatically convert your audio files to text with Sonix. Sonix is the best online, automated transcription service.\n\
                     Ben: And then?\n\
                     Sonix is the world's most advanced automated transcription, translation, and subtitling platform. Fast, accurate, and affordable.\n";
        assert_eq!(
            turns(sonix, false),
            vec![
                (s("Anna"), None, None, "We started in May."),
                (s("Ben"), None, None, "And then?"),
            ]
        );
        for marker in [
            "Transcription ended after 01:02:03",
            "This editable transcript was computer-generated and might contain errors.",
        ] {
            assert!(is_transcript_marker(marker), "{marker}");
        }
        for speech in [
            "Transcription ended after the second meeting, I think.",
            "This editable transcript was computer generated and might contain errors, you said?",
            "The transcript was computer generated and might contain errors.",
            "I asked whether Sonix is the world's most advanced automated transcription tool.",
            "Transcription ended after 00:07:41 and then we talked on.",
        ] {
            assert!(!is_transcript_marker(speech), "{speech}");
        }
    }

    /// Lines a reader knows are headings (a Word table's merged row) end
    /// the turn above them and are no one's words (ht/01).
    #[test]
    fn heading_lines_end_the_turn_above_them() {
        let text = "Interviewer: How did you hear of it?\nP07: A neighbour told me.\nExperiences of the Service\nInterviewer: And the first visit?\nP07: Kind.";
        let turns: Vec<(Option<String>, &str)> = turns_from_text_with_headings(text, false, &[2])
            .into_iter()
            .map(|t| (t.speaker, &text[t.start..t.end]))
            .collect();
        assert_eq!(
            turns,
            vec![
                (s("Interviewer"), "How did you hear of it?"),
                (s("P07"), "A neighbour told me."),
                (s("Interviewer"), "And the first visit?"),
                (s("P07"), "Kind."),
            ]
        );
        // Without, the heading is P07's.
        assert_eq!(
            &text[turns_from_text(text, false)[1].start..turns_from_text(text, false)[1].end],
            "A neighbour told me.\nExperiences of the Service"
        );
    }

    /// A heading line keeps its place when page furniture above it is
    /// taken out.
    #[test]
    fn heading_lines_move_up_with_the_page_furniture_taken_out() {
        let text = "Interview 7 – Page 1 of 2\nAnna: Hi.\nSection B\nBen: Yo.\nInterview 7 – Page 2 of 2\nSection C\nAnna: Bye.";
        let file = SourceFile {
            path: std::path::Path::new("t.docx"),
            name: "t.docx",
            bytes: b"",
        };
        let doc = extracted_text_with_headings(file, text.to_string(), &[2, 5])
            .unwrap()
            .remove(0);
        assert_eq!(
            doc.text,
            "Anna: Hi.\nSection B\nBen: Yo.\nSection C\nAnna: Bye."
        );
        let turns: Vec<&str> = doc
            .turns
            .iter()
            .map(|t| &doc.text[t.start..t.end])
            .collect();
        assert_eq!(turns, vec!["Hi.", "Yo.", "Bye."]);
    }

    #[test]
    fn no_labels_means_paragraph_turns() {
        let text = "First paragraph\nstill first.\n\n  Second one.  \n";
        assert_eq!(
            turns(text, false),
            vec![
                (None, None, None, "First paragraph\nstill first."),
                (None, None, None, "Second one."),
            ]
        );
    }
}
#[cfg(test)]
mod unicode_text_tests {
    use super::*;

    #[test]
    fn excel_unicode_text_is_read_as_its_table() {
        let text = "Respondent\tTeam\tWhat could we improve?\r\nR1\tFinance\tParking is too expensive.\r\nR2\tNursing\tMore staff on nights.\r\nR3\tPharmacy\tFix the ordering.\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let columns = crate::formats::TableColumns {
            speaker: "Respondent".into(),
            text: "What could we improve?".into(),
            ..Default::default()
        };
        let reader = TextReader {
            format: SourceFormat::Text,
            columns,
        };
        let path = std::path::Path::new("survey.txt");
        let docs = reader
            .read(SourceFile {
                path,
                name: "survey.txt",
                bytes: &bytes,
            })
            .unwrap();
        let turns: Vec<Option<&str>> = docs[0].turns.iter().map(|t| t.speaker.as_deref()).collect();
        assert_eq!(turns, [Some("R1"), Some("R2"), Some("R3")], "{docs:?}");
    }
}
