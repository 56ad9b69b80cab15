"""Reads the JSON that Go's module commands print, for scripts/tools/consul.sh.

    go mod download -json MOD@VER | go_mod.py field NAME
        prints the field NAME (Dir, GoMod, ...); fails with go's error when the download failed.

    go mod edit -json GO.MOD | go_mod.py consul-spec
        prints what the Consul wrapper module must repeat of Consul's own go.mod, one line each:
          go VERSION                 its go directive
          exclude PATH@VERSION       its excludes
          replace OLD[@V]=NEW@V      its replaces by another published module
          local PATH REQUIRED        its replaces by a local folder, and the version of PATH it
                                     requires ("none" if it requires none)
"""

import json
import sys


def field(doc: dict, name: str) -> str:
    if doc.get("Error"):
        sys.exit("go: " + doc["Error"])
    value = doc.get(name)
    if not value:
        sys.exit("go mod download gave no " + name)
    return value


def consul_spec(doc: dict) -> list[str]:
    lines = ["go " + (doc.get("Go") or "1.20")]
    for e in doc.get("Exclude") or []:
        lines.append("exclude " + e["Path"] + "@" + e["Version"])
    required = {r["Path"]: r["Version"] for r in doc.get("Require") or []}
    for r in doc.get("Replace") or []:
        old, new = r["Old"], r["New"]
        old_spec = old["Path"] + ("@" + old["Version"] if old.get("Version") else "")
        if new.get("Version"):
            lines.append("replace " + old_spec + "=" + new["Path"] + "@" + new["Version"])
        else:
            lines.append("local " + old["Path"] + " " + required.get(old["Path"], "none"))
    return lines


def main(argv: list[str]) -> None:
    doc = json.load(sys.stdin)
    if len(argv) == 2 and argv[0] == "field":
        print(field(doc, argv[1]))
    elif argv == ["consul-spec"]:
        print("\n".join(consul_spec(doc)))
    else:
        sys.exit("usage: go_mod.py field NAME | go_mod.py consul-spec  (JSON on stdin)")


if __name__ == "__main__":
    main(sys.argv[1:])
