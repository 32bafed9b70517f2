//! `lpod events` as Podman's users and its system tests (090-events) use it:
//! Podman's text line, filters (same key ORs, keys AND), `--format` templates
//! and `json`, `--no-trunc=false`, `--since/--until`, `--stream` following new
//! events, `--events-backend none|journald`, and CONTAINERS_CONF's
//! `events_logfile_path`/`events_logfile_max_size` with Podman's rotation.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{run_bounded, Lpod};

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

#[test]
fn text_lines_filters_templates_and_json() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    let out = l.run(&[
        "run",
        "--rm",
        "--name",
        "evc1",
        "--label",
        "team=blue sky",
        &img,
        "sh",
        "-c",
        "exit 17",
    ]);
    assert_eq!(out.code, 17, "{out:?}");
    l.ok(&["run", "--rm", "--name", "foo", &img, "true"]);
    l.ok(&["run", "--rm", "--name", "bar", &img, "true"]);

    // Podman's line: TIME container start ID (image=IMAGE, name=NAME, labels...).
    let start = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=evc1",
        "--filter",
        "event=start",
    ]);
    let start = lines(&start);
    assert_eq!(start.len(), 1, "{start:?}");
    let words: Vec<&str> = start[0].split(' ').collect();
    // 2026-01-02 03:04:05.123 +0000 UTC container start ID (...)
    assert_eq!(words[4..6], ["container", "start"], "{start:?}");
    let id = words[6];
    assert_eq!(id.len(), 64, "{start:?}");
    assert!(
        start[0].ends_with(&format!("(image={img}, name=evc1, team=blue sky)")),
        "{start:?}"
    );
    // --no-trunc=false: 12 characters; templates always get the full id.
    let short = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=evc1",
        "--filter",
        "event=start",
        "--no-trunc=false",
    ]);
    assert!(short.contains(&format!(" {} (", &id[..12])), "{short}");
    let tpl = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=evc1",
        "--filter",
        "status=died",
        "--no-trunc=false",
        "--format",
        "{{.ID}}--{{.Image}}--{{.ContainerExitCode}}--{{.Attributes.team}}",
    ]);
    assert_eq!(tpl.trim(), format!("{id}--{img}--17--blue sky"));

    // Same key ORs, different keys AND.
    let both = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=foo",
        "--filter",
        "container=bar",
        "--filter",
        "event=start",
        "--format",
        "{{.Name}} {{.Status}}",
    ]);
    assert_eq!(lines(&both), ["foo start", "bar start"]);
    let by_label = l.ok(&[
        "events",
        "--stream=false",
        "-f",
        "type=container",
        "--filter",
        "label=team=blue sky",
        "--format",
        "{{.Status}}",
    ]);
    let statuses = lines(&by_label);
    for s in ["create", "init", "start", "died", "remove"] {
        assert!(statuses.contains(&s), "{s} missing from {statuses:?}");
    }

    // json: Podman's field names, one object per line.
    let json = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=evc1",
        "--format",
        "json",
    ]);
    for line in lines(&json) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["Type"], "container", "{line}");
        assert_eq!(v["ID"], id, "{line}");
        assert_eq!(v["Name"], "evc1", "{line}");
        assert!(v["Time"].as_str().unwrap().contains('T'), "{line}");
        assert_eq!(v["Attributes"]["team"], "blue sky", "{line}");
    }
    assert!(json.contains("\"ContainerExitCode\":17"), "{json}");

    // The time window: nothing after now, nothing before the first event.
    let none = l.ok(&["events", "--stream=false", "--since", "0s", "--until", "1s"]);
    assert_eq!(none.trim(), "", "{none}");
    let none = l.ok(&[
        "events",
        "--stream=false",
        "--until",
        "2000-01-01T00:00:00Z",
    ]);
    assert_eq!(none.trim(), "", "{none}");
    let all = l.ok(&["events", "--stream=false", "--since", "1h"]);
    assert!(lines(&all).len() >= 15, "{all}");
    let unix = l.ok(&["events", "--stream=false", "--since", "946684800"]);
    assert_eq!(unix, all);

    // Image events: the load of the test image was recorded.
    let loads = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "type=image",
        "--format",
        "{{.Status}}",
    ]);
    assert!(lines(&loads).contains(&"loadfromarchive"), "{loads}");

    // Bad input: one clear error.
    let out = l.run(&["events", "--stream=false", "--filter", "color=red"]);
    out.assert_error(125, "unknown filter key");
    assert!(out.stderr.contains("color is an invalid filter"), "{out:?}");
    let out = l.run(&["events", "--stream=false", "--since", "someday"]);
    out.assert_error(125, "bad --since");
    assert!(out.stderr.contains("someday"), "{out:?}");
}

