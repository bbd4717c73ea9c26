# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of the HTTP test doubles (openai_contract_server, dify_console_contract_server, hf_mirror_server).

A ``ThreadingHTTPServer`` on 127.0.0.1 (a free port unless one is given) serving in a daemon thread; the handler
reaches the double as ``self.server.double``. ``with Double(...) as double:`` starts it and stops it (the port is
closed even when it was never started); ``run_until_interrupted(line)`` is what each double's script does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys
import threading
import time

from http.server import ThreadingHTTPServer


class ThreadedHTTPDouble(object):
    """A test double's HTTP server in a thread: ``url``, ``port``, ``start()``, ``stop()``, a context manager."""

    scheme = "http"
    thread_name = "http-test-double"

    def __init__(self, handler, host="127.0.0.1", port=0):
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._httpd.double = self
        self._thread = None

    @property
    def host(self):
        return self._httpd.server_address[0]

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        return "%s://%s:%d" % (self.scheme, self.host, self.port)

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=self.thread_name)
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:  # shutdown() waits for serve_forever, which only a started server runs
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def run_until_interrupted(self, line):
        """As a script: serve, write ``line`` (the port or the URL the caller reads) on stdout, serve until
        interrupted."""
        self.start()
        sys.stdout.write("%s\n" % (line,))
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()
