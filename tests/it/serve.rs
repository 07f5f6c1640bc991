//! `refarch serve` over real HTTP: answers, traversal attempts, base path,
//! port choice, rebuilds on edits, and the browser side (live reload, the
//! error overlay, stylesheets swapped in place).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::browser::Browser;
use crate::site_test::SiteTest;

/// A running `refarch serve`, stopped when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub url: String,
    log: Receiver<String>,
}

impl Server {
    pub(crate) fn start(test: &SiteTest, args: &[&str]) -> Server {
        Server::try_start(test, args).unwrap_or_else(|log| panic!("serve did not start:\n{log}"))
    }

    fn try_start(test: &SiteTest, args: &[&str]) -> Result<Server, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_refarch"))
            .arg("--root")
            .arg(test.path())
            .args(["--color", "never", "serve"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (lines, log) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = String::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match log.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if let Some(rest) = line.strip_prefix("serving ") {
                        let url = rest
                            .split_whitespace()
                            .next()
                            .unwrap()
                            .trim_end_matches('/')
                            .to_string();
                        return Ok(Server { child, url, log });
                    }
                }
                Err(_) => {
                    if let Ok(Some(_)) = child.try_wait() {
                        while let Ok(line) = log.try_recv() {
                            seen.push_str(&line);
                            seen.push('\n');
                        }
                        return Err(seen);
                    }
                }
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(seen)
    }

    /// The origin, without the base path.
    pub(crate) fn origin(&self) -> String {
        let after_scheme = &self.url["http://".len()..];
        format!("http://{}", after_scheme.split('/').next().unwrap())
    }

    /// Waits for a log line containing `text`.
    pub(crate) fn wait_log(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(line) = self.log.recv_timeout(Duration::from_millis(100))
                && line.contains(text)
            {
                return line;
            }
        }
        panic!("no log line with {text:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP GET, so that paths reach the server exactly as written.
fn get(origin: &str, path: &str) -> (u16, String, String) {
    let address = origin.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|line| {
            line.strip_prefix("Content-Type: ")
                .or_else(|| line.strip_prefix("content-type: "))
        })
        .unwrap_or("")
        .to_string();
    (status, content_type, body.to_string())
}

#[test]
fn it_serves_the_site_and_nothing_outside_it() {
    let test = SiteTest::minimal();
    std::fs::write(test.path().join("secret.txt"), "do not serve").unwrap();
    let server = Server::start(&test, &["--port", "0"]);
    let origin = server.origin();
    let (status, content_type, body) = get(&origin, "/");
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    assert!(
        body.contains("/__refarch/live.js"),
        "serve mode injects the reload script"
    );
    for (path, expected) in [
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/static/search.js", "text/javascript; charset=utf-8"),
        ("/support/support.json", "application/json"),
        ("/fleet.csv", "text/csv; charset=utf-8"),
        ("/sitemap.xml", "application/xml"),
    ] {
        assert_eq!(get(&origin, path).1, expected, "{path}");
    }
    for attempt in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/static/..%2f..%2fsecret.txt",
        "/static/%5c..%5csecret.txt",
        "//secret.txt",
        "/secret.txt",
        "/data/site.toml",
        "/engagements/",
    ] {
        let (status, _, body) = get(&origin, attempt);
        if attempt == "/engagements/" {
            assert_eq!(status, 200);
            continue;
        }
        assert_eq!(status, 404, "{attempt}");
        assert!(
            !body.contains("do not serve") && !body.contains("title = "),
            "{attempt} leaked a file"
        );
        assert!(
            body.contains("Page not found"),
            "{attempt} answers with 404.html"
        );
    }
    assert_eq!(get(&origin, "/support").0, 301);
}

#[test]
fn it_works_under_a_base_path() {
    let test = SiteTest::minimal();
    let server = Server::start(&test, &["--port", "0", "--base-url", "/refarch/"]);
    assert!(server.url.ends_with("/refarch"), "{}", server.url);
    let origin = server.origin();
    assert_eq!(get(&origin, "/").0, 301);
    let (status, _, body) = get(&origin, "/refarch/support/");
    assert_eq!(status, 200);
    assert!(body.contains("src=\"/refarch/__refarch/live.js\""));
    assert_eq!(get(&origin, "/support/").0, 404);
}

