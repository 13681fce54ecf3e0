"""Alembic environment of the lighting schema (the shared runner does the work)."""

from zg_common.migrate import run_env

run_env()
