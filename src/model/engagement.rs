//! `data/engagements/<id>.toml`: one customer implementation each, the
//! handoff record. Every group of fields comes from the implementation
//! team's own checklists (the implementation documentation list, the TA
//! handoff dashboard, the exit criteria, the project plan).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    ArchId, At, Bytes, CodeHostId, Date, DistributionId, EngagementId, EnvironmentId, ExecutorId,
    ExitCriterionId, ExternalId, FeatureId, MethodId, ProviderId, ServiceResources, SizeId,
    StrategyId, Version,
};

/// The handoff record of one customer implementation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    /// The file the record was read from, relative to the site root; set by
    /// the loader so that later checks can point into it.
    #[serde(skip)]
    #[schemars(skip)]
    pub file: String,
    /// The engagement id, equal to the file name.
    pub id: At<EngagementId>,
    /// The customer's name as the account team writes it.
    pub customer: String,
    /// The implementation strategy (`jointly-deployed`, `ce-owned`, …).
    pub strategy: At<StrategyId>,
    /// Where the implementation stands.
    pub status: EngagementStatus,
    /// Leaves the engagement out of builds whose profile excludes
    /// confidential customers.
    #[serde(default)]
    pub confidential: bool,
    /// What was implemented and why, in a sentence or two.
    #[serde(default)]
    pub summary: String,
    /// Who worked on it.
    pub team: Team,
    /// Links to the documents behind the record.
    #[serde(default)]
    pub links: Links,
    /// Key dates.
    #[serde(default)]
    pub dates: KeyDates,
    /// The production deployment.
    pub deployment: Deployment,
    /// Every environment deployed (dev, staging, prod, replica).
    #[serde(default)]
    pub environment: Vec<Environment>,
    /// Production resourcing: nodes and per-service requests and limits.
    /// Totals are derived, never typed.
    #[serde(default)]
    pub resourcing: Resourcing,
    /// Code statistics.
    #[serde(default)]
    pub code: Code,
    /// Licensed users and the upper limits agreed for the deployment.
    pub usage: Usage,
    /// Services run outside the deployment (managed PostgreSQL, S3, …).
    #[serde(default)]
    pub external: Vec<ExternalService>,
    /// Features in use.
    #[serde(default)]
    pub feature: Vec<FeatureUse>,
    /// Executors, when batch changes or auto-indexing run server-side.
    #[serde(default)]
    pub executor: Vec<ExecutorDeployment>,
    /// How the customer upgrades and manages change.
    #[serde(default)]
    pub upgrades: UpgradeProcedure,
    /// Deviations from the reference that were decided on purpose.
    #[serde(default)]
    pub deviation: Vec<DeclaredDeviation>,
    /// Issues log: active problems that need resolving.
    #[serde(default)]
    pub issue: Vec<Issue>,
    /// Risk log: problems that may come, and the response planned.
    #[serde(default)]
    pub risk: Vec<Risk>,
    /// Expansion opportunities to hand to the technical advisor.
    #[serde(default)]
    pub expansion: Vec<Expansion>,
    /// Stakeholders, internal and external.
    #[serde(default)]
    pub stakeholder: Vec<Stakeholder>,
    /// The exit criteria, each with status and evidence.
    #[serde(default)]
    pub exit_criterion: Vec<ExitCriterion>,
    /// Project plan milestones.
    #[serde(default)]
    pub milestone: Vec<Milestone>,
    /// Open and finished tasks of the project plan.
    #[serde(default)]
    pub task: Vec<Task>,
    /// Significant errors and engineering involvement.
    #[serde(default)]
    pub escalation: Vec<Escalation>,
    /// The internal replica environment, when one was built.
    #[serde(default)]
    pub replica: Option<Replica>,
    /// Load tests run against the replica or the customer's environments.
    #[serde(default)]
    pub load_test: Vec<LoadTest>,
    /// Every upgrade of production, oldest first.
    #[serde(default)]
    pub upgrade_history: Vec<Upgrade>,
    /// Who keeps the record after handoff.
    #[serde(default)]
    pub ownership: Option<Ownership>,
    /// Anything else, in Markdown.
    #[serde(default)]
    pub notes: String,
}

/// Where an implementation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EngagementStatus {
    /// Scoped, not yet started.
    Planned,
    /// Being implemented; the record is still being written.
    InProgress,
    /// Handed off to the technical advisor; the record must be complete.
    HandedOff,
}

/// Totals of a group of nodes: derived from the record, never typed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeTotals {
    pub nodes: u64,
    pub vcpu: u64,
    pub memory: Bytes,
    pub disk: Bytes,
}

