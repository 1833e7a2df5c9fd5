//! A push endpoint on 127.0.0.1 for tests and the benchmark: a plain HTTP/1.1 server on its own
//! threads that records every request (method, path, headers, body, arrival time) and answers
//! with the statuses it is told to, in order (then 200).
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One request the endpoint received.
#[derive(Debug, Clone)]
pub struct Wake {
    pub method: String,
    pub path: String,
    /// Header names in lowercase, with their values.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

#[derive(Default)]
struct Shared {
    wakes: Vec<Wake>,
    /// Statuses to answer next, in order; 200 once empty.
    statuses: std::collections::VecDeque<u16>,
}

/// The endpoint server; stops accepting when dropped.
pub struct WakeEndpoint {
    pub port: u16,
    shared: Arc<(Mutex<Shared>, Condvar)>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl WakeEndpoint {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new((Mutex::new(Shared::default()), Condvar::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (s, st) = (shared.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || serve(conn, &s));
            }
        });
        WakeEndpoint { port, shared, stop }
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Answer the next requests with these statuses (then 200 again).
    pub fn fail_next(&self, statuses: &[u16]) {
        self.shared
            .0
            .lock()
            .unwrap()
            .statuses
            .extend(statuses.iter().copied());
    }

    pub fn wakes(&self) -> Vec<Wake> {
        self.shared.0.lock().unwrap().wakes.clone()
    }

    /// Waits until at least `n` requests arrived, or `timeout`; returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Wake> {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.shared;
        let mut g = lock.lock().unwrap();
        while g.wakes.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            g = cv.wait_timeout(g, left).unwrap().0;
        }
        g.wakes.clone()
    }
}

impl Drop for WakeEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, shared: &Arc<(Mutex<Shared>, Condvar)>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let at = Instant::now();
        let status = {
            let (lock, cv) = &**shared;
            let mut g = lock.lock().unwrap();
            g.wakes.push(Wake {
                method,
                path,
                headers,
                body,
                at,
            });
            cv.notify_all();
            g.statuses.pop_front().unwrap_or(200)
        };
        let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
        if out.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
