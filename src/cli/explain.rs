//! `refarch explain CODE`: what a diagnostic code means and how to fix it,
//! from the guide's index of codes (built into the binary with the example
//! site), like `rustc --explain`.

use std::process::ExitCode;

use super::{fail, print_stdout};
use crate::diagnostics::Code;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A diagnostic code, such as E020 or W050 (case does not matter).
    pub code: String,
}

/// The guide page that explains every code.
const GUIDE_PAGE: &str = "content/guide/diagnostics.md";

pub fn run(args: &Args) -> ExitCode {
    let wanted = args.code.trim().to_ascii_uppercase();
    let Some(code) = Code::ALL.into_iter().find(|c| c.as_str() == wanted) else {
        let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        return fail(format!(
            "`{}` is not a refarch code; the codes are {}",
            args.code,
            codes.join(", ")
        ));
    };
    match explanation(code) {
        Some(text) => {
            print_stdout(&text);
            ExitCode::SUCCESS
        }
        None => fail(format!("{code} has no explanation in {GUIDE_PAGE}")),
    }
}

/// The section of the guide page about `code`, with the heading's anchor
/// left out.
pub fn explanation(code: Code) -> Option<String> {
    let page = crate::scaffold::EXAMPLE_FILES
        .iter()
        .find(|(path, _)| *path == GUIDE_PAGE)
        .map(|(_, bytes)| String::from_utf8_lossy(bytes))?;
    let heading = format!("## {code}:");
    let start = page.find(&heading)?;
    let section = &page[start..];
    let end = section[heading.len()..]
        .find("\n## ")
        .map_or(section.len(), |at| heading.len() + at + 1);
    let anchor = format!(" {{#{}}}", code.as_str().to_ascii_lowercase());
    let text = section[..end].replacen(&anchor, "", 1);
    Some(text.trim_end().to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_explained_in_the_guide() {
        for code in Code::ALL {
            let text = explanation(code).unwrap_or_else(|| {
                panic!(
                    "{code} has no `## {code}: … {{#{}}}` section in {GUIDE_PAGE}",
                    code.as_str().to_ascii_lowercase()
                )
            });
            assert!(text.starts_with(&format!("## {code}: ")), "{text}");
            let heading = text.lines().next().unwrap();
            assert!(!heading.contains("{#"), "{heading}");
            assert!(text.lines().count() > 3, "{code}: {text}");
        }
    }
}
