"""RK9xx: house style, the conventions of Elastic's detection-rules repository that keep a large corpus uniform.

Tags as `Prefix: Value`, a `Tactic:` tag per ATT&CK tactic, an `OS:` tag that matches the rule's folder, the
`Resources: Investigation Guide` tag exactly when there is a guide, file names in snake case that start with the
primary tactic, and `timestamp_override = "event.ingested"` on KQL rules. None of them makes a rule wrong, so
they are warnings, and a team with other conventions turns the whole family off with `ignore = ["RK9"]`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path

from rule_kit.checks.registry import Finding, replace_value, rule_check
from rule_kit.diagnostics import Severity
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath, Span

TAGS: KeyPath = ("rule", "tags")

#: Tag prefixes, as Elastic writes them (detection-rules `EXPECTED_RULE_TAGS`, Kibana's prebuilt rules).
KNOWN_PREFIXES = (
    "Data Source",
    "Domain",
    "Mitre Atlas",
    "OS",
    "Promotion",
    "Resources",
    "Rule Type",
    "Tactic",
    "Threat",
    "Use Case",
)

#: ATT&CK Enterprise tactic names (v18.1), for the casing of `Tactic:` tags.
TACTICS = (
    "Reconnaissance",
    "Resource Development",
    "Initial Access",
    "Execution",
    "Persistence",
    "Privilege Escalation",
    "Defense Evasion",
    "Credential Access",
    "Discovery",
    "Lateral Movement",
    "Collection",
    "Command and Control",
    "Exfiltration",
    "Impact",
)

#: Prefixes whose values form a closed set, so that their casing can be corrected too.
KNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "OS": ("Linux", "macOS", "Windows"),
    "Tactic": TACTICS,
    "Resources": ("Investigation Guide",),
}

#: Rule folders that name an operating system, and the `OS:` tag their rules carry.
OS_FOLDERS = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}

#: Folders that hold rule files; the file-name convention applies below them only.
RULE_FOLDERS = frozenset({"rules", "rules_building_block"})

GUIDE_TAG = "Resources: Investigation Guide"

_PREFIX_BY_KEY = {prefix.lower(): prefix for prefix in KNOWN_PREFIXES}
_TAG = re.compile(r"^\s*(?P<prefix>[^:]*?)\s*:\s*(?P<value>.*?)\s*$", re.DOTALL)
_SNAKE_FILE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*\.toml$")


def _has_rule_table(rule: Rule) -> bool:
    return isinstance((rule.data or {}).get("rule"), dict)


def _tags(rule: Rule) -> list[tuple[int, str]]:
    """The rule's string tags with their indexes; none when `tags` is not a list (the schema reports that)."""
    tags = rule.section.get("tags")
    if not isinstance(tags, list):
        return []
    return [(index, tag) for index, tag in enumerate(tags) if isinstance(tag, str)]


def _key(tag: str) -> str:
    """A tag compared as written but for case and the spaces around its colon: `os:macos` ~ `OS: macOS`."""
    match = _TAG.match(tag)
    if match is None:
        return " ".join(tag.split()).lower()
    return f"{match.group('prefix')}: {' '.join(match.group('value').split())}".lower()


def _has_tag(rule: Rule, tag: str) -> bool:
    return any(_key(existing) == _key(tag) for _, existing in _tags(rule))


def _canonical(prefix: str, value: str) -> str:
    """`Prefix: Value` with the prefix's known casing and, for closed sets (OS, Tactic), the value's."""
    proper = _PREFIX_BY_KEY[prefix.lower()]
    for known in KNOWN_VALUES.get(proper, ()):
        if known.lower() == " ".join(value.split()).lower():
            value = known
    return f"{proper}: {value}"


def _known_value(value: str) -> str | None:
    """`macos` -> `OS: macOS`: the tag a prefix-less value of a closed set stands for."""
    for prefix, values in KNOWN_VALUES.items():
        for known in values:
            if known.lower() == " ".join(value.split()).lower():
                return f"{prefix}: {known}"
    return None


