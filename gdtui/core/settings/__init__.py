"""The settings: one table of them (:mod:`.fields`), the frozen run configuration that
validates them (:mod:`.config`), and where they come from: typed values (:mod:`.parse`), data
sets (:mod:`.data`), variants (:mod:`.variants`), schedules (:mod:`.schedules`), config files
(:mod:`.files`) and the settings remembered between sessions (:mod:`.remembered`).

Imports only :mod:`gdtui.core.numbers` and :mod:`gdtui.core.files` from gdtui; numpy only to
make data sets.
"""
