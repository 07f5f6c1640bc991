//! The fleet across engagements: what runs where, who is behind, how fast
//! releases are adopted, what is open.
//!
//! The dashboard shows counts, totals and the first rows of each list, so
//! a [`Fleet`] keeps just those, and the fleets of consecutive runs of
//! engagements add up ([`Fleet::add`]). `serve` keeps the fleet of each run
//! of about [`RUN`] engagements between builds ([`FleetCache`]): an edit
//! recomputes one run and adds up a few hundred, instead of walking every
//! engagement of the site.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::hash::Hasher;
use std::sync::Arc;

use rayon::prelude::*;

use super::Analysis;
use super::deviations::requirements_of;
use super::sizing::{Sizing, size_for};
use crate::model::{Engagement, EngagementStatus, Level, LogStatus, Site, Status, Version};

/// Rows of each list a fleet keeps: the dashboard shows the first rows of
/// a table and its total, and a table of thousands of rows would bury it.
pub const ROWS: usize = 20;
/// Engagements a count keeps by name, before "and N more".
pub const NAMES: usize = 12;
/// Days within which the delivery team aims to adopt a release.
pub const ADOPTION_GOAL_DAYS: i64 = 30;
/// Engagements in a run of [`FleetCache`], on average.
pub const RUN: u64 = 64;

/// An engagement a fleet names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub customer: String,
}

impl Member {
    fn of(engagement: &Engagement) -> Member {
        Member {
            id: engagement.id.to_string(),
            customer: engagement.customer.clone(),
        }
    }
}

/// The engagements with one value: how many, and the first by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub count: usize,
    /// The first [`NAMES`], in site order.
    pub first: Vec<Member>,
}

/// A list in order of a key, ties in site order, of which only the first
/// [`ROWS`] are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked<K, T> {
    pub total: usize,
    first: Vec<(K, T)>,
}

impl<K, T> Default for Ranked<K, T> {
    fn default() -> Self {
        Ranked {
            total: 0,
            first: Vec::new(),
        }
    }
}

impl<K: Ord, T: Clone> Ranked<K, T> {
    /// Adds an item after every item pushed before it.
    fn push(&mut self, key: K, item: T) {
        self.total += 1;
        let at = self.first.partition_point(|(kept, _)| *kept <= key);
        if at < ROWS {
            self.first.insert(at, (key, item));
            self.first.truncate(ROWS);
        }
    }

    /// Adds the items of a later run: on equal keys, those kept come first.
    fn add(&mut self, later: &Ranked<K, T>)
    where
        K: Clone,
    {
        self.total += later.total;
        let kept = std::mem::take(&mut self.first);
        let (mut kept, mut later) = (kept.into_iter().peekable(), later.first.iter().peekable());
        while self.first.len() < ROWS {
            let take_kept = match (kept.peek(), later.peek()) {
                (Some((a, _)), Some((b, _))) => a <= b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_kept {
                kept.next()
            } else {
                later.next().cloned()
            };
            self.first.extend(next);
        }
    }

    /// The items kept, first to last.
    pub fn items(&self) -> impl Iterator<Item = &T> {
        self.first.iter().map(|(_, item)| item)
    }
}

/// An engagement on an option some rule rates worse than supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagged {
    pub engagement: Member,
    pub rule: String,
    pub status: Status,
}

/// Days from a release's GA to one customer's upgrade to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    pub engagement: Member,
    pub release: Version,
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRisk {
    pub engagement: Member,
    pub title: String,
    pub likelihood: Level,
    pub impact: Level,
}

/// Exit criteria of an implementation still in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitProgress {
    pub engagement: Member,
    pub status: EngagementStatus,
    /// Criteria met or not applicable.
    pub done: usize,
    pub total: usize,
}

