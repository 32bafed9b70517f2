//! `image prune`, `pod prune` and `system prune` (issue 14): what each removes, what it
//! keeps, and what it prints. Real crun under real conmon.

mod common;

use common::{own_network, Lpod};

fn image_ids(l: &Lpod) -> Vec<String> {
    let mut v: Vec<String> = l
        .ok(&["images", "-a", "--no-trunc", "--format", "{{.ID}}"])
        .lines()
        .map(|s| s.trim_start_matches("sha256:").to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn image_prune_removes_dangling_then_unused_images() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let base = l.ok(&["image", "inspect", "--format", "{{.Id}}", &img]);
    let base = base.trim().trim_start_matches("sha256:").to_string();
    l.ok(&["create", "--name", "user", &img, "true"]);
    l.ok(&["run", "--name", "src", &img, "sh", "-c", "echo a > /a"]);
    // An untagged commit is dangling; a tagged one is not.
    let dangling = l.ok(&["commit", "-q", "src"]);
    let dangling = dangling.trim().trim_start_matches("sha256:").to_string();
    l.ok(&["run", "--name", "src2", &img, "sh", "-c", "echo b > /b"]);
    let named = l.ok(&["commit", "-q", "src2", "localhost/extra:1"]);
    let named = named.trim().trim_start_matches("sha256:").to_string();
    l.ok(&["rm", "src", "src2"]);
    let mut all = vec![base.clone(), dangling.clone(), named.clone()];
    all.sort();
    assert_eq!(image_ids(&l), all);

    // Dangling only: the untagged commit goes, its id printed.
    let out = l.ok(&["image", "prune", "-f"]);
    assert_eq!(out.trim(), dangling);
    let mut left = vec![base.clone(), named.clone()];
    left.sort();
    assert_eq!(image_ids(&l), left);
    // Nothing dangling left: nothing printed.
    assert_eq!(l.ok(&["image", "prune", "--force"]), "");

    // --all: every image no container uses; the base image is used by `user`.
    let out = l.ok(&["image", "prune", "-a", "-f"]);
    assert_eq!(out.trim(), named);
    assert_eq!(image_ids(&l), vec![base.clone()]);

    // Without -f, a "no" answer (stdin at EOF) removes nothing.
    l.ok(&["rm", "user"]);
    let out = l.run(&["image", "prune", "-a"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    assert!(out.stderr.contains("WARNING!"), "{out:?}");
    assert_eq!(image_ids(&l), vec![base.clone()]);
    let out = l.ok(&["image", "prune", "-a", "-f"]);
    assert_eq!(out.trim(), base);
    assert!(image_ids(&l).is_empty());
}

#[test]
fn pod_prune_removes_only_stopped_and_exited_pods() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let done = l.ok(&["pod", "create", "--name", "done", "--infra=false"]);
    let done = done.trim().to_string();
    l.ok(&["run", "--pod", "done", "--name", "inpod", &img, "true"]);
    l.ok(&["pod", "create", "--name", "busy", "--infra=false"]);
    l.ok(&[
        "run", "-d", "--pod", "busy", "--name", "runner", &img, "sleep", "60",
    ]);
    // An empty pod is Created, not Exited: kept.
    l.ok(&["pod", "create", "--name", "empty", "--infra=false"]);

    let out = l.ok(&["pod", "prune", "-f"]);
    assert_eq!(out.trim(), done);
    assert_eq!(l.run(&["pod", "exists", "done"]).code, 1);
    assert_eq!(l.run(&["container", "exists", "inpod"]).code, 1);
    assert_eq!(l.run(&["pod", "exists", "busy"]).code, 0);
    assert_eq!(l.run(&["pod", "exists", "empty"]).code, 0);
    assert_eq!(l.inspect("runner", "{{.State.Status}}"), "running");
    assert_eq!(l.ok(&["pod", "prune", "-f"]), "");
    l.ok(&["pod", "rm", "-f", "-t", "0", "busy", "empty"]);
}

#[test]
fn system_prune_removes_pods_containers_networks_and_dangling_images() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    let pod = l.ok(&["pod", "create", "--name", "sp", "--infra=false"]);
    let pod = pod.trim().to_string();
    l.ok(&["run", "--pod", "sp", "--name", "inpod", &img, "true"]);
    let member = l.inspect("inpod", "{{.Id}}");
    let stopped = l.ok(&["run", "--name", "stopped", &img, "sh", "-c", "echo x > /x"]);
    assert_eq!(stopped, "");
    let stopped = l.inspect("stopped", "{{.Id}}");
    let dangling = l.ok(&["commit", "-q", "stopped"]);
    let dangling = dangling.trim().trim_start_matches("sha256:").to_string();
    let running = l.ok(&["run", "-d", "--name", "running", &img, "sleep", "60"]);
    let running = running.trim().to_string();
    let (_bridge, net, _) = own_network(&l, "lpsp");

    let out = l.ok(&["system", "prune", "-f"]);
    let lines: Vec<&str> = out.lines().collect();
    let at = |h: &str| {
        lines
            .iter()
            .position(|x| *x == h)
            .unwrap_or_else(|| panic!("no {h:?} in {out}"))
    };
    let (p, c, n, i) = (
        at("Deleted Pods"),
        at("Deleted Containers"),
        at("Deleted Networks"),
        at("Deleted Images"),
    );
    assert!(p < c && c < n && n < i, "{out}");
    // As Podman: the pod is listed, its member goes with it and is listed nowhere.
    assert_eq!(&lines[p + 1..c], [pod.as_str()], "{out}");
    assert!(!out.contains(&member), "member {member}: {out}");
    assert_eq!(l.run(&["container", "exists", &member]).code, 1);
    assert_eq!(&lines[c + 1..n], [stopped.as_str()], "{out}");
    assert!(lines[n + 1..i].contains(&net.as_str()), "{out}");
    assert_eq!(lines[i + 1], dangling, "{out}");
    assert!(
        lines
            .last()
            .is_some_and(|x| x.starts_with("Total reclaimed space: ")),
        "{out}"
    );

    // What is in use stays: the running container and its image.
    assert_eq!(l.inspect(&running, "{{.State.Status}}"), "running");
    assert_eq!(l.run(&["image", "exists", &img]).code, 0);
    assert_eq!(l.run(&["network", "exists", &net]).code, 1);
    assert_eq!(l.run(&["container", "exists", "stopped"]).code, 1);
    l.ok(&["rm", "-f", "-t", "0", "running"]);
    // --all: the base image, now unused, goes too.
    let out = l.ok(&["system", "prune", "-a", "-f"]);
    assert!(out.contains("Deleted Images"), "{out}");
    assert_eq!(l.run(&["image", "exists", &img]).code, 1);
}
