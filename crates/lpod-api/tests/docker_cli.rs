//! The real Docker CLI (`/usr/local/bin/docker`) against `lpod system service`, with
//! real containers under crun and conmon: version negotiation, run (output, exit
//! codes, stdin, tty), the detached lifecycle, ps/inspect/logs/exec/top/stats/events,
//! networks with a published port, pull from a loopback registry, and bad input.

mod common;
use common::*;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

#[test]
fn version_info_and_run_with_output_exit_codes_stdin_and_tty() {
    let Some(w) = World::start("") else { return };
    let v = w.docker(&[
        "version",
        "--format",
        "{{.Server.APIVersion}} {{.Server.Os}}",
    ]);
    assert_eq!(v.code, 0, "{v:?}");
    assert_eq!(v.stdout.trim(), "1.41 linux", "{v:?}");
    let info = w.docker_ok(&["info", "--format", "{{.Images}} {{.OSType}} {{.Driver}}"]);
    assert_eq!(info, "1 linux overlay");

    let out = w.docker(&["run", "--rm", &w.image, "echo", "hi"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "hi\n"), "{out:?}");
    let out = w.docker(&["run", "--rm", &w.image, "sh", "-c", "echo oops >&2; exit 7"]);
    assert_eq!(out.code, 7, "{out:?}");
    assert_eq!(out.stderr, "oops\n", "stderr is demultiplexed: {out:?}");
    let out = w.docker_in(&["run", "-i", "--rm", &w.image, "cat"], b"hi\n");
    assert_eq!((out.code, out.stdout.as_str()), (0, "hi\n"), "{out:?}");
    // With a terminal the stream is raw: the tty's CRLF arrives, no frame headers.
    let out = w.docker(&["run", "-t", "--rm", &w.image, "sh", "-c", "tty; echo x"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "/dev/pts/0\r\nx\r\n", "{out:?}");
    // A missing command: the CLI's 127.
    let out = w.docker(&["run", "--rm", &w.image, "/nonexistent"]);
    assert_eq!(out.code, 127, "{out:?}");

    // Short runs back to back: the CLI hangs up on streams the service still writes
    // to (this killed the service with SIGPIPE once).
    for _ in 0..10 {
        let out = w.docker(&["run", "--rm", &w.image, "true"]);
        assert_eq!(out.code, 0, "{out:?}");
    }
    assert!(pid_live(w.service_pid()), "the service died");

    // --rm containers are gone once the CLI returns.
    let ps = w.docker_ok(&["ps", "-aq"]);
    assert_eq!(ps, "", "auto-removed containers remain");
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}

#[test]
fn detached_lifecycle_logs_exec_ps_inspect_top_stats_events() {
    let Some(w) = World::start("") else { return };
    let t0 = chrono::Utc::now().timestamp().to_string();
    let id = w.docker_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        &w.image,
        "sh",
        "-c",
        "echo out; echo err >&2; exec sleep 1000",
    ]);
    assert_eq!(id.len(), 64, "{id}");
    poll_until("the first log line", POLL_LIMIT, || {
        let l = w.docker(&["logs", "web"]);
        (l.stdout == "out\n" && l.stderr == "err\n").then_some(())
    });
    let out = w.docker(&["exec", "web", "sh", "-c", "echo in-exec; exit 3"]);
    assert_eq!((out.code, out.stdout.as_str()), (3, "in-exec\n"), "{out:?}");
    let out = w.docker_in(&["exec", "-i", "web", "cat"], b"piped\n");
    assert_eq!((out.code, out.stdout.as_str()), (0, "piped\n"), "{out:?}");

    let running = w.docker_ok(&["ps", "--filter", "status=running", "--format", "{{.Names}}"]);
    assert_eq!(running, "web");
    let exited = w.docker_ok(&[
        "ps",
        "-a",
        "--filter",
        "status=exited",
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(exited, "");
    let st = w.docker_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.Name}} {{.Config.Tty}}",
        "web",
    ]);
    assert_eq!(st, "running /web false");
    let top = w.docker_ok(&["top", "web"]);
    assert!(top.contains("sleep 1000"), "{top}");
    let stats = w.docker_ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.PIDs}}",
        "web",
    ]);
    assert_eq!(stats, "web 1");

    // stop answers 204, then 304 for a stopped container (the CLI succeeds both times).
    w.docker_ok(&["stop", "-t", "0", "web"]);
    w.docker_ok(&["stop", "web"]);
    let st = w.docker_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "web",
    ]);
    assert_eq!(st, "exited 137");
    let exited = w.docker_ok(&[
        "ps",
        "-a",
        "--filter",
        "status=exited",
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(exited, "web");
    w.docker_ok(&["rm", "web"]);
    let gone = w.docker(&["inspect", "web"]);
    assert_eq!(gone.code, 1, "{gone:?}");
    assert!(gone.stderr.contains("No such object: web"), "{gone:?}");

    let now = (chrono::Utc::now().timestamp() + 1).to_string();
    let ev = w.docker_ok(&[
        "events",
        "--since",
        &t0,
        "--until",
        &now,
        "--filter",
        "container=web",
        "--format",
        "{{.Type}} {{.Action}}",
    ]);
    for want in [
        "container create",
        "container start",
        "container exec",
        "container remove",
    ] {
        assert!(ev.lines().any(|l| l == want), "no {want:?} in {ev}");
    }
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}

#[test]
fn network_create_ls_rm_and_a_published_port_on_loopback() {
    let Some(w) = World::start("") else { return };
    let bridge = Bridge::free("lpa");
    let subnet = free_subnet(&[]);
    let net = format!("n{}", bridge.0);
    let opt = format!("com.docker.network.bridge.name={}", bridge.0);
    w.docker_ok(&["network", "create", "--subnet", &subnet, "-o", &opt, &net]);
    let ls = w.docker_ok(&["network", "ls", "--format", "{{.Name}} {{.Driver}}"]);
    assert!(ls.lines().any(|l| l == format!("{net} bridge")), "{ls}");
    let dup = w.docker(&["network", "create", &net]);
    assert_ne!(dup.code, 0, "{dup:?}");
    assert!(dup.stderr.contains("already exists"), "{dup:?}");
    let sub = w.docker_ok(&[
        "network",
        "inspect",
        "-f",
        "{{(index .IPAM.Config 0).Subnet}}",
        &net,
    ]);
    assert_eq!(sub, subnet);

    let port = reserve_port();
    let publish = format!("127.0.0.1:{port}:80");
    w.docker_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        &net,
        "-p",
        &publish,
        &w.image,
        "sh",
        "-c",
        "mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    let body = poll_until("the published port", POLL_LIMIT, || {
        http_get(port, "/index.html")
    });
    assert_eq!(body, "served\n");
    let ports = w.docker_ok(&["port", "web"]);
    assert_eq!(ports, format!("80/tcp -> 127.0.0.1:{port}"));
    w.docker_ok(&["rm", "-f", "web"]);
    w.docker_ok(&["network", "rm", &net]);
    let ls = w.docker_ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!ls.lines().any(|l| l == net), "{ls}");
    assert!(!bridge.exists(), "bridge {} left behind", bridge.0);
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}

