"""Stand-in for the get-pip.py bootstrap script that ansible-test downloads from a CI file host.

That host is not reachable from our CI, so scripts/sanity copies this file to the cache path
ansible-test looks in (~/.ansible/test/cache/get_pip_<version>.py). It does what get-pip does for
ansible-test: put pip into the current interpreter (here from the interpreter's own ensurepip),
then install the arguments it was given (the pinned pip and packages) from the package index.
"""

import subprocess
import sys


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    if args and args[0] != "install":
        args = ["install"] + args
    if args:
        subprocess.check_call([sys.executable, "-m", "pip"] + args)


if __name__ == "__main__":
    main()
