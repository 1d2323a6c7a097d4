//! chromedriver and every Chromium it starts, in a process group of their own that ends with
//! the test however the test ends: a panic, an early return, a time limit (the [`Driver`] is
//! dropped), or the test process itself dying (the group's watchdog sees its stdin close).
//! Killing chromedriver alone left its Chromium running, one per failed test, each burning
//! CPU for the rest of the run.
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};

/// The group's first process, a shell: it starts chromedriver in the background, hands the
/// pipe of what it prints to chromedriver alone (so it closes if chromedriver cannot start),
/// then waits for its stdin to close and kills its whole process group (`kill -9 0`). Only
/// this process holds the other end of that stdin, so the group ends when this process does,
/// even by SIGKILL or an abort, where no destructor runs, or by Ctrl-C (which reaches the
/// terminal's process group only).
const WATCHDOG: &str = r#""$0" "$@" & exec >/dev/null; read _; kill -9 0"#;

/// A running chromedriver and its browsers; dropping it ends all of them.
pub struct Driver {
    watchdog: Child,
    lifeline: Option<ChildStdin>,
}

impl Driver {
    /// Starts chromedriver on a port it picks itself (`--port=0`, the port read from what it
    /// prints), so tests running side by side never race for one. Gives the driver's URL.
    pub fn start(binary: &str) -> Result<(Driver, String), String> {
        assert!(
            !binary.contains('/') || std::path::Path::new(binary).exists(),
            "no {binary}: run `cargo xtask setup`"
        );
        let mut watchdog = Command::new("sh")
            .args(["-c", WATCHDOG, binary, "--port=0"])
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sh for {binary}: {e}"));
        let stdout = watchdog.stdout.take().expect("stdout is piped");
        let driver = Driver {
            lifeline: watchdog.stdin.take(),
            watchdog,
        };
        let mut lines = BufReader::new(stdout).lines();
        // On failure the driver is dropped, and its group with it. Seen once on a loaded
        // machine: the driver ended before it listened.
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let rest = line.split("started successfully on port ").nth(1)?;
                rest.trim_end_matches('.').trim().parse::<u16>().ok()
            })
            .ok_or_else(|| format!("{binary} did not say which port it listens on"))?;
        // Keep reading what it prints, so a full pipe never blocks it.
        std::thread::spawn(move || lines.for_each(drop));
        Ok((driver, format!("http://127.0.0.1:{port}")))
    }

    /// The process group: the watchdog's pid.
    pub fn group(&self) -> u32 {
        self.watchdog.id()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Not yet reaped (running or a zombie), the watchdog's pid is this group's number and
        // no one else's, so the group kill hits nothing else.
        if matches!(self.watchdog.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.group())])
                .stderr(Stdio::null())
                .status();
        }
        // Without `kill`, the watchdog ends the group itself once its lifeline closes.
        drop(self.lifeline.take());
        let _ = self.watchdog.wait();
    }
}

/// The pids of the running processes whose command line contains `needle` (e.g. the unique
/// `--user-data-dir` of one test's Chromium), this process excepted.
pub fn processes_with(needle: &str) -> Vec<u32> {
    let own = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own)
        .filter(|pid| {
            // A zombie's command line is empty: it runs nothing any more.
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                String::from_utf8_lossy(&cmdline)
                    .split('\0')
                    .any(|arg| arg.contains(needle))
            })
        })
        .collect()
}
