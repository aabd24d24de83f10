//! Memory limits: the estimate a run is checked against is an upper bound of its measured peak
//! (and not far above it); under a real cgroup memory limit above the peak a run completes
//! with the same output as without, and below the estimate it is refused at once with a
//! message naming the limit, writing nothing (without the check the kernel would kill it with
//! SIGKILL, and nothing could be said).
//!
//! The cgroup tests need root and a writable cgroup memory hierarchy (v1 at
//! /sys/fs/cgroup/memory, or v2 with the memory controller enabled at /sys/fs/cgroup). Without
//! them they say why on stderr and pass, unless `LEAPSIM_REQUIRE_CGROUP=1`, which makes that a
//! failure (for machines where they must run).

#![cfg(target_os = "linux")]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{read, tmp};

const BIN: &str = env!("CARGO_BIN_EXE_leapsim");

/// A finished command: exit code (or the signal that ended it), its output, its peak
/// resident memory as the kernel measured it, and how long it took.
struct Finished {
    code: Option<i32>,
    signal: Option<i32>,
    stderr: String,
    peak_bytes: u64,
    seconds: f64,
}

/// Run leapsim with `args` (in `cgroup` if given: the shell puts itself there, then becomes
/// leapsim, so every byte of the run is charged to it), with `env` set, and wait for it with
/// `wait4` to read its peak resident memory (`ru_maxrss`).
fn leapsim(args: &[&str], cgroup: Option<&Cgroup>, env: &[(&str, &str)], dir: &Path) -> Finished {
    let mut c = match cgroup {
        Some(g) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg("echo $$ > \"$0\" && exec \"$@\"").arg(g.dir.join("cgroup.procs")).arg(BIN);
            c
        }
        None => Command::new(BIN),
    };
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    c.args(args).envs(env.iter().copied()).stdin(Stdio::null());
    c.stdout(File::create(&out).unwrap()).stderr(File::create(&err).unwrap());
    let started = Instant::now();
    // Reaped by wait4 below, which also gives its resource usage (Child::wait does not).
    #[allow(clippy::zombie_processes)]
    let child = c.spawn().unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills; the pid is our own child, not yet reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4: {}", std::io::Error::last_os_error());
    let seconds = started.elapsed().as_secs_f64();
    Finished {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stderr: read(&err),
        peak_bytes: usage.ru_maxrss as u64 * 1024,
        seconds,
    }
}

