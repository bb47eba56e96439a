//! Whether an answer declines to answer its question: "N/A", "-", "No
//! comment.", "Prefer not to say", "Don't know", "See above", "👍", "xxx",
//! "keine Angabe". The one rule the report's "of N who answered" (a
//! respondent who typed it did not answer), the themes' exclusion (it is
//! no theme) and the code stage (it is never machine-coded) read; this is
//! the lowest crate all three use. docs/report.md ("By question"),
//! docs/themes.md ("A survey's non-answers"), docs/classify.md ("A
//! survey's open answers").
//!
//! "Nothing" and "No" are answers ("What is the hardest part?"
//! "Nothing."), so they are not non-answers here; they say nothing to
//! cluster, which [`NON_ANSWER_WORDS`] is for.

/// Marks of a missing answer, as survey tools export and respondents type
/// them (lower case, curly apostrophes straight, one space between words,
/// without a closing full stop). "Nothing" and "No" are answers ("What is
/// the hardest part?" "Nothing."), so they are not here; nor is "nada"
/// ("nothing").
const DECLINING: &[&str] = &[
    "n/a",
    "na",
    "n.a",
    "n\\a",
    "#n/a",
    "x",
    "not applicable",
    "no answer",
    "no response",
    "no comment",
    "no comments",
    "prefer not to say",
    "prefer not to answer",
    "prefer not to comment",
    "i prefer not to say",
    "i'd prefer not to say",
    "i'd rather not say",
    "rather not say",
    "skip",
    "skipped",
    "pass",
    "blank",
    "(blank)",
    "[blank]",
    "(no answer)",
    "[no answer]",
    "nan",
    "null",
    // The stock replies to "Anything else you would like to tell us?":
    // they decline the question, whichever it is.
    "nothing to add",
    "nothing more to add",
    "nothing else to add",
    "nothing further to add",
    "nothing further",
    "nothing to report",
    "nothing to say",
    "nothing more to say",
    "nothing else to say",
    "no further comment",
    "no further comments",
    "no other comments",
    "no additional comments",
    "no more comments",
    // Don't know: item non-response in a survey's terms (coded DK, out of
    // the substantive base), as data/survey's README and docs/classify.md
    // already called "idk" (h23/04).
    "don't know",
    "dont know",
    "do not know",
    "i don't know",
    "i dont know",
    "i do not know",
    "idk",
    "dk",
    "dunno",
    "i dunno",
    "no idea",
    "no clue",
    "not a clue",
    "not sure",
    "i'm not sure",
    "im not sure",
    "i am not sure",
    "unsure",
    "can't say",
    "cant say",
    "cannot say",
    "no opinion",
    // Other languages' marks of the same (h23/07): German, French,
    // Spanish, Portuguese, Italian, Dutch. Their "nothing" ("nada",
    // "rien", "nichts") answers, as "Nothing" does.
    "keine angabe",
    "keine angaben",
    "k.a",
    "k. a",
    "kein kommentar",
    "keine kommentare",
    "keine ahnung",
    "weiß nicht",
    "weiss nicht",
    "ich weiß nicht",
    "ich weiss nicht",
    "entfällt",
    "nichts hinzuzufügen",
    "ras",
    "r.a.s",
    "rien à signaler",
    "rien a signaler",
    "rien à ajouter",
    "rien a ajouter",
    "pas de commentaire",
    "pas de commentaires",
    "aucun commentaire",
    "sans commentaire",
    "sans objet",
    "non applicable",
    "je ne sais pas",
    "ne sais pas",
    "sais pas",
    "sin comentarios",
    "sin comentario",
    "sin respuesta",
    "no aplica",
    "no sé",
    "no se",
    "ns/nc",
    "nada que añadir",
    "nada que agregar",
    "nada a declarar",
    "nada a acrescentar",
    "sem comentários",
    "sem comentarios",
    "não sei",
    "nessun commento",
    "non so",
    "non saprei",
    "n.v.t",
    "nvt",
    "geen commentaar",
    "geen opmerkingen",
    "geen idee",
    "weet ik niet",
    // Other languages' "see above" (see [`is_cross_reference`]).
    "siehe oben",
    "s.o",
    "wie oben",
    "voir ci-dessus",
    "voir plus haut",
    "idem",
    "ídem",
    "ver arriba",
    "igual que arriba",
    "zie boven",
    "zie hierboven",
    "come sopra",
    "vedi sopra",
];

