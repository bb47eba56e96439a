//! The participants file: a CSV with `id`, `name`, optional `document`, and
//! any attribute columns (`group`, `role`, `age_band`, …). Speakers are found
//! by name (trimmed, case-insensitive), a name scoped to a document first;
//! failing that by id, so transcripts may also label turns `P07:`. A
//! `document` cell may name several transcripts, separated by `;` (one
//! person interviewed in two sessions).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use crate::error::{IngestError, Result};
use crate::speaker::is_moderator_role;
use crate::{Participant, Participants};

/// The names a participants file's id column goes by, preferred first
/// (compared as [`crate::formats::find_column`] does). Before, only `id`
/// was read, and a file headed `Participant ID` was an error.
const ID_COLUMNS: &[&str] = &[
    "id",
    "participant id",
    "participantid",
    "participant code",
    "participant number",
    "participant no",
    "participant no.",
    "pid",
    "respondent id",
    "respondentid",
    "response id",
    "responseid",
    "speaker id",
    "case id",
    // REDCap's `record_id` (`Record ID` in its labels export) and trackers'
    // study and subject ids: before, beside a pseudonym column the
    // pseudonyms became the ids and these an attribute (hl/04).
    "record id",
    "study id",
    "subject id",
    // Columns of ids under a plain heading, beside a name column
    // (`Participant, Pseudonym, Site`); alone, the one column is both.
    "participant",
    "case",
    "case name",
    "respondent",
];

/// The [`ID_COLUMNS`] whose heading says less than "id": read as ids only
/// where their cells are all different.
const PLAIN_ID_HEADINGS: &[&str] = &["participant", "case", "case name", "respondent"];

/// The names a participants file's name column goes by, preferred first:
/// the name a transcript's labels use.
const NAME_COLUMNS: &[&str] = &[
    "name",
    "participant name",
    "speaker name",
    "speaker",
    "pseudonym",
    "participant",
    "respondent",
    "display name",
    "full name",
    "fullname",
    // A tracker's first names, which focus-group labels use (hl/04).
    "first name",
    "given name",
    "forename",
];

/// The columns a participants file says a person's part in the study in,
/// compared with `_` and `-` read as spaces: a facilitator listed under
/// `Participant type` or `Role in study` was counted and coded (hl/03).
const ROLE_COLUMNS: &[&str] = &[
    "role",
    "participant role",
    "role in study",
    "study role",
    "participant type",
    "type",
    "participant category",
    "category",
];

/// A survey tool, known by columns its every export has, with the columns
/// it writes of its own beside the answers: when and how a response came
/// in, from where and from whom (an IP address, GPS coordinates, an
/// e-mail). None of them is an attribute of a participant: an export used
/// as the participants file made them case attributes, crosstab groups of
/// one person each and the .qdpx's case variables (h11/02). One list, for
/// the participants file and the survey table reader
/// (`formats::table`) alike.
#[derive(Debug)]
pub(crate) struct SurveyTool {
    pub name: &'static str,
    /// The columns that mark its export, every one of them there (the
    /// first its first column where `sign_first` says so).
    pub signs: &'static [&'static str],
    pub sign_first: bool,
    /// Its own columns, as it heads them.
    pub metadata: &'static [&'static str],
}

/// Qualtrics' current CSV and Excel exports (`ResponseId`, then a row of
/// question texts and one of `{"ImportId":…}` cells).
pub(crate) const QUALTRICS: SurveyTool = SurveyTool {
    name: "Qualtrics",
    signs: &["ResponseId", "RecordedDate"],
    sign_first: false,
    metadata: &[
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    ],
};

/// Google Forms' responses sheet: its first column is always `Timestamp`.
pub(crate) const GOOGLE_FORMS: SurveyTool = SurveyTool {
    name: "Google Forms",
    signs: &["Timestamp"],
    sign_first: true,
    metadata: &["Timestamp", "Email address"],
};

/// Microsoft Forms' `.xlsx` (`ID`, `Start time`, `Completion time`,
/// `Email`, `Name`, then the questions).
pub(crate) const MICROSOFT_FORMS: SurveyTool = SurveyTool {
    name: "Microsoft Forms",
    signs: &["Start time", "Completion time"],
    sign_first: false,
    metadata: &[
        "Start time",
        "Completion time",
        "Last modified time",
        "Email",
    ],
};

/// SurveyMonkey's export (`Respondent ID`, `Collector ID`, …).
pub(crate) const SURVEYMONKEY: SurveyTool = SurveyTool {
    name: "SurveyMonkey",
    signs: &["Respondent ID", "Collector ID"],
    sign_first: false,
    metadata: &[
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ],
};

/// Prolific's "Download demographic data" export: the submission's own
/// columns, then the participant's profile (`Age`, `Sex`, `Country of
/// residence`, …), which are attributes. Before, the submission id, its
/// four timestamps, `Time taken` and `Completion code` were attributes too,
/// a crosstab of one-person groups each (h17/01).
pub(crate) const PROLIFIC: SurveyTool = SurveyTool {
    name: "Prolific",
    signs: &["Submission id", "Participant id", "Started at"],
    sign_first: false,
    metadata: &[
        "Submission id",
        "Participant id",
        "Status",
        "Custom study tncs accepted at",
        "Started at",
        "Completed at",
        "Reviewed at",
        "Archived at",
        "Time taken",
        "Completion code",
        "Total approvals",
    ],
};

/// Prolific's older export, headed in snake case (`session_id`,
/// `participant_id`, `entered_code`, …).
pub(crate) const PROLIFIC_SNAKE_CASE: SurveyTool = SurveyTool {
    name: "Prolific",
    signs: &["session_id", "participant_id", "entered_code"],
    sign_first: false,
    metadata: &[
        "session_id",
        "participant_id",
        "status",
        "started_datetime",
        "completed_date_time",
        "reviewed_at_datetime",
        "time_taken",
        "entered_code",
        "num_approvals",
        "num_rejections",
        "prolific_score",
    ],
};

/// Alchemer's (formerly SurveyGizmo's) export: its first columns say how a
/// response came in, and from where by its IP address (GPS coordinates,
/// city, postal code). Before, each was an attribute (h17/01).
pub(crate) const ALCHEMER: SurveyTool = SurveyTool {
    name: "Alchemer",
    signs: &["Response ID", "Time Started", "Date Submitted", "SessionID"],
    sign_first: false,
    metadata: &[
        "Response ID",
        "Time Started",
        "Date Submitted",
        "Status",
        "Contact ID",
        "Legacy Comments",
        "Comments",
        "Language",
        "Referer",
        "Extended Referer",
        "SessionID",
        "User Agent",
        "Extended User Agent",
        "Tags",
        "IP Address",
        "Longitude",
        "Latitude",
        "Country",
        "City",
        "State/Region",
        "Region",
        "Postal",
    ],
};

/// LimeSurvey's export with question codes as headings (`id`,
/// `submitdate`, `lastpage`, `startlanguage`, …).
pub(crate) const LIMESURVEY: SurveyTool = SurveyTool {
    name: "LimeSurvey",
    signs: &["submitdate", "lastpage", "startlanguage"],
    sign_first: false,
    metadata: &[
        "id",
        "token",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "startdate",
        "datestamp",
        "ipaddr",
        "refurl",
    ],
};

/// LimeSurvey's export with "Full question text" headings (`Response ID`,
/// `Date submitted`, `Last page`, `Start language`, …).
pub(crate) const LIMESURVEY_FULL_TEXT: SurveyTool = SurveyTool {
    name: "LimeSurvey",
    signs: &["Date submitted", "Last page", "Start language"],
    sign_first: false,
    metadata: &[
        "Response ID",
        "Token",
        "Access code",
        "Date submitted",
        "Last page",
        "Start language",
        "Seed",
        "Date started",
        "Date last action",
        "IP address",
        "Referrer URL",
    ],
};

/// The tools known, each by all its signs together: a tracker's own
/// `Status`, `Country` or `Language` column alone marks no tool's export.
const SURVEY_TOOLS: &[&SurveyTool] = &[
    &QUALTRICS,
    &GOOGLE_FORMS,
    &MICROSOFT_FORMS,
    &SURVEYMONKEY,
    &PROLIFIC,
    &PROLIFIC_SNAKE_CASE,
    &ALCHEMER,
    &LIMESURVEY,
    &LIMESURVEY_FULL_TEXT,
];

