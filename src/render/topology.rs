//! Topology diagrams as inline SVG: the ingress, the cluster (or machine)
//! with its node pools and the services on it, the externalized services
//! outside it, the code hosts feeding it, and on an engagement page its
//! deviations marked on the drawing. Laid out on a fixed grid, so the same
//! data always gives the same picture; the description carries the same
//! facts for screen readers.

use std::fmt::Write;

use super::escape::html;

/// What a diagram shows.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    pub title: String,
    /// "Kubernetes cluster", "Single machine".
    pub cluster: String,
    pub ingress: Option<String>,
    pub pools: Vec<Element>,
    pub services: Vec<Element>,
    pub externals: Vec<Element>,
    pub code_hosts: Vec<Element>,
}

/// A box: its text, and whether it deviates from the reference.
#[derive(Debug, Clone)]
pub struct Element {
    pub label: String,
    pub deviates: bool,
}

const WIDTH: usize = 900;
const SIDE: usize = 170;
const GAP: usize = 20;
const CHIP_WIDTH: usize = 150;
const CHIP_HEIGHT: usize = 26;
const POOL_HEIGHT: usize = 30;
/// Chips beside the cluster are narrow, so their labels take two lines.
const SIDE_CHIP_HEIGHT: usize = 40;

pub fn svg(id: &str, topology: &Topology) -> String {
    let cluster_x = SIDE + GAP;
    let cluster_width = WIDTH - 2 * (SIDE + GAP);
    let per_row = ((cluster_width - GAP) / (CHIP_WIDTH + 10)).max(1);
    let service_rows = topology.services.len().div_ceil(per_row);
    let top = if topology.ingress.is_some() { 60 } else { 10 };
    let pools_height = topology.pools.len() * (POOL_HEIGHT + 6);
    let cluster_height = 34 + pools_height + service_rows * (CHIP_HEIGHT + 8) + 14;
    let side_height = |n: usize| n * (SIDE_CHIP_HEIGHT + 10) + 30;
    let height = top
        + cluster_height
            .max(side_height(topology.externals.len()))
            .max(side_height(topology.code_hosts.len()))
        + 10;

    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"topology\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\
<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        html(&topology.title),
        html(&describe(topology))
    );
    if let Some(ingress) = &topology.ingress {
        let _ = write!(
            out,
            "<rect class=\"topo-ingress\" x=\"{cluster_x}\" y=\"10\" width=\"{cluster_width}\" height=\"32\" rx=\"6\"/>\
<text class=\"topo-text\" x=\"{}\" y=\"31\" text-anchor=\"middle\">Ingress: {}</text>\
<line class=\"topo-link\" x1=\"{}\" y1=\"42\" x2=\"{}\" y2=\"{top}\"/>",
            cluster_x + cluster_width / 2,
            html(&truncate(ingress, 64)),
            cluster_x + cluster_width / 2,
            cluster_x + cluster_width / 2
        );
    }
    let _ = write!(
        out,
        "<rect class=\"topo-cluster\" x=\"{cluster_x}\" y=\"{top}\" width=\"{cluster_width}\" height=\"{cluster_height}\" rx=\"8\"/>\
<text class=\"topo-heading\" x=\"{}\" y=\"{}\">{}</text>",
        cluster_x + 12,
        top + 22,
        html(&topology.cluster)
    );
    let mut y = top + 34;
    for pool in &topology.pools {
        let frame = (cluster_x + 10, y, cluster_width - 20, POOL_HEIGHT);
        let line = truncate(&pool.label, 80);
        labelled_box(&mut out, pool, "topo-pool", "topo-text", frame, &[&line]);
        y += POOL_HEIGHT + 6;
    }
    for (i, service) in topology.services.iter().enumerate() {
        let x = cluster_x + 10 + (i % per_row) * (CHIP_WIDTH + 10);
        let chip_y = y + 4 + (i / per_row) * (CHIP_HEIGHT + 8);
        let frame = (x, chip_y, CHIP_WIDTH, CHIP_HEIGHT);
        let line = truncate(&service.label, 22);
        labelled_box(
            &mut out,
            service,
            "topo-service",
            "topo-small",
            frame,
            &[&line],
        );
    }
    column(
        &mut out,
        "Code hosts",
        0,
        top,
        &topology.code_hosts,
        cluster_x,
        top + 20,
        "topo-host",
    );
    column(
        &mut out,
        "Outside the cluster",
        WIDTH - SIDE,
        top,
        &topology.externals,
        WIDTH - SIDE - GAP,
        top + 20,
        "topo-external",
    );
    out.push_str("</svg>");
    out
}

