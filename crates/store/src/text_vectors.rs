//! Vectors of texts that are not corpus sentences (codebook texts, theme
//! phrase candidates), kept so that a run whose codebook and themes did
//! not change need not load the model to embed them again.

use std::collections::{BTreeSet, HashMap};

use rusqlite::params;

use crate::embeddings::{blob_to_vector, vector_to_blob};
use crate::{Result, Store};

impl Store {
    /// The kept vectors of `model_key` among `hashes`, by text hash.
    pub fn text_vectors(
        &self,
        model_key: &str,
        hashes: &[&str],
    ) -> Result<HashMap<String, Vec<f32>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT vector FROM text_vectors WHERE model_key = ?1 AND text_hash = ?2",
        )?;
        let mut out = HashMap::new();
        for &h in hashes {
            let mut rows = stmt.query(params![model_key, h])?;
            if let Some(r) = rows.next()? {
                out.insert(h.to_string(), blob_to_vector(&r.get::<_, Vec<u8>>(0)?));
            }
        }
        Ok(out)
    }

    /// Keeps `rows` (text hash, vector) of `model_key` as `kind`, in one
    /// transaction; a text already kept stays as it is.
    pub fn put_text_vectors(
        &mut self,
        model_key: &str,
        kind: &str,
        rows: &[(&str, &[f32])],
    ) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "INSERT OR IGNORE INTO text_vectors(model_key, text_hash, kind, vector)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (h, v) in rows {
                stmt.execute(params![model_key, h, kind, vector_to_blob(v)])?;
            }
            Ok(())
        })
    }

    /// Drops the kept vectors of `kind` (any model) whose text hash is not in
    /// `keep`: the phrase candidates of theme runs before the latest.
    /// Returns how many were dropped.
    pub fn prune_text_vectors(&mut self, kind: &str, keep: &BTreeSet<&str>) -> Result<usize> {
        self.write(|tx| {
            let stale: Vec<(String, String)> = {
                let mut stmt =
                    tx.prepare("SELECT model_key, text_hash FROM text_vectors WHERE kind = ?1")?;
                let rows = stmt.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.filter(|r| {
                    r.as_ref()
                        .map_or(true, |(_, h): &(String, String)| !keep.contains(h.as_str()))
                })
                .collect::<rusqlite::Result<_>>()?
            };
            let mut del = tx.prepare(
                "DELETE FROM text_vectors WHERE model_key = ?1 AND text_hash = ?2 AND kind = ?3",
            )?;
            for (m, h) in &stale {
                del.execute(params![m, h, kind])?;
            }
            Ok(stale.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::Store;

    #[test]
    fn kept_vectors_come_back_by_model_and_hash_and_stale_phrases_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("a.db")).unwrap();
        let (a, b) = ([0.5f32, -1.25, 3.0], [1.0f32, 0.0, -0.0]);
        store
            .put_text_vectors("m1", "codebook", &[("ha", &a[..])])
            .unwrap();
        store
            .put_text_vectors("m1", "phrase", &[("hb", &b[..]), ("ha", &b[..])])
            .unwrap();
        store
            .put_text_vectors("m2", "phrase", &[("hb", &a[..])])
            .unwrap();
        let got = store.text_vectors("m1", &["ha", "hb", "hc"]).unwrap();
        assert_eq!(got.len(), 2);
        // A text kept once stays as it was: "ha" is still the codebook's.
        assert_eq!(got["ha"], a.to_vec());
        assert_eq!(got["hb"], b.to_vec());
        assert_eq!(store.text_vectors("m2", &["hb"]).unwrap()["hb"], a.to_vec());

        // Pruning phrases keeps the listed ones and every codebook text.
        let keep: BTreeSet<&str> = ["hc"].into();
        assert_eq!(store.prune_text_vectors("phrase", &keep).unwrap(), 2);
        assert_eq!(store.text_vectors("m1", &["ha", "hb"]).unwrap().len(), 1);
        assert!(store.text_vectors("m2", &["hb"]).unwrap().is_empty());
    }
}
