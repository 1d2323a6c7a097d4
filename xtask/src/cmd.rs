//! Running commands: with the project's tool PATH, failing loudly, and counting test results.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::paths;

/// A command run from the repository root with the project's tools on PATH.
pub fn tool(program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(paths::root())
        .env("PATH", paths::tool_path())
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    command
}

/// Runs a command to completion; an error says what failed.
pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("could not start {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

/// The trimmed stdout of a command, or None when it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Test counts summed over the `test result:` lines of cargo test and wasm-bindgen-test-runner.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// Parses `test result: ok. 12 passed; 0 failed; 1 ignored; …`.
pub fn parse_result_line(line: &str) -> Option<Counts> {
    let rest = line.trim().strip_prefix("test result:")?;
    let mut counts = Counts::default();
    for part in rest.split(';') {
        let mut words = part.split_whitespace().rev();
        let (Some(label), Some(number)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = number.parse::<u64>() else {
            continue;
        };
        match label {
            "passed" => counts.passed = n,
            "failed" => counts.failed = n,
            "ignored" => counts.ignored = n,
            _ => {}
        }
    }
    Some(counts)
}

/// Runs a test command, echoing its output and summing its results.
pub fn run_tests(command: &mut Command) -> Result<Counts, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", describe(command)))?;
    let mut counts = Counts::default();
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        if let Some(c) = parse_result_line(&line) {
            counts.add(c);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(counts)
    } else {
        Err(format!(
            "{} failed ({status}); {} passed, {} failed so far",
            describe(command),
            counts.passed,
            counts.failed
        ))
    }
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    format!("`{text}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cargo_result_lines() {
        let c = parse_result_line("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s").unwrap();
        assert_eq!(
            c,
            Counts {
                passed: 12,
                failed: 0,
                ignored: 1
            }
        );
        let c = parse_result_line(
            "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
        )
        .unwrap();
        assert_eq!(
            c,
            Counts {
                passed: 3,
                failed: 2,
                ignored: 0
            }
        );
        assert!(parse_result_line("running 3 tests").is_none());
    }
}
