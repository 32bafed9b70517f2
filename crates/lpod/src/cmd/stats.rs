//! `stats`, `pod stats`, `top` and `update`: resource usage, processes and limits of
//! running containers, printed as Podman prints them.

use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use libpod_core::container::human_size;
use libpod_core::libpod_config::ContainerStatus;
use libpod_core::stats::ContainerStats;
use libpod_core::{Container, Runtime};
use serde_json::{json, Value};

use super::{print_json, CliError, CmdResult};
use crate::cli::{PodStatsArgs, StatsArgs, TopArgs, UpdateArgs};
use crate::{format, parse};

/// Podman's default `stats` columns.
const STATS_DEFAULT: &str = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t{{.UpTime}}\t{{.AVGCPU}}";

/// Podman's default `pod stats` columns.
const POD_STATS_DEFAULT: &str = "{{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}";

/// Podman's column titles of the stats fields.
fn stats_headers() -> Value {
    json!({
        "ID": "ID", "ContainerID": "CONTAINER ID", "CID": "CID", "Pod": "POD",
        "Name": "NAME", "CPUPerc": "CPU %", "CPU": "CPU %", "AVGCPU": "AVG CPU %",
        "AvgCPU": "AVG CPU %", "MemUsage": "MEM USAGE / LIMIT",
        "MemUsageBytes": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "Mem": "MEM %",
        "MemLimit": "MEM LIMIT", "NetIO": "NET IO", "NetInput": "NET INPUT",
        "NetOutput": "NET OUTPUT", "BlockIO": "BLOCK IO", "BlockInput": "BLOCK INPUT",
        "BlockOutput": "BLOCK OUTPUT", "PIDS": "PIDS", "PIDs": "PIDS",
        "UpTime": "CPU TIME", "Up": "CPU TIME", "Duration": "DURATION",
        "CPUNano": "CPU NANO", "CPUSystemNano": "CPU SYSTEM NANO",
        "SystemNano": "SYSTEM NANO", "PerCPU": "PER CPU", "Network": "NETWORK",
    })
}

/// `pod stats` titles: Podman 4's own spelling of the memory column.
fn pod_stats_headers() -> Value {
    let mut h = stats_headers();
    h["MemUsage"] = json!("MEM USAGE/ LIMIT");
    h["MemUsageBytes"] = json!("MEM USAGE/ LIMIT");
    h
}

/// Podman's `%.2f%`.
fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}%")
    } else {
        "--".into()
    }
}

/// Go units' `HumanSize` (decimal, 4 significant digits: `33.55MB`).
fn human(v: u64) -> String {
    human_size(v as f64)
}

/// Go units' `BytesSize` (binary, 4 significant digits: `32MiB`).
fn bytes_size(v: u64) -> String {
    libpod_core::container::bytes_size(v as f64)
}

