//! Speaker labels at the start of a transcript line: `Anna: …`,
//! `Anna (Police): …`, `[00:01:02] Anna: …`, `ANNA: …`, `**Anna:** …`,
//! `Q: …`. A label is a short name-like prefix — at most four words, each
//! capitalised (or a digit, or a name particle such as "van") — so ordinary
//! sentences with a colon ("The point is: we need …", "Note: …") stay text.
//!
//! Hand-written rather than a regex: the checks (word shapes, stop-lists,
//! parenthesised role *or* time) read more plainly as code, and no crate
//! recognises transcript speaker labels.

/// A speaker label found at the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerLabel {
    pub name: String,
    pub role: Option<String>,
    pub start_ms: Option<u64>,
    /// Byte offset in the line where the utterance starts (after the label
    /// and following spaces).
    pub text_start: usize,
}

const MAX_NAME_CHARS: usize = 40;
const MAX_WORDS: usize = 4;

/// Single words that head notes and headers, not speakers.
const NOT_NAMES: &[&str] = &[
    "note",
    "notes",
    "nb",
    "ps",
    "p.s.",
    "example",
    "examples",
    "summary",
    "update",
    "edit",
    "warning",
    "important",
    "tip",
    "reminder",
    "date",
    "time",
    "location",
    "place",
    "venue",
    "title",
    "subject",
    "topic",
    "agenda",
    "meeting",
    "source",
    "sources",
    "duration",
    "participants",
    "present",
    "attendees",
    "transcript",
    "recording",
    "session",
    "context",
    "definition",
    "conclusion",
    "background",
    "result",
    "results",
    "goal",
    "goals",
    "re",
    "fwd",
    "step",
    "part",
    "section",
    "chapter",
    "figure",
    "table",
    "fact",
    "problem",
    "solution",
    "yes",
    "no",
    "ok",
    "okay",
    "so",
    "well",
    "also",
    "however",
    "therefore",
    "because",
    "first",
    "second",
    "third",
    "finally",
    "then",
    "now",
    "here",
    "remember",
    "caveat",
    "disclaimer",
    "keywords",
    "abstract",
    "purpose",
    "aim",
    "method",
    "methods",
    "status",
    "version",
    "author",
    "url",
    "http",
    "https",
    "email",
    "phone",
    "tel",
    "address",
    "total",
    "answer:",
    "todo",
    "fyi",
    // A research transcript's header block (`Project:`, `Transcriber:
    // KL`, `Interview 07`), in English, German, French and Spanish.
    "project",
    "study",
    "interview",
    "transcriber",
    "transcribed",
    "transcription",
    "file",
    "filename",
    "audio",
    "video",
    "length",
    "pseudonym",
    "datum",
    "dauer",
    "ort",
    "projekt",
    "fecha",
    "lugar",
    "duración",
    "durée",
    "lieu",
    "entretien",
    "entrevista",
    // Pronouns head the lines of dialogue a speaker re-enacts inside an
    // answer (`Me: "Can we talk?"` / `Her: "Not now."`), never a speaker
    // of the transcript; "I" is the interviewer's label and stays one.
    "me",
    "her",
    "him",
    "she",
    "he",
    "they",
    "them",
    "we",
    "us",
    "you",
    "myself",
];

/// Keys of the interviewee's particulars in a research transcript's header
/// block (`Gender: Female`, `Age: 54`, `Occupation: Staff nurse`, `Site:
/// Leeds`, `Age group: 40-49`, `Marital status: married`): header keys there
/// ([`header_block_end`]), not everywhere, and no first name (`Ward:` and
/// `Job:` speak in Dutch and English transcripts).
const HEADER_KEYS: &[&str] = &[
    "study",
    "project",
    "role",
    "employment",
    "marital",
    "years",
    "experience",
    "gender",
    "sex",
    "age",
    "occupation",
    "profession",
    "site",
    "setting",
    "ethnicity",
    "nationality",
    "religion",
    "language",
    "languages",
    "mode",
    "consent",
    "education",
    "department",
    "organisation",
    "organization",
    "employer",
    "region",
    "country",
    "geschlecht",
    "alter",
    "beruf",
    "sexe",
    "âge",
    "sexo",
    "edad",
    "ocupación",
];

/// Keys of a header block's title line, whose value may be longer than
/// another key's: `Study: Access to primary care among resettled refugees`.
const TITLE_KEYS: &[&str] = &["study", "study title", "project", "project title", "title"];

/// Last words of a header block's multi-word keys (`Interview ID`,
/// `Participant code`, `Date of interview`, `Transcribed by`), lower
/// case: such a line is metadata, not a speaker.
const METADATA_LAST_WORDS: &[&str] = &[
    "id",
    "no",
    "no.",
    "nr",
    "nr.",
    "number",
    "code",
    "date",
    "time",
    "length",
    "duration",
    "by",
    "on",
    "location",
    "interview",
    "recording",
    "transcript",
    "pseudonym",
];

/// Words that start sentences, so never the first word of a multi-word name.
const NOT_FIRST_WORDS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "it", "its", "my", "our", "your", "their",
    "his", "her", "we", "i", "in", "on", "at", "for", "to", "so", "and", "but", "or", "then",
    "well", "yes", "no", "also", "however", "one", "here", "there", "what", "why", "how", "when",
    "where", "which", "who", "if", "as", "all", "some", "every", "each", "of", "with", "from",
    "by", "not", "just", "only", "because", "since", "after", "before", "please", "thank",
    "thanks", "let", "now", "remember", "okay", "ok", "note", "hi", "hello", "hey", "welcome",
    "morning", "good", "great", "sure", "right",
];

/// Words that open speech, not a surname: `Yeah, Maria` is no
/// `Surname, Given`.
const SPEECH_OPENERS: &[&str] = &[
    "yeah",
    "yep",
    "oh",
    "um",
    "uh",
    "ah",
    "hmm",
    "mm",
    "dear",
    "sorry",
    "cheers",
    "bye",
    "excuse",
    "listen",
    "look",
    "see",
    "wait",
    "anyway",
    "actually",
    "honestly",
    "basically",
];

/// A directory's `Surname, Given` (`Lopez, Maria`), as Microsoft Teams
/// and Outlook show staff of many organisations: one person, where a
/// format marks it as a speaker (a caption's voice tag, a table's speaker
/// cell, a survey's id) or a document repeats it as a label
/// ([`relaxed_label`]). Read as a joint label of two people before, every
/// such speaker was counted as nobody. Not a sentence's opening (`Well,
/// Maria`, `Yeah, so`), nor an initial (`Smith, J.`). A comma label said
/// once inside an answer (`Mum, Dad: I have news.`) stays speech.
pub fn is_surname_given(name: &str) -> bool {
    let name = name.trim();
    let Some((surname, given)) = name.split_once(", ") else {
        return false;
    };
    let opens_speech = |part: &str| {
        part.split_whitespace().next().is_some_and(|w| {
            let w = w.to_lowercase();
            NOT_FIRST_WORDS.contains(&w.as_str()) || SPEECH_OPENERS.contains(&w.as_str())
        })
    };
    name.chars().count() <= MAX_NAME_CHARS
        && !given.contains(',')
        && !given.trim_end().ends_with('.')
        && given.trim().chars().filter(|c| c.is_alphabetic()).count() >= 2
        && [surname, given].iter().all(|part| {
            let part = part.trim();
            part.split_whitespace().count() <= 2
                && !part.chars().any(char::is_numeric)
                && !opens_speech(part)
                && is_name_like(part)
        })
}

/// Lower-case particles allowed inside names ("Anna van Dijk").
const NAME_PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "la", "le", "bin", "al",
    "ten", "ter", "y",
];

/// Parses a speaker label at the start of `line` (a line without its end).
pub fn parse_speaker_line(line: &str) -> Option<SpeakerLabel> {
    colon_label(line).or_else(|| name_and_time_line(line))
}

/// The header line of Otter.ai and Teams exports: `Anna Smith  0:02` alone on
/// a line (two spaces or a tab before the time), the utterance below.
fn name_and_time_line(line: &str) -> Option<SpeakerLabel> {
    let trimmed = line.trim();
    let (name, time) = trimmed.rsplit_once(char::is_whitespace)?;
    let ms = parse_clock(time)?;
    // Exports separate name and time by two spaces or a tab; one space is
    // how a heading ("Meeting 10:30") reads.
    let separator = trimmed[name.len()..].chars().next();
    if !(name.ends_with(char::is_whitespace) || separator == Some('\t')) {
        return None;
    }
    timed_header(name.trim(), ms, line)
}

/// The label of a header line alone on `line` (its words on the lines
/// below): `name` must read as a name and hold no time.
fn timed_header(name: &str, ms: u64, line: &str) -> Option<SpeakerLabel> {
    // A tab inside separates a name from its words (`00:12<TAB>Jonas<TAB>No.`).
    if name.contains('\t') {
        return None;
    }
    name_line(name, Some(ms), line)
}

/// The label of a line that holds a name and nothing said (the words are
/// on the lines below), if `name` reads as a name and holds no time.
/// A name and the bracket after it, as a colon label may have one:
/// pronouns (`Maria Lopez (she/her)`, as Otter, Zoom and Teams show
/// display names) give no role, else the bracket is a role or id
/// (`(Guest)`, `(External)`, `(P01)`). A time or a transcriber's note in
/// the bracket is none of these: the name is returned whole.
pub(crate) fn name_and_bracket(name: &str) -> (&str, Option<String>) {
    match name
        .trim()
        .strip_suffix(')')
        .and_then(|n| n.rsplit_once('('))
    {
        Some((base, inner))
            if !base.trim().is_empty()
                && !inner.trim().is_empty()
                && inner.chars().count() <= MAX_NAME_CHARS
                && !inner.contains(['(', ')'])
                && parse_clock(inner.trim()).is_none()
                && !crate::notes::is_transcriber_note(inner) =>
        {
            let inner = inner.trim();
            (
                base.trim(),
                (!is_pronouns(inner)).then(|| inner.to_string()),
            )
        }
        _ => (name, None),
    }
}

fn name_line(name: &str, start_ms: Option<u64>, line: &str) -> Option<SpeakerLabel> {
    // A bracket after the name (`Maria Lopez (she/her)  0:12`, `(Guest)`):
    // such a header was no label before, and it and the answer below it
    // went to the speaker above.
    let (name, role) = name_and_bracket(name);
    if !is_name_like(name) || name.split_whitespace().any(|w| parse_clock(w).is_some()) {
        return None;
    }
    Some(SpeakerLabel {
        name: name.to_string(),
        role,
        start_ms,
        text_start: line.len(),
    })
}

/// A speaker header as some exports write it, alone on its line, that one
/// line alone cannot tell from a heading: `Participant 3 00:00:07` or
/// `Speaker 1 [00:00:07]` (name, then time: Trint, Happy Scribe) or
/// `00:00:07 Speaker 2` (time, then name: Word's Transcribe). [`crate::formats::text::turns_from_text`]
/// reads these as labels only where a document repeats them
/// ([`repeated_header_lines`]); "Meeting 10:30" once is a heading.
pub(crate) fn header_line(line: &str) -> Option<SpeakerLabel> {
    let trimmed = line.trim();
    let (first, last) = (
        trimmed.split_whitespace().next()?,
        trimmed.split_whitespace().last()?,
    );
    let (name, ms) = if let Some(ms) = token_time(last) {
        (trimmed[..trimmed.len() - last.len()].trim(), ms)
    } else {
        (trimmed[first.len()..].trim(), token_time(first)?)
    };
    // Zoom's transcript (.txt): `[Helen Ward] 10:02:14`, the display name
    // in brackets as its user set it (`[karen doyle]`, `[Karen's iPhone]`).
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        let inner = inner.trim();
        return is_display_name(inner).then(|| SpeakerLabel {
            name: inner.to_string(),
            role: None,
            start_ms: Some(ms),
            text_start: line.len(),
        });
    }
    // Otter's header with a display name as its user set it, `maria lopez
    // 0:12` (two spaces or a tab before a time at the end): the format
    // marks the name as Zoom's brackets do, where the document repeats it.
    // Before, each such document was one unnamed participant's.
    let before_time = &trimmed[..trimmed.len() - last.len()];
    let spaced = before_time.ends_with("  ") || before_time.ends_with('\t');
    // Teams' `Khan, Sarah   0:03`, and a guest's `Lopez, Maria (External)
    // 0:20` (before, only the first was read, and the guest's answers went
    // to the interviewer).
    let (base, role) = name_and_bracket(name);
    if token_time(last).is_some() && spaced && is_surname_given(base) {
        return Some(SpeakerLabel {
            name: base.to_string(),
            role,
            start_ms: Some(ms),
            text_start: line.len(),
        });
    }
    if token_time(last).is_some() && spaced && !name.contains(':') && is_display_name(name) {
        if let Some(label) = timed_header(name, ms, line) {
            return Some(label);
        }
        if !name.contains('\t') && !name.split_whitespace().any(|w| parse_clock(w).is_some()) {
            return Some(SpeakerLabel {
                name: name.to_string(),
                role: None,
                start_ms: Some(ms),
                text_start: line.len(),
            });
        }
    }
    timed_header(name, ms, line)
}

/// A display name as a meeting tool shows it, as its user set it: short,
/// with a letter and without sentence punctuation (`karen doyle`,
/// `Karen's iPhone`). Looser than [`is_name_like`], so read only where the
/// format marks the name (Zoom's brackets, a caption file's every cue).
pub(crate) fn is_display_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name.split_whitespace().count() <= MAX_WORDS + 1
        && name.chars().any(char::is_alphabetic)
        && !name.contains(['"', '“', '”', '?', '!', ',', ';', ':', '(', ')', '[', ']'])
        && !name.to_lowercase().contains("http")
}

