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
            changed.push(gone.clone());
        }
        match before.next_if(|(old_path, _)| *old_path == path) {
            Some((_, previous)) if Arc::ptr_eq(previous, bytes) || previous == bytes => {}
            _ => changed.push(path.clone()),
        }
    }
    changed.extend(before.map(|(gone, _)| gone.clone()));
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
            .map(|(p, c)| (p.to_string(), Arc::from(c.as_bytes())))
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
