//! Lighttpd (todo).

use super::{ConfFile, Cx, Dialect};
use std::path::Path;

pub struct Lighttpd;

impl Dialect for Lighttpd {
    fn name(&self) -> &'static str {
        "lighttpd"
    }
    fn recognises(&self, _path: &Path, _text: &str) -> bool {
        false
    }
    fn is_entry(&self, _path: &Path, _text: &str) -> bool {
        false
    }
    fn read_entry(&self, _file: &ConfFile, _text: &str, _cx: &mut Cx<'_, '_>) {}
}
