//! Store accessors for the `themes` tables (owned by that stage; see migrations/).

#[allow(unused_imports)]
use crate::{Result, Store};
