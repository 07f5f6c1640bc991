//! A small headless-browser driver: Debian's chromium, spoken to over the
//! DevTools protocol on `--remote-debugging-pipe` (JSON messages separated
//! by NUL on file descriptors 3 and 4), plus a static file server for the
//! built site. No browser download, no async runtime, no extra crates.
//!
//! Without chromium the browser tests are skipped, except under `CI=true`,
//! where a missing browser is a failure.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Browser {
    child: Child,
    to_browser: File,
    from_browser: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Events read while waiting for replies, not yet consumed.
    pending: VecDeque<Value>,
    /// Console errors and uncaught exceptions seen so far.
    pub errors: Vec<String>,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromium, or returns `None` (skip) when it is not installed on
    /// a developer's machine. Under CI a missing browser fails the test.
    pub fn launch() -> Option<Browser> {
        if !Path::new(CHROMIUM).exists() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{CHROMIUM} is missing; .ci/run installs it"
            );
            eprintln!("skipping: {CHROMIUM} is not installed");
            return None;
        }
        let profile = tempfile::tempdir().unwrap();
        // Chromium's own temporary files (the directory of its singleton
        // socket, which a killed browser never removes) go inside the
        // profile, to be removed with it: in the system's temporary
        // directory they piled up, ten per run of the suite.
        let own_temp = profile.path().join("tmp");
        std::fs::create_dir(&own_temp).unwrap();
        let (to_browser_read, to_browser_write) = pipe();
        let (from_browser_read, from_browser_write) = pipe();
        let mut command = Command::new(CHROMIUM);
        command
            .args([
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .env("TMPDIR", &own_temp)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own, so that closing the browser can stop its
            // helper processes too (see `Drop`).
            .process_group(0);
        let (read_fd, write_fd) = (to_browser_read, from_browser_write);
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(read_fd, 3) < 0 || libc::dup2(write_fd, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        // SAFETY: these descriptors came from pipe() and are owned here.
        unsafe {
            libc::close(to_browser_read);
            libc::close(from_browser_write);
        }
        let to_browser = unsafe { File::from_raw_fd(to_browser_write) };
        let reader = unsafe { File::from_raw_fd(from_browser_read) };
        let (sender, from_browser) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        message.pop();
                        if let Ok(value) = serde_json::from_slice::<Value>(&message)
                            && sender.send(value).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            to_browser,
            from_browser,
            next_id: 0,
            session: String::new(),
            pending: VecDeque::new(),
            errors: Vec::new(),
            profile,
        };
        let target = browser.send("Target.createTarget", json!({"url": "about:blank"}), false);
        let target_id = target["targetId"].as_str().expect("a target").to_string();
        let attached = browser.send(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            false,
        );
        browser.session = attached["sessionId"]
            .as_str()
            .expect("a session")
            .to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.send(domain, json!({}), true);
        }
        Some(browser)
    }

    /// Sends a command and waits for its reply.
    fn send(&mut self, method: &str, params: Value, in_session: bool) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if in_session {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .expect("chromium is running");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self
                .next_message(deadline)
                .unwrap_or_else(|| panic!("no reply to {method}"));
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            self.observe(&message);
            self.pending.push_back(message);
        }
    }

    fn next_message(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.from_browser.recv_timeout(left).ok()
    }

    /// Records console errors and uncaught exceptions.
    fn observe(&mut self, message: &Value) {
        match message["method"].as_str() {
            Some("Runtime.exceptionThrown") => {
                self.errors.push(format!(
                    "exception: {}",
                    message["params"]["exceptionDetails"]
                ));
            }
            Some("Runtime.consoleAPICalled") if message["params"]["type"] == "error" => {
                self.errors
                    .push(format!("console.error: {}", message["params"]["args"]));
            }
            Some("Log.entryAdded") if message["params"]["entry"]["level"] == "error" => {
                self.errors
                    .push(format!("log: {}", message["params"]["entry"]["text"]));
            }
            _ => {}
        }
    }

    /// Waits for an event named `method`, keeping others.
    fn wait_event(&mut self, method: &str) {
        if let Some(index) = self.pending.iter().position(|m| m["method"] == method) {
            self.pending.remove(index);
            return;
        }
        let deadline = Instant::now() + TIMEOUT;
        while let Some(message) = self.next_message(deadline) {
            self.observe(&message);
            if message["method"] == method {
                return;
            }
        }
        panic!("no {method} event");
    }

    /// Navigates and waits for the load event.
    pub fn goto(&mut self, url: &str) {
        self.pending
            .retain(|m| m["method"] != "Page.loadEventFired");
        self.send("Page.navigate", json!({"url": url}), true);
        self.wait_event("Page.loadEventFired");
    }

    /// Evaluates `expression` in the page (promises are awaited) and returns
    /// its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.send(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            true,
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression} threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Evaluates `condition` until it is true, or fails after the timeout.
    /// A condition that throws (the page is between two loads) is false.
    pub fn wait_for(&mut self, condition: &str) {
        let deadline = Instant::now() + TIMEOUT;
        let guarded = format!(
            "(() => {{ try {{ return ({condition}) === true; }} catch (e) {{ return false; }} }})()"
        );
        while Instant::now() < deadline {
            if self.eval(&guarded) == json!(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
            while let Ok(message) = self.from_browser.try_recv() {
                self.observe(&message);
                self.pending.push_back(message);
            }
        }
        panic!("timed out waiting for {condition}");
    }

    /// Types `text` into the element `selector` with real key events.
    pub fn type_into(&mut self, selector: &str, text: &str) {
        self.eval(&format!("document.querySelector({selector:?}).focus()"));
        for c in text.chars() {
            self.send(
                "Input.dispatchKeyEvent",
                json!({"type": "keyDown", "text": c.to_string(), "key": c.to_string()}),
                true,
            );
            self.send(
                "Input.dispatchKeyEvent",
                json!({"type": "keyUp", "key": c.to_string()}),
                true,
            );
        }
    }

    /// Makes the page see `prefers-color-scheme: scheme` ("light" or "dark").
    /// With `media` "print", the page is laid out as for paper.
    pub fn emulate_media(&mut self, media: &str, scheme: &str) {
        self.send(
            "Emulation.setEmulatedMedia",
            json!({"media": media, "features": [{"name": "prefers-color-scheme", "value": scheme}]}),
            true,
        );
    }

    /// Saves a PNG of the whole page (not only the window) to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        self.capture(
            path,
            json!({"format": "png", "captureBeyondViewport": true}),
        );
    }

    /// Saves a PNG of the first element matching `selector` to `path`.
    pub fn screenshot_element(&mut self, selector: &str, path: &Path) {
        let rect = self.eval(&format!(
            "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); \
             return {{x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height, scale: 1}}; }})()"
        ));
        self.capture(
            path,
            json!({"format": "png", "captureBeyondViewport": true, "clip": rect}),
        );
    }

    fn capture(&mut self, path: &Path, parameters: Value) {
        let result = self.send("Page.captureScreenshot", parameters, true);
        let encoded = result["data"].as_str().expect("screenshot data");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, base64_decode(encoded)).unwrap();
    }

    /// Collects events that arrived, so that errors are seen.
    pub fn drain(&mut self) {
        std::thread::sleep(Duration::from_millis(100));
        while let Ok(message) = self.from_browser.try_recv() {
            self.observe(&message);
            self.pending.push_back(message);
        }
    }
}

