"""zg_routing package."""
