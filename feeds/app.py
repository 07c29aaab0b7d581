"""The Flask app: serves a Site from memory with HTTP semantics; renders nothing per request.

Only the feed filters (?q=, ?limit=) render, once per distinct filter and generation, and are
kept in a bounded cache.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from flask import Flask, Response, abort, redirect, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import is_resource_modified, parse_accept_header, parse_date, parse_etags

from . import urls
from .catalog import load_catalog
from .config import Config
from .filters import BadFilter, parse
from .ledger import build_time
from .live import LastGood, Ledgers, Live, Watcher, fingerprint, log_to_stderr
from .negotiation import wants_preview
from .problems import DigestError, Problem
from .site import Resource, Site, build_site

SHARED = {urls.MEDIA_TYPES[kind] for kind in (*urls.FORMATS, "opml")}  # fetched by web-based readers
CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "ETag, Last-Modified")]


MOVED = b"301 Moved Permanently\n"


def not_modified(environ, etag: str, resource: Resource) -> bool:
    """Whether the client's copy is current: If-None-Match, by werkzeug's comparison, wins; else
    If-Modified-Since must equal Last-Modified exactly (as nginx's `if_modified_since exact`).
    Last-Modified is when the bytes last changed (the ledger's times), so every correction moves
    it; exact equality also sends the document again to a client whose clock-made date is later."""
    if environ.get("HTTP_IF_NONE_MATCH"):
        return not is_resource_modified(environ, etag=etag)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and since == resource.last_modified


def load_site(config: Config, ledgers: Ledgers | None = None) -> Site:
    """Read the seeds and the ledger, build the Site and record it in the ledger; raises
    DigestError naming every problem (and then records nothing)."""
    ledgers = ledgers or Ledgers(config.seeds)
    try:
        now = build_time()
    except ValueError as e:  # a bad SOURCE_DATE_EPOCH, said as plainly as a bad digest
        raise DigestError([Problem("SOURCE_DATE_EPOCH", 0, str(e))]) from None
    catalog = ledgers.publish(lambda ledger: load_catalog(config.seeds, config.tag_authority, now=now, ledger=ledger))
    return build_site(catalog, config)


def create_app(config: Config | None = None, site: Site | None = None, watch: bool | None = None) -> Flask:
    """Application factory. Without arguments, configuration comes from FEEDS_* variables.

    With `watch` (the default when the app reads the seeds itself), a background thread rebuilds
    the Site when the seeds folder changes.
    """
    config = config or Config.from_env()
    app = Flask(__name__)
    watch = watch if watch is not None else site is None
    last_good = LastGood(config.last_good) if config.last_good else None
    built = fingerprint(config.seeds)  # before reading: a change during the build is seen later
    ledgers = Ledgers(config.seeds, Path(config.last_good) if config.last_good else None)
    if site is not None:
        live = Live(site)
    else:
        try:
            live = Live(load_site(config, ledgers))
        except DigestError as e:
            # a worker (re)started while the seeds are broken serves the last good copy, if any
            saved = last_good.folder() if last_good else None
            if saved is None:
                raise
            live = Live(load_site(dataclasses.replace(config, seeds=saved)), e.problems)
        else:
            if last_good:
                last_good.save(config.seeds, built)
    app.extensions["feeds.live"] = live
    if config.reload_interval and watch:
        log_to_stderr()
        watcher = Watcher(config.seeds, config.reload_interval, lambda: load_site(config, ledgers), live, built, last_good)
        app.extensions["feeds.watcher"] = watcher
        watcher.start()
    absolute = urls.Absolute(config.base_url)  # Locations too: never from the request's Host

    def representation(resource: Resource, environ, negotiated: bool = False) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for this request: gzip or identity; 200, 304 or 412; 301 from
        a former address of an item, 410 with the page of a withdrawn one. `negotiated`: the
        address also has a preview for browsers, so either answer varies with Accept."""
        if resource.redirect:
            return "301 Moved Permanently", [
                ("Location", absolute(resource.redirect)), ("Cache-Control", f"public, max-age={config.cache_max_age}"),
                ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(MOVED)))], MOVED
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        gzipped = accepted["gzip"] > 0
        etag = resource.gzip_etag if gzipped else resource.etag  # a validator per representation
        headers = [("ETag", f'"{etag}"'), ("Last-Modified", resource.http_date),
                   ("Cache-Control", resource.cache_control(config.cache_max_age)),
                   ("Vary", "Accept-Encoding, Accept" if negotiated else "Accept-Encoding")]
        if resource.media_type in SHARED:
            headers += CORS
        if_match = environ.get("HTTP_IF_MATCH")
        if if_match and not parse_etags(if_match).contains(etag):
            return "412 Precondition Failed", headers, b""
        if not_modified(environ, etag, resource) and not resource.gone:
            return "304 Not Modified", headers, b""
        body = resource.gzip if gzipped else resource.body
        headers += [("Content-Type", resource.media_type), ("Content-Length", str(len(body)))]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        return "410 Gone" if resource.gone else "200 OK", headers, body

    def respond(resource: Resource) -> Response:
        status, headers, body = representation(resource, request.environ)
        return Response(body, status=status, headers=headers)

    def negotiate(site: Site, path: str, environ) -> tuple[Resource | None, bool]:
        """The document at `path` for this request (a feed's preview for a browser), and whether
        the address has two representations."""
        resource, preview = site.resources.get(path), site.previews.get(path)
        if preview is not None and wants_preview(environ.get("HTTP_ACCEPT")):
            return preview, True
        return resource, preview is not None

    flask_wsgi = app.wsgi_app
    preflight = [*CORS, ("Access-Control-Allow-Methods", "GET, HEAD"),
                 ("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since"),
                 ("Access-Control-Max-Age", "86400"), ("Content-Length", "0")]

    def documents(environ, start_response):
        """The hot path: a plain GET or HEAD of a Site document is answered from prepared bytes and
        headers without Flask's request dispatch (readers poll forever; bench/load.py measures it).
        Anything else (filters, redirects, errors, /healthz) goes through Flask below."""
        method = environ["REQUEST_METHOD"]
        if (method == "GET" or method == "HEAD") and not environ.get("QUERY_STRING"):
            resource, negotiated = negotiate(live.state.site, environ.get("PATH_INFO") or "/", environ)
            if resource is not None:
                status, headers, body = representation(resource, environ, negotiated)
                start_response(status, headers)
                return [] if method == "HEAD" else [body]
        if method == "OPTIONS":  # a browser's CORS preflight before a conditional GET of a feed
            resource = live.state.site.resources.get(environ.get("PATH_INFO") or "/")
            if resource is not None and resource.media_type in SHARED:
                start_response("204 No Content", preflight)
                return []
        return flask_wsgi(environ, start_response)

    app.wsgi_app = documents

    # OPTIONS is answered above, for feeds only (a CORS preflight); elsewhere it is 405, as from nginx
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

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
        # country codes are lower case in URLs; /countries/PA is a reader typing the ISO code
        if wanted.startswith(urls.COUNTRIES) and wanted != wanted.lower():
            lower = wanted.lower()
            for candidate in (lower, lower + "/"):
                if candidate in site:
                    return redirect(absolute(candidate), code=301)
        abort(404)

    @app.errorhandler(BadFilter)
    def bad_filter(error: BadFilter) -> Response:
        return Response(f"400 Bad Request: {error}\n", status=400, content_type="text/plain; charset=utf-8",
                        headers=CORS)  # a web-based reader can show the reason

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException) -> Response:
        # werkzeug's response keeps the headers that matter (Allow on a 405); the body is one line
        response = error.get_response()
        response.set_data(f"{error.code} {error.name}\n")
        response.content_type = "text/plain; charset=utf-8"
        return response

    return app
