//! Writes a site atomically: everything goes to a temporary directory beside
//! the output, which is swapped in only once complete. A failed or killed
//! build leaves the previous output as it was.

use std::io;
use std::path::{Path, PathBuf};

/// Prefix of the temporary directories, so that leftovers of a killed build
/// can be recognised and removed.
const BUILD_PREFIX: &str = ".refarch-build-";
const OLD_PREFIX: &str = ".refarch-old-";

/// A site being written: files go into a temporary directory beside the
/// output as soon as they are made, from any thread, and
/// [`Staging::finish`] swaps the whole directory into place. Dropped
/// unfinished, it removes itself and the output stays as it was.
pub struct Staging {
    dir: tempfile::TempDir,
    output: PathBuf,
}

impl Staging {
    /// Prepares a staging directory for `output`, removing what killed
    /// builds left beside it.
    pub fn new(output: &Path) -> io::Result<Staging> {
        let output = absolute(output)?;
        let parent = output
            .parent()
            .ok_or_else(|| io::Error::other("the output directory has no parent"))?;
        std::fs::create_dir_all(parent)?;
        remove_leftovers(parent, &output);
        let dir = tempfile::Builder::new()
            .prefix(BUILD_PREFIX)
            .tempdir_in(parent)?;
        Ok(Staging { dir, output })
    }

    /// Writes one file of the site, at a path relative to its root.
    pub fn put(&self, relative: &str, contents: &[u8]) -> io::Result<()> {
        let path = safe_join(self.dir.path(), relative)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, contents)
    }

    /// Replaces the output with everything written.
    pub fn finish(self) -> io::Result<()> {
        swap_into_place(self.dir.keep(), &self.output)
    }
}

/// Writes `files` (relative path, contents) as the new contents of `output`.
pub fn write_site<B: AsRef<[u8]>>(
    output: &Path,
    files: impl IntoIterator<Item = (impl AsRef<str>, B)>,
) -> io::Result<()> {
    let staging = Staging::new(output)?;
    for (relative, contents) in files {
        staging.put(relative.as_ref(), contents.as_ref())?;
    }
    staging.finish()
}

fn absolute(path: &Path) -> io::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
}

/// Joins a generated relative path, refusing anything that would escape.
fn safe_join(root: &Path, relative: &str) -> io::Result<PathBuf> {
    let escapes = relative.starts_with('/')
        || relative.contains('\\')
        || relative
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if escapes {
        return Err(io::Error::other(format!(
            "refusing to write outside the output: {relative}"
        )));
    }
    Ok(root.join(relative))
}

/// Moves the finished build into place. Where the file system can swap two
/// directories in one step (Linux's `RENAME_EXCHANGE`), the output is at
/// every moment either the previous site or the new one; the previous
/// site, now in the staging directory, is removed afterwards. Elsewhere the
/// old output is renamed away first (a rename cannot replace a non-empty
/// directory), so a build killed between the two renames leaves no output,
/// and the next build restores the old one before anything else.
fn swap_into_place(staging: PathBuf, output: &Path) -> io::Result<()> {
    let parent = output.parent().expect("checked by the caller");
    if !output.exists() {
        return std::fs::rename(&staging, output).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&staging);
        });
    }
    let exchanged = exchange(&staging, output).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&staging);
    })?;
    if exchanged {
        discard(&staging);
        return Ok(());
    }
    swap_by_renames(staging, output, parent)
}

/// The swap where directories cannot be exchanged: the old output is
/// renamed away, the new one renamed in, and the old one removed.
fn swap_by_renames(staging: PathBuf, output: &Path, parent: &Path) -> io::Result<()> {
    let old = tempfile::Builder::new()
        .prefix(OLD_PREFIX)
        .tempdir_in(parent)?
        .keep();
    std::fs::remove_dir(&old)?;
    std::fs::rename(output, &old)?;
    if let Err(error) = std::fs::rename(&staging, output) {
        // Put the previous site back before reporting.
        let _ = std::fs::rename(&old, output);
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    discard(&old);
    Ok(())
}

/// Removes the previous site once the new one is in place. A failure is
/// not the build's: the next build removes what is left.
fn discard(previous: &Path) {
    let _ = remove_tree(previous);
}

/// Swaps two directories atomically; `Ok(false)` where the system or the
/// file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c_path = |path: &Path| {
        CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::other("a NUL in a path"))
    };
    let (a, b) = (c_path(a)?, c_path(b)?);
    // SAFETY: two valid NUL-terminated paths, resolved against the working
    // directory (both are absolute here).
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(error),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// `remove_dir_all`, with the entries of each directory removed in
/// parallel: the previous site has tens of thousands of files.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.par_iter().try_for_each(|entry| {
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())
        } else {
            std::fs::remove_file(entry.path())
        }
    })?;
    std::fs::remove_dir(dir)
}

/// Removes what killed builds left beside `output`. When the output itself
/// is missing but an old copy survived (killed between the two renames),
/// the old copy is restored.
fn remove_leftovers(parent: &Path, output: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(OLD_PREFIX) && !output.exists() {
            let _ = std::fs::rename(entry.path(), output);
        } else if name.starts_with(BUILD_PREFIX) || name.starts_with(OLD_PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn two_directories_are_exchanged_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        for (path, text) in [(&a, "was a"), (&b, "was b")] {
            std::fs::create_dir(path).unwrap();
            std::fs::write(path.join("file"), text).unwrap();
        }
        assert!(exchange(&a, &b).unwrap(), "this file system exchanges");
        assert_eq!(std::fs::read_to_string(a.join("file")).unwrap(), "was b");
        assert_eq!(std::fs::read_to_string(b.join("file")).unwrap(), "was a");
    }

    #[test]
    fn without_an_exchange_two_renames_swap_and_the_old_site_goes() {
        let dir = tempfile::tempdir().unwrap();
        let (staging, output) = (dir.path().join("staging"), dir.path().join("public"));
        for (path, text) in [(&staging, "new"), (&output, "old")] {
            std::fs::create_dir(path).unwrap();
            std::fs::write(path.join("index.html"), text).unwrap();
        }
        swap_by_renames(staging, &output, dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(output.join("index.html")).unwrap(),
            "new"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(names, ["public"]);
    }

    #[test]
    fn a_new_build_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(
            &out,
            files(&[("index.html", "one"), ("old/index.html", "gone soon")]),
        )
        .unwrap();
        write_site(&out, files(&[("index.html", "two")])).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "two"
        );
        assert!(
            !out.join("old").exists(),
            "files of the old build do not linger"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("public")]);
    }

    #[test]
    fn a_failed_write_keeps_the_previous_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, files(&[("index.html", "one")])).unwrap();
        let error = write_site(
            &out,
            files(&[("index.html", "two"), ("../escape.html", "x")]),
        );
        assert!(error.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "one"
        );
        assert!(!dir.path().join("escape.html").exists());
    }

    #[test]
    fn leftovers_of_a_killed_build_are_cleaned_and_an_orphaned_old_site_restored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(dir.path().join(".refarch-build-abc/x")).unwrap();
        std::fs::create_dir_all(dir.path().join(".refarch-old-def")).unwrap();
        std::fs::write(dir.path().join(".refarch-old-def/index.html"), "previous").unwrap();
        remove_leftovers(dir.path(), &out);
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "previous"
        );
        assert!(!dir.path().join(".refarch-build-abc").exists());
    }
}
