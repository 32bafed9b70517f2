//! Podman's pod verbs as its system tests (200-pod.bats) use them (issue 14): `pod exists`,
//! `pod rm` of a missing pod, `pod create` options shown by `pod inspect`/`pod ps`, `pod top`,
//! a pod's shared /dev/shm and /etc/hosts, exit policies, `--pod new:NAME`.

mod common;

use common::Lpod;

fn wait_pod_state(l: &Lpod, pod: &str, want: &str) -> String {
    l.wait_for(&format!("pod {pod} to be {want}"), || {
        let s = l.ok(&["pod", "inspect", pod, "--format", "{{.State}}"]);
        (s.trim() == want).then_some(s)
    })
}

#[test]
fn missing_pods_answer_with_podmans_exit_codes() {
    let l = Lpod::bare();
    let out = l.run(&["pod", "exists", "nosuchpod"]);
    assert_eq!((out.code, out.stderr.as_str()), (1, ""), "{out:?}");
    let out = l.run(&["pod", "rm", "nosuchpod"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("nosuchpod") && out.stderr.contains(": no such pod"),
        "{out:?}"
    );
    let out = l.run(&["pod", "rm", "--force", "nosuchpod"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", ""),
        "{out:?}"
    );
    assert_eq!(l.ok(&["pod", "ps", "--noheading"]), "");
}

#[test]
fn bad_create_options_are_refused_with_podmans_words_and_create_nothing() {
    let l = Lpod::bare();
    let out = l.run(&["pod", "create", "--share", "bogus", "--name", "p"]);
    out.assert_error(125, "bogus --share");
    assert!(
        out.stderr.contains(
            "invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none"
        ),
        "{out:?}"
    );
    let out = l.run(&["pod", "create", "--exit-policy", "invalid"]);
    out.assert_error(125, "bad exit policy");
    assert!(
        out.stderr
            .contains("running pod create option: invalid pod exit policy: \"invalid\""),
        "{out:?}"
    );
    assert_eq!(l.ok(&["pod", "ps", "-q"]), "");
}

#[test]
fn create_options_show_in_inspect_ps_and_the_members_files() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let id_file = l.dir().join("pod-id");
    let id = l.ok(&[
        "pod",
        "create",
        "--name",
        "mypod",
        "--pod-id-file",
        id_file.to_str().unwrap(),
        "--hostname",
        "pod.example.test",
        "--label",
        "team=blue",
        "--infra-name",
        "my-infra",
        "--exit-policy",
        "stop",
        "--dns",
        "192.0.2.53",
        "--dns-search",
        "example.test",
        "--dns-option",
        "ndots:3",
        "--add-host",
        "db.example.test:192.0.2.7",
    ]);
    let id = id.trim().to_string();
    assert_eq!(std::fs::read_to_string(&id_file).unwrap(), id);
    let fields = l.ok(&[
        "pod",
        "inspect",
        "mypod",
        "--format",
        "{{.Name}} {{.ExitPolicy}} {{.NumContainers}} {{.Labels}} {{.SharedNamespaces}} {{.InfraConfig.HostNetwork}} {{.InfraConfig.DNSServer}}",
    ]);
    assert_eq!(
        fields.trim(),
        "mypod stop 1 map[team:blue] [net ipc uts] false [192.0.2.53]"
    );
    let infra = l.ok(&[
        "pod",
        "inspect",
        "mypod",
        "--format",
        "{{(index .Containers 0).ID}}",
    ]);
    assert_eq!(l.inspect(infra.trim(), "{{.Name}}"), "my-infra");
    // pod ps: --noheading, --filter, Podman's template fields.
    let row = l.ok(&[
        "pod",
        "ps",
        "--no-trunc",
        "--filter",
        "label=team=blue",
        "--format",
        "{{.ID}} {{.Name}} {{.Labels}}",
    ]);
    assert_eq!(row.trim(), format!("{id} mypod map[team:blue]"));
    assert_eq!(l.ok(&["pod", "ps", "-q", "--filter", "label=team=red"]), "");
    let table = l.ok(&["pod", "ps", "--noheading"]);
    assert_eq!(table.lines().count(), 1, "{table}");
    assert!(table.starts_with(&id[..12]), "{table}");
    // The members share the infra's resolver, hosts and hostname.
    let out = l.ok(&[
        "run",
        "--rm",
        "--pod",
        "mypod",
        &l.image,
        "sh",
        "-c",
        "cat /etc/resolv.conf /etc/hosts; hostname",
    ]);
    for want in [
        "nameserver 192.0.2.53",
        "search example.test",
        "options ndots:3",
        "192.0.2.7\tdb.example.test",
        "\tpod.example.test my-infra",
    ] {
        assert!(out.contains(want), "{want:?} in {out}");
    }
    assert_eq!(out.lines().last(), Some("pod.example.test"), "{out}");
    // A member cannot set its own hostname in the shared UTS namespace.
    let out = l.run(&[
        "run",
        "--rm",
        "--pod",
        "mypod",
        "--hostname",
        "foo",
        &l.image,
        "true",
    ]);
    out.assert_error(125, "hostname in a UTS-sharing pod");
    assert!(
        out.stderr
            .contains("cannot set hostname when joining the pod UTS namespace"),
        "{out:?}"
    );
    // The same name again: the infra's name is taken, nothing is left behind.
    let out = l.run(&["pod", "create", "--infra-name", "my-infra"]);
    out.assert_error(125, "infra name in use");
    assert!(
        out.stderr
            .contains("the container name \"my-infra\" is already in use by"),
        "{out:?}"
    );
    assert_eq!(l.ok(&["pod", "ps", "-q"]).lines().count(), 1);
    // --replace swaps the pod for a new one of the same name.
    let new_id = l.ok(&["pod", "create", "--replace", "--share", "+pid", "mypod"]);
    assert_ne!(new_id.trim(), id);
    let shared = l.ok(&[
        "pod",
        "inspect",
        "mypod",
        "--format",
        "{{.SharedNamespaces}}",
    ]);
    for ns in ["ipc", "net", "uts", "pid"] {
        assert!(shared.contains(ns), "{shared}");
    }
    l.ok(&["pod", "rm", "-f", "mypod"]);
    assert!(l.ps_all().is_empty());
}

#[test]
fn members_share_dev_shm_hosts_and_pod_top_sees_them() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    l.ok(&[
        "pod",
        "create",
        "--name",
        "shm",
        "--infra-name",
        "shm-infra",
    ]);
    l.ok(&[
        "run", "-d", "--pod", "shm", "--name", "sleeper", &l.image, "sleep", "1000",
    ]);
    l.ok(&[
        "run",
        "--rm",
        "--pod",
        "shm",
        &l.image,
        "touch",
        "/dev/shm/test1",
    ]);
    let out = l.ok(&[
        "run",
        "--rm",
        "--pod",
        "shm",
        &l.image,
        "ls",
        "/dev/shm/test1",
    ]);
    assert_eq!(out.trim(), "/dev/shm/test1");
    // Each member's name resolves to the shared loopback while it runs, and only then.
    let hosts = l.ok(&[
        "run",
        "--pod",
        "shm",
        "--name",
        "c1",
        &l.image,
        "cat",
        "/etc/hosts",
    ]);
    assert!(hosts.contains("127.0.0.1\tc1\n"), "{hosts}");
    assert!(hosts.contains("\tshm shm-infra\n"), "{hosts}");
    // c1's line goes when its exit is cleaned up, which conmon's exit command does
    // after `run` returned (as in Podman): wait for that, then it must be gone.
    l.wait_for("c1's hosts line to go after its cleanup", || {
        let now = l.ok(&["exec", "sleeper", "cat", "/etc/hosts"]);
        (!now.contains("\tc1\n")).then_some(())
    });
    let hosts2 = l.ok(&[
        "run",
        "--pod",
        "shm",
        "--name",
        "c2",
        &l.image,
        "cat",
        "/etc/hosts",
    ]);
    assert!(
        hosts2.contains("127.0.0.1\tc2\n") && !hosts2.contains("\tc1\n"),
        "{hosts2}"
    );
    assert_eq!(hosts.lines().count(), hosts2.lines().count());
    // pod top: the processes of every running member, the infra's included.
    let top = l.ok(&["pod", "top", "shm"]);
    let header = top.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("USER") && header.contains("COMMAND"),
        "{top}"
    );
    assert!(
        top.lines()
            .any(|r| r.starts_with("root") && r.ends_with("sleep 1000")),
        "{top}"
    );
    assert!(top.lines().any(|r| r.contains("catatonit")), "{top}");
    // Stopped members go with a plain pod rm; a running one blocks it.
    l.run(&["pod", "rm", "shm"])
        .assert_error(125, "running member");
    l.ok(&["rm", "-f", "-t", "0", "sleeper"]);
    l.ok(&["pod", "rm", "shm"]);
    assert!(l.ps_all().is_empty());
    assert!(l.mounts().is_empty(), "{:?}", l.mounts());
}