impl NodeTotals {
    pub fn of<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> NodeTotals {
        nodes
            .into_iter()
            .fold(NodeTotals::default(), |total, node| {
                let count = u64::from(node.count);
                NodeTotals {
                    nodes: total.nodes + count,
                    vcpu: total.vcpu + count * u64::from(node.vcpu),
                    memory: total.memory
                        + Bytes::from_bytes(count.saturating_mul(node.memory.bytes())),
                    disk: total.disk + Bytes::from_bytes(count.saturating_mul(node.disk.bytes())),
                }
            })
    }
}

impl Resourcing {
    /// Every node of the deployment.
    pub fn totals(&self) -> NodeTotals {
        NodeTotals::of(&self.node)
    }

    /// The nodes that run the product's services (not executors).
    pub fn service_node_totals(&self) -> NodeTotals {
        NodeTotals::of(
            self.node
                .iter()
                .filter(|node| node.runs == NodeRole::Services),
        )
    }
}

impl Engagement {
    /// Exit criteria met or not applicable.
    pub fn exit_criteria_done(&self) -> usize {
        self.exit_criterion
            .iter()
            .filter(|c| {
                matches!(
                    c.status,
                    CriterionStatus::Met | CriterionStatus::NotApplicable
                )
            })
            .count()
    }
}

impl Code {
    /// Repositories synced, across every code host.
    pub fn repositories_synced(&self) -> u64 {
        self.host.iter().map(|host| host.repositories).sum()
    }
}

impl EngagementStatus {
    pub fn id(self) -> &'static str {
        match self {
            EngagementStatus::Planned => "planned",
            EngagementStatus::InProgress => "in-progress",
            EngagementStatus::HandedOff => "handed-off",
        }
    }
}

/// The people on the implementation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Implementation engineer.
    pub implementation_engineer: String,
    /// Implementation project manager.
    #[serde(default)]
    pub project_manager: String,
    /// Customer engineer.
    #[serde(default)]
    pub customer_engineer: String,
    /// Account executive.
    #[serde(default)]
    pub account_executive: String,
    /// Technical advisor who takes over after handoff.
    #[serde(default)]
    pub technical_advisor: String,
}

/// Links to the documents behind the record.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// The technical design document.
    #[serde(default)]
    pub technical_design: Option<String>,
    /// The customer-facing project plan.
    #[serde(default)]
    pub project_plan: Option<String>,
    /// The opportunity in the CRM.
    #[serde(default)]
    pub opportunity: Option<String>,
}

/// Key dates of the implementation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyDates {
    /// Kickoff call with the customer.
    #[serde(default)]
    pub kickoff: Option<Date>,
    /// Start of the production infrastructure work.
    #[serde(default)]
    pub production_start: Option<At<Date>>,
    /// Completion of the production infrastructure.
    #[serde(default)]
    pub production_complete: Option<At<Date>>,
    /// Handoff to the technical advisor.
    #[serde(default)]
    pub handoff: Option<At<Date>>,
}

/// The production deployment: the dashboard fields of the handoff.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// URL of the production instance.
    pub instance_url: String,
    /// Deployment method id.
    pub method: At<MethodId>,
    /// Hosting provider id.
    pub provider: At<ProviderId>,
    /// Cloud region or data centre.
    #[serde(default)]
    pub region: String,
    /// Release running in production (`6.12.1792`).
    pub release: At<Version>,
    /// Kubernetes distribution id, for Kubernetes methods.
    #[serde(default)]
    pub kubernetes_distribution: Option<At<DistributionId>>,
    /// Kubernetes version, for Kubernetes methods.
    #[serde(default)]
    pub kubernetes_version: Option<At<Version>>,
    /// CPU architecture id of the nodes.
    pub arch: At<ArchId>,
    /// How traffic reaches the instance (load balancer, ingress controller).
    #[serde(default)]
    pub ingress: String,
}

/// One environment of the customer's.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Environment kind id (`dev`, `staging`, `prod`, `replica`).
    pub id: At<EnvironmentId>,
    /// Deployment method id.
    pub method: At<MethodId>,
    /// Release running there.
    pub release: At<Version>,
    /// Reference size it is built to.
    pub size: At<SizeId>,
    /// What it is used for.
    #[serde(default)]
    pub purpose: String,
    /// URL, if it has one.
    #[serde(default)]
    pub url: Option<String>,
}

/// Production resourcing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resourcing {
    /// Nodes, grouped by pool.
    #[serde(default)]
    pub node: Vec<Node>,
    /// Per-service replicas, requests, limits and storage.
    #[serde(default)]
    pub service: Vec<ServiceResources>,
}

