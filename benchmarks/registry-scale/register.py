"""Registers a registry through a running gateway's admin API, for registry-scale.sh --sources admin.

    python3 register.py ADMIN_PORT TOKEN_ENV MODELS VERSIONS ALIASES CONCURRENCY TIMEOUT_S

The same registry gen_config writes as a config file: MODELS models, each with VERSIONS versions
(POST .../versions) and then ALIASES aliases (PUT .../aliases/A), production 90/10 over the last two
versions and the others 100 % on one version. CONCURRENCY workers, each with one keep-alive
connection to 127.0.0.1, take models in turn, so each model's versions are registered before its
aliases. Prints "calls seconds" on success; exits 1 naming the first refused call, or once
TIMEOUT_S has passed (then saying how many calls were made).
"""
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import quote

port, token_env, n, versions, aliases, concurrency, timeout = (
    int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
headers = {"Authorization": "Bearer " + os.environ[token_env], "Content-Type": "application/json"}
deadline = time.monotonic() + timeout
lock = threading.Lock()
state = {"next": 0, "calls": 0, "failure": None}


def calls_of(i):
    name = f"team-{i % 97}/model-{i:05d}"
    path = "/admin/v1/models/" + quote(name, safe="")
    for v in range(1, versions + 1):
        yield "POST", path + "/versions", {
            "version": f"v{v}", "artifact": f"s3://models/{name}/v{v}/weights.safetensors", "served_model": f"{name}-v{v}",
            "endpoints": [f"http://127.0.0.1:{20000 + (i * versions + v) % 20000}/v1"],
            "lineage": {"base_model": "meta-llama/Llama-3.1-8B", "dataset_version": f"ds-{i}-{v}"}}
    yield "PUT", path + "/aliases/production", {
        "weights": {f"v{versions - 1}": 90, f"v{versions}": 10}, "stable": f"v{versions - 1}", "reason": "registry-scale"}
    for a in range(1, aliases):
        v = 1 + (a - 1) % versions
        yield "PUT", path + f"/aliases/stage-{a}", {"weights": {f"v{v}": 100}, "stable": f"v{v}", "reason": "registry-scale"}


def worker():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1.0, timeout))
    while True:
        with lock:
            i = state["next"]
            if i >= n or state["failure"]:
                return
            state["next"] += 1
        for method, path, body in calls_of(i):
            if time.monotonic() > deadline:
                with lock:
                    state["failure"] = state["failure"] or f"not done within {timeout:.0f} s"
                return
            connection.request(method, path, json.dumps(body), headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status not in (200, 201):
                with lock:
                    state["failure"] = state["failure"] or f"{method} {path}: {response.status} {answer[:300]!r}"
                return
            with lock:
                state["calls"] += 1


start = time.monotonic()
threads = [threading.Thread(target=worker) for _ in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
if state["failure"]:
    print(f"registration failed after {state['calls']} calls in {elapsed:.1f} s: {state['failure']}", file=sys.stderr)
    sys.exit(1)
print(state["calls"], f"{elapsed:.3f}")