/// The fleet over a run of engagements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fleet {
    pub engagements: usize,
    pub handed_off: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub by_method: BTreeMap<String, Group>,
    pub by_provider: BTreeMap<String, Group>,
    pub by_size: BTreeMap<String, Group>,
    pub by_strategy: BTreeMap<String, Group>,
    /// By `(major, minor)`.
    pub by_release: BTreeMap<(u64, u64), Group>,
    /// Engagements on the latest minor or the one before.
    pub within_one_release: usize,
    /// Unsupported before deprecated.
    pub flagged: Ranked<Reverse<Status>, Flagged>,
    /// The slowest first.
    pub adoption: Ranked<Reverse<i64>, Adoption>,
    /// How many upgrades took each number of days, for the median.
    pub adoption_days: BTreeMap<i64, usize>,
    /// Highest impact and likelihood first.
    pub open_risks: Ranked<Reverse<(Level, Level)>, OpenRisk>,
    pub high_impact_risks: usize,
    /// Least progress (in percent) first; handed-off engagements are left out.
    pub exit_criteria: Ranked<u32, ExitProgress>,
    pub escalations: usize,
}

impl Fleet {
    /// The fleet over `engagements`, in site order, using their analyses
    /// (see [`Analysis`]).
    pub fn of(site: &Site, engagements: &[Arc<Engagement>], analysis: &Analysis) -> Fleet {
        let latest_two: Vec<(u64, u64)> = site
            .releases
            .minors()
            .iter()
            .rev()
            .take(2)
            .map(Version::release_key)
            .collect();
        let mut fleet = Fleet::default();
        for engagement in engagements {
            fleet.count(engagement, analysis, &latest_two);
            fleet.list(site, engagement, analysis);
        }
        fleet
    }

    /// Counts `engagement` in each group and total.
    fn count(&mut self, engagement: &Engagement, analysis: &Analysis, latest_two: &[(u64, u64)]) {
        self.engagements += 1;
        match engagement.status {
            EngagementStatus::HandedOff => self.handed_off += 1,
            EngagementStatus::InProgress => self.in_progress += 1,
            EngagementStatus::Planned => self.planned += 1,
        }
        let release = engagement.deployment.release.release_key();
        if latest_two.contains(&release) {
            self.within_one_release += 1;
        }
        let size = &analysis.of_engagement(engagement.id.as_str()).size;
        join(
            &mut self.by_method,
            engagement.deployment.method.as_str(),
            engagement,
        );
        join(
            &mut self.by_provider,
            engagement.deployment.provider.as_str(),
            engagement,
        );
        join(&mut self.by_size, size.as_str(), engagement);
        join(
            &mut self.by_strategy,
            engagement.strategy.as_str(),
            engagement,
        );
        join(&mut self.by_release, &release, engagement);
        self.escalations += engagement.escalation.len();
    }

    /// Adds what `engagement` puts in the fleet's lists.
    fn list(&mut self, site: &Site, engagement: &Engagement, analysis: &Analysis) {
        for (rule, status) in &analysis.of_engagement(engagement.id.as_str()).flags {
            let flagged = Flagged {
                engagement: Member::of(engagement),
                rule: rule.clone(),
                status: *status,
            };
            self.flagged.push(Reverse(*status), flagged);
        }
        for upgrade in &engagement.upgrade_history {
            if let Some(release) = site.releases.find(&upgrade.to) {
                let days = release.ga.days_until(upgrade.date);
                *self.adoption_days.entry(days).or_default() += 1;
                let adoption = Adoption {
                    engagement: Member::of(engagement),
                    release: (*release.version).clone(),
                    days,
                };
                self.adoption.push(Reverse(days), adoption);
            }
        }
        for risk in engagement
            .risk
            .iter()
            .filter(|r| r.status == LogStatus::Open)
        {
            if risk.impact == Level::High {
                self.high_impact_risks += 1;
            }
            let open = OpenRisk {
                engagement: Member::of(engagement),
                title: risk.title.clone(),
                likelihood: risk.likelihood,
                impact: risk.impact,
            };
            self.open_risks
                .push(Reverse((risk.impact, risk.likelihood)), open);
        }
        let has_criteria =
            !engagement.exit_criterion.is_empty() || !site.catalog.exit_criterion.is_empty();
        if has_criteria && engagement.status != EngagementStatus::HandedOff {
            let done = engagement.exit_criteria_done();
            let total = site
                .catalog
                .exit_criterion
                .len()
                .max(engagement.exit_criterion.len());
            let progress = ExitProgress {
                engagement: Member::of(engagement),
                status: engagement.status,
                done,
                total,
            };
            self.exit_criteria
                .push(super::percent(done, total), progress);
        }
    }

