"""The GET loop of `cargo xtask bench` for Python's requests-oauthlib.

Fetches an app token with the client credentials grant (oauthlib's
BackendApplicationClient), then makes COUNT authenticated GETs one after
another, reading and parsing each JSON answer, and prints one JSON line:
the loop's elapsed and CPU nanoseconds and every request's latency.

usage: get_loop.py TOKEN_URL GET_URL CLIENT_ID CLIENT_SECRET COUNT
"""

import json
import os
import sys
import time

# The sandbox is plain HTTP on loopback; oauthlib refuses http otherwise.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

from oauthlib.oauth2 import BackendApplicationClient  # noqa: E402
from requests.auth import HTTPBasicAuth  # noqa: E402
from requests_oauthlib import OAuth2Session  # noqa: E402

WARM_UP = 20


def main() -> None:
    token_url, get_url, client_id, client_secret, count = sys.argv[1:6]
    session = OAuth2Session(client=BackendApplicationClient(client_id=client_id))
    session.fetch_token(
        token_url=token_url, auth=HTTPBasicAuth(client_id, client_secret)
    )

    def get() -> None:
        response = session.get(get_url)
        response.raise_for_status()
        response.json()

    for _ in range(WARM_UP):
        get()
    latencies = []
    cpu_started = time.process_time_ns()
    started = time.perf_counter_ns()
    for _ in range(int(count)):
        before = time.perf_counter_ns()
        get()
        latencies.append(time.perf_counter_ns() - before)
    elapsed = time.perf_counter_ns() - started
    cpu = time.process_time_ns() - cpu_started
    print(
        json.dumps({"elapsed_ns": elapsed, "cpu_ns": cpu, "latencies_ns": latencies})
    )


if __name__ == "__main__":
    main()
