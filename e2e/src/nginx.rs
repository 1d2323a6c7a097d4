//! A real nginx (Debian's; `cargo xtask setup` installs it, with its brotli_static module)
//! serving a release build with the project's own server block, the one `deploy/nginx.conf`
//! is made from, at the root of the host or under a sub-path, its CSP made from the
//! config.json it serves (as `cargo xtask dist` makes it).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use xtask::csp::Csp;
use xtask::hosting::{self, BasePath};

use crate::TempDir;

/// An nginx master process, stopped on drop.
pub struct Nginx {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

impl Nginx {
    /// Serves a copy of `dist` (with `config_json` as its config.json, and the headers of a
    /// deployment of that config.json: connect-src is its allowed_origins) under `base` on a
    /// free port of 127.0.0.1, and waits until it answers.
    pub fn start(dist: &Path, base: &str, config_json: &str) -> Nginx {
        let dir = TempDir::new("ilert-pkce-nginx");
        let site = dir.path().join("site");
        copy_dir(dist, &site);
        std::fs::write(site.join("config.json"), config_json).unwrap();
        let port = free_port();
        let base = BasePath::parse(base).unwrap();
        let csp = Csp::for_config_json(config_json)
            .unwrap_or_else(|e| panic!("no CSP for the config.json served: {e}"));
        let server = hosting::nginx_server(&base, &site, port, &csp).unwrap();
        let module = Path::new(hosting::DEBIAN_BROTLI_STATIC_MODULE);
        assert!(
            module.exists(),
            "{} is missing: `cargo xtask setup` installs libnginx-mod-http-brotli-static",
            module.display()
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, hosting::nginx_standalone(&server, Some(module))).unwrap();
        let mut child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-e", "stderr", "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("error.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nginx: {e} (run `cargo xtask setup`)"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                panic!("nginx exited ({status}): {log}");
            }
            assert!(Instant::now() < deadline, "nginx did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, port, dir }
    }

    /// The master process's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every request nginx answered so far, one line each (nginx's combined format).
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    /// What nginx logged at warn level or above.
    pub fn errors(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master ends its worker, then itself. SIGKILL ended the master alone and
        // left its worker running (one per test that used nginx).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("no nginx: run `cargo xtask setup` (it installs Debian's nginx)")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Copies the folder `from` (files and subfolders) to `to`: a copy of the build, readable
/// by nginx's workers (plain 0755 directories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
