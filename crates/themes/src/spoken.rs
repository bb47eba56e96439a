//! Spoken language: which sentences are minimal responses, and the cleaned
//! text that keywords are weighed on.
//!
//! Transcribed interviews are full of backchannels ("Yeah.", "Mm-hmm.",
//! "Okay.", "Right.", "I see.", "Thank you.") and of sentences with almost
//! no content words ("Um, yeah, so, that's about it."). They stay in the
//! store and the transcript, but clustered they become themes of their own
//! ("yeah", "okay, alright") and coded they add noise; so the themes and
//! code stages skip them by default. The rule is one function,
//! [`SpokenParams::is_minimal`]: a sentence is minimal when it has fewer
//! than `min_content_words` content words (default 1: none), a content word being a word of
//! two or more letters that is neither an English stop word (NLTK), a
//! spoken filler ("um", "like", "you know") nor a backchannel word
//! ("yeah", "okay", "perfect", "thanks").
//!
//! Fillers and disfluencies stay in the stored text and its offsets;
//! [`clean`] drops them ("uh", "um", "you know", "I mean", a word repeated
//! at once: "I I", "the the") for the text c-TF-IDF weighs.

use std::sync::OnceLock;

use serde::Serialize;

use crate::{Result, ThemeError};

// Looked up once per word of every sentence: foldhash as in `keywords`.
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

/// Filler and discourse words of transcribed speech that carry no topic
/// ("um", "like", "exactly", "alright"). Keyword terms never contain them;
/// they do not count as content words.
pub const SPOKEN_FILLERS: &[&str] = &[
    "um",
    "uh",
    "erm",
    "er",
    "ah",
    "eh",
    "hmm",
    "hm",
    "mm",
    "mhm",
    "uhm",
    "yeah",
    "yes",
    "ok",
    "okay",
    "like",
    "just",
    "really",
    "know",
    "think",
    "mean",
    "kind",
    "sort",
    "gonna",
    "wanna",
    "gotta",
    "got",
    "get",
    "well",
    "actually",
    "basically",
    "literally",
    "lot",
    "thing",
    "things",
    "stuff",
    "also",
    "would",
    "could",
    "one",
    "maybe",
    "something",
    "oh",
    "right",
    "go",
    "going",
    "say",
    "said",
    "much",
    "even",
    "guess",
    "pretty",
    "bit",
    "us",
    "may",
    "might",
    "shall",
    "must",
    "can",
    "will",
    "im",
    "dont",
    "its",
    "thats",
    "ive",
    "youre",
    "cant",
    "yep",
    "yup",
    "nope",
    "nah",
    "sure",
    "alright",
    "exactly",
    "absolutely",
    "definitely",
    "totally",
    "certainly",
    "indeed",
    "anyway",
    "anyways",
    "gotcha",
    // Laughter, surprise and stance words that carry no topic: "Mhmm.",
    // "Haha.", "Honestly?" were coded as content, and "honestly" labelled
    // the largest theme of data/interviews (11 uses in 490 sentences).
    "mhmm",
    "mmhmm",
    "mmm",
    "hmmm",
    "ooh",
    "ahh",
    "aha",
    "haha",
    "hahaha",
    "ha",
    "lol",
    "jeez",
    "gosh",
    "whoa",
    "honestly",
    "obviously",
    "seriously",
    "frankly",
    "wow",
    "huh",
    "hey",
    "let's",
    "lets",
    // Spellings of "yeah" and "okay" transcribers use.
    "yea",
    "yeh",
    "ya",
    "okey",
    // British and colloquial fillers and hedges, spelt as transcribers
    // write them (hp/01, 2026-12-07): "Yeah, y'know.", "Yeah, innit.",
    // "Yeah, I suppose.", "I reckon so.", "Okey dokey.", "Yeah, deffo."
    // were clustered as content and labelled a theme ("hear, suppose, ta").
    // "suppose" and "reckon" hedge as "guess" and "think" do.
    "y'know",
    "innit",
    "suppose",
    "reckon",
    "deffo",
    "defo",
    "dokey",
    "dokie",
    "okie",
    "righto",
    "righty",
    "alrighty",
    "aye",
    "yah",
    // A British hedge as "pretty" is: "Yes, that's quite all right." was
    // content, and "quite" labelled hp/02's theme of leftovers.
    "quite",
    // As unspecific as "something": "Um, no, I think that's everything."
    // closes an interview, and "everything" labelled hp/03's leftovers.
    "everything",
    "anything",
    // Stance and hedge adverbs, as "maybe", "obviously", "definitely" and
    // "certainly" are: "Yeah, probably.", "Possibly.", "Yeah, clearly.",
    // "Apparently.", "Hopefully." were coded and clustered as content, and
    // "clearly" labelled a catch-all theme (h21/03). Where "clearly" or
    // "truly" says how, the sentence has other words to be about ("He
    // explained it clearly to the ward." keeps "explained", "ward").
    "probably",
    "possibly",
    "perhaps",
    "presumably",
    "clearly",
    "apparently",
    "hopefully",
    "surely",
    "essentially",
    "precisely",
    "genuinely",
    "truly",
];

/// Words of backchannels and minimal answers ("Yeah, exactly.", "Perfect,
/// thank you.", "Sure, sure.", "Good question."): topical words in other
/// texts, so they stay in keyword terms (c-TF-IDF down-weights them where
/// they are common to all themes), but they do not make a sentence
/// content-bearing.
pub const BACKCHANNEL_WORDS: &[&str] = &[
    "correct",
    "true",
    "fine",
    "great",
    "good",
    "perfect",
    "cool",
    "nice",
    "awesome",
    "interesting",
    "thanks",
    "thank",
    "welcome",
    "see",
    "agree",
    "course",
    "fair",
    "enough",
    "question",
    "hi",
    "hello",
    "bye",
    "cheers",
    "brilliant",
    "lovely",
    "worries",
    // Apologies, greetings, thanks and vocatives of British and colloquial
    // speech (hp/01, hp/02, 2026-12-07): "Sorry, sorry.", "Pardon?", "Ta.",
    // "Hiya.", "Cheerio.", "Wonderful.", "No, dear, that's all." A
    // sentence that says more ("I'm sorry to say the fees doubled.") keeps
    // its other words.
    "sorry",
    "apologies",
    "pardon",
    "dear",
    "ta",
    "hiya",
    "cheerio",
    "wonderful",
    "fantastic",
    "excellent",
    "marvellous",
    "splendid",
    "mm-hmm",
    "uh-huh",
    "um-hum",
    "mm-mm",
    "uh-uh",
    "hmm-mm",
    "uh-hum",
    "uh-hm",
    "mm-hm",
];

