#!/usr/bin/env python3
"""Client side of benchmarks/compare.sh: readiness timing, split share, streams, held streams, report.

Standard library only (python3 is on every machine the project runs on). Every loop is bounded by a
count and a deadline; every address is the loopback one the caller passes.
"""
import argparse
import asyncio
import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse


def chat_body(model, stream, max_tokens=64):
    """A chat request; max_tokens None lets a simulated stream run its full --tokens."""
    body = {"model": model, "messages": [{"role": "user", "content": "Where is my order?"}]}
    if max_tokens:
        body["max_tokens"] = max_tokens
    if stream:
        body["stream"] = True
    return json.dumps(body, separators=(",", ":")).encode()


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# ---- ready: milliseconds from a launch time until GET url answers 200 -------------------------------

def cmd_ready(a):
    deadline = time.monotonic() + a.timeout
    u = urllib.parse.urlsplit(a.url)
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=1)
            c.request("GET", u.path)
            status = c.getresponse().status
            c.close()
            if status == 200:
                print(f"{(time.time_ns() - a.start_ns) / 1e6:.0f}")
                return 0
        except OSError:
            pass
        time.sleep(0.005)
    print(f"bench.py ready: {a.url} did not answer 200 within {a.timeout}s", file=sys.stderr)
    return 1


# ---- split: which backend answered each of N requests (the backends stamp "backend":"a"/"b") -------

def cmd_split(a):
    u = urllib.parse.urlsplit(a.url)
    body = chat_body(a.model, False)
    counts = {"a": 0, "b": 0, "other": 0, "errors": 0}
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    for _ in range(a.n):
        try:
            conn.request("POST", u.path, body, {"content-type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            counts["errors"] += 1
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            continue
        if r.status != 200:
            counts["errors"] += 1
        elif b'"backend":"a"' in data:
            counts["a"] += 1
        elif b'"backend":"b"' in data:
            counts["b"] += 1
        else:
            counts["other"] += 1
    conn.close()
    print(json.dumps(counts))
    return 0


# ---- streams: N concurrent SSE requests, time to first `data:` event and to the end -----------------

async def one_stream(host, port, path, body, deadline_s, on_first=None, hold=None):
    """Returns (ttfe_ms, total_ms, ok). With `hold` (an Event) the stream is read until the event is
    set and then closed (the client going away); ok is then whether it was still open."""
    t0 = time.perf_counter()
    ttfe = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), deadline_s)
    except (OSError, asyncio.TimeoutError):
        return None, None, False
    req = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\ncontent-type: application/json\r\n"
           f"accept: text/event-stream\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body
    ok = False
    try:
        writer.write(req)
        await writer.drain()
        buf = b""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            chunk = await asyncio.wait_for(reader.read(65536), end - time.monotonic())
            if not chunk:
                break
            buf += chunk
            if ttfe is None:
                if not buf.startswith(b"HTTP/1.1 200"):
                    break
                if b"\ndata:" in buf:
                    ttfe = (time.perf_counter() - t0) * 1000
                    if on_first:
                        on_first()
                    if hold is not None:
                        ok = await read_until(reader, hold)
                        break
            # A chunked answer is whole at its last chunk; [DONE] may straddle two chunks.
            if buf.endswith(b"\r\n0\r\n\r\n"):
                break
    except (OSError, asyncio.TimeoutError):
        pass
    finally:
        writer.close()
    ok = ok or b"data: [DONE]" in answer_body(buf)
    return ttfe, (time.perf_counter() - t0) * 1000, ok and ttfe is not None


