"""The command line: ``gdtui`` and its subcommands, one module each; every exit status is in
:mod:`gdtui.exits`.

The top layer: imports the core and, to open it, the app.
"""
