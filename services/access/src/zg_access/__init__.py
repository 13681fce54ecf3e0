"""Zongguan smart access service (门禁, 一卡通)."""
