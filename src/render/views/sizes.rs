//! Reference architecture pages: one per size, and the index comparing
//! them side by side.

use serde::Serialize;

use super::{Link, Names, cores};
use crate::analysis::resourcing::Totals;
use crate::model::{ReferenceArchitecture, Site};
use crate::render::templates::thousands;

#[derive(Debug, Serialize)]
pub struct SizeView {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub source: Option<String>,
    pub limits: Vec<Fact>,
    pub single_node: SingleNodeView,
    pub providers: Vec<Link>,
    pub node_pools: Vec<PoolView>,
    pub nodes_total: NodeTotals,
    pub services: Vec<ServiceRow>,
    pub totals: ResourceTotals,
    /// Prose from `content/reference-architectures/<id>.md`.
    pub prose: Option<String>,
    pub previous: Option<Link>,
    pub next: Option<Link>,
    /// The size drawn as a Kubernetes deployment.
    pub topology: String,
}

#[derive(Debug, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct SingleNodeView {
    pub vcpu: u32,
    pub memory: String,
    pub ssd_required: bool,
    /// Instance type per provider, in the order of `providers`.
    pub instance_types: Vec<Option<String>>,
    pub machine_image_minimum: Vec<Option<String>>,
}

#[derive(Debug, Serialize)]
pub struct PoolView {
    pub name: String,
    pub count: u32,
    pub vcpu: u32,
    pub memory: String,
    pub disk: String,
    pub instance_types: Vec<Option<String>>,
}

#[derive(Debug, Serialize)]
pub struct NodeTotals {
    pub count: u32,
    pub vcpu: u64,
    pub memory: String,
}

#[derive(Debug, Serialize)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub replicas: u32,
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
    pub storage: String,
}

/// Sums across replicas.
#[derive(Debug, Serialize)]
pub struct ResourceTotals {
    pub replicas: u32,
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
    pub storage: String,
}

impl ResourceTotals {
    pub fn from(totals: &Totals) -> ResourceTotals {
        ResourceTotals {
            replicas: totals.replicas,
            cpu_request: cores(totals.cpu_request),
            cpu_limit: cores(totals.cpu_limit),
            memory_request: totals.memory_request.readable(),
            memory_limit: totals.memory_limit.readable(),
            storage: if totals.storage.bytes() == 0 {
                "–".into()
            } else {
                totals.storage.readable()
            },
        }
    }
}

/// The providers any size lists an instance type for, in catalog order.
pub fn providers(site: &Site) -> Vec<Link> {
    site.catalog
        .provider
        .iter()
        .filter(|p| {
            site.sizes.iter().any(|s| {
                s.single_node.instance_types.keys().any(|k| **k == *p.id)
                    || s.node_pool
                        .iter()
                        .any(|pool| pool.instance_types.keys().any(|k| **k == *p.id))
            })
        })
        .map(|p| Link::new(p.name.clone(), p.id.to_string()))
        .collect()
}

fn per_provider(
    providers: &[Link],
    types: &std::collections::BTreeMap<crate::model::At<crate::model::ProviderId>, String>,
) -> Vec<Option<String>> {
    providers
        .iter()
        .map(|p| {
            types
                .iter()
                .find(|(k, _)| k.as_str() == p.path)
                .map(|(_, t)| t.clone())
        })
        .collect()
}

