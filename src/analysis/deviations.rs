//! Where an engagement deviates from what is officially supported and from
//! the reference size its usage calls for, and whether the record declares
//! each deviation (DESIGN, "Deviations").

use std::ops::Range;

use serde::Serialize;

use super::requirements::{Dimension, ExternalVersion, Requirements};
use super::resourcing::{Fit, MachineComparison, ResourceComparison, compare, compare_machine};
use super::sizing::{Sizing, size_for};
use super::support::evaluate;
use crate::model::{Engagement, EngagementStatus, Site, Status, Topology};

/// What kind of difference a deviation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviationKind {
    /// A configuration choice a support rule rates worse than supported.
    Rule,
    /// A configuration value no rule covers.
    Undocumented,
    /// A service, or the total, below the reference by more than the threshold.
    UnderProvisioned,
    /// A service, or the total, above the reference by more than the threshold.
    RightSize,
    /// A service the reference architecture does not include.
    ExtraService,
    /// Nodes smaller than the reference's for the provider.
    InstanceType,
    /// A release outside the support window.
    SupportWindow,
}

/// Whether the record accounts for a deviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviationStatus {
    /// Declared, with a reason and an approver.
    Accepted,
    /// Not declared: the record is incomplete.
    Undeclared,
}

/// One computed deviation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deviation {
    /// The subject a declaration names (`rule:arm64-production`).
    pub subject: String,
    pub kind: DeviationKind,
    /// What differs, in a sentence.
    pub summary: String,
    /// The rule's status, for rule deviations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_status: Option<Status>,
    /// Where the rule or figure comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub status: DeviationStatus,
    /// Index of the declaration in the record, when declared.
    #[serde(skip)]
    pub declared: Option<usize>,
    /// Where in the engagement file the deviating value is.
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Everything the analysis finds for one engagement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngagementDeviations {
    /// The size the usage calls for.
    pub sizing: Sizing,
    /// Service by service, for multi-node methods.
    pub resources: Option<ResourceComparison>,
    /// The machine, for single-node methods.
    pub machine: Option<MachineComparison>,
    pub deviations: Vec<Deviation>,
    /// Indexes of declared deviations that no longer occur.
    pub stale: Vec<usize>,
}

/// The requirement sets an engagement's production configuration poses:
/// one per executor runtime (the engine takes one executor at a time), or
/// one when it runs no executors.
pub fn requirements_of(e: &Engagement) -> Vec<Requirements> {
    let base = Requirements {
        method: Some(e.deployment.method.value().clone()),
        provider: Some(e.deployment.provider.value().clone()),
        environment: "prod".parse().ok(),
        release: Some(e.deployment.release.value().clone()),
        kubernetes: e
            .deployment
            .kubernetes_version
            .as_ref()
            .map(|v| v.value().clone()),
        arch: Some(e.deployment.arch.value().clone()),
        executor: None,
        feature: e.feature.iter().map(|f| f.id.value().clone()).collect(),
        external: e
            .external
            .iter()
            .map(|x| {
                let version = match &x.version {
                    Some(version) => ExternalVersion::Version(version.value().clone()),
                    None => ExternalVersion::Unversioned(true),
                };
                (x.kind.value().clone(), version)
            })
            .collect(),
        users: Some(
            e.usage
                .agreed_limits
                .users
                .unwrap_or(e.usage.licensed_users),
        ),
        repositories: e.usage.agreed_limits.repositories.or_else(|| {
            let synced = e.code.repositories_synced();
            (synced > 0).then_some(synced)
        }),
        largest_repo_mb: e.code.largest_repo_mb,
        monorepos: e.code.monorepos,
    };
    if e.executor.is_empty() {
        return vec![base];
    }
    e.executor
        .iter()
        .map(|executor| Requirements {
            executor: Some(executor.runtime.value().clone()),
            ..base.clone()
        })
        .collect()
}

