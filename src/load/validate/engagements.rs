//! Engagements: unique ids matching file names, every reference resolved,
//! dates in order, and what a handed-off record must hold.

use std::collections::BTreeMap;

use super::sizes::{id_matches_file, services};
use super::{Checker, Index};
use crate::diagnostics::{Code, Diagnostics};
use crate::load::{Parsed, ParsedSite};
use crate::model::{At, Date, Engagement, EngagementStatus};

/// The dimensions a support rule can constrain, as `undocumented:<dimension>`
/// deviation subjects name them.
pub const DIMENSIONS: [&str; 13] = [
    "method",
    "provider",
    "environment",
    "arch",
    "executor",
    "release",
    "kubernetes",
    "feature",
    "external",
    "users",
    "repositories",
    "largest_repo_mb",
    "monorepos",
];

pub fn check(
    parsed: &ParsedSite,
    index: &Index,
    diagnostics: &mut Diagnostics,
    previous: &mut super::EngagementChecks,
) {
    // Which files declare each id, borrowed, for telling a duplicate id
    // from a misnamed file: made only when some file's id is not its name.
    let mut files_by_id: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if index.engagement.has_misnamed_files() {
        for engagement in &parsed.engagements {
            files_by_id
                .entry(engagement.value.id.as_str())
                .or_default()
                .push(&engagement.file.path);
        }
    }
    let all_criteria: Vec<String> = parsed
        .catalog
        .as_ref()
        .map(|c| {
            c.value
                .exit_criterion
                .iter()
                .map(|e| e.id.to_string())
                .collect()
        })
        .unwrap_or_default();

    let check_one = |engagement: &Parsed<Engagement>| {
        let mut found = Diagnostics::default();
        let mut checker = Checker::new(&engagement.file, &mut found);
        identity(&mut checker, engagement, &files_by_id);
        references(&mut checker, index, &engagement.value);
        releases(&mut checker, index, &engagement.value);
        dates(&mut checker, &engagement.value);
        deviations(&mut checker, index, &engagement.value);
        handoff(&mut checker, &engagement.value, &all_criteria);
        found
    };
    let global = parsed.fingerprints.global;
    match parsed.touched_engagements.as_deref() {
        Some(touched) if previous.global == Some(global) && same_ids(parsed, touched, previous) => {
            for path in touched {
                let Some(at) = position(parsed, path) else {
                    continue;
                };
                let found = check_one(&parsed.engagements[at]);
                keep_found(&mut previous.found, path, found);
            }
        }
        _ => {
            use rayon::prelude::*;
            let found: Vec<Diagnostics> = parsed
                .engagements
                .par_iter()
                .map(|engagement| check_one(engagement))
                .collect();
            *previous = super::EngagementChecks {
                global: Some(global),
                ids: parsed
                    .engagements
                    .iter()
                    .map(|e| (e.file.path.clone(), e.value.id.to_string()))
                    .collect(),
                found: Default::default(),
            };
            for (engagement, found) in parsed.engagements.iter().zip(found) {
                keep_found(&mut previous.found, &engagement.file.path, found);
            }
        }
    }
    // In file order: the paths sort as the files do.
    for found in previous.found.values() {
        diagnostics.extend(found.iter().cloned());
    }
}

/// Whether each of the `touched` files declares the id it declared when
/// last checked (or, both times, none: it did not parse). If so, no file's
/// checks read anything of the others that changed.
fn same_ids(parsed: &ParsedSite, touched: &[String], previous: &super::EngagementChecks) -> bool {
    touched.iter().all(|path| {
        let now = position(parsed, path).map(|at| parsed.engagements[at].value.id.as_str());
        now == previous.ids.get(path).map(String::as_str)
    })
}

/// The position of the parsed engagement file at `path`: the files are in
/// the order of their sorted listing.
fn position(parsed: &ParsedSite, path: &str) -> Option<usize> {
    parsed
        .engagements
        .binary_search_by(|e| e.file.path.as_str().cmp(path))
        .ok()
}

/// Keeps what checking the file at `path` found, if anything.
fn keep_found(
    kept: &mut std::collections::BTreeMap<String, Diagnostics>,
    path: &str,
    found: Diagnostics,
) {
    if found.is_empty() {
        kept.remove(path);
    } else {
        kept.insert(path.to_string(), found);
    }
}