impl SurveyTool {
    /// Whether `header` is `name` as the tool heads it: case and white
    /// space aside.
    pub fn heads(header: &str, name: &str) -> bool {
        let words = |s: &str| {
            s.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        words(header) == words(name)
    }

    /// Whether a table headed `headers` is this tool's export.
    pub fn exported(&self, headers: &[String]) -> bool {
        let has = |name: &&str| headers.iter().any(|h| Self::heads(h, name));
        self.signs.iter().all(has)
            && (!self.sign_first
                || headers
                    .first()
                    .zip(self.signs.first())
                    .is_some_and(|(h, s)| Self::heads(h, s)))
    }

    /// Whether `header` heads one of the tool's own columns.
    pub fn is_metadata(&self, header: &str) -> bool {
        self.metadata.iter().any(|m| Self::heads(header, m))
    }
}

/// A survey tool's own columns a participants file left out
/// ([`SurveyTool`]): said once, when the file is read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SurveyColumnsLeftOut {
    /// The participants file.
    pub file: String,
    /// The survey tool whose export it is (`Qualtrics`).
    pub tool: &'static str,
    /// The columns left out that held a value, as the file's columns are
    /// read (lower case).
    pub columns: Vec<String>,
}

impl std::fmt::Display for SurveyColumnsLeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is a {} export: its own columns {} are not participant attributes and were left out (rename a column's header in the file to keep it as an attribute)",
            self.file,
            self.tool,
            self.columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Whether `attributes` (a participants file's columns) say the person
/// moderates ([`ROLE_COLUMNS`], [`is_moderator_role`]).
fn role_moderates(attributes: &BTreeMap<String, String>) -> bool {
    attributes.iter().any(|(k, v)| {
        crate::formats::find_column(&[k.to_lowercase()], ROLE_COLUMNS).is_some()
            && is_moderator_role(v)
    })
}

/// Where a participants table's column names are: 0 for its first row
/// (`headers`), `i` for its `i`th row below (a title or a version line
/// above the names), `None` where none of its first ten rows names an id or
/// a name column. A band of group headings merged over the column names
/// (`Participant` over `ID` and `Name`, `Demographics` over `Gender` and
/// `Age`) is passed over for the names below it ([`is_band_over`]).
fn header_row(headers: &[String], rows: &[crate::formats::CaseRow]) -> Option<usize> {
    // NVivo's classification sheet: an unnamed first column of cases.
    let nvivo = headers.first().is_some_and(|h| h.trim().is_empty()) && headers.len() > 1;
    if nvivo && !names_people(headers) {
        return Some(0);
    }
    let row = |at: usize| -> Option<Vec<String>> {
        match at {
            0 => Some(headers.to_vec()),
            _ => rows
                .get(at - 1)
                .map(|r| r.record.iter().map(str::to_string).collect()),
        }
    };
    let at = (0..=10).find(|&at| row(at).is_some_and(|cells| names_people(&cells)))?;
    match (row(at), row(at + 1)) {
        (Some(band), Some(below)) if is_band_over(&band, &below) => Some(at + 1),
        _ => Some(at),
    }
}

/// Whether `cells` name an id or a name column.
fn names_people(cells: &[String]) -> bool {
    let cells: Vec<String> = cells.iter().map(|c| c.trim().to_lowercase()).collect();
    crate::formats::find_column(&cells, ID_COLUMNS).is_some()
        || crate::formats::find_column(&cells, NAME_COLUMNS).is_some()
}

/// Whether `band`, a row naming people only by a plain heading
/// ([`PLAIN_ID_HEADINGS`]: `Participant`, `Respondent`), is a row of group
/// headings merged over the row `below`, which names an id or a name
/// column in more cells than `band` fills (a merged cell holds its text in
/// its first cell only). Before, such a band was the header, and the row
/// of column names a participant called `ID` (h6/02).
fn is_band_over(band: &[String], below: &[String]) -> bool {
    let filled = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    let plain_only = {
        let cells: Vec<String> = band
            .iter()
            .map(|c| c.trim().to_lowercase())
            .map(|c| {
                let plain =
                    crate::formats::find_column(std::slice::from_ref(&c), PLAIN_ID_HEADINGS);
                if plain.is_some() {
                    String::new()
                } else {
                    c
                }
            })
            .collect();
        !names_people(&cells)
    };
    plain_only && names_people(below) && filled(below) > filled(band)
}

/// A note typed in a participants table's first cell below or between the
/// rows ("Note: P03 withdrew 02/04", "NB …", "* pseudonym to follow"): no
/// participant's id holds a colon and a space, or starts so.
fn is_note(cell: &str) -> bool {
    let lower = cell.to_lowercase();
    cell.contains(": ")
        || ["note", "nb ", "nb:", "n.b.", "*", "key:"]
            .iter()
            .any(|w| lower.starts_with(w))
}

impl Participants {
    /// Reads a participants CSV file.
    pub fn from_csv_path(path: &Path) -> Result<Participants> {
        let bytes = crate::read_input(path)?;
        Self::from_csv_bytes(path, &bytes)
    }

    /// Reads a participants file as [`Self::from_csv_path`] does, with the
    /// survey tool's own columns it left out where the file is a survey
    /// tool's export ([`SurveyTool`]), for ingest to say once.
    pub fn from_csv_path_with_left_out(
        path: &Path,
    ) -> Result<(Participants, Option<SurveyColumnsLeftOut>)> {
        let bytes = crate::read_input(path)?;
        Self::read_table(path, &bytes)
    }

    /// Parses a participants file, a CSV or a spreadsheet workbook
    /// (`formats::case_table`); `path` names the file in errors.
    pub fn from_csv_bytes(path: &Path, bytes: &[u8]) -> Result<Participants> {
        Self::read_table(path, bytes).map(|(participants, _)| participants)
    }

    /// [`Self::from_csv_bytes`], with the survey tool's columns left out.
    fn read_table(
        path: &Path,
        bytes: &[u8],
    ) -> Result<(Participants, Option<SurveyColumnsLeftOut>)> {
        let bad = |location: String, message: String| IngestError::BadParticipants {
            file: path.into(),
            location,
            message,
        };
        // The first sheet naming an id or name column in its first rows: a
        // tracker's "Read me" sheet before its participants is passed over.
        let (headers, records) =
            crate::formats::case_table_where(path, bytes, &bad, &|h, rows| {
                header_row(h, rows).is_some()
            })?;
        // A title, a version line or a blank row above the column names
        // ("Participant tracker, v3"): the first row naming an id or name
        // column is the header, as a codebook sheet's is.
        let (headers, records) = match header_row(&headers, &records) {
            Some(0) | None => (headers, records),
            Some(at) => {
                let header = &records[at - 1].record;
                let headers = header.iter().map(|h| h.trim().to_lowercase()).collect();
                (headers, records.into_iter().skip(at).collect())
            }
        };
        // A survey tool's export used as the participants file: Qualtrics
        // writes a row of question texts (`Response ID` under `ResponseId`)
        // and a row of `{"ImportId":…}` cells below its column names. They
        // are no one; they were listed as two people.
        let mut import_id_row = false;
        let records: Vec<_> = {
            let mut skipped = 0;
            records
                .into_iter()
                .filter(|row| {
                    let import_ids =
                        skipped < 2 && crate::formats::is_import_id_row(row.record.iter());
                    import_id_row |= import_ids;
                    let header_row = skipped < 2
                        && (import_ids
                            || row
                                .record
                                .iter()
                                .zip(&headers)
                                .filter(|(cell, header)| {
                                    crate::formats::is_column_label(cell, header)
                                })
                                .count()
                                >= 2);
                    // Only the rows right below the column names.
                    skipped = if header_row { skipped + 1 } else { 2 };
                    !header_row
                })
                .collect()
        };
        crate::formats::unique_headers(&headers, &bad)?;
        use crate::formats::find_column;
        // NVivo's classification sheet names its cases in an unnamed first
        // column (`P01`, or the path `Cases\P01`).
        let nvivo_cases = headers.first().is_some_and(|h| h.is_empty())
            && find_column(&headers, ID_COLUMNS).is_none()
            && find_column(&headers, NAME_COLUMNS).is_none();
        // A file with ids alone (`P01`, as the transcripts label turns) or
        // names alone uses the one column as both.
        // A plain heading (`Participant`, `Case`, `Respondent`) holds ids
        // only where its cells are all different: a `Respondent` column of
        // Yes and No beside `Name` is an attribute (it made Maria `Yes`).
        let unique = |i: usize| {
            let mut seen = std::collections::HashSet::new();
            records
                .iter()
                .filter_map(|r| r.record.get(i))
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .all(|c| seen.insert(c.to_lowercase()))
        };
        // Qualtrics' `ExternalReference` holds the researcher's own ids
        // (a panel's `P01`) where the survey link carried them; its
        // `ResponseId` is the tool's (`R_1`), which no transcript labels.
        // Always in the export, it is read as the ids only when filled and
        // different in every row.
        let external_reference =
            find_column(&headers, &["externalreference", "external reference"]).filter(|&i| {
                unique(i)
                    && records
                        .iter()
                        .all(|r| r.record.get(i).is_some_and(|c| !c.trim().is_empty()))
            });
        let id_column = external_reference
            .or_else(|| {
                ID_COLUMNS.iter().find_map(|name| {
                    find_column(&headers, &[name])
                        .filter(|&i| !PLAIN_ID_HEADINGS.contains(name) || unique(i))
                })
            })
            .or(nvivo_cases.then_some(0));
        let name_column = {
            let others: Vec<String> = headers
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    if Some(i) == id_column {
                        String::new()
                    } else {
                        h.clone()
                    }
                })
                .collect();
            find_column(&others, NAME_COLUMNS)
        };
        let (id_i, name_i) = match (id_column, name_column) {
            (Some(id), Some(name)) => (id, name),
            (Some(i), None) | (None, Some(i)) => (i, i),
            (None, None) => {
                return Err(IngestError::MissingColumn {
                    file: path.into(),
                    column: "id` or `name".to_string(),
                    role: "participants file",
                    found: headers
                        .iter()
                        .map(|h| format!("`{h}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let doc_i = crate::formats::find_document_column(&headers, &records);
        // A survey tool's export (Qualtrics' by its ImportId row too): its
        // own columns, but the ones read as the id, the name or the
        // document, are no attributes. Before, a Qualtrics screening
        // survey gave every person their IP address and GPS coordinates,
        // in every crosstab and the .qdpx (h11/02).
        let tool = if import_id_row {
            Some(&QUALTRICS)
        } else {
            SURVEY_TOOLS.iter().copied().find(|t| t.exported(&headers))
        };
        let tools_own = |h: &str| tool.is_some_and(|t| t.is_metadata(h));
        let mut left_out_with_values: Vec<usize> = Vec::new();
        let mut list = Vec::new();
        let mut ids: HashMap<String, (u64, String)> = HashMap::new();
        // Name key → the document keys each row of that name is scoped to
        // (none: unscoped), and the row.
        let mut names: HashMap<String, Vec<(Vec<String>, u64)>> = HashMap::new();
        for row in records {
            let (record, location) = (&row.record, row.location);
            let get = |i: usize| record.get(i).unwrap_or("").trim().to_string();
            let filled: Vec<String> = record
                .iter()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            // Rows Excel saves empty (`,,,`), and a note typed in the
            // first cell below the list ("Note: P03 withdrew"): no one.
            if filled.is_empty() || (filled.len() == 1 && headers.len() > 1 && is_note(&filled[0]))
            {
                continue;
            }
            let mut id = get(id_i);
            if nvivo_cases && id_i == 0 {
                id = id.rsplit('\\').next().unwrap_or(&id).trim().to_string();
            }
            let mut name = get(name_i);
            // A pseudonym not chosen yet: the id names the participant (and
            // an id not given yet, the name).
            if name.is_empty() {
                name = id.clone();
            } else if id.is_empty() {
                id = name.clone();
            }
            if id.is_empty() {
                let column = |i: usize| headers.get(i).map_or("", String::as_str);
                return Err(bad(
                    location,
                    format!(
                        "column `{}` is empty, and so is `{}`: give the participant's id (or delete the row)",
                        column(id_i),
                        column(name_i)
                    ),
                ));
            }
            // One person in several transcripts (two sessions) names them
            // all in one cell, `P03_part1.docx; P03_part2.docx`: kept as one
            // line, each name matched alone ([`Participant::documents`]).
            // Before, the cell was one file name no input held, and each
            // session's `Respondent` a participant of their own (h6/03).
            let document = doc_i
                .map(|i| document_names(&get(i)).collect::<Vec<_>>().join("; "))
                .filter(|d| !d.is_empty());
            if let Some((prev, spelt)) = ids.insert(id_key(&id), (row.number, id.clone())) {
                let spelling = if spelt == id {
                    String::new()
                } else {
                    format!(" as `{spelt}` (an id is one participant whatever its case)")
                };
                // A second row for a second session's transcript.
                let sessions = match doc_i.and_then(|i| headers.get(i)) {
                    Some(column) if document.is_some() => format!(
                        "; a participant with several transcripts names them all in one `{column}` cell, separated by `;`"
                    ),
                    _ => String::new(),
                };
                return Err(bad(
                    location,
                    format!(
                        "participant id `{id}` is already used in row {prev}{spelling}{sessions}"
                    ),
                ));
            }
            // Two people of one name are told apart by their documents: a
            // name may repeat unscoped once, and scoped to documents no
            // other row of that name names.
            let documents: Vec<String> = document
                .as_deref()
                .map(document_names)
                .into_iter()
                .flatten()
                .map(document_key)
                .collect();
            let same_name = names.entry(key(&name)).or_default();
            if let Some((_, prev)) = same_name.iter().find(|(other, _)| {
                if documents.is_empty() || other.is_empty() {
                    documents.is_empty() && other.is_empty()
                } else {
                    other.iter().any(|d| documents.contains(d))
                }
            }) {
                return Err(bad(
                    location,
                    format!(
                        "name `{name}` is already listed in row {prev}; add a `document` column saying which transcript each belongs to"
                    ),
                ));
            }
            same_name.push((documents, row.number));
            let mut attributes = BTreeMap::new();
            for (i, h) in headers.iter().enumerate() {
                if i == id_i || i == name_i || Some(i) == doc_i || h.is_empty() {
                    continue;
                }
                let v = get(i);
                if v.is_empty() || is_unset_value(&v) {
                    continue;
                }
                if !tools_own(h) {
                    attributes.insert(h.clone(), v);
                } else if !left_out_with_values.contains(&i) {
                    left_out_with_values.push(i);
                }
            }
            let is_moderator = role_moderates(&attributes);
            list.push(Participant {
                id,
                name,
                document,
                is_moderator,
                registered: true,
                attributes,
            });
        }
        one_spelling_per_value(&mut list);
        // The file's columns, those left out too: the file read again
        // takes the values an earlier ingest stored from them (an IP
        // address) out of the store, as it does a column's it no longer has.
        let columns = headers
            .iter()
            .enumerate()
            .filter(|(i, h)| *i != id_i && *i != name_i && Some(*i) != doc_i && !h.is_empty())
            .map(|(_, h)| h.clone())
            .collect();
        left_out_with_values.sort_unstable();
        let left_out =
            tool.filter(|_| !left_out_with_values.is_empty())
                .map(|t| SurveyColumnsLeftOut {
                    file: path.display().to_string(),
                    tool: t.name,
                    columns: left_out_with_values
                        .iter()
                        .map(|&i| headers[i].clone())
                        .collect(),
                });
        Ok((Participants { list, columns }, left_out))
    }

    /// Whether a participants file lists `name` (by name or id).
    pub fn lists(&self, name: &str) -> bool {
        self.list
            .iter()
            .any(|p| key(&p.name) == key(name) || p.id == name)
    }

    /// Marks each of `names` as an interviewer (`ingest --interviewer`): a
    /// listed participant of that name or id becomes a moderator with role
    /// `interviewer`; a name not listed is added as one, with the name as
    /// its id, in every document.
    pub fn mark_interviewers(&mut self, names: &[String]) {
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            let mut listed = false;
            for p in self
                .list
                .iter_mut()
                .filter(|p| key(&p.name) == key(name) || p.id == name)
            {
                p.is_moderator = true;
                p.attributes.insert("role".into(), "interviewer".into());
                listed = true;
            }
            if !listed {
                self.list.push(Participant {
                    id: name.to_string(),
                    name: name.to_string(),
                    document: None,
                    is_moderator: true,
                    registered: true,
                    attributes: BTreeMap::from([("role".into(), "interviewer".into())]),
                });
            }
        }
    }

    /// Adds the participants of another file; an id listed twice is an error
    /// naming `other_file`.
    pub fn merge(&mut self, other: Participants, other_file: &Path) -> Result<()> {
        // The ids listed so far, compared as `id_key` spells them: each row
        // compared with every earlier one made a 30,000-row sampling frame
        // take minutes (100,000 rows, half an hour).
        let mut listed: HashSet<String> = self.list.iter().map(|q| id_key(&q.id)).collect();
        for p in other.list {
            if !listed.insert(id_key(&p.id)) {
                return Err(IngestError::BadParticipants {
                    file: other_file.into(),
                    location: format!("id `{}`", p.id),
                    message: "listed in another participants file too".into(),
                });
            }
            self.list.push(p);
        }
        for c in other.columns {
            if !self.columns.contains(&c) {
                self.columns.push(c);
            }
        }
        Ok(())
    }

    /// A lookup index over the participants.
    pub fn index(&self) -> ParticipantIndex<'_> {
        let mut by_name: HashMap<String, Vec<&Participant>> = HashMap::new();
        let mut by_id: HashMap<String, &Participant> = HashMap::new();
        let mut by_loose_id: HashMap<String, Option<&Participant>> = HashMap::new();
        let mut by_document: HashMap<String, Vec<&Participant>> = HashMap::new();
        for p in &self.list {
            by_name.entry(key(&p.name)).or_default().push(p);
            by_id.entry(key(&p.id)).or_insert(p);
            // Two ids one loose spelling stands for (`P3`, `P03`): neither.
            by_loose_id
                .entry(loose_id(&p.id))
                .and_modify(|q| *q = None)
                .or_insert(Some(p));
            for d in p.documents().filter(|_| !p.is_moderator) {
                by_document.entry(document_key(d)).or_default().push(p);
            }
        }
        ParticipantIndex {
            by_name,
            by_id,
            by_loose_id,
            by_document,
        }
    }
}

/// An id as transcripts and exports spell it loosely: case, spaces, `-`,
/// `_` and a number's leading zeros aside, and a whole number's `.0` (a
/// CSV saved from pandas writes `1.0` for the sheet's `1`). `P3`, `P03`,
/// `p-003` and `P 3` are one id.
fn loose_id(id: &str) -> String {
    let id = key(id);
    let id = id
        .strip_suffix(".0")
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or(&id);
    let mut out = String::with_capacity(id.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            out.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            digits.clear();
        }
    };
    let chars: Vec<char> = id.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, ' ' | '-' | '_') {
            // Between two numbers a separator tells ids apart (`P1-1` is
            // not `P11`); elsewhere it is spelling (`R_0001`, `P 3`).
            let between_numbers = i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if !between_numbers {
                continue;
            }
            flush(&mut digits, &mut out);
            out.push('-');
        } else if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// Finds the participant a speaker label stands for.
#[derive(Debug, Default)]
pub struct ParticipantIndex<'a> {
    by_name: HashMap<String, Vec<&'a Participant>>,
    by_id: HashMap<String, &'a Participant>,
    /// [`loose_id`] → the one participant of that id (`None`: several).
    by_loose_id: HashMap<String, Option<&'a Participant>>,
    /// A document's key → the participants (no moderators) the file scopes to it.
    by_document: HashMap<String, Vec<&'a Participant>>,
}

impl<'a> ParticipantIndex<'a> {
    /// The participant for `speaker` in `document`: a name scoped to this
    /// document, else an unscoped name, else an id.
    pub fn resolve(&self, speaker: &str, document: &str) -> Option<&'a Participant> {
        let k = key(speaker);
        let doc = document_key(document);
        if let Some(candidates) = self.by_name.get(&k) {
            let scoped = candidates.iter().find(|p| p.is_scoped_to(&doc));
            let unscoped = candidates.iter().find(|p| !p.is_scoped());
            if let Some(p) = scoped.or(unscoped) {
                return Some(p);
            }
        }
        let in_document = |p: &&&'a Participant| !p.is_scoped() || p.is_scoped_to(&doc);
        self.by_id.get(&k).filter(in_document).copied().or_else(|| {
            // `P3:` in a transcript, `P03` in the file; `1.0` and `1`.
            self.by_loose_id
                .get(&loose_id(speaker))
                .and_then(Option::as_ref)
                .filter(in_document)
                .copied()
        })
    }

    /// The participant whose id a label's brackets hold, `Maria (P12):`
    /// where the file lists `P12`: the id says who, the name is how the
    /// transcriber wrote them (two `Maria`s, one of them `Maria G`).
    pub fn by_bracketed_id(&self, inner: &str, document: &str) -> Option<&'a Participant> {
        // An id such as `P12` or `R_07`: letters and digits both. A number
        // alone in brackets is as often an age (`Anna (35):`), and letters
        // alone a role (`Maria (GP):`), as a roster's id.
        let id_like = inner.chars().any(|c| c.is_alphabetic())
            && inner.chars().any(|c| c.is_ascii_digit())
            && !inner.contains(char::is_whitespace);
        if !id_like {
            return None;
        }
        let doc = document_key(document);
        let in_document = |p: &&&'a Participant| !p.is_scoped() || p.is_scoped_to(&doc);
        self.by_id
            .get(&key(inner))
            .filter(in_document)
            .copied()
            .or_else(|| {
                self.by_loose_id
                    .get(&loose_id(inner))
                    .and_then(Option::as_ref)
                    .filter(in_document)
                    .copied()
            })
    }

    /// The one participant (no moderator) the file scopes to `document`
    /// (its `document` column): one interviewee per file, as a tracker
    /// lists them (`P01, Maria, P01_interview.docx`).
    pub fn sole_participant_of(&self, document: &str) -> Option<&'a Participant> {
        match self.by_document.get(&document_key(document))?.as_slice() {
            [p] => Some(p),
            _ => None,
        }
    }
}

