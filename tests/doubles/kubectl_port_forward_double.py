# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of `kubectl port-forward service/NAME LOCAL:REMOTE`, for the serving smoke test's port-forwards.

It is not kubectl: it understands only the port-forward the smoke test starts, records its arguments and process id
as one JSON line in $KUBECTL_DOUBLE_LOG, and then serves the OpenAI contract test double
(tests/doubles/openai_contract_server.py) on 127.0.0.1:LOCAL in its place, with the models of $KUBECTL_DOUBLE_MODELS
(comma-separated), the API key of the file $KUBECTL_DOUBLE_KEY_FILE and R1-style reasoning. It runs until killed.

With $KUBECTL_DOUBLE_FORWARD_TO (``HOST:PORT``) it relays each TCP connection to 127.0.0.1:LOCAL there instead, as
the real port-forward relays to the Service's pod (the Dify bootstrap's tunnel to the Dify console contract double).
"""

from __future__ import absolute_import, division, print_function

import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from openai_contract_server import OpenAIContractServer  # noqa: E402


def _pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(local, target):
    """Accept on 127.0.0.1:``local`` and relay each connection to ``target`` (host, port), forever."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", local))
    listener.listen(16)
    sys.stdout.write("Forwarding from 127.0.0.1:%d -> %s:%d\n" % (local, target[0], target[1]))
    sys.stdout.flush()
    while True:
        client, _addr = listener.accept()
        upstream = socket.create_connection(target)
        for pair in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=pair, daemon=True).start()


def main(argv):
    if "port-forward" not in argv:
        sys.stderr.write("kubectl test double: only port-forward is implemented, got %s\n" % argv)
        return 2
    local, _remote = argv[-1].split(":")
    with open(os.environ["KUBECTL_DOUBLE_LOG"], "a") as log:
        log.write(json.dumps({"argv": argv, "pid": os.getpid()}) + "\n")
    if os.environ.get("KUBECTL_DOUBLE_FORWARD_TO"):
        host, port = os.environ["KUBECTL_DOUBLE_FORWARD_TO"].rsplit(":", 1)
        relay(int(local), (host, int(port)))
    with open(os.environ["KUBECTL_DOUBLE_KEY_FILE"]) as handle:
        key = handle.read().strip()
    server = OpenAIContractServer(models=os.environ["KUBECTL_DOUBLE_MODELS"].split(","), api_key=key,
                                  port=int(local))
    server.start()
    sys.stdout.write("Forwarding from 127.0.0.1:%s -> %s\n" % (local, _remote))
    sys.stdout.flush()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
