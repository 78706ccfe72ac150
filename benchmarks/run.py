"""Benchmark citynet as people run it: whole processes, next to the floors they cannot beat.

Run it in an environment where citynet is installed (standard library only):

    python benchmarks/run.py                      # 7 runs per figure, all three sizes
    python benchmarks/run.py --quick              # 3 runs per figure
    python benchmarks/run.py --runs 11 --sizes shipped,large

If the `citynet` entry point is not next to `sys.executable`, it runs
`python -m citynet` instead, with this checkout on PYTHONPATH if citynet is not
importable. It is not part of CI and no test asserts a time.

What it does:

1. Datasets, deterministic, valid under the real schema: the shipped one (or
   tests/fixtures/mini.toml while data/networks.toml does not exist), 1,000 cities
   with 5,000 partnerships ("medium"), and 10,000 cities with 50,000 partnerships
   and 500 networks ("large"); and, with `--sizes real`, the shipped one after importing
   the real tables in ../shared/data (Wikidata twin cities, Eurocities, ClimActor), with
   the time of each import. They are built as `citynet.model` records, written
   with `citynet.store.dumps` and checked with `citynet.store.parse`, in a child
   process, into benchmarks/out/ (git-ignored). Each has a network `c40` and a
   city `berlin` with partners, so the same commands run at every size.
2. Commands, each a whole process with `--data PATH` and COLUMNS=100:
   `--help`, `show c40 --format json`, `list --format table`,
   `partners berlin --format tsv`, `check` and `search berlin`. "Cold" runs get a fresh, empty
   CITYNET_CACHE_DIR (the first run after the data changed); "warm" runs share one
   cache folder per size that an untimed run filled.
3. Floors, timed in the same rounds as the commands so machine noise hits both:
   `python -c pass`, `import typer, tomllib`, the same plus `rich.console` and
   `rich.table`, `--help` of a minimal two-command Typer app, and a bare
   `tomllib.load` of each size's file.
4. Every time is the median of --runs runs. Each process is started and timed by a
   tiny spawner (`python -I -S`, os.posix_spawn + os.wait4) that also reads its
   peak memory (ru_maxrss; the largest over the runs is shown). On Linux a child's
   ru_maxrss counts the RSS of whoever spawned it, so the spawner must be tiny.
   Where there is no os.wait4 (Windows) the runner times the process and prints
   n/a for memory.

The output is Markdown: the machine, the floors, every command with its ratios
to its floor, and the targets with met / not met.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "out"
MINI = ROOT / "tests" / "fixtures" / "mini.toml"
DEFAULT_SIZES = ("shipped", "medium", "large")
ALL_SIZES = (*DEFAULT_SIZES, "real")
# The real tables of issue 10, next to the checkout (shared/data): the "real" size is the
# shipped dataset after importing the Wikidata twin cities, Eurocities and ClimActor.
# A checkout elsewhere (a git worktree, say) names the folder with --shared.
REAL_DATA = ROOT.parent / "shared" / "data"
COLUMNS = "100"
MIB = 1024 * 1024
_SPEC = importlib.util.find_spec("citynet")
CITYNET_IMPORTABLE = _SPEC is not None and _SPEC.origin is not None  # not a bare namespace

# name: (arguments after `citynet --data PATH`, floor it is compared with)
COMMANDS: dict[str, tuple[list[str], str]] = {
    "--help": (["--help"], "typer-help"),
    "show": (["show", "c40", "--format", "json"], "typer+tomllib"),
    "list": (["list", "--format", "table"], "rich"),
    "partners": (["partners", "berlin", "--format", "tsv"], "typer+tomllib"),
    "check": (["check"], "typer+tomllib"),
    "search": (["search", "berlin", "--format", "tsv"], "typer+tomllib"),
    "cities": (["cities", "--limit", "20", "--format", "tsv"], "typer+tomllib"),
    "map": (["map", "berlin", "--format", "svg"], "typer+tomllib"),
    "report": (["report", "berlin", "--format", "html"], "typer+tomllib"),
    "stats": (["stats", "--format", "json"], "typer+tomllib"),
}
DATA_COMMANDS = ("show", "list", "partners", "check", "search", "cities")
# The pictures and figures of issue 11, timed where their targets are set.
PICTURE_COMMANDS = ("map", "report", "stats")
PICTURE_SIZES = ("shipped", "real")


def commands_of(size: str) -> list[str]:
    """The commands timed at a size."""
    return [c for c in COMMANDS if c not in PICTURE_COMMANDS or size in PICTURE_SIZES]


FLOOR_CODE = {
    "python": "pass",
    "typer+tomllib": "import typer, tomllib",
    "rich": "import typer, tomllib, rich.console, rich.table",
}
LOAD_CODE = "import sys, tomllib; tomllib.load(open(sys.argv[1], 'rb'))"
# The floor of a cold `partners berlin` (issue 18): compiled tomli loads and filters.
PARTNERS_CODE = (
    "import sys, tomli; data = tomli.load(open(sys.argv[1], 'rb'))\n"
    "print([p for p in data.get('partnerships', []) if 'berlin' in p['cities']])"
)
MINIMAL_TYPER_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    print(f"Hello {name}")


@app.command()
def goodbye(name: str) -> None:
    """Say goodbye."""
    print(f"Goodbye {name}")


if __name__ == "__main__":
    app()
'''


# --- synthetic datasets (run in a child process, see --generate) -----------------


@dataclass(frozen=True)
class Size:
    networks: int
    cities: int
    memberships: int
    partnerships: int
    sources: int
    seed: int


SYNTHETIC = {
    "medium": Size(networks=50, cities=1_000, memberships=3_000, partnerships=5_000,
                   sources=20, seed=1_000),
    "large": Size(networks=500, cities=10_000, memberships=30_000, partnerships=50_000,
                  sources=100, seed=10_000),
}  # fmt: skip
BERLIN_PARTNERS = 25  # the same at every size, so `partners berlin` prints the same amount
C40_MEMBERS = 97

SYLLABLES = (
    "ber", "lin", "ham", "burg", "mün", "chen", "kö", "dres", "den", "leip", "zig", "bre",
    "men", "han", "no", "ver", "nürn", "stutt", "gart", "wies", "ba", "mar", "sei", "lle",
    "to", "ri", "va", "len", "cia", "gdań", "sk", "ège", "lo", "rá", "ost", "wald",
)  # fmt: skip
COUNTRIES = ("DE", "FR", "PL", "IT", "ES", "NL", "AT", "CZ", "SE", "GB", "US", "JP", "NA", "BR")
THEMES = (
    ("klima", "Klima und Nachhaltigkeit", "Climate and sustainability", ("climate",)),
    ("soziales", "Soziales", "Social affairs", ("social",)),
    ("kultur", "Kultur", "Culture", ("culture",)),
    ("mobilitaet", "Mobilität", "Mobility", ("mobility", "verkehr")),
    ("digitales", "Digitalisierung", "Digital", ("digital", "smart city")),
    ("frieden", "Frieden", "Peace", ("peace",)),
    ("gesundheit", "Gesundheit", "Health", ("health",)),
    ("wirtschaft", "Wirtschaft", "Economy", ("economy",)),
    ("migration", "Migration und Integration", "Migration", ("integration",)),
    ("energie", "Energie", "Energy", ("energy",)),
)
NETWORK_WORDS = (
    ("Europäisches", "Internationales", "Deutsches", "Globales", "Regionales"),
    ("Netzwerk", "Bündnis", "Forum", "Städtetag", "Verband"),
    ("für Klimaschutz", "der Kulturstädte", "für Mobilität", "gegen Rassismus", "der Häfen"),
)
SENTENCES = (
    "Städte arbeiten gemeinsam an Lösungen für den Klimawandel.",
    "Das Netzwerk fördert den Austausch zwischen Verwaltungen.",
    "Mitglieder treffen sich jährlich zur Generalversammlung.",
    "Schwerpunkte sind Wohnen, Verkehr und öffentliche Räume.",
    "Die Arbeit wird durch Projekte der Europäischen Union gefördert.",
)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words) or "x"


def city_name(rng: random.Random) -> str:
    """A made-up city name; never "Berlin", which would make `partners berlin` ambiguous."""
    name = "Berlin"
    while name == "Berlin":
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return rng.choice(("", "", "", "Bad ", "Neu-", "Sankt ")) + name


def synthetic_dataset(size: Size) -> Any:
    """A dataset of the given size, the same for the same Size, valid under the schema."""
    from citynet.model import Dataset

    rng = random.Random(size.seed)
    sources = make_sources(rng, size.sources)
    source_ids = [s.id for s in sources]
    cities = make_cities(rng, size.cities, source_ids)
    networks = make_networks(rng, size.networks, source_ids, [c.id for c in cities])
    return Dataset(
        sources=tuple(sources),
        themes=make_themes(),
        networks=tuple(networks),
        cities=tuple(cities),
        memberships=tuple(make_memberships(rng, size.memberships, networks, cities, source_ids)),
        partnerships=tuple(make_partnerships(rng, size.partnerships, cities, source_ids)),
    )


def make_sources(rng: random.Random, count: int) -> list[Any]:
    from citynet.model import Source

    return [
        Source(
            id=f"quelle-{i:03d}",
            publisher=f"Stadt {city_name(rng)}",
            title="Städtenetzwerke und Städtepartnerschaften",
            language=rng.choice(("de", "en", "fr")),
            url=f"https://example.org/quelle/{i}",
        )
        for i in range(count)
    ]


def make_themes() -> tuple[Any, ...]:
    from citynet.model import Theme

    return tuple(Theme(id, name, name_en, aliases) for id, name, name_en, aliases in THEMES)


def make_cities(rng: random.Random, count: int, sources: list[str]) -> list[Any]:
    from citynet.model import City

    berlin = City("berlin", "Berlin", "DE", (sources[0],), wikidata="Q64", lat=52.52, lng=13.405)
    cities = [berlin]
    for i in range(1, count):
        name = city_name(rng)
        cities.append(
            City(
                id=f"{slug(name)}-{i}",
                name=name,
                country=rng.choice(COUNTRIES),
                sources=tuple(rng.sample(sources, rng.randint(1, 2))),
                name_en=name if rng.random() < 0.2 else "",
                wikidata=f"Q{rng.randint(1, 9_999_999)}",
                lat=round(rng.uniform(-60, 70), 4),
                lng=round(rng.uniform(-170, 170), 4),
            )
        )
    return cities


def make_networks(
    rng: random.Random, count: int, sources: list[str], city_ids: list[str]
) -> list[Any]:
    from citynet.model import Figure, Network

    c40 = Network(
        id="c40",
        name="C40 Cities Climate Leadership Group",
        short_name="C40",
        scope="global",
        themes=("klima",),
        sources=(sources[0], sources[1]),
        founded=2005,
        seat="London",
        homepage="https://www.c40.org",
        description="Ein Netzwerk von Megastädten, die sich dem Klimaschutz verpflichten.",
        figures=(
            Figure("members", 96, "Städte", sources[0], qualifier="über", year=2023),
            Figure("members", 100, "Städte", sources[1], qualifier="rund", year=2024),
        ),
    )
    networks = [c40]
    for i in range(1, count):
        words = [rng.choice(options) for options in NETWORK_WORDS]
        networks.append(
            Network(
                id=f"netzwerk-{i:04d}",
                name=f"{' '.join(words)} {i}",
                scope=rng.choice(("global", "europe", "national", "regional")),
                sources=tuple(rng.sample(sources, rng.randint(1, 3))),
                themes=tuple(rng.sample([t[0] for t in THEMES], rng.randint(1, 3))),
                founded=rng.randint(1950, 2023),
                parent=networks[rng.randrange(len(networks))].id if rng.random() < 0.1 else "",
                description=" ".join(rng.sample(SENTENCES, rng.randint(1, 3))),
                aims=tuple(rng.sample(SENTENCES, rng.randint(0, 2))),
                figures=make_figures(rng, sources),
                people=make_people(rng, sources, city_ids),
            )
        )
    return networks


def make_figures(rng: random.Random, sources: list[str]) -> tuple[Any, ...]:
    from citynet.model import Figure

    value = rng.randint(10, 3_000)
    figures = [Figure("members", value, "Städte", rng.choice(sources), qualifier="über")]
    if rng.random() < 0.3:  # a second source that disagrees
        figures.append(Figure("members", value + rng.randint(1, 50), "Städte", rng.choice(sources)))
    if rng.random() < 0.5:
        figures.append(Figure("countries", rng.randint(2, 60), "Länder", rng.choice(sources)))
    return tuple(figures)


def make_people(rng: random.Random, sources: list[str], city_ids: list[str]) -> tuple[Any, ...]:
    from citynet.model import Role

    if rng.random() < 0.5:
        return ()
    return (
        Role(
            role="Vorsitz",
            source=rng.choice(sources),
            person=f"Dr. {city_name(rng)}",
            city=rng.choice(city_ids),
            since=rng.randint(2000, 2024),
        ),
    )


def make_memberships(
    rng: random.Random, count: int, networks: list[Any], cities: list[Any], sources: list[str]
) -> list[Any]:
    from citynet.model import Membership

    c40_members = ["berlin", *(c.id for c in rng.sample(cities[1:], C40_MEMBERS - 1))]
    pairs = {(city, "c40") for city in c40_members}
    while len(pairs) < count:
        pairs.add((rng.choice(cities).id, rng.choice(networks).id))
    return [
        Membership(
            city=city,
            network=network,
            sources=(rng.choice(sources),),
            since=rng.randint(1960, 2024) if rng.random() < 0.7 else None,
        )
        for city, network in sorted(pairs)
    ]


def make_partnerships(
    rng: random.Random, count: int, cities: list[Any], sources: list[str]
) -> list[Any]:
    from citynet.model import PARTNERSHIP_KINDS, Partnership

    kinds = ["partnership"] * 4 + list(PARTNERSHIP_KINDS)
    berlin_partners = rng.sample(cities[1:], BERLIN_PARTNERS)
    pairs = {(frozenset(("berlin", c.id)), "partnership") for c in berlin_partners}
    others = range(1, len(cities))  # berlin keeps its BERLIN_PARTNERS
    while len(pairs) < count:
        # Indexes drawn from a range: no copy of the city list per partnership.
        a, b = (cities[index] for index in rng.sample(others, 2))
        pairs.add((frozenset((a.id, b.id)), rng.choice(kinds)))
    found = []
    for pair, kind in sorted(pairs, key=lambda p: (sorted(p[0]), p[1])):
        since = rng.randint(1950, 2020)
        found.append(
            Partnership(
                cities=tuple(sorted(pair)),  # type: ignore[arg-type]
                kind=kind,
                sources=(rng.choice(sources),),
                since=since,
                until=since + rng.randint(1, 10) if rng.random() < 0.1 else None,
            )
        )
    return found


def with_probes(dataset: Any) -> tuple[Any, list[str]]:
    """The dataset with a network `c40` and a city `berlin` with partners, added if missing."""
    from citynet.model import City, Membership, Network, Partnership

    source = dataset.sources[0].id
    added = []
    cities = list(dataset.cities)
    if "berlin" not in dataset.city_by_id:
        cities.append(City("berlin", "Berlin", "DE", (source,)))
        added.append("city berlin")
    partnerships = list(dataset.partnerships)
    if "berlin" not in dataset.partnerships_by_city:
        others = [c.id for c in cities if c.id != "berlin"][:3]
        partnerships += [Partnership(("berlin", c), "partnership", (source,)) for c in others]
        added.append(f"{len(others)} partnerships of berlin")
    networks, memberships = list(dataset.networks), list(dataset.memberships)
    if "c40" not in dataset.network_by_id:
        networks.append(Network("c40", "C40 Cities Climate Leadership Group", "global", (source,)))
        memberships.append(Membership("berlin", "c40", (source,)))
        added.append("network c40")
    probed = dataset.replace(
        cities=tuple(cities),
        networks=tuple(networks),
        memberships=tuple(memberships),
        partnerships=tuple(partnerships),
    )
    return probed, added


def generate(name: str, out: Path) -> dict[str, Any]:
    """Write the dataset `name` into `out` (unless it is the shipped one) and describe it."""
    from citynet.store import dumps, load, parse

    note = ""
    if name == "shipped":
        path = shipped_path()
        if not path.exists():
            note = f"{path} does not exist yet: used {MINI.relative_to(ROOT)} instead"
            path = MINI
        dataset, added = with_probes(load(path))
        if added:
            note = "; ".join(filter(None, [note, f"added {', '.join(added)}"]))
            path = out / "shipped.toml"
            write_checked(path, dumps(dataset), parse)
    elif name == "real":
        dataset, note = real_dataset(load(shipped_path()))
        path = out / "real.toml"
        write_checked(path, dumps(dataset), parse)
    else:
        dataset = synthetic_dataset(SYNTHETIC[name])
        path = out / f"{name}.toml"
        write_checked(path, dumps(dataset), parse)
    return {
        "path": str(path),
        "note": note,
        "kib": path.stat().st_size // 1024,
        "counts": {
            section: len(getattr(dataset, section))
            for section in ("networks", "cities", "memberships", "partnerships")
        },
        "source": dataset.sources[0].id,
    }


def real_dataset(shipped: Any) -> tuple[Any, str]:
    """The shipped dataset after the three real imports, and how long each took in-process."""
    from citynet.members import import_members
    from citynet.wikidata import import_tables

    twins = REAL_DATA / "wikidata-twin-cities"
    eurocities = REAL_DATA / "eurocities-members" / "members-wikidata-enriched.json"
    climactor = REAL_DATA / "climactor" / "climactor-initcols-2020-09.csv"
    missing = [p for p in (twins, eurocities, climactor) if not p.exists()]
    if missing:
        raise BenchmarkError(f"the real size needs {', '.join(map(str, missing))}")
    columns = {"C40Cities2019": "c40", "EUCovenantofMayors2019": "covenant-of-mayors"}
    steps = [
        ("wikidata", lambda d: import_tables(d, twins / "nodes.tsv", twins / "links.tsv")),
        ("eurocities", lambda d: import_members(d, eurocities, network="eurocities")),
        ("climactor", lambda d: import_members(d, climactor, columns=columns)),
    ]
    dataset, times = shipped, []
    for label, step in steps:
        started = time.perf_counter()
        dataset, _ = step(dataset)
        times.append(f"{label} {time.perf_counter() - started:.1f} s")
    return dataset, "imports in-process (without reading and writing the file): " + ", ".join(times)


def shipped_path() -> Path:
    """The shipped dataset's path: `citynet.store.shipped_path`, or `citynet.files` since."""
    import citynet.store

    if hasattr(citynet.store, "shipped_path"):
        return Path(citynet.store.shipped_path())
    from citynet.files import shipped_path as in_files

    return Path(in_files())


