import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from feeds.catalog import load_catalog
from feeds.config import Config
from feeds.site import build_site

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BASE_URL = "https://feeds.example.net/iom/"

# Accept headers as clients send them: browsers get a feed's preview page, readers the feed
BROWSERS = {
    "Chromium": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
                "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "Firefox": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
READERS = {
    "FreshRSS (SimplePie)": "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
                            "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.7, unknown/unknown;q=0.1, "
                            "application/unknown;q=0.1, */*;q=0.1",
    "feedparser, reader": "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
                          "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1",
    "a JSON Feed reader": "application/feed+json, application/json;q=0.9, text/html;q=0.1",
    "curl, newsboat": "*/*",
    "none": None,
}


@pytest.fixture(scope="session", autouse=True)
def server_state(tmp_path_factory):
    """Servers started by the tests keep their state (feeds serve's default: a folder in the
    user's cache) in a temporary cache, not in the home folder of whoever runs the tests."""
    cache = tmp_path_factory.mktemp("cache")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    return cache


@pytest.fixture(scope="session", autouse=True)
def shipped_seeds_untouched():
    """No test writes into the shipped seeds folder (a build there would rewrite its ledger)."""
    def files():
        return {path.name: path.read_bytes() for path in SEEDS.iterdir()
                if path.is_file() and not path.name.startswith(".")}

    before = files()
    yield
    after = files()
    changed = sorted(name for name in after.keys() | before.keys() if after.get(name) != before.get(name))
    assert not changed, f"a test changed {changed} in {SEEDS}"


@pytest.fixture(scope="session")
def config():
    return Config(seeds=SEEDS, base_url=BASE_URL)


@pytest.fixture(scope="session")
def catalog(config):
    return load_catalog(config.seeds, config.tag_authority)


@pytest.fixture(scope="session")
def site(catalog, config):
    return build_site(catalog, config)


@pytest.fixture
def seeds(tmp_path):
    """A seeds folder to write digest files into: seeds('name.txt', text_or_bytes) → path."""
    folder = tmp_path / "seeds"
    folder.mkdir()

    def write(name, content):
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    write.folder = folder
    return write


def copy_seeds(tmp_path):
    """A copy of the shipped seeds at tmp_path/seeds, for a test that builds them: a build records
    its site in the ledger, and the shipped one stays as it is (its lock and dotfiles not copied)."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))
    return folder


def run_feeds(*args, cwd=ROOT, env=None):
    """The installed console script, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "feeds", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=60)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, process, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {process.stderr.read() if process.stderr else ''}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


def start_server(args, cwd=ROOT, **kwargs) -> subprocess.Popen:
    """A server in its own process group, so stop() ends its workers too."""
    return subprocess.Popen(args, cwd=cwd, start_new_session=True, **kwargs)


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def serving(*args, env=None, cwd=ROOT):
    """A server command run with `--port <free port>` until the block ends; yields its base URL."""
    port = free_port()
    process = start_server([sys.executable, *map(str, args), "--port", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base, process)
        yield base
    finally:
        stop(process)


def feeds_serve(seeds, *options):
    """`feeds serve` on `seeds`; yields its base URL."""
    return serving("-m", "feeds", "serve", "--seeds", seeds, *options)


@pytest.fixture(scope="session")
def server():
    """`python server.py` as a user starts it (no FEEDS_* settings); yields its base URL."""
    with serving("server.py", env={k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}) as base:
        yield base


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


class Nginx:
    """nginx on a free loopback port with deploy/nginx.conf as its header says to install it: only
    `listen`, `server_name` and `root` set, and with `moved_map`, the one optional line (the
    include of the map of moved items) uncommented with the same folder."""

    SHIPPED = ROOT / "deploy" / "nginx.conf"

    def __init__(self, work: Path, public: Path, moved_map: bool = False, server: Path = SHIPPED,
                 edits=("listen", "server_name", "root")):
        self.work, self.public, self.moved_map, self.server, self.edits = work, public, moved_map, server, edits
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.process = None

    def configured(self) -> str:
        """The server block with the documented edits, each made exactly once."""
        server = self.server.read_text()
        edits = [(pattern, line) for name, pattern, line in (
            ("listen", r"^    listen 80;$", f"    listen 127.0.0.1:{self.port};"),
            ("server_name", r"^    server_name \S+;$", "    server_name localhost;"),
            ("root", r"^    root \S+;$", f"    root {self.public};")) if name in self.edits]
        if self.moved_map:
            edits += [(r"^    # include \S+/_redirects.map;", f"    include {self.public}/_redirects.map;"),
                      (r"^# map_hash_bucket_size 256;", "map_hash_bucket_size 256;"),
                      (r"^# map_hash_max_size 262144;", "map_hash_max_size 262144;")]
        for pattern, line in edits:
            server, count = re.subn(pattern, lambda _, line=line: line, server, flags=re.MULTILINE)
            assert count == 1, pattern
        return server

    def start(self) -> "Nginx":
        work = self.work
        server = self.configured()
        temp = {name: work / name for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi")}
        # as root, nginx's workers would drop to `nobody`, who cannot enter pytest's private temp folder
        user = "user root;" if os.geteuid() == 0 else ""
        (work / "nginx.conf").write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp['client']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
{server}
}}
""")
        self.process = subprocess.Popen([NGINX, "-c", str(work / "nginx.conf"), "-p", str(work)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.wait()
        return self

    def wait(self) -> None:
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base, timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    pytest.fail(f"nginx did not start: {self.process.stderr.read()}")
                time.sleep(0.1)

    def reload(self) -> None:
        """As `nginx -s reload`: the master rereads its configuration (and the map of moved items)."""
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.5)  # the old worker finishes, a new one starts
        self.wait()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
