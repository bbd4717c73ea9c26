# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/doubles/http_double.py, the base of the HTTP test doubles: serves in a thread, reaches the double from the
handler, frees the port on stop (started or not), and runs as the doubles' scripts do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import subprocess
import sys

from http.server import BaseHTTPRequestHandler
from urllib.request import urlopen

import pytest

from ansible_collections.privateai.deepseek_dify.tests.doubles.http_double import ThreadedHTTPDouble

DOUBLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests", "doubles")


class _EchoHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # pylint: disable=arguments-differ  # quiet
        pass

    def do_GET(self):  # noqa: N802  # http.server's naming
        body = ("%s %s" % (self.server.double.greeting, self.path)).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class EchoDouble(ThreadedHTTPDouble):
    """Test double answering GETs with its greeting and the path."""

    thread_name = "echo-double"

    def __init__(self, greeting, port=0):
        self.greeting = greeting
        super(EchoDouble, self).__init__(_EchoHandler, port=port)


def refused(port):
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    return True


def test_serves_in_a_thread_and_the_handler_reaches_the_double():
    with EchoDouble("hello") as double:
        assert double.url == "http://127.0.0.1:%d" % double.port and double.port > 0
        assert urlopen(double.url + "/x", timeout=5).read() == b"hello /x"
        double.greeting = "again"
        assert urlopen(double.url + "/y", timeout=5).read() == b"again /y"
    assert refused(double.port)


def test_stop_without_start_frees_the_port():
    double = EchoDouble("never")
    port = double.port
    double.stop()
    assert refused(port)


@pytest.mark.parametrize("script, args, path, expected", [
    ("openai_contract_server.py", ["--model", "m"], "/v1/models", b'"id": "m"'),
    ("dify_console_contract_server.py", [], "/console/api/setup", b'"step": "not_started"'),
    ("hf_mirror_server.py", ["--root", "{tmp}", "--repo", "org/model"], None, None),
])
def test_the_doubles_run_as_scripts_and_print_where_they_listen(tmp_path, script, args, path, expected):
    command = [sys.executable, os.path.join(DOUBLES, script)] + [a.format(tmp=tmp_path) for a in args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, universal_newlines=True)
    try:
        line = process.stdout.readline().strip()
        url = line if line.startswith("http://") else "http://127.0.0.1:%d" % int(line)
        if path is None:
            host, port = url[len("http://"):].rsplit(":", 1)
            socket.create_connection((host, int(port)), timeout=5).close()
        else:
            assert expected in urlopen(url + path, timeout=5).read()
    finally:
        process.terminate()
        process.wait(10)
