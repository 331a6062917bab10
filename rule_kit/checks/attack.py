"""RK3xx: MITRE ATT&CK mappings against the packaged ATT&CK index (`rule_kit.attack`).

Only `[[rule.threat]]` entries with `framework = "MITRE ATT&CK"` are checked (ATLAS entries are not ATT&CK). The
schema stage has already reported values of the wrong type or shape (an id such as `t1059`, a reference that is
not an attack.mitre.org URL of the right form), so these checks skip them silently: one problem, one finding.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rule_kit.attack import AttackIndex, Technique, load_attack
from rule_kit.checks.registry import Finding, replace_value, rule_check
from rule_kit.diagnostics import Fix, Severity
from rule_kit.rules.model import Rule
from rule_kit.rules.positions import KeyPath, format_key_path

ATTACK = "MITRE ATT&CK"
_TACTIC_ID = re.compile(r"^TA\d{4}$")
_TECHNIQUE_ID = re.compile(r"^T\d{4}$")
_SUBTECHNIQUE_ID = re.compile(r"^T\d{4}\.\d{3}$")
_TACTIC_URL = re.compile(r"^https://attack\.mitre\.org/tactics/(TA\d+)/$")
_TECHNIQUE_URL = re.compile(r"^https://attack\.mitre\.org/techniques/(T\d+)/$")
_SUBTECHNIQUE_URL = re.compile(r"^https://attack\.mitre\.org/techniques/(T\d+)/(\d+)/$")


@dataclass(frozen=True, slots=True)
class _Entry:
    """One `[[rule.threat]]` ATT&CK entry: its index, its tactic table (possibly empty) and the tactic id when it
    has the required shape (the schema reports the others)."""

    index: int
    tactic: dict[str, Any]
    tactic_id: str | None

    @property
    def path(self) -> KeyPath:
        return ("rule", "threat", self.index, "tactic")


@dataclass(frozen=True, slots=True)
class _Item:
    """A technique or sub-technique table of an entry, with its key path; `owner` is the technique a
    sub-technique is listed under (None for a technique). `id` is the id when it has the shape its place requires,
    `reference_id` the id a well-formed reference URL points to."""

    entry: _Entry
    path: KeyPath
    table: dict[str, Any]
    owner: _Item | None
    id: str | None
    reference_id: str | None

    @property
    def is_sub(self) -> bool:
        return self.owner is not None

    @property
    def kind(self) -> str:
        return "sub-technique" if self.owner is not None else "technique"


def _text(table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    return value if isinstance(value, str) else None


def _shaped(value: str | None, shape: re.Pattern[str]) -> str | None:
    return value if value is not None and shape.match(value) else None


def _item(entry: _Entry, path: KeyPath, table: dict[str, Any], owner: _Item | None = None) -> _Item:
    reference = _text(table, "reference") or ""
    if owner is None:
        match = _TECHNIQUE_URL.match(reference)
        pointed = match.group(1) if match else None
        return _Item(entry, path, table, None, _shaped(_text(table, "id"), _TECHNIQUE_ID), pointed)
    match = _SUBTECHNIQUE_URL.match(reference)
    pointed = f"{match.group(1)}.{match.group(2)}" if match else None
    return _Item(entry, path, table, owner, _shaped(_text(table, "id"), _SUBTECHNIQUE_ID), pointed)


def _tables(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for position, item in enumerate(value):
            if isinstance(item, dict):
                yield position, item


@dataclass(frozen=True, slots=True)
class _Mapping:
    entries: tuple[_Entry, ...]
    items: tuple[_Item, ...]


_last: tuple[weakref.ref[Rule], _Mapping] | None = None


def _mapping(rule: Rule) -> _Mapping:
    """The rule's ATT&CK entries and items, walked once for all the checks of this module (the last rule's walk is
    kept, by a weak reference: the checks run one rule after the other)."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last is not None and last[0]() is rule:
        return last[1]
    entries: list[_Entry] = []
    items: list[_Item] = []
    threats = rule.get(("rule", "threat"))
    for index, threat in _tables(threats):
        if threat.get("framework") != ATTACK:
            continue
        tactic = threat.get("tactic")
        tactic = tactic if isinstance(tactic, dict) else {}
        entry = _Entry(index, tactic, _shaped(_text(tactic, "id"), _TACTIC_ID))
        entries.append(entry)
        for position, table in _tables(threat.get("technique")):
            technique = _item(entry, ("rule", "threat", index, "technique", position), table)
            items.append(technique)
            for sub_position, sub in _tables(table.get("subtechnique")):
                items.append(_item(entry, (*technique.path, "subtechnique", sub_position), sub, technique))
    mapping = _Mapping(tuple(entries), tuple(items))
    try:
        _last = (weakref.ref(rule), mapping)
    except TypeError:  # a Rule without weak references: no reuse, same results
        _last = None
    return mapping