/// A time written as one token: `00:00:07`, `[00:00:07]`, `(00:07)` or
/// Markdown's `\[00:00:07\]`.
fn token_time(token: &str) -> Option<u64> {
    let t = token.strip_prefix('\\').unwrap_or(token);
    let t = t
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .or_else(|| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .unwrap_or(t);
    parse_clock(t.strip_suffix('\\').unwrap_or(t))
}

/// A label separated from its words by a tab or a dash rather than a colon:
/// `Interviewer<TAB>Thanks for coming.` (a two-column table saved as text),
/// `I - So tell me.`, `Anna – Well.` Like [`header_line`], only where a
/// document repeats them.
/// A time may come first, as in a table row `00:12<TAB>Jonas<TAB>…` (an
/// RTF or text export of a transcription service's table).
pub(crate) fn separated_label(line: &str) -> Option<SpeakerLabel> {
    let (start_ms, from) = match leading_time(line, skip_ws(line, 0)) {
        Some((ms, next)) => (Some(ms), skip_ws(line, next)),
        None => (None, 0),
    };
    let rest = &line[from..];
    let (name_end, text_start) = match rest.find('\t') {
        Some(tab) => (tab, tab + 1),
        None => [" - ", " – ", " — "]
            .iter()
            .filter_map(|d| rest.find(d).map(|i| (i, i + d.len())))
            .min()?,
    };
    let name = rest[..name_end].trim();
    if !is_name_like(name) || name.split_whitespace().any(|w| parse_clock(w).is_some()) {
        return None;
    }
    // `Q.<TAB>` / `A.<TAB>` (an oral history typed with Word's hanging
    // indent) are the question-and-answer letters, read as such where a
    // document has both ([`letter_dot_label`]), as `Q. ` / `A. ` are: taken
    // for a name here, `A.` was no generic interviewee's label but one
    // participant every narrator of a study shared (h22/04).
    if letter_dot_label(rest).is_some() {
        return None;
    }
    let mut text_start = skip_ws(line, from + text_start);
    let mut start_ms = start_ms;
    // Speaker | Time | Text (a transcript table's columns in that order):
    // the time cell after the name, before a tab, is the turn's start, not
    // its first words.
    if start_ms.is_none() {
        if let Some(tab) = line[text_start..].find('\t') {
            if let Some(ms) = parse_clock(line[text_start..text_start + tab].trim()) {
                start_ms = Some(ms);
                text_start = skip_ws(line, text_start + tab + 1);
            }
        }
    }
    Some(SpeakerLabel {
        name: name.to_string(),
        role: None,
        start_ms,
        text_start,
    })
}

/// [`header_line`] or [`separated_label`]: the labels a document's
/// repetition confirms ([`repeated_header_lines`]).
pub(crate) fn relaxed_label(line: &str) -> Option<SpeakerLabel> {
    header_line(line)
        .or_else(|| separated_label(line))
        .or_else(|| timed_display_label(line))
        .or_else(|| bracketed_role_label(line))
        .or_else(|| surname_given_label(line))
        .or_else(|| number_label(line))
        .or_else(|| sentence_case_role_label(line))
}

/// Last words (endings) of a job title or role: `nurse`, `manager`,
/// `visitor`, `assistant`, `therapist`, `worker`.
const ROLE_WORD_ENDINGS: &[&str] = &[
    "er", "or", "ist", "ant", "ent", "nurse", "wife", "lead", "user", "doctor", "guard",
];

/// `Staff nurse: words`, `Healthcare assistant: words`: a job title of two
/// or three words in sentence case (its first word capitalised, the rest
/// lower case, the last a role's: [`ROLE_WORD_ENDINGS`]), where a document
/// repeats such labels ([`repeated_header_lines`]) as a staff group's
/// transcript labels each member by post. Title case (`Staff Nurse:`)
/// was a label already; before 2026-12-07 sentence case was not, and the
/// staff's words were the facilitator's, label and all (h25/03).
fn sentence_case_role_label(line: &str) -> Option<SpeakerLabel> {
    let from = skip_ws(line, 0);
    let rest = &line[from..];
    let colon = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
    let name = rest[..colon].trim();
    let words: Vec<&str> = name.split_whitespace().collect();
    let lower = name.to_lowercase();
    let first = words.first()?;
    let last = words.last()?.to_lowercase();
    let word_ok = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_alphabetic() || c == '-');
    let role = (2..=3).contains(&words.len())
        && first.chars().next().is_some_and(char::is_uppercase)
        && first.chars().skip(1).all(char::is_lowercase)
        && words.iter().all(|w| word_ok(w))
        && words[1..]
            .iter()
            .all(|w| w.chars().all(|c| c.is_lowercase() || c == '-'))
        && !NOT_FIRST_WORDS.contains(&first.to_lowercase().as_str())
        && !NOT_NAMES.contains(&lower.as_str())
        && !METADATA_LAST_WORDS.contains(&last.as_str())
        && !HEADER_KEYS.contains(&first.to_lowercase().as_str())
        && ROLE_WORD_ENDINGS.iter().any(|e| last.ends_with(e));
    role.then(|| SpeakerLabel {
        name: name.to_string(),
        role: None,
        start_ms: None,
        text_start: skip_ws(line, (from + colon + 1).min(line.len())),
    })
}

/// `1001: words`: a participant's number as the label (health and social
/// research label turns by study id; a focus group's `1:`/`2:`). Like
/// [`header_line`], only where a document repeats them, or where they
/// take turns with the document's other labels ([`numbers_take_turns`]):
/// a list's `1: …` said once is text. Before, such answers were the
/// interviewer's turn, label and all, and never counted (hg/02).
fn number_label(line: &str) -> Option<SpeakerLabel> {
    let from = skip_ws(line, 0);
    let rest = &line[from..];
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if !(1..=6).contains(&digits) {
        return None;
    }
    let after = rest[digits..].strip_prefix(':')?;
    // `10:30` is a time, `1:` alone a list's empty item.
    if !after.starts_with([' ', '\t']) || after.trim().is_empty() {
        return None;
    }
    Some(SpeakerLabel {
        name: rest[..digits].to_string(),
        role: None,
        start_ms: None,
        text_start: skip_ws(line, from + digits + 1),
    })
}

/// `Khan, Sarah: words` ([`is_surname_given`]), where a document repeats
/// such labels: said once inside an answer (`Mum, Dad: I have news.`) a
/// comma before a colon is speech.
fn surname_given_label(line: &str) -> Option<SpeakerLabel> {
    let from = skip_ws(line, 0);
    let rest = &line[from..];
    let colon = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
    let (name, role) = name_and_bracket(rest[..colon].trim());
    is_surname_given(name).then(|| SpeakerLabel {
        name: name.to_string(),
        role,
        start_ms: None,
        text_start: skip_ws(line, (from + colon + 1).min(line.len())),
    })
}

/// `[Interviewer] So tell me…` / `[Participant] Yeah…`: a role in square
/// brackets before the words, as some transcribers mark turns.
/// Like [`header_line`], only where a document repeats them; a
/// transcriber's note (`[laughs] Yeah.`) is no label. Before, each such
/// document was one unnamed participant's, the questions counted with
/// the answers.
fn bracketed_role_label(line: &str) -> Option<SpeakerLabel> {
    let from = skip_ws(line, 0);
    let rest = line[from..].strip_prefix('[')?;
    let close = rest.find(']')?;
    let name = rest[..close].trim();
    let after = &rest[close + 1..];
    let text_start = line.len() - after.len() + (after.len() - after.trim_start().len());
    let words = after.trim();
    let words = words
        .strip_prefix(':')
        .map(str::trim_start)
        .unwrap_or(words);
    if words.is_empty()
        || !after.starts_with([' ', ':', '\t'])
        || crate::notes::is_transcriber_note(name)
        || parse_clock(name).is_some()
        || !is_name_like(name)
        // A role (`Interviewer`, `Participant 3`, `R`), not a name: an
        // anonymised name (`[Manager] told me…`, `[Name] did nothing`) is
        // speech, and a minutes' `[Action]` a note.
        || !(is_moderator_name(name) || crate::resolve::is_generic_interviewee_name(name))
    {
        return None;
    }
    let text_start = if after.trim_start().starts_with(':') {
        line.len() - after.trim_start()[1..].trim_start().len()
    } else {
        text_start
    };
    Some(SpeakerLabel {
        name: name.to_string(),
        role: None,
        start_ms: None,
        text_start,
    })
}

/// `[00:00:14] karen doyle: words`: a time, then a display name as its
/// user set it (lower case, `Karen's iPhone`) and a colon, as meeting
/// tools' exports write a turn. Like [`header_line`], only where a
/// document repeats them.
fn timed_display_label(line: &str) -> Option<SpeakerLabel> {
    let (ms, from) = leading_time(line, skip_ws(line, 0))?;
    let from = skip_ws(line, from);
    let rest = &line[from..];
    // `00:00:05 - Anna:` is [`dashed_label`]'s form, read only where the
    // document confirms it; here it made a speaker `- Anna`.
    if rest.starts_with(['-', '–', '—', '|']) {
        return None;
    }
    let colon = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
    let name = rest[..colon].trim();
    is_display_name(name).then(|| SpeakerLabel {
        name: name.to_string(),
        role: None,
        start_ms: Some(ms),
        text_start: skip_ws(line, from + colon + 1),
    })
}

/// Whether `lines` repeat [`relaxed_label`]s as speaker labels do: at
/// least three such lines that no other rule reads as a label, and some
/// name in two of them.
pub(crate) fn repeated_header_lines<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    let mut names: Vec<String> = lines
        .filter(|l| parse_speaker_line(l).is_none())
        .filter_map(|l| relaxed_label(l).map(|h| h.name))
        .collect();
    let count = names.len();
    names.sort();
    names.dedup();
    count >= 3 && names.len() < count
}

/// Whether `lines` label turns by number ([`number_label`]) as speakers
/// take turns: a labelled line (`Interviewer:`) stands between two of
/// them, or before the first and between two others. A numbered list
/// comes in one run of such lines inside a turn (`1: the bus` / `2: the
/// rota`); a respondent's `1001:` answers the interviewer's questions, a
/// focus group's `1:`, `2:` and `3:` the moderator's. Before, a
/// follow-up call's `1001:` said twice, or a group's numbers said once
/// each, were short of [`repeated_header_lines`]' three lines with a name
/// in two, and the respondent's answers were the interviewer's turn, label
/// and all (h17/03).
fn numbers_take_turns<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    // Runs of number lines each after a labelled line.
    let mut answering_runs = 0usize;
    let mut labelled_since = false;
    for line in lines {
        if parse_speaker_line(line).is_some() {
            labelled_since = true;
        } else if number_label(line).is_some() {
            answering_runs += usize::from(labelled_since);
            labelled_since = false;
        }
    }
    answering_runs >= 2
}

/// Words said alone on a line that a name line is not ("Right", "Okay",
/// "Thank you"), lower case.
const REPLIES: &[&str] = &[
    "yes",
    "no",
    "yeah",
    "yep",
    "nope",
    "ok",
    "okay",
    "right",
    "sure",
    "fine",
    "good",
    "great",
    "true",
    "exactly",
    "absolutely",
    "definitely",
    "really",
    "indeed",
    "thanks",
    "thank you",
    "hello",
    "hi",
    "bye",
    "well",
    "so",
    "and",
    "but",
    "hmm",
    "mm",
    "mhm",
    "uh",
    "um",
    "oh",
    "ah",
    "wow",
    "cool",
    "nice",
    "agreed",
    "correct",
    "maybe",
    "perhaps",
    "never",
    "always",
    "sometimes",
    "pause",
    "silence",
    "laughter",
    "laughs",
    "inaudible",
    "crosstalk",
    "end",
    "introduction",
    "background",
    "transcript",
    "interview",
    "contents",
];

/// A speaker's name alone on its line, the words on the lines below
/// (`Interviewer`, `Participant 3`, `Dr Jones`), as a transcript written in
/// Word often sets a bold name paragraph above each turn. One line cannot
/// tell it from a short reply, so [`DocumentLabels`] takes these only
/// where a whole document is labelled so.
fn bare_label(line: &str) -> Option<SpeakerLabel> {
    let name = line.trim();
    let lower = name.to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    if name.ends_with(['.', '?', '!', ',', ';', '…', '-'])
        || REPLIES.contains(&lower.as_str())
        // A wrapped line's first word ("The", "We") is no name.
        || NOT_FIRST_WORDS.contains(&first)
    {
        return None;
    }
    name_line(name, None, line)
}

/// `Q. How did you start?` / `A. I was nineteen.`: the question-and-answer
/// letters of court and oral-history transcripts, with a full stop where
/// others write a colon. [`DocumentLabels`] takes them where a document
/// has both, each at least twice.
fn letter_dot_label(line: &str) -> Option<SpeakerLabel> {
    let from = skip_ws(line, 0);
    let rest = &line[from..];
    let letter = ["Q. ", "A. ", "Q.\t", "A.\t"]
        .iter()
        .find(|p| rest.starts_with(**p))?;
    Some(SpeakerLabel {
        name: letter[..1].to_string(),
        role: None,
        start_ms: None,
        text_start: skip_ws(line, from + 2),
    })
}

/// A group's word that is also a header block's key, capitalised
/// (`Participants`, `PARTICIPANTS`): [`NOT_NAMES`] keeps it from being a
/// name (`Participants: 8`), [`GROUP_NAMES`] makes its turns no one's.
fn is_group_header_word(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    GROUP_NAMES.contains(&lower.as_str())
        && NOT_NAMES.contains(&lower.as_str())
        && name.trim().starts_with(char::is_uppercase)
}

/// Whether the words after a header key read as its value, not speech:
/// nothing (a list on the lines below), a count (`8`, `8 (5 women)`,
/// `Eight`), a blank mark, or a list of names or ids (`Anna, Ben, Carl`,
/// `Anna Smith (P01); Ben Jones (P02)`, `P01, P02 and P03`). A reply
/// (`Yeah.`, `Yes, loads of us.`) is speech.
fn reads_as_header_value(words: &str) -> bool {
    const COUNTS: &[&str] = &[
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    ];
    let words = words.trim();
    let first = words
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches([',', '.', ';'])
        .to_lowercase();
    if words.is_empty()
        || words.starts_with(|c: char| c.is_ascii_digit())
        || COUNTS.contains(&first.as_str())
        || is_blank_mark(words)
    {
        return true;
    }
    // Each part a name or an id, its bracket (a role, an id) aside.
    let mut parts = vec![words];
    for sep in [",", ";", " and ", "&", "/"] {
        parts = parts.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    parts.iter().all(|part| {
        let part = part.trim().trim_end_matches('.');
        let (base, _) = name_and_bracket(part);
        let lower = base.to_lowercase();
        !base.is_empty()
            && (is_name_like(base) || is_id_like(base))
            && !REPLIES.contains(&lower.as_str())
            && !SPEECH_OPENERS.contains(&lower.as_str())
            && !NOT_FIRST_WORDS.contains(&lower.as_str())
    })
}

/// `Participants: Yes, loads of us.`: the whole group answering, labelled
/// by a group word that is also a header block's key
/// ([`is_group_header_word`]). [`DocumentLabels`] reads it inside the
/// dialogue only, and where its words are no header value
/// ([`reads_as_header_value`]): `Participants: Anna, Ben, Carl` and
/// `Participants: 8` stay a header's lines.
fn group_header_word_label(line: &str) -> Option<SpeakerLabel> {
    colon_label_as(line, true)
        .filter(|l| is_group_header_word(&l.name) && !reads_as_header_value(&line[l.text_start..]))
}

/// Otter's header line with a display name as its user set it, `karen
/// doyle  0:52` or `Karen's iPhone  1:10` (two spaces or a tab before the
/// time, alone on its line): [`DocumentLabels`] reads it where the
/// document's turns are such headers ([`otter_headers`]).
fn display_name_header(line: &str) -> Option<SpeakerLabel> {
    let trimmed = line.trim();
    let (name, time) = trimmed.rsplit_once(char::is_whitespace)?;
    let ms = parse_clock(time)?;
    let separator = trimmed[name.len()..].chars().next();
    if !(name.ends_with(char::is_whitespace) || separator == Some('\t')) {
        return None;
    }
    let name = name.trim();
    (is_display_name(name)
        && !name.contains('\t')
        && !name.split_whitespace().any(|w| parse_clock(w).is_some()))
    .then(|| SpeakerLabel {
        name: name.to_string(),
        role: None,
        start_ms: Some(ms),
        text_start: line.len(),
    })
}

/// Whether `lines` are an Otter (or Teams) export's: at least three
/// header lines `Name  0:03` ([`name_and_time_line`], or a display name
/// as its user typed it, [`display_name_header`]), some name in two of
/// them, and at least half of the document's labels. There a lower-case
/// header said once or twice (`karen doyle  0:52`) is a speaker's too:
/// before, it and her words were the turn above's, unless such headers
/// came three times ([`repeated_header_lines`]).
fn otter_headers<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    let (mut headers, mut others) = (Vec::new(), 0usize);
    for line in lines {
        if let Some(h) = name_and_time_line(line).or_else(|| display_name_header(line)) {
            headers.push(h.name.to_lowercase());
        } else if parse_speaker_line(line).is_some() {
            others += 1;
        }
    }
    let count = headers.len();
    headers.sort();
    headers.dedup();
    count >= 3 && headers.len() < count && count >= others
}

