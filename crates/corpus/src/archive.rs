//! Reading one zip entry with a cap on its inflated size. A few kilobytes of
//! deflate can inflate to gigabytes, and an entry's declared size can lie,
//! so every read of an archive entry (DOCX's `word/document.xml` here, the
//! `.qdpx` entries in `report`) goes through [`read_entry_capped`].

use std::io::Read;

/// Why an entry was not read.
#[derive(Debug, thiserror::Error)]
pub enum CappedReadError {
    /// Declared or inflated beyond the limit (in bytes).
    #[error("larger than the limit of {} MiB when inflated", mib(*.limit))]
    TooLarge { limit: u64 },
    #[error("cannot inflate: {0}")]
    Io(#[from] std::io::Error),
}

fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        (bytes >> 20).to_string()
    } else {
        format!("{:.2}", bytes as f64 / (1u64 << 20) as f64)
    }
}

/// The bytes of `entry`, whose archive declares `declared_size`, refused
/// when either the declaration or the inflated bytes exceed `limit`. Reads
/// at most one byte past the limit (which tells an entry at the limit from
/// a longer one), so memory stays bounded whatever the archive claims.
pub fn read_entry_capped(
    entry: impl Read,
    declared_size: u64,
    limit: u64,
) -> Result<Vec<u8>, CappedReadError> {
    if declared_size > limit {
        return Err(CappedReadError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(declared_size.min(1 << 20) as usize);
    entry
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(CappedReadError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_past_it() {
        let data = vec![7u8; 100];
        assert_eq!(read_entry_capped(&data[..], 100, 100).unwrap(), data);
        // The declared size lies low: the read itself stops one byte past.
        let e = read_entry_capped(&data[..], 10, 99).unwrap_err();
        assert!(matches!(e, CappedReadError::TooLarge { limit: 99 }));
        let e = read_entry_capped(&data[..], 1 << 30, 256 << 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "larger than the limit of 256 MiB when inflated"
        );
        let e = read_entry_capped(&data[..], 0, 1 << 19).unwrap();
        assert_eq!(e.len(), 100);
        assert_eq!(
            CappedReadError::TooLarge { limit: 3 << 19 }.to_string(),
            "larger than the limit of 1.50 MiB when inflated"
        );
    }
}
