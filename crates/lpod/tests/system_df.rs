//! `lpod system df` through the real binary (real crun under conmon, a private root):
//! the summary's counts and sizes with a running container that wrote 1 MiB, a stopped
//! one, a volume in use holding 64 KiB and an unused one; `--format json` and templates;
//! `-v`'s three tables.

mod common;

use common::Lpod;
use serde_json::Value;

const MIB: u64 = 1024 * 1024;

/// The summary rows by type, from `--format json`.
fn summary(l: &Lpod) -> Vec<Value> {
    let out = l.ok(&["system", "df", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let rows = v
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {out}"));
    let types: Vec<&str> = rows.iter().filter_map(|r| r["Type"].as_str()).collect();
    assert_eq!(types, ["Images", "Containers", "Local Volumes"], "{out}");
    rows.clone()
}

fn num(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// The LOCAL VOLUMES cell of a `-v` container row: the word before the size.
fn local_volumes<'a>(row: &[&'a str]) -> &'a str {
    let size = row
        .iter()
        .position(|w| w.ends_with('B'))
        .unwrap_or_else(|| panic!("no size in {row:?}"));
    row[size - 1]
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn df_counts_images_containers_and_volumes_with_their_sizes() {
    let Some(l) = Lpod::with_image() else { return };
    let img = l.image.clone();
    l.ok(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "writer",
        "-v",
        "used:/data",
        &img,
        "sh",
        "-c",
        "dd if=/dev/zero of=/big bs=1024 count=1024 2>/dev/null && \
         head -c 65536 /dev/zero > /data/f && touch /data/../done && sleep 1000",
    ]);
    l.wait_for("the writer to write its files", || {
        let out = l.run(&["exec", "writer", "ls", "/done"]);
        (out.code == 0).then_some(())
    });
    l.ok(&["run", "--network", "none", "--name", "idle", &img, "true"]);
    l.ok(&["volume", "create", "unused"]);
    let unused_dir = l.root.join("volumes/unused/_data");
    assert!(unused_dir.is_dir(), "{unused_dir:?}");
    std::fs::write(unused_dir.join("spare"), vec![7u8; 4096]).expect("write to the volume");

    let rows = summary(&l);
    let (images, ctrs, vols) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(
        (num(images, "Total"), num(images, "Active")),
        (1, 1),
        "{images}"
    );
    assert!(num(images, "RawSize") > 0, "{images}");
    assert_eq!(
        num(images, "RawReclaimable"),
        0,
        "an image in use: {images}"
    );
    assert_eq!((num(ctrs, "Total"), num(ctrs, "Active")), (2, 1), "{ctrs}");
    assert!(
        num(ctrs, "RawSize") >= MIB,
        "the writer wrote 1 MiB: {ctrs}"
    );
    assert!(
        num(ctrs, "RawReclaimable") < MIB,
        "a running container's bytes are not reclaimable: {ctrs}"
    );
    assert_eq!((num(vols, "Total"), num(vols, "Active")), (2, 1), "{vols}");
    assert!(num(vols, "RawSize") >= 65536 + 4096, "{vols}");
    assert_eq!(
        num(vols, "RawReclaimable"),
        4096,
        "exactly the unused volume's bytes: {vols}"
    );
    assert_eq!(vols["Reclaimable"].as_str().unwrap_or(""), {
        let pct = (4096.0 / num(vols, "RawSize") as f64 * 100.0).round();
        format!("4.096kB ({pct}%)")
    });

    // The default table and a user template.
    let table = l.ok(&["system", "df"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        words(lines[0]),
        ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
        "{table}"
    );
    assert_eq!(&words(lines[1])[..3], ["Images", "1", "1"], "{table}");
    assert_eq!(&words(lines[2])[..3], ["Containers", "2", "1"], "{table}");
    assert_eq!(
        &words(lines[3])[..4],
        ["Local", "Volumes", "2", "1"],
        "{table}"
    );
    assert_eq!(lines.len(), 4, "{table}");
    assert_eq!(
        l.ok(&[
            "system",
            "df",
            "--format",
            "{{ .Type }}:{{ .Total }}:{{ .Active }}"
        ]),
        "Images:1:1\nContainers:2:1\nLocal Volumes:2:1\n"
    );

    // -v: every image, container and volume.
    let writer_id = l.ok_trim(&["inspect", "--format", "{{.Id}}", "writer"]);
    let idle_id = l.ok_trim(&["inspect", "--format", "{{.Id}}", "idle"]);
    let verbose = l.ok(&["system", "df", "-v"]);
    let lines: Vec<&str> = verbose.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Images space usage:", "{verbose}");
    assert_eq!(
        words(lines[1]),
        [
            "REPOSITORY",
            "TAG",
            "IMAGE",
            "ID",
            "CREATED",
            "SIZE",
            "SHARED",
            "SIZE",
            "UNIQUE",
            "SIZE",
            "CONTAINERS"
        ],
        "{verbose}"
    );
    let (repo, tag) = img.rsplit_once(':').expect("image name has a tag");
    let image_row = words(lines[2]);
    assert_eq!(&image_row[..2], [repo, tag], "{verbose}");
    assert_eq!(image_row.last(), Some(&"2"), "two containers: {verbose}");
    assert_eq!(lines[3], "Containers space usage:", "{verbose}");
    let row_of = |id: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&id[..12]))
            .map(|l| words(l))
            .unwrap_or_else(|| panic!("no row for {id}: {verbose}"))
    };
    let writer = row_of(&writer_id);
    assert_eq!(writer.last(), Some(&"writer"), "{verbose}");
    assert!(writer.contains(&"running"), "{verbose}");
    assert!(
        writer.iter().any(|w| w.ends_with("MB")),
        "1 MiB written: {verbose}"
    );
    let idle = row_of(&idle_id);
    assert_eq!(idle.last(), Some(&"idle"), "{verbose}");
    assert!(idle.contains(&"exited"), "{verbose}");
    assert_eq!(local_volumes(&writer), "1", "{verbose}");
    assert_eq!(local_volumes(&idle), "0", "{verbose}");
    assert!(lines.contains(&"Local Volumes space usage:"), "{verbose}");
    let vol_row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| words(l))
            .unwrap_or_else(|| panic!("no row for volume {name}: {verbose}"))
    };
    assert_eq!(vol_row("used"), ["used", "1", "65.54kB"], "{verbose}");
    assert_eq!(vol_row("unused"), ["unused", "0", "4.096kB"], "{verbose}");

    // Once the writer stops, its bytes become reclaimable and nothing is active.
    l.ok(&["stop", "-t", "0", "writer"]);
    let rows = summary(&l);
    let ctrs = &rows[1];
    assert_eq!(num(ctrs, "Active"), 0, "{ctrs}");
    assert!(num(ctrs, "RawReclaimable") >= MIB, "{ctrs}");
    assert_eq!(num(ctrs, "RawReclaimable"), num(ctrs, "RawSize"), "{ctrs}");
}

#[test]
fn an_empty_store_reports_zeroes() {
    let l = Lpod::bare();
    let rows = summary(&l);
    for r in &rows {
        assert_eq!((num(r, "Total"), num(r, "Active")), (0, 0), "{r}");
        assert_eq!(r["Size"], "0B", "{r}");
        assert_eq!(r["Reclaimable"], "0B (0%)", "{r}");
    }
    let verbose = l.ok(&["system", "df", "-v"]);
    assert!(
        verbose.starts_with("Images space usage:\n\nREPOSITORY"),
        "{verbose}"
    );
}
