//! Interop with Podman: what we save, `podman load` accepts (same image id); what
//! `podman save` writes, we load. Podman runs with its own temporary root, run root and
//! tmpdir under the test's temp dir, vfs storage and cgroupfs: never its default paths.
//! Podman 4.3 still writes a blob-info cache to /var/lib/containers/cache and network
//! state to /run/containers whatever --root says, so each podman runs in a private mount
//! namespace (`unshare --mount`) with temp dirs bind-mounted over /var/lib and /run.

mod common;

use common::{image_dir, require_root, TestStore};
use libpod_storage::{DriverKind, ExportFormat};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Podman {
    base: PathBuf,
}

impl Podman {
    fn new(base: &Path) -> Podman {
        fs::create_dir_all(base).unwrap();
        Podman {
            base: base.to_path_buf(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let varlib = self.base.join("varlib");
        let run = self.base.join("hostrun");
        for d in [
            &varlib,
            &run,
            &self.base.join("tmp"),
            &self.base.join("bigtmp"),
        ] {
            fs::create_dir_all(d).unwrap();
        }
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg("mount --bind \"$0\" /var/lib && mount --bind \"$1\" /run && shift && exec podman \"$@\"")
            .arg(&varlib)
            .arg(&run)
            .arg("--root")
            .arg(self.base.join("root"))
            .arg("--runroot")
            .arg(self.base.join("run"))
            .arg("--tmpdir")
            .arg(self.base.join("tmp"))
            .args(["--storage-driver", "vfs", "--cgroup-manager", "cgroupfs"])
            .args(["--events-backend", "none"])
            .args(args)
            .env("TMPDIR", self.base.join("bigtmp"));
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).output().expect("running podman");
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        // Remove its images (vfs: plain dirs), then everything under its temp base.
        let _ = self.command(&["rmi", "-a", "-f"]).output();
        for m in libpod_storage::driver::mounts_under(&self.base) {
            let _ = rustix::mount::unmount(&m, rustix::mount::UnmountFlags::DETACH);
        }
        let _ = fs::remove_dir_all(&self.base);
    }
}

fn have_podman() -> bool {
    let ok = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("podman not installed (CI=true: not skipping)");
        }
        eprintln!("podman not installed: skipped");
    }
    ok
}

#[test]
fn podman_loads_what_we_save_and_we_load_what_podman_saves() {
    if !require_root("podman_interop") || !have_podman() {
        return;
    }
    let dir = image_dir();
    let t = TestStore::new(DriverKind::Overlay);
    let ours = t.store.load(&dir.join("multilayer-oci")).unwrap().remove(0);
    let podman = Podman::new(&t.root().join("podman"));

    // Ours → podman, both archive formats.
    let dock = t.root().join("ours-docker.tar");
    t.store
        .save(
            &["localhost/multilayer:latest"],
            ExportFormat::DockerArchive,
            &dock,
        )
        .unwrap();
    podman.run(&["load", "-q", "-i", dock.to_str().unwrap()]);
    let id = podman.run(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "localhost/multilayer:latest",
    ]);
    assert_eq!(id, ours.id);
    podman.run(&["rmi", "-f", &ours.id]);
    let ociar = t.root().join("ours-oci.tar");
    t.store
        .save(
            &["localhost/multilayer:latest"],
            ExportFormat::OciArchive,
            &ociar,
        )
        .unwrap();
    let loaded = podman.run(&["load", "-i", ociar.to_str().unwrap()]);
    assert!(loaded.contains("Loaded image"), "{loaded}");
    let ids = podman.run(&["images", "-q", "--no-trunc"]);
    assert!(ids.contains(&ours.id), "{ids}");

    // Podman → ours (from the docker-archive load: docker-archive cannot carry zstd).
    podman.run(&["rmi", "-f", &ours.id]);
    podman.run(&["load", "-q", "-i", dock.to_str().unwrap()]);
    podman.run(&["tag", &ours.id, "localhost/from-podman:v1"]);
    for (fmt, file) in [
        ("docker-archive", "podman-docker.tar"),
        ("oci-archive", "podman-oci.tar"),
    ] {
        let out = t.root().join(file);
        podman.run(&[
            "save",
            "--format",
            fmt,
            "-o",
            out.to_str().unwrap(),
            "localhost/from-podman:v1",
        ]);
        let t2 = TestStore::new(DriverKind::Vfs);
        let back = t2.store.load(&out).unwrap();
        assert_eq!(back.len(), 1, "{fmt}");
        // podman rewrites the config when converting to OCI (new id); layers stay.
        if fmt == "docker-archive" {
            assert_eq!(back[0].id, ours.id, "{fmt}");
        }
        assert_eq!(back[0].diff_ids, ours.diff_ids, "{fmt}");
        t2.store.create_container("c", Some(&back[0].id)).unwrap();
        let root = t2.store.mount("c").unwrap();
        assert!(!root.join("data/remove-me.txt").exists());
        assert_eq!(
            fs::read_to_string(root.join("opaque/new.txt")).unwrap(),
            "new\n"
        );
        t2.store.delete_container("c").unwrap();
        if fmt == "docker-archive" {
            assert!(
                back[0]
                    .names
                    .contains(&"localhost/from-podman:v1".to_string()),
                "{:?}",
                back[0].names
            );
        }
    }
}
