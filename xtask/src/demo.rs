//! `cargo xtask demo`: ilert-sim on 127.0.0.1:4598 and `trunk serve` on localhost:4597,
//! both stopped together on Ctrl-C. Arguments after `--` go to ilert-sim
//! (e.g. `cargo xtask demo -- --access-ttl 120`).
use std::net::TcpStream;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cmd::{run as run_cmd, tool};
use crate::{paths, setup};

pub fn run(args: &[String]) -> Result<(), String> {
    setup::ensure()?;
    let sim_args: Vec<&String> = args.iter().skip_while(|a| *a != "--").skip(1).collect();
    run_cmd(tool("cargo").args(["build", "--quiet", "-p", "ilert-sim"]))?;

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot watch for Ctrl-C: {e}"))?;

    let sim_bin = paths::root().join("target/debug/ilert-sim");
    let mut children: Vec<(&str, Child)> = Vec::new();
    let sim = tool(&sim_bin.to_string_lossy())
        .arg("--port")
        .arg("4598")
        .args(&sim_args)
        .spawn();
    children.push((
        "ilert-sim",
        sim.map_err(|e| format!("cannot start ilert-sim: {e}"))?,
    ));
    let trunk = tool("trunk").arg("serve").spawn();
    match trunk {
        Ok(child) => children.push(("trunk serve", child)),
        Err(e) => {
            stop_all(&mut children);
            return Err(format!("cannot start trunk: {e}"));
        }
    }

    let started = Instant::now();
    let mut announced = false;
    let outcome = loop {
        if stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        if let Some((name, status)) = children
            .iter_mut()
            .find_map(|(name, child)| child.try_wait().ok().flatten().map(|s| (*name, s)))
        {
            break Err(format!("{name} stopped ({status})"));
        }
        if !announced && TcpStream::connect("127.0.0.1:4597").is_ok() {
            announced = true;
            println!(
                "\n  ilert-pkce is up after {:.0}s: open http://localhost:4597\n  \
                 (ilert-sim: http://127.0.0.1:4598; Ctrl-C stops both)\n",
                started.elapsed().as_secs_f64()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    stop_all(&mut children);
    println!("xtask demo: stopped ilert-sim and trunk");
    outcome
}

/// SIGINT first, as a terminal's Ctrl-C would (trunk then stops its own cargo); SIGKILL after 5 s.
fn stop_all(children: &mut [(&str, Child)]) {
    for (_, child) in children.iter_mut() {
        let _ = tool("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for (_, child) in children.iter_mut() {
        while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