#[test]
fn exit_policy_stop_stops_the_pod_after_its_last_member() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let keep = l.ok(&["pod", "create", "--exit-policy", "continue"]);
    let keep = keep.trim();
    l.ok(&["run", "--pod", keep, &l.image, "true"]);
    wait_pod_state(&l, keep, "Degraded");
    let stop = l.ok(&["pod", "create", "--exit-policy", "stop"]);
    let stop = stop.trim();
    assert_eq!(
        l.ok(&["pod", "inspect", stop, "--format", "{{.ExitPolicy}}"])
            .trim(),
        "stop"
    );
    l.ok(&["run", "--pod", stop, &l.image, "true"]);
    wait_pod_state(&l, stop, "Exited");
    l.ok(&["pod", "rm", keep]);
    l.ok(&["pod", "rm", stop]);
    assert!(l.ps_all().is_empty());
}

#[test]
fn pod_new_creates_the_pod_with_the_containers_hostname() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let out = l.ok(&[
        "run",
        "--rm",
        "--pod",
        "new:newpod",
        "--hostname",
        "foobar",
        &l.image,
        "hostname",
    ]);
    assert_eq!(out.trim(), "foobar");
    assert_eq!(l.run(&["pod", "exists", "newpod"]).code, 0);
    l.ok(&["pod", "rm", "newpod"]);
    let out = l.ok(&["run", "--rm", "--pod", "new:newpod", &l.image, "hostname"]);
    assert_eq!(out.trim(), "newpod");
    // The container's template field Pod names its pod.
    let c = l.ok(&["create", "--pod", "newpod", &l.image, "true"]);
    let pod_id = l.ok(&["pod", "inspect", "newpod", "--format", "{{.ID}}"]);
    let pods = l.ok(&[
        "ps",
        "-a",
        "--filter",
        &format!("id={}", c.trim()),
        "--format",
        "{{.Pod}}",
    ]);
    assert_eq!(pods.trim(), &pod_id.trim()[..12]);
    l.ok(&["pod", "rm", "-f", "newpod"]);
    assert_eq!(l.run(&["pod", "exists", "newpod"]).code, 1);
}