def answer_body(raw):
    """The body of a raw HTTP/1.1 answer, its chunk framing removed (as far as it arrived)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" not in head.lower():
        return body
    out = b""
    while True:
        size_line, sep, rest = body.partition(b"\r\n")
        if not sep:
            return out
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            return out
        if size == 0 or len(rest) < size:
            return out + rest[:size]
        out += rest[:size]
        body = rest[size + 2:]


async def read_until(reader, release):
    """Reads (and drops) a stream until `release` is set: True, or False if it ended first."""
    while not release.is_set():
        try:
            if not await asyncio.wait_for(reader.read(65536), 0.5):
                return False
        except asyncio.TimeoutError:
            pass
    return True


def cmd_streams(a):
    u = urllib.parse.urlsplit(a.url)
    body = chat_body(a.model, True)

    async def run():
        return await asyncio.gather(*(one_stream(u.hostname, u.port, u.path, body, a.timeout) for _ in range(a.n)))

    results = asyncio.run(run())
    good = [(t, tot) for t, tot, ok in results if ok]
    out = {"n": a.n, "ok": len(good), "failed": a.n - len(good)}
    if good:
        ttfe = [t for t, _ in good]
        total = [tot for _, tot in good]
        out.update(ttfe_p50_ms=statistics.median(ttfe), ttfe_p99_ms=percentile(ttfe, 99),
                   total_p50_ms=statistics.median(total), total_p99_ms=percentile(total, 99))
    print(json.dumps(out))
    return 0


# ---- hold: N streams open at once through the gateway, its RSS while they are all open -----------

def cmd_hold(a):
    u = urllib.parse.urlsplit(a.url)
    body = chat_body(a.model, True, max_tokens=None)

    async def run():
        release = asyncio.Event()
        started = {"n": 0}
        all_open = asyncio.Event()

        def first():
            started["n"] += 1
            if started["n"] == a.n:
                all_open.set()

        t0 = time.monotonic()
        tasks = []
        for _ in range(a.n):
            tasks.append(asyncio.create_task(one_stream(u.hostname, u.port, u.path, body, a.timeout, first, release)))
            await asyncio.sleep(0)
        try:
            await asyncio.wait_for(all_open.wait(), a.open_timeout)
        except asyncio.TimeoutError:
            pass
        opened_s = time.monotonic() - t0
        peak = 0
        samples = 0
        end = time.monotonic() + a.hold_s
        while time.monotonic() < end:
            peak = max(peak, rss_kb(a.pid))
            samples += 1
            await asyncio.sleep(0.25)
        release.set()
        results = await asyncio.gather(*tasks)
        # Held: had its first event and was still open when released.
        return {"n": a.n, "open": sum(1 for _, _, ok in results if ok), "started": started["n"],
                "opened_in_s": round(opened_s, 2), "rss_peak_kb": peak, "rss_samples": samples}

    print(json.dumps(asyncio.run(run())))
    return 0


# ---- busy machine: CPU used by processes that are not ours ------------------------------------------

def proc_ticks(pid):
    """utime+stime+cutime+cstime of a process (its reaped children included), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return sum(int(x) for x in fields[11:15])


def descendants(root):
    """root and every live process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def snapshot(root):
    """Machine CPU (user+nice+system, steal) and what the tree under root used, in clock ticks.
    IRQ and softirq time (loopback networking) belongs to no process, so it is left out of both."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    return {"t": time.monotonic(), "busy": cpu[0] + cpu[1] + cpu[2], "steal": cpu[7] if len(cpu) > 7 else 0,
            "ours": sum(proc_ticks(p) for p in descendants(root))}


def busy_between(before, after, hz):
    """Other processes' CPU and steal over an interval, each in % of one core."""
    secs = max(after["t"] - before["t"], 1e-3)
    other = (after["busy"] - before["busy"]) - (after["ours"] - before["ours"])
    return {"seconds": round(secs, 2), "other_cpu_pct": round(max(other, 0) * 100 / hz / secs, 1),
            "steal_pct": round((after["steal"] - before["steal"]) * 100 / hz / secs, 1)}


def top_others(root, seconds=1.0):
    """The busiest processes outside root's tree over a short sample, for the failure message."""
    ours = set(descendants(root))
    def ticks():
        out = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in ours:
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        head, rest = f.read().rsplit(") ", 1)
                    fields = rest.split()
                    out[int(entry)] = (head.split("(", 1)[1], int(fields[11]) + int(fields[12]))
                except (OSError, IndexError, ValueError):
                    pass
        return out
    a = ticks()
    time.sleep(seconds)
    b = ticks()
    hz = os.sysconf("SC_CLK_TCK")
    used = sorted(((b[p][1] - a[p][1], p, b[p][0]) for p in b if p in a), reverse=True)
    return [f"{name} (pid {pid}) {t * 100 / hz / seconds:.0f} %" for t, pid, name in used[:5] if t > 0]