/// What a respondent adds to a declining reply ("No comments, thanks",
/// "Nothing to add at this time"), lower case, the longer forms first.
const COURTESIES: &[&str] = &[
    "thank you for asking us",
    "thanks for asking us",
    "thank you for asking",
    "thanks for asking",
    "thank you very much",
    "thanks very much",
    "thanks so much",
    "thank you",
    "thanks",
    "cheers",
    "at this time",
    "at the moment",
    "at present",
    "for now",
    "merci",
    "danke",
    "gracias",
];

/// Words a declining reply is hedged with ("Not sure tbh", "I honestly
/// don't know.", "Sorry, no idea."): left out wherever they stand, a
/// reply is declining when what is left is one of [`DECLINING`] ("Nothing
/// really." leaves "Nothing", an answer). Phrases as word sequences.
const HEDGES: &[&[&str]] = &[
    &["to", "be", "honest"],
    &["i'm", "afraid"],
    &["i", "am", "afraid"],
    &["honestly"],
    &["really"],
    &["tbh"],
    &["sorry"],
    &["um"],
    &["erm"],
    &["uh"],
    &["hmm"],
];

/// Words of a sentence that points to another answer instead of giving
/// one ("See above", "Same as my answer to Q2"), besides the leads and the
/// places below; a sentence of any other word says something of its own.
const REFERENCE_WORDS: &[&str] = &[
    "please",
    "pls",
    "to",
    "as",
    "i",
    "it",
    "my",
    "the",
    "in",
    "for",
    "with",
    "on",
    "of",
    "at",
    "again",
    "also",
    "this",
    "that",
    "one",
    "answer",
    "answers",
    "answered",
    "response",
    "responses",
    "comment",
    "comments",
    "reply",
    "replies",
    "question",
    "questions",
    "section",
    "box",
    "point",
    "points",
    "item",
    "part",
    "page",
    "number",
    "no",
    "nr",
    "first",
    "second",
    "third",
    "other",
    "already",
];

/// The words that make a sentence point elsewhere: one must lead it ("see",
/// "same as", "as per", "ditto", "refer to", "as I said"). "Like" and
/// "same" do not lead alone: "Like above" does, "Same" alone is minimal.
const REFERENCE_LEADS: &[&str] = &[
    "see",
    "cf",
    "refer",
    "same",
    "per",
    "ditto",
    "ibid",
    "like",
    "answered",
    "covered",
    "mentioned",
    "stated",
    "said",
    "given",
    "as",
];

/// Where a reference points: it must name one ("above", "previous", a
/// question's number). "Before", "earlier" and "last" name one only
/// beside an answer's noun or a verb of saying ("as I said before", "same
/// as my last answer"): "Same as before." to "How is the pain?" answers.
const REFERENCE_PLACES: &[&str] = &[
    "above",
    "below",
    "previous",
    "previously",
    "prior",
    "ditto",
    "ibid",
    "aforementioned",
];

/// Places that point only beside an answer's noun or a verb of saying.
const REFERENCE_TIMES: &[&str] = &["before", "earlier", "last"];

/// Nouns and verbs beside which [`REFERENCE_TIMES`] point to an answer.
const REFERENCE_NOUNS: &[&str] = &[
    "answer",
    "answers",
    "answered",
    "response",
    "responses",
    "comment",
    "comments",
    "reply",
    "replies",
    "question",
    "questions",
    "section",
    "box",
    "point",
    "points",
    "mentioned",
    "stated",
    "said",
    "given",
];

/// The content words of a survey's non-answers, "nothing" answers
/// included ("Nothing really.", "None.", "idk", "NA", "Not applicable.",
/// "No comment.", "No idea."): a sentence whose only content words are
/// these says nothing to cluster. The themes crate reads it
/// (`themes::spoken::NON_ANSWER_WORDS`, `SpokenParams::is_non_answer`):
/// "Nothing." answers its question (the report counts it, [`is_non_answer`]
/// does not take it), but clustered such answers made a theme of their
/// own (data/survey: "nothing", 57 sentences).
pub const NON_ANSWER_WORDS: &[&str] = &[
    "nothing",
    "none",
    "nil",
    "idk",
    "na",
    "unsure",
    "applicable",
    "comment",
    "comments",
    "idea",
    // "Nothing else to add.", "Not sure tbh."
    "else",
    "add",
    "tbh",
    // Other languages' "nothing", which answers as "Nothing" does.
    "nada",
    "rien",
    "nichts",
    "niets",
    "niente",
];

