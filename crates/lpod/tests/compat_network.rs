//! Podman's network verbs as its system tests (500-networking.bats) use them (issue 14):
//! `network ls` columns and order, `network rm` of a missing network, `network exists`,
//! `port`, published ports on 127.0.0.1, and the `--dns*`/`--add-host` files. Networks are
//! the test's own (own bridge name and subnet, never 10.88/16); traffic only to 127.0.0.1.

mod common;

use common::{http_get, own_network, reserve_port, Lpod};

#[test]
fn network_ls_has_podmans_columns_in_name_order() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b2, second, _) = own_network(&l, "lpnb");
    let (_b1, first, _) = own_network(&l, "lpna");
    let table = l.ok(&["network", "ls"]);
    let mut lines = table.lines();
    let header = lines.next().unwrap_or_default();
    let cols: Vec<&str> = header.split("  ").filter(|c| !c.is_empty()).collect();
    assert_eq!(cols, ["NETWORK ID", "NAME", "DRIVER"], "{table}");
    let names: Vec<&str> = lines
        .map(|r| r.split_whitespace().nth(1).unwrap_or_default())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "{table}");
    assert!(names.contains(&first.as_str()) && names.contains(&second.as_str()));
    let noheading = l.ok(&["network", "ls", "--noheading"]);
    assert!(!noheading.contains("NETWORK ID"), "{noheading}");
    assert_eq!(noheading.lines().count(), table.lines().count() - 1);
    let quiet = l.ok(&[
        "network",
        "ls",
        "--quiet",
        "--filter",
        &format!("name={first}"),
    ]);
    assert_eq!(quiet.trim(), first);
    assert_eq!(l.run(&["network", "exists", &first]).code, 0);
    // The same name again: Podman's words, and no warning about loose directories.
    let out = l.run(&["network", "create", &first]);
    assert_eq!(out.code, 125, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        format!("Error: network name {first} already used: network already exists")
    );
    let out = l.run(&["network", "ls", "-q"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    l.ok(&["network", "rm", &first, &second]);
    assert_eq!(l.run(&["network", "exists", &first]).code, 1);
}

#[test]
fn network_rm_of_a_missing_network_exits_1_unless_forced() {
    let l = Lpod::bare();
    let out = l.run(&["network", "rm", "bogus"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr.trim(),
        "Error: unable to find network with name or ID bogus: network not found"
    );
    let out = l.run(&["network", "rm", "--force", "-t", "0", "bogus"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", ""),
        "{out:?}"
    );
}

#[test]
fn published_port_serves_on_localhost_and_port_lists_it() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b, net, _) = own_network(&l, "lpnp");
    let port = reserve_port();
    let www = l.dir().join("www");
    std::fs::create_dir(&www).unwrap();
    std::fs::write(www.join("index.txt"), "hello from lpod\n").unwrap();
    let vol = format!("{}:/var/www", www.display());
    let publish = format!("127.0.0.1:{port}:80");
    l.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        &net,
        "-p",
        &publish,
        "-v",
        &vol,
        "-w",
        "/var/www",
        &l.image,
        "httpd",
        "-f",
        "-p",
        "80",
    ]);
    let body = l.wait_for("httpd answers", || http_get(port, "/index.txt"));
    assert_eq!(body, "hello from lpod\n");
    assert_eq!(
        l.ok(&["port", "web"]).trim(),
        format!("80/tcp -> 127.0.0.1:{port}")
    );
    assert_eq!(
        l.ok(&["port", "web", "80"]).trim(),
        format!("127.0.0.1:{port}")
    );
    assert_eq!(
        l.ok(&["port", "web", "80/tcp"]).trim(),
        format!("127.0.0.1:{port}")
    );
    let out = l.run(&["port", "web", "99/tcp"]);
    out.assert_error(125, "unpublished port");
    assert!(
        out.stderr
            .contains("failed to find published port \"99/tcp\""),
        "{out:?}"
    );
    // The container's own name and address, and the host, are in its /etc/hosts.
    let hosts = l.ok(&["exec", "web", "cat", "/etc/hosts"]);
    let ip = l.inspect("web", "{{.NetworkSettings.IPAddress}}");
    assert!(
        hosts.contains(&format!("{ip}\t")) && hosts.contains(" web\n"),
        "{hosts}"
    );
    assert!(hosts.contains("\thost.containers.internal\n"), "{hosts}");
    l.ok(&["rm", "-f", "-t", "0", "web"]);
    l.ok(&["network", "rm", &net]);
}

