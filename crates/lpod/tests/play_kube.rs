//! `lpod play kube` / `kube play` / `kube down` (Podman 4.3's `play kube`) with real
//! containers: the 200-pod.bats exit-policy scenario, two containers sharing localhost,
//! hostPath and PersistentVolumeClaim volumes, env/command/args, a Deployment's replicas,
//! `--down`, `--replace`, and bad input that must create nothing.

mod common;

use common::Lpod;

/// Writes `yaml` to a file in the test's directory; returns its path.
fn yaml_file(l: &Lpod, name: &str, yaml: &str) -> String {
    let p = l.dir().join(name);
    std::fs::write(&p, yaml).unwrap();
    p.to_str().unwrap().to_string()
}

fn wait_pod_state(l: &Lpod, pod: &str, want: &str) {
    l.wait_for(&format!("pod {pod} to be {want}"), || {
        let s = l.ok(&["pod", "inspect", pod, "--format", "{{.State}}"]);
        (s.trim() == want).then_some(())
    })
}

fn pod_names(l: &Lpod) -> Vec<String> {
    let mut v: Vec<String> = l
        .ok(&["pod", "ps", "--format", "{{.Name}}"])
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// A container that exits at once on SIGTERM (so teardown does not wait 10 s).
const IDLE: &str = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

#[test]
fn play_kube_sets_exit_policy_stop_and_the_pod_exits_with_its_container() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let file = yaml_file(
        &l,
        "test.yaml",
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ep-pod\nspec:\n  containers:\n  - command:\n    - \"true\"\n    image: {}\n    name: ctr\n  restartPolicy: OnFailure\n",
            l.image
        ),
    );
    let out = l.ok(&["play", "kube", &file]);
    let pod_id = l.ok_trim(&["pod", "inspect", "ep-pod", "--format", "{{.ID}}"]);
    let ctr_id = l.inspect("ep-pod-ctr", "{{.ID}}");
    // Podman's report.
    assert_eq!(out, format!("Pod:\n{pod_id}\nContainer:\n{ctr_id}\n\n"));
    assert_eq!(
        l.ok_trim(&["pod", "inspect", "ep-pod", "--format", "{{.ExitPolicy}}"]),
        "stop"
    );
    wait_pod_state(&l, "ep-pod", "Exited");
    assert_eq!(l.inspect("ep-pod-ctr", "{{.State.ExitCode}}"), "0");
    l.ok(&["pod", "rm", "ep-pod"]);
    assert!(pod_names(&l).is_empty());
    assert!(l.ps_all().is_empty());
}