    /// Adds the fleet of the engagements that follow this one's.
    pub fn add(&mut self, later: &Fleet) {
        self.engagements += later.engagements;
        self.handed_off += later.handed_off;
        self.in_progress += later.in_progress;
        self.planned += later.planned;
        add_groups(&mut self.by_method, &later.by_method);
        add_groups(&mut self.by_provider, &later.by_provider);
        add_groups(&mut self.by_size, &later.by_size);
        add_groups(&mut self.by_strategy, &later.by_strategy);
        add_groups(&mut self.by_release, &later.by_release);
        self.within_one_release += later.within_one_release;
        self.flagged.add(&later.flagged);
        self.adoption.add(&later.adoption);
        for (days, count) in &later.adoption_days {
            *self.adoption_days.entry(*days).or_default() += count;
        }
        self.open_risks.add(&later.open_risks);
        self.high_impact_risks += later.high_impact_risks;
        self.exit_criteria.add(&later.exit_criteria);
        self.escalations += later.escalations;
    }

    /// The statuses engagements have, by id, in order of id.
    pub fn statuses(&self) -> Vec<&'static str> {
        let mut statuses = [
            (EngagementStatus::HandedOff, self.handed_off),
            (EngagementStatus::InProgress, self.in_progress),
            (EngagementStatus::Planned, self.planned),
        ]
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(status, _)| status.id())
        .collect::<Vec<_>>();
        statuses.sort_unstable();
        statuses
    }

    /// Upgrades made within [`ADOPTION_GOAL_DAYS`] of GA, the delivery goal.
    pub fn adopted_within_goal(&self) -> usize {
        self.adoption_days
            .range(..=ADOPTION_GOAL_DAYS)
            .map(|(_, count)| count)
            .sum()
    }

    /// The median of the days upgrades took: the middle one, or the later
    /// of the two middle ones.
    pub fn median_adoption_days(&self) -> Option<i64> {
        let mut middle = self.adoption.total / 2;
        for (days, count) in &self.adoption_days {
            if middle < *count {
                return Some(*days);
            }
            middle -= count;
        }
        None
    }
}

/// Puts `engagement` in the group of `value`.
fn join<K: Ord + ?Sized + ToOwned<Owned = O>, O: Ord + std::borrow::Borrow<K>>(
    groups: &mut BTreeMap<O, Group>,
    value: &K,
    engagement: &Engagement,
) {
    let group = match groups.get_mut(value) {
        Some(group) => group,
        None => groups.entry(value.to_owned()).or_default(),
    };
    group.count += 1;
    if group.first.len() < NAMES {
        group.first.push(Member::of(engagement));
    }
}

fn add_groups<K: Ord + Clone>(groups: &mut BTreeMap<K, Group>, later: &BTreeMap<K, Group>) {
    for (value, group) in later {
        let kept = groups.entry(value.clone()).or_default();
        kept.count += group.count;
        let room = NAMES.saturating_sub(kept.first.len());
        kept.first.extend(group.first.iter().take(room).cloned());
    }
}

/// The fleets of runs of engagements, kept between builds by the key of
/// each run's inputs.
#[derive(Debug)]
pub struct FleetCache {
    runs: rustc_hash::FxHashMap<u64, Arc<Fleet>>,
    /// [`RUN`], but for tests of small sites.
    run_length: u64,
}

impl Default for FleetCache {
    fn default() -> Self {
        FleetCache {
            runs: Default::default(),
            run_length: RUN,
        }
    }
}

