//! The events log as a library: append/read/filter, Podman-compatible
//! rotation, concurrent writers in several processes, a follower streaming
//! across rotations (nothing lost, nothing repeated), and the events the verbs
//! of a real runtime emit (real crun under conmon).

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use libpod_core::events::{Event, EventFilter, EventLog, EventStatus, EventType};

const CHILD_LOG: &str = "LPOD_EVENTS_TEST_CHILD_LOG";
const CHILD_ID: &str = "LPOD_EVENTS_TEST_CHILD_ID";
const CHILD_MAX: &str = "LPOD_EVENTS_TEST_CHILD_MAX";
const PER_CHILD: usize = 250;

fn image_event(name: &str) -> Event {
    Event::image("", name, EventStatus::Pull)
}

/// Not a test on its own: the writer process `concurrent_writers_*` spawns
/// (this test binary, run with the environment naming a log).
#[test]
#[ignore = "helper process of concurrent_writers_in_processes_and_a_follower"]
fn writer_child() {
    let (Some(path), Ok(who)) = (std::env::var_os(CHILD_LOG), std::env::var(CHILD_ID)) else {
        return;
    };
    let max: u64 = std::env::var(CHILD_MAX).unwrap().parse().unwrap();
    let log = EventLog::new(path, max);
    for i in 0..PER_CHILD {
        log.append(&image_event(&format!("{who}-{i}"))).unwrap();
        // A writer's pace, not a burst: the follower must keep within the kept
        // half of the log (the one thing a capped log cannot give it otherwise).
        std::thread::sleep(Duration::from_micros(300));
    }
}

#[test]
fn append_read_filter_and_since() {
    let d = tempfile::tempdir().unwrap();
    let log = EventLog::new(d.path().join("sub/events.log"), 0);
    assert!(
        log.read_all().unwrap().is_empty(),
        "a missing log has no events"
    );
    let t0 = chrono::Utc::now().fixed_offset();
    std::thread::sleep(Duration::from_millis(5));
    let mut c = Event::new(EventType::Container, EventStatus::Start);
    c.id = "aaaa".repeat(16);
    c.name = "web".into();
    c.attributes = Some(BTreeMap::from([("tier".to_string(), "front".to_string())]));
    log.append(&c).unwrap();
    log.append(&image_event("docker.io/library/busybox:latest"))
        .unwrap();
    let mut died = c.clone();
    died.status = EventStatus::Died;
    died.container_exit_code = Some(17);
    log.append(&died).unwrap();

    let all = log.read_all().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].container_exit_code, Some(17));
    // Private: the directory and the log.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.path().join("sub")), 0o700);
    assert_eq!(mode(log.path()), 0o600);

    let pick = |f: &[&str]| {
        let f: Vec<String> = f.iter().map(|s| s.to_string()).collect();
        let filter = EventFilter::parse(&f, None, None).unwrap();
        all.iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.status.as_str().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(pick(&["type=container"]), ["start", "died"]);
    assert_eq!(pick(&["container=web", "event=died"]), ["died"]);
    assert_eq!(pick(&["event=died", "event=pull"]), ["pull", "died"]);
    assert_eq!(pick(&["label=tier=front", "status=start"]), ["start"]);
    assert_eq!(pick(&["image=busybox"]), Vec::<String>::new());
    assert_eq!(pick(&["image=docker.io/library/busybox:latest"]), ["pull"]);
    assert_eq!(pick(&["container=aaaa"]), ["start", "died"], "id prefix");

    let since = EventFilter::parse(&[], Some(&t0.to_rfc3339()), None).unwrap();
    assert_eq!(all.iter().filter(|e| since.matches(e)).count(), 3);
    let until = EventFilter::parse(&[], None, Some(&t0.to_rfc3339())).unwrap();
    assert_eq!(all.iter().filter(|e| until.matches(e)).count(), 0);
    let recent = EventFilter::parse(&[], Some("1h"), None).unwrap();
    assert_eq!(all.iter().filter(|e| recent.matches(e)).count(), 3);
    assert!(EventFilter::parse(&["bogus=1".into()], None, None).is_err());
}

/// The same numbers as Podman's own rotation test: 100 lines of 113 bytes and
/// a cap of 4750 keep 49 lines, then the rotation event, then the new event.
#[test]
fn rotation_keeps_the_newer_half_like_podman() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("events.txt");
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&format!(
            "{{\"Name\":\"busybox\",\"Status\":\"pull\",\"Time\":\"2022-04-06T11:26:42.7236679{i:02}+02:00\",\"Type\":\"image\",\"Attributes\":null}}\n"
        ));
    }
    assert_eq!(text.len(), 11300);
    std::fs::write(&path, &text).unwrap();
    // Without a cap nothing is dropped.
    EventLog::new(&path, 0)
        .append(&image_event("first"))
        .unwrap();
    assert_eq!(EventLog::new(&path, 0).read_all().unwrap().len(), 101);
    std::fs::write(&path, &text).unwrap();

    let log = EventLog::new(&path, 4750);
    log.append(&image_event("new")).unwrap();
    let lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 51);
    let old: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..49],
        old[51..].iter().map(|s| s.to_string()).collect::<Vec<_>>()[..]
    );
    let evs = log.read_all().unwrap();
    assert_eq!(evs[49].status, EventStatus::Rotate);
    assert_eq!(evs[49].kind, EventType::System);
    assert_eq!(evs[49].name, path.display().to_string());
    assert!(evs[49]
        .to_human(false)
        .ends_with(&format!("system log-rotation {}", path.display())));
    assert_eq!(evs[50].name, "new");
}

