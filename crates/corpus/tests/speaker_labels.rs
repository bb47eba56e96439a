//! Speaker labels read end to end (`read_file`): whose sentence each one
//! is, as the store keeps it (hy/02, hy/03, hy/04, hv/01).

use std::path::Path;

use corpus::{read_file, Document, Participants, TableColumns};

fn read(name: &str, text: &str, people: &str, columns: &TableColumns) -> Vec<Document> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let people = if people.is_empty() {
        Participants::default()
    } else {
        Participants::from_csv_bytes(Path::new("participants.csv"), people.as_bytes()).unwrap()
    };
    read_file(&path, name, columns, &people.index()).unwrap()
}

/// (participant id, is moderator, sentence) of each segment.
fn segments(doc: &Document) -> Vec<(Option<&str>, bool, &str)> {
    doc.segments
        .iter()
        .map(|s| (s.participant_id.as_deref(), s.is_moderator, s.text.as_str()))
        .collect()
}

/// hy/02: an Otter export's lower-case header said once is Karen's; her
/// words and the header line were the moderator's sentence.
#[test]
fn an_otter_participant_typed_in_lower_case_speaks_for_herself() {
    let text = "Helen Ward  0:03\nWhat do you think about smart meters?\n\n\
                Tom Baker  0:15\nI like the app.\n\n\
                Helen Ward  0:45\nDoes anyone else feel the same?\n\n\
                karen doyle  0:52\nYeah, same.\n\n\
                Peter Novak  1:02\nI trust them.\n\n\
                Helen Ward  1:20\nThank you all.\n\n\
                Transcribed by https://otter.ai\n";
    let people = "id,name,role\nMOD,Helen Ward,moderator\nG6-01,Tom Baker,participant\n\
                  G6-03,Karen Doyle,participant\nG6-04,Peter Novak,participant\n";
    let docs = read("group6_otter.txt", text, people, &TableColumns::default());
    assert_eq!(
        segments(&docs[0]),
        [
            (Some("MOD"), true, "What do you think about smart meters?"),
            (Some("G6-01"), false, "I like the app."),
            (Some("MOD"), true, "Does anyone else feel the same?"),
            (Some("G6-03"), false, "Yeah, same."),
            (Some("G6-04"), false, "I trust them."),
            (Some("MOD"), true, "Thank you all."),
        ]
    );
    assert_eq!(docs[0].segments[3].start_ms, Some(52_000));
}

/// hy/03 and the same hunter's low finding: `Note taker:`, `Asst.
/// Moderator:` and `Scribe:` are the research team's, neither coded nor
/// counted; before, the note-taker's words were Anna's and Ben's.
#[test]
fn the_note_taker_assistant_moderator_and_scribe_moderate() {
    let text = "Moderator: What do you think about data sharing?\n\
                Anna: It's risky.\n\
                Note taker: Sorry, could you repeat that?\n\
                Anna: I said it's risky.\n\
                Ben: I don't mind.\n\
                NOTE TAKER: Carla has joined.\n\
                Asst. Moderator: Shall I pass the cards round?\n\
                Scribe: Noted.\n\
                Carla: Sorry I'm late.\n";
    let docs = read("group3.txt", text, "", &TableColumns::default());
    assert_eq!(
        segments(&docs[0]),
        [
            (
                Some("Moderator"),
                true,
                "What do you think about data sharing?"
            ),
            (Some("Anna"), false, "It's risky."),
            (Some("Note taker"), true, "Sorry, could you repeat that?"),
            (Some("Anna"), false, "I said it's risky."),
            (Some("Ben"), false, "I don't mind."),
            (Some("NOTE TAKER"), true, "Carla has joined."),
            (
                Some("Asst. Moderator"),
                true,
                "Shall I pass the cards round?"
            ),
            (Some("Scribe"), true, "Noted."),
            (Some("Carla"), false, "Sorry I'm late."),
        ]
    );
}

/// hy/04: `Participants:` in the dialogue is the group (no participant);
/// the header line that lists them stays the header's.
#[test]
fn participants_answering_together_are_no_ones() {
    let text = "Participants: Dave, Fiona, Irene\nDate: 12 May 2024\n\n\
                Moderator: Has anyone had their data leaked?\n\
                Fiona: Yes, my fitness app had a breach.\n\
                Participants: [laughter] Yes, loads of us.\n\
                Irene: My photos were exposed.\n\
                Participants: Yeah.\n";
    let docs = read("group2.txt", text, "", &TableColumns::default());
    let doc = &docs[0];
    assert_eq!(
        segments(doc),
        [
            (Some("Moderator"), true, "Has anyone had their data leaked?"),
            (Some("Fiona"), false, "Yes, my fitness app had a breach."),
            (None, false, "[laughter] Yes, loads of us."),
            (Some("Irene"), false, "My photos were exposed."),
            (None, false, "Yeah."),
        ]
    );
    let speakers: Vec<Option<&str>> = doc.turns.iter().map(|t| t.speaker.as_deref()).collect();
    assert_eq!(
        speakers,
        [
            Some("Moderator"),
            Some("Fiona"),
            Some("Participants"),
            Some("Irene"),
            Some("Participants"),
        ]
    );
}

/// hv/01: a panel's two waves of the same respondents `R1`…`R4` are four
/// people, each id as written in both waves; before, `wave1.csv/R1` and
/// `wave2.csv/R1` (N 8 for 4). Needs `formats::table::respondent_role` to
/// give the respondent role to every id that does not resolve as written
/// (`resolve::resolves_as_written`), not only to those `label_role` reads
/// as no name.
#[test]
fn a_panels_respondents_are_the_same_people_in_every_wave() {
    let columns = TableColumns {
        speaker: "Respondent ID".into(),
        speaker_required: true,
        questions: vec!["What was hardest?".into()],
        attributes: vec!["Team".into()],
        ..TableColumns::default()
    };
    let mut ids = Vec::new();
    for wave in ["wave1.csv", "wave2.csv"] {
        let text = "Respondent ID,Team,What was hardest?\n\
                    R1,Ward A,Night shifts.\nR2,Ward B,The records system.\n\
                    R3,Ward A,Covering for colleagues.\nR4,Ward B,Parking.\n";
        for doc in read(wave, text, "", &columns) {
            ids.extend(
                doc.segments
                    .iter()
                    .filter(|s| !s.is_moderator)
                    .filter_map(|s| s.participant_id.clone()),
            );
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids, ["R1", "R2", "R3", "R4"]);
}
