"""Alembic environment: runs on the connection frontdesk hands it."""

from alembic import context
from sqlalchemy import create_engine

from frontdesk.store.models import Base

config = context.config


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters a table by copying it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url", ""))
    with engine.connect() as conn:
        run(conn)
