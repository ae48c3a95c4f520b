"""The training process: a child process that runs the run (a torch loop beside Textual's
render loop would lose 10-100x to the GIL). :mod:`.protocol` holds the typed commands and
replies, :mod:`.child` the child's loop, :mod:`.parent` the parent's handle.

The top of the core: it imports every other layer; torch only in the child, when a program
runs.
"""
