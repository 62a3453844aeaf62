//! Haproxy (todo).

use super::{ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Haproxy;

impl Dialect for Haproxy {
    fn name(&self) -> &'static str {
        "haproxy"
    }
    fn recognises(&self, _path: &Path, _text: &str) -> bool {
        false
    }
    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        false
    }
    fn read_entry(&self, _file: &ConfFile, _text: &str, _cx: &mut Cx<'_, '_>) {}
}
