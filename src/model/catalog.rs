//! `data/catalog.toml`: the vocabularies every other file refers to by id.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    ArchId, At, CodeHostId, DistributionId, EnvironmentId, ExecutorId, ExitCriterionId, ExternalId,
    FeatureId, MethodId, ProviderId, ServiceId, Status, StrategyId,
};

/// Every vocabulary of the site. Each list is written as an array of tables
/// (`[[method]]`, `[[provider]]`, …).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Deployment methods (`helm`, `kustomize`, `docker-compose`, …).
    #[serde(default)]
    pub method: Vec<Method>,
    /// Hosting providers (`aws`, `gcp`, `azure`, `on-prem`, …).
    #[serde(default)]
    pub provider: Vec<Entry<ProviderId>>,
    /// Environment kinds (`dev`, `staging`, `prod`, `replica`).
    #[serde(default)]
    pub environment: Vec<Entry<EnvironmentId>>,
    /// CPU architectures (`amd64`, `arm64`).
    #[serde(default)]
    pub arch: Vec<Entry<ArchId>>,
    /// Executor runtimes (`firecracker`, `kubernetes-native`, …).
    #[serde(default)]
    pub executor: Vec<Entry<ExecutorId>>,
    /// Implementation strategies (`jointly-deployed`, `ce-owned`, …).
    #[serde(default)]
    pub strategy: Vec<Entry<StrategyId>>,
    /// Kubernetes distributions (`eks`, `gke`, `aks`, …).
    #[serde(default)]
    pub distribution: Vec<Entry<DistributionId>>,
    /// Services of the product, with their kind.
    #[serde(default)]
    pub service: Vec<Service>,
    /// Product features whose support is tracked (`batch-changes`, `rockskip`, …).
    #[serde(default)]
    pub feature: Vec<Entry<FeatureId>>,
    /// Kinds of code host (`github`, `gitlab`, `bitbucket-server`, …).
    #[serde(default)]
    pub code_host: Vec<Entry<CodeHostId>>,
    /// Services that can run outside the deployment (`postgres`, `redis`,
    /// `object-storage`).
    #[serde(default)]
    pub external: Vec<External>,
    /// The exit criteria an implementation must meet before handoff.
    #[serde(default)]
    pub exit_criterion: Vec<Entry<ExitCriterionId>>,
    /// Labels and descriptions of the verdict statuses. Their order of
    /// severity is fixed by refarch; the catalog only words them.
    #[serde(default)]
    pub status: Vec<StatusLabel>,
}

/// One value of a vocabulary.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry<Id> {
    /// The id other files use (lowercase letters, digits, hyphens).
    pub id: At<Id>,
    /// The name shown to people ("Kubernetes with Helm").
    pub name: String,
    /// A sentence or two on what it is and when it applies.
    #[serde(default)]
    pub description: String,
}

/// A deployment method.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// The id other files use (`helm`).
    pub id: At<MethodId>,
    /// The name shown to people ("Kubernetes with Helm").
    pub name: String,
    /// What it is and when it applies.
    #[serde(default)]
    pub description: String,
    /// How deployments of this method are laid out, which decides what their
    /// resourcing is compared with.
    pub topology: Topology,
}

/// How a deployment method lays the product out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// Services spread over several machines (Kubernetes, pure Docker):
    /// compared service by service with the reference, nodes with its pools.
    MultiNode,
    /// Everything on one machine (Docker Compose, machine images, the single
    /// container): the machine is compared with the reference's single node.
    SingleNode,
    /// Run by the vendor: nothing to compare.
    Managed,
}

/// A service of the product.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The service id, as in the Kubernetes manifests (`gitserver`).
    pub id: At<ServiceId>,
    /// The name shown to people.
    pub name: String,
    /// What the service does.
    #[serde(default)]
    pub description: String,
    /// How the service runs and scales.
    pub kind: ServiceKind,
    /// The external service kind that can replace it (`postgres` for `pgsql`).
    #[serde(default)]
    pub externalizable_as: Option<At<ExternalId>>,
}

/// How a service runs and scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    /// Stateless, scaled by replicas.
    Stateless,
    /// Keeps data on a persistent volume (StatefulSet).
    Stateful,
    /// A database.
    Database,
    /// A cache or key-value store.
    Cache,
    /// Metrics, dashboards or tracing.
    Observability,
    /// A one-off job.
    Job,
}

/// A kind of externalizable service.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// The id (`postgres`, `redis`, `object-storage`).
    pub id: At<ExternalId>,
    /// The name shown to people.
    pub name: String,
    /// Examples of managed offerings, and what to know.
    #[serde(default)]
    pub description: String,
    /// Whether the kind has versions that rules can constrain (PostgreSQL
    /// does; object storage does not).
    #[serde(default)]
    pub versioned: bool,
}

/// The words for one verdict status.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusLabel {
    /// The status.
    pub id: At<Status>,
    /// Its short label ("Supported").
    pub name: String,
    /// What it means for a customer.
    pub description: String,
}
