"""The licence check of the Consul build (scripts/tools/consul.sh): fails loudly, before and after
compiling, if anything under the Business Source License is in the build.

    consul_licences.py [--allow-no-licence PATH]... [--dirs DIRS] MODULES

MODULES has one module a line, "PATH VERSION" (from `go list -m all`, or from `go version -m` of
the built binary). The check fails (exit 1, the reason on stderr) when
  - a module path names envoyextensions or troubleshoot (Consul's non-free submodules), or
  - a github.com/hashicorp/consul* module, fetched with `go mod download`, has a LICEN[CS]E* or
    COPYING* file anywhere in its tree that mentions the Business Source License, or has no
    top-level LICENSE, LICENSE.md or LICENSE.txt (unless its path is given to --allow-no-licence),
    or has one that is not the Mozilla Public License 2.0.
With --dirs (one module a line, "PATH DIR", from `go list -m -f '{{.Path}} {{.Dir}}' all`), every
module of MODULES found there must also have no top-level LICEN[CS]E* or COPYING* file that
mentions the Business Source License, whatever its path.
On success it prints how many github.com/hashicorp/consul* modules it checked.
"""

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys

NOT_FREE = re.compile(r"envoyextensions|troubleshoot")
BUSL = b"business source license"
MPL2 = re.compile(r"Mozilla Public License,? [Vv]ersion 2\.0")
LICENCE_NAMES = ("LICEN[CS]E*", "COPYING*")
TOP_LICENCE = ("LICENSE", "LICENSE.md", "LICENSE.txt")


def fail(message: str) -> None:
    sys.exit("bootstrap: ERROR: licence check: " + message)


def read_pairs(file: str) -> list[tuple[str, str]]:
    with open(file, encoding="utf-8") as f:
        return [(p[0], p[1]) for p in (line.split() for line in f) if len(p) >= 2]


def is_licence_file(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in LICENCE_NAMES)


def mentions_busl(file: str) -> bool:
    """Like `grep -qiI 'Business Source License'`: binary files never match."""
    try:
        with open(file, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"\0" not in data and BUSL in data.lower()


def module_dir(path: str, version: str) -> str:
    done = subprocess.run(
        ["go", "mod", "download", "-json", f"{path}@{version}"], capture_output=True, text=True
    )
    try:
        doc = json.loads(done.stdout)
    except json.JSONDecodeError:
        doc = {"Error": done.stderr.strip() or f"exit status {done.returncode}"}
    if doc.get("Error") or not doc.get("Dir"):
        fail(f"cannot download {path}@{version}: {doc.get('Error', 'no Dir')}")
    return doc["Dir"]


def check_consul_module(path: str, version: str, allow_no_licence: set[str]) -> None:
    where = module_dir(path, version)
    for folder, _, files in os.walk(where):
        for name in files:
            if is_licence_file(name) and mentions_busl(os.path.join(folder, name)):
                fail(f"{path}@{version} is under the Business Source License ({where})")
    tops = [os.path.join(where, n) for n in TOP_LICENCE if os.path.isfile(os.path.join(where, n))]
    top = tops[0] if tops else None
    if top is None:
        if path not in allow_no_licence:
            fail(f"{path}@{version} has no LICENSE file ({where})")
        return
    with open(top, encoding="utf-8", errors="replace") as f:
        if not MPL2.search(f.read()):
            fail(f"{path}@{version} is not under the Mozilla Public License 2.0 ({top})")


def check_linked_dirs(modules: list[tuple[str, str]], dirs_file: str) -> None:
    dirs = dict(read_pairs(dirs_file))
    for path, version in modules:
        where = dirs.get(path)
        if not where or not os.path.isdir(where):
            continue
        for name in os.listdir(where):
            if is_licence_file(name) and mentions_busl(os.path.join(where, name)):
                fail(f"{path}@{version}, linked into consul, is under the Business Source License")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules")
    parser.add_argument("--allow-no-licence", action="append", default=[], metavar="PATH")
    parser.add_argument("--dirs")
    args = parser.parse_args()

    modules = read_pairs(args.modules)
    bad = [f"{p}@{v}" for p, v in modules if NOT_FREE.search(p)]
    if bad:
        fail("the build list has modules that are not open source (BUSL):\n" + "\n".join(bad))
    consul = [(p, v) for p, v in modules if p.startswith("github.com/hashicorp/consul")]
    for path, version in consul:
        check_consul_module(path, version, set(args.allow_no_licence))
    if args.dirs:
        check_linked_dirs(modules, args.dirs)
    print(len(consul))


if __name__ == "__main__":
    main()