/// One element: a group whose title holds the whole label (the boxes are
/// too narrow for long ones: it is the tooltip, and what tests find elements
/// by), its box at `(x, y, width, height)`, and its lines of text, the first
/// marked ⚠ when the element deviates.
fn labelled_box(
    out: &mut String,
    element: &Element,
    class: &str,
    text_class: &str,
    (x, y, width, height): (usize, usize, usize, usize),
    lines: &[&str],
) {
    const LINE_HEIGHT: usize = 14;
    let (class, marker, said) = if element.deviates {
        (
            format!("{class} topo-deviates"),
            "⚠ ",
            " (deviates from the reference)",
        )
    } else {
        (class.to_string(), "", "")
    };
    let baseline = y + (height - LINE_HEIGHT * (lines.len() - 1)) / 2 + 4;
    let _ = write!(
        out,
        "<g><title>{}{said}</title><rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\" rx=\"4\"/>\
<text class=\"{text_class}\" x=\"{}\" y=\"{baseline}\">{marker}",
        html(&element.label),
        x + 8
    );
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            out.push_str(&html(line));
        } else {
            let _ = write!(
                out,
                "<tspan x=\"{}\" dy=\"{LINE_HEIGHT}\">{}</tspan>",
                x + 8,
                html(line)
            );
        }
    }
    out.push_str("</text></g>");
}

