"""Residents' supervision of the points: what a scanned code shows, and their ratings."""