#[test]
fn the_infra_goes_only_with_its_pod_through_depend_or_all_force() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let c = l.ok(&["create", "--pod", "new:inf", &l.image, "true"]);
    let infra = l.ok(&["pod", "inspect", "--format", "{{.InfraContainerID}}", "inf"]);
    let (c, infra) = (c.trim(), infra.trim());
    for force in [&[][..], &["--force"][..]] {
        let mut args = vec!["container", "rm"];
        args.extend_from_slice(force);
        args.push(infra);
        let out = l.run(&args);
        out.assert_error(125, "infra rm");
        assert!(
            out.stderr
                .contains("and cannot be removed without removing the pod"),
            "{out:?}"
        );
    }
    let out = l.ok(&["container", "rm", "--depend", infra]);
    assert!(out.contains(c) && out.contains(infra), "{out}");
    assert_eq!(l.run(&["pod", "exists", "inf"]).code, 1);
    // rm --all --force takes pods' infra containers along.
    let c1 = l.ok(&["create", "--pod", "new:inf", &l.image, "true"]);
    let c2 = l.ok(&["create", "--pod", "inf", &l.image, "true"]);
    let c3 = l.ok(&["create", &l.image, "true"]);
    let infra = l.ok(&["pod", "inspect", "--format", "{{.InfraContainerID}}", "inf"]);
    let out = l.ok(&["rm", "--force", "--all"]);
    for id in [&c1, &c2, &c3, &infra] {
        assert!(out.contains(id.trim()), "{id} in {out}");
    }
    assert!(l.ps_all().is_empty());
    assert_eq!(l.ok(&["pod", "ps", "-q"]), "");
}