def thread_ticks(pid):
    """CPU ticks of a process's threads, summed by name without a trailing index ("GC Thread#0" -> "GC Thread")."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                head, rest = f.read().rsplit(") ", 1)
            fields = rest.split()
        except (OSError, ValueError):
            continue
        name = re.sub(r"[#_ -]*[0-9]+$", "", head.split("(", 1)[1])
        out[name] = out.get(name, 0) + int(fields[11]) + int(fields[12])
    return out


def cmd_threads(a):
    print(json.dumps(thread_ticks(a.pid)))
    return 0


def cmd_snap(a):
    print(json.dumps(snapshot(a.root)))
    return 0


def cmd_busy(a):
    """Compares two snapshots (or samples a quiet interval) against the threshold; exit 3 when busy."""
    hz = os.sysconf("SC_CLK_TCK")
    if a.seconds:
        before = snapshot(a.root)
        time.sleep(a.seconds)
        after = snapshot(a.root)
    else:
        before, after = json.loads(a.before), json.loads(a.after)
    b = busy_between(before, after, hz)
    b["busy"] = b["other_cpu_pct"] > a.max_other_cpu or b["steal_pct"] > a.max_steal
    if b["busy"] and a.seconds:
        b["others"] = top_others(a.root)
    print(json.dumps(b))
    return 0


def cmd_line(a):
    """One recorded wrk run, summarised on one line for the progress log."""
    r = json.load(sys.stdin)
    w, j, m = r["wrk"], r.get("jvm"), r["machine"]
    text = (f"{w['requests'] / (w['duration_us'] / 1e6):.0f} req/s, p50 {w['p50_us']} us, p99 {w['p99_us']} us, max {w['max_us']} us, "
            f"{w['errors']} errors, proxy CPU {r.get('cpu_us_per_req') or 0:.1f} us/request")
    if j:
        text += (f"; GC {j['gc_pauses']} pauses {j['gc_pause_ms']} ms (max {j['gc_pause_max_ms']}), safepoints {j['safepoint_ms']} ms, "
                 f"JIT {j['compiled']} methods {j['compile_s']} s")
    text += f"; other processes {m['other_cpu_pct']} % CPU" + (" — BUSY" if m["busy"] else "")
    print(text)
    return 0


def cmd_busy_windows(a):
    """The measured windows and quiet samples in which the machine was busy, '; '-separated."""
    busy = []
    for line in open(a.results):
        r = json.loads(line)
        m = r["check"] if r["kind"] == "busy_check" else r.get("machine")
        if m and m.get("busy"):
            name = f"quiet sample {r['when']}" if r["kind"] == "busy_check" else f"{r['kind']} {r['target']} #{r['rep']}"
            busy.append(f"{name} ({m['other_cpu_pct']} % other CPU, {m['steal_pct']} % steal)")
    print("; ".join(busy))
    return 0


# ---- jvm: GC pauses and safepoints from -Xlog:gc,safepoint (uptime decoration) within a window --------

def cmd_jvm_window(a):
    """GC pauses and safepoints logged between JVM uptimes --from and --to (seconds)."""
    pauses, safepoints = [], []
    try:
        lines = open(a.gc_log, errors="replace").read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        if not line.startswith("[") or "s]" not in line:
            continue
        try:
            t = float(line[1:line.index("s]")])
        except ValueError:
            continue
        if not a.start <= t <= a.end:
            continue
        if "Safepoint \"" in line and "Total: " in line:
            safepoints.append(int(line.rsplit("Total: ", 1)[1].split()[0]) / 1e6)
        elif " Pause " in line and line.rstrip().endswith("ms"):
            pauses.append(float(line.rstrip()[:-2].rsplit(" ", 1)[1]))
    print(json.dumps({"gc_pauses": len(pauses), "gc_pause_ms": round(sum(pauses), 2), "gc_pause_max_ms": round(max(pauses, default=0), 2),
                      "safepoints": len(safepoints), "safepoint_ms": round(sum(safepoints), 2),
                      "safepoint_max_ms": round(max(safepoints, default=0), 2)}))
    return 0


# ---- report: RESULTS.md from the JSON lines compare.sh wrote ---------------------------------------

TARGETS = ("nginx", "modelgate", "direct")


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def ratio(a, b, digits=2):
    return "—" if a is None or not b else f"{a / b:.{digits}f}×"


def pct(x):
    return "—" if x is None else f"{x * 100:.0f} %"


def spread(xs, digits=0):
    """median (min–max) of a figure over repetitions."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    if len(xs) == 1:
        return fmt(xs[0], digits)
    return f"{fmt(statistics.median(xs), digits)} ({fmt(min(xs), digits)}–{fmt(max(xs), digits)})"


