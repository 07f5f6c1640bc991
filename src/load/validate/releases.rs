//! The release catalog: minor versions, in order of GA, a support window
//! that fits, required stops that exist.

use super::{Checker, Index};
use crate::diagnostics::{Code, Diagnostics};
use crate::load::Parsed;
use crate::model::Releases;

pub fn check(releases: &Parsed<Releases>, index: &Index, diagnostics: &mut Diagnostics) {
    let mut checker = Checker::new(&releases.file, diagnostics);
    let r = &releases.value;
    checker.unique("release", r.release.iter().map(|r| &r.version));

    for release in &r.release {
        if release.version.components().len() != 2 {
            checker.report(
                Code::E012,
                release.version.span(),
                format!("release `{}` is not a minor version", *release.version),
                "expected major.minor",
                format!(
                    "list each minor once (`{}`); patches such as `{}` belong to it",
                    release.version.release(),
                    *release.version
                ),
            );
        }
    }

    let mut by_version: Vec<_> = r.release.iter().collect();
    by_version.sort_by(|a, b| a.version.cmp(&b.version));
    for pair in by_version.windows(2) {
        if pair[1].ga < pair[0].ga {
            checker.report(
                Code::E023,
                pair[1].version.span(),
                format!(
                    "release {} became available ({}) before release {} ({})",
                    *pair[1].version, pair[1].ga, *pair[0].version, pair[0].ga
                ),
                "GA date out of order",
                "check both GA dates: a later version cannot be released earlier",
            );
        }
    }

    let window = *r.support_window.value() as usize;
    if window == 0 || window > r.release.len() {
        checker.report(
            Code::E023,
            r.support_window.span(),
            format!(
                "a support window of {window} does not fit {} releases",
                r.release.len()
            ),
            "",
            "set it between 1 and the number of [[release]] entries",
        );
    }

    for method in &r.upgrades.no_multi_version_methods {
        checker.reference(&index.method, method);
    }
    for stop in &r.upgrades.required_stop {
        checker.release(index, &stop.release);
    }
}
