//! exec, attach and terminal resize through conmon, over runc and crun.

mod common;

use std::time::Duration;

use libpod_oci::{
    exec_output, CreateOptions, ExecOptions, OciError, OciRuntime, OutputStream, ProcessInput,
};

use common::Fixture;

fn start_sleeper(fx: &Fixture, name: &str) -> String {
    let id = fx.id(name);
    fx.create_started(&id, &["/bin/sleep", "1000"]);
    id
}

fn exec_opts(args: &[&str]) -> ExecOptions {
    ExecOptions {
        process: ProcessInput {
            args: args.iter().map(|s| s.to_string()).collect(),
            ..ProcessInput::default()
        },
        ..ExecOptions::default()
    }
}

fn exec_streams_and_exit_code(fx: &Fixture) {
    let id = start_sleeper(fx, "exec");
    let out = exec_output(
        &fx.rt,
        &id,
        &exec_opts(&["/bin/sh", "-c", "echo out; echo err >&2; exit 5"]),
        None,
    )
    .unwrap();
    assert_eq!(out.exit_code, 5);
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(out.stderr, b"err\n");

    // stdin is delivered and closed
    let out = exec_output(&fx.rt, &id, &exec_opts(&["/bin/cat"]), Some(b"hello stdin")).unwrap();
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout, b"hello stdin");

    // env, cwd and user reach the exec process
    let mut opts = exec_opts(&["/bin/sh", "-c", "echo $A; pwd; id -u"]);
    opts.process.env = vec!["A=b".into()];
    opts.process.cwd = "/tmp".into();
    opts.process.uid = 1234;
    let out = exec_output(&fx.rt, &id, &opts, None).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "b\n/tmp\n1234\n");

    // a missing executable is an error carrying the runtime's message
    match exec_output(&fx.rt, &id, &exec_opts(&["/no/such/binary"]), None) {
        Err(OciError::ExecFailed { message, .. }) => assert!(!message.is_empty()),
        Ok(out) => assert_ne!(out.exit_code, 0),
        Err(other) => panic!("unexpected error {other}"),
    }
    // the container is unaffected
    assert_eq!(
        fx.rt.state(&id).unwrap().status,
        libpod_oci::RuntimeStatus::Running
    );
}
both_runtimes!(
    exec_streams_and_exit_code_t,
    super::exec_streams_and_exit_code
);

fn exec_with_tty(fx: &Fixture) {
    let id = start_sleeper(fx, "exectty");
    let mut opts = exec_opts(&[
        "/bin/sh",
        "-c",
        "[ -t 1 ] && echo is-a-tty; echo to-stderr >&2",
    ]);
    opts.process.terminal = true;
    let out = exec_output(&fx.rt, &id, &opts, None).unwrap();
    assert_eq!(out.exit_code, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    // a terminal merges stderr into the one stream
    assert!(text.contains("is-a-tty"), "{text:?}");
    assert!(text.contains("to-stderr"), "{text:?}");
    assert!(out.stderr.is_empty());
}
both_runtimes!(exec_with_tty_t, super::exec_with_tty);

fn exec_session_manual(fx: &Fixture) {
    let id = start_sleeper(fx, "execsess");
    let mut opts = exec_opts(&["/bin/sh", "-c", "read line; echo got-$line; exit 9"]);
    opts.attach = true;
    opts.stdin = true;
    let session = fx.rt.exec(&id, &opts).unwrap();
    assert!(session.pid > 0);
    let conn = session.conn().unwrap();
    conn.write_stdin(b"abc\n").unwrap();
    let (stream, data) = conn.read_frame().unwrap().unwrap();
    assert_eq!(stream, OutputStream::Stdout);
    assert_eq!(data, b"got-abc\n");
    let dir = session.dir.clone();
    assert_eq!(session.wait().unwrap(), 9);
    assert!(!dir.exists(), "session dir is removed after wait");
}
both_runtimes!(exec_session_manual_t, super::exec_session_manual);

fn attach_to_running_container(fx: &Fixture) {
    let id = fx.id("attach");
    let input = fx.input(
        &id,
        &[
            "/bin/sh",
            "-c",
            "read a; echo out-$a; read b; echo err-$b >&2; cat >/dev/null; exit 4",
        ],
    );
    let opts = CreateOptions {
        stdin: true,
        ..Default::default()
    };
    fx.create(&id, &input, &opts);
    fx.rt.start(&id).unwrap();
    let conn = fx.rt.attach(&id, &fx.bundle(&id)).unwrap();
    conn.write_stdin(b"one\n").unwrap();
    assert_eq!(
        conn.read_frame().unwrap().unwrap(),
        (OutputStream::Stdout, b"out-one\n".to_vec())
    );
    conn.write_stdin(b"two\n").unwrap();
    assert_eq!(
        conn.read_frame().unwrap().unwrap(),
        (OutputStream::Stderr, b"err-two\n".to_vec())
    );
    // closing our side closes the container's stdin: cat ends, the shell exits
    conn.close_stdin().unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 4);
    // and the output went to the log as well
    let log = fx.log_text(&id);
    assert!(log.contains("out-one") && log.contains("err-two"), "{log}");
}
both_runtimes!(
    attach_to_running_container_t,
    super::attach_to_running_container
);

fn tty_resize(fx: &Fixture) {
    let id = fx.id("tty");
    let mut input = fx.input(&id, &["/bin/sh"]);
    input.process.terminal = true;
    fx.create(&id, &input, &CreateOptions::default());
    fx.rt.start(&id).unwrap();
    let conn = fx.rt.attach(&id, &fx.bundle(&id)).unwrap();
    fx.rt.resize(&id, &fx.bundle(&id), 31, 101).unwrap();
    // conmon applies the resize asynchronously: ask until the shell sees it
    let mut seen = String::new();
    let mut ok = false;
    for _ in 0..200 {
        conn.write_stdin(b"stty size\n").unwrap();
        let (stream, data) = conn.read_frame().unwrap().unwrap();
        assert_eq!(stream, OutputStream::Stdout, "a tty has one stream");
        seen.push_str(&String::from_utf8_lossy(&data));
        if seen.contains("31 101") {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(ok, "terminal never reported 31 101: {seen:?}");
    conn.write_stdin(b"exit 6\n").unwrap();
    let exit = fx.rt.wait_exit(&id, Duration::from_secs(60)).unwrap();
    assert_eq!(exit.exit_code, 6);
}
both_runtimes!(tty_resize_t, super::tty_resize);

fn exec_tty_resize(fx: &Fixture) {
    let id = start_sleeper(fx, "exectty2");
    let mut opts = exec_opts(&["/bin/sh"]);
    opts.process.terminal = true;
    opts.attach = true;
    opts.stdin = true;
    let session = fx.rt.exec(&id, &opts).unwrap();
    session.resize(27, 91).unwrap();
    let conn = session.conn().unwrap();
    let mut seen = String::new();
    let mut ok = false;
    for _ in 0..200 {
        conn.write_stdin(b"stty size\n").unwrap();
        let (_, data) = conn.read_frame().unwrap().unwrap();
        seen.push_str(&String::from_utf8_lossy(&data));
        if seen.contains("27 91") {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(ok, "exec terminal never reported 27 91: {seen:?}");
    conn.write_stdin(b"exit 3\n").unwrap();
    assert_eq!(session.wait().unwrap(), 3);
}
both_runtimes!(exec_tty_resize_t, super::exec_tty_resize);
