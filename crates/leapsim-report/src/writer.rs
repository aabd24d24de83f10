//! The one writer of job outputs: a job's result rendered as files, written with its manifest
//! into the output directory all or nothing (the same temporary directory and rename as a run
//! directory, `leapsim_engine::output::write_dir`), then the job's work store removed.

use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::store::WorkStore;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A file of a job's output directory: its name and bytes.
pub type File = (String, Vec<u8>);

/// A job result that can be written as an output directory.
pub trait JobOutput {
    /// The data files, in the order written (`manifest.json` is added by the writer).
    fn files(&self) -> Result<Vec<File>, String>;
    /// The job's manifest.
    fn manifest(&self) -> &Manifest;
    /// Finished directories to move into the output (name inside it, where it is now).
    fn dirs(&self) -> Vec<(String, PathBuf)> {
        Vec::new()
    }
    /// The work store to remove once the outputs are written.
    fn work(&self) -> Option<&WorkStore> {
        None
    }
}

/// Write `job` as directory `out`, atomically, manifest included; then remove its work store.
/// Returns the names written (directories with a trailing `/`). A set `cancel` stops the write
/// with [`std::io::ErrorKind::Interrupted`] and leaves nothing.
pub fn write(out: &Path, job: &dyn JobOutput, cancel: &AtomicBool) -> std::io::Result<Vec<String>> {
    let mut files = job.files().map_err(std::io::Error::other)?;
    files.push(("manifest.json".to_string(), job.manifest().to_json()));
    let dirs = job.dirs();
    let borrowed: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    leapsim_engine::output::write_dir_moving(out, &borrowed, &dirs, cancel)?;
    if let Some(store) = job.work() {
        store.clear()?;
    }
    let mut names: Vec<String> = files.into_iter().map(|f| f.0).collect();
    names.extend(dirs.into_iter().map(|d| format!("{}/", d.0)));
    Ok(names)
}
