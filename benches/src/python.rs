//! Case 6: Python's requests-oauthlib running the same GET loop, in a
//! virtual environment this program makes under `target/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::get::Sample;
use crate::setup::{CLIENT_ID, CLIENT_SECRET, Server};
use crate::stats::{CpuClock, percentile_us};

/// The requests the Python script makes before its loop: the token request
/// and its warm-up GETs.
const WARM_UP_AND_TOKEN: f64 = 21.0;

/// A Python with requests-oauthlib installed.
#[derive(Clone, Debug)]
pub(crate) struct Python {
    interpreter: PathBuf,
    script: PathBuf,
    pub(crate) version: String,
}

/// Makes `target/bench-venv` with `python3 -m venv` and installs
/// requests-oauthlib into it with pip (once; later runs reuse it).
pub(crate) fn prepare(workspace: &Path) -> Result<Python, String> {
    let venv = workspace.join("target").join("bench-venv");
    let interpreter = venv.join("bin").join("python");
    if !interpreter.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    let installed = Command::new(&interpreter)
        .args(["-c", "import requests_oauthlib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        run(Command::new(&interpreter).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "requests-oauthlib",
        ]))?;
    }
    let version = Command::new(&interpreter)
        .args([
            "-c",
            "import sys, requests, requests_oauthlib; print(f'Python {sys.version.split()[0]}, requests {requests.__version__}, requests-oauthlib {requests_oauthlib.__version__}')",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    Ok(Python {
        interpreter,
        script: workspace.join("benches").join("python").join("get_loop.py"),
        version: String::from_utf8_lossy(&version.stdout).trim().to_owned(),
    })
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// One run of the Python GET loop: `count` GETs, one at a time.
pub(crate) fn measure(python: &Python, server: &Server, count: usize) -> Result<Sample, String> {
    let cpu = CpuClock::now(server)?;
    let output = Command::new(&python.interpreter)
        .arg(&python.script)
        .arg(server.token_url())
        .arg(server.get_url())
        .args([CLIENT_ID, CLIENT_SECRET])
        .arg(count.to_string())
        .output()
        .map_err(|e| format!("cannot run the Python GET loop: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the Python GET loop failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let answer: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("Python printed: {e}"))?;
    let (_, server_cpu) = cpu.elapsed(server)?;
    let elapsed = answer["elapsed_ns"]
        .as_u64()
        .ok_or("Python printed no elapsed_ns")?;
    let client_cpu = answer["cpu_ns"]
        .as_u64()
        .ok_or("Python printed no cpu_ns")?;
    let mut latencies: Vec<u64> = answer["latencies_ns"]
        .as_array()
        .ok_or("Python printed no latencies_ns")?
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .collect();
    latencies.sort_unstable();
    #[expect(
        clippy::cast_precision_loss,
        reason = "request counts and nanoseconds far below 2^52"
    )]
    let (requests, elapsed, client_cpu) =
        (latencies.len() as f64, elapsed as f64, client_cpu as f64);
    Ok(Sample {
        per_second: requests / (elapsed / 1e9),
        p50_us: percentile_us(&latencies, 50.0),
        p99_us: percentile_us(&latencies, 99.0),
        client_cpu_us: client_cpu / 1e3 / requests,
        // The sandbox also served Python's start: its token request and
        // warm-up GETs.
        server_cpu_us: server_cpu.as_secs_f64() * 1e6 / (requests + WARM_UP_AND_TOKEN),
    })
}
