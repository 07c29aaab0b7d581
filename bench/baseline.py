"""The benchmark's baseline: a bare Flask app returning the same feed bytes from memory.

BASELINE_FILE names the file whose bytes it returns (bench/load.py passes the exported feed.atom).
"""
import os

from flask import Flask, Response

BODY = open(os.environ["BASELINE_FILE"], "rb").read()
app = Flask(__name__)


@app.get("/feed.atom")
def feed():
    return Response(BODY, content_type="application/atom+xml; charset=utf-8")
