"""The ``tradeassist`` command line: the terminal front end over the engines (``tradeassist.cli.app.main``)."""
