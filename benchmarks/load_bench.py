"""Load on a whole set of servers: many conversations at once, over the widget WebSocket and /api/chat.

Each simulated person holds realistic conversations — a need, the district, a follow-up question
(:func:`conversation`, from parts written for this benchmark) — with 10, 50 and 200 people at once, once
reading for ``--think`` seconds between turns (as people do) and once back to back (the most the
set can do). For every level it prints p50/p95/p99 of the turn latency, turns per second and
errors; for every process of a set, its peak resident memory and the CPU time it spent per turn.

The baseline runs in the same invocation: ``--baseline-ref`` (default ``main``) is checked out as a
separate git worktree under ``/tmp/daofu-load-bench/`` with its own ``var/`` (its own dialogue model,
trained there once with its own code; the embedding model, catalogue and search index are this
checkout's), and the two sets are started one after the other with ``daofu run`` on free ports,
measured the same way, and stopped. ``--url`` adds a set that is already running (the cluster
profile behind nginx); its processes are measured when ``--pids`` names them.

    .venv/bin/python benchmarks/load_bench.py                    # baseline main against this checkout
    .venv/bin/python benchmarks/load_bench.py --quick            # 10 and 50 people, shorter levels
    .venv/bin/python benchmarks/load_bench.py --no-baseline --url http://127.0.0.1:8080 --pids 123,456

Only loopback servers are started; each gets generous per-address and per-conversation rate
limits (the load comes from one address), everything else is the embedded default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Conversations are put together from these parts (written for this benchmark): a need in a
# person's words, where they are, then a question about the guide shown. Openings and endings vary
# the wording, so that most questions are new to the service's cache of question vectors, as real
# questions are; the place answers repeat, as they do in real conversations.
NEEDS = (
    "我的居住证快过期了，怎么续签", "想给刚出生的宝宝上户口", "我们公司想办食品经营许可证",
    "退休以后养老金怎么申领", "想把住房公积金取出来还房贷", "电动自行车上牌要去哪里",
    "家里老人想申请低保", "残疾证怎么申请", "孩子明年上初中，怎么办转学", "失业了能领失业金吗",
    "想开一家小超市需要什么手续", "结婚登记要怎么预约", "护照丢了怎么补办", "医保卡里的钱能给家人用吗",
    "新买的房子怎么办不动产证", "个体户营业执照怎么注销", "想考个叉车证", "外地车牌的车要办通行证吗",
    "给老人办老年优待证", "生二胎有什么补贴", "公司要招外国员工，工作许可怎么办",
    "小区里想装电梯找谁审批", "我想在家门口摆摊卖早餐", "驾驶证到期了去哪换",
)  # fmt: skip
PLACES = ("海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "余姚市", "慈溪市", "宁海县", "象山县")
PLACE_FORMS = ("{}", "我在{}", "住在{}")
FOLLOW_UPS = (
    "需要准备哪些材料", "要多长时间能办好", "可以网上申请吗", "去哪里办理", "收费吗", "办理流程是怎样的",
    "要带什么证件", "多久能拿到",
)  # fmt: skip
OPENINGS = ("", "请问", "你好，", "麻烦问下，", "想问一下，")
ENDINGS = ("", "？", "呢")


def conversation(rng: random.Random) -> tuple[str, str, str]:
    """A need, the district and a follow-up, worded a little differently each time."""

    def worded(text: str) -> str:
        return f"{rng.choice(OPENINGS)}{text}{rng.choice(ENDINGS)}"

    place = rng.choice(PLACE_FORMS).format(rng.choice(PLACES))
    return worded(rng.choice(NEEDS)), place, worded(rng.choice(FOLLOW_UPS))


PATHS = ("rest", "ws")
RUNTIME_LINKS = ("models", "index", "catalog", "cache", "rasa-models")
BENCH_ENV = {
    # one address sends everything: the public per-address limit would measure itself
    "DAOFU_RATE_LIMIT_PER_IP": "10000000",
    "DAOFU_RATE_LIMIT_TURNS": "100000",
}
GOALS = {"speedup": 2.0, "p95_10": 150.0, "p95_50": 400.0, "rss_gb": 2.5, "start_s": 45.0}


# --- the sets of servers ---------------------------------------------------------------------------


@dataclass
class Target:
    """One set of servers under test: where it answers and which processes are its own."""

    name: str
    url: str
    root_pids: list[int] = field(default_factory=list)
    start_seconds: float | None = None
    results: dict[tuple[str, float, int], Level] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)  # process → peak RSS in MB
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)  # process → CPU ms per turn


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def baseline_checkout(ref: str) -> Path:
    """A worktree of ``ref`` under /tmp with this checkout's environments and its own var/.

    Its dialogue model is trained there with its own code (minutes, once per commit: reused later).
    """
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    tree = Path(tempfile.gettempdir()) / "daofu-load-bench" / commit[:12]
    if not (tree / ".git").exists():
        tree.parent.mkdir(parents=True, exist_ok=True)
        print(f"baseline: checking out {ref} ({commit[:12]}) at {tree}", flush=True)
        git("worktree", "add", "--detach", "--force", str(tree), commit)
    for venv in (".venv", ".venv-rasa"):
        link = tree / venv
        if not link.exists():
            link.symlink_to((ROOT / venv).resolve())
    var = tree / "var"
    var.mkdir(exist_ok=True)
    for name in ("models", "index", "catalog", "cache"):
        if not (var / name).exists():
            (var / name).symlink_to((ROOT / "var" / name).resolve())
    if not (var / "knowledge.db").exists():
        shutil.copy2(ROOT / "var" / "knowledge.db", var / "knowledge.db")
    reuse_trained_model(tree, var / "rasa-models")
    print("baseline: its dialogue model (trained once per commit; minutes the first time) …", flush=True)
    subprocess.run(
        [str(tree / ".venv" / "bin" / "daofu"), "bot", "train"],
        cwd=tree, env=code_env(tree, var), check=True,
    )  # fmt: skip
    return tree


def reuse_trained_model(tree: Path, models: Path) -> None:
    """Copy a dialogue model trained from exactly ``tree``'s inputs by another worktree, if there is one.

    ``daofu bot train`` stamps each model with the digest of its inputs; a model with the same
    stamp is the one the baseline would train, so minutes of training are saved.
    """
    if (models / "daofu.tar.gz").exists():
        return
    digest_code = (
        "import sys; from pathlib import Path; from bot.training import inputs_digest; "
        "print(inputs_digest(Path(sys.argv[1])))"
    )
    wanted = subprocess.run(
        [str(tree / ".venv" / "bin" / "python"), "-c", digest_code, str(tree)],
        cwd=tree, env=code_env(tree, tree / "var"), capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    listing = git("worktree", "list", "--porcelain")
    for line in listing.splitlines():
        if not line.startswith("worktree "):
            continue
        candidate = Path(line.removeprefix("worktree ")) / "var" / "rasa-models"
        stamp = candidate / "daofu.inputs"
        if stamp.is_file() and stamp.read_text().strip() == wanted and (candidate / "daofu.tar.gz").is_file():
            models.mkdir(parents=True, exist_ok=True)
            shutil.copy2(candidate / "daofu.tar.gz", models / "daofu.tar.gz")
            shutil.copy2(stamp, models / "daofu.inputs")
            print(f"baseline: reusing the dialogue model trained in {candidate}", flush=True)
            return


def code_env(root: Path, var: Path) -> dict[str, str]:
    """Environment that runs ``root``'s code (not the editable install's) with ``var``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DAOFU_")}
    env.update(PYTHONPATH=str(root), DAOFU_VAR_DIR=str(var))
    return env