#[test]
fn pod_and_image_verbs_emit_their_events() {
    let Some(l) = Lpod::with_image() else { return };
    l.ok(&["pod", "create", "--name", "evpod", "--infra=false"]);
    l.ok(&["pod", "rm", "evpod"]);
    l.ok(&["tag", &l.image, "localhost/evtag:1"]);
    l.ok(&["rmi", "localhost/evtag:1"]);
    // 090-events: `untag IMAGE NAME` records the untag with the full name.
    l.ok(&["tag", &l.image, "registry.com/evuntag"]);
    l.ok(&["untag", &l.image, "registry.com/evuntag"]);
    l.ok(&["tag", &l.image, "evlocal"]);
    l.ok(&["untag", &l.image, "evlocal"]);
    let pods = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "pod=evpod",
        "--format",
        "{{.Type}} {{.Status}}",
    ]);
    assert_eq!(lines(&pods), ["pod create", "pod remove"]);
    let tags = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "type=image",
        "--format",
        "{{.Status}} {{.Name}}",
    ]);
    let tags = lines(&tags);
    assert!(tags.contains(&"tag localhost/evtag:1"), "{tags:?}");
    assert!(tags.contains(&"untag localhost/evtag:1"), "{tags:?}");
    assert!(
        tags.contains(&"untag registry.com/evuntag:latest"),
        "{tags:?}"
    );
    assert!(tags.contains(&"untag localhost/evlocal:latest"), "{tags:?}");
    // `system events` is the same verb.
    assert_eq!(
        l.ok(&[
            "system",
            "events",
            "--stream=false",
            "--filter",
            "pod=evpod"
        ]),
        l.ok(&["events", "--stream=false", "--filter", "pod=evpod"])
    );
}

#[test]
fn push_to_local_transports_writes_the_image_and_records_push_events() {
    let Some(l) = Lpod::with_image() else { return };
    let id = l.ok_trim(&["image", "inspect", "--format", "{{.ID}}", &l.image]);
    // 090-events: `push IMAGE dir:PATH`, containers/image's dir layout.
    let dir = l.dir().join("pushed");
    let dest = format!("dir:{}", dir.display());
    l.ok(&["push", &l.image, &dest]);
    let version = std::fs::read_to_string(dir.join("version")).unwrap();
    assert_eq!(version, "Directory Transport Version: 1.1\n");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let cfg = manifest["config"]["digest"].as_str().unwrap();
    assert_eq!(cfg, format!("sha256:{id}"));
    for blob in std::iter::once(cfg).chain(
        manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap()),
    ) {
        let hex = blob.strip_prefix("sha256:").unwrap();
        assert!(dir.join(hex).is_file(), "blob {hex} missing");
    }
    // oci-archive: loads back as the same image.
    let tar = l.dir().join("pushed.tar");
    let dest2 = format!("oci-archive:{}", tar.display());
    l.ok(&["push", &l.image, &dest2]);
    let loaded = l.ok(&["load", "-i", tar.to_str().unwrap()]);
    assert!(loaded.contains("Loaded image"), "{loaded}");
    // ... and `pull` takes archives (090-events: `pull docker-archive:PATH`).
    let archive = format!(
        "docker-archive:{}",
        l.dir().join("pushed-docker.tar").display()
    );
    l.ok(&["push", &l.image, &archive]);
    l.ok(&["rmi", "-f", &id]);
    assert_eq!(l.ok_trim(&["pull", &archive]), id);
    assert_eq!(l.run(&["image", "exists", &l.image]).code, 0);
    let events = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "event=push",
        "--filter",
        "event=pull",
        "--format",
        "{{.Status}} {{.ID}} {{.Name}}",
    ]);
    assert_eq!(
        lines(&events),
        [
            format!("push {id} {dest}"),
            format!("push {id} {dest2}"),
            format!("push {id} {archive}"),
            // (no id, as Podman's pull from an archive)
            format!("pull  {archive}"),
        ]
    );
}

#[test]
fn network_and_pod_lifecycle_events() {
    let Some(l) = Lpod::with_image() else { return };
    let (_bridge, net, _) = common::own_network(&l, "lpev");
    l.ok(&["network", "rm", &net]);
    let nets = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        &format!("network={net}"),
        "--format",
        "{{.Type}} {{.Status}} {{.Network}}",
    ]);
    assert_eq!(
        lines(&nets),
        [
            format!("network create {net}").as_str(),
            &format!("network remove {net}")
        ]
    );
    l.ok(&["pod", "create", "--name", "evp2", "--infra=false"]);
    l.ok(&[
        "create", "--pod", "evp2", "--name", "evm", &l.image, "sleep", "100",
    ]);
    l.ok(&["pod", "start", "evp2"]);
    l.ok(&["pod", "kill", "evp2"]);
    l.ok(&["pod", "stop", "-t", "0", "evp2"]);
    l.ok(&["pod", "rm", "-f", "evp2"]);
    let pod = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "pod=evp2",
        "--format",
        "{{.Status}}",
    ]);
    assert_eq!(lines(&pod), ["create", "start", "kill", "stop", "remove"]);
    // The member's own events name its pod.
    let member = l.ok(&[
        "events",
        "--stream=false",
        "--filter",
        "container=evm",
        "--filter",
        "event=kill",
        "--format",
        "{{.PodID}}",
    ]);
    assert_eq!(member.trim().len(), 64, "{member}");
}

