//! `lpod network create/ls/inspect/rm`.

use libpod_core::network::CreateNetworkOptions;
use libpod_core::Runtime;

use super::{for_each, print_json, CliError, CmdResult};
use crate::cli::NetworkCommand;
use crate::{format, parse};

/// Runs a `network` subcommand.
pub fn run(rt: &Runtime, cmd: NetworkCommand) -> CmdResult {
    match cmd {
        NetworkCommand::Create(a) => {
            let info = rt.create_network(&CreateNetworkOptions {
                name: a.name,
                bridge: a.interface_name,
                subnet: a.subnet,
                gateway: a.gateway,
                ip_range: a.ip_range,
                labels: parse::labels(&a.label)?,
                ..Default::default()
            })?;
            println!("{}", info.name);
            Ok(0)
        }
        NetworkCommand::Ls(a) => {
            let nets = rt.list_networks()?;
            if format::is_json(a.format.as_deref()) {
                print_json(&nets)?;
            } else if a.quiet {
                for n in &nets {
                    println!("{}", n.name);
                }
            } else if let Some(t) = a.format.as_deref() {
                for n in &nets {
                    let v = serde_json::to_value(n)
                        .map_err(|e| CliError::Usage(format!("encode network: {e}")))?;
                    println!("{}", format::template(t, &v)?);
                }
            } else {
                let rows: Vec<Vec<String>> = nets
                    .iter()
                    .map(|n| {
                        vec![
                            n.name.clone(),
                            n.driver.clone(),
                            n.bridge.clone().unwrap_or_default(),
                            n.subnets
                                .iter()
                                .map(|s| s.subnet.to_string())
                                .collect::<Vec<_>>()
                                .join(","),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    format::table(&["NAME", "DRIVER", "BRIDGE", "SUBNETS"], &rows)
                );
            }
            Ok(0)
        }
        NetworkCommand::Inspect(a) => {
            let mut out = Vec::new();
            for n in &a.names {
                out.push(rt.inspect_network(n)?);
            }
            print_json(&out)?;
            Ok(0)
        }
        NetworkCommand::Rm(a) => for_each(&a.names, |n| {
            rt.remove_network(n, a.force)?;
            println!("{n}");
            Ok(())
        }),
        NetworkCommand::Prune(a) => {
            if !a.force
                && !confirm(
                    "WARNING! This will remove all networks not used by at least one container.",
                )?
            {
                return Ok(0);
            }
            for n in rt.prune_networks()? {
                println!("{n}");
            }
            Ok(0)
        }
    }
}

/// Asks `question` on stderr and reads the answer from stdin: true for y/yes. End of input
/// (a script without a terminal) is no, as Podman.
fn confirm(question: &str) -> Result<bool, CliError> {
    use std::io::Write as _;
    eprint!("{question}\nAre you sure you want to continue? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("read", std::path::Path::new("stdin"), e))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
