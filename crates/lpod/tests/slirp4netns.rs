//! `--network slirp4netns[:OPTS]` as root through the real binary: a real
//! slirp4netns serving the container's own netns, real crun under real conmon
//! (issue 14, 500-networking.bats). The container only talks to its own
//! addresses; the slirp4netns process is checked gone after every teardown path.

mod common;

use common::{http_get, require_binary, reserve_port, Lpod};

fn world() -> Option<Lpod> {
    require_binary("slirp4netns", "slirp4netns")?;
    Lpod::with_image()
}

/// The host's first address as `hostname -I` prints it (IPv4 first): an oracle
/// independent of lpod for what `host.containers.internal` names. `None` only off CI
/// when `hostname -I` fails or prints no address (a skip of the host check); under CI
/// that fails the test.
fn host_first_address() -> Option<String> {
    let first = common::try_probe("hostname", &["-I"]).map(|text| {
        let all: Vec<&str> = text.split_whitespace().collect();
        all.iter()
            .find(|a| !a.contains(':'))
            .or_else(|| all.first())
            .map(|s| s.to_string())
    });
    match first {
        Ok(Some(a)) => Some(a),
        Ok(None) => {
            common::require(false, "an address printed by `hostname -I`");
            None
        }
        Err(e) => {
            common::require(false, &e.to_string());
            None
        }
    }
}

#[test]
fn default_cidr_address_resolv_and_hosts_then_gone_after_rm() {
    let Some(l) = world() else {
        return;
    };
    let cid = l
        .ok(&[
            "run",
            "-d",
            "--name",
            "slirpy",
            "--hostname",
            "slirphost",
            "--network",
            "slirp4netns",
            &l.image,
            "sleep",
            "300",
        ])
        .trim()
        .to_string();
    assert_eq!(l.slirps().len(), 1, "one slirp4netns for the container");
    let addr = l.ok(&["exec", &cid, "ip", "-4", "-o", "addr", "show", "tap0"]);
    assert!(addr.contains("inet 10.0.2.100/24"), "{addr}");
    let route = l.ok(&["exec", &cid, "ip", "route"]);
    assert!(route.contains("default via 10.0.2.2 dev tap0"), "{route}");
    let resolv = l.ok(&["exec", &cid, "cat", "/etc/resolv.conf"]);
    let first_ns = resolv
        .lines()
        .find(|x| x.starts_with("nameserver"))
        .unwrap_or_default();
    assert_eq!(first_ns.trim(), "nameserver 10.0.2.3", "{resolv}");
    // Then the host's own (non-loopback) servers, as Podman keeps them.
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    for line in host_resolv.lines() {
        let mut f = line.split_whitespace();
        if f.next() == Some("nameserver") {
            if let Some(ip) = f.next().and_then(|s| s.parse::<std::net::IpAddr>().ok()) {
                if !ip.is_loopback() {
                    assert!(resolv.contains(&format!("nameserver {ip}")), "{resolv}");
                }
            }
        }
    }
    let hosts = l.ok(&["exec", &cid, "cat", "/etc/hosts"]);
    assert!(
        hosts
            .lines()
            .any(|x| x.split_whitespace().collect::<Vec<_>>()
                == ["10.0.2.100", "slirphost", "slirpy"]),
        "{hosts}"
    );
    if let Some(h) = host_first_address() {
        assert!(
            hosts
                .lines()
                .any(|x| x.split_whitespace().collect::<Vec<_>>()
                    == [h.as_str(), "host.containers.internal"]),
            "{hosts}"
        );
    }
    assert_eq!(
        l.inspect(&cid, "{{.HostConfig.NetworkMode}}"),
        "slirp4netns"
    );
    let check = l.run(&["system", "check"]);
    assert_eq!(check.code, 0, "{check:?}");
    l.ok(&["rm", "-f", "-t", "0", &cid]);
    assert!(l.slirps().is_empty(), "slirp4netns left after rm -f");
    // The killed container's conmon may still be finishing its exit command.
    l.wait_for("system check to come back clean after rm -f", || {
        (l.run(&["system", "check"]).code == 0).then_some(())
    });
}

