//! Site URLs under the base path, so the site works at `/` and under a
//! sub-path such as `/refarch/` alike.

/// Builds links for one build.
#[derive(Debug, Clone)]
pub struct Urls {
    /// The base path, starting and ending with `/`.
    base: String,
    /// Scheme and host when the base URL gave one (for the sitemap).
    origin: String,
}

impl Urls {
    /// `base_url` is a path (`/refarch/`) or a full URL
    /// (`https://docs.example.internal/refarch/`).
    pub fn new(base_url: &str) -> Urls {
        let (origin, path) = match base_url.find("://") {
            Some(scheme_end) => {
                let after = &base_url[scheme_end + 3..];
                let path_start = after
                    .find('/')
                    .map_or(base_url.len(), |i| scheme_end + 3 + i);
                (base_url[..path_start].to_string(), &base_url[path_start..])
            }
            None => (String::new(), base_url),
        };
        let trimmed = path.trim_matches('/');
        let base = if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        };
        Urls { base, origin }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The link to a site path such as `support/` or `/support/`.
    pub fn path(&self, site_path: &str) -> String {
        // Not `format!`: templates call this dozens of times per page.
        let site_path = site_path.trim_start_matches('/');
        let mut path = String::with_capacity(self.base.len() + site_path.len());
        path.push_str(&self.base);
        path.push_str(site_path);
        path
    }

    /// An absolute URL for the sitemap: with the origin when the base URL
    /// had one.
    pub fn absolute(&self, site_path: &str) -> String {
        format!("{}{}", self.origin, self.path(site_path))
    }

    /// Rewrites a link written in content: site-absolute paths get the base
    /// path; scripts and other active schemes become inert.
    pub fn rewrite(&self, destination: &str) -> String {
        let lowered = destination.trim().to_ascii_lowercase();
        let scheme = lowered.split(':').next().unwrap_or("");
        let has_scheme = lowered.contains(':')
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
        if has_scheme && !matches!(scheme, "http" | "https" | "mailto") {
            return "#".to_string();
        }
        if destination.starts_with('/') && !destination.starts_with("//") {
            return self.path(destination);
        }
        destination.to_string()
    }
}

impl Urls {
    /// A link from data: a site path (`engagements/acme/`, `/support/`), an
    /// anchor, or an external URL; active schemes become inert.
    pub fn href(&self, destination: &str) -> String {
        let rewritten = encode_unsafe(&self.rewrite(destination));
        let is_external = rewritten.contains("://")
            || rewritten.starts_with("mailto:")
            || rewritten.starts_with("//");
        if is_external || rewritten.starts_with('#') || rewritten.starts_with('/') {
            rewritten
        } else {
            self.path(&rewritten)
        }
    }
}

/// Percent-encodes what a URL may not contain literally (spaces, quotes,
/// angle brackets, controls), leaving everything else, including existing
/// escapes, as written.
fn encode_unsafe(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.trim().chars() {
        if c.is_control() || " \"<>\\^`{|}".contains(c) {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised() {
        assert_eq!(Urls::new("/").path("support/"), "/support/");
        assert_eq!(Urls::new("").path("/support/"), "/support/");
        assert_eq!(Urls::new("/refarch").path("support/"), "/refarch/support/");
        let full = Urls::new("https://docs.example.internal/refarch/");
        assert_eq!(full.path("/support/"), "/refarch/support/");
        assert_eq!(
            full.absolute("support/"),
            "https://docs.example.internal/refarch/support/"
        );
    }

    #[test]
    fn hrefs_from_data() {
        let urls = Urls::new("/refarch/");
        assert_eq!(urls.href("engagements/acme/"), "/refarch/engagements/acme/");
        assert_eq!(urls.href("/support/"), "/refarch/support/");
        assert_eq!(urls.href("https://x.example/"), "https://x.example/");
        assert_eq!(urls.href("#rule-x"), "#rule-x");
        assert_eq!(urls.href("javascript:alert(1)"), "#");
        assert_eq!(
            urls.href("https://x.example/?a=\"2\" b"),
            "https://x.example/?a=%222%22%20b"
        );
    }

    #[test]
    fn active_schemes_are_neutralised() {
        let urls = Urls::new("/");
        assert_eq!(urls.rewrite("javascript:alert(1)"), "#");
        assert_eq!(urls.rewrite(" JaVaScRiPt:alert(1)"), "#");
        assert_eq!(urls.rewrite("data:text/html,x"), "#");
        assert_eq!(urls.rewrite("vbscript:x"), "#");
        assert_eq!(
            urls.rewrite("https://x.example/a:b"),
            "https://x.example/a:b"
        );
        assert_eq!(
            urls.rewrite("mailto:team@example.com"),
            "mailto:team@example.com"
        );
        assert_eq!(urls.rewrite("guide/x/#a:b"), "guide/x/#a:b");
        assert_eq!(urls.rewrite("//evil.example/x"), "//evil.example/x");
    }
}
