//! Embeds the example site (data/, content/, schemas/) into the binary so
//! that `refarch init` works anywhere, and records the commit it is built
//! from for `--version`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

const EMBEDDED_DIRS: [&str; 3] = ["data", "content", "schemas"];

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = Vec::new();
    for dir in EMBEDDED_DIRS {
        println!("cargo::rerun-if-changed={dir}");
        collect(&root, &root.join(dir), &mut files);
    }
    files.sort();
    let mut source = String::from("&[\n");
    for relative in &files {
        let absolute = root.join(relative);
        writeln!(
            source,
            "    ({relative:?}, include_bytes!({:?})),",
            absolute.display().to_string()
        )
        .unwrap();
    }
    source.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("example_files.rs"), source).expect("OUT_DIR is writable");
    println!("cargo::rustc-env=REFARCH_COMMIT={}", commit(&root));
}

/// The checked-out commit, abbreviated, or `unknown` outside git (a source
/// archive, `cargo install` from a registry). Rebuilds when HEAD moves.
fn commit(root: &Path) -> String {
    let git = root.join(".git");
    if !git.exists() {
        // Not a checkout of its own: `git` would name the commit of a
        // repository around it.
        return "unknown".to_string();
    }
    for watched in ["HEAD", "packed-refs"] {
        if git.join(watched).exists() {
            println!("cargo::rerun-if-changed=.git/{watched}");
        }
    }
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
        && let Some(reference) = head.trim().strip_prefix("ref: ")
        && git.join(reference).exists()
    {
        println!("cargo::rerun-if-changed=.git/{reference}");
    }
    std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|hash| hash.trim().to_string())
        .filter(|hash| !hash.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            collect(root, &path, files);
        } else if file_type.is_file() {
            let relative = path.strip_prefix(root).expect("under the root");
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
}