/// Whether `text` declines to answer its question: a survey's mark of a
/// missing answer ("N/A", "-", "No comment.", "Prefer not to say",
/// [`DECLINING`]), with its courtesies, brackets and hedges ("No comments,
/// thanks.", "(no response)", "Not sure tbh"); marks alone however many
/// and of whatever script ("??", "……", "👍", "✔": no letter or digit,
/// h23/02); the "x" placeholder ("xx", "XXX") and one letter typed three
/// times or more ("aaa", h23/03); don't know ("idk", "No idea", "Not
/// sure", h23/04); a sentence that only points to another answer ("See
/// above", "Same as previous answer", "Ditto", "As per Q2": it does not
/// answer this question, and its codes are not carried over, h23/06,
/// [`is_cross_reference`]); and other languages' marks ("keine Angabe",
/// "k.A.", "RAS", "sin comentarios", "n.v.t.", h23/07).
///
/// "Nothing", "None" and "No" answer ("What is the hardest part?"
/// "Nothing."), and so does any sentence with a word of its own ("idk,
/// probably money", "Nothing to add, except the parking.").
pub fn is_non_answer(text: &str) -> bool {
    let lower = plain(text);
    // Marks alone, however many and of whatever script ("??", "-.-",
    // "……", "👍", "✔️"), say nothing; so does an empty text.
    if !lower.chars().any(char::is_alphanumeric) {
        return true;
    }
    let mut t = trim_closing(&lower);
    if declines(t) {
        return true;
    }
    // The same with its courtesies: "No comments, thanks.", "N/A, thank
    // you!", "Nothing to add at this time.", "(no response)" counted as
    // answers (a closing question's "of N who answered" 7 where 2 had).
    loop {
        let before = t;
        if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            t = trim_closing(inner);
        }
        for courtesy in COURTESIES {
            if let Some(rest) = t.strip_suffix(courtesy) {
                t = rest.trim_end_matches([' ', ',', ';', '-', '.', '!']);
            }
        }
        if t == before {
            break;
        }
    }
    if declines(t) || (t != trim_closing(&lower) && t.is_empty()) {
        return true;
    }
    // Hedged: "Not sure tbh", "Sorry, no idea.", "I honestly don't know."
    let unhedged = without_hedges(t);
    !unhedged.is_empty() && unhedged != t && declines(&unhedged)
}

/// `text` lower case, curly apostrophes straight, its white space one space.
fn plain(text: &str) -> String {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '`'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `t` without its closing marks (". ! ? …") and white space.
fn trim_closing(t: &str) -> &str {
    t.trim().trim_end_matches(['.', '!', '?', '…', ' ']).trim()
}

/// Whether `t` ([`plain`], closing marks off) is a mark on its own.
fn declines(t: &str) -> bool {
    !t.chars().any(char::is_alphanumeric)
        || DECLINING.contains(&t)
        || is_placeholder(t)
        || is_cross_reference(t)
}

/// The "x" a required box is filled with, however many ("xx", "xxx"), or
/// one letter three times or more ("aaa", "zzz"): keyboard filler, no
/// word. h23/03: "x" was a non-answer, "xx" and "xxx" answers.
fn is_placeholder(t: &str) -> bool {
    let mut letters = t.chars();
    let Some(first) = letters.next().filter(|c| c.is_alphabetic()) else {
        return false;
    };
    let n = 1 + t.chars().skip(1).take_while(|&c| c == first).count();
    n == t.chars().count() && (first == 'x' || n >= 3)
}

/// `t`'s words, [`HEDGES`] left out, one space between them; punctuation
/// between words (", ") taken off.
fn without_hedges(t: &str) -> String {
    let words: Vec<&str> = t
        .split([' ', ','])
        .map(|w| w.trim_matches([',', ';', '.', '!', '?', '-', ':']))
        .filter(|w| !w.is_empty())
        .collect();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for hedge in HEDGES {
            if words[i..].starts_with(hedge) {
                i += hedge.len();
                continue 'words;
            }
        }
        kept.push(words[i]);
        i += 1;
    }
    kept.join(" ")
}