/// Four processes append at once to a small capped log while a follower in
/// this process streams it: every event of every writer arrives exactly once
/// and in its writer's order, and the log never holds a torn line.
#[test]
fn concurrent_writers_in_processes_and_a_follower() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("events.log");
    let max = 48_000u64;
    let log = EventLog::new(&path, max);
    log.ensure().unwrap();
    let mut follower = log.follow(true);
    let exe = std::env::current_exe().unwrap();
    let writers = ["a", "b", "c", "d"];
    let mut children: Vec<_> = writers
        .iter()
        .map(|who| {
            Command::new(&exe)
                .args(["--exact", "writer_child", "--ignored", "--nocapture"])
                .env(CHILD_LOG, &path)
                .env(CHILD_ID, who)
                .env(CHILD_MAX, max.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut seen: Vec<Event> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        seen.extend(follower.poll().unwrap());
        let done = children.iter_mut().all(|c| c.try_wait().unwrap().is_some());
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "writers did not finish");
        std::thread::sleep(Duration::from_micros(500));
    }
    for c in &mut children {
        assert!(c.wait().unwrap().success(), "a writer failed");
    }
    seen.extend(follower.poll().unwrap());

    let mut per: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut rotations = 0;
    for e in &seen {
        match e.kind {
            EventType::System => {
                assert_eq!(e.status, EventStatus::Rotate);
                rotations += 1;
            }
            _ => {
                let (who, i) = e.name.split_once('-').unwrap();
                per.entry(who.to_string())
                    .or_default()
                    .push(i.parse().unwrap());
            }
        }
    }
    assert!(
        rotations >= 2,
        "the cap should have rotated the log, saw {rotations}"
    );
    for who in writers {
        let want: Vec<usize> = (0..PER_CHILD).collect();
        assert_eq!(
            per.get(who),
            Some(&want),
            "writer {who}: lost, repeated or reordered"
        );
    }
    // The file itself: complete lines only, under the cap plus one event.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    for line in text.lines() {
        Event::from_json(line).unwrap_or_else(|e| panic!("torn line {line:?}: {e}"));
    }
    assert!((text.len() as u64) < max + 1000, "{}", text.len());
}

/// A follower that joins at the end sees only what comes later; one that
/// falls behind by less than the kept half across several rotations still
/// loses nothing.
#[test]
fn follower_from_end_and_across_many_rotations() {
    let d = tempfile::tempdir().unwrap();
    let log = EventLog::new(d.path().join("events.log"), 6_000);
    for i in 0..10 {
        log.append(&image_event(&format!("old-{i}"))).unwrap();
    }
    let mut late = log.follow(false);
    assert!(late.poll().unwrap().is_empty());
    let mut got = Vec::new();
    for round in 0..20 {
        // ~15 events of ~120 bytes per round: more than one rotation between polls
        // at times, but always less than the kept half.
        for i in 0..15 {
            log.append(&image_event(&format!("new-{}", round * 15 + i)))
                .unwrap();
        }
        got.extend(
            late.poll()
                .unwrap()
                .into_iter()
                .filter(|e| e.kind == EventType::Image)
                .map(|e| e.name),
        );
    }
    let want: Vec<String> = (0..300).map(|i| format!("new-{i}")).collect();
    assert_eq!(got, want);
}

/// A log removed and written again by someone else is read from its start.
#[test]
fn follower_survives_a_replaced_log() {
    let d = tempfile::tempdir().unwrap();
    let log = EventLog::new(d.path().join("events.log"), 0);
    log.append(&image_event("one")).unwrap();
    let mut f = log.follow(true);
    assert_eq!(f.poll().unwrap().len(), 1);
    std::fs::remove_file(log.path()).unwrap();
    assert!(f.poll().unwrap().is_empty());
    log.append(&image_event("two")).unwrap();
    log.append(&image_event("three")).unwrap();
    let names: Vec<String> = f.poll().unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["two", "three"]);
}

/// The verbs of a real runtime emit Podman's container events, `died` with
/// the exit code; `events_logger = none` records nothing and refuses reads.
#[test]
fn runtime_verbs_emit_events() {
    let Some(env) = common::env() else { return };
    let mut opts = env.opts(&["sh", "-c", "exit 7"]);
    opts.labels.insert("team".into(), "blue".into());
    let c = env.rt.create_container(opts).unwrap();
    c.start().unwrap();
    assert_eq!(c.wait().unwrap(), 7);
    c.cleanup().unwrap();
    c.remove(false).unwrap();
    let log = env.rt.event_log().unwrap();
    assert!(
        log.path().starts_with(env.run_root()),
        "{}",
        log.path().display()
    );
    let evs: Vec<Event> = log
        .read_all()
        .unwrap()
        .into_iter()
        .filter(|e| e.id == c.id())
        .collect();
    let statuses: Vec<&str> = evs.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["create", "init", "start", "died", "cleanup", "remove"]
    );
    let died = &evs[3];
    assert_eq!(died.container_exit_code, Some(7));
    assert_eq!(
        died.attributes
            .as_ref()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("blue")
    );
    assert!(!died.image.is_empty());

    // Events off: nothing written, reading refused with Podman's message.
    let mut cfg = env.rt.config().unwrap().config;
    cfg.events_logger = libpod_config::EventsLogger::None;
    let before = std::fs::read(log.path()).unwrap();
    let rt2 = libpod_core::Runtime::builder()
        .runtime_config(cfg)
        .boot_id_path(env.boot_id_file())
        .build()
        .unwrap();
    let c2 = rt2.create_container(env.opts(&["true"])).unwrap();
    c2.remove(false).unwrap();
    assert_eq!(std::fs::read(log.path()).unwrap(), before);
    let err = rt2.event_log().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read events with the \"none\" backend"
    );
    rt2.shutdown(false).unwrap();
}
