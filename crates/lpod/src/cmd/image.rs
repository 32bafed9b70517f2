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

use super::{print_json, CliError, CmdResult};
use crate::cli::{
    BuildArgs, CommitArgs, ImageExistsArgs, ImagesArgs, ImportArgs, LoadArgs, RmiArgs, SaveArgs,
    TagArgs, UntagArgs,
};
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

/// One row of `images`: an image under one of its repository names.
struct Row<'a> {
    img: &'a Image,
    repo: String,
    tag: String,
}

/// The rows of an image, as Podman lists them: one per tagged name; digest-only names
/// (`repo@sha256:...`, from a pull by digest) show only when the image has no tag, as
/// `repo <none>`; a nameless image is `<none> <none>`.
fn rows_of(img: &Image) -> Vec<(String, String)> {
    let tagged: Vec<(String, String)> = img
        .names
        .iter()
        .filter(|n| !n.contains('@'))
        .map(|n| repo_tag(n))
        .collect();
    if !tagged.is_empty() {
        return tagged;
    }
    let mut repos: Vec<(String, String)> = Vec::new();
    for n in &img.names {
        let r = (repo_tag(n).0, "<none>".to_string());
        if !repos.contains(&r) {
            repos.push(r);
        }
    }
    if repos.is_empty() {
        repos.push(("<none>".into(), "<none>".into()));
    }
    repos
}

/// Go's `path.Match` subset Podman's `reference=` filter uses: `*` (not across `/`), `?`.
fn glob(pattern: &str, s: &str) -> bool {
    fn m(p: &[char], s: &[char]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some('*'), _) => m(&p[1..], s) || (!s.is_empty() && s[0] != '/' && m(p, &s[1..])),
            (Some('?'), Some(c)) if *c != '/' => m(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = s.chars().collect();
    m(&p, &s)
}

/// Whether the name `name` (`registry/repo:tag`) matches a `reference=` pattern as Podman
/// matches it: the whole name, the name without registry, or the repository alone.
fn reference_matches(pattern: &str, name: &str) -> bool {
    let (repo, _) = repo_tag(name);
    let short = |s: &str| {
        s.split_once('/')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default()
    };
    let pat_has_tag = pattern.rsplit('/').next().is_some_and(|l| l.contains(':'));
    let cands: Vec<String> = if pat_has_tag {
        vec![
            name.to_string(),
            short(name),
            format!(
                "{}:{}",
                repo.rsplit('/').next().unwrap_or(&repo),
                repo_tag(name).1
            ),
        ]
    } else {
        vec![
            repo.clone(),
            short(&repo),
            repo.rsplit('/').next().unwrap_or(&repo).to_string(),
        ]
    };
    cands.iter().any(|c| glob(pattern, c))
}

/// One `images --filter` condition.
type ImageCheck = Box<dyn Fn(&Image) -> bool>;

/// `images --filter`: every filter must hold (Podman ANDs different keys).
fn image_filter(
    store: &libpod_storage::Store,
    filters: &[String],
) -> Result<impl Fn(&Image) -> bool, CliError> {
    let mut checks: Vec<ImageCheck> = Vec::new();
    for f in filters {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("invalid image filter {f:?}: use KEY=VALUE")))?;
        let v = v.to_string();
        match k {
            "after" | "since" | "before" => {
                let other = store.image(&v)?;
                let t = created(&other);
                let id = other.id.clone();
                if k == "before" {
                    checks.push(Box::new(move |i| i.id != id && created(i) < t));
                } else {
                    checks.push(Box::new(move |i| i.id != id && created(i) > t));
                }
            }
            "reference" => checks.push(Box::new(move |i| {
                i.names.iter().any(|n| reference_matches(&v, n))
            })),
            "dangling" => {
                let want = matches!(v.as_str(), "true" | "1");
                checks.push(Box::new(move |i| i.names.is_empty() == want));
            }
            "label" => checks.push(Box::new(move |i| {
                let labels = i.config.labels.clone().unwrap_or_default();
                match v.split_once('=') {
                    Some((lk, lv)) => labels.get(lk).is_some_and(|x| x == lv),
                    None => labels.contains_key(&v),
                }
            })),
            "id" => checks.push(Box::new(move |i| {
                i.id.starts_with(v.trim_start_matches("sha256:"))
            })),
            "digest" => checks.push(Box::new(move |i| i.digests.contains(&v))),
            "readonly" => {
                let want = matches!(v.as_str(), "true" | "1");
                checks.push(Box::new(move |_| !want));
            }
            "intermediate" => {
                let want = matches!(v.as_str(), "true" | "1");
                checks.push(Box::new(move |_| !want));
            }
            other => {
                return Err(CliError::Usage(format!(
                    "{other} is an invalid filter (use after, since, before, reference, dangling, label, id, digest)"
                )))
            }
        }
    }
    Ok(move |i: &Image| checks.iter().all(|c| c(i)))
}

