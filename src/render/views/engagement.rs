//! The handoff page of one engagement, and the list of all of them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::sizes::ResourceTotals;
use super::{Link, Names, StatusView, cores, percent, status_view};
use crate::analysis::EngagementFacts;
use crate::analysis::deviations::{Deviation, DeviationKind, DeviationStatus};
use crate::analysis::fleet::{Fleet, Group};
use crate::analysis::resourcing::{Fit, Totals};
use crate::analysis::upgrades::UpgradePath;
use crate::model::{CriterionStatus, Engagement, LogStatus, MilestoneStatus, Site};
use crate::render::markdown;
use crate::render::templates::thousands;
use crate::render::urls::Urls;

/// One row of the engagement list.
#[derive(Debug, Serialize)]
pub struct EngagementRow {
    pub id: String,
    pub path: String,
    pub customer: String,
    pub status: String,
    pub strategy: String,
    pub strategy_id: String,
    pub method: String,
    pub method_id: String,
    pub provider: String,
    pub provider_id: String,
    pub release: String,
    pub release_minor: String,
    pub in_window: bool,
    pub size: String,
    pub verdict: StatusView,
    pub exit_done: usize,
    pub exit_total: usize,
    pub exit_percent: u32,
    pub undeclared: usize,
    pub confidential: bool,
}

#[derive(Debug, Serialize)]
pub struct EngagementListView {
    /// Where the rows go: a marker the renderer replaces with each
    /// engagement's `engagement-row.html`.
    pub rows_html: String,
    pub statuses: Vec<String>,
    pub methods: Vec<Link>,
    pub providers: Vec<Link>,
    pub sizes: Vec<Link>,
    pub releases: Vec<String>,
    pub strategies: Vec<Link>,
}

/// The engagement list around its rows, `rows_html`: each row is rendered
/// on its own from [`list_row`] and kept between builds.
pub fn list_view(site: &Site, fleet: &Fleet, rows_html: String) -> EngagementListView {
    let names = Names::new(site);
    // Each filter's values are those the fleet groups engagements by.
    let linked = |groups: &BTreeMap<String, Group>, name: &dyn Fn(&str) -> String| -> Vec<Link> {
        groups
            .keys()
            .map(|id| Link::new(name(id), id.as_str()))
            .collect()
    };
    EngagementListView {
        statuses: fleet.statuses().into_iter().map(str::to_string).collect(),
        methods: linked(&fleet.by_method, &|id| names.method(id)),
        providers: linked(&fleet.by_provider, &|id| names.provider(id)),
        sizes: linked(&fleet.by_size, &|id| names.size(id)),
        // Newest first.
        releases: fleet
            .by_release
            .keys()
            .rev()
            .map(|(major, minor)| format!("{major}.{minor}"))
            .collect(),
        strategies: linked(&fleet.by_strategy, &|id| names.strategy(id)),
        rows_html,
    }
}

/// One row of the engagement list.
pub fn list_row(site: &Site, e: &Engagement, facts: &EngagementFacts) -> EngagementRow {
    row(site, &Names::new(site), e, facts)
}

fn row(site: &Site, names: &Names<'_>, e: &Engagement, facts: &EngagementFacts) -> EngagementRow {
    let found = &facts.deviations;
    let verdict_status = facts.status;
    let exit_total = site
        .catalog
        .exit_criterion
        .len()
        .max(e.exit_criterion.len());
    let exit_done = e.exit_criteria_done();
    EngagementRow {
        id: e.id.to_string(),
        path: format!("engagements/{}/", e.id.as_str()),
        customer: e.customer.clone(),
        status: e.status.id().to_string(),
        strategy: names.strategy(e.strategy.as_str()),
        strategy_id: e.strategy.to_string(),
        method: names.method(e.deployment.method.as_str()),
        method_id: e.deployment.method.to_string(),
        provider: names.provider(e.deployment.provider.as_str()),
        provider_id: e.deployment.provider.to_string(),
        release: e.deployment.release.to_string(),
        release_minor: e.deployment.release.release().to_string(),
        in_window: site
            .releases
            .support_window()
            .contains(&e.deployment.release.release()),
        size: facts.size.clone(),
        verdict: status_view(site, verdict_status),
        exit_done,
        exit_total,
        exit_percent: percent(exit_done, exit_total),
        undeclared: found
            .deviations
            .iter()
            .filter(|d| d.status == DeviationStatus::Undeclared)
            .count(),
        confidential: e.confidential,
    }
}

