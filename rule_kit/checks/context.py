"""What checks may know beyond the rule itself: the configuration and the field catalog for a rule's indices.

Built once per run (team catalogs are read once), shared by every check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rule_kit.config import Config, ConfigError
from rule_kit.diagnostics import Severity
from rule_kit.fields import CatalogError, FieldCatalog, catalog_for_indices, load_catalogs
from rule_kit.rules.model import Rule


@dataclass
class CheckContext:
    config: Config = field(default_factory=Config)
    _team: FieldCatalog | None = field(default=None, init=False)
    _team_loaded: bool = field(default=False, init=False)

    @property
    def unknown_field_severity(self) -> Severity:
        return self.config.unknown_fields

    def team_catalog(self) -> FieldCatalog | None:
        """The team's own field catalogs from `field-catalogs` (paths already resolved by the configuration)."""
        if not self._team_loaded:
            self._team_loaded = True
            try:
                self._team = load_catalogs(self.config.field_catalogs)
            except (OSError, CatalogError) as error:
                raise ConfigError(f"field-catalogs: {error}") from None
        return self._team

    def fields_for(self, rule: Rule) -> FieldCatalog:
        """ECS, the multi-fields of the rule's indices (Elastic Defend's `.caseless`), and the team's fields."""
        return catalog_for_indices(rule.indices, self.team_catalog())
