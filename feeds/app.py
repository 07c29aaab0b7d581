"""The Flask app: serves a Site from memory with HTTP semantics; renders nothing per request.

Only the feed filters (?q=, ?limit=) render, once per distinct filter and generation, and are
kept in a bounded cache.
"""
from __future__ import annotations

import json
import logging

from flask import Flask, Response, abort, redirect, request
from werkzeug.exceptions import HTTPException

from . import urls
from .catalog import load_catalog
from .config import Config
from .filters import BadFilter, parse
from .live import Live, Watcher
from .site import Resource, Site, build_site

SHARED = {urls.MEDIA_TYPES[kind] for kind in (*urls.FORMATS, "opml")}  # fetched by web-based readers


def load_site(config: Config) -> Site:
    """Read the seeds and build the Site; raises DigestError naming every problem."""
    return build_site(load_catalog(config.seeds, config.tag_authority), config)


def create_app(config: Config | None = None, site: Site | None = None, watch: bool | None = None) -> Flask:
    """Application factory. Without arguments, configuration comes from FEEDS_* variables.

    With `watch` (the default when the app reads the seeds itself), a background thread rebuilds
    the Site when the seeds folder changes.
    """
    config = config or Config.from_env()
    app = Flask(__name__)
    live = Live(site or load_site(config))
    app.extensions["feeds.live"] = live
    if config.reload_interval and (watch if watch is not None else site is None):
        logging.getLogger("feeds").setLevel(logging.INFO)
        watcher = Watcher(config.seeds, config.reload_interval, lambda: load_site(config), live)
        app.extensions["feeds.watcher"] = watcher
        watcher.start()
    absolute = urls.Absolute(config.base_url)

    def respond(resource: Resource) -> Response:
        gzipped = request.accept_encodings["gzip"] > 0
        response = Response(resource.gzip if gzipped else resource.body, content_type=resource.media_type)
        if gzipped:
            response.content_encoding = "gzip"
        response.vary.add("Accept-Encoding")
        # one strong validator per representation: the gzip bytes are another entity
        response.set_etag(resource.gzip_etag if gzipped else resource.etag)
        response.last_modified = resource.last_modified
        response.cache_control.public = True
        response.cache_control.max_age = config.cache_max_age
        if resource.media_type in SHARED:
            response.access_control_allow_origin = "*"
        # werkzeug compares If-None-Match / If-Modified-Since and turns this into a 304
        response = response.make_conditional(request)
        del response.headers["Date"]  # make_conditional adds one; the HTTP server sends its own
        return response

    @app.get("/healthz")
    def health():
        body = json.dumps(live.state.health(), indent=2) + "\n"
        return Response(body, content_type="application/json", headers={"Cache-Control": "no-store"})

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def document(path: str):
        site = live.state.site  # one generation for the whole request
        wanted = "/" + path
        if wanted in site.feeds and request.args:
            return respond(site.filtered(wanted, parse(request.args, config.max_limit)))
        if wanted in site:
            return respond(site[wanted])
        # what a static host answers for the export's folders: /x → /x/ and /x/index.html → /x/
        folder = wanted.removesuffix("index.html") if wanted.endswith("/index.html") else wanted + "/"
        if folder in site:
            return redirect(absolute(folder), code=301)
        # country codes are lower case in URLs; /countries/PA/ is a reader typing the ISO code
        if wanted.startswith(urls.COUNTRIES) and wanted.lower() in site:
            return redirect(absolute(wanted.lower()), code=301)
        abort(404)

    @app.errorhandler(BadFilter)
    def bad_filter(error: BadFilter) -> Response:
        return Response(f"400 Bad Request: {error}\n", status=400, content_type="text/plain; charset=utf-8")

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException) -> Response:
        # werkzeug's response keeps the headers that matter (Allow on a 405); the body is one line
        response = error.get_response()
        response.set_data(f"{error.code} {error.name}\n")
        response.content_type = "text/plain; charset=utf-8"
        return response

    return app
