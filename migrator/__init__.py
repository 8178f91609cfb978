"""migrator: async bulk content migration into ButterCMS."""

from migrator.errors import ConfigError, MappingError, MigratorError, RecordError, SourceError
from migrator.model import ContentModel, load_content_model
from migrator.records import Location, Record

__all__ = [
    "ConfigError",
    "ContentModel",
    "Location",
    "MappingError",
    "MigratorError",
    "Record",
    "RecordError",
    "SourceError",
    "load_content_model",
]
