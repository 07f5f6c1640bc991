//! Reference architectures: ids that match file names, real providers and
//! services, requests within limits, limits that grow with the size.

use super::{Checker, Index};
use crate::diagnostics::{Code, Diagnostics};
use crate::load::Parsed;
use crate::model::{ReferenceArchitecture, ServiceResources};

pub fn check(
    sizes: &[std::sync::Arc<Parsed<ReferenceArchitecture>>],
    index: &Index,
    diagnostics: &mut Diagnostics,
) {
    for size in sizes {
        let mut checker = Checker::new(&size.file, diagnostics);
        let value = &size.value;
        id_matches_file(
            &mut checker,
            value.id.as_str(),
            value.id.span(),
            "reference architecture",
        );
        for provider in value
            .single_node
            .instance_types
            .keys()
            .chain(value.single_node.machine_image_minimum.keys())
        {
            checker.reference(&index.provider, provider);
        }
        for pool in &value.node_pool {
            for provider in pool.instance_types.keys() {
                checker.reference(&index.provider, provider);
            }
        }
        services(&mut checker, index, &value.service);
    }

    optional_limits_everywhere_or_nowhere(sizes, diagnostics);
    let mut ordered: Vec<&Parsed<ReferenceArchitecture>> = sizes.iter().map(|s| &**s).collect();
    ordered.sort_by_key(|s| s.value.limits.users);
    for pair in ordered.windows(2) {
        let (smaller, larger) = (&pair[0].value, &pair[1].value);
        if larger.limits.repositories < smaller.limits.repositories {
            let mut checker = Checker::new(&pair[1].file, diagnostics);
            checker.report(
                Code::E023,
                larger.id.span(),
                format!(
                    "size `{}` allows more users than `{}` but fewer repositories ({} < {})",
                    *larger.id, *smaller.id, larger.limits.repositories, smaller.limits.repositories
                ),
                "",
                "sizing picks the smallest size that fits every figure, so limits must grow together",
            );
        }
    }
}

/// Service ids exist, appear once, and no request exceeds its limit.
pub fn services(checker: &mut Checker<'_>, index: &Index, services: &[ServiceResources]) {
    checker.unique("service", services.iter().map(|s| &s.id));
    for service in services {
        checker.reference(&index.service, &service.id);
        if *service.cpu.request > *service.cpu.limit {
            checker.report(
                Code::E023,
                service.cpu.request.span(),
                format!(
                    "`{}` requests {} CPU but is limited to {}",
                    *service.id, *service.cpu.request, *service.cpu.limit
                ),
                "request above limit",
                "a request can be at most the limit; raise the limit or lower the request",
            );
        }
        if *service.memory.request > *service.memory.limit {
            checker.report(
                Code::E023,
                service.memory.request.span(),
                format!(
                    "`{}` requests {} memory but is limited to {}",
                    *service.id, *service.memory.request, *service.memory.limit
                ),
                "request above limit",
                "a request can be at most the limit; mind `G` (10^9) versus `Gi` (2^30)",
            );
        }
    }
}

pub fn id_matches_file(
    checker: &mut Checker<'_>,
    id: &str,
    span: std::ops::Range<usize>,
    what: &str,
) {
    let stem = checker.file.stem().to_string();
    if id != stem {
        checker.report(
            Code::E022,
            span,
            format!("{what} id `{id}` does not match its file name `{stem}`"),
            "must equal the file name",
            format!("write `id = \"{stem}\"`, or rename the file to `{id}.toml`"),
        );
    }
}

/// Sizing picks the smallest size whose limits cover every figure; a size
/// without a limit that others set would swallow any value. So an optional
/// limit is set on every size or on none.
fn optional_limits_everywhere_or_nowhere(
    sizes: &[std::sync::Arc<Parsed<ReferenceArchitecture>>],
    diagnostics: &mut Diagnostics,
) {
    type Limit = fn(&ReferenceArchitecture) -> Option<u64>;
    let limits: [(&str, Limit); 2] = [
        ("largest_repo_mb", |s| s.limits.largest_repo_mb),
        ("monorepos", |s| s.limits.monorepos),
    ];
    for (name, limit) in limits {
        let Some(setter) = sizes.iter().find(|s| limit(&s.value).is_some()) else {
            continue;
        };
        for size in sizes.iter().filter(|s| limit(&s.value).is_none()) {
            let mut checker = Checker::new(&size.file, diagnostics);
            checker.report(
                Code::E013,
                size.value.id.span(),
                format!(
                    "size `{}` has no `{name}` limit, which `{}` sets",
                    *size.value.id, *setter.value.id
                ),
                "",
                format!(
                    "add `{name} = …` under [limits]: sizing needs it on every size or on none"
                ),
            );
        }
    }
}