#[test]
fn dns_and_add_host_flags_reach_the_containers_files() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--dns",
        "192.0.2.53",
        "--dns-search",
        "example.test",
        "--dns-opt",
        "ndots:4",
        "--dns-option",
        "timeout:2",
        "--add-host",
        "db.example.test:192.0.2.8",
        "--hostname",
        "box",
        "--name",
        "named",
        &l.image,
        "sh",
        "-c",
        "cat /etc/resolv.conf /etc/hosts",
    ]);
    for want in [
        "search example.test\n",
        "nameserver 192.0.2.53\n",
        "options ndots:4 timeout:2\n",
        "192.0.2.8\tdb.example.test\n",
        "127.0.0.1\tlocalhost\n",
        "::1\tlocalhost\n",
        "127.0.0.1\tbox named\n",
    ] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
    // --http-proxy=false is accepted (and true, the default, passes the host's variables).
    let env = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--http-proxy=false",
        &l.image,
        "env",
    ]);
    assert!(!env.contains("http_proxy="), "{env}");
    // A bad --dns or --add-host creates nothing.
    for bad in [["--dns", "not-an-ip"], ["--add-host", "nocolon"]] {
        let out = l.run(&[
            "run",
            "--rm",
            "--network",
            "none",
            bad[0],
            bad[1],
            &l.image,
            "true",
        ]);
        out.assert_error(125, bad[1]);
    }
    assert!(l.ps_all().is_empty());
}

#[test]
fn containers_conf_gives_dns_and_hosts_defaults() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let base = l.dir().join("base-hosts");
    std::fs::write(&base, "192.0.2.31 one\n192.0.2.32 two #some comment\n").unwrap();
    let conf = l.dir().join("containers.conf");
    std::fs::write(
        &conf,
        format!(
            "[containers]\nbase_hosts_file = \"{}\"\nhost_containers_internal_ip = \"192.0.2.99\"\n\
             dns_searches = [\"example.com\"]\ndns_servers = [\"192.0.2.53\", \"192.0.2.54\"]\n\
             [engine]\ntmp_dir = \"/nonexistent\"\n[network]\ndefault_subnet = \"10.86.0.0/16\"\n",
            base.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut c = l.cmd(args);
        c.env("CONTAINERS_CONF", &conf);
        common::run_bounded(c, args)
    };
    let out = run(&[
        "run",
        "--rm",
        "--add-host",
        "three:192.0.2.33",
        &l.image,
        "cat",
        "/etc/hosts",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[..6],
        [
            "192.0.2.33\tthree",
            "192.0.2.31\tone",
            "192.0.2.32\ttwo",
            "127.0.0.1\tlocalhost",
            "::1\tlocalhost",
            "192.0.2.99\thost.containers.internal",
        ],
        "{out:?}"
    );
    assert_eq!(lines.len(), 7, "{out:?}");
    // A name the base file has already: no entry of the container's own.
    let out = run(&[
        "run",
        "--rm",
        "--name",
        "one",
        "--hostname",
        "one",
        &l.image,
        "cat",
        "/etc/hosts",
    ]);
    assert_eq!(out.stdout.lines().count(), 5, "{out:?}");
    let out = run(&["run", "--rm", &l.image, "cat", "/etc/resolv.conf"]);
    assert_eq!(
        out.stdout, "search example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n",
        "{out:?}"
    );
    // --dns wins over the file.
    let out = run(&[
        "run",
        "--rm",
        "--dns",
        "192.0.2.55",
        &l.image,
        "cat",
        "/etc/resolv.conf",
    ]);
    assert!(out.stdout.contains("nameserver 192.0.2.55\n") && !out.stdout.contains("192.0.2.53"));
}

#[test]
fn a_port_range_publishes_each_port_of_it() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b, net, _) = own_network(&l, "lprg");
    let base = reserve_port();
    let publish = format!("127.0.0.1:{}-{}:7001-7003", base, base + 2);
    let c = l.ok(&[
        "create",
        "--network",
        &net,
        "-p",
        &publish,
        &l.image,
        "true",
    ]);
    let ports = l.ok(&[
        "inspect",
        c.trim(),
        "--format",
        "{{json .NetworkSettings.Ports}}",
    ]);
    for (i, cport) in (7001..=7003).enumerate() {
        assert!(ports.contains(&format!("{cport}/tcp")), "{ports}");
        assert!(
            ports.contains(&format!("\"{}\"", base + i as u16)),
            "{ports}"
        );
    }
    // Ranges of different lengths are refused; nothing is created.
    let out = l.run(&[
        "create",
        "--network",
        &net,
        "-p",
        "5518-5520:80-81",
        &l.image,
        "true",
    ]);
    out.assert_error(125, "uneven port ranges");
    assert_eq!(l.ps_all().len(), 1);
    l.ok(&["rm", "-f", c.trim()]);
}