/// Everything on the handoff page.
#[derive(Debug, Serialize)]
pub struct EngagementView {
    pub row: EngagementRow,
    pub summary: String,
    pub dashboard: Vec<Fact>,
    pub team: Vec<Fact>,
    pub links: Vec<Link>,
    pub dates: Vec<Fact>,
    pub environments: Vec<EnvironmentRow>,
    pub nodes: Vec<NodeRow>,
    pub nodes_total: NodeRow,
    pub services: Vec<ServiceComparisonRow>,
    pub services_total: Option<ResourceTotals>,
    pub reference_total: Option<ResourceTotals>,
    pub reference_size: Option<Link>,
    pub sizing_note: String,
    pub machine: Option<MachineRow>,
    pub deviations: Vec<DeviationView>,
    pub stale: Vec<StaleView>,
    pub code: Vec<Fact>,
    pub code_hosts: Vec<CodeHostRow>,
    pub usage: Vec<Fact>,
    pub externals: Vec<ExternalRow>,
    pub features: Vec<Fact>,
    pub executors: Vec<ExecutorRow>,
    pub upgrades: Vec<Fact>,
    pub procedure: String,
    pub path: Option<PathView>,
    pub history: Vec<HistoryRow>,
    pub issues: Vec<LogRow>,
    pub risks: Vec<RiskRow>,
    pub expansions: Vec<ExpansionRow>,
    pub stakeholders_internal: Vec<StakeholderRow>,
    pub stakeholders_external: Vec<StakeholderRow>,
    pub exit_criteria: Vec<CriterionRow>,
    pub milestones: Vec<MilestoneRow>,
    pub tasks: Vec<TaskRow>,
    pub escalations: Vec<EscalationRow>,
    pub replica: Vec<Fact>,
    pub load_tests: Vec<LoadTestRow>,
    pub ownership: Vec<Fact>,
    pub notes: String,
    pub prose: Option<String>,
    /// The production configuration as a query for the support checker.
    pub checker_query: String,
    /// CPU and memory limits against the reference, service by service, as
    /// SVG charts (empty without a per-service comparison).
    pub resource_charts: Vec<String>,
    /// The production design as an SVG diagram.
    pub topology: String,
}

#[derive(Debug, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
    pub link: Option<String>,
}

fn fact(label: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: label.to_string(),
        value: value.into(),
        link: None,
    }
}

fn linked(label: &str, value: impl Into<String>, link: impl Into<String>) -> Fact {
    Fact {
        label: label.to_string(),
        value: value.into(),
        link: Some(link.into()),
    }
}

