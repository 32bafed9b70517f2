//! Events: what happened to containers, images, pods, networks and volumes, as
//! Podman records them — one JSON object per line in an events log, appended
//! under a lock by every process that changes something, read back (once or
//! following new lines) by `lpod events`.
//!
//! - [`Event`]: one event, with Podman's JSON field names (`ID`, `Image`,
//!   `Name`, `Status`, `Time` in RFC 3339 with nanoseconds, `Type`,
//!   `Attributes`, `PodID`, `ContainerExitCode`, `health_status`, `network`),
//!   and Podman's one-line text form ([`Event::to_human`]).
//! - [`EventLog`]: the log file: [`EventLog::append`] (size-capped rotation
//!   keeping the newer half), [`EventLog::read_all`], and [`EventLog::follow`]
//!   for a reader that streams across rotations without losing or repeating
//!   an event (see `log` for how).
//! - [`EventFilter`]: Podman's `--filter`/`--since`/`--until` semantics.
//!
//! Library users get events too: the verbs of [`crate::Runtime`],
//! [`crate::Container`] and [`crate::Pod`] emit them; a failed append is a
//! warning, never a failed verb.
//!
//! ```no_run
//! use libpod_core::events::{EventFilter, EventLog, Event, EventType, EventStatus};
//! let log = EventLog::new("/tmp/ev/events.log", 1_000_000);
//! log.append(&Event::new(EventType::System, EventStatus::Refresh))?;
//! let filter = EventFilter::parse(&["type=system".to_string()], None, None)?;
//! for ev in log.read_all()?.iter().filter(|e| filter.matches(e)) {
//!     println!("{}", ev.to_human(false));
//! }
//! # Ok::<(), libpod_core::events::EventsError>(())
//! ```

pub(crate) mod error;
mod filter;
mod log;
mod time;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

pub use error::EventsError;
pub(crate) use filter::parse_go_duration;
pub use filter::{parse_input_time, EventFilter};
pub use log::{EventLog, Follower};
pub use time::{go_rfc3339_nano, go_time_string};

use crate::context::Parts;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A container.
    Container,
    /// An image.
    Image,
    /// A network (create/remove/connect/disconnect).
    Network,
    /// A pod.
    Pod,
    /// lpod as a whole (log rotation, refresh after a reboot).
    System,
    /// A named volume.
    Volume,
    /// A virtual machine (Podman machine; never emitted by lpod, accepted when read).
    Machine,
}

impl EventType {
    /// Podman's word for the type.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventType::Container => "container",
            EventType::Image => "image",
            EventType::Network => "network",
            EventType::Pod => "pod",
            EventType::System => "system",
            EventType::Volume => "volume",
            EventType::Machine => "machine",
        }
    }

    /// The type named by Podman's word, if any.
    pub fn from_word(s: &str) -> Option<EventType> {
        Some(match s {
            "container" => EventType::Container,
            "image" => EventType::Image,
            "network" => EventType::Network,
            "pod" => EventType::Pod,
            "system" => EventType::System,
            "volume" => EventType::Volume,
            "machine" => EventType::Machine,
            _ => return None,
        })
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EventType::from_word(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("event type {s:?} is not valid")))
    }
}