def mapping_ids(rule: Rule) -> tuple[tuple[str, str | None, str | None], ...]:
    """The rule's ATT&CK mapping as `(tactic id, technique id, sub-technique id)` triples in file order, from the
    same walk the checks make: a tactic with no technique gives `(tactic, None, None)`, a technique
    `(tactic, technique, None)`, each of its sub-techniques `(tactic, technique, sub)`. Ids without the shape
    their place requires are left out (the checks report them). What the docs site and its coverage count."""
    mapping = _mapping(rule)
    out: list[tuple[str, str | None, str | None]] = []
    for entry in mapping.entries:
        if entry.tactic_id is None:
            continue
        items = [item for item in mapping.items if item.entry is entry]
        if not items:
            out.append((entry.tactic_id, None, None))
        for item in items:
            if item.owner is None and item.id is not None:
                out.append((entry.tactic_id, item.id, None))
            elif item.owner is not None and item.owner.id is not None and item.id is not None:
                out.append((entry.tactic_id, item.owner.id, item.id))
    return tuple(out)


def _entries(rule: Rule) -> tuple[_Entry, ...]:
    return _mapping(rule).entries


def _items(rule: Rule, *, subtechniques: bool = True) -> Iterator[_Item]:
    """Every technique of every ATT&CK entry, each followed by its sub-techniques."""
    for item in _mapping(rule).items:
        if subtechniques or item.owner is None:
            yield item


def _fix(rule: Rule, key_path: KeyPath, value: str, description: str) -> Fix | None:
    """A replacement of the value at `key_path`, when the value is where the positions say it is."""
    if rule.text is None or key_path not in rule.positions:
        return None
    return replace_value(rule, key_path, value, description)


def _known(attack: AttackIndex, item: _Item) -> Technique | None:
    return attack.technique(item.id) if item.id is not None else None


def _version(attack: AttackIndex) -> str:
    return f"ATT&CK v{attack.version}"


def _tactic_list(attack: AttackIndex, ids: tuple[str, ...]) -> str:
    names = [str(attack.tactic(t)) for t in ids if attack.tactic(t) is not None]
    if not names:
        return "no tactic"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- tactics ---------------------------------------------------------------------------------------------------


@rule_check("RK301", "unknown-tactic", Severity.ERROR)
def unknown_tactic(rule: Rule) -> Iterator[Finding]:
    """A tactic id that is not an ATT&CK Enterprise tactic.

    Kibana shows the tactic as given, so a mistyped id (`TA0020`) breaks coverage views and the MITRE ATT&CK
    navigator export without any error. When the tactic's name is a real tactic, the finding names its id.

    Example: `id = "TA0099"` with `name = "Execution"` -> tactic TA0099 is not in ATT&CK v18.1; "Execution" is
    TA0002.

    Fix: use the id of the tactic the rule detects (the list: https://attack.mitre.org/tactics/enterprise/).
    """
    attack = load_attack()
    for entry in _entries(rule):
        tactic_id = entry.tactic_id
        if tactic_id is None or attack.tactic(tactic_id) is not None:
            continue
        message = f"tactic {tactic_id} is not in {_version(attack)}"
        name = _text(entry.tactic, "name")
        named = attack.tactic_by_name(name) if name is not None else None
        if named is not None:
            message += f'; "{name}" is {named.id}'
        yield Finding((*entry.path, "id"), message)


