"""Serve the feeds: `python server.py` is `feeds serve` with its defaults (127.0.0.1:8000).

`create_app()` is the application factory, for any WSGI server: gunicorn 'server:create_app()'.
"""
from feeds.app import create_app
from feeds.cli import serve

__all__ = ["create_app"]

if __name__ == "__main__":
    serve(prog_name="server.py")
