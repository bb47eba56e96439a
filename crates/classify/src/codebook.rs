use serde::{Deserialize, Serialize};

/// The approved list of codes, a hierarchy of any depth (via `parent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Codebook {
    pub name: String,
    #[serde(default)]
    pub codes: Vec<Code>,
}

/// One code: what it means and sentences that are (and are not) in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Code {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub definition: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusion: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counter_examples: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}
