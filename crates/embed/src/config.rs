//! The configuration files of a sentence-transformers model folder.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// `config.json` of a BERT-family model (only what the forward pass needs).
#[derive(Debug, Clone, Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub position_embedding_type: Option<String>,
    #[serde(default)]
    pub model_type: Option<String>,
}

fn default_hidden_act() -> String {
    "gelu".into()
}
fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}

/// `sentence_bert_config.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct SentenceBertConfig {
    pub max_seq_length: Option<usize>,
    #[serde(default)]
    pub do_lower_case: bool,
}

/// `1_Pooling/config.json`.
#[derive(Debug, Clone, Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
    Max,
}

#[derive(Debug, Clone, Deserialize)]
struct Module {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    path: String,
}

/// Everything read from the folder's JSON files.
#[derive(Debug, Clone)]
pub struct ModelFolder {
    pub dir: PathBuf,
    pub bert: BertConfig,
    pub max_seq_length: usize,
    pub do_lower_case: bool,
    pub pooling: Pooling,
    pub normalize: bool,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

impl ModelFolder {
    pub fn read(dir: &Path) -> Result<ModelFolder> {
        if !dir.is_dir() {
            bail!(
                "model folder {} does not exist (run `make models`, or pass --model DIR / set AUTOCODE_MODEL)",
                dir.display()
            );
        }
        let bert: BertConfig = read_json(&dir.join("config.json"))?;
        if let Some(t) = &bert.model_type {
            if !matches!(t.as_str(), "bert") {
                bail!(
                    "{}: model_type {t:?} is not supported (only the BERT family)",
                    dir.join("config.json").display()
                );
            }
        }
        if let Some(p) = &bert.position_embedding_type {
            if p != "absolute" {
                bail!(
                    "{}: position_embedding_type {p:?} is not supported (only \"absolute\")",
                    dir.join("config.json").display()
                );
            }
        }
        if !matches!(bert.hidden_act.as_str(), "gelu" | "gelu_new" | "relu") {
            bail!(
                "{}: hidden_act {:?} is not supported (gelu, gelu_new, relu)",
                dir.join("config.json").display(),
                bert.hidden_act
            );
        }
        if bert.num_attention_heads == 0
            || !bert.hidden_size.is_multiple_of(bert.num_attention_heads)
        {
            bail!(
                "{}: hidden_size {} is not a multiple of num_attention_heads {}",
                dir.join("config.json").display(),
                bert.hidden_size,
                bert.num_attention_heads
            );
        }

        let sbert_path = dir.join("sentence_bert_config.json");
        let (max_seq_length, do_lower_case) = if sbert_path.exists() {
            let s: SentenceBertConfig = read_json(&sbert_path)?;
            (s.max_seq_length, s.do_lower_case)
        } else {
            (None, false)
        };
        let max_seq_length = max_seq_length
            .unwrap_or(bert.max_position_embeddings)
            .min(bert.max_position_embeddings);

        let modules_path = dir.join("modules.json");
        let modules: Vec<Module> = if modules_path.exists() {
            read_json(&modules_path)?
        } else {
            Vec::new()
        };
        let pooling_dir = modules
            .iter()
            .find(|m| m.kind.ends_with(".Pooling"))
            .map(|m| dir.join(&m.path))
            .unwrap_or_else(|| dir.join("1_Pooling"));
        let pooling_path = pooling_dir.join("config.json");
        let pooling = if pooling_path.exists() {
            let p: PoolingConfig = read_json(&pooling_path)?;
            let modes = [
                p.pooling_mode_mean_tokens,
                p.pooling_mode_cls_token,
                p.pooling_mode_max_tokens,
                p.pooling_mode_mean_sqrt_len_tokens,
            ];
            if modes.iter().filter(|m| **m).count() != 1 || p.pooling_mode_mean_sqrt_len_tokens {
                bail!(
                    "{}: exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_max_tokens must be true",
                    pooling_path.display()
                );
            }
            if p.pooling_mode_cls_token {
                Pooling::Cls
            } else if p.pooling_mode_max_tokens {
                Pooling::Max
            } else {
                Pooling::Mean
            }
        } else {
            Pooling::Mean
        };
        // A listed Normalize module means normalised output even when its
        // (parameterless) folder is not shipped, as in the default model.
        let normalize = modules.iter().any(|m| m.kind.ends_with(".Normalize"));
        Ok(ModelFolder {
            dir: dir.to_path_buf(),
            bert,
            max_seq_length,
            do_lower_case,
            pooling,
            normalize,
        })
    }
}
