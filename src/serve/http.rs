//! Answering requests from the built site in memory: nothing outside it is
//! ever read, so there is no directory listing and no way out through
//! `..`, encoded dots, absolute paths or symbolic links.

use std::sync::Arc;

use super::reload::{EVENTS_PATH, LIVE_JS, SCRIPT_PATH, inject};
use crate::build::SiteFiles;

/// A built site as served: its files, base path, and the rebuild it came
/// from, which its pages tell the live-reload script.
pub struct Snapshot {
    pub files: Arc<SiteFiles>,
    pub base: String,
    pub epoch: u64,
}

/// What to answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// A file: status, content type, body.
    File {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// A redirect to a location under the site.
    Redirect(String),
    /// The live-reload event stream.
    Events,
    /// A method other than GET or HEAD.
    MethodNotAllowed,
}

/// Decides the answer to `method url` from `snapshot`.
pub fn answer(snapshot: &Snapshot, method: &str, url: &str) -> Answer {
    if method != "GET" && method != "HEAD" {
        return Answer::MethodNotAllowed;
    }
    let raw_path = url.split(['?', '#']).next().unwrap_or("/");
    let Some(path) = decode(raw_path).filter(|path| is_safe(path)) else {
        return not_found(snapshot);
    };
    let base = &snapshot.base;
    // Under a base path, its bare form and the server root lead to it.
    if base != "/" && (path == base.trim_end_matches('/') || path == "/") {
        return Answer::Redirect(base.clone());
    }
    let Some(relative) = path.strip_prefix(base.as_str()) else {
        return not_found(snapshot);
    };
    match relative {
        SCRIPT_PATH => {
            return Answer::File {
                status: 200,
                content_type: "text/javascript; charset=utf-8",
                body: LIVE_JS.as_bytes().to_vec(),
            };
        }
        EVENTS_PATH => return Answer::Events,
        _ => {}
    }
    let file = if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_string()
    };
    if let Some(body) = snapshot.files.get(file.as_str()) {
        return file_answer(200, &file, body, snapshot);
    }
    if snapshot
        .files
        .contains_key(format!("{relative}/index.html").as_str())
    {
        return Answer::Redirect(format!("{path}/"));
    }
    not_found(snapshot)
}

fn file_answer(status: u16, file: &str, body: &[u8], snapshot: &Snapshot) -> Answer {
    let content_type = content_type(file);
    let body = if content_type.starts_with("text/html") {
        inject(body, &snapshot.base, snapshot.epoch)
    } else {
        body.to_vec()
    };
    Answer::File {
        status,
        content_type,
        body,
    }
}

fn not_found(snapshot: &Snapshot) -> Answer {
    match snapshot.files.get("404.html") {
        Some(page) => file_answer(404, "404.html", page, snapshot),
        None if snapshot.files.is_empty() => no_site_yet(snapshot),
        None => Answer::File {
            status: 404,
            content_type: "text/plain; charset=utf-8",
            body: b"not found\n".to_vec(),
        },
    }
}

/// Before the first good build there is no site: every address gets a page
/// that waits for one, with the live-reload script, so that the problem
/// shows over it and the browser reloads by itself once the site builds.
fn no_site_yet(snapshot: &Snapshot) -> Answer {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"refarch-base\" content=\"{base}\">\n<title>The site does not build yet</title>\n</head>\n<body data-refarch-no-site>\n<h1>The site does not build yet</h1>\n<p>The problem is shown below and in the terminal. Fix it and this page turns into the site.</p>\n</body>\n</html>\n",
        base = crate::render::escape::html(&snapshot.base)
    );
    Answer::File {
        status: 503,
        content_type: "text/html; charset=utf-8",
        body: inject(page.as_bytes(), &snapshot.base, snapshot.epoch),
    }
}