def verdict(ok):
    return "—" if ok is None else ("met" if ok else "**not met**")


def cmd_report(a):
    rows = [json.loads(line) for line in open(a.results) if line.strip()]
    meta = json.load(open(a.meta))

    def of(kind, target=None):
        return [r for r in rows if r["kind"] == kind and (target is None or r.get("target") == target)]

    # Throughput and serial: medians over repetitions of each figure.
    def wrk_summary(kind, target):
        runs = of(kind, target)
        if not runs:
            return None
        s = {}
        s["rps"] = med([r["wrk"]["requests"] / (r["wrk"]["duration_us"] / 1e6) for r in runs])
        s["p50"] = med([r["wrk"]["p50_us"] for r in runs])
        s["p99"] = med([r["wrk"]["p99_us"] for r in runs])
        s["max"] = med([r["wrk"]["max_us"] for r in runs])
        s["runs"] = runs
        s["errors"] = sum(r["wrk"]["errors"] for r in runs)
        s["requests"] = sum(r["wrk"]["requests"] for r in runs)
        cpu = [r["cpu_us_per_req"] for r in runs if r.get("cpu_us_per_req") is not None]
        s["cpu"] = med(cpu) if cpu else None
        busy = [r["proxy_busy"] for r in runs if r.get("proxy_busy") is not None]
        s["busy"] = med(busy) if busy else None
        s["reps"] = len(runs)
        return s

    def wrk_cells(s):
        runs = s["runs"]
        return " | ".join((spread([r["wrk"]["requests"] / (r["wrk"]["duration_us"] / 1e6) for r in runs]),
                           spread([r["wrk"]["p50_us"] for r in runs]), spread([r["wrk"]["p99_us"] for r in runs]),
                           spread([r["wrk"]["max_us"] for r in runs])))

    tp = {t: wrk_summary("throughput", t) for t in TARGETS}
    se = {t: wrk_summary("serial", t) for t in TARGETS}

    def streams_summary(target):
        runs = of("streams", target)
        if not runs:
            return None
        return {"ttfe_p50": med([r.get("ttfe_p50_ms") for r in runs]), "ttfe_p99": med([r.get("ttfe_p99_ms") for r in runs]),
                "total_p50": med([r.get("total_p50_ms") for r in runs]), "total_p99": med([r.get("total_p99_ms") for r in runs]),
                "failed": sum(r["failed"] for r in runs), "n": sum(r["n"] for r in runs)}

    st = {t: streams_summary(t) for t in TARGETS}
    splits = {r["target"]: r for r in of("split")}
    hold = (of("hold") or [None])[0]
    startups = [r["ms"] for r in of("startup")]
    idle_start = (of("rss_idle_start") or [None])[0]
    idle_load = (of("rss_idle_load") or [None])[0]
    idle_after = (of("rss_idle_after") or [None])[0]

    mg, ng, di = tp["modelgate"], tp["nginx"], tp["direct"]
    smg, sdi = se["modelgate"], se["direct"]
    L = []
    w = L.append
    w("# modelgate vs nginx on loopback")
    w("")
    w(f"Generated by `{meta['command']}` on {meta['date']} (commit `{meta['commit']}`), "
      f"{meta['reps']} repetition(s) of {meta['duration']} s per figure, medians reported with their spread (min–max), after an unrecorded warm-up "
      f"({meta['warmup']} s for modelgate, {meta['native_warmup']} s for nginx and direct). "
      f"Load average at start / end: {meta['loadavg_start']} / {meta.get('loadavg_end', '—')}.")
    if meta.get("busy_windows"):
        w("")
        w(f"> **WARNING: the machine was busy** (other processes above {meta['max_other_cpu']:g} % of one core, or steal above 5 %) in: "
          f"{meta['busy_windows']}. These figures are noise, not a measurement of modelgate.")
    if meta.get("note"):
        w("")
        w(f"> **Note:** {meta['note']}")
    if meta.get("models"):
        w("")
        w(f"> **Registry:** modelgate held {meta['models']:,} more models (3 versions and 2 aliases each, never requested) "
          "beside the measured one (`--models`).")
    w("")
    w("Three targets, each hit by the same `wrk` POST (a chat.completion request naming the model alias): "
      "**direct** (a static-JSON nginx backend, no proxy), **nginx** (the reference proxy: nginx with "
      "`split_clients` 90/10 over the two backends, keep-alive upstreams, one added response header) "
      "and **modelgate** (`modelgate serve`, the same 90/10 split, access log on). "
      f"Backends and load run on CPU {meta['load_cpus']}, the proxy under test alone on CPU {meta['proxy_cpus']}.")
    w("")

    # Targets.
    w("## Against the targets")
    w("")
    w("| target | goal | measured | |")
    w("| --- | --- | --- | --- |")
    sng = se["nginx"]

    def graded(ratio_value, goal, floor, lower_is_better=True):
        ok = ratio_value <= goal if lower_is_better else ratio_value >= goal
        above_floor = ratio_value <= floor if lower_is_better else ratio_value >= floor
        return "met" if ok else ("below goal, within floor" if above_floor else "**not met** (past floor)")

    if mg and ng:
        r = mg["rps"] / ng["rps"] if ng["rps"] else 0
        v = "**not met** (errors)" if mg["errors"] else graded(r, 1.0, 0.85, lower_is_better=False)
        w(f"| throughput, 64 connections | ≥ 1.0× nginx (floor 0.85×), zero errors | {ratio(mg['rps'], ng['rps'])} nginx, "
          f"{mg['errors']} errors | {v} |")
    if mg and ng and mg["cpu"] is not None and ng["cpu"]:
        w(f"| proxy CPU per request | ≤ 1.2× nginx | {fmt(mg['cpu'], 1)} µs vs {fmt(ng['cpu'], 1)} µs = {ratio(mg['cpu'], ng['cpu'])} | "
          f"{verdict(mg['cpu'] / ng['cpu'] <= 1.2)} |")
    if mg and ng and ng["p99"]:
        w(f"| p99, 64 connections | ≤ 1.5× nginx (floor 2.5×) | {fmt(mg['p99'])} µs vs {fmt(ng['p99'])} µs = {ratio(mg['p99'], ng['p99'])} | "
          f"{graded(mg['p99'] / ng['p99'], 1.5, 2.5)} |")
    if smg and sng and sng["p99"]:
        w(f"| serial p99 | ≤ 2× nginx (floor 4×) | {fmt(smg['p99'])} µs vs {fmt(sng['p99'])} µs = {ratio(smg['p99'], sng['p99'])} | "
          f"{graded(smg['p99'] / sng['p99'], 2.0, 4.0)} |")
    if smg and sdi:
        a50 = smg["p50"] - sdi["p50"]
        w(f"| serial added latency p50 | ≤ 60 µs over direct | {fmt(a50)} µs | {verdict(a50 <= 60)} |")
    if st["modelgate"] and st["nginx"] and st["modelgate"]["ttfe_p50"] is not None and st["nginx"]["ttfe_p50"] is not None:
        d = st["modelgate"]["ttfe_p50"] - st["nginx"]["ttfe_p50"]
        w(f"| stream time to first event p50 | within 0.3 ms of nginx | {d:+.2f} ms, {st['modelgate']['failed']} failed | "
          f"{verdict(d <= 0.3 and st['modelgate']['failed'] == 0)} |")
    if st["modelgate"] and st["direct"] and st["modelgate"]["ttfe_p50"] is not None and st["direct"]["ttfe_p50"] is not None:
        d = st["modelgate"]["ttfe_p50"] - st["direct"]["ttfe_p50"]
        w(f"| stream time to first event | within 1 ms of direct (p50) | {d:+.2f} ms, {st['modelgate']['failed']} failed | "
          f"{verdict(d <= 1.0 and st['modelgate']['failed'] == 0)} |")
    if hold:
        w(f"| {hold['n']:,} concurrent streams | all held, RSS ≤ 256 MB ({meta['java_opts']}) | {hold['open']:,} held, "
          f"peak RSS {hold['rss_peak_kb'] / 1024:.0f} MB | {verdict(hold['open'] == hold['n'] and hold['rss_peak_kb'] <= 256 * 1024)} |")
    if startups:
        s = statistics.median(startups)
        w(f"| start-up to ready (`/readyz` 200) | ≤ 1.5 s | {s / 1000:.2f} s (median of {len(startups)}: "
          f"{', '.join(f'{x / 1000:.2f}' for x in startups)}) | {verdict(s <= 1500)} |")
    if idle_load:
        w(f"| RSS at idle | ≤ 150 MB | {idle_load['kb'] / 1024:.0f} MB after the request load "
          f"({idle_start['kb'] / 1024:.0f} MB just after start) | {verdict(idle_load['kb'] <= 150 * 1024)} |")
    w("")

    # Throughput.
    w(f"## Closed-loop throughput: 64 connections, {meta['duration']} s")
    w("")
    w("Each cell: the median over the repetitions, and in brackets the lowest and highest run.")
    w("")
    w("| target | req/s | p50 µs | p99 µs | max µs | errors | proxy CPU µs/request | proxy CPU busy |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in TARGETS:
        s = tp[t]
        if s:
            w(f"| {t} | {wrk_cells(s)} | {s['errors']} | {spread([r.get('cpu_us_per_req') for r in s['runs']], 1)} | "
              f"{pct(s['busy'])} |")
    for name, base in (("nginx", ng), ("direct", di)):
        if mg and base:
            w(f"| **modelgate / {name}** | {ratio(mg['rps'], base['rps'])} | {ratio(mg['p50'], base['p50'])} | "
              f"{ratio(mg['p99'], base['p99'])} | {ratio(mg['max'], base['max'])} | | {ratio(mg['cpu'], base['cpu']) if name == 'nginx' else ''} | |")
    w("")
    w("Proxy CPU is utime+stime of the proxy's processes (`/proc/PID/stat`; nginx: master and worker) over "
      "the run, divided by the requests completed; *busy* is that CPU time over the run's wall time "
      "(100 % = the proxy's core was saturated).")
    w("")

    # Serial.
    w(f"## Serial latency: 1 connection, {meta['duration']} s")
    w("")
    w("| target | req/s | p50 µs | p99 µs | max µs | errors | added p50 µs | added p99 µs |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in TARGETS:
        s = se[t]
        if s:
            add50 = "" if t == "direct" or not sdi else fmt(s["p50"] - sdi["p50"])
            add99 = "" if t == "direct" or not sdi else fmt(s["p99"] - sdi["p99"])
            w(f"| {t} | {wrk_cells(s)} | {s['errors']} | {add50} | {add99} |")
    for name, base in (("nginx", se["nginx"]), ("direct", sdi)):
        if smg and base:
            w(f"| **modelgate / {name}** | {ratio(smg['rps'], base['rps'])} | {ratio(smg['p50'], base['p50'])} | "
              f"{ratio(smg['p99'], base['p99'])} | {ratio(smg['max'], base['max'])} | | | |")
    w("")

    # The gateway's JVM in the measured windows.
    jvm_runs = [r for r in rows if r["kind"] in ("throughput", "serial") and r.get("jvm")]
    if jvm_runs:
        w("## modelgate's JVM during the measured windows")
        w("")
        w("From `-Xlog:gc,safepoint` (pauses and safepoints whose log time falls in the window) and `jstat -compiler` "
          "before and after each window. Median (min–max) over the repetitions.")
        w("")
        w("| kind | GC pauses | GC pause ms total | longest GC pause ms | safepoints | safepoint ms total | longest safepoint ms "
          "| methods JIT-compiled | JIT compile s |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for kind in ("throughput", "serial"):
            runs = [r["jvm"] for r in jvm_runs if r["kind"] == kind]
            if runs:
                cells = [spread([j[k] for j in runs], d) for k, d in (("gc_pauses", 0), ("gc_pause_ms", 1), ("gc_pause_max_ms", 2),
                         ("safepoints", 0), ("safepoint_ms", 1), ("safepoint_max_ms", 2), ("compiled", 0), ("compile_s", 2))]
                w(f"| {kind} | " + " | ".join(cells) + " |")
        w("")

    # What ran on the gateway's core besides its event loop.
    thread_runs = [r for r in rows if r["kind"] in ("throughput", "serial") and r.get("threads")]
    if thread_runs:
        w("## What ran on modelgate's core")
        w("")
        w("CPU of the gateway's threads within the measured windows (`/proc/PID/task/*/stat`, names as the kernel keeps "
          "them, a trailing index dropped), in % of the process's CPU: median (min–max) over the repetitions. With the serial "
          "collector the VM Thread is where the collections run.")
        w("")
        names = sorted({n for r in thread_runs for n in r["threads"]},
                       key=lambda n: -sum(r["threads"].get(n, 0) for r in thread_runs))
        w("| thread | " + " | ".join(k for k in ("throughput", "serial") if any(r["kind"] == k for r in thread_runs)) + " |")
        w("| --- |" + " ---: |" * len({r["kind"] for r in thread_runs}))
        for n in names[:10]:
            cells = []
            for kind in ("throughput", "serial"):
                runs = [r["threads"] for r in thread_runs if r["kind"] == kind]
                if runs:
                    cells.append(spread([100 * t.get(n, 0) / max(sum(t.values()), 1) for t in runs], 1))
            w(f"| {n} | " + " | ".join(cells) + " |")
        w("")

    # How quiet the machine was.
    checks = [r for r in rows if r["kind"] == "busy_check"] + [r for r in rows if r.get("machine")]
    if checks:
        w("## Was the machine quiet?")
        w("")
        w(f"CPU used by processes outside compare.sh's own tree (user+nice+system from `/proc/stat` less the tree's), in % "
          f"of one core, and steal; the limit is {meta['max_other_cpu']:g} % and 5 %.")
        w("")
        w("| window | other processes' CPU % | steal % | |")
        w("| --- | ---: | ---: | --- |")
        for r in checks:
            m = r["check"] if r["kind"] == "busy_check" else r["machine"]
            name = f"quiet sample {r['when']} the run" if r["kind"] == "busy_check" else f"{r['kind']} {r['target']} #{r['rep']}"
            w(f"| {name} | {m['other_cpu_pct']} | {m['steal_pct']} | {'**busy**' if m['busy'] else 'quiet'} |")
        w("")

    # Split.
    if splits:
        w("## Split share (90/10 configured)")
        w("")
        w("| proxy | requests | backend a | backend b | errors |")
        w("| --- | ---: | ---: | ---: | ---: |")
        for t in ("nginx", "modelgate"):
            s = splits.get(t)
            if s:
                n = s["a"] + s["b"] + s["other"] + s["errors"]
                w(f"| {t} | {n:,} | {s['a']:,} ({100 * s['a'] / n:.1f} %) | {s['b']:,} ({100 * s['b'] / n:.1f} %) | "
                  f"{s['errors'] + s['other']} |")
        w("")

    # Streams.
    if any(st.values()):
        w(f"## Streams: {meta['streams']} concurrent, `modelgate sim {meta['sim_args']}`")
        w("")
        w("| target | time to first event p50 ms | p99 ms | total p50 ms | total p99 ms | streams | failed |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for t in TARGETS:
            s = st[t]
            if s:
                w(f"| {t} | {fmt(s['ttfe_p50'], 2)} | {fmt(s['ttfe_p99'], 2)} | {fmt(s['total_p50'], 1)} | "
                  f"{fmt(s['total_p99'], 1)} | {s['n']} | {s['failed']} |")
        if st["modelgate"] and st["direct"] and st["modelgate"]["ttfe_p50"] is not None:
            w(f"| **modelgate − direct** | {st['modelgate']['ttfe_p50'] - st['direct']['ttfe_p50']:+.2f} | "
              f"{st['modelgate']['ttfe_p99'] - st['direct']['ttfe_p99']:+.2f} | "
              f"{st['modelgate']['total_p50'] - st['direct']['total_p50']:+.1f} | "
              f"{st['modelgate']['total_p99'] - st['direct']['total_p99']:+.1f} | | |")
        w("")
        w("nginx streams through a `proxy_buffering off` location to the same simulator; *direct* is the simulator itself.")
        w("")

    if hold:
        w(f"## {hold['n']:,} concurrent streams through modelgate")
        w("")
        w(f"`modelgate sim {meta['hold_sim_args']}` behind the gateway ({meta['java_opts']}); "
          f"{hold['started']:,} of {hold['n']:,} streams had their first event within {hold['opened_in_s']} s; "
          f"{hold['open']:,} were held open together for {meta['hold_s']} s while the gateway's VmRSS was sampled ({hold['rss_samples']} samples): "
          f"peak **{hold['rss_peak_kb'] / 1024:.0f} MB**; then the clients disconnected.")
        w("")

    if startups or idle_start:
        w("## Start-up and memory")
        w("")
        if startups:
            w(f"- Start-up to ready (launch of `java -jar` until `GET /readyz` answers 200, fresh state dir): "
              f"{', '.join(f'{x} ms' for x in startups)}.")
        if idle_start:
            w(f"- VmRSS at idle, 2 s after ready: {idle_start['kb'] / 1024:.0f} MB.")
        if idle_load:
            w(f"- VmRSS at idle after the wrk and 40-stream runs, 2 s after the last request: {idle_load['kb'] / 1024:.0f} MB.")
        if idle_after and hold:
            w(f"- VmRSS at idle after the {hold['n']:,} held streams too, 2 s after they closed: {idle_after['kb'] / 1024:.0f} MB.")
        w("")

    w("## Machine, versions, settings")
    w("")
    for k, v in meta["machine"].items():
        w(f"- {k}: {v}")
    w("")
    w("```")
    w(meta["settings"].rstrip())
    w("```")
    w("")

    w("## Every run")
    w("")
    w("| kind | target | rep | requests | req/s | p50 µs | p99 µs | max µs | errors | proxy CPU µs/req |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        if r["kind"] in ("throughput", "serial"):
            x = r["wrk"]
            w(f"| {r['kind']} | {r['target']} | {r['rep']} | {x['requests']:,} | {fmt(x['requests'] / (x['duration_us'] / 1e6))} | "
              f"{x['p50_us']:,} | {x['p99_us']:,} | {x['max_us']:,} | {x['errors']} | {fmt(r.get('cpu_us_per_req'), 1)} |")
    w("")
    w("| kind | target | rep | streams | failed | first event p50 ms | p99 ms | total p50 ms |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in of("streams"):
        w(f"| streams | {r['target']} | {r['rep']} | {r['n']} | {r['failed']} | {fmt(r.get('ttfe_p50_ms'), 2)} | "
          f"{fmt(r.get('ttfe_p99_ms'), 2)} | {fmt(r.get('total_p50_ms'), 1)} |")
    w("")
    with open(a.out, "w") as f:
        f.write("\n".join(L))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("ready")
    r.add_argument("--url", required=True)
    r.add_argument("--start-ns", type=int, required=True)
    r.add_argument("--timeout", type=float, default=60)
    s = sub.add_parser("split")
    s.add_argument("--url", required=True)
    s.add_argument("--model", required=True)
    s.add_argument("--n", type=int, default=2000)
    t = sub.add_parser("streams")
    t.add_argument("--url", required=True)
    t.add_argument("--model", required=True)
    t.add_argument("--n", type=int, default=40)
    t.add_argument("--timeout", type=float, default=60)
    h = sub.add_parser("hold")
    h.add_argument("--url", required=True)
    h.add_argument("--model", required=True)
    h.add_argument("--n", type=int, default=1000)
    h.add_argument("--pid", type=int, required=True)
    h.add_argument("--hold-s", type=float, default=3)
    h.add_argument("--open-timeout", type=float, default=60)
    h.add_argument("--timeout", type=float, default=120)
    n = sub.add_parser("snap")
    n.add_argument("--root", type=int, required=True)
    b = sub.add_parser("busy")
    b.add_argument("--root", type=int, required=True)
    b.add_argument("--seconds", type=float, default=0)
    b.add_argument("--before")
    b.add_argument("--after")
    b.add_argument("--max-other-cpu", type=float, required=True)
    b.add_argument("--max-steal", type=float, default=5)
    t_ = sub.add_parser("threads")
    t_.add_argument("--pid", type=int, required=True)
    j = sub.add_parser("jvm-window")
    j.add_argument("--gc-log", required=True)
    j.add_argument("--from", dest="start", type=float, required=True)
    j.add_argument("--to", dest="end", type=float, required=True)
    sub.add_parser("line")
    w_ = sub.add_parser("busy-windows")
    w_.add_argument("--results", required=True)
    o = sub.add_parser("report")
    o.add_argument("--results", required=True)
    o.add_argument("--meta", required=True)
    o.add_argument("--out", required=True)
    a = p.parse_args()
    return {"ready": cmd_ready, "split": cmd_split, "streams": cmd_streams, "hold": cmd_hold, "snap": cmd_snap, "threads": cmd_threads, "busy": cmd_busy, "line": cmd_line, "busy-windows": cmd_busy_windows,
            "jvm-window": cmd_jvm_window, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
