//! `cargo xtask licences`: every package in the dependency tree must carry a
//! licence from the allow-list, read from `cargo metadata`.

use std::process::Command;

use serde_json::Value;

/// Licences any dependency may carry: permissive, no notice beyond the
/// licence text, compatible with our `MIT OR Apache-2.0`.
const ALLOWED: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Unicode-3.0",
    "Zlib",
    "CC0-1.0",
    // Boost: like MIT, and asks no notice in binaries at all (xxhash-rust,
    // under the redis client).
    "BSL-1.0",
];

/// `WITH` exceptions that only widen what a licence allows.
const ALLOWED_EXCEPTIONS: &[&str] = &["LLVM-exception"];

/// Packages allowed outside the list, each with the reason.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "webdriver",
        "MPL-2.0",
        "file-level copyleft on its own sources only; reached through fantoccini, a \
         dev-dependency of the examples' browser test, never linked into a library",
    ),
    // Servo's CSS selector engine under scraper, the HTML parser of
    // oauth-core's opt-in `form-login` feature. MPL-2.0 binds only its own
    // files, which we use unmodified from crates.io, so a program built
    // with the feature stays under its own licence.
    (
        "cssparser",
        "MPL-2.0",
        "file-level copyleft, used unmodified; only with oauth-core's opt-in `form-login` (scraper)",
    ),
    (
        "cssparser-macros",
        "MPL-2.0",
        "file-level copyleft, used unmodified; only with oauth-core's opt-in `form-login` (scraper)",
    ),
    (
        "dtoa-short",
        "MPL-2.0",
        "file-level copyleft, used unmodified; only with oauth-core's opt-in `form-login` (scraper)",
    ),
    (
        "selectors",
        "MPL-2.0",
        "file-level copyleft, used unmodified; only with oauth-core's opt-in `form-login` (scraper)",
    ),
    (
        "webpki-root-certs",
        "CDLA-Permissive-2.0",
        "Mozilla's root certificate set as data, under a permissive data licence with no \
         conditions beyond keeping the licence text; reached through rustls-platform-verifier",
    ),
];

pub(crate) fn check() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: == licences of the dependency tree ==");
    let output = Command::new(cargo)
        // The licence fields come from the crates' own manifests; cargo
        // fetches those it has not built (other platforms' crates too).
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata has no package list")?;

    let mut refused = Vec::new();
    let mut excepted = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or("?");
        let version = package["version"].as_str().unwrap_or("?");
        let license = package["license"].as_str();
        let verdict = match license {
            Some(expression) => allowed(expression),
            None => Err("no SPDX licence expression (only a licence file)".to_owned()),
        };
        let exception = EXCEPTIONS
            .iter()
            .find(|(n, l, _)| *n == name && Some(*l) == license);
        match (verdict, exception) {
            (Ok(true), _) => {}
            (_, Some((_, licence, reason))) => {
                excepted.push(format!("{name} {version} ({licence}): {reason}"));
            }
            (Ok(false), None) => refused.push(format!(
                "{name} {version}: `{}` is not on the allow-list",
                license.unwrap_or_default()
            )),
            (Err(why), None) => refused.push(format!("{name} {version}: {why}")),
        }
    }
    for line in &excepted {
        eprintln!("xtask: allowed by exception: {line}");
    }
    if refused.is_empty() {
        eprintln!(
            "xtask: ok: {} packages, every licence allowed",
            packages.len()
        );
        Ok(())
    } else {
        Err(format!(
            "licences outside the allow-list:\n  {}",
            refused.join("\n  ")
        ))
    }
}

/// Whether an SPDX expression is satisfied by the allow-list: one side of
/// an `OR`, both sides of an `AND`, the licence of a `WITH` (and an allowed
/// exception). The legacy `/` reads as `OR`.
fn allowed(expression: &str) -> Result<bool, String> {
    let tokens = tokenize(expression);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
    };
    let verdict = parser.or()?;
    if parser.at != tokens.len() {
        return Err(format!("cannot read the licence expression `{expression}`"));
    }
    Ok(verdict)
}

fn tokenize(expression: &str) -> Vec<String> {
    let spaced = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    spaced.split_whitespace().map(str::to_owned).collect()
}

struct Parser<'a> {
    tokens: &'a [String],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Result<&str, String> {
        let token = self
            .tokens
            .get(self.at)
            .ok_or("the licence expression ends early")?;
        self.at += 1;
        Ok(token)
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut verdict = self.and()?;
        while self.peek() == Some("OR") {
            self.at += 1;
            // Both sides are read in full, so a malformed right side is
            // still reported.
            let right = self.and()?;
            verdict = verdict || right;
        }
        Ok(verdict)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut verdict = self.with()?;
        while self.peek() == Some("AND") {
            self.at += 1;
            let right = self.with()?;
            verdict = verdict && right;
        }
        Ok(verdict)
    }

    fn with(&mut self) -> Result<bool, String> {
        let licence = self.atom()?;
        if self.peek() == Some("WITH") {
            self.at += 1;
            let exception = self.next()?;
            return Ok(licence && ALLOWED_EXCEPTIONS.contains(&exception));
        }
        Ok(licence)
    }

    fn atom(&mut self) -> Result<bool, String> {
        let token = self.next()?.to_owned();
        match token.as_str() {
            "(" => {
                let verdict = self.or()?;
                if self.next()? != ")" {
                    return Err("unbalanced parentheses in a licence expression".to_owned());
                }
                Ok(verdict)
            }
            "OR" | "AND" | "WITH" | ")" => {
                Err(format!("unexpected `{token}` in a licence expression"))
            }
            id => Ok(ALLOWED.contains(&id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn expressions() {
        for ok in [
            "MIT",
            "MIT OR Apache-2.0",
            "Apache-2.0 / MIT",
            "MIT/Apache-2.0",
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            "Apache-2.0 AND ISC",
            "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT",
            "MIT OR Apache-2.0 OR LGPL-2.1-or-later",
            "Unlicense OR MIT",
        ] {
            assert_eq!(allowed(ok), Ok(true), "{ok}");
        }
        for refused in [
            "GPL-3.0",
            "MIT AND GPL-2.0",
            "MPL-2.0",
            "GPL-2.0 WITH LLVM-exception",
            "MIT WITH Unknown-exception",
        ] {
            assert_eq!(allowed(refused), Ok(false), "{refused}");
        }
        for broken in ["", "MIT OR", "(MIT", "MIT)", "AND MIT"] {
            assert!(allowed(broken).is_err(), "{broken}");
        }
    }
}
