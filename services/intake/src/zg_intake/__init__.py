"""zg_intake package."""
