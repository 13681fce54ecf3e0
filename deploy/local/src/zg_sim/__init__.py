"""The district simulator: officers, residents, the hotline, cameras and departments at work,
through the platform's public API only."""
