"""rule-kit: detection-as-code for Elastic-style detection rules.

The public API is small on purpose: `load_rules` reads rule files into `Rule` objects, `check` runs every
static check over paths and returns the diagnostics. Everything else is reached through these or the CLI.
"""

from rule_kit.api import check, load_rules
from rule_kit.diagnostics import Diagnostic, Fix, Severity
from rule_kit.rules.model import Rule

__version__ = "0.1.0"

__all__ = ["Diagnostic", "Fix", "Rule", "Severity", "__version__", "check", "load_rules"]
