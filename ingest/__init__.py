"""tradeassist ingest package."""
