use std::path::PathBuf;

/// Why a file could not be ingested. Every message starts with the file and
/// names the line, row, byte or field where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}: cannot read: does not exist", file.display())]
    NotFound { file: PathBuf },
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a regular file (a FIFO, socket or device); give a file", file.display())]
    NotRegular { file: PathBuf },
    #[error("{}: {bytes} bytes, more than the {max} a file is read with; split it", file.display())]
    TooLarge { file: PathBuf, bytes: u64, max: u64 },
    #[error("{}: file is empty", file.display())]
    Empty { file: PathBuf },
    #[error("{}: binary file (NUL byte at byte {offset}){hint}", file.display())]
    Binary {
        file: PathBuf,
        offset: usize,
        hint: &'static str,
    },
    #[error("{}: invalid UTF-8 at byte {offset} (line {line}); save the file as UTF-8", file.display())]
    InvalidUtf8 {
        file: PathBuf,
        offset: usize,
        line: usize,
    },
    #[error("{}: invalid UTF-16 at byte {offset} (unpaired surrogate)", file.display())]
    InvalidUtf16 { file: PathBuf, offset: usize },
    #[error("{}: line {line} is longer than 1 MB ({bytes} bytes); is this really a transcript?", file.display())]
    LineTooLong {
        file: PathBuf,
        line: usize,
        bytes: usize,
    },
    #[error("{}: no column `{column}` for the {role}; columns found: {found}", file.display())]
    MissingColumn {
        file: PathBuf,
        column: String,
        role: &'static str,
        found: String,
    },
    #[error("{}: line {line}: bad JSON: {message}", file.display())]
    BadJson {
        file: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {location}: field `{field}`: {message}", file.display())]
    BadField {
        file: PathBuf,
        location: String,
        field: String,
        message: String,
    },
    #[error("{}: {location}: {message}", file.display())]
    BadCsv {
        file: PathBuf,
        location: String,
        message: String,
    },
    #[error("{}: line {line}: {message}", file.display())]
    BadCaption {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// A `.doc` that is not a Word 97-2003 document this reader can read.
    #[error("{}: cannot read this .doc ({message})", file.display())]
    BadDoc { file: PathBuf, message: String },
    /// A PDF the extractor could not read: damaged, encrypted, or a kind it
    /// does not handle; `message` says which where it can.
    #[error("{}: cannot read this PDF ({message}); export the transcript as DOCX, ODT or text instead", file.display())]
    BadPdf { file: PathBuf, message: String },
    /// A PDF whose pages hold no text: a scan, or pages of images.
    #[error("{}: the PDF has {pages} page(s) but no text on them (a scanned document?); run OCR on it or export the transcript as text", file.display())]
    PdfWithoutText { file: PathBuf, pages: usize },
    /// `kind`: "a DOCX" or "an ODT"; `entry`: the XML part the text is in.
    #[error("{}: not {kind} file (not a zip archive: {message})", file.display())]
    NotZip {
        file: PathBuf,
        kind: &'static str,
        message: String,
    },
    #[error("{}: not {kind} file: no {entry} inside", file.display())]
    NoDocumentXml {
        file: PathBuf,
        kind: &'static str,
        entry: &'static str,
    },
    #[error("{}: {entry}: {message}", file.display())]
    DocumentXml {
        file: PathBuf,
        entry: &'static str,
        message: String,
    },
    #[error("{}: {entry} at byte {offset}: {message}", file.display())]
    BadXml {
        file: PathBuf,
        entry: &'static str,
        offset: u64,
        message: String,
    },
    #[error("{}: {message}", file.display())]
    BadRtf { file: PathBuf, message: String },
    #[error("{}: not a spreadsheet autocode can read ({message})", file.display())]
    BadSheet { file: PathBuf, message: String },
    /// A readable sheet whose cells cannot be read as shown (formulas
    /// without a saved value).
    #[error("{}: sheet {sheet}: {message}", file.display())]
    SheetCells {
        file: PathBuf,
        sheet: String,
        message: String,
    },
    #[error("{}: unknown file type{}; expected .txt, .md, .vtt, .srt, .doc, .docx, .odt, .pdf, .rtf, .csv, .jsonl, .xlsx, .xls or .ods", file.display(), ext.as_ref().map(|e| format!(" `.{e}`")).unwrap_or_default())]
    UnknownExtension { file: PathBuf, ext: Option<String> },
    #[error("{}: {location}: {message}", file.display())]
    BadDocuments {
        file: PathBuf,
        location: String,
        message: String,
    },
    #[error("{}: {location}: {message}", file.display())]
    BadTable {
        file: PathBuf,
        location: String,
        message: String,
    },
    #[error("{}: {location}: {message}", file.display())]
    BadParticipants {
        file: PathBuf,
        location: String,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, IngestError>;
