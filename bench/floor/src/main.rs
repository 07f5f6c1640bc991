//! The floor of the Markdown-corpus comparison (bench/markdown.sh):
//!
//!     floor SRC_DIR OUT_DIR [--threads N]
//!
//! reads every .md in SRC_DIR, skips its `+++` TOML front matter, renders
//! it with pulldown-cmark (tables on) and writes OUT_DIR/<stem>/index.html
//! in a minimal HTML wrapper, N threads (default 1) over equal chunks. No
//! templates, no link checks: the least work any generator does per page.
use std::{env, fs, path::PathBuf, process::exit};

use pulldown_cmark::{html, Options, Parser};

fn page(source: &str) -> String {
    let (front, body) = source
        .strip_prefix("+++\n")
        .and_then(|rest| rest.split_once("\n+++\n"))
        .unwrap_or(("", source));
    let title = front
        .lines()
        .find_map(|line| line.strip_prefix("title = \"")?.strip_suffix('"'))
        .unwrap_or("");
    let mut out = String::with_capacity(body.len() * 2);
    out.push_str("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>");
    for c in title.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out.push_str("</title></head><body>\n");
    html::push_html(&mut out, Parser::new_ext(body, Options::ENABLE_TABLES));
    out.push_str("</body></html>\n");
    out
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let (src, out, threads) = match args.as_slice() {
        [src, out] => (src, out, 1),
        [src, out, flag, n] if flag == "--threads" => (src, out, n.parse().unwrap_or(0)),
        _ => {
            eprintln!("usage: floor SRC_DIR OUT_DIR [--threads N]");
            exit(2)
        }
    };
    if threads == 0 {
        eprintln!("floor: --threads wants a whole number ≥ 1");
        exit(2);
    }
    let (src, out) = (PathBuf::from(src), PathBuf::from(out));
    let mut pages: Vec<PathBuf> = fs::read_dir(&src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .map(|entry| entry.expect("reading SRC_DIR").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    pages.sort();
    std::thread::scope(|scope| {
        for chunk in pages.chunks(pages.len().div_ceil(threads).max(1)) {
            let out = &out;
            scope.spawn(move || {
                for path in chunk {
                    let source = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    let dir = out.join(path.file_stem().expect("a file name"));
                    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
                    fs::write(dir.join("index.html"), page(&source)).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
                }
            });
        }
    });
    println!("rendered {} pages into {} with {threads} thread(s)", pages.len(), out.display());
}
