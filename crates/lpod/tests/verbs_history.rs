//! `image history` (and `lpod history`) and `image tree` (issue 14), over the multi-layer
//! test image and a commit on top of it. Real crun under real conmon for the commit.

mod common;

use common::{test_image_tar, Lpod};

/// Loads the three-layer test image; its name.
fn multilayer(l: &Lpod) -> String {
    let tar = test_image_tar().with_file_name("multilayer.tar");
    assert!(
        tar.is_file(),
        "{} missing (run `cargo xtask test-image`)",
        tar.display()
    );
    let out = l.ok(&["load", "-i", tar.to_str().expect("utf-8 path")]);
    out.trim()
        .strip_prefix("Loaded image: ")
        .unwrap_or_else(|| panic!("load output: {out}"))
        .to_string()
}

#[test]
fn history_lists_steps_newest_first_with_layer_sizes() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = multilayer(&l);
    let id = l.ok(&["image", "inspect", "--format", "{{.Id}}", &img]);
    let id = id.trim().trim_start_matches("sha256:").to_string();
    let layers: Vec<String> = l
        .ok(&[
            "image",
            "inspect",
            "--format",
            "{{json .RootFS.Layers}}",
            &img,
        ])
        .split('"')
        .filter(|s| s.starts_with("sha256:"))
        .map(String::from)
        .collect();
    assert_eq!(layers.len(), 3, "three layers");

    // The bottom layer is busybox's (the image `with_image` loaded): that step shows
    // busybox's id, as Podman names a step by the local image it tops.
    let busybox = l.ok(&["image", "inspect", "--format", "{{.Id}}", &l.image]);
    let busybox = busybox.trim().trim_start_matches("sha256:").to_string();

    // The table: Podman's columns, one row per step, newest first; the middle step
    // tops no local image.
    let out = l.ok(&["image", "history", &img]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 4, "{out}");
    let head: Vec<&str> = rows[0].split("  ").filter(|c| !c.is_empty()).collect();
    assert_eq!(
        head,
        ["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
        "{out}"
    );
    assert!(rows[1].starts_with(&format!("{}  ", &id[..12])), "{out}");
    assert!(rows[2].starts_with("<missing> "), "{out}");
    assert!(
        rows[3].starts_with(&format!("{}  ", &busybox[..12])),
        "{out}"
    );

    // -q: the ids; --no-trunc: the full id.
    let q = l.ok(&["history", "-q", &img]);
    assert_eq!(q, format!("{}\n<missing>\n{}\n", &id[..12], &busybox[..12]));
    let q = l.ok(&["image", "history", "-q", "--no-trunc", &img]);
    assert_eq!(q.lines().next(), Some(id.as_str()));

    // --format with the shared template engine; --human=false gives bytes. The sizes
    // of the layers, bottom last, add up to the image's size.
    let out = l.ok(&[
        "image",
        "history",
        "--human=false",
        "--format",
        "{{.ID}}|{{.Size}}|{{.CreatedBy}}|{{.Created}}",
        &img,
    ]);
    let sizes: Vec<u64> = out
        .lines()
        .map(|r| {
            let f: Vec<&str> = r.split('|').collect();
            assert_eq!(f.len(), 4, "{out}");
            assert!(f[3].ends_with('Z') && f[3].contains('T'), "{out}");
            f[1].parse().expect("a byte count")
        })
        .collect();
    assert_eq!(sizes.len(), 3);
    assert!(sizes.iter().all(|s| *s > 0), "{out}");
    let total = l.ok(&["image", "inspect", "--format", "{{.Size}}", &img]);
    assert_eq!(sizes.iter().sum::<u64>().to_string(), total.trim(), "{out}");

    // A `table` template keeps the headings.
    let out = l.ok(&[
        "image",
        "history",
        "--format",
        "table {{.ID}} {{.Size}}",
        &img,
    ]);
    assert!(out.starts_with("ID "), "{out}");
    assert!(out
        .lines()
        .nth(1)
        .is_some_and(|r| r.contains(" kB") || r.contains(" MB")));

    // JSON: the raw fields.
    let v: serde_json::Value =
        serde_json::from_str(&l.ok(&["image", "history", "--format", "json", &img]))
            .expect("history json");
    assert_eq!(v[0]["id"], id.as_str());
    assert_eq!(v[0]["tags"][0], img.as_str());
    assert_eq!(v[1]["id"], "<missing>");
    assert_eq!(v[0]["size"].as_u64(), Some(sizes[0]));

    // A commit adds a step on top, with its message as the comment; the step below
    // now has the base image's id (its top layer).
    l.ok(&["run", "--name", "c", &img, "sh", "-c", "echo hi > /x"]);
    let new = l.ok(&["commit", "-q", "-m", "my message", "c", "localhost/new:1"]);
    let new = new.trim().trim_start_matches("sha256:").to_string();
    let out = l.ok(&[
        "image",
        "history",
        "--format",
        "{{.ID}} {{.Comment}}",
        "new:1",
    ]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 4, "{out}");
    assert_eq!(rows[0], format!("{} my message", &new[..12]));
    assert_eq!(rows[1].trim(), &id[..12]);

    // A missing image: an error naming it.
    let out = l.run(&["image", "history", "nosuch"]);
    out.assert_error(125, "history of a missing image");
    assert!(out.stderr.contains("nosuch"), "{out:?}");
}

#[test]
fn image_tree_shows_layers_and_which_image_tops_each() {
    let Some(l) = Lpod::with_image() else {
        return;
    };
    let img = multilayer(&l);
    let id = l.ok(&["image", "inspect", "--format", "{{.Id}}", &img]);
    let id = id.trim().trim_start_matches("sha256:").to_string();
    let out = l.ok(&["image", "tree", &img]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], format!("Image ID: {}", &id[..12]), "{out}");
    assert_eq!(rows[1], format!("Tags:     [{img}]"), "{out}");
    assert!(rows[2].starts_with("Size:     "), "{out}");
    assert_eq!(rows[3], "Image Layers", "{out}");
    assert_eq!(rows.len(), 7, "three layers: {out}");
    assert!(rows[4].starts_with("├── ID: ") && rows[5].starts_with("├── ID: "));
    assert!(rows[6].starts_with("└── ID: "), "{out}");
    assert!(
        rows[6].ends_with(&format!("Top Layer of: [{img}]")),
        "{out}"
    );
    assert!(!rows[5].contains("Top Layer"), "{out}");
    // The bottom layer is busybox's.
    assert!(
        rows[4].ends_with(&format!("Top Layer of: [{}]", l.image)),
        "{out}"
    );

    // A commit on top: the base's top layer is marked with the base, the new one with
    // the commit.
    l.ok(&["run", "--name", "c", &img, "sh", "-c", "echo hi > /x"]);
    l.ok(&["commit", "-q", "c", "localhost/new:1"]);
    l.ok(&["rm", "c"]);
    let out = l.ok(&["image", "tree", "new:1"]);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 8, "{out}");
    assert!(
        rows[6].ends_with(&format!("Top Layer of: [{img}]")),
        "{out}"
    );
    assert!(rows[7].starts_with("└── ID: "), "{out}");
    assert!(
        rows[7].ends_with("Top Layer of: [localhost/new:1]"),
        "{out}"
    );
    l.run(&["image", "tree", "nosuch"])
        .assert_error(125, "tree of a missing image");
}