#[derive(Debug, Serialize)]
pub struct EnvironmentRow {
    pub name: String,
    pub method: String,
    pub release: String,
    pub size: Link,
    pub purpose: String,
    pub url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NodeRow {
    pub pool: String,
    pub runs: String,
    pub count: u64,
    pub instance_type: String,
    pub vcpu: u64,
    pub memory: String,
    pub disk: String,
}

#[derive(Debug, Serialize)]
pub struct ServiceComparisonRow {
    pub id: String,
    pub name: String,
    pub replicas: String,
    pub cpu: String,
    pub memory: String,
    pub storage: String,
    pub reference_cpu: String,
    pub reference_memory: String,
    pub cpu_fit: Fit,
    pub memory_fit: Fit,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct MachineRow {
    pub vcpu: u64,
    pub memory: String,
    pub reference_vcpu: u64,
    pub reference_memory: String,
    pub reference_instance_type: Option<String>,
    pub cpu_fit: Fit,
    pub memory_fit: Fit,
}

#[derive(Debug, Serialize)]
pub struct DeviationView {
    pub subject: String,
    pub kind: DeviationKind,
    pub kind_label: String,
    pub summary: String,
    pub rule_status: Option<StatusView>,
    pub source: Option<String>,
    pub status: DeviationStatus,
    pub description: Option<String>,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    /// What to do about an undeclared deviation.
    pub action: String,
}

#[derive(Debug, Serialize)]
pub struct StaleView {
    pub subject: String,
    pub description: String,
    pub approved_by: String,
}

#[derive(Debug, Serialize)]
pub struct CodeHostRow {
    pub kind: String,
    pub version: String,
    pub repositories: String,
    pub notes: String,
}

#[derive(Debug, Serialize)]
pub struct ExternalRow {
    pub kind: String,
    pub version: String,
    pub offering: String,
    pub notes: String,
}

#[derive(Debug, Serialize)]
pub struct ExecutorRow {
    pub runtime: String,
    pub instances: u32,
    pub queues: String,
    pub notes: String,
}

#[derive(Debug, Serialize)]
pub struct PathView {
    pub from: String,
    pub to: String,
    pub hops: Vec<HopRow>,
    pub stops: Vec<Fact>,
    pub blockers: Vec<BlockerRow>,
    pub current: bool,
}

#[derive(Debug, Serialize)]
pub struct HopRow {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub downtime: String,
    pub because: String,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BlockerRow {
    pub release: String,
    pub rule: String,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct HistoryRow {
    pub date: String,
    pub from: String,
    pub to: String,
    pub days_after_ga: Option<i64>,
    pub within_goal: bool,
    pub notes: String,
}

#[derive(Debug, Serialize)]
pub struct LogRow {
    pub title: String,
    pub status: String,
    pub opened: String,
    pub owner: String,
    pub link: Option<String>,
    pub resolution: String,
}

#[derive(Debug, Serialize)]
pub struct RiskRow {
    pub title: String,
    pub likelihood: String,
    pub impact: String,
    pub mitigation: String,
    pub owner: String,
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct ExpansionRow {
    pub title: String,
    pub description: String,
    pub users: String,
    pub features: String,
}

#[derive(Debug, Serialize)]
pub struct StakeholderRow {
    pub name: String,
    pub role: String,
    pub contact: String,
}

#[derive(Debug, Serialize)]
pub struct CriterionRow {
    pub name: String,
    pub status: String,
    pub status_label: String,
    pub evidence: String,
    pub date: String,
}

#[derive(Debug, Serialize)]
pub struct MilestoneRow {
    pub name: String,
    pub due: String,
    pub done: String,
    pub status: String,
    pub late: bool,
}

#[derive(Debug, Serialize)]
pub struct TaskRow {
    pub title: String,
    pub owner: String,
    pub status: String,
    pub due: String,
}

#[derive(Debug, Serialize)]
pub struct EscalationRow {
    pub title: String,
    pub date: String,
    pub team: String,
    pub link: String,
    pub outcome: String,
}

#[derive(Debug, Serialize)]
pub struct LoadTestRow {
    pub tool: String,
    pub date: String,
    pub environment: String,
    pub scenario: String,
    pub result: String,
    pub notes: String,
}

pub fn engagement_view(
    site: &Site,
    e: &Engagement,
    facts: &EngagementFacts,
    urls: &Urls,
    prose: Option<String>,
) -> EngagementView {
    let names = Names::new(site);
    let found = &facts.deviations;
    let d = &e.deployment;
    let service_nodes = e.resourcing.node.iter();
    let node_rows: Vec<NodeRow> = service_nodes
        .map(|n| NodeRow {
            pool: n.pool.clone(),
            runs: format!("{:?}", n.runs).to_lowercase(),
            count: u64::from(n.count),
            instance_type: n.instance_type.clone(),
            vcpu: u64::from(n.vcpu),
            memory: n.memory.to_string(),
            disk: n.disk.to_string(),
        })
        .collect();
    let totals = e.resourcing.totals();
    let (total_vcpu, total_memory, total_disk) = (totals.vcpu, totals.memory, totals.disk);
    let instance_types: Vec<String> = e
        .resourcing
        .node
        .iter()
        .map(|n| format!("{} × {}", n.count, n.instance_type))
        .collect();
    let size_id = found.sizing.short().to_string();
    let reference_size = site
        .sizes
        .iter()
        .find(|s| s.id.as_str() == size_id || matches!(&found.sizing, crate::analysis::sizing::Sizing::ContactSupport { largest, .. } if largest == s.id.as_str()))
        .map(|s| Link::new(s.name.clone(), format!("reference-architectures/{}/", s.id.as_str())));

    let mut dashboard = vec![
        linked("Instance", d.instance_url.clone(), d.instance_url.clone()),
        fact("Deployment", names.method(d.method.as_str())),
        fact(
            "Hosting provider",
            format!(
                "{}{}",
                names.provider(d.provider.as_str()),
                if d.region.is_empty() {
                    String::new()
                } else {
                    format!(", {}", d.region)
                }
            ),
        ),
        fact("Release in production", d.release.to_string()),
    ];
    if let Some(distribution) = &d.kubernetes_distribution {
        dashboard.push(fact(
            "Kubernetes",
            format!(
                "{} {}",
                names.distribution(distribution.as_str()),
                d.kubernetes_version
                    .as_ref()
                    .map_or(String::new(), |v| v.to_string())
            ),
        ));
    } else if let Some(version) = &d.kubernetes_version {
        dashboard.push(fact("Kubernetes", version.to_string()));
    }
    dashboard.push(fact("CPU architecture", names.arch(d.arch.as_str())));
    if !d.ingress.is_empty() {
        dashboard.push(fact("Ingress", d.ingress.clone()));
    }
    if !instance_types.is_empty() {
        dashboard.push(fact("Machine instance types", instance_types.join(", ")));
        dashboard.push(fact("Total CPU", format!("{total_vcpu} vCPU")));
        dashboard.push(fact(
            "Total memory",
            format!(
                "{} ({:.0} GB)",
                total_memory.readable(),
                total_memory.gigabytes()
            ),
        ));
        dashboard.push(fact(
            "Total disk",
            format!(
                "{} ({:.0} GB)",
                total_disk.readable(),
                total_disk.gigabytes()
            ),
        ));
    }
    dashboard.push(fact(
        "Code hosts",
        e.code
            .host
            .iter()
            .map(|h| names.code_host(h.kind.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    dashboard.push(fact(
        "Repositories",
        thousands(&e.code.repositories_synced().to_string()),
    ));
    if let Some(monorepos) = e.code.monorepos {
        dashboard.push(fact("Monorepos", monorepos.to_string()));
    }
    if let Some(mb) = e.code.largest_repo_mb {
        dashboard.push(fact(
            "Largest repository",
            format!("{} MB", thousands(&mb.to_string())),
        ));
    }

    let t = &e.team;
    let team = [
        ("Implementation engineer", &t.implementation_engineer),
        ("Project manager", &t.project_manager),
        ("Customer engineer", &t.customer_engineer),
        ("Account executive", &t.account_executive),
        ("Technical advisor", &t.technical_advisor),
    ]
    .iter()
    .filter(|(_, name)| !name.is_empty())
    .map(|(label, name)| fact(label, (*name).clone()))
    .collect();
    let l = &e.links;
    let links = [
        ("Technical design document", &l.technical_design),
        ("Project plan", &l.project_plan),
        ("Opportunity", &l.opportunity),
    ]
    .iter()
    .filter_map(|(label, link)| link.as_ref().map(|href| Link::new(*label, href.clone())))
    .collect();
    let kd = &e.dates;
    let dates = [
        ("Kickoff", kd.kickoff),
        (
            "Production infrastructure started",
            kd.production_start.as_ref().map(|d| **d),
        ),
        (
            "Production infrastructure completed",
            kd.production_complete.as_ref().map(|d| **d),
        ),
        ("Handed off", kd.handoff.as_ref().map(|d| **d)),
    ]
    .iter()
    .filter_map(|(label, date)| date.map(|date| fact(label, date.to_string())))
    .collect();

    let (services, services_total, reference_total) = match &found.resources {
        Some(comparison) => {
            let rows = comparison
                .services
                .iter()
                .map(|s| {
                    let (replicas, cpu, memory, storage) = match &s.engagement {
                        Some(mine) => {
                            let declared = e
                                .resourcing
                                .service
                                .iter()
                                .find(|x| x.id.as_str() == s.service);
                            (
                                mine.replicas.to_string(),
                                declared.map_or(String::new(), |x| {
                                    format!("{} / {}", cores(*x.cpu.request), cores(*x.cpu.limit))
                                }),
                                declared.map_or(String::new(), |x| {
                                    format!(
                                        "{} / {}",
                                        x.memory.request.value(),
                                        x.memory.limit.value()
                                    )
                                }),
                                declared
                                    .and_then(|x| x.storage)
                                    .map_or("–".into(), |b| b.to_string()),
                            )
                        }
                        None => ("–".into(), "–".into(), "–".into(), "–".into()),
                    };
                    let reference = size_id_service(site, &comparison.size, &s.service);
                    let note = match (s.cpu, s.memory) {
                        (Fit::NotDeployed, _) => externalized_note(site, e, &s.service),
                        (Fit::NotInReference, _) => "Not in the reference".to_string(),
                        (Fit::Under, _) | (_, Fit::Under) => "Under-provisioned".to_string(),
                        (Fit::Over, _) | (_, Fit::Over) => "Right-size".to_string(),
                        _ => "Within".to_string(),
                    };
                    ServiceComparisonRow {
                        id: s.service.clone(),
                        name: names.service(&s.service),
                        replicas,
                        cpu,
                        memory,
                        storage,
                        reference_cpu: reference
                            .as_ref()
                            .map_or("–".into(), |r| format!("{} × {} / {}", r.0, r.1, r.2)),
                        reference_memory: reference
                            .as_ref()
                            .map_or("–".into(), |r| format!("{} × {} / {}", r.0, r.3, r.4)),
                        cpu_fit: s.cpu,
                        memory_fit: s.memory,
                        note,
                    }
                })
                .collect();
            (
                rows,
                Some(ResourceTotals::from(&comparison.engagement_total)),
                Some(ResourceTotals::from(&comparison.reference_total)),
            )
        }
        None if !e.resourcing.service.is_empty() => {
            let totals = Totals::sum(
                e.resourcing
                    .service
                    .iter()
                    .map(Totals::of)
                    .collect::<Vec<_>>()
                    .iter(),
            );
            let rows = e
                .resourcing
                .service
                .iter()
                .map(|x| ServiceComparisonRow {
                    id: x.id.to_string(),
                    name: names.service(x.id.as_str()),
                    replicas: x.replicas.to_string(),
                    cpu: format!("{} / {}", cores(*x.cpu.request), cores(*x.cpu.limit)),
                    memory: format!("{} / {}", x.memory.request.value(), x.memory.limit.value()),
                    storage: x.storage.map_or("–".into(), |b| b.to_string()),
                    reference_cpu: "–".into(),
                    reference_memory: "–".into(),
                    cpu_fit: Fit::Within,
                    memory_fit: Fit::Within,
                    note: String::new(),
                })
                .collect();
            (rows, Some(ResourceTotals::from(&totals)), None)
        }
        None => (Vec::new(), None, None),
    };

    let sizing_note = match &found.sizing {
        crate::analysis::sizing::Sizing::NotGiven => {
            "No usage figures to size against.".to_string()
        }
        crate::analysis::sizing::Sizing::Fits { name, .. } => format!(
            "{} users and {} repositories call for the {name} reference architecture.",
            thousands(
                &e.usage
                    .agreed_limits
                    .users
                    .unwrap_or(e.usage.licensed_users)
                    .to_string()
            ),
            thousands(
                &e.usage
                    .agreed_limits
                    .repositories
                    .unwrap_or(e.code.repositories_synced())
                    .to_string()
            )
        ),
        crate::analysis::sizing::Sizing::ContactSupport {
            dimension,
            value,
            largest,
            limit,
        } => format!(
            "{dimension} {value} is beyond the largest size ({largest}, up to {limit}): contact support."
        ),
    };

    let deviations = found
        .deviations
        .iter()
        .map(|dev| deviation_view(site, e, dev))
        .collect();
    let stale = found
        .stale
        .iter()
        .map(|&i| {
            let declared = &e.deviation[i];
            StaleView {
                subject: declared.subject.to_string(),
                description: declared.description.clone(),
                approved_by: declared.approved_by.clone(),
            }
        })
        .collect();

    let c = &e.code;
    let mut code = vec![
        fact("Code hosts", e.code.host.len().to_string()),
        fact(
            "Repositories synced",
            thousands(&c.repositories_synced().to_string()),
        ),
    ];
    if let Some(loc) = c.lines_of_code {
        code.push(fact("Lines of code", thousands(&loc.to_string())));
    }
    let u = &e.usage;
    let mut usage = vec![fact(
        "Licensed users",
        thousands(&u.licensed_users.to_string()),
    )];
    for (label, value) in [
        ("Agreed upper limit: users", u.agreed_limits.users),
        (
            "Agreed upper limit: concurrent users",
            u.agreed_limits.concurrent_users,
        ),
        (
            "Agreed upper limit: repositories",
            u.agreed_limits.repositories,
        ),
    ] {
        if let Some(value) = value {
            usage.push(fact(label, thousands(&value.to_string())));
        }
    }
    let up = &e.upgrades;
    let mut upgrades = Vec::new();
    for (label, value) in [
        ("Cadence", up.cadence.clone()),
        (
            "Image scanning",
            up.image_scanning_days
                .map_or(String::new(), |d| format!("{d} days before an upgrade")),
        ),
        (
            "Promotion",
            up.promotion
                .iter()
                .map(|p| names.environment(p.as_str()))
                .collect::<Vec<_>>()
                .join(" → "),
        ),
        ("CI/CD", up.ci_cd.clone()),
        ("Change management", up.change_management.clone()),
    ] {
        if !value.is_empty() {
            upgrades.push(fact(label, value));
        }
    }

    let path = facts.path.as_ref().map(path_view);

    let history = e
        .upgrade_history
        .iter()
        .map(|u| {
            let days = site.releases.find(&u.to).map(|r| r.ga.days_until(u.date));
            HistoryRow {
                date: u.date.to_string(),
                from: u.from.to_string(),
                to: u.to.to_string(),
                days_after_ga: days,
                within_goal: days.is_some_and(|d| d <= crate::analysis::fleet::ADOPTION_GOAL_DAYS),
                notes: u.notes.clone(),
            }
        })
        .collect();

    let log_status = |s: LogStatus| {
        match s {
            LogStatus::Open => "open",
            LogStatus::Closed => "closed",
        }
        .to_string()
    };
    let level = |l: crate::model::Level| format!("{l:?}").to_lowercase();
    let stakeholder = |side: crate::model::Side| -> Vec<StakeholderRow> {
        e.stakeholder
            .iter()
            .filter(|s| s.side == side)
            .map(|s| StakeholderRow {
                name: s.name.clone(),
                role: s.role.clone(),
                contact: s.contact.clone().unwrap_or_default(),
            })
            .collect()
    };
    let exit_criteria = site
        .catalog
        .exit_criterion
        .iter()
        .map(|criterion| {
            let recorded = e.exit_criterion.iter().find(|c| *c.id == *criterion.id);
            let status = recorded.map_or(CriterionStatus::NotStarted, |c| c.status);
            CriterionRow {
                name: criterion.name.clone(),
                status: criterion_id(status).to_string(),
                status_label: criterion_label(status).to_string(),
                evidence: recorded.map_or(String::new(), |c| c.evidence.clone()),
                date: recorded
                    .and_then(|c| c.date)
                    .map_or(String::new(), |d| d.to_string()),
            }
        })
        .collect();
    let latest_date = site.releases.release.iter().map(|r| r.ga).max();
    let milestones = e
        .milestone
        .iter()
        .map(|m| MilestoneRow {
            name: m.name.clone(),
            due: m.due.to_string(),
            done: m.done.map_or(String::new(), |d| d.to_string()),
            status: format!("{:?}", m.status)
                .to_lowercase()
                .replace("notstarted", "not started")
                .replace("inprogress", "in progress"),
            late: m.done.map_or(
                m.status != MilestoneStatus::Done && latest_date.is_some_and(|today| m.due < today),
                |done| done > m.due,
            ),
        })
        .collect();

    let mut replica = Vec::new();
    if let Some(r) = &e.replica {
        replica.push(fact("Built", r.built.to_string()));
        replica.push(linked(
            "Size",
            names.size(r.size.as_str()),
            format!("reference-architectures/{}/", r.size.as_str()),
        ));
        if !r.description.is_empty() {
            replica.push(fact("Description", r.description.clone()));
        }
    }
    let ownership = e
        .ownership
        .as_ref()
        .map(|o| {
            vec![
                fact("Owner", o.owner.clone()),
                fact("Since", o.since.to_string()),
            ]
        })
        .unwrap_or_default();

    EngagementView {
        row: row(site, &names, e, facts),
        summary: e.summary.clone(),
        dashboard,
        team,
        links,
        dates,
        environments: e
            .environment
            .iter()
            .map(|env| EnvironmentRow {
                name: names.environment(env.id.as_str()),
                method: names.method(env.method.as_str()),
                release: env.release.to_string(),
                size: Link::new(
                    names.size(env.size.as_str()),
                    format!("reference-architectures/{}/", env.size.as_str()),
                ),
                purpose: env.purpose.clone(),
                url: env.url.clone(),
            })
            .collect(),
        nodes_total: NodeRow {
            pool: "Total".into(),
            runs: String::new(),
            count: totals.nodes,
            instance_type: String::new(),
            vcpu: total_vcpu,
            memory: total_memory.readable(),
            disk: total_disk.readable(),
        },
        nodes: node_rows,
        services,
        services_total,
        reference_total,
        reference_size,
        sizing_note,
        machine: found.machine.as_ref().map(|m| MachineRow {
            vcpu: m.vcpu,
            memory: m.memory.readable(),
            reference_vcpu: m.reference_vcpu,
            reference_memory: m.reference_memory.readable(),
            reference_instance_type: m.reference_instance_type.clone(),
            cpu_fit: m.cpu,
            memory_fit: m.memory_fit,
        }),
        deviations,
        stale,
        code,
        code_hosts: c
            .host
            .iter()
            .map(|h| CodeHostRow {
                kind: names.code_host(h.kind.as_str()),
                version: h.version.clone().unwrap_or_default(),
                repositories: thousands(&h.repositories.to_string()),
                notes: h.notes.clone(),
            })
            .collect(),
        usage,
        externals: e
            .external
            .iter()
            .map(|x| ExternalRow {
                kind: names.external(x.kind.as_str()),
                version: x.version.as_ref().map_or(String::new(), |v| v.to_string()),
                offering: x.offering.clone(),
                notes: x.notes.clone(),
            })
            .collect(),
        features: e
            .feature
            .iter()
            .map(|f| fact(&names.feature(f.id.as_str()), f.notes.clone()))
            .collect(),
        executors: e
            .executor
            .iter()
            .map(|x| ExecutorRow {
                runtime: names.executor(x.runtime.as_str()),
                instances: x.instances,
                queues: x.queues.join(", "),
                notes: x.notes.clone(),
            })
            .collect(),
        upgrades,
        procedure: markdown::render_with_ids(
            &up.procedure,
            urls,
            "procedure-",
            site.config.highlight_code,
        )
        .html,
        path,
        history,
        issues: e
            .issue
            .iter()
            .map(|i| LogRow {
                title: i.title.clone(),
                status: log_status(i.status),
                opened: i.opened.to_string(),
                owner: i.owner.clone(),
                link: i.link.clone(),
                resolution: i.resolution.clone(),
            })
            .collect(),
        risks: e
            .risk
            .iter()
            .map(|r| RiskRow {
                title: r.title.clone(),
                likelihood: level(r.likelihood),
                impact: level(r.impact),
                mitigation: r.mitigation.clone(),
                owner: r.owner.clone(),
                status: log_status(r.status),
            })
            .collect(),
        expansions: e
            .expansion
            .iter()
            .map(|x| ExpansionRow {
                title: x.title.clone(),
                description: x.description.clone(),
                users: x.users.map_or(String::new(), |u| thousands(&u.to_string())),
                features: x
                    .features
                    .iter()
                    .map(|f| names.feature(f.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        stakeholders_internal: stakeholder(crate::model::Side::Internal),
        stakeholders_external: stakeholder(crate::model::Side::External),
        exit_criteria,
        milestones,
        tasks: e
            .task
            .iter()
            .map(|t| TaskRow {
                title: t.title.clone(),
                owner: t.owner.clone(),
                status: log_status(t.status),
                due: t.due.map_or(String::new(), |d| d.to_string()),
            })
            .collect(),
        escalations: e
            .escalation
            .iter()
            .map(|x| EscalationRow {
                title: x.title.clone(),
                date: x.date.to_string(),
                team: x.team.clone(),
                link: x.link.clone(),
                outcome: x.outcome.clone(),
            })
            .collect(),
        replica,
        load_tests: e
            .load_test
            .iter()
            .map(|x| LoadTestRow {
                tool: x.tool.clone(),
                date: x.date.to_string(),
                environment: names.environment(x.environment.as_str()),
                scenario: x.scenario.clone(),
                result: format!("{:?}", x.result).to_lowercase(),
                notes: x.notes.clone(),
            })
            .collect(),
        ownership,
        notes: markdown::render_with_ids(&e.notes, urls, "notes-", site.config.highlight_code).html,
        prose,
        checker_query: checker_query(e),
        resource_charts: found
            .resources
            .as_ref()
            .map(resource_charts)
            .unwrap_or_default(),
        topology: topology(site, &names, e, found),
    }
}

fn size_id_service(
    site: &Site,
    size: &str,
    service: &str,
) -> Option<(u32, String, String, String, String)> {
    let size = site.sizes.iter().find(|s| s.id.as_str() == size)?;
    let s = size.service.iter().find(|s| s.id.as_str() == service)?;
    Some((
        s.replicas,
        cores(*s.cpu.request),
        cores(*s.cpu.limit),
        s.memory.request.to_string(),
        s.memory.limit.to_string(),
    ))
}

fn externalized_note(site: &Site, e: &Engagement, service: &str) -> String {
    let kind = site
        .catalog
        .service
        .iter()
        .find(|s| s.id.as_str() == service)
        .and_then(|s| s.externalizable_as.as_ref());
    match kind.and_then(|kind| e.external.iter().find(|x| *x.kind == **kind)) {
        Some(external) => format!("Externalized: {}", external.offering),
        None => "Not deployed".to_string(),
    }
}

fn deviation_view(site: &Site, e: &Engagement, d: &Deviation) -> DeviationView {
    let declared = d.declared.map(|i| &e.deviation[i]);
    let kind_label = match d.kind {
        DeviationKind::Rule => "Support rule",
        DeviationKind::Undocumented => "Not documented",
        DeviationKind::UnderProvisioned => "Under-provisioned",
        DeviationKind::RightSize => "Right-size",
        DeviationKind::ExtraService => "Not in the reference",
        DeviationKind::InstanceType => "Smaller nodes",
        DeviationKind::SupportWindow => "Support window",
    };
    let action = match (d.status, d.kind) {
        (DeviationStatus::Accepted, _) => String::new(),
        (_, DeviationKind::SupportWindow) => {
            "Plan the upgrade below, or declare the deviation with a reason.".to_string()
        }
        _ => format!(
            "Declare it in the record (subject \"{}\") with a reason and an approver, or change the configuration.",
            d.subject
        ),
    };
    DeviationView {
        subject: d.subject.clone(),
        kind: d.kind,
        kind_label: kind_label.to_string(),
        summary: d.summary.clone(),
        rule_status: d.rule_status.map(|s| status_view(site, s)),
        source: d.source.clone(),
        status: d.status,
        description: declared.map(|x| x.description.clone()),
        reason: declared.map(|x| x.reason.clone()),
        approved_by: declared.map(|x| x.approved_by.clone()),
        approved_on: declared.and_then(|x| x.approved_on).map(|d| d.to_string()),
        action,
    }
}

fn path_view(path: &UpgradePath) -> PathView {
    PathView {
        from: path.from.to_string(),
        to: path.to.to_string(),
        current: path.is_current(),
        hops: path
            .hops
            .iter()
            .map(|h| HopRow {
                from: h.from.to_string(),
                to: h.to.to_string(),
                kind: match h.kind {
                    crate::analysis::upgrades::HopKind::Standard => "standard",
                    crate::analysis::upgrades::HopKind::MultiVersion => "multi-version",
                }
                .to_string(),
                downtime: h.downtime.clone(),
                because: h.because.clone(),
                notes: h.notes.clone(),
            })
            .collect(),
        stops: path
            .stops
            .iter()
            .map(|s| Fact {
                label: s.release.to_string(),
                value: s.reason.clone(),
                link: s.source.clone(),
            })
            .collect(),
        blockers: path
            .blockers
            .iter()
            .map(|b| BlockerRow {
                release: b.release.to_string(),
                rule: b.rule.clone(),
                reason: b.reason.clone(),
                source: b.source.clone(),
            })
            .collect(),
    }
}

fn criterion_id(status: CriterionStatus) -> &'static str {
    match status {
        CriterionStatus::NotStarted => "not-started",
        CriterionStatus::InProgress => "in-progress",
        CriterionStatus::Met => "met",
        CriterionStatus::NotApplicable => "not-applicable",
    }
}

fn criterion_label(status: CriterionStatus) -> &'static str {
    match status {
        CriterionStatus::NotStarted => "Not started",
        CriterionStatus::InProgress => "In progress",
        CriterionStatus::Met => "Met",
        CriterionStatus::NotApplicable => "Not applicable",
    }
}

/// `method=helm&provider=aws&external=postgres%3D16&users=4000`: what the
/// checker on /support/ reads to open pre-filled with this configuration.
fn checker_query(e: &Engagement) -> String {
    crate::analysis::deviations::requirements_of(e)[0]
        .values()
        .iter()
        .map(|(dimension, value)| {
            // The checker offers releases as minors: 7.6.0 is asked as 7.6.
            let value = match dimension {
                crate::analysis::requirements::Dimension::Release => {
                    e.deployment.release.release().to_string()
                }
                _ => value.clone(),
            };
            format!("{}={}", dimension.name(), percent_encode(&value))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Two charts: CPU and memory limits across replicas, each service against
/// the reference size's, under- and over-provisioning marked in words.
fn resource_charts(comparison: &crate::analysis::resourcing::ResourceComparison) -> Vec<String> {
    use crate::render::charts::{Compared, compared};
    let fit_words = |fit: Fit| match fit {
        Fit::Under => ("under", ", under-provisioned"),
        Fit::Over => ("over", ", right-size"),
        _ => ("within", ""),
    };
    let rows = |cpu: bool| -> Vec<Compared> {
        comparison
            .services
            .iter()
            .filter_map(|s| {
                let mine = s.engagement?;
                let reference = s.reference;
                let (value, request, reference_value, fit) = if cpu {
                    (
                        mine.cpu_limit.cores(),
                        mine.cpu_request.cores(),
                        reference.map(|r| r.cpu_limit.cores()),
                        s.cpu,
                    )
                } else {
                    (
                        mine.memory_limit.gigabytes(),
                        mine.memory_request.gigabytes(),
                        reference.map(|r| r.memory_limit.gigabytes()),
                        s.memory,
                    )
                };
                let (class, words) = fit_words(fit);
                let unit = if cpu { " CPU" } else { " GB" };
                let caption = match reference_value {
                    Some(r) => {
                        format!("requests {request:.1}, limit {value:.1}{unit} vs {r:.1}{words}")
                    }
                    None => format!(
                        "requests {request:.1}, limit {value:.1}{unit}, not in the reference"
                    ),
                };
                Some(Compared {
                    label: s.service.clone(),
                    value,
                    request,
                    reference: reference_value,
                    caption,
                    fit: class,
                })
            })
            .collect()
    };
    vec![
        compared(
            "chart-cpu",
            &format!(
                "CPU limits against the {} reference (tick)",
                comparison.size
            ),
            &rows(true),
        ),
        compared(
            "chart-memory",
            &format!(
                "Memory limits against the {} reference (tick)",
                comparison.size
            ),
            &rows(false),
        ),
    ]
}

/// The production design drawn: ingress, cluster or machine with its node
/// pools and services, externalized services and code hosts, deviations
/// marked.
fn topology(
    site: &Site,
    names: &Names<'_>,
    e: &Engagement,
    found: &crate::analysis::deviations::EngagementDeviations,
) -> String {
    use crate::render::topology::{Element, Topology, svg};
    let deviates = |subject: String| found.deviations.iter().any(|d| d.subject == subject);
    let d = &e.deployment;
    let topology_kind = site
        .catalog
        .method
        .iter()
        .find(|m| *m.id == *d.method)
        .map(|m| m.topology);
    let cluster = match topology_kind {
        Some(crate::model::Topology::SingleNode) => {
            format!("Single machine ({})", names.method(d.method.as_str()))
        }
        Some(crate::model::Topology::Managed) => "Run by the vendor".to_string(),
        _ => match (&d.kubernetes_distribution, &d.kubernetes_version) {
            (Some(distribution), version) => format!(
                "Kubernetes cluster ({}{})",
                names.distribution(distribution.as_str()),
                version
                    .as_ref()
                    .map_or(String::new(), |v| format!(" {}", **v))
            ),
            (None, Some(version)) => format!("Kubernetes cluster ({})", **version),
            (None, None) => names.method(d.method.as_str()),
        },
    };
    let topology = Topology {
        title: format!("Production at {}", e.customer),
        cluster,
        ingress: (!d.ingress.is_empty()).then(|| d.ingress.clone()),
        pools: e
            .resourcing
            .node
            .iter()
            .map(|n| Element {
                label: format!(
                    "{}: {} × {}{}{}",
                    n.pool,
                    n.count,
                    n.instance_type,
                    // On-premises machines are often named by their shape
                    // already ("vSphere VM (8 vCPU, 32 GB)"); say it once.
                    if n.instance_type.contains("vCPU") {
                        String::new()
                    } else {
                        format!(" ({} vCPU, {})", n.vcpu, n.memory.readable())
                    },
                    if n.runs == crate::model::NodeRole::Executors {
                        ", executors"
                    } else {
                        ""
                    }
                ),
                deviates: deviates(format!("instance-type:{}", n.pool)),
            })
            .collect(),
        services: e
            .resourcing
            .service
            .iter()
            .map(|s| Element {
                label: format!("{} ×{}", s.id.as_str(), s.replicas),
                deviates: deviates(format!("resources:{}", s.id.as_str())),
            })
            .collect(),
        externals: e
            .external
            .iter()
            .map(|x| Element {
                label: format!(
                    "{}{}: {}",
                    names.external(x.kind.as_str()),
                    x.version
                        .as_ref()
                        .map_or(String::new(), |v| format!(" {}", **v)),
                    x.offering
                ),
                deviates: deviates("undocumented:external".into()),
            })
            .collect(),
        code_hosts: e
            .code
            .host
            .iter()
            .map(|h| Element {
                label: format!(
                    "{}: {} repos",
                    names.code_host(h.kind.as_str()),
                    thousands(&h.repositories.to_string())
                ),
                deviates: false,
            })
            .collect(),
    };
    svg("topology", &topology)
}
