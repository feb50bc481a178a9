"""Alembic environment: svckit runs it for this service's own schema (see svckit.migrations).

After the revisions, the show-scoped tables are distributed by show_id if the database is Citus
(inventory.adapters.distribution); on plain PostgreSQL that step looks at pg_extension and stops.
It runs on every migrate, inside the migrator's advisory lock, and distributes only what is not
distributed yet.
"""

from alembic import context

from inventory.adapters.distribution import distribute_by_show
from svckit.migrations import URL_ATTRIBUTE, run_env

run_env()
if not context.is_offline_mode():
    distribute_by_show(context.config.attributes[URL_ATTRIBUTE])
