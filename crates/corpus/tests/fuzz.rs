//! Seeded fuzzing of every reader: a few hundred mutations of a valid file
//! per format (bytes flipped, inserted, deleted, duplicated, cut; pieces that
//! matter to the format spliced in). Whatever comes in, reading never panics,
//! an error starts with the file's path, and a success has exact offsets.
//! Deterministic (a fixed xorshift seed) and bounded: small inputs, a fixed
//! number of rounds.

use std::io::Write;
use std::path::Path;

use corpus::{read_file, Document, Participants, TableColumns};

const ROUNDS: usize = 300;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces each format is sensitive to, plus encodings and control bytes.
const PIECES: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r\n",
    b"\n\n",
    b": ",
    b"Anna: ",
    b"-->",
    b"00:00:01.000 --> 00:00:00.500",
    b"99:59:59,999",
    b"<v Bob>",
    b"<",
    b">",
    b"&",
    b"&nbsp;",
    b"&#0;",
    b"&#x110000;",
    b"{",
    b"}",
    b"[",
    b"]",
    b"1e300",
    b"-1",
    b"NaN",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    "Zoë 😀 監視。".as_bytes(),
    b"<w:p>",
    b"</w:p>",
    b"<w:t>",
    b"</w:t>",
    b"<w:tbl><w:tr><w:tc>",
    b"<!DOCTYPE d [<!ENTITY e \"x\">]>",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = rng.next() as u8;
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
            2 => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            4 => bytes.truncate(at),
            _ => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.extend_from_slice(piece);
            }
        }
    }
    bytes
}

fn docx(document_xml: &[u8]) -> Vec<u8> {
    zip_of("word/document.xml", document_xml)
}

fn odt(content_xml: &[u8]) -> Vec<u8> {
    zip_of("content.xml", content_xml)
}

/// A zip holding one entry.
fn zip_of(entry: &str, bytes: &[u8]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file(entry, opts).unwrap();
        zip.write_all(bytes).unwrap();
        zip.finish().unwrap();
    }
    buf.into_inner()
}

fn check_offsets(doc: &Document, input: &[u8]) {
    let chars: Vec<char> = doc.text.chars().collect();
    for s in &doc.segments {
        assert!(s.start_char <= s.end_char && s.end_char <= chars.len());
        let slice: String = chars[s.start_char..s.end_char].iter().collect();
        assert_eq!(slice, s.text, "input {:?}", String::from_utf8_lossy(input));
    }
    for t in &doc.turns {
        assert!(t.start_char <= t.end_char && t.end_char <= chars.len());
    }
}

fn fuzz(dir: &Path, ext: &str, seed: &[u8], rng: &mut Rng, wrap: impl Fn(&[u8]) -> Vec<u8>) {
    let people = Participants::default();
    let (mut ok, mut failed) = (0, 0);
    for round in 0..ROUNDS {
        let mutated = mutate(rng, seed);
        let bytes = wrap(&mutated);
        let name = format!("f{round}.{ext}");
        let path = dir.join(&name);
        std::fs::write(&path, &bytes).unwrap();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_file(&path, &name, &TableColumns::default(), &people.index())
        }))
        .unwrap_or_else(|_| panic!("{name} panicked on {:?}", String::from_utf8_lossy(&mutated)));
        match result {
            Ok(docs) => {
                ok += 1;
                docs.iter().for_each(|d| check_offsets(d, &mutated));
            }
            Err(e) => {
                failed += 1;
                let message = e.to_string();
                assert!(
                    message.starts_with(&format!("{}: ", path.display())),
                    "{name}: error does not name the file: {message:?}"
                );
            }
        }
    }
    // The mutations are mild enough that both outcomes are exercised.
    assert!(ok > 0 && failed > 0, "{ext}: {ok} read, {failed} refused");
}

#[test]
fn mutated_inputs_of_every_format_never_panic_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let txt = "Interview 3\n\nModerator: Welcome, all. Shall we begin?\nAnna (Police): Yes. Mr. Ørsted said 3.5 is fine…\n[00:01:02] Bob: 監視は怖い。でも必要です。\n".as_bytes();
    let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Anna>Hello there.\n\n00:00:02.500 --> 00:00:04.000\n<v Bob>Zoë says <i>hi</i> &amp; bye.\n".as_bytes();
    let srt = b"1\n00:00:01,000 --> 00:00:02,500\nAnna: Hello there.\n\n2\n00:00:02,500 --> 00:00:04,000\nBob: And you.\n";
    let csv = "doc,speaker,text,start,end\ng1,Anna,\"Hello, all.\",0,1.5\ng1,Bob,\"Two\nlines \"\"quoted\"\".\",2,3\ng2,Zoë,Ja 😀.,00:00:04,\n".as_bytes();
    let jsonl = "{\"doc\": \"i1\", \"speaker\": \"Q\", \"text\": \"Why?\", \"start\": 1.25, \"end\": \"00:00:02\"}\n{\"doc\": \"i1\", \"speaker\": \"A\", \"text\": \"Because 😀.\"}\n".as_bytes();
    let document_xml = br#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Moderator: Safe &amp; smart?</w:t></w:r></w:p><w:p><w:r><w:t>Anna: We try.</w:t><w:tab/><w:t>Really&#x21;</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>00:01:05</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Bob</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Yes.</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
    let same = |b: &[u8]| b.to_vec();
    fuzz(dir.path(), "txt", txt, &mut rng, same);
    fuzz(dir.path(), "vtt", vtt, &mut rng, same);
    fuzz(dir.path(), "srt", srt, &mut rng, same);
    fuzz(dir.path(), "csv", csv, &mut rng, same);
    fuzz(dir.path(), "jsonl", jsonl, &mut rng, same);
    // DOCX twice: a mutated document.xml in a sound zip, and mutated zip bytes.
    fuzz(dir.path(), "docx", document_xml, &mut rng, docx);
    fuzz(dir.path(), "docx", &docx(document_xml), &mut rng, same);
    // ODT the same two ways.
    let content_xml = br#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:text><text:p><text:span>Moderator: </text:span>Safe &amp; smart?</text:p><text:p>Anna: We<text:s text:c="2"/>try.<text:tab/>Really&#x21;</text:p><table:table><table:table-row><table:table-cell><text:p>00:01:05</text:p></table:table-cell><table:table-cell><text:p>Bob</text:p></table:table-cell><table:table-cell><text:p>Yes.</text:p></table:table-cell></table:table-row></table:table></office:text></office:body></office:document-content>"#;
    fuzz(dir.path(), "odt", content_xml, &mut rng, odt);
    fuzz(dir.path(), "odt", &odt(content_xml), &mut rng, same);
    // PDF: a real one (LibreOffice's, streams compressed) with its bytes
    // mutated; the extractor's own panics must come back as errors.
    let pdf = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/ingest/pdf/remote-p07.pdf"),
    )
    .unwrap();
    fuzz(dir.path(), "pdf", &pdf, &mut rng, same);
    // DOC: LibreOffice's Word 97 export with its bytes mutated.
    let doc = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest/harbour.doc"),
    )
    .unwrap();
    fuzz(dir.path(), "doc", &doc, &mut rng, same);
    // And one whose table rows end where its paragraph properties say.
    let doc = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest/table-gaps.doc"),
    )
    .unwrap();
    fuzz(dir.path(), "doc", &doc, &mut rng, same);
}
