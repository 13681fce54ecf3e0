"""zg_gateway package."""
