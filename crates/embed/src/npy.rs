//! Writing float32 matrices as NumPy `.npy` files, streamed row by row.
//!
//! Written by hand: the format is a 10-byte preamble and a short text header
//! (numpy's NEP 1), and the crates that write it (`ndarray-npy`, `npyz`)
//! either want the whole matrix in memory as an ndarray or add far more than
//! this needs; streaming keeps `autocode encode` flat in memory on large inputs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// A `.npy` file of `rows × cols` little-endian f32, C order, being written.
pub struct NpyWriter {
    out: BufWriter<File>,
    path: PathBuf,
    rows: usize,
    cols: usize,
    written: usize,
}

/// The full header (preamble + dict + padding) for a 2-D f32 array.
pub fn header(rows: usize, cols: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Version 1.0: magic (6) + version (2) + u16 header length (2) + header,
    // padded with spaces and ended by '\n' so the data starts 64-byte aligned.
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let header_len = dict.len() + pad + 1;
    let mut h = Vec::with_capacity(10 + header_len);
    h.extend_from_slice(b"\x93NUMPY\x01\x00");
    h.extend_from_slice(&(header_len as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.extend(std::iter::repeat_n(b' ', pad));
    h.push(b'\n');
    h
}

impl NpyWriter {
    pub fn create(path: &Path, rows: usize, cols: usize) -> Result<NpyWriter> {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = BufWriter::new(file);
        out.write_all(&header(rows, cols))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(NpyWriter {
            out,
            path: path.to_path_buf(),
            rows,
            cols,
            written: 0,
        })
    }

    pub fn write_row(&mut self, row: &[f32]) -> Result<()> {
        if row.len() != self.cols {
            bail!(
                "{}: row of {} values, the matrix has {} columns",
                self.path.display(),
                row.len(),
                self.cols
            );
        }
        if self.written == self.rows {
            bail!("{}: more than {} rows", self.path.display(), self.rows);
        }
        let mut bytes = Vec::with_capacity(row.len() * 4);
        for x in row {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        self.out
            .write_all(&bytes)
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.written += 1;
        Ok(())
    }

    /// Flushes; fails when fewer rows were written than the header announced.
    pub fn finish(mut self) -> Result<()> {
        if self.written != self.rows {
            bail!(
                "{}: {} rows written, {} announced",
                self.path.display(),
                self.written,
                self.rows
            );
        }
        self.out
            .flush()
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

/// Checks that a matrix can be written to `path`, before the work that
/// computes it: `embed --export` found a missing folder only after embedding
/// the whole corpus (hours on a large one), and wrote its `.npy` matrix under
/// any name, `.csv` included, that a spreadsheet then opened as garbage
/// (h5/04). `path` must end in `.npy`, its folder exist, and the file be
/// one that can be opened for writing: a missing file is created and removed
/// again, an existing one opened without being truncated, so nothing the
/// user has changes. The caller names the option in its context.
pub fn check_output_path(path: &Path) -> Result<()> {
    if path.extension().and_then(|e| e.to_str()) != Some("npy") {
        bail!("expected a .npy file name");
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("{} is not a folder", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("the folder {} does not exist", dir.display())
        }
        Err(e) => return Err(e).with_context(|| format!("reading the folder {}", dir.display())),
    }
    match File::options().write(true).create_new(true).open(path) {
        Ok(file) => {
            drop(file);
            std::fs::remove_file(path).context("removing the file made to test it")?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            File::options()
                .write(true)
                .open(path)
                .context("cannot be written")?;
        }
        Err(e) => return Err(e).context("cannot be created"),
    }
    Ok(())
}

/// Reads a 2-D little-endian f32 `.npy` (as written above) back: (rows, cols, data).
pub fn read_f32_matrix(path: &Path) -> Result<(usize, usize, Vec<f32>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        bail!("{}: not a .npy file", path.display());
    }
    let (header_start, header_len) = match bytes[6] {
        1 => (10, u16::from_le_bytes([bytes[8], bytes[9]]) as usize),
        2 | 3 => (
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        ),
        v => bail!("{}: unknown .npy version {v}", path.display()),
    };
    let header = std::str::from_utf8(&bytes[header_start..header_start + header_len])
        .with_context(|| format!("{}: header is not text", path.display()))?;
    if !header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False") {
        bail!(
            "{}: not a C-order little-endian f32 matrix: {header}",
            path.display()
        );
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .with_context(|| format!("{}: no shape in header", path.display()))?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .with_context(|| format!("{}: bad shape {shape:?}", path.display()))?;
    let [rows, cols] = dims[..] else {
        bail!("{}: shape {shape:?} is not 2-D", path.display());
    };
    let data: Vec<f32> = bytes[header_start + header_len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if data.len() != rows * cols {
        bail!(
            "{}: {} values, shape says {rows}×{cols}",
            path.display(),
            data.len()
        );
    }
    Ok((rows, cols, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_round_trips() {
        let h = header(3, 384);
        assert_eq!(h.len() % 64, 0);
        assert_eq!(*h.last().unwrap(), b'\n');
        let dir = std::env::temp_dir().join(format!("embed-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.npy");
        let mut w = NpyWriter::create(&path, 2, 3).unwrap();
        w.write_row(&[1.0, -2.0, 0.5]).unwrap();
        assert!(w.write_row(&[1.0]).is_err());
        w.write_row(&[3.0, 4.0, 5.0]).unwrap();
        w.finish().unwrap();
        let (r, c, d) = read_f32_matrix(&path).unwrap();
        assert_eq!((r, c), (2, 3));
        assert_eq!(d, vec![1.0, -2.0, 0.5, 3.0, 4.0, 5.0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// h5/04: a name that is not `.npy`, a missing folder, a folder that is
    /// a file and a folder in the file's place are refused; a new name is
    /// accepted and left absent, an existing file accepted and left as it was.
    #[test]
    fn an_output_path_that_cannot_be_written_is_refused() {
        let dir = std::env::temp_dir().join(format!("embed-npy-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let refused = |path: &Path| format!("{:#}", check_output_path(path).unwrap_err());
        assert_eq!(refused(&dir.join("v.csv")), "expected a .npy file name");
        assert_eq!(refused(&dir.join("v")), "expected a .npy file name");
        let missing = dir.join("exports");
        assert_eq!(
            refused(&missing.join("v.npy")),
            format!("the folder {} does not exist", missing.display())
        );
        let file = dir.join("notes.txt");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(
            refused(&file.join("v.npy")),
            format!("{} is not a folder", file.display())
        );
        std::fs::create_dir(dir.join("d.npy")).unwrap();
        assert!(
            refused(&dir.join("d.npy")).starts_with("cannot be written: "),
            "{}",
            refused(&dir.join("d.npy"))
        );

        let new = dir.join("new.npy");
        check_output_path(&new).unwrap();
        assert!(!new.exists());
        let old = dir.join("old.npy");
        std::fs::write(&old, b"kept").unwrap();
        check_output_path(&old).unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"kept");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_matrix_is_an_error() {
        let dir = std::env::temp_dir().join(format!("embed-npy-short-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.npy");
        let mut w = NpyWriter::create(&path, 2, 1).unwrap();
        w.write_row(&[1.0]).unwrap();
        assert!(w.finish().is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
