"""A learner's own training loop: their Python file or Jupyter notebook, run epoch by epoch
and statement by statement, its numbers recorded and its classic mistakes named at their line.

- :mod:`.source` reads the file or notebook and finds the training loop (the setup before
  it, what runs after it); :mod:`.statements` compiles its statements and reads what each
  one updates; :mod:`.program` runs them in the program's namespace, seeded, with the
  program's own folder as the working directory.
- :mod:`.values` finds the parameters (and their gradients and the loss) and writes values
  as JSON; :mod:`.numeric` recomputes the loss at moved parameters (finite differences).
- :mod:`.hooks` watches torch (``backward()``, clearing, steps, broadcasting);
  :mod:`.checks` turns what it sees into :mod:`.findings`.
- :mod:`.child` runs one command (run, trace, check) on one program in a process of its
  own, stopping a statement that hangs; :mod:`.launch` starts and supervises it.

Imports :mod:`gdtui.core.engine` and below; torch only inside functions, once the program
has imported it.
"""
