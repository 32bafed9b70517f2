//! Containers that depend on others, as a Podman user meets them (issue 14):
//! `--network container:NAME` joins another container's network namespace (its
//! addresses, /etc/hosts and resolv.conf), starting it first when it does not run;
//! `rm` refuses a container others depend on with Podman's words and exit code, `rm
//! --depend` removes the dependents first, and `rm --all` removes in dependency
//! order. Real crun under real conmon; bridged cases on a network of the test's own.

mod common;

use common::{own_network, Lpod};

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn network_container_joins_the_namespace_and_starts_the_dependency_first() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let (_bridge, net, subnet) = own_network(&l, "lpdp");
    let dep = l.ok(&[
        "run",
        "-d",
        "--name",
        "dep",
        "--network",
        &net,
        &img,
        "sleep",
        "600",
    ]);
    let dep = dep.trim().to_string();
    let dep_ns = l.ok(&["exec", "dep", "readlink", "/proc/self/ns/net"]);

    // The dependent sees the dependency's namespace, addresses, hosts and resolver.
    let joined = l.ok(&[
        "run",
        "--rm",
        "--network",
        "container:dep",
        &img,
        "readlink",
        "/proc/self/ns/net",
    ]);
    assert_eq!(joined.trim(), dep_ns.trim());
    let own_ns = l.ok(&["run", "--rm", &img, "readlink", "/proc/self/ns/net"]);
    assert_ne!(
        own_ns.trim(),
        dep_ns.trim(),
        "a plain container has its own"
    );
    let prefix = subnet.rsplit_once('.').expect("a /24 subnet").0.to_string();
    let addrs = l.ok(&[
        "run",
        "--rm",
        "--network",
        &format!("container:{}", &dep[..12]),
        &img,
        "ip",
        "-4",
        "addr",
    ]);
    assert!(
        addrs.contains(&format!("inet {prefix}.")),
        "the dependency's address on {subnet}: {addrs}"
    );
    for f in ["/etc/hosts", "/etc/resolv.conf"] {
        let theirs = l.ok(&["exec", "dep", "cat", f]);
        let ours = l.ok(&["run", "--rm", "--network", "container:dep", &img, "cat", f]);
        assert_eq!(ours, theirs, "{f} is the dependency's");
    }

    // Inspect names the mode with the full id; ports are discarded with Podman's warning.
    l.ok(&[
        "create",
        "--name",
        "member",
        "--network",
        "container:dep",
        &img,
        "true",
    ]);
    assert_eq!(
        l.inspect("member", "{{.HostConfig.NetworkMode}}"),
        format!("container:{dep}")
    );
    let out = l.run(&[
        "run",
        "--rm",
        "-p",
        "8080",
        "--network",
        "container:dep",
        &img,
        "echo",
        "hi",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Port mappings have been discarded"),
        "{out:?}"
    );

    // Starting a dependent starts its stopped dependency first.
    l.ok(&["stop", "-t", "0", "dep"]);
    assert_eq!(l.inspect("dep", "{{.State.Running}}"), "false");
    l.ok(&[
        "run",
        "-d",
        "--name",
        "late",
        "--network",
        "container:dep",
        &img,
        "sleep",
        "600",
    ]);
    assert_eq!(l.inspect("dep", "{{.State.Running}}"), "true");
    let late_ns = l.ok(&["exec", "late", "readlink", "/proc/self/ns/net"]);
    let dep_ns = l.ok(&["exec", "dep", "readlink", "/proc/self/ns/net"]);
    assert_eq!(late_ns, dep_ns);

    // A dependency that does not exist is Podman's no-such-container error.
    let out = l.run(&["create", "--network", "container:nope", &img, "true"]);
    out.assert_error(125, "missing dependency");
    assert!(
        out.stderr
            .contains("no container with name or ID \"nope\" found: no such container"),
        "{out:?}"
    );
}

#[test]
fn network_container_of_a_host_less_container_shares_its_loopback_namespace() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    // Created, never started: the dependent's start brings it up.
    l.ok(&[
        "create",
        "--name",
        "quiet",
        "--network",
        "none",
        &img,
        "sleep",
        "600",
    ]);
    l.ok(&[
        "create",
        "--name",
        "joiner",
        "--network",
        "container:quiet",
        &img,
        "sleep",
        "600",
    ]);
    assert_eq!(l.inspect("quiet", "{{.State.Status}}"), "created");
    l.ok(&["start", "joiner"]);
    assert_eq!(l.inspect("quiet", "{{.State.Running}}"), "true");
    let a = l.ok(&["exec", "quiet", "readlink", "/proc/self/ns/net"]);
    let b = l.ok(&["exec", "joiner", "readlink", "/proc/self/ns/net"]);
    assert_eq!(a, b);
}

#[test]
fn rm_refuses_a_dependency_and_depend_removes_the_dependents_first() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let base = l.ok(&["create", &img]).trim().to_string();
    let mid = l
        .ok(&["create", "--net", &format!("container:{base}"), &img])
        .trim()
        .to_string();
    let top = l
        .ok(&["create", "--network", &format!("container:{mid}"), &img])
        .trim()
        .to_string();

    let out = l.run(&["rm", &base]);
    out.assert_error(125, "rm of a dependency");
    assert_eq!(
        out.stderr.trim(),
        format!(
            "Error: container {base} has dependent containers which must be removed before it: {mid}: container already exists"
        )
    );
    // Forced or not: still refused, and nothing was removed.
    l.run(&["rm", "-f", &mid])
        .assert_error(125, "rm -f of a dependency");
    assert_eq!(l.ps_all().len(), 3);

    // --depend: the dependents first (theirs first), then the container itself.
    let out = l.ok(&["rm", "--depend", &base]);
    assert_eq!(lines(&out), vec![top.clone(), mid.clone(), base.clone()]);
    assert!(l.ps_all().is_empty());

    // A dependent removed on its own frees its dependency.
    l.ok(&["create", "--name", "a", &img]);
    l.ok(&["create", "--name", "b", "--network", "container:a", &img]);
    l.run(&["rm", "a"]).assert_error(125, "rm of a dependency");
    assert_eq!(l.ok(&["rm", "b"]).trim(), "b");
    assert_eq!(l.ok(&["rm", "a"]).trim(), "a");

    // --all removes in dependency order, running ones too with --force.
    l.ok(&["run", "-d", "--name", "r1", &img, "sleep", "600"]);
    l.ok(&[
        "run",
        "-d",
        "--name",
        "r2",
        "--network",
        "container:r1",
        &img,
        "sleep",
        "600",
    ]);
    l.ok(&["create", "--name", "r3", "--network", "container:r2", &img]);
    let out = l.ok(&["rm", "--all", "--force", "-t", "0"]);
    assert_eq!(lines(&out).len(), 3, "{out}");
    assert!(l.ps_all().is_empty());
}
