"""tradeassist retrieval package."""