/// Hesitations with each run of a letter written once: what "Umm",
/// "Uhhh", "Mmhm", "Errr", "Ooh" and "Ehm" are ([`is_hesitation`]).
const HESITATION_FORMS: &[&str] = &[
    "um", "uh", "er", "erm", "ah", "eh", "ehm", "em", "ahm", "uhm", "hm", "mhm", "mh", "m", "oh",
];

/// Whether `word` (lower case) is a hesitation however its letters are
/// drawn out: "umm", "ummm", "uhh", "mmhm", "errr", "emm". Human
/// transcribers write these as they hear them; only "um", "mm" and "mhm"
/// were in the filler list, so "Umm." and "Uhh, yeah." were content and
/// made a theme of their own ("uhh, mmhm, umm"). Only the listed forms:
/// collapsing letters in general would make "bee" the stop word "be".
fn is_hesitation(word: &str) -> bool {
    // Most words hold a letter no hesitation has: no string built for them
    // (this runs on every word of every sentence).
    if word.len() > 12 || !word.bytes().all(|b| b"aehmoru".contains(&b)) {
        return false;
    }
    let mut collapsed = String::with_capacity(word.len());
    let mut last = None;
    for c in word.chars() {
        if last != Some(c) {
            collapsed.push(c);
        }
        last = Some(c);
    }
    HESITATION_FORMS.contains(&collapsed.as_str())
}

/// Letters a word is drawn out with even where two of them are written
/// ("Yeahh", "Okayy", "Hiyaa", "Nahh"): English words seldom double them,
/// so "yeahh" written with one "h" is what was said. Not "e" ("bee" is not
/// "be"), "l" or "s" ("well", "less"); a doubled "o" only at the end
/// ("Noo", "Soo"; "good" is not "god").
const DRAWN_OUT_LETTERS: &[u8] = b"ahiuwy";

/// `word` (lower case) with its drawn-out letters written once and, where
/// a letter is written three times or more, twice: the two readings of
/// "wellll" ("wel", "well") and "nooo" ("no", "noo"). `None` when no letter
/// is drawn out ([`DRAWN_OUT_LETTERS`] doubled, or any letter three times
/// running). Only for asking whether the word is a filler or backchannel
/// drawn out ([`is_content_word`]): hp/01 (2026-12-07), "Yeahh.", "Nooo."
/// and "Okayyy." were content words and "nooo" labelled a theme.
fn undrawn(word: &str) -> Option<[String; 2]> {
    let bytes = word.as_bytes();
    // Most words have no run at all: nothing built for them (this runs on
    // every word of every sentence).
    let drawn = bytes.windows(2).enumerate().any(|(i, w)| {
        w[0] == w[1]
            && w[0].is_ascii_alphabetic()
            && (DRAWN_OUT_LETTERS.contains(&w[0])
                || bytes.get(i + 2) == Some(&w[0])
                || (w[0] == b'o' && i + 2 == bytes.len()))
    });
    if !drawn {
        return None;
    }
    let (mut once, mut twice) = (String::new(), String::new());
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        let end = i + run == chars.len();
        let doubled_drawn = run == 2
            && (c.is_ascii() && DRAWN_OUT_LETTERS.contains(&(c as u8)) || (c == 'o' && end));
        let keep = if run >= 3 || doubled_drawn { 1 } else { run };
        once.extend(std::iter::repeat_n(c, keep));
        twice.extend(std::iter::repeat_n(c, if run >= 3 { 2 } else { run }));
        i += run;
    }
    Some([once, twice])
}

/// Words of a survey's non-answers ("Nothing really.", "None.", "idk",
/// "NA", "Not applicable.", "No comment.", "No idea."), "nothing" answers
/// among them: a sentence whose only content words are these says nothing
/// to cluster, and clustered such answers made a theme of their own
/// (data/survey: "nothing", 57 sentences). The list is the corpus crate's,
/// beside its rule of a declining answer ([`corpus::non_answer`]), which
/// the report and the code stage read too. Themes leave both out
/// ([`SpokenParams::skips_in_themes`]); coding leaves the words' sentences
/// ("Nothing really.") to the classifier, codes no declining answer
/// (`pipeline::code`), and keeps them all in the zero-shot sample, whose
/// off-topic negatives hold them: without them real answers took their
/// place (pipeline κ 0.401 → 0.364; docs/classify.md, "A survey's open
/// answers").
pub use corpus::non_answer::NON_ANSWER_WORDS;

/// Multi-word fillers [`clean`] removes (as lower-case word sequences).
const FILLER_PHRASES: &[&[&str]] = &[&["you", "know"], &["i", "mean"]];

/// Single-word fillers [`clean`] removes: hesitations only, never a word
/// that is also a content word elsewhere ("like", "well", "right" stay).
const HESITATIONS: &[&str] = &[
    "um", "uh", "erm", "er", "ah", "eh", "hmm", "hm", "mm", "mhm", "uhm",
];

/// Contractions of stop words that NLTK's list lacks (it has "it's" and
/// "they're", not "there's"): "there's" was a label word of the largest
/// Founders Talk theme, and "There's that." is as minimal as "That's it.".
const STOP_CONTRACTIONS: &[&str] = &[
    "there's", "there're", "there'd", "there'll", "here's", "what's", "what're", "what'd",
    "what'll", "who's", "who'd", "who'll", "where's", "where'd", "when's", "why's", "how's",
    "how'd", "that'd", "that's", "this'll", "y'all", "kinda", "sorta", "dunno",
];

/// NLTK's English stop words, the spoken fillers, the contractions NLTK
/// lacks, and each without its apostrophe ("dont"): the words no keyword
/// term is made of.
pub fn stop_words() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut s: HashSet<String> = stop_words::get("en")
            .iter()
            .map(|w| w.to_string())
            .collect();
        s.extend(SPOKEN_FILLERS.iter().map(|w| w.to_string()));
        s.extend(STOP_CONTRACTIONS.iter().map(|w| w.to_string()));
        let bare: Vec<String> = s.iter().map(|w| w.replace('\'', "")).collect();
        s.extend(bare);
        s
    })
}

