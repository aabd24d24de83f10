//! A disk that fills up or cannot be written: a small tmpfs (or a read-only one) as the
//! place of `--out`. The command fails with a clear error, leaves no partial output and no
//! temporary files, and a resumable job's work store stays whole, so `--resume` on a disk with
//! room finishes with the uninterrupted job's results.
//!
//! Mounting needs root (CAP_SYS_ADMIN), which CI has; where `mount` is refused, each test says
//! so on stderr and returns, unless `LEAPSIM_REQUIRE_MOUNT=1`, which makes that a failure (CI
//! sets it when it can mount a tmpfs).

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{entries, read, text, tmp};

const TINY: &[&str] = &["--scale", "0.0005", "--set", "run.end_year=1960", "-q"];

fn leapsim(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).args(TINY).arg("--out").arg(out).output().unwrap()
}

/// Bytes of the files under `d`.
fn size(d: &Path) -> u64 {
    std::fs::read_dir(d).unwrap().flatten().map(|e| e.metadata().unwrap().len()).sum()
}

/// A tmpfs mounted at a directory of its own, unmounted (and the directory removed) when
/// dropped, even when the test fails.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    /// A tmpfs of `bytes` at `at`, or `None` (said on stderr) where mounting is not allowed.
    fn mount(at: &Path, bytes: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(at)
            .output()
            .ok()?;
        if !o.status.success() {
            let why = text(&o.stderr).trim().to_string();
            // For machines where the tests must run (CI sets it when a tmpfs can be mounted).
            let required = std::env::var("LEAPSIM_REQUIRE_MOUNT").is_ok_and(|v| v == "1");
            assert!(!required, "mount tests required, but: {why}");
            eprintln!("skipped: cannot mount a tmpfs here (needs root): {why}");
            return None;
        }
        Some(Tmpfs { at: at.to_path_buf() })
    }

    /// Remount with `options` (`size=...`, `ro`, `rw`).
    fn remount(&self, options: &str) {
        let o = Command::new("mount").args(["-o", &format!("remount,{options}")]).arg(&self.at).output().unwrap();
        assert!(o.status.success(), "remount {options}: {}", text(&o.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.at).output();
        let _ = std::fs::remove_dir(&self.at);
    }
}

#[test]
fn a_run_on_a_full_disk_fails_clearly_and_leaves_nothing() {
    let d = tmp("full-run");
    let reference = d.join("reference");
    assert!(leapsim(&["run"], &reference).status.success());
    let need = size(&reference);
    for fraction in [0.05, 0.3, 0.9] {
        let Some(disk) = Tmpfs::mount(&d.join("disk"), (need as f64 * fraction) as u64) else { return };
        let o = leapsim(&["run"], &disk.at.join("run"));
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{fraction}: {e}");
        assert!(e.starts_with("error: ") && e.contains("No space left on device") && e.contains("run"), "{e}");
        assert!(entries(&disk.at).is_empty(), "{fraction}: left behind: {:?}", entries(&disk.at));
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_job_on_a_full_disk_fails_clearly_and_resumes_on_a_disk_with_room() {
    let d = tmp("full-job");
    let job = ["ensemble", "--runs", "6", "--threads", "1"];
    let files = ["annual_quantiles.csv", "headline.csv"];
    let reference = d.join("reference");
    assert!(leapsim(&job, &reference).status.success());
    let need = size(&reference);
    let resume: Vec<&str> = job.iter().copied().chain(["--resume"]).collect();
    // Small disks fill up while the finished items are stored, larger ones while the output
    // is written (the items take about as much room as the output, and stay until it is).
    let (mut while_storing, mut while_writing) = (0, 0);
    for fraction in [0.3, 0.8, 1.3, 1.6, 1.9] {
        let Some(disk) = Tmpfs::mount(&d.join("disk"), (need as f64 * fraction) as u64) else { return };
        let out = disk.at.join("out");
        let o = leapsim(&job, &out);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{fraction}: {e}");
        assert!(e.starts_with("error: ") && e.contains("No space left on device"), "{fraction}: {e}");
        if e.contains("cannot save finished work item") {
            assert!(e.contains("run the command again with --resume"), "{e}");
            while_storing += 1;
        } else {
            assert!(e.contains(&format!("writing {}", out.display())), "{fraction}: {e}");
            assert!(e.contains("run the command again with --resume"), "{e}");
            while_writing += 1;
        }
        // No output, nothing hidden: only the work store, with its fingerprint and whole items.
        assert_eq!(entries(&disk.at), ["out.work"], "{fraction}");
        let items = disk.at.join("out.work").join("items");
        let stored = entries(&items);
        assert!(stored.iter().all(|n| !n.starts_with('.')), "{fraction}: a temporary item is left: {stored:?}");
        // On a disk with room, the resume reuses every item stored and gives the same results.
        disk.remount("size=64m");
        let o = leapsim(&resume, &out);
        assert!(o.status.success(), "{fraction}: {}", text(&o.stderr));
        let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
        assert_eq!(manifest["items"]["reused"].as_u64(), Some(stored.len() as u64), "{fraction}: {manifest}");
        for f in files {
            assert_eq!(read(&out.join(f)), read(&reference.join(f)), "{fraction}: {f}");
        }
        assert_eq!(entries(&disk.at), ["out"], "{fraction}");
    }
    assert!(while_storing > 0 && while_writing > 0, "not both ways to fill the disk were tried");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_read_only_disk_is_named_and_nothing_is_written() {
    let d = tmp("read-only");
    let Some(disk) = Tmpfs::mount(&d.join("disk"), 1 << 20) else { return };
    disk.remount("ro");
    for command in [&["run"][..], &["ensemble", "--runs", "2"][..]] {
        let o = leapsim(command, &disk.at.join("out"));
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{command:?}: {e}");
        assert!(e.starts_with("error: ") && e.contains("Read-only file system") && e.contains("out"), "{e}");
    }
    disk.remount("rw");
    assert!(entries(&disk.at).is_empty(), "{:?}", entries(&disk.at));
    drop(disk);
    std::fs::remove_dir_all(&d).unwrap();
}
