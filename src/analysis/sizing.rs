//! Sizing: the smallest reference size whose limits cover every usage figure
//! given ("between two sizes, choose the larger"); beyond the largest size,
//! contact support.

use serde::Serialize;

use super::requirements::{Dimension, Requirements};
use crate::model::ReferenceArchitecture;

/// The outcome of sizing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Sizing {
    /// No usage figure was given.
    NotGiven,
    /// The smallest size that fits.
    Fits { size: String, name: String },
    /// A figure is beyond the largest size.
    ContactSupport {
        dimension: Dimension,
        value: u64,
        largest: String,
        limit: u64,
    },
}

impl Sizing {
    /// The size id, `contact-support`, or `none`: the form test vectors use.
    pub fn short(&self) -> &str {
        match self {
            Sizing::NotGiven => "none",
            Sizing::Fits { size, .. } => size,
            Sizing::ContactSupport { .. } => "contact-support",
        }
    }
}

/// Reads one limit of a size; `None` when the size sets no such limit.
type Limit = fn(&ReferenceArchitecture) -> Option<u64>;

/// The usage figures of `requirements` with each size's matching limit.
fn figures(requirements: &Requirements) -> Vec<(Dimension, u64, Limit)> {
    let candidates: [(Dimension, Option<u64>, Limit); 4] = [
        (Dimension::Users, requirements.users, |s| {
            Some(s.limits.users)
        }),
        (Dimension::Repositories, requirements.repositories, |s| {
            Some(s.limits.repositories)
        }),
        (
            Dimension::LargestRepoMb,
            requirements.largest_repo_mb,
            |s| s.limits.largest_repo_mb,
        ),
        (Dimension::Monorepos, requirements.monorepos, |s| {
            s.limits.monorepos
        }),
    ];
    candidates
        .into_iter()
        .filter_map(|(dimension, value, limit)| value.map(|value| (dimension, value, limit)))
        .collect()
}

/// Picks the smallest size that fits every figure given.
pub fn size_for(sizes: &[ReferenceArchitecture], requirements: &Requirements) -> Sizing {
    let figures = figures(requirements);
    if figures.is_empty() || sizes.is_empty() {
        return Sizing::NotGiven;
    }
    let ordered = super::support::sizes_in_order(sizes);
    let fits = |size: &ReferenceArchitecture| {
        figures
            .iter()
            .all(|(_, value, limit)| limit(size).is_none_or(|limit| *value <= limit))
    };
    if let Some(size) = ordered.iter().find(|size| fits(size)) {
        return Sizing::Fits {
            size: size.id.to_string(),
            name: size.name.clone(),
        };
    }
    let largest = ordered.last().expect("sizes is not empty");
    let (dimension, value, limit) = figures
        .iter()
        .find_map(|(dimension, value, limit)| {
            limit(largest)
                .filter(|limit| value > limit)
                .map(|limit| (*dimension, *value, limit))
        })
        .expect("a figure exceeds the largest size");
    Sizing::ContactSupport {
        dimension,
        value,
        largest: largest.id.to_string(),
        limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture;

    fn size(users: Option<u64>, repositories: Option<u64>, largest_repo_mb: Option<u64>) -> Sizing {
        let site = fixture("analysis");
        let requirements = Requirements {
            users,
            repositories,
            largest_repo_mb,
            ..Requirements::default()
        };
        size_for(&site.sizes, &requirements)
    }

    #[test]
    fn the_smallest_size_that_covers_every_figure() {
        assert_eq!(size(Some(800), None, None).short(), "s");
        // Exactly at a limit fits; one above does not.
        assert_eq!(size(Some(1000), None, None).short(), "s");
        assert_eq!(size(Some(1001), None, None).short(), "m");
        // Between two sizes, the larger: users say s, repositories say m.
        assert_eq!(size(Some(900), Some(40_000), None).short(), "m");
        // The largest repository alone can call for a larger size.
        assert_eq!(size(Some(900), None, Some(19_000)).short(), "l");
    }

    #[test]
    fn beyond_the_largest_size_names_the_limit() {
        assert_eq!(
            size(Some(9000), Some(250_000), None),
            Sizing::ContactSupport {
                dimension: Dimension::Repositories,
                value: 250_000,
                largest: "l".into(),
                limit: 100_000,
            }
        );
        assert_eq!(size(None, None, Some(20_001)).short(), "contact-support");
    }

    #[test]
    fn no_figures_no_size() {
        assert_eq!(size(None, None, None), Sizing::NotGiven);
    }
}