/// Names compare trimmed, case-insensitive, with inner whitespace collapsed
/// and in Unicode's composed form (NFC): a transcript typed on a Mac may
/// write "Zoé" as "Zoe" and a combining accent, a participants file as one
/// character. Typographic apostrophes are the typewriter's: Word writes
/// `O’Brien` where a participants file typed in a spreadsheet has
/// `O'Brien` (before, she was an unlisted speaker without her attributes).
fn key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Pronouns after a name (`Maria Lopez (she/her)`, copied from a meeting
    // tool's display name) are how the person is shown, not their name:
    // the transcript's label drops them.
    let name = match name
        .trim_end()
        .strip_suffix(')')
        .and_then(|n| n.rsplit_once('('))
    {
        Some((base, inner))
            if crate::speaker::is_pronouns(inner.trim()) && !base.trim().is_empty() =>
        {
            base
        }
        _ => name,
    };
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .nfc()
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' => '\'',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

impl Participants {
    /// The listed participants whose `document` names a document not in
    /// `known` (the documents read or stored, compared as [`document_key`]
    /// does; each of a cell's documents, [`Participant::documents`]): a typo
    /// (`ft-91` for `ft91.txt`) leaves the row matching no speaker, its
    /// attributes with nobody, or the transcript is still to come.
    pub fn with_unknown_documents<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Vec<&Participant> {
        let known: std::collections::BTreeSet<String> =
            known.into_iter().map(document_key).collect();
        self.list
            .iter()
            .filter(|p| p.documents().any(|d| !known.contains(&document_key(d))))
            .collect()
    }
}

impl Participant {
    /// The documents the participants file scopes this participant to:
    /// its `document` cell's file names, separated by `;` or a line break
    /// (`P03_part1.docx; P03_part2.docx`, one person's two sessions). None
    /// for a participant of every document.
    pub fn documents(&self) -> impl Iterator<Item = &str> {
        document_names(self.document.as_deref().unwrap_or(""))
    }

    /// Whether the participants file scopes this participant to documents.
    fn is_scoped(&self) -> bool {
        self.documents().next().is_some()
    }

    /// Whether one of [`Self::documents`] is the document of key `doc`
    /// ([`document_key`]).
    fn is_scoped_to(&self, doc: &str) -> bool {
        self.documents().any(|d| document_key(d) == doc)
    }
}

/// The file names a participants file's `document` cell lists, separated
/// by `;` or by line breaks (Excel's Alt+Enter), trimmed; none for an
/// empty cell. A comma is part of a name (`Smith, J.docx`).
fn document_names(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '\n', '\r'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
}

/// A document compares by its file stem, so `group1` scopes `group1.txt`
/// and `groups/group1.docx`.
pub fn document_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = match last.rfind('.') {
        Some(i) if i > 0 => &last[..i],
        _ => last,
    };
    // macOS file names are often decomposed (NFD), a typed document
    // column composed: compared composed.
    stem.trim().nfc().collect::<String>().to_lowercase()
}

