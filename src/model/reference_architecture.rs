//! `data/reference-architectures/<size>.toml`: one reference size each.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{At, Bytes, Cpu, ProviderId, ServiceId, SizeId};

/// A reference architecture: what a deployment of one size runs.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceArchitecture {
    /// The size id, equal to the file name (`m` for `m.toml`).
    pub id: At<SizeId>,
    /// The name shown to people ("Medium").
    pub name: String,
    /// Who this size is for, in a sentence or two.
    #[serde(default)]
    pub summary: String,
    /// Where the size is documented.
    #[serde(default)]
    pub source: Option<String>,
    /// The load this size is validated for.
    pub limits: Limits,
    /// Running on one machine: its size and the instance type per cloud.
    pub single_node: SingleNode,
    /// Kubernetes node pools.
    #[serde(default)]
    pub node_pool: Vec<NodePool>,
    /// Per-service resources.
    #[serde(default)]
    pub service: Vec<ServiceResources>,
}

/// The usage a size is validated for. A deployment fits the size when every
/// figure it gives is at or below these.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Users, up to.
    pub users: u64,
    /// Repositories, up to.
    pub repositories: u64,
    /// Size of the largest repository in MB, up to.
    #[serde(default)]
    pub largest_repo_mb: Option<u64>,
    /// Number of monorepos (repositories over 2 GB), up to.
    #[serde(default)]
    pub monorepos: Option<u64>,
}

/// The single-node form of a size.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SingleNode {
    /// vCPUs of the machine.
    pub vcpu: u32,
    /// Memory of the machine.
    pub memory: Bytes,
    /// Whether SSD storage is required.
    #[serde(default)]
    pub ssd_required: bool,
    /// Instance type per hosting provider id (`aws = "m6a.8xlarge"`).
    pub instance_types: BTreeMap<At<ProviderId>, String>,
    /// Smallest instance type per provider for the machine image, where it
    /// differs from the above.
    #[serde(default)]
    pub machine_image_minimum: BTreeMap<At<ProviderId>, String>,
}

/// A Kubernetes node pool.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePool {
    /// Pool name (`default`, `search`).
    pub name: String,
    /// Number of nodes.
    pub count: u32,
    /// vCPUs per node.
    pub vcpu: u32,
    /// Memory per node.
    pub memory: Bytes,
    /// Boot and ephemeral disk per node.
    pub disk: Bytes,
    /// Instance type per hosting provider id.
    pub instance_types: BTreeMap<At<ProviderId>, String>,
}

/// Resources of one service.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceResources {
    /// The service id from the catalog.
    pub id: At<ServiceId>,
    /// Number of replicas (pods or containers).
    pub replicas: u32,
    /// CPU per replica.
    pub cpu: Resource<Cpu>,
    /// Memory per replica.
    pub memory: Resource<Bytes>,
    /// Persistent volume per replica, if any.
    #[serde(default)]
    pub storage: Option<Bytes>,
}

/// A request and a limit, per replica.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource<Q> {
    /// What the scheduler reserves.
    pub request: At<Q>,
    /// The most the container may use.
    pub limit: At<Q>,
}
