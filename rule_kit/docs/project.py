"""`rule-kit docs build|serve`: mkdocs with the rule-kit plugin, for teams with or without an mkdocs.yml.

With an mkdocs.yml (given, or in the current folder when no rule paths are given) mkdocs runs on it. Without one, a
sensible default is written to a temporary folder: mkdocs-material (light and dark, no web fonts, search), the
rule-kit plugin on the given paths (default: rule-kit's configured `paths`), and an empty docs folder, so the
site is the rules alone with a generated home page.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from rule_kit.config import load_config

DEFAULT_SITE_NAME = "Detection rules"


class DocsError(Exception):
    """The site cannot be built (the message says why; the CLI prints it and exits 1)."""


def default_config(paths: Sequence[Path], docs_dir: Path, site_name: str = DEFAULT_SITE_NAME) -> str:
    """The mkdocs.yml used when a team has none (JSON, which YAML reads, so every path is quoted right)."""
    config = {
        "site_name": site_name,
        "docs_dir": str(docs_dir),
        "theme": {
            "name": "material",
            "font": False,
            "features": ["content.code.copy", "navigation.sections", "search.highlight"],
            "palette": [
                {
                    "media": "(prefers-color-scheme: light)",
                    "scheme": "default",
                    "toggle": {"icon": "material/brightness-7", "name": "Dark mode"},
                },
                {
                    "media": "(prefers-color-scheme: dark)",
                    "scheme": "slate",
                    "toggle": {"icon": "material/brightness-4", "name": "Light mode"},
                },
            ],
        },
        "markdown_extensions": ["admonition", "tables", {"toc": {"permalink": True}}],
        "plugins": ["search", {"rule-kit": {"rules": [str(p.resolve()) for p in paths]}}],
        "nav": [{"Home": "index.md"}, {"Rules": "rules/index.md"}, {"Checks": "checks/index.md"}],
    }
    return json.dumps(config, indent=2)


@contextlib.contextmanager
def config_file(config: Path | None, paths: Sequence[Path]) -> Iterator[Path]:
    """The mkdocs.yml to use: `config` when given; `./mkdocs.yml` when there is one and no paths are given;
    else a default one in a temporary folder (removed afterwards)."""
    if config is not None:
        if paths:
            raise DocsError("give rule paths or an mkdocs.yml (--config-file), not both: the mkdocs.yml names them")
        if not config.is_file():
            raise DocsError(f"no such mkdocs configuration: {config}")
        yield config
        return
    local = Path("mkdocs.yml")
    if not paths and local.is_file():
        yield local
        return
    roots = list(paths) or [Path(p) for p in load_config().paths]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise DocsError(f"no such rule folder or file: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="rule-kit-docs-") as folder:
        docs = Path(folder) / "docs"
        docs.mkdir()
        written = Path(folder) / "mkdocs.yml"
        written.write_text(default_config(roots, docs), encoding="utf-8")
        yield written


def build_site(config: Path | None, paths: Sequence[Path], site_dir: Path, *, strict: bool) -> None:
    """Build the site into `site_dir` (raises `DocsError`; with `strict`, any warning fails the build)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    with config_file(config, paths) as path:
        try:
            settings = load_mkdocs_config(config_file=str(path), site_dir=str(site_dir.resolve()), strict=strict)
            build(settings)
        except (Abort, ConfigurationError, PluginError) as error:
            raise DocsError(str(error)) from None


def serve_site(config: Path | None, paths: Sequence[Path], address: str, *, open_browser: bool) -> None:
    """Serve the site with live reload (the plugin watches the rule folders too)."""
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    with config_file(config, paths) as path:
        try:
            serve(config_file=str(path), dev_addr=address, livereload=True, open_in_browser=open_browser)
        except (Abort, ConfigurationError, PluginError) as error:
            raise DocsError(str(error)) from None


def mkdocs_logging() -> None:
    """mkdocs' own messages on stderr, as its command line shows them (the CLI calls this; nothing below it)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
