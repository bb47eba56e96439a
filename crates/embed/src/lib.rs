//! embed stage.
