"""Zongguan common library: the shared mechanisms every service is built on (no business logic)."""
