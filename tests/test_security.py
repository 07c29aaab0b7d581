"""Hostile requests against the running server (`python server.py`): nothing escapes the Site, nothing
from the request is reflected, and the server keeps serving."""
import http.client
import socket
import urllib.parse

import pytest

from .test_server import fetch


def raw(base, path, headers=None, method="GET"):
    """A request sent as written: no client-side normalisation of the path."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=bool(headers and "Host" in headers), skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return None, {}, b""  # the server refused the request outright: acceptable for these
    finally:
        connection.close()


@pytest.mark.parametrize("path", [
    "/themes/../../etc/passwd", "/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/themes/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/items/..%2f..%2f..%2fetc%2fpasswd", "/..%5c..%5cetc%5cpasswd",
    "//etc/passwd", "/%252e%252e/etc/passwd", "/themes/..;/..;/etc/passwd", "/feed.atom/../../server.py",
    "/%00/etc/passwd", "/items/%c0%ae%c0%ae/etc/passwd",
])
def test_path_traversal_finds_nothing_outside_the_site(server, path):
    status, headers, body = raw(server, path)
    assert status in (None, 301, 400, 404)
    assert b"root:" not in body and b"create_app" not in body
    if status == 301:
        assert headers["Location"].startswith(server)


def test_oversized_query_strings_and_headers_change_nothing_and_the_server_carries_on(server):
    assert raw(server, "/feed.atom?q=" + "a" * 100_000)[0] in (None, 400, 414, 431)
    assert raw(server, "/feed.atom?" + "&".join(f"x{n}=1" for n in range(5000)))[0] in (None, 200, 400, 414, 431)
    status, _, body = raw(server, "/feed.atom", headers={"X-Big": "b" * 100_000})
    assert status in (None, 200, 400, 431) and b"bbbb" not in body
    assert raw(server, "/feed.atom", headers={f"X-H{n}": "v" for n in range(500)})[0] in (None, 200, 400, 431)
    status, _, body = fetch(server + "feed.atom")
    assert status == 200 and body.startswith(b"<?xml")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1:1@evil.example", "<script>"])
def test_host_header_is_never_written_into_a_document_or_a_redirect(server, host):
    for path in ("/feed.atom", "/", "/themes/governance", "/items/"):
        status, headers, body = raw(server, path, headers={"Host": host})
        assert host.encode() not in body
        assert host not in headers.get("Location", "")
        if status == 301:
            assert headers["Location"].startswith(server)


@pytest.mark.parametrize("path", ["/<script>alert(1)</script>", "/feed.atom?q=<script>alert(1)</script>",
                                  "/feed.atom?limit=<script>", "/themes/<img src=x onerror=alert(1)>/"])
def test_nothing_from_the_request_is_reflected(server, path):
    status, headers, body = raw(server, urllib.parse.quote(path, safe="/?=&"))
    assert b"<script>" not in body and b"<img" not in body and b"alert(1)" not in body.replace(b"alert%281%29", b"")
    assert status in (200, 400, 404)


def test_html_in_the_digest_is_escaped_in_every_page(tmp_path):
    from feeds.catalog import load_catalog
    from feeds.config import Config
    from feeds.site import build_site

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("1 June, 2021\n\n<script>alert(1)</script> Panama \"quotes\" 'and' & <b>tags</b>\n\n"
                                 "Body <iframe src=//evil></iframe> & <a href=javascript:alert(1)>x</a>.\n")
    config = Config(seeds=seeds)
    site = build_site(load_catalog(seeds, config.tag_authority), config)
    for path, resource in site.items():
        if resource.media_type == "application/feed+json":
            continue  # JSON strings hold the text itself; its content_html is checked below
        body = resource.body
        for dangerous in (b"<script>alert", b"<iframe", b"<a href=javascript", b"<b>tags"):
            assert dangerous not in body, (path, dangerous)
    import json
    [item] = json.loads(site["/feed.json"].body)["items"]
    assert item["title"].startswith("<script>alert(1)</script>")  # data, as typed
    assert "<iframe" not in item["content_html"] and "&lt;iframe" in item["content_html"]


def test_slow_clients_do_not_stop_others(server):
    url = urllib.parse.urlsplit(server)
    idle = [socket.create_connection((url.hostname, url.port)) for _ in range(20)]  # connect, send nothing
    try:
        assert fetch(server + "feed.atom")[0] == 200
    finally:
        for connection in idle:
            connection.close()
