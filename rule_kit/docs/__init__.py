"""The docs site: an mkdocs plugin (`rule-kit`) that turns rule files into pages at build time: a page per rule
from its investigation guide, index pages, the ATT&CK coverage matrix and Navigator layer, a page per check."""
