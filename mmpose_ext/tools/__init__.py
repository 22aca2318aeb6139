"""Command-line entry points (``tools/train.py``, ``tools/test.py``); shipped inside the package so that
``mim train mmpose_ext CONFIG`` finds them in a regular install."""
