//! The crate's top-level modules form a layered graph without cycles
//! (docs/design.md, "Layers").
//!
//! The test reads the sources under `src/`, collects for each top-level
//! module (`src/<m>.rs` or `src/<m>/`) every path into another top-level
//! module (`crate::<m>`, `$crate::<m>`, the items of `use crate::{a, b}`
//! groups, `super::` chains that climb to the crate root, names the crate
//! root re-exports from a module, and strings that are such paths, as serde
//! attributes name functions), in code only: comments, doc comments and
//! other string literals are skipped, so doc links do not count.
//! Unit tests (`#[cfg(test)] mod .. { .. }`) count too, except that they may
//! use the test kit (`testing`), as the integration tests do.
//! It then fails on any cycle and on any edge that breaks the intended
//! layering, printing the whole graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Module -> the top-level modules it refers to.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// A token of Rust source, as far as paths are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword (`crate`, `super`, `mod`, `$crate` as `crate`).
    Ident(String),
    /// `::`
    PathSep,
    /// Any other punctuation character (`{`, `}`, `,`, `;`, `*`, ...).
    Punct(char),
}

/// Tokens of `src`, with comments, doc comments, string, char and byte
/// literals and lifetimes dropped.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_start = |ch: char| ch.is_alphabetic() || ch == '_';
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0usize;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let end = skip_string(&c, i + 1);
            // A string that is a path (`#[serde(with = "crate::m::f")]`) is code.
            let text: String = c[i + 1..end.saturating_sub(1).max(i + 1)].iter().collect();
            if is_path(&text) {
                for (k, seg) in text.split("::").enumerate() {
                    if k > 0 {
                        out.push(Tok::PathSep);
                    }
                    out.push(Tok::Ident(seg.to_string()));
                }
            }
            i = end;
        } else if ch == '\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
            }
        } else if ident_start(ch) || (ch == '$' && next.is_some_and(ident_start)) {
            let start = if ch == '$' { i + 1 } else { i };
            i = start;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Raw strings (r"..", r#".."#, br#".."#) and raw identifiers.
            if (word == "r" || word == "br" || word == "cr") && matches!(c.get(i), Some('"' | '#'))
            {
                let mut hashes = 0;
                while c.get(i) == Some(&'#') {
                    hashes += 1;
                    i += 1;
                }
                if c.get(i) == Some(&'"') {
                    i += 1;
                    'raw: while i < c.len() {
                        if c[i] == '"' && (0..hashes).all(|h| c.get(i + 1 + h) == Some(&'#')) {
                            i += 1 + hashes;
                            break 'raw;
                        }
                        i += 1;
                    }
                    continue;
                }
                // `r#ident`: the identifier follows.
                let s = i;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
                out.push(Tok::Ident(c[s..i].iter().collect()));
                continue;
            }
            out.push(Tok::Ident(word));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (ident_char(c[i]) || c[i] == '.') {
                // `1.0`, `0x1F`, `1_000u64`; a range `0..n` stops at the second dot.
                if c[i] == '.' && c.get(i + 1) == Some(&'.') {
                    break;
                }
                i += 1;
            }
        } else if ch == ':' && next == Some(':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// Whether a string literal's text is a path from the crate root or a
/// parent module (`crate::sla::deserialize_recorded`), as serde attributes
/// name functions and types.
fn is_path(text: &str) -> bool {
    let mut segs = text.split("::");
    matches!(segs.next(), Some("crate" | "super"))
        && text.contains("::")
        && segs.all(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// The index after the closing quote of a (byte) string whose body starts at `i`.
fn skip_string(c: &[char], mut i: usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The top-level module a path's first segment after the crate root names:
/// itself if it is a top-level module, else the module a root re-export
/// comes from, else `None` (a root item such as a macro).
fn resolve(
    first: &str,
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    if modules.contains(first) {
        Some(first.to_string())
    } else {
        reexports.get(first).cloned()
    }
}

/// The first segments of the items of a `{ .. }` group starting at `toks[i]`
/// (`{`), and the index after the group.
fn group_heads(toks: &[Tok], mut i: usize) -> (Vec<String>, usize) {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut at_item_start = true;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => {
                depth += 1;
                at_item_start = depth == 1;
            }
            Tok::Punct('}') => {
                depth -= 1;
                if depth == 0 {
                    return (heads, i + 1);
                }
            }
            Tok::Punct(',') if depth == 1 => at_item_start = true,
            Tok::Ident(w) if depth == 1 && at_item_start => {
                heads.push(w.clone());
                at_item_start = false;
            }
            _ => {
                if depth == 1 {
                    at_item_start = false;
                }
            }
        }
        i += 1;
    }
    (heads, i)
}

/// Top-level modules referred to by one file whose module path (from the
/// crate root) is `base`.
fn references(
    src: &str,
    base: &[String],
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Refs {
    let toks = tokens(src);
    let mut found = BTreeSet::new();
    // Inline `mod name { .. }` blocks deepen the module path.
    // Brace depth at which each inline module opened, and whether it is
    // `#[cfg(test)]` (a unit test module).
    let mut inline: Vec<(usize, bool)> = Vec::new();
    let mut depth = 0usize;
    let mut cfg_test_pending = false;
    let mut i = 0;
    let mut found_in_tests = BTreeSet::new();
    let add_heads = |heads: &[String], found: &mut BTreeSet<String>| {
        for h in heads {
            if let Some(m) = resolve(h, modules, reexports) {
                found.insert(m);
            }
        }
    };
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
                continue;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(_)), Some(Tok::Punct('{'))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    inline.push((depth + 1, cfg_test_pending));
                }
                cfg_test_pending = false;
                i += 1;
                continue;
            }
            Tok::Punct('#') if is_cfg_test(&toks[i..]) => {
                cfg_test_pending = true;
                i += 1;
                continue;
            }
            Tok::Punct(';') => cfg_test_pending = false,
            _ => {}
        }
        // A path starts at `crate` or at a `super` that is not itself after `::`.
        let after_sep = i > 0 && toks[i - 1] == Tok::PathSep;
        let root_at = match &toks[i] {
            Tok::Ident(w) if w == "crate" && !after_sep => Some(i + 1),
            Tok::Ident(w) if w == "super" && !after_sep => {
                let here = base.len() + inline.len();
                let mut j = i;
                let mut ups = 0;
                while matches!(&toks.get(j), Some(Tok::Ident(w)) if w == "super") {
                    ups += 1;
                    j += 1;
                    if toks.get(j) == Some(&Tok::PathSep) {
                        j += 1;
                    } else {
                        break;
                    }
                }
                // `super` chains that end at the crate root name a top-level module next.
                (ups == here).then_some(j.saturating_sub(1))
            }
            _ => None,
        };
        if let Some(k) = root_at {
            if toks.get(k) == Some(&Tok::PathSep) {
                let in_test = inline.iter().any(|(_, test)| *test);
                let into = if in_test {
                    &mut found_in_tests
                } else {
                    &mut found
                };
                match toks.get(k + 1) {
                    Some(Tok::Ident(first)) => add_heads(std::slice::from_ref(first), into),
                    Some(Tok::Punct('{')) => {
                        let (heads, _) = group_heads(&toks, k + 1);
                        add_heads(&heads, into);
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    if let Some(own) = base.first() {
        found.remove(own);
        found_in_tests.remove(own);
    }
    Refs {
        code: found,
        tests: found_in_tests,
    }
}

/// The top-level modules one file refers to.
#[derive(Debug, Default)]
struct Refs {
    /// From the library's code.
    code: BTreeSet<String>,
    /// From its unit tests (`#[cfg(test)] mod .. { .. }`) only.
    tests: BTreeSet<String>,
}

/// Whether the tokens start with the attribute `#[cfg(test)]`.
fn is_cfg_test(toks: &[Tok]) -> bool {
    let want = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    toks.len() >= want.len() && toks[..want.len()] == want
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under `src/` (`ticket/decide.rs` -> `[ticket,
/// decide]`, `ticket/mod.rs` -> `[ticket]`, `desk.rs` -> `[desk]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.len() == 1 && parts[0] == "lib.rs" {
        return Vec::new();
    }
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

/// Root re-exports of `lib.rs`: name -> the top-level module it comes from.
fn root_reexports(lib: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let toks = tokens(lib);
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i + 2 < toks.len() {
        if toks[i] == Tok::Ident("use".into()) {
            if let (Some(Tok::Ident(m)), Some(Tok::PathSep)) = (toks.get(i + 1), toks.get(i + 2)) {
                if modules.contains(m) {
                    // `use m::X;`, `use m::a::X;` or `use m::{X, a::{Y}}`: every
                    // name brought in (the last segment of each leaf).
                    let mut j = i + 3;
                    let mut last: Option<String> = None;
                    let mut depth = 0usize;
                    while j < toks.len() {
                        match &toks[j] {
                            Tok::Ident(w) if w != "as" => last = Some(w.clone()),
                            Tok::Punct('{') => depth += 1,
                            Tok::Punct('}') | Tok::Punct(',') | Tok::Punct(';') => {
                                if let Some(name) = last.take() {
                                    out.insert(name, m.clone());
                                }
                                if toks[j] == Tok::Punct('}') {
                                    depth = depth.saturating_sub(1);
                                }
                                if toks[j] == Tok::Punct(';') && depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    i = j;
                }
            }
        }
        i += 1;
    }
    out
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let rels: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&src)
                .map(Path::to_path_buf)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let modules: BTreeSet<String> = rels
        .iter()
        .filter(|r| r.as_os_str() != "lib.rs")
        .filter_map(|r| module_path(r).into_iter().next())
        .collect();
    let read = |f: &Path| {
        std::fs::read_to_string(f).unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()))
    };
    let reexports = root_reexports(&read(&src.join("lib.rs")), &modules);
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    // Out-of-line unit-test modules (`#[cfg(test)] mod props;`): all of
    // such a file is a unit test.
    let test_files: BTreeSet<PathBuf> = files
        .iter()
        .flat_map(|f| test_module_files(&read(f), f))
        .collect();
    for (file, rel) in files.iter().zip(&rels) {
        let base = module_path(rel);
        let Some(top) = base.first() else { continue }; // lib.rs: the root re-exports
        let refs = references(&read(file), &base, &modules, &reexports);
        let deps = graph.entry(top.clone()).or_default();
        if test_files.contains(file) {
            deps.extend(
                refs.code
                    .into_iter()
                    .chain(refs.tests)
                    .filter(|m| m != TEST_KIT),
            );
            continue;
        }
        deps.extend(refs.code);
        // Unit tests may use the test kit, as the integration tests do.
        deps.extend(refs.tests.into_iter().filter(|m| m != TEST_KIT));
    }
    graph
}

/// The files of the out-of-line modules `file` declares under a `#[cfg(..)]`
/// that requires `test` (`#[cfg(test)]`, `#[cfg(all(test, ..))]`) without a
/// `#[path]`: `mod props;` in `rules/engine.rs` is `rules/engine/props.rs`.
fn test_module_files(src: &str, file: &Path) -> Vec<PathBuf> {
    let Some(parent) = file.parent() else {
        return Vec::new();
    };
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    let dir = match stem.as_deref() {
        Some("mod" | "lib" | "main") | None => parent.to_path_buf(),
        Some(s) => parent.join(s),
    };
    let toks = tokens(src);
    let mut out = Vec::new();
    let mut under_test = false;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct('#') if cfg_requires_test(&toks[i..]) => under_test = true,
            Tok::Ident(w) if w == "mod" => {
                if let (true, Some(Tok::Ident(name)), Some(Tok::Punct(';'))) =
                    (under_test, toks.get(i + 1), toks.get(i + 2))
                {
                    out.push(dir.join(format!("{name}.rs")));
                }
                under_test = false;
            }
            Tok::Punct(';' | '{' | '}') => under_test = false,
            _ => {}
        }
    }
    out
}

/// Whether the tokens start with `#[cfg(..)]` naming `test` outside a
/// `not(..)`.
fn cfg_requires_test(toks: &[Tok]) -> bool {
    if toks.get(1) != Some(&Tok::Punct('[')) || toks.get(2) != Some(&Tok::Ident("cfg".into())) {
        return false;
    }
    for t in toks.iter().skip(3) {
        match t {
            Tok::Punct(']') => return false,
            Tok::Ident(w) if w == "not" => return false,
            Tok::Ident(w) if w == "test" => return true,
            _ => {}
        }
    }
    false
}

#[test]
fn the_scanner_finds_out_of_line_test_modules() {
    let src = "#[cfg(all(test, feature = \"testing\"))]\nmod props;\n#[cfg(test)]\nmod more;\nmod code;\n#[cfg(not(test))]\nmod other;\n";
    assert_eq!(
        test_module_files(src, Path::new("src/rules/engine.rs")),
        vec![
            PathBuf::from("src/rules/engine/props.rs"),
            PathBuf::from("src/rules/engine/more.rs")
        ]
    );
    assert_eq!(
        test_module_files("#[cfg(test)] mod t;", Path::new("src/sla/mod.rs")),
        vec![PathBuf::from("src/sla/t.rs")]
    );
}

fn show(graph: &Graph) -> String {
    let mut s = String::new();
    for (m, deps) in graph {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        let _ = writeln!(s, "  {m} -> {}", deps.join(", "));
    }
    s
}

/// A cycle of the graph (its modules in order, the first repeated at the
/// end), if it has one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        m: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(m.to_string(), Mark::Open);
        stack.push(m.to_string());
        for d in graph.get(m).into_iter().flatten() {
            match marks.get(d).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|s| s == d).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(d, graph, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(m.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for m in graph.keys() {
        if marks.get(m).copied().unwrap_or(Mark::New) == Mark::New {
            let mut stack = Vec::new();
            if let Some(c) = visit(m, graph, &mut marks, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// The modules that lie on some cycle, grouped by strongly connected
/// component (each group: modules that all reach each other).
fn tangles(graph: &Graph) -> Vec<BTreeSet<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(m) = todo.pop() {
            for d in graph.get(&m).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<BTreeSet<String>> = Vec::new();
    for (m, r) in &reaches {
        if !r.contains(*m) || out.iter().any(|g| g.contains(*m)) {
            continue;
        }
        let group = r
            .iter()
            .filter(|n| reaches.get(n).is_some_and(|back| back.contains(*m)))
            .cloned()
            .collect();
        out.push(group);
    }
    out
}

/// Every top-level module and the modules it may depend on, from the
/// bottom layer up (docs/design.md, "Layers").
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    // Foundations: ids, channels, instants, escaping, calendars, customers.
    const FOUNDATION: &[&str] = &["id", "channel", "instant", "escape", "customer", "calendar"];
    let mut a: BTreeMap<&'static str, &'static [&'static str]> = BTreeMap::new();
    a.insert("id", &[]);
    a.insert("channel", &[]);
    a.insert("instant", &[]);
    a.insert("escape", &[]);
    // Processor hints (prefetch) for bulk loops.
    a.insert("hint", &[]);
    // A radix sort of values ordered by an instant first, for bulk
    // summaries (low scores, repeat pairs).
    a.insert("by_seconds", &[]);
    a.insert("calendar", &["instant", "escape"]);
    a.insert("customer", &["id", "channel"]);
    // Values.
    a.insert("model", FOUNDATION);
    // Core and engines.
    // Reply-quality checks: pure text rules, no other module.
    a.insert("quality", &[]);
    // Reply templates: rendered from the customer view (a value), never a ticket.
    a.insert("template", &["id", "channel", "customer", "model"]);
    a.insert("ticket", &["id", "channel", "customer", "instant", "model"]);
    a.insert(
        "sla",
        &[
            "id", "channel", "instant", "hint", "calendar", "customer", "model", "ticket",
        ],
    );
    // Spikes count per calendar period (the one period type).
    a.insert(
        "taxonomy",
        &["id", "channel", "instant", "calendar", "model", "ticket"],
    );
    a.insert(
        "metrics",
        &[
            "id",
            "channel",
            "instant",
            "hint",
            "by_seconds",
            "calendar",
            "customer",
            "model",
            "ticket",
            "sla",
            "taxonomy",
        ],
    );
    // Charts: typed specs and the one SVG writer, below every engine that
    // draws (the matrix draws itself through it).
    a.insert("chart", &["escape"]);
    a.insert(
        "insight",
        &[
            "id", "channel", "instant", "escape", "calendar", "model", "ticket", "sla", "taxonomy",
            "metrics", "chart",
        ],
    );
    // The customer behind the tickets: facts per customer, reasons from
    // the taxonomy, near-identical questions from insight.
    a.insert(
        "experience",
        &[
            "id",
            "channel",
            "instant",
            "hint",
            "by_seconds",
            "calendar",
            "customer",
            "model",
            "ticket",
            "sla",
            "taxonomy",
            "metrics",
            "insight",
        ],
    );
    a.insert(
        "report",
        &[
            "id",
            "channel",
            "instant",
            "escape",
            "calendar",
            "model",
            "ticket",
            "sla",
            "taxonomy",
            "metrics",
            "insight",
            "experience",
            "chart",
        ],
    );
    // Rules as data: above the engines they evaluate with.
    a.insert(
        "rules",
        &[
            "id", "channel", "customer", "calendar", "model", "ticket", "sla", "taxonomy",
            "template",
        ],
    );
    // Ports and adapters.
    a.insert(
        "port",
        &["id", "channel", "customer", "model", "ticket", "sla"],
    );
    a.insert(
        "store",
        &[
            "id", "channel", "customer", "calendar", "model", "ticket", "sla", "port",
        ],
    );
    a
}

/// The modules that sit on top: they may use everything, nothing may use them.
const TOP: &[&str] = &["desk", "testing"];

/// The test kit, which unit tests (`#[cfg(test)]` modules) may use anywhere.
const TEST_KIT: &str = "testing";

#[test]
fn top_level_modules_have_no_cycle() {
    let g = graph();
    assert!(
        g.len() > 10,
        "the modules of src/ were found:\n{}",
        show(&g)
    );
    // Shown with `--nocapture`.
    println!("module graph (module -> deps):\n{}", show(&g));
    if let Some(cycle) = find_cycle(&g) {
        let groups: Vec<String> = tangles(&g)
            .iter()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join(", "))
            .collect();
        panic!(
            "top-level module cycle: {}\nmodules that reach each other: {{{}}}\nmodule graph (module -> deps):\n{}",
            cycle.join(" -> "),
            groups.join("}, {"),
            show(&g)
        );
    }
}

#[test]
fn top_level_modules_respect_the_layers() {
    let g = graph();
    let allowed = allowed();
    let mut wrong = Vec::new();
    for (m, deps) in &g {
        for d in deps {
            if TOP.contains(&d.as_str()) && !TOP.contains(&m.as_str()) {
                wrong.push(format!("{m} -> {d} (nothing may depend on {d})"));
            }
        }
        if TOP.contains(&m.as_str()) {
            continue;
        }
        let Some(ok) = allowed.get(m.as_str()) else {
            wrong.push(format!(
                "{m} is a new top-level module: give it a layer in this test"
            ));
            continue;
        };
        for d in deps {
            if !ok.contains(&d.as_str()) && !TOP.contains(&d.as_str()) {
                wrong.push(format!("{m} -> {d} (allowed: {})", ok.join(", ")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layering broken:\n  {}\nmodule graph (module -> deps):\n{}",
        wrong.join("\n  "),
        show(&g)
    );
}

#[test]
fn notification_and_model_stay_below_the_engines() {
    let g = graph();
    let deps = |m: &str| g.get(m).cloned().unwrap_or_default();
    // Notifications are values (`model::notification`): no module of
    // their own that an engine could be reached through.
    assert!(
        !g.contains_key("notification"),
        "notification is a values module inside model:\n{}",
        show(&g)
    );
    for engine in ["ticket", "sla", "taxonomy", "metrics"] {
        assert!(
            !deps("model").contains(engine),
            "model depends on {engine}\nmodule graph (module -> deps):\n{}",
            show(&g)
        );
    }
    assert!(g.contains_key("model"), "src/model exists:\n{}", show(&g));
}

/// The scanner itself: what counts as a reference and what does not.
#[test]
fn the_scanner_reads_paths_groups_super_and_skips_comments() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let reexports: BTreeMap<String, String> = [("Thing".to_string(), "g".to_string())].into();
    let src = r##"
        //! Links in docs do not count: [`x`](crate::c::X)
        use crate::{b, a::{self, Y}};
        /// Nor here: crate::d::Z
        // nor here: crate::d::Z
        /* nor /* nested */ here: crate::d::Z */
        fn f() -> crate::e::T {
            let s = "not a path: crate::d::in_a_string";
            #[serde(deserialize_with = "crate::h::read")]
            let r = r#"crate::d::raw "string""#;
            let c = '"'; let l: &'static str = "";
            super::super::f::call();
            super::sibling();
            crate::Thing::new()
        }
        mod inner { fn g() { super::super::super::c::h(); } }
    "##;
    let base = vec!["m".to_string(), "sub".to_string()];
    let found = references(src, &base, &modules, &reexports).code;
    let want: BTreeSet<String> = ["a", "b", "c", "e", "f", "g", "h"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, want);
}

/// Paths in `#[cfg(test)]` modules are told apart from the library's.
#[test]
fn the_scanner_tells_unit_tests_apart() {
    let modules: BTreeSet<String> = ["a", "b", "testing"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let src = r#"
        use crate::a::X;
        #[cfg(test)]
        mod tests {
            use super::*;
            use crate::testing::Kit;
            fn t() { crate::b::y(); }
        }
        fn after() {}
    "#;
    let refs = references(src, &["m".to_string()], &modules, &BTreeMap::new());
    assert_eq!(refs.code, BTreeSet::from(["a".to_string()]));
    assert_eq!(
        refs.tests,
        BTreeSet::from(["b".to_string(), "testing".to_string()])
    );
}

/// The cycle finder names a cycle and accepts a layered graph.
#[test]
fn the_cycle_finder_finds_cycles() {
    let edge = |pairs: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in pairs {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    let cycle = find_cycle(&edge(&[("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]));
    assert_eq!(
        cycle,
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_cycle(&edge(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    let two = edge(&[("a", "b"), ("b", "a"), ("c", "d"), ("d", "c"), ("d", "e")]);
    let names = |v: &[&str]| {
        v.iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<String>>()
    };
    assert_eq!(tangles(&two), vec![names(&["a", "b"]), names(&["c", "d"])]);
}