impl FleetCache {
    /// The fleet of the whole site. `key` gives, for an engagement's
    /// position in the site, the fingerprint of everything its part of the
    /// fleet is made from (the engagement, and the site-wide data its
    /// analysis reads). Runs end after an
    /// engagement whose id hashes to a multiple of [`RUN`], so adding or
    /// removing an engagement changes one run, not every run after it.
    pub fn fleet(&mut self, site: &Site, analysis: &Analysis, key: impl Fn(usize) -> u64) -> Fleet {
        let mut runs: Vec<(u64, &[Arc<Engagement>])> = Vec::new();
        let mut start = 0;
        let mut run_key = crate::render::KeyHasher::default();
        for (at, engagement) in site.engagements.iter().enumerate() {
            run_key.write(engagement.id.as_str().as_bytes());
            run_key.write_u64(key(at));
            let last = at + 1 == site.engagements.len();
            if last || crate::render::fingerprint(engagement.id.as_str()) % self.run_length == 0 {
                runs.push((run_key.finish(), &site.engagements[start..=at]));
                start = at + 1;
                run_key = crate::render::KeyHasher::default();
            }
        }
        let made: Vec<(u64, Arc<Fleet>)> = runs
            .par_iter()
            .map(|(key, run)| {
                let fleet = match self.runs.get(key) {
                    Some(kept) => kept.clone(),
                    None => Arc::new(Fleet::of(site, run, analysis)),
                };
                (*key, fleet)
            })
            .collect();
        let mut fleet = Fleet::default();
        for (_, run) in &made {
            fleet.add(run);
        }
        self.runs = made.into_iter().collect();
        fleet
    }
}

