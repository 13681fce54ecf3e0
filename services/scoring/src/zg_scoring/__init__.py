"""zg_scoring package."""