/// Stop words plus backchannel words: what a content word is not.
fn non_content_words() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut s = stop_words().clone();
        s.extend(BACKCHANNEL_WORDS.iter().map(|w| w.to_string()));
        s
    })
}

/// The lower-case words of `text`: letters, digits, inner apostrophes and
/// hyphens ("don't", "mm-hmm"); curly apostrophes read as straight ones.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    tokens(text).map(word).filter(|t| !t.is_empty())
}

/// The raw pieces of `text` that [`words`] makes its words of (letters,
/// digits, apostrophes and hyphens), as written, case kept.
pub fn tokens(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
}

/// One of [`tokens`] as [`words`] gives it (lower case, apostrophes
/// straightened and trimmed); empty where nothing is left.
pub fn word(t: &str) -> String {
    t.replace('’', "'")
        .trim_matches(|c| c == '\'' || c == '-')
        .to_lowercase()
}

/// Whether `word` (lower case, from [`words`]) is a content word: two or
/// more characters, not all digits, not a stop word, filler or backchannel.
/// A hyphenated word counts when any of its parts does ("mm-hmm" does not,
/// "long-term" does).
pub fn is_content_word(word: &str) -> bool {
    let skip = non_content_words();
    // Spelt without its apostrophe only where it has one: every word of
    // every sentence passes here.
    let listed =
        |w: &str| skip.contains(w) || (w.contains('\'') && skip.contains(&w.replace('\'', "")));
    // A filler or backchannel however its letters are drawn out.
    let said_so = |w: &str| {
        listed(w)
            || is_hesitation(w)
            || undrawn(w).is_some_and(|forms| forms.iter().any(|f| listed(f)))
    };
    let single =
        |w: &str| w.chars().count() >= 2 && !w.chars().all(|c| c.is_numeric()) && !said_so(w);
    if said_so(word) {
        return false;
    }
    if word.contains('-') {
        word.split('-').any(single)
    } else {
        single(word)
    }
}

/// Content words in `text` (see [`is_content_word`]).
pub fn content_word_count(text: &str) -> usize {
    words(text).filter(|w| is_content_word(w)).count()
}

/// The minimal-response rule; `Default` is what `autocode themes` and
/// `autocode code` apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpokenParams {
    /// Leave minimal responses out of themes and coding.
    pub skip_minimal: bool,
    /// A sentence with fewer content words than this is a minimal response.
    pub min_content_words: usize,
}

impl Default for SpokenParams {
    fn default() -> Self {
        SpokenParams {
            skip_minimal: true,
            min_content_words: 1,
        }
    }
}

impl SpokenParams {
    pub fn check(&self) -> Result<()> {
        if self.min_content_words > 20 {
            return Err(ThemeError::Param {
                name: "min_content_words",
                reason: format!(
                    "{} content words would skip most sentences; at most 20",
                    self.min_content_words
                ),
            });
        }
        Ok(())
    }

    /// Whether `text` is a minimal response: fewer content words than
    /// `min_content_words`, words in square brackets not counted (a
    /// transcriber's note such as `[laughs]`, `[crosstalk]`, Markdown's
    /// `\[laughs\]`: "Right. [laughs]" says no more than "Right."; round
    /// brackets are speech's own asides and count, unless a note:
    /// [`is_round_note`]), nor the words of a pleasantry phrase ("No
    /// problem.", "I can hear you.": [`PLEASANTRY_PHRASES`],
    /// [`CALL_CHECK_PHRASES`]); a sentence of
    /// call logistics ("Sorry, my camera's being weird today.":
    /// [`CALL_EQUIPMENT`]) is minimal however many it has. Independent of
    /// `skip_minimal`.
    pub fn is_minimal(&self, text: &str) -> bool {
        minimal_beside(text, self.min_content_words, &NO_NAMES)
    }

    /// Whether `text` is left out of themes and coding.
    pub fn skips(&self, text: &str) -> bool {
        self.skip_minimal && self.is_minimal(text)
    }

    /// Whether `text` is a non-answer: one that declines to answer
    /// ([`corpus::non_answer::is_non_answer`]: "Prefer not to say", "Same
    /// as previous answer", "As per Q2", "Ditto", "xxx", "keine Angabe"),
    /// or one whose every content word, one at least, is one of
    /// [`NON_ANSWER_WORDS`] ("Nothing really.", "idk"). Call logistics are
    /// none (they are minimal already). h23/05: "Prefer not to say" and
    /// the pointers to another answer made a theme, "answer, previous".
    pub fn is_non_answer(&self, text: &str) -> bool {
        let said = said_content_words(text, &NO_NAMES);
        !said.call_logistics
            && (corpus::non_answer::is_non_answer(text)
                || (!said.content.is_empty()
                    && said
                        .content
                        .iter()
                        .all(|w| NON_ANSWER_WORDS.contains(&w.as_str()))))
    }

    /// Whether `text` is left out of themes: [`SpokenParams::skips`], and
    /// non-answers too ([`SpokenParams::is_non_answer`]) when minimal
    /// responses are skipped.
    pub fn skips_in_themes(&self, text: &str) -> bool {
        self.skips(text) || (self.skip_minimal && self.is_non_answer(text))
    }
}

/// [`SpokenParams`] beside the names of the interviewers a corpus's
/// participants address ([`SpokenParams::beside`]): a name is no content
/// word, so "Thanks so much, Adam." is as minimal as "Thanks so much.".
/// Before, a founder's thanks to the host by name was coded and counted.
#[derive(Debug, Clone, Copy)]
pub struct SpokenRule<'a> {
    params: &'a SpokenParams,
    names: &'a std::collections::BTreeSet<String>,
}

impl SpokenParams {
    /// This rule where `names` (lower-case words, [`words`]) are no content
    /// words: the interviewers' names.
    pub fn beside<'a>(&'a self, names: &'a std::collections::BTreeSet<String>) -> SpokenRule<'a> {
        SpokenRule {
            params: self,
            names,
        }
    }
}