/// How one document labels its speakers, beyond what a single line shows
/// ([`parse_speaker_line`]): decided once from all its lines, then applied
/// line by line ([`DocumentLabels::label`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DocumentLabels {
    /// The names the document's own labels give (`P2`, `Priya`), sorted:
    /// the parts a joint label (`P2/P5:`) is read from.
    names: Vec<String>,
    /// Headers and tab- or dash-separated labels ([`relaxed_label`]).
    relaxed: bool,
    /// Participants' numbers taking turns with the other labels
    /// ([`numbers_take_turns`]).
    numbers: bool,
    /// Names alone on their lines ([`bare_label`]).
    bare: bool,
    /// `Q.` and `A.` ([`letter_dot_label`]).
    letter_dots: bool,
    /// A time, a dash, then a label ([`dashed_label`]).
    dashed: bool,
    /// Colon lines are words, not labels: a document of names alone on
    /// their lines in which an answer or two reads `Distance: ten miles`.
    colon_is_text: bool,
    /// Lines of a list of times ([`time_list_lines`]), trimmed: no labels.
    listed: Vec<String>,
    /// Otter's headers with a display name ([`display_name_header`]): the
    /// document's turns are such headers ([`otter_headers`]).
    otter: bool,
    /// Lines, trimmed and sorted, that a group labels by a header word
    /// inside the dialogue ([`group_header_word_label`]).
    group_voices: Vec<String>,
}

impl DocumentLabels {
    /// The rules `lines` confirm. Relaxed labels: [`repeated_header_lines`].
    /// Names alone on a line: in a document with no other label, at least
    /// four such lines, each with words below it, two names that come back,
    /// and those that come back nine in ten of them. `Q.`/`A.`: in a document with no other label, each at least twice.
    pub(crate) fn of<'a>(lines: impl Iterator<Item = &'a str> + Clone) -> DocumentLabels {
        let all: Vec<&str> = lines.collect();
        // An agenda's or a rota's `Break  10:30` lines read as Otter's
        // headers: each was a speaker, and the words below the last one
        // theirs.
        let listed = time_list_lines(&all);
        let unlisted = |l: &&str| {
            listed
                .binary_search_by(|x| x.as_str().cmp(l.trim()))
                .is_err()
        };
        let dashed = confirmed_dashed_labels(&all);
        // A header block's `Interviewer: Sarah Jones` and `Participant ID:
        // P10` describe the interview, not its turns: a transcript whose
        // turns are names alone on their lines (bold in Word) under such a
        // header was read as unlabelled.
        // Without the document's labels known yet, the block may run on
        // past its keys (`Q. How far?` reads as a title line here): its
        // title lines above the keys and its `Key: value` lines are the
        // header, not what follows them.
        let is_header_line: Vec<bool> = {
            let text = all.join("\n");
            let end = header_block_end(&text, &|_| false);
            let block =
                text[..end].matches('\n').count() + usize::from(end == text.len() && end > 0);
            let first_key = all[..block.min(all.len())]
                .iter()
                .position(|l| l.contains(':'));
            (0..all.len())
                .map(|i| i < block && (all[i].contains(':') || first_key.is_some_and(|k| i < k)))
                .collect()
        };
        let mut names: Vec<String> = all
            .iter()
            .zip(&is_header_line)
            .filter(|(l, header)| !**header && unlisted(l))
            .filter_map(|(l, _)| parse_speaker_line(l).map(|x| x.name))
            .collect();
        let colon_lines = names.len();
        names.sort();
        names.dedup();
        let relaxed = repeated_header_lines(all.iter().copied().filter(unlisted));
        let numbers = numbers_take_turns(
            all.iter()
                .zip(&is_header_line)
                .filter(|(l, header)| !**header && unlisted(l))
                .map(|(l, _)| *l),
        );
        let otter = otter_headers(
            all.iter()
                .zip(&is_header_line)
                .filter(|(l, header)| !**header && unlisted(l))
                .map(|(l, _)| *l),
        );
        // `Participants: Yeah.` after the dialogue's first label: the
        // group, not a header's line.
        let first_label = all
            .iter()
            .zip(&is_header_line)
            .position(|(l, header)| !*header && unlisted(l) && parse_speaker_line(l).is_some());
        let mut group_voices: Vec<String> = first_label
            .map(|first| {
                all[first + 1..]
                    .iter()
                    .filter(|l| group_header_word_label(l).is_some())
                    .map(|l| l.trim().to_string())
                    .collect()
            })
            .unwrap_or_default();
        group_voices.sort();
        group_voices.dedup();
        let colon_document = DocumentLabels {
            names: names.clone(),
            relaxed,
            numbers,
            dashed,
            listed: listed.clone(),
            otter,
            group_voices,
            ..Default::default()
        };
        // Two colon lines at most may be words in a document of names
        // alone on their lines (below).
        if relaxed || numbers || otter || colon_lines > 2 {
            return colon_document;
        }
        let filled: Vec<&str> = all
            .into_iter()
            .zip(is_header_line)
            .filter(|(l, header)| !header && !l.trim().is_empty())
            .map(|(l, _)| l)
            .collect();
        let mut names: Vec<String> = Vec::new();
        for (i, l) in filled.iter().enumerate() {
            if let Some(b) = bare_label(l) {
                // A label has the turn's words below it, not another label.
                if filled
                    .get(i + 1)
                    .is_some_and(|next| bare_label(next).is_none())
                {
                    names.push(b.name);
                }
            }
        }
        let count = names.len();
        names.sort();
        let mut repeated = names.clone();
        repeated.dedup();
        let times = |n: &String| names.iter().filter(|m| *m == n).count();
        let returning: Vec<&String> = repeated.iter().filter(|n| times(n) >= 2).collect();
        let covered: usize = returning.iter().map(|n| times(n)).sum();
        // A few speakers, taking turns: the names that come back are nine
        // in ten of such lines.
        let bare = count >= 4 && returning.len() >= 2 && covered * 10 >= count * 9;
        // One or two colon lines among four times as many names-alone
        // labels are answers (`Distance: about ten miles`, `Start: 7:30`):
        // read as labels, they made the document one of colon labels, its
        // turns before the first dropped and the rest one speaker's.
        if colon_lines > 0 {
            if !(bare && count >= 4 * colon_lines) {
                return colon_document;
            }
            return DocumentLabels {
                bare: true,
                colon_is_text: true,
                dashed,
                listed,
                ..Default::default()
            };
        }
        let letters = |c: &str| {
            filled
                .iter()
                .filter(|l| letter_dot_label(l).is_some_and(|x| x.name == c))
                .count()
        };
        DocumentLabels {
            names: Vec::new(),
            relaxed: false,
            numbers: false,
            bare,
            letter_dots: !bare && letters("Q") >= 2 && letters("A") >= 2,
            dashed,
            colon_is_text: false,
            listed,
            otter: false,
            group_voices: Vec::new(),
        }
    }

    /// The label `line` starts with, under these rules.
    pub(crate) fn label(&self, line: &str) -> Option<SpeakerLabel> {
        if self
            .listed
            .binary_search_by(|x| x.as_str().cmp(line.trim()))
            .is_ok()
        {
            return None;
        }
        (!self.colon_is_text)
            .then(|| parse_speaker_line(line))
            .flatten()
            .or_else(|| self.dashed.then(|| dashed_label(line)).flatten())
            .or_else(|| self.relaxed.then(|| relaxed_label(line)).flatten())
            .or_else(|| self.numbers.then(|| number_label(line)).flatten())
            .or_else(|| self.otter.then(|| display_name_header(line)).flatten())
            .or_else(|| self.group_voice(line))
            .or_else(|| self.bare.then(|| bare_label(line)).flatten())
            .or_else(|| self.letter_dots.then(|| letter_dot_label(line)).flatten())
            .or_else(|| self.joint_label(line))
    }

    /// `Participants: …` where [`DocumentLabels::of`] found it inside the
    /// dialogue ([`group_header_word_label`]).
    fn group_voice(&self, line: &str) -> Option<SpeakerLabel> {
        self.group_voices
            .binary_search_by(|x| x.as_str().cmp(line.trim()))
            .ok()
            .and_then(|_| group_header_word_label(line))
    }

    /// A second speaker's label inside a labelled line, where a transcriber
    /// ran two turns together (`P3: Okay, maybe not. [laughs] P1: Fair
    /// enough.`): one of the document's own labels, after a sentence's end
    /// (or a note's bracket) and a space, before a colon and a space. Its
    /// byte offset in `text`, where its words start, and the name.
    pub(crate) fn mid_line_label(&self, text: &str) -> Option<(usize, usize, String)> {
        self.names
            .iter()
            .filter_map(|name| {
                text.match_indices(name.as_str()).find_map(|(at, _)| {
                    let before = text[..at].strip_suffix(' ')?;
                    let ends = before.ends_with(['.', '?', '!', '…', ']', ')']);
                    let after = text[at + name.len()..].strip_prefix(": ")?;
                    ends.then(|| (at, text.len() - after.len(), name.clone()))
                })
            })
            .min_by_key(|(at, _, _)| *at)
    }

    /// Two or more of the document's own speakers answering together:
    /// `P2/P5:`, `Priya and Siobhán:`, `Anna & Bob:`. A group voice
    /// ([`is_group_name`]): no one participant said it. Only names the
    /// document labels on their own count, so `Pros and cons:` is text.
    fn joint_label(&self, line: &str) -> Option<SpeakerLabel> {
        let from = skip_ws(line, 0);
        // `[00:00:50] P2/P4:`, timed as the document's other labels are
        // (before, the joint turn was the moderator's above it).
        let (start_ms, from) = match leading_time(line, from) {
            Some((ms, next)) => (Some(ms), skip_ws(line, next)),
            None => (None, from),
        };
        let colon = line[from..].find(':').filter(|&i| i <= 80)? + from;
        let after = &line[colon + 1..];
        if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
            return None;
        }
        let joint = line[from..colon].trim();
        let parts = joint_parts(joint);
        let known = |p: &&str| self.names.binary_search_by(|n| n.as_str().cmp(p)).is_ok();
        (parts.len() >= 2 && parts.iter().all(known)).then(|| SpeakerLabel {
            name: joint.to_string(),
            role: None,
            start_ms,
            text_start: skip_ws(line, colon + 1),
        })
    }
}

/// The lines, trimmed and sorted, that end in a time after two spaces or a
/// tab (`Break  10:30`, `Thursday  21:00`) next to another such line, blank
/// lines aside: an agenda or a rota. Otter's and Teams' headers
/// ([`name_and_time_line`], [`header_line`]) have their turn's words
/// below them, never another header.
fn time_list_lines(lines: &[&str]) -> Vec<String> {
    // The name before the time, where the line ends in one.
    let spaced_time = |line: &str| -> Option<String> {
        let trimmed = line.trim();
        let (before, last) = trimmed.rsplit_once(char::is_whitespace)?;
        let separator = trimmed[before.len()..].chars().next();
        (token_time(last).is_some()
            && (before.ends_with(char::is_whitespace) || separator == Some('\t'))
            && before.trim().chars().any(char::is_alphabetic))
        .then(|| before.trim().to_string())
    };
    let filled: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let timed: Vec<Option<String>> = filled.iter().map(|l| spaced_time(l)).collect();
    let in_run = |i: usize| {
        timed[i].is_some()
            && ((i > 0 && timed[i - 1].is_some()) || timed.get(i + 1).is_some_and(Option::is_some))
    };
    // A speaker's header with no words below it (a microphone left off)
    // sits beside the next one: a name that heads words elsewhere in the
    // document is a speaker's, not a list item.
    let speaking: std::collections::BTreeSet<&str> = (0..filled.len())
        .filter(|&i| !in_run(i))
        .filter_map(|i| timed[i].as_deref())
        .collect();
    let mut listed: Vec<String> = (0..filled.len())
        .filter(|&i| in_run(i) && timed[i].as_deref().is_some_and(|n| !speaking.contains(n)))
        .map(|i| filled[i].trim().to_string())
        .collect();
    listed.sort();
    listed.dedup();
    listed
}

/// `00:00:12 - Interviewer: words`, `[00:00:12] | Maria: words`: a time,
/// a dash or bar, then a label. Read only where a document confirms it
/// ([`DocumentLabels::of`]): a participant's `12:30 - Lunch: we eat.` or
/// field notes' `09:00 - Arrival: …` are no speakers.
fn dashed_label(line: &str) -> Option<SpeakerLabel> {
    let (ms, next) = leading_time(line, skip_ws(line, 0))?;
    let pos = skip_ws(line, next);
    let sep = ["-", "–", "—", "|"].iter().find(|sep| {
        line[pos..]
            .strip_prefix(**sep)
            .is_some_and(|a| a.starts_with([' ', '\t']))
    })?;
    let from = skip_ws(line, pos + sep.len());
    let label = colon_label(&line[from..])?;
    Some(SpeakerLabel {
        start_ms: label.start_ms.or(Some(ms)),
        text_start: from + label.text_start,
        ..label
    })
}

/// Whether a document's dashed labels ([`dashed_label`]) are its speakers:
/// at least four such lines, two names that come back, and those that come
/// back nine in ten of them (speakers take turns; notes' topics do not).
/// Their times run forward as a recording's clock does: a step back of
/// more than five seconds at most once in ten lines, or once (a recording
/// in two parts; crosstalk timed a second early is no step), and no two
/// lines repeat a time and name (a diary read out over two days,
/// `07:00 - Breakfast:`, `12:30 - Lunch:`, `07:00 - Breakfast:`,
/// `12:30 - Lunch:`, starts again with the same entries).
fn confirmed_dashed_labels(lines: &[&str]) -> bool {
    let labels: Vec<SpeakerLabel> = lines
        .iter()
        .filter(|l| parse_speaker_line(l).is_none())
        .filter_map(|l| dashed_label(l))
        .collect();
    let back = labels
        .windows(2)
        .filter(|w| {
            let (a, b) = (w[0].start_ms.unwrap_or(0), w[1].start_ms.unwrap_or(0));
            b + 5_000 < a
        })
        .count();
    let mut entries: Vec<(Option<u64>, &str)> = labels
        .iter()
        .map(|x| (x.start_ms, x.name.as_str()))
        .collect();
    entries.sort();
    let repeated = entries.windows(2).filter(|w| w[0] == w[1]).count();
    if back > (labels.len() / 10).max(1) || repeated >= 2 {
        return false;
    }
    // A short transcript that is these lines and little else (three turns
    // or so, four in five of its lines, a name coming back): too few for
    // the count below, but no one's diary inside an answer either, nor
    // field notes' topics (which do not come back).
    let filled = lines.iter().filter(|l| !l.trim().is_empty()).count();
    let mut seen = std::collections::HashSet::new();
    let a_name_returns = labels.iter().any(|x| !seen.insert(x.name.as_str()));
    if labels.len() >= 3
        && labels.len() * 5 >= filled * 4
        && back == 0
        && repeated == 0
        && a_name_returns
    {
        return true;
    }
    let mut names: Vec<String> = labels.into_iter().map(|x| x.name).collect();
    let count = names.len();
    names.sort();
    let mut distinct = names.clone();
    distinct.dedup();
    let times = |n: &String| names.iter().filter(|m| *m == n).count();
    let returning: Vec<&String> = distinct.iter().filter(|n| times(n) >= 2).collect();
    let covered: usize = returning.iter().map(|n| times(n)).sum();
    count >= 4 && returning.len() >= 2 && covered * 10 >= count * 9
}

