//! The catalog: unique ids in every vocabulary, one label per status,
//! services that name a real external kind.

use super::{Checker, Index};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::load::Parsed;
use crate::model::{Catalog, Status};

pub fn check(catalog: &Parsed<Catalog>, index: &Index, diagnostics: &mut Diagnostics) {
    let mut checker = Checker::new(&catalog.file, diagnostics);
    let c = &catalog.value;
    checker.unique("deployment method", c.method.iter().map(|e| &e.id));
    checker.unique("hosting provider", c.provider.iter().map(|e| &e.id));
    checker.unique("environment", c.environment.iter().map(|e| &e.id));
    checker.unique("CPU architecture", c.arch.iter().map(|e| &e.id));
    checker.unique("executor runtime", c.executor.iter().map(|e| &e.id));
    checker.unique("implementation strategy", c.strategy.iter().map(|e| &e.id));
    checker.unique(
        "Kubernetes distribution",
        c.distribution.iter().map(|e| &e.id),
    );
    checker.unique("service", c.service.iter().map(|s| &s.id));
    checker.unique("feature", c.feature.iter().map(|e| &e.id));
    checker.unique("code host kind", c.code_host.iter().map(|e| &e.id));
    checker.unique("external service kind", c.external.iter().map(|e| &e.id));
    checker.unique("exit criterion", c.exit_criterion.iter().map(|e| &e.id));
    checker.unique("status", c.status.iter().map(|s| &s.id));

    for service in &c.service {
        if let Some(kind) = &service.externalizable_as {
            checker.reference(&index.external, kind);
        }
    }

    let missing: Vec<&str> = Status::ALL
        .iter()
        .filter(|status| !c.status.iter().any(|label| *label.id.value() == **status))
        .map(|status| status.id())
        .collect();
    if !missing.is_empty() {
        checker.diagnostics.push(
            Diagnostic::new(
                Code::E013,
                format!("the catalog has no label for the status {}", quote_list(&missing)),
            )
            .at(catalog.file.location(0..0))
            .help("add a [[status]] with id, name and description for each; verdicts show these words"),
        );
    }
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