#[allow(clippy::too_many_arguments)]
fn column(
    out: &mut String,
    heading: &str,
    x: usize,
    top: usize,
    elements: &[Element],
    link_x: usize,
    link_y: usize,
    class: &str,
) {
    if elements.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<text class=\"topo-heading\" x=\"{}\" y=\"{}\">{}</text>",
        x + 4,
        top + 14,
        html(heading)
    );
    for (i, element) in elements.iter().enumerate() {
        let y = top + 24 + i * (SIDE_CHIP_HEIGHT + 10);
        // Beside the cluster there is room for two narrow lines: the name,
        // then the detail after the first ": " ("GitLab" / "900 repos").
        let (name, detail) = element
            .label
            .split_once(": ")
            .unwrap_or((element.label.as_str(), ""));
        let (name, detail) = (truncate(name, 22), truncate(detail, 22));
        let frame = (x, y, CHIP_WIDTH, SIDE_CHIP_HEIGHT);
        labelled_box(out, element, class, "topo-small", frame, &[&name, &detail]);
        let from = if x == 0 { x + CHIP_WIDTH } else { x };
        let _ = write!(
            out,
            "<line class=\"topo-link\" x1=\"{from}\" y1=\"{}\" x2=\"{link_x}\" y2=\"{link_y}\"/>",
            y + SIDE_CHIP_HEIGHT / 2
        );
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

/// The diagram in words.
fn describe(t: &Topology) -> String {
    let list = |elements: &[Element]| -> String {
        elements
            .iter()
            .map(|e| {
                if e.deviates {
                    format!("{} (deviates from the reference)", e.label)
                } else {
                    e.label.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if let Some(ingress) = &t.ingress {
        parts.push(format!("Traffic enters through {ingress}."));
    }
    parts.push(format!(
        "{}: {}.",
        t.cluster,
        if t.pools.is_empty() {
            "no node pools recorded".to_string()
        } else {
            list(&t.pools)
        }
    ));
    if !t.services.is_empty() {
        parts.push(format!("Services: {}.", list(&t.services)));
    }
    if !t.externals.is_empty() {
        parts.push(format!("Outside: {}.", list(&t.externals)));
    }
    if !t.code_hosts.is_empty() {
        parts.push(format!("Code hosts: {}.", list(&t.code_hosts)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(label: &str, deviates: bool) -> Element {
        Element {
            label: label.into(),
            deviates,
        }
    }

    #[test]
    fn the_diagram_says_in_words_what_it_draws() {
        let topology = Topology {
            title: "Production at Acme".into(),
            cluster: "Kubernetes cluster (EKS 1.31)".into(),
            ingress: Some("AWS ALB".into()),
            pools: vec![element("default: 3 × m5.4xlarge", false)],
            services: vec![element("frontend ×3", false), element("gitserver ×1", true)],
            externals: vec![element("PostgreSQL 16: RDS", false)],
            code_hosts: vec![element("GitHub: 12 000 repositories", false)],
        };
        let svg = svg("topology", &topology);
        assert!(svg.contains("<desc id=\"topology-desc\">Traffic enters through AWS ALB. Kubernetes cluster (EKS 1.31): default: 3 × m5.4xlarge. Services: frontend ×3, gitserver ×1 (deviates from the reference). Outside: PostgreSQL 16: RDS. Code hosts: GitHub: 12 000 repositories.</desc>"));
        assert!(
            svg.contains("topo-service topo-deviates"),
            "the deviation is marked on the drawing"
        );
        assert_eq!(svg, super::svg("topology", &topology), "deterministic");
    }

    /// A box drawn on the diagram: its class and its rectangle.
    struct Drawn {
        class: String,
        x: usize,
        y: usize,
        width: usize,
        height: usize,
    }

    fn attribute(tag: &str, name: &str) -> String {
        let tag = format!(" {tag}");
        let start = tag.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].to_string()
    }

    fn rectangles(svg: &str) -> Vec<Drawn> {
        svg.split("<rect ")
            .skip(1)
            .map(|tag| Drawn {
                class: attribute(tag, "class"),
                x: attribute(tag, "x").parse().unwrap(),
                y: attribute(tag, "y").parse().unwrap(),
                width: attribute(tag, "width").parse().unwrap(),
                height: attribute(tag, "height").parse().unwrap(),
            })
            .collect()
    }

    fn overlap(a: &Drawn, b: &Drawn) -> bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }

    fn viewbox_height(svg: &str) -> usize {
        let view_box = attribute(svg, "viewBox");
        view_box.split(' ').nth(3).unwrap().parse().unwrap()
    }

    fn busy_cluster() -> Topology {
        Topology {
            title: "Production".into(),
            cluster: "Kubernetes cluster".into(),
            ingress: Some("NGINX ingress".into()),
            pools: vec![
                element("default: 6 × n2-standard-16", false),
                element("search: 2 × n2-highmem-16", true),
            ],
            services: (0..23)
                .map(|i| element(&format!("service-{i} ×2"), i == 7))
                .collect(),
            externals: vec![
                element("PostgreSQL: Cloud SQL", false),
                element("Object storage: GCS", false),
                element("Redis: Memorystore", true),
            ],
            code_hosts: vec![element("GitLab", false), element("GitHub", false)],
        }
    }

    #[test]
    fn every_pool_service_and_external_is_drawn_once() {
        let topology = busy_cluster();
        let svg = svg("t", &topology);
        let boxes = rectangles(&svg);
        let count = |class: &str| {
            boxes
                .iter()
                .filter(|b| b.class.split(' ').next() == Some(class))
                .count()
        };
        assert_eq!(count("topo-pool"), 2, "one box per node pool");
        assert_eq!(count("topo-service"), 23, "one box per service");
        assert_eq!(count("topo-external"), 3);
        assert_eq!(count("topo-host"), 2);
        assert_eq!(count("topo-cluster"), 1);
        assert_eq!(count("topo-ingress"), 1);
        for i in 0..23 {
            let label = format!("service-{i} ×2</text>");
            assert_eq!(svg.matches(&label).count(), 1, "{label} drawn once");
        }
        assert_eq!(svg.matches("topo-deviates").count(), 3);
    }

    #[test]
    fn boxes_do_not_overlap_and_stay_inside_the_picture() {
        for services in [0, 1, 5, 23, 60] {
            let mut topology = busy_cluster();
            topology.services.truncate(services.min(23));
            while topology.services.len() < services {
                topology.services.push(element("extra", false));
            }
            let svg = svg("t", &topology);
            let height = viewbox_height(&svg);
            let boxes = rectangles(&svg);
            let cluster = boxes.iter().find(|b| b.class == "topo-cluster").unwrap();
            let chips: Vec<&Drawn> = boxes
                .iter()
                .filter(|b| !matches!(b.class.as_str(), "topo-cluster" | "topo-ingress"))
                .collect();
            for (i, a) in chips.iter().enumerate() {
                assert!(a.x + a.width <= WIDTH && a.y + a.height <= height);
                for b in &chips[i + 1..] {
                    assert!(
                        !overlap(a, b),
                        "{} at ({}, {}) overlaps {} at ({}, {}) with {services} services",
                        a.class,
                        a.x,
                        a.y,
                        b.class,
                        b.x,
                        b.y
                    );
                }
                let inside = a.x >= cluster.x
                    && a.x + a.width <= cluster.x + cluster.width
                    && a.y >= cluster.y
                    && a.y + a.height <= cluster.y + cluster.height;
                let in_cluster =
                    a.class.starts_with("topo-pool") || a.class.starts_with("topo-service");
                assert_eq!(
                    inside,
                    in_cluster,
                    "{} is drawn {} the cluster",
                    a.class,
                    if inside { "inside" } else { "outside" }
                );
            }
        }
    }

    #[test]
    fn labels_are_escaped() {
        let topology = Topology {
            title: "<b>".into(),
            cluster: "x".into(),
            services: vec![element("<script>", false)],
            ..Topology::default()
        };
        let svg = svg("t", &topology);
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
    }
}
