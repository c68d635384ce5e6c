//! `cargo xtask tidy`, a step of `cargo xtask test`: the house rules no
//! compiler checks. Every Rust module opens with a `//!` line saying what
//! it is for; every path `ARCHITECTURE.md` names exists; the library crates
//! deny missing docs; `unwrap` is allowed only in tests (clippy denies it
//! everywhere else).

use std::fs;
use std::path::{Path, PathBuf};

/// The library crates, whose public items must all be documented.
const LIBRARIES: &[&str] = &[
    "crates/oauth-core/src/lib.rs",
    "crates/battlenet/src/lib.rs",
    "crates/ringplus/src/lib.rs",
    "crates/oauth-sandbox/src/lib.rs",
];

/// Directories never searched: build output, npm packages, git.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git"];

pub(crate) fn check(root: &Path) -> Result<(), String> {
    let files = files_under(root);
    let mut problems = Vec::new();
    let rust: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    for path in &rust {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        let Ok(text) = fs::read_to_string(path) else {
            problems.push(format!("{shown}: cannot be read as UTF-8"));
            continue;
        };
        if !text.trim_start().starts_with("//!") {
            problems.push(format!(
                "{shown}: does not open with a `//!` line saying what it is for"
            ));
        }
        if !is_test_file(&shown) {
            problems.extend(unwrap_outside_tests(&shown, &text));
        }
    }
    for library in LIBRARIES {
        let text = fs::read_to_string(root.join(library)).unwrap_or_default();
        if !text.contains("#![deny(missing_docs") {
            problems.push(format!("{library}: missing docs are not denied"));
        }
    }
    problems.extend(architecture_paths(root, &files));
    if problems.is_empty() {
        eprintln!(
            "xtask: tidy: {} Rust files follow the house rules",
            rust.len()
        );
        Ok(())
    } else {
        Err(format!(
            "tidy found {} problems:\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

/// Every file of the workspace, sorted.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                    dirs.push(path);
                }
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A file that holds only tests: under a `tests` directory, or a test
/// module's own file.
fn is_test_file(shown: &str) -> bool {
    shown.starts_with("tests/")
        || shown.contains("/tests/")
        || shown.ends_with("/tests.rs")
        || shown.ends_with("proptests.rs")
}

/// How an allowance of `unwrap` begins (written in two parts, so this file
/// does not trip its own check).
const UNWRAP_ALLOWED: &str = concat!("allow(clippy::", "unwrap_used");

/// An allowance of `clippy::unwrap_used` that is not on a test module.
fn unwrap_outside_tests(shown: &str, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.contains(UNWRAP_ALLOWED))
        .filter(|(i, _)| {
            let from = i.saturating_sub(3);
            !lines[from..*i].iter().any(|l| l.trim() == "#[cfg(test)]")
        })
        .map(|(i, _)| format!("{shown}:{}: `unwrap` allowed outside a test module", i + 1))
        .collect()
}

/// Paths in backquotes in `ARCHITECTURE.md` that name no file or directory
/// of the workspace. A name counts when some path ends with it (`retry.rs`
/// is `crates/oauth-core/src/retry.rs`).
fn architecture_paths(root: &Path, files: &[PathBuf]) -> Vec<String> {
    let text = fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    let known: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_prefix(root).ok())
        .flat_map(|f| {
            // The file and every directory above it.
            let mut names = vec![format!("/{}", f.display())];
            let mut dir = f.parent();
            while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                names.push(format!("/{}/", d.display()));
                dir = d.parent();
            }
            names
        })
        .collect();
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| looks_like_path(quoted))
        .filter(|quoted| {
            let wanted = format!("/{}", quoted.trim_start_matches("./"));
            !known.iter().any(|k| k.ends_with(&wanted))
        })
        .map(|quoted| format!("ARCHITECTURE.md names `{quoted}`, which does not exist"))
        .collect()
}

fn looks_like_path(text: &str) -> bool {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    let ends_like_a_file = [".rs", ".md", ".toml", ".json", ".js"]
        .iter()
        .any(|ext| text.ends_with(ext));
    plain && (ends_like_a_file || (text.ends_with('/') && text.len() > 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architecture_paths_must_exist() {
        let root = std::env::temp_dir().join(format!("xtask-tidy-{}", std::process::id()));
        fs::create_dir_all(root.join("crates/core/src/session")).expect("dirs");
        fs::write(root.join("crates/core/src/session/request.rs"), "//! x").expect("file");
        fs::write(
            root.join("ARCHITECTURE.md"),
            "`session/request.rs`, `crates/core/`, `request.rs`, `Error::Config`, \
             `gone.rs`, `crates/gone/`, `a b.rs`",
        )
        .expect("file");
        let problems = architecture_paths(&root, &files_under(&root));
        assert_eq!(
            problems,
            [
                "ARCHITECTURE.md names `gone.rs`, which does not exist",
                "ARCHITECTURE.md names `crates/gone/`, which does not exist",
            ]
        );
        fs::remove_dir_all(root).expect("cleanup");
    }

    #[test]
    fn unwrap_is_allowed_on_test_modules_only() {
        let text = format!(
            "//! x\n#[cfg(test)]\n#[{UNWRAP_ALLOWED})]\nmod tests {{}}\nfn f() {{}}\n#[{UNWRAP_ALLOWED})]\nfn g() {{}}\n"
        );
        assert_eq!(
            unwrap_outside_tests("src/x.rs", &text),
            ["src/x.rs:6: `unwrap` allowed outside a test module"]
        );
    }
}
