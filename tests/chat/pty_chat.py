#!/usr/bin/env python3
"""Drive `node bin/glm.js chat ARGS…` under a real pseudo-terminal (python3's pty module) and print a
JSON transcript: what the terminal showed after each step. Steps: wait for the prompt, send turn 1,
wait for the next prompt; send turn 2, press Ctrl-C once its reply has started streaming, wait for the
prompt; send turn 3, wait for the prompt; press Ctrl-D; collect the exit status.

usage: pty_chat.py REPO_ROOT CHAT_ARGS…
"""
import json
import os
import pty
import select
import sys
import time

PROMPT = "用户> ".encode()
REPLY = b"GLM> "


def main():
    root, args = sys.argv[1], sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(root)
        os.execvp("node", ["node", "bin/glm.js", "chat", *args])
    seen = b""
    steps = {}

    def read_until(pred, timeout=60.0):
        nonlocal seen
        end = time.time() + timeout
        while not pred(seen):
            left = end - time.time()
            if left <= 0:
                raise SystemExit(json.dumps({"error": "timeout", "seen": seen.decode("utf-8", "replace")}))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    return
                seen += chunk

    read_until(lambda s: s.count(PROMPT) >= 1)
    os.write(fd, "Hello there\r".encode())
    read_until(lambda s: s.count(PROMPT) >= 2)
    steps["turn1"] = seen.decode("utf-8", "replace")
    os.write(fd, "second question\r".encode())
    # Ctrl-C once the reply has started: the second "GLM> " and some text after it.
    read_until(lambda s: s.count(REPLY) >= 2 and len(s.split(REPLY)[-1]) >= 4)
    os.write(fd, b"\x03")
    read_until(lambda s: s.count(PROMPT) >= 3)
    steps["turn2"] = seen.decode("utf-8", "replace")
    os.write(fd, "third\r".encode())
    read_until(lambda s: s.count(PROMPT) >= 4)
    steps["turn3"] = seen.decode("utf-8", "replace")
    os.write(fd, b"\x04")
    deadline = time.time() + 30
    status = None
    while time.time() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                pass
    steps["all"] = seen.decode("utf-8", "replace")
    steps["exit"] = status
    print(json.dumps(steps))


if __name__ == "__main__":
    main()
