"""tradeassist core package."""
