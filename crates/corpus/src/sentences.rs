//! Sentence splitting: Unicode sentence boundaries (UAX #29, from
//! `unicode-segmentation`) plus a merge step for abbreviations that UAX #29
//! ends a sentence at when a capital follows ("Dr. Jones", "e.g. Amsterdam").
//! UAX #29 already keeps numbers ("3.5") and abbreviations followed by a
//! lower-case word ("etc. and") together. A last step joins the fragments
//! such a split leaves in speech ("solution,", "and I was like \"Sure.\"",
//! "or other purposes?") to their neighbour in the same text (one turn):
//! [`join_fragments`].

use unicode_segmentation::UnicodeSegmentation;

/// The question marks of the scripts transcripts are written in: ASCII's,
/// the full-width one every Chinese and Japanese input method types (`？`),
/// Arabic's (`؟`, Persian and Urdu write it too), Greek's (`;`, U+037E,
/// where not normalised to a semicolon), Ethiopic's, the small form and
/// the doubled and mixed ones (`⁇`, `⁈`, `⁉`, `‽`). Before, only `?`
/// asked: a Chinese or Arabic interviewer who asked in every turn was never
/// found (hunt h4/03).
pub const QUESTION_MARKS: &[char] = &['?', '？', '؟', '\u{37E}', '፧', '﹖', '⁇', '⁈', '⁉', '‽'];

/// Whether `text` holds a question mark of any script ([`QUESTION_MARKS`]).
pub fn holds_question_mark(text: &str) -> bool {
    text.contains(QUESTION_MARKS)
}

/// Abbreviations after which a capitalised word does not start a sentence.
/// "etc." is not among them: it ends sentences as often as not, so it only
/// stays inside one when a lower-case word follows (UAX #29 does that).
/// German capitalises every noun, so its abbreviations are nearly always
/// followed by a capital ("die Kollegen bzw. Kolleginnen", "sog.
/// Teamtage"); those written with a full stop after each letter are in
/// [`LETTER_ABBREVIATIONS`].
const ABBREVIATIONS: &[&str] = &[
    "mr.", "mrs.", "ms.", "dr.", "prof.", "vs.", "approx.", "e.g.", "i.e.", "cf.", "jr.", "sr.",
    "nr.", "ca.", "z.b.", "d.h.", "dra.", "sra.", "srta.", "mme.", "mlle.", "ee.", "bzw.", "ggf.",
    "evtl.", "sog.", "inkl.", "bspw.", "vgl.", "insb.",
];

/// German abbreviations written with a full stop after each letter, spaced
/// as Duden writes them (`z. B.`, `d. h.`, `u. a.`, `i. d. R.`) or not
/// (`z.B.`), by their letters: UAX #29 ends a sentence after `z.` before
/// the capital `B.`, and after `u. a.` before the noun that follows, and
/// "Ich arbeite z." + "B. Montag im Büro." were two sentences.
const LETTER_ABBREVIATIONS: &[&str] = &[
    "zb", "dh", "ua", "uu", "va", "zt", "oä", "uä", "so", "su", "idr", "ia",
];

/// Titles and place words that stand before a name ("Rev. Ade", "Cllr.
/// Okafor", "Mt. Kenya", "St. Louis") but also end sentences ("on Main
/// St. It's quiet"): written with a capital, they keep the next word
/// unless it starts a sentence ([`starts_sentence`]). Before, "Cllr." and
/// "Sgt." were participants' one-word sentences.
const TITLES: &[&str] = &[
    "st.", "rev.", "fr.", "cllr.", "sgt.", "mt.", "capt.", "lt.", "col.", "gen.", "gov.", "sen.",
    "rep.", "supt.", "insp.", "pres.",
    // German: Herr, Herrn (and `Fr.`, Frau, above), Firma.
    "hr.", "hrn.", "fa.",
];

/// Abbreviations that stand before a number ("No. 5", "Jan. 2019", "p.
/// 12", "Fig. 3"): they keep a number after them; before a word, "No."
/// and "Jan." end sentences as often as not.
const BEFORE_NUMBERS: &[&str] = &[
    "no.", "nos.", "p.", "pp.", "fig.", "vol.", "ch.", "tel.", "ext.", "art.", "sec.", "para.",
    "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.",
    "dec.",
];

/// Words that start a sentence and never follow a title, an initial or a
/// dotted acronym as a name does: "I got a B. I was gutted", "hepatitis C.
/// Nobody told me", "the rep. She said", "to the U.S. Everything changed"
/// are two sentences, "J. K. Rowling", "the U.S. Army" one.
const SENTENCE_STARTERS: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "it",
    "it's",
    "its",
    "the",
    "we",
    "we're",
    "we've",
    "they",
    "they're",
    "he",
    "she",
    "he's",
    "she's",
    "you",
    "you're",
    "nobody",
    "no",
    "yes",
    "yeah",
    "so",
    "but",
    "and",
    "then",
    "that",
    "that's",
    "this",
    "there",
    "there's",
    "my",
    "our",
    "your",
    "his",
    "her",
    "their",
    "what",
    "why",
    "how",
    "when",
    "where",
    "who",
    "if",
    "in",
    "on",
    "at",
    "because",
    "well",
    "oh",
    "anyway",
    "also",
    "a",
    "an",
    "not",
    "now",
    "just",
    "everyone",
    "everybody",
    "nothing",
    "some",
    "all",
    "most",
    "many",
    "after",
    "before",
    "once",
    "actually",
    "honestly",
    "basically",
    "ok",
    "okay",
    "maybe",
    "do",
    "did",
    "does",
    "is",
    "was",
    "were",
    "are",
    "can",
    "could",
    "would",
    "should",
    "will",
    "as",
    "for",
    "to",
    "of",
    "with",
    "one",
    "other",
    "those",
    "these",
    "like",
    "even",
    "still",
    "never",
    "always",
    "sometimes",
    "everything",
    "someone",
    "somebody",
    "people",
    "here",
    "today",
    "later",
    "eventually",
    "unfortunately",
    "luckily",
    "obviously",
    "really",
    "probably",
    "let's",
    "sure",
];

/// How a piece that ends in an abbreviation or an initial holds the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glue {
    /// "Dr. Jones", "e.g. Amsterdam": always.
    Always,
    /// A title, an initial or a dotted acronym: unless the next piece
    /// starts a sentence.
    UnlessStarter,
    /// "No. 5", "Jan. 2019": only a number.
    BeforeNumber,
    /// A German ordinal ("am 15. März"): only a month.
    BeforeMonth,
    /// The first letters of one of [`LETTER_ABBREVIATIONS`] (`z.` of `z.
    /// B.`, as their letters): only its next letter.
    LetterAbbreviation(&'static str),
}

impl Glue {
    fn holds(self, next: &str) -> bool {
        match self {
            Glue::Always => true,
            Glue::UnlessStarter => !starts_sentence(next),
            Glue::BeforeNumber => next.trim_start().starts_with(|c: char| c.is_ascii_digit()),
            Glue::BeforeMonth => {
                let word = first_word(next).trim_end_matches(|c: char| !c.is_alphabetic());
                MONTHS.contains(&word.to_lowercase().as_str())
            }
            Glue::LetterAbbreviation(begun) => {
                let Some(next) = dotted_letters(first_word(next)) else {
                    return false;
                };
                let letters = format!("{begun}{}", next.to_lowercase());
                LETTER_ABBREVIATIONS
                    .iter()
                    .any(|a| a.starts_with(letters.as_str()))
            }
        }
    }
}

/// The letters of `word` where it is letters each followed by a full stop
/// (`B.`, `z.B.`, `u.`), in order.
fn dotted_letters(word: &str) -> Option<String> {
    let mut letters = String::new();
    let mut chars = word.chars();
    loop {
        match (chars.next(), chars.next()) {
            (Some(c), Some('.')) if c.is_alphabetic() => letters.push(c),
            (None, _) if !letters.is_empty() => return Some(letters),
            _ => return None,
        }
    }
}

/// How the piece after `sentence` joins it where `sentence` ends in one of
/// [`LETTER_ABBREVIATIONS`] written with a lower-case letter (`z. B.`, `u.
/// a.`, `u.a.`: any word, [`Glue::Always`]) or in its first letters (`z.`,
/// `i. d.`: the letter that goes on with it).
fn ends_with_letter_abbreviation(sentence: &str) -> Option<Glue> {
    let mut words: Vec<String> = Vec::new();
    for word in sentence.split_whitespace().rev() {
        match dotted_letters(word.trim_start_matches(['(', '"', '„', '“'])) {
            Some(letters) => words.push(letters),
            None => break,
        }
    }
    let written: String = words.iter().rev().map(String::as_str).collect();
    if !written.chars().any(char::is_lowercase) {
        return None;
    }
    let letters = written.to_lowercase();
    // Every ending of the letters, longest first: "X. z." ends in `z.`.
    let endings: Vec<&str> = letters.char_indices().map(|(i, _)| &letters[i..]).collect();
    if endings.iter().any(|e| LETTER_ABBREVIATIONS.contains(e)) {
        return Some(Glue::Always);
    }
    endings.iter().find_map(|e| {
        LETTER_ABBREVIATIONS
            .iter()
            .find(|a| a.len() > e.len() && a.starts_with(e))
            .map(|a| Glue::LetterAbbreviation(&a[..e.len()]))
    })
}

/// German months, which an ordinal stands before in a date ("am 1. Januar",
/// "bis 15. März"; [`ends_with_ordinal`]).
const MONTHS: &[&str] = &[
    "januar",
    "jänner",
    "februar",
    "märz",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "dezember",
];

/// German articles and prepositions fused with one that stand before an
/// ordinal ("im 3. Quartal", "zum 2. Mal", "der 1. Versuch"), and that are
/// no English word (English "am" is: "I am 15. School was hard").
const BEFORE_ORDINALS: &[&str] = &[
    "im", "vom", "zum", "zur", "beim", "der", "dem", "des", "das", "seit",
];

/// Words that open a clause as its subject: a lower-case one after a full
/// stop starts a sentence even in a text that capitalises its sentences
/// ("The rota was late. i had to swap"), as no word after an abbreviation
/// that goes on with the sentence does ("Mill Rd. was", "500 mg. twice";
/// [`lower_case_start`]).
const SUBJECTS: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "you",
    "you're",
    "you've",
    "you'd",
    "you'll",
    "he",
    "he's",
    "he'd",
    "she",
    "she's",
    "she'd",
    "it",
    "it's",
    "we",
    "we're",
    "we've",
    "we'd",
    "we'll",
    "they",
    "they're",
    "they've",
    "they'd",
    "there's",
    "that's",
    "nobody",
    "everybody",
    "everyone",
    "somebody",
    "someone",
    "nothing",
    "everything",
];

