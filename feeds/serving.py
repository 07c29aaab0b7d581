"""Running the app under an HTTP server: granian (the default, measured fastest in bench/load.py),
gunicorn, or werkzeug's development server.

Workers are separate processes; each calls the app factory, which reads its configuration from
the FEEDS_* environment the parent sets here and serves the export the builder keeps in the
state folder (feeds/builder.py); none of them reads the seeds.
"""
from __future__ import annotations

import os

from .config import Config

SERVERS = ("granian", "gunicorn", "werkzeug")
DEFAULT_SERVER = "granian"
FACTORY = "feeds.app:create_app"


def run(config: Config, host: str, port: int, workers: int, server: str = DEFAULT_SERVER,
        threads: int = 4) -> None:
    os.environ.update(config.environment())
    if server == "granian":
        from granian import Granian
        from granian.constants import Interfaces

        Granian(FACTORY, factory=True, address=host, port=port, interface=Interfaces.WSGI, workers=workers,
                blocking_threads=threads, respawn_failed_workers=True, websockets=False,
                workers_kill_timeout=5).serve()
    elif server == "gunicorn":
        from gunicorn.app.base import BaseApplication

        class Gunicorn(BaseApplication):
            def load_config(self):
                for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                                   "worker_class": "gthread", "accesslog": None}.items():
                    self.cfg.set(key, value)

            def load(self):  # in each worker: the export, followed across publishes
                from .app import create_app
                return create_app()

        Gunicorn().run()
    else:
        from werkzeug.serving import run_simple

        from .app import create_app
        run_simple(host, port, create_app(), threaded=True)
