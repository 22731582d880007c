"""summarize."""