/// Whether `piece`'s first word is one of [`SENTENCE_STARTERS`].
fn starts_sentence(piece: &str) -> bool {
    let word = piece
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .replace('’', "'")
        .to_lowercase();
    SENTENCE_STARTERS.contains(&word.as_str())
}

/// Splits `text` into sentences: byte ranges into `text`, trimmed of
/// surrounding whitespace, never empty, in order.
///
/// A single line break inside a paragraph is read as a space, since
/// transcripts are often hard-wrapped; a blank line always ends a sentence,
/// and so does a line break before a list item after a clause's end
/// ([`join_wrapped_lines`]).
pub fn split_sentences(text: &str) -> Vec<(usize, usize)> {
    split_sentences_at(text, &[])
}

/// [`split_sentences`] where `breaks` are the byte offsets at which the
/// caption cues of `text` start (ascending): an unpunctuated run is cut
/// at them ([`split_long`]).
pub fn split_sentences_at(text: &str, breaks: &[usize]) -> Vec<(usize, usize)> {
    // A number at a line's start is a list's only where lines numbered 1
    // and 2 (or a and b) are: "23. If you're listening…" answers "How old
    // were you?", and "5." and "4." starting wrapped lines are no list.
    let starts = |n: &str| {
        text.lines()
            .any(|l| list_marker(l).is_some_and(|m| m[..m.len() - 1] == *n))
    };
    let numbered = (starts("1") && starts("2")) || (starts("a") && starts("b"));
    let normalised = join_wrapped_lines(text, numbered);
    // Capitals say nothing in a text without lower case ([`ends_with_abbreviation`]).
    let capitals_only = !text.chars().any(char::is_lowercase);
    let mut merged: Vec<(usize, usize)> = Vec::new();
    let mut glue_next: Option<Glue> = None;
    let pieces = normalised
        .split_sentence_bound_indices()
        .flat_map(|(start, piece)| {
            let cuts = unmarked_starts(piece);
            let mut bounds = vec![0];
            bounds.extend(cuts);
            bounds.push(piece.len());
            bounds
                .windows(2)
                .map(|w| (start + w[0], &piece[w[0]..w[1]]))
                .collect::<Vec<_>>()
        });
    for (mut start, mut piece) in pieces {
        let end = start + piece.len();
        // French writes a space before the closing guillemet (`« Vous
        // apprendrez sur le tas. » Voilà.`), and UAX #29 then starts the
        // next sentence with it: it closes the sentence before.
        if let Some(last) = merged.last_mut() {
            let body = piece.trim_start();
            let closers = body.len() - body.trim_start_matches(['»', '›']).len();
            if closers > 0 {
                let cut = piece.len() - body.len() + closers;
                last.1 = start + cut;
                start += cut;
                piece = &piece[cut..];
                if piece.trim().is_empty() {
                    last.1 = end;
                    continue;
                }
            }
        }
        let trimmed = piece.trim();
        let attach = match merged.last() {
            Some(_) if glue_next.is_some_and(|g| g.holds(piece)) => true,
            // A word that starts with a full stop (".NET", ".js"): UAX #29
            // ends a sentence at its dot, which follows a space and is
            // followed by a letter with none between them.
            Some(&(s, _))
                if piece.starts_with(char::is_alphanumeric)
                    && normalised[s..start].ends_with('.')
                    && normalised[s..start - 1].ends_with(char::is_whitespace) =>
            {
                true
            }
            // Stray punctuation ("…", "—") belongs to the sentence before it.
            Some(_) => !trimmed.is_empty() && !trimmed.chars().any(char::is_alphanumeric),
            None => false,
        };
        if attach {
            merged.last_mut().expect("checked").1 = end;
        } else {
            merged.push((start, end));
        }
        if !trimmed.is_empty() {
            // A list's number at the start of a line ("1.", "2)") numbers
            // the sentence after it: UAX #29 ends a sentence at its dot.
            let line_start = normalised[..start + (piece.len() - piece.trim_start().len())]
                .trim_end_matches([' ', '\t'])
                .is_empty_or_ends_with_newline();
            let list_number = numbered && line_start && is_list_number(trimmed);
            let sentence = &normalised[merged.last().expect("pushed above").0..end];
            glue_next = if list_number || ends_with_micro_pause(sentence) {
                Some(Glue::Always)
            } else {
                ends_with_abbreviation(trimmed, capitals_only)
            }
            .filter(|_| !piece.contains("\n\n") && !piece.ends_with('\n'));
        }
    }
    let trimmed: Vec<(usize, usize)> = merged
        .into_iter()
        .filter_map(|(s, e)| {
            let slice = &text[s..e];
            let lead = slice.len() - slice.trim_start().len();
            let trail = slice.len() - slice.trim_end().len();
            (s + lead < e - trail).then_some((s + lead, e - trail))
        })
        .collect();
    let joined = join_open_quotes(text, join_fragments(text, trimmed, numbered));
    let mut out = Vec::with_capacity(joined.len());
    for (start, end) in joined {
        // Nearly every sentence is short: only a long one is cut.
        if text[start..end]
            .split_whitespace()
            .nth(MAX_UNPUNCTUATED_WORDS)
            .is_some()
        {
            out.extend(split_long(text, (start, end), breaks));
        } else {
            out.push((start, end));
        }
    }
    out
}

/// An unpunctuated run of more words than this is cut ([`split_long`]).
const MAX_UNPUNCTUATED_WORDS: usize = 60;
/// About how many words each piece of an unpunctuated run gets.
const UNPUNCTUATED_PIECE_WORDS: usize = 30;
/// A punctuated sentence of more words than this is cut at its commas.
const MAX_SENTENCE_WORDS: usize = 150;

/// A sentence too long to be a coding unit, cut into pieces (each a slice
/// of `text`): Zoom's, Teams' and YouTube's automatic captions and older
/// speech recognisers write no punctuation, and a participant's three
/// minutes were one 419-word "sentence", longer than the model reads (256
/// word pieces: its last third was never embedded nor coded) and one unit
/// in every count. A run of more than [`MAX_UNPUNCTUATED_WORDS`] words
/// with no punctuation inside is cut into pieces of about
/// [`UNPUNCTUATED_PIECE_WORDS`], at a caption cue's start where one falls
/// between 20 and 40 words (`breaks`), else at 30 words; a punctuated
/// sentence of more than [`MAX_SENTENCE_WORDS`] words after a comma, a
/// semicolon or a dash once it has 40 words (none of ../shared's
/// Founders Talk interviews has one: their longest is 131 words). The
/// last piece keeps at least 10 words.
fn split_long(text: &str, (start, end): (usize, usize), breaks: &[usize]) -> Vec<(usize, usize)> {
    let sentence = &text[start..end];
    // Words as (start, end) byte offsets into `text`.
    let words: Vec<(usize, usize)> = sentence
        .split_whitespace()
        .map(|w| {
            let at = w.as_ptr() as usize - sentence.as_ptr() as usize;
            (start + at, start + at + w.len())
        })
        .collect();
    let body = sentence.trim_end_matches(['.', '!', '?', '…', '"', '”', '\'', '’', ')']);
    let punctuated = has_punctuation(body);
    let (limit, least, most) = if punctuated {
        (MAX_SENTENCE_WORDS, 40, 100)
    } else {
        (MAX_UNPUNCTUATED_WORDS, 20, 40)
    };
    if words.len() <= limit {
        return vec![(start, end)];
    }
    let mut out = Vec::new();
    let mut from = 0; // index of the piece's first word
    while words.len() - from > most {
        // The word a new piece starts at: the first in [from + least,
        // from + most] that a cue starts at or that follows a comma.
        let cut = (from + least..=from + most)
            .find(|&k| {
                if punctuated {
                    text[words[k - 1].0..words[k - 1].1].ends_with([',', ';', ':', '—', '–'])
                        || text[words[k - 1].1..words[k].0].contains(['—', '–'])
                } else {
                    breaks.binary_search(&words[k].0).is_ok()
                }
            })
            .unwrap_or(if punctuated {
                from + (least + most) / 2
            } else {
                from + UNPUNCTUATED_PIECE_WORDS
            });
        if words.len() - cut < 10 {
            break;
        }
        out.push((words[from].0, words[cut - 1].1));
        from = cut;
    }
    out.push((words[from].0, end));
    out
}

/// Whether `body` is punctuated speech ([`split_long`]): a comma, colon,
/// full stop, dash or the like, not inside a transcriber's square-bracketed
/// note (`[inaudible 00:03:12]`) nor between two digits (`7:30`, `£3.50`).
/// Before, one such note or clock made an unpunctuated run of automatic
/// captions count as punctuated, and it was not cut where its cues start.
fn has_punctuation(body: &str) -> bool {
    // Every sentence passes here: one pass, no copy of its characters.
    let mut in_note = false;
    let mut previous = ' ';
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' => in_note = true,
            ']' => in_note = false,
            ',' | ';' | ':' | '.' | '?' | '!' | '—' | '–' | '…' if !in_note => {
                let digits =
                    previous.is_ascii_digit() && chars.peek().is_some_and(char::is_ascii_digit);
                if !digits {
                    return true;
                }
            }
            _ => {}
        }
        previous = c;
    }
    false
}

/// Sentences a quotation runs across are joined into one: UAX #29 ends a
/// sentence at every full stop and question mark inside a quotation, so
/// speech that quotes (`I was like "You know what?` | `David is gonna be
/// disappointed."`) became a lead-in and a quote's tail, each coded and
/// quoted alone (2,084 of 26,568 participant sentences of ../shared's
/// founderstalk interviews had an unmatched quote mark). A sentence that
/// leaves a quotation open joins those after it up to the one that closes
/// it, when that one is near (at most [`MAX_QUOTE_SENTENCES`] sentences and
/// [`MAX_QUOTE_BYTES`] bytes); a quotation never closed (a transcriber's
/// slip) leaves the sentences as they were.
fn join_open_quotes(text: &str, sentences: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(sentences.len());
    let mut i = 0;
    while i < sentences.len() {
        let (start, end) = sentences[i];
        let mut joined = None;
        // The outer quotation decides: a single quotation inside a double
        // one (`"I have 'a cushion job', that…"`, or one a transcriber
        // left open) neither opens nor closes it.
        let (double, single) = quotes_open(&text[start..end]);
        if double || single {
            let open = |span: &str| {
                let (d, s) = quotes_open(span);
                if double {
                    d
                } else {
                    s
                }
            };
            for (k, &(s, e)) in sentences.iter().enumerate().skip(i + 1) {
                // Never across a line break: a list's items, a paragraph.
                let gap = &text[sentences[k - 1].1..s];
                if k - i >= MAX_QUOTE_SENTENCES || e - start > MAX_QUOTE_BYTES || gap.contains('\n')
                {
                    break;
                }
                if !open(&text[start..e]) {
                    joined = Some((k, e));
                    break;
                }
            }
        }
        match joined {
            Some((k, e)) => {
                out.push((start, e));
                i = k + 1;
            }
            None => {
                out.push((start, end));
                i += 1;
            }
        }
    }
    out
}