fn identity(
    checker: &mut Checker<'_>,
    engagement: &Parsed<Engagement>,
    files_by_id: &BTreeMap<&str, Vec<&str>>,
) {
    let id = &engagement.value.id;
    if crate::load::is_named(&engagement.file.path, id.as_str()) {
        return;
    }
    let other = files_by_id
        .get(id.as_str())
        .and_then(|files| files.iter().find(|f| **f != engagement.file.path));
    match other {
        Some(other) => checker.report(
            Code::E021,
            id.span(),
            format!("engagement id `{}` is already used by {other}", **id),
            "duplicate engagement id",
            format!(
                "each engagement needs its own id; write `id = \"{}\"` to match this file's name",
                engagement.file.stem()
            ),
        ),
        None => id_matches_file(checker, id.as_str(), id.span(), "engagement"),
    }
}

fn references(checker: &mut Checker<'_>, index: &Index, e: &Engagement) {
    checker.reference(&index.strategy, &e.strategy);
    let d = &e.deployment;
    checker.reference(&index.method, &d.method);
    checker.reference(&index.provider, &d.provider);
    checker.reference(&index.arch, &d.arch);
    if let Some(distribution) = &d.kubernetes_distribution {
        checker.reference(&index.distribution, distribution);
    }
    checker.unique("environment", e.environment.iter().map(|env| &env.id));
    for environment in &e.environment {
        checker.reference(&index.environment, &environment.id);
        checker.reference(&index.method, &environment.method);
        checker.reference(&index.size, &environment.size);
    }
    services(checker, index, &e.resourcing.service);
    for host in &e.code.host {
        checker.reference(&index.code_host, &host.kind);
    }
    for external in &e.external {
        checker.reference(&index.external, &external.kind);
        let versioned = index
            .versioned_external
            .get(external.kind.as_str())
            .copied();
        if let (Some(false), Some(version)) = (versioned, &external.version) {
            checker.report(
                Code::E023,
                version.span(),
                format!("`{}` has no versions", *external.kind),
                "",
                "remove `version`, or use a versioned kind",
            );
        }
    }
    checker.unique("feature", e.feature.iter().map(|f| &f.id));
    for feature in &e.feature {
        checker.reference(&index.feature, &feature.id);
    }
    for executor in &e.executor {
        checker.reference(&index.executor, &executor.runtime);
    }
    for feature in e.expansion.iter().flat_map(|x| &x.features) {
        checker.reference(&index.feature, feature);
    }
    for environment in &e.upgrades.promotion {
        checker.reference(&index.environment, environment);
    }
    for test in &e.load_test {
        checker.reference(&index.environment, &test.environment);
    }
    if let Some(replica) = &e.replica {
        checker.reference(&index.size, &replica.size);
    }
    checker.unique("exit criterion", e.exit_criterion.iter().map(|c| &c.id));
    for criterion in &e.exit_criterion {
        checker.reference(&index.exit_criterion, &criterion.id);
    }
}

fn releases(checker: &mut Checker<'_>, index: &Index, e: &Engagement) {
    let production = &e.deployment.release;
    checker.release(index, production);
    for environment in &e.environment {
        checker.release(index, &environment.release);
    }
    for upgrade in &e.upgrade_history {
        checker.release(index, &upgrade.from);
        checker.release(index, &upgrade.to);
        if *upgrade.to <= *upgrade.from {
            checker.report(
                Code::E023,
                upgrade.to.span(),
                format!(
                    "an upgrade goes from {} to {}, which is not forward",
                    *upgrade.from, *upgrade.to
                ),
                "not after `from`",
                "swap `from` and `to`, or record the rollback in notes",
            );
        }
    }
    if let Some(last) = e.upgrade_history.iter().max_by_key(|u| u.date)
        && last.to.release() != production.release()
    {
        {
            checker.report(
                Code::W003,
                production.span(),
                format!(
                    "production runs {} but the last recorded upgrade went to {}",
                    **production, *last.to
                ),
                "",
                "record the latest upgrade in [[upgrade_history]], or correct deployment.release",
            );
        }
    }
    if let Some(prod) = e.environment.iter().find(|env| env.id.as_str() == "prod")
        && prod.release.release() != production.release()
    {
        {
            checker.report(
                Code::W003,
                prod.release.span(),
                format!("the prod environment runs {} but deployment.release is {}", *prod.release, **production),
                "",
                "the production deployment and the prod environment are the same instance; make them agree",
            );
        }
    }
}

