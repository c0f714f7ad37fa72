"""Alembic's environment: runs migrations on the connection ``vision.store.database`` hands over.

Contract: calfcheck never runs Alembic from an ini file; ``database.upgrade`` builds the ``Config`` in
code and passes an open connection in ``config.attributes["connection"]``. ``render_as_batch`` lets the
same migrations alter tables on SQLite (which rebuilds a table to change it).
"""

from alembic import context

from vision.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
