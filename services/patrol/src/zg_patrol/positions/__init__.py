"""Officers' reported positions: the live map and the day's track."""