@rule_check("RK901", "tag-prefix", Severity.WARNING)
def tag_prefix(rule: Rule) -> Iterator[Finding]:
    """
    A tag that is not written `Prefix: Value` with a known prefix in its usual casing.

    Kibana's rule table filters by tag, and teams search for `OS: Windows` or `Tactic: Persistence`: a tag written
    `os: windows`, `OS:Windows` or `Platform: Windows` is a different tag that those filters miss. Known prefixes:
    `Data Source`, `Domain`, `Mitre Atlas`, `OS`, `Promotion`, `Resources`, `Rule Type`, `Tactic`, `Threat` and
    `Use Case`, each followed by a colon, one space and a value. The values of `OS` (Linux, macOS, Windows),
    `Tactic` (the ATT&CK tactic names) and `Resources` (Investigation Guide) are checked for casing too.

    Example: `os: macos` -> write `OS: macOS`; `Platform: macOS` -> unknown prefix.

    Fix: a safe fix rewrites a tag whose prefix is known but differs in casing or spacing (and a known value's
    casing), unless the corrected tag is already in the list. Unknown prefixes need a person: rename the tag, or
    turn the check off if your team uses other prefixes.
    """
    for index, tag in _tags(rule):
        if not tag.strip():
            continue  # an empty tag is the schema's
        path = (*TAGS, index)
        match = _TAG.match(tag)
        if match is None or not match.group("prefix"):
            value = tag.strip(" :")
            hint = _known_value(value)
            suggestion = f": did you mean `{hint}`?" if hint else f" (known prefixes: {', '.join(KNOWN_PREFIXES)})"
            yield Finding(path, f"tag `{tag}` has no `Prefix: ` part{suggestion}")
            continue
        prefix, value = match.group("prefix"), match.group("value")
        if prefix.lower() not in _PREFIX_BY_KEY:
            close = difflib.get_close_matches(prefix.lower(), list(_PREFIX_BY_KEY), n=1, cutoff=0.6)
            hint = f"; did you mean `{_PREFIX_BY_KEY[close[0]]}`?" if close else ""
            yield Finding(path, f"unknown tag prefix `{prefix}` in `{tag}`{hint} (known: {', '.join(KNOWN_PREFIXES)})")
            continue
        if not value:
            yield Finding(path, f"tag `{tag}` has no value after its prefix")
            continue
        canonical = _canonical(prefix, value)
        if tag == canonical:
            continue
        twin = next((t for i, t in _tags(rule) if i != index and _key(t) == _key(canonical)), None)
        if twin is not None:
            yield Finding(path, f"write the tag `{tag}` as `{canonical}`; the list has it already (`{twin}`)")
        else:
            fix = replace_value(rule, path, canonical, f"write the tag as `{canonical}`")
            yield Finding(path, f"write the tag `{tag}` as `{canonical}`", fix=fix)


def _attack_tactics(rule: Rule) -> list[tuple[int, str]]:
    """(index in rule.threat, tactic name) for every ATT&CK threat entry with a tactic name."""
    threat = rule.section.get("threat")
    if not isinstance(threat, list):
        return []
    found = []
    for index, entry in enumerate(threat):
        if not isinstance(entry, dict) or entry.get("framework", "MITRE ATT&CK") != "MITRE ATT&CK":
            continue
        tactic = entry.get("tactic")
        name = tactic.get("name") if isinstance(tactic, dict) else None
        if isinstance(name, str) and name.strip():
            found.append((index, name.strip()))
    return found