/// The size of production: the prod environment's declared size, or the
/// size its usage calls for.
pub fn size_of(site: &Site, engagement: &Engagement) -> String {
    if let Some(prod) = engagement
        .environment
        .iter()
        .find(|env| env.id.as_str() == "prod")
    {
        return prod.size.to_string();
    }
    match size_for(&site.sizes, &requirements_of(engagement)[0]) {
        Sizing::Fits { size, .. } => size,
        other => other.short().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture;

    fn ids<T>(
        list: &Ranked<impl Ord + Clone, T>,
        id: impl Fn(&T) -> (&str, &str),
    ) -> Vec<(String, String)>
    where
        T: Clone,
    {
        list.items()
            .map(|item| {
                let (a, b) = id(item);
                (a.to_string(), b.to_string())
            })
            .collect()
    }

    #[test]
    fn counts_and_flags_on_the_analysis_fixture() {
        let site = fixture("analysis");
        let analysis = Analysis::of(&site);
        let fleet = Fleet::of(&site, &site.engagements, &analysis);
        let counts = |groups: &BTreeMap<String, Group>| {
            groups
                .iter()
                .map(|(value, group)| (value.clone(), group.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(fleet.engagements, 3);
        assert_eq!(
            counts(&fleet.by_method),
            [
                ("helm".into(), 1),
                ("kustomize".into(), 1),
                ("machine-image".into(), 1)
            ]
        );
        assert_eq!(
            counts(&fleet.by_provider),
            [("aws".into(), 2), ("azure".into(), 1)]
        );
        assert_eq!(
            fleet.by_provider["aws"].first[1].customer,
            "Cobalt Analytics"
        );
        // acme declares m for prod; borealis sizes to l (8 000 users), cobalt to s (800).
        assert_eq!(
            counts(&fleet.by_size),
            [("l".into(), 1), ("m".into(), 1), ("s".into(), 1)]
        );
        let releases: Vec<_> = fleet.by_release.keys().copied().collect();
        assert_eq!(releases, [(5, 9), (6, 0), (6, 2)]);
        // Only acme runs 6.2 or 6.1, the latest two minors.
        assert_eq!(fleet.within_one_release, 1);
        // Refused before deprecated; each in site order.
        let flagged = ids(&fleet.flagged, |f| (&f.engagement.id, &f.rule));
        let expected = [
            ("borealis", "external-postgres-below-16"),
            ("borealis", "arm64-production"),
            ("borealis", "method-kustomize"),
            ("borealis", "releases-old"),
            ("cobalt", "releases-old"),
            ("cobalt", "external-postgres-below-16-before-6"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(flagged, expected);
        // 6.2 GA 2025-04-02, acme upgraded 2025-04-20: 18 days. 6.0 GA
        // 2025-01-29, borealis upgraded 2025-03-31: 61 days. Slowest first.
        let adoption: Vec<(&str, i64)> = fleet
            .adoption
            .items()
            .map(|a| (a.engagement.id.as_str(), a.days))
            .collect();
        assert_eq!(adoption, [("borealis", 61), ("acme", 18)]);
        assert_eq!(fleet.adopted_within_goal(), 1);
        assert_eq!(fleet.median_adoption_days(), Some(61));
        // One open risk; the closed one is left out.
        assert_eq!(fleet.open_risks.total, 1);
        assert_eq!(fleet.high_impact_risks, 1);
        // acme is handed off, so only the other two are in progress.
        let progress: Vec<(&str, usize, usize)> = fleet
            .exit_criteria
            .items()
            .map(|p| (p.engagement.id.as_str(), p.done, p.total))
            .collect();
        assert_eq!(progress, [("borealis", 0, 2), ("cobalt", 0, 2)]);
        assert_eq!(fleet.escalations, 1);
    }

    #[test]
    fn the_fleets_of_two_runs_add_up_to_the_fleet_of_both() {
        let site = fixture("analysis");
        let analysis = Analysis::of(&site);
        let whole = Fleet::of(&site, &site.engagements, &analysis);
        for split in 0..=site.engagements.len() {
            let (before, after) = site.engagements.split_at(split);
            let mut added = Fleet::of(&site, before, &analysis);
            added.add(&Fleet::of(&site, after, &analysis));
            assert_eq!(added, whole, "split at {split}");
        }
    }

    #[test]
    fn a_ranked_list_keeps_the_first_rows_in_key_then_arrival_order() {
        // Keys cycle 0, 1, 2; the values say in which order they came.
        let items: Vec<(u32, usize)> = (0..3 * ROWS).map(|n| ((n % 3) as u32, n)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|(key, _)| *key);
        let expected: Vec<usize> = expected.iter().take(ROWS).map(|(_, n)| *n).collect();

        let mut whole = Ranked::default();
        for (key, n) in &items {
            whole.push(*key, *n);
        }
        assert_eq!(whole.items().copied().collect::<Vec<_>>(), expected);
        assert_eq!(whole.total, 3 * ROWS);
        for split in [0, 1, ROWS, 2 * ROWS + 1, 3 * ROWS] {
            let (mut first, mut second) = (Ranked::default(), Ranked::default());
            for (key, n) in &items[..split] {
                first.push(*key, *n);
            }
            for (key, n) in &items[split..] {
                second.push(*key, *n);
            }
            first.add(&second);
            assert_eq!(first, whole, "split at {split}");
        }
    }

    #[test]
    fn the_cache_recomputes_only_the_run_of_an_edited_engagement() {
        let mut site = fixture("analysis");
        let analysis = Analysis::of(&site);
        // Runs of one engagement each.
        let mut cache = FleetCache {
            run_length: 1,
            ..FleetCache::default()
        };
        // Each engagement's key: its customer, which the edit below changes.
        fn key(site: &Site) -> impl Fn(usize) -> u64 + '_ {
            |at| crate::render::fingerprint(&site.engagements[at].customer)
        }
        let kept = |cache: &FleetCache| -> Vec<*const Fleet> {
            let mut runs: Vec<*const Fleet> = cache.runs.values().map(Arc::as_ptr).collect();
            runs.sort();
            runs
        };
        let first = cache.fleet(&site, &analysis, key(&site));
        assert_eq!(first, Fleet::of(&site, &site.engagements, &analysis));
        let before = kept(&cache);
        assert_eq!(before.len(), 3);

        // The same inputs: every run is the one kept.
        cache.fleet(&site, &analysis, key(&site));
        assert_eq!(kept(&cache), before);

        // A renamed customer: its run is made again, the others kept, and
        // the fleet names it as a fresh fleet would.
        let edited = Arc::make_mut(&mut site.engagements[2]);
        edited.customer = "Cobalt Renamed".into();
        let fleet = cache.fleet(&site, &analysis, key(&site));
        assert_eq!(fleet, Fleet::of(&site, &site.engagements, &analysis));
        assert_eq!(fleet.by_provider["aws"].first[1].customer, "Cobalt Renamed");
        let after = kept(&cache);
        assert_eq!(after.iter().filter(|run| before.contains(run)).count(), 2);
    }
}
