//! Store accessors for the `reviews` tables (owned by that stage; see migrations/).

#[allow(unused_imports)]
use crate::{Result, Store};
