//! A WebDriver server (chromedriver, geckodriver or WebKitWebDriver) and every browser it
//! starts, in a process group of their own that ends with the test however the test ends: a
//! panic, an early return, a time limit (the [`Driver`] is dropped), or the test process
//! itself dying (the group's watchdog sees its stdin close).
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

/// A running WebDriver server and its browsers; dropping it ends all of them.
pub struct Driver {
    watchdog: Child,
    lifeline: Option<ChildStdin>,
}

impl Driver {
    /// Starts chromedriver on a port it picks itself (`--port=0`, the port read from what it
    /// prints), so tests running side by side never race for one. Gives the driver's URL.
    pub fn start(binary: &str, mark: &std::path::Path) -> Result<(Driver, String), String> {
        assert!(
            !binary.contains('/') || std::path::Path::new(binary).exists(),
            "no {binary}: run `cargo xtask setup`"
        );
        let (driver, stdout) = Driver::spawn(binary, &["--port=0".to_string()], mark);
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

    /// Starts a driver that cannot pick its own port and say which (geckodriver,
    /// WebKitWebDriver): on a free port picked here, `port_arg` giving its argument (e.g.
    /// `--port=4444`), ready once the port takes connections. Another process may take the
    /// port between the pick and the driver's start: the caller tries a fresh driver then.
    pub fn start_on_free_port(
        program: &str,
        args: &[String],
        port_arg: impl Fn(u16) -> String,
        mark: &std::path::Path,
    ) -> Result<(Driver, String), String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut full: Vec<String> = args.to_vec();
        full.push(port_arg(port));
        let (mut driver, stdout) = Driver::spawn(program, &full, mark);
        std::thread::spawn(move || BufReader::new(stdout).lines().for_each(drop));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        while std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_millis(200))
            .is_err()
        {
            if std::time::Instant::now() > deadline
                || !matches!(driver.watchdog.try_wait(), Ok(None))
            {
                return Err(format!("{program} did not listen on port {port}"));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok((driver, format!("http://127.0.0.1:{port}")))
    }

    /// Starts `program` with `args` under the watchdog, in a process group of its own, with
    /// the test's `mark`: the driver, and the pipe of what it prints.
    fn spawn(
        program: &str,
        args: &[String],
        mark: &std::path::Path,
    ) -> (Driver, std::process::ChildStdout) {
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg(program)
            .args(args)
            .env(MARK, mark)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sh for {program}: {e}"));
        let stdout = watchdog.stdout.take().expect("stdout is piped");
        let driver = Driver {
            lifeline: watchdog.stdin.take(),
            watchdog,
        };
        (driver, stdout)
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

/// The variable every process of a driver's group inherits, set to its test's profile folder:
/// how [`processes_with`] finds the browser's processes whose command line does not name it
/// (WebKitGTK's MiniBrowser and its web and network processes).
pub const MARK: &str = "ILERT_PKCE_E2E_PROFILE";

/// The pids of the running processes whose command line contains `needle` (e.g. the unique
/// `--user-data-dir` of one test's Chromium), or whose [`MARK`] does, this process excepted.
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
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                String::from_utf8_lossy(&cmdline)
                    .split('\0')
                    .any(|arg| arg.contains(needle))
            });
            let marked = std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|environ| {
                String::from_utf8_lossy(&environ).split('\0').any(|var| {
                    var.strip_prefix(MARK).and_then(|v| v.strip_prefix('=')) == Some(needle)
                })
            });
            cmdline || marked
        })
        .collect()
}