def _primary_tactic(rule: Rule) -> str | None:
    threat = rule.section.get("threat")
    if not isinstance(threat, list) or not threat or not isinstance(threat[0], dict):
        return None
    tactic = threat[0].get("tactic")
    name = tactic.get("name") if isinstance(tactic, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


@rule_check("RK902", "missing-tactic-tag", Severity.WARNING)
def missing_tactic_tag(rule: Rule) -> Iterator[Finding]:
    """
    A tactic of `rule.threat` has no `Tactic: <name>` tag.

    Tags are what Kibana's rule table filters on; the `[[rule.threat]]` mapping is not. Every ATT&CK tactic the
    rule maps to gets its tag, so that filtering by `Tactic: Persistence` finds every persistence rule. Tags are
    compared ignoring case (RK901 reports the casing). Threat entries of other frameworks (MITRE ATLAS) are not
    counted.

    Example: `[rule.threat.tactic] name = "Execution"` and no `Tactic: Execution` in `tags`.

    Fix: add the tag, e.g. `"Tactic: Execution"`.
    """
    if not isinstance(rule.section.get("tags", []), list):
        return
    reported: set[str] = set()
    for index, name in _attack_tactics(rule):
        tag = f"Tactic: {name}"
        if _has_tag(rule, tag) or tag.lower() in reported:
            continue
        reported.add(tag.lower())
        yield Finding(TAGS, f"no `{tag}` tag for the tactic of rule.threat[{index}]: add it to `tags`")


@rule_check("RK903", "os-tag-directory", Severity.WARNING)
def os_tag_directory(rule: Rule) -> Iterator[Finding]:
    """
    A rule in a `linux/`, `macos/` or `windows/` folder without the matching `OS:` tag.

    The folder says which operating system the rule is for, and the `OS:` tag is how Kibana users filter for it:
    a rule in `rules/macos/` carries `OS: macOS` (`linux/` -> `OS: Linux`, `windows/` -> `OS: Windows`). Only
    these three folder names are checked (cross-platform and integration folders are not), and, as for RK905, only
    below a folder named `rules` or `rules_building_block`, the layout of Elastic's repository. A missing tag is
    reported at `tags`, or at another OS's tag when the rule has one.

    Example: `rules/linux/execution_x.toml` tagged `OS: macOS`.

    Fix: add the folder's `OS:` tag, or move the file to the folder of its operating system.
    """
    path = Path(rule.path)
    folder = path.parent.name
    expected = OS_FOLDERS.get(folder)
    if expected is None or not _under_rule_folder(path) or not _has_rule_table(rule):
        return
    if not isinstance(rule.section.get("tags", []), list):
        return
    tag = f"OS: {expected}"
    if _has_tag(rule, tag):
        return
    other = next(((i, t) for i, t in _tags(rule) if _key(t).startswith("os: ")), None)
    if other is not None:
        yield Finding((*TAGS, other[0]), f"the rule is in `{folder}/` but tagged `{other[1]}`: expected `{tag}`")
    else:
        yield Finding(TAGS, f"the rule is in `{folder}/` but has no `{tag}` tag")


@rule_check("RK904", "guide-tag", Severity.WARNING)
def guide_tag(rule: Rule) -> Iterator[Finding]:
    """
    `Resources: Investigation Guide` is missing from a rule with a guide, or present on a rule without one.

    The tag lets analysts and Kibana's rule table find the rules that come with an investigation guide (`note`).
    A rule counts as having a guide when `note` is a non-empty string.

    Example: a rule with a `note` and no `Resources: Investigation Guide` tag.

    Fix: add the tag when the rule has a guide; delete it when it has none (or write the guide).
    """
    note = rule.section.get("note")
    if note is not None and not isinstance(note, str):
        return
    if not isinstance(rule.section.get("tags", []), list):
        return
    if not _has_rule_table(rule):
        return
    has_guide = isinstance(note, str) and bool(note.strip())
    tagged = [(i, t) for i, t in _tags(rule) if _key(t) == _key(GUIDE_TAG)]
    if has_guide and not tagged:
        yield Finding(TAGS, f"the rule has an investigation guide but no `{GUIDE_TAG}` tag")
    elif tagged and not has_guide:
        for index, _ in tagged:
            yield Finding((*TAGS, index), f"`{GUIDE_TAG}` on a rule without an investigation guide (`note`)")


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _under_rule_folder(path: Path) -> bool:
    return any(part in RULE_FOLDERS for part in path.absolute().parent.parts)


@rule_check("RK905", "file-name", Severity.WARNING)
def file_name(rule: Rule) -> Iterator[Finding]:
    """
    A rule file name that is not lowercase snake case, or does not start with the rule's primary tactic.

    Files are named after what they detect, prefixed with the primary tactic (the tactic of the first
    `[[rule.threat]]` entry) in snake case: `execution_first_time_python_spawned_a_shell_on_host.toml`,
    `command_and_control_...`, `defense_evasion_...`. A listing of a rules folder then reads as a map of coverage,
    and names never differ only in case (which breaks checkouts on macOS and Windows).

    The convention applies to files below a folder named `rules` or `rules_building_block` (anywhere in the
    file's absolute path), the layout of Elastic's repository; files elsewhere (test data, a single rule checked
    on its own) are not reported. The finding is about the file as a whole, so it has no line.

    Example: `rules/macos/Python-Shell.toml` -> `execution_python_shell.toml`.

    Fix: rename the file (`git mv`); there is no automatic fix.
    """
    path = Path(rule.path)
    if not _under_rule_folder(path):
        return
    whole_file = Span(0, 0, 0, 0)
    name = path.name
    stem = _snake(path.stem)
    if not _SNAKE_FILE.match(name):
        yield Finding((), f"file name `{name}` is not lowercase snake case: `{stem}.toml`", span=whole_file)
        return
    tactic = _primary_tactic(rule)
    if tactic is None:
        return
    prefix = _snake(tactic)
    if stem == prefix or stem.startswith(prefix + "_"):
        return
    yield Finding(
        (),
        f"file name `{name}` does not start with the primary tactic `{prefix}_` (the tactic of rule.threat[0])",
        span=whole_file,
    )


@rule_check("RK906", "timestamp-override", Severity.WARNING)
def timestamp_override(rule: Rule) -> Iterator[Finding]:
    """
    A KQL rule without `timestamp_override`; the house setting is `timestamp_override = "event.ingested"`.

    A rule searches a time window on each run. By `@timestamp`, an event that reaches Elasticsearch late (an
    agent offline for an hour, a backlog in a pipeline) falls into a window that already ran and is never
    searched; by `event.ingested`, the time Elasticsearch received it, every event is searched once. Kibana falls
    back to `@timestamp` for events without `event.ingested`. Applies to rules with `language = "kuery"` that do
    not set `timestamp_override` at all: a rule that names another field made a choice, and RK4xx checks that
    the field exists and is a date.

    Example: a new_terms rule with `language = "kuery"` and no `timestamp_override`.

    Fix: add `timestamp_override = "event.ingested"` to [rule]. No automatic fix: it changes which events a run
    searches, which is a decision, not a formatting change.
    """
    if rule.section.get("language") == "kuery" and "timestamp_override" not in rule.section:
        yield Finding(
            ("rule", "timestamp_override"),
            'a KQL rule without `timestamp_override = "event.ingested"`: events that arrive late can be missed',
        )
