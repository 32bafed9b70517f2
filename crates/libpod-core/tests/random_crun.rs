//! A short randomized sequence of verbs against real crun under conmon, checked
//! against the expected status after each step.

mod common;

use std::time::Duration;

use libpod_config::ContainerStatus as S;
use libpod_core::Error;
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Op {
    Start,
    Stop,
    Kill,
    Pause,
    Unpause,
    Restart,
    Exec,
    Cleanup,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Start),
        2 => Just(Op::Stop),
        1 => Just(Op::Kill),
        1 => Just(Op::Pause),
        1 => Just(Op::Unpause),
        1 => Just(Op::Restart),
        2 => Just(Op::Exec),
        1 => Just(Op::Cleanup),
    ]
}

fn refused<T: std::fmt::Debug>(r: Result<T, Error>) {
    assert!(matches!(r, Err(Error::InvalidState { .. })), "{r:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, failure_persistence: None, max_shrink_iters: 4, ..ProptestConfig::default() })]

    #[test]
    fn random_verbs_on_real_crun(ops in proptest::collection::vec(op(), 4..10)) {
        let Some(env) = common::env() else { return Ok(()) };
        // Exits 0 on SIGTERM (after the current 0.1 s sleep).
        let c = env
            .rt
            .create_container(env.opts(&["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]))
            .unwrap();
        let mut model = S::Configured;
        let timeout = Some(Duration::from_secs(20));
        for op in ops {
            match op {
                // After a (re)start, wait until the shell caught SIGTERM: before its trap, PID 1
                // ignores SIGTERM and a stop under load would time out into 137.
                Op::Start => {
                    if model == S::Paused { refused(c.start()) } else {
                        let was_running = model == S::Running;
                        c.start().unwrap();
                        model = S::Running;
                        if !was_running { common::wait_for_sigterm_trap(&c); }
                    }
                }
                Op::Restart => {
                    if model == S::Paused { refused(c.restart(timeout)) } else {
                        c.restart(timeout).unwrap();
                        model = S::Running;
                        common::wait_for_sigterm_trap(&c);
                    }
                }
                Op::Stop => {
                    c.stop(timeout).unwrap();
                    let expect_code = match model { S::Running => Some(0), S::Paused => Some(137), _ => None };
                    if model != S::Configured { model = S::Exited; }
                    if let Some(code) = expect_code {
                        prop_assert_eq!(c.inspect().unwrap().state.exit_code, code);
                    }
                }
                Op::Kill => {
                    if matches!(model, S::Running | S::Paused) {
                        c.kill(9).unwrap();
                        if model == S::Paused { c.unpause().ok(); }
                        prop_assert_eq!(c.wait().unwrap(), 137);
                        model = S::Stopped;
                    } else {
                        refused(c.kill(9));
                    }
                }
                Op::Pause => {
                    if model == S::Running { c.pause().unwrap(); model = S::Paused; } else { refused(c.pause()) }
                }
                Op::Unpause => {
                    if model == S::Paused { c.unpause().unwrap(); model = S::Running; } else { refused(c.unpause()) }
                }
                Op::Exec => {
                    if model == S::Running {
                        let (code, out, _) = c.exec_output(&["sh", "-c", "echo x; exit 3"]).unwrap();
                        prop_assert_eq!(code, 3);
                        prop_assert_eq!(out, b"x\n".to_vec());
                    } else {
                        refused(c.exec_output(&["true"]));
                    }
                }
                Op::Cleanup => {
                    match model {
                        S::Running | S::Paused => refused(c.cleanup()),
                        S::Stopped => { c.cleanup().unwrap(); model = S::Exited; }
                        _ => c.cleanup().unwrap(),
                    }
                }
            }
            prop_assert_eq!(c.status().unwrap(), model, "after {:?}", op);
        }
        c.remove(true).unwrap();
    }
}