def write_checked(path: Path, text: str, parse: Callable[[str, str], Any]) -> None:
    parse(text, str(path))  # raises DataError if the generator made an invalid file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- running processes ------------------------------------------------------------


class BenchmarkError(Exception):
    pass


# Runs one command and reports on its stdout: seconds, ru_maxrss, exit status. It is
# `python -I -S` importing nothing, because on Linux a child's ru_maxrss counts the
# RSS of the process that spawned it (about 8 MiB here, as small as Python gets).
SPAWNER = """\
import os, sys, time
argv = sys.argv[1:]
to_devnull = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=to_devnull)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
print(elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""
CAN_SPAWN = hasattr(os, "posix_spawn") and hasattr(os, "wait4")


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int | None]:
    """Wall time in seconds and peak RSS in bytes (None if unknown) of one process."""
    if not CAN_SPAWN:  # Windows: time it from here, no memory figure
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        elapsed, rss, status = time.perf_counter() - start, None, done.returncode
    else:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", SPAWNER, *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        if done.returncode != 0:  # the spawner itself failed, e.g. no such program
            raise BenchmarkError(f"cannot run {argv[0]}:\n{done.stderr.decode().strip()}")
        seconds, maxrss, code = done.stdout.split()
        # ru_maxrss is in KiB on Linux and the BSDs, in bytes on macOS.
        scale = 1 if sys.platform == "darwin" else 1024
        elapsed, rss, status = float(seconds), int(maxrss) * scale, int(code)
    if status != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise BenchmarkError(f"{' '.join(argv)} exited {status}:\n{message}")
    return elapsed, rss


@dataclass
class Job:
    """One thing to time: a command line, and the cache folder it runs with."""

    key: tuple[str, ...]  # ("floor", name) or (size, command, "cold" | "warm")
    argv: list[str]
    env: dict[str, str]
    cache: Path | None = None  # the warm cache; None: a fresh one per run (cold), or no citynet
    cold: bool = False
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    # A write that undoes the one before: runs take turns (add, remove, add, …), so the
    # file returns to where it was and every run finds the cache warm.
    turns: list[list[str]] = field(default_factory=list)
    before: list[list[str]] = field(default_factory=list)  # untimed, by turns, before a run
    count: int = 0

    def run(self, scratch: Path, record: bool = True) -> None:
        if self.turns:
            self.argv = self.turns[self.count % len(self.turns)]
        if self.before:
            env = {**self.env, "CITYNET_CACHE_DIR": str(self.cache)}
            run_once(self.before[self.count % len(self.before)], env)
        self.count += 1
        env = dict(self.env)
        fresh = Path(tempfile.mkdtemp(prefix="cold-", dir=scratch)) if self.cold else None
        cache = fresh or self.cache
        if cache is not None:
            env["CITYNET_CACHE_DIR"] = str(cache)
        try:
            elapsed, rss = run_once(self.argv, env)
        finally:
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
        if record:
            self.times.append(elapsed)
            if rss is not None:
                self.rss.append(rss)


def citynet_command() -> tuple[list[str], str]:
    """The installed entry point next to sys.executable, else `python -m citynet`."""
    folder = Path(sys.executable).parent
    for name in ("citynet", "citynet.exe"):
        if (folder / name).is_file():
            return [str(folder / name)], f"`{folder / name}`"
    return [sys.executable, "-m", "citynet"], f"`{Path(sys.executable).name} -m citynet`"


def child_env() -> dict[str, str]:
    """The environment of every timed process: no citynet settings, a 100-column terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYNET_")}
    env["COLUMNS"] = COLUMNS
    if not CITYNET_IMPORTABLE:
        # Not installed: use this checkout, for the children and for --generate.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def prepare_datasets(sizes: Iterable[str], out: Path, env: dict[str, str]) -> dict[str, Any]:
    """Each size's dataset, generated in a child so that this process stays small."""
    datasets = {}
    for size in sizes:
        print(f"preparing the {size} dataset …", file=sys.stderr)
        argv = [sys.executable, __file__, "--generate", size, "--out", str(out)]
        argv += ["--shared", str(REAL_DATA.parent)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchmarkError(f"generating {size} failed:\n{done.stderr.strip()}")
        datasets[size] = json.loads(done.stdout)
    return datasets


def build_jobs(
    sizes: list[str], datasets: dict[str, Any], scratch: Path, env: dict[str, str]
) -> list[Job]:
    """Every job of one round, floors first in each size's block so noise hits both."""
    python = sys.executable
    citynet, _ = citynet_command()
    app = scratch / "minimal_typer_app.py"
    app.write_text(MINIMAL_TYPER_APP, encoding="utf-8")
    floors = [Job(("floor", n), [python, "-c", code], env) for n, code in FLOOR_CODE.items()]
    floors.append(Job(("floor", "typer-help"), [python, str(app), "--help"], env))
    jobs: list[Job] = []
    for size in sizes:
        path = datasets[size]["path"]
        jobs += floors
        jobs.append(Job(("floor", f"load:{size}"), [python, "-c", LOAD_CODE, path], env))
        if size == "real":
            argv = [python, "-c", PARTNERS_CODE, path]
            jobs.append(Job(("floor", "tomli-partners:real"), argv, env))
        warm = scratch / f"warm-{size}"
        for command in commands_of(size):
            arguments, _ = COMMANDS[command]
            argv = [*citynet, "--data", path, *arguments]
            jobs.append(Job((size, command, "cold"), argv, env, cold=True))
            jobs.append(Job((size, command, "warm"), argv, env, cache=warm))
        jobs += write_jobs(size, datasets[size], scratch, env)
    return jobs


# Writes and completion, timed warm on a copy of each size's file (see write_jobs).
WRITES = ("edit", "add/remove", "merge --dry-run", "partners after an edit", "complete")


def write_jobs(size: str, dataset: dict[str, Any], scratch: Path, env: dict[str, str]) -> list[Job]:
    """Jobs that change a copy of the size's file, each undoing its own change by turns;
    the copy has two records of one made-up place for `merge`."""
    citynet, _ = citynet_command()
    copy = scratch / f"write-{size}.toml"
    shutil.copyfile(dataset["path"], copy)
    cache = scratch / f"warm-write-{size}"
    source = dataset["source"]
    data = [*citynet, "--data", str(copy)]
    setup_env = {**env, "CITYNET_CACHE_DIR": str(cache)}
    for number in ("eins", "zwei"):
        place = ["--lat", "50.5", "--lng", "10.5", "--source", source]
        run_once([*data, "add", "city", "--id", f"probe-{number}", "--name", "Probestadt",
                  "--country", "DE", *place], setup_env)  # fmt: skip
    run_once([*data, "add", "partnership", "--cities", "probe-zwei", "--cities", "berlin",
              "--kind", "contact", "--source", source], setup_env)  # fmt: skip
    alias = [
        [*data, "edit", "city", "berlin", f"--{verb}-alias", "Bench"] for verb in ("add", "remove")
    ]
    add = [*data, "add", "city", "--id", "bench-probe", "--name", "Benchstadt", "--country", "DE",
           "--source", source]  # fmt: skip
    partners = [*data, *COMMANDS["partners"][0]]
    completing = {**env, "COMP_WORDS": "citynet --data {copy} partners Kö", "COMP_CWORD": "4",
                  "_CITYNET_COMPLETE": "complete_bash"}  # fmt: skip
    completing["COMP_WORDS"] = completing["COMP_WORDS"].format(copy=copy)
    other = [
        [*data, "edit", "city", "berlin", f"--{verb}-alias", "Vorher"] for verb in ("add", "remove")
    ]
    return [
        Job((size, "edit", "warm"), alias[0], env, cache=cache, turns=alias),
        Job((size, "add/remove", "warm"), add, env, cache=cache,
            turns=[add, [*data, "remove", "city", "bench-probe"]]),
        Job((size, "merge --dry-run", "warm"),
            [*data, "merge", "probe-eins", "probe-zwei", "--dry-run"], env, cache=cache),
        Job((size, "partners after an edit", "warm"), partners, env, cache=cache, before=other),
        Job((size, "complete", "warm"), citynet, completing, cache=cache),
    ]  # fmt: skip


def writes_table(results: Results, sizes: list[str]) -> str:
    rows = []
    for size in sizes:
        partners = results.median(size, "partners", "warm")
        for command in WRITES:
            warm = results.median(size, command, "warm")
            rows.append([size, command, ms(warm), mib(results.peak(size, command, "warm")),
                         ratio(warm, partners)])  # fmt: skip
        check = results.median(size, "check", "warm")
        rows.append([size, "check (warm)", ms(check), mib(results.peak(size, "check", "warm")),
                     ratio(check, partners)])  # fmt: skip
    header = ["size", "command", "warm ms", "peak MiB", "× warm `partners berlin`"]
    return markdown_table(header, rows)


def measure(jobs: list[Job], runs: int, scratch: Path) -> None:
    """One untimed run of every job (fills the warm caches), then `runs` timed rounds."""
    unique = list({id(job): job for job in jobs}.values())
    print(f"warming up {len(unique)} jobs …", file=sys.stderr)
    for job in unique:
        job.run(scratch, record=False)
    for round_number in range(1, runs + 1):
        print(f"round {round_number}/{runs} …", file=sys.stderr)
        for job in jobs:
            job.run(scratch)


# --- report -----------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f}"


def mib(size: int | None) -> str:
    return "n/a" if size is None else f"{size / MIB:.1f}"


def ratio(value: float | None, floor: float | None) -> str:
    return "—" if value is None or not floor else f"{value / floor:.2f}×"


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return ""


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine_lines(runs: int, datasets: dict[str, Any]) -> list[str]:
    _, how = citynet_command()
    given = os.environ.get("PYTHONPATH")
    pythonpath = f", PYTHONPATH={given}" if given else ""
    if not CITYNET_IMPORTABLE:
        pythonpath = " (this checkout added to PYTHONPATH)" + pythonpath
    lines = [
        f"- machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- citynet {citynet_version()} from `{citynet_folder()}`, run as {how}{pythonpath}",
        "- " + ", ".join(f"{p} {version(p)}" for p in ("typer", "click", "rich") if version(p)),
        f"- median of {runs} runs; cold = empty CITYNET_CACHE_DIR, warm = cache filled by an "
        f"untimed run; COLUMNS={COLUMNS}, output to /dev/null",
        "- peak memory: ru_maxrss of the command, read by a spawner that imports nothing "
        "(it cannot read less than its own ~8 MiB)"
        if CAN_SPAWN
        else "- peak memory: n/a here",
    ]
    for size, info in datasets.items():
        counts = ", ".join(f"{n:,} {what}" for what, n in info["counts"].items())
        lines.append(f"- {size}: `{display(info['path'])}`, {info['kib']:,} KiB: {counts}")
        if info["note"]:
            lines.append(f"  - note: {info['note']}")
    return lines


def citynet_version() -> str:
    found = version("citynet")
    if found:
        return found
    sys.path.insert(0, str(ROOT))
    try:
        import citynet

        return f"{citynet.__version__} (not installed)"
    finally:
        sys.path.remove(str(ROOT))


def citynet_folder() -> str:
    spec = importlib.util.find_spec("citynet")
    return str(Path(spec.origin).parent) if spec and spec.origin else str(ROOT / "citynet")


def display(path: str) -> str:
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return path


class Results:
    """Medians and peaks by job key, pooled over the jobs that share a key."""

    def __init__(self, jobs: list[Job]) -> None:
        self.times: dict[tuple[str, ...], list[float]] = {}
        self.rss: dict[tuple[str, ...], list[int]] = {}
        for job in {id(j): j for j in jobs}.values():
            self.times.setdefault(job.key, []).extend(job.times)
            self.rss.setdefault(job.key, []).extend(job.rss)

    def median(self, *key: str) -> float | None:
        times = self.times.get(key)
        return statistics.median(times) if times else None

    def peak(self, *key: str) -> int | None:
        rss = self.rss.get(key)
        return max(rss) if rss else None

    def runs(self, *key: str) -> int:
        return len(self.times.get(key, ()))


def floors_table(results: Results, sizes: list[str]) -> str:
    names = [*FLOOR_CODE, "typer-help", *(f"load:{size}" for size in sizes)]
    names += ["tomli-partners:real"] if "real" in sizes else []
    labels = {
        "python": "`python -c pass`",
        "typer+tomllib": "`python -c 'import typer, tomllib'`",
        "rich": "`python -c 'import typer, tomllib, rich.console, rich.table'`",
        "typer-help": "`--help` of a minimal two-command Typer app",
        "tomli-partners:real": "compiled `tomli.load` of the real file, Berlin's partners",
    }
    rows = [
        [
            name,
            labels.get(name, f"bare `tomllib.load` of the {name[5:]} file"),
            str(results.runs("floor", name)),
            ms(results.median("floor", name)),
            mib(results.peak("floor", name)),
        ]
        for name in names
    ]
    return markdown_table(["floor", "what", "runs", "median ms", "peak MiB"], rows)


def commands_table(results: Results, sizes: list[str]) -> str:
    rows = []
    for size in sizes:
        load = results.median("floor", f"load:{size}")
        for command in commands_of(size):
            arguments, floor_name = COMMANDS[command]
            cold = results.median(size, command, "cold")
            warm = results.median(size, command, "warm")
            floor = results.median("floor", floor_name)
            rows.append(
                [
                    size,
                    f"`{' '.join(arguments)}`",
                    ms(cold),
                    ms(warm),
                    mib(results.peak(size, command, "cold")),
                    mib(results.peak(size, command, "warm")),
                    floor_name,
                    ratio(cold, floor),
                    ratio(warm, floor),
                    ratio(cold, load) if size != "shipped" and command != "--help" else "—",
                ]
            )
    header = ["size", "command", "cold ms", "warm ms", "cold MiB", "warm MiB", "floor",
              "cold ×floor", "warm ×floor", "cold ×tomllib.load"]  # fmt: skip
    return markdown_table(header, rows)


@dataclass
class Target:
    what: str
    value: float | None
    limit: float
    unit: str = "×"

    def row(self) -> list[str]:
        if self.value is None:
            return [self.what, "n/a", self.limit_text(), "n/a"]
        shown = f"{self.value:.2f}×" if self.unit == "×" else f"{self.value:.1f} {self.unit}"
        met = self.value <= self.limit if self.unit == "×" else self.value < self.limit
        return [self.what, shown, self.limit_text(), "met" if met else "**not met**"]

    def limit_text(self) -> str:
        return f"≤ {self.limit}×" if self.unit == "×" else f"< {self.limit:g} {self.unit}"


def over(value: float | None, floor: float | None) -> float | None:
    return None if value is None or not floor else value / floor


def targets(results: Results, sizes: list[str]) -> list[Target]:
    found = []
    floor = results.median
    if "shipped" in sizes:
        for command in ("show", "partners", "list", "--help"):
            arguments, floor_name = COMMANDS[command]
            found.append(
                Target(
                    f"shipped, warm `{' '.join(arguments)}` vs floor {floor_name}",
                    over(results.median("shipped", command, "warm"), floor("floor", floor_name)),
                    1.15,
                )
            )
    if "large" in sizes and "shipped" in sizes:
        found.append(
            Target(
                "large vs shipped, warm `partners berlin --format tsv`",
                over(
                    results.median("large", "partners", "warm"),
                    results.median("shipped", "partners", "warm"),
                ),
                2.0,
            )
        )
    if "real" in sizes and "shipped" in sizes:
        for command, limit in (("partners", 1.5), ("search", 2.0)):
            arguments, _ = COMMANDS[command]
            found.append(
                Target(
                    f"real vs shipped, warm `{' '.join(arguments)}`",
                    over(
                        results.median("real", command, "warm"),
                        results.median("shipped", command, "warm"),
                    ),
                    limit,
                )
            )
    if "real" in sizes:
        found.append(
            Target(
                "real, warm `map berlin --format svg` vs warm `partners berlin --format tsv`",
                over(
                    results.median("real", "map", "warm"),
                    results.median("real", "partners", "warm"),
                ),
                1.5,
            )
        )
        for command, limit_ms in (("report", 1000), ("stats", 2000)):
            arguments, _ = COMMANDS[command]
            warm = results.median("real", command, "warm")
            value = None if warm is None else warm * 1000
            found.append(Target(f"real, warm `{' '.join(arguments)}`", value, limit_ms, "ms"))
    if "real" in sizes:
        partners = results.median("real", "partners", "warm")
        for command, limit in (("edit", 2.0), ("add/remove", 2.0), ("merge --dry-run", 3.0),
                               ("partners after an edit", 1.3), ("check", 2.0),
                               ("complete", 1.5)):  # fmt: skip
            what = f"real, warm `{command}` vs warm `partners berlin --format tsv`"
            found.append(
                Target(what, over(results.median("real", command, "warm"), partners), limit)
            )
        if "shipped" in sizes:
            found.append(
                Target(
                    "real vs shipped, warm `cities --limit 20`",
                    over(results.median("real", "cities", "warm"),
                         results.median("shipped", "cities", "warm")),
                    1.5,
                )
            )  # fmt: skip
        found.append(
            Target(
                "real, cold `partners berlin --format tsv` vs tomli load + filter",
                over(results.median("real", "partners", "cold"),
                     results.median("floor", "tomli-partners:real")),
                1.2,
            )
        )  # fmt: skip
        found.append(
            Target(
                "real, cold `check` vs cold `partners berlin --format tsv`",
                over(results.median("real", "check", "cold"),
                     results.median("real", "partners", "cold")),
                1.5,
            )
        )  # fmt: skip
    if "large" in sizes:
        found.append(
            Target(
                "large, warm `edit` vs warm `partners berlin --format tsv`",
                over(results.median("large", "edit", "warm"),
                     results.median("large", "partners", "warm")),
                3.0,
            )
        )  # fmt: skip
        load = floor("floor", "load:large")
        for command in DATA_COMMANDS:
            cold = results.median("large", command, "cold")
            what = f"large, cold `{command}` vs bare tomllib.load"
            found.append(Target(what, over(cold, load), 1.2))
    for size in sizes:
        for kind in ("cold", "warm"):
            peaks = {c: results.peak(size, c, kind) for c in commands_of(size)}
            known = {c: p for c, p in peaks.items() if p is not None}
            worst = max(known, key=lambda c: known[c]) if known else None
            value = known[worst] / MIB if worst else None
            what = f"{size}, peak memory, {kind} runs (largest: `{worst}`)"
            found.append(Target(what, value, 150, unit="MiB"))
    return found


def report(results: Results, sizes: list[str], runs: int, datasets: dict[str, Any]) -> str:
    rows = [target.row() for target in targets(results, sizes)]
    return "\n".join(
        [
            "## citynet benchmark",
            "",
            *machine_lines(runs, datasets),
            "",
            "### Floors",
            "",
            floors_table(results, sizes),
            "",
            "### Commands",
            "",
            commands_table(results, sizes),
            "",
            "### Writes, completion and check, warm",
            "",
            writes_table(results, sizes),
            "",
            "### Targets",
            "",
            markdown_table(["target", "measured", "limit", "met?"], rows),
        ]
    )


# --- main -------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="timed runs per figure (default 7, 3 if --quick)")
    parser.add_argument(
        "--sizes",
        default=",".join(DEFAULT_SIZES),
        help=f"comma-separated, of {', '.join(ALL_SIZES)} (default: {','.join(DEFAULT_SIZES)})",
    )
    parser.add_argument("--quick", action="store_true", help="3 runs per figure")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where datasets go")
    parser.add_argument(
        "--shared", type=Path, help="the shared/ folder with the real tables (for --sizes real)"
    )
    parser.add_argument("--generate", choices=ALL_SIZES, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    arguments.sizes = [s.strip() for s in arguments.sizes.split(",") if s.strip()]
    unknown = [s for s in arguments.sizes if s not in ALL_SIZES]
    if unknown or not arguments.sizes:
        parser.error(f"--sizes: unknown {unknown}; choose from {', '.join(ALL_SIZES)}")
    if arguments.runs is None:
        arguments.runs = 3 if arguments.quick else 7
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    global REAL_DATA
    arguments = parse_arguments(argv)
    if arguments.shared:
        REAL_DATA = arguments.shared.resolve() / "data"
    out = arguments.out.resolve()
    if arguments.generate:  # the child that builds one dataset
        print(json.dumps(generate(arguments.generate, out)))
        return 0
    env = child_env()
    sizes = arguments.sizes
    try:
        datasets = prepare_datasets(sizes, out, env)
        (out / "cache").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out / "cache") as scratch:
            jobs = build_jobs(sizes, datasets, Path(scratch), env)
            started = time.perf_counter()
            measure(jobs, arguments.runs, Path(scratch))
            elapsed = time.perf_counter() - started
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print(report(Results(jobs), sizes, arguments.runs, datasets))
    print(f"\n({len(jobs) * arguments.runs} timed processes in {elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