/// Gives each attribute's values one spelling whatever their case and
/// spacing, the file's most common (the first of equals): a tracker typed
/// by hand holds `Female` and `female`, `North` and `north ` (hT/02:
/// each was a crosstab group, "Workload among women" 1 of 2 and 1 of 1
/// instead of 2 of 3). Attribute names were already merged so.
fn one_spelling_per_value(list: &mut [Participant]) {
    // (attribute, value key) → spelling → (count, first row).
    let mut seen: HashMap<(String, String), BTreeMap<String, (usize, usize)>> = HashMap::new();
    for (row, p) in list.iter().enumerate() {
        for (k, v) in &p.attributes {
            let e = seen
                .entry((k.clone(), value_key(v)))
                .or_default()
                .entry(v.clone())
                .or_insert((0, row));
            e.0 += 1;
        }
    }
    let chosen: HashMap<(String, String), String> = seen
        .into_iter()
        .filter(|(_, spellings)| spellings.len() > 1)
        .map(|(key, spellings)| {
            let best = spellings
                .into_iter()
                .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
                .expect("one or more spellings")
                .0;
            (key, best)
        })
        .collect();
    if chosen.is_empty() {
        return;
    }
    for p in list.iter_mut() {
        for (k, v) in p.attributes.iter_mut() {
            if let Some(best) = chosen.get(&(k.clone(), value_key(v))) {
                v.clone_from(best);
            }
        }
    }
}