#[test]
fn containers_share_localhost_and_mount_host_paths_and_claims() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let www = l.dir().join("www");
    std::fs::create_dir(&www).unwrap();
    std::fs::write(www.join("index.html"), "hello from the pod\n").unwrap();
    let created = l.dir().join("made/here");
    let file = yaml_file(
        &l,
        "web.yaml",
        &format!(
            r#"apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kube-data
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  restartPolicy: Never
  volumes:
  - name: www
    hostPath:
      path: {www}
      type: Directory
  - name: made
    hostPath:
      path: {created}
      type: DirectoryOrCreate
  - name: data
    persistentVolumeClaim:
      claimName: kube-data
  containers:
  - name: srv
    image: {image}
    command: [sh, -c]
    args: ["{idle} & httpd -f -p 8080 -h /www & wait"]
    volumeMounts:
    - name: www
      mountPath: /www
      readOnly: true
  - name: cli
    image: {image}
    command: [sh, -c]
    args:
    - |
      for i in $(seq 1 100); do
        if wget -q -O /data/page http://localhost:8080/index.html; then
          echo "$GREETING $(cat /data/page)" > /made/out; echo "$GREETING" $(cat /data/page); exit 0
        fi
        sleep 0.1
      done
      exit 1
    env:
    - name: GREETING
      value: got
    workingDir: /data
    volumeMounts:
    - name: data
      mountPath: /data
    - name: made
      mountPath: /made
  - name: sec
    image: {image}
    command: [sh, -c, "id -u; id -g; touch /x 2>/dev/null && echo rw || echo ro"]
    securityContext:
      runAsUser: 1000
      runAsGroup: 1001
      readOnlyRootFilesystem: true
    resources:
      limits:
        memory: 64Mi
        cpu: 500m
"#,
            www = www.display(),
            created = created.display(),
            image = l.image,
            idle = IDLE,
        ),
    );
    let out = l.ok(&["kube", "play", &file]);
    assert!(out.starts_with("Volumes:\nkube-data\nPod:\n"), "{out}");
    assert!(out.contains("\nContainers:\n"), "{out}");
    assert_eq!(l.ok_trim(&["wait", "web-cli"]), "0");
    assert_eq!(l.ok_trim(&["logs", "web-cli"]), "got hello from the pod");
    // The claim is a named volume holding what the container wrote; the
    // DirectoryOrCreate path was made on the host.
    let mp = l.ok_trim(&[
        "volume",
        "inspect",
        "kube-data",
        "--format",
        "{{.Mountpoint}}",
    ]);
    assert_eq!(
        std::fs::read_to_string(std::path::Path::new(&mp).join("page")).unwrap(),
        "hello from the pod\n"
    );
    assert_eq!(
        std::fs::read_to_string(created.join("out")).unwrap(),
        "got hello from the pod\n"
    );
    assert_eq!(l.inspect("web-srv", "{{.Config.Labels.app}}"), "web");
    assert_eq!(l.ok_trim(&["wait", "web-sec"]), "0");
    assert_eq!(l.ok_trim(&["logs", "web-sec"]), "1000\n1001\nro");
    assert_eq!(
        l.inspect("web-sec", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}"),
        format!("{} 500000000", 64 << 20)
    );
    // The read-only hostPath cannot be written.
    let w = l.run(&["exec", "web-srv", "touch", "/www/x"]);
    assert_ne!(w.code, 0, "{w:?}");
    let down = l.ok(&["play", "kube", "--down", &file]);
    assert!(
        down.starts_with("Pods stopped:\n") && down.contains("Pods removed:\n"),
        "{down}"
    );
    assert!(pod_names(&l).is_empty());
    assert!(l.ps_all().is_empty());
    // Volumes stay, as in Podman.
    l.ok(&["volume", "inspect", "kube-data"]);
}

#[test]
fn a_deployment_makes_its_replicas_and_kube_down_removes_them() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let file = yaml_file(
        &l,
        "dep.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dep\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels:\n        tier: x\n    spec:\n      containers:\n      - name: c\n        image: {}\n        command: [sh, -c, \"{IDLE}\"]\n",
            l.image
        ),
    );
    let out = l.ok(&["play", "kube", &file]);
    assert_eq!(out.matches("Pod:\n").count(), 2, "{out}");
    assert_eq!(pod_names(&l), ["dep-pod-0", "dep-pod-1"]);
    for p in ["dep-pod-0", "dep-pod-1"] {
        wait_pod_state(&l, p, "Running");
        assert_eq!(l.inspect(&format!("{p}-c"), "{{.State.Status}}"), "running");
    }
    // Playing it again: the pods exist (nothing new is made); --replace makes them anew.
    let again = l.run(&["play", "kube", &file]);
    again.assert_error(125, "play over existing pods");
    assert!(
        again.stderr.contains("dep-pod-0") && again.stderr.contains("already exists"),
        "{again:?}"
    );
    let old = l.ok_trim(&["pod", "inspect", "dep-pod-0", "--format", "{{.ID}}"]);
    l.ok(&["play", "kube", "--replace", "--start=false", &file]);
    let new = l.ok_trim(&["pod", "inspect", "dep-pod-0", "--format", "{{.ID}}"]);
    assert_ne!(old, new);
    assert_eq!(l.inspect("dep-pod-1-c", "{{.State.Status}}"), "created");
    l.ok(&["pod", "start", "dep-pod-0"]);
    let ids: Vec<String> = ["dep-pod-0", "dep-pod-1"]
        .iter()
        .map(|p| l.ok_trim(&["pod", "inspect", p, "--format", "{{.ID}}"]))
        .collect();
    let down = l.ok(&["kube", "down", &file]);
    assert_eq!(
        down,
        format!(
            "Pods stopped:\n{a}\n{b}\nPods removed:\n{a}\n{b}\n",
            a = ids[0],
            b = ids[1]
        )
    );
    assert!(pod_names(&l).is_empty());
    assert!(l.ps_all().is_empty());
    // Down again: the pods are gone.
    let out = l.run(&["kube", "down", &file]);
    out.assert_error(125, "down of missing pods");
}