/// A group of identical nodes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Node pool name.
    pub pool: String,
    /// What the nodes run: the product's services (compared with the
    /// reference node pools) or executors (sized per job instead).
    #[serde(default)]
    pub runs: NodeRole,
    /// Number of nodes.
    pub count: u32,
    /// Instance type (`m6a.4xlarge`).
    pub instance_type: String,
    /// vCPUs per node.
    pub vcpu: u32,
    /// Memory per node.
    pub memory: Bytes,
    /// Disk per node.
    pub disk: Bytes,
}

/// What a node pool runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NodeRole {
    /// The product's services.
    #[default]
    Services,
    /// Executors for batch changes and auto-indexing.
    Executors,
}

/// Code statistics. Repositories synced are the sum over the hosts, never
/// typed separately.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// Code hosts connected.
    #[serde(default)]
    pub host: Vec<CodeHost>,
    /// Monorepos (repositories over 2 GB).
    #[serde(default)]
    pub monorepos: Option<u64>,
    /// Size of the largest repository, in MB.
    #[serde(default)]
    pub largest_repo_mb: Option<u64>,
    /// Lines of code indexed.
    #[serde(default)]
    pub lines_of_code: Option<u64>,
}

/// A code host connected to the instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeHost {
    /// Code host kind id.
    pub kind: At<CodeHostId>,
    /// Version of a self-hosted code host.
    #[serde(default)]
    pub version: Option<String>,
    /// Repositories synced from it.
    pub repositories: u64,
    /// Anything to know about the connection.
    #[serde(default)]
    pub notes: String,
}

/// Licensed users and agreed upper limits.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    /// Licensed users.
    pub licensed_users: u64,
    /// The upper limits agreed for the deployment; sizing uses these.
    #[serde(default)]
    pub agreed_limits: AgreedLimits,
}

/// Upper limits agreed with the customer for the initial deployment.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreedLimits {
    /// Users.
    #[serde(default)]
    pub users: Option<u64>,
    /// Concurrent users.
    #[serde(default)]
    pub concurrent_users: Option<u64>,
    /// Repositories.
    #[serde(default)]
    pub repositories: Option<u64>,
}

/// A service run outside the deployment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalService {
    /// External service kind id (`postgres`, `redis`, `object-storage`).
    pub kind: At<ExternalId>,
    /// Version, for versioned kinds (`16`).
    #[serde(default)]
    pub version: Option<At<Version>>,
    /// The managed offering or product (`Amazon RDS for PostgreSQL`).
    pub offering: String,
    /// What it replaces and anything to know.
    #[serde(default)]
    pub notes: String,
}

/// A feature in use.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureUse {
    /// Feature id.
    pub id: At<FeatureId>,
    /// How it is set up.
    #[serde(default)]
    pub notes: String,
}

/// Executors deployed for server-side jobs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutorDeployment {
    /// Executor runtime id.
    pub runtime: At<ExecutorId>,
    /// Number of executor instances.
    pub instances: u32,
    /// Queues served (`batches`, `codeintel`).
    #[serde(default)]
    pub queues: Vec<String>,
    /// Where and how they run.
    #[serde(default)]
    pub notes: String,
}

/// Upgrade procedure and change management.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpgradeProcedure {
    /// How often the customer upgrades ("monthly").
    #[serde(default)]
    pub cadence: String,
    /// Days the customer's image scanning needs before an upgrade.
    #[serde(default)]
    pub image_scanning_days: Option<u32>,
    /// Environments an upgrade is promoted through, in order.
    #[serde(default)]
    pub promotion: Vec<At<EnvironmentId>>,
    /// The CI/CD stack that deploys the instance.
    #[serde(default)]
    pub ci_cd: String,
    /// Change management the customer requires.
    #[serde(default)]
    pub change_management: String,
    /// The procedure, step by step, in Markdown.
    #[serde(default)]
    pub procedure: String,
}

/// A deviation from the reference decided on purpose.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredDeviation {
    /// What deviates, in the form the analysis reports: `rule:<rule-id>`,
    /// `undocumented:<dimension>`, `resources:<service-id>`, `resources:total`,
    /// `instance-type:<pool>`, `release:support-window`.
    pub subject: At<String>,
    /// What differs from the reference.
    pub description: String,
    /// Why it was accepted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it was approved.
    #[serde(default)]
    pub approved_on: Option<Date>,
}

