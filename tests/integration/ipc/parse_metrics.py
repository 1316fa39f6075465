#!/usr/bin/env python3
"""Parses a Prometheus text exposition with prometheus_client's own parser, the one Prometheus's
Python ecosystem uses, and prints its samples as one JSON object: {"name{k=\"v\"}": value}.
Fails (exit 1) on what the parser refuses, and on a family without HELP or TYPE."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    samples = {}
    families = 0
    for family in text_string_to_metric_families(text):
        families += 1
        if family.type == "unknown" or not family.documentation:
            sys.exit(f"{family.name}: no TYPE or no HELP")
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            key = f"{s.name}{{{labels}}}" if labels else s.name
            if key in samples:
                sys.exit(f"{key}: twice")
            samples[key] = s.value
    if families == 0:
        sys.exit("no metrics at all")
    print(json.dumps(samples))


if __name__ == "__main__":
    main(sys.argv[1])