@rule_check("RK302", "tactic-name-mismatch", Severity.ERROR)
def tactic_name_mismatch(rule: Rule) -> Iterator[Finding]:
    """The tactic's name is not the ATT&CK name of its id.

    The id is what Kibana and the ATT&CK navigator use; the name is what people read. When they disagree, one of
    them is wrong, and dashboards grouped by name split one tactic in two. Names are exact and case-sensitive.

    Example: `id = "TA0002"` with `name = "Persistence"` -> tactic TA0002 is named "Execution" in ATT&CK, not
    "Persistence" ("Persistence" is TA0003).

    Fix (safe): the exact name for the id. When the name and the reference both point to another tactic, the id
    itself is probably the mistake: no fix is offered, correct the id by hand.
    """
    attack = load_attack()
    for entry in _entries(rule):
        tactic = attack.tactic(entry.tactic_id) if entry.tactic_id else None
        name = _text(entry.tactic, "name")
        if tactic is None or name is None or name == tactic.name:
            continue
        message = f'tactic {tactic.id} is named "{tactic.name}" in ATT&CK, not "{name}"'
        other = attack.tactic_by_name(name)
        fix: Fix | None = None
        if other is not None:
            message += f' ("{name}" is {other.id})'
        match = _TACTIC_URL.match(_text(entry.tactic, "reference") or "")
        if other is not None and match and match.group(1) == other.id:
            message += f"; its reference points to {other.id} too: is the id wrong?"
        else:
            fix = _fix(rule, (*entry.path, "name"), tactic.name, f'name the tactic "{tactic.name}"')
        yield Finding((*entry.path, "name"), message, fix=fix)


@rule_check("RK303", "tactic-reference-mismatch", Severity.ERROR)
def tactic_reference_mismatch(rule: Rule) -> Iterator[Finding]:
    """The tactic's reference URL is the page of another tactic.

    Reference URLs are how readers (and the docs site) get from a rule to ATT&CK; a copied URL that points to
    another tactic sends them to the wrong page.

    Example: `id = "TA0002"` with `reference = "https://attack.mitre.org/tactics/TA0003/"` -> the reference of
    tactic TA0002 (Execution) points to TA0003; it should be https://attack.mitre.org/tactics/TA0002/.

    Fix (safe): the URL of the tactic's id, unless the name agrees with the URL (then the id is probably wrong).
    A reference that is not an ATT&CK tactic URL at all is reported by RK105.
    """
    attack = load_attack()
    for entry in _entries(rule):
        tactic = attack.tactic(entry.tactic_id) if entry.tactic_id else None
        match = _TACTIC_URL.match(_text(entry.tactic, "reference") or "")
        if tactic is None or match is None or match.group(1) == tactic.id:
            continue
        pointed = attack.tactic(match.group(1))
        message = f"the reference of tactic {tactic} points to {pointed or match.group(1)}; it should be {tactic.url}"
        fix: Fix | None = None
        if pointed is not None and _text(entry.tactic, "name") == pointed.name:
            message += f"; its name is that of {pointed.id} too: is the id wrong?"
        else:
            fix = _fix(rule, (*entry.path, "reference"), tactic.url, f"point the reference to {tactic.url}")
        yield Finding((*entry.path, "reference"), message, fix=fix)


# --- techniques and sub-techniques -----------------------------------------------------------------------------


@rule_check("RK304", "unknown-technique", Severity.ERROR)
def unknown_technique(rule: Rule) -> Iterator[Finding]:
    """A technique or sub-technique id that is not in ATT&CK Enterprise.

    Revoked and deprecated techniques are known (RK309, RK310); this is an id ATT&CK never had, usually a typo
    or an id from another matrix (Mobile, ICS). When the entry's name is a real technique, the finding names it.

    Example: `id = "T1059.099"` -> sub-technique T1059.099 is not in ATT&CK v18.1.

    Fix: the id of the technique the rule detects (search https://attack.mitre.org/techniques/enterprise/).
    """
    attack = load_attack()
    for item in _items(rule):
        if item.id is None or attack.technique(item.id) is not None:
            continue
        message = f"{item.kind} {item.id} is not in {_version(attack)}"
        name = _text(item.table, "name")
        parent = item.owner.id if item.owner is not None else None
        named = attack.technique_by_name(name, parent=parent) if name is not None else None
        if named is not None:
            message += f'; "{name}" is {named.id}'
        yield Finding((*item.path, "id"), message)