/// Computes the deviations of `e` and matches them with its declarations.
pub fn deviations_of(site: &Site, e: &Engagement) -> EngagementDeviations {
    let requirements = requirements_of(e);
    let mut found: Vec<Deviation> = Vec::new();
    for r in &requirements {
        let verdict = evaluate(site, r);
        for rule in verdict
            .rules
            .iter()
            .filter(|rule| rule.status > Status::Supported)
        {
            let subject = format!("rule:{}", rule.id);
            if found.iter().any(|d| d.subject == subject) {
                continue;
            }
            let span = site
                .support
                .rule
                .iter()
                .find(|candidate| candidate.id.as_str() == rule.id)
                .map_or(e.id.span(), |candidate| span_of_rule(e, &candidate.when));
            found.push(
                deviation(subject, DeviationKind::Rule, rule.reason.clone(), span)
                    .with_rule(rule.status, rule.source.clone()),
            );
        }
        for value in &verdict.undocumented {
            let subject = format!("undocumented:{}", value.dimension);
            if found.iter().any(|d| d.subject == subject) {
                continue;
            }
            let summary = format!(
                "{} `{}` is covered by no support rule",
                value.dimension, value.value
            );
            found.push(deviation(
                subject,
                DeviationKind::Undocumented,
                summary,
                span_of(e, value.dimension),
            ));
        }
    }

    let sizing = size_for(&site.sizes, &requirements[0]);
    let size = match &sizing {
        Sizing::Fits { size, .. } => site.sizes.iter().find(|s| s.id.as_str() == size),
        Sizing::ContactSupport { largest, .. } => {
            site.sizes.iter().find(|s| s.id.as_str() == largest)
        }
        Sizing::NotGiven => None,
    };
    let topology = site
        .catalog
        .method
        .iter()
        .find(|m| *m.id == *e.deployment.method)
        .map_or(Topology::MultiNode, |m| m.topology);
    let thresholds = &site.config.thresholds;
    let (mut resources, mut machine) = (None, None);
    match (topology, size) {
        (Topology::MultiNode, Some(size)) => {
            if !e.resourcing.service.is_empty() {
                let comparison = compare(e, size, thresholds);
                found.extend(resource_deviations(e, &comparison));
                resources = Some(comparison);
            }
            found.extend(instance_type_deviations(e, size, thresholds));
        }
        (Topology::SingleNode, Some(size)) => {
            machine = compare_machine(e, size, thresholds);
            found.extend(machine.as_ref().and_then(|m| machine_deviation(e, m)));
        }
        _ => {}
    }
    found.extend(support_window_deviation(site, e));

    let mut stale = Vec::new();
    for (index, declared) in e.deviation.iter().enumerate() {
        match found
            .iter_mut()
            .find(|d| d.subject == *declared.subject.value())
        {
            Some(deviation) => {
                deviation.status = DeviationStatus::Accepted;
                deviation.declared = Some(index);
            }
            None => stale.push(index),
        }
    }
    EngagementDeviations {
        sizing,
        resources,
        machine,
        deviations: found,
        stale,
    }
}

fn deviation(
    subject: String,
    kind: DeviationKind,
    summary: String,
    span: Range<usize>,
) -> Deviation {
    Deviation {
        subject,
        kind,
        summary,
        rule_status: None,
        source: None,
        status: DeviationStatus::Undeclared,
        declared: None,
        span,
    }
}

impl Deviation {
    fn with_rule(mut self, status: Status, source: String) -> Deviation {
        self.rule_status = Some(status);
        self.source = Some(source);
        self
    }

    /// Whether an undeclared instance is an error in `check`: on a
    /// handed-off record every deviation must be accounted for.
    pub fn is_error_for(&self, status: EngagementStatus) -> bool {
        self.status == DeviationStatus::Undeclared && status == EngagementStatus::HandedOff
    }
}

/// The span of the value a rule's conditions pick out: the most specific
/// condition the engagement has a field for (an external service says more
/// than the release it is combined with).
fn span_of_rule(e: &Engagement, when: &crate::model::Conditions) -> Range<usize> {
    const PREFERENCE: [Dimension; 8] = [
        Dimension::External,
        Dimension::Feature,
        Dimension::Executor,
        Dimension::Arch,
        Dimension::Kubernetes,
        Dimension::Method,
        Dimension::Provider,
        Dimension::Release,
    ];
    let requirements = requirements_of(e);
    PREFERENCE
        .iter()
        .find(|&&d| super::support::holds(when, d, &requirements[0]).is_some())
        .map_or(e.id.span(), |&d| span_of_condition(e, when, d))
}

/// Where the engagement writes the value a rule's condition on `dimension`
/// names: the feature or external service the rule is about, not the first
/// one listed.
fn span_of_condition(
    e: &Engagement,
    when: &crate::model::Conditions,
    dimension: Dimension,
) -> Range<usize> {
    let named = match dimension {
        Dimension::Feature => when.feature.as_ref().and_then(|wanted| {
            e.feature
                .iter()
                .find(|f| wanted.value().contains(f.id.value()))
                .map(|f| f.id.span())
        }),
        Dimension::External => when.external.as_ref().and_then(|wanted| {
            e.external
                .iter()
                .find(|x| wanted.keys().any(|kind| kind.value() == x.kind.value()))
                .map(|x| x.kind.span())
        }),
        Dimension::Executor => when.executor.as_ref().and_then(|wanted| {
            e.executor
                .iter()
                .find(|x| wanted.value().contains(x.runtime.value()))
                .map(|x| x.runtime.span())
        }),
        _ => None,
    };
    named.unwrap_or_else(|| span_of(e, dimension))
}

