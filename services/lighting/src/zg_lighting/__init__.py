"""Zongguan smart street lights (智慧路灯)."""
