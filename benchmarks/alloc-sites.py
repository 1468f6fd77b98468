#!/usr/bin/env python3
"""Exact allocation sites per request, from a JFR recording made with TLABs off.

With -XX:-UseTLAB every allocation is a jdk.ObjectAllocationOutsideTLAB event with its stack, so
nothing is sampled or aliased (the run is slower; bytes per request do not change). Usage:

  java -jar benchmarks/target/benchmarks.jar ExchangeBenchmark -p request=chat -p via=gateway \
      -wi 3 -w 2 -i 1 -r 3 -f 1 -jvmArgsAppend "-XX:-UseTLAB \
      -XX:StartFlightRecording=settings=benchmarks/alloc.jfc,delay=7s,duration=2s,filename=/tmp/alloc.jfr"
  jfr print --events jdk.ObjectAllocationOutsideTLAB --stack-depth 30 /tmp/alloc.jfr | benchmarks/alloc-sites.py

Requests are counted as the Exchange objects made in the window. Prints bytes per request by
thread, the largest sites on the event loops (class, first non-JDK frame, first modelgate frame),
and a summary: objects modelgate's code allocates itself, Netty objects made by its calls (header
entries it sets, messages it builds, the allocator's buffers it fills), and the rest (Netty's
codec and pipeline).
"""
import collections
import re
import sys

COUNTED = 'dev.modelgate.gateway.proxy.Exchange'
UNITS = {'byte': 1, 'bytes': 1, 'kB': 1024, 'MB': 1024 * 1024}


def events(lines):
    event, in_stack = None, False
    for line in lines:
        s = line.strip()
        if s.startswith('jdk.ObjectAllocationOutsideTLAB'):
            if event:
                yield event
            event, in_stack = {'frames': [], 'thread': '', 'cls': '', 'size': 0}, False
        elif event is None:
            continue
        elif s.startswith('objectClass ='):
            event['cls'] = s.split('=', 1)[1].split(' (')[0].strip()
        elif s.startswith('allocationSize ='):
            value, unit = s.split('=', 1)[1].split()[:2]
            event['size'] = float(value) * UNITS.get(unit, 1)
        elif s.startswith('eventThread ='):
            event['thread'] = s.split('"')[1]
        elif s.startswith('stackTrace = ['):
            in_stack = True
        elif s == ']':
            in_stack = False
        elif in_stack:
            event['frames'].append(re.sub(r'\(.*', '', s))
    if event:
        yield event


def first(frames, test):
    return next((f for f in frames if test(f)), '-')


def main():
    by_thread, sites = collections.Counter(), collections.Counter()
    own = made = rest = 0.0
    requests = 0
    for e in events(sys.stdin):
        by_thread[e['thread']] += e['size']
        requests += e['cls'] == COUNTED
        if not e['thread'].startswith('vert.x-eventloop'):
            continue
        owner = first(e['frames'], lambda f: not f.startswith(('java.', 'jdk.', 'sun.')))
        ours = first(e['frames'], lambda f: f.startswith('dev.modelgate'))
        sites[(e['cls'], owner, ours)] += e['size']
        if ours == '-':
            rest += e['size']
        elif e['cls'].startswith('io.netty') or owner.startswith('io.netty'):
            made += e['size']
        else:
            own += e['size']
    if not requests:
        sys.exit('no ' + COUNTED + ' allocated in the recording')
    print(f'{requests} requests')
    for thread, size in by_thread.most_common(5):
        print(f'{size / requests:8.1f} B/request  thread {thread}')
    for (cls, owner, ours), size in sites.most_common(45):
        print(f'{size / requests:7.1f}  {cls[:44]:44} {owner[:72]:72} {ours}')
    print(f'modelgate objects {own / requests:.0f}, Netty objects made by its calls {made / requests:.0f}, '
          f'codec and pipeline {rest / requests:.0f} B/request')


if __name__ == '__main__':
    main()
