//! A loopback test registry: Debian's `docker-registry` (the reference registry) on
//! `127.0.0.1:<free port>`, plain HTTP or TLS (a test CA made with `openssl` at start)
//! with htpasswd basic auth (`htpasswd -Bbn`). Only with the `test-registry` feature.
//!
//! Constructors return `None` when a prerequisite (binary) is missing so a test can
//! skip on a laptop; with env `CI=true` they panic instead (no silent skips in CI).

use super::client::connect;
use super::push::{upload_blob, upload_manifest};
use super::{Credentials, RegistryOptions};
use oci_client::{Reference, RegistryOperation};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The registry binary.
pub const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// A running test registry; killed (by pid) and its temp dirs removed on drop.
pub struct TestRegistry {
    /// Listen address (127.0.0.1:port).
    pub addr: SocketAddr,
    /// `127.0.0.1:<port>`, the registry part of references.
    pub host_port: String,
    /// For TLS: a certs dir laid out as `<certs_dir>/<host_port>/ca.crt`.
    pub certs_dir: Option<PathBuf>,
    /// The registry's storage root (`<data>/docker/registry/v2/...`).
    pub data_dir: PathBuf,
    /// For htpasswd: the valid credentials.
    pub credentials: Option<Credentials>,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    _tmp: tempfile::TempDir,
}

