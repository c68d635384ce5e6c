//! Runs the examples that need nothing but the embedded sandbox, as a user
//! would, and checks what they print. `cargo test` builds the examples
//! next to this test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    profile_dir.join("examples").join(name)
}

#[test]
fn the_sandbox_examples_run_and_print_their_results() {
    // Example, lines its output must hold.
    let cases: [(&str, &[&str]); 7] = [
        (
            "custom_provider",
            &[
                "  revoked: active false",
                "With a private key (PrivateKeyJwt): an app token for [\"profile\"]",
            ],
        ),
        (
            "battlenet_catalogue",
            &[
                "Alicemage (Tarren Mill), level 80, item level 636",
                "  MAIN_HAND  Thunderfury, Blessed Blade of the Windseeker (645)",
                "Hearthstone page 2 of 2:",
                "  4 mana: Fireball",
            ],
        ),
        (
            "battlenet_blocking",
            &[
                "a WoW token costs 287356 gold",
                "playable class 7: Shaman",
                "  HEAD       Hood of the Sandbox",
            ],
        ),
        (
            "ringplus_blocking",
            &["account 2001 (5550001000)", "  page 3 of 3: 1 calls"],
        ),
        ("quickstart", &["Playable class 7 in en_US: Shaman"]),
        (
            "battlenet_scan",
            &[
                "scanned 600 answers of 200 documents: 400 from the cache, 200 from Battle.net, 0 revalidated",
                "requests the sandbox received for items: 200",
            ],
        ),
        (
            "battlenet_fleet",
            &[
                "the sandbox issued 1 token for 4 workers",
                "requests the sandbox received for items: 50 of 200 asked",
            ],
        ),
    ];
    for (name, lines) in cases {
        if name == "battlenet_fleet" && !on_path("redis-server") {
            oauth_sandbox::skip::report(
                "the battlenet_fleet example",
                "redis-server is not installed",
                "apt-get install redis-server",
            );
            continue;
        }
        let output = Command::new(example_binary(name))
            .env_remove("BATTLENET_CLIENT_ID")
            .env_remove("BATTLENET_CLIENT_SECRET")
            .output()
            .unwrap_or_else(|e| {
                panic!("{name} runs (plain `cargo test` builds the examples): {e}")
            });
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{name}: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        for line in lines {
            assert!(
                stdout.lines().any(|l| l == *line),
                "{name} prints {line:?}:\n{stdout}"
            );
        }
    }
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}