/// Where the value of `dimension` is written in the engagement file.
fn span_of(e: &Engagement, dimension: Dimension) -> Range<usize> {
    let d = &e.deployment;
    match dimension {
        Dimension::Method => d.method.span(),
        Dimension::Provider => d.provider.span(),
        Dimension::Arch => d.arch.span(),
        Dimension::Release => d.release.span(),
        Dimension::Kubernetes => d
            .kubernetes_version
            .as_ref()
            .map_or(e.id.span(), |v| v.span()),
        Dimension::Executor => e.executor.first().map_or(e.id.span(), |x| x.runtime.span()),
        Dimension::Feature => e.feature.first().map_or(e.id.span(), |f| f.id.span()),
        Dimension::External => e.external.first().map_or(e.id.span(), |x| x.kind.span()),
        _ => e.id.span(),
    }
}

fn resource_deviations(e: &Engagement, comparison: &ResourceComparison) -> Vec<Deviation> {
    let mut found = Vec::new();
    let describe = |what: &str, fit: Fit| match fit {
        Fit::Under => Some((DeviationKind::UnderProvisioned, format!("{what} below"))),
        Fit::Over => Some((DeviationKind::RightSize, format!("{what} above"))),
        _ => None,
    };
    for service in &comparison.services {
        let span = e
            .resourcing
            .service
            .iter()
            .find(|s| s.id.as_str() == service.service)
            .map_or(e.id.span(), |s| s.id.span());
        if service.cpu == Fit::NotInReference {
            let summary = format!(
                "`{}` is not part of the {} reference architecture",
                service.service, comparison.size
            );
            found.push(deviation(
                format!("resources:{}", service.service),
                DeviationKind::ExtraService,
                summary,
                span,
            ));
            continue;
        }
        let (Some(mine), Some(reference)) = (&service.engagement, &service.reference) else {
            continue;
        };
        let verdicts: Vec<_> = [
            ("CPU limits", service.cpu),
            ("memory limits", service.memory),
        ]
        .into_iter()
        .filter_map(|(what, fit)| describe(what, fit))
        .collect();
        // Under-provisioning outweighs being generous elsewhere.
        let kind = if verdicts
            .iter()
            .any(|(k, _)| *k == DeviationKind::UnderProvisioned)
        {
            DeviationKind::UnderProvisioned
        } else if let Some((kind, _)) = verdicts.first() {
            *kind
        } else {
            continue;
        };
        let summary = format!(
            "`{}`: {} the {} reference ({} CPU, {} memory against {} CPU, {} memory, limits across replicas)",
            service.service,
            verdicts
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            comparison.size,
            mine.cpu_limit,
            mine.memory_limit.readable(),
            reference.cpu_limit,
            reference.memory_limit.readable()
        );
        found.push(deviation(
            format!("resources:{}", service.service),
            kind,
            summary,
            span,
        ));
    }
    let total = [
        ("CPU limits", comparison.cpu),
        ("memory limits", comparison.memory),
    ]
    .into_iter()
    .filter_map(|(what, fit)| describe(what, fit))
    .collect::<Vec<_>>();
    if let Some((first_kind, _)) = total.first() {
        let kind = if total
            .iter()
            .any(|(k, _)| *k == DeviationKind::UnderProvisioned)
        {
            DeviationKind::UnderProvisioned
        } else {
            *first_kind
        };
        let summary = format!(
            "total {} the {} reference ({} CPU, {} memory against {} CPU, {} memory)",
            total
                .iter()
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            comparison.size,
            comparison.engagement_total.cpu_limit,
            comparison.engagement_total.memory_limit.readable(),
            comparison.reference_total.cpu_limit,
            comparison.reference_total.memory_limit.readable()
        );
        found.push(deviation(
            "resources:total".to_string(),
            kind,
            summary,
            e.id.span(),
        ));
    }
    found
}

