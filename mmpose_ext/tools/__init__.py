"""Every command-line tool's logic and ``main(argv=None)``, one module per tool. ``tools/<group>/<name>.py`` in the
checkout is a thin wrapper of ``mmpose_ext/tools/<name>.py``; shipping them in the package lets ``mim train
mmpose_ext CONFIG`` and the ``mmpose-ext-*`` console scripts of a regular install find them."""