#[test]
fn mac_address_and_ip_are_honoured_for_containers_and_pods() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b, net, subnet) = own_network(&l, "lpmc");
    // A free address of the test's own /24 (the gateway is .1; the first lease .2).
    let ip = subnet.replace(".0/24", ".77");
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        &net,
        "--mac-address",
        "02:AB:cd:00:11:22",
        "--ip",
        &ip,
        &l.image,
        "sh",
        "-c",
        "ip link show eth0; ip -4 addr show eth0",
    ]);
    assert!(out.contains("link/ether 02:ab:cd:00:11:22 "), "{out}");
    assert!(out.contains(&format!("inet {ip}/24")), "{out}");
    // 500-networking reads the MAC from /sys/class/net/eth0/address: the container's
    // sysfs is its own network namespace's (it was the host's bind, listing the host's
    // eth0 and bridges).
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        &net,
        "--mac-address",
        "02:ab:cd:00:11:23",
        &l.image,
        "sh",
        "-c",
        "ls /sys/class/net | tr '\\n' ' '; cat /sys/class/net/eth0/address",
    ]);
    assert_eq!(out.trim(), "eth0 lo 02:ab:cd:00:11:23", "{out}");
    // 200-pod: `pod create --mac-address` gives the infra's interface that MAC, which
    // every member shares.
    l.ok(&[
        "pod",
        "create",
        "--name",
        "macpod",
        "--network",
        &net,
        "--mac-address",
        "02:00:5e:10:20:30",
    ]);
    let out = l.ok(&[
        "run", "--rm", "--pod", "macpod", &l.image, "ip", "link", "show",
    ]);
    assert!(out.contains("link/ether 02:00:5e:10:20:30 "), "{out}");
    assert_eq!(
        l.ok_trim(&[
            "pod",
            "inspect",
            "macpod",
            "--format",
            "{{.InfraConfig.StaticMAC}}"
        ]),
        "02:00:5e:10:20:30"
    );
    l.ok(&["pod", "rm", "-f", "-t", "0", "macpod"]);
    // A bad MAC is refused, naming it, and creates nothing.
    let out = l.run(&[
        "create",
        "--network",
        &net,
        "--mac-address",
        "02:zz:00:00:00:01",
        "--name",
        "badmac",
        &l.image,
    ]);
    out.assert_error(125, "bad MAC");
    assert!(out.stderr.contains("02:zz:00:00:00:01"), "{out:?}");
    assert_eq!(l.run(&["container", "exists", "badmac"]).code, 1);
}

#[test]
fn published_ports_are_held_while_the_container_lives() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b, net, _) = own_network(&l, "lpph");
    let port = reserve_port();
    let publish = format!("{port}:80");
    l.ok(&[
        "run",
        "-d",
        "--name",
        "holder",
        "--network",
        &net,
        "-p",
        &publish,
        &l.image,
        "sleep",
        "600",
    ]);
    // As Podman: the host port is bound (conmon holds it), so no host process takes it.
    let taken = std::net::TcpListener::bind(("0.0.0.0", port));
    assert_eq!(
        taken.as_ref().err().map(|e| e.kind()),
        Some(std::io::ErrorKind::AddrInUse),
        "{taken:?}"
    );
    l.ok(&["stop", "-t", "0", "holder"]);
    // Released with the container's conmon; a host process holding it makes the next
    // start fail with Podman's bind error.
    let squatter = l.wait_for("the port to be free", || {
        std::net::TcpListener::bind(("0.0.0.0", port)).ok()
    });
    let out = l.run(&["start", "holder"]);
    out.assert_error(125, "port taken");
    assert!(
        out.stderr.contains(&format!(
            "cannot listen on the tcp port: listen tcp4 0.0.0.0:{port}: bind: address already in use"
        )),
        "{out:?}"
    );
    drop(squatter);
    l.ok(&["start", "holder"]);
    l.ok(&["rm", "-f", "-t", "0", "holder"]);
    l.wait_for("the port to be free after rm", || {
        std::net::TcpListener::bind(("0.0.0.0", port)).ok()
    });
}
