"""zg_patrol package."""
