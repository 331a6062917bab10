"""Build the packaged ECS field catalog from ECS's `ecs_flat.yml`.

    python -m rule_kit.fields.build_ecs ../shared/data/ecs/ecs_flat.yml [--output DIR] [--ecs-version V]

Writes `DIR/ecs_fields.json` (default: `rule_kit/data/ecs/`) and copies the `LICENSE.txt` found next to the input.
The output is deterministic: the same input gives the same bytes, which a test checks against the packaged file.

`ecs_flat.yml` does not say which ECS version it is. The version comes from `--ecs-version`, else from a `version`
file next to the input or at the root of an elastic/ecs checkout (`generated/ecs/ecs_flat.yml`), else from the
input's SHA-256 when it is a file this builder has seen (`KNOWN_INPUTS`); otherwise the builder stops and asks.

Entry format, per field: `[type]`, `[type, ignore_above]` or `[type, ignore_above or null, extras]`, where extras
holds only what differs from the defaults: `normalize` (e.g. `["array"]`), `multi_fields` (`{"text":
["match_only_text"]}`, each in the same entry format), `index: false`, `doc_values: false`, `scaling_factor`,
`object_type`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rule_kit.fields.catalog import FIELD_TYPES

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "ecs"
OUTPUT_NAME = "ecs_fields.json"
LICENSE_NAME = "LICENSE.txt"
SOURCE = "elastic/ecs generated/ecs/ecs_flat.yml"
LICENSE = "Apache-2.0"
# SHA-256 of ecs_flat.yml files whose version is known (the file itself does not carry it).
KNOWN_INPUTS = {
    "5bfbeed44013785679751295a45f7a9c751e6aca5366f6118f2508884bd0fac8": "9.5.0-dev",
}
FORMAT = "fields: name -> [type, ignore_above?, extras?]; extras: normalize, multi_fields, index, doc_values, " + (
    "scaling_factor, object_type"
)


class BuildError(Exception):
    """The input cannot be turned into a catalog; the message says why."""


def _entry(name: str, spec: Mapping[str, Any]) -> list[Any]:
    ftype = spec.get("type")
    if ftype not in FIELD_TYPES:
        raise BuildError(f"{name}: unknown field type {ftype!r}; add it to FIELD_TYPES in rule_kit/fields/catalog.py")
    extras: dict[str, Any] = {}
    normalize = spec.get("normalize") or []
    if normalize:
        extras["normalize"] = list(normalize)
    subs = {}
    for sub in spec.get("multi_fields") or ():
        expected = f"{name}.{sub['name']}"
        if sub.get("flat_name", expected) != expected:
            raise BuildError(f"{name}: multi-field flat_name {sub.get('flat_name')!r} is not {expected!r}")
        subs[sub["name"]] = _entry(expected, sub)
    if subs:
        extras["multi_fields"] = dict(sorted(subs.items()))
    if spec.get("index") is False:
        extras["index"] = False
    if spec.get("doc_values") is False:
        extras["doc_values"] = False
    for key in ("scaling_factor", "object_type", "normalizer"):
        if spec.get(key) is not None:
            extras[key] = spec[key]
    ignore_above = spec.get("ignore_above")
    if extras:
        return [ftype, ignore_above, extras]
    return [ftype] if ignore_above is None else [ftype, ignore_above]


def build_fields(flat: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Any]]:
    """ecs_flat's field definitions -> the packaged entries, sorted by name."""
    if not isinstance(flat, Mapping) or not flat:
        raise BuildError("expected a mapping of flat field name -> definition")
    fields: dict[str, list[Any]] = {}
    for name in sorted(flat):
        spec = flat[name]
        if spec.get("flat_name", name) != name:
            raise BuildError(f"{name}: flat_name is {spec.get('flat_name')!r}")
        fields[name] = _entry(name, spec)
    every = set(fields)
    for name, entry in fields.items():
        for sub in entry[2].get("multi_fields", {}) if len(entry) > 2 else ():
            if f"{name}.{sub}" in every:
                raise BuildError(f"{name}.{sub} is both a field and a multi-field of {name}")
    return fields


def detect_version(path: Path, digest: str) -> str | None:
    candidates = [path.parent / "version"]
    if path.parent.name == "ecs" and path.parent.parent.name == "generated":
        candidates.append(path.parent.parent.parent / "version")
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8").strip()
    return KNOWN_INPUTS.get(digest)


def render(document: Mapping[str, Any]) -> str:
    """Compact JSON, one field per line (small, quick to parse, and readable in a diff)."""
    head = {k: v for k, v in document.items() if k != "fields"}
    lines = [json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1] + ',"fields":{']
    items = list(document["fields"].items())
    for i, (name, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(
            json.dumps(name, ensure_ascii=False)
            + ":"
            + json.dumps(entry, separators=(",", ":"), ensure_ascii=False)
            + comma
        )
    lines.append("}}")
    return "\n".join(lines) + "\n"


def build(path: Path, version: str | None = None) -> str:
    """The packaged JSON text for the ecs_flat.yml at `path`."""
    import yaml

    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    version = version or detect_version(path, digest)
    if not version:
        raise BuildError(f"{path}: cannot tell the ECS version (sha256 {digest}); pass --ecs-version")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    flat = yaml.load(raw, Loader=loader)
    document = {
        "version": version,
        "source": SOURCE,
        "license": LICENSE,
        "sha256": digest,
        "format": FORMAT,
        "fields": build_fields(flat),
    }
    return render(document)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rule_kit.fields.build_ecs", description=__doc__.split("\n\n")[0])
    parser.add_argument("ecs_flat", type=Path, help="path to ECS's generated/ecs/ecs_flat.yml")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"output folder (default: {DEFAULT_OUTPUT})"
    )
    parser.add_argument("--ecs-version", help="the ECS version of the input, when it cannot be told from the file")
    args = parser.parse_args(argv)
    try:
        text = build(args.ecs_flat, args.ecs_version)
    except (OSError, BuildError) as exc:
        print(f"build_ecs: {exc}", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    out = args.output / OUTPUT_NAME
    out.write_text(text, encoding="utf-8", newline="\n")
    license_file = args.ecs_flat.parent / LICENSE_NAME
    if license_file.is_file():
        shutil.copyfile(license_file, args.output / LICENSE_NAME)
    else:
        print(f"build_ecs: warning: no {LICENSE_NAME} next to {args.ecs_flat}", file=sys.stderr)
    count = text.count("\n") - 2
    print(f"wrote {out} ({count} fields, {len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