@rule_check("RK305", "technique-name-mismatch", Severity.ERROR)
def technique_name_mismatch(rule: Rule) -> Iterator[Finding]:
    """The technique's or sub-technique's name is not the ATT&CK name of its id.

    ATT&CK renames techniques between releases (T1574.001 "DLL Search Order Hijacking" became "DLL" in v18), and
    hand-typed names drift ("Powershell"). The name is what coverage reports and the docs site show.

    Example: `id = "T1059"` with `name = "Command and Scripting Interpreters"` -> technique T1059 is named
    "Command and Scripting Interpreter" in ATT&CK, not "Command and Scripting Interpreters".

    Fix (safe): the exact name for the id. When the name and the reference both point to another technique, the
    id itself is probably the mistake: no fix is offered.
    """
    attack = load_attack()
    for item in _items(rule):
        known, name = _known(attack, item), _text(item.table, "name")
        if known is None or name is None or name == known.name:
            continue
        message = f'{item.kind} {known.id} is named "{known.name}" in ATT&CK, not "{name}"'
        parent = known.parent if item.is_sub else None
        other = attack.technique_by_name(name, parent=parent)
        fix: Fix | None = None
        if other is not None and other.id != known.id:
            message += f' ("{name}" is {other.id})'
        if other is not None and other.id != known.id and item.reference_id == other.id:
            message += f"; its reference points to {other.id} too: is the id wrong?"
        else:
            fix = _fix(rule, (*item.path, "name"), known.name, f'name the {item.kind} "{known.name}"')
        yield Finding((*item.path, "name"), message, fix=fix)


@rule_check("RK306", "technique-reference-mismatch", Severity.ERROR)
def technique_reference_mismatch(rule: Rule) -> Iterator[Finding]:
    """The technique's or sub-technique's reference URL is the page of another id.

    A sub-technique's page is `https://attack.mitre.org/techniques/T1059/004/`, a technique's
    `https://attack.mitre.org/techniques/T1059/`; a URL copied from a neighbouring entry sends readers to the
    wrong page.

    Example: `id = "T1059.004"` with `reference = "https://attack.mitre.org/techniques/T1059/006/"` -> the
    reference of sub-technique T1059.004 (Unix Shell) points to T1059.006; it should be
    https://attack.mitre.org/techniques/T1059/004/.

    Fix (safe): the URL of the id, unless the name agrees with the URL (then the id is probably wrong). A
    reference that is not an ATT&CK URL of the right form is reported by RK105.
    """
    attack = load_attack()
    for item in _items(rule):
        known, pointed_id = _known(attack, item), item.reference_id
        if known is None or pointed_id is None or pointed_id == known.id:
            continue
        pointed = attack.technique(pointed_id)
        message = f"the reference of {item.kind} {known} points to {pointed or pointed_id}; it should be {known.url}"
        fix: Fix | None = None
        if pointed is not None and _text(item.table, "name") == pointed.name:
            message += f"; its name is that of {pointed.id} too: is the id wrong?"
        else:
            fix = _fix(rule, (*item.path, "reference"), known.url, f"point the reference to {known.url}")
        yield Finding((*item.path, "reference"), message, fix=fix)