impl SpokenRule<'_> {
    /// [`SpokenParams::is_minimal`], the names not counted.
    pub fn is_minimal(&self, text: &str) -> bool {
        minimal_beside(text, self.params.min_content_words, self.names)
    }

    /// [`SpokenParams::skips`], the names not counted.
    pub fn skips(&self, text: &str) -> bool {
        self.params.skip_minimal && self.is_minimal(text)
    }

    /// [`SpokenParams::skips_in_themes`], the names not counted.
    pub fn skips_in_themes(&self, text: &str) -> bool {
        self.skips(text) || (self.params.skip_minimal && self.params.is_non_answer(text))
    }
}

/// No speaker's names: [`SpokenParams`]'s own rule.
static NO_NAMES: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();

/// Hedged answers whose words say nothing together, as "I think so" and "I
/// suppose" say nothing ("think" and "suppose" are fillers), though each
/// verb is topical alone: "Yeah, I believe so.", "I hope so.", "I imagine
/// so.", "I'd imagine.", "Yeah, no doubt." were content (h21/03). As
/// phrases, not words: "Do you believe in it?", "There's no hope.", "I had
/// doubts about the surgery." keep their verbs, and the verbs stay keyword
/// terms. Lower-case word sequences as [`words`] gives them.
const HEDGE_PHRASES: &[&[&str]] = &[
    &["believe", "so"],
    &["believe", "not"],
    &["imagine", "so"],
    &["imagine", "not"],
    &["hope", "so"],
    &["hope", "not"],
    &["expect", "so"],
    &["expect", "not"],
    &["assume", "so"],
    &["presume", "so"],
    &["i", "imagine"],
    &["i'd", "imagine"],
    &["would", "imagine"],
    &["can", "imagine"],
    &["can", "only", "imagine"],
    &["no", "doubt"],
    &["doubt", "it"],
];

/// Pleasantries whose words say nothing together, though each may be a
/// content word alone ("problem", "care", "ahead", "good"): "No
/// problem.", "Spot on.", "No worries, take care.", "Yes, that's fine, go
/// ahead.", "Sounds good." (hp/01, hp/02, 2026-12-07). Lower-case word
/// sequences as [`words`] gives them; a content word said beside one still
/// counts ("No problem, the rent doubled." is content).
const PLEASANTRY_PHRASES: &[&[&str]] = &[
    &["no", "problem"],
    &["no", "problems"],
    &["not", "a", "problem"],
    &["no", "bother"],
    &["my", "pleasure"],
    &["spot", "on"],
    &["bang", "on"],
    &["take", "care"],
    &["go", "ahead"],
    &["sounds", "good"],
    &["sounds", "great"],
    &["sounds", "fine"],
    &["sounds", "lovely"],
    &["sounds", "perfect"],
];

/// A video call's checks, which say nothing either ("Can you hear me
/// now?", "Yeah, I can hear you.", "Yep, loud and clear.", "You're on
/// mute."; hp/02, 2026-12-07: with the apologies and the equipment
/// ([`CALL_EQUIPMENT`]) they were clustered into a theme "hear, sorry,
/// dear" that all eight interviewees of a video-call study "raised").
/// "Hear" only before "you", "me" or "us": "We hear the trains all night."
/// keeps it, and so does a content word beside the phrase ("I hear you,
/// the fees are insane." is content). Also what makes a sentence about
/// the equipment call logistics.
const CALL_CHECK_PHRASES: &[&[&str]] = &[
    &["loud", "and", "clear"],
    &["hear", "you"],
    &["hear", "me"],
    &["hear", "us"],
    &["on", "mute"],
];

/// Words of a video call's equipment: a sentence whose content words are
/// all these and [`CALL_STATE_WORDS`], one of these among them, said with
/// an apology or to the other person ([`CALL_ADDRESS_WORDS`]) or beside a
/// call check ("hear you"), is call logistics and minimal ("Sorry, my
/// camera's being weird today.", "Sorry, the wifi is a bit patchy here.",
/// "Can you see my screen?"; hp/02, 2026-12-07). A sentence with any other
/// content word is not ("The wifi on the train is terrible."), nor is one
/// without the apology or address ("My internet is slow." may be what a
/// study of home working asks about).
pub const CALL_EQUIPMENT: &[&str] = &[
    "camera",
    "cameras",
    "webcam",
    "video",
    "mic",
    "microphone",
    "mute",
    "muted",
    "unmute",
    "unmuted",
    "wifi",
    "wi-fi",
    "internet",
    "connection",
    "signal",
    "audio",
    "echo",
    "echoey",
    "headphones",
    "headset",
    "earphones",
    "screen",
    "zoom",
    "bandwidth",
];

/// How the equipment of a call is doing ("weird today", "a bit patchy",
/// "keeps cutting out"): content words that a call-logistics sentence
/// ([`CALL_EQUIPMENT`]) may hold besides its equipment.
const CALL_STATE_WORDS: &[&str] = &[
    "weird", "funny", "patchy", "bad", "poor", "slow", "frozen", "froze", "freezing", "lagging",
    "laggy", "glitchy", "dropping", "dropped", "cutting", "cut", "breaking", "working", "playing",
    "today", "loud", "quiet", "clear", "keeps", "call", "sound", "share", "sharing", "sec",
    "second", "moment", "hang", "hold", "bear", "wait", "fix", "turn", "switch", "better",
];

/// Words that say a sentence about a call's equipment is said to the other
/// person on the call: an apology or the second person.
const CALL_ADDRESS_WORDS: &[&str] = &[
    "sorry",
    "apologies",
    "pardon",
    "you",
    "your",
    "you're",
    "you've",
];

/// What a sentence says, for the minimal-response rule.
struct SaidWords {
    /// Its content words ([`is_content_word`]) outside transcriber's
    /// notes, [`PLEASANTRY_PHRASES`], [`HEDGE_PHRASES`] and
    /// [`CALL_CHECK_PHRASES`], `names` left out.
    content: Vec<String>,
    /// Whether it is call logistics ([`CALL_EQUIPMENT`]).
    call_logistics: bool,
}

