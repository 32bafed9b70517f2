//! Image verbs: images, rmi, tag, load, save, import (over libpod-storage's store);
//! the registry verbs are in `registry.rs`.

use libpod_core::events::{Event, EventStatus};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use libpod_core::image::RmiAction;
use libpod_core::Runtime;
use libpod_storage::{ConfigChanges, ExportFormat, Image, RootfsImport};
use serde_json::{json, Value};

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::{ImageExistsArgs, ImagesArgs, ImportArgs, LoadArgs, RmiArgs, SaveArgs, TagArgs};
use crate::format;

fn created(img: &Image) -> Option<DateTime<Utc>> {
    img.created
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Splits `localhost/busybox:latest` into (`localhost/busybox`, `latest`).
fn repo_tag(name: &str) -> (String, String) {
    let name = name.split('@').next().unwrap_or(name);
    match name.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
        _ => (name.to_string(), "<none>".to_string()),
    }
}

/// Podman's `RepoDigests`: `repository@digest` for each repository the image is named in.
fn repo_digests(img: &Image) -> Vec<String> {
    let Some(d) = &img.digest else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for n in &img.names {
        let repo = repo_tag(n).0;
        let rd = format!("{repo}@{d}");
        if !out.contains(&rd) {
            out.push(rd);
        }
    }
    out
}

/// Podman's JSON for an image: `images --format json` rows, or (`inspect`) the fuller form.
pub fn image_json(img: &Image, inspect: bool) -> Value {
    let t = created(img);
    let mut v = json!({
        "Id": img.id,
        "ParentId": "",
        "RepoTags": img.names,
        "RepoDigests": repo_digests(img),
        "Size": img.size,
        "SharedSize": 0,
        "VirtualSize": img.size,
        "Labels": img.config.labels.clone().unwrap_or_default(),
        "Names": img.names,
        "Digest": img.digest,
        "Created": t.map(|t| t.timestamp()).unwrap_or(0),
        "CreatedAt": img.created,
    });
    if inspect {
        v["Created"] = json!(img.created);
        v["Architecture"] = json!(img.architecture);
        v["Os"] = json!(img.os);
        v["Config"] = serde_json::to_value(&img.config).unwrap_or_default();
        v["RootFS"] = json!({"Type": "layers", "Layers": img.diff_ids});
    }
    v
}