/// Whether `t` ([`plain`]) only points to another answer: "See above", "As
/// above", "Same as previous answer", "see my answer to Q1", "Ditto", "As
/// per Q2", "As I said before". Such a sentence does not answer this
/// question (a respondent's codes stay on the answer it points to; they
/// are not carried over), as data/survey's gold leaves "see above"
/// uncoded (h23/06). Every word must be a lead ([`REFERENCE_LEADS`]), a
/// place ([`REFERENCE_PLACES`], [`REFERENCE_TIMES`]), a question's number
/// ("Q2", "question 3", "#4") or one of [`REFERENCE_WORDS`], with a lead
/// and a place among them: "See above re parking" says something, "Same
/// as before." and "As I said." name no answer.
pub fn is_cross_reference(t: &str) -> bool {
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '/'))
        .map(|w| w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '#' || c == '\'')))
        .filter(|w| !w.is_empty())
        .collect();
    let (mut lead, mut place) = (false, false);
    let noun = words.iter().any(|w| REFERENCE_NOUNS.contains(w));
    for (i, w) in words.iter().enumerate() {
        let numbered = is_question_number(w)
            || (w.chars().all(|c| c.is_ascii_digit())
                && i > 0
                && matches!(
                    words[i - 1],
                    "question" | "q" | "number" | "no" | "nr" | "item"
                ));
        if REFERENCE_PLACES.contains(w) || numbered {
            place = true;
        } else if REFERENCE_TIMES.contains(w) {
            place |= noun;
        } else if *w == "q"
            && words
                .get(i + 1)
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        {
            // "Q 2": the number makes the place.
        } else if !REFERENCE_WORDS.contains(w) && !REFERENCE_LEADS.contains(w) {
            return false;
        }
        // "Like" and "same" lead only as the first word ("Same as Q1",
        // "Like above"); "as" anywhere ("see as above").
        lead |= REFERENCE_LEADS.contains(w) && (i == 0 || !matches!(*w, "like" | "same"));
        lead |= *w == "ditto" || *w == "ibid";
    }
    lead && place
}

