"""Test hosts on this one machine: network namespaces on a bridge, each with its own dockerd.

A reusable harness (no Django in here): the cluster tests use it, and so can any test that
needs "another machine" (a worker host, a Swarm node) it may kill.

- `TestNet(prefix, subnet)`: a bridge in the root namespace holding the subnet's first
  address (where test servers listen: the Discord sandbox, a live Bot API, forwarders to the
  shared PostgreSQL and Redis). One FORWARD rule lets traffic between the hosts cross the
  bridge (the main dockerd's FORWARD policy is DROP and br_netfilter sends bridged frames
  through it); the rule names only this bridge and is deleted at teardown.
- `Host`: a network namespace with a veth on the bridge and no default route, so a host can
  reach the subnet and nothing else. Everything a host runs goes into its own cgroup (pids
  controller): `kill()` is a host crash (the link cut first, then SIGKILL to every process,
  its containers included), with nothing left behind.
- `Host.start_dockerd()`: a dockerd entered into the namespace (`nsenter --net`) in a mount
  namespace of its own (its mounts die with it), with its own data root, exec root, pid file,
  unix socket and cgroup parent, no default bridge, iptables on (inside its namespace only:
  the main dockerd's rules in the root namespace are never touched).
- `form_swarm(manager, workers)`: one manager, the others workers, advertising on the subnet.

Teardown removes everything, even after a failure or a crashed earlier run (`cleanup()` is
called first too): processes, mounts, data roots, namespaces, links and the FORWARD rule.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PIDS_CGROUP = Path("/sys/fs/cgroup/pids")
DATA_ROOT = Path("/var/lib/vitrine-testhosts")
RUN_ROOT = Path("/run/vitrine-testhosts")


def sh(*argv: str, check: bool = True, timeout: float = 30, **kwargs) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                          check=False, **kwargs)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[:500]}")
    return done.stdout


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str,
               interval: float = 0.1) -> object:
    """Poll until truthy, bounded (no bare sleeps)."""
    tick, deadline = threading.Event(), time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        tick.wait(interval)


@dataclass
class Host:
    net: TestNet
    name: str
    address: str
    procs: list[subprocess.Popen] = field(default_factory=list)
    docker_sock: str = ""

    # --- names ------------------------------------------------------------------------------
    @property
    def netns(self) -> str:
        return f"{self.net.prefix}-{self.name}"

    @property
    def veth(self) -> str:  # the root side (interface names: 15 characters at most)
        return f"{self.net.prefix}{self.name}"[:15]

    @property
    def cgroup(self) -> Path:
        return PIDS_CGROUP / self.netns

    @property
    def container_cgroup(self) -> str:  # dockerd's --cgroup-parent
        return f"{self.netns}-ctr"

    @property
    def data_root(self) -> Path:
        return self.net.data_root / self.netns

    @property
    def run_root(self) -> Path:
        return RUN_ROOT / self.netns

    @property
    def docker_url(self) -> str:
        return f"unix://{self.docker_sock}"

    # --- network ------------------------------------------------------------------------------
    def create(self) -> None:
        inside = f"{self.veth[:12]}in"
        sh("ip", "netns", "add", self.netns)
        sh("ip", "link", "add", self.veth, "type", "veth", "peer", "name", inside)
        sh("ip", "link", "set", self.veth, "master", self.net.bridge, "up")
        sh("ip", "link", "set", inside, "netns", self.netns)
        for argv in (("link", "set", inside, "name", "eth0"),
                     ("addr", "add", f"{self.address}/{self.net.prefixlen}", "dev", "eth0"),
                     ("link", "set", "eth0", "up"), ("link", "set", "lo", "up")):
            sh("ip", "-n", self.netns, *argv)
        self.cgroup.mkdir(exist_ok=True)
        self.run_root.mkdir(parents=True, exist_ok=True)

    def cut(self) -> None:
        """Pull the cable: peers see no FIN, as when a machine loses power."""
        sh("ip", "link", "set", self.veth, "down", check=False)

    # --- processes ------------------------------------------------------------------------------
    def argv(self, argv: Iterable[str]) -> list[str]:
        """Run in this host: its cgroup, its network namespace."""
        return ["sh", "-c", f'echo $$ > {self.cgroup}/cgroup.procs && exec "$@"', "host",
                "nsenter", f"--net=/run/netns/{self.netns}", *argv]

    def popen(self, argv: Iterable[str], *, log: str, env: dict | None = None,
              cwd: str | None = None) -> subprocess.Popen:
        out = open(self.run_root / log, "ab")  # noqa: SIM115 - owned by the process
        proc = subprocess.Popen(self.argv(argv), stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=cwd, start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def run(self, *argv: str, timeout: float = 30) -> str:
        return sh(*self.argv(argv), timeout=timeout)

    def log(self, name: str, tail: int = 40) -> str:
        path = self.run_root / name
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-tail:])

    def pids(self) -> list[int]:
        found: list[int] = []
        for group in (self.cgroup, PIDS_CGROUP / self.container_cgroup):
            if group.is_dir():
                for procs in group.rglob("cgroup.procs"):
                    with contextlib.suppress(OSError, ValueError):
                        found += [int(p) for p in procs.read_text().split()]
        return found

    def kill(self, *, cut_link: bool = True) -> None:
        """The host crashes: every process it runs (containers too) SIGKILLed at once."""
        if cut_link:
            self.cut()
        tick = threading.Event()
        for _round in range(100):
            for proc in self.procs:
                proc.poll()  # reap our own children (a zombie stays in its cgroup)
            pids = [pid for pid in self.pids() if not _zombie(pid)]
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            tick.wait(0.05)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.procs.clear()

    def kill_dockerd(self) -> None:
        """The engine dies: dockerd, its containerd, the shims and the containers, SIGKILLed;
        the host's network stays up (the manager sees the node stop answering)."""
        self.kill(cut_link=False)

    # --- dockerd ---------------------------------------------------------------------------------
    def start_dockerd(self) -> subprocess.Popen:
        self.data_root.mkdir(parents=True, exist_ok=True)
        config = self.run_root / "daemon.json"
        config.write_text("{}")  # never the machine's /etc/docker/daemon.json
        self.docker_sock = str(self.run_root / "docker.sock")
        # Own mount and UTS namespaces: its mounts die with it, its node has its own name.
        argv = ["unshare", "--mount", "--uts", "--propagation", "slave",
                "sh", "-c", 'hostname "$0" && exec "$@"', self.netns,
                "dockerd", "--config-file", str(config), "--data-root", str(self.data_root),
                "--exec-root", str(self.run_root / "exec"),
                "--pidfile", str(self.run_root / "docker.pid"), "-H", self.docker_url,
                "--bridge=none", "--cgroup-parent", self.container_cgroup,
                "--log-level", "warn", "--userland-proxy=false"]
        (PIDS_CGROUP / self.container_cgroup).mkdir(exist_ok=True)
        return self.popen(argv, log="dockerd.log")

    def docker(self, *argv: str, timeout: float = 60, stdin: bytes | None = None) -> str:
        done = subprocess.run(["docker", "-H", self.docker_url, *argv], capture_output=True,
                              timeout=timeout, input=stdin, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(argv)} on {self.name} failed: "
                               f"{done.stderr.decode(errors='replace').strip()[:500]}")
        return done.stdout.decode()

    def wait_for_dockerd(self, timeout: float = 60) -> None:
        def up() -> bool:
            if not Path(self.docker_sock).exists():
                return False
            try:
                self.docker("version", "-f", "{{.Server.Version}}", timeout=5)
            except (RuntimeError, subprocess.TimeoutExpired):
                return False
            return True
        try:
            wait_until(up, timeout=timeout, what=f"dockerd on {self.name}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.log('dockerd.log')}") from None

    # --- teardown ---------------------------------------------------------------------------------
    def destroy(self) -> None:
        started = time.monotonic()
        self.kill(cut_link=False)
        for group in (self.cgroup, PIDS_CGROUP / self.container_cgroup):
            _remove_cgroup(group)
        sh("ip", "netns", "del", self.netns, check=False)
        sh("ip", "link", "del", self.veth, check=False)
        _unmount_under(self.data_root)
        _unmount_under(self.run_root)
        shutil.rmtree(self.data_root, ignore_errors=True)
        shutil.rmtree(self.run_root, ignore_errors=True)
        self.teardown_seconds = time.monotonic() - started