@rule_check("RK307", "technique-not-in-tactic", Severity.ERROR)
def technique_not_in_tactic(rule: Rule) -> Iterator[Finding]:
    """A technique listed under a tactic it does not belong to.

    In ATT&CK a technique belongs to the tactics of its kill-chain phases: T1059 is Execution, T1027 is Defense
    Evasion. Listed under another tactic, the rule claims coverage it does not give and misses the coverage it
    does. A sub-technique is checked the same way when its technique is in the tactic.

    Example: T1027 (Obfuscated Files or Information) under TA0002 (Execution) -> technique T1027 (Obfuscated
    Files or Information) is not in tactic TA0002 (Execution); ATT&CK lists it under TA0005 (Defense Evasion).

    Fix: move the technique to a `[[rule.threat]]` entry of one of its tactics (add one if needed).
    """
    attack = load_attack()
    for item in _items(rule):
        tactic = attack.tactic(item.entry.tactic_id) if item.entry.tactic_id else None
        known = _known(attack, item)
        if tactic is None or known is None or known.revoked or not known.tactics or tactic.id in known.tactics:
            continue
        if item.owner is not None:  # only when the technique it is listed under is right: one finding per cause
            owner = _known(attack, item.owner)
            if owner is None or owner.id != known.parent or tactic.id not in owner.tactics:
                continue
        belongs = _tactic_list(attack, known.tactics)
        yield Finding(
            (*item.path, "id"), f"{item.kind} {known} is not in tactic {tactic}; ATT&CK lists it under {belongs}"
        )


@rule_check("RK308", "subtechnique-parent-mismatch", Severity.ERROR)
def subtechnique_parent_mismatch(rule: Rule) -> Iterator[Finding]:
    """A sub-technique listed under a technique that is not its parent.

    A sub-technique belongs to exactly one technique: T1059.004 (Unix Shell) is a sub-technique of T1059
    (Command and Scripting Interpreter). Kibana accepts it under any technique, so the mapping silently claims a
    technique the rule does not detect.

    Example: T1059.004 under T1027 -> sub-technique T1059.004 (Unix Shell) belongs under T1059 (Command and
    Scripting Interpreter), not T1027 (Obfuscated Files or Information).

    Fix: move the sub-technique under its parent technique (add the technique to the entry if needed).
    """
    attack = load_attack()
    for item in _items(rule):
        if item.owner is None or item.owner.id is None:
            continue
        known = _known(attack, item)
        if known is None or known.parent is None or known.parent == item.owner.id:
            continue
        parent, owner = attack.technique(known.parent), attack.technique(item.owner.id)
        yield Finding(
            (*item.path, "id"),
            f"sub-technique {known} belongs under {parent or known.parent}, not {owner or item.owner.id}",
        )


@rule_check("RK309", "revoked-technique", Severity.ERROR)
def revoked_technique(rule: Rule) -> Iterator[Finding]:
    """A technique or sub-technique that ATT&CK has revoked, with its replacement.

    ATT&CK revokes a technique when it merges or moves it (many techniques became sub-techniques in v7); the
    revoked id is kept only so that old mappings can be found, and it no longer appears in the matrix, in the
    navigator or in coverage reports. When the replacement was itself revoked, the chain is followed.

    Example: `id = "T1086"` -> technique T1086 (PowerShell) was revoked by T1059.001 (PowerShell), a
    sub-technique of T1059 (Command and Scripting Interpreter); map the rule to T1059.001.

    Fix: map the rule to the replacement: a replacing sub-technique goes under its technique, with the name and
    URL of the new id.
    """
    attack = load_attack()
    for item in _items(rule):
        known = _known(attack, item)
        if known is None or not known.revoked:
            continue
        chain = attack.revocations(known.id)
        if not chain:
            message = f"{item.kind} {known} was revoked in ATT&CK without a replacement; map the rule to a current one"
        else:
            final = chain[-1]
            steps = "".join(f"{step.id}, itself revoked by " for step in chain[:-1])
            message = f"{item.kind} {known} was revoked by {steps}{final}"
            if final.parent is not None:
                message += f", a sub-technique of {attack.technique(final.parent) or final.parent}"
            message += f"; map the rule to {final.id}" if final.live else ", which is deprecated with no replacement"
        yield Finding((*item.path, "id"), message)