macro_rules! statuses {
    ($($(#[$m:meta])* $v:ident => $w:literal,)*) => {
        /// What happened (Podman's event statuses); [`EventStatus::Other`] keeps a
        /// word this version does not know when reading a log.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventStatus {
            $($(#[$m])* $v,)*
            /// A status word this version does not know.
            Other(String),
        }

        impl EventStatus {
            /// Podman's word for the status.
            pub fn as_str(&self) -> &str {
                match self {
                    $(EventStatus::$v => $w,)*
                    EventStatus::Other(s) => s,
                }
            }

            /// The status named by `s` (`Other` when unknown).
            pub fn from_word(s: &str) -> EventStatus {
                match s {
                    $($w => EventStatus::$v,)*
                    other => EventStatus::Other(other.to_string()),
                }
            }
        }
    };
}

statuses! {
    /// Attached to a container.
    Attach => "attach",
    /// Auto-update.
    AutoUpdate => "auto-update",
    /// Image built.
    Build => "build",
    /// Checkpointed.
    Checkpoint => "checkpoint",
    /// Cleaned up after the process exited (network, mounts, runtime container).
    Cleanup => "cleanup",
    /// Committed to an image.
    Commit => "commit",
    /// Files copied.
    Copy => "copy",
    /// Created.
    Create => "create",
    /// An exec session started.
    Exec => "exec",
    /// An exec session ended.
    ExecDied => "exec_died",
    /// The container's process exited (`ContainerExitCode`).
    Died => "died",
    /// Exported.
    Export => "export",
    /// A healthcheck ran (`health_status`).
    HealthStatus => "health_status",
    /// History read.
    History => "history",
    /// Image imported from a root filesystem tarball.
    Import => "import",
    /// Initialised (runtime container created).
    Init => "init",
    /// Signalled.
    Kill => "kill",
    /// Images loaded from an archive.
    LoadFromArchive => "loadfromarchive",
    /// Mounted.
    Mount => "mount",
    /// Connected to a network.
    NetworkConnect => "connect",
    /// Disconnected from a network.
    NetworkDisconnect => "disconnect",
    /// Paused.
    Pause => "pause",
    /// Pruned.
    Prune => "prune",
    /// Pulled.
    Pull => "pull",
    /// Pushed.
    Push => "push",
    /// State refreshed after a reboot.
    Refresh => "refresh",
    /// Removed.
    Remove => "remove",
    /// Renamed.
    Rename => "rename",
    /// Locks renumbered.
    Renumber => "renumber",
    /// Restarted.
    Restart => "restart",
    /// Restored from a checkpoint.
    Restore => "restore",
    /// The events log was rotated (`Name` is the log).
    Rotate => "log-rotation",
    /// Saved to an archive.
    Save => "save",
    /// Started.
    Start => "start",
    /// Stopped by a user.
    Stop => "stop",
    /// Synced.
    Sync => "sync",
    /// Tagged (`Name` is the new name).
    Tag => "tag",
    /// Unmounted.
    Unmount => "unmount",
    /// Unpaused.
    Unpause => "unpause",
    /// A name removed from an image (`Name` is that name).
    Untag => "untag",
}

impl std::fmt::Display for EventStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(EventStatus::from_word(&String::deserialize(d)?))
    }
}

/// One event, as Podman writes it (field names and order of Podman's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Exit code of a container (`died`) or exec session (`exec_died`).
    #[serde(
        rename = "ContainerExitCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub container_exit_code: Option<i32>,
    /// Id of the container, image, pod (empty for volumes and system events).
    #[serde(rename = "ID", default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The image of a container event (as the user named it).
    #[serde(rename = "Image", default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// Name of the container, pod, volume; the reference of an image event.
    #[serde(rename = "Name", default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The network of a network event.
    #[serde(rename = "network", default, skip_serializing_if = "String::is_empty")]
    pub network: String,
    /// What happened.
    #[serde(rename = "Status")]
    pub status: EventStatus,
    /// When.
    #[serde(rename = "Time", with = "time::serde_go")]
    pub time: DateTime<FixedOffset>,
    /// What it is about.
    #[serde(rename = "Type")]
    pub kind: EventType,
    /// Health of the container (`health_status` events).
    #[serde(
        rename = "health_status",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub health_status: String,
    /// The pod of a container event.
    #[serde(rename = "PodID", default, skip_serializing_if = "String::is_empty")]
    pub pod_id: String,
    /// Details: a container's labels, ...; `null` when none.
    #[serde(rename = "Attributes", default)]
    pub attributes: Option<BTreeMap<String, String>>,
}

impl Event {
    /// An event of `kind` with `status`, timed now (local time, as Podman).
    pub fn new(kind: EventType, status: EventStatus) -> Event {
        Event {
            container_exit_code: None,
            id: String::new(),
            image: String::new(),
            name: String::new(),
            network: String::new(),
            status,
            time: chrono::Local::now().fixed_offset(),
            kind,
            health_status: String::new(),
            pod_id: String::new(),
            attributes: None,
        }
    }

    /// A container event: id, name, image, pod and labels from its configuration.
    pub fn container(cfg: &libpod_config::ContainerConfig, status: EventStatus) -> Event {
        Event {
            id: cfg.id.clone(),
            name: cfg.name.clone(),
            image: cfg.image.clone(),
            pod_id: cfg.pod.clone().unwrap_or_default(),
            // Podman writes the labels map even when empty (`{}`).
            attributes: Some(cfg.labels.clone()),
            ..Event::new(EventType::Container, status)
        }
    }

