//! `refarch serve` under load, from this process over loopback: many
//! keep-alive clients while an engagement is edited again and again, slow
//! senders beside them, and oversized requests. Counts and durations are
//! bounded so that the test takes a few seconds.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::serve::Server;
use crate::site_test::SiteTest;

const CLIENTS: usize = 12;
const SLOW_SENDERS: usize = 8;
const EDITS: usize = 16;
const EDIT_EVERY: Duration = Duration::from_millis(150);
/// Pages that show the customer's name, and one that is only fetched.
const PAGES: [&str; 3] = ["/engagements/acme/", "/engagements/", "/static/style.css"];

/// What the clients saw: one entry per answered request.
#[derive(Default)]
struct Seen {
    requests: usize,
    errors: Vec<String>,
    slowest: Duration,
    /// (epoch, page) → the customer's name on it.
    names: BTreeMap<(u64, &'static str), String>,
    mixed: Vec<String>,
}

/// One keep-alive connection.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(address: &str) -> Client {
        let stream = TcpStream::connect(address).unwrap();
        // The request goes out in pieces; Nagle would hold them back.
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    /// GET over the kept connection: status and body.
    fn get(&mut self, path: &str) -> std::io::Result<(u16, String)> {
        write!(
            self.reader.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )?;
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line)?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, String::from_utf8(body).unwrap()))
    }
}

/// The epoch a served page came from, from its live-reload script tag.
fn epoch_of(html: &str) -> Option<u64> {
    let rest = html.split("data-epoch=\"").nth(1)?;
    rest.split('"').next()?.parse().ok()
}

/// The edited customer name on a page, `Acme Corp` or `Acme Corp <n>`.
fn name_on(html: &str) -> Option<String> {
    let start = html.find("Acme Corp")?;
    let name: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    Some(name.trim_end().to_string())
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap()
}

