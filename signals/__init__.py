"""tradeassist signals package."""
