//! The memory the process may use: its cgroup's limit and the system's available memory.
//!
//! Under a cgroup limit the kernel ends a process that goes over it with SIGKILL, so the
//! program cannot say why then; [`crate::memory::check`] compares a run's estimate with these
//! before any of the run's memory is allocated.

use std::path::{Path, PathBuf};

/// A memory limit on the process, and the file it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub file: PathBuf,
}

/// Where the cgroup file systems are mounted.
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// A limit at or above this is "no limit": cgroup v1 writes its unlimited as the largest
/// page-aligned `i64` (9223372036854771712), and no machine has 4 EiB.
const UNLIMITED: u64 = 1 << 62;

/// The cgroup memory limit of this process (v2 or v1, the lowest of its cgroup and their
/// parents), if it has one.
pub fn cgroup_limit() -> Option<Limit> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    cgroup_limit_in(Path::new(CGROUP_ROOT), &text)
}

/// The system's `MemAvailable` (from /proc/meminfo), bytes.
pub fn available() -> Option<u64> {
    mem_available(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// The cgroup memory limit of a process whose /proc/PID/cgroup reads `proc_cgroup`, with the
/// cgroup file systems mounted at `root`: v2 (`0::PATH`) reads `root/PATH/memory.max`, v1
/// (`N:memory:PATH`) reads `root/memory/PATH/memory.limit_in_bytes`. Each walks up to the
/// hierarchy's root, since every ancestor's limit applies too (and in a container the path
/// may name cgroups above the mounted one, which are then not there); the lowest limit found
/// wins.
pub fn cgroup_limit_in(root: &Path, proc_cgroup: &str) -> Option<Limit> {
    let mut lowest: Option<Limit> = None;
    for (v2, path) in memory_cgroups(proc_cgroup) {
        let (mount, file) =
            if v2 { (root.to_path_buf(), "memory.max") } else { (root.join("memory"), "memory.limit_in_bytes") };
        if let Some(l) = lowest_up(&mount, path, file) {
            if lowest.as_ref().is_none_or(|best| l.bytes < best.bytes) {
                lowest = Some(l);
            }
        }
    }
    lowest
}

/// The memory cgroups named in /proc/PID/cgroup text, as (is v2, path): the v2 line `0::PATH`
/// and any v1 line whose controllers include `memory`.
pub fn memory_cgroups(proc_cgroup: &str) -> Vec<(bool, &str)> {
    proc_cgroup
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            if id == "0" && controllers.is_empty() {
                Some((true, path))
            } else if controllers.split(',').any(|c| c == "memory") {
                Some((false, path))
            } else {
                None
            }
        })
        .collect()
}

/// The lowest limit in `file` of cgroup `path` under `mount` and of its ancestors up to the
/// mount itself.
fn lowest_up(mount: &Path, path: &str, file: &str) -> Option<Limit> {
    let mut dir = mount.join(path.trim_start_matches('/'));
    let mut lowest: Option<Limit> = None;
    loop {
        let f = dir.join(file);
        if let Some(bytes) = std::fs::read_to_string(&f).ok().and_then(|t| parse_limit(&t)) {
            if lowest.as_ref().is_none_or(|best| bytes < best.bytes) {
                lowest = Some(Limit { bytes, file: f });
            }
        }
        if dir == mount || !dir.pop() || !dir.starts_with(mount) {
            return lowest;
        }
    }
}

/// A limit file's value: bytes, or `None` for no limit (v2 `max`, v1's near-`u64::MAX`).
pub fn parse_limit(text: &str) -> Option<u64> {
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < UNLIMITED).then_some(bytes)
}

/// `MemAvailable` in /proc/meminfo text, bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut words = line.split_whitespace().skip(1);
    let n: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => Some(n * 1024),
        None => Some(n),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "9:name=systemd:/\n8:pids:/\n5:devices:/\n4:memory:/jobs/job-7\n3:cpuset:/\n1:cpu:/\n0::/\n";
    const V2: &str = "0::/user.slice/user-0.slice/session-3.scope\n";

    fn hierarchy(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("leapsim-limits-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write(path: PathBuf, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn proc_cgroup_lines_name_the_memory_cgroups() {
        assert_eq!(memory_cgroups(V1), vec![(false, "/jobs/job-7"), (true, "/")]);
        assert_eq!(memory_cgroups(V2), vec![(true, "/user.slice/user-0.slice/session-3.scope")]);
        assert_eq!(memory_cgroups("7:cpu,memory:/a\n2:cpuacct:/b\n"), vec![(false, "/a")]);
        // A path may hold colons; a line without three fields is skipped.
        assert_eq!(memory_cgroups("4:memory:/a:b\nrubbish\n"), vec![(false, "/a:b")]);
        assert!(memory_cgroups("").is_empty());
    }

    #[test]
    fn limit_values_and_no_limit() {
        assert_eq!(parse_limit("2147483648\n"), Some(2 << 30));
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
        assert_eq!(parse_limit(&u64::MAX.to_string()), None);
        assert_eq!(parse_limit(""), None);
    }

    #[test]
    fn meminfo_gives_mem_available_in_bytes() {
        let text = "MemTotal:       24683792 kB\nMemFree:        22051044 kB\nMemAvailable:   23213088 kB\n";
        assert_eq!(mem_available(text), Some(23_213_088 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: x kB\n"), None);
    }

    #[test]
    fn v1_limits_are_read_walking_up_and_the_lowest_wins() {
        let root = hierarchy("v1");
        let mem = root.join("memory");
        write(mem.join("memory.limit_in_bytes"), "9223372036854771712\n");
        write(mem.join("jobs/memory.limit_in_bytes"), "4294967296\n");
        write(mem.join("jobs/job-7/memory.limit_in_bytes"), "9223372036854771712\n");
        let l = cgroup_limit_in(&root, V1).unwrap();
        assert_eq!(l, Limit { bytes: 4 << 30, file: mem.join("jobs/memory.limit_in_bytes") });
        write(mem.join("jobs/job-7/memory.limit_in_bytes"), "1073741824\n");
        assert_eq!(cgroup_limit_in(&root, V1).unwrap().bytes, 1 << 30);
        // No limit anywhere: none.
        write(mem.join("jobs/memory.limit_in_bytes"), "9223372036854771712\n");
        write(mem.join("jobs/job-7/memory.limit_in_bytes"), "9223372036854771712\n");
        assert_eq!(cgroup_limit_in(&root, V1), None);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn v2_limits_are_read_walking_up_and_missing_cgroups_are_skipped() {
        let root = hierarchy("v2");
        write(root.join("user.slice/memory.max"), "3221225472\n");
        write(root.join("user.slice/user-0.slice/memory.max"), "max\n");
        // The session's own directory is absent (as in a container whose path names cgroups
        // above the mounted one): its parents are still read.
        let l = cgroup_limit_in(&root, V2).unwrap();
        assert_eq!(l, Limit { bytes: 3 << 30, file: root.join("user.slice/memory.max") });
        assert_eq!(cgroup_limit_in(&root, "0::/\n"), None);
        assert_eq!(cgroup_limit_in(&root, ""), None);
        std::fs::remove_dir_all(root).unwrap();
    }
}
