#!/usr/bin/env python3
"""Check that openapi.yaml reads the same in every YAML parser.

openapi.yaml is written for YAML 1.2 parsers (Go's yaml.v3, kin-openapi),
but other teams' generators read it with YAML 1.1 loaders built on libyaml
(PyYAML's CSafeLoader, ruamel.yaml's C loader), some of them with old
libyaml versions. This check:

1. loads the file with libyaml (yaml.CSafeLoader) and compares the result
   with openapi.json, the YAML 1.2 reading that `go generate` writes, so a
   scalar that YAML 1.1 reads differently (on/off/yes/no, 1:30, 0o17...)
   is caught;
2. scans every plain (unquoted) scalar and refuses those that some libyaml
   version or YAML 1.1 reads differently: a scalar containing ": " or " #",
   a scalar starting with a YAML indicator, and a scalar containing ":"
   inside a flow collection ([...] or {...}), which libyaml before 0.2.1
   refuses ("found unexpected ':'", as in `OAuth2: [users.all:read]`),
   and, to keep one rule, any other plain scalar with a ":" but a URL.

Usage: yamlcheck.py openapi.yaml openapi.json
"""
import json
import re
import sys

import yaml

INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
URL = re.compile(r"^[a-z]+://[^ ]*$")


def plain_scalar_problems(text):
    problems = []
    flow = 0
    for tok in yaml.scan(text, Loader=yaml.CSafeLoader):
        name = type(tok).__name__
        if name in ("FlowSequenceStartToken", "FlowMappingStartToken"):
            flow += 1
        elif name in ("FlowSequenceEndToken", "FlowMappingEndToken"):
            flow -= 1
        elif name == "ScalarToken" and tok.plain:
            v = tok.value
            why = None
            if ": " in v or v.endswith(":"):
                why = 'contains ": "'
            elif " #" in v:
                why = 'contains " #"'
            elif v and v[0] in INDICATORS:
                why = "starts with the YAML indicator %r" % v[0]
            elif flow and ":" in v:
                why = 'contains ":" inside a flow collection'
            elif ":" in v and not URL.match(v):
                why = 'contains ":" (only URLs may)'
            if why:
                line = tok.start_mark.line + 1
                problems.append("%d: plain scalar %r %s: quote it" % (line, v, why))
    return problems


def first_difference(path, a, b):
    if type(a) is not type(b):
        return "%s: libyaml reads %r, openapi.json has %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return "%s.%s: present in only one reading" % (path, k)
            d = first_difference("%s.%s" % (path, k), a[k], b[k])
            if d:
                return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items in libyaml's reading, %d in openapi.json" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference("%s[%d]" % (path, i), x, y)
            if d:
                return d
    elif a != b:
        return "%s: libyaml reads %r, openapi.json has %r" % (path, a, b)
    return None


def main(yaml_path, json_path):
    if not getattr(yaml, "__with_libyaml__", False):
        print("yamlcheck: PyYAML is built without libyaml (install python3-yaml)", file=sys.stderr)
        return 1
    with open(yaml_path, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as e:
        print("yamlcheck: libyaml cannot read %s: %s" % (yaml_path, e), file=sys.stderr)
        return 1
    problems = plain_scalar_problems(text)
    with open(json_path, encoding="utf-8") as f:
        want = json.load(f)
    # JSON has no integer keys or dates: compare through a JSON round trip
    # that keeps what YAML 1.1 would have turned into another type visible.
    got = json.loads(json.dumps(doc, default=lambda o: "<%s %s>" % (type(o).__name__, o)))
    d = first_difference("$", got, want)
    if d:
        problems.append("libyaml and openapi.json disagree: " + d)
    for p in problems:
        print("yamlcheck: %s:%s" % (yaml_path, p) if p[0].isdigit() else "yamlcheck: " + p, file=sys.stderr)
    if problems:
        return 1
    print("yamlcheck: %s reads the same with libyaml (PyYAML %s, YAML 1.1) as in openapi.json"
          % (yaml_path, yaml.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
