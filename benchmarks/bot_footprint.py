"""Footprint of one idle, connected tenant bot: start-to-READY time and resident memory.

Runs the real bot (`python -m bot`) as its own process against the Discord sandbox, and as the
baseline a bare discord.py client doing the same login in the same run. Prints JSON lines
{"name", "value", "unit", "baseline", "ratio"}. Aims (issue 6): <= 3 s and <= 60 MB.
`--smoke` (make test): one start of each instead of the best of three.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.discord.testing import DiscordSandbox  # noqa: E402

MEMBERS_INTENT = 1 << 1
BARE_CLIENT = textwrap.dedent("""
    import os, discord, logging, yarl
    logging.basicConfig(level=logging.INFO)
    discord.http.Route.BASE = os.environ["DISCORD_API_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    intents = discord.Intents.default(); intents.members = True
    client = discord.Client(intents=intents)
    @client.event
    async def on_ready():
        print("READY", flush=True)
    client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
""")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(args: list[str], env: dict[str, str], rounds: int = 3) -> tuple[float, float]:
    """Best of `rounds`: seconds from spawn to READY, and RSS (MB) once READY and idle."""
    times, memory = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            for line in process.stdout:  # bounded by the timeout below
                if "READY" in line:
                    times.append(time.perf_counter() - started)
                    memory.append(rss_mb(process.pid))
                    break
                if time.perf_counter() - started > 30:
                    raise TimeoutError("never became ready")
        finally:
            process.terminate()
            process.wait(timeout=10)
    return min(times), min(memory)


def emit(name: str, value: float, baseline: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit,
                      "baseline": round(baseline, 3), "ratio": round(value / baseline, 3)}))


def main() -> None:
    with DiscordSandbox() as sandbox:
        app = sandbox.create_application("Footprint Bot", intents=MEMBERS_INTENT)
        sandbox.create_guild("Footprint", [app["id"]])
        env = {**os.environ, "DISCORD_TOKEN": app["token"],
               "DISCORD_API_URL": f"{sandbox.url}/api/v10",
               "DISCORD_GATEWAY_URL": sandbox.gateway_url,
               "PLATFORM_URL": "http://127.0.0.1:9", "INSTANCE_TOKEN": "none",
               "HEARTBEAT_SECONDS": "3600", "POSTS_REFRESH_SECONDS": "3600"}
        rounds = 1 if "--smoke" in sys.argv[1:] else 3
        bot_time, bot_rss = measure([sys.executable, "-m", "bot"], env, rounds)
        bare_time, bare_rss = measure([sys.executable, "-c", BARE_CLIENT], env, rounds)
    emit("bot_start_to_ready", bot_time, bare_time, "s")
    emit("bot_idle_rss", bot_rss, bare_rss, "MB")


if __name__ == "__main__":
    main()