#[test]
fn stream_follows_new_events_and_until_ends_it() {
    let Some(mut l) = Lpod::with_image() else {
        return;
    };
    let img = l.image.clone();
    l.ok(&["run", "--rm", "--name", "before", &img, "true"]);
    let child = l.spawn(&["events", "--filter", "event=start", "--format", "{{.Name}}"]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    // The follower starts at the end of the log: what ran before it never shows;
    // containers started while it runs do (how soon it opens the log is not our
    // business: keep starting containers until one is reported).
    let mut got = None;
    for i in 0..30 {
        l.ok(&[
            "run",
            "--rm",
            "--name",
            &format!("streamed-{i}"),
            &img,
            "true",
        ]);
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
            got = Some(line);
            break;
        }
    }
    let got = got.expect("the streaming reader printed a new event");
    assert!(got.starts_with("streamed-"), "{got}");
    let _ = l.children_last().kill();
    let _ = l.children_last().wait();

    // --until in the near future: a streaming reader stops by itself.
    let t = Instant::now();
    let out = l.run(&[
        "events",
        "--since",
        "1h",
        "--until",
        "2s",
        "--filter",
        "event=start",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("name=streamed-"), "{out:?}");
    assert!(out.stdout.contains("name=before"), "{out:?}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

#[test]
fn backend_none_records_nothing_and_refuses_to_read_journald_is_refused() {
    let Some(l) = Lpod::with_image() else { return };
    let log = l.runroot.join("events/events.log");
    // The file backend writes this very file: so an unchanged file below means "none"
    // wrote nothing, not that we looked in the wrong place.
    l.ok(&["run", "--rm", &l.image, "true"]);
    let before = std::fs::read(&log).expect("the file backend's events log");
    assert!(!before.is_empty(), "the file backend wrote no events");
    l.ok(&["--events-backend", "none", "run", "--rm", &l.image, "true"]);
    assert_eq!(
        std::fs::read(&log).expect("the events log"),
        before,
        "none wrote events"
    );
    for args in [
        &["--events-backend", "none", "events"][..],
        &["--events-backend", "none", "events", "--stream=false"][..],
    ] {
        let out = l.run(args);
        out.assert_error(125, "events with backend none");
        assert_eq!(
            out.stderr.trim(),
            "Error: cannot read events with the \"none\" backend"
        );
    }
    let out = l.run(&["--events-backend", "journald", "ps"]);
    out.assert_error(125, "journald backend");
    assert!(out.stderr.contains("journald is not available"), "{out:?}");
    let out = l.run(&["--events-backend", "syslog", "ps"]);
    out.assert_error(125, "unknown backend");
}

#[test]
fn containers_conf_sets_the_log_path_and_its_rotation() {
    let Some(l) = Lpod::with_image() else { return };
    let events = l.dir().join("mine/events.txt");
    let conf = l.dir().join("containers.conf");
    let with_conf = |args: &[&str]| {
        let mut c = l.cmd(args);
        c.env("CONTAINERS_CONF", &conf).stdout(Stdio::piped());
        run_bounded(c, args)
    };
    std::fs::write(
        &conf,
        format!(
            "[engine]\nevents_logger=\"file\"\nevents_logfile_path=\"{}\"\n[containers]\nlabel=true\n",
            events.display()
        ),
    )
    .unwrap();
    // A log that does not exist yet: no hang, no events.
    let out = with_conf(&["events", "--stream=false"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
    let out = with_conf(&["run", "--rm", "--name", "confd", &l.image, "true"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(&events).unwrap();
    assert!(text.contains("\"Name\":\"confd\""), "{text}");
    let default_log = std::fs::read_to_string(l.runroot.join("events/events.log")).unwrap();
    assert!(
        !default_log.contains("confd"),
        "went to the default log too"
    );

    // Podman's rotation test: 100 old lines, a cap of 4750 → 49 kept lines, the
    // rotation event, the new event.
    let mut old = String::new();
    for i in 0..100 {
        old.push_str(&format!(
            "{{\"Name\":\"busybox\",\"Status\":\"pull\",\"Time\":\"2022-04-06T11:26:42.7236679{i:02}+02:00\",\"Type\":\"image\",\"Attributes\":null}}\n"
        ));
    }
    std::fs::write(&events, &old).unwrap();
    std::fs::write(
        &conf,
        format!(
            "[engine]\nevents_logger=\"file\"\nevents_logfile_path=\"{}\"\nevents_logfile_max_size=4750\n",
            events.display()
        ),
    )
    .unwrap();
    let id = l.ok(&["create", &l.image, "true"]);
    let out = with_conf(&["rm", id.trim()]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = with_conf(&[
        "events",
        "--stream=false",
        "--since",
        "2022-03-06T11:26:42.723667984+02:00",
    ]);
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 51, "{out:?}");
    assert!(
        got[49].ends_with(&format!("system log-rotation {}", events.display())),
        "{got:?}"
    );
    assert!(got[50].contains("container remove"), "{got:?}");
}
