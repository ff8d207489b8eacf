"""tradeassist sql package."""
