"""zg_local package."""