impl Drop for Browser {
    /// Stops chromium with its helper processes (renderer, GPU, zygote),
    /// then removes its profile. Killing the browser process alone left
    /// the helpers writing to the profile while it was removed, and a
    /// profile behind in the temporary directory after every browser test.
    fn drop(&mut self) {
        let group = self.child.id() as i32;
        // SAFETY: kill takes plain integers; the group is the one `launch`
        // made for this browser, and nothing else is in it.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
        remove_profile(self.profile.path());
    }
}

/// Removes `dir`, trying again for a moment while a process that was just
/// killed may still have a file in it open.
fn remove_profile(dir: &Path) {
    for _ in 0..40 {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(Duration::from_millis(25)),
        }
    }
}

fn pipe() -> (i32, i32) {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    (fds[0], fds[1])
}

/// Serves the files of a built site on 127.0.0.1, for browser tests.
pub struct StaticServer {
    pub base: String,
}

impl StaticServer {
    /// Serves `root` with `prefix` as the base path (`/` or `/refarch/`).
    pub fn start(root: &Path, prefix: &str) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let root: PathBuf = root.to_path_buf();
        let prefix = prefix.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                let prefix = prefix.clone();
                std::thread::spawn(move || serve_one(stream, &root, &prefix));
            }
        });
        StaticServer {
            base: format!("http://127.0.0.1:{port}"),
        }
    }
}

fn serve_one(mut stream: std::net::TcpStream, root: &Path, prefix: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) <= 2 {
            break;
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let relative = path.strip_prefix(prefix).unwrap_or("");
    let mut file = root.join(relative.trim_start_matches('/'));
    if relative.contains("..") {
        file = root.join("404.html");
    }
    if file.is_dir() {
        file = file.join("index.html");
    }
    let (status, file) = if file.is_file() {
        ("200 OK", file)
    } else {
        ("404 Not Found", root.join("404.html"))
    };
    let mut body = Vec::new();
    if let Ok(mut f) = File::open(&file) {
        let _ = f.read_to_end(&mut body);
    }
    let content_type = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Decodes standard base64, which is how the DevTools protocol sends
/// screenshots; a dependency for twenty lines of test code is not worth it.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u32> = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let mut word = 0;
        for (i, digit) in digits.iter().enumerate() {
            word |= digit << (18 - 6 * i);
        }
        let produced = digits.len().saturating_sub(1);
        bytes.extend_from_slice(&word.to_be_bytes()[1..=produced]);
    }
    bytes
}

/// A browser test leaves nothing in the temporary directory: closing the
/// browser stops every process of it and removes its profile, and with it
/// the temporary files chromium made for itself.
#[test]
fn a_closed_browser_leaves_no_profile_behind() {
    let Some(browser) = Browser::launch() else {
        return;
    };
    let profile = browser.profile.path().to_path_buf();
    let group = browser.child.id() as i32;
    assert!(profile.exists());
    let own_temp: Vec<_> = std::fs::read_dir(profile.join("tmp"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(
        !own_temp.is_empty(),
        "chromium keeps its temporary files in the profile"
    );
    drop(browser);
    assert!(!profile.exists(), "{} is left behind", profile.display());
    assert!(
        running_in_group(group).is_empty(),
        "chromium processes outlived the browser: {:?}",
        running_in_group(group)
    );
}

/// The processes of process group `group` that are still running (not
/// zombies waiting for whoever adopted them to reap them), from /proc.
fn running_in_group(group: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            // `pid (name) state ppid pgrp …`; the name may hold spaces.
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let Some((_, after_name)) = stat.rsplit_once(')') else {
                return false;
            };
            let fields: Vec<&str> = after_name.split_whitespace().collect();
            fields.first() != Some(&"Z") && fields.get(2) == Some(&group.to_string().as_str())
        })
        .collect()
}

#[test]
fn base64_decodes_what_the_protocol_sends() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