    /// An image event: the image id and the name the verb used (reference,
    /// archive path, new tag...).
    pub fn image(id: &str, name: &str, status: EventStatus) -> Event {
        Event {
            id: id.to_string(),
            name: name.to_string(),
            ..Event::new(EventType::Image, status)
        }
    }

    /// A pod event.
    pub fn pod(id: &str, name: &str, status: EventStatus) -> Event {
        Event {
            id: id.to_string(),
            name: name.to_string(),
            ..Event::new(EventType::Pod, status)
        }
    }

    /// A network event: `id`/`name` are the container's (connect/disconnect) or
    /// the network's (create/remove), `network` the network's name.
    pub fn network(id: &str, name: &str, network: &str, status: EventStatus) -> Event {
        Event {
            id: id.to_string(),
            name: name.to_string(),
            network: network.to_string(),
            ..Event::new(EventType::Network, status)
        }
    }

    /// A volume event.
    pub fn volume(name: &str, status: EventStatus) -> Event {
        Event {
            name: name.to_string(),
            ..Event::new(EventType::Volume, status)
        }
    }

    /// The JSON line (without newline) Podman writes for this event.
    pub fn to_json(&self) -> Result<String, EventsError> {
        serde_json::to_string(self).map_err(EventsError::Encode)
    }

    /// Parses one line of an events log.
    pub fn from_json(line: &str) -> Result<Event, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// Podman's default text line for `podman events`; `truncate` shortens ids
    /// to 12 characters (`--no-trunc=false`).
    pub fn to_human(&self, truncate: bool) -> String {
        let id = if truncate && self.id.len() > 12 {
            &self.id[..12]
        } else {
            self.id.as_str()
        };
        let t = go_time_string(&self.time);
        match self.kind {
            EventType::Container | EventType::Pod => {
                let mut s = format!(
                    "{t} {} {} {id} (image={}, name={}",
                    self.kind, self.status, self.image, self.name
                );
                if !self.pod_id.is_empty() {
                    s.push_str(&format!(", pod_id={}", self.pod_id));
                }
                if !self.health_status.is_empty() {
                    s.push_str(&format!(", health_status={}", self.health_status));
                }
                for (k, v) in self.attributes.iter().flatten() {
                    s.push_str(&format!(", {k}={v}"));
                }
                s.push(')');
                s
            }
            EventType::Network => format!(
                "{t} {} {} {id} (container={id}, name={})",
                self.kind, self.status, self.network
            ),
            EventType::Image => format!("{t} {} {} {id} {}", self.kind, self.status, self.name),
            EventType::System if self.name.is_empty() => {
                format!("{t} {} {}", self.kind, self.status)
            }
            EventType::System | EventType::Volume | EventType::Machine => {
                format!("{t} {} {} {}", self.kind, self.status, self.name)
            }
        }
    }

    /// The event as `--format` templates see it: every field present (Go's
    /// zero values where unset), `Time` as Go prints a time, `Type`/`Status`
    /// as words, plus `Details` as Podman's embedded struct.
    pub fn template_value(&self) -> serde_json::Value {
        let attrs = self.attributes.clone().unwrap_or_default();
        serde_json::json!({
            "ContainerExitCode": self.container_exit_code.unwrap_or(0),
            "ID": self.id,
            "Image": self.image,
            "Name": self.name,
            "Network": self.network,
            "Status": self.status.as_str(),
            "Time": go_time_string(&self.time),
            "TimeNano": self.time.timestamp_nanos_opt().unwrap_or(0),
            "Type": self.kind.as_str(),
            "HealthStatus": self.health_status,
            "PodID": self.pod_id,
            "Attributes": attrs,
            "Details": {"ID": self.id, "PodID": self.pod_id, "Attributes": attrs},
        })
    }
}

/// The events log a runtime writes to, or `None` when events are off.
pub(crate) fn log_of(p: &Parts) -> Option<EventLog> {
    let cfg = &p.opts.config;
    match cfg.events_logger {
        libpod_config::EventsLogger::File => Some(EventLog::new(
            cfg.events_log_path(),
            cfg.events_logfile_max_size,
        )),
        _ => None,
    }
}

