"""The ``tradeassist`` command line: the terminal front end over the engines (``cli.app.main``)."""
