//! Failpoints of libpod-net: named steps inside network setup and teardown at which a
//! test can make a process die as if killed with `kill -9` (see [`libpod_failpoint`]),
//! listed here so that the crash tests can walk every one of them.
//!
//! The ADD and DEL chains have one failpoint per position in the chain (the first,
//! second and third plugin run), not per plugin type: a configuration may name any
//! plugin, and lpod's own bridge networks run three (bridge, portmap, firewall; tuning
//! only with a MTU or isolation option). A chain longer than three plugins has no
//! failpoint after its later plugins.
//!
//! ```
//! // Nothing happens unless LPOD_FAILPOINT names this step.
//! libpod_net::failpoint::hit("net.netns.after_create");
//! assert!(libpod_net::failpoint::NET.contains(&"net.add.after_result_cached"));
//! ```

pub use libpod_failpoint::{armed_name, ENV};

/// Failpoints inside libpod-net.
pub const NET: &[&str] = &[
    // netns pinned, CNI not yet run
    "net.netns.after_create",
    // the attempt record written before the first plugin runs
    "net.add.after_attempt_cached",
    // ADD chain: after the 1st, 2nd, 3rd plugin's ADD returned
    "net.add.after_plugin_1",
    "net.add.after_plugin_2",
    "net.add.after_plugin_3",
    // the final ADD result cached (the attachment is complete)
    "net.add.after_result_cached",
    // DEL chain (reverse order): after the 1st and 2nd plugin's DEL returned
    "net.del.after_plugin_1",
    "net.del.after_plugin_2",
];

/// How many chain positions have a failpoint (`net.add.after_plugin_N`, N from 1).
const CHAIN_POINTS: usize = 3;

/// Reach the failpoint `name`: if `LPOD_FAILPOINT` names it, die now with `SIGKILL`.
///
/// In debug builds a name missing from [`NET`] panics, so the list stays complete.
pub fn hit(name: &str) {
    libpod_failpoint::debug_check_listed(NET, "libpod_net::failpoint::NET", name);
    libpod_failpoint::hit(name);
}

/// The ADD chain's failpoint after the plugin at `index` (0-based), if it has one.
pub(crate) fn hit_add_step(index: usize) {
    const ADD: [&str; CHAIN_POINTS] = [
        "net.add.after_plugin_1",
        "net.add.after_plugin_2",
        "net.add.after_plugin_3",
    ];
    if let Some(name) = ADD.get(index) {
        hit(name);
    }
}

/// The DEL chain's failpoint after its `done`-th plugin (1-based count of plugins run).
pub(crate) fn hit_del_step(done: usize) {
    const DEL: [&str; 2] = ["net.del.after_plugin_1", "net.del.after_plugin_2"];
    if let Some(name) = done.checked_sub(1).and_then(|i| DEL.get(i)) {
        hit(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut seen = std::collections::HashSet::new();
        for n in NET {
            assert!(seen.insert(*n), "duplicate failpoint {n}");
            assert!(
                n.starts_with("net."),
                "failpoint {n} should be net.verb.step"
            );
        }
    }

    #[test]
    fn chain_steps_are_listed_and_bounded() {
        // Unarmed: every position is harmless, listed or not (debug check passes).
        for i in 0..10 {
            hit_add_step(i);
            hit_del_step(i);
        }
    }
}
