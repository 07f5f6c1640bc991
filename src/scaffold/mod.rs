//! Starting points: a new engagement record from a template, and a new site
//! from the example embedded in the binary.

use std::path::Path;

use crate::model::{Catalog, Entry};

const ENGAGEMENT_TEMPLATE: &str = include_str!("engagement.toml");

/// What the template lists as valid choices, taken from the site.
#[derive(Debug, Default)]
pub struct Choices {
    pub catalog: Option<Catalog>,
    pub sizes: Vec<String>,
    pub latest_release: Option<String>,
}

/// A new engagement file with every field, each placeholder saying what
/// belongs there and listing the site's valid ids.
pub fn engagement_template(id: &str, choices: &Choices) -> String {
    let list = |ids: Vec<String>| {
        if ids.is_empty() {
            "the ids in data/catalog.toml".to_string()
        } else {
            ids.join(", ")
        }
    };
    let from_catalog = |pick: fn(&Catalog) -> Vec<String>| {
        list(choices.catalog.as_ref().map(pick).unwrap_or_default())
    };
    let exit_criteria = choices
        .catalog
        .as_ref()
        .map(|c| {
            c.exit_criterion
                .iter()
                .map(exit_criterion_block)
                .collect::<String>()
        })
        .unwrap_or_default();
    ENGAGEMENT_TEMPLATE
        .replace("{{id}}", id)
        .replace("{{strategies}}", &from_catalog(|c| ids(&c.strategy)))
        .replace(
            "{{methods}}",
            &from_catalog(|c| c.method.iter().map(|m| m.id.to_string()).collect()),
        )
        .replace("{{providers}}", &from_catalog(|c| ids(&c.provider)))
        .replace("{{distributions}}", &from_catalog(|c| ids(&c.distribution)))
        .replace("{{archs}}", &from_catalog(|c| ids(&c.arch)))
        .replace("{{environments}}", &from_catalog(|c| ids(&c.environment)))
        .replace("{{features}}", &from_catalog(|c| ids(&c.feature)))
        .replace("{{executors}}", &from_catalog(|c| ids(&c.executor)))
        .replace("{{code_hosts}}", &from_catalog(|c| ids(&c.code_host)))
        .replace(
            "{{services}}",
            &from_catalog(|c| c.service.iter().map(|s| s.id.to_string()).collect()),
        )
        .replace(
            "{{externals}}",
            &from_catalog(|c| c.external.iter().map(|e| e.id.to_string()).collect()),
        )
        .replace("{{sizes}}", &list(choices.sizes.clone()))
        .replace(
            "{{latest}}",
            choices.latest_release.as_deref().unwrap_or("6.0"),
        )
        .replace("{{exit_criteria}}", &exit_criteria)
}

fn ids<Id: std::fmt::Display>(entries: &[Entry<Id>]) -> Vec<String> {
    entries.iter().map(|e| e.id.to_string()).collect()
}

fn exit_criterion_block<Id: std::fmt::Display>(criterion: &Entry<Id>) -> String {
    format!(
        "[[exit_criterion]]\nid = \"{}\"  # {}\nstatus = \"not-started\"\nevidence = \"\"\n# date = YYYY-MM-DD, once met\n\n",
        *criterion.id,
        criterion.name.replace('\n', " ")
    )
}

/// The example site, embedded at build time (see `build.rs`): relative
/// path and contents of every file under data/, content/ and schemas/.
pub static EXAMPLE_FILES: &[(&str, &[u8])] =
    include!(concat!(env!("OUT_DIR"), "/example_files.rs"));

/// Writes the example site into `directory`, which must be empty or absent.
/// Returns the number of files written.
pub fn write_example(directory: &Path) -> Result<usize, String> {
    if directory.exists() {
        let mut entries = std::fs::read_dir(directory)
            .map_err(|error| format!("cannot read {}: {error}", directory.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty; `refarch init` only writes into an empty or new directory",
                directory.display()
            ));
        }
    }
    for (relative, contents) in EXAMPLE_FILES {
        let path = directory.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(EXAMPLE_FILES.len())
}
