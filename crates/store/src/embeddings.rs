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

    /// How many segments there are.
    pub fn segment_count(&self) -> Result<usize> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM segments", [], |r| r.get::<_, i64>(0))?
            as usize)
    }

    /// How many segments have a vector of `model_key` whose input was cut
    /// at the model's max_seq_length: the truncated vectors are found through their partial
    /// index (migration 013), and the segments are scanned once only when
    /// there are some. Joining every segment to its embedding took a
    /// quarter of a second at 100k sentences, in every `embed`.
    pub fn truncated_segment_count(&self, model_key: &str) -> Result<usize> {
        let any: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM embeddings INDEXED BY embeddings_truncated
                            WHERE model_key = ?1 AND truncated = 1)",
            [model_key],
            |r| r.get(0),
        )?;
        if !any {
            return Ok(0);
        }
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM segments WHERE text_hash IN
               (SELECT text_hash FROM embeddings INDEXED BY embeddings_truncated
                WHERE model_key = ?1 AND truncated = 1)",
            [model_key],
            |r| r.get::<_, i64>(0),
        )? as usize)
    }

    /// The participant sentences the model of the newest machine coding
    /// read cut off (their vectors' `truncated`), as (document, participant,
    /// text) in id order: a long unpunctuated answer coded from its first
    /// 256 word pieces, its ending unread.
    pub fn truncated_participant_segments_coded(
        &self,
    ) -> Result<Vec<(String, Option<String>, String)>> {
        let key: Option<String> = self
            .conn
            .query_row(
                "SELECT model_key FROM coding_marks ORDER BY coded_at DESC, segment_id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(key) = key else {
            return Ok(Vec::new());
        };
        let any: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM embeddings INDEXED BY embeddings_truncated
                            WHERE model_key = ?1 AND truncated = 1)",
            [&key],
            |r| r.get(0),
        )?;
        if !any {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(
            "SELECT d.name, s.participant_id, s.text FROM segments s
             JOIN documents d ON d.id = s.document_id
             WHERE s.is_moderator = 0 AND s.text_hash IN
               (SELECT text_hash FROM embeddings INDEXED BY embeddings_truncated
                WHERE model_key = ?1 AND truncated = 1)
             ORDER BY s.id",
        )?;
        let rows = stmt.query_map([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
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

    /// Two documents say the same long sentence: both count as truncated,
    /// under the model whose vector was cut only.
    #[test]
    fn truncated_segments_are_counted_per_model_through_each_sentence() {
        use corpus::{Document, Segment, SourceFormat, Turn};
        let sentence = |text: &str, i: usize| Segment {
            speaker: Some("Ann".into()),
            participant_id: Some("P1".into()),
            is_moderator: false,
            turn_index: 0,
            sentence_index: i,
            start_char: 0,
            end_char: text.len(),
            start_ms: None,
            end_ms: None,
            text: text.into(),
        };
        let doc = |name: &str, texts: &[&str]| Document {
            name: name.into(),
            source_path: format!("/x/{name}"),
            format: SourceFormat::Text,
            content_hash: corpus::content_hash(name.as_bytes()),
            text: texts.join(" "),
            turns: vec![Turn {
                index: 0,
                speaker: Some("Ann".into()),
                role: None,
                is_moderator: false,
                start_char: 0,
                end_char: 1,
                start_ms: None,
                end_ms: None,
            }],
            segments: texts
                .iter()
                .enumerate()
                .map(|(i, t)| sentence(t, i))
                .collect(),
            speaker_attributes: Default::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::create(dir.path()).unwrap();
        let long = "A long sentence, cut at the model's limit.";
        s.put_document(&doc("a.txt", &[long, "Short."])).unwrap();
        s.put_document(&doc("b.txt", &[long])).unwrap();
        assert_eq!(s.segment_count().unwrap(), 3);
        let (h_long, h_short) = (
            corpus::content_hash(long.as_bytes()),
            corpus::content_hash(b"Short."),
        );
        let v = [1.0f32, 0.0];
        let row = |text_hash, truncated| EmbeddingRow {
            text_hash,
            vector: &v,
            truncated,
        };
        s.put_embeddings("m1", &[row(&h_long, true), row(&h_short, false)])
            .unwrap();
        s.put_embeddings("m2", &[row(&h_long, false), row(&h_short, false)])
            .unwrap();
        assert_eq!(s.truncated_segment_count("m1").unwrap(), 2);
        assert_eq!(s.truncated_segment_count("m2").unwrap(), 0);
        assert_eq!(s.truncated_segment_count("m3").unwrap(), 0);
        // The report names those the coding model read cut off: none before
        // any coding, then both sentences under m1, none under m2.
        assert!(s.truncated_participant_segments_coded().unwrap().is_empty());
        let mark = |s: &Store, model: &str, at: &str| {
            s.conn
                .execute(
                    "INSERT OR REPLACE INTO coding_marks(segment_id, codebook_version, model_key, classifier, coded_at)
                     SELECT id, 1, ?1, 'c', ?2 FROM segments",
                    params![model, at],
                )
                .unwrap();
        };
        mark(&s, "m1", "2026-01-01T00:00:00Z");
        let cut = s.truncated_participant_segments_coded().unwrap();
        let docs: Vec<&str> = cut.iter().map(|(d, _, _)| d.as_str()).collect();
        assert_eq!(docs, ["a.txt", "b.txt"]);
        assert_eq!(cut[0].1.as_deref(), Some("P1"));
        assert_eq!(cut[0].2, long);
        mark(&s, "m2", "2026-01-02T00:00:00Z");
        assert!(s.truncated_participant_segments_coded().unwrap().is_empty());
    }
}