/// The names of a joint label, split at `/`, `&`, `+`, `,` and the word
/// "and" (also `und`, `et`, `y`); one part when there is no separator.
fn joint_parts(joint: &str) -> Vec<&str> {
    let mut parts = vec![joint];
    for sep in ["/", "&", "+", ",", " and ", " und ", " et ", " y "] {
        parts = parts.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn colon_label(line: &str) -> Option<SpeakerLabel> {
    colon_label_as(line, false)
}

/// [`colon_label`], also taking a group word that heads a header block's
/// line (`Participants:`; [`is_group_header_word`]) as a name where
/// `group_header_words`.
fn colon_label_as(line: &str, group_header_words: bool) -> Option<SpeakerLabel> {
    let mut pos = skip_ws(line, 0);
    let mut start_ms = None;
    // Markdown list bullet or quote.
    for bullet in ["- ", "* ", "> "] {
        if line[pos..].starts_with(bullet) {
            pos = skip_ws(line, pos + bullet.len());
            break;
        }
    }
    // Leading time: `[00:01:02]`, `(00:01:02)` or a bare `00:01:02`.
    if let Some((ms, next)) = leading_time(line, pos) {
        start_ms = Some(ms);
        pos = skip_ws(line, next);
    }
    let mut bold = false;
    for marker in ["**", "__"] {
        if line[pos..].starts_with(marker) {
            bold = true;
            pos += 2;
            break;
        }
    }
    // The name runs to the first ':', '(', '[' or bold marker.
    let rest = &line[pos..];
    let name_end = rest
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, ':' | '：' | '(' | '[')
                || rest[i..].starts_with("**")
                || rest[i..].starts_with("__")
        })
        .map(|(i, _)| i)
        .filter(|&i| i > 0)?;
    // German gender-inclusive role words put a colon inside the label:
    // `Interviewer:in:`, `Befragte:r:`.
    let name_end = [":innen", ":in", ":r"]
        .iter()
        .find(|g| rest[name_end..].starts_with(**g) && rest[name_end + g.len()..].starts_with(':'))
        .map_or(name_end, |g| name_end + g.len());
    let name = rest[..name_end].trim();
    // `?:`, a transcriber's unknown voice.
    let group_voice = group_header_words && is_group_header_word(name);
    if !(is_name_like(name) || matches!(name, "?" | "??" | "???") || group_voice) {
        return None;
    }
    pos += name_end;
    let mut role = None;
    // Up to two bracketed parts after the name: a role and/or a time.
    for _ in 0..2 {
        pos = skip_ws(line, pos);
        let (open, close) = match line[pos..].chars().next() {
            Some('(') => ('(', ')'),
            Some('[') => ('[', ']'),
            _ => break,
        };
        let inner_start = pos + open.len_utf8();
        let inner_len = line[inner_start..].find(close)?;
        let inner = line[inner_start..inner_start + inner_len].trim();
        if inner.is_empty() || inner.chars().count() > MAX_NAME_CHARS {
            return None;
        }
        if let Some(ms) = parse_clock(inner) {
            start_ms = start_ms.or(Some(ms));
        } else if is_pronouns(inner) {
            // Zoom's and Teams' display names carry pronouns, `Helen
            // Ward (she/her)`: part of how a person is shown, no role.
        } else if crate::notes::is_transcriber_note(inner) || is_continuation(inner) {
            // `P3 (cont'd):`, `P2 (laughing):`: how the turn sounds, not
            // who says it (before, "laughing" was P2's role in the
            // crosstabs).
        } else if role.is_none() && (open == '(' || is_bracketed_id(inner)) {
            // `Interviewee [P07]:` as `Maria (P12):`: an id in square
            // brackets (before, no label, and the answers were the
            // interviewer's).
            role = Some(inner.to_string());
        } else {
            return None;
        }
        pos = inner_start + inner_len + close.len_utf8();
    }
    if bold {
        pos = skip_bold(line, pos);
    }
    let colon = line[pos..].chars().next()?;
    if colon != ':' && colon != '：' {
        return None;
    }
    pos += colon.len_utf8();
    if bold {
        pos = skip_bold(line, pos);
    }
    // "Anna:text" or "http://" are not labels; a label is followed by a space or the line end.
    match line[pos..].chars().next() {
        None => {}
        Some(c) if c.is_whitespace() => {}
        Some(_) if colon == '：' => {}
        Some(_) => return None,
    }
    // Time stamps right after the label (`**Anna:** \[03:46\] So …`, as
    // published podcast transcripts write them) are the turn's time, not
    // speech; a label followed by nothing but stamps (`**Break:** \[01:44\]`)
    // is then a turn without content, which the readers drop unless lines
    // follow it.
    let (stamp_ms, text_start) = skip_time_stamps(line, skip_ws(line, pos));
    Some(SpeakerLabel {
        name: name.to_string(),
        role,
        start_ms: start_ms.or(stamp_ms),
        text_start,
    })
}

/// A bracketed time stamp at `pos`: `[03:46]`, `(01:11:52.04)`, or the
/// Markdown-escaped `\[03:46\]`; its milliseconds and the byte after it.
fn bracketed_time(line: &str, pos: usize) -> Option<(u64, usize)> {
    let rest = &line[pos..];
    let escaped = rest.starts_with('\\');
    let rest = if escaped { &rest[1..] } else { rest };
    let close = match rest.chars().next()? {
        '[' => ']',
        '(' => ')',
        '#' if !escaped => '#',
        _ => return None,
    };
    let inner_len = rest[1..].find(close)?;
    let mut inner = &rest[1..1 + inner_len];
    if escaped {
        inner = inner.strip_suffix('\\')?;
    }
    let ms = if close == '#' {
        f4_clock(inner)?
    } else {
        parse_clock(inner.trim())?
    };
    Some((ms, pos + usize::from(escaped) + 1 + inner_len + 1))
}

/// The inside of f4's and MAXQDA's time stamp `#00:00:28-8#` (German
/// transcription's convention, at the end of each paragraph): a clock and
/// the tenths after a dash.
fn f4_clock(inner: &str) -> Option<u64> {
    let (clock, tenths) = inner.split_once('-').unwrap_or((inner, ""));
    let ms = parse_clock(clock)?;
    if tenths.is_empty() {
        return Some(ms);
    }
    (tenths.len() <= 2 && tenths.bytes().all(|b| b.is_ascii_digit()))
        .then(|| ms + tenths.parse::<u64>().unwrap_or(0) * 100 / 10u64.pow(tenths.len() as u32 - 1))
}

/// Where a sentence ends without f4's time stamp after it (`Mhm.
/// #00:00:44-4#` → `Mhm.`): the stamp says when, not what.
pub(crate) fn end_before_f4_stamp(sentence: &str) -> usize {
    let trimmed = sentence.trim_end();
    if let Some(body) = trimmed.strip_suffix('#') {
        if let Some(open) = body.rfind('#') {
            if f4_clock(&body[open + 1..]).is_some() {
                return body[..open].trim_end().len();
            }
        }
    }
    sentence.len()
}

/// Skips bracketed time stamps from `pos` (also a range, `[01:53:10] -
/// [01:54:40]`): the first stamp's milliseconds and where the text resumes.
pub(crate) fn skip_time_stamps(line: &str, mut pos: usize) -> (Option<u64>, usize) {
    let mut first = None;
    while let Some((ms, next)) = bracketed_time(line, pos) {
        first = first.or(Some(ms));
        pos = skip_ws(line, next);
        // A dash joins two stamps of a range; before words it is speech.
        let after_dash = ['-', '–', '—']
            .into_iter()
            .find_map(|d| line[pos..].strip_prefix(d))
            .map(|r| line.len() - r.len());
        if let Some(after) = after_dash {
            let resumed = skip_ws(line, after);
            if bracketed_time(line, resumed).is_some() {
                pos = resumed;
            }
        }
    }
    (first, pos)
}

fn skip_ws(line: &str, pos: usize) -> usize {
    pos + (line[pos..].len() - line[pos..].trim_start().len())
}

fn skip_bold(line: &str, pos: usize) -> usize {
    if line[pos..].starts_with("**") || line[pos..].starts_with("__") {
        pos + 2
    } else {
        pos
    }
}

fn leading_time(line: &str, pos: usize) -> Option<(u64, usize)> {
    let rest = &line[pos..];
    let (open, close) = match rest.chars().next()? {
        '[' => ('[', ']'),
        '(' => ('(', ')'),
        // f4's and MAXQDA's stamp before the label, `#00:00:03-3# I1: …`
        // (most put it at the paragraph's end).
        '#' => return bracketed_time(line, pos),
        c if c.is_ascii_digit() => {
            let end = rest.find(char::is_whitespace)?;
            return parse_clock(&rest[..end]).map(|ms| (ms, pos + end));
        }
        _ => return None,
    };
    let inner_len = rest[1..].find(close)?;
    let ms = parse_clock(rest[1..1 + inner_len].trim())?;
    let _ = open;
    Some((ms, pos + 1 + inner_len + 1))
}

/// A cue's time range on a line of its own, `0:0:5.0 --> 0:0:9.500`, as
/// Microsoft Teams' older transcript download (.docx, or pasted as text)
/// writes one above each speaker's name: when the turn was said, not
/// speech. Its clocks may drop leading zeros (`0:0:5.0`), which
/// [`parse_clock`] alone would not take for a clock in running text.
pub fn is_cue_timing(line: &str) -> bool {
    let Some((from, to)) = line.trim().split_once("-->") else {
        return false;
    };
    let loose = |c: &str| -> bool {
        let c = c.trim();
        let (clock, frac) = c.split_once(['.', ',']).unwrap_or((c, "0"));
        let parts: Vec<&str> = clock.split(':').collect();
        (2..=3).contains(&parts.len())
            && parts.iter().enumerate().all(|(i, p)| {
                !p.is_empty()
                    && p.len() <= if i == 0 { 3 } else { 2 }
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (i == 0 || p.parse::<u32>().is_ok_and(|v| v < 60))
            })
            && !frac.is_empty()
            && frac.len() <= 3
            && frac.bytes().all(|b| b.is_ascii_digit())
    };
    loose(from) && loose(to)
}

/// `hh:mm:ss`, `h:mm:ss`, `mm:ss`, each optionally with `.mmm` or `,mmm`.
pub fn parse_clock(s: &str) -> Option<u64> {
    let (clock, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut total: u64 = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u64 = part.parse().ok()?;
        if i > 0 && (v >= 60 || part.len() != 2) {
            return None;
        }
        total = total * 60 + v;
    }
    let mut ms = total * 1000;
    if let Some(frac) = frac {
        if frac.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u64 = frac.parse().ok()?;
        ms += v * 10u64.pow(3 - frac.len() as u32);
    }
    Some(ms)
}

/// Whether `key` (the words before a colon) is a header block's key: a note
/// or header word (`Date`, `Gender`, `Site`), or a key of several words
/// ending in one (`Interview ID`, `Date of interview`, `Transcribed by`).
fn is_header_key(key: &str) -> bool {
    let lower = key.trim().to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    NOT_NAMES.contains(&lower.as_str())
        || NOT_NAMES.contains(&crate::resolve::label_base(&lower).as_str())
        || HEADER_KEYS.contains(&lower.as_str())
        || (words.len() > 1 && HEADER_KEYS.contains(&words[0]))
        || (words.len() > 1
            && words
                .last()
                .is_some_and(|w| METADATA_LAST_WORDS.contains(w)))
}

/// The byte length of a research transcript's header block at the start of
/// `text`, or 0 where it has none. The block is the document's first lines
/// up to a blank line: title lines (no label) and lines `Key: value` with a
/// short value (at most six words, no question or exclamation; a full stop
/// at its end only after one or two words, inside only after an
/// abbreviation: `Dr. Smith`, `K.L.`), at least two of them, one with a
/// header key (`Gender: Female`, `Date: 12/03/2023`, `Interview ID: 07`).
/// A key that is a speaker's role (`Participant: P01`, `Interviewer: Dr.
/// Smith`) is part of it only with a name or an id as its value: such lines
/// describe the interview and are no turns (before, each was a turn, one
/// more participant per interview). Any other label ends the block, the
/// dialogue having begun: one followed by a sentence (`I: Welcome. What…`),
/// by words that are no name (`Moderator: Welcome everyone`, `Anna: Anna,
/// teacher`), or by nothing (`Interviewer:` alone on its line, its words
/// below).
pub(crate) fn header_block_end(text: &str, is_label: &dyn Fn(&str) -> bool) -> usize {
    let mut at = 0usize;
    let mut end = 0usize;
    let (mut keyed, mut header_key, mut started) = (0usize, false, false);
    // The roles the block's speaker lines name (`Interviewer: SK`), and
    // how many of them only loosely.
    let mut roles: Vec<String> = Vec::new();
    let mut loose = 0usize;
    for raw in text.split('\n') {
        let next = at + raw.len() + 1;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            // A title and a blank line may stand above the keys.
            if started && keyed > 0 {
                break;
            }
            at = next;
            continue;
        }
        started = true;
        // A Markdown list's or bold key (`- Age: 45`, `**Site:** Leeds`).
        let line = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .unwrap_or(line);
        let unbolded = line.replacen("**", "", 2);
        let line = if line.starts_with("**") {
            unbolded.as_str()
        } else {
            line
        };
        let key_value = line.split_once(':').filter(|(k, v)| {
            let k = k.trim();
            (v.is_empty() || v.starts_with([' ', '\t']))
                && !k.is_empty()
                && k.chars().count() <= MAX_NAME_CHARS
                && k.split_whitespace().count() <= MAX_WORDS
                && k.chars().next().is_some_and(char::is_alphabetic)
        });
        match key_value {
            Some((k, v)) => {
                let Some(entry) = header_entry(k, v) else {
                    break;
                };
                keyed += 1;
                header_key |= entry.is_key;
                loose += usize::from(entry.loosely);
                if !entry.is_key {
                    roles.push(crate::resolve::label_base(k));
                }
            }
            // A title line; a label of another kind (`Q.`, `Interviewer<TAB>…`,
            // `Speaker 1 00:00:03`: the document's own), or a line that
            // starts with a time, starts the dialogue. Above the keys, a
            // line a document's names-alone labels would read (`Ageing Well
            // Study`) is its title.
            None if (keyed > 0 && is_label(raw.trim_end_matches('\r')))
                || parse_speaker_line(line).is_some()
                || leading_time(line, 0).is_some() =>
            {
                break
            }
            None => {}
        }
        at = next;
        end = next.min(text.len());
    }
    // A block of role lines alone (`Interviewer: SK`, `Participant: R12`
    // above a Q:/A: transcript) describes the interview where no turn
    // below is labelled by those roles: before, `SK` was the
    // interviewer's sentence and `R12` a second interviewee's.
    let roles_only = keyed >= 1
        && loose == 0
        && roles.len() == keyed
        && end > 0
        && !text[end..].lines().any(|l| {
            parse_speaker_line(l)
                .is_some_and(|x| roles.contains(&crate::resolve::label_base(&x.name)))
        });
    if (keyed >= 2 && header_key) || roles_only {
        end
    } else {
        0
    }
}