#[test]
fn a_taken_default_port_moves_to_the_next_and_a_taken_chosen_port_is_an_error() {
    let test = SiteTest::minimal();
    // Hold the default port (it may already be held by someone else).
    let _held = TcpListener::bind("127.0.0.1:1111");
    let server = Server::start(&test, &[]);
    assert!(
        !server.url.contains(":1111/") && !server.url.ends_with(":1111"),
        "{}",
        server.url
    );
    let port: u16 = server.origin().rsplit(':').next().unwrap().parse().unwrap();
    let error = Server::try_start(&test, &["--port", &port.to_string()])
        .err()
        .expect("a taken port is refused");
    assert!(
        error.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{error}"
    );
}

#[test]
fn an_edit_rebuilds_and_a_broken_one_keeps_the_last_good_site() {
    let test = SiteTest::minimal();
    let server = Server::start(&test, &["--port", "0"]);
    let origin = server.origin();
    let file = "data/engagements/acme.toml";
    let original = test.read(file);
    test.write(file, original.replace("Acme Corp", "Acme Industries"));
    server.wait_log("rebuilt in");
    assert!(
        get(&origin, "/engagements/acme/")
            .2
            .contains("Acme Industries")
    );
    test.write(
        file,
        original.replace("method = \"helm\"", "method = \"helmm\""),
    );
    server.wait_log("the last good site stays up");
    assert!(
        get(&origin, "/engagements/acme/")
            .2
            .contains("Acme Industries"),
        "the last good site is served"
    );
    test.write(file, &original);
    server.wait_log("rebuilt in");
    assert!(get(&origin, "/engagements/acme/").2.contains("Acme Corp"));
}

#[test]
fn a_site_that_does_not_build_at_first_appears_once_fixed() {
    let test = SiteTest::minimal();
    let file = "data/engagements/acme.toml";
    let original = test.read(file);
    test.write(
        file,
        original.replace("method = \"helm\"", "method = \"helmm\""),
    );
    let server = Server::start(&test, &["--port", "0"]);
    let origin = server.origin();
    let (status, content_type, body) = get(&origin, "/engagements/acme/");
    assert_eq!(
        (status, content_type.as_str()),
        (503, "text/html; charset=utf-8")
    );
    assert!(body.contains("data-refarch-no-site"), "{body}");
    assert!(
        body.contains("/__refarch/live.js"),
        "the page will reload itself: {body}"
    );
    test.write(file, &original);
    server.wait_log("rebuilt in");
    let (status, _, body) = get(&origin, "/engagements/acme/");
    assert_eq!(status, 200);
    assert!(body.contains("Acme Corp"));
}

#[test]
fn the_browser_follows_edits_errors_and_styles_without_reloading_by_hand() {
    let Some(mut browser) = Browser::launch() else {
        return;
    };
    let test = SiteTest::minimal();
    let server = Server::start(&test, &["--port", "0"]);
    let page = format!("{}/engagements/acme/", server.url.trim_end_matches('/'));
    browser.goto(&page);
    browser.wait_for("typeof EventSource !== 'undefined' && document.querySelector('h1').textContent === 'Acme Corp'");
    // Give the event stream a moment to connect before the first edit.
    std::thread::sleep(Duration::from_millis(300));

    let file = "data/engagements/acme.toml";
    let original = test.read(file);
    test.write(file, original.replace("Acme Corp", "Acme Industries"));
    browser.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent === 'Acme Industries'");

    test.write(
        file,
        original.replace("method = \"helm\"", "method = \"helmm\""),
    );
    browser.wait_for("document.querySelector('.error-overlay') !== null");
    let overlay = browser.eval("document.querySelector('.error-overlay pre').textContent");
    let overlay = overlay.as_str().unwrap();
    assert!(
        overlay.contains("data/engagements/acme.toml:11:10"),
        "{overlay}"
    );
    assert!(overlay.contains("did you mean `helm`?"), "{overlay}");

    test.write(file, &original);
    browser.wait_for("document.querySelector('.error-overlay') === null && document.querySelector('h1').textContent === 'Acme Corp'");

    // A stylesheet change is applied in place: the page is not reloaded.
    browser.eval("window.refarchMarker = 'still here'");
    test.write(
        "themes/default/static/style.css",
        "body { background-color: rgb(1, 2, 3); }\n",
    );
    browser.wait_for("getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'");
    assert_eq!(browser.eval("window.refarchMarker"), "still here");
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let test = SiteTest::minimal();
    let mut server = Server::start(&test, &["--port", "0"]);
    // An open live-reload stream must not keep the server from stopping.
    let address = server.origin().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /__refarch/events HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    server.wait_log("stopped");
}