/// `lpod images`.
pub fn images(rt: &Runtime, a: ImagesArgs) -> CmdResult {
    let mut list = rt.store()?.list_images()?;
    list.sort_by_key(|x| std::cmp::Reverse(created(x)));
    if a.quiet {
        for img in &list {
            println!("{}", format::short_id(&img.id, a.no_trunc));
        }
        return Ok(0);
    }
    match a.format.as_deref() {
        f if format::is_json(f) => {
            let v: Vec<Value> = list.iter().map(|i| image_json(i, false)).collect();
            print_json(&v)?;
        }
        Some(t) => {
            let now = Utc::now();
            for img in &list {
                for (repo, tag) in rows_of(img) {
                    let v = json!({
                        "ID": format::short_id(&img.id, a.no_trunc),
                        "Id": img.id,
                        "Repository": repo,
                        "Tag": tag,
                        "Size": format::human_size(img.size),
                        "Created": created(img).map(|c| format::ago(c, now)).unwrap_or_default(),
                        "CreatedAt": img.created,
                        "Digest": img.digest.clone().unwrap_or_default(),
                        "RepoDigests": repo_digests(img),
                        "Names": img.names,
                    });
                    println!("{}", format::template(t, &v)?);
                }
            }
        }
        None => {
            let now = Utc::now();
            let mut rows = Vec::new();
            for img in &list {
                for (repo, tag) in rows_of(img) {
                    let mut row = vec![repo, tag];
                    if a.digests {
                        row.push(img.digest.clone().unwrap_or_else(|| "<none>".into()));
                    }
                    row.extend([
                        format::short_id(&img.id, a.no_trunc).to_string(),
                        created(img)
                            .map(|c| format::ago(c, now))
                            .unwrap_or_default(),
                        format::human_size(img.size),
                    ]);
                    rows.push(row);
                }
            }
            let header: &[&str] = if a.digests {
                &["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]
            } else {
                &["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
            };
            print!("{}", format::table(header, &rows));
        }
    }
    Ok(0)
}

fn rows_of(img: &Image) -> Vec<(String, String)> {
    if img.names.is_empty() {
        vec![("<none>".into(), "<none>".into())]
    } else {
        img.names.iter().map(|n| repo_tag(n)).collect()
    }
}

/// `lpod rmi`: a name of an image with several names is untagged; otherwise the image goes.
pub fn rmi(rt: &Runtime, a: RmiArgs) -> CmdResult {
    let store = rt.store()?;
    let names: Vec<String> = if a.all {
        store.list_images()?.into_iter().map(|i| i.id).collect()
    } else if a.images.is_empty() {
        return Err(CliError::Usage("image name or ID must be specified".into()));
    } else {
        a.images.clone()
    };
    for_each(&names, |name| {
        match rt.rmi_action(name)? {
            RmiAction::Untag(name) => {
                rt.untag_image(&name)?;
                println!("Untagged: {name}");
            }
            RmiAction::Remove { id, names } => {
                for n in &names {
                    println!("Untagged: {n}");
                }
                let id = rt.remove_image(&id, a.force)?;
                println!("Deleted: {id}");
            }
        }
        Ok(())
    })
}

/// `lpod image exists`: 0 when the image is in the store, 1 when not (no message).
pub fn exists(rt: &Runtime, a: ImageExistsArgs) -> CmdResult {
    match rt.store()?.image(&a.image) {
        Ok(_) => Ok(0),
        Err(libpod_storage::StoreError::ImageNotFound(_)) => Ok(1),
        Err(e) => Err(e.into()),
    }
}

/// `lpod tag`.
pub fn tag(rt: &Runtime, a: TagArgs) -> CmdResult {
    for t in &a.targets {
        rt.tag_image(&a.image, t)?;
    }
    Ok(0)
}

/// A temporary file under the run root, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(rt: &Runtime, what: &str) -> Result<TempFile, CliError> {
        let dir = rt.config()?.tmp_dir();
        libpod_storage::private::create_private_dir(&dir)
            .map_err(|e| CliError::io("create", &dir, e))?;
        Ok(TempFile(dir.join(format!(
            "lpod-{what}-{}-{}.tar",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ))))
    }

    /// Creates the file, 0600: it holds an image (layers, maybe secrets) on its way in.
    fn create(&self) -> Result<std::fs::File, CliError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&self.0)
            .map_err(|e| CliError::io("create", &self.0, e))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `lpod load`: from `-i FILE` or stdin.
pub fn load(rt: &Runtime, a: LoadArgs) -> CmdResult {
    let store = rt.store()?;
    let tmp;
    let path: &Path = match &a.input {
        Some(p) => p,
        None => {
            if std::io::stdin().is_terminal() {
                return Err(CliError::Usage(
                    "cannot read an image from a terminal: use -i FILE or a pipe".into(),
                ));
            }
            tmp = TempFile::new(rt, "load")?;
            let mut f = tmp.create()?;
            std::io::copy(&mut std::io::stdin().lock(), &mut f)
                .map_err(|e| CliError::io("write", &tmp.0, e))?;
            &tmp.0
        }
    };
    let loaded = store.load(path)?;
    rt.emit_event(Event::image(
        "",
        &path.display().to_string(),
        EventStatus::LoadFromArchive,
    ));
    if !a.quiet {
        for img in &loaded {
            if img.names.is_empty() {
                println!("Loaded image: sha256:{}", img.id);
            }
            for n in &img.names {
                println!("Loaded image: {n}");
            }
        }
    }
    Ok(0)
}