/// The template fields of one container's stats (Podman's names), or `--` for a
/// container that does not run (`stats --all`).
fn stats_row(id: &str, name: &str, pod: &str, s: Option<&ContainerStats>, no_trunc: bool) -> Value {
    let short = format::short_id(id, no_trunc).to_string();
    let Some(s) = s else {
        return json!({
            "ID": short, "ContainerID": id, "CID": short, "Name": name,
            "Pod": format::short_id(pod, no_trunc),
            "CPUPerc": "--", "CPU": "--", "AVGCPU": "--", "AvgCPU": "--",
            "MemUsage": "-- / --", "MemUsageBytes": "-- / --", "MemPerc": "--", "Mem": "--",
            "MemLimit": 0, "NetIO": "-- / --", "NetInput": 0, "NetOutput": 0,
            "BlockIO": "-- / --", "BlockInput": 0, "BlockOutput": 0, "PIDS": "--", "PIDs": 0,
            "UpTime": "--", "Up": "--", "Duration": 0, "CPUNano": 0, "CPUSystemNano": 0,
            "SystemNano": 0, "PerCPU": [], "Network": {},
        });
    };
    let uptime = libpod_core::top::go_duration(u128::from(s.cpu_nano));
    let network: BTreeMap<&String, Value> = s
        .network
        .iter()
        .flatten()
        .map(|(n, io)| (n, json!({"RxBytes": io.rx_bytes, "TxBytes": io.tx_bytes})))
        .collect();
    json!({
        "ID": short, "ContainerID": id, "CID": short, "Name": name,
        "Pod": format::short_id(pod, no_trunc),
        "CPUPerc": percent(s.cpu_percent), "CPU": percent(s.cpu_percent),
        "AVGCPU": percent(s.avg_cpu_percent), "AvgCPU": s.avg_cpu_percent,
        "MemUsage": format!("{} / {}", human(s.mem_usage), human(s.mem_limit)),
        "MemUsageBytes": format!("{} / {}", bytes_size(s.mem_usage), bytes_size(s.mem_limit)),
        "MemPerc": percent(s.mem_perc), "Mem": percent(s.mem_perc), "MemLimit": s.mem_limit,
        "NetIO": format!("{} / {}", human(s.net_input), human(s.net_output)),
        "NetInput": s.net_input, "NetOutput": s.net_output,
        "BlockIO": format!("{} / {}", human(s.block_input), human(s.block_output)),
        "BlockInput": s.block_input, "BlockOutput": s.block_output,
        "PIDS": s.pids.to_string(), "PIDs": s.pids,
        "UpTime": uptime, "Up": uptime, "Duration": s.cpu_nano,
        "CPUNano": s.cpu_nano, "CPUSystemNano": s.cpu_system_nano,
        "SystemNano": s.system_nano, "PerCPU": s.per_cpu, "Network": network,
    })
}

/// Podman's `stats --format json` object (its string fields).
fn json_stats(row: &Value) -> Value {
    json!({
        "id": row["ID"], "name": row["Name"], "cpu_time": row["UpTime"],
        "cpu_percent": row["CPUPerc"], "avg_cpu": row["AVGCPU"],
        "mem_usage": row["MemUsage"], "mem_percent": row["MemPerc"],
        "net_io": row["NetIO"], "block_io": row["BlockIO"], "pids": row["PIDS"],
    })
}

/// Podman's `pod stats --format json` object.
fn json_pod_stats(row: &Value) -> Value {
    json!({
        "CPU": row["CPU"], "MemUsage": row["MemUsage"], "MemUsageBytes": row["MemUsageBytes"],
        "Mem": row["Mem"], "NetIO": row["NetIO"], "BlockIO": row["BlockIO"],
        "PIDS": row["PIDS"], "Pod": row["Pod"], "CID": row["CID"], "Name": row["Name"],
    })
}

/// How the samples are printed: the format is parsed once, before the first sample.
struct Printer {
    /// `None` for JSON.
    rows: Option<format::Rows>,
    json: fn(&Value) -> Value,
    /// Clear the screen before each sample (a terminal, without `--no-reset`).
    redraw: bool,
}

impl Printer {
    fn new(
        format: Option<&str>,
        default: &'static str,
        json: fn(&Value) -> Value,
        headers: &Value,
        no_reset: bool,
        stream: bool,
    ) -> Result<Printer, CliError> {
        let rows = if format::is_json(format) {
            None
        } else {
            let tpl = match format {
                Some(f) => f.to_string(),
                None => format!("table {default}"),
            };
            Some(format::Rows::parse(&tpl, default, headers)?)
        };
        Ok(Printer {
            rows,
            json,
            redraw: stream && !no_reset && std::io::stdout().is_terminal(),
        })
    }

    fn print(&self, rows: &[Value]) -> Result<(), CliError> {
        if self.redraw {
            // Clear the screen and home the cursor, as Podman's goterm does.
            print!("\x1b[2J\x1b[H");
        }
        match &self.rows {
            None => {
                let out: Vec<Value> = rows.iter().map(self.json).collect();
                print_json(&out)?;
            }
            Some(t) => print!("{}", t.render(rows, false)?),
        }
        std::io::stdout()
            .flush()
            .map_err(|e| CliError::io("write", "stdout", e))?;
        Ok(())
    }
}