/// `images --format` data of one row (Podman's Go field names).
fn row_json(r: &Row<'_>, no_trunc: bool, now: DateTime<Utc>) -> Value {
    let img = r.img;
    json!({
        "ID": if no_trunc { format!("sha256:{}", img.id) } else { format::short_id(&img.id, false).to_string() },
        "Id": img.id,
        "Repository": r.repo,
        "Tag": r.tag,
        "Size": format::human_size(img.size),
        "VirtualSize": format::human_size(img.size),
        "SharedSize": format::human_size(0),
        "Created": created(img).map(|c| format::ago(c, now)).unwrap_or_default(),
        // A time.Time in Podman's template data: Go's own print of it.
        "CreatedAt": created(img).map(format::go_time).unwrap_or_default(),
        "CreatedSince": created(img).map(|c| format::ago(c, now)).unwrap_or_default(),
        "CreatedTime": img.created,
        "Digest": img.digest.clone().unwrap_or_default(),
        "Digests": img.digests,
        "RepoDigests": repo_digests(img),
        "RepoTags": img.names.iter().filter(|n| !n.contains('@')).collect::<Vec<_>>(),
        "Names": img.names,
        "Labels": img.config.labels.clone().unwrap_or_default(),
        "Dangling": img.names.is_empty(),
        "ReadOnly": false,
        "Containers": 0,
        "History": img.names_history.join(", "),
        "IsManifestList": false,
    })
}

