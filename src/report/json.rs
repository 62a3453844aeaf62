//! `--format json`: the docs/DESIGN.md contract, schema_version 1. Fields may be
//! added, never removed or renamed.

use super::{Emitter, EndpointReport, PairReport, RenderOptions, Report, Summary};
use crate::finding::Finding;
use serde::Serialize;
use std::io::{self, Write};

pub struct Json;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    tool: Tool,
    pairs: &'a [PairReport],
    #[serde(skip_serializing_if = "<[EndpointReport]>::is_empty")]
    endpoints: &'a [EndpointReport],
    findings: &'a [Finding],
    summary: &'a Summary,
}

impl Emitter for Json {
    fn emit(&self, report: &Report, _opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document {
            schema_version: 1,
            tool: Tool { name: "keymatch", version: env!("CARGO_PKG_VERSION") },
            pairs: &report.pairs,
            endpoints: &report.endpoints,
            findings: &report.findings,
            summary: &report.summary,
        };
        super::write_pretty_json(out, &doc)
    }
}
