"""WebSub publishing: tell the hub which feeds changed, so subscribers get them at once."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

TIMEOUT = 10  # seconds per request
DEADLINE = 30  # seconds for all pings: a dead hub must not hold a publish for minutes


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A hub that redirects has not taken the notification (urllib would re-send it as a GET)."""

    def redirect_request(self, *args):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def ping(hub: str, feed_urls: list[str]) -> list[str]:
    """POST hub.mode=publish for each feed URL; returns a message for each that failed. After a
    failure to connect at all, or past the deadline, the rest are reported, not tried."""
    failures, started = [], time.monotonic()
    for index, url in enumerate(feed_urls):
        if time.monotonic() - started > DEADLINE:
            failures += [f"WebSub hub {hub}: not pinged for {rest} (the pings took over {DEADLINE} s)"
                         for rest in feed_urls[index:]]
            break
        data = urlencode({"hub.mode": "publish", "hub.url": url}).encode()
        request = urllib.request.Request(hub, data=data, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with OPENER.open(request, timeout=TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as e:
            failures.append(f"WebSub hub {hub} answered {e.code} {e.reason} for {url}")
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            failures.append(f"WebSub hub {hub} could not be reached for {url}: {reason}")
            failures += [f"WebSub hub {hub}: not pinged for {rest} (unreachable)" for rest in feed_urls[index + 1:]]
            break
    return failures