/// The most sentences a quotation joins ([`join_open_quotes`]).
const MAX_QUOTE_SENTENCES: usize = 5;
/// The longest a sentence joined across a quotation gets, in bytes.
const MAX_QUOTE_BYTES: usize = 800;

/// Whether `s` leaves a double and a single quotation open: an odd number of straight double
/// quotes, or more opening curly double quotes than closing ones; or more
/// opening single quotes than closing ones, as British transcripts quote
/// (`She said, ‘You can’t do that. It’s against policy.’` was cut in two).
/// A straight double quote right after a digit is an inch mark (`a 27"
/// monitor`), not a quote. A single quote between two letters is an
/// apostrophe (`can’t`); a straight one opens only before a letter after
/// a space or an opening bracket, and closes only after `.`, `?`, `!` or
/// `,` (`'cause`, `students'` never close a quotation). A single quote,
/// curly or straight, before a number or a word it elides (`‘80s`, `‘cause`,
/// `‘em`: [`ELIDED`]) is an apostrophe, no opening quote: Word's
/// AutoCorrect writes `‘` for an apostrophe typed after a space, and such
/// a `‘` with the next plural possessive (`nurses’ station`) joined the
/// unrelated sentences between them. A straight double quote inside a
/// Hebrew word is the gershayim of an acronym as Hebrew keyboards type it
/// ([`is_gershayim`]: `צה"ל`, `אח"כ`), not a quote.
fn quotes_open(s: &str) -> (bool, bool) {
    let (mut straight, mut opening, mut closing) = (0usize, 0usize, 0usize);
    let (mut single_open, mut single_close) = (0usize, 0usize);
    let mut last = ' ';
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let after = chars.peek().map_or(' ', |&(_, c)| c);
        let before = std::mem::replace(&mut last, c);
        let elides = || after.is_ascii_digit() || starts_with_elided(&s[i + c.len_utf8()..]);
        match c {
            '"' if before.is_ascii_digit() || is_gershayim(&s[..i], &s[i + 1..]) => {}
            '"' => straight += 1,
            '“' => opening += 1,
            '”' => closing += 1,
            '‘' if !elides() => single_open += 1,
            '’' if !(before.is_alphanumeric() && after.is_alphanumeric()) => single_close += 1,
            '\'' if (before.is_whitespace() || "([“\"".contains(before))
                && after.is_alphabetic()
                && !elides() =>
            {
                single_open += 1
            }
            '\'' if ".?!,".contains(before) && !after.is_alphanumeric() => single_close += 1,
            _ => {}
        }
    }
    (
        straight % 2 == 1 || opening > closing,
        single_open > single_close,
    )
}

/// Whether a straight double quote between `before` and `after` (the text
/// either side of it) is a Hebrew acronym's gershayim: Israeli keyboards
/// type `"` for ״, so `צה"ל` (the army), `אח"כ` (afterwards), `עו"ד` (a
/// lawyer) are everyday words, and two of them a few sentences apart
/// "opened" and "closed" a quotation that joined every sentence between
/// them. A quotation that a prefix letter is written onto (`ש"זה קשה"`,
/// `ב"בית"`) also has a Hebrew letter either side of its opening quote:
/// it is told apart as an acronym is written, with one letter after the
/// mark (`צה"ל`, `ש"ח`), or with a letter before it that is no prefix
/// letter (`דו"חות`, `צה"לי`); a quoted word after prefix letters alone
/// (`ש"זה`, `וכש"הם`) is a quotation.
fn is_gershayim(before: &str, after: &str) -> bool {
    const PREFIX_LETTERS: &[char] = &['ב', 'ה', 'ו', 'כ', 'ל', 'מ', 'ש'];
    let hebrew = |c: &char| ('\u{5D0}'..='\u{5EA}').contains(c);
    let letters_before: Vec<char> = before.chars().rev().take_while(hebrew).collect();
    let letters_after = after.chars().take_while(hebrew).count();
    let word_goes_on = after
        .chars()
        .nth(letters_after)
        .is_some_and(char::is_alphanumeric);
    if letters_before.is_empty() || letters_after == 0 || word_goes_on {
        return false;
    }
    letters_after == 1 || letters_before.iter().any(|c| !PREFIX_LETTERS.contains(c))
}

/// Words that speech shortens at their start, written after an apostrophe
/// (`'cause`, `‘em`, `'til`, rock `‘n’` roll): [`quotes_open`].
const ELIDED: &[&str] = &[
    "cause", "cos", "coz", "cuz", "em", "til", "tis", "twas", "n", "bout", "round", "kay", "cept",
    "fraid", "nuff", "scuse",
];

/// Whether `rest` starts with one of [`ELIDED`], as a whole word.
fn starts_with_elided(rest: &str) -> bool {
    let word = rest
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("")
        .to_lowercase();
    ELIDED.contains(&word.as_str())
}

/// Joins the fragments a split leaves to their neighbour; `sentences` are
/// trimmed, ordered byte ranges into `text` (one turn, so never across
/// turns). A joined sentence runs from the first piece's start to the last
/// one's end, so it is still a slice of the stored text. A piece joins the
/// sentence before it when
/// - the sentence before it ends in a comma: it was cut mid-sentence
///   (a blank line inside the turn: "we needed a solution,");
/// - it starts with a lower-case word and the sentence before it with a
///   capital (a cased text): UAX #29 ends a sentence at every "?" and "!",
///   also inside one: `I asked "Can I help?" and he said no.`, "Yahoo! stock";
/// - it is an alternative question ("Or other purposes?") after a question;
/// - it is one or two words without a verb after an abbreviation UAX #29
///   ended a sentence at ("the U.S." + "Government.", "Acme Inc." + "Software.").
///
/// A last piece of one or two words without a verb that ends in a comma
/// (an interrupted "solution,") joins the sentence before it too. All other
/// short sentences ("Yeah.", "Then staff.") stay: they are answers of
/// their own, and minimal responses must stay apart to be recognised.
pub fn join_fragments(
    text: &str,
    sentences: Vec<(usize, usize)>,
    numbered: bool,
) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(sentences.len());
    for (s, e) in sentences {
        let piece = &text[s..e];
        // A list item that starts a line is a sentence of its own, even
        // in lower case ("Three things:\na) more staff").
        let item = starts_list_item(piece, numbered)
            && text[..s].trim_end_matches([' ', '\t']).ends_with('\n');
        let join = !item
            && out.last().is_some_and(|&(ps, pe)| {
                let before = &text[ps..pe];
                before.ends_with(',')
                    // Not after a full stop: UAX #29 never ends a sentence
                    // there before a lower-case word, only `unmarked_starts`
                    // does, where the writer left out the capital.
                    || (starts_lower_case(piece)
                        && starts_upper_case(before)
                        && !ends_with_full_stop(before))
                    || (before.trim_end_matches(CLOSING).ends_with(QUESTION_MARKS)
                        && is_alternative_question(piece))
                    || (ends_with_acronym(before) && is_short_verbless(piece))
            });
        match out.last_mut() {
            Some(last) if join => last.1 = e,
            _ => out.push((s, e)),
        }
    }
    // An interrupted last piece ("solution,") has no next one to join.
    if let [.., _, (s, e)] = out[..] {
        let last = &text[s..e];
        if last.ends_with(',') && is_short_verbless(last) {
            out.pop();
            out.last_mut().expect("two or more pieces").1 = e;
        }
    }
    out
}

/// Whether `sentence` ends with one full stop (not "..."), closing quotes
/// and brackets aside.
fn ends_with_full_stop(sentence: &str) -> bool {
    let body = sentence.trim_end().trim_end_matches(CLOSING);
    body.ends_with('.') && !body.ends_with("..")
}

/// Closing quotes and brackets after a sentence's final mark.
const CLOSING: &[char] = &['"', '\'', '”', '’', ')', ']'];

/// The first word, without opening quotes or brackets.
fn first_word(sentence: &str) -> &str {
    sentence
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_start_matches(|c: char| !c.is_alphanumeric())
}

/// Whether the first word is lower case throughout ("and", "to-do"; not "iPhone").
fn starts_lower_case(sentence: &str) -> bool {
    let w = first_word(sentence);
    w.chars().next().is_some_and(char::is_lowercase) && !w.chars().any(char::is_uppercase)
}

/// Whether the first word starts with a capital, or with a number as a
/// sentence of a cased text may ("9 out of 10 of them were like "Hey?"").
fn starts_upper_case(sentence: &str) -> bool {
    first_word(sentence)
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// "Or …?": the second half of an either-or question split at its "?".
fn is_alternative_question(sentence: &str) -> bool {
    first_word(sentence).eq_ignore_ascii_case("or")
        && sentence.trim_end_matches(CLOSING).ends_with(QUESTION_MARKS)
}

/// Abbreviations UAX #29 ends a sentence at before a capital, and that end
/// one as often as not ("We moved to the U.S. Then we grew."), so they are
/// not glued like [`ABBREVIATIONS`]; only a verbless piece of one or two
/// words joins them.
const ACRONYM_ENDINGS: &[&str] = &["inc.", "corp.", "co.", "ltd.", "llc.", "bros."];

/// Whether the last word is a dotted acronym ("U.S.", "p.m.", "Ph.D.") or a
/// company abbreviation ("Inc.").
fn ends_with_acronym(sentence: &str) -> bool {
    let last = sentence.split_whitespace().last().unwrap_or("");
    let lower = last.to_lowercase();
    if ACRONYM_ENDINGS.contains(&lower.as_str()) {
        return true;
    }
    let parts: Vec<&str> = lower.split('.').collect();
    parts.len() >= 3
        && parts.last() == Some(&"")
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| (1..=2).contains(&p.chars().count()) && p.chars().all(char::is_alphabetic))
}

