//! `lpod network ...` and `run -p/--network` through the real binary over real CNI
//! plugins: a test network of its own (random `lpt<hex>` bridge, random
//! 10.230–250.x.0/24 subnet), a published port on 127.0.0.1, nothing left after rm.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{own_network, Lpod};

fn get(addr: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        match TcpStream::connect(addr) {
            Ok(mut s) => {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let _ = write!(s, "GET / HTTP/1.0\r\n\r\n");
                let mut body = String::new();
                let _ = s.read_to_string(&mut body);
                if body.contains("200") {
                    return body;
                }
                last = body;
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("GET {addr}: {last}");
}

#[test]
fn network_verbs_and_published_port() {
    let Some(l) = Lpod::with_image() else { return };
    let (bridge, name, subnet) = own_network(&l, "lpt");
    // Podman's columns: NETWORK ID, NAME, DRIVER (the subnet is in inspect).
    let ls = l.ok(&["network", "ls"]);
    assert!(ls.contains(&name), "{ls}");
    let subnets = l.ok(&["network", "inspect", &name]);
    assert!(subnets.contains(&subnet), "{subnets}");
    let info: serde_json::Value =
        serde_json::from_str(&l.ok(&["network", "inspect", &name])).expect("json");
    assert_eq!(info[0]["network_interface"], bridge.0.as_str(), "{info}");
    // Podman's document and Go field names in templates (`network inspect --format`).
    assert_eq!(info[0]["name"], name.as_str(), "{info}");
    assert_eq!(info[0]["subnets"][0]["subnet"], subnet.as_str(), "{info}");
    let id = info[0]["id"].as_str().expect("id");
    assert_eq!(id.len(), 64, "{info}");
    assert_eq!(
        l.ok_trim(&[
            "network",
            "inspect",
            "--format",
            "{{.Name}} {{.NetworkInterface}} {{.ID}} {{range .Subnets}}{{.Subnet}}{{end}}",
            &name
        ]),
        format!("{name} {} {id} {subnet}", bridge.0)
    );
    let port = common::reserve_port();
    let publish = format!("127.0.0.1:{port}:80");
    l.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        &name,
        "-p",
        &publish,
        &l.image,
        "sh",
        "-c",
        "mkdir -p /www && echo hello from lpod > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    assert!(get(&format!("127.0.0.1:{port}")).contains("hello from lpod"));
    let ip = l.inspect("web", "{{.NetworkSettings.IPAddress}}");
    assert!(ip.trim().starts_with("10."), "{ip}");
    assert!(get(&format!("{}:80", ip.trim())).contains("hello from lpod"));
    // ps shows the published port, in the table and in JSON.
    assert!(
        l.ok(&["ps"]).contains(&format!("127.0.0.1:{port}->80/tcp")),
        "ps table lacks the port"
    );
    let ps: serde_json::Value =
        serde_json::from_str(&l.ok(&["ps", "--format", "json"])).expect("ps json");
    assert_eq!(ps[0]["Ports"][0]["host_port"], port, "{ps}");
    assert_eq!(ps[0]["Ports"][0]["container_port"], 80, "{ps}");
    // In use: refused without -f, naming the container.
    let refused = l.run(&["network", "rm", &name]);
    refused.assert_error(125, "network rm of a network in use");
    let id = l.inspect("web", "{{.Id}}");
    assert!(
        refused
            .stderr
            .contains(&format!("network {name} is in use by container(s) {id}")),
        "{refused:?}"
    );
    l.ok(&["rm", "-f", "web"]);
    // The container's veth left the bridge (checked while the bridge still exists; the
    // probe fails the test if `ip` does).
    assert!(bridge.exists(), "network rm has not run yet");
    assert_eq!(bridge.ports(), Vec::<String>::new());
    l.ok(&["network", "rm", &name]);
    assert!(!l.ok(&["network", "ls"]).contains(&name));
    assert!(!bridge.exists(), "network rm leaves bridge {}", bridge.0);
}
