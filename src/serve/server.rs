//! The dev server's HTTP/1.1 connections: one thread per connection, with
//! limits that keep any one client from holding up the others or growing
//! the process. The server runs all day on an engineer's laptop and may be
//! opened to a network with `--interface`, so a client that sends a byte a
//! second, a header without end or a thousand connections gets a short
//! answer and a closed socket, and everyone else carries on.
//!
//! It does what a static dev server needs and no more: GET and HEAD, no
//! request bodies (a request with one is answered, then closed), keep-alive
//! and pipelining, and handing a connection over for the live-reload stream.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Bounds on what a client may send and how long it may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections; more are answered 503 and closed.
    pub connections: usize,
    /// Bytes of the request line (method, path, version); longer is 414.
    pub request_line: usize,
    /// Bytes of the request line and headers together; more is 431.
    pub head: usize,
    /// Header lines; more is 431.
    pub headers: usize,
    /// Time to send a whole request head once its first byte arrived;
    /// slower is 408.
    pub head_timeout: Duration,
    /// Time a kept-alive connection may sit idle before it is closed.
    pub idle_timeout: Duration,
    /// Time a write may block on a client that does not read.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: 256,
            request_line: 8 * 1024,
            head: 32 * 1024,
            headers: 100,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// A request as the site sees it: the method and the target as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
}

/// A complete answer. The server adds `Content-Length` and `Connection`,
/// and leaves the body out for HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A short plain-text answer, for errors.
    pub fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_string())],
            body: format!("{text}\n").into_bytes(),
        }
    }
}

/// What the site does with a request.
pub enum Reply {
    Send(Response),
    /// The connection is handed to [`Handler::take_over`] (the live-reload
    /// event stream), and this server forgets it.
    TakeOver,
}

/// The site behind the server.
pub trait Handler: Send + Sync + 'static {
    fn reply(&self, request: &Request) -> Reply;
    fn take_over(&self, stream: TcpStream);
}

/// Accepts connections, each on its own thread, for as long as the
/// process runs: the caller gives it a thread of its own.
pub fn run(listener: TcpListener, handler: Arc<dyn Handler>, limits: Limits) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of descriptors or a connection reset before accept: the
            // next one may do better, and a busy loop would not help.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if open.fetch_add(1, Ordering::SeqCst) >= limits.connections {
            open.fetch_sub(1, Ordering::SeqCst);
            refuse(stream, &limits);
            continue;
        }
        let handler = handler.clone();
        let guard = OpenConnection(open.clone());
        let spawned = std::thread::Builder::new()
            .name("refarch-http".into())
            .spawn(move || {
                let _guard = guard;
                serve_connection(stream, &*handler, &limits);
            });
        // The guard went with the closure; a failed spawn dropped both.
        let _ = spawned;
    }
}