/// How a header block's `Key: value` line reads ([`header_entry`]).
struct HeaderEntry {
    /// The key is a header key (`Date`, `Gender`, `Interview ID`), not a
    /// speaker's role.
    is_key: bool,
    /// An interviewee's role with a pseudonym, a blank mark or
    /// particulars as its value (`Participant: Ana`).
    loosely: bool,
}

/// `key: value` as a line of a header block ([`header_block_end`]), or
/// `None` where such a line would end the block: a value of more than six
/// words or a sentence, or a key that is neither a header key nor a
/// speaker's role naming a person.
fn header_entry(key: &str, value: &str) -> Option<HeaderEntry> {
    let (k, v) = (key.trim(), value.trim());
    let words = v.split_whitespace().count();
    // A full stop inside ends a sentence unless it ends an
    // abbreviation (`Dr. Smith`, `St. James`).
    let sentence_inside = v
        .split_whitespace()
        .rev()
        .skip(1)
        .any(|w| w.ends_with(['.', '?', '!']) && w.trim_end_matches('.').chars().count() > 3);
    // A study's or project's title is longer (`Study: Access to primary
    // care among resettled refugees`): before, such a first line ended the
    // block before it began, and its `Interviewer: Dr Helen Price` and
    // `Interpreter: Samira Haddad (Arabic)` were turns (h25/02).
    let lower_key = k.to_lowercase();
    let title = TITLE_KEYS.contains(&lower_key.as_str());
    let short = (words <= 6 || (title && words <= 15))
        && !v.ends_with(['?', '!'])
        && (!v.ends_with('.') || words <= 2)
        && !sentence_inside;
    let is_key = is_header_key(k);
    // A role's full name or id: `Dr. Smith`, `Jane Doe`, `P01`
    // (one word, `Hello` or `Maria`, is as likely a turn).
    let describes_speaker = (is_moderator_name(k)
        || crate::resolve::is_generic_interviewee_name(k))
        && describes_a_person(v);
    // Among header keys, an interviewee line whose value is a
    // pseudonym, a blank mark or particulars (`Participant:
    // Ana`, `Participant: N/A`, `Respondent: Female, 45`):
    // before, a turn, one more participant per interview.
    let loosely = !describes_speaker
        && crate::resolve::is_generic_interviewee_name(k)
        && !k.chars().any(|c| c.is_ascii_digit())
        && names_loosely(v);
    // The interview's interpreter, who or how (`Interpreter: Samira Haddad
    // (Arabic)`, `Interpreter: None`, `Translator: agency`, `Interpreting:
    // telephone (Language Line)`), as `Observer: Tom Reid` names the
    // observer. Before, the line began the dialogue: a participant
    // `Interpreter` whose sentence was the interpreter's name (h25/02).
    // A bracketed note alone (`Interpreter: [translates]`) is a turn.
    let interpreter = (is_interpreter_name(k) || k.eq_ignore_ascii_case("interpreting"))
        && !v.is_empty()
        && !v.starts_with(['[', '(']);
    (short && (is_key || describes_speaker || loosely || interpreter))
        .then_some(HeaderEntry { is_key, loosely })
}

/// Whether a table row `key | value` reads as a line of a header block
/// would (`Participant ID | P07`, `Interviewer | SK`, `Duration | 42
/// minutes`): a transcription service's details table, which
/// [`header_block_end`] reads once written `Key: value`. The key is
/// shaped as a header block's (a few words, starting with a letter) and
/// the value is no column heading of its own (`Participant | Age` heads a
/// table of people).
pub(crate) fn is_header_entry(key: &str, value: &str) -> bool {
    let (k, v) = (key.trim(), value.trim());
    !k.is_empty()
        && !v.is_empty()
        && k.chars().count() <= MAX_NAME_CHARS
        && k.split_whitespace().count() <= MAX_WORDS
        && k.chars().next().is_some_and(char::is_alphabetic)
        && !is_header_key(v)
        && header_entry(k, v).is_some()
}

/// Whether a header block's value after a role key names the person: a
/// full name or an id (`Dr. Smith`, `Jane Doe`, `P01`; one word, `Hello`
/// or `Maria`, is as likely a turn), the two together (`Maria Lopez
/// (P01)`), or initials (`SK`), as anonymised transcripts name their
/// interviewer. Before, `Interviewee: Maria Lopez (P01)` and
/// `Interviewer: SK` ended the block, and its keys below (`Mode: Zoom`,
/// `Site: Leeds`) were each a participant.
fn describes_a_person(value: &str) -> bool {
    let value = value.trim();
    let words = value.split_whitespace().count();
    if (words >= 2 && is_name_like(value)) || is_id_like(value) {
        return true;
    }
    if let Some((base, inner)) = value.strip_suffix(')').and_then(|v| v.rsplit_once('(')) {
        let (base, inner) = (base.trim(), inner.trim());
        return is_name_like(base) && (is_id_like(inner) || base.split_whitespace().count() >= 2);
    }
    let initials = (2..=3).contains(&value.chars().count())
        && value.chars().all(|c| c.is_uppercase())
        && ![
            "OK", "NO", "SO", "HI", "AH", "OH", "UM", "UH", "MM", "HM", "YES", "YEP",
        ]
        .contains(&value);
    initials
}

/// A header's interviewee value that is no reply: a pseudonym of one word
/// (`Ana`; not `Yes`, `Sure`, `Hi`), a blank mark (`N/A`, `-`,
/// `Unknown`, `Withheld`) or particulars (`Female, 45`, `M, 34`).
/// "Sure, go ahead", "Not really", "Good morning" are turns.
fn names_loosely(v: &str) -> bool {
    let lower = v.trim().trim_end_matches('.').to_lowercase();
    const PARTICULARS: &[&str] = &[
        "female",
        "male",
        "f",
        "m",
        "woman",
        "man",
        "non-binary",
        "nonbinary",
        "other",
    ];
    let particulars = lower
        .split([',', ';', '/', ' '])
        .filter(|w| !w.is_empty())
        .all(|w| PARTICULARS.contains(&w) || w.chars().all(|c| c.is_ascii_digit()))
        && lower
            .chars()
            .any(|c| c.is_ascii_digit() || c.is_alphabetic());
    let pseudonym = !v.contains(char::is_whitespace)
        && is_name_like(v)
        && !REPLIES.contains(&lower.as_str())
        && !SPEECH_OPENERS.contains(&lower.as_str())
        && ![
            "hi",
            "hello",
            "hey",
            "morning",
            "afternoon",
            "evening",
            "thanks",
            "cheers",
        ]
        .contains(&lower.as_str());
    is_blank_mark(v) || particulars || pseudonym
}

/// A header value that names no one: `N/A`, `-`, `Unknown`, `Withheld`,
/// `Anonymous`, `Redacted`.
fn is_blank_mark(v: &str) -> bool {
    const BLANK: &[&str] = &[
        "n/a",
        "na",
        "-",
        "--",
        "none",
        "unknown",
        "tbc",
        "tba",
        "withheld",
        "anonymous",
        "anonymised",
        "anonymized",
        "redacted",
        "not given",
        "not stated",
    ];
    BLANK.contains(&v.trim().trim_end_matches('.').to_lowercase().as_str())
}

/// The people a transcript's header block names.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct HeaderPeople {
    /// The interviewee: the value of its `Participant:`, `Interviewee:` or
    /// `Respondent ID:`-like line (a generic interviewee's role, alone or
    /// with `ID`, `code`, `no.`), a full name, an id or both (`Maria Lopez
    /// (P01)`, `R12`), or a one-word pseudonym. `None` where the header
    /// names none, or two.
    pub interviewee: Option<String>,
    /// The interviewers (`Interviewer: SK`, `Moderator: Sarah Khan`): a
    /// full name, an id or initials.
    pub interviewers: Vec<String>,
}

/// [`HeaderPeople`] of `text`, read from its header block in one pass.
pub(crate) fn header_people(text: &str) -> HeaderPeople {
    let end = header_block_end(text, &|_| false);
    let mut interviewees: Vec<String> = Vec::new();
    let mut interviewers: Vec<String> = Vec::new();
    for line in text[..end].lines() {
        let line = line
            .trim()
            .trim_start_matches(['-', '*', ' '])
            .replace("**", "");
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if is_moderator_name(k) && describes_a_person(v) {
            interviewers.push(v.to_string());
            continue;
        }
        let role = ["id", "code", "no.", "no", "number", "pseudonym", "name"]
            .iter()
            .find_map(|suffix| {
                k.to_lowercase()
                    .strip_suffix(suffix)
                    .map(|r| r.trim_end().to_string())
                    .filter(|r| !r.is_empty())
            })
            .unwrap_or_else(|| k.to_lowercase());
        // A pseudonym of one word (`Participant: Ana`) too, not a reply,
        // never a blank mark (`Withheld` in two interviews made their
        // interviewees one person).
        let pseudonym = !v.contains(char::is_whitespace)
            && is_name_like(v)
            && !is_blank_mark(v)
            && names_loosely(v)
            && !crate::resolve::is_generic_interviewee_name(v)
            && !is_moderator_name(v);
        if crate::resolve::is_generic_interviewee_name(&role)
            && (describes_a_person(v) || pseudonym)
        {
            interviewees.push(v.to_string());
        }
    }
    interviewees.dedup();
    HeaderPeople {
        interviewee: match interviewees.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        interviewers,
    }
}

