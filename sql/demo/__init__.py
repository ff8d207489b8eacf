"""The demo trading database: its universe, simulated market and trading activity, and the builder."""