fn interval(i: i64) -> Result<Duration, CliError> {
    if i < 1 {
        return Err(CliError::Usage(
            "invalid interval, must be a positive number greater zero".into(),
        ));
    }
    Ok(Duration::from_secs(i as u64))
}

/// Whether a core error means "this container does not run (any more)".
fn not_running(e: &libpod_core::Error) -> bool {
    matches!(
        e,
        libpod_core::Error::InvalidState { .. } | libpod_core::Error::NoSuchContainer(_)
    )
}

/// `lpod stats`: samples of the named containers (each must run), of every running
/// container, or with `--all` of every container (`--` for those that do not run),
/// every `--interval` seconds until interrupted, or once with `--no-stream`.
pub fn stats(rt: &Runtime, a: StatsArgs) -> CmdResult {
    if a.all && !a.containers.is_empty() {
        return Err(CliError::Usage(
            "--all, --latest and containers cannot be used together".into(),
        ));
    }
    let every = interval(a.interval)?;
    let printer = Printer::new(
        a.format.as_deref(),
        STATS_DEFAULT,
        json_stats,
        &stats_headers(),
        a.no_reset,
        !a.no_stream,
    )?;
    // Named containers are resolved once (a typo fails before any output).
    let named: Vec<Container> = a
        .containers
        .iter()
        .map(|n| rt.container(n))
        .collect::<Result<_, _>>()?;
    let mut previous: BTreeMap<String, ContainerStats> = BTreeMap::new();
    loop {
        let mut rows = Vec::new();
        let mut seen = BTreeMap::new();
        let mut push = |rows: &mut Vec<Value>, s: ContainerStats| {
            let pod = s.pod_id.clone().unwrap_or_default();
            rows.push(stats_row(
                &s.container_id,
                &s.name,
                &pod,
                Some(&s),
                a.no_trunc,
            ));
            seen.insert(s.container_id.clone(), s);
        };
        if named.is_empty() {
            // One listing a sample: status, name and pod of each; only running or
            // paused containers are sampled (they may stop or go meanwhile).
            for summary in rt.list_containers()? {
                let sample = if matches!(
                    summary.status,
                    ContainerStatus::Running | ContainerStatus::Paused
                ) {
                    match rt
                        .container(&summary.id)
                        .and_then(|c| c.stats(previous.get(&summary.id)))
                    {
                        Ok(s) => Some(s),
                        Err(e) if not_running(&e) => None,
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    None
                };
                match sample {
                    Some(s) => push(&mut rows, s),
                    None if a.all => rows.push(stats_row(
                        &summary.id,
                        &summary.name,
                        &summary.pod,
                        None,
                        a.no_trunc,
                    )),
                    None => {}
                }
            }
        } else {
            // A named container must run.
            for c in &named {
                push(&mut rows, c.stats(previous.get(c.id()))?);
            }
        }
        previous = seen;
        printer.print(&rows)?;
        if a.no_stream {
            return Ok(0);
        }
        std::thread::sleep(every);
    }
}

/// `lpod pod stats`: the stats of every running member of the named pods (default:
/// every pod), Podman's pod columns.
pub fn pod_stats(rt: &Runtime, a: PodStatsArgs) -> CmdResult {
    if a.all && !a.pods.is_empty() {
        return Err(CliError::Usage(
            "--all, --latest and arguments cannot be used together".into(),
        ));
    }
    let every = interval(a.interval)?;
    let printer = Printer::new(
        a.format.as_deref(),
        POD_STATS_DEFAULT,
        json_pod_stats,
        &pod_stats_headers(),
        a.no_reset,
        !a.no_stream,
    )?;
    let named = a
        .pods
        .iter()
        .map(|p| rt.pod(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut previous: BTreeMap<String, ContainerStats> = BTreeMap::new();
    loop {
        let pods = if named.is_empty() {
            rt.pods()?
        } else {
            named.clone()
        };
        let mut rows = Vec::new();
        let mut seen = BTreeMap::new();
        for pod in &pods {
            for s in pod.stats(&previous)? {
                let pod_id = s.pod_id.clone().unwrap_or_default();
                rows.push(stats_row(
                    &s.container_id,
                    &s.name,
                    &pod_id,
                    Some(&s),
                    false,
                ));
                seen.insert(s.container_id.clone(), s);
            }
        }
        previous = seen;
        if rows.is_empty() && a.format.is_none() {
            // Podman's default table shows one row of `--` when nothing runs.
            rows.push(json!({
                "Pod": "--", "CID": "--", "Name": "--", "CPU": "--", "MemUsage": "--",
                "Mem": "--", "NetIO": "--", "BlockIO": "--", "PIDS": "--",
            }));
        }
        printer.print(&rows)?;
        if a.no_stream {
            return Ok(0);
        }
        std::thread::sleep(every);
    }
}

/// `lpod top CONTAINER [DESCRIPTORS...]`.
pub fn top(rt: &Runtime, a: TopArgs) -> CmdResult {
    let c = rt.container(&a.container)?;
    let t = c.top_with(&a.descriptors)?;
    if t.header.len() == 1 && t.rows.iter().all(|r| r.len() == 1) && !a.descriptors.is_empty() {
        // ps(1)'s own lines: printed as ps wrote them.
        let mut out = String::new();
        for line in t.header.iter().chain(t.rows.iter().flatten()) {
            out.push_str(line);
            out.push('\n');
        }
        print!("{out}");
        return Ok(0);
    }
    let head: Vec<&str> = t.header.iter().map(String::as_str).collect();
    print!("{}", format::table(&head, &t.rows));
    Ok(0)
}

/// A size flag of `update`: `-1` for none, else Docker's size syntax.
fn size_or_none(flag: &str, v: &str) -> Result<i64, CliError> {
    if v.trim() == "-1" {
        return Ok(-1);
    }
    let b = parse::memory_bytes(v)?;
    i64::try_from(b).map_err(|_| CliError::Usage(format!("{flag}: {v} is too large")))
}

/// `lpod update [LIMITS] CONTAINER`: prints the container's id, as Podman.
pub fn update(rt: &Runtime, a: UpdateArgs) -> CmdResult {
    let (cpu_quota, cpu_period) = match &a.cpus {
        Some(c) => {
            if a.cpu_quota.is_some() || a.cpu_period.is_some() {
                return Err(CliError::Usage(
                    "--cpus and --cpu-quota/--cpu-period cannot be used together".into(),
                ));
            }
            let (q, p) = parse::cpus(c)?;
            (Some(q), Some(p))
        }
        None => (a.cpu_quota, a.cpu_period),
    };
    let u = libpod_core::ResourceUpdate {
        memory: a
            .memory
            .as_deref()
            .map(|m| size_or_none("--memory", m))
            .transpose()?,
        memory_swap: a
            .memory_swap
            .as_deref()
            .map(|m| size_or_none("--memory-swap", m))
            .transpose()?,
        cpu_quota,
        cpu_period,
        cpu_shares: a.cpu_shares,
        pids: a.pids_limit,
    };
    let c = rt.container(&a.container)?;
    c.update(&u)?;
    println!("{}", c.id());
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_percents_read_like_podman() {
        assert_eq!(bytes_size(32 * 1024 * 1024), "32MiB");
        assert_eq!(bytes_size(1536), "1.5KiB");
        assert_eq!(bytes_size(0), "0B");
        assert_eq!(percent(12.345), "12.35%");
        assert_eq!(percent(0.0), "0.00%");
        assert_eq!(human(33_554_432), "33.55MB");
    }

    #[test]
    fn a_stopped_container_reads_dashes() {
        let r = stats_row(&"a".repeat(64), "web", "", None, false);
        assert_eq!(r["ID"], "aaaaaaaaaaaa");
        assert_eq!(r["CPUPerc"], "--");
        assert_eq!(r["MemUsage"], "-- / --");
        assert_eq!(json_stats(&r)["pids"], "--");
    }
}
