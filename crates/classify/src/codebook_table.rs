//! A codebook kept as a table, one code per row: how research teams write
//! codebooks in a spreadsheet (code, definition, when to use, when not to
//! use, examples; MacQueen et al. 1998's template) and how NVivo and
//! ATLAS.ti export code lists (`Name`/`Code` and `Description`/`Comment`
//! columns). Columns are recognised by their names; the file itself is read
//! by the caller (`corpus::formats::read_table`), so this module stays free
//! of I/O as the rest of the crate is.

use std::collections::{HashMap, HashSet};

use crate::codebook::{Code, Codebook, CodebookError, Problem};

/// The codebook field a column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    Parent,
    Definition,
    Inclusion,
    Exclusion,
    Examples,
    CounterExamples,
    Color,
}

/// Column names (lower case, words joined by one space) and the field each
/// fills. A name ending in a number (`example 2`) counts as its stem.
const COLUMNS: &[(&str, Field)] = &[
    ("id", Field::Id),
    ("code id", Field::Id),
    ("key", Field::Id),
    ("code", Field::Name),
    ("code name", Field::Name),
    ("name", Field::Name),
    ("label", Field::Name),
    ("code label", Field::Name),
    ("theme", Field::Name),
    ("tag", Field::Name),
    ("node", Field::Name),
    ("hierarchical name", Field::Name),
    ("category", Field::Name),
    ("parent", Field::Parent),
    ("parent code", Field::Parent),
    ("parent id", Field::Parent),
    ("parent name", Field::Parent),
    ("parent theme", Field::Parent),
    ("parent node", Field::Parent),
    ("parent category", Field::Parent),
    ("definition", Field::Definition),
    ("code definition", Field::Definition),
    ("brief definition", Field::Definition),
    ("short definition", Field::Definition),
    ("full definition", Field::Definition),
    ("description", Field::Definition),
    ("code description", Field::Definition),
    ("comment", Field::Definition),
    ("memo", Field::Definition),
    ("code memo", Field::Definition),
    ("inclusion", Field::Inclusion),
    ("inclusion criteria", Field::Inclusion),
    ("include", Field::Inclusion),
    ("when to use", Field::Inclusion),
    ("exclusion", Field::Exclusion),
    ("exclusion criteria", Field::Exclusion),
    ("exclude", Field::Exclusion),
    ("when not to use", Field::Exclusion),
    ("example", Field::Examples),
    ("examples", Field::Examples),
    ("typical example", Field::Examples),
    ("typical examples", Field::Examples),
    ("example quote", Field::Examples),
    ("example quotes", Field::Examples),
    ("counter example", Field::CounterExamples),
    ("counter examples", Field::CounterExamples),
    ("counterexample", Field::CounterExamples),
    ("counterexamples", Field::CounterExamples),
    ("non example", Field::CounterExamples),
    ("non examples", Field::CounterExamples),
    ("negative example", Field::CounterExamples),
    ("negative examples", Field::CounterExamples),
    ("close but no", Field::CounterExamples),
    ("color", Field::Color),
    ("colour", Field::Color),
];

/// A column name as [`COLUMNS`] lists it: lower case, punctuation and
/// underscores as spaces, a trailing number dropped.
fn column_key(header: &str) -> String {
    let words: Vec<String> = header
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let keep = match words.last() {
        Some(w) if words.len() > 1 && w.chars().all(|c| c.is_ascii_digit()) => words.len() - 1,
        _ => words.len(),
    };
    words[..keep].join(" ")
}

/// A cell's texts: one per line (a spreadsheet cell holding several
/// examples has a line for each), blank lines dropped.
fn cell_lines(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
}

/// The codebook in a table: `headers` are the column names, `rows` each
/// row's location (for messages) and cells. A row without a code name or id
/// is skipped (a blank line, a section heading in a merged cell); columns
/// the table has beyond [`COLUMNS`] (NVivo's `Files` and `References`
/// counts, a team's own notes) are ignored. A parent cell may hold the
/// parent's id or its name. Problems name the file and the row.
/// Whether cells name a code column (`code`, `name`, `id`, …).
fn names_codes(cells: &[String]) -> bool {
    cells.iter().any(|c| {
        let key = column_key(c);
        COLUMNS
            .iter()
            .any(|(k, f)| *k == key && matches!(f, Field::Id | Field::Name))
    })
}

