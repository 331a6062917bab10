"""MITRE ATT&CK: the packaged index of tactics, techniques and sub-techniques (`load_attack`) and the importer
that builds it from MITRE's STIX bundle (`rule_kit.attack.importer`)."""

from rule_kit.attack.index import AttackIndex, Tactic, Technique, load_attack, url

__all__ = ["AttackIndex", "Tactic", "Technique", "load_attack", "url"]