/// The content type of a site file, by extension.
pub fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Percent-decodes a path; `None` when it does not decode to UTF-8.
pub fn decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Absolute, with no `.` or `..` segment, no backslash, no NUL: decoded
/// first, so `%2e%2e` counts as `..`.
pub fn is_safe(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains(['\\', '\0'])
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        && !path.contains("//")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(base: &str) -> Snapshot {
        let files: SiteFiles = [
            ("index.html", "<body>home</body>"),
            ("404.html", "<body>missing</body>"),
            ("support/index.html", "<body>support</body>"),
            ("static/style.css", "body{}"),
            ("fleet.csv", "id\n"),
            ("search/idx/zü.json", "{}"),
        ]
        .iter()
        .map(|(p, c)| (Arc::from(*p), Arc::from(c.as_bytes())))
        .collect();
        Snapshot {
            files: Arc::new(files),
            base: base.to_string(),
            epoch: 0,
        }
    }

    fn status(answer: &Answer) -> u16 {
        match answer {
            Answer::File { status, .. } => *status,
            Answer::Redirect(_) => 301,
            Answer::Events => 200,
            Answer::MethodNotAllowed => 405,
        }
    }

    #[test]
    fn traversal_attempts_find_nothing() {
        let site = snapshot("/");
        for attempt in [
            "/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/support/../../etc/passwd",
            "/..%2f..%2fetc/passwd",
            "/%5c..%5c..%5cetc%5cpasswd",
            "//etc/passwd",
            "/etc/passwd",
            "/support/%00",
            "/./index.html",
            "/%ff",
        ] {
            let answer = answer(&site, "GET", attempt);
            assert_eq!(status(&answer), 404, "{attempt}");
            let Answer::File { body, .. } = answer else {
                unreachable!()
            };
            assert!(
                String::from_utf8_lossy(&body).contains("missing"),
                "{attempt} serves the 404 page"
            );
        }
    }

    #[test]
    fn files_get_their_content_types_and_pages_the_reload_script() {
        let site = snapshot("/");
        let Answer::File {
            content_type, body, ..
        } = answer(&site, "GET", "/support/")
        else {
            panic!()
        };
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert!(
            String::from_utf8(body)
                .unwrap()
                .contains("/__refarch/live.js")
        );
        let Answer::File {
            content_type, body, ..
        } = answer(&site, "GET", "/static/style.css?v=3")
        else {
            panic!()
        };
        assert_eq!(
            (content_type, body.as_slice()),
            ("text/css; charset=utf-8", b"body{}".as_slice())
        );
        assert!(matches!(
            answer(&site, "GET", "/fleet.csv"),
            Answer::File {
                content_type: "text/csv; charset=utf-8",
                ..
            }
        ));
        assert!(matches!(
            answer(&site, "GET", "/search/idx/z%C3%BC.json"),
            Answer::File { status: 200, .. }
        ));
    }

    #[test]
    fn directories_redirect_and_other_methods_are_refused() {
        let site = snapshot("/");
        assert_eq!(
            answer(&site, "GET", "/support"),
            Answer::Redirect("/support/".into())
        );
        assert_eq!(answer(&site, "POST", "/"), Answer::MethodNotAllowed);
        assert_eq!(answer(&site, "GET", "/__refarch/events"), Answer::Events);
    }

    #[test]
    fn before_the_first_good_build_every_address_waits_for_the_site() {
        let empty = Snapshot {
            files: Arc::new(SiteFiles::new()),
            base: "/refarch/".into(),
            epoch: 0,
        };
        let Answer::File { status, body, .. } = answer(&empty, "GET", "/refarch/support/") else {
            panic!()
        };
        let body = String::from_utf8(body).unwrap();
        assert_eq!(status, 503);
        assert!(body.contains("data-refarch-no-site"), "{body}");
        assert!(body.contains("<meta name=\"refarch-base\" content=\"/refarch/\">"));
        assert!(
            body.contains("src=\"/refarch/__refarch/live.js\""),
            "{body}"
        );
    }

    #[test]
    fn a_base_path_is_honoured() {
        let site = snapshot("/refarch/");
        assert_eq!(
            answer(&site, "GET", "/"),
            Answer::Redirect("/refarch/".into())
        );
        assert_eq!(
            answer(&site, "GET", "/refarch"),
            Answer::Redirect("/refarch/".into())
        );
        assert_eq!(status(&answer(&site, "GET", "/refarch/support/")), 200);
        assert_eq!(
            status(&answer(&site, "GET", "/support/")),
            404,
            "outside the base path"
        );
        let Answer::File { body, .. } = answer(&site, "GET", "/refarch/") else {
            panic!()
        };
        assert!(
            String::from_utf8(body)
                .unwrap()
                .contains("src=\"/refarch/__refarch/live.js\"")
        );
    }
}
