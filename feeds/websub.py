"""WebSub publishing: tell the hub which feeds changed, so subscribers get them at once."""
from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlencode

TIMEOUT = 10


def ping(hub: str, feed_urls: list[str]) -> list[str]:
    """POST hub.mode=publish for each feed URL; returns a message for each that failed."""
    failures = []
    for url in feed_urls:
        data = urlencode({"hub.mode": "publish", "hub.url": url}).encode()
        request = urllib.request.Request(hub, data=data, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as e:
            failures.append(f"WebSub hub {hub} answered {e.code} {e.reason} for {url}")
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            failures.append(f"WebSub hub {hub} could not be reached for {url}: {reason}")
    return failures
