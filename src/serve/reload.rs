//! Live reload over Server-Sent Events on the site's own port: browsers
//! hold `GET <base>__refarch/events` open and get `reload`, `css` or
//! `problem` events once a rebuild is complete and swapped in.
//!
//! Each browser's connection is kept here, non-blocking once greeted: an
//! event is at most a few KiB (a problem's text is cut, see
//! [`problem_text`]), so a write that would block means a browser that
//! stopped reading, and it is dropped rather than allowed to hold up the
//! rebuild loop that sends the events.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// The most of a failed build's report an event carries: a larger event
/// might not fit a socket's send buffer, and the browser, though reading,
/// would be dropped. The terminal shows the rest.
const PROBLEM_BYTES: usize = 4 * 1024;

/// What the browsers' overlay shows of a failed build: its report, cut at
/// a line after [`PROBLEM_BYTES`].
pub fn problem_text(diagnostics: &crate::diagnostics::Diagnostics) -> String {
    let text = diagnostics.render(false);
    if text.len() <= PROBLEM_BYTES {
        return text;
    }
    let mut end = PROBLEM_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').map_or(end, |line| line + 1);
    format!(
        "{}…\nand more: the terminal running `refarch serve` shows every problem.\n",
        &text[..end]
    )
}

/// Where the script and the event stream live, under the base path.
pub const SCRIPT_PATH: &str = "__refarch/live.js";
pub const EVENTS_PATH: &str = "__refarch/events";

/// The script injected into pages in serve mode only.
pub const LIVE_JS: &str = include_str!("live.js");

/// The state every event carries.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    /// Bumped by every rebuild that changed something.
    pub epoch: u64,
    /// The epoch of the last rebuild that changed more than stylesheets: a
    /// page older than this must reload, a newer one only restyle.
    pub pages_epoch: u64,
    /// The diagnostics of the last failed rebuild, as text, while the last
    /// good site is served.
    pub problem: Option<String>,
}

/// The connected browsers.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<TcpStream>>,
}

/// How long the greeting may take to be written.
const GREETING_TIMEOUT: Duration = Duration::from_secs(2);

impl Hub {
    /// Takes over a connection, answers with the event-stream headers and
    /// the current state, and keeps it for later events.
    pub fn join(&self, mut writer: TcpStream, state: &State) {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n\r\n";
        let greeting = event("hello", state);
        if writer
            .set_write_timeout(Some(GREETING_TIMEOUT))
            .and_then(|()| writer.write_all(head.as_bytes()))
            .and_then(|()| writer.write_all(greeting.as_bytes()))
            .and_then(|()| writer.flush())
            .and_then(|()| writer.set_nonblocking(true))
            .is_ok()
        {
            self.clients.lock().expect("hub lock").push(writer);
        }
    }

    /// Sends an event to every browser, dropping the ones that left.
    pub fn send(&self, name: &str, state: &State) {
        self.broadcast(event(name, state).as_bytes());
    }

    /// A comment line that keeps connections alive and finds dead ones.
    pub fn ping(&self) {
        self.broadcast(b": ping\n\n");
    }

    /// Writes `bytes` to every browser, dropping the ones that left.
    fn broadcast(&self, bytes: &[u8]) {
        let mut clients = self.clients.lock().expect("hub lock");
        clients.retain_mut(|writer| {
            writer
                .write_all(bytes)
                .and_then(|()| writer.flush())
                .is_ok()
        });
    }
}

fn event(name: &str, state: &State) -> String {
    let data = serde_json::to_string(state).expect("state serializes");
    format!("event: {name}\ndata: {data}\n\n")
}

/// Adds the live-reload script to a page, just before `</body>`.
pub fn inject(html: &[u8], base: &str, epoch: u64) -> Vec<u8> {
    let tag =
        format!("<script src=\"{base}{SCRIPT_PATH}\" data-epoch=\"{epoch}\" defer></script>\n");
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(end) => format!("{}{tag}{}", &text[..end], &text[end..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_report_is_cut_for_the_overlay_and_a_short_one_kept() {
        use crate::diagnostics::{Code, Diagnostic, Diagnostics};
        let mut few = Diagnostics::default();
        few.push(Diagnostic::new(Code::E020, "unknown method `helmm`"));
        assert_eq!(problem_text(&few), few.render(false));

        let mut many = Diagnostics::default();
        for n in 0..2000 {
            many.push(Diagnostic::new(
                Code::E020,
                format!("unknown method `m{n}`"),
            ));
        }
        let text = problem_text(&many);
        assert!(text.len() < PROBLEM_BYTES + 200, "{} bytes", text.len());
        assert!(text.starts_with(&many.render(false)[..100]));
        assert!(text.ends_with("shows every problem.\n"), "{text}");
    }

    #[test]
    fn the_script_goes_before_the_end_of_body_under_the_base_path() {
        let page = inject(b"<html><body><p>x</p></body></html>", "/refarch/", 7);
        assert_eq!(
            String::from_utf8(page).unwrap(),
            "<html><body><p>x</p><script src=\"/refarch/__refarch/live.js\" data-epoch=\"7\" defer></script>\n</body></html>"
        );
    }

    #[test]
    fn a_browser_that_stops_reading_is_dropped_without_holding_up_the_sender() {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let browser = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (connection, _) = listener.accept().unwrap();
        let hub = Hub::default();
        let state = State {
            epoch: 1,
            pages_epoch: 1,
            problem: Some("x".repeat(10_000)),
        };
        hub.join(connection, &state);
        assert_eq!(hub.clients.lock().unwrap().len(), 1);
        // About 20 MB that the browser never reads: more than any socket
        // buffer holds, so a blocking write would wait for ever.
        let started = std::time::Instant::now();
        for _ in 0..2_000 {
            hub.send("problem", &state);
        }
        assert_eq!(hub.clients.lock().unwrap().len(), 0, "dropped");
        // Not even the greeting's write timeout (2 s) is waited for.
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(browser);
    }

    #[test]
    fn events_carry_the_state_as_json() {
        let state = State {
            epoch: 3,
            pages_epoch: 2,
            problem: Some("error[E020]: <x>".into()),
        };
        assert_eq!(
            event("problem", &state),
            "event: problem\ndata: {\"epoch\":3,\"pages_epoch\":2,\"problem\":\"error[E020]: <x>\"}\n\n"
        );
    }
}
