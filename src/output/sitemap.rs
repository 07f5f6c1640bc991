//! `sitemap.xml` and `robots.txt`.

use crate::render::RenderedPage;
use crate::render::urls::Urls;

/// Every listed page. URLs are absolute when the base URL names a host.
pub fn sitemap<'a>(pages: impl IntoIterator<Item = &'a RenderedPage>, urls: &Urls) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in pages.into_iter().filter(|p| p.listed) {
        let location = crate::render::escape::html(&urls.absolute(&page.path));
        xml.push_str(&format!("  <url><loc>{location}</loc></url>\n"));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// An internal site: ask crawlers to stay out, and point at the sitemap.
pub fn robots(urls: &Urls) -> String {
    format!(
        "User-agent: *\nDisallow: /\nSitemap: {}\n",
        urls.absolute("sitemap.xml")
    )
}