pub fn size_view(site: &Site, size: &ReferenceArchitecture, prose: Option<String>) -> SizeView {
    let names = Names::new(site);
    let providers = providers(site);
    let services: Vec<ServiceRow> = size
        .service
        .iter()
        .map(|s| ServiceRow {
            id: s.id.to_string(),
            name: names.service(s.id.as_str()),
            replicas: s.replicas,
            cpu_request: cores(*s.cpu.request),
            cpu_limit: cores(*s.cpu.limit),
            memory_request: s.memory.request.to_string(),
            memory_limit: s.memory.limit.to_string(),
            storage: s.storage.map_or("–".into(), |b| b.to_string()),
        })
        .collect();
    let totals = Totals::sum(
        size.service
            .iter()
            .map(Totals::of)
            .collect::<Vec<_>>()
            .iter(),
    );
    let index = site.sizes.iter().position(|s| s.id == size.id).unwrap_or(0);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| site.sizes.get(i)).map(|s| {
            Link::new(
                s.name.clone(),
                format!("reference-architectures/{}/", s.id.as_str()),
            )
        })
    };
    let mut limits = vec![
        Fact {
            label: "Users".into(),
            value: format!("up to {}", thousands(&size.limits.users.to_string())),
        },
        Fact {
            label: "Repositories".into(),
            value: format!("up to {}", thousands(&size.limits.repositories.to_string())),
        },
    ];
    if let Some(mb) = size.limits.largest_repo_mb {
        limits.push(Fact {
            label: "Largest repository".into(),
            value: format!("up to {} MB", thousands(&mb.to_string())),
        });
    }
    if let Some(monorepos) = size.limits.monorepos {
        limits.push(Fact {
            label: "Monorepos".into(),
            value: format!("up to {monorepos}"),
        });
    }
    SizeView {
        id: size.id.to_string(),
        name: size.name.clone(),
        summary: size.summary.clone(),
        source: size.source.clone(),
        limits,
        single_node: SingleNodeView {
            vcpu: size.single_node.vcpu,
            memory: size.single_node.memory.to_string(),
            ssd_required: size.single_node.ssd_required,
            instance_types: per_provider(&providers, &size.single_node.instance_types),
            machine_image_minimum: per_provider(
                &providers,
                &size.single_node.machine_image_minimum,
            ),
        },
        node_pools: size
            .node_pool
            .iter()
            .map(|pool| PoolView {
                name: pool.name.clone(),
                count: pool.count,
                vcpu: pool.vcpu,
                memory: pool.memory.to_string(),
                disk: pool.disk.to_string(),
                instance_types: per_provider(&providers, &pool.instance_types),
            })
            .collect(),
        nodes_total: NodeTotals {
            count: size.node_pool.iter().map(|p| p.count).sum(),
            vcpu: size
                .node_pool
                .iter()
                .map(|p| u64::from(p.count) * u64::from(p.vcpu))
                .sum(),
            memory: crate::model::Bytes::from_bytes(
                size.node_pool
                    .iter()
                    .map(|p| u64::from(p.count) * p.memory.bytes())
                    .sum(),
            )
            .readable(),
        },
        providers,
        services,
        totals: ResourceTotals::from(&totals),
        prose,
        topology: topology(size),
        previous: neighbour(index.checked_sub(1)),
        next: neighbour(Some(index + 1)),
    }
}

/// The side-by-side comparison on the index page.
#[derive(Debug, Serialize)]
pub struct SizesIndexView {
    pub sizes: Vec<SizeView>,
    pub providers: Vec<Link>,
}

pub fn sizes_index_view(site: &Site) -> SizesIndexView {
    SizesIndexView {
        sizes: site
            .sizes
            .iter()
            .map(|s| size_view(site, s, None))
            .collect(),
        providers: providers(site),
    }
}

fn topology(size: &ReferenceArchitecture) -> String {
    use crate::render::topology::{Element, Topology, svg};
    let first_type =
        |types: &std::collections::BTreeMap<crate::model::At<crate::model::ProviderId>, String>| {
            types.iter().next().map_or(String::new(), |(provider, t)| {
                format!(", {t} on {}", provider.as_str())
            })
        };
    let topology = Topology {
        title: format!("The {} reference architecture on Kubernetes", size.name),
        cluster: "Kubernetes cluster".to_string(),
        ingress: None,
        pools: size
            .node_pool
            .iter()
            .map(|p| Element {
                label: format!(
                    "{}: {} × {} vCPU, {}{}",
                    p.name,
                    p.count,
                    p.vcpu,
                    p.memory,
                    first_type(&p.instance_types)
                ),
                deviates: false,
            })
            .collect(),
        services: size
            .service
            .iter()
            .map(|s| Element {
                label: format!("{} ×{}", s.id.as_str(), s.replicas),
                deviates: false,
            })
            .collect(),
        externals: Vec::new(),
        code_hosts: Vec::new(),
    };
    svg("topology", &topology)
}
