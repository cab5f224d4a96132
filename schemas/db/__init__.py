"""The database tables: the application projection and the API's system of record, one metadata.

Importing this package registers every table on `Base.metadata` (what Alembic compares against).
"""

from schemas.db import projection, records
from schemas.db.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata", "projection", "records"]
