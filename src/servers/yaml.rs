//! The YAML loader Kubernetes, Traefik and Envoy share: every document of a
//! stream as a tree of [`Node`]s, each with the line it starts on, built from
//! yaml-rust2's marked event parser. Aliases are not expanded (a billion-laughs
//! stream stays small) and a syntax error keeps the documents read before it.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A YAML node with the 1-based line where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    Scalar(String),
    Null,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Node::as_str)
    }
    pub fn items(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Seq(v) => v.iter().collect(),
            _ => Vec::new(),
        }
    }
}

/// Builds [`Node`]s from parser events. Aliases become null (Secrets do not use them).
#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    /// Open containers; for maps, a pending key.
    stack: Vec<(Node, Option<(String, u32)>)>,
}

impl Builder {
    fn add(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some((parent, pending)) => match &mut parent.kind {
                Kind::Seq(v) => v.push(node),
                Kind::Map(m) => match pending.take() {
                    // A scalar value is located at its key (a block scalar starts on the next line).
                    Some((k, kline)) => {
                        let line = if matches!(node.kind, Kind::Scalar(_)) { kline } else { node.line };
                        m.push((k, Node { line, ..node }))
                    }
                    None => {
                        let line = node.line;
                        let key = match node.kind {
                            Kind::Scalar(s) => s,
                            _ => String::from("?"),
                        };
                        *pending = Some((key, line))
                    }
                },
                _ => {}
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line() as u32;
        match ev {
            Event::Scalar(s, ..) => self.add(Node { kind: Kind::Scalar(s), line }),
            Event::Alias(_) => self.add(Node { kind: Kind::Null, line }),
            Event::SequenceStart(..) => self.stack.push((Node { kind: Kind::Seq(Vec::new()), line }, None)),
            Event::MappingStart(..) => self.stack.push((Node { kind: Kind::Map(Vec::new()), line }, None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((n, _)) = self.stack.pop() {
                    self.add(n);
                }
            }
            _ => {}
        }
    }
}

/// Every document of a YAML stream; a syntax error keeps the documents read before it.
pub fn load(text: &str) -> Vec<Node> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    let _ = parser.load(&mut b, true);
    b.docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_and_aliases_neither_overflow_nor_expand() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let _ = load(&deep);
        let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n";
        assert_eq!(load(bomb).len(), 1);
        let _ = load("key: [unclosed\n  - : :\n\t");
    }
}
