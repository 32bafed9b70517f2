//! Container statuses and the one table that says which operation is allowed
//! from which status and where it leads.
//!
//! The table is [`RULES`]; [`check`] is the only way to read it. `libpod-core`
//! calls `check` before every lifecycle verb and stores [`Transition::target`]
//! when the verb succeeds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The nine statuses of a container (Podman 6's set and words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    /// The status could not be determined.
    Unknown,
    /// Exists in the database only; nothing was created in the OCI runtime.
    Configured,
    /// Created in the OCI runtime (conmon running), process not yet started.
    Created,
    /// The container process runs.
    Running,
    /// The process stopped but the runtime has not been cleaned up yet.
    Stopped,
    /// The process is frozen (cgroup freezer).
    Paused,
    /// The process exited and the runtime was cleaned up.
    Exited,
    /// The container is being removed.
    Removing,
    /// A stop was requested and the process has not exited yet.
    Stopping,
}

impl ContainerStatus {
    /// Every status, in declaration order.
    pub const ALL: [ContainerStatus; 9] = [
        ContainerStatus::Unknown,
        ContainerStatus::Configured,
        ContainerStatus::Created,
        ContainerStatus::Running,
        ContainerStatus::Stopped,
        ContainerStatus::Paused,
        ContainerStatus::Exited,
        ContainerStatus::Removing,
        ContainerStatus::Stopping,
    ];

    /// Podman's lowercase word for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Unknown => "unknown",
            ContainerStatus::Configured => "configured",
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Stopped => "stopped",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Stopping => "stopping",
        }
    }

    /// The status a container has after the machine rebooted (the runtime's
    /// `refresh`): every process is gone, so anything that ran is `Exited`,
    /// anything only created is `Configured` again; `Removing` stays so the
    /// interrupted removal is finished.
    pub fn after_reboot(self) -> ContainerStatus {
        match self {
            ContainerStatus::Running
            | ContainerStatus::Paused
            | ContainerStatus::Stopped
            | ContainerStatus::Stopping
            | ContainerStatus::Exited => ContainerStatus::Exited,
            ContainerStatus::Created | ContainerStatus::Configured | ContainerStatus::Unknown => {
                ContainerStatus::Configured
            }
            ContainerStatus::Removing => ContainerStatus::Removing,
        }
    }

    /// True while a process of the container may exist (running, paused or stopping).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Stopping
        )
    }

    /// True while a conmon may monitor the container: created in the runtime
    /// or [active](Self::is_active). An exit is looked for only in these.
    pub fn is_monitored(self) -> bool {
        self == ContainerStatus::Created || self.is_active()
    }

    /// True once the process ran and exited (`Stopped` before cleanup, `Exited` after).
    pub fn has_exited(self) -> bool {
        matches!(self, ContainerStatus::Stopped | ContainerStatus::Exited)
    }

    /// The status after the runtime side of the container was torn down
    /// (runtime container, network, mount): the [`Operation::Cleanup`] row's
    /// target where the table allows cleanup; a forced teardown of anything
    /// else (removal, recovery of a crashed operation) leaves `Exited`, except
    /// that `Removing` stays (the row goes right after).
    pub fn after_teardown(self) -> ContainerStatus {
        match check(Operation::Cleanup, self) {
            Ok(t) => t.target(),
            Err(_) if self == ContainerStatus::Removing => ContainerStatus::Removing,
            Err(_) => ContainerStatus::Exited,
        }
    }
}

impl fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the nine status words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown container status {0:?}")]
pub struct ParseStatusError(pub String);

impl FromStr for ContainerStatus {
    type Err = ParseStatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContainerStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ParseStatusError(s.to_string()))
    }
}

/// A lifecycle operation on a container (and the operation a journal entry
/// names, pods included: see `libpod-core`'s journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Create the container (or pod) in the database and storage. Not in the
    /// table: before it there is no status to start from, after it the
    /// container is `Configured`.
    Create,
    /// Create the container in the OCI runtime (conmon + `runtime create`).
    Init,
    /// Start the process (initialising first if needed).
    Start,
    /// Stop signal, then SIGKILL after the timeout.
    Stop,
    /// Send a signal.
    Kill,
    /// Freeze.
    Pause,
    /// Thaw.
    Unpause,
    /// Stop (if running) then start.
    Restart,
    /// Tear down runtime, network and mounts after the process is gone.
    Cleanup,
    /// Remove a container that is not running.
    Remove,
    /// Remove, stopping the container first if it runs (`rm --force`).
    RemoveForce,
    /// Wait for the container to exit.
    Wait,
    /// Run an extra process in the container.
    Exec,
    /// Attach to the container's streams.
    Attach,
}