/// Whether a sheet reads as a codebook table: its column names, or one of
/// its first ten rows (below a title), name a code column. A workbook's
/// first such sheet is its codebook, past a sheet of instructions.
pub fn table_names_codes(headers: &[String], rows: &[(String, Vec<String>)]) -> bool {
    names_codes(headers) || rows.iter().take(10).any(|(_, cells)| names_codes(cells))
}

pub fn codebook_from_table(
    file: &str,
    name: &str,
    headers: &[String],
    rows: &[(String, Vec<String>)],
) -> Result<Codebook, CodebookError> {
    let fields: Vec<Option<Field>> = headers
        .iter()
        .map(|h| {
            let key = column_key(h);
            COLUMNS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, f)| *f)
                // `Node Description`, `Theme definition`: a definition.
                .or_else(|| {
                    key.rsplit(' ')
                        .next()
                        .is_some_and(|w| w == "description" || w == "definition")
                        .then_some(Field::Definition)
                })
        })
        .collect();
    let has = |field: Field| fields.contains(&Some(field));
    if !has(Field::Id) && !has(Field::Name) {
        // A sheet that opens with a title or a note above its column
        // names ("Codebook v3, agreed 12 May"): the first of its first
        // rows that names a code column is the header.
        if let Some(at) = rows
            .iter()
            .take(10)
            .position(|(_, cells)| names_codes(cells))
        {
            let headers: Vec<String> = rows[at].1.iter().map(|c| c.trim().to_string()).collect();
            return codebook_from_table(file, name, &headers, &rows[at + 1..]);
        }
        return Err(CodebookError::Parse(Problem {
            file: file.to_string(),
            line: None,
            field: "header".into(),
            message: format!(
                "no column names the codes (a codebook table has a `code`, `name`, `label` or `id` column, and `definition`, `inclusion`, `exclusion`, `examples` …); columns found: {}",
                headers
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }));
    }
    let mut codes = Vec::new();
    let mut locations = Vec::new();
    // Each code's path from its root, where its row wrote one
    // (`Barriers\Other\Misc`): its parent is the code of the path above.
    let mut paths: Vec<Option<Vec<String>>> = Vec::new();
    for (location, cells) in rows {
        let mut code = Code::default();
        let mut definitions = Vec::new();
        // A table with NVivo's `Hierarchical Name` beside its `Name` reads
        // the path: the one cell of the row that holds one.
        let path_cell = cells
            .iter()
            .zip(&fields)
            .find(|(c, f)| **f == Some(Field::Name) && c.contains('\\'))
            .map(|(c, _)| c.trim().to_string());
        for (cell, field) in cells.iter().zip(&fields) {
            let text = cell.trim();
            let Some(field) = field else { continue };
            if text.is_empty() {
                continue;
            }
            match field {
                Field::Id => code.id = text.to_string(),
                Field::Name if code.name.contains('\\') => {}
                Field::Name => code.name = text.to_string(),
                Field::Parent => code.parent = Some(text.to_string()),
                Field::Definition => definitions.push(text.to_string()),
                Field::Inclusion => code.inclusion.extend(cell_lines(text)),
                Field::Exclusion => code.exclusion.extend(cell_lines(text)),
                Field::Examples => code.examples.extend(cell_lines(text)),
                Field::CounterExamples => code.counter_examples.extend(cell_lines(text)),
                Field::Color => code.color = Some(text.to_string()),
            }
        }
        if let Some(path) = path_cell {
            code.name = path;
        }
        if code.id.is_empty() && code.name.is_empty() {
            continue;
        }
        let mut path = None;
        // NVivo and MAXQDA write a code with its path, `Challenges\Isolation`
        // (NVivo's Hierarchical Name from its root, `Codes\\Challenges\\…`):
        // the last part is the code, the one before it its parent.
        if code.name.contains('\\') {
            let parts = path_parts(&code.name);
            if let Some((leaf, above)) = parts.split_last() {
                if code.parent.is_none() {
                    code.parent = above.last().map(|p| p.to_string());
                }
                path = Some(parts.clone());
                code.name = leaf.to_string();
            }
        }
        if code.id.is_empty() {
            code.id = code.name.clone();
        }
        if code.name.is_empty() {
            code.name = code.id.clone();
        }
        code.definition = definitions.join(" ");
        codes.push(code);
        locations.push(location.as_str());
        paths.push(path);
    }
    if codes.is_empty() {
        return Err(CodebookError::Parse(Problem {
            file: file.to_string(),
            line: None,
            field: "rows".into(),
            message: "no row names a code (each code is a row with its name or id)".into(),
        }));
    }
    // Without an id column a code's id is its name, and the same name
    // under two parents (`Challenges\Other`, `Practicalities\Other`) is
    // two codes: each such id is its parent's name and its own
    // (`Challenges/Other`).
    // A path deeper than two (`Barriers\Other\Misc`, `Facilitators\Other\
    // Misc`) takes as many of its last parts as make it unique.
    if !has(Field::Id) {
        // A code without a path but with a parent's name reads as the
        // path of the two.
        let full: Vec<Vec<String>> = codes
            .iter()
            .zip(&paths)
            .map(|(c, p)| match (p, &c.parent) {
                (Some(p), _) => p.clone(),
                (None, Some(parent)) => vec![parent.clone(), c.name.clone()],
                (None, None) => vec![c.name.clone()],
            })
            .collect();
        let current: Vec<String> = codes.iter().map(|c| c.id.clone()).collect();
        let ids = crate::codebook::ids_by_path(&current, &full, &vec![false; codes.len()]);
        for (c, id) in codes.iter_mut().zip(ids) {
            c.id = id;
        }
    }
    // A code written with its path has the code of the path above it as
    // its parent, whatever names repeat; so has a parent cell holding a
    // path (`Facilitators\Peer support`).
    let by_path: HashMap<Vec<String>, String> = paths
        .iter()
        .zip(&codes)
        .filter_map(|(p, c)| Some((p.clone()?, c.id.clone())))
        .collect();
    for (code, path) in codes.iter_mut().zip(&paths) {
        let above: Option<Vec<String>> = match (path, &code.parent) {
            (Some(path), _) if path.len() > 1 => Some(path[..path.len() - 1].to_vec()),
            (_, Some(parent)) if parent.contains('\\') => {
                let parts = path_parts(parent);
                if let Some(last) = parts.last() {
                    code.parent = Some(last.clone());
                }
                Some(parts)
            }
            _ => None,
        };
        if let Some(id) = above.and_then(|a| by_path.get(&a)) {
            code.parent = Some(id.clone());
        }
    }
    // A parent named by its id, or else by its name; a name two codes share
    // names neither (it went to the last of them).
    let ids: HashSet<String> = codes.iter().map(|c| c.id.clone()).collect();
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for c in &codes {
        by_name
            .entry(c.name.clone())
            .or_default()
            .push(c.id.clone());
    }
    let mut ambiguous = Vec::new();
    for (i, code) in codes.iter_mut().enumerate() {
        let Some(parent) = code.parent.clone() else {
            continue;
        };
        if ids.contains(&parent) {
            continue;
        }
        match by_name.get(&parent).map(Vec::as_slice) {
            Some([id]) => code.parent = Some(id.clone()),
            Some(several) if several.len() > 1 => ambiguous.push(Problem {
                file: file.to_string(),
                line: None,
                field: format!("codes[{i}].parent"),
                message: format!(
                    "code {:?} has parent {parent:?}, the name of {} codes ({}); give the parent's id",
                    code.name,
                    several.len(),
                    several.join(", ")
                ),
            }),
            _ => {}
        }
    }
    let codebook = Codebook {
        name: name.to_string(),
        codes,
    };
    let problems = match codebook.validate(file, None) {
        Ok(()) if ambiguous.is_empty() => return Ok(codebook),
        Ok(()) => ambiguous,
        // The validator's "unknown parent" for those names says less.
        Err(found) => {
            let named: HashSet<&str> = ambiguous.iter().map(|p| p.field.as_str()).collect();
            let mut all: Vec<Problem> = found
                .into_iter()
                .filter(|p| !named.contains(p.field.as_str()))
                .collect();
            all.extend(ambiguous);
            all
        }
    };
    Err(CodebookError::Invalid(
        problems
            .into_iter()
            .map(|p| Problem {
                field: row_field(&p.field, &locations),
                // "first used by codes[0]": the row it is.
                message: locations
                    .iter()
                    .enumerate()
                    .fold(p.message.clone(), |m, (i, at)| {
                        m.replace(&format!("codes[{i}]"), at)
                    }),
                ..p
            })
            .collect(),
    ))
}

