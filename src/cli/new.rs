//! `refarch new engagement ID`: a record with every field, ready to fill.

use std::path::Path;
use std::process::ExitCode;

use super::fail;
use crate::load::{ENGAGEMENTS_DIR, file_stems, parse_alone};
use crate::model::{Catalog, EngagementId, Releases, Version};
use crate::scaffold::{Choices, engagement_template};
use crate::schema::FileKind;

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// A new engagement record in data/engagements/ID.toml.
    Engagement {
        /// The engagement id: lowercase letters, digits and hyphens.
        id: String,
    },
}

pub fn run(root: &Path, what: &What, _color: bool) -> ExitCode {
    let What::Engagement { id } = what;
    if let Err(error) = id.parse::<EngagementId>() {
        return fail(format!("{}; {}", error.message, error.help));
    }
    if !root.join("data").is_dir() {
        return fail(format!(
            "{} has no data/ directory; run this in a site, or pass --root",
            root.display()
        ));
    }
    let relative = format!("{ENGAGEMENTS_DIR}/{id}.toml");
    let path = root.join(&relative);
    if path.exists() {
        return fail(format!(
            "{relative} already exists; `refarch new` never overwrites a file"
        ));
    }
    let choices = Choices {
        catalog: parse_alone::<Catalog>(root, "data/catalog.toml", FileKind::Catalog),
        sizes: file_stems(root, "data/reference-architectures"),
        latest_release: parse_alone::<Releases>(root, "data/releases.toml", FileKind::Releases)
            .and_then(|r| r.release.iter().map(|r| r.version.value().clone()).max())
            .map(|v: Version| v.to_string()),
    };
    let written = std::fs::create_dir_all(root.join(ENGAGEMENTS_DIR))
        .and_then(|()| std::fs::write(&path, engagement_template(id, &choices)));
    if let Err(error) = written {
        return fail(format!("cannot write {relative}: {error}"));
    }
    eprintln!("wrote {relative}: fill in every \"TODO\", then run `refarch check`");
    ExitCode::SUCCESS
}