/// "q2", "q.2", "#3", "q#4": a question's number as survey answers cite it.
fn is_question_number(w: &str) -> bool {
    let rest = w
        .strip_prefix('q')
        .map(|r| r.trim_start_matches(['.', '#']))
        .or_else(|| w.strip_prefix('#'));
    rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::{is_cross_reference, is_non_answer};

    /// No sentence the project's golds code is one this rule calls a
    /// non-answer: the rule leaves out nothing a coder coded
    /// (data/survey's "idk, probably money" is coded and answers), and it
    /// does take the survey's uncoded "see above", "idk", "N/A".
    #[test]
    fn the_golds_code_no_non_answer() {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let mut declining_uncoded = Vec::new();
        for corpus in ["survey", "interviews", "demo"] {
            let path = data.join(corpus).join("gold.jsonl");
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let item: serde_json::Value = serde_json::from_str(line).unwrap();
                let said = item["text"].as_str().unwrap();
                let coded = !item["labels"].as_array().unwrap().is_empty();
                if is_non_answer(said) {
                    assert!(!coded, "{corpus}: {said:?} is coded {}", item["labels"]);
                    if corpus == "survey" {
                        declining_uncoded.push(said.to_string());
                    }
                }
            }
        }
        for t in ["see above", "idk", "N/A", "No comment", "Not sure tbh"] {
            assert!(declining_uncoded.iter().any(|d| d == t), "{t:?}");
        }
    }

    #[test]
    fn stock_replies_decline_and_short_answers_answer() {
        for t in [
            "N/A",
            "-",
            "No comment.",
            "Nothing to add.",
            "no further comments",
            "Nothing further!",
            // With courtesies and brackets (hY/04).
            "No comments, thanks.",
            "Nothing to add at this time.",
            "(no response)",
            "N/A, thank you!",
            "No further comments at this time.",
            "Nothing more to add for now, thanks!",
            "Thank you.",
            "Thanks!",
            "(No response.)",
            // hv: marks alone, a backslash, thanks for the survey itself.
            "??",
            "N\\A",
            "Thanks for asking us.",
            "Nothing to add, thank you for asking!",
            "",
            ".",
        ] {
            assert!(is_non_answer(t), "{t:?}");
        }
        // "What is the hardest part?" "Nothing." answers the question.
        for t in [
            "Nothing.",
            "No",
            "None of it helps.",
            "Nothing to add, except the parking.",
            "Nothing really.",
            "No, thanks to the new manager.",
            "(The parking, thanks.)",
            "Nada.",
            "all good",
            "Sorry.",
            "Honestly.",
        ] {
            assert!(!is_non_answer(t), "{t:?}");
        }
    }

    /// h23/02: an emoji, a tick or a Unicode ellipsis alone answers
    /// nothing, as "??" does; a digit or a letter is something.
    #[test]
    fn marks_of_any_script_alone_decline() {
        for t in [
            "👍", "✔", "✔️", "🙂", "……", "••", "…", "— —", "👍👍", "¿?", "«»", "***",
        ] {
            assert!(is_non_answer(t), "{t:?}");
        }
        for t in ["5", "10/10", "👍 great staff", "A+", "✔ parking"] {
            assert!(!is_non_answer(t), "{t:?}");
        }
    }

    /// h23/03: "xx" and "xxx" are the "x" placeholder; one letter three
    /// times is filler; a word is not.
    #[test]
    fn the_x_placeholder_and_one_letter_typed_over_decline() {
        for t in ["x", "X", "xx", "xxx", "XXX.", "aaa", "zzzz"] {
            assert!(is_non_answer(t), "{t:?}");
        }
        for t in ["a", "aa", "ok", "xray", "xxl", "Taxi"] {
            assert!(!is_non_answer(t), "{t:?}");
        }
    }

    /// h23/04: don't know is item non-response; an answer after it is an
    /// answer (data/survey's gold codes "idk, probably money").
    #[test]
    fn dont_know_declines() {
        for t in [
            "Don't know",
            "Don’t know.",
            "idk",
            "IDK!",
            "No idea.",
            "Not sure",
            "not sure",
            "Unsure.",
            "dunno",
            "I honestly don't know.",
            "Not sure to be honest.",
            "Not sure tbh",
            "Sorry, no idea.",
            "I'm not sure, thanks.",
        ] {
            assert!(is_non_answer(t), "{t:?}");
        }
        for t in [
            "idk, probably money",
            "idk maybe coworking",
            "Not sure the new system helps.",
            "No idea how to book a room.",
            "I don't know anyone at work.",
            "i dont know anyone",
        ] {
            assert!(!is_non_answer(t), "{t:?}");
        }
    }

    /// h23/06: a sentence that only points to another answer does not
    /// answer this question; one that names a topic does.
    #[test]
    fn an_answer_that_points_elsewhere_declines() {
        for t in [
            "See above",
            "see above.",
            "As above",
            "Same as above",
            "same as above",
            "Same as previous answer",
            "see previous answer",
            "See my previous answer.",
            "Ditto",
            "Ditto.",
            "See Q1",
            "As per Q2",
            "as per q.2",
            "Same as Q1.",
            "See my answer to question 1",
            "Please refer to my answer above.",
            "As I said before.",
            "As mentioned above",
            "Already answered above.",
            "Same as my last answer",
            "See above, thanks.",
            "Siehe oben",
            "Idem",
        ] {
            assert!(is_non_answer(t), "{t:?}");
        }
        for t in [
            "See above re parking",
            "Same as before.",
            "As I said.",
            "Same",
            "Same as last year.",
            "The phone line is never answered.",
            "Above all, the staff were kind.",
            "The previous manager was better.",
            "See a doctor sooner.",
            "Q1 was confusing.",
        ] {
            assert!(!is_non_answer(t), "{t:?}");
        }
        assert!(is_cross_reference("see above"));
        assert!(!is_cross_reference("see the doctor above the pharmacy"));
    }

    /// h23/07: other languages' marks of no answer; their "nothing"
    /// answers, as "Nothing" does.
    #[test]
    fn other_languages_marks_decline() {
        for t in [
            "keine Angabe",
            "Keine Angaben",
            "k.A.",
            "K.A.",
            "sin comentarios",
            "sin respuesta",
            "RAS",
            "R.A.S.",
            "Rien à signaler.",
            "pas de commentaire",
            "n.v.t.",
            "NVT",
            "Keine Ahnung",
            "Je ne sais pas",
        ] {
            assert!(is_non_answer(t), "{t:?}");
        }
        for t in [
            "nada",
            "Rien.",
            "Nichts",
            "Ras le bol des retards.",
            "Keine Parkplätze.",
        ] {
            assert!(!is_non_answer(t), "{t:?}");
        }
    }
}
