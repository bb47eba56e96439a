//! The embedding cache: one vector per (model key, text hash).

use rusqlite::{params, OptionalExtension};

use crate::{now, Result, Store};

/// A model as registered in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRecord {
    /// Model id + revision hash; the cache key of its embeddings.
    pub model_key: String,
    pub path: String,
    pub dim: usize,
}

/// One vector to cache.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingRow<'a> {
    pub text_hash: &'a str,
    pub vector: &'a [f32],
    pub truncated: bool,
}

pub fn vector_to_blob(v: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * 4);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

pub fn blob_to_vector(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Store {
    pub fn register_model(&self, m: &ModelRecord) -> Result<()> {
        self.conn.execute(
            "INSERT INTO models(model_key, path, dim, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(model_key) DO UPDATE SET path = excluded.path",
            params![m.model_key, m.path, m.dim as i64, now()],
        )?;
        Ok(())
    }

    pub fn model(&self, model_key: &str) -> Result<Option<ModelRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT model_key, path, dim FROM models WHERE model_key = ?1",
                [model_key],
                |r| {
                    Ok(ModelRecord {
                        model_key: r.get(0)?,
                        path: r.get(1)?,
                        dim: r.get::<_, i64>(2)? as usize,
                    })
                },
            )
            .optional()?)
    }

    /// Stores a batch of vectors in one transaction (existing ones are kept).
    pub fn put_embeddings(&mut self, model_key: &str, rows: &[EmbeddingRow<'_>]) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "INSERT OR IGNORE INTO embeddings(model_key, text_hash, dim, vector, truncated)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in rows {
                stmt.execute(params![
                    model_key,
                    r.text_hash,
                    r.vector.len() as i64,
                    vector_to_blob(r.vector),
                    r.truncated
                ])?;
            }
            Ok(())
        })
    }

    /// Distinct (text hash, text) of segments that have no vector for `model_key`,
    /// in first-segment-id order.
    pub fn texts_missing_embedding(&self, model_key: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.text_hash, s.text FROM segments s
             WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model_key = ?1 AND e.text_hash = s.text_hash)
             GROUP BY s.text_hash ORDER BY MIN(s.id)",
        )?;
        let rows = stmt.query_map([model_key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (segment id, vector) for every segment that has a vector, in segment id order.
    pub fn segment_embeddings(
        &self,
        model_key: &str,
        participants_only: bool,
    ) -> Result<Vec<(i64, Vec<f32>)>> {
        let sql = format!(
            "SELECT s.id, e.vector FROM segments s
             JOIN embeddings e ON e.model_key = ?1 AND e.text_hash = s.text_hash
             {} ORDER BY s.id",
            if participants_only {
                "WHERE s.is_moderator = 0"
            } else {
                ""
            }
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([model_key], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                blob_to_vector(&r.get::<_, Vec<u8>>(1)?),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Text hashes whose input was truncated at the model's max_seq_length.
    pub fn truncated_segments(&self, model_key: &str) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id FROM segments s JOIN embeddings e ON e.model_key = ?1 AND e.text_hash = s.text_hash
             WHERE e.truncated = 1 ORDER BY s.id",
        )?;
        let rows = stmt.query_map([model_key], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_round_trip_is_little_endian() {
        let v = [1.0f32, -0.5, 3.25e-7];
        let b = vector_to_blob(&v);
        assert_eq!(&b[0..4], &[0, 0, 0x80, 0x3f]);
        assert_eq!(blob_to_vector(&b), v);
    }
}
