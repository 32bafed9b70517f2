#!/usr/bin/env bash
# The README's main job: real containers through the lpod CLI (crun under conmon), in a
# private root and run root that are removed at the end. Run it with `cargo xtask demo`.
set -euo pipefail
: "${LPOD:?path to the lpod binary}" "${LPOD_TEST_IMAGE_DIR:?test image dir}"
work=$(mktemp -d /tmp/lpod-demo.XXXXXX)
L() { echo "\$ lpod $*" >&2; "$LPOD" --root "$work/root" --runroot "$work/run" "$@"; }
cleanup() {
  "$LPOD" --root "$work/root" --runroot "$work/run" pod rm -fa >/dev/null 2>&1 || true
  "$LPOD" --root "$work/root" --runroot "$work/run" rm -fa -t 0 >/dev/null 2>&1 || true
  "$LPOD" --root "$work/root" --runroot "$work/run" system reset --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

L load -i "$LPOD_TEST_IMAGE_DIR/busybox.tar"
L images
# Foreground: output and exit code pass through.
L run --rm --network none localhost/busybox echo "hello from a container"
L run --rm --network none localhost/busybox sh -c 'echo "exiting with 3"; exit 3' || echo "lpod exited with $?" >&2
# Detached: every later verb is a separate lpod process.
L run -d --name ticker --network none localhost/busybox \
  sh -c 'trap "echo stopping; exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'
sleep 1
L ps
L logs --tail 3 ticker
L exec ticker sh -c 'echo "exec sees pid 1 as: $(cat /proc/1/cmdline | tr "\0" " ")"'
L stop -t 5 ticker
L ps -a
L inspect ticker --format '{{.State.Status}} exit={{.State.ExitCode}}'
L logs --tail 2 ticker
L rm ticker
# A pod: its members share the infra container's namespaces (here UTS: the hostname).
L pod create --name demo-pod --network none
L run -d --pod demo-pod --name member localhost/busybox sleep 600
L run --rm --pod demo-pod localhost/busybox sh -c 'echo "a pod member, hostname $(hostname)"'
L pod ps
L ps -a
L pod rm -f demo-pod
L ps -a
echo "demo: done" >&2
