//! The real Docker CLI against `lpod system service`: `docker system df` and
//! `docker system df -v` over `GET /system/df`, with a running container that wrote
//! 1 MiB, a stopped one, a volume in use holding 64 KiB and an unused volume.

mod common;
use common::*;

const MIB: u64 = 1024 * 1024;

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The line of `text` that starts with `first`, split into words.
fn row<'a>(text: &'a str, first: &str) -> Vec<&'a str> {
    text.lines()
        .find(|l| l.starts_with(first))
        .map(words)
        .unwrap_or_else(|| panic!("no line starting with {first:?} in:\n{text}"))
}

#[test]
fn docker_system_df_shows_the_image_containers_and_volumes() {
    let Some(w) = World::start("") else { return };
    w.docker_ok(&[
        "run",
        "-d",
        "--name",
        "writer",
        "-v",
        "used:/data",
        &w.image,
        "sh",
        "-c",
        "dd if=/dev/zero of=/big bs=1024 count=1024 2>/dev/null && \
         head -c 65536 /dev/zero > /data/f && touch /done && sleep 1000",
    ]);
    let mut ready = false;
    for _ in 0..300 {
        if w.docker(&["exec", "writer", "ls", "/done"]).code == 0 {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "the writer never wrote its files");
    w.docker_ok(&["run", "--name", "idle", &w.image, "true"]);
    assert_eq!(w.docker_ok(&["volume", "create", "unused"]), "unused");

    // The document itself.
    let (code, text) =
        w.raw(b"GET /v1.41/system/df HTTP/1.1\r\nHost: lpod\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 200, "{text}");
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let doc: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert!(doc["LayersSize"].as_u64().unwrap_or(0) > 0, "{doc}");
    assert_eq!(doc["BuildCache"], serde_json::json!([]), "{doc}");
    let images = doc["Images"].as_array().expect("Images");
    assert_eq!(images.len(), 1, "{doc}");
    assert_eq!(images[0]["Containers"], 2, "{doc}");
    assert_eq!(images[0]["RepoTags"][0], w.image.as_str(), "{doc}");
    let ctrs = doc["Containers"].as_array().expect("Containers");
    let writer = ctrs
        .iter()
        .find(|c| c["Names"][0] == "/writer")
        .unwrap_or_else(|| panic!("no writer in {doc}"));
    assert!(writer["SizeRw"].as_u64().unwrap_or(0) >= MIB, "{writer}");
    assert!(
        writer["SizeRootFs"].as_u64().unwrap_or(0) > writer["SizeRw"].as_u64().unwrap_or(0),
        "{writer}"
    );
    assert_eq!(writer["State"], "running", "{writer}");
    assert_eq!(writer["Mounts"][0]["Name"], "used", "{writer}");
    let vols = doc["Volumes"].as_array().expect("Volumes");
    let used = vols
        .iter()
        .find(|v| v["Name"] == "used")
        .unwrap_or_else(|| panic!("no volume used in {doc}"));
    assert_eq!(used["UsageData"]["RefCount"], 1, "{used}");
    assert_eq!(used["UsageData"]["Size"], 65536, "{used}");
    let unused = vols
        .iter()
        .find(|v| v["Name"] == "unused")
        .unwrap_or_else(|| panic!("no volume unused in {doc}"));
    assert_eq!(unused["UsageData"]["RefCount"], 0, "{unused}");

    // The Docker CLI's summary.
    let out = w.docker_ok(&["system", "df"]);
    assert_eq!(&row(&out, "Images")[..3], ["Images", "1", "1"], "{out}");
    assert_eq!(
        &row(&out, "Containers")[..3],
        ["Containers", "2", "1"],
        "{out}"
    );
    assert_eq!(
        &row(&out, "Local Volumes")[..4],
        ["Local", "Volumes", "2", "1"],
        "{out}"
    );

    // And its detailed tables.
    let out = w.docker_ok(&["system", "df", "-v"]);
    let (repo, tag) = w.image.rsplit_once(':').expect("a tag");
    let image = row(&out, repo);
    assert_eq!(&image[..2], [repo, tag], "{out}");
    assert_eq!(image.last(), Some(&"2"), "{out}");
    let writer_id = w.docker_ok(&["inspect", "-f", "{{.Id}}", "writer"]);
    let writer = row(&out, &writer_id[..12]);
    assert_eq!(writer.last(), Some(&"writer"), "{out}");
    let idle_id = w.docker_ok(&["inspect", "-f", "{{.Id}}", "idle"]);
    let idle = row(&out, &idle_id[..12]);
    assert_eq!(idle.last(), Some(&"idle"), "{out}");
    assert_eq!(row(&out, "used "), ["used", "1", "65.54kB"], "{out}");
    assert_eq!(row(&out, "unused "), ["unused", "0", "0B"], "{out}");

    w.docker_ok(&["rm", "-f", "writer", "idle"]);
}
