//! The documents a new user reads agree with the code: names the docs tell
//! users to write are accepted, and the README's stated requirements match
//! the manifest.

use std::path::Path;

use supportdesk::Channel;

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The backticked words of a Markdown line.
fn code_spans(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

#[test]
fn taxonomy_doc_channel_names_are_accepted_by_rule_json() {
    let doc = read("docs/taxonomy.md");
    let row = doc
        .lines()
        .find(|l| l.starts_with("| `channels`"))
        .expect("docs/taxonomy.md has a `channels` row in the rule table");
    let names: Vec<&str> = code_spans(row)
        .into_iter()
        .filter(|n| *n != "channels")
        .collect();
    assert!(names.len() >= 3, "the row names channels: {row}");
    for name in names {
        let parsed: Result<Channel, _> =
            serde_json::from_value(serde_json::Value::String(name.into()));
        assert!(
            parsed.is_ok(),
            "docs/taxonomy.md names channel `{name}`, which rule JSON rejects: {parsed:?}"
        );
        assert_eq!(
            name.parse::<Channel>().ok(),
            parsed.ok(),
            "FromStr and serde agree on `{name}`"
        );
    }
}

#[test]
fn readme_minimum_rust_is_the_manifest_rust_version() {
    let manifest = read("Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .expect("Cargo.toml declares rust-version");
    let readme = read("README.md");
    let line = readme
        .lines()
        .find(|l| l.contains("stable Rust toolchain"))
        .expect("the README's set-up names the minimum Rust");
    assert!(
        line.contains(&format!("({version} or newer")),
        "README says `{line}` but Cargo.toml has rust-version = {version}"
    );
}

#[test]
fn rustdoc_cites_only_documents_shipped_with_the_crate() {
    // Every "docs/<name>.md" the sources cite exists in the repository.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut cited = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains("DOMAIN.md"),
                "{} cites DOMAIN.md, which is not in the crate (use docs/domain.md)",
                path.display()
            );
            for part in text.split("docs/").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                let name = name.trim_end_matches('.');
                if name.ends_with(".md") {
                    cited += 1;
                    let doc = Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("docs")
                        .join(name);
                    assert!(
                        doc.is_file(),
                        "{} cites docs/{name}, which does not exist",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(cited > 0, "the sources cite the docs");
}

#[test]
fn store_guide_and_suite_docs_claim_no_gap_the_suite_covers() {
    // The guide and the suite's module docs must not call a family of cases
    // "not covered yet" while the suite runs it.
    let guide = read("docs/implementing-a-store.md");
    let module = read("src/testing/conformance/mod.rs");
    for (name, text) in [
        ("docs/implementing-a-store.md", &guide),
        ("src/testing/conformance/mod.rs", &module),
    ] {
        for (i, line) in text.lines().enumerate() {
            if !line.to_lowercase().contains("not covered") {
                continue;
            }
            let para: String = text
                .lines()
                .skip(i)
                .take(4)
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            for family in ["due", "outbox", "inbound", "tenant", "identit", "paging"] {
                let covered = supportdesk::testing::conformance::CASES
                    .iter()
                    .any(|c| c.name.contains(family));
                assert!(
                    !(covered && para.contains(family)),
                    "{name}:{} says `{family}` is not covered, but the suite has such cases",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn design_doc_names_the_stores_and_the_demos_store() {
    let design = read("docs/design.md");
    let adapters = design
        .split("**Adapters**")
        .nth(1)
        .and_then(|rest| rest.split("\n6.").next())
        .expect("docs/design.md has an Adapters layer");
    for store in ["InMemoryStore", "SqliteStore"] {
        assert!(
            adapters.contains(store),
            "the Adapters layer of docs/design.md omits {store}: {adapters}"
        );
    }
    let demo_src = read("examples/demo.rs");
    let demo_doc = design
        .split("## The demo")
        .nth(1)
        .expect("docs/design.md has a demo section");
    if demo_src.contains("SqliteStore::open") {
        assert!(
            demo_doc.contains("SQLite"),
            "the demo runs on SQLite; docs/design.md says: {demo_doc}"
        );
    }
}

/// The top-level public items of a source file, with their doc comment.
fn documented_items(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let is_item = [
            "pub struct ",
            "pub enum ",
            "pub fn ",
            "pub const ",
            "pub trait ",
            "macro_rules! ",
        ]
        .iter()
        .any(|p| line.starts_with(p));
        if !is_item {
            continue;
        }
        let mut j = i;
        while j > 0 && lines[j - 1].starts_with("#[") {
            j -= 1;
        }
        let mut doc = Vec::new();
        while j > 0 && lines[j - 1].starts_with("///") {
            j -= 1;
            doc.push(lines[j]);
        }
        doc.reverse();
        out.push((line.to_string(), doc.join("\n")));
    }
    out
}

#[test]
fn feature_gated_items_say_their_feature() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(std::path::PathBuf, &str)> = vec![
        (root.join("src/store/sqlite.rs"), "sqlite"),
        (root.join("src/store/postgres/mod.rs"), "postgres"),
        (root.join("src/store/postgres/schema.rs"), "postgres"),
    ];
    // The test kit's files, and those of the conformance suite's folder.
    let mut dirs = vec![root.join("src/testing")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n != "strategies.rs")
                && !path.ends_with("src/testing/mod.rs")
            {
                files.push((path, "testing"));
            }
        }
    }
    let mut checked = 0;
    for (path, feature) in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // Only items of the public surface: the conformance cases are
        // documented by their module.
        for (item, doc) in documented_items(&text) {
            if item.starts_with("pub fn ") && doc.is_empty() {
                continue;
            }
            let is_case = supportdesk::testing::conformance::CASES
                .iter()
                .any(|c| item.starts_with(&format!("pub fn {}(", c.name)));
            if path.parent().is_some_and(|d| d.ends_with("conformance")) && is_case {
                continue;
            }
            checked += 1;
            assert!(
                doc.contains(&format!("Available with the crate feature `{feature}`")),
                "{}: `{item}` is behind the `{feature}` feature but its docs do not say so",
                path.display()
            );
        }
    }
    assert!(checked >= 20, "checked {checked} items");
    let strategies = read("src/testing/strategies.rs");
    assert!(
        strategies
            .starts_with("//! proptest strategies for the crate's values (feature `proptest`)")
    );
}

#[test]
fn store_contracts_name_only_conformance_cases_that_exist() {
    let port = read("src/port/store.rs");
    let cases = supportdesk::testing::conformance::CASES;
    let mut named = 0;
    let mut in_list = false;
    for line in port.lines().map(str::trim) {
        let Some(doc) = line.strip_prefix("///") else {
            in_list = false;
            continue;
        };
        if doc.trim_start().starts_with("- Conformance:") {
            in_list = true;
        } else if doc.trim_start().starts_with("- ") || doc.trim().is_empty() {
            in_list = false;
        }
        if !in_list {
            continue;
        }
        for name in code_spans(doc) {
            named += 1;
            let known = match name.strip_suffix('*') {
                Some(prefix) => cases.iter().any(|c| c.name.starts_with(prefix)),
                None => cases.iter().any(|c| c.name == name),
            };
            assert!(
                known,
                "src/port/store.rs names conformance case `{name}`, which the suite does not have"
            );
        }
    }
    assert!(
        named >= 20,
        "the contracts name the cases that check them ({named})"
    );
}
