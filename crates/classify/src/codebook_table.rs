//! A codebook kept as a table, one code per row: how research teams write
//! codebooks in a spreadsheet (code, definition, when to use, when not to
//! use, examples; MacQueen et al. 1998's template) and how NVivo and
//! ATLAS.ti export code lists (`Name`/`Code` and `Description`/`Comment`
//! columns). Columns are recognised by their names; the file itself is read
//! by the caller (`corpus::formats::read_table`), so this module stays free
//! of I/O as the rest of the crate is.

use std::collections::{HashMap, HashSet};

use crate::codebook::{Code, Codebook, CodebookError, Problem, MAX_HIERARCHY_DEPTH};

/// The codebook field a column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Name,
    /// A sub-theme beside its theme (`Theme | Sub-theme`): the row's code,
    /// under the theme.
    SubName,
    /// A code's outline number (`No.`, `1.2`): read for the hierarchy and
    /// for parent cells that give the parent's number.
    Number,
    /// A code's depth in an outline (`Level`: 1 for a top-level code, 2
    /// for one under it, …), rows in outline order: read for the
    /// hierarchy ([`read_depths`]).
    Depth,
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
    // MAXQDA's code system export: each cell a path, `Barriers\Cost`.
    ("code system", Field::Name),
    ("category", Field::Name),
    ("sub theme", Field::SubName),
    ("sub themes", Field::SubName),
    ("subtheme", Field::SubName),
    ("subthemes", Field::SubName),
    ("sub code", Field::SubName),
    ("sub codes", Field::SubName),
    ("subcode", Field::SubName),
    ("subcodes", Field::SubName),
    ("child code", Field::SubName),
    ("child theme", Field::SubName),
    ("child node", Field::SubName),
    ("sub category", Field::SubName),
    ("sub categories", Field::SubName),
    ("subcategory", Field::SubName),
    ("subcategories", Field::SubName),
    ("sub node", Field::SubName),
    ("subnode", Field::SubName),
    ("no", Field::Number),
    ("number", Field::Number),
    ("code no", Field::Number),
    ("code number", Field::Number),
    // Excel codebooks, and NVivo's and MAXQDA's outline exports, give each
    // code's depth beside it in outline order. Ignored before, with NVivo's
    // count columns: every code came out top-level without a word (h12/03).
    ("level", Field::Depth),
    ("code level", Field::Depth),
    ("hierarchy level", Field::Depth),
    ("outline level", Field::Depth),
    ("depth", Field::Depth),
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
    ("memo text", Field::Definition),
    ("inclusion", Field::Inclusion),
    ("inclusion criteria", Field::Inclusion),
    ("inclusion criterion", Field::Inclusion),
    ("criteria for inclusion", Field::Inclusion),
    ("include", Field::Inclusion),
    ("when to use", Field::Inclusion),
    ("exclusion", Field::Exclusion),
    ("exclusion criteria", Field::Exclusion),
    ("exclusion criterion", Field::Exclusion),
    ("criteria for exclusion", Field::Exclusion),
    ("exclude", Field::Exclusion),
    ("when not to use", Field::Exclusion),
    ("example", Field::Examples),
    ("examples", Field::Examples),
    ("typical example", Field::Examples),
    ("typical examples", Field::Examples),
    ("example quote", Field::Examples),
    ("example quotes", Field::Examples),
    // MacQueen et al. (1998): typical exemplars, and atypical ones ("text
    // that should be coded but may at first seem not to belong"): both
    // are the code's examples.
    ("exemplar", Field::Examples),
    ("exemplars", Field::Examples),
    ("typical exemplar", Field::Examples),
    ("typical exemplars", Field::Examples),
    ("atypical exemplar", Field::Examples),
    ("atypical exemplars", Field::Examples),
    ("atypical example", Field::Examples),
    ("atypical examples", Field::Examples),
    ("quote", Field::Examples),
    ("quotes", Field::Examples),
    ("illustrative quote", Field::Examples),
    ("illustrative quotes", Field::Examples),
    ("example quotation", Field::Examples),
    ("example quotations", Field::Examples),
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
/// underscores as spaces, a trailing number dropped, and a gloss in
/// brackets dropped (`Inclusion (when to use)`, `Example(s)`, `Definition
/// [brief]`: read as no column before, their criteria and examples lost).
fn column_key(header: &str) -> String {
    let mut bare = String::new();
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => bare.push(c),
            _ => {}
        }
    }
    let header = if bare.chars().any(char::is_alphanumeric) {
        bare.as_str()
    } else {
        header
    };
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

/// Whether cells name a code column and a column that says what a code is
/// (a definition, criteria, examples, a parent or sub-theme).
fn describes_codes(cells: &[String]) -> bool {
    let fields: Vec<Field> = cells
        .iter()
        .filter_map(|c| {
            let key = column_key(c);
            COLUMNS.iter().find(|(k, _)| *k == key).map(|(_, f)| *f)
        })
        .collect();
    fields.iter().any(|f| matches!(f, Field::Id | Field::Name))
        && fields.iter().any(|f| {
            !matches!(
                f,
                Field::Id | Field::Name | Field::Number | Field::Depth | Field::Color
            )
        })
}

/// [`table_names_codes`] of a table that also says what its codes are: a
/// document's history (`Version | Date | Name | Changes`) or team (`Name |
/// Role`) table names a `Name` column and nothing a code has, and was read
/// as the codebook before the codebook's own table.
pub fn table_describes_codes(headers: &[String], rows: &[(String, Vec<String>)]) -> bool {
    describes_codes(headers)
        || rows
            .iter()
            .take(10)
            .any(|(_, cells)| describes_codes(cells))
}