/// A single machine smaller, or much larger, than the reference's.
fn machine_deviation(e: &Engagement, machine: &MachineComparison) -> Option<Deviation> {
    let kind = match (machine.cpu, machine.memory_fit) {
        (Fit::Under, _) | (_, Fit::Under) => DeviationKind::UnderProvisioned,
        (Fit::Over, _) | (_, Fit::Over) => DeviationKind::RightSize,
        _ => return None,
    };
    let direction = if kind == DeviationKind::UnderProvisioned {
        "smaller"
    } else {
        "much larger"
    };
    let summary = format!(
        "the machine ({} vCPU, {} memory) is {direction} than the {} reference single node ({} vCPU, {} memory{})",
        machine.vcpu,
        machine.memory.readable(),
        machine.size,
        machine.reference_vcpu,
        machine.reference_memory.readable(),
        machine
            .reference_instance_type
            .as_ref()
            .map_or(String::new(), |t| format!(", {t}"))
    );
    Some(deviation(
        "resources:total".to_string(),
        kind,
        summary,
        e.id.span(),
    ))
}

/// Node groups smaller than the reference's nodes. A different instance
/// type that meets or exceeds the reference's vCPU and memory is fine.
fn instance_type_deviations(
    e: &Engagement,
    size: &crate::model::ReferenceArchitecture,
    thresholds: &crate::model::Thresholds,
) -> Vec<Deviation> {
    // The reference's pools for this provider; for a provider the reference
    // lists no instance types for (on-prem), every pool's shape applies.
    let provider = e.deployment.provider.as_str();
    let for_provider = |pool: &crate::model::NodePool| {
        pool.instance_types
            .iter()
            .find(|(p, _)| p.as_str() == provider)
            .map(|(_, instance_type)| instance_type.clone())
    };
    let has_provider = size
        .node_pool
        .iter()
        .any(|pool| for_provider(pool).is_some());
    let reference_nodes: Vec<(u32, crate::model::Bytes, String)> = size
        .node_pool
        .iter()
        .filter_map(|pool| match for_provider(pool) {
            Some(instance_type) => Some((pool.vcpu, pool.memory, instance_type)),
            None if !has_provider => {
                Some((pool.vcpu, pool.memory, format!("`{}` pool node", pool.name)))
            }
            None => None,
        })
        .collect();
    let Some(smallest) = reference_nodes
        .iter()
        .min_by_key(|(vcpu, memory, _)| (*vcpu, *memory))
    else {
        return Vec::new();
    };
    let service_nodes: Vec<&crate::model::Node> = e
        .resourcing
        .node
        .iter()
        .filter(|node| node.runs == crate::model::NodeRole::Services)
        .collect();
    let is_single_node = service_nodes.len() == 1 && service_nodes[0].count == 1;
    service_nodes
        .into_iter()
        .filter(|node| {
            let smaller = |actual: u64, reference: u64| super::resourcing::fit(actual, reference, thresholds) == Fit::Under;
            !is_single_node
                && (smaller(u64::from(node.vcpu), u64::from(smallest.0)) || smaller(node.memory.bytes(), smallest.1.bytes()))
        })
        .map(|node| {
            let summary = format!(
                "pool `{}` runs {} ({} vCPU, {} memory), smaller than the {} reference node {} ({} vCPU, {} memory)",
                node.pool,
                node.instance_type,
                node.vcpu,
                node.memory.readable(),
                size.id.as_str(),
                smallest.2,
                smallest.0,
                smallest.1.readable()
            );
            deviation(format!("instance-type:{}", node.pool), DeviationKind::InstanceType, summary, e.id.span())
        })
        .collect()
}