/// Verbs and auxiliaries that make a one- or two-word piece a clause ("It is.",
/// "We did.", "Go!").
const COMMON_VERBS: &[&str] = &[
    "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "do", "does",
    "did", "can", "could", "will", "would", "shall", "should", "may", "might", "must", "go",
    "goes", "went", "get", "gets", "got", "know", "knew", "think", "thought", "see", "saw", "say",
    "said", "make", "made", "want", "need", "like", "love", "hate", "agree", "mean", "come",
    "came", "take", "took", "give", "gave", "work", "works", "let", "stop", "wait",
];

/// One or two words, none of them a common verb, a contraction ("it's",
/// "don't") or an -ed/-ing form.
fn is_short_verbless(sentence: &str) -> bool {
    let words: Vec<String> = sentence
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
                .replace('’', "'")
        })
        .filter(|w| !w.is_empty())
        .collect();
    (1..=2).contains(&words.len())
        && !words.iter().any(|w| {
            COMMON_VERBS.contains(&w.as_str())
                || w.contains('\'')
                || (w.len() > 4 && (w.ends_with("ed") || w.ends_with("ing")))
        })
}

/// How the piece after `sentence` joins it, where `sentence` ends in an
/// abbreviation, an initial, a dotted acronym or an ordinal;
/// `capitals_only`: the text it is part of has no lower-case letter.
fn ends_with_abbreviation(sentence: &str, capitals_only: bool) -> Option<Glue> {
    let last = sentence
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    let lower = last.to_lowercase();
    // Capitals throughout are an acronym, not the abbreviation they spell
    // in lower case: "diagnosed with MS. It changed", "my son has CF." ended
    // no sentence (Spanish "EE. UU." aside). Not in a text in capitals
    // throughout (captions, old typed transcripts), where capitals say
    // nothing: "I CALLED DR." + "PATEL RIGHT AWAY." and "MR." alone were
    // sentences. There an abbreviation holds the next piece unless that
    // starts a sentence, as a title does ("WITH MS. IT CHANGED" is two).
    if let Some(glue) = ends_with_letter_abbreviation(sentence) {
        return Some(glue);
    }
    let letters = last.chars().filter(|c| c.is_alphabetic()).count();
    let capitals = letters >= 2 && !last.chars().any(char::is_lowercase) && lower != "ee.";
    if ABBREVIATIONS.contains(&lower.as_str()) && !capitals {
        return Some(Glue::Always);
    }
    if ABBREVIATIONS.contains(&lower.as_str()) && capitals_only {
        return Some(Glue::UnlessStarter);
    }
    if TITLES.contains(&lower.as_str())
        && last.starts_with(char::is_uppercase)
        && (!capitals || capitals_only)
    {
        return Some(Glue::UnlessStarter);
    }
    if BEFORE_NUMBERS.contains(&lower.as_str()) {
        return Some(Glue::BeforeNumber);
    }
    // A dotted acronym in capitals or a company's "Inc." stands before a
    // name as a title does ("the U.S. Army", "G.I. Joe", "Inc. Magazine"),
    // and ends a sentence before one that starts as no name does ("We
    // moved to the U.S. Then we grew."). In lower case ("a.m.", "Ph.D.",
    // "x.ai") it is no part of a name.
    let company = ACRONYM_ENDINGS.contains(&lower.as_str()) && last.starts_with(char::is_uppercase);
    if company || (ends_with_acronym(last) && !last.chars().any(char::is_lowercase)) {
        return Some(Glue::UnlessStarter);
    }
    if let Some(glue) = ends_with_ordinal(sentence) {
        return Some(glue);
    }
    // An initial: "J. K. Rowling"; not "a B. I was gutted".
    let mut chars = last.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(c), Some('.'), None) if c.is_uppercase()
    )
    .then_some(Glue::UnlessStarter)
}

/// Jefferson's untimed pause, shorter than about two tenths of a second
/// (Jefferson 2004, "Glossary of transcript symbols").
const MICRO_PAUSE: &str = "(.)";

/// Whether `sentence` (as merged so far) ends in a micro-pause inside the
/// talk: the pause is no full stop, as a timed pause `(0.4)` is none, and
/// UAX #29 ended a sentence at its dot before a capital ("an' (.)" + "I
/// didn't tell anyone", "over to (.)" + "Leeds"), where conversation
/// analysis writes one in nearly every turn. After a sentence's own end
/// ("known. (.) Then") the sentence still ends there.
fn ends_with_micro_pause(sentence: &str) -> bool {
    sentence
        .trim_end()
        .strip_suffix(MICRO_PAUSE)
        .is_some_and(|before| !before.trim_end().ends_with(['.', '!', '?', '…']))
}

/// How the piece after `sentence` joins it where `sentence` ends in a
/// number of one or two digits and a full stop: German writes an ordinal
/// so ("am 1. Januar 2020", "im 3. Quartal"), and UAX #29 ended a sentence
/// at its dot before the capitalised noun ("Am 1." was a sentence). After
/// a German article or fused preposition ([`BEFORE_ORDINALS`]) it holds
/// what follows unless that starts a sentence; after any other word only a
/// month ([`MONTHS`]): "I was 15. School was hard" is two.
fn ends_with_ordinal(sentence: &str) -> Option<Glue> {
    let mut words = sentence.split_whitespace().rev();
    let number = words.next()?.strip_suffix('.')?;
    if !(1..=2).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let before = words.next().unwrap_or("").to_lowercase();
    Some(if BEFORE_ORDINALS.contains(&before.as_str()) {
        Glue::UnlessStarter
    } else {
        Glue::BeforeMonth
    })
}

/// Where UAX #29 does not end a sentence but speech does, as byte offsets
/// into `piece` at which a new sentence starts:
/// - before a number after a full stop ("I started in 2015. 2016 was
///   awful"): UAX #29 looks past the digits for a lower-case word and
///   finds "was"; not after an abbreviation ("approx. 30 people", "No. 5",
///   "Jan. 2019", "a.m."), an initial or a list number;
/// - after an ellipsis character before a capital ("three times… Nobody
///   picked up"), as after "..." (Word's AutoCorrect writes one for the
///   other, and the same words split two ways);
/// - before a lower-case word after a full stop that ends a word ("it was
///   awful. nobody showed me"): UAX #29 keeps a full stop before a
///   lower-case word inside the sentence, so lower-case text (automatic
///   transcripts, chat, answers typed on a phone) was one sentence per
///   turn, however many full stops it had. Not after an abbreviation
///   ("etc. and", "approx. ten", "et al. found"), a dotted one ("e.g.",
///   "a.m."), a single letter or a list number; in a sentence that starts
///   with a capital, only before a clause's subject or after a whole word
///   ([`lower_case_start`]).
fn unmarked_starts(piece: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let bytes = piece.as_bytes();
    for (i, c) in piece.char_indices() {
        if i == 0 || !(c.is_ascii_digit() || c.is_uppercase() || c.is_lowercase()) {
            continue;
        }
        if c.is_lowercase() {
            if lower_case_start(piece, i) {
                out.push(i);
            }
            continue;
        }
        let before = &piece[..i];
        let gap = before.len() - before.trim_end_matches([' ', '\t']).len();
        if gap == 0 || bytes[i - 1] == b'\n' {
            continue;
        }
        let before = before.trim_end_matches([' ', '\t']);
        if c.is_ascii_digit() {
            let Some(word) = before.strip_suffix('.') else {
                continue;
            };
            let token = word
                .rsplit(char::is_whitespace)
                .next()
                .unwrap_or("")
                .trim_start_matches(['(', '"', '“', '\'']);
            let with_dot = format!("{}.", token.to_lowercase());
            let word_like = token.chars().count() >= 2
                && (token.chars().all(char::is_alphabetic)
                    || token.chars().all(|c| c.is_ascii_digit()));
            if word_like
                && !ABBREVIATIONS.contains(&with_dot.as_str())
                && !TITLES.contains(&with_dot.as_str())
                && !BEFORE_NUMBERS.contains(&with_dot.as_str())
                && !ACRONYM_ENDINGS.contains(&with_dot.as_str())
            {
                out.push(i);
            }
        } else if before.ends_with('…') && !before.trim_end_matches('…').is_empty() {
            out.push(i);
        }
    }
    out
}

/// Abbreviations that a lower-case word follows inside a sentence, beside
/// [`ABBREVIATIONS`], [`TITLES`], [`BEFORE_NUMBERS`] and
/// [`ACRONYM_ENDINGS`] ([`lower_case_start`]).
const BEFORE_LOWER_CASE: &[&str] = &[
    "etc.", "al.", "viz.", "incl.", "esp.", "dept.", "govt.", "approx.", "min.", "mins.", "hr.",
    "hrs.", "yr.", "yrs.", "wk.", "wks.", "mo.", "mos.", "ft.", "lb.", "lbs.", "oz.", "sq.",
    "avg.", "misc.", "ref.", "resp.", "abt.", "cont.", "temp.", "max.", "univ.", "sqft.", "kg.",
    "km.", "cm.", "mph.", "pts.", "qty.",
    // Addresses, appointments, doses and firms in capitalised text ("Oak
    // Ave. near the park", "an appt. with the nurse", "Acme Intl. now").
    "ave.", "rd.", "blvd.", "ln.", "hwy.", "appt.", "apt.", "mg.", "ml.", "mm.", "intl.", "co.",
    "corp.", "ltd.", "assn.", "bros.", "est.", "mgmt.", "tbsp.", "tsp.",
    // Spanish: "en EE. UU. durante", "Ud. sabe", "Uds. saben".
    "uu.", "ud.", "uds.",
    // German "und so weiter", which ends sentences too (as "etc." does).
    "usw.",
];