/// `lpod save`: to `-o` (or stdout for the archive formats when it is not a terminal).
pub fn save(rt: &Runtime, a: SaveArgs) -> CmdResult {
    let format = match a.format.as_str() {
        "docker-archive" => ExportFormat::DockerArchive,
        "oci-archive" => ExportFormat::OciArchive,
        "oci-dir" => ExportFormat::OciDir,
        other => {
            return Err(CliError::Usage(format!(
                "unknown save format {other:?}: docker-archive, oci-archive or oci-dir"
            )))
        }
    };
    let store = rt.store()?;
    let names: Vec<&str> = a.images.iter().map(String::as_str).collect();
    let emit = |out: &Path| {
        for n in &names {
            let id = store.image(n).map(|i| i.id).unwrap_or_default();
            rt.emit_event(Event::image(
                &id,
                &out.display().to_string(),
                EventStatus::Save,
            ));
        }
    };
    match &a.output {
        Some(out) => {
            store.save(&names, format, out)?;
            emit(out);
        }
        None => {
            if format == ExportFormat::OciDir {
                return Err(CliError::Usage("--format oci-dir needs -o DIR".into()));
            }
            if std::io::stdout().is_terminal() {
                return Err(CliError::Usage(
                    "refusing to write an archive to a terminal: use -o FILE or a pipe".into(),
                ));
            }
            let tmp = TempFile::new(rt, "save")?;
            store.save(&names, format, &tmp.0)?;
            emit(Path::new("-"));
            let mut f = std::fs::File::open(&tmp.0).map_err(|e| CliError::io("open", &tmp.0, e))?;
            std::io::copy(&mut f, &mut std::io::stdout().lock())
                .map_err(|e| CliError::io("write", "stdout", e))?;
        }
    }
    Ok(0)
}

/// `lpod import FILE [REF]`: prints the new image's id.
pub fn import(rt: &Runtime, a: ImportArgs) -> CmdResult {
    let changes = ConfigChanges::parse(&a.change).map_err(|e| CliError::Usage(e.to_string()))?;
    let store = rt.store()?;
    let tmp;
    let path: &Path = if a.file.as_os_str() == "-" {
        tmp = TempFile::new(rt, "import")?;
        let mut f = tmp.create()?;
        std::io::copy(&mut std::io::stdin().lock(), &mut f)
            .map_err(|e| CliError::io("write", &tmp.0, e))?;
        &tmp.0
    } else {
        &a.file
    };
    let img = store.import_rootfs(
        path,
        &RootfsImport {
            name: a.reference.clone(),
            changes,
            message: a.message.clone(),
        },
    )?;
    rt.emit_event(Event::image(
        &img.id,
        &a.file.display().to_string(),
        EventStatus::Import,
    ));
    println!("sha256:{}", img.id);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_digests_name_each_repository_once() {
        let img: Image = serde_json::from_value(json!({
            "id": "a".repeat(64),
            "names": [
                "127.0.0.1:5000/busybox:latest",
                "127.0.0.1:5000/busybox:v1",
                "localhost/x:y",
            ],
            "digest": "sha256:abc",
            "layers": [],
            "diff_ids": [],
            "size": 0,
            "created": null,
            "architecture": null,
            "os": null,
            "config": {},
        }))
        .unwrap();
        assert_eq!(
            repo_digests(&img),
            [
                "127.0.0.1:5000/busybox@sha256:abc",
                "localhost/x@sha256:abc"
            ]
        );
    }

    #[test]
    fn repo_and_tag() {
        assert_eq!(
            repo_tag("localhost/busybox:latest"),
            ("localhost/busybox".into(), "latest".into())
        );
        assert_eq!(
            repo_tag("localhost:5000/x/y:v1"),
            ("localhost:5000/x/y".into(), "v1".into())
        );
        assert_eq!(
            repo_tag("localhost:5000/x"),
            ("localhost:5000/x".into(), "<none>".into())
        );
    }
}
