//! Small directory helpers shared by the store and its checker.

use std::fs;
use std::path::{Path, PathBuf};

/// The entries of `dir` as (name, path), sorted by name; empty when `dir` cannot be read.
pub(crate) fn dir_names(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