/// `lpod images [IMAGE]`.
pub fn images(rt: &Runtime, a: ImagesArgs) -> CmdResult {
    let store = rt.store()?;
    let keep = image_filter(&store, &a.filter)?;
    let list: Vec<Image> = store
        .list_images()?
        .into_iter()
        .filter(|i| keep(i))
        .collect();
    let mut rows: Vec<Row<'_>> = Vec::new();
    for img in &list {
        for (repo, tag) in rows_of(img) {
            rows.push(Row { img, repo, tag });
        }
    }
    // `reference=` shows the matching names of an image, not all of them.
    let refs: Vec<&str> = a
        .filter
        .iter()
        .filter_map(|f| f.strip_prefix("reference="))
        .collect();
    if !refs.is_empty() {
        rows.retain(|r| {
            let name = format!("{}:{}", r.repo, r.tag);
            refs.iter().all(|p| reference_matches(p, &name))
        });
    }
    // `images NAME`: the rows of that name (a pattern as `reference=`), or of that id.
    if let Some(pat) = &a.image {
        let norm = libpod_storage::reference::normalize_name(pat).ok();
        let hex = pat.trim_start_matches("sha256:");
        rows.retain(|r| {
            let name = format!("{}:{}", r.repo, r.tag);
            reference_matches(pat, &name)
                || norm.as_deref() == Some(name.as_str())
                || (hex.len() >= 3 && r.img.id.starts_with(hex))
        });
    }
    match a.sort.as_str() {
        "created" => rows.sort_by_key(|r| std::cmp::Reverse(created(r.img))),
        "id" => rows.sort_by(|x, y| x.img.id.cmp(&y.img.id)),
        "repository" => rows.sort_by(|x, y| (&x.repo, &x.tag).cmp(&(&y.repo, &y.tag))),
        "tag" => rows.sort_by(|x, y| (&x.tag, &x.repo).cmp(&(&y.tag, &y.repo))),
        "size" => rows.sort_by_key(|r| r.img.size),
        other => {
            return Err(CliError::Usage(format!(
                "invalid sort {other:?}: use created, id, repository, size or tag"
            )))
        }
    }
    if a.quiet {
        let mut seen = Vec::new();
        for r in &rows {
            if !seen.contains(&r.img.id) {
                seen.push(r.img.id.clone());
                println!("{}", format::short_id(&r.img.id, a.no_trunc));
            }
        }
        return Ok(0);
    }
    let now = Utc::now();
    match a.format.as_deref() {
        f if format::is_json(f) => {
            let mut seen: Vec<&str> = Vec::new();
            let mut v = Vec::new();
            for r in &rows {
                if !seen.contains(&r.img.id.as_str()) {
                    seen.push(&r.img.id);
                    v.push(image_json(r.img, false));
                }
            }
            print_json(&v)?;
        }
        Some(t) => {
            let items: Vec<Value> = rows.iter().map(|r| row_json(r, a.no_trunc, now)).collect();
            let headers = json!({
                "ID": "IMAGE ID", "Id": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG",
                "Size": "SIZE", "VirtualSize": "VIRTUAL SIZE", "SharedSize": "SHARED SIZE",
                "Created": "CREATED", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED",
                "CreatedTime": "CREATED AT", "Digest": "DIGEST", "Digests": "DIGESTS",
                "RepoDigests": "REPO DIGESTS", "RepoTags": "REPO TAGS", "Names": "NAMES",
                "Labels": "LABELS", "Dangling": "DANGLING", "ReadOnly": "READONLY",
                "Containers": "CONTAINERS", "History": "HISTORY", "IsManifestList": "MANIFEST LIST",
            });
            let default = "{{.Repository}} {{.Tag}} {{.ID}} {{.Created}} {{.Size}}";
            print!(
                "{}",
                format::render(t, default, &headers, &items, a.noheading)?
            );
        }
        None => {
            let mut table_rows = Vec::new();
            for r in &rows {
                let mut row = vec![r.repo.clone(), r.tag.clone()];
                if a.digests {
                    row.push(r.img.digest.clone().unwrap_or_else(|| "<none>".into()));
                }
                row.extend([
                    if a.no_trunc {
                        format!("sha256:{}", r.img.id)
                    } else {
                        format::short_id(&r.img.id, false).to_string()
                    },
                    created(r.img)
                        .map(|c| format::ago(c, now))
                        .unwrap_or_default(),
                    format::human_size(r.img.size),
                ]);
                table_rows.push(row);
            }
            let header: &[&str] = if a.digests {
                &["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]
            } else {
                &["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
            };
            format::print_table(&format::table(header, &table_rows), a.noheading);
        }
    }
    Ok(0)
}

/// Exit code of `rmi` when an image was not found (Podman's).
const RMI_NOT_FOUND: i32 = 1;
/// Exit code of `rmi` when an image is used by a container (Podman's).
const RMI_IN_USE: i32 = 2;

/// `lpod rmi`: a name of an image with several names is untagged; otherwise the image goes
/// (with `-f`, the containers using it first). Podman's output and exit codes: every
/// `Untagged:` line, then every `Deleted:` line; 1 when an image is not known, 2 when one is
/// in use; several errors are listed under `N errors occurred:`.
pub fn rmi(rt: &Runtime, a: RmiArgs) -> CmdResult {
    let store = rt.store()?;
    let names: Vec<String> = if a.all {
        // In the store's order (oldest stored first), as Podman's `rmi -a` walks
        // containers/storage's list.
        store.list_images()?.into_iter().map(|i| i.id).collect()
    } else if a.images.is_empty() {
        return Err(CliError::Usage("image name or ID must be specified".into()));
    } else {
        a.images.clone()
    };
    let mut untagged = Vec::new();
    let mut deleted = Vec::new();
    let mut errors: Vec<(String, i32)> = Vec::new();
    for name in &names {
        let action = match rt.rmi_action(name) {
            Ok(x) => x,
            // Podman: `--ignore`, and `--force` too, pass over unknown images.
            Err(libpod_core::Error::NoSuchImage(_)) if a.ignore || a.force => continue,
            Err(libpod_core::Error::NoSuchImage(_)) => {
                errors.push((format!("{name}: image not known"), RMI_NOT_FOUND));
                continue;
            }
            Err(e) => {
                errors.push((e.to_string(), CliError::from(e).exit_code()));
                continue;
            }
        };
        match action {
            RmiAction::Untag(n) => match rt.untag_image(&n) {
                Ok(()) => untagged.push(n),
                Err(e) => errors.push((e.to_string(), CliError::from(e).exit_code())),
            },
            RmiAction::Remove { id, names } => match rt.remove_image(&id, a.force) {
                Ok(id) => {
                    untagged.extend(names);
                    deleted.push(id);
                }
                Err(libpod_core::Error::ImageInUse { containers, .. }) => errors.push((
                    format!(
                        "image used by {}: image is in use by a container: consider listing external containers and force-removing image",
                        containers.first().cloned().unwrap_or_default()
                    ),
                    RMI_IN_USE,
                )),
                Err(e) => errors.push((e.to_string(), CliError::from(e).exit_code())),
            },
        }
    }
    for n in &untagged {
        println!("Untagged: {n}");
    }
    for id in &deleted {
        println!("Deleted: {id}");
    }
    match errors.len() {
        0 => Ok(0),
        1 => {
            eprintln!("Error: {}", errors[0].0);
            Ok(errors[0].1)
        }
        n => {
            eprintln!("Error: {n} errors occurred:");
            for (m, _) in &errors {
                eprintln!("\t* {m}");
            }
            let code = if errors.iter().any(|(_, c)| *c == RMI_IN_USE) {
                RMI_IN_USE
            } else {
                errors.last().map(|(_, c)| *c).unwrap_or(RMI_NOT_FOUND)
            };
            Ok(code)
        }
    }
}

/// `lpod commit CONTAINER [IMAGE]`: the new image's id on stdout (progress lines on
/// stderr unless `-q`).
pub fn commit(rt: &Runtime, a: CommitArgs) -> CmdResult {
    let changes = ConfigChanges::parse(&a.change).map_err(|e| CliError::Usage(e.to_string()))?;
    let opts = libpod_storage::CommitOptions {
        name: a.image.clone(),
        changes,
        message: a.message.clone(),
        author: a.author.clone(),
        created_by: None,
    };
    if !a.quiet {
        eprintln!("Getting image source signatures");
    }
    let img = rt.commit_container_paused(&a.container, &opts, a.pause.unwrap_or(true))?;
    if !a.quiet {
        eprintln!("Copying blob done");
        eprintln!("Writing manifest to image destination");
    }
    println!("{}", img.id);
    Ok(0)
}

/// The Containerfile (else Dockerfile) of a context directory, read; `None` when it has
/// neither (`build` and `play kube --build` look for them the same way).
pub(super) fn context_containerfile(dir: &std::path::Path) -> Result<Option<String>, CliError> {
    let Some(found) = ["Containerfile", "Dockerfile"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    std::fs::read_to_string(&found).map(Some).map_err(|e| {
        CliError::Usage(format!(
            "build: reading the Containerfile {}: {e}",
            found.display()
        ))
    })
}

/// `lpod build [-t NAME] [-f FILE] CONTEXT|-`: the Containerfile from `-f`, stdin (`-`
/// or `-f -`) or the context directory; step lines on stderr, the image id last on stdout.
pub fn build(rt: &Runtime, a: BuildArgs) -> CmdResult {
    let context = a.context.as_deref().unwrap_or(".");
    let read_stdin = || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map(|_| s)
            .map_err(|e| {
                CliError::Usage(format!("build: reading the Containerfile from stdin: {e}"))
            })
    };
    let containerfile = match a.file.as_deref() {
        Some("-") => read_stdin()?,
        Some(f) => std::fs::read_to_string(f)
            .map_err(|e| CliError::Usage(format!("build: reading the Containerfile {f}: {e}")))?,
        None if context == "-" => read_stdin()?,
        None => context_containerfile(std::path::Path::new(context))?.ok_or_else(|| {
            CliError::Usage(format!(
                "build: no Containerfile or Dockerfile in the context {context}"
            ))
        })?,
    };
    let opts = libpod_core::BuildOptions {
        containerfile,
        tags: a.tag.clone(),
        quiet: a.quiet,
        context: (context != "-").then(|| std::path::PathBuf::from(context)),
    };
    let id = rt.build(&opts, &mut std::io::stderr())?;
    if !a.quiet {
        eprintln!("--> {}", &id[..id.len().min(12)]);
    }
    println!("{id}");
    Ok(0)
}

/// `lpod untag IMAGE [NAME...]`: removes the names (every name without NAME); the image
/// stays.
pub fn untag(rt: &Runtime, a: UntagArgs) -> CmdResult {
    let store = rt.store()?;
    let img = store
        .image(&a.image)
        .map_err(|_| libpod_core::Error::NoSuchImage(a.image.clone()))?;
    let names = if a.names.is_empty() {
        img.names.clone()
    } else {
        a.names.clone()
    };
    for n in &names {
        store.untag(&img.id, n).map_err(|e| match e {
            libpod_storage::StoreError::ImageNotFound(_) => {
                CliError::Usage(format!("{n}: tag not known"))
            }
            e => e.into(),
        })?;
        // Podman's untag event, with the full name (`NAME:latest` for a bare NAME).
        // (the image's own name it matched: `localhost/NAME:latest` for a local tag).
        let full = [
            libpod_storage::reference::normalize_name(n),
            libpod_storage::reference::normalize_local_name(n),
        ]
        .into_iter()
        .flatten()
        .find(|c| img.names.contains(c))
        .unwrap_or_else(|| n.clone());
        rt.emit_event(Event::image(&img.id, &full, EventStatus::Untag));
    }
    Ok(0)
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

/// Downloads `url` (plain `http://`) into `dest`, following up to five redirects.
fn download(url: &str, dest: &mut std::fs::File, depth: u32) -> Result<(), CliError> {
    use std::io::{BufRead, BufReader, Read, Write};
    let bad = |msg: String| CliError::Usage(format!("downloading {url}: {msg}"));
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        bad("only http:// URLs can be loaded (download https:// ones first)".into())
    })?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let mut conn = std::net::TcpStream::connect(&addr).map_err(|e| bad(e.to_string()))?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .map_err(|e| bad(e.to_string()))?;
    // One write: the request in one segment.
    let req = format!(
        "GET {path} HTTP/1.0\r\nHost: {hostport}\r\nUser-Agent: lpod\r\nAccept: */*\r\n\r\n"
    );
    conn.write_all(req.as_bytes())
        .map_err(|e| bad(e.to_string()))?;
    let mut r = BufReader::new(conn);
    let mut status = String::new();
    r.read_line(&mut status).map_err(|e| bad(e.to_string()))?;
    let code: u16 = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad(format!("not an HTTP response: {:?}", status.trim())))?;
    let mut location = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).map_err(|e| bad(e.to_string()))? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("location") {
                location = Some(v.trim().to_string());
            }
        }
    }
    match code {
        200 => {
            std::io::copy(&mut r.by_ref(), dest).map_err(|e| bad(e.to_string()))?;
            Ok(())
        }
        301 | 302 | 303 | 307 | 308 if depth < 5 => {
            let to = location.ok_or_else(|| bad(format!("HTTP {code} without a Location")))?;
            let to = if to.starts_with('/') {
                format!("http://{hostport}{to}")
            } else {
                to
            };
            download(&to, dest, depth + 1)
        }
        _ => Err(bad(format!("HTTP status {}", status.trim()))),
    }
}

/// `lpod load`: from `-i FILE`, `-i http://URL`, or stdin.
pub fn load(rt: &Runtime, a: LoadArgs) -> CmdResult {
    let store = rt.store()?;
    let tmp;
    let given;
    let path: &Path = match a.input.as_deref() {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            tmp = TempFile::new(rt, "load")?;
            let mut f = tmp.create()?;
            download(u, &mut f, 0)?;
            &tmp.0
        }
        Some(p) => {
            given = PathBuf::from(p);
            &given
        }
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
    if a.uncompressed && format == ExportFormat::DockerArchive {
        // Docker archives hold plain layers anyway.
        tracing::debug!("--uncompressed: docker-archive layers are uncompressed already");
    }
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
            store.save_with(&names, format, out, a.uncompressed)?;
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
            store.save_with(&names, format, &tmp.0, a.uncompressed)?;
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
