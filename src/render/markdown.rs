//! Markdown to HTML: pulldown-cmark with tables, footnotes and task lists,
//! heading ids and a table of contents, highlighted code, internal links
//! under the base path, and raw HTML shown as text (never passed through).

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html,
};
use serde::Serialize;

use super::highlight::highlight;
use super::urls::Urls;

/// One heading of the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A link found in the Markdown, with where it was written, so that a
/// broken link can be reported at its source line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    pub destination: String,
    /// Byte range in the Markdown text.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub links: Vec<SourceLink>,
}

/// Renders `markdown`; internal links (`/support/`) get the base path.
pub fn render(markdown: &str, urls: &Urls, highlight: bool) -> Rendered {
    render_with_ids(markdown, urls, "", highlight)
}

/// The links written in `markdown`, without rendering it: what `check`
/// needs, at a fraction of the cost (no HTML, no highlighting).
pub fn links(markdown: &str) -> Vec<SourceLink> {
    Parser::new_ext(markdown, parser_options())
        .into_offset_iter()
        .filter_map(|(event, span)| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some(SourceLink {
                destination: dest_url.to_string(),
                span,
            }),
            _ => None,
        })
        .collect()
}

fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders Markdown embedded in a generated page: heading ids get `prefix`,
/// so that they cannot clash with the page's own sections.
pub fn render_with_ids(markdown: &str, urls: &Urls, prefix: &str, highlight: bool) -> Rendered {
    let options = parser_options();
    let mut rendered = Rendered::default();
    // Sized up front rather than grown by doubling, each step copying every
    // event so far: the benchmark's runbooks make one event per 17 bytes of
    // Markdown and the example site's pages one per 13, so room for one per
    // 8 is enough for all but the densest page.
    let mut events = Vec::with_capacity(markdown.len() / 8);
    let mut used_ids: HashMap<String, usize> = HashMap::new();
    let mut code: Option<(String, String)> = None;
    let mut heading: Option<(HeadingLevel, Option<String>, Vec<Event>)> = None;

    for (event, span) in Parser::new_ext(markdown, options).into_offset_iter() {
        // Inside a fenced block, collect the text to highlight it at the end.
        if let Some((_, text)) = &mut code {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let (language, text) = code.take().expect("inside a code block");
                    events.push(Event::Html(code_block(&language, &text, highlight).into()));
                }
                _ => {}
            }
            continue;
        }
        let event = match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((language, String::new()));
                continue;
            }
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                rendered.links.push(SourceLink {
                    destination: String::from(&*dest_url),
                    span: span.clone(),
                });
                Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(urls.rewrite(&dest_url)),
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(urls.rewrite(&dest_url)),
                title,
                id,
            }),
            other => other,
        };
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level, id.map(|id| id.to_string()), Vec::new()));
            }
            Event::End(TagEnd::Heading(level)) => {
                let (_, explicit_id, inner) = heading.take().expect("inside a heading");
                let title = plain_text(&inner);
                let slugged = explicit_id.unwrap_or_else(|| slug(&title));
                let id = unique_id([prefix, &slugged].concat(), &mut used_ids);
                if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    rendered.toc.push(TocEntry {
                        level: level as u8,
                        id: id.clone(),
                        title: title.clone(),
                    });
                }
                // Written piece by piece: through format!, with the id's,
                // headings cost 9.6 M of the Markdown corpus's 783 M
                // instructions, about 1 000 a call (bench/instructions.sh).
                let digit = char::from(b'0' + level as u8);
                let mut heading_html = String::with_capacity(2 * title.len() + id.len() + 20);
                heading_html.push_str("<h");
                heading_html.push(digit);
                heading_html.push_str(" id=\"");
                heading_html.push_str(&id);
                heading_html.push_str("\">");
                html::push_html(&mut heading_html, inner.into_iter());
                heading_html.push_str("</h");
                heading_html.push(digit);
                heading_html.push_str(">\n");
                events.push(Event::Html(heading_html.into()));
            }
            other => match &mut heading {
                Some((_, _, inner)) => inner.push(other),
                None => events.push(other),
            },
        }
    }
    // HTML is 1.2 times the runbooks' Markdown and 2.1 times the example
    // site's (tables, highlighted code): a page longer than 1.5 times
    // grows once more.
    rendered.html.reserve(markdown.len() + markdown.len() / 2);
    html::push_html(&mut rendered.html, events.into_iter());
    rendered
}

fn code_block(language: &str, code: &str, highlighting: bool) -> String {
    let escaped_language = escape(language);
    if !highlighting && !language.is_empty() {
        return format!(
            "<pre class=\"code\" data-language=\"{escaped_language}\" tabindex=\"0\"><code>{}</code></pre>\n",
            escape(code)
        );
    }
    match (!language.is_empty())
        .then(|| highlight(code, language))
        .flatten()
    {
        Some(highlighted) => format!(
            "<pre class=\"code\" data-language=\"{escaped_language}\" tabindex=\"0\"><code>{highlighted}</code></pre>\n"
        ),
        None => format!(
            "<pre class=\"code\" tabindex=\"0\"><code>{}</code></pre>\n",
            escape(code)
        ),
    }
}

fn escape(text: &str) -> String {
    super::escape::html(text)
}

fn plain_text(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
            _ => None,
        })
        .collect()
}

