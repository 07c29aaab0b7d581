"""The Flask app: serves the export a builder published (feeds/exported.py) with HTTP semantics.

Nothing is rendered per request but the feed filters (?q=, ?limit=), once per distinct filter
and generation, kept in a bounded cache (feeds/searches.py).
"""
from __future__ import annotations

import json
import os

from flask import Flask, Response, abort, redirect, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.http import is_resource_modified, parse_accept_header, parse_date, parse_etags

from . import urls
from .builder import export_of, read_status, state_of
from .config import Config
from .exported import Export, Generation, Stale
from .filters import BadFilter, parse
from .negotiation import wants_preview
from .searches import Searches, Unavailable

SHARED = {urls.MEDIA_TYPES[kind] for kind in (*urls.FORMATS, "opml")}  # fetched by web-based readers
CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "ETag, Last-Modified")]


MOVED = b"301 Moved Permanently\n"


def not_modified(environ, etag: str, resource) -> bool:
    """Whether the client's copy is current: If-None-Match, by werkzeug's comparison, wins; else
    If-Modified-Since must equal Last-Modified exactly (as nginx's `if_modified_since exact`).
    Last-Modified is when the bytes last changed (the ledger's times), so every correction moves
    it; exact equality also sends the document again to a client whose clock-made date is later."""
    if environ.get("HTTP_IF_NONE_MATCH"):
        return not is_resource_modified(environ, etag=etag)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and since == resource.last_modified


def create_app(config: Config | None = None) -> Flask:
    """Application factory: serves the export in the server's state folder (feeds/builder.py
    publishes it; `feeds serve` runs both). Without arguments, configuration comes from FEEDS_*
    variables. Each worker process holds the export's manifest, not its documents."""
    config = config or Config.from_env()
    app = Flask(__name__)
    state = state_of(config)
    try:
        export = Export(export_of(state))
    except (OSError, ValueError) as e:
        raise RuntimeError(f"{export_of(state)}: nothing to serve ({getattr(e, 'strerror', None) or e}); "
                           f"`feeds serve` publishes it first, as `python -m feeds.builder {state}` does") from None
    searches = Searches(config)
    app.extensions["feeds.export"] = export
    absolute = urls.Absolute(config.base_url)  # Locations too: never from the request's Host

    def representation(resource, environ, negotiated: bool = False, head: bool = False):
        """Status, headers and body for this request: gzip or identity; 200, 304 or 412; 301 from
        a former address of an item, 410 with the page of a withdrawn one. `negotiated`: the
        address also has a preview for browsers, so either answer varies with Accept. Raises
        Stale when a publish changed the document's files under it."""
        if resource.redirect:
            return "301 Moved Permanently", [
                ("Location", absolute(resource.redirect)), ("Cache-Control", f"public, max-age={config.cache_max_age}"),
                ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(MOVED)))], b"" if head else MOVED
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
        body = b"" if head else resource.content(gzipped)
        headers += [("Content-Type", resource.media_type),
                    ("Content-Length", str(resource.gzip_size if gzipped else resource.size))]
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        return "410 Gone" if resource.gone else "200 OK", headers, body

    def negotiate(generation: Generation, path: str, environ):
        """The document at `path` for this request (a feed's preview for a browser), and whether
        the address has two representations."""
        resource, preview = generation.documents.get(path), generation.previews.get(path)
        if preview is not None and wants_preview(environ.get("HTTP_ACCEPT")):
            return preview, True
        return resource, preview is not None

    flask_wsgi = app.wsgi_app
    preflight = [*CORS, ("Access-Control-Allow-Methods", "GET, HEAD"),
                 ("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since"),
                 ("Access-Control-Max-Age", "86400"), ("Content-Length", "0")]

    def documents(environ, start_response):
        """The hot path: a plain GET or HEAD of a document is answered from the manifest's
        validators and the export's bytes without Flask's request dispatch (readers poll forever;
        bench/load.py measures it). Anything else (filters, redirects, errors, /healthz) goes
        through Flask below."""
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        if (method == "GET" or method == "HEAD") and not environ.get("QUERY_STRING"):
            for _ in range(3):  # a publish may change the files under a generation: the next one answers
                try:
                    resource, negotiated = negotiate(export.current(), path, environ)
                    if resource is None:
                        break
                    status, headers, body = representation(resource, environ, negotiated, method == "HEAD")
                except Stale:
                    continue
                start_response(status, headers)
                return [body] if body else []
        if method == "OPTIONS":  # a browser's CORS preflight before a conditional GET of a feed
            generation = export.current()  # held while its listing is read
            resource = generation.documents.get(path)
            if resource is not None and resource.media_type in SHARED:
                start_response("204 No Content", preflight)
                return []
        return flask_wsgi(environ, start_response)

    app.wsgi_app = documents

    # OPTIONS is answered above, for feeds only (a CORS preflight); elsewhere it is 405, as from nginx
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    def respond(resource) -> Response:
        status, headers, body = representation(resource, request.environ)
        return Response(body, status=status, headers=headers)

    @app.get("/healthz")
    def health():
        generation, status = export.current(), read_status(state)
        body = json.dumps({
            "status": ("serving the last good build" if status.get("last_error") else "ok" if status
                       else "no status.json in the state folder: the builder will publish again"),
            "items": status.get("items"),
            "documents": len(generation.documents) + len(generation.previews),  # as the build counts them
            "generation": status.get("generation"),  # publishes into this state folder
            "worker": os.getpid(),
            "built_at": status.get("built_at"),
            "last_error": status.get("last_error"),
            "warnings": status.get("warnings", []),  # published anyway
        }, indent=2) + "\n"
        return Response(body, content_type="application/json", headers={"Cache-Control": "no-store"})

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def document(path: str):
        wanted = "/" + path
        for _ in range(3):
            generation = export.current()  # one generation for the whole request
            try:
                if wanted in generation.previews and request.args:  # a channel's current feed
                    chosen = parse(request.args, config.max_limit)
                    if chosen:
                        filtered = searches.render(generation, wanted, chosen)
                        if filtered is None:
                            raise Stale(wanted)  # the index does not know this feed: not this generation's
                        return respond(filtered)
                if wanted in generation.documents:
                    return respond(generation.documents[wanted])
            except Stale:
                continue
            except Unavailable:
                raise ServiceUnavailable("filters need an export published by this server's builder") from None
            break
        else:  # every try met a tree being changed: the answer is coming, not missing
            raise ServiceUnavailable("the site is being published; try again")
        # what a static host answers for the export's folders: /x → /x/ and /x/index.html → /x/
        folder = wanted.removesuffix("index.html") if wanted.endswith("/index.html") else wanted + "/"
        if folder in generation.documents:
            return redirect(absolute(folder), code=301)
        # country codes are lower case in URLs; /countries/PA is a reader typing the ISO code
        if wanted.startswith(urls.COUNTRIES) and wanted != wanted.lower():
            lower = wanted.lower()
            for candidate in (lower, lower + "/"):
                if candidate in generation.documents:
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
