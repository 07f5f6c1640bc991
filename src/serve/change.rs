//! What a rebuild changed, to decide what the browsers must do: nothing,
//! swap the stylesheets, or reload.

use std::sync::Arc;

use crate::build::SiteFiles;

/// The difference between two builds, as browsers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Byte for byte the same site.
    Nothing,
    /// Only stylesheets changed: swap them without a reload.
    Styles(Vec<String>),
    /// Anything else: reload the pages.
    Pages(Vec<String>),
}

/// Compares two builds file by file, walking both sorted maps side by side.
/// Files reused from the previous build share their buffer, so most
/// comparisons are a pointer check.
pub fn classify(old: &SiteFiles, new: &SiteFiles) -> Change {
    let mut changed: Vec<String> = Vec::new();
    let mut before = old.iter().peekable();
    for (path, bytes) in new {
        // Files of the old build sorting before this one are gone.
        while let Some((gone, _)) = before.next_if(|(old_path, _)| *old_path < path) {
            changed.push(gone.to_string());
        }
        match before.next_if(|(old_path, _)| *old_path == path) {
            Some((_, previous)) if Arc::ptr_eq(previous, bytes) || previous == bytes => {}
            _ => changed.push(path.to_string()),
        }
    }
    changed.extend(before.map(|(gone, _)| gone.to_string()));
    of_paths(changed)
}

/// The change made by the files at `changed` (added, changed or removed),
/// as a build that patched the previous one reports them.
pub fn of_changed(changed: &[Arc<str>]) -> Change {
    let mut paths: Vec<String> = changed.iter().map(|path| path.to_string()).collect();
    paths.sort_unstable();
    of_paths(paths)
}

fn of_paths(changed: Vec<String>) -> Change {
    if changed.is_empty() {
        Change::Nothing
    } else if changed.iter().all(|path| path.ends_with(".css")) {
        Change::Styles(changed)
    } else {
        Change::Pages(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> SiteFiles {
        pairs
            .iter()
            .map(|(p, c)| (Arc::from(*p), Arc::from(c.as_bytes())))
            .collect()
    }

    #[test]
    fn identical_builds_change_nothing() {
        let a = files(&[("index.html", "x"), ("static/style.css", "y")]);
        let b = files(&[("index.html", "x"), ("static/style.css", "y")]);
        assert_eq!(classify(&a, &b), Change::Nothing);
    }

    #[test]
    fn a_stylesheet_alone_is_swapped() {
        let a = files(&[("index.html", "x"), ("static/style.css", "y")]);
        let b = files(&[("index.html", "x"), ("static/style.css", "z")]);
        assert_eq!(
            classify(&a, &b),
            Change::Styles(vec!["static/style.css".into()])
        );
    }

    #[test]
    fn a_patched_build_names_its_changes() {
        assert_eq!(of_changed(&[]), Change::Nothing);
        assert_eq!(
            of_changed(&["static/style.css".into()]),
            Change::Styles(vec!["static/style.css".into()])
        );
        assert_eq!(
            of_changed(&["static/style.css".into(), "index.html".into()]),
            Change::Pages(vec!["index.html".into(), "static/style.css".into()])
        );
    }

    #[test]
    fn pages_added_removed_or_changed_reload() {
        let a = files(&[
            ("a/index.html", "gone first"),
            ("index.html", "x"),
            ("old/index.html", "o"),
        ]);
        let b = files(&[("index.html", "x2"), ("new/index.html", "n")]);
        assert_eq!(
            classify(&a, &b),
            Change::Pages(vec![
                "a/index.html".into(),
                "index.html".into(),
                "new/index.html".into(),
                "old/index.html".into()
            ])
        );
    }
}
