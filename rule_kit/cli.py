"""The `rule-kit` command line: argument parsing, wiring and exit codes, nothing more.

Exit codes: 0 no finding at or above the fail level; 1 findings; 2 a file could not be read as text at all;
3 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from rule_kit import __version__
from rule_kit.api import RuleQuery, RuleQueryError, iter_checked, load_query
from rule_kit.checks.context import CheckContext
from rule_kit.checks.files import UNREADABLE_CODES
from rule_kit.checks.registry import all_checks, get_check
from rule_kit.checks.run import CheckSession
from rule_kit.config import Config, ConfigError, load_config
from rule_kit.diagnostics import Diagnostic
from rule_kit.engine import NotExecutable, RuleError, as_instant, execute, latest_time, plan_rule
from rule_kit.events import EventsFileError, read_events
from rule_kit.fixes import format_file, plan_fixes, write_atomically
from rule_kit.kql import DslError, explain, to_dsl
from rule_kit.report import FORMATS, Report, render
from rule_kit.report.execution import render_execution
from rule_kit.report.reference import checks_reference
from rule_kit.rules import PathNotFoundError, iter_rule_files, read_rule
from rule_kit.schema.bundle import editor_schema

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_USAGE = 0, 1, 2, 3
_PROGRESS_MIN_FILES = 200


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="rule-kit")
def cli() -> None:
    """Detection-as-code for Elastic-style detection rules."""


@cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--select", multiple=True, help="Codes or prefixes to report (replaces the configured list).")
@click.option("--ignore", multiple=True, help="Codes or prefixes to leave out (added to the configured list).")
@click.option("--fail-level", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that fails.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report here.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Configuration file to use.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal, not in CI).")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files, then report what remains.")
@click.option("--diff", is_flag=True, help="Show the safe fixes as a diff, write nothing (exit 1 if any).")
def check_command(
    paths: tuple[Path, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_level: str | None,
    output: Path | None,
    config_path: Path | None,
    progress: bool | None,
    fix: bool,
    diff: bool,
) -> None:
    """Check rule files: TOML, schema, and every static check."""
    if fix and diff:
        raise click.UsageError("--fix and --diff cannot be used together")
    config = load_config(config_path).with_overrides(select=select, ignore=ignore, fail_level=fail_level)
    targets = [str(p) for p in paths] or list(config.paths)
    try:
        files = list(iter_rule_files(targets))
    except PathNotFoundError as error:
        raise click.UsageError(str(error)) from None

    show_progress = progress if progress is not None else _interactive() and len(files) >= _PROGRESS_MIN_FILES
    diagnostics = _check_files(files, config, show_progress)
    if diff:
        plans = plan_fixes(diagnostics)
        click.echo("".join(plan.diff() for plan in plans), nl=False)
        sys.exit(EXIT_FINDINGS if plans else EXIT_OK)
    if fix:
        plans = plan_fixes(diagnostics)
        for plan in plans:
            write_atomically(plan.path, plan.after)
        if plans:
            count = sum(len(plan.applied) for plan in plans)
            click.echo(f"Fixed {count} finding{'s' if count != 1 else ''} in {len(plans)} files.", err=True)
            diagnostics = _check_files(files, config, show_progress=False)
    report = Report(tuple(str(f) for f in files), tuple(diagnostics), tuple(all_checks()), __version__, config.docs_url)
    color = fmt == "text" and output is None and _color_wanted()
    text = render(report, fmt, color=color)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomically(output, text)
    sys.exit(_exit_code(diagnostics, config))


def _check_files(files: list[Path], config: Config, show_progress: bool) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    session = CheckSession(config)
    checked = iter_checked(files, session)
    if show_progress:
        with click.progressbar(checked, length=len(files), label="Checking", file=sys.stderr) as bar:
            for _, found in bar:
                diagnostics.extend(found)
    else:
        for _, found in checked:
            diagnostics.extend(found)
    diagnostics.extend(session.finish())
    return sorted(diagnostics, key=lambda d: d.sort_key)


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 when a file would change.")
@click.option("--diff", is_flag=True, help="Show the changes as a diff; write nothing.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Configuration file to use.")
def fmt_command(paths: tuple[Path, ...], check_only: bool, diff: bool, config_path: Path | None) -> None:
    """Rewrite rule files in the canonical layout (comments kept, written atomically)."""
    config = load_config(config_path)
    try:
        files = list(iter_rule_files([str(p) for p in paths] or list(config.paths)))
    except PathNotFoundError as error:
        raise click.UsageError(str(error)) from None
    changed, failed = [], []
    for path in files:
        outcome = format_file(path)
        if outcome.error:
            failed.append(path)
            click.echo(f"{path}: not formatted: {outcome.error}", err=True)
        elif outcome.changed:
            changed.append(path)
            if diff:
                click.echo(outcome.diff(), nl=False)
            elif check_only:
                click.echo(f"would reformat {path}")
            else:
                write_atomically(path, outcome.after)
    verb = "would be reformatted" if check_only or diff else "reformatted"
    unchanged = len(files) - len(changed) - len(failed)
    click.echo(f"{len(changed)} files {verb}, {unchanged} unchanged.", err=True)
    if failed:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_FINDINGS if changed and (check_only or diff) else EXIT_OK)


@cli.command("rule")
@click.argument("code", required=False)
@click.option("--markdown", is_flag=True, help="Print the whole reference as one Markdown file.")
def rule_command(code: str | None, markdown: bool) -> None:
    """Show the documentation of a check (`rule-kit rule RK101`), or list every check."""
    if markdown:
        click.echo(checks_reference(all_checks()), nl=False)
        return
    if code is None:
        for check in all_checks():
            click.echo(f"{check.code}  {check.name:<28} {check.severity.label:<8} {check.summary}")
        return
    check = get_check(code)
    if check is None:
        raise click.UsageError(f"no check with code {code!r} (run `rule-kit rule` for the list)")
    click.echo(f"{check.code} {check.name} ({check.severity.label}, {check.family})\n")
    click.echo(check.doc)


@cli.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(paths: tuple[Path, ...], fmt: str) -> None:
    """List the rules under PATHS (default: the configured paths): type, severity, tactics, fixture cases (run),
    and the counts of the whole set."""
    from rule_kit.attack import load_attack
    from rule_kit.docs.site import collect
    from rule_kit.report.listing import render_listing

    try:
        config = load_config()
        roots = list(paths) or [Path(p) for p in config.paths]
        site = collect(roots, config=config)
    except (ConfigError, PathNotFoundError) as error:
        click.echo(f"rule-kit: {error}", err=True)
        sys.exit(EXIT_USAGE)
    for problem in site.problems:
        click.echo(f"{problem.path}:{problem.line}:{problem.column}: {problem.code} {problem.message}", err=True)
    click.echo(render_listing(site.rules, load_attack(), fmt), nl=False)


@cli.command("schema")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the schema here.")
def schema_command(output: Path | None) -> None:
    """Print one self-contained JSON Schema of rule files, for editors (see docs/editors.md)."""
    text = json.dumps(editor_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)


@cli.group("attack")
def attack_group() -> None:
    """The packaged MITRE ATT&CK data (see docs/attack.md)."""


@attack_group.command("import")
@click.argument("bundle", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--output", type=click.Path(path_type=Path, file_okay=False), help="Folder to write (default: packaged).")
@click.option("--license", "license_path", type=click.Path(path_type=Path, dir_okay=False), help="License notice.")
def attack_import_command(bundle: Path, output: Path | None, license_path: Path | None) -> None:
    """Rebuild the ATT&CK index from MITRE's STIX 2.1 bundle (enterprise-attack-<version>.json)."""
    from rule_kit.attack.importer import PACKAGED_DIR, AttackImportError, import_bundle

    try:
        result = import_bundle(bundle, output or PACKAGED_DIR, license_path)
    except (OSError, AttackImportError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(result.summary())
    click.echo(f"wrote {result.index_path} ({result.size} bytes) and {result.license_path}")


@cli.command("dsl")
@click.argument("rule_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def dsl_command(rule_file: Path) -> None:
    """Print the Elasticsearch query DSL Kibana's detection engine builds from a rule's KQL (see docs/dsl.md)."""
    query = _query(rule_file)
    try:
        dsl = to_dsl(query.tree, query.fields)
    except DslError as error:
        click.echo(f"rule-kit dsl: {rule_file}: cannot translate the query: {error}", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(json.dumps(dsl, indent=2))


@cli.command("explain")
@click.argument("rule_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("events_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--now", help="The run instant, ISO-8601 or epoch ms (default: the latest event's timestamp).")
@click.option("--runs", type=click.IntRange(min=1), default=1, show_default=True, help="Consecutive runs.")
def explain_command(rule_file: Path, events_file: Path, now: str | None, runs: int) -> None:
    """Run a rule over events (a JSON object, a list, or NDJSON) and show the alerts and, for each event, its
    timestamp against the window and the query clause by clause."""
    try:
        events = read_events(events_file)
    except EventsFileError as error:
        raise click.UsageError(str(error)) from None
    config = load_config()
    rule = read_rule(rule_file)
    try:
        plan = plan_rule(rule, CheckContext(config).fields_for(rule))
    except NotExecutable as reason:
        click.echo(f"rule-kit: {rule_file}: cannot run the rule ({reason}); explaining its query only", err=True)
        _explain_query(rule_file, events)
        return
    except RuleError as error:
        click.echo(f"rule-kit: {rule_file}: {error}", err=True)
        sys.exit(EXIT_FINDINGS)
    try:
        instant = as_instant(now) if now else latest_time(plan, events)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--now") from None
    try:
        execution = execute(plan, events, instant, runs)
    except RuleError as error:
        click.echo(f"rule-kit: {rule_file}: {error}", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(render_execution(execution, events))


def _explain_query(rule_file: Path, events: list[dict]) -> None:
    query = _query(rule_file)
    matched = 0
    for number, event in enumerate(events, start=1):
        explanation = explain(query.tree, event, query.fields)
        matched += explanation.result
        click.echo(f"event {number}: {'matches' if explanation.result else 'does not match'}")
        click.echo(explanation.render() + "\n")
    click.echo(f"{matched} of {len(events)} events match the query of {query.rule.name or rule_file}.")


@cli.command(
    "test",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def test_command(args: tuple[str, ...]) -> None:
    """Run every rule's fixture cases and properties with pytest: rule-kit test [PATHS...] [pytest options].

    Without a path, the configured `paths` (default rules/). `--profile ci|dev|thorough` chooses the hypothesis
    profile for generated events. Other options are pytest's: -k, -x, -q, -v, --junitxml FILE, -n auto
    (pytest-xdist). Exit status is pytest's. See docs/testing.md."""
    import pytest

    arguments = ["--rule-kit-profile" if a == "--profile" else a for a in args]
    arguments = [f"--rule-kit-profile={a[10:]}" if a.startswith("--profile=") else a for a in arguments]
    if not any(not a.startswith("-") and Path(a.split("::")[0]).exists() for a in arguments):
        arguments = [*load_config().paths, *arguments]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        arguments = ["-p", "rule_kit.testing.plugin", *arguments]
    # rule_kit is imported already, so pytest cannot rewrite asserts in its plugin module: that warning is noise
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    sys.exit(int(pytest.main([*quiet, "--rule-kit", *arguments])))


def _query(rule_file: Path) -> RuleQuery:
    try:
        return load_query(rule_file, config=load_config())
    except RuleQueryError as error:
        click.echo(f"rule-kit: {rule_file}: {error}", err=True)
        sys.exit(EXIT_FINDINGS)


@cli.group("docs")
def docs_group() -> None:
    """The docs site: a page per rule from its guide, indexes, ATT&CK coverage (see docs/site.md)."""


_CONFIG_FILE_OPTION = click.option(
    "--config-file",
    "-f",
    type=click.Path(path_type=Path, dir_okay=False),
    help="An mkdocs.yml using the rule-kit plugin (default: ./mkdocs.yml when no PATHS, else a built-in one).",
)


@docs_group.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_CONFIG_FILE_OPTION
@click.option("--site-dir", "-d", type=click.Path(path_type=Path, file_okay=False), default=Path("site"))
@click.option("--strict", is_flag=True, help="Fail on any warning (a broken rule or fixture file, a dead link).")
def docs_build_command(paths: tuple[Path, ...], config_file: Path | None, site_dir: Path, strict: bool) -> None:
    """Build the site into SITE_DIR (default site/) from the rules under PATHS (default: the configured paths)."""
    from rule_kit.docs.project import build_site

    with _docs_run("build"):
        build_site(config_file, list(paths), site_dir, strict=strict)


@docs_group.command("serve")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_CONFIG_FILE_OPTION
@click.option("--dev-addr", "-a", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
def docs_serve_command(paths: tuple[Path, ...], config_file: Path | None, dev_addr: str, open_browser: bool) -> None:
    """Serve the site with live reload while you edit rules and guides."""
    from rule_kit.docs.project import serve_site

    with _docs_run("serve"):
        serve_site(config_file, list(paths), dev_addr, open_browser=open_browser)


@contextlib.contextmanager
def _docs_run(action: str) -> Iterator[None]:
    """mkdocs' messages on stderr; a configuration error exits 3, a failed build 1."""
    from rule_kit.docs.project import DocsError, mkdocs_logging

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # mkdocs-material's notice to site maintainers, not users
    mkdocs_logging()
    try:
        yield
    except ConfigError as error:
        click.echo(f"rule-kit: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except DocsError as error:
        click.echo(f"rule-kit: docs {action} failed: {error}", err=True)
        sys.exit(EXIT_FINDINGS)


@cli.group("kql")
def kql_group() -> None:
    """KQL as Kibana parses it (see docs/kql.md)."""


@kql_group.command("ast")
@click.argument("query")
def kql_ast_command(query: str) -> None:
    """Print the parse tree of QUERY as an S-expression; a syntax error exits 1."""
    from rule_kit.kql import KqlSyntaxError, dump, parse

    try:
        tree = parse(query)
    except KqlSyntaxError as error:
        start = query.rfind("\n", 0, error.offset) + 1
        end = query.find("\n", error.offset)
        line = query[start : end if end >= 0 else len(query)]
        caret = "".join(c if c == "\t" else " " for c in line[: error.offset - start]) + "^"
        click.echo(f"error: {error.message}\n{line}\n{caret}", err=True)
        sys.exit(1)
    click.echo(dump(tree))


def _exit_code(diagnostics: list[Diagnostic], config: Config) -> int:
    if any(d.code in UNREADABLE_CODES for d in diagnostics):
        return EXIT_UNREADABLE
    if any(d.severity >= config.fail_level for d in diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK


def _interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def _color_wanted() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def main(argv: list[str] | None = None) -> None:
    """Entry point: click's usage errors exit 3 (not click's 2, which means an unreadable file here)."""
    try:
        cli.main(args=argv, standalone_mode=False, prog_name="rule-kit")
    except click.UsageError as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    sys.exit(EXIT_OK)