#[test]
fn the_pause_image_is_named_after_the_version_as_podmans() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let v = l.ok(&[
        "version",
        "--format",
        "{{.Server.Version}}-{{.Server.Built}}",
    ]);
    let pause = format!("localhost/podman-pause:{}", v.trim());
    l.ok(&["pod", "create", "--name", "pz"]);
    assert_eq!(l.run(&["image", "exists", &pause]).code, 0, "{pause}");
    l.ok(&["pod", "rm", "pz"]);
    l.ok(&["rmi", &pause]);
    assert_eq!(l.run(&["image", "exists", &pause]).code, 1);
}

#[test]
fn an_infra_image_that_cannot_be_pulled_fails_with_podmans_words() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    // Nothing listens on port 1 of the loopback: the pull fails at once.
    let image = "127.0.0.1:1/nope/pause:1";
    let out = l.run(&["pod", "create", "--infra-image", image]);
    out.assert_error(125, "unpullable infra image");
    assert!(
        out.stderr
            .contains(&format!("initializing source docker://{image}: ")),
        "{out:?}"
    );
    let conf = l.dir().join("containers.conf");
    std::fs::write(&conf, format!("[engine]\ninfra_image = \"{image}\"\n")).unwrap();
    for args in [
        &["pod", "create"][..],
        &["create", "--pod", "new:test", &l.image][..],
    ] {
        let mut c = l.cmd(args);
        c.env("CONTAINERS_CONF", &conf);
        let out = common::run_bounded(c, args);
        out.assert_error(125, "configured unpullable infra image");
        assert!(
            out.stderr.contains("initializing source docker://"),
            "{out:?}"
        );
    }
    assert_eq!(l.ok(&["pod", "ps", "-q"]), "");
    assert!(l.ps_all().is_empty());
}

#[test]
fn rmi_force_of_an_infra_image_removes_the_pods_using_it() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    l.ok(&["create", "--pod", "new:px", &l.image, "true"]);
    let infra = l.ok(&["pod", "inspect", "--format", "{{.InfraContainerID}}", "px"]);
    let image = l.ok(&["inspect", infra.trim(), "--format", "{{.Image}}"]);
    // Without --force: in use (exit 2), nothing removed.
    let out = l.run(&["rmi", image.trim()]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(l.run(&["pod", "exists", "px"]).code, 0);
    // With --force: the pod (its infra and members) goes, then the image.
    l.ok(&["rmi", "-f", image.trim()]);
    assert_eq!(l.run(&["pod", "exists", "px"]).code, 1);
    assert!(l.ps_all().is_empty());
    // rmi -af removes every container and pod, then every image.
    l.ok(&[
        "load",
        "-i",
        &common::test_image_tar().display().to_string(),
    ]);
    l.ok(&["create", "--pod", "new:py", &l.image, "true"]);
    l.ok(&["rmi", "-af"]);
    assert_eq!(l.ok(&["pod", "ps", "-q"]), "");
    assert!(l.ps_all().is_empty());
    assert_eq!(l.ok(&["images", "-q"]), "");
}

