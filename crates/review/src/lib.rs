//! review stage.