/// A run of the historical scenario at `scale` into `dir/out` (quiet).
fn run_args(scale: &str, dir: &Path) -> Vec<String> {
    let out = dir.join("out").to_string_lossy().into_owned();
    ["run", "--scale", scale, "-q", "--out", &out].iter().map(|s| s.to_string()).collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The memory the run estimated it needed, from its manifest.
fn estimate(out: &Path) -> u64 {
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    m["memory_estimate_bytes"].as_u64().expect("the manifest records the estimate")
}

fn mib(b: u64) -> f64 {
    b as f64 / (1u64 << 20) as f64
}

/// A cgroup with a memory limit, made for one test and removed when dropped (also when the
/// test fails): any process still in it is killed first (only our own children can be there).
struct Cgroup {
    dir: PathBuf,
}

impl Cgroup {
    /// A new cgroup `name` limited to `bytes` (swap included, where the kernel counts it), or
    /// why none can be made here.
    fn new(name: &str, bytes: u64) -> Result<Cgroup, String> {
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root".into());
        }
        let v1 = Path::new("/sys/fs/cgroup/memory");
        let v2 = Path::new("/sys/fs/cgroup");
        let (parent, files): (&Path, &[&str]) = if v1.join("memory.limit_in_bytes").exists() {
            (v1, &["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
        } else if std::fs::read_to_string(v2.join("cgroup.subtree_control")).is_ok_and(|s| s.contains("memory")) {
            (v2, &["memory.max", "memory.swap.max"])
        } else {
            return Err("no cgroup memory hierarchy (v1 /sys/fs/cgroup/memory, or v2 with memory enabled)".into());
        };
        let dir = parent.join(format!("leapsim-test-{}-{name}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let g = Cgroup { dir };
        for (i, f) in files.iter().enumerate() {
            let value = if i == 1 && parent == v2 { "0".to_string() } else { bytes.to_string() };
            let path = g.dir.join(f);
            // The limit itself must take; the swap file exists only where swap is accounted.
            if let Err(e) = std::fs::write(&path, &value) {
                if i == 0 || path.exists() {
                    return Err(format!("cannot write {}: {e}", path.display()));
                }
            }
        }
        Ok(g)
    }

    /// The limit file leapsim should name.
    fn limit_file(&self) -> PathBuf {
        let v1 = self.dir.join("memory.limit_in_bytes");
        if v1.exists() {
            v1
        } else {
            self.dir.join("memory.max")
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        for _ in 0..50 {
            for pid in std::fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default().lines() {
                if let Ok(pid) = pid.trim().parse::<libc::pid_t>() {
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("could not remove {}", self.dir.display());
    }
}

/// A cgroup for the test, or `None` after saying why there is none (a failure with
/// `LEAPSIM_REQUIRE_CGROUP=1`).
fn cgroup(name: &str, bytes: u64) -> Option<Cgroup> {
    match Cgroup::new(name, bytes) {
        Ok(g) => Some(g),
        Err(why) if std::env::var("LEAPSIM_REQUIRE_CGROUP").is_ok_and(|v| v == "1") => {
            panic!("cgroup tests required, but: {why}")
        }
        Err(why) => {
            eprintln!("skipping the cgroup part of this test: {why}");
            None
        }
    }
}

#[test]
fn the_estimate_is_an_upper_bound_of_the_measured_peak_and_not_twice_it() {
    for scale in ["0.003", "0.03"] {
        let d = tmp(&format!("bound-{scale}"));
        let f = leapsim(&strs(&run_args(scale, &d)), None, &[], &d);
        assert_eq!(f.code, Some(0), "scale {scale}: {}", f.stderr);
        let e = estimate(&d.join("out"));
        eprintln!(
            "scale {scale}: estimate {:.1} MiB, peak {:.1} MiB (ratio {:.3}), {:.1} s",
            mib(e),
            mib(f.peak_bytes),
            e as f64 / f.peak_bytes as f64,
            f.seconds
        );
        assert!(e >= f.peak_bytes, "scale {scale}: estimate {e} below the peak {}", f.peak_bytes);
        assert!(e <= 2 * f.peak_bytes, "scale {scale}: estimate {e} over twice the peak {}", f.peak_bytes);
        std::fs::remove_dir_all(&d).unwrap();
    }
}

#[test]
fn under_a_cgroup_limit_above_its_peak_a_run_completes_with_the_same_output() {
    let d = tmp("above");
    let free = leapsim(&strs(&run_args("0.03", &d)), None, &[], &d);
    assert_eq!(free.code, Some(0), "{}", free.stderr);
    let (annual, e) = (read(&d.join("out/annual.csv")), estimate(&d.join("out")));
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let limit = free.peak_bytes * 13 / 10;
    assert!(e < limit, "the estimate {e} is above 1.3 times the peak {}: the run would be refused", free.peak_bytes);
    let Some(g) = cgroup("above", limit) else { return };
    let f = leapsim(&strs(&run_args("0.03", &d)), Some(&g), &[], &d);
    eprintln!(
        "limit {:.1} MiB (1.3 x peak {:.1} MiB; estimate {:.1} MiB): exit {:?} in {:.1} s, peak {:.1} MiB",
        mib(limit),
        mib(free.peak_bytes),
        mib(e),
        f.code,
        f.seconds,
        mib(f.peak_bytes)
    );
    assert_eq!(f.code, Some(0), "signal {:?}: {}", f.signal, f.stderr);
    assert_eq!(read(&d.join("out/annual.csv")), annual, "the same annual.csv as without the limit");
    drop(g);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn under_a_cgroup_limit_below_the_estimate_runs_are_refused_at_once_and_write_nothing() {
    let d = tmp("below");
    // 64 MiB: the process starts, but a run at scale 0.03 needs about 160 MiB.
    let limit = 64 << 20;
    let Some(g) = cgroup("below", limit) else { return };
    let f = leapsim(&strs(&run_args("0.03", &d)), Some(&g), &[], &d);
    eprintln!("run, limit 64 MiB: exit {:?} in {:.2} s: {}", f.code, f.seconds, f.stderr.trim());
    assert_eq!(f.code, Some(1), "signal {:?}: {}", f.signal, f.stderr);
    let file = g.limit_file().to_string_lossy().into_owned();
    for part in ["error: this run needs about ", "(scale 0.03, 1953-1966", "limited to 64 MiB (cgroup memory limit, "] {
        assert!(f.stderr.contains(part), "`{part}` not in: {}", f.stderr);
    }
    assert!(
        f.stderr.contains(&file) && f.stderr.contains("lower --scale or --threads, or raise the limit"),
        "{}",
        f.stderr
    );
    assert!(f.seconds < 10.0, "refused after {:.1} s", f.seconds);
    assert!(!d.join("out").exists(), "something was written");

    // A multi-run job counts its runs at once: under a limit where one run fits, two at a time
    // (`--threads 2`) do not.
    let one = leapsim(&strs(&run_args("0.01", &d)), None, &[], &d);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let pair_limit = estimate(&d.join("out")) * 14 / 10;
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let Some(pair) = cgroup("pair", pair_limit) else { return };
    let f = leapsim(&strs(&run_args("0.01", &d)), Some(&pair), &[], &d);
    assert_eq!(f.code, Some(0), "one run alone fits: signal {:?}: {}", f.signal, f.stderr);
    std::fs::remove_dir_all(d.join("out")).unwrap();
    let out = d.join("ens").to_string_lossy().into_owned();
    let args = ["ensemble", "--runs", "4", "--threads", "2", "--scale", "0.01", "-q", "--out", &out];
    let f = leapsim(&args, Some(&pair), &[], &d);
    eprintln!(
        "ensemble, limit {:.1} MiB: exit {:?} in {:.2} s: {}",
        mib(pair_limit),
        f.code,
        f.seconds,
        f.stderr.trim()
    );
    assert_eq!(f.code, Some(1), "signal {:?}: {}", f.signal, f.stderr);
    assert!(f.stderr.contains("error: these 4 runs (2 at a time) need about "), "{}", f.stderr);
    assert!(f.seconds < 10.0, "refused after {:.1} s", f.seconds);
    assert!(!d.join("ens").exists() && !d.join("ens.work").exists(), "something was written");
    drop(pair);

    // Without the check, the kernel kills the run when it reaches the limit: no message at all.
    let f = leapsim(&strs(&run_args("0.03", &d)), Some(&g), &[("LEAPSIM_MEMORY_CHECK", "off")], &d);
    eprintln!("run with the check off: exit {:?}, signal {:?} in {:.2} s", f.code, f.signal, f.seconds);
    assert_eq!(f.signal, Some(libc::SIGKILL), "exit {:?}: {}", f.code, f.stderr);
    assert!(!f.stderr.contains("error"), "{}", f.stderr);
    assert!(!d.join("out").exists(), "something was written");
    drop(g);
    std::fs::remove_dir_all(&d).unwrap();
}