@rule_check("RK310", "deprecated-technique", Severity.ERROR)
def deprecated_technique(rule: Rule) -> Iterator[Finding]:
    """A technique or sub-technique that ATT&CK has deprecated.

    Deprecated techniques were removed from ATT&CK without a one-to-one replacement (a revoked one has one:
    RK309); they are no longer in the matrix, so the rule's coverage is counted nowhere. When ATT&CK's deprecation
    note points to techniques to use instead, the finding names them.

    Example: `id = "T1064"` -> technique T1064 (Scripting) is deprecated in ATT&CK v18.1; ATT&CK suggests T1059
    (Command and Scripting Interpreter) where appropriate.

    Fix: map the rule to the current technique that describes what it detects, or drop the entry.
    """
    attack = load_attack()
    for item in _items(rule):
        known = _known(attack, item)
        if known is None or not known.deprecated or known.revoked:
            continue
        message = f"{item.kind} {known} is deprecated in {_version(attack)}"
        suggested = [str(attack.technique(s) or s) for s in known.suggested]
        if suggested:
            choices = suggested[0] if len(suggested) == 1 else ", ".join(suggested[:-1]) + " or " + suggested[-1]
            message += f"; ATT&CK suggests {choices} where appropriate"
        else:
            message += " and has no replacement; map the rule to a current technique"
        yield Finding((*item.path, "id"), message)


# --- the mapping as a whole ------------------------------------------------------------------------------------


@rule_check("RK311", "duplicate-tactic", Severity.WARNING)
def duplicate_tactic(rule: Rule) -> Iterator[Finding]:
    """The same tactic in two `[[rule.threat]]` entries.

    Each entry is one tactic with its techniques. A tactic listed twice splits its techniques over two entries:
    the mapping reads as two, and an update (a renamed technique, a new sub-technique) is easily made in one entry
    and not the other. The finding is reported at every entry involved.

    Example: two entries with `[rule.threat.tactic] id = "TA0002"` -> tactic TA0002 (Execution) is listed in 2
    threat entries (rule.threat[0], rule.threat[1]).

    Fix: merge the entries: one entry for the tactic, with all the techniques.
    """
    attack = load_attack()
    by_tactic: dict[str, list[_Entry]] = defaultdict(list)
    for entry in _entries(rule):
        if entry.tactic_id is not None:
            by_tactic[entry.tactic_id].append(entry)
    for tactic_id, entries in by_tactic.items():
        if len(entries) < 2:
            continue
        places = ", ".join(format_key_path(("rule", "threat", e.index)) for e in entries)
        tactic = attack.tactic(tactic_id) or tactic_id
        for entry in entries:
            yield Finding(
                (*entry.path, "id"),
                f"tactic {tactic} is listed in {len(entries)} threat entries ({places}); merge them into one",
            )


@rule_check("RK312", "subtechnique-as-technique", Severity.WARNING)
def subtechnique_as_technique(rule: Rule) -> Iterator[Finding]:
    """A sub-technique listed as a technique of its own, beside its parent technique in the same tactic.

    Sub-techniques go in `[[rule.threat.technique.subtechnique]]` under their technique. Listed as a separate
    technique next to the parent, the mapping names the technique twice and the sub-technique is not shown as
    one (Kibana and the docs site list it as a technique). The schema also reports the id's shape (RK105).

    Example: technique entries T1059 and T1059.004 under TA0002 -> T1059.004 (Unix Shell) is listed as a
    technique beside its parent T1059 (Command and Scripting Interpreter).

    Fix: remove the separate entry and list the id as a sub-technique of its parent.
    """
    attack = load_attack()
    techniques = list(_items(rule, subtechniques=False))
    listed: dict[str | int, set[str]] = defaultdict(set)

    def group(item: _Item) -> str | int:  # the same tactic across entries; an entry without a tactic id alone
        return item.entry.tactic_id or item.entry.index

    for item in techniques:
        if item.id is not None:
            listed[group(item)].add(item.id)
    for item in techniques:
        value = _text(item.table, "id")
        if value is None or not _SUBTECHNIQUE_ID.match(value):
            continue
        known = attack.technique(value)
        parent_id = known.parent if known is not None and known.parent else value.split(".", 1)[0]
        if parent_id not in listed[group(item)]:
            continue
        parent = attack.technique(parent_id)
        yield Finding(
            (*item.path, "id"),
            f"{known or value} is listed as a technique beside its parent {parent or parent_id}; "
            f"list it as a sub-technique of {parent_id}",
        )