/// A heading id: lowercase words joined by hyphens.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut push = |c: char, alphanumeric: bool| {
        if alphanumeric {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    };
    for c in text.chars() {
        // Headings are nearly all ASCII: Unicode's tables only for the rest.
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), c.is_ascii_alphanumeric());
        } else {
            for lower in c.to_lowercase() {
                push(lower, lower.is_alphanumeric());
            }
        }
    }
    slug.truncate(slug.trim_end_matches('-').len());
    if slug.is_empty() {
        slug.push_str("section");
    }
    slug
}

fn unique_id(id: String, used: &mut HashMap<String, usize>) -> String {
    let count = used.entry(id.clone()).or_insert(0);
    *count += 1;
    let id = if *count == 1 {
        id
    } else {
        format!("{id}-{count}")
    };
    escape(&id)
}

#[cfg(test)]
mod tests {

    /// Heading ids are the heading lowercased character by character (so
    /// a final sigma stays `σ`), its runs of letters and digits joined by
    /// single hyphens.
    #[test]
    fn slugs_are_the_lowercased_words_joined_by_hyphens() {
        fn plainly(text: &str) -> String {
            let lowered: String = text.chars().flat_map(char::to_lowercase).collect();
            let words: Vec<String> = lowered
                .split(|c: char| !c.is_alphanumeric())
                .filter(|word| !word.is_empty())
                .map(str::to_string)
                .collect();
            if words.is_empty() {
                "section".to_string()
            } else {
                words.join("-")
            }
        }
        for text in [
            "Upgrades: 5.x → 6.0",
            "  Final production design  ",
            "m6a.4xlarge (AWS)",
            "İstanbul ΣΑΣ Straße Ⅻ",
            "ÀB-cD x9",
            "--",
            "",
            "a—b",
        ] {
            assert_eq!(slug(text), plainly(text), "{text:?}");
        }
        assert_eq!(slug("Upgrades: 5.x → 6.0"), "upgrades-5-x-6-0");
    }

    #[test]
    fn links_are_those_rendering_finds() {
        let text = "See [a](/support/) and ![i](x.png) and [b][r].\n\n[r]: https://example.com\n\n```\n[not](/a-link/)\n```\n";
        let urls = Urls::new("/");
        let rendered: Vec<(String, std::ops::Range<usize>)> = render(text, &urls, true)
            .links
            .into_iter()
            .map(|l| (l.destination, l.span))
            .collect();
        let found: Vec<(String, std::ops::Range<usize>)> = links(text)
            .into_iter()
            .map(|l| (l.destination, l.span))
            .collect();
        assert_eq!(found, rendered);
        assert_eq!(found.len(), 2);
    }

    use super::*;

    fn md(text: &str) -> Rendered {
        render(text, &Urls::new("/refarch/"), true)
    }

    #[test]
    fn headings_get_ids_and_a_table_of_contents() {
        let out = md("# Title\n\n## Why it matters\n\n### Details\n\n## Why it matters\n");
        assert!(
            out.html
                .contains("<h2 id=\"why-it-matters\">Why it matters</h2>")
        );
        assert!(out.html.contains("<h2 id=\"why-it-matters-2\">"));
        let toc: Vec<(u8, &str)> = out.toc.iter().map(|e| (e.level, e.id.as_str())).collect();
        assert_eq!(
            toc,
            [
                (2, "why-it-matters"),
                (3, "details"),
                (2, "why-it-matters-2")
            ]
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let out = md("Hello <script>alert(1)</script>\n\n<div onclick=x>block</div>\n");
        assert!(!out.html.contains("<script>"));
        assert!(out.html.contains("&lt;script&gt;"));
        assert!(!out.html.contains("<div onclick"));
    }

    #[test]
    fn internal_links_get_the_base_path_and_scripts_are_refused() {
        let out = md(
            "[matrix](/support/) [ext](https://example.com/) [x](javascript:alert(1)) [rel](#top)\n",
        );
        assert!(out.html.contains("href=\"/refarch/support/\""));
        assert!(out.html.contains("href=\"https://example.com/\""));
        assert!(!out.html.contains("javascript:"));
        assert!(out.html.contains("href=\"#top\""));
        assert_eq!(out.links[0].destination, "/support/");
        assert_eq!(out.links[0].span, 0..19);
    }

    #[test]
    fn fenced_code_is_highlighted_and_unknown_languages_escaped() {
        let out = md("```toml\n[limits]\nusers = 1\n```\n\n```weird\n<b>\n```\n");
        assert!(out.html.contains(
            "<pre class=\"code\" data-language=\"toml\" tabindex=\"0\"><code><span class=\"hl-"
        ));
        assert!(
            out.html
                .contains("<pre class=\"code\" tabindex=\"0\"><code>&lt;b&gt;")
        );
    }

    #[test]
    fn with_highlighting_off_code_is_escaped_as_is() {
        let out = render(
            "```toml\n[limits]\nusers = \"<1>\"\n```\n",
            &Urls::new("/"),
            false,
        );
        assert!(
            out.html.contains(
                "<pre class=\"code\" data-language=\"toml\" tabindex=\"0\"><code>[limits]\nusers = &quot;&lt;1&gt;&quot;\n</code></pre>"
            ),
            "{}",
            out.html
        );
        assert!(!out.html.contains("hl-"));
    }

    #[test]
    fn tables_footnotes_and_task_lists() {
        let out =
            md("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nNote[^1].\n\n[^1]: Because.\n");
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("type=\"checkbox\""));
        assert!(out.html.contains("footnote"));
    }
}
