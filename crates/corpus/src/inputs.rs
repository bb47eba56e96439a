//! Which files an `ingest` of some paths reads. Folders are walked
//! recursively in sorted order. In a folder, `participants.csv` (or
//! `participants.xlsx`, `.xls`, `.ods`) is the participants file and
//! `documents.csv` (or a spreadsheet) the documents file; codebooks, gold codings, `*.toml`, `README*` and hidden
//! files are not transcripts and are passed over, as are files of unknown
//! type (audio next to its transcript is common), which are reported as
//! skipped, and so are FIFOs, sockets and devices (reading a FIFO waits for a
//! writer forever). A file named explicitly is always read (and an unknown
//! type is an error).

use std::path::{Path, PathBuf};

use crate::SourceFormat;

/// A transcript file to read, with its document name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path relative to the folder given (with `/`), or the file name.
    pub name: String,
}

/// A file in a folder that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub files: Vec<InputFile>,
    pub participants: Vec<PathBuf>,
    /// `documents.csv` files: case attributes per document.
    pub documents: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
}

const PARTICIPANTS_FILE: &str = "participants";
const DOCUMENTS_FILE: &str = "documents";

/// Whether `file_name` is `{stem}.csv` or a spreadsheet of that stem
/// (`participants.xlsx`), any case.
fn is_case_file(file_name: &str, stem: &str) -> bool {
    let lower = file_name.to_lowercase();
    lower
        .strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|ext| matches!(ext, "csv" | "tsv" | "xlsx" | "xlsm" | "xls" | "ods"))
}

/// The tables `autocode report` writes (`report::output`; lower case).
const REPORT_TABLES: &[&str] = &[
    "report.csv",
    "report_segments.csv",
    "report_crosstab.csv",
    "report_by_document.csv",
    "report_by_question.csv",
    "report_agreement.csv",
];

fn is_report_table(lower_name: &str) -> bool {
    REPORT_TABLES.contains(&lower_name)
}

/// A document's name in composed form (NFC): macOS writes file names
/// decomposed ("Zoé" as e and a combining accent), Windows and Linux
/// composed, and the same interview corrected on another machine was a
/// second document beside the first, counted twice (hm/04).
fn composed(name: String) -> String {
    if unicode_normalization::is_nfc(&name) {
        name
    } else {
        use unicode_normalization::UnicodeNormalization;
        name.nfc().collect()
    }
}

/// A file or folder name as (part of) a document name: its bytes as UTF-8,
/// each byte that is none written `\xFC`. A Windows zip unpacked on Linux
/// keeps `Müller` in Latin-1 (0xFC): read lossily, every such byte was
/// U+FFFD, so `Teilnehmer_Müller.txt` and `Teilnehmer_Möller.txt` made one
/// name and the second file was refused as taking the first's, and the
/// stored name matched neither file. Escaped, a name depends on its own
/// bytes only, the same in every run, and says which file it is.
fn name_part(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut part = String::with_capacity(name.len());
        for chunk in name.as_bytes().utf8_chunks() {
            part.push_str(chunk.valid());
            for byte in chunk.invalid() {
                write!(part, "\\x{byte:02X}").expect("writing to a String");
            }
        }
        part
    }
    // Elsewhere names are (nearly always valid) UTF-16.
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// The transcripts, participants and documents files under `paths`. A path that does
/// not exist is kept as a file, so that reading it reports the error.
pub fn collect_inputs(paths: &[PathBuf]) -> std::io::Result<Inputs> {
    let mut inputs = Inputs::default();
    for path in paths {
        if path.is_dir() {
            let mut seen = std::collections::BTreeSet::new();
            walk(path, path, &mut inputs, &mut seen)?;
        } else {
            let file_name = path
                .file_name()
                .map(name_part)
                .unwrap_or_else(|| path.display().to_string());
            if is_case_file(&file_name, PARTICIPANTS_FILE) {
                inputs.participants.push(path.clone());
            } else if is_case_file(&file_name, DOCUMENTS_FILE) {
                inputs.documents.push(path.clone());
            } else {
                inputs.files.push(InputFile {
                    path: path.clone(),
                    name: composed(file_name),
                });
            }
        }
    }
    Ok(inputs)
}

