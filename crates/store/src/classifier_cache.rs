//! The fitted classifier of the last `code` run, kept by the key of what it
//! was fitted on, so that a run with the same training data, corpus sample
//! and parameters loads it instead of fitting again.

use rusqlite::{params, OptionalExtension};

use crate::{now, Result, Store};

impl Store {
    /// The classifier saved under `key` (serialised by the caller), if the
    /// last fit was that one.
    pub fn cached_classifier(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT classifier FROM classifier_cache WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Saves `classifier` under `key`, replacing whatever fit was saved
    /// before (one row: only the newest fit can match the next run).
    pub fn put_cached_classifier(&mut self, key: &str, classifier: &[u8]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM classifier_cache", [])?;
            tx.execute(
                "INSERT INTO classifier_cache(key, classifier, saved_at) VALUES (?1, ?2, ?3)",
                params![key, classifier, now()],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn the_newest_fit_replaces_the_one_before() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("a.db")).unwrap();
        assert_eq!(store.cached_classifier("k1").unwrap(), None);
        store.put_cached_classifier("k1", b"first").unwrap();
        assert_eq!(
            store.cached_classifier("k1").unwrap().as_deref(),
            Some(&b"first"[..])
        );
        store.put_cached_classifier("k2", b"second").unwrap();
        assert_eq!(store.cached_classifier("k1").unwrap(), None);
        assert_eq!(
            store.cached_classifier("k2").unwrap().as_deref(),
            Some(&b"second"[..])
        );
    }
}