/// An attribute value's key: lower case, its whitespace collapsed.
fn value_key(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// NVivo's marks of an attribute never set, as its classification sheets
/// export them: no value (`(missing)` in a crosstab). Before, "Unassigned"
/// was a group of its own, and an age column holding it was exported to
/// the .qdpx as text, not a number.
///
/// Also the marks of a missing cell that R (`NA`), pandas and Excel
/// (`#N/A`) write and people type (`N/A`, `n/a`, `-`): before, `NA` was a
/// crosstab group of its own beside `(missing)` (hl/01). A documents
/// file's and a survey's attribute columns read them so too.
///
/// And Prolific's, in a demographic export: `CONSENT_REVOKED` in every
/// profile cell of a participant who withdrew consent to share it,
/// `DATA_EXPIRED` where a screener answer is out of date. Before, each was
/// a crosstab group (a third "sex"), and an age column holding one went to
/// the .qdpx as text (h17/02).
pub(crate) fn is_unset_value(value: &str) -> bool {
    [
        "unassigned",
        "not applicable",
        "na",
        "n/a",
        "#n/a",
        "-",
        "–",
        "—",
        "consent_revoked",
        "data_expired",
    ]
    .contains(&value.trim().to_lowercase().as_str())
}

/// A participant id's key: one participant whatever its case and spacing
/// (Otter's `tom reid` and a text export's `Tom Reid`, a survey's
/// `r04@x.org` and `R04@x.org`), except capital initials of three letters
/// or fewer (`MO` is not `Mo`). Ingest stores one spelling per key, and a
/// participants file may not list two ids of one key: `P1` (Maria) and
/// `p1` (John) became one person with John's attributes.
pub fn id_key(id: &str) -> String {
    let id = id.split_whitespace().collect::<Vec<_>>().join(" ");
    let initials = (1..=3).contains(&id.chars().count())
        && id.chars().all(|c| c.is_alphabetic() && c.is_uppercase());
    if initials {
        id
    } else {
        id.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name or a file name with a combining accent (macOS) compares
    /// equal to the composed one.
    #[test]
    fn names_and_documents_compare_composed() {
        assert_eq!(key("Zoe\u{301}  Martin"), key("zo\u{e9} martin"));
        assert_eq!(key("Maria Lopez (she/her)"), key("Maria Lopez"));
        assert_ne!(key("Maria Lopez (Guest)"), key("Maria Lopez"));
        assert_eq!(
            document_key("Interviews/Zoe\u{301}.txt"),
            document_key("zo\u{e9}")
        );
    }

    #[test]
    fn interviewers_named_are_moderators_listed_or_not() {
        let mut p = Participants::from_csv_bytes(
            Path::new("p.csv"),
            b"id,name,role\nH,Pat Host,host\nP1,Ann Lee,founder\n",
        )
        .unwrap();
        p.mark_interviewers(&["pat  host".into(), "Jo Bloggs".into(), " ".into()]);
        let view: Vec<(&str, bool, Option<&str>)> = p
            .list
            .iter()
            .map(|x| {
                (
                    x.id.as_str(),
                    x.is_moderator,
                    x.attributes.get("role").map(String::as_str),
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("H", true, Some("interviewer")),
                ("P1", false, Some("founder")),
                ("Jo Bloggs", true, Some("interviewer")),
            ]
        );
    }

    fn parse(src: &str) -> Result<Participants> {
        Participants::from_csv_bytes(Path::new("people.csv"), src.as_bytes())
    }

    /// Each row was compared with every one merged before it: 30,000 rows
    /// took over a minute, 100,000 half an hour. An id in two files, as
    /// `id_key` compares them, is still refused naming the second file.
    #[test]
    fn merging_is_linear_and_refuses_an_id_listed_twice() {
        let rows = 100_000;
        let mut frame = String::from("id,name,site\n");
        for i in 0..rows {
            frame.push_str(&format!(
                "P{i:06},Person {i},{}\n",
                ["North", "South"][i % 2]
            ));
        }
        let mut all = Participants::default();
        all.merge(parse(&frame).unwrap(), Path::new("frame.csv"))
            .unwrap();
        let more = "id,name,wave\nQ1,Quinn,2\n";
        all.merge(parse(more).unwrap(), Path::new("wave2.csv"))
            .unwrap();
        assert_eq!(all.list.len(), rows + 1);
        assert_eq!(all.list[rows - 1].id, "P099999");
        assert_eq!(all.list[rows - 1].attributes["site"], "South");
        assert_eq!(all.list[rows].name, "Quinn");
        assert_eq!(all.columns, ["site", "wave"]);
        let again = "id,name\n  p000042 ,Someone\n";
        let err = all
            .merge(parse(again).unwrap(), Path::new("late.csv"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "late.csv: id `p000042`: listed in another participants file too"
        );
    }

    #[test]
    fn id_and_name_columns_as_people_head_them() {
        // `Participant ID` and `Pseudonym`, as a study's sheet heads them.
        let p = parse("Participant ID,Pseudonym,Age Group\nP01,Anna,30-39\n").unwrap();
        let anna = &p.list[0];
        assert_eq!((anna.id.as_str(), anna.name.as_str()), ("P01", "Anna"));
        assert_eq!(
            anna.attributes,
            BTreeMap::from([("age group".to_string(), "30-39".to_string())])
        );
        // Ids alone, as the transcripts label turns (`P01:`): the one column
        // is both, and `participant_id` is `participant id`.
        for csv in [
            "participant_id,gender,transcript\nP01,F,int01.docx\n",
            "Participant,Gender,File\nP01,F,int01.docx\n",
        ] {
            let p = parse(csv).unwrap();
            let x = &p.list[0];
            assert_eq!((x.id.as_str(), x.name.as_str()), ("P01", "P01"), "{csv}");
            assert_eq!(x.document.as_deref(), Some("int01.docx"), "{csv}");
            assert_eq!(x.attributes.len(), 1, "{csv}");
            assert_eq!(p.index().resolve("P01", "int01.docx").unwrap().id, "P01");
        }
        // A `File` of audio names or a `Transcript` status is no document
        // column: the rows stay unscoped.
        for csv in [
            "id,name,file,site\nP01,Anna,Recording_0412.m4a,Leeds\n",
            "id,name,transcript,site\nP01,Anna,Done,Leeds\n",
        ] {
            let p = parse(csv).unwrap();
            assert_eq!(p.list[0].document, None, "{csv}");
            assert_eq!(p.list[0].attributes.len(), 2, "{csv}");
        }
        // A `Respondent` column of yes and no beside `Name` is an
        // attribute, the names the ids.
        let p = parse("Name,Respondent,Site\nMaria,Yes,Leeds\nTom,Yes,York\n").unwrap();
        assert_eq!(
            (p.list[0].id.as_str(), p.list[0].name.as_str()),
            ("Maria", "Maria")
        );
        assert_eq!(p.list[0].attributes["respondent"], "Yes");
        // `id` and `name` win over the other spellings.
        let p = parse("speaker,id,name\nx,P1,Anna\n").unwrap();
        assert_eq!(
            (p.list[0].id.as_str(), p.list[0].name.as_str()),
            ("P1", "Anna")
        );
        assert_eq!(p.list[0].attributes["speaker"], "x");
    }

    #[test]
    fn trackers_as_research_assistants_keep_them() {
        // A title and a version line above the column names; rows Excel
        // saves empty; a note below the list; a pseudonym not chosen yet.
        let p = parse(
            "Participant tracker,,\nVersion 3,,\n,,\nParticipant ID,Pseudonym,Site\nP01,Maria,Leeds\n,,\nP02,,Bristol\n,,\nNote: P03 withdrew,,\n",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = p
            .list
            .iter()
            .map(|x| (x.id.as_str(), x.name.as_str()))
            .collect();
        assert_eq!(got, [("P01", "Maria"), ("P02", "P02")]);
        assert_eq!(p.list[1].attributes["site"], "Bristol");
        // Ids under `Participant` or `Case` beside a pseudonym column.
        for csv in [
            "Participant,Pseudonym,Site\nP01,Maria,Leeds\n",
            "Case,Pseudonym,Site\nP01,Maria,Leeds\n",
        ] {
            let p = parse(csv).unwrap();
            assert_eq!(
                (p.list[0].id.as_str(), p.list[0].name.as_str()),
                ("P01", "Maria"),
                "{csv}"
            );
            assert_eq!(p.list[0].attributes.len(), 1, "{csv}");
        }
        // NVivo's classification sheet: cases in an unnamed first column,
        // as names or as paths.
        let p = parse(",Age,Site\nCases\\P01,72,Leeds\nP02,68,Bristol\n").unwrap();
        let got: Vec<&str> = p.list.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(got, ["P01", "P02"]);
        assert_eq!(p.list[0].attributes["age"], "72");
        // A value typed two ways is one, its most common spelling (hT/02).
        let p = parse(
            "id,gender,site\nP1,Female,North\nP2,female,north\nP3,Female,South\nP4,male,North\n",
        )
        .unwrap();
        let values: Vec<(&str, &str)> = p
            .list
            .iter()
            .map(|x| {
                (
                    x.attributes["gender"].as_str(),
                    x.attributes["site"].as_str(),
                )
            })
            .collect();
        assert_eq!(
            values,
            [
                ("Female", "North"),
                ("Female", "North"),
                ("Female", "South"),
                ("male", "North")
            ]
        );
        // R's, pandas' and people's marks of a missing cell too (hl/01).
        let p = parse("id,gender,age\nP1,NA,N/A\nP2,#N/A,-\nP3,Female,n/a\n").unwrap();
        assert!(
            p.list[0].attributes.is_empty(),
            "{:?}",
            p.list[0].attributes
        );
        assert!(
            p.list[1].attributes.is_empty(),
            "{:?}",
            p.list[1].attributes
        );
        assert_eq!(p.list[2].attributes.len(), 1, "{:?}", p.list[2].attributes);
        // A facilitator under another role heading moderates (hl/03); REDCap's
        // `record_id` is the id beside a pseudonym (hl/04).
        let p = parse(
            "record_id,pseudonym,Participant type\nP01,Sam,Facilitator\nP02,Ann,Participant\n",
        )
        .unwrap();
        assert_eq!(
            p.list
                .iter()
                .map(|x| (x.id.as_str(), x.name.as_str(), x.is_moderator))
                .collect::<Vec<_>>(),
            [("P01", "Sam", true), ("P02", "Ann", false)]
        );
        // NVivo's "Unassigned" and "Not Applicable" are no value (hT/03).
        let p = parse(",Gender,Age\nCases\\P03,Unassigned,Not Applicable\nP04,Male,52\n").unwrap();
        assert!(
            p.list[0].attributes.is_empty(),
            "{:?}",
            p.list[0].attributes
        );
        assert_eq!(p.list[1].attributes["gender"], "Male");
        // A row with neither id nor name but other cells names the columns.
        let e = parse("id,name,site\nP1,Anna,x\n,,Leeds\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "people.csv: row 2 (line 3): column `id` is empty, and so is `name`: give the participant's id (or delete the row)"
        );
    }

    /// A band of group headings merged over the column names (`Participant`
    /// over `ID` and `Name`): the names below it are the header. Before,
    /// the band was, and the row of names a participant called `ID` (h6/02).
    #[test]
    fn a_band_of_headings_over_the_column_names_is_passed_over() {
        let p = parse(
            "Participant,,Demographics,,Focus group,\n\
             ID,Name,Gender,Age,Site,Document\n\
             L1,Anna,F,34,Leeds,Leeds.txt\n\
             Y1,Anna,F,41,York,York.txt\n",
        )
        .unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = p
            .list
            .iter()
            .map(|x| (x.id.as_str(), x.name.as_str(), x.document.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("L1", "Anna", Some("Leeds.txt")),
                ("Y1", "Anna", Some("York.txt"))
            ]
        );
        assert_eq!(p.list[1].attributes["gender"], "F");
        assert_eq!(p.list[1].attributes["age"], "41");
        assert_eq!(p.index().resolve("Anna", "York.txt").unwrap().id, "Y1");
        // Below a title too.
        let p =
            parse("Tracker v2,,\nParticipant,,Background\nID,Name,Site\nP1,Ann,Leeds\n").unwrap();
        assert_eq!((p.list[0].id.as_str(), p.list.len()), ("P1", 1));
        // A header of plain headings is the header: the row below is a
        // participant (`Respondent` a role), however many cells it fills.
        let p = parse("Participant,Role,Site\nP1,Respondent,Leeds\n").unwrap();
        assert_eq!(p.list[0].id, "P1");
        assert_eq!(p.list[0].attributes["role"], "Respondent");
    }

    /// One person in several transcripts (two sessions) names them all in
    /// one `document` cell, separated by `;`: a generic `Respondent` in
    /// either is that participant. Before, the cell was one file name no
    /// input held, and each session's respondent a person of their own
    /// (h6/03).
    #[test]
    fn a_document_cell_may_name_several_transcripts() {
        let p = parse(
            "Participant ID,Pseudonym,Transcript,Gender\n\
             P01,Alice,P01_interview.docx,Female\n\
             P03,Cara,P03_part1.docx; P03_part2.docx ;,Female\n\
             P04,Dan,\"P04 a.docx\nP04 b.docx\",Male\n",
        )
        .unwrap();
        let documents: Vec<Vec<&str>> = p.list.iter().map(|x| x.documents().collect()).collect();
        assert_eq!(
            documents,
            [
                vec!["P01_interview.docx"],
                vec!["P03_part1.docx", "P03_part2.docx"],
                vec!["P04 a.docx", "P04 b.docx"],
            ]
        );
        assert_eq!(
            p.list[1].document.as_deref(),
            Some("P03_part1.docx; P03_part2.docx")
        );
        let idx = p.index();
        for (document, id) in [
            ("P01_interview.docx", "P01"),
            ("P03_part1.docx", "P03"),
            ("sessions/P03_part2.docx", "P03"),
            ("P04 b.docx", "P04"),
        ] {
            assert_eq!(
                idx.sole_participant_of(document).unwrap().id,
                id,
                "{document}"
            );
        }
        assert_eq!(idx.resolve("Cara", "P03_part2.docx").unwrap().id, "P03");
        assert_eq!(idx.resolve("P03", "P03_part1.docx").unwrap().id, "P03");
        assert!(idx.resolve("P03", "P01_interview.docx").is_none());
        // One of a cell's transcripts not read is named.
        let unknown: Vec<&str> = p
            .with_unknown_documents([
                "P01_interview.docx",
                "P03_part1.docx",
                "P04 a.docx",
                "P04 b.docx",
            ])
            .iter()
            .map(|x| x.id.as_str())
            .collect();
        assert_eq!(unknown, ["P03"]);
        // A second row for a second session: the error says how.
        let e = parse("id,name,document\nP03,Cara,P03_part1.docx\nP03,Cara,P03_part2.docx\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "people.csv: row 2 (line 3): participant id `P03` is already used in row 1; a participant with several transcripts names them all in one `document` cell, separated by `;`"
        );
        // Two people of one name sharing a transcript are not told apart.
        let e = parse("id,name,document\nP1,Anna,a.txt; b.txt\nP2,Anna,c.txt; B.docx\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("people.csv: row 2 (line 3): name `Anna` is already listed in row 1"),
            "{e}"
        );
        let p = parse("id,name,document\nP1,Anna,a.txt; b.txt\nP2,Anna,c.txt\nP3,Anna,\n").unwrap();
        assert_eq!(p.index().resolve("Anna", "c.txt").unwrap().id, "P2");
        assert_eq!(p.index().resolve("Anna", "b.txt").unwrap().id, "P1");
        assert_eq!(p.index().resolve("Anna", "d.txt").unwrap().id, "P3");
    }

    #[test]
    fn loose_ids_match_as_transcripts_and_exports_write_them() {
        for (a, b) in [
            ("P3", "P03"),
            ("p-003", "P3"),
            ("P 3", "P3"),
            ("1.0", "1"),
            ("R_0001", "R1"),
            ("0", "00"),
        ] {
            assert_eq!(loose_id(a), loose_id(b), "{a} {b}");
        }
        for (a, b) in [
            ("P3", "P30"),
            ("P1", "Q1"),
            ("10", "1"),
            ("1.5", "15"),
            ("P1-1", "P11"),
            ("1_2", "12"),
        ] {
            assert_ne!(loose_id(a), loose_id(b), "{a} {b}");
        }
        let p = parse("id,name\nP03,Anna\n1,Bob\n").unwrap();
        let idx = p.index();
        assert_eq!(idx.resolve("P3", "x.txt").unwrap().id, "P03");
        assert_eq!(idx.resolve("1.0", "survey.csv").unwrap().id, "1");
        // Two ids one loose spelling stands for: neither.
        let p = parse("id,name\nP3,Anna\nP03,Bob\n").unwrap();
        assert!(p.index().resolve("P003", "x.txt").is_none());
    }

    #[test]
    fn attributes_scopes_and_lookup() {
        let p = parse("id,name,group,role,age_band,document\nP1,Anna Smith,G1,police,30-39,\nP2,Bob,G1,researcher,,group1\nP3,Bob,G2,business,,group2.txt\nM1,Jane,,Moderator,,\n").unwrap();
        assert_eq!(p.list.len(), 4);
        assert_eq!(
            p.list[0].attributes,
            BTreeMap::from([
                ("age_band".to_string(), "30-39".to_string()),
                ("group".to_string(), "G1".to_string()),
                ("role".to_string(), "police".to_string()),
            ])
        );
        assert!(p.list[3].is_moderator && !p.list[0].is_moderator);
        let idx = p.index();
        assert_eq!(idx.resolve("  anna   SMITH ", "x.txt").unwrap().id, "P1");
        assert_eq!(idx.resolve("Bob", "data/group1.txt").unwrap().id, "P2");
        assert_eq!(idx.resolve("BOB", "group2.docx").unwrap().id, "P3");
        assert!(idx.resolve("Bob", "group3.txt").is_none());
        assert_eq!(idx.resolve("p1", "any").unwrap().id, "P1");
        assert!(idx.resolve("Carl", "group1.txt").is_none());
        // Word's typographic apostrophe is the file's typewriter one.
        let p = parse("id,name\nP9,Siobhán O'Brien\n").unwrap();
        assert_eq!(
            p.index().resolve("Siobhán O’Brien", "fg.docx").unwrap().id,
            "P9"
        );
    }

    /// A Qualtrics export used as the participants file: its rows of
    /// question texts and ImportIds are no one, and its `ExternalReference`
    /// (the researcher's ids, where filled) is the id column, not the
    /// tool's `ResponseId`.
    #[test]
    fn a_qualtrics_export_lists_its_respondents_alone() {
        let export = "StartDate,ResponseId,ExternalReference,Q1\n\
                      Start Date,Response ID,External Data Reference,What is your gender?\n\
                      \"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",\"{\"\"ImportId\"\":\"\"externalDataReference\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\"\n\
                      2024-01-01,R_1,P01,Female\n\
                      2024-01-02,R_2,P02,Male\n";
        let p = parse(export).unwrap();
        let ids: Vec<&str> = p.list.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["P01", "P02"]);
        assert_eq!(p.list[0].attributes["q1"], "Female");
        // Without the researcher's ids, the response ids; the header rows
        // are still no one (before: `Response ID` and the ImportId cell
        // were listed as two people).
        let blank = export.replace(",P01,", ",,").replace(",P02,", ",,");
        let p = parse(&blank).unwrap();
        let ids: Vec<&str> = p.list.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["R_1", "R_2"]);
        // A first respondent whose answers happen to repeat one heading is
        // a respondent.
        let p = parse("id,name,group\nP1,Name,G1\nP2,Bob,G2\n").unwrap();
        assert_eq!(p.list.len(), 2);
    }

    /// h11/02: a survey tool's export used as the participants file: the
    /// tool's own columns (an IP address, GPS coordinates, timestamps) are
    /// no attributes, said once; its questions are, and a tracker's
    /// `Status` or `Email` column is still an attribute.
    #[test]
    fn a_survey_tools_own_columns_are_no_attributes() {
        let read = |src: &str| {
            Participants::read_table(Path::new("screening.csv"), src.as_bytes()).unwrap()
        };
        let export = "StartDate,EndDate,Status,IPAddress,Progress,Duration (in seconds),Finished,RecordedDate,ResponseId,\
                      RecipientLastName,RecipientFirstName,RecipientEmail,ExternalReference,LocationLatitude,\
                      LocationLongitude,DistributionChannel,UserLanguage,Q1,Q2\n\
                      Start Date,End Date,Response Type,IP Address,Progress,Duration (in seconds),Finished,Recorded Date,\
                      Response ID,Recipient Last Name,Recipient First Name,Recipient Email,External Data Reference,\
                      Location Latitude,Location Longitude,Distribution Channel,User Language,Department,Age group\n\
                      \"{\"\"ImportId\"\":\"\"startDate\"\"}\",,,,,,,,\"{\"\"ImportId\"\":\"\"_recordId\"\"}\",,,,,,,,,\"{\"\"ImportId\"\":\"\"QID1\"\"}\",\"{\"\"ImportId\"\":\"\"QID2\"\"}\"\n\
                      2025-03-11 09:01,2025-03-11 09:11,IP Address,81.2.69.141,100,337,True,2025-03-11 09:11,R_1,,,,P02,51.5,-0.12,anonymous,EN,Finance,25-34\n\
                      2025-03-12 09:02,2025-03-12 09:12,IP Address,81.2.69.142,100,374,True,2025-03-12 09:12,R_2,,,,P03,51.6,-0.13,anonymous,EN,Marketing,35-44\n";
        let (p, left_out) = read(export);
        assert_eq!(p.list[0].id, "P02");
        assert_eq!(
            p.list[0].attributes,
            BTreeMap::from([
                ("q1".to_string(), "Finance".to_string()),
                ("q2".to_string(), "25-34".to_string())
            ])
        );
        let left_out = left_out.unwrap();
        assert_eq!(left_out.tool, "Qualtrics");
        assert_eq!(
            left_out.columns,
            [
                "startdate",
                "enddate",
                "status",
                "ipaddress",
                "progress",
                "duration (in seconds)",
                "finished",
                "recordeddate",
                "responseid",
                "locationlatitude",
                "locationlongitude",
                "distributionchannel",
                "userlanguage"
            ]
        );
        assert!(left_out.to_string().starts_with(
            "`screening.csv` is a Qualtrics export: its own columns `startdate`, `enddate`,"
        ));
        // The file's columns, those left out too: read again, it takes an
        // earlier ingest's IP addresses out of the store.
        assert!(p.columns.contains(&"ipaddress".to_string()));
        // Without its ImportId row, known by its columns; its texts row is
        // no one, as before.
        let lines: Vec<&str> = export.lines().collect();
        let (p, left_out) = read(&[lines[0], lines[1], lines[3]].join("\n"));
        assert_eq!(p.list.len(), 1);
        assert!(!p.list[0].attributes.contains_key("ipaddress"));
        assert_eq!(left_out.unwrap().tool, "Qualtrics");
        // Google Forms and Microsoft Forms.
        let (p, left_out) = read(
            "Timestamp,Email address,Participant ID,Your team\n2025/03/01 9:00:00 AM GMT,a@x.org,P01,Sales\n",
        );
        assert_eq!(
            p.list[0].attributes.keys().collect::<Vec<_>>(),
            ["your team"]
        );
        assert_eq!(left_out.unwrap().columns, ["timestamp", "email address"]);
        let (p, left_out) = read(
            "ID,Start time,Completion time,Email,Name,Your team\n1,3/1/25 9:00,3/1/25 9:05,a@x.org,Ana,Sales\n",
        );
        assert_eq!(
            p.list[0].attributes.keys().collect::<Vec<_>>(),
            ["your team"]
        );
        assert_eq!(left_out.unwrap().tool, "Microsoft Forms");
        // A tracker's `Status` and `Email`: attributes, nothing said.
        let (p, left_out) = read("id,name,Status,Email\nP01,Ana,Withdrawn,a@x.org\n");
        assert_eq!(p.list[0].attributes["status"], "Withdrawn");
        assert_eq!(p.list[0].attributes["email"], "a@x.org");
        assert_eq!(left_out, None);
    }

    /// h17/01: Prolific's demographic export, Alchemer's and LimeSurvey's
    /// (either heading form) used as the participants file: the tool's own
    /// columns (submission ids, timestamps, IP address, GPS coordinates)
    /// are no attributes, said once; the profile and the questions are. A
    /// tracker's `Status`, `Country` or `Language` marks no tool.
    #[test]
    fn prolific_alchemer_and_limesurvey_own_columns_are_no_attributes() {
        let read =
            |src: &str| Participants::read_table(Path::new("panel.csv"), src.as_bytes()).unwrap();
        let (p, left_out) = read(
            "Submission id,Participant id,Status,Custom study tncs accepted at,Started at,Completed at,\
             Reviewed at,Archived at,Time taken,Completion code,Total approvals,Age,Sex,Country of residence,Language\n\
             65f0a1b2,5f8a1c2e,APPROVED,Not Applicable,2024-03-01T09:09:12Z,2024-03-01T09:20:41Z,\
             2024-03-02T10:00:00Z,2024-03-01T09:20:41Z,689,C1A2B3C4,212,34,Female,United Kingdom,English\n",
        );
        assert_eq!(p.list[0].id, "5f8a1c2e");
        assert_eq!(
            p.list[0].attributes,
            BTreeMap::from([
                ("age".to_string(), "34".to_string()),
                ("sex".to_string(), "Female".to_string()),
                (
                    "country of residence".to_string(),
                    "United Kingdom".to_string()
                ),
                ("language".to_string(), "English".to_string()),
            ])
        );
        let left_out = left_out.unwrap();
        assert_eq!(left_out.tool, "Prolific");
        assert_eq!(
            left_out.columns,
            [
                "submission id",
                "status",
                "started at",
                "completed at",
                "reviewed at",
                "archived at",
                "time taken",
                "completion code",
                "total approvals"
            ]
        );
        // Its older export, headed in snake case.
        let (p, left_out) = read(
            "session_id,participant_id,status,started_datetime,completed_date_time,time_taken,age,\
             num_approvals,num_rejections,prolific_score,reviewed_at_datetime,entered_code,Sex\n\
             s1,5f8a1c2e,APPROVED,2021-03-01 09:09,2021-03-01 09:20,689,34,212,0,100,2021-03-02,C1A2,Female\n",
        );
        assert_eq!(p.list[0].id, "5f8a1c2e");
        assert_eq!(
            p.list[0].attributes.keys().collect::<Vec<_>>(),
            ["age", "sex"]
        );
        assert_eq!(left_out.unwrap().tool, "Prolific");
        // Alchemer: its IP address, GPS coordinates and user agent too.
        let (p, left_out) = read(
            "Response ID,Time Started,Date Submitted,Status,Contact ID,Legacy Comments,Comments,Language,\
             Referer,SessionID,User Agent,Tags,IP Address,Longitude,Latitude,Country,City,State/Region,Postal,\
             What is your team?\n\
             12,2024-05-01 10:00:00,2024-05-01 10:09:00,Complete,,,,English,https://example.org,\
             1714557600_abc,Mozilla/5.0,,81.2.69.141,-0.12,51.5,United Kingdom,London,England,EC1A,Finance\n",
        );
        assert_eq!(p.list[0].id, "12");
        assert_eq!(
            p.list[0].attributes,
            BTreeMap::from([("what is your team?".to_string(), "Finance".to_string())])
        );
        let left_out = left_out.unwrap();
        assert_eq!(left_out.tool, "Alchemer");
        assert!(left_out.columns.contains(&"ip address".to_string()));
        assert!(left_out.columns.contains(&"latitude".to_string()));
        assert!(left_out.columns.contains(&"user agent".to_string()));
        // LimeSurvey, by question codes and by full question texts.
        let (p, left_out) = read(
            "id,submitdate,lastpage,startlanguage,seed,startdate,datestamp,ipaddr,refurl,ROLE\n\
             1,2024-04-02 10:11:12,3,en,123456789,2024-04-02 10:01:00,2024-04-02 10:11:12,192.168.10.4,,Nurse\n",
        );
        assert_eq!(
            p.list[0].attributes,
            BTreeMap::from([("role".to_string(), "Nurse".to_string())])
        );
        assert_eq!(left_out.unwrap().tool, "LimeSurvey");
        let (p, left_out) = read(
            "Response ID,Date submitted,Last page,Start language,Seed,Date started,Date last action,\
             IP address,Referrer URL,What is your role?\n\
             1,2024-04-02 10:11:12,3,en,123456789,2024-04-02 10:01:00,2024-04-02 10:11:12,192.168.10.4,,Nurse\n",
        );
        assert_eq!(p.list[0].id, "1");
        assert_eq!(
            p.list[0].attributes,
            BTreeMap::from([("what is your role?".to_string(), "Nurse".to_string())])
        );
        assert_eq!(left_out.unwrap().tool, "LimeSurvey");
        // A tracker's `Status`, `Country`, `Language`, `City` and
        // `Completed at`: attributes, nothing said.
        let (p, left_out) = read(
            "Participant id,Name,Status,Country,Language,City,Completed at\n\
             P01,Ana,Withdrawn,Chile,Spanish,Santiago,2024-03-01\n",
        );
        assert_eq!(
            p.list[0].attributes.keys().collect::<Vec<_>>(),
            ["city", "completed at", "country", "language", "status"]
        );
        assert_eq!(left_out, None);
    }

    /// h17/02: Prolific's `CONSENT_REVOKED` and `DATA_EXPIRED` are no
    /// value, as `NA` is, in any case; a value merely holding the words is
    /// one.
    #[test]
    fn prolifics_missing_data_markers_are_no_value() {
        for unset in [
            "CONSENT_REVOKED",
            "DATA_EXPIRED",
            "consent_revoked",
            " Data_Expired ",
        ] {
            assert!(is_unset_value(unset), "{unset}");
        }
        for value in ["Consent revoked by GP", "Expired", "NAN", "None", "0"] {
            assert!(!is_unset_value(value), "{value}");
        }
        let p = parse(
            "id,Age,Sex,Employment status\n\
             P1,34,Female,Full-Time\n\
             P2,CONSENT_REVOKED,CONSENT_REVOKED,DATA_EXPIRED\n",
        )
        .unwrap();
        assert_eq!(p.list[0].attributes.len(), 3);
        assert!(p.list[1].attributes.is_empty());
    }

    #[test]
    fn errors_name_file_and_row() {
        let e = parse("who,group\nAnna,G1\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "people.csv: no column `id` or `name` for the participants file; columns found: `who`, `group`"
        );
        let e = parse("id,name\nP1,Anna\nP1,Bob\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "people.csv: row 2 (line 3): participant id `P1` is already used in row 1"
        );
        // Ids one participant whatever their case (hU/01: P1 Maria and p1
        // John were merged at ingest); capital initials are not.
        let e = parse("id,name\nP1,Maria\np1,John\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "people.csv: row 2 (line 3): participant id `p1` is already used in row 1 as `P1` (an id is one participant whatever its case)"
        );
        assert_eq!(parse("id,name\nMO,Mo\nMo,Mary\n").unwrap().list.len(), 2);
        let e = parse("id,name\nP1,Anna\nP2, anna\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("people.csv: row 2 (line 3): name `anna` is already listed in row 1"),
            "{e}"
        );
        // A name without an id yet is its own id (the empty row's error is
        // in `trackers_as_research_assistants_keep_them`).
        let p = parse("id,name\n,Anna\n").unwrap();
        assert_eq!(p.list[0].id, "Anna");
        // Two columns of one name: the id, or an attribute the other would
        // overwrite.
        for (csv, h, cols) in [
            ("id,name,ID\nP1,Anna,P2\n", "id", "1 and 3"),
            ("id,name,group,Group \nP1,Anna,G1,G2\n", "group", "3 and 4"),
        ] {
            let e = parse(csv).unwrap_err().to_string();
            assert!(
                e.ends_with(&format!(
                    "header: column `{h}` appears twice (columns {cols})"
                )),
                "{e}"
            );
        }
    }
}
