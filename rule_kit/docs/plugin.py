"""The `rule-kit` mkdocs plugin: pages for the rules, generated at build time, never committed.

```yaml
plugins:
  - search
  - rule-kit:
      rules: [rules]        # rule folders or files, relative to mkdocs.yml (default: rule-kit's `paths`)
```

`on_config` reads the rules once (`rule_kit.docs.site.collect`), renders every page's Markdown and places the
sections in the nav; `on_files` adds the pages, the Navigator layer and the plugin's CSS and script to the build.
A rule file that cannot be read, or a fixture file with errors, is a warning (so `mkdocs build --strict` fails on it)
with its file, line and column.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config as OptionsBase
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from rule_kit.attack import load_attack
from rule_kit.checks.registry import all_checks
from rule_kit.config import Config, ConfigError, load_config
from rule_kit.docs.coverage import Coverage, RuleMapping, build_coverage, coverage_page, navigator_layer
from rule_kit.docs.pages import (
    BY_PLATFORM,
    BY_SEVERITY,
    BY_TACTIC,
    COVERAGE,
    INDEX,
    LAYER_FILE,
    Pages,
    check_page,
    checks_index,
)
from rule_kit.docs.site import Site, collect

log = get_plugin_logger(__name__)
ASSET_FOLDER = "assets/rule-kit"


class RuleKitOptions(OptionsBase):
    rules = opt.ListOfItems(opt.Type(str), default=[])
    prefix = opt.Type(str, default="rules")
    checks = opt.Type(bool, default=True)
    evidence = opt.Type(bool, default=True)
    nav = opt.Type(bool, default=True)
    nav_rules_limit = opt.Type(int, default=100)
    config_file = opt.Optional(opt.Type(str))


class RuleKitPlugin(BasePlugin[RuleKitOptions]):
    """Generates the rule pages, the index pages, the ATT&CK coverage and the check pages."""

    def __init__(self) -> None:
        self.site = Site()
        self.generated: dict[str, str] = {}
        self.coverage: Coverage | None = None
        self._home = ""  # the generated home page, used when docs_dir has no index.md
        self.paths: list[Path] = []
        self.in_nav: set[str] = set()  # generated pages the nav lists; the others are built without a nav entry

    # -- configuration: read the rules, render the pages, place them in the nav ---------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path or ".").resolve().parent
        rule_kit_config = self._rule_kit_config(base)
        paths = [base / p for p in self.config.rules] or [
            Path(p) if Path(p).is_absolute() else base / p for p in rule_kit_config.paths
        ]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise PluginError(f"rule-kit: no such rule folder or file: {', '.join(missing)}")
        self.paths = paths
        prefix = self.config.prefix.strip("/")
        self.site = collect(paths, prefix=prefix, config=rule_kit_config, evidence=self.config.evidence)
        for problem in self.site.problems:
            log.warning(f"{problem.path}:{problem.line}:{problem.column}: {problem.code} {problem.message}")
        attack = load_attack()
        pages = Pages(self.site, attack, prefix=prefix)
        self.generated = {doc.page: pages.rule_page(doc) for doc in self.site.rules}
        self.coverage = build_coverage(
            [RuleMapping(doc.page, doc.name, doc.threats) for doc in self.site.rules], attack
        )
        coverage_src = pages.path(COVERAGE)
        self.generated.update(
            {
                pages.path(INDEX): pages.all_rules(),
                pages.path(BY_TACTIC): pages.by_tactic(),
                pages.path(BY_PLATFORM): pages.by_platform(),
                pages.path(BY_SEVERITY): pages.by_severity(),
                # the matrix is wide: mkdocs-material hides the side bars of this page
                coverage_src: "---\nhide:\n  - navigation\n  - toc\n---\n"
                + coverage_page(self.coverage, page=coverage_src, layer_file=LAYER_FILE),
            }
        )
        if self.config.checks:
            checks = all_checks()
            self.generated["checks/index.md"] = checks_index(checks)
            self.generated.update({f"checks/{check.code}.md": check_page(check) for check in checks})
        self._home = pages.home(config.site_name)
        self.in_nav = set()
        if self.config.nav and config.nav is not None:
            config.nav = self._placed(config.nav, pages)
        elif config.nav is None:  # mkdocs builds the nav from the files: all but the per-check pages
            self.in_nav = {uri for uri in self.generated if not uri.startswith("checks/RK")}
        for name in sorted(_assets()):
            target = f"{ASSET_FOLDER}/{name}"
            if name.endswith(".css") and target not in config.extra_css:
                config.extra_css.append(target)
            elif name.endswith(".js") and target not in [str(s) for s in config.extra_javascript]:
                config.extra_javascript.append(target)  # type: ignore[arg-type]
        return config

    def _rule_kit_config(self, base: Path) -> Config:
        try:
            explicit = base / self.config.config_file if self.config.config_file else None
            return load_config(explicit, start=base)
        except ConfigError as error:
            raise PluginError(f"rule-kit: {error}") from None

    def _rules_section(self, pages: Pages, title: str) -> dict[str, Any]:
        entries: list[Any] = [
            {"All rules": pages.path(INDEX)},
            {"By tactic": pages.path(BY_TACTIC)},
            {"By platform and index": pages.path(BY_PLATFORM)},
            {"By severity": pages.path(BY_SEVERITY)},
            {"ATT&amp;CK coverage": pages.path(COVERAGE)},
        ]
        self.in_nav.update(pages.path(name) for name in (INDEX, BY_TACTIC, BY_PLATFORM, BY_SEVERITY, COVERAGE))
        # Nav titles reach the HTML as they are (mkdocs does not escape them): rule text is escaped here.
        if len(self.site.rules) <= self.config.nav_rules_limit:  # beyond it, every page would carry a huge nav
            folders: dict[str, list[dict[str, str]]] = {}
            for doc in self.site.rules:
                folders.setdefault(html.escape(doc.platforms[0]), []).append({html.escape(doc.name): doc.page})
                self.in_nav.add(doc.page)
            for folder in sorted(folders, key=str.lower):
                entries.append({folder: sorted(folders[folder], key=lambda e: next(iter(e)).lower())})
        return {title: entries}

    def _placed(self, nav: list[Any], pages: Pages) -> list[Any]:
        """The nav with the generated sections: an entry pointing at `rules/index.md` (or `checks/index.md`) is
        replaced by the whole section under its title; without one, Rules goes after the first entry and Checks
        at the end."""
        rules_index, checks_index_page = pages.path(INDEX), "checks/index.md"
        placed = {rules_index: False, checks_index_page: False}
        out: list[Any] = []
        for entry in nav:
            title, value = next(iter(entry.items())) if isinstance(entry, dict) and len(entry) == 1 else (None, entry)
            if value == rules_index:
                out.append(self._rules_section(pages, title or "Rules"))
                placed[rules_index] = True
            elif value == checks_index_page and self.config.checks:
                out.append({title or "Checks": [{"All checks": checks_index_page}]})
                self.in_nav.add(checks_index_page)
                placed[checks_index_page] = True
            else:
                out.append(entry)
        if not placed[rules_index]:
            out.insert(min(1, len(out)), self._rules_section(pages, "Rules"))
        if self.config.checks and not placed[checks_index_page]:
            out.append({"Checks": [{"All checks": checks_index_page}]})
            self.in_nav.add(checks_index_page)
        return out

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        """`mkdocs serve` / `rule-kit docs serve`: rebuild when a rule or fixture file changes."""
        for path in self.paths:
            server.watch(str(path))
        return server

    # -- files: the pages, the layer, the assets ------------------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        added: dict[str, File] = {}
        for src_uri, content in self.generated.items():
            existing = files.get_file_from_path(src_uri)
            if existing is not None:
                log.warning(f"{src_uri} exists in docs_dir and is also generated by rule-kit: the generated page wins")
                files.remove(existing)
            inclusion = InclusionLevel.UNDEFINED if src_uri in self.in_nav else InclusionLevel.NOT_IN_NAV
            added[src_uri] = File.generated(config, src_uri, content=content, inclusion=inclusion)
            files.append(added[src_uri])
        if files.get_file_from_path("index.md") is None:
            files.append(File.generated(config, "index.md", content=self._home))
        assert self.coverage is not None, "on_config runs before on_files"
        site_url = config.site_url or None
        layer = navigator_layer(
            self.coverage,
            name=f"{config.site_name} coverage",
            site_url=site_url,
            page_url=(lambda page: (site_url or "").rstrip("/") + "/" + added[page].url) if site_url else None,
        )
        layer_uri = f"{self.config.prefix.strip('/')}/{LAYER_FILE}"
        files.append(File.generated(config, layer_uri, content=json.dumps(layer, indent=1, ensure_ascii=False)))
        for name, data in _assets().items():
            files.append(File.generated(config, f"{ASSET_FOLDER}/{name}", content=data))
        return files


def _assets() -> dict[str, bytes]:
    """The plugin's stylesheets and script, packaged beside this module."""
    folder = resources.files("rule_kit.docs") / "assets"
    return {item.name: item.read_bytes() for item in folder.iterdir() if item.name.endswith((".css", ".js"))}