/// An entry of the issues log.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Issue {
    /// What is wrong.
    pub title: String,
    /// Open or resolved.
    pub status: LogStatus,
    /// When it was raised.
    pub opened: Date,
    /// Who is on it.
    #[serde(default)]
    pub owner: String,
    /// Link to the ticket or escalated issue.
    #[serde(default)]
    pub link: Option<String>,
    /// How it was, or will be, resolved.
    #[serde(default)]
    pub resolution: String,
}

/// Whether a log entry still needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LogStatus {
    /// Still needs attention.
    Open,
    /// Dealt with.
    Closed,
}

/// An entry of the risk log.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// What might go wrong.
    pub title: String,
    /// How likely it is.
    pub likelihood: Level,
    /// How bad it would be.
    pub impact: Level,
    /// What is done to prevent or respond to it.
    pub mitigation: String,
    /// Who watches it.
    #[serde(default)]
    pub owner: String,
    /// Open or closed.
    pub status: LogStatus,
}

/// Low, medium or high.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// An expansion opportunity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expansion {
    /// The opportunity.
    pub title: String,
    /// What is known about it.
    #[serde(default)]
    pub description: String,
    /// Extra users it would bring, if known.
    #[serde(default)]
    pub users: Option<u64>,
    /// Features it involves.
    #[serde(default)]
    pub features: Vec<At<FeatureId>>,
}

/// A stakeholder of the implementation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stakeholder {
    /// Name.
    pub name: String,
    /// Role in the project ("Project Champion", "Implementation Engineer").
    pub role: String,
    /// Our side or the customer's.
    pub side: Side,
    /// How to reach them.
    #[serde(default)]
    pub contact: Option<String>,
}

/// Which side of the implementation a stakeholder is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// Our company.
    Internal,
    /// The customer or their vendors.
    External,
}

/// One exit criterion's state.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitCriterion {
    /// Exit criterion id from the catalog.
    pub id: At<ExitCriterionId>,
    /// Where it stands.
    pub status: CriterionStatus,
    /// What shows it is met (a link, a test result).
    #[serde(default)]
    pub evidence: String,
    /// When it was met.
    #[serde(default)]
    pub date: Option<Date>,
}

/// Where an exit criterion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CriterionStatus {
    /// Not started.
    NotStarted,
    /// Being worked on.
    InProgress,
    /// Met.
    Met,
    /// Does not apply to this engagement (with the reason as evidence).
    NotApplicable,
}

/// A project plan milestone.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// The milestone.
    pub name: String,
    /// When it is due.
    pub due: Date,
    /// When it was reached.
    #[serde(default)]
    pub done: Option<Date>,
    /// Where it stands.
    pub status: MilestoneStatus,
}

/// Where a milestone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MilestoneStatus {
    /// Not started.
    NotStarted,
    /// Under way.
    InProgress,
    /// Reached.
    Done,
    /// Held up.
    Blocked,
}

/// A task of the project plan.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// What to do.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// Open or done.
    pub status: LogStatus,
    /// When it is due.
    #[serde(default)]
    pub due: Option<Date>,
}

/// A significant error, or engineering's involvement.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// What happened.
    pub title: String,
    /// When it was escalated.
    pub date: Date,
    /// The engineering team involved.
    #[serde(default)]
    pub team: String,
    /// Link to the escalated issue.
    pub link: String,
    /// What came of it.
    #[serde(default)]
    pub outcome: String,
}

/// The internal replica of the customer's production design.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    /// When it was built.
    pub built: Date,
    /// Reference size it was built to.
    pub size: At<SizeId>,
    /// How it mirrors production, and what it leaves out.
    #[serde(default)]
    pub description: String,
}

/// A load test.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadTest {
    /// Tool used (`k6`).
    pub tool: String,
    /// When it ran.
    pub date: Date,
    /// Environment it ran against.
    pub environment: At<EnvironmentId>,
    /// What was simulated.
    pub scenario: String,
    /// Passed or failed.
    pub result: TestResult,
    /// Figures and observations.
    #[serde(default)]
    pub notes: String,
}

/// The outcome of a load test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TestResult {
    /// Met its targets.
    Pass,
    /// Missed its targets.
    Fail,
}

/// One upgrade of production.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    /// When production was upgraded.
    pub date: Date,
    /// Release before.
    pub from: At<Version>,
    /// Release after.
    pub to: At<Version>,
    /// Anything notable.
    #[serde(default)]
    pub notes: String,
}

/// Who maintains the record after handoff.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ownership {
    /// The owner, normally the technical advisor.
    pub owner: String,
    /// Since when.
    pub since: Date,
}