/// The codebook in a table: `headers` are the column names, `rows` each
/// row's location (for messages) and cells. A row without a code name or id
/// is skipped (a blank line, a section heading in a merged cell); columns
/// the table has beyond [`COLUMNS`] (NVivo's `Files` and `References`
/// counts, a team's own notes) are ignored. A parent cell may hold the
/// parent's id, its name or its number. Problems name the file and the row.
///
/// The hierarchy is the table's where its columns give one: a parent
/// column, paths (`Challenges\Isolation`), a sub-theme column beside the
/// theme's, a level column of numbers (`Level`: 1, 2, 3 in outline order,
/// [`read_depths`]; a level that skips one is refused, naming the row).
/// Where they give none it is read from the names, conservatively
/// ([`read_written_parents`], [`read_outline`]): a name that cannot be read
/// as a child stays a top-level code, as it was before.
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
    // Dedoose's code export, `Parent Code | Child Code | Description`:
    // no name column, the parent column the theme above each child (a row
    // without a child is the parent itself). Refused as naming no codes
    // before.
    let mut fields = fields;
    let mut parent_as_name = None;
    if !fields.contains(&Some(Field::Id))
        && !fields.contains(&Some(Field::Name))
        && fields.contains(&Some(Field::SubName))
    {
        if let Some(parent) = fields.iter().position(|f| *f == Some(Field::Parent)) {
            fields[parent] = Some(Field::Name);
            parent_as_name = Some(parent);
        }
    }
    // A team template that cites codes by a short code beside their label
    // (`Code | Label | Definition`: `ACCESS-COST`, `Cost of care`): the
    // column whose every cell is one word is the id, the other the name.
    // Before, the rightmost of the two was both, the other lost without a
    // word (ha/05).
    if !fields.contains(&Some(Field::Id)) {
        let naming: Vec<usize> = headers
            .iter()
            .zip(&fields)
            .enumerate()
            .filter(|(_, (h, f))| {
                **f == Some(Field::Name)
                    && ["code", "code name", "name", "label", "code label", "tag"]
                        .contains(&column_key(h).as_str())
            })
            .map(|(i, _)| i)
            .collect();
        if let [a, b] = naming[..] {
            let cells = |col: usize| {
                rows.iter()
                    .filter_map(move |(_, cells)| cells.get(col).map(|c| c.trim()))
                    .filter(|c| !c.is_empty())
            };
            let one_word = |col: usize| {
                cells(col).next().is_some() && cells(col).all(|c| !c.contains(char::is_whitespace))
            };
            let spaced = |col: usize| cells(col).any(|c| c.contains(char::is_whitespace));
            if one_word(a) && spaced(b) {
                fields[a] = Some(Field::Id);
            } else if one_word(b) && spaced(a) {
                fields[b] = Some(Field::Id);
            }
        }
    }
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
    // A thematic-analysis codebook names its codes in two columns, `Theme |
    // Sub-theme` (or `Code | Sub-code`, three deep `Theme | Sub-theme |
    // Code`): a row's code is its rightmost name, under the names left of
    // it. Only the name column was read before: every sub-theme was lost,
    // or a theme written on each of its rows was a duplicate id.
    let levels: Vec<usize> = if has(Field::SubName) {
        // Dedoose's parent column above its children whatever the columns'
        // order (`Child Code | Parent Code` is the same tree).
        parent_as_name
            .into_iter()
            .chain(
                fields
                    .iter()
                    .enumerate()
                    .filter(|(i, f)| {
                        matches!(f, Some(Field::Name | Field::SubName))
                            && Some(*i) != parent_as_name
                    })
                    .map(|(i, _)| i),
            )
            .collect()
    } else {
        // `Theme | Code` (or `Category | Code`, either order): the theme or
        // category column names the code's parent. Before, only one of the
        // two was read: the themes were dropped, or with `Code | Theme`
        // each theme's name was a duplicate id.
        let column = |keys: &[&str]| {
            headers.iter().zip(&fields).position(|(h, f)| {
                *f == Some(Field::Name) && keys.contains(&column_key(h).as_str())
            })
        };
        // Only where a theme covers several codes (a value repeated, or a
        // cell left empty below it): a `Code | Theme` table of one theme per
        // code names each code twice (`ACC`, `Access to care`).
        let groups = |theme: usize, code: usize| {
            let mut seen = HashSet::new();
            rows.iter()
                .filter(|(_, cells)| cells.get(code).is_some_and(|c| !c.trim().is_empty()))
                .any(|(_, cells)| {
                    let t = cells.get(theme).map_or("", |c| c.trim());
                    t.is_empty() || !seen.insert(t.to_string())
                })
        };
        match (
            column(&["theme", "category"]),
            column(&["code", "code name", "code label", "label", "tag"]),
        ) {
            (Some(theme), Some(code)) if theme != code && groups(theme, code) => vec![theme, code],
            _ => Vec::new(),
        }
    };
    // The names above the row, from the rows before it: a theme cell
    // merged down over its sub-themes reads as empty below its first row.
    let mut carried: Vec<Option<String>> = vec![None; levels.len()];
    let mut codes = Vec::new();
    let mut locations = Vec::new();
    // Each code's path from its root, where its row wrote one
    // (`Barriers\Other\Misc`) or its theme columns give one: its parent is
    // the code of the path above.
    let mut paths: Vec<Option<Vec<String>>> = Vec::new();
    // Each code's number cell, where the table has a number column.
    let mut number_cells: Vec<Option<String>> = Vec::new();
    // Each code's level cell, where the table has a level column.
    let mut depth_cells: Vec<Option<String>> = Vec::new();
    for (location, cells) in rows {
        let mut code = Code::default();
        let mut definitions = Vec::new();
        let mut number_cell = None;
        let mut depth_cell = None;
        // A table with NVivo's `Hierarchical Name` beside its `Name` reads
        // the path: the one cell of the row that holds one.
        let path_column = cells
            .iter()
            .zip(&fields)
            .position(|(c, f)| levels.is_empty() && *f == Some(Field::Name) && c.contains('\\'));
        let path_cell = path_column.map(|i| cells[i].trim().to_string());
        for (cell, field) in cells.iter().zip(&fields) {
            let text = cell.trim();
            let Some(field) = field else { continue };
            if text.is_empty() {
                continue;
            }
            match field {
                Field::Id => code.id = text.to_string(),
                // Read as levels, below.
                Field::SubName => {}
                Field::Name if !levels.is_empty() || code.name.contains('\\') => {}
                Field::Name => code.name = text.to_string(),
                Field::Number => number_cell = Some(text.to_string()),
                Field::Depth => depth_cell = Some(text.to_string()),
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
        let mut path = if levels.is_empty() {
            None
        } else {
            level_path(cells, &levels, &mut carried)
        };
        if let Some(leaf) = path.as_ref().and_then(|p| p.last()) {
            code.name = leaf.clone();
        }
        if code.id.is_empty() && code.name.is_empty() {
            continue;
        }
        // NVivo and MAXQDA write a code with its path, `Challenges\Isolation`
        // (NVivo's Hierarchical Name from its root, `Codes\\Challenges\\…`):
        // the last part is the code, the one before it its parent.
        if path.is_none() && code.name.contains('\\') {
            let parts = path_parts(&code.name);
            if let Some(leaf) = parts.last() {
                code.name = leaf.clone();
                path = Some(parts);
            }
        }
        // A path deeper than a codebook may nest (a long backslashed string
        // pasted into the cell) is refused as its row is read: below, each
        // code above it is made with its own copy of its path, so a cell of
        // 3,000 parts (19 KB) took 1 GB and one of 20,000 over 23 GB before
        // validation refused the depth.
        let written_depth = |parts: &[String], above: usize, column: Option<usize>| {
            let deep = parts.len() + above;
            if deep <= MAX_HIERARCHY_DEPTH {
                return Ok(());
            }
            let shown = if parts.len() > 5 {
                format!("{}\\…\\{}", parts[..3].join("\\"), parts[parts.len() - 1])
            } else {
                parts.join("\\")
            };
            let whose = if above == 0 { "its" } else { "its parent's" };
            Err(CodebookError::Invalid(vec![Problem {
                file: file.to_string(),
                line: None,
                field: match column {
                    Some(i) => format!("{location}, {}", headers[i].trim()),
                    None => location.clone(),
                },
                message: format!(
                    "code {:?} is nested {deep} levels deep by {whose} path ({shown}); a \
                     codebook may nest at most {MAX_HIERARCHY_DEPTH} levels (a top-level code \
                     is level 1)",
                    code.name
                ),
            }]))
        };
        if let Some(path) = &path {
            written_depth(path, 0, path_column.or(levels.last().copied()))?;
        }
        if let Some(parent) = code.parent.as_deref().filter(|p| p.contains('\\')) {
            let parent_column = fields.iter().position(|f| *f == Some(Field::Parent));
            written_depth(&path_parts(parent), 1, parent_column)?;
        }
        if let Some([.., above, _]) = path.as_deref() {
            if code.parent.is_none() {
                code.parent = Some(above.clone());
            }
        }
        if code.name.is_empty() {
            code.name = code.id.clone();
        }
        code.definition = definitions.join(" ");
        codes.push(code);
        locations.push(location.as_str());
        paths.push(path);
        number_cells.push(number_cell);
        depth_cells.push(depth_cell);
    }
    if codes.is_empty() {
        return Err(CodebookError::Parse(Problem {
            file: file.to_string(),
            line: None,
            field: "rows".into(),
            message: "no row names a code (each code is a row with its name or id)".into(),
        }));
    }
    // A flat table laid out in sections: a heading row in capitals with
    // nothing but its name (`BARRIERS`, a cell merged across the row) above
    // codes that have definitions. The heading is the parent of the codes
    // below it, up to the next heading. Before, each heading was a childless
    // code of its own, counted from its name alone, and the codes under it
    // were top-level (ha/02).
    let flat = levels.is_empty()
        && paths.iter().all(Option::is_none)
        && number_cells.iter().all(Option::is_none)
        && depths_of_cells(&depth_cells).is_none()
        && codes.iter().all(|c| c.parent.is_none());
    if flat {
        let bare = |c: &Code| {
            c.definition.is_empty()
                && c.inclusion.is_empty()
                && c.exclusion.is_empty()
                && c.examples.is_empty()
                && c.counter_examples.is_empty()
        };
        let heading = |c: &Code| {
            let letters: Vec<char> = c.name.chars().filter(|ch| ch.is_alphabetic()).collect();
            bare(c) && letters.len() >= 4 && letters.iter().all(|ch| ch.is_uppercase())
        };
        let described = codes.iter().filter(|c| !bare(c)).count();
        if described * 2 >= codes.len() && codes.iter().any(&heading) {
            let mut above: Option<String> = None;
            for i in 0..codes.len() {
                if heading(&codes[i]) && codes.get(i + 1).is_some_and(|n| !heading(n)) {
                    above = Some(codes[i].name.clone());
                } else {
                    codes[i].parent = above.clone();
                }
            }
        }
    }
    // A theme named only on its sub-themes' rows (no row of its own, no
    // definition) is a code too, before its first sub-theme; a theme row
    // after its sub-themes is the theme itself, not a second one. So is a
    // parent named only in its children's paths (`Barriers\Cost` without a
    // `Barriers` row: MAXQDA's codebook of the codes with memos, a
    // filtered list), refused as an unknown parent before.
    if paths.iter().flatten().any(|p| p.len() > 1) {
        let written: HashSet<Vec<String>> = paths
            .iter()
            .zip(&codes)
            .map(|(p, c)| p.clone().unwrap_or_else(|| vec![c.name.clone()]))
            .collect();
        let mut added: HashSet<Vec<String>> = HashSet::new();
        let mut at = 0;
        while at < codes.len() {
            let missing: Vec<Vec<String>> = paths[at]
                .iter()
                .flat_map(|p| (1..p.len()).map(|n| p[..n].to_vec()))
                .filter(|above| !written.contains(above) && !added.contains(above))
                .collect();
            let location = locations[at];
            for above in missing {
                let theme = Code {
                    name: above[above.len() - 1].clone(),
                    parent: above.len().checked_sub(2).map(|i| above[i].clone()),
                    ..Code::default()
                };
                codes.insert(at, theme);
                locations.insert(at, location);
                paths.insert(at, Some(above.clone()));
                number_cells.insert(at, None);
                depth_cells.insert(at, None);
                added.insert(above);
                at += 1;
            }
            at += 1;
        }
    }
    // Each code's outline number: its number cell, or else the number its
    // name starts with (`1.2 Transport`).
    let numbers: Vec<Option<Vec<String>>> = if has(Field::Number) {
        number_cells
            .iter()
            .map(|n| n.as_deref().and_then(number_of_cell))
            .collect()
    } else {
        codes.iter().map(|c| leading_number(&c.name)).collect()
    };
    // Where the columns give no hierarchy, the names may: `Access > Travel`
    // and numbered outlines were flattened into top-level codes before.
    let given =
        codes.iter().any(|c| c.parent.is_some()) || paths.iter().flatten().any(|p| p.len() > 1);
    // A level column of numbers gives it where nothing else does.
    let depth_column = fields
        .iter()
        .position(|f| *f == Some(Field::Depth))
        .map(|i| headers[i].trim());
    let by_depth = match (given, depth_column) {
        (false, Some(column)) => read_depths(
            file,
            column,
            &depth_cells,
            &locations,
            &mut codes,
            &mut paths,
        )?,
        _ => false,
    };
    if !given && !by_depth {
        // `>` only: `Work` beside `Work: life balance`, or `Life` beside
        // `Life: death`, are names with a colon as often as a hierarchy, and
        // reading them so changed the ids of codebooks imported before.
        read_written_parents('>', &mut codes, &mut paths);
        read_outline(&numbers, &mut codes, &mut paths);
    }
    for code in &mut codes {
        if code.id.is_empty() {
            code.id = code.name.clone();
        }
    }
    // Without an id column a code's id is its name, and the same name
    // under two parents (`Challenges\Other`, `Practicalities\Other`) is
    // two codes: each such id is its parent's name and its own
    // (`Challenges/Other`).
    // A path deeper than two (`Barriers\Other\Misc`, `Facilitators\Other\
    // Misc`) takes as many of its last parts as make it unique.
    // A code without a path but with a parent's name reads as the path of
    // the two (a parent cell holding a path, `Staff\Positive`, as that
    // path and the code's name).
    let full: Vec<Vec<String>> = codes
        .iter()
        .zip(&paths)
        .map(|(c, p)| match (p, &c.parent) {
            (Some(p), _) => p.clone(),
            (None, Some(parent)) => {
                let mut path = if parent.contains('\\') {
                    path_parts(parent)
                } else {
                    vec![parent.clone()]
                };
                path.push(c.name.clone());
                path
            }
            (None, None) => vec![c.name.clone()],
        })
        .collect();
    if !has(Field::Id) {
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
    let full_ids: Vec<(Vec<String>, String)> = full
        .iter()
        .zip(&codes)
        .map(|(p, c)| (p.clone(), c.id.clone()))
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
        let Some(above) = above else { continue };
        if let Some(id) = by_path.get(&above) {
            code.parent = Some(id.clone());
            continue;
        }
        // A parent cell's path names the one code whose path, from its
        // row's parent, ends so (ha/04: `Staff\Positive` beside a
        // `Facilities` that has a `Positive` too was cut to "Positive" and
        // the codebook refused as ambiguous).
        let ends_so: Vec<&String> = full_ids
            .iter()
            .filter(|(p, _)| p.ends_with(&above))
            .map(|(_, id)| id)
            .collect();
        if let [id] = ends_so.as_slice() {
            code.parent = Some((*id).clone());
        }
    }
    // A parent named by its id, or else by its name, or else by its number
    // (a `No.` column beside a `Parent` column of numbers: `1.2` under `1`,
    // refused as an unknown parent "1" before); a name or number two codes
    // share names neither (it went to the last of them).
    let ids: HashSet<String> = codes.iter().map(|c| c.id.clone()).collect();
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for c in &codes {
        by_name
            .entry(c.name.clone())
            .or_default()
            .push(c.id.clone());
    }
    let mut by_number: HashMap<Vec<String>, Vec<String>> = HashMap::new();
    for (c, n) in codes.iter().zip(&numbers) {
        if let Some(n) = n {
            by_number.entry(n.clone()).or_default().push(c.id.clone());
        }
    }
    let mut ambiguous = Vec::new();
    for (i, code) in codes.iter_mut().enumerate() {
        let Some(parent) = code.parent.clone() else {
            continue;
        };
        if ids.contains(&parent) {
            continue;
        }
        let (what, found) = match by_name.get(&parent) {
            Some(found) => ("name", Some(found)),
            None => (
                "number",
                number_of_cell(&parent).and_then(|n| by_number.get(&n)),
            ),
        };
        match found.map(Vec::as_slice) {
            Some([id]) => code.parent = Some(id.clone()),
            Some(several) if several.len() > 1 => ambiguous.push(Problem {
                file: file.to_string(),
                line: None,
                field: format!("codes[{i}].parent"),
                message: format!(
                    "code {:?} has parent {parent:?}, the {what} of {} codes ({}); give the parent's id",
                    code.name,
                    several.len(),
                    several.join(", ")
                ),
            }),
            _ => {}
        }
    }
    let mut codebook = Codebook {
        name: name.to_string(),
        codes,
    };
    // As `parse_codebook` reads a codebook: a cell's vertical tab (Word's
    // line break) is a line break. The codes stay in the table's order
    // (a sub-theme's row may come before its theme's); the content hash
    // does not depend on it (`Codebook::content_hash`).
    codebook.normalise_texts();
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

/// A row's path in a table of theme columns (`levels`, left to right):
/// its rightmost name under the names left of it, an empty cell taking the
/// name above it (`carried`, as merged cells mean). A name starts its
/// level afresh: the sub-themes carried from the theme before are not
/// under the next theme. `None` for a row that names nothing.
fn level_path(
    cells: &[String],
    levels: &[usize],
    carried: &mut [Option<String>],
) -> Option<Vec<String>> {
    let written: Vec<&str> = levels
        .iter()
        .map(|&i| cells.get(i).map_or("", |c| c.trim()))
        .collect();
    let deepest = written.iter().rposition(|c| !c.is_empty())?;
    for (level, name) in written.iter().enumerate().take(deepest + 1) {
        if !name.is_empty() {
            carried[level] = Some(name.to_string());
            carried[level + 1..].fill(None);
        }
    }
    Some(carried[..=deepest].iter().flatten().cloned().collect())
}

/// Names that write their parent in them, `Access to care > Transport`
/// (`separator` `>`), are read as paths
/// (the code `Transport` under `Access to care`) only where every name
/// with the separator has, before its last one, the name of a code of the
/// table (or the written path of one: `A > B` for `A > B > C`). A colon is
/// common inside an ordinary name, and one name whose part before it is no
/// code leaves all the names whole, as they were before.
fn read_written_parents(separator: char, codes: &mut [Code], paths: &mut [Option<Vec<String>>]) {
    let written: Vec<Option<Vec<String>>> = codes
        .iter()
        .zip(paths.iter())
        .map(|(c, p)| {
            let parts: Vec<String> = c
                .name
                .split(separator)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            (p.is_none() && c.parent.is_none() && parts.len() > 1).then_some(parts)
        })
        .collect();
    if written.iter().all(Option::is_none) {
        return;
    }
    let known: HashSet<Vec<String>> = codes
        .iter()
        .zip(paths.iter())
        .zip(&written)
        .map(|((c, p), w)| {
            w.clone()
                .or_else(|| p.clone())
                .unwrap_or_else(|| vec![c.name.clone()])
        })
        .collect();
    if written
        .iter()
        .flatten()
        .any(|parts| !known.contains(&parts[..parts.len() - 1]))
    {
        return;
    }
    for ((code, path), parts) in codes.iter_mut().zip(paths.iter_mut()).zip(written) {
        match parts {
            Some(parts) => {
                code.name = parts[parts.len() - 1].clone();
                code.parent = Some(parts[parts.len() - 2].clone());
                *path = Some(parts);
            }
            None if path.is_none() => *path = Some(vec![code.name.clone()]),
            None => {}
        }
    }
}

/// The levels of a level column's cells (`1`, `2`; `2.0` as a workbook may
/// write a number): `None` where no cell holds one, or where one holds
/// something else (a `Level` of `Individual`, `Community`, a
/// socio-ecological model's, is no depth: such a column is not read, as
/// before). A code row without a level is `Some(None)`.
fn depths_of_cells(cells: &[Option<String>]) -> Option<Vec<Option<usize>>> {
    if cells.iter().all(Option::is_none) {
        return None;
    }
    cells
        .iter()
        .map(|cell| match cell {
            None => Some(None),
            Some(cell) => {
                let cell = cell.trim();
                let whole = match cell.split_once('.') {
                    Some((whole, zeros)) if zeros.chars().all(|c| c == '0') => whole,
                    Some(_) => return None,
                    None => cell,
                };
                let digits = !whole.is_empty() && whole.chars().all(|c| c.is_ascii_digit());
                digits.then(|| whole.parse().ok().map(Some)).flatten()
            }
        })
        .collect()
}

/// An outline written as each code's level (`column`, `depth_cells`: 1
/// for a top-level code, 2 for one under it, …, the table's smallest level
/// the top), rows in outline order: a code's parent is the nearest row
/// above it one level up. Returns whether the column was read (its cells
/// are levels, [`depths_of_cells`]). A code without a level, or one more
/// than a level below the row above it (1 then 3: which level-2 code it
/// is under is not written), is refused, naming its row. Before, the column
/// was ignored and every code came out top-level, without a word (h12/03).
fn read_depths(
    file: &str,
    column: &str,
    depth_cells: &[Option<String>],
    locations: &[&str],
    codes: &mut [Code],
    paths: &mut [Option<Vec<String>>],
) -> Result<bool, CodebookError> {
    let Some(depths) = depths_of_cells(depth_cells) else {
        return Ok(false);
    };
    let top = depths.iter().flatten().min().copied().unwrap_or(1);
    let problem = |i: usize, message: String| Problem {
        file: file.to_string(),
        line: None,
        field: format!("{}, {column}", locations[i]),
        message,
    };
    let mut problems = Vec::new();
    // The codes the next row may be under, one per level from the top.
    let mut open: Vec<usize> = Vec::new();
    for (i, depth) in depths.iter().enumerate() {
        let Some(depth) = *depth else {
            problems.push(problem(
                i,
                format!(
                    "code {:?} has no level, while the `{column}` column gives the other codes' ({top} for a top-level code, {} for one under it, …)",
                    codes[i].name,
                    top + 1
                ),
            ));
            continue;
        };
        let below = depth - top;
        if below > open.len() {
            let above = match open.len() {
                0 => "no row above it".to_string(),
                n => format!("the row above it at level {}", top + n - 1),
            };
            problems.push(problem(
                i,
                format!(
                    "code {:?} is at level {depth} with {above}: a code's parent is the nearest row above it at one level less ({}), and a level skipped leaves it unwritten; give the missing level's code, or the code a level at most one more than the row above",
                    codes[i].name,
                    depth - 1
                ),
            ));
            continue;
        }
        open.truncate(below);
        let path = match open.last() {
            Some(&parent) => {
                codes[i].parent = Some(codes[parent].name.clone());
                let mut path = paths[parent]
                    .clone()
                    .unwrap_or_else(|| vec![codes[parent].name.clone()]);
                path.push(codes[i].name.clone());
                path
            }
            None => vec![codes[i].name.clone()],
        };
        paths[i] = Some(path);
        open.push(i);
    }
    if problems.is_empty() {
        Ok(true)
    } else {
        Err(CodebookError::Invalid(problems))
    }
}

/// A numbered outline (`1 Access to care`, `1.1 Appointment booking`, or
/// a number column): a code whose number extends another's by one part is
/// its child. Read only where the numbered codes' numbers are all
/// different, one at least has two parts, and every one of two or more
/// parts has its parent's number among them (`1.1` with a `1`): section
/// numbers without their sections (`1.1`, `1.2`, `2.1` alone) or a name
/// that merely starts with a number (`2020 election`) leave the codes
/// top-level, as before. Codes without a number stay top-level.
fn read_outline(
    numbers: &[Option<Vec<String>>],
    codes: &mut [Code],
    paths: &mut [Option<Vec<String>>],
) {
    let mut numbered: HashMap<&[String], usize> = HashMap::new();
    for (i, number) in numbers.iter().enumerate() {
        let Some(number) = number else { continue };
        if codes[i].parent.is_some() || paths[i].as_ref().is_some_and(|p| p.len() > 1) {
            continue;
        }
        if numbered.insert(number.as_slice(), i).is_some() {
            return;
        }
    }
    let has_parent = |n: &[String]| n.len() < 2 || numbered.contains_key(&n[..n.len() - 1]);
    // An outline numbers each level from its first (`1.1`, `A.a`): a
    // parent's children include a first. `1 Access` and `1.5 degree
    // target`, `3 stars` and `3.5 stars` are decimals, no outline.
    let mut children: HashMap<&[String], Vec<&str>> = HashMap::new();
    for n in numbered.keys().filter(|n| n.len() > 1) {
        children
            .entry(&n[..n.len() - 1])
            .or_default()
            .push(n[n.len() - 1].as_str());
    }
    let first = |part: &&str| part.trim_start_matches('0') == "1" || part.eq_ignore_ascii_case("a");
    let counts_from_first = children.values().all(|parts| parts.iter().any(first));
    if !counts_from_first || !numbered.keys().all(|n| has_parent(n)) {
        return;
    }
    // Parents before their children: a parent's number is shorter.
    let mut order: Vec<(&[String], usize)> = numbered.iter().map(|(n, i)| (*n, *i)).collect();
    order.sort_by_key(|(n, i)| (n.len(), *i));
    for (number, i) in order {
        let path = match number.len().checked_sub(1).filter(|&n| n > 0) {
            Some(n) => {
                let parent = numbered[&number[..n]];
                codes[i].parent = Some(codes[parent].name.clone());
                let mut path = paths[parent]
                    .clone()
                    .unwrap_or_else(|| vec![codes[parent].name.clone()]);
                path.push(codes[i].name.clone());
                path
            }
            None => vec![codes[i].name.clone()],
        };
        paths[i] = Some(path);
    }
}

/// The outline number a name starts with, its parts (`1.2 Transport`:
/// `1`, `2`): numbers and single letters joined by dots (`1`, `1.2.`,
/// `A.1`, `a)`), then a space and the name. A letter alone is a number only
/// with its dot or bracket (`A. Access`): `A sense of belonging` has none.
fn leading_number(name: &str) -> Option<Vec<String>> {
    let (token, rest) = name.split_once(char::is_whitespace)?;
    if rest.trim().is_empty() {
        return None;
    }
    let (bare, marked) = match token.strip_suffix(['.', ')']) {
        Some(bare) => (bare, true),
        None => (token, false),
    };
    let parts: Vec<&str> = bare.split('.').collect();
    let digits = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    let letter = |p: &&str| p.len() == 1 && p.chars().all(|c| c.is_ascii_alphabetic());
    let outline = parts.iter().all(|p| digits(p) || letter(p));
    (outline && (marked || parts.len() > 1 || parts.iter().all(digits)))
        .then(|| parts.iter().map(|p| p.to_string()).collect())
}

/// A number cell's parts (`1.2`, `1.2.`, `A.1`): letters and digits
/// between dots; `None` for other text.
fn number_of_cell(cell: &str) -> Option<Vec<String>> {
    let bare = cell.trim().trim_end_matches(['.', ')']);
    let parts: Vec<String> = bare.split('.').map(|p| p.trim().to_string()).collect();
    parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(char::is_alphanumeric))
        .then_some(parts)
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

    /// A code cell holding a path 3,000 levels deep (19 KB) made each code
    /// above it with its own copy of its path, 1 GB, before validation
    /// refused the depth; 20,000 levels took over 23 GB. It is refused as
    /// its row is read, and so is a parent cell's path.
    #[test]
    fn a_path_deeper_than_the_limit_is_refused_as_read() {
        let deep = |n: usize| {
            (0..n)
                .map(|i| format!("L{i}"))
                .collect::<Vec<_>>()
                .join("\\")
        };
        let refused = |rows: &[&[&str]]| {
            let (headers, rows) = table(rows);
            codebook_from_table("codes.csv", "codes", &headers, &rows)
                .unwrap_err()
                .to_string()
        };
        let path = deep(20_000);
        assert_eq!(
            refused(&[
                &["Code", "Description"],
                &["Fine", "ok"],
                &[&path, "a deep path"]
            ]),
            "1 problem(s) in the codebook:\n  codes.csv: row 2 (line 3), Code: code \"L19999\" \
             is nested 20000 levels deep by its path (L0\\L1\\L2\\…\\L19999); a codebook may \
             nest at most 64 levels (a top-level code is level 1)"
        );
        let parent = deep(64);
        assert_eq!(
            refused(&[&["Code", "Parent", "Description"], &["X", &parent, "d"]]),
            "1 problem(s) in the codebook:\n  codes.csv: row 1 (line 2), Parent: code \"X\" is \
             nested 65 levels deep by its parent's path (L0\\L1\\L2\\…\\L63); a codebook may \
             nest at most 64 levels (a top-level code is level 1)"
        );
        // At the limit: read, every code above it made from the path.
        let (headers, rows) = table(&[&["Code", "Description"], &[&deep(64), "d"]]);
        let cb = codebook_from_table("codes.csv", "codes", &headers, &rows).unwrap();
        assert_eq!(cb.codes.len(), 64);
        assert_eq!(cb.codes[63].name, "L63");
        assert_eq!(cb.codes[63].parent.as_deref(), Some("L62"));
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
            parents(&cb),
            owned(&[
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
            parents(&cb),
            owned(&[("Barriers", None), ("Cost", Some("Barriers"))])
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
        assert_eq!(
            parents(&cb),
            owned(&[("cost", None), ("fees", Some("cost"))])
        );
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

    /// Each code as (id, name, parent), to compare a whole hierarchy.
    fn tree(cb: &Codebook) -> Vec<(String, String, Option<String>)> {
        cb.codes
            .iter()
            .map(|c| (c.id.clone(), c.name.clone(), c.parent.clone()))
            .collect()
    }

    fn own(v: &[(&str, &str, Option<&str>)]) -> Vec<(String, String, Option<String>)> {
        v.iter()
            .map(|(i, n, p)| (i.to_string(), n.to_string(), p.map(str::to_string)))
            .collect()
    }

    /// A flat codebook in sections: a heading row in capitals with nothing
    /// but its name is the parent of the codes below it (ha/02).
    #[test]
    fn a_section_heading_row_is_the_parent_of_the_codes_below_it() {
        let (headers, rows) = table(&[
            &["Code", "Definition", "Example"],
            &["BARRIERS", "", ""],
            &["Cost", "Money as an obstacle.", "The fare is too much."],
            &["Distance", "How far care is.", ""],
            &["FACILITATORS", "", ""],
            &["Family", "Relatives who help.", "My son drives me."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("BARRIERS", "BARRIERS", None),
                ("Cost", "Cost", Some("BARRIERS")),
                ("Distance", "Distance", Some("BARRIERS")),
                ("FACILITATORS", "FACILITATORS", None),
                ("Family", "Family", Some("FACILITATORS")),
            ])
        );
        // A code in capitals with a definition is no heading, nor is a
        // short acronym without one.
        let (headers, rows) = table(&[
            &["Code", "Definition"],
            &["PPE", ""],
            &["COST", "Money as an obstacle."],
            &["Family", "Relatives who help."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert!(
            cb.codes.iter().all(|c| c.parent.is_none()),
            "{:?}",
            tree(&cb)
        );
    }

    /// A parent cell holding a path names the code at the end of that path
    /// when a name repeats under two parents (ha/04).
    #[test]
    fn a_parent_path_picks_the_code_under_that_parent() {
        let (headers, rows) = table(&[
            &["Name", "Parent", "Definition"],
            &["Staff", "", "About staff."],
            &["Positive", "Staff", "Good staff experiences."],
            &["Facilities", "", "About buildings."],
            &["Positive", "Facilities", "Good buildings."],
            &["Communication", "Staff\\Positive", "Staff who explain."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        let communication = cb.codes.iter().find(|c| c.name == "Communication").unwrap();
        assert_eq!(communication.parent.as_deref(), Some("Staff/Positive"));
    }

    /// `Code | Label | Definition`: the one-word column is the id, the
    /// other the name; both were read as the name before (ha/05).
    #[test]
    fn a_short_code_beside_its_label_is_the_id() {
        for (headers, row) in [
            (
                ["Code", "Label", "Definition"],
                ["ACCESS-COST", "Cost of care", "Money."],
            ),
            (
                ["Name", "Code", "Definition"],
                ["Cost of care", "ACCESS-COST", "Money."],
            ),
        ] {
            let (headers, rows) = table(&[&headers, &row]);
            let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
            assert_eq!(tree(&cb), own(&[("ACCESS-COST", "Cost of care", None)]));
        }
    }

    /// A thematic-analysis codebook with the theme cell merged down over
    /// its sub-themes (read as empty below its first row): only the theme
    /// column was read, and every sub-theme was lost.
    #[test]
    fn sub_themes_under_a_merged_theme_cell_are_codes_under_the_theme() {
        let (headers, rows) = table(&[
            &["Theme", "Sub-theme", "Definition", "Example"],
            &[
                "Access to care",
                "Appointment booking",
                "Difficulty getting a GP appointment.",
                "You ring at eight and they're gone.",
            ],
            &["", "Transport", "Getting to the surgery.", "Two buses."],
            &["", "", "", ""],
            &[
                "Relationship with clinicians",
                "Continuity of care",
                "Same GP vs locums.",
                "",
            ],
            &["", "Ageism", "Dismissed because of age.", "It's your age."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Access to care", "Access to care", None),
                (
                    "Appointment booking",
                    "Appointment booking",
                    Some("Access to care")
                ),
                ("Transport", "Transport", Some("Access to care")),
                (
                    "Relationship with clinicians",
                    "Relationship with clinicians",
                    None
                ),
                (
                    "Continuity of care",
                    "Continuity of care",
                    Some("Relationship with clinicians")
                ),
                ("Ageism", "Ageism", Some("Relationship with clinicians")),
            ])
        );
        // A theme named only on its sub-themes' rows has no definition of
        // its own; each sub-theme keeps its row's.
        assert_eq!(cb.codes[0].definition, "");
        assert!(cb.codes[0].examples.is_empty());
        assert_eq!(cb.codes[2].definition, "Getting to the surgery.");
        assert_eq!(cb.codes[2].examples, vec!["Two buses."]);
        assert_eq!(cb.codes[5].examples, vec!["It's your age."]);
    }

    /// The theme written on every row (a duplicate id before), a theme row
    /// of its own (before or after its sub-themes), one sub-theme name
    /// under two themes, and three columns deep.
    #[test]
    fn a_theme_written_on_every_row_or_on_a_row_of_its_own() {
        let (headers, rows) = table(&[
            &["Theme", "Subtheme", "Description"],
            &["Barriers", "Cost", "Money"],
            &["Barriers", "Other", "Other barriers"],
            &["Barriers", "", "What stands in the way"],
            &["Facilitators", "", "What helps"],
            &["Facilitators", "Other", "Other help"],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Cost", "Cost", Some("Barriers")),
                ("Barriers/Other", "Other", Some("Barriers")),
                ("Barriers", "Barriers", None),
                ("Facilitators", "Facilitators", None),
                ("Facilitators/Other", "Other", Some("Facilitators")),
            ])
        );
        assert_eq!(cb.codes[2].definition, "What stands in the way");
        assert_eq!(cb.codes[0].definition, "Money");
        // Two rows of its own for one theme are still a duplicate.
        let (headers, rows) = table(&[
            &["Code", "Sub-code", "Definition"],
            &["Trust", "", "one"],
            &["Trust", "", "two"],
        ]);
        let e = codebook_from_table("cb.csv", "cb", &headers, &rows)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 2 (line 3), id: duplicate id \"Trust\" (first used by row 1 (line 2))"),
            "{e}"
        );
        // Theme | Sub-theme | Code: a new theme does not carry the last
        // theme's sub-theme.
        let (headers, rows) = table(&[
            &["Theme", "Sub-theme", "Code", "Definition"],
            &["Access", "Booking", "Phone lines", "Engaged tone"],
            &["", "", "Online", "Apps"],
            &["Trust", "", "Doctors", "In clinicians"],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Access", "Access", None),
                ("Booking", "Booking", Some("Access")),
                ("Phone lines", "Phone lines", Some("Booking")),
                ("Online", "Online", Some("Booking")),
                ("Trust", "Trust", None),
                ("Doctors", "Doctors", Some("Trust")),
            ])
        );
        assert_eq!(cb.codes[3].definition, "Apps");
    }

    /// A numbered outline (a MacQueen table in Word, `1 Access to care`,
    /// `1.1 Appointment booking`) was flattened: each number is its code's
    /// child of the number it extends, and stays in the name.
    #[test]
    fn outline_numbers_in_the_names_are_the_hierarchy() {
        let (headers, rows) = table(&[
            &["Code", "Definition"],
            &["1 Access to care", "Barriers to primary care."],
            &["1.1 Appointment booking", "Getting an appointment."],
            &["1.1.1 Online booking", "Apps."],
            &["1.2 Transport", "Getting there."],
            &["2. Relationship with clinicians", "Doctors."],
            &["2.1. Continuity of care", "Same GP."],
            &["Other", "Anything else."],
        ]);
        let cb = codebook_from_table("cb.docx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("1 Access to care", "1 Access to care", None),
                (
                    "1.1 Appointment booking",
                    "1.1 Appointment booking",
                    Some("1 Access to care")
                ),
                (
                    "1.1.1 Online booking",
                    "1.1.1 Online booking",
                    Some("1.1 Appointment booking")
                ),
                ("1.2 Transport", "1.2 Transport", Some("1 Access to care")),
                (
                    "2. Relationship with clinicians",
                    "2. Relationship with clinicians",
                    None
                ),
                (
                    "2.1. Continuity of care",
                    "2.1. Continuity of care",
                    Some("2. Relationship with clinicians")
                ),
                ("Other", "Other", None),
            ])
        );
        let (headers, rows) = table(&[
            &["Code"],
            &["A. Access"],
            &["A.1 Booking"],
            &["A sense of belonging"],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        let parents: Vec<Option<&str>> = cb.codes.iter().map(|c| c.parent.as_deref()).collect();
        assert_eq!(parents, vec![None, Some("A. Access"), None]);
    }

    /// Numbers that cannot be read as an outline leave the codebook as it
    /// was: sections numbered without their own rows, a number twice,
    /// names that merely start with a number.
    #[test]
    fn numbers_that_are_no_outline_leave_the_codes_top_level() {
        for names in [
            // Decimals, not a level counted from its first: `1.5 degree
            // target` is no child of `1 Access`.
            &["1 Access", "1.5 degree target", "2 Trust"][..],
            &["3 stars", "3.5 stars", "4 stars"],
            &["1.1 Booking", "1.2 Transport", "2.1 Continuity"][..],
            &["1 Access", "1 Trust", "1.1 Booking"][..],
            &["2020 election", "3.5 stars", "10 Downing Street"][..],
        ] {
            let mut t: Vec<&[&str]> = vec![&["Code"]];
            let rows: Vec<[&str; 1]> = names.iter().map(|n| [*n]).collect();
            t.extend(rows.iter().map(|r| &r[..]));
            let (headers, rows) = table(&t);
            let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
            let flat: Vec<(&str, Option<&str>)> = cb
                .codes
                .iter()
                .map(|c| (c.id.as_str(), c.parent.as_deref()))
                .collect();
            assert_eq!(
                flat,
                names.iter().map(|n| (*n, None)).collect::<Vec<_>>(),
                "{names:?}"
            );
        }
    }

    /// `Parent > Child` in Excel was flattened into a top-level code named
    /// with both; read as a path where every such name's parent is a code.
    #[test]
    fn a_parent_written_before_the_name_is_the_parent_where_it_is_a_code() {
        let (headers, rows) = table(&[
            &["Code", "Definition"],
            &["Access to care", "Barriers."],
            &["Access to care > Appointment booking", "Appointments."],
            &["Access to care > Appointment booking > Online", "Apps."],
            &["Trust", "Faith."],
            &["Trust > Other", "Other trust."],
            &["Access to care > Other", "Other access."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Access to care", "Access to care", None),
                (
                    "Appointment booking",
                    "Appointment booking",
                    Some("Access to care")
                ),
                ("Online", "Online", Some("Appointment booking")),
                ("Trust", "Trust", None),
                ("Trust/Other", "Other", Some("Trust")),
                ("Access to care/Other", "Other", Some("Access to care")),
            ])
        );
        assert_eq!(cb.codes[2].definition, "Apps.");
        // A colon is no hierarchy: `Work` and `Work: life balance`, `Life`
        // and `Life: death` stay top-level codes, their ids kept.
        let (headers, rows) = table(&[
            &["Code"],
            &["Work"],
            &["Work: life balance"],
            &["Life"],
            &["Life: death"],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Work", "Work", None),
                ("Work: life balance", "Work: life balance", None),
                ("Life", "Life", None),
                ("Life: death", "Life: death", None),
            ])
        );
    }

    /// A colon inside ordinary names (`Trust: institutions` with no `Trust`
    /// code), and a flat codebook, are read as before.
    #[test]
    fn colons_in_names_without_a_parent_code_and_flat_codebooks_are_unchanged() {
        let (headers, rows) = table(&[
            &["Code", "Definition"],
            &["Trust: institutions", "In the NHS."],
            &["Trust: people", "In neighbours."],
            &["Costs", "Money."],
            &["Costs: hidden", "Unexpected."],
            &["Cost > benefit", "Weighed."],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Trust: institutions", "Trust: institutions", None),
                ("Trust: people", "Trust: people", None),
                ("Costs", "Costs", None),
                ("Costs: hidden", "Costs: hidden", None),
                ("Cost > benefit", "Cost > benefit", None),
            ])
        );
        let (headers, rows) = table(&[
            &["Code", "Definition", "Example"],
            &["Costs", "Money.", "Rent doubled."],
            &["Premises", "Offices.", ""],
            &["Isolation", "Alone.", ""],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Costs", "Costs", None),
                ("Premises", "Premises", None),
                ("Isolation", "Isolation", None),
            ])
        );
        assert_eq!(cb.codes[0].examples, vec!["Rent doubled."]);
        // With a parent column the table's hierarchy is the one read: a
        // name with a colon is a name.
        let (headers, rows) = table(&[
            &["Code", "Parent"],
            &["Trust", ""],
            &["Trust: institutions", ""],
            &["Doctors", "Trust"],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(cb.codes[1].parent, None);
        assert_eq!(cb.codes[1].name, "Trust: institutions");
    }

    /// `Theme | Code` and `Code | Category`: the theme or category is the
    /// code's parent (before, the themes were dropped, or were duplicate
    /// ids).
    #[test]
    fn a_theme_or_category_column_beside_the_code_column_is_its_parent() {
        let (headers, rows) = table(&[
            &["Theme", "Code", "Definition"],
            &["Access", "Booking", "Getting an appointment."],
            &["", "Transport", "Getting there."],
            &["Trust", "Continuity", "Seeing the same GP."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Access", "Access", None),
                ("Booking", "Booking", Some("Access")),
                ("Transport", "Transport", Some("Access")),
                ("Trust", "Trust", None),
                ("Continuity", "Continuity", Some("Trust")),
            ])
        );
        assert_eq!(cb.codes[1].definition, "Getting an appointment.");
        let (headers, rows) = table(&[
            &["Code", "Category"],
            &["Booking", "Access"],
            &["Transport", "Access"],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        let parents: Vec<(&str, Option<&str>)> = cb
            .codes
            .iter()
            .map(|c| (c.id.as_str(), c.parent.as_deref()))
            .collect();
        assert_eq!(
            parents,
            [
                ("Access", None),
                ("Booking", Some("Access")),
                ("Transport", Some("Access"))
            ]
        );
        // One theme per code: the two columns name each code, no hierarchy.
        let (headers, rows) = table(&[
            &["Code", "Theme"],
            &["ACC", "Access to care"],
            &["TRU", "Trust"],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert!(
            cb.codes.iter().all(|c| c.parent.is_none()),
            "{:?}",
            tree(&cb)
        );
        assert_eq!(cb.codes.len(), 2);
    }

    /// A `No.` column with a `Parent` column of numbers: refused before as
    /// an unknown parent "1". A number column alone is an outline.
    #[test]
    fn a_number_column_names_parents_by_number() {
        let (headers, rows) = table(&[
            &["No.", "Code", "Parent", "Definition"],
            &["1", "Access to care", "", "Barriers."],
            &["1.1", "Appointment booking", "1", "Appointments."],
            &["1.2", "Transport", "1.", "Travel."],
            &["2", "Trust", "", "Faith."],
            &["2.1", "Continuity of care", "Trust", "Same GP."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            tree(&cb),
            own(&[
                ("Access to care", "Access to care", None),
                (
                    "Appointment booking",
                    "Appointment booking",
                    Some("Access to care")
                ),
                ("Transport", "Transport", Some("Access to care")),
                ("Trust", "Trust", None),
                ("Continuity of care", "Continuity of care", Some("Trust")),
            ])
        );
        let (headers, rows) = table(&[
            &["Code number", "Code", "Definition"],
            &["1", "Access to care", "Barriers."],
            &["1.1", "Appointment booking", "Appointments."],
            &["2", "Trust", "Faith."],
        ]);
        let cb = codebook_from_table("cb.xlsx", "cb", &headers, &rows).unwrap();
        let parents: Vec<Option<&str>> = cb.codes.iter().map(|c| c.parent.as_deref()).collect();
        assert_eq!(parents, vec![None, Some("Access to care"), None]);
        // A number two codes share names neither.
        let (headers, rows) = table(&[
            &["No", "Code", "Parent"],
            &["1", "Access", ""],
            &["1", "Trust", ""],
            &["1.1", "Booking", "1"],
        ]);
        let e = codebook_from_table("cb.xlsx", "cb", &headers, &rows)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "1 problem(s) in the codebook:\n  cb.xlsx: row 3 (line 4), parent: code \"Booking\" has parent \"1\", the number of 2 codes (Access, Trust); give the parent's id"
        );
    }

    /// Columns with a gloss in brackets and MacQueen's exemplars were
    /// read as no column: the examples and criteria were lost.
    #[test]
    fn glossed_and_exemplar_columns_are_read() {
        assert_eq!(column_key("Inclusion (when to use)"), "inclusion");
        assert_eq!(column_key("Example(s)"), "example");
        assert_eq!(column_key("Definition [brief]"), "definition");
        assert_eq!(column_key("(Notes)"), "notes");
        let (headers, rows) = table(&[
            &[
                "Code",
                "Definition (brief)",
                "Inclusion (when to use)",
                "Exclusion (when not to use)",
                "Typical exemplars",
                "Atypical exemplars",
                "Illustrative quote",
            ],
            &[
                "TRUST",
                "Trust in institutions.",
                "an institution",
                "people",
                "I trust the council.",
                "Police are the last people.",
                "They would never.",
            ],
        ]);
        let cb = codebook_from_table("cb.csv", "cb", &headers, &rows).unwrap();
        let code = &cb.codes[0];
        assert_eq!(code.definition, "Trust in institutions.");
        assert_eq!(code.inclusion, vec!["an institution"]);
        assert_eq!(code.exclusion, vec!["people"]);
        assert_eq!(
            code.examples,
            vec![
                "I trust the council.",
                "Police are the last people.",
                "They would never."
            ]
        );
    }

    /// Each code's id and parent, in the codebook's order.
    fn parents(cb: &Codebook) -> Vec<(String, Option<String>)> {
        cb.codes
            .iter()
            .map(|c| (c.id.clone(), c.parent.clone()))
            .collect()
    }

    fn owned(v: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.map(str::to_string)))
            .collect()
    }

    /// Dedoose's `Parent Code | Child Code` and MAXQDA's `Code System` of
    /// paths whose parents have no row were refused.
    #[test]
    fn dedoose_columns_and_parents_named_only_in_paths_are_codes() {
        let (headers, rows) = table(&[
            &["Parent Code", "Child Code", "Description"],
            &["Barriers", "", "What stands in the way."],
            &["Barriers", "Cost", "Money."],
            &["Facilitators", "Collaboration", "Working together."],
        ]);
        let cb = codebook_from_table("codes.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            parents(&cb),
            owned(&[
                ("Barriers", None),
                ("Cost", Some("Barriers")),
                ("Facilitators", None),
                ("Collaboration", Some("Facilitators")),
            ])
        );
        assert_eq!(cb.codes[0].definition, "What stands in the way.");
        // The child column first: the same tree.
        let (headers, rows) = table(&[&["Child Code", "Parent Code"], &["Cost", "Barriers"]]);
        let cb = codebook_from_table("codes.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            parents(&cb),
            owned(&[("Barriers", None), ("Cost", Some("Barriers"))])
        );
        let (headers, rows) = table(&[
            &["Code System", "Memo"],
            &["Code System\\Barriers\\Cost", "Money."],
            &[
                "Code System\\Facilitators\\Collaboration",
                "Working together.",
            ],
            &["Code System\\Facilitators", "What helps."],
            &["Trust", "Faith."],
        ]);
        let cb = codebook_from_table("codes.xlsx", "cb", &headers, &rows).unwrap();
        assert_eq!(
            parents(&cb),
            owned(&[
                ("Barriers", None),
                ("Cost", Some("Barriers")),
                ("Collaboration", Some("Facilitators")),
                ("Facilitators", None),
                ("Trust", None),
            ])
        );
        assert_eq!(cb.codes[3].definition, "What helps.");
    }

    #[test]
    fn outline_numbers_are_read_from_names_and_cells() {
        let parts = |v: &[&str]| Some(v.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        assert_eq!(leading_number("1 Access"), parts(&["1"]));
        assert_eq!(leading_number("1.2. Transport"), parts(&["1", "2"]));
        assert_eq!(leading_number("A.1 Booking"), parts(&["A", "1"]));
        assert_eq!(leading_number("b) Booking"), parts(&["b"]));
        assert_eq!(leading_number("A sense of belonging"), None);
        assert_eq!(leading_number("1.Access"), None);
        assert_eq!(leading_number("1.2"), None);
        assert_eq!(number_of_cell(" 1.2. "), parts(&["1", "2"]));
        assert_eq!(number_of_cell("Trust"), parts(&["Trust"]));
        assert_eq!(number_of_cell("Trust, people"), None);
    }

    /// h12/03: an Excel codebook's `Level` column (1, 2, 3 in outline
    /// order) was ignored, every code top-level without a word.
    #[test]
    fn a_level_column_gives_the_outline() {
        let (headers, rows) = table(&[
            &["Code", "Level", "Definition"],
            &["Barriers", "1", "Things that hinder"],
            &["Isolation", "2", "Cut off"],
            &["Evening isolation", "3", "At night"],
            &["Other", "3", "Else"],
            &["Cost", "2.0", "Money"],
            &["Facilitators", "1", "Things that help"],
            &["Peer support", "2", "Colleagues help"],
            &["Other", "2", "Else"],
        ]);
        let cb = codebook_from_table("codes.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(
            parents(&cb),
            owned(&[
                ("Barriers", None),
                ("Isolation", Some("Barriers")),
                ("Evening isolation", Some("Isolation")),
                ("Isolation/Other", Some("Isolation")),
                ("Cost", Some("Barriers")),
                ("Facilitators", None),
                ("Peer support", Some("Facilitators")),
                ("Facilitators/Other", Some("Facilitators")),
            ])
        );
        assert_eq!(cb.codes[2].definition, "At night");
        // Levels from 0 (an outline tool's depth) are the same tree.
        let (headers, rows) = table(&[
            &["Name", "Depth", "Description"],
            &["Barriers", "0", "Hinders"],
            &["Cost", "1", "Money"],
        ]);
        let cb = codebook_from_table("codes.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(
            parents(&cb),
            owned(&[("Barriers", None), ("Cost", Some("Barriers"))])
        );
        // A level of words (a socio-ecological model's) is no depth: read
        // as before, the codes top-level.
        let (headers, rows) = table(&[
            &["Code", "Level", "Definition"],
            &["Stigma", "Community", "Being judged"],
            &["Cost", "Individual", "Money"],
        ]);
        let cb = codebook_from_table("codes.csv", "cb", &headers, &rows).unwrap();
        assert_eq!(parents(&cb), owned(&[("Stigma", None), ("Cost", None)]));
    }

    /// A level that skips one (1 then 3) leaves the parent unwritten: the
    /// row is named, as is a code without a level.
    #[test]
    fn a_level_skipped_is_refused_naming_the_row() {
        let (headers, rows) = table(&[
            &["Code", "Level", "Definition"],
            &["Barriers", "1", "Things that hinder"],
            &["Evening isolation", "3", "At night"],
            &["Cost", "", "Money"],
        ]);
        let Err(CodebookError::Invalid(problems)) =
            codebook_from_table("codes.csv", "cb", &headers, &rows)
        else {
            panic!("a skipped level was read");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["row 2 (line 3), Level", "row 3 (line 4), Level"]);
        assert!(
            problems[0].message.starts_with(
                "code \"Evening isolation\" is at level 3 with the row above it at level 1"
            ),
            "{}",
            problems[0].message
        );
        assert!(
            problems[1]
                .message
                .starts_with("code \"Cost\" has no level"),
            "{}",
            problems[1].message
        );
        // The first row below the top level has no row above it.
        let (headers, rows) = table(&[&["Code", "Level"], &["A", "2"], &["B", "1"]]);
        let Err(CodebookError::Invalid(problems)) =
            codebook_from_table("codes.csv", "cb", &headers, &rows)
        else {
            panic!("a first row at level 2 was read");
        };
        assert_eq!(problems.len(), 1);
        assert!(problems[0]
            .message
            .contains("at level 2 with no row above it"));
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