/// `seen`: the folders walked, as canonical paths: a folder reached again
/// through a link (a link to a parent) is walked once.
fn walk(
    root: &Path,
    dir: &Path,
    inputs: &mut Inputs,
    seen: &mut std::collections::BTreeSet<PathBuf>,
) -> std::io::Result<()> {
    if let Ok(real) = dir.canonicalize() {
        if !seen.insert(real) {
            return Ok(());
        }
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // A linked folder is walked as a folder (HPC and shared-drive
        // studies link wave folders in): before, `wave2 -> /scratch/wave2`
        // was skipped as "not a transcript type" and its interviews left
        // out of every count (hj/01).
        let file_type = entry.file_type()?;
        if file_type.is_dir()
            || (file_type.is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_dir()))
        {
            walk(root, &path, inputs, seen)?;
            continue;
        }
        // Through symlinks; a broken link stays a file, so that reading it
        // reports the error.
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            inputs.skipped.push(Skipped {
                path,
                reason: "not a regular file (a FIFO, socket or device)",
            });
            continue;
        }
        let lower = name.to_lowercase();
        if is_case_file(&lower, PARTICIPANTS_FILE) {
            inputs.participants.push(path);
            continue;
        }
        if is_case_file(&lower, DOCUMENTS_FILE) {
            inputs.documents.push(path);
            continue;
        }
        let not_transcript = lower.starts_with("codebook.")
            || (lower.starts_with("gold") && lower.ends_with(".jsonl"))
            || lower.ends_with(".toml")
            || lower.starts_with("readme")
            // The project's own store, its SQLite journals and the run's
            // lock, when the inputs are the project folder (`ingest .`):
            // before, each was listed as skipped.
            || [".db", ".db-wal", ".db-shm", ".db-journal"]
                .iter()
                .any(|e| lower.ends_with(e))
            || lower == "autocode.lock";
        if not_transcript {
            continue;
        }
        // A codebook by another name that says so, in a codebook's format
        // (`Codebook v3.docx`, `codebook_final.xlsx`, `Coding frame.docx`):
        // listed as skipped, so that a transcript named so (`codebook
        // discussion.docx`) is seen, and read with an explicit path. Before,
        // a Word codebook beside the transcripts was read as one; `.txt`,
        // `.md` and the caption formats are read whatever their name.
        let codebook_name = ["codebook", "coding frame", "coding_frame", "coding-frame"]
            .iter()
            .any(|w| lower.starts_with(w));
        let codebook_format = [
            ".yaml", ".yml", ".json", ".qdc", ".xml", ".csv", ".tsv", ".xlsx", ".xlsm", ".xls",
            ".ods", ".docx",
        ]
        .iter()
        .any(|e| lower.ends_with(e));
        if codebook_name && codebook_format {
            inputs.skipped.push(Skipped {
                path,
                reason: "a codebook by its name (give its path to ingest it as a transcript)",
            });
            continue;
        }
        // Word and Excel keep `~$name.docx` beside a document while it is
        // open: a few bytes naming who opened it, no transcript. Read, it
        // would fail the run; LibreOffice's `.~lock.…#` is hidden already.
        if name.starts_with("~$") && SourceFormat::from_path(&path).is_some() {
            inputs.skipped.push(Skipped {
                path,
                reason: "an Office lock file (the document is open in Word or Excel)",
            });
            continue;
        }
        // `autocode report` writes its tables into its output folder, the
        // project folder unless `[report] out` says otherwise: a run whose
        // inputs are that folder (`paths = ["."]`) read report_segments.csv
        // back as a transcript of every coded sentence, and counted them
        // twice.
        if is_report_table(&lower) {
            inputs.skipped.push(Skipped {
                path,
                reason: "autocode's own report output",
            });
            continue;
        }
        if SourceFormat::from_path(&path).is_none() {
            inputs.skipped.push(Skipped {
                path,
                reason: "not a transcript type",
            });
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| name_part(c.as_os_str()))
            .collect::<Vec<_>>()
            .join("/");
        inputs.files.push(InputFile {
            path,
            name: composed(relative),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("scratch/wave2");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("i2.txt"), "A: Hi.\n").unwrap();
        let root = dir.path().join("study");
        std::fs::create_dir_all(root.join("wave1")).unwrap();
        std::fs::write(root.join("wave1/i1.txt"), "A: Hi.\n").unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("wave2")).unwrap();
        // A link back up is no loop.
        std::os::unix::fs::symlink(&root, root.join("wave1/up")).unwrap();
        let inputs = collect_inputs(std::slice::from_ref(&root)).unwrap();
        let names: Vec<&str> = inputs.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["wave1/i1.txt", "wave2/i2.txt"],
            "{:?}",
            inputs.skipped
        );
    }

    #[test]
    fn walks_sorted_and_skips_non_transcripts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        for f in [
            "b.txt",
            "a.md",
            "sub/c.vtt",
            "participants.csv",
            "documents.csv",
            "codebook.yaml",
            "Codebook v3.docx",
            "Coding frame.xlsx",
            "codebook discussion.txt",
            "gold.jsonl",
            "gold-extra.jsonl",
            "autocode.toml",
            "autocode.db",
            "autocode.db-wal",
            "autocode.db-shm",
            "autocode.lock",
            "README.md",
            ".hidden.txt",
            "audio.mp3",
            "rows.jsonl",
            "~$terview 3.docx",
            "report.csv",
            "report_segments.csv",
            "report.html",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let inputs = collect_inputs(&[root.to_path_buf(), root.join("missing.txt")]).unwrap();
        let names: Vec<_> = inputs.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a.md",
                "b.txt",
                "codebook discussion.txt",
                "rows.jsonl",
                "sub/c.vtt",
                "missing.txt"
            ]
        );
        assert_eq!(inputs.participants, vec![root.join("participants.csv")]);
        assert_eq!(inputs.documents, vec![root.join("documents.csv")]);
        let skipped: Vec<_> = inputs.skipped.iter().map(|s| (&s.path, s.reason)).collect();
        assert_eq!(
            skipped,
            [
                (
                    &root.join("Codebook v3.docx"),
                    "a codebook by its name (give its path to ingest it as a transcript)"
                ),
                (
                    &root.join("Coding frame.xlsx"),
                    "a codebook by its name (give its path to ingest it as a transcript)"
                ),
                (&root.join("audio.mp3"), "not a transcript type"),
                (&root.join("report.csv"), "autocode's own report output"),
                (&root.join("report.html"), "not a transcript type"),
                (
                    &root.join("report_segments.csv"),
                    "autocode's own report output"
                ),
                (
                    &root.join("~$terview 3.docx"),
                    "an Office lock file (the document is open in Word or Excel)"
                )
            ]
        );
    }

    /// Two names that differ only in bytes that are not UTF-8 (Latin-1's
    /// `ü` and `ö`) were one document name, `Teilnehmer_M\u{FFFD}ller.txt`,
    /// and the second file was refused; each byte is now written escaped.
    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_keep_their_bytes_apart() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = |bytes: &[u8]| std::ffi::OsStr::from_bytes(bytes).to_os_string();
        let sub = dir.path().join(name(b"Gespr\xe4che"));
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join(name(b"Teilnehmer_M\xfcller.txt")), "A: Hi.\n").unwrap();
        std::fs::write(sub.join(name(b"Teilnehmer_M\xf6ller.txt")), "A: Hi.\n").unwrap();
        std::fs::write(sub.join("Zoë.txt"), "A: Hi.\n").unwrap();
        let inputs = collect_inputs(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<&str> = inputs.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                r"Gespr\xE4che/Teilnehmer_M\xF6ller.txt",
                r"Gespr\xE4che/Teilnehmer_M\xFCller.txt",
                r"Gespr\xE4che/Zoë.txt",
            ]
        );
        let given = sub.join(name(b"Teilnehmer_M\xfcller.txt"));
        let inputs = collect_inputs(&[given]).unwrap();
        assert_eq!(inputs.files[0].name, r"Teilnehmer_M\xFCller.txt");
    }

    /// A FIFO in a folder used to be read, which blocks until something
    /// writes to it: forever.
    #[cfg(unix)]
    #[test]
    fn fifos_in_a_folder_are_skipped_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.txt");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("run mkfifo");
        assert!(made.success());
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        let inputs = collect_inputs(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> = inputs.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.txt"]);
        assert_eq!(
            inputs.skipped,
            vec![Skipped {
                path: fifo,
                reason: "not a regular file (a FIFO, socket or device)"
            }]
        );
    }
}
