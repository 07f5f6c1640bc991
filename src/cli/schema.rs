//! `refarch schema`: the JSON Schema of each kind of data file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{fail, print_stdout};
use crate::schema::{Examples, FileKind, field_reference};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print only this kind's schema to stdout: site, catalog, releases,
    /// support, reference-architecture, engagement or front-matter.
    pub kind: Option<String>,

    /// Directory to write every schema to (default: schemas/ in the site,
    /// where the data files' `#:schema` comments point).
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    pub output: Option<PathBuf>,

    /// Print the field reference, a guide page of every key of every kind
    /// with examples from this site, to stdout (the example site keeps it
    /// in content/guide/fields.md).
    #[arg(long, conflicts_with_all = ["kind", "output"])]
    pub reference: bool,
}

pub fn run(root: &Path, args: &Args) -> ExitCode {
    if args.reference {
        print_stdout(&field_reference(&Examples::from_site(root)));
        return ExitCode::SUCCESS;
    }
    if let Some(name) = &args.kind {
        let Some(kind) = FileKind::from_name(name) else {
            let names: Vec<&str> = FileKind::ALL.iter().map(|k| k.name()).collect();
            return fail(format!(
                "unknown kind `{name}`; the kinds are {}",
                names.join(", ")
            ));
        };
        print_stdout(&(render(kind) + "\n"));
        return ExitCode::SUCCESS;
    }
    let directory = args.output.clone().unwrap_or_else(|| root.join("schemas"));
    if let Err(error) = write_all(&directory) {
        return fail(format!(
            "cannot write schemas to {}: {error}",
            directory.display()
        ));
    }
    eprintln!(
        "wrote {} schemas to {}",
        FileKind::ALL.len(),
        directory.display()
    );
    ExitCode::SUCCESS
}

/// Pretty JSON with a final newline, stable from run to run.
pub fn render(kind: FileKind) -> String {
    serde_json::to_string_pretty(&kind.schema()).expect("schemas serialize")
}

fn write_all(directory: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    for kind in FileKind::ALL {
        std::fs::write(directory.join(kind.schema_file_name()), render(kind) + "\n")?;
    }
    Ok(())
}