#[test]
fn pull_from_a_loopback_registry() {
    let Some(reg) = libpod_storage::registry::testing::TestRegistry::http() else {
        return;
    };
    let insecure = format!("insecure_registries = [\"{}\"]\n", reg.host_port);
    let Some(w) = World::start(&insecure) else {
        return;
    };
    let dest = format!("{}/api/busybox:v1", reg.host_port);
    let out = w.lpod(&["push", &w.image, &format!("docker://{dest}")]);
    assert_eq!(out.code, 0, "push with lpod: {out:?}");
    let out = w.docker(&["pull", &dest]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Digest: sha256:"), "{out:?}");
    let tags = w.docker_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(tags.lines().any(|l| l == dest), "{tags}");
    let out = w.docker(&["run", "--rm", &dest, "echo", "pulled"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "pulled\n"), "{out:?}");
    // A reference the registry lacks: the CLI reports the error line of the stream.
    let out = w.docker(&["pull", &format!("{}/api/nothing:v1", reg.host_port)]);
    assert_ne!(out.code, 0, "{out:?}");
}

fn post(path: &str, ctype: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: lpod\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[test]
fn bad_input_gets_a_clear_4xx_and_the_service_keeps_serving() {
    let Some(w) = World::start("") else { return };
    let ping = || w.raw(b"GET /_ping HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n");

    let (code, text) = w.raw(&post(
        "/v1.41/containers/create",
        "application/json",
        b"{\"Image\": ",
    ));
    assert_eq!(code, 400, "{text}");
    assert!(
        text.contains("\"message\":\"invalid JSON body for container create"),
        "{text}"
    );
    let (code, text) = w.raw(&post(
        "/containers/create",
        "application/json",
        br#"{"Image":"localhost/busybox","Cmdd":["true"]}"#,
    ));
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("unknown field \\\"Cmdd\\\""), "{text}");
    let (code, text) = w.raw(&post(
        "/containers/create",
        "application/json",
        br#"{"Image":"localhost/busybox","HostConfig":{"Privilegd":true}}"#,
    ));
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("Privilegd"), "{text}");
    let (code, text) = w.raw(&post(
        "/containers/create",
        "application/json",
        br#"{"Image":"no/such:image"}"#,
    ));
    assert_eq!(code, 404, "the CLI pulls on 404: {text}");
    let huge = vec![b' '; 5 << 20];
    let (code, text) = w.raw(&post("/containers/create", "application/json", &huge));
    assert_eq!(code, 413, "{}", &text[..text.len().min(300)]);
    let (code, text) =
        w.raw(b"GET /v1.41/nothing/here HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 404, "{text}");
    let (code, text) = w.raw(
        b"GET /containers/json?filters=%7Bbad HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 400, "{text}");
    let (code, text) = w.raw(b"POST /containers/nope/start HTTP/1.1\r\nHost: lpod\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 404, "{text}");
    assert!(text.contains("No such container: nope"), "{text}");
    // Garbage that is not HTTP at all.
    let (code, _) = w.raw(b"\x00\x01\x02 not http\r\n\r\n");
    assert_eq!(code, 400);
    let (code, text) = ping();
    assert_eq!(code, 200, "{text}");
    assert!(
        text.contains("Api-Version: 1.41") || text.contains("api-version: 1.41"),
        "{text}"
    );

    // A client that goes away in the middle of an attach.
    w.docker_ok(&[
        "run",
        "-d",
        "--name",
        "chatty",
        &w.image,
        "sh",
        "-c",
        "while true; do echo tick; sleep 0.05; done",
    ]);
    for _ in 0..3 {
        let mut s = UnixStream::connect(&w.socket).expect("connect");
        s.write_all(b"POST /containers/chatty/attach?stream=1&stdout=1&stderr=1&stdin=1 HTTP/1.1\r\nHost: lpod\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        // Read until a frame of output came, then hang up.
        let mut got = head.contains("tick");
        while !got {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "attach stream ended early");
            got = buf[..n].windows(4).any(|x| x == b"tick");
        }
        drop(s);
    }
    // And one that hangs up on a followed log stream while the service writes to it
    // (a write to the closed socket must not raise a fatal SIGPIPE).
    for _ in 0..3 {
        let mut s = UnixStream::connect(&w.socket).expect("connect");
        s.write_all(
            b"GET /containers/chatty/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: lpod\r\n\r\n",
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        drop(s);
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, _) = ping();
    assert_eq!(code, 200);
    assert!(pid_live(w.service_pid()), "the service died");
    let st = w.docker_ok(&["inspect", "-f", "{{.State.Status}}", "chatty"]);
    assert_eq!(
        st, "running",
        "a hung-up attach must not stop the container"
    );
    w.docker_ok(&["rm", "-f", "chatty"]);
    assert!(w.check_findings().is_empty(), "system check finds leaks");
}

#[test]
fn sigterm_stops_the_service_and_removes_its_socket() {
    let Some(mut w) = World::start("") else {
        return;
    };
    let (code, _) =
        w.raw(b"GET /v1.41/version HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 200);
    let status = w.stop_service();
    assert_eq!(status, Some(0));
    assert!(!w.socket.exists(), "socket left behind");
}

/// The Docker CLI attaches, and starts the container the moment the 101 arrives. A
/// container that prints and exits at once must still deliver its output: the
/// service is connected to the container's stdio before it answers 101 (CI once saw
/// `docker run IMG echo hi` print nothing when the connect came after the start).
#[test]
fn output_written_right_after_the_101_reaches_the_attached_client() {
    let Some(w) = World::start("") else { return };
    for round in 0..15 {
        let body = format!(r#"{{"Image":"{}","Cmd":["echo","hi{round}"]}}"#, w.image);
        let (code, text) = w.raw(&post(
            "/v1.41/containers/create",
            "application/json",
            body.as_bytes(),
        ));
        assert_eq!(code, 201, "{text}");
        let id = text
            .split("\"Id\":\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .expect("an Id in the create answer")
            .to_string();

        let mut att = UnixStream::connect(&w.socket).expect("connect to the API socket");
        att.set_read_timeout(Some(Duration::from_secs(60))).ok();
        att.write_all(
            format!(
                "POST /v1.41/containers/{id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n\
                 Host: lpod\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            )
            .as_bytes(),
        )
        .expect("send the attach request");
        // Read exactly the response head, then start at once, as the CLI does.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let n = att.read(&mut byte).expect("read the 101");
            assert_eq!(n, 1, "the service closed before answering: {head:?}");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        let (code, text) = w.raw(&post(
            &format!("/v1.41/containers/{id}/start"),
            "application/json",
            b"",
        ));
        assert_eq!(code, 204, "{text}");

        let mut stream = Vec::new();
        let _ = att.read_to_end(&mut stream);
        // One stdout frame: stream id 1, three zero bytes, a big-endian length.
        let want = format!("hi{round}\n");
        let mut frame = vec![1u8, 0, 0, 0];
        frame.extend_from_slice(&(want.len() as u32).to_be_bytes());
        frame.extend_from_slice(want.as_bytes());
        assert_eq!(stream, frame, "round {round}: the output was lost");
        let (code, text) = w.raw(
            format!("DELETE /v1.41/containers/{id}?force=1 HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(code, 204, "{text}");
    }
    let findings = w.check_findings();
    assert!(
        findings.is_empty(),
        "system check finds leaks: {findings:?}"
    );
}