fn support_window_deviation(site: &Site, e: &Engagement) -> Option<Deviation> {
    let window = site.releases.support_window();
    let release = e.deployment.release.release();
    if window.is_empty() || window.contains(&release) {
        return None;
    }
    let names: Vec<String> = window.iter().map(ToString::to_string).collect();
    let summary = format!(
        "production runs {release}, outside the support window ({})",
        names.join(", ")
    );
    Some(deviation(
        "release:support-window".to_string(),
        DeviationKind::SupportWindow,
        summary,
        e.deployment.release.span(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixture;
    use crate::model::{Bytes, Cpu};

    fn find<'a>(site: &'a Site, id: &str) -> &'a Engagement {
        site.engagements
            .iter()
            .find(|e| e.id.as_str() == id)
            .unwrap()
    }

    #[test]
    fn resourcing_totals_match_the_hand_computed_figures() {
        let site = fixture("analysis");
        let found = deviations_of(&site, find(&site, "acme"));
        // 4 000 agreed users → m.
        assert_eq!(found.sizing.short(), "m");
        let resources = found.resources.unwrap();
        // Engagement: frontend 3 × 4 CPU / 3 × 8G, gitserver 4 CPU / 16G.
        assert_eq!(
            resources.engagement_total.cpu_limit,
            Cpu::from_millicores(16_000)
        );
        assert_eq!(
            resources.engagement_total.memory_limit,
            Bytes::from_bytes(40_000_000_000)
        );
        assert_eq!(
            resources.engagement_total.cpu_request,
            Cpu::from_millicores(8_000)
        );
        assert_eq!(resources.engagement_total.storage, "500Gi".parse().unwrap());
        // Reference over the same services: frontend 2 × 4 / 2 × 8G, gitserver 6 / 26G.
        assert_eq!(
            resources.reference_total.cpu_limit,
            Cpu::from_millicores(14_000)
        );
        assert_eq!(
            resources.reference_total.memory_limit,
            Bytes::from_bytes(42_000_000_000)
        );
        assert_eq!(
            (resources.cpu, resources.memory),
            (Fit::Within, Fit::Within)
        );
        let frontend = resources
            .services
            .iter()
            .find(|s| s.service == "frontend")
            .unwrap();
        assert_eq!(
            frontend.cpu,
            Fit::Within,
            "exactly +50% is within the right-size threshold"
        );
        let gitserver = resources
            .services
            .iter()
            .find(|s| s.service == "gitserver")
            .unwrap();
        assert_eq!((gitserver.cpu, gitserver.memory), (Fit::Under, Fit::Under));
        let pgsql = resources
            .services
            .iter()
            .find(|s| s.service == "pgsql")
            .unwrap();
        assert_eq!(pgsql.cpu, Fit::NotDeployed, "externalized to RDS");
    }

    #[test]
    fn declared_deviations_are_accepted_and_missing_ones_stale() {
        let site = fixture("analysis");
        let acme = find(&site, "acme");
        let found = deviations_of(&site, acme);
        let subjects: Vec<(&str, DeviationStatus)> = found
            .deviations
            .iter()
            .map(|d| (d.subject.as_str(), d.status))
            .collect();
        assert_eq!(
            subjects,
            [
                ("resources:gitserver", DeviationStatus::Accepted),
                ("instance-type:default", DeviationStatus::Undeclared),
            ]
        );
        assert_eq!(found.stale, [1], "rule:method-kustomize no longer applies");
    }

    #[test]
    fn a_single_node_method_compares_the_machine_with_the_reference_node() {
        let site = fixture("analysis");
        let found = deviations_of(&site, find(&site, "cobalt"));
        assert!(
            found.resources.is_none(),
            "no per-service comparison for a machine image"
        );
        let machine = found.machine.unwrap();
        // 800 users → s, whose single node is 16 vCPU and 64G; the VM has 8 and 32Gi.
        assert_eq!((machine.vcpu, machine.reference_vcpu), (8, 16));
        assert_eq!((machine.cpu, machine.memory_fit), (Fit::Under, Fit::Under));
        assert_eq!(
            machine.reference_instance_type.as_deref(),
            Some("m6a.4xlarge")
        );
        let total = found
            .deviations
            .iter()
            .find(|d| d.subject == "resources:total")
            .unwrap();
        assert_eq!(total.kind, DeviationKind::UnderProvisioned);
        assert_eq!(
            total.summary,
            "the machine (8 vCPU, 32Gi memory) is smaller than the s reference single node (16 vCPU, 64G memory, m6a.4xlarge)"
        );
    }

    #[test]
    fn configuration_choices_are_checked_against_the_rules() {
        let site = fixture("analysis");
        let found = deviations_of(&site, find(&site, "borealis"));
        let subjects: Vec<&str> = found
            .deviations
            .iter()
            .map(|d| d.subject.as_str())
            .collect();
        assert_eq!(
            subjects,
            [
                "rule:external-postgres-below-16",
                "rule:arm64-production",
                "rule:method-kustomize",
                "rule:releases-old",
                "rule:arm64-non-production",
                "release:support-window",
            ]
        );
        assert!(
            found
                .deviations
                .iter()
                .all(|d| d.status == DeviationStatus::Undeclared)
        );
        assert_eq!(
            found.sizing.short(),
            "l",
            "8 000 licensed users, no agreed limit"
        );
        assert!(found.resources.is_none(), "no resourcing recorded");
    }

    #[test]
    fn a_rule_on_an_external_service_points_at_that_service() {
        let site = fixture("analysis");
        let borealis = find(&site, "borealis");
        let found = deviations_of(&site, borealis);
        let postgres = found
            .deviations
            .iter()
            .find(|d| d.subject == "rule:external-postgres-below-16")
            .unwrap();
        let text = &site.sources["data/engagements/borealis.toml"];
        assert_eq!(
            &text[postgres.span.clone()],
            "\"postgres\"",
            "not the first external service, object-storage"
        );
    }
}
