//! The kinds of data file and their JSON Schemas, generated from the model's
//! types so that the schema, the loader and the documentation cannot drift.

mod reference;

pub use reference::{Examples, field_reference};

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::analysis::requirements::Requirements;
use crate::model::{
    Catalog, Engagement, FrontMatter, ReferenceArchitecture, Releases, SiteConfig, SupportRules,
};

/// A kind of input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Site,
    Catalog,
    Releases,
    Support,
    ReferenceArchitecture,
    Engagement,
    FrontMatter,
    Requirements,
}

impl FileKind {
    pub const ALL: [FileKind; 8] = [
        FileKind::Site,
        FileKind::Catalog,
        FileKind::Releases,
        FileKind::Support,
        FileKind::ReferenceArchitecture,
        FileKind::Engagement,
        FileKind::FrontMatter,
        FileKind::Requirements,
    ];

    /// The name used on the command line and in schema file names.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Site => "site",
            FileKind::Catalog => "catalog",
            FileKind::Releases => "releases",
            FileKind::Support => "support",
            FileKind::ReferenceArchitecture => "reference-architecture",
            FileKind::Engagement => "engagement",
            FileKind::FrontMatter => "front-matter",
            FileKind::Requirements => "requirements",
        }
    }

    pub fn from_name(name: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// What the kind of file holds, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Site => "the site configuration (data/site.toml)",
            FileKind::Catalog => "the vocabularies (data/catalog.toml)",
            FileKind::Releases => "the release catalog (data/releases.toml)",
            FileKind::Support => "the support rules (data/support.toml)",
            FileKind::ReferenceArchitecture => "a reference architecture",
            FileKind::Engagement => "an engagement record",
            FileKind::FrontMatter => "the front matter of a content page",
            FileKind::Requirements => "requirements for `refarch support --file`",
        }
    }

    /// The schema file name that `#:schema` comments point to.
    pub fn schema_file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// The schema, generated once per process: the loader walks every
    /// file against it, and generating it costs more than parsing a file.
    pub fn cached_schema(self) -> &'static Value {
        static SCHEMAS: std::sync::LazyLock<Vec<Value>> =
            std::sync::LazyLock::new(|| FileKind::ALL.iter().map(|kind| kind.schema()).collect());
        let index = FileKind::ALL
            .iter()
            .position(|kind| *kind == self)
            .expect("every kind is in ALL");
        &SCHEMAS[index]
    }

    /// The JSON Schema (draft 2020-12) of this kind of file.
    pub fn schema(self) -> Value {
        let generator = SchemaSettings::draft2020_12().into_generator();
        let schema = match self {
            FileKind::Site => generator.into_root_schema_for::<SiteConfig>(),
            FileKind::Catalog => generator.into_root_schema_for::<Catalog>(),
            FileKind::Releases => generator.into_root_schema_for::<Releases>(),
            FileKind::Support => generator.into_root_schema_for::<SupportRules>(),
            FileKind::ReferenceArchitecture => {
                generator.into_root_schema_for::<ReferenceArchitecture>()
            }
            FileKind::Engagement => generator.into_root_schema_for::<Engagement>(),
            FileKind::FrontMatter => generator.into_root_schema_for::<FrontMatter>(),
            FileKind::Requirements => generator.into_root_schema_for::<Requirements>(),
        };
        schema.to_value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_forbid_unknown_keys() {
        let schema = FileKind::Engagement.schema();
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
        assert!(schema["properties"]["customer"].is_object());
    }

    #[test]
    fn names_round_trip() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_name(kind.name()), Some(kind));
        }
    }
}