fn dates(checker: &mut Checker<'_>, e: &Engagement) {
    let d = &e.dates;
    let ordered: Vec<(&str, &At<Date>)> = [
        ("production_start", d.production_start.as_ref()),
        ("production_complete", d.production_complete.as_ref()),
        ("handoff", d.handoff.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, date)| date.map(|date| (name, date)))
    .collect();
    for pair in ordered.windows(2) {
        let ((earlier_name, earlier), (later_name, later)) = (pair[0], pair[1]);
        if **later < **earlier {
            checker.report(
                Code::E023,
                later.span(),
                format!(
                    "{later_name} ({}) is before {earlier_name} ({})",
                    **later, **earlier
                ),
                "date out of order",
                "check both dates",
            );
        }
    }
}

fn deviations(checker: &mut Checker<'_>, index: &Index, e: &Engagement) {
    let pools: Vec<&str> = e.resourcing.node.iter().map(|n| n.pool.as_str()).collect();
    checker.unique("deviation", e.deviation.iter().map(|d| &d.subject));
    for deviation in &e.deviation {
        let subject = &deviation.subject;
        let span = subject.span();
        let (kind, target) = subject.split_once(':').unwrap_or((subject.as_str(), ""));
        match kind {
            "rule" => checker.reference_at(&index.rule, target, span),
            "resources" if target == "total" => {}
            "resources" => checker.reference_at(&index.service, target, span),
            "undocumented" if DIMENSIONS.contains(&target) => {}
            "instance-type" if pools.contains(&target) => {}
            "release" if target == "support-window" => {}
            _ => checker.report(
                Code::E012,
                span,
                format!("`{}` is not a deviation subject", **subject),
                "unknown subject",
                subject_help(kind, &pools),
            ),
        }
    }
}

fn subject_help(kind: &str, pools: &[&str]) -> String {
    match kind {
        "undocumented" => format!("name a dimension: {}", DIMENSIONS.join(", ")),
        "instance-type" => format!("name a node pool of this engagement: {}", pools.join(", ")),
        "release" => "the only release subject is `release:support-window`".to_string(),
        _ => "write `rule:<rule-id>`, `undocumented:<dimension>`, `resources:<service-id>`, `resources:total`, `instance-type:<pool>` or `release:support-window`".to_string(),
    }
}

/// A handed-off record is the technical advisor's reference from then on:
/// it must say when it was handed off, to whom, and where every exit
/// criterion stood.
fn handoff(checker: &mut Checker<'_>, e: &Engagement, all_criteria: &[String]) {
    if e.status != EngagementStatus::HandedOff {
        return;
    }
    let status_span = e.id.span();
    if e.dates.handoff.is_none() {
        checker.report(
            Code::E024,
            status_span.clone(),
            format!(
                "engagement `{}` is handed off but has no handoff date",
                *e.id
            ),
            "",
            "add `handoff = YYYY-MM-DD` under [dates]",
        );
    }
    if e.ownership.is_none() {
        checker.report(
            Code::E024,
            status_span.clone(),
            format!("engagement `{}` is handed off but names no owner", *e.id),
            "",
            "add [ownership] with `owner` (the technical advisor) and `since`",
        );
    }
    let missing: Vec<&str> = all_criteria
        .iter()
        .filter(|id| {
            !e.exit_criterion
                .iter()
                .any(|c| c.id.as_str() == id.as_str())
        })
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        checker.report(
            Code::E024,
            status_span,
            format!(
                "engagement `{}` is handed off but does not record the exit criteria {}",
                *e.id,
                missing.join(", ")
            ),
            "",
            "add an [[exit_criterion]] for each, with status and evidence (`not-applicable` is allowed)",
        );
    }
}
