//! Charts as inline SVG, generated from the data at build time: no script,
//! no external tool. Every bar carries its number in text and links to the
//! engagements behind it; colours come from the stylesheet's classes, so
//! light, dark and print themes apply; the same data gives the same bytes.

use std::fmt::Write;

use super::escape::html;

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: usize,
    /// Where the bar leads (already under the base path).
    pub href: String,
    /// Drawn with the emphasis class (for example: inside the support window).
    pub emphasis: bool,
    /// Text after the number ("3 / 9" instead of "3").
    pub caption: Option<String>,
}

const ROW: usize = 28;
const LABEL_WIDTH: usize = 190;
const BAR_WIDTH: usize = 360;
const WIDTH: usize = LABEL_WIDTH + BAR_WIDTH + 70;

/// A horizontal bar chart. `id` makes the title and description ids unique
/// on the page; `total` is the value of a full-width bar.
pub fn bars(id: &str, title: &str, description: &str, bars: &[Bar], total: usize) -> String {
    let height = ROW * bars.len().max(1) + 8;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" role=\"group\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\
<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        html(title),
        html(description)
    );
    let total = total.max(1);
    for (i, bar) in bars.iter().enumerate() {
        let y = i * ROW + 4;
        let width = (bar.value * BAR_WIDTH)
            .div_ceil(total)
            .max(if bar.value > 0 { 2 } else { 0 });
        let class = if bar.emphasis {
            "chart-bar chart-bar-emphasis"
        } else {
            "chart-bar"
        };
        let number = bar.caption.clone().unwrap_or_else(|| bar.value.to_string());
        let _ = write!(
            svg,
            "<a href=\"{}\"><text class=\"chart-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
<rect class=\"{class}\" x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width}\" height=\"{}\" rx=\"3\"/>\
<text class=\"chart-value\" x=\"{}\" y=\"{}\">{}</text></a>",
            html(&bar.href),
            LABEL_WIDTH - 8,
            y + 15,
            html(&bar.label),
            ROW - 8,
            LABEL_WIDTH + width + 6,
            y + 15,
            html(&number),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: usize) -> Bar {
        Bar {
            label: label.into(),
            value,
            href: "/engagements/?method=helm".into(),
            emphasis: false,
            caption: None,
        }
    }

    #[test]
    fn bars_carry_numbers_links_and_escaped_labels() {
        let svg = bars(
            "by-method",
            "By method",
            "Helm 6",
            &[bar("Helm", 6), bar("<script>x</script>", 0)],
            6,
        );
        assert!(svg.starts_with(
            "<svg class=\"chart\" role=\"group\" aria-labelledby=\"by-method-title by-method-desc\""
        ));
        assert!(svg.contains("<a href=\"/engagements/?method=helm\">"));
        assert!(svg.contains(">6</text>"), "the number is printed");
        assert!(svg.contains("width=\"360\""), "a full bar spans the width");
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn the_same_data_gives_the_same_bytes() {
        let data = [bar("Helm", 3), bar("Compose", 1)];
        assert_eq!(bars("a", "t", "d", &data, 4), bars("a", "t", "d", &data, 4));
    }
}

/// One row of a comparison with the reference.
#[derive(Debug, Clone)]
pub struct Compared {
    pub label: String,
    /// The limit, drawn as the bar.
    pub value: f64,
    /// The request, drawn as a narrower bar inside it.
    pub request: f64,
    pub reference: Option<f64>,
    /// The figure as people read it, and the verdict ("12 vs 8, right-size").
    pub caption: String,
    /// `under`, `over` or `within`: the bar's class.
    pub fit: &'static str,
}

/// Bars for the engagement, with a tick where the reference stands.
pub fn compared(id: &str, title: &str, rows: &[Compared]) -> String {
    let height = ROW * rows.len().max(1) + 8;
    let most = rows
        .iter()
        .map(|r| r.value.max(r.reference.unwrap_or(0.0)))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let scale = |v: f64| ((v / most) * BAR_WIDTH as f64).round() as usize;
    let description: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: {}", r.label, r.caption))
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\
<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        WIDTH + 120,
        html(title),
        html(&description.join("; "))
    );
    for (i, row) in rows.iter().enumerate() {
        let y = i * ROW + 4;
        let width = scale(row.value);
        let _ = write!(
            svg,
            "<text class=\"chart-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
<rect class=\"chart-bar chart-bar-{}\" x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width}\" height=\"{}\" rx=\"3\"/>\
<rect class=\"chart-request\" x=\"{LABEL_WIDTH}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
            LABEL_WIDTH - 8,
            y + 15,
            html(&row.label),
            row.fit,
            ROW - 8,
            y + (ROW - 8) / 3,
            scale(row.request),
            (ROW - 8) / 3,
        );
        if let Some(reference) = row.reference {
            let x = LABEL_WIDTH + scale(reference);
            let _ = write!(
                svg,
                "<line class=\"chart-reference\" x1=\"{x}\" x2=\"{x}\" y1=\"{}\" y2=\"{}\"/>",
                y - 2,
                y + ROW - 4
            );
        }
        let _ = write!(
            svg,
            "<text class=\"chart-value\" x=\"{}\" y=\"{}\">{}</text>",
            LABEL_WIDTH + width.max(row.reference.map_or(0, scale)) + 8,
            y + 15,
            html(&row.caption)
        );
    }
    svg.push_str("</svg>");
    svg
}
