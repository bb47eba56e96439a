//! themes stage.