#[test]
fn many_clients_while_editing_see_whole_sites_and_slow_senders_hold_nobody_up() {
    let test = SiteTest::minimal();
    let server = Server::start(&test, &["--port", "0"]);
    let address = server.origin().trim_start_matches("http://").to_string();
    let pid = server.child.id();
    let running = Arc::new(AtomicBool::new(true));
    let seen = Arc::new(Mutex::new(Seen::default()));

    // Slow senders: a request head trickled out a byte every 200 ms.
    let slow: Vec<_> = (0..SLOW_SENDERS)
        .map(|_| {
            let address = address.clone();
            let running = running.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).unwrap();
                for byte in b"GET /engagements/ HTTP/1.1\r\nHost: localhost\r\n"
                    .iter()
                    .cycle()
                {
                    if !running.load(Ordering::SeqCst) || stream.write_all(&[*byte]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect();

    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let address = address.clone();
            let running = running.clone();
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(&address);
                let mut turn = n;
                while running.load(Ordering::SeqCst) {
                    let page = PAGES[turn % PAGES.len()];
                    turn += 1;
                    let asked = Instant::now();
                    let answer = client.get(page);
                    let took = asked.elapsed();
                    let mut seen = seen.lock().unwrap();
                    seen.requests += 1;
                    seen.slowest = seen.slowest.max(took);
                    let body = match answer {
                        Ok((200, body)) => body,
                        Ok((status, _)) => {
                            seen.errors.push(format!("{page}: status {status}"));
                            continue;
                        }
                        Err(error) => {
                            seen.errors.push(format!("{page}: {error}"));
                            client = Client::connect(&address);
                            continue;
                        }
                    };
                    if let (Some(epoch), Some(name)) = (epoch_of(&body), name_on(&body)) {
                        let previous = seen.names.insert((epoch, page), name.clone());
                        if previous.is_some_and(|previous| previous != name) {
                            seen.mixed.push(format!("{page} at epoch {epoch}"));
                        }
                    }
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(300));
    let rss_before = rss_kib(pid, "VmRSS:");
    let file = "data/engagements/acme.toml";
    let original = test.read(file);
    for edit in 1..=EDITS {
        test.write(
            file,
            original.replace("Acme Corp", &format!("Acme Corp {edit}")),
        );
        std::thread::sleep(EDIT_EVERY);
    }
    // Let the last edit land before the clients stop: until a client has
    // seen it, or ten seconds.
    let last = format!("Acme Corp {EDITS}");
    let waiting = Instant::now();
    while waiting.elapsed() < Duration::from_secs(10)
        && !seen
            .lock()
            .unwrap()
            .names
            .values()
            .any(|name| *name == last)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    running.store(false, Ordering::SeqCst);
    for thread in clients.into_iter().chain(slow) {
        thread.join().unwrap();
    }
    let rss_after = rss_kib(pid, "VmRSS:");
    let peak = rss_kib(pid, "VmHWM:");

    let seen = seen.lock().unwrap();
    eprintln!(
        "serve under load: {} requests from {CLIENTS} clients beside {SLOW_SENDERS} slow senders, {EDITS} edits, {} errors, slowest {} ms, RSS {} → {} MiB, peak {} MiB",
        seen.requests,
        seen.errors.len(),
        seen.slowest.as_millis(),
        rss_before / 1024,
        rss_after / 1024,
        peak / 1024
    );
    assert!(seen.errors.is_empty(), "{:?}", seen.errors);
    assert!(seen.requests > 2000, "only {} requests", seen.requests);
    assert!(
        seen.slowest < Duration::from_secs(2),
        "a request took {:?}",
        seen.slowest
    );
    // Every page of one epoch shows the same name: no request saw a mix of
    // two builds. And a later epoch never shows an earlier edit.
    assert!(seen.mixed.is_empty(), "{:?}", seen.mixed);
    let mut by_epoch: BTreeMap<u64, &str> = BTreeMap::new();
    for ((epoch, page), name) in &seen.names {
        if let Some(other) = by_epoch.insert(*epoch, name) {
            assert_eq!(other, name, "epoch {epoch}: {page} disagrees");
        }
    }
    let edits: Vec<usize> = by_epoch
        .values()
        .map(|name| {
            name.trim_start_matches("Acme Corp")
                .trim()
                .parse()
                .unwrap_or(0)
        })
        .collect();
    assert!(
        edits.windows(2).all(|pair| pair[0] < pair[1]),
        "edits seen out of order: {edits:?}"
    );
    assert_eq!(edits.last(), Some(&EDITS), "the last edit was served");
    assert!(
        rss_after < rss_before + 64 * 1024,
        "memory grew from {rss_before} KiB to {rss_after} KiB"
    );
}

#[test]
fn oversized_paths_and_headers_are_refused_and_the_server_carries_on() {
    let test = SiteTest::minimal();
    let server = Server::start(&test, &["--port", "0"]);
    let address = server.origin().trim_start_matches("http://").to_string();
    let status_of = |request: String| {
        let mut stream = TcpStream::connect(&address).unwrap();
        let _ = stream.write_all(request.as_bytes());
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.lines().next().unwrap_or("").to_string()
    };
    let long_path = format!("GET /{} HTTP/1.1\r\n\r\n", "a/".repeat(5000));
    assert_eq!(status_of(long_path), "HTTP/1.1 414 URI Too Long");
    let huge_cookie = format!(
        "GET / HTTP/1.1\r\nCookie: {}\r\n\r\n",
        "c".repeat(64 * 1024)
    );
    assert_eq!(
        status_of(huge_cookie),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    let many = "X-Many: 1\r\n".repeat(500);
    assert_eq!(
        status_of(format!("GET / HTTP/1.1\r\n{many}\r\n")),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    assert_eq!(
        status_of("GARBAGE\r\n\r\n".to_string()),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        status_of("GET /engagements/acme/ HTTP/1.1\r\nConnection: close\r\n\r\n".to_string()),
        "HTTP/1.1 200 OK"
    );
}