def runtime_var(source: Path, target: Path) -> Path:
    """A fresh var/ for one run: read-only artefacts linked, the databases copied or new."""
    target.mkdir(parents=True)
    for name in RUNTIME_LINKS:
        if (source / name).exists():
            (target / name).symlink_to((source / name).resolve())
    shutil.copy2(source / "knowledge.db", target / "knowledge.db")
    return target


@contextmanager
def started(name: str, root: Path, var_source: Path, timeout: float = 600.0) -> Iterator[Target]:
    """``daofu run`` of ``root`` on free ports with a fresh var/; yields once both servers answer."""
    from daofu.ports import free_port

    with tempfile.TemporaryDirectory(prefix="daofu-load-") as scratch:
        var = runtime_var(var_source, Path(scratch) / "var")
        port, rasa_port = free_port(), free_port()
        env = code_env(root, var)
        env.update(BENCH_ENV, DAOFU_PORT=str(port), DAOFU_RASA_PORT=str(rasa_port))
        log_path = Path(scratch) / "run.log"
        print(f"{name}: starting Rasa and the service ({root}) …", flush=True)
        began = time.monotonic()
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [str(root / ".venv" / "bin" / "daofu"), "run", "--timeout", str(timeout)],
                cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        target = Target(name, f"http://127.0.0.1:{port}", [process.pid])
        try:
            wait_ready(target.url, process, log_path, timeout)
            target.start_seconds = time.monotonic() - began
            print(f"{name}: ready in {target.start_seconds:.1f} s", flush=True)
            yield target
        finally:
            stop(process)