/// Whether a sentence starts at `i` of `piece`, a lower-case letter after
/// a full stop and white space on the same line ([`unmarked_starts`]).
fn lower_case_start(piece: &str, i: usize) -> bool {
    let before = &piece[..i];
    let trimmed = before.trim_end_matches([' ', '\t']);
    if trimmed.len() == before.len() || before.ends_with('\n') {
        return false;
    }
    let Some(word) = trimmed.strip_suffix('.') else {
        return false;
    };
    // "..." is a pause, not an end, in lower-case speech as in any.
    if word.ends_with('.') {
        return false;
    }
    let token = word
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .trim_start_matches(['(', '"', '“', '\'', '‘']);
    let with_dot = format!("{}.", token.to_lowercase());
    let word_like = token.chars().count() >= 2
        && (token.chars().all(char::is_alphabetic) || token.chars().all(|c| c.is_ascii_digit()));
    // The next word is a word ("nobody"), not a file name or a unit ("x.y").
    let next_is_word = piece[i..]
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '!' | '?' | ';' | ':'))
        .next()
        .is_some_and(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '’')
        });
    let listed = [
        ABBREVIATIONS,
        TITLES,
        BEFORE_NUMBERS,
        ACRONYM_ENDINGS,
        BEFORE_LOWER_CASE,
    ]
    .iter()
    .any(|list| list.contains(&with_dot.as_str()));
    if !word_like || !next_is_word || listed {
        return false;
    }
    // A text that capitalises its sentences writes a lower-case word after
    // a full stop where the stop ends an abbreviation ("Oak Ave. near",
    // "500 mg. twice", "EE. UU. durante": each was cut). The common ones
    // are listed above; one no list holds is a word cut short, which a
    // whole word is not: there the lower-case word only starts a sentence
    // when it is a clause's subject ("late. i had to swap"). A whole word is
    // a number, an acronym in capitals ("at IBM. then I left"), or letters
    // with a vowel ("my kids. the youngest", "that security. you also"):
    // short words end sentences too often ("I love my job. the people are
    // great", typed in a survey box) to take every one for an abbreviation;
    // letters without a vowel ("Rd.", "mg.", "pkg.") are cut short.
    let cased = starts_upper_case(piece);
    let next = piece[i..]
        .split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’'))
        .next()
        .unwrap_or("")
        .replace('’', "'");
    let whole_word = token.chars().all(|c| c.is_ascii_digit())
        || token.chars().all(char::is_uppercase)
        || token
            .chars()
            .any(|c| matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y'))
        || !token.is_ascii();
    !cased || whole_word || SUBJECTS.contains(&next.as_str())
}

trait LineStart {
    fn is_empty_or_ends_with_newline(&self) -> bool;
}

impl LineStart for str {
    fn is_empty_or_ends_with_newline(&self) -> bool {
        self.is_empty() || self.ends_with('\n')
    }
}

/// A list item's number alone: `1.`, `12)`, `a)`.
fn is_list_number(piece: &str) -> bool {
    let Some(body) = piece.strip_suffix(['.', ')']) else {
        return false;
    };
    (!body.is_empty() && body.len() <= 3 && body.bytes().all(|b| b.is_ascii_digit()))
        || (body.len() == 1 && piece.ends_with(')') && body.bytes().all(|b| b.is_ascii_lowercase()))
}

/// The list number a line starts with (`1.`, `12)`, `a)`), followed by a
/// space or a tab, or a number followed directly by a letter: answers
/// typed in a form's box write "1.Flexible hours⏎2.Working from home"
/// (hq/01). Not a number that goes on ("2.5 days", "7.30 start") nor one
/// that ends its line ("23.⏎If you're listening").
fn list_marker(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let end = line.find(['.', ')'])? + 1;
    let marker = &line[..end];
    let next = line[end..].chars().next()?;
    let spaced = next == ' ' || next == '\t';
    let glued = next.is_alphabetic() && marker.starts_with(|c: char| c.is_ascii_digit());
    (is_list_number(marker) && (spaced || glued)).then_some(marker)
}

/// The place a list number counts (`3.` → 3, `b)` → 2), to tell a list's
/// next item from a line that starts with another number.
fn list_ordinal(marker: &str) -> u32 {
    let body = &marker[..marker.len() - 1];
    match body.parse() {
        Ok(n) => n,
        // A letter ("b)"), as `is_list_number` allows only one.
        Err(_) => u32::from(body.as_bytes()[0] - b'a') + 1,
    }
}

/// Whether a line starts a list item: a bullet (`-`, `*`, `•`, `–`) and
/// a space, or, in a text with a `numbered` list, a number (`1.`, `2)`,
/// `a)`) and a space ([`list_marker`]). Such a line starts a sentence, even in a paragraph
/// of wrapped lines: "- Publish the rota.\n- Pay on time." are two (read
/// as one line, the dash joined them, as UAX #29 reads "ahead. - Pay" as
/// one sentence).
fn starts_list_item(line: &str, numbered: bool) -> bool {
    let line = line.trim_start();
    ["- ", "* ", "• ", "– ", "· "]
        .iter()
        .any(|b| line.starts_with(b))
        || (numbered && starts_numbered_item(line))
}

/// A line that starts with a list number and a space (`1. `, `2) `), or
/// a number and a letter (`1.Flexible hours`).
fn starts_numbered_item(line: &str) -> bool {
    list_marker(line).is_some()
}