/// Counts an open connection until dropped.
struct OpenConnection(Arc<AtomicUsize>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn refuse(mut stream: TcpStream, limits: &Limits) {
    let _ = stream.set_write_timeout(Some(limits.write_timeout.min(Duration::from_secs(1))));
    let response = Response::text(503, "too many connections; try again");
    let _ = write_response(&mut stream, &response, false, false);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Answers the requests of one connection until it closes, errs or is
/// handed over.
fn serve_connection(mut stream: TcpStream, handler: &dyn Handler, limits: &Limits) {
    let _ = stream.set_nodelay(true);
    if stream
        .set_write_timeout(Some(limits.write_timeout))
        .is_err()
    {
        return;
    }
    let mut pending = Vec::new();
    loop {
        let head = match read_head(&mut stream, &mut pending, limits) {
            Ok(Some(head)) => head,
            // The client closed, or went quiet, before starting a request.
            Ok(None) => return,
            Err(error) => {
                let (status, text) = error.answer();
                let _ = write_response(&mut stream, &Response::text(status, text), false, false);
                close_gracefully(stream);
                return;
            }
        };
        let request = Request {
            method: head.method,
            target: head.target,
        };
        match handler.reply(&request) {
            Reply::TakeOver => {
                let _ = stream.set_read_timeout(None);
                handler.take_over(stream);
                return;
            }
            Reply::Send(response) => {
                // A body was sent that nobody read: the connection cannot
                // be reused, since its next bytes are not a request.
                let keep_alive = head.keep_alive && !head.has_body;
                let omit_body = request.method == "HEAD";
                if write_response(&mut stream, &response, keep_alive, omit_body).is_err() {
                    return;
                }
                if !keep_alive {
                    close_gracefully(stream);
                    return;
                }
            }
        }
    }
}

/// Closes after an answer while the client may still be sending: unread
/// bytes would make the kernel reset the connection, and the client could
/// lose the answer. Reads (and drops) a bounded amount first.
fn close_gracefully(mut stream: TcpStream) {
    const LINGER: Duration = Duration::from_millis(500);
    const DRAIN: usize = 1 << 20;
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let started = Instant::now();
    let mut drained = 0;
    let mut chunk = [0u8; 8192];
    while drained < DRAIN && started.elapsed() < LINGER {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(read) => drained += read,
        }
    }
}

/// The request line and the headers that matter here.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    pub target: String,
    keep_alive: bool,
    has_body: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeadError {
    TimedOut,
    LineTooLong,
    HeadTooLarge,
    Malformed(&'static str),
}

impl HeadError {
    fn answer(&self) -> (u16, &'static str) {
        match self {
            HeadError::TimedOut => (408, "the request took too long to arrive"),
            HeadError::LineTooLong => (414, "the request line is too long"),
            HeadError::HeadTooLarge => (431, "the request headers are too large"),
            HeadError::Malformed(what) => (400, what),
        }
    }
}

/// Reads one request head from `stream`, keeping bytes that follow it
/// (a pipelined request) in `pending`; `None` when the connection closed
/// or stayed idle instead.
fn read_head(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    limits: &Limits,
) -> Result<Option<Head>, HeadError> {
    let mut started = (!pending.is_empty()).then(Instant::now);
    let idle_since = Instant::now();
    let mut chunk = [0u8; 4096];
    let mut scan = HeadScan::default();
    loop {
        if let Some(end) = scan.end(pending) {
            let text = pending[..end].to_vec();
            pending.drain(..end);
            return parse_head(&text, limits).map(Some);
        }
        check_size(pending, limits)?;
        let deadline = match started {
            Some(started) => started + limits.head_timeout,
            None => idle_since + limits.idle_timeout,
        };
        let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            return match started {
                Some(_) => Err(HeadError::TimedOut),
                None => Ok(None),
            };
        };
        if stream.set_read_timeout(Some(left)).is_err() {
            return Ok(None);
        }
        match stream.read(&mut chunk) {
            Ok(0) if pending.is_empty() => return Ok(None),
            Ok(0) => {
                return Err(HeadError::Malformed(
                    "the request ended before its headers did",
                ));
            }
            Ok(read) => {
                started.get_or_insert_with(Instant::now);
                pending.extend_from_slice(&chunk[..read]);
            }
            Err(error) if is_timeout(&error) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(None),
        }
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Where the head ends: the index just past its blank line.
#[cfg(test)]
pub(crate) fn head_end(bytes: &[u8]) -> Option<usize> {
    HeadScan::default().end(bytes)
}

/// Looks for the end of a head as its bytes arrive, reading each byte
/// once: a client trickling a 32 KiB head a byte at a time must not cost a
/// scan of everything before it per byte.
#[derive(Debug, Default)]
pub(crate) struct HeadScan {
    /// Bytes looked at so far.
    at: usize,
    line_start: usize,
    /// Whether anything but whitespace came before: blank lines before a
    /// request are tolerated (RFC 9112 2.2), and do not end it.
    content: bool,
}

impl HeadScan {
    /// Where the head ends in `bytes`, which must begin with the bytes of
    /// every earlier call; only the bytes after those are read.
    pub(crate) fn end(&mut self, bytes: &[u8]) -> Option<usize> {
        while self.at < bytes.len() {
            let at = self.at;
            self.at += 1;
            match bytes[at] {
                b'\n' => {
                    let line = &bytes[self.line_start..at];
                    if self.content && (line.is_empty() || line == b"\r") {
                        return Some(at + 1);
                    }
                    self.line_start = at + 1;
                }
                byte if !byte.is_ascii_whitespace() => self.content = true,
                _ => {}
            }
        }
        None
    }
}

/// Fails once what has arrived can no longer become an acceptable head.
pub(crate) fn check_size(pending: &[u8], limits: &Limits) -> Result<(), HeadError> {
    let first_line = pending
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(pending.len());
    if first_line > limits.request_line {
        return Err(HeadError::LineTooLong);
    }
    if pending.len() > limits.head {
        return Err(HeadError::HeadTooLarge);
    }
    Ok(())
}

pub(crate) fn parse_head(bytes: &[u8], limits: &Limits) -> Result<Head, HeadError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| HeadError::Malformed("the request head is not UTF-8"))?;
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .skip_while(|line| line.is_empty());
    let request_line = lines
        .next()
        .ok_or(HeadError::Malformed("no request line"))?;
    if request_line.len() > limits.request_line {
        return Err(HeadError::LineTooLong);
    }
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed(
            "the request line is not METHOD PATH VERSION",
        ));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(HeadError::Malformed("the method is not a token"));
    }
    let target = origin_form(target).ok_or(HeadError::Malformed("the path must start with /"))?;
    let http_11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => {
            return Err(HeadError::Malformed(
                "only HTTP/1.0 and HTTP/1.1 are spoken here",
            ));
        }
    };

    let mut keep_alive = http_11;
    let mut has_body = false;
    let mut count = 0;
    for line in lines.take_while(|line| !line.is_empty()) {
        count += 1;
        if count > limits.headers {
            return Err(HeadError::HeadTooLarge);
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(HeadError::Malformed("a header line without a colon"))?;
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(HeadError::Malformed("a header name with spaces"));
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value != "0")
        {
            has_body = true;
        }
    }
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        keep_alive,
        has_body,
    })
}