#[test]
fn bad_input_is_refused_and_creates_nothing() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let check = |name: &str, yaml: &str, want: &str| {
        let f = yaml_file(&l, name, yaml);
        let out = l.run(&["play", "kube", &f]);
        out.assert_error(125, name);
        assert!(out.stderr.contains(want), "{name}: want {want:?}: {out:?}");
        assert!(pod_names(&l).is_empty(), "{name}: a pod was left");
        assert!(l.ps_all().is_empty(), "{name}: a container was left");
    };
    check("bad.yaml", "kind: Pod\nmetadata:\n  name: [x\n", "line 3");
    check(
        "job.yaml",
        "kind: Job\nmetadata: {name: j}\n",
        "kube kind \"Job\" is not supported",
    );
    check(
        "noname.yaml",
        "kind: Pod\nspec:\n  containers: [{name: c, image: x}]\n",
        "pod does not have a name",
    );
    check(
        "cm.yaml",
        "kind: ConfigMap\nmetadata: {name: m}\n",
        "kind ConfigMap is not supported",
    );
    check(
        "valuefrom.yaml",
        &format!("kind: Pod\nmetadata: {{name: v}}\nspec:\n  containers:\n  - name: c\n    image: {}\n    env: [{{name: A, valueFrom: {{fieldRef: {{fieldPath: x}}}}}}]\n", l.image),
        "valueFrom is not supported",
    );
    // The second container's image is missing: the pod made for the first is removed.
    check(
        "noimage.yaml",
        &format!("kind: Pod\nmetadata: {{name: ni}}\nspec:\n  containers:\n  - {{name: a, image: {}}}\n  - {{name: b, image: localhost/no-such-image:1, imagePullPolicy: Never}}\n", l.image),
        "localhost/no-such-image:1",
    );
    // A container that cannot be created (unknown capability) after a good pod: both go.
    check(
        "badcap.yaml",
        &format!("kind: Pod\nmetadata: {{name: good}}\nspec:\n  containers:\n  - {{name: a, image: {img}, command: ['true']}}\n---\nkind: Pod\nmetadata: {{name: bad}}\nspec:\n  containers:\n  - name: b\n    image: {img}\n    securityContext: {{capabilities: {{add: [NOT_A_CAP]}}}}\n", img = l.image),
        "NOT_A_CAP",
    );
    // A pod annotation longer than Podman's 63 characters (700-play).
    let long = "x".repeat(64);
    check(
        "longannotation.yaml",
        &format!("kind: Pod\nmetadata:\n  name: la\n  annotations: {{test: {long}}}\nspec:\n  containers:\n  - {{name: a, image: localhost/no-such-image:1}}\n"),
        &format!("invalid annotation \"test\"=\"{long}\""),
    );
    let out = l.run(&["play", "kube", "/nonexistent/file.yaml"]);
    out.assert_error(125, "missing file");
    // --annotation: on every container; a value over 63 characters is refused first.
    let f = yaml_file(
        &l,
        "annotated.yaml",
        &format!("kind: Pod\nmetadata: {{name: an}}\nspec:\n  containers:\n  - {{name: c, image: {}, command: ['true']}}\n", l.image),
    );
    let out = l.run(&["kube", "play", "--annotation", &format!("name={long}"), &f]);
    out.assert_error(125, "long --annotation");
    assert!(
        out.stderr.contains(&format!(
            "annotation exceeds maximum size, 63, of kubernetes annotation: {long}"
        )),
        "{out:?}"
    );
    assert!(pod_names(&l).is_empty());
    l.ok(&[
        "kube",
        "play",
        "--start=false",
        "--annotation",
        "name=given",
        &f,
    ]);
    let a = l.inspect("an-c", "{{ .Config.Annotations }}");
    assert!(a.contains("name:given"), "{a}");
    l.ok(&["pod", "rm", "-f", "-t", "0", "an"]);
}

