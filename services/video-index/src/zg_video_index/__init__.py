"""zg_video_index package."""
