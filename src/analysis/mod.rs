//! Pure functions over the validated model: support verdicts, sizing,
//! deviations, upgrade paths and the fleet. Nothing here reads files or
//! prints; the same functions serve `check`, `support` and the site.

pub mod deviations;
pub mod fleet;
pub mod requirements;
pub mod resourcing;
pub mod sizing;
pub mod support;
pub mod upgrades;

use crate::diagnostics::{Code, Diagnostic, Diagnostics, Location};
use crate::model::Site;
use deviations::{DeviationKind, DeviationStatus, deviations_of};

/// What the analysis has to say to `check`: undeclared deviations (errors
/// on handed-off records, warnings on records in progress), releases
/// outside the support window, and declarations that went stale.
pub fn findings(site: &Site) -> Diagnostics {
    findings_from(site, &|_| None)
}

/// [`findings`], taking each engagement's deviations from `facts` where it
/// has them (a build of the same load computed them already).
pub fn findings_from(
    site: &Site,
    facts: &(dyn Fn(&str) -> Option<std::sync::Arc<EngagementFacts>> + Sync),
) -> Diagnostics {
    use rayon::prelude::*;
    let found: Vec<Vec<Diagnostic>> = site
        .engagements
        .par_iter()
        .map(|engagement| match facts(engagement.id.as_str()) {
            Some(known) => findings_of(site, engagement, &known.deviations),
            None => findings_of(site, engagement, &deviations_of(site, engagement)),
        })
        .collect();
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(found.into_iter().flatten());
    diagnostics
}

/// The findings of one engagement, in its file.
fn findings_of(
    site: &Site,
    engagement: &crate::model::Engagement,
    found: &deviations::EngagementDeviations,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    {
        let text = site
            .sources
            .get(&engagement.file)
            .map_or("", |text| &**text);
        let at = |span| Location::new(&engagement.file, text, span);
        for deviation in found
            .deviations
            .iter()
            .filter(|d| d.status == DeviationStatus::Undeclared)
        {
            let code = if deviation.kind == DeviationKind::SupportWindow {
                // Records age as releases ship: never an error.
                Code::W001
            } else if deviation.is_error_for(engagement.status) {
                Code::E050
            } else {
                Code::W050
            };
            let message = if code == Code::W001 {
                deviation.summary.clone()
            } else {
                format!(
                    "undeclared deviation `{}`: {}",
                    deviation.subject,
                    first_sentence(&deviation.summary)
                )
            };
            diagnostics.push(
                Diagnostic::new(code, message)
                    .at(at(deviation.span.clone()))
                    .label("deviates from the reference")
                    .help(format!(
                        "declare it in a [[deviation]] with subject = \"{}\", a reason and an approver, or change the configuration",
                        deviation.subject
                    )),
            );
        }
        for &index in &found.stale {
            let declared = &engagement.deviation[index];
            diagnostics.push(
                Diagnostic::new(
                    Code::W051,
                    format!(
                        "declared deviation `{}` no longer occurs",
                        declared.subject.value()
                    ),
                )
                .at(at(declared.subject.span()))
                .label("stale declaration")
                .help("remove the [[deviation]], or correct its subject"),
            );
        }
    }
    diagnostics
}

fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// Loads a fixture site from `tests/fixtures/<name>` for unit tests.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Site {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let loaded = crate::load::load_site(&root);
    loaded.site.unwrap_or_else(|| {
        panic!(
            "fixture {name} does not load:\n{}",
            loaded.diagnostics.render(false)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_grade_undeclared_deviations_by_engagement_status() {
        let site = fixture("analysis");
        let diagnostics = findings(&site);
        let found: Vec<(Code, String, usize)> = diagnostics
            .iter()
            .map(|d| {
                let location = d.location.as_ref().unwrap();
                (d.code, location.file.clone(), location.line)
            })
            .collect();
        // Handed off: an undeclared deviation is an error; in progress, a warning.
        assert!(found.contains(&(Code::E050, "data/engagements/acme.toml".into(), 1)));
        assert!(
            found.contains(&(Code::W050, "data/engagements/borealis.toml".into(), 15)),
            "arm64 at its line"
        );
        // A stale declaration, and releases outside the window.
        assert!(found.contains(&(Code::W051, "data/engagements/acme.toml".into(), 83)));
        assert!(found.contains(&(Code::W001, "data/engagements/cobalt.toml".into(), 13)));
        assert_eq!(diagnostics.error_count(), 1);
    }
}

/// A percentage for progress bars, 0–100.
pub fn percent(part: usize, whole: usize) -> u32 {
    (part * 100).checked_div(whole).map_or(0, |p| p as u32)
}

/// What the analyses say about one engagement, computed once per build and
/// shared by every page and export that shows it.
#[derive(Debug, Clone)]
pub struct EngagementFacts {
    pub deviations: deviations::EngagementDeviations,
    /// The most severe verdict over its production configuration.
    pub status: crate::model::Status,
    /// The reference size of production (declared, else called for).
    pub size: String,
    /// The path from its release to the latest.
    pub path: Option<upgrades::UpgradePath>,
    /// The rules its configuration matches that rate it deprecated or
    /// worse than supported, once each, for the fleet.
    pub flags: Vec<(String, crate::model::Status)>,
}

/// The analyses of a whole site: each engagement's facts, by id, with the
/// key of the inputs they were computed from (see `build`, which keeps one
/// between builds and recomputes only the facts whose key changed).
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    engagements: crate::keyed::Keyed<std::sync::Arc<EngagementFacts>>,
}

impl EngagementFacts {
    /// Analyzes one engagement.
    pub fn compute(site: &Site, e: &crate::model::Engagement) -> EngagementFacts {
        let requirements = deviations::requirements_of(e);
        let verdicts: Vec<support::Verdict> = requirements
            .iter()
            .map(|r| support::evaluate(site, r))
            .collect();
        let mut flags: Vec<(String, crate::model::Status)> = Vec::new();
        for rule in verdicts.iter().flat_map(|v| &v.rules) {
            let flagged = rule.status == crate::model::Status::Deprecated
                || rule.status >= crate::model::Status::NotForProduction;
            if flagged && !flags.iter().any(|(id, _)| *id == rule.id) {
                flags.push((rule.id.clone(), rule.status));
            }
        }
        EngagementFacts {
            deviations: deviations_of(site, e),
            status: verdicts
                .iter()
                .map(|v| v.status)
                .max()
                .unwrap_or(crate::model::Status::NotDocumented),
            flags,
            size: fleet::size_of(site, e),
            path: site.releases.latest().and_then(|latest| {
                upgrades::upgrade_path(site, &e.deployment.release, &latest, &requirements[0]).ok()
            }),
        }
    }
}

impl Analysis {
    /// Analyzes every engagement, in parallel.
    pub fn of(site: &Site) -> Analysis {
        let mut analysis = Analysis::default();
        // A fresh analysis: keys need only tell the engagements apart.
        analysis.update(site, |at| at as u64);
        analysis
    }

    /// Brings the analysis up to date with `site`: facts whose key (given
    /// by `key_of` for each engagement's position in the site) changed are computed again, in
    /// parallel; the others are kept as they are, and engagements no longer
    /// in the site are dropped (see [`crate::keyed::refresh`]).
    pub fn update(&mut self, site: &Site, key_of: impl Fn(usize) -> u64 + Sync) {
        let computed = crate::keyed::refresh(
            &mut self.engagements,
            &site.engagements,
            |e| e.id.as_str(),
            |at, _| key_of(at),
            |e| {
                Ok::<_, std::convert::Infallible>(std::sync::Arc::new(EngagementFacts::compute(
                    site, e,
                )))
            },
        );
        let Ok(_) = computed;
    }

    /// The facts of engagement `id`, which must be in the analyzed site.
    pub fn of_engagement(&self, id: &str) -> &EngagementFacts {
        &self.engagements[id].1
    }

    /// The facts of engagement `id`, shared, when the analysis has them.
    pub fn shared(&self, id: &str) -> Option<std::sync::Arc<EngagementFacts>> {
        self.engagements.get(id).map(|(_, facts)| facts.clone())
    }
}