fn missing(what: &str) -> Option<TestRegistry> {
    // CI set to a truthy value (as lpod-test-support's `ci()`): a missing prerequisite fails.
    let ci = std::env::var("CI").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "on"
        )
    });
    if ci {
        panic!("test registry: {what} is missing (CI set: not skipping)");
    }
    eprintln!("test registry: skipped, {what} is missing");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding a free loopback port")
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl TestRegistry {
    /// Plain HTTP, no auth. Use [`TestRegistry::options`] (marks it insecure).
    pub fn http() -> Option<TestRegistry> {
        Self::start(false, None)
    }

    /// TLS with a test CA (certificate for IP 127.0.0.1) and htpasswd basic auth.
    pub fn tls_htpasswd(user: &str, pass: &str) -> Option<TestRegistry> {
        Self::start(
            true,
            Some(Credentials {
                username: user.into(),
                password: pass.into(),
            }),
        )
    }

    fn start(tls: bool, creds: Option<Credentials>) -> Option<TestRegistry> {
        if !Path::new(REGISTRY_BIN).exists() {
            return missing(REGISTRY_BIN);
        }
        for bin in ["openssl", "htpasswd"] {
            let found = std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).exists()))
                .unwrap_or(false);
            if (tls || creds.is_some()) && !found {
                return missing(bin);
            }
        }
        let tmp = tempfile::Builder::new()
            .prefix("lpod-test-registry")
            .tempdir()
            .expect("tempdir");
        let port = free_port();
        let host_port = format!("127.0.0.1:{port}");
        let data_dir = tmp.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let mut extra = String::new();
        let mut certs_dir = None;
        if tls {
            let d = tmp.path();
            let (ca_key, ca_crt) = (d.join("ca.key"), d.join("ca.crt"));
            let (key, csr, crt, ext) = (
                d.join("server.key"),
                d.join("server.csr"),
                d.join("server.crt"),
                d.join("ext.cnf"),
            );
            run(Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=lpod test CA", "-keyout"])
                .arg(&ca_key)
                .arg("-out")
                .arg(&ca_crt));
            run(Command::new("openssl")
                .args([
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    "/CN=127.0.0.1",
                ])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&csr));
            std::fs::write(
                &ext,
                "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
            )
            .expect("ext file");
            run(Command::new("openssl")
                .args(["x509", "-req", "-days", "2", "-CAcreateserial", "-in"])
                .arg(&csr)
                .arg("-CA")
                .arg(&ca_crt)
                .arg("-CAkey")
                .arg(&ca_key)
                .arg("-extfile")
                .arg(&ext)
                .arg("-out")
                .arg(&crt));
            let cd = d.join("certs.d");
            std::fs::create_dir_all(cd.join(&host_port)).expect("certs dir");
            std::fs::copy(&ca_crt, cd.join(&host_port).join("ca.crt")).expect("ca copy");
            certs_dir = Some(cd);
            extra.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                crt.display(),
                key.display()
            ));
        }
        if let Some(c) = &creds {
            let line = run(Command::new("htpasswd").args(["-Bbn", &c.username, &c.password]));
            let hp = tmp.path().join("htpasswd");
            std::fs::write(&hp, line).expect("htpasswd file");
            extra.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: lpod-test\n    path: {}\n",
                hp.display()
            ));
        }
        // `auth:` is top level, `tls:` belongs under `http:`.
        let (http_extra, auth_extra) = match extra.find("auth:") {
            Some(i) => (extra[..i].to_string(), extra[i..].to_string()),
            None => (extra.clone(), String::new()),
        };
        let config = tmp.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host_port}\n{http_extra}{auth_extra}",
                data_dir.display()
            ),
        )
        .expect("registry config");
        let log = tmp.path().join("registry.log");
        let mut reg = TestRegistry {
            addr: host_port.parse().expect("addr"),
            host_port,
            certs_dir,
            data_dir,
            credentials: creds,
            config,
            log,
            child: None,
            _tmp: tmp,
        };
        reg.restart();
        Some(reg)
    }

    /// Options that reach this registry: insecure for HTTP; the certs dir for TLS.
    pub fn options(&self) -> RegistryOptions {
        RegistryOptions {
            insecure: if self.certs_dir.is_none() {
                vec![self.host_port.clone()]
            } else {
                vec![]
            },
            certs_dir: self.certs_dir.clone(),
            // Never read the user's auth files in tests.
            auth_file: Some(self._tmp.path().join("no-auth.json")),
            ..Default::default()
        }
    }

    /// `127.0.0.1:<port>/<repo>`.
    pub fn reference(&self, repo: &str) -> String {
        format!("{}/{repo}", self.host_port)
    }

    /// Where the registry keeps blob `digest` on disk.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.data_dir
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2.min(hex.len())])
            .join(hex)
            .join("data")
    }

    /// The registry's log (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The registry's pid, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the registry (SIGKILL, by pid) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// (Re)starts the registry on the same port with the same data; waits until it
    /// answers.
    pub fn restart(&mut self) {
        self.kill();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("registry log");
        let child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .expect("starting docker-registry");
        self.child = Some(child);
        // A liveness bound, not a timing test: a loaded 2-core machine may take a while.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    panic!("docker-registry exited ({st}): {}", self.log());
                }
            }
            if self.ready() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry on {} not ready: {}",
                self.host_port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls `/v2/` (HTTP) or the TLS port.
    fn ready(&self) -> bool {
        use std::io::{Read as _, Write as _};
        let Ok(mut s) = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)) else {
            return false;
        };
        if self.certs_dir.is_some() {
            return true;
        }
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: x\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut buf = [0u8; 12];
        matches!(s.read(&mut buf), Ok(n) if n >= 12 && buf.starts_with(b"HTTP/1."))
    }

    fn opts_with_creds(&self) -> RegistryOptions {
        let mut o = self.options();
        o.credentials = self.credentials.clone();
        o
    }

    /// Uploads raw blob bytes to `repo`; returns the digest.
    pub fn upload_blob(&self, repo: &str, data: &[u8]) -> String {
        let r = Reference::with_tag(self.host_port.clone(), repo.into(), "latest".into());
        let conn = connect(
            &self.host_port,
            &r,
            &self.opts_with_creds(),
            None,
            RegistryOperation::Push,
        )
        .expect("connect to test registry");
        let d = crate::digest::sha256_digest(data);
        upload_blob(&conn, &r, &d, Some(data), None, &|_| {}).expect("upload blob");
        d
    }

    /// Uploads a manifest (or index) under `repo:tag`; returns its digest.
    pub fn upload_manifest(&self, repo: &str, tag: &str, media_type: &str, body: &[u8]) -> String {
        let r = Reference::with_tag(self.host_port.clone(), repo.into(), tag.into());
        let conn = connect(
            &self.host_port,
            &r,
            &self.opts_with_creds(),
            None,
            RegistryOperation::Push,
        )
        .expect("connect to test registry");
        upload_manifest(&conn, &r, media_type, body.to_vec()).expect("upload manifest")
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.kill();
    }
}