#[test]
fn container_ports_are_published_on_the_pod_and_host_network_is_the_hosts() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let (_b, net, _) = common::own_network(&l, "lpkp");
    let port = common::reserve_port();
    let file = yaml_file(
        &l,
        "ports.yaml",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: ported
spec:
  containers:
  - name: srv
    image: {image}
    command: [sh, -c, "echo served > /tmp/i.txt; {idle} & httpd -f -p 80 -h /tmp & wait"]
    ports:
    - containerPort: 80
      hostPort: {port}
      hostIP: 127.0.0.1
---
apiVersion: v1
kind: Pod
metadata:
  name: onhost
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - name: c
    image: {image}
    command: ["true"]
"#,
            image = l.image,
            idle = IDLE,
        ),
    );
    l.ok(&["play", "kube", "--network", &net, &file]);
    let body = l.wait_for("the pod's published port answers", || {
        common::http_get(port, "/i.txt")
    });
    assert_eq!(body, "served\n");
    assert_eq!(
        l.ok_trim(&["pod", "inspect", "ported", "--format", "{{.Ports}}"]),
        format!("[127.0.0.1:{port}->80/tcp]")
    );
    assert_eq!(
        l.ok_trim(&[
            "pod",
            "inspect",
            "onhost",
            "--format",
            "{{.InfraConfig.HostNetwork}}"
        ]),
        "true"
    );
    l.ok(&["kube", "down", &file]);
    assert!(pod_names(&l).is_empty());
    assert!(common::http_get(port, "/i.txt").is_none());
}

#[test]
fn build_makes_a_containers_image_from_the_context_dir() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    // 700-play `--build --context-dir`: the image's last name component names a directory
    // with a Containerfile; it is built (tagged with that name) instead of pulled.
    let ctx = l.dir().join("kubectx");
    std::fs::create_dir_all(ctx.join("userimage")).unwrap();
    std::fs::write(
        ctx.join("userimage/Containerfile"),
        format!("FROM {}\nUSER 2:2\nCOPY marker /marker\n", l.image),
    )
    .unwrap();
    std::fs::write(ctx.join("userimage/marker"), "built\n").unwrap();
    let f = yaml_file(
        &l,
        "build.yaml",
        "kind: Pod\nmetadata: {name: bp}\nspec:\n  containers:\n  - {name: c, image: registry.invalid/libpod/userimage, command: [cat, /marker]}\n",
    );
    // Without the context directory the image would be pulled from a registry that does
    // not resolve: an error, and nothing made.
    let out = l.run(&["play", "kube", "--build", "--start=false", &f]);
    assert_eq!(out.code, 125, "{out:?}");
    assert!(pod_names(&l).is_empty());
    l.ok(&[
        "play",
        "kube",
        "--build",
        "--start=false",
        "--context-dir",
        ctx.to_str().unwrap(),
        &f,
    ]);
    assert_eq!(l.inspect("bp-c", "{{.Config.User}}"), "2:2");
    assert_eq!(
        l.inspect("bp-c", "{{.ImageName}}")
            .trim_start_matches("sha256:"),
        l.inspect("userimage", "{{.Id}}")
            .trim_start_matches("sha256:")
    );
    l.ok(&["start", "bp-c"]);
    assert_eq!(l.ok(&["wait", "bp-c"]).trim(), "0");
    assert_eq!(l.ok(&["logs", "bp-c"]), "built\n");
    l.ok(&["pod", "rm", "-f", "-t", "0", "bp"]);
}
