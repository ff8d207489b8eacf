"""The trading database's schema contract, and importing user files into it."""
