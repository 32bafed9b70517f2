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
  "$LPOD" --root "$work/root" --runroot "$work/run" network rm -f demo-net >/dev/null 2>&1 || true
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
# Networking: a pod on its own bridge network, a web server and a client sharing the pod's
# localhost, a port published on 127.0.0.1 and fetched from the host.
port=$(( 20000 + RANDOM % 20000 ))
L network create --subnet "10.$(( 230 + RANDOM % 21 )).$(( RANDOM % 256 )).0/24" --interface-name "lpd$(printf %04x $(( RANDOM % 65536 )))" demo-net
L pod create --name web-pod --network demo-net -p "127.0.0.1:$port:80"
L run -d --pod web-pod --name web localhost/busybox \
  sh -c 'mkdir -p /www && echo "hello from lpod" > /www/index.html && exec httpd -f -p 80 -h /www'
L run -d --pod web-pod --name client localhost/busybox sleep 600
L pod inspect web-pod --format '{{.State}} {{.NumContainers}} containers'
for _ in $(seq 50); do /bin/busybox wget -qO- "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
echo "\$ busybox wget -qO- http://127.0.0.1:$port/   (from the host)" >&2
/bin/busybox wget -qO- "http://127.0.0.1:$port/"
L exec client wget -qO- http://127.0.0.1:80/
L pod ps
L pod rm -f web-pod
L network rm demo-net
L network ls
echo "demo: done" >&2
