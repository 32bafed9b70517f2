//! Run one container from a directory under conmon, with nothing but this crate.
//!
//! ```sh
//! sudo cargo run -p libpod-oci --example run_bundle [-- crun|runc]
//! ```
//!
//! Needs root, conmon, the runtime and a static busybox at `/bin/busybox` (Debian:
//! `apt-get install conmon crun runc busybox-static`). It builds a busybox root filesystem in a
//! temporary directory, generates the OCI spec with lpod's defaults (namespaces, default
//! capabilities, seccomp profile, masked paths, a cgroupfs path), creates and starts the
//! container under conmon, waits for it, prints what it wrote to its log and removes it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libpod_oci::{
    read_log, ConmonConfig, ConmonRuntime, CreateOptions, OciRuntime, RuntimeKind, SpecInput,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A minimal root filesystem: static busybox and its applet links.
fn busybox_rootfs(dir: &Path) -> Result<PathBuf> {
    let root = dir.join("rootfs");
    for d in ["bin", "proc", "sys", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(root.join(d))?;
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox"))
        .map_err(|e| format!("copying /bin/busybox (package busybox-static): {e}"))?;
    let list = Command::new("/bin/busybox").arg("--list").output()?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if !applet.is_empty() && applet != "busybox" {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(applet))?;
        }
    }
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/:/bin/sh\n")?;
    Ok(root)
}

fn main() -> Result<()> {
    let kind = match std::env::args().nth(1).as_deref() {
        None | Some("crun") => RuntimeKind::Crun,
        Some("runc") => RuntimeKind::Runc,
        Some(other) => return Err(format!("unknown runtime {other:?}: crun or runc").into()),
    };
    let tmp = tempfile::Builder::new().prefix("lpod-example-").tempdir()?;
    let rootfs = busybox_rootfs(tmp.path())?;
    let rt = ConmonRuntime::new(ConmonConfig::for_kind(kind, tmp.path().join("run"))?)?;

    let id = format!("run-bundle-{}", std::process::id());
    let script = "echo hello from $(hostname); grep Seccomp: /proc/self/status; exit 3";
    let mut input = SpecInput::new(&rootfs, vec!["/bin/sh".into(), "-c".into(), script.into()]);
    input.hostname = Some("example".into());
    input.cgroup_path = Some(SpecInput::cgroup_path_for(None, &id));
    let spec = input.to_spec()?;

    let bundle = tmp.path().join("bundle");
    rt.create(&id, &bundle, &spec, &CreateOptions::default())?;
    let outcome = rt.start(&id).map_err(Into::into).and_then(|()| {
        rt.wait_exit(&id, Duration::from_secs(60))
            .map_err(Into::into)
    });
    // Remove the container whatever happened, then report.
    let deleted = rt.delete(&id, true).and_then(|()| rt.cleanup_files(&id));
    let exit: Result<_> = outcome;
    let exit = exit?;
    deleted?;
    for line in read_log(&bundle.join("ctr.log"), &Default::default())? {
        println!("container {:?}: {}", line.stream, line.msg);
    }
    println!("exit code {} ({})", exit.exit_code, kind.name());
    Ok(())
}