/// Records `ev` (best-effort: a failure is a warning, never the verb's error).
pub(crate) fn emit(p: &Parts, ev: Event) {
    if let Some(log) = log_of(p) {
        if let Err(e) = log.append(&ev) {
            tracing::warn!(error = %e, status = %ev.status, id = %ev.id, "cannot record event");
        }
    }
}

/// Records a container event built from the container's configuration.
pub(crate) fn container(p: &Parts, cfg: &libpod_config::ContainerConfig, status: EventStatus) {
    emit(p, Event::container(cfg, status));
}

/// Records a container event for `id`, reading its configuration (for call
/// sites that hold only the id); nothing when the container is gone.
pub(crate) fn container_by_id(p: &Parts, id: &str, status: EventStatus, exit_code: Option<i32>) {
    if log_of(p).is_none() {
        return;
    }
    match p.state.container(id) {
        Ok((cfg, _)) => {
            let mut ev = Event::container(&cfg, status);
            ev.container_exit_code = exit_code;
            emit(p, ev);
        }
        Err(e) => tracing::debug!(id, error = %e, "no event: container not readable"),
    }
}

impl crate::Pod {
    /// Records a pod event when `r` is Ok; returns `r`.
    pub(crate) fn emitted(&self, r: crate::Result<()>, status: EventStatus) -> crate::Result<()> {
        if r.is_ok() {
            if let (Ok(p), Ok(name)) = (self.rt.parts(), self.name()) {
                emit(&p, Event::pod(self.id(), &name, status));
            }
        }
        r
    }
}

impl crate::Runtime {
    /// The events log this runtime writes, or [`EventsError::Disabled`] when
    /// events are off (`events_logger = "none"`).
    pub fn event_log(&self) -> crate::Result<EventLog> {
        let p = self.inner.parts()?;
        log_of(&p).ok_or_else(|| EventsError::Disabled.into())
    }

    /// Records an event in this runtime's log (best-effort, like the verbs' own
    /// events): for tools that act on the store directly.
    pub fn emit_event(&self, ev: Event) {
        if let Ok(p) = self.inner.parts() {
            emit(&p, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_podmans_fields_and_reads_back() {
        let mut ev = Event::image("abc", "quay.io/x:1", EventStatus::Pull);
        ev.time = DateTime::parse_from_rfc3339("2022-04-06T11:26:42.7236679+02:00").unwrap();
        let s = ev.to_json().unwrap();
        assert_eq!(
            s,
            r#"{"ID":"abc","Name":"quay.io/x:1","Status":"pull","Time":"2022-04-06T11:26:42.7236679+02:00","Type":"image","Attributes":null}"#
        );
        assert_eq!(Event::from_json(&s).unwrap(), ev);
    }

    #[test]
    fn reads_podmans_lines() {
        let line = r#"{"Name":"busybox","Status":"pull","Time":"2022-04-06T11:26:42.723667901+02:00","Type":"image","Attributes":null}"#;
        let ev = Event::from_json(line).unwrap();
        assert_eq!(ev.kind, EventType::Image);
        assert_eq!(ev.status, EventStatus::Pull);
        assert_eq!(ev.attributes, None);
        let odd = r#"{"Status":"brand-new","Time":"2022-04-06T11:26:42Z","Type":"system"}"#;
        assert_eq!(
            Event::from_json(odd).unwrap().status,
            EventStatus::Other("brand-new".into())
        );
        assert!(
            Event::from_json(r#"{"Status":"x","Time":"2022-04-06T11:26:42Z","Type":"bogus"}"#)
                .is_err()
        );
    }

    #[test]
    fn human_lines_follow_podman() {
        let mut cfg = libpod_config::ContainerConfig::new("0123456789abcdef0123", "c1");
        cfg.image = "img:1".into();
        cfg.labels.insert("a".into(), "b".into());
        let mut ev = Event::container(&cfg, EventStatus::Start);
        ev.time = DateTime::parse_from_rfc3339("2022-04-06T11:26:42.5Z").unwrap();
        assert_eq!(
            ev.to_human(true),
            "2022-04-06 11:26:42.5 +0000 UTC container start 0123456789ab (image=img:1, name=c1, a=b)"
        );
        assert!(ev.to_human(false).contains(" 0123456789abcdef0123 "));
        let mut rot = Event::new(EventType::System, EventStatus::Rotate);
        rot.name = "/x/events.log".into();
        assert!(rot
            .to_human(false)
            .ends_with(" system log-rotation /x/events.log"));
    }
}
