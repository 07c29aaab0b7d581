"""The Flask app: serves a Site from memory with HTTP semantics; renders nothing per request."""
from __future__ import annotations

from flask import Flask, Response, abort, redirect, request
from werkzeug.exceptions import HTTPException

from . import urls
from .catalog import load_catalog
from .config import Config
from .site import Resource, Site, build_site

CACHE_SECONDS = 300


def load_site(config: Config) -> Site:
    """Read the seeds and build the Site; raises DigestError naming every problem."""
    return build_site(load_catalog(config.seeds, config.tag_authority), config)


def create_app(config: Config | None = None, site: Site | None = None) -> Flask:
    """Application factory. Without arguments, configuration comes from FEEDS_* variables."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.extensions["feeds.site"] = site or load_site(config)

    def current() -> Site:
        return app.extensions["feeds.site"]

    def respond(resource: Resource) -> Response:
        response = Response(resource.body, content_type=resource.media_type)
        response.set_etag(resource.etag)
        response.last_modified = resource.last_modified
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        # werkzeug compares If-None-Match / If-Modified-Since and turns this into a 304
        response = response.make_conditional(request)
        del response.headers["Date"]  # make_conditional adds one; the HTTP server sends its own
        return response

    absolute = urls.Absolute(config.base_url)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def document(path: str):
        site = current()
        wanted = "/" + path
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

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException) -> Response:
        # werkzeug's response keeps the headers that matter (Allow on a 405); the body is one line
        response = error.get_response()
        response.set_data(f"{error.code} {error.name}\n")
        response.content_type = "text/plain; charset=utf-8"
        return response

    return app