#[test]
fn custom_cidr_and_mtu_and_gone_after_run_rm_exits() {
    let Some(l) = world() else {
        return;
    };
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "slirp4netns:cidr=10.41.7.0/24,mtu=1500",
        &l.image,
        "sh",
        "-c",
        "ip -4 -o addr show tap0; ip link show tap0; grep nameserver /etc/resolv.conf | head -1",
    ]);
    assert!(out.contains("inet 10.41.7.100/24"), "{out}");
    assert!(
        out.contains("tap0: <") && out.contains(" mtu 1500 "),
        "{out}"
    );
    assert!(out.contains("nameserver 10.41.7.3"), "{out}");
    // --hostname equal to --name: Podman writes both names on the address line.
    let hosts = l.ok(&[
        "run",
        "--rm",
        "--name",
        "same",
        "--hostname",
        "same",
        "--network",
        "slirp4netns:cidr=10.41.8.0/24",
        &l.image,
        "cat",
        "/etc/hosts",
    ]);
    assert!(hosts.contains("10.41.8.100\tsame same\n"), "{hosts}");
    assert!(l.slirps().is_empty(), "slirp4netns left after run --rm");
    assert!(l.ps_all().is_empty());
    let check = l.run(&["system", "check"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn gone_after_a_detached_container_exits_and_restarts_on_start() {
    let Some(l) = world() else {
        return;
    };
    let cid = l
        .ok(&["run", "-d", "--network", "slirp4netns", &l.image, "true"])
        .trim()
        .to_string();
    l.ok(&["wait", &cid]);
    // conmon's exit command tears the network down; wait for it (bounded).
    l.wait_for("slirp4netns to go after the exit", || {
        l.slirps().is_empty().then_some(())
    });
    // A second start gets a fresh slirp4netns, removed again by rm.
    l.ok(&["start", &cid]);
    l.ok(&["wait", &cid]);
    l.wait_for("slirp4netns to go after the second exit", || {
        l.slirps().is_empty().then_some(())
    });
    l.ok(&["rm", &cid]);
    let check = l.run(&["system", "check"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn bad_options_are_refused_clearly() {
    let Some(l) = world() else {
        return;
    };
    for (net, want) in [
        (
            "slirp4netns:outbound_addr=eth0",
            "invalid slirp4netns option \"outbound_addr=eth0\"",
        ),
        (
            "slirp4netns:enable_ipv6=maybe",
            "invalid slirp4netns option \"enable_ipv6=maybe\"",
        ),
        ("slirp4netns:cidr=10.0.0.0/16", "slirp4netns cidr"),
        ("slirp4netns:mtu=12", "slirp4netns mtu"),
    ] {
        let out = l.run(&["create", "--network", net, &l.image, "true"]);
        assert_eq!(out.code, 125, "{net}: {out:?}");
        assert!(out.stderr.contains(want), "{net}: {out:?}");
    }
    assert!(l.ps_all().is_empty());
}

#[test]
fn system_check_reports_and_repairs_an_orphan_slirp4netns() {
    let Some(mut l) = world() else {
        return;
    };
    // What a crash between slirp4netns's start and the state's save leaves: a
    // slirp4netns on a netns of this run root that no container records. The
    // netns is the test's own (a bind-mounted namespace file; the guard unmounts it).
    let dir = l.runroot.join("netns");
    std::fs::create_dir_all(&dir).expect("create the run root's netns dir");
    let ns = dir.join(format!("lpod-{}", "c".repeat(64)));
    std::fs::write(&ns, b"").expect("create the netns file");
    let made = std::process::Command::new("unshare")
        .arg(format!("--net={}", ns.display()))
        .arg("true")
        .status()
        .expect("run unshare");
    assert!(made.success(), "unshare --net={}", ns.display());
    let ns_arg = ns.display().to_string();
    let pid = l.spawn_raw(
        "slirp4netns",
        &["--configure", "--netns-type=path", &ns_arg, "tap0"],
    );
    l.wait_for("the orphan slirp4netns to run", || {
        l.slirps().contains(&pid).then_some(())
    });
    let out = l.run(&["system", "check", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("orphan-slirp4netns"), "{out:?}");
    l.ok(&["system", "check", "--repair"]);
    l.wait_for("the orphan slirp4netns to be killed", || {
        l.slirps().is_empty().then_some(())
    });
    let out = l.run(&["system", "check"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn published_port_forwards_through_slirp4netns_and_survives_restart() {
    let Some(l) = world() else {
        return;
    };
    let port = reserve_port();
    let cid = l
        .ok(&[
            "run",
            "-d",
            "--hostname",
            "webby",
            "--network",
            "slirp4netns:port_handler=slirp4netns",
            "-p",
            &format!("127.0.0.1:{port}:80"),
            &l.image,
            "httpd",
            "-f",
            "-p",
            "80",
            "-h",
            "/etc",
        ])
        .trim()
        .to_string();
    let body = l.wait_for("the published port to answer", || {
        http_get(port, "/hostname")
    });
    assert_eq!(body.trim(), "webby");
    assert_eq!(
        l.ok(&["port", &cid]).trim(),
        format!("80/tcp -> 127.0.0.1:{port}")
    );
    l.ok(&["restart", "-t", "0", &cid]);
    assert_eq!(l.slirps().len(), 1, "one slirp4netns after the restart");
    let body = l.wait_for("the port to answer after the restart", || {
        http_get(port, "/hostname")
    });
    assert_eq!(body.trim(), "webby");
    l.ok(&["rm", "-f", "-t", "0", &cid]);
    assert!(l.slirps().is_empty(), "slirp4netns left after rm -f");
    assert!(
        http_get(port, "/hostname").is_none(),
        "port still forwarded after rm"
    );
}
