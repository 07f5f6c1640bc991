//! An engagement's resourcing against the reference size its usage calls
//! for, service by service and in total. Limits are compared, not requests:
//! reference requests can be deliberately low (100m / 250M everywhere in the
//! Kustomize sizes).

use serde::Serialize;

use crate::model::{Bytes, Cpu, Engagement, ReferenceArchitecture, ServiceResources, Thresholds};

/// Resources of one service across its replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    pub replicas: u32,
    pub cpu_request: Cpu,
    pub cpu_limit: Cpu,
    pub memory_request: Bytes,
    pub memory_limit: Bytes,
    pub storage: Bytes,
}

impl Totals {
    pub fn of(service: &ServiceResources) -> Totals {
        let replicas = u64::from(service.replicas);
        Totals {
            replicas: service.replicas,
            cpu_request: Cpu::from_millicores(
                service.cpu.request.millicores().saturating_mul(replicas),
            ),
            cpu_limit: Cpu::from_millicores(
                service.cpu.limit.millicores().saturating_mul(replicas),
            ),
            memory_request: Bytes::from_bytes(
                service.memory.request.bytes().saturating_mul(replicas),
            ),
            memory_limit: Bytes::from_bytes(service.memory.limit.bytes().saturating_mul(replicas)),
            storage: Bytes::from_bytes(
                service
                    .storage
                    .map_or(0, |s| s.bytes())
                    .saturating_mul(replicas),
            ),
        }
    }

    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Totals>) -> Totals {
        all.into_iter().fold(Totals::default(), |total, t| Totals {
            replicas: total.replicas + t.replicas,
            cpu_request: total.cpu_request + t.cpu_request,
            cpu_limit: total.cpu_limit + t.cpu_limit,
            memory_request: total.memory_request + t.memory_request,
            memory_limit: total.memory_limit + t.memory_limit,
            storage: total.storage + t.storage,
        })
    }
}

/// How a figure compares with the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fit {
    /// Below the reference by more than the under-provisioned threshold.
    Under,
    /// Within both thresholds.
    Within,
    /// Above the reference by more than the right-size threshold.
    Over,
    /// The reference has no such service.
    NotInReference,
    /// The engagement does not run this reference service (it may be
    /// externalized).
    NotDeployed,
}

/// One service, side by side with the reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceComparison {
    pub service: String,
    pub engagement: Option<Totals>,
    pub reference: Option<Totals>,
    pub cpu: Fit,
    pub memory: Fit,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceComparison {
    /// The reference size compared with.
    pub size: String,
    pub services: Vec<ServiceComparison>,
    /// Totals over the engagement's services.
    pub engagement_total: Totals,
    /// Totals over the reference services the engagement also runs, so that
    /// an externalized database does not count as under-provisioning.
    pub reference_total: Totals,
    pub cpu: Fit,
    pub memory: Fit,
}

/// Compares `engagement`'s resourcing with `size`.
pub fn compare(
    engagement: &Engagement,
    size: &ReferenceArchitecture,
    thresholds: &Thresholds,
) -> ResourceComparison {
    let mut services = Vec::new();
    for service in &engagement.resourcing.service {
        let reference = size
            .service
            .iter()
            .find(|r| *r.id == *service.id)
            .map(Totals::of);
        let mine = Totals::of(service);
        let (cpu, memory) = match &reference {
            Some(reference) => (
                fit(
                    mine.cpu_limit.millicores(),
                    reference.cpu_limit.millicores(),
                    thresholds,
                ),
                fit(
                    mine.memory_limit.bytes(),
                    reference.memory_limit.bytes(),
                    thresholds,
                ),
            ),
            None => (Fit::NotInReference, Fit::NotInReference),
        };
        services.push(ServiceComparison {
            service: service.id.to_string(),
            engagement: Some(mine),
            reference,
            cpu,
            memory,
        });
    }
    for reference in &size.service {
        if !engagement
            .resourcing
            .service
            .iter()
            .any(|s| *s.id == *reference.id)
        {
            services.push(ServiceComparison {
                service: reference.id.to_string(),
                engagement: None,
                reference: Some(Totals::of(reference)),
                cpu: Fit::NotDeployed,
                memory: Fit::NotDeployed,
            });
        }
    }
    let engagement_total = Totals::sum(services.iter().filter_map(|s| s.engagement.as_ref()));
    let reference_total = Totals::sum(
        services
            .iter()
            .filter(|s| s.engagement.is_some())
            .filter_map(|s| s.reference.as_ref()),
    );
    let compared_total = Totals::sum(
        services
            .iter()
            .filter(|s| s.reference.is_some())
            .filter_map(|s| s.engagement.as_ref()),
    );
    ResourceComparison {
        size: size.id.to_string(),
        cpu: fit(
            compared_total.cpu_limit.millicores(),
            reference_total.cpu_limit.millicores(),
            thresholds,
        ),
        memory: fit(
            compared_total.memory_limit.bytes(),
            reference_total.memory_limit.bytes(),
            thresholds,
        ),
        services,
        engagement_total,
        reference_total,
    }
}

/// A single-node deployment's machine against the reference's single node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MachineComparison {
    pub size: String,
    pub vcpu: u64,
    pub memory: Bytes,
    pub reference_vcpu: u64,
    pub reference_memory: Bytes,
    /// The reference's instance type for the engagement's provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_instance_type: Option<String>,
    pub cpu: Fit,
    pub memory_fit: Fit,
}

/// Compares the machines an engagement runs its services on (all nodes that
/// run services, summed) with `size`'s single node.
pub fn compare_machine(
    engagement: &Engagement,
    size: &ReferenceArchitecture,
    thresholds: &Thresholds,
) -> Option<MachineComparison> {
    let totals = engagement.resourcing.service_node_totals();
    if totals.nodes == 0 {
        return None;
    }
    let (vcpu, memory) = (totals.vcpu, totals.memory);
    let single = &size.single_node;
    let reference_memory = single.memory;
    Some(MachineComparison {
        size: size.id.to_string(),
        vcpu,
        memory,
        reference_vcpu: u64::from(single.vcpu),
        reference_memory,
        reference_instance_type: single
            .instance_types
            .iter()
            .find(|(provider, _)| ***provider == *engagement.deployment.provider)
            .map(|(_, instance_type)| instance_type.clone()),
        cpu: fit(vcpu, u64::from(single.vcpu), thresholds),
        memory_fit: fit(memory.bytes(), reference_memory.bytes(), thresholds),
    })
}

/// Compares `actual` with `reference` using the site's thresholds.
pub fn fit(actual: u64, reference: u64, thresholds: &Thresholds) -> Fit {
    let (actual, reference) = (u128::from(actual), u128::from(reference));
    let under = u128::from(100u32.saturating_sub(thresholds.under_provisioned_percent));
    let over = u128::from(100 + thresholds.right_size_percent);
    if actual * 100 < reference * under {
        Fit::Under
    } else if actual * 100 > reference * over {
        Fit::Over
    } else {
        Fit::Within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_exclusive() {
        let thresholds = Thresholds {
            under_provisioned_percent: 10,
            right_size_percent: 50,
        };
        assert_eq!(
            fit(90, 100, &thresholds),
            Fit::Within,
            "exactly 10% under is within"
        );
        assert_eq!(fit(89, 100, &thresholds), Fit::Under);
        assert_eq!(
            fit(150, 100, &thresholds),
            Fit::Within,
            "exactly 50% over is within"
        );
        assert_eq!(fit(151, 100, &thresholds), Fit::Over);
    }
}
