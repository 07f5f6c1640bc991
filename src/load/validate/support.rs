//! Support rules: unique ids, conditions that name real catalog values, and
//! version ranges only where the external kind has versions.

use std::fmt::Display;

use super::{Checker, Index, Vocabulary};
use crate::diagnostics::{Code, Diagnostics};
use crate::load::Parsed;
use crate::model::{At, OneOrMany, SupportRules};

pub fn check(support: &Parsed<SupportRules>, index: &Index, diagnostics: &mut Diagnostics) {
    let mut checker = Checker::new(&support.file, diagnostics);
    checker.unique("rule", support.value.rule.iter().map(|r| &r.id));

    for rule in &support.value.rule {
        let when = &rule.when;
        if when.dimensions().is_empty() {
            checker.report(
                Code::E023,
                when.span(),
                format!("rule `{}` has no conditions", *rule.id),
                "matches nothing",
                "give `when` at least one dimension, such as `{ method = \"helm\" }`",
            );
        }
        ids(&mut checker, &index.method, &when.method);
        ids(&mut checker, &index.provider, &when.provider);
        ids(&mut checker, &index.environment, &when.environment);
        ids(&mut checker, &index.arch, &when.arch);
        ids(&mut checker, &index.executor, &when.executor);
        ids(&mut checker, &index.feature, &when.feature);
        for (kind, range) in when.external.iter().flatten() {
            checker.reference(&index.external, kind);
            let versioned = index
                .versioned_external
                .get(kind.as_str())
                .copied()
                .unwrap_or(true);
            if !versioned && !range.is_any() {
                checker.report(
                    Code::E023,
                    range.span(),
                    format!(
                        "`{}` has no versions, so a version range cannot apply",
                        **kind
                    ),
                    "version range on an unversioned kind",
                    format!("write `\"{}\" = \"*\"`", **kind),
                );
            }
        }
        if rule.source.trim().is_empty() {
            checker.report(
                Code::E013,
                rule.id.span(),
                format!("rule `{}` has an empty source", *rule.id),
                "",
                "link the document the rule comes from, so a verdict can cite it",
            );
        }
    }
}

fn ids<T: Display>(
    checker: &mut Checker<'_>,
    vocabulary: &Vocabulary,
    field: &Option<At<OneOrMany<T>>>,
) {
    if let Some(field) = field {
        for (id, span) in field.spanned(field) {
            checker.reference_at(vocabulary, &id.to_string(), span);
        }
    }
}
