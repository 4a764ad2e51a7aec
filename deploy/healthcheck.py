"""Container health probe for the web service: GET /readyz on the local gunicorn, over plain HTTP.

Exit status 0 when the portal answers 200 (database and broker reachable), 1 otherwise. Uses only the standard
library, so the slim image needs no curl. Settings exempt /healthz and /readyz from the HTTPS redirect; the Host
header is taken from ALLOWED_HOSTS so that Django accepts the request. Redirects are not followed: a redirect
means the probe did not reach the view, and following it would leave the container.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def probe_host(allowed_hosts: str) -> str:
    """A Host header that Django's ALLOWED_HOSTS validation accepts."""
    for entry in allowed_hosts.split(","):
        host = entry.strip()
        if not host or host == "*":
            continue
        # ".example.cn" allows example.cn and its subdomains.
        return host.lstrip(".")
    return "localhost"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def main() -> int:
    port = os.environ.get("PORT", "8000")
    path = sys.argv[1] if len(sys.argv) > 1 else "/readyz"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": probe_host(os.environ.get("ALLOWED_HOSTS", "")), "User-Agent": "healthcheck"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    try:
        with opener.open(request, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", "8"))) as response:
            body = response.read(500).decode("utf-8", "replace")
            print(response.status, body)
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(exc.code, exc.read(500).decode("utf-8", "replace"))
        return 1
    except OSError as exc:
        print("unreachable:", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
