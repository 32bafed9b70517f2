//! `lpod events`: prints the events log, filtered, as Podman's text lines, a Go
//! template per event, or JSON lines; follows new events unless `--stream=false`.

use std::io::Write as _;
use std::time::Duration;

use libpod_core::events::{Event, EventFilter, EventsError};
use libpod_core::Runtime;

use super::{CliError, CmdResult};
use crate::cli::EventsArgs;
use crate::format;

/// How often a streaming reader looks for new events.
const POLL: Duration = Duration::from_millis(100);

fn core(e: EventsError) -> CliError {
    CliError::Core(e.into())
}

/// `lpod events`.
pub fn events(rt: &Runtime, a: EventsArgs) -> CmdResult {
    let log = rt.event_log()?;
    let filter =
        EventFilter::parse(&a.filter, a.since.as_deref(), a.until.as_deref()).map_err(core)?;
    let json = format::is_json(a.format.as_deref());
    let tpl = match a.format.as_deref().filter(|_| !json) {
        Some(t) => Some(format::Template::parse(t)?),
        None => None,
    };
    let print = |ev: &Event| -> Result<(), CliError> {
        let line = if json {
            ev.to_json().map_err(core)?
        } else if let Some(t) = &tpl {
            t.render(&ev.template_value())?
        } else {
            ev.to_human(!a.no_trunc)
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        Ok(())
    };
    if !a.stream {
        for ev in log.read_all().map_err(core)? {
            if filter.matches(&ev) {
                print(&ev)?;
            }
        }
        return Ok(0);
    }
    // Following: from the start when a time window was asked for, else only new events.
    let from_start = a.since.is_some() || a.until.is_some();
    let mut follower = log.follow(from_start);
    loop {
        for ev in follower.poll().map_err(core)? {
            if filter.matches(&ev) {
                print(&ev)?;
            }
        }
        if let Some(until) = filter.until() {
            if chrono::Utc::now().fixed_offset() >= until {
                return Ok(0);
            }
        }
        std::thread::sleep(POLL);
    }
}