/// An identifier such as a participant code: one word of letters and
/// digits with at least one of each (`P01`, `INT-07`, `R_12`; not `1985`).
pub(crate) fn is_id_like(value: &str) -> bool {
    !value.contains(char::is_whitespace)
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(char::is_alphabetic)
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// Whether `name` reads as a speaker name (see the module comment).
pub fn is_name_like(name: &str) -> bool {
    let name = without_gender_suffix(name);
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return false;
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.is_empty() || words.len() > MAX_WORDS {
        return false;
    }
    if !name.chars().any(char::is_alphabetic) {
        return false;
    }
    let lower = name.to_lowercase();
    // `Session 2`, `Interview 07`: a note or header word with a number.
    if NOT_NAMES.contains(&lower.as_str())
        || NOT_NAMES.contains(&crate::resolve::label_base(&lower).as_str())
    {
        return false;
    }
    if words.len() > 1
        && words
            .last()
            .is_some_and(|w| METADATA_LAST_WORDS.contains(&w.to_lowercase().as_str()))
    {
        return false;
    }
    let base = crate::resolve::label_base(&lower);
    // The research team's roles and a group's words of several words are
    // labels whatever their first word (`Note taker:`, `Note Taker 2:`,
    // `All participants:`, `All together:`): before, `note` (as in "Note
    // that: …") and `all` kept them text, and their words were the
    // participant's above.
    let team_or_group =
        words.len() > 1 && (MODERATOR_NAMES.contains(&base.as_str()) || is_group_word(&lower));
    if words.len() > 1
        && NOT_FIRST_WORDS.contains(&words[0].to_lowercase().as_str())
        && !team_or_group
    {
        return false;
    }
    let lower_case_role = LOWER_CASE_ROLE_LABELS.contains(&base.as_str());
    // A role of several words is written in sentence case as often as in
    // title case (`Assistant moderator:`, `Service user 2:`): its later
    // words may be lower case. Before, such a label was not read and its
    // words joined the turn above it.
    let several_word_role = words.len() > 1
        && (MODERATOR_NAMES.contains(&base.as_str())
            || crate::resolve::is_generic_interviewee_name(&lower)
            || is_group_word(&lower));
    for (i, word) in words.iter().enumerate() {
        // `Participant #3`: a number after a hash sign.
        if i > 0
            && word
                .strip_prefix('#')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        {
            continue;
        }
        // A combining mark is part of its letter ("Zoé" typed as "e" and
        // U+0301, as macOS may write it).
        if !word.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(c, '.' | '-' | '\'' | '’' | '_')
                || unicode_normalization::char::is_combining_mark(c)
        }) {
            return false;
        }
        let first = word.chars().next().unwrap_or(' ');
        // Transcribers write role labels in lower case too ("interviewee:").
        let capitalised = (first.is_alphabetic() && !first.is_lowercase())
            || (i == 0 && lower_case_role)
            || (i > 0 && several_word_role)
            || elided_particle(word);
        // `Maria’s mum:`, `Tom's dad:`: a relation after a possessive, as
        // family and dyad interviews label a relative (hm/02; before, her
        // answers were the interviewer's turn).
        let relation = i > 0
            && (words[i - 1].ends_with("'s") || words[i - 1].ends_with("’s"))
            && RELATION_WORDS.contains(&word.to_lowercase().as_str());
        let ok = if i == 0 {
            capitalised
        } else {
            capitalised || relation || first.is_ascii_digit() || NAME_PARTICLES.contains(word)
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Relatives and carers a label names after a possessive (`Maria’s mum`).
const RELATION_WORDS: &[&str] = &[
    "mum",
    "mom",
    "mother",
    "dad",
    "father",
    "parent",
    "sister",
    "brother",
    "son",
    "daughter",
    "wife",
    "husband",
    "partner",
    "carer",
    "caregiver",
    "friend",
    "grandmother",
    "grandma",
    "gran",
    "nan",
    "grandfather",
    "grandad",
    "granddad",
    "grandpa",
    "aunt",
    "auntie",
    "uncle",
    "cousin",
    "niece",
    "nephew",
    "child",
    "baby",
    "teacher",
    "keyworker",
];

/// A surname after an elided particle: `d'Souza`, `l'Aquila`, `dell’Orto`
/// (one to four lower-case letters, an apostrophe, a capital).
fn elided_particle(word: &str) -> bool {
    let Some((particle, rest)) = word.split_once(['\'', '’']) else {
        return false;
    };
    // Surnames' particles, not the article `l'` of a sentence's noun
    // ("Et l'Afrique: …").
    ["d", "dall", "dell", "degl", "dal", "del"].contains(&particle)
        && rest.chars().next().is_some_and(char::is_uppercase)
}

/// A label without German's gender-inclusive ending (`Interviewer:in`,
/// `Interviewer*in`, `Interviewer_innen`, `Befragte:r` → `Interviewer`,
/// `Befragte`): the role word it is.
pub(crate) fn without_gender_suffix(label: &str) -> &str {
    for sep in [':', '*', '_'] {
        for ending in ["innen", "in", "r"] {
            if let Some(base) = label
                .strip_suffix(ending)
                .and_then(|b| b.strip_suffix(sep))
                .filter(|b| b.chars().last().is_some_and(char::is_alphabetic))
            {
                return base;
            }
        }
    }
    label
}

/// Role labels that are labels in lower case too; short ones ("int", "q")
/// are not, since lower case they start ordinary lines.
const LOWER_CASE_ROLE_LABELS: &[&str] = &[
    "interviewer",
    "interviewee",
    "moderator",
    "facilitator",
    "researcher",
    "respondent",
    "participant",
    "speaker",
];

/// Speaker names that stand for the moderator or interviewer. "I" is the
/// interviewer in common transcription conventions (I:/B:, I:/R:);
/// academic transcripts often write "Researcher:", survey interviews in
/// the field "Enumerator:" or "Fieldworker:".
const MODERATOR_NAMES: &[&str] = &[
    "moderator",
    "mod",
    "interviewer",
    "int",
    "facilitator",
    "q",
    "question",
    "i",
    "host",
    "researcher",
    "investigator",
    "fieldworker",
    "enumerator",
    // `IV:`/`IE:` (interviewer/interviewee), and the interviewer in
    // German, French, Spanish and Italian transcripts.
    "iv",
    "interviewerin",
    "interviewende",
    "enquêteur",
    "enquêtrice",
    "enquêteuse",
    "entrevistador",
    "entrevistadora",
    "intervistatore",
    "intervistatrice",
    // A focus group's moderator in French, Spanish, Italian and German.
    "animateur",
    "animatrice",
    "modérateur",
    "modératrice",
    "moderador",
    "moderadora",
    "moderatore",
    "moderatrice",
    "moderatorin",
    // The research team's other voices: not participants either.
    "note-taker",
    "notetaker",
    "note taker",
    "observer",
    "co-moderator",
    "co-facilitator",
    "assistant moderator",
    // Its common abbreviation, and the note-taker by another name.
    "asst. moderator",
    "asst moderator",
    "scribe",
];

/// Labels for several people at once or an unknown voice ("All: Yes!").
/// Their turns are kept but belong to no participant.
const GROUP_NAMES: &[&str] = &[
    "all",
    "everyone",
    "everybody",
    "several",
    "multiple",
    "group",
    "participants",
    "others",
    "crosstalk",
    "unknown",
    "unidentified",
    "inaudible",
    "audience",
    "both",
    "many",
    "voices",
    "?",
    "??",
    "???",
];

/// Second words that make a group word a group's label: `Multiple
/// speakers:`, `Several participants:`, `All together:`, `Many voices:`.
const GROUP_SECOND_WORDS: &[&str] = &[
    "speaker",
    "speakers",
    "participant",
    "participants",
    "voice",
    "voices",
    "people",
    "together",
    "respondents",
    "members",
    "male",
    "female",
    "man",
    "woman",
    "men",
    "women",
];

/// An id or initials in square brackets after a label (`Interviewee
/// [P07]:`, `Interviewer [KM]:`): one word of letters and digits, with a
/// digit or in capitals.
fn is_bracketed_id(inner: &str) -> bool {
    inner.chars().count() <= 12
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
        && (inner.chars().any(|c| c.is_ascii_digit())
            || inner
                .chars()
                .all(|c| c.is_uppercase() || c.is_ascii_digit()))
}

/// Whether a bracket after a label marks a turn that goes on (`cont'd`,
/// `continued`) or how it is said (`laughing`, `interrupting`,
/// `overlapping`): no role.
fn is_continuation(inner: &str) -> bool {
    let lower = inner.trim().trim_end_matches('.').to_lowercase();
    // Not every `-ing` word: `(Nursing)`, `(Marketing)` are departments.
    [
        "cont'd",
        "cont’d",
        "contd",
        "cont",
        "continued",
        "continues",
        "continuing",
        "laughing",
        "interrupting",
        "overlapping",
        "overlap",
        "crying",
        "whispering",
        "sighing",
        "shouting",
        "joking",
        "reading",
        "quietly",
        "softly",
        "aside",
        // Who comes and goes, and who interprets (`Daughter (enters):`,
        // `Son (translating):`, `Participant (via interpreter):`): what
        // happens in the turn, not who speaks; before, each was the
        // speaker's role (h25/05).
        "enters",
        "entering",
        "joins",
        "joining",
        "arrives",
        "leaves",
        "leaving",
        "exits",
        "returns",
        "translating",
        "interpreting",
        "translated",
        "interpreted",
        "via interpreter",
        "through interpreter",
        "through the interpreter",
        "via the interpreter",
    ]
    .contains(&lower.as_str())
        || in_a_language(inner.trim())
}

/// `in Punjabi`, `speaking Arabic`: the language a turn is spoken in, one
/// capitalised word (not an acronym: `in HR` is a department).
fn in_a_language(inner: &str) -> bool {
    let Some(language) = inner
        .strip_prefix("in ")
        .or_else(|| inner.strip_prefix("speaking "))
        .or_else(|| inner.strip_prefix("Speaking "))
    else {
        return false;
    };
    let mut chars = language.chars();
    chars.next().is_some_and(char::is_uppercase)
        && language.chars().all(char::is_alphabetic)
        && chars.any(char::is_lowercase)
}

/// Whether a parenthesis after a name gives pronouns (`she/her`, `they/
/// them`, `he/him/his`, `any pronouns`).
pub(crate) fn is_pronouns(inner: &str) -> bool {
    const PRONOUNS: &[&str] = &[
        "she", "her", "hers", "he", "him", "his", "they", "them", "theirs", "xe", "xem", "ze",
        "zir", "hir", "it", "its", "any", "all", "pronouns", "sie", "ihr", "er", "ihm", "elle",
        "il", "iel", "ella", "él", "elle",
    ];
    let words: Vec<String> = inner
        .split(|c: char| c == '/' || c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    !words.is_empty()
        && (inner.contains('/') || words.iter().any(|w| w == "pronouns"))
        && words.iter().all(|w| PRONOUNS.contains(&w.as_str()))
}

/// Whether a speaker label stands for several or unknown people.
pub fn is_group_name(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    // A joint label (`P2/P5`, `Priya and Siobhán`): no single label holds
    // these separators, so only [`DocumentLabels::joint_label`] makes one.
    // Each part a name or label: a table's speaker column may hold an id
    // with a slash or comma (Google Forms' `2025/03/01 9:00:00 AM GMT`,
    // the only id it exports), which is one respondent, not a group
    // (before, such respondents had no participant and lost their
    // attributes).
    let parts = joint_parts(name);
    let joint = parts.len() >= 2
        && !is_name_like(name)
        && !is_surname_given(name)
        && parts.iter().all(|p| is_name_like(p));
    joint || is_group_word(&lower)
}

/// Whether a label, lower case, is a group's or an unknown voice's word
/// (`all`, `unknown speaker`, `multiple speakers`), not a joint label.
fn is_group_word(lower: &str) -> bool {
    GROUP_NAMES.contains(&lower)
        || lower.starts_with("unknown ")
        || lower.starts_with("unidentified ")
        || lower.split_once(' ').is_some_and(|(first, second)| {
            GROUP_NAMES.contains(&first) && GROUP_SECOND_WORDS.contains(&second)
        })
}

/// Roles that make a speaker a moderator.
/// Not "researcher": as a participants file's role it is as often a
/// participant's profession (the demo's stakeholder focus groups have
/// researchers among police and business people) as the interviewer.
const MODERATOR_ROLES: &[&str] = &[
    "moderator",
    "interviewer",
    "facilitator",
    // The research team's other voices, inline (`Tom (note-taker):`) as
    // on their own (`Observer:`): before, Tom was a participant.
    "note-taker",
    "notetaker",
    "note taker",
    "observer",
    "scribe",
];

/// An interpreter's or translator's label (`Interpreter:`, `Translator 2:`,
/// `Interp.:`), lower case, without a number: a role of the research
/// encounter in interpreter-mediated interviews, not a study participant
/// and never one person across interviews ([`is_interpreter_name`]).
const INTERPRETER_NAMES: &[&str] = &["interpreter", "interp", "translator"];

/// Whether a label names the interview's interpreter (`Interpreter:`,
/// `Translator:`, `Interpreter 2:`): their English rendering is the voice
/// of whoever they render (`crate::assemble`), and they are counted as no
/// participant. Before 2026-12-07 `Interpreter` was a name, one participant
/// across every interview holding the refugees' accounts (h25/01).
pub fn is_interpreter_name(name: &str) -> bool {
    let lower = without_gender_suffix(name.trim())
        .trim_end_matches('.')
        .to_lowercase();
    let base = crate::resolve::label_base(&lower);
    INTERPRETER_NAMES.contains(&base.trim_end_matches('.'))
}

/// Roles (inline or a participants file's) of the interview's interpreter:
/// members of the research encounter, counted as no participant, as the
/// research team's roles are ([`is_moderator_role`]).
const INTERPRETER_ROLES: &[&str] = &["interpreter", "translator"];

/// Whether a speaker name marks a moderator: one of the names above, also
/// numbered ("Interviewer 2") or with a name ("Moderator Jane").
/// Also with a number attached: "Interviewer2", "Int1", "I1", "Moderator 2".
pub fn is_moderator_name(name: &str) -> bool {
    // `Int.`: an abbreviation's full stop; `Interviewer:in`: German's
    // gender-inclusive ending.
    let lower = without_gender_suffix(name.trim())
        .trim_end_matches('.')
        .to_lowercase();
    // `Int. 1`: the number after the abbreviation's full stop.
    let base = crate::resolve::label_base(&lower);
    if MODERATOR_NAMES.contains(&lower.as_str())
        || MODERATOR_NAMES.contains(&base.as_str())
        || MODERATOR_NAMES.contains(&base.trim_end_matches('.'))
    {
        return true;
    }
    let first = lower.split_whitespace().next().unwrap_or("");
    lower.contains(' ') && MODERATOR_ROLES.contains(&first)
}

/// Words before a moderator role that keep it the research team's
/// (`Co-facilitator`, `Assistant moderator`, `Lead interviewer`, `Focus
/// group facilitator`, `Non-participant observer`), `-` read as a space.
/// Other words make a job title (`Clinical facilitator`, `Practice
/// facilitator`, `Peer facilitator`, `Telephone interviewer`): an
/// interviewee's profession, as "researcher" is.
const MODERATOR_ROLE_QUALIFIERS: &[&str] = &[
    "co",
    "assistant",
    "asst",
    "asst.",
    "lead",
    "main",
    "senior",
    "junior",
    "second",
    "deputy",
    "trainee",
    "research",
    "study",
    "project",
    "team",
    "focus group",
    "group",
    "session",
    "workshop",
    "non participant",
    "silent",
];

/// Whether a role (inline or from the participants file) marks a moderator:
/// the role as a whole is one of [`MODERATOR_ROLES`] or the interview's
/// interpreter's ([`INTERPRETER_ROLES`]: `interpreter` in a participants
/// file's `role` column was one more participant, h25/01), after the research
/// team's qualifiers ([`MODERATOR_ROLE_QUALIFIERS`]) and before a number
/// (`Facilitator 2`); of a role of several (`Observer / note-taker`,
/// `Moderator, Interviewer`), one part. Before 2026-12-07 any word of it
/// did: `Clinical facilitator`, an NHS nursing post in a participants
/// file's `Role` column, made an interviewee a moderator, neither coded
/// nor counted (hu/03).
pub fn is_moderator_role(role: &str) -> bool {
    role.to_lowercase()
        .split(['/', ',', ';', '&', '+'])
        .flat_map(|part| part.split(" and "))
        .any(|part| {
            let words: Vec<&str> = part
                .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_'))
                .filter(|w| !w.is_empty())
                .collect();
            let mut rest: &[&str] = &words;
            // `Facilitator 2`, `Interviewer (2)`: the team's second.
            while let Some((last, before)) = rest.split_last() {
                if last.trim_matches(['(', ')', '#']).parse::<u32>().is_ok() {
                    rest = before;
                } else {
                    break;
                }
            }
            loop {
                let phrase = rest.join(" ");
                if MODERATOR_ROLES.contains(&phrase.as_str())
                    || MODERATOR_ROLES.contains(&rest.concat().as_str())
                    || INTERPRETER_ROLES.contains(&phrase.as_str())
                {
                    return true;
                }
                let qualifier = MODERATOR_ROLE_QUALIFIERS.iter().find(|q| {
                    let n = q.split(' ').count();
                    rest.len() > n && rest[..n].join(" ") == **q
                });
                match qualifier {
                    Some(q) => rest = &rest[q.split(' ').count()..],
                    None => return false,
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    type Label = (String, Option<String>, Option<u64>, String);

    /// h25/03: any sentence-case job title a document repeats is a label.
    #[test]
    fn repeated_sentence_case_job_titles_are_labels() {
        let text = "Facilitator: How are nights?\nTeam leader: Busy.\nNight porter: Quiet.\n\
                    Facilitator: And days?\nTeam leader: Busier.\n";
        let labels = DocumentLabels::of(text.lines());
        let names: Vec<String> = text
            .lines()
            .filter_map(|l| labels.label(l).map(|x| x.name))
            .collect();
        assert_eq!(
            names,
            [
                "Facilitator",
                "Team leader",
                "Night porter",
                "Facilitator",
                "Team leader"
            ]
        );
        // Said once, or no role's words, they are speech.
        let text = "Facilitator: How are nights?\nTeam leader: Busy.\nFacilitator: And?\n";
        let labels = DocumentLabels::of(text.lines());
        assert!(labels.label("Team leader: Busy.").is_none());
        assert!(sentence_case_role_label("Last week: it rained.").is_none());
        assert!(sentence_case_role_label("Key points: two.").is_none());
    }

    /// h25/03: sentence-case job titles are labels, as in title case.
    #[test]
    fn sentence_case_job_titles_are_labels() {
        for line in [
            "Staff nurse: It's difficult at night.",
            "Healthcare assistant: We cover two bays.",
            "Ward manager: I try to be on the floor.",
        ] {
            let label = parse_speaker_line(line).expect(line);
            assert_eq!(label.name, line.split_once(':').unwrap().0);
            assert_eq!(label.role, None);
        }
        // A sentence is still no label.
        assert!(parse_speaker_line("The nurse: she said so.").is_none());
    }

    /// h25/05: a stage direction after a label is no role.
    #[test]
    fn a_stage_direction_after_a_label_is_no_role() {
        for (line, name) in [
            ("Daughter (enters): Sorry I'm late.", "Daughter"),
            ("Wife (joins): And me.", "Wife"),
            ("Son (translating): He says yes.", "Son"),
            ("Patient (in Punjabi): Theek hai.", "Patient"),
            ("Participant (via interpreter): Yes.", "Participant"),
        ] {
            let label = parse_speaker_line(line).expect(line);
            assert_eq!((label.name.as_str(), label.role), (name, None), "{line}");
        }
        // A department stays a role.
        let label = parse_speaker_line("Tom (in HR): Yes.").unwrap();
        assert_eq!(label.role.as_deref(), Some("in HR"));
    }

    /// A header block's interpreter line names who interprets, as
    /// `Observer: Tom Reid` names the observer: it is no turn (h25/02).
    #[test]
    fn a_headers_interpreter_line_is_header() {
        let text = "Study: Access to primary care among resettled refugees\nInterview ID: RH-03\nDate: 28 March 2024\n\
                    Interviewer: Dr Helen Price\nInterpreter: Samira Haddad (Arabic)\n\n\
                    Interviewer: Thank you for coming today. How long have you lived here?\n\
                    Participant: Almost two years now.\n";
        let end = header_block_end(text, &|_| false);
        assert_eq!(&text[..end], "Study: Access to primary care among resettled refugees\nInterview ID: RH-03\nDate: 28 March 2024\nInterviewer: Dr Helen Price\nInterpreter: Samira Haddad (Arabic)\n");
        for (key, value) in [
            ("Interpreter", "Samira Haddad (Arabic)"),
            ("Interpreter", "None"),
            ("Translator", "Ahmed Karimi"),
            ("Interpreting", "telephone (Language Line)"),
        ] {
            assert!(is_header_entry(key, value), "{key} | {value}");
        }
        // The interpreter's turn at the top of a dialogue is no header.
        assert!(!is_header_entry("Interpreter", "[translates]"));
        assert!(!is_header_entry(
            "Interpreter",
            "She says she has lived here two years."
        ));
    }

    /// A details table's row reads as a header block's line would
    /// (ht/04); a table of people's heading row and a turn do not.
    #[test]
    fn a_details_rows_key_and_value_are_a_header_entry() {
        for (key, value) in [
            ("Participant ID", "P07"),
            ("Interviewer", "SK"),
            ("Date of interview", "14/05/2024"),
            ("Duration", "42 minutes"),
            ("Transcribed by", "Jo Bell"),
            ("Gender", "Female"),
        ] {
            assert!(is_header_entry(key, value), "{key} | {value}");
        }
        for (key, value) in [
            ("Participant", "Age"),
            ("Name", "Role"),
            ("Speaker", "Organisation"),
            ("Interviewer", "Thanks for coming. How did you hear of it?"),
            ("Maria", "45"),
            ("Participant ID", ""),
        ] {
            assert!(!is_header_entry(key, value), "{key} | {value}");
        }
    }

    fn label(line: &str) -> Option<Label> {
        parse_speaker_line(line)
            .map(|l| (l.name, l.role, l.start_ms, line[l.text_start..].to_string()))
    }

    fn named(name: &str, text: &str) -> Option<Label> {
        Some((name.into(), None, None, text.into()))
    }

    #[test]
    fn a_header_blocks_keys_and_re_enacted_pronouns_are_no_speakers() {
        for line in [
            "Project: Digital care pathways",
            "Interview ID: DCPC-INT-07",
            "Participant ID: P07",
            "Transcriber: KL",
            "Transcribed by: KL",
            "Date of interview: 3 May",
            "Interview 07 - DCPC",
            "Datum: 12.03.2024",
            "Dauer: 47 Minuten",
            "Session 2: the afternoon",
            "Me: \"Can we talk about the rota?\"",
            "Her: \"Not now.\"",
        ] {
            assert_eq!(parse_speaker_line(line), None, "{line}");
        }
        // Speakers stay speakers.
        assert_eq!(label("I: So tell me."), named("I", "So tell me."));
        assert_eq!(label("Int.: So?"), named("Int.", "So?"));
        assert_eq!(label("Anna Byrne: Yes."), named("Anna Byrne", "Yes."));
    }

    /// A directory's `Surname, Given` (Teams, Outlook) is one person, not
    /// a joint label of two; a sentence's opening is no such name.
    #[test]
    fn surname_comma_given_is_one_person() {
        assert!(is_surname_given("Lopez, Maria"));
        assert!(is_surname_given("Van Dijk, Anna"));
        assert!(!is_group_name("Lopez, Maria"));
        // A label where a document repeats it; one line alone is speech.
        assert_eq!(
            relaxed_label("Khan, Sarah: Shall we start?").map(|l| (l.name, l.text_start)),
            Some(("Khan, Sarah".to_string(), 13))
        );
        assert_eq!(parse_speaker_line("Mum, Dad: I have news."), None);
        // A guest's bracket after the name, in a header or a colon label.
        assert_eq!(
            relaxed_label("Lopez, Maria (External)   0:20").map(|l| (l.name, l.role, l.start_ms)),
            Some((
                "Lopez, Maria".to_string(),
                Some("External".to_string()),
                Some(20_000)
            ))
        );
        assert_eq!(
            relaxed_label("Jones, Kate (Guest): Hello.").map(|l| (l.name, l.role)),
            Some(("Jones, Kate".to_string(), Some("Guest".to_string())))
        );
        for name in [
            "Well, Maria",
            "Yeah, so",
            "So, Tom",
            "Smith, J.",
            "Jones, K",
            "Mum, Dad, Tom",
        ] {
            assert!(!is_surname_given(name), "{name}");
        }
        assert!(!is_surname_given("Priya, Siobhán and Tom"));
        assert!(is_group_name("Priya, Siobhán and Tom"));
        assert!(!is_surname_given("Lopez, Maria, Khan"));
    }

    /// Otter's header with a bracket after the name: pronouns are no role,
    /// a role or id is; a transcriber's note is no header.
    #[test]
    fn a_name_and_time_header_may_carry_a_bracket() {
        let header = |line: &str| {
            parse_speaker_line(line)
                .map(|l| (l.name, l.role, l.start_ms, l.text_start == line.len()))
        };
        assert_eq!(
            header("Maria Lopez (she/her)  0:12"),
            Some(("Maria Lopez".into(), None, Some(12_000), true))
        );
        assert_eq!(
            header("Maria Lopez (Guest)  1:02"),
            Some((
                "Maria Lopez".into(),
                Some("Guest".into()),
                Some(62_000),
                true
            ))
        );
        assert_eq!(
            header("Maria Lopez (P01)  0:12"),
            Some(("Maria Lopez".into(), Some("P01".into()), Some(12_000), true))
        );
        assert_eq!(header("Maria Lopez (laughs)  0:12"), None);
    }

    /// A header block's role keys name their person by a name and id
    /// together, or by initials; the block's keys below them are no
    /// speakers.
    #[test]
    fn a_header_block_names_people_by_name_and_id_or_initials() {
        let text = "INTERVIEW TRANSCRIPT\n\nProject: Shift Work Study 2024\nInterviewee: Maria Lopez (P01)\nInterviewer: SK\nDate of interview: 12 March 2024\nMode: Zoom\nSite: Leeds General\nConsent: verbal consent recorded at 00:00:12\nLength: 47 minutes\n\nSK: Thanks for doing this.\n";
        let end = header_block_end(text, &|_| false);
        assert_eq!(&text[end..], "\nSK: Thanks for doing this.\n");
        assert!(describes_a_person("Maria Lopez (P01)"));
        assert!(describes_a_person("SK"));
        assert!(describes_a_person("Dr. Smith"));
        assert!(!describes_a_person("OK"));
        assert!(!describes_a_person("Maria"));
        assert!(!describes_a_person("Welcome everyone"));
    }

    /// f4's stamp before the label (`#00:00:03-3# I1: …`) is the turn's time.
    #[test]
    fn an_f4_stamp_may_come_before_the_label() {
        assert_eq!(
            parse_speaker_line("#00:00:03-3# I1: Thanks for doing this.")
                .map(|l| (l.name, l.start_ms)),
            Some(("I1".into(), Some(3_300)))
        );
    }

    #[test]
    fn f4_time_stamps_are_times() {
        assert_eq!(skip_time_stamps("#00:00:28-8# Ja.", 0), (Some(28_800), 13));
        assert_eq!(skip_time_stamps("#01:02:03# Ja.", 0), (Some(3_723_000), 11));
        assert_eq!(skip_time_stamps("#metoo was big", 0), (None, 0));
        assert_eq!(end_before_f4_stamp("Mhm. #00:00:44-4#"), 4);
        assert_eq!(end_before_f4_stamp("Mhm #00:00:44-4# "), 3);
        assert_eq!(
            end_before_f4_stamp("Issue #12 and #13#"),
            "Issue #12 and #13#".len()
        );
    }

    #[test]
    fn german_gender_inclusive_role_labels() {
        assert_eq!(
            label("Interviewer:in: Okay."),
            named("Interviewer:in", "Okay.")
        );
        assert_eq!(label("Befragte:r: Ja."), named("Befragte:r", "Ja."));
        assert_eq!(
            label("Interviewer*in: Gut."),
            named("Interviewer*in", "Gut.")
        );
        assert!(is_moderator_name("Interviewer:in"));
        assert!(is_moderator_name("Interviewer*in"));
        assert!(crate::resolve::is_generic_interviewee_name("Befragte:r"));
        // A colon with no gender ending after it is no label.
        assert_eq!(label("Anna:in the end"), None);
    }

    #[test]
    fn the_interviewer_in_other_words_and_languages() {
        for name in [
            "IV",
            "Int.",
            "Interviewerin",
            "Enquêtrice",
            "Entrevistadora",
            "Note-taker",
            "Observer",
        ] {
            assert!(is_moderator_name(name), "{name}");
        }
        for name in ["IE", "Ivy", "Integrity", "M"] {
            assert!(!is_moderator_name(name), "{name}");
        }
    }

    #[test]
    fn speaker_forms() {
        assert_eq!(label("Anna: I agree."), named("Anna", "I agree."));
        assert_eq!(label("  Anna Smith:  Hello"), named("Anna Smith", "Hello"));
        assert_eq!(label("ANNA: Yes."), named("ANNA", "Yes."));
        assert_eq!(label("Q: Why?"), named("Q", "Why?"));
        assert_eq!(label("A: Because."), named("A", "Because."));
        assert_eq!(label("Moderator: Welcome."), named("Moderator", "Welcome."));
        assert_eq!(label("Interviewer:"), named("Interviewer", ""));
        assert_eq!(label("Speaker 1: hi"), named("Speaker 1", "hi"));
        assert_eq!(label("interviewee: Yeah."), named("interviewee", "Yeah."));
        assert_eq!(label("interviewer2: So?"), named("interviewer2", "So?"));
        assert_eq!(label("Interviewer2: So?"), named("Interviewer2", "So?"));
        assert_eq!(
            label("Dr. Anna-Lena O'Brien: hi"),
            named("Dr. Anna-Lena O'Brien", "hi")
        );
        assert_eq!(label("Anna van Dijk: hi"), named("Anna van Dijk", "hi"));
        assert_eq!(label("Ólafur: hæ"), named("Ólafur", "hæ"));
        assert_eq!(label("王芳：我同意"), named("王芳", "我同意"));
        assert_eq!(
            label("Anna (Police): We patrol."),
            Some((
                "Anna".into(),
                Some("Police".into()),
                None,
                "We patrol.".into()
            ))
        );
        assert_eq!(
            label("[00:01:02] Anna: Hi."),
            Some(("Anna".into(), None, Some(62_000), "Hi.".into()))
        );
        assert_eq!(
            label("(1:02:03.5) BOB (Researcher): ok"),
            Some((
                "BOB".into(),
                Some("Researcher".into()),
                Some(3_723_500),
                "ok".into()
            ))
        );
        assert_eq!(
            label("00:05 Anna: ok"),
            Some(("Anna".into(), None, Some(5_000), "ok".into()))
        );
        assert_eq!(
            label("Anna [00:00:07]: ok"),
            Some(("Anna".into(), None, Some(7_000), "ok".into()))
        );
        assert_eq!(label("**Anna:** Hello"), named("Anna", "Hello"));
        // A time stamp after the label is the turn's time, not its text.
        let at = |ms: u64, text: &str| Some(("Sam".into(), None, Some(ms), text.to_string()));
        assert_eq!(
            label(r"**Sam:** \[03:46\] Yeah, so."),
            at(226_000, "Yeah, so.")
        );
        assert_eq!(label("Sam: [01:11:52.04] And"), at(4_312_040, "And"));
        assert_eq!(label("Sam: (00:07) ok"), at(7_000, "ok"));
        assert_eq!(label(r"**Sam:** \[01:44\]"), at(104_000, ""));
        assert_eq!(
            label(r"**Sam:** \[01:53:10\] - \[01:54:40\]"),
            at(6_790_000, "")
        );
        // A dash before words, brackets that are not times, and a bare time
        // in the speech stay text.
        assert_eq!(label("Sam: [00:09] - and then"), at(9_000, "- and then"));
        assert_eq!(label("Sam: [laughs] Yes."), named("Sam", "[laughs] Yes."));
        assert_eq!(
            label(r"Sam: \[laughs\] Yes."),
            named("Sam", r"\[laughs\] Yes.")
        );
        assert_eq!(label("Sam: 10:30 is late."), named("Sam", "10:30 is late."));
        assert_eq!(label(r"Sam: \[03:46 Yes."), named("Sam", r"\[03:46 Yes."));
        // Cut-off brackets and escapes are text, never a panic.
        for rest in [
            r"\",
            r"\[",
            "[",
            "(",
            "[01:44",
            r"\[01:44]",
            "[]",
            "[01:44] –",
            "– [01:44]",
        ] {
            let line = format!("Sam: {rest}");
            assert!(label(&line).is_some(), "{line}");
        }
        assert_eq!(label("Sam: [01:44] –"), at(104_000, "–"));
        assert_eq!(label("**Anna**: Hello"), named("Anna", "Hello"));
        assert_eq!(label("- Anna: Hello"), named("Anna", "Hello"));
        // Rev: time in parentheses; Otter/Teams: name and time alone on a line.
        assert_eq!(
            label("Speaker 1 (00:01):"),
            Some(("Speaker 1".into(), None, Some(1_000), "".into()))
        );
        assert_eq!(
            label("Anna Smith  1:02:03"),
            Some(("Anna Smith".into(), None, Some(3_723_000), "".into()))
        );
        assert_eq!(
            label("Bob\t0:15"),
            Some(("Bob".into(), None, Some(15_000), "".into()))
        );
    }

    #[test]
    fn a_relative_named_by_a_possessive_is_a_label() {
        for (line, name) in [
            ("Maria’s mum: Yes, every week.", "Maria’s mum"),
            ("Tom's dad: He loves it.", "Tom's dad"),
        ] {
            assert_eq!(
                parse_speaker_line(line).map(|l| l.name),
                Some(name.to_string()),
                "{line}"
            );
        }
        // A lower-case word that names no relative stays speech.
        assert_eq!(parse_speaker_line("Tom's view: it was fine."), None);
    }

    #[test]
    fn sentences_with_colons_are_not_labels() {
        for line in [
            "The point is: we need more cameras.",
            "Note: the recorder stopped here.",
            "NOTE: late start",
            "Then Anna: said it",
            "So: what now?",
            "Yes: that too.",
            "see http://example.org for details",
            "Anna:Bob",
            "anna: lowercase",
            "One Two Three Four Five: too long",
            "We need three things: money, time and people.",
            "10:30 we met",
            "[00:01:02] and then we left: ok",
            "Date: 2024-01-01",
            "Anna (a very long role that goes on and on and on and on): hi",
            "",
            ":",
            "(Police): hi",
            "we met at 10:30",
            "Meeting 10:30",
            "Meeting  10:30 to 11:00",
            "12:00 13:00",
        ] {
            assert_eq!(parse_speaker_line(line), None, "{line}");
        }
    }

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("00:01:02"), Some(62_000));
        assert!(is_cue_timing("0:0:5.0 --> 0:0:9.500"));
        assert!(is_cue_timing(" 00:01:02.345 --> 00:01:04,000 "));
        assert!(is_cue_timing("1:02:03 --> 1:02:09"));
        assert!(!is_cue_timing("0:0:5.0 -> 0:0:9.500"));
        assert!(!is_cue_timing("0:0:5.0 --> later"));
        assert!(!is_cue_timing("see 0:05 --> 0:09"));
        assert!(!is_cue_timing("0:75:00 --> 0:76:00"));
        assert_eq!(parse_clock("01:02.25"), Some(62_250));
        assert_eq!(parse_clock("00:00:01,5"), Some(1_500));
        assert_eq!(parse_clock("1:61"), None);
        assert_eq!(parse_clock("12"), None);
        assert_eq!(parse_clock("a:bc"), None);
    }

    #[test]
    fn moderators() {
        for n in [
            "Moderator",
            "interviewer",
            "Q",
            "FACILITATOR",
            "Interviewer 2",
            "I",
            "Interviewer2",
            "Int1",
            "INT",
            "I1",
            "Moderator 2",
            "Researcher",
            "researcher 2",
            "Enumerator",
            "Fieldworker",
        ] {
            assert!(is_moderator_name(n), "{n}");
        }
        for n in ["Anna", "A", "Modesty", "Interviewers", "Research"] {
            assert!(!is_moderator_name(n), "{n}");
        }
        assert!(is_moderator_role("moderator"));
        assert!(is_moderator_role("Co-Moderator"));
        // A role names a profession too: a researcher in a stakeholder
        // group is a participant.
        assert!(!is_moderator_role("researcher"));
        assert!(!is_moderator_role("Police"));
        // The research team's other voices, inline.
        for role in [
            "note-taker",
            "Note taker",
            "observer",
            "assistant moderator",
        ] {
            assert!(is_moderator_role(role), "{role}");
        }
    }

    /// A role moderates as a whole, with the research team's qualifiers
    /// and a number; a job title that holds a moderator's word is an
    /// interviewee's profession (hu/03: `Clinical facilitator` made N01 a
    /// moderator, neither coded nor counted).
    #[test]
    fn a_role_moderates_as_a_whole_not_by_one_of_its_words() {
        for role in [
            "Facilitator",
            " Moderator ",
            "Co-facilitator",
            "co facilitator",
            "Lead facilitator",
            "Focus group facilitator",
            "Session moderator",
            "Research interviewer",
            "Facilitator 2",
            "Interviewer (2)",
            "Non-participant observer",
            "Notetaker",
            "Observer / note-taker",
            "Moderator, Interviewer",
            "Clinical facilitator/interviewer",
        ] {
            assert!(is_moderator_role(role), "{role}");
        }
        for role in [
            "Clinical facilitator",
            "Practice facilitator",
            "Peer facilitator",
            "Telephone interviewer",
            "Clinical observer",
            "Practice educator",
            "Staff nurse",
            "Moderator of an online forum",
            "Researcher",
            "",
        ] {
            assert!(!is_moderator_role(role), "{role}");
        }
    }

    /// The research team's roles of several words are labels whatever
    /// their first word (hy/03: `Note taker:` was text, the note-taker's
    /// words the participant's above), and the assistant moderator's
    /// abbreviation and the scribe moderate.
    #[test]
    fn note_taker_asst_moderator_and_scribe_are_the_teams_labels() {
        for (line, name, words) in [
            (
                "Note taker: Could you repeat that?",
                "Note taker",
                "Could you repeat that?",
            ),
            (
                "Note Taker: Carla has joined.",
                "Note Taker",
                "Carla has joined.",
            ),
            ("NOTE TAKER: Sorry.", "NOTE TAKER", "Sorry."),
            ("Note taker 2: Yes.", "Note taker 2", "Yes."),
            ("Asst. Moderator: Shall I?", "Asst. Moderator", "Shall I?"),
            ("Asst. moderator: Shall I?", "Asst. moderator", "Shall I?"),
            ("Scribe: Noted.", "Scribe", "Noted."),
        ] {
            assert_eq!(label(line), named(name, words), "{line}");
            assert!(is_moderator_name(name), "{name}");
        }
        assert!(is_moderator_role("Asst. Moderator"));
        assert!(is_moderator_role("scribe"));
        assert!(!is_moderator_name("Assistant"));
        // A group's words of several words likewise.
        for (line, name) in [
            ("All participants: Yes.", "All participants"),
            ("All together: Yes!", "All together"),
        ] {
            assert_eq!(label(line), named(name, &line[name.len() + 2..]), "{line}");
            assert!(is_group_name(name), "{name}");
        }
        // A note is still no label, nor a sentence's start.
        for line in [
            "Note: the recorder stopped.",
            "Note that: we left.",
            "Note the time: 3pm",
            "All the same: we left.",
            "All of us: yes.",
        ] {
            assert_eq!(parse_speaker_line(line), None, "{line}");
        }
    }

    /// hy/02: in an Otter export, a header with the name as its user typed
    /// it (`karen doyle  0:52`) said once is a speaker's header; before, it
    /// and her words joined the moderator's turn above.
    #[test]
    fn an_otter_documents_lower_case_header_said_once_is_a_label() {
        let otter = [
            "Helen Ward  0:03",
            "Hi everyone. What do you think?",
            "",
            "Tom Baker  0:15",
            "I like the app.",
            "",
            "Helen Ward  0:45",
            "Does anyone else feel the same?",
            "",
            "karen doyle  0:52",
            "Yeah, same.",
            "",
            "Peter Novak  1:02",
            "I trust them.",
            "",
            "Helen Ward  1:20",
            "Thank you all.",
        ];
        let labels = DocumentLabels::of(otter.iter().copied());
        let got: Vec<(String, Option<u64>)> = otter
            .iter()
            .filter_map(|l| labels.label(l).map(|x| (x.name, x.start_ms)))
            .collect();
        assert_eq!(
            got,
            [
                ("Helen Ward".to_string(), Some(3_000)),
                ("Tom Baker".to_string(), Some(15_000)),
                ("Helen Ward".to_string(), Some(45_000)),
                ("karen doyle".to_string(), Some(52_000)),
                ("Peter Novak".to_string(), Some(62_000)),
                ("Helen Ward".to_string(), Some(80_000)),
            ]
        );
        // Outside such a document the line alone is no label (a colon
        // transcript's `meeting room  10:30`), nor in an agenda.
        let colon = [
            "Anna: We met in the big room.",
            "meeting room  10:30",
            "Bob: Yes.",
            "Anna: Then we left.",
        ];
        let labels = DocumentLabels::of(colon.iter().copied());
        assert_eq!(labels.label(colon[1]), None);
        let agenda = [
            "Helen Ward  0:03",
            "Welcome. Here is the plan.",
            "",
            "coffee break  10:30",
            "lunch  12:30",
            "",
            "Tom Baker  0:15",
            "Fine.",
            "",
            "Helen Ward  0:20",
            "Good.",
        ];
        let labels = DocumentLabels::of(agenda.iter().copied());
        assert_eq!(labels.label(agenda[3]), None);
        assert_eq!(labels.label(agenda[4]), None);
    }

    /// hy/04: `Participants:` inside the dialogue is the group answering
    /// (no participant); a header's `Participants: Anna, Ben, Carl` or
    /// `Participants: 8` is no speaker.
    #[test]
    fn participants_in_the_dialogue_is_a_group_voice() {
        let group = [
            "Participants: Anna, Ben, Carl",
            "Moderator: Has anyone had their data leaked?",
            "Fiona: Yes, my fitness app.",
            "Participants: [laughter] Yes, loads of us.",
            "Irene: My photos were exposed.",
            "PARTICIPANTS: Yeah.",
            "Participants: 8",
            "Participants: Anna, Ben and Carl.",
            "Participants: Dave Smith (P01); Irene Cole (P02)",
            "Participants:",
            "Moderator: Thank you all.",
        ];
        let labels = DocumentLabels::of(group.iter().copied());
        let got: Vec<Option<(String, String)>> = group
            .iter()
            .map(|l| {
                labels
                    .label(l)
                    .map(|x| (x.name, l[x.text_start..].to_string()))
            })
            .collect();
        let voice = |name: &str, words: &str| Some((name.to_string(), words.to_string()));
        assert_eq!(
            got,
            [
                None,
                voice("Moderator", "Has anyone had their data leaked?"),
                voice("Fiona", "Yes, my fitness app."),
                voice("Participants", "[laughter] Yes, loads of us."),
                voice("Irene", "My photos were exposed."),
                voice("PARTICIPANTS", "Yeah."),
                None,
                None,
                None,
                None,
                voice("Moderator", "Thank you all."),
            ]
        );
        assert!(is_group_name("Participants"));
        // One line alone says nothing of where it stands: no label.
        assert_eq!(parse_speaker_line("Participants: Yeah."), None);
    }

    /// Labels a research transcript writes that were not read, their words
    /// joining the turn above (the interviewer's): a role of several words
    /// in sentence case, a number after a hash sign, an elided particle.
    #[test]
    fn sentence_case_roles_hash_numbers_and_elided_particles_are_labels() {
        for (line, name) in [
            ("Assistant moderator: Can I check?", "Assistant moderator"),
            ("Service user: It was hard.", "Service user"),
            ("Family member 2: She wanders.", "Family member 2"),
            ("Participant #3: Yes.", "Participant #3"),
            ("d'Souza: I agree.", "d'Souza"),
            ("Maria dell’Orto: Sì.", "Maria dell’Orto"),
        ] {
            assert_eq!(label(line).map(|l| l.0), Some(name.to_string()), "{line}");
        }
        assert!(is_moderator_name("Assistant moderator"));
        assert!(crate::resolve::is_generic_interviewee_name("Service user"));
        assert!(crate::resolve::is_generic_interviewee_name(
            "Participant #3"
        ));
        // A joint label's parts are names; an id with a slash is one person.
        assert!(is_group_name("P2/P5"));
        assert!(is_group_name("Priya and Siobhán"));
        assert!(!is_group_name("2025/03/01 9:00:00 AM GMT"));
        assert!(!is_group_name("a/b"));
        // Still no labels: a sentence's start, a lower-case word.
        for line in [
            "Service is: slow.",
            "the user: here",
            "so d'Souza: said",
            "Et l'Afrique: on n'en parle jamais.",
        ] {
            assert_eq!(label(line), None, "{line}");
        }
        // A time, a dash, then a label: where the document's speakers take
        // turns so, not a participant's `12:30 - Lunch:` or notes' topics.
        let dialogue = [
            "00:00:12 - Interviewer: How long have you lived here?",
            "[00:00:18] – Maria Lopez: Since 1998.",
            "00:00:31 | Interviewer: And your health?",
            "00:00:36 - Maria Lopez: Up and down.",
        ];
        let labels = DocumentLabels::of(dialogue.iter().copied());
        let got: Vec<(String, Option<u64>)> = dialogue
            .iter()
            .map(|l| labels.label(l).map(|x| (x.name, x.start_ms)).unwrap())
            .collect();
        assert_eq!(
            got,
            [
                ("Interviewer".to_string(), Some(12_000)),
                ("Maria Lopez".to_string(), Some(18_000)),
                ("Interviewer".to_string(), Some(31_000)),
                ("Maria Lopez".to_string(), Some(36_000)),
            ]
        );
        let notes = [
            "09:00 - Arrival: the ward is quiet.",
            "10:00 - Breakfast: most eat in bed.",
            "11:00 - Medication: on time.",
            "12:30 - Lunch: we all sit together.",
        ];
        let labels = DocumentLabels::of(notes.iter().copied());
        assert!(notes.iter().all(|l| labels.label(l).is_none()));
        // A diary read out over two days: names come back, times start again.
        let diary = [
            "Anna: Let me read my diary.",
            "07:00 - Breakfast: toast and tea.",
            "12:30 - Lunch: soup.",
            "07:00 - Breakfast: porridge.",
            "12:30 - Lunch: a sandwich.",
        ];
        let labels = DocumentLabels::of(diary.iter().copied());
        assert!(diary[1..].iter().all(|l| labels.label(l).is_none()));
        // An interview recorded in two parts, its clock starting again
        // once, and a line of crosstalk timed a second early: speakers.
        let two_parts = [
            "00:00:05 - Interviewer: How did you start?",
            "00:00:09 - Anna: With a friend.",
            "00:00:20 - Interviewer: Why?",
            "00:00:19 - Anna: Money.",
            "00:00:31 - Interviewer: And then?",
            "00:00:02 - Interviewer: We are recording again.",
            "00:00:06 - Anna: Yes.",
            "00:00:12 - Interviewer: Go on.",
            "00:00:15 - Anna: We grew.",
        ];
        let labels = DocumentLabels::of(two_parts.iter().copied());
        assert!(two_parts.iter().all(|l| labels.label(l).is_some()));
        // A short transcript of such lines alone: its speakers, and no
        // speaker `- Anna` (as display-name lines once made).
        let short = [
            "00:00:05 - Interviewer: How did you start?",
            "00:00:09 - Anna: With a friend.",
            "00:00:20 - Interviewer: Why?",
        ];
        let labels = DocumentLabels::of(short.iter().copied());
        let names: Vec<String> = short
            .iter()
            .map(|l| labels.label(l).map(|x| x.name).unwrap_or_default())
            .collect();
        assert_eq!(names, ["Interviewer", "Anna", "Interviewer"]);
        // The same three lines inside a longer answer are its words.
        let inside = [
            "Anna: My day, as I wrote it down, went like this and it was long.",
            "It started early, before anyone else was up, as it always does.",
            "00:00:05 - Interviewer: How did you start?",
            "00:00:09 - Anna: With a friend.",
            "00:00:20 - Interviewer: Why?",
            "Then it was over, and I went home and slept for a long time.",
            "Bob: That sounds like my days too, to be honest with you all.",
            "Anna: It was not easy.",
        ];
        let labels = DocumentLabels::of(inside.iter().copied());
        assert!(inside[2..5]
            .iter()
            .all(|l| labels.label(l).is_none_or(|x| !x.name.starts_with('-'))));
    }

    /// A respondent's study id said twice in a follow-up call, a focus
    /// group's numbers said once each: labels, as they take turns with the
    /// interviewer's or moderator's (h17/03). A numbered list inside a
    /// turn, and a time, stay words.
    #[test]
    fn participant_numbers_taking_turns_with_the_interviewer_are_labels() {
        let names = |lines: &[&str]| -> Vec<Option<String>> {
            let labels = DocumentLabels::of(lines.iter().copied());
            lines
                .iter()
                .map(|l| labels.label(l).map(|x| x.name))
                .collect()
        };
        let s = |n: &str| Some(n.to_string());
        let follow_up = [
            "Interviewer: Thanks for agreeing to a follow-up call.",
            "1001: Happy to. The nurse was lovely.",
            "Interviewer: Can you tell me more about the wait?",
            "1001: It was over an hour past my slot.",
            "Interviewer: Thank you, that's really helpful.",
        ];
        assert_eq!(
            names(&follow_up),
            [
                s("Interviewer"),
                s("1001"),
                s("Interviewer"),
                s("1001"),
                s("Interviewer")
            ]
        );
        let group = [
            "Moderator: What do you think of the clinic?",
            "1: It is too far.",
            "Moderator: And you?",
            "2: The staff are kind.",
            "3: I agree with that.",
        ];
        assert_eq!(
            names(&group),
            [s("Moderator"), s("1"), s("Moderator"), s("2"), s("3")]
        );
        // One run of numbers inside a turn is a list.
        let list = [
            "Interviewer: Which three?",
            "Anna: Mine were:",
            "1: the bus",
            "2: the rota",
            "3: the pay",
            "Anna: We met at 10:30 then.",
        ];
        assert_eq!(
            names(&list),
            [s("Interviewer"), s("Anna"), None, None, None, s("Anna")]
        );
    }
}
