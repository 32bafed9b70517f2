"""docker-py (the Docker SDK for Python) against `lpod system service`.

Usage: docker_py.py SOCKET IMAGE. Exits non-zero with a message on the first
failed check; prints "ok" at the end.
"""
import sys
import time

import docker

sock, image = sys.argv[1], sys.argv[2]
c = docker.DockerClient(base_url="unix://" + sock, version="auto", timeout=60)


def check(cond, what):
    if not cond:
        sys.exit("FAILED: " + what)


check(c.ping() is True, "ping")
v = c.version()
check(v.get("ApiVersion") == "1.41", "version: %r" % v)
tags = [t for i in c.images.list() for t in i.tags]
check(image in tags, "images.list: %r" % tags)

since = int(time.time()) - 1
ct = c.containers.run(image, ["sh", "-c", "echo out; exec sleep 1000"], detach=True, name="pyweb")
deadline = time.time() + 30
while b"out" not in ct.logs() and time.time() < deadline:
    time.sleep(0.1)
check(ct.logs() == b"out\n", "logs: %r" % ct.logs())
code, output = ct.exec_run(["sh", "-c", "echo in-exec; exit 3"])
check((code, output) == (3, b"in-exec\n"), "exec_run: %r" % ((code, output),))
ct.reload()
check(ct.status == "running", "status: %r" % ct.status)
ct.stop(timeout=1)
res = ct.wait(timeout=60)
check("StatusCode" in res, "wait after stop: %r" % res)
ct.remove()
names = [x.name for x in c.containers.list(all=True)]
check("pyweb" not in names, "removed container still listed: %r" % names)

short = c.containers.run(image, ["sh", "-c", "exit 5"], detach=True)
res = short.wait(timeout=60)
check(res["StatusCode"] == 5, "wait exit code: %r" % res)
short.remove()

net = c.networks.create("pynet", driver="bridge")
check(any(n.name == "pynet" for n in c.networks.list()), "network create")
net.remove()
check(not any(n.name == "pynet" for n in c.networks.list()), "network remove")

until = int(time.time()) + 1
evs = list(c.events(since=since, until=until, decode=True))
actions = {(e.get("Type"), e.get("Action") or e.get("status")) for e in evs}
check(("container", "start") in actions, "events since: %r" % sorted(actions))
check(("container", "die") in actions or ("container", "died") in actions,
      "die event: %r" % sorted(actions))
print("ok")