/// A code's path as NVivo and MAXQDA write it (`Challenges\Isolation`),
/// its names from the top, without the root folder NVivo starts its
/// Hierarchical Name with (`Codes\…`).
fn path_parts(written: &str) -> Vec<String> {
    let parts: Vec<String> = written
        .split('\\')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let root = parts.len() > 1
        && matches!(
            parts[0].to_lowercase().as_str(),
            "codes" | "nodes" | "code system"
        );
    parts[usize::from(root)..].to_vec()
}

/// `codes[3].parent` as the table's row: `row 4 (line 5), parent`.
fn row_field(field: &str, locations: &[&str]) -> String {
    let indexed = field
        .strip_prefix("codes[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
    match indexed {
        Some((i, rest)) if i < locations.len() => {
            let rest = rest.trim_start_matches('.');
            if rest.is_empty() {
                locations[i].to_string()
            } else {
                format!("{}, {rest}", locations[i])
            }
        }
        _ => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> (Vec<String>, Vec<(String, Vec<String>)>) {
        let headers = rows[0].iter().map(|h| h.to_string()).collect();
        let rows = rows[1..]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    format!("row {} (line {})", i + 1, i + 2),
                    r.iter().map(|c| c.to_string()).collect(),
                )
            })
            .collect();
        (headers, rows)
    }

    #[test]
    fn a_teams_codebook_sheet_is_read_by_its_column_names() {
        let (headers, rows) = table(&[
            &[
                "Code",
                "Parent code",
                "Brief definition",
                "Full definition",
                "When to use",
                "When not to use",
                "Example 1",
                "Example 2",
                "Close, but no",
                "Files",
            ],
            &[
                "Costs",
                "",
                "Money.",
                "Rent and wages.",
                "",
                "",
                "",
                "",
                "",
                "3",
            ],
            &[
                "Premises",
                "Costs",
                "Offices.",
                "",
                "desks\ncoworking",
                "home offices",
                "We dropped the lease.",
                "We rent a hot desk.\n\nRent doubled.",
                "My kitchen table is my office.",
                "7",
            ],
            &["", "", "", "", "", "", "", "", "", ""],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(cb.name, "cb");
        assert_eq!(cb.codes.len(), 2, "the blank row is skipped");
        let costs = &cb.codes[0];
        assert_eq!((costs.id.as_str(), costs.name.as_str()), ("Costs", "Costs"));
        assert_eq!(costs.definition, "Money. Rent and wages.");
        let premises = &cb.codes[1];
        assert_eq!(premises.parent.as_deref(), Some("Costs"));
        assert_eq!(premises.inclusion, vec!["desks", "coworking"]);
        assert_eq!(premises.exclusion, vec!["home offices"]);
        assert_eq!(
            premises.examples,
            vec![
                "We dropped the lease.",
                "We rent a hot desk.",
                "Rent doubled."
            ]
        );
        assert_eq!(
            premises.counter_examples,
            vec!["My kitchen table is my office."]
        );
    }

    /// Exports the first reading missed: a path three deep whose parents'
    /// names repeat, NVivo's `Hierarchical Name` beside its `Name`, a
    /// parent cell holding a path, Taguette's `tag`, a `Code Description`.
    #[test]
    fn deep_paths_two_name_columns_and_other_tools_columns() {
        let ids = |cb: &Codebook| -> Vec<(String, Option<String>)> {
            cb.codes
                .iter()
                .map(|c| (c.id.clone(), c.parent.clone()))
                .collect()
        };
        let own = |v: &[(&str, Option<&str>)]| -> Vec<(String, Option<String>)> {
            v.iter()
                .map(|(i, p)| (i.to_string(), p.map(str::to_string)))
                .collect()
        };
        let (headers, rows) = table(&[
            &["Name", "Description"],
            &["Barriers", "In the way"],
            &["Barriers\\Other", "Other barriers"],
            &["Barriers\\Other\\Misc", "Odd barriers"],
            &["Facilitators", "Help"],
            &["Facilitators\\Other", "Other help"],
            &["Facilitators\\Other\\Misc", "Odd help"],
        ]);
        let cb = codebook_from_table("codes.csv", "codes", &headers, &rows).unwrap();
        assert_eq!(
            ids(&cb),
            own(&[
                ("Barriers", None),
                ("Barriers/Other", Some("Barriers")),
                ("Barriers/Other/Misc", Some("Barriers/Other")),
                ("Facilitators", None),
                ("Facilitators/Other", Some("Facilitators")),
                ("Facilitators/Other/Misc", Some("Facilitators/Other")),
            ])
        );
        let (headers, rows) = table(&[
            &["Hierarchical Name", "Name", "Description"],
            &["Codes\\Barriers", "Barriers", "In the way"],
            &["Codes\\Barriers\\Cost", "Cost", "Money"],
        ]);
        let cb = codebook_from_table("nodes.csv", "nodes", &headers, &rows).unwrap();
        assert_eq!(
            ids(&cb),
            own(&[("Barriers", None), ("Cost", Some("Barriers"))])
        );
        let (headers, rows) = table(&[
            &["Code", "Parent code", "Code Description"],
            &["Facilitators", "", "Help"],
            &["Peer support", "Facilitators", "Peers"],
            &["Buddies", "Facilitators\\Peer support", "A named buddy"],
        ]);
        let cb = codebook_from_table("codes.csv", "codes", &headers, &rows).unwrap();
        assert_eq!(cb.codes[2].parent.as_deref(), Some("Peer support"));
        assert_eq!(cb.codes[2].definition, "A named buddy");
        let (headers, rows) = table(&[
            &["tag", "parent", "description", "number of highlights"],
            &["cost", "", "Money", "4"],
            &["fees", "cost", "Fees paid", "2"],
        ]);
        let cb = codebook_from_table("taguette.csv", "t", &headers, &rows).unwrap();
        assert_eq!(ids(&cb), own(&[("cost", None), ("fees", Some("cost"))]));
        let (headers, rows) =
            table(&[&["Node", "Node Description"], &["Trust", "Faith in others"]]);
        let cb = codebook_from_table("n.csv", "n", &headers, &rows).unwrap();
        assert_eq!(cb.codes[0].definition, "Faith in others");
    }

    #[test]
    fn nvivo_and_maxqda_paths_are_the_hierarchy() {
        let (headers, rows) = table(&[
            &["Name", "Description", "Files", "References"],
            &["Challenges", "Hard things", "3", "10"],
            &["Challenges\\Isolation", "Being alone", "2", "4"],
            &["Codes\\Challenges\\Costs", "Money", "1", "2"],
        ]);
        let cb = codebook_from_table("codebook.csv", "codebook", &headers, &rows).unwrap();
        let view: Vec<(&str, Option<&str>)> = cb
            .codes
            .iter()
            .map(|c| (c.name.as_str(), c.parent.as_deref()))
            .collect();
        assert_eq!(
            view,
            vec![
                ("Challenges", None),
                ("Isolation", Some("Challenges")),
                ("Costs", Some("Challenges"))
            ]
        );
        // One name under two parents: two codes, told apart by their ids.
        let (headers, rows) = table(&[
            &["Name", "Description"],
            &["Challenges", "Hard things"],
            &["Challenges\\Other", "Other hard things"],
            &["Practicalities", "Everyday things"],
            &["Practicalities\\Other", "Other everyday things"],
        ]);
        let cb = codebook_from_table("codebook.csv", "codebook", &headers, &rows).unwrap();
        let ids: Vec<&str> = cb.codes.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "Challenges",
                "Challenges/Other",
                "Practicalities",
                "Practicalities/Other"
            ]
        );
        // MAXQDA's code system: a memo is the definition.
        let (headers, rows) = table(&[
            &["Parent code", "Code", "Code memo"],
            &["", "Tools", "Software"],
        ]);
        let cb = codebook_from_table("cs.csv", "cs", &headers, &rows).unwrap();
        assert_eq!(cb.codes[0].definition, "Software");
    }

    #[test]
    fn an_export_with_ids_takes_parents_by_id_or_name() {
        let (headers, rows) = table(&[
            &["ID", "Name", "Parent", "Comment"],
            &["c1", "Costs", "", "money"],
            &["c2", "Premises", "Costs", "offices"],
            &["c3", "Rent", "c2", "rent"],
        ]);
        let cb = codebook_from_table("codes.csv", "codes", &headers, &rows).unwrap();
        let parents: Vec<_> = cb.codes.iter().map(|c| c.parent.as_deref()).collect();
        assert_eq!(parents, vec![None, Some("c1"), Some("c2")]);
        assert_eq!(cb.codes[2].name, "Rent");
        assert_eq!(cb.codes[0].definition, "money");
        // A name two codes share is no parent's name: said, not given to
        // the last of them.
        let (headers, rows) = table(&[
            &["ID", "Name", "Parent", "Comment"],
            &["a", "Same", "", "one"],
            &["b", "Same", "", "two"],
            &["c", "Child", "Same", "three"],
            &["d", "Other", "b", "four"],
        ]);
        let e = codebook_from_table("codes.csv", "codes", &headers, &rows)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "1 problem(s) in the codebook:\n  codes.csv: row 3 (line 4), parent: code \"Child\" has parent \"Same\", the name of 2 codes (a, b); give the parent's id"
        );
    }

    #[test]
    fn problems_name_the_file_and_the_row() {
        let (headers, rows) = table(&[&["Definition", "Notes"], &["money", "x"]]);
        let e = codebook_from_table("cb.csv", "cb", &headers, &rows)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cb.csv: header: no column names the codes")
                && e.contains("columns found: `Definition`, `Notes`"),
            "{e}"
        );
        let (headers, rows) = table(&[
            &["code", "definition", "parent"],
            &["Costs", "money", ""],
            &["Premises", "", "Cost"],
            &["Costs", "again", ""],
        ]);
        let e = codebook_from_table("cb.csv", "cb", &headers, &rows)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "cb.csv: row 2 (line 3), parent: code \"Premises\" has unknown parent \"Cost\""
            ),
            "{e}"
        );
        assert!(
            e.contains(
                "cb.csv: row 3 (line 4), id: duplicate id \"Costs\" (first used by row 1 (line 2))"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_title_above_the_column_names_is_skipped() {
        let (headers, rows) = table(&[
            &["Codebook v3, agreed 12 May", "", ""],
            &["for the remote work study", "", ""],
            &["Code", "Definition", "Example"],
            &["Costs", "money", "Rent doubled."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(cb.codes.len(), 1);
        assert_eq!(cb.codes[0].id, "Costs");
        assert_eq!(cb.codes[0].examples, vec!["Rent doubled."]);
    }

    #[test]
    fn column_names_are_matched_without_case_punctuation_or_numbers() {
        assert_eq!(column_key("  Inclusion_Criteria "), "inclusion criteria");
        assert_eq!(column_key("Example 2"), "example");
        assert_eq!(column_key("Close, but no"), "close but no");
        assert_eq!(column_key("Non-examples"), "non examples");
        assert_eq!(column_key("2"), "2");
    }
}