/// The content words of `text` as [`SaidWords`] reads them.
fn said_content_words(text: &str, names: &std::collections::BTreeSet<String>) -> SaidWords {
    let said: Vec<String> = words(&without_transcriber_notes(text)).collect();
    let mut in_phrase = vec![false; said.len()];
    let mut call_check = false;
    for start in 0..said.len() {
        let phrases = PLEASANTRY_PHRASES
            .iter()
            .chain(HEDGE_PHRASES)
            .map(|p| (p, false));
        for (phrase, checks_call) in phrases.chain(CALL_CHECK_PHRASES.iter().map(|p| (p, true))) {
            let end = start + phrase.len();
            if end <= said.len() && said[start..end].iter().zip(*phrase).all(|(w, p)| w == p) {
                in_phrase[start..end].fill(true);
                call_check |= checks_call;
            }
        }
    }
    let content: Vec<String> = said
        .iter()
        .zip(&in_phrase)
        .filter(|(w, &phrase)| !phrase && is_content_word(w) && !names.contains(*w))
        .map(|(w, _)| w.clone())
        .collect();
    // "camera's": the equipment is the camera.
    let bare = |w: &str| w.strip_suffix("'s").unwrap_or(w).to_string();
    let equipment = |w: &String| CALL_EQUIPMENT.contains(&bare(w).as_str());
    let call_logistics = content.iter().any(equipment)
        && content
            .iter()
            .all(|w| equipment(w) || CALL_STATE_WORDS.contains(&bare(w).as_str()))
        && (call_check
            || said
                .iter()
                .any(|w| CALL_ADDRESS_WORDS.contains(&w.as_str())));
    SaidWords {
        content,
        call_logistics,
    }
}

/// Whether `text` has fewer than `need` content words beside `names`, or
/// is call logistics: [`SpokenParams::is_minimal`].
fn minimal_beside(text: &str, need: usize, names: &std::collections::BTreeSet<String>) -> bool {
    if need == 0 {
        return false;
    }
    let said = said_content_words(text, names);
    said.call_logistics || said.content.len() < need
}