#[test]
fn pod_pause_and_unpause_every_member_and_container_port_lists_ports() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let pod = l.ok(&["pod", "create", "--name", "pp"]);
    l.ok(&[
        "run", "-d", "--pod", "pp", "--name", "m1", &l.image, "sleep", "1000",
    ]);
    l.ok(&[
        "run", "-d", "--pod", "pp", "--name", "m2", &l.image, "sleep", "1000",
    ]);
    let infra = l.ok_trim(&["pod", "inspect", "--format", "{{.InfraContainerID}}", "pp"]);
    assert!(!infra.is_empty(), "pp has an infra container");
    // Prints the pod id, as Podman; every member (infra too) is paused.
    assert_eq!(l.ok(&["pod", "pause", "pp"]).trim(), pod.trim());
    for c in ["m1", "m2", infra.as_str()] {
        assert_eq!(
            l.ok(&["inspect", c, "--format", "{{.State.Status}}"])
                .trim(),
            "paused",
            "{c}"
        );
    }
    wait_pod_state(&l, "pp", "Paused");
    assert_eq!(l.ok(&["pod", "unpause", "pp"]).trim(), pod.trim());
    for c in ["m1", "m2", infra.as_str()] {
        assert_eq!(
            l.ok(&["inspect", c, "--format", "{{.State.Status}}"])
                .trim(),
            "running",
            "{c}"
        );
    }
    wait_pod_state(&l, "pp", "Running");
    // Unknown pod: an error naming it, nothing changed.
    let out = l.run(&["pod", "pause", "nosuchpod"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("nosuchpod"), "{out:?}");
    // `container port` is `port`.
    l.ok(&["pod", "rm", "-f", "pp"]);
    l.ok(&[
        "create",
        "--name",
        "pc",
        "--network",
        "none",
        &l.image,
        "true",
    ]);
    let a = l.run(&["port", "pc"]);
    let b = l.run(&["container", "port", "pc"]);
    // No published port: both succeed and print nothing, as Podman.
    assert_eq!((a.code, a.stdout.as_str()), (0, ""), "{a:?}");
    assert_eq!((b.code, b.stdout.as_str()), (0, ""), "{b:?}");
}

#[test]
fn ping_group_range_lets_containers_and_pod_members_ping_without_net_raw() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    // Podman's default sysctl for a container with a network namespace of its own:
    // any group may open ICMP echo (datagram) sockets, so ping needs no CAP_NET_RAW
    // (200-pod pings in a pod member with the default capabilities). The test image's
    // Debian busybox never tries such a socket, so the kernel setting is the outcome
    // checked here.
    let range = "cat /proc/sys/net/ipv4/ping_group_range";
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        &l.image,
        "sh",
        "-c",
        range,
    ]);
    assert_eq!(out, "0\t0\n");
    // A pod member shares the infra's namespace, which has it.
    l.ok(&["pod", "create", "--name", "pingpod"]);
    let out = l.ok(&[
        "run", "--rm", "--pod", "pingpod", &l.image, "sh", "-c", range,
    ]);
    assert_eq!(out, "0\t0\n");
    l.ok(&["pod", "rm", "-f", "-t", "0", "pingpod"]);
    // --sysctl overrides the default.
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--sysctl",
        "net.ipv4.ping_group_range=1 0",
        &l.image,
        "sh",
        "-c",
        range,
    ]);
    assert_eq!(out, "1\t0\n");
    // The host's namespace is left alone, and a net.* --sysctl is refused there.
    let host = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range").unwrap();
    let out = l.ok(&[
        "run",
        "--rm",
        "--network",
        "host",
        &l.image,
        "sh",
        "-c",
        range,
    ]);
    assert_eq!(out, host);
    let out = l.run(&[
        "create",
        "--network",
        "host",
        "--sysctl",
        "net.ipv4.ip_forward=1",
        &l.image,
    ]);
    out.assert_error(125, "net sysctl with host network");
    assert!(out.stderr.contains("net.ipv4.ip_forward=1"), "{out:?}");
}