def wait_ready(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Until /health says the dialogue is up (what `daofu run` waits for before its banner)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            raise SystemExit(f"daofu run exited with code {process.returncode}:\n" + "\n".join(tail))
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if json.loads(response.read()).get("dialogue") == "up":
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"the servers at {url} were not ready within {timeout:.0f} s (log: {log_path})")


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C for `daofu run` (it stops both servers), then the process group if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- processes: memory and CPU from /proc ---------------------------------------------------------


def process_tree(roots: list[int]) -> dict[int, str]:
    """pid → a short name, for ``roots`` and all their descendants."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        names[int(entry.name)] = short_name([part.decode(errors="replace") for part in cmdline if part])
    found: dict[int, str] = {}
    pending = [pid for pid in roots if pid in names]
    while pending:
        pid = pending.pop()
        found[pid] = names[pid]
        pending += children.get(pid, [])
    return found


def short_name(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "rasa" in text and (" run" in text or "rasa_server" in text):
        return "rasa"
    if "daofu serve" in text or text.endswith(" serve"):
        return "service"
    if "daofu run" in text or text.endswith(" run") or " run --timeout" in text:
        return "daofu run"
    return Path(cmdline[0]).name if cmdline else "?"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def named_totals(tree: dict[int, str], measure: Callable[[int], float]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for pid, name in tree.items():
        totals[name] = totals.get(name, 0.0) + measure(pid)
    return totals


class MemoryWatch:
    """Peak resident memory per process name (and of the whole set) while the load runs."""

    def __init__(self, roots: list[int], every: float = 0.5) -> None:
        self.roots, self.every = roots, every
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            sample = named_totals(process_tree(self.roots), rss_mb)
            sample["all processes"] = sum(sample.values())
            for name, value in sample.items():
                self.peak[name] = max(self.peak.get(name, 0.0), value)
            self._stop.wait(self.every)

    def __enter__(self) -> MemoryWatch:
        if self.roots:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Level:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def turns_per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


class RestPerson:
    def __init__(self, client: object, token: str) -> None:
        self.client, self.token = client, token

    async def open(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex[:16]}"

    async def say(self, text: str) -> bool:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        reply = await self.client.post("/api/chat", json={"sender": self.sender, "message": text}, headers=headers)
        if reply.status_code != 200:
            return False
        answer = reply.json()
        return bool(answer.get("messages")) and not answer.get("busy")  # busy: the dialogue was away

    async def close(self) -> None:
        return None


class SocketPerson:
    def __init__(self, url: str) -> None:
        self.base = url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)

    async def open(self) -> None:
        import websockets

        self.socket = await websockets.connect(f"{self.base}/widget/ws?sender=web-{uuid.uuid4().hex}", max_size=2**22)

    async def say(self, text: str) -> bool:
        await self.socket.send(json.dumps({"type": "message", "text": text}))
        while True:
            frame = json.loads(await self.socket.recv())
            if frame.get("type") == "bot":
                return bool(frame.get("messages"))
            if frame.get("type") == "error":
                return False

    async def close(self) -> None:
        await self.socket.close()


async def person(make: Callable[[], object], level: Level, think: float, deadline: float) -> None:
    """Conversations one after the other until ``deadline``; a pause of ``think`` s after each answer."""
    await asyncio.sleep(random.uniform(0, think))  # people do not all start at once
    while time.monotonic() < deadline:
        speaker = make()
        try:
            await speaker.open()
            for text in conversation(random):
                began = time.perf_counter()
                ok = await asyncio.wait_for(speaker.say(text), timeout=120)
                if ok:
                    level.latencies_ms.append((time.perf_counter() - began) * 1000)
                else:
                    level.errors += 1
                if think:
                    await asyncio.sleep(think)
                if time.monotonic() >= deadline:
                    break
        except Exception:  # a refused connection, a timeout, a closed socket: an error of this level
            level.errors += 1
            await asyncio.sleep(0.5)
        finally:
            with suppress(Exception):
                await speaker.close()


async def run_level(url: str, path: str, people: int, think: float, seconds: float, token: str) -> Level:
    import httpx

    level = Level()
    limits = httpx.Limits(max_connections=people + 10, max_keepalive_connections=people + 10)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        def make() -> object:
            return RestPerson(client, token) if path == "rest" else SocketPerson(url)

        began = time.monotonic()
        await asyncio.gather(*(person(make, level, think, began + seconds) for _ in range(people)))
        level.seconds = time.monotonic() - began
    return level


def measure(target: Target, args: argparse.Namespace) -> None:
    """Every level on ``target``; memory watched throughout, CPU per turn over the back-to-back levels."""
    asyncio.run(run_level(target.url, "rest", 1, 0.0, 3.0, args.api_token))  # warm-up: load everything
    scenarios = [(path, think, people) for path in args.paths for think in (args.think, 0.0) for people in args.levels]
    with MemoryWatch(target.root_pids) as watch:
        cpu: dict[str, float] = {}
        turns = 0
        for path, think, people in tqdm(scenarios, desc=f"{target.name}: load levels", unit="level"):
            tree = process_tree(target.root_pids)
            before = named_totals(tree, cpu_seconds)
            level = asyncio.run(run_level(target.url, path, people, think, args.seconds, args.api_token))
            target.results[(path, think, people)] = level
            if not think:
                after = named_totals(tree, cpu_seconds)
                for name in after:
                    cpu[name] = cpu.get(name, 0.0) + after[name] - before.get(name, 0.0)
                turns += len(level.latencies_ms)
    target.memory = dict(watch.peak)
    if turns:
        target.cpu_ms_per_turn = {name: 1000 * seconds / turns for name, seconds in cpu.items() if seconds > 0}


# --- the report -----------------------------------------------------------------------------------


def report(targets: list[Target], args: argparse.Namespace) -> str:
    names = [t.name for t in targets]
    width = 40
    lines = [f"{'':34}" + "".join(f"{name:>{width}}" for name in names)]
    lines.append(f"{'':34}" + "".join(f"{'p50 / p95 / p99 ms   turns/s  errors':>{width}}" for _ in names))
    for path in args.paths:
        for think in (args.think, 0.0):
            label = f"{think:g} s pauses" if think else "back to back"
            for people in args.levels:
                row = f"{path:>4} {label:<15} {people:>4} people "
                for target in targets:
                    level = target.results.get((path, think, people))
                    if level is None:
                        row += f"{'–':>{width}}"
                        continue
                    figures = (
                        f"{level.percentile(50):5.0f} /{level.percentile(95):6.0f} /{level.percentile(99):6.0f}"
                        f"  {level.turns_per_second:7.1f}  {level.errors:6d}"
                    )
                    row += f"{figures:>{width}}"
                lines.append(row)
    lines.append("")
    lines.append(f"{'cold start to ready (s)':34}" + "".join(cell(t.start_seconds, "{:.1f}", width) for t in targets))
    process_names = sorted({n for t in targets for n in t.memory if n != "all processes"}) + ["all processes"]
    for name in process_names:
        values = [t.memory.get(name) for t in targets]
        lines.append(f"{'peak RSS MB, ' + name:34}" + "".join(cell(v, "{:.0f}", width) for v in values))
    for name in sorted({n for t in targets for n in t.cpu_ms_per_turn}):
        values = [t.cpu_ms_per_turn.get(name) for t in targets]
        lines.append(f"{'CPU ms per turn, ' + name:34}" + "".join(cell(v, "{:.1f}", width) for v in values))
    lines += ["", *goals(targets, args)]
    return "\n".join(lines)


def save(targets: list[Target]) -> Path:
    """Every latency and figure as JSON, for a closer look or another table."""
    path = Path(tempfile.gettempdir()) / "daofu-load-bench" / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [
        {
            "name": t.name, "url": t.url, "start_seconds": t.start_seconds, "memory_mb": t.memory,
            "cpu_ms_per_turn": t.cpu_ms_per_turn,
            "levels": [
                {"path": path_name, "think": think, "people": people, "seconds": level.seconds,
                 "errors": level.errors, "latencies_ms": level.latencies_ms}
                for (path_name, think, people), level in t.results.items()
            ],
        }
        for t in targets
    ]  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def cell(value: float | None, form: str, width: int) -> str:
    return f"{'–' if value is None else form.format(value):>{width}}"


def back_to_back_rate(target: Target) -> float:
    """Turns per second of the busiest back-to-back level (the most the set did)."""
    rates = [level.turns_per_second for (_, think, _), level in target.results.items() if not think]
    return max(rates, default=0.0)


def goals(targets: list[Target], args: argparse.Namespace) -> list[str]:
    """The figures the performance goals are stated in (docs/production.md), for the last set."""
    new = targets[-1]
    lines = [f"goals for {new.name}:"]
    if len(targets) > 1 and back_to_back_rate(targets[0]):
        ratio = back_to_back_rate(new) / back_to_back_rate(targets[0])
        lines.append(f"  back-to-back throughput {ratio:.2f}× {targets[0].name} (goal ≥ {GOALS['speedup']:g}×)")
    for people, goal in ((10, GOALS["p95_10"]), (50, GOALS["p95_50"])):
        for path in args.paths:
            level = new.results.get((path, args.think, people))
            if level is not None and args.think:
                lines.append(
                    f"  p95 at {people} people with {args.think:g} s pauses ({path}): {level.percentile(95):.0f} ms"
                    f" (goal ≤ {goal:g} ms)"
                )
    if "all processes" in new.memory:
        gigabytes = new.memory["all processes"] / 1024
        lines.append(f"  peak RSS of all processes: {gigabytes:.2f} GB (goal ≤ {GOALS['rss_gb']} GB)")
    if new.start_seconds is not None:
        lines.append(f"  cold start to ready: {new.start_seconds:.1f} s (goal ≤ {GOALS['start_s']:g} s)")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-ref", default="main", help="git ref measured as the baseline (default main)")
    parser.add_argument("--no-baseline", action="store_true", help="measure only this checkout (and --url)")
    parser.add_argument("--no-local", action="store_true", help="do not start this checkout (with --url)")
    parser.add_argument("--url", help="also measure a set that is already running, e.g. http://127.0.0.1:8080")
    parser.add_argument("--pids", default="", help="with --url: comma-separated pids whose process trees are its own")
    parser.add_argument("--api-token", default="", help="with --url: a DAOFU_API_TOKENS token for /api/chat")
    parser.add_argument("--levels", default="10,50,200", help="people at once (default 10,50,200)")
    parser.add_argument("--paths", default="rest,ws", help="rest (/api/chat) and/or ws (widget); default both")
    parser.add_argument("--think", type=float, default=3.0, help="seconds of reading between turns (default 3)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each level (default 30)")
    parser.add_argument("--quick", action="store_true", help="10 and 50 people, 15 s a level")
    parser.add_argument("--seed", type=int, default=12, help="random seed of the conversations and start times")
    args = parser.parse_args(argv)
    if args.quick:
        args.levels, args.seconds = "10,50", min(args.seconds, 15.0)
    args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    args.paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = [p for p in args.paths if p not in PATHS]
    if unknown or not args.levels or min(args.levels) < 1:
        parser.error(f"--paths takes {', '.join(PATHS)} and --levels positive numbers (got {unknown or args.levels})")
    if args.no_local and not args.url:
        parser.error("--no-local needs --url (there would be nothing to measure)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    random.seed(args.seed)
    targets: list[Target] = []
    if not args.no_baseline:
        tree = baseline_checkout(args.baseline_ref)
        with started(f"baseline {args.baseline_ref}", tree, tree / "var") as target:
            measure(target, args)
        targets.append(target)
    if not args.no_local:
        print("this checkout: its dialogue model (skipped when current) …", flush=True)
        train = [str(ROOT / ".venv" / "bin" / "daofu"), "bot", "train"]
        subprocess.run(train, cwd=ROOT, env=code_env(ROOT, ROOT / "var"), check=True)
        with started("this checkout", ROOT, ROOT / "var") as target:
            measure(target, args)
        targets.append(target)
    if args.url:
        pids = [int(p) for p in args.pids.split(",") if p.strip()]
        target = Target(f"running at {args.url}", args.url.rstrip("/"), pids)
        measure(target, args)
        targets.append(target)
    saved = save(targets)
    print(f"\nraw figures: {saved}")
    print(f"{os.cpu_count()} cores; conversations of 3 turns from {len(NEEDS)} needs; {args.seconds:g} s per level")
    print(report(targets, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