class TestNet:
    """A bridge on `subnet` (its first address in the root namespace) and hosts on it."""

    __test__ = False  # not a pytest class

    def __init__(self, *, prefix: str, subnet: str) -> None:
        self.prefix = prefix
        self.network = ipaddress.ip_network(subnet)
        self.prefixlen = self.network.prefixlen
        self.gateway = str(self.network[1])
        self.bridge = f"{prefix}br"[:15]
        self.hosts: dict[str, Host] = {}
        self._rule = ["FORWARD", "-i", self.bridge, "-o", self.bridge, "-m", "comment",
                      "--comment", f"{prefix}-testnet", "-j", "ACCEPT"]

    def create(self) -> TestNet:
        self.cleanup()
        # Engines' data roots in memory: loading the image and deleting it all take seconds,
        # not the minute a shared disk needs.
        self.data_root.mkdir(parents=True, exist_ok=True)
        sh("mount", "-t", "tmpfs", "-o", "size=6g,mode=0700", f"{self.prefix}-engines",
           str(self.data_root))
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", f"{self.gateway}/{self.prefixlen}", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        sh("iptables", "-I", *self._rule[:1], "1", *self._rule[1:])
        return self

    def add_host(self, name: str, index: int) -> Host:
        host = Host(self, name, str(self.network[index]))
        self.hosts[name] = host
        host.create()
        return host

    def start_engines(self, hosts: list[Host], *, image_tar: Path | None = None) -> None:
        """Start a dockerd in each host at once, then load the image into each at once."""
        for host in hosts:
            host.start_dockerd()
        with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
            list(pool.map(lambda h: h.wait_for_dockerd(), hosts))
            if image_tar is not None:
                data = image_tar.read_bytes()
                list(pool.map(lambda h: h.docker("load", "-q", stdin=data, timeout=300),
                              hosts))

    def cleanup(self) -> None:
        """Remove whatever a run with this prefix left (this one's or a crashed earlier one)."""
        for name in list(self.hosts):
            self.hosts.pop(name).destroy()
        stale = [ns.split()[0] for ns in sh("ip", "netns", "list", check=False).splitlines()
                 if ns.startswith(f"{self.prefix}-")]
        for ns in stale:
            orphan = Host(self, ns[len(self.prefix) + 1:], "")
            orphan.destroy()
        for group in PIDS_CGROUP.glob(f"{self.prefix}-*"):
            orphan = Host(self, group.name[len(self.prefix) + 1:].removesuffix("-ctr"), "")
            orphan.kill(cut_link=False)
            _remove_cgroup(group)
        for _copy in range(10):  # every copy of the rule (a crashed run may have left one)
            if subprocess.run(["iptables", "-C", *self._rule], capture_output=True,
                              check=False, timeout=10).returncode != 0:
                break
            sh("iptables", "-D", *self._rule, check=False)
        sh("ip", "link", "del", self.bridge, check=False)
        if self.data_root.is_dir():
            _unmount_under(self.data_root)
            shutil.rmtree(self.data_root, ignore_errors=True)

    @property
    def data_root(self) -> Path:
        return DATA_ROOT / self.prefix

    def __enter__(self) -> TestNet:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def form_swarm(manager: Host, workers: list[Host]) -> str:
    """`swarm init` on the manager, `swarm join` of the workers (at once); the join token."""
    manager.docker("swarm", "init", "--advertise-addr", manager.address,
                   "--listen-addr", f"{manager.address}:2377",
                   # Heartbeats every second: a dead node is noticed in seconds, not 15 s.
                   "--dispatcher-heartbeat", "1s", "--task-history-limit", "2")
    token = manager.docker("swarm", "join-token", "-q", "worker").strip()

    def join(worker: Host) -> None:
        worker.docker("swarm", "join", "--token", token, "--advertise-addr", worker.address,
                      "--listen-addr", f"{worker.address}:2377", f"{manager.address}:2377")
    with ThreadPoolExecutor(max_workers=max(len(workers), 1)) as pool:
        list(pool.map(join, workers))
    wait_until(lambda: len(swarm_nodes(manager, state="ready")) == 1 + len(workers),
               timeout=60, what="every node ready in the swarm")
    return token