/// `text` with its square-bracketed spans (`[laughs]`, `\[inaudible
/// 01:09:28\]`) blanked, and its round-bracketed transcriber's notes
/// ([`is_round_note`]); an unclosed bracket keeps the rest.
fn without_transcriber_notes(text: &str) -> std::borrow::Cow<'_, str> {
    let text = without_round_notes(text);
    if !text.contains('[') {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_ref();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        // Markdown escapes the bracket: `\[laughs\]`.
        out.push_str(rest[..open].strip_suffix('\\').unwrap_or(&rest[..open]));
        out.push(' ');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Roots of the first word of a note in round brackets beyond a note's
/// roots ([`corpus::notes::is_transcriber_note`]): what the speaker does
/// without words and what happens in the room ("(nods)", "(shakes head)",
/// "(smiles)", "(crying)", "(tearful)", "(phone rings)", "(knock at
/// door)", "(recording paused)"), as in-person and sensitive-topic
/// interviews are transcribed (hp/03, 2026-12-07: "Yeah. (nods)" was
/// clustered as content and "nods" labelled a theme). Round brackets only:
/// square brackets are never speech here, and `corpus`'s list, which the
/// model's reading and the speaker labels use, is left as it is.
const ROUND_NOTE_ROOTS: &[&str] = &[
    "nod",
    "shak",
    "smil",
    "grin",
    "crying",
    "cries",
    "cried",
    "sobs",
    "sobb",
    "tear",
    "weep",
    "frown",
    "shrug",
    "gestur",
    "wink",
    "yawn",
    "sniff",
    "gasp",
    "whisper",
    "sneez",
    "phone",
    "knock",
    "doorbell",
    "recording",
];

/// Words before a [`ROUND_NOTE_ROOTS`] root that keep a bracket a note:
/// who does it or how ("(both nod)", "(she smiles)", "(long sniff)").
const ROUND_NOTE_QUALIFIERS: &[&str] = &[
    "both", "all", "he", "she", "they", "long", "brief", "slight", "small", "soft", "loud",
];

/// A transcriber's mark in round brackets, the whole bracket: "(sic)"
/// after a word as said, "(ph)" or "(sp)" after a name spelt as heard,
/// "(?)" after a word not made out (hp/03: "ph" was a content word).
const ROUND_NOTE_MARKS: &[&str] = &["sic", "ph", "sp", "sp?", "ph?", "?", "redacted"];

/// Whether the text inside round brackets is a transcriber's note, as
/// broadcast and many typed research transcripts write them: `(laughs)`,
/// `(LAUGHTER)`, `(long pause)`, `(inaudible 00:12:03)`, Jefferson's
/// `((laughs))` (`inner` is then `(laughs)`). A note of one to three words
/// (a time stamp not counted) starting with a note's root
/// ([`corpus::notes::is_transcriber_note`], [`ROUND_NOTE_ROOTS`]), or a
/// transcriber's mark ([`ROUND_NOTE_MARKS`]); anything longer is the
/// speaker's or the transcriber's aside in words ("(Laughs at the
/// cost.)") and is speech, as round brackets were before, and so is a
/// bracket starting with any other word ("(which was awful)", "(the one
/// near us)").
fn is_round_note(inner: &str) -> bool {
    let inner = inner.trim().trim_start_matches('(').trim_end_matches(')');
    let lower = inner.trim().to_lowercase();
    if ROUND_NOTE_MARKS.contains(&lower.as_str()) {
        return true;
    }
    let lower = lower.trim_end_matches(['.', '!', '?']);
    let words: Vec<&str> = lower
        .split_whitespace()
        .filter(|w| corpus::speaker::parse_clock(w).is_none())
        .collect();
    if !(1..=3).contains(&words.len()) {
        return false;
    }
    let first = usize::from(words.len() > 1 && ROUND_NOTE_QUALIFIERS.contains(&words[0]));
    corpus::notes::is_transcriber_note(lower)
        || ROUND_NOTE_ROOTS
            .iter()
            .any(|root| words[first].starts_with(root))
}

/// `text` with its round-bracketed transcriber's notes ([`is_round_note`])
/// blanked.
fn without_round_notes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('(') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        // Jefferson's double brackets close twice.
        let double = rest[open..].starts_with("((");
        let closing = if double { "))" } else { ")" };
        let Some(close) = rest[open..].find(closing) else {
            break;
        };
        let span = &rest[open..open + close + closing.len()];
        let inner = &span[1..span.len() - 1];
        out.push_str(&rest[..open]);
        if is_round_note(inner) {
            out.push(' ');
        } else {
            out.push_str(span);
        }
        rest = &rest[open + span.len()..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The clauses of `text`: its pieces between clause punctuation (a comma,
/// a sentence's end, a colon or semicolon, a bracket, a quotation mark, a
/// dash or an ellipsis). What a theme's phrase ([`crate::phrases`]) and
/// its keyword bigrams ([`crate::keywords`]) are made inside: no one said
/// "dearly sixty" in "I love them dearly, but I'm sixty-eight".
pub fn clauses(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(|c: char| {
        matches!(
            c,
            ',' | '.' | ';' | ':' | '?' | '!' | '(' | ')' | '"' | '—' | '–' | '…'
        )
    })
}

/// [`SpokenParams::is_minimal`] with the default threshold.
pub fn is_minimal(text: &str) -> bool {
    SpokenParams::default().is_minimal(text)
}

/// `text` without hesitations ("uh", "um"), the fillers "you know" and
/// "I mean", and words repeated at once ("I I", "the the"), as words joined
/// by single spaces, punctuation inside kept with the word before it. Only
/// for weighing keywords: stored text and offsets are never cleaned.
pub fn clean(text: &str) -> String {
    // A transcriber's note ("[laughs]") is not a word said; nor is an
    // editor's bracketed insertion ("[company]") a word of the theme's.
    let text = without_transcriber_notes(text);
    // Tokens as written (punctuation attached), with their bare lower form.
    let tokens: Vec<(&str, String)> = text
        .split_whitespace()
        .map(|t| (t, words(t).collect::<Vec<_>>().join("-")))
        .collect();
    let mut out: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut last: Option<&str> = None;
    let mut i = 0;
    while i < tokens.len() {
        let bare = tokens[i].1.as_str();
        if HESITATIONS.contains(&bare) || is_hesitation(bare) {
            i += 1;
            continue;
        }
        if let Some(p) = FILLER_PHRASES.iter().find(|p| {
            p.iter()
                .enumerate()
                .all(|(k, w)| tokens.get(i + k).is_some_and(|t| t.1 == *w))
        }) {
            i += p.len();
            continue;
        }
        if !bare.is_empty() && last == Some(bare) {
            i += 1;
            continue;
        }
        out.push(tokens[i].0);
        if !bare.is_empty() {
            last = Some(bare);
        }
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backchannels_are_minimal() {
        for t in [
            "Yeah.",
            "Mm-hmm.",
            "Okay.",
            "Right.",
            "I see.",
            "Thank you.",
            "Perfect.",
            "Yeah, yeah, exactly.",
            "Um, yeah, so , that's about it.",
            // Contractions of stop words NLTK's list lacks.
            "There's that.",
            "Well, here's the thing.",
            "Great question.",
            "Okay, alright, anyway.",
            "Uh-huh",
            "",
            "...",
            "I'd agree with that.",
            "No, of course not.",
            // A transcriber's note in square brackets is not speech.
            "Right. [laughs]",
            r"Sure. \[laughs\]",
            "[crosstalk]",
            "[unintelligible 01:09:28.11] Yeah.",
            "Mhmm.",
            "Mmhmm.",
            "Mmm.",
            "Ooh.",
            "Haha.",
            "Ha ha.",
            "Lol.",
            "Cheers, thanks.",
            "Honestly?",
            "Yeah, honestly.",
            "Obviously.",
            "Brilliant.",
            "Lovely.",
            "Jeez.",
            "No worries.",
            // Drawn-out hesitations and other spellings (hW/03).
            "Umm.",
            "Uhh.",
            "Ummm, yeah.",
            "Uhh, yeah.",
            "Mmhm.",
            "Yea.",
            "Uh-hum.",
            "Yeh.",
            "Ya.",
            "Okey.",
            "Ehm.",
            "Emm.",
            "Errr, okay.",
            // Round-bracketed transcriber's notes (hW/02).
            "(laughs)",
            "(LAUGHTER)",
            "Yeah. (pause)",
            "((laughs))",
            "(inaudible 00:12:03)",
            "(long pause) Okay.",
            "(Crosstalk.)",
        ] {
            assert!(is_minimal(t), "{t:?} should be minimal");
        }
    }

    /// hp/01: drawn-out, British and colloquial spellings of fillers and
    /// backchannels are minimal; a word drawn out is the word.
    #[test]
    fn colloquial_and_drawn_out_backchannels_are_minimal() {
        for t in [
            "Yeah, y'know.",
            "Yeah, y’know.",
            "Yeahh.",
            "Yeahhh, yeah.",
            "Nooo.",
            "Noo.",
            "Sooo, yeah.",
            "Okayyy.",
            "Okayy, yeah.",
            "Yesss.",
            "Riiight.",
            "Wellll, yeah.",
            "Coool.",
            "Hiiii!",
            "Yeah, I suppose.",
            "Yeah, I reckon so.",
            "Yeah, innit.",
            "Pardon?",
            "Sorry?",
            "Ta.",
            "Hiya.",
            "No problem.",
            "Not a problem at all.",
            "Wonderful.",
            "Okey dokey.",
            "Okey-dokey.",
            "Spot on.",
            "Cheerio.",
            "Yeah, deffo.",
            "Aye, righto.",
            "Sounds good.",
        ] {
            assert!(is_minimal(t), "{t:?} should be minimal");
        }
        for t in [
            // Content words stay content however they are drawn out.
            "The queue was loooong.",
            "The bee stung me.",
            "We went to the inn.",
            "Good food.",
            "The problem is the rent.",
            "We had no problems with the landlord.",
            "I suppose the rent is fair.",
            "I reckon the buses are worse.",
        ] {
            assert!(!is_minimal(t), "{t:?} should not be minimal");
        }
        assert_eq!(undrawn("yeahh"), Some(["yeah".into(), "yeahh".into()]));
        assert_eq!(undrawn("wellll"), Some(["wel".into(), "well".into()]));
        assert_eq!(undrawn("nooo"), Some(["no".into(), "noo".into()]));
        assert_eq!(undrawn("noo"), Some(["no".into(), "noo".into()]));
        // "good", "bee", "less", "well": nothing drawn out.
        for w in ["good", "bee", "less", "well", "parking"] {
            assert_eq!(undrawn(w), None, "{w}");
        }
        assert!(!is_content_word("okayyy") && !is_content_word("sooo"));
        assert!(is_content_word("loooong") && is_content_word("bee"));
    }

    /// hp/02: video-call logistics and pleasantries are minimal; a
    /// sentence that merely holds "hear", "sorry" or a call's equipment
    /// beside what it says is not.
    #[test]
    fn call_logistics_are_minimal_and_content_beside_them_is_not() {
        for t in [
            "Yeah, I can hear you.",
            "Yeah, yeah, I can hear you.",
            "Can you hear me now?",
            "Hello, yes, I can hear you, dear.",
            "Um, yeah, it's a bit echoey but I can hear you fine.",
            "Sorry, sorry.",
            "Sorry, my camera's being weird today.",
            "Yes, hi, sorry, the wifi is a bit patchy here.",
            "Can you see my screen?",
            "You're on mute.",
            "Yep, loud and clear.",
            "No, dear, that's all.",
            "No worries, take care.",
            "Oh dear.",
        ] {
            assert!(is_minimal(t), "{t:?} should be minimal");
        }
        for t in [
            "I'm sorry to say the nursery fees doubled last year.",
            "Sorry I'm a couple of minutes late.",
            "I hear you, the fees are insane.",
            "We hear the trains all night.",
            "I couldn't hear the teacher over the noise.",
            "The wifi on the train is terrible.",
            // No apology, no one addressed: what a study may ask about.
            "My internet is slow.",
            "Sorry, the internet at home is too slow for work.",
            "The cameras in the car park make me feel safer.",
            "Take care of the kids, that's my job now.",
        ] {
            assert!(!is_minimal(t), "{t:?} should not be minimal");
        }
        let said = said_content_words("Sorry, my camera's being weird today.", &NO_NAMES);
        assert_eq!(said.content, ["camera's", "weird", "today"]);
        assert!(said.call_logistics);
        let said = said_content_words("Yes, I can hear you, the rent doubled.", &NO_NAMES);
        assert_eq!(said.content, ["rent", "doubled"]);
        assert!(!said.call_logistics);
        // Call logistics are no non-answers (they are minimal already).
        assert!(!SpokenParams::default().is_non_answer("Sorry, my camera's frozen."));
        // With a higher threshold the phrase's words still do not count.
        let two = SpokenParams {
            min_content_words: 2,
            ..Default::default()
        };
        assert!(two.is_minimal("No problem, the rent."));
        assert!(!two.is_minimal("No problem, the rent doubled."));
    }

    /// h21/03: a hedge or stance answer with no topic is minimal, as
    /// "Yeah, obviously." and "Yeah, I reckon so." are; a sentence with a
    /// content word beside the hedge is content, and the hedge verbs stay
    /// keyword terms.
    #[test]
    fn hedge_answers_are_minimal_and_content_beside_them_is_not() {
        for t in [
            "Yeah, probably.",
            "Possibly.",
            "Perhaps.",
            "Yeah, clearly.",
            "Apparently.",
            "Hopefully.",
            "Surely.",
            "Presumably.",
            "Precisely.",
            "Essentially, yes.",
            "Genuinely.",
            "Yeah, truly.",
            "Yeah, I believe so.",
            "Yeah, I imagine so.",
            "Yeah, I hope so.",
            "I expect so.",
            "Yeah, no doubt.",
            "I doubt it.",
            "Probably, yeah, I'd imagine.",
            "I can only imagine.",
        ] {
            assert!(is_minimal(t), "{t:?} should be minimal");
        }
        for t in [
            "Probably the rent, to be honest.",
            "He explained it clearly to the ward.",
            "Hopefully the new clinic opens soon.",
            "I believe the nurses did their best.",
            "I can't imagine raising kids on that wage.",
            "I had doubts about the surgery.",
            "There's no hope.",
            "Do you believe in it?",
            "I doubt the council will listen.",
            "Apparently the bus stopped running in May.",
        ] {
            assert!(!is_minimal(t), "{t:?} should not be minimal");
        }
        // The adverbs are fillers, no keyword terms; the hedge verbs,
        // topical elsewhere, stay terms.
        assert!(stop_words().contains("clearly"));
        assert!(stop_words().contains("probably"));
        for verb in ["believe", "hope", "imagine", "doubt"] {
            assert!(is_content_word(verb), "{verb}");
        }
    }

    /// hp/03: non-verbal notes and transcriber's marks in round brackets
    /// are notes; round brackets of speech stay speech.
    #[test]
    fn non_verbal_notes_in_round_brackets_are_no_speech() {
        for t in [
            "Yeah. (nods)",
            "No. (shakes head)",
            "Yeah. (smiles)",
            "(crying)",
            "(tearful)",
            "(phone rings)",
            "(knock at door)",
            "(recording paused) Okay.",
            "(both nod)",
            "(Sighs.) Yeah.",
            "Yeah. (sic)",
        ] {
            assert!(is_minimal(t), "{t:?} should be minimal");
        }
        for (inner, note) in [
            ("nods", true),
            ("Shakes head", true),
            ("she smiles", true),
            ("knock at door", true),
            ("recording paused", true),
            ("sic", true),
            ("ph", true),
            ("?", true),
            ("long pause here", true),
            ("which was awful", false),
            ("the one near us", false),
            ("Laughs at the cost.", false),
            ("photos", false),
            ("spring", false),
            ("sick", false),
            ("Crystal", false),
        ] {
            assert_eq!(is_round_note(inner), note, "{inner:?}");
        }
        assert_eq!(
            without_round_notes("We went to Castleford (ph), which is far."),
            "We went to Castleford  , which is far."
        );
        assert_eq!(
            without_round_notes("The nursery (the one near us) closed."),
            "The nursery (the one near us) closed."
        );
        for t in [
            "The nursery (the one near us) closed.",
            "It was (which was awful) the worst.",
        ] {
            assert!(!is_minimal(t), "{t:?}");
        }
        // Nor are notes words a theme's keywords are weighed on.
        assert_eq!(
            clean("Yeah. (nods) The rent (phone rings) went up (sic)."),
            "Yeah. The rent went up ."
        );
    }

    #[test]
    fn a_surveys_non_answers_are_left_out_of_themes_only() {
        let spoken = SpokenParams::default();
        for t in [
            "Nothing really",
            "None.",
            "none of the above",
            "NA",
            "Nil",
            "idk",
            "Not applicable.",
            "No comment.",
            "No comments",
            "No idea.",
            "Unsure.",
            "Nothing else to add.",
            "Not sure tbh",
        ] {
            assert!(spoken.is_non_answer(t), "{t:?} should be a non-answer");
            assert!(spoken.skips_in_themes(t), "{t:?}");
            assert!(!spoken.skips(t), "{t:?} is still coded");
        }
        // Minimal already and declining (h23/05: one rule with the
        // report's): non-answers, skipped either way.
        for t in ["N/A", "Same as above", "-"] {
            assert!(spoken.is_non_answer(t), "{t:?}");
            assert!(spoken.skips(t), "{t:?}");
        }
        // Saying something: not a non-answer.
        for t in [
            "Nothing beats my own desk.",
            "None of my staff want to go back.",
            "Most residents have no idea how any of this works.",
            "We should add more desks.",
        ] {
            assert!(!spoken.is_non_answer(t), "{t:?}");
        }
        assert!(spoken.skips_in_themes("N/A"));
        assert!(!spoken.skips_in_themes("Nothing beats my own desk."));
        let keep = SpokenParams {
            skip_minimal: false,
            ..SpokenParams::default()
        };
        assert!(!keep.skips_in_themes("Nothing really"));
    }

    /// h23/05: what declines to answer by the report's rule is no theme
    /// either: "Prefer not to say" and the answers that only point to
    /// another ("Same as previous answer", "As per Q2", "Ditto") made a
    /// theme "answer, previous"; a sentence about answering stays.
    #[test]
    fn answers_that_decline_or_point_elsewhere_are_left_out_of_themes() {
        let spoken = SpokenParams::default();
        for t in [
            "Prefer not to say",
            "Same as previous answer",
            "see previous answer",
            "As per Q2",
            "Ditto",
            "See my answer to question 1.",
            "xxx",
            "keine Angabe",
            "Don't know",
            "👍",
        ] {
            assert!(spoken.skips_in_themes(t), "{t:?} should be left out");
            assert!(
                spoken.is_non_answer(t) || spoken.skips(t),
                "{t:?} is a non-answer or minimal"
            );
        }
        for t in [
            "The phone line is never answered.",
            "I'd prefer to say it to a nurse.",
            "See above re parking",
        ] {
            assert!(!spoken.skips_in_themes(t), "{t:?} says something");
        }
        let names: std::collections::BTreeSet<String> = ["adam".to_string()].into();
        assert!(spoken.beside(&names).skips_in_themes("Ditto."));
    }

    #[test]
    fn content_bearing_sentences_are_not() {
        for t in [
            "The cameras in the car park make me feel safer.",
            "We raised our seed round in 2019.",
            "Hiring engineers was hard.",
            "Yeah, the pricing page confused customers.",
            "Privacy matters.",
            // One-word content answers of focus groups (the demo) are kept.
            "And no budget.",
            "And money, of course.",
            "Then staff.",
            r"\[laughs\] That's not fair to the staff.",
            "Right. (Laughs at the cost.)",
            "Right. [laughs",
            "Honestly, the pay is awful.",
            "Lovely garden though.",
            // A bracket of words is speech, a note's root or not.
            "(The music was too loud.)",
            "Yeah (the rent).",
            "(Pause for breath, then the rent.)",
            "The bee stung me.",
        ] {
            assert!(!is_minimal(t), "{t:?} should not be minimal");
        }
    }

    /// hE/01: an interviewer's name is no content word beside them.
    #[test]
    fn an_interviewers_name_is_no_content_word() {
        let names: std::collections::BTreeSet<String> =
            ["adam", "stacoviak"].map(String::from).into();
        let spoken = SpokenParams::default();
        let rule = spoken.beside(&names);
        for t in [
            "Thanks so much, Adam.",
            "Yeah, Adam, exactly.",
            "Cheers, Adam Stacoviak!",
        ] {
            assert!(!spoken.is_minimal(t), "{t:?} alone");
            assert!(
                rule.is_minimal(t) && rule.skips(t) && rule.skips_in_themes(t),
                "{t:?}"
            );
        }
        for t in ["Adam, the pricing was wrong.", "Privacy matters."] {
            assert!(!rule.is_minimal(t), "{t:?}");
        }
        let none = std::collections::BTreeSet::new();
        assert!(!spoken.beside(&none).is_minimal("Thanks so much, Adam."));
    }

    #[test]
    fn threshold_is_configurable() {
        let two = SpokenParams {
            min_content_words: 2,
            ..Default::default()
        };
        assert!(two.is_minimal("Cameras!"));
        assert!(two.is_minimal("Sure, let's hear it."));
        assert!(!two.is_minimal("Privacy matters."));
        assert!(!is_minimal("Cameras!"));
        assert!(is_minimal("Yeah, okay."));
        let off = SpokenParams {
            skip_minimal: false,
            ..Default::default()
        };
        assert!(off.is_minimal("Yeah."));
        assert!(!off.skips("Yeah."));
        assert!(SpokenParams::default().skips("Yeah."));
        let zero = SpokenParams {
            min_content_words: 0,
            ..Default::default()
        };
        assert!(!zero.is_minimal("Yeah."));
        assert!(SpokenParams {
            min_content_words: 21,
            ..Default::default()
        }
        .check()
        .is_err());
    }

    #[test]
    fn content_words_are_counted() {
        assert_eq!(content_word_count("Um, I think the parking lot is full"), 2);
        assert_eq!(content_word_count("Mm-hmm, long-term planning."), 2);
        assert_eq!(content_word_count("I don't know, you know?"), 0);
    }

    /// hp/05: clauses end at clause punctuation.
    #[test]
    fn clauses_end_at_clause_punctuation() {
        let got: Vec<&str> = clauses("I love them dearly, but I'm sixty-eight; tired (very).")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            got,
            ["I love them dearly", "but I'm sixty-eight", "tired", "very"]
        );
    }

    #[test]
    fn cleaning_drops_fillers_and_repeats_only() {
        assert_eq!(
            clean("Um, so I I think the the pricing, uh, was wrong."),
            "so I think the pricing, was wrong."
        );
        assert_eq!(
            clean("You know, we, I mean, we hired fast."),
            // The restart "we, I mean, we" leaves one "we".
            "we, hired fast."
        );
        // "like", "well", "right" are words too: kept.
        assert_eq!(
            clean("I like it well enough, right?"),
            "I like it well enough, right?"
        );
        assert_eq!(clean("very, very good"), "very, good");
        assert_eq!(
            clean(r"So it's, uh, \[laughs\] a [company] thing [inaudible 00:12:01]."),
            "So it's, a thing ."
        );
        assert_eq!(clean(""), "");
    }
}
