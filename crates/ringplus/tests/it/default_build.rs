//! A default build of ringplus compiles no HTML parser and no cookie jar:
//! those come only with the `login` feature.

use std::process::Command;

/// The crates `cargo tree` lists for ringplus's normal dependencies with
/// these extra arguments.
fn dependency_names(args: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "-p", "ringplus", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

const LOGIN_ONLY: &[&str] = &["scraper", "html5ever", "cookie_store", "cookie"];

#[test]
fn default_features_compile_no_html_parser_or_cookie_store() {
    let names = dependency_names(&[]);
    assert!(names.iter().any(|n| n == "oauth-core"), "{names:?}");
    let found: Vec<&String> = names
        .iter()
        .filter(|n| LOGIN_ONLY.contains(&n.as_str()))
        .collect();
    assert!(found.is_empty(), "a default build compiles {found:?}");
}

#[test]
fn the_login_feature_brings_them() {
    // The check above would pass vacuously if the names were wrong.
    let names = dependency_names(&["--features", "login"]);
    for expected in ["scraper", "html5ever", "cookie_store"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
}
