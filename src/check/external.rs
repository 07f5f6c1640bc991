//! `refarch check --external`: fetches the site's external links, politely.
//! Hosts are visited in parallel (a bounded number at a time), the links of
//! one host one after another with a pause between them, every request has
//! a timeout, and links that answered recently are not asked again: their
//! success is cached in the site's `.refarch-cache/` for a day.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How external links are fetched.
pub struct FetchOptions {
    /// Hosts fetched at the same time.
    pub concurrency: usize,
    /// Pause between two requests to the same host.
    pub per_host_delay: Duration,
    /// Limit for one request, redirects included.
    pub timeout: Duration,
    /// How long a success is trusted without asking again.
    pub cache_for: Duration,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            concurrency: 8,
            per_host_delay: Duration::from_millis(250),
            timeout: Duration::from_secs(10),
            cache_for: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Why each failing link failed; links that answered are absent.
pub type Failures = BTreeMap<String, String>;

/// Fetches every http(s) link in `urls`; others (`mailto:`) are skipped.
pub fn fetch_all<'a>(
    urls: impl IntoIterator<Item = &'a String>,
    cache_file: &Path,
    options: &FetchOptions,
) -> Failures {
    let mut cache = SuccessCache::load(cache_file, options.cache_for);
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for url in urls {
        let Some(host) = host_of(url) else {
            continue;
        };
        if !cache.is_fresh(url) {
            by_host.entry(host).or_default().push(url.clone());
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("refarch-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let queue = Mutex::new(by_host.into_values().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let workers = options.concurrency.max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let Some(host_urls) = queue.lock().expect("queue").pop() else {
                        break;
                    };
                    for (i, url) in host_urls.iter().enumerate() {
                        if i > 0 {
                            std::thread::sleep(options.per_host_delay);
                        }
                        let outcome = fetch(&agent, url);
                        results
                            .lock()
                            .expect("results")
                            .push((url.clone(), outcome));
                    }
                }
            });
        }
    });
    let mut failures = Failures::new();
    for (url, outcome) in results.into_inner().expect("results") {
        match outcome {
            Ok(()) => cache.record(&url),
            Err(why) => {
                failures.insert(url, why);
            }
        }
    }
    // A cache that cannot be written only costs a refetch next time.
    let _ = cache.save();
    failures
}

/// Asks for `url` with HEAD, then with GET when the server refuses HEAD.
fn fetch(agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let status = |response: Result<ureq::http::Response<ureq::Body>, ureq::Error>| {
        response
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    };
    let mut answer = status(agent.head(url).call())?;
    if matches!(answer, 403 | 405 | 501) {
        answer = status(agent.get(url).call())?;
    }
    if answer < 400 {
        Ok(())
    } else {
        Err(format!("the server answered {answer}"))
    }
}

/// `https://docs.example.com:8443/x` → `docs.example.com:8443`; `None` for
/// links that are not fetched over HTTP.
fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Links that answered, with when (seconds since the epoch).
struct SuccessCache {
    file: PathBuf,
    answered: HashMap<String, u64>,
    fresh_for: u64,
    now: u64,
}

impl SuccessCache {
    fn load(file: &Path, fresh_for: Duration) -> SuccessCache {
        let answered = std::fs::read_to_string(file)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        SuccessCache {
            file: file.to_path_buf(),
            answered,
            fresh_for: fresh_for.as_secs(),
            now: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    fn is_fresh(&self, url: &str) -> bool {
        self.answered
            .get(url)
            .is_some_and(|&at| self.now.saturating_sub(at) < self.fresh_for)
    }

    fn record(&mut self, url: &str) {
        self.answered.insert(url.to_string(), self.now);
    }

    fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let sorted: BTreeMap<&String, &u64> = self.answered.iter().collect();
        let json = serde_json::to_string_pretty(&sorted).map_err(std::io::Error::other)?;
        std::fs::write(&self.file, json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    /// Requests a test server saw: when each arrived, and the most that
    /// were ever in progress at once.
    #[derive(Default)]
    struct Seen {
        arrivals: Mutex<Vec<Instant>>,
        active: AtomicUsize,
        most_active: AtomicUsize,
    }

    /// A server on every loopback address that takes 50 ms per answer.
    fn slow_server() -> (u16, Arc<Seen>) {
        let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Seen::default());
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || {
                    let now = log.active.fetch_add(1, Ordering::SeqCst) + 1;
                    log.most_active.fetch_max(now, Ordering::SeqCst);
                    log.arrivals.lock().unwrap().push(Instant::now());
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    log.active.fetch_sub(1, Ordering::SeqCst);
                    let mut stream = stream;
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                });
            }
        });
        (port, seen)
    }

    fn options(concurrency: usize, per_host_delay: Duration) -> FetchOptions {
        FetchOptions {
            concurrency,
            per_host_delay,
            ..FetchOptions::default()
        }
    }

    #[test]
    fn one_host_is_asked_one_link_at_a_time_with_a_pause_between() {
        let (port, seen) = slow_server();
        let urls: Vec<String> = (0..3)
            .map(|i| format!("http://127.0.0.1:{port}/{i}"))
            .collect();
        let cache = tempfile::tempdir().unwrap();
        let delay = Duration::from_millis(100);
        let failures = fetch_all(&urls, &cache.path().join("c.json"), &options(8, delay));
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(seen.most_active.load(Ordering::SeqCst), 1);
        let arrivals = seen.arrivals.lock().unwrap();
        assert_eq!(arrivals.len(), 3);
        for pair in arrivals.windows(2) {
            assert!(pair[1] - pair[0] >= delay, "{:?}", pair[1] - pair[0]);
        }
    }

    #[test]
    fn no_more_hosts_than_the_limit_are_asked_at_once() {
        let (port, seen) = slow_server();
        // Every 127.x.y.z is this machine, and each is a host of its own.
        let urls: Vec<String> = (1..=6)
            .map(|i| format!("http://127.0.0.{i}:{port}/"))
            .collect();
        let cache = tempfile::tempdir().unwrap();
        let failures = fetch_all(
            &urls,
            &cache.path().join("c.json"),
            &options(2, Duration::ZERO),
        );
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(seen.arrivals.lock().unwrap().len(), 6);
        assert!(seen.most_active.load(Ordering::SeqCst) <= 2);
    }

    #[test]
    fn hosts_are_found_and_other_schemes_skipped() {
        assert_eq!(
            host_of("https://Docs.Example.com:8443/x?y#z").as_deref(),
            Some("docs.example.com:8443")
        );
        assert_eq!(
            host_of("http://user:pw@example.com/").as_deref(),
            Some("example.com")
        );
        assert_eq!(host_of("mailto:team@example.com"), None);
        assert_eq!(host_of("https:///nothing"), None);
    }
}
