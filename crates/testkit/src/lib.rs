//! Test helpers: real local services for badgesafe's tests. Never a dependency of the product.
//!
//! * [`Anvil`]: a real Ethereum node (anvil from npm `@foundry-rs/anvil`, which `scripts/test`
//!   installs in `interop/node_modules`) on 127.0.0.1 and a free port.
//! * [`Server`]: a real HTTP/1.1 server on 127.0.0.1 serving fixed routes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// anvil's dev account #0 (prefunded on every fresh node; a well-known test key).
pub const DEV_ACCOUNT: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
/// The private key of [`DEV_ACCOUNT`] (test use only).
pub const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// anvil's dev account #1.
pub const DEV_ACCOUNT_1: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
/// The private key of [`DEV_ACCOUNT_1`] (test use only).
pub const DEV_KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `shared/data`, next to the repository.
pub fn data(rel: &str) -> PathBuf {
    repo().join("../shared/data").join(rel)
}

/// A running anvil, stopped when dropped.
pub struct Anvil {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    args: Vec<String>,
}

impl Anvil {
    /// The anvil binary `scripts/test` installs.
    pub fn binary() -> PathBuf {
        let path = repo().join("interop/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        assert!(
            path.exists(),
            "anvil is not installed at {}: run scripts/test, or `npm ci` in interop/",
            path.display()
        );
        path
    }

    /// A fresh node with `chain_id` (automine: one block per transaction).
    pub fn start(chain_id: u64) -> Self {
        Self::start_with(&["--chain-id", &chain_id.to_string()])
    }

    /// A fresh node with extra arguments (`--no-mining`, `--dump-state`, …).
    pub fn start_with(args: &[&str]) -> Self {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        Self::launch(args, 0)
    }

    fn launch(args: Vec<String>, port: u16) -> Self {
        let mut child = Command::new(Self::binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting anvil");
        let stdout = child.stdout.take().expect("anvil stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut url = None;
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(addr) = line.strip_prefix("Listening on ") {
                url = Some(format!("http://{}", addr.trim()));
                break;
            }
        }
        // Keep draining stdout so anvil never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let url = url.expect("anvil did not say where it listens");
        let anvil = Anvil {
            child: Some(child),
            url,
            args,
        };
        anvil.wait_ready();
        anvil
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.try_rpc("eth_chainId", json!([])).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("anvil at {} did not answer", self.url);
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// A JSON-RPC call; `Err` is the node's error message or the transport error.
    pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| e.to_string())?;
        let v: Value =
            serde_json::from_reader(resp.body_mut().as_reader()).map_err(|e| e.to_string())?;
        match v.get("error") {
            Some(e) if !e.is_null() => Err(e["message"].as_str().unwrap_or("error").to_owned()),
            _ => Ok(v["result"].clone()),
        }
    }

    /// A JSON-RPC call that must succeed.
    pub fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Mines `n` blocks.
    pub fn mine(&self, n: u64) {
        self.rpc("anvil_mine", json!([format!("0x{n:x}")]));
    }

    /// Stops the node gracefully (SIGTERM, so `--dump-state` is written).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the node at once (SIGKILL): what a crash or a power cut does to it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the node again on the same port with the same arguments (plus `extra`).
    pub fn restart(&mut self, extra: &[&str]) {
        self.stop();
        let port = self.port();
        let mut args = self.args.clone();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        *self = Self::launch(args, port);
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What a route answers: status, headers, body, and how long to wait before answering.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

type Routes = Arc<Mutex<HashMap<String, Answer>>>;

/// A real HTTP/1.1 server on 127.0.0.1 (one request per connection), serving fixed routes.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    routes: Routes,
}

impl Server {
    /// A server with no routes (every path answers 404).
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let routes: Routes = Arc::default();
        let r = routes.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let r = r.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let mut length = 0usize;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    let path = path.split('?').next().unwrap_or("/").to_owned();
                    let answer = r.lock().unwrap().get(&path).cloned().unwrap_or(Answer {
                        status: 404,
                        headers: vec![("Content-Type".into(), "text/plain".into())],
                        body: b"not found".to_vec(),
                        delay: Duration::ZERO,
                    });
                    std::thread::sleep(answer.delay);
                    let mut out = stream;
                    let mut head = format!(
                        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        answer.status,
                        answer.body.len()
                    );
                    for (k, v) in &answer.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = out.write_all(head.as_bytes());
                    let body = answer.body;
                    let _ = out.write_all(&body);
                });
            }
        });
        Server { base, routes }
    }

    /// Serves `body` at `path` with status 200.
    pub fn serve(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.respond(path, 200, &[("Content-Type", content_type)], body);
    }

    /// Answers requests for `path` with `status`, `headers` and `body`.
    pub fn respond(
        &self,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) {
        self.respond_after(Duration::ZERO, path, status, headers, body);
    }

    /// Like [`Server::respond`], after waiting `delay` (a slow server).
    pub fn respond_after(
        &self,
        delay: Duration,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) {
        let answer = Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.into(),
            delay,
        };
        self.routes.lock().unwrap().insert(path.to_owned(), answer);
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A real SMTP server (`interop/smtp-sink.mjs`, Nodemailer's smtp-server) writing each
/// accepted message to a folder; stopped when dropped.
pub struct SmtpSink {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    /// Starts on `port` (0: any), writing to `dir`. `auth` requires AUTH with (user, password);
    /// `tls` offers STARTTLS with (cert, key) PEM files.
    pub fn start(
        port: u16,
        dir: &std::path::Path,
        auth: Option<(&str, &str)>,
        tls: Option<(&std::path::Path, &std::path::Path)>,
    ) -> Self {
        let port = if port == 0 { free_port() } else { port };
        let mut cmd = Command::new("node");
        cmd.arg(repo().join("interop/smtp-sink.mjs"))
            .arg(port.to_string())
            .arg(dir);
        if let Some((u, p)) = auth {
            cmd.args(["--user", u, "--password", p]);
        }
        if let Some((cert, key)) = tls {
            cmd.arg("--tls").arg(cert).arg(key);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect(
                "starting node interop/smtp-sink.mjs (run scripts/test, or `npm ci` in interop/)",
            );
        let stdout = child.stdout.take().expect("smtp-sink stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = matches!(lines.next(), Some(Ok(l)) if l.trim() == "ready");
        std::thread::spawn(move || for _ in lines {});
        assert!(ready, "the SMTP sink did not start on port {port}");
        SmtpSink {
            child: Some(child),
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// The messages received so far, as raw bytes, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read(p).expect("reading a received message"))
            .collect()
    }

    /// Stops the server.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
