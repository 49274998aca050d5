"""Full-turn latency: one user message in over REST, every bot message out.

Starts the real Rasa server and the real service (a private runtime folder, free ports), then
plays scripted conversations — a need, a region, a follow-up question, the hand-off — with 1, 10
and 50 conversations at once, and prints p50/p95 per level — once with people pausing between
turns (``--think`` seconds, as in a real chat) and once back to back as a stress test. Two baselines run in the same
process against the same servers: a greeting turn (a custom action, no search) shows what the
dialogue engine costs by itself, and the same need sent straight to Rasa's REST webhook shows
what the service's channel layer adds.

    .venv/bin/python benchmarks/turn_bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCRIPTS = [
    ["社保卡丢了怎么补办", '/inform_region{"region":"鄞州区"}', "要带什么材料", "/start_application"],
    ["孩子上小学怎么报名", '/inform_region{"region":"海曙区"}', "多久能办好", "/start_application"],
    ["驾照快到期了怎么换", '/inform_region{"region":"慈溪市"}', "在哪里办", "/start_application"],
    ["开个小饭馆要办什么证", '/inform_region{"region":"北仑区"}', "网上能办吗", "/start_application"],
]


def runtime_dir(target: Path) -> Path:
    source = ROOT / "var"
    target.mkdir(parents=True)
    for name in ("models", "index", "rasa-models", "cache"):
        (target / name).symlink_to(source / name)
    shutil.copy2(source / "knowledge.db", target / "knowledge.db")
    return target


async def play(client, url: str, script: list[str], samples: list[float], think: float) -> None:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    # Start at a random moment within one think time, as people do not all type at once.
    await asyncio.sleep(random.uniform(0, think))
    for message in script:
        started = time.perf_counter()
        reply = await client.post(url, json={"sender": sender, "message": message})
        reply.raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(think)


async def level(
    base: str, path: str, concurrency: int, rounds: int, scripts: list[list[str]], think: float = 0.0
) -> list[float]:
    import httpx

    samples: list[float] = []
    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        for _ in range(rounds):
            await asyncio.gather(
                *(play(client, path, scripts[i % len(scripts)], samples, think) for i in range(concurrency))
            )
    return samples


def summary(samples: list[float]) -> str:
    p50, p95 = np.percentile(samples, [50, 95])
    return f"p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({len(samples)} turns)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrent conversations (default 1,10,50)")
    parser.add_argument("--rounds", type=int, default=3, help="conversations per concurrent slot (default 3)")
    parser.add_argument(
        "--think",
        type=float,
        default=3.0,
        help="seconds a person takes to read and type between turns (default 3; 0 = back-to-back stress)",
    )
    args = parser.parse_args()
    from daofu.config import Settings
    from daofu.ports import free_port
    from daofu.processes import ServerPair

    with tempfile.TemporaryDirectory(prefix="daofu-turns-") as scratch:
        settings = Settings(var_dir=runtime_dir(Path(scratch) / "var"), port=free_port(), rasa_port=free_port())
        servers = ServerPair(settings)
        print("starting Rasa and the service …", flush=True)
        servers.start()
        try:
            service, rasa = servers.service_url, servers.rasa_url
            asyncio.run(level(service, "/api/chat", 1, 1, SCRIPTS))  # warm-up: load everything once
            levels = [int(x) for x in args.levels.split(",")]
            for think in sorted({args.think, 0.0}, reverse=True):
                label = f"{think:g} s between turns" if think else "back to back, no pause (stress)"
                print(f"\nfull turn through the service (need, region, follow-up, hand-off), {label}:")
                for concurrency in levels:
                    samples = asyncio.run(level(service, "/api/chat", concurrency, args.rounds, SCRIPTS, think))
                    print(f"  {concurrency:3d} conversations   {summary(samples)}")
            print("\nbaselines, one conversation at a time:")
            greet = asyncio.run(level(service, "/api/chat", 1, 20, [["你好"]]))
            print(f"  greeting only (custom action, no search)     {summary(greet)}")
            direct = asyncio.run(level(rasa, "/webhooks/rest/webhook", 1, args.rounds, SCRIPTS))
            print(f"  same conversations straight to Rasa's REST  {summary(direct)}")
        finally:
            servers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
