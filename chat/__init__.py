"""tradeassist chat package."""
