"""The training process: a child process that runs the run (a torch loop beside Textual's
render loop would lose 10-100x to the GIL). :mod:`.protocol` holds the typed commands and
replies, :mod:`.child` the child's loop, :mod:`.parent` the parent's handle, :mod:`.spawn`
how a Python child process starts and sets itself up.

Imports every other layer of the core; torch only in the child, when a program runs.
"""
