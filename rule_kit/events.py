"""Reading events for `rule-kit explain` (and the engine's fixtures): one JSON object, a JSON list, or NDJSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class EventsFileError(ValueError):
    """The events file cannot be read; the message names the line."""


def read_events(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EventsFileError(f"{path}: cannot read events: {error}") from None
    stripped = text.strip()
    if not stripped:
        return []
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list) and all(isinstance(e, dict) for e in document):
        return document
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise EventsFileError(f"{path}:{number}: not a JSON object: {error.msg}") from None
        if not isinstance(event, dict):
            raise EventsFileError(f"{path}:{number}: an event must be a JSON object")
        events.append(event)
    return events