/// The path and query of a target, from its origin form (`/a?b`) or its
/// absolute form (`http://host/a?b`, which proxies send).
fn origin_form(target: &str) -> Option<&str> {
    if target.starts_with('/') {
        return Some(target);
    }
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))?;
    Some(rest.find('/').map_or("/", |slash| &rest[slash..]))
}

fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    keep_alive: bool,
    omit_body: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let connection = if keep_alive { "keep-alive" } else { "close" };
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
        response.body.len()
    ));
    let mut bytes = head.into_bytes();
    if !omit_body {
        bytes.extend_from_slice(&response.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Head, HeadError> {
        parse_head(text.as_bytes(), &Limits::default())
    }

    #[test]
    fn a_head_ends_at_its_blank_line_and_leading_blank_lines_are_skipped() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.1\nHost: x\n\n"), Some(24));
        assert_eq!(head_end(b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"), Some(22));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    #[test]
    fn a_head_arriving_in_pieces_is_read_once_and_ends_where_it_would_whole() {
        // Leading blank lines up to the head limit, then a request: fed in
        // pieces, each call reads only the new bytes.
        let mut bytes = b"\r\n".repeat(16 * 1024);
        bytes.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET");
        let whole = head_end(&bytes);
        assert_eq!(whole, Some(bytes.len() - 3));
        let mut scan = HeadScan::default();
        let mut found = None;
        for end in (1..=bytes.len()).step_by(7).chain([bytes.len()]) {
            let before = scan.at;
            found = scan.end(&bytes[..end]);
            assert!(scan.at <= end && scan.at >= before, "reads forward only");
            if found.is_some() {
                break;
            }
            assert_eq!(scan.at, end, "every new byte read once");
        }
        assert_eq!(found, whole);
    }

    #[test]
    fn keep_alive_follows_the_version_and_the_connection_header() {
        let head = parse("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(
            (head.method.as_str(), head.target.as_str()),
            ("GET", "/a?b")
        );
        assert!(head.keep_alive && !head.has_body);
        assert!(!parse("GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            !parse("GET / HTTP/1.1\r\nconnection: upgrade, close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            parse("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n")
                .unwrap()
                .has_body
        );
        assert!(
            parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap()
                .has_body
        );
        assert_eq!(
            parse("GET http://localhost:1111/x HTTP/1.1\r\n\r\n")
                .unwrap()
                .target,
            "/x"
        );
    }

    #[test]
    fn malformed_heads_are_refused() {
        for bad in [
            "GET /\r\n\r\n",
            "GET / HTTP/1.1 extra\r\n\r\n",
            "get / HTTP/1.1\r\n\r\n",
            "GET x HTTP/1.1\r\n\r\n",
            "GET / HTTP/2.0\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nbad name: x\r\n\r\n",
        ] {
            assert!(
                matches!(parse(bad), Err(HeadError::Malformed(_))),
                "{bad:?}"
            );
        }
        let many: String = (0..101).map(|n| format!("X-{n}: y\r\n")).collect();
        assert_eq!(
            parse(&format!("GET / HTTP/1.1\r\n{many}\r\n")),
            Err(HeadError::HeadTooLarge)
        );
    }

    #[test]
    fn sizes_are_checked_as_bytes_arrive() {
        let limits = Limits::default();
        let long_line = vec![b'a'; limits.request_line + 1];
        assert_eq!(check_size(&long_line, &limits), Err(HeadError::LineTooLong));
        let mut big_head = b"GET / HTTP/1.1\r\n".to_vec();
        big_head.extend(std::iter::repeat_n(b'h', limits.head));
        assert_eq!(check_size(&big_head, &limits), Err(HeadError::HeadTooLarge));
        assert_eq!(check_size(b"GET / HTTP/1.1\r\n", &limits), Ok(()));
    }

    /// Answers every request with its target; takes nothing over.
    struct Echo;

    impl Handler for Echo {
        fn reply(&self, request: &Request) -> Reply {
            Reply::Send(Response::text(200, &request.target))
        }
        fn take_over(&self, _stream: TcpStream) {}
    }

    fn start(limits: Limits) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || run(listener, Arc::new(Echo), limits));
        address
    }

    fn status_of(stream: &mut TcpStream) -> String {
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.lines().next().unwrap_or("").to_string()
    }

    #[test]
    fn a_client_sending_slowly_is_cut_off_and_others_are_answered_meanwhile() {
        let address = start(Limits {
            head_timeout: Duration::from_millis(400),
            ..Limits::default()
        });
        let mut slow = TcpStream::connect(address).unwrap();
        slow.write_all(b"GET / HT").unwrap();
        for n in 0..5 {
            let mut quick = TcpStream::connect(address).unwrap();
            write!(quick, "GET /{n} HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
            assert_eq!(status_of(&mut quick), "HTTP/1.1 200 OK");
        }
        let waited = Instant::now();
        assert_eq!(status_of(&mut slow), "HTTP/1.1 408 Request Timeout");
        assert!(waited.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn connections_above_the_limit_are_refused_and_counted_back_when_closed() {
        let address = start(Limits {
            connections: 2,
            ..Limits::default()
        });
        let held: Vec<TcpStream> = (0..2)
            .map(|_| TcpStream::connect(address).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        let mut third = TcpStream::connect(address).unwrap();
        assert_eq!(status_of(&mut third), "HTTP/1.1 503 Service Unavailable");
        drop(held);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut again = TcpStream::connect(address).unwrap();
            again
                .write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .unwrap();
            if status_of(&mut again) == "HTTP/1.1 200 OK" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "closed connections were not counted back"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn kept_alive_connections_answer_pipelined_requests_in_order_and_head_has_no_body() {
        let address = start(Limits::default());
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .write_all(b"GET /one HTTP/1.1\r\n\r\nHEAD /two HTTP/1.1\r\n\r\nGET /three HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let bodies: Vec<&str> = response
            .split("HTTP/1.1 200 OK")
            .skip(1)
            .map(|answer| answer.split("\r\n\r\n").nth(1).unwrap())
            .collect();
        assert_eq!(bodies, ["/one\n", "", "/three\n"]);
        assert_eq!(
            response.matches("Content-Length: 5").count(),
            2,
            "{response}"
        );
    }

    #[test]
    fn oversized_lines_and_heads_are_refused() {
        let address = start(Limits::default());
        let long_path = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9 * 1024));
        let many_headers = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X-Filler: 0123456789abcdef\r\n".repeat(2000)
        );
        let endless_header = format!("GET / HTTP/1.1\r\nX-A: {}", "b".repeat(40 * 1024));
        for (request, expected) in [
            (long_path, "HTTP/1.1 414 URI Too Long"),
            (many_headers, "HTTP/1.1 431 Request Header Fields Too Large"),
            (
                endless_header,
                "HTTP/1.1 431 Request Header Fields Too Large",
            ),
        ] {
            let mut stream = TcpStream::connect(address).unwrap();
            // The server may close before reading everything.
            let _ = stream.write_all(request.as_bytes());
            assert_eq!(status_of(&mut stream), expected);
        }
    }
}
