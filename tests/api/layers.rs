//! The layers of `src/`: no import cycle between top-level modules (`state.rs`, `db/`,
//! `requests/` …). Every `crate::` path in a file of module `a` that names module `b` is an
//! edge `a → b`; the graph must have no cycle, so each feature folder can be read (and
//! changed) knowing only what lies below it. Moves inside one folder are free.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → (module it names → files that name it).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to; `None` for the crate root and the binaries,
/// which stand above everything.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?.to_owned();
    match first.as_str() {
        "lib.rs" | "main.rs" | "bin" => None,
        _ => Some(first.trim_end_matches(".rs").to_owned()),
    }
}

/// The text without `//` comments (doc comments name modules in prose).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // `"http://…"` inside a string is not a comment.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The first segment of every `crate::` path: `crate::db::Db` → `db`,
/// `use crate::{http, openapi}` → `http`, `openapi`.
fn named_modules(text: &str) -> Vec<String> {
    let mut named = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        // `rogatory::crate::…` does not exist; skip identifiers merely ending in `crate`.
        if text[..at].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = text[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if depth == 1 && item_start && !c.is_whitespace() => {
                        named.push(identifier(&group[i..]).to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            named.push(identifier(rest).to_owned());
        }
    }
    named
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = module_of(&src, file) else { continue };
        let text = without_comments(&std::fs::read_to_string(file).expect("read a source file"));
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        for to in named_modules(&text) {
            assert!(
                modules.contains(&to),
                "src/{shown} names crate::{to}, which is not a top-level module: name the module, not a re-export of lib.rs"
            );
            if to != from {
                graph.entry(from.clone()).or_default().entry(to).or_default().insert(shown.clone());
            }
        }
    }
    graph
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in self.graph.get(v).into_iter().flat_map(|edges| edges.keys()) {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let at = self.stack.iter().rposition(|m| *m == v).unwrap();
                let component: Vec<String> = self.stack.drain(at..).map(str::to_owned).collect();
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// One loop through a component, as `a → b → … → a`, each step with the files that make it.
fn describe(graph: &Graph, component: &[String]) -> String {
    let inside: BTreeSet<&str> = component.iter().map(String::as_str).collect();
    let start = component.iter().min().unwrap().as_str();
    // Breadth-first from `start` back to `start` inside the component: the shortest loop.
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut closing = None;
    while let Some(v) = queue.pop_front() {
        for w in graph[v].keys().map(String::as_str).filter(|w| inside.contains(w)) {
            if w == start {
                closing = Some(v);
                break;
            }
            if !previous.contains_key(w) {
                previous.insert(w, v);
                queue.push_back(w);
            }
        }
        if closing.is_some() {
            break;
        }
    }
    let mut path = vec![start];
    let mut at = closing.unwrap();
    while at != start {
        path.push(at);
        at = previous[at];
    }
    path.push(start);
    path.reverse();
    let steps: Vec<String> = path
        .windows(2)
        .map(|pair| {
            let files: Vec<&str> = graph[pair[0]][pair[1]].iter().map(String::as_str).collect();
            format!("  {} → {}   ({})", pair[0], pair[1], files.join(", "))
        })
        .collect();
    format!("cycle among {{{}}}:\n{}", component.join(", "), steps.join("\n"))
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = graph();
    // The parser sees the imports it should: a broken one would pass any tree.
    for (from, to) in [("requests", "db"), ("state", "auth"), ("openapi", "routes"), ("deadlines", "legal_bases")] {
        assert!(graph.get(from).is_some_and(|e| e.contains_key(to)), "expected an import {from} → {to}");
    }
    let found = cycles(&graph);
    let report: Vec<String> = found.iter().map(|c| describe(&graph, c)).collect();
    assert!(found.is_empty(), "import cycles between top-level modules of src/:\n{}", report.join("\n"));
}

#[test]
fn the_import_parser_reads_groups_and_skips_comments() {
    let text = without_comments(
        "use crate::{http, openapi::{self, spec}};\nlet x = crate::db::Db; // crate::app\nlet u = \"http://x\"; crate::vocab::A",
    );
    assert_eq!(named_modules(&text), ["http", "openapi", "db", "vocab"]);
}