def swarm_nodes(manager: Host, *, state: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in manager.docker(
        "node", "ls", "--format", "{{json .}}").splitlines() if line.strip()]
    ids = [row["ID"] for row in rows]
    nodes = json.loads(manager.docker("node", "inspect", *ids)) if ids else []
    return [n for n in nodes if state is None or n["Status"]["State"] == state]


def save_image(image: str, target: Path) -> Path:
    """`docker save` of the main engine's image, once (reused while it is newer)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    image_id = sh("docker", "image", "inspect", "-f", "{{.Id}}", image).strip()
    stamp = target.with_suffix(".id")
    if target.exists() and stamp.exists() and stamp.read_text() == image_id:
        return target
    partial = target.with_suffix(".partial")
    sh("docker", "save", "-o", str(partial), image, timeout=300)
    partial.replace(target)
    stamp.write_text(image_id)
    return target


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True  # gone


def _remove_cgroup(group: Path) -> None:
    if not group.is_dir():
        return
    for child in sorted((p for p in group.rglob("*") if p.is_dir()),
                        key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            child.rmdir()
    with contextlib.suppress(OSError):
        group.rmdir()


def _unmount_under(root: Path) -> None:
    """Unmount `root` and what is under it (the engines' tmpfs; anything leaked to our mount
    namespace: dockerd runs in its own)."""
    prefix = str(root)
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        points = [point for point in (line.split()[1] for line in mounts)
                  if point == prefix or point.startswith(f"{prefix}/")]
    for point in sorted(points, key=len, reverse=True):
        sh("umount", "-l", point, check=False)


class Forwarder:
    """A TCP forwarder in the root namespace: `listen` (on the test subnet) to `target` (on
    loopback), so hosts reach the shared PostgreSQL and Redis without either listening beyond
    127.0.0.1. Connections are closed with it."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(listen, reuse_port=False)
        self.address = self.server.getsockname()[:2]
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _peer = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.server.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
