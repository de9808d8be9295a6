#!/usr/bin/env python3
"""Top frames by inclusive CPU from a dotnet-trace sampled-thread-time trace.

dotnet-trace's sampler records every thread, blocked or running; this drops the time a thread spends in a blocking
call (its innermost frame waits: a semaphore, a monitor, epoll, a socket read...) and reports, over what is left,
each frame's inclusive share, so a thread pool that mostly waits does not top the list.

  dotnet-trace convert trace.nettrace --format Speedscope -o trace
  scripts/cpu-top.py trace.speedscope.json [N]      # N frames, 40 by default
  scripts/cpu-top.py trace.speedscope.json --leaves # the innermost frames that were counted, by time
"""
import json
import re
import sys
from collections import defaultdict

BLOCKING = re.compile(
    r"WaitForSignal|WaitOneNoCheck|WaitMultiple|Monitor\.Wait|Interop\+Sys\.(Read|WaitForSocketEvents|Poll)|"
    r"LowLevelLifoSemaphore\.Wait|Thread\.Sleep|SleepInternal|WaitHandle\.Wait|Interop\+Sys\.LowLevelMonitor_|"
    r"ManualResetEventSlim\.Wait$|Thread\.<PollGC>|SpinWait|Interop\+Sys\.Select")


def main():
    path = sys.argv[1]
    leaves_only = "--leaves" in sys.argv
    count = next((int(a) for a in sys.argv[2:] if a.isdigit()), 40)
    data = json.load(open(path))
    frames = [f["name"] for f in data["shared"]["frames"]]
    inclusive = defaultdict(float)
    leaves = defaultdict(float)
    blocked = total = 0.0
    for profile in data["profiles"]:
        stack = []
        last = None
        for event in profile["events"]:
            at = event["at"]
            if stack and last is not None and at > last:
                dt = at - last
                # The exporter ends each stack with a pseudo frame: CPU_TIME (managed code running) or
                # UNMANAGED_CODE_TIME (in native code: running, or blocked in a wait); the frame under it says which.
                leaf = frames[stack[-1]]
                if leaf in ("CPU_TIME", "UNMANAGED_CODE_TIME") and len(stack) > 1:
                    leaf = frames[stack[-2]]
                if BLOCKING.search(leaf) or frames[stack[-1]] == "UNMANAGED_CODE_TIME" and len(stack) <= 3:
                    blocked += dt
                else:
                    total += dt
                    leaves[leaf] += dt
                    for f in set(stack):
                        if frames[f] not in ("CPU_TIME", "UNMANAGED_CODE_TIME"):
                            inclusive[frames[f]] += dt
            last = at
            if event["type"] == "O":
                stack.append(event["frame"])
            else:
                # Close events arrive innermost first.
                if stack and stack[-1] == event["frame"]:
                    stack.pop()
                elif event["frame"] in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(event["frame"]):]
    print(f"running {total:.0f} ms of samples, blocked {blocked:.0f} ms (dropped)")
    table = leaves if leaves_only else inclusive
    for i, (name, t) in enumerate(sorted(table.items(), key=lambda kv: -kv[1])[:count], 1):
        print(f"{i:3}. {100 * t / total:6.2f}%  {name[:150]}")


if __name__ == "__main__":
    main()
