"""tradeassist kernels package."""
