"""Alembic environment: runs against the engine jdoffice hands over (never a URL in an ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from jdoffice.adapters.orm import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("jdoffice migrations run through `jdoffice db upgrade`")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild tables on SQLite; with foreign keys enforced, dropping a
            # referenced table fails. The pragma only works outside a transaction, so it goes
            # to the driver connection before SQLAlchemy begins one.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.commit()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
            if problems:
                raise RuntimeError(f"foreign key check failed after migration: {problems[:5]}")


run_migrations_online()