/// Replaces line breaks inside a paragraph by spaces (and `\r` always), so
/// that UAX #29, which ends a sentence at every line break, sees wrapped
/// lines as one; a line that starts a list item ([`starts_list_item`])
/// after a clause's end, or a numbered list's next item, keeps its break.
/// Every replaced byte is one ASCII byte, so offsets hold.
fn join_wrapped_lines(text: &str, numbered: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    // Any white space, a non-breaking space too: a Word paragraph holding
    // one (pasted from a web page) is a blank line; before, the points of
    // an unpunctuated list around it were one sentence (hm/03).
    let line_blank = |from: usize, to: usize| text[from..to].chars().all(char::is_whitespace);
    let breaks: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    // The place of the last numbered line seen (`3.` → 3).
    let mut last_number = numbered
        .then(|| list_marker(&text[..breaks.first().copied().unwrap_or(bytes.len())]))
        .flatten()
        .map(list_ordinal);
    for (k, &i) in breaks.iter().enumerate() {
        let prev_start = if k == 0 { 0 } else { breaks[k - 1] + 1 };
        let next_end = breaks.get(k + 1).copied().unwrap_or(bytes.len());
        let line = &text[i + 1..next_end];
        // A list item's line keeps its break where the line before it
        // ends a clause: "- Fix the hoists.\n- Pay on time." are two, while
        // "we had\n- and I'm not exaggerating -" is a wrapped line, and "-
        // new laptop\n- bigger monitor" one answer, as before.
        let after_clause = text[prev_start..i]
            .trim_end()
            .trim_end_matches(CLOSING)
            .ends_with(['.', '!', '?', ':', ';', '…']);
        // A numbered list's first item, or the one after the last numbered
        // line, keeps it after any line: its number shows it is an item, and
        // joined, "1. More staff⏎2. Better pay" was cut after "2." (UAX #29
        // ends a sentence at its dot), each number glued to the item before
        // (hq/01). Another number ("I gave them⏎5. And") is a wrapped line.
        let number = numbered
            .then(|| list_marker(line))
            .flatten()
            .map(list_ordinal);
        let next_item = number.is_some_and(|n| n == 1 || last_number.map(|l| l + 1) == Some(n));
        if number.is_some() {
            last_number = number;
        }
        let item = starts_list_item(line, numbered) && (after_clause || next_item);
        if !line_blank(prev_start, i) && !line_blank(i + 1, next_end) && !item {
            out[i] = b' ';
        }
    }
    for b in out.iter_mut() {
        if *b == b'\r' {
            *b = b' ';
        }
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced by ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        split_sentences(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    /// The hunt of 2026-12-06 (hS): sentences speech ends that UAX #29 and
    /// the abbreviation list did not, and the ones they still keep.
    #[test]
    fn acronyms_initials_titles_numbers_and_ellipses() {
        // Capitals are an acronym, not "Ms." or "cf.".
        assert_eq!(
            split("I was diagnosed with MS. It changed everything. My son has CF. He copes."),
            [
                "I was diagnosed with MS.",
                "It changed everything.",
                "My son has CF.",
                "He copes."
            ]
        );
        assert_eq!(
            split("I saw Ms. Patel. She helped."),
            ["I saw Ms. Patel.", "She helped."]
        );
        // A capital letter and a full stop: an initial before a name, a
        // grade or a vitamin before a sentence.
        assert_eq!(
            split("I got a B. I was gutted. It was hepatitis C. Nobody told me."),
            [
                "I got a B.",
                "I was gutted.",
                "It was hepatitis C.",
                "Nobody told me."
            ]
        );
        assert_eq!(
            split("My tutor, J. K. Lee, was lovely. We read J. R. R. Tolkien."),
            [
                "My tutor, J. K. Lee, was lovely.",
                "We read J. R. R. Tolkien."
            ]
        );
        // Titles keep a name, not a sentence; "No." keeps a number only.
        assert_eq!(
            split("Cllr. Okafor was first. Sgt. Hale came. Rev. Ade prayed. I met the rep. She was kind."),
            [
                "Cllr. Okafor was first.",
                "Sgt. Hale came.",
                "Rev. Ade prayed.",
                "I met the rep.",
                "She was kind."
            ]
        );
        assert_eq!(
            split("We lived on Main St. It was quiet. Then St. Louis."),
            ["We lived on Main St.", "It was quiet.", "Then St. Louis."]
        );
        assert_eq!(
            split("It was No. 5 I think. Did you go? No. Never."),
            ["It was No. 5 I think.", "Did you go?", "No.", "Never."]
        );
        // A sentence that starts with a number.
        assert_eq!(
            split("I started there in 2015. 2016 was awful. It took 8 years. 3 of those were hard. 9 of them said \"Why?\" and left."),
            [
                "I started there in 2015.",
                "2016 was awful.",
                "It took 8 years.",
                "3 of those were hard.",
                "9 of them said \"Why?\" and left."
            ]
        );
        assert_eq!(
            split("We hired approx. 30 people by Jan. 2020. Fig. 3 shows it at 10 a.m. and p. 12 too."),
            [
                "We hired approx. 30 people by Jan. 2020.",
                "Fig. 3 shows it at 10 a.m. and p. 12 too."
            ]
        );
        // "…" as "...".
        assert_eq!(
            split("I rang them three times… Nobody picked up. I rang again... Nobody came."),
            [
                "I rang them three times…",
                "Nobody picked up.",
                "I rang again...",
                "Nobody came."
            ]
        );
        assert_eq!(
            split("and then… and then it stopped."),
            ["and then… and then it stopped."]
        );
    }

    /// hx/01: a dotted acronym in capitals or "Inc." keeps a name's next
    /// word, as a title does; "U.S." + "Army for ten years." were two.
    #[test]
    fn a_dotted_acronym_keeps_the_name_it_starts() {
        for one in [
            "I was in the U.S. Army for ten years.",
            "Then the U.S. Department of Labor hired me.",
            "The U.K. Government paid less, honestly.",
            "As a kid I would play G.I. Joe and get dirty.",
            "I think it was Inc. Magazine that did a big story on us.",
        ] {
            assert_eq!(split(one), [one], "{one}");
        }
        // Before a sentence's start, and in lower case, it still ends one.
        assert_eq!(
            split("We moved to the U.S. Then we grew. It was the E.U. But not for long."),
            [
                "We moved to the U.S.",
                "Then we grew.",
                "It was the E.U.",
                "But not for long."
            ]
        );
        assert_eq!(
            split("I moved to the U.S. Everything changed."),
            ["I moved to the U.S.", "Everything changed."]
        );
        assert_eq!(
            split("We met at 9 a.m. Breakfast was late."),
            ["We met at 9 a.m.", "Breakfast was late."]
        );
    }

    /// hx/02: in a text that capitalises its sentences a lower-case word
    /// after an abbreviation goes on with the sentence; after a whole word
    /// (with a vowel), or before a clause's subject, it starts one.
    #[test]
    fn a_cased_sentence_goes_on_after_an_unlisted_abbreviation() {
        assert_eq!(
            split(
                "We lived on Oak Ave. near the park for years. I had an appt. with the nurse on Friday. I take 500 mg. twice a day. The clinic on Mill Rd. was closed. I'm with Acme Intl. now."
            ),
            [
                "We lived on Oak Ave. near the park for years.",
                "I had an appt. with the nurse on Friday.",
                "I take 500 mg. twice a day.",
                "The clinic on Mill Rd. was closed.",
                "I'm with Acme Intl. now."
            ]
        );
        assert_eq!(
            split("It was awful. nobody showed me anything. We reduced friction. npm is different. I met Sam. he was kind."),
            [
                "It was awful.",
                "nobody showed me anything.",
                "We reduced friction.",
                "npm is different.",
                "I met Sam.",
                "he was kind."
            ]
        );
        // After an acronym in capitals a full stop ends a sentence, as before.
        assert_eq!(
            split("I worked at IBM. then I left."),
            ["I worked at IBM.", "then I left."]
        );
        // A short word is a whole word too: a missing capital after it, as
        // typed in a survey box, still starts a sentence.
        assert_eq!(
            split("I love my job. the people are great. We had 3 kids. the youngest was 2."),
            [
                "I love my job.",
                "the people are great.",
                "We had 3 kids.",
                "the youngest was 2."
            ]
        );
        // A text in lower case gives no such sign: its full stops end sentences.
        assert_eq!(
            split("it was late. then we left."),
            ["it was late.", "then we left."]
        );
    }

    /// hx/03: "EE. UU." is one abbreviation, before a lower-case word too.
    #[test]
    fn spanish_ee_uu_goes_on_before_a_lower_case_word() {
        assert_eq!(
            split("Trabajé en EE. UU. durante dos años. Mi hermano vive en EE. UU. desde 2010. Luego volví a Madrid."),
            [
                "Trabajé en EE. UU. durante dos años.",
                "Mi hermano vive en EE. UU. desde 2010.",
                "Luego volví a Madrid."
            ]
        );
        assert_eq!(
            split("trabajé en ee. uu. durante dos años. ud. sabe cómo es."),
            ["trabajé en ee. uu. durante dos años.", "ud. sabe cómo es."]
        );
    }

    /// hx/04: a German ordinal keeps its noun; "Am 1." was a sentence.
    #[test]
    fn a_german_ordinal_keeps_its_noun() {
        assert_eq!(
            split("Am 1. Januar 2020 haben wir angefangen. Der Umzug war am 15. März. Das war im 3. Quartal schwierig. Dann kam Corona."),
            [
                "Am 1. Januar 2020 haben wir angefangen.",
                "Der Umzug war am 15. März.",
                "Das war im 3. Quartal schwierig.",
                "Dann kam Corona."
            ]
        );
        // An English number before a capital still ends its sentence.
        assert_eq!(
            split("I was 15. School was hard. I am 40. Life is good."),
            ["I was 15.", "School was hard.", "I am 40.", "Life is good."]
        );
    }

    /// hx/05: in a text in capitals throughout, capitals are no acronym's
    /// sign: titles keep their names, and a sentence's start still starts one.
    #[test]
    fn titles_keep_their_names_in_a_text_in_capitals() {
        assert_eq!(
            split("I CALLED DR. PATEL RIGHT AWAY. MR. JONES WAS THERE. WE MOVED HIM TO ST. MARY'S HOSPITAL. WHAT DID MRS. JONES SAY?"),
            [
                "I CALLED DR. PATEL RIGHT AWAY.",
                "MR. JONES WAS THERE.",
                "WE MOVED HIM TO ST. MARY'S HOSPITAL.",
                "WHAT DID MRS. JONES SAY?"
            ]
        );
        assert_eq!(
            split("I WAS DIAGNOSED WITH MS. IT CHANGED EVERYTHING."),
            ["I WAS DIAGNOSED WITH MS.", "IT CHANGED EVERYTHING."]
        );
        // In a cased text capitals are still an acronym.
        assert_eq!(
            split("I called DR. It was late."),
            ["I called DR.", "It was late."]
        );
    }

    /// hx/06: Word's "‘" for an apostrophe that opens a word opens no
    /// quotation that a plural possessive then closes.
    #[test]
    fn an_apostrophe_that_elides_opens_no_quotation() {
        assert_eq!(
            split("It was ‘cause we were short-staffed that winter. Nobody on the board cared at all. The nurses’ station was empty most nights."),
            [
                "It was ‘cause we were short-staffed that winter.",
                "Nobody on the board cared at all.",
                "The nurses’ station was empty most nights."
            ]
        );
        assert_eq!(
            split("We’d tell ‘em to wait. Some did. The porters’ union complained."),
            [
                "We’d tell ‘em to wait.",
                "Some did.",
                "The porters’ union complained."
            ]
        );
        assert_eq!(
            split(
                "Back in the ‘80s it was different. We had more beds. The doctors’ mess was full."
            ),
            [
                "Back in the ‘80s it was different.",
                "We had more beds.",
                "The doctors’ mess was full."
            ]
        );
        // A quotation still opens before any other word.
        assert_eq!(
            split("He called it ‘a cushion job. Easy money.’ Then he quit."),
            ["He called it ‘a cushion job. Easy money.’", "Then he quit."]
        );
    }

    #[test]
    fn a_line_of_a_non_breaking_space_is_blank() {
        assert_eq!(
            split("Cheaper fares\n\u{a0}\nFriendlier drivers\n\u{a0}\nMore buses at night"),
            ["Cheaper fares", "Friendlier drivers", "More buses at night"]
        );
    }

    #[test]
    fn lower_case_text_ends_sentences_at_full_stops() {
        // Automatic transcripts and typed answers in lower case.
        assert_eq!(
            split("honestly it was awful. nobody showed me anything. i just had to work it out."),
            [
                "honestly it was awful.",
                "nobody showed me anything.",
                "i just had to work it out."
            ]
        );
        assert_eq!(
            split("The rota was late. i had to swap with Sam. he was fine about it."),
            [
                "The rota was late.",
                "i had to swap with Sam.",
                "he was fine about it."
            ]
        );
        // Abbreviations, dotted ones, initials and pauses keep the word after them.
        for one in [
            "we had forms, leaflets etc. and nobody read them.",
            "smith et al. found the same in their study.",
            "it was approx. ten people at 9 a.m. on monday.",
            "we use e.g. slack and i.e. email too.",
            "she said no. 5 was hers.",
            "it was, well... not great.",
            "the file was called notes.txt and it was empty.",
        ] {
            assert_eq!(split(one), [one], "{one}");
        }
    }

    #[test]
    fn single_quotations_are_not_cut() {
        assert_eq!(
            split("She said, ‘You can’t do that. It’s against policy.’ So I went home."),
            [
                "She said, ‘You can’t do that. It’s against policy.’",
                "So I went home."
            ]
        );
        assert_eq!(
            split("He goes, 'Are you sure? Think about it.' and I said yes. It's the students' fault."),
            [
                "He goes, 'Are you sure? Think about it.' and I said yes.",
                "It's the students' fault."
            ]
        );
        // An apostrophe that opens a word is no quotation never closed.
        assert_eq!(
            split("'cause I was tired. We left early. They stayed."),
            ["'cause I was tired.", "We left early.", "They stayed."]
        );
    }

    #[test]
    fn an_unpunctuated_run_is_cut_at_its_cues() {
        let words: Vec<String> = (0..130).map(|i| format!("w{i}")).collect();
        let text = words.join(" ");
        // No cues: pieces of 30 words, the last keeping at least 10.
        let pieces = split(&text);
        let counts: Vec<usize> = pieces
            .iter()
            .map(|p| p.split_whitespace().count())
            .collect();
        assert_eq!(counts, [30, 30, 30, 40]);
        assert_eq!(pieces.join(" "), text);
        // Cues every 7 words: each piece ends where a cue does, at 21 to 40 words.
        let breaks: Vec<usize> = (7..130)
            .step_by(7)
            .map(|k| {
                text.find(&format!(" w{k} "))
                    .map_or(text.rfind(" w").unwrap(), |i| i)
                    + 1
            })
            .collect();
        let pieces: Vec<&str> = split_sentences_at(&text, &breaks)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        let counts: Vec<usize> = pieces
            .iter()
            .map(|p| p.split_whitespace().count())
            .collect();
        assert_eq!(counts, [21, 21, 21, 21, 21, 25]);
        // 60 words stay one; a punctuated sentence stays one up to 150.
        let sixty = words[..60].join(" ");
        assert_eq!(split(&sixty).len(), 1);
        let long = words[..120].join(", ");
        assert_eq!(split(&long).len(), 1);
        let longer = format!(
            "{}.",
            words
                .iter()
                .chain(&words)
                .take(160)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
                .replacen(" w50 ", ", w50 ", 1)
        );
        // 160 words: cut after the comma (50 words), then at 70 (none
        // more), the rest 40.
        let counts: Vec<usize> = split(&longer)
            .iter()
            .map(|p| p.split_whitespace().count())
            .collect();
        assert_eq!(counts, [50, 70, 40]);
        // A transcriber's timed note, a clock or a price is no punctuation.
        for aside in ["[inaudible 00:03:12]", "at 7:30", "for £3.50"] {
            let noted = format!(
                "{} {aside} {}",
                words[..60].join(" "),
                words[60..].join(" ")
            );
            let counts: Vec<usize> = split(&noted)
                .iter()
                .map(|p| p.split_whitespace().count())
                .collect();
            assert!(counts.iter().all(|&n| n <= 40), "{aside}: {counts:?}");
        }
    }

    /// A Hebrew acronym's gershayim typed as `"` (hunt h4/01): two of
    /// them five sentences apart joined the four sentences between them;
    /// a quotation written onto a prefix letter (`ש"…"`) is still one.
    #[test]
    fn a_hebrew_acronyms_gershayim_opens_no_quotation() {
        assert_eq!(
            split("שירתתי בצה\"ל שלוש שנים. זה היה קשה מאוד. הייתי רחוקה מהבית. אח\"כ עברתי לתל אביב. שם התחלתי ללמוד."),
            [
                "שירתתי בצה\"ל שלוש שנים.",
                "זה היה קשה מאוד.",
                "הייתי רחוקה מהבית.",
                "אח\"כ עברתי לתל אביב.",
                "שם התחלתי ללמוד."
            ]
        );
        // Inflected (`דו"חות`) and with a prefix (`בצה"ל`), one letter
        // after the mark (`ש"ח`) or not.
        for word in ["דו\"חות", "צה\"לי", "ש\"ח", "עו\"ד", "ארה\"ב", "ביה\"ס"]
        {
            assert!(!quotes_open(&format!("כתבתי {word} אתמול.")).0, "{word}");
        }
        // A quotation written onto `ש` ("that"): opened, and closed.
        assert_eq!(
            split("הוא אמר ש\"זה קשה. אני לא יכול.\" ואז הלך."),
            ["הוא אמר ש\"זה קשה. אני לא יכול.\"", "ואז הלך."]
        );
        assert!(quotes_open("הוא אמר ש\"זה קשה.").0);
        // A quoted acronym: its own quotation marks, not its gershayim.
        assert!(!quotes_open("שירתתי ב\"צה\"ל\" שנים.").0);
        // Latin letters either side of a quote are read as before.
        assert!(quotes_open("He said\"Stop. It hurts.").0);
    }

    /// German abbreviations before a capitalised noun (hunt h4/04), Duden's
    /// spaced `z. B.` too; `usw.` ends a sentence before a capital.
    #[test]
    fn german_abbreviations_keep_the_noun_after_them() {
        assert_eq!(
            split("Ich arbeite z. B. Montag und Dienstag im Büro. Die Kollegen bzw. Kolleginnen sind nett."),
            [
                "Ich arbeite z. B. Montag und Dienstag im Büro.",
                "Die Kollegen bzw. Kolleginnen sind nett."
            ]
        );
        assert_eq!(
            split("Wir haben sog. Teamtage und ggf. Workshops. Es gibt evtl. Geld für einen Schreibtisch. Man bekommt inkl. Fahrtkosten eine Pauschale. Ich habe mit Hr. Schmidt darüber gesprochen."),
            [
                "Wir haben sog. Teamtage und ggf. Workshops.",
                "Es gibt evtl. Geld für einen Schreibtisch.",
                "Man bekommt inkl. Fahrtkosten eine Pauschale.",
                "Ich habe mit Hr. Schmidt darüber gesprochen."
            ]
        );
        assert_eq!(
            split("Das gilt u. a. Berlin und i. d. R. Hamburg. Das heißt d. h. Sie zahlen. Wir hatten u.a. Kuchen. Es gab Tee, Kaffee usw. Dann gingen wir."),
            [
                "Das gilt u. a. Berlin und i. d. R. Hamburg.",
                "Das heißt d. h. Sie zahlen.",
                "Wir hatten u.a. Kuchen.",
                "Es gab Tee, Kaffee usw.",
                "Dann gingen wir."
            ]
        );
        assert_eq!(
            split("Es gab Tee usw. und Kuchen. Es gibt bzw. gab nichts."),
            ["Es gab Tee usw. und Kuchen.", "Es gibt bzw. gab nichts."]
        );
        // A lone letter that begins no such abbreviation, and capitals
        // throughout, are read as before.
        assert_eq!(
            split("It was plan b. Then we left. We moved to the U.S. Then we grew."),
            [
                "It was plan b.",
                "Then we left.",
                "We moved to the U.S.",
                "Then we grew."
            ]
        );
    }

    /// The question marks of other scripts ask as `?` does (hunt h4/03).
    #[test]
    fn question_marks_of_other_scripts() {
        for asks in [
            "您觉得公司给了足够的支持吗？",
            "كيف تجد العمل من المنزل؟",
            "Τι κάνεις\u{37E}",
            "Is it?",
        ] {
            assert!(holds_question_mark(asks), "{asks}");
        }
        for tells in ["我很孤独。", "أنا بخير.", "No; never.", "¡Sí!"] {
            assert!(!holds_question_mark(tells), "{tells}");
        }
        assert!(is_alternative_question("Or other purposes？"));
    }

    #[test]
    fn plain_sentences() {
        assert_eq!(
            split("Yes, exactly. I think so! Do you? "),
            ["Yes, exactly.", "I think so!", "Do you?"]
        );
        assert_eq!(split("   "), Vec::<&str>::new());
        assert_eq!(split("no punctuation at all"), ["no punctuation at all"]);
    }

    /// Inch marks are no quotes, and a quotation never joins across a
    /// line break (a list's items).
    #[test]
    fn inch_marks_and_list_items_are_not_joined_as_a_quotation() {
        assert_eq!(
            split("I got a 27\" monitor. It is great. My old laptop had a 13\" screen. Too small."),
            [
                "I got a 27\" monitor.",
                "It is great.",
                "My old laptop had a 13\" screen.",
                "Too small."
            ]
        );
        assert_eq!(
            split("What helps:\n- a \"quiet room.\n- a chair.\n- a lamp.\""),
            [
                "What helps:",
                "- a \"quiet room.",
                "- a chair.",
                "- a lamp.\""
            ]
        );
    }

    /// Speech that quotes is one sentence with its quotation; a quote
    /// never closed leaves the sentences as they were.
    #[test]
    fn a_quotation_is_not_cut_into_a_lead_in_and_a_tail() {
        assert_eq!(
            split(
                "Before I signed, I was like \"You know what? David is gonna be disappointed.\" So I called him."
            ),
            [
                "Before I signed, I was like \"You know what? David is gonna be disappointed.\"",
                "So I called him."
            ]
        );
        assert_eq!(
            split("She told me, “Hey, look. Enjoy your life.” Then she left."),
            [
                "She told me, “Hey, look. Enjoy your life.”",
                "Then she left."
            ]
        );
        assert_eq!(
            split("He said \"No. Stop. Wait. Go on. Fine. Sure. Okay. Right. Never closed."),
            [
                "He said \"No.",
                "Stop.",
                "Wait.",
                "Go on.",
                "Fine.",
                "Sure.",
                "Okay.",
                "Right.",
                "Never closed."
            ]
        );
    }

    #[test]
    fn spanish_and_french_conventions() {
        assert_eq!(
            split("Hablé con la Dra. López ayer. Trabaja en EE. UU., o sea, lejos."),
            vec![
                "Hablé con la Dra. López ayer.",
                "Trabaja en EE. UU., o sea, lejos."
            ]
        );
        assert_eq!(
            split("Elle m'a dit : « Vous apprendrez sur le tas. » Voilà."),
            vec!["Elle m'a dit : « Vous apprendrez sur le tas. »", "Voilà."]
        );
    }

    #[test]
    fn abbreviations_and_numbers() {
        assert_eq!(
            split("Mr. Smith and Mrs. Jones met Dr. Who. Then Prof. Xavier left."),
            [
                "Mr. Smith and Mrs. Jones met Dr. Who.",
                "Then Prof. Xavier left."
            ]
        );
        assert_eq!(
            split("Cities, e.g. Amsterdam, i.e. The Hague too. Costs rose 3.5 percent. Fine."),
            [
                "Cities, e.g. Amsterdam, i.e. The Hague too.",
                "Costs rose 3.5 percent.",
                "Fine."
            ]
        );
        assert_eq!(
            split("Cameras vs. Sensors, approx. 30 units, St. Louis etc. and more. Next."),
            [
                "Cameras vs. Sensors, approx. 30 units, St. Louis etc. and more.",
                "Next."
            ]
        );
        assert_eq!(
            split("We need cameras, sensors etc. The rest can wait."),
            ["We need cameras, sensors etc.", "The rest can wait."]
        );
        assert_eq!(
            split("J. K. Rowling wrote it."),
            ["J. K. Rowling wrote it."]
        );
    }

    #[test]
    fn non_ascii_and_emoji() {
        assert_eq!(
            split("Das ist schön 😀. Naïve Überwachung? 監視カメラは多い。でも安全です。"),
            [
                "Das ist schön 😀.",
                "Naïve Überwachung?",
                "監視カメラは多い。",
                "でも安全です。"
            ]
        );
    }

    #[test]
    fn line_breaks() {
        assert_eq!(
            split("This line is\r\nwrapped here. And this\nis not split.\n\nNew paragraph"),
            [
                "This line is\r\nwrapped here.",
                "And this\nis not split.",
                "New paragraph"
            ]
        );
    }

    #[test]
    fn fragments_join_their_neighbour() {
        // A quoted question inside a sentence: the rest starts lower case.
        assert_eq!(
            split("So I asked him \"Would you sell it back?\" and he did. Great."),
            [
                "So I asked him \"Would you sell it back?\" and he did.",
                "Great."
            ]
        );
        assert_eq!(
            split("She made money in Yahoo! stock, and then left."),
            ["She made money in Yahoo! stock, and then left."]
        );
        // A list of questions in lower case after the first.
        assert_eq!(
            split("Was he considering a blog? to-do app? Nobody knew."),
            ["Was he considering a blog? to-do app?", "Nobody knew."]
        );
        // The second half of an either-or question.
        assert_eq!(
            split("Do you use the laptop for work? Or other purposes? Okay."),
            [
                "Do you use the laptop for work? Or other purposes?",
                "Okay."
            ]
        );
        assert_eq!(
            split("Is it for work? or other purposes?"),
            ["Is it for work? or other purposes?"]
        );
        // A piece cut at a blank line inside the turn ends in a comma.
        assert_eq!(
            split("We needed a, a solution,\n\nso we built one. Yeah."),
            ["We needed a, a solution,\n\nso we built one.", "Yeah."]
        );
        // An interrupted last piece joins the sentence before it.
        assert_eq!(
            split("We tried everything. The solution,"),
            ["We tried everything. The solution,"]
        );
        assert_eq!(split("It was hard. Honestly,"), ["It was hard. Honestly,"]);
        // A verbless word or two after a dotted acronym or "Inc.".
        assert_eq!(
            split("We sold to the U.S. Government. Then Europe."),
            ["We sold to the U.S. Government.", "Then Europe."]
        );
        assert_eq!(
            split("We bought from Acme Inc. Software. It worked."),
            ["We bought from Acme Inc. Software.", "It worked."]
        );
    }

    #[test]
    fn sentences_that_stand_alone_stay() {
        // Backchannels and short answers are sentences of their own.
        assert_eq!(
            split("Yeah. Okay. Then staff. And no budget."),
            ["Yeah.", "Okay.", "Then staff.", "And no budget."]
        );
        // After an acronym, a clause is a new sentence.
        assert_eq!(
            split("We moved to the U.S. Then we grew. It's the U.S. We did."),
            [
                "We moved to the U.S.",
                "Then we grew.",
                "It's the U.S.",
                "We did."
            ]
        );
        // An interrupted sentence of its own at the end of a turn stays.
        assert_eq!(
            split("It was hard. But if you zoom in, it looks small,"),
            ["It was hard.", "But if you zoom in, it looks small,"]
        );
        // A text without capitals is not read as continuations.
        assert_eq!(
            split("yeah! we did it? sure."),
            ["yeah!", "we did it?", "sure."]
        );
        // A lower-case brand name starts a sentence ("iPhone").
        assert_eq!(
            split("Wow! iPhone sales doubled."),
            ["Wow!", "iPhone sales doubled."]
        );
        // A question answered with "Or" that is not a question.
        assert_eq!(
            split("Is it red? Or blue. Fine."),
            ["Is it red?", "Or blue.", "Fine."]
        );
    }

    #[test]
    fn joined_sentences_are_slices_of_the_text() {
        let text = "  Um, the, the U.S. Army. \"Can I?\" and I did,\n\nso yes, Or not?  ";
        let got = split_sentences(text);
        assert!(got.windows(2).all(|w| w[0].1 <= w[1].0));
        for (s, e) in got {
            assert_eq!(&text[s..e], text[s..e].trim());
            assert!(!text[s..e].is_empty());
        }
    }

    /// Survey answers written as lists: each item a sentence, whatever its
    /// bullet, and an item's number part of it. Before, dash bullets read
    /// as one sentence and each number ("1.") as a sentence of its own.
    #[test]
    fn list_items_are_sentences_with_their_numbers() {
        for bullet in ["- ", "• ", "* "] {
            let text = format!(
                "{bullet}Publish the rota six weeks ahead.\n{bullet}Pay overtime on time.\n{bullet}Fix the hoists."
            );
            assert_eq!(split(&text).len(), 3, "{text:?}");
        }
        assert_eq!(
            split("1. Publish the rota six weeks ahead.\n2. Pay overtime on time.\n10) Fix the hoists."),
            [
                "1. Publish the rota six weeks ahead.",
                "2. Pay overtime on time.",
                "10) Fix the hoists."
            ]
        );
        assert_eq!(
            split("Three things:\na) more staff.\nb) a quiet room."),
            ["Three things:", "a) more staff.", "b) a quiet room."]
        );
        // A wrapped line is still joined, and a number inside a line is no item.
        assert_eq!(
            split("We waited for\n2 hours. I gave it a 7. Then we left."),
            ["We waited for\n2 hours.", "I gave it a 7.", "Then we left."]
        );
        // One line that starts with a number is an answer, not a list.
        assert_eq!(
            split("23.\nIf you're listening, you knew that."),
            ["23.", "If you're listening, you knew that."]
        );
        assert_eq!(split("23. I was young."), ["23.", "I was young."]);
        // Wrapped lines that start with a dash or a number are no list items.
        assert_eq!(
            split("So we had\n- and I'm not exaggerating - forty boxes\nthat nobody had read."),
            ["So we had\n- and I'm not exaggerating - forty boxes\nthat nobody had read."]
        );
        assert_eq!(
            split("Last year I gave them\n5. And the year before\n4. It dropped."),
            [
                "Last year I gave them\n5.",
                "And the year before\n4.",
                "It dropped."
            ]
        );
        // Items without a full stop stay one answer, as a survey's gold has it.
        assert_eq!(
            split("- new laptop\n- bigger monitor\n- a decent headset"),
            ["- new laptop\n- bigger monitor\n- a decent headset"]
        );
        // A dash after a question inside a line still joins it.
        assert_eq!(
            split("Did you go? - yes I did."),
            ["Did you go? - yes I did."]
        );
    }

    /// hq/01: numbered answers typed without full stops, as forms' free-text
    /// boxes get them. Before, each number stuck to the item before it
    /// ("1. More staff on the wards\n2.", "Better pay\n3.") and "1.Flexible
    /// hours" gave a sentence "1." alone.
    #[test]
    fn numbered_items_without_full_stops_are_sentences_with_their_numbers() {
        let text = "1. More staff on the wards\n2. Better pay\n3. Free parking for night shifts";
        assert_eq!(split_sentences(text), [(0, 26), (27, 40), (41, text.len())]);
        assert_eq!(
            split(text),
            [
                "1. More staff on the wards",
                "2. Better pay",
                "3. Free parking for night shifts"
            ]
        );
        assert_eq!(
            split("1) More staff on the wards\n2) Better pay"),
            ["1) More staff on the wards", "2) Better pay"]
        );
        // No space after the number.
        assert_eq!(
            split("1.Flexible hours\n2.Working from home on Fridays"),
            ["1.Flexible hours", "2.Working from home on Fridays"]
        );
        assert_eq!(
            split("1)Flexible hours\r\n2)Working from home"),
            ["1)Flexible hours", "2)Working from home"]
        );
        // After an intro line, with or without a colon; a wrapped item.
        assert_eq!(
            split("Three things:\n1. More staff\n2. Better pay"),
            ["Three things:", "1. More staff", "2. Better pay"]
        );
        assert_eq!(
            split("Three things\n1. More staff on\nthe wards\n2. better pay"),
            [
                "Three things",
                "1. More staff on\nthe wards",
                "2. better pay"
            ]
        );
        // Items of more than one sentence, as before.
        assert_eq!(
            split("1. More staff. They are exhausted.\n2. Pay."),
            ["1. More staff.", "They are exhausted.", "2. Pay."]
        );
        // A line that starts with a number out of the list's turn is
        // wrapped: "I gave them 5." is a sentence, "5." no item.
        assert_eq!(
            split("1. More staff\n2. Last year I gave them\n5. This year 3"),
            [
                "1. More staff",
                "2. Last year I gave them\n5.",
                "This year 3"
            ]
        );
        // Numbers that are no list's stay as they were.
        assert_eq!(
            split("I was born in 1984.\nThen I moved. It took 2.5 days on v1.2 at 7.30."),
            [
                "I was born in 1984.",
                "Then I moved.",
                "It took 2.5 days on v1.2 at 7.30."
            ]
        );
        assert_eq!(
            split("I started in 2015. 2016 was awful."),
            ["I started in 2015.", "2016 was awful."]
        );
        // A bulleted list without full stops is still one answer.
        assert_eq!(
            split("• More staff\n• Better pay"),
            ["• More staff\n• Better pay"]
        );
    }

    #[test]
    fn list_markers_and_their_places() {
        assert_eq!(list_marker("1. More staff"), Some("1."));
        assert_eq!(list_marker("  12) Pay"), Some("12)"));
        assert_eq!(list_marker("1.Flexible hours"), Some("1."));
        assert_eq!(list_marker("b) a quiet room"), Some("b)"));
        assert_eq!(list_marker("b)quiet"), None);
        assert_eq!(list_marker("2.5 days"), None);
        assert_eq!(list_marker("7.30 start"), None);
        assert_eq!(list_marker("23."), None);
        assert_eq!(list_marker("2016 was awful."), None);
        assert_eq!(list_marker("1984. Then"), None);
        assert_eq!(list_ordinal("3."), 3);
        assert_eq!(list_ordinal("10)"), 10);
        assert_eq!(list_ordinal("b)"), 2);
    }

    #[test]
    fn a_word_that_starts_with_a_full_stop_stays_in_its_sentence() {
        assert_eq!(
            split("So Visual Studio, the .NET framework, all that stuff. Of course I loved it."),
            [
                "So Visual Studio, the .NET framework, all that stuff.",
                "Of course I loved it."
            ]
        );
        assert_eq!(
            split("We rewrote it in .NET. Then we hired."),
            ["We rewrote it in .NET.", "Then we hired."]
        );
        // A full stop after a space at the end of a sentence still ends it.
        assert_eq!(
            split("It was hard . Then we grew."),
            ["It was hard .", "Then we grew."]
        );
    }

    /// The hunt h22/02: Jefferson's micro-pause `(.)` ended a sentence
    /// before a capital, as its timed pause `(0.4)` never did.
    #[test]
    fn a_micro_pause_ends_no_sentence() {
        assert_eq!(
            split("well .hh I went home an' (.) I didn't tell anyone for a week."),
            ["well .hh I went home an' (.) I didn't tell anyone for a week."]
        );
        assert_eq!(
            split("then we drove over to (.) Leeds to see my sister (0.4) she just kne:w."),
            ["then we drove over to (.) Leeds to see my sister (0.4) she just kne:w."]
        );
        assert_eq!(
            split("(.) So I went (.) Home."),
            ["(.) So I went (.) Home."]
        );
        // After a sentence's own end the pause joins it, and the sentence
        // ends there, as before; a blank line after a pause ends one too.
        assert_eq!(
            split("an' she said (.) mum would have known. (.) Then she left."),
            [
                "an' she said (.) mum would have known. (.)",
                "Then she left."
            ]
        );
        assert_eq!(
            split("I went home. (.) I told nobody (.)\n\nThen I rang her."),
            ["I went home. (.)", "I told nobody (.)", "Then I rang her."]
        );
    }

    #[test]
    fn stray_punctuation_attaches() {
        assert_eq!(split("Okay!! !! Fine."), ["Okay!! !!", "Fine."]);
        assert_eq!(split("Hm. ... \"Right.\""), ["Hm. ...", "\"Right.\""]);
    }
}
