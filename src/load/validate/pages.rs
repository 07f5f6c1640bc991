//! Content pages that add prose to generated pages must name an existing
//! engagement or size.

use super::{Checker, Index};
use crate::diagnostics::{Code, Diagnostics};
use crate::load::Parsed;
use crate::model::Page;

pub fn check(pages: &[std::sync::Arc<Parsed<Page>>], index: &Index, diagnostics: &mut Diagnostics) {
    for page in pages {
        let mut checker = Checker::new(&page.file, diagnostics);
        let path = page.value.path.as_str();
        let stem = page.file.stem().to_string();
        let (vocabulary, is_companion) = if let Some(rest) = path.strip_prefix("engagements/") {
            (&index.engagement, !rest.contains('/'))
        } else if let Some(rest) = path.strip_prefix("reference-architectures/") {
            (&index.size, !rest.contains('/'))
        } else {
            continue;
        };
        if is_companion && stem != "_index" && !vocabulary.contains(&stem) {
            checker.report(
                Code::E020,
                0..3,
                format!(
                    "{path} adds prose to {} `{stem}`, which does not exist",
                    vocabulary.what
                ),
                "no such page to extend",
                format!(
                    "rename the file after an existing {}, or remove it",
                    vocabulary.what
                ),
            );
        }
    }
}