impl Operation {
    /// Every operation, in declaration order.
    pub const ALL: [Operation; 14] = [
        Operation::Create,
        Operation::Init,
        Operation::Start,
        Operation::Stop,
        Operation::Kill,
        Operation::Pause,
        Operation::Unpause,
        Operation::Restart,
        Operation::Cleanup,
        Operation::Remove,
        Operation::RemoveForce,
        Operation::Wait,
        Operation::Exec,
        Operation::Attach,
    ];

    /// The verb as a lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Init => "init",
            Operation::Start => "start",
            Operation::Stop => "stop",
            Operation::Kill => "kill",
            Operation::Pause => "pause",
            Operation::Unpause => "unpause",
            Operation::Restart => "restart",
            Operation::Cleanup => "cleanup",
            Operation::Remove => "remove",
            Operation::RemoveForce => "remove --force",
            Operation::Wait => "wait",
            Operation::Exec => "exec",
            Operation::Attach => "attach",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the operation words of [`Operation::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown container operation {0:?}")]
pub struct ParseOperationError(pub String);

impl FromStr for Operation {
    type Err = ParseOperationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| op.as_str() == s)
            .ok_or_else(|| ParseOperationError(s.to_string()))
    }
}

/// What an allowed operation does to the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The operation runs and the container ends in this status.
    Becomes(ContainerStatus),
    /// The operation runs (e.g. a signal is sent, a process is exec'd) and the
    /// status stays as it is.
    Unchanged,
    /// Nothing to do: the operation succeeds without touching the container
    /// (e.g. stopping an exited container).
    NoOp,
}

/// One row of the table: `op` from any status in `from` has `outcome`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The operation.
    pub op: Operation,
    /// The statuses this row applies to.
    pub from: &'static [ContainerStatus],
    /// What happens.
    pub outcome: Outcome,
    /// The status held while the operation is in progress, if any (stop holds
    /// `Stopping` so that other processes are not blocked; remove holds `Removing`).
    pub via: Option<ContainerStatus>,
}

use ContainerStatus as S;
use Operation as O;
use Outcome::{Becomes, NoOp, Unchanged};

const fn rule(op: Operation, from: &'static [ContainerStatus], outcome: Outcome) -> Rule {
    Rule {
        op,
        from,
        outcome,
        via: None,
    }
}

const fn rule_via(
    op: Operation,
    from: &'static [ContainerStatus],
    outcome: Outcome,
    via: ContainerStatus,
) -> Rule {
    Rule {
        op,
        from,
        outcome,
        via: Some(via),
    }
}

/// THE table. A pair (operation, status) that appears in no row is refused.
///
/// Podman semantics (libpod `container_api.go` / `container_internal.go`), with
/// the deliberate choices marked *lpod*:
/// - init: Configured/Stopped/Exited → Created; Created is refused ("already
///   created in runtime"), as in Podman.
/// - start: Configured/Created/Stopped/Exited → Running (init on the way as
///   needed). *lpod*: start of a Running container is a no-op success (Podman's
///   CLI reports success too; its libpod call errors).
/// - stop: Created/Running/Stopping → Exited via Stopping. Stopped/Exited is a
///   no-op (Podman returns ErrCtrStopped, which its CLI treats as success).
///   *lpod*: Configured is a no-op too (nothing runs), and Paused is allowed
///   (the runtime kills the frozen process and thaws it; Podman refuses).
/// - kill: Running/Stopping/Paused, status unchanged (the exit is observed later).
/// - pause: Running → Paused. unpause: Paused → Running.
/// - restart: Configured/Created/Running/Stopped/Exited → Running (Podman
///   refuses paused and unknown containers).
/// - cleanup: Created → Configured, Stopped/Stopping → Exited, Configured and
///   Exited are a no-op; refused while Running/Paused ("refusing to clean up").
/// - remove: Unknown/Configured/Created/Stopped/Exited → Removing; refused for
///   Running/Paused/Stopping unless forced (`RemoveForce` also accepts them).
/// - wait: any status, unchanged. exec: Running only. attach: Created/Running.
pub const RULES: &[Rule] = &[
    rule(
        O::Init,
        &[S::Configured, S::Stopped, S::Exited],
        Becomes(S::Created),
    ),
    rule(
        O::Start,
        &[S::Configured, S::Created, S::Stopped, S::Exited],
        Becomes(S::Running),
    ),
    rule(O::Start, &[S::Running], NoOp),
    rule_via(
        O::Stop,
        &[S::Created, S::Running, S::Stopping, S::Paused],
        Becomes(S::Exited),
        S::Stopping,
    ),
    rule(O::Stop, &[S::Configured, S::Stopped, S::Exited], NoOp),
    rule(O::Kill, &[S::Running, S::Stopping, S::Paused], Unchanged),
    rule(O::Pause, &[S::Running], Becomes(S::Paused)),
    rule(O::Unpause, &[S::Paused], Becomes(S::Running)),
    rule(
        O::Restart,
        &[S::Configured, S::Created, S::Running, S::Stopped, S::Exited],
        Becomes(S::Running),
    ),
    rule(O::Cleanup, &[S::Created], Becomes(S::Configured)),
    rule(O::Cleanup, &[S::Stopped, S::Stopping], Becomes(S::Exited)),
    rule(O::Cleanup, &[S::Configured, S::Exited], NoOp),
    rule(
        O::Remove,
        &[S::Unknown, S::Configured, S::Created, S::Stopped, S::Exited],
        Becomes(S::Removing),
    ),
    rule(
        O::RemoveForce,
        &[
            S::Unknown,
            S::Configured,
            S::Created,
            S::Running,
            S::Stopped,
            S::Paused,
            S::Exited,
            S::Stopping,
            S::Removing,
        ],
        Becomes(S::Removing),
    ),
    rule(O::Wait, &ContainerStatus::ALL, Unchanged),
    rule(O::Exec, &[S::Running], Unchanged),
    rule(O::Attach, &[S::Created, S::Running], Unchanged),
];

/// The verdict of the table for one (operation, status) pair that is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The operation.
    pub op: Operation,
    /// The status it starts from.
    pub from: ContainerStatus,
    /// What it does.
    pub outcome: Outcome,
    /// The status held while it is in progress, if any.
    pub via: Option<ContainerStatus>,
}

impl Transition {
    /// The status the container has once the operation succeeded.
    pub fn target(&self) -> ContainerStatus {
        match self.outcome {
            Outcome::Becomes(s) => s,
            Outcome::Unchanged | Outcome::NoOp => self.from,
        }
    }

    /// True if the operation has nothing to do.
    pub fn is_noop(&self) -> bool {
        self.outcome == Outcome::NoOp
    }

    /// The status to hold while the operation runs: the row's `via`, else the
    /// status it starts from.
    pub fn in_progress(&self) -> ContainerStatus {
        self.via.unwrap_or(self.from)
    }
}

/// An operation that the table refuses in the given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {op} a container in status {status:?} (allowed from: {allowed})", status = status.as_str(), allowed = AllowedList(*op))]
pub struct TransitionError {
    /// The refused operation.
    pub op: Operation,
    /// The status it was refused in.
    pub status: ContainerStatus,
}

struct AllowedList(Operation);

impl fmt::Display for AllowedList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in allowed_from(self.0) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            f.write_str(s.as_str())?;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// Every status from which `op` is allowed (no-ops included), in status order.
pub fn allowed_from(op: Operation) -> Vec<ContainerStatus> {
    ContainerStatus::ALL
        .into_iter()
        .filter(|s| check(op, *s).is_ok())
        .collect()
}

/// Looks `(op, status)` up in [`RULES`].
pub fn check(op: Operation, status: ContainerStatus) -> Result<Transition, TransitionError> {
    RULES
        .iter()
        .find(|r| r.op == op && r.from.contains(&status))
        .map(|r| Transition {
            op,
            from: status,
            outcome: r.outcome,
            via: r.via,
        })
        .ok_or(TransitionError { op, status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn status_words_round_trip() {
        for s in ContainerStatus::ALL {
            assert_eq!(s.to_string().parse::<ContainerStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        let err = "zombie".parse::<ContainerStatus>().unwrap_err();
        assert!(err.to_string().contains("zombie"));
    }

    #[test]
    fn operation_words_round_trip() {
        for op in Operation::ALL {
            assert_eq!(op.as_str().parse::<Operation>().unwrap(), op);
        }
        // The words journal entries were written with before the enum.
        for w in ["create", "init", "start", "stop", "cleanup", "remove"] {
            assert_eq!(w.parse::<Operation>().unwrap().as_str(), w);
        }
        let err = "explode".parse::<Operation>().unwrap_err();
        assert!(err.to_string().contains("explode"));
        assert!(check(Operation::Create, ContainerStatus::Configured).is_err());
    }

    #[test]
    fn predicates_and_teardown_follow_the_table() {
        use ContainerStatus::*;
        for s in ContainerStatus::ALL {
            assert_eq!(
                s.is_monitored(),
                matches!(s, Created | Running | Paused | Stopping),
                "{s}"
            );
            assert_eq!(s.has_exited(), matches!(s, Stopped | Exited), "{s}");
            let expect = match s {
                Created | Configured => Configured,
                Removing => Removing,
                _ => Exited,
            };
            assert_eq!(s.after_teardown(), expect, "{s}");
        }
        let stop = check(Operation::Stop, Running).unwrap();
        assert_eq!(stop.in_progress(), Stopping);
        assert_eq!(
            check(Operation::Pause, Running).unwrap().in_progress(),
            Running
        );
    }

    #[test]
    fn table_has_no_overlapping_rows() {
        for op in Operation::ALL {
            for s in ContainerStatus::ALL {
                let n = RULES
                    .iter()
                    .filter(|r| r.op == op && r.from.contains(&s))
                    .count();
                assert!(n <= 1, "{op} from {s} appears in {n} rows");
            }
        }
    }

    #[test]
    fn podman_facts() {
        use ContainerStatus::*;
        assert_eq!(
            check(Operation::Init, Configured).unwrap().target(),
            Created
        );
        assert!(check(Operation::Init, Created).is_err());
        assert_eq!(check(Operation::Start, Exited).unwrap().target(), Running);
        assert!(check(Operation::Start, Running).unwrap().is_noop());
        assert!(check(Operation::Stop, Exited).unwrap().is_noop());
        let stop = check(Operation::Stop, Running).unwrap();
        assert_eq!((stop.target(), stop.via), (Exited, Some(Stopping)));
        assert!(check(Operation::Kill, Paused).is_ok());
        assert!(check(Operation::Kill, Exited).is_err());
        assert!(check(Operation::Pause, Paused).is_err());
        assert_eq!(check(Operation::Unpause, Paused).unwrap().target(), Running);
        assert!(check(Operation::Restart, Paused).is_err());
        assert!(check(Operation::Cleanup, Running).is_err());
        assert_eq!(
            check(Operation::Cleanup, Created).unwrap().target(),
            Configured
        );
        assert!(check(Operation::Remove, Running).is_err());
        assert_eq!(
            check(Operation::RemoveForce, Running).unwrap().target(),
            Removing
        );
        assert!(check(Operation::Exec, Created).is_err());
        assert!(check(Operation::Attach, Created).is_ok());
        for s in ContainerStatus::ALL {
            assert!(check(Operation::Wait, s).is_ok());
        }
    }

    #[test]
    fn error_names_op_and_status() {
        let e = check(Operation::Pause, ContainerStatus::Exited).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("pause"), "{msg}");
        assert!(msg.contains("exited"), "{msg}");
        assert!(msg.contains("running"), "{msg}");
    }

    #[test]
    fn after_reboot_mapping() {
        use ContainerStatus::*;
        for (from, to) in [
            (Running, Exited),
            (Paused, Exited),
            (Stopped, Exited),
            (Stopping, Exited),
            (Exited, Exited),
            (Created, Configured),
            (Configured, Configured),
            (Unknown, Configured),
            (Removing, Removing),
        ] {
            assert_eq!(from.after_reboot(), to, "{from}");
        }
    }

    /// A tiny model container: only its status, changed solely through the table.
    #[derive(Debug)]
    struct Model {
        status: ContainerStatus,
    }

    impl Model {
        fn apply(&mut self, op: Operation) -> Result<Transition, TransitionError> {
            let t = check(op, self.status)?;
            self.status = t.target();
            Ok(t)
        }
    }

    fn any_op() -> impl Strategy<Value = Operation> {
        proptest::sample::select(Operation::ALL.to_vec())
    }

    fn any_status() -> impl Strategy<Value = ContainerStatus> {
        proptest::sample::select(ContainerStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn random_operation_sequences(start in any_status(), ops in proptest::collection::vec(any_op(), 0..64)) {
            let mut m = Model { status: start };
            for op in ops {
                let before = m.status;
                match m.apply(op) {
                    Ok(t) => {
                        prop_assert_eq!(t.from, before);
                        match t.outcome {
                            Outcome::Becomes(to) => prop_assert_eq!(m.status, to),
                            Outcome::Unchanged | Outcome::NoOp => prop_assert_eq!(m.status, before),
                        }
                    }
                    Err(e) => {
                        prop_assert_eq!(m.status, before, "a refused op changed the status");
                        prop_assert_eq!(e.status, before);
                        prop_assert_eq!(e.op, op);
                        let msg = e.to_string();
                        prop_assert!(msg.contains(before.as_str()), "{}", msg);
                        prop_assert!(msg.contains(op.as_str()), "{}", msg);
                    }
                }
                // The model never reaches a status the table cannot leave except by
                // removal: wait is always possible and remove --force always is.
                prop_assert!(check(Operation::Wait, m.status).is_ok());
                prop_assert!(check(Operation::RemoveForce, m.status).is_ok());
            }
        }

        #[test]
        fn refresh_is_idempotent(s in any_status()) {
            prop_assert_eq!(s.after_reboot().after_reboot(), s.after_reboot());
        }
    }
}
